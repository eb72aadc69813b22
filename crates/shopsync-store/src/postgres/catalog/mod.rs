//! The catalog in PostgreSQL.
//!
//! Batches are written with one statement per table whatever their size: the rows travel as one array per
//! column bound to the statement and are unpacked by PostgreSQL's `UNNEST`, so a 10,000-variant import is a
//! handful of statements in one transaction rather than tens of thousands of round trips, and no batch comes near
//! PostgreSQL's limit of 65,535 bound values. What changed is decided in memory first, against the stored rows
//! read in one query per table, so unchanged rows are never written and keep their `updated_at`.
//!
//! One `INSERT ... ON CONFLICT DO UPDATE` may not touch a row twice in PostgreSQL, where SQLite applies the rows
//! one after another; batches that may repeat a key (links, inventory states) keep the last row per key, which
//! is what SQLite ends with.

mod bundles;
mod items;
mod prices;
mod rows;
mod stock;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::api::keep_key;
use super::{PgStore, now};
use crate::api::WriteOutcome;
use crate::catalog::{
    Bundle, BundleComponent, BundleInput, CatalogStore, InventoryState, Item, ItemInput, ItemQuery, ItemsUpsert,
    MarkOutcome, OutsideProduct, Price, PriceInput, PriceList, PriceListInput, PricesUpsert, ProductLink,
    SkippedRecord, SkippedRecordInput, SkuOwner, StockInput, StockLevel, StockUpsert, UpsertCounts, VariantLink,
    Warehouse,
};
use crate::{Result, StoreError};
use bundles::plan_bundles;
use items::{item_arguments, item_conditions, plan_items, sku_owners, variants_of, write_items};
use prices::{plan_prices, price_list};
use rows::{ITEM_COLUMNS, ItemRow, PRICE_LIST_COLUMNS, PRODUCT_LINK_COLUMNS, WAREHOUSE_COLUMNS};
use stock::plan_stock;

#[async_trait]
impl CatalogStore for PgStore {
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
        let select = sqlx::query_as_with::<_, ItemRow, _>(AssertSqlSafe(sql), item_arguments(&binds)?);
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
        let count = sqlx::query_scalar_with::<_, i64, _>(
            AssertSqlSafe(format!("SELECT count(*) FROM items i WHERE {conditions}")),
            item_arguments(&binds)?,
        );
        Ok(count.fetch_one(&self.pool).await? as u64)
    }

    async fn missing_item_numbers(&self, numbers: &[String]) -> Result<Vec<String>> {
        let found: HashSet<String> = sqlx::query_scalar("SELECT number FROM items WHERE number = ANY($1)")
            .bind(numbers)
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
        let count = sqlx::query_scalar_with::<_, i64, _>(
            AssertSqlSafe(format!("SELECT count(*) FROM items i WHERE {conditions}")),
            item_arguments(&binds)?,
        );
        let matched = count.fetch_one(&mut *tx).await? as u64;
        let sql = format!(
            "UPDATE items AS i SET marked_for_sync = {marked} WHERE i.marked_for_sync <> {marked} AND {conditions}"
        );
        let update = sqlx::query_with(AssertSqlSafe(sql), item_arguments(&binds)?);
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
                    sqlx::query("UPDATE price_lists SET name = $1, updated_at = $2::timestamptz WHERE id = $3")
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
                    "INSERT INTO price_lists (code, name, currency, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz) RETURNING id",
                )
                .bind(&list.code)
                .bind(list.name.as_deref().unwrap_or(&list.code))
                .bind(list.currency.as_deref().unwrap_or_default())
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        if !plan.writes.is_empty() {
            // plan_prices refused a SKU given twice, so no row is touched twice.
            sqlx::query(
                "INSERT INTO prices (price_list_id, sku, price, compare_at_price, updated_at) \
                 SELECT $1, sku, price, compare_at_price, $2::timestamptz \
                 FROM UNNEST($3::text[], $4::text[], $5::text[]) AS t(sku, price, compare_at_price) \
                 ON CONFLICT (price_list_id, sku) DO UPDATE SET price = excluded.price, \
                 compare_at_price = excluded.compare_at_price, updated_at = excluded.updated_at",
            )
            .bind(list_id)
            .bind(&now)
            .bind(plan.writes.iter().map(|p| p.sku.clone()).collect::<Vec<_>>())
            .bind(plan.writes.iter().map(|p| p.price.clone()).collect::<Vec<_>>())
            .bind(plan.writes.iter().map(|p| p.compare_at_price.clone()).collect::<Vec<_>>())
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
            "SELECT l.code AS price_list, p.sku, p.price, p.compare_at_price, ts_text(p.updated_at) AS updated_at \
             FROM prices p JOIN price_lists l ON l.id = p.price_list_id \
             WHERE l.code = $1 AND (cardinality($2::text[]) = 0 OR p.sku = ANY($2)) \
             ORDER BY p.sku",
        )
        .bind(price_list)
        .bind(skus)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn prices_of_skus(&self, skus: &[String]) -> Result<Vec<Price>> {
        Ok(sqlx::query_as(
            "SELECT l.code AS price_list, p.sku, p.price, p.compare_at_price, ts_text(p.updated_at) AS updated_at \
             FROM prices p JOIN price_lists l ON l.id = p.price_list_id \
             WHERE p.sku = ANY($1) ORDER BY l.code, p.sku",
        )
        .bind(skus)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn warehouses(&self) -> Result<Vec<Warehouse>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {WAREHOUSE_COLUMNS} FROM warehouses ORDER BY code")))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn save_warehouse(&self, code: &str, name: &str) -> Result<Warehouse> {
        let now = now();
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO warehouses (code, name, created_at, updated_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at \
             RETURNING {WAREHOUSE_COLUMNS}"
        )))
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
                 SELECT code, code, $1::timestamptz, $1::timestamptz FROM UNNEST($2::text[]) AS t(code)",
            )
            .bind(&now)
            .bind(&plan.summary.warehouses_created)
            .execute(&mut *tx)
            .await?;
        }
        if !plan.writes.is_empty() {
            // plan_stock refused a (warehouse, SKU) given twice, so no row is touched twice.
            sqlx::query(
                "INSERT INTO stock (warehouse_id, sku, quantity, updated_at) \
                 SELECT w.id, t.sku, t.quantity, $1::timestamptz \
                 FROM UNNEST($2::text[], $3::text[], $4::bigint[]) AS t(warehouse, sku, quantity) \
                 JOIN warehouses w ON w.code = t.warehouse \
                 ON CONFLICT (warehouse_id, sku) DO UPDATE SET quantity = excluded.quantity, \
                 updated_at = excluded.updated_at",
            )
            .bind(&now)
            .bind(plan.writes.iter().map(|s| s.warehouse.clone()).collect::<Vec<_>>())
            .bind(plan.writes.iter().map(|s| s.sku.clone()).collect::<Vec<_>>())
            .bind(plan.writes.iter().map(|s| s.quantity).collect::<Vec<i64>>())
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
            "SELECT w.code AS warehouse, s.sku, s.quantity, ts_text(s.updated_at) AS updated_at \
             FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
             WHERE w.code = $1 AND (cardinality($2::text[]) = 0 OR s.sku = ANY($2)) \
             ORDER BY s.sku",
        )
        .bind(warehouse)
        .bind(skus)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn stock_of_skus(&self, skus: &[String]) -> Result<Vec<StockLevel>> {
        Ok(sqlx::query_as(
            "SELECT w.code AS warehouse, s.sku, s.quantity, ts_text(s.updated_at) AS updated_at \
             FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
             WHERE s.sku = ANY($1) ORDER BY w.code, s.sku",
        )
        .bind(skus)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn upsert_bundles(&self, bundles: &[BundleInput]) -> Result<UpsertCounts> {
        let mut tx = self.write().await?;
        let plan = plan_bundles(&mut tx, bundles).await?;
        if !plan.writes.is_empty() {
            let skus: Vec<String> = plan.writes.iter().map(|b| b.bundle_sku.clone()).collect();
            sqlx::query("DELETE FROM bundle_components WHERE bundle_sku = ANY($1)")
                .bind(&skus)
                .execute(&mut *tx)
                .await?;
            let components = || plan.writes.iter().flat_map(|b| b.components.iter().map(move |c| (b, c)));
            sqlx::query(
                "INSERT INTO bundle_components (bundle_sku, component_sku, quantity) \
                 SELECT bundle_sku, component_sku, quantity \
                 FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS t(bundle_sku, component_sku, quantity)",
            )
            .bind(components().map(|(b, _)| b.bundle_sku.clone()).collect::<Vec<_>>())
            .bind(components().map(|(_, c)| c.sku.clone()).collect::<Vec<_>>())
            .bind(components().map(|(_, c)| c.quantity).collect::<Vec<i64>>())
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
            "SELECT component_sku AS sku, quantity FROM bundle_components WHERE bundle_sku = $1 ORDER BY component_sku",
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
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {PRODUCT_LINK_COLUMNS} FROM product_links WHERE shop_id = $1 ORDER BY item_id"
        )))
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn product_link(&self, shop_id: i64, item_id: i64) -> Result<Option<ProductLink>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {PRODUCT_LINK_COLUMNS} FROM product_links WHERE shop_id = $1 AND item_id = $2"
        )))
        .bind(shop_id)
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_product_links(&self, shop_id: i64, links: &[ProductLink]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        // A Shopify product linked to another item before is moved, not duplicated. Every row of the batch takes
        // part here, as each one did in SQLite before a later row for its item replaced it.
        sqlx::query(
            "DELETE FROM product_links AS l USING UNNEST($2::bigint[], $3::text[]) AS t(item_id, product) \
             WHERE l.shop_id = $1 AND l.shopify_product_id = t.product AND l.item_id <> t.item_id",
        )
        .bind(shop_id)
        .bind(links.iter().map(|l| l.item_id).collect::<Vec<i64>>())
        .bind(links.iter().map(|l| l.shopify_product_id.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        let links = last_per_key(links, |l| l.item_id);
        sqlx::query(
            "INSERT INTO product_links (shop_id, item_id, shopify_product_id, last_hash, synced_at) \
             SELECT $1, item_id, product, hash, at::timestamptz \
             FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(item_id, product, hash, at) \
             ON CONFLICT (shop_id, item_id) DO UPDATE SET \
             shopify_product_id = excluded.shopify_product_id, last_hash = excluded.last_hash, \
             synced_at = excluded.synced_at",
        )
        .bind(shop_id)
        .bind(links.iter().map(|l| l.item_id).collect::<Vec<i64>>())
        .bind(links.iter().map(|l| l.shopify_product_id.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.last_hash.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.synced_at.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(|e| link_conflict(e, "product"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_product_link(&self, shop_id: i64, item_id: i64) -> Result<bool> {
        let mut tx = self.write().await?;
        sqlx::query(
            "DELETE FROM variant_links WHERE shop_id = $1 \
             AND variant_id IN (SELECT id FROM item_variants WHERE item_id = $2)",
        )
        .bind(shop_id)
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM product_links WHERE shop_id = $1 AND item_id = $2")
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
             last_compare_at_price, ts_text(linked_at) AS linked_at FROM variant_links WHERE shop_id = $1 \
             ORDER BY variant_id",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_variant_links(&self, shop_id: i64, links: &[VariantLink]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        // Moved, not duplicated, as for product links.
        sqlx::query(
            "DELETE FROM variant_links AS l USING UNNEST($2::bigint[], $3::text[]) AS t(variant_id, variant) \
             WHERE l.shop_id = $1 AND l.shopify_variant_id = t.variant AND l.variant_id <> t.variant_id",
        )
        .bind(shop_id)
        .bind(links.iter().map(|l| l.variant_id).collect::<Vec<i64>>())
        .bind(links.iter().map(|l| l.shopify_variant_id.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        let links = last_per_key(links, |l| l.variant_id);
        sqlx::query(
            "INSERT INTO variant_links (shop_id, variant_id, shopify_variant_id, shopify_product_id, \
             shopify_inventory_item_id, last_price, last_compare_at_price, linked_at) \
             SELECT $1, variant_id, variant, product, inventory_item, price, compare_at, at::timestamptz \
             FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) \
             AS t(variant_id, variant, product, inventory_item, price, compare_at, at) \
             ON CONFLICT (shop_id, variant_id) DO UPDATE SET \
             shopify_variant_id = excluded.shopify_variant_id, shopify_product_id = excluded.shopify_product_id, \
             shopify_inventory_item_id = excluded.shopify_inventory_item_id, last_price = excluded.last_price, \
             last_compare_at_price = excluded.last_compare_at_price, linked_at = excluded.linked_at",
        )
        .bind(shop_id)
        .bind(links.iter().map(|l| l.variant_id).collect::<Vec<i64>>())
        .bind(links.iter().map(|l| l.shopify_variant_id.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.shopify_product_id.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.shopify_inventory_item_id.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.last_price.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.last_compare_at_price.clone()).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.linked_at.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(|e| link_conflict(e, "variant"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_variant_links(&self, shop_id: i64, variant_ids: &[i64]) -> Result<u64> {
        let done = sqlx::query("DELETE FROM variant_links WHERE shop_id = $1 AND variant_id = ANY($2)")
            .bind(shop_id)
            .bind(variant_ids)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn set_outside_product(&self, shop_id: i64, shopify_product_id: &str, title: Option<&str>) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = match title {
            Some(title) => {
                sqlx::query(
                    "INSERT INTO outside_products (shop_id, shopify_product_id, title, marked_at) \
                     VALUES ($1, $2, $3, $4::timestamptz) \
                     ON CONFLICT (shop_id, shopify_product_id) DO UPDATE SET title = excluded.title \
                     WHERE outside_products.title <> excluded.title",
                )
                .bind(shop_id)
                .bind(shopify_product_id)
                .bind(title)
                .bind(now())
                .execute(&mut *tx)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM outside_products WHERE shop_id = $1 AND shopify_product_id = $2")
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
            "SELECT shopify_product_id, title, ts_text(marked_at) AS marked_at FROM outside_products \
             WHERE shop_id = $1 ORDER BY title, shopify_product_id",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn inventory_states(&self, shop_id: i64, location_id: Option<&str>) -> Result<Vec<InventoryState>> {
        Ok(sqlx::query_as(
            "SELECT sku, location_id, quantity, ts_text(synced_at) AS synced_at FROM inventory_sync_state \
             WHERE shop_id = $1 AND ($2::text IS NULL OR location_id = $2) ORDER BY location_id, sku",
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
        let states = last_per_key(states, |s| (s.sku.clone(), s.location_id.clone()));
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO inventory_sync_state (shop_id, sku, location_id, quantity, synced_at) \
             SELECT $1, sku, location_id, quantity, at::timestamptz \
             FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[]) AS t(sku, location_id, quantity, at) \
             ON CONFLICT (shop_id, sku, location_id) DO UPDATE SET \
             quantity = excluded.quantity, synced_at = excluded.synced_at",
        )
        .bind(shop_id)
        .bind(states.iter().map(|s| s.sku.clone()).collect::<Vec<_>>())
        .bind(states.iter().map(|s| s.location_id.clone()).collect::<Vec<_>>())
        .bind(states.iter().map(|s| s.quantity).collect::<Vec<i64>>())
        .bind(states.iter().map(|s| s.synced_at.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_skipped(&self, shop_id: i64, errors: &[SkippedRecordInput]) -> Result<()> {
        if errors.is_empty() {
            return Ok(());
        }
        let objects: Vec<String> = errors.iter().map(|e| e.object.clone()).collect();
        let keys: Vec<String> = errors.iter().map(|e| e.object_key.clone()).collect();
        let mut tx = self.write().await?;
        sqlx::query(
            "DELETE FROM sync_errors AS e USING UNNEST($2::text[], $3::text[]) AS t(object, object_key) \
             WHERE e.shop_id = $1 AND e.object = t.object AND e.object_key = t.object_key",
        )
        .bind(shop_id)
        .bind(&objects)
        .bind(&keys)
        .execute(&mut *tx)
        .await?;
        // In the batch's order, so ids (and the newest-first listing) follow it.
        sqlx::query(
            "INSERT INTO sync_errors (shop_id, object, object_key, field, code, message, created_at) \
             SELECT $1, object, object_key, field, code, message, $7::timestamptz \
             FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
             WITH ORDINALITY AS t(object, object_key, field, code, message, n) ORDER BY n",
        )
        .bind(shop_id)
        .bind(&objects)
        .bind(&keys)
        .bind(errors.iter().map(|e| e.field.clone()).collect::<Vec<_>>())
        .bind(errors.iter().map(|e| e.code.clone()).collect::<Vec<_>>())
        .bind(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn skipped_records(&self, shop_id: i64, object: Option<&str>) -> Result<Vec<SkippedRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, object, object_key, field, code, message, ts_text(created_at) AS created_at \
             FROM sync_errors WHERE shop_id = $1 AND ($2::text IS NULL OR object = $2) ORDER BY id DESC",
        )
        .bind(shop_id)
        .bind(object)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn clear_skipped(&self, shop_id: i64, object: &str, keys: &[String]) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sync_errors WHERE shop_id = $1 AND object = $2 AND object_key = ANY($3)")
            .bind(shop_id)
            .bind(object)
            .bind(keys)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// The rows of a batch with only the last one of each key, in the order of those last rows: what SQLite ends with
/// after upserting the rows one by one, and what one PostgreSQL upsert (which may touch a row once) can write.
fn last_per_key<T, K: Eq + Hash>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let last: HashMap<K, usize> = rows.iter().enumerate().map(|(at, row)| (key(row), at)).collect();
    rows.iter().enumerate().filter(|(at, row)| last.get(&key(row)) == Some(at)).map(|(_, row)| row).collect()
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
