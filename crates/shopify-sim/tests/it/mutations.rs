//! Mutations: productSet, variants bulk, delete, inventory, tags, idempotency.

use serde_json::{Value, json};

use crate::support::{TestSim, spawn};

const PRODUCT_SET: &str = r#"
mutation ProductSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product {
      id
      title
      handle
      status
      tags
      options { name values }
      variants(first: 10) { nodes { id sku price compareAtPrice title inventoryItem { id tracked } } }
    }
    userErrors { field message code }
  }
}
"#;

async fn product_set(t: &TestSim, variables: Value) -> Value {
    let body = t.gql(PRODUCT_SET, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["productSet"].clone()
}

fn new_product_input(location: &str) -> Value {
    json!({
        "title": "Trail Runner",
        "status": "ACTIVE",
        "vendor": "shopsync",
        "tags": ["shoes", "new"],
        "productOptions": [{ "name": "Size", "values": [{ "name": "42" }, { "name": "43" }] }],
        "variants": [
            { "optionValues": [{ "optionName": "Size", "name": "42" }], "sku": "TR-42", "price": "89.90",
              "inventoryQuantities": [{ "locationId": location, "name": "available", "quantity": 5 }] },
            { "optionValues": [{ "optionName": "Size", "name": "43" }], "sku": "TR-43", "price": 89.9,
              "compareAtPrice": "99.00" }
        ],
        "files": [{ "originalSource": "https://cdn.example/trail.png", "alt": "Trail Runner", "contentType": "IMAGE" }]
    })
}

#[tokio::test]
async fn product_set_creates_then_updates_a_product_by_id() {
    let t = spawn().await;
    let location = t.location(0);
    let created = product_set(&t, json!({ "input": new_product_input(&location) })).await;
    assert_eq!(created["userErrors"], json!([]));
    let product = &created["product"];
    assert_eq!(product["handle"], "trail-runner");
    assert_eq!(product["options"], json!([{ "name": "Size", "values": ["42", "43"] }]));
    let variants = product["variants"]["nodes"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["price"], "89.90");
    assert_eq!(variants[1]["compareAtPrice"], "99.00");
    assert_eq!(t.sim.control().quantity("TR-42", Some(&location), "available"), Some(5));

    // Update: change one variant (by id), drop the other, add a new one; list fields replace.
    let keep = variants[0]["id"].clone();
    let updated = product_set(
        &t,
        json!({
            "identifier": { "id": product["id"] },
            "input": {
                "title": "Trail Runner 2",
                "productOptions": [{ "name": "Size", "values": [{ "name": "42" }, { "name": "44" }] }],
                "variants": [
                    { "id": keep, "optionValues": [{ "optionName": "Size", "name": "42" }], "price": "79.00", "compareAtPrice": null },
                    { "optionValues": [{ "optionName": "Size", "name": "44" }], "sku": "TR-44", "price": "79.00" }
                ]
            }
        }),
    )
    .await;
    assert_eq!(updated["userErrors"], json!([]));
    let product = &updated["product"];
    assert_eq!(product["title"], "Trail Runner 2");
    assert_eq!(product["tags"], json!(["shoes", "new"]), "omitted fields stay");
    let variants = product["variants"]["nodes"].as_array().unwrap();
    let skus: Vec<&str> = variants.iter().map(|v| v["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["TR-42", "TR-44"]);
    assert_eq!(variants[0]["id"], keep, "the variant kept its id");
    assert_eq!(variants[0]["price"], "79.00");
    assert!(variants[0]["compareAtPrice"].is_null());
    assert!(t.sim.control().variants_by_sku("TR-43").is_empty(), "variants left out are deleted");
    let topics: Vec<&str> = t.sim.control().changes().iter().map(|c| c.topic).collect::<Vec<_>>().into_iter().collect();
    assert!(topics.contains(&"products/create") && topics.contains(&"products/update"));
}

#[tokio::test]
async fn product_set_accepts_duplicate_skus_and_rejects_invalid_input() {
    let t = spawn().await;
    let duplicate = product_set(
        &t,
        json!({ "input": {
            "title": "Copy",
            "productOptions": [{ "name": "Title", "values": [{ "name": "Default Title" }] }],
            "variants": [{ "optionValues": [{ "optionName": "Title", "name": "Default Title" }], "sku": "SKU-00001-1" }]
        }}),
    )
    .await;
    assert_eq!(duplicate["userErrors"], json!([]), "Shopify does not require unique SKUs");
    assert_eq!(t.sim.control().variants_by_sku("SKU-00001-1").len(), 2);

    let invalid = product_set(
        &t,
        json!({ "input": {
            "title": "Broken",
            "productOptions": [{ "name": "Size", "values": [{ "name": "S" }] }],
            "variants": [{ "optionValues": [{ "optionName": "Color", "name": "Red" }], "price": "-1" }]
        }}),
    )
    .await;
    assert!(invalid["product"].is_null());
    let codes: Vec<&str> =
        invalid["userErrors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"OPTION_DOES_NOT_EXIST"), "{invalid}");
    assert!(codes.contains(&"INVALID_VARIANT"), "{invalid}");
    assert_eq!(invalid["userErrors"][0]["field"][0], "input");

    let missing =
        product_set(&t, json!({ "identifier": { "id": "gid://shopify/Product/1" }, "input": { "title": "x" } })).await;
    assert_eq!(missing["userErrors"][0]["code"], "PRODUCT_DOES_NOT_EXIST");
    let untitled = product_set(&t, json!({ "input": { "vendor": "x" } })).await;
    assert_eq!(untitled["userErrors"][0]["field"], json!(["input", "title"]));
}

const SET_QUANTITIES: &str = r#"
mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { field message code }
  }
}
"#;

fn set_input(item: &str, location: &str, quantity: i64, change_from: Value) -> Value {
    json!({
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://shopsync/SyncJob/1",
        "quantities": [{ "inventoryItemId": item, "locationId": location, "quantity": quantity, "changeFromQuantity": change_from }]
    })
}

#[tokio::test]
async fn inventory_set_quantities_checks_change_from_quantity() {
    let t = spawn().await;
    let control = t.sim.control();
    let location = t.location(0);
    let item = t.item_of("SKU-00004-1");
    let current = control.quantity("SKU-00004-1", Some(&location), "available").unwrap();

    let stale = t
        .gql(SET_QUANTITIES, json!({ "input": set_input(&item, &location, 9, json!(current + 1)), "key": "k-stale" }))
        .await;
    let errors = &stale["data"]["inventorySetQuantities"]["userErrors"];
    assert_eq!(errors[0]["code"], "CHANGE_FROM_QUANTITY_STALE", "{stale}");
    assert_eq!(errors[0]["field"], json!(["input", "quantities", "0", "changeFromQuantity"]));
    assert_eq!(control.quantity("SKU-00004-1", Some(&location), "available"), Some(current), "nothing changed");

    let ok =
        t.gql(SET_QUANTITIES, json!({ "input": set_input(&item, &location, 9, json!(current)), "key": "k-ok" })).await;
    let group = &ok["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"];
    assert_eq!(ok["data"]["inventorySetQuantities"]["userErrors"], json!([]));
    assert_eq!(group["changes"][0]["name"], "available");
    assert_eq!(group["changes"][0]["delta"], 9 - current);
    assert_eq!(group["changes"][0]["quantityAfterChange"], 9);
    assert_eq!(control.quantity("SKU-00004-1", Some(&location), "available"), Some(9));

    // null opts out of the check.
    let forced =
        t.gql(SET_QUANTITIES, json!({ "input": set_input(&item, &location, 3, Value::Null), "key": "k-null" })).await;
    assert_eq!(forced["data"]["inventorySetQuantities"]["userErrors"], json!([]));
    assert_eq!(control.quantity("SKU-00004-1", Some(&location), "available"), Some(3));

    let unknown = t
        .gql(
            SET_QUANTITIES,
            json!({ "input": set_input(&item, "gid://shopify/Location/1", 1, Value::Null), "key": "k-loc" }),
        )
        .await;
    assert_eq!(unknown["data"]["inventorySetQuantities"]["userErrors"][0]["code"], "INVALID_LOCATION");
    let bad_item = t
        .gql(
            SET_QUANTITIES,
            json!({ "input": set_input("gid://shopify/InventoryItem/1", &location, 1, Value::Null), "key": "k-item" }),
        )
        .await;
    assert_eq!(bad_item["data"]["inventorySetQuantities"]["userErrors"][0]["code"], "INVALID_INVENTORY_ITEM");

    let mut omitted = set_input(&item, &location, 1, Value::Null);
    omitted["quantities"][0].as_object_mut().unwrap().remove("changeFromQuantity");
    let omitted = t.gql(SET_QUANTITIES, json!({ "input": omitted, "key": "k-omit" })).await;
    assert!(omitted["errors"][0]["message"].as_str().unwrap().contains("changeFromQuantity"), "{omitted}");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_result() {
    let t = spawn().await;
    let control = t.sim.control();
    let location = t.location(0);
    let item = t.item_of("SKU-00005-1");
    let current = control.quantity("SKU-00005-1", Some(&location), "available").unwrap();
    let variables = json!({ "input": set_input(&item, &location, current + 10, json!(current)), "key": "same-key" });
    let first = t.gql(SET_QUANTITIES, variables.clone()).await;
    // Someone changes stock in Shopify; a retry of the same request must not apply again.
    control
        .set_stock(&shopify_sim::control::StockChange {
            sku: Some("SKU-00005-1".to_string()),
            inventory_item_id: None,
            location_id: Some(location.clone()),
            name: None,
            quantity: 1,
        })
        .unwrap();
    let retry = t.gql(SET_QUANTITIES, variables).await;
    assert_eq!(retry["data"], first["data"], "the first result is replayed");
    assert_eq!(control.quantity("SKU-00005-1", Some(&location), "available"), Some(1));
    assert_eq!(control.stats().mutations, 1, "the retry did not execute");

    let other =
        t.gql(SET_QUANTITIES, json!({ "input": set_input(&item, &location, 2, Value::Null), "key": "same-key" })).await;
    assert_eq!(other["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_PARAMETER_MISMATCH");

    let without_key = t
        .gql(
            "mutation SetStock($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }",
            json!({ "input": set_input(&item, &location, 2, Value::Null) }),
        )
        .await;
    assert!(without_key["errors"][0]["message"].as_str().unwrap().contains("@idempotent"), "{without_key}");
}

#[tokio::test]
async fn variants_bulk_create_and_update_change_one_product() {
    let t = spawn().await;
    let product = t.sim.control().products().into_iter().find(|p| p.variants.len() >= 2).unwrap();
    let option = product.options[0].0.clone();
    let create = r#"mutation Create($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
        productVariantsBulkCreate(productId: $productId, variants: $variants) {
          productVariants { id sku title }
          userErrors { field message code }
        }
      }"#;
    let body = t
        .gql(
            create,
            json!({ "productId": product.id, "variants": [
                { "optionValues": [{ "optionName": option, "name": "XXL" }], "price": "30.00", "inventoryItem": { "sku": "NEW-XXL", "tracked": true } }
            ]}),
        )
        .await;
    assert_eq!(body["data"]["productVariantsBulkCreate"]["userErrors"], json!([]), "{body}");
    assert_eq!(body["data"]["productVariantsBulkCreate"]["productVariants"][0]["sku"], "NEW-XXL");

    let update = r#"mutation Update($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
        productVariantsBulkUpdate(productId: $productId, variants: $variants) {
          product { id }
          productVariants { id price barcode }
          userErrors { field message code }
        }
      }"#;
    let body = t
        .gql(
            update,
            json!({ "productId": product.id, "variants": [{ "id": product.variants[0].id, "price": "12.50", "barcode": "123" }] }),
        )
        .await;
    let payload = &body["data"]["productVariantsBulkUpdate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["productVariants"][0]["price"], "12.50");
    let missing_id = t.gql(update, json!({ "productId": product.id, "variants": [{ "price": "1.00" }] })).await;
    assert_eq!(missing_id["data"]["productVariantsBulkUpdate"]["userErrors"][0]["code"], "PRODUCT_VARIANT_ID_MISSING");
}

#[tokio::test]
async fn product_delete_inventory_item_update_and_tags_work() {
    let t = spawn().await;
    let products = t.sim.control().products();
    let delete = r#"mutation Delete($input: ProductDeleteInput!) { productDelete(input: $input) { deletedProductId userErrors { field message } } }"#;
    let body = t.gql(delete, json!({ "input": { "id": products[24].id } })).await;
    assert_eq!(body["data"]["productDelete"]["deletedProductId"], products[24].id);
    let again = t.gql(delete, json!({ "input": { "id": products[24].id } })).await;
    assert_eq!(again["data"]["productDelete"]["userErrors"][0]["field"], json!(["id"]));

    let item_update = r#"mutation Item($id: ID!, $input: InventoryItemInput!) {
        inventoryItemUpdate(id: $id, input: $input) {
          inventoryItem { tracked unitCost { amount currencyCode } measurement { weight { unit value } } }
          userErrors { message }
        }
      }"#;
    let body = t
        .gql(
            item_update,
            json!({ "id": t.item_of("SKU-00001-1"), "input": { "tracked": false, "cost": "4.20", "measurement": { "weight": { "unit": "KILOGRAMS", "value": 1.5 } } } }),
        )
        .await;
    let item = &body["data"]["inventoryItemUpdate"]["inventoryItem"];
    assert_eq!(item["tracked"], false);
    assert_eq!(item["unitCost"], json!({ "amount": "4.20", "currencyCode": "EUR" }));
    assert_eq!(item["measurement"]["weight"], json!({ "unit": "KILOGRAMS", "value": 1.5 }));

    let tags = r#"mutation Tags($id: ID!, $add: [String!]!, $remove: [String!]!) {
        tagsAdd(id: $id, tags: $add) { node { id ... on Product { tags } } userErrors { message } }
        tagsRemove(id: $id, tags: $remove) { node { ... on Product { tags } } userErrors { message } }
      }"#;
    let body = t.gql(tags, json!({ "id": products[0].id, "add": ["sync-ok, urgent"], "remove": ["featured"] })).await;
    let added = body["data"]["tagsAdd"]["node"]["tags"].as_array().unwrap();
    assert!(added.contains(&json!("sync-ok")) && added.contains(&json!("urgent")));
    let after = body["data"]["tagsRemove"]["node"]["tags"].as_array().unwrap();
    assert!(!after.contains(&json!("featured")));
    let unknown = t.gql(tags, json!({ "id": "gid://shopify/Product/1", "add": ["x"], "remove": [] })).await;
    assert_eq!(unknown["data"]["tagsAdd"]["userErrors"][0]["message"], "Resource not found");
}

const TOGGLE: &str = r#"
mutation Toggle($item: ID!, $updates: [InventoryBulkToggleActivationInput!]!) {
  inventoryBulkToggleActivation(inventoryItemId: $item, inventoryItemUpdates: $updates) {
    inventoryItem { id locationsCount { count } }
    inventoryLevels { location { id } quantities(names: ["available"]) { name quantity } }
    userErrors { field message code }
  }
}
"#;

#[tokio::test]
async fn inventory_is_stocked_and_unstocked_at_locations_in_bulk() {
    let t = spawn().await;
    let item = t.item_of("SKU-00002-1");
    let (first, second) = (t.location(0), t.location(1));
    let count = || async {
        let body = t
            .gql(
                "query C($id: ID!) { inventoryItem(id: $id) { locationsCount { count } } locationsCount { count } }",
                json!({ "id": item }),
            )
            .await;
        body["data"]["inventoryItem"]["locationsCount"]["count"].as_u64().unwrap()
    };
    let before = count().await;
    let unstocked =
        t.gql(TOGGLE, json!({ "item": item, "updates": [{ "locationId": second, "activate": false }] })).await;
    let payload = &unstocked["data"]["inventoryBulkToggleActivation"];
    assert_eq!(before, 2, "the seed stocks every item at both locations");
    assert_eq!(payload["userErrors"], json!([]), "{unstocked}");
    assert_eq!(count().await, 1);
    let only = t.gql(TOGGLE, json!({ "item": item, "updates": [{ "locationId": first, "activate": false }] })).await;
    assert_eq!(
        only["data"]["inventoryBulkToggleActivation"]["userErrors"][0]["code"], "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION",
        "{only}"
    );
    let stocked = t.gql(TOGGLE, json!({ "item": item, "updates": { "locationId": second, "activate": true } })).await;
    let payload = &stocked["data"]["inventoryBulkToggleActivation"];
    assert_eq!(payload["userErrors"], json!([]), "{stocked}");
    assert_eq!(payload["inventoryLevels"][0]["location"]["id"], second);
    assert_eq!(payload["inventoryItem"]["locationsCount"]["count"], 2);
    assert_eq!(count().await, 2, "the next query sees it stocked at both");

    let unknown = t.gql(TOGGLE, json!({ "item": "gid://shopify/InventoryItem/1", "updates": [] })).await;
    assert_eq!(unknown["data"]["inventoryBulkToggleActivation"]["userErrors"][0]["code"], "INVENTORY_ITEM_NOT_FOUND");
}
