//! Reconciliation at the application boundary: `shopsync reconcile` (and, later, the scheduler) run it here.
//!
//! The comparison and the fix are the engine's (`catalog::reconcile`); this runs them as a job of kind
//! `reconcile` (recorded, under a lease, with the requests and points it used), keeps the result in the store, and
//! gives back the stored run: a fresh run and `reconcile --last` are the same data for the front-ends to render.

use std::sync::{Arc, Mutex};

use shopsync_store::{JobTrigger, ReconcileRun, ReconcileRunInput};

use crate::catalog::reconcile::reconcile as compare_and_fix;
use crate::{Engine, FlowSummary, Progress, ShopContext, SyncError};

/// The job kind a reconciliation runs as.
pub const JOB_KIND: &str = "reconcile";

/// Reconciles a shop's catalog (report only, or with `fix`), stores the run and returns it.
pub async fn reconcile(
    engine: &Engine,
    shop: &ShopContext,
    fix: bool,
    trigger: JobTrigger,
    progress: &dyn Progress,
) -> Result<ReconcileRun, SyncError> {
    let started_at = shopsync_core::time::now_text();
    let before = shop.request_use();
    let differences = Arc::new(Mutex::new(Vec::new()));
    let kept = differences.clone();
    let flow = async move {
        let found = compare_and_fix(shop, fix, progress).await?;
        let mut summary = FlowSummary::default();
        for difference in &found {
            summary.notes.entry(difference.kind.clone()).and_modify(bump).or_insert_with(|| "1".into());
        }
        if let Ok(mut kept) = kept.lock() {
            *kept = found;
        }
        Ok(summary)
    };
    engine.run_job(shop, JOB_KIND, trigger, progress, flow).await?;
    let after = shop.request_use();
    let differences = differences.lock().map(|mut d| std::mem::take(&mut *d)).unwrap_or_default();
    let input = ReconcileRunInput {
        shop_id: shop.shop.id,
        mode: if fix { "fix" } else { "report" }.to_string(),
        trigger: trigger_text(trigger).to_string(),
        started_at,
        finished_at: shopsync_core::time::now_text(),
        requests: (after.0 - before.0) as i64,
        points: (after.1 - before.1).round() as i64,
        differences,
    };
    let store = shop.store();
    let id = store.save_reconcile_run(&input).await?;
    Ok(ReconcileRun {
        id,
        shop_id: input.shop_id,
        mode: input.mode,
        trigger: input.trigger,
        started_at: input.started_at,
        finished_at: input.finished_at,
        requests: input.requests,
        points: input.points,
        differences: input.differences,
    })
}

/// The shop's last reconciliation, as stored.
pub async fn last_run(engine: &Engine, domain: &str) -> Result<Option<ReconcileRun>, SyncError> {
    let shop = super::read::find_shop(engine.store().as_ref(), domain).await?;
    Ok(engine.store().last_reconcile_run(shop.id).await?)
}

fn bump(count: &mut String) {
    *count = (count.parse::<u64>().unwrap_or(0) + 1).to_string();
}

fn trigger_text(trigger: JobTrigger) -> &'static str {
    match trigger {
        JobTrigger::Manual => "manual",
        JobTrigger::Schedule => "schedule",
        JobTrigger::Webhook => "webhook",
        JobTrigger::Reprocess => "reprocess",
    }
}
