//! Bulk operations through the API: `bulkOperationRunQuery`, `bulkOperationCancel`,
//! `currentBulkOperation`, `bulkOperation(id:)`, `bulkOperations` and `node` for `BulkOperation`.
//! The running itself is in `crate::bulk`.

use std::rc::Rc;

use serde_json::json;

use super::{UserError, optional_text, text, time, user_errors};
use crate::bulk::{BulkOperation, BulkStatus, concurrency_limit};
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::registry::{MutationCtx, Registry};
use crate::search::{Query, Searchable, Term};

pub fn register(registry: &mut Registry) {
    registry
        .mutation("bulkOperationRunQuery", run_query)
        .mutation("bulkOperationRunMutation", run_mutation)
        .mutation("bulkOperationCancel", cancel)
        .query("currentBulkOperation", |call, ctx| {
            let kind = call.arg_str("type").unwrap_or("QUERY");
            let operation = ctx.store.bulk.items.values().rev().find(|operation| operation.kind == kind);
            Ok(operation.map_or(Output::Null, |operation| Output::Object(Rc::new(BulkOperationObject(operation)))))
        })
        .query("bulkOperation", |call, ctx| {
            let operation =
                super::gid_argument(call, "id", "BulkOperation")?.and_then(|id| ctx.store.bulk.items.get(&id));
            Ok(operation.map_or(Output::Null, |operation| Output::Object(Rc::new(BulkOperationObject(operation)))))
        })
        .query("bulkOperations", bulk_operations)
        .node("BulkOperation", |id, ctx| {
            ctx.store.bulk.items.get(&id).map(|operation| Rc::new(BulkOperationObject(operation)) as Rc<dyn Object>)
        });
}

/// `BulkOperation`.
pub struct BulkOperationObject<'s>(pub &'s BulkOperation);

impl Object for BulkOperationObject<'_> {
    fn type_name(&self) -> &'static str {
        "BulkOperation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let operation = self.0;
        match call.name() {
            "id" => text(&operation.gid()),
            "status" => text(operation.status.as_str()),
            "errorCode" => optional_text(operation.error_code),
            "createdAt" => time(operation.created_at),
            "completedAt" => Ok(operation
                .completed_at
                .map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at))))),
            // UnsignedInt64 is a string on the wire.
            "objectCount" => text(&operation.object_count.to_string()),
            "rootObjectCount" => text(&operation.root_object_count.to_string()),
            "fileSize" => optional_text(operation.file_size.map(|size| size.to_string()).as_deref()),
            "url" => optional_text(operation.url.as_deref()),
            "partialDataUrl" => optional_text(operation.partial_data_url.as_deref()),
            "query" => text(&operation.query),
            "type" => text(operation.kind),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RunQueryPayload {
    operation: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for RunQueryPayload {
    fn type_name(&self) -> &'static str {
        "BulkOperationRunQueryPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "bulkOperation" => Ok(operation_output(self.operation, ctx)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn operation_output<'a>(id: Option<u64>, ctx: &'a Ctx<'a>) -> Output<'a> {
    id.and_then(|id| ctx.store.bulk.items.get(&id))
        .map_or(Output::Null, |operation| Output::Object(Rc::new(BulkOperationObject(operation))))
}

fn run_query(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let query = call.arg_str("query").unwrap_or_default().to_string();
    let group_objects = call.arg_bool("groupObjects").unwrap_or(false);
    let refuse = |message: String, field: &[&str], code| -> Rc<dyn Object> {
        Rc::new(RunQueryPayload {
            operation: None,
            user_errors: vec![UserError::new("BulkOperationUserError", field, message, Some(code))],
        })
    };
    let api_version = m.env.api_version.clone();
    let active: Vec<String> = m.store.bulk.active("QUERY").map(BulkOperation::gid).collect();
    if active.len() >= concurrency_limit(&api_version) {
        let message = format!("A bulk query operation for this app and shop is already in progress: {}.", active[0]);
        return Ok(refuse(message, &[], "OPERATION_IN_PROGRESS"));
    }
    if let Err(errors) = crate::bulk::plan(&query, &api_version) {
        return Ok(Rc::new(RunQueryPayload {
            operation: None,
            user_errors: errors
                .into_iter()
                .map(|message| UserError::new("BulkOperationUserError", &["query"], message, Some("INVALID")))
                .collect(),
        }));
    }
    let now = m.store.now();
    let id = m.store.bulk.next_id();
    m.store.bulk.items.insert(
        id,
        BulkOperation {
            id,
            status: BulkStatus::Created,
            error_code: None,
            created_at: now,
            completed_at: None,
            object_count: 0,
            root_object_count: 0,
            file_size: None,
            url: None,
            partial_data_url: None,
            query,
            kind: "QUERY",
            group_objects,
            api_version,
            errors: Vec::new(),
            variables: None,
            cancel_requested: false,
            started: false,
        },
    );
    m.store.bulk.signal.notify_one();
    Ok(Rc::new(RunQueryPayload { operation: Some(id), user_errors: Vec::new() }))
}

struct RunMutationPayload {
    operation: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for RunMutationPayload {
    fn type_name(&self) -> &'static str {
        "BulkOperationRunMutationPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "bulkOperation" => Ok(operation_output(self.operation, ctx)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `bulkOperationRunMutation`: checks the mutation, the staged file and the concurrency limit,
/// then queues the operation for `crate::bulk`'s runner.
fn run_mutation(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let mutation = call.arg_str("mutation").unwrap_or_default().to_string();
    let staged_path = call.arg_str("stagedUploadPath").unwrap_or_default().to_string();
    let refuse = |field: &[&str], message: String, code| -> Rc<dyn Object> {
        Rc::new(RunMutationPayload {
            operation: None,
            user_errors: vec![UserError::new("BulkMutationUserError", field, message, Some(code))],
        })
    };
    let api_version = m.env.api_version.clone();
    let active: Vec<String> = m.store.bulk.active("MUTATION").map(BulkOperation::gid).collect();
    if active.len() >= concurrency_limit(&api_version) {
        let message = format!("A bulk mutation operation for this app and shop is already in progress: {}.", active[0]);
        return Ok(refuse(&[], message, "OPERATION_IN_PROGRESS"));
    }
    if let Err(message) = check_bulk_mutation(&mutation, &api_version) {
        return Ok(refuse(&["mutation"], message, "INVALID_MUTATION"));
    }
    let now = m.store.now();
    let Some(variables) = m.store.staged_uploads.file(&staged_path, now) else {
        return Ok(refuse(
            &["stagedUploadPath"],
            "The JSONL file could not be found. Try uploading the file again, and check that you've entered the \
             URL correctly for the stagedUploadPath mutation argument."
                .to_string(),
            "NO_SUCH_FILE",
        ));
    };
    let not_jsonl = variables.split(|byte| *byte == b'\n').any(|line| {
        !line.trim_ascii().is_empty()
            && serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line).is_err()
    });
    if not_jsonl {
        return Ok(refuse(
            &["stagedUploadPath"],
            "Unexpected file structure - expected JSONL".to_string(),
            "INVALID_STAGED_UPLOAD_FILE",
        ));
    }
    let id = m.store.bulk.next_id();
    m.store.bulk.items.insert(
        id,
        BulkOperation {
            id,
            status: BulkStatus::Created,
            error_code: None,
            created_at: now,
            completed_at: None,
            object_count: 0,
            root_object_count: 0,
            file_size: None,
            url: None,
            partial_data_url: None,
            query: mutation,
            kind: "MUTATION",
            group_objects: call.arg_bool("groupObjects").unwrap_or(false),
            api_version,
            errors: Vec::new(),
            variables: Some(variables),
            cancel_requested: false,
            started: false,
        },
    );
    m.store.bulk.signal.notify_one();
    Ok(Rc::new(RunMutationPayload { operation: Some(id), user_errors: Vec::new() }))
}

/// A bulk mutation document: valid for the version, one mutation operation with one root field.
fn check_bulk_mutation(mutation: &str, api_version: &str) -> Result<(), String> {
    let schema = crate::server::schema_of(api_version);
    let document = schema.validate(mutation).map_err(|error| {
        let problems: Vec<String> = error.diagnostics().iter().map(ToString::to_string).collect();
        format!("Invalid mutation: {}", problems.join("; "))
    })?;
    let mut operations = document.operations.iter();
    let (Some(operation), None) = (operations.next(), operations.next()) else {
        return Err("Invalid mutation: the document must hold exactly one operation.".to_string());
    };
    if operation.operation_type != apollo_compiler::ast::OperationType::Mutation {
        return Err("Invalid operation type. Only `mutation` operations are supported.".to_string());
    }
    if operation.selection_set.selections.len() != 1 {
        return Err("Invalid mutation: a bulk mutation runs exactly one mutation field.".to_string());
    }
    Ok(())
}

struct CancelPayload {
    operation: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for CancelPayload {
    fn type_name(&self) -> &'static str {
        "BulkOperationCancelPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "bulkOperation" => Ok(operation_output(self.operation, ctx)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn cancel(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let id = super::gid_argument(call, "id", "BulkOperation")?;
    let Some(operation) = id.and_then(|id| m.store.bulk.items.get_mut(&id)) else {
        return Ok(Rc::new(CancelPayload {
            operation: None,
            user_errors: vec![UserError::new("UserError", &["id"], "Bulk operation does not exist", None)],
        }));
    };
    if operation.status.is_terminal() {
        let message =
            format!("A bulk operation cannot be canceled when it is {}", operation.status.as_str().to_lowercase());
        return Ok(Rc::new(CancelPayload {
            operation: Some(operation.id),
            user_errors: vec![UserError::new("UserError", &[], message, None)],
        }));
    }
    operation.status = BulkStatus::Canceling;
    operation.cancel_requested = true;
    let id = operation.id;
    m.store.bulk.signal.notify_one();
    Ok(Rc::new(CancelPayload { operation: Some(id), user_errors: Vec::new() }))
}

/// `bulkOperations`: newest first by default (`sortKey: CREATED_AT`), filters `created_at`,
/// `id`, `operation_type` and `status`.
fn bulk_operations<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let by_completion = call.arg_str("sortKey") == Some("COMPLETED_AT");
    let items: Vec<(SortKey, &BulkOperation)> = ctx
        .store
        .bulk
        .items
        .values()
        .filter(|operation| query.matches(&BulkSearch(operation)))
        .map(|operation| {
            // Newest first: the key is the negated time (ids grow with creation time).
            let seconds = if by_completion {
                operation.completed_at.map_or(i64::MIN + 1, |at| at.as_second())
            } else {
                operation.created_at.as_second()
            };
            (SortKey::int(-seconds, u64::MAX - operation.id), operation)
        })
        .collect();
    Connection::new("BulkOperationConnection", "BulkOperationEdge", paginate(items, &request), |operation| {
        Rc::new(BulkOperationObject(operation)) as Rc<dyn Object>
    })
    .output()
}

struct BulkSearch<'s>(&'s BulkOperation);

impl Searchable for BulkSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let operation = self.0;
        Some(match field {
            "id" => term.matches_number(operation.id as i64),
            "created_at" => term.matches_time(operation.created_at),
            "operation_type" => term.matches_text(operation.kind),
            "status" => term.matches_text(operation.status.as_str()),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.0.query.to_lowercase().contains(&text.to_lowercase())
    }
}
