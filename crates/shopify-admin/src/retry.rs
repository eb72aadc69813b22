//! Whether and when to try a request again.
//!
//! Kept apart from the mechanics (the loop in `client.rs`): [`classify`] is a
//! pure function from what happened to a [`Verdict`], and [`RetryConfig`]
//! bounds how often each kind of retry may happen and how long it may wait.

use std::time::Duration;

use rand::Rng;

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    /// HTTP 200 with data and no errors that matter for retrying.
    Answered,
    /// HTTP 200 whose `errors` say THROTTLED: the bucket was short.
    Throttled,
    /// An HTTP status other than 200, with `Retry-After` if given.
    Status { status: u16, retry_after: Option<Duration> },
    /// No HTTP answer. `connect` is true when the connection was never
    /// established, so the request certainly did not reach Shopify.
    Transport { connect: bool, timeout: bool },
}

/// The decision for one outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Done (success, or an error retrying cannot fix).
    Final,
    /// Retry once the cost budget has refilled (it waits exactly as long as
    /// the restore rate needs).
    AfterBucketRefill,
    /// Retry after the server-given delay (HTTP 429 `Retry-After`).
    After(Duration),
    /// Retry after an exponential backoff with full jitter. `maybe_applied`
    /// is true when the request may already have been executed.
    WithBackoff { maybe_applied: bool },
}

/// Decides retriability. Pure: no clocks, no counters.
///
/// - THROTTLED in a 200 body: retry after the bucket refills.
/// - 429: retry after `Retry-After` (1 s when absent, as Shopify's own
///   clients do).
/// - 5xx, timeouts, dropped or refused connections: retry with backoff; all
///   but a refused connection may have reached Shopify.
/// - 401/403 and every other status: final (they are reported as distinct
///   errors so the shop can be marked as needing access).
pub fn classify(outcome: &AttemptOutcome) -> Verdict {
    match outcome {
        AttemptOutcome::Answered => Verdict::Final,
        AttemptOutcome::Throttled => Verdict::AfterBucketRefill,
        AttemptOutcome::Status { status: 429, retry_after } => {
            Verdict::After(retry_after.unwrap_or(Duration::from_secs(1)))
        }
        AttemptOutcome::Status { status, .. } if (500..=599).contains(status) => {
            Verdict::WithBackoff { maybe_applied: true }
        }
        AttemptOutcome::Status { .. } => Verdict::Final,
        AttemptOutcome::Transport { connect, .. } => Verdict::WithBackoff { maybe_applied: !connect },
    }
}

/// Bounds of the retry mechanics.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Total attempts of one request, first one included.
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails
    /// (and the job retries later) instead of blocking a worker.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// Full-jitter backoff before attempt `attempt + 1` (attempt counts from
    /// 1): a uniform random delay in `[0, min(max, base * 2^(attempt-1))]`, so
    /// clients that failed together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }

    /// The upper end of the jittered backoff after `attempt`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.base_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Parses `Retry-After`: delta seconds, possibly decimal ("2.0"), as
/// Shopify sends it. HTTP dates are not used by Shopify and are ignored.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    if secs.is_finite() && secs >= 0.0 { Some(Duration::from_secs_f64(secs.min(86_400.0))) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(outcome: AttemptOutcome, expected: Verdict) {
        assert_eq!(classify(&outcome), expected, "{outcome:?}");
    }

    #[test]
    fn retriability_of_each_outcome() {
        use AttemptOutcome::*;
        check(Answered, Verdict::Final);
        check(Throttled, Verdict::AfterBucketRefill);
        check(
            Status { status: 429, retry_after: Some(Duration::from_millis(2500)) },
            Verdict::After(Duration::from_millis(2500)),
        );
        check(Status { status: 429, retry_after: None }, Verdict::After(Duration::from_secs(1)));
        check(Status { status: 503, retry_after: None }, Verdict::WithBackoff { maybe_applied: true });
        check(Status { status: 401, retry_after: None }, Verdict::Final);
        check(Status { status: 403, retry_after: None }, Verdict::Final);
        check(Status { status: 404, retry_after: None }, Verdict::Final);
        check(Transport { connect: true, timeout: false }, Verdict::WithBackoff { maybe_applied: false });
        check(Transport { connect: false, timeout: true }, Verdict::WithBackoff { maybe_applied: true });
    }

    #[test]
    fn retry_after_accepts_decimals() {
        assert_eq!(parse_retry_after("2.0"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_is_jittered_below_a_doubling_ceiling() {
        let config = RetryConfig::default();
        assert_eq!(config.backoff_ceiling(1), Duration::from_millis(500));
        assert_eq!(config.backoff_ceiling(3), Duration::from_secs(2));
        assert_eq!(config.backoff_ceiling(30), Duration::from_secs(30));
        for attempt in 1..8 {
            assert!(config.backoff(attempt) <= config.backoff_ceiling(attempt));
        }
    }
}
