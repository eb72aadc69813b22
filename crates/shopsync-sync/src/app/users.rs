//! The web console's people: adding them, checking a password, and the sessions a login opens.
//!
//! Every front-end that lets a person in goes through here (the CLI's add-user command, the console's login), so
//! the rules are kept once: passwords are hashed with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes),
//! a session is a random 256-bit token of which the store keeps only the SHA-256, and the console's CSRF token is
//! derived from the session's token, so it needs no storage and a copy of the database yields neither.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};
use shopsync_store::{ConsoleSession, ConsoleUser, UserRole, UserStore};
use subtle::ConstantTimeEq;

use crate::SyncError;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// How long a session lasts after login.
pub const SESSION_HOURS: i64 = 12;

/// Adds a console user, or gives an existing one a new role and password (which ends their sessions). Returns
/// whether the user is new.
pub async fn add_user(
    store: &(impl UserStore + ?Sized),
    name: &str,
    role: UserRole,
    password: &str,
) -> Result<(ConsoleUser, bool), SyncError> {
    let name = check_name(name)?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SyncError::Invalid(format!(
            "the password has {} characters; use at least {MIN_PASSWORD_CHARS} (a passphrase of a few words is easy \
             to type and hard to guess)",
            password.chars().count()
        )));
    }
    let hash = hash_password(password)?;
    Ok(store.save_user(&name, role, &hash).await?)
}

/// A user name as stored: 1 to 64 letters, digits or `.`, `_`, `-`, `@`, in lower case.
fn check_name(name: &str) -> Result<String, SyncError> {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(SyncError::Invalid(format!(
            "`{name}` is not a user name: use 1 to 64 letters, digits, dots, dashes, underscores or @"
        )));
    }
    Ok(name)
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, SyncError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| SyncError::Invalid(format!("the password could not be hashed: {err}")))
}

/// The user whose name and password these are, or `None`. An unknown name costs the same hashing as a wrong
/// password, so the time taken does not tell which names exist.
pub async fn authenticate(
    store: &(impl UserStore + ?Sized),
    name: &str,
    password: &str,
) -> Result<Option<ConsoleUser>, SyncError> {
    let user = store.user(&name.trim().to_ascii_lowercase()).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_string();
    // Hashing takes tens of milliseconds of CPU: off the async threads.
    let matches = tokio::task::spawn_blocking(move || {
        let dummy;
        let stored = match &stored {
            Some(hash) => hash.as_str(),
            None => {
                dummy = hash_password("not a password of anyone").unwrap_or_default();
                dummy.as_str()
            }
        };
        PasswordHash::new(stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    Ok(user.filter(|_| matches))
}

/// A new random token, 32 bytes in hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The hash under which a session token is stored.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session for `user`: returns the token for the cookie (shown to no one else and stored hashed).
pub async fn open_session(store: &(impl UserStore + ?Sized), user: &ConsoleUser) -> Result<String, SyncError> {
    let token = random_token();
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(SESSION_HOURS);
    let expires = shopsync_core::time::to_text(expires);
    // Expired sessions go as new ones come, so the table stays small without a sweeper.
    store.purge_sessions(&shopsync_core::time::now_text()).await?;
    store.create_session(&token_hash(&token), user.id, &expires).await?;
    Ok(token)
}

/// The live session of this cookie token, with its user.
pub async fn session(store: &(impl UserStore + ?Sized), token: &str) -> Result<Option<ConsoleSession>, SyncError> {
    Ok(store.session(&token_hash(token), &shopsync_core::time::now_text()).await?)
}

/// Ends the session of this cookie token (logout).
pub async fn close_session(store: &(impl UserStore + ?Sized), token: &str) -> Result<(), SyncError> {
    store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// The CSRF token of the session with this cookie token: every form of the session carries it.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("shopsync-console-csrf:{session_token}").as_bytes()))
}

/// Whether `given` equals `expected`, compared in constant time.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_and_checks_only_its_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"correct horse batterz", &parsed).is_err());
    }

    #[test]
    fn names_are_checked_and_lower_cased() {
        assert_eq!(check_name(" Ops@Example.com ").unwrap(), "ops@example.com");
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert!(tokens_match(&csrf_token(&a), &csrf_token(&a)));
        assert!(!tokens_match(&csrf_token(&a), &csrf_token(&b)));
        assert!(!tokens_match(&csrf_token(&a), ""));
    }
}
