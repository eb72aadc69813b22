//! Retry decisions on the real HTTP path (local scripted server).

use std::time::Duration;

use shopify_admin::ops::NoVariables;
use shopify_admin::ops::bulk::{BulkOperationRunQuery, BulkOperationRunQueryVariables, BulkOperationStatus};
use shopify_admin::ops::fulfillment::{FulfillmentCreate, FulfillmentCreateVariables, FulfillmentInput};
use shopify_admin::ops::shop::ShopInfo;
use shopify_admin::{AdminError, AuthFailure, RetryConfig};

use crate::support::{Answer, TestServer, builder_for, client_for, ok_body, quick_retries, shop_info_data};

#[tokio::test]
async fn http_429_retry_after_is_honoured_even_as_a_decimal() {
    let server = TestServer::start(|_, index| match index {
        0 => Answer::json(429, r#"{"errors":"Exceeded 2 calls per second for api client."}"#)
            .header("retry-after", "0.4"),
        _ => Answer::json(200, ok_body(shop_info_data(), 4.0, 4.0, 1996.0)),
    })
    .await;
    let reply = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap();
    assert_eq!(reply.attempts, 2);
    let requests = server.recorded();
    let gap = requests[1].at - requests[0].at;
    assert!(gap >= Duration::from_millis(395), "retried after {gap:?}, before Retry-After: 0.4");
}

#[tokio::test]
async fn a_401_is_not_retried_and_says_the_token_is_invalid() {
    let server = TestServer::start(|_, _| {
        Answer::json(
            401,
            r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#,
        )
        .header("x-request-id", "req-401")
    })
    .await;
    let err = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    assert!(matches!(&err, AdminError::Auth { failure: AuthFailure::InvalidToken, status: 401, .. }), "{err:?}");
    assert!(err.needs_reauthorization());
    assert_eq!(err.request_id(), Some("req-401"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_403_is_a_missing_scope_and_not_retried() {
    let server = TestServer::start(|_, _| {
        Answer::json(403, r#"{"errors":"This action requires merchant approval for read_orders scope."}"#)
    })
    .await;
    let err = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    match &err {
        AdminError::Auth { failure: AuthFailure::MissingScope { detail }, .. } => {
            assert!(detail.contains("read_orders"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn an_access_denied_error_in_a_200_body_is_a_missing_scope() {
    let body = r#"{"data":null,"errors":[{"message":"Access denied for orders field. Required access: `read_orders` access scope.","extensions":{"code":"ACCESS_DENIED"}}]}"#;
    let server = TestServer::start(move |_, _| Answer::json(200, body)).await;
    let err = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    assert!(matches!(&err, AdminError::Auth { failure: AuthFailure::MissingScope { .. }, .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let server =
        TestServer::start(|_, _| Answer::json(503, "Service Unavailable").header("x-request-id", "req-503")).await;
    let client = builder_for(&server.base_url).retry(quick_retries(3)).build().unwrap();
    let err = client.execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    match &err {
        AdminError::Http { status: 503, request_id, .. } => assert_eq!(request_id.as_deref(), Some("req-503")),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 3, "exactly max_attempts requests");
    assert!(err.to_string().contains("X-Request-Id req-503"), "{err}");
}

#[tokio::test]
async fn a_server_error_then_success_is_retried_transparently() {
    let server = TestServer::start(|_, index| match index {
        0 | 1 => Answer::json(502, "Bad Gateway"),
        _ => Answer::json(200, ok_body(shop_info_data(), 4.0, 4.0, 1996.0)),
    })
    .await;
    let reply = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap();
    assert_eq!(reply.attempts, 3);
}

#[tokio::test]
async fn a_fulfillment_that_may_have_been_created_is_not_sent_twice() {
    let server = TestServer::start(|_, _| Answer::json(502, "Bad Gateway")).await;
    let vars = FulfillmentCreateVariables {
        fulfillment: FulfillmentInput {
            line_items_by_fulfillment_order: vec![],
            notify_customer: false,
            tracking_info: None,
        },
        message: None,
    };
    let err = client_for(&server.base_url).execute::<FulfillmentCreate>(&vars).await.unwrap_err();
    assert!(matches!(err, AdminError::Http { status: 502, .. }), "{err:?}");
    assert_eq!(server.count(), 1, "a 502 may hide a created fulfillment: it must not be re-sent");
}

#[tokio::test]
async fn a_bulk_query_answered_with_a_503_is_started_again() {
    let started = serde_json::json!({"bulkOperationRunQuery": {
        "bulkOperation": {
            "id": "gid://shopify/BulkOperation/7", "status": "CREATED", "errorCode": null,
            "createdAt": "2026-11-23T04:00:00Z", "completedAt": null, "objectCount": "0",
            "rootObjectCount": "0", "fileSize": null, "url": null, "partialDataUrl": null
        },
        "userErrors": []
    }});
    let server = TestServer::start(move |_, index| match index {
        0 => Answer::json(503, "Service Unavailable"),
        _ => Answer::json(200, ok_body(started.clone(), 10.0, 10.0, 1990.0)),
    })
    .await;
    let vars =
        BulkOperationRunQueryVariables { query: "{ orders { edges { node { id } } } }".into(), group_objects: true };
    let reply = client_for(&server.base_url).execute::<BulkOperationRunQuery>(&vars).await.unwrap();
    assert_eq!(reply.attempts, 2, "a bulk query only reads: a 503 must not fail the orders run");
    let operation = reply.data.bulk_operation_run_query.and_then(|p| p.bulk_operation).unwrap();
    assert_eq!(operation.status, BulkOperationStatus::Created);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_network_failure() {
    // Bind and drop a listener so the port is (very likely) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = builder_for(&format!("http://127.0.0.1:{port}"))
        .retry(RetryConfig { max_attempts: 2, ..quick_retries(2) })
        .build()
        .unwrap();
    let err = client.execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    match err {
        AdminError::Network { attempts, maybe_applied, .. } => {
            assert_eq!(attempts, 2);
            assert!(!maybe_applied, "a refused connection never reached Shopify");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_graphql_error_is_final_and_carries_the_request_id() {
    let body = r#"{"errors":[{"message":"Field 'nope' doesn't exist on type 'Shop'","extensions":{"code":"undefinedField"}}]}"#;
    let server = TestServer::start(move |_, _| Answer::json(200, body).header("x-request-id", "req-gql")).await;
    let err = client_for(&server.base_url).execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    assert!(matches!(&err, AdminError::GraphQl { .. }), "{err:?}");
    assert!(err.to_string().contains("nope") && err.to_string().contains("req-gql"), "{err}");
    assert_eq!(server.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_answer_whose_report_shows_room_still_waits_before_each_retry() {
    // Shopify refused the query although its report says the bucket is full: the report cannot say how long to
    // wait, so each retry must still wait for the bucket instead of being sent again at once (6 tries in 19 ms).
    let throttled = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],
        "extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":null,
        "throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":1000.0,"restoreRate":50.0}}}}"#;
    let server = TestServer::start(move |_, _| Answer::json(200, throttled)).await;
    let budget = std::sync::Arc::new(shopify_admin::CostBudget::new());
    let client = builder_for(&server.base_url).budget(budget.clone()).build().unwrap();
    let err = client.execute::<ShopInfo>(&NoVariables {}).await.unwrap_err();
    assert!(matches!(err, AdminError::Throttled { attempts: 4, .. }), "{err:?}");
    assert_eq!(server.count(), 4);
    // The clock is tokio's paused one: the time slept is what the client asked for, not how busy the machine was.
    let waited = budget.snapshot().waited;
    assert!(waited >= Duration::from_secs(3), "three retries after {waited:?} of waiting in all");
}
