//! Data capture: the Shopify data of every order read, kept whatever the logging setting, one object per
//! captured record, so the people running shopsync can see exactly what Shopify sent
//! for an order, a line, a shipping charge, a transaction, a fulfillment, a refund or a return. The store adds a
//! version only when an object's content changed.

use serde::Serialize;
use shopify_admin::ops::order_import::ImportOrder;
use shopsync_store::CaptureInput;

/// The object types captured, by the names the front-ends filter on.
pub mod kinds {
    pub const ORDER: &str = "order";
    pub const ORDER_LINE: &str = "order_line";
    pub const SHIPPING_LINE: &str = "shipping_line";
    pub const TRANSACTION: &str = "transaction";
    pub const FULFILLMENT: &str = "fulfillment";
    pub const REFUND: &str = "refund";
    pub const RETURN: &str = "return";
    pub const PAYOUT: &str = "payout";
    pub const CUSTOMER: &str = "customer";
}

/// The order header (everything but its lists) and each of its lines, charges, transactions, fulfillments,
/// refunds and returns as its own object.
pub fn order_captures(order: &ImportOrder, into: &mut Vec<CaptureInput>) {
    let order_id = order.id.to_string();
    push(into, kinds::ORDER, &order_id, &order.header());
    for line in &order.line_items.nodes {
        push(into, kinds::ORDER_LINE, line.id.as_str(), line);
    }
    for (index, charge) in order.shipping_lines.nodes.iter().enumerate() {
        let id = charge.id.as_ref().map(|id| id.to_string()).unwrap_or_else(|| format!("{order_id}#shipping{index}"));
        push(into, kinds::SHIPPING_LINE, &id, charge);
    }
    for transaction in &order.transactions {
        push(into, kinds::TRANSACTION, transaction.id.as_str(), transaction);
    }
    for fulfillment in &order.fulfillments {
        push(into, kinds::FULFILLMENT, fulfillment.id.as_str(), fulfillment);
    }
    // A page's refunds carry their id only: capture them once their details are read.
    for refund in order.refunds.iter().filter(|r| r.total_refunded_set.is_some()) {
        push(into, kinds::REFUND, refund.id.as_str(), refund);
    }
    for ret in order.returns.iter().flat_map(|r| r.nodes.iter()) {
        push(into, kinds::RETURN, ret.id.as_str(), ret);
    }
}

/// A hash of the order as read (before a details read completes it), the version data capture keeps apart from
/// its timestamp. Shopify's `updatedAt` has whole seconds: an order paid or cancelled in the second a sync read
/// it keeps its `updatedAt`, and only its content tells the later read from the one already imported.
///
/// It covers what every read gives alike (a page, a bulk row, a read by id): the header, the lines and shipping
/// lines read, transactions, fulfillments and the refunds' ids; not page cursors, nor what only a details read
/// adds. So the same version read as a page after a bulk export is still recognised.
pub fn order_hash(order: &ImportOrder) -> String {
    use sha2::{Digest, Sha256};
    let refunds: Vec<&str> = order.refunds.iter().map(|r| r.id.as_str()).collect();
    let view = (
        order.header(),
        &order.line_items.nodes,
        &order.shipping_lines.nodes,
        &order.transactions,
        &order.fulfillments,
        refunds,
    );
    let mut hasher = Sha256::new();
    // Serializing derived `Serialize` values into a hasher cannot fail; an error would leave the hash of what was
    // written so far, which only makes the order look changed (evaluated once more), never unchanged.
    let _ = serde_json::to_writer(HashWriter(&mut hasher), &view);
    hex::encode(hasher.finalize())
}

/// Feeds serialized JSON into a hash without building the text.
struct HashWriter<'a>(&'a mut sha2::Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One object's capture, as JSON text.
pub fn push(into: &mut Vec<CaptureInput>, object_type: &str, object_id: &str, value: &impl Serialize) {
    if let Ok(payload) = serde_json::to_string(value) {
        into.push(CaptureInput { object_type: object_type.to_string(), object_id: object_id.to_string(), payload });
    }
}
