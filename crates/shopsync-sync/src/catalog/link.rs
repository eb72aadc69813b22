//! First-time link: matching back-office items to the products already in Shopify by SKU, and bringing the
//! Shopify products the back office does not know into it as items.
//!
//! Shopify's catalog is read by one bulk query when the read is large (see [`CatalogRead::choose`]): a bulk query
//! costs about 15 points whatever the catalog's size and is not rate limited, where pages of products cost about
//! 150 points per product. A small increment (a few unlinked SKUs once the catalog was read) searches by SKU.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::TryStreamExt;
use rust_decimal::Decimal;
use shopify_admin::ops::products::{
    Product, ProductVariant, ProductVariantsOfProduct, ProductVariantsOfProductVariables, VariantsBySku,
    VariantsBySkuVariables, products_bulk_query,
};
use shopify_admin::{AdminClient, AdminError, BulkGrouping, BulkLimits};
use shopsync_store::{Item, ItemInput, PriceInput, VariantInput, VariantLink, WeightUnit};

use super::payload::{DEFAULT_OPTION, DEFAULT_OPTION_VALUE, handleize, item_status, money_text};
use super::{Problem, objects};
use crate::{Progress, ShopContext, SyncError};

/// A Shopify variant found by SKU.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FoundVariant {
    pub id: String,
    pub product_id: String,
    pub product_title: String,
    pub inventory_item_id: String,
}

/// Shopify variants by SKU (a SKU may be on several variants: Shopify does not require them to be unique).
pub(crate) type SkuIndex = HashMap<String, Vec<FoundVariant>>;

/// An item to link to an existing Shopify product.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewLink {
    pub item_id: i64,
    pub number: String,
    pub product_id: String,
    pub product_title: String,
    /// The back-office variants whose SKU matched, linked to their Shopify variant.
    pub variants: Vec<VariantLink>,
}

/// Searches Shopify for these SKUs, 50 per request, and indexes the variants that carry exactly one of them.
pub(crate) async fn search_skus(
    client: &AdminClient,
    skus: &[String],
    progress: &dyn Progress,
) -> Result<SkuIndex, AdminError> {
    let mut index = SkuIndex::new();
    let wanted: HashSet<&str> = skus.iter().map(String::as_str).collect();
    for chunk in skus.chunks(VariantsBySkuVariables::MAX_SKUS) {
        let found = client.collect_all::<VariantsBySku>(VariantsBySkuVariables::for_skus(chunk)).await?;
        for variant in found {
            // Shopify's search matches words, so `sku:A-1` can also find `A-1-B`: keep exact matches only.
            let Some(sku) = variant.sku.filter(|sku| wanted.contains(sku.as_str())) else { continue };
            index.entry(sku).or_default().push(FoundVariant {
                id: variant.id.0,
                product_id: variant.product.id.0,
                product_title: variant.product.title,
                inventory_item_id: variant.inventory_item.id.0,
            });
        }
        progress.advance(chunk.len() as u64);
    }
    Ok(index)
}

/// The cursor object of the catalog read: its `updated_at` is when the last whole-catalog read started (the bulk
/// operation's creation), and a bulk operation started and not read yet is kept in it. No cursor (or one reset with
/// `reset-cursor products`) means the next product sync reads the whole catalog again.
pub const OBJECT: &str = "products";

/// Most unlinked SKUs matched by search (50 per request, about 150 points each); past it the whole catalog is read
/// by one bulk query instead (about 15 points whatever its size). 500 SKUs are 10 searches, about 1,500 points, a
/// few seconds on the standard plan: about what the bulk query's export takes on a small shop.
pub const SKU_SEARCH_MAX: usize = 500;

/// How the first-time link reads Shopify's catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CatalogRead {
    /// Nothing to match.
    None,
    /// Search the unlinked SKUs, 50 per request (a small increment).
    SkuSearch,
    /// Read every product with every variant through one bulk query (a large read).
    Bulk,
}

impl CatalogRead {
    /// The rule: a bulk query for a large read, a search for a small increment. Large is `--import-unmatched` (every
    /// product is needed), no products cursor yet (the shop's first link, or `reset-cursor products`), a bulk query a
    /// previous run started and did not read, or more than [`SKU_SEARCH_MAX`] unlinked SKUs.
    pub(crate) fn choose(
        import_unmatched: bool,
        cursor: &shopsync_store::SyncCursor,
        unlinked_skus: usize,
    ) -> CatalogRead {
        if import_unmatched || cursor.bulk_operation_id.is_some() {
            return CatalogRead::Bulk;
        }
        if unlinked_skus == 0 {
            return CatalogRead::None;
        }
        if cursor.updated_at.is_none() || unlinked_skus > SKU_SEARCH_MAX {
            CatalogRead::Bulk
        } else {
            CatalogRead::SkuSearch
        }
    }

    /// How the summary names it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CatalogRead::None => "nothing to match",
            CatalogRead::SkuSearch => "SKU search",
            CatalogRead::Bulk => "bulk query",
        }
    }
}

/// Every product in Shopify with all its variants and media, through one bulk query (a few points, not rate
/// limited, instead of a page of 5 products per 750 points). The result is read grouped: a product is complete when
/// the next one starts, so reassembly holds one product at a time. With `persist` (not in a dry run) the operation's
/// id is kept in the products cursor as soon as it starts, so a run that stops while Shopify works reads the same
/// export when it runs again; after the read the cursor says when the catalog was read.
pub(crate) async fn bulk_read_products(
    ctx: &ShopContext,
    persist: bool,
    progress: &dyn Progress,
) -> Result<Vec<Product>, SyncError> {
    let client = ctx.client();
    let store = ctx.store();
    let mut cursor = store.cursor(ctx.shop.id, OBJECT).await?.unwrap_or_default();
    cursor.object = OBJECT.to_string();
    progress.phase("waiting for Shopify's bulk export of products", None);
    let operation = match crate::orders::resume_bulk(client, &cursor).await? {
        Some(operation) => operation,
        None => {
            let started = client.start_bulk_query(&products_bulk_query(None), BulkGrouping::Grouped).await?;
            if persist {
                cursor.bulk_operation_id = Some(started.id.to_string());
                cursor.last_run_at = Some(shopsync_core::time::now_text());
                store.save_cursor(ctx.shop.id, &cursor).await?;
            }
            started
        }
    };
    let finished = client.wait_for_bulk_operation(&operation.id, &crate::orders::bulk_wait()).await?;
    progress.phase("reading Shopify products", Some(finished.root_object_count));
    let mut products = Vec::with_capacity(finished.root_object_count.min(100_000) as usize);
    if let Some(url) = &finished.url {
        let mut objects = client.bulk_result_objects(url, BulkGrouping::Grouped, BulkLimits::default());
        while let Some(object) = objects.try_next().await? {
            let product = Product::from_bulk(object).map_err(|e| {
                SyncError::Shopify(AdminError::Decode {
                    operation: "products bulk query".into(),
                    message: format!("a row of the bulk result is not a product as the link reads it: {e}"),
                    request_id: None,
                })
            })?;
            products.push(product);
            progress.advance(1);
        }
    }
    if persist {
        let now = shopsync_core::time::now_text();
        cursor.bulk_operation_id = None;
        cursor.updated_at = Some(shopsync_core::time::to_text(finished.created_at));
        cursor.last_id = None;
        cursor.last_run_at = Some(now.clone());
        cursor.last_success_at = Some(now);
        store.save_cursor(ctx.shop.id, &cursor).await?;
    }
    Ok(products)
}

/// Reads the rest of a product's variants when its page held only the first ones.
pub(crate) async fn complete_variants(client: &AdminClient, product: &mut Product) -> Result<(), AdminError> {
    if !product.variants.is_truncated() {
        return Ok(());
    }
    let variables = ProductVariantsOfProductVariables {
        product_id: product.id.clone(),
        after: product.variants.page_info.end_cursor.clone(),
    };
    let rest: Vec<ProductVariant> = client.collect_all::<ProductVariantsOfProduct>(variables).await?;
    product.variants.nodes.extend(rest);
    product.variants.page_info.has_next_page = false;
    Ok(())
}

/// The SKU index of products read in full.
pub(crate) fn index_products(products: &[Product]) -> SkuIndex {
    let mut index = SkuIndex::new();
    for product in products {
        for variant in &product.variants.nodes {
            let Some(sku) = variant.sku.as_ref().filter(|s| !s.is_empty()) else { continue };
            index.entry(sku.clone()).or_default().push(FoundVariant {
                id: variant.id.0.clone(),
                product_id: product.id.0.clone(),
                product_title: product.title.clone(),
                inventory_item_id: variant.inventory_item.id.0.clone(),
            });
        }
    }
    index
}

/// Matches unlinked items to Shopify products by SKU. An item links to the one product all its found SKUs are
/// on; a SKU on several Shopify variants, SKUs spread over several products, or a product already linked to
/// another item are problems (never guesses). Items with no SKU in Shopify are left to be created.
pub(crate) fn match_items(
    items: &[&Item],
    index: &SkuIndex,
    linked_products: &HashSet<String>,
    now: &str,
) -> (Vec<NewLink>, Vec<Problem>) {
    let mut links = Vec::new();
    let mut problems = Vec::new();
    let mut claimed: HashSet<String> = HashSet::new();
    for item in items {
        let mut products: BTreeMap<&str, &FoundVariant> = BTreeMap::new();
        let mut matched = Vec::new();
        let mut problem = None;
        for variant in &item.variants {
            let Some(found) = index.get(&variant.sku) else { continue };
            if found.len() > 1 {
                let mut ids: Vec<&str> = found.iter().map(|f| f.product_id.as_str()).collect();
                ids.dedup();
                problem = Some(Problem::new(
                    objects::ITEM,
                    &item.number,
                    "AMBIGUOUS_SKU",
                    format!(
                        "SKU {} is on {} variants in Shopify ({}), so shopsync cannot tell which one is this item's; \
                         remove the duplicates in Shopify or give them other SKUs, then sync again",
                        variant.sku,
                        found.len(),
                        ids.join(", ")
                    ),
                ));
                break;
            }
            products.insert(&found[0].product_id, &found[0]);
            matched.push((variant, &found[0]));
        }
        if problem.is_none() && products.len() > 1 {
            let names: Vec<String> =
                products.values().map(|f| format!("{} ({})", f.product_title, f.product_id)).collect();
            problem = Some(Problem::new(
                objects::ITEM,
                &item.number,
                "SKUS_ON_SEVERAL_PRODUCTS",
                format!(
                    "the SKUs of item {} are on {} Shopify products: {}; merge them into one product in Shopify \
                     (or change the SKUs), then sync again",
                    item.number,
                    products.len(),
                    names.join(", ")
                ),
            ));
        }
        if let Some(problem) = problem {
            problems.push(problem);
            continue;
        }
        let Some(found) = products.values().next() else { continue };
        if linked_products.contains(&found.product_id) || !claimed.insert(found.product_id.clone()) {
            problems.push(Problem::new(
                objects::ITEM,
                &item.number,
                "PRODUCT_LINKED_TO_OTHER_ITEM",
                format!(
                    "the Shopify product {} ({}) that carries this item's SKUs is already linked to another item; \
                     give one of the two items other SKUs",
                    found.product_title, found.product_id
                ),
            ));
            continue;
        }
        links.push(NewLink {
            item_id: item.id,
            number: item.number.clone(),
            product_id: found.product_id.clone(),
            product_title: found.product_title.clone(),
            variants: matched
                .into_iter()
                .map(|(variant, found)| VariantLink {
                    variant_id: variant.id,
                    shopify_variant_id: found.id.clone(),
                    shopify_product_id: found.product_id.clone(),
                    shopify_inventory_item_id: Some(found.inventory_item_id.clone()),
                    last_price: None,
                    last_compare_at_price: None,
                    linked_at: now.to_string(),
                })
                .collect(),
        });
    }
    (links, problems)
}

/// A Shopify product to bring into the back office as an item, with its prices.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImportedProduct {
    pub product_id: String,
    pub item: ItemInput,
    pub prices: Vec<PriceInput>,
    /// Shopify variant id and inventory item id, by SKU.
    pub variants: HashMap<String, (String, String)>,
}

/// Turns the Shopify products none of whose SKUs the back office knows into items. `known_skus` holds every
/// SKU of the back office; `taken_numbers` the item numbers in use. Products with a variant without SKU, or a
/// SKU another imported product has too, cannot be imported and become problems.
pub(crate) fn unmatched_products(
    products: &[Product],
    known_skus: &HashSet<String>,
    taken_numbers: &HashSet<String>,
    mark: bool,
) -> (Vec<ImportedProduct>, Vec<Problem>) {
    let mut imports = Vec::new();
    let mut problems = Vec::new();
    let mut numbers: HashSet<String> = taken_numbers.clone();
    let mut skus_seen: HashSet<String> = HashSet::new();
    for product in products {
        let skus: Vec<Option<&str>> =
            product.variants.nodes.iter().map(|v| v.sku.as_deref().filter(|s| !s.trim().is_empty())).collect();
        if skus.iter().flatten().any(|sku| known_skus.contains(*sku)) {
            continue;
        }
        let problem =
            |code: &str, message: String| Problem::new(objects::SHOPIFY_PRODUCT, &product.handle, code, message);
        if product.variants.nodes.is_empty() {
            continue;
        }
        if skus.iter().any(Option::is_none) {
            problems.push(problem(
                "MISSING_SKU",
                format!(
                    "the Shopify product {} ({}) has a variant without SKU, and an item needs a SKU per variant; \
                     give every variant a SKU in Shopify to import it",
                    product.title, product.id
                ),
            ));
            continue;
        }
        if let Some(duplicate) = skus.iter().flatten().find(|sku| skus_seen.contains(**sku)) {
            problems.push(problem(
                "DUPLICATE_SKU",
                format!(
                    "SKU {duplicate} of the Shopify product {} ({}) is on another Shopify product too; make it \
                     unique in Shopify to import this product",
                    product.title, product.id
                ),
            ));
            continue;
        }
        let number = unique_number(&product.handle, &numbers);
        numbers.insert(number.clone());
        skus_seen.extend(skus.iter().flatten().map(|s| s.to_string()));
        imports.push(import_product(product, number, mark));
    }
    (imports, problems)
}

fn unique_number(handle: &str, taken: &HashSet<String>) -> String {
    let base = if handle.is_empty() { "shopify-product".to_string() } else { handleize(handle) };
    if !taken.contains(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}-{n}")).find(|candidate| !taken.contains(candidate)).unwrap_or(base)
}

fn import_product(product: &Product, number: String, mark: bool) -> ImportedProduct {
    let default_only = product.options.len() == 1
        && product.options[0].name == DEFAULT_OPTION
        && product.options[0].option_values.iter().all(|v| v.name == DEFAULT_OPTION_VALUE);
    let option_names: Vec<String> =
        if default_only { Vec::new() } else { product.options.iter().take(3).map(|o| o.name.clone()).collect() };
    let first = product.variants.nodes.first();
    // A weight is kept only with a unit the back office knows.
    let weight =
        first.and_then(|v| v.inventory_item.measurement.weight.as_ref()).filter(|w| w.value > 0.0).and_then(|w| {
            Some((Decimal::try_from(w.value).ok()?.normalize().to_string(), w.unit.parse::<WeightUnit>().ok()?))
        });
    let mut variants = HashMap::new();
    let mut prices = Vec::new();
    let mut inputs = Vec::new();
    for (position, variant) in product.variants.nodes.iter().enumerate() {
        let sku = variant.sku.clone().unwrap_or_default();
        let option_values = option_names
            .iter()
            .map(|name| {
                variant.selected_options.iter().find(|o| &o.name == name).map(|o| o.value.clone()).unwrap_or_default()
            })
            .collect();
        inputs.push(VariantInput {
            code: sku.clone(),
            sku: sku.clone(),
            barcode: variant.barcode.clone().filter(|b| !b.is_empty()),
            option_values,
            position: position as i64,
        });
        prices.push(PriceInput {
            sku: sku.clone(),
            price: money_text(variant.price),
            compare_at_price: variant.compare_at_price.filter(|p| *p > Decimal::ZERO).map(money_text),
        });
        variants.insert(sku, (variant.id.0.clone(), variant.inventory_item.id.0.clone()));
    }
    let item = ItemInput {
        number,
        name: product.title.clone(),
        description: product.description_html.clone(),
        status: item_status(product.status),
        item_group: None,
        vendor: Some(product.vendor.clone()).filter(|v| !v.is_empty()),
        product_type: Some(product.product_type.clone()).filter(|t| !t.is_empty()),
        inventory_tracked: product.variants.nodes.iter().any(|v| v.inventory_item.tracked),
        weight: weight.as_ref().map(|(value, _)| value.clone()),
        weight_unit: weight.map(|(_, unit)| unit),
        option_names,
        images: product.media.nodes.iter().filter_map(|m| m.image.as_ref().map(|i| i.url.clone())).collect(),
        tags: product.tags.clone(),
        marked: mark.then_some(true),
        variants: inputs,
    };
    ImportedProduct { product_id: product.id.0.clone(), item, prices, variants }
}
