//! Bulk operations as stored and configured: status, the operations table, the runner's
//! behaviour and runtime state, the concurrency limit.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::gid;

/// `BulkOperationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkStatus {
    Created,
    Running,
    Canceling,
    Canceled,
    Completed,
    Failed,
}

impl BulkStatus {
    /// The GraphQL enum value.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkStatus::Created => "CREATED",
            BulkStatus::Running => "RUNNING",
            BulkStatus::Canceling => "CANCELING",
            BulkStatus::Canceled => "CANCELED",
            BulkStatus::Completed => "COMPLETED",
            BulkStatus::Failed => "FAILED",
        }
    }

    /// Whether the operation has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, BulkStatus::Canceled | BulkStatus::Completed | BulkStatus::Failed)
    }
}

/// One bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkOperation {
    pub id: u64,
    pub status: BulkStatus,
    /// `ACCESS_DENIED`, `INTERNAL_SERVER_ERROR` or `TIMEOUT` when failed.
    pub error_code: Option<&'static str>,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub object_count: u64,
    pub root_object_count: u64,
    pub file_size: Option<u64>,
    pub url: Option<String>,
    pub partial_data_url: Option<String>,
    pub query: String,
    /// `QUERY` or `MUTATION`.
    pub kind: &'static str,
    /// A bulk mutation's variables, one JSON object per line (the staged upload it was given).
    #[serde(skip)]
    pub variables: Option<Arc<Vec<u8>>>,
    pub group_objects: bool,
    pub api_version: String,
    /// What went wrong, for the control surface (Shopify gives only the error code).
    pub errors: Vec<String>,
    #[serde(skip)]
    pub(crate) cancel_requested: bool,
    /// The runner has picked the operation up.
    #[serde(skip)]
    pub(crate) started: bool,
}

impl BulkOperation {
    /// The operation's GID.
    pub fn gid(&self) -> String {
        gid::format("BulkOperation", self.id)
    }
}

/// The shop's bulk operations (a table of the [`Store`](crate::store::Store)).
#[derive(Debug, Clone)]
pub struct BulkOperations {
    pub items: BTreeMap<u64, BulkOperation>,
    pub(super) next_id: u64,
    /// Wakes the runner when an operation is created.
    pub(crate) signal: Arc<Notify>,
}

impl Default for BulkOperations {
    fn default() -> Self {
        BulkOperations { items: BTreeMap::new(), next_id: FIRST_OPERATION_ID, signal: Arc::new(Notify::new()) }
    }
}

const FIRST_OPERATION_ID: u64 = 4_110_000_000;

impl BulkOperations {
    /// Allocates an operation id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Operations of a type that have not ended, oldest first.
    pub fn active(&self, kind: &str) -> impl Iterator<Item = &BulkOperation> {
        self.items.values().filter(move |operation| operation.kind == kind && !operation.status.is_terminal())
    }
}

/// How the runner behaves; changeable at runtime ([`SimControl::set_bulk_behaviour`](crate::control::SimControl::set_bulk_behaviour),
/// `PUT /_sim/bulk/behaviour`) so tests can hold operations running or make them fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkBehaviour {
    /// Operations stay `RUNNING` without progress until this is switched off (or they are
    /// canceled).
    pub paused: bool,
    /// Fail with `INTERNAL_SERVER_ERROR` (and a `partialDataUrl`) once this many objects have
    /// been written.
    pub fail_after_objects: Option<u64>,
    /// Root nodes read per chunk (one store read lock each).
    pub chunk_size: usize,
    /// How long a result URL serves its file, counted from when the operation ends (Shopify's
    /// signed storage URLs: 7 days). Applies to operations that end after it is set.
    pub result_url_lifetime_seconds: u64,
}

/// Shopify keeps a bulk operation's result for 7 days.
pub const RESULT_URL_LIFETIME_SECONDS: u64 = 7 * 24 * 3600;

impl Default for BulkBehaviour {
    fn default() -> Self {
        BulkBehaviour {
            paused: false,
            fail_after_objects: None,
            chunk_size: 250,
            result_url_lifetime_seconds: RESULT_URL_LIFETIME_SECONDS,
        }
    }
}

/// A result file's URL: which operation's file, until when.
pub(super) struct ResultLink {
    pub(super) id: u64,
    pub(super) expires: std::time::Instant,
}

/// The runner's side of one simulator (in [`SimState`](crate::state::SimState)).
pub(crate) struct BulkRuntime {
    pub(crate) behaviour: Mutex<BulkBehaviour>,
    pub(crate) resumed: Notify,
    /// Result files live here and go away with the simulator.
    pub(super) directory: Option<tempfile::TempDir>,
    /// Result URLs by their random name: like Shopify's signed storage URLs they need no token,
    /// so they must not be guessable from the operation's number, and they expire.
    pub(super) links: Mutex<HashMap<String, ResultLink>>,
}

impl BulkRuntime {
    pub(crate) fn new() -> Self {
        let directory = tempfile::Builder::new()
            .prefix("shopify-sim-bulk-")
            .tempdir()
            .map_err(|error| tracing::warn!(%error, "no directory for bulk operation results"))
            .ok();
        BulkRuntime {
            behaviour: Mutex::new(BulkBehaviour::default()),
            resumed: Notify::new(),
            directory,
            links: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn file(&self, id: u64) -> Option<PathBuf> {
        self.directory.as_ref().map(|directory| directory.path().join(format!("{id}.jsonl")))
    }
}

/// The most bulk queries that may run at once for one app and shop.
pub fn concurrency_limit(api_version: &str) -> usize {
    if crate::server::version_at_least(api_version, "2026-01") { 5 } else { 1 }
}
