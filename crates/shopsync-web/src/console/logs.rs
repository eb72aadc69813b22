//! The request log: every call to Shopify with its request and response (secrets redacted before they were
//! stored), filtered by shop and failures, a page at a time; purge all or what is older than 7 days.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_store::{RequestLogEntry, RequestLogFilter};

use super::dashboard::short_time;
use super::{Console, Ctx, Layout, done, enc, failure, render};

const PAGE_SIZE: u32 = 50;

#[derive(Template)]
#[template(path = "console/logs.html")]
struct LogsPage {
    l: Layout,
    shops: Vec<String>,
    shop: String,
    failed: bool,
    entries: Vec<EntryRow>,
    /// The next (older) page's link, when there may be one.
    older: String,
}

struct EntryRow {
    id: i64,
    shop: String,
    started_at: String,
    operation: String,
    status: String,
    failed: bool,
    duration_ms: i64,
    cost: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct LogQuery {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    failed: Option<String>,
    before: Option<i64>,
}

pub(crate) async fn list(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<LogQuery>,
) -> Response {
    let store = console.engine.store();
    let shops = match store.shops().await {
        Ok(shops) => shops,
        Err(error) => return failure(&error.into()),
    };
    let shop = shops.iter().find(|s| s.domain == query.shop);
    let failed = query.failed.as_deref().is_some_and(|f| !f.is_empty());
    let filter = RequestLogFilter {
        shop_id: shop.map(|s| s.id),
        failed_only: failed,
        before_id: query.before,
        limit: PAGE_SIZE,
    };
    let entries = match store.request_logs(&filter).await {
        Ok(entries) => entries,
        Err(error) => return failure(&error.into()),
    };
    let domain_of =
        |id: Option<i64>| shops.iter().find(|s| Some(s.id) == id).map(|s| s.domain.clone()).unwrap_or_default();
    let older = match entries.last() {
        Some(last) if entries.len() == PAGE_SIZE as usize => {
            format!("/logs?shop={}&failed={}&before={}", enc(&query.shop), if failed { "1" } else { "" }, last.id)
        }
        _ => String::new(),
    };
    render(&LogsPage {
        l: ctx.layout("logs"),
        shops: shops.iter().map(|s| s.domain.clone()).collect(),
        shop: shop.map(|s| s.domain.clone()).unwrap_or_default(),
        failed,
        entries: entries
            .iter()
            .map(|e| EntryRow {
                id: e.id,
                shop: domain_of(e.shop_id),
                started_at: short_time(&e.started_at),
                operation: e.operation.clone().unwrap_or_else(|| e.method.clone()),
                status: e.status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                failed: e.failed,
                duration_ms: e.duration_ms,
                cost: e.actual_cost.or(e.requested_cost).map(|c| format!("{c:.0}")).unwrap_or_default(),
            })
            .collect(),
        older,
    })
}

#[derive(Template)]
#[template(path = "console/log_entry.html")]
struct EntryPage {
    l: Layout,
    e: RequestLogEntry,
    request: String,
    response: String,
}

fn pretty(body: Option<&str>) -> String {
    let Some(body) = body else { return String::new() };
    serde_json::from_str::<serde_json::Value>(body)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| body.to_string())
}

pub(crate) async fn entry(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<i64>,
) -> Response {
    match console.engine.store().request_log(id).await {
        Ok(Some(e)) => render(&EntryPage {
            l: ctx.layout("logs"),
            request: pretty(e.request_body.as_deref()),
            response: pretty(e.response_body.as_deref()),
            e,
        }),
        Ok(None) => {
            failure(&shopsync_store::StoreError::NotFound { what: "request log entry", key: id.to_string() }.into())
        }
        Err(error) => failure(&error.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct PurgeForm {
    /// `all`, or `week` for the entries older than 7 days.
    scope: String,
    #[serde(default)]
    shop: String,
}

pub(crate) async fn purge(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PurgeForm>,
) -> Response {
    let store = console.engine.store();
    let back = format!("/logs?shop={}", enc(&form.shop));
    let shop_id = if form.shop.is_empty() {
        None
    } else {
        match shopsync_sync::app::read::find_shop(store.as_ref(), &form.shop).await {
            Ok(shop) => Some(shop.id),
            Err(error) => return failure(&error),
        }
    };
    let before = match form.scope.as_str() {
        "all" => None,
        "week" => Some(shopsync_core::time::to_text(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(7 * 24))),
        other => {
            return done(
                &ctx,
                &back,
                "error",
                format!("`{other}` is not a purge scope: choose all or older than 7 days"),
            );
        }
    };
    match store.purge_request_logs(shop_id, before.as_deref()).await {
        Ok(n) => {
            tracing::info!(user = %ctx.user.name, purged = n, "request log purged");
            done(&ctx, &back, "ok", format!("Purged {n} request log entr{}.", if n == 1 { "y" } else { "ies" }))
        }
        Err(error) => done(&ctx, &back, "error", format!("Nothing was purged: {error}")),
    }
}
