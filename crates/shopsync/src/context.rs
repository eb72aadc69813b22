//! Where shopsync keeps its data and how it finds its master key.
//!
//! The data directory comes from `--data-dir`, else `SHOPSYNC_DATA_DIR`, else the platform's data directory
//! (`~/.local/share/shopsync` on Linux). It holds the SQLite database `shopsync.db` and, unless the key comes
//! from `SHOPSYNC_MASTER_KEY`, the key file `master.key` (mode 0600) that `shopsync init` writes. The directory is
//! kept 0700 and the database 0600; a key file others can read is refused.
//!
//! A hub that outgrows one machine keeps its data in PostgreSQL instead: `--database-url postgres://...` (or
//! `SHOPSYNC_DATABASE_URL`) picks it for every command. The data directory then only holds the key file, and every
//! process sharing the database needs the same master key (the same `master.key` copied to each machine, or
//! `SHOPSYNC_MASTER_KEY` from the secret store of each).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{PgStore, SqliteStore, Store};

use crate::exit::Failure;

pub const DATABASE_FILE: &str = "shopsync.db";
pub const KEY_FILE: &str = "master.key";
pub const MASTER_KEY_ENV: &str = "SHOPSYNC_MASTER_KEY";

/// A store this process opened, of either backend, kept to be closed before the process exits.
#[derive(Clone)]
enum Opened {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Every store this process opened, closed by [`close_stores`] before it exits.
static OPENED: Mutex<Vec<Opened>> = Mutex::new(Vec::new());

/// Closes every store this process opened, so the database file holds everything committed (nothing left in the
/// WAL only) and a plain copy of `shopsync.db` is whole. Called once the command is done, whether it failed or not.
pub async fn close_stores() {
    let stores = std::mem::take(&mut *OPENED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    for store in stores {
        match store {
            Opened::Sqlite(store) => store.close().await,
            Opened::Postgres(store) => store.close().await,
        }
    }
}

/// The data directory chosen for this run, and the PostgreSQL database when one was named.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub path: PathBuf,
    /// `--database-url` / `SHOPSYNC_DATABASE_URL`: the hub's data is in this PostgreSQL database, not in the
    /// directory's SQLite file. It may hold a password: never printed (see [`DataDir::database_label`]).
    pub database_url: Option<String>,
}

impl DataDir {
    /// Resolves the data directory from the flag (clap already read `SHOPSYNC_DATA_DIR` into it) or the platform.
    pub fn resolve(flag: Option<&Path>, database_url: Option<&str>) -> anyhow::Result<DataDir> {
        let database_url = database_url.map(str::trim).filter(|url| !url.is_empty()).map(str::to_string);
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(Failure::setup(format!(
                "--database-url (or SHOPSYNC_DATABASE_URL) names {}, which is not a PostgreSQL address; give \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE, or leave it out to keep the data in the data \
                 directory's SQLite file",
                shopsync_store::redact_url(url)
            )));
        }
        if let Some(path) = flag {
            return Ok(DataDir { path: path.to_path_buf(), database_url });
        }
        let base = dirs::data_dir().ok_or_else(|| {
            Failure::setup("no data directory is known for this platform; pass --data-dir or set SHOPSYNC_DATA_DIR")
        })?;
        Ok(DataDir { path: base.join("shopsync"), database_url })
    }

    /// Where the data is, for a person: the SQLite file, or the PostgreSQL address without its password.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => shopsync_store::redact_url(url),
            None => self.database().display().to_string(),
        }
    }

    pub fn database(&self) -> PathBuf {
        self.path.join(DATABASE_FILE)
    }

    pub fn key_file(&self) -> PathBuf {
        self.path.join(KEY_FILE)
    }

    /// Opens the store: the PostgreSQL database when one was named (its schema brought up to date), else the
    /// SQLite file of an initialised data directory.
    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let Some(url) = &self.database_url {
            let store = PgStore::connect(url).await?;
            OPENED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Opened::Postgres(store.clone()));
            return Ok(Arc::new(store));
        }
        Ok(self.open_sqlite().await?)
    }

    /// Opens the SQLite file of an initialised data directory, for what only SQLite has (its backup copy).
    pub async fn open_sqlite(&self) -> anyhow::Result<Arc<SqliteStore>> {
        let db = self.database();
        if !db.exists() {
            return Err(Failure::setup(format!(
                "shopsync is not set up in {}: run `shopsync init` first (or pass the right --data-dir)",
                self.path.display()
            )));
        }
        if !writable(&self.path) || !writable(&db) {
            // A copy on a read-only mount still answers read commands; a write says why it cannot run. It is not
            // checkpointed on exit: there is nothing of this process's to write back.
            tracing::debug!("{} is not writable: opening the database read-only", self.path.display());
            return Ok(Arc::new(SqliteStore::open_read_only(&db).await?));
        }
        let store = SqliteStore::open(&db).await?;
        OPENED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Opened::Sqlite(store.clone()));
        Ok(Arc::new(store))
    }

    /// The sync engine over this data directory's store, once the master key passed the key check.
    pub async fn engine(&self) -> anyhow::Result<shopsync_sync::Engine> {
        let store = self.open_store().await?;
        let cipher = self.unlocked_cipher(store.as_ref()).await?;
        Ok(shopsync_sync::Engine::new(store, cipher)?)
    }

    /// The cipher, after checking that its key is the one this store's secrets are sealed with: what every
    /// command that seals or opens a token uses, so a wrong key is refused before anything is written with it.
    pub async fn unlocked_cipher(&self, store: &dyn shopsync_store::ShopStore) -> anyhow::Result<TokenCipher> {
        let cipher = self.cipher()?;
        shopsync_sync::secrets::unlock(store, &cipher).await?;
        Ok(cipher)
    }

    /// The cipher for this installation's secrets: `SHOPSYNC_MASTER_KEY` if set, else the key file.
    pub fn cipher(&self) -> anyhow::Result<TokenCipher> {
        Ok(TokenCipher::new(&self.master_key()?))
    }

    fn master_key(&self) -> anyhow::Result<MasterKey> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            return MasterKey::parse(&text).with_context(|| format!("{MASTER_KEY_ENV} is set but not usable"));
        }
        let path = self.key_file();
        refuse_if_others_can_read(&path)?;
        let text = std::fs::read_to_string(&path).map_err(|err| {
            Failure::setup(format!(
                "cannot read the master key file {} ({err}); run `shopsync init` to create it, or set {MASTER_KEY_ENV}",
                path.display()
            ))
        })?;
        MasterKey::parse(&text).with_context(|| format!("the master key file {} is not usable", path.display()))
    }

    /// Creates the directory and, unless the key comes from the environment, a new key file readable by the owner
    /// only. Returns whether a key file was written. An existing key file is never replaced: the secrets in the
    /// database can only be opened with it.
    pub fn initialise(&self) -> anyhow::Result<bool> {
        create_private_dir(&self.path)
            .with_context(|| format!("cannot create the data directory {}", self.path.display()))?;
        // A directory that existed before (made by hand, or by an earlier shopsync) keeps its mode otherwise, and
        // so does a database an earlier shopsync created readable by others: customers' addresses and the
        // request log are in it.
        make_private(&self.path, 0o700)
            .with_context(|| format!("cannot make the data directory {} private", self.path.display()))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.database().into_os_string();
            file.push(suffix);
            let file = PathBuf::from(file);
            if file.exists() {
                make_private(&file, 0o600)
                    .with_context(|| format!("cannot make the database file {} private", file.display()))?;
            }
        }
        if std::env::var_os(MASTER_KEY_ENV).is_some() || self.key_file().exists() {
            // Check that the key in use is readable now rather than at the first sync.
            self.master_key()?;
            return Ok(false);
        }
        write_private_file(&self.key_file(), MasterKey::generate().to_hex())
            .with_context(|| format!("cannot write the master key file {}", self.key_file().display()))?;
        Ok(true)
    }
}

/// Whether this process may write `path` (a read-only mount, or a directory or file of another user, is not).
fn writable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return true };
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call; access() only reads it.
        unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|m| !m.permissions().readonly()).unwrap_or(true)
    }
}

/// Refuses a key file that users other than its owner can read or write: anyone who can read it can open every
/// token in the database. The message gives the command that fixes it.
fn refuse_if_others_can_read(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(Failure::setup(format!(
                    "the master key file {} can be read or changed by other users (mode {mode:o}), who could then \
                     open every access token shopsync stores; make it private with `chmod 600 {}` and run the \
                     command again (if others may have read it, also rotate the access tokens)",
                    path.display(),
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Sets `path`'s mode (Unix only; elsewhere the platform's own access control applies).
fn make_private(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(path)
    }
}

fn write_private_file(path: &Path, secret: secrecy::SecretString) -> std::io::Result<()> {
    use secrecy::ExposeSecret;
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(secret.expose_secret().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
