//! What a batch of items, prices, stock levels or bundles changes against what is stored.
//!
//! Each `plan_*` takes the stored rows a backend read for the batch (nothing more) and returns the writes and the
//! counts the caller reports; the `check_*` functions refuse a batch that could not be written as one.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalog::{
    BundleInput, Item, ItemInput, ItemsUpsert, PriceInput, PriceList, PriceListInput, PricesUpsert, StockInput,
    StockUpsert, UpsertCounts, Variant, VariantInput,
};
use crate::{Result, StoreError};

/// Refuses a batch where two items share a number, two variants share a SKU, or an item repeats a code.
pub(crate) fn check_items_batch(items: &[ItemInput]) -> Result<()> {
    let mut numbers = HashSet::new();
    let mut skus = HashMap::new();
    for item in items {
        if !numbers.insert(item.number.as_str()) {
            return Err(StoreError::Conflict(format!("item {} is given twice in one batch", item.number)));
        }
        if item.option_names.len() > 3 {
            return Err(StoreError::Conflict(format!("item {} has more than three options", item.number)));
        }
        let mut codes = HashSet::new();
        for variant in &item.variants {
            if let Some(other) = skus.insert(variant.sku.as_str(), item.number.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "SKU {} is given for items {other} and {} in one batch",
                    variant.sku, item.number
                )));
            }
            if !codes.insert(variant.code.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "item {} has two variants with code {}",
                    item.number, variant.code
                )));
            }
        }
    }
    Ok(())
}

/// The refusal of a batch that would take `sku` from `owner`, an item outside the batch.
pub(crate) fn sku_taken(sku: &str, owner: &str) -> StoreError {
    StoreError::Conflict(format!("SKU {sku} belongs to item {owner}; a SKU can be on one variant only"))
}

fn item_differs(stored: &Item, input: &ItemInput) -> bool {
    stored.name != input.name
        || stored.description != input.description
        || stored.status != input.status
        || stored.item_group != input.item_group
        || stored.vendor != input.vendor
        || stored.product_type != input.product_type
        || stored.inventory_tracked != input.inventory_tracked
        || stored.weight != input.weight
        || stored.weight_unit != input.weight_unit
        || stored.option_names != input.option_names
        || stored.images != input.images
        || stored.tags != input.tags
}

fn variant_differs(stored: &Variant, input: &VariantInput) -> bool {
    stored.sku != input.sku
        || stored.barcode != input.barcode
        || stored.option_values != input.option_values
        || stored.position != input.position
}

/// An item to write, with the marking and times it is written with.
pub(crate) struct ItemWrite<'a> {
    pub(crate) input: &'a ItemInput,
    pub(crate) marked: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

/// What writing a batch of items takes.
pub(crate) struct ItemsPlan<'a> {
    pub(crate) summary: ItemsUpsert,
    /// New and changed items.
    pub(crate) items: Vec<ItemWrite<'a>>,
    /// New and changed variants with their item's number (ids of new items are known only once written); each is
    /// written with `now` as its update time (and creation time, when new).
    pub(crate) variants: Vec<(&'a str, &'a VariantInput)>,
    pub(crate) removed_variant_ids: Vec<i64>,
    /// Kept variants whose SKU changes: their SKU is set aside first so SKUs can move between variants.
    pub(crate) moving_variant_ids: Vec<i64>,
    pub(crate) now: String,
}

/// Plans a batch of items against `stored` (the stored items of the batch's numbers, by number, with their variants).
pub(crate) fn plan_items<'a>(stored: &HashMap<String, Item>, items: &'a [ItemInput], now: String) -> ItemsPlan<'a> {
    let mut plan = ItemsPlan {
        summary: ItemsUpsert::default(),
        items: Vec::new(),
        variants: Vec::new(),
        removed_variant_ids: Vec::new(),
        moving_variant_ids: Vec::new(),
        now,
    };
    for input in items {
        let existing = stored.get(&input.number);
        let stored_variants: HashMap<&str, &Variant> =
            existing.map(|item| item.variants.iter().map(|v| (v.code.as_str(), v)).collect()).unwrap_or_default();
        let mut variants_changed = false;
        for variant in &input.variants {
            match stored_variants.get(variant.code.as_str()) {
                None => {
                    plan.summary.variants.created += 1;
                    variants_changed = true;
                }
                Some(old) if variant_differs(old, variant) => {
                    plan.summary.variants.updated += 1;
                    variants_changed = true;
                    if old.sku != variant.sku {
                        plan.moving_variant_ids.push(old.id);
                    }
                }
                Some(_) => {
                    plan.summary.variants.unchanged += 1;
                    continue;
                }
            }
            plan.variants.push((input.number.as_str(), variant));
        }
        let kept: HashSet<&str> = input.variants.iter().map(|v| v.code.as_str()).collect();
        if let Some(item) = existing {
            for old in item.variants.iter().filter(|v| !kept.contains(v.code.as_str())) {
                plan.removed_variant_ids.push(old.id);
                plan.summary.variants_removed += 1;
                variants_changed = true;
            }
        }
        let (created_at, updated_at, marked) = match existing {
            None => {
                plan.summary.items.created += 1;
                (plan.now.clone(), plan.now.clone(), input.marked.unwrap_or(false))
            }
            Some(item) => {
                let content_changed = variants_changed || item_differs(item, input);
                let marked = input.marked.unwrap_or(item.marked);
                if !content_changed && marked == item.marked {
                    plan.summary.items.unchanged += 1;
                    continue;
                }
                plan.summary.items.updated += 1;
                // Marking is not content: it alone leaves updated_at where it was.
                let updated_at = if content_changed { plan.now.clone() } else { item.updated_at.clone() };
                (item.created_at.clone(), updated_at, marked)
            }
        };
        plan.items.push(ItemWrite { input, marked, created_at, updated_at });
    }
    plan
}

/// Refuses a price batch for a list that cannot take it, or with a SKU given twice.
pub(crate) fn check_prices_batch(
    list: Option<&PriceList>,
    input: &PriceListInput,
    prices: &[PriceInput],
) -> Result<()> {
    match (list, input.currency.as_deref()) {
        (None, None) => {
            return Err(StoreError::Conflict(format!(
                "price list {} does not exist; give its currency to create it",
                input.code
            )));
        }
        (Some(list), Some(currency)) if !list.currency.eq_ignore_ascii_case(currency) => {
            return Err(StoreError::Conflict(format!(
                "price list {} is in {}, not {currency}; use another price list for {currency} prices",
                list.code, list.currency
            )));
        }
        _ => {}
    }
    let mut seen = HashSet::new();
    if let Some(dup) = prices.iter().find(|p| !seen.insert(p.sku.as_str())) {
        return Err(StoreError::Conflict(format!("SKU {} has two prices in one batch", dup.sku)));
    }
    Ok(())
}

/// The prices of a batch to write, and the counts.
pub(crate) struct PricesPlan<'a> {
    pub(crate) summary: PricesUpsert,
    pub(crate) list: Option<PriceList>,
    pub(crate) writes: Vec<&'a PriceInput>,
}

/// Plans a checked price batch against `stored` (price and compare-at price by SKU, in `list`).
pub(crate) fn plan_prices<'a>(
    list: Option<PriceList>,
    stored: &HashMap<String, (String, Option<String>)>,
    prices: &'a [PriceInput],
) -> PricesPlan<'a> {
    let mut plan = PricesPlan {
        summary: PricesUpsert { price_list_created: list.is_none(), ..Default::default() },
        list,
        writes: Vec::new(),
    };
    for price in prices {
        match stored.get(&price.sku) {
            None => plan.summary.prices.created += 1,
            Some((p, c)) if *p == price.price && *c == price.compare_at_price => {
                plan.summary.prices.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.prices.updated += 1,
        }
        plan.writes.push(price);
    }
    plan
}

/// Refuses a stock batch that gives one SKU two quantities in one warehouse.
pub(crate) fn check_stock_batch(levels: &[StockInput]) -> Result<()> {
    let mut seen = HashSet::new();
    if let Some(dup) = levels.iter().find(|s| !seen.insert((s.warehouse.as_str(), s.sku.as_str()))) {
        return Err(StoreError::Conflict(format!(
            "SKU {} has two quantities for warehouse {} in one batch",
            dup.sku, dup.warehouse
        )));
    }
    Ok(())
}

/// The warehouse codes of a stock batch, each once, in the batch's order.
pub(crate) fn warehouse_codes(levels: &[StockInput]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for level in levels {
        if !codes.contains(&level.warehouse) {
            codes.push(level.warehouse.clone());
        }
    }
    codes
}

/// The levels of a stock batch to write, and the counts.
pub(crate) struct StockPlan<'a> {
    pub(crate) summary: StockUpsert,
    pub(crate) writes: Vec<&'a StockInput>,
}

/// Plans a checked stock batch: `codes` from [`warehouse_codes`], `known` the ones that exist, `stored` the quantity
/// by (warehouse code, SKU).
pub(crate) fn plan_stock<'a>(
    levels: &'a [StockInput],
    codes: Vec<String>,
    known: &HashSet<String>,
    stored: &HashMap<(String, String), i64>,
) -> StockPlan<'a> {
    let mut plan = StockPlan {
        summary: StockUpsert {
            warehouses_created: codes.into_iter().filter(|code| !known.contains(code)).collect(),
            ..Default::default()
        },
        writes: Vec::new(),
    };
    for level in levels {
        match stored.get(&(level.warehouse.clone(), level.sku.clone())) {
            None => plan.summary.levels.created += 1,
            Some(quantity) if *quantity == level.quantity => {
                plan.summary.levels.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.levels.updated += 1,
        }
        plan.writes.push(level);
    }
    plan
}

/// Refuses a bundle batch that gives a bundle twice.
pub(crate) fn check_bundles_batch(bundles: &[BundleInput]) -> Result<()> {
    let mut seen = HashSet::new();
    if let Some(dup) = bundles.iter().find(|b| !seen.insert(b.bundle_sku.as_str())) {
        return Err(StoreError::Conflict(format!("bundle {} is given twice in one batch", dup.bundle_sku)));
    }
    Ok(())
}

/// The bundles of a batch to write, and the counts.
pub(crate) struct BundlesPlan {
    pub(crate) summary: UpsertCounts,
    pub(crate) writes: Vec<BundleInput>,
}

/// Plans a checked bundle batch against `stored` (component quantities by bundle SKU, then component SKU).
pub(crate) fn plan_bundles(
    bundles: &[BundleInput],
    stored: &HashMap<String, BTreeMap<String, i64>>,
) -> Result<BundlesPlan> {
    let mut plan = BundlesPlan { summary: UpsertCounts::default(), writes: Vec::new() };
    for bundle in bundles {
        let wanted: BTreeMap<String, i64> = bundle.components.iter().map(|c| (c.sku.clone(), c.quantity)).collect();
        if wanted.len() != bundle.components.len() {
            return Err(StoreError::Conflict(format!(
                "bundle {} lists a component twice in one batch",
                bundle.bundle_sku
            )));
        }
        match stored.get(&bundle.bundle_sku) {
            None => plan.summary.created += 1,
            Some(current) if *current == wanted => {
                plan.summary.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.updated += 1,
        }
        plan.writes.push(bundle.clone());
    }
    Ok(plan)
}
