//! `POST /api/v1/items`: items with their variants, upserted in bulk (the items file's checks and rules).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shopsync_sync::import::ImportReport;
use shopsync_sync::import::records::{ItemRecord, VariantRecord, upsert_items as upsert};
use utoipa::ToSchema;

use super::ApiState;
use super::auth::Writer;
use super::body::write;
use super::error::ApiError;

/// Items to create or replace. An item given is the whole item: variants it had and that are not given are removed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemsRequest {
    pub items: Vec<Item>,
}

/// An item; its fields are the columns of the items CSV file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The item's number, unique.
    pub item_number: String,
    /// The product title (at most 255 characters); required.
    pub item_name: Option<String>,
    /// The product description (HTML allowed).
    pub description: Option<String>,
    /// `active` (default), `draft` or `archived`.
    pub status: Option<String>,
    pub item_group: Option<String>,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    /// Whether Shopify tracks this item's stock (default true).
    pub inventory_tracked: Option<bool>,
    /// Decimal text, at least 0 (`0.25`); needs `weight_unit`.
    pub weight: Option<String>,
    /// `g`, `kg`, `oz` or `lb`.
    pub weight_unit: Option<String>,
    /// Option names in order, no gaps (`Size`, `Color`); an item with several variants needs at least one.
    pub option1_name: Option<String>,
    pub option2_name: Option<String>,
    pub option3_name: Option<String>,
    /// Image URLs (http or https), in display order.
    #[serde(default)]
    pub images: Vec<String>,
    /// Tags (a tag cannot hold a comma).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Mark the item for synchronization; left out, its marking stays as it is.
    pub marked: Option<bool>,
    /// At least one.
    pub variants: Vec<Variant>,
}

/// A variant of an item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Unique across the whole catalog.
    pub sku: String,
    /// Identifies the variant within its item from one upsert to the next (default: the SKU).
    pub variant_code: Option<String>,
    /// EAN, UPC, ISBN ...
    pub barcode: Option<String>,
    /// This variant's value for each option the item has.
    pub option1_value: Option<String>,
    pub option2_value: Option<String>,
    pub option3_value: Option<String>,
}

/// What an upsert did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpsertResult {
    /// `items`, `prices`, `stock levels` or `bundles`.
    pub records: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Items: what happened to their variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantResult>,
    /// Prices: the price list, and whether it was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_list: Option<PriceListResult>,
    /// Stock: the warehouses created.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warehouses_created: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantResult {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Variants no longer given for their item.
    pub removed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListResult {
    pub code: String,
    pub created: bool,
}

impl From<ImportReport> for UpsertResult {
    fn from(report: ImportReport) -> UpsertResult {
        UpsertResult {
            records: report.records.to_string(),
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            variants: report.variants.map(|v| VariantResult {
                created: v.created,
                updated: v.updated,
                unchanged: v.unchanged,
                removed: v.removed,
            }),
            price_list: report.price_list.map(|p| PriceListResult { code: p.code, created: p.created }),
            warehouses_created: report.warehouses_created,
        }
    }
}

/// The answer of a successful upsert.
pub(crate) fn upserted(report: ImportReport) -> Result<(StatusCode, serde_json::Value), ApiError> {
    serde_json::to_value(UpsertResult::from(report)).map(|v| (StatusCode::OK, v)).map_err(|e| ApiError::internal(&e))
}

/// What a refused or failed upsert answers.
pub(crate) fn refused(error: shopsync_sync::import::records::RecordsError) -> ApiError {
    match error {
        shopsync_sync::import::records::RecordsError::Invalid(errors) => ApiError::invalid(errors),
        shopsync_sync::import::records::RecordsError::Store(error) => ApiError::internal(&error),
    }
}

/// Upsert items and their variants
///
/// The same checks as `shopsync items import`; one bad value refuses the whole request (nothing is written) with
/// the path of every bad value.
#[utoipa::path(
    post,
    path = "/api/v1/items",
    tag = "catalog",
    request_body = ItemsRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat it on a retry: the request is done once")),
    responses((status = 200, description = "Written", body = UpsertResult)),
    security(("bearer" = ["write"]))
)]
pub(crate) async fn upsert_items(
    State(state): State<ApiState>,
    Writer(token): Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    write(&state, &token, &headers, "/api/v1/items", body, |store, request: ItemsRequest| async move {
        let records: Vec<ItemRecord> = request.items.into_iter().map(ItemRecord::from).collect();
        upsert(store, &records).await.map_err(refused).and_then(upserted)
    })
    .await
}

impl From<Item> for ItemRecord {
    fn from(item: Item) -> ItemRecord {
        ItemRecord {
            item_number: item.item_number,
            item_name: item.item_name,
            description: item.description,
            status: item.status,
            item_group: item.item_group,
            vendor: item.vendor,
            product_type: item.product_type,
            inventory_tracked: item.inventory_tracked,
            weight: item.weight,
            weight_unit: item.weight_unit,
            option1_name: item.option1_name,
            option2_name: item.option2_name,
            option3_name: item.option3_name,
            images: item.images,
            tags: item.tags,
            marked: item.marked,
            variants: item
                .variants
                .into_iter()
                .map(|v| VariantRecord {
                    sku: v.sku,
                    variant_code: v.variant_code,
                    barcode: v.barcode,
                    option1_value: v.option1_value,
                    option2_value: v.option2_value,
                    option3_value: v.option3_value,
                })
                .collect(),
        }
    }
}
