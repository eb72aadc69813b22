//! Customer writes: create, update and delete, each visible in the next query, with Shopify's
//! user errors.

use serde_json::{Value, json};

use crate::support::spawn;

const CREATE: &str = r#"
mutation Create($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer { id displayName defaultEmailAddress { emailAddress marketingState } tags taxExempt
               defaultAddress { city countryCodeV2 zip } addressesV2(first: 5) { nodes { city } } }
    userErrors { field message }
  }
}
"#;

const UPDATE: &str = r#"
mutation Update($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id firstName note tags updatedAt } userErrors { field message } }
}
"#;

const DELETE: &str = r#"
mutation Delete($id: ID!) { customerDelete(input: { id: $id }) { deletedCustomerId userErrors { field message } } }
"#;

const READ: &str = "query Read($id: ID!) { customer(id: $id) { firstName lastName note tags } }";

#[tokio::test]
async fn customers_are_created_updated_and_deleted_as_the_next_query_shows() {
    let t = spawn().await;
    let body = t
        .gql(
            CREATE,
            json!({ "input": {
                "firstName": "Ida", "lastName": "Nordin", "email": "ida.nordin@example.se", "tags": ["b2b", "vip"],
                "taxExempt": true, "emailMarketingConsent": { "marketingState": "SUBSCRIBED" },
                "addresses": [{ "address1": "Drottninggatan 1", "city": "Stockholm", "zip": "111 51", "countryCode": "SE" },
                              { "city": "Göteborg", "countryCode": "SE", "zip": "411 01" }]
            }}),
        )
        .await;
    let payload = &body["data"]["customerCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let customer = &payload["customer"];
    assert_eq!(customer["displayName"], "Ida Nordin");
    assert_eq!(
        customer["defaultEmailAddress"],
        json!({ "emailAddress": "ida.nordin@example.se", "marketingState": "SUBSCRIBED" })
    );
    assert_eq!(customer["tags"], json!(["b2b", "vip"]));
    assert_eq!(customer["taxExempt"], true);
    assert_eq!(customer["defaultAddress"], json!({ "city": "Stockholm", "countryCodeV2": "SE", "zip": "111 51" }));
    assert_eq!(customer["addressesV2"]["nodes"], json!([{ "city": "Stockholm" }, { "city": "Göteborg" }]));
    let id = customer["id"].as_str().unwrap().to_string();

    let updated = t
        .gql(UPDATE, json!({ "input": { "id": id, "firstName": "Idun", "note": "Prefers invoices", "tags": ["vip"] } }))
        .await;
    assert_eq!(updated["data"]["customerUpdate"]["userErrors"], json!([]), "{updated}");
    let read = t.gql(READ, json!({ "id": id })).await;
    assert_eq!(
        read["data"]["customer"],
        json!({ "firstName": "Idun", "lastName": "Nordin", "note": "Prefers invoices", "tags": ["vip"] }),
        "fields not given stay"
    );

    let deleted = t.gql(DELETE, json!({ "id": id })).await;
    assert_eq!(deleted["data"]["customerDelete"], json!({ "deletedCustomerId": id, "userErrors": [] }));
    assert_eq!(t.gql(READ, json!({ "id": id })).await["data"]["customer"], Value::Null);
}

#[tokio::test]
async fn customer_writes_get_shopifys_user_errors() {
    let t = spawn().await;
    let existing = t.sim.control().customers().into_iter().find(|c| c.email.is_some()).unwrap();
    let taken = t.gql(CREATE, json!({ "input": { "email": existing.email } })).await;
    assert_eq!(
        taken["data"]["customerCreate"],
        json!({ "customer": null, "userErrors": [{ "field": ["email"], "message": "Email has already been taken" }] })
    );
    let invalid = t.gql(CREATE, json!({ "input": { "email": "not-an-email", "phone": "12" } })).await;
    assert_eq!(
        invalid["data"]["customerCreate"]["userErrors"],
        json!([{ "field": ["email"], "message": "Email is invalid" }, { "field": ["phone"], "message": "Phone is invalid" }])
    );
    let empty = t.gql(CREATE, json!({ "input": { "note": "nobody" } })).await;
    assert_eq!(empty["data"]["customerCreate"]["userErrors"][0]["field"], Value::Null, "{empty}");

    let missing = t.gql(UPDATE, json!({ "input": { "id": "gid://shopify/Customer/1", "note": "x" } })).await;
    assert_eq!(
        missing["data"]["customerUpdate"]["userErrors"],
        json!([{ "field": ["id"], "message": "Customer does not exist" }])
    );

    let with_orders = t.sim.control().customers().into_iter().find(|c| !c.orders.is_empty()).unwrap();
    let refused = t.gql(DELETE, json!({ "id": with_orders.id })).await;
    assert_eq!(
        refused["data"]["customerDelete"]["userErrors"][0]["message"],
        "Customer can’t be deleted because they have associated orders"
    );
}
