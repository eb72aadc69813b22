//! The outbound catalog flows: back-office items, prices and stock to Shopify.
//!
//! - [`sync_products`] (and [`plan_products`] for a dry run) creates and updates Shopify products from the
//!   shop's selection of items, keyed by SKU. Before anything is created, products already in Shopify are
//!   matched by SKU and linked, never duplicated; `import_unmatched` brings the Shopify products the back office
//!   does not know into it as items (first-time setup). A content hash of the payload Shopify last accepted is
//!   kept per product, so an unchanged product costs no call. More than [`BULK_WRITE_ABOVE`] products to send go
//!   as one bulk mutation, finished from its operation's result by the next run if this one stops
//!   (`bulk_push.rs`).
//! - [`sync_inventory`] (and [`plan_inventory`]) sets the `available` quantity of linked, tracked variants at
//!   the Shopify location each warehouse is mapped to, only where it changed since the quantity Shopify last
//!   accepted, in batches of 250 with compare-and-swap (`changeFromQuantity`) and an idempotency key.
//!
//! Both take a [`ShopContext`](crate::ShopContext), their options and a [`Progress`](crate::Progress), and
//! return a [`FlowSummary`](crate::FlowSummary), so the CLI, the scheduler and the demo run them the same way
//! (the CLI inside [`Engine::run_job`](crate::Engine::run_job)). A record Shopify refuses is not an error of
//! the flow: each `userErrors` entry is stored against its item or SKU as a skipped record
//! ([`shopsync_store::CatalogStore::record_skipped`]), counted in the summary by code, and cleared when the
//! record later syncs.
//!
//! ```no_run
//! # async fn example(engine: &shopsync_sync::Engine) -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_store::JobTrigger;
//! use shopsync_sync::NoProgress;
//! use shopsync_sync::catalog::{ProductSyncOptions, sync_products};
//!
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let options = ProductSyncOptions::default();
//! let flow = sync_products(&shop, &options, &NoProgress);
//! let summary = engine.run_job(&shop, "products", JobTrigger::Manual, &NoProgress, flow).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

mod bulk_push;
mod diff;
mod inventory;
mod link;
mod payload;
mod products;
pub mod publish;
pub mod reconcile;

pub use bulk_push::BULK_WRITE_ABOVE;
pub use diff::FieldChange;
pub use inventory::{
    InventoryPlan, InventorySyncOptions, LocationPlan, PlannedQuantity, UnmappedWarehouse, plan_inventory,
    sync_inventory,
};
pub use products::{
    PlannedCreate, PlannedImport, PlannedLink, PlannedUpdate, ProductPlan, ProductSyncOptions, plan_products,
    sync_products,
};

use serde::Serialize;
use shopify_admin::UserError;
use shopsync_store::SkippedRecordInput;

/// The object names skipped records are stored under.
pub mod objects {
    /// A back-office item (key: the item number).
    pub const ITEM: &str = "item";
    /// A Shopify product the back office could not import (key: its handle).
    pub const SHOPIFY_PRODUCT: &str = "shopify-product";
    /// A stock level (key: `SKU@WAREHOUSE`).
    pub const INVENTORY: &str = "inventory";
}

/// A record a flow skipped or would skip, with the reason: Shopify's `userErrors` entry or a check of ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `item`, `shopify-product`, `inventory`.
    pub object: String,
    /// The item number, handle or `SKU@WAREHOUSE`.
    pub key: String,
    /// The input field Shopify named, joined by `.`.
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(object: &str, key: &str, code: &str, message: impl Into<String>) -> Problem {
        Problem {
            object: object.to_string(),
            key: key.to_string(),
            field: None,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// A Shopify `userErrors` entry about `key`; `detail` (e.g. the variant's SKU) prefixes the message.
    pub(crate) fn from_user_error(object: &str, key: &str, error: &UserError, detail: Option<&str>) -> Problem {
        let field = error.field.as_ref().filter(|path| !path.is_empty()).map(|path| path.join("."));
        let message = match detail {
            Some(detail) => format!("{detail}: {}", error.message),
            None => error.message.clone(),
        };
        Problem {
            object: object.to_string(),
            key: key.to_string(),
            field,
            code: error.code.clone().unwrap_or_else(|| "USER_ERROR".to_string()),
            message,
        }
    }

    pub(crate) fn to_record(&self) -> SkippedRecordInput {
        SkippedRecordInput {
            object: self.object.clone(),
            object_key: self.key.clone(),
            field: self.field.clone(),
            code: Some(self.code.clone()),
            message: self.message.clone(),
        }
    }
}

/// Hex SHA-256 of some bytes, for content hashes and idempotency keys.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
