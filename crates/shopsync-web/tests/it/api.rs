//! The back-office REST API on a real listener: tokens and scopes, the import checks with field paths, writes
//! that happen once per Idempotency-Key, and the limits (rate, body size).

use serde_json::{Value, json};
use shopify_sim::{Seed, SimConfig};
use shopsync_store::{
    CatalogStore, LineKind, NewShop, OrderStore, SalesOrderInput, SalesOrderLineInput, ShipmentQuery, ShopStore,
};
use shopsync_sync::app::api::Scope;
use shopsync_web::api::ApiConfig;

use crate::{ApiServer, Server};

fn items() -> Value {
    json!({"items": [
        {"item_number": "1000", "item_name": "T-shirt", "option1_name": "Size", "tags": ["summer"],
         "variants": [{"sku": "TS-S", "option1_value": "S"}, {"sku": "TS-M", "option1_value": "M"}]},
        {"item_number": "2000", "item_name": "Mug", "weight": "0.350", "weight_unit": "kg",
         "variants": [{"sku": "MUG", "barcode": "8712345678906"}]}
    ]})
}

async fn server(config: ApiConfig) -> (ApiServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (ApiServer::start(&dir.path().join("shopsync.db"), config).await, dir)
}

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

fn paths(body: &Value) -> Vec<String> {
    body["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_token_or_with_a_bad_one_the_api_answers_401_with_www_authenticate() {
    // The whole server (`shopsync_web::router`, as serve runs it) serves the API next to the webhooks.
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let url = format!("{}/api/v1/warehouses", server.url);
    let missing = server.http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let missing = body(missing).await;
    assert_eq!(missing["code"], "unauthenticated");
    assert!(missing["message"].as_str().unwrap().contains("api-token create"), "{missing}");

    for bad in ["nonsense", "ssk_000000000000_00", "Basic dXNlcjpwYXNz"] {
        let answer = server.http.get(&url).header("Authorization", format!("Bearer {bad}")).send().await.unwrap();
        assert_eq!(answer.status(), 401, "{bad}");
        assert_eq!(answer.headers()["www-authenticate"], "Bearer");
    }
    // A real token's public part with another secret is refused the same way; a revoked token too.
    let created = shopsync_sync::app::api::create_token(server.store.as_ref(), "erp", &[Scope::Read]).await.unwrap();
    let real = secrecy::ExposeSecret::expose_secret(&created.token).to_string();
    let forged = format!("{}{}", &real[..real.len() - 4], "0000");
    let answer = server.http.get(&url).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(server.http.get(&url).bearer_auth(&real).send().await.unwrap().status(), 200);
    shopsync_sync::app::api::revoke_token(server.store.as_ref(), "erp").await.unwrap();
    assert_eq!(server.http.get(&url).bearer_auth(&real).send().await.unwrap().status(), 401);
    // The document needs no token.
    let document = server.http.get(format!("{}/api/openapi.json", server.url)).send().await.unwrap();
    assert_eq!(document.status(), 200);
    assert!(body(document).await["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_token_is_refused_a_write_with_403_and_nothing_is_written() {
    let (api, _dir) = server(ApiConfig::default()).await;
    let reader = api.token("dashboard", &[Scope::Read]).await;
    let answer = api.post("/api/v1/items", &reader, &items()).await;
    assert_eq!(answer.status(), 403);
    assert!(answer.headers().get("www-authenticate").is_none());
    let refused = body(answer).await;
    assert_eq!(refused["code"], "insufficient_scope");
    assert!(refused["message"].as_str().unwrap().contains("--scope write"), "{refused}");
    assert!(api.store.variants_by_skus(&["MUG".to_string()]).await.unwrap().is_empty());
    // A write-only token cannot read the feeds.
    let writer = api.token("wms", &[Scope::Write]).await;
    assert_eq!(api.get("/api/v1/feeds/sales-orders", &writer).await.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_prices_stock_and_bundles_are_written_through_the_import_checks() {
    let (api, _dir) = server(ApiConfig::default()).await;
    let token = api.token("erp", &[Scope::Read, Scope::Write]).await;
    let answer = api.post("/api/v1/items", &token, &items()).await;
    assert_eq!(answer.status(), 200);
    let written = body(answer).await;
    assert_eq!((written["created"].as_u64(), written["variants"]["created"].as_u64()), (Some(2), Some(3)));
    let mug = &api.store.variants_by_skus(&["MUG".to_string()]).await.unwrap()[0];
    assert_eq!(mug.item_number, "2000");
    assert_eq!(mug.variant.barcode.as_deref(), Some("8712345678906"));
    // The same items again change nothing.
    assert_eq!(body(api.post("/api/v1/items", &token, &items()).await).await["unchanged"], 2);

    let prices = json!({"price_list": {"code": "RETAIL", "currency": "eur"},
                        "prices": [{"sku": "MUG", "price": "12.5", "compare_at_price": "15"}]});
    let written = body(api.post("/api/v1/prices", &token, &prices).await).await;
    assert_eq!(written["price_list"], json!({"code": "RETAIL", "created": true}), "{written}");

    let stock = json!({"levels": [{"warehouse": "MAIN", "sku": "MUG", "quantity": 7},
                                  {"warehouse": "MAIN", "sku": "TS-S", "quantity": -2}]});
    let written = body(api.post("/api/v1/stock", &token, &stock).await).await;
    assert_eq!(written["created"], 2);
    assert_eq!(written["warehouses_created"], json!(["MAIN"]));
    let warehouses = body(api.get("/api/v1/warehouses", &token).await).await;
    assert_eq!(warehouses["warehouses"][0]["code"], "MAIN");

    let bundles = json!({"bundles": [{"bundle_sku": "TS-M", "components": [{"component_sku": "MUG", "quantity": 2}]}]});
    assert_eq!(body(api.post("/api/v1/bundles", &token, &bundles).await).await["created"], 1);
    let stored = api.store.bundles().await.unwrap();
    assert_eq!(stored[0].components[0].sku, "MUG");
    assert_eq!(stored[0].components[0].quantity, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_values_are_422_with_the_path_of_each_and_nothing_of_the_request_is_written() {
    let (api, _dir) = server(ApiConfig::default()).await;
    let token = api.token("erp", &[Scope::Write]).await;
    let bad = json!({"items": [
        {"item_number": "1000", "item_name": "T-shirt", "weight": "heavy", "weight_unit": "kg", "option1_name": "Size",
         "variants": [{"sku": "TS-S", "option1_value": "S"}, {"sku": "TS-S", "option1_value": "M"}]},
        {"item_number": "2000", "variants": [{"sku": "MUG"}]},
        {"item_number": "3000", "item_name": "Cap", "status": "sold", "variants": [{"sku": "CAP"}]},
        {"item_number": "4000", "item_name": "Good", "variants": [{"sku": "GOOD"}]}
    ]});
    let answer = api.post("/api/v1/items", &token, &bad).await;
    assert_eq!(answer.status(), 422);
    let refused = body(answer).await;
    assert_eq!(refused["code"], "invalid");
    let found = paths(&refused);
    for path in ["items[0].weight", "items[0].variants[1].sku", "items[1].item_name", "items[2].status"] {
        assert!(found.iter().any(|p| p == path), "{path} missing from {refused}");
    }
    // Messages say what is expected, and name the other record instead of a CSV line.
    let duplicate = refused["errors"].as_array().unwrap().iter().find(|e| e["path"] == "items[0].variants[1].sku");
    let duplicate = duplicate.unwrap()["message"].as_str().unwrap();
    assert!(duplicate.contains("items[0].variants[0]") && !duplicate.contains("line"), "{duplicate}");
    // All or nothing: the good item was not written either.
    assert!(api.store.variants_by_skus(&["GOOD".to_string()]).await.unwrap().is_empty());

    // A value of the wrong JSON type is named by its path too.
    let answer = api
        .post("/api/v1/stock", &token, &json!({"levels": [{"warehouse": "MAIN", "sku": "MUG", "quantity": "ten"}]}))
        .await;
    assert_eq!(answer.status(), 422);
    assert_eq!(paths(&body(answer).await), ["levels[0].quantity"]);
    // And an unknown SKU, and a quantity Shopify cannot hold.
    let answer = api
        .post(
            "/api/v1/stock",
            &token,
            &json!({"levels": [{"warehouse": "MAIN", "sku": "NOPE", "quantity": 3_000_000_000i64}]}),
        )
        .await;
    let refused = body(answer).await;
    assert_eq!(paths(&refused), ["levels[0].sku", "levels[0].quantity"], "{refused}");
    // Text that is not JSON is a 400.
    let answer = api
        .http
        .post(format!("{}/api/v1/stock", api.url))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"levels\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(body(answer).await["code"], "malformed_json");
}

/// Sales order SO-000001 of shop demo: 3 mugs to ship.
async fn one_sales_order(api: &ApiServer) {
    let shop = api
        .store
        .add_shop(&NewShop { domain: "demo.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap();
    let line = SalesOrderLineInput {
        line_no: 1,
        kind: LineKind::Item,
        sku: Some("MUG".into()),
        description: "Mug".into(),
        quantity: 3,
        unit_price: "12.50".into(),
        ..Default::default()
    };
    let order =
        SalesOrderInput { currency: "EUR".into(), total: "37.50".into(), lines: vec![line], ..Default::default() };
    api.store.create_sales_order(shop.id, "gid://shopify/Order/1", "#1001", &order).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shipment_retried_with_its_idempotency_key_is_recorded_once() {
    let (api, _dir) = server(ApiConfig::default()).await;
    let token = api.token("wms", &[Scope::Write]).await;
    one_sales_order(&api).await;
    let shipment = json!({"sales_order": "SO-000001", "lines": [{"sku": "MUG", "quantity": 1}],
                          "tracking_number": "3S123", "carrier": "PostNL"});
    let send = |body: Value, key: Option<&'static str>| {
        let mut request = api.http.post(format!("{}/api/v1/shipments", api.url)).bearer_auth(&token).json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let first = send(shipment.clone(), Some("ship-1")).await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = body(first).await;
    assert_eq!(first["number"], "SH-000001");
    let retry = send(shipment.clone(), Some("ship-1")).await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(body(retry).await, first, "the same answer");
    let count = || async { api.store.shipments(&ShipmentQuery::default()).await.unwrap().len() };
    assert_eq!(count().await, 1, "the retry recorded nothing");
    let so = api.store.sales_order("SO-000001").await.unwrap().unwrap();
    assert_eq!(so.lines[0].quantity_shipped, 1);

    // The key with another body is refused, doing nothing.
    let mut other = shipment.clone();
    other["lines"][0]["quantity"] = json!(2);
    let reused = send(other, Some("ship-1")).await.unwrap();
    assert_eq!(reused.status(), 409);
    assert_eq!(body(reused).await["code"], "idempotency_key_reused");
    assert_eq!(count().await, 1);

    // More than is left to ship is refused by the shared check, with the path of the quantity.
    let mut too_many = shipment.clone();
    too_many["lines"][0]["quantity"] = json!(5);
    let refused = send(too_many, Some("ship-2")).await.unwrap();
    assert_eq!(refused.status(), 422);
    let refused = body(refused).await;
    assert_eq!(paths(&refused), ["lines[0].quantity"]);
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("2 of MUG left to ship"), "{refused}");
    // A refusal is an answer too: the same request with its key gets it again.
    let mut too_many = shipment.clone();
    too_many["lines"][0]["quantity"] = json!(5);
    assert_eq!(send(too_many, Some("ship-2")).await.unwrap().status(), 422);
    assert_eq!(count().await, 1);
    let unknown =
        send(json!({"sales_order": "SO-999999", "lines": [{"sku": "MUG", "quantity": 1}]}), None).await.unwrap();
    assert_eq!(paths(&body(unknown).await), ["sales_order"]);
}

/// The write and its Idempotency-Key commit together: when the key cannot be kept (the disk fills, the process
/// dies) the shipment is not recorded either, so the back office's retry records it once. Keeping the key after
/// the write, in a transaction of its own, recorded it twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_shipment_whose_key_could_not_be_kept_is_not_recorded_and_its_retry_records_it_once() {
    let (api, dir) = server(ApiConfig::default()).await;
    let token = api.token("wms", &[Scope::Write]).await;
    one_sales_order(&api).await;
    let shipment = json!({"sales_order": "SO-000001", "lines": [{"sku": "MUG", "quantity": 1}]});
    let send = || {
        let request = api.http.post(format!("{}/api/v1/shipments", api.url)).bearer_auth(&token).json(&shipment);
        request.header("Idempotency-Key", "ship-1").send()
    };
    let db = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("shopsync.db")),
    )
    .await
    .unwrap();
    // Every attempt to keep a key fails, as a full disk would make it fail.
    sqlx::query(
        "CREATE TRIGGER keys_fail BEFORE INSERT ON api_idempotency_keys BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(&db)
    .await
    .unwrap();
    let failed = send().await.unwrap();
    assert_eq!(failed.status(), 500, "the request failed, and says so");
    sqlx::query("DROP TRIGGER keys_fail").execute(&db).await.unwrap();

    let retry = send().await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(body(retry).await["number"], "SH-000001");
    let again = send().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(api.store.shipments(&ShipmentQuery::default()).await.unwrap().len(), 1, "one shipment in all");
    let so = api.store.sales_order("SO-000001").await.unwrap().unwrap();
    assert_eq!(so.lines[0].quantity_shipped, 1);
}

/// Every write route keeps its key in its write's transaction, with what the write did, and a retry is answered
/// from that: the same answer as the first, nothing written again.
#[tokio::test(flavor = "multi_thread")]
async fn every_write_route_keeps_its_key_with_its_write_and_answers_a_retry_from_it() {
    let (api, dir) = server(ApiConfig::default()).await;
    let token = api.token("erp", &[Scope::Write]).await;
    let db = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("shopsync.db")),
    )
    .await
    .unwrap();
    let writes = [
        ("/api/v1/items", items()),
        (
            "/api/v1/prices",
            json!({"price_list": {"code": "RETAIL", "currency": "EUR"},
                                  "prices": [{"sku": "MUG", "price": "12.50"}]}),
        ),
        ("/api/v1/stock", json!({"levels": [{"warehouse": "MAIN", "sku": "MUG", "quantity": 7}]})),
        (
            "/api/v1/bundles",
            json!({"bundles": [{"bundle_sku": "TS-S",
                                   "components": [{"component_sku": "MUG", "quantity": 2}]}]}),
        ),
    ];
    for (n, (path, request)) in writes.iter().enumerate() {
        let key = format!("write-{n}");
        let send = || {
            let request = api.http.post(format!("{}{path}", api.url)).bearer_auth(&token).json(request);
            request.header("Idempotency-Key", &key).send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 200, "{path}");
        let first = body(first).await;
        let kept: (i64, Option<String>) =
            sqlx::query_as("SELECT status, outcome FROM api_idempotency_keys WHERE key = ?")
                .bind(&key)
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(kept.0, 0, "{path}: kept by its write");
        assert!(kept.1.is_some_and(|outcome| !outcome.is_empty()), "{path}: with what the write did");
        let retry = send().await.unwrap();
        assert_eq!(retry.headers()["idempotent-replayed"], "true", "{path}");
        assert_eq!(body(retry).await, first, "{path}: the same answer");
    }
    let stock = api.store.stock("MAIN", &["MUG".to_string()]).await.unwrap();
    assert_eq!(stock[0].quantity, 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not() {
    let (api, _dir) = server(ApiConfig { rate_per_second: 0.2, burst: 2, ..ApiConfig::default() }).await;
    let busy = api.token("busy", &[Scope::Read]).await;
    let calm = api.token("calm", &[Scope::Read]).await;
    for _ in 0..2 {
        assert_eq!(api.get("/api/v1/warehouses", &busy).await.status(), 200);
    }
    let limited = api.get("/api/v1/warehouses", &busy).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=5).contains(&wait), "{wait}");
    assert_eq!(body(limited).await["code"], "rate_limited");
    assert_eq!(api.get("/api/v1/warehouses", &calm).await.status(), 200, "each token has its own bucket");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_limit_is_413_and_a_page_over_the_cap_is_422() {
    let (api, _dir) = server(ApiConfig { max_body_bytes: 1024, ..ApiConfig::default() }).await;
    let token = api.token("erp", &[Scope::Read, Scope::Write]).await;
    let levels: Vec<Value> =
        (0..100).map(|n| json!({"warehouse": "MAIN", "sku": format!("SKU-{n}"), "quantity": n})).collect();
    let answer = api.post("/api/v1/stock", &token, &json!({ "levels": levels })).await;
    assert_eq!(answer.status(), 413);
    assert_eq!(body(answer).await["code"], "body_too_large");
    let answer = api.get("/api/v1/feeds/sales-orders?limit=5000", &token).await;
    assert_eq!(answer.status(), 422);
    assert_eq!(paths(&body(answer).await), ["limit"]);
}
