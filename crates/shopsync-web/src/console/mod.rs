//! The web console: server-rendered pages for the people who run shopsync, working without JavaScript.
//!
//! Every page is a typed askama template (one struct per page, templates in `templates/console/`), every form
//! POSTs and is answered with a redirect to a page that shows the outcome (POST-redirect-GET; the outcome travels
//! in a short-lived flash cookie). The console reads and acts only through `shopsync_sync::app`.
//!
//! Access ([`guard`], in front of every page but the login page and the stylesheet):
//! - a session cookie (`shopsync_session`: HttpOnly, SameSite=Strict, Secure when the request came over https or
//!   the configured public URL is https) names a live session; the store keeps only its SHA-256;
//! - every POST carries the session's CSRF token in the form field `csrf` and is refused (403) without it;
//! - a viewer reads every page but every POST other than logout is refused (403); an operator may act;
//! - the login form has its own CSRF token (a cookie it must match), and failed logins are limited per user
//!   name and per client address ([`auth::Limiter`]): past the limit the answer is 429 with the wait.
//!
//! One file per page area: `auth.rs` (login, logout, limiter), `dashboard.rs`, `shops.rs`, `orders.rs`,
//! `products.rs`, `logs.rs` (request log), `jobs.rs`, `webhooks.rs` (a shop's deliveries), `catalog.rs` (marked
//! items, bundles, skipped records); `remedy.rs` turns remedy data into buttons and links.

mod auth;
mod catalog;
mod dashboard;
mod jobs;
mod logs;
mod orders;
mod products;
mod remedy;
mod shops;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use shopsync_store::{ConsoleUser, UserRole};
use shopsync_sync::app::users;
use shopsync_sync::{Engine, SyncError};

pub use auth::Limiter;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "shopsync_session";
/// The flash cookie: the outcome of the last form, shown once by the page it redirects to.
const FLASH_COOKIE: &str = "shopsync_flash";
/// The largest form body read (the request log purge and a bulk reprocess of a page of orders are far smaller).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// How the console is reached from outside.
///
/// The installation has one public address: the one `app set-url` stores (`app_credentials.public_url`), which
/// webhooks and OAuth use too; an https one makes every console cookie Secure. `public_url` overrides it for the
/// console alone, for a console reached at another address than Shopify's deliveries.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// The address people open the console at, when it differs from the stored public address (`https://...`
    /// makes every cookie Secure, anything else leaves that to the stored address's scheme and the proxy).
    pub public_url: Option<String>,
}

impl ConsoleConfig {
    /// The configuration from the environment: `SHOPSYNC_PUBLIC_URL`, the override of the stored public address.
    pub fn from_env() -> ConsoleConfig {
        ConsoleConfig { public_url: std::env::var("SHOPSYNC_PUBLIC_URL").ok().filter(|url| !url.trim().is_empty()) }
    }
}

/// What the console's handlers share.
#[derive(Clone)]
pub(crate) struct Console {
    engine: Arc<Engine>,
    /// The override's answer to "is the public address https", when one is set.
    https_override: Option<bool>,
    limiter: Arc<Limiter>,
}

fn is_https(url: &str) -> bool {
    url.trim().to_ascii_lowercase().starts_with("https://")
}

impl Console {
    /// Whether cookies set in answer to this request must be Secure: the public address is https (the override,
    /// else the stored one, read at each request so `app set-url` takes effect without a restart), or a proxy says
    /// the request came over https.
    async fn secure(&self, headers: &HeaderMap) -> bool {
        let forwarded_https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
        if forwarded_https {
            return true;
        }
        if let Some(https) = self.https_override {
            return https;
        }
        match self.engine.store().app_public_url().await {
            Ok(url) => url.as_deref().is_some_and(is_https),
            Err(error) => {
                // Unknown: a Secure cookie over plain http is only dropped by the browser, a cookie without it
                // over https could be sent in clear.
                tracing::warn!(%error, "cannot read the public address; console cookies are made Secure");
                true
            }
        }
    }
}

/// The console's routes, to merge into the server's router. Everything but `/login` and `/console.css` needs a
/// session.
pub fn routes(engine: Arc<Engine>, config: ConsoleConfig) -> Router {
    let https_override = config.public_url.as_deref().map(is_https);
    let console = Console { engine, https_override, limiter: Arc::new(Limiter::default()) };
    let pages = Router::new()
        .route("/", get(dashboard::page))
        .route("/logout", post(auth::logout))
        .route("/shops", get(shops::list))
        .route("/shops/{shop}", get(shops::card))
        .route("/shops/{shop}/settings", post(shops::set_setting))
        .route("/shops/{shop}/sync/{flow}", post(shops::sync_now))
        .route("/shops/{shop}/queue/{flow}", post(shops::queue))
        .route("/shops/{shop}/cursor", post(shops::reset_cursor))
        .route("/shops/{shop}/check", post(shops::check))
        .route("/orders", get(orders::list))
        .route("/orders/{shop}/reprocess", post(orders::reprocess))
        .route("/orders/{shop}/{id}", get(orders::detail))
        .route("/products", get(products::page))
        .route("/products/link", post(products::link))
        .route("/products/unlink", post(products::unlink))
        .route("/products/outside", post(products::outside))
        .route("/logs", get(logs::list))
        .route("/logs/purge", post(logs::purge))
        .route("/logs/{id}", get(logs::entry))
        .route("/jobs", get(jobs::list))
        .route("/shops/{shop}/webhooks", get(webhooks::page))
        .route("/shops/{shop}/webhooks/sync", post(webhooks::repair))
        .route("/shops/{shop}/token", post(shops::rotate_token))
        .route("/shops/{shop}/access", post(shops::request_access))
        .route("/catalog/items", get(catalog::items))
        .route("/catalog/items/mark", post(catalog::mark))
        .route("/catalog/bundles", get(catalog::bundles))
        .route("/catalog/skipped", get(catalog::skipped))
        .route_layer(middleware::from_fn_with_state(console.clone(), guard));
    Router::new()
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/console.css", get(stylesheet))
        .merge(pages)
        .with_state(console)
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("console.css")).into_response()
}

/// Who is asking, for the handlers behind [`guard`].
#[derive(Clone)]
pub(crate) struct Ctx {
    pub user: ConsoleUser,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub secure: bool,
}

impl Ctx {
    /// The page frame: who is logged in, the CSRF token for the page's forms, the flash, the active tab.
    pub fn layout(&self, nav: &'static str) -> Layout {
        Layout {
            user: self.user.name.clone(),
            role: self.user.role.as_str(),
            can_act: self.user.role == UserRole::Operator,
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
            nav,
        }
    }
}

/// What every page's frame shows.
#[derive(Clone)]
pub(crate) struct Layout {
    pub user: String,
    pub role: &'static str,
    /// Operators see the buttons that act; viewers see the same pages without them.
    pub can_act: bool,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub nav: &'static str,
}

/// The outcome of a form, shown once after its redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Flash {
    /// `ok` or `error`.
    pub kind: &'static str,
    pub message: String,
}

/// Requires a live session for every page; checks the CSRF token and the role of every POST.
async fn guard(State(console): State<Console>, jar: CookieJar, request: Request, next: Next) -> Response {
    let secure = console.secure(request.headers()).await;
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let session = if token.is_empty() {
        None
    } else {
        match users::session(console.engine.store().as_ref(), &token).await {
            Ok(session) => session,
            Err(error) => return failure(&error),
        }
    };
    let Some(session) = session else {
        let next_page = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = if request.method() == Method::GET {
            format!("/login?next={}", url::form_urlencoded::byte_serialize(next_page.as_bytes()).collect::<String>())
        } else {
            "/login".to_string()
        };
        return see_other(&target);
    };
    let csrf = users::csrf_token(&token);
    let mut request = request;
    if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The form is larger than the console accepts.");
        };
        let given = form_value(&bytes, "csrf").unwrap_or_default();
        if !users::tokens_match(&csrf, &given) {
            return refuse(
                StatusCode::FORBIDDEN,
                "The form's security token is missing or out of date, so nothing was done. Reload the page and \
                 submit the form again.",
            );
        }
        if session.user.role != UserRole::Operator && parts.uri.path() != "/logout" {
            return refuse(
                StatusCode::FORBIDDEN,
                "Your account is a viewer: it can look at every page but not act. Ask an operator, or an \
                 administrator to give you the operator role (shopsync admin add-user NAME --role operator).",
            );
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    let flash = jar.get(FLASH_COOKIE).and_then(|c| decode_flash(c.value()));
    let had_flash = jar.get(FLASH_COOKIE).is_some();
    request.extensions_mut().insert(Ctx { user: session.user, csrf, flash, secure });
    let mut response = next.run(request).await;
    // The flash was shown by this page; a redirect (a form's answer) sets its own.
    if had_flash && !response.headers().contains_key(header::SET_COOKIE) {
        let gone = cookie(FLASH_COOKIE, String::new(), secure, true);
        if let Ok(value) = HeaderValue::from_str(&gone.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The first value of `name` in an urlencoded form body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// A cookie as the console sets them: HttpOnly, SameSite=Strict, path `/`, Secure when asked; `expire` makes
/// it one that removes itself.
pub(crate) fn cookie(name: &'static str, value: String, secure: bool, expire: bool) -> Cookie<'static> {
    let mut cookie =
        Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Strict).secure(secure).build();
    if expire {
        cookie.make_removal();
    }
    cookie
}

/// A 303 to `to`.
pub(crate) fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// A form's answer: a 303 to `to` carrying `message` for that page to show once.
pub(crate) fn done(ctx: &Ctx, to: &str, kind: &'static str, message: impl Into<String>) -> Response {
    let mut message: String = message.into();
    // A cookie holds about 4 KB; the hex form doubles the length.
    if message.len() > 1500 {
        let mut cut = 1500;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str(" …");
    }
    let value = format!("{kind}:{}", hex::encode(message.as_bytes()));
    let flash = cookie(FLASH_COOKIE, value, ctx.secure, false);
    let mut response = see_other(to);
    if let Ok(value) = HeaderValue::from_str(&flash.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn decode_flash(value: &str) -> Option<Flash> {
    let (kind, text) = value.split_once(':')?;
    let kind = match kind {
        "ok" => "ok",
        "error" => "error",
        _ => return None,
    };
    let message = String::from_utf8(hex::decode(text).ok()?).ok()?;
    Some(Flash { kind, message })
}

/// Renders a page, or says why it could not be.
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page could not be rendered");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "This page could not be shown (a template error); see the log.")
        }
    }
}

/// A page that says what went wrong, with `status`.
#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    let html = ErrorPage { status: status.as_u16(), message }.render().unwrap_or_else(|_| message.to_string());
    (status, Html(html)).into_response()
}

/// An engine error as a page: what happened, why and what to do.
pub(crate) fn failure(error: &SyncError) -> Response {
    let status = match error {
        SyncError::Store(shopsync_store::StoreError::ShopNotFound(_) | shopsync_store::StoreError::NotFound { .. })
        | SyncError::UnknownShop(_) => StatusCode::NOT_FOUND,
        SyncError::Invalid(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refuse(status, &remedy::explain(error))
}

/// The client's address, when the server was started with connection info.
pub(crate) fn client_address(request_extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    request_extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)
}

/// A URL query value, percent-encoded.
pub(crate) fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
