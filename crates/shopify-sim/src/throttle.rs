//! The cost-based leaky bucket, one per (app token, shop).
//!
//! Requested cost is taken up front; when the bucket holds less, the request is THROTTLED and
//! nothing is taken. After execution the difference between requested and actual cost goes back.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// Size and restore rate of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BucketConfig {
    /// Points the bucket holds when full (`maximumAvailable`).
    pub maximum_available: f64,
    /// Points restored per second (`restoreRate`).
    pub restore_rate: f64,
}

/// One bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    config: BucketConfig,
    available: f64,
    updated: Instant,
}

/// The bucket's state as reported in `extensions.cost.throttleStatus`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

impl Bucket {
    /// A full bucket.
    pub fn new(config: BucketConfig) -> Self {
        Bucket { config, available: config.maximum_available, updated: Instant::now() }
    }

    /// Takes `cost` points if available; otherwise leaves the bucket as it is.
    pub fn try_take(&mut self, cost: u32, now: Instant) -> Result<ThrottleStatus, ThrottleStatus> {
        self.restore(now);
        let cost = f64::from(cost);
        if cost > self.available {
            return Err(self.status());
        }
        self.available -= cost;
        Ok(self.status())
    }

    /// Gives back points (requested minus actual cost).
    pub fn refund(&mut self, points: u32, now: Instant) -> ThrottleStatus {
        self.restore(now);
        self.available = (self.available + f64::from(points)).min(self.config.maximum_available);
        self.status()
    }

    /// The state now.
    pub fn status_at(&mut self, now: Instant) -> ThrottleStatus {
        self.restore(now);
        self.status()
    }

    /// Changes size and rate (control surface); the level is capped to the new size.
    pub fn reconfigure(&mut self, config: BucketConfig) {
        self.config = config;
        self.available = self.available.min(config.maximum_available);
    }

    /// Empties the bucket (tests of throttling).
    pub fn drain(&mut self, now: Instant) {
        self.restore(now);
        self.available = 0.0;
    }

    fn restore(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.available = (self.available + elapsed * self.config.restore_rate).min(self.config.maximum_available);
        self.updated = now;
    }

    fn status(&self) -> ThrottleStatus {
        ThrottleStatus {
            maximum_available: self.config.maximum_available,
            currently_available: self.available,
            restore_rate: self.config.restore_rate,
        }
    }
}

impl ThrottleStatus {
    /// `throttleStatus` JSON as Shopify prints it: floats for the bucket size and rate, a whole
    /// number of points for what is available.
    pub fn to_json(self) -> Json {
        json!({
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available.floor() as i64,
            "restoreRate": self.restore_rate,
        })
    }
}

/// `extensions.cost` of a response.
pub fn cost_extension(requested: u32, actual: Option<u32>, status: ThrottleStatus) -> Json {
    json!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": status.to_json(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bucket_takes_refunds_and_restores_at_its_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(BucketConfig { maximum_available: 100.0, restore_rate: 10.0 });
        assert_eq!(bucket.try_take(80, start).unwrap().currently_available, 20.0);
        assert!(bucket.try_take(30, start).is_err(), "not enough points: throttled");
        assert_eq!(bucket.refund(5, start).currently_available, 25.0);
        let later = start + Duration::from_secs(1);
        assert_eq!(bucket.try_take(30, later).unwrap().currently_available, 5.0);
        let much_later = later + Duration::from_secs(60);
        assert_eq!(bucket.status_at(much_later).currently_available, 100.0);
    }
}
