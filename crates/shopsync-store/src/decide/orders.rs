//! What a Shopify version of an order does to its existing sales order.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::orders::SalesOrderInput;

/// What the store holds of a sales order when a new Shopify version of its order arrives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredSalesOrder<'a> {
    pub(crate) content_hash: Option<&'a str>,
    /// Shipments plus quantities shipped: anything above zero means part of it left the warehouse.
    pub(crate) shipped: i64,
    pub(crate) has_conflict: bool,
}

/// The decision for one sales order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SalesOrderDecision {
    /// The content is the same: only the payment fields follow Shopify. `settles_conflict` when a conflict was
    /// open (Shopify's edit was undone, so there is nothing left to settle).
    Unchanged { settles_conflict: bool },
    /// Nothing shipped yet: the sales order takes Shopify's version whole.
    Replace,
    /// Part of it shipped: the sales order is left as it is and the difference is held as a conflict for a person.
    Conflict,
}

/// Decides what `new_hash` (the [`content_hash`] of the new version) does to the stored sales order.
pub(crate) fn decide(stored: StoredSalesOrder<'_>, new_hash: &str) -> SalesOrderDecision {
    if stored.content_hash == Some(new_hash) {
        SalesOrderDecision::Unchanged { settles_conflict: stored.has_conflict }
    } else if stored.shipped > 0 {
        SalesOrderDecision::Conflict
    } else {
        SalesOrderDecision::Replace
    }
}

/// The hash of what a sales order takes from Shopify, payment fields aside (they may change after shipping
/// without anyone having to look).
pub(crate) fn content_hash(order: &SalesOrderInput) -> String {
    let content = json!([
        order.customer_id,
        order.currency,
        order.subtotal,
        order.discount_total,
        order.tax_total,
        order.shipping_total,
        order.total,
        order.ship_to,
        order.bill_to,
        order.email,
        order.lines,
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// The note a conflict is stored with: what happened and the two ways to settle it, in words (a front-end adds
/// how to do it in its own terms).
pub(crate) fn conflict_note(order_name: &str, shopify_updated_at: &str) -> String {
    format!(
        "Shopify changed order {order_name} after part of it shipped (Shopify updated it at {shopify_updated_at}): \
         its lines, totals or addresses differ from this sales order, which was left as it is. Compare with the \
         captured versions of the order, then settle the conflict: keep Shopify's version (applied, what shipped \
         kept) or keep the back office's (the sales order as it is)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(hash: Option<&str>, shipped: i64, has_conflict: bool) -> StoredSalesOrder<'_> {
        StoredSalesOrder { content_hash: hash, shipped, has_conflict }
    }

    #[test]
    fn the_same_content_changes_nothing_and_settles_an_open_conflict() {
        assert_eq!(decide(stored(Some("a"), 0, false), "a"), SalesOrderDecision::Unchanged { settles_conflict: false });
        assert_eq!(decide(stored(Some("a"), 3, true), "a"), SalesOrderDecision::Unchanged { settles_conflict: true });
    }

    #[test]
    fn new_content_replaces_until_something_shipped_then_is_a_conflict() {
        assert_eq!(decide(stored(Some("a"), 0, false), "b"), SalesOrderDecision::Replace);
        assert_eq!(decide(stored(None, 0, false), "b"), SalesOrderDecision::Replace);
        assert_eq!(decide(stored(Some("a"), 1, false), "b"), SalesOrderDecision::Conflict);
    }

    #[test]
    fn payment_fields_are_not_content() {
        let order = SalesOrderInput { payment_status: Some("pending".into()), ..Default::default() };
        let paid = SalesOrderInput { payment_status: Some("paid".into()), ..order.clone() };
        assert_eq!(content_hash(&order), content_hash(&paid));
        let other = SalesOrderInput { total: "9.99".into(), ..order.clone() };
        assert_ne!(content_hash(&order), content_hash(&other));
    }
}
