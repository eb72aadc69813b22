//! schemathesis (PyPI, 4.x; installed by `scripts/test-deps`) against the real server: it reads
//! `/api/openapi.json`, sends generated requests (valid and invalid) with a write token to every route of a seeded
//! store, and fails on any 5xx or any answer the document does not describe (status, content type, headers, body
//! schema). Missing schemathesis fails the test: the API's contract is not checked otherwise.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use shopsync_store::{
    CustomerStore, LineKind, NewCustomer, NewShop, OrderStore, SalesOrderInput, SalesOrderLineInput, ShopStore,
};
use shopsync_sync::app::api::Scope;
use shopsync_web::api::ApiConfig;

use crate::ApiServer;

/// The checks run: every one that a correct server passes whatever the data. Left out: `positive_data_acceptance`
/// (schema-valid data names SKUs and orders that do not exist, which the import checks rightly refuse with 422)
/// and the stateful checks (`use_after_free`, `ensure_resource_availability`: the API has no delete or read-back
/// of what it writes).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance,negative_data_rejection,\
                      missing_required_header,unsupported_method,ignored_auth";

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let dir = tempfile::tempdir().unwrap();
    // Schemathesis sends hundreds of requests: a rate limit that never stops it.
    let config = ApiConfig { rate_per_second: 10_000.0, burst: 10_000, ..ApiConfig::default() };
    let api = ApiServer::start(&dir.path().join("shopsync.db"), config).await;
    let token = api.token("fuzz", &[Scope::Read, Scope::Write]).await;
    seed(&api, &token).await;

    let program = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".to_string());
    let report = dir.path().join("schemathesis-report");
    let child = tokio::process::Command::new(&program)
        .arg("run")
        .arg(format!("{}/api/openapi.json", api.url))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--max-examples", "25", "--seed", "13", "--workers", "1", "--max-time", "45"])
        .args(["--request-timeout", "10", "--suppress-health-check", "all"])
        .arg("--report-dir")
        .arg(&report)
        .env("NO_COLOR", "1")
        // Its example database and reports go in the test's directory, not the source tree.
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(error) => panic!(
            "cannot run `{program}` ({error}): install it with scripts/test-deps (pip install 'schemathesis>=4,<5'), \
             or point SCHEMATHESIS at it"
        ),
    };
    let output = tokio::time::timeout(Duration::from_secs(150), child.wait_with_output())
        .await
        .expect("schemathesis finishes within its time budget")
        .expect("schemathesis runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "schemathesis found problems:\n{text}");
    // What it tried, for `--nocapture`: the summary at the end of its output.
    let summary: Vec<&str> = text.lines().rev().take(24).collect();
    eprintln!("{}", summary.into_iter().rev().collect::<Vec<_>>().join("\n"));
    assert!(!text.contains(&token), "the token is never printed");
    api.stop().await;
}

/// Items, stock and an order, so generated requests also meet existing records.
async fn seed(api: &ApiServer, token: &str) {
    let items = json!({"items": [{"item_number": "1", "item_name": "Mug", "variants": [{"sku": "MUG"}]}]});
    assert_eq!(api.post("/api/v1/items", token, &items).await.status(), 200);
    let stock = json!({"levels": [{"warehouse": "MAIN", "sku": "MUG", "quantity": 5}]});
    assert_eq!(api.post("/api/v1/stock", token, &stock).await.status(), 200);
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
        quantity: 1000,
        unit_price: "12.50".into(),
        ..Default::default()
    };
    let order = SalesOrderInput { currency: "EUR".into(), lines: vec![line], ..Default::default() };
    api.store.create_sales_order(shop.id, "gid://shopify/Order/1", "#1001", &order).await.unwrap();
    api.store.create_customer(&NewCustomer { name: "Anna Berg".into(), ..Default::default() }).await.unwrap();
}
