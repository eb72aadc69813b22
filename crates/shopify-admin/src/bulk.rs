//! Bulk operations: start a bulk query, wait for it, and read its JSONL
//! result as rows or as reassembled objects.
//!
//! # Reassembly and memory
//!
//! A bulk result has one JSON object per line. Objects of nested
//! connections are separate lines carrying `__parentId`; a child always
//! comes after its parent, but since 2026-01 (`groupObjects: false`, the
//! default) not necessarily right after it: children of a product may come
//! after other products. A parent is therefore only known to be complete
//! when nothing later can refer to it:
//!
//! - [`BulkGrouping::Grouped`] (query started with `groupObjects: true`):
//!   a root's children (and grandchildren) directly follow it, so the root
//!   is complete when the next root starts. Memory: one root with its
//!   subtree.
//! - [`BulkGrouping::Ungrouped`]: every root stays open until the end of the
//!   file, so memory grows with the whole result. [`BulkLimits`] caps the
//!   bytes held; past the cap reading stops with
//!   [`BulkError::TooLargeToReassemble`] instead of exhausting memory.
//!
//! For results too large for either, [`AdminClient::bulk_result_rows`]
//! streams the rows one by one in constant memory (one line) and the caller
//! stores children by parent id.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::client::{AdminClient, error_chain};
use crate::error::{AdminError, BulkError};
use crate::hook::RequestRecord;
use crate::operation::{Gid, OperationKind};
use crate::ops::bulk::{
    BulkOperation, BulkOperationById, BulkOperationByIdVariables, BulkOperationRunQuery,
    BulkOperationRunQueryVariables, BulkOperationStatus,
};

/// How the result's rows are ordered (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BulkGrouping {
    /// Children right after their parent (`groupObjects: true`): slower for
    /// Shopify, bounded memory for the reader.
    Grouped,
    /// Children anywhere after their parent (the 2026-01+ default).
    #[default]
    Ungrouped,
}

/// Bounds of result reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// Longest accepted line (one object).
    pub max_line_bytes: usize,
    /// Most bytes of rows held open while reassembling.
    pub max_held_bytes: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        Self { max_line_bytes: 8 * 1024 * 1024, max_held_bytes: 256 * 1024 * 1024 }
    }
}

/// How to wait for a bulk operation.
#[derive(Debug, Clone)]
pub struct BulkWait {
    /// First polling interval; doubles up to `max_poll`.
    pub initial_poll: Duration,
    pub max_poll: Duration,
    /// Give up waiting (the operation keeps running on Shopify).
    pub timeout: Duration,
    /// Woken by the `bulk_operations/finish` webhook: call `notify_one()`
    /// (it wakes the waiter, or makes its next wait return at once) and the
    /// waiter polls immediately instead of at its next interval.
    pub finished: Option<Arc<Notify>>,
}

impl Default for BulkWait {
    fn default() -> Self {
        Self {
            initial_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(30),
            timeout: Duration::from_secs(6 * 3600),
            finished: None,
        }
    }
}

/// One line of a bulk result.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRow {
    /// 1-based line number.
    pub line: u64,
    /// The object, with `__parentId` removed.
    pub value: Value,
    /// The `id` of the parent row, for rows of nested connections.
    pub parent_id: Option<String>,
}

/// A root object of a bulk result with its nested rows.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkObject {
    pub value: Value,
    /// Rows whose `__parentId` is this object's id, in file order, each with
    /// its own children.
    pub children: Vec<BulkObject>,
}

impl BulkObject {
    /// The object's `id`.
    pub fn id(&self) -> Option<&str> {
        self.value.get("id").and_then(Value::as_str)
    }

    /// Children whose gid names `resource` (e.g. `ProductVariant`).
    pub fn children_of_type<'a>(&'a self, resource: &'a str) -> impl Iterator<Item = &'a BulkObject> + 'a {
        self.children
            .iter()
            .filter(move |c| c.id().and_then(|id| Gid::new(id).resource().map(|r| r == resource)).unwrap_or(false))
    }
}

impl AdminClient {
    /// Starts a bulk query and returns the created operation.
    pub async fn start_bulk_query(&self, query: &str, grouping: BulkGrouping) -> Result<BulkOperation, AdminError> {
        let variables = BulkOperationRunQueryVariables {
            query: query.to_owned(),
            group_objects: grouping == BulkGrouping::Grouped,
        };
        let reply = match self.execute::<BulkOperationRunQuery>(&variables).await {
            Err(AdminError::UserErrors { errors, .. }) => return Err(BulkError::NotStarted(errors).into()),
            other => other?,
        };
        reply
            .data
            .bulk_operation_run_query
            .and_then(|p| p.bulk_operation)
            .ok_or_else(|| BulkError::NotStarted(Vec::new()).into())
    }

    /// The current state of a bulk operation.
    pub async fn bulk_operation(&self, id: &Gid) -> Result<BulkOperation, AdminError> {
        let reply = self.execute::<BulkOperationById>(&BulkOperationByIdVariables { id: id.clone() }).await?;
        reply.data.bulk_operation.ok_or_else(|| BulkError::NotFound(id.to_string()).into())
    }

    /// Polls until the operation has ended (with growing intervals, or at
    /// once when `wait.finished` is notified). `Ok` only for COMPLETED.
    pub async fn wait_for_bulk_operation(&self, id: &Gid, wait: &BulkWait) -> Result<BulkOperation, AdminError> {
        let started = Instant::now();
        let mut interval = wait.initial_poll;
        loop {
            let operation = self.bulk_operation(id).await?;
            if operation.status == BulkOperationStatus::Completed {
                return Ok(operation);
            }
            if operation.status.is_finished() {
                return Err(BulkError::Failed {
                    id: operation.id.to_string(),
                    status: operation.status.as_str().to_owned(),
                    error_code: operation.error_code,
                    partial_data_url: operation.partial_data_url,
                }
                .into());
            }
            let waited = started.elapsed();
            if waited >= wait.timeout {
                return Err(BulkError::StillRunning {
                    id: operation.id.to_string(),
                    status: operation.status.as_str().to_owned(),
                    waited,
                }
                .into());
            }
            let pause = interval.min(wait.timeout - waited);
            match &wait.finished {
                Some(finished) => {
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = finished.notified() => {}
                    }
                }
                None => tokio::time::sleep(pause).await,
            }
            interval = (interval * 2).min(wait.max_poll);
        }
    }

    /// Streams the rows of a bulk result in constant memory. The URL is
    /// Shopify's signed storage URL: it is fetched without the access token,
    /// and only over HTTPS unless the client uses a development endpoint.
    pub fn bulk_result_rows(&self, url: &str, limits: BulkLimits) -> BoxStream<'static, Result<BulkRow, AdminError>> {
        let client = self.clone();
        let url = url.to_owned();
        let opened = async move { client.open_bulk_result(&url).await };
        let lines = stream::once(opened)
            .map(move |opened| match opened {
                Ok(response) => jsonl_rows(response.bytes_stream(), limits).boxed(),
                Err(e) => stream::once(async move { Err(e) }).boxed(),
            })
            .flatten();
        lines.boxed()
    }

    /// Streams the root objects of a bulk result with their children
    /// attached, emitting each as soon as `grouping` proves it complete.
    pub fn bulk_result_objects(
        &self,
        url: &str,
        grouping: BulkGrouping,
        limits: BulkLimits,
    ) -> BoxStream<'static, Result<BulkObject, AdminError>> {
        let rows = self.bulk_result_rows(url, limits);
        assemble(rows, grouping, limits).boxed()
    }

    async fn open_bulk_result(&self, url: &str) -> Result<reqwest::Response, AdminError> {
        const LABEL: &str = "bulk-result";
        let parsed =
            url::Url::parse(url).map_err(|e| BulkError::Download(format!("the result URL is invalid: {e}")))?;
        if parsed.scheme() != "https" && !self.endpoint().is_development() {
            return Err(BulkError::Download("refusing a result URL that is not https".to_owned()).into());
        }
        let meta = crate::client::OpMeta {
            name: LABEL,
            kind: OperationKind::Query,
            writes: false,
            retry_safe: true,
            estimated_cost: 0,
        };
        // The signed query string is a credential: log the URL without it.
        let mut logged = parsed.clone();
        logged.set_query(None);
        let retry = crate::retry::RetryConfig::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.check_policy(&meta)?;
            let started = Instant::now();
            let result = self.http().get(parsed.clone()).send().await;
            let (status, failure) = match &result {
                Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
                Ok(r) => (Some(r.status().as_u16()), Some(format!("HTTP {}", r.status().as_u16()))),
                Err(e) => (None, Some(error_chain(e))),
            };
            self.report(&RequestRecord {
                shop: self.shop(),
                operation: LABEL,
                method: "GET",
                url: logged.as_str(),
                request_body: "",
                status,
                request_id: None,
                cost: None,
                response_body: None,
                duration: started.elapsed(),
                attempt,
                failed: failure.is_some(),
                error: failure.clone(),
            });
            let retriable = match &result {
                Ok(r) => r.status().is_server_error() || r.status().as_u16() == 429,
                Err(_) => true,
            };
            match (result, failure) {
                (Ok(response), None) => return Ok(response),
                (_, Some(failure)) if !retriable || attempt >= retry.max_attempts => {
                    return Err(BulkError::Download(failure).into());
                }
                _ => tokio::time::sleep(retry.backoff(attempt)).await,
            }
        }
    }
}

/// Splits a byte stream into JSONL rows, holding at most one line.
fn jsonl_rows<S>(bytes: S, limits: BulkLimits) -> impl futures::Stream<Item = Result<BulkRow, AdminError>>
where
    S: futures::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
{
    struct State<S> {
        bytes: S,
        buffer: BytesMut,
        line: u64,
        done: bool,
        /// Bytes of `buffer` already searched for a newline.
        scanned: usize,
    }
    let state = State { bytes: Box::pin(bytes), buffer: BytesMut::new(), line: 0, done: false, scanned: 0 };
    stream::try_unfold(state, move |mut s| async move {
        loop {
            if let Some(pos) = s.buffer[s.scanned..].iter().position(|b| *b == b'\n') {
                let end = s.scanned + pos;
                let raw = s.buffer.split_to(end + 1);
                s.scanned = 0;
                s.line += 1;
                if let Some(row) = parse_row(&raw[..end], s.line)? {
                    return Ok(Some((row, s)));
                }
                continue;
            }
            s.scanned = s.buffer.len();
            if s.buffer.len() > limits.max_line_bytes {
                return Err(BulkError::LineTooLong { limit: limits.max_line_bytes }.into());
            }
            if s.done {
                if s.buffer.is_empty() {
                    return Ok(None);
                }
                let raw = std::mem::take(&mut s.buffer);
                s.scanned = 0;
                s.line += 1;
                return match parse_row(&raw, s.line)? {
                    Some(row) => Ok(Some((row, s))),
                    None => Ok(None),
                };
            }
            match s.bytes.next().await {
                Some(Ok(chunk)) => s.buffer.extend_from_slice(chunk.chunk()),
                Some(Err(e)) => return Err(BulkError::Download(error_chain(&e)).into()),
                None => s.done = true,
            }
        }
    })
}

fn parse_row(raw: &[u8], line: u64) -> Result<Option<BulkRow>, AdminError> {
    let trimmed = raw.strip_suffix(b"\r").unwrap_or(raw);
    if trimmed.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut value: Value =
        serde_json::from_slice(trimmed).map_err(|e| BulkError::BadLine { line, message: e.to_string() })?;
    let parent_id =
        value.as_object_mut().and_then(|o| o.remove("__parentId")).and_then(|p| p.as_str().map(str::to_owned));
    Ok(Some(BulkRow { line, value, parent_id }))
}

fn assemble(
    rows: BoxStream<'static, Result<BulkRow, AdminError>>,
    grouping: BulkGrouping,
    limits: BulkLimits,
) -> impl futures::Stream<Item = Result<BulkObject, AdminError>> {
    struct State {
        rows: BoxStream<'static, Result<BulkRow, AdminError>>,
        assembler: BulkAssembler,
        ready: std::vec::IntoIter<BulkObject>,
        finished: bool,
    }
    let state = State {
        rows,
        assembler: BulkAssembler::new(grouping, limits.max_held_bytes),
        ready: Vec::new().into_iter(),
        finished: false,
    };
    stream::try_unfold(state, |mut s| async move {
        loop {
            if let Some(object) = s.ready.next() {
                return Ok(Some((object, s)));
            }
            if s.finished {
                return Ok(None);
            }
            match s.rows.next().await {
                Some(row) => s.ready = s.assembler.push(row?)?.into_iter(),
                None => {
                    s.finished = true;
                    s.ready = s.assembler.finish().into_iter();
                }
            }
        }
    })
}

/// Reassembles rows into root objects with children (pure; no I/O).
#[derive(Debug)]
pub struct BulkAssembler {
    grouping: BulkGrouping,
    max_held_bytes: usize,
    held_bytes: usize,
    /// Rows held open, in file order.
    nodes: Vec<ArenaNode>,
    /// Index into `nodes` of the open roots, in file order.
    roots: Vec<usize>,
    by_id: HashMap<String, usize>,
}

#[derive(Debug)]
struct ArenaNode {
    value: Value,
    children: Vec<usize>,
    /// Levels below its root (a root is 0).
    depth: usize,
}

/// The deepest nesting a row may have below its root. Shopify allows two levels of nested connections in a bulk
/// query, so real results stop at 2; the bound keeps a corrupt file (a long chain of rows each naming the one
/// before as its parent) from overflowing the stack when the tree is built and dropped, which aborted the process.
pub const MAX_BULK_NESTING: usize = 16;

impl BulkAssembler {
    pub fn new(grouping: BulkGrouping, max_held_bytes: usize) -> Self {
        Self { grouping, max_held_bytes, held_bytes: 0, nodes: Vec::new(), roots: Vec::new(), by_id: HashMap::new() }
    }

    /// Adds a row; returns the roots it proves complete.
    pub fn push(&mut self, row: BulkRow) -> Result<Vec<BulkObject>, BulkError> {
        let mut completed = Vec::new();
        if row.parent_id.is_none() && self.grouping == BulkGrouping::Grouped {
            completed = self.finish();
        }
        self.held_bytes += approximate_size(&row.value);
        if self.held_bytes > self.max_held_bytes {
            return Err(BulkError::TooLargeToReassemble { limit_bytes: self.max_held_bytes });
        }
        let index = self.nodes.len();
        let depth = match &row.parent_id {
            Some(parent_id) => {
                let parent = *self
                    .by_id
                    .get(parent_id)
                    .ok_or_else(|| BulkError::OrphanRow { line: row.line, parent_id: parent_id.clone() })?;
                let depth = self.nodes[parent].depth + 1;
                if depth > MAX_BULK_NESTING {
                    return Err(BulkError::TooDeep { line: row.line, limit: MAX_BULK_NESTING });
                }
                self.nodes[parent].children.push(index);
                depth
            }
            None => {
                self.roots.push(index);
                0
            }
        };
        if let Some(id) = row.value.get("id").and_then(Value::as_str) {
            self.by_id.insert(id.to_owned(), index);
        }
        self.nodes.push(ArenaNode { value: row.value, children: Vec::new(), depth });
        Ok(completed)
    }

    /// Ends the input: returns every open root.
    pub fn finish(&mut self) -> Vec<BulkObject> {
        let roots = std::mem::take(&mut self.roots);
        let mut nodes: Vec<Option<ArenaNode>> = std::mem::take(&mut self.nodes).into_iter().map(Some).collect();
        self.by_id.clear();
        self.held_bytes = 0;
        roots.into_iter().filter_map(|root| build(&mut nodes, root)).collect()
    }

    /// Bytes of rows currently held.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }
}

fn build(nodes: &mut [Option<ArenaNode>], index: usize) -> Option<BulkObject> {
    let node = nodes.get_mut(index)?.take()?;
    let children = node.children.into_iter().filter_map(|child| build(nodes, child)).collect();
    Some(BulkObject { value: node.value, children })
}

/// Rough in-memory size of a JSON value (its serialised length plus
/// per-node overhead), for the held-bytes limit.
fn approximate_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 16,
        Value::String(s) => 24 + s.len(),
        Value::Array(items) => 24 + items.iter().map(approximate_size).sum::<usize>(),
        Value::Object(map) => 48 + map.iter().map(|(k, v)| 24 + k.len() + approximate_size(v)).sum::<usize>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, json: &str) -> BulkRow {
        parse_row(json.as_bytes(), line).unwrap().unwrap()
    }

    #[test]
    fn ungrouped_children_after_unrelated_rows_are_attached_at_the_end() {
        let mut a = BulkAssembler::new(BulkGrouping::Ungrouped, usize::MAX);
        let lines = [
            r#"{"id":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/Product/2"}"#,
            r#"{"id":"gid://shopify/ProductVariant/21","__parentId":"gid://shopify/Product/2"}"#,
            r#"{"id":"gid://shopify/ProductVariant/11","__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/InventoryLevel/x","__parentId":"gid://shopify/ProductVariant/11"}"#,
        ];
        for (i, line) in lines.iter().enumerate() {
            assert!(a.push(row(i as u64 + 1, line)).unwrap().is_empty());
        }
        let roots = a.finish();
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].children.len(), 1);
        assert_eq!(roots[0].children[0].children.len(), 1);
        assert_eq!(roots[1].children[0].id(), Some("gid://shopify/ProductVariant/21"));
        assert!(roots[0].children[0].value.get("__parentId").is_none());
    }

    #[test]
    fn grouped_roots_are_emitted_when_the_next_root_starts() {
        let mut a = BulkAssembler::new(BulkGrouping::Grouped, usize::MAX);
        assert!(a.push(row(1, r#"{"id":"p1"}"#)).unwrap().is_empty());
        assert!(a.push(row(2, r#"{"id":"c1","__parentId":"p1"}"#)).unwrap().is_empty());
        let done = a.push(row(3, r#"{"id":"p2"}"#)).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].children.len(), 1);
        assert!(a.held_bytes() < 200, "only the open root is held");
        assert_eq!(a.finish().len(), 1);
    }

    #[test]
    fn a_child_without_its_parent_is_an_error() {
        let mut a = BulkAssembler::new(BulkGrouping::Ungrouped, usize::MAX);
        let err = a.push(row(1, r#"{"id":"c","__parentId":"missing"}"#)).unwrap_err();
        assert!(matches!(err, BulkError::OrphanRow { line: 1, .. }));
    }

    #[test]
    fn a_chain_of_rows_nested_deeper_than_any_query_is_refused_not_a_stack_overflow() {
        let mut a = BulkAssembler::new(BulkGrouping::Ungrouped, usize::MAX);
        let mut result = Ok(Vec::new());
        for i in 0..100_000u64 {
            let parent = if i == 0 { String::new() } else { format!(r#","__parentId":"n{}""#, i - 1) };
            result = a.push(row(i + 1, &format!(r#"{{"id":"n{i}"{parent}}}"#)));
            if result.is_err() {
                break;
            }
        }
        let limit = MAX_BULK_NESTING;
        assert!(matches!(result, Err(BulkError::TooDeep { line, .. }) if line == limit as u64 + 2), "{result:?}");
        assert_eq!(a.finish().len(), 1);
    }

    #[test]
    fn holding_more_than_the_limit_stops_reassembly() {
        let mut a = BulkAssembler::new(BulkGrouping::Ungrouped, 300);
        let mut result = Ok(Vec::new());
        for i in 0..10 {
            result = a.push(row(i + 1, &format!(r#"{{"id":"p{i}","title":"a product title"}}"#)));
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(BulkError::TooLargeToReassemble { .. })));
    }
}

/// Properties of reading a bulk result from its byte stream: any bytes, split into chunks anywhere, give rows or an
/// error naming the line, never a panic; a valid result gives the same objects however it is chunked and whatever
/// order its children come in.
#[cfg(test)]
mod props {
    use futures::executor::block_on;
    use futures::{StreamExt, TryStreamExt};
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    /// `bytes` as a download would deliver it: chunks cut at the given points.
    fn chunked(
        bytes: &[u8],
        cuts: &[prop::sample::Index],
    ) -> impl futures::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static {
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.extend([0, bytes.len()]);
        points.sort_unstable();
        points.dedup();
        let chunks: Vec<Result<bytes::Bytes, reqwest::Error>> =
            points.windows(2).map(|w| Ok(bytes::Bytes::copy_from_slice(&bytes[w[0]..w[1]]))).collect();
        stream::iter(chunks)
    }

    fn read_rows(bytes: &[u8], cuts: &[prop::sample::Index], limits: BulkLimits) -> Result<Vec<BulkRow>, AdminError> {
        block_on(jsonl_rows(chunked(bytes, cuts), limits).try_collect())
    }

    /// Lines of a bulk result: valid rows, blank lines, CRLF endings, garbage and cut-off JSON.
    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => ("[a-c]{1,2}", proptest::option::of("[a-c]{1,2}"), "[a-z \"\\\\é]{0,10}").prop_map(|(id, parent, title)| {
                let mut row = json!({"id": id, "title": title});
                if let Some(parent) = parent {
                    row["__parentId"] = json!(parent);
                }
                row.to_string()
            }),
            1 => Just(String::new()),
            1 => Just(" \t".to_owned()),
            1 => any::<String>().prop_filter("one line", |l| !l.contains('\n')),
            1 => Just(r#"{"id":"a","title":"#.to_owned()),
            1 => Just("[1,2]".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_in_any_chunks_give_rows_or_an_error_naming_the_line(
            bytes in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..400),
                prop::collection::vec(line(), 0..12).prop_map(|lines| lines.join("\n").into_bytes()),
                prop::collection::vec(line(), 0..12).prop_map(|lines| lines.join("\r\n").into_bytes()),
            ],
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
            max_line_bytes in prop_oneof![Just(8 * 1024 * 1024), 1usize..80],
        ) {
            let limits = BulkLimits { max_line_bytes, ..BulkLimits::default() };
            let lines = bytes.split(|b| *b == b'\n').count() as u64;
            match read_rows(&bytes, &cuts, limits) {
                Ok(rows) => {
                    let numbers: Vec<u64> = rows.iter().map(|r| r.line).collect();
                    prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
                    prop_assert!(numbers.iter().all(|n| *n >= 1 && *n <= lines));
                    prop_assert!(rows.iter().all(|r| r.value.get("__parentId").is_none()));
                }
                Err(AdminError::Bulk(BulkError::BadLine { line, message })) => {
                    prop_assert!(line >= 1 && line <= lines, "line {line} of {lines}: {message}");
                }
                Err(AdminError::Bulk(BulkError::LineTooLong { limit })) => prop_assert_eq!(limit, max_line_bytes),
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
            // Reassembly of whatever rows came out never panics either.
            let rows = jsonl_rows(chunked(&bytes, &cuts), limits).boxed();
            let _ = block_on(assemble(rows, BulkGrouping::Ungrouped, limits).collect::<Vec<_>>());
        }

        #[test]
        fn the_same_rows_come_out_however_the_download_is_chunked(
            lines in prop::collection::vec(line().prop_filter("valid rows", |l| serde_json::from_str::<Value>(l).is_ok() || l.trim_ascii().is_empty()), 0..15),
            crlf in any::<bool>(),
            final_newline in any::<bool>(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..15),
        ) {
            let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
            if final_newline {
                text.push('\n');
            }
            let whole = read_rows(text.as_bytes(), &[], BulkLimits::default()).unwrap();
            let pieces = read_rows(text.as_bytes(), &cuts, BulkLimits::default()).unwrap();
            prop_assert_eq!(&pieces, &whole);
            // Line numbers count blank lines too, so errors point at the line an editor shows.
            for row in &whole {
                let shown = lines[row.line as usize - 1].trim_end_matches('\r');
                prop_assert_eq!(serde_json::from_str::<Value>(shown).ok().map(|mut v| {
                    v.as_object_mut().map(|o| o.remove("__parentId"));
                    v
                }), Some(row.value.clone()));
            }
        }

        #[test]
        fn children_in_any_order_after_their_parents_are_reassembled_from_a_chunked_download(
            children in prop::collection::vec((0usize..4, "[a-z]{0,6}"), 0..20),
            roots in 1usize..4,
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            // Roots first in file order; children (of any root) shuffled after them.
            let mut lines: Vec<String> = (0..roots).map(|r| json!({"id": format!("p{r}")}).to_string()).collect();
            let mut rows: Vec<String> = children
                .iter()
                .enumerate()
                .map(|(i, (parent, title))| {
                    json!({"id": format!("c{i}"), "title": title, "__parentId": format!("p{}", parent % roots)}).to_string()
                })
                .collect();
            for (i, index) in order.iter().enumerate() {
                if !rows.is_empty() {
                    let (a, b) = (i % rows.len(), index.index(rows.len()));
                    rows.swap(a, b);
                }
            }
            lines.extend(rows);
            let text = lines.join("\n");
            let stream = jsonl_rows(chunked(text.as_bytes(), &cuts), BulkLimits::default()).boxed();
            let objects: Vec<BulkObject> =
                block_on(assemble(stream, BulkGrouping::Ungrouped, BulkLimits::default()).try_collect()).unwrap();
            prop_assert_eq!(objects.len(), roots);
            for (r, object) in objects.iter().enumerate() {
                let root_id = format!("p{r}");
                prop_assert_eq!(object.id(), Some(root_id.as_str()));
                // Each root holds exactly its children, in the order they appear in the file.
                let want: Vec<String> = lines[roots..]
                    .iter()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap())
                    .filter(|v| v["__parentId"] == root_id.as_str())
                    .map(|v| v["id"].as_str().unwrap().to_owned())
                    .collect();
                let got: Vec<String> = object.children.iter().map(|c| c.id().unwrap().to_owned()).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
