//! The WHERE clauses of order filters, their bound values, and the small conversions the other parts share.

use std::collections::HashMap;

use crate::customers::Address;
use crate::orders::{OrderFilter, OrderSeek};
use crate::{Result, StoreError};

pub(super) fn found(rows: u64, what: &'static str, id: i64) -> Result<()> {
    if rows == 0 { Err(StoreError::NotFound { what, key: format!("id {id}") }) } else { Ok(()) }
}

pub(super) fn address_json(address: &Option<Address>) -> Result<Option<String>> {
    Ok(address.as_ref().map(serde_json::to_string).transpose()?)
}

pub(super) fn json_or_empty_list(value: &serde_json::Value) -> String {
    if value.is_null() { "[]".to_string() } else { value.to_string() }
}

/// Shopify timestamps in the store's form; a text that does not parse is kept as it is.
pub(super) fn normalize_time(text: &str) -> String {
    shopsync_core::time::normalize(text).unwrap_or_else(|_| text.to_string())
}

/// The last item of each key, in the order of those last items: what a batch upsert of `items` writes. SQLite
/// applies a key given twice in turn (the later version wins); PostgreSQL refuses to upsert one row twice in one
/// statement, so the earlier versions are left out first.
pub(super) fn last_of_each<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&'a T) -> &'a str,
) -> Vec<&'a T> {
    let items: Vec<&'a T> = items.into_iter().collect();
    let last: HashMap<&str, usize> = items.iter().enumerate().map(|(index, item)| (key(item), index)).collect();
    items.iter().enumerate().filter(|(index, item)| last.get(key(item)) == Some(index)).map(|(_, item)| *item).collect()
}

pub(super) fn limit_clause(limit: u32, offset: u32) -> String {
    match (limit, offset) {
        (0, 0) => String::new(),
        (0, offset) => format!(" OFFSET {offset}"),
        (limit, offset) => format!(" LIMIT {limit} OFFSET {offset}"),
    }
}

/// A value bound to a filter's placeholder.
pub(super) enum Bind {
    Int(i64),
    Text(String),
}

pub(super) type Args = sqlx::postgres::PgArguments;

impl Bind {
    pub(super) fn apply<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Postgres, Args>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    pub(super) fn apply_as<'q, T>(
        self,
        q: sqlx::query::QueryAs<'q, sqlx::Postgres, T, Args>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    pub(super) fn apply_scalar<'q, T>(
        self,
        q: sqlx::query::QueryScalar<'q, sqlx::Postgres, T, Args>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }
}

/// The WHERE clause of an order filter (on `shopify_orders o`) and its values, numbered `$1`, `$2` ... in the
/// order of the values; the statements that use it bind nothing else.
pub(super) fn order_conditions(shop_id: i64, filter: &OrderFilter) -> (String, Vec<Bind>) {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    // Each condition is text around one placeholder, numbered as its value is added.
    let mut add = |before: &str, after: &str, value: Bind| {
        binds.push(value);
        conditions.push(format!("{before}${}{after}", binds.len()));
    };
    add("o.shop_id = ", "", Bind::Int(shop_id));
    if let Some(status) = filter.status {
        add("o.status = ", "", Bind::Text(status.as_str().to_string()));
    }
    if let Some(code) = filter.code {
        add(
            "EXISTS (SELECT 1 FROM order_errors e WHERE e.shop_id = o.shop_id AND e.order_id = o.order_id \
             AND e.code = ",
            ")",
            Bind::Text(code.as_str().to_string()),
        );
    }
    // Shopify's times are kept as text in the store's form, which sorts as the times do.
    if let Some(from) = &filter.created_from {
        add("o.shopify_created_at >= ", "", Bind::Text(normalize_time(from)));
    }
    if let Some(before) = &filter.created_before {
        add("o.shopify_created_at < ", "", Bind::Text(normalize_time(before)));
    }
    if let Some(from) = &filter.updated_from {
        add("o.shopify_updated_at >= ", "", Bind::Text(normalize_time(from)));
    }
    if let Some(before) = &filter.updated_before {
        add("o.shopify_updated_at < ", "", Bind::Text(normalize_time(before)));
    }
    if filter.reprocess_requested {
        conditions.push("o.reprocess_requested".to_string());
    }
    // The first comparison alone is a range of the (status,) creation time index; the second settles the orders
    // created in the position's own instant by their id.
    let seek = match &filter.seek {
        Some(OrderSeek::After(position)) => Some(("<", position)),
        Some(OrderSeek::Before(position)) => Some((">", position)),
        None => None,
    };
    if let Some((side, position)) = seek {
        let created = normalize_time(&position.created_at);
        binds.push(Bind::Text(created));
        let at = binds.len();
        binds.push(Bind::Text(position.order_id.clone()));
        let id = binds.len();
        conditions.push(format!(
            "o.shopify_created_at {side}= ${at} AND (o.shopify_created_at {side} ${at} OR o.order_id {side} ${id})"
        ));
    }
    (conditions.join(" AND "), binds)
}

/// The lists' order for `filter`: newest first, or oldest first when reading the page before a position (the
/// caller turns those rows around, [`is_reversed`]).
pub(super) fn order_by(filter: &OrderFilter) -> &'static str {
    if is_reversed(filter) {
        " ORDER BY o.shopify_created_at ASC, o.order_id ASC"
    } else {
        " ORDER BY o.shopify_created_at DESC, o.order_id DESC"
    }
}

/// Whether the rows of `filter` are read oldest first and must be turned around to be given newest first.
pub(super) fn is_reversed(filter: &OrderFilter) -> bool {
    matches!(filter.seek, Some(OrderSeek::Before(_)))
}
