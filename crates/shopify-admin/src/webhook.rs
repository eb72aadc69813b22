//! Verifying webhook deliveries.
//!
//! Shopify signs the raw body: `X-Shopify-Hmac-Sha256` is the base64
//! HMAC-SHA256 of the exact bytes received, keyed with the app's client
//! secret. Header names are matched case-insensitively, both the classic
//! `X-Shopify-*` names and the unprefixed `shopify-*` names of newer
//! deliveries. During a secret rotation the previous secret is accepted too.
//!
//! Only the body is signed: the headers (topic, shop, ids) are not. Treat a
//! webhook as a trigger to re-read the object, and de-duplicate on the
//! event id.

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::domain::{InvalidShopDomain, ShopDomain};

/// Checks webhook signatures with the app's current (and previous) secret.
pub struct WebhookVerifier {
    current: SecretString,
    previous: Option<SecretString>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier").field("has_previous_secret", &self.previous.is_some()).finish()
    }
}

/// A delivery whose signature matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    /// e.g. `orders/create`.
    pub topic: String,
    pub shop_domain: ShopDomain,
    /// Id of this delivery attempt's webhook (`X-Shopify-Webhook-Id`).
    pub webhook_id: Option<String>,
    /// Id of the event; the same for every delivery of one event: the key to
    /// de-duplicate on.
    pub event_id: Option<String>,
    pub triggered_at: Option<Timestamp>,
    /// The API version the payload is serialised in.
    pub api_version: Option<String>,
    /// `X-Shopify-Name`: the subscription's name, when it has one.
    pub subscription_name: Option<String>,
    /// Which secret matched.
    pub secret: SecretUsed,
}

/// Which secret a signature matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretUsed {
    Current,
    /// The previous secret: the rotation is not finished on Shopify's side.
    Previous,
}

/// Why a delivery was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook has no {0} header, so it cannot be from Shopify; it was rejected")]
    MissingHeader(&'static str),
    #[error("the webhook signature is not valid base64; it was rejected")]
    MalformedSignature,
    #[error(
        "the webhook signature does not match its body under the app's client secret (current or previous): \
         it is not from Shopify, the body was altered on the way, or the secret configured here is wrong; it was rejected"
    )]
    SignatureMismatch,
    #[error("the webhook names an invalid shop: {0}")]
    InvalidShop(#[from] InvalidShopDomain),
}

const HMAC: &str = "hmac-sha256";
const TOPIC: &str = "topic";
const SHOP: &str = "shop-domain";

impl WebhookVerifier {
    pub fn new(current_secret: SecretString) -> Self {
        Self { current: current_secret, previous: None }
    }

    /// Also accepts signatures made with the previous secret (during a
    /// rotation).
    pub fn with_previous_secret(mut self, previous_secret: SecretString) -> Self {
        self.previous = Some(previous_secret);
        self
    }

    /// Verifies a delivery from its HTTP headers and raw body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<VerifiedWebhook, WebhookError> {
        self.verify_with(|name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned), body)
    }

    /// Verifies a delivery from `(name, value)` header pairs (names in any
    /// case).
    pub fn verify_pairs<'a, I>(&self, headers: I, body: &[u8]) -> Result<VerifiedWebhook, WebhookError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)> + Clone,
    {
        self.verify_with(
            |name| headers.clone().into_iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_owned()),
            body,
        )
    }

    /// Verifies with a header lookup by lower-case name.
    pub fn verify_with(
        &self,
        header: impl Fn(&str) -> Option<String>,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let shopify_header = |suffix: &str| {
            header(&format!("x-shopify-{suffix}"))
                .or_else(|| header(&format!("shopify-{suffix}")))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let signature = shopify_header(HMAC).ok_or(WebhookError::MissingHeader("X-Shopify-Hmac-Sha256"))?;
        let secret = self.check_signature(&signature, body)?;
        let topic = shopify_header(TOPIC).ok_or(WebhookError::MissingHeader("X-Shopify-Topic"))?;
        let shop = shopify_header(SHOP).ok_or(WebhookError::MissingHeader("X-Shopify-Shop-Domain"))?;
        Ok(VerifiedWebhook {
            topic,
            shop_domain: ShopDomain::parse(&shop)?,
            webhook_id: shopify_header("webhook-id"),
            event_id: shopify_header("event-id"),
            triggered_at: shopify_header("triggered-at").and_then(|t| t.parse().ok()),
            api_version: shopify_header("api-version"),
            subscription_name: shopify_header("name"),
            secret,
        })
    }

    fn check_signature(&self, signature_b64: &str, body: &[u8]) -> Result<SecretUsed, WebhookError> {
        use base64::Engine as _;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature_b64)
            .map_err(|_| WebhookError::MalformedSignature)?;
        if signature_matches(&self.current, body, &signature) {
            return Ok(SecretUsed::Current);
        }
        if let Some(previous) = &self.previous
            && signature_matches(previous, body, &signature)
        {
            return Ok(SecretUsed::Previous);
        }
        Err(WebhookError::SignatureMismatch)
    }
}

/// Constant-time comparison through `Mac::verify_slice`.
fn signature_matches(secret: &SecretString, body: &[u8], signature: &[u8]) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(signature).is_ok()
}

/// The base64 HMAC-SHA256 Shopify would send for `body` (for tests and the
/// simulator's counterpart checks).
pub fn sign_body(secret: &SecretString, body: &[u8]) -> String {
    use base64::Engine as _;
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn new_style_lower_case_headers_are_accepted() {
        let body = br#"{"id":1}"#;
        let verifier = WebhookVerifier::new(secret("s1"));
        let sig = sign_body(&secret("s1"), body);
        let headers = [
            ("shopify-hmac-sha256", sig.as_str()),
            ("Shopify-Topic", "orders/create"),
            ("shopify-shop-domain", "a.myshopify.com"),
            ("shopify-event-id", "ev-1"),
            ("shopify-triggered-at", "2026-11-02T10:00:00.123Z"),
        ];
        let ok = verifier.verify_pairs(headers, body).unwrap();
        assert_eq!(ok.topic, "orders/create");
        assert_eq!(ok.event_id.as_deref(), Some("ev-1"));
        assert!(ok.triggered_at.is_some());
    }

    #[test]
    fn a_tampered_body_is_rejected() {
        let verifier = WebhookVerifier::new(secret("s1"));
        let sig = sign_body(&secret("s1"), b"original");
        let headers = [
            ("X-Shopify-Hmac-Sha256", sig.as_str()),
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", "a.myshopify.com"),
        ];
        assert_eq!(verifier.verify_pairs(headers, b"altered"), Err(WebhookError::SignatureMismatch));
    }
}
