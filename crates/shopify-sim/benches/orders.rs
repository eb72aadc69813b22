//! Orders served per second and memory with 100,000 orders (`Seed::Orders(100_000)` over the
//! large catalog), so the simulator is never the bottleneck of an import benchmark.
//!
//! Run with `cargo bench -p shopify-sim --bench orders`. Prints:
//! - seeding time and RSS growth for the large catalog alone and with 100,000 orders,
//! - orders per second in pages of 250 with their line items, sorted by `UPDATED_AT` (the
//!   single-query cost limit is lifted for this: Shopify would refuse such a page, a connector
//!   pages smaller or runs a bulk operation),
//! - the same with two clients at once,
//! - orders per second through the client's own `OrdersPage` document (two full orders a page,
//!   under the real limit), for a bounded number of pages,
//! - the time of an incremental first page (`updated_at:>=` near the end of the history).
//!
//! Bounded: a fixed number of passes, on 127.0.0.1 only, two worker threads.

use std::time::Instant;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{BucketConfig, Seed, SimConfig, Simulator};

const ORDERS: usize = 100_000;

const PAGE_250: &str = "query Orders($after: String, $query: String) {
  orders(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id name email createdAt updatedAt processedAt cancelledAt tags
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      shippingAddress { countryCodeV2 zip city }
      customer { id }
      lineItems(first: 10) {
        nodes {
          id sku quantity currentQuantity requiresShipping
          variant { id }
          originalUnitPriceSet { shopMoney { amount } }
          taxLines { rate priceSet { shopMoney { amount } } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}";

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds this process used so far (user + system), to report throughput per core even
/// when other work shares the machine.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
            let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// Pages through `orders` until the end or `max_pages`; returns (orders, pages, line items).
async fn pass(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    filter: Option<&str>,
    max_pages: usize,
) -> (usize, usize, usize) {
    let mut after: Option<String> = None;
    let (mut orders, mut pages, mut lines) = (0, 0, 0);
    while pages < max_pages {
        let body: Value = client
            .post(url)
            .header("X-Shopify-Access-Token", token)
            .json(&json!({ "query": query, "variables": { "after": after, "query": filter } }))
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("JSON");
        let connection = &body["data"]["orders"];
        let nodes = connection["nodes"].as_array().unwrap_or_else(|| panic!("no page: {body}"));
        orders += nodes.len();
        lines += nodes.iter().map(|order| order["lineItems"]["nodes"].as_array().map_or(0, Vec::len)).sum::<usize>();
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = connection["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    (orders, pages, lines)
}

/// The client's OrdersPage document with its fragments, as the client assembles it.
fn client_orders_page() -> String {
    let dir = format!("{}/../shopify-admin/graphql", env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(format!("{dir}/{path}")).expect("client document");
    format!(
        "{}\n{}\n{}",
        read("orders_page.graphql"),
        read("fragments/order.graphql"),
        read("fragments/line_item.graphql")
    )
}

fn unlimited() -> BucketConfig {
    BucketConfig { maximum_available: 1.0e12, restore_rate: 1.0e12 }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        shopify_schema::latest();
        let base = rss_kib();
        let started = Instant::now();
        let catalog_only = Simulator::start(SimConfig { seed: Seed::Large, bucket: Some(unlimited()), ..SimConfig::default() })
            .await
            .expect("simulator starts");
        let catalog_kib = rss_kib().saturating_sub(base);
        println!(
            "large catalog alone: seeded in {:.0} ms, RSS +{:.1} MiB",
            started.elapsed().as_secs_f64() * 1000.0,
            catalog_kib as f64 / 1024.0
        );
        catalog_only.shutdown().await;

        let before = rss_kib();
        let started = Instant::now();
        let sim = Simulator::start(SimConfig {
            seed: Seed::Orders(ORDERS),
            bucket: Some(unlimited()),
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let with_orders_kib = rss_kib().saturating_sub(before);
        println!(
            "large catalog + {ORDERS} orders: seeded in {:.0} ms, RSS +{:.1} MiB ({:.2} KiB per order over the catalog)",
            started.elapsed().as_secs_f64() * 1000.0,
            with_orders_kib as f64 / 1024.0,
            with_orders_kib.saturating_sub(catalog_kib) as f64 / ORDERS as f64
        );

        let client = reqwest::Client::new();
        let url = sim.graphql_url("2026-10");
        let token = sim.access_token().expose_secret().to_string();
        shopify_sim::graphql::override_max_query_cost_for_benchmarks(Some(1_000_000));

        // Warm-up: document cache, allocator.
        pass(&client, &url, &token, PAGE_250, None, 20).await;

        let rounds = 2;
        let cpu = cpu_seconds();
        let started = Instant::now();
        let (mut served, mut pages, mut lines) = (0, 0, 0);
        for _ in 0..rounds {
            let (orders, page_count, line_count) = pass(&client, &url, &token, PAGE_250, None, usize::MAX).await;
            served += orders;
            pages += page_count;
            lines += line_count;
        }
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        println!(
            "orders sorted by UPDATED_AT, pages of 250 with line items: {:.0} orders/s ({pages} pages, {:.1} ms/page, {:.1} lines/order); \
             {:.0} orders per CPU-second (server and benchmark client together)",
            served as f64 / seconds,
            seconds * 1000.0 / pages as f64,
            lines as f64 / served as f64,
            served as f64 / cpu.max(0.001)
        );
        assert_eq!(served, ORDERS * rounds, "every order once per pass");

        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tasks.push(tokio::spawn(async move { pass(&client, &url, &token, PAGE_250, None, usize::MAX).await.0 }));
        }
        let mut served = 0;
        for task in tasks {
            served += task.await.expect("task");
        }
        println!("2 concurrent clients, pages of 250 with line items: {:.0} orders/s", served as f64 / started.elapsed().as_secs_f64());

        let started = Instant::now();
        let filter = "updated_at:>='2026-08-25T00:00:00Z'";
        let (orders, _, _) = pass(&client, &url, &token, PAGE_250, Some(filter), 1).await;
        println!(
            "incremental first page ({filter}): {orders} orders in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );

        shopify_sim::graphql::override_max_query_cost_for_benchmarks(None);
        let document = client_orders_page();
        let max_pages = 1000;
        let started = Instant::now();
        let (served, pages, _) = pass(&client, &url, &token, &document, Some("updated_at:>='2020-01-01T00:00:00Z'"), max_pages).await;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "client OrdersPage document (2 full orders a page, real cost limit): {:.0} orders/s ({pages} pages, {:.2} ms/page)",
            served as f64 / seconds,
            seconds * 1000.0 / pages as f64
        );
        println!("RSS now {:.1} MiB", rss_kib() as f64 / 1024.0);
        sim.shutdown().await;
    });
}
