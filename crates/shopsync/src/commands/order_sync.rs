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
use shopsync_core::Flow;
use shopsync_core::order_errors::OrderStatus;
use shopsync_store::{JobTrigger, OrderFilter, ShipmentQuery, ShipmentSyncStatus};
use shopsync_sync::app;
use shopsync_sync::customers::SKIPPED_OBJECT;
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::{Engine, FlowSummary, ShopContext};

use super::print_json;
use super::progress::Bars;
use super::sync::{flow_failure, queue_flows};
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
    /// Never a bulk query: a first run reads page by page, a later one reads every changed customer by id.
    #[arg(long)]
    pages: bool,
    /// Hand the run to the queue instead of running it here: a running `shopsync serve` (or `shopsync worker`)
    /// runs it; prints the queued request's id. Needs allow-background-sync on.
    #[arg(long, conflicts_with_all = ["bulk", "pages"])]
    queue: bool,
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
    /// Hand the run to the queue instead of running it here: a running `shopsync serve` (or `shopsync worker`)
    /// runs it; prints the queued request's id. Needs allow-background-sync on.
    #[arg(long, conflicts_with_all = ["bulk", "pages"])]
    queue: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct FulfillmentsArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Hand the run to the queue instead of running it here: a running `shopsync serve` (or `shopsync worker`)
    /// runs it; prints the queued request's id. Needs allow-background-sync on.
    #[arg(long)]
    queue: bool,
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
    /// Queue a run of every switched-on flow instead of running them here: a running `shopsync serve` (or
    /// `shopsync worker`) runs them; prints each queued request's id. Needs allow-background-sync on.
    #[arg(long, conflicts_with = "bulk")]
    queue: bool,
    /// Print the summaries as JSON (one object per flow).
    #[arg(long)]
    json: bool,
}

pub const CUSTOMERS_HELP: &str = "\
Reads Shopify customers changed since the last run (a first run, or `shopsync shop reset-cursor SHOP customers`,
reads them all through a bulk query). After it, a cheap probe of ids and update times finds what changed, and
only new or changed customers are read in full: a few by id, more through a bulk query. Each is matched to a back-office customer by exact email, then phone, or
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
    if args.queue {
        return queue_flows(engine, &args.shop, &[Flow::Customers], args.json).await;
    }
    let bulk = bulk_choice(args.bulk, args.pages);
    let (shop, summary) = run_manual(engine, &args.shop, Flow::Customers, bulk).await?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_customers(&shop, &summary).await?;
    }
    Ok(exit_code(&summary))
}

pub async fn orders(engine: &Engine, args: OrdersArgs) -> anyhow::Result<ExitCode> {
    if args.queue {
        return queue_flows(engine, &args.shop, &[Flow::Orders], args.json).await;
    }
    let bulk = bulk_choice(args.bulk, args.pages);
    let (shop, summary) = run_manual(engine, &args.shop, Flow::Orders, bulk).await?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_orders(&shop, &summary).await?;
    }
    Ok(if app::orders_held(&shop).await? > 0 { ExitCode::from(EXIT_SKIPPED) } else { exit_code(&summary) })
}

pub async fn fulfillments(engine: &Engine, args: FulfillmentsArgs) -> anyhow::Result<ExitCode> {
    if args.queue {
        return queue_flows(engine, &args.shop, &[Flow::Fulfillments], args.json).await;
    }
    let (shop, summary) = run_manual(engine, &args.shop, Flow::Fulfillments, BulkChoice::Auto).await?;
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
    flow: Flow,
    bulk: BulkChoice,
) -> anyhow::Result<(ShopContext, FlowSummary)> {
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    let bars = Bars::new();
    let result = app::run_flow(engine, &shop, flow, JobTrigger::Manual, bulk, &bars).await;
    bars.finish();
    let summary = result.map_err(|err| flow_failure(err, &shop))?;
    Ok((shop, summary))
}

pub async fn all(engine: &Engine, args: AllArgs) -> anyhow::Result<ExitCode> {
    let shop = engine.shop(&args.shop.trim().to_ascii_lowercase()).await?;
    if args.queue {
        let flows: Vec<Flow> = Flow::ALL.into_iter().filter(|flow| flow.enabled(&shop.settings)).collect();
        return queue_flows(engine, &args.shop, &flows, args.json).await;
    }
    let bulk = if args.bulk { BulkChoice::Always } else { BulkChoice::Auto };
    let report = app::sync_all(engine, &shop, bulk, &|_| Box::new(Bars::new())).await?;
    if args.json {
        print_json(&report.outcomes)?;
    } else {
        println!("Sync of {}:", shop.shop.domain);
        for outcome in &report.outcomes {
            match (&outcome.summary, &outcome.error) {
                (Some(summary), _) => println!("  {:<13} {summary}", outcome.flow),
                (None, Some(error)) => {
                    let error = outcome.failure.as_ref().map(crate::remedy::explain).unwrap_or_else(|| error.clone());
                    println!("  {:<13} FAILED: {error}", outcome.flow)
                }
                (None, None) => println!(
                    "  {:<13} off (its setting is off; `shopsync shop show {}`)",
                    outcome.flow, shop.shop.domain
                ),
            }
        }
        if report.any_held() {
            let domain = &shop.shop.domain;
            println!(
                "\nHeld or skipped records: `shopsync orders list --shop {domain} --status error`, \
                 `shopsync items errors --shop {domain}`, `shopsync shipments list --shop {domain}`."
            );
        }
    }
    if let Some(refused) = report.stopped_by {
        return Err(flow_failure(refused, &shop));
    }
    if report.any_failed() {
        return Err(Failure { code: 1, message: "a flow could not run (see above)".into() }.into());
    }
    Ok(if report.any_held() { ExitCode::from(EXIT_SKIPPED) } else { ExitCode::SUCCESS })
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
