//! Jobs and their leases: one running job per shop and flow, heartbeats, take-over only of the judged heartbeat,
//! and writes under a lost lease refused.

use shopsync_store::{JobProcess, JobStatus, JobTrigger, NewShop, Store, StoreError, SyncCursor, under_lease};

use super::fresh_store;

async fn add_shop(store: &dyn Store) -> i64 {
    let shop = NewShop { domain: "a.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() };
    store.add_shop(&shop).await.unwrap().id
}

fn process(host: &str, pid: i64) -> JobProcess {
    JobProcess { host: host.into(), pid, started: Some(format!("boot:{pid}")) }
}

#[tokio::test]
async fn one_running_job_per_shop_and_flow_and_the_second_start_names_the_first() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let first = store.start_job_exclusive(shop, "orders", JobTrigger::Manual, &process("a", 1)).await.unwrap().unwrap();
    let refused = store.start_job_exclusive(shop, "orders", JobTrigger::Schedule, &process("b", 2)).await.unwrap();
    let running = refused.expect_err("a second run of the same flow is refused");
    assert_eq!((running.id, running.host.as_deref(), running.pid), (first.id, Some("a"), Some(1)));
    assert_eq!(running.process_start.as_deref(), Some("boot:1"));
    // Another flow of the same shop runs next to it.
    store.start_job_exclusive(shop, "products", JobTrigger::Manual, &process("b", 2)).await.unwrap().unwrap();

    store.finish_job(first.id, JobStatus::Succeeded, "{}", None).await.unwrap();
    store.start_job_exclusive(shop, "orders", JobTrigger::Schedule, &process("b", 2)).await.unwrap().unwrap();
    assert_eq!(store.running_jobs(shop).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_job_is_taken_over_only_with_the_heartbeat_that_was_judged() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let job = store.start_job_exclusive(shop, "orders", JobTrigger::Manual, &process("a", 1)).await.unwrap().unwrap();
    let judged = job.heartbeat_at.clone();
    // The owner reports meanwhile: the heartbeat the taker judged stale is no longer the job's.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(store.heartbeat_job(job.id, "{\"requests\":1}").await.unwrap());
    assert!(!store.take_over_job(job.id, judged.as_deref(), "stale").await.unwrap(), "the owner proved alive");
    let now = store.running_jobs(shop).await.unwrap().remove(0);
    assert_eq!(now.summary, "{\"requests\":1}");

    assert!(store.take_over_job(job.id, now.heartbeat_at.as_deref(), "no heartbeat for 60 s").await.unwrap());
    let taken = store.jobs(shop, Some("orders"), 1).await.unwrap().remove(0);
    assert_eq!(taken.status, JobStatus::Failed);
    assert_eq!(taken.error.as_deref(), Some("no heartbeat for 60 s"));
    // The owner's next heartbeat learns that it lost the job, and its end does not overwrite the take-over.
    assert!(!store.heartbeat_job(job.id, "{}").await.unwrap());
    let err = store.finish_job(job.id, JobStatus::Succeeded, "{}", None).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert!(err.to_string().contains("no heartbeat for 60 s"), "{err}");
    assert_eq!(store.jobs(shop, Some("orders"), 1).await.unwrap()[0].status, JobStatus::Failed);
}

#[tokio::test]
async fn writes_under_a_lost_lease_are_refused_and_change_nothing() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let job = store.start_job_exclusive(shop, "orders", JobTrigger::Manual, &process("a", 1)).await.unwrap().unwrap();
    let cursor = |at: &str| SyncCursor { object: "orders".into(), updated_at: Some(at.into()), ..Default::default() };

    under_lease(job.id, store.save_cursor(shop, &cursor("2026-11-01T00:00:00Z"))).await.unwrap();
    assert!(store.take_over_job(job.id, job.heartbeat_at.as_deref(), "taken").await.unwrap());
    let err = under_lease(job.id, store.save_cursor(shop, &cursor("2026-11-02T00:00:00Z"))).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { job: lost, .. } if lost == job.id), "{err}");
    let kept = store.cursor(shop, "orders").await.unwrap().unwrap();
    assert_eq!(kept.updated_at.as_deref(), Some("2026-11-01T00:00:00Z"), "the lost run moved the cursor");
    // Outside any lease the same write goes through.
    store.save_cursor(shop, &cursor("2026-11-03T00:00:00Z")).await.unwrap();
}

#[tokio::test]
async fn a_failure_is_recorded_briefly_when_the_full_record_cannot_be_and_only_on_a_running_job() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let job = store.start_job(shop, "orders", JobTrigger::Manual).await.unwrap();
    store.fail_job_briefly(job.id, "database or disk is full").await.unwrap();
    let failed = store.jobs(shop, Some("orders"), 1).await.unwrap().remove(0);
    assert_eq!((failed.status, failed.error.as_deref()), (JobStatus::Failed, Some("database or disk is full")));
    assert!(failed.finished_at.is_some());
    // A finished job keeps its end.
    let done = store.start_job(shop, "products", JobTrigger::Manual).await.unwrap();
    store.finish_job(done.id, JobStatus::Succeeded, "{\"created\":1}", None).await.unwrap();
    store.fail_job_briefly(done.id, "late").await.unwrap();
    let kept = store.last_success(shop, "products").await.unwrap().unwrap();
    assert_eq!((kept.id, kept.error), (done.id, None));
}

#[tokio::test]
async fn a_day_of_jobs_adds_up_what_they_synced_and_what_went_wrong() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let first = store.start_job(shop, "orders", JobTrigger::Manual).await.unwrap();
    store.finish_job(first.id, JobStatus::Succeeded, r#"{"created":2,"updated":1,"skipped":1}"#, None).await.unwrap();
    let second = store.start_job(shop, "products", JobTrigger::Schedule).await.unwrap();
    store.finish_job(second.id, JobStatus::Failed, r#"{"linked":3}"#, Some("network")).await.unwrap();
    // A job without counts counts as a job.
    store.start_job(shop, "customers", JobTrigger::Manual).await.unwrap();

    let days = store.job_days(shop, "2000-01-01T00:00:00.000000Z").await.unwrap();
    let day = first.started_at.as_deref().unwrap()[..10].to_string();
    assert_eq!(days, [shopsync_store::JobDay { day, synced: 6, errors: 2, jobs: 3 }]);
    assert!(store.job_days(shop, "9999-01-01T00:00:00.000000Z").await.unwrap().is_empty(), "none started since");
}

mod queue {
    use shopsync_store::RequestOutcome;

    use super::super::fresh_store;
    use super::super::shops::new_shop;

    const LATER: &str = "2999-01-01T00:00:00.000000Z";

    #[tokio::test]
    async fn asking_again_while_a_request_waits_makes_no_second_run() {
        let (store, _dir) = fresh_store().await;
        let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
        let (first, coalesced) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        assert!(!coalesced);
        for _ in 0..9 {
            let (again, coalesced) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
            assert!(coalesced && again.id == first.id, "ten clicks make one request");
        }
        let (other, coalesced) = store.enqueue_request(shop.id, "products", "manual").await.unwrap();
        assert!(!coalesced && other.id != first.id, "another flow is another request");
        assert_eq!(store.job_requests(Some(shop.id), 10).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_request_is_claimed_once_and_a_dead_workers_claim_is_taken_over_when_its_lease_lapses() {
        let (store, _dir) = fresh_store().await;
        let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
        let (request, _) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        let now = shopsync_core::time::now_text();
        let claimed = store.claim_request("w1", &now, LATER).await.unwrap().expect("due now");
        assert_eq!((claimed.id, claimed.attempts), (request.id, 1));
        assert!(store.claim_request("w2", &now, LATER).await.unwrap().is_none(), "claimed once");
        // While w1 holds the orders flow of the shop, a new orders request waits for it.
        let (next, _) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        assert!(store.claim_request("w2", &now, LATER).await.unwrap().is_none(), "one run per shop and flow");
        assert!(store.renew_claim(request.id, "w1", LATER).await.unwrap());
        assert!(!store.renew_claim(request.id, "w2", LATER).await.unwrap(), "not w2's claim");

        // w1 dies: once its lease is over (a time past it), w2 takes the request again.
        let past_lease = "3000-01-01T00:00:00.000000Z";
        let again = store.claim_request("w2", past_lease, "3000-01-01T00:01:00.000000Z").await.unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (request.id, 2), "the lapsed claim first, counted as an attempt");
        let done = RequestOutcome::Done { job_id: None };
        assert!(!store.finish_request(request.id, "w1", &done).await.unwrap(), "w1 lost it: writes nothing");
        assert!(store.finish_request(request.id, "w2", &done).await.unwrap());
        let claimed_next = store.claim_request("w2", past_lease, LATER).await.unwrap().unwrap();
        assert_eq!(claimed_next.id, next.id);
    }

    #[tokio::test]
    async fn a_retry_waits_for_its_time_and_a_failure_keeps_its_error() {
        let (store, _dir) = fresh_store().await;
        let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
        let (request, _) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        let claimed = store.claim_request("w1", LATER, "2999-01-01T00:01:00.000000Z").await.unwrap().unwrap();
        let retry = RequestOutcome::Retry { error: "network".into(), run_after: "3000-06-01T00:00:00.000000Z".into() };
        assert!(store.finish_request(claimed.id, "w1", &retry).await.unwrap());
        assert!(store.claim_request("w1", LATER, LATER).await.unwrap().is_none(), "not before its time");
        let (same, coalesced) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        assert!(coalesced && same.id == request.id, "a request waiting to retry takes new asks too");
        let claimed = store.claim_request("w1", "3000-06-01T00:00:01.000000Z", "3001-01-01T00:00:00.000000Z");
        let claimed = claimed.await.unwrap().unwrap();
        let failed = RequestOutcome::Failed { error: "token revoked".into(), job_id: None };
        assert!(store.finish_request(claimed.id, "w1", &failed).await.unwrap());
        let stored = store.job_requests(None, 10).await.unwrap();
        assert_eq!((stored[0].status.as_str(), stored[0].error.as_deref()), ("failed", Some("token revoked")));
    }

    /// Shopify's cost bucket is per shop and each process budgets only its own requests: a shop with a live claim
    /// is passed over whatever flow is asked for, so a shop's requests come from one process at a time.
    #[tokio::test]
    async fn a_shop_with_a_live_claim_is_not_claimed_again_for_any_flow_until_it_ends_or_its_lease_lapses() {
        let (store, _dir) = fresh_store().await;
        let a = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
        let b = store.add_shop(&new_shop("b.myshopify.com")).await.unwrap();
        let (a_orders, _) = store.enqueue_request(a.id, "orders", "manual").await.unwrap();
        let (a_products, _) = store.enqueue_request(a.id, "products", "manual").await.unwrap();
        let (b_orders, _) = store.enqueue_request(b.id, "orders", "manual").await.unwrap();
        let now = shopsync_core::time::now_text();
        let lease = "2999-01-01T00:00:00.000000Z";

        let first = store.claim_request("w1", &now, lease).await.unwrap().expect("due now");
        assert_eq!(first.id, a_orders.id, "the oldest request first");
        let second = store.claim_request("w2", &now, lease).await.unwrap().expect("shop b is free");
        assert_eq!(second.id, b_orders.id, "a's products wait for a's orders run: another shop goes first");
        assert!(store.claim_request("w3", &now, lease).await.unwrap().is_none(), "one running request per shop");

        // A lapsed claim frees its shop, and the take-over is still one claim for the shop.
        let past_lease = "3000-01-01T00:00:00.000000Z";
        let taken_over = store.claim_request("w3", past_lease, "3000-01-01T00:01:00.000000Z").await.unwrap().unwrap();
        assert_eq!(taken_over.id, a_orders.id, "the lapsed claim first, then nothing more of shop a");
        let other = store.claim_request("w4", past_lease, "3000-01-01T00:01:00.000000Z").await.unwrap().unwrap();
        assert_eq!(other.id, b_orders.id, "b's lapsed claim: b again, never a second run of a");
        assert!(store.claim_request("w5", past_lease, LATER).await.unwrap().is_none());

        let done = RequestOutcome::Done { job_id: None };
        assert!(store.finish_request(a_orders.id, "w3", &done).await.unwrap());
        let next = store.claim_request("w5", past_lease, LATER).await.unwrap().expect("shop a is free again");
        assert_eq!(next.id, a_products.id);
    }

    /// Claims racing from many workers at once (separate connections on PostgreSQL) never hold one shop twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn workers_claiming_at_once_never_hold_two_requests_of_one_shop() {
        let (store, _dir) = fresh_store().await;
        let mut shops = Vec::new();
        for n in 0..4 {
            let shop = store.add_shop(&new_shop(&format!("s{n}.myshopify.com"))).await.unwrap();
            for flow in ["orders", "products", "inventory", "customers"] {
                store.enqueue_request(shop.id, flow, "manual").await.unwrap();
            }
            shops.push(shop.id);
        }
        let now = shopsync_core::time::now_text();
        let mut claims = tokio::task::JoinSet::new();
        for worker in 0..12 {
            let (store, now) = (store.clone(), now.clone());
            claims.spawn(async move { store.claim_request(&format!("w{worker}"), &now, LATER).await.unwrap() });
        }
        let mut held: Vec<i64> = Vec::new();
        while let Some(claimed) = claims.join_next().await {
            if let Some(request) = claimed.unwrap() {
                assert!(!held.contains(&request.shop_id), "shop {} claimed twice at once", request.shop_id);
                held.push(request.shop_id);
            }
        }
        // Whatever the race left unclaimed, claiming on until nothing is due ends with each shop held once.
        while let Some(request) = store.claim_request("late", &now, LATER).await.unwrap() {
            assert!(!held.contains(&request.shop_id), "shop {} claimed twice", request.shop_id);
            held.push(request.shop_id);
        }
        held.sort_unstable();
        assert_eq!(held, shops, "every shop runs one request, none two");
    }
}

#[tokio::test]
async fn jobs_of_one_trigger_are_read_from_a_time_on_oldest_first() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(store.as_ref()).await;
    let manual = store.start_job(shop, "orders", JobTrigger::Manual).await.unwrap();
    store.finish_job(manual.id, JobStatus::Succeeded, "{}", None).await.unwrap();
    let first = store.start_job(shop, "orders", JobTrigger::Webhook).await.unwrap();
    store.finish_job(first.id, JobStatus::Succeeded, "{}", None).await.unwrap();
    let second = store.start_job(shop, "customers", JobTrigger::Webhook).await.unwrap();
    let since = first.started_at.clone().unwrap();
    let found = store.jobs_started_since(shop, JobTrigger::Webhook, &since, 10).await.unwrap();
    assert_eq!(found.iter().map(|j| j.id).collect::<Vec<_>>(), [first.id, second.id]);
    let later = second.started_at.clone().unwrap();
    let found = store.jobs_started_since(shop, JobTrigger::Webhook, &later, 10).await.unwrap();
    assert_eq!(found.iter().map(|j| j.id).collect::<Vec<_>>(), [second.id]);
    assert_eq!(store.jobs_started_since(shop, JobTrigger::Webhook, &since, 1).await.unwrap().len(), 1, "limit");
}
