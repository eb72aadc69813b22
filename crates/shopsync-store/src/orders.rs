//! Shopify orders as the import sees them, the sales orders they become, and what hangs off both.
//!
//! The order import evaluates each Shopify order and writes the outcome with [`OrderStore::save_order_evaluations`]:
//! one transaction per batch that records the order's import status, replaces its problems as a whole (every
//! problem of the last evaluation, never a mix of old and new), creates or updates its sales order with the
//! lines, and stores its transactions, refunds and returns linked to that sales order.
//!
//! Exactly one sales order per Shopify order, ever: the store's unique key on (shop, Shopify order) guarantees
//! it, not a check in code, so a second create, even from another task at the same moment, returns the sales
//! order that exists ([`SalesOrderCreated::AlreadyExists`]). A sales order follows edits made in Shopify while
//! nothing of it has shipped; once something shipped, an edit that changes lines, totals or addresses is not
//! applied but flagged as a conflict for a person ([`SalesOrderChange::Conflict`]).
//!
//! Problems wait for the events that re-check them ([`shopsync_core::order_errors::RecheckEvent`]): the store
//! indexes the event keys of every waiting order, so the flow that creates a link or changes a setting finds the
//! orders to re-check with [`OrderStore::orders_waiting_for`] and marks them with [`OrderStore::request_reprocess`].
//!
//! Shipments are back-office documents: lines by sales order line and quantity, tracking number, carrier and URL.
//! Creating one moves the lines' shipped quantities and the sales order's status in the same transaction; the
//! fulfillment flow sends pending shipments to Shopify and marks them synced with the fulfillment ids.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
pub use shopsync_core::order_errors::{OrderErrorCode, OrderProblem, OrderStatus, RecheckEvent};

use crate::Result;
use crate::customers::Address;

/// A Shopify order's header as the import read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShopifyOrderInput {
    /// Global id, `gid://shopify/Order/1`.
    pub order_id: String,
    /// `#1001`.
    pub name: String,
    /// Shopify's display financial status (`PAID`, `PENDING` ...).
    pub financial_status: Option<String>,
    /// Shopify's display fulfillment status (`UNFULFILLED`, `FULFILLED` ...).
    pub fulfillment_status: Option<String>,
    /// RFC 3339; stored in the store's UTC form.
    pub cancelled_at: Option<String>,
    pub tags: Vec<String>,
    /// Shopify `createdAt`, RFC 3339 (any offset); stored in the store's UTC form.
    pub created_at: String,
    /// Shopify `updatedAt`, RFC 3339 (any offset); stored in the store's UTC form.
    pub updated_at: String,
}

/// A Shopify order as the store knows it: its import status and what it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShopifyOrder {
    pub shop_id: i64,
    pub order_id: String,
    pub name: String,
    pub status: OrderStatus,
    pub sales_order_id: Option<i64>,
    pub sales_order_number: Option<String>,
    pub financial_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub cancelled_at: Option<String>,
    pub tags: Vec<String>,
    pub shopify_created_at: String,
    pub shopify_updated_at: String,
    /// Someone asked to evaluate the order again (reprocess, a fix of its cause); cleared by the next evaluation.
    pub reprocess_requested: bool,
    /// When it was last evaluated.
    pub checked_at: String,
    /// The codes of its problems at the last evaluation.
    pub error_codes: Vec<String>,
}

impl ShopifyOrder {
    /// The order's place in the order lists, for keyset paging from it.
    pub fn position(&self) -> OrderPosition {
        OrderPosition { created_at: self.shopify_created_at.clone(), order_id: self.order_id.clone() }
    }
}

/// One problem of an order, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderError {
    pub code: String,
    /// The message as written at evaluation time.
    pub message: String,
    /// The problem's detail, JSON.
    pub detail: String,
    pub created_at: String,
}

impl OrderError {
    /// The typed problem, for its remedy and recheck events.
    pub fn problem(&self) -> std::result::Result<OrderProblem, shopsync_core::order_errors::InvalidProblem> {
        OrderProblem::from_parts(&self.code, &self.detail)
    }
}

/// Which Shopify orders to list. Every criterion given must hold.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Orders with a problem of this code.
    pub code: Option<OrderErrorCode>,
    /// Created in Shopify at or after this timestamp (store form or RFC 3339).
    pub created_from: Option<String>,
    /// Created in Shopify before this timestamp.
    pub created_before: Option<String>,
    /// Last evaluated at a Shopify `updatedAt` at or after this timestamp (store form or RFC 3339): what an
    /// incremental order read compares with Shopify's count of the same window.
    pub updated_from: Option<String>,
    /// Last evaluated at a Shopify `updatedAt` before this timestamp.
    pub updated_before: Option<String>,
    /// Only orders waiting to be reprocessed.
    pub reprocess_requested: bool,
    /// At most this many, newest first (0: no limit).
    pub limit: u32,
    pub offset: u32,
    /// Keyset paging: only the orders after or before a position in the list's order. A page read this way costs
    /// the same however deep it is (an index range, not `offset` rows read and dropped), and orders added
    /// meanwhile do not shift it.
    pub seek: Option<OrderSeek>,
}

/// A place in the order lists' order, newest first: Shopify's creation time, then (for orders created in the same
/// instant) the global id, also descending. The pair is unique per shop, so a position falls between two orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPosition {
    /// Shopify `createdAt` (store form or RFC 3339).
    pub created_at: String,
    /// Global id, `gid://shopify/Order/1`.
    pub order_id: String,
}

/// Which side of a position a page of orders lies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSeek {
    /// The orders after the position (older ones): the next page, read from the last order of a page.
    After(OrderPosition),
    /// The orders just before the position (newer ones): the previous page, read from the first order of a page.
    /// `limit` takes those nearest the position; they are still given newest first.
    Before(OrderPosition),
}

/// How a Shopify order is named on the command line: `#1001`, `1001`, its global id, or its sales order number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKey {
    Gid(String),
    Name(String),
    /// A number: the order number (`#1001`) or the numeric id in the admin URL.
    Number(u64),
    /// Anything else: a name with a custom prefix (`EU1001`) or a sales order number (`SO-000001`).
    Text(String),
}

impl OrderKey {
    pub fn parse(text: &str) -> OrderKey {
        let text = text.trim();
        if text.starts_with("gid://") {
            OrderKey::Gid(text.to_string())
        } else if text.starts_with('#') {
            OrderKey::Name(text.to_string())
        } else if let Ok(number) = text.parse::<u64>() {
            OrderKey::Number(number)
        } else {
            OrderKey::Text(text.to_string())
        }
    }
}

/// The outcome of evaluating one Shopify order, to store in one go.
#[derive(Debug, Clone, Default)]
pub struct OrderEvaluation {
    pub order: ShopifyOrderInput,
    /// Normally [`OrderStatus::from_problems`]; `Synced` needs a sales order. A conflict found while saving
    /// overrides it.
    pub status: OrderStatus,
    /// Every problem found; replaces the order's stored problems.
    pub problems: Vec<OrderProblem>,
    /// The sales order to create or update (when the order is importable).
    pub sales_order: Option<SalesOrderInput>,
    pub transactions: Vec<OrderTransactionInput>,
    pub refunds: Vec<OrderRefundInput>,
    pub returns: Vec<OrderReturnInput>,
    /// A hash of the order's content as Shopify gave it to this evaluation. Shopify's `updatedAt` has whole
    /// seconds, so a later read with the same `updatedAt` is skipped only when its hash matches too.
    pub import_hash: Option<String>,
}

/// What saving an evaluation did to the order's sales order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesOrderChange {
    /// The evaluation carried no sales order.
    None,
    Created,
    /// Shopify's edit was applied (nothing had shipped).
    Updated,
    /// The content matches the sales order already.
    Unchanged,
    /// Shopify's edit was not applied because something shipped; the sales order carries a conflict note.
    Conflict,
}

/// What the store knows of a Shopify order before a batch is evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredOrderVersion {
    /// Shopify's `updatedAt` of the version last evaluated (store form).
    pub updated_at: String,
    /// Its sales order, when one was created.
    pub sales_order_id: Option<i64>,
    /// The hash of the content evaluated ([`OrderEvaluation::import_hash`]); `None` for orders stored before
    /// hashes were kept, or recorded without an evaluation.
    pub import_hash: Option<String>,
}

impl StoredOrderVersion {
    /// Whether a read of the order with this `updatedAt` (store form) and content hash brings nothing new: an
    /// older `updatedAt`, or the same one with the same content. The same second with other content is new: Shopify
    /// gives `updatedAt` in whole seconds, and an order paid or cancelled in the second a sync read it keeps it.
    pub fn has_seen(&self, updated_at: &str, import_hash: &str) -> bool {
        match self.updated_at.as_str().cmp(updated_at) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => self.import_hash.as_deref() == Some(import_hash),
            std::cmp::Ordering::Less => false,
        }
    }
}

/// What was stored for one evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedEvaluation {
    pub order_id: String,
    pub status: OrderStatus,
    pub sales_order_id: Option<i64>,
    pub sales_order_number: Option<String>,
    pub change: SalesOrderChange,
}

/// A sales order's status in the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesOrderStatus {
    Open,
    PartiallyShipped,
    Shipped,
    Cancelled,
}

impl SalesOrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SalesOrderStatus::Open => "open",
            SalesOrderStatus::PartiallyShipped => "partially_shipped",
            SalesOrderStatus::Shipped => "shipped",
            SalesOrderStatus::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<SalesOrderStatus> {
        [
            SalesOrderStatus::Open,
            SalesOrderStatus::PartiallyShipped,
            SalesOrderStatus::Shipped,
            SalesOrderStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl fmt::Display for SalesOrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sales order line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A back-office item, shipped as it is.
    Item,
    /// A bundle as sold; its components are the lines shipped.
    Bundle,
    /// A component of the bundle line `parent_line_no`.
    BundleComponent,
    /// A shipping charge.
    Shipping,
    /// Another charge (gift wrap, duties ...).
    Fee,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Item => "item",
            LineKind::Bundle => "bundle",
            LineKind::BundleComponent => "bundle_component",
            LineKind::Shipping => "shipping",
            LineKind::Fee => "fee",
        }
    }

    /// Whether a shipment ships this line (items and bundle components; a bundle ships through its components).
    pub fn is_shippable(self) -> bool {
        matches!(self, LineKind::Item | LineKind::BundleComponent)
    }

    pub(crate) fn parse(text: &str) -> Option<LineKind> {
        [LineKind::Item, LineKind::Bundle, LineKind::BundleComponent, LineKind::Shipping, LineKind::Fee]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A sales order's content as the import builds it from a Shopify order. Money is decimal text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SalesOrderInput {
    pub customer_id: Option<i64>,
    pub currency: String,
    pub subtotal: String,
    pub discount_total: String,
    pub tax_total: String,
    pub shipping_total: String,
    pub total: String,
    /// Shopify's financial status; a change of it alone is applied even after shipping.
    pub payment_status: Option<String>,
    /// Payment terms name; a change of it alone is applied even after shipping.
    pub payment_terms: Option<String>,
    pub ship_to: Option<Address>,
    pub bill_to: Option<Address>,
    pub email: Option<String>,
    /// Shopify `updatedAt` of the version the sales order was built from.
    pub shopify_updated_at: Option<String>,
    pub lines: Vec<SalesOrderLineInput>,
}

/// One line of a sales order as the import builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesOrderLineInput {
    /// Unique within the order, from 1.
    pub line_no: i64,
    pub kind: LineKind,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: i64,
    pub unit_price: String,
    pub discount: String,
    pub tax: String,
    /// The Shopify line item the line comes from (components carry their bundle's).
    pub shopify_line_item_id: Option<String>,
    /// For a bundle component: the bundle's line.
    pub parent_line_no: Option<i64>,
}

impl Default for SalesOrderLineInput {
    fn default() -> Self {
        SalesOrderLineInput {
            line_no: 1,
            kind: LineKind::Item,
            sku: None,
            description: String::new(),
            quantity: 1,
            unit_price: "0".into(),
            discount: "0".into(),
            tax: "0".into(),
            shopify_line_item_id: None,
            parent_line_no: None,
        }
    }
}

/// A back-office sales order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesOrder {
    pub id: i64,
    /// From the `sales_order` number series: `SO-000001`.
    pub number: String,
    pub shop_id: Option<i64>,
    pub shopify_order_id: Option<String>,
    pub shopify_order_name: Option<String>,
    pub customer_id: Option<i64>,
    pub currency: String,
    pub subtotal: String,
    pub discount_total: String,
    pub tax_total: String,
    pub shipping_total: String,
    pub total: String,
    pub payment_status: Option<String>,
    pub payment_terms: Option<String>,
    pub ship_to: Option<Address>,
    pub bill_to: Option<Address>,
    pub email: Option<String>,
    pub status: SalesOrderStatus,
    /// Set when Shopify changed the order after something shipped: what a person must look at.
    pub conflict: Option<String>,
    pub shopify_updated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub lines: Vec<SalesOrderLine>,
}

/// One line of a sales order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesOrderLine {
    pub id: i64,
    pub line_no: i64,
    pub kind: LineKind,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: i64,
    pub unit_price: String,
    pub discount: String,
    pub tax: String,
    pub shopify_line_item_id: Option<String>,
    pub parent_line_no: Option<i64>,
    pub quantity_shipped: i64,
}

/// The result of creating a sales order for a Shopify order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "sales_order", rename_all = "snake_case")]
pub enum SalesOrderCreated {
    Created(SalesOrder),
    /// The Shopify order has a sales order already; this is it, unchanged.
    AlreadyExists(SalesOrder),
}

impl SalesOrderCreated {
    pub fn sales_order(&self) -> &SalesOrder {
        match self {
            SalesOrderCreated::Created(so) | SalesOrderCreated::AlreadyExists(so) => so,
        }
    }

    pub fn was_created(&self) -> bool {
        matches!(self, SalesOrderCreated::Created(_))
    }
}

/// The result of updating a sales order from Shopify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "sales_order", rename_all = "snake_case")]
pub enum SalesOrderUpdate {
    Updated(SalesOrder),
    /// The content was the same (a payment status change alone is applied and counts as unchanged).
    Unchanged(SalesOrder),
    /// Not applied: something has shipped. The sales order is returned as it is.
    Shipped(SalesOrder),
}

/// An order transaction (payment, capture, refund ...) as Shopify gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderTransactionInput {
    pub transaction_id: String,
    pub order_id: String,
    /// `SALE`, `CAPTURE`, `AUTHORIZATION`, `REFUND` ...
    pub kind: String,
    /// `SUCCESS`, `PENDING`, `FAILURE` ...
    pub status: String,
    pub gateway: Option<String>,
    pub amount: String,
    pub currency: String,
    pub processed_at: Option<String>,
}

/// A stored order transaction, linked to its sales order once there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrderTransaction {
    pub transaction_id: String,
    pub order_id: String,
    pub sales_order_id: Option<i64>,
    pub kind: String,
    pub status: String,
    pub gateway: Option<String>,
    pub amount: String,
    pub currency: String,
    pub processed_at: Option<String>,
}

/// A refund as Shopify gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderRefundInput {
    pub refund_id: String,
    pub order_id: String,
    pub total: String,
    pub currency: String,
    pub note: Option<String>,
    /// Refunded lines: line item, quantity, restock type.
    pub lines: serde_json::Value,
    pub created_at: String,
}

/// A stored refund.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRefund {
    pub refund_id: String,
    pub order_id: String,
    pub sales_order_id: Option<i64>,
    pub total: String,
    pub currency: String,
    pub note: Option<String>,
    pub lines: serde_json::Value,
    pub created_at: String,
}

/// A return as Shopify gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderReturnInput {
    pub return_id: String,
    pub order_id: String,
    pub name: Option<String>,
    /// `REQUESTED`, `OPEN`, `CLOSED` ...
    pub status: String,
    pub lines: serde_json::Value,
}

/// A stored return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderReturn {
    pub return_id: String,
    pub order_id: String,
    pub sales_order_id: Option<i64>,
    pub name: Option<String>,
    pub status: String,
    pub lines: serde_json::Value,
}

/// A Shopify Payments payout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Payout {
    pub payout_id: String,
    pub status: String,
    pub issued_at: Option<String>,
    pub net: String,
    pub currency: String,
}

/// Whether a shipment has reached Shopify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentSyncStatus {
    /// Not sent yet.
    Pending,
    /// Shopify accepted it; the fulfillment ids are kept.
    Synced,
    /// Shopify refused it; `sync_error` says why.
    Error,
    /// Not to be sent (no Shopify order, or the shop's sync-fulfilled-status is off).
    Skipped,
}

impl ShipmentSyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentSyncStatus::Pending => "pending",
            ShipmentSyncStatus::Synced => "synced",
            ShipmentSyncStatus::Error => "error",
            ShipmentSyncStatus::Skipped => "skipped",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<ShipmentSyncStatus> {
        [
            ShipmentSyncStatus::Pending,
            ShipmentSyncStatus::Synced,
            ShipmentSyncStatus::Error,
            ShipmentSyncStatus::Skipped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl fmt::Display for ShipmentSyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A shipment to record against a sales order.
#[derive(Debug, Clone, Default)]
pub struct NewShipment {
    pub sales_order_id: i64,
    pub lines: Vec<ShipmentLineInput>,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
    /// When it left the warehouse (now when `None`).
    pub shipped_at: Option<String>,
}

/// A quantity of one sales order line in a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipmentLineInput {
    pub sales_order_line_id: i64,
    pub quantity: i64,
}

/// A back-office shipment with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: i64,
    /// From the `shipment` number series: `SH-000001`.
    pub number: String,
    pub sales_order_id: i64,
    pub sales_order_number: String,
    pub shop_id: Option<i64>,
    pub shopify_order_id: Option<String>,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: String,
    pub sync_status: ShipmentSyncStatus,
    pub sync_error: Option<String>,
    pub shopify_fulfillment_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub lines: Vec<ShipmentLine>,
}

/// One line of a shipment, with what the fulfillment flow needs of its sales order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub sales_order_line_id: i64,
    pub line_no: i64,
    pub kind: LineKind,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: i64,
    pub shopify_line_item_id: Option<String>,
    pub parent_line_no: Option<i64>,
}

/// Which shipments to list. Every criterion given must hold.
#[derive(Debug, Clone, Default)]
pub struct ShipmentQuery {
    pub shop_id: Option<i64>,
    pub sales_order_id: Option<i64>,
    pub sync_status: Option<ShipmentSyncStatus>,
    /// At most this many, oldest first (0: no limit).
    pub limit: u32,
}

/// A webhook delivery, for deduplication by event id.
#[derive(Debug, Clone, Default)]
pub struct WebhookEventInput {
    /// Shopify's `X-Shopify-Event-Id`.
    pub event_id: String,
    pub topic: String,
    pub webhook_id: Option<String>,
    pub triggered_at: Option<String>,
}

/// Which side a person took when settling a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictSide {
    /// Shopify's version: a cancelled or fully refunded order cancels its sales order; an edit is applied to it.
    Shopify,
    /// The back office's version: the sales order stays as it is, and Shopify's current version becomes the
    /// one it is compared with from now on.
    BackOffice,
}

impl ConflictSide {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictSide::Shopify => "shopify",
            ConflictSide::BackOffice => "back_office",
        }
    }
}

/// A person's decision on an order in conflict.
#[derive(Debug, Clone)]
pub struct ConflictResolutionInput {
    pub order_id: String,
    pub side: ConflictSide,
    /// Shopify's current version of the sales order; `None` when the order ended in Shopify (cancelled or
    /// refunded in full).
    pub shopify: Option<SalesOrderInput>,
    /// Who decided (a user name), recorded with the time.
    pub resolved_by: String,
    pub note: Option<String>,
}

/// A settled conflict, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictResolution {
    pub order_id: String,
    pub sales_order_number: Option<String>,
    pub side: String,
    /// The conflict note that was cleared.
    pub conflict: String,
    pub resolved_by: String,
    pub note: Option<String>,
    pub resolved_at: String,
}

/// Shopify orders, their problems, sales orders, shipments and webhook deduplication.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores evaluations of a shop's orders in one transaction (batch them: a page of orders at a time).
    /// For each: upserts the order's header and status (clearing its reprocess request), replaces its problems
    /// and recheck keys as a whole, creates or updates its sales order, and stores its transactions, refunds and
    /// returns linked to the sales order. Returns one result per evaluation, in order.
    async fn save_order_evaluations(
        &self,
        shop_id: i64,
        evaluations: &[OrderEvaluation],
    ) -> Result<Vec<SavedEvaluation>>;

    /// One evaluation, in its own transaction.
    async fn save_order_evaluation(&self, shop_id: i64, evaluation: &OrderEvaluation) -> Result<SavedEvaluation> {
        let saved = self.save_order_evaluations(shop_id, std::slice::from_ref(evaluation)).await?;
        saved.into_iter().next().ok_or_else(|| crate::StoreError::Corrupt("no evaluation result".into()))
    }

    /// Records orders as seen without evaluating them: new ones as `pending`; known ones keep their status and
    /// only take a header at least as new (the same second counts: Shopify's `updatedAt` has whole seconds, so a
    /// change in the second of the last read carries the same one). Returns how many were new.
    async fn upsert_shopify_orders(&self, shop_id: i64, orders: &[ShopifyOrderInput]) -> Result<u64>;

    /// The order with this global id.
    async fn shopify_order(&self, shop_id: i64, order_id: &str) -> Result<Option<ShopifyOrder>>;
    /// The order named by `key` (`#1001`, `1001`, a gid, a custom name or its sales order number).
    async fn find_shopify_order(&self, shop_id: i64, key: &OrderKey) -> Result<Option<ShopifyOrder>>;
    /// Orders matching `filter`, newest first (by Shopify creation date, then global id).
    async fn shopify_orders(&self, shop_id: i64, filter: &OrderFilter) -> Result<Vec<ShopifyOrder>>;
    /// How many orders match `filter` (limit and offset ignored; a seek counts only its side).
    async fn count_shopify_orders(&self, shop_id: i64, filter: &OrderFilter) -> Result<u64>;
    /// The global ids of every order matching `filter` (limit and offset apply when set).
    async fn shopify_order_ids(&self, shop_id: i64, filter: &OrderFilter) -> Result<Vec<String>>;
    /// The stored version of each of these orders that is known, to skip unchanged ones.
    async fn shopify_order_versions(
        &self,
        shop_id: i64,
        order_ids: &[String],
    ) -> Result<BTreeMap<String, StoredOrderVersion>>;
    /// Orders per import status.
    async fn order_status_counts(&self, shop_id: i64) -> Result<Vec<(OrderStatus, u64)>>;
    /// The newest Shopify `updatedAt` among the shop's stored orders, as Shopify wrote it.
    async fn latest_order_update(&self, shop_id: i64) -> Result<Option<String>>;
    /// Orders per problem code.
    async fn order_error_counts(&self, shop_id: i64) -> Result<Vec<(String, u64)>>;
    /// The problems of an order at its last evaluation, in the order found.
    async fn order_errors(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderError>>;

    /// Marks orders to be evaluated again at the next sync; returns how many known orders were marked.
    async fn request_reprocess(&self, shop_id: i64, order_ids: &[String]) -> Result<u64>;
    /// Marks every order matching `filter` (limit ignored); returns how many.
    async fn request_reprocess_matching(&self, shop_id: i64, filter: &OrderFilter) -> Result<u64>;
    /// The orders waiting for any of these events (by [`RecheckEvent::key`]).
    async fn orders_waiting_for(&self, shop_id: i64, events: &[RecheckEvent]) -> Result<Vec<String>>;

    /// Creates the sales order of a Shopify order, numbered from the `sales_order` series, with its lines, in
    /// one transaction. If the Shopify order has one already, returns it unchanged.
    async fn create_sales_order(
        &self,
        shop_id: i64,
        shopify_order_id: &str,
        shopify_order_name: &str,
        order: &SalesOrderInput,
    ) -> Result<SalesOrderCreated>;
    /// Replaces a sales order's content and lines, unless something of it has shipped.
    async fn update_sales_order(&self, id: i64, order: &SalesOrderInput) -> Result<SalesOrderUpdate>;
    /// Sets (or with `None` clears) a sales order's conflict note; the Shopify order's status follows
    /// (`conflict`, or back to `synced`). A cancelled sales order takes no note: that conflict was settled.
    async fn set_sales_order_conflict(&self, id: i64, note: Option<&str>) -> Result<()>;
    /// Settles the conflict of a Shopify order's sales order, in one transaction, and records who decided, when,
    /// and the note cleared. Refused ([`crate::StoreError::Conflict`]) when the order is not in conflict, or when
    /// Shopify's version would take away a line that shipped or ship less of it than already left.
    async fn resolve_conflict(&self, shop_id: i64, input: &ConflictResolutionInput) -> Result<ConflictResolution>;
    /// The conflicts of an order settled so far, oldest first.
    async fn conflict_resolutions(&self, shop_id: i64, order_id: &str) -> Result<Vec<ConflictResolution>>;
    async fn sales_order(&self, number: &str) -> Result<Option<SalesOrder>>;
    async fn sales_order_by_id(&self, id: i64) -> Result<Option<SalesOrder>>;
    /// The sales order of a Shopify order.
    async fn sales_order_for(&self, shop_id: i64, shopify_order_id: &str) -> Result<Option<SalesOrder>>;

    /// Stores transactions (upsert by id), linked to their order's sales order when it exists.
    async fn save_order_transactions(&self, shop_id: i64, transactions: &[OrderTransactionInput]) -> Result<()>;
    async fn save_order_refunds(&self, shop_id: i64, refunds: &[OrderRefundInput]) -> Result<()>;
    async fn save_order_returns(&self, shop_id: i64, returns: &[OrderReturnInput]) -> Result<()>;
    async fn save_payouts(&self, shop_id: i64, payouts: &[Payout]) -> Result<()>;
    async fn order_transactions(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderTransaction>>;
    async fn order_refunds(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderRefund>>;
    async fn order_returns(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderReturn>>;
    /// Payouts, newest first.
    async fn payouts(&self, shop_id: i64, limit: u32) -> Result<Vec<Payout>>;

    /// Records a shipment, numbered from the `shipment` series, and moves the lines' shipped quantities and the
    /// sales order's status, in one transaction. Refused ([`crate::StoreError::Conflict`]) when a line would ship
    /// more than is left, is not shippable, or belongs to another order. Pending for Shopify when the sales
    /// order comes from a Shopify order, else skipped.
    async fn create_shipment(&self, shipment: &NewShipment) -> Result<Shipment>;
    async fn shipment(&self, number: &str) -> Result<Option<Shipment>>;
    async fn shipments(&self, query: &ShipmentQuery) -> Result<Vec<Shipment>>;
    /// Records that Shopify accepted a shipment as these fulfillments.
    async fn mark_shipment_synced(&self, id: i64, fulfillment_ids: &[String]) -> Result<()>;
    /// Records why Shopify refused a shipment; it stays out of the pending list until marked pending again.
    async fn mark_shipment_failed(&self, id: i64, error: &str) -> Result<()>;
    /// Sets a shipment's sync status (pending again to retry, skipped to never send) with an optional reason.
    async fn set_shipment_sync_status(&self, id: i64, status: ShipmentSyncStatus, reason: Option<&str>) -> Result<()>;

    /// Records a webhook delivery; returns whether it is new (false: a duplicate delivery of the same event).
    async fn record_webhook_event(&self, shop_id: i64, event: &WebhookEventInput) -> Result<bool>;
    /// Records that a webhook event's work is done.
    async fn mark_webhook_event_processed(&self, shop_id: i64, event_id: &str) -> Result<()>;
    /// Forgets webhook events received before `before`; returns how many.
    async fn purge_webhook_events(&self, shop_id: i64, before: &str) -> Result<u64>;
}
