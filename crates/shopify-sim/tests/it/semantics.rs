//! GraphQL semantics as the spec and Shopify have them: a single value where a list is expected
//! is a one-item list; validation errors carry graphql-ruby's `path` and `extensions`; a syntax
//! error is one parse error.

use serde_json::{Value, json};

use crate::support::{TestSim, spawn};

/// Sends a document as it is (invalid on purpose, so without the harness's schema check).
async fn raw(t: &TestSim, query: &str) -> Value {
    t.post_json(json!({ "query": query })).await.json().await.unwrap()
}

#[tokio::test]
async fn a_single_value_where_a_list_is_expected_is_a_one_item_list() {
    let t = spawn().await;
    let product = t.sim.control().products().into_iter().find(|p| p.variants.len() >= 2).unwrap();
    let variant = product.variants[0].id.clone();

    // As a literal: `variants: { ... }` for `[ProductVariantsBulkInput!]!`.
    let literal = format!(
        r#"mutation {{ productVariantsBulkUpdate(productId: "{}", variants: {{ id: "{variant}", price: "12.34" }}) {{
             productVariants {{ id price }} userErrors {{ field message }} }} }}"#,
        product.id
    );
    let body = t.gql(&literal, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let payload = &body["data"]["productVariantsBulkUpdate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["productVariants"], json!([{ "id": variant, "price": "12.34" }]));

    // As a variable: one object for `$variants: [ProductVariantsBulkInput!]!`, one string for a list of tags.
    let update = r#"mutation Update($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
        productVariantsBulkUpdate(productId: $productId, variants: $variants) { productVariants { price } userErrors { message } } }"#;
    let body = t.gql(update, json!({ "productId": product.id, "variants": { "id": variant, "price": "5.00" } })).await;
    assert_eq!(body["data"]["productVariantsBulkUpdate"]["productVariants"], json!([{ "price": "5.00" }]), "{body}");
    let tag =
        r#"mutation Tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }"#;
    let body = t.gql(tag, json!({ "id": product.id, "tags": "one-tag" })).await;
    assert_eq!(body["data"]["tagsAdd"]["userErrors"], json!([]), "{body}");
    let read = t.gql("query Read($id: ID!) { product(id: $id) { tags } }", json!({ "id": product.id })).await;
    assert!(read["data"]["product"]["tags"].as_array().unwrap().contains(&json!("one-tag")), "{read}");
}

#[tokio::test]
async fn validation_errors_carry_the_path_and_extensions_shopify_gives_them() {
    let t = spawn().await;
    let body = raw(&t, "query Named {\n  shop {\n    nope\n  }\n}").await;
    assert_eq!(
        body["errors"],
        json!([{
            "message": "Field 'nope' doesn't exist on type 'Shop'",
            "locations": [{ "line": 3, "column": 5 }],
            "path": ["query Named", "shop", "nope"],
            "extensions": { "code": "undefinedField", "typeName": "Shop", "fieldName": "nope" },
        }])
    );
    assert!(body.get("data").is_none());

    let body = raw(&t, "{ orders(first: 1) { nodes { ... on Order { nope: name bad } } } }").await;
    let error = &body["errors"][0];
    assert_eq!(error["path"], json!(["query", "orders", "nodes", "... on Order", "bad"]), "{body}");
    assert_eq!(error["extensions"]["typeName"], "Order");

    let body = raw(&t, "{ products(first: 1, colour: RED) { nodes { id } } }").await;
    let error = &body["errors"][0];
    assert_eq!(error["message"], "Field 'products' doesn't accept argument 'colour'", "{body}");
    assert_eq!(
        error["extensions"],
        json!({ "code": "argumentNotAccepted", "name": "products", "typeName": "Field", "argumentName": "colour" })
    );
    assert_eq!(error["path"], json!(["query", "products"]));

    let body = raw(&t, "mutation M { tagsAdd(tags: [\"x\"]) { userErrors { message } } }").await;
    let error = &body["errors"][0];
    assert_eq!(error["message"], "Field 'tagsAdd' is missing required arguments: id", "{body}");
    assert_eq!(
        error["extensions"],
        json!({ "code": "missingRequiredArguments", "className": "Field", "name": "tagsAdd", "arguments": "id" })
    );
    assert_eq!(error["path"], json!(["mutation M", "tagsAdd"]));
}

#[tokio::test]
async fn a_syntax_error_is_one_parse_error() {
    let t = spawn().await;
    for broken in
        ["{ shop { name }", "query { shop { name } } }", "{ shop { name(: 1) } }", "query ( { shop { name } }"]
    {
        let body = raw(&t, broken).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{broken}: {body}"));
        assert_eq!(errors.len(), 1, "{broken}: {body}");
        assert_eq!(errors[0]["extensions"]["code"], "parseError", "{broken}: {body}");
        assert!(errors[0]["locations"][0]["line"].is_number(), "{broken}: {body}");
        assert!(body.get("data").is_none());
    }
}
