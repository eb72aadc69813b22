//! The installation's Shopify app: its credentials (sealed), and the webhook deliveries not processed yet.

use async_trait::async_trait;

use crate::Result;

/// The app's credentials as stored: the client secrets arrive and leave sealed.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppCredentials {
    pub client_id: String,
    /// Sealed with the master key.
    pub client_secret: String,
    /// Sealed; still accepted while a secret rotation is not finished.
    pub previous_client_secret: Option<String>,
    pub updated_at: String,
}

impl std::fmt::Debug for AppCredentials {
    // Sealed text is not a secret in clear, but it has no place in logs either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("has_previous_client_secret", &self.previous_client_secret.is_some())
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A webhook event received and stored whose work is not done yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingWebhookEvent {
    pub shop_id: i64,
    pub event_id: String,
    pub topic: String,
    pub received_at: String,
}

/// An installation started and waiting for its OAuth callback.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OAuthState {
    pub state: String,
    pub shop_domain: String,
    pub endpoint: Option<String>,
    pub api_version: String,
    /// Set by the store.
    pub created_at: String,
}

/// The webhook deliveries received from one shop for one topic.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookTopicDeliveries {
    pub topic: String,
    /// Deliveries stored (each event once, however often Shopify sent it).
    pub received: i64,
    /// Of those, the ones whose work is not done yet.
    pub unprocessed: i64,
    pub last_received_at: Option<String>,
}

/// One webhook delivery as stored (each event once, however often Shopify sent it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct WebhookEvent {
    pub event_id: String,
    pub topic: String,
    pub received_at: String,
    /// When its work was done (its run ended well, or was queued); `None` while it waits.
    pub processed_at: Option<String>,
}

/// What shopsync last saw of a shop's webhook subscriptions: the topics subscribed at its own address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubscriptionCheck {
    /// The address the topics are subscribed at (`PUBLIC_URL/webhooks/shopify` when they were seen).
    pub callback: String,
    pub topics: Vec<String>,
    /// Since when this same address and set of topics were seen (set by the store; a look that finds them
    /// unchanged keeps it).
    pub since: String,
}

/// The app's credentials and the webhook events waiting for their work.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// The app's credentials, once they were stored.
    async fn app_credentials(&self) -> Result<Option<AppCredentials>>;
    /// Replaces the app's credentials (`updated_at` is set by the store).
    async fn set_app_credentials(&self, credentials: &AppCredentials) -> Result<()>;
    /// Marks these events of a shop processed, in one statement (a coalesced run covers many).
    async fn mark_webhook_events_processed(&self, shop_id: i64, event_ids: &[String]) -> Result<()>;
    /// Webhook events received but not marked processed, oldest first, at most `limit`.
    async fn pending_webhook_events(&self, limit: u32) -> Result<Vec<PendingWebhookEvent>>;
    /// The public address of the `serve` command Shopify delivers webhooks to, once it was set.
    async fn app_public_url(&self) -> Result<Option<String>>;
    /// Sets (or with `None` clears) the public address. `false` when no app credentials are stored yet: the
    /// address belongs with them, since deliveries cannot be verified without the app's secret.
    async fn set_app_public_url(&self, url: Option<&str>) -> Result<bool>;
    /// Remembers an installation started, until its callback arrives.
    async fn save_oauth_state(&self, state: &OAuthState) -> Result<()>;
    /// Takes (reads and deletes) the installation this state nonce started, when it started after `since`; a
    /// state is good for one callback only. Older states are deleted on the way.
    async fn take_oauth_state(&self, state: &str, since: &str) -> Result<Option<OAuthState>>;
    /// The deliveries received from a shop, per topic, the most recent topic first.
    async fn webhook_deliveries(&self, shop_id: i64) -> Result<Vec<WebhookTopicDeliveries>>;
    /// The deliveries received from a shop one by one, newest first, a page of `limit` from `offset`.
    async fn webhook_events(&self, shop_id: i64, limit: u32, offset: u32) -> Result<Vec<WebhookEvent>>;
    /// How many deliveries of a shop are stored.
    async fn count_webhook_events(&self, shop_id: i64) -> Result<u64>;
    /// Remembers the topics seen subscribed at shopsync's `callback` (give them sorted), replacing what was seen
    /// before; `since` moves to now only when the address or the topics changed.
    async fn record_subscription_check(&self, shop_id: i64, callback: &str, topics: &[String]) -> Result<()>;
    /// What was last seen of the shop's subscriptions, once they were seen.
    async fn subscription_check(&self, shop_id: i64) -> Result<Option<SubscriptionCheck>>;
}
