//! The handle itself: [`SimControl`], why a control operation is refused, and direct store access.

use std::sync::Arc;

use crate::state::SimState;
use crate::store::{Change, Store};

/// Control of a running simulator (cheap to clone).
#[derive(Clone)]
pub struct SimControl {
    pub(crate) state: Arc<SimState>,
}

/// Why a control operation was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("no inventory item matches {0}: check the SKU or inventory item id")]
    UnknownInventoryItem(String),
    #[error("no location matches {0}: list them with GET /_sim/locations")]
    UnknownLocation(String),
    #[error("quantity name `{0}` is not `available` or `on_hand`")]
    UnknownQuantityName(String),
}

impl SimControl {
    /// Recent changes, oldest first (what webhooks would announce).
    pub fn changes(&self) -> Vec<Change> {
        self.state.store.read().changes.iter().cloned().collect()
    }

    /// Reads the store directly (for modules and tests that need more than the snapshots).
    pub fn with_store<R>(&self, read: impl FnOnce(&Store) -> R) -> R {
        read(&self.state.store.read())
    }

    /// Changes the store directly (for modules and tests: create orders, cancel them ...).
    pub fn with_store_mut<R>(&self, write: impl FnOnce(&mut Store) -> R) -> R {
        write(&mut self.state.store.write())
    }
}
