//! What only the PostgreSQL backend has: its migrations, its time columns, its address handling, and what several
//! processes sharing one database do at the same moment (queue claims, job starts).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use shopsync_store::{
    JobProcess, JobStatus, JobStore, JobTrigger, OrderStore, PgStore, QueueStore, ShopStore, StoreError,
};

use super::fresh_pg;
use super::shops::new_shop;

#[tokio::test]
async fn a_fresh_database_gets_every_migration_once() {
    let (store, db) = fresh_pg().await;
    let applied = store.applied_migrations().await.unwrap();
    assert!(!applied.is_empty());
    assert_eq!(store.pending_migrations().await.unwrap(), 0);
    // A second process connecting to the same database finds nothing left to do.
    let again = PgStore::connect(&db.url).await.unwrap();
    assert_eq!(again.migrate().await.unwrap(), 0);
    assert_eq!(again.applied_migrations().await.unwrap(), applied);
}

#[tokio::test]
async fn times_read_back_in_the_store_text_form_whatever_the_offset_written() {
    let (store, _db) = fresh_pg().await;
    let text: String = sqlx::query_scalar("SELECT ts_text('2026-01-01T00:00:00-05:00'::timestamptz)")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(text, "2026-01-01T05:00:00.000000Z");
}

#[tokio::test]
async fn a_wrong_address_says_which_database_without_its_password() {
    let err = PgStore::connect("postgres://shopsync:hunter2@127.0.0.1:1/hub").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("postgres://shopsync:***@127.0.0.1:1/hub"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// Requests far in the future: a claim's lease that does not lapse during a test.
const LATER: &str = "2999-01-01T00:00:00.000000Z";

/// The key of the write lock every `write()` transaction takes (`postgres::WRITE_LOCK`): "shopsync" in ASCII.
const WRITE_LOCK: i64 = 0x73686f7073796e63;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_claim_different_requests_and_none_twice() {
    let (store, db) = fresh_pg().await;
    // Twenty shops, a request each: one running request per shop, so every request can be claimed at once.
    for n in 0..20 {
        let shop = store.add_shop(&new_shop(&format!("s{n:02}.myshopify.com"))).await.unwrap();
        store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
    }
    // Two worker processes: a store, and so a connection pool, each.
    let other = PgStore::connect(&db.url).await.unwrap();
    let now = shopsync_core::time::now_text();
    let start = Arc::new(tokio::sync::Barrier::new(2));
    let worker = |store: PgStore, name: &'static str| {
        let (now, start) = (now.clone(), start.clone());
        tokio::spawn(async move {
            start.wait().await;
            let mut claimed = Vec::new();
            while let Some(request) = store.claim_request(name, &now, LATER).await.unwrap() {
                assert_eq!(request.claimed_by.as_deref(), Some(name));
                claimed.push(request.id);
            }
            claimed
        })
    };
    let (first, second) = tokio::join!(worker(store.clone(), "w1"), worker(other, "w2"));
    let (first, second) = (first.unwrap(), second.unwrap());
    // Started together, each worker takes its share while the other claims (about half each in practice).
    assert!(!first.is_empty() && !second.is_empty(), "both workers claimed: {first:?} {second:?}");
    let all: BTreeSet<i64> = first.iter().chain(&second).copied().collect();
    assert_eq!(first.len() + second.len(), 20, "every request claimed once: {first:?} {second:?}");
    assert_eq!(all.len(), 20, "no request claimed by both: {first:?} {second:?}");
    let stored = store.job_requests(None, 50).await.unwrap();
    assert!(stored.iter().all(|r| r.status == "claimed" && r.attempts == 1), "{stored:?}");
}

#[tokio::test]
async fn a_claim_skips_a_request_another_claimer_has_locked_and_does_not_wait_for_writers() {
    let (store, _db) = fresh_pg().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let other_shop = store.add_shop(&new_shop("b.myshopify.com")).await.unwrap();
    let (oldest, _) = store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
    // Another shop's: a request of the same shop would wait for the oldest's run (one running request per shop).
    let (next, _) = store.enqueue_request(other_shop.id, "orders", "manual").await.unwrap();
    // Another process is in the middle of claiming the oldest request, and a writer holds the write lock.
    let mut busy = store.pool().begin().await.unwrap();
    sqlx::query("SELECT id FROM job_requests WHERE id = $1 FOR UPDATE")
        .bind(oldest.id)
        .execute(&mut *busy)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *busy).await.unwrap();

    let now = shopsync_core::time::now_text();
    let claim = store.claim_request("w1", &now, LATER);
    let claimed = tokio::time::timeout(Duration::from_secs(5), claim)
        .await
        .expect("the claim neither waits for the locked request nor for the write lock")
        .unwrap()
        .expect("the next request is free");
    assert_eq!(claimed.id, next.id);
    busy.rollback().await.unwrap();
    assert_eq!(store.claim_request("w2", &now, LATER).await.unwrap().map(|r| r.id), Some(oldest.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_claim_beside_a_queued_request_goes_to_one_worker_of_two() {
    let (store, db) = fresh_pg().await;
    let other = PgStore::connect(&db.url).await.unwrap();
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    for round in 0..10 {
        // A request of the orders flow whose worker died, and a new request of the same flow waiting behind it.
        let lapsed_at = format!("{}-01-01T00:00:00.000000Z", 2100 + round * 2);
        let due_at = format!("{}-01-01T00:00:00.000000Z", 2101 + round * 2);
        store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        store.claim_request("dead", &lapsed_at, &lapsed_at).await.unwrap().expect("the queued request");
        store.enqueue_request(shop.id, "orders", "manual").await.unwrap();
        let (a, b) = tokio::join!(store.claim_request("w1", &due_at, LATER), other.claim_request("w2", &due_at, LATER));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.is_some() != b.is_some(), "round {round}: one run of a shop's flow at a time: {a:?} {b:?}");
        // The run ends: the other request of the flow is left for the next round's (later) time.
        let (worker, id) = a.map(|r| ("w1", r.id)).or(b.map(|r| ("w2", r.id))).unwrap();
        let done = shopsync_store::RequestOutcome::Done { job_id: None };
        assert!(store.finish_request(id, worker, &done).await.unwrap());
        let left = store.claim_request("w3", &due_at, &due_at).await.unwrap().expect("the other request");
        assert!(store.finish_request(left.id, "w3", &done).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_starting_the_same_flow_at_once_start_it_once() {
    let (store, db) = fresh_pg().await;
    let other = PgStore::connect(&db.url).await.unwrap();
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let process = |host: &str| JobProcess { host: host.into(), pid: 1, started: None };
    let (first, second) = (process("a"), process("b"));
    for _ in 0..10 {
        let (a, b) = tokio::join!(
            store.start_job_exclusive(shop.id, "orders", JobTrigger::Manual, &first),
            other.start_job_exclusive(shop.id, "orders", JobTrigger::Schedule, &second)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let (started, refused) = match (a, b) {
            (Ok(started), Err(refused)) | (Err(refused), Ok(started)) => (started, refused),
            (a, b) => panic!("exactly one start: {a:?} {b:?}"),
        };
        assert_eq!(refused.id, started.id, "the refused start names the running job");
        store.finish_job(started.id, JobStatus::Succeeded, "{}", None).await.unwrap();
    }
    // A plain start beside a running job of the same flow is refused by the schema too.
    store.start_job_exclusive(shop.id, "orders", JobTrigger::Manual, &first).await.unwrap().unwrap();
    let err = store.start_job(shop.id, "orders", JobTrigger::Manual).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_delivered_to_two_processes_at_once_is_recorded_once() {
    let (store, db) = fresh_pg().await;
    let other = PgStore::connect(&db.url).await.unwrap();
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    for n in 0..20 {
        // Shopify retries a delivery it thinks failed; behind a load balancer the retry may reach another process
        // while the first is still storing it.
        let event = shopsync_store::WebhookEventInput {
            event_id: format!("evt-{n}"),
            topic: "orders/updated".into(),
            webhook_id: Some(format!("wh-{n}")),
            triggered_at: Some("2026-12-03T10:00:00Z".into()),
        };
        let (a, b) =
            tokio::join!(store.record_webhook_event(shop.id, &event), other.record_webhook_event(shop.id, &event));
        let new = [a.unwrap(), b.unwrap()];
        assert_eq!(new.iter().filter(|new| **new).count(), 1, "event {n}: exactly one process takes it: {new:?}");
    }
}

/// `db copy` copies the tables it lists; a table a migration adds and the list forgets would be left behind without
/// a word. Every table of both schemas is in the list, and the list names no table that does not exist.
#[tokio::test]
async fn the_copy_lists_every_table_of_both_schemas() {
    let (store, _db) = fresh_pg().await;
    let postgres: BTreeSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    drop(shopsync_store::SqliteStore::open(&path).await.unwrap());
    let file = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let sqlite: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
    )
    .fetch_all(&file)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let listed: BTreeSet<String> = shopsync_store::copy::TABLES.iter().map(|t| t.to_string()).collect();
    assert_eq!(postgres, listed, "PostgreSQL's tables against copy::TABLES");
    assert_eq!(sqlite, listed, "SQLite's tables against copy::TABLES");
}
