//! `POST /api/v1/stock`: quantities on hand per warehouse and SKU, absolute (the stock file's checks and rules).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use shopsync_sync::import::records::{StockRecord, set_stock as set};
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Writer;
use super::body::write;
use super::items::{UpsertResult, refused, upserted};

/// Stock levels; SKUs and warehouses not given keep their stock.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockRequest {
    pub levels: Vec<StockLevel>,
}

/// The quantity on hand now of one SKU in one warehouse (not a change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLevel {
    /// Warehouse code; a new code creates the warehouse.
    pub warehouse: String,
    pub sku: String,
    /// May be negative; Shopify's quantities are 32-bit.
    #[schema(minimum = -2147483648i64, maximum = 2147483647i64)]
    pub quantity: i64,
}

/// Set stock levels
///
/// Absolute quantities (what is on hand now), the same checks as `shopsync stock import`.
#[utoipa::path(
    post,
    path = "/api/v1/stock",
    tag = "catalog",
    request_body = StockRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat it on a retry: the request is done once")),
    responses((status = 200, description = "Written", body = UpsertResult)),
    security(("bearer" = ["write"]))
)]
pub(crate) async fn set_stock(
    State(state): State<ApiState>,
    Writer(token): Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    write(&state, &token, &headers, "/api/v1/stock", body, |store, request: StockRequest| async move {
        let levels: Vec<StockRecord> = request
            .levels
            .into_iter()
            .map(|l| StockRecord { warehouse: l.warehouse, sku: l.sku, quantity: l.quantity })
            .collect();
        set(store, &levels).await.map_err(refused).and_then(upserted)
    })
    .await
}
