//! Property tests of what the simulator reads from its clients: search queries (`query:` arguments), global ids
//! and whole requests to the GraphQL endpoint.
//!
//! A search query of any text parses (leniently, as Shopify's) and matches without a panic, however deeply it
//! nests; any body sent to the GraphQL endpoint is answered with JSON, never a dropped connection.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::search::{Query, Searchable, Term};

use crate::support::{VERSION, spawn};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// An item with every kind of field a resource searches on.
struct Item;

impl Searchable for Item {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        Some(match field {
            "sku" => term.matches_text("SKU-1"),
            "vendor" => term.matches_optional_text(None),
            "updated_at" => term.matches_time("2026-01-01T00:00:00Z".parse().unwrap()),
            "id" => term.matches_number(42),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        "sku-1".contains(&text.to_lowercase())
    }
}

/// Search syntax pieces in any order: terms, comparators, quotes, `AND`/`OR`/`NOT`, `-`, parentheses, `*`.
fn search_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("AND".to_owned()),
        Just("OR".to_owned()),
        Just("NOT".to_owned()),
        Just("-".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        "(sku|vendor|updated_at|id|x):(<=|>=|<|>)?[A-Za-z0-9*/:\"'-]{0,12}",
        "[a-zé*]{1,5}",
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec((piece, prop::sample::select(vec!["", " ", "  "])), 0..16)
            .prop_map(|pieces| pieces.into_iter().map(|(p, s)| format!("{p}{s}")).collect()),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_search_query_of_any_text_parses_and_matches_never_a_panic(text in search_text()) {
        let query = Query::parse(&text);
        let _ = query.matches(&Item);
    }

    #[test]
    fn a_search_query_nested_thousands_deep_parses_never_a_stack_overflow(
        depth in 1usize..20_000,
        opener in prop::sample::select(vec!["(", "-", "NOT ", "(-"]),
    ) {
        let text = format!("{}sku:SKU-1{}", opener.repeat(depth), ")".repeat(depth));
        let query = Query::parse(&text);
        let _ = query.matches(&Item);
    }

    #[test]
    fn a_global_id_of_any_text_parses_or_is_refused(text in prop_oneof![
        any::<String>(),
        "gid://shopify/[A-Za-z/]{0,10}/?[+-]?[0-9]{0,22}(\\?[a-z=0-9]{0,6})?",
    ]) {
        if let Some((kind, id)) = shopify_sim::gid::parse(&text) {
            let printed = shopify_sim::gid::format(kind, id);
            prop_assert_eq!(shopify_sim::gid::parse(&printed), Some((kind, id)));
        }
    }
}

/// GraphQL documents the client sends, to be mutated into near-misses.
const DOCUMENTS: &[&str] = &[
    "{ shop { name currencyCode } }",
    "query Products($first: Int!) { products(first: $first, query: \"sku:A*\") { nodes { id title variants(first: 5) { nodes { sku } } } pageInfo { hasNextPage endCursor } } }",
    "mutation Tags($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { field message } } }",
    "query { orders(first: 2, query: \"updated_at:>'2026-01-01'\") { edges { node { id name } cursor } } }",
    "query($id: ID!) { node(id: $id) { id ... on Product { title } } }",
];

/// A request body: a real document with characters changed, inserted or deleted, with variables of any shape;
/// or any bytes.
fn request() -> impl Strategy<Value = (Vec<u8>, &'static str)> {
    let edit = (any::<prop::sample::Index>(), prop::option::of(any::<char>()), any::<bool>());
    let document =
        (prop::sample::select(DOCUMENTS.to_vec()), prop::collection::vec(edit, 0..4)).prop_map(|(doc, edits)| {
            let mut chars: Vec<char> = doc.chars().collect();
            for (at, with, insert) in edits {
                let at = at.index(chars.len());
                match (with, insert) {
                    (Some(c), true) => chars.insert(at, c),
                    (Some(c), false) => chars[at] = c,
                    (None, _) => {
                        chars.remove(at);
                    }
                }
            }
            chars.into_iter().collect::<String>()
        });
    let variables = prop_oneof![
        Just(Value::Null),
        Just(json!({"first": 3, "id": "gid://shopify/Product/1", "tags": ["a"]})),
        Just(json!({"first": -1, "id": 7, "tags": "x"})),
        Just(json!({"first": 100000})),
        any::<String>().prop_map(Value::String),
        Just(json!([1, 2])),
    ];
    let json_body =
        (document.clone(), variables, prop::option::of("[A-Za-z]{0,10}")).prop_map(|(query, variables, operation)| {
            let body = json!({"query": query, "variables": variables, "operationName": operation});
            (body.to_string().into_bytes(), "application/json")
        });
    prop_oneof![
        3 => json_body,
        1 => document.prop_map(|d| (d.into_bytes(), "application/graphql")),
        1 => (prop::collection::vec(any::<u8>(), 0..200), prop::sample::select(vec!["application/json", "application/graphql", "text/plain"])),
    ]
}

#[test]
fn any_request_body_is_answered_with_json_never_a_dropped_connection() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let sim = runtime.block_on(spawn());
    let url = sim.sim.graphql_url(VERSION);
    let token = sim.sim.access_token().expose_secret().to_owned();
    // 64 cases: each is an HTTP round trip to the simulator on 127.0.0.1.
    TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() })
        .run(&request(), |(body, content_type)| {
            runtime.block_on(async {
                let response = sim
                    .http
                    .post(url.clone())
                    .header("X-Shopify-Access-Token", &token)
                    .header(CONTENT_TYPE, content_type)
                    .body(body.clone())
                    .send()
                    .await;
                let response = match response {
                    Ok(response) => response,
                    Err(err) => return Err(TestCaseError::fail(format!("no answer: {err}"))),
                };
                let status = response.status().as_u16();
                prop_assert!(matches!(status, 200 | 400), "HTTP {status}");
                let text = response.text().await.unwrap();
                let answer: Value =
                    serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
                prop_assert!(answer.get("data").is_some() || answer.get("errors").is_some(), "{text}");
                Ok(())
            })
        })
        .unwrap();
}
