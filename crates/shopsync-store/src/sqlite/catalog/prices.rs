//! Price lists and the planning of a price batch against the stored prices.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::items::json_array;
use super::rows::PRICE_LIST_COLUMNS;
use crate::Result;
use crate::catalog::{PriceInput, PriceList, PriceListInput};
use crate::decide::catalog as decide;

pub(super) async fn price_list(conn: &mut SqliteConnection, code: &str) -> Result<Option<PriceList>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {PRICE_LIST_COLUMNS} FROM price_lists WHERE code = ?")))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?)
}

pub(super) use crate::decide::catalog::PricesPlan;

pub(super) async fn plan_prices<'a>(
    conn: &mut SqliteConnection,
    list_input: &PriceListInput,
    prices: &'a [PriceInput],
) -> Result<PricesPlan<'a>> {
    let list = price_list(conn, &list_input.code).await?;
    decide::check_prices_batch(list.as_ref(), list_input, prices)?;
    let mut stored: HashMap<String, (String, Option<String>)> = HashMap::new();
    if let Some(list) = &list {
        let skus: Vec<String> = prices.iter().map(|p| p.sku.clone()).collect();
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT sku, price, compare_at_price FROM prices \
             WHERE price_list_id = ? AND sku IN (SELECT value FROM json_each(?))",
        )
        .bind(list.id)
        .bind(json_array(&skus))
        .fetch_all(&mut *conn)
        .await?;
        stored = rows.into_iter().map(|(sku, price, compare)| (sku, (price, compare))).collect();
    }
    Ok(decide::plan_prices(list, &stored, prices))
}
