//! Typed errors of the client. Every message says what happened, why, and
//! what to do; an error that carries Shopify's `X-Request-Id` says that
//! Shopify support can trace the request by it.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::hook::BlockReason;

/// Everything that can go wrong when calling the Admin API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// Shopify still answered THROTTLED (or HTTP 429) after every allowed retry.
    #[error(
        "Shopify throttled {operation} {attempts} times in a row, so the client gave up; \
         the shop's API budget is used by another app or process too, or the retry limit is too low{}",
        TraceId(request_id)
    )]
    Throttled { operation: String, attempts: u32, request_id: Option<String> },

    /// The query's requested cost is above Shopify's single-query limit
    /// (1,000 points): it can never run and must be made smaller.
    #[error(
        "{operation} asks for {cost} cost points, above Shopify's single-query limit of {max_cost}; \
         the query must request fewer objects per page (a bug in the query, not in the shop){}",
        TraceId(request_id)
    )]
    QueryTooExpensive { operation: String, cost: u64, max_cost: u64, request_id: Option<String> },

    /// The access token is invalid, expired or revoked (HTTP 401), or the app
    /// lacks a scope (HTTP 403 or ACCESS_DENIED): retrying cannot help, the
    /// shop must be reconnected.
    #[error("{operation} was refused: {failure}{}", TraceId(request_id))]
    Auth { operation: String, failure: AuthFailure, status: u16, request_id: Option<String> },

    /// Shopify answered with an HTTP status the client does not retry, or
    /// kept answering 5xx until the retries ran out.
    #[error(
        "Shopify answered HTTP {status} to {operation}{}{}",
        http_hint(*status),
        TraceId(request_id)
    )]
    Http {
        operation: String,
        status: u16,
        request_id: Option<String>,
        /// The start of the response body, for the log.
        body_excerpt: String,
    },

    /// The response carried GraphQL errors (a malformed document, an unknown
    /// field on this API version, an internal error ...).
    #[error("Shopify rejected {operation}: {}{}", join_messages(errors), TraceId(request_id))]
    GraphQl { operation: String, errors: Vec<GraphQlError>, request_id: Option<String> },

    /// The mutation ran but Shopify refused (part of) the input.
    #[error("Shopify refused the input of {operation}: {}{}", join_user_errors(errors), TraceId(request_id))]
    UserErrors { operation: String, errors: Vec<UserError>, request_id: Option<String> },

    /// No usable answer: connection refused or dropped, DNS failure, TLS
    /// failure, timeout. `maybe_applied` is true when the request may have
    /// reached Shopify (a mutation may have run).
    #[error(
        "could not reach Shopify for {operation} after {attempts} attempt(s): {message}{}",
        if *maybe_applied { "; the request may have reached Shopify, check the result before sending it again" } else { "" }
    )]
    Network {
        operation: String,
        attempts: u32,
        message: String,
        maybe_applied: bool,
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The request was not sent because the caller's policy forbids it.
    #[error("{operation} was not sent: {reason}")]
    Blocked { operation: String, reason: BlockReason },

    /// The answer could not be read as the expected shape.
    #[error(
        "the answer to {operation} could not be read: {message}; the API version may have changed the shape{}",
        TraceId(request_id)
    )]
    Decode { operation: String, message: String, request_id: Option<String> },

    /// A bulk operation failed, was cancelled or expired, or its result
    /// could not be read.
    #[error(transparent)]
    Bulk(#[from] BulkError),

    /// The client was configured wrongly.
    #[error("the Shopify client is misconfigured: {0}")]
    Config(String),
}

impl AdminError {
    /// Shopify's `X-Request-Id` of the failed request, if there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Throttled { request_id, .. }
            | Self::QueryTooExpensive { request_id, .. }
            | Self::Auth { request_id, .. }
            | Self::Http { request_id, .. }
            | Self::GraphQl { request_id, .. }
            | Self::UserErrors { request_id, .. }
            | Self::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the shop needs to be reconnected (token invalid, revoked, or a
    /// scope missing): the sync engine marks the shop and stops its jobs.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self, Self::Auth { .. })
    }

    /// User errors with the given code (e.g. `CHANGE_FROM_QUANTITY_STALE`).
    pub fn user_errors_with_code(&self, code: &str) -> Vec<&UserError> {
        match self {
            Self::UserErrors { errors, .. } => errors.iter().filter(|e| e.code.as_deref() == Some(code)).collect(),
            _ => Vec::new(),
        }
    }
}

/// Why Shopify refused the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// HTTP 401: the access token is invalid, expired or was revoked
    /// (the app was uninstalled).
    InvalidToken,
    /// HTTP 403 or an ACCESS_DENIED error: the token works but lacks a scope
    /// this call needs.
    MissingScope {
        /// Shopify's explanation, usually naming the scope.
        detail: String,
    },
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToken => f.write_str(
                "the access token is invalid, expired or revoked (was the app uninstalled?); \
                 reconnect the shop to get a new token",
            ),
            Self::MissingScope { detail } => write!(
                f,
                "the app lacks an access scope this needs ({detail}); \
                 reconnect the shop and approve the requested scopes"
            ),
        }
    }
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GraphQlError {
    pub message: String,
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
}

impl GraphQlError {
    /// `extensions.code`, e.g. `THROTTLED`, `MAX_COST_EXCEEDED`, `ACCESS_DENIED`.
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("code")?.as_str()
    }
}

/// One entry of a mutation's `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "quantities", "0"]`.
    #[serde(default)]
    pub field: Option<Vec<String>>,
    pub message: String,
    /// Machine-readable code, when the mutation's error type has one.
    #[serde(default)]
    pub code: Option<String>,
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(field) = self.field.as_ref().filter(|f| !f.is_empty()) {
            write!(f, " (field {})", field.join("."))?;
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        Ok(())
    }
}

/// Failures particular to bulk operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError {
    /// Shopify refused to start the bulk operation.
    #[error("Shopify refused to start the bulk query: {}", join_user_errors(.0))]
    NotStarted(Vec<UserError>),
    /// Shopify refused to stage a bulk mutation's file or to start the bulk mutation.
    #[error("Shopify refused to start the bulk mutation: {}", join_user_errors(.0))]
    MutationNotStarted(Vec<UserError>),
    /// Uploading a bulk mutation's variables to Shopify's storage failed.
    #[error("could not upload the bulk mutation's variables: {0}")]
    Upload(String),
    /// The bulk operation ended without a complete result.
    #[error(
        "bulk operation {id} ended as {status}{}; {}",
        error_code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
        if partial_data_url.is_some() { "a partial result is available" } else { "start it again (a smaller query helps if it timed out)" }
    )]
    Failed { id: String, status: String, error_code: Option<String>, partial_data_url: Option<String> },
    /// The operation id does not name a bulk operation of this shop.
    #[error("bulk operation {0} does not exist on this shop (or is older than Shopify keeps)")]
    NotFound(String),
    /// Waiting took longer than the caller allowed.
    #[error("bulk operation {id} was still {status} after {waited:?}; it keeps running on Shopify, wait again later")]
    StillRunning { id: String, status: String, waited: Duration },
    /// A JSONL line is longer than the configured limit.
    #[error("a line of the bulk result is longer than {limit} bytes; raise the line limit or query fewer fields")]
    LineTooLong { limit: usize },
    /// A JSONL line is not valid JSON.
    #[error("line {line} of the bulk result is not valid JSON: {message}")]
    BadLine { line: u64, message: String },
    /// A child row names a parent that did not come before it.
    #[error(
        "line {line} of the bulk result names parent {parent_id}, which did not come before it; the result is corrupt or truncated"
    )]
    OrphanRow { line: u64, parent_id: String },
    /// A row is nested deeper below its root than any bulk query can produce.
    #[error(
        "line {line} of the bulk result is nested more than {limit} levels below its root object, deeper than any \
         bulk query can produce (Shopify allows two levels of nested connections); the result is corrupt"
    )]
    TooDeep { line: u64, limit: usize },
    /// Reassembly would hold more than the configured memory.
    #[error(
        "reassembling the bulk result would hold more than {limit_bytes} bytes of open parents; \
         read it row by row (bulk_result_rows) or run the query with grouped output"
    )]
    TooLargeToReassemble { limit_bytes: usize },
    /// Downloading the result failed.
    #[error("could not download the bulk result: {0}")]
    Download(String),
}

/// Writes ` (X-Request-Id …; Shopify support can trace …)` when there is an id.
pub(crate) struct TraceId<'a>(pub &'a Option<String>);

impl fmt::Display for TraceId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(
                f,
                " (X-Request-Id {id}; Shopify support can trace the request by this id, \
                 quote it within 7 days)"
            ),
            None => Ok(()),
        }
    }
}

fn http_hint(status: u16) -> &'static str {
    match status {
        400 => " (the request was malformed: a bug in the client)",
        404 => " (the shop does not exist, was closed, or the API version is no longer served)",
        402 => " (the shop is frozen for unpaid bills; it must pay Shopify before the API works again)",
        423 => " (the shop is locked by Shopify)",
        500..=599 => {
            " (a Shopify-side failure: a request safe to send twice was retried, a change that may already have been \
             made was not sent again; try again later)"
        }
        _ => "",
    }
}

fn join_messages(errors: &[GraphQlError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(e.message.trim());
        if let Some(code) = e.code() {
            out.push_str(" [");
            out.push_str(code);
            out.push(']');
        }
    }
    if out.is_empty() {
        out.push_str("no message");
    }
    out
}

fn join_user_errors(errors: &[UserError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_with_a_request_id_tells_support_can_trace_it() {
        let err = AdminError::Http {
            operation: "OrdersPage".into(),
            status: 502,
            request_id: Some("abc-123".into()),
            body_excerpt: String::new(),
        };
        let text = err.to_string();
        assert!(text.contains("X-Request-Id abc-123"), "{text}");
        assert!(text.contains("Shopify support can trace"), "{text}");
    }

    #[test]
    fn user_errors_show_field_and_code() {
        let err = AdminError::UserErrors {
            operation: "InventorySetQuantities".into(),
            errors: vec![UserError {
                field: Some(vec!["input".into(), "quantities".into(), "0".into()]),
                message: "The compare quantity is stale".into(),
                code: Some("CHANGE_FROM_QUANTITY_STALE".into()),
            }],
            request_id: None,
        };
        let text = err.to_string();
        assert!(text.contains("input.quantities.0"), "{text}");
        assert_eq!(err.user_errors_with_code("CHANGE_FROM_QUANTITY_STALE").len(), 1);
    }
}
