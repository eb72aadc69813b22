//! The input objects of the catalog mutations, their limits, and small parsing helpers (money,
//! handles).

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

use crate::store::Store;

/// The most variants one product may have (https://shopify.dev productSet: 2,048 by default).
pub(super) const MAX_VARIANTS: usize = 2048;
/// The most options one product may have.
pub(super) const MAX_OPTIONS: usize = 3;
/// The most items an input array may hold.
pub(super) const MAX_INPUT_ARRAY: usize = 250;

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Keeps `null` apart from "absent": `None` absent, `Some(Json::Null)` explicitly null.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(deserializer).map(Some)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ProductSetInput {
    pub(super) title: Option<String>,
    pub(super) handle: Option<String>,
    pub(super) description_html: Option<String>,
    pub(super) vendor: Option<String>,
    pub(super) product_type: Option<String>,
    pub(super) status: Option<String>,
    pub(super) tags: Option<Vec<String>>,
    pub(super) product_options: Option<Vec<OptionSetInput>>,
    pub(super) variants: Option<Vec<VariantInput>>,
    pub(super) files: Option<Vec<FileInput>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ProductSetIdentifiers {
    pub(super) id: Option<String>,
    pub(super) handle: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct OptionSetInput {
    pub(super) name: Option<String>,
    pub(super) position: Option<usize>,
    pub(super) values: Option<Vec<OptionValueInput>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct OptionValueInput {
    pub(super) name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct VariantOptionValueInput {
    pub(super) option_name: Option<String>,
    pub(super) option_id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct VariantInput {
    pub(super) id: Option<String>,
    pub(super) option_values: Option<Vec<VariantOptionValueInput>>,
    #[serde(deserialize_with = "present")]
    pub(super) sku: Option<Json>,
    #[serde(deserialize_with = "present")]
    pub(super) barcode: Option<Json>,
    #[serde(deserialize_with = "present")]
    pub(super) price: Option<Json>,
    #[serde(deserialize_with = "present")]
    pub(super) compare_at_price: Option<Json>,
    pub(super) taxable: Option<bool>,
    pub(super) inventory_policy: Option<String>,
    pub(super) position: Option<usize>,
    pub(super) inventory_item: Option<InventoryItemInput>,
    pub(super) inventory_quantities: Option<Vec<Json>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct InventoryItemInput {
    pub(super) tracked: Option<bool>,
    #[serde(deserialize_with = "present")]
    pub(super) sku: Option<Json>,
    #[serde(deserialize_with = "present")]
    pub(super) cost: Option<Json>,
    pub(super) requires_shipping: Option<bool>,
    pub(super) measurement: Option<MeasurementInput>,
    #[serde(deserialize_with = "present")]
    pub(super) country_code_of_origin: Option<Json>,
    #[serde(deserialize_with = "present")]
    pub(super) harmonized_system_code: Option<Json>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct MeasurementInput {
    pub(super) weight: Option<WeightInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WeightInput {
    pub(super) unit: String,
    pub(super) value: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct FileInput {
    pub(super) original_source: Option<String>,
    pub(super) alt: Option<String>,
}

/// A variant of a `productSet`: existing id (or new), option values, its input (none for the
/// default variant of a new product).
pub(super) type PlannedVariant<'i> = (Option<u64>, Vec<String>, Option<&'i VariantInput>);

/// A variant of a bulk create/update: existing id (or new), option values if given, its input.
pub(super) type PlannedUpdate<'i> = (Option<u64>, Option<Vec<String>>, &'i VariantInput);

pub(super) fn parse_money(value: &Json) -> Option<Decimal> {
    match value {
        Json::String(text) => Decimal::from_str(text.trim()).ok(),
        Json::Number(number) => Decimal::from_str(&number.to_string()).ok(),
        _ => None,
    }
}

pub(super) fn optional_string(value: &Json) -> Option<String> {
    value.as_str().map(str::to_string).filter(|text| !text.is_empty())
}

pub(super) fn handleize(title: &str) -> String {
    let mut handle = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            handle.push(c);
        } else if !handle.ends_with('-') && !handle.is_empty() {
            handle.push('-');
        }
    }
    handle.trim_end_matches('-').to_string()
}

pub(super) fn unique_handle(store: &Store, wanted: &str, except: Option<u64>) -> String {
    let taken = |candidate: &str| {
        store.catalog.products.values().any(|product| product.handle == candidate && Some(product.id) != except)
    };
    if !taken(wanted) {
        return wanted.to_string();
    }
    (1..).map(|n| format!("{wanted}-{n}")).find(|candidate| !taken(candidate)).unwrap_or_else(|| wanted.to_string())
}
