//! The catalog in SQLite.
//!
//! Batches are written with one statement per table whatever their size: the rows travel as one JSON array
//! bound to the statement and are unpacked by SQLite's `json_each`, so a 10,000-variant import is a handful of
//! statements in one transaction rather than tens of thousands of round trips. What changed is decided in
//! memory first, against the stored rows read in one query per table, so unchanged rows are never written
//! and keep their `updated_at`.

mod bundles;
mod items;
mod prices;
mod rows;
mod stock;

use std::collections::HashSet;

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;

use super::api::keep_key;
use super::{SqliteStore, now};
use crate::api::WriteOutcome;
use crate::catalog::{
    Bundle, BundleComponent, BundleInput, CatalogStore, InventoryState, Item, ItemInput, ItemQuery, ItemsUpsert,
    MarkOutcome, OutsideProduct, Price, PriceInput, PriceList, PriceListInput, PricesUpsert, ProductLink,
    SkippedRecord, SkippedRecordInput, SkuOwner, StockInput, StockLevel, StockUpsert, UpsertCounts, VariantLink,
    Warehouse,
};
use crate::{Result, StoreError};
use bundles::plan_bundles;
use items::{item_conditions, json_array, plan_items, sku_owners, variants_of, write_items};
use prices::{plan_prices, price_list};
use rows::{ITEM_COLUMNS, ItemRow, PRICE_LIST_COLUMNS};
use stock::plan_stock;

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn upsert_items(&self, items: &[ItemInput]) -> Result<ItemsUpsert> {
        let mut tx = self.write().await?;
        let plan = plan_items(&mut tx, items).await?;
        write_items(&mut tx, &plan).await?;
        keep_key(&mut tx, || WriteOutcome::Items(plan.summary.clone())).await?;
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
        keep_key(&mut tx, || WriteOutcome::Prices { price_list: list.code.clone(), prices: plan.summary.clone() })
            .await?;
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
        keep_key(&mut tx, || WriteOutcome::Stock(plan.summary.clone())).await?;
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
        keep_key(&mut tx, || WriteOutcome::Bundles(plan.summary)).await?;
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

    async fn set_outside_product(&self, shop_id: i64, shopify_product_id: &str, title: Option<&str>) -> Result<bool> {
        let mut tx = self.write().await?;
        let done =
            match title {
                Some(title) => sqlx::query(
                    "INSERT INTO outside_products (shop_id, shopify_product_id, title, marked_at) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (shop_id, shopify_product_id) DO UPDATE SET title = excluded.title \
                     WHERE outside_products.title <> excluded.title",
                )
                .bind(shop_id)
                .bind(shopify_product_id)
                .bind(title)
                .bind(now())
                .execute(&mut *tx)
                .await?,
                None => {
                    sqlx::query("DELETE FROM outside_products WHERE shop_id = ? AND shopify_product_id = ?")
                        .bind(shop_id)
                        .bind(shopify_product_id)
                        .execute(&mut *tx)
                        .await?
                }
            };
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn outside_products(&self, shop_id: i64) -> Result<Vec<OutsideProduct>> {
        Ok(sqlx::query_as(
            "SELECT shopify_product_id, title, marked_at FROM outside_products WHERE shop_id = ? \
             ORDER BY title, shopify_product_id",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
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
