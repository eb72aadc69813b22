//! `POST /api/v1/prices`: prices of one price list (the prices file's checks and rules).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use shopsync_store::PriceListInput;
use shopsync_sync::import::records::{PriceRecord, upsert_prices};
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Writer;
use super::body::write;
use super::items::{UpsertResult, refused, upserted};

/// Prices for one price list; SKUs not given keep their price.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricesRequest {
    pub price_list: PriceList,
    pub prices: Vec<Price>,
}

/// The price list, created when missing (then `currency` is required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    /// e.g. `RETAIL`.
    pub code: String,
    /// ISO 4217 (`EUR`); must match the list's when it exists.
    pub currency: Option<String>,
    pub name: Option<String>,
}

/// The price of one SKU.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub sku: String,
    /// Decimal text, at least 0 (`12.50`): never a float.
    pub price: String,
    /// The "was" price, decimal text; left out removes it.
    pub compare_at_price: Option<String>,
}

/// Set prices of a price list
///
/// The same checks as `shopsync prices import`; every SKU must belong to an item variant.
#[utoipa::path(
    post,
    path = "/api/v1/prices",
    tag = "catalog",
    request_body = PricesRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat it on a retry: the request is done once")),
    responses((status = 200, description = "Written", body = UpsertResult)),
    security(("bearer" = ["write"]))
)]
pub(crate) async fn set_prices(
    State(state): State<ApiState>,
    Writer(token): Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    write(&state, &token, &headers, "/api/v1/prices", body, |store, request: PricesRequest| async move {
        let list = PriceListInput {
            code: request.price_list.code,
            name: request.price_list.name,
            currency: request.price_list.currency,
        };
        let prices: Vec<PriceRecord> = request
            .prices
            .into_iter()
            .map(|p| PriceRecord { sku: p.sku, price: p.price, compare_at_price: p.compare_at_price })
            .collect();
        upsert_prices(store, &list, &prices).await.map_err(refused).and_then(upserted)
    })
    .await
}
