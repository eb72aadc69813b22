//! Webhooks from the test's side: the delivery log, delivery settings and subscriptions.

use super::handle::SimControl;
use crate::gid;
use crate::rng::SplitMix64;
use crate::webhooks::{
    DeliveryRecord, Endpoint, NewSubscription, SubscriptionError, WebhookConfig, WebhookSubscription, topic_from_enum,
};

impl SimControl {
    /// Every delivery so far (oldest first; the log keeps the newest 10,000).
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.state.webhooks.log.lock().records.iter().cloned().collect()
    }

    /// The webhook delivery settings.
    pub fn webhook_config(&self) -> WebhookConfig {
        self.state.webhooks.config()
    }

    /// Replaces the delivery settings (and restarts the fault decisions from their seed).
    pub fn set_webhook_config(&self, config: WebhookConfig) {
        *self.state.webhooks.decisions.lock() = SplitMix64::new(config.seed);
        *self.state.webhooks.config.lock() = config;
    }

    /// The shop's webhook subscriptions.
    pub fn webhook_subscriptions(&self) -> Vec<WebhookSubscription> {
        self.state.store.read().webhooks.items.values().cloned().collect()
    }

    /// Adds a subscription without going through the API; returns its GID. Refused when the
    /// topic already has a subscription with this address, or the address is not understood.
    pub fn add_webhook_subscription(&self, new: NewSubscription) -> Result<String, SubscriptionError> {
        let topic = if new.topic.contains('/') { new.topic.clone() } else { topic_from_enum(&new.topic) };
        let endpoint =
            Endpoint::parse(&new.address).ok_or_else(|| SubscriptionError::InvalidAddress(new.address.clone()))?;
        let mut store = self.state.store.write();
        if store.webhooks.find(&topic, &endpoint.uri()).is_some() {
            return Err(SubscriptionError::AlreadySubscribed { address: new.address, topic });
        }
        let now = store.now();
        let id = store.webhooks.next_id();
        let after_change = store.changes_recorded;
        store.webhooks.items.insert(
            id,
            WebhookSubscription {
                id,
                topic,
                endpoint,
                format: "JSON".to_string(),
                include_fields: new.include_fields,
                metafield_namespaces: Vec::new(),
                filter: new.filter,
                api_version: new.api_version.unwrap_or_else(|| {
                    crate::server::SUPPORTED_VERSIONS.last().copied().unwrap_or("2026-10").to_string()
                }),
                name: new.name,
                created_at: now,
                updated_at: now,
                after_change,
            },
        );
        Ok(gid::format("WebhookSubscription", id))
    }
}
