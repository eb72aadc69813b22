use shopsync_store::{CaptureInput, NewShop, RequestLogEntry, RequestLogFilter};

use super::fresh_store;

fn order(payload: &str) -> CaptureInput {
    CaptureInput { object_type: "order".into(), object_id: "gid://shopify/Order/1".into(), payload: payload.into() }
}

#[tokio::test]
async fn capture_adds_a_version_only_when_the_content_changed() {
    let (store, _dir) = fresh_store().await;
    let shop = store
        .add_shop(&NewShop { domain: "a.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(store.capture(shop.id, &[order(r#"{"v":1}"#)]).await.unwrap(), 1);
    assert_eq!(store.capture(shop.id, &[order(r#"{"v":1}"#)]).await.unwrap(), 0);
    assert_eq!(store.capture(shop.id, &[order(r#"{"v":2}"#)]).await.unwrap(), 1);
    // Going back to an earlier content is a change too.
    assert_eq!(store.capture(shop.id, &[order(r#"{"v":1}"#)]).await.unwrap(), 1);
    let versions = store.captures(shop.id, "order", "gid://shopify/Order/1").await.unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0].payload, r#"{"v":1}"#);
    let latest = store.latest_captures(shop.id, Some("order"), 10).await.unwrap();
    assert_eq!(latest.len(), 1);
}

#[tokio::test]
async fn request_log_lists_newest_first_and_filters_failures() {
    let (store, _dir) = fresh_store().await;
    for (i, failed) in [false, true, false].into_iter().enumerate() {
        let entry = RequestLogEntry {
            started_at: format!("2026-01-01T00:00:0{i}.000000Z"),
            method: "POST".into(),
            url: "https://a.myshopify.com/admin/api/2026-10/graphql.json".into(),
            status: Some(if failed { 502 } else { 200 }),
            request_id: Some(format!("req-{i}")),
            duration_ms: 12,
            attempt: 1,
            failed,
            ..Default::default()
        };
        store.log_request(&entry).await.unwrap();
    }
    let all = store.request_logs(&RequestLogFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(all.iter().map(|e| e.request_id.clone().unwrap()).collect::<Vec<_>>(), ["req-2", "req-1", "req-0"]);
    let failed =
        store.request_logs(&RequestLogFilter { failed_only: true, limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, Some(502));
    assert_eq!(store.purge_request_logs(None, Some("2026-01-01T00:00:01.000000Z")).await.unwrap(), 1);
    assert_eq!(store.purge_request_logs(None, None).await.unwrap(), 2);
}
