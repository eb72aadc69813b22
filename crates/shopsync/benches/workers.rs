//! Queue workers on PostgreSQL: how fast 1, 2 and 4 `shopsync worker` processes (the real binary) empty a queue
//! of N simulated shops, and what it costs the database.
//!
//! `cargo bench -p shopsync --bench workers` (50 shops), `... -- --shops 200`, `--orders N` orders per shop (default
//! 10), `--workers N` workers per process (default 2), `--latency MS` added to every simulated answer (default 0).
//! Needs the PostgreSQL server of the tests (`SHOPSYNC_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`); each run gets a fresh database, dropped afterwards.
//!
//! Per run it prints: requests (jobs) per second and orders per second from the workers' start until the queue is
//! empty; the 99th percentile of seconds from an order's placement to its sales order; THROTTLED answers over
//! every shop; and the database's commits and rows inserted during the run (`pg_stat_database`).
//!
//! `--rate R --for S` measures the steady state instead of a backlog: with the workers running, orders are placed
//! at R per second (round robin over the shops) for S seconds, and each placement queues its shop's order sync as
//! its `orders/create` webhook would through serve (`shopsync queue add`, joining a run already waiting). The p99
//! is then the time a buyer's order takes to become a sales order at that rate.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
use shopify_sim::{Faults, Seed, SimConfig, SimHandle, Simulator};
use sqlx::Connection;

const ITEMS: &str = "\
item_number,item_name,status,vendor,option1_name,option1_value,sku,images
I-100,Everyday Hoodie,active,Fabrikam,Size,S,HOOD-S,
I-100,,,,,M,HOOD-M,
";
const PRICES: &str = "sku,price,compare_at_price\nHOOD-S,49.00,\nHOOD-M,49.00,\n";
/// The flows queued per shop: both read from Shopify (a product sync with nothing to change sends nothing).
const FLOWS: [&str; 2] = ["orders", "customers"];

struct Options {
    shops: usize,
    orders: usize,
    workers: usize,
    latency_ms: u64,
    /// Steady state: orders placed per second while the workers run (0: a backlog placed before they start).
    rate: u64,
    /// Steady state: for how many seconds orders are placed.
    seconds: u64,
}

fn options() -> Options {
    let mut options = Options { shops: 50, orders: 10, workers: 2, latency_ms: 0, rate: 0, seconds: 30 };
    let args: Vec<String> = std::env::args().collect();
    let number = |at: usize, name: &str| -> u64 {
        args.get(at + 1).and_then(|value| value.parse().ok()).unwrap_or_else(|| panic!("{name} needs a number"))
    };
    for (at, arg) in args.iter().enumerate() {
        match arg.as_str() {
            "--shops" => options.shops = number(at, "--shops") as usize,
            "--orders" => options.orders = number(at, "--orders") as usize,
            "--workers" => options.workers = number(at, "--workers") as usize,
            "--latency" => options.latency_ms = number(at, "--latency"),
            "--rate" => options.rate = number(at, "--rate"),
            "--for" => options.seconds = number(at, "--for"),
            // `cargo bench` passes --bench; anything else is not this benchmark's.
            _ => {}
        }
    }
    options
}

fn admin_url() -> String {
    std::env::var("SHOPSYNC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

async fn admin_sql(statement: String) {
    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.expect("the PostgreSQL server of the tests");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(&mut conn).await.expect("an administrative statement");
    conn.close().await.ok();
}

fn shopsync(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shopsync"));
    command
        .arg("--data-dir")
        .arg(dir)
        .env("SHOPSYNC_DATABASE_URL", url)
        .env_remove("SHOPSYNC_MASTER_KEY")
        .env_remove("SHOPSYNC_DATA_DIR");
    command
}

fn check(args: &[&str], out: Output) -> Output {
    assert!(
        out.status.success(),
        "shopsync {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn ok(dir: &Path, url: &str, args: &[&str]) -> Output {
    let mut command = shopsync(dir, url);
    command.args(args).stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    check(args, out)
}

async fn connect(dir: &Path, url: &str, sim: &SimHandle) {
    use secrecy::ExposeSecret;
    let domain = sim.shop_domain().to_string();
    let args =
        ["shop", "add", &format!("--domain={domain}"), "--token-stdin", &format!("--endpoint={}", sim.base_url())]
            .map(str::to_string);
    let mut add = shopsync(dir, url);
    add.args(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let token = sim.access_token().expose_secret().to_string();
    let out = tokio::task::spawn_blocking(move || {
        let mut child = add.spawn().unwrap();
        child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    check(&["shop", "add"], out);
    ok(dir, url, &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    ok(dir, url, &["shop", "set", &domain, "customer-template", "WEB"]).await;
    ok(dir, url, &["sync", "products", "--shop", &domain]).await;
}

/// One measured run.
struct Figures {
    processes: usize,
    requests: usize,
    orders: usize,
    seconds: f64,
    p99_seconds: f64,
    throttled: u64,
    commits: i64,
    inserted: i64,
    not_done: usize,
}

async fn database_counters(conn: &mut sqlx::PgConnection, name: &str) -> (i64, i64) {
    // The statistics are flushed by each backend a moment after its transactions: wait, then read them fresh.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sqlx::query("SELECT pg_stat_clear_snapshot()").execute(&mut *conn).await.unwrap();
    sqlx::query_as("SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn run(options: &Options, processes: usize) -> Figures {
    let name = format!("shopsync_bench_workers_{}_{processes}", std::process::id());
    admin_sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin_sql(format!("CREATE DATABASE {name}")).await;
    let admin = admin_url();
    let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(data, &url, &["init"]).await;
    std::fs::write(data.join("items.csv"), ITEMS).unwrap();
    std::fs::write(data.join("prices.csv"), PRICES).unwrap();
    ok(data, &url, &["items", "import", data.join("items.csv").to_str().unwrap()]).await;
    let prices = data.join("prices.csv");
    ok(data, &url, &["prices", "import", prices.to_str().unwrap(), "--price-list", "RETAIL", "--currency", "EUR"])
        .await;
    let template = ["templates", "set", "WEB", "customer_posting_group=DOMESTIC", "gen_bus_posting_group=WEB"];
    ok(data, &url, &[&template[..], &["vat_bus_posting_group=NATIONAL", "payment_terms_code=PREPAID"]].concat()).await;

    let mut sims = Vec::new();
    for shop in 0..options.shops {
        let config = SimConfig {
            shop_domain: format!("bench-{shop:03}.myshopify.com"),
            seed: Seed::Empty,
            ..SimConfig::default()
        };
        sims.push(Simulator::start(config).await.unwrap());
    }
    for chunk in sims.chunks(4) {
        let connecting: Vec<_> = chunk.iter().map(|sim| connect(data, &url, sim)).collect();
        for connection in connecting {
            connection.await;
        }
    }
    for sim in &sims {
        ok(data, &url, &[&["queue", "add", "--shop", sim.shop_domain()][..], &FLOWS[..]].concat()).await;
    }

    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (commits_before, inserted_before) = database_counters(&mut conn, &name).await;
    // The orders are placed last, just before the workers start: their latency is the queue's, not the setup's.
    // Keyed by shop and order id: each simulator numbers its orders from the same start.
    let mut placed: HashMap<(String, String), SystemTime> = HashMap::new();
    let backlog = if options.rate == 0 { options.orders } else { 0 };
    for (shop, sim) in sims.iter().enumerate() {
        for n in 0..backlog {
            let spec = OrderSpec {
                lines: vec![LineSpec {
                    sku: Some(if n % 2 == 0 { "HOOD-S" } else { "HOOD-M" }.into()),
                    quantity: 1,
                    ..LineSpec::default()
                }],
                address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
                email: Some(format!("buyer{n}@shop{shop}.example.com")),
                ..OrderSpec::default()
            };
            let order = sim.control().create_order(&spec).expect("the simulator places the order");
            placed.insert((sim.shop_domain().to_string(), order.id), SystemTime::now());
        }
        sim.control().set_faults(Faults { latency_ms: options.latency_ms, ..Faults::default() });
        sim.control().reset_stats();
    }
    let started = Instant::now();
    let workers: Vec<Child> = (0..processes)
        .map(|_| {
            shopsync(data, &url)
                .args(["worker", "--workers", &options.workers.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    if options.rate > 0 {
        place_steadily(options, &sims, data, &url, &mut placed).await;
    }
    // Each poll below is a transaction of its own, counted in the commits: subtracted at the end.
    let mut polls = 0;
    loop {
        polls += 1;
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_requests WHERE status NOT IN ('done', 'failed')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "the workers did not empty the queue");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    for worker in &workers {
        // SAFETY: signals a child this benchmark started and still owns.
        unsafe { libc::kill(libc::pid_t::try_from(worker.id()).unwrap(), libc::SIGTERM) };
    }
    for mut worker in workers {
        tokio::task::spawn_blocking(move || worker.wait().unwrap()).await.unwrap();
    }
    let (commits_after, inserted_after) = database_counters(&mut conn, &name).await;
    let requests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_requests").fetch_one(&mut conn).await.unwrap();
    let requests = usize::try_from(requests).unwrap_or_default();

    let not_done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_requests WHERE status <> 'done'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let imported: Vec<(String, String, f64)> = sqlx::query_as(
        "SELECT s.domain, so.shopify_order_id, extract(epoch FROM so.created_at)::float8 FROM sales_orders so \
         JOIN shops s ON s.id = so.shop_id WHERE so.shopify_order_id IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
    let mut latencies: Vec<f64> = imported
        .iter()
        .filter_map(|(shop, id, at)| {
            let placed =
                placed.get(&(shop.clone(), id.clone()))?.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs_f64();
            Some(at - placed)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let p99_seconds =
        latencies.get((latencies.len() * 99).div_ceil(100).saturating_sub(1)).copied().unwrap_or(f64::NAN);
    let throttled = sims.iter().map(|sim| sim.control().stats().throttled).sum();
    for sim in sims {
        sim.shutdown().await;
    }
    admin_sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    Figures {
        processes,
        requests,
        orders: latencies.len(),
        seconds,
        p99_seconds,
        throttled,
        // The polls, and the counters' own statement after the first reading (pg_stat_clear_snapshot).
        commits: commits_after - commits_before - polls - 1,
        inserted: inserted_after - inserted_before,
        not_done: usize::try_from(not_done).unwrap_or(usize::MAX),
    }
}

/// Places orders at `options.rate` per second over the shops, round robin, for `options.seconds`, queueing each
/// shop's order sync after its order as the order's webhook would.
async fn place_steadily(
    options: &Options,
    sims: &[SimHandle],
    data: &Path,
    url: &str,
    placed: &mut HashMap<(String, String), SystemTime>,
) {
    let total = options.rate * options.seconds;
    let every = Duration::from_secs_f64(1.0 / options.rate as f64);
    let start = Instant::now();
    let mut queueing = Vec::new();
    for n in 0..total {
        let due = start + every * u32::try_from(n).unwrap_or(u32::MAX);
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        let sim = &sims[usize::try_from(n).unwrap_or_default() % sims.len()];
        let spec = OrderSpec {
            lines: vec![LineSpec { sku: Some("HOOD-S".into()), quantity: 1, ..LineSpec::default() }],
            address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
            email: Some(format!("steady{n}@example.com")),
            ..OrderSpec::default()
        };
        let order = sim.control().create_order(&spec).expect("the simulator places the order");
        placed.insert((sim.shop_domain().to_string(), order.id), SystemTime::now());
        let (data, url, shop) = (data.to_path_buf(), url.to_string(), sim.shop_domain().to_string());
        queueing.push(tokio::spawn(async move { ok(&data, &url, &["queue", "add", "--shop", &shop, "orders"]).await }));
    }
    for queued in queueing {
        queued.await.unwrap();
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    if options.rate > 0 {
        println!(
            "{} shops, {} orders/s placed for {} s (each queueing its shop's order sync), {} workers per process, {} ms \
             simulated latency; PostgreSQL",
            options.shops, options.rate, options.seconds, options.workers, options.latency_ms
        );
    } else {
        println!(
            "{} shops x {} orders, flows {FLOWS:?}, {} workers per process, {} ms simulated latency; PostgreSQL",
            options.shops, options.orders, options.workers, options.latency_ms
        );
    }
    println!(
        "{:>9} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9} {:>8} {:>9} {:>8}",
        "processes",
        "requests",
        "seconds",
        "jobs/s",
        "orders/s",
        "p99 s",
        "THROTTLED",
        "commits",
        "inserted",
        "not done"
    );
    for processes in [1, 2, 4] {
        let figures = run(&options, processes).await;
        println!(
            "{:>9} {:>8} {:>8.2} {:>8.1} {:>9.1} {:>8.2} {:>9} {:>8} {:>9} {:>8}",
            figures.processes,
            figures.requests,
            figures.seconds,
            figures.requests as f64 / figures.seconds,
            figures.orders as f64 / figures.seconds,
            figures.p99_seconds,
            figures.throttled,
            figures.commits,
            figures.inserted,
            figures.not_done
        );
    }
}
