//! Webhook subscriptions: which topics a shop sends to the `serve` command, and keeping Shopify's list in line.
//!
//! The installation has one public address (`AppStore::app_public_url`, e.g. `https://hub.example.com`); every
//! shop's deliveries go to `PUBLIC_URL/webhooks/shopify`, where the web front-end verifies them and hands them to
//! [`crate::webhooks::Intake`]. Which topics a shop needs follows its switched-on flows ([`wanted_topics`]);
//! [`sync`] compares them with the app's subscriptions on the shop and creates what is missing, points a
//! subscription at a stale address to the current one (an update, so the topic is never without one), and removes
//! shopsync's subscriptions to topics no flow needs any more. Subscriptions of the app to other addresses (not
//! ending in the webhook path) are someone else's and left alone.
//!
//! The privacy topics Shopify requires of public apps (`customers/data_request`, `customers/redact`,
//! `shop/redact`) are not subscriptions: they are configured once in the app's settings in the Partners
//! dashboard (or the app's TOML), pointing at the same address.

use shopify_admin::operation::Gid;
use shopify_admin::ops::webhooks::{
    WebhookSubscription, WebhookSubscriptionCreate, WebhookSubscriptionCreateVariables, WebhookSubscriptionDelete,
    WebhookSubscriptionDeleteVariables, WebhookSubscriptionUpdate, WebhookSubscriptionUpdateVariables,
    WebhookSubscriptions, WebhookSubscriptionsVariables,
};
use shopsync_core::ShopSettings;
use shopsync_core::remedy::{RemedyAction, RemedyStep};

use crate::{Engine, ShopContext, SyncError};

/// The path of the webhook intake under the public address.
pub const WEBHOOK_PATH: &str = "/webhooks/shopify";

/// The topics shopsync subscribes to, as Shopify's `WebhookSubscriptionTopic` values, and the switch that wants
/// each. Orders need only `ORDERS_CREATE` and `ORDERS_UPDATED`: Shopify sends `orders/updated` for every change
/// (paid, cancelled, fulfilled, edited, refunded), so the narrower topics would only deliver the same change twice.
/// Products need `PRODUCTS_DELETE` only: shopsync is the source of the catalog, and `products/update` would
/// announce every change shopsync itself made.
const TOPICS: &[(&str, Need)] = &[
    ("APP_UNINSTALLED", Need::Always),
    ("ORDERS_CREATE", Need::Orders),
    ("ORDERS_UPDATED", Need::Orders),
    ("REFUNDS_CREATE", Need::Orders),
    ("CUSTOMERS_CREATE", Need::Customers),
    ("CUSTOMERS_UPDATE", Need::Customers),
    ("PRODUCTS_DELETE", Need::Products),
];

#[derive(Debug, Clone, Copy)]
enum Need {
    Always,
    Orders,
    Customers,
    Products,
}

/// The topics a shop with these settings needs, in a stable order.
pub fn wanted_topics(settings: &ShopSettings) -> Vec<&'static str> {
    TOPICS
        .iter()
        .filter(|(_, need)| match need {
            Need::Always => true,
            Need::Orders => settings.sync_orders,
            Need::Customers => settings.sync_customers,
            Need::Products => settings.sync_products,
        })
        .map(|(topic, _)| *topic)
        .collect()
}

/// Checks a public address given by a person and gives it back in its normal form (no trailing `/`).
///
/// Shopify delivers to HTTPS addresses only; plain `http` is accepted for a loopback host (a local test
/// receiver or the simulator), never for another.
pub fn check_public_url(text: &str) -> Result<String, SyncError> {
    let invalid = |why: &str| {
        SyncError::Invalid(format!(
            "`{text}` cannot be the public address of shopsync serve: {why}. Give the https address at which \
             Shopify reaches serve, e.g. https://hub.example.com (webhooks go to its {WEBHOOK_PATH})"
        ))
    };
    let url = url::Url::parse(text.trim()).map_err(|err| invalid(&format!("it is not a URL ({err})")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(invalid("it has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(invalid("Shopify delivers webhooks over https only")),
        other => return Err(invalid(&format!("its scheme is {other}, not https"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it carries a user name or password, which Shopify would not send"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment; give the address only"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Where a shop's deliveries go for this public address.
pub fn callback_url(public_url: &str) -> String {
    format!("{}{WEBHOOK_PATH}", public_url.trim_end_matches('/'))
}

/// Whether a subscription's address is shopsync's webhook intake (at this address or an earlier one).
fn is_ours(uri: &str) -> bool {
    uri.trim_end_matches('/').ends_with(WEBHOOK_PATH)
}

/// One change [`sync`] makes, or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionChange {
    /// A topic had no subscription to the intake: one is created.
    Create { topic: String },
    /// A topic's subscription goes to another address of shopsync (the hub moved): it is pointed here.
    Repoint { id: Gid, topic: String, from: String },
    /// A subscription to the intake no flow needs (the flow was switched off), or a second one for a topic.
    Remove { id: Gid, topic: String, uri: String },
}

/// What [`sync`] found and did for one shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSync {
    pub shop: String,
    pub callback: String,
    /// The topics the shop needs, each now subscribed to `callback`.
    pub topics: Vec<String>,
    /// Topics already subscribed to `callback`: nothing was sent for them.
    pub kept: Vec<String>,
    pub changes: Vec<SubscriptionChange>,
    /// The app's subscriptions to other addresses, left alone.
    pub others: Vec<WebhookSubscription>,
}

/// What must change so that exactly `wanted` topics are subscribed to `callback` (pure, so it is tested alone).
pub fn plan(
    existing: &[WebhookSubscription],
    wanted: &[&str],
    callback: &str,
) -> (Vec<String>, Vec<SubscriptionChange>, Vec<WebhookSubscription>) {
    let mut kept = Vec::new();
    let mut changes = Vec::new();
    let mut others = Vec::new();
    let mut settled: Vec<&str> = Vec::new();
    // First the subscriptions already right, so a stale twin of one is removed rather than re-pointed.
    for subscription in existing.iter().filter(|s| s.uri == callback && wanted.contains(&s.topic.as_str())) {
        if settled.contains(&subscription.topic.as_str()) {
            continue;
        }
        settled.push(subscription.topic.as_str());
        kept.push(subscription.topic.clone());
    }
    for subscription in existing {
        let topic = subscription.topic.as_str();
        if !is_ours(&subscription.uri) {
            others.push(subscription.clone());
        } else if subscription.uri == callback && kept.iter().any(|k| k == topic) && settled.contains(&topic) {
            // The one kept above; a second identical one cannot exist (Shopify refuses the address twice).
            continue;
        } else if wanted.contains(&topic) && !settled.contains(&topic) {
            settled.push(topic);
            changes.push(SubscriptionChange::Repoint {
                id: subscription.id.clone(),
                topic: topic.to_string(),
                from: subscription.uri.clone(),
            });
        } else {
            changes.push(SubscriptionChange::Remove {
                id: subscription.id.clone(),
                topic: topic.to_string(),
                uri: subscription.uri.clone(),
            });
        }
    }
    for topic in wanted {
        if !settled.contains(topic) {
            changes.push(SubscriptionChange::Create { topic: (*topic).to_string() });
        }
    }
    (kept, changes, others)
}

/// The app's subscriptions on the shop, as Shopify lists them.
pub async fn list(ctx: &ShopContext) -> Result<Vec<WebhookSubscription>, SyncError> {
    Ok(ctx.client().collect_all::<WebhookSubscriptions>(WebhookSubscriptionsVariables::default()).await?)
}

/// Brings the shop's subscriptions in line with its flows, for deliveries to `callback`. With `dry_run` nothing is
/// sent beyond the list: the changes are what would be made.
pub async fn sync(ctx: &ShopContext, callback: &str, dry_run: bool) -> Result<SubscriptionSync, SyncError> {
    let wanted = wanted_topics(&ctx.settings);
    let existing = list(ctx).await?;
    let (kept, changes, others) = plan(&existing, &wanted, callback);
    if !dry_run && !changes.is_empty() {
        ctx.require_writes()?;
        for change in &changes {
            match change {
                SubscriptionChange::Create { topic } => {
                    let variables = WebhookSubscriptionCreateVariables::new(topic.clone(), callback);
                    ctx.client().execute::<WebhookSubscriptionCreate>(&variables).await?;
                }
                SubscriptionChange::Repoint { id, .. } => {
                    let variables = WebhookSubscriptionUpdateVariables::new(id.clone(), callback);
                    ctx.client().execute::<WebhookSubscriptionUpdate>(&variables).await?;
                }
                SubscriptionChange::Remove { id, .. } => {
                    let variables = WebhookSubscriptionDeleteVariables { id: id.clone() };
                    ctx.client().execute::<WebhookSubscriptionDelete>(&variables).await?;
                }
            }
        }
    }
    Ok(SubscriptionSync {
        shop: ctx.shop.domain.clone(),
        callback: callback.to_string(),
        topics: wanted.iter().map(|t| (*t).to_string()).collect(),
        kept,
        changes,
        others,
    })
}

/// The installation's webhook address (`PUBLIC_URL/webhooks/shopify`), or why there is none yet.
pub async fn configured_callback(engine: &Engine) -> Result<String, SyncError> {
    match engine.store().app_public_url().await? {
        Some(url) => Ok(callback_url(&url)),
        None => Err(SyncError::NoPublicUrl),
    }
}

/// What [`SyncError::NoPublicUrl`] asks a person to do.
pub(crate) fn no_public_url_remedy() -> RemedyStep {
    RemedyStep::text("set the address at which Shopify reaches shopsync serve with ")
        .then_act(RemedyAction::SetPublicUrl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(id: u64, topic: &str, uri: &str) -> WebhookSubscription {
        serde_json::from_value(serde_json::json!({
            "id": format!("gid://shopify/WebhookSubscription/{id}"),
            "topic": topic,
            "uri": uri,
            "format": "JSON",
            "apiVersion": { "handle": "2026-10" },
            "createdAt": "2026-12-01T00:00:00Z",
            "updatedAt": "2026-12-01T00:00:00Z",
        }))
        .unwrap()
    }

    const HERE: &str = "https://hub.example.com/webhooks/shopify";

    #[test]
    fn a_shop_without_subscriptions_gets_one_per_wanted_topic() {
        let (kept, changes, others) = plan(&[], &["APP_UNINSTALLED", "ORDERS_CREATE"], HERE);
        assert!(kept.is_empty() && others.is_empty());
        assert_eq!(
            changes,
            vec![
                SubscriptionChange::Create { topic: "APP_UNINSTALLED".into() },
                SubscriptionChange::Create { topic: "ORDERS_CREATE".into() },
            ]
        );
    }

    #[test]
    fn subscriptions_in_line_cost_nothing_and_a_stale_address_is_repointed_not_recreated() {
        let existing = [
            subscription(1, "APP_UNINSTALLED", HERE),
            subscription(2, "ORDERS_CREATE", "https://old-hub.example.com/webhooks/shopify"),
            subscription(3, "CUSTOMERS_UPDATE", HERE),
            subscription(4, "ORDERS_CREATE", "https://erp.example.com/hooks/orders"),
        ];
        let (kept, changes, others) = plan(&existing, &["APP_UNINSTALLED", "ORDERS_CREATE"], HERE);
        assert_eq!(kept, vec!["APP_UNINSTALLED".to_string()]);
        assert_eq!(others.len(), 1, "another system's subscription is left alone");
        assert_eq!(
            changes,
            vec![
                SubscriptionChange::Repoint {
                    id: Gid("gid://shopify/WebhookSubscription/2".into()),
                    topic: "ORDERS_CREATE".into(),
                    from: "https://old-hub.example.com/webhooks/shopify".into(),
                },
                SubscriptionChange::Remove {
                    id: Gid("gid://shopify/WebhookSubscription/3".into()),
                    topic: "CUSTOMERS_UPDATE".into(),
                    uri: HERE.into(),
                },
            ]
        );
    }

    #[test]
    fn a_stale_twin_of_a_subscription_in_line_is_removed() {
        let existing = [
            subscription(1, "ORDERS_CREATE", "https://old-hub.example.com/webhooks/shopify"),
            subscription(2, "ORDERS_CREATE", HERE),
        ];
        let (kept, changes, _) = plan(&existing, &["ORDERS_CREATE"], HERE);
        assert_eq!(kept, vec!["ORDERS_CREATE".to_string()]);
        assert!(matches!(&changes[..], [SubscriptionChange::Remove { id, .. }] if id.0.ends_with("/1")), "{changes:?}");
    }

    #[test]
    fn topics_follow_the_switched_on_flows() {
        let mut settings = ShopSettings::default();
        assert!(wanted_topics(&settings).contains(&"ORDERS_UPDATED"));
        settings.set("sync-orders", "off").unwrap();
        settings.set("sync-customers", "off").unwrap();
        settings.set("sync-products", "off").unwrap();
        assert_eq!(wanted_topics(&settings), vec!["APP_UNINSTALLED"], "uninstalls are always heard");
    }

    #[test]
    fn a_public_address_is_https_or_loopback_http_and_nothing_else() {
        assert_eq!(check_public_url("https://hub.example.com/").unwrap(), "https://hub.example.com");
        assert_eq!(check_public_url("https://hub.example.com/shopsync").unwrap(), "https://hub.example.com/shopsync");
        assert_eq!(check_public_url("http://127.0.0.1:8787").unwrap(), "http://127.0.0.1:8787");
        for bad in ["http://hub.example.com", "ftp://hub.example.com", "hub.example.com", "https://u:p@hub.example.com"]
        {
            let err = check_public_url(bad).unwrap_err().to_string();
            assert!(err.contains("https://hub.example.com"), "the message shows a good address: {err}");
        }
        assert_eq!(callback_url("https://hub.example.com"), "https://hub.example.com/webhooks/shopify");
    }
}
