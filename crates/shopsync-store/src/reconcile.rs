//! Reconciliation runs: what `shopsync reconcile` found between Shopify and the back office, kept per shop.
//!
//! The comparison is the engine's (`shopsync_sync::catalog::reconcile`); the store keeps a run and its
//! differences in one transaction and gives back the last one.

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// One difference as found (and, with a fix, as it ended).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReconcileDifference {
    /// `missing-in-shopify`, `missing-in-back-office`, `price-differs`, `quantity-differs`, `link-broken`.
    pub kind: String,
    /// The SKU (`SKU@LOCATION` for a quantity), the item number, or the Shopify product's title.
    #[sqlx(rename = "object_key")]
    pub key: String,
    pub shopify_id: Option<String>,
    /// The back office's value (a price, a quantity), when the kind has one.
    pub back_office: Option<String>,
    /// Shopify's value.
    pub shopify: Option<String>,
    /// `open`, `fixed` or `not-fixed`.
    pub status: String,
}

/// A reconciliation run to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileRunInput {
    pub shop_id: i64,
    /// `report` or `fix`.
    pub mode: String,
    /// `manual` or `schedule`.
    pub trigger: String,
    pub started_at: String,
    pub finished_at: String,
    /// Shopify requests the run made, and the cost points they used.
    pub requests: i64,
    pub points: i64,
    pub differences: Vec<ReconcileDifference>,
}

/// A stored reconciliation run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReconcileRun {
    pub id: i64,
    pub shop_id: i64,
    pub mode: String,
    pub trigger: String,
    pub started_at: String,
    pub finished_at: String,
    pub requests: i64,
    pub points: i64,
    #[sqlx(skip)]
    pub differences: Vec<ReconcileDifference>,
}

/// Keeps reconciliation runs.
#[async_trait]
pub trait ReconcileStore: Send + Sync {
    /// Stores a run with its differences in one transaction; returns the run's id.
    async fn save_reconcile_run(&self, run: &ReconcileRunInput) -> Result<i64>;
    /// The shop's newest run with its differences, in the order found.
    async fn last_reconcile_run(&self, shop_id: i64) -> Result<Option<ReconcileRun>>;
}
