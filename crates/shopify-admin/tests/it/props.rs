//! Property tests of what the client reads from outside: shop domains, API versions and endpoints, `Retry-After`,
//! webhook deliveries, OAuth callbacks and bulk result rows.
//!
//! Any input gives a value or a typed error, never a panic; a correct signature verifies whatever the header case
//! or parameter order, and any single change to a signed byte is refused. The signing helpers used to make valid
//! inputs are themselves checked against Shopify's known answers in `vectors.rs`. The parsing of whole GraphQL
//! answers and of JSONL byte streams is private and has its properties next to it (`client.rs`, `bulk.rs`).

use std::collections::HashMap;

use jiff::Timestamp;
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use shopify_admin::bulk::{BulkAssembler, MAX_BULK_NESTING};
use shopify_admin::oauth::{OAuthApp, OAuthError, parse_query, query_hmac_hex, query_signing_string};
use shopify_admin::retry::parse_retry_after;
use shopify_admin::webhook::{SecretUsed, WebhookError, WebhookVerifier, sign_body};
use shopify_admin::{ApiVersion, BulkError, BulkGrouping, BulkObject, BulkRow, Endpoint, ShopDomain};

/// 256 cases per property; everything here is pure and fast.
fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Any text, or text made of the characters that matter to these parsers.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ a-zA-Z0-9:=&%?#/.@_+\\-\\[\\]é\u{1F600}\t]{0,40}"]
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// The one form a shop domain may have once trimmed and lower-cased.
fn is_shop_domain(domain: &str) -> bool {
    let Some(handle) = domain.strip_suffix(".myshopify.com") else { return false };
    let mut chars = handle.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && handle.len() <= 63
        && !handle.ends_with('-')
        && (handle.get(2..4) != Some("--") || handle.starts_with("xn--"))
}

/// A valid handle in random letter case.
fn shop_handle() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9-]{0,29}[a-zA-Z0-9])?"
        .prop_filter("`--` in third and fourth place is reserved", |h| h.get(2..4) != Some("--"))
}

/// `name` with each ASCII letter in a random case.
fn random_case(name: &str, upper: &[bool]) -> String {
    name.chars()
        .zip(upper.iter().cycle())
        .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// A signed query string of `params` plus `hmac` (appended at `hmac_at`), as Shopify redirects with.
fn signed_query(app: &OAuthApp, params: &[(String, String)], hmac_at: usize) -> String {
    let hmac = query_hmac_hex(&app.client_secret, params);
    let mut with_hmac = params.to_vec();
    with_hmac.insert(hmac_at.min(params.len()), ("hmac".into(), hmac));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &with_hmac {
        query.append_pair(key, value);
    }
    query.finish()
}

fn app() -> OAuthApp {
    OAuthApp {
        client_id: "client".into(),
        client_secret: secret("app-secret"),
        scopes: vec!["read_orders".into()],
        redirect_uri: url::Url::parse("https://sync.example/oauth/callback").unwrap(),
    }
}

/// Extra query parameters Shopify may add (`host`, arrays such as `ids[]`), with values holding `&`, `=`, `%`,
/// quotes and non-ASCII text that the signing string must escape.
fn extra_params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((prop_oneof!["(host|locale|session|ids\\[\\]|x)", "[a-z_%=&]{1,6}(\\[\\])?"], text()), 0..5)
}

/// A bulk result forest: roots with children with grandchildren (Shopify allows two levels of nesting).
#[derive(Debug, Clone)]
struct Node {
    id: String,
    title: String,
    children: Vec<Node>,
}

fn forest() -> impl Strategy<Value = Vec<Node>> {
    let grandchild = "[a-z ]{0,8}".prop_map(|title| Node { id: String::new(), title, children: Vec::new() });
    let child = ("[a-z ]{0,8}", prop::collection::vec(grandchild, 0..3)).prop_map(|(title, children)| Node {
        id: String::new(),
        title,
        children,
    });
    let root = ("[a-z ]{0,8}", prop::collection::vec(child, 0..4)).prop_map(|(title, children)| Node {
        id: String::new(),
        title,
        children,
    });
    prop::collection::vec(root, 0..6).prop_map(|mut roots| {
        let mut next = 0;
        fn number(node: &mut Node, resource: &[&str], next: &mut u64) {
            *next += 1;
            node.id = format!("gid://shopify/{}/{next}", resource[0]);
            for child in &mut node.children {
                number(child, &resource[1..], next);
            }
        }
        for root in &mut roots {
            number(root, &["Product", "ProductVariant", "InventoryLevel"], &mut next);
        }
        roots
    })
}

/// The rows of `roots` in an order Shopify may write them: every row after its parent and otherwise anywhere
/// (ungrouped), or each root's rows together (grouped); `choices` picks among the rows that may come next.
fn rows_in_some_order(roots: &[Node], grouping: BulkGrouping, choices: &[usize]) -> Vec<BulkRow> {
    fn emit<'a>(
        mut ready: Vec<(&'a Node, Option<&'a str>)>,
        choice: &mut dyn Iterator<Item = usize>,
        out: &mut Vec<BulkRow>,
    ) {
        while !ready.is_empty() {
            let at = choice.next().unwrap_or(0) % ready.len();
            let (node, parent) = ready.remove(at);
            ready.extend(node.children.iter().map(|child| (child, Some(node.id.as_str()))));
            out.push(BulkRow {
                line: out.len() as u64 + 1,
                value: json!({"id": node.id, "title": node.title}),
                parent_id: parent.map(str::to_owned),
            });
        }
    }
    let mut choice = choices.iter().copied().cycle();
    let mut out = Vec::new();
    match grouping {
        BulkGrouping::Ungrouped => emit(roots.iter().map(|root| (root, None)).collect(), &mut choice, &mut out),
        BulkGrouping::Grouped => {
            for root in roots {
                emit(vec![(root, None)], &mut choice, &mut out);
            }
        }
    }
    out
}

/// What reassembly must give: each row with its children in file order.
fn expected(rows: &[BulkRow]) -> Vec<(String, Vec<String>)> {
    let mut children: HashMap<&str, Vec<String>> = HashMap::new();
    for row in rows {
        if let Some(parent) = &row.parent_id {
            children.entry(parent).or_default().push(row.value["id"].as_str().unwrap().to_owned());
        }
    }
    rows.iter()
        .map(|row| {
            let id = row.value["id"].as_str().unwrap();
            (id.to_owned(), children.get(id).cloned().unwrap_or_default())
        })
        .collect()
}

/// Every object of the reassembled trees with its children's ids, in tree order.
fn flatten(objects: &[BulkObject], out: &mut Vec<(String, Vec<String>)>) {
    for object in objects {
        let ids = object.children.iter().map(|c| c.id().unwrap().to_owned()).collect();
        out.push((object.id().unwrap().to_owned(), ids));
        flatten(&object.children, out);
    }
}

fn assemble(rows: Vec<BulkRow>, grouping: BulkGrouping) -> Result<Vec<BulkObject>, BulkError> {
    let mut assembler = BulkAssembler::new(grouping, usize::MAX);
    let mut roots = Vec::new();
    for row in rows {
        roots.extend(assembler.push(row)?);
    }
    roots.extend(assembler.finish());
    Ok(roots)
}

proptest! {
    #![proptest_config(config())]

    // ---- Shop domains, API versions, endpoints ----

    #[test]
    fn a_shop_domain_is_only_ever_a_myshopify_host(input in prop_oneof![
        text(),
        "[ ]?[a-zA-Z0-9.:/_-]{0,12}\\.(myshopify|MyShopify|myshopifyy)\\.(com|COM|co)[a-z./:0-9]{0,6}[ ]?",
        "https?://[a-z0-9-]{1,8}\\.myshopify\\.com(/admin)?",
    ]) {
        match ShopDomain::parse(&input) {
            Ok(shop) => {
                prop_assert!(is_shop_domain(shop.as_str()), "{input:?} was accepted as {shop}");
                prop_assert_eq!(shop.as_str(), input.trim().to_ascii_lowercase());
                prop_assert_eq!(ShopDomain::parse(shop.as_str()), Ok(shop.clone()));
                // A request for the shop can only go to the shop itself.
                let url = Endpoint::Shopify.graphql_url(&shop, &ApiVersion::default());
                prop_assert_eq!(url.host_str(), Some(shop.as_str()));
                prop_assert_eq!(url.scheme(), "https");
            }
            Err(err) => {
                prop_assert!(err.input.chars().count() <= 80);
                prop_assert!(err.to_string().contains(".myshopify.com"), "{err}");
            }
        }
    }

    #[test]
    fn every_myshopify_domain_is_accepted_in_any_case_and_padding(
        handle in shop_handle(),
        upper in prop::collection::vec(any::<bool>(), 1..8),
        pad in "[ \t\n]{0,2}",
    ) {
        let input = format!("{pad}{handle}.{}{pad}", random_case("myshopify.com", &upper));
        let shop = ShopDomain::parse(&input).unwrap();
        prop_assert_eq!(shop.handle(), handle.to_ascii_lowercase());
    }

    #[test]
    fn api_versions_and_development_endpoints_parse_or_say_why(input in prop_oneof![
        text(),
        "[0-9]{4}-[0-9]{2}[ ]?",
        "(unstable|https?|ftp)(://[a-z0-9.]{0,10}(:[0-9]{1,6})?[/a-z]{0,6}(\\?x)?)?",
    ]) {
        match ApiVersion::parse(&input) {
            Ok(version) => {
                let text = version.as_str();
                prop_assert!(text == "unstable" || (text.len() == 7 && ["01", "04", "07", "10"].contains(&&text[5..])), "{text}");
            }
            Err(err) => prop_assert!(err.to_string().contains("YYYY-MM"), "{err}"),
        }
        match Endpoint::development(&input) {
            Ok(endpoint) => {
                let shop = ShopDomain::parse("a.myshopify.com").unwrap();
                let url = endpoint.graphql_url(&shop, &ApiVersion::default());
                prop_assert!(url.path().ends_with("/admin/api/2026-10/graphql.json"), "{url}");
            }
            Err(err) => prop_assert!(err.to_string().contains("development endpoint"), "{err}"),
        }
    }

    #[test]
    fn retry_after_is_a_bounded_delay_or_ignored(input in prop_oneof![text(), "[ ]?[+-]?[0-9]{0,12}(\\.[0-9]{0,4})?(e[0-9]{1,3})?", Just("NaN".to_owned()), Just("inf".to_owned())]) {
        if let Some(delay) = parse_retry_after(&input) {
            prop_assert!(delay.as_secs() <= 86_400, "{input:?} gave {delay:?}");
        }
    }

    // ---- Webhooks ----

    #[test]
    fn any_webhook_headers_and_body_are_verified_or_refused_never_a_panic(
        headers in prop::collection::vec((
            prop_oneof![
                text(),
                "(X-|x-)?(Shopify|shopify|SHOPIFY)-(Hmac-Sha256|hmac-sha256|Topic|Shop-Domain|Event-Id|Triggered-At|Name)",
            ],
            prop_oneof![text(), "[A-Za-z0-9+/]{42,44}={0,2}", "[a-z0-9-]{1,8}\\.myshopify\\.com"],
        ), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let verifier = WebhookVerifier::new(secret("current")).with_previous_secret(secret("previous"));
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        // Random signatures cannot match: every such delivery is refused with a reason.
        let err = verifier.verify_pairs(pairs.iter().copied(), &body).unwrap_err();
        prop_assert!(!err.to_string().is_empty());
        // The same through an HTTP header map (names that are not valid header names are left out).
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in &headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(name, value);
            }
        }
        prop_assert!(verifier.verify(&map, &body).is_err());
    }

    #[test]
    fn a_correctly_signed_webhook_verifies_whatever_the_header_case_and_prefix(
        body in prop::collection::vec(any::<u8>(), 0..300),
        handle in shop_handle().prop_map(|handle| handle.to_ascii_lowercase()),
        topic in "[a-z_]{1,12}/[a-z_]{1,12}",
        upper in prop::collection::vec(any::<bool>(), 1..10),
        classic in any::<bool>(),
        previous in any::<bool>(),
        noise in prop::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,20}"), 0..4),
    ) {
        let key = if previous { "previous" } else { "current" };
        let signature = sign_body(&secret(key), &body);
        let prefix = if classic { "X-Shopify-" } else { "Shopify-" };
        let name = |suffix: &str| random_case(&format!("{prefix}{suffix}"), &upper);
        let shop = format!("{handle}.myshopify.com");
        let mut headers = vec![
            (name("Hmac-Sha256"), signature),
            (name("Topic"), topic.clone()),
            (name("Shop-Domain"), shop.clone()),
            (name("Event-Id"), "ev-1".to_owned()),
        ];
        headers.extend(noise.into_iter().filter(|(k, _)| !k.to_ascii_lowercase().contains("shopify")));
        let verifier = WebhookVerifier::new(secret("current")).with_previous_secret(secret("previous"));
        let verified = verifier.verify_pairs(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), &body).unwrap();
        prop_assert_eq!(verified.topic, topic);
        prop_assert_eq!(verified.shop_domain.as_str(), shop);
        prop_assert_eq!(verified.event_id.as_deref(), Some("ev-1"));
        prop_assert_eq!(verified.secret, if previous { SecretUsed::Previous } else { SecretUsed::Current });
    }

    #[test]
    fn any_single_byte_changed_in_the_body_or_signature_is_refused(
        body in prop::collection::vec(any::<u8>(), 1..300),
        position in any::<prop::sample::Index>(),
        new_byte in any::<u8>(),
        in_signature in any::<bool>(),
    ) {
        let mut body = body;
        let mut signature = sign_body(&secret("current"), &body).into_bytes();
        let target: &mut Vec<u8> = if in_signature { &mut signature } else { &mut body };
        let at = position.index(target.len());
        prop_assume!(target[at] != new_byte);
        target[at] = new_byte;
        // A changed signature may no longer be text; only text reaches the verifier as a header value.
        let Ok(signature) = String::from_utf8(signature) else { return Ok(()) };
        let headers = [
            ("X-Shopify-Hmac-Sha256", signature.as_str()),
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", "a.myshopify.com"),
        ];
        let err = WebhookVerifier::new(secret("current")).verify_pairs(headers, &body).unwrap_err();
        prop_assert!(
            matches!(err, WebhookError::SignatureMismatch | WebhookError::MalformedSignature | WebhookError::MissingHeader(_)),
            "{err}"
        );
    }

    // ---- OAuth callbacks ----

    #[test]
    fn any_callback_query_is_refused_with_a_reason_never_a_panic(
        query in prop_oneof![
            text(),
            "\\??((code|shop|state|timestamp|hmac|host|ids\\[\\]|signature)=[a-z0-9%&=.+]{0,12}&?){0,7}",
        ],
        now in 0i64..4_000_000_000,
    ) {
        let now = Timestamp::from_second(now).unwrap();
        // Without the app's secret nobody can sign, so every random query is refused.
        prop_assert!(app().verify_callback(&query, "state", now).is_err());
        prop_assert!(app().verify_install_request(&query, now).is_err());
        let _ = query_signing_string(&parse_query(&query));
    }

    #[test]
    fn a_signed_callback_verifies_in_any_parameter_order_and_any_change_is_refused(
        handle in shop_handle().prop_map(|handle| handle.to_ascii_lowercase()),
        code in "[a-f0-9]{1,32}",
        state in "[a-zA-Z0-9]{1,32}",
        age in -90i64..=90,
        extra in extra_params(),
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        hmac_at in any::<prop::sample::Index>(),
        tamper in any::<prop::sample::Index>(),
    ) {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let timestamp = (now.as_second() - age).to_string();
        let shop = format!("{handle}.myshopify.com");
        let mut params: Vec<(String, String)> = vec![
            ("code".into(), code.clone()),
            ("shop".into(), shop.clone()),
            ("state".into(), state.clone()),
            ("timestamp".into(), timestamp),
        ];
        params.extend(extra.into_iter().filter(|(k, _)| !["code", "shop", "state", "timestamp", "hmac", "signature"].contains(&k.as_str())));
        // Shuffle: Shopify's order of parameters is not the signing order. Array values keep their relative order,
        // which the signature covers, so only swaps of different keys are made.
        for index in &order {
            let (a, b) = (index.index(params.len()), index.index(params.len()).saturating_sub(1));
            if params[a].0 != params[b].0 {
                params.swap(a, b);
            }
        }
        let query = signed_query(&app(), &params, hmac_at.index(params.len() + 1));
        let callback = app().verify_callback(&query, &state, now).unwrap();
        prop_assert_eq!(callback.shop.as_str(), shop);
        prop_assert_eq!(callback.code, code);

        // Changing one value after signing is refused.
        let mut altered = params.clone();
        let at = tamper.index(altered.len());
        altered[at].1.push('x');
        let hmac = query_hmac_hex(&app().client_secret, &params);
        let mut forged = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &altered {
            forged.append_pair(key, value);
        }
        forged.append_pair("hmac", &hmac);
        let result = app().verify_callback(&forged.finish(), &state, now);
        prop_assert!(matches!(result, Err(OAuthError::BadSignature)), "{result:?}");
        // So is another state.
        let result = app().verify_callback(&query, &format!("{state}x"), now);
        prop_assert!(matches!(result, Err(OAuthError::StateMismatch)), "{result:?}");
    }

    #[test]
    fn a_signed_callback_that_is_stale_or_names_a_foreign_shop_is_refused(
        shop in prop_oneof![text(), "[a-z0-9-]{1,8}\\.myshopify\\.com\\.[a-z]{2,6}", "[a-z0-9-]{1,8}\\.(com|shop)"],
        age in prop_oneof![91i64..1_000_000_000, -1_000_000_000i64..-90],
        timestamp_text in prop_oneof![text(), "[+-]?[0-9]{1,25}"],
    ) {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let params = |shop: &str, timestamp: &str| -> Vec<(String, String)> {
            vec![
                ("code".into(), "c".into()),
                ("shop".into(), shop.into()),
                ("state".into(), "s".into()),
                ("timestamp".into(), timestamp.into()),
            ]
        };
        let fresh = now.as_second().to_string();
        if ShopDomain::parse(&shop).is_err() {
            let query = signed_query(&app(), &params(&shop, &fresh), 4);
            let result = app().verify_callback(&query, "s", now);
            prop_assert!(matches!(result, Err(OAuthError::InvalidShop(_))), "{result:?}");
        }
        let stale = (now.as_second() - age).to_string();
        let query = signed_query(&app(), &params("a.myshopify.com", &stale), 0);
        let result = app().verify_callback(&query, "s", now);
        prop_assert!(matches!(result, Err(OAuthError::Stale { .. })), "{result:?}");
        let query = signed_query(&app(), &params("a.myshopify.com", &timestamp_text), 2);
        match app().verify_callback(&query, "s", now) {
            Ok(callback) => prop_assert!((callback.timestamp.as_second() - now.as_second()).abs() <= 90),
            Err(err) => prop_assert!(matches!(err, OAuthError::BadTimestamp(_) | OAuthError::Stale { .. }), "{err}"),
        }
    }

    // ---- Bulk results ----

    #[test]
    fn bulk_rows_in_any_order_shopify_may_write_are_reassembled_onto_their_parents(
        roots in forest(),
        grouped in any::<bool>(),
        choices in prop::collection::vec(0usize..1000, 1..40),
    ) {
        let grouping = if grouped { BulkGrouping::Grouped } else { BulkGrouping::Ungrouped };
        let rows = rows_in_some_order(&roots, grouping, &choices);
        let mut want = expected(&rows);
        let root_ids: Vec<&str> =
            rows.iter().filter(|r| r.parent_id.is_none()).map(|r| r.value["id"].as_str().unwrap()).collect();
        let objects = assemble(rows.clone(), grouping).unwrap();
        // Roots come out in file order, each once.
        prop_assert_eq!(objects.iter().map(|o| o.id().unwrap()).collect::<Vec<_>>(), root_ids);
        prop_assert!(objects.iter().all(|o| o.value.get("__parentId").is_none()));
        let mut got = Vec::new();
        flatten(&objects, &mut got);
        // Tree order and file order differ; each object's children, in file order, must match.
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn bulk_rows_of_any_shape_are_reassembled_or_refused_with_their_line(
        rows in prop::collection::vec((
            proptest::option::of("[a-c]{1,2}"),
            proptest::option::of("[a-c]{1,2}"),
            prop_oneof![Just(Value::Null), "[a-z]{0,4}".prop_map(Value::from)],
        ), 0..40),
        grouped in any::<bool>(),
        max_held in prop_oneof![Just(usize::MAX), 0usize..3000],
    ) {
        let grouping = if grouped { BulkGrouping::Grouped } else { BulkGrouping::Ungrouped };
        let mut assembler = BulkAssembler::new(grouping, max_held);
        let count = rows.len() as u64;
        for (line, (id, parent_id, title)) in rows.into_iter().enumerate() {
            let value = match id { Some(id) => json!({"id": id, "title": title}), None => json!({"title": title}) };
            match assembler.push(BulkRow { line: line as u64 + 1, value, parent_id }) {
                Ok(_) => {}
                Err(BulkError::OrphanRow { line, .. } | BulkError::TooDeep { line, .. }) => {
                    prop_assert!(line <= count);
                    break;
                }
                Err(BulkError::TooLargeToReassemble { limit_bytes }) => {
                    prop_assert_eq!(limit_bytes, max_held);
                    break;
                }
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
        let _ = assembler.finish();
    }

    #[test]
    fn a_chain_of_rows_is_refused_past_the_deepest_nesting_a_query_can_have(depth in 0usize..40) {
        let rows: Vec<BulkRow> = (0..=depth)
            .map(|i| BulkRow {
                line: i as u64 + 1,
                value: json!({"id": format!("n{i}")}),
                parent_id: (i > 0).then(|| format!("n{}", i - 1)),
            })
            .collect();
        match assemble(rows, BulkGrouping::Ungrouped) {
            Ok(roots) => {
                prop_assert!(depth <= MAX_BULK_NESTING);
                prop_assert_eq!(roots.len(), 1);
            }
            Err(err) => {
                prop_assert!(depth > MAX_BULK_NESTING, "{err}");
                let is_too_deep = matches!(err, BulkError::TooDeep { line, .. } if line == MAX_BULK_NESTING as u64 + 2);
                prop_assert!(is_too_deep, "{}", err);
            }
        }
    }
}
