//! Creating an order from a spec, with its fulfillment order.

use std::sync::Arc;

use jiff::Timestamp;
use rust_decimal::Decimal;

use super::address::{address_from, payment_terms, retax, tax_for};
use super::customers::customer_for;
use super::events::{Events, OrderOpError};
use super::specs::{LineSpec, OrderSpec, ShippingSpec};
use crate::gid;
use crate::model::orders::{
    Attribute, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, FinancialStatus, FulfillmentOrder,
    FulfillmentOrderLineItem, FulfillmentOrderStatus, LineItem, Order, PaymentTerms, ShippingLine, Text, Transaction,
};
use crate::store::{IdKind, Store};

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

/// A line item built from a spec (catalog lookup by SKU).
pub(super) fn line_from_spec(store: &Store, order: &mut Order, spec: &LineSpec) -> LineItem {
    let catalog = &store.catalog;
    let variant = spec
        .sku
        .as_deref()
        .filter(|_| spec.title.is_none())
        .and_then(|sku| catalog.variants.values().find(|variant| variant.sku.as_deref() == Some(sku)));
    let product = variant.and_then(|variant| catalog.products.get(&variant.product_id));
    let item = variant.and_then(|variant| catalog.inventory_items.get(&variant.inventory_item_id));
    let id = order.next_sub_id();
    let title: Text = match (product, &spec.title, &spec.sku) {
        (Some(product), _, _) => Text::from(product.title.as_str()),
        (None, Some(title), _) => Text::from(title.as_str()),
        (None, None, Some(sku)) => Text::from(format!("Item {sku}")),
        (None, None, None) => Text::from("Custom item"),
    };
    LineItem {
        id,
        variant_id: variant.map(|variant| variant.id),
        product_id: variant.map(|variant| variant.product_id),
        title,
        variant_title: variant.map(|variant| Text::from(variant.title.as_str())),
        sku: spec.sku.as_deref().map(Text::from),
        vendor: product.map(|product| Text::from(product.vendor.as_str())),
        quantity: spec.quantity.max(1),
        removed_quantity: 0,
        price: spec.price.or(variant.map(|variant| variant.price)).unwrap_or(Decimal::new(1000, 2)),
        requires_shipping: spec
            .requires_shipping
            .unwrap_or(!spec.gift_card && item.is_none_or(|item| item.requires_shipping)),
        is_gift_card: spec.gift_card,
        taxable: !spec.gift_card && variant.is_none_or(|variant| variant.taxable),
        grams: item.and_then(|item| item.weight.as_ref()).map_or(0, |weight| weight.value as u32),
        custom_attributes: spec
            .properties
            .iter()
            .map(|(key, value)| Attribute { key: key.clone(), value: Some(value.clone()) })
            .collect(),
        discount_allocations: Vec::new(),
        tax_lines: Vec::new(),
    }
}

/// Creates an order from a spec; returns its id.
pub fn create_order(store: &mut Store, spec: &OrderSpec, at: Timestamp) -> Result<(u64, Events), OrderOpError> {
    if spec.lines.is_empty() {
        return Err(OrderOpError::NoLines);
    }
    let financial = match spec.financial_status.as_deref() {
        None => FinancialStatus::Paid,
        Some(text) => FinancialStatus::parse(text).ok_or_else(|| OrderOpError::InvalidValue {
            what: "financial status",
            value: text.to_string(),
            hint: "use paid, pending, authorized or partially_paid",
        })?,
    };
    let terms = spec.payment_terms.as_deref().map(payment_terms).transpose()?;
    let created_at = spec.created_at.map_or(at, |at| Timestamp::from_second(at.as_second()).unwrap_or(at));
    let mut events = Events::new();
    let id = store.next_id(IdKind::Order);
    let number = store.orders.next_number();
    let name = (
        spec.address.first_name.clone().unwrap_or_else(|| "Alex".to_string()),
        spec.address.last_name.clone().unwrap_or_else(|| "Example".to_string()),
    );
    let shipping_address = address_from(&spec.address, id * 10 + 1, (&name.0, &name.1));
    let billing_address =
        spec.billing_address.as_ref().map(|billing| address_from(billing, id * 10 + 2, (&name.0, &name.1)));
    let customer_id = customer_for(
        store,
        spec.email.as_deref(),
        spec.phone.as_deref(),
        (&name.0, &name.1),
        &shipping_address,
        created_at,
        &mut events,
    );
    let country = shipping_address.country_code.clone().unwrap_or_default();
    let tax = tax_for(&country);
    let shipping_address = Arc::new(shipping_address);
    let mut order = Order {
        id,
        number,
        email: spec.email.clone(),
        phone: spec.phone.clone(),
        customer_id,
        created_at,
        updated_at: created_at,
        processed_at: created_at,
        cancelled_at: None,
        cancel_reason: None,
        closed_at: None,
        note: spec.note.clone(),
        tags: crate::resolvers::product_mutations::normalize_tags(spec.tags.iter().map(String::as_str)),
        source_name: Text::from(spec.source_name.as_deref().unwrap_or("web")),
        po_number: spec.po_number.clone(),
        test: spec.test,
        taxes_included: tax.is_none_or(|(_, _, included)| included),
        financial_status: financial,
        payment_terms: None,
        payment_gateway_names: Vec::new(),
        discount_codes: Vec::new(),
        custom_attributes: spec
            .attributes
            .iter()
            .map(|(key, value)| Attribute { key: key.clone(), value: Some(value.clone()) })
            .collect(),
        billing_address: Some(billing_address.map(Arc::new).unwrap_or_else(|| shipping_address.clone())),
        shipping_address: Some(shipping_address),
        line_items: Vec::new(),
        shipping_lines: Vec::new(),
        discount_applications: Vec::new(),
        transactions: Vec::new(),
        refunds: Vec::new(),
        returns: Vec::new(),
        fulfillment_orders: Vec::new(),
        fulfillments: Vec::new(),
        last_sub_id: 0,
    };
    for line in &spec.lines {
        let line = line_from_spec(store, &mut order, line);
        order.line_items.push(line);
    }
    if let (Some(code), Some(percent)) = (&spec.discount_code, spec.discount_percent) {
        order.discount_codes.push(code.clone());
        order.discount_applications.push(DiscountApplication {
            kind: DiscountKind::Code(code.clone()),
            value: DiscountValue::Percentage(percent),
            allocation_method: "ACROSS",
            target_selection: "ALL",
            target_type: "LINE_ITEM",
        });
        for line in &mut order.line_items {
            let amount = (line.original_total() * percent / Decimal::ONE_HUNDRED).round_dp(2);
            line.discount_allocations.push(DiscountAllocation { amount, application_index: 0 });
        }
    }
    let ships = order.line_items.iter().any(|line| line.requires_shipping);
    let shipping = match &spec.shipping {
        Some(lines) => lines.clone(),
        None if ships => vec![ShippingSpec { title: "Standard".to_string(), price: Decimal::new(490, 2), code: None }],
        None => Vec::new(),
    };
    for line in shipping {
        let id = order.next_sub_id();
        order.shipping_lines.push(ShippingLine {
            id,
            code: Some(Text::from(line.code.unwrap_or_else(|| line.title.clone()))),
            title: Text::from(line.title),
            source: Some(Text::from("shopify")),
            carrier_identifier: None,
            price: line.price,
            discount_allocations: Vec::new(),
            tax_lines: Vec::new(),
            is_removed: false,
        });
    }
    retax(&mut order, tax.map(|(title, rate, _)| (Text::from(title), rate)));
    if let Some((name, kind, due_in_days)) = terms {
        let id = order.next_sub_id();
        order.payment_terms = Some(PaymentTerms { id, name, kind, due_in_days });
    }
    open_fulfillment_order(store, &mut order, created_at);
    let total = order.total_price();
    let (gateway, kind, status, amount): (&str, &str, &str, Decimal) = match financial {
        FinancialStatus::Paid => ("shopify_payments", "SALE", "SUCCESS", total),
        FinancialStatus::Authorized => ("shopify_payments", "AUTHORIZATION", "SUCCESS", total),
        FinancialStatus::PartiallyPaid => ("manual", "SALE", "SUCCESS", (total / Decimal::TWO).round_dp(2)),
        _ if order.payment_terms.is_some() => ("", "", "", Decimal::ZERO),
        _ => ("bank_deposit", "SALE", "PENDING", total),
    };
    if !kind.is_empty() {
        let id = order.next_sub_id();
        let gateway = Text::from(gateway);
        order.payment_gateway_names.push(gateway.clone());
        order.transactions.push(Transaction {
            id,
            kind,
            status,
            gateway,
            amount,
            created_at,
            processed_at: created_at,
            parent_id: None,
            test: spec.test,
            error_code: None,
        });
    }
    if let Some(customer) = customer_id.and_then(|id| store.customers.get_mut(id)) {
        customer.order_ids.push(id);
        customer.updated_at = customer.updated_at.max(created_at);
        events.push(("customers/update", gid::format("Customer", customer.id)));
    }
    let gid = gid::format("Order", id);
    events.push(("orders/create", gid.clone()));
    if financial == FinancialStatus::Paid {
        events.push(("orders/paid", gid));
    }
    store.orders.insert(order);
    Ok((id, events))
}

/// Puts the order's shippable lines on a fulfillment order at the first location.
fn open_fulfillment_order(store: &Store, order: &mut Order, at: Timestamp) {
    let Some(location_id) = store.catalog.locations.keys().next().copied() else {
        return;
    };
    let shippable: Vec<(u64, u32)> =
        order.line_items.iter().filter(|line| line.requires_shipping).map(|line| (line.id, line.quantity)).collect();
    if shippable.is_empty() {
        return;
    }
    let id = order.next_sub_id();
    let line_items = shippable
        .into_iter()
        .map(|(line_item_id, quantity)| FulfillmentOrderLineItem {
            id: order.next_sub_id(),
            line_item_id,
            total_quantity: quantity,
            remaining_quantity: quantity,
            fulfilled_quantity: 0,
        })
        .collect();
    order.fulfillment_orders.push(FulfillmentOrder {
        id,
        location_id,
        status: FulfillmentOrderStatus::Open,
        created_at: at,
        updated_at: at,
        line_items,
    });
}
