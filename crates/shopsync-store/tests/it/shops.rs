use shopsync_store::{
    AccessStatus, JobStatus, JobStore, JobTrigger, NewShop, ShopStore, SqliteStore, StoreError, SyncCursor,
};

use crate::fresh_store;

fn new_shop(domain: &str) -> NewShop {
    NewShop {
        domain: domain.into(),
        api_version: "2026-10".into(),
        endpoint: None,
        access_token: Some("v1.sealed".into()),
    }
}

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_again_to_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shopsync.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let applied = store.applied_migrations().await.unwrap();
    assert!(!applied.is_empty());
    store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    store.close().await;

    // Opening an up-to-date database applies nothing new and keeps the data.
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.applied_migrations().await.unwrap(), applied);
    assert!(again.shop("a.myshopify.com").await.unwrap().is_some());
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shopsync.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
        store.save_setting(shop.id, "logging", "all").await.unwrap();
        let cursor = SyncCursor {
            object: "orders".into(),
            updated_at: Some("2026-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        store.save_cursor(shop.id, &cursor).await.unwrap();
        // No close: the process may die without a clean shutdown.
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let shop = store.shop("a.myshopify.com").await.unwrap().unwrap();
    assert_eq!(store.settings(shop.id).await.unwrap().logging.to_string(), "all");
    let cursor = store.cursor(shop.id, "orders").await.unwrap().unwrap();
    assert_eq!(cursor.updated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
}

#[tokio::test]
async fn adding_a_shop_twice_is_refused_with_a_clear_error() {
    let (store, _dir) = fresh_store().await;
    store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let err = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap_err();
    assert!(matches!(err, StoreError::ShopExists(_)));
    assert!(err.to_string().contains("already connected"));
}

#[tokio::test]
async fn removing_a_shop_removes_its_settings_and_cursors() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    store.save_setting(shop.id, "sync-images", "off").await.unwrap();
    store.reset_cursor(shop.id, "orders", None).await.unwrap();
    assert!(store.remove_shop("a.myshopify.com").await.unwrap());
    assert!(!store.remove_shop("a.myshopify.com").await.unwrap());
    let again = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    assert!(store.settings(again.id).await.unwrap().sync_images);
    assert!(store.cursors(again.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn access_status_and_token_changes_are_kept() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    store.set_access_status(shop.id, AccessStatus::NeedsAccess, Some("token revoked")).await.unwrap();
    let read = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert_eq!(read.access_status, AccessStatus::NeedsAccess);
    // A new token clears the old verdict.
    store.set_access_token(shop.id, Some("v1.other")).await.unwrap();
    let read = store.shop_by_id(shop.id).await.unwrap().unwrap();
    assert_eq!(read.access_status, AccessStatus::Unknown);
    assert_eq!(read.access_token.as_deref(), Some("v1.other"));
    assert!(!format!("{read:?}").contains("v1.other"), "Debug output must not show sealed secrets");
}

#[tokio::test]
async fn cursor_reset_moves_back_and_clears_the_tie_breaker() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let cursor = SyncCursor {
        object: "orders".into(),
        updated_at: Some("2026-05-01T00:00:00Z".into()),
        last_id: Some("gid://shopify/Order/9".into()),
        ..Default::default()
    };
    store.save_cursor(shop.id, &cursor).await.unwrap();
    store.reset_cursor(shop.id, "orders", Some("2026-01-01T00:00:00Z")).await.unwrap();
    let read = store.cursor(shop.id, "orders").await.unwrap().unwrap();
    assert_eq!(read.updated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(read.last_id, None);
}

#[tokio::test]
async fn a_job_that_died_is_marked_failed() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let job = store.start_job(shop.id, "orders", JobTrigger::Manual).await.unwrap();
    let done = store.start_job(shop.id, "products", JobTrigger::Schedule).await.unwrap();
    store.finish_job(done.id, JobStatus::Succeeded, "{\"synced\":3}", None).await.unwrap();
    assert_eq!(store.fail_stale_jobs("9999-01-01T00:00:00.000000Z").await.unwrap(), 1);
    let jobs = store.jobs(shop.id, Some("orders"), 10).await.unwrap();
    assert_eq!(jobs[0].id, job.id);
    assert_eq!(jobs[0].status, JobStatus::Failed);
    assert!(store.last_success(shop.id, "products").await.unwrap().is_some());
}

#[tokio::test]
async fn a_lock_held_past_the_busy_timeout_says_which_process_to_look_for() {
    use sqlx::ConnectOptions;
    let (store, dir) = crate::fresh_store().await;
    let path = dir.path().join("shopsync.db");
    // Another process in the middle of a write (paused while writing, say) holds the write lock.
    let mut holder = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).connect().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let mut waiter = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .busy_timeout(std::time::Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let err = sqlx::query("BEGIN IMMEDIATE").execute(&mut waiter).await.unwrap_err();
    let err = shopsync_store::StoreError::from(err);
    assert!(matches!(err, shopsync_store::StoreError::Busy), "{err:?}");
    assert!(err.to_string().contains("`shopsync jobs` shows running jobs with their pid"), "{err}");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    drop(store);
}
