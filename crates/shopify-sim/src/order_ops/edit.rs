//! Changing an existing order: edits, small touches, cancelling, marking paid, refunds.

use std::sync::Arc;

use jiff::Timestamp;
use rust_decimal::Decimal;

use super::address::{address_from, order_tax, retax};
use super::create::line_from_spec;
use super::events::{Events, OrderOpError};
use super::specs::{OrderEdit, RefundLineSpec};
use crate::gid;
use crate::model::orders::{
    CancelReason, FinancialStatus, FulfillmentOrder, FulfillmentOrderLineItem, FulfillmentOrderStatus,
    FulfillmentState, Order, Refund, RefundLineItem, Text, Transaction,
};
use crate::store::Store;

// ---------------------------------------------------------------------------------------------
// Edit
// ---------------------------------------------------------------------------------------------

fn find_line(order: &Order, key: &str) -> Result<usize, OrderOpError> {
    let by_gid = gid::parse_kind(key, "LineItem");
    order
        .line_items
        .iter()
        .position(|line| Some(line.id) == by_gid || line.sku.as_deref() == Some(key))
        .ok_or_else(|| OrderOpError::UnknownLine { order: order.name(), line: key.to_string() })
}

/// Sets a line's current quantity, keeping its discount share and tax, and its fulfillment order
/// line in step.
fn set_line_quantity(order: &mut Order, index: usize, wanted: u32, at: Timestamp) -> Result<(), OrderOpError> {
    let line_id = order.line_items[index].id;
    let current = order.current_quantity(&order.line_items[index]);
    let fulfilled = order.fulfilled_quantity(line_id);
    if wanted < fulfilled {
        return Err(OrderOpError::Refused {
            order: order.name(),
            problem: format!(
                "{fulfilled} unit(s) of that line are fulfilled already; the quantity cannot go below that"
            ),
        });
    }
    let line = &mut order.line_items[index];
    if wanted < current {
        line.removed_quantity += current - wanted;
    } else if wanted > current {
        let old_quantity = line.quantity;
        line.quantity += wanted - current;
        if old_quantity > 0 {
            let factor = Decimal::from(line.quantity) / Decimal::from(old_quantity);
            for allocation in &mut line.discount_allocations {
                allocation.amount = (allocation.amount * factor).round_dp(2);
            }
        }
    }
    sync_fulfillment_order_line(order, line_id, at);
    Ok(())
}

/// Makes the fulfillment order line of an order line match its current quantity.
fn sync_fulfillment_order_line(order: &mut Order, line_id: u64, at: Timestamp) {
    let Some(line) = order.line_item(line_id) else {
        return;
    };
    if !line.requires_shipping {
        return;
    }
    let current = order.current_quantity(line);
    let mut found = false;
    for fo in &mut order.fulfillment_orders {
        if let Some(item) = fo.line_items.iter_mut().find(|item| item.line_item_id == line_id) {
            found = true;
            item.total_quantity = current.max(item.fulfilled_quantity);
            item.remaining_quantity = item.total_quantity - item.fulfilled_quantity;
            fo.updated_at = at;
        }
    }
    if !found && current > 0 {
        let item_id = order.next_sub_id();
        let item = FulfillmentOrderLineItem {
            id: item_id,
            line_item_id: line_id,
            total_quantity: current,
            remaining_quantity: current,
            fulfilled_quantity: 0,
        };
        match order.fulfillment_orders.iter_mut().find(|fo| fo.status.is_fulfillable()) {
            Some(fo) => {
                fo.line_items.push(item);
                fo.updated_at = at;
            }
            None => {
                let location_id = order.fulfillment_orders.first().map(|fo| fo.location_id).unwrap_or(0);
                let id = order.next_sub_id();
                order.fulfillment_orders.push(FulfillmentOrder {
                    id,
                    location_id,
                    status: FulfillmentOrderStatus::Open,
                    created_at: at,
                    updated_at: at,
                    line_items: vec![item],
                });
            }
        }
    }
    order.refresh_fulfillment_orders();
}

/// Applies an order edit.
pub fn edit_order(store: &mut Store, order_id: u64, edit: &OrderEdit, at: Timestamp) -> Result<Events, OrderOpError> {
    let mut order = store
        .orders
        .get(order_id)
        .cloned()
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    if order.cancelled() {
        return Err(OrderOpError::Refused { order: order.name(), problem: "it is cancelled".to_string() });
    }
    for (key, quantity) in &edit.quantities {
        let index = find_line(&order, key)?;
        set_line_quantity(&mut order, index, *quantity, at)?;
    }
    for key in &edit.remove_lines {
        let index = find_line(&order, key)?;
        set_line_quantity(&mut order, index, 0, at)?;
    }
    for spec in &edit.add_lines {
        let line = line_from_spec(store, &mut order, spec);
        let line_id = line.id;
        order.line_items.push(line);
        sync_fulfillment_order_line(&mut order, line_id, at);
    }
    if let Some(address) = &edit.shipping_address {
        let fallback = order
            .shipping_address
            .as_ref()
            .map(|old| (old.first_name.clone().unwrap_or_default(), old.last_name.clone().unwrap_or_default()))
            .unwrap_or_default();
        let id = order.next_sub_id();
        order.shipping_address = Some(Arc::new(address_from(address, id, (&fallback.0, &fallback.1))));
    }
    if let Some(note) = &edit.note {
        order.note = Some(note.clone()).filter(|note| !note.is_empty());
    }
    if let Some(email) = &edit.email {
        order.email = Some(email.clone());
    }
    let tax = order_tax(&order);
    retax(&mut order, tax);
    order.updated_at = at.max(order.updated_at);
    store.orders.insert(order);
    let gid = gid::format("Order", order_id);
    let mut events = vec![("orders/updated", gid.clone())];
    if !edit.quantities.is_empty() || !edit.add_lines.is_empty() || !edit.remove_lines.is_empty() {
        events.insert(0, ("orders/edited", gid));
    }
    Ok(events)
}

/// Changes an order through a closure, bumping `updatedAt` (for small changes: tags, note ...).
pub fn touch_order(
    store: &mut Store,
    order_id: u64,
    at: Timestamp,
    change: impl FnOnce(&mut Order),
) -> Result<Events, OrderOpError> {
    store
        .orders
        .update(order_id, |order| {
            change(order);
            order.updated_at = at.max(order.updated_at);
        })
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    Ok(vec![("orders/updated", gid::format("Order", order_id))])
}

/// Cancels an order: closes it, cancels its open fulfillment orders, voids unpaid payment.
pub fn cancel_order(
    store: &mut Store,
    order_id: u64,
    reason: CancelReason,
    at: Timestamp,
) -> Result<Events, OrderOpError> {
    let name = store.orders.get(order_id).map(Order::name);
    let result = store.orders.update(order_id, |order| {
        if order.cancelled() {
            return Err(OrderOpError::Refused { order: order.name(), problem: "it is cancelled already".to_string() });
        }
        if order.fulfillment_state() == FulfillmentState::Fulfilled {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: "it is fulfilled; cancel its fulfillments first".to_string(),
            });
        }
        order.cancelled_at = Some(at);
        order.cancel_reason = Some(reason);
        order.closed_at = Some(at);
        if matches!(order.financial_status, FinancialStatus::Pending | FinancialStatus::Authorized) {
            order.financial_status = FinancialStatus::Voided;
        }
        order.refresh_fulfillment_orders();
        for fo in &mut order.fulfillment_orders {
            fo.updated_at = at;
        }
        order.updated_at = at.max(order.updated_at);
        Ok(())
    });
    match result {
        None => Err(OrderOpError::UnknownOrder(gid::format("Order", order_id))),
        Some(Err(error)) => Err(error),
        Some(Ok(())) => {
            let _ = name;
            let gid = gid::format("Order", order_id);
            Ok(vec![("orders/cancelled", gid.clone()), ("orders/updated", gid)])
        }
    }
}

/// Marks a pending order paid with a manual transaction for what is outstanding.
pub fn mark_paid(store: &mut Store, order_id: u64, at: Timestamp) -> Result<Events, OrderOpError> {
    let result = store.orders.update(order_id, |order| {
        if order.cancelled() || !matches!(order.financial_status.as_rest(), "pending" | "partially_paid" | "authorized")
        {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: format!(
                    "its financial status is {}; only pending orders can be marked paid",
                    order.financial_status.as_rest()
                ),
            });
        }
        let outstanding = order.total_outstanding();
        let id = order.next_sub_id();
        let gateway = Text::from("manual");
        if !order.payment_gateway_names.iter().any(|name| name.as_ref() == "manual") {
            order.payment_gateway_names.push(gateway.clone());
        }
        order.transactions.push(Transaction {
            id,
            kind: "SALE",
            status: "SUCCESS",
            gateway,
            amount: outstanding,
            created_at: at,
            processed_at: at,
            parent_id: None,
            test: order.test,
            error_code: None,
        });
        order.financial_status = FinancialStatus::Paid;
        order.updated_at = at.max(order.updated_at);
        Ok(())
    });
    match result {
        None => Err(OrderOpError::UnknownOrder(gid::format("Order", order_id))),
        Some(Err(error)) => Err(error),
        Some(Ok(())) => {
            let gid = gid::format("Order", order_id);
            Ok(vec![("orders/paid", gid.clone()), ("orders/updated", gid)])
        }
    }
}

/// Refunds some lines (and their share of money) of a paid order.
pub fn refund(
    store: &mut Store,
    order_id: u64,
    lines: &[RefundLineSpec],
    note: Option<&str>,
    restock_type: &'static str,
    at: Timestamp,
) -> Result<Events, OrderOpError> {
    let mut order = store
        .orders
        .get(order_id)
        .cloned()
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    let location_id = order.fulfillment_orders.first().map(|fo| fo.location_id);
    let mut refund_lines = Vec::new();
    let mut amount = Decimal::ZERO;
    for spec in lines {
        let index = find_line(&order, &spec.line)?;
        let line = &order.line_items[index];
        let current = order.current_quantity(line);
        if spec.quantity == 0 || spec.quantity > current {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: format!("cannot refund {} unit(s) of {}: {current} left", spec.quantity, line.name()),
            });
        }
        let share = Decimal::from(spec.quantity) / Decimal::from(line.quantity.max(1));
        let subtotal = (line.price * Decimal::from(spec.quantity) - line.discount_total() * share).round_dp(2);
        let total_tax = (line.tax_total() * share).round_dp(2);
        amount += if order.taxes_included { subtotal } else { subtotal + total_tax };
        refund_lines.push(RefundLineItem {
            id: 0,
            line_item_id: line.id,
            quantity: spec.quantity,
            restock_type,
            location_id,
            subtotal,
            total_tax,
        });
    }
    for item in &mut refund_lines {
        item.id = order.next_sub_id();
    }
    // Refunding every remaining unit refunds shipping too: all the money paid goes back.
    let left_after: u32 = order
        .line_items
        .iter()
        .map(|line| {
            let refunded: u32 =
                refund_lines.iter().filter(|item| item.line_item_id == line.id).map(|item| item.quantity).sum();
            order.current_quantity(line).saturating_sub(refunded)
        })
        .sum();
    if left_after == 0 {
        amount = amount.max(order.total_received() - order.total_refunded());
    }
    let refund_id = order.next_sub_id();
    let transaction_id = order.next_sub_id();
    let parent = order.transactions.iter().find(|t| t.status == "SUCCESS" && matches!(t.kind, "SALE" | "CAPTURE"));
    let gateway = parent.map_or_else(|| Text::from("manual"), |parent| parent.gateway.clone());
    let parent_id = parent.map(|parent| parent.id);
    order.transactions.push(Transaction {
        id: transaction_id,
        kind: "REFUND",
        status: "SUCCESS",
        gateway,
        amount,
        created_at: at,
        processed_at: at,
        parent_id,
        test: order.test,
        error_code: None,
    });
    let line_ids: Vec<u64> = refund_lines.iter().map(|item| item.line_item_id).collect();
    order.refunds.push(Refund {
        id: refund_id,
        created_at: at,
        note: note.map(str::to_string),
        line_items: refund_lines,
        transaction_ids: vec![transaction_id],
    });
    for line_id in line_ids {
        sync_fulfillment_order_line(&mut order, line_id, at);
    }
    order.financial_status = if order.total_refunded() >= order.total_received() {
        FinancialStatus::Refunded
    } else {
        FinancialStatus::PartiallyRefunded
    };
    order.updated_at = at.max(order.updated_at);
    store.orders.insert(order);
    Ok(vec![("refunds/create", gid::format("Refund", refund_id)), ("orders/updated", gid::format("Order", order_id))])
}
