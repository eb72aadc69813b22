//! `GET /api/v1/warehouses`: the warehouses stock is kept in.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Reader;
use super::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseList {
    pub warehouses: Vec<Warehouse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Warehouse {
    /// The code stock levels name.
    pub code: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// List warehouses
#[utoipa::path(
    get,
    path = "/api/v1/warehouses",
    tag = "catalog",
    responses((status = 200, description = "Every warehouse, by code", body = WarehouseList)),
    security(("bearer" = ["read"]))
)]
pub(crate) async fn list_warehouses(
    State(state): State<ApiState>,
    Reader(_token): Reader,
) -> Result<Json<WarehouseList>, ApiError> {
    let warehouses = state.store().warehouses().await.map_err(|e| ApiError::internal(&e))?;
    Ok(Json(WarehouseList {
        warehouses: warehouses
            .into_iter()
            .map(|w| Warehouse { code: w.code, name: w.name, created_at: w.created_at, updated_at: w.updated_at })
            .collect(),
    }))
}
