//! OAuth: the authorization code grant as Shopify runs it, expiring offline tokens with refresh
//! tokens, online (per-user) tokens, and app uninstall.
//!
//! - `GET /admin/oauth/authorize?client_id&scope&redirect_uri&state[&grant_options[]=per-user]`
//!   approves at once (there is no merchant to click) and answers `302` to `redirect_uri` with
//!   `code`, `hmac`, `host`, `shop`, `state` and `timestamp`. `hmac` is the hex HMAC-SHA256, keyed
//!   with the client secret, of the other parameters sorted by name and joined as `k=v` with `&`.
//!   A wrong `client_id`, a `redirect_uri` the app did not register (none is registered unless
//!   [`OAuthSettings::redirect_uris`] lists it) or a scope beyond the app's access scopes
//!   (`SimConfig::access_scopes`; a `write_` scope implies its `read_`) gets a `400` error page
//!   and no code, as on Shopify.
//! - `POST /admin/oauth/access_token` (JSON or form) exchanges a code (single use, short-lived)
//!   for `{access_token, scope}`; with `expiring=1` also `expires_in` (3600 s), `refresh_token`
//!   and `refresh_token_expires_in`. `grant_type=refresh_token` issues a new access token and a
//!   new refresh token; the refresh token used stays valid until the new one is used (Shopify's
//!   behaviour since 2026-08-28).
//! - Every token issued is accepted by the Admin API with its own scopes
//!   (`currentAppInstallation.accessScopes` answers per token) until it expires or the app is
//!   uninstalled ([`SimControl::uninstall_app`], which also sends `app/uninstalled`).
//!
//! Shopify does not document its exact error bodies for this endpoint; the simulator answers in
//! OAuth 2.0's shape (`{"error": ..., "error_description": ...}`) with the codes of RFC 6749.
//! Token exchange (`urn:ietf:params:oauth:grant-type:token-exchange`) is not simulated.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::routing::{get, post};
use base64::Engine;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sha2::Sha256;

use crate::control::SimControl;
use crate::state::SimState;

/// OAuth settings of the simulated app (part of [`SimConfig`](crate::SimConfig)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OAuthSettings {
    /// The app's registered redirect URLs, compared exactly as Shopify does. None by default: a
    /// simulator sends codes nowhere until the app registers where it receives them.
    pub redirect_uris: Vec<String>,
    /// How long an authorization code can be exchanged (single use in any case).
    pub code_lifetime_seconds: u64,
    /// Lifetime of expiring offline access tokens (Shopify: 3600 s).
    pub expiring_token_lifetime_seconds: u64,
    /// Lifetime of refresh tokens (Shopify: 90 days).
    pub refresh_token_lifetime_seconds: u64,
    /// Lifetime of online (per-user) access tokens (Shopify: about a day).
    pub online_token_lifetime_seconds: u64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        OAuthSettings {
            redirect_uris: Vec::new(),
            code_lifetime_seconds: 600,
            expiring_token_lifetime_seconds: 3600,
            refresh_token_lifetime_seconds: 90 * 24 * 3600,
            online_token_lifetime_seconds: 86_399,
        }
    }
}

/// Tokens and codes issued by one simulator (in [`SimState`]).
pub(crate) struct OAuthState {
    settings: OAuthSettings,
    pub(crate) inner: Mutex<Tokens>,
}

#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) codes: HashMap<String, PendingCode>,
    pub(crate) access: HashMap<String, AccessToken>,
    pub(crate) refresh: HashMap<String, RefreshToken>,
    /// The configured token (`SimConfig::access_token`) stops working when the app is uninstalled.
    pub(crate) primary_revoked: bool,
}

pub(crate) struct PendingCode {
    scopes: Vec<String>,
    online: bool,
    issued: Instant,
    used: bool,
}

pub(crate) struct AccessToken {
    pub(crate) scopes: Vec<String>,
    pub(crate) expires: Option<Instant>,
    pub(crate) revoked: bool,
}

pub(crate) struct RefreshToken {
    scopes: Vec<String>,
    expires: Instant,
    pub(crate) revoked: bool,
    /// The refresh token this one replaced: it stays valid until this one is used.
    previous: Option<String>,
}

impl OAuthState {
    pub(crate) fn new(settings: OAuthSettings) -> Self {
        OAuthState { settings, inner: Mutex::new(Tokens::default()) }
    }

    /// The scopes of an issued token that is still valid.
    pub(crate) fn scopes_of(&self, token: &str) -> Option<Vec<String>> {
        let tokens = self.inner.lock();
        let issued = tokens.access.get(token)?;
        let live = !issued.revoked && issued.expires.is_none_or(|expires| Instant::now() < expires);
        live.then(|| issued.scopes.clone())
    }

    /// Whether the configured token may still be used.
    pub(crate) fn primary_token_valid(&self) -> bool {
        !self.inner.lock().primary_revoked
    }
}

/// Checks an `X-Shopify-Access-Token` value: the configured token or one issued through OAuth.
pub(crate) fn token_accepted(state: &SimState, given: &str) -> bool {
    if given == state.access_token.read().expose_secret() {
        return state.oauth.primary_token_valid();
    }
    state.oauth.scopes_of(given).is_some()
}

/// The scopes a request with this token has.
pub(crate) fn scopes_for(state: &SimState, token: &str) -> Vec<String> {
    state.oauth.scopes_of(token).unwrap_or_else(|| state.access_scopes.clone())
}

/// Hex HMAC-SHA256 of query parameters (sorted by name, `k=v` joined with `&`), keyed with the
/// client secret: the `hmac` of Shopify's redirects.
pub fn query_hmac(secret: &[u8], params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> =
        params.iter().filter(|(key, _)| key != "hmac" && key != "signature").collect();
    sorted.sort();
    let message = sorted.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&");
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub(crate) fn random_hex(prefix: &str) -> String {
    let bytes: [u8; 16] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/admin/oauth/authorize", get(authorize))
        .route("/admin/oauth/access_token", post(access_token))
        .route(
            "/_sim/oauth/expire",
            post(|State(state): State<Arc<SimState>>, axum::Json(request): axum::Json<ExpireRequest>| async move {
                if (SimControl { state }).expire_access_token(&request.token) {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                }
            }),
        )
}

#[derive(Deserialize)]
struct ExpireRequest {
    token: String,
}

fn error_page(message: &str) -> Response<Body> {
    error_page_with("invalid_request", message)
}

fn error_page_with(error: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<!DOCTYPE html><html><head><title>Oauth error</title></head><body><h1>Oauth error {error}: \
         {message}</h1></body></html>"
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

async fn authorize(State(state): State<Arc<SimState>>, RawQuery(query): RawQuery) -> Response<Body> {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    if param("client_id") != Some(state.api_key.as_str()) {
        return error_page("The client_id is not valid for this shop: check the app's API key (client id)");
    }
    let Some(redirect_uri) = param("redirect_uri").filter(|uri| redirect_allowed(&state.oauth.settings, uri)) else {
        return error_page(
            "The redirect_uri is not whitelisted: register it with the app (OAuthSettings::redirect_uris, or \
             shopsync sim --redirect-uri URL)",
        );
    };
    let scopes: Vec<String> = param("scope")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|scope| !scope.is_empty())
        .map(str::to_string)
        .collect();
    let beyond: Vec<&str> =
        scopes.iter().map(String::as_str).filter(|scope| !scope_configured(&state.access_scopes, scope)).collect();
    if !beyond.is_empty() {
        return error_page_with(
            "invalid_scope",
            &format!(
                "The app is not configured for the access scopes {}: ask only for its scopes ({}), or configure \
                 them (SimConfig::access_scopes)",
                beyond.join(", "),
                state.access_scopes.join(", ")
            ),
        );
    }
    let online = params.iter().any(|(key, value)| key.starts_with("grant_options") && value == "per-user");
    let code = random_hex("");
    {
        let mut tokens = state.oauth.inner.lock();
        tokens.codes.retain(|_, pending| {
            !pending.used && pending.issued.elapsed() < Duration::from_secs(state.oauth.settings.code_lifetime_seconds)
        });
        tokens.codes.insert(code.clone(), PendingCode { scopes, online, issued: Instant::now(), used: false });
    }
    let shop_name = state.shop_domain.trim_end_matches(".myshopify.com");
    let host = base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("admin.shopify.com/store/{shop_name}"));
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let mut signed: Vec<(String, String)> = vec![
        ("code".to_string(), code),
        ("host".to_string(), host),
        ("shop".to_string(), state.shop_domain.clone()),
        ("timestamp".to_string(), timestamp),
    ];
    if let Some(nonce) = param("state") {
        signed.push(("state".to_string(), nonce.to_string()));
    }
    let hmac = query_hmac(state.client_secret.expose_secret().as_bytes(), &signed);
    signed.push(("hmac".to_string(), hmac));
    signed.sort();
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&signed).finish();
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{query}");
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn redirect_allowed(settings: &OAuthSettings, uri: &str) -> bool {
    settings.redirect_uris.iter().any(|registered| registered == uri)
}

/// Whether the app's configuration covers a scope; a `write_` scope implies its `read_` scope.
fn scope_configured(configured: &[String], scope: &str) -> bool {
    configured.iter().any(|granted| granted == scope)
        || scope
            .strip_prefix("read_")
            .is_some_and(|rest| configured.iter().any(|granted| granted.strip_prefix("write_") == Some(rest)))
}

/// The fields of a token request, from JSON, a form or the query string.
#[derive(Debug, Default)]
struct TokenRequest {
    fields: HashMap<String, String>,
}

impl TokenRequest {
    fn read(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Self {
        let mut fields: HashMap<String, String> = HashMap::new();
        if let Some(query) = query {
            fields.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
        }
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
        if content_type.starts_with("application/json") || body.first() == Some(&b'{') {
            if let Ok(Json::Object(map)) = serde_json::from_slice::<Json>(body) {
                for (key, value) in map {
                    let text = match value {
                        Json::String(text) => text,
                        Json::Null => continue,
                        other => other.to_string(),
                    };
                    fields.insert(key, text);
                }
            }
        } else {
            fields.extend(url::form_urlencoded::parse(body).into_owned());
        }
        TokenRequest { fields }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str).filter(|value| !value.is_empty())
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Body> {
    json_response(status, json!({ "error": error, "error_description": description }))
}

fn json_response(status: StatusCode, body: Json) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

async fn access_token(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let request = TokenRequest::read(&headers, query.as_deref(), &body);
    let secret_matches = request.get("client_secret") == Some(state.client_secret.expose_secret());
    if request.get("client_id") != Some(state.api_key.as_str()) || !secret_matches {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: the client_id or client_secret does not belong to this app.",
        );
    }
    let settings = &state.oauth.settings;
    match request.get("grant_type").unwrap_or("authorization_code") {
        "authorization_code" => {
            let expiring = matches!(request.get("expiring"), Some("1" | "true"));
            let Some(code) = request.get("code") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "The code parameter is missing.");
            };
            let mut tokens = state.oauth.inner.lock();
            let lifetime = Duration::from_secs(settings.code_lifetime_seconds);
            let Some(pending) =
                tokens.codes.get_mut(code).filter(|pending| !pending.used && pending.issued.elapsed() < lifetime)
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The authorization code was not found or was already used",
                );
            };
            pending.used = true;
            let scopes = pending.scopes.clone();
            let online = pending.online;
            if online {
                let token = random_hex("shpua_");
                let lifetime = settings.online_token_lifetime_seconds;
                tokens.access.insert(
                    token.clone(),
                    AccessToken {
                        scopes: scopes.clone(),
                        expires: Some(Instant::now() + Duration::from_secs(lifetime)),
                        revoked: false,
                    },
                );
                return json_response(
                    StatusCode::OK,
                    json!({
                        "access_token": token,
                        "scope": scopes.join(","),
                        "expires_in": lifetime,
                        "associated_user_scope": scopes.join(","),
                        "associated_user": {
                            "id": 902_541_635,
                            "first_name": "Simulated",
                            "last_name": "Staff",
                            "email": state.store.read().shop.email,
                            "email_verified": true,
                            "account_owner": true,
                            "locale": "en",
                            "collaborator": false,
                        },
                    }),
                );
            }
            let body = issue_offline(&mut tokens, settings, scopes, expiring, None);
            json_response(StatusCode::OK, body)
        }
        "refresh_token" => {
            let Some(presented) = request.get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The refresh_token parameter is missing.",
                );
            };
            let mut tokens = state.oauth.inner.lock();
            let Some(refresh) =
                tokens.refresh.get(presented).filter(|refresh| !refresh.revoked && Instant::now() < refresh.expires)
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is invalid, expired, revoked or was replaced by a newer one that has been used.",
                );
            };
            let scopes = refresh.scopes.clone();
            let previous = refresh.previous.clone();
            // Using this refresh token retires the one it replaced.
            if let Some(previous) = previous.and_then(|previous| tokens.refresh.get_mut(&previous)) {
                previous.revoked = true;
            }
            let body = issue_offline(&mut tokens, settings, scopes, true, Some(presented.to_string()));
            json_response(StatusCode::OK, body)
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("The grant type {other} is not supported by the Shopify simulator."),
        ),
    }
}

/// Issues an offline access token (expiring with a refresh token, or not) and its response.
fn issue_offline(
    tokens: &mut Tokens,
    settings: &OAuthSettings,
    scopes: Vec<String>,
    expiring: bool,
    replaces: Option<String>,
) -> Json {
    let token = random_hex("shpat_");
    let now = Instant::now();
    let expires = expiring.then(|| now + Duration::from_secs(settings.expiring_token_lifetime_seconds));
    tokens.access.insert(token.clone(), AccessToken { scopes: scopes.clone(), expires, revoked: false });
    let mut body = json!({ "access_token": token, "scope": scopes.join(",") });
    if expiring {
        let refresh = random_hex("shprt_");
        tokens.refresh.insert(
            refresh.clone(),
            RefreshToken {
                scopes,
                expires: now + Duration::from_secs(settings.refresh_token_lifetime_seconds),
                revoked: false,
                previous: replaces,
            },
        );
        body["expires_in"] = json!(settings.expiring_token_lifetime_seconds);
        body["refresh_token"] = json!(refresh);
        body["refresh_token_expires_in"] = json!(settings.refresh_token_lifetime_seconds);
    }
    body
}
#[cfg(test)]
mod tests {
    #[test]
    fn query_hmac_matches_the_known_answer_vector() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/shopify/hmac_vectors.json"))
                .expect("fixtures/shopify/hmac_vectors.json");
        let vectors: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let vector = &vectors["oauth_query_hmac"]["vectors"][0];
        let params: Vec<(String, String)> = vector["params"]
            .as_object()
            .expect("params")
            .iter()
            .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_string()))
            .collect();
        let secret = vector["secret"].as_str().expect("secret");
        assert_eq!(super::query_hmac(secret.as_bytes(), &params), vector["expected_hmac_hex"].as_str().unwrap());
    }
}
