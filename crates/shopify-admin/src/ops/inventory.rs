//! Inventory: reading levels before a write, and writing absolute quantities
//! with compare-and-swap.

use serde::{Deserialize, Serialize};

use super::{IdOnly, document};
use crate::error::UserError;
use crate::operation::{Gid, Operation, OperationKind};

/// `graphql/inventory_levels.graphql`: `available` and `on_hand` of up to
/// 100 inventory items at one location.
#[derive(Debug, Clone, Copy)]
pub struct InventoryLevels;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryLevelsVariables {
    pub inventory_item_ids: Vec<Gid>,
    pub location_id: Gid,
}

impl InventoryLevelsVariables {
    /// Most items per call (keeps the cost at 400 points).
    pub const MAX_ITEMS: usize = 100;
}

impl Operation for InventoryLevels {
    const NAME: &'static str = "InventoryLevels";
    const DOCUMENT: &'static str = document!("inventory_levels.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 400;
    type Variables = InventoryLevelsVariables;
    type Data = InventoryLevelsData;

    fn check_variables(variables: &InventoryLevelsVariables) -> Result<(), String> {
        let n = variables.inventory_item_ids.len();
        if n > InventoryLevelsVariables::MAX_ITEMS {
            return Err(format!("{n} inventory items in one call, at most {}", InventoryLevelsVariables::MAX_ITEMS));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct InventoryLevelsData {
    /// One entry per requested id, in order; `None` for an id that does not
    /// exist (any more).
    pub nodes: Vec<Option<InventoryItemLevel>>,
}

/// An inventory item and its level at the requested location (`None` when
/// the item is not stocked there).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemLevel {
    pub id: Option<Gid>,
    pub sku: Option<String>,
    pub tracked: Option<bool>,
    pub inventory_level: Option<InventoryLevel>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct InventoryLevel {
    pub id: Gid,
    pub location: IdOnly,
    pub quantities: Vec<NamedQuantity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NamedQuantity {
    pub name: String,
    pub quantity: i64,
}

impl InventoryItemLevel {
    /// The `available` quantity at the location, if the item is stocked there.
    pub fn available(&self) -> Option<i64> {
        self.quantity("available")
    }

    /// The `on_hand` quantity at the location, if the item is stocked there.
    pub fn on_hand(&self) -> Option<i64> {
        self.quantity("on_hand")
    }

    fn quantity(&self, name: &str) -> Option<i64> {
        self.inventory_level.as_ref()?.quantities.iter().find(|q| q.name == name).map(|q| q.quantity)
    }
}

/// `graphql/inventory_set_quantities.graphql`: set absolute quantities
/// (2026-04 form: `changeFromQuantity` on each quantity, `@idempotent`).
#[derive(Debug, Clone, Copy)]
pub struct InventorySetQuantities;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySetQuantitiesVariables {
    pub input: InventorySetQuantitiesInput,
    /// Shopify applies a given key once; reuse it only to retry the very
    /// same request (e.g. a UUID stored with the pending change).
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySetQuantitiesInput {
    /// `available` (or `on_hand`).
    pub name: String,
    /// Shopify's reason code, e.g. `correction`, `received`, `restock`.
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_document_uri: Option<String>,
    pub quantities: Vec<InventoryQuantityInput>,
}

/// One absolute quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryQuantityInput {
    pub inventory_item_id: Gid,
    pub location_id: Gid,
    pub quantity: i64,
    /// The quantity read before (compare-and-swap); `None` is sent as an
    /// explicit null, which opts out of the check. Never left out: since
    /// 2026-04 omitting it is an error.
    pub change_from_quantity: Option<i64>,
}

impl InventorySetQuantitiesVariables {
    /// Shopify's input-array limit.
    pub const MAX_QUANTITIES: usize = 250;

    /// Sets `available` quantities.
    pub fn available(
        reason: impl Into<String>,
        quantities: Vec<InventoryQuantityInput>,
        idempotency_key: impl Into<String>,
    ) -> Self {
        Self {
            input: InventorySetQuantitiesInput {
                name: "available".to_owned(),
                reason: reason.into(),
                reference_document_uri: None,
                quantities,
            },
            idempotency_key: idempotency_key.into(),
        }
    }
}

impl Operation for InventorySetQuantities {
    const NAME: &'static str = "InventorySetQuantities";
    const DOCUMENT: &'static str = document!("inventory_set_quantities.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // The idempotency key makes a re-send after a lost answer harmless.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 15;
    type Variables = InventorySetQuantitiesVariables;
    type Data = InventorySetQuantitiesData;

    fn user_errors(data: &InventorySetQuantitiesData) -> Vec<UserError> {
        data.inventory_set_quantities.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }

    fn check_variables(variables: &InventorySetQuantitiesVariables) -> Result<(), String> {
        let n = variables.input.quantities.len();
        let max = InventorySetQuantitiesVariables::MAX_QUANTITIES;
        if n == 0 || n > max {
            return Err(format!("{n} quantities in one call, Shopify accepts 1 to {max}"));
        }
        if variables.idempotency_key.trim().is_empty() {
            return Err("the idempotency key is empty (required since 2026-04)".to_owned());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySetQuantitiesData {
    pub inventory_set_quantities: Option<InventorySetQuantitiesPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySetQuantitiesPayload {
    pub inventory_adjustment_group: Option<InventoryAdjustmentGroup>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryAdjustmentGroup {
    pub id: Gid,
    pub reason: String,
    pub reference_document_uri: Option<String>,
    pub changes: Vec<InventoryChange>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryChange {
    pub name: String,
    pub delta: i64,
    pub quantity_after_change: Option<i64>,
    pub item: Option<IdOnly>,
    pub location: Option<IdOnly>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_from_quantity_is_always_sent_even_as_null() {
        let vars = InventorySetQuantitiesVariables::available(
            "correction",
            vec![InventoryQuantityInput {
                inventory_item_id: Gid::new("gid://shopify/InventoryItem/1"),
                location_id: Gid::new("gid://shopify/Location/2"),
                quantity: 5,
                change_from_quantity: None,
            }],
            "key-1",
        );
        let json = serde_json::to_value(&vars).unwrap();
        let quantity = &json["input"]["quantities"][0];
        assert!(quantity.as_object().unwrap().contains_key("changeFromQuantity"));
        assert!(quantity["changeFromQuantity"].is_null());
        assert_eq!(json["idempotencyKey"], "key-1");
        assert_eq!(json["input"]["name"], "available");
    }
}
