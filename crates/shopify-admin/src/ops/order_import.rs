//! The order import's reads: orders page by page (20 per page, the first lines
//! inline), by id (a reprocess), the rest of a big order, the whole history as
//! a bulk query, and the shipping state of one order for `fulfillmentCreate`.
//!
//! Why not [`OrdersPage`](super::orders::OrdersPage): Shopify applies its
//! 1,000-point single-query limit to the *requested* cost, which counts every
//! nested connection at its full page size. An order with all its lists
//! requested in full costs about 420 points, so such a page holds two orders.
//! [`OrdersImportPage`] asks for what almost every order fits in (2 line items,
//! 1 shipping line, no refund or return lines: 45 points) and carries 20 orders
//! per request; [`ImportOrder::needs_details`] names the few orders that need
//! [`OrderImportDetails`] as well. A backlog is read with
//! [`orders_bulk_query`], whose rows [`ImportOrder::from_bulk`] turns into the
//! same type, so the importer has one order shape to handle.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::customers::SearchPageVariables;
use super::orders::{OrderAddress, TrackingInfo};
use super::{IdOnly, MoneyV2, document};
use crate::bulk::BulkObject;
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/orders_import_page.graphql`: 20 orders per page, oldest change
/// first, with their first 2 line items and first shipping line.
#[derive(Debug, Clone, Copy)]
pub struct OrdersImportPage;

impl OrdersImportPage {
    /// Orders per page.
    pub const PAGE_SIZE: usize = 20;
}

impl Operation for OrdersImportPage {
    const NAME: &'static str = "OrdersImportPage";
    const DOCUMENT: &'static str =
        document!("orders_import_page.graphql", "order_import.graphql", "order_import_lines.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 902;
    type Variables = SearchPageVariables;
    type Data = OrdersImportPageData;
}

impl PagedOperation for OrdersImportPage {
    type Node = ImportOrder;
    fn page_info(data: &OrdersImportPageData) -> Option<&PageInfo> {
        Some(&data.orders.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: OrdersImportPageData) -> Vec<ImportOrder> {
        data.orders.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrdersImportPageData {
    pub orders: Connection<ImportOrder>,
}

/// `graphql/orders_import_by_ids.graphql`: up to 20 orders by id, as a page
/// of the import reads them.
#[derive(Debug, Clone, Copy)]
pub struct OrdersImportByIds;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersImportByIdsVariables {
    pub ids: Vec<Gid>,
}

impl OrdersImportByIdsVariables {
    /// Ids per call: 20 orders of 45 points stay under the 1,000-point limit.
    pub const MAX_IDS: usize = 20;
}

impl Operation for OrdersImportByIds {
    const NAME: &'static str = "OrdersImportByIds";
    const DOCUMENT: &'static str =
        document!("orders_import_by_ids.graphql", "order_import.graphql", "order_import_lines.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 900;
    type Variables = OrdersImportByIdsVariables;
    type Data = OrdersImportByIdsData;

    fn check_variables(variables: &OrdersImportByIdsVariables) -> Result<(), String> {
        let n = variables.ids.len();
        if n > OrdersImportByIdsVariables::MAX_IDS {
            return Err(format!(
                "{n} orders in one call, at most {} fit under Shopify's 1,000-point limit",
                OrdersImportByIdsVariables::MAX_IDS
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrdersImportByIdsData {
    /// One entry per requested id, in order; `None` when the order does not
    /// exist (deleted, or an id of another shop).
    pub nodes: Vec<Option<ImportOrder>>,
}

/// An order as the import reads it (`fragments/order_import.graphql`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOrder {
    pub id: Gid,
    /// `#1001`.
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    /// `CUSTOMER`, `FRAUD`, `INVENTORY`, `DECLINED`, `OTHER`, `STAFF`.
    pub cancel_reason: Option<String>,
    pub closed: bool,
    pub test: bool,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub po_number: Option<String>,
    /// The shop's currency, in which every amount here is given.
    pub currency_code: String,
    pub taxes_included: bool,
    /// `PENDING`, `AUTHORIZED`, `PAID`, `PARTIALLY_PAID`, `PARTIALLY_REFUNDED`,
    /// `REFUNDED`, `VOIDED`, `EXPIRED`.
    pub display_financial_status: Option<String>,
    /// `UNFULFILLED`, `PARTIALLY_FULFILLED`, `FULFILLED`, ...
    pub display_fulfillment_status: String,
    /// `NO_RETURN`, `RETURN_REQUESTED`, `IN_PROGRESS`, `RETURNED` ...
    pub return_status: String,
    pub current_total_price_set: ShopMoney,
    pub payment_terms: Option<ImportPaymentTerms>,
    pub customer: Option<ImportCustomer>,
    pub shipping_address: Option<OrderAddress>,
    pub billing_address: Option<OrderAddress>,
    pub transactions: Vec<ImportTransaction>,
    pub fulfillments: Vec<ImportFulfillment>,
    /// On a page only the ids; [`OrderImportDetails`] gives the rest.
    pub refunds: Vec<ImportRefund>,
    pub shipping_lines: Connection<ImportShippingLine>,
    pub line_items: Connection<ImportLine>,
    /// Not on a page; set by [`ImportOrder::add_details`] and by a bulk read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Connection<ImportReturn>>,
}

impl ImportOrder {
    /// Whether the read left something out: more line items or shipping
    /// lines, refund lines (a page has the refunds' ids only, a bulk read no
    /// refund lines) or returns with their lines. Such an order is completed
    /// with [`OrderImportDetails`] before it is imported.
    pub fn needs_details(&self) -> bool {
        self.line_items.is_truncated()
            || self.shipping_lines.is_truncated()
            || self.refunds.iter().any(|r| r.refund_line_items.is_none())
            || match &self.returns {
                None => self.return_status != "NO_RETURN",
                Some(returns) => returns.nodes.iter().any(|r| r.return_line_items.is_none()),
            }
    }

    /// The order without its lists (lines, shipping lines, transactions,
    /// fulfillments, refunds, returns), serialized as the order's own JSON
    /// would give those fields: what data capture keeps as the order's header
    /// next to each listed object.
    pub fn header(&self) -> ImportOrderHeader<'_> {
        ImportOrderHeader {
            id: &self.id,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            created_at: &self.created_at,
            updated_at: &self.updated_at,
            cancelled_at: &self.cancelled_at,
            cancel_reason: &self.cancel_reason,
            closed: self.closed,
            test: self.test,
            note: &self.note,
            tags: &self.tags,
            po_number: &self.po_number,
            currency_code: &self.currency_code,
            taxes_included: self.taxes_included,
            display_financial_status: &self.display_financial_status,
            display_fulfillment_status: &self.display_fulfillment_status,
            return_status: &self.return_status,
            current_total_price_set: &self.current_total_price_set,
            payment_terms: &self.payment_terms,
            customer: &self.customer,
            shipping_address: &self.shipping_address,
            billing_address: &self.billing_address,
        }
    }

    /// Completes an order with what [`OrderImportDetails`] read: the line
    /// items after the ones read (when those were cut short), every shipping
    /// line, refunds and returns with their lines.
    pub fn add_details(&mut self, details: ImportOrderDetails) {
        if self.line_items.is_truncated() {
            self.line_items.nodes.extend(details.line_items.nodes);
            self.line_items.page_info = details.line_items.page_info;
        }
        self.shipping_lines = details.shipping_lines;
        self.refunds = details.refunds;
        self.returns = Some(details.returns);
    }

    /// Builds an order from a root object of [`orders_bulk_query`]'s result:
    /// its nested rows become the line item, shipping line and return
    /// connections (complete, so nothing is truncated).
    pub fn from_bulk(object: BulkObject) -> Result<ImportOrder, serde_json::Error> {
        let BulkObject { mut value, children } = object;
        let mut lines = Vec::new();
        let mut shipping = Vec::new();
        let mut returns = Vec::new();
        for child in children {
            let kind = child.id().and_then(|id| Gid::new(id).resource().map(str::to_owned)).unwrap_or_default();
            match kind.as_str() {
                "LineItem" => lines.push(child.value),
                "ShippingLine" => shipping.push(child.value),
                "Return" => returns.push(child.value),
                _ => {}
            }
        }
        if let Value::Object(map) = &mut value {
            map.insert("lineItems".into(), complete_connection(lines));
            map.insert("shippingLines".into(), complete_connection(shipping));
            map.insert("returns".into(), complete_connection(returns));
        }
        serde_json::from_value(value)
    }
}

/// [`ImportOrder::header`]: the order's fields but its lists, borrowed, in
/// the order's field order (serializing it is a fraction of the cost of
/// serializing the whole order and removing the lists).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOrderHeader<'a> {
    pub id: &'a Gid,
    pub name: &'a str,
    pub email: &'a Option<String>,
    pub phone: &'a Option<String>,
    pub created_at: &'a Timestamp,
    pub updated_at: &'a Timestamp,
    pub cancelled_at: &'a Option<Timestamp>,
    pub cancel_reason: &'a Option<String>,
    pub closed: bool,
    pub test: bool,
    pub note: &'a Option<String>,
    pub tags: &'a [String],
    pub po_number: &'a Option<String>,
    pub currency_code: &'a str,
    pub taxes_included: bool,
    pub display_financial_status: &'a Option<String>,
    pub display_fulfillment_status: &'a str,
    pub return_status: &'a str,
    pub current_total_price_set: &'a ShopMoney,
    pub payment_terms: &'a Option<ImportPaymentTerms>,
    pub customer: &'a Option<ImportCustomer>,
    pub shipping_address: &'a Option<OrderAddress>,
    pub billing_address: &'a Option<OrderAddress>,
}

/// `{"nodes": [...], "pageInfo": {"hasNextPage": false}}`.
fn complete_connection(nodes: Vec<Value>) -> Value {
    let mut page_info = Map::new();
    page_info.insert("hasNextPage".into(), Value::Bool(false));
    page_info.insert("endCursor".into(), Value::Null);
    let mut map = Map::new();
    map.insert("nodes".into(), Value::Array(nodes));
    map.insert("pageInfo".into(), Value::Object(page_info));
    Value::Object(map)
}

/// `MoneyBag` read in the shop's currency only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopMoney {
    pub shop_money: MoneyV2,
}

impl ShopMoney {
    pub fn amount(&self) -> rust_decimal::Decimal {
        self.shop_money.amount
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPaymentTerms {
    /// `Net 30`, `Due on receipt` ...
    pub payment_terms_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCustomer {
    pub id: Gid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportTransaction {
    pub id: Gid,
    /// `SALE`, `AUTHORIZATION`, `CAPTURE`, `REFUND`, `VOID` ...
    pub kind: String,
    /// `SUCCESS`, `PENDING`, `FAILURE`, `ERROR` ...
    pub status: String,
    pub gateway: Option<String>,
    pub processed_at: Option<Timestamp>,
    pub amount_set: ShopMoney,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportFulfillment {
    pub id: Gid,
    pub name: String,
    /// `SUCCESS`, `CANCELLED`, `ERROR`, `FAILURE` ...
    pub status: String,
    pub created_at: Timestamp,
    pub tracking_info: Vec<TrackingInfo>,
}

/// A refund: on a page the id only, with [`OrderImportDetails`] (or a bulk
/// read, without lines) the rest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRefund {
    pub id: Gid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_refunded_set: Option<ShopMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_line_items: Option<Connection<ImportRefundLine>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRefundLine {
    pub quantity: i64,
    /// `NO_RESTOCK`, `CANCEL`, `RETURN`, `LEGACY_RESTOCK`.
    pub restock_type: String,
    pub line_item: IdOnly,
    pub subtotal_set: ShopMoney,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReturn {
    pub id: Gid,
    pub name: String,
    /// `REQUESTED`, `OPEN`, `CLOSED`, `DECLINED`, `CANCELED`.
    pub status: String,
    pub total_quantity: i64,
    /// Not in a bulk read (a third level of connections is not allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_line_items: Option<Connection<super::orders::ReturnLineItem>>,
}

/// An order line (`fragments/order_import_lines.graphql`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportLine {
    pub id: Gid,
    pub name: String,
    pub title: String,
    pub variant_title: Option<String>,
    pub sku: Option<String>,
    pub quantity: i64,
    /// Quantity after removals and refunds.
    pub current_quantity: i64,
    pub unfulfilled_quantity: i64,
    pub requires_shipping: bool,
    pub is_gift_card: bool,
    /// `None` for a custom line item, or when the variant was deleted.
    pub variant: Option<IdOnly>,
    pub product: Option<IdOnly>,
    pub original_unit_price_set: ShopMoney,
    /// Every discount allocated to the line (codes, automatic, order-level).
    pub total_discount_set: ShopMoney,
    pub tax_lines: Vec<ImportTaxLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportTaxLine {
    pub title: String,
    /// `21.0` for 21 %; kept as text so the type stays `Eq`.
    #[serde(default, deserialize_with = "rate_text", skip_serializing_if = "Option::is_none")]
    pub rate_percentage: Option<String>,
    pub price_set: ShopMoney,
}

fn rate_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.filter(|v| !v.is_null()).map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    }))
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportShippingLine {
    pub id: Option<Gid>,
    pub title: String,
    pub code: Option<String>,
    /// Removed by an order edit: no longer charged.
    pub is_removed: bool,
    pub original_price_set: ShopMoney,
    /// After shipping discounts.
    pub discounted_price_set: ShopMoney,
    pub tax_lines: Vec<ImportTaxLine>,
}

/// `graphql/order_import_details.graphql`: the rest of one order.
#[derive(Debug, Clone, Copy)]
pub struct OrderImportDetails;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderImportDetailsVariables {
    pub id: Gid,
    /// The `endCursor` of the line items already read (a page's), or `None`.
    pub lines_after: Option<String>,
}

impl Operation for OrderImportDetails {
    const NAME: &'static str = "OrderImportDetails";
    const DOCUMENT: &'static str = document!("order_import_details.graphql", "order_import_lines.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 837;
    type Variables = OrderImportDetailsVariables;
    type Data = OrderImportDetailsData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrderImportDetailsData {
    /// `None` when the order no longer exists.
    pub order: Option<ImportOrderDetails>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportOrderDetails {
    pub id: Gid,
    pub line_items: Connection<ImportLine>,
    pub shipping_lines: Connection<ImportShippingLine>,
    pub refunds: Vec<ImportRefund>,
    pub returns: Connection<ImportReturn>,
}

/// `graphql/order_shipping_state.graphql`: an order's fulfillment orders with
/// open quantities and its existing fulfillments with tracking and lines.
#[derive(Debug, Clone, Copy)]
pub struct OrderShippingState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderShippingStateVariables {
    pub id: Gid,
}

impl Operation for OrderShippingState {
    const NAME: &'static str = "OrderShippingState";
    const DOCUMENT: &'static str = document!("order_shipping_state.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 627;
    type Variables = OrderShippingStateVariables;
    type Data = OrderShippingStateData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrderShippingStateData {
    /// `None` when the order no longer exists.
    pub order: Option<ShippingStateOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingStateOrder {
    pub id: Gid,
    pub name: String,
    pub display_fulfillment_status: String,
    pub fulfillment_orders: Connection<ShippingFulfillmentOrder>,
    pub fulfillments: Vec<ShippedFulfillment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingFulfillmentOrder {
    pub id: Gid,
    /// `OPEN`, `IN_PROGRESS`, `CLOSED`, `CANCELLED`, `ON_HOLD`, `SCHEDULED` ...
    pub status: String,
    pub supported_actions: Vec<super::orders::SupportedAction>,
    pub line_items: Connection<ShippingFulfillmentOrderLine>,
}

impl ShippingFulfillmentOrder {
    /// Whether Shopify allows creating a fulfillment for it now.
    pub fn can_create_fulfillment(&self) -> bool {
        self.supported_actions.iter().any(|a| a.action == "CREATE_FULFILLMENT")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingFulfillmentOrderLine {
    pub id: Gid,
    pub total_quantity: i64,
    pub remaining_quantity: i64,
    pub line_item: IdOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippedFulfillment {
    pub id: Gid,
    pub name: String,
    /// `SUCCESS`, `CANCELLED`, `ERROR`, `FAILURE`, `OPEN`, `PENDING`.
    pub status: String,
    pub created_at: Timestamp,
    pub tracking_info: Vec<TrackingInfo>,
    pub fulfillment_line_items: Connection<ShippedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ShippedLine {
    pub quantity: i64,
    #[serde(rename = "lineItem")]
    pub line_item: IdOnly,
}

/// The bulk query of the order import: every order matching `search` (a
/// Shopify search such as `updated_at:>='…'`; `None` for all), with the fields
/// of [`OrdersImportPage`] and every line item, shipping line and return (4
/// connections, nested one level: within Shopify's bulk limits). Refund and
/// return lines are not in it: they sit a level deeper than a bulk query may
/// go. Read its rows with [`ImportOrder::from_bulk`].
pub fn orders_bulk_query(search: Option<&str>) -> String {
    let arguments = match search {
        Some(search) => format!("(query: {}, sortKey: UPDATED_AT)", graphql_string(search)),
        None => "(sortKey: UPDATED_AT)".to_owned(),
    };
    ORDERS_BULK_QUERY.replace("(ARGUMENTS)", &arguments)
}

/// A GraphQL string literal (JSON's escaping is valid GraphQL).
fn graphql_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The bulk document with an `(ARGUMENTS)` placeholder. Bulk queries read
/// connections through `edges { node }`, and fields may not be spread from
/// fragments defined elsewhere, so the fields of the import fragments are
/// written out here; a test holds the two to the same Rust type.
const ORDERS_BULK_QUERY: &str = r#"{
  orders(ARGUMENTS) {
    edges {
      node {
        id
        name
        email
        phone
        createdAt
        updatedAt
        cancelledAt
        cancelReason
        closed
        test
        note
        tags
        poNumber
        currencyCode
        taxesIncluded
        displayFinancialStatus
        displayFulfillmentStatus
        returnStatus
        currentTotalPriceSet { shopMoney { amount currencyCode } }
        paymentTerms { paymentTermsName }
        customer { id firstName lastName displayName }
        shippingAddress { firstName lastName name company address1 address2 city zip province provinceCode countryCodeV2 phone }
        billingAddress { firstName lastName name company address1 address2 city zip province provinceCode countryCodeV2 phone }
        transactions { id kind status gateway processedAt amountSet { shopMoney { amount currencyCode } } }
        fulfillments { id name status createdAt trackingInfo { company number url } }
        refunds { id createdAt note totalRefundedSet { shopMoney { amount currencyCode } } }
        lineItems {
          edges {
            node {
              id
              name
              title
              variantTitle
              sku
              quantity
              currentQuantity
              unfulfilledQuantity
              requiresShipping
              isGiftCard
              variant { id }
              product { id }
              originalUnitPriceSet { shopMoney { amount currencyCode } }
              totalDiscountSet { shopMoney { amount currencyCode } }
              taxLines { title ratePercentage priceSet { shopMoney { amount currencyCode } } }
            }
          }
        }
        shippingLines {
          edges {
            node {
              id
              title
              code
              isRemoved
              originalPriceSet { shopMoney { amount currencyCode } }
              discountedPriceSet { shopMoney { amount currencyCode } }
              taxLines { title ratePercentage priceSet { shopMoney { amount currencyCode } } }
            }
          }
        }
        returns {
          edges {
            node {
              id
              name
              status
              totalQuantity
            }
          }
        }
      }
    }
  }
}"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::BulkObject;

    #[test]
    fn the_bulk_query_quotes_its_search() {
        let query = orders_bulk_query(Some("updated_at:>='2026-01-01T00:00:00Z' AND tag:\"a\""));
        assert!(query.contains(r#"orders(query: "updated_at:>='2026-01-01T00:00:00Z' AND tag:\"a\"", sortKey"#));
        assert!(orders_bulk_query(None).contains("orders(sortKey: UPDATED_AT)"));
    }

    #[test]
    fn the_header_is_the_order_without_its_lists() {
        let order = sample_order();
        let mut whole = match serde_json::to_value(&order).unwrap() {
            Value::Object(map) => map,
            other => panic!("an order serializes to an object, not {other}"),
        };
        for list in ["lineItems", "shippingLines", "transactions", "fulfillments", "refunds", "returns"] {
            whole.remove(list);
        }
        let header = serde_json::to_string(&order.header()).unwrap();
        assert_eq!(header, Value::Object(whole).to_string(), "same fields, same order, same text");
    }

    fn sample_order() -> ImportOrder {
        let money = serde_json::json!({"shopMoney": {"amount": "1.00", "currencyCode": "EUR"}});
        let order = serde_json::json!({
            "id": "gid://shopify/Order/1", "name": "#1001", "email": null, "phone": null,
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z", "cancelledAt": null,
            "cancelReason": null, "closed": false, "test": false, "note": null, "tags": [], "poNumber": null,
            "currencyCode": "EUR", "taxesIncluded": true, "displayFinancialStatus": "PAID",
            "customer": {"id": "gid://shopify/Customer/7", "firstName": "Ada", "lastName": null,
                "displayName": "Ada"},
            "displayFulfillmentStatus": "UNFULFILLED", "returnStatus": "NO_RETURN",
            "currentTotalPriceSet": money, "paymentTerms": null, "shippingAddress": null,
            "billingAddress": null, "transactions": [], "fulfillments": [], "refunds": []
        });
        let line = serde_json::json!({
            "id": "gid://shopify/LineItem/5", "name": "Mug", "title": "Mug", "variantTitle": null, "sku": "M-1",
            "quantity": 2, "currentQuantity": 2, "unfulfilledQuantity": 2, "requiresShipping": true,
            "isGiftCard": false, "variant": {"id": "gid://shopify/ProductVariant/9"}, "product": null,
            "originalUnitPriceSet": money, "totalDiscountSet": money,
            "taxLines": [{"title": "VAT", "ratePercentage": 21.0, "priceSet": money}]
        });
        let object = BulkObject { value: order, children: vec![BulkObject { value: line, children: Vec::new() }] };
        ImportOrder::from_bulk(object).unwrap()
    }

    #[test]
    fn a_bulk_root_becomes_a_complete_order() {
        let order = sample_order();
        assert_eq!(order.line_items.nodes.len(), 1);
        assert_eq!(order.line_items.nodes[0].tax_lines[0].rate_percentage.as_deref(), Some("21.0"));
        assert!(order.shipping_lines.nodes.is_empty());
        assert!(!order.needs_details(), "a bulk order is complete");
    }
}
