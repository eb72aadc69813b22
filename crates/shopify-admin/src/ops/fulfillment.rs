//! Reporting shipments.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::document;
use super::orders::TrackingInfo;
use crate::error::UserError;
use crate::operation::{Gid, Operation, OperationKind};

/// `graphql/fulfillment_create.graphql`.
#[derive(Debug, Clone, Copy)]
pub struct FulfillmentCreate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FulfillmentCreateVariables {
    pub fulfillment: FulfillmentInput,
    /// A note on the fulfillment (shown in the order timeline).
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentInput {
    pub line_items_by_fulfillment_order: Vec<FulfillmentOrderLineItems>,
    pub notify_customer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_info: Option<TrackingInput>,
}

/// The lines of one fulfillment order being shipped; `None` ships every
/// remaining line of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrderLineItems {
    pub fulfillment_order_id: Gid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfillment_order_line_items: Option<Vec<FulfillmentOrderLineQuantity>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FulfillmentOrderLineQuantity {
    pub id: Gid,
    pub quantity: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackingInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Carrier name as Shopify knows it (e.g. `DHL Express`, `PostNord`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Operation for FulfillmentCreate {
    const NAME: &'static str = "FulfillmentCreate";
    const DOCUMENT: &'static str = document!("fulfillment_create.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Running it twice would ship twice (and notify the customer twice).
    const RETRY_SAFE: bool = false;
    const ESTIMATED_COST: u32 = 13;
    type Variables = FulfillmentCreateVariables;
    type Data = FulfillmentCreateData;

    fn user_errors(data: &FulfillmentCreateData) -> Vec<UserError> {
        data.fulfillment_create.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentCreateData {
    pub fulfillment_create: Option<FulfillmentCreatePayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentCreatePayload {
    pub fulfillment: Option<CreatedFulfillment>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedFulfillment {
    pub id: Gid,
    pub name: String,
    pub status: String,
    pub created_at: Timestamp,
    pub tracking_info: Vec<TrackingInfo>,
}
