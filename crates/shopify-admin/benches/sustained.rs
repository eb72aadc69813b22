//! Sustained load against the simulator on the standard plan (bucket 2000,
//! 100 points/s): how much of the restore rate the cost budget turns into
//! work, and how many THROTTLED answers that costs (target: at least 95 %,
//! zero). Once with one task, once with four tasks sharing one budget.
//!
//! `cargo bench -p shopify-admin --bench sustained`; each scenario runs
//! `SHOPIFY_ADMIN_BENCH_SECS` seconds (default 30).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shopify_admin::ops::NoVariables;
use shopify_admin::ops::products::{ProductsPage, SearchPageVariables};
use shopify_admin::ops::shop::ShopInfo;
use shopify_admin::{AdminClient, CostBudget, Endpoint, PagedOperation, ShopDomain, ThrottleStatus};
use shopify_sim::{Plan, SimConfig, Simulator};
use tokio::time::Instant;

#[derive(Default)]
struct Trace {
    /// (seconds since start, actual cost) per answer.
    answers: Vec<(f64, f64)>,
    last_status: Option<(Instant, ThrottleStatus)>,
}

fn main() {
    let secs: u64 = std::env::var("SHOPIFY_ADMIN_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async {
        println!("sustained load, standard plan (bucket 2000, restore 100/s), {secs} s per scenario");
        let duration = Duration::from_secs(secs);
        // SHOPIFY_ADMIN_BENCH_ONLY=shopinfo runs the scenarios whose label contains it.
        let only = std::env::var("SHOPIFY_ADMIN_BENCH_ONLY").unwrap_or_default().to_lowercase();
        let run = |label: &str| label.to_lowercase().contains(&only);
        if run("ProductsPage, 1 task") {
            scenario("ProductsPage, 1 task", Load::ProductPages, 1, duration).await;
        }
        if run("ProductsPage, 4 tasks sharing one budget") {
            scenario("ProductsPage, 4 tasks sharing one budget", Load::ProductPages, 4, duration).await;
        }
        if run("ShopInfo (4 points each), 4 tasks sharing one budget") {
            scenario("ShopInfo (4 points each), 4 tasks sharing one budget", Load::ShopInfo, 4, duration).await;
        }
    });
}

/// What each task sends.
#[derive(Clone, Copy)]
enum Load {
    /// Pages of 5 products with variants and media (requested cost far above
    /// the actual one: the budget must hold the full requested cost).
    ProductPages,
    /// A 4-point query: 25 requests per second are needed to keep up with
    /// the restore rate, so per-request overhead shows.
    ShopInfo,
}

async fn scenario(label: &str, load: Load, tasks: usize, duration: Duration) {
    let sim = Simulator::start(SimConfig { plan: Plan::Standard, ..SimConfig::default() }).await.expect("simulator");
    let bucket = Plan::Standard.bucket();
    let budget = Arc::new(CostBudget::new());
    let trace = Arc::new(Mutex::new(Trace::default()));
    let start = Instant::now();
    let deadline = start + duration;
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let client = AdminClient::builder(ShopDomain::parse(sim.shop_domain()).expect("domain"), sim.access_token())
            .endpoint(Endpoint::development(sim.base_url()).expect("endpoint"))
            .budget(budget.clone())
            .build()
            .expect("client");
        let trace = trace.clone();
        handles.push(tokio::spawn(async move {
            let mut variables = SearchPageVariables::default();
            let mut requests = 0u64;
            while Instant::now() < deadline {
                let cost = match load {
                    Load::ProductPages => {
                        let reply = client.execute::<ProductsPage>(&variables).await.expect("page");
                        // Walk the catalog page by page, then start over.
                        let next = ProductsPage::page_info(&reply.data)
                            .filter(|p| p.has_next_page)
                            .and_then(|p| p.end_cursor.clone());
                        ProductsPage::set_after(&mut variables, next);
                        reply.cost
                    }
                    Load::ShopInfo => client.execute::<ShopInfo>(&NoVariables {}).await.expect("shop").cost,
                };
                requests += 1;
                let now = Instant::now();
                if let Some(cost) = cost {
                    let mut t = trace.lock().expect("trace");
                    t.answers.push(((now - start).as_secs_f64(), cost.actual_query_cost.unwrap_or(0.0)));
                    if let Some(status) = cost.throttle_status
                        && t.last_status.is_none_or(|(at, _)| at <= now)
                    {
                        t.last_status = Some((now, status));
                    }
                }
            }
            requests
        }));
    }
    let mut requests = 0;
    for handle in handles {
        requests += handle.await.expect("task");
    }
    let end = Instant::now();
    let elapsed = (end - start).as_secs_f64();
    let stats = sim.control().stats();
    let (last_status, answers) = {
        let trace = trace.lock().expect("trace");
        (trace.last_status, trace.answers.clone())
    };

    // Whole run: points spent beyond what the full bucket held at the start
    // (the level left at the end is added back), against what was restored.
    let level_end = last_status.map_or(0.0, |(at, s)| {
        (s.currently_available + s.restore_rate * (end - at).as_secs_f64()).min(s.maximum_available)
    });
    let from_restore = stats.cost_spent as f64 - (bucket.maximum_available - level_end);
    let share_run = from_restore / (bucket.restore_rate * elapsed);

    // Steady state: the spend rate after the first third of the run (the
    // bucket has drained to its working level by then).
    let window_start = elapsed / 3.0;
    let window: f64 = answers.iter().filter(|(t, _)| *t >= window_start).map(|(_, c)| c).sum();
    let share_steady = window / (bucket.restore_rate * (elapsed - window_start));

    let snapshot = budget.snapshot();
    println!("\n== {label}");
    println!("  requests {requests} in {elapsed:.1} s, THROTTLED answers {}", stats.throttled);
    println!("  cost spent {} points ({:.1}/s)", stats.cost_spent, stats.cost_spent as f64 / elapsed);
    println!(
        "  share of the restore rate, whole run (start bucket and end level accounted): {:.1} %",
        share_run * 100.0
    );
    println!("  share of the restore rate, steady state (last two thirds): {:.1} %", share_steady * 100.0);
    println!("  time callers spent waiting for the bucket: {:.1} s", snapshot.waited.as_secs_f64());
    sim.shutdown().await;
}
