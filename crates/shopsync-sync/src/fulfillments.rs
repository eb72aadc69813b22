//! The outbound fulfillment flow: back-office shipments to Shopify fulfillments, with tracking.
//!
//! [`sync_fulfillments`] sends every pending shipment of the shop (lines with quantities, tracking number,
//! carrier, URL) as one `fulfillmentCreate` on the order's fulfillment orders: each shipped sales order line is
//! its Shopify line item (a bundle's components ship as whole bundles of its line), matched to the fulfillment
//! order line items that still have that quantity open, so partial shipments work and a second shipment takes what
//! the first left. It runs only when the shop's sync-fulfilled-status is on, and writes only when
//! allow-data-sync-to-shopify is.
//!
//! A shipment reaches Shopify once. `fulfillmentCreate` is not idempotent (the client never resends it after a
//! lost answer), so before sending, the flow reads the order's fulfillments and looks for this shipment among
//! them (same tracking number and the same lines, not already claimed by another shipment): if an earlier run sent
//! it and stopped before the store recorded it (a crash, a lost answer), the shipment is recorded with that
//! fulfillment instead of being sent again. A shipment whose outcome is unknown (the connection dropped after
//! sending) stays pending for the next run, which finds it the same way.
//!
//! ```no_run
//! # async fn example(engine: &shopsync_sync::Engine) -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_store::JobTrigger;
//! use shopsync_sync::NoProgress;
//! use shopsync_sync::fulfillments::sync_fulfillments;
//!
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let flow = sync_fulfillments(&shop, &NoProgress);
//! println!("{}", engine.run_job(&shop, "fulfillments", JobTrigger::Manual, &NoProgress, flow).await?);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashSet};

use shopify_admin::ops::fulfillment::{
    FulfillmentCreate, FulfillmentCreateVariables, FulfillmentInput, FulfillmentOrderLineItems,
    FulfillmentOrderLineQuantity, TrackingInput,
};
use shopify_admin::ops::order_import::{
    OrderShippingState, OrderShippingStateVariables, ShippedFulfillment, ShippingStateOrder,
};
use shopify_admin::{AdminError, Gid};
use shopsync_store::{LineKind, SalesOrder, Shipment, ShipmentQuery, ShipmentSyncStatus};

use crate::{FlowSummary, Progress, ShopContext, SyncError};

/// Codes of shipments that did not reach Shopify, as the summary counts them.
pub mod codes {
    /// Shopify refused the fulfillment (its `userErrors`), or the lines cannot be matched to open quantities.
    pub const REFUSED: &str = "FULFILLMENT_REFUSED";
    /// The connection dropped after sending, or Shopify answered with a server error: the next run finds out
    /// whether Shopify has it.
    pub const OUTCOME_UNKNOWN: &str = "FULFILLMENT_OUTCOME_UNKNOWN";
    /// The Shopify order no longer exists.
    pub const ORDER_GONE: &str = "ORDER_NOT_IN_SHOPIFY";
}

/// Sends every pending shipment of the shop to Shopify (see the [module documentation](self)).
pub async fn sync_fulfillments(ctx: &ShopContext, progress: &dyn Progress) -> Result<FlowSummary, SyncError> {
    ctx.require_enabled("the fulfillment sync", "sync-fulfilled-status", ctx.settings.sync_fulfilled_status)?;
    ctx.require_writes()?;
    let store = ctx.store();
    let query = ShipmentQuery {
        shop_id: Some(ctx.shop.id),
        sync_status: Some(ShipmentSyncStatus::Pending),
        ..Default::default()
    };
    let pending = store.shipments(&query).await?;
    let mut summary = FlowSummary::default();
    progress.phase("sending shipments", Some(pending.len() as u64));
    // By Shopify order, oldest shipment first.
    let mut by_order: BTreeMap<String, Vec<Shipment>> = BTreeMap::new();
    for shipment in pending {
        let Some(order_id) = shipment.shopify_order_id.clone() else { continue };
        by_order.entry(order_id).or_default().push(shipment);
    }
    for (order_id, shipments) in by_order {
        let n = shipments.len() as u64;
        send_order(ctx, &order_id, shipments, &mut summary).await?;
        progress.advance(n);
    }
    Ok(summary)
}

/// Sends the pending shipments of one Shopify order.
async fn send_order(
    ctx: &ShopContext,
    order_id: &str,
    shipments: Vec<Shipment>,
    summary: &mut FlowSummary,
) -> Result<(), SyncError> {
    let store = ctx.store();
    let variables = OrderShippingStateVariables { id: Gid::new(order_id) };
    let Some(mut state) = ctx.client().execute::<OrderShippingState>(&variables).await?.data.order else {
        for shipment in &shipments {
            let message = format!(
                "the Shopify order {order_id} of sales order {} no longer exists, so the shipment cannot be reported",
                shipment.sales_order_number
            );
            store.mark_shipment_failed(shipment.id, &message).await?;
            summary.skip(codes::ORDER_GONE);
        }
        return Ok(());
    };
    let mut sales_orders: BTreeMap<i64, (SalesOrder, Vec<Shipment>)> = BTreeMap::new();
    // Fulfillments already recorded by other shipments of these sales orders are theirs.
    let mut claimed: HashSet<String> = HashSet::new();
    for shipment in &shipments {
        if sales_orders.contains_key(&shipment.sales_order_id) {
            continue;
        }
        let Some(sales_order) = store.sales_order_by_id(shipment.sales_order_id).await? else { continue };
        let all = store
            .shipments(&ShipmentQuery { sales_order_id: Some(shipment.sales_order_id), ..Default::default() })
            .await?;
        for other in all.iter().filter(|s| s.sync_status == ShipmentSyncStatus::Synced) {
            claimed.extend(other.shopify_fulfillment_ids.iter().cloned());
        }
        sales_orders.insert(shipment.sales_order_id, (sales_order, all));
    }
    for shipment in &shipments {
        let Some((sales_order, all)) = sales_orders.get(&shipment.sales_order_id) else { continue };
        let lines = shopify_quantities(shipment, all, sales_order);
        if lines.is_empty() {
            // Bundle components that complete no whole bundle yet: nothing to tell Shopify until they do.
            store.mark_shipment_synced(shipment.id, &[]).await?;
            summary.unchanged += 1;
            continue;
        }
        if let Some(existing) = already_sent(&state, shipment, &lines, &claimed) {
            let id = existing.id.to_string();
            store.mark_shipment_synced(shipment.id, std::slice::from_ref(&id)).await?;
            claimed.insert(id);
            summary.linked += 1;
            continue;
        }
        let by_order = match allocate(&state, &lines) {
            Ok(by_order) => by_order,
            Err(reason) => {
                let message =
                    format!("{} cannot be reported to Shopify order {}: {reason}", shipment.number, state.name);
                store.mark_shipment_failed(shipment.id, &message).await?;
                summary.skip(codes::REFUSED);
                continue;
            }
        };
        let variables = FulfillmentCreateVariables {
            fulfillment: FulfillmentInput {
                line_items_by_fulfillment_order: by_order
                    .iter()
                    .map(|(fo, items)| FulfillmentOrderLineItems {
                        fulfillment_order_id: Gid::new(fo.clone()),
                        fulfillment_order_line_items: Some(
                            items
                                .iter()
                                .map(|(id, quantity)| FulfillmentOrderLineQuantity {
                                    id: Gid::new(id.clone()),
                                    quantity: *quantity,
                                })
                                .collect(),
                        ),
                    })
                    .collect(),
                notify_customer: true,
                tracking_info: tracking(shipment),
            },
            message: None,
        };
        match ctx.client().execute_allowing_user_errors::<FulfillmentCreate>(&variables).await {
            Ok(reply) => {
                let payload = reply.data.fulfillment_create;
                let errors = payload.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default();
                match payload.and_then(|p| p.fulfillment) {
                    Some(fulfillment) if errors.is_empty() => {
                        let id = fulfillment.id.to_string();
                        store.mark_shipment_synced(shipment.id, std::slice::from_ref(&id)).await?;
                        claimed.insert(id.clone());
                        record_sent(&mut state, &by_order, &lines, fulfillment.id, shipment);
                        summary.created += 1;
                    }
                    _ => {
                        let reasons: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                        let message = format!(
                            "Shopify refused {} for order {}: {}",
                            shipment.number,
                            state.name,
                            if reasons.is_empty() {
                                "no fulfillment was created".to_string()
                            } else {
                                reasons.join("; ")
                            }
                        );
                        store.mark_shipment_failed(shipment.id, &message).await?;
                        summary.skip(codes::REFUSED);
                    }
                }
            }
            Err(AdminError::Network { maybe_applied: true, .. }) => {
                // Shopify may have it: the next run reads the order's fulfillments and finds out. Later shipments of
                // the order wait for that too, as their open quantities depend on whether this one was made.
                summary.skip(codes::OUTCOME_UNKNOWN);
                break;
            }
            Err(AdminError::Http { status: 500..=599, .. }) => {
                // A server error may come after the fulfillment was made: the same as a lost answer.
                summary.skip(codes::OUTCOME_UNKNOWN);
                break;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// The Shopify line items and quantities a shipment ships: item lines as they are, bundle components as the
/// whole bundles this shipment completes (counted over the sales order's shipments up to this one).
pub fn shopify_quantities(shipment: &Shipment, all: &[Shipment], sales_order: &SalesOrder) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let mut bundles: Vec<i64> = Vec::new();
    for line in &shipment.lines {
        match line.kind {
            LineKind::Item => {
                if let Some(id) = &line.shopify_line_item_id {
                    *out.entry(id.clone()).or_default() += line.quantity;
                }
            }
            LineKind::BundleComponent => {
                if let Some(parent) = line.parent_line_no
                    && !bundles.contains(&parent)
                {
                    bundles.push(parent);
                }
            }
            _ => {}
        }
    }
    for parent in bundles {
        let Some(bundle) = sales_order.lines.iter().find(|l| l.line_no == parent && l.kind == LineKind::Bundle) else {
            continue;
        };
        let components: Vec<_> = sales_order.lines.iter().filter(|l| l.parent_line_no == Some(parent)).collect();
        let shipped = |include: &dyn Fn(&Shipment) -> bool, component: i64| -> i64 {
            all.iter()
                .filter(|s| include(s))
                .flat_map(|s| s.lines.iter())
                .filter(|l| l.sales_order_line_id == component)
                .fold(0i64, |sum, l| sum.saturating_add(l.quantity))
        };
        let units = |include: &dyn Fn(&Shipment) -> bool| -> i64 {
            components
                .iter()
                .filter(|c| c.quantity > 0)
                // In 128 bits: the product of two quantities cannot overflow, and the quotient is at most the
                // bundle's quantity.
                .map(|c| {
                    let units =
                        i128::from(shipped(include, c.id)) * i128::from(bundle.quantity) / i128::from(c.quantity);
                    i64::try_from(units).unwrap_or(i64::MAX)
                })
                .min()
                .unwrap_or(0)
        };
        let through = units(&|s: &Shipment| s.id <= shipment.id);
        let before = units(&|s: &Shipment| s.id < shipment.id);
        if through > before
            && let Some(id) = &bundle.shopify_line_item_id
        {
            *out.entry(id.clone()).or_default() += through - before;
        }
    }
    out
}

/// The fulfillment Shopify already has for this shipment, if an earlier run sent it: not cancelled, not claimed by
/// another shipment, with the same tracking number (when the shipment has one) and exactly the same lines.
fn already_sent<'s>(
    state: &'s ShippingStateOrder,
    shipment: &Shipment,
    lines: &BTreeMap<String, i64>,
    claimed: &HashSet<String>,
) -> Option<&'s ShippedFulfillment> {
    state.fulfillments.iter().find(|f| {
        if f.status.eq_ignore_ascii_case("CANCELLED") || claimed.contains(f.id.as_str()) {
            return false;
        }
        let numbers: Vec<&str> = f.tracking_info.iter().filter_map(|t| t.number.as_deref()).collect();
        let same_tracking = match shipment.tracking_number.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(number) => numbers.iter().any(|n| n.trim() == number.trim()),
            None => numbers.is_empty(),
        };
        let mut shipped: BTreeMap<String, i64> = BTreeMap::new();
        for line in &f.fulfillment_line_items.nodes {
            *shipped.entry(line.line_item.id.to_string()).or_default() += line.quantity;
        }
        same_tracking && shipped == *lines
    })
}

/// Fulfillment order line items with enough open quantity for each line item: fulfillment order id -> (fulfillment
/// order line item id, quantity). Fails with the reason when a line has less left to fulfill than the shipment.
fn allocate(
    state: &ShippingStateOrder,
    lines: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, Vec<(String, i64)>>, String> {
    let mut by_order: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for (line_item, quantity) in lines {
        let mut left = *quantity;
        for fo in state.fulfillment_orders.nodes.iter().filter(|fo| fo.can_create_fulfillment()) {
            for item in fo.line_items.nodes.iter().filter(|i| i.line_item.id.as_str() == line_item) {
                if left == 0 {
                    break;
                }
                let take = left.min(item.remaining_quantity);
                if take > 0 {
                    by_order.entry(fo.id.to_string()).or_default().push((item.id.to_string(), take));
                    left -= take;
                }
            }
        }
        if left > 0 {
            let open = quantity - left;
            return Err(format!(
                "Shopify has {open} of line item {line_item} left to fulfill, the shipment ships {quantity} (it was \
                 fulfilled in Shopify meanwhile, or the order changed): check the order in Shopify admin, then mark the \
                 shipment pending again to retry"
            ));
        }
    }
    Ok(by_order)
}

/// Updates the read state after a fulfillment was created, for the next shipment of the same order.
fn record_sent(
    state: &mut ShippingStateOrder,
    by_order: &BTreeMap<String, Vec<(String, i64)>>,
    lines: &BTreeMap<String, i64>,
    id: Gid,
    shipment: &Shipment,
) {
    for fo in &mut state.fulfillment_orders.nodes {
        let Some(taken) = by_order.get(fo.id.as_str()) else { continue };
        for item in &mut fo.line_items.nodes {
            for (taken_id, quantity) in taken {
                if item.id.as_str() == taken_id {
                    item.remaining_quantity -= quantity;
                }
            }
        }
    }
    let tracking = tracking(shipment)
        .map(|t| shopify_admin::ops::orders::TrackingInfo { company: t.company, number: t.number, url: t.url })
        .into_iter()
        .collect();
    state.fulfillments.push(ShippedFulfillment {
        id,
        name: shipment.number.clone(),
        status: "SUCCESS".into(),
        created_at: jiff::Timestamp::now(),
        tracking_info: tracking,
        fulfillment_line_items: shopify_admin::Connection {
            nodes: lines
                .iter()
                .map(|(line, quantity)| shopify_admin::ops::order_import::ShippedLine {
                    quantity: *quantity,
                    line_item: shopify_admin::ops::IdOnly { id: Gid::new(line.clone()) },
                })
                .collect(),
            page_info: shopify_admin::PageInfo::default(),
        },
    });
}

fn tracking(shipment: &Shipment) -> Option<TrackingInput> {
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let input = TrackingInput {
        number: clean(&shipment.tracking_number),
        company: clean(&shipment.carrier),
        url: clean(&shipment.tracking_url),
    };
    (input != TrackingInput::default()).then_some(input)
}
