//! The operations the sync flows run, one module per area. Each operation is
//! a `.graphql` file under `graphql/` (fragments under `graphql/fragments/`)
//! with hand-written serde types for its variables and its `data`.
//!
//! Why hand-written types rather than graphql_client or cynic: both generate
//! from one schema file at compile time, and a proc macro would re-parse a
//! 3.7 MB schema on every build (`shopify-schema` carries Shopify's own
//! schema of each version, the 2026-10 one included, deflated and parsed on
//! first use). What codegen would guarantee on the document side, the test
//! suite checks instead with the same validator the simulator uses (every
//! document against the 2026-10 schema, no `@deprecated` field, cost under
//! the limit), and the types are checked by decoding the simulator's real
//! answers. In exchange the types are small, named for the domain
//! (`Order::truncated_connections`, `InventoryItemLevel::available`) and
//! tolerant where Shopify is loose (`UnsignedInt64` as string or number).
//!
//! Page sizes keep every document under Shopify's 1,000-point single-query
//! limit. The requested cost of each document, by Shopify's rules (object 1,
//! connection 2 + first × (1 + cost of a node), scalar/enum 0, interface =
//! most expensive fragment, mutation 10, `nodes(ids:)` = ids × node), is its
//! `ESTIMATED_COST`; the test suite recomputes it from the schema and fails
//! when a document grows past its constant or past 1,000:
//!
//! | operation | page sizes | cost |
//! |---|---|---|
//! | ShopInfo | — | 4 |
//! | Locations | 100 | 202 |
//! | ProductsPage | 5 products × (25 variants, 10 media) | 762 |
//! | ProductVariantsOfProduct | 100 | 503 |
//! | VariantsBySku | 50 | 152 |
//! | ProductSet | 100 variants returned | 214 |
//! | ProductVariantsBulkUpdate | ≤ 250 inputs | 12 |
//! | InventoryLevels | ≤ 100 items × 1 location | 400 |
//! | InventorySetQuantities | ≤ 250 quantities | 15 |
//! | CustomersPage | 50 × 5 addresses | 652 |
//! | CustomersByIds | ≤ 50 customers as on a page | 650 |
//! | CustomersProbe | 250 customers × (id, updatedAt) | 252 |
//! | CustomersProbeCounts | 2 counts | 2 |
//! | OrdersPage | 2 orders × (15 lines, 2 shipping lines, 5 fulfillment orders, 5 refund lines, 2 returns × 5 lines) | 840 |
//! | OrderById | as one order of OrdersPage | 419 |
//! | OrderLineItems | 50 | 853 |
//! | OrderFulfillmentOrders | 5 × 50 lines | 533 |
//! | OrdersImportPage | 20 orders × (2 lines, 1 shipping line, refund ids) | 902 |
//! | OrdersImportByIds | ≤ 20 orders as on a page | 900 |
//! | OrderImportDetails | 50 lines, 10 shipping lines, refunds × 20 lines, 5 returns × 10 lines | 837 |
//! | OrderShippingState | 5 fulfillment orders × 50 lines, 20 fulfillments × 50 lines | 627 |
//! | OrdersProbe | 250 orders × (id, updatedAt) | 253 |
//! | OrdersProbeCounts | 2 counts | 2 |
//! | Nodes | ≤ 250 ids | 250 |
//! | Payouts | 50 | 753 |
//! | StagedUploadsCreate, BulkOperationRunMutation, BulkOperationsRecent | — | 13, 12, 12 |
//! | others (tags, webhooks, bulk) | — | ≤ 202 |

pub mod bulk;
pub mod customers;
pub mod fulfillment;
pub mod inventory;
pub mod nodes;
pub mod order_import;
pub mod order_probe;
pub mod orders;
pub mod payouts;
pub mod products;
pub mod publications;
pub mod shop;
pub mod tags;
pub mod webhooks;

use serde::{Deserialize, Deserializer, Serialize};

use crate::operation::Gid;

/// Variables of an operation that takes none (serialised as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NoVariables {}

/// `{ id }` of a referenced object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdOnly {
    pub id: Gid,
}

/// `MoneyV2`: an amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyV2 {
    pub amount: rust_decimal::Decimal,
    pub currency_code: String,
}

/// `MoneyBag`: an amount in the shop's currency and in the currency the
/// customer saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    pub shop_money: MoneyV2,
    pub presentment_money: MoneyV2,
}

/// Quotes a value for Shopify's search syntax (`sku:"A \"B\""`).
pub fn search_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `updated_at:>='…'`: the search of an incremental read from a durable
/// cursor (inclusive, so an object updated in the same second as the cursor
/// is read again rather than missed; the importer de-duplicates).
pub fn updated_since(cursor: jiff::Timestamp) -> String {
    format!("updated_at:>='{}'", cursor.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

/// Deserialises `UnsignedInt64`, which Shopify sends as a JSON string.
pub(crate) fn u64_from_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Number(n) => Ok(n),
        Raw::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// Optional form of [`u64_from_string_or_number`].
pub(crate) fn opt_u64_from_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "u64_from_string_or_number")] u64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// Concatenates an operation file with the fragment files it uses.
macro_rules! document {
    ($file:literal $(, $fragment:literal)* $(,)?) => {
        concat!(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/", $file))
            $(, "\n", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/fragments/", $fragment)))*
        )
    };
}
pub(crate) use document;

/// The bulk query documents (with their search left out), for the
/// schema-validation test: they are queries like any other, only sent as a
/// string inside `bulkOperationRunQuery`.
pub fn bulk_documents() -> Vec<(&'static str, String)> {
    vec![
        ("orders bulk query", order_import::orders_bulk_query(Some("updated_at:>='2026-01-01T00:00:00Z'"))),
        ("customers bulk query", customers::customers_bulk_query(None)),
        ("products bulk query", products::products_bulk_query(Some("updated_at:>='2026-01-01T00:00:00Z'"))),
        ("products bulk query (no search)", products::products_bulk_query(None)),
        ("variant stock bulk query", products::VARIANT_STOCK_BULK_QUERY.to_owned()),
    ]
}

/// Every operation's name and full document, for the schema-validation and
/// cost tests and for tools that list what the client sends.
pub const ALL_DOCUMENTS: &[(&str, &str, u32)] = &[
    doc_entry::<shop::ShopInfo>(),
    doc_entry::<shop::Locations>(),
    doc_entry::<products::ProductsPage>(),
    doc_entry::<products::ProductVariantsOfProduct>(),
    doc_entry::<products::VariantsBySku>(),
    doc_entry::<products::ProductSet>(),
    doc_entry::<products::ProductVariantsBulkUpdate>(),
    doc_entry::<inventory::InventoryLevels>(),
    doc_entry::<inventory::InventorySetQuantities>(),
    doc_entry::<customers::CustomersPage>(),
    doc_entry::<customers::CustomersByIds>(),
    doc_entry::<customers::CustomersProbe>(),
    doc_entry::<customers::CustomersProbeCounts>(),
    doc_entry::<orders::OrdersPage>(),
    doc_entry::<orders::OrderById>(),
    doc_entry::<orders::OrderLineItems>(),
    doc_entry::<orders::OrderFulfillmentOrders>(),
    doc_entry::<order_import::OrdersImportPage>(),
    doc_entry::<order_import::OrdersImportByIds>(),
    doc_entry::<order_import::OrderImportDetails>(),
    doc_entry::<order_import::OrderShippingState>(),
    doc_entry::<order_probe::OrdersProbe>(),
    doc_entry::<order_probe::OrdersProbeCounts>(),
    doc_entry::<nodes::Nodes>(),
    doc_entry::<fulfillment::FulfillmentCreate>(),
    doc_entry::<tags::TagsAdd>(),
    doc_entry::<tags::TagsRemove>(),
    doc_entry::<webhooks::WebhookSubscriptionCreate>(),
    doc_entry::<webhooks::WebhookSubscriptionDelete>(),
    doc_entry::<webhooks::WebhookSubscriptionUpdate>(),
    doc_entry::<webhooks::WebhookSubscriptions>(),
    doc_entry::<bulk::BulkOperationRunQuery>(),
    doc_entry::<bulk::BulkOperationById>(),
    doc_entry::<bulk::BulkOperationsRecent>(),
    doc_entry::<bulk::StagedUploadsCreate>(),
    doc_entry::<bulk::BulkOperationRunMutation>(),
    doc_entry::<payouts::Payouts>(),
    doc_entry::<publications::Publications>(),
    doc_entry::<publications::PublishablePublish>(),
];

const fn doc_entry<Op: crate::operation::Operation>() -> (&'static str, &'static str, u32) {
    (Op::NAME, Op::DOCUMENT, Op::ESTIMATED_COST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_values_are_quoted_and_escaped() {
        assert_eq!(search_quote(r#"A "B" \C"#), r#""A \"B\" \\C""#);
        let ts: jiff::Timestamp = "2026-01-02T03:04:05.678Z".parse().unwrap();
        assert_eq!(updated_since(ts), "updated_at:>='2026-01-02T03:04:05Z'");
    }
}
