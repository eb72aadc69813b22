//! `productVariantsBulkCreate` and `productVariantsBulkUpdate`.

use std::rc::Rc;

use super::inputs::{MAX_INPUT_ARRAY, PlannedUpdate, VariantInput};
use super::product_set::{ProductPayload, apply_variant_input, check_variant_money, create_variant};
use crate::gid;
use crate::graphql::executor::{FieldCall, FieldError, Object};
use crate::model::catalog::OptionValue;
use crate::registry::MutationCtx;
use crate::resolvers::UserError;
use crate::store::{IdKind, Store};

// ---------------------------------------------------------------------------------------------
// productVariantsBulkCreate / productVariantsBulkUpdate
// ---------------------------------------------------------------------------------------------

pub(super) fn variants_bulk_create(
    call: &FieldCall<'_>,
    m: &mut MutationCtx<'_>,
) -> Result<Rc<dyn Object>, FieldError> {
    variants_bulk(call, m, true)
}

pub(super) fn variants_bulk_update(
    call: &FieldCall<'_>,
    m: &mut MutationCtx<'_>,
) -> Result<Rc<dyn Object>, FieldError> {
    variants_bulk(call, m, false)
}

fn variants_bulk(call: &FieldCall<'_>, m: &mut MutationCtx<'_>, create: bool) -> Result<Rc<dyn Object>, FieldError> {
    let (payload_type, error_type) = if create {
        ("ProductVariantsBulkCreatePayload", "ProductVariantsBulkCreateUserError")
    } else {
        ("ProductVariantsBulkUpdatePayload", "ProductVariantsBulkUpdateUserError")
    };
    let variants: Vec<VariantInput> = call.arg_as("variants")?.unwrap_or_default();
    if variants.len() > MAX_INPUT_ARRAY {
        return Err(input_array_too_large(variants.len()));
    }
    let payload = |product_id, variant_ids, user_errors| -> Rc<dyn Object> {
        Rc::new(ProductPayload { type_name: payload_type, product_id, variant_ids, user_errors, asynchronous: false })
    };
    let store = &mut *m.store;
    let product_id = call.arg_str("productId").and_then(|id| gid::parse_kind(id, "Product"));
    let Some(product_id) = product_id.filter(|id| store.catalog.products.contains_key(id)) else {
        return Ok(payload(
            None,
            None,
            vec![UserError::new(error_type, &["productId"], "Product does not exist", Some("PRODUCT_DOES_NOT_EXIST"))],
        ));
    };
    let product = store.catalog.products[&product_id].clone();
    let mut errors = Vec::new();
    let mut plan: Vec<PlannedUpdate<'_>> = Vec::new();
    for (index, variant) in variants.iter().enumerate() {
        let index_text = index.to_string();
        let id = match (&variant.id, create) {
            (Some(_), true) => {
                errors.push(UserError::new(
                    error_type,
                    &["variants", &index_text, "id"],
                    "id is not allowed when creating variants",
                    Some("INVALID_INPUT"),
                ));
                continue;
            }
            (None, false) => {
                errors.push(UserError::new(
                    error_type,
                    &["variants", &index_text, "id"],
                    "Product variant is missing ID attribute",
                    Some("PRODUCT_VARIANT_ID_MISSING"),
                ));
                continue;
            }
            (None, true) => None,
            (Some(id), false) => {
                match gid::parse_kind(id, "ProductVariant").filter(|id| product.variant_ids.contains(id)) {
                    Some(id) => Some(id),
                    None => {
                        errors.push(UserError::new(
                            error_type,
                            &["variants", &index_text, "id"],
                            "Product variant does not exist",
                            Some("PRODUCT_VARIANT_DOES_NOT_EXIST"),
                        ));
                        continue;
                    }
                }
            }
        };
        if !create && variant.inventory_quantities.is_some() {
            errors.push(UserError::new(
                error_type,
                &["variants", &index_text, "inventoryQuantities"],
                "Inventory quantities can only be provided during create. To update inventory for existing variants, use inventorySetQuantities.",
                Some("NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE"),
            ));
        }
        if let Some((field, message)) = check_variant_money(variant) {
            errors.push(UserError::new(error_type, &["variants", &index_text, field], message, Some("INVALID_INPUT")));
        }
        // Option values: each names an option of the product; new values are added to it.
        let values = match &variant.option_values {
            None if create => {
                errors.push(UserError::new(
                    error_type,
                    &["variants", &index_text, "optionValues"],
                    "You need to add option values for all options",
                    Some("NEED_TO_ADD_OPTION_VALUES"),
                ));
                continue;
            }
            None => None,
            Some(option_values) => {
                let mut values = vec![String::new(); product.options.len()];
                for value in option_values {
                    let position = value.option_name.as_ref().and_then(|name| {
                        product.options.iter().position(|option| option.name.eq_ignore_ascii_case(name))
                    });
                    match (position, &value.name) {
                        (Some(position), Some(name)) => values[position] = name.clone(),
                        _ => errors.push(UserError::new(
                            error_type,
                            &["variants", &index_text, "optionValues"],
                            format!("Option '{}' does not exist", value.option_name.as_deref().unwrap_or("")),
                            Some("OPTION_DOES_NOT_EXIST"),
                        )),
                    }
                }
                if values.iter().any(String::is_empty) {
                    errors.push(UserError::new(
                        error_type,
                        &["variants", &index_text, "optionValues"],
                        "You need to add option values for all options",
                        Some("NEED_TO_ADD_OPTION_VALUES"),
                    ));
                }
                let clash = store
                    .catalog
                    .product_variants(&product)
                    .any(|other| other.option_values == values && Some(other.id) != id);
                if clash {
                    errors.push(UserError::new(
                        error_type,
                        &["variants", &index_text],
                        format!("The variant '{}' already exists.", values.join(" / ")),
                        Some("VARIANT_ALREADY_EXISTS"),
                    ));
                }
                Some(values)
            }
        };
        plan.push((id, values, variant));
    }
    if !errors.is_empty() {
        return Ok(payload(Some(product_id), None, errors));
    }

    let now = store.now();
    let mut touched = Vec::new();
    let standalone_default = is_standalone_default(store, product_id);
    let remove_standalone =
        create && call.arg_str("strategy") == Some("REMOVE_STANDALONE_VARIANT") && standalone_default;
    for (id, values, variant_input) in plan {
        let id = match id {
            Some(id) => id,
            None => {
                let id = create_variant(store, product_id, now);
                if let Some(product) = store.catalog.products.get_mut(&product_id) {
                    product.variant_ids.push(id);
                }
                id
            }
        };
        if let Some(values) = values {
            add_option_values(store, product_id, &values);
            if let Some(variant) = store.catalog.variants.get_mut(&id) {
                variant.title = values.join(" / ");
                variant.option_values = values;
            }
        }
        apply_variant_input(store, id, variant_input, now);
        touched.push(id);
    }
    if remove_standalone
        && let Some(default_id) = store.catalog.products.get(&product_id).and_then(|p| p.variant_ids.first().copied())
    {
        store.catalog.variants.remove(&default_id).map(|v| store.catalog.inventory_items.remove(&v.inventory_item_id));
        if let Some(product) = store.catalog.products.get_mut(&product_id) {
            product.variant_ids.retain(|id| *id != default_id);
            product.options.retain(|option| option.name != "Title");
        }
    }
    if let Some(product) = store.catalog.products.get_mut(&product_id) {
        for (position, id) in product.variant_ids.iter().enumerate() {
            if let Some(variant) = store.catalog.variants.get_mut(id) {
                variant.position = position + 1;
            }
        }
        product.updated_at = now;
    }
    store.record("products/update", gid::format("Product", product_id));
    Ok(payload(Some(product_id), Some(touched), Vec::new()))
}

fn is_standalone_default(store: &Store, product_id: u64) -> bool {
    store.catalog.products.get(&product_id).is_some_and(|product| {
        product.variant_ids.len() == 1 && product.options.len() == 1 && product.options[0].name == "Title"
    })
}

fn add_option_values(store: &mut Store, product_id: u64, values: &[String]) {
    let mut new_ids = Vec::new();
    if let Some(product) = store.catalog.products.get(&product_id) {
        for (index, value) in values.iter().enumerate() {
            if let Some(option) = product.options.get(index)
                && !option.values.iter().any(|existing| &existing.name == value)
            {
                new_ids.push((index, value.clone()));
            }
        }
    }
    for (index, value) in new_ids {
        let id = store.next_id(IdKind::OptionValue);
        if let Some(option) = store.catalog.products.get_mut(&product_id).and_then(|p| p.options.get_mut(index)) {
            option.values.push(OptionValue { id, name: value });
        }
    }
}

/// The error Shopify gives for an input array over 250 items.
pub fn input_array_too_large(size: usize) -> FieldError {
    FieldError::coded(
        format!("The input array size of {size} is greater than the maximum allowed of {MAX_INPUT_ARRAY}."),
        "MAX_INPUT_SIZE_EXCEEDED",
    )
}
