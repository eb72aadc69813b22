//! The order import end to end: 100,000 Shopify orders from the simulator into the back office through a bulk
//! query, timed, with the peak memory of the importing process.
//!
//! The simulator runs in a child process (this same binary, started with `ORDER_IMPORT_SIM_DIR` set), so the
//! 100,000 orders it holds do not count towards the importer's memory. The back office has the simulator's whole
//! catalog (2,000 items, 10,000 variants) linked and a complete customer template, so every order is evaluated in
//! full: versions, Shopify data capture, problems, customers (10,000 of them, matched or created), sales orders
//! with lines, transactions. Printed:
//!
//! - orders per second end to end (from the start of `sync orders` to its end, Shopify's export included) and
//!   for the import alone (from the export's completion);
//! - the importer's peak resident memory (VmHWM) and its resident memory before the run;
//! - a second, incremental run that finds nothing new.
//!
//! Targets: at least 2,000 orders/s end to end, at most 300 MB. Run with
//! `cargo bench -p shopsync-sync --bench order_import` (release build); `ORDER_IMPORT_COUNT=N` imports N orders.
//!
//! First, the incremental case (simulator in this process, standard plan): 2,000 orders imported, then 100 new
//! ones found by an incremental `sync orders` (the probe switches to a bulk query), then 3 new ones (read by id),
//! then a run that finds nothing. Each prints Shopify points, requests and wall time, and points per new order
//! (target: at most 5) and per unchanged order of the overlap (target: at most 0.1). `ORDER_IMPORT_ONLY=incremental`
//! runs this case alone.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use secrecy::SecretString;
use shopify_sim::{Plan, Seed, SimConfig, Simulator};
use shopsync_core::secret::access_token_context;
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{
    CatalogStore, CustomerStore, ItemInput, ItemStatus, JobTrigger, NewShop, ShopStore, SqliteStore, Store,
    VariantInput, VariantLink,
};
use shopsync_sync::orders::{BulkChoice, OrderSyncOptions, sync_orders};
use shopsync_sync::{Engine, Progress};

const DEFAULT_ORDERS: usize = 100_000;
const TOKEN: &str = "shpat_order_import_bench_0123456789";
const TARGET_RATE: f64 = 2_000.0;
const TARGET_MB: f64 = 300.0;

fn main() {
    if let Ok(dir) = std::env::var("ORDER_IMPORT_SIM_DIR") {
        serve_simulator(&dir);
        return;
    }
    let orders: usize = std::env::var("ORDER_IMPORT_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_ORDERS);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(incremental());
    if std::env::var("ORDER_IMPORT_ONLY").is_ok_and(|v| v == "incremental") {
        return;
    }
    runtime.block_on(import(orders));
}

/// 100 new orders on top of 2,000, then 3, then none: the incremental read's cost per order.
async fn incremental() {
    const BASE: usize = 2_000;
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = SimConfig {
        plan: Plan::Standard,
        seed: Seed::Orders(BASE),
        access_token: Some(SecretString::from(TOKEN)),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.expect("simulator");
    let control = sim.control();
    let variants: Vec<(String, String, String, String)> = control
        .products()
        .into_iter()
        .flat_map(|p| {
            p.variants.into_iter().filter_map(move |v| Some((v.sku?, v.id, v.product_id, v.inventory_item_id)))
        })
        .collect();
    let links_file = dir.path().join("links.json");
    std::fs::write(&links_file, serde_json::to_vec(&variants).expect("json")).expect("links file");
    let store = Arc::new(SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store"));
    let cipher = TokenCipher::new(&MasterKey::generate());
    let domain = sim.shop_domain().to_string();
    let sealed = cipher.seal(&access_token_context(&domain, Some(sim.base_url())), &SecretString::from(TOKEN));
    let shop = store
        .add_shop(&NewShop {
            domain: domain.clone(),
            api_version: "2026-10".into(),
            endpoint: Some(sim.base_url().to_string()),
            access_token: Some(sealed),
        })
        .await
        .expect("shop");
    back_office(store.as_ref(), shop.id, &links_file).await;
    for (key, value) in [("order-import-from", "all"), ("customer-template", "WEB"), ("logging", "errors")] {
        store.save_setting(shop.id, key, value).await.expect("setting");
    }
    let engine = Engine::new(store.clone() as Arc<dyn Store>, cipher).expect("engine");
    let context = engine.shop(&domain).await.expect("shop context");
    let run = |label: &'static str, new: usize| {
        let (engine, context, control) = (&engine, &context, &control);
        async move {
            control.reset_stats();
            let started = Instant::now();
            let options = OrderSyncOptions { bulk: BulkChoice::Auto, eager: false };
            let flow = sync_orders(context, &options, &shopsync_sync::NoProgress);
            let summary = engine
                .run_job(context, "orders", JobTrigger::Manual, &shopsync_sync::NoProgress, flow)
                .await
                .expect("sync orders");
            let wall = started.elapsed().as_secs_f64();
            let stats = control.stats();
            let points = stats.cost_spent as f64;
            let per = if new > 0 { format!("{:.2} points per new order", points / new as f64) } else { String::new() };
            println!(
                "{label:<34} {wall:>6.2} s  {} requests, {points:.0} points {per}\n{:<34} read as: {}; {summary}",
                stats.graphql_requests,
                "",
                summary.notes.get("read as").map(String::as_str).unwrap_or("-"),
            );
            points
        }
    };
    println!("incremental orders: {BASE} imported, then new ones (standard plan)");
    run("first import (bulk)", BASE).await;
    let sku = variants[0].0.clone();
    let place = |n: usize| {
        for i in 0..n {
            let spec = shopify_sim::order_ops::OrderSpec {
                lines: vec![shopify_sim::order_ops::LineSpec {
                    sku: Some(sku.clone()),
                    quantity: 1,
                    ..Default::default()
                }],
                address: shopify_sim::order_ops::AddressSpec { first_name: Some("Ada".into()), ..Default::default() },
                email: Some(format!("new-{i}@example.com")),
                ..Default::default()
            };
            control.create_order(&spec).expect("order placed");
        }
    };
    place(100);
    let points = run("100 new on top of 2,000", 100).await;
    println!("{:<34} {}", "", verdict(points / 100.0 <= 5.0, "target 5 points per new order"));
    place(3);
    run("3 new (read by id)", 3).await;
    let points = run("nothing new", 0).await;
    // The overlap (the five minutes before the cursor) holds the 103 orders just placed; the seed's history is older.
    println!(
        "{:<34} {:.4} points per unchanged order of the overlap ({})",
        "",
        points / 103.0,
        verdict(points / 103.0 <= 0.1, "target 0.1")
    );
    engine.flush_logs().await;
    sim.shutdown().await;
}

/// The child: a simulator with `n` orders, its variants written to `dir/links.json`, its address on stdout.
fn serve_simulator(dir: &str) {
    let orders: usize = std::env::var("ORDER_IMPORT_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_ORDERS);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let config = SimConfig {
            plan: Plan::Plus,
            seed: Seed::Orders(orders),
            access_token: Some(SecretString::from(TOKEN)),
            ..SimConfig::default()
        };
        let sim = Simulator::start(config).await.expect("simulator");
        let variants: Vec<(String, String, String, String)> = sim
            .control()
            .products()
            .into_iter()
            .flat_map(|p| {
                p.variants.into_iter().filter_map(move |v| Some((v.sku?, v.id, v.product_id, v.inventory_item_id)))
            })
            .collect();
        let file = std::path::Path::new(dir).join("links.json");
        std::fs::write(&file, serde_json::to_vec(&variants).expect("json")).expect("links file");
        println!("READY {} {}", sim.base_url(), sim.shop_domain());
        std::io::stdout().flush().expect("stdout");
        // Serve until the parent closes stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
        sim.shutdown().await;
    });
}

async fn import(orders: usize) {
    let dir = tempfile::tempdir().expect("temporary directory");
    println!("order import: {orders} orders (bulk), simulator in a child process");
    let seeded = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .env("ORDER_IMPORT_SIM_DIR", dir.path())
        .env("ORDER_IMPORT_COUNT", orders.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulator process");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("child stdout")).read_line(&mut ready).expect("simulator address");
    let mut words = ready.split_whitespace().skip(1);
    let (base_url, domain) = (words.next().expect("url").to_string(), words.next().expect("domain").to_string());
    println!("simulator seeded in {:.1} s at {base_url}", seeded.elapsed().as_secs_f64());

    let store = Arc::new(SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store"));
    let cipher = TokenCipher::new(&MasterKey::generate());
    let sealed = cipher.seal(&access_token_context(&domain, Some(&base_url)), &SecretString::from(TOKEN));
    let shop = store
        .add_shop(&NewShop {
            domain: domain.clone(),
            api_version: "2026-10".into(),
            endpoint: Some(base_url),
            access_token: Some(sealed),
        })
        .await
        .expect("shop");
    back_office(store.as_ref(), shop.id, &dir.path().join("links.json")).await;
    for (key, value) in [("order-import-from", "all"), ("customer-template", "WEB"), ("logging", "errors")] {
        store.save_setting(shop.id, key, value).await.expect("setting");
    }
    let engine = Engine::new(store.clone() as Arc<dyn Store>, cipher).expect("engine");
    let context = engine.shop(&domain).await.expect("shop context");

    let before_mb = memory_kb("VmRSS") as f64 / 1024.0;
    let progress = Phases::default();
    let started = Instant::now();
    let options = OrderSyncOptions { bulk: BulkChoice::Always, eager: false };
    let run = sync_orders(&context, &options, &progress);
    let summary = engine.run_job(&context, "orders", JobTrigger::Manual, &progress, run).await.expect("sync orders");
    let wall = started.elapsed().as_secs_f64();
    let import_start = progress.started("importing orders").unwrap_or(started);
    let import = import_start.elapsed().as_secs_f64();
    let export = wall - import;
    let peak_mb = memory_kb("VmHWM") as f64 / 1024.0;
    let imported: u64 = summary.notes.get("orders read").and_then(|n| n.parse().ok()).unwrap_or(0);
    assert_eq!(imported as usize, orders, "every order read: {summary}");

    let rate = orders as f64 / wall;
    let import_rate = orders as f64 / import;
    println!("{summary}");
    for (fact, value) in &summary.notes {
        println!("  {fact}: {value}");
    }
    println!(
        "end to end: {wall:.2} s = {rate:.0} orders/s ({}); Shopify's export {export:.2} s, import {import:.2} s = \
         {import_rate:.0} orders/s",
        verdict(rate >= TARGET_RATE, &format!("target {TARGET_RATE:.0}"))
    );
    println!(
        "memory: peak {peak_mb:.0} MB resident ({}), {before_mb:.0} MB before the run",
        verdict(peak_mb <= TARGET_MB, &format!("target {TARGET_MB:.0} MB"))
    );

    let again = Instant::now();
    let options = OrderSyncOptions { bulk: BulkChoice::Never, eager: false };
    let run = sync_orders(&context, &options, &progress);
    let second = engine.run_job(&context, "orders", JobTrigger::Manual, &progress, run).await.expect("second sync");
    println!("incremental run with nothing new: {:.2} s; {second}", again.elapsed().as_secs_f64());

    engine.flush_logs().await;
    drop(child.stdin.take());
    let _ = child.wait();
}

fn verdict(met: bool, target: &str) -> String {
    format!("{target}: {}", if met { "met" } else { "NOT met" })
}

/// 2,000 items of five variants with the simulator's SKUs, each variant linked to its Shopify variant, and a
/// complete customer template.
async fn back_office(store: &SqliteStore, shop_id: i64, links_file: &std::path::Path) {
    let variants: Vec<(String, String, String, String)> =
        serde_json::from_slice(&std::fs::read(links_file).expect("links file")).expect("links json");
    let mut by_product: BTreeMap<String, Vec<&(String, String, String, String)>> = BTreeMap::new();
    for variant in &variants {
        by_product.entry(variant.2.clone()).or_default().push(variant);
    }
    let items: Vec<ItemInput> = by_product
        .values()
        .enumerate()
        .map(|(n, variants)| ItemInput {
            number: format!("I-{:05}", n + 1),
            name: format!("Item {}", n + 1),
            status: ItemStatus::Active,
            inventory_tracked: true,
            variants: variants
                .iter()
                .enumerate()
                .map(|(i, v)| VariantInput {
                    code: v.0.clone(),
                    sku: v.0.clone(),
                    position: i as i64,
                    ..VariantInput::default()
                })
                .collect(),
            ..ItemInput::default()
        })
        .collect();
    for chunk in items.chunks(500) {
        store.upsert_items(chunk).await.expect("items");
    }
    let skus: Vec<String> = variants.iter().map(|v| v.0.clone()).collect();
    let owners = store.variants_by_skus(&skus).await.expect("variants");
    let id_of: BTreeMap<&str, i64> = owners.iter().map(|o| (o.variant.sku.as_str(), o.variant.id)).collect();
    let now = shopsync_core::time::now_text();
    let links: Vec<VariantLink> = variants
        .iter()
        .filter_map(|(sku, variant, product, inventory_item)| {
            Some(VariantLink {
                variant_id: *id_of.get(sku.as_str())?,
                shopify_variant_id: variant.clone(),
                shopify_product_id: product.clone(),
                shopify_inventory_item_id: Some(inventory_item.clone()),
                last_price: None,
                last_compare_at_price: None,
                linked_at: now.clone(),
            })
        })
        .collect();
    store.save_variant_links(shop_id, &links).await.expect("links");
    let fields: BTreeMap<String, String> = [
        ("customer_posting_group", "DOMESTIC"),
        ("gen_bus_posting_group", "RETAIL"),
        ("vat_bus_posting_group", "EU"),
        ("payment_terms_code", "PREPAID"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    store.save_customer_template("WEB", None, &fields).await.expect("template");
    println!("back office: {} items, {} variants linked", items.len(), links.len());
}

/// A field of `/proc/self/status` in kB (0 where there is no procfs).
fn memory_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Records when each phase started.
#[derive(Default)]
struct Phases {
    started: Mutex<Vec<(String, Instant)>>,
}

impl Phases {
    fn started(&self, name: &str) -> Option<Instant> {
        let started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        started.iter().rev().find(|(n, _)| n == name).map(|(_, at)| *at)
    }
}

impl Progress for Phases {
    fn phase(&self, name: &str, _: Option<u64>) {
        self.started.lock().unwrap_or_else(|p| p.into_inner()).push((name.to_string(), Instant::now()));
    }
    fn advance(&self, _: u64) {}
    fn note(&self, _: &str) {}
}
