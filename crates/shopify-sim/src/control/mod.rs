//! The control surface for tests and demos: a Rust handle ([`SimControl`]) and the same
//! operations over HTTP under `/_sim/` (JSON, no authentication: bind to loopback only). Changes
//! must be sent as JSON and every request must name the Host 127.0.0.1, localhost or the shop,
//! so a web page cannot use it (`server::control_guard`).
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/products` | every product with variants and stock |
//! | `GET /_sim/variants?sku=SKU` | variants with that SKU |
//! | `GET /_sim/locations` | locations |
//! | `POST /_sim/inventory` | `{sku or inventory_item_id, location_id?, name?, quantity}`: change stock in Shopify |
//! | `GET /_sim/stats`, `POST /_sim/stats/reset` | request counts, mutations, cost spent |
//! | `GET /_sim/faults`, `PUT /_sim/faults` | fault injection settings |
//! | `PUT /_sim/bucket`, `POST /_sim/bucket/drain` | cost bucket size/rate, empty it |
//! | `GET /_sim/changes` | recent changes (webhook topics) |
//! | `GET /_sim/images/{file}` | product images (a tiny PNG) |
//! | `/_sim/orders`, `/_sim/customers`, `/_sim/fulfillments`, `DELETE /_sim/products/{sku}` | orders and customers: see `orders` (`crate::control_orders`) |
//! | `GET /_sim/webhooks/deliveries` | webhook delivery log: topic, event id, status, attempts (`crate::webhooks`) |
//! | `GET /_sim/webhooks/subscriptions`, `POST` (`{topic, address, name?}`) | subscriptions; add one with a name |
//! | `GET /_sim/webhooks/config`, `PUT` | retries, duplicate and out-of-order delivery faults |
//! | `POST /_sim/app/uninstall` | uninstall the app: tokens revoked, `app/uninstalled` sent |
//! | `POST /_sim/oauth/expire` | `{token}`: make an OAuth-issued access token expire now (`crate::oauth`) |
//! | `GET /_sim/bulk`, `GET /_sim/bulk-results/{random}.jsonl` | bulk operations, their result files at unguessable, expiring URLs (`crate::bulk`) |
//! | `GET /_sim/bulk-behaviour`, `PUT` | hold bulk operations running, make them fail, chunk size |

mod bulk;
mod catalog;
mod handle;
mod oauth;
pub(crate) mod orders;
mod stats;
mod webhooks;

pub use catalog::{LocationSnapshot, ProductSnapshot, StockChange, VariantSnapshot};
pub use handle::{ControlError, SimControl};

use std::sync::Arc;

use axum::Json as JsonBody;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::faults::Faults;
use crate::state::SimState;
use crate::store::format_time;
use crate::throttle::BucketConfig;

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/_sim/products", get(|State(state): State<Arc<SimState>>| async move { JsonBody(control(state).products()) }))
        .route(
            "/_sim/variants",
            get(|State(state): State<Arc<SimState>>, Query(query): Query<SkuQuery>| async move {
                JsonBody(control(state).variants_by_sku(&query.sku))
            }),
        )
        .route("/_sim/locations", get(|State(state): State<Arc<SimState>>| async move { JsonBody(control(state).locations()) }))
        .route(
            "/_sim/inventory",
            post(|State(state): State<Arc<SimState>>, JsonBody(change): JsonBody<StockChange>| async move {
                match control(state).set_stock(&change) {
                    Ok(()) => (StatusCode::OK, JsonBody(serde_json::json!({ "ok": true }))),
                    Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, JsonBody(serde_json::json!({ "error": error.to_string() }))),
                }
            }),
        )
        .route("/_sim/stats", get(|State(state): State<Arc<SimState>>| async move { JsonBody(control(state).stats()) }))
        .route(
            "/_sim/stats/reset",
            post(|State(state): State<Arc<SimState>>| async move {
                control(state).reset_stats();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sim/faults",
            get(|State(state): State<Arc<SimState>>| async move { JsonBody(control(state).faults()) }).put(
                |State(state): State<Arc<SimState>>, JsonBody(faults): JsonBody<Faults>| async move {
                    control(state.clone()).set_faults(faults);
                    JsonBody(control(state).faults())
                },
            ),
        )
        .route(
            "/_sim/bucket",
            axum::routing::put(|State(state): State<Arc<SimState>>, JsonBody(config): JsonBody<BucketConfig>| async move {
                control(state).set_bucket(config);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sim/bucket/drain",
            post(|State(state): State<Arc<SimState>>| async move {
                control(state).drain_buckets();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sim/changes",
            get(|State(state): State<Arc<SimState>>| async move {
                let changes: Vec<serde_json::Value> = control(state)
                    .changes()
                    .into_iter()
                    .map(|change| serde_json::json!({ "topic": change.topic, "gid": change.gid, "at": format_time(change.at) }))
                    .collect();
                JsonBody(changes)
            }),
        )
        .route("/_sim/images/{file}", get(|| async { image() }))
        .merge(orders::routes())
}

#[derive(Deserialize)]
struct SkuQuery {
    sku: String,
}

fn control(state: Arc<SimState>) -> SimControl {
    SimControl { state }
}

/// A 1x1 PNG: product images only need to exist and be an image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn image() -> Response<Body> {
    let mut response = Body::from(PNG).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    response
}
