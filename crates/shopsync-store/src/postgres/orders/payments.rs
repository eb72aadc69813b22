//! Order transactions, refunds and returns, written in batches and linked to their sales orders.
//!
//! A batch is one upsert of a `jsonb_to_recordset` document. PostgreSQL refuses to upsert one row twice in one
//! statement, so a child given twice in a batch is written once, as its last version (what SQLite's row-by-row
//! upsert leaves).

use serde_json::json;
use sqlx::{AssertSqlSafe, PgConnection};

use super::filters::{json_or_empty_list, last_of_each, normalize_time};
use crate::Result;
use crate::orders::{OrderRefundInput, OrderReturnInput, OrderTransactionInput};

/// Links transactions, refunds and returns stored before their orders had a sales order.
pub(super) async fn link_children(conn: &mut PgConnection, shop_id: i64, order_ids: &[&str]) -> Result<()> {
    if order_ids.is_empty() {
        return Ok(());
    }
    for table in ["order_transactions", "order_refunds", "order_returns"] {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET sales_order_id = (SELECT so.id FROM sales_orders so \
             WHERE so.shop_id = {table}.shop_id AND so.shopify_order_id = {table}.order_id) \
             WHERE shop_id = $1 AND sales_order_id IS NULL AND order_id = ANY($2)"
        )))
        .bind(shop_id)
        .bind(order_ids)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The sales order of the row's order (`r.order_id`), for the batched child upserts.
pub(super) const SALES_ORDER_OF_ROW: &str =
    "(SELECT so.id FROM sales_orders so WHERE so.shop_id = $1 AND so.shopify_order_id = r.order_id)";

pub(super) async fn save_transactions(
    conn: &mut PgConnection,
    shop_id: i64,
    items: &[&OrderTransactionInput],
) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = last_of_each(items.iter().copied(), |t| t.transaction_id.as_str())
        .into_iter()
        .map(|t| {
            json!({
                "order_id": t.order_id,
                "transaction_id": t.transaction_id,
                "kind": t.kind,
                "status": t.status,
                "gateway": t.gateway,
                "amount": t.amount,
                "currency": t.currency,
                "processed_at": t.processed_at.as_deref().map(normalize_time),
            })
        })
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_transactions (shop_id, order_id, sales_order_id, transaction_id, kind, status, gateway, \
         amount, currency, processed_at) \
         SELECT $1, r.order_id, {SALES_ORDER_OF_ROW}, r.transaction_id, r.kind, r.status, r.gateway, r.amount, \
         r.currency, r.processed_at \
         FROM jsonb_to_recordset($2::jsonb) AS r(order_id text, transaction_id text, kind text, status text, \
         gateway text, amount text, currency text, processed_at text) \
         ON CONFLICT (shop_id, transaction_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, order_transactions.sales_order_id), kind = excluded.kind, \
         status = excluded.status, gateway = excluded.gateway, amount = excluded.amount, \
         currency = excluded.currency, processed_at = excluded.processed_at"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn save_refunds(conn: &mut PgConnection, shop_id: i64, items: &[&OrderRefundInput]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = last_of_each(items.iter().copied(), |r| r.refund_id.as_str())
        .into_iter()
        .map(|r| {
            json!({
                "order_id": r.order_id,
                "refund_id": r.refund_id,
                "total": r.total,
                "currency": r.currency,
                "note": r.note,
                "lines": json_or_empty_list(&r.lines),
                "created_at": normalize_time(&r.created_at),
            })
        })
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_refunds (shop_id, order_id, sales_order_id, refund_id, total, currency, note, lines, \
         created_at) \
         SELECT $1, r.order_id, {SALES_ORDER_OF_ROW}, r.refund_id, r.total, r.currency, r.note, r.lines, \
         r.created_at \
         FROM jsonb_to_recordset($2::jsonb) AS r(order_id text, refund_id text, total text, currency text, note text, \
         lines text, created_at text) \
         ON CONFLICT (shop_id, refund_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, order_refunds.sales_order_id), total = excluded.total, \
         currency = excluded.currency, note = excluded.note, lines = excluded.lines, \
         created_at = excluded.created_at"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn save_returns(conn: &mut PgConnection, shop_id: i64, items: &[&OrderReturnInput]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = last_of_each(items.iter().copied(), |r| r.return_id.as_str())
        .into_iter()
        .map(|r| {
            json!({
                "order_id": r.order_id,
                "return_id": r.return_id,
                "name": r.name,
                "status": r.status,
                "lines": json_or_empty_list(&r.lines),
            })
        })
        .collect();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO order_returns (shop_id, order_id, sales_order_id, return_id, name, status, lines) \
         SELECT $1, r.order_id, {SALES_ORDER_OF_ROW}, r.return_id, r.name, r.status, r.lines \
         FROM jsonb_to_recordset($2::jsonb) AS r(order_id text, return_id text, name text, status text, lines text) \
         ON CONFLICT (shop_id, return_id) DO UPDATE SET order_id = excluded.order_id, \
         sales_order_id = COALESCE(excluded.sales_order_id, order_returns.sales_order_id), name = excluded.name, \
         status = excluded.status, lines = excluded.lines"
    )))
    .bind(shop_id)
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
