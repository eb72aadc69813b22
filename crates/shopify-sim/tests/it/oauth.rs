//! OAuth: authorize redirects verified with an independent HMAC, code exchange (single use,
//! expiring), expiring tokens with refresh rotation, per-token scopes, expiry and uninstall.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use sha2::Sha256;
use shopify_sim::SimConfig;
use shopify_sim::config::DEFAULT_API_KEY;
use shopify_sim::oauth::OAuthSettings;

use crate::support::{TestSim, VERSION, spawn, spawn_with};

/// The simulated app: its redirect URL registered, as an app registers it with Shopify.
async fn spawn_app() -> TestSim {
    spawn_with(SimConfig { oauth: registered(OAuthSettings::default()), ..SimConfig::default() }).await
}

fn registered(settings: OAuthSettings) -> OAuthSettings {
    OAuthSettings { redirect_uris: vec![CALLBACK.to_string()], ..settings }
}

/// The app's client secret.
fn secret(t: &TestSim) -> String {
    t.sim.client_secret().expose_secret().to_string()
}
use crate::webhooks::{Receiver, assert_matches_schema, subscribe};

const CALLBACK: &str = "https://app.example.com/auth/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Follows the install link; the callback's query parameters (decoded).
async fn authorize(t: &TestSim, scope: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut query =
        vec![("client_id", DEFAULT_API_KEY), ("scope", scope), ("redirect_uri", CALLBACK), ("state", "nonce-42")];
    query.extend_from_slice(extra);
    let response =
        no_redirects().get(format!("{}/admin/oauth/authorize", t.sim.base_url())).query(&query).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let url = url::Url::parse(&location).unwrap();
    url.query_pairs().into_owned().collect()
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> &'p str {
    params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_default()
}

/// What an app does with the callback: hex HMAC-SHA256 of the other parameters, sorted, `k=v&k=v`.
fn callback_hmac(t: &TestSim, params: &[(String, String)]) -> String {
    let mut rest: Vec<String> =
        params.iter().filter(|(key, _)| key != "hmac").map(|(key, value)| format!("{key}={value}")).collect();
    rest.sort();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret(t).as_bytes()).unwrap();
    mac.update(rest.join("&").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn exchange(t: &TestSim, body: Value) -> (u16, Value) {
    let response =
        t.http.post(format!("{}/admin/oauth/access_token", t.sim.base_url())).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn refresh(t: &TestSim, refresh_token: &str) -> (u16, Value) {
    let response = t
        .http
        .post(format!("{}/admin/oauth/access_token", t.sim.base_url()))
        .form(&[
            ("client_id", DEFAULT_API_KEY),
            ("client_secret", secret(t).as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `currentAppInstallation.accessScopes` with a token; `None` on HTTP 401.
async fn scopes_with(t: &TestSim, token: &str) -> Option<Vec<String>> {
    let response = t
        .http
        .post(t.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": "{ currentAppInstallation { accessScopes { handle } } }" }))
        .send()
        .await
        .unwrap();
    if response.status() == 401 {
        return None;
    }
    let body: Value = response.json().await.unwrap();
    Some(
        body["data"]["currentAppInstallation"]["accessScopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|scope| scope["handle"].as_str().unwrap().to_string())
            .collect(),
    )
}

#[tokio::test]
async fn authorize_redirects_back_with_a_code_and_an_hmac_the_app_can_verify() {
    let t = spawn_app().await;
    let params = authorize(&t, "read_products,write_inventory", &[]).await;
    let names: Vec<&str> = params.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(names, ["code", "hmac", "host", "shop", "state", "timestamp"]);
    assert_eq!(param(&params, "hmac"), callback_hmac(&t, &params), "hmac verifies with the client secret");
    assert_eq!(param(&params, "shop"), t.sim.shop_domain());
    assert_eq!(param(&params, "state"), "nonce-42");
    let host = base64::engine::general_purpose::STANDARD_NO_PAD.decode(param(&params, "host")).unwrap();
    assert_eq!(String::from_utf8(host).unwrap(), "admin.shopify.com/store/shopsync-demo");
    let timestamp: i64 = param(&params, "timestamp").parse().unwrap();
    assert!((jiff::Timestamp::now().as_second() - timestamp).abs() < 90);
}

#[tokio::test]
async fn a_wrong_client_id_or_redirect_uri_gets_shopifys_error_page() {
    let allowed = OAuthSettings { redirect_uris: vec![CALLBACK.to_string()], ..OAuthSettings::default() };
    let t = spawn_with(SimConfig { oauth: allowed, ..SimConfig::default() }).await;
    let url = format!("{}/admin/oauth/authorize", t.sim.base_url());
    let wrong_client = no_redirects()
        .get(&url)
        .query(&[("client_id", "not-our-app"), ("scope", "read_products"), ("redirect_uri", CALLBACK)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_client.status(), 400);
    assert!(wrong_client.text().await.unwrap().contains("Oauth error invalid_request: The client_id"));
    let wrong_redirect = no_redirects()
        .get(&url)
        .query(&[
            ("client_id", DEFAULT_API_KEY),
            ("scope", "read_products"),
            ("redirect_uri", "https://evil.example/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_redirect.status(), 400);
    assert!(
        wrong_redirect
            .text()
            .await
            .unwrap()
            .contains("Oauth error invalid_request: The redirect_uri is not whitelisted")
    );
}

#[tokio::test]
async fn a_code_is_exchanged_once_for_a_token_with_the_granted_scopes() {
    let t = spawn_app().await;
    let params = authorize(&t, "read_products,read_orders", &[]).await;
    let request = json!({ "client_id": DEFAULT_API_KEY, "client_secret": secret(&t), "code": param(&params, "code") });
    let (status, token) = exchange(&t, request.clone()).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["scope"], "read_products,read_orders");
    assert!(token.get("expires_in").is_none() && token.get("refresh_token").is_none(), "not expiring: {token}");
    let access_token = token["access_token"].as_str().unwrap();
    assert!(access_token.starts_with("shpat_"));

    // Several tokens at once, each with its own scopes.
    assert_eq!(scopes_with(&t, access_token).await.unwrap(), ["read_products", "read_orders"]);
    let primary = scopes_with(&t, t.sim.access_token().expose_secret()).await.unwrap();
    assert!(primary.len() > 2 && primary.contains(&"write_inventory".to_string()));

    let (status, reused) = exchange(&t, request).await;
    assert_eq!(status, 400);
    assert_eq!(
        reused,
        json!({ "error": "invalid_request", "error_description": "The authorization code was not found or was already used" })
    );

    let params = authorize(&t, "read_products", &[]).await;
    let (status, wrong_secret) = exchange(
        &t,
        json!({ "client_id": DEFAULT_API_KEY, "client_secret": "shpss_wrong", "code": param(&params, "code") }),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(wrong_secret["error"], "invalid_client");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let settings = OAuthSettings { code_lifetime_seconds: 0, ..OAuthSettings::default() };
    let t = spawn_with(SimConfig { oauth: registered(settings), ..SimConfig::default() }).await;
    let params = authorize(&t, "read_products", &[]).await;
    let (status, body) = exchange(
        &t,
        json!({ "client_id": DEFAULT_API_KEY, "client_secret": secret(&t), "code": param(&params, "code") }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn expiring_tokens_come_with_refresh_tokens_that_rotate() {
    let t = spawn_app().await;
    let params = authorize(&t, "read_products", &[]).await;
    let response = t
        .http
        .post(format!("{}/admin/oauth/access_token", t.sim.base_url()))
        .form(&[
            ("client_id", DEFAULT_API_KEY),
            ("client_secret", secret(&t).as_str()),
            ("code", param(&params, "code")),
            ("expiring", "1"),
        ])
        .send()
        .await
        .unwrap();
    let first: Value = response.json().await.unwrap();
    assert_eq!(first["expires_in"], 3600);
    assert_eq!(first["refresh_token_expires_in"], 90 * 24 * 3600);
    assert_eq!(first["scope"], "read_products");
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    assert!(r1.starts_with("shprt_"));
    let a1 = first["access_token"].as_str().unwrap().to_string();

    // The control surface can make a token expire now: the API answers 401 as for any bad token.
    assert!(scopes_with(&t, &a1).await.is_some());
    assert!(t.sim.control().expire_access_token(&a1));
    assert!(scopes_with(&t, &a1).await.is_none());

    let (status, second) = refresh(&t, &r1).await;
    assert_eq!(status, 200, "{second}");
    let a2 = second["access_token"].as_str().unwrap().to_string();
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2, "the refresh token rotates");
    assert_eq!(second["expires_in"], 3600);
    assert_eq!(scopes_with(&t, &a2).await.unwrap(), ["read_products"]);

    // The previous refresh token stays valid until the new one is used ...
    let (status, _) = refresh(&t, &r1).await;
    assert_eq!(status, 200, "r1 still works before r2 is used");
    let (status, third) = refresh(&t, &r2).await;
    assert_eq!(status, 200, "{third}");
    // ... and not after.
    let (status, refused) = refresh(&t, &r1).await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"], "invalid_grant");
}

#[tokio::test]
async fn per_user_grants_get_online_tokens_with_the_associated_user() {
    let t = spawn_app().await;
    let params = authorize(&t, "read_orders", &[("grant_options[]", "per-user")]).await;
    let (status, token) = exchange(
        &t,
        json!({ "client_id": DEFAULT_API_KEY, "client_secret": secret(&t), "code": param(&params, "code") }),
    )
    .await;
    assert_eq!(status, 200);
    assert!(token["access_token"].as_str().unwrap().starts_with("shpua_"));
    assert_eq!(token["expires_in"], 86_399);
    assert_eq!(token["associated_user_scope"], "read_orders");
    assert!(token["associated_user"]["email"].is_string());
    assert_eq!(scopes_with(&t, token["access_token"].as_str().unwrap()).await.unwrap(), ["read_orders"]);
}

#[tokio::test]
async fn uninstalling_the_app_revokes_every_token_and_sends_app_uninstalled() {
    let t = spawn_app().await;
    let receiver = Receiver::start().await;
    subscribe(&t, "APP_UNINSTALLED", json!({ "callbackUrl": receiver.url })).await;
    let issued = t.sim.control().issue_access_token(&["read_products"]);
    assert!(scopes_with(&t, issued.expose_secret()).await.is_some());

    let response =
        t.http.post(format!("{}/_sim/app/uninstall", t.sim.base_url())).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let webhook = receiver.wait_for(1).await.remove(0);
    assert_eq!(webhook.header("x-shopify-topic"), "app/uninstalled");
    assert_matches_schema("app/uninstalled", &webhook.json());
    assert_eq!(webhook.json()["myshopify_domain"], t.sim.shop_domain());

    assert!(scopes_with(&t, t.sim.access_token().expose_secret()).await.is_none());
    assert!(scopes_with(&t, issued.expose_secret()).await.is_none());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(t.sim.control().webhook_subscriptions().is_empty(), "an uninstalled app has no subscriptions");

    // Installing again through OAuth gives a working token.
    let params = authorize(&t, "read_products", &[]).await;
    let (_, token) = exchange(
        &t,
        json!({ "client_id": DEFAULT_API_KEY, "client_secret": secret(&t), "code": param(&params, "code") }),
    )
    .await;
    assert!(scopes_with(&t, token["access_token"].as_str().unwrap()).await.is_some());
}

/// The client secret every simulator accepted before each got its own.
const PUBLISHED_SECRET: &str = "shpss_simulator0123456789abcdef0123";

#[tokio::test]
async fn the_published_example_secret_mints_no_token() {
    let t = spawn_app().await;
    let params = authorize(&t, "read_products", &[]).await;
    let (status, refused) = exchange(
        &t,
        json!({ "client_id": DEFAULT_API_KEY, "client_secret": PUBLISHED_SECRET, "code": param(&params, "code") }),
    )
    .await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["error"], "invalid_client");
}

#[tokio::test]
async fn authorize_redirects_only_to_the_apps_registered_urls() {
    // An app with no redirect URL registered: nowhere to send a code.
    let t = spawn().await;
    let response = no_redirects()
        .get(format!("{}/admin/oauth/authorize", t.sim.base_url()))
        .query(&[("client_id", DEFAULT_API_KEY), ("scope", "read_products"), ("redirect_uri", CALLBACK)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("Oauth error invalid_request: The redirect_uri is not whitelisted"), "{page}");
    assert!(page.contains("redirect_uris"), "says how to register one: {page}");
}

#[tokio::test]
async fn authorize_grants_only_scopes_the_app_is_configured_with() {
    let config = SimConfig {
        oauth: registered(OAuthSettings::default()),
        access_scopes: vec!["read_products".to_string(), "read_orders".to_string()],
        ..SimConfig::default()
    };
    let t = spawn_with(config).await;
    let response = no_redirects()
        .get(format!("{}/admin/oauth/authorize", t.sim.base_url()))
        .query(&[
            ("client_id", DEFAULT_API_KEY),
            ("scope", "read_products,write_customers,write_orders"),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none(), "no code for scopes the app was not given");
    let page = response.text().await.unwrap();
    assert!(page.contains("Oauth error invalid_scope"), "{page}");
    assert!(page.contains("write_customers, write_orders"), "names the scopes: {page}");

    // Within the app's scopes, the grant goes ahead.
    let params = authorize(&t, "read_orders", &[]).await;
    assert!(!param(&params, "code").is_empty());
}
