//! Webhook intake on loopback: N signed deliveries, each verified, deduplicated, stored and acknowledged, sent
//! with a bounded concurrency; prints deliveries per second and the p50/p99 latency of one delivery.
//!
//! `cargo bench -p shopsync-web` (release profile). `BENCH_DELIVERIES` (default 20,000) and `BENCH_CONCURRENCY`
//! (default 32) change the load. The client runs in the same process as the server, on the same cores, so the
//! figures are a lower bound of what the server alone does. The topic is `inventory_levels/update`, which is
//! stored and marked processed but starts no flow: what is measured is the intake, not a sync.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use shopsync_core::secret::{access_token_context, app_secret_context};
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{AppCredentials, AppStore, NewShop, ShopStore, SqliteStore};
use shopsync_sync::Engine;
use shopsync_sync::webhooks::Intake;

const SECRET: &str = "shpss_bench_secret";
const SHOP: &str = "bench.myshopify.com";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let deliveries = env_number("BENCH_DELIVERIES", 20_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(deliveries, concurrency));
}

async fn run(deliveries: usize, concurrency: usize) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store"));
    let cipher = TokenCipher::new(&MasterKey::generate());
    let token = SecretString::from("shpat_unused".to_string());
    store
        .add_shop(&NewShop {
            domain: SHOP.into(),
            api_version: "2026-10".into(),
            endpoint: None,
            access_token: Some(cipher.seal(&access_token_context(SHOP, None), &token)),
        })
        .await
        .expect("shop");
    store
        .set_app_credentials(&AppCredentials {
            client_id: "bench".into(),
            client_secret: cipher.seal(&app_secret_context("bench", false), &SecretString::from(SECRET.to_string())),
            previous_client_secret: None,
            updated_at: String::new(),
        })
        .await
        .expect("app credentials");
    let engine = Arc::new(Engine::new(store.clone(), cipher).expect("engine"));
    let verifier = engine.webhook_verifier().await.expect("verifier");
    let intake = Intake::new(engine.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let url = format!("http://{}/webhooks/shopify", listener.local_addr().expect("address"));
    tokio::spawn(shopsync_web::serve(listener, shopsync_web::router(intake.clone(), verifier), std::future::pending()));

    // A realistic body: an inventory level is small, an order is a few kilobytes; take 2 KB.
    let body =
        format!(r#"{{"inventory_item_id":271878346596884015,"location_id":24826418,"pad":"{}"}}"#, "x".repeat(2000));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");

    let send = |n: usize| {
        let (client, url, body, signature) = (client.clone(), url.clone(), body.clone(), signature.clone());
        async move {
            let started = Instant::now();
            let answer = client
                .post(url)
                .header("X-Shopify-Topic", "inventory_levels/update")
                .header("X-Shopify-Shop-Domain", SHOP)
                .header("X-Shopify-Hmac-Sha256", signature)
                .header("X-Shopify-Event-Id", format!("event-{n}"))
                .body(body)
                .send()
                .await
                .expect("delivery sent");
            assert_eq!(answer.status(), 200, "delivery {n} refused");
            started.elapsed()
        }
    };
    // Warm-up: connections open, statements prepared.
    let warm: Vec<Duration> = futures::stream::iter(0..500).map(send).buffer_unordered(concurrency).collect().await;
    drop(warm);

    let started = Instant::now();
    let mut latencies: Vec<Duration> =
        futures::stream::iter(500..500 + deliveries).map(send).buffer_unordered(concurrency).collect().await;
    let elapsed = started.elapsed();
    intake.finish().await;
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let rate = deliveries as f64 / elapsed.as_secs_f64();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "webhook intake: {deliveries} deliveries, concurrency {concurrency}, {cores} cores (client in the same process)"
    );
    println!("  {rate:.0} deliveries/s over {:.2} s", elapsed.as_secs_f64());
    println!(
        "  latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
}
