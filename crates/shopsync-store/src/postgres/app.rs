//! The Shopify app's credentials and public address, installation (OAuth) states and webhook deliveries in
//! PostgreSQL.

use async_trait::async_trait;

use super::{PgStore, now};
use crate::Result;
use crate::app::{
    AppCredentials, AppStore, OAuthState, PendingWebhookEvent, SubscriptionCheck, WebhookEvent, WebhookTopicDeliveries,
};

#[async_trait]
impl AppStore for PgStore {
    async fn app_credentials(&self) -> Result<Option<AppCredentials>> {
        Ok(sqlx::query_as(
            "SELECT client_id, client_secret, previous_client_secret, ts_text(updated_at) AS updated_at \
             FROM app_credentials WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_app_credentials(&self, credentials: &AppCredentials) -> Result<()> {
        // The public address is left out of the update: a new secret keeps it.
        sqlx::query(
            "INSERT INTO app_credentials (id, client_id, client_secret, previous_client_secret, updated_at) \
             VALUES (1, $1, $2, $3, $4::timestamptz) ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, \
             client_secret = excluded.client_secret, previous_client_secret = excluded.previous_client_secret, \
             updated_at = excluded.updated_at",
        )
        .bind(&credentials.client_id)
        .bind(&credentials.client_secret)
        .bind(&credentials.previous_client_secret)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mark_webhook_events_processed(&self, shop_id: i64, event_ids: &[String]) -> Result<()> {
        if event_ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE webhook_events SET processed_at = $1::timestamptz WHERE shop_id = $2 AND processed_at IS NULL \
             AND event_id = ANY($3::text[])",
        )
        .bind(now())
        .bind(shop_id)
        .bind(event_ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn pending_webhook_events(&self, limit: u32) -> Result<Vec<PendingWebhookEvent>> {
        Ok(sqlx::query_as(
            "SELECT shop_id, event_id, topic, ts_text(received_at) AS received_at FROM webhook_events \
             WHERE processed_at IS NULL ORDER BY webhook_events.received_at LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn app_public_url(&self) -> Result<Option<String>> {
        let url: Option<Option<String>> = sqlx::query_scalar("SELECT public_url FROM app_credentials WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(url.flatten())
    }

    async fn set_app_public_url(&self, url: Option<&str>) -> Result<bool> {
        let done = sqlx::query("UPDATE app_credentials SET public_url = $1, updated_at = $2::timestamptz WHERE id = 1")
            .bind(url)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn webhook_deliveries(&self, shop_id: i64) -> Result<Vec<WebhookTopicDeliveries>> {
        Ok(sqlx::query_as(
            "SELECT topic, COUNT(*) AS received, COUNT(*) - COUNT(processed_at) AS unprocessed, \
             ts_text(MAX(received_at)) AS last_received_at FROM webhook_events WHERE shop_id = $1 \
             GROUP BY topic ORDER BY MAX(received_at) DESC, topic",
        )
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn save_oauth_state(&self, state: &OAuthState) -> Result<()> {
        sqlx::query(
            "INSERT INTO oauth_states (state, shop_domain, endpoint, api_version, created_at) \
             VALUES ($1, $2, $3, $4, $5::timestamptz)",
        )
        .bind(&state.state)
        .bind(&state.shop_domain)
        .bind(&state.endpoint)
        .bind(&state.api_version)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_oauth_state(&self, state: &str, since: &str) -> Result<Option<OAuthState>> {
        let mut tx = self.write().await?;
        // The state is deleted whether or not it is still fresh: it is good for one callback at most. Freshness is
        // judged as a time, not as text, so a `since` written with another offset or precision compares right.
        let found: Option<(String, String, Option<String>, String, String, bool)> = sqlx::query_as(
            "DELETE FROM oauth_states WHERE state = $1 \
             RETURNING state, shop_domain, endpoint, api_version, ts_text(created_at), created_at >= $2::timestamptz",
        )
        .bind(state)
        .bind(since)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oauth_states WHERE created_at < $1::timestamptz")
            .bind(since)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(found.filter(|found| found.5).map(|(state, shop_domain, endpoint, api_version, created_at, _)| OAuthState {
            state,
            shop_domain,
            endpoint,
            api_version,
            created_at,
        }))
    }

    async fn webhook_events(&self, shop_id: i64, limit: u32, offset: u32) -> Result<Vec<WebhookEvent>> {
        Ok(sqlx::query_as(
            "SELECT event_id, topic, ts_text(received_at) AS received_at, ts_text(processed_at) AS processed_at \
             FROM webhook_events WHERE shop_id = $1 \
             ORDER BY webhook_events.received_at DESC, event_id DESC LIMIT $2 OFFSET $3",
        )
        .bind(shop_id)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_webhook_events(&self, shop_id: i64) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE shop_id = $1")
            .bind(shop_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn record_subscription_check(&self, shop_id: i64, callback: &str, topics: &[String]) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_subscription_checks (shop_id, callback, topics, since) \
             VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT (shop_id) DO UPDATE SET \
             callback = excluded.callback, topics = excluded.topics, since = CASE WHEN webhook_subscription_checks.callback = excluded.callback \
             AND webhook_subscription_checks.topics = excluded.topics THEN webhook_subscription_checks.since \
             ELSE excluded.since END",
        )
        .bind(shop_id)
        .bind(callback)
        .bind(serde_json::to_string(topics)?)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn subscription_check(&self, shop_id: i64) -> Result<Option<SubscriptionCheck>> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT callback, topics, ts_text(since) FROM webhook_subscription_checks WHERE shop_id = $1",
        )
        .bind(shop_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(callback, topics, since)| {
            Ok(SubscriptionCheck { callback, topics: serde_json::from_str(&topics)?, since })
        })
        .transpose()
    }
}
