//! Webhook subscriptions at the application boundary: set them up for every shop (or one), what a person looks
//! at to see whether Shopify's deliveries arrive ([`webhooks_overview`], [`deliveries`]), and the watch that
//! flags a shop whose deliveries stopped ([`delivery_watch`]).
//!
//! # When deliveries count as stopped
//!
//! Shopify stops delivering when the subscriptions go (the app reinstalled, someone removed them) or, after 19
//! failed attempts in 48 hours, removes them itself; the public address may also have stopped reaching serve.
//! Nothing fails on shopsync's side then: changes arrive only at the next scheduled sync, hours late. So the
//! watch compares what the deliveries should have announced with what the syncs found. A shop is flagged when
//! all of these hold:
//!
//! 1. shopsync saw topics subscribed at its own address (recorded by `webhooks sync`, serve's start and a look
//!    at the subscriptions; a shop never subscribed is not flagged: it receives no deliveries by design);
//! 2. the quiet time starts at the last delivery received, or at when those subscriptions were first seen when
//!    it is later (a repair starts the clock again);
//! 3. and either an order topic is subscribed and the store holds an order Shopify changed more than
//!    [`STOPPED_AFTER`] after the quiet time began (its delivery, seconds after the change, never came), or the
//!    quiet time is longer than [`QUIET_FOR`] and a run of a subscribed flow started in that last [`QUIET_FOR`]
//!    found changes (records created or updated).
//!
//! What to do is a [`RemedyAction::SyncWebhooks`] ("Repair subscriptions"), then a look at the public address.
//! The rule is [`judge`], a pure function; [`delivery_watch`] reads its facts (a few indexed reads per shop).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shopify_admin::ops::webhooks::WebhookSubscription;
use shopsync_core::Flow;
use shopsync_core::remedy::{RemedyAction, RemedyStep};
use shopsync_store::{Job, JobTrigger, Shop, Store, SubscriptionCheck, WebhookTopicDeliveries};

use crate::subscriptions::{SubscriptionSync, configured_callback, sync};
use crate::webhooks::WebhookWork;
use crate::{Engine, ShopContext, SyncError};

/// An order changed this long after the last delivery, with no delivery since, means deliveries stopped: its own
/// delivery arrives seconds after the change (Shopify retries a failed one within minutes at first).
pub const STOPPED_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// No delivery at all for this long while the syncs of subscribed flows found changes means deliveries stopped.
pub const QUIET_FOR: SignedDuration = SignedDuration::from_hours(24);

/// How many deliveries a page of [`deliveries`] shows.
pub const DELIVERIES_PAGE: u32 = 50;

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
        if let (Ok(done), false) = (&result, dry_run) {
            // Every topic the flows need is now subscribed at the callback: the delivery watch counts from here.
            remember_subscriptions(engine.store().as_ref(), shop.shop.id, &callback, done.topics.iter()).await?;
        }
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
    if let (Some(list), Some(callback)) = (&subscriptions, &callback) {
        let ours = list.iter().filter(|s| s.uri == *callback).map(|s| &s.topic);
        // A look is a read: a store that cannot be written (a read-only data directory) still shows it.
        if let Err(error) = remember_subscriptions(engine.store().as_ref(), shop.shop.id, callback, ours).await {
            tracing::warn!(shop = %shop.shop.domain, %error, "the subscriptions seen could not be recorded");
        }
    }
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

/// Records the topics seen subscribed at `callback`, sorted and once each, for the delivery watch.
async fn remember_subscriptions<'a>(
    store: &dyn Store,
    shop_id: i64,
    callback: &str,
    topics: impl Iterator<Item = &'a String>,
) -> Result<(), SyncError> {
    let mut topics: Vec<String> = topics.cloned().collect();
    topics.sort();
    topics.dedup();
    store.record_subscription_check(shop_id, callback, &topics).await?;
    Ok(())
}

/// One delivery as the deliveries page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub event_id: String,
    pub topic: String,
    pub received_at: String,
    /// When its work was done (its run ended well, or was handed to the queue); `None` while it waits.
    pub processed_at: Option<String>,
    /// The flow its topic runs, if any.
    pub flow: Option<Flow>,
    /// The run that covered it: the first webhook-triggered run of its flow that started after it was received
    /// (deliveries arriving during a run are covered together by the next one). `None` while none started, or
    /// when the flow was off.
    pub run: Option<Job>,
}

/// A page of a shop's deliveries, newest first, with its subscriptions and whether deliveries stopped.
#[derive(Debug, Serialize)]
pub struct DeliveriesPage {
    pub overview: WebhooksOverview,
    pub deliveries: Vec<Delivery>,
    /// Deliveries stored for the shop.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    pub pages: u32,
    pub stopped: Option<StoppedDeliveries>,
}

/// The shop's subscriptions (asked of Shopify, as [`webhooks_overview`]) and page `page` (from 1) of the
/// deliveries received, each with the run that covered it.
pub async fn deliveries(engine: &Engine, domain: &str, page: u32) -> Result<DeliveriesPage, SyncError> {
    let overview = webhooks_overview(engine, domain).await?;
    let store = engine.store();
    let shop = super::read::find_shop(store.as_ref(), &overview.shop).await?;
    let total = store.count_webhook_events(shop.id).await?;
    let pages = u32::try_from(total.div_ceil(u64::from(DELIVERIES_PAGE))).unwrap_or(u32::MAX).max(1);
    let page = page.clamp(1, pages);
    let events = store.webhook_events(shop.id, DELIVERIES_PAGE, (page - 1).saturating_mul(DELIVERIES_PAGE)).await?;
    // The runs that may cover this page: webhook runs from its oldest delivery on. Each run covers at least one
    // delivery, so the page's deliveries plus one run per flow after the newest bound what is needed.
    let runs = match events.last() {
        Some(oldest) => {
            let limit = DELIVERIES_PAGE * 2 + Flow::ALL.len() as u32;
            store.jobs_started_since(shop.id, JobTrigger::Webhook, &oldest.received_at, limit).await?
        }
        None => Vec::new(),
    };
    let deliveries = events
        .into_iter()
        .map(|event| {
            let flow = match WebhookWork::of(&event.topic) {
                WebhookWork::Flow(flow) => Some(flow),
                _ => None,
            };
            let run = flow.and_then(|flow| {
                runs.iter()
                    .find(|job| {
                        job.kind == flow.as_str()
                            && job.started_at.as_deref().is_some_and(|at| at >= event.received_at.as_str())
                    })
                    .cloned()
            });
            Delivery {
                event_id: event.event_id,
                topic: event.topic,
                received_at: event.received_at,
                processed_at: event.processed_at,
                flow,
                run,
            }
        })
        .collect();
    let settings = store.settings(shop.id).await?;
    let stopped = delivery_watch(store.as_ref(), &shop, settings.enabled, Timestamp::now()).await?;
    Ok(DeliveriesPage { overview, deliveries, total, page, pages, stopped })
}

/// A shop whose deliveries stopped, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoppedDeliveries {
    pub shop: String,
    /// The last delivery received, if any ever was.
    pub last_delivery_at: Option<String>,
    /// Since when nothing arrived (the last delivery, or when the subscriptions were first seen, the later).
    pub quiet_since: String,
    pub evidence: StopEvidence,
}

/// Why the watch says deliveries stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopEvidence {
    /// The order sync stored an order Shopify changed at `updated_at`, well after the quiet time began.
    OrderChanged { updated_at: String },
    /// A run of a subscribed flow found changes while no delivery arrived for [`QUIET_FOR`].
    SyncFoundChanges { flow: Flow, job: i64, changed: u64, started_at: String },
}

impl StoppedDeliveries {
    /// What to do: repair the subscriptions (the same as `webhooks sync` for the shop), then make sure Shopify
    /// reaches the public address.
    pub fn remedy(&self) -> RemedyStep {
        RemedyStep::act(RemedyAction::SyncWebhooks { shop: Some(self.shop.clone()) }).then_text(
            " to create or repair its subscriptions; if they were in place already, check that Shopify reaches the \
             public address (serve running behind it, the proxy forwarding /webhooks/shopify)",
        )
    }
}

/// What the watch knows of a shop, read by [`delivery_watch`].
#[derive(Debug, Clone, Default)]
pub struct WatchFacts {
    /// The subscriptions last seen at shopsync's address.
    pub subscribed: Option<SubscriptionCheck>,
    pub last_delivery_at: Option<String>,
    /// The newest order change stored (Shopify's `updatedAt`).
    pub latest_order_update: Option<String>,
    /// Recent runs of the subscribed inbound flows (any order), with their summaries.
    pub recent_runs: Vec<Job>,
}

/// The flow a topic runs, whether written as a delivery names it (`orders/create`) or as a subscription does
/// (Shopify's `ORDERS_CREATE`, whose `_` may stand for the `/` or be part of a word: each place is tried).
fn topic_flow(topic: &str) -> Option<Flow> {
    let flow = |topic: &str| match WebhookWork::of(topic) {
        WebhookWork::Flow(flow) => Some(flow),
        _ => None,
    };
    if topic.contains('/') {
        return flow(topic);
    }
    let lower = topic.to_ascii_lowercase();
    lower.match_indices('_').find_map(|(at, _)| flow(&format!("{}/{}", &lower[..at], &lower[at + 1..])))
}

/// The flows a set of subscribed topics triggers.
fn subscribed_flows(topics: &[String]) -> Vec<Flow> {
    let mut flows = Vec::new();
    for topic in topics {
        if let Some(flow) = topic_flow(topic)
            && !flows.contains(&flow)
        {
            flows.push(flow);
        }
    }
    flows
}

/// Records a run created or updated, read from its summary (a `FlowSummary` as JSON; a field it lacks is 0).
fn changed_records(summary: &str) -> u64 {
    let summary: serde_json::Value = serde_json::from_str(summary).unwrap_or_default();
    let count = |field: &str| summary.get(field).and_then(serde_json::Value::as_u64).unwrap_or(0);
    count("created") + count("updated")
}

/// The rule of the module's documentation, on facts already read: `Some` when the shop's deliveries stopped.
pub fn judge(shop: &str, facts: &WatchFacts, now: Timestamp) -> Option<StoppedDeliveries> {
    let subscribed = facts.subscribed.as_ref().filter(|check| !check.topics.is_empty())?;
    let since: Timestamp = subscribed.since.parse().ok()?;
    let last: Option<Timestamp> = facts.last_delivery_at.as_deref().and_then(|at| at.parse().ok());
    let quiet_since = last.map_or(since, |last| last.max(since));
    let flows = subscribed_flows(&subscribed.topics);
    let stopped = |evidence| StoppedDeliveries {
        shop: shop.to_string(),
        last_delivery_at: facts.last_delivery_at.clone(),
        quiet_since: quiet_since.to_string(),
        evidence,
    };
    if flows.contains(&Flow::Orders)
        && let Some(text) = facts.latest_order_update.as_deref()
        && let Ok(changed) = text.parse::<Timestamp>()
        && changed > quiet_since + STOPPED_AFTER
    {
        return Some(stopped(StopEvidence::OrderChanged { updated_at: text.to_string() }));
    }
    if now.duration_since(quiet_since) > QUIET_FOR {
        let window = now - QUIET_FOR;
        for job in &facts.recent_runs {
            let Some(started) = job.started_at.as_deref().and_then(|at| at.parse::<Timestamp>().ok()) else {
                continue;
            };
            let Ok(flow) = job.kind.parse::<Flow>() else { continue };
            let changed = changed_records(&job.summary);
            if flows.contains(&flow) && started >= window && started > quiet_since && changed > 0 {
                return Some(stopped(StopEvidence::SyncFoundChanges {
                    flow,
                    job: job.id,
                    changed,
                    started_at: job.started_at.clone().unwrap_or_default(),
                }));
            }
        }
    }
    None
}

/// Whether the shop's deliveries stopped ([`judge`] on the facts read here). `enabled`: a disabled shop syncs
/// nothing and is not watched.
pub async fn delivery_watch(
    store: &dyn Store,
    shop: &Shop,
    enabled: bool,
    now: Timestamp,
) -> Result<Option<StoppedDeliveries>, SyncError> {
    if !enabled {
        return Ok(None);
    }
    let Some(subscribed) = store.subscription_check(shop.id).await?.filter(|check| !check.topics.is_empty()) else {
        return Ok(None);
    };
    let last_delivery_at = store.webhook_events(shop.id, 1, 0).await?.into_iter().next().map(|e| e.received_at);
    let flows = subscribed_flows(&subscribed.topics);
    let latest_order_update =
        if flows.contains(&Flow::Orders) { store.latest_order_update(shop.id).await? } else { None };
    let quiet_long = [Some(subscribed.since.as_str()), last_delivery_at.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|at| at.parse::<Timestamp>().ok())
        .max()
        .is_some_and(|quiet_since| now.duration_since(quiet_since) > QUIET_FOR);
    let mut facts =
        WatchFacts { subscribed: Some(subscribed), last_delivery_at, latest_order_update, recent_runs: Vec::new() };
    // The second test needs the recent runs: read only when the shop has been quiet long enough for it.
    if !quiet_long {
        return Ok(judge(&shop.domain, &facts, now));
    }
    for flow in flows.iter().filter(|flow| matches!(flow, Flow::Orders | Flow::Customers)) {
        facts.recent_runs.extend(store.jobs(shop.id, Some(flow.as_str()), 20).await?);
    }
    Ok(judge(&shop.domain, &facts, now))
}

#[cfg(test)]
mod tests {
    use shopsync_store::JobStatus;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn subscribed(topics: &[&str], since: &str) -> Option<SubscriptionCheck> {
        Some(SubscriptionCheck {
            callback: "https://hub.example/webhooks/shopify".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            since: since.into(),
        })
    }

    fn run(id: i64, kind: &str, started_at: &str, summary: &str) -> Job {
        Job {
            id,
            shop_id: 1,
            kind: kind.into(),
            trigger: JobTrigger::Schedule,
            status: JobStatus::Succeeded,
            queued_at: started_at.into(),
            started_at: Some(started_at.into()),
            finished_at: Some(started_at.into()),
            heartbeat_at: None,
            summary: summary.into(),
            error: None,
            host: None,
            pid: None,
            process_start: None,
        }
    }

    const NOW: &str = "2026-12-03T12:00:00Z";

    #[test]
    fn recent_orders_without_deliveries_since_the_subscriptions_are_flagged() {
        let facts = WatchFacts {
            subscribed: subscribed(
                &["APP_UNINSTALLED", "ORDERS_CREATE", "ORDERS_UPDATED"],
                "2026-12-03T08:00:00.000000Z",
            ),
            last_delivery_at: None,
            latest_order_update: Some("2026-12-03T11:30:00.000000Z".into()),
            recent_runs: Vec::new(),
        };
        let stopped = judge("a.myshopify.com", &facts, at(NOW)).expect("flagged");
        assert_eq!(stopped.evidence, StopEvidence::OrderChanged { updated_at: "2026-12-03T11:30:00.000000Z".into() });
        assert_eq!(stopped.quiet_since, "2026-12-03T08:00:00Z");
        let remedy = stopped.remedy();
        assert!(remedy.parts.iter().any(|part| matches!(part,
            shopsync_core::remedy::StepPart::Action(RemedyAction::SyncWebhooks { shop: Some(shop) }) if shop == "a.myshopify.com")));
    }

    #[test]
    fn topics_map_to_their_flows_as_deliveries_and_subscriptions_write_them() {
        assert_eq!(topic_flow("orders/updated"), Some(Flow::Orders));
        assert_eq!(topic_flow("ORDERS_UPDATED"), Some(Flow::Orders));
        assert_eq!(topic_flow("CUSTOMERS_CREATE"), Some(Flow::Customers));
        assert_eq!(topic_flow("PRODUCTS_DELETE"), Some(Flow::Products));
        assert_eq!(topic_flow("APP_UNINSTALLED"), None);
        assert_eq!(topic_flow("INVENTORY_LEVELS_UPDATE"), None);
    }

    #[test]
    fn a_recent_delivery_is_not_flagged() {
        let facts = WatchFacts {
            subscribed: subscribed(&["orders/updated"], "2026-12-01T08:00:00.000000Z"),
            last_delivery_at: Some("2026-12-03T11:29:00.000000Z".into()),
            latest_order_update: Some("2026-12-03T11:30:00.000000Z".into()),
            recent_runs: vec![run(7, "orders", "2026-12-03T11:31:00.000000Z", r#"{"created":3}"#)],
        };
        assert_eq!(judge("a.myshopify.com", &facts, at(NOW)), None);
    }

    #[test]
    fn a_shop_without_subscriptions_is_not_flagged() {
        let facts = WatchFacts {
            subscribed: None,
            last_delivery_at: None,
            latest_order_update: Some("2026-12-03T11:30:00.000000Z".into()),
            recent_runs: vec![run(7, "orders", "2026-12-03T11:31:00.000000Z", r#"{"created":3}"#)],
        };
        assert_eq!(judge("a.myshopify.com", &facts, at(NOW)), None);
        let none_at_ours = WatchFacts { subscribed: subscribed(&[], "2026-11-01T00:00:00.000000Z"), ..facts };
        assert_eq!(judge("a.myshopify.com", &none_at_ours, at(NOW)), None, "subscribed elsewhere only");
    }

    #[test]
    fn an_order_changed_within_the_grace_after_the_last_delivery_is_not_enough() {
        let facts = WatchFacts {
            subscribed: subscribed(&["orders/updated"], "2026-12-01T08:00:00.000000Z"),
            last_delivery_at: Some("2026-12-03T11:00:00.000000Z".into()),
            latest_order_update: Some("2026-12-03T11:59:00.000000Z".into()),
            recent_runs: Vec::new(),
        };
        assert_eq!(judge("a.myshopify.com", &facts, at(NOW)), None, "within STOPPED_AFTER of the last delivery");
    }

    #[test]
    fn a_day_without_deliveries_while_a_subscribed_flow_found_changes_is_flagged() {
        let facts = WatchFacts {
            subscribed: subscribed(&["CUSTOMERS_UPDATE"], "2026-11-20T00:00:00.000000Z"),
            last_delivery_at: Some("2026-12-02T06:00:00.000000Z".into()),
            latest_order_update: None,
            recent_runs: vec![
                run(8, "customers", "2026-12-03T09:00:00.000000Z", r#"{"created":0,"updated":0}"#),
                run(9, "products", "2026-12-03T10:00:00.000000Z", r#"{"updated":5}"#),
                run(10, "customers", "2026-12-03T10:30:00.000000Z", r#"{"updated":2}"#),
            ],
        };
        let stopped = judge("a.myshopify.com", &facts, at(NOW)).expect("flagged");
        assert_eq!(
            stopped.evidence,
            StopEvidence::SyncFoundChanges {
                flow: Flow::Customers,
                job: 10,
                changed: 2,
                started_at: "2026-12-03T10:30:00.000000Z".into()
            }
        );
        let quiet_for_less = WatchFacts { last_delivery_at: Some("2026-12-02T13:00:00.000000Z".into()), ..facts };
        assert_eq!(judge("a.myshopify.com", &quiet_for_less, at(NOW)), None, "quiet for less than a day");
    }
}
