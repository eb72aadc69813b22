//! The feeds with acknowledgement: the back office pulls what is new, acknowledges it, and across restarts of
//! the server (same SQLite file) nothing is lost or repeated.

use serde_json::{Value, json};
use shopsync_store::{
    CustomerStore, LineKind, NewCustomer, NewShop, OrderStore, SalesOrderInput, SalesOrderLineInput, ShopStore,
};
use shopsync_sync::app::api::Scope;
use shopsync_web::api::ApiConfig;

use crate::ApiServer;

async fn add_orders(api: &ApiServer, shop: i64, numbers: std::ops::RangeInclusive<u32>) {
    for n in numbers {
        let line = SalesOrderLineInput {
            line_no: 1,
            kind: LineKind::Item,
            sku: Some("MUG".into()),
            description: "Mug".into(),
            quantity: 2,
            unit_price: "12.50".into(),
            ..Default::default()
        };
        let order =
            SalesOrderInput { currency: "EUR".into(), total: "25.00".into(), lines: vec![line], ..Default::default() };
        api.store
            .create_sales_order(shop, &format!("gid://shopify/Order/{n}"), &format!("#{n}"), &order)
            .await
            .unwrap();
    }
}

async fn pull(api: &ApiServer, token: &str, query: &str) -> Value {
    let answer = api.get(&format!("/api/v1/feeds/sales-orders{query}"), token).await;
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["records"].as_array().unwrap().iter().map(|r| r["shopify_order_name"].as_str().unwrap().to_string()).collect()
}

fn range(numbers: std::ops::RangeInclusive<u32>) -> Vec<String> {
    numbers.map(|n| format!("#{n}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sales_order_feed_resumes_at_the_acknowledged_cursor_across_restarts_of_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shopsync.db");
    let api = ApiServer::start(&db, ApiConfig::default()).await;
    let token = api.token("erp", &[Scope::Read]).await;
    let shop = api
        .store
        .add_shop(&NewShop { domain: "demo.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap();
    add_orders(&api, shop.id, 1001..=1025).await;

    let first = pull(&api, &token, "?limit=10").await;
    assert_eq!(names(&first), range(1001..=1010));
    assert_eq!(first["has_more"], true);
    assert_eq!(first["records"][0]["lines"][0]["sku"], "MUG");
    assert_eq!(first["records"][0]["number"], "SO-000001");
    let ack = api.post("/api/v1/feeds/sales-orders/ack", &token, &json!({"cursor": first["next"]})).await;
    assert_eq!(ack.status(), 200);
    api.stop().await;

    // A new server on the same file: the pull without a cursor starts after what was acknowledged.
    let api = ApiServer::start(&db, ApiConfig::default()).await;
    let second = pull(&api, &token, "?limit=10").await;
    assert_eq!(names(&second), range(1011..=1020));
    // The ERP stops before acknowledging: after a restart it gets the same page again, nothing is lost.
    api.stop().await;
    let api = ApiServer::start(&db, ApiConfig::default()).await;
    let again = pull(&api, &token, "?limit=10").await;
    assert_eq!(names(&again), names(&second));
    api.post("/api/v1/feeds/sales-orders/ack", &token, &json!({"cursor": again["next"]})).await;
    let last = pull(&api, &token, "?limit=10").await;
    assert_eq!(names(&last), range(1021..=1025));
    assert_eq!(last["has_more"], false);
    api.post("/api/v1/feeds/sales-orders/ack", &token, &json!({"cursor": last["next"]})).await;
    let empty = pull(&api, &token, "").await;
    assert!(names(&empty).is_empty());
    assert_eq!(empty["next"], last["next"], "an empty page keeps the cursor");

    // New orders, and a change to an acknowledged one (shipped), come next, once each.
    add_orders(&api, shop.id, 1026..=1026).await;
    let so = api.store.sales_order("SO-000003").await.unwrap().unwrap();
    api.store
        .create_shipment(&shopsync_store::NewShipment {
            sales_order_id: so.id,
            lines: vec![shopsync_store::ShipmentLineInput { sales_order_line_id: so.lines[0].id, quantity: 2 }],
            ..Default::default()
        })
        .await
        .unwrap();
    let news = pull(&api, &token, "").await;
    let mut got = names(&news);
    got.sort();
    assert_eq!(got, ["#1003", "#1026"], "{news}");
    let shipped = news["records"].as_array().unwrap().iter().find(|r| r["shopify_order_name"] == "#1003").unwrap();
    assert_eq!(shipped["status"], "shipped");
    // An explicit cursor reads from there without touching the acknowledged position.
    let from_start = pull(&api, &token, "?after=0&limit=1000").await;
    assert_eq!(names(&from_start).len(), 26, "every order once, the shipped one at its new place");
    assert_eq!(names(&pull(&api, &token, "").await).len(), 2);
    // Another consumer has its own position.
    let wms = api.token("wms", &[Scope::Read]).await;
    assert_eq!(names(&pull(&api, &wms, "?limit=1000").await).len(), 26);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_customer_feed_refuses_a_cursor_it_never_gave_out() {
    let dir = tempfile::tempdir().unwrap();
    let api = ApiServer::start(&dir.path().join("shopsync.db"), ApiConfig::default()).await;
    let token = api.token("erp", &[Scope::Read]).await;
    for name in ["Anna Berg", "Bram Smit"] {
        api.store.create_customer(&NewCustomer { name: name.into(), ..Default::default() }).await.unwrap();
    }
    let page: Value = api.get("/api/v1/feeds/customers", &token).await.json().await.unwrap();
    let customers: Vec<&str> =
        page["records"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(customers, ["Anna Berg", "Bram Smit"]);
    assert_eq!(page["records"][0]["number"], "C-000001");

    let beyond = page["next"].as_i64().unwrap() + 100;
    let refused = api.post("/api/v1/feeds/customers/ack", &token, &json!({"cursor": beyond})).await;
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["errors"][0]["path"], "cursor");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("never given out"), "{refused}");
    let kept = api.post("/api/v1/feeds/customers/ack", &token, &json!({"cursor": page["next"]})).await;
    assert_eq!(kept.json::<Value>().await.unwrap()["acknowledged"], page["next"]);
    let bad = api.get("/api/v1/feeds/customers?after=soon", &token).await;
    assert_eq!(bad.status(), 422);
    api.stop().await;
}
