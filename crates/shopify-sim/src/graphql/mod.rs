//! The GraphQL Admin endpoint: parse and validate (cached), pick the operation, coerce variables,
//! compute and charge the cost, execute, refund, and shape the response as Shopify does.

pub mod connection;
pub mod cost;
pub mod errors;
pub mod executor;
pub mod input;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::OperationType;
use apollo_compiler::validation::Valid;
use parking_lot::Mutex;
use serde_json::{Map, Value as Json, json};
use shopify_schema::AdminSchema;

use self::errors::GraphqlError;
use self::executor::{Ctx, Executor, FieldError, Output, QueryRoot};
use crate::registry::MutationCtx;
use crate::state::SimState;
use crate::store::IdempotentResult;
use crate::throttle::cost_extension;

/// The most a single query may cost, on every plan.
pub const MAX_QUERY_COST: u32 = 1000;

/// A process-wide override of [`MAX_QUERY_COST`], for benchmarks only (0: none).
static MAX_QUERY_COST_OVERRIDE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Lifts the single-query cost limit for every simulator in this process. Shopify has no such
/// switch: only benchmarks use it, to page 250 orders with their lines in one request (a
/// connector would use a bulk operation for that), to measure the simulator rather than the
/// limit. `None` restores Shopify's 1,000.
pub fn override_max_query_cost_for_benchmarks(limit: Option<u32>) {
    MAX_QUERY_COST_OVERRIDE.store(limit.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
}

fn max_query_cost() -> u32 {
    match MAX_QUERY_COST_OVERRIDE.load(std::sync::atomic::Ordering::Relaxed) {
        0 => MAX_QUERY_COST,
        limit => limit,
    }
}

/// A parsed and validated document, shared by every request that sends the same text.
pub struct PreparedDocument {
    pub document: Valid<ExecutableDocument>,
    /// `@deprecated` fields and values the document uses (for `X-Shopify-API-Deprecated-Reason`).
    pub deprecated: Vec<String>,
}

type Prepared = Arc<Result<PreparedDocument, Vec<GraphqlError>>>;

/// Parse/validate cache keyed by schema version and document text. Bounded: when full it is cleared,
/// which keeps memory flat under clients that inline values into documents.
pub struct DocumentCache {
    entries: Mutex<HashMap<(&'static str, String), Prepared>>,
    capacity: usize,
}

impl DocumentCache {
    pub fn new(capacity: usize) -> Self {
        DocumentCache { entries: Mutex::new(HashMap::new()), capacity }
    }

    fn get_or_prepare(&self, schema: &'static AdminSchema, source: &str) -> Prepared {
        let key = (schema.version(), source.to_string());
        if let Some(found) = self.entries.lock().get(&key) {
            return found.clone();
        }
        let prepared: Prepared = Arc::new(match schema.validate(source) {
            Ok(document) => {
                let deprecated = schema.deprecated_uses(&document);
                Ok(PreparedDocument { document, deprecated })
            }
            Err(error) => Err(errors::validation_errors(source, error.diagnostics())),
        });
        let mut entries = self.entries.lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, prepared.clone());
        prepared
    }
}

/// A GraphQL request as the HTTP layer decoded it.
pub struct GraphqlRequest {
    pub query: String,
    pub variables: Map<String, Json>,
    pub operation_name: Option<String>,
}

/// What to answer.
pub struct GraphqlResponse {
    pub body: Json,
    /// Set when the document uses deprecated fields.
    pub deprecated_reason: Option<String>,
}

/// Serves one GraphQL request for the app identified by `token_key`.
pub fn serve(state: &SimState, api_version: &str, token_key: &str, request: GraphqlRequest) -> GraphqlResponse {
    let schema = crate::server::schema_of(api_version);
    let plain = |body| GraphqlResponse { body, deprecated_reason: None };
    let prepared = state.documents.get_or_prepare(schema, &request.query);
    let prepared = match prepared.as_ref() {
        Ok(prepared) => prepared,
        Err(errors) => return plain(json!({ "errors": errors })),
    };
    let document = &prepared.document;
    let operation = match document.operations.get(request.operation_name.as_deref()) {
        Ok(operation) => operation,
        Err(_) => {
            let message = match &request.operation_name {
                Some(name) => format!("No operation named \"{name}\""),
                None => "An operation name is required".to_string(),
            };
            return plain(json!({ "errors": [GraphqlError::new(message)] }));
        }
    };
    let variables = match input::coerce_variables(schema.schema(), operation, &request.variables) {
        Ok(variables) => variables,
        Err(errors) => return plain(json!({ "errors": errors })),
    };
    let info = executor::describe(document, operation);
    state.stats.lock().count_request(&info);

    // Depth and size first: everything after walks the document field by field.
    if let Err(error) = cost::check_limits(document, operation) {
        return plain(json!({ "errors": [error] }));
    }

    // Cost: refuse what can never run, then charge the bucket up front.
    let requested = cost::requested_cost(schema.schema(), document, operation, &variables);
    if requested > max_query_cost() {
        state.stats.lock().rejected_max_cost += 1;
        return plain(json!({ "errors": [GraphqlError::max_cost_exceeded(requested, max_query_cost())] }));
    }
    let now = Instant::now();
    let forced_throttle = state.faults.lock().throttle_now();
    let charged = {
        let mut buckets = state.buckets.lock();
        let bucket = state.bucket_for(&mut buckets, token_key);
        if forced_throttle { Err(bucket.status_at(now)) } else { bucket.try_take(requested, now) }
    };
    if let Err(status) = charged {
        state.stats.lock().throttled += 1;
        return plain(json!({
            "errors": [GraphqlError::throttled()],
            "extensions": { "cost": cost_extension(requested, None, status) },
        }));
    }

    let env = state.request_env_for(api_version, token_key);
    let (data, mut errors, actual) = match operation.operation_type {
        OperationType::Mutation => execute_mutation(state, document, schema, operation, &variables, &env),
        _ => {
            let store = state.store.read();
            let ctx = Ctx { store: &store, env: &env, registry: &state.registry };
            let execution = Executor::new(document, schema.schema(), &variables).run_query(operation, &QueryRoot, &ctx);
            (execution.data, execution.errors, execution.actual_cost)
        }
    };
    let actual = actual.min(requested);
    let status = {
        let mut buckets = state.buckets.lock();
        state.bucket_for(&mut buckets, token_key).refund(requested - actual, Instant::now())
    };
    state.stats.lock().cost_spent += u64::from(actual);

    let mut body = Map::new();
    if !errors.is_empty() {
        body.insert("errors".to_string(), json!(std::mem::take(&mut errors)));
    }
    body.insert("data".to_string(), data);
    body.insert("extensions".to_string(), json!({ "cost": cost_extension(requested, Some(actual), status) }));
    GraphqlResponse {
        body: Json::Object(body),
        deprecated_reason: (!prepared.deprecated.is_empty()).then(|| {
            format!(
                "{} (https://shopify.dev/api/usage/versioning#deprecation-practices)",
                prepared.deprecated.join(", ")
            )
        }),
    }
}

/// Runs one line of a bulk mutation: the line's variables coerced against the mutation's, then the
/// mutation as a request would run it (without cost: bulk mutations are not rate limited). The
/// result line's `data` and, when the line's request failed, `errors`.
pub(crate) fn run_bulk_mutation_line(
    state: &SimState,
    document: &Valid<ExecutableDocument>,
    schema: &AdminSchema,
    provided: &Map<String, Json>,
    env: &executor::RequestEnv,
) -> Map<String, Json> {
    let mut result = Map::new();
    let Ok(operation) = document.operations.get(None) else {
        result.insert("errors".to_string(), json!([GraphqlError::new("An operation name is required")]));
        return result;
    };
    match input::coerce_variables(schema.schema(), operation, provided) {
        Ok(variables) => {
            let (data, errors, _) = execute_mutation(state, document, schema, operation, &variables, env);
            result.insert("data".to_string(), data);
            if !errors.is_empty() {
                result.insert("errors".to_string(), json!(errors));
            }
        }
        Err(errors) => {
            result.insert("errors".to_string(), json!(errors));
        }
    }
    result
}

/// Runs each mutation field in order: the change under a write lock, then its payload selection
/// under a read lock. Handles `@idempotent(key:)` for every mutation: a retry with the same key and
/// arguments replays the first payload; the same key with other arguments is refused.
fn execute_mutation(
    state: &SimState,
    document: &Valid<ExecutableDocument>,
    schema: &AdminSchema,
    operation: &apollo_compiler::executable::Operation,
    variables: &Map<String, Json>,
    env: &executor::RequestEnv,
) -> (Json, Vec<GraphqlError>, u32) {
    let mut executor = Executor::new(document, schema.schema(), variables);
    let mut data = Map::new();
    let mut cost = 0;
    for (response_key, fields) in executor.root_fields(operation) {
        let field = fields[0];
        if field.name == "__typename" {
            data.insert(response_key.to_string(), Json::String("Mutation".to_string()));
            continue;
        }
        cost += cost::MUTATION_COST;
        let call = executor.call(field);
        let name = field.name.as_str();
        let error_at = |message: String, code: &str| {
            GraphqlError::at_field(message, field, &document.sources, &[errors::PathSegment::Key(response_key)])
                .with_code(code)
        };
        let Some(resolver) = state.registry.mutation_field(name) else {
            executor.push_error(error_at(
                format!(
                    "Field 'Mutation.{name}' is not implemented by the Shopify simulator (shopify-sim): it is valid \
                     in the Admin API but the simulator does not model it yet"
                ),
                "NOT_IMPLEMENTED_IN_SIMULATOR",
            ));
            data.insert(response_key.to_string(), Json::Null);
            continue;
        };
        let key = call.directive_arg("idempotent", "key", variables).and_then(|key| key.as_str().map(str::to_string));
        if key.is_none()
            && state.registry.requires_idempotency(name)
            && crate::server::version_at_least(&env.api_version, "2026-04")
        {
            executor.push_error(error_at(
                format!(
                    "The {name} mutation requires an idempotency key since API version 2026-04: add \
                     @idempotent(key: \"<uuid>\") to the field."
                ),
                "IDEMPOTENCY_KEY_REQUIRED",
            ));
            data.insert(response_key.to_string(), Json::Null);
            continue;
        }
        let arguments = call.arguments_json();
        if let Some(key) = &key {
            let previous = state.store.read().idempotency.get(&(name.to_string(), key.clone())).cloned();
            if let Some(previous) = previous {
                if previous.arguments == arguments {
                    data.insert(response_key.to_string(), previous.response);
                } else {
                    executor.push_error(error_at(
                        "The same idempotency key cannot be used with different operation parameters.".to_string(),
                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    ));
                    data.insert(response_key.to_string(), Json::Null);
                }
                continue;
            }
        }
        let payload = {
            let mut store = state.store.write();
            let mut mutation_ctx = MutationCtx { store: &mut store, env, registry: &state.registry, variables };
            resolver(&call, &mut mutation_ctx)
        };
        state.stats.lock().count_mutation();
        let value = {
            let store = state.store.read();
            let ctx = Ctx { store: &store, env, registry: &state.registry };
            let output: Result<Output<'_>, FieldError> = payload.map(Output::Object);
            executor.complete_root_field(response_key, &fields, output, &ctx)
        };
        if let Some(key) = key {
            state
                .store
                .write()
                .idempotency
                .insert((name.to_string(), key), IdempotentResult { arguments, response: value.clone() });
        }
        data.insert(response_key.to_string(), value);
    }
    let errors = executor.take_errors();
    (Json::Object(data), errors, cost)
}
