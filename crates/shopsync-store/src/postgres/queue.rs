//! The durable job queue in PostgreSQL: requests to run a flow of a shop, claimed by the workers of every process
//! that shares the database.
//!
//! A claim does not take the global write lock (see the backend's overview): it runs in a transaction of its own
//! that locks the request it takes with `FOR UPDATE SKIP LOCKED`, so workers claiming at the same moment take
//! different requests instead of queueing behind each other. One running request per shop, whatever its flow, is
//! kept by a transaction-level advisory lock on the shop, taken without waiting before the claim is written.
//!
//! Why per shop and not per shop and flow: Shopify's cost bucket is per shop (per app and shop), and each process
//! models only its own requests in its cost budget. While one claim at a time exists for a shop, every request to
//! that shop comes from the one process holding it, so that process's budget is the whole truth and no THROTTLED
//! answer comes from two processes spending the same bucket. It costs one check per claim, nothing per request.

use async_trait::async_trait;

use super::{PgStore, now};
use crate::Result;
use crate::queue::{JobRequest, QueueStore, RequestOutcome};

const COLUMNS: &str = "id, shop_id, flow, trigger, status, attempts, ts_text(run_after) AS run_after, claimed_by, \
                       ts_text(claimed_until) AS claimed_until, job_id, error, ts_text(created_at) AS created_at, \
                       ts_text(updated_at) AS updated_at";

/// How many due requests one claim looks at before it gives up until the next poll: each one passed over is a
/// shop another worker is claiming at that very moment.
const CLAIM_TRIES: usize = 16;

#[async_trait]
impl QueueStore for PgStore {
    async fn enqueue_request(&self, shop_id: i64, flow: &str, trigger: &str) -> Result<(JobRequest, bool)> {
        // Under the write lock, like every other path that makes a request queued (a retry in finish_request):
        // the check and the insert cannot interleave with another, so the one-queued index is never hit.
        let mut tx = self.write().await?;
        let waiting: Option<JobRequest> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM job_requests WHERE shop_id = $1 AND flow = $2 AND status = 'queued'"
        )))
        .bind(shop_id)
        .bind(flow)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(waiting) = waiting {
            tx.commit().await?;
            return Ok((waiting, true));
        }
        let request: JobRequest = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO job_requests (shop_id, flow, trigger, status, run_after, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', $4::timestamptz, $4::timestamptz, $4::timestamptz) RETURNING {COLUMNS}"
        )))
        .bind(shop_id)
        .bind(flow)
        .bind(trigger)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((request, false))
    }

    async fn claim_request(&self, worker: &str, now: &str, lease_until: &str) -> Result<Option<JobRequest>> {
        let mut tx = self.pool.begin().await?;
        // Shops passed over because another worker is claiming for them right now.
        let mut held_shops: Vec<i64> = Vec::new();
        for _ in 0..CLAIM_TRIES {
            // The oldest due request of a shop without a live claim that nobody else is locking; a request another
            // claimer has locked is skipped, not waited for.
            let candidate: Option<(i64, i64)> = sqlx::query_as(
                "SELECT r.id, r.shop_id FROM job_requests r \
                 WHERE ((r.status = 'queued' AND r.run_after <= $1::timestamptz) \
                     OR (r.status = 'claimed' AND r.claimed_until < $1::timestamptz)) \
                 AND NOT EXISTS (SELECT 1 FROM job_requests o WHERE o.shop_id = r.shop_id \
                     AND o.id <> r.id AND o.status = 'claimed' AND o.claimed_until >= $1::timestamptz) \
                 AND r.shop_id <> ALL($2::bigint[]) \
                 ORDER BY r.run_after, r.id LIMIT 1 \
                 FOR UPDATE OF r SKIP LOCKED",
            )
            .bind(now)
            .bind(&held_shops)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, shop_id)) = candidate else { break };
            // A shop can have several due requests (other flows, a lapsed claim beside a queued request): the row
            // lock alone would let two workers take one each. The advisory lock on the shop, held to commit, lets
            // one claimer at a time decide for it; the claim below then reads anew whether the shop is free (its
            // statement starts after any claim committed by the lock's previous holder, so it sees that claim).
            // Keyed by the shop alone; two shops whose ids hash alike only make one wait for the next poll.
            let mine: bool = sqlx::query_scalar(
                "SELECT pg_try_advisory_xact_lock(hashtext('shopsync.queue'), hashtext($1::bigint::text))",
            )
            .bind(shop_id)
            .fetch_one(&mut *tx)
            .await?;
            let claimed: Option<JobRequest> = if mine {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE job_requests SET status = 'claimed', claimed_by = $1, claimed_until = $3::timestamptz, \
                     attempts = attempts + 1, updated_at = $2::timestamptz \
                     WHERE id = $4 AND NOT EXISTS (SELECT 1 FROM job_requests o \
                         WHERE o.shop_id = job_requests.shop_id AND o.id <> job_requests.id \
                         AND o.status = 'claimed' AND o.claimed_until >= $2::timestamptz) \
                     RETURNING {COLUMNS}"
                )))
                .bind(worker)
                .bind(now)
                .bind(lease_until)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
            } else {
                None
            };
            if let Some(claimed) = claimed {
                tx.commit().await?;
                return Ok(Some(claimed));
            }
            held_shops.push(shop_id);
        }
        tx.commit().await?;
        Ok(None)
    }

    async fn renew_claim(&self, id: i64, worker: &str, lease_until: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE job_requests SET claimed_until = $1::timestamptz, updated_at = $2::timestamptz \
             WHERE id = $3 AND status = 'claimed' AND claimed_by = $4",
        )
        .bind(lease_until)
        .bind(now())
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_request(&self, id: i64, worker: &str, outcome: &RequestOutcome) -> Result<bool> {
        let (status, run_after, error, job_id) = match outcome {
            RequestOutcome::Done { job_id } => ("done", None, None, *job_id),
            RequestOutcome::Retry { error, run_after } => {
                ("queued", Some(run_after.as_str()), Some(error.as_str()), None)
            }
            RequestOutcome::Failed { error, job_id } => ("failed", None, Some(error.as_str()), *job_id),
        };
        let mut tx = self.write().await?;
        // A retry whose shop and flow got a new queued request meanwhile is folded into it.
        if status == "queued" {
            let folded = sqlx::query(
                "UPDATE job_requests SET status = 'done', error = $1, claimed_until = NULL, \
                 updated_at = $2::timestamptz \
                 WHERE id = $3 AND status = 'claimed' AND claimed_by = $4 AND EXISTS (SELECT 1 FROM job_requests o \
                 WHERE o.shop_id = job_requests.shop_id AND o.flow = job_requests.flow AND o.status = 'queued')",
            )
            .bind(error)
            .bind(now())
            .bind(id)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
            if folded.rows_affected() == 1 {
                tx.commit().await?;
                return Ok(true);
            }
        }
        let done = sqlx::query(
            "UPDATE job_requests SET status = $1, run_after = coalesce($2::timestamptz, run_after), error = $3, \
             job_id = coalesce($4::bigint, job_id), claimed_until = NULL, updated_at = $5::timestamptz \
             WHERE id = $6 AND status = 'claimed' AND claimed_by = $7",
        )
        .bind(status)
        .bind(run_after)
        .bind(error)
        .bind(job_id)
        .bind(now())
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn job_requests(&self, shop_id: Option<i64>, limit: u32) -> Result<Vec<JobRequest>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM job_requests WHERE ($1::bigint IS NULL OR shop_id = $1) ORDER BY id DESC LIMIT $2"
        )))
        .bind(shop_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
