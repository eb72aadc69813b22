//! The WHERE clauses of order filters, their bound values, and the small conversions the other parts share.

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

pub(super) fn limit_clause(limit: u32, offset: u32) -> String {
    match (limit, offset) {
        (0, 0) => String::new(),
        (0, offset) => format!(" LIMIT -1 OFFSET {offset}"),
        (limit, offset) => format!(" LIMIT {limit} OFFSET {offset}"),
    }
}

/// A value bound to a filter's placeholder.
pub(super) enum Bind {
    Int(i64),
    Text(String),
}

pub(super) type Args = sqlx::sqlite::SqliteArguments;

impl Bind {
    pub(super) fn apply<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Sqlite, Args>,
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    pub(super) fn apply_as<'q, T>(
        self,
        q: sqlx::query::QueryAs<'q, sqlx::Sqlite, T, Args>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }

    pub(super) fn apply_scalar<'q, T>(
        self,
        q: sqlx::query::QueryScalar<'q, sqlx::Sqlite, T, Args>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Sqlite, T, Args> {
        match self {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        }
    }
}

/// The WHERE clause of an order filter (on `shopify_orders o`) and its values.
pub(super) fn order_conditions(shop_id: i64, filter: &OrderFilter) -> (String, Vec<Bind>) {
    let mut conditions = vec!["o.shop_id = ?"];
    let mut binds = vec![Bind::Int(shop_id)];
    if let Some(status) = filter.status {
        conditions.push("o.status = ?");
        binds.push(Bind::Text(status.as_str().to_string()));
    }
    if let Some(code) = filter.code {
        conditions.push(
            "EXISTS (SELECT 1 FROM order_errors e WHERE e.shop_id = o.shop_id AND e.order_id = o.order_id \
             AND e.code = ?)",
        );
        binds.push(Bind::Text(code.as_str().to_string()));
    }
    if let Some(from) = &filter.created_from {
        conditions.push("o.shopify_created_at >= ?");
        binds.push(Bind::Text(normalize_time(from)));
    }
    if let Some(before) = &filter.created_before {
        conditions.push("o.shopify_created_at < ?");
        binds.push(Bind::Text(normalize_time(before)));
    }
    if let Some(from) = &filter.updated_from {
        conditions.push("o.shopify_updated_at >= ?");
        binds.push(Bind::Text(normalize_time(from)));
    }
    if let Some(before) = &filter.updated_before {
        conditions.push("o.shopify_updated_at < ?");
        binds.push(Bind::Text(normalize_time(before)));
    }
    if filter.reprocess_requested {
        conditions.push("o.reprocess_requested = 1");
    }
    // The first comparison alone is a range of the (status,) creation time index; the second settles the orders
    // created in the position's own instant by their id.
    match &filter.seek {
        Some(OrderSeek::After(position)) => {
            conditions.push("o.shopify_created_at <= ? AND (o.shopify_created_at < ? OR o.order_id < ?)");
            seek_binds(&mut binds, &position.created_at, &position.order_id);
        }
        Some(OrderSeek::Before(position)) => {
            conditions.push("o.shopify_created_at >= ? AND (o.shopify_created_at > ? OR o.order_id > ?)");
            seek_binds(&mut binds, &position.created_at, &position.order_id);
        }
        None => {}
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

fn seek_binds(binds: &mut Vec<Bind>, created_at: &str, order_id: &str) {
    let created = normalize_time(created_at);
    binds.push(Bind::Text(created.clone()));
    binds.push(Bind::Text(created));
    binds.push(Bind::Text(order_id.to_string()));
}
