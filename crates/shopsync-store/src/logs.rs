//! The request log and captured Shopify data: what the people running shopsync look at when something fails.

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// One call to Shopify, as the request log keeps it. Secrets are redacted before it gets here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct RequestLogEntry {
    pub id: i64,
    pub shop_id: Option<i64>,
    pub started_at: String,
    pub method: String,
    pub url: String,
    pub operation: Option<String>,
    pub request_body: Option<String>,
    pub status: Option<i64>,
    /// Shopify's `X-Request-Id`: Shopify support can trace a request by it.
    pub request_id: Option<String>,
    pub requested_cost: Option<f64>,
    pub actual_cost: Option<f64>,
    pub duration_ms: i64,
    pub attempt: i64,
    pub failed: bool,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// Which request log entries to list.
#[derive(Debug, Clone, Default)]
pub struct RequestLogFilter {
    pub shop_id: Option<i64>,
    pub failed_only: bool,
    /// Entries with a smaller id only (paging backwards from the newest).
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// One object's Shopify data to capture.
#[derive(Debug, Clone)]
pub struct CaptureInput {
    /// `order`, `order_line`, `fulfillment`, `refund`, `transaction`, `customer` ...
    pub object_type: String,
    /// The object's global id.
    pub object_id: String,
    /// The JSON text exactly as it came from Shopify.
    pub payload: String,
}

/// One stored version of an object's Shopify data.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Capture {
    pub id: i64,
    pub object_type: String,
    pub object_id: String,
    pub content_hash: String,
    pub payload: String,
    pub captured_at: String,
}

/// Request log and data capture.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Appends to the request log and returns the entry's id.
    async fn log_request(&self, entry: &RequestLogEntry) -> Result<i64>;
    /// Entries, newest first.
    async fn request_logs(&self, filter: &RequestLogFilter) -> Result<Vec<RequestLogEntry>>;
    /// One entry with its bodies.
    async fn request_log(&self, id: i64) -> Result<Option<RequestLogEntry>>;
    /// Deletes a shop's entries older than `before` (all of them with `None`); returns how many went.
    async fn purge_request_logs(&self, shop_id: Option<i64>, before: Option<&str>) -> Result<u64>;

    /// Captures objects' Shopify data in one transaction. A version is added only when an object's content
    /// differs from its latest captured version; returns how many versions were added.
    async fn capture(&self, shop_id: i64, items: &[CaptureInput]) -> Result<u64>;
    /// The versions of one object, newest first.
    async fn captures(&self, shop_id: i64, object_type: &str, object_id: &str) -> Result<Vec<Capture>>;
    /// The latest version of every captured object of a type (for listing), newest first, at most `limit`.
    async fn latest_captures(&self, shop_id: i64, object_type: Option<&str>, limit: u32) -> Result<Vec<Capture>>;
}
