//! The request log: every Shopify call of a shop, as its logging setting asks.
//!
//! The client reports each HTTP attempt synchronously on the request path, so the hook only counts and queues;
//! one writer task per engine stores the queued entries in order. [`LogWriter::flush`] waits until everything
//! queued so far is stored, so a command can end without losing its last entries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shopify_admin::{RequestHook, RequestRecord};
use shopsync_core::settings::LoggingMode;
use shopsync_store::{LogStore, RequestLogEntry};
use tokio::sync::{mpsc, oneshot};

/// Response bodies longer than this are cut in the log (an orders page can be megabytes).
const MAX_LOGGED_BODY: usize = 256 * 1024;

enum Message {
    Entry(Box<RequestLogEntry>),
    Flush(oneshot::Sender<()>),
}

/// The engine's writer task for request log entries.
pub(crate) struct LogWriter {
    sender: mpsc::UnboundedSender<Message>,
}

impl LogWriter {
    /// Starts the writer task on the current tokio runtime.
    pub(crate) fn start(store: Arc<dyn LogStore>) -> LogWriter {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                match message {
                    Message::Entry(entry) => {
                        if let Err(err) = store.log_request(&entry).await {
                            // The request log is a diagnostic aid: failing to write it must not fail the sync.
                            tracing::warn!("cannot write the request log: {err}");
                        }
                    }
                    Message::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        LogWriter { sender }
    }

    /// Waits until every entry queued before this call is stored.
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    fn queue(&self, entry: RequestLogEntry) {
        // A closed channel means the runtime is shutting down; the entry cannot be kept then.
        let _ = self.sender.send(Message::Entry(Box::new(entry)));
    }
}

/// Counts of one shop context's requests, for flow summaries.
#[derive(Debug, Default)]
pub(crate) struct RequestStats {
    pub requests: AtomicU64,
    /// Actual cost in thousandths of a point, so it can be added atomically.
    pub cost_milli: AtomicU64,
    pub throttled: AtomicU64,
}

impl RequestStats {
    pub(crate) fn snapshot(&self) -> (u64, f64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.cost_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            self.throttled.load(Ordering::Relaxed),
        )
    }
}

/// The hook one shop's client reports to.
pub(crate) struct RequestLogger {
    pub shop_id: i64,
    pub mode: LoggingMode,
    pub writer: Arc<LogWriter>,
    pub stats: Arc<RequestStats>,
}

impl RequestHook for RequestLogger {
    fn on_request(&self, record: &RequestRecord<'_>) {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        // Only the actual cost is spent: a throttled query's requested cost is refunded.
        if let Some(cost) = record.cost.as_ref().and_then(|c| c.actual_query_cost) {
            self.stats.cost_milli.fetch_add((cost * 1000.0) as u64, Ordering::Relaxed);
        }
        if record.error.as_deref() == Some("THROTTLED") || record.status == Some(429) {
            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        }
        let keep = match self.mode {
            LoggingMode::Disabled => false,
            LoggingMode::ErrorsOnly => record.failed,
            LoggingMode::All => true,
        };
        if !keep {
            return;
        }
        let cost = record.cost.as_ref();
        self.writer.queue(RequestLogEntry {
            id: 0,
            shop_id: Some(self.shop_id),
            started_at: shopsync_core::time::now_text(),
            method: record.method.to_string(),
            url: record.url.to_string(),
            operation: Some(record.operation.to_string()),
            request_body: Some(record.request_body.to_string()),
            status: record.status.map(i64::from),
            request_id: record.request_id.map(str::to_string),
            requested_cost: cost.map(|c| c.requested_query_cost),
            actual_cost: cost.and_then(|c| c.actual_query_cost),
            duration_ms: record.duration.as_millis() as i64,
            attempt: i64::from(record.attempt),
            failed: record.failed,
            error: record.error.clone(),
            response_body: record.response_body.map(|body| truncate(body, MAX_LOGGED_BODY)),
        });
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [cut: {} bytes in all]", &text[..end], text.len())
}
