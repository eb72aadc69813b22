//! The coverage report: which root fields and mutations of the newest Admin schema the simulator
//! serves, per area, so the gap is visible in one place. Run it with
//! `cargo test -p shopify-sim --test it coverage -- --nocapture` to read the report.
//!
//! It fails when a field listed in [`SERVED`] is no longer served (a regression) or is no longer
//! in the newest schema, and when the simulator serves a field the list does not name (add it, so
//! the list stays the record of what is served).

use std::collections::BTreeMap;

use shopify_sim::registry::Registry;

/// What the simulator serves: root query fields, then mutations.
const SERVED: (&[&str], &[&str]) = (
    &[
        "app",
        "appByHandle",
        "appByKey",
        "appInstallation",
        "bulkOperation",
        "bulkOperations",
        "channel",
        "channels",
        "currentAppInstallation",
        "currentBulkOperation",
        "currentStaffMember",
        "customer",
        "customerByIdentifier",
        "customers",
        "customersCount",
        "draftOrder",
        "draftOrders",
        "fulfillment",
        "fulfillmentOrder",
        "fulfillmentOrders",
        "inventoryItem",
        "inventoryItems",
        "location",
        "locations",
        "locationsCount",
        "node",
        "nodes",
        "order",
        "orderByIdentifier",
        "orders",
        "ordersCount",
        "product",
        "productByIdentifier",
        "productTags",
        "productTypes",
        "productVariant",
        "productVariants",
        "productVariantsCount",
        "productVendors",
        "products",
        "productsCount",
        "publication",
        "publications",
        "publicationsCount",
        "refund",
        "return",
        "shop",
        "shopifyPaymentsAccount",
        "staffMember",
        "staffMembers",
        "webhookSubscription",
        "webhookSubscriptions",
        "webhookSubscriptionsCount",
    ],
    &[
        "bulkOperationCancel",
        "bulkOperationRunMutation",
        "bulkOperationRunQuery",
        "customerCreate",
        "customerDelete",
        "customerUpdate",
        "draftOrderComplete",
        "draftOrderCreate",
        "fulfillmentCreate",
        "inventoryBulkToggleActivation",
        "inventoryItemUpdate",
        "inventorySetQuantities",
        "metafieldsDelete",
        "metafieldsSet",
        "orderCancel",
        "orderClose",
        "orderMarkAsPaid",
        "orderOpen",
        "orderUpdate",
        "productDelete",
        "productSet",
        "productVariantsBulkCreate",
        "productVariantsBulkUpdate",
        "publishablePublish",
        "publishableUnpublish",
        "stagedUploadsCreate",
        "tagsAdd",
        "tagsRemove",
        "webhookSubscriptionCreate",
        "webhookSubscriptionDelete",
        "webhookSubscriptionUpdate",
    ],
);

/// Areas by the words their field names contain, first match wins; the rest is "other".
const AREAS: &[(&str, &[&str])] = &[
    ("online store", &["theme", "page", "blog", "article", "menu", "urlRedirect", "scriptTag", "comment"]),
    (
        "bulk operations and uploads",
        &["bulkOperation", "stagedUpload", "files", "fileCreate", "fileUpdate", "fileDelete", "fileAcknowledge"],
    ),
    ("webhooks and events", &["webhook", "event"]),
    ("publications and channels", &["publication", "publishable", "channel", "catalog"]),
    ("B2B", &["company", "companies"]),
    ("markets, locales, translations", &["market", "locale", "translation", "webPresence", "backupRegion"]),
    ("draft orders", &["draftOrder"]),
    ("returns and refunds", &["return", "refund", "exchange", "reverse"]),
    ("fulfillment and delivery", &["fulfillment", "delivery", "shipping", "carrier", "locationLocal"]),
    ("inventory and locations", &["inventory", "location"]),
    ("orders", &["order", "abandonedCheckout", "checkout"]),
    ("customers and segments", &["customer", "segment", "storeCredit"]),
    ("payments and finance", &["payment", "payout", "dispute", "balance", "tender", "finance", "cashDrawer"]),
    ("metafields and metaobjects", &["metafield", "metaobject", "standardMetafield"]),
    ("discounts and gift cards", &["discount", "giftCard", "priceRule", "codeDiscount", "automatic"]),
    (
        "products and collections",
        &["product", "variant", "collection", "sellingPlan", "combinedListing", "bundle", "media"],
    ),
    ("apps, shop, staff", &["app", "shop", "staff", "job", "node", "domain", "tagsAdd", "tagsRemove"]),
];

fn area_of(field: &str) -> &'static str {
    let lower = field.to_ascii_lowercase();
    AREAS
        .iter()
        .find(|(_, words)| words.iter().any(|word| lower.contains(&word.to_ascii_lowercase())))
        .map_or("other", |(area, _)| area)
}

#[derive(Default)]
struct Tally {
    served: Vec<String>,
    missing: Vec<String>,
}

#[test]
fn the_coverage_report_lists_served_and_missing_root_fields_per_area_and_nothing_served_disappears() {
    let schema = shopify_schema::latest();
    let registry = Registry::standard();
    let mut problems = Vec::new();
    let mut report = String::new();
    for (kind, root_type, expected, served) in [
        ("queries", "QueryRoot", SERVED.0, registry.served_query_fields()),
        ("mutations", "Mutation", SERVED.1, registry.served_mutations()),
    ] {
        let root = schema.schema().get_object(root_type).expect("root type");
        for name in expected {
            if !served.contains(name) {
                problems.push(format!("{root_type}.{name} is no longer served"));
            }
            if !root.fields.contains_key(*name) {
                problems.push(format!("{root_type}.{name} is not in the {} schema", schema.version()));
            }
        }
        for name in &served {
            if !expected.contains(name) {
                problems.push(format!("{root_type}.{name} is served: add it to SERVED in tests/it/coverage.rs"));
            }
        }
        let mut areas: BTreeMap<&str, Tally> = BTreeMap::new();
        for (name, definition) in &root.fields {
            let tally = areas.entry(area_of(name)).or_default();
            let deprecated = if definition.directives.has("deprecated") { " (deprecated)" } else { "" };
            if served.contains(&name.as_str()) {
                tally.served.push(format!("{name}{deprecated}"));
            } else {
                tally.missing.push(format!("{name}{deprecated}"));
            }
        }
        let total: usize = areas.values().map(|tally| tally.served.len() + tally.missing.len()).sum();
        let served_count: usize = areas.values().map(|tally| tally.served.len()).sum();
        report.push_str(&format!(
            "\n== {kind} of {} ({root_type}): {served_count} of {total} served\n",
            schema.version()
        ));
        for (area, tally) in &areas {
            report.push_str(&format!(
                "{area}: {} of {}\n  served: {}\n  missing: {}\n",
                tally.served.len(),
                tally.served.len() + tally.missing.len(),
                if tally.served.is_empty() { "-".to_string() } else { tally.served.join(", ") },
                if tally.missing.is_empty() { "-".to_string() } else { tally.missing.join(", ") },
            ));
        }
    }
    println!("{report}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
