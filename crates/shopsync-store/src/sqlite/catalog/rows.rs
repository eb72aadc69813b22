//! The column lists SQLite reads items, variants, price lists from; the row types
//! they fill are shared by both backends (`crate::rows::catalog`).

pub(super) use crate::rows::catalog::{ItemRow, SkuOwnerRow, VariantRow};

pub(super) const ITEM_COLUMNS: &str = "i.id, i.number, i.name, i.description, i.status, i.item_group, i.vendor, \
                            i.product_type, i.inventory_tracked, i.weight, i.weight_unit, i.option1_name, \
                            i.option2_name, i.option3_name, i.images, i.tags, i.marked_for_sync, i.created_at, \
                            i.updated_at";

pub(super) const VARIANT_COLUMNS: &str = "v.id, v.item_id, v.code, v.sku, v.barcode, v.option1, v.option2, v.option3, \
                               v.position, v.created_at, v.updated_at";

pub(super) const PRICE_LIST_COLUMNS: &str = "id, code, name, currency, created_at, updated_at";
