use std::path::PathBuf;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the shopsync database at {path}: {source}. Check that the data directory exists and is \
         writable (set it with --data-dir or SHOPSYNC_DATA_DIR)"
    )]
    Open { path: PathBuf, source: sqlx::Error },
    #[error(
        "cannot bring the database at {path} up to date: {source}. The file may come from a newer shopsync or be \
         damaged; keep a copy and use a matching shopsync version"
    )]
    Migrate { path: PathBuf, source: sqlx::migrate::MigrateError },
    #[error("the shop {0} is already connected; `shopsync shop show {0}` shows it")]
    ShopExists(String),
    #[error("there is no shop {0}; `shopsync shop list` shows the connected shops")]
    ShopNotFound(String),
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
