//! Adding and removing tags on any taggable object.

use serde::{Deserialize, Serialize};

use super::{IdOnly, document};
use crate::error::UserError;
use crate::operation::{Gid, Operation, OperationKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagsVariables {
    pub id: Gid,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsPayload {
    pub node: Option<IdOnly>,
    pub user_errors: Vec<UserError>,
}

/// `graphql/tags_add.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct TagsAdd;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsAddData {
    pub tags_add: Option<TagsPayload>,
}

impl Operation for TagsAdd {
    const NAME: &'static str = "TagsAdd";
    const DOCUMENT: &'static str = document!("tags_add.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Adding a tag that is already there changes nothing.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 12;
    type Variables = TagsVariables;
    type Data = TagsAddData;

    fn user_errors(data: &TagsAddData) -> Vec<UserError> {
        data.tags_add.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

/// `graphql/tags_remove.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct TagsRemove;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsRemoveData {
    pub tags_remove: Option<TagsPayload>,
}

impl Operation for TagsRemove {
    const NAME: &'static str = "TagsRemove";
    const DOCUMENT: &'static str = document!("tags_remove.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Removing a tag that is gone changes nothing.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 12;
    type Variables = TagsVariables;
    type Data = TagsRemoveData;

    fn user_errors(data: &TagsRemoveData) -> Vec<UserError> {
        data.tags_remove.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}
