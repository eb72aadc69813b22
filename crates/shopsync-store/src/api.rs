//! The back-office REST API's own data: bearer tokens (hashed), the answers kept for `Idempotency-Key` retries,
//! and the feeds of sales orders and customers with the position each consumer acknowledged.
//!
//! The store only persists: which token may do what, what a retry gets and what a feed page holds are decided in
//! `shopsync_sync::app::api`. A token's secret never reaches the store, only its SHA-256.

use std::future::Future;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::catalog::{ItemsUpsert, PricesUpsert, StockUpsert, UpsertCounts};
use crate::customers::Customer;
use crate::orders::{SalesOrder, Shipment};

/// An API token as stored: its secret is not here, only the hash of it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    /// Who uses the token (`erp`, `wms`); the consumer whose feed positions are kept.
    pub name: String,
    /// The token's non-secret prefix, by which a presented token is found.
    pub public_id: String,
    /// Hex SHA-256 of the token's secret part.
    #[serde(skip)]
    pub secret_hash: String,
    /// `read`, `write`.
    pub scopes: Vec<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl std::fmt::Debug for ApiToken {
    // The hash of a high-entropy secret is not the secret, but it has no place in logs either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("public_id", &self.public_id)
            .field("scopes", &self.scopes)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// What creating a token stores.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub public_id: String,
    pub secret_hash: String,
    pub scopes: Vec<String>,
}

/// An answer kept for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// Hex SHA-256 of the request it answered (method, path, body).
    pub request_hash: String,
    /// The HTTP status answered; 0 when the key was kept by its write (then `outcome` says what it did).
    pub status: u16,
    /// The JSON body answered (empty when the key was kept by its write).
    pub response: String,
    pub created_at: String,
    /// What the write made under the key did, kept in the write's own transaction; the answer is made from it.
    pub outcome: Option<WriteOutcome>,
}

/// The `Idempotency-Key` a write runs under (see [`under_idempotency_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// The API token's name: keys are per consumer.
    pub consumer: String,
    pub key: String,
    /// Hex SHA-256 of the request (method, path, body).
    pub request_hash: String,
}

/// What a write made under an `Idempotency-Key` did, kept with the key in the write's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "outcome", rename_all = "snake_case")]
pub enum WriteOutcome {
    Items(ItemsUpsert),
    /// The prices of the price list with this code.
    Prices {
        price_list: String,
        prices: PricesUpsert,
    },
    Stock(StockUpsert),
    Bundles(UpsertCounts),
    /// Boxed: a shipment with its lines is several times the size of the counts.
    Shipment(Box<Shipment>),
}

tokio::task_local! {
    /// The key the writes of the current task run under.
    static CLAIM: IdempotencyClaim;
}

/// Runs `work` with its write under `claim`: the store's writes a back-office request makes (`upsert_items`,
/// `upsert_prices`, `upsert_stock`, `upsert_bundles`, `create_shipment`) keep the key and their outcome in their
/// own transaction, so the write and its key commit together or not at all: a crash after the commit leaves the
/// key kept, and a crash before it leaves neither. A key kept already refuses the write with
/// [`crate::StoreError::KeyUsed`], writing nothing. Tasks `work` spawns are not covered.
pub async fn under_idempotency_key<F: Future>(claim: IdempotencyClaim, work: F) -> F::Output {
    CLAIM.scope(claim, work).await
}

/// The key covering the current task's writes, if any.
pub(crate) fn current_claim() -> Option<IdempotencyClaim> {
    CLAIM.try_with(Clone::clone).ok()
}

/// The two feeds the back office pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feed {
    SalesOrders,
    Customers,
}

impl Feed {
    /// The text form kept in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Feed::SalesOrders => "sales_orders",
            Feed::Customers => "customers",
        }
    }
}

/// A record of a feed with its position: pulling after `seq` gives what changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedEntry<T> {
    pub seq: i64,
    pub record: T,
}

/// Tokens, idempotency keys and feeds of the back-office API.
#[async_trait]
pub trait ApiStore: Send + Sync {
    /// Stores a new token; a live token of the same name refuses it ([`crate::StoreError::Conflict`]).
    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken>;
    /// Every token, revoked ones included, by name.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// The token with this public id, revoked or not.
    async fn api_token_by_public_id(&self, public_id: &str) -> Result<Option<ApiToken>>;
    /// Revokes the live token of this name; false when there is none.
    async fn revoke_api_token(&self, name: &str) -> Result<bool>;
    /// Notes that a token was used now (at most once a minute is enough for `api-token list`).
    async fn touch_api_token(&self, id: i64) -> Result<()>;

    /// The answer kept for a consumer's key.
    async fn idempotent_answer(&self, consumer: &str, key: &str) -> Result<Option<StoredAnswer>>;
    /// Keeps an answer for a consumer's key; a key already kept stays as it is (the first answer wins). Writes
    /// keep their key themselves ([`under_idempotency_key`]); this is for answers of requests that wrote nothing.
    async fn save_idempotent_answer(&self, consumer: &str, key: &str, answer: &StoredAnswer) -> Result<()>;
    /// Forgets answers created before `before` (store time text); returns how many.
    async fn purge_idempotent_answers(&self, before: &str) -> Result<u64>;

    /// Sales orders changed after position `after`, oldest change first, at most `limit`.
    async fn sales_order_feed(&self, after: i64, limit: u32) -> Result<Vec<FeedEntry<SalesOrder>>>;
    /// Customers changed after position `after`, oldest change first, at most `limit`.
    async fn customer_feed(&self, after: i64, limit: u32) -> Result<Vec<FeedEntry<Customer>>>;
    /// The newest position of a feed (0 when it is empty).
    async fn feed_head(&self, feed: Feed) -> Result<i64>;
    /// The position a consumer acknowledged (0 before its first acknowledgement).
    async fn feed_position(&self, consumer: &str, feed: Feed) -> Result<i64>;
    /// Stores the position a consumer acknowledged.
    async fn set_feed_position(&self, consumer: &str, feed: Feed, position: i64) -> Result<()>;
}
