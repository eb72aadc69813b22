//! Order writes: `fulfillmentCreate`, `orderUpdate`, `orderCancel`, `orderMarkAsPaid`,
//! `orderClose`/`orderOpen`, and `tagsAdd`/`tagsRemove` on orders and customers.
//!
//! `fulfillmentCreate` answers with `UserError`s (field and message: its payload type has no
//! code) worded as Shopify words them: "Invalid fulfillment order line item quantity
//! requested." for over-fulfilment, "... has an unfulfillable status= closed." for a closed or
//! cancelled fulfillment order. Nothing changes when there is any user error.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value as Json;

use super::orders::{FulfillmentObject, OrderObject};
use super::{UserError, text, user_errors};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{Address, CancelReason, TrackingInfo};
use crate::order_ops::{self, FulfillFrom};
use crate::registry::{MutationCtx, Registry};

pub fn register(registry: &mut Registry) {
    registry
        .mutation("fulfillmentCreate", fulfillment_create)
        .mutation("orderUpdate", order_update)
        .mutation("orderCancel", order_cancel)
        .mutation("orderMarkAsPaid", order_mark_as_paid)
        .mutation("orderClose", |call, m| open_or_close(call, m, true))
        .mutation("orderOpen", |call, m| open_or_close(call, m, false))
        .taggable("Order", |store, id, edit| {
            let at = order_ops::now(store);
            match order_ops::touch_order(store, id, at, |order| edit(&mut order.tags)) {
                Ok(events) => {
                    order_ops::record(store, events);
                    true
                }
                Err(_) => false,
            }
        })
        .taggable("Customer", |store, id, edit| {
            let at = order_ops::now(store);
            let Some(customer) = store.customers.get_mut(id) else {
                return false;
            };
            edit(&mut customer.tags);
            customer.updated_at = at.max(customer.updated_at);
            store.record("customers/update", gid::format("Customer", id));
            true
        });
}

/// `{ <order field>, userErrors }` payloads.
struct OrderPayload {
    type_name: &'static str,
    order_id: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for OrderPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "order" => Ok(self
                .order_id
                .and_then(|id| ctx.store.orders.get(id))
                .map_or(Output::Null, |order| Output::Object(Rc::new(OrderObject(order))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn order_payload(type_name: &'static str, order_id: Option<u64>, user_errors: Vec<UserError>) -> Rc<dyn Object> {
    Rc::new(OrderPayload { type_name, order_id, user_errors })
}

fn not_found(type_name: &'static str, field: &[&str]) -> Rc<dyn Object> {
    order_payload(type_name, None, vec![UserError::new("UserError", field, "Order does not exist", None)])
}

// ---------------------------------------------------------------------------------------------
// fulfillmentCreate
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FulfillmentInput {
    line_items_by_fulfillment_order: Vec<ByFulfillmentOrder>,
    notify_customer: Option<bool>,
    tracking_info: Option<TrackingInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ByFulfillmentOrder {
    fulfillment_order_id: String,
    fulfillment_order_line_items: Option<Vec<LineInput>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct LineInput {
    id: String,
    quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TrackingInput {
    company: Option<String>,
    number: Option<String>,
    numbers: Option<Vec<String>>,
    url: Option<String>,
    urls: Option<Vec<String>>,
}

struct FulfillmentPayload {
    fulfillment_id: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for FulfillmentPayload {
    fn type_name(&self) -> &'static str {
        "FulfillmentCreatePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "fulfillment" => Ok(self
                .fulfillment_id
                .and_then(|id| super::orders::fulfillment(ctx.store, id))
                .map_or(Output::Null, |(order, fulfillment)| {
                    Output::Object(Rc::new(FulfillmentObject { order, fulfillment }))
                })),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn fulfillment_create(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input: FulfillmentInput = call.arg_as("fulfillment")?.unwrap_or_default();
    let refused = |errors: Vec<UserError>| -> Result<Rc<dyn Object>, FieldError> {
        Ok(Rc::new(FulfillmentPayload { fulfillment_id: None, user_errors: errors }))
    };
    let mut from = Vec::new();
    let mut errors = Vec::new();
    for (index, group) in input.line_items_by_fulfillment_order.iter().enumerate() {
        let index_text = index.to_string();
        let Some(fulfillment_order_id) = gid::parse_kind(&group.fulfillment_order_id, "FulfillmentOrder") else {
            errors.push(UserError::new(
                "UserError",
                &["fulfillment", "lineItemsByFulfillmentOrder", &index_text, "fulfillmentOrderId"],
                "Fulfillment order does not exist.",
                None,
            ));
            continue;
        };
        let mut lines = None;
        if let Some(items) = &group.fulfillment_order_line_items {
            let mut parsed = Vec::new();
            for (position, item) in items.iter().enumerate() {
                match gid::parse_kind(&item.id, "FulfillmentOrderLineItem") {
                    Some(id) => parsed.push((id, item.quantity)),
                    None => errors.push(UserError::new(
                        "UserError",
                        &[
                            "fulfillment",
                            "lineItemsByFulfillmentOrder",
                            &index_text,
                            "fulfillmentOrderLineItems",
                            &position.to_string(),
                            "id",
                        ],
                        format!("Fulfillment order line item {} does not exist.", item.id),
                        None,
                    )),
                }
            }
            lines = Some(parsed);
        }
        from.push(FulfillFrom { fulfillment_order_id, lines });
    }
    if !errors.is_empty() {
        return refused(errors);
    }
    let tracking = input
        .tracking_info
        .map(|tracking| {
            let mut numbers: Vec<String> =
                tracking.number.into_iter().chain(tracking.numbers.unwrap_or_default()).collect();
            numbers.dedup();
            let urls: Vec<String> = tracking.url.into_iter().chain(tracking.urls.unwrap_or_default()).collect();
            let count = numbers.len().max(urls.len()).max(usize::from(tracking.company.is_some()));
            (0..count)
                .map(|index| TrackingInfo {
                    number: numbers.get(index).cloned(),
                    company: tracking.company.clone(),
                    url: urls.get(index).cloned(),
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let at = order_ops::now(m.store);
    match order_ops::fulfill(m.store, &from, tracking, input.notify_customer.unwrap_or(false), at) {
        Ok((fulfillment_id, events)) => {
            order_ops::record(m.store, events);
            Ok(Rc::new(FulfillmentPayload { fulfillment_id: Some(fulfillment_id), user_errors: Vec::new() }))
        }
        Err(problems) => refused(
            problems
                .into_iter()
                .map(|problem| UserError {
                    type_name: "UserError",
                    field: Some(problem.field),
                    message: problem.message,
                    code: None,
                })
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// orderUpdate, orderMarkAsPaid, orderClose/Open
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct OrderInput {
    id: String,
    email: Option<String>,
    note: Option<Json>,
    po_number: Option<String>,
    tags: Option<Vec<String>>,
    shipping_address: Option<AddressInput>,
    custom_attributes: Option<Vec<AttributeInput>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AddressInput {
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    company: Option<String>,
    country_code: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    province_code: Option<String>,
    zip: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AttributeInput {
    key: String,
    value: Option<String>,
}

fn order_update(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    const PAYLOAD: &str = "OrderUpdatePayload";
    let input: OrderInput = call.arg_as("input")?.unwrap_or_default();
    let Some(order_id) = gid::parse_kind(&input.id, "Order").filter(|id| m.store.orders.contains(*id)) else {
        return Ok(not_found(PAYLOAD, &["id"]));
    };
    let at = order_ops::now(m.store);
    let events = order_ops::touch_order(m.store, order_id, at, |order| {
        if let Some(email) = input.email {
            order.email = Some(email).filter(|email| !email.is_empty());
        }
        if let Some(note) = input.note {
            order.note = note.as_str().map(str::to_string).filter(|note| !note.is_empty());
        }
        if let Some(po_number) = input.po_number {
            order.po_number = Some(po_number).filter(|po| !po.is_empty());
        }
        if let Some(tags) = input.tags {
            order.tags = super::product_mutations::normalize_tags(tags.iter().map(String::as_str));
        }
        if let Some(attributes) = input.custom_attributes {
            order.custom_attributes = attributes
                .into_iter()
                .map(|attribute| crate::model::orders::Attribute { key: attribute.key, value: attribute.value })
                .collect();
        }
        if let Some(address) = input.shipping_address {
            let id = order.next_sub_id();
            let old = order.shipping_address.as_deref().cloned().unwrap_or_default();
            let pick = |new: Option<String>, old: Option<String>| match new {
                Some(value) if value.is_empty() => None,
                Some(value) => Some(value),
                None => old,
            };
            let country_code = pick(address.country_code, old.country_code);
            let province_code = pick(address.province_code, old.province_code);
            let province = province_code.clone().map(|code| {
                let country = country_code.as_deref().unwrap_or("");
                match order_ops::sample_address(country).3 {
                    Some((sample, name)) if sample == code => name.to_string(),
                    _ => code,
                }
            });
            order.shipping_address = Some(std::sync::Arc::new(Address {
                id,
                first_name: pick(address.first_name, old.first_name),
                last_name: pick(address.last_name, old.last_name),
                company: pick(address.company, old.company),
                address1: pick(address.address1, old.address1),
                address2: pick(address.address2, old.address2),
                city: pick(address.city, old.city),
                zip: pick(address.zip, old.zip),
                province,
                province_code,
                country_code,
                phone: pick(address.phone, old.phone),
            }));
        }
    });
    match events {
        Ok(events) => {
            order_ops::record(m.store, events);
            Ok(order_payload(PAYLOAD, Some(order_id), Vec::new()))
        }
        Err(_) => Ok(not_found(PAYLOAD, &["id"])),
    }
}

fn input_order_id(call: &FieldCall<'_>) -> Option<u64> {
    call.arg("input")
        .and_then(|input| input.get("id"))
        .and_then(Json::as_str)
        .and_then(|id| gid::parse_kind(id, "Order"))
}

fn order_mark_as_paid(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    const PAYLOAD: &str = "OrderMarkAsPaidPayload";
    let Some(order_id) = input_order_id(call).filter(|id| m.store.orders.contains(*id)) else {
        return Ok(not_found(PAYLOAD, &["id"]));
    };
    let at = order_ops::now(m.store);
    match order_ops::mark_paid(m.store, order_id, at) {
        Ok(events) => {
            order_ops::record(m.store, events);
            Ok(order_payload(PAYLOAD, Some(order_id), Vec::new()))
        }
        Err(error) => Ok(order_payload(
            PAYLOAD,
            Some(order_id),
            vec![UserError::new("UserError", &["id"], error.to_string(), None)],
        )),
    }
}

fn open_or_close(call: &FieldCall<'_>, m: &mut MutationCtx<'_>, close: bool) -> Result<Rc<dyn Object>, FieldError> {
    let payload = if close { "OrderClosePayload" } else { "OrderOpenPayload" };
    let Some(order_id) = input_order_id(call).filter(|id| m.store.orders.contains(*id)) else {
        return Ok(not_found(payload, &["id"]));
    };
    let at = order_ops::now(m.store);
    if let Ok(events) = order_ops::touch_order(m.store, order_id, at, |order| {
        order.closed_at = if close { Some(order.closed_at.unwrap_or(at)) } else { None };
    }) {
        order_ops::record(m.store, events);
    }
    Ok(order_payload(payload, Some(order_id), Vec::new()))
}

// ---------------------------------------------------------------------------------------------
// orderCancel
// ---------------------------------------------------------------------------------------------

struct CancelPayload {
    job_id: Option<String>,
    errors: Vec<UserError>,
}

impl Object for CancelPayload {
    fn type_name(&self) -> &'static str {
        "OrderCancelPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "job" => Ok(self.job_id.clone().map_or(Output::Null, |id| Output::Object(Rc::new(Job(id))))),
            "orderCancelUserErrors" => user_errors(&self.errors),
            "userErrors" => Ok(Output::List(
                self.errors
                    .iter()
                    .map(|error| {
                        Output::Object(Rc::new(UserError { type_name: "UserError", code: None, ..error.clone() }))
                    })
                    .collect(),
            )),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// An asynchronous job that the simulator finished at once.
struct Job(String);

impl Object for Job {
    fn type_name(&self) -> &'static str {
        "Job"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&self.0),
            "done" => Ok(Output::Value(Json::Bool(true))),
            "query" => Ok(Output::Object(Rc::new(crate::graphql::executor::QueryRoot))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn order_cancel(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let error = |field: &str, message: String, code: &'static str| -> Result<Rc<dyn Object>, FieldError> {
        Ok(Rc::new(CancelPayload {
            job_id: None,
            errors: vec![UserError::new("OrderCancelUserError", &[field], message, Some(code))],
        }))
    };
    let Some(order_id) =
        call.arg_str("orderId").and_then(|id| gid::parse_kind(id, "Order")).filter(|id| m.store.orders.contains(*id))
    else {
        return error("orderId", "Order does not exist".to_string(), "NOT_FOUND");
    };
    let reason = call.arg_str("reason").and_then(CancelReason::parse).unwrap_or(CancelReason::Other);
    // `refundMethod: { originalPaymentMethodsRefund: true }` replaced the deprecated `refund: true`.
    let refund_money = call
        .arg("refundMethod")
        .and_then(|method| method.get("originalPaymentMethodsRefund"))
        .and_then(Json::as_bool)
        .or_else(|| call.arg_bool("refund"))
        .unwrap_or(false);
    let at = order_ops::now(m.store);
    match order_ops::cancel_order(m.store, order_id, reason, at) {
        Ok(mut events) => {
            if refund_money {
                let lines: Vec<order_ops::RefundLineSpec> = m
                    .store
                    .orders
                    .get(order_id)
                    .map(|order| {
                        order
                            .line_items
                            .iter()
                            .filter(|line| {
                                order.current_quantity(line) > 0 && order.total_received() > order.total_refunded()
                            })
                            .map(|line| order_ops::RefundLineSpec {
                                line: gid::format("LineItem", line.id),
                                quantity: order.current_quantity(line),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if !lines.is_empty()
                    && let Ok(refund_events) = order_ops::refund(m.store, order_id, &lines, None, "CANCEL", at)
                {
                    events.extend(refund_events);
                }
            }
            order_ops::record(m.store, events);
            Ok(Rc::new(CancelPayload { job_id: Some(gid::format("Job", order_id)), errors: Vec::new() }))
        }
        Err(problem) => error("orderId", problem.to_string(), "INVALID"),
    }
}
