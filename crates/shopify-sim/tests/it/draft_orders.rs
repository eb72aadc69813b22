//! Draft orders: create (catalog and custom lines), read back, complete into an order that the
//! next query finds, and Shopify's user errors.

use serde_json::{Value, json};

use crate::support::spawn;

const CREATE: &str = r#"
mutation Create($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder {
      id name status email tags
      totalPriceSet { shopMoney { amount } }
      lineItems(first: 5) { nodes { title sku quantity custom originalUnitPriceSet { shopMoney { amount } } variant { id } } }
    }
    userErrors { field message }
  }
}
"#;

const COMPLETE: &str = r#"
mutation Complete($id: ID!) {
  draftOrderComplete(id: $id) {
    draftOrder { id status completedAt order { id name email sourceName lineItems(first: 5) { nodes { sku quantity } } } }
    userErrors { field message }
  }
}
"#;

#[tokio::test]
async fn a_draft_order_is_created_completed_and_its_order_found() {
    let t = spawn().await;
    let variant = t.sim.control().variants_by_sku("SKU-00003-1")[0].id.clone();
    let body = t
        .gql(
            CREATE,
            json!({ "input": {
                "email": "buyer@example.com", "tags": ["b2b"], "note": "Phone order",
                "shippingAddress": { "address1": "Kungsgatan 2", "city": "Stockholm", "zip": "111 43", "countryCode": "SE" },
                "lineItems": [
                    { "variantId": variant, "quantity": 2 },
                    { "title": "Gift wrapping", "originalUnitPrice": "4.50", "quantity": 1 }
                ]
            }}),
        )
        .await;
    let payload = &body["data"]["draftOrderCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let draft = &payload["draftOrder"];
    assert_eq!(draft["status"], "OPEN");
    assert!(draft["name"].as_str().unwrap().starts_with("#D"));
    let lines = draft["lineItems"]["nodes"].as_array().unwrap();
    assert_eq!(lines[0]["sku"], "SKU-00003-1");
    assert_eq!(lines[0]["variant"]["id"], variant);
    assert_eq!(lines[1]["custom"], true);
    let unit: f64 = lines[0]["originalUnitPriceSet"]["shopMoney"]["amount"].as_str().unwrap().parse().unwrap();
    let total: f64 = draft["totalPriceSet"]["shopMoney"]["amount"].as_str().unwrap().parse().unwrap();
    assert!((total - (2.0 * unit + 4.5)).abs() < 0.001, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();

    let completed = t.gql(COMPLETE, json!({ "id": id })).await;
    let payload = &completed["data"]["draftOrderComplete"];
    assert_eq!(payload["userErrors"], json!([]), "{completed}");
    assert_eq!(payload["draftOrder"]["status"], "COMPLETED");
    let order = &payload["draftOrder"]["order"];
    assert_eq!(order["email"], "buyer@example.com");
    assert_eq!(order["sourceName"], "shopify_draft_order");
    assert_eq!(order["lineItems"]["nodes"][0], json!({ "sku": "SKU-00003-1", "quantity": 2 }));
    let found = t.gql("query O($id: ID!) { order(id: $id) { name } }", json!({ "id": order["id"] })).await;
    assert_eq!(found["data"]["order"]["name"], order["name"], "the next query finds the order");
    let listed = t.gql("query D { draftOrders(first: 5) { nodes { id status } } }", json!({})).await;
    assert_eq!(listed["data"]["draftOrders"]["nodes"], json!([{ "id": id, "status": "COMPLETED" }]));

    let again = t.gql(COMPLETE, json!({ "id": id })).await;
    assert_eq!(again["data"]["draftOrderComplete"]["userErrors"][0]["message"], "This order has already been paid");
}

#[tokio::test]
async fn draft_order_input_problems_are_user_errors() {
    let t = spawn().await;
    let body = t
        .gql(
            CREATE,
            json!({ "input": { "lineItems": [
                { "variantId": "gid://shopify/ProductVariant/1", "quantity": 1 },
                { "title": "No price", "quantity": 1 },
                { "title": "Nothing", "originalUnitPrice": "1.00", "quantity": 0 }
            ]}}),
        )
        .await;
    let fields: Vec<&Value> =
        body["data"]["draftOrderCreate"]["userErrors"].as_array().unwrap().iter().map(|e| &e["field"]).collect();
    assert_eq!(
        fields,
        [
            &json!(["lineItems", "0", "variantId"]),
            &json!(["lineItems", "1", "originalUnitPrice"]),
            &json!(["lineItems", "2", "quantity"])
        ],
        "{body}"
    );
    assert_eq!(body["data"]["draftOrderCreate"]["draftOrder"], Value::Null);
    let empty = t.gql(CREATE, json!({ "input": { "lineItems": [] } })).await;
    assert_eq!(empty["data"]["draftOrderCreate"]["userErrors"][0]["message"], "Add at least 1 product");
}
