//! The back-office API's tokens, idempotency keys and feeds in SQLite.

use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::customers::load_customers;
use super::orders::load_sales_orders;
use super::{SqliteStore, now};
use crate::api::{ApiStore, ApiToken, Feed, FeedEntry, NewApiToken, StoredAnswer, WriteOutcome, current_claim};
use crate::customers::Customer;
use crate::orders::SalesOrder;
use crate::{Result, StoreError};

const TOKEN_COLUMNS: &str = "id, name, public_id, secret_hash, scopes, created_at, last_used_at, revoked_at";

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    public_id: String,
    secret_hash: String,
    scopes: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl TokenRow {
    fn into_token(self) -> Result<ApiToken> {
        Ok(ApiToken {
            id: self.id,
            name: self.name,
            public_id: self.public_id,
            secret_hash: self.secret_hash,
            scopes: serde_json::from_str(&self.scopes)?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[async_trait]
impl ApiStore for SqliteStore {
    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken> {
        let mut tx = self.write().await?;
        let live: Option<i64> = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL")
            .bind(&token.name)
            .fetch_optional(&mut *tx)
            .await?;
        if live.is_some() {
            return Err(StoreError::Conflict(format!(
                "an API token named {} exists already; revoke it first, or choose another name",
                token.name
            )));
        }
        let row: TokenRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO api_tokens (name, public_id, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?) \
             RETURNING {TOKEN_COLUMNS}"
        )))
        .bind(&token.name)
        .bind(&token.public_id)
        .bind(&token.secret_hash)
        .bind(serde_json::to_string(&token.scopes)?)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        row.into_token()
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY name, id")))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(TokenRow::into_token).collect()
    }

    async fn api_token_by_public_id(&self, public_id: &str) -> Result<Option<ApiToken>> {
        let row: Option<TokenRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE public_id = ?")))
                .bind(public_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(TokenRow::into_token).transpose()
    }

    async fn revoke_api_token(&self, name: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
            .bind(now())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn touch_api_token(&self, id: i64) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn idempotent_answer(&self, consumer: &str, key: &str) -> Result<Option<StoredAnswer>> {
        let row: Option<(String, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT request_hash, status, response, created_at, outcome FROM api_idempotency_keys \
             WHERE consumer = ? AND key = ?",
        )
        .bind(consumer)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(request_hash, status, response, created_at, outcome)| {
            let status = u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("idempotency key {key} has HTTP status {status}")))?;
            let outcome = outcome.map(|text| serde_json::from_str(&text)).transpose()?;
            Ok(StoredAnswer { request_hash, status, response, created_at, outcome })
        })
        .transpose()
    }

    async fn save_idempotent_answer(&self, consumer: &str, key: &str, answer: &StoredAnswer) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO api_idempotency_keys (consumer, key, request_hash, status, response, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (consumer, key) DO NOTHING",
        )
        .bind(consumer)
        .bind(key)
        .bind(&answer.request_hash)
        .bind(i64::from(answer.status))
        .bind(&answer.response)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn purge_idempotent_answers(&self, before: &str) -> Result<u64> {
        let mut tx = self.write().await?;
        let done =
            sqlx::query("DELETE FROM api_idempotency_keys WHERE created_at < ?").bind(before).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn sales_order_feed(&self, after: i64, limit: u32) -> Result<Vec<FeedEntry<SalesOrder>>> {
        // One read transaction: the positions and the records come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let changes = changes(&mut tx, Feed::SalesOrders, after, limit).await?;
        let ids: Vec<i64> = changes.iter().map(|(_, id)| *id).collect();
        let orders = load_sales_orders(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(pair(changes, orders, |o| o.id))
    }

    async fn customer_feed(&self, after: i64, limit: u32) -> Result<Vec<FeedEntry<Customer>>> {
        let mut tx = self.pool.begin().await?;
        let changes = changes(&mut tx, Feed::Customers, after, limit).await?;
        let ids: Vec<i64> = changes.iter().map(|(_, id)| *id).collect();
        let customers = load_customers(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(pair(changes, customers, |c| c.id))
    }

    async fn feed_head(&self, feed: Feed) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM feed_changes WHERE feed = ?")
            .bind(feed.as_str())
            .fetch_one(&self.pool)
            .await?)
    }

    async fn feed_position(&self, consumer: &str, feed: Feed) -> Result<i64> {
        let position: Option<i64> =
            sqlx::query_scalar("SELECT position FROM feed_positions WHERE consumer = ? AND feed = ?")
                .bind(consumer)
                .bind(feed.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(position.unwrap_or(0))
    }

    async fn set_feed_position(&self, consumer: &str, feed: Feed, position: i64) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO feed_positions (consumer, feed, position, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (consumer, feed) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
        )
        .bind(consumer)
        .bind(feed.as_str())
        .bind(position)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The (position, record id) of a feed's changes after `after`.
async fn changes(conn: &mut SqliteConnection, feed: Feed, after: i64, limit: u32) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as("SELECT seq, record_id FROM feed_changes WHERE feed = ? AND seq > ? ORDER BY seq LIMIT ?")
        .bind(feed.as_str())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?)
}

/// Puts each record with its position (the records were loaded in the changes' order).
fn pair<T>(changes: Vec<(i64, i64)>, records: Vec<T>, id: impl Fn(&T) -> i64) -> Vec<FeedEntry<T>> {
    let mut records = records.into_iter().peekable();
    let mut entries = Vec::with_capacity(changes.len());
    for (seq, record_id) in changes {
        if records.peek().is_some_and(|r| id(r) == record_id)
            && let Some(record) = records.next()
        {
            entries.push(FeedEntry { seq, record });
        }
    }
    entries
}

/// Keeps the `Idempotency-Key` the current task's write runs under ([`crate::api::under_idempotency_key`]) with
/// the write's outcome, inside the write's transaction, right before it commits; a key kept already fails the
/// write with [`StoreError::KeyUsed`], and the transaction, dropped uncommitted, writes nothing.
pub(super) async fn keep_key(conn: &mut SqliteConnection, outcome: impl FnOnce() -> WriteOutcome) -> Result<()> {
    let Some(claim) = current_claim() else { return Ok(()) };
    let kept = sqlx::query(
        "INSERT INTO api_idempotency_keys (consumer, key, request_hash, status, response, created_at, outcome) \
         VALUES (?, ?, ?, 0, '', ?, ?) ON CONFLICT (consumer, key) DO NOTHING",
    )
    .bind(&claim.consumer)
    .bind(&claim.key)
    .bind(&claim.request_hash)
    .bind(now())
    .bind(serde_json::to_string(&outcome())?)
    .execute(&mut *conn)
    .await?;
    if kept.rows_affected() == 0 {
        return Err(StoreError::KeyUsed { key: claim.key });
    }
    Ok(())
}
