//! Integration tests of the store, each on a real SQLite file in a temporary directory.

mod catalog;
mod customers;
mod logs;
mod orders;
mod shops;

use shopsync_store::SqliteStore;

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub async fn fresh_store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store opens");
    (store, dir)
}
