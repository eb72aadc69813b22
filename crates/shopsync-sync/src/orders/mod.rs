//! The inbound order flow: Shopify orders into back-office sales orders, every problem explained, and orders
//! evaluated again when their cause is fixed.
//!
//! - [`sync_orders`] reads what changed since the durable cursor (`updated_at` and id, with a five-minute overlap
//!   before it, so an order Shopify's search index saw late is not missed, and skipped by version, so nothing is
//!   imported twice): a cheap [`probe`] finds the new or changed orders, which are read in full by id (20 per
//!   request, checkpointing after every batch) or, past [`probe::BULK_THRESHOLD`], by a bulk query. A first run (or a reset cursor) follows the
//!   shop's order-import-from setting and reads the backlog as a bulk query, whose id is kept in the cursor so a
//!   restart reads the running or finished export instead of starting another. Before that, orders someone asked to
//!   reprocess (or whose cause was fixed) are read again by id; after it, Shopify Payments payouts are imported.
//! - Each order is evaluated as a whole: every problem of the order error catalog
//!   ([`shopsync_core::order_errors`]) is listed, and the order's status, problems, sales order, transactions,
//!   refunds and returns are saved in one transaction (one per batch). The store's unique key keeps one sales order
//!   per Shopify order; an edit in Shopify updates it while nothing has shipped and is flagged as a conflict after.
//!   The Shopify data is captured whatever the logging setting (see [`capture::kinds`]).
//! - [`reprocess_orders`] re-reads orders from Shopify (never a stored payload) and evaluates them now: one order, a
//!   code in a date range, or every order in error. The shop's reprocess tag does the same from Shopify admin: a
//!   tagged order is evaluated at the next sync and the tag removed.
//! - Fixes made in shopsync re-check the orders waiting for them by themselves: [`recheck_setting_change`] after
//!   a setting change, [`recheck_linked_skus`] after a product sync linked SKUs (it also runs at the start of
//!   every order sync), and a template change through the store's recheck index. Fixes made in Shopify (an edit, a
//!   payment, a tag) arrive as an update the next incremental read picks up.
//!
//! ```no_run
//! # async fn example(engine: &shopsync_sync::Engine) -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_store::JobTrigger;
//! use shopsync_sync::NoProgress;
//! use shopsync_sync::orders::{OrderSyncOptions, sync_orders};
//!
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let options = OrderSyncOptions::default();
//! let flow = sync_orders(&shop, &options, &NoProgress);
//! let summary = engine.run_job(&shop, "orders", JobTrigger::Manual, &NoProgress, flow).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod capture;
pub mod evaluate;
mod import;
pub mod probe;
mod read;
mod recheck;

use std::collections::BTreeSet;

use futures::TryStreamExt;
use serde::Serialize;
use shopify_admin::ops::payouts::Payouts;
use shopify_admin::ops::products::SearchPageVariables;
use shopsync_core::OrderErrorCode;
use shopsync_core::order_errors::OrderStatus;
use shopsync_store::{
    ConflictResolution, ConflictResolutionInput, ConflictSide, OrderEvaluation, OrderFilter, OrderKey, Payout,
    ShopifyOrder, ShopifyOrderInput,
};

pub use import::ImportedOrder;
pub use read::{OBJECT, OVERLAP};
pub(crate) use read::{bulk_wait, resume as resume_bulk};
pub use recheck::{recheck_after, recheck_linked_skus, recheck_setting_change, setting_change_events};

use crate::{FlowSummary, Progress, ShopContext, SyncError};

/// Whether `sync orders` reads through a bulk query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BulkChoice {
    /// A bulk query for a first run (no cursor yet, or a reset one); otherwise a probe finds what changed, and the
    /// changed orders are read by id, or by a bulk query when there are more than
    /// [`probe::BULK_THRESHOLD`](probe::BULK_THRESHOLD).
    #[default]
    Auto,
    /// Always a bulk query (`--bulk`): everything changed since the cursor, in one export.
    Always,
    /// Never a bulk query (`--pages`): pages on a first run, the probe and reads by id after it.
    Never,
}

/// What `sync orders` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderSyncOptions {
    pub bulk: BulkChoice,
    /// Import each changed order as soon as it is read (a run a webhook set off, where someone waits for the sales
    /// order), and check a freshly changed one by a second read, rather than wait for it to settle first.
    pub eager: bool,
}

/// Imports new and changed Shopify orders (see the [module documentation](self)).
pub async fn sync_orders(
    ctx: &ShopContext,
    options: &OrderSyncOptions,
    progress: &dyn Progress,
) -> Result<FlowSummary, SyncError> {
    ctx.require_enabled("the order sync", "sync-orders", ctx.settings.sync_orders)?;
    ctx.require_outgoing()?;
    let store = ctx.store();
    recheck_linked_skus(ctx).await?;
    let mut importer = import::Importer::load(ctx).await?;

    // Orders asked for again (reprocess, a fixed cause) are read by id: their state now, not a stored payload.
    let requested = importer.requested();
    if !requested.is_empty() {
        progress.phase("reading orders to check again", Some(requested.len() as u64));
        reread(ctx, &mut importer, &requested, progress).await?;
    }

    let cursor = store.cursor(ctx.shop.id, OBJECT).await?.unwrap_or_default();
    let first_run = cursor.updated_at.is_none();
    let search = read::search(&cursor, ctx.settings.order_import_from);
    let bulk = match options.bulk {
        BulkChoice::Always => true,
        BulkChoice::Never => false,
        BulkChoice::Auto => first_run || cursor.bulk_operation_id.is_some(),
    };
    let read_as = if bulk {
        read::bulk(ctx, &mut importer, cursor, search, progress).await?;
        "bulk query".to_string()
    } else if first_run {
        read::incremental(ctx, &mut importer, cursor, search, progress).await?;
        "pages".to_string()
    } else {
        let allow_bulk = options.bulk != BulkChoice::Never;
        match probe::run(ctx, &mut importer, cursor.clone(), allow_bulk, options.eager, progress).await? {
            probe::Probed::Read { changed, unchanged, overlap_probed } => {
                let overlap = if overlap_probed { ", overlap probed" } else { "" };
                format!("probe ({changed} changed read by id, {unchanged} unchanged{overlap})")
            }
            probe::Probed::Bulk { search } => {
                read::bulk(ctx, &mut importer, cursor, Some(search), progress).await?;
                "probe, then bulk query (many changed)".to_string()
            }
        }
    };
    read::finish(ctx).await?;

    let mut summary = importer.finish();
    summary.notes.insert("read as".into(), read_as);
    import_payouts(ctx, &mut summary).await;
    Ok(summary)
}

/// Which orders to reprocess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReprocessTarget {
    /// These orders: names (`#1001`), numbers, ids or sales order numbers.
    Orders(Vec<String>),
    /// Orders with a problem of this code, created in the range (dates or times, either end open).
    Code { code: OrderErrorCode, since: Option<String>, until: Option<String> },
    /// Every order in error, created in the range (either end open).
    AllErrors { since: Option<String>, until: Option<String> },
}

/// What a reprocess did, order by order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReprocessReport {
    /// The orders evaluated again, with their new status and problems.
    pub orders: Vec<ImportedOrder>,
    /// Orders named that shopsync has not seen and Shopify does not have.
    pub unknown: Vec<String>,
    /// Orders shopsync knew that Shopify no longer has (deleted): left as they were.
    pub deleted: Vec<String>,
    pub summary: FlowSummary,
}

/// Reads the target orders from Shopify again and evaluates them now (not at the next sync).
pub async fn reprocess_orders(
    ctx: &ShopContext,
    target: &ReprocessTarget,
    progress: &dyn Progress,
) -> Result<ReprocessReport, SyncError> {
    ctx.require_enabled("the order sync", "sync-orders", ctx.settings.sync_orders)?;
    ctx.require_outgoing()?;
    let store = ctx.store();
    let shop_id = ctx.shop.id;
    let mut report = ReprocessReport::default();
    let ids: Vec<String> = match target {
        ReprocessTarget::Orders(keys) => {
            let mut ids = Vec::new();
            for key in keys {
                match store.find_shopify_order(shop_id, &OrderKey::parse(key)).await? {
                    Some(order) => ids.push(order.order_id),
                    // Not seen yet (placed since the last sync): Shopify may still have it by its id.
                    None => match OrderKey::parse(key) {
                        OrderKey::Gid(gid) => ids.push(gid),
                        OrderKey::Number(n) => ids.push(format!("gid://shopify/Order/{n}")),
                        _ => report.unknown.push(key.clone()),
                    },
                }
            }
            ids
        }
        ReprocessTarget::Code { code, since, until } => {
            let filter = OrderFilter {
                code: Some(*code),
                created_from: since.clone(),
                created_before: until.clone(),
                ..OrderFilter::default()
            };
            store.shopify_order_ids(shop_id, &filter).await?
        }
        ReprocessTarget::AllErrors { since, until } => {
            let filter = OrderFilter {
                status: Some(OrderStatus::Error),
                created_from: since.clone(),
                created_before: until.clone(),
                ..OrderFilter::default()
            };
            store.shopify_order_ids(shop_id, &filter).await?
        }
    };
    let ids: Vec<String> = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    // Marked first: if this run stops, the next sync evaluates them.
    store.request_reprocess(shop_id, &ids).await?;
    let mut importer = import::Importer::load(ctx).await?;
    progress.phase("reading orders again", Some(ids.len() as u64));
    let (orders, deleted) = reread(ctx, &mut importer, &ids, progress).await?;
    for id in deleted {
        if store.shopify_order(shop_id, &id).await?.is_some() {
            report.deleted.push(id);
        } else {
            report.unknown.push(id.rsplit('/').next().unwrap_or(&id).to_string());
        }
    }
    report.orders = orders;
    report.summary = importer.finish();
    Ok(report)
}

/// Settles the conflict of an order (`#1001`, a number, an id or its sales order number) as a person decided:
/// Shopify's version (read now, never a stored copy) or the back office's. Recorded with `resolved_by` and the
/// time; see [`shopsync_store::OrderStore::resolve_conflict`].
pub async fn resolve_conflict(
    ctx: &ShopContext,
    key: &str,
    side: ConflictSide,
    resolved_by: &str,
    note: Option<&str>,
) -> Result<ConflictResolution, SyncError> {
    ctx.require_outgoing()?;
    let store = ctx.store();
    let Some(order) = store.find_shopify_order(ctx.shop.id, &OrderKey::parse(key)).await? else {
        return Err(SyncError::Invalid(format!(
            "no order {key} in {}: name an order in conflict by its name, number or Shopify id",
            ctx.shop.domain
        )));
    };
    let (found, _) = read::by_ids(ctx.client(), std::slice::from_ref(&order.order_id)).await?;
    let shopify = match found.into_iter().next() {
        // Deleted in Shopify: as final as a cancellation.
        None => None,
        Some(current) if import::ends(&current) => None,
        Some(current) => {
            let current =
                if current.needs_details() { import::complete_order(ctx.client(), current).await? } else { current };
            let importer = import::Importer::load(ctx).await?;
            Some(importer.sales_order_of(&current)?)
        }
    };
    let input = ConflictResolutionInput {
        order_id: order.order_id.clone(),
        side,
        shopify,
        resolved_by: resolved_by.to_string(),
        note: note.map(str::to_string),
    };
    Ok(store.resolve_conflict(ctx.shop.id, &input).await?)
}

/// Reads orders by id and evaluates them whatever their version; orders Shopify no longer has are left as they
/// were, with their reprocess request cleared. Returns what became of each, and the ids Shopify does not have.
async fn reread(
    ctx: &ShopContext,
    importer: &mut import::Importer<'_>,
    ids: &[String],
    progress: &dyn Progress,
) -> Result<(Vec<ImportedOrder>, Vec<String>), SyncError> {
    let mut outcome = Vec::new();
    let mut deleted = Vec::new();
    for chunk in ids.chunks(shopify_admin::ops::order_import::OrdersImportByIdsVariables::MAX_IDS) {
        let (orders, missing) = read::by_ids(ctx.client(), chunk).await?;
        outcome.extend(importer.import(orders, true).await?);
        for id in missing {
            if let Some(stored) = ctx.store().shopify_order(ctx.shop.id, &id).await? {
                clear_request(ctx, &stored).await?;
            }
            deleted.push(id);
        }
        progress.advance(chunk.len() as u64);
    }
    Ok((outcome, deleted))
}

/// Clears the reprocess request of an order Shopify no longer has, keeping its status and problems.
async fn clear_request(ctx: &ShopContext, order: &ShopifyOrder) -> Result<(), SyncError> {
    let store = ctx.store();
    let problems =
        store.order_errors(ctx.shop.id, &order.order_id).await?.iter().filter_map(|e| e.problem().ok()).collect();
    let evaluation = OrderEvaluation {
        order: ShopifyOrderInput {
            order_id: order.order_id.clone(),
            name: order.name.clone(),
            financial_status: order.financial_status.clone(),
            fulfillment_status: order.fulfillment_status.clone(),
            cancelled_at: order.cancelled_at.clone(),
            tags: order.tags.clone(),
            created_at: order.shopify_created_at.clone(),
            updated_at: order.shopify_updated_at.clone(),
        },
        status: order.status,
        problems,
        ..OrderEvaluation::default()
    };
    store.save_order_evaluation(ctx.shop.id, &evaluation).await?;
    Ok(())
}

/// The cursor object that says when payouts were last read (its `last_success_at`).
const PAYOUTS: &str = "payouts";
/// How often payouts are read: Shopify issues them at most daily, and a page of 50 costs about 95 points, more than
/// an incremental order read that finds a few orders.
const PAYOUTS_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Imports the latest Shopify Payments payouts (one page, newest first), at most once per [`PAYOUTS_EVERY`]. A shop
/// without Shopify Payments, or an app without the payouts scope, gets a note instead of a failed sync: orders matter
/// more than payouts.
async fn import_payouts(ctx: &ShopContext, summary: &mut FlowSummary) {
    let client = ctx.client();
    let store = ctx.store();
    let mut cursor = store.cursor(ctx.shop.id, PAYOUTS).await.ok().flatten().unwrap_or_default();
    let last = cursor.last_success_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    if last.is_some_and(|at| jiff::Timestamp::now().duration_since(at) < PAYOUTS_EVERY) {
        summary.notes.insert("payouts".into(), "read within the hour, not read again".into());
        return;
    }
    let mut pages = client.paginate::<Payouts>(SearchPageVariables::default());
    let page = match pages.try_next().await {
        Ok(Some(page)) => page,
        Ok(None) => return,
        Err(err) => {
            summary.notes.insert("payouts".into(), format!("not read: {err}"));
            return;
        }
    };
    let mut captures = Vec::new();
    let payouts: Vec<Payout> = page
        .nodes
        .iter()
        .map(|p| {
            capture::push(&mut captures, capture::kinds::PAYOUT, p.id.as_str(), p);
            Payout {
                payout_id: p.id.to_string(),
                status: p.status.clone(),
                issued_at: Some(p.issued_at.to_string()),
                net: evaluate::money(p.net.amount),
                currency: p.net.currency_code.clone(),
            }
        })
        .collect();
    let store = ctx.store();
    let saved = async {
        store.capture(ctx.shop.id, &captures).await?;
        store.save_payouts(ctx.shop.id, &payouts).await
    };
    match saved.await {
        Ok(()) => {
            summary.notes.insert("payouts".into(), payouts.len().to_string());
            let now = shopsync_core::time::now_text();
            cursor.object = PAYOUTS.to_string();
            cursor.last_run_at = Some(now.clone());
            cursor.last_success_at = Some(now);
            if let Err(err) = store.save_cursor(ctx.shop.id, &cursor).await {
                summary.notes.insert("payouts".into(), format!("read, but when was not stored: {err}"));
            }
        }
        Err(err) => {
            summary.notes.insert("payouts".into(), format!("not stored: {err}"));
        }
    }
}
