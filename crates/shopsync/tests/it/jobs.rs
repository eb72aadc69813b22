//! Jobs and the database file through the real binary: a paused run is not taken over while its process lives,
//! a copy of the database holds everything after the process ends, and failures that used to read as success.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use shopify_sim::{Faults, SimConfig, SimHandle, Simulator};
use sqlx::Row;

use crate::{connected_to, shopsync, stderr, stdout};

/// Opens a database file read-only, as another program looking at it would.
async fn read_only(db: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display())).await.unwrap()
}

/// The status of every job of `kind`, oldest first.
async fn job_statuses(db: &Path, kind: &str) -> Vec<String> {
    let pool = read_only(db).await;
    let rows = sqlx::query("SELECT status FROM jobs WHERE kind = ? ORDER BY id").bind(kind).fetch_all(&pool).await;
    pool.close().await;
    rows.map(|rows| rows.iter().map(|row| row.get::<String, _>(0)).collect()).unwrap_or_default()
}

/// Waits until `query` counts at least one row in the database.
async fn until(db: &Path, query: &'static str) {
    for _ in 0..1000 {
        if db.exists() {
            let pool = read_only(db).await;
            let found: Option<i64> = sqlx::query_scalar(query).fetch_one(&pool).await.ok();
            pool.close().await;
            if found.is_some_and(|n| n > 0) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing matched {query}");
}

/// Waits until the order sync has checkpointed its first page: it is running, and has more to do.
async fn until_first_page(db: &Path) {
    until(db, "SELECT COUNT(*) FROM sync_cursors WHERE object = 'orders' AND updated_at IS NOT NULL").await;
}

fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sends a signal to the child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

async fn finish(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

fn spawn(command: &mut Command) -> Child {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// The demo store answering slowly, so a sync is still running when the test acts on it.
async fn slow_sim() -> SimHandle {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    sim.control().set_faults(Faults { latency_ms: 300, ..Faults::default() });
    sim
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_run_is_not_taken_over_while_its_process_lives_and_only_one_run_succeeds() {
    let sim = slow_sim().await;
    let dir = connected_to(&sim);
    let db = dir.path().join("shopsync.db");
    let domain = sim.shop_domain().to_string();
    let sync = ["sync", "orders", "--shop", domain.as_str(), "--pages"];
    // A lease of one second, so the paused run's heartbeat is long stale when the second run starts.
    let first = spawn(shopsync(dir.path()).args(sync).env("SHOPSYNC_JOB_LEASE_SECS", "1"));
    until_first_page(&db).await;
    signal(&first, libc::SIGSTOP);
    tokio::time::sleep(Duration::from_secs(3)).await;

    let second = finish(spawn(shopsync(dir.path()).args(sync).env("SHOPSYNC_JOB_LEASE_SECS", "1"))).await;
    signal(&first, libc::SIGCONT);
    let first = finish(first).await;

    assert_eq!(second.status.code(), Some(1), "the second run must be refused: {}{}", stdout(&second), stderr(&second));
    assert!(stderr(&second).contains("already running"), "{}", stderr(&second));
    assert!(matches!(first.status.code(), Some(0 | 5)), "the paused run must finish: {}", stderr(&first));
    assert_eq!(job_statuses(&db, "orders").await, ["succeeded"], "exactly one run of the flow, and it succeeded");
    let pool = read_only(&db).await;
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT shopify_order_id FROM sales_orders GROUP BY shopify_order_id HAVING COUNT(*) > 1)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(twice, 0, "an order imported twice");
    let read: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shopify_orders").fetch_one(&pool).await.unwrap();
    assert!(read > 0, "the run read no order");
}

/// How many rows `table` holds in the database at `db`.
async fn count(db: &Path, table: &str) -> i64 {
    let pool = read_only(db).await;
    let query = format!("SELECT COUNT(*) FROM {table}");
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_copy_of_the_database_file_after_a_sync_holds_everything() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let out = finish(spawn(shopsync(dir.path()).args(["sync", "orders", "--shop", domain.as_str()]))).await;
    assert!(matches!(out.status.code(), Some(0 | 5)), "{}", stderr(&out));

    // What the README's "work on a copy" means: the database file alone, as `cp shopsync.db` takes it.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("shopsync.db"), copy.path().join("shopsync.db")).unwrap();
    let original = dir.path().join("shopsync.db");
    let copied = copy.path().join("shopsync.db");
    for table in ["shopify_orders", "jobs", "data_capture"] {
        assert_eq!(count(&copied, table).await, count(&original, table).await, "{table} in the copy");
    }
    assert!(count(&copied, "shopify_orders").await > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_during_a_sync_is_a_whole_private_database_and_is_not_overwritten_without_force() {
    let sim = slow_sim().await;
    let dir = connected_to(&sim);
    let db = dir.path().join("shopsync.db");
    let domain = sim.shop_domain().to_string();
    let sync = spawn(shopsync(dir.path()).args(["sync", "orders", "--shop", domain.as_str(), "--pages"]));
    until_first_page(&db).await;

    let target = tempfile::tempdir().unwrap();
    let file = target.path().join("shopsync-backup.db");
    let file_arg = file.to_str().unwrap();
    let out = finish(spawn(shopsync(dir.path()).args(["backup", file_arg]))).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("master key"), "the backup says the key is not in it: {}", stdout(&out));
    let synced = finish(sync).await;
    assert!(matches!(synced.status.code(), Some(0 | 5)), "{}", stderr(&synced));

    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let pool = read_only(&file).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(check, "ok");
    let running: Vec<String> =
        sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'orders'").fetch_all(&pool).await.unwrap();
    assert_eq!(running, ["running"], "the backup holds the sync as it was when the backup started");
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shopify_orders").fetch_one(&pool).await.unwrap();
    assert!(orders > 0, "the backup holds the first page the sync had saved");
    pool.close().await;

    let before = std::fs::read(&file).unwrap();
    let again = finish(spawn(shopsync(dir.path()).args(["backup", file_arg]))).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&file).unwrap(), before, "an existing file is left as it was");

    let forced = finish(spawn(shopsync(dir.path()).args(["backup", file_arg, "--force"]))).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(count(&file, "jobs WHERE status = 'succeeded'").await, 1, "the new backup holds the finished sync");
}
