//! The durable job queue at the application boundary: asking for a run of a flow, and the workers of `serve` that
//! take the requests.
//!
//! A request lives in the store (`QueueStore`), so it survives a stop, a crash and a restart. A worker claims the
//! oldest request that is due and whose shop no other worker holds (one running request per shop, whatever the
//! flow: Shopify's cost bucket is per shop and each process budgets only its own requests, so a shop served by one
//! process at a time is a shop whose budget is exact), for a lease of [`LEASE`] that it renews every
//! [`RENEW_EVERY`] while the run goes on; a worker that dies lets its lease lapse and another worker
//! takes the request again, the flow resuming from its last checkpoint. How a run ended decides what follows:
//! done; tried again after a backoff (a passing failure; the flow running in another process); or failed for good
//! (after [`MAX_ATTEMPTS`], or at once when Shopify refused access or a setting stops it: retrying could not help,
//! and a storm of retries against a revoked token helps nobody).

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shopsync_core::Flow;
use shopsync_store::{JobRequest, JobTrigger, RequestOutcome};

use super::{LeftOut, run_flow};
use crate::orders::BulkChoice;
use crate::{Engine, FlowSummary, NoProgress, SyncError};

/// How long a claim holds without renewal: a worker that stopped renewing for this long is taken for dead.
pub const LEASE: Duration = Duration::from_secs(60);
/// How often a running worker renews its claim.
pub const RENEW_EVERY: Duration = Duration::from_secs(15);
/// Replaces [`LEASE`] (whole seconds), so tests can let a killed worker's claim lapse without waiting a minute.
pub const LEASE_ENV: &str = "SHOPSYNC_QUEUE_LEASE_SECS";

/// The lease of this process's claims: [`LEASE`], or the seconds [`LEASE_ENV`] names.
fn lease() -> Duration {
    std::env::var(LEASE_ENV)
        .ok()
        .and_then(|secs| secs.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map_or(LEASE, Duration::from_secs)
}

/// How often a claim of `lease` is renewed: [`RENEW_EVERY`], or a quarter of a shorter lease so a live run never
/// lets its claim lapse.
fn renew_every(lease: Duration) -> Duration {
    RENEW_EVERY.min(lease / 4)
}
/// Runs of one request before it is given up.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a request waits when its flow runs in another process.
const BUSY_RETRY: Duration = Duration::from_secs(5);
/// How long an idle worker waits before it looks for requests again.
const IDLE_WAIT: Duration = Duration::from_millis(500);

/// A request queued, or the one already waiting that it joined.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    pub request: JobRequest,
    /// A request for the shop and flow was waiting already: no second run was asked for.
    pub coalesced: bool,
}

/// Queues a run of `flow` for the shop. Refused, with the setting to change, when the shop is left out of
/// background syncs or the flow is switched off: no worker would run it.
pub async fn enqueue(engine: &Engine, domain: &str, flow: Flow, trigger: JobTrigger) -> Result<Queued, SyncError> {
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    if let Some(left_out) = LeftOut::of(&shop.settings) {
        return Err(SyncError::NeedsSetting {
            shop: shop.shop.domain.clone(),
            key: left_out.setting(),
            message: format!(
                "{} is left out of background syncs (its setting {} is off), so no worker would run a queued {flow} \
                 sync; run it in the foreground, or turn the setting on",
                shop.shop.domain,
                left_out.setting()
            ),
        });
    }
    if !flow.enabled(&shop.settings) {
        return Err(SyncError::FlowDisabled {
            flow: flow.as_str(),
            shop: shop.shop.domain.clone(),
            setting: flow.switch_setting(),
        });
    }
    let trigger = match trigger {
        JobTrigger::Manual => "manual",
        JobTrigger::Schedule => "schedule",
        JobTrigger::Webhook => "webhook",
        JobTrigger::Reprocess => "reprocess",
    };
    let (request, coalesced) = engine.store().enqueue_request(shop.shop.id, flow.as_str(), trigger).await?;
    Ok(Queued { request, coalesced })
}

/// What a worker did with one request.
#[derive(Debug)]
pub enum WorkDone {
    /// The run ended; the request is done.
    Ran { request: JobRequest, shop: String, summary: FlowSummary },
    /// The run failed and the request waits for another attempt.
    WillRetry { request: JobRequest, shop: String, error: SyncError, at: String },
    /// The run failed and the request is given up.
    GaveUp { request: JobRequest, shop: String, error: SyncError },
    /// Another worker took the request over while this one ran (its lease lapsed): nothing was recorded.
    LostClaim { request: JobRequest },
}

/// A worker's name, unique across processes and machines: host, process and number.
pub fn worker_name(number: usize) -> String {
    format!("{}:{}:{number}", crate::engine::hostname(), std::process::id())
}

/// Claims one due request and runs it; `None` when nothing is due.
pub async fn work_once(engine: &Engine, worker: &str) -> Result<Option<WorkDone>, SyncError> {
    let now = Timestamp::now();
    let lease = |from: Timestamp| shopsync_core::time::to_text(from + signed(lease()));
    let store = engine.store();
    let Some(request) = store.claim_request(worker, &shopsync_core::time::to_text(now), &lease(now)).await? else {
        return Ok(None);
    };
    let shop = match store.shop_by_id(request.shop_id).await? {
        Some(shop) => shop.domain,
        None => String::new(),
    };
    let result = run_request(engine, &shop, &request, worker).await;
    // The run the flow recorded (the newest job of the shop and flow).
    let job_id = store.jobs(request.shop_id, Some(&request.flow), 1).await?.first().map(|job| job.id);
    let (outcome, done) = match result {
        Ok(summary) => (RequestOutcome::Done { job_id }, Ok(summary)),
        Err(error) => {
            let retry_in = match &error {
                SyncError::AlreadyRunning { .. } => Some(BUSY_RETRY),
                _ if gives_up(&error) || request.attempts >= MAX_ATTEMPTS => None,
                // 30 s, 1 min, 2 min, 4 min.
                _ => Some(Duration::from_secs(30u64 << (request.attempts.clamp(1, 5) - 1))),
            };
            let message = error.to_string();
            match retry_in {
                Some(wait) => {
                    let at = shopsync_core::time::to_text(Timestamp::now() + signed(wait));
                    (RequestOutcome::Retry { error: message, run_after: at.clone() }, Err((error, Some(at))))
                }
                None => (RequestOutcome::Failed { error: message, job_id }, Err((error, None))),
            }
        }
    };
    if !store.finish_request(request.id, worker, &outcome).await? {
        return Ok(Some(WorkDone::LostClaim { request }));
    }
    Ok(Some(match done {
        Ok(summary) => WorkDone::Ran { request, shop, summary },
        Err((error, Some(at))) => WorkDone::WillRetry { request, shop, error, at },
        Err((error, None)) => WorkDone::GaveUp { request, shop, error },
    }))
}

/// Runs the request's flow while a task renews the claim beside it (never inside the flow's future, which may hold
/// the write lock the renewal would wait for).
async fn run_request(
    engine: &Engine,
    domain: &str,
    request: &JobRequest,
    worker: &str,
) -> Result<FlowSummary, SyncError> {
    let flow: Flow = request.flow.parse().map_err(|_| {
        SyncError::Invalid(format!("the queued request {} names no flow shopsync knows ({})", request.id, request.flow))
    })?;
    let shop = engine.shop(domain).await?;
    let trigger = match request.trigger.as_str() {
        "schedule" => JobTrigger::Schedule,
        "webhook" => JobTrigger::Webhook,
        _ => JobTrigger::Manual,
    };
    let store = engine.store().clone();
    let (id, worker_name) = (request.id, worker.to_string());
    let lease = lease();
    let renewal = tokio::spawn(async move {
        loop {
            tokio::time::sleep(renew_every(lease)).await;
            let until = shopsync_core::time::to_text(Timestamp::now() + signed(lease));
            match store.renew_claim(id, &worker_name, &until).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => tracing::warn!(request = id, %error, "cannot renew a claim; retrying"),
            }
        }
    });
    let result = run_flow(engine, &shop, flow, trigger, BulkChoice::Auto, &NoProgress).await;
    renewal.abort();
    result
}

/// Failures another attempt cannot mend: a person has to act first.
fn gives_up(error: &SyncError) -> bool {
    error.is_auth()
        || matches!(
            error,
            SyncError::UnknownShop(_)
                | SyncError::NoToken(_)
                | SyncError::TokenNotForEndpoint { .. }
                | SyncError::InvalidShopRecord { .. }
                | SyncError::ShopDisabled(_)
                | SyncError::FlowDisabled { .. }
                | SyncError::WritesDisabled(_)
                | SyncError::OutgoingDisabled(_)
                | SyncError::NeedsSetting { .. }
                | SyncError::NoAppCredentials
                | SyncError::Secret(_)
                | SyncError::Invalid(_)
        )
}

/// A worker of `serve`: takes requests until `stop` turns true, reporting each through `report`. A run in progress
/// when `stop` turns finishes first (a run cut short would be redone).
pub async fn run_worker(
    engine: Arc<Engine>,
    worker: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
    mut report: impl FnMut(&WorkDone) + Send,
) {
    while !*stop.borrow() {
        match work_once(&engine, &worker).await {
            Ok(Some(done)) => report(&done),
            Ok(None) => {
                tokio::select! {
                    () = tokio::time::sleep(IDLE_WAIT) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(error) => {
                tracing::error!(%worker, %error, "the job queue cannot be read; trying again");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

fn signed(duration: Duration) -> SignedDuration {
    SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX)
}
