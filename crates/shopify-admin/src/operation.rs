//! Typed GraphQL operations: each `.graphql` file under `graphql/` is one
//! [`Operation`] with serde types for its variables and its `data`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::UserError;

/// Query or mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
}

/// One GraphQL operation: its document, variables and response types.
pub trait Operation {
    /// The operation name inside the document (also the key of its cost
    /// estimate and of the request log).
    const NAME: &'static str;
    /// The full document (operation plus the fragments it uses).
    const DOCUMENT: &'static str;
    const KIND: OperationKind;
    /// Whether it changes data on the shop (decides the "writes" switch).
    const WRITES: bool;
    /// Whether it may be sent again after an answer was lost (a timeout or a
    /// dropped connection after sending). Queries are; a mutation is only if
    /// running it twice does no harm (it sets absolute values or carries an
    /// idempotency key).
    const RETRY_SAFE: bool;
    /// Upper bound of the requested cost, computed from the document by
    /// Shopify's rules (object 1, connection 2 + first × node, mutation 10);
    /// the test suite recomputes it against the schema. Used until Shopify
    /// has reported the real requested cost once.
    const ESTIMATED_COST: u32;

    type Variables: Serialize + Send + Sync;
    type Data: DeserializeOwned + Send;

    /// The `userErrors` of a mutation's payload. When not empty the client
    /// returns [`AdminError::UserErrors`](crate::AdminError::UserErrors)
    /// (use `execute_allowing_user_errors` to get the data anyway).
    fn user_errors(_data: &Self::Data) -> Vec<UserError> {
        Vec::new()
    }

    /// Checks Shopify's input limits (e.g. at most 250 ids) before sending,
    /// so an oversized call fails here with a clear message instead of
    /// costing a request. `Err` holds the explanation.
    fn check_variables(_variables: &Self::Variables) -> Result<(), String> {
        Ok(())
    }
}

/// An operation over one Relay connection that is read page by page.
pub trait PagedOperation: Operation
where
    Self::Variables: Clone,
{
    /// The type of one element of the connection.
    type Node;

    /// The connection's `pageInfo`; `None` when the parent object is missing
    /// (e.g. the order of `OrderLineItems` was deleted), which ends paging.
    fn page_info(data: &Self::Data) -> Option<&PageInfo>;

    /// Sets the `after` cursor for the next page.
    fn set_after(variables: &mut Self::Variables, cursor: Option<String>);

    /// The page's elements.
    fn into_nodes(data: Self::Data) -> Vec<Self::Node>;
}

/// Relay `pageInfo`, forward direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A connection read through its `nodes` shortcut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
}

impl<T> Connection<T> {
    /// Whether Shopify has more elements than this page holds.
    pub fn is_truncated(&self) -> bool {
        self.page_info.has_next_page
    }
}

/// A Shopify global id, e.g. `gid://shopify/Product/123`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Gid(pub String);

impl Gid {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// A gid from a resource type and numeric id.
    pub fn from_parts(resource: &str, id: u64) -> Self {
        Self(format!("gid://shopify/{resource}/{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resource type, e.g. `Product`.
    pub fn resource(&self) -> Option<&str> {
        self.0.strip_prefix("gid://shopify/")?.split('/').next()
    }

    /// The numeric id (the REST/legacy id), when the gid ends in one.
    pub fn numeric_id(&self) -> Option<u64> {
        let tail = self.0.rsplit('/').next()?;
        tail.split('?').next()?.parse().ok()
    }
}

impl fmt::Display for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gid({})", self.0)
    }
}

impl From<&str> for Gid {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for Gid {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gid_parts() {
        let gid = Gid::new("gid://shopify/ProductVariant/42");
        assert_eq!(gid.resource(), Some("ProductVariant"));
        assert_eq!(gid.numeric_id(), Some(42));
        assert_eq!(Gid::from_parts("Order", 7).as_str(), "gid://shopify/Order/7");
    }
}
