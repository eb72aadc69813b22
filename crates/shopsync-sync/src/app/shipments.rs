//! Recording a back-office shipment of a sales order: the one path of the CLI's shipment command and the REST
//! API's `POST /api/v1/shipments`. Each SKU's quantity is spread over the order's shippable lines with that SKU,
//! in line order, and refused when more is asked than is left to ship.

use std::collections::BTreeMap;

use shopsync_store::{NewShipment, SalesOrder, Shipment, ShipmentLineInput, Store, StoreError};

use crate::import::records::{FieldError, RecordsError};

/// A shipment as the back office gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipmentRequest {
    /// The sales order number (`SO-000001`).
    pub sales_order: String,
    /// SKU and quantity shipped; a SKU given twice counts the sum.
    pub lines: Vec<(String, i64)>,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
}

/// Checks a shipment against its sales order and records it; nothing is written when a value is bad, and every
/// bad value is named by its path (`sales_order`, `lines[1].quantity`).
pub async fn create_shipment(store: &dyn Store, request: &ShipmentRequest) -> Result<Shipment, RecordsError> {
    let number = request.sales_order.trim();
    let Some(so) = store.sales_order(number).await? else {
        return Err(RecordsError::Invalid(vec![FieldError::new(
            "sales_order",
            format!("no sales order is numbered '{number}'; give the number of a sales order (SO-000001)"),
        )]));
    };
    let lines = resolve_lines(&so, &request.lines).map_err(RecordsError::Invalid)?;
    let shipment = NewShipment {
        sales_order_id: so.id,
        lines,
        tracking_number: non_empty(&request.tracking_number),
        carrier: non_empty(&request.carrier),
        tracking_url: non_empty(&request.tracking_url),
        shipped_at: None,
    };
    match store.create_shipment(&shipment).await {
        Ok(created) => Ok(created),
        Err(StoreError::Conflict(message)) => Err(RecordsError::Invalid(vec![FieldError::new("lines", message)])),
        Err(error) => Err(error.into()),
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// Each SKU's quantity spread over the sales order's shippable lines with that SKU, in line order.
fn resolve_lines(so: &SalesOrder, wanted: &[(String, i64)]) -> Result<Vec<ShipmentLineInput>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if wanted.is_empty() {
        errors.push(FieldError::new("lines", "a shipment needs at least one line: the SKU and quantity shipped"));
    }
    // SKU → (first index, total quantity), in the order given.
    let mut totals: Vec<(String, usize, i64)> = Vec::new();
    for (index, (sku, quantity)) in wanted.iter().enumerate() {
        let sku = sku.trim();
        if sku.is_empty() {
            errors.push(FieldError::new(format!("lines[{index}].sku"), "sku is required"));
            continue;
        }
        if *quantity < 1 {
            errors.push(FieldError::new(
                format!("lines[{index}].quantity"),
                format!("quantity {quantity} is not a quantity shipped: give 1 or more"),
            ));
            continue;
        }
        match totals.iter_mut().find(|(s, _, _)| s == sku) {
            Some(entry) => entry.2 = entry.2.saturating_add(*quantity),
            None => totals.push((sku.to_string(), index, *quantity)),
        }
    }
    let mut lines = Vec::new();
    for (sku, index, quantity) in &totals {
        let candidates: Vec<_> =
            so.lines.iter().filter(|l| l.kind.is_shippable() && l.sku.as_deref() == Some(sku.as_str())).collect();
        if candidates.is_empty() {
            errors.push(FieldError::new(
                format!("lines[{index}].sku"),
                format!("{} has no line with SKU {sku} to ship; what is left to ship: {}", so.number, left_to_ship(so)),
            ));
            continue;
        }
        let left: i64 = candidates.iter().fold(0i64, |sum, l| sum.saturating_add(l.quantity - l.quantity_shipped));
        if *quantity > left {
            errors.push(FieldError::new(
                format!("lines[{index}].quantity"),
                format!(
                    "{} has {left} of {sku} left to ship, not {quantity}; what is left to ship: {}",
                    so.number,
                    left_to_ship(so)
                ),
            ));
            continue;
        }
        let mut remaining = *quantity;
        for line in candidates {
            let take = remaining.min(line.quantity - line.quantity_shipped);
            if take > 0 {
                lines.push(ShipmentLineInput { sales_order_line_id: line.id, quantity: take });
                remaining -= take;
            }
        }
    }
    if errors.is_empty() { Ok(lines) } else { Err(errors) }
}

fn left_to_ship(so: &SalesOrder) -> String {
    let mut left: BTreeMap<&str, i64> = BTreeMap::new();
    for l in so.lines.iter().filter(|l| l.kind.is_shippable()) {
        if let Some(sku) = &l.sku {
            let total = left.entry(sku).or_default();
            *total = total.saturating_add(l.quantity - l.quantity_shipped);
        }
    }
    let parts: Vec<String> = left.into_iter().filter(|(_, n)| *n > 0).map(|(sku, n)| format!("{sku}={n}")).collect();
    if parts.is_empty() { "nothing, it has shipped completely".to_string() } else { parts.join(" ") }
}
