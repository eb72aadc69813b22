//! What only the SQLite backend has: its file on disk (migrations, restarts) and the constraints of its schema,
//! checked with SQL straight against the file rather than through the trait under test.

use shopsync_store::{OrderStore, SalesOrderChange, ShopStore, SqliteStore, SyncCursor};

use super::orders::{add_shop, failing, line, not_linked, order, sales_order, synced};
use super::shops::new_shop;

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
async fn concurrent_creates_for_one_order_make_one_sales_order() {
    let (store, dir) = super::fresh_sqlite().await;
    let shop = add_shop(&store).await;
    let so = sales_order(vec![line(1, "A", 1)]);
    let mut tasks = Vec::new();
    for i in 0..2 {
        let store = store.clone();
        let so = so.clone();
        tasks.push(tokio::spawn(async move {
            if i == 0 {
                store.create_sales_order(shop, "gid://shopify/Order/7", "#7", &so).await.unwrap().was_created()
            } else {
                let saved = store.save_order_evaluation(shop, &synced(order(7, "2026-11-02T10:00:00Z"), so)).await;
                saved.unwrap().change == SalesOrderChange::Created
            }
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += usize::from(task.await.unwrap());
    }
    assert_eq!(created, 1, "exactly one of the two writers creates");

    // Counted straight from the database, not through the API under test.
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("shopsync.db").display())).await.unwrap();
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sales_orders WHERE shopify_order_id = 'gid://shopify/Order/7'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_sales_order_for_a_shopify_order() {
    let (store, dir) = super::fresh_sqlite().await;
    let shop = add_shop(&store).await;
    store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &sales_order(vec![])).await.unwrap();
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("shopsync.db").display())).await.unwrap();
    let duplicate = sqlx::query(
        "INSERT INTO sales_orders (number, shop_id, shopify_order_id, currency, created_at, updated_at) \
         VALUES ('SO-999999', ?, 'gid://shopify/Order/1', 'EUR', 'x', 'x')",
    )
    .bind(shop)
    .execute(&pool)
    .await;
    let err = duplicate.unwrap_err();
    assert!(err.as_database_error().is_some_and(|e| e.is_unique_violation()), "{err}");
}

#[tokio::test]
async fn removing_a_shop_removes_its_orders_problems_and_waits() {
    let (store, dir) = super::fresh_sqlite().await;
    let shop = add_shop(&store).await;
    store
        .save_order_evaluation(shop, &failing(order(1, "2026-11-01T10:00:00Z"), vec![not_linked(1, "A")]))
        .await
        .unwrap();
    store.save_order_evaluation(shop, &synced(order(2, "2026-11-01T10:00:00Z"), sales_order(vec![]))).await.unwrap();
    assert!(store.remove_shop("demo.myshopify.com").await.unwrap());
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("shopsync.db").display())).await.unwrap();
    for table in ["shopify_orders", "order_errors", "order_rechecks"] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales_orders").fetch_one(&pool).await.unwrap();
    assert_eq!(kept, 1, "back-office records stay");
}

#[tokio::test]
async fn a_lock_held_past_the_busy_timeout_says_which_process_to_look_for() {
    use sqlx::ConnectOptions;
    let (store, dir) = super::fresh_sqlite().await;
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
    assert!(err.to_string().contains("paused (Ctrl-Z, SIGSTOP)"), "{err}");
    let jobs = shopsync_core::remedy::RemedyAction::ShowJobs { shop: None };
    assert!(err.remedy().is_some_and(|step| step.actions().any(|a| *a == jobs)), "the remedy points to the jobs");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    drop(store);
}
