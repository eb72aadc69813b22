//! shopsync's HTTP front-end, run by `shopsync serve --listen ADDR` next to the schedules, on the same engine.
//!
//! Routes: `GET /health`, `POST /webhooks/shopify` (Shopify's webhook intake), `GET /auth/callback` (OAuth
//! installs), the back-office REST API under `/api/v1` with its OpenAPI document at `/api/openapi.json`
//! ([`api`]), and the web console ([`console`], behind a login) on `/` and the other top-level paths.
//!
//! This crate speaks HTTP and nothing else: it holds no sync logic. A verified delivery goes to
//! [`shopsync_sync::webhooks::Intake`] (the application boundary), which stores the event once and runs the
//! topic's flow after the answer. The engine never imports axum.
//!
//! The webhook route, in order: a body over [`MAX_WEBHOOK_BODY`] is refused with 413 (by its `Content-Length`
//! before anything is read, or as soon as a chunked body passes the limit); the signature is checked against the
//! app's current and previous client secret (401 when it does not match or a Shopify header is missing); a
//! delivery for a shop that is not connected is answered 200 and logged, since Shopify would retry anything else;
//! a delivery already seen (same `X-Shopify-Event-Id`) is answered 200 with nothing done; a new one is stored and
//! answered 200 at once.

pub mod console;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use shopify_admin::webhook::{WebhookError, WebhookVerifier};
use shopsync_sync::webhooks::{Intake, Receipt};

pub mod api;

/// The largest webhook body accepted: Shopify's payloads are far smaller (an order with hundreds of lines is
/// tens of kilobytes), so anything bigger is not a delivery worth reading.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// What the routes share: the intake and the verifier made from the app's client secrets.
#[derive(Clone)]
struct WebState {
    intake: Arc<Intake>,
    /// `None` while the app's credentials are not set: deliveries cannot be verified and are refused.
    verifier: Option<Arc<WebhookVerifier>>,
}

/// The server's routes, with the REST API's default limits. `verifier` checks webhook signatures; without it every
/// delivery is answered 503.
pub fn router(intake: Arc<Intake>, verifier: Option<WebhookVerifier>) -> Router {
    router_with(intake, verifier, api::ApiConfig::default())
}

/// The server's routes with the REST API's limits given (`serve --api-max-body`, `--api-rate`, `--api-burst`).
pub fn router_with(intake: Arc<Intake>, verifier: Option<WebhookVerifier>, limits: api::ApiConfig) -> Router {
    let api = api::routes(intake.engine().clone(), limits);
    let console = console::routes(intake.engine().clone(), console::ConsoleConfig::from_env());
    let state = WebState { intake, verifier: verifier.map(Arc::new) };
    Router::new()
        .route("/health", get(health))
        .route("/webhooks/shopify", post(shopify_webhook).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY)))
        .route(shopsync_sync::app::access::CALLBACK_PATH, get(oauth_callback))
        .with_state(state)
        .merge(api)
        .merge(console)
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting and waits for the requests in
/// progress (each is short: the work of a webhook runs in the intake, which the caller finishes).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The client's address reaches the handlers (the console's login limit counts failures per address).
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

async fn health() -> Response {
    (StatusCode::OK, axum::Json(json!({ "status": "ok" }))).into_response()
}

async fn shopify_webhook(State(state): State<WebState>, request: Request) -> Response {
    if declared_length(request.headers()).is_some_and(|length| length > MAX_WEBHOOK_BODY as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than 1 MB; it was not read");
    }
    let Some(verifier) = state.verifier.clone() else {
        tracing::error!(
            "a webhook arrived but the app's client secret is not set, so it cannot be verified: set it with \
             `shopsync app set` and restart serve"
        );
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "webhook intake is not configured yet");
    };
    let headers = request.headers().clone();
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        // A chunked body that passed the limit is 413; a body cut off on the way is 400.
        Err(rejection) => return rejection.into_response(),
    };
    let delivery = match verifier.verify(&headers, &body) {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::warn!(%error, "webhook refused");
            let status = match error {
                WebhookError::InvalidShop(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            return refuse(status, &error.to_string());
        }
    };
    match state.intake.receive(&delivery, &body).await {
        Ok(Receipt::Accepted) => answer("accepted"),
        Ok(Receipt::Duplicate) => answer("duplicate"),
        Ok(Receipt::UnknownShop) => answer("unknown shop"),
        Ok(Receipt::NoEventId) => refuse(
            StatusCode::UNAUTHORIZED,
            "the webhook has no X-Shopify-Event-Id header, so it cannot be from Shopify",
        ),
        // Not stored: a 500 makes Shopify deliver it again later.
        Err(error) => {
            tracing::error!(shop = %delivery.shop_domain, topic = %delivery.topic, %error, "cannot take a webhook");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the delivery could not be carried out or stored; deliver it again",
            )
        }
    }
}

/// Where Shopify sends the merchant back after they approved the app: the installation is finished by the
/// application boundary (state, signature, timestamp, shop, code exchange) and its outcome shown as a short page.
async fn oauth_callback(State(state): State<WebState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    match shopsync_sync::app::access::complete_install(state.intake.engine(), &query).await {
        Ok(installed) => {
            let verb = if installed.new_shop { "is connected" } else { "has its access renewed" };
            let mut body = format!("<p>{} {verb}.</p>", escape(&installed.shop));
            if installed.missing.is_empty() {
                body.push_str("<p>Every access scope its syncs need was granted. You can close this page.</p>");
            } else {
                body.push_str(&format!(
                    "<p>Shopify did not grant these scopes, so the syncs that need them will be refused: {}. \
                     Add them to the app's configuration and install it again.</p>",
                    escape(&installed.missing.join(", "))
                ));
            }
            page(StatusCode::OK, "Connected", &body)
        }
        Err(error) => {
            tracing::warn!(%error, "OAuth callback refused");
            let status = match error {
                shopsync_sync::SyncError::Store(_) | shopsync_sync::SyncError::Secret(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                shopsync_sync::SyncError::OAuth(shopify_admin::oauth::OAuthError::BadSignature) => {
                    StatusCode::UNAUTHORIZED
                }
                shopsync_sync::SyncError::OAuth(
                    shopify_admin::oauth::OAuthError::Network(_)
                    | shopify_admin::oauth::OAuthError::Rejected { .. }
                    | shopify_admin::oauth::OAuthError::Decode(_),
                ) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::BAD_REQUEST,
            };
            page(status, "Not connected", &format!("<p>{}</p>", escape(&error.to_string())))
        }
    }
}

/// A minimal HTML page for the OAuth callback's outcome (the console has its own templates).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>shopsync: {title}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 40em; margin: 3em auto\"><h1>{title}</h1>{body}</body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Escapes text for HTML: the shop domain and error messages may quote what the request carried.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The body length a request declares, when it declares a valid one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn answer(status: &str) -> Response {
    (StatusCode::OK, axum::Json(json!({ "status": status }))).into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
