//! The simulated shop's state: one `Store`, held in one `RwLock` by the simulator.
//!
//! Queries execute under a read lock (many at once), each mutation field under a write lock.
//! Modules add their tables as fields here (e.g. `pub orders: model::orders::Orders`), their
//! id kinds to [`IdKind`], and their change topics to the [`Change`] log that webhooks will read.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;
use serde_json::Value as Json;

use crate::model::catalog::Catalog;
use crate::model::customers::Customers;
use crate::model::orders::Orders;
use crate::model::payouts::Payments;
use crate::model::shop::Shop;

/// Everything the simulated shop holds.
#[derive(Debug, Clone)]
pub struct Store {
    pub shop: Shop,
    pub catalog: Catalog,
    pub orders: Orders,
    pub customers: Customers,
    /// Shopify Payments account and payouts.
    pub payments: Payments,
    /// Results of mutations sent with `@idempotent(key:)`, by mutation name and key.
    pub idempotency: HashMap<(String, String), IdempotentResult>,
    /// Recent changes, newest last (bounded), for webhooks and tests.
    pub changes: VecDeque<Change>,
    /// How many changes were ever recorded (the sequence number of the newest one).
    pub changes_recorded: u64,
    /// Webhook subscriptions (see `crate::webhooks`).
    pub webhooks: crate::webhooks::Subscriptions,
    /// Bulk operations (see `crate::bulk`).
    pub bulk: crate::bulk::BulkOperations,
    /// Publications, their channels, and which products are published where.
    pub publications: crate::model::publications::Publications,
    /// Draft orders (see `crate::resolvers::draft_orders`).
    pub draft_orders: crate::resolvers::draft_orders::DraftOrders,
    /// Metafields of every owner.
    pub metafields: crate::model::metafields::Metafields,
    /// Staged upload targets and their files (see `crate::staged_uploads`).
    pub staged_uploads: crate::staged_uploads::StagedUploads,
    next_ids: HashMap<IdKind, u64>,
}

/// The first result of an idempotent mutation, replayed for retries with the same key.
#[derive(Debug, Clone)]
pub struct IdempotentResult {
    /// The mutation's arguments, to detect a key reused with other parameters.
    pub arguments: Json,
    /// The payload as first returned.
    pub response: Json,
}

/// A change to the store: what a webhook topic would announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Webhook topic, e.g. `products/update`, `inventory_levels/update`.
    pub topic: &'static str,
    /// The GID of the changed object.
    pub gid: String,
    pub at: Timestamp,
}

/// Kinds of objects with their own id sequence. Ids start high (like Shopify's) so that a client
/// storing them in 32-bit integers fails at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Product,
    Variant,
    InventoryItem,
    Location,
    Option,
    OptionValue,
    Media,
    Image,
    InventoryAdjustmentGroup,
    Order,
    Customer,
    PaymentsAccount,
    Payout,
    Other,
}

impl IdKind {
    fn first_id(self) -> u64 {
        match self {
            IdKind::Product => 8_100_000_000,
            IdKind::Variant => 45_100_000_000,
            IdKind::InventoryItem => 47_100_000_000,
            IdKind::Location => 71_100_000,
            IdKind::Option => 10_100_000_000,
            IdKind::OptionValue => 3_100_000_000,
            IdKind::Media => 31_100_000_000,
            IdKind::Image => 41_100_000_000,
            IdKind::InventoryAdjustmentGroup => 51_100_000_000,
            // Sub-objects of an order get `order_id * 10_000 + n` (see model::orders): below 2^53.
            IdKind::Order => 6_100_000_000,
            IdKind::Customer => 7_100_000_000,
            IdKind::PaymentsAccount => 1_100_000,
            IdKind::Payout => 81_100_000,
            IdKind::Other => 91_100_000_000,
        }
    }
}

/// How many changes the log keeps.
const CHANGE_LOG_CAPACITY: usize = 10_000;

impl Store {
    /// An empty store for a shop.
    pub fn new(shop: Shop) -> Self {
        Store {
            shop,
            catalog: Catalog::default(),
            orders: Orders::default(),
            customers: Customers::default(),
            payments: Payments::default(),
            idempotency: HashMap::new(),
            changes: VecDeque::new(),
            changes_recorded: 0,
            webhooks: crate::webhooks::Subscriptions::default(),
            bulk: crate::bulk::BulkOperations::default(),
            publications: crate::model::publications::Publications::default(),
            staged_uploads: crate::staged_uploads::StagedUploads::default(),
            metafields: crate::model::metafields::Metafields::default(),
            draft_orders: crate::resolvers::draft_orders::DraftOrders::default(),
            next_ids: HashMap::new(),
        }
    }

    /// Allocates the next id of a kind.
    pub fn next_id(&mut self, kind: IdKind) -> u64 {
        let next = self.next_ids.entry(kind).or_insert_with(|| kind.first_id());
        let id = *next;
        *next += 1;
        id
    }

    /// The current time, for `updatedAt`.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// Records a change (for webhooks); the log keeps the newest entries only.
    pub fn record(&mut self, topic: &'static str, gid: String) {
        if self.changes.len() >= CHANGE_LOG_CAPACITY {
            self.changes.pop_front();
        }
        let at = self.now();
        self.changes.push_back(Change { topic, gid, at });
        self.changes_recorded += 1;
        self.webhooks.wake();
    }
}

/// Formats a timestamp as Shopify does (`2026-01-01T12:00:00Z`, whole seconds).
pub fn format_time(timestamp: Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
