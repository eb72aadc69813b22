//! The durable job queue: requests to run a flow of a shop, claimed by workers under a lease.

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// A request to run a flow, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobRequest {
    pub id: i64,
    pub shop_id: i64,
    pub flow: String,
    pub trigger: String,
    /// `queued`, `claimed`, `done` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub run_after: String,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<String>,
    pub job_id: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// How a claimed request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// The run ended (well, or with records held): the request is done.
    Done { job_id: Option<i64> },
    /// Try again after this time (a passing failure, or the flow running elsewhere).
    Retry { error: String, run_after: String },
    /// Given up: the error stays with the request.
    Failed { error: String, job_id: Option<i64> },
}

/// Stores and hands out job requests.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Queues a run of `flow` for the shop, unless one is queued already: returns the request and whether it was
    /// already waiting (coalesced).
    async fn enqueue_request(&self, shop_id: i64, flow: &str, trigger: &str) -> Result<(JobRequest, bool)>;
    /// Claims the oldest request due at `now` whose shop no other worker holds (one running request per shop,
    /// whatever the flow: Shopify's rate limit is per shop, and each process budgets only its own requests), for
    /// `worker` until `lease_until`; a claimed request whose lease lapsed (its worker died) is claimed again.
    async fn claim_request(&self, worker: &str, now: &str, lease_until: &str) -> Result<Option<JobRequest>>;
    /// Extends a claim while its run goes on; `false` when the claim is no longer this worker's.
    async fn renew_claim(&self, id: i64, worker: &str, lease_until: &str) -> Result<bool>;
    /// Records how a claimed request ended; `false` when the claim is no longer this worker's (nothing written).
    async fn finish_request(&self, id: i64, worker: &str, outcome: &RequestOutcome) -> Result<bool>;
    /// Requests of one shop (or every shop), newest first.
    async fn job_requests(&self, shop_id: Option<i64>, limit: u32) -> Result<Vec<JobRequest>>;
}
