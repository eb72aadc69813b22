//! `shopsync sync ...`: run a flow of one shop now, as a job (trigger `manual`), with progress bars on a terminal
//! and a summary at the end. `--dry-run` plans without writing anything and prints what would change.
//!
//! Exit codes: 0 done (a dry run always, when it could plan); 5 the sync ran but some records were skipped
//! (`shopsync items errors --shop S` lists them with Shopify's reasons); 1 the sync could not run (writes to
//! Shopify are off, a setting is missing ...); 4 Shopify refused the shop's token.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use shopsync_core::Flow;
use shopsync_store::JobTrigger;
use shopsync_sync::app::queue::enqueue;
use shopsync_sync::catalog::{
    InventoryPlan, InventorySyncOptions, ProductPlan, ProductSyncOptions, objects, plan_inventory, plan_products,
    sync_inventory, sync_products,
};
use shopsync_sync::{Engine, FlowSummary, ShopContext, SyncError};

use super::order_sync;
use super::print_json;
use super::progress::Bars;
use crate::context::DataDir;
use crate::exit::Failure;

/// Exit code when the sync ran but some records were skipped.
const EXIT_SKIPPED: u8 = 5;
/// Lines of a plan shown per section; `--json` gives everything.
const SHOWN: usize = 50;
/// Skipped records listed after a run.
const SHOWN_SKIPPED: usize = 10;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Create and update Shopify products from the back-office items (by SKU), with prices and images.
    #[command(after_long_help = PRODUCTS_HELP)]
    Products(ProductsArgs),
    /// Send stock per warehouse to the mapped Shopify locations, only where it changed.
    #[command(after_long_help = INVENTORY_HELP)]
    Inventory(InventoryArgs),
    /// Bring Shopify customers into the back office: matched by email or phone, or created from the template.
    #[command(after_long_help = order_sync::CUSTOMERS_HELP)]
    Customers(order_sync::CustomersArgs),
    /// Import Shopify orders as sales orders, with every problem that holds an order and its remedy.
    #[command(after_long_help = order_sync::ORDERS_HELP)]
    Orders(order_sync::OrdersArgs),
    /// Send back-office shipments to Shopify as fulfillments with tracking.
    #[command(after_long_help = order_sync::FULFILLMENTS_HELP)]
    Fulfillments(order_sync::FulfillmentsArgs),
    /// Run every switched-on flow in order: products, inventory, customers, orders, fulfillments.
    #[command(after_long_help = order_sync::ALL_HELP)]
    All(order_sync::AllArgs),
}

#[derive(Debug, Args)]
pub struct ProductsArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Show what would be created, linked and changed (field by field), and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// First-time setup: bring Shopify products whose SKUs the back office does not know into it as items.
    #[arg(long)]
    import_unmatched: bool,
    /// Only this item (repeat for more), marked or not; default: the shop's item selection.
    #[arg(long = "item", value_name = "NUMBER")]
    items: Vec<String>,
    /// Hand the run to the queue instead of running it here: a running `shopsync serve` (or `shopsync worker`)
    /// runs it; prints the queued request's id. Needs allow-background-sync on.
    #[arg(long, conflicts_with_all = ["dry_run", "import_unmatched", "items"])]
    queue: bool,
    /// Print the summary (or the dry run's plan) as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// The shop (NAME.myshopify.com).
    #[arg(long)]
    shop: String,
    /// Show which quantities would change (old -> new) and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Hand the run to the queue instead of running it here: a running `shopsync serve` (or `shopsync worker`)
    /// runs it; prints the queued request's id. Needs allow-background-sync on.
    #[arg(long, conflicts_with_all = ["dry_run"])]
    queue: bool,
    /// Print the summary (or the dry run's plan) as JSON.
    #[arg(long)]
    json: bool,
}

const PRODUCTS_HELP: &str = "\
Which items: the shop's item-selection setting (all, or marked with `shopsync items mark`), or --item.
Products are matched by SKU: before anything is created, Shopify products that carry an item's SKUs are linked
to it, never duplicated. A product whose content did not change since Shopify last accepted it costs no call.
Prices come from the shop's price-list setting; images go with new products, and replace Shopify's only when
overwrite-images is on; descriptions only when sync-description is on; with price-only-when-changed, a price
is sent only when it changed in the back office since it was last sent.
Writes need `shopsync shop set SHOP allow-data-sync-to-shopify on`; --dry-run works without it.
Exit codes: 0 done, 5 some items were skipped (see `shopsync items errors --shop SHOP`), 1 the sync could not run.";

const INVENTORY_HELP: &str = "\
Stock goes from each warehouse to the Shopify location the location-map setting names
(`shopsync shop set SHOP location-map MAIN=gid://shopify/Location/1`). Only tracked items linked to Shopify
variants are sent, and only quantities that changed since Shopify last accepted them. Each quantity is sent
with the quantity last seen in Shopify, so a sale in Shopify meanwhile is re-read instead of overwritten.
Writes need `shopsync shop set SHOP allow-data-sync-to-shopify on`; --dry-run works without it.
Exit codes: 0 done, 5 some quantities were skipped (see `shopsync items errors --shop SHOP`), 1 the sync could
not run.";

pub async fn run(data_dir: &DataDir, command: SyncCommand) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let result = match command {
        SyncCommand::Products(args) => products(&engine, args).await,
        SyncCommand::Inventory(args) => inventory(&engine, args).await,
        SyncCommand::Customers(args) => order_sync::customers(&engine, args).await,
        SyncCommand::Orders(args) => order_sync::orders(&engine, args).await,
        SyncCommand::Fulfillments(args) => order_sync::fulfillments(&engine, args).await,
        SyncCommand::All(args) => order_sync::all(&engine, args).await,
    };
    engine.flush_logs().await;
    result
}

async fn products(engine: &Engine, args: ProductsArgs) -> anyhow::Result<ExitCode> {
    if args.queue {
        return queue_flows(engine, &args.shop, &[Flow::Products], args.json).await;
    }
    let shop = engine.shop(&args.shop.trim().to_ascii_lowercase()).await?;
    let options = ProductSyncOptions {
        dry_run: args.dry_run,
        import_unmatched: args.import_unmatched,
        items: args.items,
        ..ProductSyncOptions::default()
    };
    let bars = Bars::new();
    if args.dry_run {
        let mut plan = None;
        let flow = async {
            let planned = plan_products(&shop, &options, &bars).await?;
            let summary = planned.summary();
            plan = Some(planned);
            Ok(summary)
        };
        let result = engine.run_job(&shop, "products-dry-run", JobTrigger::Manual, &bars, flow).await;
        bars.finish();
        let summary = result.map_err(|err| flow_failure(err, &shop))?;
        let Some(plan) = plan else { return Ok(ExitCode::SUCCESS) };
        if args.json {
            print_json(&serde_json::json!({ "plan": plan, "summary": summary }))?;
        } else {
            print_product_plan(&plan, &summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let flow = sync_products(&shop, &options, &bars);
    let result = engine.run_job(&shop, "products", JobTrigger::Manual, &bars, flow).await;
    bars.finish();
    let summary = result.map_err(|err| flow_failure(err, &shop))?;
    finish(&shop, "Products", &summary, &[objects::ITEM, objects::SHOPIFY_PRODUCT], args.json).await
}

async fn inventory(engine: &Engine, args: InventoryArgs) -> anyhow::Result<ExitCode> {
    if args.queue {
        return queue_flows(engine, &args.shop, &[Flow::Inventory], args.json).await;
    }
    let shop = engine.shop(&args.shop.trim().to_ascii_lowercase()).await?;
    let options = InventorySyncOptions { dry_run: args.dry_run };
    let bars = Bars::new();
    if args.dry_run {
        let mut plan = None;
        let flow = async {
            let planned = plan_inventory(&shop, &options, &bars).await?;
            let summary = planned.summary();
            plan = Some(planned);
            Ok(summary)
        };
        let result = engine.run_job(&shop, "inventory-dry-run", JobTrigger::Manual, &bars, flow).await;
        bars.finish();
        let summary = result.map_err(|err| flow_failure(err, &shop))?;
        let Some(plan) = plan else { return Ok(ExitCode::SUCCESS) };
        if args.json {
            print_json(&serde_json::json!({ "plan": plan, "summary": summary }))?;
        } else {
            print_inventory_plan(&plan, &summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let flow = sync_inventory(&shop, &options, &bars);
    let result = engine.run_job(&shop, "inventory", JobTrigger::Manual, &bars, flow).await;
    bars.finish();
    let summary = result.map_err(|err| flow_failure(err, &shop))?;
    finish(&shop, "Inventory", &summary, &[objects::INVENTORY], args.json).await
}

/// `sync ... --queue`: queues a run of each flow for the shop, as `shopsync queue add` does (trigger `manual`),
/// instead of running it in the foreground, and says which request each became. Refused, queueing nothing, when
/// the shop is left out of background syncs (no worker would run it) or a flow is switched off.
pub(crate) async fn queue_flows(engine: &Engine, shop: &str, flows: &[Flow], json: bool) -> anyhow::Result<ExitCode> {
    let context = engine.shop(&shop.trim().to_ascii_lowercase()).await?;
    let mut queued = Vec::new();
    for flow in flows {
        queued.push(enqueue(engine, &context.shop.domain, *flow, JobTrigger::Manual).await?);
    }
    if json {
        print_json(&queued)?;
        return Ok(ExitCode::SUCCESS);
    }
    for item in &queued {
        let joined = if item.coalesced { " (joined the run already waiting)" } else { "" };
        println!("{} {}: queued as request {}{joined}", context.shop.domain, item.request.flow, item.request.id);
    }
    println!(
        "The workers of a running `shopsync serve` (or `shopsync worker`) take it; `shopsync queue list --shop {}` \
         shows how it went.",
        context.shop.domain
    );
    Ok(ExitCode::SUCCESS)
}

/// A refused token gets exit code 4 and the way to store a new one; other failures keep their message.
pub(crate) fn flow_failure(err: SyncError, shop: &ShopContext) -> anyhow::Error {
    if err.is_auth() {
        let domain = &shop.shop.domain;
        return Failure {
            code: 4,
            message: format!(
                "{err}. Request a new token and store it with `shopsync shop set-token {domain} --token-stdin`"
            ),
        }
        .into();
    }
    err.into()
}

/// Prints a run's summary and its skipped records; exit code 5 when records were skipped.
async fn finish(
    shop: &ShopContext,
    what: &str,
    summary: &FlowSummary,
    kinds: &[&str],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let code = if summary.skipped > 0 { ExitCode::from(EXIT_SKIPPED) } else { ExitCode::SUCCESS };
    if json {
        print_json(summary)?;
        return Ok(code);
    }
    let domain = &shop.shop.domain;
    println!("{what} for {domain}: {summary}");
    for (fact, value) in &summary.notes {
        println!("  {fact}: {value}");
    }
    if summary.skipped > 0 {
        let mut records = shop.store().skipped_records(shop.shop.id, None).await?;
        records.retain(|record| kinds.contains(&record.object.as_str()));
        println!();
        println!("Skipped (kept until they sync; correct them in the back office and sync again):");
        for record in records.iter().take(SHOWN_SKIPPED) {
            let field = record.field.as_deref().map(|f| format!(" [{f}]")).unwrap_or_default();
            println!(
                "  {:<20} {:<28} {}{field}",
                record.object_key,
                record.code.as_deref().unwrap_or("-"),
                record.message
            );
        }
        if records.len() > SHOWN_SKIPPED {
            println!("  ... and {} more", records.len() - SHOWN_SKIPPED);
        }
        println!("`shopsync items errors --shop {domain}` lists them all.");
    }
    Ok(code)
}

fn print_product_plan(plan: &ProductPlan, summary: &FlowSummary) {
    println!("Dry run of `sync products` for {}: nothing was sent to Shopify and nothing was stored.", plan.shop);
    let price_list = plan.price_list.as_deref().unwrap_or("none (no price list yet)");
    println!("Items: {}. Prices from: {price_list}.", plan.selection);
    for rule in &plan.rules {
        println!("  {rule}");
    }
    if !plan.links.is_empty() {
        println!();
        println!(
            "Link {} items to products already in Shopify (matched by SKU, nothing duplicated):",
            plan.links.len()
        );
        for link in plan.links.iter().take(SHOWN) {
            println!(
                "  {:<14} -> {} \"{}\" ({} matched)",
                link.item,
                link.product_id,
                link.product_title,
                count(link.variants_matched, "variant")
            );
        }
        more(plan.links.len());
    }
    if !plan.imports.is_empty() {
        println!();
        println!("Import {} Shopify products into the back office as items:", plan.imports.len());
        for import in plan.imports.iter().take(SHOWN) {
            println!("  {:<14} \"{}\" {} ({})", import.item, import.title, import.product_id, import.skus.join(", "));
        }
        more(plan.imports.len());
    }
    if !plan.creates.is_empty() {
        println!();
        println!("Create {} products:", plan.creates.len());
        for create in plan.creates.iter().take(SHOWN) {
            println!(
                "  {:<14} \"{}\" {}, {}, {}, handle {}",
                create.item,
                create.title,
                create.status,
                count(create.variants.len(), "variant"),
                count(create.images, "image"),
                create.handle
            );
            for variant in create.variants.iter().take(10) {
                println!("  {:<14}   {variant}", "");
            }
        }
        more(plan.creates.len());
    }
    if !plan.updates.is_empty() {
        println!();
        println!("Update {} products:", plan.updates.len());
        for update in plan.updates.iter().take(SHOWN) {
            let url = update.admin_url.as_deref().unwrap_or(&update.product_id);
            println!("  {:<14} \"{}\" {url}", update.item, update.title);
            let width = update.changes.iter().map(|c| c.field.len()).max().unwrap_or(0).max(8);
            for change in &update.changes {
                println!("  {:<14}   {:<width$}  {} -> {}", "", change.field, change.old, change.new);
            }
            for note in &update.notes {
                println!("  {:<14}   {note}", "");
            }
        }
        more(plan.updates.len());
    }
    if !plan.archived_not_created.is_empty() {
        println!();
        let shown: Vec<&str> = plan.archived_not_created.iter().take(10).map(String::as_str).collect();
        println!(
            "Not created: {} archived items that are not in Shopify ({}{}).",
            plan.archived_not_created.len(),
            shown.join(", "),
            if plan.archived_not_created.len() > shown.len() { " ..." } else { "" }
        );
    }
    if !plan.problems.is_empty() {
        println!();
        println!("Would skip {} records:", plan.problems.len());
        for problem in plan.problems.iter().take(SHOWN) {
            println!("  {:<14} {:<26} {}", problem.key, problem.code, problem.message);
        }
        more(plan.problems.len());
    }
    println!();
    println!(
        "Plan: {} to create, {} to update, {} to link, {} unchanged (no call), {} skipped: {} productSet calls. \
         Planning used {}, {:.0} cost points.",
        plan.creates.len(),
        plan.updates.len(),
        plan.links.len(),
        plan.unchanged,
        plan.problems.len(),
        plan.calls(),
        count(summary.requests as usize, "request"),
        summary.cost_spent
    );
    println!("Run it without --dry-run to apply.");
}

fn print_inventory_plan(plan: &InventoryPlan, summary: &FlowSummary) {
    println!("Dry run of `sync inventory` for {}: nothing was sent to Shopify and nothing was stored.", plan.shop);
    let mut to_set = 0;
    let mut unchanged = 0;
    for location in &plan.locations {
        to_set += location.changes.len();
        unchanged += location.unchanged;
        println!();
        println!(
            "{} -> {} ({}): {} to set, {} unchanged",
            location.warehouse,
            location.location,
            location.location_id,
            location.changes.len(),
            location.unchanged
        );
        for change in location.changes.iter().take(SHOWN) {
            let old = change.old.map(|q| q.to_string()).unwrap_or_else(|| "-".into());
            let note = if change.old.is_none() { "   (not stocked there yet)" } else { "" };
            println!("  {:<24} {old:>6} -> {}{note}", change.sku, change.new);
        }
        more(location.changes.len());
    }
    let not_sent = !plan.unmapped.is_empty() || !plan.unlinked_skus.is_empty() || plan.untracked > 0;
    if not_sent {
        println!();
        println!("Not sent:");
        for warehouse in &plan.unmapped {
            println!(
                "  warehouse {} ({} SKUs) is not mapped to a Shopify location: add it with \
                 `shopsync shop set {} location-map ...`",
                warehouse.warehouse, warehouse.skus, plan.shop
            );
        }
        if !plan.unlinked_skus.is_empty() {
            let shown: Vec<&str> = plan.unlinked_skus.iter().take(10).map(String::as_str).collect();
            let rest = plan.unlinked_skus.len().saturating_sub(shown.len());
            let rest = if rest > 0 { format!(" and {rest} more") } else { String::new() };
            println!(
                "  {} SKUs are not in Shopify yet ({}{rest}): run `shopsync sync products --shop {}` first",
                plan.unlinked_skus.len(),
                shown.join(", "),
                plan.shop
            );
        }
        if plan.untracked > 0 {
            println!("  {} SKUs belong to items whose inventory is not tracked", plan.untracked);
        }
    }
    if plan.negative_as_zero > 0 {
        println!("{} negative back-office quantities would be sent as 0.", plan.negative_as_zero);
    }
    if !plan.problems.is_empty() {
        println!();
        println!("Would skip {}:", plan.problems.len());
        for problem in plan.problems.iter().take(SHOWN) {
            println!("  {:<24} {:<24} {}", problem.key, problem.code, problem.message);
        }
        more(plan.problems.len());
    }
    let batches = plan
        .locations
        .iter()
        .map(|l| {
            l.changes.len().div_ceil(shopify_admin::ops::inventory::InventorySetQuantitiesVariables::MAX_QUANTITIES)
        })
        .sum::<usize>();
    println!();
    println!(
        "Plan: {to_set} quantities to set in {}, {unchanged} unchanged (no call), {} skipped. Planning used {}, {:.0} \
         cost points.",
        count(batches, "inventorySetQuantities call"),
        plan.problems.len(),
        count(summary.requests as usize, "request"),
        summary.cost_spent
    );
    println!("Run it without --dry-run to apply.");
}

/// `1 variant`, `3 variants`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn more(total: usize) {
    if total > SHOWN {
        println!("  ... and {} more (--json lists them all)", total - SHOWN);
    }
}
