//! The dashboard: per shop each flow's last run and next run, the jobs running, and a chart of the last days.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use shopsync_core::order_errors::OrderStatus;
use shopsync_sync::app::overview::{self, Day, ShopOverview};
use shopsync_sync::app::webhooks::{StopEvidence, StoppedDeliveries};

use super::{Console, Ctx, Layout, failure, render};

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    l: Layout,
    shops: Vec<ShopView>,
    chart: Chart,
}

pub(crate) struct ShopView {
    pub domain: String,
    pub left_out: Option<&'static str>,
    pub outgoing: bool,
    pub writes: bool,
    pub flows: Vec<FlowRow>,
    pub errors: u64,
    pub conflicts: u64,
    pub pending: u64,
    pub synced: u64,
    pub running: Vec<RunningRow>,
    /// Set when Shopify's webhook deliveries to the shop stopped: what was seen, and what to do.
    pub stopped: Option<StoppedView>,
}

/// The stopped-deliveries flag as the dashboard and the shop card show it.
pub(crate) struct StoppedView {
    pub domain: String,
    /// The page the repair button comes back to.
    pub back: String,
    pub message: String,
    pub steps: Vec<super::remedy::Part>,
}

/// The flag's words: since when nothing arrived, and what showed that something should have.
pub(crate) fn stopped_view(stopped: &StoppedDeliveries, back: String) -> StoppedView {
    let last = match &stopped.last_delivery_at {
        Some(at) => format!("the last delivery arrived {}", short_time(at)),
        None => "no delivery ever arrived".to_string(),
    };
    let evidence = match &stopped.evidence {
        StopEvidence::OrderChanged { updated_at } => {
            format!("yet a sync imported an order changed in Shopify at {}", short_time(updated_at))
        }
        StopEvidence::SyncFoundChanges { flow, job, changed, started_at } => {
            format!("yet the {flow} sync of {} (job {job}) found {changed} changed records", short_time(started_at))
        }
    };
    StoppedView {
        domain: stopped.shop.clone(),
        back,
        message: format!(
            "Webhook deliveries from Shopify seem to have stopped: {last} (quiet since {}), {evidence}. Changes now \
             reach the back office only at the next scheduled sync.",
            short_time(&stopped.quiet_since)
        ),
        steps: super::remedy::parts(&stopped.remedy()),
    }
}

pub(crate) struct FlowRow {
    pub flow: &'static str,
    pub enabled: bool,
    pub last_status: String,
    pub last_at: String,
    pub counts: String,
    pub errors: String,
    pub failed: bool,
    pub next_run: String,
}

pub(crate) struct RunningRow {
    pub kind: String,
    pub started_at: String,
    pub progress: String,
}

/// The chart of records synced and errors per day, drawn on the server as SVG.
pub(crate) struct Chart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
    pub max: i64,
    /// The baseline's y.
    pub base: u32,
}

pub(crate) struct Bar {
    pub x: u32,
    pub label: String,
    pub synced: i64,
    pub errors: i64,
    pub synced_y: u32,
    pub synced_h: u32,
    pub errors_x: u32,
    pub errors_y: u32,
    pub errors_h: u32,
}

const CHART_PLOT: u32 = 160;
const BAR_GROUP: u32 = 52;

fn chart(days: &[Day]) -> Chart {
    let max = days.iter().map(|d| d.synced.max(d.errors)).max().unwrap_or(0).max(1);
    let base = CHART_PLOT + 10;
    let scale = |n: i64| -> u32 { ((n.max(0) as f64 / max as f64) * f64::from(CHART_PLOT)).round() as u32 };
    let bars = days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            let x = 40 + n as u32 * BAR_GROUP;
            let (synced_h, errors_h) = (scale(day.synced), scale(day.errors));
            Bar {
                x,
                label: day.day.get(5..).unwrap_or(&day.day).to_string(),
                synced: day.synced,
                errors: day.errors,
                synced_y: base - synced_h,
                synced_h,
                errors_x: x + 20,
                errors_y: base - errors_h,
                errors_h,
            }
        })
        .collect::<Vec<_>>();
    Chart { width: 40 + bars.len() as u32 * BAR_GROUP + 10, height: base + 30, bars, max, base }
}

pub(crate) fn shop_view(shop: &ShopOverview) -> ShopView {
    let flows = shop
        .flows
        .iter()
        .map(|state| {
            let (last_status, last_at) = match &state.last {
                Some(job) => (
                    format!("{:?}", job.status).to_lowercase(),
                    job.finished_at.clone().or_else(|| job.started_at.clone()).unwrap_or_default(),
                ),
                None => ("never run".to_string(), String::new()),
            };
            let (counts, errors) = match &state.last_summary {
                Some(s) => (
                    format!(
                        "{} created, {} updated, {} unchanged, {} linked, {} skipped",
                        s.created, s.updated, s.unchanged, s.linked, s.skipped
                    ),
                    s.errors.iter().map(|(code, n)| format!("{code} ×{n}")).collect::<Vec<_>>().join(", "),
                ),
                None => (String::new(), String::new()),
            };
            let errors = match state.last.as_ref().and_then(|job| job.error.clone()) {
                Some(message) if errors.is_empty() => message,
                Some(message) => format!("{errors}; {message}"),
                None => errors,
            };
            FlowRow {
                flow: state.flow.as_str(),
                enabled: state.enabled,
                last_status,
                last_at: short_time(&last_at),
                counts,
                errors,
                failed: state.failed(),
                next_run: match (state.enabled, state.next_run) {
                    (false, _) => "off".into(),
                    (true, Some(at)) => short_time(&at.to_string()),
                    (true, None) => "not scheduled".into(),
                },
            }
        })
        .collect();
    ShopView {
        domain: shop.shop.domain.clone(),
        left_out: shop.left_out.map(|reason| reason.setting()),
        outgoing: shop.settings.allow_outgoing_requests,
        writes: shop.settings.allow_data_sync_to_shopify,
        flows,
        errors: shop.orders_with(OrderStatus::Error),
        conflicts: shop.orders_with(OrderStatus::Conflict),
        pending: shop.orders_with(OrderStatus::Pending),
        synced: shop.orders_with(OrderStatus::Synced),
        running: shop
            .running
            .iter()
            .map(|job| RunningRow {
                kind: job.kind.clone(),
                started_at: short_time(job.started_at.as_deref().unwrap_or_default()),
                progress: progress_text(&job.summary),
            })
            .collect(),
        stopped: shop.deliveries_stopped.as_ref().map(|stopped| stopped_view(stopped, "/".into())),
    }
}

/// A running job's progress so far, from the summary its heartbeat stores.
fn progress_text(summary: &str) -> String {
    match serde_json::from_str::<shopsync_sync::FlowSummary>(summary) {
        Ok(s) => format!("{} created, {} updated, {} skipped so far", s.created, s.updated, s.skipped),
        Err(_) => "started".into(),
    }
}

/// A stored timestamp without its fraction and zone, for tables: `2026-12-03 10:15:02`.
pub(crate) fn short_time(text: &str) -> String {
    let text = text.replace('T', " ");
    text.split(['.', 'Z', '+']).next().unwrap_or_default().to_string()
}

pub(crate) async fn page(State(console): State<Console>, Extension(ctx): Extension<Ctx>) -> Response {
    let dashboard = match overview::dashboard(&console.engine).await {
        Ok(dashboard) => dashboard,
        Err(error) => return failure(&error),
    };
    render(&DashboardPage {
        l: ctx.layout("dashboard"),
        shops: dashboard.shops.iter().map(shop_view).collect(),
        chart: chart(&dashboard.days),
    })
}
