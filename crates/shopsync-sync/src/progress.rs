/// Where a running flow reports how far it is; the CLI draws progress bars from it.
///
/// Calls are cheap and may come from several tasks.
pub trait Progress: Send + Sync {
    /// A new phase starts (`reading orders`, `sending products` ...), with its size when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// `n` more units of the current phase are done.
    fn advance(&self, n: u64);
    /// A short status line under the bar (the current record, a wait for the rate limit ...).
    fn note(&self, text: &str);
    /// The flow ended (whatever its outcome): a bar can be cleared, a progress row closed.
    fn done(&self) {}
}

/// Progress that goes nowhere, for tests and background runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn note(&self, _: &str) {}
}
