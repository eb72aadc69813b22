//! Webhooks: subscriptions through the API, signed deliveries held to the topic's JSON Schema,
//! retries, duplicate and out-of-order faults, undeliverable addresses.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use sha2::Sha256;
use shopify_sim::webhooks::{DeliveryRecord, DeliveryStatus, WebhookConfig};
use shopify_sim::{SimConfig, control::StockChange};

use crate::support::{TestSim, spawn, spawn_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    /// Statuses to answer with, in order; 200 once empty.
    answers: VecDeque<u16>,
}

/// A webhook receiver on 127.0.0.1:0 that records every POST.
pub struct Receiver {
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let app = axum::Router::new()
            .route(
                "/hooks",
                axum::routing::post(
                    |State(inbox): State<Arc<Mutex<Inbox>>>, headers: HeaderMap, body: Bytes| async move {
                        let mut inbox = inbox.lock();
                        inbox.received.push(Received { headers, body });
                        StatusCode::from_u16(inbox.answers.pop_front().unwrap_or(200)).unwrap_or(StatusCode::OK)
                    },
                ),
            )
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url: format!("http://{address}/hooks"), inbox }
    }

    /// Answers the next requests with these statuses.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.inbox.lock().answers.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().received.clone()
    }

    /// Waits (at most 10 s) until `count` requests arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "only {} of {count} webhooks arrived: {received:?}", received.len());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Recomputes `X-Shopify-Hmac-Sha256` as a receiving app does.
pub fn expected_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Why a body does not match `fixtures/shopify/webhook-schemas/2026-07/<topic>.json` (formats
/// included); empty when it does.
pub fn schema_errors(topic: &str, body: &Value) -> Vec<String> {
    let path = format!("{}/../../fixtures/shopify/webhook-schemas/2026-07/{topic}.json", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("schema is JSON");
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles");
    validator.iter_errors(body).map(|error| format!("{error} at {}", error.instance_path())).collect()
}

/// Asserts a body matches its topic's schema.
pub fn assert_matches_schema(topic: &str, body: &Value) {
    let errors = schema_errors(topic, body);
    assert!(errors.is_empty(), "{topic} body does not match its schema:\n{}\n{body:#}", errors.join("\n"));
}

/// REST fields Shopify sends as `null` when empty although the inferred schemas (built from
/// examples where they were filled in) type them as strings: address parts, notes, user agents.
const NULLABLE_REST_FIELDS: &[&str] =
    &["address2", "company", "phone", "province", "province_code", "note", "user_agent"];

/// Like [`assert_matches_schema`], tolerating only [`NULLABLE_REST_FIELDS`] as `null`.
fn assert_matches_schema_but_nullable_fields(topic: &str, body: &Value) {
    let remaining: Vec<String> = schema_errors(topic, body)
        .into_iter()
        .filter(|error| {
            !(error.starts_with("null is not of type")
                && NULLABLE_REST_FIELDS.iter().any(|field| error.ends_with(&format!("/{field}"))))
        })
        .collect();
    assert!(remaining.is_empty(), "{topic} body does not match its schema:\n{}\n{body:#}", remaining.join("\n"));
}

/// Waits (at most 10 s) until the delivery log satisfies `done`.
pub async fn wait_for_log(t: &TestSim, done: impl Fn(&[DeliveryRecord]) -> bool) -> Vec<DeliveryRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = t.sim.control().deliveries();
        if done(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "delivery log never got there: {log:#?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const CREATE: &str = r#"
mutation Subscribe($topic: WebhookSubscriptionTopic!, $input: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $input) {
    webhookSubscription {
      id
      topic
      format
      includeFields
      filter
      apiVersion { handle }
      uri
    }
    userErrors { field message }
  }
}
"#;

pub async fn subscribe(t: &TestSim, topic: &str, input: Value) -> Value {
    let body = t.gql(CREATE, json!({ "topic": topic, "input": input })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["webhookSubscriptionCreate"].clone()
}

const TAGS_ADD: &str = r#"
mutation Tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }
"#;

fn first_product(t: &TestSim) -> String {
    t.sim.control().products()[0].id.clone()
}

fn quick_retries(max_attempts: u32) -> WebhookConfig {
    WebhookConfig { max_attempts, first_retry_delay_ms: 10, max_retry_delay_ms: 40, ..WebhookConfig::default() }
}

#[tokio::test]
async fn webhook_subscriptions_are_created_listed_found_and_deleted() {
    let t = spawn().await;
    let receiver_url = "https://127.0.0.1:9/hooks";
    let created = subscribe(&t, "ORDERS_CREATE", json!({ "callbackUrl": receiver_url, "format": "JSON" })).await;
    assert_eq!(created["userErrors"], json!([]));
    let subscription = &created["webhookSubscription"];
    assert_eq!(subscription["topic"], "ORDERS_CREATE");
    assert_eq!(subscription["format"], "JSON");
    assert_eq!(subscription["apiVersion"]["handle"], crate::support::VERSION);
    assert_eq!(subscription["uri"], receiver_url);
    let id = subscription["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("gid://shopify/WebhookSubscription/"));

    let second = subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver_url })).await;
    assert_eq!(second["userErrors"], json!([]));

    // Shopify's refusals.
    let taken = subscribe(&t, "ORDERS_CREATE", json!({ "callbackUrl": receiver_url })).await;
    assert_eq!(taken["webhookSubscription"], Value::Null);
    assert_eq!(taken["userErrors"][0]["message"], "Address for this topic has already been taken");
    let invalid = subscribe(&t, "ORDERS_CREATE", json!({ "callbackUrl": "not a url" })).await;
    assert_eq!(
        invalid["userErrors"],
        json!([{ "field": ["webhookSubscription", "callbackUrl"], "message": "Address is invalid" }])
    );
    let plain = subscribe(&t, "ORDERS_CREATE", json!({ "callbackUrl": "http://example.com/hooks" })).await;
    assert_eq!(plain["userErrors"][0]["message"], "Address protocol http:// is not supported");

    let listed = t
        .gql(
            r#"query Subs($topics: [WebhookSubscriptionTopic!]) {
                 webhookSubscriptions(first: 10, topics: $topics) {
                   nodes { id topic uri }
                   pageInfo { hasNextPage }
                 }
                 all: webhookSubscriptions(first: 10) { nodes { topic } }
                 webhookSubscriptionsCount { count }
               }"#,
            json!({ "topics": ["ORDERS_CREATE"] }),
        )
        .await;
    assert_eq!(
        listed["data"]["webhookSubscriptions"]["nodes"],
        json!([{ "id": id, "topic": "ORDERS_CREATE", "uri": receiver_url }])
    );
    assert_eq!(listed["data"]["all"]["nodes"], json!([{ "topic": "ORDERS_CREATE" }, { "topic": "PRODUCTS_UPDATE" }]));
    assert_eq!(listed["data"]["webhookSubscriptionsCount"]["count"], 2);

    let found = t
        .gql(
            "query One($id: ID!) { webhookSubscription(id: $id) { id } node(id: $id) { ... on WebhookSubscription { topic } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(found["data"], json!({ "webhookSubscription": { "id": id }, "node": { "topic": "ORDERS_CREATE" } }));

    let delete = "mutation Delete($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }";
    let deleted = t.gql(delete, json!({ "id": id })).await;
    assert_eq!(
        deleted["data"]["webhookSubscriptionDelete"],
        json!({ "deletedWebhookSubscriptionId": id, "userErrors": [] })
    );
    let again = t.gql(delete, json!({ "id": id })).await;
    assert_eq!(
        again["data"]["webhookSubscriptionDelete"],
        json!({ "deletedWebhookSubscriptionId": null, "userErrors": [{ "field": ["id"], "message": "Webhook subscription does not exist" }] })
    );
    assert_eq!(t.sim.control().webhook_subscriptions().len(), 1);
}

#[tokio::test]
async fn a_change_delivers_a_signed_webhook_whose_body_matches_the_topic_schema() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    subscribe(&t, "INVENTORY_LEVELS_UPDATE", json!({ "callbackUrl": receiver.url })).await;

    let product = first_product(&t);
    let tagged = t.gql(TAGS_ADD, json!({ "id": product, "tags": ["webhook-test"] })).await;
    assert_eq!(tagged["data"]["tagsAdd"]["userErrors"], json!([]));
    let product_webhook = receiver.wait_for(1).await.remove(0);

    assert_eq!(product_webhook.header("x-shopify-topic"), "products/update");
    assert_eq!(product_webhook.header("x-shopify-shop-domain"), t.sim.shop_domain());
    assert_eq!(product_webhook.header("x-shopify-api-version"), crate::support::VERSION);
    assert_eq!(product_webhook.header("content-type"), "application/json");
    assert_eq!(product_webhook.header("x-shopify-webhook-id").len(), 36);
    assert_eq!(product_webhook.header("x-shopify-event-id").len(), 36);
    assert!(product_webhook.header("x-shopify-triggered-at").parse::<jiff::Timestamp>().is_ok());
    assert!(product_webhook.headers.get("x-shopify-name").is_none(), "API-made subscriptions have no name");
    assert_eq!(
        product_webhook.header("x-shopify-hmac-sha256"),
        expected_hmac(t.sim.client_secret().expose_secret(), &product_webhook.body),
        "the HMAC is the base64 HMAC-SHA256 of the raw body with the client secret"
    );
    let body = product_webhook.json();
    assert_eq!(body["admin_graphql_api_id"], product);
    assert!(body["tags"].as_str().unwrap().contains("webhook-test"));
    assert_matches_schema("products/update", &body);

    let sku = t.sim.control().products()[0].variants[0].sku.clone().unwrap();
    t.sim
        .control()
        .set_stock(&StockChange {
            sku: Some(sku),
            inventory_item_id: None,
            location_id: None,
            name: None,
            quantity: 17,
        })
        .unwrap();
    let level = receiver.wait_for(2).await.remove(1);
    assert_eq!(level.header("x-shopify-topic"), "inventory_levels/update");
    assert_eq!(
        level.header("x-shopify-hmac-sha256"),
        expected_hmac(t.sim.client_secret().expose_secret(), &level.body)
    );
    let body = level.json();
    assert_eq!(body["available"], 17);
    assert_matches_schema("inventory_levels/update", &body);

    let log = t.sim.control().deliveries();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|record| record.status == DeliveryStatus::Delivered && record.attempts == 1), "{log:#?}");
    assert_eq!(log[0].webhook_id, product_webhook.header("x-shopify-webhook-id"));
    assert_eq!(log[0].event_id, product_webhook.header("x-shopify-event-id"));

    // The log is on the control surface too.
    let over_http: Value =
        reqwest::get(format!("{}/_sim/webhooks/deliveries", t.sim.base_url())).await.unwrap().json().await.unwrap();
    assert_eq!(over_http[1]["topic"], "inventory_levels/update");
    assert_eq!(over_http[1]["status"], "delivered");
}

#[tokio::test]
async fn changes_before_a_subscription_existed_are_not_delivered() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    let product = first_product(&t);
    t.gql(TAGS_ADD, json!({ "id": product, "tags": ["before"] })).await;
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    t.gql(TAGS_ADD, json!({ "id": product, "tags": ["after"] })).await;
    let received = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.received().len(), 1);
    assert!(received[0].json()["tags"].as_str().unwrap().contains("after"));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_webhook_and_event_ids() {
    let t = spawn_with(SimConfig { webhooks: quick_retries(8), ..SimConfig::default() }).await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[500, 503]);
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["retry"] })).await;

    let received = receiver.wait_for(3).await;
    let ids: Vec<(&str, &str)> =
        received.iter().map(|r| (r.header("x-shopify-webhook-id"), r.header("x-shopify-event-id"))).collect();
    assert!(ids.iter().all(|pair| *pair == ids[0]), "retries keep both ids: {ids:?}");
    assert_eq!(received[0].body, received[2].body, "the original payload is retried");
    let log = wait_for_log(&t, |log| log.first().is_some_and(|r| r.status == DeliveryStatus::Delivered)).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].attempts, 3);
    assert_eq!(log[0].last_response_status, Some(200));
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_gives_up_and_removes_the_subscription() {
    let t = spawn_with(SimConfig { webhooks: quick_retries(3), ..SimConfig::default() }).await;
    let receiver = Receiver::start().await;
    receiver.answer_with(&[500, 500, 500, 500]);
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["doomed"] })).await;

    let log = wait_for_log(&t, |log| log.first().is_some_and(|r| r.status == DeliveryStatus::Failed)).await;
    assert_eq!(log[0].attempts, 3);
    assert_eq!(log[0].last_error.as_deref(), Some("the receiver answered HTTP 500"));
    assert_eq!(receiver.received().len(), 3);
    assert!(t.sim.control().webhook_subscriptions().is_empty(), "Shopify removes a subscription that keeps failing");
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_and_logged_as_failed() {
    let t = spawn_with(SimConfig { webhooks: quick_retries(2), ..SimConfig::default() }).await;
    // A port nobody listens on: connecting fails at once.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": format!("http://{unused}/hooks") })).await;
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["nobody"] })).await;
    let log = wait_for_log(&t, |log| log.first().is_some_and(|r| r.status == DeliveryStatus::Failed)).await;
    assert_eq!(log[0].attempts, 2);
    assert!(log[0].last_error.as_deref().unwrap().starts_with("cannot connect"), "{:?}", log[0].last_error);
}

#[tokio::test]
async fn the_duplicate_fault_delivers_the_same_event_twice() {
    let config = WebhookConfig { duplicate_rate: 1.0, ..WebhookConfig::default() };
    let t = spawn_with(SimConfig { webhooks: config, ..SimConfig::default() }).await;
    let receiver = Receiver::start().await;
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["twice"] })).await;

    let received = receiver.wait_for(2).await;
    assert_eq!(received[0].header("x-shopify-event-id"), received[1].header("x-shopify-event-id"));
    assert_ne!(received[0].header("x-shopify-webhook-id"), received[1].header("x-shopify-webhook-id"));
    assert_eq!(received[0].body, received[1].body);
    let log = wait_for_log(&t, |log| log.len() == 2 && log.iter().all(|r| r.status == DeliveryStatus::Delivered)).await;
    assert_eq!(log.iter().filter(|record| record.duplicate).count(), 1);
}

#[tokio::test]
async fn the_out_of_order_fault_delivers_a_later_event_first() {
    let config = WebhookConfig { out_of_order_rate: 1.0, ..WebhookConfig::default() };
    let t = spawn_with(SimConfig { webhooks: config, ..SimConfig::default() }).await;
    let receiver = Receiver::start().await;
    subscribe(&t, "INVENTORY_LEVELS_UPDATE", json!({ "callbackUrl": receiver.url })).await;
    let sku = t.sim.control().products()[0].variants[0].sku.clone().unwrap();
    for quantity in [5, 7] {
        let change =
            StockChange { sku: Some(sku.clone()), inventory_item_id: None, location_id: None, name: None, quantity };
        t.sim.control().set_stock(&change).unwrap();
        // Two separate events, each read from the feed on its own.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = receiver.wait_for(2).await;
    let quantities: Vec<i64> = received.iter().map(|r| r.json()["available"].as_i64().unwrap()).collect();
    assert_eq!(quantities, [7, 5], "the first event was held back until the second went out");
    assert_ne!(received[0].header("x-shopify-event-id"), received[1].header("x-shopify-event-id"));
    let first_at: jiff::Timestamp = received[0].header("x-shopify-triggered-at").parse().unwrap();
    let second_at: jiff::Timestamp = received[1].header("x-shopify-triggered-at").parse().unwrap();
    assert!(first_at > second_at, "X-Shopify-Triggered-At tells the client which event is newer");
}

#[tokio::test]
async fn deliveries_to_other_hosts_are_logged_as_undeliverable_and_never_sent() {
    let t = spawn().await;
    subscribe(&t, "PRODUCTS_UPDATE", json!({ "callbackUrl": "https://hooks.example.com/shopify" })).await;
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["far"] })).await;
    let log = wait_for_log(&t, |log| !log.is_empty()).await;
    assert_eq!(log[0].status, DeliveryStatus::Undeliverable);
    assert_eq!(log[0].attempts, 0);
    assert!(log[0].last_error.as_deref().unwrap().contains("only calls 127.0.0.1"), "{:?}", log[0].last_error);
}

#[tokio::test]
async fn include_fields_and_filters_shape_what_is_delivered() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    let products = t.sim.control().products();
    let (first, second) = (&products[0], &products[1]);
    let filter = format!("id:{}", first.id.rsplit('/').next().unwrap());
    let created = subscribe(
        &t,
        "PRODUCTS_UPDATE",
        json!({ "callbackUrl": receiver.url, "includeFields": ["id", "title", "updated_at"], "filter": filter }),
    )
    .await;
    assert_eq!(created["webhookSubscription"]["includeFields"], json!(["id", "title", "updated_at"]));
    t.gql(TAGS_ADD, json!({ "id": second.id, "tags": ["filtered-out"] })).await;
    t.gql(TAGS_ADD, json!({ "id": first.id, "tags": ["kept"] })).await;
    let received = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.received().len(), 1, "the filter let only the first product through");
    let body = received[0].json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "title", "updated_at"]);
    assert_eq!(body["title"], first.title);
}

#[tokio::test]
async fn control_made_subscriptions_carry_their_name_header() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    t.sim
        .control()
        .add_webhook_subscription(shopify_sim::webhooks::NewSubscription {
            topic: "products/update".to_string(),
            address: receiver.url.clone(),
            name: Some("catalog-sync".to_string()),
            include_fields: Vec::new(),
            filter: None,
            api_version: Some("2026-07".to_string()),
        })
        .unwrap();
    t.gql(TAGS_ADD, json!({ "id": first_product(&t), "tags": ["named"] })).await;
    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].header("x-shopify-name"), "catalog-sync");
    assert_eq!(received[0].header("x-shopify-api-version"), "2026-07");
}

#[tokio::test]
async fn product_create_and_delete_bodies_match_their_schemas() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    for topic in ["PRODUCTS_CREATE", "PRODUCTS_DELETE"] {
        subscribe(&t, topic, json!({ "callbackUrl": receiver.url })).await;
    }
    let created = t
        .gql(
            r#"mutation Create($input: ProductSetInput!) {
                 productSet(input: $input, synchronous: true) { product { id } userErrors { message } }
               }"#,
            json!({ "input": {
                "title": "Webhook Boot",
                "productOptions": [{ "name": "Size", "values": [{ "name": "40" }] }],
                "variants": [{ "optionValues": [{ "optionName": "Size", "name": "40" }], "sku": "WB-40", "price": "59.00" }],
                "files": [{ "originalSource": "https://cdn.example/boot.png", "alt": "Boot", "contentType": "IMAGE" }]
            } }),
        )
        .await;
    let id = created["data"]["productSet"]["product"]["id"].as_str().unwrap().to_string();
    let create = receiver.wait_for(1).await.remove(0);
    assert_eq!(create.header("x-shopify-topic"), "products/create");
    assert_matches_schema("products/create", &create.json());
    assert_eq!(create.json()["variants"][0]["sku"], "WB-40");

    t.gql(
        "mutation Delete($input: ProductDeleteInput!) { productDelete(input: $input) { deletedProductId } }",
        json!({ "input": { "id": id } }),
    )
    .await;
    let delete = receiver.wait_for(2).await.remove(1);
    assert_eq!(delete.header("x-shopify-topic"), "products/delete");
    assert_matches_schema("products/delete", &delete.json());
    assert_eq!(delete.json()["id"].as_u64().unwrap().to_string(), id.rsplit('/').next().unwrap());
}

#[tokio::test]
async fn order_and_customer_bodies_match_their_schemas() {
    use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
    let t = spawn().await;
    let receiver = Receiver::start().await;
    let topics = ["ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED", "CUSTOMERS_CREATE"];
    for topic in topics {
        subscribe(&t, topic, json!({ "callbackUrl": receiver.url })).await;
    }
    let control = t.sim.control();
    let order = control
        .create_order(&OrderSpec {
            lines: vec![LineSpec { sku: Some("SKU-00001-1".into()), quantity: 2, ..LineSpec::default() }],
            address: AddressSpec { country: Some("DE".into()), zip: Some("10115".into()), ..AddressSpec::default() },
            email: Some("webhook.buyer@example.de".into()),
            ..OrderSpec::default()
        })
        .unwrap();
    control.cancel_order(&order.name, Some("customer")).unwrap();
    // customers/create, orders/create, orders/paid, orders/cancelled, orders/updated
    let received = receiver.wait_for(5).await;
    let mut seen = Vec::new();
    for webhook in &received {
        let topic = webhook.header("x-shopify-topic").to_string();
        assert_eq!(
            webhook.header("x-shopify-hmac-sha256"),
            expected_hmac(t.sim.client_secret().expose_secret(), &webhook.body)
        );
        assert_matches_schema_but_nullable_fields(&topic, &webhook.json());
        seen.push(topic);
    }
    seen.sort();
    assert_eq!(seen, ["customers/create", "orders/cancelled", "orders/create", "orders/paid", "orders/updated"]);
    let cancelled = received.iter().find(|webhook| webhook.header("x-shopify-topic") == "orders/cancelled").unwrap();
    assert_eq!(cancelled.json()["name"], order.name);
    assert!(cancelled.json()["cancelled_at"].is_string());
}

#[test]
fn the_schema_check_catches_a_wrong_body() {
    assert!(schema_errors("products/delete", &json!({ "id": 1 })).is_empty());
    assert!(!schema_errors("products/delete", &json!({})).is_empty(), "a missing required field");
    let level = json!({ "admin_graphql_api_id": "gid://shopify/InventoryLevel/1?inventory_item_id=2", "available": "7",
        "inventory_item_id": 2, "location_id": 1, "updated_at": "2026-01-01T00:00:00+01:00" });
    assert!(!schema_errors("inventory_levels/update", &level).is_empty(), "a string where a number belongs");
    let mut bad_time = level.clone();
    bad_time["available"] = json!(7);
    bad_time["updated_at"] = json!("yesterday");
    assert!(!schema_errors("inventory_levels/update", &bad_time).is_empty(), "formats are checked");
}
