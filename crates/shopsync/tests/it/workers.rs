//! Several `shopsync worker` processes sharing one PostgreSQL hub: what a user running workers on several machines
//! relies on. Every queued run happens once though a worker is killed mid-run, every order becomes one sales order,
//! and no shop is answered THROTTLED although three processes talk to twenty shops at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
use shopify_sim::{Faults, Seed, SimConfig, SimHandle, Simulator};
use sqlx::Connection;

use crate::database::FreshDatabase;
use crate::{run_async, run_with_stdin, shopsync, stderr, stdout};

const SHOPS: usize = 20;
const ORDERS_PER_SHOP: usize = 6;
const WORKER_PROCESSES: usize = 3;
/// The flows queued for every shop: the orders import, and the customers' beside it (both read from Shopify).
const FLOWS: [&str; 2] = ["orders", "customers"];
/// The whole test's guard against a hang; it says nothing about speed.
const GIVE_UP: Duration = Duration::from_secs(100);

const ITEMS: &str = "\
item_number,item_name,status,vendor,option1_name,option1_value,sku,images
I-100,Everyday Hoodie,active,Fabrikam,Size,S,HOOD-S,https://images.example.com/hoodie.png
I-100,,,,,M,HOOD-M,
";

const PRICES: &str = "sku,price,compare_at_price\nHOOD-S,49.00,\nHOOD-M,49.00,\n";

/// The binary on the shared data directory (its key file) and the PostgreSQL hub.
fn hub(dir: &Path, url: &str) -> Command {
    let mut command = shopsync(dir);
    command.env("SHOPSYNC_DATABASE_URL", url);
    command
}

/// Runs `shopsync ARGS` on the hub and insists it succeeded.
async fn ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let mut command = hub(dir, url);
    command.args(args);
    let out = run_async(command).await;
    assert!(out.status.success(), "shopsync {args:?} failed: {}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Connects one simulated shop: token, writes on, the customer template, its products created and linked.
async fn connect(dir: &Path, url: &str, sim: &SimHandle) {
    use secrecy::ExposeSecret;
    let domain = sim.shop_domain().to_string();
    let mut add = hub(dir, url);
    add.args([
        "shop",
        "add",
        &format!("--domain={domain}"),
        "--token-stdin",
        &format!("--endpoint={}", sim.base_url()),
    ]);
    let token = sim.access_token().expose_secret().to_string();
    let out = tokio::task::spawn_blocking(move || run_with_stdin(&mut add, &token)).await.unwrap();
    assert!(out.status.success(), "shop add failed: {}", stderr(&out));
    ok(dir, url, &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    ok(dir, url, &["shop", "set", &domain, "customer-template", "WEB"]).await;
    ok(dir, url, &["sync", "products", "--shop", &domain]).await;
}

/// Places the shop's orders in "Shopify", every one importable; returns their ids.
fn place_orders(sim: &SimHandle, shop: usize) -> Vec<String> {
    (0..ORDERS_PER_SHOP)
        .map(|n| {
            let sku = if n % 2 == 0 { "HOOD-S" } else { "HOOD-M" };
            let spec = OrderSpec {
                lines: vec![LineSpec { sku: Some(sku.into()), quantity: 1 + (n % 3) as u32, ..LineSpec::default() }],
                address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
                email: Some(format!("buyer{n}@shop{shop}.example.com")),
                ..OrderSpec::default()
            };
            sim.control().create_order(&spec).expect("the simulator places the order").id
        })
        .collect()
}

/// The queue as `shopsync queue list --json` shows it.
async fn queue(dir: &Path, url: &str) -> Vec<serde_json::Value> {
    let out = ok(dir, url, &["queue", "list", "--limit", "1000", "--json"]).await;
    serde_json::from_str::<serde_json::Value>(&out).unwrap().as_array().unwrap().clone()
}

/// A `shopsync worker` process on the hub, with leases short enough that a killed worker's claim and job lapse
/// within the test.
fn start_worker(dir: &Path, url: &str, logs: &Path, number: usize) -> Child {
    let out = std::fs::File::create(logs.join(format!("worker-{number}.out"))).unwrap();
    let err = std::fs::File::create(logs.join(format!("worker-{number}.err"))).unwrap();
    hub(dir, url)
        .args(["worker", "--workers", "2"])
        .env("SHOPSYNC_QUEUE_LEASE_SECS", "3")
        .env("SHOPSYNC_JOB_LEASE_SECS", "3")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sends a signal to a child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// What the workers printed, for a failure's message.
fn worker_logs(logs: &Path) -> String {
    let mut text = String::new();
    for number in 0..WORKER_PROCESSES {
        for stream in ["out", "err"] {
            let body = std::fs::read_to_string(logs.join(format!("worker-{number}.{stream}"))).unwrap_or_default();
            text.push_str(&format!("--- worker {number} std{stream}\n{body}"));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn three_worker_processes_do_twenty_shops_queued_runs_once_though_one_is_killed_mid_run_unthrottled() {
    let started = Instant::now();
    let db = FreshDatabase::create();
    let url = db.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let logs = tempfile::tempdir().unwrap();

    // The hub: one back office (the catalog and the customer template every shop uses) in one database.
    ok(data, &url, &["init"]).await;
    std::fs::write(data.join("items.csv"), ITEMS).unwrap();
    std::fs::write(data.join("prices.csv"), PRICES).unwrap();
    ok(data, &url, &["items", "import", data.join("items.csv").to_str().unwrap()]).await;
    let prices = data.join("prices.csv");
    ok(data, &url, &["prices", "import", prices.to_str().unwrap(), "--price-list", "RETAIL", "--currency", "EUR"])
        .await;
    let template = [
        "templates",
        "set",
        "WEB",
        "customer_posting_group=DOMESTIC",
        "gen_bus_posting_group=WEB",
        "vat_bus_posting_group=NATIONAL",
        "payment_terms_code=PREPAID",
    ];
    ok(data, &url, &template).await;

    // Twenty shops, each its own simulator (its own cost bucket), connected with their products linked.
    let mut sims = Vec::new();
    for shop in 0..SHOPS {
        let config = SimConfig {
            shop_domain: format!("shop-{shop:02}.myshopify.com"),
            seed: Seed::Empty,
            ..SimConfig::default()
        };
        sims.push(Simulator::start(config).await.unwrap());
    }
    // A few shops at a time: each connection is a handful of short processes.
    for chunk in sims.chunks(4) {
        let connecting: Vec<_> = chunk.iter().map(|sim| connect(data, &url, sim)).collect();
        for connection in connecting {
            connection.await;
        }
    }
    // Keyed by shop and order id: each simulator numbers its orders from the same start.
    let mut orders: BTreeSet<(String, String)> = BTreeSet::new();
    for (shop, sim) in sims.iter().enumerate() {
        for id in place_orders(sim, shop) {
            orders.insert((sim.shop_domain().to_string(), id));
        }
        // Every answer a little slow, so runs overlap and a worker is caught mid-run.
        sim.control().set_faults(Faults { latency_ms: 150, ..Faults::default() });
        sim.control().reset_stats();
    }
    for sim in &sims {
        let mut args = vec!["queue", "add", "--shop", sim.shop_domain()];
        args.extend(FLOWS);
        ok(data, &url, &args).await;
    }
    let setup = started.elapsed();

    let mut workers: Vec<Child> = (0..WORKER_PROCESSES).map(|n| start_worker(data, &url, logs.path(), n)).collect();
    // Kill the first worker with SIGKILL while it holds a claim: no chance to finish or give anything back.
    let victim = format!(":{}:", workers[0].id());
    let killed_request = loop {
        let list = queue(data, &url).await;
        let held = list
            .iter()
            .find(|r| r["status"] == "claimed" && r["claimed_by"].as_str().is_some_and(|by| by.contains(&victim)));
        if let Some(held) = held {
            signal(&workers[0], libc::SIGKILL);
            break held.clone();
        }
        assert!(
            list.iter().any(|r| r["status"] != "done"),
            "every request ended before the first worker took one:\n{}",
            worker_logs(logs.path())
        );
        assert!(started.elapsed() < GIVE_UP, "the first worker took no request:\n{}", worker_logs(logs.path()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let killed = workers.remove(0);
    let status = tokio::task::spawn_blocking(move || {
        let mut killed = killed;
        killed.wait().unwrap()
    })
    .await
    .unwrap();
    assert!(!status.success(), "the worker was killed");

    // The other two take over the killed worker's request once its lease lapses, and finish everything.
    let list = loop {
        let list = queue(data, &url).await;
        if list.iter().all(|r| r["status"] == "done" || r["status"] == "failed") {
            break list;
        }
        assert!(started.elapsed() < GIVE_UP, "the workers did not finish: {list:?}\n{}", worker_logs(logs.path()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let ran = started.elapsed() - setup;
    for worker in &workers {
        signal(worker, libc::SIGTERM);
    }
    for worker in workers {
        let status = tokio::task::spawn_blocking(move || {
            let mut worker = worker;
            worker.wait().unwrap()
        })
        .await
        .unwrap();
        assert!(status.success(), "a worker stops cleanly on SIGTERM:\n{}", worker_logs(logs.path()));
    }

    // Every queued request ended done, once: one request per shop and flow, none failed.
    let logs_text = worker_logs(logs.path());
    assert_eq!(list.len(), SHOPS * FLOWS.len(), "one request per shop and flow: {list:?}");
    let not_done: Vec<_> = list.iter().filter(|r| r["status"] != "done").collect();
    assert!(not_done.is_empty(), "requests that did not end done: {not_done:?}\n{logs_text}");
    let pairs: BTreeSet<(i64, String)> =
        list.iter().map(|r| (r["shop_id"].as_i64().unwrap(), r["flow"].as_str().unwrap().to_string())).collect();
    assert_eq!(pairs.len(), list.len(), "a shop and flow queued twice: {list:?}");
    let taken_over = list.iter().find(|r| r["id"] == killed_request["id"]).unwrap();
    assert!(
        taken_over["attempts"].as_i64().unwrap() >= 2
            && !taken_over["claimed_by"].as_str().unwrap_or_default().contains(&victim),
        "the killed worker's request was taken over and done by another: {taken_over}\n{logs_text}"
    );
    // Each run recorded once: one job per request in the queue, the killed one's abandoned run aside.
    for request in &list {
        assert!(request["job_id"].as_i64().is_some(), "a done request names its run: {request}");
    }

    // Every order placed in "Shopify" became exactly one sales order.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let counted: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT s.domain, so.shopify_order_id, COUNT(*) FROM sales_orders so JOIN shops s ON s.id = so.shop_id \
         WHERE so.shopify_order_id IS NOT NULL GROUP BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // One running request per shop: no two of a shop's runs overlapped in time, whatever their flows (as
    // `shopsync jobs --shop SHOP` shows their start and end), the killed worker's abandoned run aside.
    let overlapping: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.domain, a.kind, b.kind FROM jobs a JOIN jobs b ON b.shop_id = a.shop_id AND b.id > a.id \
         JOIN shops s ON s.id = a.shop_id \
         WHERE a.status = 'succeeded' AND b.status = 'succeeded' \
         AND a.started_at < b.finished_at AND b.started_at < a.finished_at",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let counted: BTreeMap<(String, String), i64> =
        counted.into_iter().map(|(shop, id, count)| ((shop, id), count)).collect();
    let twice: Vec<_> = counted.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "orders imported twice: {twice:?}\n{logs_text}");
    let missing: Vec<_> = orders.iter().filter(|order| !counted.contains_key(*order)).collect();
    assert!(missing.is_empty(), "orders that became no sales order: {missing:?}\n{logs_text}");
    assert_eq!(counted.len(), orders.len(), "sales orders of no placed order: {counted:?}");

    assert!(overlapping.is_empty(), "runs of one shop at once: {overlapping:?}\n{logs_text}");

    // No shop was answered THROTTLED: each shop's requests came from one process at a time, whose budget knew them.
    let throttled: BTreeMap<&str, u64> =
        sims.iter().map(|sim| (sim.shop_domain(), sim.control().stats().throttled)).filter(|(_, n)| *n > 0).collect();
    assert!(throttled.is_empty(), "shops answered THROTTLED: {throttled:?}\n{logs_text}");

    for sim in sims {
        sim.shutdown().await;
    }
    eprintln!(
        "{SHOPS} shops, {} orders, {} requests: setup {:.1}s, workers {:.1}s",
        orders.len(),
        list.len(),
        setup.as_secs_f64(),
        ran.as_secs_f64()
    );
}
