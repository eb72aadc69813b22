//! The protocol around the data: auth, versions, request shapes, errors, cost, faults.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{BucketConfig, Faults, SimConfig};

use crate::support::{VERSION, assert_same_shape, assert_valid, fixture, spawn, spawn_with};

const SHOP_NAME: &str = "query ShopName { shop { name myshopifyDomain currencyCode } }";

#[tokio::test]
async fn json_requests_as_the_js_client_sends_them_are_served() {
    let t = spawn().await;
    // The JS client sends variables and operationName, possibly null.
    let response = t.post_json(json!({ "query": SHOP_NAME, "variables": null, "operationName": null })).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-request-id").is_some());
    assert_eq!(response.headers()["x-shopify-api-version"], VERSION);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["shop"]["myshopifyDomain"], "shopsync-demo.myshopify.com");
    assert_eq!(body["data"]["shop"]["currencyCode"], "EUR");
    assert!(body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"].is_number());

    let body: Value = t.post_json(json!({ "query": SHOP_NAME })).await.json().await.unwrap();
    assert_eq!(body["data"]["shop"]["name"], "shopsync demo");
}

#[tokio::test]
async fn raw_application_graphql_bodies_are_served() {
    let t = spawn().await;
    assert_valid(SHOP_NAME);
    let body: Value = t.post_raw(SHOP_NAME).await.json().await.unwrap();
    assert_eq!(body["data"]["shop"]["name"], "shopsync demo");
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_shopifys_401() {
    let t = spawn().await;
    let expected = r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#;
    let url = t.sim.graphql_url(VERSION);
    let missing = t.http.post(&url).json(&json!({ "query": SHOP_NAME })).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().get("x-request-id").is_some());
    assert_eq!(missing.text().await.unwrap(), expected);
    let wrong = t
        .http
        .post(&url)
        .header("X-Shopify-Access-Token", "shpat_wrong")
        .json(&json!({ "query": SHOP_NAME }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.text().await.unwrap(), expected);

    t.sim.control().set_faults(Faults { token_revoked: true, ..Faults::default() });
    let revoked = t.post_json(json!({ "query": SHOP_NAME })).await;
    assert_eq!(revoked.status(), 401);
    assert_eq!(t.sim.control().stats().unauthorized, 3);
}

#[tokio::test]
async fn old_versions_fall_forward_and_unknown_ones_are_not_found() {
    let t = spawn().await;
    let token = t.sim.access_token();
    let send = |version: &str| {
        t.http
            .post(format!("{}/admin/api/{version}/graphql.json", t.sim.base_url()))
            .header("X-Shopify-Access-Token", token.expose_secret())
            .json(&json!({ "query": SHOP_NAME }))
            .send()
    };
    let old = send("2023-04").await.unwrap();
    assert_eq!(old.status(), 200);
    assert_eq!(old.headers()["x-shopify-api-version"], "2025-10");
    let unstable = send("unstable").await.unwrap();
    assert_eq!(unstable.headers()["x-shopify-api-version"], "unstable");
    assert_eq!(send("2099-01").await.unwrap().status(), 404);
}

#[tokio::test]
async fn legacy_rest_shop_json_checks_the_token() {
    let t = spawn().await;
    let url = format!("{}/admin/api/2026-10/shop.json", t.sim.base_url());
    let response =
        t.http.get(&url).header("X-Shopify-Access-Token", t.sim.access_token().expose_secret()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-shopify-shop-api-call-limit"], "1/40");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["shop"]["myshopify_domain"], "shopsync-demo.myshopify.com");
    assert_eq!(t.http.get(&url).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn invalid_documents_get_shopify_shaped_errors_with_locations() {
    let t = spawn().await;
    // Deliberately invalid: sent without the schema check of the harness.
    let body: Value = t.post_json(json!({ "query": "{\n  shop {\n    nope\n  }\n}" })).await.json().await.unwrap();
    let error = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|error| error["message"].as_str().unwrap().contains("nope"))
        .unwrap_or_else(|| panic!("no error names the field: {body}"));
    assert_eq!(error["locations"][0]["line"], 3);
    assert_eq!(error["extensions"]["code"], "undefinedField");
    assert!(body.get("data").is_none());

    let removed: Value = t
        .post_json(json!({ "query": "mutation { inventorySetQuantities(input: {name: \"available\", reason: \"correction\", ignoreCompareQuantity: true, quantities: []}) { userErrors { code } } }" }))
        .await
        .json()
        .await
        .unwrap();
    assert!(removed["errors"][0]["message"].as_str().unwrap().contains("ignoreCompareQuantity"), "{removed}");

    let bad_body = t
        .http
        .post(t.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_body.status(), 400);
}

#[tokio::test]
async fn invalid_variables_are_reported_with_their_problems() {
    let t = spawn().await;
    let query = "query One($id: ID!) { product(id: $id) { title } }";
    let body = t.gql(query, json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("$id"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["problems"][0]["explanation"], "Expected value to not be null");
}

#[tokio::test]
async fn a_valid_field_the_simulator_does_not_model_is_an_error_naming_it() {
    let t = spawn().await;
    // Product.combinedListing is not modelled yet (Product.category, the example before, now is).
    let body =
        t.gql("{ products(first: 1) { nodes { title combinedListing { parentProduct { id } } } } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Product.combinedListing"), "{message}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_IMPLEMENTED_IN_SIMULATOR");
    assert_eq!(body["errors"][0]["path"], json!(["products", "nodes", 0, "combinedListing"]));
    assert!(body["data"]["products"]["nodes"][0]["title"].is_string(), "other fields still resolve");
    assert!(body["data"]["products"]["nodes"][0]["combinedListing"].is_null());
}

#[tokio::test]
async fn max_cost_exceeded_matches_the_fixture_field_for_field() {
    let t = spawn().await;
    // 2 + 250 x (product 1 + options 1 + featuredMedia 1 + seo 1) = 1002, the fixture's cost.
    let query = "{ products(first: 250) { nodes { id options { id } featuredMedia { id } seo { title } } } }";
    let body = t.gql(query, json!({})).await;
    let expected = fixture("graphql_max_cost_exceeded_response.json");
    assert_eq!(body, expected, "same message, code, cost, maxCost and documentation");
    assert_eq!(t.sim.control().stats().rejected_max_cost, 1);
}

#[tokio::test]
async fn throttled_matches_the_fixture_field_for_field() {
    let t = spawn().await;
    t.gql(SHOP_NAME, json!({})).await; // creates the app's bucket
    t.sim.control().drain_buckets();
    let body = t.gql("{ products(first: 5) { nodes { id } } }", json!({})).await;
    let expected = fixture("graphql_throttled_response.json");
    assert_same_shape(&body, &expected, "$");
    assert_eq!(body["errors"], expected["errors"]);
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 7);
    assert!(body["extensions"]["cost"]["actualQueryCost"].is_null());
    assert!(body.get("data").is_none());
    assert_eq!(t.sim.control().stats().throttled, 1);
}

#[tokio::test]
async fn requested_cost_is_charged_and_the_unused_part_refunded() {
    let t = spawn().await;
    // The demo store has 25 products: asked 50 (2 + 50), returned 25 (2 + 25).
    let body = t.gql("{ products(first: 50) { nodes { id title } } }", json!({})).await;
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 52);
    assert_eq!(cost["actualQueryCost"], 27);
    let available = cost["throttleStatus"]["currentlyAvailable"].as_f64().unwrap();
    assert!((2000.0 - 27.0..=2000.0).contains(&available), "{cost}");
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 2000.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);
    assert_eq!(t.sim.control().stats().cost_spent, 27);

    let nested =
        t.gql("{ products(first: 10) { edges { node { variants(first: 5) { nodes { sku } } } } } }", json!({})).await;
    assert_eq!(nested["extensions"]["cost"]["requestedQueryCost"], 2 + 10 * (1 + 2 + 5));
    let mutation = t
        .gql(
            "mutation { tagsAdd(id: \"gid://shopify/Product/1\", tags: [\"x\"]) { userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(mutation["extensions"]["cost"]["requestedQueryCost"], 10);
}

#[tokio::test]
async fn plan_and_bucket_overrides_set_the_throttle_status() {
    let plus = spawn_with(SimConfig { plan: shopify_sim::Plan::Plus, ..SimConfig::default() }).await;
    let body = plus.gql(SHOP_NAME, json!({})).await;
    assert_eq!(body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"], 20000.0);
    assert_eq!(body["extensions"]["cost"]["throttleStatus"]["restoreRate"], 1000.0);

    let custom = spawn_with(SimConfig {
        bucket: Some(BucketConfig { maximum_available: 50.0, restore_rate: 1.0 }),
        ..SimConfig::default()
    })
    .await;
    let query = "{ products(first: 40) { nodes { id } } }";
    let first = custom.gql(query, json!({})).await;
    assert!(first["data"].is_object());
    let second = custom.gql(query, json!({})).await;
    assert_eq!(second["errors"][0]["extensions"]["code"], "THROTTLED", "{second}");
}

#[tokio::test]
async fn faults_inject_429_5xx_dropped_connections_latency_and_throttling() {
    let t = spawn().await;
    let control = t.sim.control();
    control.set_faults(Faults { too_many_requests_rate: 1.0, retry_after_seconds: 2.0, ..Faults::default() });
    let response = t.post_json(json!({ "query": SHOP_NAME })).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2.0");

    control.set_faults(Faults { server_error_rate: 1.0, ..Faults::default() });
    assert_eq!(t.post_json(json!({ "query": SHOP_NAME })).await.status(), 503);

    control.set_faults(Faults { drop_connection_rate: 1.0, ..Faults::default() });
    let dropped = t
        .http
        .post(t.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .json(&json!({ "query": SHOP_NAME }))
        .send()
        .await;
    assert!(dropped.is_err(), "the connection is closed without an answer");

    control.set_faults(Faults { throttled_rate: 1.0, ..Faults::default() });
    let throttled = t.gql(SHOP_NAME, json!({})).await;
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "THROTTLED");

    control.set_faults(Faults { latency_ms: 150, ..Faults::default() });
    let started = std::time::Instant::now();
    t.gql(SHOP_NAME, json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    // The control surface itself is never delayed or faulted.
    let stats: Value =
        t.http.get(format!("{}/_sim/stats", t.sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert!(stats["faults_injected"].as_u64().unwrap() >= 3);
}

#[tokio::test]
async fn a_lost_response_still_applies_the_mutation() {
    let t = spawn().await;
    t.sim.control().set_faults(Faults { lost_response_rate: 1.0, ..Faults::default() });
    let create = r#"mutation { productSet(synchronous: true, input: { title: "Sent once" }) { product { id } } }"#;
    let lost = t
        .http
        .post(t.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .json(&json!({ "query": create }))
        .send()
        .await;
    assert!(lost.is_err(), "the connection is closed instead of the answer");
    t.sim.control().set_faults(Faults::default());
    let made = t.sim.control().products().into_iter().filter(|p| p.title == "Sent once").count();
    assert_eq!(made, 1, "the product exists although its client never heard so");
}

#[tokio::test]
async fn seeded_faults_repeat_the_same_sequence() {
    let t = spawn().await;
    let faults = Faults { server_error_rate: 0.5, seed: 42, ..Faults::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        t.sim.control().set_faults(faults.clone());
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(t.post_json(json!({ "query": SHOP_NAME })).await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200), "{:?}", runs[0]);
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let t = spawn().await;
    let url = format!("{}/_sim/faults", t.sim.base_url());
    let updated: Value = t
        .http
        .put(&url)
        .json(&json!({ "server_error_rate": 1.0, "server_error_status": 502 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["server_error_status"], 502);
    assert_eq!(t.post_json(json!({ "query": SHOP_NAME })).await.status(), 502);
}

#[tokio::test]
async fn deprecated_field_use_is_flagged_in_a_header() {
    let t = spawn().await;
    // Deliberately deprecated: sent without the harness's schema check.
    let response = t.post_json(json!({ "query": "{ products(first: 1) { nodes { id bodyHtml } } }" })).await;
    let reason = response.headers()["x-shopify-api-deprecated-reason"].to_str().unwrap().to_string();
    assert!(reason.contains("Product.bodyHtml"), "{reason}");
}

#[tokio::test]
async fn request_counts_are_kept_per_operation_and_root_field() {
    let t = spawn().await;
    t.gql(SHOP_NAME, json!({})).await;
    t.gql(SHOP_NAME, json!({})).await;
    t.gql("{ locations(first: 5) { nodes { name } } }", json!({})).await;
    let stats = t.sim.control().stats();
    assert_eq!(stats.by_operation["ShopName"], 2);
    assert_eq!(stats.by_operation["anonymous"], 1);
    assert_eq!(stats.by_root_field["shop"], 2);
    assert_eq!(stats.graphql_requests, 3);
    t.sim.control().reset_stats();
    assert_eq!(t.sim.control().stats().graphql_requests, 0);
}

/// `shop { ...F1 }` where each fragment spreads the next one twice: 1.5 KB of text, 2^28
/// selections once expanded.
fn fragments_spread_twice(levels: usize) -> String {
    let mut query = String::from("query Doubling { shop { ...F1 } }\n");
    for level in 1..levels {
        query.push_str(&format!("fragment F{level} on Shop {{ ...F{next} ...F{next} }}\n", next = level + 1));
    }
    query.push_str(&format!("fragment F{levels} on Shop {{ id name }}\n"));
    query
}

#[tokio::test]
async fn fragments_that_double_with_every_spread_are_refused_before_they_are_expanded() {
    let t = spawn().await;
    let query = fragments_spread_twice(28);
    assert!(query.len() < 1600, "a short document: {} bytes", query.len());
    let body = t.gql(&query, json!({})).await;
    assert!(body.get("data").is_none(), "nothing executed: {body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "MAX_FIELDS_EXCEEDED", "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("exceeds the max of 10000"), "{message}");

    // The same fragments spread a few times are an ordinary query, answered as one selection.
    let body = t.gql(&fragments_spread_twice(4), json!({})).await;
    assert_eq!(body["data"]["shop"]["name"], "shopsync demo", "{body}");
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 1);
}

#[tokio::test]
async fn a_query_deeper_than_the_max_depth_gets_shopifys_depth_error() {
    let t = spawn().await;
    // Product -> variants -> product ... : each round trip is three levels (variants, nodes, product).
    let mut query = String::from("{ products(first: 1) { nodes { id ");
    let mut depth = 3;
    let mut closing = String::from("} } }");
    while depth < 18 {
        query.push_str("variants(first: 1) { nodes { product { id ");
        closing.push_str("} } }");
        depth += 3;
    }
    let query = format!("{query}{closing}");
    assert_eq!(depth, 18);
    let body = t.gql(&query, json!({})).await;
    assert!(body.get("data").is_none(), "nothing executed: {body}");
    assert_eq!(body["errors"][0]["message"], "Query has a depth of 18, which exceeds the max depth of 17.");
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_DEPTH_EXCEEDED");

    // Three levels less is served.
    let shallower = query.replacen("variants(first: 1) { nodes { product { id ", "", 1).replacen("} } }", "", 1);
    let body = t.gql(&shallower, json!({})).await;
    assert!(body["data"]["products"]["nodes"][0]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn a_fragment_spread_twice_costs_what_it_costs_once_and_aliases_each_cost_their_own() {
    let t = spawn().await;
    let fragment = "fragment Variants on Product { variants(first: 10) { nodes { id } } }";
    let cost = |body: &Value| body["extensions"]["cost"]["requestedQueryCost"].as_u64().unwrap();
    let once = t.gql(&format!("{{ products(first: 5) {{ nodes {{ ...Variants }} }} }} {fragment}"), json!({})).await;
    let twice = t
        .gql(&format!("{{ products(first: 5) {{ nodes {{ ...Variants ...Variants }} }} }} {fragment}"), json!({}))
        .await;
    // 2 + 5 x (product 1 + variants 2 + 10 x 1) = 67: the second spread merges into the first.
    assert_eq!(cost(&once), 67);
    assert_eq!(cost(&twice), 67, "the fields merge, so they are executed and costed once");
    assert_eq!(once["data"], twice["data"]);

    let aliased = t
        .gql(
            "{ products(first: 5) { nodes { a: variants(first: 10) { nodes { id } } \
             b: variants(first: 10) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(cost(&aliased), 2 + 5 * (1 + 2 * 12), "two response keys are two fields");
}
