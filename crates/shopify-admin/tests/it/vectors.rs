//! Known-answer vectors from `fixtures/shopify/hmac_vectors.json`.

use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::Value;
use shopify_admin::oauth::{OAuthApp, query_hmac_hex, query_signing_string};
use shopify_admin::webhook::{SecretUsed, WebhookError, WebhookVerifier, sign_body};

use crate::support::fixture;

fn vectors() -> Value {
    serde_json::from_str(&fixture("hmac_vectors.json")).unwrap()
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// The vector's params as query pairs; a list value becomes repeated
/// `key` pairs (its key already ends in `[]`), in order.
fn params_of(vector: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in vector["params"].as_object().unwrap() {
        match value {
            Value::Array(items) => {
                out.extend(items.iter().map(|item| (key.clone(), item.as_str().unwrap().to_owned())));
            }
            other => out.push((key.clone(), other.as_str().unwrap().to_owned())),
        }
    }
    out
}

#[test]
fn oauth_query_hmac_matches_every_known_answer() {
    let all = vectors();
    let list = all["oauth_query_hmac"]["vectors"].as_array().unwrap();
    assert!(list.len() >= 2);
    for vector in list {
        let params = params_of(vector);
        assert_eq!(query_signing_string(&params), vector["string_to_sign"].as_str().unwrap(), "{}", vector["source"]);
        let hmac = query_hmac_hex(&secret(vector["secret"].as_str().unwrap()), &params);
        assert_eq!(hmac, vector["expected_hmac_hex"].as_str().unwrap(), "{}", vector["source"]);
    }
}

#[test]
fn an_install_request_signed_like_shopifys_docs_example_is_accepted() {
    let all = vectors();
    let vector = &all["oauth_query_hmac"]["vectors"][0];
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params_of(vector) {
        query.append_pair(&k, &v);
    }
    query.append_pair("hmac", vector["expected_hmac_hex"].as_str().unwrap());
    let app = OAuthApp {
        client_id: "id".into(),
        client_secret: secret(vector["secret"].as_str().unwrap()),
        scopes: vec![],
        redirect_uri: url::Url::parse("https://sync.example/cb").unwrap(),
    };
    let signed_at = Timestamp::from_second(vector["params"]["timestamp"].as_str().unwrap().parse().unwrap()).unwrap();
    let shop = app.verify_install_request(&query.finish(), signed_at).unwrap();
    assert_eq!(shop.as_str(), "some-shop.myshopify.com");
}

fn body_of(vector: &Value) -> Vec<u8> {
    match vector.get("body_file").and_then(Value::as_str) {
        Some(file) => fixture(file).into_bytes(),
        None => vector["body"].as_str().unwrap().as_bytes().to_vec(),
    }
}

#[test]
fn webhook_body_hmac_matches_every_known_answer() {
    let all = vectors();
    let list = all["webhook_body_hmac"]["vectors"].as_array().unwrap();
    assert!(list.len() >= 4);
    for vector in list {
        let body = body_of(vector);
        if let Some(len) = vector.get("body_length").and_then(Value::as_u64) {
            assert_eq!(body.len() as u64, len, "fixture body changed on disk");
        }
        let key = secret(vector["secret"].as_str().unwrap());
        let expected = vector["expected_hmac_base64"].as_str().unwrap();
        assert_eq!(sign_body(&key, &body), expected, "{}", vector["source"]);

        let headers = [
            ("X-Shopify-Hmac-Sha256", expected),
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", "some-shop.myshopify.com"),
        ];
        let verified = WebhookVerifier::new(key).verify_pairs(headers, &body).unwrap();
        assert_eq!(verified.secret, SecretUsed::Current);
    }
}

#[test]
fn during_rotation_the_previous_secret_still_verifies() {
    let all = vectors();
    let list = all["webhook_body_hmac"]["vectors"].as_array().unwrap();
    let old = list.iter().find(|v| v["secret"] == "old_secret").unwrap();
    let signature = old["expected_hmac_base64"].as_str().unwrap();
    let headers = [
        ("x-shopify-hmac-sha256", signature),
        ("x-shopify-topic", "products/update"),
        ("x-shopify-shop-domain", "some-shop.myshopify.com"),
        ("X-Shopify-Webhook-Id", "wh-1"),
        ("X-Shopify-Event-Id", "ev-1"),
        ("X-Shopify-Triggered-At", "2026-11-02T10:00:00Z"),
        ("X-Shopify-API-Version", "2026-10"),
    ];
    let body = body_of(old);
    let rotating = WebhookVerifier::new(secret("secret")).with_previous_secret(secret("old_secret"));
    let verified = rotating.verify_pairs(headers, &body).unwrap();
    assert_eq!(verified.secret, SecretUsed::Previous);
    assert_eq!(verified.webhook_id.as_deref(), Some("wh-1"));
    assert_eq!(verified.event_id.as_deref(), Some("ev-1"));
    assert_eq!(verified.api_version.as_deref(), Some("2026-10"));
    assert_eq!(verified.triggered_at, Some("2026-11-02T10:00:00Z".parse().unwrap()));

    let without_previous = WebhookVerifier::new(secret("secret"));
    assert_eq!(without_previous.verify_pairs(headers, &body), Err(WebhookError::SignatureMismatch));
}

#[test]
fn webhook_with_bad_hmac_is_rejected() {
    let body = fixture("webhook_orders_create_body.json");
    let key = secret("7008c5f4da4718b9b45d26d3fcbbb157");
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("X-Shopify-Hmac-Sha256", sign_body(&secret("another secret"), body.as_bytes()).parse().unwrap());
    headers.insert("X-Shopify-Topic", "orders/create".parse().unwrap());
    headers.insert("X-Shopify-Shop-Domain", "some-shop.myshopify.com".parse().unwrap());
    assert_eq!(
        WebhookVerifier::new(key.clone()).verify(&headers, body.as_bytes()),
        Err(WebhookError::SignatureMismatch)
    );

    headers.insert("X-Shopify-Hmac-Sha256", "not base64 !".parse().unwrap());
    assert_eq!(
        WebhookVerifier::new(key.clone()).verify(&headers, body.as_bytes()),
        Err(WebhookError::MalformedSignature)
    );

    headers.remove("X-Shopify-Hmac-Sha256");
    assert!(matches!(WebhookVerifier::new(key).verify(&headers, body.as_bytes()), Err(WebhookError::MissingHeader(_))));
}

#[test]
fn a_correctly_signed_webhook_for_a_foreign_host_is_rejected() {
    let body = br#"{"id":1}"#;
    let key = secret("s");
    let signature = sign_body(&key, body);
    let headers = [
        ("X-Shopify-Hmac-Sha256", signature.as_str()),
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Shop-Domain", "shop.myshopify.com.evil.com"),
    ];
    assert!(matches!(WebhookVerifier::new(key).verify_pairs(headers, body), Err(WebhookError::InvalidShop(_))));
}
