//! Reconciliation runs in PostgreSQL.

use async_trait::async_trait;

use super::PgStore;
use crate::Result;
use crate::reconcile::{ReconcileDifference, ReconcileRun, ReconcileRunInput, ReconcileStore};

#[async_trait]
impl ReconcileStore for PgStore {
    async fn save_reconcile_run(&self, run: &ReconcileRunInput) -> Result<i64> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reconcile_runs (shop_id, mode, trigger, started_at, finished_at, requests, points) \
             VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6, $7) RETURNING id",
        )
        .bind(run.shop_id)
        .bind(&run.mode)
        .bind(&run.trigger)
        .bind(&run.started_at)
        .bind(&run.finished_at)
        .bind(run.requests)
        .bind(run.points)
        .fetch_one(&mut *tx)
        .await?;
        for difference in &run.differences {
            sqlx::query(
                "INSERT INTO reconcile_differences \
                 (run_id, kind, object_key, shopify_id, back_office, shopify, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&difference.kind)
            .bind(&difference.key)
            .bind(&difference.shopify_id)
            .bind(&difference.back_office)
            .bind(&difference.shopify)
            .bind(&difference.status)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn last_reconcile_run(&self, shop_id: i64) -> Result<Option<ReconcileRun>> {
        let run: Option<ReconcileRun> = sqlx::query_as(
            "SELECT id, shop_id, mode, trigger, ts_text(started_at) AS started_at, \
             ts_text(finished_at) AS finished_at, requests, points FROM reconcile_runs \
             WHERE shop_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(shop_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut run) = run else { return Ok(None) };
        run.differences = sqlx::query_as::<_, ReconcileDifference>(
            "SELECT kind, object_key, shopify_id, back_office, shopify, status FROM reconcile_differences \
             WHERE run_id = $1 ORDER BY id",
        )
        .bind(run.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(run))
    }
}
