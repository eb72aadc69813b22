//! `shopsync db ...`: the database itself: its state, its migrations, and the move of a hub from the embedded
//! SQLite file to PostgreSQL.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use shopsync_store::{PgStore, SqliteStore};

use crate::context::DataDir;
use crate::exit::Failure;

pub const DB_HELP: &str = "\
By default a hub keeps its data in the data directory's SQLite file. A hub that many processes or machines share
keeps it in PostgreSQL: pass --database-url postgres://USER:PASSWORD@HOST:PORT/DATABASE (or set
SHOPSYNC_DATABASE_URL) to every command. Every process sharing the database needs the same master key: copy the
data directory's master.key to each machine, or give each SHOPSYNC_MASTER_KEY.
Moving a hub: stop its processes, create an empty PostgreSQL database, then
  shopsync db copy --to postgres://USER:PASSWORD@HOST/DATABASE
copies everything (ids, sealed tokens, cursors, logs) in one transaction and compares each table's row count and
checksum before it commits; then start the processes with --database-url.";

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Where the data is and whether its schema is current.
    Status,
    /// Bring the database's schema up to date (every command also does this when it opens the database).
    Migrate,
    /// Copy this data directory's SQLite database into an empty PostgreSQL database, comparing counts and checksums.
    Copy {
        /// The SQLite database to copy; default: the data directory's shopsync.db.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// The PostgreSQL database to copy into (postgres://USER:PASSWORD@HOST:PORT/DATABASE); it must be empty.
        #[arg(long, value_name = "URL", env = "SHOPSYNC_COPY_TO", hide_env_values = true)]
        to: String,
    },
}

pub async fn run(data_dir: &DataDir, command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Status => status(data_dir).await,
        DbCommand::Migrate => migrate(data_dir).await,
        DbCommand::Copy { from, to } => copy(data_dir, from, &to).await,
    }
}

async fn status(data_dir: &DataDir) -> anyhow::Result<ExitCode> {
    match &data_dir.database_url {
        Some(url) => {
            let store = PgStore::connect_only(url).await?;
            let applied = store.applied_migrations().await.unwrap_or_default().len();
            let pending = store.pending_migrations().await?;
            store.close().await;
            println!("Backend     PostgreSQL");
            println!("Database    {}", data_dir.database_label());
            println!("Migrations  {applied} applied, {pending} to apply");
            if pending > 0 {
                println!();
                println!(
                    "`shopsync db migrate --database-url ...` applies them (any command would, when it opens it)."
                );
            }
        }
        None => {
            let store = data_dir.open_sqlite().await?;
            let applied = store.applied_migrations().await?.len();
            println!("Backend     SQLite (embedded)");
            println!("Database    {}", data_dir.database_label());
            println!("Migrations  {applied} applied, 0 to apply");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate(data_dir: &DataDir) -> anyhow::Result<ExitCode> {
    match &data_dir.database_url {
        Some(url) => {
            let store = PgStore::connect_only(url).await?;
            let ran = store.migrate().await?;
            let applied = store.applied_migrations().await?.len();
            store.close().await;
            println!(
                "{}: {ran} migrations applied now, {applied} in all; the schema is current",
                data_dir.database_label()
            );
        }
        None => {
            // Opening the SQLite file applies what it lacks.
            let store = data_dir.open_sqlite().await?;
            let applied = store.applied_migrations().await?.len();
            println!("{}: {applied} migrations applied; the schema is current", data_dir.database_label());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn copy(data_dir: &DataDir, from: Option<PathBuf>, to: &str) -> anyhow::Result<ExitCode> {
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(Failure::usage(format!(
            "--to names {}, which is not a PostgreSQL address; give postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            shopsync_store::redact_url(to)
        )));
    }
    let from = from.unwrap_or_else(|| data_dir.database());
    if !from.exists() {
        return Err(Failure::setup(format!(
            "there is no SQLite database at {} to copy; pass --from FILE or the --data-dir that holds it",
            from.display()
        )));
    }
    let source = SqliteStore::open(&from).await?;
    let target = PgStore::connect(to).await?;
    println!("Copying {} to {}", from.display(), target.target());
    let started = std::time::Instant::now();
    let mut print = |table: &shopsync_store::copy::TableCopy| {
        println!("  {:<22} {:>9} rows  checksum {}", table.table, table.rows, table.target_checksum);
    };
    let copied = shopsync_store::copy::sqlite_to_postgres(&source, &target, &mut print).await;
    source.close().await;
    target.close().await;
    let copied = copied?;
    let rows: u64 = copied.iter().map(|t| t.rows).sum();
    println!(
        "Copied {} tables, {rows} rows in {:.1} s; every table's count and checksum match its source.",
        copied.len(),
        started.elapsed().as_secs_f64()
    );
    println!("Start the hub's processes with --database-url (or SHOPSYNC_DATABASE_URL) and the same master key.");
    Ok(ExitCode::SUCCESS)
}
