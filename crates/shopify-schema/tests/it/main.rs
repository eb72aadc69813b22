//! Integration tests of shopify-schema: every embedded version loads, and the changes between
//! versions that shopsync and the simulator depend on are where Shopify put them.

use shopify_schema::{AdminSchema, LATEST, VERSIONS, for_version, latest};

fn all() -> Vec<&'static AdminSchema> {
    VERSIONS.iter().map(|version| for_version(version).expect("every listed version is embedded")).collect()
}

fn since(first: &str) -> Vec<&'static AdminSchema> {
    all().into_iter().filter(|schema| schema.version() >= first).collect()
}

fn before(first: &str) -> Vec<&'static AdminSchema> {
    all().into_iter().filter(|schema| schema.version() < first).collect()
}

#[test]
fn every_version_loads_and_names_itself() {
    for (schema, version) in all().into_iter().zip(VERSIONS) {
        assert_eq!(schema.version(), *version);
        assert!(schema.schema().get_object("QueryRoot").is_some());
        assert!(schema.schema().get_object("Mutation").is_some());
    }
    assert_eq!(latest().version(), LATEST);
    assert_eq!(VERSIONS.last(), Some(&LATEST), "the latest is the newest listed");
    assert!(VERSIONS.windows(2).all(|pair| pair[0] < pair[1]), "oldest first");
}

#[test]
fn versions_not_carried_are_none() {
    for version in ["2025-04", "2024-01", "unstable", "2027-01", "", "latest"] {
        assert!(for_version(version).is_none(), "{version}");
    }
}

#[test]
fn inventory_set_quantities_with_change_from_quantity_and_idempotent_validates_since_2026_01() {
    let document = r#"
        mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
          inventorySetQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id }
            userErrors { field message code }
          }
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
    for schema in since("2026-01") {
        let valid = schema.validate(document);
        assert!(valid.is_ok(), "{}: {:?}", schema.version(), valid.err());
    }
    for schema in before("2026-01") {
        let text = schema.validate(document).expect_err("2025-10 has neither").to_string();
        assert!(text.contains("changeFromQuantity") && text.contains("idempotent"), "{text}");
    }
}

#[test]
fn compare_quantity_validates_until_2026_01_and_is_gone_since_2026_04() {
    let document = r#"
        mutation {
          inventorySetQuantities(input: {
            name: "available", reason: "correction", ignoreCompareQuantity: true,
            quantities: [{ inventoryItemId: "gid://shopify/InventoryItem/1", locationId: "gid://shopify/Location/1",
                           quantity: 5, compareQuantity: 3 }]
          }) { userErrors { code } }
        }
    "#;
    for schema in before("2026-04") {
        assert!(schema.validate(document).is_ok(), "{}", schema.version());
    }
    for schema in since("2026-04") {
        let error = schema.validate(document).expect_err("compareQuantity was removed");
        let text = error.to_string();
        assert!(text.contains("compareQuantity"), "{text}");
        assert!(text.contains("ignoreCompareQuantity"), "{text}");
        assert!(error.diagnostics()[0].location.is_some(), "errors carry line and column");
    }
}

#[test]
fn the_stale_error_code_exists_since_2026_01_and_item_not_stocked_is_gone_in_2026_10() {
    for schema in all() {
        let codes = schema.schema().get_enum("InventorySetQuantitiesUserErrorCode").expect("enum exists");
        let version = schema.version();
        assert_eq!(codes.values.contains_key("CHANGE_FROM_QUANTITY_STALE"), version >= "2026-01", "{version}");
        assert_eq!(codes.values.contains_key("ITEM_NOT_STOCKED_AT_LOCATION"), version < "2026-10", "{version}");
    }
}

#[test]
fn webhook_subscriptions_take_the_unified_uri_in_every_version() {
    let document = r#"
        mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
            webhookSubscription { id uri }
            userErrors { field message }
          }
        }"#;
    for schema in all() {
        let valid = schema.validate(document).unwrap_or_else(|e| panic!("{}: {e}", schema.version()));
        assert!(schema.deprecated_uses(&valid).is_empty());
    }
}

#[test]
fn bulk_operation_queries_exist_since_2026_01_and_group_objects_defaults_follow_the_version() {
    let document = r#"
        query Ops { bulkOperations(first: 5, sortKey: CREATED_AT, reverse: true, query: "status:completed") {
            nodes { id status url } pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }
        query One($id: ID!) { bulkOperation(id: $id) { id status objectCount } }
        mutation Run($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) {
            bulkOperation { id status } userErrors { field message } } }
    "#;
    for schema in since("2026-01") {
        let valid = schema.validate(document);
        assert!(valid.is_ok(), "{}: {:?}", schema.version(), valid.err());
    }
    for schema in before("2026-01") {
        assert!(schema.validate(document).is_err(), "{} has no bulkOperations", schema.version());
    }
    for schema in all() {
        let run = &schema.schema().get_object("Mutation").unwrap().fields["bulkOperationRunQuery"];
        let group = run.arguments.iter().find(|a| a.name == "groupObjects").unwrap();
        let expected = if schema.version() >= "2026-01" { "false" } else { "true" };
        assert_eq!(
            group.default_value.as_ref().map(|v| v.to_string()).as_deref(),
            Some(expected),
            "{}: 2026-01 made groupObjects default to false",
            schema.version()
        );
    }
}

#[test]
fn deprecated_field_use_is_reported() {
    let schema = latest();
    // Deprecations move between versions: pick one from the schema itself.
    let field_name = schema
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
                .map(|field| field.name.to_string())
        })
        .expect("the Product type has a deprecated scalar field");
    let source = format!("{{ products(first: 1) {{ nodes {{ id {field_name} }} }} }}");
    let document = schema.validate(&source).expect("deprecated fields still validate");
    assert_eq!(schema.deprecated_uses(&document), vec![format!("Product.{field_name}")]);

    let clean = schema.validate("{ products(first: 1) { nodes { id title } } }").unwrap();
    assert!(schema.deprecated_uses(&clean).is_empty());
}

#[test]
fn invalid_documents_get_readable_messages_with_positions() {
    let error = latest().validate("{\n  shop { nope }\n}").expect_err("unknown field");
    let diagnostic = error
        .diagnostics()
        .iter()
        .find(|diagnostic| diagnostic.message.contains("nope"))
        .unwrap_or_else(|| panic!("no diagnostic names the field: {error}"));
    assert_eq!(diagnostic.location.map(|l| l.line), Some(2));
    let syntax = latest().validate("{ shop { name }").expect_err("unclosed brace");
    assert!(!syntax.diagnostics().is_empty());
}
