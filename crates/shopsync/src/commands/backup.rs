//! `shopsync backup FILE`: a consistent copy of the database, safe to take while syncs run.
//!
//! A plain copy of `shopsync.db` misses what a running process still holds in `shopsync.db-wal`, and a copy made
//! during a write may be torn. The backup is one read transaction of SQLite (`VACUUM INTO`), written to a
//! temporary file next to FILE (mode 0600: it holds customer data and sealed tokens) and renamed into place once
//! whole, so FILE is never a partial copy.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::context::{DataDir, MASTER_KEY_ENV};
use crate::exit::Failure;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet, unless --force.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

pub async fn run(data_dir: &DataDir, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let target = args.file;
    if !args.force && target.symlink_metadata().is_ok() {
        return Err(Failure {
            code: 1,
            message: format!(
                "{} already exists and was left as it is; name a new file, or pass --force to replace it",
                target.display()
            ),
        }
        .into());
    }
    if data_dir.database_url.is_some() {
        return Err(Failure::setup(format!(
            "backup copies the data directory's SQLite database, but this hub keeps its data in PostgreSQL ({}); \
             back that up with PostgreSQL's own tools (pg_dump, or your provider's snapshots), which copy it \
             consistently while syncs run",
            data_dir.database_label()
        )));
    }
    let store = data_dir.open_sqlite().await?;
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // tempfile creates the file with mode 0600 on Unix; SQLite writes into it and keeps that mode.
    let partial = tempfile::Builder::new()
        .prefix(".shopsync-backup-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {} for the backup", dir.display()))?;
    store.backup_into(partial.path()).await?;
    partial.as_file().sync_all().with_context(|| format!("cannot write the backup in {}", dir.display()))?;
    let size = partial.as_file().metadata().map(|m| m.len()).unwrap_or_default();
    let placed = if args.force { partial.persist(&target) } else { partial.persist_noclobber(&target) };
    placed.map_err(|err| {
        anyhow::anyhow!(
            "cannot put the backup at {} ({}); name a new file, or pass --force to replace an existing one",
            target.display(),
            err.error
        )
    })?;
    println!("Backed up {} to {} ({size} bytes)", data_dir.database().display(), target.display());
    println!("The backup is readable by you only: it holds customer data and sealed access tokens.");
    println!(
        "Its tokens open only with this installation's master key ({} or {MASTER_KEY_ENV}), which is not in the \
         backup: keep a copy of the key apart from it.",
        data_dir.key_file().display()
    );
    Ok(ExitCode::SUCCESS)
}
