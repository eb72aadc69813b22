//! Sales orders and their lines: creation, updates from Shopify (before and after shipping), conflicts and loading.

use std::collections::HashMap;

use serde_json::json;
use sqlx::{AssertSqlSafe, PgConnection};

use super::filters::{address_json, normalize_time};
use super::rows::{LineRow, SalesOrderRow};
use super::{LINE_COLUMNS, SALES_ORDER_COLUMNS, next_number};
use crate::decide::orders::{SalesOrderDecision, StoredSalesOrder, content_hash, decide};
use crate::orders::{SalesOrder, SalesOrderChange, SalesOrderInput, SalesOrderLine, SalesOrderLineInput};
use crate::{Result, StoreError};

pub(super) async fn sales_order_id_for(
    conn: &mut PgConnection,
    shop_id: i64,
    shopify_order_id: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM sales_orders WHERE shop_id = $1 AND shopify_order_id = $2")
        .bind(shop_id)
        .bind(shopify_order_id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Inserts a sales order and its lines; the caller has checked that the Shopify order has none.
pub(super) async fn insert_sales_order(
    conn: &mut PgConnection,
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'open', $17::timestamptz, $18, \
         $19::timestamptz, $20::timestamptz) RETURNING id",
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
pub(super) async fn insert_lines(conn: &mut PgConnection, sales_order_id: i64, order: &SalesOrderInput) -> Result<()> {
    let rows: Vec<serde_json::Value> = order.lines.iter().map(|l| line_json(sales_order_id, l)).collect();
    insert_line_rows(conn, &rows).await
}

pub(super) fn line_json(sales_order_id: i64, l: &SalesOrderLineInput) -> serde_json::Value {
    json!({
        "sales_order_id": sales_order_id,
        "line_no": l.line_no,
        "kind": l.kind.as_str(),
        "sku": l.sku,
        "description": l.description,
        "quantity": l.quantity,
        "unit_price": l.unit_price,
        "discount": l.discount,
        "tax": l.tax,
        "shopify_line_item_id": l.shopify_line_item_id,
        "parent_line_no": l.parent_line_no,
    })
}

/// Lines of any number of sales orders, as rows built by [`line_json`], in one statement.
pub(super) async fn insert_line_rows(conn: &mut PgConnection, rows: &[serde_json::Value]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // In the rows' order, so line ids rise with line numbers as they always have.
    sqlx::query(
        "INSERT INTO sales_order_lines (sales_order_id, line_no, kind, sku, description, quantity, unit_price, \
         discount, tax, shopify_line_item_id, parent_line_no) \
         SELECT l.sales_order_id, l.line_no, l.kind, l.sku, l.description, l.quantity, l.unit_price, l.discount, \
         l.tax, l.shopify_line_item_id, l.parent_line_no \
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (sales_order_id bigint, line_no bigint, kind text, sku text, \
         description text, quantity bigint, unit_price text, discount text, tax text, shopify_line_item_id text, \
         parent_line_no bigint)) WITH ORDINALITY AS l ORDER BY l.ordinality",
    )
    .bind(serde_json::to_string(rows)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies a Shopify version to an existing sales order: content unchanged (payment fields follow anyway),
/// replaced while nothing shipped, or refused as a conflict once something did. Writes no conflict note.
pub(super) async fn apply_update(
    conn: &mut PgConnection,
    id: i64,
    order: &SalesOrderInput,
    now: &str,
) -> Result<SalesOrderChange> {
    // SUM of a bigint is numeric in PostgreSQL: the total is cast back.
    let row: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT content_hash, \
         ((SELECT COUNT(*) FROM shipments WHERE sales_order_id = so.id) \
         + (SELECT COALESCE(SUM(quantity_shipped), 0) FROM sales_order_lines WHERE sales_order_id = so.id))::bigint \
         FROM sales_orders so WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (stored_hash, shipped) =
        row.ok_or_else(|| StoreError::NotFound { what: "sales order", key: format!("id {id}") })?;
    let hash = content_hash(order);
    let stored = StoredSalesOrder { content_hash: stored_hash.as_deref(), shipped, has_conflict: false };
    let decision = decide(stored, &hash);
    if let SalesOrderDecision::Unchanged { .. } = decision {
        sqlx::query(
            "UPDATE sales_orders SET payment_status = $1, payment_terms = $2, shopify_updated_at = $3::timestamptz, \
             updated_at = $4::timestamptz WHERE id = $5 AND (payment_status IS DISTINCT FROM $1 \
             OR payment_terms IS DISTINCT FROM $2 OR shopify_updated_at IS DISTINCT FROM $3::timestamptz)",
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
    if decision == SalesOrderDecision::Conflict {
        return Ok(SalesOrderChange::Conflict);
    }
    sqlx::query(
        "UPDATE sales_orders SET customer_id = $1, currency = $2, subtotal = $3, discount_total = $4, tax_total = $5, \
         shipping_total = $6, total = $7, payment_status = $8, payment_terms = $9, ship_to = $10, bill_to = $11, \
         email = $12, shopify_updated_at = $13::timestamptz, content_hash = $14, conflict = NULL, \
         updated_at = $15::timestamptz WHERE id = $16",
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
    sqlx::query("DELETE FROM sales_order_lines WHERE sales_order_id = $1").bind(id).execute(&mut *conn).await?;
    insert_lines(conn, id, order).await?;
    Ok(SalesOrderChange::Updated)
}

/// A stored line as [`apply_after_shipping`] matches it: id, line number, kind, SKU, Shopify line item, shipped.
pub(super) type StoredLine = (i64, i64, String, Option<String>, Option<String>, i64);

/// What matches a stored line with Shopify's: kind, SKU and Shopify line item.
#[derive(PartialEq, Eq, Hash)]
pub(super) struct LineKey(String, Option<String>, Option<String>);

/// Applies Shopify's version to a sales order part of which shipped, as a person decided: lines are matched by
/// Shopify line item, kind and SKU; a matched line takes Shopify's quantity and prices and keeps what shipped, a
/// new line is added, a line Shopify no longer has is removed. Refused when that would take away a line that
/// shipped, or leave a line with less than already shipped.
pub(super) async fn apply_after_shipping(
    conn: &mut PgConnection,
    id: i64,
    number: &str,
    order: &SalesOrderInput,
    now: &str,
) -> Result<()> {
    let stored: Vec<StoredLine> = sqlx::query_as(
        "SELECT id, line_no, kind, sku, shopify_line_item_id, quantity_shipped FROM sales_order_lines \
         WHERE sales_order_id = $1 ORDER BY line_no",
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
        sqlx::query("DELETE FROM sales_order_lines WHERE id = $1").bind(line_id).execute(&mut *conn).await?;
    }
    for (line_id, line) in updates {
        sqlx::query(
            "UPDATE sales_order_lines SET description = $1, quantity = $2, unit_price = $3, discount = $4, tax = $5, \
             parent_line_no = $6 WHERE id = $7",
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
        "UPDATE sales_orders SET customer_id = COALESCE($1, customer_id), currency = $2, subtotal = $3, \
         discount_total = $4, tax_total = $5, shipping_total = $6, total = $7, payment_status = $8, \
         payment_terms = $9, ship_to = $10, bill_to = $11, email = $12, shopify_updated_at = $13::timestamptz, content_hash = $14, \
         conflict = NULL, updated_at = $15::timestamptz WHERE id = $16",
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

pub(super) async fn load_sales_order(conn: &mut PgConnection, id: i64) -> Result<SalesOrder> {
    let row: SalesOrderRow =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {SALES_ORDER_COLUMNS} FROM sales_orders WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "sales order", key: format!("id {id}") })?;
    let lines: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {LINE_COLUMNS} FROM sales_order_lines WHERE sales_order_id = $1 ORDER BY line_no"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let lines = lines.into_iter().map(LineRow::into_line).collect::<Result<Vec<_>>>()?;
    row.into_sales_order(lines)
}

/// Sales orders by id, with their lines, in the order of `ids`: three statements whatever their number (the feed
/// reads pages of thousands). Ids not found are left out.
pub(in crate::postgres) async fn load_sales_orders(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<SalesOrder>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<SalesOrderRow> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {SALES_ORDER_COLUMNS} FROM sales_orders WHERE id = ANY($1)")))
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?;
    let lines: Vec<LineRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {LINE_COLUMNS} FROM sales_order_lines WHERE sales_order_id = ANY($1) ORDER BY sales_order_id, line_no"
    )))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines_of: HashMap<i64, Vec<SalesOrderLine>> = HashMap::new();
    for line in lines {
        let order = line.sales_order_id;
        lines_of.entry(order).or_default().push(line.into_line()?);
    }
    let mut by_id: HashMap<i64, SalesOrder> = HashMap::new();
    for row in rows {
        let id = row.id;
        by_id.insert(id, row.into_sales_order(lines_of.remove(&id).unwrap_or_default())?);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}
