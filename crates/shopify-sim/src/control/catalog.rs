//! Products, variants, locations and stock as the control surface shows and changes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::handle::{ControlError, SimControl};
use crate::gid;
use crate::resolvers::format_decimal;
use crate::store::{Store, format_time};

/// A product as the control surface shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProductSnapshot {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub status: String,
    pub vendor: String,
    pub product_type: String,
    pub tags: Vec<String>,
    pub options: Vec<(String, Vec<String>)>,
    pub image_urls: Vec<String>,
    pub updated_at: String,
    pub variants: Vec<VariantSnapshot>,
}

/// A variant with its stock per location.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantSnapshot {
    pub id: String,
    pub product_id: String,
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: String,
    pub compare_at_price: Option<String>,
    pub inventory_item_id: String,
    pub tracked: bool,
    /// `available` per location GID.
    pub available: BTreeMap<String, i64>,
    pub updated_at: String,
}

/// A location.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LocationSnapshot {
    pub id: String,
    pub name: String,
}

/// Which stock to change.
#[derive(Debug, Clone, Deserialize)]
pub struct StockChange {
    /// The variant's SKU (first match) ...
    pub sku: Option<String>,
    /// ... or the inventory item GID (or numeric id).
    pub inventory_item_id: Option<String>,
    /// The location GID; the first location when absent.
    pub location_id: Option<String>,
    /// `available` (default) or `on_hand`.
    pub name: Option<String>,
    pub quantity: i64,
}

impl SimControl {
    /// Every product with variants and stock, in id order.
    pub fn products(&self) -> Vec<ProductSnapshot> {
        let store = self.state.store.read();
        store
            .catalog
            .products
            .values()
            .map(|product| ProductSnapshot {
                id: gid::format("Product", product.id),
                title: product.title.clone(),
                handle: product.handle.clone(),
                status: product.status.as_str().to_string(),
                vendor: product.vendor.clone(),
                product_type: product.product_type.clone(),
                tags: product.tags.clone(),
                options: product
                    .options
                    .iter()
                    .map(|option| (option.name.clone(), option.values.iter().map(|v| v.name.clone()).collect()))
                    .collect(),
                image_urls: product.media.iter().map(|media| media.url.clone()).collect(),
                updated_at: format_time(product.updated_at),
                variants: store
                    .catalog
                    .product_variants(product)
                    .map(|variant| variant_snapshot(&store, variant))
                    .collect(),
            })
            .collect()
    }

    /// Variants with a SKU (SKUs need not be unique in Shopify).
    pub fn variants_by_sku(&self, sku: &str) -> Vec<VariantSnapshot> {
        let store = self.state.store.read();
        store
            .catalog
            .variants
            .values()
            .filter(|variant| variant.sku.as_deref() == Some(sku))
            .map(|variant| variant_snapshot(&store, variant))
            .collect()
    }

    /// Locations in id order.
    pub fn locations(&self) -> Vec<LocationSnapshot> {
        self.state
            .store
            .read()
            .catalog
            .locations
            .values()
            .map(|location| LocationSnapshot { id: gid::format("Location", location.id), name: location.name.clone() })
            .collect()
    }

    /// A quantity (`available`, `on_hand` ...) of the first variant with this SKU at a location
    /// (the first location when `None`).
    pub fn quantity(&self, sku: &str, location: Option<&str>, name: &str) -> Option<i64> {
        let store = self.state.store.read();
        let variant = store.catalog.variants.values().find(|variant| variant.sku.as_deref() == Some(sku))?;
        let item = store.catalog.inventory_items.get(&variant.inventory_item_id)?;
        let location_id = resolve_location(&store, location).ok()?;
        item.levels.get(&location_id).and_then(|level| level.quantity(name))
    }

    /// Changes stock in "Shopify" as a person in the admin would (a concurrent change for the
    /// client's compare-and-swap to detect). Bumps `updatedAt` and records the change.
    pub fn set_stock(&self, change: &StockChange) -> Result<(), ControlError> {
        let name = change.name.clone().unwrap_or_else(|| "available".to_string());
        if name != "available" && name != "on_hand" {
            return Err(ControlError::UnknownQuantityName(name));
        }
        let mut store = self.state.store.write();
        let item_id = match (&change.sku, &change.inventory_item_id) {
            (Some(sku), _) => store
                .catalog
                .variants
                .values()
                .find(|variant| variant.sku.as_deref() == Some(sku.as_str()))
                .map(|variant| variant.inventory_item_id)
                .ok_or_else(|| ControlError::UnknownInventoryItem(format!("SKU {sku}")))?,
            (None, Some(id)) => gid::parse_kind(id, "InventoryItem")
                .or_else(|| id.parse().ok())
                .filter(|id| store.catalog.inventory_items.contains_key(id))
                .ok_or_else(|| ControlError::UnknownInventoryItem(id.clone()))?,
            (None, None) => return Err(ControlError::UnknownInventoryItem("(nothing given)".to_string())),
        };
        let location_id = resolve_location(&store, change.location_id.as_deref())?;
        let now = store.now();
        if let Some(item) = store.catalog.inventory_items.get_mut(&item_id) {
            item.levels
                .entry(location_id)
                .or_insert_with(|| crate::model::catalog::InventoryLevel::with_available(0, now))
                .set(&name, change.quantity, now);
            item.updated_at = now;
        }
        store.record(
            "inventory_levels/update",
            format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"),
        );
        Ok(())
    }

    /// Changes a variant's price in "Shopify" as a person in the admin would (found by SKU, first match), so a
    /// test can make Shopify differ from what shopsync last sent. Bumps `updatedAt` and records `products/update`.
    pub fn set_price(&self, sku: &str, price: rust_decimal::Decimal) -> Result<(), ControlError> {
        let mut store = self.state.store.write();
        let now = store.now();
        let variant = store
            .catalog
            .variants
            .values_mut()
            .find(|variant| variant.sku.as_deref() == Some(sku))
            .ok_or_else(|| ControlError::UnknownInventoryItem(format!("SKU {sku}")))?;
        variant.price = price;
        variant.updated_at = now;
        let product_id = variant.product_id;
        if let Some(product) = store.catalog.products.get_mut(&product_id) {
            product.updated_at = now;
        }
        store.record("products/update", gid::format("Product", product_id));
        Ok(())
    }
}

fn resolve_location(store: &Store, location: Option<&str>) -> Result<u64, ControlError> {
    match location {
        None => store
            .catalog
            .locations
            .keys()
            .next()
            .copied()
            .ok_or_else(|| ControlError::UnknownLocation("(no locations)".to_string())),
        Some(text) => gid::parse_kind(text, "Location")
            .or_else(|| text.parse().ok())
            .filter(|id| store.catalog.locations.contains_key(id))
            .ok_or_else(|| ControlError::UnknownLocation(text.to_string())),
    }
}

fn variant_snapshot(store: &Store, variant: &crate::model::catalog::Variant) -> VariantSnapshot {
    let item = store.catalog.inventory_items.get(&variant.inventory_item_id);
    VariantSnapshot {
        id: gid::format("ProductVariant", variant.id),
        product_id: gid::format("Product", variant.product_id),
        title: variant.title.clone(),
        sku: variant.sku.clone(),
        barcode: variant.barcode.clone(),
        price: format_decimal(variant.price),
        compare_at_price: variant.compare_at_price.map(format_decimal),
        inventory_item_id: gid::format("InventoryItem", variant.inventory_item_id),
        tracked: item.is_some_and(|item| item.tracked),
        available: item
            .map(|item| {
                item.levels
                    .iter()
                    .map(|(location, level)| {
                        (gid::format("Location", *location), level.quantity("available").unwrap_or(0))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        updated_at: format_time(variant.updated_at),
    }
}
