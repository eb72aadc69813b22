//! The planning of a stock batch against the stored levels.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::PgConnection;

use crate::catalog::{StockInput, StockUpsert};
use crate::{Result, StoreError};

pub(super) struct StockPlan<'a> {
    pub(super) summary: StockUpsert,
    pub(super) writes: Vec<&'a StockInput>,
}

pub(super) async fn plan_stock<'a>(conn: &mut PgConnection, levels: &'a [StockInput]) -> Result<StockPlan<'a>> {
    let mut seen = HashSet::new();
    if let Some(dup) = levels.iter().find(|s| !seen.insert((s.warehouse.as_str(), s.sku.as_str()))) {
        return Err(StoreError::Conflict(format!(
            "SKU {} has two quantities for warehouse {} in one batch",
            dup.sku, dup.warehouse
        )));
    }
    let mut codes: Vec<String> = Vec::new();
    for level in levels {
        if !codes.contains(&level.warehouse) {
            codes.push(level.warehouse.clone());
        }
    }
    let known: HashSet<String> = sqlx::query_scalar("SELECT code FROM warehouses WHERE code = ANY($1)")
        .bind(&codes)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let skus: Vec<String> = levels.iter().map(|s| s.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT w.code, s.sku, s.quantity FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
         WHERE w.code = ANY($1) AND s.sku = ANY($2)",
    )
    .bind(&codes)
    .bind(&skus)
    .fetch_all(&mut *conn)
    .await?;
    let stored: HashMap<(String, String), i64> = rows.into_iter().map(|(w, sku, q)| ((w, sku), q)).collect();
    let mut plan = StockPlan {
        summary: StockUpsert {
            warehouses_created: codes.into_iter().filter(|code| !known.contains(code)).collect(),
            ..Default::default()
        },
        writes: Vec::new(),
    };
    for level in levels {
        match stored.get(&(level.warehouse.clone(), level.sku.clone())) {
            None => plan.summary.levels.created += 1,
            Some(quantity) if *quantity == level.quantity => {
                plan.summary.levels.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.levels.updated += 1,
        }
        plan.writes.push(level);
    }
    Ok(plan)
}
