//! What only the PostgreSQL backend has: its migrations, its time columns, its address handling.

use shopsync_store::PgStore;

use super::fresh_pg;

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
