//! The batch save of order evaluations: one page of orders, their problems and their sales orders per statement.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;
use sqlx::{AssertSqlSafe, SqliteConnection};

use super::filters::{address_json, normalize_time};
use super::payments::{link_children, save_refunds, save_returns, save_transactions};
use super::sales_orders::{apply_update, insert_line_rows, line_json};
use crate::decide::orders::{SalesOrderDecision, StoredSalesOrder, conflict_note, content_hash, decide};
use crate::orders::{
    OrderEvaluation, OrderRefundInput, OrderReturnInput, OrderStatus, OrderTransactionInput, RecheckEvent,
    SalesOrderChange, SavedEvaluation, ShopifyOrderInput,
};
use crate::{Result, StoreError};

/// A stored sales order as an evaluation page sees it.
pub(super) struct ExistingSalesOrder {
    pub(super) id: i64,
    pub(super) number: String,
    pub(super) content_hash: Option<String>,
    /// Shipments plus shipped quantities: anything above zero means something left the warehouse.
    pub(super) shipped: i64,
    pub(super) has_conflict: bool,
}

/// Saves one page of evaluations whose order ids are all different, with a fixed number of statements for the
/// whole page (plus one or two per order whose sales order changes, which is rare).
pub(super) async fn save_page(
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
                let stored = StoredSalesOrder {
                    content_hash: so.content_hash.as_deref(),
                    shipped: so.shipped,
                    has_conflict: so.has_conflict,
                };
                let change = match decide(stored, &hash) {
                    SalesOrderDecision::Unchanged { settles_conflict } => {
                        quiet_updates.push(json!([
                            so.id,
                            input.payment_status,
                            input.payment_terms,
                            input.shopify_updated_at.as_deref().map(normalize_time)
                        ]));
                        if settles_conflict {
                            settled.push(so.id);
                        }
                        SalesOrderChange::Unchanged
                    }
                    SalesOrderDecision::Conflict => {
                        write_conflict_note(conn, so.id, order, now).await?;
                        SalesOrderChange::Conflict
                    }
                    SalesOrderDecision::Replace => apply_update(conn, so.id, input, now).await?,
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

pub(super) async fn write_conflict_note(
    conn: &mut SqliteConnection,
    id: i64,
    order: &ShopifyOrderInput,
    now: &str,
) -> Result<()> {
    let note = conflict_note(&order.name, &normalize_time(&order.updated_at));
    sqlx::query("UPDATE sales_orders SET conflict = ?, updated_at = ? WHERE id = ?")
        .bind(note)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reserves `count` consecutive numbers of a series in one statement.
pub(super) async fn reserve_numbers(conn: &mut SqliteConnection, series: &str, count: usize) -> Result<Vec<String>> {
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
