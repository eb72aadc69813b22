//! What the back office wants a Shopify product to be: built from an item, its prices and the shop's settings;
//! hashed for change detection and turned into `productSet` input.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use shopify_admin::Gid;
use shopify_admin::ops::products::{
    FileSetInput, InventoryItemInput, MeasurementInput, OptionSetInput, OptionValueSetInput, ProductSetIdentifiers,
    ProductSetInput, ProductSetVariables, ProductStatus, ProductVariantSetInput, VariantOptionValueInput, Weight,
};
use shopsync_core::ShopSettings;
use shopsync_store::{Item, ItemStatus, Price, VariantLink, WeightUnit};

use super::sha256_hex;

/// The option Shopify gives a product without options.
pub(crate) const DEFAULT_OPTION: &str = "Title";
pub(crate) const DEFAULT_OPTION_VALUE: &str = "Default Title";

/// Bumped when the canonical form changes, so every product is sent once more instead of never.
const HASH_VERSION: u32 = 1;

/// The settings that shape a product's payload.
#[derive(Debug, Clone)]
pub(crate) struct PayloadSettings {
    pub sync_description: bool,
    pub sync_images: bool,
    pub overwrite_images: bool,
    pub price_only_when_changed: bool,
    pub price_list: Option<String>,
}

impl PayloadSettings {
    pub fn new(settings: &ShopSettings, price_list: Option<String>) -> PayloadSettings {
        PayloadSettings {
            sync_description: settings.sync_description,
            sync_images: settings.sync_images,
            overwrite_images: settings.overwrite_images,
            price_only_when_changed: settings.price_only_when_changed,
            price_list,
        }
    }

    /// Whether an existing product gets the item's images.
    pub fn images_on_update(&self) -> bool {
        self.sync_images && self.overwrite_images
    }
}

/// A product as the back office wants it in Shopify.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DesiredProduct {
    pub item_id: i64,
    pub number: String,
    pub title: String,
    pub status: ItemStatus,
    pub vendor: Option<String>,
    pub product_type: String,
    pub tags: Vec<String>,
    /// Only when sync-description is on.
    pub description: Option<String>,
    pub options: Vec<(String, Vec<String>)>,
    pub variants: Vec<DesiredVariant>,
    pub images: Vec<String>,
}

/// A variant as the back office wants it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DesiredVariant {
    pub variant_id: i64,
    pub sku: String,
    pub barcode: Option<String>,
    /// One per product option, in order.
    pub option_values: Vec<String>,
    /// From the shop's price list; `None` when the SKU has no price there.
    pub price: Option<Decimal>,
    pub compare_at_price: Option<Decimal>,
    pub tracked: bool,
    pub weight: Option<(Decimal, WeightUnit)>,
}

impl DesiredProduct {
    /// The product an item should be, with prices from the shop's price list (`prices` by SKU).
    pub fn from_item(item: &Item, prices: &HashMap<String, Price>, settings: &PayloadSettings) -> DesiredProduct {
        let (options, variants) = if item.option_names.is_empty() {
            let values = vec![DEFAULT_OPTION_VALUE.to_string()];
            (vec![(DEFAULT_OPTION.to_string(), values.clone())], item.variants.iter().map(|_| values.clone()).collect())
        } else {
            let mut options: Vec<(String, Vec<String>)> =
                item.option_names.iter().map(|name| (name.clone(), Vec::new())).collect();
            let mut per_variant = Vec::with_capacity(item.variants.len());
            for variant in &item.variants {
                let mut values = Vec::with_capacity(options.len());
                for (index, (_, option_values)) in options.iter_mut().enumerate() {
                    let value = variant.option_values.get(index).cloned().unwrap_or_default();
                    if !option_values.contains(&value) {
                        option_values.push(value.clone());
                    }
                    values.push(value);
                }
                per_variant.push(values);
            }
            (options, per_variant)
        };
        let weight = item
            .weight
            .as_deref()
            .and_then(|text| Decimal::from_str(text).ok())
            .zip(item.weight_unit)
            .map(|(value, unit)| (value.normalize(), unit));
        let variants = item
            .variants
            .iter()
            .zip(variants)
            .map(|(variant, option_values)| {
                let price = prices.get(&variant.sku);
                DesiredVariant {
                    variant_id: variant.id,
                    sku: variant.sku.clone(),
                    barcode: variant.barcode.clone().filter(|b| !b.is_empty()),
                    option_values,
                    price: price.and_then(|p| money(&p.price)),
                    compare_at_price: price.and_then(|p| p.compare_at_price.as_deref()).and_then(money),
                    tracked: item.inventory_tracked,
                    weight,
                }
            })
            .collect();
        DesiredProduct {
            item_id: item.id,
            number: item.number.clone(),
            title: item.name.clone(),
            status: item.status,
            vendor: item.vendor.clone().filter(|v| !v.is_empty()),
            product_type: item.product_type.clone().unwrap_or_default(),
            tags: item.tags.clone(),
            description: settings.sync_description.then(|| item.description.clone()),
            options,
            variants,
            images: item.images.clone(),
        }
    }

    /// The content hash: what Shopify holds of this product when it last accepted a payload built from the same
    /// back-office data and settings. Covers every field shopsync owns (prices included whether or not they
    /// are sent, images only when they are sent to existing products), so a second sync of an unchanged
    /// catalog computes the same hash and sends nothing.
    pub fn hash(&self, settings: &PayloadSettings) -> String {
        #[derive(Serialize)]
        struct Canonical<'a> {
            version: u32,
            title: &'a str,
            status: &'a str,
            vendor: Option<&'a str>,
            product_type: &'a str,
            tags: &'a [String],
            description: Option<&'a str>,
            options: &'a [(String, Vec<String>)],
            variants: Vec<CanonicalVariant<'a>>,
            images: Option<&'a [String]>,
            price_list: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct CanonicalVariant<'a> {
            sku: &'a str,
            barcode: Option<&'a str>,
            options: &'a [String],
            price: Option<String>,
            compare_at_price: Option<String>,
            tracked: bool,
            weight: Option<(String, &'a str)>,
        }
        let canonical = Canonical {
            version: HASH_VERSION,
            title: &self.title,
            status: self.status.as_str(),
            vendor: self.vendor.as_deref(),
            product_type: &self.product_type,
            tags: &self.tags,
            description: self.description.as_deref(),
            options: &self.options,
            variants: self
                .variants
                .iter()
                .map(|v| CanonicalVariant {
                    sku: &v.sku,
                    barcode: v.barcode.as_deref(),
                    options: &v.option_values,
                    price: v.price.map(|p| p.normalize().to_string()),
                    compare_at_price: v.compare_at_price.map(|p| p.normalize().to_string()),
                    tracked: v.tracked,
                    weight: v.weight.map(|(value, unit)| (value.to_string(), unit.as_str())),
                })
                .collect(),
            images: settings.images_on_update().then_some(self.images.as_slice()),
            price_list: settings.price_list.as_deref(),
        };
        // Serialising plain structs of strings cannot fail; an empty hash would only cost one extra call.
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        format!("v{HASH_VERSION}:{}", sha256_hex(&bytes))
    }

    /// The handle a new product gets: from the item's name and number, so a retried create finds the product
    /// the first attempt made instead of making a second one, and no unrelated product shares it. (Since
    /// 2025-04 `productSet` with a handle identifier updates the product with that handle, or creates it:
    /// https://shopify.dev/changelog/posts/productset-and-customerset-mutations-now-support-upserts)
    pub fn handle(&self) -> String {
        let handle = handleize(&format!("{} {}", self.title, self.number));
        if handle.is_empty() { format!("item-{}", handleize(&self.number)) } else { handle }
    }
}

/// Whether the price of a variant is sent: always without price-only-when-changed; with it, only when the
/// back-office price (or compare-at price) differs from the one last sent, or none was ever sent.
pub(crate) fn sends_price(variant: &DesiredVariant, link: Option<&VariantLink>, settings: &PayloadSettings) -> bool {
    if variant.price.is_none() {
        return false;
    }
    if !settings.price_only_when_changed {
        return true;
    }
    let Some(link) = link else { return true };
    let last_price = link.last_price.as_deref().and_then(money);
    let last_compare = link.last_compare_at_price.as_deref().and_then(money);
    last_price.is_none() || last_price != variant.price || last_compare != variant.compare_at_price
}

/// The `productSet` variables for a product, and for each variant whether its price is in them.
pub(crate) fn product_set_variables(
    desired: &DesiredProduct,
    product_id: Option<&str>,
    links: &HashMap<i64, VariantLink>,
    settings: &PayloadSettings,
) -> (ProductSetVariables, Vec<bool>) {
    let create = product_id.is_none();
    let mut prices_sent = Vec::with_capacity(desired.variants.len());
    let variants = desired
        .variants
        .iter()
        .map(|variant| {
            let link = links.get(&variant.variant_id);
            let send_price = sends_price(variant, link, settings);
            prices_sent.push(send_price);
            ProductVariantSetInput {
                id: link.map(|l| Gid::new(l.shopify_variant_id.clone())),
                sku: Some(variant.sku.clone()),
                barcode: variant.barcode.clone(),
                price: if send_price { variant.price } else { None },
                compare_at_price: send_price.then_some(variant.compare_at_price),
                option_values: desired
                    .options
                    .iter()
                    .zip(&variant.option_values)
                    .map(|((option, _), value)| VariantOptionValueInput {
                        option_name: option.clone(),
                        name: value.clone(),
                    })
                    .collect(),
                inventory_item: Some(InventoryItemInput {
                    tracked: Some(variant.tracked),
                    measurement: variant.weight.map(|(value, unit)| MeasurementInput {
                        weight: Weight {
                            unit: unit.as_str().to_string(),
                            value: value.to_string().parse().unwrap_or_default(),
                        },
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let images_sent = settings.sync_images && !desired.images.is_empty() && (create || settings.overwrite_images);
    let input = ProductSetInput {
        title: Some(desired.title.clone()),
        handle: create.then(|| desired.handle()),
        description_html: desired.description.clone(),
        vendor: desired.vendor.clone(),
        product_type: Some(desired.product_type.clone()),
        status: Some(product_status(desired.status)),
        tags: Some(desired.tags.clone()),
        product_options: Some(
            desired
                .options
                .iter()
                .enumerate()
                .map(|(index, (name, values))| OptionSetInput {
                    name: Some(name.clone()),
                    position: i32::try_from(index + 1).ok(),
                    values: Some(
                        values.iter().map(|v| OptionValueSetInput { name: Some(v.clone()), id: None }).collect(),
                    ),
                    id: None,
                })
                .collect(),
        ),
        variants: Some(variants),
        files: images_sent.then(|| {
            desired
                .images
                .iter()
                .map(|url| FileSetInput {
                    original_source: Some(url.clone()),
                    content_type: Some("IMAGE".to_string()),
                    ..Default::default()
                })
                .collect()
        }),
    };
    let identifier = match product_id {
        Some(id) => ProductSetIdentifiers { id: Some(Gid::new(id)), handle: None },
        None => ProductSetIdentifiers { id: None, handle: Some(desired.handle()) },
    };
    (ProductSetVariables { input, identifier: Some(identifier) }, prices_sent)
}

pub(crate) fn product_status(status: ItemStatus) -> ProductStatus {
    match status {
        ItemStatus::Active => ProductStatus::Active,
        ItemStatus::Draft => ProductStatus::Draft,
        ItemStatus::Archived => ProductStatus::Archived,
    }
}

pub(crate) fn item_status(status: ProductStatus) -> ItemStatus {
    match status {
        ProductStatus::Active => ItemStatus::Active,
        ProductStatus::Draft => ItemStatus::Draft,
        ProductStatus::Archived => ItemStatus::Archived,
    }
}

/// Decimal text as stored (`"19.90"`), if it reads as a number.
pub(crate) fn money(text: &str) -> Option<Decimal> {
    Decimal::from_str(text.trim()).ok()
}

/// Money as people write it: at least two decimals (`19.9` is `19.90`).
pub(crate) fn money_text(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount.to_string()
}

/// A URL handle from a text: lower-case ASCII letters and digits, other runs become one `-`.
pub(crate) fn handleize(text: &str) -> String {
    let mut handle = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            handle.push(c.to_ascii_lowercase());
        } else if !handle.is_empty() && !handle.ends_with('-') {
            handle.push('-');
        }
    }
    handle.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: 1,
            number: "1001".into(),
            name: "Classic Tee".into(),
            description: "<p>Soft</p>".into(),
            status: ItemStatus::Active,
            item_group: None,
            vendor: Some("Northwind".into()),
            product_type: None,
            inventory_tracked: true,
            weight: Some("0.250".into()),
            weight_unit: Some(WeightUnit::Kilograms),
            option_names: vec!["Size".into()],
            images: vec!["https://example.com/a.png".into()],
            tags: vec!["new".into()],
            marked: false,
            created_at: String::new(),
            updated_at: String::new(),
            variants: ["S", "M"]
                .iter()
                .enumerate()
                .map(|(i, size)| shopsync_store::Variant {
                    id: 10 + i as i64,
                    item_id: 1,
                    code: size.to_string(),
                    sku: format!("TEE-{size}"),
                    barcode: None,
                    option_values: vec![size.to_string()],
                    position: i as i64,
                    created_at: String::new(),
                    updated_at: String::new(),
                })
                .collect(),
        }
    }

    fn settings() -> PayloadSettings {
        PayloadSettings {
            sync_description: false,
            sync_images: true,
            overwrite_images: false,
            price_only_when_changed: false,
            price_list: Some("RETAIL".into()),
        }
    }

    fn prices(price: &str) -> HashMap<String, Price> {
        ["TEE-S", "TEE-M"]
            .iter()
            .map(|sku| {
                let p = Price {
                    price_list: "RETAIL".into(),
                    sku: sku.to_string(),
                    price: price.into(),
                    compare_at_price: None,
                    updated_at: String::new(),
                };
                (sku.to_string(), p)
            })
            .collect()
    }

    #[test]
    fn the_hash_is_stable_and_moves_with_content_and_settings() {
        let settings = settings();
        let a = DesiredProduct::from_item(&item(), &prices("19.90"), &settings);
        let same = DesiredProduct::from_item(&item(), &prices("19.9"), &settings);
        assert_eq!(a.hash(&settings), same.hash(&settings), "19.9 and 19.90 are the same price");
        let dearer = DesiredProduct::from_item(&item(), &prices("21.00"), &settings);
        assert_ne!(a.hash(&settings), dearer.hash(&settings));
        let with_description = PayloadSettings { sync_description: true, ..settings.clone() };
        let b = DesiredProduct::from_item(&item(), &prices("19.90"), &with_description);
        assert_ne!(a.hash(&settings), b.hash(&with_description));
        // Images count only when they are sent to existing products.
        let mut other_images = item();
        other_images.images.push("https://example.com/b.png".into());
        let c = DesiredProduct::from_item(&other_images, &prices("19.90"), &settings);
        assert_eq!(a.hash(&settings), c.hash(&settings));
        let overwrite = PayloadSettings { overwrite_images: true, ..settings };
        assert_ne!(a.hash(&overwrite), c.hash(&overwrite));
    }

    #[test]
    fn a_new_product_gets_options_variants_prices_images_and_a_handle() {
        let settings = settings();
        let desired = DesiredProduct::from_item(&item(), &prices("19.90"), &settings);
        let (vars, sent) = product_set_variables(&desired, None, &HashMap::new(), &settings);
        assert_eq!(sent, [true, true]);
        let json = serde_json::to_value(&vars).unwrap();
        assert_eq!(json["identifier"]["handle"], "classic-tee-1001");
        assert_eq!(json["input"]["handle"], "classic-tee-1001");
        assert_eq!(json["input"]["status"], "ACTIVE");
        assert_eq!(json["input"]["productOptions"][0]["values"][1]["name"], "M");
        assert_eq!(json["input"]["variants"][1]["optionValues"][0]["name"], "M");
        assert_eq!(json["input"]["variants"][0]["price"], "19.90");
        assert_eq!(json["input"]["variants"][0]["inventoryItem"]["measurement"]["weight"]["unit"], "KILOGRAMS");
        assert_eq!(json["input"]["files"][0]["originalSource"], "https://example.com/a.png");
        assert!(json["input"].get("descriptionHtml").is_none());
    }

    #[test]
    fn an_update_keeps_images_and_unchanged_prices_when_the_settings_say_so() {
        let settings = PayloadSettings { price_only_when_changed: true, ..settings() };
        let desired = DesiredProduct::from_item(&item(), &prices("19.90"), &settings);
        let link = |id: i64, price: &str| VariantLink {
            variant_id: id,
            shopify_variant_id: format!("gid://shopify/ProductVariant/{id}"),
            shopify_product_id: "gid://shopify/Product/1".into(),
            shopify_inventory_item_id: None,
            last_price: Some(price.into()),
            last_compare_at_price: None,
            linked_at: String::new(),
        };
        let links = HashMap::from([(10, link(10, "19.90")), (11, link(11, "18.00"))]);
        let (vars, sent) = product_set_variables(&desired, Some("gid://shopify/Product/1"), &links, &settings);
        assert_eq!(sent, [false, true]);
        let json = serde_json::to_value(&vars).unwrap();
        assert_eq!(json["identifier"]["id"], "gid://shopify/Product/1");
        assert!(json["input"].get("files").is_none() && json["input"].get("handle").is_none());
        assert!(json["input"]["variants"][0].get("price").is_none());
        assert_eq!(json["input"]["variants"][0]["id"], "gid://shopify/ProductVariant/10");
        assert_eq!(json["input"]["variants"][1]["price"], "19.90");
    }

    #[test]
    fn an_item_without_options_gets_shopifys_default_option() {
        let mut single = item();
        single.option_names.clear();
        single.variants.truncate(1);
        single.variants[0].option_values.clear();
        let desired = DesiredProduct::from_item(&single, &prices("5"), &settings());
        assert_eq!(desired.options, [(DEFAULT_OPTION.to_string(), vec![DEFAULT_OPTION_VALUE.to_string()])]);
        assert_eq!(desired.variants[0].option_values, [DEFAULT_OPTION_VALUE]);
        assert_eq!(money_text(desired.variants[0].price.unwrap()), "5.00");
    }
}
