//! `inventorySetQuantities` with the compare-and-swap rules of the version served:
//!
//! - 2026-04 and later: every quantity carries `changeFromQuantity` (explicit `null` opts out); a
//!   stale value fails with `CHANGE_FROM_QUANTITY_STALE` and nothing is changed.
//!   `@idempotent(key:)` is required (the executor enforces and replays it).
//! - 2025-10: every quantity carries `compareQuantity` unless the input says
//!   `ignoreCompareQuantity: true` (`COMPARE_QUANTITY_REQUIRED`); a stale one fails with
//!   `COMPARE_QUANTITY_STALE`.
//! - 2026-01: both; a quantity that gives `changeFromQuantity` (even `null`) is checked by it,
//!   one that does not by the 2025-10 rule.

use std::rc::Rc;

use jiff::Timestamp;
use serde_json::{Value as Json, json};

use super::catalog::{InventoryItemObject, LevelObject, LocationObject};
use super::product_mutations::input_array_too_large;
use super::{UserError, leaf, optional_text, text, time, user_errors};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::catalog::InventoryLevel;
use crate::registry::{MutationCtx, Registry};
use crate::store::IdKind;

pub fn register(registry: &mut Registry) {
    registry
        .idempotent_mutation("inventorySetQuantities", set_quantities)
        .mutation("inventoryBulkToggleActivation", toggle_activation);
}

/// What `inventoryBulkToggleActivation` answers: the item and its levels at the locations named.
struct TogglePayload {
    item_id: Option<u64>,
    location_ids: Vec<u64>,
    user_errors: Vec<UserError>,
}

impl Object for TogglePayload {
    fn type_name(&self) -> &'static str {
        "InventoryBulkToggleActivationPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let catalog = &ctx.store.catalog;
        let item = self.item_id.and_then(|id| catalog.inventory_items.get(&id));
        match call.name() {
            "inventoryItem" => Ok(item.map_or(Output::Null, |item| Output::Object(Rc::new(InventoryItemObject(item))))),
            "inventoryLevels" => Ok(match item {
                None => Output::Null,
                Some(item) => Output::List(
                    self.location_ids
                        .iter()
                        .filter_map(|location_id| {
                            let level = item.levels.get(location_id)?;
                            let location = catalog.locations.get(location_id)?;
                            Some(Output::Object(Rc::new(LevelObject { item, location, level })))
                        })
                        .collect(),
                ),
            }),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// Stocks an inventory item at locations (`activate: true`, a level with nothing in it) or
/// unstocks it (`false`, its quantities gone), with Shopify's refusals: not from its only
/// location, not while quantities are committed or incoming there.
fn toggle_activation(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    const ERROR: &str = "InventoryBulkToggleActivationUserError";
    let updates = call.arg("inventoryItemUpdates").and_then(Json::as_array).cloned().unwrap_or_default();
    let item_id = call
        .arg_str("inventoryItemId")
        .and_then(|id| gid::parse_kind(id, "InventoryItem"))
        .filter(|id| m.store.catalog.inventory_items.contains_key(id));
    let Some(item_id) = item_id else {
        return Ok(Rc::new(TogglePayload {
            item_id: None,
            location_ids: Vec::new(),
            user_errors: vec![UserError::new(
                ERROR,
                &["inventoryItemId"],
                "The inventory item was not found.",
                Some("INVENTORY_ITEM_NOT_FOUND"),
            )],
        }));
    };
    let now = m.store.now();
    let store = &mut *m.store;
    let mut errors = Vec::new();
    let mut location_ids = Vec::new();
    for (index, update) in updates.iter().enumerate() {
        let index_text = index.to_string();
        let field = ["inventoryItemUpdates", index_text.as_str(), "locationId"];
        let location_id = update
            .get("locationId")
            .and_then(Json::as_str)
            .and_then(|id| gid::parse_kind(id, "Location"))
            .filter(|id| store.catalog.locations.contains_key(id));
        let Some(location_id) = location_id else {
            errors.push(UserError::new(ERROR, &field, "The location was not found.", Some("LOCATION_NOT_FOUND")));
            continue;
        };
        let activate = update.get("activate").and_then(Json::as_bool).unwrap_or(true);
        let Some(item) = store.catalog.inventory_items.get_mut(&item_id) else {
            continue;
        };
        if activate {
            item.levels.entry(location_id).or_insert_with(|| InventoryLevel::with_available(0, now));
        } else if let Some(level) = item.levels.get(&location_id) {
            let refusal = if item.levels.len() == 1 {
                Some((
                    "Cannot unstock an inventory item from the only location at which it is stocked.",
                    "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION",
                ))
            } else if level.quantity("committed").unwrap_or(0) > 0 {
                Some((
                    "Cannot unstock this inventory item from this location because it has committed quantities.",
                    "COMMITTED_INVENTORY_AT_LOCATION",
                ))
            } else if level.quantity("incoming").unwrap_or(0) > 0 {
                Some((
                    "Cannot unstock this inventory item from this location because it has incoming quantities.",
                    "INCOMING_INVENTORY_AT_LOCATION",
                ))
            } else {
                None
            };
            if let Some((message, code)) = refusal {
                errors.push(UserError::new(ERROR, &field, message, Some(code)));
                continue;
            }
            item.levels.remove(&location_id);
        }
        item.updated_at = now;
        location_ids.push(location_id);
        store.record("inventory_levels/update", gid::format("InventoryItem", item_id));
    }
    Ok(Rc::new(TogglePayload { item_id: Some(item_id), location_ids, user_errors: errors }))
}

/// Reasons Shopify accepts for quantity changes
/// (https://shopify.dev/docs/apps/fulfillment/inventory-management-apps/quantities-states).
pub const REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

const ERROR_TYPE: &str = "InventorySetQuantitiesUserError";
const MAX_QUANTITY: i64 = 1_000_000_000;

struct Change {
    name: String,
    delta: i64,
    quantity_after: i64,
    item_id: u64,
    location_id: u64,
}

struct Payload {
    group: Option<AdjustmentGroup>,
    user_errors: Vec<UserError>,
}

struct AdjustmentGroup {
    id: u64,
    reason: String,
    reference_document_uri: Option<String>,
    created_at: Timestamp,
    changes: Vec<Change>,
}

impl Object for Payload {
    fn type_name(&self) -> &'static str {
        "InventorySetQuantitiesPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "inventoryAdjustmentGroup" => Ok(match &self.group {
                Some(group) => Output::Object(Rc::new(GroupObject(group))),
                None => Output::Null,
            }),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct GroupObject<'s>(&'s AdjustmentGroup);

impl Object for GroupObject<'_> {
    fn type_name(&self) -> &'static str {
        "InventoryAdjustmentGroup"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let group = self.0;
        match call.name() {
            "id" => text(&gid::format("InventoryAdjustmentGroup", group.id)),
            "reason" => text(&group.reason),
            "referenceDocumentUri" => optional_text(group.reference_document_uri.as_deref()),
            "createdAt" => time(group.created_at),
            "app" | "staffMember" => Ok(Output::Null),
            "changes" => {
                let filter = |name: &str| -> Option<Vec<String>> {
                    match call.arg(name) {
                        Some(Json::Array(values)) => {
                            Some(values.iter().filter_map(Json::as_str).map(str::to_string).collect())
                        }
                        _ => None,
                    }
                };
                let items = filter("inventoryItemIds");
                let locations = filter("locationIds");
                let names = filter("quantityNames");
                Ok(Output::List(
                    group
                        .changes
                        .iter()
                        .filter(|change| {
                            items.as_ref().is_none_or(|ids| ids.contains(&gid::format("InventoryItem", change.item_id)))
                                && locations
                                    .as_ref()
                                    .is_none_or(|ids| ids.contains(&gid::format("Location", change.location_id)))
                                && names.as_ref().is_none_or(|names| names.contains(&change.name))
                        })
                        .map(|change| Output::Object(Rc::new(ChangeObject(change))))
                        .collect(),
                ))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ChangeObject<'s>(&'s Change);

impl Object for ChangeObject<'_> {
    fn type_name(&self) -> &'static str {
        "InventoryChange"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let change = self.0;
        let catalog = &ctx.store.catalog;
        match call.name() {
            "name" => text(&change.name),
            "delta" => leaf(json!(change.delta)),
            "quantityAfterChange" => leaf(json!(change.quantity_after)),
            "ledgerDocumentUri" => Ok(Output::Null),
            "item" => Ok(catalog
                .inventory_items
                .get(&change.item_id)
                .map_or(Output::Null, |item| Output::Object(Rc::new(InventoryItemObject(item))))),
            "location" => Ok(catalog
                .locations
                .get(&change.location_id)
                .map_or(Output::Null, |location| Output::Object(Rc::new(LocationObject(location))))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn set_quantities(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input = call.arg("input").cloned().unwrap_or(Json::Null);
    let name = input.get("name").and_then(Json::as_str).unwrap_or_default().to_string();
    let reason = input.get("reason").and_then(Json::as_str).unwrap_or_default().to_string();
    let reference = input.get("referenceDocumentUri").and_then(Json::as_str).map(str::to_string);
    let quantities = input.get("quantities").and_then(Json::as_array).cloned().unwrap_or_default();
    if quantities.len() > 250 {
        return Err(input_array_too_large(quantities.len()));
    }
    let change_from_required = crate::server::version_at_least(&m.env.api_version, "2026-04");
    let ignore_compare = input.get("ignoreCompareQuantity").and_then(Json::as_bool).unwrap_or(false);
    if let Some(index) =
        quantities.iter().position(|quantity| change_from_required && quantity.get("changeFromQuantity").is_none())
    {
        return Err(FieldError::coded(
            format!(
                "InventoryQuantityInput at input.quantities.{index} is missing changeFromQuantity: since 2026-04 it \
                 must be given for every quantity (pass null to skip the compare-and-swap check)."
            ),
            "argumentLiteralsIncompatible",
        ));
    }
    let store = &mut *m.store;
    let mut errors = Vec::new();
    if name != "available" && name != "on_hand" {
        errors.push(UserError::new(
            ERROR_TYPE,
            &["input", "name"],
            "The quantity name must be either 'available' or 'on_hand'.",
            Some("INVALID_NAME"),
        ));
    }
    if !REASONS.contains(&reason.as_str()) {
        errors.push(UserError::new(
            ERROR_TYPE,
            &["input", "reason"],
            "The specified reason is invalid.",
            Some("INVALID_REASON"),
        ));
    }
    let mut planned = Vec::new();
    for (index, quantity) in quantities.iter().enumerate() {
        let index_text = index.to_string();
        let field = |last: &'static str| -> Vec<String> {
            vec!["input".into(), "quantities".into(), index_text.clone(), last.into()]
        };
        let item_id = quantity
            .get("inventoryItemId")
            .and_then(Json::as_str)
            .and_then(|id| gid::parse_kind(id, "InventoryItem"))
            .filter(|id| store.catalog.inventory_items.contains_key(id));
        let location_id = quantity
            .get("locationId")
            .and_then(Json::as_str)
            .and_then(|id| gid::parse_kind(id, "Location"))
            .filter(|id| store.catalog.locations.contains_key(id));
        let amount = quantity.get("quantity").and_then(Json::as_i64).unwrap_or(0);
        let user_error = |field: Vec<String>, message: &str, code: &'static str| UserError {
            type_name: ERROR_TYPE,
            field: Some(field),
            message: message.to_string(),
            code: Some(code),
        };
        let Some(item_id) = item_id else {
            errors.push(user_error(
                field("inventoryItemId"),
                "The specified inventory item could not be found.",
                "INVALID_INVENTORY_ITEM",
            ));
            continue;
        };
        let Some(location_id) = location_id else {
            errors.push(user_error(
                field("locationId"),
                "The specified location could not be found.",
                "INVALID_LOCATION",
            ));
            continue;
        };
        if amount < 0 {
            errors.push(user_error(field("quantity"), "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE"));
            continue;
        }
        if amount > MAX_QUANTITY {
            errors.push(user_error(
                field("quantity"),
                "The total quantity can't be higher than 1,000,000,000.",
                "INVALID_QUANTITY_TOO_HIGH",
            ));
            continue;
        }
        let current = store.catalog.inventory_items[&item_id]
            .levels
            .get(&location_id)
            .and_then(|level| level.quantity(&name))
            .unwrap_or(0);
        if let Some(change_from) = quantity.get("changeFromQuantity") {
            if let Some(expected) = change_from.as_i64()
                && expected != current
            {
                errors.push(user_error(
                    field("changeFromQuantity"),
                    "The changeFromQuantity value does not match the persisted value.",
                    "CHANGE_FROM_QUANTITY_STALE",
                ));
                continue;
            }
        } else if !change_from_required && !ignore_compare {
            match quantity.get("compareQuantity").and_then(Json::as_i64) {
                None => {
                    errors.push(user_error(
                        field("compareQuantity"),
                        "The compareQuantity argument must be given to each quantity or ignored using \
                         ignoreCompareQuantity.",
                        "COMPARE_QUANTITY_REQUIRED",
                    ));
                    continue;
                }
                Some(expected) if expected != current => {
                    errors.push(user_error(
                        field("compareQuantity"),
                        "The compareQuantity value does not match persisted value.",
                        "COMPARE_QUANTITY_STALE",
                    ));
                    continue;
                }
                Some(_) => {}
            }
        }
        planned.push((item_id, location_id, amount));
    }
    if !errors.is_empty() {
        return Ok(Rc::new(Payload { group: None, user_errors: errors }));
    }

    let now = store.now();
    let mut changes = Vec::new();
    for (item_id, location_id, amount) in planned {
        let Some(item) = store.catalog.inventory_items.get_mut(&item_id) else {
            continue;
        };
        let level = item.levels.entry(location_id).or_insert_with(|| InventoryLevel::with_available(0, now));
        let before_available = level.quantity("available").unwrap_or(0);
        let before_on_hand = level.quantity("on_hand").unwrap_or(0);
        level.set(&name, amount, now);
        let after_available = level.quantity("available").unwrap_or(0);
        let after_on_hand = level.quantity("on_hand").unwrap_or(0);
        item.updated_at = now;
        for (change_name, before, after) in
            [("available", before_available, after_available), ("on_hand", before_on_hand, after_on_hand)]
        {
            if change_name == name || after != before {
                changes.push(Change {
                    name: change_name.to_string(),
                    delta: after - before,
                    quantity_after: after,
                    item_id,
                    location_id,
                });
            }
        }
        store.record(
            "inventory_levels/update",
            format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"),
        );
    }
    let id = store.next_id(IdKind::InventoryAdjustmentGroup);
    Ok(Rc::new(Payload {
        group: Some(AdjustmentGroup { id, reason, reference_document_uri: reference, created_at: now, changes }),
        user_errors: Vec::new(),
    }))
}
