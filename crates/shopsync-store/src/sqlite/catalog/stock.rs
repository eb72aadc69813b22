//! The stored levels a stock batch is planned against (the plan itself: `crate::decide::catalog`).

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::SqliteConnection;

use super::items::json_array;
use crate::Result;
use crate::catalog::StockInput;
use crate::decide::catalog as decide;

pub(super) use crate::decide::catalog::StockPlan;

pub(super) async fn plan_stock<'a>(conn: &mut SqliteConnection, levels: &'a [StockInput]) -> Result<StockPlan<'a>> {
    decide::check_stock_batch(levels)?;
    let codes = decide::warehouse_codes(levels);
    let known: HashSet<String> =
        sqlx::query_scalar("SELECT code FROM warehouses WHERE code IN (SELECT value FROM json_each(?))")
            .bind(json_array(&codes))
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let skus: Vec<String> = levels.iter().map(|s| s.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT w.code, s.sku, s.quantity FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
         WHERE w.code IN (SELECT value FROM json_each(?1)) AND s.sku IN (SELECT value FROM json_each(?2))",
    )
    .bind(json_array(&codes))
    .bind(json_array(&skus))
    .fetch_all(&mut *conn)
    .await?;
    let stored: HashMap<(String, String), i64> = rows.into_iter().map(|(w, sku, q)| ((w, sku), q)).collect();
    Ok(decide::plan_stock(levels, codes, &known, &stored))
}
