//! Running operations: the runner loop, bulk queries and bulk mutations, and how an operation
//! finishes.

use std::collections::VecDeque;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value as Json, json};
use tokio::sync::watch;

use super::chunks::{Executed, execute_chunk, next_boundary, write_chunk};
use super::operations::{BulkStatus, ResultLink};
use super::planning::{CHUNKS_AHEAD, plan};
use crate::gid;
use crate::state::SimState;

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

pub(super) fn cancel_requested(state: &SimState, id: u64) -> bool {
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
