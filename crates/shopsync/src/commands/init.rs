//! `shopsync init`: the data directory, the database and the master key.

use std::process::ExitCode;

use shopsync_store::{PgStore, SqliteStore};

use crate::context::{DataDir, MASTER_KEY_ENV};

pub async fn run(data_dir: &DataDir) -> anyhow::Result<ExitCode> {
    let wrote_key = data_dir.initialise()?;
    // The key check is written now (after the key has opened any token already stored), so a wrong key given
    // to a later command is refused before it seals anything.
    let migrations = match &data_dir.database_url {
        Some(url) => {
            let store = PgStore::connect(url).await?;
            data_dir.unlocked_cipher(&store).await?;
            let applied = store.applied_migrations().await?.len();
            store.close().await;
            applied
        }
        None => {
            let store = SqliteStore::open(&data_dir.database()).await?;
            data_dir.unlocked_cipher(&store).await?;
            let applied = store.applied_migrations().await?.len();
            store.close().await;
            applied
        }
    };
    println!("Data directory  {}", data_dir.path.display());
    println!("Database        {} ({migrations} migrations applied)", data_dir.database_label());
    if wrote_key {
        println!("Master key      {} (new, readable by you only)", data_dir.key_file().display());
        println!();
        println!("Keep a copy of the key file somewhere safe: the access tokens stored by shopsync cannot be");
        println!("decrypted without it.");
    } else if std::env::var_os(MASTER_KEY_ENV).is_some() {
        println!("Master key      from {MASTER_KEY_ENV}");
    } else {
        println!("Master key      {} (existing, kept)", data_dir.key_file().display());
    }
    println!();
    println!("Next: connect a store with");
    println!("  shopsync shop add --domain NAME.myshopify.com --token-stdin < token.txt");
    Ok(ExitCode::SUCCESS)
}
