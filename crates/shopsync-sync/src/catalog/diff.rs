//! Field-level differences between what Shopify holds and what a sync would send, for dry runs.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;
use shopify_admin::ops::products::{Product, ProductVariant};
use shopsync_store::VariantLink;

use super::payload::{DesiredProduct, PayloadSettings, money_text, product_status, sends_price};

/// One field a sync changes: `price 19.90 -> 21.00`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `title`, `status`, `SKU-1 price`, `variant SKU-9` ...
    pub field: String,
    pub old: String,
    pub new: String,
}

impl FieldChange {
    fn new(field: impl Into<String>, old: impl Into<String>, new: impl Into<String>) -> FieldChange {
        FieldChange { field: field.into(), old: old.into(), new: new.into() }
    }
}

/// What a `productSet` built from `desired` would change in `current`, and notes on what it leaves alone.
pub(crate) fn product_changes(
    desired: &DesiredProduct,
    current: &Product,
    links: &HashMap<i64, VariantLink>,
    settings: &PayloadSettings,
) -> (Vec<FieldChange>, Vec<String>) {
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let mut text = |field: &str, old: &str, new: &str| {
        if old != new {
            changes.push(FieldChange::new(field, quoted(old), quoted(new)));
        }
    };
    text("title", &current.title, &desired.title);
    let status = format!("{:?}", product_status(desired.status)).to_lowercase();
    text("status", &format!("{:?}", current.status).to_lowercase(), &status);
    if let Some(vendor) = &desired.vendor {
        text("vendor", &current.vendor, vendor);
    }
    text("product type", &current.product_type, &desired.product_type);
    text("tags", &current.tags.join(", "), &desired.tags.join(", "));
    match &desired.description {
        Some(description) if description.trim() != current.description_html.trim() => changes.push(FieldChange::new(
            "description",
            format!("{} characters", current.description_html.chars().count()),
            format!("{} characters", description.chars().count()),
        )),
        // Without sync-description the plan says so once, not per product.
        Some(_) | None => {}
    }
    let options = |list: &mut dyn Iterator<Item = (String, Vec<String>)>| {
        list.map(|(name, values)| format!("{name}: {}", values.join(", "))).collect::<Vec<_>>().join("; ")
    };
    let old_options = options(
        &mut current.options.iter().map(|o| (o.name.clone(), o.option_values.iter().map(|v| v.name.clone()).collect())),
    );
    let new_options = options(&mut desired.options.iter().cloned());
    if old_options != new_options {
        changes.push(FieldChange::new("options", old_options, new_options));
    }

    // Variants: matched by their link, else by SKU.
    let by_id: HashMap<&str, &ProductVariant> = current.variants.nodes.iter().map(|v| (v.id.as_str(), v)).collect();
    let by_sku: HashMap<&str, &ProductVariant> =
        current.variants.nodes.iter().filter_map(|v| Some((v.sku.as_deref()?, v))).collect();
    let mut kept = Vec::new();
    for variant in &desired.variants {
        let link = links.get(&variant.variant_id);
        let existing = link
            .and_then(|l| by_id.get(l.shopify_variant_id.as_str()))
            .or_else(|| by_sku.get(variant.sku.as_str()))
            .copied();
        let Some(existing) = existing else {
            let price = variant.price.map(money_text).unwrap_or_else(|| "no price".to_string());
            changes.push(FieldChange::new(
                format!("variant {}", variant.sku),
                "-",
                format!("new ({}, {price})", variant.option_values.join(" / ")),
            ));
            continue;
        };
        kept.push(existing.id.as_str());
        let field = |name: &str| format!("{} {name}", variant.sku);
        if existing.sku.as_deref() != Some(variant.sku.as_str()) {
            changes.push(FieldChange::new(field("sku"), existing.sku.clone().unwrap_or_default(), variant.sku.clone()));
        }
        if let Some(barcode) = &variant.barcode
            && existing.barcode.as_deref() != Some(barcode.as_str())
        {
            changes.push(FieldChange::new(
                field("barcode"),
                existing.barcode.clone().unwrap_or_default(),
                barcode.clone(),
            ));
        }
        let values: Vec<&str> = existing.selected_options.iter().map(|o| o.value.as_str()).collect();
        if values != variant.option_values.iter().map(String::as_str).collect::<Vec<_>>() {
            changes.push(FieldChange::new(field("options"), values.join(" / "), variant.option_values.join(" / ")));
        }
        if sends_price(variant, link, settings) {
            if variant.price != Some(existing.price) {
                changes.push(FieldChange::new(field("price"), money_text(existing.price), opt_money(variant.price)));
            }
            let current_compare = existing.compare_at_price.filter(|p| *p > Decimal::ZERO);
            if variant.compare_at_price != current_compare {
                changes.push(FieldChange::new(
                    field("compare-at price"),
                    opt_money(current_compare),
                    opt_money(variant.compare_at_price),
                ));
            }
        } else if variant.price.is_some_and(|p| p != existing.price) {
            notes.push(format!(
                "{}: price kept at {} (price-only-when-changed on, back-office price {} unchanged since last sent)",
                variant.sku,
                money_text(existing.price),
                opt_money(variant.price)
            ));
        } else if variant.price.is_none() {
            notes.push(format!(
                "{}: price kept at {} (no price in the price list)",
                variant.sku,
                money_text(existing.price)
            ));
        }
        if existing.inventory_item.tracked != variant.tracked {
            changes.push(FieldChange::new(
                field("inventory tracked"),
                yes_no(existing.inventory_item.tracked),
                yes_no(variant.tracked),
            ));
        }
        if let Some((value, unit)) = variant.weight {
            let old = existing
                .inventory_item
                .measurement
                .weight
                .as_ref()
                .map(|w| format!("{} {}", trim_float(w.value), w.unit.to_lowercase()))
                .unwrap_or_else(|| "-".to_string());
            let new = format!("{} {}", value, unit.as_str().to_lowercase());
            let same = existing.inventory_item.measurement.weight.as_ref().is_some_and(|w| {
                w.unit == unit.as_str() && (w.value - value.to_string().parse::<f64>().unwrap_or(-1.0)).abs() < 1e-9
            });
            if !same {
                changes.push(FieldChange::new(field("weight"), old, new));
            }
        }
    }
    for removed in current.variants.nodes.iter().filter(|v| !kept.contains(&v.id.as_str())) {
        changes.push(FieldChange::new(
            format!("variant {}", removed.sku.as_deref().unwrap_or(removed.title.as_str())),
            format!("{} ({})", removed.title, removed.id),
            "removed (not in the back-office item)",
        ));
    }

    let current_images = current.media.nodes.iter().filter(|m| m.image.is_some()).count();
    if settings.sync_images && settings.overwrite_images && !desired.images.is_empty() {
        changes.push(FieldChange::new(
            "images",
            format!("{current_images} in Shopify"),
            format!("replaced by the item's {}", desired.images.len()),
        ));
    } else if !settings.sync_images {
        notes.push(format!("images: kept, {current_images} in Shopify (sync-images off)"));
    } else {
        notes.push(format!("images: kept, {current_images} in Shopify (overwrite-images off)"));
    }
    (changes, notes)
}

fn quoted(text: &str) -> String {
    if text.is_empty() { "-".to_string() } else { text.to_string() }
}

fn opt_money(amount: Option<Decimal>) -> String {
    amount.map(money_text).unwrap_or_else(|| "-".to_string())
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn trim_float(value: f64) -> String {
    let text = format!("{value}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}
