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
}
