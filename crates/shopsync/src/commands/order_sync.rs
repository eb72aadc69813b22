//! `shopsync sync customers|orders|fulfillments|all`: the inbound flows (Shopify customers and orders into the
//! back office), fulfillments back to Shopify, and every switched-on flow in order. Each runs as a job (trigger
//! `manual`) with progress bars on a terminal and a summary at the end.
//!
//! Exit codes: 0 done; 5 the sync ran but some records were held or skipped (orders in error or conflict after
//! the run, whichever run found them; customers the template cannot create, shipments Shopify refused: the output
//! lists them); 1 the sync could not run (a switch is off, writes are not allowed ...); 4 Shopify refused the
//! shop's token.

use std::process::ExitCode;

use clap::Args;
use shopsync_core::order_errors::OrderStatus;
use shopsync_store::{JobTrigger, OrderFilter, ShipmentQuery, ShipmentSyncStatus};
use shopsync_sync::catalog::{InventorySyncOptions, ProductSyncOptions, sync_inventory, sync_products};
use shopsync_sync::customers::{CustomerSyncOptions, SKIPPED_OBJECT, sync_customers};
use shopsync_sync::fulfillments::sync_fulfillments;
use shopsync_sync::orders::{BulkChoice, OrderSyncOptions, recheck_linked_skus, sync_orders};
use shopsync_sync::{Engine, FlowSummary, ShopContext, SyncError};

use super::print_json;
use super::progress::Bars;
use super::sync::flow_failure;
use crate::exit::Failure;

/// Exit code when the sync ran but some records were held or skipped.
const EXIT_SKIPPED: u8 = 5;
/// Held records listed after a run.
const SHOWN: usize = 10;

#[derive(Debug, Args)]
pub struct CustomersArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Read through a bulk query (what a first run does by itself): for a large backlog.
    #[arg(long, conflicts_with = "pages")]
    bulk: bool,
    /// Read page by page even on a first run.
    #[arg(long)]
    pages: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Read through a bulk query (what a first run does by itself): for a large backlog, or after
    /// `shopsync shop reset-cursor`.
    #[arg(long, conflicts_with = "pages")]
    bulk: bool,
    /// Read page by page even on a first run.
    #[arg(long)]
    pages: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct FulfillmentsArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct AllArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Read orders and customers through a bulk query.
    #[arg(long)]
    bulk: bool,
    /// Print the summaries as JSON (one object per flow).
    #[arg(long)]
    json: bool,
}

pub const CUSTOMERS_HELP: &str = "\
Reads Shopify customers changed since the last run (a first run, or `shopsync shop reset-cursor SHOP customers`,
reads them all through a bulk query). Each is matched to a back-office customer by exact email, then phone, or
created from the shop's customer template (`shopsync shop set SHOP customer-template CODE`). A customer the
template cannot create is skipped with CUSTOMER_TEMPLATE_INCOMPLETE, naming the fields to fill.
Exit codes: 0 done, 5 some customers were skipped, 1 the sync could not run.";

pub const ORDERS_HELP: &str = "\
Reads Shopify orders changed since the last run (the first run follows order-import-from and reads the backlog
through a bulk query) and imports each as one sales order, with every problem that holds it listed with its
remedy (`shopsync orders show --shop SHOP ORDER`). Orders asked to be reprocessed, tagged with the shop's
reprocess tag in Shopify, or whose cause was fixed (a SKU linked, a setting changed, a template completed) are
read again from Shopify and evaluated. Payouts are imported too.
Exit codes: 0 done, 5 some orders are held (a problem to fix, or a conflict), whether this run read them or an
earlier one did (listed), 1 the sync could not run.";

pub const FULFILLMENTS_HELP: &str = "\
Sends back-office shipments (`shopsync shipments create`) to Shopify as fulfillments with tracking number,
carrier and URL, partial shipments included. A shipment is sent once: one Shopify already has (an earlier run
stopped before recording it) is recognised by its tracking number and lines. Needs sync-fulfilled-status on and
`shopsync shop set SHOP allow-data-sync-to-shopify on`.
Exit codes: 0 done, 5 some shipments were refused (listed), 1 the sync could not run.";

pub const ALL_HELP: &str = "\
Runs every switched-on flow of the shop in order: products, inventory, customers, orders, fulfillments. A flow
whose setting is off is left out; one that fails is reported and the others still run.
Exit codes: 0 done, 5 some records were held or skipped, 1 a flow could not run.";

fn bulk_choice(bulk: bool, pages: bool) -> BulkChoice {
    match (bulk, pages) {
        (true, _) => BulkChoice::Always,
        (false, true) => BulkChoice::Never,
        _ => BulkChoice::Auto,
    }
}

pub async fn customers(engine: &Engine, args: CustomersArgs) -> anyhow::Result<ExitCode> {
    let bulk = bulk_choice(args.bulk, args.pages);
    let (shop, summary) = run_manual(engine, &args.shop, "customers", bulk).await?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_customers(&shop, &summary).await?;
    }
    Ok(exit_code(&summary))
}

pub async fn orders(engine: &Engine, args: OrdersArgs) -> anyhow::Result<ExitCode> {
    let bulk = bulk_choice(args.bulk, args.pages);
    let (shop, summary) = run_manual(engine, &args.shop, "orders", bulk).await?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_orders(&shop, &summary).await?;
    }
    Ok(if orders_held(&shop).await? > 0 { ExitCode::from(EXIT_SKIPPED) } else { exit_code(&summary) })
}

/// Orders that need a person after a run: in error, or in conflict. Counted in the store, not in the run's
/// summary: an order held by an earlier run is not read again until it changes, and is still held.
async fn orders_held(shop: &ShopContext) -> anyhow::Result<u64> {
    let mut held = 0;
    for status in [OrderStatus::Error, OrderStatus::Conflict] {
        let filter = OrderFilter { status: Some(status), ..OrderFilter::default() };
        held += shop.store().count_shopify_orders(shop.shop.id, &filter).await?;
    }
    Ok(held)
}

pub async fn fulfillments(engine: &Engine, args: FulfillmentsArgs) -> anyhow::Result<ExitCode> {
    let (shop, summary) = run_manual(engine, &args.shop, "fulfillments", BulkChoice::Auto).await?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_fulfillments(&shop, &summary).await?;
    }
    Ok(exit_code(&summary))
}

/// Runs one flow of the shop as a manual job with progress bars; a failure becomes the command's error (with the
/// exit code it calls for).
async fn run_manual(
    engine: &Engine,
    domain: &str,
    flow: &str,
    bulk: BulkChoice,
) -> anyhow::Result<(ShopContext, FlowSummary)> {
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    let bars = Bars::new();
    let result = run_flow(engine, &shop, flow, JobTrigger::Manual, bulk, &bars).await;
    bars.finish();
    let summary = result.map_err(|err| flow_failure(err, &shop))?;
    Ok((shop, summary))
}

/// One flow of `sync all`.
#[derive(serde::Serialize)]
struct FlowOutcome {
    flow: &'static str,
    /// `done`, `off` (its setting is off) or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<FlowSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn all(engine: &Engine, args: AllArgs) -> anyhow::Result<ExitCode> {
    let shop = engine.shop(&args.shop.trim().to_ascii_lowercase()).await?;
    if !shop.settings.enabled {
        return Err(SyncError::ShopDisabled(shop.shop.domain.clone()).into());
    }
    let settings = &shop.settings;
    let bulk = if args.bulk { BulkChoice::Always } else { BulkChoice::Auto };
    let flows: [(&'static str, bool); 5] = [
        ("products", settings.sync_products),
        ("inventory", settings.sync_inventory),
        ("customers", settings.sync_customers),
        ("orders", settings.sync_orders),
        ("fulfillments", settings.sync_fulfilled_status),
    ];
    let mut outcomes = Vec::new();
    let mut auth_failure = None;
    let mut orders_still_held = false;
    for (flow, on) in flows {
        if !on {
            outcomes.push(FlowOutcome { flow, outcome: "off", summary: None, error: None });
            continue;
        }
        let bars = Bars::new();
        let result = run_flow(engine, &shop, flow, JobTrigger::Manual, bulk, &bars).await;
        bars.finish();
        match result {
            Ok(summary) => {
                if flow == "orders" && orders_held(&shop).await? > 0 {
                    orders_still_held = true;
                }
                outcomes.push(FlowOutcome { flow, outcome: "done", summary: Some(summary), error: None })
            }
            Err(err) => {
                let auth = err.is_auth();
                outcomes.push(FlowOutcome { flow, outcome: "failed", summary: None, error: Some(err.to_string()) });
                if auth {
                    // Every other flow would be refused the same way.
                    auth_failure = Some(flow_failure(err, &shop));
                    break;
                }
            }
        }
    }
    if args.json {
        print_json(&outcomes)?;
    } else {
        println!("Sync of {}:", shop.shop.domain);
        for outcome in &outcomes {
            match (&outcome.summary, &outcome.error) {
                (Some(summary), _) => println!("  {:<13} {summary}", outcome.flow),
                (None, Some(error)) => println!("  {:<13} FAILED: {error}", outcome.flow),
                (None, None) => println!(
                    "  {:<13} off (its setting is off; `shopsync shop show {}`)",
                    outcome.flow, shop.shop.domain
                ),
            }
        }
        if orders_still_held || outcomes.iter().any(|o| o.summary.as_ref().is_some_and(|s| s.skipped > 0)) {
            let domain = &shop.shop.domain;
            println!(
                "\nHeld or skipped records: `shopsync orders list --shop {domain} --status error`, \
                 `shopsync items errors --shop {domain}`, `shopsync shipments list --shop {domain}`."
            );
        }
    }
    if let Some(failure) = auth_failure {
        return Err(failure);
    }
    if outcomes.iter().any(|o| o.outcome == "failed") {
        return Err(Failure { code: 1, message: "a flow could not run (see above)".into() }.into());
    }
    let skipped = orders_still_held || outcomes.iter().any(|o| o.summary.as_ref().is_some_and(|s| s.skipped > 0));
    Ok(if skipped { ExitCode::from(EXIT_SKIPPED) } else { ExitCode::SUCCESS })
}

/// Runs one flow of a shop (`products`, `inventory`, `customers`, `orders` or `fulfillments`) as a job with its
/// default options: what `sync all` and the schedules of `shopsync serve` run.
pub async fn run_flow(
    engine: &Engine,
    shop: &ShopContext,
    flow: &str,
    trigger: JobTrigger,
    bulk: BulkChoice,
    bars: &Bars,
) -> Result<FlowSummary, SyncError> {
    match flow {
        "products" => {
            let options = ProductSyncOptions::default();
            let result = engine.run_job(shop, flow, trigger, bars, sync_products(shop, &options, bars)).await;
            if result.is_ok() {
                // Orders waiting for a SKU this run linked are checked again at the next order sync.
                recheck_linked_skus(shop).await?;
            }
            result
        }
        "inventory" => {
            let options = InventorySyncOptions::default();
            engine.run_job(shop, flow, trigger, bars, sync_inventory(shop, &options, bars)).await
        }
        "customers" => {
            let options = CustomerSyncOptions { bulk };
            engine.run_job(shop, flow, trigger, bars, sync_customers(shop, &options, bars)).await
        }
        "orders" => {
            let options = OrderSyncOptions { bulk };
            engine.run_job(shop, flow, trigger, bars, sync_orders(shop, &options, bars)).await
        }
        "fulfillments" => engine.run_job(shop, flow, trigger, bars, sync_fulfillments(shop, bars)).await,
        other => Err(SyncError::Invalid(format!(
            "no flow `{other}`: the flows are products, inventory, customers, orders and fulfillments"
        ))),
    }
}

fn exit_code(summary: &FlowSummary) -> ExitCode {
    if summary.skipped > 0 { ExitCode::from(EXIT_SKIPPED) } else { ExitCode::SUCCESS }
}

fn print_summary(what: &str, shop: &ShopContext, summary: &FlowSummary) {
    println!("{what} for {}: {summary}", shop.shop.domain);
    for (fact, value) in &summary.notes {
        println!("  {fact}: {value}");
    }
}

async fn print_orders(shop: &ShopContext, summary: &FlowSummary) -> anyhow::Result<()> {
    print_summary("Orders", shop, summary);
    let domain = &shop.shop.domain;
    let filter = OrderFilter { status: Some(OrderStatus::Error), limit: SHOWN as u32, ..OrderFilter::default() };
    let held = shop.store().shopify_orders(shop.shop.id, &filter).await?;
    if !held.is_empty() {
        let total = shop.store().count_shopify_orders(shop.shop.id, &filter).await?;
        println!("\nOrders held by a problem to fix ({total}; each is imported by itself once its cause is fixed):");
        for order in &held {
            let mut codes: Vec<&str> = Vec::new();
            for code in &order.error_codes {
                if !codes.contains(&code.as_str()) {
                    codes.push(code);
                }
            }
            println!("  {:<10} {}", order.name, codes.join(", "));
        }
        if total as usize > held.len() {
            println!("  ... and {} more", total as usize - held.len());
        }
        println!(
            "`shopsync orders show --shop {domain} ORDER` explains each with its remedy; \
             `shopsync orders list --shop {domain} --status error` lists them all."
        );
    }
    let conflicts = OrderFilter { status: Some(OrderStatus::Conflict), ..OrderFilter::default() };
    let conflicts = shop.store().count_shopify_orders(shop.shop.id, &conflicts).await?;
    if conflicts > 0 {
        println!(
            "\n{conflicts} orders changed in Shopify after part of them shipped (conflict): \
             `shopsync orders list --shop {domain} --status conflict`."
        );
    }
    Ok(())
}

async fn print_customers(shop: &ShopContext, summary: &FlowSummary) -> anyhow::Result<()> {
    print_summary("Customers", shop, summary);
    if summary.skipped > 0 {
        let records = shop.store().skipped_records(shop.shop.id, Some(SKIPPED_OBJECT)).await?;
        println!("\nSkipped (tried again when they change in Shopify, or after `shopsync shop reset-cursor`):");
        for record in records.iter().take(SHOWN) {
            println!("  {:<36} {}", record.object_key, record.message);
        }
        if records.len() > SHOWN {
            println!("  ... and {} more", records.len() - SHOWN);
        }
    }
    Ok(())
}

async fn print_fulfillments(shop: &ShopContext, summary: &FlowSummary) -> anyhow::Result<()> {
    print_summary("Fulfillments", shop, summary);
    if summary.skipped > 0 {
        let query = ShipmentQuery {
            shop_id: Some(shop.shop.id),
            sync_status: Some(ShipmentSyncStatus::Error),
            ..ShipmentQuery::default()
        };
        let failed = shop.store().shipments(&query).await?;
        println!("\nNot sent (mark a shipment pending again once fixed: `shopsync shipments show SHIPMENT`):");
        for shipment in failed.iter().take(SHOWN) {
            println!("  {:<10} {}", shipment.number, shipment.sync_error.as_deref().unwrap_or("-"));
        }
    }
    Ok(())
}
