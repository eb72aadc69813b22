//! Starting and polling bulk operations (the reading of results is in
//! `crate::bulk`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{document, opt_u64_from_string_or_number, u64_from_string_or_number};
use crate::error::UserError;
use crate::operation::{Gid, Operation, OperationKind};

/// `graphql/bulk_operation_run_query.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct BulkOperationRunQuery;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunQueryVariables {
    /// The bulk query document (at least one connection, at most five,
    /// nesting depth at most two).
    pub query: String,
    /// Children right after their parent (see `BulkGrouping`).
    pub group_objects: bool,
}

impl Operation for BulkOperationRunQuery {
    const NAME: &'static str = "BulkOperationRunQuery";
    const DOCUMENT: &'static str = document!("bulk_operation_run_query.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    // It reads the shop's data into a file; nothing on the shop changes, so
    // the "writes" switch does not block it.
    const WRITES: bool = false;
    // A re-send after a lost answer or a 5xx may start a second operation. That is harmless: it only reads the
    // shop's data into a file, the caller polls the operation it got back, and the other one finishes on its
    // own (API 2026-01 and later run up to five bulk queries per shop at once). Not re-sending failed the whole
    // orders run on one 503.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 12;
    type Variables = BulkOperationRunQueryVariables;
    type Data = BulkOperationRunQueryData;

    fn user_errors(data: &BulkOperationRunQueryData) -> Vec<UserError> {
        data.bulk_operation_run_query.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunQueryData {
    pub bulk_operation_run_query: Option<BulkOperationRunQueryPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunQueryPayload {
    pub bulk_operation: Option<BulkOperation>,
    pub user_errors: Vec<UserError>,
}

/// `graphql/bulk_operation_by_id.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct BulkOperationById;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkOperationByIdVariables {
    pub id: Gid,
}

impl Operation for BulkOperationById {
    const NAME: &'static str = "BulkOperationById";
    const DOCUMENT: &'static str = document!("bulk_operation_by_id.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 1;
    type Variables = BulkOperationByIdVariables;
    type Data = BulkOperationByIdData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationByIdData {
    pub bulk_operation: Option<BulkOperation>,
}

/// `BulkOperation.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkOperationStatus {
    Created,
    Running,
    Canceling,
    Canceled,
    Completed,
    Expired,
    Failed,
}

impl BulkOperationStatus {
    /// Whether the operation has ended (successfully or not).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Canceled | Self::Completed | Self::Expired | Self::Failed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Running => "RUNNING",
            Self::Canceling => "CANCELING",
            Self::Canceled => "CANCELED",
            Self::Completed => "COMPLETED",
            Self::Expired => "EXPIRED",
            Self::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    pub id: Gid,
    pub status: BulkOperationStatus,
    /// `ACCESS_DENIED`, `INTERNAL_SERVER_ERROR`, `TIMEOUT`.
    pub error_code: Option<String>,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub object_count: u64,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub root_object_count: u64,
    #[serde(default, deserialize_with = "opt_u64_from_string_or_number")]
    pub file_size: Option<u64>,
    /// The JSONL result (valid for 7 days); `None` when there were no rows.
    pub url: Option<String>,
    /// What was written before a failure.
    pub partial_data_url: Option<String>,
}

/// `graphql/staged_uploads_create.graphql`: where to upload a file.
#[derive(Debug, Clone, Copy)]
pub struct StagedUploadsCreate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagedUploadsCreateVariables {
    pub input: Vec<StagedUploadInput>,
}

/// `StagedUploadInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StagedUploadInput {
    /// `BULK_MUTATION_VARIABLES` for a bulk mutation's JSONL.
    pub resource: String,
    pub filename: String,
    pub mime_type: String,
    /// `POST` (a form of the target's parameters and the file) or `PUT`.
    pub http_method: String,
}

impl StagedUploadInput {
    /// The one upload of a bulk mutation's variables, as a form POST (what Shopify's bulk import guide uses).
    pub fn bulk_mutation_variables() -> Self {
        Self {
            resource: "BULK_MUTATION_VARIABLES".to_owned(),
            filename: "bulk_op_vars.jsonl".to_owned(),
            mime_type: "text/jsonl".to_owned(),
            http_method: "POST".to_owned(),
        }
    }
}

impl Operation for StagedUploadsCreate {
    const NAME: &'static str = "StagedUploadsCreate";
    const DOCUMENT: &'static str = document!("staged_uploads_create.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    // Only a place to upload to: nothing on the shop changes until a bulk mutation runs the file. It is still
    // counted as a write, since it exists only for one, so a shop that takes no writes sends none of it.
    const WRITES: bool = true;
    // A second target is harmless: the first one is never used and expires.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 13;
    type Variables = StagedUploadsCreateVariables;
    type Data = StagedUploadsCreateData;

    fn user_errors(data: &StagedUploadsCreateData) -> Vec<UserError> {
        data.staged_uploads_create.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StagedUploadsCreateData {
    pub staged_uploads_create: Option<StagedUploadsCreatePayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StagedUploadsCreatePayload {
    #[serde(default)]
    pub staged_targets: Option<Vec<StagedUploadTarget>>,
    pub user_errors: Vec<UserError>,
}

/// `StagedMediaUploadTarget`: the URL to upload to and the form fields to send with the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StagedUploadTarget {
    pub url: String,
    pub resource_url: Option<String>,
    pub parameters: Vec<StagedUploadParameter>,
}

impl StagedUploadTarget {
    /// The `key` parameter: the file's path in Shopify's storage, which `bulkOperationRunMutation` takes as its
    /// `stagedUploadPath`.
    pub fn key(&self) -> Option<&str> {
        self.parameters.iter().find(|p| p.name == "key").map(|p| p.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct StagedUploadParameter {
    pub name: String,
    pub value: String,
}

/// `graphql/bulk_operation_run_mutation.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct BulkOperationRunMutation;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunMutationVariables {
    /// The mutation document run once per line.
    pub mutation: String,
    /// The uploaded file's `key` (see [`StagedUploadTarget::key`]).
    pub staged_upload_path: String,
}

impl Operation for BulkOperationRunMutation {
    const NAME: &'static str = "BulkOperationRunMutation";
    const DOCUMENT: &'static str = document!("bulk_operation_run_mutation.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Not re-sent after a lost answer: a second operation would run every line again, beside the first. The
    // caller keeps what the lines are before starting and, after a lost answer, waits for the app's running bulk
    // mutations before it starts another (see `AdminClient::unfinished_bulk_mutations`).
    const RETRY_SAFE: bool = false;
    const ESTIMATED_COST: u32 = 12;
    type Variables = BulkOperationRunMutationVariables;
    type Data = BulkOperationRunMutationData;

    fn user_errors(data: &BulkOperationRunMutationData) -> Vec<UserError> {
        data.bulk_operation_run_mutation.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunMutationData {
    pub bulk_operation_run_mutation: Option<BulkOperationRunMutationPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationRunMutationPayload {
    pub bulk_operation: Option<BulkOperation>,
    pub user_errors: Vec<UserError>,
}

/// `graphql/bulk_operations_recent.graphql`: the app's ten newest bulk operations matching a search.
#[derive(Debug, Clone, Copy)]
pub struct BulkOperationsRecent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkOperationsRecentVariables {
    /// Shopify's search syntax over `operation_type`, `status`, `created_at`, `id`.
    pub query: String,
}

impl Operation for BulkOperationsRecent {
    const NAME: &'static str = "BulkOperationsRecent";
    const DOCUMENT: &'static str = document!("bulk_operations_recent.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 12;
    type Variables = BulkOperationsRecentVariables;
    type Data = BulkOperationsRecentData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationsRecentData {
    pub bulk_operations: BulkOperationNodes,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct BulkOperationNodes {
    pub nodes: Vec<BulkOperation>,
}
