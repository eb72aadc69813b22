use std::path::PathBuf;

use shopsync_core::remedy::{RemedyAction, RemedyStep};

/// What the database driver reported, kept as the cause of a [`StoreError`] without naming the driver's types, so
/// the engine and the front-ends depend on the store's errors only, whichever backend runs.
#[derive(Debug)]
pub struct BackendError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl BackendError {
    /// Wraps any driver or migration error.
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> BackendError {
        BackendError(Box::new(err))
    }
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<sqlx::Error> for BackendError {
    fn from(err: sqlx::Error) -> Self {
        BackendError::new(err)
    }
}

impl From<sqlx::migrate::MigrateError> for BackendError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        BackendError::new(err)
    }
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the shopsync database at {path}: {source}. Check that the data directory exists and is \
         writable (set it with --data-dir or SHOPSYNC_DATA_DIR)"
    )]
    Open { path: PathBuf, source: BackendError },
    #[error(
        "cannot bring the database at {path} up to date: {source}. The file may come from a newer shopsync or be \
         damaged; keep a copy and use a matching shopsync version"
    )]
    Migrate { path: PathBuf, source: BackendError },
    #[error(
        "cannot connect to the PostgreSQL database {target}: {source}. Check that the server runs and accepts this \
         user, and that the address (--database-url or SHOPSYNC_DATABASE_URL) is right"
    )]
    Connect { target: String, source: BackendError },
    #[error(
        "cannot bring the PostgreSQL database {target} up to date: {source}. It may have been migrated by a newer \
         shopsync, or its user may lack the right to create tables; use a matching shopsync version or a user \
         that owns the database"
    )]
    MigrateDatabase { target: String, source: BackendError },
    #[error("the shop {0} is already connected")]
    ShopExists(String),
    #[error("there is no shop {0}")]
    ShopNotFound(String),
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(
        "the database is open read-only (its data directory or file cannot be written: a copy on a read-only \
         mount, or another user's files), so this command, which changes it, cannot run. Read commands work as \
         they are; to change the data, run the command on a writable copy (copy the data directory and pass it \
         with --data-dir) or make the directory and shopsync.db writable for you"
    )]
    ReadOnly,
    #[error(
        "the database at {path} is read-only and was made by an older shopsync: it needs {pending} migration(s) \
         before this version can read it. Copy the data directory somewhere writable and pass it with --data-dir"
    )]
    ReadOnlyNeedsUpgrade { path: PathBuf, pending: usize },
    #[error(
        "job {job} is no longer this run's: {reason}. This run stopped without saving its last step; the run that \
         took the job over continues from the last checkpoint"
    )]
    LeaseLost { job: i64, reason: String },
    #[error(
        "the database file {} {} while this run was using it, so what it wrote since is not in the file shopsync \
         reads; it stopped. {}",
        path.display(),
        if *replaced { "was replaced by another file" } else { "was deleted (or its data directory removed)" },
        if *replaced {
            "Run the command again: it works on the file now at that path"
        } else {
            "Restore the data directory (from a backup copy) or set it up again, then run the command again"
        }
    )]
    FileGone { path: PathBuf, replaced: bool },
    #[error("cannot back up the database to {path}: {reason}. Check that its directory exists and has room")]
    Backup { path: PathBuf, reason: String },
    #[error(
        "the database stayed locked by another process for the whole busy timeout (30 s): another shopsync command \
         is in the middle of a long write, or one is paused (Ctrl-Z, SIGSTOP) while writing. Resume or end it, \
         then run this command again"
    )]
    Busy,
    /// A write met a unique key already held: callers that race on purpose (two processes creating the same
    /// sales order) read this as "the other one won".
    #[error("the database refused a duplicate: {0}")]
    Duplicate(BackendError),
    /// A write under an `Idempotency-Key` found the key kept by another write that committed first: nothing was
    /// written again.
    #[error(
        "Idempotency-Key {key} was kept by another request that committed first, so this write was not made again; \
         the retry is answered with what that request did"
    )]
    KeyUsed { key: String },
    #[error("database error: {0}")]
    Database(BackendError),
}

impl StoreError {
    /// What a person does about it, as data the front-ends render (the message says what happened and why).
    pub fn remedy(&self) -> Option<RemedyStep> {
        match self {
            StoreError::ShopExists(shop) => {
                Some(RemedyStep::act(RemedyAction::ShowShop { shop: shop.clone() }).then_text(" shows it"))
            }
            StoreError::ShopNotFound(_) => {
                Some(RemedyStep::act(RemedyAction::ListShops).then_text(" shows the connected shops"))
            }
            StoreError::Busy => Some(
                RemedyStep::act(RemedyAction::ShowJobs { shop: None })
                    .then_text(" shows running jobs with the pid of their process"),
            ),
            StoreError::LeaseLost { .. } => {
                Some(RemedyStep::act(RemedyAction::ShowJobs { shop: None }).then_text(" shows both"))
            }
            _ => None,
        }
    }
}

/// SQLite's result code for a write to a database opened read-only (`SQLITE_READONLY`; its extended codes keep it
/// in the low byte).
const SQLITE_READONLY: i64 = 8;
/// SQLite's result code for a lock another connection held past the busy timeout (`SQLITE_BUSY`, extended codes
/// in the low byte too).
const SQLITE_BUSY: i64 = 5;

/// PostgreSQL's SQLSTATE for a write in a read-only transaction (a hot standby).
const PG_READ_ONLY: &str = "25006";

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        // SQLite's result codes are numbers and PostgreSQL's SQLSTATEs often are too, so tell the backends apart
        // before reading the code: 42501 (PostgreSQL's insufficient privilege) is 5 in its low byte.
        let code = match &err {
            sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                db.code().and_then(|code| code.parse::<i64>().ok()).map(|code| code & 0xff)
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some(PG_READ_ONLY) => Some(SQLITE_READONLY),
            _ => None,
        };
        let unique = matches!(&err, sqlx::Error::Database(db) if db.is_unique_violation());
        match code {
            Some(SQLITE_READONLY) => StoreError::ReadOnly,
            Some(SQLITE_BUSY) => StoreError::Busy,
            _ if unique => StoreError::Duplicate(err.into()),
            _ => StoreError::Database(err.into()),
        }
    }
}

impl From<shopsync_core::SettingError> for StoreError {
    fn from(err: shopsync_core::SettingError) -> Self {
        StoreError::Corrupt(format!("a stored shop setting is not valid ({err})"))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Corrupt(format!("a stored JSON value cannot be read ({err})"))
    }
}
