//! Metafields on every owner: `metafieldsSet` (atomic, typed, `compareDigest`), the values read
//! back through `metafield`/`metafields` on products, variants, customers, orders and the shop,
//! `node`, and `metafieldsDelete`.

use serde_json::{Value, json};

use crate::support::spawn;

const SET: &str = r#"
mutation Set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id namespace key value type jsonValue compareDigest ownerType owner { ... on Product { id } } }
    userErrors { field message code }
  }
}
"#;

const READ: &str = r#"
fragment Fields on Metafield { namespace key value type jsonValue }
query Read($product: ID!, $customer: ID!, $order: ID!) {
  product(id: $product) {
    care: metafield(namespace: "custom", key: "care") { ...Fields }
    all: metafields(first: 10) { nodes { ...Fields } pageInfo { hasNextPage } }
    onlyCustom: metafields(first: 10, namespace: "custom") { nodes { key } }
    byKeys: metafields(first: 10, keys: ["custom.weight_g"]) { nodes { key } }
    variants(first: 1) { nodes { metafield(namespace: "erp", key: "item_no") { value } } }
  }
  customer(id: $customer) { metafield(namespace: "loyalty", key: "tier") { value } }
  order(id: $order) { metafields(first: 5) { edges { node { key value } } } }
  shop { metafield(namespace: "$app", key: "installed") { namespace value jsonValue } }
}
"#;

#[tokio::test]
async fn metafields_set_on_every_owner_are_read_back_and_deleted() {
    let t = spawn().await;
    let control = t.sim.control();
    let product = control.products()[0].clone();
    let variant = product.variants[0].id.clone();
    let customer = control.customers()[0].id.clone();
    let orders = t.gql("query O { orders(first: 1) { nodes { id } } shop { id } }", json!({})).await;
    let order = orders["data"]["orders"]["nodes"][0]["id"].as_str().unwrap().to_string();
    let shop = orders["data"]["shop"]["id"].as_str().unwrap().to_string();

    let body = t
        .gql(
            SET,
            json!({ "metafields": [
                { "ownerId": product.id, "namespace": "custom", "key": "care", "type": "multi_line_text_field", "value": "Wash cold\nDry flat" },
                { "ownerId": product.id, "namespace": "custom", "key": "weight_g", "type": "number_integer", "value": "420" },
                { "ownerId": variant, "namespace": "erp", "key": "item_no", "type": "single_line_text_field", "value": "A-100" },
                { "ownerId": customer, "namespace": "loyalty", "key": "tier", "type": "single_line_text_field", "value": "gold" },
                { "ownerId": order, "namespace": "erp", "key": "doc", "type": "json", "value": "{\"no\":7}" },
                { "ownerId": shop, "key": "installed", "type": "boolean", "value": "true" },
            ]}),
        )
        .await;
    let payload = &body["data"]["metafieldsSet"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let set = payload["metafields"].as_array().unwrap();
    assert_eq!(set.len(), 6);
    assert_eq!(set[1]["jsonValue"], 420);
    assert_eq!(set[0]["ownerType"], "PRODUCT");
    assert_eq!(set[0]["owner"]["id"], product.id);
    let weight_digest = set[1]["compareDigest"].as_str().unwrap().to_string();

    let read = t.gql(READ, json!({ "product": product.id, "customer": customer, "order": order })).await;
    assert!(read.get("errors").is_none(), "{read}");
    let data = &read["data"];
    assert_eq!(data["product"]["care"]["value"], "Wash cold\nDry flat");
    assert_eq!(data["product"]["all"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(data["product"]["onlyCustom"]["nodes"], json!([{ "key": "care" }, { "key": "weight_g" }]));
    assert_eq!(data["product"]["byKeys"]["nodes"], json!([{ "key": "weight_g" }]));
    assert_eq!(data["product"]["variants"]["nodes"][0]["metafield"]["value"], "A-100");
    assert_eq!(data["customer"]["metafield"]["value"], "gold");
    assert_eq!(data["order"]["metafields"]["edges"][0]["node"], json!({ "key": "doc", "value": "{\"no\":7}" }));
    let installed = &data["shop"]["metafield"];
    assert!(installed["namespace"].as_str().unwrap().starts_with("app--"), "{installed}");
    assert_eq!(installed["jsonValue"], true);

    // compareDigest: the current digest updates, a stale one is refused.
    let update = |value: &str, digest: &str| json!({ "metafields": [{ "ownerId": product.id, "namespace": "custom", "key": "weight_g", "value": value, "compareDigest": digest }] });
    let updated = t.gql(SET, update("500", &weight_digest)).await;
    assert_eq!(updated["data"]["metafieldsSet"]["userErrors"], json!([]), "{updated}");
    assert_eq!(updated["data"]["metafieldsSet"]["metafields"][0]["type"], "number_integer", "the type is kept");
    let stale = t.gql(SET, update("600", &weight_digest)).await;
    assert_eq!(stale["data"]["metafieldsSet"]["userErrors"][0]["code"], "STALE_OBJECT", "{stale}");

    let id = set[0]["id"].as_str().unwrap();
    let node = t.gql("query N($id: ID!) { node(id: $id) { ... on Metafield { key } } }", json!({ "id": id })).await;
    assert_eq!(node["data"]["node"]["key"], "care");

    let deleted = t
        .gql(
            "mutation D($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { key namespace ownerId } userErrors { message } } }",
            json!({ "m": [{ "ownerId": product.id, "namespace": "custom", "key": "care" }, { "ownerId": product.id, "namespace": "custom", "key": "nope" }] }),
        )
        .await;
    assert_eq!(
        deleted["data"]["metafieldsDelete"]["deletedMetafields"],
        json!([{ "key": "care", "namespace": "custom", "ownerId": product.id }, null])
    );
    let after = t.gql(READ, json!({ "product": product.id, "customer": customer, "order": order })).await;
    assert_eq!(after["data"]["product"]["care"], Value::Null);
}

#[tokio::test]
async fn metafields_set_is_atomic_and_checks_owners_types_and_values() {
    let t = spawn().await;
    let product = t.sim.control().products()[0].id.clone();
    let body = t
        .gql(
            SET,
            json!({ "metafields": [
                { "ownerId": product, "namespace": "custom", "key": "ok", "type": "single_line_text_field", "value": "fine" },
                { "ownerId": product, "namespace": "custom", "key": "count", "type": "number_integer", "value": "many" },
                { "ownerId": "gid://shopify/Product/1", "namespace": "custom", "key": "x", "type": "boolean", "value": "true" },
                { "ownerId": product, "namespace": "custom", "key": "untyped", "value": "x" },
                { "ownerId": product, "namespace": "custom", "key": "odd", "type": "no_such_type", "value": "x" },
            ]}),
        )
        .await;
    let errors = body["data"]["metafieldsSet"]["userErrors"].as_array().unwrap();
    let codes: Vec<(&Value, &str)> = errors.iter().map(|e| (&e["field"], e["code"].as_str().unwrap())).collect();
    assert_eq!(
        codes,
        [
            (&json!(["metafields", "1", "value"]), "INVALID_VALUE"),
            (&json!(["metafields", "2", "ownerId"]), "INVALID"),
            (&json!(["metafields", "3", "type"]), "BLANK"),
            (&json!(["metafields", "4", "type"]), "INVALID_TYPE"),
        ],
        "{body}"
    );
    let read = t
        .gql(
            "query R($id: ID!) { product(id: $id) { metafield(namespace: \"custom\", key: \"ok\") { value } } }",
            json!({ "id": product }),
        )
        .await;
    assert_eq!(read["data"]["product"]["metafield"], Value::Null, "nothing is saved when one fails");

    let too_many: Vec<Value> = (0..26)
        .map(|n| json!({ "ownerId": product, "namespace": "custom", "key": format!("k{n}"), "type": "number_integer", "value": "1" }))
        .collect();
    let body = t.gql(SET, json!({ "metafields": too_many })).await;
    assert_eq!(body["data"]["metafieldsSet"]["userErrors"][0]["code"], "LESS_THAN_OR_EQUAL_TO", "{body}");
}
