//! The app's webhook subscriptions on a shop.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::document;
use crate::error::UserError;
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/webhook_subscription_create.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSubscriptionCreate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionCreateVariables {
    /// The topic enum value, e.g. `ORDERS_CREATE`, `BULK_OPERATIONS_FINISH`.
    pub topic: String,
    pub webhook_subscription: WebhookSubscriptionInput,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionInput {
    /// Where Shopify delivers: an HTTPS URL (or a Pub/Sub or EventBridge URI).
    pub uri: String,
    /// `JSON` (default) or `XML`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Shopify search syntax restricting which events are delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Payload fields to include (all when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_fields: Option<Vec<String>>,
}

impl WebhookSubscriptionCreateVariables {
    /// A JSON subscription of `topic` delivered to `uri`.
    pub fn new(topic: impl Into<String>, uri: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            webhook_subscription: WebhookSubscriptionInput {
                uri: uri.into(),
                format: Some("JSON".to_owned()),
                filter: None,
                include_fields: None,
            },
        }
    }
}

impl Operation for WebhookSubscriptionCreate {
    const NAME: &'static str = "WebhookSubscriptionCreate";
    const DOCUMENT: &'static str = document!("webhook_subscription_create.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // A second create of the same topic and address is refused by Shopify
    // ("address has already been taken"), so a re-send cannot duplicate it.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 13;
    type Variables = WebhookSubscriptionCreateVariables;
    type Data = WebhookSubscriptionCreateData;

    fn user_errors(data: &WebhookSubscriptionCreateData) -> Vec<UserError> {
        data.webhook_subscription_create.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionCreateData {
    pub webhook_subscription_create: Option<WebhookSubscriptionCreatePayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionCreatePayload {
    pub webhook_subscription: Option<WebhookSubscription>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscription {
    pub id: Gid,
    pub topic: String,
    pub uri: String,
    pub format: String,
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub include_fields: Vec<String>,
    pub api_version: ApiVersionHandle,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiVersionHandle {
    pub handle: String,
}

/// `graphql/webhook_subscription_update.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSubscriptionUpdate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionUpdateVariables {
    pub id: Gid,
    pub webhook_subscription: WebhookSubscriptionInput,
}

impl WebhookSubscriptionUpdateVariables {
    /// Delivers the subscription `id` as JSON to `uri` from now on.
    pub fn new(id: Gid, uri: impl Into<String>) -> Self {
        Self {
            id,
            webhook_subscription: WebhookSubscriptionInput {
                uri: uri.into(),
                format: Some("JSON".to_owned()),
                filter: None,
                include_fields: None,
            },
        }
    }
}

impl Operation for WebhookSubscriptionUpdate {
    const NAME: &'static str = "WebhookSubscriptionUpdate";
    const DOCUMENT: &'static str = document!("webhook_subscription_update.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // An absolute set of the address: sending it twice leaves the same subscription.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 13;
    type Variables = WebhookSubscriptionUpdateVariables;
    type Data = WebhookSubscriptionUpdateData;

    fn user_errors(data: &WebhookSubscriptionUpdateData) -> Vec<UserError> {
        data.webhook_subscription_update.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionUpdateData {
    pub webhook_subscription_update: Option<WebhookSubscriptionCreatePayload>,
}

/// `graphql/webhook_subscription_delete.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSubscriptionDelete;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookSubscriptionDeleteVariables {
    pub id: Gid,
}

impl Operation for WebhookSubscriptionDelete {
    const NAME: &'static str = "WebhookSubscriptionDelete";
    const DOCUMENT: &'static str = document!("webhook_subscription_delete.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Deleting twice only yields a "not found" user error.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 11;
    type Variables = WebhookSubscriptionDeleteVariables;
    type Data = WebhookSubscriptionDeleteData;

    fn user_errors(data: &WebhookSubscriptionDeleteData) -> Vec<UserError> {
        data.webhook_subscription_delete.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionDeleteData {
    pub webhook_subscription_delete: Option<WebhookSubscriptionDeletePayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionDeletePayload {
    pub deleted_webhook_subscription_id: Option<Gid>,
    pub user_errors: Vec<UserError>,
}

/// `graphql/webhook_subscriptions.graphql`: 100 per page.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSubscriptions;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebhookSubscriptionsVariables {
    pub after: Option<String>,
}

impl Operation for WebhookSubscriptions {
    const NAME: &'static str = "WebhookSubscriptions";
    const DOCUMENT: &'static str = document!("webhook_subscriptions.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 202;
    type Variables = WebhookSubscriptionsVariables;
    type Data = WebhookSubscriptionsData;
}

impl PagedOperation for WebhookSubscriptions {
    type Node = WebhookSubscription;
    fn page_info(data: &WebhookSubscriptionsData) -> Option<&PageInfo> {
        Some(&data.webhook_subscriptions.page_info)
    }
    fn set_after(variables: &mut WebhookSubscriptionsVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: WebhookSubscriptionsData) -> Vec<WebhookSubscription> {
        data.webhook_subscriptions.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionsData {
    pub webhook_subscriptions: Connection<WebhookSubscription>,
}
