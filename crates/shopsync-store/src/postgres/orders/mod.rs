//! Shopify orders, sales orders, shipments and webhook events in PostgreSQL.
//!
//! An evaluation batch is one write transaction with a fixed number of statements per page, whatever its size:
//! the headers' upsert, the replacement of their problems and recheck keys, and the new sales orders with all
//! their lines, each one `INSERT ... SELECT FROM jsonb_to_recordset` of the whole page (one bound document, far
//! below PostgreSQL's 65,535 parameters). Statements are prepared once per connection and reused, which is what
//! keeps a page of orders in the low milliseconds.

mod evaluations;
mod filters;
mod payments;
mod sales_orders;
pub(super) use sales_orders::load_sales_orders;
mod shipments;

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, PgConnection};

use super::{PgStore, now};
use crate::decide::orders::content_hash;
use crate::orders::{
    ConflictResolution, ConflictResolutionInput, ConflictSide, NewShipment, OrderError, OrderEvaluation, OrderFilter,
    OrderKey, OrderRefund, OrderRefundInput, OrderReturn, OrderReturnInput, OrderStatus, OrderStore, OrderTransaction,
    OrderTransactionInput, Payout, RecheckEvent, SalesOrder, SalesOrderChange, SalesOrderCreated, SalesOrderInput,
    SalesOrderStatus, SalesOrderUpdate, SavedEvaluation, Shipment, ShipmentQuery, ShipmentSyncStatus, ShopifyOrder,
    ShopifyOrderInput, StoredOrderVersion, WebhookEventInput,
};
use crate::rows::orders as rows;
use crate::{Result, StoreError};
use evaluations::save_page;
use filters::{found, is_reversed, last_of_each, limit_clause, normalize_time, order_by, order_conditions};
use payments::{link_children, save_refunds, save_returns, save_transactions};
use rows::{OrderRow, RefundRow};
use sales_orders::{apply_after_shipping, apply_update, insert_sales_order, load_sales_order, sales_order_id_for};
use shipments::{insert_shipment, load_shipments};

// Problems keep the order they were found in through order_errors.id (migration 0003), as SQLite's rowid does.
const ORDER_COLUMNS: &str = "o.shop_id, o.order_id, o.name, o.status, o.sales_order_id, so.number AS sales_order_number, \
     o.financial_status, o.fulfillment_status, o.cancelled_at, o.tags, o.shopify_created_at, o.shopify_updated_at, \
     o.reprocess_requested, ts_text(o.checked_at) AS checked_at, \
     (SELECT string_agg(e.code, ',' ORDER BY e.id) FROM order_errors e \
      WHERE e.shop_id = o.shop_id AND e.order_id = o.order_id) AS error_codes";
const ORDER_FROM: &str = "shopify_orders o LEFT JOIN sales_orders so ON so.id = o.sales_order_id";
const SALES_ORDER_COLUMNS: &str = "id, number, shop_id, shopify_order_id, shopify_order_name, customer_id, currency, \
     subtotal, discount_total, tax_total, shipping_total, total, payment_status, payment_terms, ship_to, bill_to, \
     email, status, conflict, ts_text(shopify_updated_at) AS shopify_updated_at, ts_text(created_at) AS created_at, \
     ts_text(updated_at) AS updated_at";
const LINE_COLUMNS: &str = "id, sales_order_id, line_no, kind, sku, description, quantity, unit_price, discount, tax, \
     shopify_line_item_id, parent_line_no, quantity_shipped";
const SHIPMENT_COLUMNS: &str = "s.id, s.number, s.sales_order_id, so.number AS sales_order_number, so.shop_id, \
     so.shopify_order_id, s.tracking_number, s.carrier, s.tracking_url, ts_text(s.shipped_at) AS shipped_at, \
     s.sync_status, s.sync_error, s.shopify_fulfillment_ids, ts_text(s.created_at) AS created_at, \
     ts_text(s.updated_at) AS updated_at";

#[async_trait]
impl OrderStore for PgStore {
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
        let _: i64 = sqlx::query_scalar("SELECT 1::bigint FROM shops WHERE id = $1")
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
                 VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10::timestamptz) \
                 ON CONFLICT (shop_id, order_id) DO NOTHING",
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
                "UPDATE shopify_orders SET name = $1, financial_status = $2, fulfillment_status = $3, \
                 cancelled_at = $4, tags = $5, shopify_created_at = $6, shopify_updated_at = $7 \
                 WHERE shop_id = $8 AND order_id = $9 AND shopify_updated_at <= $10",
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
            "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = $1 AND o.order_id = $2"
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
                "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = $1 AND o.name = $2 \
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
                "SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.shop_id = $1 AND so.number = $2"
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
             {}{}",
            order_by(filter),
            limit_clause(filter.limit, filter.offset)
        );
        let mut query = sqlx::query_as::<_, OrderRow>(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply_as(query);
        }
        let mut rows = query.fetch_all(&self.pool).await?;
        if is_reversed(filter) {
            rows.reverse();
        }
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
            "SELECT o.order_id FROM shopify_orders o WHERE {conditions}{}{}",
            order_by(filter),
            limit_clause(filter.limit, filter.offset)
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for bind in binds {
            query = bind.apply_scalar(query);
        }
        let mut ids = query.fetch_all(&self.pool).await?;
        if is_reversed(filter) {
            ids.reverse();
        }
        Ok(ids)
    }

    async fn shopify_order_versions(
        &self,
        shop_id: i64,
        order_ids: &[String],
    ) -> Result<BTreeMap<String, StoredOrderVersion>> {
        if order_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        // `= ANY` of the bound array is looked up through the primary key, one probe per id of the page.
        let rows: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT o.order_id, o.shopify_updated_at, o.sales_order_id, o.import_hash FROM shopify_orders AS o \
             WHERE o.shop_id = $1 AND o.order_id = ANY($2)",
        )
        .bind(shop_id)
        .bind(order_ids)
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
            sqlx::query_as("SELECT status, COUNT(*) FROM shopify_orders WHERE shop_id = $1 GROUP BY status")
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

    async fn latest_order_update(&self, shop_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT MAX(shopify_updated_at) FROM shopify_orders WHERE shop_id = $1")
            .bind(shop_id)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn order_error_counts(&self, shop_id: i64) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT code, COUNT(DISTINCT order_id) FROM order_errors WHERE shop_id = $1 GROUP BY code ORDER BY code",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(code, n)| (code, u64::try_from(n).unwrap_or_default())).collect())
    }

    async fn order_errors(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderError>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT code, message, detail, ts_text(created_at) FROM order_errors WHERE shop_id = $1 AND order_id = $2 \
             ORDER BY id",
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
            "UPDATE shopify_orders SET reprocess_requested = TRUE WHERE shop_id = $1 AND order_id = ANY($2)",
        )
        .bind(shop_id)
        .bind(order_ids)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn request_reprocess_matching(&self, shop_id: i64, filter: &OrderFilter) -> Result<u64> {
        let (conditions, binds) = order_conditions(shop_id, filter);
        let sql = format!("UPDATE shopify_orders AS o SET reprocess_requested = TRUE WHERE {conditions}");
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
            "SELECT DISTINCT order_id FROM order_rechecks WHERE shop_id = $1 AND event = ANY($2) ORDER BY order_id",
        )
        .bind(shop_id)
        .bind(&keys)
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
            Err(StoreError::Duplicate(_)) => {
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
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM sales_orders WHERE id = $1")
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
        sqlx::query("UPDATE sales_orders SET conflict = $1, updated_at = $2::timestamptz WHERE id = $3")
            .bind(note)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let status = if note.is_some() { OrderStatus::Conflict } else { OrderStatus::Synced };
        sqlx::query("UPDATE shopify_orders SET status = $1 WHERE sales_order_id = $2")
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
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, number, conflict FROM sales_orders WHERE shop_id = $1 AND shopify_order_id = $2",
        )
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
                    "UPDATE sales_orders SET status = 'cancelled', conflict = NULL, updated_at = $1::timestamptz \
                     WHERE id = $2",
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
                    "UPDATE sales_orders SET conflict = NULL, content_hash = COALESCE($1, content_hash), \
                     shopify_updated_at = COALESCE($2::timestamptz, shopify_updated_at), \
                     updated_at = $3::timestamptz WHERE id = $4",
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
        sqlx::query("UPDATE shopify_orders SET status = $1 WHERE shop_id = $2 AND order_id = $3")
            .bind(order_status.as_str())
            .bind(shop_id)
            .bind(&input.order_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO conflict_resolutions (shop_id, order_id, sales_order_id, resolution, conflict, resolved_by, \
             note, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)",
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
            "SELECT r.order_id, so.number, r.resolution, r.conflict, r.resolved_by, r.note, ts_text(r.resolved_at) \
             FROM conflict_resolutions r LEFT JOIN sales_orders so ON so.id = r.sales_order_id \
             WHERE r.shop_id = $1 AND r.order_id = $2 ORDER BY r.id",
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
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM sales_orders WHERE number = $1")
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
            sqlx::query_scalar("SELECT id FROM sales_orders WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
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
        // One statement for the batch; a payout given twice is written once, as its last version (PostgreSQL's
        // upsert refuses to touch a row twice in one statement).
        let payouts = last_of_each(payouts, |p| p.payout_id.as_str());
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO payouts (shop_id, payout_id, status, issued_at, net, currency) \
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
             ON CONFLICT (shop_id, payout_id) DO UPDATE SET status = excluded.status, \
             issued_at = excluded.issued_at, net = excluded.net, currency = excluded.currency",
        )
        .bind(shop_id)
        .bind(payouts.iter().map(|p| p.payout_id.as_str()).collect::<Vec<_>>())
        .bind(payouts.iter().map(|p| p.status.as_str()).collect::<Vec<_>>())
        .bind(payouts.iter().map(|p| p.issued_at.as_deref().map(normalize_time)).collect::<Vec<_>>())
        .bind(payouts.iter().map(|p| p.net.as_str()).collect::<Vec<_>>())
        .bind(payouts.iter().map(|p| p.currency.as_str()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn order_transactions(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderTransaction>> {
        Ok(sqlx::query_as(
            "SELECT transaction_id, order_id, sales_order_id, kind, status, gateway, amount, currency, processed_at \
             FROM order_transactions WHERE shop_id = $1 AND order_id = $2 \
             ORDER BY processed_at NULLS FIRST, transaction_id",
        )
        .bind(shop_id)
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn order_refunds(&self, shop_id: i64, order_id: &str) -> Result<Vec<OrderRefund>> {
        let rows: Vec<RefundRow> = sqlx::query_as(
            "SELECT refund_id, order_id, sales_order_id, total, currency, note, lines, created_at \
             FROM order_refunds WHERE shop_id = $1 AND order_id = $2 ORDER BY created_at, refund_id",
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
             WHERE shop_id = $1 AND order_id = $2 ORDER BY return_id",
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
            "SELECT payout_id, status, issued_at, net, currency FROM payouts WHERE shop_id = $1 \
             ORDER BY issued_at DESC NULLS LAST, payout_id DESC LIMIT $2",
        )
        .bind(shop_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_shipment(&self, shipment: &NewShipment) -> Result<Shipment> {
        let now = now();
        let mut tx = self.write().await?;
        let id = insert_shipment(&mut tx, shipment, &now).await?;
        let created = load_shipments(&mut tx, &format!("s.id = {id}"), 0)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("a shipment vanished while it was written".into()))?;
        super::api::keep_key(&mut tx, || crate::api::WriteOutcome::Shipment(Box::new(created.clone()))).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn shipment(&self, number: &str) -> Result<Option<Shipment>> {
        let mut conn = self.pool.acquire().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM shipments WHERE number = $1")
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
            "UPDATE shipments SET sync_status = 'synced', sync_error = NULL, shopify_fulfillment_ids = $1, \
             updated_at = $2::timestamptz WHERE id = $3",
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
        let done = sqlx::query(
            "UPDATE shipments SET sync_status = $1, sync_error = $2, updated_at = $3::timestamptz WHERE id = $4",
        )
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
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (shop_id, event_id) DO NOTHING",
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
        sqlx::query("UPDATE webhook_events SET processed_at = $1::timestamptz WHERE shop_id = $2 AND event_id = $3")
            .bind(now())
            .bind(shop_id)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn purge_webhook_events(&self, shop_id: i64, before: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM webhook_events WHERE shop_id = $1 AND received_at < $2::timestamptz")
            .bind(shop_id)
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Takes the next number of a number series (`SO-000001`) inside the caller's transaction, so a rolled-back
/// document gives its number back.
pub(super) async fn next_number(conn: &mut PgConnection, series: &str) -> Result<String> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "UPDATE number_series SET next_value = next_value + 1 WHERE code = $1 RETURNING prefix, next_value - 1, width",
    )
    .bind(series)
    .fetch_optional(&mut *conn)
    .await?;
    let (prefix, value, width) =
        row.ok_or_else(|| StoreError::Corrupt(format!("the number series `{series}` is missing")))?;
    let width = usize::try_from(width).unwrap_or(6);
    Ok(format!("{prefix}{value:0width$}"))
}
