//! Order transactions, refunds and returns, written in batches and linked to their sales orders.

use serde_json::json;
use sqlx::{AssertSqlSafe, PgConnection};

use super::filters::{json_or_empty_list, normalize_time};
use crate::Result;
use crate::orders::{OrderRefundInput, OrderReturnInput, OrderTransactionInput};

/// Links transactions, refunds and returns stored before their orders had a sales order.
pub(super) async fn link_children(conn: &mut PgConnection, shop_id: i64, order_ids: &[&str]) -> Result<()> {
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
pub(super) const SALES_ORDER_OF_ROW: &str =
    "(SELECT so.id FROM sales_orders so WHERE so.shop_id = ?1 AND so.shopify_order_id = value->>0)";

pub(super) async fn save_transactions(
    conn: &mut PgConnection,
    shop_id: i64,
    items: &[&OrderTransactionInput],
) -> Result<()> {
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

pub(super) async fn save_refunds(conn: &mut PgConnection, shop_id: i64, items: &[&OrderRefundInput]) -> Result<()> {
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

pub(super) async fn save_returns(conn: &mut PgConnection, shop_id: i64, items: &[&OrderReturnInput]) -> Result<()> {
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
