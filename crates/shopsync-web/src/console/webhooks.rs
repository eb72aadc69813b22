//! A shop's webhook deliveries: its subscriptions in Shopify (each compared with the public address), the
//! deliveries received one by one with the run that covered each, the stopped-deliveries flag, and "Repair
//! subscriptions", which runs the same `app::webhooks::sync_webhooks` as `shopsync webhooks sync --shop`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_sync::app::webhooks::{self, DELIVERIES_PAGE};
use shopsync_sync::subscriptions::SubscriptionChange;

use super::dashboard::{StoppedView, short_time, stopped_view};
use super::{Console, Ctx, Layout, done, failure, render};

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct WebhooksPage {
    l: Layout,
    domain: String,
    callback: String,
    wanted: String,
    subscriptions: Vec<SubscriptionRow>,
    subscriptions_error: String,
    /// Topics the flows need that no subscription at the public address covers.
    missing: Vec<String>,
    deliveries: Vec<DeliveryRow>,
    total: u64,
    page: u32,
    pages: u32,
    first: u64,
    last: u64,
    stopped: Option<StoppedView>,
}

struct SubscriptionRow {
    topic: String,
    address: String,
    /// The subscription goes to this installation's public address.
    matches: bool,
}

struct DeliveryRow {
    topic: String,
    event_id: String,
    received_at: String,
    processed: bool,
    processed_at: String,
    flow: String,
    run_id: i64,
    run_status: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    page: Option<u32>,
}

pub(crate) async fn page(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let found = match webhooks::deliveries(&console.engine, &domain, query.page.unwrap_or(1)).await {
        Ok(found) => found,
        Err(error) => return failure(&error),
    };
    let overview = &found.overview;
    let callback = overview.callback.clone().unwrap_or_default();
    let subscriptions: Vec<SubscriptionRow> = overview
        .subscriptions
        .iter()
        .flatten()
        .map(|s| SubscriptionRow { topic: s.topic.clone(), address: s.uri.clone(), matches: s.uri == callback })
        .collect();
    let missing = if overview.subscriptions.is_some() && !callback.is_empty() {
        overview
            .wanted_topics
            .iter()
            .filter(|topic| !subscriptions.iter().any(|s| s.matches && &s.topic == *topic))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let deliveries = found
        .deliveries
        .iter()
        .map(|d| DeliveryRow {
            topic: d.topic.clone(),
            event_id: d.event_id.clone(),
            received_at: short_time(&d.received_at),
            processed: d.processed_at.is_some(),
            processed_at: short_time(d.processed_at.as_deref().unwrap_or_default()),
            flow: d.flow.map(|f| f.as_str().to_string()).unwrap_or_default(),
            run_id: d.run.as_ref().map_or(0, |job| job.id),
            run_status: d.run.as_ref().map(|job| format!("{:?}", job.status).to_lowercase()).unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let first = u64::from(found.page - 1) * u64::from(DELIVERIES_PAGE) + 1;
    let last = first + deliveries.len() as u64 - 1;
    render(&WebhooksPage {
        l: ctx.layout("shops"),
        domain: overview.shop.clone(),
        callback,
        wanted: overview.wanted_topics.join(", "),
        subscriptions,
        subscriptions_error: overview.subscriptions_error.clone().unwrap_or_default(),
        missing,
        deliveries,
        total: found.total,
        page: found.page,
        pages: found.pages,
        first,
        last,
        stopped: found
            .stopped
            .as_ref()
            .map(|stopped| stopped_view(stopped, format!("/shops/{}/webhooks", overview.shop))),
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct BackForm {
    #[serde(default)]
    back: String,
}

/// Repair subscriptions: the same call as `shopsync webhooks sync --shop`.
pub(crate) async fn repair(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Form(form): Form<BackForm>,
) -> Response {
    // Only a page of the console itself is a place to go back to.
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
        form.back
    } else {
        format!("/shops/{domain}/webhooks")
    };
    let outcome = match webhooks::sync_webhooks(&console.engine, Some(&domain), false).await {
        Ok(mut outcomes) if !outcomes.is_empty() => outcomes.remove(0),
        Ok(_) => return done(&ctx, &back, "error", format!("There is no shop {domain}.")),
        Err(error) => {
            let message = format!("The subscriptions were not repaired: {}", super::remedy::explain(&error));
            return done(&ctx, &back, "error", message);
        }
    };
    match outcome.result {
        Ok(sync) => {
            tracing::info!(user = %ctx.user.name, shop = %outcome.shop, changes = sync.changes.len(), "webhook subscriptions repaired");
            let changes: Vec<String> = sync
                .changes
                .iter()
                .map(|change| match change {
                    SubscriptionChange::Create { topic } => format!("created {topic}"),
                    SubscriptionChange::Repoint { topic, .. } => format!("pointed {topic} here"),
                    SubscriptionChange::Remove { topic, .. } => format!("removed {topic} (no flow needs it)"),
                })
                .collect();
            let message = if changes.is_empty() {
                format!(
                    "The subscriptions of {} were in place already ({}), all to {}. If deliveries still do not \
                     arrive, check that Shopify reaches that address.",
                    outcome.shop,
                    sync.kept.join(", "),
                    sync.callback
                )
            } else {
                format!(
                    "The subscriptions of {} are repaired: {}; deliveries go to {}.",
                    outcome.shop,
                    changes.join(", "),
                    sync.callback
                )
            };
            done(&ctx, &back, "ok", message)
        }
        Err(error) => done(
            &ctx,
            &back,
            "error",
            format!("The subscriptions of {} were not repaired: {}", outcome.shop, super::remedy::explain(&error)),
        ),
    }
}
