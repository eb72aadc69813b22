//! What a scheduler relies on: exit codes that say when orders are held, conflicts that a command settles, and
//! imports that refuse what Shopify or the arithmetic cannot take.

use std::path::Path;
use std::process::Output;

use shopify_sim::{SimConfig, Simulator};

use crate::{connected_to, shopsync_run, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn sync_orders_exits_5_while_orders_stay_held_even_when_this_run_read_none_of_them() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert_eq!(first.status.code(), Some(5), "{}{}", stdout(&first), stderr(&first));

    // Nothing changed in Shopify: the held orders are not evaluated again, and are still held.
    let again = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--pages"]).await;
    assert_eq!(again.status.code(), Some(5), "{}{}", stdout(&again), stderr(&again));
    assert!(stdout(&again).contains("Orders held by a problem to fix"), "{}", stdout(&again));
    let json = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--json"]).await;
    assert_eq!(json.status.code(), Some(5), "{}", stderr(&json));
    sim.shutdown().await;
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn quantities_shopify_or_the_arithmetic_cannot_hold_are_refused_at_import_with_line_and_column() {
    let dir = crate::initialised();
    let items = "item_number,item_name,option1_name,option1_value,sku\n\
                 I-1,Gift box,,,BOX\nI-2,Candle,,,CANDLE\nI-3,Mug,,,MUG\n";
    let items = write(dir.path(), "items.csv", items);
    let out = shopsync_run(dir.path(), &["items", "import", &items]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let stock = "warehouse,sku,quantity\nMAIN,CANDLE,5\nMAIN,MUG,2147483648\nMAIN,BOX,2147483647\n";
    let stock = write(dir.path(), "stock.csv", stock);
    let out = shopsync_run(dir.path(), &["stock", "import", &stock]).await;
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("line 3 (MAIN / SKU MUG), quantity:"), "{text}");
    assert!(text.contains("2147483648 is above 2147483647, the largest quantity Shopify accepts"), "{text}");

    let bundles = "bundle_sku,component_sku,quantity\nBOX,CANDLE,9223372036854775807\nBOX,MUG,1\n";
    let bundles = write(dir.path(), "bundles.csv", bundles);
    let out = shopsync_run(dir.path(), &["bundles", "import", &bundles]).await;
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("line 2 (bundle BOX), quantity:"), "{text}");
    assert!(text.contains("9223372036854775807 is above 10000"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reprocess_all_errors_applies_since_and_counts_its_requests() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    let args = ["orders", "reprocess", "--shop", &domain, "--all-errors", "--since", "2999-01-01", "--json"];
    let out = shopsync_run(dir.path(), &args).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["orders"].as_array().map(Vec::len), Some(0), "no order was created after 2999: {report}");

    let out = shopsync_run(dir.path(), &["orders", "reprocess", "--shop", &domain, "--all-errors", "--json"]).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["orders"].as_array().is_some_and(|o| !o.is_empty()), "{report}");
    assert!(report["summary"]["requests"].as_u64().is_some_and(|n| n > 0), "the reads are counted: {report}");

    let out =
        shopsync_run(dir.path(), &["orders", "reprocess", "--shop", &domain, "#1001", "--since", "2026-01-01"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelled_and_refunded_orders_are_ignored_with_their_reason_and_resolve_settles_only_conflicts() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    let names = |out: &Output| -> Vec<String> {
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
    };
    let errors = shopsync_run(dir.path(), &["orders", "list", "--shop", &domain, "--status", "error", "--json"]).await;
    let errors = names(&errors);
    assert!(!errors.is_empty());
    // #1016 was cancelled (and refunded), #1028 refunded in full: nothing to fix.
    for name in ["#1016", "#1028"] {
        assert!(!errors.contains(&name.to_string()), "{name} listed among errors: {errors:?}");
    }
    let ignored =
        shopsync_run(dir.path(), &["orders", "list", "--shop", &domain, "--status", "ignored", "--json"]).await;
    let ignored = names(&ignored);
    assert!(ignored.contains(&"#1016".to_string()) && ignored.contains(&"#1028".to_string()), "{ignored:?}");
    let show = shopsync_run(dir.path(), &["orders", "show", "--shop", &domain, "#1028"]).await;
    assert!(stdout(&show).contains("ORDER_REFUNDED"), "{}", stdout(&show));

    let out = shopsync_run(dir.path(), &["orders", "resolve", "--shop", &domain, "#1028", "--keep", "shopify"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("no conflict to settle"), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["orders", "resolve", "--shop", &domain, "#1028", "--keep", "maybe"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_resolve_settles_a_conflict_and_orders_show_says_who_and_when() {
    use shopsync_core::order_errors::OrderStatus;
    use shopsync_store::{
        LineKind, OrderEvaluation, OrderStore, SalesOrderInput, SalesOrderLineInput, ShopStore, ShopifyOrderInput,
        SqliteStore,
    };
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    // #1001 imported as a sales order that part shipped, then changed in Shopify: the store as a sync leaves it.
    let placed = sim.control().order("#1001").unwrap();
    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
    let shop = store.shop(&domain).await.unwrap().unwrap().id;
    let evaluation = OrderEvaluation {
        order: ShopifyOrderInput {
            order_id: placed.id.clone(),
            name: placed.name.clone(),
            financial_status: Some(placed.financial_status.clone()),
            fulfillment_status: Some(placed.fulfillment_status.clone()),
            cancelled_at: None,
            tags: vec![],
            created_at: placed.created_at.clone(),
            updated_at: placed.updated_at.clone(),
        },
        status: OrderStatus::Synced,
        sales_order: Some(SalesOrderInput {
            currency: "EUR".into(),
            subtotal: "10.00".into(),
            discount_total: "0.00".into(),
            tax_total: "0.00".into(),
            shipping_total: "0.00".into(),
            total: "10.00".into(),
            lines: vec![SalesOrderLineInput {
                line_no: 1,
                kind: LineKind::Item,
                sku: Some("SKU-A".into()),
                description: "A".into(),
                quantity: 1,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    store.save_order_evaluation(shop, &evaluation).await.unwrap();
    let so = store.sales_order_for(shop, &placed.id).await.unwrap().unwrap();
    store.set_sales_order_conflict(so.id, Some("Shopify changed order #1001 after part of it shipped")).await.unwrap();
    store.close().await;

    let args =
        ["orders", "resolve", "--shop", &domain, "#1001", "--keep", "back-office", "--by", "ana", "--note", "kept"];
    let out = shopsync_run(dir.path(), &args).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("conflict settled, the back office's version kept, by ana"), "{}", stdout(&out));
    let show = shopsync_run(dir.path(), &["orders", "show", "--shop", &domain, "#1001"]).await;
    let text = stdout(&show);
    assert!(text.contains("Conflicts settled") && text.contains("by ana: the back office's version (kept)"), "{text}");
    let list = shopsync_run(dir.path(), &["orders", "list", "--shop", &domain, "--status", "conflict", "--json"]).await;
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&list.stdout).unwrap(), serde_json::json!([]));
    sim.shutdown().await;
}
