//! Webhook subscriptions at the application boundary: set them up for every shop (or one), and what a person looks
//! at to see whether Shopify's deliveries arrive.

use serde::Serialize;
use shopify_admin::ops::webhooks::WebhookSubscription;
use shopsync_store::WebhookTopicDeliveries;

use crate::subscriptions::{SubscriptionSync, configured_callback, sync};
use crate::{Engine, ShopContext, SyncError};

/// The outcome of setting up one shop's subscriptions.
#[derive(Debug)]
pub struct ShopSubscriptions {
    pub shop: String,
    pub result: Result<SubscriptionSync, SyncError>,
}

/// Creates or repairs the webhook subscriptions of one shop (`Some(domain)`) or of every enabled shop, to the
/// installation's public address. Fails as a whole only when that address is not set or a named shop is unknown;
/// a shop that fails (no access, writes off) is reported and the others go on.
pub async fn sync_webhooks(
    engine: &Engine,
    shop: Option<&str>,
    dry_run: bool,
) -> Result<Vec<ShopSubscriptions>, SyncError> {
    let callback = configured_callback(engine).await?;
    let shops: Vec<ShopContext> = match shop {
        Some(domain) => vec![engine.shop(&domain.trim().to_ascii_lowercase()).await?],
        None => engine.shops().await?.into_iter().filter(|shop| shop.settings.enabled).collect(),
    };
    let mut outcomes = Vec::with_capacity(shops.len());
    for shop in &shops {
        let result = sync(shop, &callback, dry_run).await;
        outcomes.push(ShopSubscriptions { shop: shop.shop.domain.clone(), result });
    }
    engine.flush_logs().await;
    Ok(outcomes)
}

/// A shop's webhooks as a person checks them: where deliveries should go, what Shopify has, what arrived.
#[derive(Debug, Serialize)]
pub struct WebhooksOverview {
    pub shop: String,
    /// `PUBLIC_URL/webhooks/shopify`, once the public address is set.
    pub callback: Option<String>,
    /// The topics the shop's switched-on flows need.
    pub wanted_topics: Vec<String>,
    /// The app's subscriptions on the shop; `None` when Shopify could not be asked (see `subscriptions_error`).
    pub subscriptions: Option<Vec<WebhookSubscription>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions_error: Option<String>,
    /// Deliveries received and stored, per topic.
    pub deliveries: Vec<DeliveryCount>,
}

/// [`WebhookTopicDeliveries`] as the overview shows it.
#[derive(Debug, Serialize)]
pub struct DeliveryCount {
    pub topic: String,
    pub received: i64,
    pub unprocessed: i64,
    pub last_received_at: Option<String>,
}

impl From<WebhookTopicDeliveries> for DeliveryCount {
    fn from(d: WebhookTopicDeliveries) -> Self {
        DeliveryCount {
            topic: d.topic,
            received: d.received,
            unprocessed: d.unprocessed,
            last_received_at: d.last_received_at,
        }
    }
}

/// The webhooks overview of a shop. The deliveries come from the store and are shown even when Shopify cannot be
/// reached (outgoing requests off, no access), which is when a person most needs them.
pub async fn webhooks_overview(engine: &Engine, domain: &str) -> Result<WebhooksOverview, SyncError> {
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    let callback = match configured_callback(engine).await {
        Ok(callback) => Some(callback),
        Err(SyncError::NoPublicUrl) => None,
        Err(err) => return Err(err),
    };
    let (subscriptions, subscriptions_error) = match crate::subscriptions::list(&shop).await {
        Ok(list) => (Some(list), None),
        Err(err) => (None, Some(err.to_string())),
    };
    engine.flush_logs().await;
    let deliveries = engine.store().webhook_deliveries(shop.shop.id).await?.into_iter().map(Into::into).collect();
    Ok(WebhooksOverview {
        shop: shop.shop.domain.clone(),
        callback,
        wanted_topics: crate::subscriptions::wanted_topics(&shop.settings).into_iter().map(String::from).collect(),
        subscriptions,
        subscriptions_error,
        deliveries,
    })
}
