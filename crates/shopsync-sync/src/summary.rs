use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What a flow run did, as counts: stored with its job and printed at its end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowSummary {
    /// Records created (in Shopify for outbound flows, in the back office for inbound ones).
    pub created: u64,
    /// Records updated.
    pub updated: u64,
    /// Records that needed no change (and cost no call).
    pub unchanged: u64,
    /// Records linked to an existing counterpart (first-time link by SKU, customer by email ...).
    pub linked: u64,
    /// Records skipped with an error, stored against the record.
    pub skipped: u64,
    /// Skipped records by error code.
    pub errors: BTreeMap<String, u64>,
    /// Requests sent to Shopify and the cost points they spent.
    pub requests: u64,
    pub cost_spent: f64,
    /// THROTTLED answers seen (the budget avoids them; this should stay 0).
    pub throttled: u64,
    /// Free-form facts a flow wants to show (e.g. `mutations: 12`).
    pub notes: BTreeMap<String, String>,
}

impl FlowSummary {
    /// Counts a skipped record under `code`.
    pub fn skip(&mut self, code: &str) {
        self.skipped += 1;
        *self.errors.entry(code.to_string()).or_default() += 1;
    }

    /// Adds another summary's counts to this one.
    pub fn merge(&mut self, other: &FlowSummary) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.linked += other.linked;
        self.skipped += other.skipped;
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += n;
        }
        self.requests += other.requests;
        self.cost_spent += other.cost_spent;
        self.throttled += other.throttled;
        self.notes.extend(other.notes.clone());
    }

    /// The summary as the JSON the job row keeps.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

impl fmt::Display for FlowSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} linked, {} skipped",
            self.created, self.updated, self.unchanged, self.linked, self.skipped
        )?;
        if !self.errors.is_empty() {
            let codes: Vec<String> = self.errors.iter().map(|(c, n)| format!("{c} x{n}")).collect();
            write!(f, " ({})", codes.join(", "))?;
        }
        write!(f, "; {} requests, {:.0} cost points", self.requests, self.cost_spent)
    }
}
