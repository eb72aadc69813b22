//! `shopsync orders ...`: Shopify orders as the import sees them, and why an order did not become a sales order.
//!
//! `list` shows a shop's orders with their import status and problem codes; `show` explains one order: every
//! problem with its message, the remedy in steps and the event that re-checks it by itself, its sales order with
//! lines, shipments, transactions, refunds and returns. `codes` prints the order error catalog.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use serde::Serialize;
use shopsync_core::order_errors::{OrderErrorCode, OrderRef, OrderStatus};
use shopsync_store::{OrderFilter, OrderKey, OrderStore, SalesOrder, Shop, ShopStore, ShopifyOrder, StoreError};

use shopsync_store::ConflictSide;
use shopsync_store::JobTrigger;
use shopsync_sync::app::read::OrderDetail;
use shopsync_sync::orders::{ReprocessTarget, reprocess_orders, resolve_conflict};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;
use crate::remedy::ProblemView;
use crate::text::clean;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// List a shop's Shopify orders as the import sees them, newest first: status, problem codes, sales order.
    List {
        #[arg(long)]
        shop: String,
        /// Only orders with this import status: pending, synced, error, ignored or conflict.
        #[arg(long, value_parser = parse_status)]
        status: Option<OrderStatus>,
        /// Only orders with a problem of this code (e.g. PRODUCT_NOT_LINKED; `shopsync orders codes` lists them).
        #[arg(long, value_parser = parse_code)]
        code: Option<OrderErrorCode>,
        /// Only orders created in Shopify on or after this date (YYYY-MM-DD, UTC) or time (RFC 3339).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only orders created in Shopify before this date or time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Skip this many orders (to page through a long list).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// Explain one order: status, every problem with its remedy, its sales order, shipments and payments.
    Show {
        #[arg(long)]
        shop: String,
        /// The order: its name (#1001), number (1001), Shopify id (the number in its admin URL or its
        /// gid://shopify/Order/...) or its sales order number (SO-000001).
        order: String,
        #[arg(long)]
        json: bool,
    },
    /// The order error catalog: every code with its title and meaning.
    Codes {
        #[arg(long)]
        json: bool,
    },
    /// Read orders from Shopify again and evaluate them now: one or more orders, every order with a problem code
    /// (optionally created in a date range), or every order in error.
    #[command(after_long_help = REPROCESS_HELP)]
    Reprocess {
        #[arg(long)]
        shop: String,
        /// The orders: names (#1001), numbers, Shopify ids or sales order numbers.
        #[arg(value_name = "ORDER", required_unless_present_any = ["code", "all_errors"])]
        orders: Vec<String>,
        /// Every order with a problem of this code (e.g. PRODUCT_NOT_LINKED).
        #[arg(long, value_parser = parse_code, conflicts_with_all = ["orders", "all_errors"])]
        code: Option<OrderErrorCode>,
        /// With --code or --all-errors: only orders created in Shopify on or after this date (YYYY-MM-DD, UTC) or
        /// time.
        #[arg(long, value_name = "DATE", conflicts_with = "orders")]
        since: Option<String>,
        /// With --code or --all-errors: only orders created in Shopify before this date or time.
        #[arg(long, value_name = "DATE", conflicts_with = "orders")]
        until: Option<String>,
        /// Every order in error.
        #[arg(long, conflicts_with = "orders")]
        all_errors: bool,
        #[arg(long)]
        json: bool,
    },
    /// Settle an order in conflict (changed, cancelled or refunded in Shopify after its sales order shipped):
    /// take Shopify's version or keep the back office's. Recorded with who decided and when.
    #[command(after_long_help = RESOLVE_HELP)]
    Resolve {
        #[arg(long)]
        shop: String,
        /// The order: its name (#1001), number, Shopify id or sales order number.
        order: String,
        /// Which version wins: `shopify` or `back-office`.
        #[arg(long, value_parser = parse_side)]
        keep: ConflictSide,
        /// Why, in a few words (kept with the decision).
        #[arg(long)]
        note: Option<String>,
        /// Who decides (default: the USER of this session).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

const RESOLVE_HELP: &str = "\
--keep shopify: a cancelled or fully refunded order cancels its sales order (stop what has not left); an edit is
applied to the sales order, what shipped kept, unless Shopify's version drops or shrinks a line that shipped (then
keep the back office's version and adjust by hand). --keep back-office: the sales order stays as it is, and later
syncs compare Shopify with the version current now, so the same change is not flagged again.
Exit codes: 0 settled, 1 the order is not in conflict or Shopify's version cannot be applied (the message says why).";

const REPROCESS_HELP: &str = "\
Reprocess reads each order from Shopify as it is now (never a stored copy, so a fix made in Shopify counts) and
evaluates it at once: fixed orders become sales orders, the others show their current problems. Orders whose cause
is fixed are also re-checked by themselves: at the next `shopsync sync orders` after a SKU is linked, a setting
or template changes, or the order is updated in Shopify; orders tagged with the shop's reprocess tag in Shopify
admin are re-checked at the next sync and the tag is removed.
Exit codes: 0 done, 5 some orders are still in error or conflict, 1 no order could be found.";

pub async fn run(data_dir: &DataDir, command: OrdersCommand) -> anyhow::Result<ExitCode> {
    if let OrdersCommand::Codes { json } = command {
        print_codes(json)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let OrdersCommand::Reprocess { shop, orders, code, since, until, all_errors, json } = command {
        let since = since.as_deref().map(|d| parse_bound("--since", d)).transpose()?;
        let until = until.as_deref().map(|d| parse_bound("--until", d)).transpose()?;
        let target = match (code, all_errors) {
            (Some(code), _) => ReprocessTarget::Code { code, since, until },
            (None, true) => ReprocessTarget::AllErrors { since, until },
            (None, false) if since.is_some() || until.is_some() => {
                return Err(Failure::usage(
                    "--since and --until choose among orders by date: use them with --code CODE or --all-errors, \
                     or name the orders without them",
                ));
            }
            (None, false) => ReprocessTarget::Orders(orders),
        };
        return reprocess(data_dir, &shop, &target, json).await;
    }
    if let OrdersCommand::Resolve { shop, order, keep, note, by, json } = command {
        return resolve(data_dir, &shop, &order, keep, note.as_deref(), by, json).await;
    }
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        OrdersCommand::List { shop, status, code, since, until, limit, offset, json } => {
            let shop = find_shop(store, &shop).await?;
            let filter = OrderFilter {
                status,
                code,
                created_from: since.as_deref().map(|d| parse_bound("--since", d)).transpose()?,
                created_before: until.as_deref().map(|d| parse_bound("--until", d)).transpose()?,
                limit,
                offset,
                ..OrderFilter::default()
            };
            let orders = store.shopify_orders(shop.id, &filter).await?;
            if json {
                let rows: Vec<OrderRow> = orders.iter().map(|o| OrderRow::new(&shop, o)).collect();
                print_json(&rows)?;
                return Ok(ExitCode::SUCCESS);
            }
            let total = store.count_shopify_orders(shop.id, &filter).await?;
            print_list(store, &shop, &orders, total, offset).await?;
        }
        OrdersCommand::Show { shop, order, json } => {
            let shop = find_shop(store, &shop).await?;
            let found = store.find_shopify_order(shop.id, &OrderKey::parse(&order)).await?;
            let Some(found) = found else {
                return Err(StoreError::NotFound {
                    what: "order",
                    key: format!(
                        "`{order}` in {domain}. `shopsync orders list --shop {domain}` lists the orders shopsync has \
                         seen; an order placed since the last sync appears after `shopsync sync orders --shop {domain}`",
                        domain = shop.domain
                    ),
                }
                .into());
            };
            let settings = store.settings(shop.id).await?;
            let view = OrderView::new(OrderDetail::load(store, &shop, &settings, found).await?, &shop);
            if json {
                print_json(&view)?;
            } else {
                view.print(&shop);
            }
        }
        OrdersCommand::Codes { .. } | OrdersCommand::Reprocess { .. } | OrdersCommand::Resolve { .. } => {
            unreachable!("handled before the store is opened")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `orders resolve`: settles an order's conflict with Shopify's version (read now) or the back office's.
async fn resolve(
    data_dir: &DataDir,
    shop: &str,
    order: &str,
    keep: ConflictSide,
    note: Option<&str>,
    by: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let shop = engine.shop(&shop.trim().to_ascii_lowercase()).await?;
    let by = by
        .or_else(|| std::env::var("USER").ok())
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let resolution = resolve_conflict(&shop, order, keep, &by, note).await;
    engine.flush_logs().await;
    let resolution = resolution.map_err(|err| match err {
        shopsync_sync::SyncError::Store(StoreError::Conflict(message)) => Failure { code: 1, message }.into(),
        other => anyhow::Error::from(other),
    })?;
    if json {
        print_json(&resolution)?;
    } else {
        let kept = match keep {
            ConflictSide::Shopify => "Shopify's version applied",
            ConflictSide::BackOffice => "the back office's version kept",
        };
        println!(
            "{} ({}): conflict settled, {kept}, by {} at {}.",
            clean(order),
            resolution.sales_order_number.as_deref().unwrap_or("-"),
            clean(&resolution.resolved_by),
            resolution.resolved_at
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_side(text: &str) -> Result<ConflictSide, String> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "shopify" => Ok(ConflictSide::Shopify),
        "back-office" | "backoffice" => Ok(ConflictSide::BackOffice),
        _ => Err(format!("`{text}` is not a side: use shopify or back-office")),
    }
}

/// `orders reprocess`: re-reads the orders from Shopify and evaluates them now, as a job.
async fn reprocess(data_dir: &DataDir, shop: &str, target: &ReprocessTarget, json: bool) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let shop = engine.shop(&shop.trim().to_ascii_lowercase()).await?;
    let bars = super::progress::Bars::new();
    let mut report = None;
    let flow = async {
        let done = reprocess_orders(&shop, target, &bars).await?;
        let summary = done.summary.clone();
        report = Some(done);
        Ok(summary)
    };
    let result = engine.run_job(&shop, "orders-reprocess", JobTrigger::Manual, &bars, flow).await;
    bars.finish();
    engine.flush_logs().await;
    let summary = result?;
    let Some(mut report) = report else { return Ok(ExitCode::SUCCESS) };
    // The job's summary: the flow's, with the requests and cost the job counted around it.
    report.summary = summary;
    let domain = &shop.shop.domain;
    let held = report.orders.iter().any(|o| matches!(o.status, OrderStatus::Error | OrderStatus::Conflict));
    if json {
        print_json(&report)?;
    } else {
        if report.orders.is_empty() && report.unknown.is_empty() {
            println!("No order matches in {domain}: nothing to reprocess.");
        }
        for order in &report.orders {
            let detail = match order.status {
                OrderStatus::Synced => format!("-> {}", order.sales_order_number.as_deref().unwrap_or("sales order")),
                _ => dedupe(&order.codes).join(", "),
            };
            println!("{:<10} {:<8} {}", clean(&order.name), order.status.as_str(), clean(&detail));
        }
        for key in &report.unknown {
            let key = clean(key);
            println!(
                "{key:<10} not found: shopsync has not seen it and Shopify has no such order (`shopsync orders list \
                 --shop {domain}` lists the orders shopsync knows)"
            );
        }
        for id in &report.deleted {
            println!("{id}  no longer exists in Shopify (deleted): left as it was");
        }
        if held {
            println!("`shopsync orders show --shop {domain} ORDER` explains what still holds an order.");
        }
    }
    if report.orders.is_empty() && !report.unknown.is_empty() {
        return Err(Failure { code: 1, message: "no order could be reprocessed".into() }.into());
    }
    Ok(if held { ExitCode::from(5) } else { ExitCode::SUCCESS })
}

/// The connected shop with this domain, or an error that says how to list them.
pub async fn find_shop(store: &(impl ShopStore + ?Sized), domain: &str) -> anyhow::Result<Shop> {
    Ok(shopsync_sync::app::read::find_shop(store, domain).await?)
}

fn parse_status(text: &str) -> Result<OrderStatus, String> {
    text.parse::<OrderStatus>().map_err(|e| e.to_string())
}

fn parse_code(text: &str) -> Result<OrderErrorCode, String> {
    text.parse::<OrderErrorCode>().map_err(|e| e.to_string())
}

/// A date (`2026-11-02`, midnight UTC) or an RFC 3339 time, in the store's timestamp form.
fn parse_bound(flag: &str, text: &str) -> anyhow::Result<String> {
    let text = text.trim();
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        let start = date.to_zoned(jiff::tz::TimeZone::UTC).context("date out of range")?;
        return Ok(shopsync_core::time::to_text(start.timestamp()));
    }
    shopsync_core::time::normalize(text).map_err(|_| {
        Failure::usage(format!(
            "{flag} `{text}` is not a date: give YYYY-MM-DD (UTC) or an RFC 3339 time such as 2026-11-02T10:00:00Z"
        ))
    })
}

/// The order's page in Shopify admin.
fn admin_link(shop: &Shop, order: &ShopifyOrder) -> Option<String> {
    OrderRef::new(&shop.domain, &order.order_id, &order.name).admin_url()
}

/// One order in `orders list --json`.
#[derive(Serialize)]
struct OrderRow<'a> {
    name: &'a str,
    order_id: &'a str,
    created_at: &'a str,
    status: OrderStatus,
    error_codes: &'a [String],
    sales_order: Option<&'a str>,
    financial_status: Option<&'a str>,
    fulfillment_status: Option<&'a str>,
    reprocess_requested: bool,
    admin_url: Option<String>,
}

impl<'a> OrderRow<'a> {
    fn new(shop: &Shop, order: &'a ShopifyOrder) -> OrderRow<'a> {
        OrderRow {
            name: &order.name,
            order_id: &order.order_id,
            created_at: &order.shopify_created_at,
            status: order.status,
            error_codes: &order.error_codes,
            sales_order: order.sales_order_number.as_deref(),
            financial_status: order.financial_status.as_deref(),
            fulfillment_status: order.fulfillment_status.as_deref(),
            reprocess_requested: order.reprocess_requested,
            admin_url: admin_link(shop, order),
        }
    }
}

async fn print_list(
    store: &(impl OrderStore + ?Sized),
    shop: &Shop,
    orders: &[ShopifyOrder],
    total: u64,
    offset: u32,
) -> anyhow::Result<()> {
    if orders.is_empty() {
        if total == 0 {
            println!(
                "No orders match in {}. Orders appear here once `shopsync sync orders --shop {}` has read them.",
                shop.domain, shop.domain
            );
        } else {
            println!("No orders on this page: {total} match; lower --offset.");
        }
        return Ok(());
    }
    let width = orders.iter().map(|o| o.name.chars().count()).max().unwrap_or(5).max(5);
    println!(
        "{:<width$}  {:<10}  {:<8}  {:<11}  {:<44}  SHOPIFY ADMIN",
        "ORDER", "CREATED", "STATUS", "SALES ORDER", "PROBLEMS"
    );
    for order in orders {
        let date = order.shopify_created_at.get(..10).unwrap_or(&order.shopify_created_at);
        let problems =
            if order.error_codes.is_empty() { "-".to_string() } else { dedupe(&order.error_codes).join(", ") };
        println!(
            "{:<width$}  {:<10}  {:<8}  {:<11}  {:<44}  {}",
            clean(&order.name),
            date,
            order.status.as_str(),
            order.sales_order_number.as_deref().unwrap_or("-"),
            problems,
            admin_link(shop, order).unwrap_or_default()
        );
    }
    let shown_to = u64::from(offset) + orders.len() as u64;
    if shown_to < total || offset > 0 {
        println!(
            "\nOrders {} to {shown_to} of {total}; --offset {shown_to} shows the next ones.",
            u64::from(offset) + 1
        );
    }
    let counts = store.order_status_counts(shop.id).await?;
    let summary: Vec<String> =
        counts.iter().filter(|(_, n)| *n > 0).map(|(status, n)| format!("{n} {}", status.as_str())).collect();
    println!("\n{}: {}.", shop.domain, summary.join(", "));
    if orders.iter().any(|o| !o.error_codes.is_empty()) {
        println!(
            "`shopsync orders show --shop {} ORDER` explains an order's problems and how to fix them.",
            shop.domain
        );
    }
    Ok(())
}

/// Codes in their first-seen order, each once (an order can have the same problem on several lines).
fn dedupe(codes: &[String]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for code in codes {
        if !seen.contains(&code.as_str()) {
            seen.push(code);
        }
    }
    seen
}

/// Everything `orders show` prints, and its `--json`: the order's detail, with each remedy also as the CLI's
/// text and the command that shows the captured data.
#[derive(Serialize)]
struct OrderView {
    #[serde(flatten)]
    detail: OrderDetail,
    problems: Vec<ProblemView>,
    /// The command that shows the Shopify data the order was imported from.
    captured_data: String,
}

impl OrderView {
    fn new(mut detail: OrderDetail, shop: &Shop) -> OrderView {
        let problems = std::mem::take(&mut detail.problems).into_iter().map(ProblemView::from).collect();
        let numeric = shopsync_core::Gid::parse(&detail.order.order_id).map(|gid| gid.id().to_string());
        let numeric = numeric.unwrap_or_else(|_| detail.order.order_id.clone());
        let captured_data = format!("shopsync capture show --shop {} --type order {numeric}", shop.domain);
        OrderView { detail, problems, captured_data }
    }

    fn print(&self, shop: &Shop) {
        let o = &self.detail.order;
        println!("Order          {} ({})", clean(&o.name), o.order_id);
        if let Some(url) = &self.detail.admin_url {
            println!("Shopify admin  {url}");
        }
        let count = self.problems.len() + self.detail.unreadable_problems.len();
        let status = match (o.status, count) {
            (OrderStatus::Synced, _) => {
                format!("synced into {}", o.sales_order_number.as_deref().unwrap_or("a sales order"))
            }
            (status, 0) => status.as_str().to_string(),
            (status, 1) => format!("{} (1 problem)", status.as_str()),
            (status, n) => format!("{} ({n} problems)", status.as_str()),
        };
        println!("Status         {status}; last checked {}", o.checked_at);
        if o.reprocess_requested {
            println!("Reprocess      requested: evaluated again at the next order sync");
        }
        println!("Created        {}   updated {}", o.shopify_created_at, o.shopify_updated_at);
        println!(
            "Payment        {}   fulfillment {}",
            o.financial_status.as_deref().unwrap_or("-"),
            o.fulfillment_status.as_deref().unwrap_or("-")
        );
        if let Some(at) = &o.cancelled_at {
            println!("Cancelled      {at}");
        }
        if !o.tags.is_empty() {
            println!("Tags           {}", clean(&o.tags.join(", ")));
        }

        for (i, problem) in self.problems.iter().enumerate() {
            println!("\nProblem {} of {count}: {} ({})", i + 1, clean(problem.report.title), problem.report.code);
            println!("  {}", clean(&problem.report.message));
            println!("  To fix it:");
            for (n, step) in problem.remedy.iter().enumerate() {
                println!("    {}. {}", n + 1, clean(step));
            }
            println!("  Re-checked by itself when {}.", clean(&problem.report.rechecked_when.join(", or when ")));
        }
        for error in &self.detail.unreadable_problems {
            println!("\nProblem: {}", clean(&error.code));
            println!("  {}", clean(&error.message));
        }

        match &self.detail.sales_order {
            Some(so) => self.print_sales_order(so),
            None if o.status != OrderStatus::Synced => {
                println!("\nNo sales order yet: it is created once the problems are fixed.")
            }
            None => {}
        }
        if !self.detail.transactions.is_empty() {
            println!("\nTransactions");
            for t in &self.detail.transactions {
                println!(
                    "  {:<14} {:<8} {:>10} {}  {}  {}",
                    clean(&t.kind),
                    clean(&t.status),
                    t.amount,
                    t.currency,
                    clean(t.gateway.as_deref().unwrap_or("-")),
                    t.processed_at.as_deref().unwrap_or("")
                );
            }
        }
        if !self.detail.refunds.is_empty() {
            println!("\nRefunds");
            for r in &self.detail.refunds {
                println!(
                    "  {} {} {}  {}  {}",
                    r.created_at,
                    r.total,
                    r.currency,
                    r.refund_id,
                    clean(r.note.as_deref().unwrap_or(""))
                );
            }
        }
        if !self.detail.returns.is_empty() {
            println!("\nReturns");
            for r in &self.detail.returns {
                println!(
                    "  {} {}  {}",
                    clean(r.name.as_deref().unwrap_or(&r.return_id)),
                    clean(&r.status),
                    r.return_id
                );
            }
        }
        if !self.detail.resolved_conflicts.is_empty() {
            println!("\nConflicts settled");
            for r in &self.detail.resolved_conflicts {
                let side = if r.side == "shopify" { "Shopify's version" } else { "the back office's version" };
                let note = r.note.as_deref().map(|n| format!(" ({})", clean(n))).unwrap_or_default();
                println!("  {} by {}: {side}{note}", r.resolved_at, clean(&r.resolved_by));
            }
        }
        println!("\nShopify data as imported: {}", self.captured_data);
        if !self.problems.is_empty() {
            println!("All orders with a problem: shopsync orders list --shop {} --status error", shop.domain);
        }
    }

    fn print_sales_order(&self, so: &SalesOrder) {
        println!("\nSales order {} ({})", so.number, so.status.as_str().replace('_', " "));
        if let Some(c) = &self.detail.customer {
            println!(
                "  Customer   {} {}{}",
                c.number,
                clean(&c.name),
                clean(&c.email.as_ref().map(|e| format!(" <{e}>")).unwrap_or_default())
            );
        }
        if let Some(address) = &so.ship_to {
            println!("  Ship to    {}", clean(&address.one_line()));
        }
        if let Some(conflict) = &so.conflict {
            println!("  CONFLICT   {}", clean(conflict));
        }
        println!(
            "  {:>4}  {:<16} {:<18} {:<30} {:>5} {:>7} {:>10} {:>9} {:>8}",
            "LINE", "KIND", "SKU", "DESCRIPTION", "QTY", "SHIPPED", "PRICE", "DISCOUNT", "TAX"
        );
        for l in &so.lines {
            println!(
                "  {:>4}  {:<16} {:<18} {:<30} {:>5} {:>7} {:>10} {:>9} {:>8}",
                l.line_no,
                l.kind.as_str().replace('_', " "),
                clean(l.sku.as_deref().unwrap_or("-")),
                truncate(&clean(&l.description), 30),
                l.quantity,
                l.quantity_shipped,
                l.unit_price,
                l.discount,
                l.tax
            );
        }
        println!(
            "  Totals     subtotal {}, discounts {}, tax {}, shipping {}, total {} {}; payment {}",
            so.subtotal,
            so.discount_total,
            so.tax_total,
            so.shipping_total,
            so.total,
            so.currency,
            so.payment_status.as_deref().unwrap_or("-")
        );
        for s in &self.detail.shipments {
            let tracking = match (&s.tracking_number, &s.carrier) {
                (Some(n), Some(c)) => format!(", tracking {n} ({c})"),
                (Some(n), None) => format!(", tracking {n}"),
                _ => String::new(),
            };
            let error = s.sync_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default();
            println!(
                "  Shipment   {} {}{}; to Shopify: {}{}",
                s.number,
                s.shipped_at,
                clean(&tracking),
                s.sync_status,
                clean(&error)
            );
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn print_codes(json: bool) -> anyhow::Result<()> {
    use shopsync_core::order_errors::Disposition;
    #[derive(Serialize)]
    struct Code {
        code: OrderErrorCode,
        title: &'static str,
        meaning: &'static str,
        disposition: Disposition,
        /// The import status an order held by this problem shows (`orders list --status`).
        status: &'static str,
    }
    let codes: Vec<Code> = OrderErrorCode::ALL
        .into_iter()
        .map(|code| Code {
            code,
            title: code.title(),
            meaning: code.summary(),
            disposition: code.disposition(),
            status: code.disposition().status().as_str(),
        })
        .collect();
    if json {
        return print_json(&codes);
    }
    println!("{:<32} {:<8} MEANING", "CODE", "STATUS");
    for c in &codes {
        println!("{:<32} {:<8} {}", c.code.as_str(), c.status, c.meaning);
    }
    println!("\n`shopsync orders show --shop SHOP ORDER` gives an order's problems with the steps that fix them.");
    Ok(())
}
