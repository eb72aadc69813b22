//! The column lists PostgreSQL reads items, variants, price lists, warehouses and product links from (times through `ts_text`, in the store's text form); the row types
//! they fill are shared by both backends (`crate::rows::catalog`).

pub(super) use crate::rows::catalog::{ItemRow, SkuOwnerRow, VariantRow};

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
