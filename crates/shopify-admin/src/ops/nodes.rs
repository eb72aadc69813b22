//! Existence checks by id.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::document;
use crate::operation::{Gid, Operation, OperationKind};

/// `graphql/nodes.graphql`: type, id and update time of up to 250 objects.
#[derive(Debug, Clone, Copy)]
pub struct Nodes;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodesVariables {
    pub ids: Vec<Gid>,
}

impl NodesVariables {
    /// Shopify's input-array limit.
    pub const MAX_IDS: usize = 250;
}

impl Operation for Nodes {
    const NAME: &'static str = "Nodes";
    const DOCUMENT: &'static str = document!("nodes.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 250;
    type Variables = NodesVariables;
    type Data = NodesData;

    fn check_variables(variables: &NodesVariables) -> Result<(), String> {
        let n = variables.ids.len();
        if n > NodesVariables::MAX_IDS {
            return Err(format!("{n} ids in one call, Shopify accepts at most {}", NodesVariables::MAX_IDS));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct NodesData {
    /// One entry per requested id, in order; `None` when it does not exist.
    pub nodes: Vec<Option<NodeRef>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRef {
    #[serde(rename = "__typename")]
    pub typename: String,
    pub id: Gid,
    /// Set for the types the document asks about (products, variants,
    /// customers, orders, inventory items, locations).
    pub updated_at: Option<Timestamp>,
}
