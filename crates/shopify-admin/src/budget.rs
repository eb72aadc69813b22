//! The per-shop cost budget: a local mirror of Shopify's leaky bucket.
//!
//! Shopify gives each app a bucket of cost points per shop
//! (`maximumAvailable`, refilled at `restoreRate` points per second). A query
//! is charged its *requested* cost up front, refunded down to its *actual*
//! cost when it finishes, and refused with THROTTLED when the bucket holds
//! less than the requested cost. Every response reports the bucket in
//! `extensions.cost.throttleStatus`.
//!
//! [`CostBudget`] runs the same algorithm locally so a request waits *before*
//! it is sent instead of being throttled:
//! - [`CostBudget::acquire`] deducts the operation's expected requested cost
//!   from the modelled level, first sleeping exactly as long as the restore
//!   rate needs to refill the shortfall. Callers queue on a FIFO (tokio)
//!   mutex, so concurrent tasks are served in arrival order and nobody polls.
//! - [`CostBudget::settle`] refunds the difference to the actual cost and
//!   reconciles the model with the reported `currentlyAvailable`.
//!
//! Reconciling with concurrent requests is the subtle part: a snapshot was
//! taken on Shopify while some of our other requests may or may not have
//! been counted, and answers can arrive out of order. A snapshot therefore
//! only bounds the true level: at least `currentlyAvailable` minus the cost
//! of every other request that Shopify may have charged after it (those
//! still in flight, and those answered since this one was sent), and at most
//! `currentlyAvailable` plus what was refunded and restored since. The model
//! is kept when it lies in that window and moved to the safe (lower) edge
//! when it does not, which covers other consumers of the same bucket and a
//! wrong initial guess.
//!
//! Before the first response the bucket's size is unknown: one request goes
//! out as a probe and the others wait for its snapshot.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use tokio::sync::{Mutex, Notify};
use tokio::time::Instant;

/// The slowest refill a throttle status is believed with, in points per second.
const MIN_RESTORE_RATE: f64 = 1.0;

/// The least a request waits after a THROTTLED answer whose report does not explain it: one second of refill,
/// as Shopify's own API clients wait after THROTTLED.
const MIN_THROTTLED_WAIT: Duration = Duration::from_secs(1);

/// The longest one request waits for the bucket in all. Shopify refills a bucket in well under a minute; a wait
/// longer than this only comes from a report that cannot be true, and then Shopify decides (THROTTLED is retried).
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Shopify's report of a query's cost (`extensions.cost`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    /// Cost charged up front, computed from the document and its variables.
    pub requested_query_cost: f64,
    /// Cost after execution (null when the query was throttled).
    pub actual_query_cost: Option<f64>,
    /// The bucket right after this query.
    pub throttle_status: Option<ThrottleStatus>,
}

/// `extensions.cost.throttleStatus`: the bucket as Shopify sees it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

/// A point-in-time view of the modelled bucket, for status pages and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetSnapshot {
    /// Bucket size, once a response has reported it.
    pub maximum: Option<f64>,
    /// Points restored per second, once a response has reported it.
    pub restore_rate: Option<f64>,
    /// Modelled points available now (may be negative while requests that
    /// were charged more than the level are in flight).
    pub available: f64,
    /// Cost reserved by requests that are in flight.
    pub in_flight: f64,
    /// Total time callers spent waiting for the bucket.
    pub waited: Duration,
}

/// One shop's cost budget. Create one per shop and share it (`Arc`) between
/// every client and task that uses that shop.
#[derive(Debug)]
pub struct CostBudget {
    /// FIFO queue of callers waiting to reserve; holding it means "my turn".
    turn: Mutex<()>,
    state: StdMutex<State>,
    /// Wakes callers waiting for the first snapshot (or for a failed probe).
    changed: Notify,
    safety_margin: f64,
}

#[derive(Debug)]
struct State {
    limits: Option<Limits>,
    /// Modelled level at `at`.
    level: f64,
    at: Instant,
    /// Reserved cost and send time of each request in flight.
    in_flight: HashMap<u64, (f64, Instant)>,
    /// (answered at, charged) of requests answered while others were in
    /// flight: Shopify may have charged them after an older request's
    /// snapshot, which arrives later.
    answered: VecDeque<(Instant, f64)>,
    probe_in_flight: bool,
    next_id: u64,
    /// Last requested cost per operation name.
    requested: HashMap<String, f64>,
    waited: Duration,
    /// No request may start before this (HTTP 429 `Retry-After`).
    paused_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    maximum: f64,
    restore_rate: f64,
}

/// Permission to send one request, holding its reserved cost. Give it back
/// with [`CostBudget::settle`]; dropping it (e.g. when the caller's future is
/// cancelled) forgets the reservation without refunding it, which errs on
/// the safe side.
#[derive(Debug)]
#[must_use = "settle the reservation with the response's cost"]
pub struct Reservation<'a> {
    budget: &'a CostBudget,
    id: u64,
    cost: f64,
    sent_at: Instant,
    probe: bool,
    settled: bool,
}

/// What became of a request, for [`CostBudget::settle`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Settlement {
    /// Shopify answered with a cost report (success, THROTTLED, GraphQL
    /// errors).
    Reported(QueryCost),
    /// No cost report (HTTP error, network failure): whether Shopify charged
    /// anything is unknown, so the reservation stays spent.
    Unknown,
}

impl Default for CostBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl CostBudget {
    /// A budget that learns the bucket's size from the first response.
    pub fn new() -> Self {
        Self::with_safety_margin(0.0)
    }

    /// Like [`new`](Self::new), but keeps `points` in reserve: useful when
    /// another process (not sharing this budget) uses the same app on the
    /// same shop.
    pub fn with_safety_margin(points: f64) -> Self {
        Self {
            turn: Mutex::new(()),
            state: StdMutex::new(State {
                limits: None,
                level: 0.0,
                at: Instant::now(),
                in_flight: HashMap::new(),
                answered: VecDeque::new(),
                probe_in_flight: false,
                next_id: 0,
                requested: HashMap::new(),
                waited: Duration::ZERO,
                paused_until: None,
            }),
            changed: Notify::new(),
            safety_margin: points.max(0.0),
        }
    }

    /// The cost to reserve for `operation`: its last requested cost, else
    /// the caller's declared estimate.
    pub fn expected_cost(&self, operation: &str, declared: f64) -> f64 {
        self.lock().requested.get(operation).copied().unwrap_or(declared)
    }

    /// Waits until the bucket holds `expected cost` points, then reserves
    /// them. Never busy-waits: sleeps exactly until the restore rate refills
    /// the shortfall (again if a snapshot meanwhile showed less).
    pub async fn acquire(&self, operation: &str, declared_cost: f64) -> Reservation<'_> {
        let _turn = self.turn.lock().await;
        let cost = self.expected_cost(operation, declared_cost).max(0.0);
        let give_up = Instant::now() + MAX_WAIT;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                let paused = s.paused_until.filter(|until| *until > now);
                match s.limits {
                    _ if paused.is_some() => paused.map(|until| until - now),
                    None if !s.probe_in_flight => {
                        s.probe_in_flight = true;
                        return self.reserve(&mut s, cost, now, true);
                    }
                    None => None,
                    Some(limits) => {
                        let level = s.level_at(now, limits);
                        // A cost above the bucket size can only ever run from a
                        // full bucket (Shopify then decides).
                        let needed = cost.min(limits.maximum) + self.safety_margin;
                        // The tolerance absorbs float rounding after a sleep that
                        // was computed to refill exactly the shortfall.
                        if level + 1e-6 >= needed || now >= give_up {
                            return self.reserve(&mut s, cost, now, false);
                        }
                        let secs = (needed - level) / limits.restore_rate.max(f64::MIN_POSITIVE);
                        Some(Duration::from_secs_f64(secs.min((give_up - now).as_secs_f64())))
                    }
                }
            };
            let started = Instant::now();
            match wait {
                Some(duration) => tokio::time::sleep(duration).await,
                None => notified.await,
            }
            self.lock().waited += started.elapsed();
        }
    }

    /// Gives a reservation back with what Shopify reported.
    pub fn settle(&self, mut reservation: Reservation<'_>, operation: &str, outcome: Settlement) {
        reservation.settled = true;
        let mut s = self.lock();
        let now = Instant::now();
        s.in_flight.remove(&reservation.id);
        if reservation.probe {
            s.probe_in_flight = false;
        }
        let charged_by_this = match outcome {
            Settlement::Reported(cost) => cost.actual_query_cost.unwrap_or(0.0),
            Settlement::Unknown => reservation.cost,
        };
        if let Settlement::Reported(cost) = outcome {
            if cost.requested_query_cost > 0.0 {
                s.requested.insert(operation.to_owned(), cost.requested_query_cost);
            }
            // Shopify's net charge is the actual cost (nothing when throttled).
            let charged = cost.actual_query_cost.unwrap_or(0.0);
            let refund = reservation.cost - charged;
            if let Some(limits) = s.limits {
                let level = s.level_at(now, limits);
                s.set_level(level + refund, now);
            }
            // A bucket without size or refill (a proxy or a broken answer reporting 0 or less, or a refill under a
            // point a second, when Shopify's slowest is 50) is not a snapshot: taken as one, it made every later
            // request wait forever. A level outside the bucket is clamped into it for the same reason.
            let plausible = |status: &ThrottleStatus| {
                status.maximum_available.is_finite()
                    && status.maximum_available > 0.0
                    && status.restore_rate.is_finite()
                    && status.restore_rate >= MIN_RESTORE_RATE
            };
            if let Some(status) = cost.throttle_status.filter(plausible) {
                let limits = Limits { maximum: status.maximum_available, restore_rate: status.restore_rate };
                let in_flight: f64 = s.in_flight.values().map(|(cost, _)| cost).sum();
                let answered_since: f64 =
                    s.answered.iter().filter(|(at, _)| *at > reservation.sent_at).map(|(_, charged)| charged).sum();
                let currently_available = status.currently_available.clamp(0.0, limits.maximum);
                let lower = currently_available - in_flight - answered_since;
                // Shopify may report the level before crediting the unused part of what it reserved, so a
                // charged answer leaves the model that much room above the report. A THROTTLED answer (no actual
                // cost) reserved nothing: its report is the bucket as it is. Without this difference a model a
                // few points ahead of Shopify stayed within the room, sent again at once, and was throttled
                // until the attempts ran out.
                let refund_slack =
                    if cost.actual_query_cost.is_some() { (cost.requested_query_cost - charged).max(0.0) } else { 0.0 };
                let since_sent = now.duration_since(reservation.sent_at).as_secs_f64();
                let upper = currently_available + refund_slack + limits.restore_rate * since_sent;
                let known = s.limits.is_some();
                s.limits = Some(limits);
                let level = if known { s.level_at(now, limits) } else { lower };
                let reconciled = if level < lower || level > upper { lower } else { level };
                s.set_level(reconciled.min(limits.maximum), now);
            }
        }
        s.remember_answer(now, charged_by_this);
        drop(s);
        self.changed.notify_waiters();
    }

    /// Records that Shopify answered `operation` with THROTTLED, after [`settle`](Self::settle) took its report.
    ///
    /// When the report explains the refusal (the bucket held less than the requested cost), the next `acquire`
    /// already waits for the shortfall. When it does not (the report shows room, as when another app or process
    /// drained the bucket between Shopify's check and its report, or no report came), the model is lowered so
    /// the next request waits at least [`MIN_THROTTLED_WAIT`] of refill: sent again at once, every attempt was
    /// throttled within milliseconds.
    pub fn throttled(&self, operation: &str) {
        let mut s = self.lock();
        let now = Instant::now();
        let requested = s.requested.get(operation).copied().unwrap_or(0.0);
        match s.limits {
            Some(limits) => {
                let needed = requested.min(limits.maximum);
                let level = s.level_at(now, limits);
                if level + 1e-6 >= needed {
                    s.set_level(needed - limits.restore_rate * MIN_THROTTLED_WAIT.as_secs_f64(), now);
                }
            }
            None => {
                let until = now + MIN_THROTTLED_WAIT;
                s.paused_until = Some(s.paused_until.map_or(until, |current| current.max(until)));
            }
        }
    }

    /// Makes every caller wait `delay` before its next request (Shopify
    /// answered HTTP 429 with this `Retry-After`).
    pub fn pause_for(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut s = self.lock();
        s.paused_until = Some(s.paused_until.map_or(until, |current| current.max(until)));
    }

    /// The modelled bucket now.
    pub fn snapshot(&self) -> BudgetSnapshot {
        let s = self.lock();
        let now = Instant::now();
        let available = match s.limits {
            Some(l) => s.level_at(now, l),
            None => s.level,
        };
        BudgetSnapshot {
            maximum: s.limits.map(|l| l.maximum),
            restore_rate: s.limits.map(|l| l.restore_rate),
            available,
            in_flight: s.in_flight.values().map(|(cost, _)| cost).sum(),
            waited: s.waited,
        }
    }

    fn reserve(&self, s: &mut State, cost: f64, now: Instant, probe: bool) -> Reservation<'_> {
        if let Some(limits) = s.limits {
            let level = s.level_at(now, limits);
            s.set_level(level - cost, now);
        }
        let id = s.next_id;
        s.next_id += 1;
        s.in_flight.insert(id, (cost, now));
        Reservation { budget: self, id, cost, sent_at: now, probe, settled: false }
    }

    fn release_unsettled(&self, id: u64, probe: bool) {
        let mut s = self.lock();
        s.in_flight.remove(&id);
        if probe {
            s.probe_in_flight = false;
        }
        drop(s);
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain numbers; a panic while holding the lock cannot
        // leave it inconsistent in a harmful way, so recover from poisoning.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    fn level_at(&self, now: Instant, limits: Limits) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.level + elapsed * limits.restore_rate).min(limits.maximum)
    }

    fn set_level(&mut self, level: f64, now: Instant) {
        self.level = level;
        self.at = now;
    }

    /// Keeps the answers a request still in flight may need to discount.
    fn remember_answer(&mut self, at: Instant, charged: f64) {
        match self.in_flight.values().map(|(_, sent_at)| *sent_at).min() {
            None => self.answered.clear(),
            Some(oldest) => {
                while self.answered.front().is_some_and(|(answered_at, _)| *answered_at <= oldest) {
                    self.answered.pop_front();
                }
                self.answered.push_back((at, charged));
            }
        }
    }
}

impl Reservation<'_> {
    /// The cost reserved for this request.
    pub fn cost(&self) -> f64 {
        self.cost
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.budget.release_unsettled(self.id, self.probe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(requested: f64, actual: Option<f64>, available: f64) -> Settlement {
        Settlement::Reported(QueryCost {
            requested_query_cost: requested,
            actual_query_cost: actual,
            throttle_status: Some(ThrottleStatus {
                maximum_available: 1000.0,
                currently_available: available,
                restore_rate: 50.0,
            }),
        })
    }

    /// A broken report (a bucket of 6.6e142 points and a requested cost of 49 million at 6,899 points a second, found
    /// by the client's property test) once made the next request sleep an hour, find the bucket still short, and
    /// sleep another: no request waits more than an hour in all, whatever a report said.
    #[tokio::test(start_paused = true)]
    async fn no_report_makes_a_request_wait_more_than_an_hour() {
        let budget = CostBudget::new();
        let probe = budget.acquire("Q", 0.0).await;
        let broken = QueryCost {
            requested_query_cost: 49_673_141.0,
            actual_query_cost: None,
            throttle_status: Some(ThrottleStatus {
                maximum_available: 6.620_834_977_723_196e142,
                currently_available: 0.0,
                restore_rate: 6_899.047_266_112,
            }),
        };
        budget.settle(probe, "Q", Settlement::Reported(broken));
        let started = Instant::now();
        let next = tokio::time::timeout(Duration::from_secs(2 * 3600), budget.acquire("Q", 0.0)).await;
        assert!(next.is_ok(), "the next request is still waiting after two hours");
        assert!(started.elapsed() <= MAX_WAIT, "waited {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn first_request_is_a_probe_and_others_wait_for_its_snapshot() {
        let budget = std::sync::Arc::new(CostBudget::new());
        let probe = budget.acquire("Q", 100.0).await;
        let b2 = budget.clone();
        let waiter = tokio::spawn(async move {
            let r = b2.acquire("Q", 100.0).await;
            let cost = r.cost();
            b2.settle(r, "Q", Settlement::Unknown);
            cost
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished(), "second caller must wait for the probe");
        budget.settle(probe, "Q", report(100.0, Some(10.0), 990.0));
        assert_eq!(waiter.await.unwrap(), 100.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_bucket_waits_exactly_the_restore_time() {
        let budget = CostBudget::new();
        let r = budget.acquire("Q", 100.0).await;
        // Shopify reports 100 points left after charging 100.
        budget.settle(r, "Q", report(100.0, Some(100.0), 100.0));
        let r = budget.acquire("Q", 100.0).await; // level 100 -> 0, no wait
        budget.settle(r, "Q", report(100.0, Some(100.0), 0.0));
        let start = Instant::now();
        let r = budget.acquire("Q", 100.0).await; // needs 100 at 50/s = 2 s
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(1999) && waited <= Duration::from_millis(2010), "{waited:?}");
        budget.settle(r, "Q", Settlement::Unknown);
    }

    #[tokio::test(start_paused = true)]
    async fn a_snapshot_lower_than_the_model_lowers_it() {
        let budget = CostBudget::new();
        let r = budget.acquire("Q", 10.0).await;
        budget.settle(r, "Q", report(10.0, Some(10.0), 990.0));
        // Another process drained the bucket: Shopify now reports 50.
        let r = budget.acquire("Q", 10.0).await;
        budget.settle(r, "Q", report(10.0, Some(10.0), 50.0));
        let snap = budget.snapshot();
        assert!((snap.available - 50.0).abs() < 1e-6, "{snap:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_answer_brings_a_model_slightly_ahead_of_shopify_down_to_the_report() {
        let budget = CostBudget::new();
        let r = budget.acquire("Q", 400.0).await;
        budget.settle(r, "Q", report(400.0, Some(400.0), 402.0));
        // The model holds 402; Shopify, a few points behind (rounding, another client), holds 399.
        let r = budget.acquire("Q", 400.0).await;
        budget.settle(r, "Q", report(400.0, None, 399.0));
        let snap = budget.snapshot();
        assert!(snap.available <= 399.0 + 1e-6, "the model must not stay above Shopify's report: {snap:?}");
        // So the retry waits for the shortfall instead of being throttled again at once.
        let start = Instant::now();
        let r = budget.acquire("Q", 400.0).await;
        assert!(start.elapsed() >= Duration::from_millis(19), "{:?}", start.elapsed());
        budget.settle(r, "Q", Settlement::Unknown);
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_answer_refunds_the_reservation() {
        let budget = CostBudget::new();
        let r = budget.acquire("Q", 10.0).await;
        budget.settle(r, "Q", report(10.0, Some(10.0), 500.0));
        let r = budget.acquire("Q", 10.0).await;
        budget.settle(r, "Q", report(10.0, None, 500.0));
        assert!((budget.snapshot().available - 500.0).abs() < 1e-6);
    }

    #[tokio::test(start_paused = true)]
    async fn expected_cost_follows_the_last_requested_cost() {
        let budget = CostBudget::new();
        let r = budget.acquire("Q", 5.0).await;
        budget.settle(r, "Q", report(42.0, Some(3.0), 997.0));
        assert_eq!(budget.expected_cost("Q", 5.0), 42.0);
        assert_eq!(budget.expected_cost("Other", 7.0), 7.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_request_releases_its_turn() {
        let budget = CostBudget::new();
        let probe = budget.acquire("Q", 10.0).await;
        drop(probe);
        // The dropped probe must not block the next caller forever.
        let r = tokio::time::timeout(Duration::from_secs(1), budget.acquire("Q", 10.0))
            .await
            .expect("next caller becomes the probe");
        budget.settle(r, "Q", Settlement::Unknown);
    }

    /// Shopify's side of the bucket, for the concurrency test below.
    struct FakeShopify {
        level: f64,
        at: Instant,
        throttled: u32,
        charged: f64,
    }

    impl FakeShopify {
        const MAX: f64 = 1000.0;
        const RATE: f64 = 100.0;

        fn restore(&mut self) {
            let now = Instant::now();
            self.level = (self.level + (now - self.at).as_secs_f64() * Self::RATE).min(Self::MAX);
            self.at = now;
        }

        fn status(&self) -> ThrottleStatus {
            ThrottleStatus { maximum_available: Self::MAX, currently_available: self.level, restore_rate: Self::RATE }
        }
    }

    /// One load scenario: 8 tasks, each sending `requests` requests of
    /// `requested` points (actual cost: the same, or 10..=100 with
    /// `refunds`), every leg (to Shopify, executing, back) taking a random
    /// 0..`max_delay_ms`, so answers arrive out of order.
    async fn check_no_throttling(requested: f64, refunds: bool, requests: u32, max_delay_ms: u64) {
        use std::sync::{Arc, Mutex};
        let budget = Arc::new(CostBudget::new());
        let shopify = Arc::new(Mutex::new(FakeShopify {
            level: FakeShopify::MAX,
            at: Instant::now(),
            throttled: 0,
            charged: 0.0,
        }));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for task in 0..8u64 {
            let (budget, shopify) = (budget.clone(), shopify.clone());
            tasks.push(tokio::spawn(async move {
                // A small deterministic xorshift generator per task.
                let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (task + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                let mut next = move |n: u64| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % n
                };
                for _ in 0..requests {
                    let reservation = budget.acquire("Q", requested).await;
                    tokio::time::sleep(Duration::from_millis(next(max_delay_ms))).await;
                    let accepted = {
                        let mut s = shopify.lock().unwrap();
                        s.restore();
                        let fits = s.level >= requested;
                        if fits {
                            s.level -= requested;
                        } else {
                            s.throttled += 1;
                        }
                        fits
                    };
                    let mut actual = None;
                    if accepted {
                        tokio::time::sleep(Duration::from_millis(next(max_delay_ms))).await;
                        let cost = if refunds { 10.0 + next(91) as f64 } else { requested };
                        let mut s = shopify.lock().unwrap();
                        s.restore();
                        s.level = (s.level + requested - cost).min(FakeShopify::MAX);
                        s.charged += cost;
                        actual = Some(cost);
                    }
                    let status = shopify.lock().unwrap().status();
                    tokio::time::sleep(Duration::from_millis(next(max_delay_ms))).await;
                    let cost = QueryCost {
                        requested_query_cost: requested,
                        actual_query_cost: actual,
                        throttle_status: Some(status),
                    };
                    budget.settle(reservation, "Q", Settlement::Reported(cost));
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let s = shopify.lock().unwrap();
        assert_eq!(s.throttled, 0, "requested {requested}: the budget let through a request Shopify throttled");
        // The load is far above the bucket, so the restore rate was the
        // limit: the budget must not have idled much either.
        let used = (s.charged - FakeShopify::MAX + s.level) / (FakeShopify::RATE * started.elapsed().as_secs_f64());
        assert!(used > 0.8, "requested {requested}: used {:.0} % of the restore rate", used * 100.0);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_answered_out_of_order_are_never_throttled() {
        // Small costs without refunds keep the bucket at its edge, where a
        // snapshot that arrives after newer answers would mislead the model.
        check_no_throttling(4.0, false, 200, 20).await;
        check_no_throttling(10.0, false, 200, 60).await;
        check_no_throttling(100.0, true, 40, 60).await;
    }
}
