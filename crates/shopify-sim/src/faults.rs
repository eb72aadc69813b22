//! Fault injection: what a flaky network and a busy Shopify do to a client, on demand.
//!
//! Faults are per simulator and can be changed at runtime (Rust handle or `PUT /_sim/faults`).
//! Decisions come from a seeded generator, so a test that sets a seed sees the same sequence of
//! faults on every run.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Fault rates and switches. Rates are probabilities per Admin API request (0.0 to 1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer with a 5xx status (`server_error_status`) instead of serving the request.
    pub server_error_rate: f64,
    /// The 5xx status used, 503 by default (the official client retries 429 and 503).
    pub server_error_status: u16,
    /// Answer HTTP 429 with a `Retry-After` header.
    pub too_many_requests_rate: f64,
    /// The `Retry-After` value in seconds (Shopify sends decimals such as "2.0").
    pub retry_after_seconds: f64,
    /// Answer a GraphQL request with THROTTLED although the bucket has room.
    pub throttled_rate: f64,
    /// Delay added before every Admin API answer, in milliseconds.
    pub latency_ms: u64,
    /// Close the connection without answering.
    pub drop_connection_rate: f64,
    /// Serve the request (a mutation takes effect), then close the connection before the answer: the client
    /// cannot tell whether it happened, as after a real network failure mid-response.
    pub lost_response_rate: f64,
    /// Reject the access token as Shopify does once an app is uninstalled or the token revoked.
    pub token_revoked: bool,
    /// Seed of the fault decisions.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            server_error_rate: 0.0,
            server_error_status: 503,
            too_many_requests_rate: 0.0,
            retry_after_seconds: 2.0,
            throttled_rate: 0.0,
            latency_ms: 0,
            drop_connection_rate: 0.0,
            lost_response_rate: 0.0,
            token_revoked: false,
            seed: 0,
        }
    }
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultDecision {
    Serve,
    DropConnection,
    /// Serve, then drop the connection instead of answering.
    LoseResponse,
    ServerError(u16),
    TooManyRequests {
        retry_after_seconds: f64,
    },
}

/// Faults plus the generator that draws decisions from them.
#[derive(Debug, Clone)]
pub struct FaultState {
    faults: Faults,
    rng: SplitMix64,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        let rng = SplitMix64::new(faults.seed);
        FaultState { faults, rng }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults and restarts the decision sequence from their seed.
    pub fn set(&mut self, faults: Faults) {
        *self = FaultState::new(faults);
    }

    /// Decides the transport-level fate of one Admin API request, and the latency to add.
    pub fn decide(&mut self) -> (Duration, FaultDecision) {
        let latency = Duration::from_millis(self.faults.latency_ms);
        let decision = if self.rng.chance(self.faults.drop_connection_rate) {
            FaultDecision::DropConnection
        } else if self.rng.chance(self.faults.server_error_rate) {
            FaultDecision::ServerError(self.faults.server_error_status)
        } else if self.rng.chance(self.faults.too_many_requests_rate) {
            FaultDecision::TooManyRequests { retry_after_seconds: self.faults.retry_after_seconds }
        } else if self.rng.chance(self.faults.lost_response_rate) {
            FaultDecision::LoseResponse
        } else {
            FaultDecision::Serve
        };
        (latency, decision)
    }

    /// Whether this GraphQL request gets an extra THROTTLED answer.
    pub fn throttle_now(&mut self) -> bool {
        self.rng.chance(self.faults.throttled_rate)
    }
}
