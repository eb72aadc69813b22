//! The back-office REST API's decisions: bearer tokens (made, checked, revoked), what an `Idempotency-Key` retry
//! gets, and the feeds' pages and acknowledgements. `shopsync-web` speaks HTTP around these; the CLI's
//! `api-token` commands call the token functions.
//!
//! A token is `ssk_<public id>_<secret>`: 6 random bytes of public id (found in the store by it) and 32 random
//! bytes of secret, both hex. Only the SHA-256 of the secret is stored (the secret has 256 bits of entropy, so a
//! plain hash is enough; no password hashing needed) and the presented secret's hash is compared in constant time.

use std::fmt;

use rand::RngCore;
use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};
use shopsync_store::{
    ApiToken, Customer, Feed, FeedEntry, IdempotencyClaim, NewApiToken, SalesOrder, Store, StoreError, StoredAnswer,
    WriteOutcome,
};
use subtle::ConstantTimeEq;

use crate::import::records::FieldError;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read: warehouses, the feeds and their acknowledgement.
    Read,
    /// Write: items, prices, stock, bundles, shipments.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Does `token` carry `scope`?
pub fn has_scope(token: &ApiToken, scope: Scope) -> bool {
    token.scopes.iter().any(|s| s == scope.as_str())
}

/// Why a token command did nothing.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "'{0}' is not a usable token name: use 1 to 64 letters, digits, '.', '-' or '_' (the name of the system \
         that uses it, e.g. erp)"
    )]
    BadName(String),
    #[error("a token needs at least one scope: read, write or both")]
    NoScope,
    #[error("no live API token is named {0}; `api-token list` shows the tokens")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token just made: the only time its text exists outside the caller who receives it.
pub struct CreatedToken {
    /// Shown once; never stored, printed again or logged.
    pub token: SecretString,
    pub info: ApiToken,
}

/// Makes a token named `name` with `scopes` and stores the hash of its secret.
pub async fn create_token(store: &dyn Store, name: &str, scopes: &[Scope]) -> Result<CreatedToken, TokenError> {
    let name = name.trim();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !name_ok {
        return Err(TokenError::BadName(name.to_string()));
    }
    if scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let mut scope_names: Vec<String> = Vec::new();
    for scope in [Scope::Read, Scope::Write] {
        if scopes.contains(&scope) {
            scope_names.push(scope.as_str().to_string());
        }
    }
    let mut public = [0u8; 6];
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut public);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let public_id = hex::encode(public);
    let secret_hex = hex::encode(secret);
    let info = store
        .create_api_token(&NewApiToken {
            name: name.to_string(),
            public_id: public_id.clone(),
            secret_hash: hash_hex(secret_hex.as_bytes()),
            scopes: scope_names,
        })
        .await?;
    Ok(CreatedToken { token: SecretString::from(format!("ssk_{public_id}_{secret_hex}")), info })
}

/// Every token, revoked ones included.
pub async fn list_tokens(store: &dyn Store) -> Result<Vec<ApiToken>, TokenError> {
    Ok(store.api_tokens().await?)
}

/// Revokes the live token named `name`: requests with it are refused from now on.
pub async fn revoke_token(store: &dyn Store, name: &str) -> Result<(), TokenError> {
    if store.revoke_api_token(name.trim()).await? { Ok(()) } else { Err(TokenError::NotFound(name.to_string())) }
}

/// The live token a presented bearer text is, or `None` when it is malformed, unknown, revoked or its secret
/// does not match.
pub async fn authenticate(store: &dyn Store, presented: &str) -> Result<Option<ApiToken>, StoreError> {
    let Some((public_id, secret)) = presented.strip_prefix("ssk_").and_then(|rest| rest.split_once('_')) else {
        return Ok(None);
    };
    if public_id.len() != 12 || !public_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(token) = store.api_token_by_public_id(public_id).await? else { return Ok(None) };
    let presented_hash = hash_hex(secret.as_bytes());
    let matches: bool = presented_hash.as_bytes().ct_eq(token.secret_hash.as_bytes()).into();
    if !matches || token.revoked_at.is_some() {
        return Ok(None);
    }
    Ok(Some(token))
}

fn hash_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash a request is kept under with its `Idempotency-Key`: its method, path and body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// What a write with an `Idempotency-Key` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// The key is new: run the request under [`claim`] (its write keeps the key in its own transaction), and
    /// [`remember`] the answer of a request that wrote nothing.
    Run,
    /// The same request was answered before without writing (it was refused): give this answer again.
    Answer(StoredAnswer),
    /// The same request wrote before, and this is what its write did (kept with the key in the write's
    /// transaction): answer from it and do nothing.
    Applied(WriteOutcome),
    /// The key was used for another request: refuse, doing nothing.
    KeyReused { created_at: String },
}

/// Looks a consumer's key up.
pub async fn replay(store: &dyn Store, consumer: &str, key: &str, hash: &str) -> Result<Replay, StoreError> {
    Ok(match store.idempotent_answer(consumer, key).await? {
        None => Replay::Run,
        Some(answer) if answer.request_hash != hash => Replay::KeyReused { created_at: answer.created_at },
        Some(StoredAnswer { outcome: Some(outcome), .. }) => Replay::Applied(outcome),
        Some(answer) => Replay::Answer(answer),
    })
}

/// The claim a request's write runs under ([`shopsync_store::under_idempotency_key`]): the write keeps the key
/// with its outcome in its own transaction, so a crash between the write and its answer cannot let a retry write
/// again.
pub fn claim(consumer: &str, key: &str, hash: &str) -> IdempotencyClaim {
    IdempotencyClaim { consumer: consumer.to_string(), key: key.to_string(), request_hash: hash.to_string() }
}

/// Keeps the answer of a keyed request that wrote nothing (a refusal), for its retries; a key its write kept
/// already stays as it is.
pub async fn remember(
    store: &dyn Store,
    consumer: &str,
    key: &str,
    hash: &str,
    status: u16,
    response: &str,
) -> Result<(), StoreError> {
    let answer = StoredAnswer {
        request_hash: hash.to_string(),
        status,
        response: response.to_string(),
        created_at: String::new(),
        outcome: None,
    };
    store.save_idempotent_answer(consumer, key, &answer).await
}

/// How long an answer is kept for its `Idempotency-Key`: a back office retries within minutes, and a day covers a
/// retry after an outage of the night.
pub const KEEP_ANSWERS_HOURS: i64 = 24;

/// Forgets the answers kept longer than [`KEEP_ANSWERS_HOURS`]; returns how many.
pub async fn forget_old_answers(store: &dyn Store) -> Result<u64, StoreError> {
    let cutoff = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(KEEP_ANSWERS_HOURS);
    store.purge_idempotent_answers(&shopsync_core::time::to_text(cutoff)).await
}

/// The most records one feed page holds, and how many it holds when the consumer does not say.
pub const MAX_FEED_PAGE: u32 = 1000;
pub const DEFAULT_FEED_PAGE: u32 = 100;

/// One page of a feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedPage<T> {
    pub entries: Vec<FeedEntry<T>>,
    /// Where the page started.
    pub after: i64,
    /// The position to pull after next, and to acknowledge once the page is processed.
    pub next: i64,
    /// More records are waiting after `next`.
    pub has_more: bool,
}

/// Why a feed request was refused.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{}", .0.message)]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A page of sales orders changed after `after`, or after what `consumer` acknowledged when `after` is `None`.
pub async fn sales_order_page(
    store: &dyn Store,
    consumer: &str,
    after: Option<i64>,
    limit: Option<u32>,
) -> Result<FeedPage<SalesOrder>, FeedError> {
    let (after, limit) = page_bounds(store, consumer, Feed::SalesOrders, after, limit).await?;
    let entries = store.sales_order_feed(after, limit + 1).await?;
    Ok(page(entries, after, limit))
}

/// A page of customers changed after `after`, or after what `consumer` acknowledged when `after` is `None`.
pub async fn customer_page(
    store: &dyn Store,
    consumer: &str,
    after: Option<i64>,
    limit: Option<u32>,
) -> Result<FeedPage<Customer>, FeedError> {
    let (after, limit) = page_bounds(store, consumer, Feed::Customers, after, limit).await?;
    let entries = store.customer_feed(after, limit + 1).await?;
    Ok(page(entries, after, limit))
}

async fn page_bounds(
    store: &dyn Store,
    consumer: &str,
    feed: Feed,
    after: Option<i64>,
    limit: Option<u32>,
) -> Result<(i64, u32), FeedError> {
    let limit = match limit {
        None => DEFAULT_FEED_PAGE,
        Some(n) if (1..=MAX_FEED_PAGE).contains(&n) => n,
        Some(n) => {
            return Err(FeedError::Invalid(FieldError::new(
                "limit",
                format!("limit {n} is out of range: ask for 1 to {MAX_FEED_PAGE} records a page"),
            )));
        }
    };
    let after = match after {
        Some(n) if n < 0 => {
            return Err(FeedError::Invalid(FieldError::new(
                "after",
                format!("after {n} is not a position: positions start at 0 (the feed's start)"),
            )));
        }
        Some(n) => n,
        None => store.feed_position(consumer, feed).await?,
    };
    Ok((after, limit))
}

fn page<T>(mut entries: Vec<FeedEntry<T>>, after: i64, limit: u32) -> FeedPage<T> {
    let has_more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next = entries.last().map_or(after, |e| e.seq);
    FeedPage { entries, after, next, has_more }
}

/// Acknowledges that `consumer` processed `feed` up to `position`: its next pull without a position starts
/// there. A position the feed never reached is refused (it would skip what comes); a lower one than before
/// is taken (the consumer asks to read again).
pub async fn acknowledge(store: &dyn Store, consumer: &str, feed: Feed, position: i64) -> Result<i64, FeedError> {
    let head = store.feed_head(feed).await?;
    if position < 0 || position > head {
        return Err(FeedError::Invalid(FieldError::new(
            "cursor",
            format!(
                "cursor {position} was never given out: the {} feed is at {head}; acknowledge the `next` of a page \
                 you processed",
                feed.as_str().replace('_', " ")
            ),
        )));
    }
    store.set_feed_position(consumer, feed, position).await?;
    Ok(position)
}
