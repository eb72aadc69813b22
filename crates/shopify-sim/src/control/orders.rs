//! The control surface for orders and customers: what a test does "in Shopify" while the client
//! under test watches (place, edit, tag, cancel, pay, refund orders; delete products), and what
//! it reads back (orders, fulfillments a client created, REST bodies). Every change bumps the
//! order's `updatedAt` and records the webhook topics Shopify would send.
//!
//! Orders are named by GID (`gid://shopify/Order/…`), numeric id, name (`#1001`) or number
//! (`1001`).
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/orders` | every order, in a short form |
//! | `POST /_sim/orders` | create an order from an [`OrderSpec`] |
//! | `GET /_sim/orders/{order}` | one order ([`OrderSnapshot`]) |
//! | `PATCH /_sim/orders/{order}` | edit it ([`OrderEdit`]: quantities, lines, address, note) |
//! | `GET /_sim/orders/{order}/rest` | its REST body (what `orders/*` webhooks carry) |
//! | `POST /_sim/orders/{order}/tags` | `{"add": [...], "remove": [...]}` |
//! | `POST /_sim/orders/{order}/cancel` | `{"reason": "CUSTOMER"}` (optional) |
//! | `POST /_sim/orders/{order}/paid` | mark a pending order paid |
//! | `POST /_sim/orders/{order}/refund` | `{"lines": [{"line": SKU or GID, "quantity": n}], "note": ...}` |
//! | `GET /_sim/orders/{order}/fulfillments` | fulfillments with tracking and lines |
//! | `GET /_sim/fulfillments` | every fulfillment of every order |
//! | `DELETE /_sim/products/{sku or gid}` | delete a product (its order lines lose variant and product) |
//! | `GET /_sim/customers`, `POST /_sim/customers` | list, create ([`CustomerSpec`]) |

use std::sync::Arc;

use axum::Json as JsonBody;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::handle::SimControl;
use crate::gid;
use crate::model::orders::{CancelReason, Order};
use crate::order_ops::{self, CustomerSpec, OrderEdit, OrderOpError, OrderSpec, RefundLineSpec};
use crate::resolvers::format_decimal;
use crate::state::SimState;
use crate::store::{Store, format_time};

/// An order as the control surface shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrderSnapshot {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub customer_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// `PAID`, `PENDING` ...
    pub financial_status: String,
    /// `UNFULFILLED`, `PARTIALLY_FULFILLED`, `FULFILLED`.
    pub fulfillment_status: String,
    pub cancelled: bool,
    pub closed: bool,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub country: Option<String>,
    pub zip: Option<String>,
    pub total_price: String,
    pub payment_terms: Option<String>,
    pub lines: Vec<LineSnapshot>,
    pub fulfillment_orders: Vec<FulfillmentOrderSnapshot>,
    pub fulfillments: Vec<FulfillmentSnapshot>,
}

/// One order line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LineSnapshot {
    pub id: String,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: u32,
    pub current_quantity: u32,
    pub fulfilled_quantity: u32,
    pub requires_shipping: bool,
    /// The variant's GID, when the line has one and it still exists.
    pub variant_id: Option<String>,
    pub product_id: Option<String>,
}

/// A fulfillment order with its open quantities.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FulfillmentOrderSnapshot {
    pub id: String,
    pub status: String,
    pub location_id: String,
    pub lines: Vec<FulfillmentOrderLineSnapshot>,
}

/// One fulfillment order line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FulfillmentOrderLineSnapshot {
    pub id: String,
    pub line_item_id: String,
    pub sku: Option<String>,
    pub total_quantity: u32,
    pub remaining_quantity: u32,
}

/// A fulfillment (what a client reported with `fulfillmentCreate`, or the seed made).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FulfillmentSnapshot {
    pub id: String,
    pub order_id: String,
    pub order_name: String,
    pub name: String,
    pub status: String,
    pub created_at: String,
    pub notify_customer: bool,
    pub tracking: Vec<TrackingSnapshot>,
    /// `(sku, quantity)` per shipped line.
    pub lines: Vec<FulfilledLine>,
}

/// Tracking of a fulfillment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrackingSnapshot {
    pub number: Option<String>,
    pub company: Option<String>,
    pub url: Option<String>,
}

/// One shipped line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FulfilledLine {
    pub line_item_id: String,
    pub sku: Option<String>,
    pub quantity: u32,
}

/// A customer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CustomerSnapshot {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub orders: Vec<String>,
    pub updated_at: String,
}

fn snapshot(order: &Order, store: &Store) -> OrderSnapshot {
    let catalog = &store.catalog;
    OrderSnapshot {
        id: gid::format("Order", order.id),
        name: order.name(),
        email: order.email.clone(),
        customer_id: order.customer_id.map(|id| gid::format("Customer", id)),
        created_at: format_time(order.created_at),
        updated_at: format_time(order.updated_at),
        financial_status: order.financial_status.as_graphql().to_string(),
        fulfillment_status: order.fulfillment_state().as_graphql().to_string(),
        cancelled: order.cancelled(),
        closed: order.closed(),
        tags: order.tags.clone(),
        note: order.note.clone(),
        country: order.shipping_address.as_ref().and_then(|address| address.country_code.clone()),
        zip: order.shipping_address.as_ref().and_then(|address| address.zip.clone()),
        total_price: format_decimal(order.total_price()),
        payment_terms: order.payment_terms.as_ref().map(|terms| terms.name.clone()),
        lines: order
            .line_items
            .iter()
            .map(|line| LineSnapshot {
                id: gid::format("LineItem", line.id),
                sku: line.sku.as_deref().map(str::to_string),
                title: line.name(),
                quantity: line.quantity,
                current_quantity: order.current_quantity(line),
                fulfilled_quantity: order.fulfilled_quantity(line.id),
                requires_shipping: line.requires_shipping,
                variant_id: line
                    .variant_id
                    .filter(|id| catalog.variants.contains_key(id))
                    .map(|id| gid::format("ProductVariant", id)),
                product_id: line
                    .product_id
                    .filter(|id| catalog.products.contains_key(id))
                    .map(|id| gid::format("Product", id)),
            })
            .collect(),
        fulfillment_orders: order
            .fulfillment_orders
            .iter()
            .map(|fo| FulfillmentOrderSnapshot {
                id: gid::format("FulfillmentOrder", fo.id),
                status: fo.status.as_graphql().to_string(),
                location_id: gid::format("Location", fo.location_id),
                lines: fo
                    .line_items
                    .iter()
                    .map(|item| FulfillmentOrderLineSnapshot {
                        id: gid::format("FulfillmentOrderLineItem", item.id),
                        line_item_id: gid::format("LineItem", item.line_item_id),
                        sku: order
                            .line_item(item.line_item_id)
                            .and_then(|line| line.sku.as_deref().map(str::to_string)),
                        total_quantity: item.total_quantity,
                        remaining_quantity: item.remaining_quantity,
                    })
                    .collect(),
            })
            .collect(),
        fulfillments: fulfillments_of(order),
    }
}

fn fulfillments_of(order: &Order) -> Vec<FulfillmentSnapshot> {
    order
        .fulfillments
        .iter()
        .map(|fulfillment| FulfillmentSnapshot {
            id: gid::format("Fulfillment", fulfillment.id),
            order_id: gid::format("Order", order.id),
            order_name: order.name(),
            name: fulfillment.name.clone(),
            status: fulfillment.status.to_string(),
            created_at: format_time(fulfillment.created_at),
            notify_customer: fulfillment.notify_customer,
            tracking: fulfillment
                .tracking
                .iter()
                .map(|tracking| TrackingSnapshot {
                    number: tracking.number.clone(),
                    company: tracking.company.clone(),
                    url: tracking.url.clone(),
                })
                .collect(),
            lines: fulfillment
                .line_items
                .iter()
                .map(|item| FulfilledLine {
                    line_item_id: gid::format("LineItem", item.line_item_id),
                    sku: order.line_item(item.line_item_id).and_then(|line| line.sku.as_deref().map(str::to_string)),
                    quantity: item.quantity,
                })
                .collect(),
        })
        .collect()
}

fn customer_snapshot(customer: &crate::model::customers::Customer) -> CustomerSnapshot {
    CustomerSnapshot {
        id: gid::format("Customer", customer.id),
        first_name: customer.first_name.clone(),
        last_name: customer.last_name.clone(),
        email: customer.email.clone(),
        phone: customer.phone.clone(),
        tags: customer.tags.clone(),
        orders: customer.order_ids.iter().map(|id| gid::format("Order", *id)).collect(),
        updated_at: format_time(customer.updated_at),
    }
}

/// Finds an order by GID, numeric id, name (`#1001`) or number (`1001`).
fn resolve_order(store: &Store, key: &str) -> Result<u64, OrderOpError> {
    let key = key.trim();
    let unknown = || OrderOpError::UnknownOrder(key.to_string());
    if let Some(id) = gid::parse_kind(key, "Order") {
        return store.orders.contains(id).then_some(id).ok_or_else(unknown);
    }
    let digits = key.trim_start_matches('#');
    let number: u64 = digits.parse().map_err(|_| unknown())?;
    if store.orders.contains(number) {
        return Ok(number);
    }
    store.orders.iter().find(|order| u64::from(order.number) == number).map(|order| order.id).ok_or_else(unknown)
}

impl SimControl {
    /// Every order, oldest first.
    pub fn orders(&self) -> Vec<OrderSnapshot> {
        self.with_store(|store| store.orders.iter().map(|order| snapshot(order, store)).collect())
    }

    /// One order by GID, id, name or number.
    pub fn order(&self, key: &str) -> Option<OrderSnapshot> {
        self.with_store(|store| {
            resolve_order(store, key).ok().and_then(|id| store.orders.get(id)).map(|order| snapshot(order, store))
        })
    }

    /// The REST body of an order (what `orders/*` webhooks carry).
    pub fn order_rest_json(&self, key: &str) -> Option<Json> {
        self.with_store(|store| {
            let id = resolve_order(store, key).ok()?;
            store.orders.get(id).map(|order| crate::model::orders::rest::order_json(order, store))
        })
    }

    /// Places an order (webhooks: `orders/create`, `orders/paid` when paid, `customers/create`
    /// for a new customer).
    pub fn create_order(&self, spec: &OrderSpec) -> Result<OrderSnapshot, OrderOpError> {
        self.with_store_mut(|store| {
            let at = order_ops::now(store);
            let (id, events) = order_ops::create_order(store, spec, at)?;
            order_ops::record(store, events);
            store.orders.get(id).map(|order| snapshot(order, store)).ok_or(OrderOpError::UnknownOrder(id.to_string()))
        })
    }

    /// Edits an order as a merchant would (`orders/edited`, `orders/updated`).
    pub fn edit_order(&self, key: &str, edit: &OrderEdit) -> Result<OrderSnapshot, OrderOpError> {
        self.change(key, |store, id, at| order_ops::edit_order(store, id, edit, at))
    }

    /// Adds and removes tags (`orders/updated`).
    pub fn tag_order(&self, key: &str, add: &[&str], remove: &[&str]) -> Result<OrderSnapshot, OrderOpError> {
        self.change(key, |store, id, at| {
            order_ops::touch_order(store, id, at, |order| {
                let merged = crate::resolvers::product_mutations::normalize_tags(
                    order.tags.iter().map(String::as_str).chain(add.iter().copied()),
                );
                order.tags =
                    merged.into_iter().filter(|tag| !remove.iter().any(|r| r.eq_ignore_ascii_case(tag))).collect();
            })
        })
    }

    /// Cancels an order (`orders/cancelled`, `orders/updated`); reason `OTHER` by default.
    pub fn cancel_order(&self, key: &str, reason: Option<&str>) -> Result<OrderSnapshot, OrderOpError> {
        let reason = match reason {
            None => CancelReason::Other,
            Some(text) => CancelReason::parse(text).ok_or_else(|| OrderOpError::InvalidValue {
                what: "cancel reason",
                value: text.to_string(),
                hint: "use CUSTOMER, DECLINED, FRAUD, INVENTORY, OTHER or STAFF",
            })?,
        };
        self.change(key, |store, id, at| order_ops::cancel_order(store, id, reason, at))
    }

    /// Marks a pending order paid with a transaction (`orders/paid`, `orders/updated`).
    pub fn mark_order_paid(&self, key: &str) -> Result<OrderSnapshot, OrderOpError> {
        self.change(key, order_ops::mark_paid)
    }

    /// Refunds lines of an order (`refunds/create`, `orders/updated`).
    pub fn refund_order(
        &self,
        key: &str,
        lines: &[RefundLineSpec],
        note: Option<&str>,
    ) -> Result<OrderSnapshot, OrderOpError> {
        self.change(key, |store, id, at| order_ops::refund(store, id, lines, note, "RETURN", at))
    }

    /// Fulfillments of one order.
    pub fn fulfillments(&self, key: &str) -> Result<Vec<FulfillmentSnapshot>, OrderOpError> {
        self.with_store(|store| {
            let id = resolve_order(store, key)?;
            Ok(store.orders.get(id).map(fulfillments_of).unwrap_or_default())
        })
    }

    /// Every fulfillment of every order, oldest order first.
    pub fn all_fulfillments(&self) -> Vec<FulfillmentSnapshot> {
        self.with_store(|store| store.orders.iter().flat_map(fulfillments_of).collect())
    }

    /// Deletes a product by a SKU of one of its variants or its GID; order lines that sold it
    /// then read `variant: null`, `product: null` (`products/delete`).
    pub fn delete_product(&self, key: &str) -> Result<(), OrderOpError> {
        self.with_store_mut(|store| {
            let product_id = gid::parse_kind(key, "Product")
                .filter(|id| store.catalog.products.contains_key(id))
                .or_else(|| {
                    store
                        .catalog
                        .variants
                        .values()
                        .find(|variant| variant.sku.as_deref() == Some(key))
                        .map(|v| v.product_id)
                })
                .ok_or_else(|| OrderOpError::UnknownProduct(key.to_string()))?;
            store.catalog.remove_product(product_id);
            store.record("products/delete", gid::format("Product", product_id));
            Ok(())
        })
    }

    /// Every customer, oldest first.
    pub fn customers(&self) -> Vec<CustomerSnapshot> {
        self.with_store(|store| store.customers.iter().map(customer_snapshot).collect())
    }

    /// Changes a customer's name and note as an edit in Shopify's admin would (`customers/update`, a new
    /// `updatedAt`); `None` leaves a field as it is. Returns the customer, or `None` when the id is unknown.
    pub fn update_customer(
        &self,
        id: &str,
        first_name: Option<&str>,
        last_name: Option<&str>,
        note: Option<&str>,
    ) -> Option<CustomerSnapshot> {
        let id = gid::parse_kind(id, "Customer")?;
        self.with_store_mut(|store| {
            let at = order_ops::now(store);
            let customer = store.customers.get_mut(id)?;
            if let Some(first_name) = first_name {
                customer.first_name = Some(first_name.to_string());
            }
            if let Some(last_name) = last_name {
                customer.last_name = Some(last_name.to_string());
            }
            if let Some(note) = note {
                customer.note = Some(note.to_string());
            }
            customer.updated_at = at;
            store.record("customers/update", gid::format("Customer", id));
            store.customers.get(id).map(customer_snapshot)
        })
    }

    /// Creates a customer (`customers/create`).
    pub fn create_customer(&self, spec: &CustomerSpec) -> CustomerSnapshot {
        self.with_store_mut(|store| {
            let at = order_ops::now(store);
            let (id, events) = order_ops::create_customer(store, spec, at);
            order_ops::record(store, events);
            store.customers.get(id).map(customer_snapshot).unwrap_or_else(|| CustomerSnapshot {
                id: gid::format("Customer", id),
                first_name: None,
                last_name: None,
                email: None,
                phone: None,
                tags: Vec::new(),
                orders: Vec::new(),
                updated_at: String::new(),
            })
        })
    }

    fn change(
        &self,
        key: &str,
        apply: impl FnOnce(&mut Store, u64, jiff::Timestamp) -> Result<order_ops::Events, OrderOpError>,
    ) -> Result<OrderSnapshot, OrderOpError> {
        self.with_store_mut(|store| {
            let id = resolve_order(store, key)?;
            let at = order_ops::now(store);
            let events = apply(store, id, at)?;
            order_ops::record(store, events);
            store
                .orders
                .get(id)
                .map(|order| snapshot(order, store))
                .ok_or_else(|| OrderOpError::UnknownOrder(key.to_string()))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagChange {
    add: Vec<String>,
    remove: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelRequest {
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefundRequest {
    lines: Vec<RefundLineSpec>,
    note: Option<String>,
}

fn answer<T: Serialize>(result: Result<T, OrderOpError>) -> Response {
    match result {
        Ok(value) => (StatusCode::OK, JsonBody(json!(value))).into_response(),
        Err(error) => {
            let status = match error {
                OrderOpError::UnknownOrder(_) | OrderOpError::UnknownProduct(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, JsonBody(json!({ "error": error.to_string() }))).into_response()
        }
    }
}

fn control(state: Arc<SimState>) -> SimControl {
    SimControl { state }
}

type Shared = State<Arc<SimState>>;

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route(
            "/_sim/orders",
            get(|State(state): Shared| async move { JsonBody(control(state).orders()) }).post(
                |State(state): Shared, JsonBody(spec): JsonBody<OrderSpec>| async move {
                    match control(state).create_order(&spec) {
                        Ok(order) => (StatusCode::CREATED, JsonBody(json!(order))).into_response(),
                        Err(error) => answer::<()>(Err(error)),
                    }
                },
            ),
        )
        .route(
            "/_sim/orders/{order}",
            get(|State(state): Shared, Path(key): Path<String>| async move {
                answer(control(state).order(&key).ok_or(OrderOpError::UnknownOrder(key)))
            })
            .patch(|State(state): Shared, Path(key): Path<String>, JsonBody(edit): JsonBody<OrderEdit>| async move {
                answer(control(state).edit_order(&key, &edit))
            }),
        )
        .route(
            "/_sim/orders/{order}/rest",
            get(|State(state): Shared, Path(key): Path<String>| async move {
                answer(control(state).order_rest_json(&key).ok_or(OrderOpError::UnknownOrder(key)))
            }),
        )
        .route(
            "/_sim/orders/{order}/tags",
            post(|State(state): Shared, Path(key): Path<String>, JsonBody(change): JsonBody<TagChange>| async move {
                let add: Vec<&str> = change.add.iter().map(String::as_str).collect();
                let remove: Vec<&str> = change.remove.iter().map(String::as_str).collect();
                answer(control(state).tag_order(&key, &add, &remove))
            }),
        )
        .route(
            "/_sim/orders/{order}/cancel",
            post(|State(state): Shared, Path(key): Path<String>, body: Option<JsonBody<CancelRequest>>| async move {
                let reason = body.and_then(|JsonBody(request)| request.reason);
                answer(control(state).cancel_order(&key, reason.as_deref()))
            }),
        )
        .route(
            "/_sim/orders/{order}/paid",
            post(|State(state): Shared, Path(key): Path<String>| async move { answer(control(state).mark_order_paid(&key)) }),
        )
        .route(
            "/_sim/orders/{order}/refund",
            post(|State(state): Shared, Path(key): Path<String>, JsonBody(request): JsonBody<RefundRequest>| async move {
                answer(control(state).refund_order(&key, &request.lines, request.note.as_deref()))
            }),
        )
        .route(
            "/_sim/orders/{order}/fulfillments",
            get(|State(state): Shared, Path(key): Path<String>| async move { answer(control(state).fulfillments(&key)) }),
        )
        .route("/_sim/fulfillments", get(|State(state): Shared| async move { JsonBody(control(state).all_fulfillments()) }))
        .route(
            "/_sim/products/{product}",
            delete(|State(state): Shared, Path(key): Path<String>| async move {
                answer(control(state).delete_product(&key).map(|()| json!({ "deleted": key })))
            }),
        )
        .route(
            "/_sim/customers",
            get(|State(state): Shared| async move { JsonBody(control(state).customers()) }).post(
                |State(state): Shared, JsonBody(spec): JsonBody<CustomerSpec>| async move {
                    (StatusCode::CREATED, JsonBody(control(state).create_customer(&spec)))
                },
            ),
        )
}
