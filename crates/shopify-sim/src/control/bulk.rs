//! Bulk operations from the test's side: list them and change how they run.

use super::handle::SimControl;
use crate::bulk::{BulkBehaviour, BulkOperation};

impl SimControl {
    /// Every bulk operation, oldest first.
    pub fn bulk_operations(&self) -> Vec<BulkOperation> {
        self.state.store.read().bulk.items.values().cloned().collect()
    }

    /// How bulk operations run (paused, failing ...).
    pub fn bulk_behaviour(&self) -> BulkBehaviour {
        self.state.bulk.behaviour.lock().clone()
    }

    /// Changes how bulk operations run; unpausing resumes the running ones.
    pub fn set_bulk_behaviour(&self, behaviour: BulkBehaviour) {
        *self.state.bulk.behaviour.lock() = behaviour;
        self.state.bulk.resumed.notify_waiters();
    }
}
