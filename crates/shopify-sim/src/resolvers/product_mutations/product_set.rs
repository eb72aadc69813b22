//! `productSet`: validate the whole input, then create or update the product, its options,
//! variants and inventory items.

use std::collections::BTreeMap;
use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::inputs::{
    InventoryItemInput, MAX_OPTIONS, MAX_VARIANTS, PlannedVariant, ProductSetIdentifiers, ProductSetInput,
    VariantInput, handleize, optional_string, parse_money, unique_handle,
};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::catalog::{
    InventoryItem, InventoryLevel, MediaImage, OptionValue, Product, ProductOption, ProductStatus, Variant, Weight,
};
use crate::registry::MutationCtx;
use crate::resolvers::catalog::{ProductObject, VariantObject};
use crate::resolvers::{UserError, object, text, user_errors};
use crate::store::{IdKind, Store};

// ---------------------------------------------------------------------------------------------
// productSet
// ---------------------------------------------------------------------------------------------

pub(super) struct ProductPayload {
    pub(super) type_name: &'static str,
    pub(super) product_id: Option<u64>,
    pub(super) variant_ids: Option<Vec<u64>>,
    pub(super) user_errors: Vec<UserError>,
    pub(super) asynchronous: bool,
}

impl Object for ProductPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let product = || {
            self.product_id
                .and_then(|id| ctx.store.catalog.products.get(&id))
                .map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product))))
        };
        match call.name() {
            "product" if self.asynchronous => Ok(Output::Null),
            "product" => Ok(product()),
            "productSetOperation" if !self.asynchronous => Ok(Output::Null),
            "productSetOperation" => {
                object(ProductSetOperation { product_id: self.product_id, user_errors: self.user_errors.clone() })
            }
            "productVariants" => Ok(match &self.variant_ids {
                None => Output::Null,
                Some(ids) => Output::List(
                    ids.iter()
                        .filter_map(|id| ctx.store.catalog.variants.get(id))
                        .map(|variant| Output::Object(Rc::new(VariantObject(variant))))
                        .collect(),
                ),
            }),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// An asynchronous `productSet` finishes at once in the simulator.
struct ProductSetOperation {
    product_id: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for ProductSetOperation {
    fn type_name(&self) -> &'static str {
        "ProductSetOperation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&gid::format("ProductSetOperation", self.product_id.unwrap_or(0))),
            "status" => text("COMPLETE"),
            "product" => Ok(self
                .product_id
                .and_then(|id| ctx.store.catalog.products.get(&id))
                .map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

const SET_ERROR: &str = "ProductSetUserError";

pub(super) fn product_set(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input: ProductSetInput = call.arg_as("input")?.unwrap_or_default();
    let identifier: Option<ProductSetIdentifiers> = call.arg_as("identifier")?;
    let asynchronous = call.arg_bool("synchronous") == Some(false);
    let payload = |product_id, user_errors| -> Rc<dyn Object> {
        Rc::new(ProductPayload {
            type_name: "ProductSetPayload",
            product_id,
            variant_ids: None,
            user_errors,
            asynchronous,
        })
    };
    let store = &mut *m.store;

    // Which product: by id (must exist), by handle (upsert), or a new one.
    let mut handle_for_new = None;
    let existing: Option<u64> = match identifier {
        Some(ProductSetIdentifiers { id: Some(id), .. }) => match gid::parse_kind(&id, "Product") {
            Some(id) if store.catalog.products.contains_key(&id) => Some(id),
            _ => {
                return Ok(payload(
                    None,
                    vec![UserError::new(
                        SET_ERROR,
                        &["identifier", "id"],
                        "Product does not exist",
                        Some("PRODUCT_DOES_NOT_EXIST"),
                    )],
                ));
            }
        },
        Some(ProductSetIdentifiers { handle: Some(handle), .. }) => {
            let found = store.catalog.products.values().find(|product| product.handle == handle).map(|p| p.id);
            if found.is_none() {
                handle_for_new = Some(handle);
            }
            found
        }
        _ => None,
    };

    let mut errors = Vec::new();
    if existing.is_none() && input.title.as_deref().is_none_or(|title| title.trim().is_empty()) {
        errors.push(UserError::new(SET_ERROR, &["input", "title"], "Title can't be blank", Some("INVALID_INPUT")));
    }
    if let Some(status) = &input.status
        && ProductStatus::parse(status).is_none()
    {
        errors.push(UserError::new(SET_ERROR, &["input", "status"], "Status is invalid", Some("INVALID_INPUT")));
    }

    // Options: given ones replace the product's; otherwise the existing ones stay.
    let current_options =
        existing.and_then(|id| store.catalog.products.get(&id)).map(|product| product.options.clone());
    let options: Option<Vec<(String, Vec<String>)>> = match &input.product_options {
        Some(options) => {
            if options.len() > MAX_OPTIONS {
                errors.push(UserError::new(
                    SET_ERROR,
                    &["input", "productOptions"],
                    format!("Can only specify a maximum of {MAX_OPTIONS} options"),
                    Some("OPTIONS_OVER_LIMIT"),
                ));
            }
            let mut ordered: Vec<(usize, String, Vec<String>)> = Vec::new();
            for (index, option) in options.iter().enumerate() {
                let index_text = index.to_string();
                let name = option.name.clone().unwrap_or_default();
                if ordered.iter().any(|(_, existing, _)| existing.eq_ignore_ascii_case(&name)) {
                    errors.push(UserError::new(
                        SET_ERROR,
                        &["input", "productOptions", &index_text, "name"],
                        format!("Option '{name}' already exists."),
                        Some("DUPLICATED_OPTION_NAME"),
                    ));
                }
                let mut values: Vec<String> = Vec::new();
                for value in option.values.iter().flatten() {
                    let value = value.name.clone().unwrap_or_default();
                    if values.iter().any(|existing| existing.eq_ignore_ascii_case(&value)) {
                        errors.push(UserError::new(
                            SET_ERROR,
                            &["input", "productOptions", &index_text, "values"],
                            format!("Duplicated option value '{value}'."),
                            Some("DUPLICATED_OPTION_VALUE"),
                        ));
                    }
                    values.push(value);
                }
                if values.is_empty() {
                    errors.push(UserError::new(
                        SET_ERROR,
                        &["input", "productOptions", &index_text, "values"],
                        "Option values can't be blank",
                        Some("OPTION_VALUES_MISSING"),
                    ));
                }
                ordered.push((option.position.unwrap_or(index + 1), name, values));
            }
            ordered.sort_by_key(|(position, _, _)| *position);
            Some(ordered.into_iter().map(|(_, name, values)| (name, values)).collect())
        }
        None => current_options.as_ref().map(|options| {
            options.iter().map(|o| (o.name.clone(), o.values.iter().map(|v| v.name.clone()).collect())).collect()
        }),
    };
    if input.variants.is_some() && options.is_none() {
        errors.push(UserError::new(
            SET_ERROR,
            &["input", "productOptions"],
            "Product options input is required when creating variants.",
            Some("PRODUCT_OPTIONS_INPUT_MISSING"),
        ));
    }

    // Variants: resolve each to its option values, check ids and prices.
    let mut planned: Vec<(Option<u64>, Vec<String>, &VariantInput)> = Vec::new();
    if let (Some(variants), Some(options)) = (&input.variants, &options) {
        if variants.len() > MAX_VARIANTS {
            errors.push(UserError::new(
                SET_ERROR,
                &["input", "variants"],
                format!("Products can have a maximum of {MAX_VARIANTS} variants."),
                Some("VARIANTS_OVER_LIMIT"),
            ));
        }
        for (index, variant) in variants.iter().enumerate() {
            let index_text = index.to_string();
            let path = ["input", "variants", index_text.as_str()];
            let variant_id = match &variant.id {
                None => None,
                Some(id) => match gid::parse_kind(id, "ProductVariant")
                    .filter(|id| store.catalog.variants.get(id).is_some_and(|v| Some(v.product_id) == existing))
                {
                    Some(id) => Some(id),
                    None => {
                        errors.push(UserError::new(
                            SET_ERROR,
                            &[path[0], path[1], path[2], "id"],
                            "Product variant does not exist",
                            Some("PRODUCT_VARIANT_DOES_NOT_EXIST"),
                        ));
                        continue;
                    }
                },
            };
            let mut values = vec![String::new(); options.len()];
            for (value_index, value) in variant.option_values.iter().flatten().enumerate() {
                let value_index_text = value_index.to_string();
                let value_path = [path[0], path[1], path[2], "optionValues", value_index_text.as_str()];
                let option_position = value
                    .option_name
                    .as_ref()
                    .and_then(|name| options.iter().position(|(option, _)| option.eq_ignore_ascii_case(name)))
                    .or_else(|| {
                        let id = value.option_id.as_deref().and_then(|id| gid::parse_kind(id, "ProductOption"))?;
                        let name = &current_options.as_ref()?.iter().find(|option| option.id == id)?.name;
                        options.iter().position(|(option, _)| option == name)
                    });
                let Some(option_position) = option_position else {
                    errors.push(UserError::new(
                        SET_ERROR,
                        &value_path,
                        format!("Option '{}' does not exist", value.option_name.as_deref().unwrap_or("")),
                        Some("OPTION_DOES_NOT_EXIST"),
                    ));
                    continue;
                };
                let name = value.name.clone().or_else(|| {
                    let id = value.id.as_deref().and_then(|id| gid::parse_kind(id, "ProductOptionValue"))?;
                    current_options
                        .as_ref()?
                        .iter()
                        .flat_map(|option| &option.values)
                        .find(|v| v.id == id)
                        .map(|v| v.name.clone())
                });
                match name {
                    Some(name) if options[option_position].1.iter().any(|v| v.eq_ignore_ascii_case(&name)) => {
                        values[option_position] = name;
                    }
                    other => errors.push(UserError::new(
                        SET_ERROR,
                        &value_path,
                        format!("Option value '{}' does not exist", other.unwrap_or_default()),
                        Some("OPTION_VALUE_DOES_NOT_EXIST"),
                    )),
                }
            }
            if values.iter().any(String::is_empty) {
                errors.push(UserError::new(
                    SET_ERROR,
                    &[path[0], path[1], path[2], "optionValues"],
                    "Variant is missing a value for one or more options",
                    Some("OPTION_VALUES_MISSING"),
                ));
            }
            if let Some(problem) = check_variant_money(variant) {
                errors.push(UserError::new(
                    SET_ERROR,
                    &[path[0], path[1], path[2], problem.0],
                    problem.1,
                    Some("INVALID_VARIANT"),
                ));
            }
            if planned.iter().any(|(_, other, _)| other == &values) && !values.iter().any(String::is_empty) {
                errors.push(UserError::new(
                    SET_ERROR,
                    &[path[0], path[1], path[2], "optionValues"],
                    format!("The variant '{}' already exists.", values.join(" / ")),
                    Some("INVALID_VARIANT"),
                ));
            }
            for (quantity_index, quantity) in variant.inventory_quantities.iter().flatten().enumerate() {
                let location =
                    quantity.get("locationId").and_then(Json::as_str).and_then(|id| gid::parse_kind(id, "Location"));
                if !location.is_some_and(|id| store.catalog.locations.contains_key(&id)) {
                    let quantity_index_text = quantity_index.to_string();
                    errors.push(UserError::new(
                        SET_ERROR,
                        &[path[0], path[1], path[2], "inventoryQuantities", &quantity_index_text, "locationId"],
                        "Location does not exist",
                        Some("INVALID_VARIANT"),
                    ));
                }
            }
            planned.push((variant_id, values, variant));
        }
    }
    if !errors.is_empty() {
        return Ok(payload(existing, errors));
    }

    // Apply.
    let now = store.now();
    let product_id = match existing {
        Some(id) => id,
        None => {
            let id = store.next_id(IdKind::Product);
            let title = input.title.clone().unwrap_or_default();
            let wanted = handle_for_new.clone().or_else(|| input.handle.clone()).unwrap_or_else(|| handleize(&title));
            let handle = unique_handle(store, &wanted, None);
            store.catalog.products.insert(
                id,
                Product {
                    id,
                    title,
                    handle,
                    description_html: String::new(),
                    vendor: store.shop.name.clone(),
                    product_type: String::new(),
                    status: ProductStatus::Active,
                    tags: Vec::new(),
                    options: Vec::new(),
                    variant_ids: Vec::new(),
                    media: Vec::new(),
                    created_at: now,
                    updated_at: now,
                    published_at: Some(now),
                },
            );
            // As on Shopify, a product an app creates is in no sales channel until it is published to one
            // (publishablePublish); seeded products stand for ones made in Shopify admin, which publishes them.
            store.publications.unpublish_everywhere(id);
            id
        }
    };
    let new_handle =
        input.handle.as_ref().filter(|_| existing.is_some()).map(|h| unique_handle(store, h, Some(product_id)));
    let options = options.unwrap_or_else(|| vec![("Title".to_string(), vec!["Default Title".to_string()])]);
    let option_records = build_options(store, current_options.as_deref(), &options);
    let base_url = m.env.base_url.clone();
    let new_media = input.files.as_ref().map(|files| {
        files
            .iter()
            .filter_map(|file| {
                let url = file.original_source.clone()?;
                Some((url, file.alt.clone()))
            })
            .collect::<Vec<_>>()
    });
    let media = new_media.map(|files| {
        let current = store.catalog.products.get(&product_id).map(|p| p.media.clone()).unwrap_or_default();
        files
            .into_iter()
            .map(|(url, alt)| match current.iter().find(|media| media.url == url) {
                Some(media) => MediaImage { alt, ..media.clone() },
                None => MediaImage {
                    id: store.next_id(IdKind::Media),
                    image_id: store.next_id(IdKind::Image),
                    alt,
                    url: if url.starts_with("http") { url } else { format!("{base_url}/_sim/images/{url}") },
                    width: 800,
                    height: 800,
                    created_at: now,
                },
            })
            .collect::<Vec<_>>()
    });

    // Variants: the given list replaces the product's; on create without variants, a default one.
    let variant_plan: Option<Vec<PlannedVariant<'_>>> = match &input.variants {
        Some(_) => Some(planned.into_iter().map(|(id, values, variant)| (id, values, Some(variant))).collect()),
        None if existing.is_none() => Some(vec![(None, vec!["Default Title".to_string()], None)]),
        None => None,
    };
    if let Some(plan) = variant_plan {
        let old_ids = store.catalog.products.get(&product_id).map(|p| p.variant_ids.clone()).unwrap_or_default();
        let kept: Vec<u64> = plan.iter().filter_map(|(id, _, _)| *id).collect();
        for removed in old_ids.iter().filter(|id| !kept.contains(id)) {
            if let Some(variant) = store.catalog.variants.remove(removed) {
                store.catalog.inventory_items.remove(&variant.inventory_item_id);
            }
        }
        let mut ids = Vec::with_capacity(plan.len());
        for (position, (id, values, variant_input)) in plan.into_iter().enumerate() {
            let id = match id {
                Some(id) => id,
                None => create_variant(store, product_id, now),
            };
            if let Some(variant) = store.catalog.variants.get_mut(&id) {
                variant.title = values.join(" / ");
                variant.option_values = values;
                variant.position = position + 1;
                variant.updated_at = now;
            }
            if let Some(variant_input) = variant_input {
                apply_variant_input(store, id, variant_input, now);
            }
            ids.push(id);
        }
        if let Some(product) = store.catalog.products.get_mut(&product_id) {
            product.variant_ids = ids;
        }
    }

    if let Some(product) = store.catalog.products.get_mut(&product_id) {
        if let Some(title) = &input.title {
            product.title = title.clone();
        }
        if let Some(handle) = new_handle {
            product.handle = handle;
        }
        if let Some(description) = &input.description_html {
            product.description_html = description.clone();
        }
        if let Some(vendor) = &input.vendor {
            product.vendor = vendor.clone();
        }
        if let Some(product_type) = &input.product_type {
            product.product_type = product_type.clone();
        }
        if let Some(status) = input.status.as_deref().and_then(ProductStatus::parse) {
            product.status = status;
        }
        if let Some(tags) = &input.tags {
            product.tags = normalize_tags(tags.iter().map(String::as_str));
        }
        if let Some(media) = media {
            product.media = media;
        }
        product.options = option_records;
        product.updated_at = now;
    }
    let topic = if existing.is_some() { "products/update" } else { "products/create" };
    store.record(topic, gid::format("Product", product_id));
    Ok(payload(Some(product_id), Vec::new()))
}

pub(super) fn check_variant_money(variant: &VariantInput) -> Option<(&'static str, String)> {
    for (field, value) in [("price", &variant.price), ("compareAtPrice", &variant.compare_at_price)] {
        match value {
            None | Some(Json::Null) => {}
            Some(value) => match parse_money(value) {
                Some(amount) if amount.is_sign_negative() => {
                    return Some((field, format!("{field} must be greater than or equal to 0")));
                }
                Some(_) => {}
                None => return Some((field, format!("{field} is not a valid amount: {value}"))),
            },
        }
    }
    None
}

fn build_options(
    store: &mut Store,
    current: Option<&[ProductOption]>,
    options: &[(String, Vec<String>)],
) -> Vec<ProductOption> {
    options
        .iter()
        .enumerate()
        .map(|(index, (name, values))| {
            let previous = current.and_then(|current| current.iter().find(|option| &option.name == name));
            let id = previous.map(|option| option.id).unwrap_or_else(|| store.next_id(IdKind::Option));
            let values = values
                .iter()
                .map(|value| {
                    let id = previous
                        .and_then(|option| option.values.iter().find(|v| &v.name == value))
                        .map(|v| v.id)
                        .unwrap_or_else(|| store.next_id(IdKind::OptionValue));
                    OptionValue { id, name: value.clone() }
                })
                .collect();
            ProductOption { id, name: name.clone(), position: index + 1, values }
        })
        .collect()
}

pub(super) fn create_variant(store: &mut Store, product_id: u64, now: jiff::Timestamp) -> u64 {
    let id = store.next_id(IdKind::Variant);
    let item_id = store.next_id(IdKind::InventoryItem);
    store.catalog.variants.insert(
        id,
        Variant {
            id,
            product_id,
            title: String::new(),
            sku: None,
            barcode: None,
            price: Decimal::ZERO,
            compare_at_price: None,
            position: 0,
            option_values: Vec::new(),
            inventory_item_id: item_id,
            taxable: true,
            inventory_policy: "DENY".to_string(),
            created_at: now,
            updated_at: now,
        },
    );
    store.catalog.inventory_items.insert(
        item_id,
        InventoryItem {
            id: item_id,
            variant_id: id,
            tracked: true,
            requires_shipping: true,
            weight: None,
            unit_cost: None,
            country_code_of_origin: None,
            harmonized_system_code: None,
            levels: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        },
    );
    id
}

pub(super) fn apply_variant_input(store: &mut Store, variant_id: u64, input: &VariantInput, now: jiff::Timestamp) {
    let Some(variant) = store.catalog.variants.get_mut(&variant_id) else {
        return;
    };
    if let Some(sku) = &input.sku {
        variant.sku = optional_string(sku);
    }
    if let Some(barcode) = &input.barcode {
        variant.barcode = optional_string(barcode);
    }
    if let Some(price) = input.price.as_ref().and_then(parse_money) {
        variant.price = price;
    }
    if let Some(compare_at) = &input.compare_at_price {
        variant.compare_at_price = parse_money(compare_at);
    }
    if let Some(taxable) = input.taxable {
        variant.taxable = taxable;
    }
    if let Some(policy) = &input.inventory_policy {
        variant.inventory_policy = policy.clone();
    }
    variant.updated_at = now;
    let item_id = variant.inventory_item_id;
    if let Some(item_input) = &input.inventory_item {
        apply_item_input(store, item_id, item_input, now);
    }
    for quantity in input.inventory_quantities.iter().flatten() {
        let location = quantity.get("locationId").and_then(Json::as_str).and_then(|id| gid::parse_kind(id, "Location"));
        // productSet uses {name, quantity}; productVariantsBulkCreate uses {availableQuantity}.
        let name = quantity.get("name").and_then(Json::as_str).unwrap_or("available").to_string();
        let amount =
            quantity.get("quantity").or_else(|| quantity.get("availableQuantity")).and_then(Json::as_i64).unwrap_or(0);
        if let (Some(location), Some(item)) = (location, store.catalog.inventory_items.get_mut(&item_id)) {
            item.levels
                .entry(location)
                .or_insert_with(|| InventoryLevel::with_available(0, now))
                .set(&name, amount, now);
        }
    }
}

pub(super) fn apply_item_input(store: &mut Store, item_id: u64, input: &InventoryItemInput, now: jiff::Timestamp) {
    let Some(item) = store.catalog.inventory_items.get_mut(&item_id) else {
        return;
    };
    if let Some(tracked) = input.tracked {
        item.tracked = tracked;
    }
    if let Some(requires_shipping) = input.requires_shipping {
        item.requires_shipping = requires_shipping;
    }
    if let Some(cost) = &input.cost {
        item.unit_cost = parse_money(cost);
    }
    if let Some(weight) = input.measurement.as_ref().and_then(|m| m.weight.as_ref()) {
        item.weight = Some(Weight { unit: weight.unit.clone(), value: weight.value });
    }
    if let Some(country) = &input.country_code_of_origin {
        item.country_code_of_origin = optional_string(country);
    }
    if let Some(code) = &input.harmonized_system_code {
        item.harmonized_system_code = optional_string(code);
    }
    item.updated_at = now;
    let variant_id = item.variant_id;
    if let Some(sku) = &input.sku
        && let Some(variant) = store.catalog.variants.get_mut(&variant_id)
    {
        variant.sku = optional_string(sku);
        variant.updated_at = now;
    }
}

/// Tags as Shopify keeps them: trimmed, comma-separated entries split, no duplicates.
pub fn normalize_tags<'t>(tags: impl IntoIterator<Item = &'t str>) -> Vec<String> {
    let mut result: Vec<String> = Vec::new();
    for tag in tags.into_iter().flat_map(|tag| tag.split(',')) {
        let tag = tag.trim();
        if !tag.is_empty() && !result.iter().any(|existing| existing.eq_ignore_ascii_case(tag)) {
            result.push(tag.to_string());
        }
    }
    result
}
