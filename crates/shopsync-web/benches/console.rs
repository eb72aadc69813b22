//! Console pages with many orders stored: the orders page (first page of the error tab, first and a deep page of
//! the synced tab) and the dashboard, each requested N times one after the other over loopback by a logged-in
//! client; prints p50 and p99 per page. Target: under 50 ms p99 with 100,000 orders. The deep page is the middle
//! of the synced tab (page 900 of 1,800 with 100,000 orders), reached by following each page's Next link from the
//! first (keyset paging); the walk's page times are printed as well.
//!
//! `cargo bench -p shopsync-web --bench console` (release profile). `BENCH_ORDERS` (default 100,000; one in ten
//! in error with PRODUCT_NOT_LINKED) and `BENCH_REQUESTS` (default 200 per page) change the load. The orders are
//! written with one SQL statement (what the pages read, not how an import writes); the server is the real router.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{NewShop, ShopStore, SqliteStore, UserRole};
use shopsync_sync::Engine;
use shopsync_sync::webhooks::Intake;

const SHOP: &str = "bench.myshopify.com";
const PASSWORD: &str = "bench passphrase 123";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The address of a page's Next link (`<a href="..." id="page-next">`), as a browser would follow it.
fn next_link(html: &str) -> Option<String> {
    let end = html.find("\" id=\"page-next\"")?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    // The template escapes `&` (as `&#38;` or `&amp;`); the rest of a link is percent-encoded already.
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let orders = env_number("BENCH_ORDERS", 100_000);
    let requests = env_number("BENCH_REQUESTS", 200);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(orders, requests));
}

async fn run(orders: usize, requests: usize) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("shopsync.db");
    let store = Arc::new(SqliteStore::open(&path).await.expect("store"));
    let shop = store
        .add_shop(&NewShop { domain: SHOP.into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .expect("shop");
    let db = sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
        .await
        .expect("second connection");
    let started = Instant::now();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
         INSERT INTO shopify_orders (shop_id, order_id, name, status, tags, shopify_created_at, shopify_updated_at, checked_at) \
         SELECT ?1, 'gid://shopify/Order/' || i, '#' || (1000 + i), CASE WHEN i % 10 = 0 THEN 'error' ELSE 'synced' END, '[]', \
         strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i * 60) || ' seconds'), \
         strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i * 60) || ' seconds'), '2026-12-01T00:00:00.000000Z' FROM n",
    )
    .bind(shop.id)
    .bind(orders as i64)
    .execute(&db)
    .await
    .expect("orders");
    sqlx::query(
        "INSERT INTO order_errors (shop_id, order_id, code, message, detail, created_at) \
         SELECT shop_id, order_id, 'PRODUCT_NOT_LINKED', 'Line 1 is not linked to a back-office item.', \
         '{\"line\":{\"position\":1,\"title\":\"Cap - S\",\"sku\":\"SKU-1\",\"product_id\":\"gid://shopify/Product/1\",\"variant_id\":\"gid://shopify/ProductVariant/1\"}}', \
         '2026-12-01T00:00:00.000000Z' FROM shopify_orders WHERE shop_id = ? AND status = 'error'",
    )
    .bind(shop.id)
    .execute(&db)
    .await
    .expect("errors");
    sqlx::query("ANALYZE").execute(&db).await.expect("analyze");
    println!("{orders} orders stored in {:.1} s", started.elapsed().as_secs_f64());

    shopsync_sync::app::users::add_user(store.as_ref(), "bench", UserRole::Viewer, PASSWORD).await.expect("user");
    let engine = Arc::new(Engine::new(store.clone(), TokenCipher::new(&MasterKey::generate())).expect("engine"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(shopsync_web::serve(
        listener,
        shopsync_web::router(Intake::new(engine), None),
        std::future::pending(),
    ));

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = http.get(format!("{url}/login")).send().await.expect("login page");
    let token = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("shopsync_login=").map(|v| v.split(';').next().unwrap_or_default().to_string()))
        .expect("login cookie");
    let answer = http
        .post(format!("{url}/login"))
        .header("Cookie", format!("shopsync_login={token}"))
        .form(&[("csrf", token.as_str()), ("name", "bench"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let session = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("shopsync_session=").map(|v| v.split(';').next().unwrap_or_default().to_string()))
        .expect("session cookie");
    let get = |path: String| {
        let http = http.clone();
        let url = url.clone();
        let session = session.clone();
        async move {
            let answer = http
                .get(format!("{url}{path}"))
                .header("Cookie", format!("shopsync_session={session}"))
                .send()
                .await
                .expect("page");
            assert_eq!(answer.status(), 200, "{path}");
            answer.text().await.expect("body")
        }
    };
    // A page in the middle of the synced tab, reached as a person would: by its Next links from the first page
    // (keyset paging: each link names the last order of its page). The walk's own times are printed too.
    let deep = (orders * 9 / 10 / 50 / 2).max(1);
    let mut middle = format!("/orders?shop={SHOP}&status=synced");
    let mut walk = Vec::with_capacity(deep);
    for _ in 1..deep {
        let started = Instant::now();
        let html = get(middle.clone()).await;
        walk.push(started.elapsed());
        middle = next_link(&html).expect("a Next link before the middle of the tab");
    }
    walk.sort();
    if !walk.is_empty() {
        println!(
            "{:<34} p50 {:>6.1} ms  p99 {:>6.1} ms  ({} pages, each by the Next link of the one before)",
            "orders, synced tab, walk to page",
            percentile(&walk, 0.5).as_secs_f64() * 1000.0,
            percentile(&walk, 0.99).as_secs_f64() * 1000.0,
            walk.len()
        );
    }
    let middle_label = format!("orders, synced tab, page {deep}");
    for (label, path) in [
        ("orders, error tab, page 1", format!("/orders?shop={SHOP}&status=error")),
        ("orders, synced tab, page 1", format!("/orders?shop={SHOP}&status=synced")),
        (middle_label.as_str(), middle.clone()),
        ("dashboard", "/".to_string()),
    ] {
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let _ = get(path.clone()).await;
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{label:<34} p50 {:>6.1} ms  p99 {:>6.1} ms  ({requests} requests)",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0
        );
    }
}
