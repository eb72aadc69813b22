//! The back-office catalog as people look at it and mark it: bundles with their components, the items marked
//! for synchronization and marking them, and the records a sync had to skip with Shopify's reason. The CLI
//! (`items mark|unmark|errors`) and the console call these, so both check a selection alike.

use serde::Serialize;
use shopsync_store::catalog::InvalidItemFilter;
use shopsync_store::{CatalogStore, Item, ItemFilter, ItemQuery, MarkOutcome, SkippedRecord, Store, StoreError};

use crate::SyncError;

/// How many items a page of [`items`] holds.
pub const ITEMS_PAGE: u32 = 50;

/// Which items to mark or unmark. Criteria given together must all hold; `all` selects every item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemSelection {
    pub all: bool,
    /// These item numbers (each must exist).
    pub numbers: Vec<String>,
    /// Item numbers from this one on (text order, inclusive).
    pub from: Option<String>,
    /// Item numbers up to this one (text order, inclusive).
    pub to: Option<String>,
    pub group: Option<String>,
    /// `field=value` / `field~value`, comma separated (see [`ItemFilter`]).
    pub filter: Option<String>,
}

impl ItemSelection {
    /// Whether the selection names nothing at all (marking it would mean every item without saying so).
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.numbers.is_empty()
            && self.from.is_none()
            && self.to.is_none()
            && self.group.is_none()
            && self.filter.is_none()
    }
}

/// Why a selection was not marked; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error("no item has the number(s) {}; nothing was changed", .0.join(", "))]
    UnknownNumbers(Vec<String>),
    #[error(transparent)]
    Filter(#[from] InvalidItemFilter),
    #[error("no items were chosen (give item numbers, a range, a group or a filter, or choose every item)")]
    NothingChosen,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Marks (or unmarks) the selected items for synchronization. Marking is not a change of the item: it does not
/// make a sync send it again.
pub async fn mark_items(
    store: &(impl CatalogStore + ?Sized),
    selection: &ItemSelection,
    marked: bool,
) -> Result<MarkOutcome, MarkError> {
    if selection.is_empty() {
        return Err(MarkError::NothingChosen);
    }
    if !selection.numbers.is_empty() {
        let missing = store.missing_item_numbers(&selection.numbers).await?;
        if !missing.is_empty() {
            return Err(MarkError::UnknownNumbers(missing));
        }
    }
    let filter = match selection.filter.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => text.parse()?,
        None => ItemFilter::default(),
    };
    let query = ItemQuery {
        numbers: selection.numbers.clone(),
        from: selection.from.clone(),
        to: selection.to.clone(),
        group: selection.group.clone(),
        filter,
        ..Default::default()
    };
    Ok(store.set_marked(&query, marked).await?)
}

/// A page of items by number: every item, or only marked (`Some(true)`) or unmarked (`Some(false)`) ones, after
/// the number `after`; with how many match in all.
pub async fn items(
    store: &dyn Store,
    marked: Option<bool>,
    after: Option<&str>,
) -> Result<(Vec<Item>, u64), SyncError> {
    let query = ItemQuery { marked, ..Default::default() };
    let total = store.count_items(&query).await?;
    let page = ItemQuery { after: after.map(str::to_string), limit: Some(ITEMS_PAGE), ..query };
    Ok((store.items(&page).await?, total))
}

/// A bundle with the item each component belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct BundleView {
    pub bundle_sku: String,
    /// The bundle's own item, when its SKU is a variant of the back office.
    pub item: Option<(String, String)>,
    pub components: Vec<ComponentView>,
}

/// One component of a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentView {
    pub sku: String,
    pub quantity: i64,
    /// Item number and name; `None` when no item has the SKU (the bundle cannot be stocked then).
    pub item: Option<(String, String)>,
}

/// Every bundle with its components, by bundle SKU.
pub async fn bundles(store: &dyn Store) -> Result<Vec<BundleView>, SyncError> {
    let bundles = store.bundles().await?;
    let mut skus: Vec<String> = Vec::new();
    for bundle in &bundles {
        skus.push(bundle.bundle_sku.clone());
        skus.extend(bundle.components.iter().map(|c| c.sku.clone()));
    }
    skus.sort();
    skus.dedup();
    let owners = store.variants_by_skus(&skus).await?;
    let owner =
        |sku: &str| owners.iter().find(|o| o.variant.sku == sku).map(|o| (o.item_number.clone(), o.item_name.clone()));
    Ok(bundles
        .into_iter()
        .map(|bundle| BundleView {
            item: owner(&bundle.bundle_sku),
            components: bundle
                .components
                .into_iter()
                .map(|c| ComponentView { item: owner(&c.sku), sku: c.sku, quantity: c.quantity })
                .collect(),
            bundle_sku: bundle.bundle_sku,
        })
        .collect())
}

/// The records the syncs of a shop had to skip, with Shopify's reason, newest first; each goes away when it
/// syncs.
pub async fn skipped_records(store: &dyn Store, domain: &str) -> Result<(String, Vec<SkippedRecord>), SyncError> {
    let shop = super::read::find_shop(store, domain).await?;
    let records = store.skipped_records(shop.id, None).await?;
    Ok((shop.domain, records))
}
