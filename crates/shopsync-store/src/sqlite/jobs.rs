use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::{SqliteStore, now};
use crate::jobs::{Job, JobDay, JobProcess, JobStatus, JobStore, JobTrigger};
use crate::{Result, StoreError};

const JOB_COLUMNS: &str = "id, shop_id, kind, trigger, status, queued_at, started_at, finished_at, heartbeat_at, summary, error, host, pid, \
     process_start";

#[async_trait]
impl JobStore for SqliteStore {
    async fn start_job(&self, shop_id: i64, kind: &str, trigger: JobTrigger) -> Result<Job> {
        let now = now();
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO jobs (shop_id, kind, trigger, status, queued_at, started_at, heartbeat_at) \
             VALUES (?, ?, ?, 'running', ?, ?, ?) RETURNING {JOB_COLUMNS}"
        )))
        .bind(shop_id)
        .bind(kind)
        .bind(trigger)
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn start_job_exclusive(
        &self,
        shop_id: i64,
        kind: &str,
        trigger: JobTrigger,
        process: &JobProcess,
    ) -> Result<std::result::Result<Job, Job>> {
        let now = now();
        let mut tx = self.write().await?;
        let running: Option<Job> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = ? AND kind = ? AND status = 'running' ORDER BY id LIMIT 1"
        )))
        .bind(shop_id)
        .bind(kind)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(running) = running {
            return Ok(Err(running));
        }
        let job = sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO jobs (shop_id, kind, trigger, status, queued_at, started_at, heartbeat_at, host, pid, \
             process_start) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?) RETURNING {JOB_COLUMNS}"
        )))
        .bind(shop_id)
        .bind(kind)
        .bind(trigger)
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .bind(&process.host)
        .bind(process.pid)
        .bind(&process.started)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(job))
    }

    async fn running_jobs(&self, shop_id: i64) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = ? AND status = 'running' ORDER BY id"
        )))
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn heartbeat_job(&self, job_id: i64, summary: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE jobs SET heartbeat_at = ?, summary = ? WHERE id = ? AND status = 'running'")
            .bind(now())
            .bind(summary)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn finish_job(&self, job_id: i64, status: JobStatus, summary: &str, error: Option<&str>) -> Result<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = ?, finished_at = ?, summary = ?, error = ? WHERE id = ? AND status = 'running'",
        )
        .bind(status)
        .bind(now())
        .bind(summary)
        .bind(error)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(not_running(&mut tx, job_id).await);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fail_job_briefly(&self, job_id: i64, error: &str) -> Result<()> {
        // One short row update in autocommit: it needs a page or two of journal, where the transaction that failed
        // needed many.
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE id = ? AND status = 'running'",
        )
        .bind(now())
        .bind(error)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_over_job(&self, job_id: i64, heartbeat_at: Option<&str>, reason: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? \
             WHERE id = ? AND status = 'running' AND heartbeat_at IS ?",
        )
        .bind(now())
        .bind(reason)
        .bind(job_id)
        .bind(heartbeat_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn fail_stale_jobs(&self, before: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = ?, \
             error = 'the process running this job stopped before it finished; the next run resumes from the last checkpoint' \
             WHERE status = 'running' AND heartbeat_at < ?",
        )
        .bind(now())
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn jobs(&self, shop_id: i64, kind: Option<&str>, limit: u32) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id DESC LIMIT ?3"
        )))
        .bind(shop_id)
        .bind(kind)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn jobs_started_since(&self, shop_id: i64, trigger: JobTrigger, since: &str, limit: u32) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = ? AND trigger = ? AND started_at >= ? \
             ORDER BY started_at, id LIMIT ?"
        )))
        .bind(shop_id)
        .bind(trigger)
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn job_days(&self, shop_id: i64, since: &str) -> Result<Vec<JobDay>> {
        Ok(sqlx::query_as(
            "SELECT substr(started_at, 1, 10) AS day, \
             SUM(COALESCE(json_extract(summary, '$.created'), 0) + COALESCE(json_extract(summary, '$.updated'), 0) \
                 + COALESCE(json_extract(summary, '$.linked'), 0)) AS synced, \
             SUM(COALESCE(json_extract(summary, '$.skipped'), 0) + (status = 'failed')) AS errors, \
             COUNT(*) AS jobs \
             FROM jobs WHERE shop_id = ? AND started_at >= ? GROUP BY day ORDER BY day",
        )
        .bind(shop_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_success(&self, shop_id: i64, kind: &str) -> Result<Option<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = ? AND kind = ? AND status = 'succeeded' \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(shop_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// Why job `job_id` cannot be written as running: another run took it over (its row says how), or it is gone.
pub(super) async fn not_running(tx: &mut sqlx::SqliteConnection, job_id: i64) -> StoreError {
    let row: Option<(String, Option<String>)> =
        match sqlx::query_as("SELECT status, error FROM jobs WHERE id = ?").bind(job_id).fetch_optional(&mut *tx).await
        {
            Ok(row) => row,
            Err(err) => return err.into(),
        };
    match row {
        None => StoreError::NotFound { what: "job", key: job_id.to_string() },
        Some((status, error)) => StoreError::LeaseLost {
            job: job_id,
            reason: match error {
                Some(error) => format!("it was marked {status} by another run ({error})"),
                None => format!("it was marked {status} by another run"),
            },
        },
    }
}
