//! The web console's people and their sessions.
//!
//! The store keeps what it is given: a password's argon2id hash (never the password) and a session's SHA-256
//! (never the token in the cookie). Hashing, checking and choosing tokens happen above it, in
//! `shopsync_sync::app::users`.

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// What a person may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Reads every page; acts on nothing.
    Viewer,
    /// Reads and acts: sync now, settings, reprocess, links, purges.
    Operator,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Viewer => "viewer",
            UserRole::Operator => "operator",
        }
    }

    /// The role named `text` (`viewer` or `operator`).
    pub fn parse(text: &str) -> Option<UserRole> {
        match text.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(UserRole::Viewer),
            "operator" => Some(UserRole::Operator),
            _ => None,
        }
    }
}

impl std::fmt::Display for UserRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A console user. `Debug` leaves the password hash out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsoleUser {
    pub id: i64,
    pub name: String,
    pub role: UserRole,
    /// The argon2id PHC string.
    pub password_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

impl std::fmt::Debug for ConsoleUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleUser")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A session that has not expired, with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub user: ConsoleUser,
    pub created_at: String,
    pub expires_at: String,
}

/// Console users and sessions.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Adds a user, or replaces the role and password of the user with that name. Returns the user and whether
    /// it was new.
    async fn save_user(&self, name: &str, role: UserRole, password_hash: &str) -> Result<(ConsoleUser, bool)>;
    /// The user with this name.
    async fn user(&self, name: &str) -> Result<Option<ConsoleUser>>;
    /// Every user, by name.
    async fn users(&self) -> Result<Vec<ConsoleUser>>;
    /// Stores a session by its token's hash, valid until `expires_at` (store text form).
    async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: &str) -> Result<()>;
    /// The session with this token hash, if it has not expired at `now`.
    async fn session(&self, token_hash: &str, now: &str) -> Result<Option<ConsoleSession>>;
    /// Ends a session (logout). Returns whether it existed.
    async fn delete_session(&self, token_hash: &str) -> Result<bool>;
    /// Deletes the sessions that expired before `now`; returns how many.
    async fn purge_sessions(&self, now: &str) -> Result<u64>;
}
