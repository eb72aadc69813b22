//! The SQLite backend, shopsync's embedded default.
//!
//! One database file with a WAL journal: readers never block the writer, and a process killed at any point
//! leaves the last committed transaction intact. Writes take the write lock up front (`BEGIN IMMEDIATE`) so
//! two writers never deadlock on a lock upgrade; the busy timeout lets them queue instead of failing.

mod api;
mod app;
mod catalog;
mod customers;
mod jobs;
mod logs;
mod orders;
mod privacy;
mod queue;
mod reconcile;
mod shops;
mod users;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use crate::{Result, StoreError};

/// The migrations of this backend, embedded in the binary and applied when the store opens.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A shopsync store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    /// The file the store opened, to notice it deleted or replaced under a running process.
    identity: Option<FileIdentity>,
}

/// What tells one file from another at the same path: its device and inode (unix), `None` elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(path: &Path) -> std::io::Result<Option<FileIdentity>> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok(Some(FileIdentity { device: meta.dev(), inode: meta.ino() }))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> std::io::Result<Option<FileIdentity>> {
        std::fs::metadata(path).map(|_| None)
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

/// How long a statement waits for another process's write lock before it fails with "stayed locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a task waits for one of the pool's connections. A connection is held through a write that may itself
/// wait [`BUSY_TIMEOUT`] for the lock, and a process that was stopped (SIGSTOP, a sleeping laptop) resumes with its
/// timers expired: sqlx's default of 30 s failed such a run with "pool timed out" a moment before its connection
/// came free. Four minutes is several busy timeouts and still ends a real hang.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(240);

impl SqliteStore {
    /// Opens (creating it if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let open_err = |source: sqlx::Error| StoreError::Open { path: path.to_path_buf(), source: source.into() };
        create_private_file(path).map_err(|err| open_err(sqlx::Error::Io(err)))?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL keeps the database consistent across a crash of the process or the machine;
            // only the last transactions before a power loss may be lost, never half of one.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // 32 MB of page cache per connection: an order import inserts into indexes keyed by Shopify ids, in
            // no particular order, and with 16 MB those index pages were evicted and read back on every batch
            // (100,000 orders imported at 2,400/s; 3,000/s with 32 MB, no faster with 64 MB).
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { path: path.to_path_buf(), source: source.into() })?;
        let identity = FileIdentity::of(path).map_err(|err| open_err(sqlx::Error::Io(err)))?;
        Ok(SqliteStore { pool, path: path.to_path_buf(), identity })
    }

    /// Opens the database like [`SqliteStore::open`], with its file capped at `max_pages` pages of 4 KiB (SQLite's
    /// `max_page_count`): a write that would grow it further fails as on a full disk. For tests of that path.
    pub async fn open_capped(path: &Path, max_pages: u32) -> Result<SqliteStore> {
        let store = SqliteStore::open(path).await?;
        store.pool.close().await;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source: source.into() })?
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("max_page_count", max_pages.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source: source.into() })?;
        Ok(SqliteStore { pool, ..store })
    }

    /// Fails when the database file at the store's path is no longer the one it opened: deleted (its data
    /// directory removed) or replaced (a restore, a copy over it). SQLite keeps writing into the open file either
    /// way, so without this check a run would go on and report success for data no one will ever read.
    pub fn check_file(&self) -> Result<()> {
        let Some(opened) = self.identity else { return Ok(()) };
        let gone = |replaced| StoreError::FileGone { path: self.path.clone(), replaced };
        match FileIdentity::of(&self.path) {
            Ok(Some(now)) if now == opened => Ok(()),
            Ok(_) => Err(gone(true)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(gone(false)),
            // Cannot tell (a permission change on the directory): the writes themselves will say.
            Err(_) => Ok(()),
        }
    }

    /// Opens an existing database for reading only, changing no file: for a data directory this process cannot
    /// write (a copy on a read-only mount). Writes then fail with [`StoreError::ReadOnly`]. Migrations cannot run,
    /// so a database that needs one is refused.
    ///
    /// A leftover `-wal` file (a process ended without closing the store) holds committed data, and SQLite reads
    /// it read-only when its `-shm` is there; without one the file is opened `immutable`, which needs no lock
    /// file in the directory.
    pub async fn open_read_only(path: &Path) -> Result<SqliteStore> {
        let open_err = |source: sqlx::Error| StoreError::Open { path: path.to_path_buf(), source: source.into() };
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let has_wal = std::fs::metadata(PathBuf::from(wal)).is_ok_and(|m| m.len() > 0);
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(open_err)?
            .filename(path)
            .read_only(true)
            .immutable(!has_wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("cache_size", "-32000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let store = SqliteStore { pool, path: path.to_path_buf(), identity: None };
        let applied = store.applied_migrations().await?;
        let pending = MIGRATOR.iter().filter(|m| !applied.contains(&m.version)).count();
        if pending > 0 {
            store.close().await;
            return Err(StoreError::ReadOnlyNeedsUpgrade { path: path.to_path_buf(), pending });
        }
        Ok(store)
    }

    /// The connection pool, for the tools that work on the database as a whole (`db copy`).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The versions of the migrations applied to this database, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        Ok(versions)
    }

    /// Moves everything committed into the database file itself and closes every connection. Until then the
    /// newest data may sit in `shopsync.db-wal` only, and a copy of `shopsync.db` alone would miss it. A checkpoint
    /// that cannot finish (another process reading or writing the file) leaves the rest to the last process that
    /// closes it; that is logged, not an error, since nothing is lost.
    ///
    /// The checkpoint does not wait for another process's lock: a command that ends while another holds the
    /// database (a long write, a process paused while writing) would otherwise sit out the whole busy timeout
    /// after its work was done.
    pub async fn close(&self) {
        let checkpoint = async {
            let mut conn = self.pool.acquire().await?;
            sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *conn).await?;
            sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await
        };
        match checkpoint.await {
            Ok((0, _, _)) => {}
            Ok(_) => tracing::debug!(
                "{}: another process holds the database; its WAL is checkpointed later",
                self.path.display()
            ),
            Err(err) => tracing::warn!("cannot checkpoint the database {}: {err}", self.path.display()),
        }
        self.pool.close().await;
    }

    /// Writes a consistent copy of the whole database to `target`, which must not exist or be empty: one read
    /// transaction (`VACUUM INTO`), so writers in this or another process go on meanwhile and the copy holds
    /// exactly what was committed when it started, WAL included.
    pub async fn backup_into(&self, target: &Path) -> Result<()> {
        let name = target.to_str().ok_or_else(|| StoreError::Backup {
            path: target.to_path_buf(),
            reason: "the path is not valid UTF-8, which SQLite needs".into(),
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(|err| StoreError::Backup { path: target.to_path_buf(), reason: err.to_string() })?;
        Ok(())
    }

    /// A write transaction that holds the write lock from its start. Under a job's lease
    /// ([`crate::jobs::under_lease`]) it first checks that the job is still running: the check and the writes that
    /// follow share the write lock, so no other run can take the job over between them.
    ///
    /// Every write first checks the file is still the one opened ([`SqliteStore::check_file`], one `stat`), so a
    /// run whose database was deleted or replaced fails at its next write or checkpoint instead of finishing.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.check_file()?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(job) = crate::jobs::current_lease() {
            let running: Option<i64> = sqlx::query_scalar("SELECT 1 FROM jobs WHERE id = ? AND status = 'running'")
                .bind(job)
                .fetch_optional(&mut *tx)
                .await?;
            if running.is_none() {
                return Err(jobs::not_running(&mut tx, job).await);
            }
        }
        Ok(tx)
    }
}

/// Creates the database file readable and writable by its owner only, unless it exists. It holds customers'
/// addresses and the request log; SQLite gives the `-wal` and `-shm` files it makes next to it the same mode.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// The current time in the store's text form.
fn now() -> String {
    shopsync_core::time::now_text()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::SqliteStore;

    /// A process stopped while one of its tasks waited for a connection (SIGSTOP next to another run, a laptop
    /// put to sleep) resumes with every timer expired. With sqlx's default 30 s acquire timeout, shorter than the
    /// time another process may hold the database's lock, the paused run failed with "pool timed out" once it
    /// resumed, though the connection it waited for was released a moment later (CI's reliability test).
    #[tokio::test]
    async fn a_wait_for_a_connection_outlasts_a_minute_long_pause() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
        let mut held = Vec::new();
        while let Some(connection) = store.pool.try_acquire() {
            held.push(connection);
        }
        while held.len() < 4 {
            held.push(store.pool.acquire().await.unwrap());
        }
        tokio::time::pause();
        let pool = store.pool.clone();
        let waiting = tokio::spawn(async move { pool.acquire().await.map(drop) });
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_secs(60)).await;
        tokio::time::resume();
        held.clear();
        let acquired = waiting.await.unwrap();
        assert!(acquired.is_ok(), "the waiting task lost its turn: {acquired:?}");
    }
}
