//! HTTP: the Admin API routes, authentication, API versions, and the accept loop that applies
//! transport faults (latency, 5xx, 429, dropped connections) before the router sees a request.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value as Json, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::faults::FaultDecision;
use crate::graphql::{self, GraphqlRequest};
use crate::state::SimState;
use crate::store::format_time;

/// Stable versions the simulator serves, oldest first: every version whose schema
/// `shopify-schema` carries (Shopify supports each for at least 12 months).
pub const SUPPORTED_VERSIONS: &[&str] = shopify_schema::VERSIONS;

/// The body Shopify answers a missing or wrong access token with (HTTP 401).
pub const INVALID_TOKEN_BODY: &str =
    r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#;

/// The version actually served for a requested one: supported versions and `unstable` as they
/// are, older well-formed versions (retired ones) fall forward to the oldest supported one, as
/// Shopify does; anything else (future or malformed) is not found.
pub fn resolve_version(requested: &str) -> Option<&'static str> {
    if requested == "unstable" {
        return Some("unstable");
    }
    if let Some(found) = SUPPORTED_VERSIONS.iter().find(|version| **version == requested) {
        return Some(found);
    }
    let (year, month) = requested.split_once('-')?;
    let well_formed =
        year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) && matches!(month, "01" | "04" | "07" | "10");
    let oldest = SUPPORTED_VERSIONS[0];
    (well_formed && requested < oldest).then_some(oldest)
}

/// The schema a served version (a [`resolve_version`] answer) validates against: its own, and
/// for `unstable` the newest carried (Shopify's unstable is a superset in progress of it).
pub fn schema_of(api_version: &str) -> &'static shopify_schema::AdminSchema {
    shopify_schema::for_version(api_version).unwrap_or_else(shopify_schema::latest)
}

/// Whether the served version is `first` or newer (`unstable` is newer than every stable one).
pub fn version_at_least(api_version: &str, first: &str) -> bool {
    api_version == "unstable" || api_version >= first
}

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql_endpoint))
        .route("/admin/api/{version}/shop.json", get(shop_json))
        .merge(crate::control::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::bulk::routes())
        .merge(crate::oauth::routes())
        .merge(crate::staged_uploads::routes())
        .with_state(state)
}

fn request_id() -> String {
    // uuid-like (8-4-4-4-12 hex) from the process-wide random state; uniqueness, not secrecy.
    use std::hash::{BuildHasher, Hasher};
    let mut value = [0u64; 2];
    for (index, slot) in value.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(index);
        hasher
            .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        *slot = hasher.finish();
    }
    let hex = format!("{:016x}{:016x}", value[0], value[1]);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn json_response(status: StatusCode, body: Vec<u8>, api_version: Option<&str>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    if let Some(version) = api_version.and_then(|version| HeaderValue::from_str(version).ok()) {
        headers.insert(HeaderName::from_static("x-shopify-api-version"), version);
    }
    response
}

fn not_found() -> Response<Body> {
    json_response(StatusCode::NOT_FOUND, br#"{"errors":"Not Found"}"#.to_vec(), None)
}

/// Checks `X-Shopify-Access-Token`; returns the token (the bucket key) when accepted.
fn authenticate(state: &SimState, headers: &HeaderMap) -> Option<String> {
    let given = headers.get("x-shopify-access-token")?.to_str().ok()?;
    let revoked = state.faults.lock().faults().token_revoked;
    (!revoked && crate::oauth::token_accepted(state, given)).then(|| given.to_string())
}

fn unauthorized(state: &SimState, api_version: &str) -> Response<Body> {
    state.stats.lock().unauthorized += 1;
    json_response(StatusCode::UNAUTHORIZED, INVALID_TOKEN_BODY.as_bytes().to_vec(), Some(api_version))
}

async fn graphql_endpoint(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let Some(api_version) = resolve_version(&version) else {
        return not_found();
    };
    let Some(token) = authenticate(&state, &headers) else {
        return unauthorized(&state, api_version);
    };
    let request = match decode_request(&headers, &body) {
        Ok(request) => request,
        Err(message) => {
            let body = json!({ "errors": { "query": message } });
            return json_response(StatusCode::BAD_REQUEST, body.to_string().into_bytes(), Some(api_version));
        }
    };
    // Execution is synchronous and quick; run it inline (no await while locks are held).
    let answer = graphql::serve(&state, api_version, &token, request);
    let mut response =
        json_response(StatusCode::OK, serde_json::to_vec(&answer.body).unwrap_or_default(), Some(api_version));
    if let Some(reason) = answer.deprecated_reason.and_then(|reason| HeaderValue::from_str(&reason).ok()) {
        response.headers_mut().insert(HeaderName::from_static("x-shopify-api-deprecated-reason"), reason);
    }
    response
}

/// Reads a request the way the official clients send it: JSON `{query, variables?,
/// operationName?}` or a raw `application/graphql` document.
fn decode_request(headers: &HeaderMap, body: &[u8]) -> Result<GraphqlRequest, &'static str> {
    const MISSING: &str = "Required parameter missing or invalid";
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("application/json");
    if content_type.starts_with("application/graphql") {
        let query = std::str::from_utf8(body).map_err(|_| MISSING)?.to_string();
        if query.trim().is_empty() {
            return Err(MISSING);
        }
        return Ok(GraphqlRequest { query, variables: Map::new(), operation_name: None });
    }
    let parsed: Json = serde_json::from_slice(body).map_err(|_| MISSING)?;
    let query = parsed.get("query").and_then(Json::as_str).ok_or(MISSING)?.to_string();
    let variables = match parsed.get("variables") {
        None | Some(Json::Null) => Map::new(),
        Some(Json::Object(variables)) => variables.clone(),
        // Some clients send variables as a JSON string.
        Some(Json::String(text)) => serde_json::from_str(text).map_err(|_| MISSING)?,
        Some(_) => return Err(MISSING),
    };
    let operation_name = parsed.get("operationName").and_then(Json::as_str).map(str::to_string);
    Ok(GraphqlRequest { query, variables, operation_name })
}

async fn shop_json(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(api_version) = resolve_version(&version) else {
        return not_found();
    };
    if authenticate(&state, &headers).is_none() {
        return unauthorized(&state, api_version);
    }
    state.stats.lock().rest_requests += 1;
    let body = {
        let store = state.store.read();
        let shop = &store.shop;
        json!({ "shop": {
            "id": shop.id,
            "name": shop.name,
            "email": shop.email,
            "domain": shop.myshopify_domain,
            "myshopify_domain": shop.myshopify_domain,
            "country_code": shop.country_code,
            "currency": shop.currency_code,
            "iana_timezone": shop.iana_timezone,
            "timezone": format!("(GMT+00:00) {}", shop.iana_timezone),
            "plan_display_name": shop.plan_display_name,
            "plan_name": shop.plan_display_name.to_lowercase().replace(' ', "_"),
            "weight_unit": match shop.weight_unit.as_str() { "KILOGRAMS" => "kg", "POUNDS" => "lb", "OUNCES" => "oz", _ => "g" },
            "taxes_included": true,
            "created_at": format_time(shop.created_at),
            "updated_at": format_time(shop.updated_at),
        }})
    };
    let mut response = json_response(StatusCode::OK, body.to_string().into_bytes(), Some(api_version));
    response
        .headers_mut()
        .insert(HeaderName::from_static("x-shopify-shop-api-call-limit"), HeaderValue::from_static("1/40"));
    response
}

/// Serves connections from `listener` until `shutdown` turns true. Each connection runs the
/// fault gate before the router; a "dropped connection" fault makes the service fail, which
/// closes the socket without an answer.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    state: Arc<SimState>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                let state = state.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve_connection(stream, router, state).await;
                            }
                        }
                        None => serve_connection(stream, router, state).await,
                    }
                });
            }
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Dropping the set aborts connections still open (keep-alive clients).
    connections.abort_all();
}

async fn serve_connection<S>(stream: S, router: Router, state: Arc<SimState>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let router = router.clone();
        let state = state.clone();
        fault_gate(state, request.map(Body::new), router)
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn fault_gate(state: Arc<SimState>, request: Request<Body>, router: Router) -> Result<Response<Body>, io::Error> {
    if let Some(refused) = control_guard(&state, &request) {
        return Ok(refused);
    }
    if request.uri().path().starts_with("/admin/") {
        let (latency, decision) = state.faults.lock().decide();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if decision != FaultDecision::Serve {
            state.stats.lock().faults_injected += 1;
        }
        match decision {
            FaultDecision::Serve => {}
            FaultDecision::LoseResponse => {
                let _served = router.oneshot(request).await;
                return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "fault injection: response lost"));
            }
            FaultDecision::DropConnection => {
                return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "fault injection: dropped connection"));
            }
            FaultDecision::ServerError(status) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let body = json!({ "errors": status.canonical_reason().unwrap_or("Internal Server Error") });
                return Ok(json_response(status, body.to_string().into_bytes(), None));
            }
            FaultDecision::TooManyRequests { retry_after_seconds } => {
                let body = json!({ "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." });
                let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, body.to_string().into_bytes(), None);
                if let Ok(value) = HeaderValue::from_str(&format!("{retry_after_seconds:.1}")) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                return Ok(response);
            }
        }
    }
    let response: Result<Response<Body>, Infallible> = router.oneshot(request).await;
    Ok(match response {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    })
}

/// `/_sim/` changes the store without a token, so it answers only requests a web page of another
/// site cannot make: changes must be JSON (a page can send text/plain, a form or no body without
/// the browser asking the server first, never `application/json`), and the Host must name this
/// machine or the shop (a page whose own name was re-pointed at 127.0.0.1, DNS rebinding, still
/// sends its own name). The Admin API needs no such guard: its token is the guard, as on Shopify.
fn control_guard(state: &SimState, request: &Request<Body>) -> Option<Response<Body>> {
    if !request.uri().path().starts_with("/_sim/") {
        return None;
    }
    // HTTP/1.1 sends Host; HTTP/2 sends the authority in the URI instead.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().authority().map(|authority| authority.as_str()))
        .unwrap_or("");
    let name = host_name(host);
    let known = ["127.0.0.1", "localhost", "[::1]", state.shop_domain.as_str()];
    if !known.iter().any(|known| name.eq_ignore_ascii_case(known)) {
        let message = format!(
            "The simulator's control routes (/_sim/) answer only to the Host 127.0.0.1, localhost or {}, not \
             `{host}`: a page of another site could otherwise reach them by pointing its own name at this \
             machine. Call them at http://127.0.0.1:PORT/_sim/...",
            state.shop_domain
        );
        return Some(text_response(StatusCode::MISDIRECTED_REQUEST, message));
    }
    let reads = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let json = content_type.is_some_and(|value| {
        value.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    });
    if !reads && !json {
        let message = format!(
            "The simulator's control routes (/_sim/) take changes as JSON only (this request sent {}), which a \
             page of another site cannot send without the browser asking first: add -H 'content-type: \
             application/json' (and a body such as '{{}}' when there is nothing to send).",
            content_type.map_or_else(|| "no content type".to_string(), |value| format!("`{value}`"))
        );
        return Some(text_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
    }
    None
}

/// The name part of a Host value (`name`, `name:port`, `[v6]` or `[v6]:port`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

fn text_response(status: StatusCode, message: String) -> Response<Body> {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::{host_name, resolve_version};

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_name("localhost"), "localhost");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("shop.myshopify.com:443"), "shop.myshopify.com");
    }

    #[test]
    fn versions_fall_forward_to_the_oldest_supported_one() {
        assert_eq!(resolve_version("2026-10"), Some("2026-10"));
        assert_eq!(resolve_version("unstable"), Some("unstable"));
        assert_eq!(resolve_version("2024-01"), Some("2025-10"));
        assert_eq!(resolve_version("2025-07"), Some("2025-10"), "retired in July 2026");
        assert_eq!(resolve_version("2027-01"), None, "not released yet");
        assert_eq!(resolve_version("2026-02"), None, "not a quarter");
        assert_eq!(resolve_version("latest"), None);
    }
}
