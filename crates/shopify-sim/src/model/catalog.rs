//! Catalog data: locations, products, variants, inventory items and their levels.
//!
//! Tables are `BTreeMap`s keyed by the numeric id, so iteration is in id order (Shopify's default
//! `sortKey: ID`). Relations are ids, resolved through the tables.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;

/// Every catalog table.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub locations: BTreeMap<u64, Location>,
    pub products: BTreeMap<u64, Product>,
    pub variants: BTreeMap<u64, Variant>,
    pub inventory_items: BTreeMap<u64, InventoryItem>,
}

/// A place that stocks inventory.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub id: u64,
    pub name: String,
    pub address1: String,
    pub city: String,
    pub zip: String,
    pub country_code: String,
    pub is_active: bool,
    pub fulfills_online_orders: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `ACTIVE`, `ARCHIVED` or `DRAFT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    Active,
    Archived,
    Draft,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Active => "ACTIVE",
            ProductStatus::Archived => "ARCHIVED",
            ProductStatus::Draft => "DRAFT",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "ACTIVE" => Some(ProductStatus::Active),
            "ARCHIVED" => Some(ProductStatus::Archived),
            "DRAFT" => Some(ProductStatus::Draft),
            _ => None,
        }
    }
}

/// A product.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: u64,
    pub title: String,
    pub handle: String,
    pub description_html: String,
    pub vendor: String,
    pub product_type: String,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub options: Vec<ProductOption>,
    /// Variant ids in position order.
    pub variant_ids: Vec<u64>,
    pub media: Vec<MediaImage>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

/// A product option (e.g. Size) with its values.
#[derive(Debug, Clone, Serialize)]
pub struct ProductOption {
    pub id: u64,
    pub name: String,
    pub position: usize,
    pub values: Vec<OptionValue>,
}

/// One value of an option.
#[derive(Debug, Clone, Serialize)]
pub struct OptionValue {
    pub id: u64,
    pub name: String,
}

/// A product image.
#[derive(Debug, Clone, Serialize)]
pub struct MediaImage {
    pub id: u64,
    /// The image file's id (`Image.id`).
    pub image_id: u64,
    pub alt: Option<String>,
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub created_at: Timestamp,
}

/// A product variant.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub id: u64,
    pub product_id: u64,
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: Decimal,
    pub compare_at_price: Option<Decimal>,
    /// 1-based position within the product.
    pub position: usize,
    /// One value per product option, in option order.
    pub option_values: Vec<String>,
    pub inventory_item_id: u64,
    pub taxable: bool,
    /// `DENY` or `CONTINUE`.
    pub inventory_policy: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The stock-keeping side of a variant.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryItem {
    pub id: u64,
    pub variant_id: u64,
    pub tracked: bool,
    pub requires_shipping: bool,
    pub weight: Option<Weight>,
    pub unit_cost: Option<Decimal>,
    pub country_code_of_origin: Option<String>,
    pub harmonized_system_code: Option<String>,
    /// Stock per location id.
    pub levels: BTreeMap<u64, InventoryLevel>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A weight with its unit (`GRAMS`, `KILOGRAMS`, `OUNCES`, `POUNDS`).
#[derive(Debug, Clone, Serialize)]
pub struct Weight {
    pub unit: String,
    pub value: f64,
}

/// Stock of one item at one location, by quantity name.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryLevel {
    /// Stored states; `on_hand` is derived from them (see [`InventoryLevel::quantity`]).
    pub quantities: BTreeMap<String, i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The quantity names Shopify knows. `on_hand` is the sum of the others except `incoming`.
pub const QUANTITY_NAMES: &[&str] =
    &["available", "committed", "damaged", "incoming", "on_hand", "quality_control", "reserved", "safety_stock"];

const ON_HAND_PARTS: &[&str] = &["available", "committed", "damaged", "quality_control", "reserved", "safety_stock"];

impl InventoryLevel {
    /// A level with `available` stock and nothing else.
    pub fn with_available(available: i64, at: Timestamp) -> Self {
        InventoryLevel {
            quantities: BTreeMap::from([("available".to_string(), available)]),
            created_at: at,
            updated_at: at,
        }
    }

    /// The quantity of a name (`on_hand` computed); `None` for unknown names.
    pub fn quantity(&self, name: &str) -> Option<i64> {
        if name == "on_hand" {
            return Some(ON_HAND_PARTS.iter().map(|part| self.stored(part)).sum());
        }
        QUANTITY_NAMES.contains(&name).then(|| self.stored(name))
    }

    /// Sets `available` or `on_hand` (the other follows, as in Shopify).
    pub fn set(&mut self, name: &str, quantity: i64, at: Timestamp) {
        let target = if name == "on_hand" {
            let delta = quantity - self.quantity("on_hand").unwrap_or(0);
            self.stored("available") + delta
        } else {
            quantity
        };
        let key = if name == "on_hand" { "available" } else { name };
        self.quantities.insert(key.to_string(), target);
        self.updated_at = at;
    }

    fn stored(&self, name: &str) -> i64 {
        self.quantities.get(name).copied().unwrap_or(0)
    }
}

impl Catalog {
    /// Variants of a product in position order.
    pub fn product_variants(&self, product: &Product) -> impl Iterator<Item = &Variant> {
        product.variant_ids.iter().filter_map(|id| self.variants.get(id))
    }

    /// Sum of `available` over all locations for a product's variants (`totalInventory`).
    pub fn total_inventory(&self, product: &Product) -> i64 {
        self.product_variants(product).map(|variant| self.variant_inventory(variant)).sum()
    }

    /// Sum of `available` over all locations for one variant (`inventoryQuantity`).
    pub fn variant_inventory(&self, variant: &Variant) -> i64 {
        self.inventory_items
            .get(&variant.inventory_item_id)
            .map(|item| item.levels.values().map(|level| level.quantity("available").unwrap_or(0)).sum())
            .unwrap_or(0)
    }

    /// Removes a product with its variants and their inventory items.
    pub fn remove_product(&mut self, product_id: u64) -> Option<Product> {
        let product = self.products.remove(&product_id)?;
        for variant_id in &product.variant_ids {
            if let Some(variant) = self.variants.remove(variant_id) {
                self.inventory_items.remove(&variant.inventory_item_id);
            }
        }
        Some(product)
    }
}
