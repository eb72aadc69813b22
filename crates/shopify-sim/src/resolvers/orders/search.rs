//! `orders` and `fulfillmentOrders` root fields: the `query:` filters, sort keys and the index walks
//! that keep a page's cost independent of the number of orders.

use std::ops::Bound;
use std::rc::Rc;

use rust_decimal::Decimal;

use super::fulfillment::FulfillmentOrderObject;
use super::order::OrderObject;
use crate::graphql::connection::{Connection, Page, PageRequest, SortKey, SortValue, paginate};
use crate::graphql::executor::{Ctx, FieldCall, Object, Resolved};
use crate::model::orders::{FulfillmentOrder, FulfillmentOrderStatus, Order, TimeIndex};
use crate::search::{Comparator, Query, Searchable, Term, parse_time};
use crate::store::Store;

// ---------------------------------------------------------------------------------------------
// orders: search, sort, pages
// ---------------------------------------------------------------------------------------------

pub(super) fn orders<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
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

pub(super) fn root_fulfillment_orders<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
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

pub(super) struct FulfillmentOrderSearch<'s> {
    pub(super) order: &'s Order,
    pub(super) fo: &'s FulfillmentOrder,
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
