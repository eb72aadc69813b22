//! The orders list as plain data: one status, optionally one problem code and a range of creation dates, one
//! page at a time, with the counts its tabs and filters show. What the console's orders page shows; read here so
//! any other front-end shows the same.
//!
//! Pages are read by keyset, never by offset: a page starts after the last order of the page before it (Next)
//! or ends before the first order of the page after it (Previous), at a [`OrderPosition`] (creation time, then
//! global id, newest first). So the hundredth page costs what the first does (an index range, not the orders
//! before it read and dropped), and orders imported while someone pages do not shift the pages: none is shown
//! twice, none of those already listed is skipped. A position travels as text ([`position_token`]).

use jiff::civil::Date;
use serde::Serialize;
use shopsync_core::order_errors::{OrderErrorCode, OrderRef, OrderStatus, ProblemReport};
use shopsync_store::{OrderError, OrderFilter, OrderPosition, OrderSeek, OrderStore, Shop, ShopStore, ShopifyOrder};

use crate::SyncError;

/// The order statuses, in the order the list's tabs show them.
pub const STATUSES: [OrderStatus; 5] =
    [OrderStatus::Synced, OrderStatus::Error, OrderStatus::Pending, OrderStatus::Ignored, OrderStatus::Conflict];

/// Which page of which orders.
#[derive(Debug, Clone)]
pub struct OrderListQuery {
    pub status: OrderStatus,
    /// Only orders with a problem of this code.
    pub code: Option<OrderErrorCode>,
    /// Only orders created in Shopify on these days.
    pub created: DateRange,
    pub page: PageAt,
    /// Orders per page (at least 1).
    pub page_size: u32,
}

/// Where a page is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PageAt {
    /// The newest orders.
    #[default]
    First,
    /// The orders after this position (older ones): a Next link.
    After(OrderPosition),
    /// The orders just before this position (newer ones): a Previous link.
    Before(OrderPosition),
}

/// Creation days, both ends included, as UTC days (the store keeps Shopify's times in UTC, and the console shows
/// them so).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// Why a list's query cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListQueryError {
    #[error(
        "The {field} date `{text}` is not a date, so no order was listed: write it as YYYY-MM-DD, for example \
         2026-03-01, or leave it empty."
    )]
    NotADate { field: &'static str, text: String },
    #[error(
        "The dates are the wrong way round (from {from} is after to {to}), so no order could match: put the \
         earlier day in From."
    )]
    Reversed { from: Date, to: Date },
    #[error(
        "This page link does not name a place in the orders list (`{0}`): it was cut short or changed. Open the \
         list's first page and page on from there."
    )]
    BadPosition(String),
}

impl DateRange {
    /// The range from the text of a form's two fields (`YYYY-MM-DD`, empty for an open end).
    pub fn parse(from: &str, to: &str) -> Result<DateRange, ListQueryError> {
        let day = |field: &'static str, text: &str| -> Result<Option<Date>, ListQueryError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            // jiff reads more than a day (a date with a time, say); the field asks for a day and takes only that.
            let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
            match text.parse::<Date>() {
                Ok(date) if well_formed => Ok(Some(date)),
                _ => Err(ListQueryError::NotADate { field, text: text.to_string() }),
            }
        };
        let range = DateRange { from: day("from", from)?, to: day("to", to)? };
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(ListQueryError::Reversed { from, to });
        }
        Ok(range)
    }

    /// The store's bounds: created at or after the start of `from`, before the start of the day after `to`.
    fn bounds(&self) -> (Option<String>, Option<String>) {
        let start = |date: Date| format!("{date}T00:00:00Z");
        let from = self.from.map(start);
        let before = self.to.and_then(|date| date.tomorrow().ok()).map(start);
        (from, before)
    }
}

/// A position as text for a link: the order's creation time and its global id.
pub fn position_token(position: &OrderPosition) -> String {
    format!("{}~{}", position.created_at, position.order_id)
}

/// The position a link's text names.
pub fn parse_position(text: &str) -> Result<OrderPosition, ListQueryError> {
    let bad = || ListQueryError::BadPosition(text.chars().take(80).collect());
    let (created_at, order_id) = text.trim().split_once('~').ok_or_else(bad)?;
    let created_at = shopsync_core::time::normalize(created_at).map_err(|_| bad())?;
    if !order_id.starts_with("gid://") {
        return Err(bad());
    }
    Ok(OrderPosition { created_at, order_id: order_id.to_string() })
}

/// One page of the list.
#[derive(Debug, Serialize)]
pub struct OrderList {
    /// Orders per status, for every status (the tabs).
    pub counts: Vec<(OrderStatus, u64)>,
    /// Orders per problem code, over every status (the code filter).
    pub codes: Vec<(String, u64)>,
    /// The orders the query matches, on every page.
    pub total: u64,
    /// The page's orders, newest first.
    pub orders: Vec<ListedOrder>,
    /// Where the page before this one ends ([`PageAt::Before`]), when there are newer orders.
    pub previous: Option<OrderPosition>,
    /// Where the page after this one starts ([`PageAt::After`]), when there are older orders.
    pub next: Option<OrderPosition>,
    /// The page is the first one (a Previous link that reached the start gives the first page).
    pub first: bool,
}

/// An order of the list with its problems explained.
#[derive(Debug, Serialize)]
pub struct ListedOrder {
    pub order: ShopifyOrder,
    pub problems: Vec<ProblemReport>,
    /// Problems stored by a newer shopsync whose detail this one cannot read: code and message only.
    pub unreadable_problems: Vec<OrderError>,
}

impl OrderList {
    /// Reads the page `query` asks for of `shop`'s orders.
    pub async fn load<S>(store: &S, shop: &Shop, query: &OrderListQuery) -> Result<OrderList, SyncError>
    where
        S: OrderStore + ShopStore + ?Sized,
    {
        let status_counts = store.order_status_counts(shop.id).await?;
        let counts: Vec<(OrderStatus, u64)> = STATUSES
            .iter()
            .map(|s| (*s, status_counts.iter().find(|(c, _)| c == s).map(|(_, n)| *n).unwrap_or(0)))
            .collect();
        let codes = store.order_error_counts(shop.id).await?;
        let (created_from, created_before) = query.created.bounds();
        let filter = OrderFilter {
            status: Some(query.status),
            code: query.code,
            created_from,
            created_before,
            ..OrderFilter::default()
        };
        // A tab without a code or date filter has its total among the tabs' counts: no second count of the tab.
        let total = match counts.iter().find(|(s, _)| *s == query.status) {
            Some((_, n))
                if filter.code.is_none() && filter.created_from.is_none() && filter.created_before.is_none() =>
            {
                *n
            }
            _ => store.count_shopify_orders(shop.id, &filter).await?,
        };
        let (orders, previous, next) = page(store, shop.id, &filter, &query.page, query.page_size.max(1)).await?;
        let first = previous.is_none();
        let settings = store.settings(shop.id).await?;
        let mut listed = Vec::with_capacity(orders.len());
        for order in orders {
            let mut problems = Vec::new();
            let mut unreadable_problems = Vec::new();
            if !order.error_codes.is_empty() {
                let reference = OrderRef::new(&shop.domain, &order.order_id, &order.name);
                for error in store.order_errors(shop.id, &order.order_id).await? {
                    match error.problem() {
                        Ok(problem) => problems.push(problem.report(&reference, &settings)),
                        Err(_) => unreadable_problems.push(error),
                    }
                }
            }
            listed.push(ListedOrder { order, problems, unreadable_problems });
        }
        Ok(OrderList { counts, codes, total, orders: listed, previous, next, first })
    }
}

type Page = (Vec<ShopifyOrder>, Option<OrderPosition>, Option<OrderPosition>);

/// The orders of one page and the positions of its neighbours. One order more than a page is read to know
/// whether there is a page further on; whether there is one back is one indexed look-up of a single id.
async fn page<S>(store: &S, shop_id: i64, filter: &OrderFilter, at: &PageAt, size: u32) -> Result<Page, SyncError>
where
    S: OrderStore + ?Sized,
{
    let read = |seek: Option<OrderSeek>, limit: u32| OrderFilter { seek, limit, ..filter.clone() };
    let exists = |seek: OrderSeek| async move {
        Ok::<bool, SyncError>(!store.shopify_order_ids(shop_id, &read(Some(seek), 1)).await?.is_empty())
    };
    let full = size as usize;
    match at {
        PageAt::First => {
            let mut orders = store.shopify_orders(shop_id, &read(None, size + 1)).await?;
            let more = orders.len() > full;
            orders.truncate(full);
            let next = more.then(|| orders.last().map(ShopifyOrder::position)).flatten();
            Ok((orders, None, next))
        }
        PageAt::After(position) => {
            let mut orders =
                store.shopify_orders(shop_id, &read(Some(OrderSeek::After(position.clone())), size + 1)).await?;
            let more = orders.len() > full;
            orders.truncate(full);
            let next = more.then(|| orders.last().map(ShopifyOrder::position)).flatten();
            // Past the end (the orders after the position went away): Previous still leads back.
            let back_from = orders.first().map(ShopifyOrder::position).unwrap_or_else(|| position.clone());
            let previous = exists(OrderSeek::Before(back_from.clone())).await?.then_some(back_from);
            Ok((orders, previous, next))
        }
        PageAt::Before(position) => {
            let mut orders =
                store.shopify_orders(shop_id, &read(Some(OrderSeek::Before(position.clone())), size + 1)).await?;
            if orders.len() <= full {
                // Back at the newest orders: the first page, full, rather than the few left before the position.
                return Box::pin(page(store, shop_id, filter, &PageAt::First, size)).await;
            }
            orders.remove(0);
            let previous = orders.first().map(ShopifyOrder::position);
            let forward_from = orders.last().map(ShopifyOrder::position).unwrap_or_else(|| position.clone());
            let next = exists(OrderSeek::After(forward_from.clone())).await?.then_some(forward_from);
            Ok((orders, previous, next))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_range_reads_days_and_says_what_is_wrong() {
        let range = DateRange::parse("2026-03-01", " 2026-03-31 ").unwrap();
        assert_eq!(range.bounds(), (Some("2026-03-01T00:00:00Z".into()), Some("2026-04-01T00:00:00Z".into())));
        assert_eq!(DateRange::parse("", "").unwrap(), DateRange::default());
        assert_eq!(DateRange::parse("2026-12-31", "").unwrap().bounds().1, None);
        assert_eq!(DateRange::parse("", "2026-12-31").unwrap().bounds().1.as_deref(), Some("2027-01-01T00:00:00Z"));
        for (from, to, field) in
            [("2026-13-01", "", "from"), ("", "31/03/2026", "to"), ("2026-03-01T10:00", "", "from")]
        {
            let error = DateRange::parse(from, to).unwrap_err();
            assert!(matches!(&error, ListQueryError::NotADate { field: f, .. } if *f == field), "{error:?}");
            assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
        }
        let reversed = DateRange::parse("2026-04-01", "2026-03-01").unwrap_err();
        assert!(reversed.to_string().contains("wrong way round"), "{reversed}");
    }

    #[test]
    fn a_position_goes_through_its_text_and_a_bad_one_is_refused() {
        let position = OrderPosition {
            created_at: "2026-03-01T10:00:00.000000Z".into(),
            order_id: "gid://shopify/Order/7".into(),
        };
        assert_eq!(parse_position(&position_token(&position)).unwrap(), position);
        for bad in ["", "2026-03-01", "yesterday~gid://shopify/Order/7", "2026-03-01T10:00:00Z~7"] {
            assert!(matches!(parse_position(bad), Err(ListQueryError::BadPosition(_))), "{bad}");
        }
    }
}
