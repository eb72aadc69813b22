//! The request hook and the block policy.

use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use shopify_admin::ops::NoVariables;
use shopify_admin::ops::shop::ShopInfo;
use shopify_admin::ops::tags::{TagsAdd, TagsVariables};
use shopify_admin::{AdminClient, AdminError, BlockReason, Gid, RequestHook, RequestRecord, Switches};

use crate::support::{Answer, TEST_TOKEN, TestServer, builder_for, ok_body, shop_info_data};

#[derive(Debug, Clone)]
struct Logged {
    operation: String,
    method: String,
    url: String,
    body: String,
    status: Option<u16>,
    request_id: Option<String>,
    requested_cost: Option<f64>,
    attempt: u32,
    failed: bool,
}

#[derive(Default)]
struct Log(Mutex<Vec<Logged>>);

impl RequestHook for Log {
    fn on_request(&self, r: &RequestRecord<'_>) {
        self.0.lock().unwrap().push(Logged {
            operation: r.operation.to_owned(),
            method: r.method.to_owned(),
            url: r.url.to_owned(),
            body: r.request_body.to_owned(),
            status: r.status,
            request_id: r.request_id.map(str::to_owned),
            requested_cost: r.cost.map(|c| c.requested_query_cost),
            attempt: r.attempt,
            failed: r.failed,
        });
    }
}

#[tokio::test]
async fn every_attempt_is_reported_without_the_token() {
    let server = TestServer::start(|_, index| match index {
        0 => Answer::json(503, "unavailable").header("x-request-id", "r-1"),
        _ => Answer::json(200, ok_body(shop_info_data(), 4.0, 3.0, 1997.0)).header("x-request-id", "r-2"),
    })
    .await;
    let log = Arc::new(Log::default());
    let client = builder_for(&server.base_url).hook(log.clone()).build().unwrap();
    client.execute::<ShopInfo>(&NoVariables {}).await.unwrap();

    let entries = log.0.lock().unwrap().clone();
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].attempt, entries[0].failed, entries[0].status), (1, true, Some(503)));
    assert_eq!(entries[0].request_id.as_deref(), Some("r-1"));
    assert_eq!((entries[1].attempt, entries[1].failed, entries[1].status), (2, false, Some(200)));
    assert_eq!(entries[1].request_id.as_deref(), Some("r-2"));
    assert_eq!(entries[1].requested_cost, Some(4.0));
    for e in &entries {
        assert_eq!((e.operation.as_str(), e.method.as_str()), ("ShopInfo", "POST"));
        assert!(e.url.ends_with("/admin/api/2026-10/graphql.json"), "{}", e.url);
        assert!(e.body.contains("query ShopInfo"), "{}", e.body);
        assert!(!e.body.contains(TEST_TOKEN));
    }

    // The token travels in the header, and only there.
    for request in server.recorded() {
        assert_eq!(request.headers.get("x-shopify-access-token").unwrap(), TEST_TOKEN);
        assert!(!request.body.contains(TEST_TOKEN));
    }
    assert!(!format!("{client:?}").contains(TEST_TOKEN));
}

#[tokio::test]
async fn secrets_in_variables_are_redacted_in_the_log() {
    let server = TestServer::start(|_, _| Answer::json(200, r#"{"data":{"ok":true}}"#)).await;
    let log = Arc::new(Log::default());
    let client = builder_for(&server.base_url).hook(log.clone()).build().unwrap();
    let variables =
        serde_json::json!({"input": {"accessToken": "shpat_leak", "note": format!("copy of {TEST_TOKEN}")}});
    client
        .execute_raw("Raw", "query Raw { shop { id } }", &variables, shopify_admin::OperationKind::Query, 1)
        .await
        .unwrap();
    let body = log.0.lock().unwrap()[0].body.clone();
    assert!(!body.contains("shpat_leak") && !body.contains(TEST_TOKEN), "{body}");
}

#[tokio::test]
async fn switched_off_outgoing_requests_never_reach_shopify() {
    let server = TestServer::start(|_, _| Answer::json(200, ok_body(shop_info_data(), 4.0, 4.0, 1996.0))).await;
    let switches = Arc::new(Switches::new(false, false));
    let client = builder_for(&server.base_url).policy(switches.clone()).build().unwrap();
    let err = client.execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    assert!(matches!(&err, AdminError::Blocked { reason: BlockReason::OutgoingRequestsDisabled, .. }), "{err:?}");
    assert!(err.to_string().contains("Allow outgoing requests"), "{err}");
    assert_eq!(server.count(), 0);

    switches.set_allow_outgoing(true);
    client.execute::<ShopInfo>(&NoVariables {}).await.unwrap();
    let tag = TagsVariables { id: Gid::new("gid://shopify/Order/1"), tags: vec!["x".into()] };
    let err = client.execute::<TagsAdd>(&tag).await.unwrap_err();
    assert!(matches!(&err, AdminError::Blocked { reason: BlockReason::WritesDisabled, .. }), "{err:?}");
    assert_eq!(server.count(), 1, "reads pass, writes are blocked before sending");
}

#[test]
fn an_empty_token_is_refused_when_building() {
    let err = AdminClient::builder(crate::support::test_shop(), SecretString::from(String::new())).build().unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
