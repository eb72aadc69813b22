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
//! | `/_sim/orders`, `/_sim/customers`, `/_sim/fulfillments`, `DELETE /_sim/products/{sku}` | orders and customers: see `crate::control_orders` |
//! | `GET /_sim/webhooks/deliveries` | webhook delivery log: topic, event id, status, attempts (`crate::webhooks`) |
//! | `GET /_sim/webhooks/subscriptions`, `POST` (`{topic, address, name?}`) | subscriptions; add one with a name |
//! | `GET /_sim/webhooks/config`, `PUT` | retries, duplicate and out-of-order delivery faults |
//! | `POST /_sim/app/uninstall` | uninstall the app: tokens revoked, `app/uninstalled` sent |
//! | `POST /_sim/oauth/expire` | `{token}`: make an OAuth-issued access token expire now (`crate::oauth`) |
//! | `GET /_sim/bulk`, `GET /_sim/bulk-results/{random}.jsonl` | bulk operations, their result files at unguessable, expiring URLs (`crate::bulk`) |
//! | `GET /_sim/bulk-behaviour`, `PUT` | hold bulk operations running, make them fail, chunk size |

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json as JsonBody;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::faults::Faults;
use crate::gid;
use crate::resolvers::format_decimal;
use crate::state::{SimState, Stats};
use crate::store::{Change, Store, format_time};
use crate::throttle::BucketConfig;

/// Control of a running simulator (cheap to clone).
#[derive(Clone)]
pub struct SimControl {
    pub(crate) state: Arc<SimState>,
}

/// Why a control operation was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("no inventory item matches {0}: check the SKU or inventory item id")]
    UnknownInventoryItem(String),
    #[error("no location matches {0}: list them with GET /_sim/locations")]
    UnknownLocation(String),
    #[error("quantity name `{0}` is not `available` or `on_hand`")]
    UnknownQuantityName(String),
}

/// A product as the control surface shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProductSnapshot {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub status: String,
    pub vendor: String,
    pub product_type: String,
    pub tags: Vec<String>,
    pub options: Vec<(String, Vec<String>)>,
    pub image_urls: Vec<String>,
    pub updated_at: String,
    pub variants: Vec<VariantSnapshot>,
}

/// A variant with its stock per location.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantSnapshot {
    pub id: String,
    pub product_id: String,
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: String,
    pub compare_at_price: Option<String>,
    pub inventory_item_id: String,
    pub tracked: bool,
    /// `available` per location GID.
    pub available: BTreeMap<String, i64>,
    pub updated_at: String,
}

/// A location.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LocationSnapshot {
    pub id: String,
    pub name: String,
}

/// Which stock to change.
#[derive(Debug, Clone, Deserialize)]
pub struct StockChange {
    /// The variant's SKU (first match) ...
    pub sku: Option<String>,
    /// ... or the inventory item GID (or numeric id).
    pub inventory_item_id: Option<String>,
    /// The location GID; the first location when absent.
    pub location_id: Option<String>,
    /// `available` (default) or `on_hand`.
    pub name: Option<String>,
    pub quantity: i64,
}

impl SimControl {
    /// Request counters.
    pub fn stats(&self) -> Stats {
        self.state.stats.lock().clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        *self.state.stats.lock() = Stats::default();
    }

    /// Current faults.
    pub fn faults(&self) -> Faults {
        self.state.faults.lock().faults().clone()
    }

    /// Replaces the faults (and restarts their seeded sequence).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.lock().set(faults);
    }

    /// Changes the cost bucket of every app (existing buckets keep their level, capped).
    pub fn set_bucket(&self, config: BucketConfig) {
        *self.state.bucket_config.lock() = config;
        for bucket in self.state.buckets.lock().values_mut() {
            bucket.reconfigure(config);
        }
    }

    /// Empties every app's bucket, so the next request is throttled.
    pub fn drain_buckets(&self) {
        let now = Instant::now();
        for bucket in self.state.buckets.lock().values_mut() {
            bucket.drain(now);
        }
    }

    /// Every product with variants and stock, in id order.
    pub fn products(&self) -> Vec<ProductSnapshot> {
        let store = self.state.store.read();
        store
            .catalog
            .products
            .values()
            .map(|product| ProductSnapshot {
                id: gid::format("Product", product.id),
                title: product.title.clone(),
                handle: product.handle.clone(),
                status: product.status.as_str().to_string(),
                vendor: product.vendor.clone(),
                product_type: product.product_type.clone(),
                tags: product.tags.clone(),
                options: product
                    .options
                    .iter()
                    .map(|option| (option.name.clone(), option.values.iter().map(|v| v.name.clone()).collect()))
                    .collect(),
                image_urls: product.media.iter().map(|media| media.url.clone()).collect(),
                updated_at: format_time(product.updated_at),
                variants: store
                    .catalog
                    .product_variants(product)
                    .map(|variant| variant_snapshot(&store, variant))
                    .collect(),
            })
            .collect()
    }

    /// Variants with a SKU (SKUs need not be unique in Shopify).
    pub fn variants_by_sku(&self, sku: &str) -> Vec<VariantSnapshot> {
        let store = self.state.store.read();
        store
            .catalog
            .variants
            .values()
            .filter(|variant| variant.sku.as_deref() == Some(sku))
            .map(|variant| variant_snapshot(&store, variant))
            .collect()
    }

    /// Locations in id order.
    pub fn locations(&self) -> Vec<LocationSnapshot> {
        self.state
            .store
            .read()
            .catalog
            .locations
            .values()
            .map(|location| LocationSnapshot { id: gid::format("Location", location.id), name: location.name.clone() })
            .collect()
    }

    /// A quantity (`available`, `on_hand` ...) of the first variant with this SKU at a location
    /// (the first location when `None`).
    pub fn quantity(&self, sku: &str, location: Option<&str>, name: &str) -> Option<i64> {
        let store = self.state.store.read();
        let variant = store.catalog.variants.values().find(|variant| variant.sku.as_deref() == Some(sku))?;
        let item = store.catalog.inventory_items.get(&variant.inventory_item_id)?;
        let location_id = resolve_location(&store, location).ok()?;
        item.levels.get(&location_id).and_then(|level| level.quantity(name))
    }

    /// Changes stock in "Shopify" as a person in the admin would (a concurrent change for the
    /// client's compare-and-swap to detect). Bumps `updatedAt` and records the change.
    pub fn set_stock(&self, change: &StockChange) -> Result<(), ControlError> {
        let name = change.name.clone().unwrap_or_else(|| "available".to_string());
        if name != "available" && name != "on_hand" {
            return Err(ControlError::UnknownQuantityName(name));
        }
        let mut store = self.state.store.write();
        let item_id = match (&change.sku, &change.inventory_item_id) {
            (Some(sku), _) => store
                .catalog
                .variants
                .values()
                .find(|variant| variant.sku.as_deref() == Some(sku.as_str()))
                .map(|variant| variant.inventory_item_id)
                .ok_or_else(|| ControlError::UnknownInventoryItem(format!("SKU {sku}")))?,
            (None, Some(id)) => gid::parse_kind(id, "InventoryItem")
                .or_else(|| id.parse().ok())
                .filter(|id| store.catalog.inventory_items.contains_key(id))
                .ok_or_else(|| ControlError::UnknownInventoryItem(id.clone()))?,
            (None, None) => return Err(ControlError::UnknownInventoryItem("(nothing given)".to_string())),
        };
        let location_id = resolve_location(&store, change.location_id.as_deref())?;
        let now = store.now();
        if let Some(item) = store.catalog.inventory_items.get_mut(&item_id) {
            item.levels
                .entry(location_id)
                .or_insert_with(|| crate::model::catalog::InventoryLevel::with_available(0, now))
                .set(&name, change.quantity, now);
            item.updated_at = now;
        }
        store.record(
            "inventory_levels/update",
            format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"),
        );
        Ok(())
    }

    /// Recent changes, oldest first (what webhooks would announce).
    pub fn changes(&self) -> Vec<Change> {
        self.state.store.read().changes.iter().cloned().collect()
    }

    /// Reads the store directly (for modules and tests that need more than the snapshots).
    pub fn with_store<R>(&self, read: impl FnOnce(&Store) -> R) -> R {
        read(&self.state.store.read())
    }

    /// Changes the store directly (for modules and tests: create orders, cancel them ...).
    pub fn with_store_mut<R>(&self, write: impl FnOnce(&mut Store) -> R) -> R {
        write(&mut self.state.store.write())
    }
}

fn resolve_location(store: &Store, location: Option<&str>) -> Result<u64, ControlError> {
    match location {
        None => store
            .catalog
            .locations
            .keys()
            .next()
            .copied()
            .ok_or_else(|| ControlError::UnknownLocation("(no locations)".to_string())),
        Some(text) => gid::parse_kind(text, "Location")
            .or_else(|| text.parse().ok())
            .filter(|id| store.catalog.locations.contains_key(id))
            .ok_or_else(|| ControlError::UnknownLocation(text.to_string())),
    }
}

fn variant_snapshot(store: &Store, variant: &crate::model::catalog::Variant) -> VariantSnapshot {
    let item = store.catalog.inventory_items.get(&variant.inventory_item_id);
    VariantSnapshot {
        id: gid::format("ProductVariant", variant.id),
        product_id: gid::format("Product", variant.product_id),
        title: variant.title.clone(),
        sku: variant.sku.clone(),
        barcode: variant.barcode.clone(),
        price: format_decimal(variant.price),
        compare_at_price: variant.compare_at_price.map(format_decimal),
        inventory_item_id: gid::format("InventoryItem", variant.inventory_item_id),
        tracked: item.is_some_and(|item| item.tracked),
        available: item
            .map(|item| {
                item.levels
                    .iter()
                    .map(|(location, level)| {
                        (gid::format("Location", *location), level.quantity("available").unwrap_or(0))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        updated_at: format_time(variant.updated_at),
    }
}

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
        .merge(crate::control_orders::routes())
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
