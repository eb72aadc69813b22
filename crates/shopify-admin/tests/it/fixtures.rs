//! Real Shopify answers from `fixtures/shopify/`, served by a local server.

use std::time::Duration;

use shopify_admin::ops::NoVariables;
use shopify_admin::ops::shop::ShopInfo;
use shopify_admin::{AdminError, QueryCost};

use crate::support::{Answer, TestServer, client_for, fixture, ok_body, shop_info_data};

#[test]
fn the_cost_extensions_of_the_fixtures_parse() {
    for name in ["graphql_success_cost_extension.json", "graphql_throttled_response.json"] {
        let body: serde_json::Value = serde_json::from_str(&fixture(name)).unwrap();
        let cost: QueryCost = serde_json::from_value(body["extensions"]["cost"].clone()).unwrap();
        assert!(cost.throttle_status.is_some(), "{name}");
    }
}

#[tokio::test]
async fn throttled_fixture_makes_the_client_wait_for_the_bucket_then_retry() {
    // Requested 70, 66 available, 50 restored per second: the retry must wait
    // (70 - 66) / 50 = 80 ms, no less.
    let server = TestServer::start(|_, index| match index {
        0 => Answer::json(200, fixture("graphql_throttled_response.json")),
        _ => Answer::json(200, ok_body(shop_info_data(), 70.0, 5.0, 2000.0)),
    })
    .await;
    let reply = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap();
    assert_eq!(reply.attempts, 2);
    let requests = server.recorded();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].at - requests[0].at;
    assert!(gap >= Duration::from_millis(78), "retried after {gap:?}, before the bucket had 70 points");
    assert!(gap < Duration::from_millis(500), "waited {gap:?}, far longer than the bucket needs");
}

#[tokio::test]
async fn max_cost_exceeded_fixture_is_a_final_error_naming_both_costs() {
    let server = TestServer::start(|_, _| {
        Answer::json(200, fixture("graphql_max_cost_exceeded_response.json")).header("x-request-id", "req-max-1")
    })
    .await;
    let err = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    match &err {
        AdminError::QueryTooExpensive { cost, max_cost, request_id, .. } => {
            assert_eq!((*cost, *max_cost), (1002, 1000));
            assert_eq!(request_id.as_deref(), Some("req-max-1"));
        }
        other => panic!("expected QueryTooExpensive, got {other:?}"),
    }
    assert!(err.to_string().contains("Shopify support can trace"), "{err}");
    assert_eq!(server.count(), 1, "a query over the single-query limit is never retried");
}

#[tokio::test]
async fn the_success_fixtures_cost_is_reported_with_the_answer() {
    let cost = fixture("graphql_success_cost_extension.json");
    let mut body: serde_json::Value = serde_json::from_str(&cost).unwrap();
    body["data"] = shop_info_data();
    let text = body.to_string();
    let server = TestServer::start(move |_, _| Answer::json(200, text.clone())).await;
    let reply = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap();
    let cost = reply.cost.unwrap();
    assert_eq!(cost.requested_query_cost, 1.0);
    assert_eq!(cost.actual_query_cost, Some(1.0));
    assert_eq!(cost.throttle_status.unwrap().currently_available, 999.0);
    assert_eq!(reply.data.shop.name, "Test");
}
