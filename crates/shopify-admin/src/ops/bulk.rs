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
