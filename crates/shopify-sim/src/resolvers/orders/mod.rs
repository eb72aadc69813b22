//! Order reads: `orders`, `order`, `ordersCount`, `orderByIdentifier`, `fulfillmentOrders`,
//! `fulfillmentOrder`, `fulfillment`, `refund`, `return`, and every object inside an order (line
//! items, shipping lines, discounts, taxes, transactions, refunds, returns, fulfillment orders,
//! fulfillments, payment terms, addresses).
//!
//! `orders` pages sorted by `UPDATED_AT`, `CREATED_AT`, `PROCESSED_AT` (the default) or `ID`
//! walk an ordered index from the cursor and stop once the page is full, so a page costs the
//! same with 100 orders or 100,000; a time or id range in `query` narrows the walk further.
//! Other sort keys, `last` and `before` sort the matching orders first.

mod fulfillment;
mod lines;
mod order;
mod payments;
mod search;
mod values;

pub use fulfillment::{FulfillmentObject, FulfillmentOrderLineItemObject, FulfillmentOrderObject};
pub use lines::{LineItemObject, MailingAddressObject};
pub use order::OrderObject;
pub use payments::formatted_gateway;
pub use search::{OrderSearch, order_page, order_sort_key};
pub use values::{bag, money};

use std::rc::Rc;

use serde_json::Value as Json;

use super::{Count, object};
use crate::gid;
use crate::graphql::executor::{Object, Output};
use crate::model::orders::{Fulfillment, FulfillmentOrder, Order};
use crate::registry::Registry;
use crate::search::Query;
use crate::store::Store;
use fulfillment::FulfillmentLineItemObject;
use lines::PaymentTermsObject;
use payments::{RefundObject, ReturnLineItemObject, ReturnObject, TransactionObject};
use search::{orders, root_fulfillment_orders};

pub fn register(registry: &mut Registry) {
    registry
        .query("orders", orders)
        .query("order", |call, ctx| {
            let order = super::gid_argument(call, "id", "Order")?.and_then(|id| ctx.store.orders.get(id));
            Ok(order.map_or(Output::Null, |order| Output::Object(Rc::new(OrderObject(order)))))
        })
        .query("orderByIdentifier", |call, ctx| {
            let identifier = call.arg("identifier").cloned().unwrap_or(Json::Null);
            let order = identifier
                .get("id")
                .and_then(Json::as_str)
                .and_then(|id| gid::parse_kind(id, "Order"))
                .and_then(|id| ctx.store.orders.get(id));
            Ok(order.map_or(Output::Null, |order| Output::Object(Rc::new(OrderObject(order)))))
        })
        .query("ordersCount", |call, ctx| {
            let query = Query::parse(call.arg_str("query").unwrap_or(""));
            let store = ctx.store;
            let count = store.orders.iter().filter(|order| query.matches(&OrderSearch { order, store })).count();
            let limit = call.arg_i64("limit").map_or(count, |limit| count.min(limit.max(0) as usize));
            object(Count(limit))
        })
        .query("fulfillmentOrders", root_fulfillment_orders)
        .query("fulfillmentOrder", |call, ctx| {
            let found =
                super::gid_argument(call, "id", "FulfillmentOrder")?.and_then(|id| fulfillment_order(ctx.store, id));
            Ok(found.map_or(Output::Null, |(order, fo)| Output::Object(Rc::new(FulfillmentOrderObject { order, fo }))))
        })
        .query("fulfillment", |call, ctx| {
            let found = super::gid_argument(call, "id", "Fulfillment")?.and_then(|id| fulfillment(ctx.store, id));
            Ok(found.map_or(Output::Null, |(order, fulfillment)| {
                Output::Object(Rc::new(FulfillmentObject { order, fulfillment }))
            }))
        })
        .query("refund", |call, ctx| {
            let found = super::gid_argument(call, "id", "Refund")?.and_then(|id| {
                let order = ctx.store.orders.owner(id)?;
                order.refunds.iter().find(|refund| refund.id == id).map(|refund| (order, refund))
            });
            Ok(found.map_or(Output::Null, |(order, refund)| Output::Object(Rc::new(RefundObject { order, refund }))))
        })
        .query("return", |call, ctx| {
            let found = super::gid_argument(call, "id", "Return")?.and_then(|id| {
                let order = ctx.store.orders.owner(id)?;
                order.returns.iter().find(|ret| ret.id == id).map(|ret| (order, ret))
            });
            Ok(found.map_or(Output::Null, |(order, ret)| Output::Object(Rc::new(ReturnObject { order, ret }))))
        })
        .node("Order", |id, ctx| ctx.store.orders.get(id).map(|order| Rc::new(OrderObject(order)) as Rc<dyn Object>))
        .node("LineItem", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            let line = order.line_item(id)?;
            Some(Rc::new(LineItemObject { order, line }) as Rc<dyn Object>)
        })
        .node("FulfillmentOrder", |id, ctx| {
            fulfillment_order(ctx.store, id)
                .map(|(order, fo)| Rc::new(FulfillmentOrderObject { order, fo }) as Rc<dyn Object>)
        })
        .node("FulfillmentOrderLineItem", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            order.fulfillment_orders.iter().find_map(|fo| {
                fo.line_items
                    .iter()
                    .find(|item| item.id == id)
                    .map(|item| Rc::new(FulfillmentOrderLineItemObject { order, item }) as Rc<dyn Object>)
            })
        })
        .node("Fulfillment", |id, ctx| {
            fulfillment(ctx.store, id)
                .map(|(order, fulfillment)| Rc::new(FulfillmentObject { order, fulfillment }) as Rc<dyn Object>)
        })
        .node("FulfillmentLineItem", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            order.fulfillments.iter().find_map(|fulfillment| {
                fulfillment
                    .line_items
                    .iter()
                    .find(|item| item.id == id)
                    .map(|item| Rc::new(FulfillmentLineItemObject { order, item }) as Rc<dyn Object>)
            })
        })
        .node("OrderTransaction", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            let transaction = order.transactions.iter().find(|transaction| transaction.id == id)?;
            Some(Rc::new(TransactionObject { order, transaction }) as Rc<dyn Object>)
        })
        .node("Refund", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            let refund = order.refunds.iter().find(|refund| refund.id == id)?;
            Some(Rc::new(RefundObject { order, refund }) as Rc<dyn Object>)
        })
        .node("Return", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            let ret = order.returns.iter().find(|ret| ret.id == id)?;
            Some(Rc::new(ReturnObject { order, ret }) as Rc<dyn Object>)
        })
        .node("ReturnLineItem", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            order.returns.iter().find_map(|ret| {
                ret.line_items
                    .iter()
                    .find(|item| item.id == id)
                    .map(|item| Rc::new(ReturnLineItemObject { order, item }) as Rc<dyn Object>)
            })
        })
        .node("PaymentTerms", |id, ctx| {
            let order = ctx.store.orders.owner(id)?;
            let terms = order.payment_terms.as_ref().filter(|terms| terms.id == id)?;
            Some(Rc::new(PaymentTermsObject { order, terms }) as Rc<dyn Object>)
        });
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

/// A fulfillment order with its order.
pub fn fulfillment_order(store: &Store, id: u64) -> Option<(&Order, &FulfillmentOrder)> {
    let order = store.orders.owner(id)?;
    order.fulfillment_order(id).map(|fo| (order, fo))
}

/// A fulfillment with its order.
pub fn fulfillment(store: &Store, id: u64) -> Option<(&Order, &Fulfillment)> {
    let order = store.orders.owner(id)?;
    order.fulfillments.iter().find(|fulfillment| fulfillment.id == id).map(|fulfillment| (order, fulfillment))
}
