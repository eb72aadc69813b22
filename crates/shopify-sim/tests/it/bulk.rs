//! Bulk operations: JSONL results with `__parentId`, grouping, no page limits, validation,
//! cancel, the concurrency limit, failures with partial data, and `bulk_operations/finish`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::bulk::BulkBehaviour;
use shopify_sim::{Seed, SimConfig};

use crate::support::{TestSim, assert_valid, spawn, spawn_with};
use crate::webhooks::{Receiver, assert_matches_schema, subscribe};

const RUN: &str = r#"
mutation Run($query: String!, $group: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $group) {
    bulkOperation { id status type query }
    userErrors { field message code }
  }
}
"#;

const READ: &str = r#"
query Read($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl query type
  }
}
"#;

const PRODUCTS_WITH_VARIANTS: &str =
    "{ products { edges { node { id title variants(first: 1) { edges { node { id sku } } } } } } }";

/// Starts a bulk query; the payload.
async fn run(t: &TestSim, query: &str, group: bool) -> Value {
    assert_valid(query);
    let body = t.gql(RUN, json!({ "query": query, "group": group })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["bulkOperationRunQuery"].clone()
}

/// Starts a bulk query that must be accepted; its GID.
async fn start(t: &TestSim, query: &str, group: bool) -> String {
    let payload = run(t, query, group).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["bulkOperation"]["status"], "CREATED");
    assert_eq!(payload["bulkOperation"]["type"], "QUERY");
    payload["bulkOperation"]["id"].as_str().unwrap().to_string()
}

/// Polls `bulkOperation(id:)` until the status is one of `statuses` (at most 20 s).
async fn wait_until(t: &TestSim, id: &str, statuses: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = t.gql(READ, json!({ "id": id })).await;
        let operation = body["data"]["bulkOperation"].clone();
        if statuses.iter().any(|status| operation["status"] == *status) {
            return operation;
        }
        assert!(Instant::now() < deadline, "bulk operation stuck: {operation}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Downloads a result file and parses its lines.
async fn lines(url: &str) -> (Vec<Value>, usize) {
    let text = reqwest::get(url).await.unwrap().error_for_status().unwrap().text().await.unwrap();
    let parsed = text.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
    (parsed, text.len())
}

#[tokio::test]
async fn a_bulk_query_writes_every_product_and_variant_with_parent_ids_not_grouped_by_default() {
    let t = spawn_with(SimConfig { seed: Seed::Count(60), ..SimConfig::default() }).await;
    // Small chunks so the root connection is walked in several pieces.
    t.sim.control().set_bulk_behaviour(BulkBehaviour { chunk_size: 7, ..BulkBehaviour::default() });
    let id = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let operation = wait_until(&t, &id, &["COMPLETED", "FAILED"]).await;
    assert_eq!(operation["status"], "COMPLETED", "{operation}");
    assert_eq!(operation["errorCode"], Value::Null);
    assert_eq!(operation["partialDataUrl"], Value::Null);
    assert!(operation["completedAt"].is_string());
    let url = operation["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/_sim/bulk-results/", t.sim.base_url())), "{url}");

    let (lines, bytes) = lines(url).await;
    let products = t.sim.control().products();
    let variant_count: usize = products.iter().map(|product| product.variants.len()).sum();
    assert_eq!(lines.len(), products.len() + variant_count, "every variant, although the query says first: 1");
    assert_eq!(operation["objectCount"], lines.len().to_string());
    assert_eq!(operation["rootObjectCount"], products.len().to_string());
    assert_eq!(operation["fileSize"], bytes.to_string());

    let mut seen = HashSet::new();
    let mut children_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut right_after_parent = 0;
    let mut previous_id = String::new();
    for line in &lines {
        let id = line["id"].as_str().unwrap().to_string();
        match line.get("__parentId") {
            None => {
                assert!(id.starts_with("gid://shopify/Product/"));
                assert!(line.get("variants").is_none(), "nested connections are not inline: {line}");
                assert!(line["title"].is_string());
            }
            Some(parent) => {
                let parent = parent.as_str().unwrap().to_string();
                assert!(id.starts_with("gid://shopify/ProductVariant/"));
                assert!(seen.contains(&parent), "a child comes after its parent");
                if previous_id == parent {
                    right_after_parent += 1;
                }
                assert_eq!(line.as_object().unwrap().keys().next_back().unwrap(), "__parentId", "__parentId is last");
                children_of.entry(parent).or_default().push(id.clone());
            }
        }
        seen.insert(id.clone());
        previous_id = id;
    }
    for product in &products {
        let expected: Vec<String> = product.variants.iter().map(|variant| variant.id.clone()).collect();
        assert_eq!(children_of.get(&product.id).cloned().unwrap_or_default(), expected, "variants of {}", product.id);
    }
    assert!(
        right_after_parent < products.len() / 2,
        "without groupObjects children are not kept right after their parent ({right_after_parent} were)"
    );
}

#[tokio::test]
async fn group_objects_keeps_each_child_right_after_its_parent() {
    let t = spawn().await;
    let id = start(&t, PRODUCTS_WITH_VARIANTS, true).await;
    let operation = wait_until(&t, &id, &["COMPLETED"]).await;
    let (lines, _) = lines(operation["url"].as_str().unwrap()).await;
    let mut current_parent = String::new();
    for line in &lines {
        match line["__parentId"].as_str() {
            None => current_parent = line["id"].as_str().unwrap().to_string(),
            Some(parent) => assert_eq!(parent, current_parent, "grouped: children follow their own parent"),
        }
    }
}

#[tokio::test]
async fn a_bulk_query_reads_past_the_page_limit_with_two_levels_of_nesting() {
    let t = spawn_with(SimConfig { seed: Seed::Count(300), ..SimConfig::default() }).await;
    let query = "{ productVariants { edges { node { id sku inventoryItem { id inventoryLevels { edges { node { id quantities(names: [\"available\"]) { name quantity } location { id } } } } } } } } }";
    let id = start(&t, query, false).await;
    let operation = wait_until(&t, &id, &["COMPLETED", "FAILED"]).await;
    assert_eq!(operation["status"], "COMPLETED", "{operation}");
    let (lines, _) = lines(operation["url"].as_str().unwrap()).await;
    let variants: usize = t.sim.control().products().iter().map(|product| product.variants.len()).sum();
    assert!(variants > 250);
    let roots = lines.iter().filter(|line| line.get("__parentId").is_none()).count();
    assert_eq!(roots, variants);
    let levels: Vec<&Value> = lines.iter().filter(|line| line.get("__parentId").is_some()).collect();
    assert!(!levels.is_empty());
    // The inventory level's parent is the variant (the node holding the connection), and the
    // connection is gone from the inline inventoryItem object.
    let first_variant = lines.iter().find(|line| line.get("__parentId").is_none()).unwrap();
    assert!(first_variant["inventoryItem"]["id"].is_string());
    assert!(first_variant["inventoryItem"].get("inventoryLevels").is_none());
    assert!(
        levels.iter().all(|level| level["__parentId"].as_str().unwrap().starts_with("gid://shopify/ProductVariant/"))
    );
    assert_eq!(operation["rootObjectCount"], variants.to_string());
}

#[tokio::test]
async fn invalid_bulk_queries_are_refused_with_shopifys_messages() {
    let t = spawn().await;
    let cases = [
        ("{ shop { id name } }", "Bulk queries must contain at least one connection."),
        (
            "{ products { nodes { id } } }",
            "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: 'products { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: 'products'.",
        ),
        (
            "{ products { edges { node { title variants { edges { node { id } } } } } } }",
            "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': products.",
        ),
        (
            "{ products { edges { node { id variants { edges { node { id } } } metafields { edges { node { id } } } collections { edges { node { id } } } media { edges { node { id } } } sellingPlanGroups { edges { node { id } } } } } } }",
            "Bulk queries cannot contain more than 5 connections.",
        ),
        (
            "{ collections { edges { node { id products { edges { node { id variants { edges { node { id } } } } } } } } } }",
            "Bulk queries cannot contain connections with a nesting depth greater than 2.",
        ),
        (
            "mutation { tagsAdd(id: \"gid://shopify/Product/1\", tags: [\"a\"]) { userErrors { message } } }",
            "Invalid operation type. Only `query` operations are supported.",
        ),
        ("{ products { edges { node { id ", "Invalid bulk query: "),
    ];
    for (query, message) in cases {
        let payload = t.gql(RUN, json!({ "query": query, "group": false })).await;
        let payload = &payload["data"]["bulkOperationRunQuery"];
        assert_eq!(payload["bulkOperation"], Value::Null, "{query}");
        let errors = payload["userErrors"].as_array().unwrap();
        assert!(
            errors.iter().any(|error| error["message"].as_str().unwrap().starts_with(message)
                && error["field"] == json!(["query"])
                && error["code"] == "INVALID"),
            "{query}: {errors:?}"
        );
    }
}

#[tokio::test]
async fn a_bulk_operation_can_be_canceled_and_cancel_refuses_finished_ones() {
    let t = spawn().await;
    t.sim.control().set_bulk_behaviour(BulkBehaviour { paused: true, ..BulkBehaviour::default() });
    let id = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    wait_until(&t, &id, &["RUNNING"]).await;
    let cancel = "mutation Cancel($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } } }";
    let canceling = t.gql(cancel, json!({ "id": id })).await;
    assert_eq!(canceling["data"]["bulkOperationCancel"]["bulkOperation"]["status"], "CANCELING");
    assert_eq!(canceling["data"]["bulkOperationCancel"]["userErrors"], json!([]));
    let canceled = wait_until(&t, &id, &["CANCELED"]).await;
    assert_eq!(canceled["url"], Value::Null);

    let again = t.gql(cancel, json!({ "id": id })).await;
    assert_eq!(
        again["data"]["bulkOperationCancel"]["userErrors"],
        json!([{ "field": null, "message": "A bulk operation cannot be canceled when it is canceled" }])
    );
    let missing = t.gql(cancel, json!({ "id": "gid://shopify/BulkOperation/1" })).await;
    assert_eq!(
        missing["data"]["bulkOperationCancel"],
        json!({ "bulkOperation": null, "userErrors": [{ "field": ["id"], "message": "Bulk operation does not exist" }] })
    );
}

/// Sends a bulk query to another API version.
async fn run_on(t: &TestSim, version: &str, query: &str) -> Value {
    let response = t
        .http
        .post(t.sim.graphql_url(version))
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .json(&json!({ "query": RUN, "variables": { "query": query, "group": false } }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["data"]["bulkOperationRunQuery"].clone()
}

#[tokio::test]
async fn at_most_five_bulk_queries_run_at_once_and_one_before_2026_01() {
    let t = spawn().await;
    t.sim.control().set_bulk_behaviour(BulkBehaviour { paused: true, ..BulkBehaviour::default() });
    let first = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    // API 2025-10 allows one bulk query per shop.
    let old = run_on(&t, "2025-10", PRODUCTS_WITH_VARIANTS).await;
    assert_eq!(
        old["userErrors"],
        json!([{ "field": null, "message": format!("A bulk query operation for this app and shop is already in progress: {first}."), "code": "OPERATION_IN_PROGRESS" }])
    );
    for _ in 0..4 {
        start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    }
    let sixth = run(&t, PRODUCTS_WITH_VARIANTS, false).await;
    assert_eq!(sixth["bulkOperation"], Value::Null);
    assert_eq!(sixth["userErrors"][0]["code"], "OPERATION_IN_PROGRESS");

    let listed = t
        .gql_deprecated(
            "query { bulkOperations(first: 10, query: \"status:running\") { nodes { id status } } currentBulkOperation { id } }",
            json!({}),
            &["QueryRoot.currentBulkOperation"],
        )
        .await;
    let nodes = listed["data"]["bulkOperations"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert_eq!(nodes[4]["id"], first, "newest first");
    assert_eq!(listed["data"]["currentBulkOperation"]["id"], nodes[0]["id"]);

    t.sim.control().set_bulk_behaviour(BulkBehaviour::default());
    for node in nodes {
        wait_until(&t, node["id"].as_str().unwrap(), &["COMPLETED"]).await;
    }
    let after = run(&t, PRODUCTS_WITH_VARIANTS, false).await;
    assert_eq!(after["userErrors"], json!([]), "finished operations free their slot");
}

#[tokio::test]
async fn a_failing_bulk_operation_reports_partial_data() {
    let t = spawn().await;
    t.sim.control().set_bulk_behaviour(BulkBehaviour {
        fail_after_objects: Some(5),
        chunk_size: 3,
        ..BulkBehaviour::default()
    });
    let id = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let operation = wait_until(&t, &id, &["FAILED", "COMPLETED"]).await;
    assert_eq!(operation["status"], "FAILED");
    assert_eq!(operation["errorCode"], "INTERNAL_SERVER_ERROR");
    assert_eq!(operation["url"], Value::Null);
    let (lines, _) = lines(operation["partialDataUrl"].as_str().unwrap()).await;
    assert!(lines.len() >= 5 && lines.len() < 60, "{} lines", lines.len());
}

#[tokio::test]
async fn an_empty_result_has_no_url() {
    let t = spawn().await;
    let id = start(&t, "{ products(query: \"title:no-such-product\") { edges { node { id } } } }", false).await;
    let operation = wait_until(&t, &id, &["COMPLETED"]).await;
    assert_eq!(operation["objectCount"], "0");
    assert_eq!(operation["url"], Value::Null);
}

#[tokio::test]
async fn bulk_operations_finish_is_delivered_and_found_by_node() {
    let t = spawn().await;
    let receiver = Receiver::start().await;
    subscribe(&t, "BULK_OPERATIONS_FINISH", json!({ "callbackUrl": receiver.url })).await;
    let id = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let webhook = receiver.wait_for(1).await.remove(0);
    assert_eq!(webhook.header("x-shopify-topic"), "bulk_operations/finish");
    let body = webhook.json();
    assert_matches_schema("bulk_operations/finish", &body);
    assert_eq!(body["admin_graphql_api_id"], id);
    assert_eq!(body["status"], "completed");
    assert_eq!(body["type"], "query");

    let node =
        t.gql("query Node($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }", json!({ "id": id })).await;
    assert_eq!(node["data"]["node"]["status"], "COMPLETED");
}

#[tokio::test]
async fn result_files_are_served_at_unguessable_urls_that_expire() {
    let t = spawn_with(SimConfig { seed: Seed::Count(5), ..SimConfig::default() }).await;
    let first = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let first = wait_until(&t, &first, &["COMPLETED", "FAILED"]).await;
    let second = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let second = wait_until(&t, &second, &["COMPLETED", "FAILED"]).await;
    let urls: Vec<&str> = [&first, &second].iter().map(|operation| operation["url"].as_str().unwrap()).collect();
    for (url, operation) in urls.iter().zip([&first, &second]) {
        let numeric_id = operation["id"].as_str().unwrap().rsplit('/').next().unwrap();
        assert!(!url.contains(numeric_id), "not named after the operation: {url}");
        let name = url.rsplit('/').next().unwrap().split(['.', '?']).next().unwrap();
        assert!(name.len() >= 32 && name.chars().all(|c| c.is_ascii_hexdigit()), "128 random bits: {url}");
        // The operation's own number does not lead to its file.
        let guessed = reqwest::get(format!("{}/_sim/bulk/{numeric_id}.jsonl", t.sim.base_url())).await.unwrap();
        assert_eq!(guessed.status(), 404, "{url}");
    }
    assert_ne!(urls[0], urls[1]);
    let (lines, _) = lines(urls[0]).await;
    let products = t.sim.control().products();
    let variants: usize = products.iter().map(|product| product.variants.len()).sum();
    assert_eq!(lines.len(), products.len() + variants);

    // Past its lifetime (Shopify's: 7 days) a URL no longer serves the file.
    let expire_now = json!({ "result_url_lifetime_seconds": 0 });
    let url = format!("{}/_sim/bulk-behaviour", t.sim.base_url());
    assert_eq!(t.http.put(&url).json(&expire_now).send().await.unwrap().status(), 200);
    let third = start(&t, PRODUCTS_WITH_VARIANTS, false).await;
    let third = wait_until(&t, &third, &["COMPLETED", "FAILED"]).await;
    let expired = reqwest::get(third["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(expired.status(), 403);
    let message = expired.text().await.unwrap();
    assert!(message.contains("expired") && message.contains("bulk operation"), "{message}");
}
