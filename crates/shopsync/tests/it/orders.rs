//! `orders`, `shipments`, `templates` and `customers` through the real binary, on data written with the store API.

use std::collections::BTreeMap;
use std::path::Path;

use shopsync_core::order_errors::{OrderLine, OrderProblem, OrderStatus};
use shopsync_store::{
    Address, CustomerStore, LineKind, MatchedBy, NewCustomer, NewShop, OrderEvaluation, OrderStore,
    OrderTransactionInput, SalesOrderInput, SalesOrderLineInput, ShopStore, ShopifyOrderInput, SqliteStore,
};

use crate::{initialised, run, shopsync, stderr, stdout};

const SHOP: &str = "demo.myshopify.com";

async fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join("shopsync.db")).await.unwrap()
}

fn order(id: u64, name: &str, created_at: &str) -> ShopifyOrderInput {
    ShopifyOrderInput {
        order_id: format!("gid://shopify/Order/{id}"),
        name: name.into(),
        financial_status: Some("PAID".into()),
        fulfillment_status: Some("UNFULFILLED".into()),
        cancelled_at: None,
        tags: vec![],
        created_at: created_at.into(),
        updated_at: created_at.into(),
    }
}

fn item(line_no: i64, sku: &str, quantity: i64) -> SalesOrderLineInput {
    SalesOrderLineInput {
        line_no,
        kind: LineKind::Item,
        sku: Some(sku.into()),
        description: format!("Product {sku}"),
        quantity,
        unit_price: "12.50".into(),
        shopify_line_item_id: Some(format!("gid://shopify/LineItem/{line_no}")),
        ..Default::default()
    }
}

/// A shop with three orders: #1001 in error with two problems, #1002 synced into SO-000001 (A x2, B x1, a
/// shipping charge and a payment), #1003 ignored by tag.
async fn fixture(dir: &Path) -> (SqliteStore, i64) {
    let store = open(dir).await;
    let shop = NewShop { domain: SHOP.into(), api_version: "2026-10".into(), ..Default::default() };
    let shop = store.add_shop(&shop).await.unwrap().id;
    let customer = store
        .create_customer(&NewCustomer {
            name: "Anna Berg".into(),
            email: Some("anna@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    store.link_customer(shop, "gid://shopify/Customer/77", customer.id, MatchedBy::Email).await.unwrap();
    let problems = vec![
        OrderProblem::ProductNotLinked {
            line: OrderLine {
                position: 2,
                title: "Linen shirt - M".into(),
                sku: Some("SHIRT-M".into()),
                product_id: Some("gid://shopify/Product/47563746279730".into()),
                ..Default::default()
            },
        },
        OrderProblem::DestinationNotAllowed { country: "US".into() },
    ];
    let mut lines = vec![item(1, "A", 2), item(2, "B", 1)];
    lines.push(SalesOrderLineInput {
        line_no: 3,
        kind: LineKind::Shipping,
        description: "Standard".into(),
        unit_price: "5.00".into(),
        ..Default::default()
    });
    let sales_order = SalesOrderInput {
        customer_id: Some(customer.id),
        currency: "EUR".into(),
        subtotal: "37.50".into(),
        discount_total: "0".into(),
        tax_total: "7.88".into(),
        shipping_total: "5.00".into(),
        total: "50.38".into(),
        payment_status: Some("PAID".into()),
        ship_to: Some(Address {
            name: Some("Anna Berg".into()),
            city: Some("Utrecht".into()),
            country_code: Some("NL".into()),
            ..Default::default()
        }),
        lines,
        ..Default::default()
    };
    let payment = OrderTransactionInput {
        transaction_id: "gid://shopify/OrderTransaction/5".into(),
        order_id: "gid://shopify/Order/450789470".into(),
        kind: "SALE".into(),
        status: "SUCCESS".into(),
        gateway: Some("shopify_payments".into()),
        amount: "50.38".into(),
        currency: "EUR".into(),
        processed_at: Some("2026-11-03T09:00:00Z".into()),
    };
    let evaluations = vec![
        OrderEvaluation {
            order: order(450789469, "#1001", "2026-11-01T10:00:00Z"),
            status: OrderStatus::from_problems(&problems),
            problems,
            ..Default::default()
        },
        OrderEvaluation {
            order: order(450789470, "#1002", "2026-11-03T09:00:00Z"),
            status: OrderStatus::Synced,
            sales_order: Some(sales_order),
            transactions: vec![payment],
            ..Default::default()
        },
        OrderEvaluation {
            order: order(450789471, "#1003", "2026-11-04T09:00:00Z"),
            status: OrderStatus::Ignored,
            problems: vec![OrderProblem::OrderIgnoredByTag { tag: "shopsync-ignore".into() }],
            ..Default::default()
        },
    ];
    store.save_order_evaluations(shop, &evaluations).await.unwrap();
    (store, shop)
}

fn ok(args: &[&str], dir: &Path) -> String {
    let out = run(shopsync(dir).args(args));
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    stdout(&out)
}

#[tokio::test]
async fn orders_list_shows_status_problems_sales_order_and_admin_link() {
    let dir = initialised();
    fixture(dir.path()).await;
    let text = ok(&["orders", "list", "--shop", SHOP], dir.path());
    let first = text.lines().position(|l| l.starts_with("#1003")).unwrap();
    let last = text.lines().position(|l| l.starts_with("#1001")).unwrap();
    assert!(first < last, "newest first:\n{text}");
    let row = text.lines().find(|l| l.starts_with("#1001")).unwrap();
    assert!(row.contains("2026-11-01") && row.contains("error"), "{row}");
    assert!(row.contains("PRODUCT_NOT_LINKED, DESTINATION_NOT_ALLOWED"), "{row}");
    assert!(row.contains("https://admin.shopify.com/store/demo/orders/450789469"), "{row}");
    assert!(text.lines().find(|l| l.starts_with("#1002")).unwrap().contains("SO-000001"));
    assert!(text.contains("1 synced, 1 error, 1 ignored"), "{text}");
    assert!(text.contains("shopsync orders show --shop demo.myshopify.com ORDER"));

    let errors = ok(&["orders", "list", "--shop", SHOP, "--status", "error"], dir.path());
    assert!(errors.contains("#1001") && !errors.contains("#1002") && !errors.contains("#1003"), "{errors}");
    let by_code = ok(&["orders", "list", "--shop", SHOP, "--code", "order-ignored-by-tag"], dir.path());
    assert!(by_code.contains("#1003") && !by_code.contains("#1001"), "{by_code}");
    let since = ok(&["orders", "list", "--shop", SHOP, "--since", "2026-11-02", "--json"], dir.path());
    let rows: serde_json::Value = serde_json::from_str(&since).unwrap();
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["#1003", "#1002"]);
    assert_eq!(rows[1]["sales_order"], "SO-000001");
    assert_eq!(rows[1]["status"], "synced");
    assert_eq!(rows[0]["error_codes"][0], "ORDER_IGNORED_BY_TAG");
    assert_eq!(rows[0]["admin_url"], "https://admin.shopify.com/store/demo/orders/450789471");
}

#[tokio::test]
async fn orders_list_explains_bad_filters() {
    let dir = initialised();
    fixture(dir.path()).await;
    for (args, expected) in [
        (vec!["--status", "done"], "pending, synced, error, ignored, conflict"),
        (vec!["--code", "NOT_LINKED"], "PRODUCT_NOT_LINKED"),
        (vec!["--since", "yesterday"], "YYYY-MM-DD"),
    ] {
        let out = run(shopsync(dir.path()).args(["orders", "list", "--shop", SHOP]).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
    let out = run(shopsync(dir.path()).args(["orders", "list", "--shop", "other.myshopify.com"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("shopsync shop list"), "{}", stderr(&out));
}

#[tokio::test]
async fn orders_show_explains_every_problem_with_its_remedy() {
    let dir = initialised();
    fixture(dir.path()).await;
    for key in ["#1001", "1001", "450789469"] {
        let text = ok(&["orders", "show", "--shop", SHOP, key], dir.path());
        assert!(text.contains("Order          #1001 (gid://shopify/Order/450789469)"), "{key}:\n{text}");
    }
    let text = ok(&["orders", "show", "--shop", SHOP, "#1001"], dir.path());
    assert!(text.contains("Shopify admin  https://admin.shopify.com/store/demo/orders/450789469"), "{text}");
    assert!(text.contains("Problem 1 of 2: Product not linked (PRODUCT_NOT_LINKED)"), "{text}");
    assert!(text.contains("Line 2 “Linen shirt - M” (SKU SHIRT-M) is not linked"), "{text}");
    assert!(text.contains("https://admin.shopify.com/store/demo/products/47563746279730"), "{text}");
    assert!(text.contains("    1. "), "numbered steps:\n{text}");
    assert!(text.contains("shopsync orders reprocess --shop demo.myshopify.com '#1001'"), "{text}");
    // The remedy's actions become the commands that carry them out.
    assert!(text.contains("link it: `shopsync sync products --shop demo.myshopify.com` links"), "{text}");
    assert!(text.contains("`shopsync orders reprocess --shop demo.myshopify.com --code PRODUCT_NOT_LINKED`"), "{text}");
    assert!(text.contains("Re-checked by itself when a back-office item is linked for SKU SHIRT-M"), "{text}");
    assert!(text.contains("Problem 2 of 2: Destination not allowed (DESTINATION_NOT_ALLOWED)"), "{text}");
    assert!(text.contains("United States (US)"), "{text}");
    assert!(text.contains("No sales order yet"), "{text}");
    assert!(text.contains("shopsync capture show --shop demo.myshopify.com --type order 450789469"), "{text}");

    let json = ok(&["orders", "show", "--shop", SHOP, "#1001", "--json"], dir.path());
    let view: serde_json::Value = serde_json::from_str(&json).unwrap();
    let problems = view["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0]["code"], "PRODUCT_NOT_LINKED");
    assert!(problems[0]["remedy"].as_array().unwrap().len() >= 3);
    let actions: Vec<&str> = problems[0]["remedy_steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|step| step["parts"].as_array().unwrap())
        .filter_map(|part| part["action"]["kind"].as_str())
        .collect();
    assert!(actions.contains(&"sync_now") && actions.contains(&"reprocess_order"), "{actions:?}");
    assert_eq!(problems[0]["rechecks"][0]["event"], "link_created");
    assert_eq!(problems[1]["detail"]["country"], "US");
    assert_eq!(view["admin_url"], "https://admin.shopify.com/store/demo/orders/450789469");
}

#[tokio::test]
async fn orders_show_of_a_synced_order_shows_its_sales_order_and_payments() {
    let dir = initialised();
    fixture(dir.path()).await;
    let text = ok(&["orders", "show", "--shop", SHOP, "SO-000001"], dir.path());
    assert!(text.contains("Status         synced into SO-000001"), "{text}");
    assert!(text.contains("Sales order SO-000001 (open)"), "{text}");
    assert!(text.contains("Customer   C-000001 Anna Berg <anna@example.com>"), "{text}");
    assert!(text.contains("Ship to    Anna Berg, Utrecht, NL"), "{text}");
    let line_a = text.lines().find(|l| l.contains(" A ") && l.contains("Product A")).unwrap();
    assert!(line_a.contains("item") && line_a.contains("12.50"), "{line_a}");
    assert!(text.contains("total 50.38 EUR; payment PAID"), "{text}");
    assert!(text.contains("Transactions") && text.contains("SALE") && text.contains("shopify_payments"), "{text}");
    assert!(!text.contains("Problem"), "{text}");
}

#[tokio::test]
async fn an_unknown_order_says_how_to_find_orders() {
    let dir = initialised();
    fixture(dir.path()).await;
    let out = run(shopsync(dir.path()).args(["orders", "show", "--shop", SHOP, "#9999"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("#9999") && err.contains("shopsync orders list --shop demo.myshopify.com"), "{err}");
}

#[tokio::test]
async fn shipments_create_ships_by_sku_and_waits_for_shopify() {
    let dir = initialised();
    let (store, _) = fixture(dir.path()).await;
    let text = ok(
        &[
            "shipments",
            "create",
            "--order",
            "SO-000001",
            "--line",
            "A=1",
            "--line",
            "B=1",
            "--tracking",
            "3SABC123",
            "--carrier",
            "PostNL",
            "--url",
            "https://tracking.example/3SABC123",
        ],
        dir.path(),
    );
    assert!(text.contains("Shipment SH-000001 of SO-000001 (Shopify order #1002): 1 x A, 1 x B."), "{text}");
    assert!(text.contains("Tracking 3SABC123 (PostNL)"), "{text}");
    assert!(text.contains("partially shipped"), "{text}");
    assert!(text.contains("shopsync sync fulfillments --shop demo.myshopify.com"), "{text}");

    let so = store.sales_order("SO-000001").await.unwrap().unwrap();
    assert_eq!(so.lines.iter().map(|l| l.quantity_shipped).collect::<Vec<_>>(), [1, 1, 0]);

    let pending = ok(&["shipments", "list", "--pending", "--json"], dir.path());
    let pending: serde_json::Value = serde_json::from_str(&pending).unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["tracking_url"], "https://tracking.example/3SABC123");
    assert_eq!(pending[0]["lines"][0]["shopify_line_item_id"], "gid://shopify/LineItem/1");

    // Too many, or a SKU the order does not have: refused, with what is left to ship.
    for (line, expected) in [("A=2", "has 1 of A left to ship, not 2"), ("ZZZ=1", "no line with SKU ZZZ")] {
        let out = run(shopsync(dir.path()).args(["shipments", "create", "--order", "SO-000001", "--line", line]));
        assert_eq!(out.status.code(), Some(2), "{line}");
        assert!(stderr(&out).contains(expected) && stderr(&out).contains("A=1"), "{line}: {}", stderr(&out));
    }
    let done = ok(&["shipments", "create", "--order", "SO-000001", "--line", "A=1"], dir.path());
    assert!(done.contains("SH-000002") && done.contains("now shipped"), "{done}");
    let listed = ok(&["shipments", "list", "--order", "SO-000001"], dir.path());
    assert!(listed.contains("SH-000001") && listed.contains("SH-000002") && listed.contains("pending"), "{listed}");
    let shown = ok(&["shipments", "show", "SH-000001"], dir.path());
    assert!(shown.contains("Tracking     3SABC123 (PostNL)"), "{shown}");
    let out = run(shopsync(dir.path()).args(["shipments", "create", "--order", "SO-424242", "--line", "A=1"]));
    assert!(stderr(&out).contains("shopsync orders list --shop SHOP"), "{}", stderr(&out));
}

#[tokio::test]
async fn templates_set_builds_a_template_and_rechecks_orders_waiting_for_it() {
    let dir = initialised();
    let (store, shop) = fixture(dir.path()).await;
    let waiting = OrderEvaluation {
        order: order(9, "#1009", "2026-11-05T09:00:00Z"),
        status: OrderStatus::Error,
        problems: vec![OrderProblem::CustomerTemplateIncomplete {
            template: Some("WEB".into()),
            missing_fields: vec!["gen_bus_posting_group".into()],
        }],
        ..Default::default()
    };
    store.save_order_evaluation(shop, &waiting).await.unwrap();

    let partial =
        ok(&["templates", "set", "WEB", "customer_posting_group=DOMESTIC", "--description", "Web shop"], dir.path());
    assert!(partial.contains("Template WEB created."), "{partial}");
    assert!(
        partial.contains("gen_bus_posting_group, vat_bus_posting_group, payment_terms_code are empty"),
        "{partial}"
    );
    assert!(partial.contains("1 order waiting for this template"), "{partial}");

    let out = run(shopsync(dir.path()).args(["templates", "set", "WEB", "posting_group=X"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no customer field `posting_group`") && stderr(&out).contains("gen_bus_posting_group")
    );

    let complete = ok(
        &[
            "templates",
            "set",
            "WEB",
            "gen_bus_posting_group=WEB",
            "vat_bus_posting_group=NATIONAL",
            "payment_terms_code=PREPAID",
        ],
        dir.path(),
    );
    assert!(complete.contains("Template WEB updated.") && complete.contains("fills every required"), "{complete}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&["templates", "show", "WEB", "--json"], dir.path())).unwrap();
    assert_eq!(shown["description"], "Web shop");
    assert_eq!(shown["fields"]["customer_posting_group"], "DOMESTIC");
    assert_eq!(shown["missing_fields"].as_array().unwrap().len(), 0);
    let listed = ok(&["templates", "list"], dir.path());
    assert!(listed.lines().any(|l| l.starts_with("WEB") && l.contains("yes")), "{listed}");

    let template = store.customer_template("WEB").await.unwrap().unwrap();
    let expected: BTreeMap<&str, &str> = [
        ("customer_posting_group", "DOMESTIC"),
        ("gen_bus_posting_group", "WEB"),
        ("payment_terms_code", "PREPAID"),
        ("vat_bus_posting_group", "NATIONAL"),
    ]
    .into();
    assert_eq!(template.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<BTreeMap<_, _>>(), expected);
    let held = store.shopify_order(shop, "gid://shopify/Order/9").await.unwrap().unwrap();
    assert!(held.reprocess_requested, "the fix re-checks the order by itself");
}

#[tokio::test]
async fn customers_are_listed_and_shown_with_their_shopify_links() {
    let dir = initialised();
    fixture(dir.path()).await;
    let listed = ok(&["customers", "list", "--search", "anna"], dir.path());
    assert!(listed.contains("C-000001") && listed.contains("anna@example.com"), "{listed}");
    for key in ["C-000001", "ANNA@example.com"] {
        let shown = ok(&["customers", "show", key], dir.path());
        assert!(shown.contains("Customer   C-000001 Anna Berg"), "{shown}");
        assert!(shown.contains("gid://shopify/Customer/77 (matched by email"), "{shown}");
        assert!(shown.contains("https://admin.shopify.com/store/demo/customers/77"), "{shown}");
    }
    let out = run(shopsync(dir.path()).args(["customers", "show", "C-999"]));
    assert!(stderr(&out).contains("shopsync customers list --search"), "{}", stderr(&out));
}

#[test]
fn the_order_error_catalog_is_printed() {
    let dir = initialised();
    let text = ok(&["orders", "codes"], dir.path());
    for code in ["PRODUCT_NOT_LINKED", "FINANCIAL_STATUS_PENDING", "CUSTOMER_TEMPLATE_INCOMPLETE"] {
        assert!(text.contains(code), "{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&ok(&["orders", "codes", "--json"], dir.path())).unwrap();
    // Every code of the catalog (ORDER_REFUNDED made it 12).
    assert_eq!(json.as_array().unwrap().len(), shopsync_core::OrderErrorCode::ALL.len());
    assert!(json.to_string().contains("ORDER_REFUNDED"));
}
