//! What the caller sees of and decides about each request: the request hook
//! (for the request log) and the request policy (the sandbox switches).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::budget::QueryCost;
use crate::domain::ShopDomain;
use crate::operation::OperationKind;

/// Receives one record per HTTP attempt (retries included), for the request
/// log. Called synchronously on the request path: implementations should
/// hand the record to a channel or buffer rather than write to a database
/// inline.
pub trait RequestHook: Send + Sync {
    fn on_request(&self, record: &RequestRecord<'_>);
}

/// One HTTP attempt as the request log stores it.
#[derive(Debug, Clone)]
pub struct RequestRecord<'a> {
    pub shop: &'a ShopDomain,
    /// GraphQL operation name, or a label such as `bulk-result` or
    /// `oauth-access-token`.
    pub operation: &'a str,
    pub method: &'static str,
    pub url: &'a str,
    /// The request body with secrets redacted (see [`redact_json`]).
    pub request_body: &'a str,
    /// HTTP status, if an answer came.
    pub status: Option<u16>,
    /// Shopify's `X-Request-Id`, which Shopify support can trace.
    pub request_id: Option<&'a str>,
    /// `extensions.cost` of a GraphQL answer.
    pub cost: Option<QueryCost>,
    /// The response body (GraphQL answers only; bulk results are not
    /// captured), for "captured Shopify data".
    pub response_body: Option<&'a str>,
    pub duration: Duration,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Whether this attempt failed (including THROTTLED and retried ones).
    pub failed: bool,
    /// Short description of the failure.
    pub error: Option<String>,
}

/// Decides before each request whether it may be sent.
pub trait RequestPolicy: Send + Sync {
    fn check(&self, request: &OutgoingRequest<'_>) -> Result<(), BlockReason>;
}

/// What the policy is asked about.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingRequest<'a> {
    pub shop: &'a ShopDomain,
    pub operation: &'a str,
    pub kind: OperationKind,
    /// Whether it changes data on the shop (mutations other than starting a
    /// bulk query).
    pub writes: bool,
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReason {
    /// "Allow outgoing requests" is off (sandbox / test company).
    OutgoingRequestsDisabled,
    /// Writes to Shopify are switched off; reads still work.
    WritesDisabled,
    /// Any other caller-defined reason.
    Other(String),
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutgoingRequestsDisabled => f.write_str(
                "outgoing requests to Shopify are switched off for this shop \
                 (turn on \"Allow outgoing requests\" in the shop settings to send it)",
            ),
            Self::WritesDisabled => f.write_str(
                "writes to Shopify are switched off for this shop; reads still work \
                 (turn writes on in the shop settings to send it)",
            ),
            Self::Other(reason) => f.write_str(reason),
        }
    }
}

/// A policy that allows everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllowAll;

impl RequestPolicy for AllowAll {
    fn check(&self, _: &OutgoingRequest<'_>) -> Result<(), BlockReason> {
        Ok(())
    }
}

/// Two switches the caller can flip at any time (shared via `Arc`):
/// outgoing requests at all, and writes.
#[derive(Debug)]
pub struct Switches {
    allow_outgoing: AtomicBool,
    allow_writes: AtomicBool,
}

impl Switches {
    pub fn new(allow_outgoing: bool, allow_writes: bool) -> Self {
        Self { allow_outgoing: AtomicBool::new(allow_outgoing), allow_writes: AtomicBool::new(allow_writes) }
    }

    pub fn set_allow_outgoing(&self, allow: bool) {
        self.allow_outgoing.store(allow, Ordering::SeqCst);
    }

    pub fn set_allow_writes(&self, allow: bool) {
        self.allow_writes.store(allow, Ordering::SeqCst);
    }
}

impl Default for Switches {
    fn default() -> Self {
        Self::new(true, true)
    }
}

impl RequestPolicy for Switches {
    fn check(&self, request: &OutgoingRequest<'_>) -> Result<(), BlockReason> {
        if !self.allow_outgoing.load(Ordering::SeqCst) {
            return Err(BlockReason::OutgoingRequestsDisabled);
        }
        if request.writes && !self.allow_writes.load(Ordering::SeqCst) {
            return Err(BlockReason::WritesDisabled);
        }
        Ok(())
    }
}

/// Replaced value of a redacted secret.
pub const REDACTED: &str = "[REDACTED]";

/// Redacts secrets in a JSON request body for logging: values of keys that
/// name a secret (`accessToken`, `access_token`, `client_secret`,
/// `refreshToken`, `password`, `apiKey` ... in any case or separator style)
/// and every occurrence of the given literal secrets anywhere.
pub fn redact_json(body: &str, secrets: &[&str]) -> String {
    let redacted = match serde_json::from_str::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) => body.to_owned(),
    };
    redact_literals(redacted, secrets)
}

/// Replaces every occurrence of the given secrets (those at least 6
/// characters long, so short values cannot blank out ordinary text).
pub fn redact_literals(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if text.contains(secret) {
            text = text.replace(secret, REDACTED);
        }
    }
    text
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

fn is_secret_key(key: &str) -> bool {
    let normalised: String =
        key.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    const SECRET_WORDS: [&str; 7] =
        ["accesstoken", "refreshtoken", "clientsecret", "password", "apikey", "apisecret", "secret"];
    SECRET_WORDS.iter().any(|w| normalised.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_and_literal_tokens_are_redacted() {
        let body = r#"{"query":"mutation","variables":{"input":{"accessToken":"shpat_x","note":"tok shpat_abcdef"},"client_secret":"s3cr3t!","list":[{"refresh_token":"r"}]}}"#;
        let out = redact_json(body, &["shpat_abcdef"]);
        assert!(!out.contains("shpat_x"), "{out}");
        assert!(!out.contains("shpat_abcdef"), "{out}");
        assert!(!out.contains("s3cr3t!"), "{out}");
        assert!(!out.contains("\"r\""), "{out}");
        assert!(out.contains("\"note\":\"tok [REDACTED]\""), "{out}");
    }

    #[test]
    fn switches_block_everything_or_only_writes() {
        let shop = ShopDomain::parse("a.myshopify.com").unwrap();
        let read = OutgoingRequest { shop: &shop, operation: "ShopInfo", kind: OperationKind::Query, writes: false };
        let write = OutgoingRequest { writes: true, kind: OperationKind::Mutation, ..read };
        let switches = Switches::new(true, false);
        assert_eq!(switches.check(&read), Ok(()));
        assert_eq!(switches.check(&write), Err(BlockReason::WritesDisabled));
        switches.set_allow_outgoing(false);
        assert_eq!(switches.check(&read), Err(BlockReason::OutgoingRequestsDisabled));
    }
}
