//! Order reads: `orders`, `order`, `ordersCount`, `orderByIdentifier`, `fulfillmentOrders`,
//! `fulfillmentOrder`, `fulfillment`, `refund`, `return`, and every object inside an order (line
//! items, shipping lines, discounts, taxes, transactions, refunds, returns, fulfillment orders,
//! fulfillments, payment terms, addresses).
//!
//! `orders` pages sorted by `UPDATED_AT`, `CREATED_AT`, `PROCESSED_AT` (the default) or `ID`
//! walk an ordered index from the cursor and stop once the page is full, so a page costs the
//! same with 100 orders or 100,000; a time or id range in `query` narrows the walk further.
//! Other sort keys, `last` and `before` sort the matching orders first.

use std::ops::Bound;
use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::catalog::{LocationObject, ProductObject, VariantObject};
use super::customers::CustomerObject;
use super::{Count, leaf, object, optional_text, strings, text, time};
use crate::gid;
use crate::graphql::connection::{Connection, Page, PageRequest, SortKey, SortValue, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{
    Address, Attribute, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, Fulfillment,
    FulfillmentLineItem, FulfillmentOrder, FulfillmentOrderLineItem, FulfillmentOrderStatus, LineItem, Order,
    PaymentTerms, Refund, RefundLineItem, Return, ReturnLineItem, ShippingLine, TaxLine, TimeIndex, Transaction,
};
use crate::registry::Registry;
use crate::search::{Comparator, Query, Searchable, Term, parse_time};
use crate::store::Store;

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

// ---------------------------------------------------------------------------------------------
// orders: search, sort, pages
// ---------------------------------------------------------------------------------------------

fn orders<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let sort_key = call.arg_str("sortKey").unwrap_or("PROCESSED_AT");
    let page = order_page(ctx.store, &query, sort_key, &request);
    Connection::new("OrderConnection", "OrderEdge", page, |order| Rc::new(OrderObject(order)) as Rc<dyn Object>)
        .output()
}

/// One page of the shop's orders matching `query`, sorted by `sort_key` (an `OrderSortKeys`).
pub fn order_page<'s>(store: &'s Store, query: &Query, sort_key: &str, request: &PageRequest) -> Page<&'s Order> {
    if let Some(page) = indexed_page(store, query, sort_key, request) {
        return page;
    }
    let items: Vec<(SortKey, &Order)> = store
        .orders
        .iter()
        .filter(|order| query.matches(&OrderSearch { order, store }))
        .map(|order| (order_sort_key(order, sort_key, store), order))
        .collect();
    paginate(items, request)
}

/// The sort key of an order for `OrderSortKeys`.
pub fn order_sort_key(order: &Order, sort_key: &str, store: &Store) -> SortKey {
    match sort_key {
        "UPDATED_AT" => SortKey::int(order.updated_at.as_second(), order.id),
        "CREATED_AT" => SortKey::int(order.created_at.as_second(), order.id),
        "PROCESSED_AT" => SortKey::int(order.processed_at.as_second(), order.id),
        "ORDER_NUMBER" => SortKey::int(i64::from(order.number), order.id),
        "TOTAL_PRICE" => SortKey::int(cents(order.total_price()), order.id),
        "TOTAL_ITEMS_QUANTITY" => {
            SortKey::int(order.line_items.iter().map(|line| i64::from(line.quantity)).sum(), order.id)
        }
        "CUSTOMER_NAME" => {
            let name = order.customer_id.and_then(|id| store.customers.get(id)).map(|c| c.display_name());
            SortKey::text(name.as_deref().unwrap_or(""), order.id)
        }
        "FINANCIAL_STATUS" => SortKey::text(order.financial_status.as_rest(), order.id),
        "FULFILLMENT_STATUS" => SortKey::text(order.fulfillment_state().as_graphql(), order.id),
        "PO_NUMBER" => SortKey::text(order.po_number.as_deref().unwrap_or(""), order.id),
        "DESTINATION" => SortKey::text(
            order.shipping_address.as_ref().and_then(|address| address.country_code.as_deref()).unwrap_or(""),
            order.id,
        ),
        _ => SortKey::id(order.id),
    }
}

fn cents(amount: Decimal) -> i64 {
    (amount * Decimal::ONE_HUNDRED).round().try_into().unwrap_or(i64::MAX)
}

/// The index a sort key walks, and the search field that bounds it.
fn index_of(sort_key: &str) -> Option<(Option<TimeIndex>, &'static str)> {
    match sort_key {
        "UPDATED_AT" => Some((Some(TimeIndex::Updated), "updated_at")),
        "CREATED_AT" => Some((Some(TimeIndex::Created), "created_at")),
        "PROCESSED_AT" => Some((Some(TimeIndex::Processed), "processed_at")),
        "ID" | "RELEVANCE" => Some((None, "id")),
        _ => None,
    }
}

/// A page served by walking an index: `first` (with `after` and `reverse`), for the sort keys
/// that have one. `None` when the request needs the general path.
fn indexed_page<'s>(store: &'s Store, query: &Query, sort_key: &str, request: &PageRequest) -> Option<Page<&'s Order>> {
    let first = request.first_count()?;
    if request.last_count().is_some() || request.before_key().is_some() {
        return None;
    }
    let (index, field) = index_of(sort_key)?;
    let after = match request.after_key() {
        None => None,
        Some(SortKey { value: SortValue::Int(value), id }) => Some((*value, *id)),
        Some(_) => return None,
    };
    let reverse = request.is_reverse();
    let (low, high) = query_bounds(query, field);
    let low = low.map_or(Bound::Unbounded, |low| Bound::Included((low, 0)));
    let high = high.map_or(Bound::Unbounded, |high| Bound::Included((high, u64::MAX)));
    // The walk: from the cursor onwards in the page direction, within the query's bounds.
    let (walk_low, walk_high) = match (after, reverse) {
        (Some(after), false) => (tighter_low(low, Bound::Excluded(after)), high),
        (Some(after), true) => (low, tighter_high(high, Bound::Excluded(after))),
        (None, _) => (low, high),
    };
    let key_of = |value: i64, id: u64| if index.is_some() { SortKey::int(value, id) } else { SortKey::id(id) };
    let matches = |id: u64| store.orders.get(id).filter(|order| query.matches(&OrderSearch { order, store }));
    let mut items: Vec<(String, &Order)> = Vec::with_capacity(first.min(256) + 1);
    let mut has_next_page = false;
    for (value, id) in walk(store, index, walk_low, walk_high, reverse) {
        if let Some(order) = matches(id) {
            if items.len() == first {
                has_next_page = true;
                break;
            }
            items.push((key_of(value, id).cursor(), order));
        }
    }
    // As the general path: a previous page exists when a matching order precedes the cursor.
    let has_previous_page = match (after, reverse) {
        (Some(after), false) => walk(store, index, low, tighter_high(high, Bound::Included(after)), true)
            .any(|(_, id)| matches(id).is_some()),
        (Some(after), true) => walk(store, index, tighter_low(low, Bound::Included(after)), high, false)
            .any(|(_, id)| matches(id).is_some()),
        (None, _) => false,
    };
    Some(Page { items, has_next_page, has_previous_page })
}

/// `(value, id)` keys of an index within bounds, in either direction.
fn walk<'s>(
    store: &'s Store,
    index: Option<TimeIndex>,
    low: Bound<(i64, u64)>,
    high: Bound<(i64, u64)>,
    backwards: bool,
) -> Box<dyn Iterator<Item = (i64, u64)> + 's> {
    if !range_is_valid(&low, &high) {
        return Box::new(std::iter::empty());
    }
    match index {
        Some(index) => {
            let keys = store.orders.time_range(index, (low, high)).copied();
            if backwards { Box::new(keys.rev()) } else { Box::new(keys) }
        }
        None => {
            let id_bound = |bound: Bound<(i64, u64)>| match bound {
                Bound::Included((_, id)) => Bound::Included(id),
                Bound::Excluded((_, id)) => Bound::Excluded(id),
                Bound::Unbounded => Bound::Unbounded,
            };
            let orders = store.orders.id_range((id_bound(low), id_bound(high))).map(|order| (0, order.id));
            if backwards { Box::new(orders.rev()) } else { Box::new(orders) }
        }
    }
}

/// Whether `low..high` is a range `BTreeSet::range` accepts and that can hold anything.
fn range_is_valid(low: &Bound<(i64, u64)>, high: &Bound<(i64, u64)>) -> bool {
    match (low, high) {
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b))
        | (Bound::Excluded(a), Bound::Excluded(b)) => a < b,
        _ => true,
    }
}

fn bound_key(bound: &Bound<(i64, u64)>) -> Option<(i64, u64)> {
    match bound {
        Bound::Included(key) | Bound::Excluded(key) => Some(*key),
        Bound::Unbounded => None,
    }
}

/// The stricter of two lower bounds.
fn tighter_low(a: Bound<(i64, u64)>, b: Bound<(i64, u64)>) -> Bound<(i64, u64)> {
    match (bound_key(&a), bound_key(&b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(x), Some(y)) if x > y => a,
        (Some(x), Some(y)) if y > x => b,
        _ => {
            if matches!(a, Bound::Excluded(_)) {
                a
            } else {
                b
            }
        }
    }
}

/// The stricter of two upper bounds.
fn tighter_high(a: Bound<(i64, u64)>, b: Bound<(i64, u64)>) -> Bound<(i64, u64)> {
    match (bound_key(&a), bound_key(&b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(x), Some(y)) if x < y => a,
        (Some(x), Some(y)) if y < x => b,
        _ => {
            if matches!(a, Bound::Excluded(_)) {
                a
            } else {
                b
            }
        }
    }
}

/// Lower and upper bounds (seconds or ids) that every matching order's `field` lies within, as
/// far as the top-level AND of the query says. Only narrows the walk: the query still filters.
fn query_bounds(query: &Query, field: &str) -> (Option<i64>, Option<i64>) {
    match query {
        Query::Term(term) if term.field.as_deref() == Some(field) => {
            let value = if field == "id" {
                let text = term.value.rsplit('/').next().unwrap_or(&term.value);
                text.parse::<i64>().ok()
            } else {
                parse_time(&term.value).map(|at| at.as_second())
            };
            match (term.comparator, value) {
                (Comparator::Greater | Comparator::GreaterOrEqual, Some(value)) => (Some(value), None),
                (Comparator::Less | Comparator::LessOrEqual, Some(value)) => (None, Some(value)),
                (Comparator::Equal, Some(value)) if field == "id" => (Some(value), Some(value)),
                _ => (None, None),
            }
        }
        Query::And(parts) => parts
            .iter()
            .map(|part| query_bounds(part, field))
            .fold((None, None), |acc, bounds| (max_option(acc.0, bounds.0), min_option(acc.1, bounds.1))),
        _ => (None, None),
    }
}

fn max_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An order as the `query:` filter of `orders` sees it
/// (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders, argument `query`).
pub struct OrderSearch<'s> {
    pub order: &'s Order,
    pub store: &'s Store,
}

impl Searchable for OrderSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let order = self.order;
        let any_value = |test: &dyn Fn(&str) -> bool| term.value.split(',').map(str::trim).any(test);
        Some(match field {
            "id" => term.matches_number(order.id as i64),
            "name" => {
                let name = order.name();
                term.matches_text(&name) || term.matches_text(name.trim_start_matches('#'))
            }
            "status" => any_value(&|status| order.has_status(status)),
            "financial_status" => any_value(&|status| match status.to_ascii_lowercase().as_str() {
                "any" => true,
                "unpaid" => matches!(order.financial_status.as_rest(), "pending" | "authorized" | "partially_paid"),
                wanted => order.financial_status.as_rest() == wanted,
            }),
            "fulfillment_status" => {
                let state = order.fulfillment_state().as_graphql();
                any_value(&|status| match status.to_ascii_lowercase().as_str() {
                    "any" => true,
                    "shipped" | "fulfilled" => state == "FULFILLED",
                    "partial" => state == "PARTIALLY_FULFILLED",
                    "unshipped" => state == "UNFULFILLED",
                    "unfulfilled" => state != "FULFILLED",
                    other => state.eq_ignore_ascii_case(other),
                })
            }
            "tag" => order.tags.iter().any(|tag| term.matches_text(tag)),
            "tag_not" => !order.tags.iter().any(|tag| term.matches_text(tag)),
            "sku" => order.line_items.iter().any(|line| term.matches_optional_text(line.sku.as_deref())),
            "email" => term.matches_optional_text(order.email.as_deref()),
            "phone" => term.matches_optional_text(order.phone.as_deref()),
            "created_at" => time_matches(term, order.created_at),
            "updated_at" => time_matches(term, order.updated_at),
            "processed_at" => time_matches(term, order.processed_at),
            "customer_id" => order.customer_id.is_some_and(|id| term.matches_number(id as i64)),
            "test" => term.matches_text(if order.test { "true" } else { "false" }),
            "source_name" => term.matches_text(&order.source_name),
            "po_number" => term.matches_optional_text(order.po_number.as_deref()),
            "discount_code" => order.discount_codes.iter().any(|code| term.matches_text(code)),
            "gateway" => order.payment_gateway_names.iter().any(|gateway| term.matches_text(gateway)),
            "return_status" => term.matches_text(order.return_status()),
            "delivery_method" => term.matches_text(if order.requires_shipping() { "shipping" } else { "none" }),
            "location_id" | "fulfillment_location_id" => {
                order.fulfillment_orders.iter().any(|fo| term.matches_number(fo.location_id as i64))
            }
            "subtotal_line_items_quantity" => {
                term.matches_number(order.line_items.iter().map(|line| i64::from(line.quantity)).sum())
            }
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        let wanted = text.trim_end_matches('*').to_lowercase();
        let order = self.order;
        let name = order.name().to_lowercase();
        name == wanted
            || name.trim_start_matches('#') == wanted
            || order.email.as_deref().is_some_and(|email| email.to_lowercase().contains(&wanted))
            || order.tags.iter().any(|tag| tag.to_lowercase() == wanted)
            || order.line_items.iter().any(|line| line.sku.as_deref().is_some_and(|sku| sku.to_lowercase() == wanted))
            || order
                .customer_id
                .and_then(|id| self.store.customers.get(id))
                .is_some_and(|customer| customer.display_name().to_lowercase().contains(&wanted))
    }
}

/// Time terms accept `now` besides dates and times.
fn time_matches(term: &Term, at: jiff::Timestamp) -> bool {
    if term.value.eq_ignore_ascii_case("now") {
        let now = Term { value: crate::store::format_time(jiff::Timestamp::now()), ..term.clone() };
        return now.matches_time(at);
    }
    term.matches_time(at)
}

fn root_fulfillment_orders<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let include_closed = call.arg_bool("includeClosed").unwrap_or(false);
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let items: Vec<(SortKey, FulfillmentOrderObject<'a>)> = ctx
        .store
        .orders
        .iter()
        .flat_map(|order| order.fulfillment_orders.iter().map(move |fo| (order, fo)))
        .filter(|(_, fo)| include_closed || fo.status != FulfillmentOrderStatus::Closed)
        .filter(|(order, fo)| query.matches(&FulfillmentOrderSearch { order, fo }))
        .map(|(order, fo)| (SortKey::id(fo.id), FulfillmentOrderObject { order, fo }))
        .collect();
    Connection::new("FulfillmentOrderConnection", "FulfillmentOrderEdge", paginate(items, &request), |fo| {
        Rc::new(fo) as Rc<dyn Object>
    })
    .output()
}

struct FulfillmentOrderSearch<'s> {
    order: &'s Order,
    fo: &'s FulfillmentOrder,
}

impl Searchable for FulfillmentOrderSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        Some(match field {
            "id" => term.matches_number(self.fo.id as i64),
            "status" => term.matches_text(self.fo.status.as_graphql()),
            "assigned_location_id" => term.matches_number(self.fo.location_id as i64),
            "updated_at" => term.matches_time(self.fo.updated_at),
            "order_id" => term.matches_number(self.order.id as i64),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.order.name().eq_ignore_ascii_case(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A `MoneyBag` in the shop currency (presentment money is the same).
pub fn bag<'a>(ctx: &'a Ctx<'a>, amount: Decimal) -> Resolved<'a> {
    object(Bag { amount, currency: &ctx.store.shop.currency_code })
}

/// A `MoneyV2` in the shop currency.
pub fn money<'a>(ctx: &'a Ctx<'a>, amount: Decimal) -> Resolved<'a> {
    object(Money { amount, currency: &ctx.store.shop.currency_code })
}

/// A string leaf from an owned string (ids, names: no second copy).
fn owned<'a>(value: String) -> Resolved<'a> {
    Ok(Output::Value(Json::String(value)))
}

/// `MoneyBag` borrowing the shop currency: orders carry a dozen money bags each, so this saves
/// allocations on every page.
struct Bag<'s> {
    amount: Decimal,
    currency: &'s str,
}

impl Object for Bag<'_> {
    fn type_name(&self) -> &'static str {
        "MoneyBag"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "shopMoney" | "presentmentMoney" => object(Money { amount: self.amount, currency: self.currency }),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MoneyV2` borrowing the shop currency.
struct Money<'s> {
    amount: Decimal,
    currency: &'s str,
}

impl Object for Money<'_> {
    fn type_name(&self) -> &'static str {
        "MoneyV2"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "amount" => leaf(Json::String(super::format_decimal(self.amount))),
            "currencyCode" => text(self.currency),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// A connection over a list already in order, paged by the call's arguments.
fn list_connection<'a, T>(
    call: &FieldCall<'_>,
    type_name: &'static str,
    edge_type_name: &'static str,
    items: impl Iterator<Item = (u64, T)>,
    to_node: impl FnMut(T) -> Rc<dyn Object + 'a>,
) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let items: Vec<(SortKey, T)> = items.map(|(id, item)| (SortKey::id(id), item)).collect();
    Connection::new(type_name, edge_type_name, paginate(items, &request), to_node).output()
}

/// A plain list limited by an optional `first` argument.
fn first_of<'a, T>(
    call: &FieldCall<'_>,
    items: impl Iterator<Item = T>,
    to_output: impl FnMut(T) -> Output<'a>,
) -> Resolved<'a> {
    let limit = call.arg_i64("first").map_or(usize::MAX, |first| first.max(0) as usize);
    Ok(Output::List(items.take(limit).map(to_output).collect()))
}

fn attributes<'a>(attributes: &'a [Attribute]) -> Resolved<'a> {
    Ok(Output::List(attributes.iter().map(|attribute| Output::Object(Rc::new(AttributeObject(attribute)))).collect()))
}

fn tax_lines<'a>(call: &FieldCall<'_>, lines: &'a [TaxLine]) -> Resolved<'a> {
    first_of(call, lines.iter(), |tax| Output::Object(Rc::new(TaxLineObject(tax))))
}

fn optional<'a, T>(value: Option<T>, to_object: impl FnOnce(T) -> Rc<dyn Object + 'a>) -> Resolved<'a> {
    Ok(value.map_or(Output::Null, |value| Output::Object(to_object(value))))
}

fn decimal_float(value: Decimal) -> Json {
    value.normalize().to_string().parse::<f64>().map_or(Json::Null, |number| json!(number))
}

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

/// `Order`.
pub struct OrderObject<'s>(pub &'s Order);

impl Object for OrderObject<'_> {
    fn type_name(&self) -> &'static str {
        "Order"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let order = self.0;
        let store = ctx.store;
        if let Some(resolved) = super::metafields::owner_field("Order", order.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            // The number the name is made of with the shop's prefix (`#`) and suffix.
            "number" => Ok(Output::Value(Json::from(order.number))),
            "risk" => object(RiskSummary),
            "merchantBusinessEntity" => object(BusinessEntityObject(&store.shop)),
            "totalCashRoundingAdjustment" => object(CashRounding),
            "id" => owned(gid::format("Order", order.id)),
            "legacyResourceId" => owned(order.id.to_string()),
            "name" => owned(order.name()),
            "email" => optional_text(order.email.as_deref()),
            "phone" => optional_text(order.phone.as_deref()),
            "createdAt" => time(order.created_at),
            "updatedAt" => time(order.updated_at),
            "processedAt" => time(order.processed_at),
            "cancelledAt" => {
                Ok(order.cancelled_at.map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at)))))
            }
            "cancelReason" => optional_text(order.cancel_reason.map(|reason| reason.as_graphql())),
            "closed" => leaf(json!(order.closed())),
            "closedAt" => {
                Ok(order.closed_at.map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at)))))
            }
            "confirmed" => leaf(json!(true)),
            "test" => leaf(json!(order.test)),
            "note" => optional_text(order.note.as_deref()),
            "tags" => strings(&order.tags),
            "sourceName" => text(&order.source_name),
            "sourceIdentifier"
            | "clientIp"
            | "customerJourneySummary"
            | "app"
            | "merchantOfRecordApp"
            | "physicalLocation"
            | "retailLocation"
            | "publication"
            | "purchasingEntity"
            | "staffMember"
            | "cancellation"
            | "currentTotalDutiesSet"
            | "originalTotalDutiesSet"
            | "currentTotalAdditionalFeesSet"
            | "originalTotalAdditionalFeesSet"
            | "shopifyProtect"
            | "registeredSourceUrl"
            | "channelInformation"
            | "metafield" => Ok(Output::Null),
            "poNumber" => optional_text(order.po_number.as_deref()),
            "currencyCode" | "presentmentCurrencyCode" => text(&store.shop.currency_code),
            "taxesIncluded" => leaf(json!(order.taxes_included)),
            "taxExempt" => leaf(json!(
                order.customer_id.and_then(|id| store.customers.get(id)).is_some_and(|customer| customer.tax_exempt)
            )),
            "dutiesIncluded" | "estimatedTaxes" | "edited" | "hasTimelineComment" => leaf(json!(false)),
            "displayFinancialStatus" => text(order.financial_status.as_graphql()),
            "displayFulfillmentStatus" => text(order.fulfillment_state().as_graphql()),
            "returnStatus" => text(order.return_status()),
            "discountCodes" => strings(&order.discount_codes),
            "discountCode" => optional_text(order.discount_codes.first().map(String::as_str)),
            "paymentGatewayNames" => {
                leaf(json!(order.payment_gateway_names.iter().map(|gateway| gateway.to_string()).collect::<Vec<_>>()))
            }
            "customAttributes" => attributes(&order.custom_attributes),
            "totalPriceSet" | "originalTotalPriceSet" => bag(ctx, order.total_price()),
            "subtotalPriceSet" => bag(ctx, order.subtotal()),
            "totalTaxSet" => bag(ctx, order.total_tax()),
            "totalDiscountsSet" => bag(ctx, order.total_discounts()),
            "totalShippingPriceSet" => bag(ctx, order.total_shipping()),
            "totalRefundedSet" => bag(ctx, order.total_refunded()),
            "totalOutstandingSet" => bag(ctx, order.total_outstanding()),
            "totalReceivedSet" => bag(ctx, order.total_received()),
            "netPaymentSet" => bag(ctx, order.total_received() - order.total_refunded()),
            "totalCapturableSet" => bag(ctx, order.total_capturable()),
            "currentTotalPriceSet" => bag(ctx, order.current_total_price()),
            "currentSubtotalPriceSet" => bag(ctx, order.current_subtotal()),
            "currentTotalTaxSet" => bag(ctx, order.current_total_tax()),
            "currentTotalDiscountsSet" => bag(ctx, order.current_total_discounts()),
            "currentShippingPriceSet" => bag(ctx, order.current_shipping()),
            "totalTipReceivedSet"
            | "totalRefundedShippingSet"
            | "refundDiscrepancySet"
            | "currentCartDiscountAmountSet" => bag(ctx, Decimal::ZERO),
            "cartDiscountAmountSet" => Ok(Output::Null),
            "subtotalLineItemsQuantity" => leaf(json!(order.line_items.iter().map(|line| line.quantity).sum::<u32>())),
            "currentSubtotalLineItemsQuantity" => {
                leaf(json!(order.line_items.iter().map(|line| order.current_quantity(line)).sum::<u32>()))
            }
            "totalWeight" | "currentTotalWeight" => leaf(json!(order.total_weight().to_string())),
            "paymentTerms" => {
                optional(order.payment_terms.as_ref(), |terms| Rc::new(PaymentTermsObject { order, terms }))
            }
            "customer" => optional(order.customer_id.and_then(|id| store.customers.get(id)), |customer| {
                Rc::new(CustomerObject(customer))
            }),
            "customerLocale" => optional_text(
                order.customer_id.and_then(|id| store.customers.get(id)).map(|customer| &*customer.locale),
            ),
            "customerAcceptsMarketing" => leaf(json!(
                order
                    .customer_id
                    .and_then(|id| store.customers.get(id))
                    .is_some_and(|customer| customer.email_marketing == "SUBSCRIBED")
            )),
            "shippingAddress" | "displayAddress" => {
                optional(order.shipping_address.as_deref(), |address| Rc::new(MailingAddressObject(address)))
            }
            "billingAddress" => {
                optional(order.billing_address.as_deref(), |address| Rc::new(MailingAddressObject(address)))
            }
            "billingAddressMatchesShippingAddress" => {
                let same = match (&order.billing_address, &order.shipping_address) {
                    (Some(billing), Some(shipping)) => {
                        let strip = |address: &Address| Address { id: 0, ..address.clone() };
                        strip(billing) == strip(shipping)
                    }
                    (None, None) => true,
                    _ => false,
                };
                leaf(json!(same))
            }
            "taxLines" | "currentTaxLines" => {
                let mut summed: Vec<TaxLine> = Vec::new();
                let all = order
                    .line_items
                    .iter()
                    .flat_map(|line| &line.tax_lines)
                    .chain(order.shipping_lines.iter().flat_map(|line| &line.tax_lines));
                for tax in all {
                    match summed.iter_mut().find(|existing| existing.title == tax.title && existing.rate == tax.rate) {
                        Some(existing) => existing.price += tax.price,
                        None => summed.push(tax.clone()),
                    }
                }
                Ok(Output::List(summed.into_iter().map(|tax| Output::Object(Rc::new(OwnedTaxLine(tax)))).collect()))
            }
            "shippingLines" => {
                let include_removals = call.arg_bool("includeRemovals").unwrap_or(false);
                list_connection(
                    call,
                    "ShippingLineConnection",
                    "ShippingLineEdge",
                    order
                        .shipping_lines
                        .iter()
                        .filter(|line| include_removals || !line.is_removed)
                        .map(|line| (line.id, line)),
                    |line| Rc::new(ShippingLineObject(line)) as Rc<dyn Object>,
                )
            }
            "shippingLine" => optional(order.shipping_lines.iter().find(|line| !line.is_removed), |line| {
                Rc::new(ShippingLineObject(line))
            }),
            "lineItems" => list_connection(
                call,
                "LineItemConnection",
                "LineItemEdge",
                order.line_items.iter().map(|line| (line.id, line)),
                |line| Rc::new(LineItemObject { order, line }) as Rc<dyn Object>,
            ),
            "nonFulfillableLineItems" => list_connection(
                call,
                "LineItemConnection",
                "LineItemEdge",
                order.line_items.iter().filter(|line| !line.requires_shipping).map(|line| (line.id, line)),
                |line| Rc::new(LineItemObject { order, line }) as Rc<dyn Object>,
            ),
            "discountApplications" => list_connection(
                call,
                "DiscountApplicationConnection",
                "DiscountApplicationEdge",
                order
                    .discount_applications
                    .iter()
                    .enumerate()
                    .map(|(index, application)| (index as u64, (index, application))),
                |(index, application)| Rc::new(DiscountApplicationObject { index, application }) as Rc<dyn Object>,
            ),
            "fulfillmentOrders" => {
                let query = Query::parse(call.arg_str("query").unwrap_or(""));
                list_connection(
                    call,
                    "FulfillmentOrderConnection",
                    "FulfillmentOrderEdge",
                    order
                        .fulfillment_orders
                        .iter()
                        .filter(|fo| query.matches(&FulfillmentOrderSearch { order, fo }))
                        .map(|fo| (fo.id, fo)),
                    |fo| Rc::new(FulfillmentOrderObject { order, fo }) as Rc<dyn Object>,
                )
            }
            "fulfillments" => first_of(call, order.fulfillments.iter(), |fulfillment| {
                Output::Object(Rc::new(FulfillmentObject { order, fulfillment }))
            }),
            "fulfillmentsCount" => object(Count(order.fulfillments.len())),
            "transactions" => {
                let capturable = call.arg_bool("capturable");
                first_of(
                    call,
                    order.transactions.iter().filter(|transaction| {
                        capturable.is_none_or(|wanted| (transaction.kind == "AUTHORIZATION") == wanted)
                    }),
                    |transaction| Output::Object(Rc::new(TransactionObject { order, transaction })),
                )
            }
            "transactionsCount" => object(Count(order.transactions.len())),
            "refunds" => {
                first_of(call, order.refunds.iter(), |refund| Output::Object(Rc::new(RefundObject { order, refund })))
            }
            "returns" => list_connection(
                call,
                "ReturnConnection",
                "ReturnEdge",
                order.returns.iter().map(|ret| (ret.id, ret)),
                |ret| Rc::new(ReturnObject { order, ret }) as Rc<dyn Object>,
            ),
            "requiresShipping" => leaf(json!(order.requires_shipping())),
            "fulfillable" => leaf(json!(
                !order.cancelled() && order.line_items.iter().any(|line| order.unfulfilled_quantity(line) > 0)
            )),
            "fullyPaid" => leaf(json!(order.total_outstanding().is_zero())),
            "unpaid" => leaf(json!(order.total_received().is_zero() && !order.total_price().is_zero())),
            "canMarkAsPaid" => leaf(json!(
                !order.cancelled() && matches!(order.financial_status.as_rest(), "pending" | "partially_paid")
            )),
            "capturable" => leaf(json!(!order.total_capturable().is_zero())),
            "refundable" => leaf(json!(!order.cancelled() && order.total_received() > order.total_refunded())),
            "restockable" | "merchantEditable" | "canNotifyCustomer" => leaf(json!(!order.cancelled())),
            "merchantEditableErrors" | "discountApplicationsCodes" | "additionalFees" | "disputes" | "alerts" => {
                leaf(json!([]))
            }
            "confirmationNumber" => owned(crate::model::orders::rest::confirmation_number(order.id)),
            "statusPageUrl" => owned(format!(
                "https://{}/{}/orders/{:032x}/authenticate?key=simulated",
                store.shop.myshopify_domain, store.shop.id, order.id
            )),
            "customerJourney" | "landingPageUrl" | "referrerUrl" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Line items, taxes, discounts
// ---------------------------------------------------------------------------------------------

/// `LineItem`.
pub struct LineItemObject<'s> {
    pub order: &'s Order,
    pub line: &'s LineItem,
}

impl Object for LineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "LineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, line) = (self.order, self.line);
        let catalog = &ctx.store.catalog;
        let unit_discount = if line.quantity == 0 {
            Decimal::ZERO
        } else {
            (line.discount_total() / Decimal::from(line.quantity)).round_dp(2)
        };
        match call.name() {
            "id" => owned(gid::format("LineItem", line.id)),
            "name" => owned(line.name()),
            "title" => text(&line.title),
            "variantTitle" => optional_text(line.variant_title.as_deref()),
            "vendor" => optional_text(line.vendor.as_deref()),
            "sku" => optional_text(line.sku.as_deref()),
            "quantity" => leaf(json!(line.quantity)),
            "currentQuantity" => leaf(json!(order.current_quantity(line))),
            "unfulfilledQuantity" | "fulfillableQuantity" => leaf(json!(order.unfulfilled_quantity(line))),
            "nonFulfillableQuantity" => leaf(json!(
                order
                    .current_quantity(line)
                    .saturating_sub(order.unfulfilled_quantity(line))
                    .saturating_sub(order.fulfilled_quantity(line.id))
            )),
            "refundableQuantity" => leaf(json!(order.current_quantity(line))),
            "fulfillmentStatus" => {
                let fulfilled = order.fulfilled_quantity(line.id);
                text(if fulfilled == 0 {
                    "unfulfilled"
                } else if fulfilled >= order.current_quantity(line) {
                    "fulfilled"
                } else {
                    "partial"
                })
            }
            "requiresShipping" => leaf(json!(line.requires_shipping)),
            "isGiftCard" => leaf(json!(line.is_gift_card)),
            "taxable" => leaf(json!(line.taxable)),
            "merchantEditable" | "restockable" => leaf(json!(!order.cancelled())),
            "canRestock" => leaf(json!(!order.cancelled())),
            "customAttributes" => attributes(&line.custom_attributes),
            "variant" => optional(line.variant_id.and_then(|id| catalog.variants.get(&id)), |variant| {
                Rc::new(VariantObject(variant))
            }),
            "product" => optional(line.product_id.and_then(|id| catalog.products.get(&id)), |product| {
                Rc::new(ProductObject(product))
            }),
            "originalUnitPriceSet" => bag(ctx, line.price),
            "discountedUnitPriceSet" | "discountedUnitPriceAfterAllDiscountsSet" => {
                bag(ctx, line.price - unit_discount)
            }
            "originalTotalSet" => bag(ctx, line.original_total()),
            "discountedTotalSet" => bag(ctx, line.original_total() - line.discount_total()),
            "totalDiscountSet" => bag(ctx, line.discount_total()),
            "unfulfilledOriginalTotalSet" => bag(ctx, line.price * Decimal::from(order.unfulfilled_quantity(line))),
            "unfulfilledDiscountedTotalSet" => {
                bag(ctx, (line.price - unit_discount) * Decimal::from(order.unfulfilled_quantity(line)))
            }
            "discountAllocations" => Ok(Output::List(
                line.discount_allocations
                    .iter()
                    .map(|allocation| Output::Object(Rc::new(DiscountAllocationObject { order, allocation })))
                    .collect(),
            )),
            "taxLines" => tax_lines(call, &line.tax_lines),
            "duties" => leaf(json!([])),
            "image" | "fulfillmentService" | "lineItemGroup" | "sellingPlan" | "staffMember" | "contract" => {
                Ok(Output::Null)
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct TaxLineObject<'s>(&'s TaxLine);

impl Object for TaxLineObject<'_> {
    fn type_name(&self) -> &'static str {
        "TaxLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        tax_line_field(self.0, call, ctx)
    }
}

/// A tax line summed over the order (owned).
struct OwnedTaxLine(TaxLine);

impl Object for OwnedTaxLine {
    fn type_name(&self) -> &'static str {
        "TaxLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        tax_line_field(&self.0, call, ctx)
    }
}

fn tax_line_field<'a>(tax: &TaxLine, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    match call.name() {
        "title" => text(&tax.title),
        "rate" => leaf(decimal_float(tax.rate)),
        "ratePercentage" => leaf(decimal_float(tax.rate * Decimal::ONE_HUNDRED)),
        "channelLiable" => leaf(json!(false)),
        "source" => text("Shopify"),
        "priceSet" => bag(ctx, tax.price),
        _ => Err(FieldError::NotImplemented),
    }
}

struct DiscountAllocationObject<'s> {
    order: &'s Order,
    allocation: &'s DiscountAllocation,
}

impl Object for DiscountAllocationObject<'_> {
    fn type_name(&self) -> &'static str {
        "DiscountAllocation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "allocatedAmountSet" => bag(ctx, self.allocation.amount),
            "discountApplication" => {
                let index = self.allocation.application_index;
                match self.order.discount_applications.get(index) {
                    Some(application) => object(DiscountApplicationObject { index, application }),
                    None => Ok(Output::Null),
                }
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DiscountApplicationObject<'s> {
    index: usize,
    application: &'s DiscountApplication,
}

impl Object for DiscountApplicationObject<'_> {
    fn type_name(&self) -> &'static str {
        match self.application.kind {
            DiscountKind::Code(_) => "DiscountCodeApplication",
            DiscountKind::Automatic(_) => "AutomaticDiscountApplication",
            DiscountKind::Manual { .. } => "ManualDiscountApplication",
        }
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let application = self.application;
        match call.name() {
            "allocationMethod" => text(application.allocation_method),
            "targetSelection" => text(application.target_selection),
            "targetType" => text(application.target_type),
            "index" => leaf(json!(self.index)),
            "value" => match application.value {
                DiscountValue::Percentage(percentage) => object(PercentageValue(percentage)),
                DiscountValue::Fixed(amount) => money(ctx, amount),
            },
            "code" => match &application.kind {
                DiscountKind::Code(code) => text(code),
                _ => Err(FieldError::NotImplemented),
            },
            "title" => match &application.kind {
                DiscountKind::Automatic(title) | DiscountKind::Manual { title, .. } => text(title),
                DiscountKind::Code(code) => text(code),
            },
            "description" => match &application.kind {
                DiscountKind::Manual { description, .. } => optional_text(description.as_deref()),
                _ => Ok(Output::Null),
            },
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct PercentageValue(Decimal);

impl Object for PercentageValue {
    fn type_name(&self) -> &'static str {
        "PricingPercentageValue"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "percentage" => leaf(decimal_float(self.0)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AttributeObject<'s>(&'s Attribute);

impl Object for AttributeObject<'_> {
    fn type_name(&self) -> &'static str {
        "Attribute"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "key" => text(&self.0.key),
            "value" => optional_text(self.0.value.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ShippingLineObject<'s>(&'s ShippingLine);

impl Object for ShippingLineObject<'_> {
    fn type_name(&self) -> &'static str {
        "ShippingLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let line = self.0;
        match call.name() {
            "id" => owned(gid::format("ShippingLine", line.id)),
            "title" => text(&line.title),
            "code" => optional_text(line.code.as_deref()),
            "source" => optional_text(line.source.as_deref()),
            "carrierIdentifier" => optional_text(line.carrier_identifier.as_deref()),
            "isRemoved" => leaf(json!(line.is_removed)),
            "custom" => leaf(json!(line.source.is_none())),
            "originalPriceSet" => bag(ctx, line.price),
            "discountedPriceSet" | "currentDiscountedPriceSet" => bag(ctx, line.discounted_price()),
            "taxLines" => tax_lines(call, &line.tax_lines),
            "discountAllocations" => Ok(Output::List(Vec::new())),
            "deliveryCategory" | "phone" | "shippingRateHandle" | "requestedFulfillmentService" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MailingAddress`.
pub struct MailingAddressObject<'s>(pub &'s Address);

impl Object for MailingAddressObject<'_> {
    fn type_name(&self) -> &'static str {
        "MailingAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let address = self.0;
        match call.name() {
            "id" => owned(format!("gid://shopify/MailingAddress/{}?model_name=Address", address.id)),
            "firstName" => optional_text(address.first_name.as_deref()),
            "lastName" => optional_text(address.last_name.as_deref()),
            "name" => optional_text(address.name().as_deref()),
            "company" => optional_text(address.company.as_deref()),
            "address1" => optional_text(address.address1.as_deref()),
            "address2" => optional_text(address.address2.as_deref()),
            "city" => optional_text(address.city.as_deref()),
            "zip" => optional_text(address.zip.as_deref()),
            "province" => optional_text(address.province.as_deref()),
            "provinceCode" => optional_text(address.province_code.as_deref()),
            "country" => optional_text(address.country()),
            "countryCodeV2" | "countryCode" => optional_text(address.country_code.as_deref()),
            "phone" => optional_text(address.phone.as_deref()),
            "coordinatesValidated" => leaf(json!(false)),
            "latitude" | "longitude" | "timeZone" | "validationResultSummary" => Ok(Output::Null),
            "formattedArea" => {
                let parts: Vec<&str> = [address.city.as_deref(), address.province_code.as_deref(), address.country()]
                    .into_iter()
                    .flatten()
                    .collect();
                optional_text((!parts.is_empty()).then(|| parts.join(", ")).as_deref())
            }
            "formatted" => {
                let with_name = call.arg_bool("withName").unwrap_or(false);
                let with_company = call.arg_bool("withCompany").unwrap_or(true);
                let mut lines: Vec<String> = Vec::new();
                if with_name && let Some(name) = address.name() {
                    lines.push(name);
                }
                if with_company && let Some(company) = &address.company {
                    lines.push(company.clone());
                }
                lines.extend(address.address1.clone());
                lines.extend(address.address2.clone().filter(|line| !line.is_empty()));
                let city_line: Vec<&str> =
                    [address.zip.as_deref(), address.city.as_deref()].into_iter().flatten().collect();
                if !city_line.is_empty() {
                    lines.push(city_line.join(" "));
                }
                lines.extend(address.country().map(str::to_string));
                leaf(json!(lines))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct PaymentTermsObject<'s> {
    order: &'s Order,
    terms: &'s PaymentTerms,
}

impl Object for PaymentTermsObject<'_> {
    fn type_name(&self) -> &'static str {
        "PaymentTerms"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let terms = self.terms;
        match call.name() {
            "id" => owned(gid::format("PaymentTerms", terms.id)),
            "paymentTermsName" | "translatedName" => text(&terms.name),
            "paymentTermsType" => text(terms.kind),
            "dueInDays" => leaf(json!(terms.due_in_days)),
            "overdue" => leaf(json!(self.order.payment_terms_overdue(jiff::Timestamp::now()))),
            "order" => object(OrderObject(self.order)),
            "draftOrder" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions, refunds, returns
// ---------------------------------------------------------------------------------------------

struct TransactionObject<'s> {
    order: &'s Order,
    transaction: &'s Transaction,
}

impl Object for TransactionObject<'_> {
    fn type_name(&self) -> &'static str {
        "OrderTransaction"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, transaction) = (self.order, self.transaction);
        match call.name() {
            "id" => owned(gid::format("OrderTransaction", transaction.id)),
            "kind" => text(transaction.kind),
            "status" => text(transaction.status),
            "gateway" => text(&transaction.gateway),
            "formattedGateway" => text(&formatted_gateway(&transaction.gateway)),
            "test" => leaf(json!(transaction.test)),
            "createdAt" => time(transaction.created_at),
            "processedAt" => time(transaction.processed_at),
            "errorCode" => optional_text(transaction.error_code),
            "amountSet" => bag(ctx, transaction.amount),
            "manualPaymentGateway" => leaf(json!(transaction.gateway.as_ref() == "manual")),
            "manuallyCapturable" | "multiCapturable" => leaf(json!(false)),
            "parentTransaction" => optional(
                transaction.parent_id.and_then(|id| order.transactions.iter().find(|parent| parent.id == id)),
                |parent| Rc::new(TransactionObject { order, transaction: parent }),
            ),
            "order" => object(OrderObject(order)),
            "paymentId" => owned(format!("{}.{}", order.name(), transaction.id % 100)),
            "fees" => leaf(json!([])),
            "accountNumber"
            | "authorizationCode"
            | "authorizationExpiresAt"
            | "paymentDetails"
            | "paymentIcon"
            | "receiptJson"
            | "settlementCurrency"
            | "settlementCurrencyRate"
            | "shopifyPaymentsSet"
            | "totalUnsettledSet"
            | "amountRoundingSet"
            | "maximumRefundableV2"
            | "user" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RefundObject<'s> {
    order: &'s Order,
    refund: &'s Refund,
}

impl Object for RefundObject<'_> {
    fn type_name(&self) -> &'static str {
        "Refund"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, refund) = (self.order, self.refund);
        let transactions =
            || refund.transaction_ids.iter().filter_map(|id| order.transactions.iter().find(|t| t.id == *id));
        match call.name() {
            "id" => owned(gid::format("Refund", refund.id)),
            "legacyResourceId" => text(&refund.id.to_string()),
            "createdAt" | "updatedAt" => time(refund.created_at),
            "note" => optional_text(refund.note.as_deref()),
            "order" => object(OrderObject(order)),
            "totalRefundedSet" => bag(ctx, transactions().map(|transaction| transaction.amount).sum()),
            "refundLineItems" => list_connection(
                call,
                "RefundLineItemConnection",
                "RefundLineItemEdge",
                refund.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(RefundLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "transactions" => list_connection(
                call,
                "OrderTransactionConnection",
                "OrderTransactionEdge",
                transactions().map(|transaction| (transaction.id, transaction)),
                |transaction| Rc::new(TransactionObject { order, transaction }) as Rc<dyn Object>,
            ),
            "orderAdjustments" => list_connection(
                call,
                "OrderAdjustmentConnection",
                "OrderAdjustmentEdge",
                std::iter::empty::<(u64, ())>(),
                |_| unreachable_object(),
            ),
            "refundShippingLines" => list_connection(
                call,
                "RefundShippingLineConnection",
                "RefundShippingLineEdge",
                std::iter::empty::<(u64, ())>(),
                |_| unreachable_object(),
            ),
            "duties" => leaf(json!([])),
            "return" | "staffMember" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// For connections that are always empty in the simulator: never called.
fn unreachable_object<'a>() -> Rc<dyn Object + 'a> {
    Rc::new(Empty)
}

struct Empty;

impl Object for Empty {
    fn type_name(&self) -> &'static str {
        "Node"
    }

    fn field<'a>(&'a self, _call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        Err(FieldError::NotImplemented)
    }
}

struct RefundLineItemObject<'s> {
    order: &'s Order,
    item: &'s RefundLineItem,
}

impl Object for RefundLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "RefundLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        match call.name() {
            "id" => owned(gid::format("RefundLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "restockType" => text(item.restock_type),
            "restocked" => leaf(json!(matches!(item.restock_type, "RETURN" | "CANCEL" | "LEGACY_RESTOCK"))),
            "lineItem" => match order.line_item(item.line_item_id) {
                Some(line) => object(LineItemObject { order, line }),
                None => Ok(Output::Null),
            },
            "location" => optional(item.location_id.and_then(|id| ctx.store.catalog.locations.get(&id)), |location| {
                Rc::new(LocationObject(location))
            }),
            "priceSet" => bag(ctx, order.line_item(item.line_item_id).map_or(Decimal::ZERO, |line| line.price)),
            "subtotalSet" => bag(ctx, item.subtotal),
            "totalTaxSet" => bag(ctx, item.total_tax),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ReturnObject<'s> {
    order: &'s Order,
    ret: &'s Return,
}

impl Object for ReturnObject<'_> {
    fn type_name(&self) -> &'static str {
        "Return"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, ret) = (self.order, self.ret);
        match call.name() {
            "id" => owned(gid::format("Return", ret.id)),
            "name" => text(&ret.name),
            "status" => text(ret.status),
            "totalQuantity" => leaf(json!(ret.line_items.iter().map(|item| item.quantity).sum::<u32>())),
            "order" => object(OrderObject(order)),
            "returnLineItems" => list_connection(
                call,
                "ReturnLineItemTypeConnection",
                "ReturnLineItemTypeEdge",
                ret.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(ReturnLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "returnShippingFees" => leaf(json!([])),
            "decline" | "suggestedRefund" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ReturnLineItemObject<'s> {
    order: &'s Order,
    item: &'s ReturnLineItem,
}

impl Object for ReturnLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "ReturnLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        match call.name() {
            "id" => owned(gid::format("ReturnLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "refundableQuantity" => leaf(json!(item.quantity)),
            "refundedQuantity" => leaf(json!(0)),
            "returnReason" => text(item.return_reason),
            "returnReasonNote" => text(&item.return_reason_note),
            "customerNote" => optional_text(item.customer_note.as_deref()),
            "fulfillmentLineItem" => {
                let found = order
                    .fulfillments
                    .iter()
                    .flat_map(|fulfillment| &fulfillment.line_items)
                    .find(|line| line.id == item.fulfillment_line_item_id);
                match found {
                    Some(line) => object(FulfillmentLineItemObject { order, item: line }),
                    None => Ok(Output::Null),
                }
            }
            "restockingFee" | "totalWeight" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fulfillment orders and fulfillments
// ---------------------------------------------------------------------------------------------

/// `FulfillmentOrder`.
pub struct FulfillmentOrderObject<'s> {
    pub order: &'s Order,
    pub fo: &'s FulfillmentOrder,
}

impl Object for FulfillmentOrderObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrder"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, fo) = (self.order, self.fo);
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrder", fo.id)),
            "status" => text(fo.status.as_graphql()),
            "requestStatus" => text(if fo.status == FulfillmentOrderStatus::Closed { "CLOSED" } else { "UNSUBMITTED" }),
            "createdAt" => time(fo.created_at),
            "updatedAt" => time(fo.updated_at),
            "orderId" => owned(gid::format("Order", order.id)),
            "orderName" => owned(order.name()),
            "orderProcessedAt" => time(order.processed_at),
            "order" => object(OrderObject(order)),
            "assignedLocation" => object(AssignedLocationObject(fo.location_id)),
            "destination" => optional(order.shipping_address.as_deref(), |address| {
                Rc::new(DestinationObject { address, email: order.email.as_deref() })
            }),
            "supportedActions" => {
                let actions: &[&str] = match fo.status {
                    FulfillmentOrderStatus::Open => &["CREATE_FULFILLMENT", "REQUEST_FULFILLMENT", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::InProgress => &["CREATE_FULFILLMENT", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::OnHold => &["RELEASE_HOLD", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::Closed | FulfillmentOrderStatus::Cancelled => &[],
                };
                Ok(Output::List(
                    actions.iter().map(|action| Output::Object(Rc::new(SupportedAction(action)))).collect(),
                ))
            }
            "lineItems" => list_connection(
                call,
                "FulfillmentOrderLineItemConnection",
                "FulfillmentOrderLineItemEdge",
                fo.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(FulfillmentOrderLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "fulfillments" => list_connection(
                call,
                "FulfillmentConnection",
                "FulfillmentEdge",
                order
                    .fulfillments
                    .iter()
                    .filter(|fulfillment| fulfillment.fulfillment_order_ids.contains(&fo.id))
                    .map(|fulfillment| (fulfillment.id, fulfillment)),
                |fulfillment| Rc::new(FulfillmentObject { order, fulfillment }) as Rc<dyn Object>,
            ),
            "fulfillmentHolds" => leaf(json!([])),
            "deliveryMethod" => object(DeliveryMethodObject { id: fo.id, shipping: order.requires_shipping() }),
            "channelId" | "fulfillAt" | "fulfillBy" | "internationalDuties" => Ok(Output::Null),
            "merchantRequests" | "fulfillmentOrdersForMerge" | "locationsForMove" => {
                let _ = ctx;
                Err(FieldError::NotImplemented)
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct SupportedAction(&'static str);

impl Object for SupportedAction {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderSupportedAction"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "action" => text(self.0),
            "externalUrl" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DeliveryMethodObject {
    id: u64,
    shipping: bool,
}

impl Object for DeliveryMethodObject {
    fn type_name(&self) -> &'static str {
        "DeliveryMethod"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => owned(gid::format("DeliveryMethod", self.id)),
            "methodType" => text(if self.shipping { "SHIPPING" } else { "NONE" }),
            "minDeliveryDateTime"
            | "maxDeliveryDateTime"
            | "presentedName"
            | "serviceCode"
            | "sourceReference"
            | "additionalInformation"
            | "brandedPromise" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AssignedLocationObject(u64);

impl Object for AssignedLocationObject {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderAssignedLocation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let location = ctx.store.catalog.locations.get(&self.0);
        match call.name() {
            "name" => text(location.map_or("Deleted location", |location| location.name.as_str())),
            "location" => optional(location, |location| Rc::new(LocationObject(location))),
            "address1" => optional_text(location.map(|location| location.address1.as_str())),
            "city" => optional_text(location.map(|location| location.city.as_str())),
            "zip" => optional_text(location.map(|location| location.zip.as_str())),
            "countryCode" => text(location.map_or("DE", |location| location.country_code.as_str())),
            "address2" | "phone" | "province" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DestinationObject<'s> {
    address: &'s Address,
    email: Option<&'s str>,
}

impl Object for DestinationObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderDestination"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let address = self.address;
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrderDestination", address.id)),
            "email" => optional_text(self.email),
            "countryCode" => optional_text(address.country_code.as_deref()),
            "location" => Ok(Output::Null),
            "address1" => optional_text(address.address1.as_deref()),
            "address2" => optional_text(address.address2.as_deref()),
            "city" => optional_text(address.city.as_deref()),
            "company" => optional_text(address.company.as_deref()),
            "firstName" => optional_text(address.first_name.as_deref()),
            "lastName" => optional_text(address.last_name.as_deref()),
            "phone" => optional_text(address.phone.as_deref()),
            "province" => optional_text(address.province.as_deref()),
            "zip" => optional_text(address.zip.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `FulfillmentOrderLineItem`.
pub struct FulfillmentOrderLineItemObject<'s> {
    pub order: &'s Order,
    pub item: &'s FulfillmentOrderLineItem,
}

impl Object for FulfillmentOrderLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        let line = order.line_item(item.line_item_id);
        let catalog = &ctx.store.catalog;
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrderLineItem", item.id)),
            "totalQuantity" => leaf(json!(item.total_quantity)),
            "remainingQuantity" => leaf(json!(item.remaining_quantity)),
            "lineItem" => optional(line, |line| Rc::new(LineItemObject { order, line })),
            "sku" => optional_text(line.and_then(|line| line.sku.as_deref())),
            "productTitle" => text(line.map_or("", |line| &*line.title)),
            "variantTitle" => optional_text(line.and_then(|line| line.variant_title.as_deref())),
            "vendor" => optional_text(line.and_then(|line| line.vendor.as_deref())),
            "requiresShipping" => leaf(json!(line.is_some_and(|line| line.requires_shipping))),
            "variant" => {
                optional(line.and_then(|line| line.variant_id).and_then(|id| catalog.variants.get(&id)), |variant| {
                    Rc::new(VariantObject(variant))
                })
            }
            "inventoryItemId" => optional_text(
                line.and_then(|line| line.variant_id)
                    .and_then(|id| catalog.variants.get(&id))
                    .map(|variant| gid::format("InventoryItem", variant.inventory_item_id))
                    .as_deref(),
            ),
            "originalUnitPriceSet" => bag(ctx, line.map_or(Decimal::ZERO, |line| line.price)),
            "warnings" | "financialSummaries" => leaf(json!([])),
            "image" | "weight" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Fulfillment`.
pub struct FulfillmentObject<'s> {
    pub order: &'s Order,
    pub fulfillment: &'s Fulfillment,
}

impl Object for FulfillmentObject<'_> {
    fn type_name(&self) -> &'static str {
        "Fulfillment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, fulfillment) = (self.order, self.fulfillment);
        match call.name() {
            "id" => owned(gid::format("Fulfillment", fulfillment.id)),
            "legacyResourceId" => text(&fulfillment.id.to_string()),
            "name" => text(&fulfillment.name),
            "status" => text(fulfillment.status),
            "displayStatus" => text(if fulfillment.status == "SUCCESS" { "FULFILLED" } else { "CANCELED" }),
            "createdAt" => time(fulfillment.created_at),
            "updatedAt" => time(fulfillment.updated_at),
            "order" => object(OrderObject(order)),
            "requiresShipping" => leaf(json!(true)),
            "totalQuantity" => leaf(json!(fulfillment.line_items.iter().map(|item| item.quantity).sum::<u32>())),
            "trackingInfo" => first_of(call, fulfillment.tracking.iter(), |tracking| {
                Output::Object(Rc::new(TrackingInfoObject(tracking)))
            }),
            "location" => {
                optional(fulfillment.location_id.and_then(|id| ctx.store.catalog.locations.get(&id)), |location| {
                    Rc::new(LocationObject(location))
                })
            }
            "fulfillmentLineItems" => list_connection(
                call,
                "FulfillmentLineItemConnection",
                "FulfillmentLineItemEdge",
                fulfillment.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(FulfillmentLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "fulfillmentOrders" => list_connection(
                call,
                "FulfillmentOrderConnection",
                "FulfillmentOrderEdge",
                order
                    .fulfillment_orders
                    .iter()
                    .filter(|fo| fulfillment.fulfillment_order_ids.contains(&fo.id))
                    .map(|fo| (fo.id, fo)),
                |fo| Rc::new(FulfillmentOrderObject { order, fo }) as Rc<dyn Object>,
            ),
            // Fulfilled by the merchant, as every simulated fulfillment is: the "Manual" service.
            "service" => object(ManualService),
            "deliveredAt" | "estimatedDeliveryAt" | "inTransitAt" | "originAddress" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct TrackingInfoObject<'s>(&'s crate::model::orders::TrackingInfo);

impl Object for TrackingInfoObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentTrackingInfo"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "number" => optional_text(self.0.number.as_deref()),
            "company" => optional_text(self.0.company.as_deref()),
            "url" => optional_text(self.0.url.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct FulfillmentLineItemObject<'s> {
    order: &'s Order,
    item: &'s FulfillmentLineItem,
}

impl Object for FulfillmentLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        let line = order.line_item(item.line_item_id);
        let price = line.map_or(Decimal::ZERO, |line| line.price);
        match call.name() {
            "id" => owned(gid::format("FulfillmentLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "lineItem" => optional(line, |line| Rc::new(LineItemObject { order, line })),
            "originalTotalSet" | "discountedTotalSet" => bag(ctx, price * Decimal::from(item.quantity)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `OrderRiskSummary`: Shopify's own assessment of a simulated order (no provider app), low risk.
struct RiskSummary;

impl Object for RiskSummary {
    fn type_name(&self) -> &'static str {
        "OrderRiskSummary"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "recommendation" => owned("ACCEPT".to_string()),
            "assessments" => Ok(Output::List(vec![Output::Object(Rc::new(RiskAssessment))])),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RiskAssessment;

impl Object for RiskAssessment {
    fn type_name(&self) -> &'static str {
        "OrderRiskAssessment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "riskLevel" => owned("LOW".to_string()),
            // Shopify's own assessment has no provider app.
            "provider" => Ok(Output::Null),
            "facts" => Ok(Output::List(
                [
                    (
                        "Characteristics of this order are similar to non-fraudulent orders observed in the past",
                        "POSITIVE",
                    ),
                    ("The billing address matches the card's registered address", "POSITIVE"),
                    ("There was 1 payment attempt", "NEUTRAL"),
                ]
                .into_iter()
                .map(|(description, sentiment)| Output::Object(Rc::new(RiskFact { description, sentiment })))
                .collect(),
            )),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RiskFact {
    description: &'static str,
    sentiment: &'static str,
}

impl Object for RiskFact {
    fn type_name(&self) -> &'static str {
        "RiskFact"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "description" => owned(self.description.to_string()),
            "sentiment" => owned(self.sentiment.to_string()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `BusinessEntity`: the shop's one (primary) business entity, which every order belongs to.
struct BusinessEntityObject<'s>(&'s crate::model::shop::Shop);

impl Object for BusinessEntityObject<'_> {
    fn type_name(&self) -> &'static str {
        "BusinessEntity"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let shop = self.0;
        match call.name() {
            "id" => owned(gid::format("BusinessEntity", shop.id)),
            "displayName" | "companyName" => owned(shop.name.clone()),
            "primary" => Ok(Output::Value(Json::Bool(true))),
            "archived" => Ok(Output::Value(Json::Bool(false))),
            "legalEntityId" | "shopifyPaymentsAccount" => Ok(Output::Null),
            "address" => object(BusinessEntityAddress(shop)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct BusinessEntityAddress<'s>(&'s crate::model::shop::Shop);

impl Object for BusinessEntityAddress<'_> {
    fn type_name(&self) -> &'static str {
        "BusinessEntityAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "countryCode" => owned(self.0.country_code.clone()),
            "address1" | "address2" | "city" | "province" | "zip" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `CashRoundingAdjustment`: zero, as for every order not paid in cash.
struct CashRounding;

impl Object for CashRounding {
    fn type_name(&self) -> &'static str {
        "CashRoundingAdjustment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "paymentSet" | "refundSet" => bag(ctx, Decimal::ZERO),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The name a person reads for a payment gateway (`formattedGateway`), as Shopify shows it.
pub fn formatted_gateway(gateway: &str) -> String {
    match gateway {
        "shopify_payments" => "Shopify Payments".to_string(),
        "bank_deposit" => "Bank Deposit".to_string(),
        "manual" => "Manual".to_string(),
        "cash" => "Cash".to_string(),
        "paypal" => "PayPal".to_string(),
        "gift_card" => "Gift Card".to_string(),
        "bogus" => "Bogus".to_string(),
        "cash_on_delivery" => "Cash on Delivery (COD)".to_string(),
        other => {
            // Unknown gateways: words of the handle, each capitalised ("money_order" → "Money Order").
            other
                .split(['_', '-'])
                .filter(|word| !word.is_empty())
                .map(|word| {
                    let mut chars = word.chars();
                    chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

/// `FulfillmentService` of a merchant-fulfilled fulfillment: Shopify's built-in "Manual" service.
struct ManualService;

impl Object for ManualService {
    fn type_name(&self) -> &'static str {
        "FulfillmentService"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => owned(gid::format("FulfillmentService", ctx.store.shop.id)),
            "serviceName" => owned("Manual".to_string()),
            "handle" => owned("manual".to_string()),
            "type" => owned("MANUAL".to_string()),
            "callbackUrl" | "location" => Ok(Output::Null),
            "inventoryManagement" | "trackingSupport" | "requiresShippingMethod" | "permitsSkuSharing" => {
                Ok(Output::Value(Json::Bool(false)))
            }
            "fulfillmentOrdersOptIn" => Ok(Output::Value(Json::Bool(true))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
