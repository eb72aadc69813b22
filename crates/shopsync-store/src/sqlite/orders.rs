//! Shopify orders, sales orders, shipments and webhook events in SQLite.
//!
//! An evaluation batch is one write transaction with a handful of statements per order: the header upsert, the
//! replacement of its problems and recheck keys, and (for an importable order) the sales order with all its lines
//! in one `INSERT ... SELECT FROM json_each`. Statements are prepared once per connection and reused, which is
//! what keeps a page of orders in the low milliseconds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{SqliteStore, now};
use crate::customers::Address;
use crate::orders::{
    ConflictResolution, ConflictResolutionInput, ConflictSide, LineKind, NewShipment, OrderError, OrderEvaluation,
    OrderFilter, OrderKey, OrderRefund, OrderRefundInput, OrderReturn, OrderReturnInput, OrderStatus, OrderStore,
    OrderTransaction, OrderTransactionInput, Payout, RecheckEvent, SalesOrder, SalesOrderChange, SalesOrderCreated,
    SalesOrderInput, SalesOrderLine, SalesOrderLineInput, SalesOrderStatus, SalesOrderUpdate, SavedEvaluation,
    Shipment, ShipmentLine, ShipmentQuery, ShipmentSyncStatus, ShopifyOrder, ShopifyOrderInput, StoredOrderVersion,
    WebhookEventInput,
};
use crate::{Result, StoreError};

const ORDER_COLUMNS: &str = "o.shop_id, o.order_id, o.name, o.status, o.sales_order_id, so.number AS sales_order_number, \
     o.financial_status, o.fulfillment_status, o.cancelled_at, o.tags, o.shopify_created_at, o.shopify_updated_at, \
     o.reprocess_requested, o.checked_at, \
     (SELECT group_concat(e.code, ',' ORDER BY e.rowid) FROM order_errors e \
      WHERE e.shop_id = o.shop_id AND e.order_id = o.order_id) AS error_codes";
const ORDER_FROM: &str = "shopify_orders o LEFT JOIN sales_orders so ON so.id = o.sales_order_id";
const SALES_ORDER_COLUMNS: &str = "id, number, shop_id, shopify_order_id, shopify_order_name, customer_id, currency, \
     subtotal, discount_total, tax_total, shipping_total, total, payment_status, payment_terms, ship_to, bill_to, \
     email, status, conflict, shopify_updated_at, created_at, updated_at";
const LINE_COLUMNS: &str = "id, sales_order_id, line_no, kind, sku, description, quantity, unit_price, discount, tax, \
     shopify_line_item_id, parent_line_no, quantity_shipped";
const SHIPMENT_COLUMNS: &str = "s.id, s.number, s.sales_order_id, so.number AS sales_order_number, so.shop_id, \
     so.shopify_order_id, s.tracking_number, s.carrier, s.tracking_url, s.shipped_at, s.sync_status, s.sync_error, \
     s.shopify_fulfillment_ids, s.created_at, s.updated_at";

#[async_trait]
impl OrderStore for SqliteStore {
    async fn save_order_evaluations(
        &self,
        shop_id: i64,
        evaluations: &[OrderEvaluation],
    ) -> Result<Vec<SavedEvaluation>> {
        if evaluations.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let mut tx = self.write().await?;
        // A page of an unknown shop is refused as such, not as a foreign key failure.
        let _: i64 = sqlx::query_scalar("SELECT 1 FROM shops WHERE id = ?")
            .bind(shop_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::ShopNotFound(format!("with id {shop_id}")))?;
        // A page holds each order once; an order given twice (two versions in one batch) starts a new page, so
        // the later version is saved after the earlier one, as if they came in two calls.
        let mut saved = Vec::with_capacity(evaluations.len());
        let mut start = 0;
        let mut seen = HashSet::new();
        for (index, evaluation) in evaluations.iter().enumerate() {
            if !seen.insert(evaluation.order.order_id.as_str()) {
                saved.extend(save_page(&mut tx, shop_id, &evaluations[start..index], &now).await?);
                start = index;
                seen.clear();
                seen.insert(evaluation.order.order_id.as_str());
            }
        }
        saved.extend(save_page(&mut tx, shop_id, &evaluations[start..], &now).await?);
        tx.commit().await?;
        Ok(saved)
    }

    async fn upsert_shopify_orders(&self, shop_id: i64, orders: &[ShopifyOrderInput]) -> Result<u64> {
        if orders.is_empty() {
            return Ok(0);
        }
        let now = now();
        let mut tx = self.write().await?;
        let mut new = 0;
        for order in orders {
            let inserted = sqlx::query(
                "INSERT INTO shopify_orders (shop_id, order_id, name, status, financial_status, fulfillment_status, \
                 cancelled_at, tags, shopify_created_at, shopify_updated_at, checked_at) \
                 VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shop_id, order_id) DO NOTHING",
            )
            .bind(shop_id)
            .bind(&order.order_id)
            .bind(&order.name)
            .bind(&order.financial_status)
            .bind(&order.fulfillment_status)
            .bind(order.cancelled_at.as_deref().map(normalize_time))
            .bind(serde_json::to_string(&order.tags)?)
            .bind(normalize_time(&order.created_at))
            .bind(normalize_time(&order.updated_at))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() > 0 {
                new += 1;
                continue;
            }
            sqlx::query(
                "UPDATE shopify_orders SET name = ?, financial_status = ?, fulfillment_status = ?, cancelled_at = ?, \
                 tags = ?, shopify_created_at = ?, shopify_updated_at = ? \
                 WHERE shop_id = ? AND order_id = ? AND shopify_updated_at <= ?",
            )
            .bind(&order.name)
            .bind(&order.financial_status)
            .bind(&order.fulfillment_status)
            .bind(order.cancelled_at.as_deref().map(normalize_time))
            .bind(serde_json::to_string(&order.tags)?)
            .bind(normalize_time(&order.created_at))
            .bind(normalize_time(&order.updated_at))
            .bind(shop_id)
            .bind(&order.order_id)
            .bind(normalize_time(&order.updated_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn shopify_order(&self, shop_id: i64, order_id: &str) -> Result<Option<ShopifyOrder>> {
        let row: Option<OrderRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = ? AND o.order_id = ?"
        )))
        .bind(shop_id)
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(OrderRow::into_order).transpose()
    }

    async fn find_shopify_order(&self, shop_id: i64, key: &OrderKey) -> Result<Option<ShopifyOrder>> {
        // Candidates in the order they are tried: exact id, exact name, then the looser readings.
        let (ids, names, sales_order): (Vec<String>, Vec<String>, Option<String>) = match key {
            OrderKey::Gid(gid) => (vec![gid.clone()], vec![], None),
            OrderKey::Name(name) => (vec![], vec![name.clone()], None),
            OrderKey::Number(n) => {
                (vec![format!("gid://shopify/Order/{n}")], vec![format!("#{n}"), n.to_string()], None)
            }
            OrderKey::Text(text) => (vec![], vec![text.clone(), format!("#{text}")], Some(text.clone())),
        };
        for id in &ids {
            if let Some(order) = self.shopify_order(shop_id, id).await? {
                return Ok(Some(order));
            }
        }
        for name in &names {
            let row: Option<OrderRow> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = ? AND o.name = ? \
                 ORDER BY o.shopify_created_at DESC LIMIT 1"
            )))
            .bind(shop_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                return row.into_order().map(Some);
            }
        }
        if let Some(number) = sales_order {
            let row: Option<OrderRow> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = ? AND so.number = ?"
            )))
            .bind(shop_id)
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
            return row.map(OrderRow::into_order).transpose();
        }
        Ok(None)
    }

    async fn shopify_orders(&self, shop_id: i64, filter: &OrderFilter) -> Result<Vec<ShopifyOrder>> {
        let (conditions, binds) = order_conditions(shop_id, filter);
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE {conditions} \
             ORDER BY o.shopify_created_at DESC, o.order_id DESC{}",
            limit_clause(filter.limit, filter.offset)
        );
        let mut query = sqlx::query_as::<_, OrderRow>(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply_as(query);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.into_iter().map(OrderRow::into_order).collect()
    }

    async fn count_shopify_orders(&self, shop_id: i64, filter: &OrderFilter) -> Result<u64> {
        let (conditions, binds) = order_conditions(shop_id, filter);
        let sql = format!("SELECT COUNT(*) FROM shopify_orders o WHERE {conditions}");
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply_scalar(query);
        }
        Ok(u64::try_from(query.fetch_one(&self.pool).await?).unwrap_or_default())
    }

    async fn shopify_order_ids(&self, shop_id: i64, filter: &OrderFilter) -> Result<Vec<String>> {
        let (conditions, binds) = order_conditions(shop_id, filter);
        let sql = format!(
            "SELECT o.order_id FROM shopify_orders o WHERE {conditions} \
             ORDER BY o.shopify_created_at DESC, o.order_id DESC{}",
            limit_clause(filter.limit, filter.offset)
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply_scalar(query);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn shopify_order_versions(
        &self,
        shop_id: i64,
        order_ids: &[String],
    ) -> Result<BTreeMap<String, StoredOrderVersion>> {
        if order_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let rows: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
            // CROSS JOIN keeps the batch as the outer loop: SQLite otherwise may scan every stored order and
            // probe the batch for each, which made a page of 250 take seconds once 100,000 orders were stored.
            "SELECT o.order_id, o.shopify_updated_at, o.sales_order_id, o.import_hash FROM json_each(?2) AS j \
             CROSS JOIN shopify_orders AS o WHERE o.shop_id = ?1 AND o.order_id = j.value",
        )
        .bind(shop_id)
        .bind(serde_json::to_string(order_ids)?)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(order_id, updated_at, sales_order_id, import_hash)| {
                (order_id, StoredOrderVersion { updated_at, sales_order_id, import_hash })
            })
            .collect())
    }

    async fn order_status_counts(&self, shop_id: i64) -> Result<Vec<(OrderStatus, u64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM shopify_orders WHERE shop_id = ? GROUP BY status")
                .bind(shop_id)
                .fetch_all(&self.pool)
                .await?;
        let mut counts = Vec::new();
        for status in OrderStatus::ALL {
            let n = rows.iter().find(|(s, _)| s == status.as_str()).map_or(0, |(_, n)| *n);
            counts.push((status, u64::try_from(n).unwrap_or_default()));
        }
        Ok(counts)
    }

    async fn order_error_counts(&self, shop_id: i64) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT code, COUNT(DISTINCT order_id) FROM order_errors WHERE shop_id = ? GROUP BY code ORDER BY code",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(code, n)| (code, u64::try_from(n).unwrap_or_default())).collect())
    }

    async fn order_errors(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderError>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT code, message, detail, created_at FROM order_errors WHERE shop_id = ? AND order_id = ? \
             ORDER BY rowid",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, message, detail, created_at)| OrderError { code, message, detail, created_at })
            .collect())
    }

    async fn request_reprocess(&self, shop_id: i64, order_ids: &[String]) -> Result<u64> {
        if order_ids.is_empty() {
            return Ok(0);
        }
        let done = sqlx::query(
            "UPDATE shopify_orders SET reprocess_requested = 1 \
             WHERE shop_id = ?1 AND order_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(shop_id)
        .bind(serde_json::to_string(order_ids)?)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn request_reprocess_matching(&self, shop_id: i64, filter: &OrderFilter) -> Result<u64> {
        let (conditions, binds) = order_conditions(shop_id, filter);
        let sql = format!("UPDATE shopify_orders AS o SET reprocess_requested = 1 WHERE {conditions}");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply(query);
        }
        Ok(query.execute(&self.pool).await?.rows_affected())
    }

    async fn orders_waiting_for(&self, shop_id: i64, events: &[RecheckEvent]) -> Result<Vec<String>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = events.iter().map(RecheckEvent::key).collect();
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT order_id FROM order_rechecks \
             WHERE shop_id = ?1 AND event IN (SELECT value FROM json_each(?2)) ORDER BY order_id",
        )
        .bind(shop_id)
        .bind(serde_json::to_string(&keys)?)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_sales_order(
        &self,
        shop_id: i64,
        shopify_order_id: &str,
        shopify_order_name: &str,
        order: &SalesOrderInput,
    ) -> Result<SalesOrderCreated> {
        let now = now();
        let mut tx = self.write().await?;
        if let Some(id) = sales_order_id_for(&mut tx, shop_id, shopify_order_id).await? {
            let existing = load_sales_order(&mut tx, id).await?;
            tx.rollback().await?;
            return Ok(SalesOrderCreated::AlreadyExists(existing));
        }
        match insert_sales_order(&mut tx, shop_id, shopify_order_id, shopify_order_name, order, &now).await {
            Ok(id) => {
                link_children(&mut tx, shop_id, &[shopify_order_id]).await?;
                let created = load_sales_order(&mut tx, id).await?;
                tx.commit().await?;
                Ok(SalesOrderCreated::Created(created))
            }
            // The unique key is the guarantee; the check above only avoids spending a number. A writer that got
            // past it (another process, a deferred transaction) lands here and gets the order that won.
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                tx.rollback().await?;
                let existing = self
                    .sales_order_for(shop_id, shopify_order_id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("a sales order vanished after a duplicate create".into()))?;
                Ok(SalesOrderCreated::AlreadyExists(existing))
            }
            Err(e) => Err(e),
        }
    }

    async fn update_sales_order(&self, id: i64, order: &SalesOrderInput) -> Result<SalesOrderUpdate> {
        let now = now();
        let mut tx = self.write().await?;
        let outcome = apply_update(&mut tx, id, order, &now).await?;
        let current = load_sales_order(&mut tx, id).await?;
        tx.commit().await?;
        Ok(match outcome {
            SalesOrderChange::Updated => SalesOrderUpdate::Updated(current),
            SalesOrderChange::Conflict => SalesOrderUpdate::Shipped(current),
            _ => SalesOrderUpdate::Unchanged(current),
        })
    }

    async fn set_sales_order_conflict(&self, id: i64, note: Option<&str>) -> Result<()> {
        let now = now();
        let mut tx = self.write().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM sales_orders WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(status) = status else {
            return Err(StoreError::NotFound { what: "sales order", key: format!("id {id}") });
        };
        if note.is_some() && status == SalesOrderStatus::Cancelled.as_str() {
            // Cancelled on purpose (Shopify's cancellation accepted): nothing left to decide.
            tx.rollback().await?;
            return Ok(());
        }
        sqlx::query("UPDATE sales_orders SET conflict = ?, updated_at = ? WHERE id = ?")
            .bind(note)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let status = if note.is_some() { OrderStatus::Conflict } else { OrderStatus::Synced };
        sqlx::query("UPDATE shopify_orders SET status = ? WHERE sales_order_id = ?")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resolve_conflict(&self, shop_id: i64, input: &ConflictResolutionInput) -> Result<ConflictResolution> {
        let now = now();
        let mut tx = self.write().await?;
        let row: Option<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, number, conflict FROM sales_orders WHERE shop_id = ? AND shopify_order_id = ?")
                .bind(shop_id)
                .bind(&input.order_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((id, number, Some(conflict))) = row else {
            return Err(StoreError::Conflict(format!(
                "order {} has no conflict to settle (only orders with the status conflict have one)",
                input.order_id
            )));
        };
        let order_status = match (input.side, &input.shopify) {
            (ConflictSide::Shopify, None) => {
                // Cancelled or refunded in full in Shopify: the back office stops the order.
                sqlx::query(
                    "UPDATE sales_orders SET status = 'cancelled', conflict = NULL, updated_at = ? WHERE id = ?",
                )
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                OrderStatus::Ignored
            }
            (ConflictSide::Shopify, Some(shopify)) => {
                apply_after_shipping(&mut tx, id, &number, shopify, &now).await?;
                OrderStatus::Synced
            }
            (ConflictSide::BackOffice, shopify) => {
                // The sales order stays; Shopify's current version is the one later versions are compared with.
                let hash = shopify.as_ref().map(content_hash);
                sqlx::query(
                    "UPDATE sales_orders SET conflict = NULL, content_hash = COALESCE(?, content_hash), \
                     shopify_updated_at = COALESCE(?, shopify_updated_at), updated_at = ? WHERE id = ?",
                )
                .bind(hash)
                .bind(shopify.as_ref().and_then(|s| s.shopify_updated_at.as_deref()).map(normalize_time))
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                OrderStatus::Synced
            }
        };
        sqlx::query("UPDATE shopify_orders SET status = ? WHERE shop_id = ? AND order_id = ?")
            .bind(order_status.as_str())
            .bind(shop_id)
            .bind(&input.order_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO conflict_resolutions (shop_id, order_id, sales_order_id, resolution, conflict, resolved_by, \
             note, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(shop_id)
        .bind(&input.order_id)
        .bind(id)
        .bind(input.side.as_str())
        .bind(&conflict)
        .bind(&input.resolved_by)
        .bind(&input.note)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ConflictResolution {
            order_id: input.order_id.clone(),
            sales_order_number: Some(number),
            side: input.side.as_str().to_string(),
            conflict,
            resolved_by: input.resolved_by.clone(),
            note: input.note.clone(),
            resolved_at: now,
        })
    }

    async fn conflict_resolutions(&self, shop_id: i64, order_id: &str) -> Result<Vec<ConflictResolution>> {
        let rows: Vec<(String, Option<String>, String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT r.order_id, so.number, r.resolution, r.conflict, r.resolved_by, r.note, r.resolved_at \
             FROM conflict_resolutions r LEFT JOIN sales_orders so ON so.id = r.sales_order_id \
             WHERE r.shop_id = ? AND r.order_id = ? ORDER BY r.id",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(order_id, sales_order_number, side, conflict, resolved_by, note, resolved_at)| ConflictResolution {
                order_id,
                sales_order_number,
                side,
                conflict,
                resolved_by,
                note,
                resolved_at,
            })
            .collect())
    }

    async fn sales_order(&self, number: &str) -> Result<Option<SalesOrder>> {
        let mut conn = self.pool.acquire().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM sales_orders WHERE number = ?")
            .bind(number.trim())
            .fetch_optional(&mut *conn)
            .await?;
        match id {
            Some(id) => Ok(Some(load_sales_order(&mut conn, id).await?)),
            None => Ok(None),
        }
    }

    async fn sales_order_by_id(&self, id: i64) -> Result<Option<SalesOrder>> {
        let mut conn = self.pool.acquire().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM sales_orders WHERE id = ?").bind(id).fetch_optional(&mut *conn).await?;
        match exists {
            Some(id) => Ok(Some(load_sales_order(&mut conn, id).await?)),
            None => Ok(None),
        }
    }

    async fn sales_order_for(&self, shop_id: i64, shopify_order_id: &str) -> Result<Option<SalesOrder>> {
        let mut conn = self.pool.acquire().await?;
        match sales_order_id_for(&mut conn, shop_id, shopify_order_id).await? {
            Some(id) => Ok(Some(load_sales_order(&mut conn, id).await?)),
            None => Ok(None),
        }
    }

    async fn save_order_transactions(&self, shop_id: i64, transactions: &[OrderTransactionInput]) -> Result<()> {
        if transactions.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        save_transactions(&mut tx, shop_id, &transactions.iter().collect::<Vec<_>>()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_order_refunds(&self, shop_id: i64, refunds: &[OrderRefundInput]) -> Result<()> {
        if refunds.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        save_refunds(&mut tx, shop_id, &refunds.iter().collect::<Vec<_>>()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_order_returns(&self, shop_id: i64, returns: &[OrderReturnInput]) -> Result<()> {
        if returns.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        save_returns(&mut tx, shop_id, &returns.iter().collect::<Vec<_>>()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_payouts(&self, shop_id: i64, payouts: &[Payout]) -> Result<()> {
        if payouts.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for p in payouts {
            sqlx::query(
                "INSERT INTO payouts (shop_id, payout_id, status, issued_at, net, currency) VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (shop_id, payout_id) DO UPDATE SET status = excluded.status, \
                 issued_at = excluded.issued_at, net = excluded.net, currency = excluded.currency",
            )
            .bind(shop_id)
            .bind(&p.payout_id)
            .bind(&p.status)
            .bind(p.issued_at.as_deref().map(normalize_time))
            .bind(&p.net)
            .bind(&p.currency)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn order_transactions(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderTransaction>> {
        Ok(sqlx::query_as(
            "SELECT transaction_id, order_id, sales_order_id, kind, status, gateway, amount, currency, processed_at \
             FROM order_transactions WHERE shop_id = ? AND order_id = ? ORDER BY processed_at, transaction_id",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn order_refunds(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderRefund>> {
        let rows: Vec<RefundRow> = sqlx::query_as(
            "SELECT refund_id, order_id, sales_order_id, total, currency, note, lines, created_at \
             FROM order_refunds WHERE shop_id = ? AND order_id = ? ORDER BY created_at, refund_id",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(OrderRefund {
                    refund_id: r.refund_id,
                    order_id: r.order_id,
                    sales_order_id: r.sales_order_id,
                    total: r.total,
                    currency: r.currency,
                    note: r.note,
                    lines: serde_json::from_str(&r.lines)?,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    async fn order_returns(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderReturn>> {
        let rows: Vec<(String, String, Option<i64>, Option<String>, String, String)> = sqlx::query_as(
            "SELECT return_id, order_id, sales_order_id, name, status, lines FROM order_returns \
             WHERE shop_id = ? AND order_id = ? ORDER BY return_id",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(return_id, order_id, sales_order_id, name, status, lines)| {
                Ok(OrderReturn {
                    return_id,
                    order_id,
                    sales_order_id,
                    name,
                    status,
                    lines: serde_json::from_str(&lines)?,
                })
            })
            .collect()
    }

    async fn payouts(&self, shop_id: i64, limit: u32) -> Result<Vec<Payout>> {
        let limit = if limit == 0 { 50 } else { limit };
        Ok(sqlx::query_as(
            "SELECT payout_id, status, issued_at, net, currency FROM payouts WHERE shop_id = ? \
             ORDER BY issued_at DESC, payout_id DESC LIMIT ?",
        )
        .bind(shop_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_shipment(&self, shipment: &NewShipment) -> Result<Shipment> {
        let now = now();
        let mut tx = self.write().await?;
        let id = insert_shipment(&mut tx, shipment, &now).await?;
        let created = load_shipments(&mut tx, &format!("s.id = {id}"), 0).await?.into_iter().next();
        tx.commit().await?;
        created.ok_or_else(|| StoreError::Corrupt("a shipment vanished while it was written".into()))
    }

    async fn shipment(&self, number: &str) -> Result<Option<Shipment>> {
        let mut conn = self.pool.acquire().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM shipments WHERE number = ?")
            .bind(number.trim())
            .fetch_optional(&mut *conn)
            .await?;
        match id {
            Some(id) => Ok(load_shipments(&mut conn, &format!("s.id = {id}"), 0).await?.into_iter().next()),
            None => Ok(None),
        }
    }

    async fn shipments(&self, query: &ShipmentQuery) -> Result<Vec<Shipment>> {
        // Only integers and a fixed status word go into the text, so it is safe to build.
        let mut conditions = vec!["1 = 1".to_string()];
        if let Some(shop_id) = query.shop_id {
            conditions.push(format!("so.shop_id = {shop_id}"));
        }
        if let Some(sales_order_id) = query.sales_order_id {
            conditions.push(format!("s.sales_order_id = {sales_order_id}"));
        }
        if let Some(status) = query.sync_status {
            conditions.push(format!("s.sync_status = '{}'", status.as_str()));
        }
        let mut conn = self.pool.acquire().await?;
        load_shipments(&mut conn, &conditions.join(" AND "), query.limit).await
    }

    async fn mark_shipment_synced(&self, id: i64, fulfillment_ids: &[String]) -> Result<()> {
        let done = sqlx::query(
            "UPDATE shipments SET sync_status = 'synced', sync_error = NULL, shopify_fulfillment_ids = ?, \
             updated_at = ? WHERE id = ?",
        )
        .bind(serde_json::to_string(fulfillment_ids)?)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        found(done.rows_affected(), "shipment", id)
    }

    async fn mark_shipment_failed(&self, id: i64, error: &str) -> Result<()> {
        self.set_shipment_sync_status(id, ShipmentSyncStatus::Error, Some(error)).await
    }

    async fn set_shipment_sync_status(&self, id: i64, status: ShipmentSyncStatus, reason: Option<&str>) -> Result<()> {
        let done = sqlx::query("UPDATE shipments SET sync_status = ?, sync_error = ?, updated_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(reason)
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), "shipment", id)
    }

    async fn record_webhook_event(&self, shop_id: i64, event: &WebhookEventInput) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO webhook_events (shop_id, event_id, topic, webhook_id, triggered_at, received_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (shop_id, event_id) DO NOTHING",
        )
        .bind(shop_id)
        .bind(&event.event_id)
        .bind(&event.topic)
        .bind(&event.webhook_id)
        .bind(event.triggered_at.as_deref().map(normalize_time))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn mark_webhook_event_processed(&self, shop_id: i64, event_id: &str) -> Result<()> {
        sqlx::query("UPDATE webhook_events SET processed_at = ? WHERE shop_id = ? AND event_id = ?")
            .bind(now())
            .bind(shop_id)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn purge_webhook_events(&self, shop_id: i64, before: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM webhook_events WHERE shop_id = ? AND received_at < ?")
            .bind(shop_id)
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Takes the next number of a number series (`SO-000001`) inside the caller's transaction, so a rolled-back
/// document gives its number back.
pub(super) async fn next_number(conn: &mut SqliteConnection, series: &str) -> Result<String> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "UPDATE number_series SET next_value = next_value + 1 WHERE code = ? RETURNING prefix, next_value - 1, width",
    )
    .bind(series)
    .fetch_optional(&mut *conn)
    .await?;
    let (prefix, value, width) =
        row.ok_or_else(|| StoreError::Corrupt(format!("the number series `{series}` is missing")))?;
    let width = usize::try_from(width).unwrap_or(6);
    Ok(format!("{prefix}{value:0width$}"))
}

/// A stored sales order as an evaluation page sees it.
struct ExistingSalesOrder {
    id: i64,
    number: String,
    content_hash: Option<String>,
    /// Shipments plus shipped quantities: anything above zero means something left the warehouse.
    shipped: i64,
    has_conflict: bool,
}

/// Saves one page of evaluations whose order ids are all different, with a fixed number of statements for the
/// whole page (plus one or two per order whose sales order changes, which is rare).
async fn save_page(
    conn: &mut SqliteConnection,
    shop_id: i64,
    page: &[OrderEvaluation],
    now: &str,
) -> Result<Vec<SavedEvaluation>> {
    let order_ids: Vec<&str> = page.iter().map(|e| e.order.order_id.as_str()).collect();
    let order_ids_json = serde_json::to_string(&order_ids)?;

    // What exists already, in one read.
    let rows: Vec<(String, i64, String, Option<String>, i64, bool)> = sqlx::query_as(
        "SELECT so.shopify_order_id, so.id, so.number, so.content_hash, \
         (SELECT COUNT(*) FROM shipments s WHERE s.sales_order_id = so.id) \
         + (SELECT COALESCE(SUM(l.quantity_shipped), 0) FROM sales_order_lines l WHERE l.sales_order_id = so.id), \
         so.conflict IS NOT NULL \
         FROM sales_orders so WHERE so.shop_id = ?1 AND so.shopify_order_id IN (SELECT value FROM json_each(?2))",
    )
    .bind(shop_id)
    .bind(&order_ids_json)
    .fetch_all(&mut *conn)
    .await?;
    let mut existing: HashMap<String, ExistingSalesOrder> = rows
        .into_iter()
        .map(|(order_id, id, number, content_hash, shipped, has_conflict)| {
            (order_id, ExistingSalesOrder { id, number, content_hash, shipped, has_conflict })
        })
        .collect();

    // Decide per order; sales orders that change are written one by one, the rest in batches below.
    let mut saved: Vec<SavedEvaluation> = Vec::with_capacity(page.len());
    let mut creates: Vec<(usize, String)> = Vec::new();
    let mut quiet_updates: Vec<serde_json::Value> = Vec::new();
    let mut settled: Vec<i64> = Vec::new();
    for (index, evaluation) in page.iter().enumerate() {
        let order = &evaluation.order;
        let found = existing.remove(&order.order_id);
        let (sales_order, change) = match (&evaluation.sales_order, found) {
            (None, found) => (found.map(|so| (so.id, so.number)), SalesOrderChange::None),
            (Some(input), None) => {
                creates.push((index, content_hash(input)));
                (None, SalesOrderChange::Created)
            }
            (Some(input), Some(so)) => {
                let hash = content_hash(input);
                let change = if so.content_hash.as_deref() == Some(hash.as_str()) {
                    quiet_updates.push(json!([
                        so.id,
                        input.payment_status,
                        input.payment_terms,
                        input.shopify_updated_at.as_deref().map(normalize_time)
                    ]));
                    if so.has_conflict {
                        // Shopify's content matches the sales order again (an edit undone): nothing to settle.
                        settled.push(so.id);
                    }
                    SalesOrderChange::Unchanged
                } else if so.shipped > 0 {
                    write_conflict_note(conn, so.id, order, now).await?;
                    SalesOrderChange::Conflict
                } else {
                    apply_update(conn, so.id, input, now).await?
                };
                (Some((so.id, so.number)), change)
            }
        };
        let status = if change == SalesOrderChange::Conflict { OrderStatus::Conflict } else { evaluation.status };
        let (sales_order_id, sales_order_number) = sales_order.unzip();
        saved.push(SavedEvaluation {
            order_id: order.order_id.clone(),
            status,
            sales_order_id,
            sales_order_number,
            change,
        });
    }

    // New sales orders: numbers reserved at once, headers in one statement, lines in another.
    if !creates.is_empty() {
        let numbers = reserve_numbers(conn, "sales_order", creates.len()).await?;
        let mut headers = Vec::with_capacity(creates.len());
        for ((index, hash), number) in creates.iter().zip(&numbers) {
            let evaluation = &page[*index];
            let Some(so) = &evaluation.sales_order else { continue };
            headers.push(json!([
                number,
                evaluation.order.order_id,
                evaluation.order.name,
                so.customer_id,
                so.currency,
                so.subtotal,
                so.discount_total,
                so.tax_total,
                so.shipping_total,
                so.total,
                so.payment_status,
                so.payment_terms,
                address_json(&so.ship_to)?,
                address_json(&so.bill_to)?,
                so.email,
                so.shopify_updated_at.as_deref().map(normalize_time),
                hash
            ]));
        }
        let ids: Vec<(i64, String)> = sqlx::query_as(
            "INSERT INTO sales_orders (number, shop_id, shopify_order_id, shopify_order_name, customer_id, currency, \
             subtotal, discount_total, tax_total, shipping_total, total, payment_status, payment_terms, ship_to, \
             bill_to, email, status, shopify_updated_at, content_hash, created_at, updated_at) \
             SELECT value->>0, ?1, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, \
             value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, 'open', value->>15, \
             value->>16, ?2, ?2 FROM json_each(?3) RETURNING id, shopify_order_id",
        )
        .bind(shop_id)
        .bind(now)
        .bind(serde_json::to_string(&headers)?)
        .fetch_all(&mut *conn)
        .await?;
        let ids: HashMap<String, i64> = ids.into_iter().map(|(id, order_id)| (order_id, id)).collect();
        let mut lines = Vec::new();
        for ((index, _), number) in creates.iter().zip(numbers) {
            let evaluation = &page[*index];
            let id = *ids.get(&evaluation.order.order_id).ok_or_else(|| {
                StoreError::Corrupt(format!("the new sales order of {} was not returned", evaluation.order.name))
            })?;
            if let Some(so) = &evaluation.sales_order {
                lines.extend(so.lines.iter().map(|l| line_json(id, l)));
            }
            saved[*index].sales_order_id = Some(id);
            saved[*index].sales_order_number = Some(number);
        }
        insert_line_rows(conn, &lines).await?;
    }
    if !quiet_updates.is_empty() {
        sqlx::query(
            "UPDATE sales_orders SET payment_status = j.value->>1, payment_terms = j.value->>2, \
             shopify_updated_at = j.value->>3, updated_at = ?1 FROM json_each(?2) j \
             WHERE sales_orders.id = j.value->>0 AND (sales_orders.payment_status IS NOT j.value->>1 \
             OR sales_orders.payment_terms IS NOT j.value->>2 OR sales_orders.shopify_updated_at IS NOT j.value->>3)",
        )
        .bind(now)
        .bind(serde_json::to_string(&quiet_updates)?)
        .execute(&mut *conn)
        .await?;
    }
    if !settled.is_empty() {
        sqlx::query(
            "UPDATE sales_orders SET conflict = NULL, updated_at = ?1 WHERE id IN (SELECT value FROM json_each(?2))",
        )
        .bind(now)
        .bind(serde_json::to_string(&settled)?)
        .execute(&mut *conn)
        .await?;
    }

    // The orders' headers and statuses.
    let mut orders = Vec::with_capacity(page.len());
    for (evaluation, result) in page.iter().zip(&saved) {
        let o = &evaluation.order;
        orders.push(json!([
            o.order_id,
            o.name,
            result.status.as_str(),
            result.sales_order_id,
            o.financial_status,
            o.fulfillment_status,
            o.cancelled_at.as_deref().map(normalize_time),
            serde_json::to_string(&o.tags)?,
            normalize_time(&o.created_at),
            normalize_time(&o.updated_at),
            evaluation.import_hash
        ]));
    }
    sqlx::query(
        "INSERT INTO shopify_orders (shop_id, order_id, name, status, sales_order_id, financial_status, \
         fulfillment_status, cancelled_at, tags, shopify_created_at, shopify_updated_at, reprocess_requested, checked_at, \
         import_hash) \
         SELECT ?1, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, \
         value->>9, 0, ?2, value->>10 FROM json_each(?3) WHERE true \
         ON CONFLICT (shop_id, order_id) DO UPDATE SET name = excluded.name, status = excluded.status, \
         sales_order_id = COALESCE(excluded.sales_order_id, sales_order_id), \
         financial_status = excluded.financial_status, fulfillment_status = excluded.fulfillment_status, \
         cancelled_at = excluded.cancelled_at, tags = excluded.tags, shopify_created_at = excluded.shopify_created_at, \
         shopify_updated_at = excluded.shopify_updated_at, reprocess_requested = 0, checked_at = excluded.checked_at, \
         import_hash = excluded.import_hash",
    )
    .bind(shop_id)
    .bind(now)
    .bind(serde_json::to_string(&orders)?)
    .execute(&mut *conn)
    .await?;

    // Problems and the events they wait for replace the previous ones as a whole.
    for table in ["order_errors", "order_rechecks"] {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE shop_id = ?1 AND order_id IN (SELECT value FROM json_each(?2))"
        )))
        .bind(shop_id)
        .bind(&order_ids_json)
        .execute(&mut *conn)
        .await?;
    }
    let mut problems = Vec::new();
    let mut rechecks = Vec::new();
    for evaluation in page {
        let mut keys = BTreeSet::new();
        for problem in &evaluation.problems {
            problems.push(json!([
                evaluation.order.order_id,
                problem.code().as_str(),
                problem.message(),
                problem.detail_json()
            ]));
            keys.extend(problem.rechecks().iter().map(RecheckEvent::key));
        }
        rechecks.extend(keys.into_iter().map(|key| json!([evaluation.order.order_id, key])));
    }
    if !problems.is_empty() {
        sqlx::query(
            "INSERT INTO order_errors (shop_id, order_id, code, message, detail, created_at) \
             SELECT ?1, value->>0, value->>1, value->>2, value->>3, ?2 FROM json_each(?3)",
        )
        .bind(shop_id)
        .bind(now)
        .bind(serde_json::to_string(&problems)?)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO order_rechecks (shop_id, order_id, event) \
             SELECT ?1, value->>0, value->>1 FROM json_each(?2)",
        )
        .bind(shop_id)
        .bind(serde_json::to_string(&rechecks)?)
        .execute(&mut *conn)
        .await?;
    }

    // Captured children, linked to the sales orders that exist now; those stored before a sales order existed
    // are linked to the ones just created.
    let transactions: Vec<&OrderTransactionInput> = page.iter().flat_map(|e| &e.transactions).collect();
    let refunds: Vec<&OrderRefundInput> = page.iter().flat_map(|e| &e.refunds).collect();
    let returns: Vec<&OrderReturnInput> = page.iter().flat_map(|e| &e.returns).collect();
    save_transactions(conn, shop_id, &transactions).await?;
    save_refunds(conn, shop_id, &refunds).await?;
    save_returns(conn, shop_id, &returns).await?;
    let created: Vec<&str> =
        saved.iter().filter(|s| s.change == SalesOrderChange::Created).map(|s| s.order_id.as_str()).collect();
    link_children(conn, shop_id, &created).await?;
    Ok(saved)
}

async fn write_conflict_note(conn: &mut SqliteConnection, id: i64, order: &ShopifyOrderInput, now: &str) -> Result<()> {
    let note = format!(
        "Shopify changed order {} after part of it shipped (Shopify updated it at {}): its lines, totals or addresses \
         differ from this sales order, which was left as it is. Compare with the captured versions of the order, \
         then settle the conflict: keep Shopify's version (applied, what shipped kept) or keep the back office's \
         (the sales order as it is).",
        order.name,
        normalize_time(&order.updated_at)
    );
    sqlx::query("UPDATE sales_orders SET conflict = ?, updated_at = ? WHERE id = ?")
        .bind(note)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reserves `count` consecutive numbers of a series in one statement.
async fn reserve_numbers(conn: &mut SqliteConnection, series: &str, count: usize) -> Result<Vec<String>> {
    let count = i64::try_from(count).map_err(|_| StoreError::Corrupt("too many numbers asked for at once".into()))?;
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "UPDATE number_series SET next_value = next_value + ?2 WHERE code = ?1 \
         RETURNING prefix, next_value - ?2, width",
    )
    .bind(series)
    .bind(count)
    .fetch_optional(&mut *conn)
    .await?;
    let (prefix, first, width) =
        row.ok_or_else(|| StoreError::Corrupt(format!("the number series `{series}` is missing")))?;
    let width = usize::try_from(width).unwrap_or(6);
    Ok((first..first + count).map(|value| format!("{prefix}{value:0width$}")).collect())
}

async fn sales_order_id_for(conn: &mut SqliteConnection, shop_id: i64, shopify_order_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM sales_orders WHERE shop_id = ? AND shopify_order_id = ?")
        .bind(shop_id)
        .bind(shopify_order_id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Inserts a sales order and its lines; the caller has checked that the Shopify order has none.
async fn insert_sales_order(
    conn: &mut SqliteConnection,
    shop_id: i64,
    shopify_order_id: &str,
    shopify_order_name: &str,
    order: &SalesOrderInput,
    now: &str,
) -> Result<i64> {
    let number = next_number(conn, "sales_order").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sales_orders (number, shop_id, shopify_order_id, shopify_order_name, customer_id, currency, \
         subtotal, discount_total, tax_total, shipping_total, total, payment_status, payment_terms, ship_to, bill_to, \
         email, status, shopify_updated_at, content_hash, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) RETURNING id",
    )
    .bind(&number)
    .bind(shop_id)
    .bind(shopify_order_id)
    .bind(shopify_order_name)
    .bind(order.customer_id)
    .bind(&order.currency)
    .bind(&order.subtotal)
    .bind(&order.discount_total)
    .bind(&order.tax_total)
    .bind(&order.shipping_total)
    .bind(&order.total)
    .bind(&order.payment_status)
    .bind(&order.payment_terms)
    .bind(address_json(&order.ship_to)?)
    .bind(address_json(&order.bill_to)?)
    .bind(&order.email)
    .bind(order.shopify_updated_at.as_deref().map(normalize_time))
    .bind(content_hash(order))
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    insert_lines(conn, id, order).await?;
    Ok(id)
}

/// All lines of a sales order in one statement.
async fn insert_lines(conn: &mut SqliteConnection, sales_order_id: i64, order: &SalesOrderInput) -> Result<()> {
    let rows: Vec<serde_json::Value> = order.lines.iter().map(|l| line_json(sales_order_id, l)).collect();
    insert_line_rows(conn, &rows).await
}

fn line_json(sales_order_id: i64, l: &SalesOrderLineInput) -> serde_json::Value {
    json!([
        sales_order_id,
        l.line_no,
        l.kind.as_str(),
        l.sku,
        l.description,
        l.quantity,
        l.unit_price,
        l.discount,
        l.tax,
        l.shopify_line_item_id,
        l.parent_line_no
    ])
}

/// Lines of any number of sales orders, as rows built by [`line_json`], in one statement.
async fn insert_line_rows(conn: &mut SqliteConnection, rows: &[serde_json::Value]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO sales_order_lines (sales_order_id, line_no, kind, sku, description, quantity, unit_price, \
         discount, tax, shopify_line_item_id, parent_line_no) \
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, \
         value->>9, value->>10 FROM json_each(?1)",
    )
    .bind(serde_json::to_string(rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies a Shopify version to an existing sales order: content unchanged (payment fields follow anyway),
/// replaced while nothing shipped, or refused as a conflict once something did. Writes no conflict note.
async fn apply_update(
    conn: &mut SqliteConnection,
    id: i64,
    order: &SalesOrderInput,
    now: &str,
) -> Result<SalesOrderChange> {
    let row: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT content_hash, \
         (SELECT COUNT(*) FROM shipments WHERE sales_order_id = so.id) \
         + (SELECT COALESCE(SUM(quantity_shipped), 0) FROM sales_order_lines WHERE sales_order_id = so.id) \
         FROM sales_orders so WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (stored_hash, shipped) =
        row.ok_or_else(|| StoreError::NotFound { what: "sales order", key: format!("id {id}") })?;
    let hash = content_hash(order);
    if stored_hash.as_deref() == Some(hash.as_str()) {
        sqlx::query(
            "UPDATE sales_orders SET payment_status = ?1, payment_terms = ?2, shopify_updated_at = ?3, updated_at = ?4 \
             WHERE id = ?5 AND (payment_status IS NOT ?1 OR payment_terms IS NOT ?2 OR shopify_updated_at IS NOT ?3)",
        )
        .bind(&order.payment_status)
        .bind(&order.payment_terms)
        .bind(order.shopify_updated_at.as_deref().map(normalize_time))
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        return Ok(SalesOrderChange::Unchanged);
    }
    if shipped > 0 {
        return Ok(SalesOrderChange::Conflict);
    }
    sqlx::query(
        "UPDATE sales_orders SET customer_id = ?, currency = ?, subtotal = ?, discount_total = ?, tax_total = ?, \
         shipping_total = ?, total = ?, payment_status = ?, payment_terms = ?, ship_to = ?, bill_to = ?, email = ?, \
         shopify_updated_at = ?, content_hash = ?, conflict = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(order.customer_id)
    .bind(&order.currency)
    .bind(&order.subtotal)
    .bind(&order.discount_total)
    .bind(&order.tax_total)
    .bind(&order.shipping_total)
    .bind(&order.total)
    .bind(&order.payment_status)
    .bind(&order.payment_terms)
    .bind(address_json(&order.ship_to)?)
    .bind(address_json(&order.bill_to)?)
    .bind(&order.email)
    .bind(order.shopify_updated_at.as_deref().map(normalize_time))
    .bind(&hash)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM sales_order_lines WHERE sales_order_id = ?").bind(id).execute(&mut *conn).await?;
    insert_lines(conn, id, order).await?;
    Ok(SalesOrderChange::Updated)
}

/// A stored line as [`apply_after_shipping`] matches it: id, line number, kind, SKU, Shopify line item, shipped.
type StoredLine = (i64, i64, String, Option<String>, Option<String>, i64);

/// What matches a stored line with Shopify's: kind, SKU and Shopify line item.
#[derive(PartialEq, Eq, Hash)]
struct LineKey(String, Option<String>, Option<String>);

/// Applies Shopify's version to a sales order part of which shipped, as a person decided: lines are matched by
/// Shopify line item, kind and SKU; a matched line takes Shopify's quantity and prices and keeps what shipped, a
/// new line is added, a line Shopify no longer has is removed. Refused when that would take away a line that
/// shipped, or leave a line with less than already shipped.
async fn apply_after_shipping(
    conn: &mut SqliteConnection,
    id: i64,
    number: &str,
    order: &SalesOrderInput,
    now: &str,
) -> Result<()> {
    let stored: Vec<StoredLine> = sqlx::query_as(
        "SELECT id, line_no, kind, sku, shopify_line_item_id, quantity_shipped FROM sales_order_lines \
         WHERE sales_order_id = ? ORDER BY line_no",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let key =
        |kind: &str, sku: &Option<String>, item: &Option<String>| LineKey(kind.to_string(), sku.clone(), item.clone());
    // Line key -> (line id, line number, quantity shipped).
    let mut by_key: HashMap<LineKey, (i64, i64, i64)> = stored
        .iter()
        .map(|(line_id, line_no, kind, sku, item, shipped)| (key(kind, sku, item), (*line_id, *line_no, *shipped)))
        .collect();
    let mut next = stored.iter().map(|l| l.1).max().unwrap_or(0) + 1;
    // Shopify's line numbers -> the sales order's, for bundle components' parents.
    let mut numbers: HashMap<i64, i64> = HashMap::new();
    let mut updates = Vec::new();
    let mut inserts = Vec::new();
    for line in &order.lines {
        match by_key.remove(&key(line.kind.as_str(), &line.sku, &line.shopify_line_item_id)) {
            Some((line_id, line_no, shipped)) => {
                if line.quantity < shipped {
                    return Err(StoreError::Conflict(format!(
                        "Shopify's version of {number} has {} of {}, but {shipped} shipped already: keep the back \
                         office's version and adjust the sales order by hand",
                        line.quantity,
                        line.sku.as_deref().unwrap_or(&line.description)
                    )));
                }
                numbers.insert(line.line_no, line_no);
                updates.push((line_id, line));
            }
            None => {
                numbers.insert(line.line_no, next);
                inserts.push((next, line));
                next += 1;
            }
        }
    }
    if let Some((_, _, shipped)) = by_key.values().find(|(_, _, shipped)| *shipped > 0) {
        return Err(StoreError::Conflict(format!(
            "Shopify's version of {number} no longer has a line of which {shipped} shipped: keep the back office's \
             version and adjust the sales order by hand"
        )));
    }
    for (line_id, _, _) in by_key.values() {
        sqlx::query("DELETE FROM sales_order_lines WHERE id = ?").bind(line_id).execute(&mut *conn).await?;
    }
    for (line_id, line) in updates {
        sqlx::query(
            "UPDATE sales_order_lines SET description = ?, quantity = ?, unit_price = ?, discount = ?, tax = ?, \
             parent_line_no = ? WHERE id = ?",
        )
        .bind(&line.description)
        .bind(line.quantity)
        .bind(&line.unit_price)
        .bind(&line.discount)
        .bind(&line.tax)
        .bind(line.parent_line_no.and_then(|p| numbers.get(&p).copied()))
        .bind(line_id)
        .execute(&mut *conn)
        .await?;
    }
    let rows: Vec<serde_json::Value> = inserts
        .into_iter()
        .map(|(line_no, line)| {
            let parent_line_no = line.parent_line_no.and_then(|p| numbers.get(&p).copied());
            line_json(id, &SalesOrderLineInput { line_no, parent_line_no, ..line.clone() })
        })
        .collect();
    insert_line_rows(conn, &rows).await?;
    sqlx::query(
        "UPDATE sales_orders SET customer_id = COALESCE(?, customer_id), currency = ?, subtotal = ?, \
         discount_total = ?, tax_total = ?, shipping_total = ?, total = ?, payment_status = ?, payment_terms = ?, \
         ship_to = ?, bill_to = ?, email = ?, shopify_updated_at = ?, content_hash = ?, conflict = NULL, \
         updated_at = ? WHERE id = ?",
    )
    .bind(order.customer_id)
    .bind(&order.currency)
    .bind(&order.subtotal)
    .bind(&order.discount_total)
    .bind(&order.tax_total)
    .bind(&order.shipping_total)
    .bind(&order.total)
    .bind(&order.payment_status)
    .bind(&order.payment_terms)
    .bind(address_json(&order.ship_to)?)
    .bind(address_json(&order.bill_to)?)
    .bind(&order.email)
    .bind(order.shopify_updated_at.as_deref().map(normalize_time))
    .bind(content_hash(order))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The hash of what a sales order takes from Shopify, payment fields aside (they may change after shipping
/// without anyone having to look).
fn content_hash(order: &SalesOrderInput) -> String {
    let content = json!([
        order.customer_id,
        order.currency,
        order.subtotal,
        order.discount_total,
        order.tax_total,
        order.shipping_total,
        order.total,
        order.ship_to,
        order.bill_to,
        order.email,
        order.lines,
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Links transactions, refunds and returns stored before their orders had a sales order.
async fn link_children(conn: &mut SqliteConnection, shop_id: i64, order_ids: &[&str]) -> Result<()> {
    if order_ids.is_empty() {
        return Ok(());
    }
    let order_ids = serde_json::to_string(order_ids)?;
    for table in ["order_transactions", "order_refunds", "order_returns"] {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET sales_order_id = (SELECT so.id FROM sales_orders so \
             WHERE so.shop_id = {table}.shop_id AND so.shopify_order_id = {table}.order_id) \
             WHERE shop_id = ?1 AND sales_order_id IS NULL AND order_id IN (SELECT value FROM json_each(?2))"
        )))
        .bind(shop_id)
        .bind(&order_ids)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The sales order of the row's order (`value->>0`), for the batched child upserts.
const SALES_ORDER_OF_ROW: &str =
    "(SELECT so.id FROM sales_orders so WHERE so.shop_id = ?1 AND so.shopify_order_id = value->>0)";

async fn save_transactions(conn: &mut SqliteConnection, shop_id: i64, items: &[&OrderTransactionInput]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|t| {
            json!([
                t.order_id,
                t.transaction_id,
                t.kind,
                t.status,
                t.gateway,
                t.amount,
                t.currency,
                t.processed_at.as_deref().map(normalize_time)
            ])
        })
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_transactions (shop_id, order_id, sales_order_id, transaction_id, kind, status, gateway, \
         amount, currency, processed_at) \
         SELECT ?1, value->>0, {SALES_ORDER_OF_ROW}, value->>1, value->>2, value->>3, value->>4, value->>5, \
         value->>6, value->>7 FROM json_each(?2) WHERE true \
         ON CONFLICT (shop_id, transaction_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, sales_order_id), kind = excluded.kind, \
         status = excluded.status, gateway = excluded.gateway, amount = excluded.amount, \
         currency = excluded.currency, processed_at = excluded.processed_at"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn save_refunds(conn: &mut SqliteConnection, shop_id: i64, items: &[&OrderRefundInput]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|r| {
            json!([
                r.order_id,
                r.refund_id,
                r.total,
                r.currency,
                r.note,
                json_or_empty_list(&r.lines),
                normalize_time(&r.created_at)
            ])
        })
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_refunds (shop_id, order_id, sales_order_id, refund_id, total, currency, note, lines, \
         created_at) \
         SELECT ?1, value->>0, {SALES_ORDER_OF_ROW}, value->>1, value->>2, value->>3, value->>4, value->>5, \
         value->>6 FROM json_each(?2) WHERE true \
         ON CONFLICT (shop_id, refund_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, sales_order_id), total = excluded.total, \
         currency = excluded.currency, note = excluded.note, lines = excluded.lines, \
         created_at = excluded.created_at"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn save_returns(conn: &mut SqliteConnection, shop_id: i64, items: &[&OrderReturnInput]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|r| json!([r.order_id, r.return_id, r.name, r.status, json_or_empty_list(&r.lines)]))
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_returns (shop_id, order_id, sales_order_id, return_id, name, status, lines) \
         SELECT ?1, value->>0, {SALES_ORDER_OF_ROW}, value->>1, value->>2, value->>3, value->>4 \
         FROM json_each(?2) WHERE true \
         ON CONFLICT (shop_id, return_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, sales_order_id), name = excluded.name, \
         status = excluded.status, lines = excluded.lines"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_shipment(conn: &mut SqliteConnection, shipment: &NewShipment, now: &str) -> Result<i64> {
    let header: Option<(String, Option<i64>, Option<String>, String)> =
        sqlx::query_as("SELECT number, shop_id, shopify_order_id, status FROM sales_orders WHERE id = ?")
            .bind(shipment.sales_order_id)
            .fetch_optional(&mut *conn)
            .await?;
    let (so_number, shop_id, shopify_order_id, status) = header
        .ok_or_else(|| StoreError::NotFound { what: "sales order", key: format!("id {}", shipment.sales_order_id) })?;
    if status == SalesOrderStatus::Cancelled.as_str() {
        return Err(StoreError::Conflict(format!("sales order {so_number} is cancelled: nothing of it can ship")));
    }
    // The same line given twice ships the sum.
    let mut quantities: BTreeMap<i64, i64> = BTreeMap::new();
    for line in &shipment.lines {
        if line.quantity <= 0 {
            return Err(StoreError::Conflict(format!(
                "a shipment quantity must be at least 1 (got {} for a line of {so_number})",
                line.quantity
            )));
        }
        let total = quantities.entry(line.sales_order_line_id).or_default();
        // Saturating: a sum past 64 bits is refused below as more than is left to ship.
        *total = total.saturating_add(line.quantity);
    }
    if quantities.is_empty() {
        return Err(StoreError::Conflict(format!("a shipment of {so_number} needs at least one line")));
    }
    for (&line_id, &quantity) in &quantities {
        let line: Option<(i64, i64, String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT sales_order_id, line_no, kind, sku, quantity, quantity_shipped FROM sales_order_lines WHERE id = ?",
        )
        .bind(line_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((_, line_no, kind, sku, ordered, shipped)) = line.filter(|l| l.0 == shipment.sales_order_id) else {
            return Err(StoreError::Conflict(format!("line id {line_id} is not a line of sales order {so_number}")));
        };
        let what = format!("line {line_no}{} of {so_number}", sku.map(|s| format!(" ({s})")).unwrap_or_default());
        if !LineKind::parse(&kind).is_some_and(LineKind::is_shippable) {
            return Err(StoreError::Conflict(format!(
                "{what} is a {} line, which does not ship; ship items and bundle components",
                kind.replace('_', " ")
            )));
        }
        if shipped.checked_add(quantity).is_none_or(|total| total > ordered) {
            return Err(StoreError::Conflict(format!(
                "{what} has {} left to ship, not {quantity} ({ordered} ordered, {shipped} shipped)",
                ordered - shipped
            )));
        }
    }

    let number = next_number(conn, "shipment").await?;
    let (sync_status, sync_error) = if shop_id.is_some() && shopify_order_id.is_some() {
        (ShipmentSyncStatus::Pending, None)
    } else {
        (ShipmentSyncStatus::Skipped, Some("the sales order does not come from a Shopify order"))
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shipments (number, sales_order_id, tracking_number, carrier, tracking_url, shipped_at, \
         sync_status, sync_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&number)
    .bind(shipment.sales_order_id)
    .bind(&shipment.tracking_number)
    .bind(&shipment.carrier)
    .bind(&shipment.tracking_url)
    .bind(shipment.shipped_at.as_deref().map(normalize_time).unwrap_or_else(|| now.to_string()))
    .bind(sync_status.as_str())
    .bind(sync_error)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (&line_id, &quantity) in &quantities {
        sqlx::query("INSERT INTO shipment_lines (shipment_id, sales_order_line_id, quantity) VALUES (?, ?, ?)")
            .bind(id)
            .bind(line_id)
            .bind(quantity)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE sales_order_lines SET quantity_shipped = quantity_shipped + ? WHERE id = ?")
            .bind(quantity)
            .bind(line_id)
            .execute(&mut *conn)
            .await?;
    }
    // A bundle has shipped as many times as its scarcest component allows.
    sqlx::query(
        "UPDATE sales_order_lines AS b SET quantity_shipped = COALESCE((SELECT MIN(c.quantity_shipped * b.quantity / \
         c.quantity) FROM sales_order_lines c WHERE c.sales_order_id = b.sales_order_id AND c.parent_line_no = b.line_no \
         AND c.quantity > 0), 0) WHERE b.sales_order_id = ? AND b.kind = 'bundle'",
    )
    .bind(shipment.sales_order_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE sales_orders SET status = CASE \
         WHEN NOT EXISTS (SELECT 1 FROM sales_order_lines WHERE sales_order_id = ?1 \
              AND kind IN ('item', 'bundle_component') AND quantity_shipped < quantity) THEN 'shipped' \
         WHEN EXISTS (SELECT 1 FROM sales_order_lines WHERE sales_order_id = ?1 AND quantity_shipped > 0) \
              THEN 'partially_shipped' \
         ELSE 'open' END, updated_at = ?2 WHERE id = ?1",
    )
    .bind(shipment.sales_order_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Shipments matching `conditions` (built from integers and fixed words only), oldest first, with their lines.
async fn load_shipments(conn: &mut SqliteConnection, conditions: &str, limit: u32) -> Result<Vec<Shipment>> {
    let limit = if limit == 0 { String::new() } else { format!(" LIMIT {limit}") };
    let rows: Vec<ShipmentRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments s JOIN sales_orders so ON so.id = s.sales_order_id \
         WHERE {conditions} ORDER BY s.id{limit}"
    )))
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let lines: Vec<ShipmentLineRow> = sqlx::query_as(
        "SELECT sl.shipment_id, sl.sales_order_line_id, l.line_no, l.kind, l.sku, l.description, sl.quantity, \
         l.shopify_line_item_id, l.parent_line_no FROM shipment_lines sl \
         JOIN sales_order_lines l ON l.id = sl.sales_order_line_id \
         WHERE sl.shipment_id IN (SELECT value FROM json_each(?)) ORDER BY sl.shipment_id, l.line_no",
    )
    .bind(serde_json::to_string(&ids)?)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_shipment: BTreeMap<i64, Vec<ShipmentLine>> = BTreeMap::new();
    for line in lines {
        let kind = parse_kind(&line.kind)?;
        by_shipment.entry(line.shipment_id).or_default().push(ShipmentLine {
            sales_order_line_id: line.sales_order_line_id,
            line_no: line.line_no,
            kind,
            sku: line.sku,
            description: line.description,
            quantity: line.quantity,
            shopify_line_item_id: line.shopify_line_item_id,
            parent_line_no: line.parent_line_no,
        });
    }
    rows.into_iter()
        .map(|row| {
            let sync_status = ShipmentSyncStatus::parse(&row.sync_status)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown shipment sync status `{}`", row.sync_status)))?;
            Ok(Shipment {
                lines: by_shipment.remove(&row.id).unwrap_or_default(),
                id: row.id,
                number: row.number,
                sales_order_id: row.sales_order_id,
                sales_order_number: row.sales_order_number,
                shop_id: row.shop_id,
                shopify_order_id: row.shopify_order_id,
                tracking_number: row.tracking_number,
                carrier: row.carrier,
                tracking_url: row.tracking_url,
                shipped_at: row.shipped_at,
                sync_status,
                sync_error: row.sync_error,
                shopify_fulfillment_ids: serde_json::from_str(&row.shopify_fulfillment_ids)?,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

async fn load_sales_order(conn: &mut SqliteConnection, id: i64) -> Result<SalesOrder> {
    let row: SalesOrderRow =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {SALES_ORDER_COLUMNS} FROM sales_orders WHERE id = ?")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "sales order", key: format!("id {id}") })?;
    let lines: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {LINE_COLUMNS} FROM sales_order_lines WHERE sales_order_id = ? ORDER BY line_no"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let lines = lines.into_iter().map(LineRow::into_line).collect::<Result<Vec<_>>>()?;
    row.into_sales_order(lines)
}

fn found(rows: u64, what: &'static str, id: i64) -> Result<()> {
    if rows == 0 { Err(StoreError::NotFound { what, key: format!("id {id}") }) } else { Ok(()) }
}

fn parse_kind(text: &str) -> Result<LineKind> {
    LineKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown sales order line kind `{text}`")))
}

fn address_json(address: &Option<Address>) -> Result<Option<String>> {
    Ok(address.as_ref().map(serde_json::to_string).transpose()?)
}

fn json_or_empty_list(value: &serde_json::Value) -> String {
    if value.is_null() { "[]".to_string() } else { value.to_string() }
}

/// Shopify timestamps in the store's form; a text that does not parse is kept as it is.
fn normalize_time(text: &str) -> String {
    shopsync_core::time::normalize(text).unwrap_or_else(|_| text.to_string())
}

fn limit_clause(limit: u32, offset: u32) -> String {
    match (limit, offset) {
        (0, 0) => String::new(),
        (0, offset) => format!(" LIMIT -1 OFFSET {offset}"),
        (limit, offset) => format!(" LIMIT {limit} OFFSET {offset}"),
    }
}

/// A value bound to a filter's placeholder.
enum Bind {
    Int(i64),
    Text(String),
}

type Args = sqlx::sqlite::SqliteArguments;

impl Bind {
    fn apply<'q>(self, q: sqlx::query::Query<'q, sqlx::Sqlite, Args>) -> sqlx::query::Query<'q, sqlx::Sqlite, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    fn apply_as<'q, T>(
        self,
        q: sqlx::query::QueryAs<'q, sqlx::Sqlite, T, Args>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    fn apply_scalar<'q, T>(
        self,
        q: sqlx::query::QueryScalar<'q, sqlx::Sqlite, T, Args>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Sqlite, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }
}

/// The WHERE clause of an order filter (on `shopify_orders o`) and its values.
fn order_conditions(shop_id: i64, filter: &OrderFilter) -> (String, Vec<Bind>) {
    let mut conditions = vec!["o.shop_id = ?"];
    let mut binds = vec![Bind::Int(shop_id)];
    if let Some(status) = filter.status {
        conditions.push("o.status = ?");
        binds.push(Bind::Text(status.as_str().to_string()));
    }
    if let Some(code) = filter.code {
        conditions.push(
            "EXISTS (SELECT 1 FROM order_errors e WHERE e.shop_id = o.shop_id AND e.order_id = o.order_id \
             AND e.code = ?)",
        );
        binds.push(Bind::Text(code.as_str().to_string()));
    }
    if let Some(from) = &filter.created_from {
        conditions.push("o.shopify_created_at >= ?");
        binds.push(Bind::Text(normalize_time(from)));
    }
    if let Some(before) = &filter.created_before {
        conditions.push("o.shopify_created_at < ?");
        binds.push(Bind::Text(normalize_time(before)));
    }
    if filter.reprocess_requested {
        conditions.push("o.reprocess_requested = 1");
    }
    (conditions.join(" AND "), binds)
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    shop_id: i64,
    order_id: String,
    name: String,
    status: String,
    sales_order_id: Option<i64>,
    sales_order_number: Option<String>,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    cancelled_at: Option<String>,
    tags: String,
    shopify_created_at: String,
    shopify_updated_at: String,
    reprocess_requested: bool,
    checked_at: String,
    error_codes: Option<String>,
}

impl OrderRow {
    fn into_order(self) -> Result<ShopifyOrder> {
        let status = self
            .status
            .parse::<OrderStatus>()
            .map_err(|_| StoreError::Corrupt(format!("unknown order status `{}`", self.status)))?;
        Ok(ShopifyOrder {
            shop_id: self.shop_id,
            order_id: self.order_id,
            name: self.name,
            status,
            sales_order_id: self.sales_order_id,
            sales_order_number: self.sales_order_number,
            financial_status: self.financial_status,
            fulfillment_status: self.fulfillment_status,
            cancelled_at: self.cancelled_at,
            tags: serde_json::from_str(&self.tags)?,
            shopify_created_at: self.shopify_created_at,
            shopify_updated_at: self.shopify_updated_at,
            reprocess_requested: self.reprocess_requested,
            checked_at: self.checked_at,
            error_codes: self
                .error_codes
                .map(|codes| codes.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct SalesOrderRow {
    id: i64,
    number: String,
    shop_id: Option<i64>,
    shopify_order_id: Option<String>,
    shopify_order_name: Option<String>,
    customer_id: Option<i64>,
    currency: String,
    subtotal: String,
    discount_total: String,
    tax_total: String,
    shipping_total: String,
    total: String,
    payment_status: Option<String>,
    payment_terms: Option<String>,
    ship_to: Option<String>,
    bill_to: Option<String>,
    email: Option<String>,
    status: String,
    conflict: Option<String>,
    shopify_updated_at: Option<String>,
    created_at: String,
    updated_at: String,
}

impl SalesOrderRow {
    fn into_sales_order(self, lines: Vec<SalesOrderLine>) -> Result<SalesOrder> {
        let status = SalesOrderStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sales order status `{}`", self.status)))?;
        let address = |text: Option<String>| -> Result<Option<Address>> {
            Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
        };
        Ok(SalesOrder {
            id: self.id,
            number: self.number,
            shop_id: self.shop_id,
            shopify_order_id: self.shopify_order_id,
            shopify_order_name: self.shopify_order_name,
            customer_id: self.customer_id,
            currency: self.currency,
            subtotal: self.subtotal,
            discount_total: self.discount_total,
            tax_total: self.tax_total,
            shipping_total: self.shipping_total,
            total: self.total,
            payment_status: self.payment_status,
            payment_terms: self.payment_terms,
            ship_to: address(self.ship_to)?,
            bill_to: address(self.bill_to)?,
            email: self.email,
            status,
            conflict: self.conflict,
            shopify_updated_at: self.shopify_updated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            lines,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    #[allow(dead_code)]
    sales_order_id: i64,
    line_no: i64,
    kind: String,
    sku: Option<String>,
    description: String,
    quantity: i64,
    unit_price: String,
    discount: String,
    tax: String,
    shopify_line_item_id: Option<String>,
    parent_line_no: Option<i64>,
    quantity_shipped: i64,
}

impl LineRow {
    fn into_line(self) -> Result<SalesOrderLine> {
        Ok(SalesOrderLine {
            id: self.id,
            line_no: self.line_no,
            kind: parse_kind(&self.kind)?,
            sku: self.sku,
            description: self.description,
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.discount,
            tax: self.tax,
            shopify_line_item_id: self.shopify_line_item_id,
            parent_line_no: self.parent_line_no,
            quantity_shipped: self.quantity_shipped,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RefundRow {
    refund_id: String,
    order_id: String,
    sales_order_id: Option<i64>,
    total: String,
    currency: String,
    note: Option<String>,
    lines: String,
    created_at: String,
}

#[derive(sqlx::FromRow)]
struct ShipmentRow {
    id: i64,
    number: String,
    sales_order_id: i64,
    sales_order_number: String,
    shop_id: Option<i64>,
    shopify_order_id: Option<String>,
    tracking_number: Option<String>,
    carrier: Option<String>,
    tracking_url: Option<String>,
    shipped_at: String,
    sync_status: String,
    sync_error: Option<String>,
    shopify_fulfillment_ids: String,
    created_at: String,
    updated_at: String,
}

#[derive(sqlx::FromRow)]
struct ShipmentLineRow {
    shipment_id: i64,
    sales_order_line_id: i64,
    line_no: i64,
    kind: String,
    sku: Option<String>,
    description: String,
    quantity: i64,
    shopify_line_item_id: Option<String>,
    parent_line_no: Option<i64>,
}
