//! Bulk operations: `bulkOperationRunQuery` runs a query over the whole store in the background
//! and writes the result as JSONL, served at `{base_url}/_sim/bulk-results/{random}.jsonl` (no
//! token, like Shopify's signed storage URLs: unguessable, and expiring after
//! [`BulkBehaviour::result_url_lifetime_seconds`]).
//!
//! **Validation** follows Shopify's bulk rules, with its messages (as captured from the live API
//! by a third-party parity suite): a query operation only; one top-level field, not `node` or
//! `nodes`; at least one connection and at most five; nested connections at most two deep; no
//! connection inside a list field; connections selected through `edges { node }` (not `nodes`);
//! and the node that holds a nested connection must select `id` without an alias.
//!
//! **Execution** runs the simulator's own executor over the stored document, without page
//! limits: the root connection is walked in chunks of [`BulkBehaviour::chunk_size`] nodes (one
//! store read lock per chunk, so writes are not held up and memory stays bounded), nested
//! connections return every node, and `first`/`last`/`after`/`before` written in the query are
//! ignored, as Shopify ignores them. Each chunk becomes lines as soon as it is read: one line per
//! node, nested connection nodes on lines of their own with `__parentId` (the GID of the node that
//! holds them) and without the connection field in the parent line.
//!
//! **Order.** A child line always comes after its parent's line. With `groupObjects: true` it
//! comes right after it (children, then grandchildren, depth first). With `groupObjects: false`,
//! the default since 2026-01, each chunk is written level by level (the chunk's root objects, then
//! all their children, then the grandchildren), so a client that assumes grouping breaks here as
//! it would against Shopify.
//!
//! **Lifecycle.** `CREATED` → `RUNNING` → `COMPLETED`, or `FAILED` (with `errorCode` and
//! `partialDataUrl`) or `CANCELED` (after `bulkOperationCancel`, through `CANCELING`). A finished
//! operation records `bulk_operations/finish`, which webhooks deliver. An empty result has no
//! `url`, as in Shopify. At most five bulk queries run at once per shop from API version 2026-01
//! (one before), beyond which `bulkOperationRunQuery` answers `OPERATION_IN_PROGRESS`.
//!
//! **Bulk mutations** (`bulkOperationRunMutation`, the variables uploaded through
//! `crate::staged_uploads`) run the mutation once per line of variables, in order, each through
//! the same executor as a request (no cost, as on Shopify), and write one result line per input
//! line: `{"data":{...},"__lineNumber":N}`, with `errors` beside `data` when that line's request
//! failed. A line's `userErrors` are in its `data`, as Shopify returns them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use apollo_compiler::ast::{OperationType, Value};
use apollo_compiler::executable::{ExecutableDocument, Field, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema, name};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use jiff::Timestamp;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use shopify_schema::AdminSchema;
use tokio::sync::{Notify, watch};

use crate::control::SimControl;
use crate::gid;
use crate::graphql::connection::without_page_limits;
use crate::graphql::executor::{Ctx, Execution, Executor, QueryRoot};
use crate::state::SimState;
use crate::store::Store;

/// `BulkOperationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkStatus {
    Created,
    Running,
    Canceling,
    Canceled,
    Completed,
    Failed,
}

impl BulkStatus {
    /// The GraphQL enum value.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkStatus::Created => "CREATED",
            BulkStatus::Running => "RUNNING",
            BulkStatus::Canceling => "CANCELING",
            BulkStatus::Canceled => "CANCELED",
            BulkStatus::Completed => "COMPLETED",
            BulkStatus::Failed => "FAILED",
        }
    }

    /// Whether the operation has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, BulkStatus::Canceled | BulkStatus::Completed | BulkStatus::Failed)
    }
}

/// One bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkOperation {
    pub id: u64,
    pub status: BulkStatus,
    /// `ACCESS_DENIED`, `INTERNAL_SERVER_ERROR` or `TIMEOUT` when failed.
    pub error_code: Option<&'static str>,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub object_count: u64,
    pub root_object_count: u64,
    pub file_size: Option<u64>,
    pub url: Option<String>,
    pub partial_data_url: Option<String>,
    pub query: String,
    /// `QUERY` or `MUTATION`.
    pub kind: &'static str,
    /// A bulk mutation's variables, one JSON object per line (the staged upload it was given).
    #[serde(skip)]
    pub variables: Option<Arc<Vec<u8>>>,
    pub group_objects: bool,
    pub api_version: String,
    /// What went wrong, for the control surface (Shopify gives only the error code).
    pub errors: Vec<String>,
    #[serde(skip)]
    pub(crate) cancel_requested: bool,
    /// The runner has picked the operation up.
    #[serde(skip)]
    pub(crate) started: bool,
}

impl BulkOperation {
    /// The operation's GID.
    pub fn gid(&self) -> String {
        gid::format("BulkOperation", self.id)
    }
}

/// The shop's bulk operations (a table of the [`Store`]).
#[derive(Debug, Clone)]
pub struct BulkOperations {
    pub items: BTreeMap<u64, BulkOperation>,
    next_id: u64,
    /// Wakes the runner when an operation is created.
    pub(crate) signal: Arc<Notify>,
}

impl Default for BulkOperations {
    fn default() -> Self {
        BulkOperations { items: BTreeMap::new(), next_id: FIRST_OPERATION_ID, signal: Arc::new(Notify::new()) }
    }
}

const FIRST_OPERATION_ID: u64 = 4_110_000_000;

impl BulkOperations {
    /// Allocates an operation id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Operations of a type that have not ended, oldest first.
    pub fn active(&self, kind: &str) -> impl Iterator<Item = &BulkOperation> {
        self.items.values().filter(move |operation| operation.kind == kind && !operation.status.is_terminal())
    }
}

/// How the runner behaves; changeable at runtime ([`SimControl::set_bulk_behaviour`],
/// `PUT /_sim/bulk/behaviour`) so tests can hold operations running or make them fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkBehaviour {
    /// Operations stay `RUNNING` without progress until this is switched off (or they are
    /// canceled).
    pub paused: bool,
    /// Fail with `INTERNAL_SERVER_ERROR` (and a `partialDataUrl`) once this many objects have
    /// been written.
    pub fail_after_objects: Option<u64>,
    /// Root nodes read per chunk (one store read lock each).
    pub chunk_size: usize,
    /// How long a result URL serves its file, counted from when the operation ends (Shopify's
    /// signed storage URLs: 7 days). Applies to operations that end after it is set.
    pub result_url_lifetime_seconds: u64,
}

/// Shopify keeps a bulk operation's result for 7 days.
pub const RESULT_URL_LIFETIME_SECONDS: u64 = 7 * 24 * 3600;

impl Default for BulkBehaviour {
    fn default() -> Self {
        BulkBehaviour {
            paused: false,
            fail_after_objects: None,
            chunk_size: 250,
            result_url_lifetime_seconds: RESULT_URL_LIFETIME_SECONDS,
        }
    }
}

/// A result file's URL: which operation's file, until when.
struct ResultLink {
    id: u64,
    expires: std::time::Instant,
}

/// The runner's side of one simulator (in [`SimState`]).
pub(crate) struct BulkRuntime {
    pub(crate) behaviour: Mutex<BulkBehaviour>,
    pub(crate) resumed: Notify,
    /// Result files live here and go away with the simulator.
    directory: Option<tempfile::TempDir>,
    /// Result URLs by their random name: like Shopify's signed storage URLs they need no token,
    /// so they must not be guessable from the operation's number, and they expire.
    links: Mutex<HashMap<String, ResultLink>>,
}

impl BulkRuntime {
    pub(crate) fn new() -> Self {
        let directory = tempfile::Builder::new()
            .prefix("shopify-sim-bulk-")
            .tempdir()
            .map_err(|error| tracing::warn!(%error, "no directory for bulk operation results"))
            .ok();
        BulkRuntime {
            behaviour: Mutex::new(BulkBehaviour::default()),
            resumed: Notify::new(),
            directory,
            links: Mutex::new(HashMap::new()),
        }
    }

    fn file(&self, id: u64) -> Option<PathBuf> {
        self.directory.as_ref().map(|directory| directory.path().join(format!("{id}.jsonl")))
    }
}

/// The most bulk queries that may run at once for one app and shop.
pub fn concurrency_limit(api_version: &str) -> usize {
    if crate::server::version_at_least(api_version, "2026-01") { 5 } else { 1 }
}

// ---------------------------------------------------------------------------------------------
// Validation and planning
// ---------------------------------------------------------------------------------------------

/// A validated bulk query, ready to run chunk by chunk.
pub(crate) struct BulkPlan {
    schema: &'static AdminSchema,
    api_version: String,
    /// The query with paging arguments removed and `pageInfo` added to the root connection.
    document: ExecutableDocument,
    /// The same query selecting only the root connection's `pageInfo`: where the next chunk starts, found
    /// without resolving the nodes, so the next chunk can run while this one does.
    boundaries: ExecutableDocument,
    root_key: String,
    /// The root field is a connection (walked in chunks), or an object (one line).
    root_is_connection: bool,
    root_edges: (String, String),
    /// Connections below the root node (or root object).
    children: Vec<ConnectionSpec>,
}

/// A nested connection, located from the node that holds it.
#[derive(Debug, Clone)]
struct ConnectionSpec {
    /// Response keys from the holding node to the connection field.
    path: Vec<String>,
    edges_key: String,
    node_key: String,
    children: Vec<ConnectionSpec>,
}

/// How many chunks of an operation run at once: the next one is read while this one is written.
const CHUNKS_AHEAD: usize = 2;

/// The alias of the `pageInfo` the runner adds to the root connection.
const PAGE_INFO_ALIAS: &str = "simBulkPageInfo";

/// Checks a bulk query by Shopify's rules; the messages of every rule broken when it is refused.
pub(crate) fn plan(query: &str, api_version: &str) -> Result<BulkPlan, Vec<String>> {
    let schema = crate::server::schema_of(api_version);
    let document = match schema.validate(query) {
        Ok(document) => document,
        Err(error) => {
            let reason =
                error.diagnostics().first().map(|diagnostic| diagnostic.message.clone()).unwrap_or(error.to_string());
            return Err(vec![format!("Invalid bulk query: {reason}")]);
        }
    };
    let operation = match document.operations.get(None) {
        Ok(operation) => operation,
        Err(_) => return Err(vec!["Invalid bulk query: the document must hold exactly one operation".to_string()]),
    };
    if operation.operation_type != OperationType::Query {
        return Err(vec!["Invalid operation type. Only `query` operations are supported.".to_string()]);
    }
    if let Err(error) = crate::graphql::cost::check_limits(&document, operation) {
        return Err(vec![error.message]);
    }
    let mut errors = Vec::new();
    let roots: Vec<&Node<Field>> = collect_fields(&document, &operation.selection_set)
        .into_iter()
        .filter(|field| field.name != "__typename")
        .collect();
    let mut analysis = Analysis::default();
    let mut children = Vec::new();
    let mut root_edges = (String::new(), String::new());
    let mut root_is_connection = false;
    for root in &roots {
        if root.name == "node" || root.name == "nodes" {
            errors.push(format!("Bulk queries cannot contain a top level `{}` field.", root.name));
            continue;
        }
        if is_connection(schema.schema(), root) {
            root_is_connection = true;
            let spec = analysis.connection(&document, schema.schema(), root, 0, false, None, Vec::new());
            root_edges = (spec.edges_key.clone(), spec.node_key.clone());
            children = spec.children;
        } else {
            let parent =
                Some(Parent { name: root.name.to_string(), has_id: selects_id(&document, &root.selection_set) });
            let in_list = root.definition.ty.is_list();
            analysis.walk(
                &document,
                schema.schema(),
                &root.selection_set,
                0,
                in_list,
                parent,
                &mut Vec::new(),
                &mut children,
            );
        }
    }
    if roots.len() > 1 {
        errors.push("Bulk queries must select a single top level field.".to_string());
    }
    if !analysis.via_nodes.is_empty() {
        errors.push(format!(
            "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: \
             'products {{ edges {{ node {{'. Selecting via 'nodes' is not supported. Invalid connection fields: {}.",
            quoted_list(&analysis.via_nodes)
        ));
    }
    if analysis.within_list {
        errors.push(
            "Queries that contain a connection field within a list field are not currently supported.".to_string(),
        );
    }
    if analysis.connections > 5 {
        errors.push("Bulk queries cannot contain more than 5 connections.".to_string());
    }
    if analysis.too_deep {
        errors.push("Bulk queries cannot contain connections with a nesting depth greater than 2.".to_string());
    }
    if !analysis.parents_without_id.is_empty() {
        errors.push(format!(
            "The parent 'node' field for a nested connection must select the 'id' field without an alias and must \
             be of 'ID' return type. Connection fields without 'id': {}.",
            analysis.parents_without_id.join(", ")
        ));
    }
    if analysis.connections == 0 {
        errors.push("Bulk queries must contain at least one connection.".to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(root) = roots.first() else {
        return Err(vec!["Bulk queries must contain at least one connection.".to_string()]);
    };
    let root_key = root.response_key().to_string();
    let mut prepared = document.into_inner();
    prepare(&mut prepared, schema.schema(), &root_key, root_is_connection);
    let boundaries = boundary_document(&prepared, &root_key);
    Ok(BulkPlan {
        schema,
        api_version: api_version.to_string(),
        document: prepared,
        boundaries,
        root_key,
        root_is_connection,
        root_edges,
        children,
    })
}

fn quoted_list(names: &[String]) -> String {
    names.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(", ")
}

/// The node (or root object) that holds a connection.
struct Parent {
    name: String,
    has_id: bool,
}

#[derive(Default)]
struct Analysis {
    connections: usize,
    too_deep: bool,
    within_list: bool,
    via_nodes: Vec<String>,
    parents_without_id: Vec<String>,
}

impl Analysis {
    /// Analyses one connection field at `depth` (connections above it) and returns its spec.
    #[allow(clippy::too_many_arguments)]
    fn connection(
        &mut self,
        document: &ExecutableDocument,
        schema: &Schema,
        field: &Field,
        depth: usize,
        in_list: bool,
        parent: Option<&Parent>,
        path: Vec<String>,
    ) -> ConnectionSpec {
        self.connections += 1;
        if depth + 1 > 2 {
            self.too_deep = true;
        }
        if in_list {
            self.within_list = true;
        }
        if let Some(parent) = parent
            && !parent.has_id
            && !self.parents_without_id.contains(&parent.name)
        {
            self.parents_without_id.push(parent.name.clone());
        }
        let inner = collect_fields(document, &field.selection_set);
        let edges = inner.iter().find(|candidate| candidate.name == "edges");
        let node = edges.and_then(|edges| {
            collect_fields(document, &edges.selection_set).into_iter().find(|candidate| candidate.name == "node")
        });
        if edges.is_none() && inner.iter().any(|candidate| candidate.name == "nodes") {
            self.via_nodes.push(field.name.to_string());
        }
        let mut spec = ConnectionSpec {
            path: {
                let mut path = path;
                path.push(field.response_key().to_string());
                path
            },
            edges_key: edges.map(|edges| edges.response_key().to_string()).unwrap_or_default(),
            node_key: node.map(|node| node.response_key().to_string()).unwrap_or_default(),
            children: Vec::new(),
        };
        if let Some(node) = node {
            let holder = Parent { name: field.name.to_string(), has_id: selects_id(document, &node.selection_set) };
            let mut children = Vec::new();
            self.walk(
                document,
                schema,
                &node.selection_set,
                depth + 1,
                false,
                Some(holder),
                &mut Vec::new(),
                &mut children,
            );
            spec.children = children;
        }
        spec
    }

    /// Walks the selection of a node (or root object), finding connections below it.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        document: &ExecutableDocument,
        schema: &Schema,
        set: &SelectionSet,
        depth: usize,
        in_list: bool,
        parent: Option<Parent>,
        path: &mut Vec<String>,
        out: &mut Vec<ConnectionSpec>,
    ) {
        for field in collect_fields(document, set) {
            if field.selection_set.selections.is_empty() {
                continue;
            }
            if is_connection(schema, field) {
                let spec = self.connection(document, schema, field, depth, in_list, parent.as_ref(), path.clone());
                out.push(spec);
            } else {
                path.push(field.response_key().to_string());
                let in_list = in_list || field.definition.ty.is_list();
                let parent = parent.as_ref().map(|parent| Parent { name: parent.name.clone(), has_id: parent.has_id });
                self.walk(document, schema, &field.selection_set, depth, in_list, parent, path, out);
                path.pop();
            }
        }
    }
}

/// Fields of a selection set with fragments flattened, the first field of each response key.
fn collect_fields<'d>(document: &'d ExecutableDocument, set: &'d SelectionSet) -> Vec<&'d Node<Field>> {
    fn visit<'d>(
        document: &'d ExecutableDocument,
        set: &'d SelectionSet,
        out: &mut Vec<&'d Node<Field>>,
        depth: usize,
    ) {
        if depth > 32 {
            return;
        }
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if !out.iter().any(|seen| seen.response_key() == field.response_key()) {
                        out.push(field);
                    }
                }
                Selection::InlineFragment(inline) => visit(document, &inline.selection_set, out, depth + 1),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                        visit(document, &fragment.selection_set, out, depth + 1);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    visit(document, set, &mut out, 0);
    out
}

fn selects_id(document: &ExecutableDocument, set: &SelectionSet) -> bool {
    collect_fields(document, set).iter().any(|field| field.name == "id" && field.alias.is_none())
}

/// A connection is an object type named `…Connection` with `edges`.
fn is_connection(schema: &Schema, field: &Field) -> bool {
    let type_name = field.definition.ty.inner_named_type();
    type_name.ends_with("Connection") && !field.definition.ty.is_list() && schema.type_field(type_name, "edges").is_ok()
}

const PAGING_ARGUMENTS: &[&str] = &["first", "last", "after", "before"];

/// Removes paging arguments from every connection and adds the runner's `pageInfo` to the root.
fn prepare(document: &mut ExecutableDocument, schema: &Schema, root_key: &str, root_is_connection: bool) {
    fn strip(set: &mut SelectionSet, schema: &Schema) {
        for selection in &mut set.selections {
            match selection {
                Selection::Field(field) => {
                    let field = field.make_mut();
                    if is_connection(schema, field) {
                        field.arguments.retain(|argument| !PAGING_ARGUMENTS.contains(&argument.name.as_str()));
                    }
                    strip(&mut field.selection_set, schema);
                }
                Selection::InlineFragment(inline) => strip(&mut inline.make_mut().selection_set, schema),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    for fragment in document.fragments.values_mut() {
        strip(&mut fragment.make_mut().selection_set, schema);
    }
    let Ok(operation) = document.operations.get_mut(None) else {
        return;
    };
    strip(&mut operation.selection_set, schema);
    if !root_is_connection {
        return;
    }
    for selection in &mut operation.selection_set.selections {
        if let Selection::Field(field) = selection
            && field.response_key() == root_key
        {
            let field = field.make_mut();
            let page_info = field.selection_set.new_field(schema, name!("pageInfo")).map(|page_info| {
                let has_next = page_info.selection_set.new_field(schema, name!("hasNextPage"));
                let end_cursor = page_info.selection_set.new_field(schema, name!("endCursor"));
                let mut page_info = page_info.with_alias(name!("simBulkPageInfo"));
                page_info.selection_set.extend(has_next.into_iter().chain(end_cursor));
                page_info
            });
            if let Ok(page_info) = page_info {
                field.selection_set.push(page_info);
            }
        }
    }
}

/// `document` with the root connection selecting only the runner's `pageInfo`.
fn boundary_document(document: &ExecutableDocument, root_key: &str) -> ExecutableDocument {
    let mut boundaries = document.clone();
    if let Ok(operation) = boundaries.operations.get_mut(None) {
        for selection in &mut operation.selection_set.selections {
            if let Selection::Field(field) = selection
                && field.response_key() == root_key
            {
                field.make_mut().selection_set.selections.retain(
                    |selection| matches!(selection, Selection::Field(inner) if inner.response_key() == PAGE_INFO_ALIAS),
                );
            }
        }
    }
    boundaries
}

/// The plan's document with the root's page set (`first: chunk`, `after: cursor`).
fn chunk_document(plan: &BulkPlan, chunk: usize, after: Option<&str>) -> Valid<ExecutableDocument> {
    with_page(&plan.document, plan, chunk, after)
}

/// `source` (the plan's document or its boundaries) with the root's page set.
fn with_page(
    source: &ExecutableDocument,
    plan: &BulkPlan,
    chunk: usize,
    after: Option<&str>,
) -> Valid<ExecutableDocument> {
    let mut document = source.clone();
    if plan.root_is_connection
        && let Ok(operation) = document.operations.get_mut(None)
    {
        for selection in &mut operation.selection_set.selections {
            if let Selection::Field(field) = selection
                && field.response_key() == plan.root_key.as_str()
            {
                let field = field.make_mut();
                let first = i32::try_from(chunk).unwrap_or(i32::MAX);
                field.arguments.push((name!("first"), Node::new(Value::from(first))).into());
                if let Some(after) = after {
                    field.arguments.push((name!("after"), Node::new(Value::String(after.to_string()))).into());
                }
            }
        }
    }
    // Only argument values of the right type were added to a validated document.
    Valid::assume_valid(document)
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// Runs until `shutdown` turns true: starts every created operation.
pub(crate) async fn run(state: Arc<SimState>, mut shutdown: watch::Receiver<bool>) {
    let signal = state.store.read().bulk.signal.clone();
    loop {
        let woken = signal.notified();
        let created: Vec<u64> = {
            let mut store = state.store.write();
            // Canceled before it started still needs the runner, to end as CANCELED.
            let ids: Vec<u64> = store
                .bulk
                .items
                .values()
                .filter(|operation| !operation.started && !operation.status.is_terminal())
                .map(|operation| operation.id)
                .collect();
            for id in &ids {
                if let Some(operation) = store.bulk.items.get_mut(id) {
                    operation.started = true;
                    if !operation.cancel_requested {
                        operation.status = BulkStatus::Running;
                    }
                }
            }
            ids
        };
        for id in created {
            tokio::spawn(execute(state.clone(), id, shutdown.clone()));
        }
        tokio::select! {
            _ = woken => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// How an operation ended.
enum Ending {
    Completed,
    Canceled,
    Failed(&'static str, Vec<String>),
}

async fn execute(state: Arc<SimState>, id: u64, mut shutdown: watch::Receiver<bool>) {
    let (query, api_version, group_objects, variables) = {
        let store = state.store.read();
        let Some(operation) = store.bulk.items.get(&id) else {
            return;
        };
        (operation.query.clone(), operation.api_version.clone(), operation.group_objects, operation.variables.clone())
    };
    if let Some(variables) = variables {
        let ending = execute_mutations(&state, id, &query, &api_version, variables, &mut shutdown).await;
        if let Some(ending) = ending {
            finish(&state, id, ending);
        }
        return;
    }
    let ending = 'run: {
        let plan = match plan(&query, &api_version) {
            Ok(plan) => Arc::new(plan),
            Err(errors) => break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", errors), 0, 0, 0),
        };
        let Some(path) = state.bulk.file(id) else {
            break 'run (
                Ending::Failed(
                    "INTERNAL_SERVER_ERROR",
                    vec!["the simulator has no directory for result files".to_string()],
                ),
                0,
                0,
                0,
            );
        };
        let mut writer = match std::fs::File::create(&path) {
            Ok(file) => Some(BufWriter::with_capacity(256 * 1024, file)),
            Err(error) => {
                break 'run (
                    Ending::Failed("INTERNAL_SERVER_ERROR", vec![format!("{}: {error}", path.display())]),
                    0,
                    0,
                    0,
                );
            }
        };
        let (mut lines, mut roots, mut bytes) = (0u64, 0u64, 0u64);
        // Chunks run ahead of the one being written, each on a blocking thread: where the next one starts is
        // found first with the cheap boundary query. The file is still written chunk by chunk, in order.
        let mut pending: VecDeque<tokio::task::JoinHandle<Executed>> = VecDeque::new();
        let mut next_start: Option<Option<String>> = Some(None);
        loop {
            // Pause (tests hold operations running) and cancel are checked between chunks.
            loop {
                if cancel_requested(&state, id) {
                    break 'run (Ending::Canceled, lines, roots, bytes);
                }
                if !state.bulk.behaviour.lock().paused {
                    break;
                }
                tokio::select! {
                    _ = state.bulk.resumed.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                    _ = shutdown.changed() => return,
                }
            }
            let behaviour = state.bulk.behaviour.lock().clone();
            let chunk = behaviour.chunk_size.max(1);
            while pending.len() < CHUNKS_AHEAD
                && let Some(start) = next_start.take()
            {
                let (task_state, task_plan, task_start) = (state.clone(), plan.clone(), start.clone());
                pending.push_back(tokio::task::spawn_blocking(move || {
                    execute_chunk(&task_state, &task_plan, chunk, task_start.as_deref())
                }));
                if !plan.root_is_connection {
                    break;
                }
                let (task_state, task_plan) = (state.clone(), plan.clone());
                let boundary = tokio::task::spawn_blocking(move || {
                    next_boundary(&task_state, &task_plan, chunk, start.as_deref())
                })
                .await;
                match boundary {
                    Ok(Ok(next)) => next_start = next.map(Some),
                    Ok(Err(errors)) => {
                        break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", errors), lines, roots, bytes);
                    }
                    Err(error) => {
                        break 'run (
                            Ending::Failed("INTERNAL_SERVER_ERROR", vec![error.to_string()]),
                            lines,
                            roots,
                            bytes,
                        );
                    }
                }
            }
            let Some(task) = pending.pop_front() else {
                break;
            };
            let executed = match task.await {
                Ok(executed) => executed,
                Err(error) => {
                    break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", vec![error.to_string()]), lines, roots, bytes);
                }
            };
            let mut errors = executed.errors;
            let taken = writer.take();
            let rows = executed.rows;
            let written = tokio::task::spawn_blocking(move || write_chunk(taken, rows, group_objects)).await;
            let outcome = match written {
                Ok(outcome) => outcome,
                Err(error) => {
                    break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", vec![error.to_string()]), lines, roots, bytes);
                }
            };
            writer = outcome.writer;
            errors.extend(outcome.errors);
            lines += outcome.lines;
            roots += executed.roots;
            bytes += outcome.bytes;
            {
                let mut store = state.store.write();
                if let Some(operation) = store.bulk.items.get_mut(&id) {
                    operation.object_count = lines;
                    operation.root_object_count = roots;
                }
            }
            if !errors.is_empty() {
                break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", errors), lines, roots, bytes);
            }
            if let Some(limit) = behaviour.fail_after_objects
                && lines >= limit
            {
                let message = format!("fault injection: failed after {lines} objects");
                break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", vec![message]), lines, roots, bytes);
            }
        }
        if let Some(mut writer) = writer
            && let Err(error) = writer.flush()
        {
            break 'run (Ending::Failed("INTERNAL_SERVER_ERROR", vec![error.to_string()]), lines, roots, bytes);
        }
        (Ending::Completed, lines, roots, bytes)
    };
    finish(&state, id, ending);
}

/// Lines of a bulk mutation run per blocking task; cancel and pause are checked between them.
const MUTATION_LINES_PER_CHUNK: usize = 250;

/// Runs a bulk mutation: one execution per line of `variables`, one result line each. `None`
/// when the simulator shuts down first.
async fn execute_mutations(
    state: &Arc<SimState>,
    id: u64,
    mutation: &str,
    api_version: &str,
    variables: Arc<Vec<u8>>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<(Ending, u64, u64, u64)> {
    let failed =
        |message: String, lines, bytes| (Ending::Failed("INTERNAL_SERVER_ERROR", vec![message]), lines, lines, bytes);
    let schema = crate::server::schema_of(api_version);
    let document = match schema.validate(mutation) {
        Ok(document) => Arc::new(document),
        Err(error) => return Some(failed(error.to_string(), 0, 0)),
    };
    let Some(path) = state.bulk.file(id) else {
        return Some(failed("the simulator has no directory for result files".to_string(), 0, 0));
    };
    let mut writer = match std::fs::File::create(&path) {
        Ok(file) => BufWriter::with_capacity(256 * 1024, file),
        Err(error) => return Some(failed(format!("{}: {error}", path.display()), 0, 0)),
    };
    let env = Arc::new(state.request_env(api_version));
    // Line numbers count every line of the file, empty ones included, as the input's own numbering.
    let input: Vec<(u64, std::ops::Range<usize>)> = {
        let mut start = 0;
        let mut ranges = Vec::new();
        for (number, line) in variables.split(|byte| *byte == b'\n').enumerate() {
            let range = start..start + line.len();
            start += line.len() + 1;
            if !line.trim_ascii().is_empty() {
                ranges.push((number as u64, range));
            }
        }
        ranges
    };
    let (mut lines, mut bytes) = (0u64, 0u64);
    for chunk in input.chunks(MUTATION_LINES_PER_CHUNK) {
        loop {
            if cancel_requested(state, id) {
                return Some((Ending::Canceled, lines, lines, bytes));
            }
            if !state.bulk.behaviour.lock().paused {
                break;
            }
            tokio::select! {
                _ = state.bulk.resumed.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = shutdown.changed() => return None,
            }
        }
        let (task_state, task_document, task_env, task_variables) =
            (state.clone(), document.clone(), env.clone(), variables.clone());
        let chunk = chunk.to_vec();
        let results = tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|(number, range)| {
                    let mut result = match serde_json::from_slice::<Map<String, Json>>(&task_variables[range]) {
                        Ok(provided) => crate::graphql::run_bulk_mutation_line(
                            &task_state,
                            &task_document,
                            schema,
                            &provided,
                            &task_env,
                        ),
                        Err(error) => {
                            let mut result = Map::new();
                            let message = format!("Line {number} is not a JSON object of variables: {error}");
                            result.insert("errors".to_string(), json!([{ "message": message }]));
                            result
                        }
                    };
                    result.insert("__lineNumber".to_string(), json!(number));
                    result
                })
                .collect::<Vec<_>>()
        })
        .await;
        let results = match results {
            Ok(results) => results,
            Err(error) => return Some(failed(error.to_string(), lines, bytes)),
        };
        for result in results {
            let mut line = match serde_json::to_vec(&result) {
                Ok(line) => line,
                Err(error) => return Some(failed(error.to_string(), lines, bytes)),
            };
            line.push(b'\n');
            if let Err(error) = writer.write_all(&line) {
                return Some(failed(format!("{}: {error}", path.display()), lines, bytes));
            }
            lines += 1;
            bytes += line.len() as u64;
        }
        {
            let mut store = state.store.write();
            if let Some(operation) = store.bulk.items.get_mut(&id) {
                operation.object_count = lines;
                operation.root_object_count = lines;
            }
        }
        if let Some(limit) = state.bulk.behaviour.lock().fail_after_objects
            && lines >= limit
        {
            let _ = writer.flush();
            return Some(failed(format!("fault injection: failed after {lines} objects"), lines, bytes));
        }
    }
    if let Err(error) = writer.flush() {
        return Some(failed(error.to_string(), lines, bytes));
    }
    Some((Ending::Completed, lines, lines, bytes))
}

fn cancel_requested(state: &SimState, id: u64) -> bool {
    state.store.read().bulk.items.get(&id).is_some_and(|operation| operation.cancel_requested)
}

fn finish(state: &SimState, id: u64, (ending, lines, roots, bytes): (Ending, u64, u64, u64)) {
    let name = hex::encode(rand::random::<[u8; 16]>());
    let lifetime = Duration::from_secs(state.bulk.behaviour.lock().result_url_lifetime_seconds);
    let expires = std::time::Instant::now().checked_add(lifetime).unwrap_or_else(std::time::Instant::now);
    if lines > 0 {
        state.bulk.links.lock().insert(name.clone(), ResultLink { id, expires });
    }
    let url = format!("{}/_sim/bulk-results/{name}.jsonl", state.base_url);
    let mut store = state.store.write();
    let now = store.now();
    let Some(operation) = store.bulk.items.get_mut(&id) else {
        return;
    };
    operation.object_count = lines;
    operation.root_object_count = roots;
    operation.completed_at = Some(now);
    match ending {
        Ending::Completed => {
            operation.status = BulkStatus::Completed;
            if lines > 0 {
                operation.url = Some(url);
                operation.file_size = Some(bytes);
            }
        }
        Ending::Canceled => {
            operation.status = BulkStatus::Canceled;
            operation.partial_data_url = (lines > 0).then_some(url);
        }
        Ending::Failed(code, errors) => {
            tracing::info!(id, ?errors, "bulk operation failed");
            operation.status = BulkStatus::Failed;
            operation.error_code = Some(code);
            operation.errors = errors;
            operation.partial_data_url = (lines > 0).then_some(url);
        }
    }
    store.record("bulk_operations/finish", gid::format("BulkOperation", id));
}

/// One output line with the lines of the connections it holds.
struct Row {
    line: Map<String, Json>,
    children: Vec<Row>,
}

/// One chunk's rows, read from the store and not yet written.
struct Executed {
    rows: Vec<Row>,
    roots: u64,
    errors: Vec<String>,
}

/// What writing a chunk left for the next one.
struct Written {
    writer: Option<BufWriter<std::fs::File>>,
    lines: u64,
    bytes: u64,
    errors: Vec<String>,
}

/// Runs the plan's query for one chunk (`first: chunk` after `after`) and splits its nodes into rows.
fn execute_chunk(state: &SimState, plan: &BulkPlan, chunk: usize, after: Option<&str>) -> Executed {
    let document = chunk_document(plan, chunk, after);
    let execution = match run_document(state, plan, &document) {
        Ok(execution) => execution,
        Err(errors) => return Executed { rows: Vec::new(), roots: 0, errors },
    };
    let errors: Vec<String> = execution.errors.iter().map(|error| error.message.clone()).collect();
    let mut data = match execution.data {
        Json::Object(data) => data,
        _ => Map::new(),
    };
    let root = data.shift_remove(&plan.root_key).unwrap_or(Json::Null);
    let rows = if plan.root_is_connection {
        let Json::Object(mut connection) = root else {
            return Executed { rows: Vec::new(), roots: 0, errors };
        };
        connection.shift_remove(PAGE_INFO_ALIAS);
        let nodes = take_nodes(Json::Object(connection), &plan.root_edges.0, &plan.root_edges.1);
        nodes.into_iter().map(|node| split(node, &plan.children)).collect::<Vec<_>>()
    } else {
        match root {
            Json::Object(object) => vec![split(object, &plan.children)],
            _ => Vec::new(),
        }
    };
    let roots = rows.len() as u64;
    Executed { rows, roots, errors }
}

/// Where the chunk after the one starting at `after` starts (`None`: that chunk is the last).
fn next_boundary(
    state: &SimState,
    plan: &BulkPlan,
    chunk: usize,
    after: Option<&str>,
) -> Result<Option<String>, Vec<String>> {
    let document = with_page(&plan.boundaries, plan, chunk, after);
    let execution = run_document(state, plan, &document)?;
    if !execution.errors.is_empty() {
        return Err(execution.errors.iter().map(|error| error.message.clone()).collect());
    }
    let page_info = execution.data.get(&plan.root_key).and_then(|root| root.get(PAGE_INFO_ALIAS));
    let has_next = page_info.and_then(|info| info.get("hasNextPage")) == Some(&json!(true));
    Ok(page_info.and_then(|info| info.get("endCursor")).and_then(Json::as_str).filter(|_| has_next).map(str::to_string))
}

/// Executes a chunk's document against the store as it is now.
fn run_document(
    state: &SimState,
    plan: &BulkPlan,
    document: &Valid<ExecutableDocument>,
) -> Result<Execution, Vec<String>> {
    let variables = Map::new();
    let store = state.store.read();
    let env = state.request_env(&plan.api_version);
    let ctx = Ctx { store: &store, env: &env, registry: &state.registry };
    match document.operations.get(None) {
        Ok(operation) => Ok(without_page_limits(|| {
            Executor::new(document, plan.schema.schema(), &variables).run_query(operation, &QueryRoot, &ctx)
        })),
        Err(error) => Err(vec![format!("{error:?}")]),
    }
}

/// Appends a chunk's rows to the result file.
fn write_chunk(mut writer: Option<BufWriter<std::fs::File>>, rows: Vec<Row>, group_objects: bool) -> Written {
    let mut counter = CountingWriter { inner: writer.as_mut(), lines: 0, bytes: 0 };
    let written = if group_objects { write_grouped(&mut counter, rows) } else { write_by_level(&mut counter, rows) };
    let (lines, bytes) = (counter.lines, counter.bytes);
    let errors = match written {
        Ok(()) => Vec::new(),
        Err(error) => vec![format!("writing the result file: {error}")],
    };
    Written { writer, lines, bytes, errors }
}

/// The node objects of a connection value (`{edges: [{node: {...}}]}`).
fn take_nodes(connection: Json, edges_key: &str, node_key: &str) -> Vec<Map<String, Json>> {
    let Json::Object(mut connection) = connection else {
        return Vec::new();
    };
    match connection.shift_remove(edges_key) {
        Some(Json::Array(edges)) => edges
            .into_iter()
            .filter_map(|edge| match edge {
                Json::Object(mut edge) => match edge.shift_remove(node_key) {
                    Some(Json::Object(node)) => Some(node),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Takes the nested connections out of a node, giving each child node its `__parentId`.
fn split(mut line: Map<String, Json>, specs: &[ConnectionSpec]) -> Row {
    let parent_id = line.get("id").and_then(Json::as_str).map(str::to_string);
    let mut children = Vec::new();
    for spec in specs {
        let Some((key, holders)) = spec.path.split_last() else {
            continue;
        };
        let mut holder = Some(&mut line);
        for step in holders {
            holder = holder.and_then(|map| match map.get_mut(step) {
                Some(Json::Object(inner)) => Some(inner),
                _ => None,
            });
        }
        let Some(connection) = holder.and_then(|map| map.shift_remove(key)) else {
            continue;
        };
        for node in take_nodes(connection, &spec.edges_key, &spec.node_key) {
            let mut row = split(node, &spec.children);
            if let Some(parent_id) = &parent_id {
                row.line.insert("__parentId".to_string(), Json::String(parent_id.clone()));
            }
            children.push(row);
        }
    }
    Row { line, children }
}

/// Counts lines and bytes; writes nowhere when there is no file.
struct CountingWriter<'w> {
    inner: Option<&'w mut BufWriter<std::fs::File>>,
    lines: u64,
    bytes: u64,
}

impl CountingWriter<'_> {
    fn line(&mut self, line: Map<String, Json>) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(&Json::Object(line)).map_err(std::io::Error::other)?;
        text.push(b'\n');
        if let Some(inner) = self.inner.as_mut() {
            inner.write_all(&text)?;
        }
        self.lines += 1;
        self.bytes += text.len() as u64;
        Ok(())
    }
}

/// Each child right after its parent (depth first).
fn write_grouped(out: &mut CountingWriter<'_>, rows: Vec<Row>) -> std::io::Result<()> {
    for row in rows {
        out.line(row.line)?;
        write_grouped(out, row.children)?;
    }
    Ok(())
}

/// Level by level: the chunk's roots, then all their children, then the grandchildren.
fn write_by_level(out: &mut CountingWriter<'_>, rows: Vec<Row>) -> std::io::Result<()> {
    let mut level = rows;
    while !level.is_empty() {
        let mut next = Vec::new();
        for row in level {
            out.line(row.line)?;
            next.extend(row.children);
        }
        level = next;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bodies, control and routes
// ---------------------------------------------------------------------------------------------

/// The `bulk_operations/finish` webhook body (status, type and error code in lower case).
pub fn finish_body(id: u64, store: &Store) -> Option<Json> {
    let operation = store.bulk.items.get(&id)?;
    let time = |timestamp| crate::webhooks::bodies::rest_time(timestamp, store);
    Some(json!({
        "admin_graphql_api_id": operation.gid(),
        "completed_at": time(operation.completed_at.unwrap_or(operation.created_at)),
        "created_at": time(operation.created_at),
        "error_code": operation.error_code.map(str::to_ascii_lowercase),
        "status": operation.status.as_str().to_ascii_lowercase(),
        "type": operation.kind.to_ascii_lowercase(),
    }))
}

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/_sim/bulk-results/{file}", axum::routing::get(result_file))
        .route(
            "/_sim/bulk",
            axum::routing::get(|State(state): State<Arc<SimState>>| async move {
                axum::Json(SimControl { state }.bulk_operations())
            }),
        )
        .route(
            "/_sim/bulk-behaviour",
            axum::routing::get(|State(state): State<Arc<SimState>>| async move {
                axum::Json(SimControl { state }.bulk_behaviour())
            })
            .put(
                |State(state): State<Arc<SimState>>, axum::Json(behaviour): axum::Json<BulkBehaviour>| async move {
                    let control = SimControl { state };
                    control.set_bulk_behaviour(behaviour);
                    axum::Json(control.bulk_behaviour())
                },
            ),
        )
}

/// Serves a result file, streamed from disk, like the signed storage URL Shopify hands out: by
/// its random name, until it expires.
async fn result_file(State(state): State<Arc<SimState>>, Path(file): Path<String>) -> Response<Body> {
    let not_found = || {
        let mut response = Response::new(Body::from("No such bulk operation result"));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    };
    let link = file
        .strip_suffix(".jsonl")
        .and_then(|name| state.bulk.links.lock().get(name).map(|link| (link.id, link.expires)));
    let Some((id, expires)) = link else {
        return not_found();
    };
    if std::time::Instant::now() >= expires {
        let mut response = Response::new(Body::from(
            "This bulk operation's result URL has expired (they last 7 days, as Shopify's): run the bulk query \
             again for a new one.",
        ));
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let has_file = state
        .store
        .read()
        .bulk
        .items
        .get(&id)
        .is_some_and(|operation| operation.url.is_some() || operation.partial_data_url.is_some());
    let Some(path) = state.bulk.file(id).filter(|_| has_file) else {
        return not_found();
    };
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return not_found();
    };
    let length = file.metadata().await.map(|metadata| metadata.len()).ok();
    let mut response = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(file)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jsonl"));
    if let Some(length) = length.and_then(|length| HeaderValue::from_str(&length.to_string()).ok()) {
        headers.insert(header::CONTENT_LENGTH, length);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::plan;

    fn refused(query: &str) -> Vec<String> {
        match plan(query, "2026-10") {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }

    #[test]
    fn bulk_rules_refuse_queries_as_shopify_words_it() {
        assert!(refused("{ products { edges { node { id variants { edges { node { id sku } } } } } } }").is_empty());
        assert_eq!(refused("{ shop { id } }"), ["Bulk queries must contain at least one connection."]);
        assert_eq!(
            refused("{ products { edges { node { title variants { edges { node { id } } } } } } }"),
            ["The parent 'node' field for a nested connection must select the 'id' field without an alias and must \
                 be of 'ID' return type. Connection fields without 'id': products."]
        );
        assert!(refused("{ products { nodes { id } } }")[0].contains("Invalid connection fields: 'products'."));
        assert_eq!(
            refused("mutation { tagsAdd(id: \"gid://shopify/Product/1\", tags: [\"a\"]) { userErrors { message } } }"),
            ["Invalid operation type. Only `query` operations are supported."]
        );
        assert_eq!(
            refused("{ node(id: \"gid://shopify/Product/1\") { id } }"),
            [
                "Bulk queries cannot contain a top level `node` field.",
                "Bulk queries must contain at least one connection."
            ]
        );
        assert!(refused("")[0].starts_with("Invalid bulk query: "));
    }

    #[test]
    fn a_bulk_query_that_doubles_with_every_fragment_is_refused_before_it_runs() {
        // Each fragment spreads the next twice: 2^24 selections under every product.
        let mut query = String::from("{ products { edges { node { id ...F1 } } } }\n");
        for level in 1..24 {
            query.push_str(&format!("fragment F{level} on Product {{ ...F{next} ...F{next} }}\n", next = level + 1));
        }
        query.push_str("fragment F24 on Product { title }\n");
        let errors = refused(&query);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("exceeds the max of 10000"), "{errors:?}");
    }
}
