//! The store conformance suite: the behaviour every backend of the `Store` trait must have (batches, idempotent
//! saves, cursors, jobs and leases, captures, logs), written against the trait only.
//!
//! Each backend is a module here that provides `fresh_store()` (an empty store and whatever keeps it alive) and
//! includes the same suite files with `#[path]`, so one test is one test per backend. What only one backend has
//! (SQLite's file on disk, its migrations, raw SQL checks of its constraints) sits in that backend's directory.

// Including each suite file once per backend is the point of this layout, which clippy's duplicate_mod flags.
#![allow(clippy::duplicate_mod)]

/// The embedded default: a SQLite file in a temporary directory.
mod sqlite {
    use std::sync::Arc;

    use shopsync_store::{SqliteStore, Store};

    /// A fresh store in its own temporary directory (kept alive by the returned guard).
    pub async fn fresh_store() -> (Arc<dyn Store>, tempfile::TempDir) {
        let (store, dir) = fresh_sqlite().await;
        (Arc::new(store), dir)
    }

    /// The same, as the SQLite type, for the checks only SQLite has.
    pub async fn fresh_sqlite() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store opens");
        (store, dir)
    }

    #[path = "../api.rs"]
    mod api;
    #[path = "../catalog.rs"]
    mod catalog;
    #[path = "../customers.rs"]
    mod customers;
    #[path = "../jobs.rs"]
    mod jobs;
    #[path = "../logs.rs"]
    mod logs;
    /// SQLite's own checks, in `sqlite/only.rs`.
    mod only;
    #[path = "../orders.rs"]
    mod orders;
    #[path = "../privacy.rs"]
    mod privacy;
    #[path = "../reconcile.rs"]
    mod reconcile;
    #[path = "../shops.rs"]
    mod shops;
    #[path = "../users.rs"]
    mod users;
}

/// The backend for hubs on several machines: a PostgreSQL database created for each test on the server at
/// `SHOPSYNC_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`, which `scripts/test` starts
/// when none runs) and dropped when the test ends.
mod postgres {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use shopsync_store::{PgStore, Store};
    use sqlx::Connection;

    /// The server's address, naming a database that exists (tests create theirs next to it).
    pub fn admin_url() -> String {
        std::env::var("SHOPSYNC_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
    }

    /// A database of its own for one test, dropped (with any connection left) when the guard goes.
    pub struct FreshDatabase {
        pub name: String,
        pub url: String,
    }

    impl FreshDatabase {
        pub async fn create() -> FreshDatabase {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let admin = admin_url();
            let name = format!("shopsync_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|err| {
                panic!("PostgreSQL at {admin} is needed for these tests (scripts/test starts one): {err}")
            });
            // One statement each: PostgreSQL runs several sent together in one transaction, which these refuse.
            for statement in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")]
            {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut conn)
                    .await
                    .expect("create the test database");
            }
            let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin.clone());
            FreshDatabase { url: format!("{base}/{name}"), name }
        }
    }

    impl Drop for FreshDatabase {
        fn drop(&mut self) {
            let name = self.name.clone();
            // The test's runtime is going away: drop the database from a thread with a runtime of its own.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.ok()?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            });
            let _ = dropped.join();
        }
    }

    /// A fresh store in a database of its own (dropped with the returned guard).
    pub async fn fresh_store() -> (Arc<dyn Store>, FreshDatabase) {
        let (store, db) = fresh_pg().await;
        (Arc::new(store), db)
    }

    /// The same, as the PostgreSQL type, for the checks only PostgreSQL has.
    pub async fn fresh_pg() -> (PgStore, FreshDatabase) {
        let db = FreshDatabase::create().await;
        let store = PgStore::connect(&db.url).await.expect("store connects and migrates");
        (store, db)
    }

    #[path = "../api.rs"]
    mod api;
    #[path = "../catalog.rs"]
    mod catalog;
    #[path = "../customers.rs"]
    mod customers;
    #[path = "../jobs.rs"]
    mod jobs;
    #[path = "../logs.rs"]
    mod logs;
    /// PostgreSQL's own checks, in `postgres/only.rs`.
    mod only;
    #[path = "../orders.rs"]
    mod orders;
    #[path = "../privacy.rs"]
    mod privacy;
    #[path = "../reconcile.rs"]
    mod reconcile;
    #[path = "../shops.rs"]
    mod shops;
    #[path = "../users.rs"]
    mod users;
}
