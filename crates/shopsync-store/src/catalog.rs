//! The back-office catalog and what the outbound flows keep about it per shop.
//!
//! The catalog is the back office's: items with their variants (one unique SKU each), price lists with a price
//! per SKU, warehouses with a stock level per SKU, and bundles (a sellable SKU made of component SKUs). It
//! comes in by CSV import (and later the REST API) through the `upsert_*` functions, each of which writes one
//! whole batch in one transaction and tells what it created, updated and left unchanged; its `plan_*` twin
//! computes the same answer without writing, for dry runs.
//!
//! Next to the catalog live the outbound flows' memory for each shop: which Shopify product and variant an
//! item and a variant are linked to and the hash of the payload Shopify last accepted ([`ProductLink`],
//! [`VariantLink`]), the quantity last accepted per SKU and location ([`InventoryState`]), and the records a
//! flow had to skip with Shopify's reason ([`SkippedRecord`]), kept until the record syncs.
//!
//! Conventions: an item's `updated_at` moves when its content or one of its variants changes (not when it is
//! marked for sync), so a flow can ask for what changed since its last run ([`ItemQuery::changed_since`]).
//! Money and weights are decimal text (`"19.90"`), never floats; timestamps are the store's UTC text.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Whether an item is for sale, a draft or retired; the Shopify product status follows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    #[default]
    Active,
    Draft,
    Archived,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Active, ItemStatus::Draft, ItemStatus::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Active => "active",
            ItemStatus::Draft => "draft",
            ItemStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ItemStatus {
    type Err = UnknownValue;

    /// Accepts the names in any case.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let text = text.trim();
        ItemStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownValue { value: text.to_string(), accepted: "active, draft, archived" })
    }
}

/// The unit of an item's weight, as Shopify names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WeightUnit {
    Grams,
    Kilograms,
    Ounces,
    Pounds,
}

impl WeightUnit {
    pub const ALL: [WeightUnit; 4] = [WeightUnit::Grams, WeightUnit::Kilograms, WeightUnit::Ounces, WeightUnit::Pounds];

    /// Shopify's name (`GRAMS` ...), which is also the stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            WeightUnit::Grams => "GRAMS",
            WeightUnit::Kilograms => "KILOGRAMS",
            WeightUnit::Ounces => "OUNCES",
            WeightUnit::Pounds => "POUNDS",
        }
    }

    /// The short symbol people write (`g`, `kg`, `oz`, `lb`).
    pub fn symbol(self) -> &'static str {
        match self {
            WeightUnit::Grams => "g",
            WeightUnit::Kilograms => "kg",
            WeightUnit::Ounces => "oz",
            WeightUnit::Pounds => "lb",
        }
    }
}

impl fmt::Display for WeightUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for WeightUnit {
    type Err = UnknownValue;

    /// Accepts Shopify's names and the usual symbols, in any case (`GRAMS`, `g`, `kg`, `oz`, `lb`, `lbs` ...).
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let unit = match lower.as_str() {
            "g" | "gram" | "grams" => WeightUnit::Grams,
            "kg" | "kilogram" | "kilograms" => WeightUnit::Kilograms,
            "oz" | "ounce" | "ounces" => WeightUnit::Ounces,
            "lb" | "lbs" | "pound" | "pounds" => WeightUnit::Pounds,
            _ => {
                return Err(UnknownValue {
                    value: text.trim().to_string(),
                    accepted: "g, kg, oz, lb (or GRAMS, KILOGRAMS, OUNCES, POUNDS)",
                });
            }
        };
        Ok(unit)
    }
}

/// A text that is not one of the values a field accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not accepted (use one of: {accepted})")]
pub struct UnknownValue {
    pub value: String,
    pub accepted: &'static str,
}

/// A back-office item (a Shopify product) with its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: i64,
    /// The item number, unique; items sort and range by it in text order.
    pub number: String,
    pub name: String,
    pub description: String,
    pub status: ItemStatus,
    pub item_group: Option<String>,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub inventory_tracked: bool,
    /// Decimal text.
    pub weight: Option<String>,
    pub weight_unit: Option<WeightUnit>,
    /// Up to three option names (`Size`, `Color` ...); variant `option_values` follow them in order.
    pub option_names: Vec<String>,
    /// Image URLs, in display order.
    pub images: Vec<String>,
    pub tags: Vec<String>,
    /// Marked for synchronization ("Set Items for Synchronization").
    pub marked: bool,
    pub created_at: String,
    /// When the item's content or one of its variants last changed.
    pub updated_at: String,
    /// By position.
    pub variants: Vec<Variant>,
}

/// One sellable variant of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub id: i64,
    pub item_id: i64,
    /// The variant's code within its item: what identifies it from one import to the next.
    pub code: String,
    /// Unique across the whole catalog.
    pub sku: String,
    pub barcode: Option<String>,
    /// One value per option name of the item, in the same order.
    pub option_values: Vec<String>,
    pub position: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A variant with the item it belongs to, as a SKU lookup answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuOwner {
    pub item_number: String,
    pub item_name: String,
    pub item_status: ItemStatus,
    pub inventory_tracked: bool,
    #[serde(flatten)]
    pub variant: Variant,
}

/// An item as an import or the API gives it: the whole item, variants included.
///
/// Writing it replaces the stored item: variants whose code is not in `variants` are removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemInput {
    pub number: String,
    pub name: String,
    pub description: String,
    pub status: ItemStatus,
    pub item_group: Option<String>,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub inventory_tracked: bool,
    /// Decimal text, as the caller normalised it.
    pub weight: Option<String>,
    pub weight_unit: Option<WeightUnit>,
    /// At most three.
    pub option_names: Vec<String>,
    pub images: Vec<String>,
    pub tags: Vec<String>,
    /// `None` keeps the stored marking (unmarked for a new item).
    pub marked: Option<bool>,
    pub variants: Vec<VariantInput>,
}

/// A variant as an import gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantInput {
    pub code: String,
    pub sku: String,
    pub barcode: Option<String>,
    /// As many as the item has option names.
    pub option_values: Vec<String>,
    pub position: i64,
}

/// How many records a batch created, changed and left as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What writing (or planning) a batch of items does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsUpsert {
    /// An item counts as updated when its content, its marking or any of its variants changed.
    pub items: UpsertCounts,
    pub variants: UpsertCounts,
    /// Variants that were stored but are no longer part of their item.
    pub variants_removed: u64,
}

/// Which items to list, sync or mark. Every criterion given must hold; the default selects every item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemQuery {
    /// These item numbers only (when not empty).
    pub numbers: Vec<String>,
    /// Item numbers from this one on, in text order (inclusive).
    pub from: Option<String>,
    /// Item numbers up to this one, in text order (inclusive).
    pub to: Option<String>,
    /// Items of this item group (exact, case-insensitive).
    pub group: Option<String>,
    pub filter: ItemFilter,
    /// Only marked (`Some(true)`) or only unmarked (`Some(false)`) items.
    pub marked: Option<bool>,
    /// Items whose `updated_at` is later than this timestamp.
    pub changed_since: Option<String>,
    /// Paging: items whose number sorts after this one.
    pub after: Option<String>,
    /// Paging: at most this many items.
    pub limit: Option<u32>,
}

/// Conditions on item fields, written `field=value` (equal) or `field~value` (contains), comma separated,
/// case-insensitive; a text without an operator means `name~text`.
///
/// Fields: `number`, `name`, `description`, `status`, `group`, `vendor`, `type` (product type), `tag`, `sku`,
/// `barcode`.
///
/// ```
/// use shopsync_store::catalog::ItemFilter;
///
/// let filter: ItemFilter = "shirt, status=draft".parse().unwrap();
/// assert_eq!(filter.conditions.len(), 2);
/// assert!("colour=red".parse::<ItemFilter>().unwrap_err().to_string().contains("vendor"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub conditions: Vec<FilterCondition>,
}

/// One condition of an [`ItemFilter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterCondition {
    pub field: FilterField,
    pub op: FilterOp,
    pub value: String,
}

/// The item fields a filter can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Number,
    Name,
    Description,
    Status,
    Group,
    Vendor,
    ProductType,
    /// Any of the item's tags.
    Tag,
    /// Any of the item's variants' SKUs.
    Sku,
    /// Any of the item's variants' barcodes.
    Barcode,
}

impl FilterField {
    const NAMES: [(&'static str, FilterField); 10] = [
        ("number", FilterField::Number),
        ("name", FilterField::Name),
        ("description", FilterField::Description),
        ("status", FilterField::Status),
        ("group", FilterField::Group),
        ("vendor", FilterField::Vendor),
        ("type", FilterField::ProductType),
        ("tag", FilterField::Tag),
        ("sku", FilterField::Sku),
        ("barcode", FilterField::Barcode),
    ];
}

/// How a filter condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `field=value`: equal, ignoring case.
    Equals,
    /// `field~value`: contains, ignoring case.
    Contains,
}

/// A filter text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid item filter '{text}': {reason}")]
pub struct InvalidItemFilter {
    pub text: String,
    pub reason: String,
}

impl FromStr for ItemFilter {
    type Err = InvalidItemFilter;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let invalid = |reason: String| InvalidItemFilter { text: text.to_string(), reason };
        let mut conditions = Vec::new();
        for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let split = part.find(['=', '~']);
            let Some(at) = split else {
                conditions.push(FilterCondition {
                    field: FilterField::Name,
                    op: FilterOp::Contains,
                    value: part.to_string(),
                });
                continue;
            };
            let (name, rest) = part.split_at(at);
            let op = if rest.starts_with('=') { FilterOp::Equals } else { FilterOp::Contains };
            let value = rest[1..].trim();
            let name = name.trim().to_ascii_lowercase();
            let field = FilterField::NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f).ok_or_else(|| {
                let known: Vec<&str> = FilterField::NAMES.iter().map(|(n, _)| *n).collect();
                invalid(format!("unknown field '{name}' (fields: {})", known.join(", ")))
            })?;
            if value.is_empty() {
                return Err(invalid(format!("'{part}' has no value after the operator")));
            }
            if field == FilterField::Status && op == FilterOp::Equals {
                value.parse::<ItemStatus>().map_err(|err| invalid(format!("status {err}")))?;
            }
            conditions.push(FilterCondition { field, op, value: value.to_string() });
        }
        if conditions.is_empty() {
            return Err(invalid("it holds no condition".to_string()));
        }
        Ok(ItemFilter { conditions })
    }
}

/// The result of marking or unmarking items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MarkOutcome {
    /// Items the selection matched.
    pub matched: u64,
    /// Of those, items whose marking changed (the others were already as asked).
    pub changed: u64,
}

/// A price list: the shop's settings choose which one it sells at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PriceList {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// ISO 4217 code.
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The price list a batch of prices belongs to; created when missing (which needs `currency`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceListInput {
    pub code: String,
    /// A new name (the code when creating without one); `None` keeps the stored name.
    pub name: Option<String>,
    /// Required to create the list; when given for an existing list it must match its currency.
    pub currency: Option<String>,
}

/// One SKU's price in a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Price {
    pub price_list: String,
    pub sku: String,
    /// Decimal text.
    pub price: String,
    pub compare_at_price: Option<String>,
    pub updated_at: String,
}

/// A price as an import gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceInput {
    pub sku: String,
    pub price: String,
    pub compare_at_price: Option<String>,
}

/// What writing (or planning) a batch of prices does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricesUpsert {
    pub price_list_created: bool,
    pub prices: UpsertCounts,
}

/// A warehouse holding stock; an inventory flow maps it to a Shopify location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Warehouse {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The stock of one SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StockLevel {
    pub warehouse: String,
    pub sku: String,
    /// Can be negative (sold ahead of stock).
    pub quantity: i64,
    pub updated_at: String,
}

/// A stock level as an import gives it: the quantity on hand now (not a change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockInput {
    /// The warehouse code; the warehouse is created (named by its code) when missing.
    pub warehouse: String,
    pub sku: String,
    pub quantity: i64,
}

/// What writing (or planning) a batch of stock levels does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockUpsert {
    /// Codes of the warehouses created, in order.
    pub warehouses_created: Vec<String>,
    pub levels: UpsertCounts,
}

/// A bundle: a sellable SKU made of components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    pub bundle_sku: String,
    /// By component SKU.
    pub components: Vec<BundleComponent>,
}

/// One component of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BundleComponent {
    pub sku: String,
    /// How many of this component one bundle holds (at least 1).
    pub quantity: i64,
}

/// A bundle as an import gives it: its whole list of components (replacing the stored one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleInput {
    pub bundle_sku: String,
    pub components: Vec<BundleComponent>,
}

/// The link between an item and a Shopify product in one shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProductLink {
    pub item_id: i64,
    /// Global id (`gid://shopify/Product/1`).
    pub shopify_product_id: String,
    /// Content hash of the last payload Shopify accepted for this product.
    pub last_hash: Option<String>,
    pub synced_at: Option<String>,
}

/// The link between a variant and a Shopify variant in one shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VariantLink {
    pub variant_id: i64,
    pub shopify_variant_id: String,
    pub shopify_product_id: String,
    pub shopify_inventory_item_id: Option<String>,
    /// The price last sent, for "sync price only when changed".
    pub last_price: Option<String>,
    pub last_compare_at_price: Option<String>,
    pub linked_at: String,
}

/// A Shopify product shipped outside the back office: its order lines are left out of sales orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutsideProduct {
    pub shopify_product_id: String,
    pub title: String,
    pub marked_at: String,
}

/// The quantity Shopify last accepted for a SKU at a location, so unchanged stock costs no call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InventoryState {
    pub sku: String,
    /// Shopify location global id.
    pub location_id: String,
    pub quantity: i64,
    pub synced_at: String,
}

/// A record an outbound flow had to skip, with the reason (a Shopify `userErrors` entry or a check of ours).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkippedRecordInput {
    /// `item`, `variant`, `inventory`, `shipment` ...
    pub object: String,
    /// The item number, SKU, shipment number ...
    pub object_key: String,
    /// The field Shopify named (its `field` path joined by `.`), if any.
    pub field: Option<String>,
    /// Shopify's error code, if any.
    pub code: Option<String>,
    pub message: String,
}

/// A recorded skipped record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SkippedRecord {
    pub id: i64,
    pub object: String,
    pub object_key: String,
    pub field: Option<String>,
    pub code: Option<String>,
    pub message: String,
    pub created_at: String,
}

/// The catalog, and the links, inventory state and skipped records of the outbound flows.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    // Items and variants.

    /// Writes a batch of whole items in one transaction: creates the new ones, replaces the changed ones
    /// (variants matched by code; variants not given are removed) and leaves the others untouched.
    ///
    /// Fails with [`crate::StoreError::Conflict`], writing nothing, when two items of the batch share a number
    /// or a SKU, or when a SKU belongs to an item outside the batch.
    async fn upsert_items(&self, items: &[ItemInput]) -> Result<ItemsUpsert>;
    /// What [`CatalogStore::upsert_items`] would do, without writing.
    async fn plan_items(&self, items: &[ItemInput]) -> Result<ItemsUpsert>;
    /// One item with its variants.
    async fn item(&self, number: &str) -> Result<Option<Item>>;
    /// The items a query selects, by number, with their variants.
    async fn items(&self, query: &ItemQuery) -> Result<Vec<Item>>;
    /// How many items a query selects (ignoring its paging).
    async fn count_items(&self, query: &ItemQuery) -> Result<u64>;
    /// Which of these numbers have no item.
    async fn missing_item_numbers(&self, numbers: &[String]) -> Result<Vec<String>>;
    /// Marks (or unmarks) for synchronization every item the query selects; does not change `updated_at`.
    async fn set_marked(&self, query: &ItemQuery, marked: bool) -> Result<MarkOutcome>;
    /// The variants with these SKUs and their items; SKUs nobody has are left out.
    async fn variants_by_skus(&self, skus: &[String]) -> Result<Vec<SkuOwner>>;
    /// The variant with this SKU and its item.
    async fn variant_by_sku(&self, sku: &str) -> Result<Option<SkuOwner>>;

    // Prices.

    /// Every price list, by code.
    async fn price_lists(&self) -> Result<Vec<PriceList>>;
    async fn price_list(&self, code: &str) -> Result<Option<PriceList>>;
    /// Writes prices into a price list in one transaction, creating the list when missing. Prices of SKUs not
    /// in the batch stay. Fails with [`crate::StoreError::Conflict`] when the currency does not match the
    /// list's, or when the list is missing and no currency is given.
    async fn upsert_prices(&self, list: &PriceListInput, prices: &[PriceInput]) -> Result<PricesUpsert>;
    /// What [`CatalogStore::upsert_prices`] would do, without writing.
    async fn plan_prices(&self, list: &PriceListInput, prices: &[PriceInput]) -> Result<PricesUpsert>;
    /// The prices of a price list for these SKUs (every SKU of the list when `skus` is empty), by SKU.
    async fn prices(&self, price_list: &str, skus: &[String]) -> Result<Vec<Price>>;
    /// The prices of these SKUs in every price list, by price list and SKU.
    async fn prices_of_skus(&self, skus: &[String]) -> Result<Vec<Price>>;

    // Warehouses and stock.

    /// Every warehouse, by code.
    async fn warehouses(&self) -> Result<Vec<Warehouse>>;
    /// Creates a warehouse or renames an existing one.
    async fn save_warehouse(&self, code: &str, name: &str) -> Result<Warehouse>;
    /// Writes stock levels (quantities on hand, not changes) in one transaction, creating missing warehouses.
    async fn upsert_stock(&self, levels: &[StockInput]) -> Result<StockUpsert>;
    /// What [`CatalogStore::upsert_stock`] would do, without writing.
    async fn plan_stock(&self, levels: &[StockInput]) -> Result<StockUpsert>;
    /// The stock of one warehouse for these SKUs (every SKU it holds when `skus` is empty), by SKU.
    async fn stock(&self, warehouse: &str, skus: &[String]) -> Result<Vec<StockLevel>>;
    /// The stock of these SKUs in every warehouse, by warehouse and SKU.
    async fn stock_of_skus(&self, skus: &[String]) -> Result<Vec<StockLevel>>;

    // Bundles.

    /// Writes bundles in one transaction; each bundle given gets exactly the components given.
    async fn upsert_bundles(&self, bundles: &[BundleInput]) -> Result<UpsertCounts>;
    /// What [`CatalogStore::upsert_bundles`] would do, without writing.
    async fn plan_bundles(&self, bundles: &[BundleInput]) -> Result<UpsertCounts>;
    /// The components of a bundle SKU, by SKU (empty when the SKU is not a bundle).
    async fn bundle_components(&self, bundle_sku: &str) -> Result<Vec<BundleComponent>>;
    /// Every bundle, by bundle SKU.
    async fn bundles(&self) -> Result<Vec<Bundle>>;

    // Links, per shop.

    /// Every product link of a shop.
    async fn product_links(&self, shop_id: i64) -> Result<Vec<ProductLink>>;
    async fn product_link(&self, shop_id: i64, item_id: i64) -> Result<Option<ProductLink>>;
    /// Creates or replaces links in one transaction. A Shopify product is linked to one item at most: linking
    /// it to another item moves the link.
    async fn save_product_links(&self, shop_id: i64, links: &[ProductLink]) -> Result<()>;
    /// Removes an item's product link and its variants' links; returns whether a product link existed.
    async fn remove_product_link(&self, shop_id: i64, item_id: i64) -> Result<bool>;
    /// Every variant link of a shop.
    async fn variant_links(&self, shop_id: i64) -> Result<Vec<VariantLink>>;
    /// Creates or replaces links in one transaction; a Shopify variant is linked to one variant at most.
    async fn save_variant_links(&self, shop_id: i64, links: &[VariantLink]) -> Result<()>;
    /// Removes variant links; returns how many went.
    async fn remove_variant_links(&self, shop_id: i64, variant_ids: &[i64]) -> Result<u64>;
    /// Marks a Shopify product as shipped outside the back office (`title` as Shopify names it), or takes the mark
    /// off with `None`; returns whether anything changed.
    async fn set_outside_product(&self, shop_id: i64, shopify_product_id: &str, title: Option<&str>) -> Result<bool>;
    /// The products a shop ships outside the back office, by title.
    async fn outside_products(&self, shop_id: i64) -> Result<Vec<OutsideProduct>>;

    // Inventory sync state, per shop.

    /// The last accepted quantities of a shop (of one location when given).
    async fn inventory_states(&self, shop_id: i64, location_id: Option<&str>) -> Result<Vec<InventoryState>>;
    /// Stores accepted quantities in one transaction.
    async fn save_inventory_states(&self, shop_id: i64, states: &[InventoryState]) -> Result<()>;

    // Skipped records, per shop.

    /// Records skipped records in one transaction. The errors given for an (object, key) replace the ones
    /// stored for it: they are the reasons of its latest attempt.
    async fn record_skipped(&self, shop_id: i64, errors: &[SkippedRecordInput]) -> Result<()>;
    /// The skipped records of a shop (of one object kind when given), newest first.
    async fn skipped_records(&self, shop_id: i64, object: Option<&str>) -> Result<Vec<SkippedRecord>>;
    /// Forgets the errors of records that synced; returns how many went.
    async fn clear_skipped(&self, shop_id: i64, object: &str, keys: &[String]) -> Result<u64>;
}
