//! The catalog in SQLite.
//!
//! Batches are written with one statement per table whatever their size: the rows travel as one JSON array
//! bound to the statement and are unpacked by SQLite's `json_each`, so a 10,000-variant import is a handful of
//! statements in one transaction rather than tens of thousands of round trips. What changed is decided in
//! memory first, against the stored rows read in one query per table, so unchanged rows are never written
//! and keep their `updated_at`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{SqliteStore, now};
use crate::catalog::{
    Bundle, BundleComponent, BundleInput, CatalogStore, FilterField, FilterOp, InventoryState, Item, ItemInput,
    ItemQuery, ItemStatus, ItemsUpsert, MarkOutcome, Price, PriceInput, PriceList, PriceListInput, PricesUpsert,
    ProductLink, SkippedRecord, SkippedRecordInput, SkuOwner, StockInput, StockLevel, StockUpsert, UpsertCounts,
    Variant, VariantLink, Warehouse, WeightUnit,
};
use crate::{Result, StoreError};

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn upsert_items(&self, items: &[ItemInput]) -> Result<ItemsUpsert> {
        let mut tx = self.write().await?;
        let plan = plan_items(&mut tx, items).await?;
        write_items(&mut tx, &plan).await?;
        tx.commit().await?;
        Ok(plan.summary)
    }

    async fn plan_items(&self, items: &[ItemInput]) -> Result<ItemsUpsert> {
        let mut tx = self.pool.begin().await?;
        Ok(plan_items(&mut tx, items).await?.summary)
    }

    async fn item(&self, number: &str) -> Result<Option<Item>> {
        let query = ItemQuery { numbers: vec![number.to_string()], ..Default::default() };
        Ok(self.items(&query).await?.into_iter().next())
    }

    async fn items(&self, query: &ItemQuery) -> Result<Vec<Item>> {
        let (conditions, binds) = item_conditions(query, true);
        let limit = query.limit.map(|limit| format!(" LIMIT {limit}")).unwrap_or_default();
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items i WHERE {conditions} ORDER BY i.number{limit}");
        let mut select = sqlx::query_as::<_, ItemRow>(AssertSqlSafe(sql));
        for bind in &binds {
            select = select.bind(bind);
        }
        let mut conn = self.pool.acquire().await?;
        let rows = select.fetch_all(&mut *conn).await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let mut variants = variants_of(&mut conn, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let own = variants.remove(&row.id).unwrap_or_default();
                row.into_item(own)
            })
            .collect()
    }

    async fn count_items(&self, query: &ItemQuery) -> Result<u64> {
        let (conditions, binds) = item_conditions(query, false);
        let mut count =
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT count(*) FROM items i WHERE {conditions}")));
        for bind in &binds {
            count = count.bind(bind);
        }
        Ok(count.fetch_one(&self.pool).await? as u64)
    }

    async fn missing_item_numbers(&self, numbers: &[String]) -> Result<Vec<String>> {
        let found: HashSet<String> =
            sqlx::query_scalar("SELECT number FROM items WHERE number IN (SELECT value FROM json_each(?))")
                .bind(json_array(numbers))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
        let mut missing: Vec<String> = numbers.iter().filter(|n| !found.contains(*n)).cloned().collect();
        missing.dedup();
        Ok(missing)
    }

    async fn set_marked(&self, query: &ItemQuery, marked: bool) -> Result<MarkOutcome> {
        let (conditions, binds) = item_conditions(query, false);
        let mut tx = self.write().await?;
        let mut count =
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT count(*) FROM items i WHERE {conditions}")));
        for bind in &binds {
            count = count.bind(bind);
        }
        let matched = count.fetch_one(&mut *tx).await? as u64;
        let sql = format!(
            "UPDATE items AS i SET marked_for_sync = {} WHERE marked_for_sync <> {} AND {conditions}",
            i64::from(marked),
            i64::from(marked)
        );
        let mut update = sqlx::query(AssertSqlSafe(sql));
        for bind in &binds {
            update = update.bind(bind);
        }
        let changed = update.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(MarkOutcome { matched, changed })
    }

    async fn variants_by_skus(&self, skus: &[String]) -> Result<Vec<SkuOwner>> {
        let mut conn = self.pool.acquire().await?;
        sku_owners(&mut conn, skus).await
    }

    async fn variant_by_sku(&self, sku: &str) -> Result<Option<SkuOwner>> {
        Ok(self.variants_by_skus(&[sku.to_string()]).await?.into_iter().next())
    }

    async fn price_lists(&self) -> Result<Vec<PriceList>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {PRICE_LIST_COLUMNS} FROM price_lists ORDER BY code")))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn price_list(&self, code: &str) -> Result<Option<PriceList>> {
        let mut conn = self.pool.acquire().await?;
        price_list(&mut conn, code).await
    }

    async fn upsert_prices(&self, list: &PriceListInput, prices: &[PriceInput]) -> Result<PricesUpsert> {
        let mut tx = self.write().await?;
        let plan = plan_prices(&mut tx, list, prices).await?;
        let now = now();
        let list_id = match &plan.list {
            Some(existing) => {
                if let Some(name) = list.name.as_deref().filter(|name| *name != existing.name) {
                    sqlx::query("UPDATE price_lists SET name = ?, updated_at = ? WHERE id = ?")
                        .bind(name)
                        .bind(&now)
                        .bind(existing.id)
                        .execute(&mut *tx)
                        .await?;
                }
                existing.id
            }
            None => {
                // plan_prices made sure a currency is there.
                sqlx::query_scalar(
                    "INSERT INTO price_lists (code, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
                     RETURNING id",
                )
                .bind(&list.code)
                .bind(list.name.as_deref().unwrap_or(&list.code))
                .bind(list.currency.as_deref().unwrap_or_default())
                .bind(&now)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        if !plan.writes.is_empty() {
            let rows: Vec<Value> = plan
                .writes
                .iter()
                .map(|p| json!({"sku": p.sku, "price": p.price, "compare_at_price": p.compare_at_price}))
                .collect();
            sqlx::query(
                "INSERT INTO prices (price_list_id, sku, price, compare_at_price, updated_at) \
                 SELECT ?1, value ->> 'sku', value ->> 'price', value ->> 'compare_at_price', ?2 FROM json_each(?3) \
                 WHERE true ON CONFLICT (price_list_id, sku) DO UPDATE SET price = excluded.price, \
                 compare_at_price = excluded.compare_at_price, updated_at = excluded.updated_at",
            )
            .bind(list_id)
            .bind(&now)
            .bind(Value::Array(rows).to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(plan.summary)
    }

    async fn plan_prices(&self, list: &PriceListInput, prices: &[PriceInput]) -> Result<PricesUpsert> {
        let mut tx = self.pool.begin().await?;
        Ok(plan_prices(&mut tx, list, prices).await?.summary)
    }

    async fn prices(&self, price_list: &str, skus: &[String]) -> Result<Vec<Price>> {
        Ok(sqlx::query_as(
            "SELECT l.code AS price_list, p.sku, p.price, p.compare_at_price, p.updated_at \
             FROM prices p JOIN price_lists l ON l.id = p.price_list_id \
             WHERE l.code = ?1 AND (json_array_length(?2) = 0 OR p.sku IN (SELECT value FROM json_each(?2))) \
             ORDER BY p.sku",
        )
        .bind(price_list)
        .bind(json_array(skus))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn prices_of_skus(&self, skus: &[String]) -> Result<Vec<Price>> {
        Ok(sqlx::query_as(
            "SELECT l.code AS price_list, p.sku, p.price, p.compare_at_price, p.updated_at \
             FROM prices p JOIN price_lists l ON l.id = p.price_list_id \
             WHERE p.sku IN (SELECT value FROM json_each(?)) ORDER BY l.code, p.sku",
        )
        .bind(json_array(skus))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn warehouses(&self) -> Result<Vec<Warehouse>> {
        Ok(sqlx::query_as("SELECT id, code, name, created_at, updated_at FROM warehouses ORDER BY code")
            .fetch_all(&self.pool)
            .await?)
    }

    async fn save_warehouse(&self, code: &str, name: &str) -> Result<Warehouse> {
        let now = now();
        Ok(sqlx::query_as(
            "INSERT INTO warehouses (code, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at \
             RETURNING id, code, name, created_at, updated_at",
        )
        .bind(code)
        .bind(name)
        .bind(&now)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn upsert_stock(&self, levels: &[StockInput]) -> Result<StockUpsert> {
        let mut tx = self.write().await?;
        let plan = plan_stock(&mut tx, levels).await?;
        let now = now();
        if !plan.summary.warehouses_created.is_empty() {
            sqlx::query(
                "INSERT INTO warehouses (code, name, created_at, updated_at) \
                 SELECT value, value, ?1, ?1 FROM json_each(?2)",
            )
            .bind(&now)
            .bind(json_array(&plan.summary.warehouses_created))
            .execute(&mut *tx)
            .await?;
        }
        if !plan.writes.is_empty() {
            let rows: Vec<Value> = plan
                .writes
                .iter()
                .map(|s| json!({"warehouse": s.warehouse, "sku": s.sku, "quantity": s.quantity}))
                .collect();
            sqlx::query(
                "INSERT INTO stock (warehouse_id, sku, quantity, updated_at) \
                 SELECT w.id, j.value ->> 'sku', j.value ->> 'quantity', ?1 \
                 FROM json_each(?2) j JOIN warehouses w ON w.code = j.value ->> 'warehouse' \
                 WHERE true ON CONFLICT (warehouse_id, sku) DO UPDATE SET quantity = excluded.quantity, \
                 updated_at = excluded.updated_at",
            )
            .bind(&now)
            .bind(Value::Array(rows).to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(plan.summary)
    }

    async fn plan_stock(&self, levels: &[StockInput]) -> Result<StockUpsert> {
        let mut tx = self.pool.begin().await?;
        Ok(plan_stock(&mut tx, levels).await?.summary)
    }

    async fn stock(&self, warehouse: &str, skus: &[String]) -> Result<Vec<StockLevel>> {
        Ok(sqlx::query_as(
            "SELECT w.code AS warehouse, s.sku, s.quantity, s.updated_at \
             FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
             WHERE w.code = ?1 AND (json_array_length(?2) = 0 OR s.sku IN (SELECT value FROM json_each(?2))) \
             ORDER BY s.sku",
        )
        .bind(warehouse)
        .bind(json_array(skus))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn stock_of_skus(&self, skus: &[String]) -> Result<Vec<StockLevel>> {
        Ok(sqlx::query_as(
            "SELECT w.code AS warehouse, s.sku, s.quantity, s.updated_at \
             FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
             WHERE s.sku IN (SELECT value FROM json_each(?)) ORDER BY w.code, s.sku",
        )
        .bind(json_array(skus))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn upsert_bundles(&self, bundles: &[BundleInput]) -> Result<UpsertCounts> {
        let mut tx = self.write().await?;
        let plan = plan_bundles(&mut tx, bundles).await?;
        if !plan.writes.is_empty() {
            let skus: Vec<String> = plan.writes.iter().map(|b| b.bundle_sku.clone()).collect();
            sqlx::query("DELETE FROM bundle_components WHERE bundle_sku IN (SELECT value FROM json_each(?))")
                .bind(json_array(&skus))
                .execute(&mut *tx)
                .await?;
            let rows: Vec<Value> = plan
                .writes
                .iter()
                .flat_map(|b| {
                    b.components.iter().map(|c| json!({"bundle": b.bundle_sku, "sku": c.sku, "quantity": c.quantity}))
                })
                .collect();
            sqlx::query(
                "INSERT INTO bundle_components (bundle_sku, component_sku, quantity) \
                 SELECT value ->> 'bundle', value ->> 'sku', value ->> 'quantity' FROM json_each(?)",
            )
            .bind(Value::Array(rows).to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(plan.summary)
    }

    async fn plan_bundles(&self, bundles: &[BundleInput]) -> Result<UpsertCounts> {
        let mut tx = self.pool.begin().await?;
        Ok(plan_bundles(&mut tx, bundles).await?.summary)
    }

    async fn bundle_components(&self, bundle_sku: &str) -> Result<Vec<BundleComponent>> {
        Ok(sqlx::query_as(
            "SELECT component_sku AS sku, quantity FROM bundle_components WHERE bundle_sku = ? ORDER BY component_sku",
        )
        .bind(bundle_sku)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn bundles(&self) -> Result<Vec<Bundle>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT bundle_sku, component_sku, quantity FROM bundle_components ORDER BY bundle_sku, component_sku",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut bundles: Vec<Bundle> = Vec::new();
        for (bundle_sku, sku, quantity) in rows {
            match bundles.last_mut() {
                Some(last) if last.bundle_sku == bundle_sku => last.components.push(BundleComponent { sku, quantity }),
                _ => bundles.push(Bundle { bundle_sku, components: vec![BundleComponent { sku, quantity }] }),
            }
        }
        Ok(bundles)
    }

    async fn product_links(&self, shop_id: i64) -> Result<Vec<ProductLink>> {
        Ok(sqlx::query_as(
            "SELECT item_id, shopify_product_id, last_hash, synced_at FROM product_links WHERE shop_id = ? \
             ORDER BY item_id",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn product_link(&self, shop_id: i64, item_id: i64) -> Result<Option<ProductLink>> {
        Ok(sqlx::query_as(
            "SELECT item_id, shopify_product_id, last_hash, synced_at FROM product_links \
             WHERE shop_id = ? AND item_id = ?",
        )
        .bind(shop_id)
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_product_links(&self, shop_id: i64, links: &[ProductLink]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        let rows: Vec<Value> = links
            .iter()
            .map(|l| {
                json!({"item_id": l.item_id, "product": l.shopify_product_id, "hash": l.last_hash, "at": l.synced_at})
            })
            .collect();
        let rows = Value::Array(rows).to_string();
        let mut tx = self.write().await?;
        // A Shopify product linked to another item before is moved, not duplicated.
        sqlx::query(
            // Driven from the batch (CROSS JOIN keeps it the outer loop) so each row is one index probe, not a
            // scan of every link per row.
            "DELETE FROM product_links WHERE rowid IN (SELECT l.rowid FROM json_each(?2) AS j \
             CROSS JOIN product_links AS l WHERE l.shop_id = ?1 AND l.shopify_product_id = j.value ->> 'product' \
             AND l.item_id <> j.value ->> 'item_id')",
        )
        .bind(shop_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO product_links (shop_id, item_id, shopify_product_id, last_hash, synced_at) \
             SELECT ?1, value ->> 'item_id', value ->> 'product', value ->> 'hash', value ->> 'at' \
             FROM json_each(?2) WHERE true ON CONFLICT (shop_id, item_id) DO UPDATE SET \
             shopify_product_id = excluded.shopify_product_id, last_hash = excluded.last_hash, \
             synced_at = excluded.synced_at",
        )
        .bind(shop_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await
        .map_err(|e| link_conflict(e, "product"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_product_link(&self, shop_id: i64, item_id: i64) -> Result<bool> {
        let mut tx = self.write().await?;
        sqlx::query(
            "DELETE FROM variant_links WHERE shop_id = ? \
             AND variant_id IN (SELECT id FROM item_variants WHERE item_id = ?)",
        )
        .bind(shop_id)
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM product_links WHERE shop_id = ? AND item_id = ?")
            .bind(shop_id)
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn variant_links(&self, shop_id: i64) -> Result<Vec<VariantLink>> {
        Ok(sqlx::query_as(
            "SELECT variant_id, shopify_variant_id, shopify_product_id, shopify_inventory_item_id, last_price, \
             last_compare_at_price, linked_at FROM variant_links WHERE shop_id = ? ORDER BY variant_id",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_variant_links(&self, shop_id: i64, links: &[VariantLink]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        let rows: Vec<Value> = links
            .iter()
            .map(|l| {
                json!({
                    "variant_id": l.variant_id,
                    "variant": l.shopify_variant_id,
                    "product": l.shopify_product_id,
                    "inventory_item": l.shopify_inventory_item_id,
                    "price": l.last_price,
                    "compare_at": l.last_compare_at_price,
                    "at": l.linked_at,
                })
            })
            .collect();
        let rows = Value::Array(rows).to_string();
        let mut tx = self.write().await?;
        sqlx::query(
            // Driven from the batch, as for product links: one index probe per row.
            "DELETE FROM variant_links WHERE rowid IN (SELECT l.rowid FROM json_each(?2) AS j \
             CROSS JOIN variant_links AS l WHERE l.shop_id = ?1 AND l.shopify_variant_id = j.value ->> 'variant' \
             AND l.variant_id <> j.value ->> 'variant_id')",
        )
        .bind(shop_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO variant_links (shop_id, variant_id, shopify_variant_id, shopify_product_id, \
             shopify_inventory_item_id, last_price, last_compare_at_price, linked_at) \
             SELECT ?1, value ->> 'variant_id', value ->> 'variant', value ->> 'product', value ->> 'inventory_item', \
             value ->> 'price', value ->> 'compare_at', value ->> 'at' FROM json_each(?2) \
             WHERE true ON CONFLICT (shop_id, variant_id) DO UPDATE SET \
             shopify_variant_id = excluded.shopify_variant_id, shopify_product_id = excluded.shopify_product_id, \
             shopify_inventory_item_id = excluded.shopify_inventory_item_id, last_price = excluded.last_price, \
             last_compare_at_price = excluded.last_compare_at_price, linked_at = excluded.linked_at",
        )
        .bind(shop_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await
        .map_err(|e| link_conflict(e, "variant"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_variant_links(&self, shop_id: i64, variant_ids: &[i64]) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM variant_links WHERE shop_id = ? AND variant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(shop_id)
        .bind(json!(variant_ids).to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn inventory_states(&self, shop_id: i64, location_id: Option<&str>) -> Result<Vec<InventoryState>> {
        Ok(sqlx::query_as(
            "SELECT sku, location_id, quantity, synced_at FROM inventory_sync_state \
             WHERE shop_id = ?1 AND (?2 IS NULL OR location_id = ?2) ORDER BY location_id, sku",
        )
        .bind(shop_id)
        .bind(location_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_inventory_states(&self, shop_id: i64, states: &[InventoryState]) -> Result<()> {
        if states.is_empty() {
            return Ok(());
        }
        let rows: Vec<Value> = states
            .iter()
            .map(|s| json!({"sku": s.sku, "location": s.location_id, "quantity": s.quantity, "at": s.synced_at}))
            .collect();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO inventory_sync_state (shop_id, sku, location_id, quantity, synced_at) \
             SELECT ?1, value ->> 'sku', value ->> 'location', value ->> 'quantity', value ->> 'at' \
             FROM json_each(?2) WHERE true ON CONFLICT (shop_id, sku, location_id) DO UPDATE SET \
             quantity = excluded.quantity, synced_at = excluded.synced_at",
        )
        .bind(shop_id)
        .bind(Value::Array(rows).to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_skipped(&self, shop_id: i64, errors: &[SkippedRecordInput]) -> Result<()> {
        if errors.is_empty() {
            return Ok(());
        }
        let rows: Vec<Value> = errors
            .iter()
            .map(|e| {
                json!({"object": e.object, "key": e.object_key, "field": e.field, "code": e.code, "message": e.message})
            })
            .collect();
        let rows = Value::Array(rows).to_string();
        let mut tx = self.write().await?;
        sqlx::query(
            // Driven from the batch: one probe of the (shop, object, key) index per row.
            "DELETE FROM sync_errors WHERE rowid IN (SELECT e.rowid FROM json_each(?2) AS j \
             CROSS JOIN sync_errors AS e WHERE e.shop_id = ?1 AND e.object = j.value ->> 'object' \
             AND e.object_key = j.value ->> 'key')",
        )
        .bind(shop_id)
        .bind(&rows)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sync_errors (shop_id, object, object_key, field, code, message, created_at) \
             SELECT ?1, value ->> 'object', value ->> 'key', value ->> 'field', value ->> 'code', \
             value ->> 'message', ?3 FROM json_each(?2)",
        )
        .bind(shop_id)
        .bind(&rows)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn skipped_records(&self, shop_id: i64, object: Option<&str>) -> Result<Vec<SkippedRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, object, object_key, field, code, message, created_at FROM sync_errors \
             WHERE shop_id = ?1 AND (?2 IS NULL OR object = ?2) ORDER BY id DESC",
        )
        .bind(shop_id)
        .bind(object)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn clear_skipped(&self, shop_id: i64, object: &str, keys: &[String]) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM sync_errors WHERE shop_id = ? AND object = ? \
             AND object_key IN (SELECT value FROM json_each(?))",
        )
        .bind(shop_id)
        .bind(object)
        .bind(json_array(keys))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

const ITEM_COLUMNS: &str = "i.id, i.number, i.name, i.description, i.status, i.item_group, i.vendor, \
                            i.product_type, i.inventory_tracked, i.weight, i.weight_unit, i.option1_name, \
                            i.option2_name, i.option3_name, i.images, i.tags, i.marked_for_sync, i.created_at, \
                            i.updated_at";

const VARIANT_COLUMNS: &str = "v.id, v.item_id, v.code, v.sku, v.barcode, v.option1, v.option2, v.option3, \
                               v.position, v.created_at, v.updated_at";

const PRICE_LIST_COLUMNS: &str = "id, code, name, currency, created_at, updated_at";

/// A stored item as SQLite returns it: options in three columns, lists as JSON text.
#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    number: String,
    name: String,
    description: String,
    status: ItemStatus,
    item_group: Option<String>,
    vendor: Option<String>,
    product_type: Option<String>,
    inventory_tracked: bool,
    weight: Option<String>,
    weight_unit: Option<WeightUnit>,
    option1_name: Option<String>,
    option2_name: Option<String>,
    option3_name: Option<String>,
    images: String,
    tags: String,
    marked_for_sync: bool,
    created_at: String,
    updated_at: String,
}

impl ItemRow {
    fn into_item(self, variants: Vec<Variant>) -> Result<Item> {
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
struct VariantRow {
    id: i64,
    item_id: i64,
    code: String,
    sku: String,
    barcode: Option<String>,
    option1: Option<String>,
    option2: Option<String>,
    option3: Option<String>,
    position: i64,
    created_at: String,
    updated_at: String,
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
struct SkuOwnerRow {
    item_number: String,
    item_name: String,
    item_status: ItemStatus,
    inventory_tracked: bool,
    #[sqlx(flatten)]
    variant: VariantRow,
}

/// A list of texts as the JSON array `json_each` unpacks.
fn json_array(values: &[String]) -> String {
    json!(values).to_string()
}

/// The variants of these items, by item id, each list by position.
async fn variants_of(conn: &mut SqliteConnection, item_ids: &[i64]) -> Result<HashMap<i64, Vec<Variant>>> {
    let mut by_item: HashMap<i64, Vec<Variant>> = HashMap::new();
    if item_ids.is_empty() {
        return Ok(by_item);
    }
    let rows: Vec<VariantRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VARIANT_COLUMNS} FROM item_variants v WHERE v.item_id IN (SELECT value FROM json_each(?)) \
         ORDER BY v.item_id, v.position, v.id"
    )))
    .bind(json!(item_ids).to_string())
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        by_item.entry(row.item_id).or_default().push(row.into());
    }
    Ok(by_item)
}

async fn sku_owners(conn: &mut SqliteConnection, skus: &[String]) -> Result<Vec<SkuOwner>> {
    let rows: Vec<SkuOwnerRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT i.number AS item_number, i.name AS item_name, i.status AS item_status, i.inventory_tracked, \
         {VARIANT_COLUMNS} FROM item_variants v JOIN items i ON i.id = v.item_id \
         WHERE v.sku IN (SELECT value FROM json_each(?)) ORDER BY v.sku"
    )))
    .bind(json_array(skus))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SkuOwner {
            item_number: row.item_number,
            item_name: row.item_name,
            item_status: row.item_status,
            inventory_tracked: row.inventory_tracked,
            variant: row.variant.into(),
        })
        .collect())
}

/// The SQL condition (on `items i`) and its bound values for a query; paging left out when `with_paging` is off.
fn item_conditions(query: &ItemQuery, with_paging: bool) -> (String, Vec<String>) {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut binds = Vec::new();
    if !query.numbers.is_empty() {
        conditions.push("i.number IN (SELECT value FROM json_each(?))".into());
        binds.push(json_array(&query.numbers));
    }
    if let Some(from) = &query.from {
        conditions.push("i.number >= ?".into());
        binds.push(from.clone());
    }
    if let Some(to) = &query.to {
        conditions.push("i.number <= ?".into());
        binds.push(to.clone());
    }
    if let Some(group) = &query.group {
        conditions.push("lower(i.item_group) = lower(?)".into());
        binds.push(group.clone());
    }
    if let Some(marked) = query.marked {
        conditions.push(format!("i.marked_for_sync = {}", i64::from(marked)));
    }
    if let Some(since) = &query.changed_since {
        conditions.push("i.updated_at > ?".into());
        binds.push(since.clone());
    }
    if with_paging && let Some(after) = &query.after {
        conditions.push("i.number > ?".into());
        binds.push(after.clone());
    }
    for condition in &query.filter.conditions {
        let compare = |expr: &str| match condition.op {
            FilterOp::Equals => format!("lower(coalesce({expr}, '')) = lower(?)"),
            FilterOp::Contains => format!("instr(lower(coalesce({expr}, '')), lower(?)) > 0"),
        };
        let sql = match condition.field {
            FilterField::Number => compare("i.number"),
            FilterField::Name => compare("i.name"),
            FilterField::Description => compare("i.description"),
            FilterField::Status => compare("i.status"),
            FilterField::Group => compare("i.item_group"),
            FilterField::Vendor => compare("i.vendor"),
            FilterField::ProductType => compare("i.product_type"),
            FilterField::Tag => format!("EXISTS (SELECT 1 FROM json_each(i.tags) t WHERE {})", compare("t.value")),
            FilterField::Sku => {
                format!("EXISTS (SELECT 1 FROM item_variants v WHERE v.item_id = i.id AND {})", compare("v.sku"))
            }
            FilterField::Barcode => {
                format!("EXISTS (SELECT 1 FROM item_variants v WHERE v.item_id = i.id AND {})", compare("v.barcode"))
            }
        };
        conditions.push(sql);
        binds.push(condition.value.clone());
    }
    (conditions.join(" AND "), binds)
}

/// What writing a batch of items takes, decided against the stored rows.
struct ItemsPlan {
    summary: ItemsUpsert,
    /// New and changed items, as the JSON rows the upsert statement reads.
    items: Vec<Value>,
    /// New and changed variants, keyed by their item's number (ids of new items are known only once written).
    variants: Vec<(String, Value)>,
    removed_variant_ids: Vec<i64>,
    /// Kept variants whose SKU changes: their SKU is set aside first so SKUs can move between variants.
    moving_variant_ids: Vec<i64>,
}

async fn plan_items(conn: &mut SqliteConnection, items: &[ItemInput]) -> Result<ItemsPlan> {
    check_batch_keys(items)?;
    let numbers: Vec<String> = items.iter().map(|item| item.number.clone()).collect();
    let rows: Vec<ItemRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM items i WHERE i.number IN (SELECT value FROM json_each(?))"
    )))
    .bind(json_array(&numbers))
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut variants = variants_of(conn, &ids).await?;
    let mut stored: HashMap<String, Item> = HashMap::with_capacity(rows.len());
    for row in rows {
        let own = variants.remove(&row.id).unwrap_or_default();
        let item = row.into_item(own)?;
        stored.insert(item.number.clone(), item);
    }

    // A SKU may move between items of the batch, but not take one from an item outside it.
    let skus: Vec<String> = items.iter().flat_map(|item| item.variants.iter().map(|v| v.sku.clone())).collect();
    // Only the conflicts come back (normally none), not every SKU's owner.
    let taken: Option<(String, String)> = sqlx::query_as(
        "SELECT v.sku, i.number FROM item_variants v JOIN items i ON i.id = v.item_id \
         WHERE v.sku IN (SELECT value FROM json_each(?1)) AND i.number NOT IN (SELECT value FROM json_each(?2)) \
         ORDER BY v.sku LIMIT 1",
    )
    .bind(json_array(&skus))
    .bind(json_array(&numbers))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((sku, owner)) = taken {
        return Err(StoreError::Conflict(format!(
            "SKU {sku} belongs to item {owner}; a SKU can be on one variant only"
        )));
    }

    let now = now();
    let mut plan = ItemsPlan {
        summary: ItemsUpsert::default(),
        items: Vec::new(),
        variants: Vec::new(),
        removed_variant_ids: Vec::new(),
        moving_variant_ids: Vec::new(),
    };
    for input in items {
        let existing = stored.get(&input.number);
        let stored_variants: HashMap<&str, &Variant> =
            existing.map(|item| item.variants.iter().map(|v| (v.code.as_str(), v)).collect()).unwrap_or_default();
        let mut variants_changed = false;
        for variant in &input.variants {
            match stored_variants.get(variant.code.as_str()) {
                None => {
                    plan.summary.variants.created += 1;
                    variants_changed = true;
                }
                Some(old) if variant_differs(old, variant) => {
                    plan.summary.variants.updated += 1;
                    variants_changed = true;
                    if old.sku != variant.sku {
                        plan.moving_variant_ids.push(old.id);
                    }
                }
                Some(_) => {
                    plan.summary.variants.unchanged += 1;
                    continue;
                }
            }
            plan.variants.push((input.number.clone(), variant_row(variant, &now)));
        }
        let kept: HashSet<&str> = input.variants.iter().map(|v| v.code.as_str()).collect();
        if let Some(item) = existing {
            for old in item.variants.iter().filter(|v| !kept.contains(v.code.as_str())) {
                plan.removed_variant_ids.push(old.id);
                plan.summary.variants_removed += 1;
                variants_changed = true;
            }
        }
        let (created_at, updated_at, marked) = match existing {
            None => {
                plan.summary.items.created += 1;
                (now.clone(), now.clone(), input.marked.unwrap_or(false))
            }
            Some(item) => {
                let content_changed = variants_changed || item_differs(item, input);
                let marked = input.marked.unwrap_or(item.marked);
                if !content_changed && marked == item.marked {
                    plan.summary.items.unchanged += 1;
                    continue;
                }
                plan.summary.items.updated += 1;
                // Marking is not content: it alone leaves updated_at where it was.
                let updated_at = if content_changed { now.clone() } else { item.updated_at.clone() };
                (item.created_at.clone(), updated_at, marked)
            }
        };
        plan.items.push(item_row(input, marked, &created_at, &updated_at)?);
    }
    Ok(plan)
}

async fn write_items(conn: &mut SqliteConnection, plan: &ItemsPlan) -> Result<()> {
    if !plan.removed_variant_ids.is_empty() {
        sqlx::query("DELETE FROM item_variants WHERE id IN (SELECT value FROM json_each(?))")
            .bind(json!(plan.removed_variant_ids).to_string())
            .execute(&mut *conn)
            .await?;
    }
    if !plan.moving_variant_ids.is_empty() {
        // A placeholder no SKU can equal (it holds a control character), unique per variant.
        sqlx::query(
            "UPDATE item_variants SET sku = char(1) || 'moving-' || id WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(plan.moving_variant_ids).to_string())
        .execute(&mut *conn)
        .await?;
    }
    if plan.items.is_empty() {
        return Ok(());
    }
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO items (number, name, description, status, item_group, vendor, product_type, inventory_tracked, \
         weight, weight_unit, option1_name, option2_name, option3_name, images, tags, marked_for_sync, created_at, \
         updated_at) \
         SELECT value ->> 'number', value ->> 'name', value ->> 'description', value ->> 'status', \
         value ->> 'item_group', value ->> 'vendor', value ->> 'product_type', value ->> 'inventory_tracked', \
         value ->> 'weight', value ->> 'weight_unit', value ->> 'option1_name', value ->> 'option2_name', \
         value ->> 'option3_name', value ->> 'images', value ->> 'tags', value ->> 'marked', value ->> 'created_at', \
         value ->> 'updated_at' FROM json_each(?) WHERE true \
         ON CONFLICT (number) DO UPDATE SET name = excluded.name, description = excluded.description, \
         status = excluded.status, item_group = excluded.item_group, vendor = excluded.vendor, \
         product_type = excluded.product_type, inventory_tracked = excluded.inventory_tracked, \
         weight = excluded.weight, weight_unit = excluded.weight_unit, option1_name = excluded.option1_name, \
         option2_name = excluded.option2_name, option3_name = excluded.option3_name, images = excluded.images, \
         tags = excluded.tags, marked_for_sync = excluded.marked_for_sync, updated_at = excluded.updated_at \
         RETURNING id, number",
    )
    .bind(Value::Array(plan.items.clone()).to_string())
    .fetch_all(&mut *conn)
    .await?;
    if plan.variants.is_empty() {
        return Ok(());
    }
    let id_of: HashMap<String, i64> = ids.into_iter().map(|(id, number)| (number, id)).collect();
    let mut rows = Vec::with_capacity(plan.variants.len());
    for (number, row) in &plan.variants {
        let item_id = id_of.get(number).ok_or_else(|| {
            StoreError::Corrupt(format!("item {number} was written but the database did not return its id"))
        })?;
        let mut row = row.clone();
        row["item_id"] = json!(item_id);
        rows.push(row);
    }
    sqlx::query(
        "INSERT INTO item_variants (item_id, code, sku, barcode, option1, option2, option3, position, created_at, \
         updated_at) \
         SELECT value ->> 'item_id', value ->> 'code', value ->> 'sku', value ->> 'barcode', value ->> 'option1', \
         value ->> 'option2', value ->> 'option3', value ->> 'position', value ->> 'at', value ->> 'at' \
         FROM json_each(?) WHERE true \
         ON CONFLICT (item_id, code) DO UPDATE SET sku = excluded.sku, barcode = excluded.barcode, \
         option1 = excluded.option1, option2 = excluded.option2, option3 = excluded.option3, \
         position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("two variants would share a SKU ({db})"))
        }
        other => other.into(),
    })?;
    Ok(())
}

/// Refuses a batch where two items share a number, two variants share a SKU, or an item repeats a code.
fn check_batch_keys(items: &[ItemInput]) -> Result<()> {
    let mut numbers = HashSet::new();
    let mut skus = HashMap::new();
    for item in items {
        if !numbers.insert(item.number.as_str()) {
            return Err(StoreError::Conflict(format!("item {} is given twice in one batch", item.number)));
        }
        if item.option_names.len() > 3 {
            return Err(StoreError::Conflict(format!("item {} has more than three options", item.number)));
        }
        let mut codes = HashSet::new();
        for variant in &item.variants {
            if let Some(other) = skus.insert(variant.sku.as_str(), item.number.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "SKU {} is given for items {other} and {} in one batch",
                    variant.sku, item.number
                )));
            }
            if !codes.insert(variant.code.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "item {} has two variants with code {}",
                    item.number, variant.code
                )));
            }
        }
    }
    Ok(())
}

fn item_differs(stored: &Item, input: &ItemInput) -> bool {
    stored.name != input.name
        || stored.description != input.description
        || stored.status != input.status
        || stored.item_group != input.item_group
        || stored.vendor != input.vendor
        || stored.product_type != input.product_type
        || stored.inventory_tracked != input.inventory_tracked
        || stored.weight != input.weight
        || stored.weight_unit != input.weight_unit
        || stored.option_names != input.option_names
        || stored.images != input.images
        || stored.tags != input.tags
}

fn variant_differs(stored: &Variant, input: &crate::catalog::VariantInput) -> bool {
    stored.sku != input.sku
        || stored.barcode != input.barcode
        || stored.option_values != input.option_values
        || stored.position != input.position
}

fn item_row(input: &ItemInput, marked: bool, created_at: &str, updated_at: &str) -> Result<Value> {
    let option = |n: usize| input.option_names.get(n).cloned();
    Ok(json!({
        "number": input.number,
        "name": input.name,
        "description": input.description,
        "status": input.status.as_str(),
        "item_group": input.item_group,
        "vendor": input.vendor,
        "product_type": input.product_type,
        "inventory_tracked": i64::from(input.inventory_tracked),
        "weight": input.weight,
        "weight_unit": input.weight_unit.map(WeightUnit::as_str),
        "option1_name": option(0),
        "option2_name": option(1),
        "option3_name": option(2),
        "images": serde_json::to_string(&input.images)?,
        "tags": serde_json::to_string(&input.tags)?,
        "marked": i64::from(marked),
        "created_at": created_at,
        "updated_at": updated_at,
    }))
}

fn variant_row(input: &crate::catalog::VariantInput, now: &str) -> Value {
    let option = |n: usize| input.option_values.get(n).cloned();
    json!({
        "code": input.code,
        "sku": input.sku,
        "barcode": input.barcode,
        "option1": option(0),
        "option2": option(1),
        "option3": option(2),
        "position": input.position,
        "at": now,
    })
}

async fn price_list(conn: &mut SqliteConnection, code: &str) -> Result<Option<PriceList>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {PRICE_LIST_COLUMNS} FROM price_lists WHERE code = ?")))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?)
}

struct PricesPlan<'a> {
    summary: PricesUpsert,
    list: Option<PriceList>,
    writes: Vec<&'a PriceInput>,
}

async fn plan_prices<'a>(
    conn: &mut SqliteConnection,
    list_input: &PriceListInput,
    prices: &'a [PriceInput],
) -> Result<PricesPlan<'a>> {
    let list = price_list(conn, &list_input.code).await?;
    match (&list, list_input.currency.as_deref()) {
        (None, None) => {
            return Err(StoreError::Conflict(format!(
                "price list {} does not exist; give its currency to create it",
                list_input.code
            )));
        }
        (Some(list), Some(currency)) if !list.currency.eq_ignore_ascii_case(currency) => {
            return Err(StoreError::Conflict(format!(
                "price list {} is in {}, not {currency}; use another price list for {currency} prices",
                list.code, list.currency
            )));
        }
        _ => {}
    }
    let mut seen = HashSet::new();
    if let Some(dup) = prices.iter().find(|p| !seen.insert(p.sku.as_str())) {
        return Err(StoreError::Conflict(format!("SKU {} has two prices in one batch", dup.sku)));
    }
    let mut stored: HashMap<String, (String, Option<String>)> = HashMap::new();
    if let Some(list) = &list {
        let skus: Vec<String> = prices.iter().map(|p| p.sku.clone()).collect();
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT sku, price, compare_at_price FROM prices \
             WHERE price_list_id = ? AND sku IN (SELECT value FROM json_each(?))",
        )
        .bind(list.id)
        .bind(json_array(&skus))
        .fetch_all(&mut *conn)
        .await?;
        stored = rows.into_iter().map(|(sku, price, compare)| (sku, (price, compare))).collect();
    }
    let mut plan = PricesPlan {
        summary: PricesUpsert { price_list_created: list.is_none(), ..Default::default() },
        list,
        writes: Vec::new(),
    };
    for price in prices {
        match stored.get(&price.sku) {
            None => plan.summary.prices.created += 1,
            Some((p, c)) if *p == price.price && *c == price.compare_at_price => {
                plan.summary.prices.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.prices.updated += 1,
        }
        plan.writes.push(price);
    }
    Ok(plan)
}

struct StockPlan<'a> {
    summary: StockUpsert,
    writes: Vec<&'a StockInput>,
}

async fn plan_stock<'a>(conn: &mut SqliteConnection, levels: &'a [StockInput]) -> Result<StockPlan<'a>> {
    let mut seen = HashSet::new();
    if let Some(dup) = levels.iter().find(|s| !seen.insert((s.warehouse.as_str(), s.sku.as_str()))) {
        return Err(StoreError::Conflict(format!(
            "SKU {} has two quantities for warehouse {} in one batch",
            dup.sku, dup.warehouse
        )));
    }
    let mut codes: Vec<String> = Vec::new();
    for level in levels {
        if !codes.contains(&level.warehouse) {
            codes.push(level.warehouse.clone());
        }
    }
    let known: HashSet<String> =
        sqlx::query_scalar("SELECT code FROM warehouses WHERE code IN (SELECT value FROM json_each(?))")
            .bind(json_array(&codes))
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let skus: Vec<String> = levels.iter().map(|s| s.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT w.code, s.sku, s.quantity FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
         WHERE w.code IN (SELECT value FROM json_each(?1)) AND s.sku IN (SELECT value FROM json_each(?2))",
    )
    .bind(json_array(&codes))
    .bind(json_array(&skus))
    .fetch_all(&mut *conn)
    .await?;
    let stored: HashMap<(String, String), i64> = rows.into_iter().map(|(w, sku, q)| ((w, sku), q)).collect();
    let mut plan = StockPlan {
        summary: StockUpsert {
            warehouses_created: codes.into_iter().filter(|code| !known.contains(code)).collect(),
            ..Default::default()
        },
        writes: Vec::new(),
    };
    for level in levels {
        match stored.get(&(level.warehouse.clone(), level.sku.clone())) {
            None => plan.summary.levels.created += 1,
            Some(quantity) if *quantity == level.quantity => {
                plan.summary.levels.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.levels.updated += 1,
        }
        plan.writes.push(level);
    }
    Ok(plan)
}

struct BundlesPlan {
    summary: UpsertCounts,
    writes: Vec<BundleInput>,
}

async fn plan_bundles(conn: &mut SqliteConnection, bundles: &[BundleInput]) -> Result<BundlesPlan> {
    let mut seen = HashSet::new();
    if let Some(dup) = bundles.iter().find(|b| !seen.insert(b.bundle_sku.as_str())) {
        return Err(StoreError::Conflict(format!("bundle {} is given twice in one batch", dup.bundle_sku)));
    }
    let skus: Vec<String> = bundles.iter().map(|b| b.bundle_sku.clone()).collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT bundle_sku, component_sku, quantity FROM bundle_components \
         WHERE bundle_sku IN (SELECT value FROM json_each(?))",
    )
    .bind(json_array(&skus))
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for (bundle, sku, quantity) in rows {
        stored.entry(bundle).or_default().insert(sku, quantity);
    }
    let mut plan = BundlesPlan { summary: UpsertCounts::default(), writes: Vec::new() };
    for bundle in bundles {
        let wanted: BTreeMap<String, i64> = bundle.components.iter().map(|c| (c.sku.clone(), c.quantity)).collect();
        if wanted.len() != bundle.components.len() {
            return Err(StoreError::Conflict(format!(
                "bundle {} lists a component twice in one batch",
                bundle.bundle_sku
            )));
        }
        match stored.get(&bundle.bundle_sku) {
            None => plan.summary.created += 1,
            Some(current) if *current == wanted => {
                plan.summary.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.updated += 1,
        }
        plan.writes.push(bundle.clone());
    }
    Ok(plan)
}

fn link_conflict(err: sqlx::Error, what: &str) -> StoreError {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(format!(
            "one Shopify {what} is given for two back-office records in one batch; a Shopify {what} links to one \
             record only"
        )),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound { what: "linked back-office record", key: db.message().to_string() }
        }
        other => other.into(),
    }
}
