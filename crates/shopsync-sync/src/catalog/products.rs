//! `sync products`: the shop's selection of items to Shopify products, keyed by SKU.
//!
//! Order of work: load the selection, its prices and links; link items to the products already in Shopify by
//! SKU (saved before anything is created, so nothing is duplicated); import unmatched Shopify products when
//! asked; then build each product's payload, skip the ones whose content hash equals the hash Shopify last
//! accepted, and send the others with `productSet`, several at a time within the shop's cost budget, or as one
//! bulk mutation when there are many (`bulk_push.rs`).

use std::collections::{HashMap, HashSet};

use futures::{FutureExt, StreamExt};
use serde::Serialize;
use shopify_admin::ops::products::{
    Product, ProductSet, ProductSetPayload, ProductSetVariables, ProductVariantsOfProduct,
    ProductVariantsOfProductVariables, ProductsPage, SearchPageVariables,
};
use shopify_admin::{AdminError, Gid, UserError};
use shopsync_core::settings::ItemSelection;
use shopsync_store::{
    Item, ItemQuery, ItemStatus, Price, PriceListInput, ProductLink, SkippedRecordInput, VariantLink,
};

use super::diff::{FieldChange, product_changes};
use super::link::{self, CatalogRead, ImportedProduct, NewLink, SkuIndex};
use super::payload::{DEFAULT_OPTION_VALUE, DesiredProduct, PayloadSettings, money_text, product_set_variables};
use super::{Problem, objects};
use crate::{FlowSummary, Progress, ShopContext, SyncError};

/// How many `productSet` calls are in flight at once; the shop's cost budget paces them.
const CONCURRENT_WRITES: usize = 8;
/// Links and records are stored after this many products, so a crash loses little.
pub(super) const SAVE_EVERY: usize = 50;
/// Items read from the store per query.
const ITEM_PAGE: u32 = 500;
/// Product ids per search when a dry run reads what Shopify holds.
const IDS_PER_SEARCH: usize = 25;

/// What `sync products` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductSyncOptions {
    /// Plan only: read from Shopify, write nothing to Shopify or to the store.
    pub dry_run: bool,
    /// Bring Shopify products whose SKUs the back office does not know into it as items (first-time setup).
    pub import_unmatched: bool,
    /// Only these item numbers (marked or not); empty means the shop's item selection.
    pub items: Vec<String>,
    /// Send through one bulk mutation when more than this many products change; `None` is the rule of
    /// [`BULK_WRITE_ABOVE`](super::BULK_WRITE_ABOVE) (tests and benchmarks choose a path with it).
    pub bulk_above: Option<usize>,
}

/// What a product sync would do: the dry run's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProductPlan {
    pub shop: String,
    /// Which items: `all items`, `marked items`, or the numbers asked for.
    pub selection: String,
    /// The price list prices come from.
    pub price_list: Option<String>,
    /// What the shop's settings send and keep, for every product (`descriptions: not sent (sync-description off)`).
    pub rules: Vec<String>,
    /// Items to link to products already in Shopify (matched by SKU).
    pub links: Vec<PlannedLink>,
    /// Shopify products to import into the back office (`--import-unmatched`).
    pub imports: Vec<PlannedImport>,
    pub creates: Vec<PlannedCreate>,
    pub updates: Vec<PlannedUpdate>,
    /// Products whose content did not change since Shopify last accepted it: no call.
    pub unchanged: u64,
    /// Archived items that are not in Shopify: not created (archiving is for products that exist).
    pub archived_not_created: Vec<String>,
    /// Records that would be skipped, and why.
    pub problems: Vec<Problem>,
}

/// An item linked to an existing Shopify product by SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedLink {
    pub item: String,
    pub product_id: String,
    pub product_title: String,
    pub variants_matched: usize,
    pub admin_url: Option<String>,
}

/// A Shopify product brought into the back office.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedImport {
    /// The new item's number (the product's handle).
    pub item: String,
    pub title: String,
    pub product_id: String,
    pub skus: Vec<String>,
}

/// A product to create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedCreate {
    pub item: String,
    pub title: String,
    pub status: String,
    pub handle: String,
    /// `SKU (option values) price`.
    pub variants: Vec<String>,
    /// Images sent with it (0 when sync-images is off).
    pub images: usize,
}

/// A product to update, with what changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedUpdate {
    pub item: String,
    pub title: String,
    pub product_id: String,
    pub admin_url: Option<String>,
    pub changes: Vec<FieldChange>,
    /// What the update leaves as it is, and why (`images: kept (overwrite-images off)`).
    pub notes: Vec<String>,
}

impl ProductPlan {
    /// The plan as counts.
    pub fn summary(&self) -> FlowSummary {
        let mut summary = FlowSummary {
            created: self.creates.len() as u64,
            updated: self.updates.len() as u64,
            unchanged: self.unchanged,
            linked: self.links.len() as u64,
            ..FlowSummary::default()
        };
        for problem in &self.problems {
            summary.skip(&problem.code);
        }
        summary.notes.insert("dry run".into(), "nothing was sent to Shopify or stored".into());
        note_archived(&mut summary, self.archived_not_created.len());
        if !self.imports.is_empty() {
            summary.notes.insert("imported into the back office".into(), self.imports.len().to_string());
        }
        summary
    }

    /// How many `productSet` calls the sync would make.
    pub fn calls(&self) -> usize {
        self.creates.len() + self.updates.len()
    }
}

/// Syncs the shop's selection of items to Shopify (or, with `dry_run`, plans it and returns the plan's counts).
pub async fn sync_products(
    ctx: &ShopContext,
    options: &ProductSyncOptions,
    progress: &dyn Progress,
) -> Result<FlowSummary, SyncError> {
    if options.dry_run {
        return Ok(plan_products(ctx, options, progress).await?.summary());
    }
    ctx.require_enabled("the product sync", "sync-products", ctx.settings.sync_products)?;
    ctx.require_writes()?;
    let mut summary = FlowSummary::default();
    // A bulk write an earlier run started is recorded first, from the operation's result: the plan below then
    // sees the links and hashes it made, and nothing it created is created again.
    let resumed_problems = super::bulk_push::resume(ctx, &mut summary, progress).await?;
    let mut catalog = Catalog::load(ctx, options).await?;
    if let Some(list) = &catalog.settings.price_list {
        summary.notes.insert("price list".into(), list.clone());
    }
    let store = ctx.store();
    let shop_id = ctx.shop.id;

    // First-time link, saved before anything is created.
    let matching = Matching::find(ctx, &catalog, options.import_unmatched, true, progress).await?;
    summary.notes.insert("catalog read as".into(), matching.read.as_str().into());
    let now = shopsync_core::time::now_text();
    let product_links: Vec<ProductLink> = matching
        .links
        .iter()
        .map(|l| ProductLink {
            item_id: l.item_id,
            shopify_product_id: l.product_id.clone(),
            last_hash: None,
            synced_at: Some(now.clone()),
        })
        .collect();
    let variant_links: Vec<VariantLink> = matching.links.iter().flat_map(|l| l.variants.clone()).collect();
    store.save_product_links(shop_id, &product_links).await?;
    store.save_variant_links(shop_id, &variant_links).await?;
    summary.linked += product_links.len() as u64;
    catalog.add_links(product_links, variant_links);
    if !matching.imports.is_empty() {
        let imported = import(ctx, &catalog, &matching.imports).await?;
        summary.linked += imported;
        summary.notes.insert("imported into the back office".into(), imported.to_string());
    }

    let work = Work::decide(&catalog, &matching.problems);
    summary.unchanged = work.unchanged.len() as u64;
    note_archived(&mut summary, work.archived.len());
    let mut problems = work.problems;
    // An unchanged item's records go, except the ones the resumed bulk write has just recorded (a product it
    // created and could not publish is unchanged now).
    let cleared: Vec<String> =
        work.unchanged.iter().filter(|number| !resumed_problems.contains(*number)).cloned().collect();
    store.clear_skipped(shop_id, objects::ITEM, &cleared).await?;

    // The sales channels new products go to, looked up before anything is created.
    let publications = if work.actions.iter().any(|action| action.product_id.is_none()) {
        super::publish::wanted(ctx).await?
    } else {
        Vec::new()
    };
    let bulk = super::bulk_push::chosen(work.actions.len(), options.bulk_above);
    let failure = if bulk {
        summary.notes.insert("products sent as".into(), "bulk mutation".into());
        super::bulk_push::push(ctx, &catalog, &work.actions, &publications, &mut summary, &mut problems, progress)
            .await
            .err()
    } else {
        if !work.actions.is_empty() {
            summary.notes.insert("products sent as".into(), "one productSet each".into());
        }
        send_directly(ctx, &catalog, &work.actions, &publications, &mut summary, &mut problems, progress).await?
    };
    for problem in &problems {
        summary.skip(&problem.code);
    }
    let records: Vec<SkippedRecordInput> = problems.iter().map(Problem::to_record).collect();
    store.record_skipped(shop_id, &records).await?;
    match failure {
        Some(err) => Err(err),
        None => Ok(summary),
    }
}

/// Sends each product with its own `productSet`, several at a time within the shop's cost budget, saving
/// links every [`SAVE_EVERY`] products. Returns the error that stopped the sends, after saving what came back.
async fn send_directly(
    ctx: &ShopContext,
    catalog: &Catalog,
    actions: &[Action],
    publications: &[Gid],
    summary: &mut FlowSummary,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<Option<SyncError>, SyncError> {
    progress.phase("sending products", Some(actions.len() as u64));
    // The sends are made into boxed futures before they become a stream: a stream holding the closure is not
    // provably `Send` (a limit of the compiler with closures over references), and the webhook runner spawns
    // a product sync on its own task.
    let sends: Vec<_> = actions.iter().map(|action| send(ctx, catalog, action, publications).boxed()).collect();
    let mut sent = futures::stream::iter(sends).buffer_unordered(CONCURRENT_WRITES);
    let mut pending = Pending::default();
    let mut failure = None;
    while let Some(outcome) = sent.next().await {
        progress.advance(1);
        match outcome {
            Ok(outcome) => {
                pending.add(outcome, summary, problems);
                if pending.len() >= SAVE_EVERY {
                    pending.save(ctx).await?;
                }
            }
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    drop(sent);
    pending.save(ctx).await?;
    Ok(failure)
}

/// Plans a product sync: reads the back office and Shopify, writes nothing, and says per product what would be
/// created, linked, imported or changed (field by field, old -> new).
pub async fn plan_products(
    ctx: &ShopContext,
    options: &ProductSyncOptions,
    progress: &dyn Progress,
) -> Result<ProductPlan, SyncError> {
    ctx.require_enabled("the product sync", "sync-products", ctx.settings.sync_products)?;
    ctx.require_outgoing()?;
    let mut catalog = Catalog::load(ctx, options).await?;
    let mut matching = Matching::find(ctx, &catalog, options.import_unmatched, false, progress).await?;
    let mut plan = ProductPlan {
        shop: ctx.shop.domain.clone(),
        selection: catalog.selection.clone(),
        price_list: catalog.settings.price_list.clone(),
        rules: rules(&catalog.settings),
        ..ProductPlan::default()
    };
    for link in &matching.links {
        plan.links.push(PlannedLink {
            item: link.number.clone(),
            product_id: link.product_id.clone(),
            product_title: link.product_title.clone(),
            variants_matched: link.variants.len(),
            admin_url: ctx.admin_url(&link.product_id),
        });
    }
    for import in &matching.imports {
        plan.imports.push(PlannedImport {
            item: import.item.number.clone(),
            title: import.item.name.clone(),
            product_id: import.product_id.clone(),
            skus: import.item.variants.iter().map(|v| v.sku.clone()).collect(),
        });
    }
    let links = std::mem::take(&mut matching.links);
    catalog.add_links(
        links
            .iter()
            .map(|l| ProductLink {
                item_id: l.item_id,
                shopify_product_id: l.product_id.clone(),
                last_hash: None,
                synced_at: None,
            })
            .collect(),
        links.iter().flat_map(|l| l.variants.clone()).collect(),
    );
    let work = Work::decide(&catalog, &matching.problems);
    plan.unchanged = work.unchanged.len() as u64;
    plan.problems = work.problems;
    plan.archived_not_created = work.archived;

    // What Shopify holds now, for the products that would change.
    let wanted: Vec<&str> = work.actions.iter().filter_map(|a| a.product_id.as_deref()).collect();
    progress.phase("reading Shopify products", Some(wanted.len() as u64));
    let mut current = std::mem::take(&mut matching.products);
    let missing: Vec<&str> = wanted.iter().copied().filter(|id| !current.contains_key(*id)).collect();
    for chunk in missing.chunks(IDS_PER_SEARCH) {
        for product in read_products(ctx, chunk).await? {
            current.insert(product.id.0.clone(), product);
        }
        progress.advance(chunk.len() as u64);
    }
    for action in &work.actions {
        let desired = &action.desired;
        match &action.product_id {
            None => plan.creates.push(PlannedCreate {
                item: desired.number.clone(),
                title: desired.title.clone(),
                status: desired.status.to_string(),
                handle: desired.handle(),
                variants: desired
                    .variants
                    .iter()
                    .map(|v| {
                        let price = v.price.map(money_text).unwrap_or_else(|| "no price".into());
                        if v.option_values == [DEFAULT_OPTION_VALUE] {
                            format!("{} {price}", v.sku)
                        } else {
                            format!("{} ({}) {price}", v.sku, v.option_values.join(" / "))
                        }
                    })
                    .collect(),
                images: if catalog.settings.sync_images { desired.images.len() } else { 0 },
            }),
            Some(id) => match current.get(id) {
                Some(product) => {
                    let (changes, mut notes) =
                        product_changes(desired, product, &catalog.variant_links, &catalog.settings);
                    if changes.is_empty() {
                        notes.insert(0, "no differences: sent once to record what Shopify holds".into());
                    }
                    plan.updates.push(PlannedUpdate {
                        item: desired.number.clone(),
                        title: desired.title.clone(),
                        product_id: id.clone(),
                        admin_url: ctx.admin_url(id),
                        changes,
                        notes,
                    });
                }
                None => plan.problems.push(deleted_in_shopify(&desired.number, id)),
            },
        }
    }
    Ok(plan)
}

/// The selection with what the flow needs of it.
pub(super) struct Catalog {
    pub(super) items: Vec<Item>,
    selection: String,
    pub(super) prices: HashMap<String, Price>,
    pub(super) settings: PayloadSettings,
    pub(super) product_links: HashMap<i64, ProductLink>,
    pub(super) variant_links: HashMap<i64, VariantLink>,
}

impl Catalog {
    pub(super) async fn load(ctx: &ShopContext, options: &ProductSyncOptions) -> Result<Catalog, SyncError> {
        let store = ctx.store();
        let price_list = resolve_price_list(ctx).await?;
        let (marked, selection) = if !options.items.is_empty() {
            let missing = store.missing_item_numbers(&options.items).await?;
            if !missing.is_empty() {
                return Err(SyncError::Invalid(format!(
                    "there is no item {} in the back office (item numbers, not SKUs)",
                    missing.join(", ")
                )));
            }
            (None, format!("items {}", options.items.join(", ")))
        } else {
            match ctx.settings.item_selection {
                ItemSelection::All => (None, "all items".to_string()),
                ItemSelection::Marked => (Some(true), "items marked for synchronization".to_string()),
            }
        };
        let mut items = Vec::new();
        let mut after = None;
        loop {
            let query = ItemQuery {
                numbers: options.items.clone(),
                marked,
                after: after.clone(),
                limit: Some(ITEM_PAGE),
                ..ItemQuery::default()
            };
            let page = store.items(&query).await?;
            let full = page.len() == ITEM_PAGE as usize;
            after = page.last().map(|item| item.number.clone());
            items.extend(page);
            if !full {
                break;
            }
        }
        let prices = match &price_list {
            Some(code) => store.prices(code, &[]).await?.into_iter().map(|p| (p.sku.clone(), p)).collect(),
            None => HashMap::new(),
        };
        let shop_id = ctx.shop.id;
        Ok(Catalog {
            items,
            selection,
            prices,
            settings: PayloadSettings::new(&ctx.settings, price_list),
            product_links: store.product_links(shop_id).await?.into_iter().map(|l| (l.item_id, l)).collect(),
            variant_links: store.variant_links(shop_id).await?.into_iter().map(|l| (l.variant_id, l)).collect(),
        })
    }

    fn add_links(&mut self, products: Vec<ProductLink>, variants: Vec<VariantLink>) {
        self.product_links.extend(products.into_iter().map(|l| (l.item_id, l)));
        self.variant_links.extend(variants.into_iter().map(|l| (l.variant_id, l)));
    }
}

/// The shop's price list: the one its setting names, else the only one there is.
async fn resolve_price_list(ctx: &ShopContext) -> Result<Option<String>, SyncError> {
    let store = ctx.store();
    let shop = &ctx.shop.domain;
    match &ctx.settings.price_list {
        Some(code) => match store.price_list(code).await? {
            Some(list) => Ok(Some(list.code)),
            None => Err(SyncError::NeedsSetting {
                shop: shop.clone(),
                key: "price-list",
                message: format!(
                    "the price list {code} that {shop} sells at does not exist; import its prices (a prices file \
                     for the price list {code}, with its currency) or choose another price list"
                ),
            }),
        },
        None => {
            let lists = store.price_lists().await?;
            match lists.as_slice() {
                [] => Ok(None),
                [only] => Ok(Some(only.code.clone())),
                several => {
                    let codes: Vec<&str> = several.iter().map(|l| l.code.as_str()).collect();
                    Err(SyncError::NeedsSetting {
                        shop: shop.clone(),
                        key: "price-list",
                        message: format!(
                            "there are {} price lists ({}) and {shop} has no price-list setting, so shopsync \
                             cannot tell which prices to send",
                            several.len(),
                            codes.join(", ")
                        ),
                    })
                }
            }
        }
    }
}

/// The first-time link: what was found in Shopify for the items without a product link.
struct Matching {
    links: Vec<NewLink>,
    problems: Vec<Problem>,
    imports: Vec<ImportedProduct>,
    /// Every Shopify product, by id, when the catalog was read in full (by a bulk query).
    products: HashMap<String, Product>,
    /// How Shopify's catalog was read.
    read: CatalogRead,
}

impl Matching {
    async fn find(
        ctx: &ShopContext,
        catalog: &Catalog,
        import_unmatched: bool,
        persist: bool,
        progress: &dyn Progress,
    ) -> Result<Matching, SyncError> {
        let unlinked: Vec<&Item> =
            catalog.items.iter().filter(|item| !catalog.product_links.contains_key(&item.id)).collect();
        let linked_products: HashSet<String> =
            catalog.product_links.values().map(|l| l.shopify_product_id.clone()).collect();
        let now = shopsync_core::time::now_text();
        let mut matching = Matching {
            links: Vec::new(),
            problems: Vec::new(),
            imports: Vec::new(),
            products: HashMap::new(),
            read: CatalogRead::None,
        };
        let skus: Vec<String> = unlinked.iter().flat_map(|item| item.variants.iter().map(|v| v.sku.clone())).collect();
        let cursor = ctx.store().cursor(ctx.shop.id, link::OBJECT).await?.unwrap_or_default();
        matching.read = CatalogRead::choose(import_unmatched, &cursor, skus.len());
        let index: SkuIndex = match matching.read {
            CatalogRead::None => SkuIndex::new(),
            CatalogRead::SkuSearch => {
                progress.phase("matching SKUs in Shopify", Some(skus.len() as u64));
                link::search_skus(ctx.client(), &skus, progress).await?
            }
            CatalogRead::Bulk => {
                let products = link::bulk_read_products(ctx, persist, progress).await?;
                let index = link::index_products(&products);
                if import_unmatched {
                    let all_skus: Vec<String> = index.keys().cloned().collect();
                    let known: HashSet<String> = ctx
                        .store()
                        .variants_by_skus(&all_skus)
                        .await?
                        .into_iter()
                        .map(|owner| owner.variant.sku)
                        .collect();
                    let mark = ctx.settings.item_selection == ItemSelection::Marked;
                    let candidates: Vec<Product> =
                        products.iter().filter(|p| !linked_products.contains(p.id.as_str())).cloned().collect();
                    let taken = taken_numbers(ctx, &candidates).await?;
                    let (imports, problems) = link::unmatched_products(&candidates, &known, &taken, mark);
                    matching.imports = imports;
                    matching.problems.extend(problems);
                }
                matching.products = products.into_iter().map(|p| (p.id.0.clone(), p)).collect();
                index
            }
        };
        let (links, problems) = link::match_items(&unlinked, &index, &linked_products, &now);
        matching.links = links;
        matching.problems.extend(problems);
        Ok(matching)
    }
}

/// Item numbers the store already uses among the ones imported products would get.
async fn taken_numbers(ctx: &ShopContext, products: &[Product]) -> Result<HashSet<String>, SyncError> {
    let mut candidates: Vec<String> = Vec::new();
    for product in products {
        let base = super::payload::handleize(&product.handle);
        candidates.push(base.clone());
        candidates.extend((2..=5).map(|n| format!("{base}-{n}")));
    }
    let missing: HashSet<String> = ctx.store().missing_item_numbers(&candidates).await?.into_iter().collect();
    Ok(candidates.into_iter().filter(|c| !missing.contains(c)).collect())
}

/// Writes imported Shopify products into the back office as items, with their prices, linked and with the
/// hash of what Shopify holds (so the next sync sends nothing for them). Returns how many were imported.
async fn import(ctx: &ShopContext, catalog: &Catalog, imports: &[ImportedProduct]) -> Result<u64, SyncError> {
    let store = ctx.store();
    let items: Vec<_> = imports.iter().map(|i| i.item.clone()).collect();
    store.upsert_items(&items).await?;
    let mut prices = HashMap::new();
    if let Some(list) = &catalog.settings.price_list {
        let inputs: Vec<_> = imports.iter().flat_map(|i| i.prices.clone()).collect();
        let list_input = PriceListInput { code: list.clone(), name: None, currency: None };
        store.upsert_prices(&list_input, &inputs).await?;
        let skus: Vec<String> = inputs.iter().map(|p| p.sku.clone()).collect();
        prices = store.prices(list, &skus).await?.into_iter().map(|p| (p.sku.clone(), p)).collect();
    }
    let numbers: Vec<String> = imports.iter().map(|i| i.item.number.clone()).collect();
    let stored = store.items(&ItemQuery { numbers, ..ItemQuery::default() }).await?;
    let by_number: HashMap<&str, &Item> = stored.iter().map(|i| (i.number.as_str(), i)).collect();
    let now = shopsync_core::time::now_text();
    let mut product_links = Vec::new();
    let mut variant_links = Vec::new();
    for import in imports {
        let Some(item) = by_number.get(import.item.number.as_str()) else { continue };
        let desired = DesiredProduct::from_item(item, &prices, &catalog.settings);
        product_links.push(ProductLink {
            item_id: item.id,
            shopify_product_id: import.product_id.clone(),
            last_hash: Some(desired.hash(&catalog.settings)),
            synced_at: Some(now.clone()),
        });
        for variant in &item.variants {
            let Some((variant_id, inventory_item)) = import.variants.get(&variant.sku) else { continue };
            let price = prices.get(&variant.sku);
            variant_links.push(VariantLink {
                variant_id: variant.id,
                shopify_variant_id: variant_id.clone(),
                shopify_product_id: import.product_id.clone(),
                shopify_inventory_item_id: Some(inventory_item.clone()),
                last_price: price.map(|p| p.price.clone()),
                last_compare_at_price: price.and_then(|p| p.compare_at_price.clone()),
                linked_at: now.clone(),
            });
        }
    }
    store.save_product_links(ctx.shop.id, &product_links).await?;
    store.save_variant_links(ctx.shop.id, &variant_links).await?;
    Ok(product_links.len() as u64)
}

/// One product to send.
pub(super) struct Action {
    pub desired: DesiredProduct,
    pub hash: String,
    /// The linked product; `None` creates one.
    pub product_id: Option<String>,
}

/// What the selection needs: products to send, unchanged ones (by item number), problems.
struct Work {
    actions: Vec<Action>,
    unchanged: Vec<String>,
    archived: Vec<String>,
    problems: Vec<Problem>,
}

impl Work {
    fn decide(catalog: &Catalog, link_problems: &[Problem]) -> Work {
        let mut work =
            Work { actions: Vec::new(), unchanged: Vec::new(), archived: Vec::new(), problems: link_problems.to_vec() };
        let refused: HashSet<&str> =
            link_problems.iter().filter(|p| p.object == objects::ITEM).map(|p| p.key.as_str()).collect();
        for item in &catalog.items {
            if refused.contains(item.number.as_str()) {
                continue;
            }
            if item.variants.is_empty() {
                work.problems.push(Problem::new(
                    objects::ITEM,
                    &item.number,
                    "NO_VARIANTS",
                    "the item has no variant, and a Shopify product needs at least one; import it with a SKU",
                ));
                continue;
            }
            let link = catalog.product_links.get(&item.id);
            if link.is_none() && item.status == ItemStatus::Archived {
                work.archived.push(item.number.clone());
                continue;
            }
            let desired = DesiredProduct::from_item(item, &catalog.prices, &catalog.settings);
            let unpriced: Vec<&str> = desired
                .variants
                .iter()
                .filter(|v| v.price.is_none() && !catalog.variant_links.contains_key(&v.variant_id))
                .map(|v| v.sku.as_str())
                .collect();
            if !unpriced.is_empty() {
                let message = match &catalog.settings.price_list {
                    Some(list) => format!(
                        "{} has no price in the price list {list}, and a new Shopify variant needs one; import it \
                         (a prices file for the price list {list})",
                        unpriced.join(", ")
                    ),
                    None => format!(
                        "{} has no price: there is no price list yet; import one (a prices file with the price \
                         list's code and currency)",
                        unpriced.join(", ")
                    ),
                };
                work.problems.push(Problem::new(objects::ITEM, &item.number, "MISSING_PRICE", message));
                continue;
            }
            let hash = desired.hash(&catalog.settings);
            if link.and_then(|l| l.last_hash.as_deref()) == Some(hash.as_str()) {
                work.unchanged.push(item.number.clone());
                continue;
            }
            work.actions.push(Action { desired, hash, product_id: link.map(|l| l.shopify_product_id.clone()) });
        }
        work
    }
}

/// What became of one `productSet`.
pub(super) enum Outcome {
    Accepted {
        number: String,
        created: bool,
        /// Why a product created now is in no sales channel.
        unpublished: Option<Problem>,
        product: ProductLink,
        variants: Vec<VariantLink>,
    },
    Refused {
        problems: Vec<Problem>,
    },
    /// The linked product was deleted in Shopify; its link goes.
    Deleted {
        item_id: i64,
        problem: Problem,
    },
}

async fn send(
    ctx: &ShopContext,
    catalog: &Catalog,
    action: &Action,
    publications: &[Gid],
) -> Result<Outcome, SyncError> {
    let (variables, prices_sent): (ProductSetVariables, Vec<bool>) =
        product_set_variables(&action.desired, action.product_id.as_deref(), &catalog.variant_links, &catalog.settings);
    let sent = SentProduct::new(action, &prices_sent, &catalog.variant_links);
    let reply = ctx.client().execute_allowing_user_errors::<ProductSet>(&variables).await?;
    let mut outcome = outcome(ctx, &sent, reply.data.product_set, reply.request_id).await?;
    if let Outcome::Accepted { created: true, unpublished, product, .. } = &mut outcome {
        *unpublished = super::publish::publish(ctx, &sent.number, &product.shopify_product_id, publications).await;
    }
    Ok(outcome)
}

/// What was sent for one product, as much as recording Shopify's answer needs: kept in the store for a bulk
/// write (so a later run records exactly what was sent, whatever changed since in the back office).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub(super) struct SentProduct {
    pub item_id: i64,
    pub number: String,
    /// The linked product updated; `None` for a create.
    pub product_id: Option<String>,
    /// The content hash of what was sent, stored once Shopify accepts it.
    pub hash: String,
    /// In the order of the payload's variants (a `userErrors` path names them by index).
    pub variants: Vec<SentVariant>,
}

/// A variant as sent: the prices its link keeps once Shopify accepts the product.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub(super) struct SentVariant {
    pub variant_id: i64,
    pub sku: String,
    /// The price sent, or the one last sent when this payload held none.
    pub last_price: Option<String>,
    pub last_compare_at_price: Option<String>,
    /// When its link was made, for a variant linked before.
    pub linked_at: Option<String>,
}

impl SentProduct {
    pub(super) fn new(action: &Action, prices_sent: &[bool], links: &HashMap<i64, VariantLink>) -> SentProduct {
        let desired = &action.desired;
        let variants = desired
            .variants
            .iter()
            .zip(prices_sent)
            .map(|(variant, price_sent)| {
                let previous = links.get(&variant.variant_id);
                let (last_price, last_compare_at_price) = if *price_sent {
                    (variant.price.map(money_text), variant.compare_at_price.map(money_text))
                } else {
                    (
                        previous.and_then(|l| l.last_price.clone()),
                        previous.and_then(|l| l.last_compare_at_price.clone()),
                    )
                };
                SentVariant {
                    variant_id: variant.variant_id,
                    sku: variant.sku.clone(),
                    last_price,
                    last_compare_at_price,
                    linked_at: previous.map(|l| l.linked_at.clone()),
                }
            })
            .collect();
        SentProduct {
            item_id: desired.item_id,
            number: desired.number.clone(),
            product_id: action.product_id.clone(),
            hash: action.hash.clone(),
            variants,
        }
    }
}

/// What Shopify's `productSet` answer (`payload`) makes of a product sent: links with the hash sent, Shopify's
/// reasons as skipped records, or the link removed when the linked product was deleted in Shopify. The same
/// for a direct call and for a line of a bulk mutation. New products are not published here.
pub(super) async fn outcome(
    ctx: &ShopContext,
    sent: &SentProduct,
    payload: Option<ProductSetPayload>,
    request_id: Option<String>,
) -> Result<Outcome, SyncError> {
    let errors: Vec<UserError> = payload.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default();
    if !errors.is_empty() {
        if let Some(id) = &sent.product_id
            && errors.iter().any(|e| e.code.as_deref() == Some("PRODUCT_DOES_NOT_EXIST"))
        {
            return Ok(Outcome::Deleted { item_id: sent.item_id, problem: deleted_in_shopify(&sent.number, id) });
        }
        let problems = errors
            .iter()
            .map(|error| {
                let sku = variant_index(error).and_then(|i| sent.variants.get(i)).map(|v| format!("variant {}", v.sku));
                Problem::from_user_error(objects::ITEM, &sent.number, error, sku.as_deref())
            })
            .collect();
        return Ok(Outcome::Refused { problems });
    }
    let Some(product) = payload.and_then(|p| p.product) else {
        return Err(SyncError::Shopify(AdminError::Decode {
            operation: "ProductSet".into(),
            message: "Shopify accepted the product but returned neither the product nor an error".into(),
            request_id,
        }));
    };
    let mut shopify_variants: Vec<(Option<String>, String, String)> =
        product.variants.nodes.iter().map(|v| (v.sku.clone(), v.id.0.clone(), v.inventory_item.id.0.clone())).collect();
    if product.variants.is_truncated() {
        let variables = ProductVariantsOfProductVariables {
            product_id: product.id.clone(),
            after: product.variants.page_info.end_cursor.clone(),
        };
        for v in ctx.client().collect_all::<ProductVariantsOfProduct>(variables).await? {
            shopify_variants.push((v.sku.clone(), v.id.0.clone(), v.inventory_item.id.0.clone()));
        }
    }
    let by_sku: HashMap<&str, (&str, &str)> = shopify_variants
        .iter()
        .filter_map(|(sku, id, item)| Some((sku.as_deref()?, (id.as_str(), item.as_str()))))
        .collect();
    let now = shopsync_core::time::now_text();
    let mut variants = Vec::new();
    for variant in &sent.variants {
        let Some((id, inventory_item)) = by_sku.get(variant.sku.as_str()) else { continue };
        variants.push(VariantLink {
            variant_id: variant.variant_id,
            shopify_variant_id: id.to_string(),
            shopify_product_id: product.id.0.clone(),
            shopify_inventory_item_id: Some(inventory_item.to_string()),
            last_price: variant.last_price.clone(),
            last_compare_at_price: variant.last_compare_at_price.clone(),
            linked_at: variant.linked_at.clone().unwrap_or_else(|| now.clone()),
        });
    }
    Ok(Outcome::Accepted {
        number: sent.number.clone(),
        created: sent.product_id.is_none(),
        unpublished: None,
        product: ProductLink {
            item_id: sent.item_id,
            shopify_product_id: product.id.0,
            last_hash: Some(sent.hash.clone()),
            synced_at: Some(now),
        },
        variants,
    })
}

/// The settings that shape every product, as a person reads them.
fn rules(settings: &PayloadSettings) -> Vec<String> {
    let on_off = |on: bool| if on { "on" } else { "off" };
    vec![
        if settings.sync_description {
            "descriptions: sent (sync-description on)".to_string()
        } else {
            "descriptions: not sent, Shopify's are kept (sync-description off)".to_string()
        },
        match (settings.sync_images, settings.overwrite_images) {
            (false, _) => "images: not sent (sync-images off)".to_string(),
            (true, false) => "images: sent with new products only (overwrite-images off)".to_string(),
            (true, true) => "images: sent with new products and replace existing products' images \
                             (overwrite-images on)"
                .to_string(),
        },
        format!(
            "prices: {} (price-only-when-changed {})",
            if settings.price_only_when_changed {
                "sent when they changed in the back office since last sent"
            } else {
                "sent with every create and update"
            },
            on_off(settings.price_only_when_changed)
        ),
    ]
}

fn note_archived(summary: &mut FlowSummary, count: usize) {
    if count > 0 {
        summary.notes.insert("archived items not in Shopify, not created".into(), count.to_string());
    }
}

/// The variant a `userErrors` path points at (`input.variants.3.price`).
fn variant_index(error: &UserError) -> Option<usize> {
    let path = error.field.as_ref()?;
    let at = path.iter().position(|part| part == "variants")?;
    path.get(at + 1)?.parse().ok()
}

fn deleted_in_shopify(number: &str, product_id: &str) -> Problem {
    Problem::new(
        objects::ITEM,
        number,
        "PRODUCT_DOES_NOT_EXIST",
        format!(
            "the Shopify product {product_id} this item was linked to was deleted in Shopify; the link is removed \
             and the next sync creates the product again (unmark the item to keep it out of Shopify)"
        ),
    )
}

/// Accepted products waiting to be stored.
#[derive(Default)]
pub(super) struct Pending {
    products: Vec<ProductLink>,
    variants: Vec<VariantLink>,
    synced: Vec<String>,
    deleted: Vec<i64>,
}

impl Pending {
    pub(super) fn len(&self) -> usize {
        self.products.len() + self.deleted.len()
    }

    pub(super) fn add(&mut self, outcome: Outcome, summary: &mut FlowSummary, problems: &mut Vec<Problem>) {
        match outcome {
            Outcome::Accepted { number, created, unpublished, product, variants } => {
                problems.extend(unpublished);
                if created {
                    summary.created += 1;
                } else {
                    summary.updated += 1;
                }
                self.products.push(product);
                self.variants.extend(variants);
                self.synced.push(number);
            }
            Outcome::Refused { problems: refused } => problems.extend(refused),
            Outcome::Deleted { item_id, problem } => {
                self.deleted.push(item_id);
                problems.push(problem);
            }
        }
    }

    pub(super) async fn save(&mut self, ctx: &ShopContext) -> Result<(), SyncError> {
        let store = ctx.store();
        let shop_id = ctx.shop.id;
        store.save_product_links(shop_id, &self.products).await?;
        store.save_variant_links(shop_id, &self.variants).await?;
        store.clear_skipped(shop_id, objects::ITEM, &self.synced).await?;
        for item_id in &self.deleted {
            store.remove_product_link(shop_id, *item_id).await?;
        }
        // No stock is assumed for a variant Shopify just created: it is stocked at none of the mapped locations yet,
        // so the inventory sync reads it and sets every mapped location, a quantity of 0 included (since 2026-10
        // setting a quantity stocks the item at the location).
        *self = Pending::default();
        Ok(())
    }
}

/// Reads products by id (a search of `id:` terms), with all their variants.
async fn read_products(ctx: &ShopContext, ids: &[&str]) -> Result<Vec<Product>, SyncError> {
    let terms: Vec<String> =
        ids.iter().filter_map(|id| Gid::new(*id).numeric_id()).map(|n| format!("id:{n}")).collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut products =
        ctx.client().collect_all::<ProductsPage>(SearchPageVariables::matching(terms.join(" OR "))).await?;
    for product in &mut products {
        link::complete_variants(ctx.client(), product).await?;
    }
    Ok(products)
}
