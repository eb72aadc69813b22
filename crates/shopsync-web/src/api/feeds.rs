//! The feeds the back office pulls: `GET /api/v1/feeds/sales-orders` and `/customers`, each with `POST .../ack`.
//!
//! The protocol: pull `?after=CURSOR` (or without `after`: from the position this token's name acknowledged),
//! process the records, then acknowledge the page's `next` cursor. Every sales order or customer written since a
//! cursor comes after it, once per change, in the order written; a record changed again comes again. A consumer
//! that stops before acknowledging pulls the same records again: nothing is lost, and nothing acknowledged comes
//! twice, across restarts of either side.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use shopsync_store::{Address as StoredAddress, Feed};
use shopsync_sync::app::api::{FeedError, acknowledge, customer_page, sales_order_page};
use shopsync_sync::import::records::FieldError;
use utoipa::{IntoParams, ToSchema};

use super::ApiState;
use super::auth::Reader;
use super::body::{bytes, json};
use super::error::ApiError;

/// Where a page starts and how long it is.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The cursor to read after (a page's `next`); left out, the position this token's name acknowledged.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Records per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// A page of sales orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesOrderPage {
    pub records: Vec<SalesOrder>,
    /// The cursor this page started after.
    pub after: i64,
    /// Pull after this next, and acknowledge it once the page is processed.
    pub next: i64,
    /// More records wait after `next`.
    pub has_more: bool,
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub records: Vec<Customer>,
    pub after: i64,
    pub next: i64,
    pub has_more: bool,
}

/// A sales order as shopsync made it from a Shopify order. Money is decimal text.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesOrder {
    /// This record's position in the feed.
    pub cursor: i64,
    /// `SO-000001`.
    pub number: String,
    pub shopify_order_id: Option<String>,
    /// `#1001`.
    pub shopify_order_name: Option<String>,
    /// The customer's `id` in the customers feed.
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
    /// `open`, `partially_shipped`, `shipped` or `cancelled`.
    pub status: String,
    /// Set when Shopify changed the order after something shipped: a person decides.
    pub conflict: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub lines: Vec<SalesOrderLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesOrderLine {
    pub line_no: i64,
    /// `item`, `bundle`, `bundle_component`, `shipping` or `fee`.
    pub kind: String,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: i64,
    pub unit_price: String,
    pub discount: String,
    pub tax: String,
    /// A bundle component's bundle line.
    pub parent_line_no: Option<i64>,
    pub quantity_shipped: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Address {
    pub name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub province_code: Option<String>,
    pub zip: Option<String>,
    /// ISO alpha-2.
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

/// A back-office customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    pub cursor: i64,
    /// The id sales orders refer to (`customer_id`).
    pub id: i64,
    /// `C-000001`.
    pub number: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub addresses: Vec<Address>,
    /// Back-office fields filled from the customer template.
    pub fields: std::collections::BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The cursor a consumer processed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The `next` of the last page processed.
    #[schema(minimum = 0)]
    pub cursor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledged {
    /// The position kept: the next pull without `after` starts after it.
    pub acknowledged: i64,
}

fn address(a: StoredAddress) -> Address {
    Address {
        name: a.name,
        company: a.company,
        address1: a.address1,
        address2: a.address2,
        city: a.city,
        province_code: a.province_code,
        zip: a.zip,
        country_code: a.country_code,
        phone: a.phone,
    }
}

fn query(query: Result<Query<FeedQuery>, QueryRejection>) -> Result<FeedQuery, ApiError> {
    query.map(|Query(q)| q).map_err(|rejection| {
        let path = ["after", "limit"].into_iter().find(|p| rejection.body_text().contains(p)).unwrap_or("");
        ApiError::invalid(vec![FieldError::new(
            path,
            format!("{}; `after` is a cursor (0 or more) and `limit` 1 to 1000", rejection.body_text()),
        )])
    })
}

fn feed_error(error: FeedError) -> ApiError {
    match error {
        FeedError::Invalid(error) => ApiError::invalid(vec![error]),
        FeedError::Store(error) => ApiError::internal(&error),
    }
}

/// Pull sales orders
///
/// Sales orders written after the cursor, oldest change first.
#[utoipa::path(
    get,
    path = "/api/v1/feeds/sales-orders",
    tag = "feeds",
    params(FeedQuery),
    responses((status = 200, description = "A page", body = SalesOrderPage)),
    security(("bearer" = ["read"]))
)]
pub(crate) async fn sales_orders(
    State(state): State<ApiState>,
    Reader(token): Reader,
    params: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<SalesOrderPage>, ApiError> {
    let params = query(params)?;
    let page = sales_order_page(state.store(), &token.name, params.after, params.limit).await.map_err(feed_error)?;
    let records = page
        .entries
        .into_iter()
        .map(|entry| {
            let so = entry.record;
            SalesOrder {
                cursor: entry.seq,
                number: so.number,
                shopify_order_id: so.shopify_order_id,
                shopify_order_name: so.shopify_order_name,
                customer_id: so.customer_id,
                currency: so.currency,
                subtotal: so.subtotal,
                discount_total: so.discount_total,
                tax_total: so.tax_total,
                shipping_total: so.shipping_total,
                total: so.total,
                payment_status: so.payment_status,
                payment_terms: so.payment_terms,
                ship_to: so.ship_to.map(address),
                bill_to: so.bill_to.map(address),
                email: so.email,
                status: so.status.as_str().to_string(),
                conflict: so.conflict,
                created_at: so.created_at,
                updated_at: so.updated_at,
                lines: so
                    .lines
                    .into_iter()
                    .map(|l| SalesOrderLine {
                        line_no: l.line_no,
                        kind: l.kind.as_str().to_string(),
                        sku: l.sku,
                        description: l.description,
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                        discount: l.discount,
                        tax: l.tax,
                        parent_line_no: l.parent_line_no,
                        quantity_shipped: l.quantity_shipped,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(SalesOrderPage { records, after: page.after, next: page.next, has_more: page.has_more }))
}

/// Pull customers
///
/// Customers written after the cursor, oldest change first.
#[utoipa::path(
    get,
    path = "/api/v1/feeds/customers",
    tag = "feeds",
    params(FeedQuery),
    responses((status = 200, description = "A page", body = CustomerPage)),
    security(("bearer" = ["read"]))
)]
pub(crate) async fn customers(
    State(state): State<ApiState>,
    Reader(token): Reader,
    params: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<CustomerPage>, ApiError> {
    let params = query(params)?;
    let page = customer_page(state.store(), &token.name, params.after, params.limit).await.map_err(feed_error)?;
    let records = page
        .entries
        .into_iter()
        .map(|entry| {
            let c = entry.record;
            Customer {
                cursor: entry.seq,
                id: c.id,
                number: c.number,
                name: c.name,
                email: c.email,
                phone: c.phone,
                addresses: c.addresses.into_iter().map(address).collect(),
                fields: c.fields,
                created_at: c.created_at,
                updated_at: c.updated_at,
            }
        })
        .collect();
    Ok(Json(CustomerPage { records, after: page.after, next: page.next, has_more: page.has_more }))
}

async fn ack(
    state: &ApiState,
    consumer: &str,
    feed: Feed,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Acknowledged>, ApiError> {
    let body = bytes(body)?;
    let ack: Ack = json(&body)?;
    let acknowledged = acknowledge(state.store(), consumer, feed, ack.cursor).await.map_err(feed_error)?;
    Ok(Json(Acknowledged { acknowledged }))
}

/// Acknowledge sales orders
///
/// Keeps the cursor processed for this token's name: a pull without `after` starts after it. Acknowledging is
/// idempotent (the same cursor twice keeps it).
#[utoipa::path(
    post,
    path = "/api/v1/feeds/sales-orders/ack",
    tag = "feeds",
    request_body = Ack,
    responses((status = 200, description = "Kept", body = Acknowledged)),
    security(("bearer" = ["read"]))
)]
pub(crate) async fn ack_sales_orders(
    State(state): State<ApiState>,
    Reader(token): Reader,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Acknowledged>, ApiError> {
    ack(&state, &token.name, Feed::SalesOrders, body).await
}

/// Acknowledge customers
#[utoipa::path(
    post,
    path = "/api/v1/feeds/customers/ack",
    tag = "feeds",
    request_body = Ack,
    responses((status = 200, description = "Kept", body = Acknowledged)),
    security(("bearer" = ["read"]))
)]
pub(crate) async fn ack_customers(
    State(state): State<ApiState>,
    Reader(token): Reader,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Acknowledged>, ApiError> {
    ack(&state, &token.name, Feed::Customers, body).await
}
