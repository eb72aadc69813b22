//! `shopsync items|prices|stock|bundles ...`: the back-office catalog. CSV imports (formats in
//! [`shopsync_sync::import`] and the README), listing, marking items for synchronization, and the records the
//! sync flows had to skip.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgGroup, Args, Subcommand};
use serde::Serialize;
use shopsync_store::{
    BundleComponent, CatalogStore, Item, ItemFilter, ItemQuery, Price, PriceListInput, ProductLink, ShopStore,
    StockLevel, StoreError,
};
use shopsync_sync::app::catalog::{ItemSelection, MarkError, mark_items, skipped_records};
use shopsync_sync::import::{
    ImportError, ImportOptions, ImportOutcome, ImportReport, import_bundles, import_items, import_prices, import_stock,
};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;
use crate::text::clean;

/// Exit code when records were skipped (the same meaning as for a sync).
const EXIT_SKIPPED: u8 = 5;

/// How many bad rows a person sees; `--json` lists them all.
const SHOWN_ERRORS: usize = 100;

#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// Import items and their variants from a CSV file, one row per variant.
    #[command(after_long_help = ITEMS_FORMAT)]
    Import(ImportArgs),
    /// List items, by number.
    List {
        /// Only items of this item group.
        #[arg(long)]
        group: Option<String>,
        /// Only items marked for synchronization.
        #[arg(long)]
        marked: bool,
        /// Only items matching a filter (see `shopsync items mark --help`).
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one item: its fields, variants, prices, stock, bundles and Shopify links.
    Show {
        /// The item number (`I-1001`), as `shopsync items list` shows it.
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Mark items for synchronization (when a shop syncs marked items only).
    #[command(after_long_help = SELECTION_HELP)]
    Mark(Selection),
    /// Unmark items, so a shop that syncs marked items only leaves them alone.
    #[command(after_long_help = SELECTION_HELP)]
    Unmark(Selection),
    /// The records a sync had to skip for a shop, with Shopify's reason; each goes away when it syncs.
    Errors {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Import the prices of one price list from a CSV file (sku, price, compare_at_price).
    #[command(after_long_help = PRICES_FORMAT)]
    Import {
        #[command(flatten)]
        import: ImportArgs,
        /// The price list the prices belong to; created when missing (with --currency).
        #[arg(long, value_name = "CODE")]
        price_list: String,
        /// The price list's currency (ISO 4217: USD, EUR ...); needed to create it.
        #[arg(long, value_name = "CODE")]
        currency: Option<String>,
        /// The price list's name (default: its code).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Import quantities on hand from a CSV file (warehouse, sku, quantity); new warehouses are created.
    #[command(after_long_help = STOCK_FORMAT)]
    Import(ImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum BundlesCommand {
    /// Import bundles from a CSV file (bundle_sku, component_sku, quantity), one row per component.
    #[command(after_long_help = BUNDLES_FORMAT)]
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file (UTF-8, `,` or `;` separated, header row first).
    file: PathBuf,
    /// Import the good rows and skip the bad ones (exit code 5 when some were skipped). Without it, a file
    /// with a bad row changes nothing (exit code 2).
    #[arg(long)]
    skip_invalid: bool,
    /// Check the file and show what would change, without writing anything.
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
}

/// Which items to mark or unmark. Criteria given together must all hold.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("selection").required(true).multiple(true)
    .args(["all", "from", "to", "group", "filter", "numbers"])))]
pub struct Selection {
    /// Every item.
    #[arg(long, conflicts_with_all = ["from", "to", "group", "filter", "numbers"])]
    all: bool,
    /// Item numbers from this one on (text order, inclusive).
    #[arg(long, value_name = "NUMBER")]
    from: Option<String>,
    /// Item numbers up to this one (text order, inclusive).
    #[arg(long, value_name = "NUMBER")]
    to: Option<String>,
    /// Items of this item group.
    #[arg(long)]
    group: Option<String>,
    /// Items matching a filter: `field=value` (equal) or `field~value` (contains), comma separated.
    #[arg(long)]
    filter: Option<String>,
    /// These item numbers.
    numbers: Vec<String>,
    #[arg(long)]
    json: bool,
}

const SELECTION_HELP: &str = "\
Examples:
  shopsync items mark --all
  shopsync items mark --from I-1000 --to I-1999
  shopsync items mark --group SHIRTS --filter status=active
  shopsync items mark --filter 'hoodie'              (name contains 'hoodie')
  shopsync items unmark --filter 'vendor=Contoso, tag~clearance'
  shopsync items mark I-1001 I-1002

Filter fields: number, name, description, status, group, vendor, type, tag, sku, barcode.
`=` compares whole values, `~` finds a part; case is ignored. A text without an operator means name~text.
Marking does not count as a change of the item: it does not make a sync send it again.";

const ITEMS_FORMAT: &str = "\
Columns (one row per variant; rows with the same item_number form one item):
  item_number (required)   item_name (required on one row of the item)   description
  status (active, draft, archived; default active)   item_group   vendor   product_type
  inventory_tracked (yes/no, default yes)   weight   weight_unit (g, kg, oz, lb)
  option1_name option1_value   option2_name option2_value   option3_name option3_value
  variant_code (default: the SKU)   sku (required, unique)   barcode
  images (URLs separated by |)   tags (separated by |)   marked (yes/no; blank keeps the marking)

Item columns may be given on one row of the item and left blank on the others. An item in the file is the
whole item: variants no longer listed are removed. An item with several variants needs options.

File: UTF-8 (with or without BOM), separated by `,` or `;`, header row first. Columns are found by name in any
order; unknown columns are refused. Decimals use `.`. Every bad row is reported with its line number; a file with
a bad row changes nothing unless --skip-invalid is given.";

const PRICES_FORMAT: &str = "\
Columns: sku (required), price (required, at least 0), compare_at_price (optional, the \"was\" price).
SKUs must belong to an item variant; SKUs not in the file keep their price.

Example: shopsync prices import retail.csv --price-list RETAIL --currency USD --name \"Retail prices\"

File: UTF-8 (with or without BOM), separated by `,` or `;`, header row first. Columns are found by name in any
order; unknown columns are refused. Decimals use `.`. Every bad row is reported with its line number; a file with
a bad row changes nothing unless --skip-invalid is given.";

const STOCK_FORMAT: &str = "\
Columns: warehouse (code, required), sku (required), quantity (whole number, required): the quantity on hand
now, not a change. A new warehouse code creates the warehouse; SKUs not in the file keep their stock.

File: UTF-8 (with or without BOM), separated by `,` or `;`, header row first. Columns are found by name in any
order; unknown columns are refused. Every bad row is reported with its line number; a file with a bad row
changes nothing unless --skip-invalid is given.";

const BUNDLES_FORMAT: &str = "\
Columns: bundle_sku, component_sku, quantity (all required; quantity at least 1), one row per component.
A bundle in the file gets exactly the components listed. Bundles cannot contain bundles.

File: UTF-8 (with or without BOM), separated by `,` or `;`, header row first. Columns are found by name in any
order; unknown columns are refused. Every bad row is reported with its line number; a file with a bad row
changes nothing unless --skip-invalid is given.";

pub async fn run_items(data_dir: &DataDir, command: ItemsCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        ItemsCommand::Import(args) => {
            let bytes = read_file(&args.file)?;
            let report = import_items(store, &bytes, args.options()).await.map_err(import_failure)?;
            finish_import(&args, &report)
        }
        ItemsCommand::List { group, marked, filter, json } => {
            let query = ItemQuery {
                group,
                marked: marked.then_some(true),
                filter: parse_filter(filter.as_deref())?,
                ..Default::default()
            };
            let items = store.items(&query).await?;
            if json {
                print_json(&items)?;
            } else if items.is_empty() {
                println!("No items match. Import some with `shopsync items import FILE.csv`.");
            } else {
                println!("{:<16} {:<40} {:<9} {:<14} {:>8}  MARKED", "NUMBER", "NAME", "STATUS", "GROUP", "VARIANTS");
                for item in &items {
                    println!(
                        "{:<16} {:<40} {:<9} {:<14} {:>8}  {}",
                        clean(&item.number),
                        shorten(&item.name, 40),
                        item.status,
                        shorten(item.item_group.as_deref().unwrap_or("-"), 14),
                        item.variants.len(),
                        if item.marked { "yes" } else { "no" }
                    );
                }
                let variants: usize = items.iter().map(|i| i.variants.len()).sum();
                println!("{}, {}.", count(items.len() as u64, "item"), count(variants as u64, "variant"));
            }
            Ok(ExitCode::SUCCESS)
        }
        ItemsCommand::Show { number, json } => {
            let item = store.item(&number).await?.ok_or_else(|| StoreError::NotFound {
                what: "item",
                key: format!("{number} (`shopsync items list`)"),
            })?;
            show_item(store, item, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        ItemsCommand::Mark(selection) => mark(store, selection, true).await,
        ItemsCommand::Unmark(selection) => mark(store, selection, false).await,
        ItemsCommand::Errors { shop, json } => {
            let (domain, records) = skipped_records(store, &shop).await?;
            if json {
                print_json(&records)?;
            } else if records.is_empty() {
                println!("No skipped records for {domain}: everything the last syncs sent was accepted.");
            } else {
                println!("{:<27} {:<9} {:<22} {:<24} {:<16} MESSAGE", "WHEN", "OBJECT", "KEY", "FIELD", "CODE");
                for r in &records {
                    println!(
                        "{:<27} {:<9} {:<22} {:<24} {:<16} {}",
                        r.created_at,
                        r.object,
                        clean(&r.object_key),
                        clean(r.field.as_deref().unwrap_or("-")),
                        clean(r.code.as_deref().unwrap_or("-")),
                        clean(&r.message)
                    );
                }
                println!(
                    "{} skipped records. Correct them in the back office; the next sync retries them.",
                    records.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn run_prices(data_dir: &DataDir, command: PricesCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let PricesCommand::Import { import, price_list, currency, name } = command;
    let bytes = read_file(&import.file)?;
    let list = PriceListInput { code: price_list, name, currency };
    let report = import_prices(store.as_ref(), &list, &bytes, import.options()).await.map_err(import_failure)?;
    finish_import(&import, &report)
}

pub async fn run_stock(data_dir: &DataDir, command: StockCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let StockCommand::Import(args) = command;
    let bytes = read_file(&args.file)?;
    let report = import_stock(store.as_ref(), &bytes, args.options()).await.map_err(import_failure)?;
    finish_import(&args, &report)
}

pub async fn run_bundles(data_dir: &DataDir, command: BundlesCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let BundlesCommand::Import(args) = command;
    let bytes = read_file(&args.file)?;
    let report = import_bundles(store.as_ref(), &bytes, args.options()).await.map_err(import_failure)?;
    finish_import(&args, &report)
}

impl ImportArgs {
    fn options(&self) -> ImportOptions {
        ImportOptions { skip_invalid: self.skip_invalid, dry_run: self.dry_run }
    }
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A file the import cannot use at all is a usage error (exit 2) when the file's shape or the command line is
/// wrong; other failures keep their own exit code.
fn import_failure(err: ImportError) -> anyhow::Error {
    match err {
        ImportError::Empty | ImportError::Header { .. } | ImportError::PriceList(_) => Failure::usage(err.to_string()),
        ImportError::Unreadable { .. } | ImportError::Store(_) => err.into(),
    }
}

/// Prints the report and picks the exit code: 2 when bad rows refused the file, 5 when they were skipped.
fn finish_import(args: &ImportArgs, report: &ImportReport) -> anyhow::Result<ExitCode> {
    let file = args.file.display();
    if args.json {
        print_json(report)?;
    } else {
        for error in report.errors.iter().take(SHOWN_ERRORS) {
            println!("{file}: {error}");
        }
        if report.errors.len() > SHOWN_ERRORS {
            println!("... and {} more bad rows (--json lists them all).", report.errors.len() - SHOWN_ERRORS);
        }
        print_summary(&file.to_string(), report);
    }
    if report.refused() {
        let mut lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        return Err(Failure::usage(format!(
            "{file}: {} of {} have errors; nothing was imported. Correct them and import again, or pass \
             --skip-invalid to import the good rows and skip the bad ones",
            count(lines.len() as u64, "row"),
            count(report.rows, "row"),
        )));
    }
    if report.has_errors() {
        return Ok(ExitCode::from(EXIT_SKIPPED));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(file: &str, report: &ImportReport) {
    let what = report.records;
    if report.refused() {
        return;
    }
    let (verb, created, updated) = match report.outcome {
        ImportOutcome::DryRun => ("Dry run, nothing was written", "would be created", "would be updated"),
        _ => ("Imported", "created", "updated"),
    };
    println!("{verb}: {file} ({}).", count(report.rows, "row"));
    println!(
        "{}{}: {} {created}, {} {updated}, {} unchanged.",
        what[..1].to_uppercase(),
        &what[1..],
        report.created,
        report.updated,
        report.unchanged
    );
    if let Some(v) = &report.variants {
        println!(
            "Variants: {} {created}, {} {updated}, {} unchanged, {} removed.",
            v.created, v.updated, v.unchanged, v.removed
        );
    }
    if let Some(list) = report.price_list.as_ref().filter(|list| list.created) {
        println!("Price list {} {created}.", list.code);
    }
    if !report.warehouses_created.is_empty() {
        println!("Warehouses {created}: {}.", report.warehouses_created.join(", "));
    }
    if report.skipped > 0 {
        let mut keys = report.skipped_keys.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
        if report.skipped_keys.len() > 20 {
            keys.push_str(", ...");
        }
        println!(
            "Skipped {} because of the bad rows above: {keys}.",
            count(report.skipped, what.trim_end_matches('s'))
        );
        if what == "items" {
            println!("(An item with one bad row is skipped whole, so no variant is removed by a typo.)");
        }
    }
}

async fn mark(store: &(impl CatalogStore + ?Sized), selection: Selection, marked: bool) -> anyhow::Result<ExitCode> {
    let chosen = ItemSelection {
        all: selection.all,
        numbers: selection.numbers,
        from: selection.from,
        to: selection.to,
        group: selection.group,
        filter: selection.filter,
    };
    let outcome = match mark_items(store, &chosen, marked).await {
        Ok(outcome) => outcome,
        Err(MarkError::UnknownNumbers(missing)) => {
            return Err(Failure::usage(format!(
                "no item has the number(s) {}; nothing was changed (`shopsync items list` shows the items)",
                missing.join(", ")
            )));
        }
        Err(MarkError::Filter(err)) => {
            return Err(Failure::usage(format!("{err}. Example: --filter 'status=active, name~shirt'")));
        }
        Err(err @ MarkError::NothingChosen) => return Err(Failure::usage(err.to_string())),
        Err(MarkError::Store(err)) => return Err(err.into()),
    };
    if selection.json {
        print_json(&outcome)?;
    } else {
        let verb = if marked { "Marked" } else { "Unmarked" };
        let already = if marked { "already marked" } else { "not marked before" };
        println!(
            "{verb} {} for synchronization ({} matched, {} {already}).",
            count(outcome.changed, "item"),
            outcome.matched,
            outcome.matched - outcome.changed
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_filter(text: Option<&str>) -> anyhow::Result<ItemFilter> {
    match text {
        None => Ok(ItemFilter::default()),
        Some(text) => text.parse().map_err(|err: shopsync_store::catalog::InvalidItemFilter| {
            Failure::usage(format!("{err}. Example: --filter 'status=active, name~shirt'"))
        }),
    }
}

/// Everything about one item, as `items show --json` prints it.
#[derive(Serialize)]
struct ItemDetails {
    #[serde(flatten)]
    item: Item,
    prices: Vec<Price>,
    stock: Vec<StockLevel>,
    /// Bundle SKU -> its components, for the variants that are bundles.
    bundles: Vec<(String, Vec<BundleComponent>)>,
    links: Vec<ShopLink>,
}

#[derive(Serialize)]
struct ShopLink {
    shop: String,
    #[serde(flatten)]
    link: ProductLink,
}

async fn show_item<S: CatalogStore + ShopStore + ?Sized>(store: &S, item: Item, json: bool) -> anyhow::Result<()> {
    let skus: Vec<String> = item.variants.iter().map(|v| v.sku.clone()).collect();
    let prices = store.prices_of_skus(&skus).await?;
    let stock = store.stock_of_skus(&skus).await?;
    let mut bundles = Vec::new();
    for sku in &skus {
        let components = store.bundle_components(sku).await?;
        if !components.is_empty() {
            bundles.push((sku.clone(), components));
        }
    }
    let mut links = Vec::new();
    for shop in store.shops().await? {
        if let Some(link) = store.product_link(shop.id, item.id).await? {
            links.push(ShopLink { shop: shop.domain, link });
        }
    }
    let details = ItemDetails { item, prices, stock, bundles, links };
    if json {
        return print_json(&details);
    }
    let item = &details.item;
    let or_dash = |value: &Option<String>| clean(value.as_deref().unwrap_or("-")).into_owned();
    println!("Item          {}  {}", clean(&item.number), clean(&item.name));
    println!("Status        {}", item.status);
    println!("Group         {}", or_dash(&item.item_group));
    println!("Vendor        {}", or_dash(&item.vendor));
    println!("Product type  {}", or_dash(&item.product_type));
    println!("Tracked       {}", if item.inventory_tracked { "yes" } else { "no" });
    let weight = match (&item.weight, item.weight_unit) {
        (Some(weight), Some(unit)) => format!("{weight} {}", unit.symbol()),
        (Some(weight), None) => weight.clone(),
        _ => "-".into(),
    };
    println!("Weight        {weight}");
    println!(
        "Options       {}",
        if item.option_names.is_empty() { "-".into() } else { shorten(&item.option_names.join(", "), 200) }
    );
    println!("Tags          {}", if item.tags.is_empty() { "-".into() } else { shorten(&item.tags.join(", "), 200) });
    println!("Marked        {}", if item.marked { "yes (synced when a shop syncs marked items)" } else { "no" });
    println!("Updated       {}", item.updated_at);
    for (n, image) in item.images.iter().enumerate() {
        println!("{:<14}{}", if n == 0 { "Images" } else { "" }, clean(image));
    }
    if !item.description.is_empty() {
        println!("Description   {}", shorten(&item.description, 200));
    }
    for link in &details.links {
        println!(
            "Shopify       {}: {} (synced {})",
            link.shop,
            link.link.shopify_product_id,
            link.link.synced_at.as_deref().unwrap_or("never")
        );
    }
    println!();
    println!("{:<12} {:<20} {:<15} {:<20} {:<28} STOCK", "CODE", "SKU", "BARCODE", "OPTIONS", "PRICES");
    for variant in &item.variants {
        let prices: Vec<String> = details
            .prices
            .iter()
            .filter(|p| p.sku == variant.sku)
            .map(|p| match &p.compare_at_price {
                Some(was) => format!("{} {} (was {was})", p.price_list, p.price),
                None => format!("{} {}", p.price_list, p.price),
            })
            .collect();
        let stock: Vec<String> = details
            .stock
            .iter()
            .filter(|s| s.sku == variant.sku)
            .map(|s| format!("{} {}", s.warehouse, s.quantity))
            .collect();
        println!(
            "{:<12} {:<20} {:<15} {:<20} {:<28} {}",
            shorten(&variant.code, 12),
            clean(&variant.sku),
            clean(variant.barcode.as_deref().unwrap_or("-")),
            if variant.option_values.is_empty() {
                "-".into()
            } else {
                clean(&variant.option_values.join(" / ")).into_owned()
            },
            if prices.is_empty() { "-".into() } else { clean(&prices.join(", ")).into_owned() },
            if stock.is_empty() { "-".into() } else { clean(&stock.join(", ")).into_owned() }
        );
    }
    for (sku, components) in &details.bundles {
        let parts: Vec<String> = components.iter().map(|c| format!("{} x {}", c.quantity, c.sku)).collect();
        println!("Bundle {} = {}", clean(sku), clean(&parts.join(" + ")));
    }
    Ok(())
}

/// `1 item`, `2 items`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// At most `max` characters, with `…` when cut.
/// `text` cleaned for the terminal ([`clean`]: it comes from a CSV file or Shopify) and cut to `max` characters.
fn shorten(text: &str, max: usize) -> String {
    let text = clean(text);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}
