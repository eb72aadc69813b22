//! The application boundary: what every front-end calls to run shopsync, with no presentation in it.
//!
//! The CLI, the schedules of `serve` and (as they come) the web console, the back-office REST API, the
//! webhook intake and the workers all start flows, run what is due and read what a person looks at through this
//! module. Decisions live here, once: which flows `sync all` runs and when it stops, what a scheduled round does
//! with a flow another process runs, which access scopes a shop needs. Front-ends decide only how to show it:
//! progress comes back through [`Progress`], a scheduled round through [`ServeEvent`]s, results as plain data.
//!
//! ```no_run
//! # async fn example(engine: &shopsync_sync::Engine) -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_core::Flow;
//! use shopsync_store::JobTrigger;
//! use shopsync_sync::NoProgress;
//! use shopsync_sync::app::run_flow;
//! use shopsync_sync::orders::BulkChoice;
//!
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let summary = run_flow(engine, &shop, Flow::Orders, JobTrigger::Manual, BulkChoice::Auto, &NoProgress).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod access;
pub mod actions;
pub mod api;
pub mod catalog;
pub mod history;
pub mod housekeeping;
pub mod links;
pub mod order_list;
pub mod overview;
pub mod queue;
pub mod read;
pub mod reconcile;
pub mod shipments;
pub mod users;
pub mod webhooks;

use serde::Serialize;
use shopsync_core::order_errors::OrderStatus;
use shopsync_core::{Flow, ShopSettings};
use shopsync_store::{JobTrigger, OrderFilter};

use crate::catalog::{InventorySyncOptions, ProductSyncOptions, sync_inventory, sync_products};
use crate::customers::{CustomerSyncOptions, sync_customers};
use crate::fulfillments::sync_fulfillments;
use crate::orders::{BulkChoice, OrderSyncOptions, recheck_linked_skus, sync_orders};
pub use crate::scheduler::LeftOut;
use crate::scheduler::due_flows;
use crate::{Engine, FlowSummary, Progress, ShopContext, SyncError};

/// Runs one flow of a shop as a job with its default options: what `sync all`, the schedules and a "sync now"
/// run. After a product sync, orders waiting for a SKU it linked are marked to be checked again.
pub async fn run_flow(
    engine: &Engine,
    shop: &ShopContext,
    flow: Flow,
    trigger: JobTrigger,
    bulk: BulkChoice,
    progress: &dyn Progress,
) -> Result<FlowSummary, SyncError> {
    let kind = flow.as_str();
    match flow {
        Flow::Products => {
            let options = ProductSyncOptions::default();
            let summary =
                engine.run_job(shop, kind, trigger, progress, sync_products(shop, &options, progress)).await?;
            recheck_linked_skus(shop).await?;
            Ok(summary)
        }
        Flow::Inventory => {
            let options = InventorySyncOptions::default();
            engine.run_job(shop, kind, trigger, progress, sync_inventory(shop, &options, progress)).await
        }
        Flow::Customers => {
            let options = CustomerSyncOptions { bulk };
            engine.run_job(shop, kind, trigger, progress, sync_customers(shop, &options, progress)).await
        }
        Flow::Orders => {
            let options = OrderSyncOptions { bulk, eager: trigger == JobTrigger::Webhook };
            engine.run_job(shop, kind, trigger, progress, sync_orders(shop, &options, progress)).await
        }
        Flow::Fulfillments => engine.run_job(shop, kind, trigger, progress, sync_fulfillments(shop, progress)).await,
    }
}

/// How one flow of `sync all` ended.
#[derive(Debug, Serialize)]
pub struct FlowOutcome {
    pub flow: Flow,
    /// `done`, `off` (its setting is off) or `failed`.
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<FlowSummary>,
    /// Why the flow failed, as its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The failure itself, for a front-end to show with its remedy.
    #[serde(skip)]
    pub failure: Option<SyncError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Off,
    Failed,
}

/// What `sync all` did: each flow in order, and the refusal of the shop's token that stopped it, if one did.
#[derive(Debug)]
pub struct SyncAll {
    pub outcomes: Vec<FlowOutcome>,
    /// Orders held after the order flow ran (in error or conflict, by this run or an earlier one).
    pub orders_held: u64,
    /// Shopify refused the token: the flows after it were not tried, since each would be refused the same way.
    pub stopped_by: Option<SyncError>,
}

impl SyncAll {
    /// Whether a flow could not run.
    pub fn any_failed(&self) -> bool {
        self.outcomes.iter().any(|o| o.outcome == Outcome::Failed)
    }

    /// Whether a flow held or skipped records, or orders stay held for a person.
    pub fn any_held(&self) -> bool {
        self.orders_held > 0 || self.outcomes.iter().any(|o| o.summary.as_ref().is_some_and(|s| s.skipped > 0))
    }
}

/// Runs every flow of the shop whose setting is on, in [`Flow::ALL`]'s order. A flow that fails does not stop the
/// others, except a refused token. `progress` gives each flow where it reports; [`Progress::done`] is called when
/// the flow ends.
pub async fn sync_all(
    engine: &Engine,
    shop: &ShopContext,
    bulk: BulkChoice,
    progress: &dyn Fn(Flow) -> Box<dyn Progress>,
) -> Result<SyncAll, SyncError> {
    if !shop.settings.enabled {
        return Err(SyncError::ShopDisabled(shop.shop.domain.clone()));
    }
    let mut outcomes = Vec::new();
    let mut orders_held = 0;
    for flow in Flow::ALL {
        if !flow.enabled(&shop.settings) {
            outcomes.push(FlowOutcome { flow, outcome: Outcome::Off, summary: None, error: None, failure: None });
            continue;
        }
        let report = progress(flow);
        let result = run_flow(engine, shop, flow, JobTrigger::Manual, bulk, report.as_ref()).await;
        report.done();
        match result {
            Ok(summary) => {
                if flow == Flow::Orders {
                    orders_held = self::orders_held(shop).await?;
                }
                outcomes.push(FlowOutcome {
                    flow,
                    outcome: Outcome::Done,
                    summary: Some(summary),
                    error: None,
                    failure: None,
                })
            }
            Err(err) if err.is_auth() => {
                let error = Some(err.to_string());
                outcomes.push(FlowOutcome { flow, outcome: Outcome::Failed, summary: None, error, failure: None });
                return Ok(SyncAll { outcomes, orders_held, stopped_by: Some(err) });
            }
            Err(err) => {
                let error = Some(err.to_string());
                outcomes.push(FlowOutcome { flow, outcome: Outcome::Failed, summary: None, error, failure: Some(err) });
            }
        }
    }
    Ok(SyncAll { outcomes, orders_held, stopped_by: None })
}

/// What a scheduled round reports as it goes, for the front-end to show or log.
#[derive(Debug)]
pub enum ServeEvent<'a> {
    /// A shop takes no part in scheduled syncs, and why.
    ShopLeftOut { shop: &'a str, reason: LeftOut },
    /// A shop could not be opened (its token cannot be unsealed, ...): its flows did not run.
    ShopUnavailable { shop: &'a str, error: &'a SyncError },
    /// A due flow ran to its end.
    FlowFinished { shop: &'a str, flow: Flow, summary: &'a FlowSummary },
    /// A due flow is running in another process, which is left to finish it.
    FlowRunningElsewhere { shop: &'a str, flow: Flow },
    /// A due flow failed.
    FlowFailed { shop: &'a str, flow: Flow, error: &'a SyncError },
    /// A due flow was handed to the queue's workers (`joined`: a run of it was already waiting).
    FlowQueued { shop: &'a str, flow: Flow, request: i64, joined: bool },
}

/// What a scheduled round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Flows that ran (to an end, or to a failure).
    pub ran: usize,
    /// Flows that held or skipped records.
    pub held: usize,
    /// Flows that failed, and shops that could not be opened.
    pub failed: usize,
}

/// Runs every flow that is due now, shop by shop (or of the one shop `only` names), each with trigger `schedule`.
/// It stops between flows once `stop` says so: the flow in progress always finishes, with its checkpoint.
pub async fn run_due(
    engine: &Engine,
    only: Option<&str>,
    stop: &tokio::sync::watch::Receiver<bool>,
    progress: &dyn Fn(Flow) -> Box<dyn Progress>,
    on_event: &mut (dyn FnMut(ServeEvent<'_>) + Send),
) -> Result<Round, SyncError> {
    let mut round = Round::default();
    for shop in engine.store().shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let context = match engine.shop(&shop.domain).await {
            Ok(context) => context,
            Err(error) => {
                on_event(ServeEvent::ShopUnavailable { shop: &shop.domain, error: &error });
                round.failed += 1;
                continue;
            }
        };
        if let Some(reason) = LeftOut::of(&context.settings) {
            on_event(ServeEvent::ShopLeftOut { shop: &shop.domain, reason });
            continue;
        }
        let due = due_flows(engine.store().as_ref(), &context.shop, &context.settings, jiff::Timestamp::now()).await?;
        for flow in due {
            if *stop.borrow() {
                return Ok(round);
            }
            let report = progress(flow);
            let result =
                run_flow(engine, &context, flow, JobTrigger::Schedule, BulkChoice::Auto, report.as_ref()).await;
            report.done();
            round.ran += 1;
            match result {
                Ok(summary) => {
                    round.held += usize::from(summary.skipped > 0);
                    on_event(ServeEvent::FlowFinished { shop: &shop.domain, flow, summary: &summary });
                }
                Err(SyncError::AlreadyRunning { .. }) => {
                    on_event(ServeEvent::FlowRunningElsewhere { shop: &shop.domain, flow })
                }
                Err(error) => {
                    round.failed += 1;
                    on_event(ServeEvent::FlowFailed { shop: &shop.domain, flow, error: &error });
                    if error.is_auth() {
                        // Every later flow of this shop would be refused the same way.
                        break;
                    }
                }
            }
        }
    }
    Ok(round)
}

/// Hands every flow that is due now to the durable queue instead of running it here (serve with workers): any
/// worker of any process sharing the database takes it, so the schedules of a hub on several machines run where
/// there is room, and a due flow whose run is still waiting is joined, not queued twice. Returns how many flows
/// were due; a shop that cannot be opened or queued for counts as failed.
pub async fn queue_due(
    engine: &Engine,
    only: Option<&str>,
    on_event: &mut (dyn FnMut(ServeEvent<'_>) + Send),
) -> Result<Round, SyncError> {
    let mut round = Round::default();
    for shop in engine.store().shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let context = match engine.shop(&shop.domain).await {
            Ok(context) => context,
            Err(error) => {
                on_event(ServeEvent::ShopUnavailable { shop: &shop.domain, error: &error });
                round.failed += 1;
                continue;
            }
        };
        if let Some(reason) = LeftOut::of(&context.settings) {
            on_event(ServeEvent::ShopLeftOut { shop: &shop.domain, reason });
            continue;
        }
        let due = due_flows(engine.store().as_ref(), &context.shop, &context.settings, jiff::Timestamp::now()).await?;
        for flow in due {
            round.ran += 1;
            match queue::enqueue(engine, &shop.domain, flow, JobTrigger::Schedule).await {
                Ok(queued) => on_event(ServeEvent::FlowQueued {
                    shop: &shop.domain,
                    flow,
                    request: queued.request.id,
                    joined: queued.coalesced,
                }),
                Err(error) => {
                    round.failed += 1;
                    on_event(ServeEvent::FlowFailed { shop: &shop.domain, flow, error: &error });
                }
            }
        }
    }
    Ok(round)
}

/// Orders that need a person: in error or in conflict. Counted in the store, not in a run's summary: an order
/// held by an earlier run is not read again until it changes, and is still held.
pub async fn orders_held(shop: &ShopContext) -> Result<u64, SyncError> {
    let mut held = 0;
    for status in [OrderStatus::Error, OrderStatus::Conflict] {
        let filter = OrderFilter { status: Some(status), ..OrderFilter::default() };
        held += shop.store().count_shopify_orders(shop.shop.id, &filter).await?;
    }
    Ok(held)
}

/// Where a shop stands with the schedules: left out (and by which setting), or when each scheduled flow runs next.
#[derive(Debug, Clone)]
pub struct ShopSchedule {
    pub shop: String,
    pub left_out: Option<LeftOut>,
    /// Each switched-on, scheduled flow and when it runs next, in run order; empty when none is scheduled.
    pub next: Vec<(Flow, jiff::Timestamp)>,
}

impl ShopSchedule {
    /// The flow that runs first, and when.
    pub fn soonest(&self) -> Option<(Flow, jiff::Timestamp)> {
        self.next.iter().min_by_key(|(_, at)| *at).copied()
    }
}

/// The schedules of every shop (or of the one `only` names), for a front-end to say what runs when and why a shop
/// takes no part.
pub async fn schedules(engine: &Engine, only: Option<&str>) -> Result<Vec<ShopSchedule>, SyncError> {
    let store = engine.store();
    let now = jiff::Timestamp::now();
    let mut schedules = Vec::new();
    for shop in store.shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let settings = store.settings(shop.id).await?;
        let next = crate::scheduler::next_runs(store.as_ref(), &shop, &settings, now).await?;
        schedules.push(ShopSchedule { shop: shop.domain.clone(), left_out: LeftOut::of(&settings), next });
    }
    Ok(schedules)
}

/// The Admin API access scopes the shop's switched-on flows need, in a stable order without repeats.
pub fn required_scopes(settings: &ShopSettings) -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = Vec::new();
    for flow in Flow::ALL.into_iter().filter(|flow| flow.enabled(settings)) {
        for scope in flow.scopes() {
            if !scopes.contains(scope) {
                scopes.push(scope);
            }
        }
    }
    // New products are published to the sales channels publish-to names.
    if Flow::Products.enabled(settings) && !settings.publish_to.is_empty() {
        scopes.push("write_publications");
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_scopes_follow_the_switched_on_flows() {
        let mut settings = ShopSettings::default();
        let all = required_scopes(&settings);
        assert_eq!(all.len(), 11, "{all:?}");
        assert!(all.contains(&"write_publications"), "new products are published: {all:?}");
        assert!(all.contains(&"write_merchant_managed_fulfillment_orders"));
        settings.set("sync-fulfilled-status", "off").unwrap();
        settings.set("sync-inventory", "off").unwrap();
        settings.set("publish-to", "none").unwrap();
        let fewer = required_scopes(&settings);
        assert!(!fewer.iter().any(|s| s.contains("fulfillment") || s.contains("inventory")), "{fewer:?}");
        assert!(!fewer.contains(&"write_publications"));
        assert!(fewer.contains(&"read_orders") && fewer.contains(&"write_products"));
    }

    #[test]
    fn a_shop_is_left_out_of_schedules_by_the_first_switch_that_is_off() {
        let mut settings = ShopSettings::default();
        assert_eq!(LeftOut::of(&settings), None);
        settings.set("allow-background-sync", "off").unwrap();
        assert_eq!(LeftOut::of(&settings), Some(LeftOut::BackgroundSyncOff));
        settings.set("enabled", "off").unwrap();
        assert_eq!(LeftOut::of(&settings).map(LeftOut::setting), Some("enabled"));
    }
}
