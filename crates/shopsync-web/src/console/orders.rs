//! Orders: the list by status tab (synced, error, pending, ignored, conflict), error code and creation dates, one
//! page at a time by keyset links (Next after the page's last order, Previous before its first); an order's
//! detail with its captured Shopify data and what changed between versions; Reprocess per order, for the orders
//! ticked, or for every order with a code.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;
use shopsync_core::order_errors::{OrderErrorCode, OrderStatus, ProblemReport};
use shopsync_store::{OrderKey, Shop};
use shopsync_sync::app::actions;
use shopsync_sync::app::history::{Change, capture_history};
use shopsync_sync::app::order_list::{
    DateRange, OrderList, OrderListQuery, PageAt, STATUSES, parse_position, position_token,
};
use shopsync_sync::app::read::{OrderDetail, find_shop};
use shopsync_sync::orders::ReprocessTarget;

use super::dashboard::short_time;
use super::remedy::{Part, parts};
use super::{Console, Ctx, Layout, done, enc, failure, render};

/// Orders per page.
pub const PAGE_SIZE: u32 = 50;

#[derive(Template)]
#[template(path = "console/orders.html")]
struct OrdersPage {
    l: Layout,
    shops: Vec<String>,
    shop: String,
    tabs: Vec<Tab>,
    status: &'static str,
    codes: Vec<(String, u64)>,
    code: String,
    /// The date fields as typed (shown back as they were, even when wrong).
    from: String,
    to: String,
    /// Why the filters could not be read; no order is listed then.
    error: String,
    orders: Vec<OrderRow>,
    total: u64,
    /// The list's query (shop, tab, code and dates) without a page position: the tabs keep the filters, the
    /// pager and the forms' way back add a position to it.
    base: String,
    /// The code and dates as a query's tail, for the tabs.
    filters: String,
    /// This page's own address, where a form on it returns.
    here: String,
    previous: Option<String>,
    next: Option<String>,
    first: bool,
}

struct Tab {
    status: &'static str,
    count: u64,
    /// The tab with the page's code and dates.
    href: String,
}

struct OrderRow {
    order_id: String,
    href: String,
    name: String,
    status: &'static str,
    created: String,
    sales_order: String,
    problems: Vec<ProblemView>,
}

/// A problem as a page shows it: title, message and remedy steps as parts.
pub(crate) struct ProblemView {
    pub code: &'static str,
    pub title: &'static str,
    pub message: String,
    pub steps: Vec<Vec<Part>>,
    /// For a line not linked: the link page with the line's Shopify product and variant filled in.
    pub link_href: Option<String>,
    /// The problem is shown inside a form (the orders list's): its buttons submit that form elsewhere
    /// (`formaction`) instead of being forms of their own.
    pub in_form: bool,
    /// Where a button's form returns to.
    pub back: String,
}

fn problem_view(shop: &str, order_path: &str, report: &ProblemReport, in_form: bool) -> ProblemView {
    let link_href = (report.code == OrderErrorCode::ProductNotLinked)
        .then(|| {
            let line = &report.detail["line"];
            let product = line["product_id"].as_str()?;
            let variant = line["variant_id"].as_str()?;
            let sku = line["sku"].as_str().unwrap_or_default();
            let title = line["title"].as_str().unwrap_or_default();
            Some(format!(
                "/products?shop={}&product={}&variant={}&sku={}&title={}&back={}",
                enc(shop),
                enc(product),
                enc(variant),
                enc(sku),
                enc(title),
                enc(order_path)
            ))
        })
        .flatten();
    ProblemView {
        code: report.code.as_str(),
        title: report.title,
        message: report.message.clone(),
        steps: report.remedy.iter().map(parts).collect(),
        link_href,
        in_form,
        back: order_path.to_string(),
    }
}

/// The console path of an order: `/orders/SHOP/NUMBER` with the numeric part of its global id.
pub(crate) fn order_path(shop: &str, order_id: &str) -> String {
    format!("/orders/{shop}/{}", order_id.rsplit('/').next().unwrap_or(order_id))
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    shop: Option<String>,
    status: Option<String>,
    code: Option<String>,
    /// Created on or after this day (`YYYY-MM-DD`).
    from: Option<String>,
    /// Created on or before this day.
    to: Option<String>,
    /// The page after this position (a Next link).
    after: Option<String>,
    /// The page before this position (a Previous link).
    before: Option<String>,
}

pub(crate) async fn list(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<ListQuery>,
) -> Response {
    let store = console.engine.store();
    let shops = match store.shops().await {
        Ok(shops) => shops,
        Err(error) => return failure(&error.into()),
    };
    let domains: Vec<String> = shops.iter().map(|s| s.domain.clone()).collect();
    let chosen = query.shop.as_deref().filter(|s| !s.is_empty());
    let from = query.from.clone().unwrap_or_default();
    let to = query.to.clone().unwrap_or_default();
    let mut page = OrdersPage {
        l: ctx.layout("orders"),
        shops: domains,
        shop: String::new(),
        tabs: Vec::new(),
        status: "error",
        codes: Vec::new(),
        code: String::new(),
        from: from.trim().to_string(),
        to: to.trim().to_string(),
        error: String::new(),
        orders: Vec::new(),
        total: 0,
        base: String::new(),
        filters: String::new(),
        here: String::new(),
        previous: None,
        next: None,
        first: true,
    };
    let Some(shop) = shops.iter().find(|s| chosen.is_none_or(|d| d == s.domain)).cloned() else {
        if let Some(domain) = chosen {
            return failure(&shopsync_store::StoreError::ShopNotFound(domain.to_string()).into());
        }
        return render(&page);
    };
    let status: OrderStatus = query.status.as_deref().and_then(|s| s.parse().ok()).unwrap_or(OrderStatus::Error);
    let code: Option<OrderErrorCode> = query.code.as_deref().filter(|c| !c.is_empty()).and_then(|c| c.parse().ok());
    let code_text = code.map(|c| c.as_str().to_string()).unwrap_or_default();
    page.filters = format!("&code={}&from={}&to={}", enc(&code_text), enc(&page.from), enc(&page.to));
    page.base = format!("/orders?shop={}&status={}{}", enc(&shop.domain), status.as_str(), page.filters);
    page.here = page.base.clone();
    page.shop = shop.domain.clone();
    page.status = status.as_str();
    page.code = code_text;
    let list_query = DateRange::parse(&from, &to).and_then(|created| {
        let at =
            match (query.after.as_deref().filter(|a| !a.is_empty()), query.before.as_deref().filter(|b| !b.is_empty()))
            {
                (Some(after), _) => PageAt::After(parse_position(after)?),
                (None, Some(before)) => PageAt::Before(parse_position(before)?),
                (None, None) => PageAt::First,
            };
        Ok(OrderListQuery { status, code, created, page: at, page_size: PAGE_SIZE })
    });
    let list_query = match list_query {
        Ok(list_query) => list_query,
        Err(error) => {
            // The page still shows its tabs and filters, so the fields can be put right where they are.
            page.error = error.to_string();
            if let Err(error) = fill_counts(&console, &shop, &mut page).await {
                return failure(&error);
            }
            let mut answer = render(&page);
            if answer.status().is_success() {
                *answer.status_mut() = StatusCode::BAD_REQUEST;
            }
            return answer;
        }
    };
    if let Some(position) = query.after.as_deref().filter(|a| !a.is_empty()) {
        page.here = format!("{}&after={}", page.base, enc(position));
    } else if let Some(position) = query.before.as_deref().filter(|b| !b.is_empty()) {
        page.here = format!("{}&before={}", page.base, enc(position));
    }
    match OrderList::load(store.as_ref(), &shop, &list_query).await {
        Ok(list) => {
            fill(&mut page, &shop, list);
            render(&page)
        }
        Err(error) => failure(&error),
    }
}

/// The tabs' and the code filter's counts alone, for a page whose filters could not be read.
async fn fill_counts(console: &Console, shop: &Shop, page: &mut OrdersPage) -> Result<(), shopsync_sync::SyncError> {
    let store = console.engine.store();
    let counts = store.order_status_counts(shop.id).await?;
    let counts = STATUSES.iter().map(|s| (*s, counts.iter().find(|(c, _)| c == s).map(|(_, n)| *n).unwrap_or(0)));
    page.tabs = tabs(page, counts);
    page.codes = store.order_error_counts(shop.id).await?;
    Ok(())
}

fn tabs(page: &OrdersPage, counts: impl Iterator<Item = (OrderStatus, u64)>) -> Vec<Tab> {
    counts
        .map(|(status, count)| Tab {
            status: status.as_str(),
            count,
            href: format!("/orders?shop={}&status={}{}", enc(&page.shop), status.as_str(), page.filters),
        })
        .collect()
}

fn fill(page: &mut OrdersPage, shop: &Shop, list: OrderList) {
    page.tabs = tabs(page, list.counts.iter().copied());
    page.codes = list.codes;
    page.total = list.total;
    page.first = list.first;
    page.previous = list.previous.map(|p| format!("{}&before={}", page.base, enc(&position_token(&p))));
    page.next = list.next.map(|p| format!("{}&after={}", page.base, enc(&position_token(&p))));
    page.orders = list
        .orders
        .into_iter()
        .map(|listed| {
            let order = listed.order;
            let href = order_path(&shop.domain, &order.order_id);
            let mut problems: Vec<ProblemView> =
                listed.problems.iter().map(|p| problem_view(&shop.domain, &href, p, true)).collect();
            problems.extend(listed.unreadable_problems.iter().map(|error| ProblemView {
                code: "UNKNOWN",
                title: "A problem this version cannot read",
                message: error.message.clone(),
                steps: Vec::new(),
                link_href: None,
                in_form: true,
                back: href.clone(),
            }));
            OrderRow {
                href,
                order_id: order.order_id,
                name: order.name,
                status: order.status.as_str(),
                created: short_time(&order.shopify_created_at),
                sales_order: order.sales_order_number.unwrap_or_default(),
                problems,
            }
        })
        .collect();
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    l: Layout,
    shop: String,
    path: String,
    order_id: String,
    name: String,
    status: &'static str,
    created: String,
    updated: String,
    financial: String,
    fulfillment: String,
    tags: String,
    admin_url: String,
    reprocess_requested: bool,
    problems: Vec<ProblemView>,
    sales_order: Option<SalesOrderView>,
    payments: Vec<String>,
    shipments: Vec<String>,
    captures: Vec<CaptureView>,
}

struct SalesOrderView {
    number: String,
    status: String,
    total: String,
    conflict: String,
    lines: Vec<LineView>,
}

struct LineView {
    line_no: i64,
    kind: &'static str,
    sku: String,
    description: String,
    quantity: i64,
    shipped: i64,
    unit_price: String,
}

struct CaptureView {
    captured_at: String,
    hash: String,
    payload: String,
    /// What changed since the version before (none for the first, or when either is not JSON).
    changes: Option<Vec<ChangeView>>,
}

/// One changed field: where, how, and its values as compact JSON (empty on the side it is missing from).
struct ChangeView {
    path: String,
    kind: &'static str,
    old: String,
    new: String,
}

fn change_view(change: shopsync_sync::app::history::FieldChange) -> ChangeView {
    let path = if change.path.is_empty() { "(the whole document)".to_string() } else { change.path };
    match change.change {
        Change::Added { new } => ChangeView { path, kind: "added", old: String::new(), new: new.to_string() },
        Change::Removed { old } => ChangeView { path, kind: "removed", old: old.to_string(), new: String::new() },
        Change::Changed { old, new } => {
            ChangeView { path, kind: "changed", old: old.to_string(), new: new.to_string() }
        }
    }
}

pub(crate) async fn detail(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path((domain, id)): Path<(String, String)>,
) -> Response {
    let store = console.engine.store();
    let result = async {
        let shop = find_shop(store.as_ref(), &domain).await?;
        let key = OrderKey::Gid(format!("gid://shopify/Order/{}", id.trim()));
        let Some(order) = store.find_shopify_order(shop.id, &key).await? else {
            return Err(shopsync_sync::SyncError::Store(shopsync_store::StoreError::NotFound {
                what: "order",
                key: format!("{id} in {}", shop.domain),
            }));
        };
        let settings = store.settings(shop.id).await?;
        let captures = capture_history(store.as_ref(), shop.id, "order", &order.order_id).await?;
        let detail = OrderDetail::load(store.as_ref(), &shop, &settings, order).await?;
        Ok((shop, detail, captures))
    }
    .await;
    let (shop, detail, captures) = match result {
        Ok(found) => found,
        Err(error) => return failure(&error),
    };
    let order = &detail.order;
    let path = order_path(&shop.domain, &order.order_id);
    render(&OrderPage {
        l: ctx.layout("orders"),
        shop: shop.domain.clone(),
        order_id: order.order_id.clone(),
        name: order.name.clone(),
        status: order.status.as_str(),
        created: short_time(&order.shopify_created_at),
        updated: short_time(&order.shopify_updated_at),
        financial: order.financial_status.clone().unwrap_or_default(),
        fulfillment: order.fulfillment_status.clone().unwrap_or_default(),
        tags: order.tags.join(", "),
        admin_url: detail.admin_url.clone().unwrap_or_default(),
        reprocess_requested: order.reprocess_requested,
        problems: detail.problems.iter().map(|p| problem_view(&shop.domain, &path, p, false)).collect(),
        sales_order: detail.sales_order.as_ref().map(|so| SalesOrderView {
            number: so.number.clone(),
            status: so.status.as_str().to_string(),
            total: format!("{} {}", so.total, so.currency),
            conflict: so.conflict.clone().unwrap_or_default(),
            lines: so
                .lines
                .iter()
                .map(|line| LineView {
                    line_no: line.line_no,
                    kind: line.kind.as_str(),
                    sku: line.sku.clone().unwrap_or_default(),
                    description: line.description.clone(),
                    quantity: line.quantity,
                    shipped: line.quantity_shipped,
                    unit_price: line.unit_price.clone(),
                })
                .collect(),
        }),
        payments: detail
            .transactions
            .iter()
            .map(|t| {
                format!("{} {} {} {} ({})", t.kind, t.status, t.amount, t.currency, t.gateway.as_deref().unwrap_or("-"))
            })
            .collect(),
        shipments: detail
            .shipments
            .iter()
            .map(|s| {
                format!(
                    "{} shipped {} ({}; tracking {})",
                    s.number,
                    short_time(&s.shipped_at),
                    s.sync_status,
                    s.tracking_number.as_deref().unwrap_or("-")
                )
            })
            .collect(),
        captures: captures
            .into_iter()
            .map(|version| {
                let c = &version.capture;
                CaptureView {
                    captured_at: short_time(&c.captured_at),
                    hash: c.content_hash.chars().take(12).collect(),
                    payload: serde_json::from_str::<serde_json::Value>(&c.payload)
                        .and_then(|v| serde_json::to_string_pretty(&v))
                        .unwrap_or_else(|_| c.payload.clone()),
                    changes: version.changes.map(|changes| changes.into_iter().map(change_view).collect()),
                }
            })
            .collect(),
        path,
    })
}

#[derive(Deserialize)]
pub(crate) struct ReprocessForm {
    /// One order (a row's button, or a remedy's).
    one: Option<String>,
    /// The orders ticked.
    #[serde(default)]
    order: Vec<String>,
    /// Every order held with this code.
    code: Option<String>,
    /// Where to go back to.
    back: Option<String>,
}

pub(crate) async fn reprocess(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Form(form): Form<ReprocessForm>,
) -> Response {
    let back = form
        .back
        .clone()
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| format!("/orders?shop={}", enc(&domain)));
    let target = if let Some(one) = form.one.clone().filter(|o| !o.is_empty()) {
        ReprocessTarget::Orders(vec![one])
    } else if let Some(code) = form.code.as_deref().filter(|c| !c.is_empty()) {
        match code.parse::<OrderErrorCode>() {
            Ok(code) => actions::by_code(code),
            Err(error) => return done(&ctx, &back, "error", error.to_string()),
        }
    } else if !form.order.is_empty() {
        ReprocessTarget::Orders(form.order.clone())
    } else {
        return done(&ctx, &back, "error", "No order was ticked: tick the orders to reprocess, then press Reprocess.");
    };
    let engine = &console.engine;
    let result = async {
        let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
        actions::reprocess(engine, &shop, &target).await
    }
    .await;
    engine.flush_logs().await;
    match result {
        Ok(report) if report.orders.is_empty() && report.unknown.is_empty() => {
            done(&ctx, &back, "ok", "No order matches: nothing to reprocess.")
        }
        Ok(report) => {
            let mut lines: Vec<String> = report
                .orders
                .iter()
                .map(|o| match o.status {
                    OrderStatus::Synced => {
                        format!("{} synced ({})", o.name, o.sales_order_number.as_deref().unwrap_or("sales order"))
                    }
                    status => format!("{} {}: {}", o.name, status.as_str(), o.codes.join(", ")),
                })
                .collect();
            lines.extend(report.unknown.iter().map(|k| format!("{k} not found in shopsync or Shopify")));
            lines.extend(report.deleted.iter().map(|k| format!("{k} no longer exists in Shopify")));
            let held = report.orders.iter().any(|o| o.status != OrderStatus::Synced);
            done(&ctx, &back, if held { "error" } else { "ok" }, format!("Reprocessed: {}.", lines.join("; ")))
        }
        Err(error) => done(&ctx, &back, "error", format!("Reprocess failed: {}", super::remedy::explain(&error))),
    }
}
