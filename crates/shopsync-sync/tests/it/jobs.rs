//! Jobs and their leases: a run whose job another run took over stops at its next write, and commits nothing
//! over the run that took over. A run whose database was deleted, replaced or filled up fails with that cause.

use shopify_sim::SimConfig;
use shopsync_store::{JobProcess, JobStatus, JobStore, JobTrigger, OrderFilter, OrderStore, ShopStore, StoreError};
use shopsync_sync::orders::{OrderSyncOptions, sync_orders};
use shopsync_sync::{FlowSummary, NoProgress, SyncError};

use crate::Harness;

#[tokio::test]
async fn a_run_whose_job_was_taken_over_stops_at_its_next_write_and_saves_nothing() {
    let h = Harness::start(SimConfig::default()).await;
    let ctx = h.engine.shop(h.sim.shop_domain()).await.unwrap();
    let store = h.store.clone();
    let shop_id = h.shop.id;
    let flow = async {
        // While this run is under way, another run on another machine finds its lease expired (as after a long
        // pause) and takes the job over, the way `Engine::claim_job` does there. It runs as a task of its own, as
        // the other run's writes are not this run's.
        let other_run = store.clone();
        tokio::spawn(async move {
            let mine = other_run.running_jobs(shop_id).await.unwrap().remove(0);
            let reason = "the process running this job on host-a stopped reporting (no heartbeat for 60 s)";
            assert!(other_run.take_over_job(mine.id, mine.heartbeat_at.as_deref(), reason).await.unwrap());
            let other = JobProcess { host: "host-b".into(), pid: 4242, started: None };
            other_run.start_job_exclusive(shop_id, "orders", JobTrigger::Schedule, &other).await.unwrap().unwrap();
        })
        .await
        .unwrap();
        // Then this run goes on with its work.
        sync_orders(&ctx, &OrderSyncOptions::default(), &NoProgress).await
    };
    let result: Result<FlowSummary, SyncError> =
        h.engine.run_job(&ctx, "orders", JobTrigger::Manual, &NoProgress, flow).await;

    let err = result.expect_err("a run that lost its job must not succeed");
    assert!(matches!(err, SyncError::Store(StoreError::LeaseLost { .. })), "{err}");
    assert!(err.to_string().contains("stopped reporting"), "the message says why the job was taken: {err}");
    let orders = store.shopify_orders(shop_id, &OrderFilter::default()).await.unwrap();
    assert!(orders.is_empty(), "the run saved {} orders after losing its job", orders.len());
    assert_eq!(store.cursor(shop_id, "orders").await.unwrap(), None, "the run moved the cursor after losing its job");
    let jobs = store.jobs(shop_id, Some("orders"), 10).await.unwrap();
    let statuses: Vec<(JobStatus, Option<&str>)> = jobs.iter().map(|j| (j.status, j.host.as_deref())).collect();
    assert_eq!(statuses[0], (JobStatus::Running, Some("host-b")), "the run that took over still owns its job");
    assert_eq!(statuses[1].0, JobStatus::Failed);
    assert!(jobs[1].error.as_deref().is_some_and(|e| e.contains("stopped reporting")), "{:?}", jobs[1].error);
}

/// A flow that syncs the demo store's orders, then runs `after` (what happens to the database meanwhile).
async fn orders_then(h: &Harness, after: impl FnOnce(&std::path::Path)) -> Result<FlowSummary, SyncError> {
    h.store.save_setting(h.shop.id, "order-import-from", "all").await.unwrap();
    let ctx = h.engine.shop(h.sim.shop_domain()).await.unwrap();
    let path = h.store.path().to_path_buf();
    let flow = async {
        let summary = sync_orders(&ctx, &OrderSyncOptions::default(), &NoProgress).await?;
        after(&path);
        Ok(summary)
    };
    h.engine.run_job(&ctx, "orders", JobTrigger::Manual, &NoProgress, flow).await
}

#[tokio::test]
async fn a_run_whose_database_was_deleted_under_it_fails_with_that_cause() {
    let h = Harness::start(SimConfig::default()).await;
    let result = orders_then(&h, |path| {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(file));
        }
    })
    .await;
    let err = result.expect_err("a run whose database is gone must not succeed");
    assert!(matches!(err, SyncError::Store(StoreError::FileGone { replaced: false, .. })), "{err}");
    assert!(err.to_string().contains("was deleted"), "{err}");
}

#[tokio::test]
async fn a_run_whose_database_was_replaced_under_it_fails_with_that_cause() {
    let h = Harness::start(SimConfig::default()).await;
    let result = orders_then(&h, |path| {
        // A restore: another file renamed over the path.
        let copy = path.with_extension("restored");
        std::fs::copy(path, &copy).unwrap();
        std::fs::rename(&copy, path).unwrap();
    })
    .await;
    let err = result.expect_err("a run whose database was replaced must not succeed");
    assert!(matches!(err, SyncError::Store(StoreError::FileGone { replaced: true, .. })), "{err}");
}

#[tokio::test]
async fn a_run_that_fills_the_disk_ends_failed_with_that_cause_not_running() {
    // Room for the schema, the shop and a little more: the order import fills it.
    let h = Harness::start_capped(SimConfig::default(), Some(140)).await;
    let result = orders_then(&h, |_| {}).await;
    let err = result.expect_err("a run that could not save its work must not succeed");
    assert!(err.to_string().contains("full"), "{err}");
    let jobs = h.store.jobs(h.shop.id, Some("orders"), 10).await.unwrap();
    assert_eq!(jobs[0].status, JobStatus::Failed, "{:?}", jobs[0]);
    assert!(jobs[0].error.as_deref().is_some_and(|e| e.contains("full")), "{:?}", jobs[0].error);
}
