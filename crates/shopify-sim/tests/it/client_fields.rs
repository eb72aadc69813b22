//! Fields other Shopify clients read, in documents written the way they write them (fragments,
//! variables, aliases), at more than one API version: order risk, business entity and cash
//! rounding; product SEO, price ranges and collections; variant unit prices; the shop's primary
//! domain, order number format and its lists of product types, vendors and tags.

use serde_json::json;

const ORDER_DETAILS: &str = r#"
fragment Money on MoneyBag { shopMoney { amount currencyCode } }
query OrderDetails($first: Int!) {
  orders(first: $first, sortKey: CREATED_AT) {
    nodes {
      id name number
      risk { recommendation assessments { riskLevel provider { title } facts { description sentiment } } }
      merchantBusinessEntity { id displayName primary address { countryCode } }
      totalCashRoundingAdjustment { paymentSet { ...Money } refundSet { ...Money } }
    }
  }
}
"#;

const CATALOG_DETAILS: &str = r#"
query CatalogDetails($first: Int!) {
  products(first: $first) {
    nodes {
      title
      seo { title description }
      price: priceRangeV2 { min: minVariantPrice { amount currencyCode } max: maxVariantPrice { amount } }
      compareAtPriceRange { maxVariantCompareAtPrice { amount } }
      collections(first: 5) { nodes { id } }
      variants(first: 1) { nodes { price unitPrice { amount } showUnitPrice } }
    }
  }
  types: productTypes(first: 50) { nodes }
  vendors: productVendors(first: 50) { edges { node } pageInfo { hasNextPage } }
  productTags(first: 2) { nodes pageInfo { hasNextPage endCursor } }
  shop {
    primaryDomain { host url sslEnabled }
    orderNumberFormatPrefix
    orderTags(first: 250) { nodes }
  }
}
"#;

#[tokio::test]
async fn order_catalog_and_shop_details_clients_read_are_served_at_several_versions() {
    let t = crate::support::spawn().await;
    for version in ["2026-07", "2026-10"] {
        let body = t.gql_at(version, ORDER_DETAILS, json!({ "first": 3 })).await;
        assert!(body.get("errors").is_none(), "{version}: {body}");
        let order = &body["data"]["orders"]["nodes"][0];
        assert_eq!(order["risk"]["recommendation"], "ACCEPT");
        assert_eq!(order["risk"]["assessments"][0]["riskLevel"], "LOW");
        assert!(!order["risk"]["assessments"][0]["facts"].as_array().unwrap().is_empty());
        assert_eq!(order["merchantBusinessEntity"]["primary"], true);
        assert_eq!(order["totalCashRoundingAdjustment"]["paymentSet"]["shopMoney"]["amount"], "0.00");

        let body = t.gql_at(version, CATALOG_DETAILS, json!({ "first": 5 })).await;
        assert!(body.get("errors").is_none(), "{version}: {body}");
        let products = body["data"]["products"]["nodes"].as_array().unwrap();
        for product in products {
            let min: f64 = product["price"]["min"]["amount"].as_str().unwrap().parse().unwrap();
            let max: f64 = product["price"]["max"]["amount"].as_str().unwrap().parse().unwrap();
            assert!(0.0 < min && min <= max, "{product}");
            assert_eq!(product["collections"]["nodes"], json!([]));
            assert_eq!(product["seo"], json!({ "title": null, "description": null }));
        }
        let shop = &body["data"]["shop"];
        assert!(shop["primaryDomain"]["url"].as_str().unwrap().starts_with("https://"), "{shop}");
        assert_eq!(shop["orderNumberFormatPrefix"], "#");
        let data = &body["data"];
        assert!(!data["types"]["nodes"].as_array().unwrap().is_empty(), "{data}");
        assert!(!data["vendors"]["edges"].as_array().unwrap().is_empty(), "{data}");
        assert_eq!(data["productTags"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(data["productTags"]["pageInfo"]["hasNextPage"], true, "{data}");
        let order_tags = shop["orderTags"]["nodes"].as_array().unwrap();
        let mut sorted = order_tags.clone();
        sorted.sort_by_key(|tag| tag.as_str().unwrap().to_lowercase());
        sorted.dedup();
        assert_eq!(order_tags, &sorted, "distinct and sorted");
    }
}

const REALISTIC: &str = r#"
query Realistic {
  orders(first: 50) {
    nodes {
      shippingAddress { countryCodeV2 }
      transactions(first: 5) { gateway formattedGateway }
      fulfillments(first: 5) { service { serviceName handle type } }
    }
  }
  shop { shipsToCountries }
}
"#;

#[tokio::test]
async fn gateways_fulfillment_services_and_ship_to_countries_look_as_in_a_real_shop() {
    let t = crate::support::spawn().await;
    let body = t.gql(REALISTIC, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let orders = body["data"]["orders"]["nodes"].as_array().unwrap();
    let transactions: Vec<&serde_json::Value> =
        orders.iter().flat_map(|order| order["transactions"].as_array().unwrap()).collect();
    let shopify_payments = transactions.iter().find(|t| t["gateway"] == "shopify_payments").expect("a card sale");
    assert_eq!(shopify_payments["formattedGateway"], "Shopify Payments");
    let services: Vec<&serde_json::Value> = orders
        .iter()
        .flat_map(|order| order["fulfillments"].as_array().unwrap())
        .map(|fulfillment| &fulfillment["service"])
        .collect();
    assert!(!services.is_empty(), "the demo has fulfilled orders");
    assert!(
        services
            .iter()
            .all(|service| **service == json!({ "serviceName": "Manual", "handle": "manual", "type": "MANUAL" }))
    );
    let ships_to = body["data"]["shop"]["shipsToCountries"].as_array().unwrap();
    for order in orders {
        if let Some(country) = order["shippingAddress"]["countryCodeV2"].as_str() {
            assert!(ships_to.contains(&json!(country)), "{country} is shipped to but not in {ships_to:?}");
        }
    }
}

const APP: &str = r#"
query App {
  app { id title handle apiKey installation { id launchUrl accessScopes { handle } } }
  currentAppInstallation { id app { handle } settings: metafield(namespace: "$app", key: "settings") { jsonValue } }
  currentStaffMember { id }
  staffMembers(first: 5) { nodes { id name email isShopOwner } }
  shop { accountOwner { name } }
}
"#;

#[tokio::test]
async fn the_app_its_installation_with_app_data_metafields_and_the_staff_are_served() {
    let t = crate::support::spawn().await;
    let body = t.gql(APP, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    assert_eq!(data["app"]["apiKey"], shopify_sim::SimConfig::default().api_key);
    assert_eq!(data["app"]["installation"]["id"], data["currentAppInstallation"]["id"]);
    assert!(
        data["app"]["installation"]["accessScopes"].as_array().unwrap().contains(&json!({ "handle": "read_orders" }))
    );
    assert_eq!(data["currentAppInstallation"]["settings"], serde_json::Value::Null);
    assert_eq!(data["currentStaffMember"], serde_json::Value::Null, "an offline token acts for no staff member");
    assert_eq!(data["staffMembers"]["nodes"][0]["isShopOwner"], true);
    assert_eq!(data["shop"]["accountOwner"]["name"], data["staffMembers"]["nodes"][0]["name"]);

    // Apps keep their settings as metafields on their installation.
    let installation = data["currentAppInstallation"]["id"].as_str().unwrap();
    let set = t
        .gql(
            "mutation Save($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { ownerType } userErrors { message } } }",
            json!({ "m": [{ "ownerId": installation, "namespace": "$app", "key": "settings", "type": "json", "value": "{\"sync\":true}" }] }),
        )
        .await;
    assert_eq!(set["data"]["metafieldsSet"]["metafields"][0]["ownerType"], "API_PERMISSION", "{set}");
    let body = t.gql(APP, json!({})).await;
    assert_eq!(body["data"]["currentAppInstallation"]["settings"]["jsonValue"], json!({ "sync": true }));
}
