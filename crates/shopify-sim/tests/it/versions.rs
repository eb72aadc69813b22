//! API versions: each request is validated against Shopify's schema of the version in its URL, a
//! retired version is served as the oldest supported one (and says so in
//! `X-Shopify-API-Version`), and the behaviours that changed between versions follow the version
//! asked for: compare quantities, idempotency keys, bulk grouping.

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::bulk::BulkBehaviour;
use shopify_sim::{Seed, SimConfig};

use crate::support::{TestSim, spawn, spawn_with};

/// Sends a document as it is (no harness check: some are invalid on purpose) to `version`; the
/// version that served it and the body.
async fn send(t: &TestSim, version: &str, query: &str, variables: Value) -> (String, Value) {
    let response = t
        .http
        .post(t.sim.graphql_url(version))
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let served = response.headers()["x-shopify-api-version"].to_str().unwrap().to_string();
    (served, response.json().await.unwrap())
}

const BULK_OPERATIONS: &str = "{ bulkOperations(first: 1) { nodes { id } } }";

#[tokio::test]
async fn each_version_is_held_to_its_own_schema_and_a_retired_one_to_the_oldest_supported() {
    let t = spawn().await;
    // `bulkOperations` came in 2026-01.
    let (served, old) = send(&t, "2025-10", BULK_OPERATIONS, json!({})).await;
    assert_eq!(served, "2025-10");
    assert_eq!(old.get("data"), None, "{old}");
    let message = old["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("bulkOperations"), "{message}");

    for version in ["2026-01", "2026-04", "2026-07", "2026-10", "unstable"] {
        let (served, body) = send(&t, version, BULK_OPERATIONS, json!({})).await;
        assert_eq!(served, version);
        assert_eq!(body["data"]["bulkOperations"]["nodes"], json!([]), "{version}: {body}");
    }

    // 2025-07 was retired in July 2026: Shopify answers it as 2025-10, schema included.
    let (served, retired) = send(&t, "2025-07", BULK_OPERATIONS, json!({})).await;
    assert_eq!(served, "2025-10");
    assert_eq!(retired["errors"], old["errors"]);

    // `compareQuantity` was removed in 2026-04.
    let compare = r#"mutation { inventorySetQuantities(input: { name: "available", reason: "correction",
        quantities: [{ inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1",
                       quantity: 1, compareQuantity: 0 }] }) { userErrors { code } } }"#;
    let (_, valid) = send(&t, "2026-01", compare, json!({})).await;
    assert!(valid.get("data").is_some(), "{valid}");
    let (_, removed) = send(&t, "2026-04", compare, json!({})).await;
    assert!(removed["errors"][0]["message"].as_str().unwrap().contains("compareQuantity"), "{removed}");
}

const SET_2025_10: &str = r#"
mutation SetStock($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { changes { name quantityAfterChange } }
    userErrors { field message code }
  }
}
"#;

fn quantities(item: &str, location: &str, quantity: i64, extra: Value) -> Value {
    let mut line = json!({ "inventoryItemId": item, "locationId": location, "quantity": quantity });
    if let (Some(line), Value::Object(extra)) = (line.as_object_mut(), extra) {
        line.extend(extra);
    }
    json!([line])
}

#[tokio::test]
async fn inventory_set_quantities_follows_the_compare_rules_of_the_version() {
    let t = spawn().await;
    let control = t.sim.control();
    let location = t.location(0);
    let item = t.item_of("SKU-00004-1");
    let sku_quantity = || control.quantity("SKU-00004-1", Some(&location), "available").unwrap();
    let current = sku_quantity();
    let set = |version: &'static str, input: Value| {
        let t = &t;
        async move {
            crate::support::assert_valid_at(version, SET_2025_10, &[]);
            let (_, body) = send(t, version, SET_2025_10, json!({ "input": input })).await;
            assert!(body.get("errors").is_none(), "{body}");
            body["data"]["inventorySetQuantities"].clone()
        }
    };
    let input = |lines: Value| json!({ "name": "available", "reason": "correction", "quantities": lines });

    // 2025-10: compareQuantity on each quantity unless ignoreCompareQuantity; no idempotency key.
    let required = set("2025-10", input(quantities(&item, &location, 5, json!({})))).await;
    assert_eq!(required["userErrors"][0]["code"], "COMPARE_QUANTITY_REQUIRED", "{required}");
    assert_eq!(required["userErrors"][0]["field"], json!(["input", "quantities", "0", "compareQuantity"]));
    let stale = set("2025-10", input(quantities(&item, &location, 5, json!({ "compareQuantity": current + 1 })))).await;
    assert_eq!(stale["userErrors"][0]["code"], "COMPARE_QUANTITY_STALE", "{stale}");
    assert_eq!(sku_quantity(), current, "nothing changed");
    let compared = set("2025-10", input(quantities(&item, &location, 5, json!({ "compareQuantity": current })))).await;
    assert_eq!(compared["userErrors"], json!([]), "{compared}");
    assert_eq!(sku_quantity(), 5);
    let mut ignored = input(quantities(&item, &location, 6, json!({})));
    ignored["ignoreCompareQuantity"] = json!(true);
    assert_eq!(set("2025-10", ignored).await["userErrors"], json!([]));
    assert_eq!(sku_quantity(), 6);

    // 2026-01: changeFromQuantity is checked when given, still without a key.
    let stale = set("2026-01", input(quantities(&item, &location, 7, json!({ "changeFromQuantity": 5 })))).await;
    assert_eq!(stale["userErrors"][0]["code"], "CHANGE_FROM_QUANTITY_STALE", "{stale}");
    let changed = set("2026-01", input(quantities(&item, &location, 7, json!({ "changeFromQuantity": 6 })))).await;
    assert_eq!(changed["userErrors"], json!([]), "{changed}");
    assert_eq!(sku_quantity(), 7);

    // 2026-04: the idempotency key is mandatory.
    let (_, keyless) = send(
        &t,
        "2026-04",
        SET_2025_10,
        json!({ "input": input(quantities(&item, &location, 8, json!({ "changeFromQuantity": 7 }))) }),
    )
    .await;
    assert_eq!(keyless["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_REQUIRED", "{keyless}");
    assert_eq!(sku_quantity(), 7);
}

#[tokio::test]
async fn bulk_queries_are_grouped_by_default_before_2026_01() {
    let t = spawn_with(SimConfig { seed: Seed::Count(12), ..SimConfig::default() }).await;
    t.sim.control().set_bulk_behaviour(BulkBehaviour { chunk_size: 5, ..BulkBehaviour::default() });
    let run = "mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { code } } }";
    let query = "{ products { edges { node { id variants { edges { node { id } } } } } } }";
    crate::support::assert_valid_at("2025-10", run, &[]);
    let mut orders = Vec::new();
    for version in ["2025-10", "2026-10"] {
        let (_, body) = send(&t, version, run, json!({ "query": query })).await;
        let id = body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"].as_str().unwrap().to_string();
        let url = loop {
            let read =
                t.gql("query Read($id: ID!) { bulkOperation(id: $id) { status url } }", json!({ "id": id })).await;
            match read["data"]["bulkOperation"]["status"].as_str() {
                Some("COMPLETED") => break read["data"]["bulkOperation"]["url"].as_str().unwrap().to_string(),
                Some("CREATED" | "RUNNING") => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                other => panic!("bulk operation ended {other:?}: {read}"),
            }
        };
        let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        // Grouped: every child line follows its parent or a sibling.
        let grouped = lines.windows(2).all(|pair| match pair[1].get("__parentId") {
            None => true,
            Some(parent) => pair[0]["id"] == *parent || pair[0].get("__parentId") == Some(parent),
        });
        orders.push(grouped);
    }
    assert_eq!(orders, [true, false], "2025-10 groups objects by default, 2026-01 and later do not");
}
