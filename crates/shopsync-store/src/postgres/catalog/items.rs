//! Items and their variants: reading, query conditions, and the planning and writing of an item batch.

use std::collections::HashMap;

use sqlx::postgres::PgArguments;
use sqlx::{Arguments, AssertSqlSafe, PgConnection};

use super::rows::{ITEM_COLUMNS, ItemRow, SkuOwnerRow, VARIANT_COLUMNS, VariantRow};
use crate::catalog::{FilterField, FilterOp, Item, ItemInput, ItemQuery, SkuOwner, Variant, WeightUnit};
use crate::decide::catalog::{self as decide, ItemsPlan};
use crate::postgres::now;
use crate::{Result, StoreError};

/// The variants of these items, by item id, each list by position.
pub(super) async fn variants_of(conn: &mut PgConnection, item_ids: &[i64]) -> Result<HashMap<i64, Vec<Variant>>> {
    let mut by_item: HashMap<i64, Vec<Variant>> = HashMap::new();
    if item_ids.is_empty() {
        return Ok(by_item);
    }
    let rows: Vec<VariantRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VARIANT_COLUMNS} FROM item_variants v WHERE v.item_id = ANY($1) ORDER BY v.item_id, v.position, v.id"
    )))
    .bind(item_ids)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        by_item.entry(row.item_id).or_default().push(row.into());
    }
    Ok(by_item)
}

pub(super) async fn sku_owners(conn: &mut PgConnection, skus: &[String]) -> Result<Vec<SkuOwner>> {
    let rows: Vec<SkuOwnerRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT i.number AS item_number, i.name AS item_name, i.status AS item_status, i.inventory_tracked, \
         {VARIANT_COLUMNS} FROM item_variants v JOIN items i ON i.id = v.item_id \
         WHERE v.sku = ANY($1) ORDER BY v.sku"
    )))
    .bind(skus)
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

/// A value an item query's conditions bind: one text, or a list of texts compared with `= ANY`.
pub(super) enum ItemBind {
    Text(String),
    Texts(Vec<String>),
}

/// The bound values of an item query, in the order of their `$n` placeholders, for the `query_*_with` functions
/// (the same conditions serve a select, a count and an update).
pub(super) fn item_arguments(binds: &[ItemBind]) -> Result<PgArguments> {
    let mut arguments = PgArguments::default();
    for bind in binds {
        match bind {
            ItemBind::Text(text) => arguments.add(text.clone()),
            ItemBind::Texts(texts) => arguments.add(texts.clone()),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

/// The SQL condition (on `items i`) and its bound values for a query, numbered from `$1`; paging left out when
/// `with_paging` is off.
pub(super) fn item_conditions(query: &ItemQuery, with_paging: bool) -> (String, Vec<ItemBind>) {
    let mut conditions = vec!["TRUE".to_string()];
    let mut binds = Vec::new();
    // Pushes a value and gives its placeholder.
    let bind = |binds: &mut Vec<ItemBind>, value: ItemBind| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if !query.numbers.is_empty() {
        let p = bind(&mut binds, ItemBind::Texts(query.numbers.clone()));
        conditions.push(format!("i.number = ANY({p}::text[])"));
    }
    if let Some(from) = &query.from {
        let p = bind(&mut binds, ItemBind::Text(from.clone()));
        conditions.push(format!("i.number >= {p}"));
    }
    if let Some(to) = &query.to {
        let p = bind(&mut binds, ItemBind::Text(to.clone()));
        conditions.push(format!("i.number <= {p}"));
    }
    if let Some(group) = &query.group {
        let p = bind(&mut binds, ItemBind::Text(group.clone()));
        conditions.push(format!("lower(i.item_group) = lower({p})"));
    }
    if let Some(marked) = query.marked {
        conditions.push(if marked { "i.marked_for_sync" } else { "NOT i.marked_for_sync" }.to_string());
    }
    if let Some(since) = &query.changed_since {
        let p = bind(&mut binds, ItemBind::Text(since.clone()));
        conditions.push(format!("i.updated_at > {p}::timestamptz"));
    }
    if with_paging && let Some(after) = &query.after {
        let p = bind(&mut binds, ItemBind::Text(after.clone()));
        conditions.push(format!("i.number > {p}"));
    }
    for condition in &query.filter.conditions {
        let p = bind(&mut binds, ItemBind::Text(condition.value.clone()));
        let compare = |expr: &str| match condition.op {
            FilterOp::Equals => format!("lower(coalesce({expr}, '')) = lower({p})"),
            FilterOp::Contains => format!("strpos(lower(coalesce({expr}, '')), lower({p})) > 0"),
        };
        let sql = match condition.field {
            FilterField::Number => compare("i.number"),
            FilterField::Name => compare("i.name"),
            FilterField::Description => compare("i.description"),
            FilterField::Status => compare("i.status"),
            FilterField::Group => compare("i.item_group"),
            FilterField::Vendor => compare("i.vendor"),
            FilterField::ProductType => compare("i.product_type"),
            FilterField::Tag => format!(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(i.tags::jsonb) AS t(value) WHERE {})",
                compare("t.value")
            ),
            FilterField::Sku => {
                format!("EXISTS (SELECT 1 FROM item_variants v WHERE v.item_id = i.id AND {})", compare("v.sku"))
            }
            FilterField::Barcode => {
                format!("EXISTS (SELECT 1 FROM item_variants v WHERE v.item_id = i.id AND {})", compare("v.barcode"))
            }
        };
        conditions.push(sql);
    }
    (conditions.join(" AND "), binds)
}

/// An item row to write, its times in the store's text form.
pub(super) struct ItemWrite {
    number: String,
    name: String,
    description: String,
    status: &'static str,
    item_group: Option<String>,
    vendor: Option<String>,
    product_type: Option<String>,
    inventory_tracked: bool,
    weight: Option<String>,
    weight_unit: Option<&'static str>,
    option_names: [Option<String>; 3],
    images: String,
    tags: String,
    marked: bool,
    created_at: String,
    updated_at: String,
}

/// A variant row to write; `at` is both its `created_at` (when new) and its `updated_at`.
pub(super) struct VariantWrite {
    code: String,
    sku: String,
    barcode: Option<String>,
    options: [Option<String>; 3],
    position: i64,
    at: String,
}

pub(super) async fn plan_items<'a>(conn: &mut PgConnection, items: &'a [ItemInput]) -> Result<ItemsPlan<'a>> {
    decide::check_items_batch(items)?;
    let numbers: Vec<String> = items.iter().map(|item| item.number.clone()).collect();
    let rows: Vec<ItemRow> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {ITEM_COLUMNS} FROM items i WHERE i.number = ANY($1)")))
            .bind(&numbers)
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
         WHERE v.sku = ANY($1) AND i.number <> ALL($2) ORDER BY v.sku LIMIT 1",
    )
    .bind(&skus)
    .bind(&numbers)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((sku, owner)) = taken {
        return Err(decide::sku_taken(&sku, &owner));
    }

    Ok(decide::plan_items(&stored, items, now()))
}

pub(super) async fn write_items(conn: &mut PgConnection, plan: &ItemsPlan<'_>) -> Result<()> {
    if !plan.removed_variant_ids.is_empty() {
        sqlx::query("DELETE FROM item_variants WHERE id = ANY($1)")
            .bind(&plan.removed_variant_ids)
            .execute(&mut *conn)
            .await?;
    }
    if !plan.moving_variant_ids.is_empty() {
        // A placeholder no SKU can equal (it holds a control character), unique per variant.
        sqlx::query("UPDATE item_variants SET sku = chr(1) || 'moving-' || id WHERE id = ANY($1)")
            .bind(&plan.moving_variant_ids)
            .execute(&mut *conn)
            .await?;
    }
    if plan.items.is_empty() {
        return Ok(());
    }
    let items = plan
        .items
        .iter()
        .map(|item| item_row(item.input, item.marked, item.created_at.clone(), item.updated_at.clone()))
        .collect::<Result<Vec<ItemWrite>>>()?;
    let texts = |f: fn(&ItemWrite) -> &String| items.iter().map(f).cloned().collect::<Vec<String>>();
    let optional = |f: fn(&ItemWrite) -> &Option<String>| items.iter().map(f).cloned().collect::<Vec<_>>();
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO items (number, name, description, status, item_group, vendor, product_type, inventory_tracked, \
         weight, weight_unit, option1_name, option2_name, option3_name, images, tags, marked_for_sync, created_at, \
         updated_at) \
         SELECT number, name, description, status, item_group, vendor, product_type, inventory_tracked, weight, \
         weight_unit, option1_name, option2_name, option3_name, images, tags, marked, created_at::timestamptz, \
         updated_at::timestamptz \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::boolean[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], \
         $16::boolean[], $17::text[], $18::text[]) \
         AS t(number, name, description, status, item_group, vendor, product_type, inventory_tracked, weight, \
         weight_unit, option1_name, option2_name, option3_name, images, tags, marked, created_at, updated_at) \
         ON CONFLICT (number) DO UPDATE SET name = excluded.name, description = excluded.description, \
         status = excluded.status, item_group = excluded.item_group, vendor = excluded.vendor, \
         product_type = excluded.product_type, inventory_tracked = excluded.inventory_tracked, \
         weight = excluded.weight, weight_unit = excluded.weight_unit, option1_name = excluded.option1_name, \
         option2_name = excluded.option2_name, option3_name = excluded.option3_name, images = excluded.images, \
         tags = excluded.tags, marked_for_sync = excluded.marked_for_sync, updated_at = excluded.updated_at \
         RETURNING id, number",
    )
    .bind(texts(|i| &i.number))
    .bind(texts(|i| &i.name))
    .bind(texts(|i| &i.description))
    .bind(items.iter().map(|i| i.status).collect::<Vec<&str>>())
    .bind(optional(|i| &i.item_group))
    .bind(optional(|i| &i.vendor))
    .bind(optional(|i| &i.product_type))
    .bind(items.iter().map(|i| i.inventory_tracked).collect::<Vec<bool>>())
    .bind(optional(|i| &i.weight))
    .bind(items.iter().map(|i| i.weight_unit).collect::<Vec<Option<&str>>>())
    .bind(optional(|i| &i.option_names[0]))
    .bind(optional(|i| &i.option_names[1]))
    .bind(optional(|i| &i.option_names[2]))
    .bind(texts(|i| &i.images))
    .bind(texts(|i| &i.tags))
    .bind(items.iter().map(|i| i.marked).collect::<Vec<bool>>())
    .bind(texts(|i| &i.created_at))
    .bind(texts(|i| &i.updated_at))
    .fetch_all(&mut *conn)
    .await?;
    if plan.variants.is_empty() {
        return Ok(());
    }
    let id_of: HashMap<String, i64> = ids.into_iter().map(|(id, number)| (number, id)).collect();
    let mut item_ids = Vec::with_capacity(plan.variants.len());
    for (number, _) in &plan.variants {
        let item_id = id_of.get(*number).ok_or_else(|| {
            StoreError::Corrupt(format!("item {number} was written but the database did not return its id"))
        })?;
        item_ids.push(*item_id);
    }
    let variants: Vec<VariantWrite> = plan.variants.iter().map(|(_, v)| variant_row(v, &plan.now)).collect();
    let texts = |f: fn(&VariantWrite) -> &String| variants.iter().map(|v| f(v).clone()).collect::<Vec<String>>();
    let optional = |f: fn(&VariantWrite) -> &Option<String>| variants.iter().map(|v| f(v).clone()).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO item_variants (item_id, code, sku, barcode, option1, option2, option3, position, created_at, \
         updated_at) \
         SELECT item_id, code, sku, barcode, option1, option2, option3, position, at::timestamptz, at::timestamptz \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::bigint[], $9::text[]) AS t(item_id, code, sku, barcode, option1, option2, option3, position, at) \
         ON CONFLICT (item_id, code) DO UPDATE SET sku = excluded.sku, barcode = excluded.barcode, \
         option1 = excluded.option1, option2 = excluded.option2, option3 = excluded.option3, \
         position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(item_ids)
    .bind(texts(|v| &v.code))
    .bind(texts(|v| &v.sku))
    .bind(optional(|v| &v.barcode))
    .bind(optional(|v| &v.options[0]))
    .bind(optional(|v| &v.options[1]))
    .bind(optional(|v| &v.options[2]))
    .bind(variants.iter().map(|v| v.position).collect::<Vec<i64>>())
    .bind(texts(|v| &v.at))
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
pub(super) fn item_row(input: &ItemInput, marked: bool, created_at: String, updated_at: String) -> Result<ItemWrite> {
    let option = |n: usize| input.option_names.get(n).cloned();
    Ok(ItemWrite {
        number: input.number.clone(),
        name: input.name.clone(),
        description: input.description.clone(),
        status: input.status.as_str(),
        item_group: input.item_group.clone(),
        vendor: input.vendor.clone(),
        product_type: input.product_type.clone(),
        inventory_tracked: input.inventory_tracked,
        weight: input.weight.clone(),
        weight_unit: input.weight_unit.map(WeightUnit::as_str),
        option_names: [option(0), option(1), option(2)],
        images: serde_json::to_string(&input.images)?,
        tags: serde_json::to_string(&input.tags)?,
        marked,
        created_at,
        updated_at,
    })
}

pub(super) fn variant_row(input: &crate::catalog::VariantInput, now: &str) -> VariantWrite {
    let option = |n: usize| input.option_values.get(n).cloned();
    VariantWrite {
        code: input.code.clone(),
        sku: input.sku.clone(),
        barcode: input.barcode.clone(),
        options: [option(0), option(1), option(2)],
        position: input.position,
        at: now.to_string(),
    }
}
