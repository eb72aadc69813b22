//! The store conformance suite: the behaviour every backend of the `Store` trait must have (batches, idempotent
//! saves, cursors, jobs and leases, captures, logs), written against the trait only.
//!
//! Each backend is a module here that provides `fresh_store()` (an empty store and whatever keeps it alive) and
//! includes the same suite files with `#[path]`, so one test is one test per backend. What only one backend has
//! (SQLite's file on disk, its migrations, raw SQL checks of its constraints) sits in that backend's directory.

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
    #[path = "../shops.rs"]
    mod shops;
    #[path = "../users.rs"]
    mod users;
}
