//! End to end in a real headless Chromium, driven through ChromeDriver (WebDriver) with fantoccini: log in, open
//! an order held with PRODUCT_NOT_LINKED, link its product from the remedy, reprocess it and see it synced; change
//! a setting on the shop card; purge the request log. Screenshots of each step are saved under the test target's
//! temporary directory (`target/tmp/console-screenshots/`).
//!
//! ChromeDriver and Chromium must be installed (`scripts/test-deps` installs Debian's chromium and
//! chromium-driver): without them the test fails, it is never skipped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
use shopify_sim::{Seed, SimConfig};
use shopsync_core::Flow;
use shopsync_core::order_errors::OrderStatus;
use shopsync_store::{
    CatalogStore, CustomerStore, ItemInput, JobTrigger, LogStore, OrderKey, OrderStore, RequestLogFilter, ShopStore,
    UserRole, VariantInput,
};
use shopsync_sync::NoProgress;
use shopsync_sync::app;
use shopsync_sync::orders::BulkChoice;

use crate::Server;

/// A ChromeDriver on a free port of 127.0.0.1, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_chromedriver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver could not be started: install Chromium and ChromeDriver with scripts/test-deps");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not listen on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--no-first-run", "--disable-extensions"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session through chromedriver (is chromium installed? scripts/test-deps)")
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// The text of the element `locator` finds, once it exists. A page that is still being replaced (the redirect
/// after a form) can swap the element between finding and reading it: then it is found again.
pub(crate) async fn text_of(client: &Client, locator: Locator<'_>) -> String {
    let started = std::time::Instant::now();
    loop {
        let element = client.wait().at_most(Duration::from_secs(30)).for_element(locator).await.unwrap();
        match element.text().await {
            Ok(text) => return text,
            Err(error) if started.elapsed() < Duration::from_secs(30) => {
                eprintln!("reading {locator:?} again: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("cannot read {locator:?}: {error}"),
        }
    }
}

/// Waits until the element `locator` finds has a text `wanted` accepts (the page after a click may still be the
/// one before it for a moment), and gives that text; after 30 s it fails with the last text seen.
pub(crate) async fn text_where(client: &Client, locator: Locator<'_>, wanted: impl Fn(&str) -> bool) -> String {
    let started = std::time::Instant::now();
    loop {
        let text = text_of(client, locator).await;
        if wanted(&text) {
            return text;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{locator:?} still reads {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The back office and the store: one Shopify variant whose SKU the back office has but has not linked, a
/// customer template, everything logged; one paid order of that variant, imported and held PRODUCT_NOT_LINKED.
async fn held_order(server: &Server) -> (String, String) {
    let control = server.sim.control();
    let products = control.products();
    let variant =
        products.iter().flat_map(|p| p.variants.iter()).find(|v| v.sku.is_some()).expect("a variant with a SKU");
    let sku = variant.sku.clone().unwrap();
    let store = server.store.as_ref();
    store
        .upsert_items(&[ItemInput {
            number: "ITEM-100".into(),
            name: "Linen shirt".into(),
            variants: vec![VariantInput { code: sku.clone(), sku: sku.clone(), ..VariantInput::default() }],
            ..ItemInput::default()
        }])
        .await
        .unwrap();
    let fields: BTreeMap<String, String> = [
        ("customer_posting_group", "DOMESTIC"),
        ("gen_bus_posting_group", "RETAIL"),
        ("vat_bus_posting_group", "EU"),
        ("payment_terms_code", "PREPAID"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    store.save_customer_template("WEB", Some("Web shop customers"), &fields).await.unwrap();
    for (key, value) in [("customer-template", "WEB"), ("logging", "all")] {
        app::actions::set_setting(store, &server.shop, key, value).await.unwrap();
    }
    let placed = control
        .create_order(&OrderSpec {
            lines: vec![LineSpec { sku: Some(sku.clone()), quantity: 2, ..Default::default() }],
            address: AddressSpec { first_name: Some("Ada".into()), ..Default::default() },
            email: Some("ada@example.com".into()),
            ..Default::default()
        })
        .unwrap();
    let engine = server.intake.engine();
    let shop = engine.shop(&server.shop.domain).await.unwrap();
    app::run_flow(engine, &shop, Flow::Orders, JobTrigger::Manual, BulkChoice::Never, &NoProgress).await.unwrap();
    engine.flush_logs().await;
    let order = store.find_shopify_order(server.shop.id, &OrderKey::Gid(placed.id.clone())).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Error);
    assert_eq!(order.error_codes, vec!["PRODUCT_NOT_LINKED".to_string()]);
    (order.name, order.order_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_links_a_product_reprocesses_an_order_changes_a_setting_and_purges_the_log_in_chromium() {
    let server = Server::start(SimConfig { seed: Seed::Count(3), ..SimConfig::default() }).await;
    let (name, order_id) = held_order(&server).await;
    crate::console::add_user(&server, "olivia", UserRole::Operator).await;
    let driver = start_chromedriver();
    let client = browser(&driver).await;
    let url = &server.url;
    let shop = server.shop.domain.clone();

    // Any page sends to the login page first.
    client.goto(&format!("{url}/orders")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().starts_with("/login"));
    client.find(Locator::Id("name")).await.unwrap().send_keys("olivia").await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys("correct horse battery staple").await.unwrap();
    shot(&client, "1-login").await;
    client.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Css("h1"), |t| t == "Orders").await; // back where the login started

    client.goto(&format!("{url}/")).await.unwrap();
    assert_eq!(text_of(&client, Locator::Css("h1")).await, "Dashboard");
    assert!(client.find(Locator::Id("chart")).await.is_ok(), "the chart is drawn on the server");
    shot(&client, "2-dashboard").await;

    // The error tab lists the order with its code; its page explains the problem and offers the link.
    client.goto(&format!("{url}/orders?shop={shop}&status=error")).await.unwrap();
    let list = text_of(&client, Locator::Id("orders")).await;
    assert!(list.contains(&name) && list.contains("PRODUCT_NOT_LINKED"), "{list}");
    shot(&client, "3-orders-error-tab").await;
    client.find(Locator::LinkText(&name)).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Id("order-status"), |t| t == "error").await;
    shot(&client, "4-order-held").await;
    client.find(Locator::Css("a.link-product")).await.unwrap().click().await.unwrap();
    let sku = client.find(Locator::Id("sku")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert!(!sku.is_empty(), "the SKU of the order line is filled in");
    shot(&client, "5-link-form").await;
    client.find(Locator::Id("link")).await.unwrap().click().await.unwrap();
    let linked = format!("Linked the Shopify variant to SKU {sku}");
    text_where(&client, Locator::Id("flash"), |t| t.contains(&linked)).await;

    // Reprocess re-reads the order from Shopify: now it becomes a sales order.
    client.find(Locator::Id("reprocess")).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Id("flash"), |t| t.contains("synced")).await;
    text_where(&client, Locator::Id("order-status"), |t| t == "synced").await;
    assert!(text_of(&client, Locator::Id("sales-order")).await.contains(&sku));
    shot(&client, "6-order-synced").await;
    let order = server.store.find_shopify_order(server.shop.id, &OrderKey::Gid(order_id)).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Synced);

    // A setting changed on the shop card persists.
    client.goto(&format!("{url}/shops/{shop}")).await.unwrap();
    assert!(text_of(&client, Locator::Id("switches")).await.contains("allow-data-sync-to-shopify: OFF"));
    let field = client.find(Locator::Id("value-order-countries")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("de, nl").await.unwrap();
    client.find(Locator::Id("save-order-countries")).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Id("flash"), |t| t.contains("order-countries is now DE,NL.")).await;
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "DE,NL");
    shot(&client, "7-shop-card").await;

    // The request log has the calls of the sync and the reprocess; purge all empties it.
    client.goto(&format!("{url}/logs")).await.unwrap();
    assert!(client.find(Locator::Css("#log a")).await.is_ok(), "the sync's requests are listed");
    shot(&client, "8-request-log").await;
    client.find(Locator::Id("purge-all")).await.unwrap().click().await.unwrap();
    text_where(&client, Locator::Id("flash"), |t| t.starts_with("Purged ")).await;
    assert!(client.wait().at_most(Duration::from_secs(30)).for_element(Locator::Id("log-empty")).await.is_ok());
    shot(&client, "9-request-log-purged").await;
    let left = server.store.request_logs(&RequestLogFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert!(left.is_empty(), "{} entries left", left.len());
    client.close().await.unwrap();
}
