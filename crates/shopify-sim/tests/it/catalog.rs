//! Catalog reads: the executor's GraphQL features, connections, search syntax and sorting.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::spawn;

const PRODUCT_PAGE: &str = r#"
query ProductPage($first: Int!, $after: String, $query: String, $sortKey: ProductSortKeys = ID, $reverse: Boolean) {
  products(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { ...ProductFields } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
fragment ProductFields on Product {
  id
  legacyResourceId
  title
  handle
  status
  tags
  vendor
  productType
  descriptionHtml
  createdAt
  updatedAt
  options { name values optionValues { name hasVariants } }
  media(first: 1) { nodes { ... on MediaImage { id image { url width } } mediaContentType } }
  variants(first: 5) {
    nodes {
      id
      sku
      barcode
      price
      compareAtPrice
      selectedOptions { name value }
      inventoryItem {
        id
        tracked
        measurement { weight { unit value } }
        inventoryLevels(first: 2) {
          nodes { location { id name } quantities(names: ["available", "on_hand"]) { name quantity } }
        }
      }
    }
  }
}
"#;

const PRODUCT_LIST: &str = r#"
query ProductList($first: Int!, $query: String, $sortKey: ProductSortKeys = ID, $reverse: Boolean) {
  products(first: $first, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { node { id title updatedAt } }
  }
}
"#;

async fn product_list(t: &crate::support::TestSim, variables: Value) -> Value {
    let body = t.gql(PRODUCT_LIST, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["products"].clone()
}

async fn product_page(t: &crate::support::TestSim, variables: Value) -> Value {
    let body = t.gql(PRODUCT_PAGE, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["products"].clone()
}

#[tokio::test]
async fn products_paginate_with_cursors_through_the_whole_demo_catalog() {
    let t = spawn().await;
    let mut seen = HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = product_page(&t, json!({ "first": 10, "after": after })).await;
        for edge in page["edges"].as_array().unwrap() {
            assert!(seen.insert(edge["node"]["id"].as_str().unwrap().to_string()), "no duplicates");
        }
        pages += 1;
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn product_fields_come_from_the_seeded_catalog() {
    let t = spawn().await;
    let page = product_page(&t, json!({ "first": 1 })).await;
    let product = &page["edges"][0]["node"];
    assert!(product["id"].as_str().unwrap().starts_with("gid://shopify/Product/"));
    assert!(product["tags"].as_array().unwrap().contains(&json!("featured")));
    let variant = &product["variants"]["nodes"][0];
    assert_eq!(variant["sku"], "SKU-00001-1");
    assert_eq!(variant["barcode"].as_str().unwrap().len(), 13);
    assert!(variant["price"].as_str().unwrap().contains('.'), "Money is a decimal string");
    let level = &variant["inventoryItem"]["inventoryLevels"]["nodes"][0];
    assert_eq!(level["quantities"][0]["name"], "available");
    assert_eq!(level["quantities"][1]["name"], "on_hand");
    assert_eq!(variant["inventoryItem"]["measurement"]["weight"]["unit"], "GRAMS");
    let image = &product["media"]["nodes"][0];
    assert_eq!(image["mediaContentType"], "IMAGE");
    let url = image["image"]["url"].as_str().unwrap();
    assert!(url.starts_with(t.sim.base_url()));
    let png = t.http.get(url).send().await.unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn search_syntax_filters_products() {
    let t = spawn().await;
    let count = |query: &'static str| {
        let t = &t;
        async move {
            let page = product_list(t, json!({ "first": 100, "query": query })).await;
            page["edges"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("sku:SKU-00001-1").await, 1);
    assert_eq!(count("status:draft").await, 1);
    assert_eq!(count("status:active,draft").await, 24);
    assert_eq!(count("-status:active").await, 2);
    assert_eq!(count("tag:featured").await, 5);
    assert_eq!(count("tag:featured AND sku:SKU-00002*").await, 1);
    assert_eq!(count("tag:featured OR status:archived").await, 6);
    assert_eq!(count("updated_at:>'2030-01-01T00:00:00Z'").await, 0);
    assert_eq!(count("created_at:>='2025-06-01T00:00:00Z'").await, 25);
    assert_eq!(count("created_at:<'2025-06-01T03:30:00Z'").await, 3);
}

#[tokio::test]
async fn sort_keys_and_reverse_order_products() {
    let t = spawn().await;
    let titles = |page: &Value| -> Vec<String> {
        page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["title"].as_str().unwrap().to_lowercase())
            .collect()
    };
    let by_title = titles(&product_list(&t, json!({ "first": 100, "sortKey": "TITLE" })).await);
    let mut sorted = by_title.clone();
    sorted.sort();
    assert_eq!(by_title, sorted);
    let reversed = titles(&product_list(&t, json!({ "first": 100, "sortKey": "TITLE", "reverse": true })).await);
    assert_eq!(reversed, by_title.iter().rev().cloned().collect::<Vec<_>>());

    let updated = product_list(&t, json!({ "first": 100, "sortKey": "UPDATED_AT" })).await;
    let stamps: Vec<&str> =
        updated["edges"].as_array().unwrap().iter().map(|edge| edge["node"]["updatedAt"].as_str().unwrap()).collect();
    assert!(stamps.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test]
async fn variants_are_searchable_by_sku_and_paginate_backwards() {
    let t = spawn().await;
    let query = r#"query Variants($query: String, $last: Int, $before: String) {
        productVariants(last: $last, before: $before, query: $query) {
          nodes { sku product { title } inventoryQuantity }
          pageInfo { hasPreviousPage startCursor }
        }
      }"#;
    let body = t.gql(query, json!({ "query": "sku:SKU-00003-*", "last": 10 })).await;
    let nodes = body["data"]["productVariants"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|node| node["sku"].as_str().unwrap().starts_with("SKU-00003-")));
    let all = t.gql(query, json!({ "last": 5 })).await;
    let page = &all["data"]["productVariants"];
    assert_eq!(page["nodes"].as_array().unwrap().len(), 5);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    let before = t.gql(query, json!({ "last": 5, "before": page["pageInfo"]["startCursor"] })).await;
    assert_eq!(before["data"]["productVariants"]["nodes"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn aliases_fragments_directives_typename_and_nodes_work() {
    let t = spawn().await;
    let first = t.gql("{ products(first: 2) { nodes { id } } }", json!({})).await;
    let ids: Vec<Value> =
        first["data"]["products"]["nodes"].as_array().unwrap().iter().map(|node| node["id"].clone()).collect();
    let query = r#"
        query Nodes($ids: [ID!]!, $withTitle: Boolean!, $skipHandle: Boolean = true) {
          lookup: nodes(ids: $ids) {
            __typename
            id
            ... on Product { name: title @include(if: $withTitle) handle @skip(if: $skipHandle) }
            ...VariantBits
          }
          one: node(id: "gid://shopify/Product/1") { id }
          shop { __typename }
        }
        fragment VariantBits on ProductVariant { sku }
    "#;
    let mut with_missing = ids.clone();
    with_missing.push(json!("gid://shopify/Product/1"));
    let body = t.gql(query, json!({ "ids": with_missing, "withTitle": true })).await;
    let lookup = body["data"]["lookup"].as_array().unwrap();
    assert_eq!(lookup.len(), 3);
    assert_eq!(lookup[0]["__typename"], "Product");
    assert!(lookup[0]["name"].is_string());
    assert!(lookup[0].get("handle").is_none(), "@skip(if: true) by default value");
    assert!(lookup[0].get("sku").is_none(), "fragment on another type does not apply");
    assert!(lookup[2].is_null(), "unknown ids resolve to null");
    assert!(body["data"]["one"].is_null());
    assert_eq!(body["data"]["shop"]["__typename"], "Shop");
}

#[tokio::test]
async fn connections_require_first_or_last_and_cap_them_at_250() {
    let t = spawn().await;
    let missing = t.gql("{ products(query: \"x\") { nodes { id } } }", json!({})).await;
    assert_eq!(missing["errors"][0]["message"], "you must provide one of first or last");
    let too_many = t.gql("{ locations(first: 251) { nodes { id } } }", json!({})).await;
    assert!(too_many["errors"][0]["message"].as_str().unwrap().contains("250"), "{too_many}");
}

#[tokio::test]
async fn locations_inventory_items_and_app_scopes_resolve() {
    let t = spawn().await;
    let query = r#"{
      locations(first: 10) { nodes { id name isActive fulfillsOnlineOrders address { city countryCode } } }
      inventoryItems(first: 3, query: "sku:SKU-00001-1") { nodes { id sku tracked variants(first: 2) { nodes { sku } } inventoryLevel(locationId: "gid://shopify/Location/1") { id } } }
      currentAppInstallation { accessScopes { handle } }
      productsCount { count precision }
    }"#;
    let body = t.gql(query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let locations = body["data"]["locations"]["nodes"].as_array().unwrap();
    assert_eq!(locations.len(), 2);
    assert_eq!(locations[0]["name"], "Main Warehouse", "sorted by name");
    assert_eq!(body["data"]["inventoryItems"]["nodes"][0]["variants"]["nodes"], json!([{ "sku": "SKU-00001-1" }]));
    let scopes = body["data"]["currentAppInstallation"]["accessScopes"].as_array().unwrap();
    assert!(scopes.contains(&json!({ "handle": "write_inventory" })));
    assert_eq!(body["data"]["productsCount"]["count"], 25);
}

#[tokio::test]
async fn the_control_surface_shows_products_and_changes_stock_over_http() {
    let t = spawn().await;
    let products: Value =
        t.http.get(format!("{}/_sim/products", t.sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(products.as_array().unwrap().len(), 25);
    let response = t
        .http
        .post(format!("{}/_sim/inventory", t.sim.base_url()))
        .json(&json!({ "sku": "SKU-00002-1", "quantity": 77 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(t.sim.control().quantity("SKU-00002-1", None, "available"), Some(77));
    let unknown = t
        .http
        .post(format!("{}/_sim/inventory", t.sim.base_url()))
        .json(&json!({ "sku": "NOPE", "quantity": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 422);
}
