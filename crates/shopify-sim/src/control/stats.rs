//! Request counters, faults and the cost bucket.

use std::time::Instant;

use super::handle::SimControl;
use crate::faults::Faults;
use crate::state::Stats;
use crate::throttle::BucketConfig;

impl SimControl {
    /// Request counters.
    pub fn stats(&self) -> Stats {
        self.state.stats.lock().clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        *self.state.stats.lock() = Stats::default();
    }

    /// Current faults.
    pub fn faults(&self) -> Faults {
        self.state.faults.lock().faults().clone()
    }

    /// Replaces the faults (and restarts their seeded sequence).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.lock().set(faults);
    }

    /// Changes the cost bucket of every app (existing buckets keep their level, capped).
    pub fn set_bucket(&self, config: BucketConfig) {
        *self.state.bucket_config.lock() = config;
        for bucket in self.state.buckets.lock().values_mut() {
            bucket.reconfigure(config);
        }
    }

    /// Empties every app's bucket, so the next request is throttled.
    pub fn drain_buckets(&self) {
        let now = Instant::now();
        for bucket in self.state.buckets.lock().values_mut() {
            bucket.drain(now);
        }
    }
}
