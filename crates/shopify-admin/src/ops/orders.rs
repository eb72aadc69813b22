//! Orders with everything the importer needs, and the follow-up reads for
//! orders too big for one page.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use super::products::SearchPageVariables;
use super::{IdOnly, MoneyBag, document, u64_from_string_or_number};
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/orders_page.graphql`: 2 orders per page, oldest change first.
#[derive(Debug, Clone, Copy)]
pub struct OrdersPage;

impl Operation for OrdersPage {
    const NAME: &'static str = "OrdersPage";
    const DOCUMENT: &'static str = document!("orders_page.graphql", "order.graphql", "line_item.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 840;
    type Variables = SearchPageVariables;
    type Data = OrdersPageData;
}

impl PagedOperation for OrdersPage {
    type Node = Order;
    fn page_info(data: &OrdersPageData) -> Option<&PageInfo> {
        Some(&data.orders.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: OrdersPageData) -> Vec<Order> {
        data.orders.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrdersPageData {
    pub orders: Connection<Order>,
}

/// `graphql/order_by_id.graphql`: one order, same fields as a page.
#[derive(Debug, Clone, Copy)]
pub struct OrderById;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderByIdVariables {
    pub id: Gid,
}

impl Operation for OrderById {
    const NAME: &'static str = "OrderById";
    const DOCUMENT: &'static str = document!("order_by_id.graphql", "order.graphql", "line_item.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 419;
    type Variables = OrderByIdVariables;
    type Data = OrderByIdData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrderByIdData {
    /// `None` when no such order exists (deleted, or another shop's id).
    pub order: Option<Order>,
}

/// An order (`fragments/order.graphql`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    /// The order number as shown, e.g. `#1001`.
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub processed_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    pub closed: bool,
    pub closed_at: Option<Timestamp>,
    pub confirmed: bool,
    pub test: bool,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub source_name: Option<String>,
    pub po_number: Option<String>,
    pub currency_code: String,
    pub presentment_currency_code: String,
    pub taxes_included: bool,
    pub tax_exempt: bool,
    pub duties_included: bool,
    /// `PENDING`, `AUTHORIZED`, `PAID`, `PARTIALLY_REFUNDED`, `REFUNDED`, `VOIDED` ...
    pub display_financial_status: Option<String>,
    /// `UNFULFILLED`, `PARTIALLY_FULFILLED`, `FULFILLED` ...
    pub display_fulfillment_status: String,
    pub return_status: String,
    pub discount_codes: Vec<String>,
    pub payment_gateway_names: Vec<String>,
    pub custom_attributes: Vec<Attribute>,
    pub total_price_set: MoneyBag,
    pub subtotal_price_set: Option<MoneyBag>,
    pub total_tax_set: Option<MoneyBag>,
    pub total_discounts_set: Option<MoneyBag>,
    pub total_shipping_price_set: MoneyBag,
    pub total_refunded_set: MoneyBag,
    pub total_outstanding_set: MoneyBag,
    pub current_total_price_set: MoneyBag,
    pub current_subtotal_price_set: MoneyBag,
    pub current_total_tax_set: MoneyBag,
    pub current_total_discounts_set: MoneyBag,
    pub payment_terms: Option<PaymentTerms>,
    pub customer: Option<OrderCustomer>,
    pub shipping_address: Option<OrderAddress>,
    pub billing_address: Option<OrderAddress>,
    pub tax_lines: Vec<TaxLine>,
    pub shipping_lines: Connection<ShippingLine>,
    pub line_items: Connection<LineItem>,
    pub fulfillment_orders: Connection<FulfillmentOrderSummary>,
    pub fulfillments: Vec<Fulfillment>,
    pub transactions: Vec<OrderTransaction>,
    pub refunds: Vec<Refund>,
    pub returns: Connection<Return>,
}

impl Order {
    /// Names of the nested lists that hold more than this answer carries.
    /// Empty means the order is complete; otherwise read the rest with
    /// [`OrderLineItems`] / [`OrderFulfillmentOrders`] (line items and
    /// fulfillment orders) or treat the order as too big to import here.
    pub fn truncated_connections(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.line_items.is_truncated() {
            out.push("lineItems");
        }
        if self.shipping_lines.is_truncated() {
            out.push("shippingLines");
        }
        if self.fulfillment_orders.is_truncated() {
            out.push("fulfillmentOrders");
        }
        if self.refunds.iter().any(|r| r.refund_line_items.is_truncated()) {
            out.push("refunds.refundLineItems");
        }
        if self.returns.is_truncated() {
            out.push("returns");
        }
        if self.returns.nodes.iter().any(|r| r.return_line_items.is_truncated()) {
            out.push("returns.returnLineItems");
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attribute {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTerms {
    pub id: Gid,
    pub payment_terms_name: String,
    pub payment_terms_type: String,
    pub due_in_days: Option<i32>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCustomer {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub default_email_address: Option<EmailOnly>,
    pub default_phone_number: Option<PhoneOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailOnly {
    pub email_address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneOnly {
    pub phone_number: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderAddress {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(rename = "countryCodeV2")]
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxLine {
    pub title: String,
    pub rate: Option<f64>,
    pub rate_percentage: Option<f64>,
    pub channel_liable: Option<bool>,
    pub price_set: MoneyBag,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingLine {
    pub id: Option<Gid>,
    pub title: String,
    pub code: Option<String>,
    pub source: Option<String>,
    pub carrier_identifier: Option<String>,
    pub is_removed: bool,
    pub original_price_set: MoneyBag,
    pub discounted_price_set: MoneyBag,
    pub tax_lines: Vec<TaxLine>,
}

/// An order line (`fragments/line_item.graphql`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub id: Gid,
    pub name: String,
    pub title: String,
    pub variant_title: Option<String>,
    pub vendor: Option<String>,
    pub sku: Option<String>,
    /// Quantity ordered.
    pub quantity: i64,
    /// Quantity after removals and refunds.
    pub current_quantity: i64,
    pub unfulfilled_quantity: i64,
    pub requires_shipping: bool,
    pub is_gift_card: bool,
    pub taxable: bool,
    pub custom_attributes: Vec<Attribute>,
    /// `None` when the variant was deleted after the order.
    pub variant: Option<LineItemVariant>,
    pub product: Option<IdOnly>,
    pub original_unit_price_set: MoneyBag,
    pub discount_allocations: Vec<DiscountAllocation>,
    pub tax_lines: Vec<TaxLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LineItemVariant {
    pub id: Gid,
    pub product: IdOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountAllocation {
    pub allocated_amount_set: MoneyBag,
    pub discount_application: DiscountApplication,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountApplication {
    /// `LINE_ITEM` or `SHIPPING_LINE`.
    pub target_type: String,
    /// `ACROSS`, `EACH` or `ONE`.
    pub allocation_method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrderSummary {
    pub id: Gid,
    pub status: String,
    pub request_status: String,
    pub assigned_location: AssignedLocation,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AssignedLocation {
    pub name: String,
    pub location: Option<IdOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    pub id: Gid,
    pub name: String,
    pub status: String,
    pub display_status: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tracking_info: Vec<TrackingInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct TrackingInfo {
    pub company: Option<String>,
    pub number: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderTransaction {
    pub id: Gid,
    /// `SALE`, `AUTHORIZATION`, `CAPTURE`, `REFUND`, `VOID` ...
    pub kind: String,
    /// `SUCCESS`, `FAILURE`, `PENDING`, `ERROR` ...
    pub status: String,
    pub gateway: Option<String>,
    pub test: bool,
    pub created_at: Timestamp,
    pub processed_at: Option<Timestamp>,
    pub error_code: Option<String>,
    pub amount_set: MoneyBag,
    pub parent_transaction: Option<IdOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub id: Gid,
    pub created_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub note: Option<String>,
    pub total_refunded_set: MoneyBag,
    pub refund_line_items: Connection<RefundLineItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundLineItem {
    pub id: Option<Gid>,
    pub quantity: i64,
    /// `NO_RESTOCK`, `CANCEL`, `RETURN`, `LEGACY_RESTOCK`.
    pub restock_type: String,
    pub line_item: IdOnly,
    pub subtotal_set: MoneyBag,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Return {
    pub id: Gid,
    pub name: String,
    pub status: String,
    pub total_quantity: i64,
    pub return_line_items: Connection<ReturnLineItem>,
}

/// A return line; fields are `None` for unverified return lines (the
/// document asks for `... on ReturnLineItem` only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnLineItem {
    pub id: Option<Gid>,
    pub quantity: Option<i64>,
    pub return_reason_note: Option<String>,
    pub customer_note: Option<String>,
    pub fulfillment_line_item: Option<ReturnedFulfillmentLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedFulfillmentLine {
    pub line_item: IdOnly,
}

/// `graphql/order_line_items.graphql`: the line items of one order, 50 per
/// page.
#[derive(Debug, Clone, Copy)]
pub struct OrderLineItems;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderChildrenVariables {
    pub order_id: Gid,
    pub after: Option<String>,
}

impl OrderChildrenVariables {
    pub fn new(order_id: Gid) -> Self {
        Self { order_id, after: None }
    }
}

impl Operation for OrderLineItems {
    const NAME: &'static str = "OrderLineItems";
    const DOCUMENT: &'static str = document!("order_line_items.graphql", "line_item.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 853;
    type Variables = OrderChildrenVariables;
    type Data = OrderLineItemsData;
}

impl PagedOperation for OrderLineItems {
    type Node = LineItem;
    fn page_info(data: &OrderLineItemsData) -> Option<&PageInfo> {
        data.order.as_ref().map(|o| &o.line_items.page_info)
    }
    fn set_after(variables: &mut OrderChildrenVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: OrderLineItemsData) -> Vec<LineItem> {
        data.order.map(|o| o.line_items.nodes).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrderLineItemsData {
    pub order: Option<OrderWithLineItems>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderWithLineItems {
    pub id: Gid,
    pub line_items: Connection<LineItem>,
}

/// `graphql/order_fulfillment_orders.graphql`: fulfillment orders of one
/// order with their line items, for `fulfillmentCreate`.
#[derive(Debug, Clone, Copy)]
pub struct OrderFulfillmentOrders;

impl Operation for OrderFulfillmentOrders {
    const NAME: &'static str = "OrderFulfillmentOrders";
    const DOCUMENT: &'static str = document!("order_fulfillment_orders.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 533;
    type Variables = OrderChildrenVariables;
    type Data = OrderFulfillmentOrdersData;
}

impl PagedOperation for OrderFulfillmentOrders {
    type Node = FulfillmentOrder;
    fn page_info(data: &OrderFulfillmentOrdersData) -> Option<&PageInfo> {
        data.order.as_ref().map(|o| &o.fulfillment_orders.page_info)
    }
    fn set_after(variables: &mut OrderChildrenVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: OrderFulfillmentOrdersData) -> Vec<FulfillmentOrder> {
        data.order.map(|o| o.fulfillment_orders.nodes).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrderFulfillmentOrdersData {
    pub order: Option<OrderWithFulfillmentOrders>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderWithFulfillmentOrders {
    pub id: Gid,
    pub name: String,
    pub fulfillment_orders: Connection<FulfillmentOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrder {
    pub id: Gid,
    /// `OPEN`, `IN_PROGRESS`, `CLOSED`, `CANCELLED`, `ON_HOLD`, `SCHEDULED` ...
    pub status: String,
    pub request_status: String,
    pub updated_at: Timestamp,
    pub assigned_location: AssignedLocation,
    pub supported_actions: Vec<SupportedAction>,
    pub line_items: Connection<FulfillmentOrderLineItem>,
}

impl FulfillmentOrder {
    /// Whether Shopify allows creating a fulfillment for it now.
    pub fn can_create_fulfillment(&self) -> bool {
        self.supported_actions.iter().any(|a| a.action == "CREATE_FULFILLMENT")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SupportedAction {
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrderLineItem {
    pub id: Gid,
    pub sku: Option<String>,
    pub total_quantity: i64,
    pub remaining_quantity: i64,
    pub requires_shipping: bool,
    pub line_item: IdOnly,
}
