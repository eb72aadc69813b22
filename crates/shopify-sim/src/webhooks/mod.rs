//! Webhooks: subscriptions made through the Admin API, and delivery of the store's changes to
//! them with Shopify's headers, HMAC signature, retries and (on demand) duplicate and
//! out-of-order deliveries.
//!
//! Every change to the store is recorded with [`Store::record`](crate::store::Store::record)
//! (`products/update`, `inventory_levels/update` ...). A background task reads that feed, and for
//! each subscription of the change's topic builds the REST-shaped body (see [`bodies`]), signs it
//! (`X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the raw body with the app's client secret) and
//! POSTs it. One change is one event: every delivery of it carries the same `X-Shopify-Event-Id`;
//! each delivery has its own `X-Shopify-Webhook-Id`, kept across its retries.
//!
//! **Where the simulator delivers.** It never calls other hosts: only `http` or `https` callback
//! URLs on `127.0.0.1`, `localhost` or `[::1]` receive deliveries. Other addresses are accepted
//! when the subscription is made (as Shopify would) but their deliveries are logged as
//! `undeliverable` and never sent; so are Pub/Sub and EventBridge endpoints and the XML format.
//! Unlike Shopify, which requires `https`, plain `http` is accepted for loopback callbacks so that
//! tests can listen without a certificate (`http` to any other host is refused as Shopify refuses
//! it). For `https` callbacks the simulator does not check the receiver's certificate: a loopback
//! receiver in a test has a self-signed one.
//!
//! **Retries.** A delivery succeeds on any 2xx answer within the timeouts (1 s to connect, 5 s in
//! all). Otherwise it is retried with exponential backoff up to [`WebhookConfig::max_attempts`]
//! attempts (Shopify: 8 attempts over 4 hours; the simulator compresses the schedule, see
//! [`WebhookConfig::first_retry_delay_ms`]). When the last attempt fails, the subscription is
//! deleted, as Shopify deletes Admin-API subscriptions after 8 consecutive failures.
//!
//! **Faults.** [`WebhookConfig::duplicate_rate`] sends a delivered event a second time (same event
//! id, new webhook id); [`WebhookConfig::out_of_order_rate`] holds a delivery back until the next
//! delivery to the same subscription has been attempted, so the two arrive swapped. Decisions come
//! from a seeded generator, so a test sees the same sequence on every run.
//!
//! The delivery log is on the control surface: [`SimControl::deliveries`] and
//! `GET /_sim/webhooks/deliveries`.

pub mod bodies;
mod delivery;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use axum::Json as JsonBody;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use jiff::Timestamp;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tokio::sync::{Notify, oneshot, watch};

use crate::control::SimControl;
use crate::gid;
use crate::rng::SplitMix64;
use crate::search::{Query, Searchable, Term};
use crate::state::SimState;
use crate::store::format_time;

/// How the simulator delivers webhooks. Part of [`SimConfig`](crate::SimConfig) and changeable at
/// runtime ([`SimControl::set_webhook_config`], `PUT /_sim/webhooks/config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookConfig {
    /// Attempts per delivery before it is given up (Shopify: 8).
    pub max_attempts: u32,
    /// Wait before the first retry; each further retry waits twice as long. Shopify spreads its
    /// 8 attempts over 4 hours (about 113 s before the first retry); the default of 100 ms is that
    /// schedule compressed about a thousand times, so all attempts take under 15 s.
    pub first_retry_delay_ms: u64,
    /// Upper bound of one wait between attempts.
    pub max_retry_delay_ms: u64,
    /// Probability (0.0 to 1.0) that a delivered event is delivered a second time.
    pub duplicate_rate: f64,
    /// Probability (0.0 to 1.0) that a delivery is held back until the next delivery to the same
    /// subscription has been attempted.
    pub out_of_order_rate: f64,
    /// How long a held delivery waits for a later one before it goes anyway.
    pub out_of_order_hold_ms: u64,
    /// Seed of the duplicate and out-of-order decisions.
    pub seed: u64,
    /// Delete the subscription when a delivery fails its last attempt (Shopify does).
    pub delete_subscription_after_final_failure: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            max_attempts: 8,
            first_retry_delay_ms: 100,
            max_retry_delay_ms: 10_000,
            duplicate_rate: 0.0,
            out_of_order_rate: 0.0,
            out_of_order_hold_ms: 2_000,
            seed: 0,
            delete_subscription_after_final_failure: true,
        }
    }
}

/// Where a subscription sends its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Endpoint {
    /// An HTTP(S) callback URL.
    Http { callback_url: String },
    /// Google Cloud Pub/Sub (`pubsub://project:topic`); never delivered by the simulator.
    PubSub { project: String, topic: String },
    /// Amazon EventBridge (an `arn:aws:events:` ARN); never delivered by the simulator.
    EventBridge { arn: String },
}

impl Endpoint {
    /// Reads an address as given in `callbackUrl` or `uri`.
    pub fn parse(address: &str) -> Option<Endpoint> {
        let address = address.trim();
        if let Some(rest) = address.strip_prefix("pubsub://") {
            let (project, topic) = rest.split_once(':')?;
            return (!project.is_empty() && !topic.is_empty())
                .then(|| Endpoint::PubSub { project: project.to_string(), topic: topic.to_string() });
        }
        if address.starts_with("arn:aws:events:") {
            return Some(Endpoint::EventBridge { arn: address.to_string() });
        }
        let url = url::Url::parse(address).ok()?;
        (matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .then(|| Endpoint::Http { callback_url: address.to_string() })
    }

    /// The address as the API shows it (`uri`).
    pub fn uri(&self) -> String {
        match self {
            Endpoint::Http { callback_url } => callback_url.clone(),
            Endpoint::PubSub { project, topic } => format!("pubsub://{project}:{topic}"),
            Endpoint::EventBridge { arn } => arn.clone(),
        }
    }

    /// The loopback URL deliveries go to; `None` when the simulator will not call this endpoint.
    pub fn loopback_url(&self) -> Option<url::Url> {
        let Endpoint::Http { callback_url } = self else {
            return None;
        };
        let url = url::Url::parse(callback_url).ok()?;
        is_loopback(&url).then_some(url)
    }
}

/// Whether a URL points at this machine (the only place the simulator sends requests to).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// One webhook subscription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookSubscription {
    pub id: u64,
    /// The topic in REST form, e.g. `orders/create`.
    pub topic: String,
    pub endpoint: Endpoint,
    /// `JSON` or `XML`.
    pub format: String,
    /// Top-level body fields to send; all when empty.
    pub include_fields: Vec<String>,
    pub metafield_namespaces: Vec<String>,
    /// A search-syntax filter on the body (`variants.price:>=10`); every event when `None`.
    pub filter: Option<String>,
    /// The API version bodies are serialized for (the version the subscription was made with).
    pub api_version: String,
    /// Sent as `X-Shopify-Name`. The Admin API has no input for it (names come from an app's
    /// configuration file); [`SimControl::add_webhook_subscription`] sets it.
    pub name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Changes recorded up to this sequence number happened before the subscription existed.
    #[serde(skip)]
    pub(crate) after_change: u64,
}

impl WebhookSubscription {
    /// The topic as the GraphQL enum names it (`ORDERS_CREATE`).
    pub fn topic_enum(&self) -> String {
        topic_enum(&self.topic)
    }
}

/// The webhook subscriptions of the shop (a table of the [`Store`](crate::store::Store)).
#[derive(Debug, Clone)]
pub struct Subscriptions {
    pub items: BTreeMap<u64, WebhookSubscription>,
    next_id: u64,
    /// Wakes the delivery task when a change is recorded.
    pub(crate) signal: Arc<Notify>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions { items: BTreeMap::new(), next_id: FIRST_SUBSCRIPTION_ID, signal: Arc::new(Notify::new()) }
    }
}

/// Subscription ids start high, like Shopify's.
const FIRST_SUBSCRIPTION_ID: u64 = 1_310_000_000;

impl Subscriptions {
    /// Allocates a subscription id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Tells the delivery task that the change feed has grown.
    pub fn wake(&self) {
        self.signal.notify_one();
    }

    /// The subscription of a topic with the same address, if any (Shopify allows one).
    pub fn find(&self, topic: &str, uri: &str) -> Option<&WebhookSubscription> {
        self.items.values().find(|subscription| subscription.topic == topic && subscription.endpoint.uri() == uri)
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt (or held back to be delivered out of order).
    Pending,
    /// An attempt failed; another one is scheduled.
    Retrying,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed.
    Failed,
    /// Not sent: the endpoint is not a loopback HTTP(S) URL, or the format is XML.
    Undeliverable,
}

/// One delivery as the log shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// `X-Shopify-Webhook-Id` (the same for every attempt of this delivery).
    pub webhook_id: String,
    /// `X-Shopify-Event-Id` (the same for every delivery of one event).
    pub event_id: String,
    /// The subscription's GID.
    pub subscription_id: String,
    pub topic: String,
    /// The endpoint address.
    pub address: String,
    pub api_version: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The HTTP status of the last attempt, when one was answered.
    pub last_response_status: Option<u16>,
    /// Why the last attempt failed (or why the delivery is undeliverable).
    pub last_error: Option<String>,
    /// A second delivery of an event sent by the duplicate fault.
    pub duplicate: bool,
    /// Held back by the out-of-order fault.
    pub reordered: bool,
    /// `X-Shopify-Triggered-At`: when the change happened.
    pub triggered_at: String,
    /// When the 2xx answer came.
    pub delivered_at: Option<String>,
}

/// The delivery machinery of one simulator (in [`SimState`]).
pub(crate) struct WebhookRuntime {
    pub(crate) config: Mutex<WebhookConfig>,
    pub(crate) decisions: Mutex<SplitMix64>,
    pub(crate) log: Mutex<DeliveryLog>,
    /// Per subscription: the release of a delivery held back for reordering.
    held: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    client: Option<reqwest::Client>,
}

impl WebhookRuntime {
    pub(crate) fn new(config: WebhookConfig) -> Self {
        WebhookRuntime {
            decisions: Mutex::new(SplitMix64::new(config.seed)),
            config: Mutex::new(config),
            log: Mutex::new(DeliveryLog::default()),
            held: Mutex::new(HashMap::new()),
            client: delivery::client(),
        }
    }

    pub(crate) fn config(&self) -> WebhookConfig {
        self.config.lock().clone()
    }
}

/// The delivery log, bounded: the oldest records go first.
#[derive(Default)]
pub(crate) struct DeliveryLog {
    pub(crate) records: VecDeque<DeliveryRecord>,
    /// Sequence number of `records[0]`.
    pub(crate) first: u64,
}

/// How many deliveries the log keeps.
const DELIVERY_LOG_CAPACITY: usize = 10_000;

impl DeliveryLog {
    fn push(&mut self, record: DeliveryRecord) -> u64 {
        if self.records.len() >= DELIVERY_LOG_CAPACITY {
            self.records.pop_front();
            self.first += 1;
        }
        self.records.push_back(record);
        self.first + self.records.len() as u64 - 1
    }

    fn get_mut(&mut self, sequence: u64) -> Option<&mut DeliveryRecord> {
        let index = sequence.checked_sub(self.first)?;
        self.records.get_mut(usize::try_from(index).ok()?)
    }
}

/// One delivery ready to be sent.
pub(crate) struct Delivery {
    log_sequence: u64,
    subscription_id: u64,
    topic: String,
    url: url::Url,
    api_version: String,
    name: Option<String>,
    webhook_id: String,
    event_id: String,
    triggered_at: String,
    body: bytes::Bytes,
    duplicate: bool,
}

/// Runs until `shutdown` turns true: reads the change feed and dispatches deliveries.
pub(crate) async fn run(state: Arc<SimState>, mut shutdown: watch::Receiver<bool>) {
    let (signal, mut processed) = {
        let store = state.store.read();
        (store.webhooks.signal.clone(), store.changes_recorded)
    };
    loop {
        let woken = signal.notified();
        let deliveries = collect(&state, &mut processed);
        for delivery in deliveries {
            dispatch(&state, delivery, &shutdown);
        }
        tokio::select! {
            _ = woken => {}
            _ = shutdown.changed() => break,
            // A safety net only: every change wakes the task.
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// A delivery found in the feed, before it is logged and sent.
struct Pending {
    subscription: WebhookSubscription,
    event_id: String,
    triggered_at: String,
    body: Option<bytes::Bytes>,
    undeliverable: Option<String>,
}

/// Turns the changes recorded since `processed` into deliveries (one per matching subscription).
fn collect(state: &SimState, processed: &mut u64) -> Vec<Delivery> {
    let mut found: Vec<Pending> = Vec::new();
    let mut uninstalled = false;
    {
        let store = state.store.read();
        let total = store.changes_recorded;
        if total <= *processed {
            return Vec::new();
        }
        let held = store.changes.len() as u64;
        // Sequence number of `changes[0]` (changes are numbered from 1).
        let first = total + 1 - held;
        for sequence in (*processed + 1).max(first)..=total {
            let Some(change) = usize::try_from(sequence - first).ok().and_then(|index| store.changes.get(index)) else {
                continue;
            };
            if change.topic == "app/uninstalled" {
                uninstalled = true;
            }
            let subscriptions: Vec<&WebhookSubscription> = store
                .webhooks
                .items
                .values()
                .filter(|subscription| subscription.topic == change.topic && subscription.after_change < sequence)
                .collect();
            if subscriptions.is_empty() {
                continue;
            }
            let Some(body) = bodies::build(change.topic, &change.gid, &store) else {
                tracing::debug!(topic = change.topic, gid = %change.gid, "no webhook body (object gone)");
                continue;
            };
            let event_id = uuid();
            let triggered_at = change.at.to_string();
            for subscription in subscriptions {
                if let Some(filter) = &subscription.filter
                    && !Query::parse(filter).matches(&JsonSearch(&body))
                {
                    continue;
                }
                let undeliverable = undeliverable_reason(subscription);
                let body = undeliverable.is_none().then(|| {
                    let shaped = include_fields(&body, &subscription.include_fields);
                    bytes::Bytes::from(serde_json::to_vec(&shaped).unwrap_or_default())
                });
                found.push(Pending {
                    subscription: subscription.clone(),
                    event_id: event_id.clone(),
                    triggered_at: triggered_at.clone(),
                    body,
                    undeliverable,
                });
            }
        }
        *processed = total;
    }
    if uninstalled {
        // Uninstalling an app removes its subscriptions (after app/uninstalled went out).
        state.store.write().webhooks.items.clear();
    }
    let mut deliveries = Vec::new();
    let mut log = state.webhooks.log.lock();
    for pending in found {
        let subscription = &pending.subscription;
        let record = DeliveryRecord {
            webhook_id: uuid(),
            event_id: pending.event_id.clone(),
            subscription_id: gid::format("WebhookSubscription", subscription.id),
            topic: subscription.topic.clone(),
            address: subscription.endpoint.uri(),
            api_version: subscription.api_version.clone(),
            status: if pending.undeliverable.is_some() {
                DeliveryStatus::Undeliverable
            } else {
                DeliveryStatus::Pending
            },
            attempts: 0,
            last_response_status: None,
            last_error: pending.undeliverable.clone(),
            duplicate: false,
            reordered: false,
            triggered_at: pending.triggered_at.clone(),
            delivered_at: None,
        };
        let webhook_id = record.webhook_id.clone();
        let log_sequence = log.push(record);
        let (Some(body), Some(url)) = (pending.body, subscription.endpoint.loopback_url()) else {
            continue;
        };
        deliveries.push(Delivery {
            log_sequence,
            subscription_id: subscription.id,
            topic: subscription.topic.clone(),
            url,
            api_version: subscription.api_version.clone(),
            name: subscription.name.clone(),
            webhook_id,
            event_id: pending.event_id,
            triggered_at: pending.triggered_at,
            body,
            duplicate: false,
        });
    }
    deliveries
}

fn undeliverable_reason(subscription: &WebhookSubscription) -> Option<String> {
    if subscription.format != "JSON" {
        return Some(format!(
            "the simulator sends JSON bodies only; this subscription asks for {}",
            subscription.format
        ));
    }
    match &subscription.endpoint {
        Endpoint::Http { callback_url } if subscription.endpoint.loopback_url().is_none() => {
            Some(format!("the simulator only calls 127.0.0.1, localhost or [::1]; {callback_url} is never called"))
        }
        Endpoint::Http { .. } => None,
        Endpoint::PubSub { .. } => Some("Pub/Sub endpoints are not simulated".to_string()),
        Endpoint::EventBridge { .. } => Some("EventBridge endpoints are not simulated".to_string()),
    }
}

/// Decides the faults of one delivery and starts its task.
fn dispatch(state: &Arc<SimState>, delivery: Delivery, shutdown: &watch::Receiver<bool>) {
    let config = state.webhooks.config();
    let (reorder, duplicate) = {
        let mut decisions = state.webhooks.decisions.lock();
        (decisions.chance(config.out_of_order_rate), decisions.chance(config.duplicate_rate))
    };
    let subscription_id = delivery.subscription_id;
    let waiting = state.webhooks.held.lock().remove(&subscription_id);
    let (wait_for, release) = match waiting {
        // A delivery is held back for this one: this one goes first, then releases it.
        Some(release) => (None, Some(release)),
        None if reorder => {
            let (sender, receiver) = oneshot::channel();
            state.webhooks.held.lock().insert(subscription_id, sender);
            if let Some(record) = state.webhooks.log.lock().get_mut(delivery.log_sequence) {
                record.reordered = true;
            }
            (Some(receiver), None)
        }
        None => (None, None),
    };
    tokio::spawn(delivery::deliver(state.clone(), delivery, wait_for, release, duplicate, shutdown.clone()));
}

/// Keeps only the listed top-level fields (all when the list is empty).
fn include_fields(body: &Json, fields: &[String]) -> Json {
    match body {
        Json::Object(map) if !fields.is_empty() => Json::Object(
            map.iter()
                .filter(|(key, _)| fields.iter().any(|field| field == *key))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A webhook body as seen by a subscription `filter`: `field:value` terms name body fields, with
/// dots for nested ones (`variants.sku:ABC`); a term matches when any value at that path does.
struct JsonSearch<'a>(&'a Json);

impl JsonSearch<'_> {
    fn values<'v>(value: &'v Json, path: &[&str], out: &mut Vec<&'v Json>) {
        match (value, path.split_first()) {
            (Json::Array(items), _) => items.iter().for_each(|item| Self::values(item, path, out)),
            (_, None) => out.push(value),
            (Json::Object(map), Some((head, rest))) => {
                if let Some(inner) = map.get(*head) {
                    Self::values(inner, rest, out);
                }
            }
            _ => {}
        }
    }
}

impl Searchable for JsonSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let path: Vec<&str> = field.split('.').collect();
        let mut values = Vec::new();
        Self::values(self.0, &path, &mut values);
        if values.is_empty() {
            return Some(false);
        }
        Some(values.iter().any(|value| match value {
            Json::Number(number) => {
                let wanted: Option<f64> = term.value.parse().ok();
                match (number.as_f64(), wanted) {
                    (Some(actual), Some(wanted)) => compare_numbers(term, actual, wanted),
                    _ => false,
                }
            }
            Json::String(text) => match (text.parse::<f64>(), term.value.parse::<f64>()) {
                (Ok(actual), Ok(wanted)) => compare_numbers(term, actual, wanted),
                _ => match text.parse::<Timestamp>() {
                    Ok(time) if crate::search::parse_time(&term.value).is_some() => term.matches_time(time),
                    _ => term.matches_text(text),
                },
            },
            Json::Bool(flag) => term.matches_text(if *flag { "true" } else { "false" }),
            Json::Null => term.value.eq_ignore_ascii_case("null"),
            _ => false,
        }))
    }

    fn matches_text(&self, text: &str) -> bool {
        self.0.to_string().to_lowercase().contains(&text.to_lowercase())
    }
}

fn compare_numbers(term: &Term, actual: f64, wanted: f64) -> bool {
    use crate::search::Comparator;
    match term.comparator {
        Comparator::Equal => (actual - wanted).abs() < 1e-9,
        Comparator::Less => actual < wanted,
        Comparator::Greater => actual > wanted,
        Comparator::LessOrEqual => actual <= wanted,
        Comparator::GreaterOrEqual => actual >= wanted,
    }
}

/// A random UUID (version 4 layout), for webhook and event ids.
pub(crate) fn uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Resources whose name has an underscore, to split `INVENTORY_LEVELS_UPDATE` into
/// `inventory_levels/update` (names from the topic list of the `shopify-webhook-schemas` package).
const MULTI_WORD_RESOURCES: &[&str] = &[
    "app_purchases_one_time",
    "app_subscriptions",
    "audit_events",
    "bulk_operations",
    "collection_listings",
    "collection_publications",
    "company_contact_roles",
    "company_contacts",
    "company_locations",
    "customer_account_settings",
    "customer_groups",
    "customer_payment_methods",
    "customers_email_marketing_consent",
    "customers_marketing_consent",
    "customers_whats_app_marketing_consent",
    "delivery_promise_settings",
    "draft_orders",
    "finance_app_staff_member",
    "finance_kyc_information",
    "fulfillment_events",
    "fulfillment_holds",
    "fulfillment_orders",
    "inventory_items",
    "inventory_levels",
    "inventory_shipments",
    "inventory_transfers",
    "markets_backup_region",
    "metafield_definitions",
    "order_transactions",
    "payment_schedules",
    "payment_terms",
    "product_feeds",
    "product_listings",
    "product_publications",
    "reverse_deliveries",
    "reverse_fulfillment_orders",
    "scheduled_product_listings",
    "selling_plan_groups",
    "shipping_addresses",
    "subscription_billing_attempts",
    "subscription_billing_cycle_edits",
    "subscription_billing_cycles",
    "subscription_contracts",
    "tax_services",
    "tender_transactions",
];

/// `ORDERS_CREATE` → `orders/create`, `INVENTORY_LEVELS_UPDATE` → `inventory_levels/update`.
pub fn topic_from_enum(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    let resource = MULTI_WORD_RESOURCES
        .iter()
        .filter(|resource| lower.len() > resource.len() + 1 && lower.starts_with(*resource))
        .filter(|resource| lower.as_bytes()[resource.len()] == b'_')
        .max_by_key(|resource| resource.len())
        .map(|resource| resource.to_string())
        .unwrap_or_else(|| lower.split('_').next().unwrap_or_default().to_string());
    match lower.get(resource.len() + 1..) {
        Some(event) if !event.is_empty() => format!("{resource}/{event}"),
        _ => lower,
    }
}

/// `orders/create` → `ORDERS_CREATE`.
pub fn topic_enum(topic: &str) -> String {
    topic.replace(['/', '.'], "_").to_ascii_uppercase()
}

// ---------------------------------------------------------------------------------------------
// Control
// ---------------------------------------------------------------------------------------------

/// Why the control surface refused a subscription.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error(
        "`{0}` is not a webhook address: give an http(s) URL (only loopback ones are called), \
         pubsub://project:topic or an EventBridge ARN"
    )]
    InvalidAddress(String),
    #[error("{address} is already subscribed to {topic}: delete that subscription first or use another address")]
    AlreadySubscribed { address: String, topic: String },
}

/// A subscription made through the control surface (like one declared in an app's
/// configuration file, which may carry a name).
#[derive(Debug, Clone, Deserialize)]
pub struct NewSubscription {
    /// REST (`orders/create`) or enum (`ORDERS_CREATE`) form.
    pub topic: String,
    pub address: String,
    pub name: Option<String>,
    #[serde(default)]
    pub include_fields: Vec<String>,
    pub filter: Option<String>,
    /// The API version of the bodies; the newest supported one when absent.
    pub api_version: Option<String>,
}

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route(
            "/_sim/webhooks/deliveries",
            get(|State(state): State<Arc<SimState>>| async move { JsonBody(SimControl { state }.deliveries()) }),
        )
        .route(
            "/_sim/webhooks/subscriptions",
            get(|State(state): State<Arc<SimState>>| async move {
                let subscriptions: Vec<Json> = SimControl { state }
                    .webhook_subscriptions()
                    .iter()
                    .map(|subscription| {
                        serde_json::json!({
                            "id": gid::format("WebhookSubscription", subscription.id),
                            "topic": subscription.topic,
                            "address": subscription.endpoint.uri(),
                            "format": subscription.format,
                            "api_version": subscription.api_version,
                            "created_at": format_time(subscription.created_at),
                        })
                    })
                    .collect();
                JsonBody(subscriptions)
            })
            .post(
                |State(state): State<Arc<SimState>>, JsonBody(new): JsonBody<NewSubscription>| async move {
                    match (SimControl { state }).add_webhook_subscription(new) {
                        Ok(id) => (StatusCode::CREATED, JsonBody(serde_json::json!({ "id": id }))),
                        Err(error) => (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            JsonBody(serde_json::json!({ "error": error.to_string() })),
                        ),
                    }
                },
            ),
        )
        .route(
            "/_sim/webhooks/config",
            get(|State(state): State<Arc<SimState>>| async move { JsonBody(SimControl { state }.webhook_config()) })
                .put(|State(state): State<Arc<SimState>>, JsonBody(config): JsonBody<WebhookConfig>| async move {
                    let control = SimControl { state };
                    control.set_webhook_config(config);
                    JsonBody(control.webhook_config())
                }),
        )
        .route(
            "/_sim/app/uninstall",
            post(|State(state): State<Arc<SimState>>| async move {
                SimControl { state }.uninstall_app();
                StatusCode::NO_CONTENT
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_convert_between_enum_and_rest_forms() {
        assert_eq!(topic_from_enum("ORDERS_CREATE"), "orders/create");
        assert_eq!(topic_from_enum("ORDERS_PARTIALLY_FULFILLED"), "orders/partially_fulfilled");
        assert_eq!(topic_from_enum("INVENTORY_LEVELS_UPDATE"), "inventory_levels/update");
        assert_eq!(topic_from_enum("BULK_OPERATIONS_FINISH"), "bulk_operations/finish");
        assert_eq!(topic_from_enum("APP_UNINSTALLED"), "app/uninstalled");
        assert_eq!(topic_from_enum("CUSTOMERS_MARKETING_CONSENT_UPDATE"), "customers_marketing_consent/update");
        assert_eq!(topic_enum("inventory_levels/update"), "INVENTORY_LEVELS_UPDATE");
    }

    #[test]
    fn only_loopback_http_endpoints_are_called() {
        let local = Endpoint::parse("http://127.0.0.1:9/hooks").unwrap();
        assert!(local.loopback_url().is_some());
        assert!(Endpoint::parse("https://localhost/x").unwrap().loopback_url().is_some());
        assert!(Endpoint::parse("https://example.com/x").unwrap().loopback_url().is_none());
        assert_eq!(
            Endpoint::parse("pubsub://project:topic"),
            Some(Endpoint::PubSub { project: "project".into(), topic: "topic".into() })
        );
        assert_eq!(Endpoint::parse("not a url"), None);
    }

    #[test]
    fn filters_match_nested_body_fields() {
        let body = serde_json::json!({ "title": "Shirt", "variants": [{ "price": "10.00", "sku": "A" }, { "price": "25.00", "sku": "B" }] });
        let matches = |filter: &str| Query::parse(filter).matches(&JsonSearch(&body));
        assert!(matches("variants.price:>=20"));
        assert!(!matches("variants.price:>30"));
        assert!(matches("variants.sku:B AND title:shirt"));
        assert!(!matches("missing:1"));
    }
}
