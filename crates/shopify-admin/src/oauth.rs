//! OAuth helpers: the authorize URL, verifying the callback, exchanging the
//! code for a token, refreshing expiring offline tokens.

use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use url::Url;

use crate::client::{error_chain, excerpt};
use crate::domain::{Endpoint, InvalidShopDomain, ShopDomain};

/// How far a callback's `timestamp` may be from now.
pub const CALLBACK_MAX_AGE: Duration = Duration::from_secs(90);

/// The app's OAuth credentials and settings.
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Access scopes to request, e.g. `read_orders`, `write_inventory`.
    pub scopes: Vec<String>,
    /// Where Shopify sends the merchant back (must be allow-listed in the
    /// app's configuration).
    pub redirect_uri: Url,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("scopes", &self.scopes)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish()
    }
}

/// Offline (the app's own token, for background sync) or per-user (online).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    Offline,
    PerUser,
}

/// Where to send the merchant, and the nonce to remember (e.g. in a signed
/// cookie) and compare in the callback.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub url: Url,
    pub state: String,
}

/// A verified callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCallback {
    pub shop: ShopDomain,
    pub code: String,
    pub timestamp: Timestamp,
    /// Base64 admin host, passed along for embedded apps.
    pub host: Option<String>,
}

/// A token answer of `/admin/oauth/access_token`.
#[derive(Deserialize)]
pub struct AccessToken {
    pub access_token: SecretString,
    /// Granted scopes, comma separated.
    pub scope: String,
    /// Seconds until the access token expires (expiring tokens only).
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Present for expiring offline tokens; it rotates on every refresh, so
    /// store the new one each time.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    #[serde(default)]
    pub refresh_token_expires_in: Option<u64>,
    /// Per-user tokens only.
    #[serde(default)]
    pub associated_user_scope: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"[REDACTED]")
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[REDACTED]"))
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// Granted scopes as a list.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
    }
}

/// Why an OAuth step failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("the OAuth callback has no `{0}` parameter; start the installation again from the Shopify admin")]
    MissingParameter(&'static str),
    #[error(
        "the OAuth callback's signature does not match its parameters under the app's client secret: \
         it was not sent by Shopify, or the client secret configured here is wrong"
    )]
    BadSignature,
    #[error(
        "the OAuth callback is {age_secs} s away from now (at most 90 s allowed); check the server clock, then retry the installation"
    )]
    Stale { age_secs: i64 },
    #[error(
        "the OAuth callback's state does not match the one this installation started with; start the installation again"
    )]
    StateMismatch,
    #[error("the OAuth callback names an invalid shop: {0}")]
    InvalidShop(#[from] InvalidShopDomain),
    #[error("the OAuth callback's timestamp `{0}` is not a number of seconds")]
    BadTimestamp(String),
    #[error("Shopify refused the token request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("could not reach Shopify for the token request: {0}")]
    Network(String),
    #[error("Shopify's token answer could not be read: {0}")]
    Decode(String),
}

impl OAuthApp {
    /// The authorize URL with a fresh random state nonce.
    pub fn authorize_url(&self, shop: &ShopDomain, endpoint: &Endpoint, mode: AccessMode) -> AuthorizeRequest {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let state = hex::encode(nonce);
        let mut url = endpoint.url(shop, "admin/oauth/authorize");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.client_id)
                .append_pair("scope", &self.scopes.join(","))
                .append_pair("redirect_uri", self.redirect_uri.as_str())
                .append_pair("state", &state);
            if mode == AccessMode::PerUser {
                query.append_pair("grant_options[]", "per-user");
            }
        }
        AuthorizeRequest { url, state }
    }

    /// Verifies the callback's raw query string: the HMAC, the timestamp
    /// (within 90 s of `now`), the state and the shop domain.
    pub fn verify_callback(
        &self,
        raw_query: &str,
        expected_state: &str,
        now: Timestamp,
    ) -> Result<OAuthCallback, OAuthError> {
        let params = parse_query(raw_query);
        self.verify_query_hmac(&params)?;
        let get = |name: &'static str| {
            params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).ok_or(OAuthError::MissingParameter(name))
        };
        let timestamp = check_timestamp(&get("timestamp")?, now)?;
        let state = get("state")?;
        if !bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())) {
            return Err(OAuthError::StateMismatch);
        }
        Ok(OAuthCallback {
            shop: ShopDomain::parse(&get("shop")?)?,
            code: get("code")?,
            timestamp,
            host: get("host").ok(),
        })
    }

    /// Verifies the HMAC of an install request or app-load query (no state
    /// or code involved) and returns its shop.
    pub fn verify_install_request(&self, raw_query: &str, now: Timestamp) -> Result<ShopDomain, OAuthError> {
        let params = parse_query(raw_query);
        self.verify_query_hmac(&params)?;
        let find = |name: &'static str| {
            params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).ok_or(OAuthError::MissingParameter(name))
        };
        check_timestamp(&find("timestamp")?, now)?;
        Ok(ShopDomain::parse(&find("shop")?)?)
    }

    fn verify_query_hmac(&self, params: &[(String, String)]) -> Result<(), OAuthError> {
        let given =
            params.iter().find(|(k, _)| k == "hmac").map(|(_, v)| v).ok_or(OAuthError::MissingParameter("hmac"))?;
        let given = hex::decode(given.trim()).map_err(|_| OAuthError::BadSignature)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.client_secret.expose_secret().as_bytes())
            .map_err(|_| OAuthError::BadSignature)?;
        mac.update(query_signing_string(params).as_bytes());
        mac.verify_slice(&given).map_err(|_| OAuthError::BadSignature)
    }

    /// Exchanges the callback's code for an access token. `expiring` asks
    /// for an expiring offline token with a refresh token (required for
    /// public apps from 2027-01-01).
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        endpoint: &Endpoint,
        shop: &ShopDomain,
        code: &str,
        expiring: bool,
    ) -> Result<AccessToken, OAuthError> {
        let body = serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "code": code,
            "expiring": if expiring { "1" } else { "0" },
        });
        token_request(http, endpoint.url(shop, "admin/oauth/access_token"), &body).await
    }

    /// Trades a refresh token for a new access token (and a new refresh
    /// token: store both).
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        endpoint: &Endpoint,
        shop: &ShopDomain,
        refresh_token: &SecretString,
    ) -> Result<AccessToken, OAuthError> {
        let body = serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "grant_type": "refresh_token",
            "refresh_token": refresh_token.expose_secret(),
        });
        token_request(http, endpoint.url(shop, "admin/oauth/access_token"), &body).await
    }
}

async fn token_request(http: &reqwest::Client, url: Url, body: &serde_json::Value) -> Result<AccessToken, OAuthError> {
    crate::client::install_crypto_provider();
    let response = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .json(body)
        .send()
        .await
        .map_err(|e| OAuthError::Network(error_chain(&e)))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| OAuthError::Network(error_chain(&e)))?;
    if status != 200 {
        #[derive(Deserialize)]
        struct ErrorBody {
            error: Option<String>,
            error_description: Option<String>,
            errors: Option<serde_json::Value>,
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .ok()
            .and_then(|e| {
                e.error_description
                    .or(e.error)
                    .or(e.errors.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            })
            .unwrap_or_else(|| excerpt(&text));
        return Err(OAuthError::Rejected { status, message });
    }
    serde_json::from_str(&text).map_err(|e| OAuthError::Decode(e.to_string()))
}

fn check_timestamp(raw: &str, now: Timestamp) -> Result<Timestamp, OAuthError> {
    let secs: i64 = raw.trim().parse().map_err(|_| OAuthError::BadTimestamp(raw.to_owned()))?;
    let timestamp = Timestamp::from_second(secs).map_err(|_| OAuthError::BadTimestamp(raw.to_owned()))?;
    let age = now.as_second() - secs;
    if age.unsigned_abs() > CALLBACK_MAX_AGE.as_secs() {
        return Err(OAuthError::Stale { age_secs: age });
    }
    Ok(timestamp)
}

/// Decodes a query string into `(key, value)` pairs in order.
pub fn parse_query(raw_query: &str) -> Vec<(String, String)> {
    let raw = raw_query.strip_prefix('?').unwrap_or(raw_query);
    url::form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The string Shopify signs for a query: every parameter except `hmac` and
/// `signature`; array parameters (`ids[]=2&ids[]=1`) become one `ids`
/// parameter whose value is the JSON-style list `["2", "1"]` in original
/// order; `%`, `&` and `=` are escaped so values cannot forge pairs; the
/// `k=v` pairs are sorted and joined with `&`.
pub fn query_signing_string(params: &[(String, String)]) -> String {
    let mut merged: Vec<(String, Vec<String>, bool)> = Vec::new();
    for (key, value) in params {
        if key == "hmac" || key == "signature" {
            continue;
        }
        match key.strip_suffix("[]") {
            Some(base) => match merged.iter_mut().find(|(k, _, array)| *array && k == base) {
                Some((_, values, _)) => values.push(value.clone()),
                None => merged.push((base.to_owned(), vec![value.clone()], true)),
            },
            None => merged.push((key.clone(), vec![value.clone()], false)),
        }
    }
    let mut pairs: Vec<String> = merged
        .into_iter()
        .map(|(key, values, array)| {
            let value = if array { python_json_list(&values) } else { values.concat() };
            let key = key.replace('%', "%25").replace('=', "%3D");
            let value = value.replace('%', "%25");
            format!("{key}={value}").replace('&', "%26")
        })
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// `json.dumps(list_of_str)` as Python writes it (`", "` separator, ASCII
/// only), which is what Shopify signs for array parameters.
fn python_json_list(values: &[String]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| {
            let mut out = String::from("\"");
            for c in v.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Hex HMAC-SHA256 of the query signing string (what the `hmac` parameter
/// holds).
pub fn query_hmac_hex(secret: &SecretString, params: &[(String, String)]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes any key length");
    mac.update(query_signing_string(params).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> OAuthApp {
        OAuthApp {
            client_id: "cid".into(),
            client_secret: SecretString::from("hush".to_owned()),
            scopes: vec!["read_orders".into(), "write_inventory".into()],
            redirect_uri: Url::parse("https://sync.example/oauth/callback").unwrap(),
        }
    }

    #[test]
    fn authorize_url_carries_scopes_state_and_per_user_option() {
        let shop = ShopDomain::parse("a.myshopify.com").unwrap();
        let offline = app().authorize_url(&shop, &Endpoint::Shopify, AccessMode::Offline);
        assert!(offline.url.as_str().starts_with("https://a.myshopify.com/admin/oauth/authorize?client_id=cid"));
        assert!(offline.url.as_str().contains("scope=read_orders%2Cwrite_inventory"));
        assert!(offline.url.as_str().contains(&format!("state={}", offline.state)));
        assert!(!offline.url.as_str().contains("grant_options"));
        let online = app().authorize_url(&shop, &Endpoint::Shopify, AccessMode::PerUser);
        assert!(online.url.as_str().contains("grant_options%5B%5D=per-user"));
        assert_ne!(offline.state, online.state, "each request gets a fresh nonce");
    }

    fn signed_query(params: &[(&str, &str)]) -> String {
        let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let hmac = query_hmac_hex(&app().client_secret, &owned);
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            s.append_pair(k, v);
        }
        s.append_pair("hmac", &hmac);
        s.finish()
    }

    #[test]
    fn a_callback_is_checked_for_signature_age_state_and_shop() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let ts = "1800000030";
        let good = signed_query(&[("code", "c0de"), ("shop", "a.myshopify.com"), ("state", "n1"), ("timestamp", ts)]);
        let ok = app().verify_callback(&good, "n1", now).unwrap();
        assert_eq!(ok.code, "c0de");
        assert_eq!(ok.shop.as_str(), "a.myshopify.com");

        assert!(matches!(app().verify_callback(&good, "other", now), Err(OAuthError::StateMismatch)));
        let later = Timestamp::from_second(1_800_000_200).unwrap();
        assert!(matches!(app().verify_callback(&good, "n1", later), Err(OAuthError::Stale { .. })));
        let tampered = good.replace("c0de", "c0df");
        assert!(matches!(app().verify_callback(&tampered, "n1", now), Err(OAuthError::BadSignature)));
        let evil = signed_query(&[("code", "c"), ("shop", "evil.com"), ("state", "n1"), ("timestamp", ts)]);
        assert!(matches!(app().verify_callback(&evil, "n1", now), Err(OAuthError::InvalidShop(_))));
    }
}
