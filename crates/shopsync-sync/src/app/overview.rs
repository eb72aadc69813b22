//! Read models of the state of shops and jobs, as plain data: the dashboard, a shop's card, the job list. What
//! the console shows and any other front-end may; each is read here once so they all show the same.
//!
//! Every read is bounded: a fixed number of queries per shop and flow, counts from indexed `GROUP BY`s, the
//! last days of jobs from `jobs(shop_id, started_at)`; no read loads every order or job.

use serde::Serialize;
use shopsync_core::order_errors::OrderStatus;
use shopsync_core::settings::SETTINGS;
use shopsync_core::{Flow, ShopSettings};
use shopsync_store::{Job, JobDay, JobStatus, Shop, Store, SyncCursor};

use crate::scheduler::{LeftOut, next_runs};
use crate::{Engine, FlowSummary, SyncError};

/// How many days the dashboard's chart covers.
pub const CHART_DAYS: i64 = 14;

/// One flow of one shop: whether it is on, its last run and when it runs next.
#[derive(Debug, Clone)]
pub struct FlowState {
    pub flow: Flow,
    /// Switched on by its setting.
    pub enabled: bool,
    /// The flow's last job, whatever its end.
    pub last: Option<Job>,
    /// That job's counts, read from its summary.
    pub last_summary: Option<FlowSummary>,
    /// When the schedules run it next (none while the shop is left out of schedules or the flow is off).
    pub next_run: Option<jiff::Timestamp>,
}

impl FlowState {
    /// Whether the last run failed.
    pub fn failed(&self) -> bool {
        self.last.as_ref().is_some_and(|job| job.status == JobStatus::Failed)
    }
}

/// A shop as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct ShopOverview {
    pub shop: Shop,
    pub settings: ShopSettings,
    /// Why the shop takes no part in scheduled syncs, if it does not.
    pub left_out: Option<LeftOut>,
    pub flows: Vec<FlowState>,
    /// Orders by import status.
    pub orders: Vec<(OrderStatus, u64)>,
    /// Jobs of the shop still running.
    pub running: Vec<Job>,
    /// Set when Shopify's deliveries to the shop stopped (see [`super::webhooks::judge`]), with what to do.
    pub deliveries_stopped: Option<super::webhooks::StoppedDeliveries>,
}

impl ShopOverview {
    /// Orders with this status.
    pub fn orders_with(&self, status: OrderStatus) -> u64 {
        self.orders.iter().find(|(s, _)| *s == status).map(|(_, n)| *n).unwrap_or(0)
    }
}

/// One day of the chart, every shop together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub synced: i64,
    pub errors: i64,
}

/// The dashboard: every shop, and the records synced and errors per day over the last [`CHART_DAYS`] days
/// (every day present, oldest first, zero where nothing ran).
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub shops: Vec<ShopOverview>,
    pub days: Vec<Day>,
}

/// Reads the dashboard.
pub async fn dashboard(engine: &Engine) -> Result<Dashboard, SyncError> {
    let store = engine.store();
    let now = jiff::Timestamp::now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let first = today.checked_sub(jiff::Span::new().days(CHART_DAYS - 1)).unwrap_or(today);
    let since = format!("{first}T00:00:00");
    let mut days: Vec<Day> = (0..CHART_DAYS)
        .filter_map(|n| first.checked_add(jiff::Span::new().days(n)).ok())
        .map(|date| Day { day: date.to_string(), ..Day::default() })
        .collect();
    let mut shops = Vec::new();
    for shop in store.shops().await? {
        for JobDay { day, synced, errors, .. } in store.job_days(shop.id, &since).await? {
            if let Some(slot) = days.iter_mut().find(|d| d.day == day) {
                slot.synced += synced;
                slot.errors += errors;
            }
        }
        shops.push(shop_overview(store.as_ref(), shop, now).await?);
    }
    Ok(Dashboard { shops, days })
}

async fn shop_overview(store: &dyn Store, shop: Shop, now: jiff::Timestamp) -> Result<ShopOverview, SyncError> {
    let settings = store.settings(shop.id).await?;
    let left_out = LeftOut::of(&settings);
    let next = if left_out.is_none() { next_runs(store, &shop, &settings, now).await? } else { Vec::new() };
    let mut flows = Vec::new();
    for flow in Flow::ALL {
        let last = store.jobs(shop.id, Some(flow.as_str()), 1).await?.into_iter().next();
        let last_summary = last.as_ref().and_then(|job| serde_json::from_str(&job.summary).ok());
        let next_run = next.iter().find(|(f, _)| *f == flow).map(|(_, at)| *at);
        flows.push(FlowState { flow, enabled: flow.enabled(&settings), last, last_summary, next_run });
    }
    let orders = store.order_status_counts(shop.id).await?;
    let mut running = Vec::new();
    running.extend(store.running_jobs(shop.id).await?);
    let deliveries_stopped = super::webhooks::delivery_watch(store, &shop, settings.enabled, now).await?;
    Ok(ShopOverview { shop, settings, left_out, flows, orders, running, deliveries_stopped })
}

/// One setting as a shop card lists it: its key, value (normal text form), accepted values and meaning.
#[derive(Debug, Clone)]
pub struct SettingRow {
    pub key: &'static str,
    pub value: String,
    pub accepted: &'static str,
    pub description: &'static str,
}

/// Everything about one shop: the overview, every setting, the cursors of the inbound flows.
#[derive(Debug, Clone)]
pub struct ShopCard {
    pub overview: ShopOverview,
    pub settings: Vec<SettingRow>,
    pub cursors: Vec<SyncCursor>,
}

/// The objects whose sync reads from a cursor that can be reset.
pub const CURSOR_OBJECTS: [&str; 3] = ["orders", "customers", "products"];

/// Reads the card of the shop with this domain.
pub async fn shop_card(engine: &Engine, domain: &str) -> Result<ShopCard, SyncError> {
    let store = engine.store();
    let shop = super::read::find_shop(store.as_ref(), domain).await?;
    let cursors = store.cursors(shop.id).await?;
    let overview = shop_overview(store.as_ref(), shop, jiff::Timestamp::now()).await?;
    let settings = SETTINGS
        .iter()
        .map(|info| SettingRow {
            key: info.key,
            value: overview.settings.get(info.key).unwrap_or_default(),
            accepted: info.accepted,
            description: info.description,
        })
        .collect();
    Ok(ShopCard { overview, settings, cursors })
}

/// The latest jobs of every shop (or of one), newest first, at most `limit` per shop, with their shop's domain.
pub async fn jobs(engine: &Engine, only: Option<&str>, limit: u32) -> Result<Vec<(String, Job)>, SyncError> {
    let store = engine.store();
    let mut all = Vec::new();
    for shop in store.shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        for job in store.jobs(shop.id, None, limit).await? {
            all.push((shop.domain.clone(), job));
        }
    }
    all.sort_by(|a, b| b.1.queued_at.cmp(&a.1.queued_at).then(b.1.id.cmp(&a.1.id)));
    all.truncate(limit as usize);
    Ok(all)
}
