//! Integration tests of shopify-schema: the embedded schemas load and the overlay applies.

use shopify_schema::{stable, unstable};

fn both() -> [&'static shopify_schema::AdminSchema; 2] {
    [stable(), unstable()]
}

#[test]
fn both_schemas_load_with_the_overlay() {
    assert_eq!(stable().version(), "2026-10");
    assert_eq!(unstable().version(), "unstable");
    for schema in both() {
        assert!(schema.schema().get_object("QueryRoot").is_some());
    }
}

#[test]
fn inventory_set_quantities_with_change_from_quantity_and_idempotent_validates() {
    let document = r#"
        mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
          inventorySetQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id }
            userErrors { field message code }
          }
        }
        query Literal {
          shop { name }
        }
        mutation Inline {
          inventorySetQuantities(input: {
            name: "available", reason: "correction",
            quantities: [{ inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1",
                           quantity: 5, changeFromQuantity: null }]
          }) @idempotent(key: "4f5b6ebf-143c-4da5-8d0f-fb8553bfd85d") {
            userErrors { code }
          }
        }
    "#;
    for schema in both() {
        let valid = schema.validate(document);
        assert!(valid.is_ok(), "{}: {:?}", schema.version(), valid.err());
    }
}

#[test]
fn webhook_subscriptions_take_the_unified_uri_on_both_schemas() {
    let document = r#"
        mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
            webhookSubscription { id uri }
            userErrors { field message }
          }
        }"#;
    for schema in [shopify_schema::stable(), shopify_schema::unstable()] {
        let valid = schema.validate(document).unwrap_or_else(|e| panic!("{}: {e}", schema.version()));
        assert!(schema.deprecated_uses(&valid).is_empty());
    }
}

#[test]
fn compare_quantity_is_rejected_since_2026_04() {
    let document = r#"
        mutation {
          inventorySetQuantities(input: {
            name: "available", reason: "correction", ignoreCompareQuantity: true,
            quantities: [{ inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1",
                           quantity: 5, compareQuantity: 3 }]
          }) { userErrors { code } }
        }
    "#;
    for schema in both() {
        let error = schema.validate(document).expect_err("compareQuantity was removed");
        let text = error.to_string();
        assert!(text.contains("compareQuantity"), "{text}");
        assert!(text.contains("ignoreCompareQuantity"), "{text}");
        let first = &error.diagnostics()[0];
        assert!(first.location.is_some(), "errors carry line and column");
    }
}

#[test]
fn new_stale_error_code_exists_and_removed_one_does_not() {
    for schema in both() {
        let codes = schema.schema().get_enum("InventorySetQuantitiesUserErrorCode").expect("enum exists");
        assert!(codes.values.contains_key("CHANGE_FROM_QUANTITY_STALE"));
        assert!(!codes.values.contains_key("ITEM_NOT_STOCKED_AT_LOCATION"));
    }
}

#[test]
fn bulk_operation_queries_and_group_objects_validate() {
    let document = r#"
        query Ops { bulkOperations(first: 5, sortKey: CREATED_AT, reverse: true, query: "status:completed") {
            nodes { id status url } pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }
        query One($id: ID!) { bulkOperation(id: $id) { id status objectCount } }
        mutation Run($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) {
            bulkOperation { id status } userErrors { field message } } }
    "#;
    for schema in both() {
        let valid = schema.validate(document);
        assert!(valid.is_ok(), "{}: {:?}", schema.version(), valid.err());
    }
    let run = &stable().schema().get_object("Mutation").unwrap().fields["bulkOperationRunQuery"];
    let group = run.arguments.iter().find(|a| a.name == "groupObjects").unwrap();
    assert_eq!(
        group.default_value.as_ref().map(|v| v.to_string()),
        Some("false".to_string()),
        "2026-01 made groupObjects default to false"
    );
}

#[test]
fn deprecated_field_use_is_reported() {
    let schema = stable();
    // `Shop.productTypes`-style deprecations move between versions: pick one from the schema itself.
    let (type_name, field_name) = schema
        .schema()
        .get_object("Product")
        .and_then(|product| {
            product
                .fields
                .values()
                .find(|field| {
                    field.directives.has("deprecated")
                        && field.arguments.is_empty()
                        && schema.schema().types.get(field.ty.inner_named_type()).is_some_and(|t| t.is_leaf())
                })
                .map(|field| ("Product", field.name.to_string()))
        })
        .expect("the Product type has a deprecated scalar field");
    let source = format!("{{ products(first: 1) {{ nodes {{ id {field_name} }} }} }}");
    let document = schema.validate(&source).expect("deprecated fields still validate");
    assert_eq!(schema.deprecated_uses(&document), vec![format!("{type_name}.{field_name}")]);

    let clean = schema.validate("{ products(first: 1) { nodes { id title } } }").unwrap();
    assert!(schema.deprecated_uses(&clean).is_empty());
}

#[test]
fn invalid_documents_get_readable_messages_with_positions() {
    let error = stable().validate("{\n  shop { nope }\n}").expect_err("unknown field");
    let diagnostic = error
        .diagnostics()
        .iter()
        .find(|diagnostic| diagnostic.message.contains("nope"))
        .unwrap_or_else(|| panic!("no diagnostic names the field: {error}"));
    assert_eq!(diagnostic.location.map(|l| l.line), Some(2));
    let syntax = stable().validate("{ shop { name }").expect_err("unclosed brace");
    assert!(!syntax.diagnostics().is_empty());
}
