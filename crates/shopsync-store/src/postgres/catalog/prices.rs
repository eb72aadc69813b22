//! Price lists and the planning of a price batch against the stored prices.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, PgConnection};

use super::rows::PRICE_LIST_COLUMNS;
use crate::catalog::{PriceInput, PriceList, PriceListInput, PricesUpsert};
use crate::{Result, StoreError};

pub(super) async fn price_list(conn: &mut PgConnection, code: &str) -> Result<Option<PriceList>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {PRICE_LIST_COLUMNS} FROM price_lists WHERE code = $1")))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?)
}

pub(super) struct PricesPlan<'a> {
    pub(super) summary: PricesUpsert,
    pub(super) list: Option<PriceList>,
    pub(super) writes: Vec<&'a PriceInput>,
}

pub(super) async fn plan_prices<'a>(
    conn: &mut PgConnection,
    list_input: &PriceListInput,
    prices: &'a [PriceInput],
) -> Result<PricesPlan<'a>> {
    let list = price_list(conn, &list_input.code).await?;
    match (&list, list_input.currency.as_deref()) {
        (None, None) => {
            return Err(StoreError::Conflict(format!(
                "price list {} does not exist; give its currency to create it",
                list_input.code
            )));
        }
        (Some(list), Some(currency)) if !list.currency.eq_ignore_ascii_case(currency) => {
            return Err(StoreError::Conflict(format!(
                "price list {} is in {}, not {currency}; use another price list for {currency} prices",
                list.code, list.currency
            )));
        }
        _ => {}
    }
    let mut seen = HashSet::new();
    if let Some(dup) = prices.iter().find(|p| !seen.insert(p.sku.as_str())) {
        return Err(StoreError::Conflict(format!("SKU {} has two prices in one batch", dup.sku)));
    }
    let mut stored: HashMap<String, (String, Option<String>)> = HashMap::new();
    if let Some(list) = &list {
        let skus: Vec<String> = prices.iter().map(|p| p.sku.clone()).collect();
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT sku, price, compare_at_price FROM prices \
             WHERE price_list_id = $1 AND sku = ANY($2)",
        )
        .bind(list.id)
        .bind(&skus)
        .fetch_all(&mut *conn)
        .await?;
        stored = rows.into_iter().map(|(sku, price, compare)| (sku, (price, compare))).collect();
    }
    let mut plan = PricesPlan {
        summary: PricesUpsert { price_list_created: list.is_none(), ..Default::default() },
        list,
        writes: Vec::new(),
    };
    for price in prices {
        match stored.get(&price.sku) {
            None => plan.summary.prices.created += 1,
            Some((p, c)) if *p == price.price && *c == price.compare_at_price => {
                plan.summary.prices.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.prices.updated += 1,
        }
        plan.writes.push(price);
    }
    Ok(plan)
}
