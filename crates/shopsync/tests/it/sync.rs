//! `shopsync sync products|inventory` through the real binary against the simulator.

use shopify_sim::{Seed, SimConfig, SimHandle, Simulator};

use crate::{connected_to, shopsync, shopsync_run, stderr, stdout};

const ITEMS: &str = "\
item_number,item_name,status,vendor,option1_name,option1_value,sku,images
I-100,Everyday Hoodie,active,Fabrikam,Size,S,HOOD-S,https://images.example.com/hoodie.png
I-100,,,,,M,HOOD-M,
I-200,Recycled Mug,draft,Tailspin,,,MUG-1,
";

const PRICES: &str = "sku,price,compare_at_price\nHOOD-S,49.00,\nHOOD-M,49.00,\nMUG-1,12.50,15.00\n";

/// A connected data directory whose back office holds [`ITEMS`] priced with [`PRICES`].
async fn with_catalog(sim: &SimHandle) -> tempfile::TempDir {
    let dir = connected_to(sim);
    let items = dir.path().join("items.csv");
    let prices = dir.path().join("prices.csv");
    std::fs::write(&items, ITEMS).unwrap();
    std::fs::write(&prices, PRICES).unwrap();
    let out = shopsync_run(dir.path(), &["items", "import", items.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let args = ["prices", "import", prices.to_str().unwrap(), "--price-list", "RETAIL", "--currency", "EUR"];
    let out = shopsync_run(dir.path(), &args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_prints_the_plan_writes_are_refused_until_switched_on_and_then_products_are_created() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();

    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain, "--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("nothing was sent to Shopify"), "{text}");
    assert!(text.contains("Create 2 products:"), "{text}");
    assert!(text.contains("HOOD-M (M) 49.00"), "{text}");
    assert!(text.contains("Plan: 2 to create, 0 to update, 0 to link, 0 unchanged"), "{text}");
    // The first link's catalog export (bulkOperationRunQuery) is the only mutation: it changes nothing.
    let writes = || {
        let stats = sim.control().stats();
        stats.mutations - stats.by_root_field.get("bulkOperationRunQuery").copied().unwrap_or(0)
    };
    assert_eq!(writes(), 0);

    // Writes are off for a new shop: refused, naming the setting, and nothing sent.
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!("shopsync shop set {domain} allow-data-sync-to-shopify on")),
        "{}",
        stderr(&out)
    );
    assert_eq!(writes(), 0);

    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(&format!("Products for {domain}: 2 created, 0 updated")), "{}", stdout(&out));
    let products = sim.control().products();
    assert_eq!(products.len(), 2);
    let mug = products.iter().find(|p| p.title == "Recycled Mug").unwrap();
    assert_eq!((mug.status.as_str(), mug.variants[0].price.as_str()), ("DRAFT", "12.50"));

    // Nothing changed: nothing sent, reported as unchanged.
    sim.control().reset_stats();
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain, "--json"]).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((summary["unchanged"].as_u64(), summary["created"].as_u64()), (Some(2), Some(0)));
    assert_eq!(sim.control().stats().mutations, 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_item_gives_exit_code_5_is_listed_by_items_errors_and_syncs_later() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    shopsync_run(dir.path(), &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    // Someone deletes the mug in Shopify; then the back office renames it, so the sync sends it.
    let mug = sim.control().products().into_iter().find(|p| p.title == "Recycled Mug").unwrap();
    let id: u64 = mug.id.rsplit('/').next().unwrap().parse().unwrap();
    sim.control().with_store_mut(|store| store.catalog.remove_product(id)).unwrap();
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(
        &renamed,
        "item_number,item_name,status,vendor,sku\nI-200,Recycled Mug 350 ml,draft,Tailspin,MUG-1\n",
    )
    .unwrap();
    let out = shopsync_run(dir.path(), &["items", "import", renamed.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1 skipped (PRODUCT_DOES_NOT_EXIST x1)"), "{text}");
    assert!(text.contains("I-200") && text.contains("was deleted in Shopify"), "{text}");
    assert!(text.contains(&format!("shopsync items errors --shop {domain}")), "{text}");
    let out = shopsync_run(dir.path(), &["items", "errors", "--shop", &domain]).await;
    assert!(stdout(&out).contains("PRODUCT_DOES_NOT_EXIST"), "{}", stdout(&out));

    // The link went with it: the next sync creates the product again and the error goes.
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("1 created"), "{}", stdout(&out));
    assert!(sim.control().products().iter().any(|p| p.title == "Recycled Mug 350 ml"));
    let out = shopsync_run(dir.path(), &["items", "errors", "--shop", &domain]).await;
    assert!(stdout(&out).contains("No skipped records"), "{}", stdout(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_dry_run_shows_old_and_new_quantities_and_the_sync_sets_them() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    let location = sim.control().locations()[0].id.clone();
    shopsync_run(dir.path(), &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    shopsync_run(dir.path(), &["shop", "set", &domain, "location-map", &format!("MAIN={location}")]).await;
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let stock = dir.path().join("stock.csv");
    std::fs::write(&stock, "warehouse,sku,quantity\nMAIN,HOOD-S,7\nMAIN,HOOD-M,0\nOUTLET,MUG-1,3\n").unwrap();
    let out = shopsync_run(dir.path(), &["stock", "import", stock.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    sim.control().reset_stats();
    let out = shopsync_run(dir.path(), &["sync", "inventory", "--shop", &domain, "--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("MAIN -> Main Warehouse"), "{text}");
    // New products are stocked at no location yet: both quantities are set, the 0 too.
    assert!(text.contains("2 to set, 0 unchanged"), "{text}");
    assert!(text.contains("HOOD-S") && text.contains("- -> 7   (not stocked there yet)"), "{text}");
    assert!(text.contains("warehouse OUTLET (1 SKUs) is not mapped"), "{text}");
    assert_eq!(sim.control().stats().mutations, 0);

    let out = shopsync_run(dir.path(), &["sync", "inventory", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("2 updated, 0 unchanged"), "{}", stdout(&out));
    assert_eq!(sim.control().quantity("HOOD-S", Some(&location), "available"), Some(7));
    assert_eq!(sim.control().quantity("HOOD-M", Some(&location), "available"), Some(0));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_the_flows_that_are_due_once_and_leaves_the_shop_alone_when_background_syncs_are_off() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    for (key, value) in [("allow-data-sync-to-shopify", "on"), ("schedule.inventory", "off")] {
        let out = shopsync_run(dir.path(), &["shop", "set", &domain, key, value]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }

    // Background syncs off: nothing runs, whatever is due.
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-background-sync", "off"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["serve", "--once"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Nothing is due."), "{}", stdout(&out));
    // ... and says which shop is left out, by which setting, and how to let it in.
    let left_out = format!("{domain} is left out: its setting allow-background-sync is off");
    assert!(stdout(&out).contains(&left_out), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("shopsync shop set {domain} allow-background-sync on")), "{}", stdout(&out));
    assert_eq!(sim.control().stats().graphql_requests, 0);

    // On: every scheduled flow runs once (a flow never run is due), as a job triggered by the schedule.
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-background-sync", "on"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["serve", "--once", "--shop", &domain]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("{domain} products: 2 created")), "{text}");
    assert!(!text.contains("inventory"), "a schedule set to off does not run: {text}");
    assert_eq!(sim.control().products().len(), 2);
    let out = shopsync_run(dir.path(), &["jobs", "--shop", &domain, "--json"]).await;
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<(&str, &str)> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|job| (job["kind"].as_str().unwrap(), job["trigger"].as_str().unwrap()))
        .collect();
    for kind in ["products", "customers", "orders", "fulfillments"] {
        assert!(kinds.contains(&(kind, "schedule")), "{kind} ran on its schedule: {kinds:?}");
    }

    // Nothing is due again until the schedules' next slot.
    let out = shopsync_run(dir.path(), &["serve", "--once"]).await;
    assert!(stdout(&out).contains("Nothing is due."), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("{domain}: next is products at ")), "{}", stdout(&out));
    assert!(!stdout(&out).contains("left out"), "{}", stdout(&out));

    // A shop that is not connected is named, not taken for a shop with nothing due.
    let out = shopsync_run(dir.path(), &["serve", "--once", "--shop", "other.myshopify.com"]).await;
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("other.myshopify.com"), "{}", stderr(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_stops_cleanly_on_sigterm() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let mut child = shopsync(dir.path())
        // A free port: the default 8787 may be taken by another serve on this machine.
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Give it time to start and run what is due, then ask it to stop as a service manager would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sim.control().stats().graphql_requests == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break child.wait_with_output().unwrap();
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(60), "serve did not stop on SIGTERM");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("running the shops' schedules"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_reprocess_reads_the_orders_again_and_says_what_still_holds_them() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    // An empty back office: every order of the demo store has a line that is not linked to an item.
    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("Orders held by a problem to fix"), "{}", stdout(&out));

    sim.control().reset_stats();
    let out = shopsync_run(dir.path(), &["orders", "reprocess", "--shop", &domain, "#1001", "--json"]).await;
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["orders"][0]["name"], "#1001", "{report}");
    assert!(report["orders"][0]["codes"].to_string().contains("PRODUCT_NOT_LINKED"), "{report}");
    assert!(sim.control().stats().graphql_requests > 0, "reprocess reads the order from Shopify, not a stored copy");

    let out =
        shopsync_run(dir.path(), &["orders", "reprocess", "--shop", &domain, "--code", "PRODUCT_NOT_LINKED"]).await;
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("PRODUCT_NOT_LINKED"), "{}", stdout(&out));

    let out = shopsync_run(dir.path(), &["orders", "reprocess", "--shop", &domain, "#9999"]).await;
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("#9999") && stdout(&out).contains("not found"), "{}", stdout(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_keeps_the_request_log_to_its_retention_and_points_out_logging_left_at_all() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = crate::connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    for (key, value) in [("allow-background-sync", "off"), ("log-retention", "7"), ("logging", "all")] {
        let out = shopsync_run(dir.path(), &["shop", "set", &domain, key, value]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("shopsync.db"));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    // Two entries ten days old and one from today; a delivery ten days old; `all` set two days ago.
    let ten_days_ago = shopsync_core::time::to_text(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(240));
    let two_days_ago = shopsync_core::time::to_text(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48));
    let today = shopsync_core::time::now_text();
    for at in [&ten_days_ago, &ten_days_ago, &today] {
        sqlx::query(
            "INSERT INTO request_log (shop_id, started_at, method, url, duration_ms) \
             VALUES ((SELECT id FROM shops), ?, 'POST', 'https://x/graphql.json', 5)",
        )
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO webhook_events (shop_id, event_id, topic, received_at, processed_at) \
         VALUES ((SELECT id FROM shops), 'old', 'orders/create', ?, ?)",
    )
    .bind(&ten_days_ago)
    .bind(&ten_days_ago)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE shop_settings SET updated_at = ? WHERE key = 'logging'")
        .bind(&two_days_ago)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = shopsync_run(dir.path(), &["serve", "--once"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2 request log entries and 1 webhook deliveries past log-retention deleted"), "{text}");
    assert!(text.contains(&format!("since {two_days_ago}")), "logging left at all is pointed out: {text}");
    assert!(text.contains(&format!("shopsync shop set {domain} logging errors")), "{text}");
    let pool = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("shopsync.db")),
    )
    .await
    .unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_log").fetch_one(&pool).await.unwrap();
    assert_eq!(kept, 1, "today's entry is kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_runs_are_taken_by_serves_workers_once_and_a_revoked_token_is_given_up_without_retries() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    for flow in ["products", "inventory", "customers", "orders", "fulfillments"] {
        let out = shopsync_run(dir.path(), &["shop", "set", &domain, &format!("schedule.{flow}"), "off"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = shopsync_run(dir.path(), &["queue", "add", "--shop", &domain, "products", "customers"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("products: queued as request 1"), "{}", stdout(&out));
    let out = shopsync_run(dir.path(), &["queue", "add", "--shop", &domain, "products"]).await;
    assert!(stdout(&out).contains("joined the run already waiting"), "asking twice makes one run: {}", stdout(&out));
    let out = shopsync_run(dir.path(), &["queue", "add", "--shop", &domain, "everything"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let mut serve = shopsync(dir.path())
        .args(["serve", "--no-listen", "--workers", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let requests = || async {
        let out = shopsync_run(dir.path(), &["queue", "list", "--json"]).await;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    };
    let started = std::time::Instant::now();
    while !requests().await.iter().all(|r| r["status"] == "done") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "workers take the requests: {:?}",
            requests().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(sim.control().products().len(), 2, "the queued product sync ran");
    let out = shopsync_run(dir.path(), &["jobs", "--shop", &domain, "--json"]).await;
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let products = jobs.as_array().unwrap().iter().filter(|job| job["kind"] == "products").count();
    assert_eq!(products, 1, "one run, not one per ask: {jobs}");

    // The app uninstalled: the run fails on Shopify's refusal and is given up at once, not retried.
    sim.control().uninstall_app();
    let out = shopsync_run(dir.path(), &["queue", "add", "--shop", &domain, "orders"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let started = std::time::Instant::now();
    let orders = loop {
        let list = requests().await;
        let orders = list.iter().find(|r| r["flow"] == "orders").cloned().unwrap();
        if orders["status"] == "failed" {
            break orders;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{list:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(orders["attempts"], 1, "no retry against a revoked token: {orders}");
    assert!(orders["error"].as_str().unwrap().contains("401") || orders["error"].as_str().unwrap().contains("access"));

    std::process::Command::new("kill").args(["-TERM", &serve.id().to_string()]).status().unwrap();
    let status = tokio::task::spawn_blocking(move || serve.wait().unwrap()).await.unwrap();
    assert!(status.success(), "serve stops cleanly with its workers");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_workers_queues_the_due_flows_and_its_workers_run_each_once() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    for (key, value) in [("allow-data-sync-to-shopify", "on"), ("schedule.inventory", "off")] {
        let out = shopsync_run(dir.path(), &["shop", "set", &domain, key, value]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let serve = shopsync(dir.path())
        .args(["serve", "--no-listen", "--workers", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let requests = || async {
        let out = shopsync_run(dir.path(), &["queue", "list", "--json"]).await;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    };
    // Every scheduled flow (all but inventory, set to off) is queued by the schedule and run by the worker.
    let started = std::time::Instant::now();
    loop {
        let list = requests().await;
        if list.len() >= 4 && list.iter().all(|r| r["status"] == "done") {
            let mut flows: Vec<&str> = list.iter().map(|r| r["flow"].as_str().unwrap()).collect();
            flows.sort();
            assert_eq!(flows, ["customers", "fulfillments", "orders", "products"], "each due flow once: {list:?}");
            assert!(list.iter().all(|r| r["trigger"] == "schedule"), "{list:?}");
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the schedule's runs are queued: {list:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(sim.control().products().len(), 2, "the queued product sync ran");
    let out = shopsync_run(dir.path(), &["jobs", "--shop", &domain, "--json"]).await;
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let products: Vec<&serde_json::Value> =
        jobs.as_array().unwrap().iter().filter(|j| j["kind"] == "products").collect();
    assert_eq!(products.len(), 1, "{jobs}");
    assert_eq!(products[0]["trigger"], "schedule", "{jobs}");

    std::process::Command::new("kill").args(["-TERM", &serve.id().to_string()]).status().unwrap();
    let output = tokio::task::spawn_blocking(move || serve.wait_with_output().unwrap()).await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(&format!("{domain} products: due, queued for the workers as request")), "{text}");
    sim.shutdown().await;
}

/// `sync ... --queue` hands the run to the durable queue (as `shopsync queue add` does) and prints the request's
/// id instead of running it here; a shop left out of background syncs refuses it, queueing nothing.
#[tokio::test(flavor = "multi_thread")]
async fn sync_with_queue_hands_the_run_to_the_queue_and_is_refused_when_background_syncs_are_off() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = with_catalog(&sim).await;
    let domain = sim.shop_domain().to_string();
    let requests = || async {
        let out = shopsync_run(dir.path(), &["queue", "list", "--json"]).await;
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    };
    let sent = sim.control().stats().graphql_requests;

    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--queue"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let list = requests().await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!((list[0]["flow"].as_str(), list[0]["trigger"].as_str()), (Some("orders"), Some("manual")));
    let said = format!("{domain} orders: queued as request {}", list[0]["id"]);
    assert!(stdout(&out).contains(&said), "{}", stdout(&out));
    assert_eq!(sim.control().stats().graphql_requests, sent, "nothing ran in the foreground");
    let out = shopsync_run(dir.path(), &["jobs", "--shop", &domain, "--json"]).await;
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(jobs.as_array().unwrap().iter().all(|j| j["kind"] != "orders"), "no orders job ran: {jobs}");

    // Asked again while it waits: the same request.
    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--queue", "--json"]).await;
    let queued: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(queued[0]["coalesced"], true, "{queued}");
    assert_eq!(requests().await.len(), 1);
    // `sync all --queue` queues every switched-on flow.
    let out = shopsync_run(dir.path(), &["sync", "all", "--shop", &domain, "--queue"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let mut flows: Vec<String> = requests().await.iter().map(|r| r["flow"].as_str().unwrap().to_string()).collect();
    flows.sort();
    assert_eq!(flows, ["customers", "fulfillments", "inventory", "orders", "products"], "{}", stdout(&out));
    // Foreground-only options do not go with it.
    let out = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--queue", "--bulk"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // Background syncs off: no worker would run it, so it is refused with the setting to change.
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-background-sync", "off"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain, "--queue"]).await;
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("left out of background syncs") && err.contains("allow-background-sync"), "{err}");
    assert_eq!(requests().await.len(), 5, "nothing more was queued");
    assert_eq!(sim.control().stats().graphql_requests, sent, "and nothing ran");
    sim.shutdown().await;
}
