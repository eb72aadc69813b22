//! Relay connections shared by every paginated field: `first`/`last` (at most 250), `after`/
//! `before` cursors, `reverse`, `edges { cursor node }`, `nodes` and `pageInfo`.
//!
//! A resolver filters its items, gives each a [`SortKey`] (the `sortKey` value plus the id), and
//! calls [`paginate`]; the page becomes a [`Connection`] object. Cursors are opaque base64 of
//! `{"last_id":…,"last_value":…}` like Shopify's, so a page boundary stays put when other items
//! change.

use std::cmp::Ordering;
use std::rc::Rc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as Json, json};

use super::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};

/// The most items one page may hold.
pub const MAX_PAGE_SIZE: i64 = 250;

thread_local! {
    /// Set while a bulk operation runs a query on this thread (see [`without_page_limits`]).
    static WITHOUT_PAGE_LIMITS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `run` with pagination limits lifted, as a bulk operation runs its query: a connection
/// without `first`/`last` returns every item, and `first`/`last` may exceed 250.
pub fn without_page_limits<R>(run: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            WITHOUT_PAGE_LIMITS.with(|flag| flag.set(self.0));
        }
    }
    let _reset = Reset(WITHOUT_PAGE_LIMITS.with(|flag| flag.replace(true)));
    run()
}

/// The value an item is sorted by (compared within one sort key only).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

/// Sort value plus the id as tie-breaker: the total order of a connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    pub value: SortValue,
    pub id: u64,
}

impl SortKey {
    /// Sorting by id only.
    pub fn id(id: u64) -> Self {
        SortKey { value: SortValue::Int(0), id }
    }

    /// Sorting by text (case-insensitive, as Shopify's TITLE sort).
    pub fn text(text: &str, id: u64) -> Self {
        SortKey { value: SortValue::Text(text.to_lowercase()), id }
    }

    /// Sorting by a number (timestamps as seconds, quantities).
    pub fn int(value: i64, id: u64) -> Self {
        SortKey { value: SortValue::Int(value), id }
    }

    /// The opaque cursor of an item with this key.
    pub fn cursor(&self) -> String {
        let value = match &self.value {
            SortValue::Int(number) => json!(number),
            SortValue::Text(text) => json!(text),
        };
        STANDARD.encode(json!({ "last_id": self.id, "last_value": value }).to_string())
    }

    fn from_cursor(cursor: &str) -> Option<Self> {
        let bytes = STANDARD.decode(cursor).ok()?;
        let parsed: Json = serde_json::from_slice(&bytes).ok()?;
        let id = parsed.get("last_id")?.as_u64()?;
        let value = match parsed.get("last_value")? {
            Json::Number(number) => SortValue::Int(number.as_i64()?),
            Json::String(text) => SortValue::Text(text.clone()),
            _ => return None,
        };
        Some(SortKey { value, id })
    }
}

/// Pagination arguments read from a connection field.
#[derive(Debug, Clone)]
pub struct PageRequest {
    first: Option<usize>,
    last: Option<usize>,
    after: Option<SortKey>,
    before: Option<SortKey>,
    reverse: bool,
}

impl PageRequest {
    /// Reads `first`, `last`, `after`, `before`, `reverse` with Shopify's checks.
    pub fn from_call(call: &FieldCall<'_>) -> Result<Self, FieldError> {
        let first = call.arg_i64("first");
        let last = call.arg_i64("last");
        let unlimited = WITHOUT_PAGE_LIMITS.with(std::cell::Cell::get);
        if first.is_none() && last.is_none() && !unlimited {
            return Err(FieldError::message("you must provide one of first or last"));
        }
        for (name, value) in [("first", first), ("last", last)] {
            if let Some(value) = value {
                if value < 0 {
                    return Err(FieldError::message(format!("`{name}` must be a non-negative integer")));
                }
                if value > MAX_PAGE_SIZE && !unlimited {
                    return Err(FieldError::coded(
                        format!("The '{name}' argument cannot exceed {MAX_PAGE_SIZE} (was {value})."),
                        "BAD_REQUEST",
                    ));
                }
            }
        }
        let cursor = |name: &str| -> Result<Option<SortKey>, FieldError> {
            match call.arg_str(name) {
                None => Ok(None),
                Some(text) => SortKey::from_cursor(text)
                    .map(Some)
                    .ok_or_else(|| FieldError::message(format!("Invalid cursor for '{name}' argument."))),
            }
        };
        Ok(PageRequest {
            first: first.map(|value| value as usize),
            last: last.map(|value| value as usize),
            after: cursor("after")?,
            before: cursor("before")?,
            reverse: call.arg_bool("reverse").unwrap_or(false),
        })
    }

    /// A plain "first N" request (for control-surface reads and tests).
    pub fn first(count: usize) -> Self {
        PageRequest { first: Some(count), last: None, after: None, before: None, reverse: false }
    }

    /// `first` (None when not given).
    pub fn first_count(&self) -> Option<usize> {
        self.first
    }

    /// `last` (None when not given).
    pub fn last_count(&self) -> Option<usize> {
        self.last
    }

    /// The `after` cursor's key.
    pub fn after_key(&self) -> Option<&SortKey> {
        self.after.as_ref()
    }

    /// The `before` cursor's key.
    pub fn before_key(&self) -> Option<&SortKey> {
        self.before.as_ref()
    }

    /// `reverse`.
    pub fn is_reverse(&self) -> bool {
        self.reverse
    }
}

/// One page of items with their cursors.
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// Cuts a page out of `items`. Items need not be sorted: they are sorted by key here (ascending,
/// or descending with `reverse`). Pass items already in ascending key order to skip the sort.
pub fn paginate<T>(mut items: Vec<(SortKey, T)>, request: &PageRequest) -> Page<T> {
    if !items.is_sorted_by(|a, b| a.0 <= b.0) {
        items.sort_by(|a, b| a.0.cmp(&b.0));
    }
    if request.reverse {
        items.reverse();
    }
    let order = |a: &SortKey, b: &SortKey| {
        let ordering = a.cmp(b);
        if request.reverse { ordering.reverse() } else { ordering }
    };
    let mut start = 0;
    let mut end = items.len();
    if let Some(after) = &request.after {
        start = items.partition_point(|(key, _)| order(key, after) != Ordering::Greater);
    }
    if let Some(before) = &request.before {
        end = items.partition_point(|(key, _)| order(key, before) == Ordering::Less).max(start);
    }
    let mut has_previous_page = start > 0 && request.after.is_some();
    let mut has_next_page = end < items.len() && request.before.is_some();
    if let Some(first) = request.first
        && end - start > first
    {
        end = start + first;
        has_next_page = true;
    }
    if let Some(last) = request.last
        && end - start > last
    {
        start = end - last;
        has_previous_page = true;
    }
    let page = items.drain(start..end).map(|(key, item)| (key.cursor(), item)).collect();
    Page { items: page, has_next_page, has_previous_page }
}

/// A connection object (`XConnection`) over resolved nodes.
pub struct Connection<'a> {
    type_name: &'static str,
    edge_type_name: &'static str,
    nodes: Vec<(String, Rc<dyn Object + 'a>)>,
    has_next_page: bool,
    has_previous_page: bool,
}

impl<'a> Connection<'a> {
    /// Wraps a page, turning each item into its node object.
    pub fn new<T>(
        type_name: &'static str,
        edge_type_name: &'static str,
        page: Page<T>,
        mut to_node: impl FnMut(T) -> Rc<dyn Object + 'a>,
    ) -> Self {
        Connection {
            type_name,
            edge_type_name,
            nodes: page.items.into_iter().map(|(cursor, item)| (cursor, to_node(item))).collect(),
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
        }
    }

    /// The connection as a field value.
    pub fn output(self) -> Resolved<'a> {
        Ok(Output::Object(Rc::new(self)))
    }
}

impl Object for Connection<'_> {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "edges" => Ok(Output::List(
                self.nodes
                    .iter()
                    .map(|(cursor, node)| {
                        Output::Object(Rc::new(Edge {
                            type_name: self.edge_type_name,
                            cursor: cursor.clone(),
                            node: node.clone(),
                        }))
                    })
                    .collect(),
            )),
            "nodes" => Ok(Output::List(self.nodes.iter().map(|(_, node)| Output::Object(node.clone())).collect())),
            "pageInfo" => Ok(Output::Object(Rc::new(PageInfo {
                start_cursor: self.nodes.first().map(|(cursor, _)| cursor.clone()),
                end_cursor: self.nodes.last().map(|(cursor, _)| cursor.clone()),
                has_next_page: self.has_next_page,
                has_previous_page: self.has_previous_page,
            }))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct Edge<'a> {
    type_name: &'static str,
    cursor: String,
    node: Rc<dyn Object + 'a>,
}

impl Object for Edge<'_> {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "cursor" => Ok(Output::Value(Json::String(self.cursor.clone()))),
            "node" => Ok(Output::Object(self.node.clone())),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct PageInfo {
    start_cursor: Option<String>,
    end_cursor: Option<String>,
    has_next_page: bool,
    has_previous_page: bool,
}

impl Object for PageInfo {
    fn type_name(&self) -> &'static str {
        "PageInfo"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let optional = |cursor: &Option<String>| cursor.clone().map(Json::String).unwrap_or(Json::Null);
        Ok(Output::Value(match call.name() {
            "startCursor" => optional(&self.start_cursor),
            "endCursor" => optional(&self.end_cursor),
            "hasNextPage" => Json::Bool(self.has_next_page),
            "hasPreviousPage" => Json::Bool(self.has_previous_page),
            _ => return Err(FieldError::NotImplemented),
        }))
    }
}

/// A connection of strings (`StringConnection`: product types, vendors, tags), sorted as text.
pub struct StringConnection {
    page: Page<String>,
}

impl StringConnection {
    /// A page of `values` (duplicates are the caller's to remove).
    pub fn new(values: Vec<String>, request: &PageRequest) -> Self {
        let items =
            values.into_iter().enumerate().map(|(index, value)| (SortKey::text(&value, index as u64), value)).collect();
        StringConnection { page: paginate(items, request) }
    }

    /// The connection as a field value.
    pub fn output<'a>(self) -> Resolved<'a> {
        Ok(Output::Object(Rc::new(self)))
    }
}

impl Object for StringConnection {
    fn type_name(&self) -> &'static str {
        "StringConnection"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let items = &self.page.items;
        match call.name() {
            "nodes" => {
                Ok(Output::Value(Json::Array(items.iter().map(|(_, value)| Json::String(value.clone())).collect())))
            }
            "edges" => Ok(Output::List(
                items.iter().map(|(cursor, value)| Output::Object(Rc::new(StringEdge { cursor, value }))).collect(),
            )),
            "pageInfo" => Ok(Output::Object(Rc::new(PageInfo {
                start_cursor: items.first().map(|(cursor, _)| cursor.clone()),
                end_cursor: items.last().map(|(cursor, _)| cursor.clone()),
                has_next_page: self.page.has_next_page,
                has_previous_page: self.page.has_previous_page,
            }))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct StringEdge<'s> {
    cursor: &'s str,
    value: &'s str,
}

impl Object for StringEdge<'_> {
    fn type_name(&self) -> &'static str {
        "StringEdge"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "cursor" => Ok(Output::Value(Json::String(self.cursor.to_string()))),
            "node" => Ok(Output::Value(Json::String(self.value.to_string()))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
