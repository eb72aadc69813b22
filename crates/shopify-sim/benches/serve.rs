//! Throughput and memory of the simulator with the large seed (2,000 products, 10,000 variants).
//!
//! Run with `cargo bench -p shopify-sim`. Prints:
//! - memory held by a simulator with the large seed (RSS growth),
//! - variants served per second in pages of 250 (`productVariants` with their product),
//! - products served per second in pages of 100 with 5 variants each (the largest product page
//!   under the 1,000-point query cost limit).
//!
//! Bounded: a fixed number of full passes over the catalog, on 127.0.0.1 only.

use std::time::Instant;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{BucketConfig, Seed, SimConfig, Simulator};

const VARIANT_PAGE: &str = "query Variants($after: String) {
  productVariants(first: 250, after: $after) {
    nodes { id sku barcode price compareAtPrice inventoryQuantity updatedAt product { id title handle status } }
    pageInfo { hasNextPage endCursor }
  }
}";

const PRODUCT_PAGE: &str = "query Products($after: String) {
  products(first: 100, after: $after, sortKey: UPDATED_AT) {
    nodes {
      id title handle status vendor productType tags updatedAt
      variants(first: 5) { nodes { id sku barcode price compareAtPrice inventoryQuantity } }
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

async fn pass(client: &reqwest::Client, url: &str, token: &str, query: &str, root: &str) -> (usize, usize) {
    let mut after: Option<String> = None;
    let mut items = 0;
    let mut pages = 0;
    loop {
        let body: Value = client
            .post(url)
            .header("X-Shopify-Access-Token", token)
            .json(&json!({ "query": query, "variables": { "after": after } }))
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("JSON");
        let connection = &body["data"][root];
        let nodes = connection["nodes"].as_array().unwrap_or_else(|| panic!("no page: {body}"));
        items += nodes.len();
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            return (items, pages);
        }
        after = connection["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        shopify_schema::latest();
        let before = rss_kib();
        let started = Instant::now();
        let sim = Simulator::start(SimConfig {
            seed: Seed::Large,
            bucket: Some(BucketConfig {
                maximum_available: 1.0e12,
                restore_rate: 1.0e12,
            }),
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let after = rss_kib();
        println!(
            "large seed (2,000 products / 10,000 variants): started in {:.0} ms, RSS +{:.1} MiB",
            started.elapsed().as_secs_f64() * 1000.0,
            (after.saturating_sub(before)) as f64 / 1024.0
        );

        let client = reqwest::Client::new();
        let url = sim.graphql_url("2026-10");
        let token = sim.access_token().expose_secret().to_string();
        // Warm-up: fills the document cache and the allocator.
        pass(&client, &url, &token, VARIANT_PAGE, "productVariants").await;

        let rounds = 5;
        let started = Instant::now();
        let mut served = 0;
        let mut pages = 0;
        for _ in 0..rounds {
            let (items, page_count) = pass(&client, &url, &token, VARIANT_PAGE, "productVariants").await;
            served += items;
            pages += page_count;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "productVariants, pages of 250 with product: {:.0} variants/s ({pages} pages, {:.1} ms/page)",
            served as f64 / seconds,
            seconds * 1000.0 / pages as f64
        );

        let started = Instant::now();
        let mut served = 0;
        let mut pages = 0;
        for _ in 0..rounds {
            let (items, page_count) = pass(&client, &url, &token, PRODUCT_PAGE, "products").await;
            served += items;
            pages += page_count;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "products sorted by UPDATED_AT, pages of 100 with 5 variants: {:.0} products/s ({pages} pages, {:.1} ms/page)",
            served as f64 / seconds,
            seconds * 1000.0 / pages as f64
        );

        // Concurrency: 4 clients at once over the same catalog.
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tasks.push(tokio::spawn(async move { pass(&client, &url, &token, VARIANT_PAGE, "productVariants").await.0 }));
        }
        let mut served = 0;
        for task in tasks {
            served += task.await.expect("task");
        }
        println!(
            "4 concurrent clients, pages of 250 variants: {:.0} variants/s",
            served as f64 / started.elapsed().as_secs_f64()
        );
        println!("RSS now {:.1} MiB", rss_kib() as f64 / 1024.0);
        sim.shutdown().await;
    });
}
