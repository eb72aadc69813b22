//! The row types PostgreSQL returns for items, variants and SKU owners, and the columns they are read from (times
//! through `ts_text`, in the store's text form).

use crate::Result;
use crate::catalog::{Item, ItemStatus, Variant, WeightUnit};

pub(super) const ITEM_COLUMNS: &str = "i.id, i.number, i.name, i.description, i.status, i.item_group, i.vendor, \
                            i.product_type, i.inventory_tracked, i.weight, i.weight_unit, i.option1_name, \
                            i.option2_name, i.option3_name, i.images, i.tags, i.marked_for_sync, \
                            ts_text(i.created_at) AS created_at, ts_text(i.updated_at) AS updated_at";

pub(super) const VARIANT_COLUMNS: &str = "v.id, v.item_id, v.code, v.sku, v.barcode, v.option1, v.option2, v.option3, \
                               v.position, ts_text(v.created_at) AS created_at, ts_text(v.updated_at) AS updated_at";

pub(super) const PRICE_LIST_COLUMNS: &str =
    "id, code, name, currency, ts_text(created_at) AS created_at, ts_text(updated_at) AS updated_at";

pub(super) const WAREHOUSE_COLUMNS: &str =
    "id, code, name, ts_text(created_at) AS created_at, ts_text(updated_at) AS updated_at";

pub(super) const PRODUCT_LINK_COLUMNS: &str = "item_id, shopify_product_id, last_hash, ts_text(synced_at) AS synced_at";

/// A stored item as PostgreSQL returns it: options in three columns, lists as JSON text.
#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) id: i64,
    pub(super) number: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) status: ItemStatus,
    pub(super) item_group: Option<String>,
    pub(super) vendor: Option<String>,
    pub(super) product_type: Option<String>,
    pub(super) inventory_tracked: bool,
    pub(super) weight: Option<String>,
    pub(super) weight_unit: Option<WeightUnit>,
    pub(super) option1_name: Option<String>,
    pub(super) option2_name: Option<String>,
    pub(super) option3_name: Option<String>,
    pub(super) images: String,
    pub(super) tags: String,
    pub(super) marked_for_sync: bool,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

impl ItemRow {
    pub(super) fn into_item(self, variants: Vec<Variant>) -> Result<Item> {
        Ok(Item {
            id: self.id,
            number: self.number,
            name: self.name,
            description: self.description,
            status: self.status,
            item_group: self.item_group,
            vendor: self.vendor,
            product_type: self.product_type,
            inventory_tracked: self.inventory_tracked,
            weight: self.weight,
            weight_unit: self.weight_unit,
            option_names: [self.option1_name, self.option2_name, self.option3_name].into_iter().flatten().collect(),
            images: serde_json::from_str(&self.images)?,
            tags: serde_json::from_str(&self.tags)?,
            marked: self.marked_for_sync,
            created_at: self.created_at,
            updated_at: self.updated_at,
            variants,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VariantRow {
    pub(super) id: i64,
    pub(super) item_id: i64,
    pub(super) code: String,
    pub(super) sku: String,
    pub(super) barcode: Option<String>,
    pub(super) option1: Option<String>,
    pub(super) option2: Option<String>,
    pub(super) option3: Option<String>,
    pub(super) position: i64,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

impl From<VariantRow> for Variant {
    fn from(row: VariantRow) -> Variant {
        Variant {
            id: row.id,
            item_id: row.item_id,
            code: row.code,
            sku: row.sku,
            barcode: row.barcode,
            option_values: [row.option1, row.option2, row.option3].into_iter().flatten().collect(),
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SkuOwnerRow {
    pub(super) item_number: String,
    pub(super) item_name: String,
    pub(super) item_status: ItemStatus,
    pub(super) inventory_tracked: bool,
    #[sqlx(flatten)]
    pub(super) variant: VariantRow,
}
