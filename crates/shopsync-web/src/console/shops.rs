//! Shops: the list, and a shop's card with its switches, flows (sync now), settings, cursors and a connection
//! test.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use shopsync_core::Flow;
use shopsync_store::JobTrigger;
use shopsync_sync::app::{self, actions, overview};
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::{NoProgress, SyncError};

use super::dashboard::{ShopView, shop_view, short_time};
use super::{Console, Ctx, Layout, done, enc, failure, render};

#[derive(Template)]
#[template(path = "console/shops.html")]
struct ShopsPage {
    l: Layout,
    shops: Vec<ShopRow>,
}

struct ShopRow {
    domain: String,
    access: String,
    endpoint: String,
    enabled: bool,
    outgoing: bool,
    writes: bool,
}

pub(crate) async fn list(State(console): State<Console>, Extension(ctx): Extension<Ctx>) -> Response {
    let store = console.engine.store();
    let shops = match store.shops().await {
        Ok(shops) => shops,
        Err(error) => return failure(&error.into()),
    };
    let mut rows = Vec::new();
    for shop in shops {
        let settings = match store.settings(shop.id).await {
            Ok(settings) => settings,
            Err(error) => return failure(&error.into()),
        };
        rows.push(ShopRow {
            access: format!("{:?}", shop.access_status).to_lowercase(),
            endpoint: shop.endpoint.clone().unwrap_or_else(|| format!("https://{}", shop.domain)),
            domain: shop.domain,
            enabled: settings.enabled,
            outgoing: settings.allow_outgoing_requests,
            writes: settings.allow_data_sync_to_shopify,
        });
    }
    render(&ShopsPage { l: ctx.layout("shops"), shops: rows })
}

#[derive(Template)]
#[template(path = "console/shop.html")]
struct ShopPage {
    l: Layout,
    shop: ShopView,
    access: String,
    access_error: String,
    endpoint: String,
    switches: Vec<SwitchView>,
    settings: Vec<SettingView>,
    cursors: Vec<CursorRow>,
    /// The setting a remedy link points at, to highlight.
    focus: String,
}

/// One of the two safety switches, shown above everything else.
struct SwitchView {
    key: &'static str,
    on: bool,
    what: &'static str,
}

struct SettingView {
    key: &'static str,
    value: String,
    accepted: &'static str,
    description: &'static str,
    on_off: bool,
    /// A value a remedy suggests, filled in for the person to confirm.
    suggested: String,
}

struct CursorRow {
    object: &'static str,
    updated_at: String,
    last_run: String,
    bulk: bool,
}

#[derive(Deserialize)]
pub(crate) struct Focus {
    setting: Option<String>,
    value: Option<String>,
}

pub(crate) async fn card(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Query(focus): Query<Focus>,
) -> Response {
    let card = match overview::shop_card(&console.engine, &domain).await {
        Ok(card) => card,
        Err(error) => return failure(&error),
    };
    let focus_key = focus.setting.unwrap_or_default();
    let settings = card
        .settings
        .iter()
        .map(|row| SettingView {
            key: row.key,
            value: row.value.clone(),
            accepted: row.accepted,
            description: row.description,
            on_off: row.accepted == "on, off",
            suggested: if row.key == focus_key { focus.value.clone().unwrap_or_default() } else { String::new() },
        })
        .collect();
    let cursors = overview::CURSOR_OBJECTS
        .iter()
        .map(|object| {
            let cursor = card.cursors.iter().find(|c| c.object == *object);
            CursorRow {
                object,
                updated_at: cursor.and_then(|c| c.updated_at.clone()).unwrap_or_else(|| "(start)".into()),
                last_run: short_time(cursor.and_then(|c| c.last_run_at.as_deref()).unwrap_or_default()),
                bulk: cursor.is_some_and(|c| c.bulk_operation_id.is_some()),
            }
        })
        .collect();
    let shop = &card.overview.shop;
    render(&ShopPage {
        l: ctx.layout("shops"),
        access: format!("{:?}", shop.access_status).to_lowercase(),
        access_error: shop.access_error.clone().unwrap_or_default(),
        endpoint: shop.endpoint.clone().unwrap_or_else(|| format!("https://{}", shop.domain)),
        switches: vec![
            SwitchView {
                key: "allow-outgoing-requests",
                on: card.overview.settings.allow_outgoing_requests,
                what: "Off: no request leaves for Shopify at all.",
            },
            SwitchView {
                key: "allow-data-sync-to-shopify",
                on: card.overview.settings.allow_data_sync_to_shopify,
                what: "Off: nothing is written to Shopify (reads and dry runs still work).",
            },
        ],
        shop: {
            let mut view = shop_view(&card.overview);
            // The repair button on the card comes back to the card.
            view.stopped = card
                .overview
                .deliveries_stopped
                .as_ref()
                .map(|stopped| super::dashboard::stopped_view(stopped, card_url(&shop.domain)));
            view
        },
        settings,
        cursors,
        focus: focus_key,
    })
}

fn card_url(domain: &str) -> String {
    format!("/shops/{domain}")
}

#[derive(Deserialize)]
pub(crate) struct SettingForm {
    key: String,
    #[serde(default)]
    value: String,
}

pub(crate) async fn set_setting(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Form(form): Form<SettingForm>,
) -> Response {
    let store = console.engine.store();
    let shop = match app::read::find_shop(store.as_ref(), &domain).await {
        Ok(shop) => shop,
        Err(error) => return failure(&error),
    };
    let back = format!("{}#setting-{}", card_url(&shop.domain), enc(&form.key));
    match actions::set_setting(store.as_ref(), &shop, &form.key, &form.value).await {
        Ok(change) => {
            tracing::info!(user = %ctx.user.name, shop = %shop.domain, key = %change.key, value = %change.value, "setting changed");
            let mut message = format!("{} is now {}.", change.key, change.value);
            match change.rechecked {
                0 => {}
                1 => message.push_str(" 1 order waiting for this change will be checked again at the next order sync."),
                n => message.push_str(&format!(
                    " {n} orders waiting for this change will be checked again at the next order sync."
                )),
            }
            done(&ctx, &back, "ok", message)
        }
        Err(error) => {
            done(&ctx, &back, "error", format!("{} was not changed: {}", form.key, super::remedy::explain(&error)))
        }
    }
}

pub(crate) async fn sync_now(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path((domain, flow)): Path<(String, String)>,
) -> Response {
    let back = card_url(&domain);
    let flow: Flow = match flow.parse() {
        Ok(flow) => flow,
        Err(error) => return done(&ctx, &back, "error", format!("{error}")),
    };
    let engine = &console.engine;
    let result = async {
        let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
        app::run_flow(engine, &shop, flow, JobTrigger::Manual, BulkChoice::Auto, &NoProgress).await
    }
    .await;
    engine.flush_logs().await;
    match result {
        Ok(summary) => done(&ctx, &back, "ok", format!("The {flow} sync finished: {summary}.")),
        Err(error) => done(&ctx, &back, "error", format!("The {flow} sync failed: {}", super::remedy::explain(&error))),
    }
}

/// Hands a run of the flow to serve's workers (the durable queue) and comes back at once.
pub(crate) async fn queue(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path((domain, flow)): Path<(String, String)>,
) -> Response {
    let back = card_url(&domain);
    let flow: Flow = match flow.parse() {
        Ok(flow) => flow,
        Err(error) => return done(&ctx, &back, "error", format!("{error}")),
    };
    match app::queue::enqueue(&console.engine, &domain, flow, JobTrigger::Manual).await {
        Ok(queued) if queued.coalesced => done(
            &ctx,
            &back,
            "ok",
            format!("A {flow} sync was already waiting (request {}): it covers this one.", queued.request.id),
        ),
        Ok(queued) => done(
            &ctx,
            &back,
            "ok",
            format!("The {flow} sync is queued (request {}); a worker of serve runs it.", queued.request.id),
        ),
        Err(error) => {
            done(&ctx, &back, "error", format!("The {flow} sync was not queued: {}", super::remedy::explain(&error)))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CursorForm {
    object: String,
    #[serde(default)]
    to: String,
}

pub(crate) async fn reset_cursor(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Form(form): Form<CursorForm>,
) -> Response {
    let store = console.engine.store();
    let back = format!("{}#cursors", card_url(&domain));
    let result = async {
        let shop = app::read::find_shop(store.as_ref(), &domain).await?;
        actions::reset_cursor(store.as_ref(), &shop, &form.object, Some(&form.to)).await
    }
    .await;
    match result {
        Ok(()) if form.to.trim().is_empty() => {
            done(&ctx, &back, "ok", format!("The next {} sync reads everything from the start.", form.object))
        }
        Ok(()) => done(
            &ctx,
            &back,
            "ok",
            format!("The next {} sync reads everything updated since {}.", form.object, form.to.trim()),
        ),
        Err(error) => {
            done(&ctx, &back, "error", format!("The cursor was not moved: {}", super::remedy::explain(&error)))
        }
    }
}

pub(crate) async fn check(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
) -> Response {
    let engine = &console.engine;
    let back = card_url(&domain);
    let result: Result<_, SyncError> = async {
        let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
        let info = shop.check_access().await?;
        Ok((info, app::required_scopes(&shop.settings)))
    }
    .await;
    engine.flush_logs().await;
    match result {
        Ok((info, needed)) => {
            let missing = info.current_app_installation.missing_scopes(&needed);
            let mut message = format!(
                "Connected to {} ({}, currency {}).",
                info.shop.name, info.shop.myshopify_domain, info.shop.currency_code
            );
            if missing.is_empty() {
                message.push_str(" The token has every scope the switched-on flows need.");
                done(&ctx, &back, "ok", message)
            } else {
                message.push_str(&format!(
                    " The token lacks scopes the switched-on flows need: {}. Grant them to the app and store its \
                     new token.",
                    missing.join(", ")
                ));
                done(&ctx, &back, "error", message)
            }
        }
        Err(error) => {
            done(&ctx, &back, "error", format!("The connection test failed: {}", super::remedy::explain(&error)))
        }
    }
}

/// The rotate-token form. Its `Debug` never shows the token.
#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    token: String,
}

impl std::fmt::Debug for TokenForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenForm").field("token", &"[hidden]").finish()
    }
}

/// Rotate token: the pasted token is checked against Shopify and, if accepted for this shop, replaces the old one
/// sealed (`app::access::rotate_token`). The token is neither echoed nor logged: the answer is a redirect whose
/// message names only the shop.
pub(crate) async fn rotate_token(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let back = format!("{}#access", card_url(&domain));
    let token = secrecy::SecretString::from(form.token);
    match app::access::rotate_token(&console.engine, &domain, token).await {
        Ok(rotated) => {
            tracing::info!(user = %ctx.user.name, shop = %rotated.shop, "access token rotated");
            let mut message = format!(
                "The access token of {} was replaced: Shopify accepted the new one ({}). The next sync uses it.",
                rotated.shop, rotated.shop_name
            );
            if rotated.missing.is_empty() {
                done(&ctx, &back, "ok", message)
            } else {
                message.push_str(&format!(
                    " It lacks scopes the switched-on flows need: {}; grant them to the app (or use Request access).",
                    rotated.missing.join(", ")
                ));
                done(&ctx, &back, "error", message)
            }
        }
        Err(error) => done(
            &ctx,
            &back,
            "error",
            format!("The token was not replaced (the old one stays in use): {}", super::remedy::explain(&error)),
        ),
    }
}

/// Request access: starts the OAuth installation (`app::access::begin_install`) and sends the browser to
/// Shopify's approval page; says what is missing when the app's credentials or public address are not set.
pub(crate) async fn request_access(
    State(console): State<Console>,
    Extension(ctx): Extension<Ctx>,
    Path(domain): Path<String>,
) -> Response {
    let back = format!("{}#access", card_url(&domain));
    match app::access::begin_install(&console.engine, &domain, None, None).await {
        Ok(start) => {
            tracing::info!(user = %ctx.user.name, shop = %start.shop, scopes = %start.scopes.join(","), "installation started");
            super::see_other(&start.url)
        }
        Err(error @ (SyncError::NoAppCredentials | SyncError::NoPublicUrl)) => {
            // The public address is kept with the app's credentials: without them, they come first.
            let error = match console.engine.store().app_credentials().await {
                Ok(None) => SyncError::NoAppCredentials,
                _ => error,
            };
            done(
                &ctx,
                &back,
                "error",
                format!(
                    "Access cannot be requested yet: {}. Until then, paste a token with Rotate token.",
                    super::remedy::explain(&error)
                ),
            )
        }
        Err(error) => {
            done(&ctx, &back, "error", format!("Access could not be requested: {}", super::remedy::explain(&error)))
        }
    }
}
