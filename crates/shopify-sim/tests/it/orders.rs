//! Orders, customers, fulfillments and payouts: the client's own documents run against the demo
//! store, search and sort, pagination, fulfillmentCreate, the seeded failure cases, REST bodies
//! and the control surface.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};
use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderEdit, OrderSpec, RefundLineSpec};
use shopify_sim::{BucketConfig, Seed, SimConfig};

use crate::support::{TestSim, spawn_with};

/// A demo store whose cost bucket never runs dry: these tests are about data, not throttling.
async fn spawn() -> TestSim {
    spawn_seeded(Seed::Demo).await
}

async fn spawn_seeded(seed: Seed) -> TestSim {
    let bucket = BucketConfig { maximum_available: 1.0e9, restore_rate: 1.0e9 };
    spawn_with(SimConfig { seed, bucket: Some(bucket), ..SimConfig::default() }).await
}

// ---------------------------------------------------------------------------------------------
// The client's documents, read as data
// ---------------------------------------------------------------------------------------------

fn graphql_dir() -> String {
    format!("{}/../shopify-admin/graphql", env!("CARGO_MANIFEST_DIR"))
}

/// Every `fragment Name on Type { ... }` defined in the client's fragment files, by name.
fn fragment_definitions() -> BTreeMap<String, String> {
    let mut definitions = BTreeMap::new();
    let dir = format!("{}/fragments", graphql_dir());
    for entry in std::fs::read_dir(&dir).expect("fragments folder") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("fragment file");
        let mut rest = text.as_str();
        while let Some(start) = rest.find("fragment ") {
            let block = &rest[start..];
            let name = block["fragment ".len()..].split_whitespace().next().expect("name").to_string();
            let mut depth = 0;
            let mut end = block.len();
            for (index, c) in block.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = index + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            definitions.insert(name, block[..end].to_string());
            rest = &block[end..];
        }
    }
    definitions
}

/// A client document with the shared fragments it spreads (transitively) appended, as the client
/// assembles it.
fn client_document(file: &str) -> String {
    let mut document = std::fs::read_to_string(format!("{}/{file}", graphql_dir())).expect("document");
    let fragments = fragment_definitions();
    loop {
        let defined: HashSet<String> = document
            .split("fragment ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next().map(str::to_string))
            .collect();
        let missing: Vec<String> = document
            .split("...")
            .skip(1)
            .filter_map(|rest| {
                let name: String = rest.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                (name != "on" && !name.is_empty() && !defined.contains(&name)).then_some(name)
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return document;
        }
        for name in missing {
            let definition = fragments.get(&name).unwrap_or_else(|| panic!("fragment {name} not found for {file}"));
            document.push('\n');
            document.push_str(definition);
        }
    }
}

fn assert_no_errors(body: &Value, what: &str) {
    assert!(body.get("errors").is_none(), "{what}: {}", serde_json::to_string_pretty(&body["errors"]).unwrap());
}

async fn gql_ok(t: &TestSim, query: &str, variables: Value, what: &str) -> Value {
    let body = t.gql(query, variables).await;
    assert_no_errors(&body, what);
    body["data"].clone()
}

fn order_gid(t: &TestSim, name: &str) -> String {
    t.sim.control().order(name).unwrap_or_else(|| panic!("order {name}")).id
}

#[tokio::test]
async fn orders_page_document_reads_every_demo_order_without_errors() {
    let t = spawn().await;
    let query = client_document("orders_page.graphql");
    let mut after: Option<String> = None;
    let mut names = Vec::new();
    loop {
        let data =
            gql_ok(&t, &query, json!({ "after": after, "query": "updated_at:>='2020-01-01T00:00:00Z'" }), "OrdersPage")
                .await;
        let page = &data["orders"];
        for order in page["nodes"].as_array().unwrap() {
            names.push(order["name"].as_str().unwrap().to_string());
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(names.len(), 40, "every demo order once: {names:?}");
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), 40);
}

#[tokio::test]
async fn order_documents_by_id_execute_for_every_demo_order() {
    let t = spawn().await;
    let by_id = client_document("order_by_id.graphql");
    let line_items = client_document("order_line_items.graphql");
    let fulfillment_orders = client_document("order_fulfillment_orders.graphql");
    for order in t.sim.control().orders() {
        let data = gql_ok(&t, &by_id, json!({ "id": order.id }), &format!("OrderById {}", order.name)).await;
        assert_eq!(data["order"]["name"], json!(order.name));
        let data = gql_ok(&t, &line_items, json!({ "orderId": order.id }), "OrderLineItems").await;
        assert_eq!(data["order"]["lineItems"]["nodes"].as_array().unwrap().len(), order.lines.len());
        let data = gql_ok(&t, &fulfillment_orders, json!({ "orderId": order.id }), "OrderFulfillmentOrders").await;
        assert_eq!(
            data["order"]["fulfillmentOrders"]["nodes"].as_array().unwrap().len(),
            order.fulfillment_orders.len()
        );
    }
}

#[tokio::test]
async fn customers_payouts_nodes_and_tags_documents_execute() {
    let t = spawn().await;
    let data = gql_ok(
        &t,
        &client_document("customers_page.graphql"),
        json!({ "query": "updated_at:>='2020-01-01T00:00:00Z'" }),
        "CustomersPage",
    )
    .await;
    let customers = data["customers"]["nodes"].as_array().unwrap();
    assert_eq!(customers.len(), 13);
    let anna =
        customers.iter().find(|c| c["defaultEmailAddress"]["emailAddress"] == "anna.schmidt@example.de").unwrap();
    assert_eq!(anna["numberOfOrders"], "8", "Anna placed #1001, #1004, #1009, #1017, #1024, #1029, #1034, #1040");
    let chloe = customers.iter().find(|c| c["defaultPhoneNumber"]["phoneNumber"] == "+14165550123").unwrap();
    assert_eq!(
        chloe["defaultPhoneNumber"]["smsMarketingConsent"],
        json!({ "state": "NEVER_SUBSCRIBED" }),
        "2026-10's consent states say NEVER_SUBSCRIBED where the deprecated marketingState said NOT_SUBSCRIBED"
    );

    let data = gql_ok(&t, &client_document("payouts.graphql"), json!({}), "Payouts").await;
    let payouts = data["shopifyPaymentsAccount"]["payouts"]["nodes"].as_array().unwrap();
    assert_eq!(payouts.len(), 6);
    assert_eq!(payouts[0]["status"], "SCHEDULED", "newest first with reverse: true");

    let order = order_gid(&t, "#1001");
    let customer = t.sim.control().customers()[0].id.clone();
    let product = t.sim.control().products()[0].id.clone();
    let data = gql_ok(
        &t,
        &client_document("nodes.graphql"),
        json!({ "ids": [order, customer, product, "gid://shopify/Order/1"] }),
        "Nodes",
    )
    .await;
    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["__typename"], "Order");
    assert_eq!(nodes[1]["__typename"], "Customer");
    assert!(nodes[0]["updatedAt"].is_string() && nodes[1]["updatedAt"].is_string());
    assert_eq!(nodes[3], Value::Null);

    let tags_add = client_document("tags_add.graphql");
    let tags_remove = client_document("tags_remove.graphql");
    for id in [&order, &customer] {
        let data = gql_ok(&t, &tags_add, json!({ "id": id, "tags": ["shopsync-imported"] }), "TagsAdd").await;
        assert_eq!(data["tagsAdd"]["node"]["id"], json!(id));
        assert_eq!(data["tagsAdd"]["userErrors"], json!([]));
    }
    assert!(t.sim.control().order("#1001").unwrap().tags.contains(&"shopsync-imported".to_string()));
    let data = gql_ok(&t, &tags_remove, json!({ "id": order, "tags": ["shopsync-imported"] }), "TagsRemove").await;
    assert_eq!(data["tagsRemove"]["userErrors"], json!([]));
    assert!(!t.sim.control().order("#1001").unwrap().tags.contains(&"shopsync-imported".to_string()));
    let topics: Vec<&str> = t.sim.control().changes().iter().map(|change| change.topic).collect();
    assert!(topics.contains(&"orders/updated") && topics.contains(&"customers/update"), "{topics:?}");
}

// ---------------------------------------------------------------------------------------------
// fulfillmentCreate
// ---------------------------------------------------------------------------------------------

async fn fulfill(t: &TestSim, fulfillment: Value) -> Value {
    let data = gql_ok(
        t,
        &client_document("fulfillment_create.graphql"),
        json!({ "fulfillment": fulfillment, "message": "Shipped from the back office" }),
        "FulfillmentCreate",
    )
    .await;
    data["fulfillmentCreate"].clone()
}

#[tokio::test]
async fn fulfillment_create_ships_partially_then_fully_with_tracking() {
    let t = spawn().await;
    let order = t.sim.control().order("#1031").unwrap();
    let fo = &order.fulfillment_orders[0];
    assert_eq!(fo.status, "OPEN");
    let first = &fo.lines[0];
    assert_eq!(first.remaining_quantity, 3);

    let tracking = json!({ "number": "00340434161094099999", "company": "DHL", "url": "https://track.example/00340434161094099999" });
    let created = fulfill(
        &t,
        json!({
            "lineItemsByFulfillmentOrder": [{
                "fulfillmentOrderId": fo.id,
                "fulfillmentOrderLineItems": [{ "id": first.id, "quantity": 2 }],
            }],
            "trackingInfo": tracking,
            "notifyCustomer": true,
        }),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]));
    assert_eq!(created["fulfillment"]["status"], "SUCCESS");
    assert_eq!(created["fulfillment"]["name"], "#1031.1");
    assert_eq!(created["fulfillment"]["trackingInfo"], json!([tracking]));

    let after = t.sim.control().order("#1031").unwrap();
    assert_eq!(after.fulfillment_status, "PARTIALLY_FULFILLED");
    assert_eq!(after.fulfillment_orders[0].status, "IN_PROGRESS");
    assert_eq!(after.fulfillment_orders[0].lines[0].remaining_quantity, 1);
    assert!(after.updated_at >= order.updated_at);
    let shipped = t.sim.control().fulfillments("#1031").unwrap();
    assert_eq!(shipped[0].tracking[0].number.as_deref(), Some("00340434161094099999"));
    assert_eq!(shipped[0].lines[0].quantity, 2);
    assert!(shipped[0].notify_customer);

    // Everything that remains, without naming lines.
    let rest = fulfill(&t, json!({ "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo.id }] })).await;
    assert_eq!(rest["userErrors"], json!([]));
    let done = t.sim.control().order("#1031").unwrap();
    assert_eq!(done.fulfillment_status, "FULFILLED");
    assert_eq!(done.fulfillment_orders[0].status, "CLOSED");
    assert!(done.fulfillment_orders[0].lines.iter().all(|line| line.remaining_quantity == 0));
    let topics: Vec<&'static str> = t.sim.control().changes().iter().map(|change| change.topic).collect();
    for topic in ["fulfillments/create", "orders/partially_fulfilled", "orders/fulfilled", "orders/updated"] {
        assert!(topics.contains(&topic), "{topic} in {topics:?}");
    }

    // The fulfillment order is closed now.
    let closed = fulfill(&t, json!({ "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo.id }] })).await;
    assert_eq!(closed["fulfillment"], Value::Null);
    let message = closed["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("unfulfillable status= closed"), "{message}");
}

#[tokio::test]
async fn fulfillment_create_refuses_more_than_remains_and_changes_nothing() {
    let t = spawn().await;
    let order = t.sim.control().order("#1001").unwrap();
    let fo = &order.fulfillment_orders[0];
    let refused = fulfill(
        &t,
        json!({
            "lineItemsByFulfillmentOrder": [{
                "fulfillmentOrderId": fo.id,
                "fulfillmentOrderLineItems": [{ "id": fo.lines[0].id, "quantity": fo.lines[0].remaining_quantity + 1 }],
            }],
        }),
    )
    .await;
    assert_eq!(refused["fulfillment"], Value::Null);
    assert_eq!(refused["userErrors"][0]["message"], "Invalid fulfillment order line item quantity requested.");
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderLineItems", "0", "quantity"])
    );
    assert_eq!(t.sim.control().order("#1001").unwrap(), order, "nothing changed");

    // A cancelled order's fulfillment order cannot be fulfilled either.
    let cancelled = t.sim.control().order("#1016").unwrap();
    let refused = fulfill(
        &t,
        json!({ "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": cancelled.fulfillment_orders[0].id }] }),
    )
    .await;
    assert!(refused["userErrors"][0]["message"].as_str().unwrap().contains("unfulfillable status= cancelled"));
}

// ---------------------------------------------------------------------------------------------
// The demo seed: every case of the order-sync troubleshooting guide
// ---------------------------------------------------------------------------------------------

const CASES: &str = r#"
query Case($id: ID!) {
  order(id: $id) {
    name tags closed cancelledAt displayFinancialStatus displayFulfillmentStatus test
    paymentTerms { paymentTermsType paymentTermsName dueInDays }
    shippingAddress { countryCodeV2 zip }
    customer { id }
    shippingLines(first: 5) { nodes { title } }
    refunds { id }
    returns(first: 2) { nodes { status } }
    lineItems(first: 10) { nodes { sku requiresShipping isGiftCard variant { id } product { id status } } }
  }
}
"#;

async fn case(t: &TestSim, name: &str) -> Value {
    let id = order_gid(t, name);
    gql_ok(t, CASES, json!({ "id": id }), name).await["order"].clone()
}

#[tokio::test]
async fn demo_seed_covers_every_order_failure_case() {
    let t = spawn().await;
    let unlinked = |order: &Value| {
        order["lineItems"]["nodes"].as_array().unwrap().iter().any(|line| {
            let sku = line["sku"].as_str().unwrap_or("");
            ["SKU-00020", "SKU-00021", "SKU-00022"].iter().any(|prefix| sku.starts_with(prefix))
                && !line["variant"].is_null()
        })
    };
    assert!(unlinked(&case(&t, "#1005").await) && unlinked(&case(&t, "#1006").await));

    let deleted = case(&t, "#1007").await;
    let line =
        deleted["lineItems"]["nodes"].as_array().unwrap().iter().find(|l| l["sku"] == "SKU-00026-1").unwrap().clone();
    assert_eq!((line["variant"].clone(), line["product"].clone()), (Value::Null, Value::Null));

    let custom = case(&t, "#1008").await;
    assert!(
        custom["lineItems"]["nodes"].as_array().unwrap().iter().any(|l| l["sku"].is_null() && l["product"].is_null())
    );

    let digital = case(&t, "#1009").await;
    assert!(digital["lineItems"]["nodes"].as_array().unwrap().iter().all(|l| l["requiresShipping"] == false));
    assert!(digital["lineItems"]["nodes"].as_array().unwrap().iter().any(|l| l["isGiftCard"] == true));
    assert_eq!(digital["shippingLines"]["nodes"], json!([]));

    assert_eq!(case(&t, "#1010").await["tags"], json!(["GlobalE"]));
    assert_eq!(case(&t, "#1011").await["tags"], json!(["GlobalE", "Globale::Approved"]));

    let pending = case(&t, "#1012").await;
    assert_eq!(
        (pending["displayFinancialStatus"].clone(), pending["paymentTerms"].clone()),
        (json!("PENDING"), Value::Null)
    );
    let terms = case(&t, "#1013").await;
    assert_eq!(terms["displayFinancialStatus"], "PENDING");
    assert_eq!(
        terms["paymentTerms"],
        json!({ "paymentTermsType": "NET", "paymentTermsName": "Net 30", "dueInDays": 30 })
    );

    assert_eq!(case(&t, "#1014").await["shippingAddress"]["countryCodeV2"], "BR");
    assert_eq!(case(&t, "#1015").await["shippingAddress"]["countryCodeV2"], "JP");

    let cancelled = case(&t, "#1016").await;
    assert!(cancelled["cancelledAt"].is_string() && cancelled["closed"] == true);
    assert_eq!(case(&t, "#1017").await["displayFulfillmentStatus"], "FULFILLED");
    assert_eq!(case(&t, "#1018").await["tags"], json!(["shopsync-ignore"]));
    for (name, country) in [("#1019", "GB"), ("#1020", "DE")] {
        let order = case(&t, name).await;
        assert_eq!(order["shippingAddress"], json!({ "countryCodeV2": country, "zip": null }), "{name}");
    }

    // Plain orders with discounts, taxes, several shipping lines, refunds, transactions.
    assert_eq!(case(&t, "#1003").await["shippingLines"]["nodes"].as_array().unwrap().len(), 2);
    let refunded = case(&t, "#1004").await;
    assert_eq!(refunded["displayFinancialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(refunded["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(case(&t, "#1021").await["displayFulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(case(&t, "#1028").await["displayFinancialStatus"], "REFUNDED");
    assert_eq!(case(&t, "#1029").await["returns"]["nodes"], json!([{ "status": "REQUESTED" }]));
    assert!(case(&t, "#1033").await["closed"] == true);
    assert_eq!(case(&t, "#1034").await["lineItems"]["nodes"][0]["product"]["status"], "ARCHIVED");
    assert_eq!(case(&t, "#1036").await["test"], true);

    // Several orders share customers: by email (#1001, #1024) and by phone only (#1023, #1025).
    assert_eq!(case(&t, "#1001").await["customer"], case(&t, "#1024").await["customer"]);
    assert_eq!(case(&t, "#1023").await["customer"], case(&t, "#1025").await["customer"]);
}

const MONEY: &str = r#"
query Money($id: ID!) {
  order(id: $id) {
    taxesIncluded
    subtotalPriceSet { shopMoney { amount currencyCode } }
    totalPriceSet { shopMoney { amount } }
    totalTaxSet { shopMoney { amount } }
    totalDiscountsSet { shopMoney { amount } }
    totalShippingPriceSet { shopMoney { amount } }
    currentTotalPriceSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
    totalOutstandingSet { shopMoney { amount } }
    discountApplications(first: 5) { nodes { __typename allocationMethod value { ... on PricingPercentageValue { percentage } } ... on DiscountCodeApplication { code } } }
    transactions { kind status gateway amountSet { shopMoney { amount } } parentTransaction { id } }
    lineItems(first: 5) {
      nodes {
        quantity currentQuantity
        originalUnitPriceSet { shopMoney { amount } }
        discountAllocations { allocatedAmountSet { shopMoney { amount } } discountApplication { index } }
        taxLines { title rate priceSet { shopMoney { amount } } }
      }
    }
  }
}
"#;

fn amount(value: &Value) -> rust_decimal::Decimal {
    value["shopMoney"]["amount"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn order_money_adds_up_with_discounts_taxes_and_refunds() {
    let t = spawn().await;
    let discounted = gql_ok(&t, MONEY, json!({ "id": order_gid(&t, "#1002") }), "#1002").await["order"].clone();
    assert_eq!(discounted["discountApplications"]["nodes"][0]["code"], "WELCOME10");
    assert_eq!(discounted["discountApplications"]["nodes"][0]["value"]["percentage"], 10.0);
    let lines = discounted["lineItems"]["nodes"].as_array().unwrap();
    let gross: rust_decimal::Decimal = lines
        .iter()
        .map(|l| amount(&l["originalUnitPriceSet"]) * rust_decimal::Decimal::from(l["quantity"].as_u64().unwrap()))
        .sum();
    let allocated: rust_decimal::Decimal = lines
        .iter()
        .flat_map(|l| l["discountAllocations"].as_array().unwrap())
        .map(|a| amount(&a["allocatedAmountSet"]))
        .sum();
    assert_eq!(amount(&discounted["totalDiscountsSet"]), allocated);
    assert_eq!(amount(&discounted["subtotalPriceSet"]), gross - allocated);
    assert_eq!(discounted["taxesIncluded"], true);
    assert_eq!(
        amount(&discounted["totalPriceSet"]),
        amount(&discounted["subtotalPriceSet"]) + amount(&discounted["totalShippingPriceSet"])
    );
    assert_eq!(lines[0]["taxLines"][0]["title"], "TVA");
    assert_eq!(discounted["transactions"][0]["kind"], "SALE");
    assert_eq!(amount(&discounted["transactions"][0]["amountSet"]), amount(&discounted["totalPriceSet"]));
    assert_eq!(amount(&discounted["totalOutstandingSet"]), rust_decimal::Decimal::ZERO);

    let us = gql_ok(&t, MONEY, json!({ "id": order_gid(&t, "#1022") }), "#1022").await["order"].clone();
    assert_eq!(us["taxesIncluded"], false);
    assert_eq!(
        amount(&us["totalPriceSet"]),
        amount(&us["subtotalPriceSet"]) + amount(&us["totalShippingPriceSet"]) + amount(&us["totalTaxSet"])
    );

    let refunded = gql_ok(&t, MONEY, json!({ "id": order_gid(&t, "#1004") }), "#1004").await["order"].clone();
    let refund = refunded["transactions"].as_array().unwrap().iter().find(|t| t["kind"] == "REFUND").unwrap().clone();
    assert!(refund["parentTransaction"]["id"].is_string());
    assert_eq!(amount(&refunded["totalRefundedSet"]), amount(&refund["amountSet"]));
    assert_eq!(refunded["lineItems"]["nodes"][0]["currentQuantity"], 1);
    assert_eq!(
        amount(&refunded["currentTotalPriceSet"]),
        amount(&refunded["totalPriceSet"]) - amount(&refund["amountSet"])
    );

    let pending = gql_ok(&t, MONEY, json!({ "id": order_gid(&t, "#1012") }), "#1012").await["order"].clone();
    assert_eq!(amount(&pending["totalOutstandingSet"]), amount(&pending["totalPriceSet"]));
    assert_eq!(pending["transactions"][0]["status"], "PENDING");
}

// ---------------------------------------------------------------------------------------------
// Search, sort, pagination
// ---------------------------------------------------------------------------------------------

const ORDER_LIST: &str = r#"
query OrderList($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys, $reverse: Boolean) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id name updatedAt createdAt processedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"#;

async fn names(t: &TestSim, query: &str) -> Vec<String> {
    let data = gql_ok(t, ORDER_LIST, json!({ "first": 250, "query": query, "sortKey": "ID" }), query).await;
    data["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn order_search_filters_like_shopify() {
    let t = spawn().await;
    assert_eq!(names(&t, "").await.len(), 40, "no implicit status filter");
    assert_eq!(names(&t, "status:any").await.len(), 40);
    assert_eq!(names(&t, "status:cancelled").await, ["#1016"]);
    assert_eq!(names(&t, "status:closed").await, ["#1016", "#1033"]);
    assert_eq!(names(&t, "status:open").await.len(), 38);
    assert_eq!(names(&t, "financial_status:pending").await, ["#1012", "#1013"]);
    assert_eq!(names(&t, "financial_status:partially_refunded").await, ["#1004"]);
    assert_eq!(names(&t, "fulfillment_status:shipped").await, ["#1017", "#1029", "#1033"]);
    assert_eq!(names(&t, "fulfillment_status:partial").await, ["#1021"]);
    assert_eq!(names(&t, "tag:GlobalE").await, ["#1010", "#1011"]);
    assert_eq!(names(&t, "tag:GlobalE -tag:'Globale::Approved'").await, ["#1010"]);
    assert_eq!(names(&t, "tag:GlobalE AND NOT tag:Globale::Approved").await, ["#1010"]);
    assert_eq!(names(&t, "name:#1007").await, ["#1007"]);
    assert_eq!(names(&t, "name:1007").await, ["#1007"]);
    assert_eq!(names(&t, "sku:SKU-00020-1").await, ["#1005"]);
    assert_eq!(names(&t, "sku:SKU-00026-1 OR sku:SKU-00021-1").await, ["#1006", "#1007"]);
    assert_eq!(names(&t, "email:jack.miller@example.com").await, ["#1022"]);

    let all = t.sim.control().orders();
    let (third, fifth) = (&all[2], &all[4]);
    let third_id = third.id.rsplit('/').next().unwrap();
    let fifth_id = fifth.id.rsplit('/').next().unwrap();
    assert_eq!(names(&t, &format!("id:>={third_id} id:<={fifth_id}")).await, ["#1003", "#1004", "#1005"]);
    assert_eq!(names(&t, &format!("id:>{}", all[38].id)).await, ["#1040"], "GIDs work as id values");

    // Dates must be quoted; comparators on created_at and updated_at.
    let created = &all[10].created_at;
    assert_eq!(names(&t, &format!("created_at:<'{created}'")).await.len(), 10);
    assert_eq!(names(&t, &format!("created_at:>='{created}'")).await.len(), 30);
    assert_eq!(
        names(&t, "updated_at:>'2026-09-01T09:00:00Z' updated_at:<\"2026-09-02T03:00:00Z\"").await,
        ["#1002", "#1003"]
    );
    assert_eq!(names(&t, "updated_at:>=2030-01-01").await.len(), 0);
}

async fn walk_all(t: &TestSim, first: usize, query: &str, sort_key: &str, reverse: bool) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = gql_ok(
            t,
            ORDER_LIST,
            json!({ "first": first, "after": after, "query": query, "sortKey": sort_key, "reverse": reverse }),
            "OrderList",
        )
        .await;
        let page = &data["orders"];
        for edge in page["edges"].as_array().unwrap() {
            let field = match sort_key {
                "UPDATED_AT" => "updatedAt",
                "CREATED_AT" => "createdAt",
                "PROCESSED_AT" => "processedAt",
                _ => "id",
            };
            let key = edge["node"][field].as_str().unwrap().to_string();
            seen.push((key, edge["node"]["id"].as_str().unwrap().to_string()));
        }
        assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(after.is_some() && !seen.is_empty()));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return seen;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

fn id_of(gid: &str) -> u64 {
    gid.rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn pagination_returns_every_order_exactly_once_in_sort_order() {
    let t = spawn_seeded(Seed::Orders(1200)).await;
    for (sort_key, reverse, first) in [
        ("UPDATED_AT", false, 250),
        ("UPDATED_AT", true, 97),
        ("CREATED_AT", false, 250),
        ("PROCESSED_AT", true, 250),
        ("ID", false, 250),
        ("ID", true, 101),
        ("TOTAL_PRICE", false, 250),
    ] {
        let seen = walk_all(&t, first, "", sort_key, reverse).await;
        assert_eq!(seen.len(), 1200, "{sort_key} reverse={reverse}");
        assert_eq!(seen.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(), 1200, "{sort_key}: no duplicates");
        if sort_key != "TOTAL_PRICE" {
            // Timestamps print as ISO text, so text order is time order; ties go by id.
            let keys: Vec<(String, u64)> = seen
                .iter()
                .map(|(key, id)| (if sort_key == "ID" { String::new() } else { key.clone() }, id_of(id)))
                .collect();
            let mut expected = keys.clone();
            expected.sort();
            if reverse {
                expected.reverse();
            }
            assert_eq!(keys, expected, "{sort_key} reverse={reverse} in order");
        }
    }
    // An incremental import: updated since a time, oldest change first, pages of 50.
    let since = "2026-06-01T00:00:00Z";
    let seen = walk_all(&t, 50, &format!("updated_at:>='{since}'"), "UPDATED_AT", false).await;
    let expected = t.sim.control().orders().iter().filter(|o| o.updated_at.as_str() >= since).count();
    assert!(expected > 0 && seen.len() == expected, "{} of {expected}", seen.len());
    assert!(seen.iter().all(|(updated, _)| updated.as_str() >= since));
    let filtered = walk_all(&t, 250, "financial_status:pending", "UPDATED_AT", true).await;
    assert_eq!(filtered.len(), t.sim.control().orders().iter().filter(|o| o.financial_status == "PENDING").count());
}

#[tokio::test]
async fn an_order_changed_during_an_import_moves_to_the_end_of_the_updated_at_order() {
    let t = spawn().await;
    let first_page = gql_ok(&t, ORDER_LIST, json!({ "first": 5, "sortKey": "UPDATED_AT" }), "page").await;
    let first_name = first_page["orders"]["edges"][0]["node"]["name"].as_str().unwrap().to_string();
    let before = t.sim.control().order(&first_name).unwrap();
    t.sim.control().tag_order(&first_name, &["checked"], &[]).unwrap();
    let after = t.sim.control().order(&first_name).unwrap();
    assert!(after.updated_at > before.updated_at);
    let last = gql_ok(&t, ORDER_LIST, json!({ "first": 1, "sortKey": "UPDATED_AT", "reverse": true }), "last").await;
    assert_eq!(last["orders"]["edges"][0]["node"]["name"], json!(first_name));
}

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

const CUSTOMER_LIST: &str = r#"
query CustomerList($query: String) {
  customers(first: 50, query: $query, sortKey: UPDATED_AT) {
    nodes { displayName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } tags numberOfOrders
            orders(first: 10) { nodes { name } } }
  }
}
"#;

async fn customer_names(t: &TestSim, query: &str) -> Vec<String> {
    let data = gql_ok(t, CUSTOMER_LIST, json!({ "query": query }), query).await;
    data["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn customer_search_matches_email_phone_tag_and_dates() {
    let t = spawn().await;
    assert_eq!(customer_names(&t, "email:anna.schmidt@example.de").await, ["Anna Schmidt"]);
    assert_eq!(customer_names(&t, "phone:+14165550123").await, ["Chloe Tremblay"]);
    assert_eq!(customer_names(&t, "tag:b2b").await, ["Petra Muster"]);
    assert_eq!(customer_names(&t, "updated_at:>='2020-01-01T00:00:00Z'").await.len(), 13);
    assert_eq!(customer_names(&t, "created_at:>='2030-01-01'").await.len(), 0);
    let data = gql_ok(&t, CUSTOMER_LIST, json!({ "query": "email:lena.fischer@example.de" }), "lena").await;
    assert_eq!(data["customers"]["nodes"][0]["numberOfOrders"], "0");
    let data = gql_ok(&t, CUSTOMER_LIST, json!({ "query": "phone:+14165550123" }), "chloe").await;
    let chloe = &data["customers"]["nodes"][0];
    assert_eq!(chloe["defaultEmailAddress"], Value::Null);
    assert_eq!(chloe["orders"]["nodes"], json!([{ "name": "#1023" }, { "name": "#1025" }]));
}

// ---------------------------------------------------------------------------------------------
// Mutations: orderUpdate, orderCancel, orderMarkAsPaid
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn order_update_cancel_and_mark_as_paid_change_the_order_and_bump_updated_at() {
    let t = spawn().await;
    let id = order_gid(&t, "#1012");
    let before = t.sim.control().order("#1012").unwrap();
    let data = gql_ok(
        &t,
        r#"mutation Update($input: OrderInput!) {
             orderUpdate(input: $input) { order { note tags shippingAddress { zip city countryCodeV2 } updatedAt } userErrors { field message } }
           }"#,
        json!({ "input": { "id": id, "note": "Call first", "tags": ["vip"], "shippingAddress": { "zip": "80331", "city": "München" } } }),
        "orderUpdate",
    )
    .await;
    let order = &data["orderUpdate"]["order"];
    assert_eq!(order["note"], "Call first");
    assert_eq!(order["tags"], json!(["vip"]));
    assert_eq!(order["shippingAddress"], json!({ "zip": "80331", "city": "München", "countryCodeV2": "DE" }));
    assert!(order["updatedAt"].as_str().unwrap() >= before.updated_at.as_str());

    let data = gql_ok(
        &t,
        r#"mutation Paid($input: OrderMarkAsPaidInput!) { orderMarkAsPaid(input: $input) { order { displayFinancialStatus totalOutstandingSet { shopMoney { amount } } } userErrors { message } } }"#,
        json!({ "input": { "id": id } }),
        "orderMarkAsPaid",
    )
    .await;
    assert_eq!(data["orderMarkAsPaid"]["order"]["displayFinancialStatus"], "PAID");
    assert_eq!(data["orderMarkAsPaid"]["order"]["totalOutstandingSet"]["shopMoney"]["amount"], "0.00");

    let data = gql_ok(
        &t,
        r#"mutation Cancel($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, refundMethod: { originalPaymentMethodsRefund: true }, restock: true) { job { id done } orderCancelUserErrors { field message code } } }"#,
        json!({ "id": id }),
        "orderCancel",
    )
    .await;
    assert_eq!(data["orderCancel"]["orderCancelUserErrors"], json!([]));
    assert_eq!(data["orderCancel"]["job"]["done"], true);
    let after = t.sim.control().order("#1012").unwrap();
    assert!(after.cancelled && after.closed);
    assert_eq!(after.financial_status, "REFUNDED");
    let topics: Vec<&'static str> = t.sim.control().changes().iter().map(|c| c.topic).collect();
    for topic in ["orders/updated", "orders/paid", "orders/cancelled", "refunds/create"] {
        assert!(topics.contains(&topic), "{topic} in {topics:?}");
    }
    let again = gql_ok(
        &t,
        r#"mutation Cancel($id: ID!) { orderCancel(orderId: $id, reason: OTHER, refundMethod: { originalPaymentMethodsRefund: false }, restock: false) { orderCancelUserErrors { field code } } }"#,
        json!({ "id": id }),
        "orderCancel again",
    )
    .await;
    assert_eq!(again["orderCancel"]["orderCancelUserErrors"], json!([{ "field": ["orderId"], "code": "INVALID" }]));
}

// ---------------------------------------------------------------------------------------------
// Control surface
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn control_creates_edits_and_cancels_orders_that_the_api_then_shows() {
    let t = spawn().await;
    let control = t.sim.control();
    let created = control
        .create_order(&OrderSpec {
            lines: vec![
                LineSpec { sku: Some("SKU-00001-1".into()), quantity: 2, ..LineSpec::default() },
                LineSpec { sku: Some("SKU-00002-1".into()), quantity: 1, ..LineSpec::default() },
            ],
            address: AddressSpec { country: Some("DE".into()), zip: Some(String::new()), ..AddressSpec::default() },
            email: Some("new.buyer@example.de".into()),
            tags: vec!["wholesale".into()],
            financial_status: Some("pending".into()),
            payment_terms: Some("NET_15".into()),
            ..OrderSpec::default()
        })
        .unwrap();
    assert_eq!(created.name, "#1041");
    assert_eq!((created.financial_status.as_str(), created.payment_terms.as_deref()), ("PENDING", Some("Net 15")));
    assert_eq!(created.zip, None);
    let topics: Vec<&'static str> = control.changes().iter().map(|c| c.topic).collect();
    assert!(topics.contains(&"orders/create") && topics.contains(&"customers/create"), "{topics:?}");

    let edited = control
        .edit_order(
            "#1041",
            &OrderEdit {
                quantities: BTreeMap::from([("SKU-00001-1".to_string(), 1)]),
                add_lines: vec![LineSpec { sku: Some("SKU-00003-1".into()), quantity: 4, ..LineSpec::default() }],
                remove_lines: vec!["SKU-00002-1".into()],
                shipping_address: Some(AddressSpec {
                    country: Some("FR".into()),
                    zip: Some("75002".into()),
                    ..AddressSpec::default()
                }),
                ..OrderEdit::default()
            },
        )
        .unwrap();
    let currents: Vec<(Option<String>, u32)> =
        edited.lines.iter().map(|l| (l.sku.clone(), l.current_quantity)).collect();
    assert_eq!(
        currents,
        [(Some("SKU-00001-1".into()), 1), (Some("SKU-00002-1".into()), 0), (Some("SKU-00003-1".into()), 4)]
    );
    assert_eq!((edited.country.as_deref(), edited.zip.as_deref()), (Some("FR"), Some("75002")));
    let remaining: Vec<u32> = edited.fulfillment_orders[0].lines.iter().map(|l| l.remaining_quantity).collect();
    assert_eq!(remaining, [1, 0, 4]);
    assert!(edited.updated_at >= created.updated_at);

    let paid = control.mark_order_paid("#1041").unwrap();
    assert_eq!(paid.financial_status, "PAID");
    let untagged = control.tag_order("#1041", &["checked"], &["wholesale"]).unwrap();
    assert_eq!(untagged.tags, ["checked"]);
    let refunded = control
        .refund_order("#1041", &[RefundLineSpec { line: "SKU-00003-1".into(), quantity: 1 }], Some("broken"))
        .unwrap();
    assert_eq!(refunded.financial_status, "PARTIALLY_REFUNDED");
    let cancelled = control.cancel_order("#1041", Some("FRAUD")).unwrap();
    assert!(cancelled.cancelled);
    assert!(control.cancel_order("#1041", None).is_err(), "cancelling twice is refused");
    assert!(control.cancel_order("#9999", None).is_err());
}

#[tokio::test]
async fn deleting_a_product_leaves_its_order_lines_without_variant_and_product() {
    let t = spawn().await;
    let order = t.sim.control().order("#1001").unwrap();
    let sku = order.lines[0].sku.clone().unwrap();
    assert!(order.lines[0].variant_id.is_some());
    t.sim.control().delete_product(&sku).unwrap();
    let data = gql_ok(
        &t,
        "query Lines($id: ID!) { order(id: $id) { lineItems(first: 5) { nodes { sku variant { id } product { id } } } } }",
        json!({ "id": order.id }),
        "lines",
    )
    .await;
    let line = &data["order"]["lineItems"]["nodes"][0];
    assert_eq!(line, &json!({ "sku": sku, "variant": null, "product": null }));
    let rest = t.sim.control().order_rest_json("#1001").unwrap();
    assert_eq!(rest["line_items"][0]["product_exists"], false);
}

#[tokio::test]
async fn control_routes_speak_json_over_http() {
    let t = spawn().await;
    let base = t.sim.base_url().to_string();
    let http = &t.http;
    let created: Value = http
        .post(format!("{base}/_sim/orders"))
        .json(&json!({ "lines": [{ "sku": "SKU-00005-1", "quantity": 1 }], "address": { "country": "NL" }, "tags": ["http"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["name"], "#1041");
    let tagged: Value = http
        .post(format!("{base}/_sim/orders/1041/tags"))
        .json(&json!({ "add": ["GlobalE"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tagged["tags"], json!(["http", "GlobalE"]));
    let listed: Value = http.get(format!("{base}/_sim/orders")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 41);
    let missing = http.post(format!("{base}/_sim/orders/4242/paid")).json(&json!({})).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let refused = http.post(format!("{base}/_sim/orders/1041/paid")).json(&json!({})).send().await.unwrap();
    assert_eq!(refused.status(), 422, "a paid order cannot be marked paid");
    let rest: Value = http.get(format!("{base}/_sim/orders/%231041/rest")).send().await.unwrap().json().await.unwrap();
    assert_eq!(rest["name"], "#1041");
    let fulfillments: Value =
        http.get(format!("{base}/_sim/orders/1017/fulfillments")).send().await.unwrap().json().await.unwrap();
    assert_eq!(fulfillments[0]["tracking"][0]["company"], "DHL");
}

// ---------------------------------------------------------------------------------------------
// REST bodies
// ---------------------------------------------------------------------------------------------

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn rest_order_json_has_the_fixture_keys() {
    let t = spawn().await;
    let fixture = crate::support::fixture("rest_order_450789469_2026-07.json");
    for name in ["#1004", "#1017", "#1013"] {
        let body = t.sim.control().order_rest_json(name).unwrap();
        let have = keys(&body);
        for key in keys(&fixture) {
            assert!(have.contains(&key), "{name}: top-level key {key} missing");
        }
        for (part, sample) in
            [("line_items", &fixture["line_items"][0]), ("shipping_lines", &fixture["shipping_lines"][0])]
        {
            let ours = &body[part][0];
            for key in keys(sample) {
                assert!(ours.get(&key).is_some(), "{name}: {part} key {key} missing");
            }
        }
        for key in keys(&fixture["customer"]) {
            assert!(body["customer"].get(&key).is_some(), "{name}: customer key {key} missing");
        }
        assert_eq!(body["admin_graphql_api_id"], json!(order_gid(&t, name)));
        assert!(body["id"].is_u64());
    }
    let refunded = t.sim.control().order_rest_json("#1004").unwrap();
    for key in keys(&fixture["refunds"][0]) {
        assert!(refunded["refunds"][0].get(&key).is_some(), "refund key {key} missing");
    }
    assert_eq!(refunded["financial_status"], "partially_refunded");
    let fulfilled = t.sim.control().order_rest_json("#1017").unwrap();
    for key in keys(&fixture["fulfillments"][0]) {
        assert!(fulfilled["fulfillments"][0].get(&key).is_some(), "fulfillment key {key} missing");
    }
    assert_eq!(fulfilled["fulfillment_status"], "fulfilled");
    let terms = t.sim.control().order_rest_json("#1013").unwrap();
    assert_eq!(terms["payment_terms"]["payment_terms_name"], "Net 30");
}

#[tokio::test]
async fn rest_customer_json_has_the_webhook_keys() {
    let t = spawn().await;
    let body = t.sim.control().with_store(|store| {
        let customer = store.customers.iter().next().unwrap();
        shopify_sim::model::customers::rest::customer_json(customer, store)
    });
    for key in [
        "addresses",
        "admin_graphql_api_id",
        "created_at",
        "currency",
        "default_address",
        "email",
        "first_name",
        "id",
        "last_name",
        "multipass_identifier",
        "note",
        "phone",
        "state",
        "tax_exempt",
        "tax_exemptions",
        "updated_at",
        "verified_email",
    ] {
        assert!(body.get(key).is_some(), "customer key {key} missing");
    }
    assert_eq!(body["default_address"]["default"], true);
}

#[tokio::test]
async fn an_orders_seed_ends_at_the_current_time_with_the_same_orders_every_start() {
    let before = jiff::Timestamp::now();
    let first = spawn_seeded(Seed::Orders(300)).await.sim.control().orders();
    let second = spawn_seeded(Seed::Orders(300)).await.sim.control().orders();
    let after = jiff::Timestamp::now();
    let time = |text: &str| text.parse::<jiff::Timestamp>().unwrap();
    let newest = first.iter().map(|order| time(&order.updated_at)).max().unwrap();
    // Shopify's timestamps are whole seconds: the newest change is the second the store started.
    let started = jiff::Timestamp::from_second(before.as_second()).unwrap();
    assert!(newest <= after, "no order changes in the future: {newest} > {after}");
    assert!(newest >= started, "the history reaches the present: newest {newest}, started {before}");
    assert!(first.iter().all(|order| time(&order.created_at) <= time(&order.updated_at)));

    // Only the dates follow the clock: the orders themselves are the same.
    let content = |orders: &[shopify_sim::control_orders::OrderSnapshot]| -> Vec<String> {
        orders
            .iter()
            .map(|order| {
                let lines: Vec<String> =
                    order.lines.iter().map(|line| format!("{:?} x{}", line.sku, line.quantity)).collect();
                format!(
                    "{} {} {} {:?} {}",
                    order.name,
                    order.financial_status,
                    order.total_price,
                    order.email,
                    lines.join(",")
                )
            })
            .collect()
    };
    assert_eq!(content(&first), content(&second));
}
