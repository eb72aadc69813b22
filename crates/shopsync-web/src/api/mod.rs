//! The back-office REST API: JSON at `/api/v1`, its OpenAPI 3.1 document at `GET /api/openapi.json`.
//!
//! The back office (ERP, POS, WMS) sends its catalog, prices, stock, bundles and shipments here instead of CSV
//! files, and pulls sales orders and customers from two feeds. Every write goes through the same checks as the
//! CSV imports ([`shopsync_sync::import::records`], [`shopsync_sync::app::shipments`]): a refused request writes
//! nothing and answers 422 with the JSON path of every bad value. Tokens, idempotency and feeds are decided in
//! [`shopsync_sync::app::api`]; this module speaks HTTP around them.
//!
//! Every request, in order:
//! 1. `Authorization: Bearer ssk_...`: missing or not a live token → 401 (`WWW-Authenticate: Bearer`); a token
//!    without the route's scope → 403. The two bodies differ (`code` `unauthenticated` / `insufficient_scope`).
//! 2. The token's rate limit (a token bucket in memory, [`ApiConfig::rate_per_second`] and [`ApiConfig::burst`])
//!    → 429 with `Retry-After`.
//! 3. The body: over [`ApiConfig::max_body_bytes`] → 413; not JSON of the documented shape → 400 or 422 with the
//!    path of the value at fault.
//! 4. A write with an `Idempotency-Key` header answers a retry (same key, same method, path and body) with the
//!    answer kept from the first time and does nothing again; the same key with another body → 409.
//!
//! One file per resource: `items.rs`, `prices.rs`, `stock.rs`, `warehouses.rs`, `bundles.rs`, `shipments.rs`,
//! `feeds.rs`; `auth.rs` (tokens, scopes, rate limit), `error.rs` (the error body), `body.rs` (body reading and
//! idempotency), `openapi.rs` (the document).

mod auth;
mod body;
mod bundles;
mod error;
mod feeds;
mod items;
mod openapi;
mod prices;
mod shipments;
mod stock;
mod warehouses;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use shopsync_store::Store;
use shopsync_sync::Engine;

pub use error::{ErrorBody, FieldErrorBody};
pub use openapi::ApiDoc;

/// The API's limits.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The largest request body read; a larger one is answered 413 before it is read. The default (16 MB) holds
    /// an items upsert of about 40,000 variants or a stock update of 200,000 levels.
    pub max_body_bytes: usize,
    /// Requests a token may make per second, on average (default 20).
    pub rate_per_second: f64,
    /// Requests a token may make at once after a pause (the bucket's size; default 40).
    pub burst: u32,
}

impl ApiConfig {
    /// The limits `serve` is given, checked: a body limit from 1 KiB to 1 GiB, a rate above 0 and at most
    /// 100,000 a second, a burst from 1 to 100,000.
    pub fn new(max_body_bytes: usize, rate_per_second: f64, burst: u32) -> Result<ApiConfig, String> {
        if !(1024..=1024 * 1024 * 1024).contains(&max_body_bytes) {
            return Err(format!(
                "an API body limit of {max_body_bytes} bytes is out of range: give 1K to 1G (e.g. 16M, the default)"
            ));
        }
        if !(rate_per_second.is_finite() && rate_per_second > 0.0 && rate_per_second <= 100_000.0) {
            return Err(format!(
                "an API rate of {rate_per_second} requests a second is out of range: give more than 0 and at most \
                 100000 (e.g. 20, the default; 0.5 is one request every 2 s)"
            ));
        }
        if !(1..=100_000).contains(&burst) {
            return Err(format!("an API burst of {burst} is out of range: give 1 to 100000 (40 is the default)"));
        }
        Ok(ApiConfig { max_body_bytes, rate_per_second, burst })
    }
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig { max_body_bytes: 16 * 1024 * 1024, rate_per_second: 20.0, burst: 40 }
    }
}

/// What the API's handlers share.
#[derive(Clone)]
pub(crate) struct ApiState {
    engine: Arc<Engine>,
    limits: Arc<auth::RateLimits>,
    /// Writes with an `Idempotency-Key` run one at a time, so two copies of one request sent at once cannot both
    /// find the key new and both run. SQLite writes one transaction at a time anyway.
    keyed_writes: Arc<tokio::sync::Mutex<Housekeeping>>,
}

/// When kept answers were last purged (under the keyed-write lock, so one request does it).
pub(crate) struct Housekeeping {
    pub(crate) purged: Option<std::time::Instant>,
}

impl ApiState {
    fn store(&self) -> &dyn Store {
        self.engine.store().as_ref()
    }
}

/// The API's routes: `/api/v1/...` and `/api/openapi.json`, to merge into the server's router.
pub fn routes(engine: Arc<Engine>, config: ApiConfig) -> Router {
    let state = ApiState {
        engine,
        limits: Arc::new(auth::RateLimits::new(config.rate_per_second, config.burst)),
        keyed_writes: Arc::new(tokio::sync::Mutex::new(Housekeeping { purged: None })),
    };
    let v1 = Router::new()
        .route("/items", post(items::upsert_items))
        .route("/prices", post(prices::set_prices))
        .route("/stock", post(stock::set_stock))
        .route("/warehouses", get(warehouses::list_warehouses))
        .route("/bundles", post(bundles::upsert_bundles))
        .route("/shipments", post(shipments::create_shipment))
        .route("/feeds/sales-orders", get(feeds::sales_orders))
        .route("/feeds/sales-orders/ack", post(feeds::ack_sales_orders))
        .route("/feeds/customers", get(feeds::customers))
        .route("/feeds/customers/ack", post(feeds::ack_customers))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state);
    Router::new().nest("/api/v1", v1).route("/api/openapi.json", get(openapi::document))
}
