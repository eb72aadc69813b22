//! Jobs in PostgreSQL: what ran, when, why, and the leases that keep one run per shop and flow.
//!
//! One running job per shop and kind is the `jobs_running` unique index (migrations/postgres/0001), which holds
//! across every process that shares the database; [`JobStore::start_job_exclusive`] leans on it instead of on
//! the global write lock.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::{PgStore, now};
use crate::jobs::{Job, JobDay, JobProcess, JobStatus, JobStore, JobTrigger};
use crate::{Result, StoreError};

const JOB_COLUMNS: &str = "id, shop_id, kind, trigger, status, ts_text(queued_at) AS queued_at, \
                           ts_text(started_at) AS started_at, ts_text(finished_at) AS finished_at, \
                           ts_text(heartbeat_at) AS heartbeat_at, summary, error, host, pid, process_start";

/// How often [`JobStore::start_job_exclusive`] tries again when the running job that refused its insert had
/// ended before it could be read: each try needs a whole run to start and end between two statements.
const START_TRIES: usize = 5;

#[async_trait]
impl JobStore for PgStore {
    async fn start_job(&self, shop_id: i64, kind: &str, trigger: JobTrigger) -> Result<Job> {
        let now = now();
        let started = sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO jobs (shop_id, kind, trigger, status, queued_at, started_at, heartbeat_at) \
             VALUES ($1, $2, $3, 'running', $4::timestamptz, $4::timestamptz, $4::timestamptz) RETURNING {JOB_COLUMNS}"
        )))
        .bind(shop_id)
        .bind(kind)
        .bind(trigger)
        .bind(&now)
        .fetch_one(&self.pool)
        .await;
        match started {
            Ok(job) => Ok(job),
            // Unlike SQLite's, this schema refuses a second running job of a shop and kind outright.
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(StoreError::Conflict(format!(
                "a {kind} job of shop {shop_id} is running already; one run of a flow per shop at a time"
            ))),
            Err(err) => Err(err.into()),
        }
    }

    async fn start_job_exclusive(
        &self,
        shop_id: i64,
        kind: &str,
        trigger: JobTrigger,
        process: &JobProcess,
    ) -> Result<std::result::Result<Job, Job>> {
        let now = now();
        for _ in 0..START_TRIES {
            // The jobs_running index decides, for every process at once: an insert beside a running job of the
            // same shop and kind (committed, or committing meanwhile) inserts nothing.
            let started: Option<Job> = sqlx::query_as(AssertSqlSafe(format!(
                "INSERT INTO jobs (shop_id, kind, trigger, status, queued_at, started_at, heartbeat_at, host, pid, \
                 process_start) \
                 VALUES ($1, $2, $3, 'running', $4::timestamptz, $4::timestamptz, $4::timestamptz, $5, $6, $7) \
                 ON CONFLICT (shop_id, kind) WHERE status = 'running' DO NOTHING RETURNING {JOB_COLUMNS}"
            )))
            .bind(shop_id)
            .bind(kind)
            .bind(trigger)
            .bind(&now)
            .bind(&process.host)
            .bind(process.pid)
            .bind(&process.started)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(job) = started {
                return Ok(Ok(job));
            }
            let running: Option<Job> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = $1 AND kind = $2 AND status = 'running' \
                 ORDER BY id LIMIT 1"
            )))
            .bind(shop_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(running) = running {
                return Ok(Err(running));
            }
            // The run that refused the insert ended before it could be read: the flow is free again.
        }
        Err(StoreError::Conflict(format!(
            "a {kind} job of shop {shop_id} could not start: runs of it kept starting and ending meanwhile"
        )))
    }

    async fn running_jobs(&self, shop_id: i64) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = $1 AND status = 'running' ORDER BY id"
        )))
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn heartbeat_job(&self, job_id: i64, summary: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET heartbeat_at = $1::timestamptz, summary = $2 WHERE id = $3 AND status = 'running'",
        )
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
            "UPDATE jobs SET status = $1, finished_at = $2::timestamptz, summary = $3, error = $4 \
             WHERE id = $5 AND status = 'running'",
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
        // One short row update in autocommit: a few WAL records, where the transaction that failed wrote many.
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1::timestamptz, error = $2 \
             WHERE id = $3 AND status = 'running'",
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
            "UPDATE jobs SET status = 'failed', finished_at = $1::timestamptz, error = $2 \
             WHERE id = $3 AND status = 'running' AND heartbeat_at IS NOT DISTINCT FROM $4::timestamptz",
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
            "UPDATE jobs SET status = 'failed', finished_at = $1::timestamptz, error = $2 \
             WHERE status = 'running' AND heartbeat_at < $3::timestamptz",
        )
        .bind(now())
        .bind("the process running this job stopped before it finished; the next run resumes from the last checkpoint")
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn jobs(&self, shop_id: i64, kind: Option<&str>, limit: u32) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = $1 AND ($2::text IS NULL OR kind = $2) \
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(shop_id)
        .bind(kind)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn jobs_started_since(&self, shop_id: i64, trigger: JobTrigger, since: &str, limit: u32) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = $1 AND trigger = $2 AND started_at >= $3::timestamptz \
             ORDER BY jobs.started_at, id LIMIT $4"
        )))
        .bind(shop_id)
        .bind(trigger)
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn job_days(&self, shop_id: i64, since: &str) -> Result<Vec<JobDay>> {
        let synced = [count("created"), count("updated"), count("linked")].join(" + ");
        let skipped = count("skipped");
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT day, SUM({synced})::bigint AS synced, \
             SUM({skipped} + CASE WHEN status = 'failed' THEN 1 ELSE 0 END)::bigint AS errors, COUNT(*) AS jobs \
             FROM (SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, summary::jsonb AS s, status \
                   FROM jobs WHERE shop_id = $1 AND started_at >= $2::timestamptz) AS started \
             GROUP BY day ORDER BY day"
        )))
        .bind(shop_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_success(&self, shop_id: i64, kind: &str) -> Result<Option<Job>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE shop_id = $1 AND kind = $2 AND status = 'succeeded' \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(shop_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// The count `key` of a job's JSON summary `s` as a number, 0 when it has none (SQLite's `json_extract` with
/// `COALESCE`); a value that is not a number counts as none instead of failing the whole chart.
fn count(key: &str) -> String {
    format!("COALESCE(CASE WHEN jsonb_typeof(s -> '{key}') = 'number' THEN (s ->> '{key}')::numeric END, 0)")
}

/// Why job `job_id` cannot be written as running: another run took it over (its row says how), or it is gone.
pub(super) async fn not_running(tx: &mut sqlx::PgConnection, job_id: i64) -> StoreError {
    let row: Option<(String, Option<String>)> = match sqlx::query_as("SELECT status, error FROM jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await
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
