//! One chunk of a bulk query: executed against the store, split into rows, written as JSONL lines.

use std::io::{BufWriter, Write};

use apollo_compiler::executable::ExecutableDocument;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value as Json, json};

use super::planning::{BulkPlan, ConnectionSpec, PAGE_INFO_ALIAS, chunk_document, with_page};
use crate::graphql::connection::without_page_limits;
use crate::graphql::executor::{Ctx, Execution, Executor, QueryRoot};
use crate::state::SimState;

/// One output line with the lines of the connections it holds.
pub(super) struct Row {
    line: Map<String, Json>,
    children: Vec<Row>,
}

/// One chunk's rows, read from the store and not yet written.
pub(super) struct Executed {
    pub(super) rows: Vec<Row>,
    pub(super) roots: u64,
    pub(super) errors: Vec<String>,
}

/// What writing a chunk left for the next one.
pub(super) struct Written {
    pub(super) writer: Option<BufWriter<std::fs::File>>,
    pub(super) lines: u64,
    pub(super) bytes: u64,
    pub(super) errors: Vec<String>,
}

/// Runs the plan's query for one chunk (`first: chunk` after `after`) and splits its nodes into rows.
pub(super) fn execute_chunk(state: &SimState, plan: &BulkPlan, chunk: usize, after: Option<&str>) -> Executed {
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
pub(super) fn next_boundary(
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
pub(super) fn write_chunk(
    mut writer: Option<BufWriter<std::fs::File>>,
    rows: Vec<Row>,
    group_objects: bool,
) -> Written {
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
pub(super) fn split(mut line: Map<String, Json>, specs: &[ConnectionSpec]) -> Row {
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
