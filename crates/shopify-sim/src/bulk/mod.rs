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

mod chunks;
mod operations;
mod planning;
mod runner;

pub(crate) use operations::BulkRuntime;
pub use operations::{
    BulkBehaviour, BulkOperation, BulkOperations, BulkStatus, RESULT_URL_LIFETIME_SECONDS, concurrency_limit,
};
pub(crate) use planning::plan;
pub(crate) use runner::run;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value as Json, json};

use crate::control::SimControl;
use crate::state::SimState;
use crate::store::Store;

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
