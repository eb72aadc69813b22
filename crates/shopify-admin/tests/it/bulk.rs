//! Bulk operations end to end against a local server: start, wait (polling
//! or woken by the finish notification), stream and reassemble.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use futures::TryStreamExt;
use shopify_admin::{AdminError, BulkError, BulkGrouping, BulkLimits, BulkWait, Gid};
use tokio::sync::Notify;

use crate::support::{Answer, TestServer, client_for, ok_body};

/// Products, variants and inventory levels, children after unrelated rows
/// (as Shopify writes ungrouped output since 2026-01).
const OUT_OF_ORDER: &str = concat!(
    r#"{"id":"gid://shopify/Product/1","title":"Shirt"}"#,
    "\n",
    r#"{"id":"gid://shopify/Product/2","title":"Mug"}"#,
    "\n",
    r#"{"id":"gid://shopify/ProductVariant/21","sku":"MUG","__parentId":"gid://shopify/Product/2"}"#,
    "\n",
    r#"{"id":"gid://shopify/Product/3","title":"Cap"}"#,
    "\n",
    r#"{"id":"gid://shopify/ProductVariant/11","sku":"SHIRT-S","__parentId":"gid://shopify/Product/1"}"#,
    "\n",
    r#"{"id":"gid://shopify/InventoryLevel/11?inventory_item_id=11","quantities":[{"name":"available","quantity":4}],"__parentId":"gid://shopify/ProductVariant/11"}"#,
    "\r\n",
    "\n",
    r#"{"id":"gid://shopify/ProductVariant/12","sku":"SHIRT-M","__parentId":"gid://shopify/Product/1"}"#,
);

/// Serves `text` in 7-byte chunks so lines are split across chunks.
fn chunked(text: &'static str) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text.as_bytes().chunks(7).map(|c| Ok(c.to_vec())).collect();
    Body::from_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn a_bulk_result_with_out_of_order_children_is_reassembled() {
    let server = TestServer::start(|_, _| Answer::json(200, "").with_body(chunked(OUT_OF_ORDER))).await;
    let client = client_for(&server.base_url);
    let url = format!("{}/bulk/result.jsonl?signature=abc", server.base_url);
    let objects: Vec<_> =
        client.bulk_result_objects(&url, BulkGrouping::Ungrouped, BulkLimits::default()).try_collect().await.unwrap();
    assert_eq!(objects.len(), 3);
    let shirt = &objects[0];
    assert_eq!(shirt.value["title"], "Shirt");
    let skus: Vec<_> = shirt.children_of_type("ProductVariant").map(|v| v.value["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["SHIRT-S", "SHIRT-M"]);
    assert_eq!(shirt.children[0].children.len(), 1, "the inventory level hangs under its variant");
    assert_eq!(objects[1].children.len(), 1);
    assert!(objects[2].children.is_empty());
    assert!(objects[1].children[0].value.get("__parentId").is_none());
    // No token goes to the storage URL.
    assert!(server.recorded()[0].headers.get("x-shopify-access-token").is_none());
}

#[tokio::test]
async fn rows_stream_one_by_one_with_their_parent_ids() {
    let server = TestServer::start(|_, _| Answer::json(200, "").with_body(chunked(OUT_OF_ORDER))).await;
    let client = client_for(&server.base_url);
    let url = format!("{}/bulk/result.jsonl", server.base_url);
    let rows: Vec<_> = client.bulk_result_rows(&url, BulkLimits::default()).try_collect().await.unwrap();
    assert_eq!(rows.len(), 7, "blank lines are skipped, the last line needs no newline");
    assert_eq!(rows[2].parent_id.as_deref(), Some("gid://shopify/Product/2"));
    assert_eq!(rows[6].line, 8);
}

#[tokio::test]
async fn a_line_longer_than_the_limit_stops_reading() {
    let server = TestServer::start(|_, _| Answer::json(200, "").with_body(chunked(OUT_OF_ORDER))).await;
    let client = client_for(&server.base_url);
    let url = format!("{}/bulk/result.jsonl", server.base_url);
    let limits = BulkLimits { max_line_bytes: 60, ..BulkLimits::default() };
    let err = client.bulk_result_rows(&url, limits).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err, AdminError::Bulk(BulkError::LineTooLong { limit: 60 })), "{err:?}");
}

fn bulk_operation(status: &str, url: Option<String>) -> serde_json::Value {
    serde_json::json!({
        "id": "gid://shopify/BulkOperation/7", "status": status, "errorCode": null,
        "createdAt": "2026-11-02T10:00:00Z", "completedAt": null, "objectCount": "8", "rootObjectCount": "3",
        "fileSize": null, "url": url, "partialDataUrl": null
    })
}

/// A GraphQL endpoint that starts one bulk operation, reports it RUNNING for
/// `running_polls` polls, then COMPLETED with the result at /result.jsonl.
async fn bulk_server(running_polls: usize) -> TestServer {
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let base_for_handler = base.clone();
    let server = TestServer::start(move |request, _| {
        if request.path.starts_with("/result.jsonl") {
            return Answer::json(200, "").with_body(chunked(OUT_OF_ORDER));
        }
        let url = format!("{}/result.jsonl", base_for_handler.get().unwrap());
        match request.operation().as_str() {
            "BulkOperationRunQuery" => {
                assert!(request.body.contains(r#""groupObjects":false"#), "{}", request.body);
                let data = serde_json::json!({"bulkOperationRunQuery": {
                    "bulkOperation": bulk_operation("CREATED", None), "userErrors": []}});
                Answer::json(200, ok_body(data, 10.0, 10.0, 1990.0))
            }
            "BulkOperationById" => {
                let n = polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let op = if n < running_polls {
                    bulk_operation("RUNNING", None)
                } else {
                    bulk_operation("COMPLETED", Some(url))
                };
                Answer::json(200, ok_body(serde_json::json!({"bulkOperation": op}), 1.0, 1.0, 1999.0))
            }
            other => panic!("unexpected operation {other}"),
        }
    })
    .await;
    base.set(server.base_url.clone()).unwrap();
    server
}

#[tokio::test]
async fn a_bulk_query_is_started_polled_and_read() {
    let server = bulk_server(2).await;
    let client = client_for(&server.base_url);
    let started =
        client.start_bulk_query("{ products { edges { node { id } } } }", BulkGrouping::Ungrouped).await.unwrap();
    let wait = BulkWait {
        initial_poll: Duration::from_millis(10),
        max_poll: Duration::from_millis(40),
        ..BulkWait::default()
    };
    let done = client.wait_for_bulk_operation(&started.id, &wait).await.unwrap();
    let url = done.url.unwrap();
    let objects: Vec<_> =
        client.bulk_result_objects(&url, BulkGrouping::Ungrouped, BulkLimits::default()).try_collect().await.unwrap();
    assert_eq!(objects.len(), 3);
    assert_eq!(done.root_object_count, 3);
}

#[tokio::test]
async fn the_finish_notification_wakes_the_waiter_before_its_next_poll() {
    let server = bulk_server(1).await;
    let client = client_for(&server.base_url);
    let finished = Arc::new(Notify::new());
    let wait = BulkWait {
        initial_poll: Duration::from_secs(30),
        max_poll: Duration::from_secs(30),
        timeout: Duration::from_secs(60),
        finished: Some(finished.clone()),
    };
    let notifier = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        finished.notify_one(); // what the bulk_operations/finish webhook handler does
    });
    let started = tokio::time::Instant::now();
    let op = tokio::time::timeout(
        Duration::from_secs(5),
        client.wait_for_bulk_operation(&Gid::new("gid://shopify/BulkOperation/7"), &wait),
    )
    .await
    .expect("woken by the notification, not after the 30 s poll interval")
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(op.status, shopify_admin::ops::bulk::BulkOperationStatus::Completed);
    notifier.await.unwrap();
}

#[tokio::test]
async fn a_failed_bulk_operation_is_an_error_that_mentions_partial_data() {
    let server = TestServer::start(|_, _| {
        let mut op = bulk_operation("FAILED", None);
        op["errorCode"] = "TIMEOUT".into();
        op["partialDataUrl"] = "https://storage.example/partial.jsonl".into();
        Answer::json(200, ok_body(serde_json::json!({"bulkOperation": op}), 1.0, 1.0, 1999.0))
    })
    .await;
    let err = client_for(&server.base_url)
        .wait_for_bulk_operation(&Gid::new("gid://shopify/BulkOperation/7"), &BulkWait::default())
        .await
        .unwrap_err();
    assert!(matches!(&err, AdminError::Bulk(BulkError::Failed { .. })), "{err:?}");
    assert!(err.to_string().contains("TIMEOUT") && err.to_string().contains("partial"), "{err}");
}
