//! The PostgreSQL backend, for hubs that outgrow one machine: many serve and worker
//! processes, on one or many machines, share one database.
//!
//! It implements the same [`crate::Store`] traits as the SQLite backend, with its own migrations
//! (`migrations/postgres/`) in PostgreSQL's types: `timestamptz` for the times shopsync writes (read back in the
//! store's text form through the `ts_text` SQL function), `boolean` flags, identity columns.
//!
//! Writes keep the SQLite backend's guarantee that the engine is written against: a write transaction runs alone.
//! SQLite gets that from its single writer; here every write transaction first takes one transaction-level
//! advisory lock ([`WRITE_LOCK`]), released at commit or rollback, so a check and the write that depends on it
//! (a number taken from a series, a sales order's conflict decision, a lease checked before a run's writes) can
//! never interleave with another process's. What must hold across processes without that lock has its own
//! guard: queue claims use `FOR UPDATE SKIP LOCKED` (they never wait on writers), one running job per shop and
//! flow is a unique index, webhook events dedupe on their key. Reads never take it and never wait for it. One hub-wide writer is what
//! SQLite has always had (3,000 orders/s into one file); narrowing it to one lock per shop is the step after,
//! where measurements show writers queueing.

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

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::{Result, StoreError};

/// The migrations of this backend, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory lock key every write transaction takes (`pg_advisory_xact_lock`): "shopsync" in ASCII.
pub const WRITE_LOCK: i64 = 0x73686f7073796e63;

/// A shopsync store in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The database's address without its password, for messages.
    target: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("target", &self.target).finish()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and brings its schema up
    /// to date. Migrations take PostgreSQL's migration lock, so processes starting together apply them once.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let store = PgStore::connect_only(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema: for tools that report on a database before changing it.
    pub async fn connect_only(url: &str) -> Result<PgStore> {
        let target = redact_url(url);
        let connect_err = |source: sqlx::Error| StoreError::Connect { target: target.clone(), source: source.into() };
        let options = PgConnectOptions::from_str(url)
            .map_err(connect_err)?
            .application_name("shopsync")
            // Every timestamp shopsync reads goes through ts_text, which converts to UTC itself; a session in UTC
            // also keeps any other time text a person reads in psql in the same zone.
            .options([("timezone", "UTC")]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        Ok(PgStore { pool, target })
    }

    /// Applies the migrations this database lacks; returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let before = self.applied_migrations().await.unwrap_or_default().len();
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|source| StoreError::MigrateDatabase { target: self.target.clone(), source: source.into() })?;
        Ok(self.applied_migrations().await?.len().saturating_sub(before))
    }

    /// How many of this shopsync's migrations the database still needs.
    pub async fn pending_migrations(&self) -> Result<usize> {
        let applied = self.applied_migrations().await.unwrap_or_default();
        Ok(MIGRATOR.iter().filter(|m| !applied.contains(&m.version)).count())
    }

    /// The versions of the migrations applied to this database, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        Ok(versions)
    }

    /// The database's address without its password.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The connection pool, for the tools that work on the database as a whole (`db copy`, `db status`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction that runs alone (see the module overview). Under a job's lease
    /// ([`crate::jobs::under_lease`]) it first checks that the job is still running, under the same lock, so no
    /// other run can take the job over between the check and the writes that follow.
    async fn write(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
        if let Some(job) = crate::jobs::current_lease() {
            let running: Option<i32> = sqlx::query_scalar("SELECT 1 FROM jobs WHERE id = $1 AND status = 'running'")
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

/// `url` with its password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "(not a postgres:// address)".into() };
    let (authority, tail) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = tail.split('?').next().unwrap_or_default();
    format!("{scheme}://{authority}{tail}")
}

/// The current time in the store's text form; bound as `$n::timestamptz`.
fn now() -> String {
    shopsync_core::time::now_text()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_left_out_of_addresses() {
        assert_eq!(
            super::redact_url("postgres://shopsync:s3cret@db.internal:5432/hub?sslmode=require"),
            "postgres://shopsync:***@db.internal:5432/hub"
        );
        assert_eq!(super::redact_url("postgres://127.0.0.1/test"), "postgres://127.0.0.1/test");
    }
}
