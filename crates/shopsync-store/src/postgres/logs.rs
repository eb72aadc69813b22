//! The request log and captured Shopify data in PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

use super::{PgStore, now};
use crate::Result;
use crate::logs::{Capture, CaptureInput, LogStore, RequestLogEntry, RequestLogFilter};

const LOG_COLUMNS: &str = "id, shop_id, ts_text(started_at) AS started_at, method, url, operation, request_body, \
                           status, request_id, requested_cost, actual_cost, duration_ms, attempt, failed, error, \
                           response_body";

const CAPTURE_COLUMNS: &str = "id, object_type, object_id, content_hash, payload, ts_text(captured_at) AS captured_at";

#[async_trait]
impl LogStore for PgStore {
    async fn log_request(&self, e: &RequestLogEntry) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO request_log (shop_id, started_at, method, url, operation, request_body, status, request_id, \
             requested_cost, actual_cost, duration_ms, attempt, failed, error, response_body) \
             VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(e.shop_id)
        .bind(&e.started_at)
        .bind(&e.method)
        .bind(&e.url)
        .bind(&e.operation)
        .bind(&e.request_body)
        .bind(e.status)
        .bind(&e.request_id)
        .bind(e.requested_cost)
        .bind(e.actual_cost)
        .bind(e.duration_ms)
        .bind(e.attempt)
        .bind(e.failed)
        .bind(&e.error)
        .bind(&e.response_body)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn request_logs(&self, filter: &RequestLogFilter) -> Result<Vec<RequestLogEntry>> {
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {LOG_COLUMNS} FROM request_log \
             WHERE ($1::bigint IS NULL OR shop_id = $1) AND (NOT $2 OR failed) AND ($3::bigint IS NULL OR id < $3) \
             ORDER BY id DESC LIMIT $4"
        )))
        .bind(filter.shop_id)
        .bind(filter.failed_only)
        .bind(filter.before_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn request_log(&self, id: i64) -> Result<Option<RequestLogEntry>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {LOG_COLUMNS} FROM request_log WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn purge_request_logs(&self, shop_id: Option<i64>, before: Option<&str>) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM request_log WHERE ($1::bigint IS NULL OR shop_id = $1) \
             AND ($2::timestamptz IS NULL OR started_at < $2::timestamptz)",
        )
        .bind(shop_id)
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn capture(&self, shop_id: i64, items: &[CaptureInput]) -> Result<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        let now = now();
        let hashes: Vec<String> = items.iter().map(|i| hex::encode(Sha256::digest(i.payload.as_bytes()))).collect();
        let kinds: Vec<&str> = items.iter().map(|i| i.object_type.as_str()).collect();
        let ids: Vec<&str> = items.iter().map(|i| i.object_id.as_str()).collect();
        // Under the write lock: the latest hash read here is still the latest when the new versions are written.
        let mut tx = self.write().await?;
        // The latest stored hash of every object of the batch, in one statement driven by the batch (one index
        // probe per object): a page of orders captures a few thousand objects.
        let stored: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT k.object_type, k.object_id, d.content_hash \
             FROM UNNEST($2::text[], $3::text[]) AS k(object_type, object_id) \
             CROSS JOIN LATERAL (SELECT x.content_hash FROM data_capture AS x \
                 WHERE x.shop_id = $1 AND x.object_type = k.object_type AND x.object_id = k.object_id \
                 ORDER BY x.id DESC LIMIT 1) AS d",
        )
        .bind(shop_id)
        .bind(&kinds)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let mut latest: HashMap<(String, String), String> =
            stored.into_iter().map(|(kind, id, hash)| ((kind, id), hash)).collect();
        // A version only when the content differs from the latest one, also when an object comes twice in a batch.
        let mut kinds = Vec::new();
        let mut ids = Vec::new();
        let mut new_hashes = Vec::new();
        let mut payloads = Vec::new();
        for (item, hash) in items.iter().zip(hashes) {
            let key = (item.object_type.clone(), item.object_id.clone());
            if latest.get(&key) == Some(&hash) {
                continue;
            }
            latest.insert(key, hash.clone());
            kinds.push(item.object_type.as_str());
            ids.push(item.object_id.as_str());
            new_hashes.push(hash);
            payloads.push(item.payload.as_str());
        }
        if !payloads.is_empty() {
            // One statement for the batch, its columns bound as arrays: no parameter limit to chunk for, and the
            // payloads (JSON themselves) go as text, not escaped into one JSON document. WITH ORDINALITY keeps the
            // batch's order in the ids, so a later version of an object gets the larger id.
            sqlx::query(
                "INSERT INTO data_capture (shop_id, object_type, object_id, content_hash, payload, captured_at) \
                 SELECT $1, v.object_type, v.object_id, v.content_hash, v.payload, $6::timestamptz \
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[]) \
                     WITH ORDINALITY AS v(object_type, object_id, content_hash, payload, n) \
                 ORDER BY v.n",
            )
            .bind(shop_id)
            .bind(&kinds)
            .bind(&ids)
            .bind(&new_hashes)
            .bind(&payloads)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let added = payloads.len() as u64;
        tx.commit().await?;
        Ok(added)
    }

    async fn captures(&self, shop_id: i64, object_type: &str, object_id: &str) -> Result<Vec<Capture>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CAPTURE_COLUMNS} FROM data_capture \
             WHERE shop_id = $1 AND object_type = $2 AND object_id = $3 ORDER BY id DESC"
        )))
        .bind(shop_id)
        .bind(object_type)
        .bind(object_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn latest_captures(&self, shop_id: i64, object_type: Option<&str>, limit: u32) -> Result<Vec<Capture>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CAPTURE_COLUMNS} FROM data_capture d \
             WHERE shop_id = $1 AND ($2::text IS NULL OR object_type = $2) AND id = ( \
                SELECT MAX(id) FROM data_capture x \
                WHERE x.shop_id = d.shop_id AND x.object_type = d.object_type AND x.object_id = d.object_id) \
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(shop_id)
        .bind(object_type)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
