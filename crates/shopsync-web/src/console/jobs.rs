//! Jobs: the latest runs of every flow of every shop (or of one), newest first.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use shopsync_sync::app::overview;

use super::dashboard::short_time;
use super::{Console, Ctx, Layout, failure, render};

#[derive(Template)]
#[template(path = "console/jobs.html")]
struct JobsPage {
    l: Layout,
    shop: String,
    jobs: Vec<JobRow>,
}

struct JobRow {
    id: i64,
    shop: String,
    kind: String,
    trigger: String,
    status: String,
    started_at: String,
    finished_at: String,
    summary: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct JobQuery {
    #[serde(default)]
    shop: String,
}

pub(crate) async fn list(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<JobQuery>,
) -> Response {
    let only = Some(query.shop.as_str()).filter(|s| !s.is_empty());
    let jobs = match overview::jobs(&console.engine, only, 100).await {
        Ok(jobs) => jobs,
        Err(error) => return failure(&error),
    };
    render(&JobsPage {
        l: ctx.layout("jobs"),
        shop: query.shop,
        jobs: jobs
            .into_iter()
            .map(|(shop, job)| JobRow {
                id: job.id,
                shop,
                kind: job.kind,
                trigger: format!("{:?}", job.trigger).to_lowercase(),
                status: format!("{:?}", job.status).to_lowercase(),
                started_at: short_time(job.started_at.as_deref().unwrap_or_default()),
                finished_at: short_time(job.finished_at.as_deref().unwrap_or_default()),
                summary: serde_json::from_str::<shopsync_sync::FlowSummary>(&job.summary)
                    .map(|s| {
                        format!(
                            "{} created, {} updated, {} linked, {} skipped",
                            s.created, s.updated, s.linked, s.skipped
                        )
                    })
                    .unwrap_or_default(),
                error: job.error.unwrap_or_default(),
            })
            .collect(),
    })
}
