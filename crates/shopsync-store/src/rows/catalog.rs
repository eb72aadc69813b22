//! The row types both backends return for items, variants and SKU owners. Each backend keeps its own column lists
//! (`sqlite/catalog/rows.rs`, `postgres/catalog/rows.rs`), which name these fields.

use crate::Result;
use crate::catalog::{Item, ItemStatus, Variant, WeightUnit};

/// A stored item as both backends return it: options in three columns, lists as JSON text.
#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) status: ItemStatus,
    pub(crate) item_group: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) product_type: Option<String>,
    pub(crate) inventory_tracked: bool,
    pub(crate) weight: Option<String>,
    pub(crate) weight_unit: Option<WeightUnit>,
    pub(crate) option1_name: Option<String>,
    pub(crate) option2_name: Option<String>,
    pub(crate) option3_name: Option<String>,
    pub(crate) images: String,
    pub(crate) tags: String,
    pub(crate) marked_for_sync: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl ItemRow {
    pub(crate) fn into_item(self, variants: Vec<Variant>) -> Result<Item> {
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
pub(crate) struct VariantRow {
    pub(crate) id: i64,
    pub(crate) item_id: i64,
    pub(crate) code: String,
    pub(crate) sku: String,
    pub(crate) barcode: Option<String>,
    pub(crate) option1: Option<String>,
    pub(crate) option2: Option<String>,
    pub(crate) option3: Option<String>,
    pub(crate) position: i64,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
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
pub(crate) struct SkuOwnerRow {
    pub(crate) item_number: String,
    pub(crate) item_name: String,
    pub(crate) item_status: ItemStatus,
    pub(crate) inventory_tracked: bool,
    #[sqlx(flatten)]
    pub(crate) variant: VariantRow,
}
