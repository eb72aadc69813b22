//! `shopsync demo`: everything shopsync does, in a few seconds, with nothing to set up.
//!
//! It starts the local Shopify simulator with a seeded store, sets up a fresh back office (SQLite) with items
//! that match some of the store's products and not others, prices, stock in two warehouses and a customer
//! template, connects the store with the settings a real merchant would choose, and runs every flow in order:
//! products, inventory, customers, orders, then shipments back as fulfillments. It ends with a summary (what
//! synced, what was skipped, the order errors by code with their remedies, the API cost spent and the share of
//! the rate limit used) and the commands to look further. Without `--no-serve` the simulated store keeps
//! running so those commands can be tried against it until Ctrl-C, and the web console is served on a free port of
//! 127.0.0.1 with a one-time operator login printed once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use shopify_sim::{Plan, Seed, SimConfig, SimHandle, Simulator};
use shopsync_core::Flow;
use shopsync_core::order_errors::OrderRef;
use shopsync_core::secret::access_token_context;
use shopsync_store::orders::{NewShipment, OrderFilter, SalesOrderLine, ShipmentLineInput};
use shopsync_store::{JobTrigger, NewShop, PriceListInput, Store};
use shopsync_sync::app;
use shopsync_sync::import::{ImportOptions, import_bundles, import_items, import_prices, import_stock};
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::{Engine, FlowSummary, ShopContext};

use super::progress::Bars;
use crate::context::DataDir;
use crate::exit::Failure;

const ITEMS: &[u8] = include_bytes!("../../demo/items.csv");
const PRICES: &[u8] = include_bytes!("../../demo/prices.csv");
const STOCK: &[u8] = include_bytes!("../../demo/stock.csv");
const BUNDLES: &[u8] = include_bytes!("../../demo/bundles.csv");

/// The destinations the demo shop imports orders for; the simulator's demo orders to other countries show
/// DESTINATION_NOT_ALLOWED.
const COUNTRIES: &str = "US,CA,GB,DE,NL,FR,BE";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Exit after the summary instead of keeping the simulated store running.
    #[arg(long)]
    no_serve: bool,
    /// The simulated store's Shopify plan, which sets its API rate limit.
    #[arg(long, default_value = "standard")]
    plan: Plan,
}

pub async fn run(data_dir: Option<&Path>, database_url: Option<&str>, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (dir, _temporary) = demo_directory(data_dir, database_url.is_some())?;
    let data_dir = DataDir::resolve(Some(&dir), database_url)?;
    data_dir.initialise()?;

    let sim = Simulator::start(SimConfig {
        plan: args.plan,
        seed: Seed::Demo,
        currency: "USD".to_string(),
        ..SimConfig::default()
    })
    .await?;
    // The embedded default, or the PostgreSQL database named, which must hold no hub yet.
    let store: Arc<dyn Store> = match database_url {
        Some(_) => {
            let store = data_dir.open_store().await?;
            if !store.shops().await?.is_empty() {
                return Err(Failure::usage(format!(
                    "{} already holds a shopsync hub; the demo sets up a fresh back office, so give it an empty \
                     database",
                    data_dir.database_label()
                )));
            }
            store
        }
        None => Arc::new(shopsync_store::SqliteStore::open(&data_dir.database()).await?),
    };
    let engine = Engine::new(store.clone(), data_dir.cipher()?)?;
    let domain = sim.shop_domain().to_string();
    let backend = if database_url.is_some() { "PostgreSQL" } else { "SQLite" };

    println!("shopsync demo");
    println!("  simulated Shopify store  {domain} ({} plan) at {}", plan_name(args.plan), sim.base_url());
    println!("  back office ({backend}){:width$}{}", "", data_dir.database_label(), width = 11 - backend.len());
    println!();

    connect_shop(&data_dir, store.as_ref(), &sim).await?;
    let catalog = seed_back_office(store.as_ref(), &sim).await?;
    println!(
        "Back office: {} items with {} SKUs ({} also sold in the Shopify store), prices, stock in 2 warehouses, \
         customer template WEB.",
        catalog.items, catalog.skus, catalog.matching
    );
    println!();

    let shop = engine.shop(&domain).await?;
    let bars = Bars::new();
    let mut results: Vec<(&str, FlowSummary)> = Vec::new();
    let flows_started = Instant::now();
    let mut shipped = 0;

    for flow in Flow::ALL {
        if flow == Flow::Fulfillments {
            shipped = ship_some_orders(store.as_ref(), &shop).await?;
        }
        let summary = app::run_flow(&engine, &shop, flow, JobTrigger::Manual, BulkChoice::Auto, &bars)
            .await
            .with_context(|| format!("the demo's {flow} sync failed"))?;
        results.push((flow.as_str(), summary));
    }
    bars.finish();
    let elapsed = flows_started.elapsed();
    engine.flush_logs().await;

    println!();
    println!("What happened");
    for (flow, summary) in &results {
        println!("  {flow:<13} {summary}");
    }
    println!(
        "  {:<13} {shipped} back-office shipments created for synced orders, then sent as fulfillments",
        "shipments"
    );
    println!();
    print_orders(store.as_ref(), &shop).await?;
    print_cost(&shop, &results, elapsed.as_secs_f64());

    let prefix = match database_url {
        // The address may hold a password: the commands name the variable instead.
        Some(_) => format!("shopsync --data-dir {} --database-url \"$SHOPSYNC_DATABASE_URL\"", shell_path(&dir)),
        None => format!("shopsync --data-dir {}", shell_path(&dir)),
    };
    println!();
    println!("Look further");
    println!("  {prefix} orders list --shop {domain} --status error");
    if let Some(name) = first_order_with_errors(store.as_ref(), &shop).await? {
        println!("  {prefix} orders show --shop {domain} '{name}'");
    }
    println!("  {prefix} items errors --shop {domain}");
    println!("  {prefix} capture list --shop {domain} --type order");
    println!("  {prefix} log list --shop {domain}");
    println!("  {prefix} jobs --shop {domain}");
    println!();
    println!("The demo took {:.1} s.", started.elapsed().as_secs_f64());

    if args.no_serve {
        sim.shutdown().await;
        if _temporary.is_some() {
            println!("The demo's data directory was temporary and is gone; pass --data-dir DIR to keep it.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let console = start_console(engine, store.as_ref()).await?;
    println!();
    println!("The simulated store keeps running at {} until you press Ctrl-C.", sim.base_url());
    println!();
    println!("Web console: {}", console.url);
    println!("  log in as {} with the one-time password {}", console.user, console.password);
    println!("  (an operator made for this demo; the password is not shown again)");
    println!("Try the commands above in another terminal, or change something and sync again, e.g.:");
    println!("  {prefix} shop set {domain} order-countries all");
    println!("  {prefix} sync orders --shop {domain}");
    println!("  {prefix} sync products --shop {domain} --dry-run");
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    console.server.abort();
    sim.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The console the demo serves while the simulated store runs.
struct DemoConsole {
    url: String,
    user: String,
    password: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves the web console on a free port of 127.0.0.1, with a new operator `demo` whose random password is
/// printed once.
async fn start_console(engine: Engine, store: &dyn Store) -> anyhow::Result<DemoConsole> {
    let password = shopsync_sync::app::users::random_token()[..24].to_string();
    let (user, _) =
        shopsync_sync::app::users::add_user(store, "demo", shopsync_store::UserRole::Operator, &password).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1")?;
    let url = format!("http://{}", listener.local_addr()?);
    let intake = shopsync_sync::webhooks::Intake::new(Arc::new(engine));
    let router = shopsync_web::router(intake, None);
    let server = tokio::spawn(shopsync_web::serve(listener, router, std::future::pending()));
    Ok(DemoConsole { url, user: user.name, password, server })
}

/// The demo's data directory: the one given (which must not hold a database yet, unless the data goes to
/// PostgreSQL and the directory only keeps the key), or a temporary one.
fn demo_directory(given: Option<&Path>, postgres: bool) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    match given {
        Some(path) => {
            if !postgres && path.join(crate::context::DATABASE_FILE).exists() {
                return Err(Failure::usage(format!(
                    "{} already holds a shopsync database; the demo sets up a fresh back office, so pass an empty \
                     or new --data-dir",
                    path.display()
                )));
            }
            Ok((path.to_path_buf(), None))
        }
        None => {
            let temporary = tempfile::Builder::new().prefix("shopsync-demo-").tempdir()?;
            Ok((temporary.path().to_path_buf(), Some(temporary)))
        }
    }
}

/// Connects the simulated store with the settings a merchant would choose for it.
async fn connect_shop(data_dir: &DataDir, store: &dyn Store, sim: &SimHandle) -> anyhow::Result<()> {
    let domain = sim.shop_domain();
    let sealed = data_dir.cipher()?.seal(&access_token_context(domain, Some(sim.base_url())), &sim.access_token());
    let shop = store
        .add_shop(&NewShop {
            domain: domain.to_string(),
            api_version: shopify_admin::API_VERSION.to_string(),
            endpoint: Some(sim.base_url().to_string()),
            access_token: Some(sealed),
        })
        .await?;
    let locations = sim.control().locations();
    let location = |name: &str| {
        locations.iter().find(|l| l.name == name).map(|l| l.id.clone()).unwrap_or_else(|| locations[0].id.clone())
    };
    let location_map = format!("MAIN={},WEST={}", location("Main Warehouse"), location("Retail Store"));
    let mut settings = store.settings(shop.id).await?;
    for (key, value) in [
        ("allow-data-sync-to-shopify", "on"),
        ("price-list", "RETAIL"),
        ("location-map", location_map.as_str()),
        ("customer-template", "WEB"),
        ("order-countries", COUNTRIES),
        ("order-import-from", "all"),
        ("approval-hold-tag", "GlobalE"),
        ("approval-tag", "Globale::Approved"),
    ] {
        settings.set(key, value)?;
        store.save_setting(shop.id, key, &settings.get(key).unwrap_or_default()).await?;
    }
    Ok(())
}

struct DemoCatalog {
    items: u64,
    skus: u64,
    matching: usize,
}

/// Imports the demo back office: the same CSV files and import code as `shopsync items import` and friends.
/// The SKUs "also sold in the Shopify store" are the ones the simulated store has, asked of it.
async fn seed_back_office(store: &dyn Store, sim: &SimHandle) -> anyhow::Result<DemoCatalog> {
    let options = ImportOptions::default();
    let items = import_items(store, ITEMS, options).await?;
    let price_list =
        PriceListInput { code: "RETAIL".into(), name: Some("Retail".into()), currency: Some("USD".into()) };
    for report in [
        &items,
        &import_prices(store, &price_list, PRICES, options).await?,
        &import_stock(store, STOCK, options).await?,
        &import_bundles(store, BUNDLES, options).await?,
    ] {
        if report.has_errors() {
            return Err(anyhow::anyhow!("the demo's {} file has errors: {:?}", report.records, report.errors));
        }
    }
    let fields: BTreeMap<String, String> = [
        ("customer_posting_group", "DOMESTIC"),
        ("gen_bus_posting_group", "RETAIL"),
        ("vat_bus_posting_group", "DOMESTIC"),
        ("payment_terms_code", "PREPAID"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    store.save_customer_template("WEB", Some("Web shop customers"), &fields).await?;
    let all = store.items(&Default::default()).await?;
    let skus: Vec<String> = all.iter().flat_map(|item| item.variants.iter().map(|v| v.sku.clone())).collect();
    let in_store: std::collections::BTreeSet<String> =
        sim.control().products().into_iter().flat_map(|p| p.variants).filter_map(|v| v.sku).collect();
    let matching = skus.iter().filter(|sku| in_store.contains(*sku)).count();
    Ok(DemoCatalog { items: all.len() as u64, skus: skus.len() as u64, matching })
}

/// Ships some synced orders in the back office, one of them partially, so the fulfillment flow has work.
async fn ship_some_orders(store: &dyn Store, shop: &ShopContext) -> anyhow::Result<usize> {
    let synced = store
        .shopify_orders(
            shop.shop.id,
            &OrderFilter { status: Some(shopsync_core::order_errors::OrderStatus::Synced), ..Default::default() },
        )
        .await?;
    let mut shipped = 0;
    for (n, order) in synced.iter().filter(|o| o.sales_order_id.is_some()).enumerate() {
        if shipped == 3 {
            break;
        }
        let Some(sales_order) = store.sales_order_by_id(order.sales_order_id.unwrap_or_default()).await? else {
            continue;
        };
        let lines: Vec<&SalesOrderLine> = sales_order
            .lines
            .iter()
            .filter(|l| l.kind == shopsync_store::orders::LineKind::Item && l.quantity > l.quantity_shipped)
            .collect();
        if lines.is_empty() {
            continue;
        }
        // The first shipment is partial (one unit of the first line), the others ship everything.
        let partial = shipped == 0 && (lines.len() > 1 || lines[0].quantity > 1);
        let shipment_lines = if partial {
            vec![ShipmentLineInput { sales_order_line_id: lines[0].id, quantity: 1 }]
        } else {
            lines
                .iter()
                .map(|l| ShipmentLineInput { sales_order_line_id: l.id, quantity: l.quantity - l.quantity_shipped })
                .collect()
        };
        store
            .create_shipment(&NewShipment {
                sales_order_id: sales_order.id,
                lines: shipment_lines,
                tracking_number: Some(format!("1Z999AA1012345678{n}")),
                carrier: Some("UPS".into()),
                tracking_url: Some(format!("https://www.ups.com/track?tracknum=1Z999AA1012345678{n}")),
                shipped_at: None,
            })
            .await?;
        shipped += 1;
    }
    Ok(shipped)
}

/// Orders by status, then the orders not imported by status and code, each code with one example order and its
/// remedy. An order counts once under each of its codes, as in the orders line of "What happened" (whose
/// "skipped" are the orders in error), so the two agree.
async fn print_orders(store: &dyn Store, shop: &ShopContext) -> anyhow::Result<()> {
    use shopsync_core::order_errors::OrderStatus;
    let counts = store.order_status_counts(shop.shop.id).await?;
    let counts: Vec<String> = counts.iter().map(|(status, n)| format!("{n} {status}")).collect();
    println!("Shopify orders: {}", counts.join(", "));
    let orders = store.shopify_orders(shop.shop.id, &OrderFilter { limit: 0, ..Default::default() }).await?;
    let groups = [
        (OrderStatus::Error, "in error", "held until the cause is fixed (the orders line's \"skipped\")"),
        (OrderStatus::Conflict, "in conflict", "changed in Shopify after shipping"),
        (OrderStatus::Pending, "pending", "imported by themselves once paid or approved"),
        (OrderStatus::Ignored, "ignored", "not imported, on purpose"),
    ];
    if !orders.iter().any(|o| groups.iter().any(|(status, ..)| o.status == *status)) {
        return Ok(());
    }
    println!();
    println!("Orders that were not imported, by status and reason (an order with several problems counts under each;");
    println!("each reason with an example and what to do):");
    let mut explained = std::collections::BTreeSet::new();
    for (status, label, meaning) in groups {
        let in_status: Vec<_> = orders.iter().filter(|o| o.status == status).collect();
        if in_status.is_empty() {
            continue;
        }
        // Per code: how many orders, and the first (newest) as the example.
        let mut by_code: BTreeMap<&str, (usize, &shopsync_store::orders::ShopifyOrder)> = BTreeMap::new();
        for order in &in_status {
            let codes: std::collections::BTreeSet<&str> = order.error_codes.iter().map(String::as_str).collect();
            for code in codes {
                by_code.entry(code).or_insert((0, order)).0 += 1;
            }
        }
        println!();
        let plural = if in_status.len() == 1 { "order" } else { "orders" };
        println!("{} {plural} {label}: {meaning}", in_status.len());
        for (code, (count, order)) in by_code {
            let problems = store.order_errors(shop.shop.id, &order.order_id).await?;
            let Some(problem) = problems.iter().find(|p| p.code == code).and_then(|p| p.problem().ok()) else {
                println!("  {code} x{count}");
                continue;
            };
            let report =
                problem.report(&OrderRef::new(&shop.shop.domain, &order.order_id, &order.name), &shop.settings);
            println!();
            println!("  {code} x{count}: {}", report.title);
            println!("    e.g. {}: {}", order.name, report.message);
            // A code under two statuses (payment pending next to a missing link) is explained once.
            if !explained.insert(code.to_string()) {
                println!("    (what to do: as above)");
                continue;
            }
            for (step, text) in report.remedy.iter().enumerate() {
                println!("    {}. {}", step + 1, crate::remedy::render(text));
            }
        }
    }
    Ok(())
}

fn print_cost(shop: &ShopContext, results: &[(&str, FlowSummary)], seconds: f64) {
    let cost: f64 = results.iter().map(|(_, s)| s.cost_spent).sum();
    let requests: u64 = results.iter().map(|(_, s)| s.requests).sum();
    let throttled: u64 = results.iter().map(|(_, s)| s.throttled).sum();
    let budget = shop.client().budget().snapshot();
    println!();
    match (budget.maximum, budget.restore_rate) {
        (Some(bucket), Some(rate)) => {
            let capacity = bucket + rate * seconds;
            println!(
                "API use: {requests} requests, {cost:.0} cost points in {seconds:.1} s, {throttled} throttled. The store \
                 restores {rate:.0} points/s into a bucket of {bucket:.0}: {:.0}% of the rate limit's capacity over the \
                 run was used.",
                100.0 * cost / capacity
            );
        }
        _ => println!("API use: {requests} requests, {cost:.0} cost points in {seconds:.1} s, {throttled} throttled."),
    }
}

async fn first_order_with_errors(store: &dyn Store, shop: &ShopContext) -> anyhow::Result<Option<String>> {
    let filter =
        OrderFilter { status: Some(shopsync_core::order_errors::OrderStatus::Error), limit: 1, ..Default::default() };
    Ok(store.shopify_orders(shop.shop.id, &filter).await?.first().map(|o| o.name.clone()))
}

fn plan_name(plan: Plan) -> &'static str {
    match plan {
        Plan::Standard => "standard",
        Plan::Advanced => "advanced",
        Plan::Plus => "plus",
        Plan::Enterprise => "enterprise",
    }
}

/// A path as it can be pasted into a shell.
fn shell_path(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) { text } else { format!("'{text}'") }
}
