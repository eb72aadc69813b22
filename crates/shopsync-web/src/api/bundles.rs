//! `POST /api/v1/bundles`: bundles and their components (the bundles file's checks and rules).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use shopsync_sync::import::records::{BundleRecord, ComponentRecord, upsert_bundles as upsert};
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Writer;
use super::body::write;
use super::items::{UpsertResult, refused, upserted};

/// Bundles: each one given gets exactly its components; bundles not given stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundlesRequest {
    pub bundles: Vec<Bundle>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The sellable SKU.
    pub bundle_sku: String,
    /// At least one; none of them a bundle itself.
    pub components: Vec<Component>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub component_sku: String,
    /// How many of it one bundle holds, 1 to 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: i64,
}

/// Set bundles
///
/// The same checks as `shopsync bundles import`.
#[utoipa::path(
    post,
    path = "/api/v1/bundles",
    tag = "catalog",
    request_body = BundlesRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat it on a retry: the request is done once")),
    responses((status = 200, description = "Written", body = UpsertResult)),
    security(("bearer" = ["write"]))
)]
pub(crate) async fn upsert_bundles(
    State(state): State<ApiState>,
    Writer(token): Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    write(&state, &token, &headers, "/api/v1/bundles", body, |store, request: BundlesRequest| async move {
        let bundles: Vec<BundleRecord> = request
            .bundles
            .into_iter()
            .map(|b| BundleRecord {
                bundle_sku: b.bundle_sku,
                components: b
                    .components
                    .into_iter()
                    .map(|c| ComponentRecord { component_sku: c.component_sku, quantity: c.quantity })
                    .collect(),
            })
            .collect();
        upsert(store, &bundles).await.map_err(refused).and_then(upserted)
    })
    .await
}
