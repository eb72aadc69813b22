//! Bulk export: objects written per second and peak memory of `bulkOperationRunQuery`.
//!
//! Run with `cargo bench -p shopify-sim --bench bulk`. Prints, for each export:
//! - time from `bulkOperationRunQuery` to `COMPLETED` (polling `bulkOperation(id:)` every 20 ms),
//! - objects (JSONL lines) written per second, the file size, and the download time,
//! - the peak RSS growth during the export (the kernel's high-water mark is reset first).
//!
//! Exports: 10,000 variants (`productVariants` of the large seed), 2,000 products with their
//! 10,000 variants as nested lines, and 100,000 orders with their line items
//! (`Seed::Orders(100_000)`; skip it with `SIM_BENCH_SKIP_ORDERS=1`).
//!
//! Bounded: one run per export, on 127.0.0.1 only, two worker threads.

use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{BucketConfig, Seed, SimConfig, SimHandle, Simulator};

const RUN: &str = "mutation Run($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { message } }
}";

const READ: &str = "query Read($id: ID!) {
  bulkOperation(id: $id) { status errorCode objectCount rootObjectCount fileSize url }
}";

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS (`VmHWM`) so the next reading is the peak of what follows (Linux).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

async fn post(client: &reqwest::Client, sim: &SimHandle, query: &str, variables: Value) -> Value {
    client
        .post(sim.graphql_url("2026-10"))
        .header("X-Shopify-Access-Token", sim.access_token().expose_secret())
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON")
}

async fn export(client: &reqwest::Client, sim: &SimHandle, label: &str, query: &str) {
    let baseline = status_kib("VmRSS:");
    let peak_reset = reset_peak();
    let started = Instant::now();
    let run = post(client, sim, RUN, json!({ "query": query })).await;
    let id = run["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not started: {run}"))
        .to_string();
    let operation = loop {
        let read = post(client, sim, READ, json!({ "id": id })).await;
        let operation = read["data"]["bulkOperation"].clone();
        if operation["status"] == "COMPLETED" || operation["status"] == "FAILED" {
            break operation;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "export took over 10 minutes: {operation}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let elapsed = started.elapsed();
    let peak = status_kib("VmHWM:");
    assert_eq!(operation["status"], "COMPLETED", "{operation}");
    let objects: u64 = operation["objectCount"].as_str().and_then(|count| count.parse().ok()).unwrap_or(0);
    let roots: u64 = operation["rootObjectCount"].as_str().and_then(|count| count.parse().ok()).unwrap_or(0);
    let bytes: u64 = operation["fileSize"].as_str().and_then(|size| size.parse().ok()).unwrap_or(0);

    let downloaded = Instant::now();
    let mut response = client.get(operation["url"].as_str().expect("url")).send().await.expect("download");
    let (mut lines, mut received) = (0u64, 0u64);
    while let Some(chunk) = response.chunk().await.expect("body") {
        received += chunk.len() as u64;
        lines += chunk.iter().filter(|byte| **byte == b'\n').count() as u64;
    }
    assert_eq!((lines, received), (objects, bytes), "the file holds what the operation reports");
    let download = downloaded.elapsed();

    println!("{label}:");
    println!(
        "  {objects} objects ({roots} root) in {:.2} s = {:.0} objects/s written; {:.1} MiB file",
        elapsed.as_secs_f64(),
        objects as f64 / elapsed.as_secs_f64(),
        bytes as f64 / 1_048_576.0
    );
    println!(
        "  download: {:.2} s ({:.0} MiB/s)",
        download.as_secs_f64(),
        bytes as f64 / 1_048_576.0 / download.as_secs_f64()
    );
    if peak_reset {
        println!("  peak RSS growth during the export: {:.1} MiB", peak.saturating_sub(baseline) as f64 / 1024.0);
    } else {
        println!("  peak RSS: {:.1} MiB (could not reset the high-water mark)", peak as f64 / 1024.0);
    }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        shopify_schema::latest();
        let client = reqwest::Client::new();
        let generous = BucketConfig { maximum_available: 1e9, restore_rate: 1e9 };

        let sim = Simulator::start(SimConfig { seed: Seed::Large, bucket: Some(generous), ..SimConfig::default() })
            .await
            .expect("simulator");
        export(
            &client,
            &sim,
            "10,000 variants (productVariants, flat)",
            "{ productVariants { edges { node { id sku barcode price compareAtPrice inventoryQuantity updatedAt product { id } } } } }",
        )
        .await;
        export(
            &client,
            &sim,
            "2,000 products with 10,000 variants (nested, __parentId)",
            "{ products { edges { node { id title handle status tags updatedAt variants { edges { node { id sku price inventoryQuantity } } } } } } }",
        )
        .await;
        sim.shutdown().await;

        if std::env::var_os("SIM_BENCH_SKIP_ORDERS").is_some() {
            return;
        }
        let seeding = Instant::now();
        let before = status_kib("VmRSS:");
        let sim =
            Simulator::start(SimConfig { seed: Seed::Orders(100_000), bucket: Some(generous), ..SimConfig::default() })
                .await
                .expect("simulator");
        println!(
            "seeded 100,000 orders in {:.1} s (+{:.0} MiB RSS)",
            seeding.elapsed().as_secs_f64(),
            status_kib("VmRSS:").saturating_sub(before) as f64 / 1024.0
        );
        export(
            &client,
            &sim,
            "100,000 orders with line items (nested, __parentId)",
            "{ orders { edges { node { id name createdAt updatedAt displayFinancialStatus totalPriceSet { shopMoney { amount currencyCode } } lineItems { edges { node { id sku quantity originalUnitPriceSet { shopMoney { amount } } } } } } } } }",
        )
        .await;
        sim.shutdown().await;
    });
}
