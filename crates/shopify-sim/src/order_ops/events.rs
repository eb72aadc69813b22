//! What every operation shares: the webhook topics it caused ([`Events`]), the time it happens at,
//! and why an order change is refused.

use jiff::Timestamp;

use crate::store::Store;

/// Webhook topics an operation caused, with the GID of the object each is about.
pub type Events = Vec<(&'static str, String)>;

/// Records events in the store's change log (what webhooks deliver).
pub fn record(store: &mut Store, events: Events) {
    for (topic, gid) in events {
        store.record(topic, gid);
    }
}

/// The current time in whole seconds.
pub fn now(store: &Store) -> Timestamp {
    Timestamp::from_second(store.now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Why an order change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderOpError {
    #[error("no order {0}: list orders with GET /_sim/orders")]
    UnknownOrder(String),
    #[error("order {order} has no line {line}: name a line by its SKU or LineItem GID")]
    UnknownLine { order: String, line: String },
    #[error("no product matches {0}: give a SKU of one of its variants or a Product GID")]
    UnknownProduct(String),
    #[error("order {order}: {problem}")]
    Refused { order: String, problem: String },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("`{value}` is not a valid {what}: {hint}")]
    InvalidValue { what: &'static str, value: String, hint: &'static str },
}
