//! `POST /api/v1/shipments`: a shipment of a sales order, sent to Shopify as a fulfillment by the next
//! fulfillment sync (the same checks as `shopsync shipments create`).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shopsync_sync::app::shipments::{ShipmentRequest as Request, create_shipment as create};
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Writer;
use super::body::write;
use super::error::ApiError;
use super::items::refused;

/// A shipment: what left the warehouse for one sales order (all of it, or part of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentRequest {
    /// The sales order number (`SO-000001`), as the sales-order feed gives it.
    pub sales_order: String,
    /// At least one; a SKU's quantity is spread over the order's lines with that SKU.
    pub lines: Vec<ShipmentLineRequest>,
    /// The tracking number the carrier gave the parcel.
    pub tracking_number: Option<String>,
    /// The carrier as Shopify knows it (`DHL Express`, `PostNL`, `UPS`).
    pub carrier: Option<String>,
    /// The tracking page.
    pub tracking_url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLineRequest {
    pub sku: String,
    /// 1 or more, at most what is left to ship of the SKU.
    #[schema(minimum = 1)]
    pub quantity: i64,
}

/// A shipment recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shipment {
    /// `SH-000001`.
    pub number: String,
    pub sales_order: String,
    pub shopify_order_id: Option<String>,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: String,
    /// `pending` (goes to Shopify at the next fulfillment sync), `synced`, `error` or `skipped`.
    pub sync_status: String,
    pub sync_error: Option<String>,
    pub lines: Vec<ShipmentLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentLine {
    pub line_no: i64,
    pub sku: Option<String>,
    pub description: String,
    pub quantity: i64,
}

/// Record a shipment
#[utoipa::path(
    post,
    path = "/api/v1/shipments",
    tag = "shipments",
    request_body = ShipmentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat it on a retry: the shipment is recorded once")),
    responses((status = 201, description = "Recorded", body = Shipment)),
    security(("bearer" = ["write"]))
)]
pub(crate) async fn create_shipment(
    State(state): State<ApiState>,
    Writer(token): Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    write(&state, &token, &headers, "/api/v1/shipments", body, |store, request: ShipmentRequest| async move {
        let request = Request {
            sales_order: request.sales_order,
            lines: request.lines.into_iter().map(|l| (l.sku, l.quantity)).collect(),
            tracking_number: request.tracking_number,
            carrier: request.carrier,
            tracking_url: request.tracking_url,
        };
        create(store, &request).await.map_err(refused).and_then(created)
    })
    .await
}

/// The answer of a shipment recorded (its first answer, and a retry's made from the shipment kept with its key).
pub(crate) fn created(created: shopsync_store::Shipment) -> Result<(StatusCode, serde_json::Value), ApiError> {
    let shipment = Shipment {
        number: created.number,
        sales_order: created.sales_order_number,
        shopify_order_id: created.shopify_order_id,
        tracking_number: created.tracking_number,
        carrier: created.carrier,
        tracking_url: created.tracking_url,
        shipped_at: created.shipped_at,
        sync_status: created.sync_status.as_str().to_string(),
        sync_error: created.sync_error,
        lines: created
            .lines
            .into_iter()
            .map(|l| ShipmentLine { line_no: l.line_no, sku: l.sku, description: l.description, quantity: l.quantity })
            .collect(),
    };
    serde_json::to_value(shipment).map(|v| (StatusCode::CREATED, v)).map_err(|e| ApiError::internal(&e))
}
