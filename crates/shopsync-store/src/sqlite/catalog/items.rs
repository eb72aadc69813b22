//! Items and their variants: reading, query conditions, and the planning and writing of an item batch.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, SqliteConnection};

use super::rows::{ITEM_COLUMNS, ItemRow, SkuOwnerRow, VARIANT_COLUMNS, VariantRow};
use crate::catalog::{FilterField, FilterOp, Item, ItemInput, ItemQuery, SkuOwner, Variant, WeightUnit};
use crate::decide::catalog::{self as decide, ItemsPlan};
use crate::sqlite::now;
use crate::{Result, StoreError};

/// A list of texts as the JSON array `json_each` unpacks.
pub(super) fn json_array(values: &[String]) -> String {
    json!(values).to_string()
}

/// The variants of these items, by item id, each list by position.
pub(super) async fn variants_of(conn: &mut SqliteConnection, item_ids: &[i64]) -> Result<HashMap<i64, Vec<Variant>>> {
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

pub(super) async fn sku_owners(conn: &mut SqliteConnection, skus: &[String]) -> Result<Vec<SkuOwner>> {
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
pub(super) fn item_conditions(query: &ItemQuery, with_paging: bool) -> (String, Vec<String>) {
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

pub(super) async fn plan_items<'a>(conn: &mut SqliteConnection, items: &'a [ItemInput]) -> Result<ItemsPlan<'a>> {
    decide::check_items_batch(items)?;
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
        return Err(decide::sku_taken(&sku, &owner));
    }

    Ok(decide::plan_items(&stored, items, now()))
}

pub(super) async fn write_items(conn: &mut SqliteConnection, plan: &ItemsPlan<'_>) -> Result<()> {
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
    .bind(
        Value::Array(
            plan.items
                .iter()
                .map(|item| item_row(item.input, item.marked, &item.created_at, &item.updated_at))
                .collect::<Result<Vec<_>>>()?,
        )
        .to_string(),
    )
    .fetch_all(&mut *conn)
    .await?;
    if plan.variants.is_empty() {
        return Ok(());
    }
    let id_of: HashMap<String, i64> = ids.into_iter().map(|(id, number)| (number, id)).collect();
    let mut rows = Vec::with_capacity(plan.variants.len());
    for (number, variant) in &plan.variants {
        let item_id = id_of.get(*number).ok_or_else(|| {
            StoreError::Corrupt(format!("item {number} was written but the database did not return its id"))
        })?;
        let mut row = variant_row(variant, &plan.now);
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

pub(super) fn item_row(input: &ItemInput, marked: bool, created_at: &str, updated_at: &str) -> Result<Value> {
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

pub(super) fn variant_row(input: &crate::catalog::VariantInput, now: &str) -> Value {
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
