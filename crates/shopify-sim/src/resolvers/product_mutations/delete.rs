//! `productDelete` and `inventoryItemUpdate`.

use std::rc::Rc;

use serde_json::Value as Json;

use super::inputs::{InventoryItemInput, parse_money};
use super::product_set::apply_item_input;
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::registry::MutationCtx;
use crate::resolvers::catalog::InventoryItemObject;
use crate::resolvers::{UserError, user_errors};

// ---------------------------------------------------------------------------------------------
// productDelete, inventoryItemUpdate
// ---------------------------------------------------------------------------------------------

struct DeletePayload {
    deleted: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for DeletePayload {
    fn type_name(&self) -> &'static str {
        "ProductDeletePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "deletedProductId" => {
                crate::resolvers::optional_text(self.deleted.map(|id| gid::format("Product", id)).as_deref())
            }
            "userErrors" => user_errors(&self.user_errors),
            "productDeleteOperation" => Ok(Output::Null),
            "shop" => ctx.registry.query_field("shop").map_or(Err(FieldError::NotImplemented), |shop| shop(call, ctx)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) fn product_delete(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let id = call
        .arg("input")
        .and_then(|input| input.get("id"))
        .and_then(Json::as_str)
        .and_then(|id| gid::parse_kind(id, "Product"));
    let store = &mut *m.store;
    match id.and_then(|id| store.catalog.remove_product(id)) {
        Some(product) => {
            store.publications.remove_product(product.id);
            store.metafields.remove_owner(&gid::format("Product", product.id));
            store.record("products/delete", gid::format("Product", product.id));
            Ok(Rc::new(DeletePayload { deleted: Some(product.id), user_errors: Vec::new() }))
        }
        None => Ok(Rc::new(DeletePayload {
            deleted: None,
            user_errors: vec![UserError::new("UserError", &["id"], "Product does not exist", None)],
        })),
    }
}

struct ItemPayload {
    item_id: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for ItemPayload {
    fn type_name(&self) -> &'static str {
        "InventoryItemUpdatePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "inventoryItem" => Ok(self
                .item_id
                .and_then(|id| ctx.store.catalog.inventory_items.get(&id))
                .map_or(Output::Null, |item| Output::Object(Rc::new(InventoryItemObject(item))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) fn inventory_item_update(
    call: &FieldCall<'_>,
    m: &mut MutationCtx<'_>,
) -> Result<Rc<dyn Object>, FieldError> {
    let id = call.arg_str("id").and_then(|id| gid::parse_kind(id, "InventoryItem"));
    let input: InventoryItemInput = call.arg_as("input")?.unwrap_or_default();
    let store = &mut *m.store;
    let Some(id) = id.filter(|id| store.catalog.inventory_items.contains_key(id)) else {
        return Ok(Rc::new(ItemPayload {
            item_id: None,
            user_errors: vec![UserError::new("UserError", &["id"], "Inventory item does not exist", None)],
        }));
    };
    if let Some(cost) = &input.cost
        && !cost.is_null()
        && parse_money(cost).is_none()
    {
        return Ok(Rc::new(ItemPayload {
            item_id: Some(id),
            user_errors: vec![UserError::new("UserError", &["input", "cost"], "Cost is not a valid amount", None)],
        }));
    }
    let now = store.now();
    apply_item_input(store, id, &input, now);
    if let Some(product_id) = store
        .catalog
        .inventory_items
        .get(&id)
        .and_then(|item| store.catalog.variants.get(&item.variant_id))
        .map(|variant| variant.product_id)
    {
        store.record("products/update", gid::format("Product", product_id));
    }
    store.record("inventory_items/update", gid::format("InventoryItem", id));
    Ok(Rc::new(ItemPayload { item_id: Some(id), user_errors: Vec::new() }))
}
