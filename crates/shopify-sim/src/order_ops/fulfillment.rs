//! Fulfilling lines of an order's fulfillment orders, with tracking.

use jiff::Timestamp;

use super::events::Events;
use crate::gid;
use crate::model::orders::{Fulfillment, FulfillmentLineItem, FulfillmentState, TrackingInfo};
use crate::store::Store;

// ---------------------------------------------------------------------------------------------
// Fulfill
// ---------------------------------------------------------------------------------------------

/// What to ship from one fulfillment order: every remaining unit (`None`) or some lines.
#[derive(Debug, Clone)]
pub struct FulfillFrom {
    pub fulfillment_order_id: u64,
    /// `(fulfillment order line item id, quantity)`.
    pub lines: Option<Vec<(u64, i64)>>,
}

/// A problem with a fulfillment request, at an input path (`fulfillmentCreate` user error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillProblem {
    pub field: Vec<String>,
    pub message: String,
}

/// Creates a fulfillment (with tracking) for lines of one order's fulfillment orders.
/// Nothing changes when there is any problem.
pub fn fulfill(
    store: &mut Store,
    from: &[FulfillFrom],
    tracking: Vec<TrackingInfo>,
    notify_customer: bool,
    at: Timestamp,
) -> Result<(u64, Events), Vec<FulfillProblem>> {
    let problem = |field: Vec<String>, message: String| FulfillProblem { field, message };
    let base =
        |index: usize| vec!["fulfillment".to_string(), "lineItemsByFulfillmentOrder".to_string(), index.to_string()];
    if from.is_empty() {
        return Err(vec![problem(
            vec!["fulfillment".to_string(), "lineItemsByFulfillmentOrder".to_string()],
            "Line items by fulfillment order must contain at least one fulfillment order.".to_string(),
        )]);
    }
    let order_id = crate::model::orders::owner_of(from[0].fulfillment_order_id);
    let mut problems = Vec::new();
    let Some(mut order) = store.orders.get(order_id).cloned() else {
        return Err(vec![problem(
            [base(0), vec!["fulfillmentOrderId".to_string()]].concat(),
            "Fulfillment order does not exist.".to_string(),
        )]);
    };
    // (fulfillment order index, line index, quantity)
    let mut planned: Vec<(usize, usize, u32)> = Vec::new();
    for (index, request) in from.iter().enumerate() {
        let Some(fo_index) = order.fulfillment_orders.iter().position(|fo| fo.id == request.fulfillment_order_id)
        else {
            let message = if crate::model::orders::owner_of(request.fulfillment_order_id) != order_id
                && store.orders.owner(request.fulfillment_order_id).is_some()
            {
                "All fulfillment orders must belong to the same order.".to_string()
            } else {
                "Fulfillment order does not exist.".to_string()
            };
            problems.push(problem([base(index), vec!["fulfillmentOrderId".to_string()]].concat(), message));
            continue;
        };
        let fo = &order.fulfillment_orders[fo_index];
        if !fo.status.is_fulfillable() {
            problems.push(problem(
                [base(index), vec!["fulfillmentOrderId".to_string()]].concat(),
                format!(
                    "Fulfillment order {} has an unfulfillable status= {}.",
                    fo.id,
                    fo.status.as_graphql().to_lowercase()
                ),
            ));
            continue;
        }
        match &request.lines {
            None => {
                for (line_index, item) in fo.line_items.iter().enumerate() {
                    if item.remaining_quantity > 0 {
                        planned.push((fo_index, line_index, item.remaining_quantity));
                    }
                }
            }
            Some(lines) => {
                for (position, (item_id, quantity)) in lines.iter().enumerate() {
                    let field = [
                        base(index),
                        vec!["fulfillmentOrderLineItems".to_string(), position.to_string(), "quantity".to_string()],
                    ]
                    .concat();
                    let Some(line_index) = fo.line_items.iter().position(|item| item.id == *item_id) else {
                        let mut field = field.clone();
                        field.pop();
                        field.push("id".to_string());
                        problems.push(problem(
                            field,
                            format!(
                                "Fulfillment order line item {item_id} does not belong to fulfillment order {}.",
                                fo.id
                            ),
                        ));
                        continue;
                    };
                    let item = &fo.line_items[line_index];
                    let already = planned
                        .iter()
                        .filter(|(f, l, _)| *f == fo_index && *l == line_index)
                        .map(|(_, _, q)| *q)
                        .sum::<u32>();
                    if *quantity <= 0 || i64::from(item.remaining_quantity) < *quantity + i64::from(already) {
                        problems.push(problem(
                            field,
                            "Invalid fulfillment order line item quantity requested.".to_string(),
                        ));
                        continue;
                    }
                    planned.push((fo_index, line_index, *quantity as u32));
                }
            }
        }
    }
    if problems.is_empty() && planned.is_empty() {
        problems.push(problem(
            vec!["fulfillment".to_string()],
            "The fulfillment orders have no remaining quantity to fulfill.".to_string(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let before = order.fulfillment_state();
    let fulfillment_id = order.next_sub_id();
    let mut line_items: Vec<FulfillmentLineItem> = Vec::new();
    let mut fulfillment_order_ids = Vec::new();
    for (fo_index, line_index, quantity) in planned {
        let fo = &mut order.fulfillment_orders[fo_index];
        let item = &mut fo.line_items[line_index];
        item.remaining_quantity -= quantity;
        item.fulfilled_quantity += quantity;
        let line_item_id = item.line_item_id;
        fo.updated_at = at;
        if !fulfillment_order_ids.contains(&fo.id) {
            fulfillment_order_ids.push(fo.id);
        }
        match line_items.iter_mut().find(|line| line.line_item_id == line_item_id) {
            Some(line) => line.quantity += quantity,
            None => line_items.push(FulfillmentLineItem { id: 0, line_item_id, quantity }),
        }
    }
    for line in &mut line_items {
        line.id = order.next_sub_id();
    }
    let count = order.fulfillments.len() + 1;
    let location_id =
        fulfillment_order_ids.first().and_then(|id| order.fulfillment_order(*id)).map(|fo| fo.location_id);
    order.fulfillments.push(Fulfillment {
        id: fulfillment_id,
        name: format!("{}.{count}", order.name()),
        status: "SUCCESS",
        location_id,
        created_at: at,
        updated_at: at,
        tracking,
        line_items,
        fulfillment_order_ids,
        notify_customer,
    });
    order.refresh_fulfillment_orders();
    order.updated_at = at.max(order.updated_at);
    let after = order.fulfillment_state();
    store.orders.insert(order);
    let order_gid = gid::format("Order", order_id);
    let mut events = vec![("fulfillments/create", gid::format("Fulfillment", fulfillment_id))];
    if after != before {
        events.push(match after {
            FulfillmentState::Fulfilled => ("orders/fulfilled", order_gid.clone()),
            _ => ("orders/partially_fulfilled", order_gid.clone()),
        });
    }
    events.push(("orders/updated", order_gid));
    Ok((fulfillment_id, events))
}
