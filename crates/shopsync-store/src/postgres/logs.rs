use std::collections::HashMap;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

use super::{PgStore, now};
use crate::Result;
use crate::logs::{Capture, CaptureInput, LogStore, RequestLogEntry, RequestLogFilter};

/// Rows per capture INSERT: six parameters each, well under SQLite's limit of 32,766.
const CAPTURE_ROWS_PER_INSERT: usize = 500;

const LOG_COLUMNS: &str = "id, shop_id, started_at, method, url, operation, request_body, status, request_id, \
                           requested_cost, actual_cost, duration_ms, attempt, failed, error, response_body";

#[async_trait]
impl LogStore for PgStore {
    async fn log_request(&self, e: &RequestLogEntry) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO request_log (shop_id, started_at, method, url, operation, request_body, status, request_id, \
             requested_cost, actual_cost, duration_ms, attempt, failed, error, response_body) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
             WHERE (?1 IS NULL OR shop_id = ?1) AND (?2 = 0 OR failed = 1) AND (?3 IS NULL OR id < ?3) \
             ORDER BY id DESC LIMIT ?4"
        )))
        .bind(filter.shop_id)
        .bind(filter.failed_only)
        .bind(filter.before_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn request_log(&self, id: i64) -> Result<Option<RequestLogEntry>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {LOG_COLUMNS} FROM request_log WHERE id = ?")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn purge_request_logs(&self, shop_id: Option<i64>, before: Option<&str>) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM request_log WHERE (?1 IS NULL OR shop_id = ?1) AND (?2 IS NULL OR started_at < ?2)",
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
        let keys: Vec<(&str, &str)> = items.iter().map(|i| (i.object_type.as_str(), i.object_id.as_str())).collect();
        let mut tx = self.write().await?;
        // The latest stored hash of every object of the batch, in one statement driven by the batch (one index
        // probe per object): a page of orders captures a few thousand objects.
        let stored: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT j.value ->> 0, j.value ->> 1, d.content_hash FROM json_each(?2) AS j \
             CROSS JOIN data_capture AS d WHERE d.id = (SELECT MAX(x.id) FROM data_capture AS x \
             WHERE x.shop_id = ?1 AND x.object_type = j.value ->> 0 AND x.object_id = j.value ->> 1)",
        )
        .bind(shop_id)
        .bind(serde_json::to_string(&keys)?)
        .fetch_all(&mut *tx)
        .await?;
        let mut latest: HashMap<(String, String), String> =
            stored.into_iter().map(|(kind, id, hash)| ((kind, id), hash)).collect();
        // A version only when the content differs from the latest one, also when an object comes twice in a batch.
        let mut rows = Vec::new();
        for (item, hash) in items.iter().zip(hashes) {
            let key = (item.object_type.clone(), item.object_id.clone());
            if latest.get(&key) == Some(&hash) {
                continue;
            }
            latest.insert(key, hash.clone());
            rows.push((item, hash));
        }
        // Bound as parameters, not as one JSON text: the payloads are JSON themselves and would be escaped,
        // parsed and unescaped again.
        for chunk in rows.chunks(CAPTURE_ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO data_capture (shop_id, object_type, object_id, content_hash, payload, captured_at) ",
            );
            insert.push_values(chunk, |mut row, (item, hash)| {
                row.push_bind(shop_id)
                    .push_bind(&item.object_type)
                    .push_bind(&item.object_id)
                    .push_bind(hash)
                    .push_bind(&item.payload)
                    .push_bind(&now);
            });
            insert.build().execute(&mut *tx).await?;
        }
        let added = rows.len() as u64;
        tx.commit().await?;
        Ok(added)
    }

    async fn captures(&self, shop_id: i64, object_type: &str, object_id: &str) -> Result<Vec<Capture>> {
        Ok(sqlx::query_as(
            "SELECT id, object_type, object_id, content_hash, payload, captured_at FROM data_capture \
             WHERE shop_id = ? AND object_type = ? AND object_id = ? ORDER BY id DESC",
        )
        .bind(shop_id)
        .bind(object_type)
        .bind(object_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn latest_captures(&self, shop_id: i64, object_type: Option<&str>, limit: u32) -> Result<Vec<Capture>> {
        Ok(sqlx::query_as(
            "SELECT id, object_type, object_id, content_hash, payload, captured_at FROM data_capture d \
             WHERE shop_id = ?1 AND (?2 IS NULL OR object_type = ?2) AND id = ( \
                SELECT MAX(id) FROM data_capture x \
                WHERE x.shop_id = d.shop_id AND x.object_type = d.object_type AND x.object_id = d.object_id) \
             ORDER BY id DESC LIMIT ?3",
        )
        .bind(shop_id)
        .bind(object_type)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
