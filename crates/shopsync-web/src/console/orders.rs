//! Orders: the list by status tab (synced, error, pending, ignored, conflict) and error code, one page at a time;
//! an order's detail; Reprocess per order, for the orders ticked, or for every order with a code.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;
use shopsync_core::order_errors::{OrderErrorCode, OrderStatus, ProblemReport};
use shopsync_store::{OrderFilter, OrderKey, Shop};
use shopsync_sync::app::actions;
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
    orders: Vec<OrderRow>,
    page: u32,
    pages: u32,
    total: u64,
    /// The query without the page number, for the pager's links.
    base: String,
}

struct Tab {
    status: &'static str,
    count: u64,
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
    page: Option<u32>,
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
    let Some(shop) = shops.iter().find(|s| chosen.is_none_or(|d| d == s.domain)).cloned() else {
        if let Some(domain) = chosen {
            return failure(&shopsync_store::StoreError::ShopNotFound(domain.to_string()).into());
        }
        return render(&OrdersPage {
            l: ctx.layout("orders"),
            shops: domains,
            shop: String::new(),
            tabs: Vec::new(),
            status: "error",
            codes: Vec::new(),
            code: String::new(),
            orders: Vec::new(),
            page: 1,
            pages: 1,
            total: 0,
            base: String::new(),
        });
    };
    let status: OrderStatus = query.status.as_deref().and_then(|s| s.parse().ok()).unwrap_or(OrderStatus::Error);
    let code: Option<OrderErrorCode> = query.code.as_deref().filter(|c| !c.is_empty()).and_then(|c| c.parse().ok());
    match orders_page(&console, &ctx, &shop, domains, status, code, query.page.unwrap_or(1).max(1)).await {
        Ok(page) => render(&page),
        Err(error) => failure(&error),
    }
}

async fn orders_page(
    console: &Console,
    ctx: &Ctx,
    shop: &Shop,
    shops: Vec<String>,
    status: OrderStatus,
    code: Option<OrderErrorCode>,
    page: u32,
) -> Result<OrdersPage, shopsync_sync::SyncError> {
    let store = console.engine.store();
    let counts = store.order_status_counts(shop.id).await?;
    let tabs =
        [OrderStatus::Synced, OrderStatus::Error, OrderStatus::Pending, OrderStatus::Ignored, OrderStatus::Conflict]
            .into_iter()
            .map(|s| Tab {
                status: s.as_str(),
                count: counts.iter().find(|(c, _)| *c == s).map(|(_, n)| *n).unwrap_or(0),
            })
            .collect();
    let codes = store.order_error_counts(shop.id).await?;
    let filter = OrderFilter {
        status: Some(status),
        code,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        ..OrderFilter::default()
    };
    let total = store.count_shopify_orders(shop.id, &filter).await?;
    let settings = store.settings(shop.id).await?;
    let mut rows = Vec::new();
    for order in store.shopify_orders(shop.id, &filter).await? {
        let href = order_path(&shop.domain, &order.order_id);
        let reference = shopsync_core::order_errors::OrderRef::new(&shop.domain, &order.order_id, &order.name);
        let mut problems = Vec::new();
        if !order.error_codes.is_empty() {
            for error in store.order_errors(shop.id, &order.order_id).await? {
                match error.problem() {
                    Ok(problem) => {
                        problems.push(problem_view(&shop.domain, &href, &problem.report(&reference, &settings), true))
                    }
                    Err(_) => problems.push(ProblemView {
                        code: "UNKNOWN",
                        title: "A problem this version cannot read",
                        message: error.message.clone(),
                        steps: Vec::new(),
                        link_href: None,
                        in_form: true,
                        back: href.clone(),
                    }),
                }
            }
        }
        rows.push(OrderRow {
            href,
            order_id: order.order_id,
            name: order.name,
            status: order.status.as_str(),
            created: short_time(&order.shopify_created_at),
            sales_order: order.sales_order_number.unwrap_or_default(),
            problems,
        });
    }
    let code_text = code.map(|c| c.as_str().to_string()).unwrap_or_default();
    Ok(OrdersPage {
        l: ctx.layout("orders"),
        shops,
        base: format!("/orders?shop={}&status={}&code={}", enc(&shop.domain), status.as_str(), enc(&code_text)),
        shop: shop.domain.clone(),
        tabs,
        status: status.as_str(),
        codes: codes.into_iter().collect(),
        code: code_text,
        orders: rows,
        page,
        pages: (total.div_ceil(u64::from(PAGE_SIZE))).max(1) as u32,
        total,
    })
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
        let captures = store.captures(shop.id, "order", &order.order_id).await?;
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
            .iter()
            .map(|c| CaptureView {
                captured_at: short_time(&c.captured_at),
                hash: c.content_hash.chars().take(12).collect(),
                payload: serde_json::from_str::<serde_json::Value>(&c.payload)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or_else(|_| c.payload.clone()),
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
