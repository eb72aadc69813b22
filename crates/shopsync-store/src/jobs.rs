//! Sync jobs: what ran, when, why, and how it ended.
//!
//! Every flow run is a job row, whether someone asked for it (sync-now), a schedule fired, a webhook
//! triggered it or a reprocess asked for it. The scheduler reads the last run of each kind to know when the
//! next is due; the front-ends show the history.

use std::future::Future;

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// Why a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum JobTrigger {
    Manual,
    Schedule,
    Webhook,
    Reprocess,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// A job row.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub shop_id: i64,
    pub kind: String,
    pub trigger: JobTrigger,
    pub status: JobStatus,
    pub queued_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub heartbeat_at: Option<String>,
    /// JSON counts (synced, skipped, errors ...).
    pub summary: String,
    pub error: Option<String>,
    /// The machine and process that run (or ran) the job.
    pub host: Option<String>,
    pub pid: Option<i64>,
    /// When that process started (see [`JobProcess::started`]), to tell it from a later process given its pid.
    pub process_start: Option<String>,
}

/// What a shop's jobs did on one day (UTC), for a chart of the last days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Records created, updated or linked.
    pub synced: i64,
    /// Records skipped (held with an error) plus jobs that failed.
    pub errors: i64,
    pub jobs: i64,
}

/// The process that starts a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobProcess {
    pub host: String,
    pub pid: i64,
    /// An opaque mark of when the process started on its machine (boot and start time), where the platform
    /// tells it cheaply; `None` elsewhere.
    pub started: Option<String>,
}

tokio::task_local! {
    /// The job whose lease the writes of the current task run under.
    static LEASE: i64;
}

/// Runs `work` under the lease of job `job_id`: each write transaction it makes first checks, under the write
/// lock, that the job is still running, and fails with [`crate::StoreError::LeaseLost`] otherwise. A run whose job
/// was taken over (its process paused past the lease, its machine unreachable) so stops at its next write
/// without committing over the run that took over. Tasks `work` spawns are not covered.
pub async fn under_lease<F: Future>(job_id: i64, work: F) -> F::Output {
    LEASE.scope(job_id, work).await
}

/// The job whose lease covers the current task, if any.
pub(crate) fn current_lease() -> Option<i64> {
    LEASE.try_with(|job| *job).ok()
}

/// Job bookkeeping.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Records a job that starts now (status running) and returns it.
    async fn start_job(&self, shop_id: i64, kind: &str, trigger: JobTrigger) -> Result<Job>;
    /// Records a job that starts now for `process`, unless a job of the same shop and kind is still marked
    /// running: then nothing is written and that job is returned as the error. Check and insert are one step for
    /// every process sharing the database (under SQLite's write lock; on PostgreSQL a unique index on running
    /// jobs), so two processes can never both start the same flow of the same shop.
    async fn start_job_exclusive(
        &self,
        shop_id: i64,
        kind: &str,
        trigger: JobTrigger,
        process: &JobProcess,
    ) -> Result<std::result::Result<Job, Job>>;
    /// Jobs of a shop still marked running, oldest first.
    async fn running_jobs(&self, shop_id: i64) -> Result<Vec<Job>>;
    /// Marks a running job as alive (and stores its progress so far), renewing its lease. Returns false when the
    /// job is no longer running (another run took it over): its lease is lost.
    async fn heartbeat_job(&self, job_id: i64, summary: &str) -> Result<bool>;
    /// Ends a running job with its summary and, on failure, the error. A job that is no longer running (another
    /// run took it over) is left as it is: [`crate::StoreError::LeaseLost`].
    async fn finish_job(&self, job_id: i64, status: JobStatus, summary: &str, error: Option<&str>) -> Result<()>;
    /// Marks a running job failed with `error`, writing as little as possible: the last resort when
    /// [`JobStore::finish_job`] itself failed (a full disk), so the job does not stay running without its cause.
    async fn fail_job_briefly(&self, job_id: i64, error: &str) -> Result<()>;
    /// Takes over a running job whose process is gone or whose lease expired: marks it failed with `reason`, only
    /// if it is still running and its heartbeat is still `heartbeat_at` (the one the caller judged). Returns
    /// whether it did; false means the job ended or proved alive meanwhile.
    async fn take_over_job(&self, job_id: i64, heartbeat_at: Option<&str>, reason: &str) -> Result<bool>;
    /// Jobs still marked running whose heartbeat is older than `before` are from a process that died:
    /// they are marked failed with that reason. Returns how many.
    async fn fail_stale_jobs(&self, before: &str) -> Result<u64>;
    /// The latest jobs of a shop (all kinds with `None`), newest first.
    async fn jobs(&self, shop_id: i64, kind: Option<&str>, limit: u32) -> Result<Vec<Job>>;
    /// Per day since `since` (store text form), what the shop's jobs started that day did, oldest first; days
    /// without a job are left out.
    async fn job_days(&self, shop_id: i64, since: &str) -> Result<Vec<JobDay>>;
    /// A shop's jobs with this trigger started at or after `since`, oldest first, at most `limit`.
    async fn jobs_started_since(&self, shop_id: i64, trigger: JobTrigger, since: &str, limit: u32) -> Result<Vec<Job>>;
    /// The last job of a kind that finished successfully.
    async fn last_success(&self, shop_id: i64, kind: &str) -> Result<Option<Job>>;
}
