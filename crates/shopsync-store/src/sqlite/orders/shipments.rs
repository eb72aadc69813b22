//! Shipments and their lines: numbering, insertion and loading.

use std::collections::BTreeMap;

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::filters::normalize_time;
use super::rows::{ShipmentLineRow, ShipmentRow};
use super::{SHIPMENT_COLUMNS, next_number};
use crate::orders::{LineKind, NewShipment, SalesOrderStatus, Shipment, ShipmentLine, ShipmentSyncStatus};
use crate::rows::orders::parse_kind;
use crate::{Result, StoreError};

pub(super) async fn insert_shipment(conn: &mut SqliteConnection, shipment: &NewShipment, now: &str) -> Result<i64> {
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
pub(super) async fn load_shipments(conn: &mut SqliteConnection, conditions: &str, limit: u32) -> Result<Vec<Shipment>> {
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
