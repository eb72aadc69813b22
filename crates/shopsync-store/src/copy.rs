//! Moving a hub from SQLite to PostgreSQL without loss (the CLI's database copy).
//!
//! Every table is copied row by row with its ids, inside one PostgreSQL transaction that commits only when each
//! table's row count and checksum read back from PostgreSQL equal the ones read from SQLite; anything else rolls
//! the whole copy back and the target stays empty. SQLite is read in one read transaction, so the copy is the
//! hub as it was at one moment even while another process keeps syncing into the file (what that process writes
//! afterwards is not copied: stop the hub's processes first for a move, or copy again into a fresh database).
//!
//! The checksum of a table is the sum (mod 2^64) of the first eight bytes of a SHA-256 per row over its values in
//! a canonical text (timestamps in the store's text form), so it is independent of row order and catches a value
//! changed, lost or added on the way.

use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};

use crate::{PgStore, Result, SqliteStore, StoreError};

/// The tables of a hub in an order where every table comes after the tables it refers to. `feed_changes` comes
/// last: the triggers on sales orders and customers fill it while those are copied, and it is then replaced by the
/// source's own rows, sequence numbers included, so consumers' acknowledged positions stay valid.
pub const TABLES: &[&str] = &[
    "shops",
    "shop_settings",
    "sync_cursors",
    "bulk_writes",
    "installation",
    "app_credentials",
    "oauth_states",
    "number_series",
    "items",
    "item_variants",
    "price_lists",
    "prices",
    "warehouses",
    "stock",
    "bundle_components",
    "customer_templates",
    "customers",
    "sales_orders",
    "sales_order_lines",
    "shipments",
    "shipment_lines",
    "product_links",
    "variant_links",
    "outside_products",
    "inventory_sync_state",
    "customer_links",
    "sync_errors",
    "shopify_orders",
    "order_errors",
    "order_rechecks",
    "order_transactions",
    "order_refunds",
    "order_returns",
    "payouts",
    "conflict_resolutions",
    "data_capture",
    "request_log",
    "webhook_events",
    "webhook_subscription_checks",
    "jobs",
    "job_requests",
    "reconcile_runs",
    "reconcile_differences",
    "console_users",
    "console_sessions",
    "api_tokens",
    "api_idempotency_keys",
    "feed_positions",
    "feed_changes",
];

/// Tables the first migration fills by itself, replaced by the source's rows.
const SEEDED: &[&str] = &["number_series"];

/// Rows read from SQLite and written to PostgreSQL per statement (PostgreSQL takes at most 65,535 parameters).
const BATCH_ROWS: usize = 500;

/// What the copy of one table came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    /// Order-independent checksum of the source rows (hex).
    pub source_checksum: String,
    /// The same, read back from PostgreSQL before the commit; equal to `source_checksum` in a finished copy.
    pub target_checksum: String,
}

/// A column as PostgreSQL types it; SQLite's value is read as the matching Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Boolean,
    Real,
    Text,
    Time,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

/// One value on its way, in the form both sides agree on.
#[derive(Debug, Clone)]
enum Value {
    Null,
    Integer(i64),
    Boolean(bool),
    Real(f64),
    Text(String),
}

impl Value {
    /// The canonical text the checksum is taken over; NUL separates values, so no two rows share a text.
    fn push_canonical(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.extend_from_slice(b"\x01N"),
            Value::Integer(v) => out.extend_from_slice(v.to_string().as_bytes()),
            Value::Boolean(v) => out.extend_from_slice(if *v { b"t" } else { b"f" }),
            Value::Real(v) => out.extend_from_slice(format!("{v:?}").as_bytes()),
            Value::Text(v) => out.extend_from_slice(v.as_bytes()),
        }
        out.push(0);
    }
}

/// Copies the SQLite hub `from` into the empty PostgreSQL database `to`, calling `progress` after each table.
/// Fails, changing nothing, when `to` already holds data or a table's rows do not arrive intact.
pub async fn sqlite_to_postgres(
    from: &SqliteStore,
    to: &PgStore,
    progress: &mut (dyn FnMut(&TableCopy) + Send),
) -> Result<Vec<TableCopy>> {
    let mut target = to.pool().begin().await?;
    // No other shopsync process writes while the copy runs: it holds the write lock every write takes.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(crate::postgres::WRITE_LOCK).execute(&mut *target).await?;
    for table in TABLES.iter().filter(|t| !SEEDED.contains(t)) {
        let has_rows: bool = sqlx::query_scalar(AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {table})")))
            .fetch_one(&mut *target)
            .await?;
        if has_rows {
            return Err(StoreError::Conflict(format!(
                "the PostgreSQL database {} already holds shopsync data (its table {table} has rows), and a copy \
                 goes into an empty database only, so nothing was copied. Create a new database and copy into it",
                to.target()
            )));
        }
    }
    let mut source = from.pool().begin().await?;
    let mut report = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        if SEEDED.contains(table) || *table == "feed_changes" {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *target).await?;
        }
        let columns = target_columns(&mut target, table).await?;
        let (rows, source_sum) = copy_rows(&mut source, &mut target, table, &columns).await?;
        let target_sum = target_checksum(&mut target, table, &columns).await?;
        let copied = TableCopy {
            table,
            rows,
            source_checksum: format!("{source_sum:016x}"),
            target_checksum: format!("{target_sum:016x}"),
        };
        if copied.source_checksum != copied.target_checksum {
            return Err(StoreError::Corrupt(format!(
                "the copy of table {table} does not match its source ({rows} rows, checksum {} read from SQLite, {} \
                 from PostgreSQL); nothing was committed. Keep the SQLite file and report this with both figures",
                copied.source_checksum, copied.target_checksum
            )));
        }
        progress(&copied);
        report.push(copied);
    }
    // Identity columns go on after the highest id copied, so the next row PostgreSQL numbers is new.
    for table in TABLES {
        let identity: Option<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
        )
        .bind(table)
        .fetch_optional(&mut *target)
        .await?;
        if let Some(column) = identity {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )))
            .execute(&mut *target)
            .await?;
        }
    }
    source.rollback().await?;
    target.commit().await?;
    Ok(report)
}

/// The columns of `table` in PostgreSQL, in their order, with the kind each value is read as.
async fn target_columns(target: &mut sqlx::PgConnection, table: &str) -> Result<Vec<Column>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *target)
    .await?;
    if rows.is_empty() {
        return Err(StoreError::Corrupt(format!("the PostgreSQL database has no table {table}; is it migrated?")));
    }
    rows.into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Integer,
                "boolean" => Kind::Boolean,
                "double precision" | "real" => Kind::Real,
                "text" | "character varying" => Kind::Text,
                "timestamp with time zone" => Kind::Time,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "column {table}.{name} has the type {other}, which the copy does not know"
                    )));
                }
            };
            Ok(Column { name, kind })
        })
        .collect()
}

/// Reads `table` from SQLite in pages (by rowid, or by key for tables without one) and inserts each page into
/// PostgreSQL; returns the row count and the source checksum.
async fn copy_rows(
    source: &mut sqlx::SqliteConnection,
    target: &mut sqlx::PgConnection,
    table: &str,
    columns: &[Column],
) -> Result<(u64, u64)> {
    // A PostgreSQL id SQLite keeps as the hidden rowid (order_errors, whose problems are read in the order found)
    // is read from the rowid.
    let present: Vec<String> =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT name FROM pragma_table_info('{table}')")))
            .fetch_all(&mut *source)
            .await?;
    let list = columns
        .iter()
        .map(|c| match c.name.as_str() {
            "id" if !present.iter().any(|p| p == "id") => Ok("rowid AS id".to_string()),
            name if present.iter().any(|p| p == name) => Ok(name.to_string()),
            name => Err(StoreError::Corrupt(format!(
                "the SQLite database has no column {table}.{name}, which PostgreSQL's schema has; is it from an \
                 older shopsync? Open it once with this version (any command does) and copy again"
            ))),
        })
        .collect::<Result<Vec<_>>>()?
        .join(", ");
    let mut rows = 0u64;
    let mut sum = 0u64;
    let mut offset = 0i64;
    loop {
        // Offsets over the source's own order: a read transaction sees a fixed table, so pages neither skip nor
        // repeat rows; every hub table but order_rechecks has a rowid, and that one is keyed.
        let order = if table == "order_rechecks" { "shop_id, event, order_id" } else { "rowid" };
        let page: Vec<SqliteRow> = sqlx::query(AssertSqlSafe(format!(
            "SELECT {list} FROM {table} ORDER BY {order} LIMIT {BATCH_ROWS} OFFSET {offset}"
        )))
        .fetch_all(&mut *source)
        .await?;
        if page.is_empty() {
            break;
        }
        let values = page
            .iter()
            .map(|row| columns.iter().enumerate().map(|(i, c)| sqlite_value(row, i, c, table)).collect())
            .collect::<Result<Vec<Vec<Value>>>>()?;
        for row in &values {
            sum = sum.wrapping_add(row_hash(row));
        }
        insert(target, table, columns, &values).await?;
        rows += values.len() as u64;
        offset += values.len() as i64;
        if values.len() < BATCH_ROWS {
            break;
        }
    }
    Ok((rows, sum))
}

async fn insert(target: &mut sqlx::PgConnection, table: &str, columns: &[Column], rows: &[Vec<Value>]) -> Result<()> {
    let list = columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let mut query = QueryBuilder::<Postgres>::new(format!("INSERT INTO {table} ({list}) OVERRIDING SYSTEM VALUE "));
    query.push_values(rows, |mut out, row| {
        for (value, column) in row.iter().zip(columns) {
            match value {
                Value::Null => out.push("NULL"),
                Value::Integer(v) => out.push_bind(*v),
                Value::Boolean(v) => out.push_bind(*v),
                Value::Real(v) => out.push_bind(*v),
                Value::Text(v) => out.push_bind(v.clone()),
            };
            if column.kind == Kind::Time && !matches!(value, Value::Null) {
                out.push_unseparated("::timestamptz");
            }
        }
    });
    query.build().execute(&mut *target).await?;
    Ok(())
}

/// The checksum of `table` as PostgreSQL now holds it (inside the copy's transaction).
async fn target_checksum(target: &mut sqlx::PgConnection, table: &str, columns: &[Column]) -> Result<u64> {
    let list = columns
        .iter()
        .map(|c| if c.kind == Kind::Time { format!("ts_text({0}) AS {0}", c.name) } else { c.name.clone() })
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<PgRow> =
        sqlx::query(AssertSqlSafe(format!("SELECT {list} FROM {table}"))).fetch_all(&mut *target).await?;
    let mut sum = 0u64;
    for row in &rows {
        let values =
            columns.iter().enumerate().map(|(i, c)| pg_value(row, i, c, table)).collect::<Result<Vec<Value>>>()?;
        sum = sum.wrapping_add(row_hash(&values));
    }
    Ok(sum)
}

fn row_hash(values: &[Value]) -> u64 {
    let mut text = Vec::with_capacity(128);
    for value in values {
        value.push_canonical(&mut text);
    }
    let digest = Sha256::digest(&text);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

fn unreadable(table: &str, column: &str, err: sqlx::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot read {table}.{column} for the copy ({err})"))
}

fn sqlite_value(row: &SqliteRow, i: usize, column: &Column, table: &str) -> Result<Value> {
    let err = |e| unreadable(table, &column.name, e);
    Ok(match column.kind {
        Kind::Integer => row.try_get::<Option<i64>, _>(i).map_err(err)?.map_or(Value::Null, Value::Integer),
        Kind::Boolean => row.try_get::<Option<bool>, _>(i).map_err(err)?.map_or(Value::Null, Value::Boolean),
        Kind::Real => row.try_get::<Option<f64>, _>(i).map_err(err)?.map_or(Value::Null, Value::Real),
        Kind::Text | Kind::Time => row.try_get::<Option<String>, _>(i).map_err(err)?.map_or(Value::Null, Value::Text),
    })
}

fn pg_value(row: &PgRow, i: usize, column: &Column, table: &str) -> Result<Value> {
    let err = |e| unreadable(table, &column.name, e);
    Ok(match column.kind {
        Kind::Integer => row.try_get::<Option<i64>, _>(i).map_err(err)?.map_or(Value::Null, Value::Integer),
        Kind::Boolean => row.try_get::<Option<bool>, _>(i).map_err(err)?.map_or(Value::Null, Value::Boolean),
        Kind::Real => row.try_get::<Option<f64>, _>(i).map_err(err)?.map_or(Value::Null, Value::Real),
        Kind::Text | Kind::Time => row.try_get::<Option<String>, _>(i).map_err(err)?.map_or(Value::Null, Value::Text),
    })
}
