//! Publications (sales channels) and publishing products to them.

use serde::{Deserialize, Serialize};

use super::document;
use crate::error::UserError;
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/publications.graphql`: the shop's publications, 50 per page.
#[derive(Debug, Clone, Copy)]
pub struct Publications;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublicationsVariables {
    pub after: Option<String>,
}

impl Operation for Publications {
    const NAME: &'static str = "Publications";
    const DOCUMENT: &'static str = document!("publications.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 102;
    type Variables = PublicationsVariables;
    type Data = PublicationsData;
}

impl PagedOperation for Publications {
    type Node = Publication;
    fn page_info(data: &PublicationsData) -> Option<&PageInfo> {
        Some(&data.publications.page_info)
    }
    fn set_after(variables: &mut PublicationsVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: PublicationsData) -> Vec<Publication> {
        data.publications.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PublicationsData {
    pub publications: Connection<Publication>,
}

/// A publication: where a sales channel shows products.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Publication {
    pub id: Gid,
    /// New products appear there without being published to it.
    pub auto_publish: bool,
    pub catalog: Option<PublicationCatalog>,
}

impl Publication {
    /// The name a merchant knows the sales channel by (its catalog's title), or its id.
    pub fn name(&self) -> &str {
        self.catalog.as_ref().map_or(self.id.0.as_str(), |catalog| catalog.title.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PublicationCatalog {
    pub title: String,
}

/// `graphql/publishable_publish.graphql`: publishes a product to publications.
#[derive(Debug, Clone, Copy)]
pub struct PublishablePublish;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishablePublishVariables {
    pub id: Gid,
    pub input: Vec<PublicationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicationInput {
    pub publication_id: Gid,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishablePublishData {
    pub publishable_publish: Option<PublishablePublishPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishablePublishPayload {
    pub user_errors: Vec<UserError>,
}

impl Operation for PublishablePublish {
    const NAME: &'static str = "PublishablePublish";
    const DOCUMENT: &'static str = document!("publishable_publish.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Publishing where the product is already published changes nothing.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 11;
    type Variables = PublishablePublishVariables;
    type Data = PublishablePublishData;

    fn user_errors(data: &PublishablePublishData) -> Vec<UserError> {
        data.publishable_publish.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}
