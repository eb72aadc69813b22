//! How fast the order import's store side is: evaluations saved in pages, as `sync orders` saves them.
//!
//! Writes 20,000 orders in pages of 250 into a fresh SQLite file (90% importable, each with a 3-line sales
//! order and a payment; 10% held with two problems), then saves the same pages again (an overlapping sync:
//! every sales order is unchanged). Prints orders per second for both and the process's peak memory.
//! Then the same on PostgreSQL, in a database created for the run on the server at `SHOPSYNC_BENCH_POSTGRES_URL`
//! (default postgres://postgres@127.0.0.1:5432/test, as `scripts/test-deps` sets up) and dropped after it.
//! Run with `cargo bench -p shopsync-store --bench order_evaluations`.

use std::time::Instant;

use shopsync_core::order_errors::{OrderLine, OrderProblem, OrderStatus};
use shopsync_store::{
    Address, LineKind, NewShop, OrderEvaluation, OrderTransactionInput, PgStore, SalesOrderInput, SalesOrderLineInput,
    ShopifyOrderInput, SqliteStore, Store,
};
use sqlx::Connection;

const ORDERS: usize = 20_000;
const PAGE: usize = 250;

fn evaluation(n: usize) -> OrderEvaluation {
    let order_id = format!("gid://shopify/Order/{}", 5_000_000 + n);
    let order = ShopifyOrderInput {
        order_id: order_id.clone(),
        name: format!("#{}", 1000 + n),
        financial_status: Some("PAID".into()),
        fulfillment_status: Some("UNFULFILLED".into()),
        cancelled_at: None,
        tags: vec!["web".into()],
        created_at: format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + n % 28, n % 24, n % 60),
        updated_at: format!("2026-11-{:02}T{:02}:{:02}:30Z", 1 + n % 28, n % 24, n % 60),
    };
    if n % 10 == 9 {
        let problems = vec![
            OrderProblem::ProductNotLinked {
                line: OrderLine {
                    position: 1,
                    title: "Mystery".into(),
                    sku: Some(format!("X-{n}")),
                    ..Default::default()
                },
            },
            OrderProblem::DestinationNotAllowed { country: "US".into() },
        ];
        return OrderEvaluation {
            order,
            status: OrderStatus::from_problems(&problems),
            problems,
            ..Default::default()
        };
    }
    let lines = (1..=3)
        .map(|i| SalesOrderLineInput {
            line_no: i,
            kind: LineKind::Item,
            sku: Some(format!("SKU-{}", (n + i as usize) % 500)),
            description: format!("Product {i}"),
            quantity: i,
            unit_price: "19.95".into(),
            discount: "0".into(),
            tax: "4.19".into(),
            shopify_line_item_id: Some(format!("gid://shopify/LineItem/{}", n * 10 + i as usize)),
            parent_line_no: None,
        })
        .collect();
    let sales_order = SalesOrderInput {
        currency: "EUR".into(),
        subtotal: "119.70".into(),
        discount_total: "0".into(),
        tax_total: "25.14".into(),
        shipping_total: "4.95".into(),
        total: "124.65".into(),
        payment_status: Some("PAID".into()),
        ship_to: Some(Address {
            name: Some("Anna Berg".into()),
            address1: Some("Keizersgracht 1".into()),
            zip: Some("1015 CJ".into()),
            city: Some("Amsterdam".into()),
            country_code: Some("NL".into()),
            ..Default::default()
        }),
        email: Some(format!("customer{n}@example.com")),
        lines,
        ..Default::default()
    };
    let payment = OrderTransactionInput {
        transaction_id: format!("gid://shopify/OrderTransaction/{n}"),
        order_id,
        kind: "SALE".into(),
        status: "SUCCESS".into(),
        gateway: Some("shopify_payments".into()),
        amount: "124.65".into(),
        currency: "EUR".into(),
        processed_at: Some("2026-11-02T10:00:00Z".into()),
    };
    OrderEvaluation {
        order,
        status: OrderStatus::Synced,
        sales_order: Some(sales_order),
        transactions: vec![payment],
        ..Default::default()
    }
}

async fn save_all(store: &dyn Store, shop: i64, pages: &[Vec<OrderEvaluation>]) -> f64 {
    let start = Instant::now();
    for page in pages {
        store.save_order_evaluations(shop, page).await.expect("page saved");
    }
    ORDERS as f64 / start.elapsed().as_secs_f64()
}

/// The process's peak resident memory, from /proc (Linux); `None` elsewhere.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let evaluations: Vec<OrderEvaluation> = (0..ORDERS).map(evaluation).collect();
        let pages: Vec<Vec<OrderEvaluation>> = evaluations.chunks(PAGE).map(<[_]>::to_vec).collect();

        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(&dir.path().join("bench.db")).await.expect("store");
        run("SQLite", &store, &pages).await;
        if let Some(mb) = peak_memory_mb() {
            println!("  peak memory      {mb:>8.0} MB (the evaluations themselves included)");
        }
        store.close().await;

        let admin = std::env::var("SHOPSYNC_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let name = format!("shopsync_bench_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL for the second half");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("db");
        let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin.clone());
        let store = PgStore::connect(&format!("{base}/{name}")).await.expect("PostgreSQL store");
        run("PostgreSQL", &store, &pages).await;
        store.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .execute(&mut conn)
            .await
            .expect("drop the bench database");
    });
}

/// Saves every page twice into `store` (a first import, then an overlapping sync) and prints both rates.
async fn run(backend: &str, store: &dyn Store, pages: &[Vec<OrderEvaluation>]) {
    let shop = NewShop { domain: "bench.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() };
    let shop = store.add_shop(&shop).await.expect("shop").id;
    let first = save_all(store, shop, pages).await;
    let again = save_all(store, shop, pages).await;
    println!("order evaluations into {backend}, {ORDERS} orders in pages of {PAGE} (90% with a 3-line sales order):");
    println!("  first import     {first:>8.0} orders/s");
    println!("  overlapping sync {again:>8.0} orders/s (every sales order unchanged)");
}
