//! The back-office catalog: items marked for synchronization (and marking them, as `items mark|unmark`), bundles
//! with their components, and the records a sync had to skip with Shopify's reason (as `items errors`). Reads
//! and marks through `app::catalog`, which the CLI calls too.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_sync::app::catalog::{self, ITEMS_PAGE, ItemSelection};

use super::dashboard::short_time;
use super::{Console, Ctx, Layout, done, enc, failure, render};

#[derive(Template)]
#[template(path = "console/catalog_items.html")]
struct ItemsPage {
    l: Layout,
    tab: &'static str,
    show: &'static str,
    items: Vec<ItemRow>,
    total: u64,
    /// The number to continue after, when more items follow.
    next: String,
    back: String,
}

struct ItemRow {
    number: String,
    name: String,
    status: String,
    group: String,
    variants: usize,
    skus: String,
    marked: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct ItemsQuery {
    show: Option<String>,
    after: Option<String>,
}

pub(crate) async fn items(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<ItemsQuery>,
) -> Response {
    let (show, marked) = match query.show.as_deref() {
        Some("all") => ("all", None),
        Some("unmarked") => ("unmarked", Some(false)),
        _ => ("marked", Some(true)),
    };
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let (items, total) = match catalog::items(console.engine.store().as_ref(), marked, after).await {
        Ok(found) => found,
        Err(error) => return failure(&error),
    };
    let next = if items.len() as u32 == ITEMS_PAGE { items.last().map(|i| i.number.clone()) } else { None };
    let mut back = format!("/catalog/items?show={show}");
    if let Some(after) = after {
        back.push_str(&format!("&after={}", enc(after)));
    }
    render(&ItemsPage {
        l: ctx.layout("catalog"),
        tab: "items",
        show,
        items: items
            .into_iter()
            .map(|item| ItemRow {
                skus: item.variants.iter().map(|v| v.sku.as_str()).take(4).collect::<Vec<_>>().join(", ")
                    + if item.variants.len() > 4 { ", …" } else { "" },
                variants: item.variants.len(),
                number: item.number,
                name: item.name,
                status: item.status.to_string(),
                group: item.item_group.unwrap_or_default(),
                marked: item.marked,
            })
            .collect(),
        total,
        next: next.unwrap_or_default(),
        back,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct MarkForm {
    /// `mark` or `unmark`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    all: Option<String>,
    /// Item numbers separated by commas or white space.
    #[serde(default)]
    numbers: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    back: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

pub(crate) async fn mark(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<MarkForm>,
) -> Response {
    let back = if form.back.starts_with("/catalog/") { form.back.clone() } else { "/catalog/items".to_string() };
    let marked = match form.action.as_str() {
        "mark" => true,
        "unmark" => false,
        other => return done(&ctx, &back, "error", format!("Unknown action {other:?}: nothing was changed.")),
    };
    let selection = ItemSelection {
        all: form.all.is_some(),
        numbers: form
            .numbers
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect(),
        from: given(&form.from),
        to: given(&form.to),
        group: given(&form.group),
        filter: given(&form.filter),
    };
    match catalog::mark_items(console.engine.store().as_ref(), &selection, marked).await {
        Ok(outcome) => {
            tracing::info!(user = %ctx.user.name, marked, matched = outcome.matched, changed = outcome.changed, "items marked");
            let (verb, already) = if marked { ("Marked", "already marked") } else { ("Unmarked", "not marked before") };
            let noun = if outcome.changed == 1 { "item" } else { "items" };
            done(
                &ctx,
                &back,
                "ok",
                format!(
                    "{verb} {} {noun} for synchronization ({} matched, {} {already}).",
                    outcome.changed,
                    outcome.matched,
                    outcome.matched - outcome.changed
                ),
            )
        }
        Err(error) => done(&ctx, &back, "error", format!("Nothing was changed: {error}.")),
    }
}

#[derive(Template)]
#[template(path = "console/catalog_bundles.html")]
struct BundlesPage {
    l: Layout,
    tab: &'static str,
    bundles: Vec<catalog::BundleView>,
}

pub(crate) async fn bundles(State(console): State<Console>, Extension(ctx): Extension<Ctx>) -> Response {
    match catalog::bundles(console.engine.store().as_ref()).await {
        Ok(bundles) => render(&BundlesPage { l: ctx.layout("catalog"), tab: "bundles", bundles }),
        Err(error) => failure(&error),
    }
}

#[derive(Template)]
#[template(path = "console/catalog_skipped.html")]
struct SkippedPage {
    l: Layout,
    tab: &'static str,
    shops: Vec<String>,
    shop: String,
    records: Vec<SkippedRow>,
}

struct SkippedRow {
    when: String,
    object: String,
    key: String,
    field: String,
    code: String,
    message: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct SkippedQuery {
    shop: Option<String>,
}

pub(crate) async fn skipped(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<SkippedQuery>,
) -> Response {
    let store = console.engine.store();
    let shops: Vec<String> = match store.shops().await {
        Ok(shops) => shops.into_iter().map(|s| s.domain).collect(),
        Err(error) => return failure(&error.into()),
    };
    let Some(chosen) = query.shop.filter(|s| !s.is_empty()).or_else(|| shops.first().cloned()) else {
        return render(&SkippedPage {
            l: ctx.layout("catalog"),
            tab: "skipped",
            shops,
            shop: String::new(),
            records: Vec::new(),
        });
    };
    let (shop, records) = match catalog::skipped_records(store.as_ref(), &chosen).await {
        Ok(found) => found,
        Err(error) => return failure(&error),
    };
    render(&SkippedPage {
        l: ctx.layout("catalog"),
        tab: "skipped",
        shops,
        shop,
        records: records
            .into_iter()
            .map(|r| SkippedRow {
                when: short_time(&r.created_at),
                object: r.object,
                key: r.object_key,
                field: r.field.unwrap_or_default(),
                code: r.code.unwrap_or_default(),
                message: r.message,
            })
            .collect(),
    })
}
