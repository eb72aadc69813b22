//! Order data: orders with their line items, shipping lines, discounts, taxes, transactions,
//! refunds, returns, fulfillment orders and fulfillments, and the `Orders` table that keeps them
//! indexed by update time.
//!
//! Money is in the shop currency (presentment money is the same amount). Totals are derived from
//! the lines, never stored, so an edit cannot leave them inconsistent.
//!
//! ## Ids
//! Orders draw ids from `IdKind::Order`. Everything that lives inside an order (line items,
//! fulfillment orders and their line items, fulfillments, shipping lines, transactions, refunds,
//! returns ...) gets `order_id * SUB_ID_FACTOR + n` with `n` counted per order, so the order that
//! holds any of them is found by a division: no id map, whatever the number of orders. The ids
//! stay below 2^53, so JavaScript clients read them exactly.

pub mod rest;

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use rust_decimal::Decimal;

/// Shared immutable text (titles, SKUs, gateways): seeded orders point at one copy per product.
pub type Text = Arc<str>;

/// Sub-object ids are `order_id * SUB_ID_FACTOR + n`, `n` in `1..SUB_ID_FACTOR`.
pub const SUB_ID_FACTOR: u64 = 10_000;

/// The order that holds a sub-object (line item, fulfillment order, refund ...).
pub fn owner_of(sub_id: u64) -> u64 {
    sub_id / SUB_ID_FACTOR
}

/// Every order of the shop, with indexes by update, creation and processing time.
///
/// The orders are private so that every change goes through [`Orders::update`], which keeps the
/// `(updated_at, id)` index (what `sortKey: UPDATED_AT` pages walk) in step. They sit in a `Vec`
/// sorted by id (ids only grow, so new orders go at the end): half the memory of a `BTreeMap`
/// filled in id order, whose nodes stay half empty.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    orders: Vec<Order>,
    by_updated: BTreeSet<(i64, u64)>,
    by_created: BTreeSet<(i64, u64)>,
    by_processed: BTreeSet<(i64, u64)>,
    last_number: u32,
}

/// Bounds on `(seconds, id)` index keys.
pub type KeyRange = (std::ops::Bound<(i64, u64)>, std::ops::Bound<(i64, u64)>);

/// Which time index to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeIndex {
    Updated,
    Created,
    Processed,
}

impl Orders {
    /// The order with this id.
    pub fn get(&self, id: u64) -> Option<&Order> {
        self.position(id).ok().map(|index| &self.orders[index])
    }

    /// Whether an order exists.
    pub fn contains(&self, id: u64) -> bool {
        self.position(id).is_ok()
    }

    /// Orders in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Order> {
        self.orders.iter()
    }

    /// Orders in id order within a range of ids.
    pub fn id_range(
        &self,
        (low, high): (std::ops::Bound<u64>, std::ops::Bound<u64>),
    ) -> impl DoubleEndedIterator<Item = &Order> {
        use std::ops::Bound;
        let start = match low {
            Bound::Included(id) => self.orders.partition_point(|order| order.id < id),
            Bound::Excluded(id) => self.orders.partition_point(|order| order.id <= id),
            Bound::Unbounded => 0,
        };
        let end = match high {
            Bound::Included(id) => self.orders.partition_point(|order| order.id <= id),
            Bound::Excluded(id) => self.orders.partition_point(|order| order.id < id),
            Bound::Unbounded => self.orders.len(),
        };
        self.orders[start.min(end)..end].iter()
    }

    fn position(&self, id: u64) -> Result<usize, usize> {
        self.orders.binary_search_by_key(&id, |order| order.id)
    }

    /// `(seconds, id)` keys of a time index within a range.
    pub fn time_range(&self, index: TimeIndex, range: KeyRange) -> impl DoubleEndedIterator<Item = &(i64, u64)> {
        let set = match index {
            TimeIndex::Updated => &self.by_updated,
            TimeIndex::Created => &self.by_created,
            TimeIndex::Processed => &self.by_processed,
        };
        set.range(range)
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// The next order number (`#1001`, `#1002` ...).
    pub fn next_number(&mut self) -> u32 {
        self.last_number = self.last_number.max(1000) + 1;
        self.last_number
    }

    /// Adds (or replaces) an order.
    pub fn insert(&mut self, order: Order) {
        self.last_number = self.last_number.max(order.number);
        self.by_updated.insert((order.updated_at.as_second(), order.id));
        self.by_created.insert((order.created_at.as_second(), order.id));
        self.by_processed.insert((order.processed_at.as_second(), order.id));
        match self.position(order.id) {
            Ok(index) => {
                let previous = std::mem::replace(&mut self.orders[index], order);
                let current = &self.orders[index];
                let keys = |order: &Order| {
                    (order.updated_at.as_second(), order.created_at.as_second(), order.processed_at.as_second())
                };
                let (old, new) = (keys(&previous), keys(current));
                if old.0 != new.0 {
                    self.by_updated.remove(&(old.0, previous.id));
                }
                if old.1 != new.1 {
                    self.by_created.remove(&(old.1, previous.id));
                }
                if old.2 != new.2 {
                    self.by_processed.remove(&(old.2, previous.id));
                }
            }
            Err(index) => self.orders.insert(index, order),
        }
    }

    /// Gives back the spare capacity of the table (after seeding many orders at once).
    pub fn shrink_to_fit(&mut self) {
        self.orders.shrink_to_fit();
    }

    /// Changes an order and re-indexes it (its `updated_at` may have moved).
    pub fn update<R>(&mut self, id: u64, change: impl FnOnce(&mut Order) -> R) -> Option<R> {
        let index = self.position(id).ok()?;
        let order = &mut self.orders[index];
        let before = (order.updated_at.as_second(), order.created_at.as_second(), order.processed_at.as_second());
        let result = change(order);
        let after = (order.updated_at.as_second(), order.created_at.as_second(), order.processed_at.as_second());
        if before != after {
            self.by_updated.remove(&(before.0, id));
            self.by_created.remove(&(before.1, id));
            self.by_processed.remove(&(before.2, id));
            self.by_updated.insert((after.0, id));
            self.by_created.insert((after.1, id));
            self.by_processed.insert((after.2, id));
        }
        Some(result)
    }

    /// The order holding a sub-object id (line item, fulfillment order ...).
    pub fn owner(&self, sub_id: u64) -> Option<&Order> {
        self.get(owner_of(sub_id))
    }
}

/// An order.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    /// `1001` for `#1001`.
    pub number: u32,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub customer_id: Option<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub processed_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<CancelReason>,
    pub closed_at: Option<Timestamp>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    /// `web`, `pos`, `shopify_draft_order` ...
    pub source_name: Text,
    pub po_number: Option<String>,
    pub test: bool,
    pub taxes_included: bool,
    pub financial_status: FinancialStatus,
    pub payment_terms: Option<PaymentTerms>,
    pub payment_gateway_names: Vec<Text>,
    pub discount_codes: Vec<String>,
    /// Note attributes (`customAttributes`).
    pub custom_attributes: Vec<Attribute>,
    pub shipping_address: Option<Arc<Address>>,
    pub billing_address: Option<Arc<Address>>,
    pub line_items: Vec<LineItem>,
    pub shipping_lines: Vec<ShippingLine>,
    pub discount_applications: Vec<DiscountApplication>,
    pub transactions: Vec<Transaction>,
    pub refunds: Vec<Refund>,
    pub returns: Vec<Return>,
    pub fulfillment_orders: Vec<FulfillmentOrder>,
    pub fulfillments: Vec<Fulfillment>,
    /// The last `n` handed out for a sub-object id.
    pub last_sub_id: u32,
}

/// `key`/`value` pairs (`customAttributes`, REST `properties` / `note_attributes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub key: String,
    pub value: Option<String>,
}

/// A postal address (`MailingAddress`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    /// ISO 3166-1 alpha-2 (`DE`).
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

impl Address {
    /// First and last name joined, as `MailingAddress.name`.
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The country's English name (`MailingAddress.country`).
    pub fn country(&self) -> Option<&'static str> {
        self.country_code.as_deref().map(country_name)
    }
}

/// One line of an order.
#[derive(Debug, Clone)]
pub struct LineItem {
    pub id: u64,
    /// The variant ordered; `None` for a custom line item. A variant deleted since reads as null
    /// because it is looked up in the catalog.
    pub variant_id: Option<u64>,
    pub product_id: Option<u64>,
    /// The product title at the time of the order.
    pub title: Text,
    pub variant_title: Option<Text>,
    pub sku: Option<Text>,
    pub vendor: Option<Text>,
    pub quantity: u32,
    /// Quantity removed by order edits (not refunds).
    pub removed_quantity: u32,
    /// Unit price before discounts.
    pub price: Decimal,
    pub requires_shipping: bool,
    pub is_gift_card: bool,
    pub taxable: bool,
    pub grams: u32,
    pub custom_attributes: Vec<Attribute>,
    pub discount_allocations: Vec<DiscountAllocation>,
    pub tax_lines: Vec<TaxLine>,
}

impl LineItem {
    /// `"Title - Variant"`, or the title alone for a default variant.
    pub fn name(&self) -> String {
        match self.variant_title.as_deref() {
            Some(variant) if !variant.is_empty() && variant != "Default Title" => format!("{} - {variant}", self.title),
            _ => self.title.to_string(),
        }
    }

    pub fn original_total(&self) -> Decimal {
        self.price * Decimal::from(self.quantity)
    }

    pub fn discount_total(&self) -> Decimal {
        self.discount_allocations.iter().map(|allocation| allocation.amount).sum()
    }

    pub fn tax_total(&self) -> Decimal {
        self.tax_lines.iter().map(|tax| tax.price).sum()
    }
}

/// A tax charged on a line or a shipping line.
#[derive(Debug, Clone)]
pub struct TaxLine {
    pub title: Text,
    /// `0.19` for 19 %.
    pub rate: Decimal,
    pub price: Decimal,
}

/// The part of a discount that went to one line.
#[derive(Debug, Clone)]
pub struct DiscountAllocation {
    pub amount: Decimal,
    /// Index into the order's discount applications.
    pub application_index: usize,
}

/// How an order was discounted.
#[derive(Debug, Clone)]
pub struct DiscountApplication {
    pub kind: DiscountKind,
    pub value: DiscountValue,
    /// `ACROSS`, `EACH` or `ONE`.
    pub allocation_method: &'static str,
    /// `ALL`, `ENTITLED` or `EXPLICIT`.
    pub target_selection: &'static str,
    /// `LINE_ITEM` or `SHIPPING_LINE`.
    pub target_type: &'static str,
}

/// Where a discount came from.
#[derive(Debug, Clone)]
pub enum DiscountKind {
    Code(String),
    Automatic(String),
    Manual { title: String, description: Option<String> },
}

/// A percentage or a fixed amount.
#[derive(Debug, Clone, Copy)]
pub enum DiscountValue {
    Percentage(Decimal),
    Fixed(Decimal),
}

/// A shipping method charged on an order.
#[derive(Debug, Clone)]
pub struct ShippingLine {
    pub id: u64,
    pub title: Text,
    pub code: Option<Text>,
    /// `shopify`, or a carrier service.
    pub source: Option<Text>,
    pub carrier_identifier: Option<String>,
    pub price: Decimal,
    pub discount_allocations: Vec<DiscountAllocation>,
    pub tax_lines: Vec<TaxLine>,
    pub is_removed: bool,
}

impl ShippingLine {
    pub fn discounted_price(&self) -> Decimal {
        self.price - self.discount_allocations.iter().map(|allocation| allocation.amount).sum::<Decimal>()
    }
}

/// `OrderDisplayFinancialStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinancialStatus {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
    Expired,
}

impl FinancialStatus {
    /// The GraphQL enum value.
    pub fn as_graphql(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "PENDING",
            FinancialStatus::Authorized => "AUTHORIZED",
            FinancialStatus::PartiallyPaid => "PARTIALLY_PAID",
            FinancialStatus::Paid => "PAID",
            FinancialStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
            FinancialStatus::Refunded => "REFUNDED",
            FinancialStatus::Voided => "VOIDED",
            FinancialStatus::Expired => "EXPIRED",
        }
    }

    /// The REST / search value (`partially_refunded`).
    pub fn as_rest(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "pending",
            FinancialStatus::Authorized => "authorized",
            FinancialStatus::PartiallyPaid => "partially_paid",
            FinancialStatus::Paid => "paid",
            FinancialStatus::PartiallyRefunded => "partially_refunded",
            FinancialStatus::Refunded => "refunded",
            FinancialStatus::Voided => "voided",
            FinancialStatus::Expired => "expired",
        }
    }

    /// Parses either spelling (`PAID`, `paid`, `partially_refunded`).
    pub fn parse(text: &str) -> Option<Self> {
        let all = [
            FinancialStatus::Pending,
            FinancialStatus::Authorized,
            FinancialStatus::PartiallyPaid,
            FinancialStatus::Paid,
            FinancialStatus::PartiallyRefunded,
            FinancialStatus::Refunded,
            FinancialStatus::Voided,
            FinancialStatus::Expired,
        ];
        all.into_iter().find(|status| status.as_rest().eq_ignore_ascii_case(text))
    }
}

/// `OrderDisplayFulfillmentStatus` as far as the simulator derives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfillmentState {
    Unfulfilled,
    PartiallyFulfilled,
    Fulfilled,
}

impl FulfillmentState {
    pub fn as_graphql(self) -> &'static str {
        match self {
            FulfillmentState::Unfulfilled => "UNFULFILLED",
            FulfillmentState::PartiallyFulfilled => "PARTIALLY_FULFILLED",
            FulfillmentState::Fulfilled => "FULFILLED",
        }
    }

    /// REST `fulfillment_status`: null, `partial` or `fulfilled`.
    pub fn as_rest(self) -> Option<&'static str> {
        match self {
            FulfillmentState::Unfulfilled => None,
            FulfillmentState::PartiallyFulfilled => Some("partial"),
            FulfillmentState::Fulfilled => Some("fulfilled"),
        }
    }
}

/// `OrderCancelReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    Customer,
    Declined,
    Fraud,
    Inventory,
    Other,
    Staff,
}

impl CancelReason {
    pub fn as_graphql(self) -> &'static str {
        match self {
            CancelReason::Customer => "CUSTOMER",
            CancelReason::Declined => "DECLINED",
            CancelReason::Fraud => "FRAUD",
            CancelReason::Inventory => "INVENTORY",
            CancelReason::Other => "OTHER",
            CancelReason::Staff => "STAFF",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            CancelReason::Customer,
            CancelReason::Declined,
            CancelReason::Fraud,
            CancelReason::Inventory,
            CancelReason::Other,
            CancelReason::Staff,
        ]
        .into_iter()
        .find(|reason| reason.as_graphql().eq_ignore_ascii_case(text))
    }
}

/// Payment terms (B2B): pay within `due_in_days` of the order.
#[derive(Debug, Clone)]
pub struct PaymentTerms {
    pub id: u64,
    /// `Net 30`, `Due on receipt` ...
    pub name: String,
    /// `NET`, `RECEIPT`, `FIXED`, `FULFILLMENT`.
    pub kind: &'static str,
    pub due_in_days: Option<u32>,
}

/// A payment, capture or refund.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub id: u64,
    /// `SALE`, `CAPTURE`, `AUTHORIZATION`, `REFUND`, `VOID`.
    pub kind: &'static str,
    /// `SUCCESS`, `PENDING`, `FAILURE` ...
    pub status: &'static str,
    pub gateway: Text,
    pub amount: Decimal,
    pub created_at: Timestamp,
    pub processed_at: Timestamp,
    pub parent_id: Option<u64>,
    pub test: bool,
    pub error_code: Option<&'static str>,
}

/// A refund of some lines (and money).
#[derive(Debug, Clone)]
pub struct Refund {
    pub id: u64,
    pub created_at: Timestamp,
    pub note: Option<String>,
    pub line_items: Vec<RefundLineItem>,
    /// Ids of the order's REFUND transactions made by this refund.
    pub transaction_ids: Vec<u64>,
}

/// One refunded line.
#[derive(Debug, Clone)]
pub struct RefundLineItem {
    pub id: u64,
    pub line_item_id: u64,
    pub quantity: u32,
    /// `RETURN`, `CANCEL`, `NO_RESTOCK`, `LEGACY_RESTOCK`.
    pub restock_type: &'static str,
    pub location_id: Option<u64>,
    pub subtotal: Decimal,
    pub total_tax: Decimal,
}

/// A return requested or made by the customer.
#[derive(Debug, Clone)]
pub struct Return {
    pub id: u64,
    /// `#1001-R1`.
    pub name: String,
    /// `REQUESTED`, `OPEN`, `CLOSED`, `DECLINED`, `CANCELED`.
    pub status: &'static str,
    pub line_items: Vec<ReturnLineItem>,
}

/// One returned fulfillment line.
#[derive(Debug, Clone)]
pub struct ReturnLineItem {
    pub id: u64,
    pub fulfillment_line_item_id: u64,
    pub quantity: u32,
    /// `SIZE_TOO_SMALL`, `DEFECTIVE`, `OTHER` ...
    pub return_reason: &'static str,
    pub return_reason_note: String,
    pub customer_note: Option<String>,
}

/// `FulfillmentOrderStatus` values the simulator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfillmentOrderStatus {
    Open,
    InProgress,
    Closed,
    Cancelled,
    OnHold,
}

impl FulfillmentOrderStatus {
    pub fn as_graphql(self) -> &'static str {
        match self {
            FulfillmentOrderStatus::Open => "OPEN",
            FulfillmentOrderStatus::InProgress => "IN_PROGRESS",
            FulfillmentOrderStatus::Closed => "CLOSED",
            FulfillmentOrderStatus::Cancelled => "CANCELLED",
            FulfillmentOrderStatus::OnHold => "ON_HOLD",
        }
    }

    /// Whether `fulfillmentCreate` may fulfill from it.
    pub fn is_fulfillable(self) -> bool {
        matches!(self, FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress)
    }
}

/// The items of an order one location ships.
#[derive(Debug, Clone)]
pub struct FulfillmentOrder {
    pub id: u64,
    pub location_id: u64,
    pub status: FulfillmentOrderStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub line_items: Vec<FulfillmentOrderLineItem>,
}

impl FulfillmentOrder {
    /// Recomputes the status from the remaining quantities (cancelled and on-hold stay).
    pub fn refresh_status(&mut self) {
        if matches!(self.status, FulfillmentOrderStatus::Cancelled | FulfillmentOrderStatus::OnHold) {
            return;
        }
        let remaining: u32 = self.line_items.iter().map(|item| item.remaining_quantity).sum();
        let total: u32 = self.line_items.iter().map(|item| item.total_quantity).sum();
        self.status = if remaining == 0 {
            FulfillmentOrderStatus::Closed
        } else if remaining < total || self.line_items.iter().any(|item| item.fulfilled_quantity > 0) {
            FulfillmentOrderStatus::InProgress
        } else {
            FulfillmentOrderStatus::Open
        };
    }
}

/// One order line within a fulfillment order.
#[derive(Debug, Clone)]
pub struct FulfillmentOrderLineItem {
    pub id: u64,
    pub line_item_id: u64,
    pub total_quantity: u32,
    pub remaining_quantity: u32,
    /// Fulfilled from this fulfillment order so far.
    pub fulfilled_quantity: u32,
}

/// A shipment.
#[derive(Debug, Clone)]
pub struct Fulfillment {
    pub id: u64,
    /// `#1001.1`.
    pub name: String,
    /// `SUCCESS`, `CANCELLED` ...
    pub status: &'static str,
    pub location_id: Option<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tracking: Vec<TrackingInfo>,
    pub line_items: Vec<FulfillmentLineItem>,
    pub fulfillment_order_ids: Vec<u64>,
    pub notify_customer: bool,
}

/// A tracking number with its carrier and URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackingInfo {
    pub number: Option<String>,
    pub company: Option<String>,
    pub url: Option<String>,
}

/// One shipped line.
#[derive(Debug, Clone)]
pub struct FulfillmentLineItem {
    pub id: u64,
    pub line_item_id: u64,
    pub quantity: u32,
}

impl Order {
    /// `#1001`.
    pub fn name(&self) -> String {
        format!("#{}", self.number)
    }

    /// A fresh sub-object id (line item, fulfillment ...).
    pub fn next_sub_id(&mut self) -> u64 {
        self.last_sub_id += 1;
        self.id * SUB_ID_FACTOR + u64::from(self.last_sub_id)
    }

    pub fn closed(&self) -> bool {
        self.closed_at.is_some()
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    pub fn line_item(&self, id: u64) -> Option<&LineItem> {
        self.line_items.iter().find(|line| line.id == id)
    }

    pub fn fulfillment_order(&self, id: u64) -> Option<&FulfillmentOrder> {
        self.fulfillment_orders.iter().find(|fo| fo.id == id)
    }

    /// Units of a line refunded so far.
    pub fn refunded_quantity(&self, line_item_id: u64) -> u32 {
        self.refunds
            .iter()
            .flat_map(|refund| &refund.line_items)
            .filter(|item| item.line_item_id == line_item_id)
            .map(|item| item.quantity)
            .sum()
    }

    /// Units of a line still on the order (after edits and refunds).
    pub fn current_quantity(&self, line: &LineItem) -> u32 {
        line.quantity.saturating_sub(line.removed_quantity).saturating_sub(self.refunded_quantity(line.id))
    }

    /// Units of a line shipped by successful fulfillments.
    pub fn fulfilled_quantity(&self, line_item_id: u64) -> u32 {
        self.fulfillments
            .iter()
            .filter(|fulfillment| fulfillment.status == "SUCCESS")
            .flat_map(|fulfillment| &fulfillment.line_items)
            .filter(|item| item.line_item_id == line_item_id)
            .map(|item| item.quantity)
            .sum()
    }

    /// Units of a line still to ship (`unfulfilledQuantity`, `fulfillableQuantity`).
    pub fn unfulfilled_quantity(&self, line: &LineItem) -> u32 {
        if self.cancelled() {
            return 0;
        }
        self.current_quantity(line).saturating_sub(self.fulfilled_quantity(line.id))
    }

    /// `displayFulfillmentStatus`: over the lines that need shipping (all lines when none does).
    pub fn fulfillment_state(&self) -> FulfillmentState {
        let shippable: Vec<&LineItem> = self.line_items.iter().filter(|line| line.requires_shipping).collect();
        let lines = if shippable.is_empty() { self.line_items.iter().collect() } else { shippable };
        let fulfilled: u32 = lines.iter().map(|line| self.fulfilled_quantity(line.id)).sum();
        if fulfilled == 0 {
            return FulfillmentState::Unfulfilled;
        }
        let open = lines.iter().any(|line| self.current_quantity(line) > self.fulfilled_quantity(line.id));
        if open { FulfillmentState::PartiallyFulfilled } else { FulfillmentState::Fulfilled }
    }

    /// The share of a line's discount and tax that the current quantity keeps.
    fn current_share(&self, line: &LineItem, amount: Decimal) -> Decimal {
        if line.quantity == 0 {
            return Decimal::ZERO;
        }
        (amount * Decimal::from(self.current_quantity(line)) / Decimal::from(line.quantity)).round_dp(2)
    }

    /// Sum of unit prices times quantities (`total_line_items_price`).
    pub fn line_items_total(&self) -> Decimal {
        self.line_items.iter().map(LineItem::original_total).sum()
    }

    /// Line totals after line discounts, before shipping and (excluded) taxes (`subtotalPriceSet`).
    pub fn subtotal(&self) -> Decimal {
        self.line_items.iter().map(|line| line.original_total() - line.discount_total()).sum()
    }

    /// The subtotal over current quantities (`currentSubtotalPriceSet`).
    pub fn current_subtotal(&self) -> Decimal {
        self.line_items
            .iter()
            .map(|line| {
                line.price * Decimal::from(self.current_quantity(line))
                    - self.current_share(line, line.discount_total())
            })
            .sum()
    }

    /// Line and shipping discounts (`totalDiscountsSet`).
    pub fn total_discounts(&self) -> Decimal {
        self.line_items.iter().map(LineItem::discount_total).sum::<Decimal>() + self.shipping_discounts()
    }

    pub fn current_total_discounts(&self) -> Decimal {
        self.line_items.iter().map(|line| self.current_share(line, line.discount_total())).sum::<Decimal>()
            + self.shipping_discounts()
    }

    fn shipping_discounts(&self) -> Decimal {
        self.active_shipping_lines().map(|line| line.price - line.discounted_price()).sum()
    }

    fn active_shipping_lines(&self) -> impl Iterator<Item = &ShippingLine> {
        self.shipping_lines.iter().filter(|line| !line.is_removed)
    }

    /// Shipping before discounts (`totalShippingPriceSet`).
    pub fn total_shipping(&self) -> Decimal {
        self.active_shipping_lines().map(|line| line.price).sum()
    }

    /// Shipping after discounts (`currentShippingPriceSet`).
    pub fn current_shipping(&self) -> Decimal {
        self.active_shipping_lines().map(ShippingLine::discounted_price).sum()
    }

    fn shipping_tax(&self) -> Decimal {
        self.active_shipping_lines().flat_map(|line| &line.tax_lines).map(|tax| tax.price).sum()
    }

    pub fn total_tax(&self) -> Decimal {
        self.line_items.iter().map(LineItem::tax_total).sum::<Decimal>() + self.shipping_tax()
    }

    pub fn current_total_tax(&self) -> Decimal {
        self.line_items.iter().map(|line| self.current_share(line, line.tax_total())).sum::<Decimal>()
            + self.shipping_tax()
    }

    /// What the customer was charged in all (`totalPriceSet`).
    pub fn total_price(&self) -> Decimal {
        let tax = if self.taxes_included { Decimal::ZERO } else { self.total_tax() };
        self.subtotal() + self.current_shipping() + tax
    }

    /// The total after removals and refunded lines (`currentTotalPriceSet`).
    pub fn current_total_price(&self) -> Decimal {
        let tax = if self.taxes_included { Decimal::ZERO } else { self.current_total_tax() };
        self.current_subtotal() + self.current_shipping() + tax
    }

    fn successful(&self, kinds: &[&str]) -> Decimal {
        self.transactions
            .iter()
            .filter(|transaction| transaction.status == "SUCCESS" && kinds.contains(&transaction.kind))
            .map(|transaction| transaction.amount)
            .sum()
    }

    /// Money received (sales and captures).
    pub fn total_received(&self) -> Decimal {
        self.successful(&["SALE", "CAPTURE"])
    }

    /// Money given back.
    pub fn total_refunded(&self) -> Decimal {
        self.successful(&["REFUND"])
    }

    /// What the customer still owes (`totalOutstandingSet`).
    pub fn total_outstanding(&self) -> Decimal {
        if self.cancelled() {
            return Decimal::ZERO;
        }
        (self.current_total_price() - (self.total_received() - self.total_refunded())).max(Decimal::ZERO)
    }

    /// Authorized but not captured yet (`totalCapturableSet`).
    pub fn total_capturable(&self) -> Decimal {
        let authorized = self.successful(&["AUTHORIZATION"]);
        (authorized - self.successful(&["CAPTURE"])).max(Decimal::ZERO)
    }

    /// Grams of the current quantities.
    pub fn total_weight(&self) -> u64 {
        self.line_items.iter().map(|line| u64::from(line.grams) * u64::from(self.current_quantity(line))).sum()
    }

    pub fn requires_shipping(&self) -> bool {
        self.line_items.iter().any(|line| line.requires_shipping && self.current_quantity(line) > 0)
    }

    /// Whether an open search `status:` value matches.
    pub fn has_status(&self, status: &str) -> bool {
        match status.to_ascii_lowercase().as_str() {
            "open" => !self.closed() && !self.cancelled(),
            "closed" => self.closed(),
            "cancelled" | "canceled" => self.cancelled(),
            "not_closed" => !self.closed(),
            "any" => true,
            _ => false,
        }
    }

    /// `returnStatus`.
    pub fn return_status(&self) -> &'static str {
        if self.returns.is_empty() {
            return "NO_RETURN";
        }
        if self.returns.iter().any(|ret| ret.status == "REQUESTED") {
            "RETURN_REQUESTED"
        } else if self.returns.iter().any(|ret| ret.status == "OPEN") {
            "IN_PROGRESS"
        } else {
            "RETURNED"
        }
    }

    /// Payment terms are overdue when their due date passed and money is still owed.
    pub fn payment_terms_overdue(&self, now: Timestamp) -> bool {
        match &self.payment_terms {
            Some(PaymentTerms { due_in_days: Some(days), .. }) => {
                let due = self.processed_at + jiff::SignedDuration::from_hours(i64::from(*days) * 24);
                due < now && self.total_outstanding() > Decimal::ZERO
            }
            _ => false,
        }
    }

    /// Recomputes every fulfillment order's status (after an edit, a fulfillment or a cancel).
    pub fn refresh_fulfillment_orders(&mut self) {
        let cancelled = self.cancelled();
        for fulfillment_order in &mut self.fulfillment_orders {
            if cancelled && fulfillment_order.status != FulfillmentOrderStatus::Closed {
                fulfillment_order.status = FulfillmentOrderStatus::Cancelled;
            } else {
                fulfillment_order.refresh_status();
            }
        }
    }
}

/// English names of the countries the simulator's data uses (and the usual others).
pub fn country_name(code: &str) -> &'static str {
    match code.to_ascii_uppercase().as_str() {
        "AT" => "Austria",
        "AU" => "Australia",
        "BE" => "Belgium",
        "BR" => "Brazil",
        "CA" => "Canada",
        "CH" => "Switzerland",
        "CN" => "China",
        "CZ" => "Czech Republic",
        "DE" => "Germany",
        "DK" => "Denmark",
        "ES" => "Spain",
        "FI" => "Finland",
        "FR" => "France",
        "GB" => "United Kingdom",
        "IE" => "Ireland",
        "IN" => "India",
        "IT" => "Italy",
        "JP" => "Japan",
        "LU" => "Luxembourg",
        "MX" => "Mexico",
        "NL" => "Netherlands",
        "NO" => "Norway",
        "NZ" => "New Zealand",
        "PL" => "Poland",
        "PT" => "Portugal",
        "SE" => "Sweden",
        "US" => "United States",
        "ZA" => "South Africa",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_ids_lead_back_to_their_order() {
        let id = 6_100_000_042;
        assert_eq!(owner_of(id * SUB_ID_FACTOR + 7), id);
        assert!(id * SUB_ID_FACTOR + SUB_ID_FACTOR < (1u64 << 53), "ids stay exact in JavaScript");
    }
}
