use async_trait::async_trait;

use super::{SqliteStore, now};
use crate::Result;
use crate::queue::{JobRequest, QueueStore, RequestOutcome};

const COLUMNS: &str = "id, shop_id, flow, trigger, status, attempts, run_after, claimed_by, claimed_until, job_id, \
                       error, created_at, updated_at";

#[async_trait]
impl QueueStore for SqliteStore {
    async fn enqueue_request(&self, shop_id: i64, flow: &str, trigger: &str) -> Result<(JobRequest, bool)> {
        let now = now();
        let mut tx = self.write().await?;
        let waiting: Option<JobRequest> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM job_requests WHERE shop_id = ? AND flow = ? AND status = 'queued'"
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
             VALUES (?, ?, ?, 'queued', ?, ?, ?) RETURNING {COLUMNS}"
        )))
        .bind(shop_id)
        .bind(flow)
        .bind(trigger)
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((request, false))
    }

    async fn claim_request(&self, worker: &str, now: &str, lease_until: &str) -> Result<Option<JobRequest>> {
        let mut tx = self.write().await?;
        // Under the write lock: the choice and the claim are one step, so two workers never take one request. A shop
        // with a live claim is passed over whatever the flow asked for: one running request per shop, so the shop's
        // requests to Shopify come from one process at a time and that process's cost budget sees all of them.
        let claimed: Option<JobRequest> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE job_requests SET status = 'claimed', claimed_by = ?1, claimed_until = ?3, \
             attempts = attempts + 1, updated_at = ?2 \
             WHERE id = (SELECT r.id FROM job_requests r \
                 WHERE ((r.status = 'queued' AND r.run_after <= ?2) OR (r.status = 'claimed' AND r.claimed_until < ?2)) \
                 AND NOT EXISTS (SELECT 1 FROM job_requests o WHERE o.shop_id = r.shop_id \
                     AND o.id <> r.id AND o.status = 'claimed' AND o.claimed_until >= ?2) \
                 ORDER BY r.run_after, r.id LIMIT 1) \
             RETURNING {COLUMNS}"
        )))
        .bind(worker)
        .bind(now)
        .bind(lease_until)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    async fn renew_claim(&self, id: i64, worker: &str, lease_until: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE job_requests SET claimed_until = ?, updated_at = ? \
             WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
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
                "UPDATE job_requests SET status = 'done', error = ?, claimed_until = NULL, updated_at = ? \
                 WHERE id = ? AND status = 'claimed' AND claimed_by = ? AND EXISTS (SELECT 1 FROM job_requests o \
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
            "UPDATE job_requests SET status = ?, run_after = coalesce(?, run_after), error = ?, \
             job_id = coalesce(?, job_id), claimed_until = NULL, updated_at = ? \
             WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
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
            "SELECT {COLUMNS} FROM job_requests WHERE (? IS NULL OR shop_id = ?) ORDER BY id DESC LIMIT ?"
        )))
        .bind(shop_id)
        .bind(shop_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
