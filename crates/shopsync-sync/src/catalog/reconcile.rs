//! Reconciliation: what Shopify holds of the catalog against what the back office says it should hold.
//!
//! Shopify's side is read by one bulk query (`VARIANT_STOCK_BULK_QUERY`: every variant with its price, its product
//! and its `available` quantity per location), a few points whatever the catalog's size. The back office's side is
//! what the catalog push sends: the shop's selection of items, its price list's prices, and the stock of the
//! warehouses the location map names. Every difference is reported by kind ([`Kind`]).
//!
//! With `fix`, what the back office is the source of goes back through the existing paths, never a second push:
//! products missing in Shopify and products whose prices differ through [`sync_products`] (limited to those
//! items, their stored content hash and last sent prices forgotten so the push does not skip them), quantities
//! through [`sync_inventory`] (told the quantity Shopify really holds, so it sends the back office's with
//! `changeFromQuantity` from there). Shopify is then read again and each difference marked `fixed` or `not-fixed`
//! by what it holds now. A broken link (the linked product deleted in Shopify) and a product missing in the back
//! office are reported, not fixed: which side is right there is a person's decision (`links`, `items import`).

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use shopify_admin::ops::products::{StockVariant, VARIANT_STOCK_BULK_QUERY};
use shopify_admin::{AdminError, BulkGrouping, BulkLimits};
use shopsync_store::{InventoryState, ItemStatus, ReconcileDifference};

use super::inventory::{InventorySyncOptions, sync_inventory};
use super::payload::{DesiredProduct, money_text};
use super::products::{Catalog, ProductSyncOptions, sync_products};
use crate::{Progress, ShopContext, SyncError};

/// The kinds of difference, by the name the store and `--json` carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A back-office item (or variant) of the selection with no product (variant) in Shopify.
    MissingInShopify,
    /// A Shopify product no back-office item is linked to (and not marked as shipped outside).
    MissingInBackOffice,
    /// A linked variant's price is not the price list's.
    PriceDiffers,
    /// A tracked variant's available quantity at a mapped location is not the warehouse's stock.
    QuantityDiffers,
    /// The linked product or variant is no longer in Shopify.
    LinkBroken,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::MissingInShopify,
        Kind::MissingInBackOffice,
        Kind::PriceDiffers,
        Kind::QuantityDiffers,
        Kind::LinkBroken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MissingInShopify => "missing-in-shopify",
            Kind::MissingInBackOffice => "missing-in-back-office",
            Kind::PriceDiffers => "price-differs",
            Kind::QuantityDiffers => "quantity-differs",
            Kind::LinkBroken => "link-broken",
        }
    }

    /// Whether `--fix` sends the back office's value for this kind (the back office is the source of it).
    pub fn fixable(self) -> bool {
        matches!(self, Kind::MissingInShopify | Kind::PriceDiffers | Kind::QuantityDiffers)
    }
}

/// The status of a difference: found by a report, or how a fix ended.
pub mod status {
    /// Found; no fix was asked for.
    pub const OPEN: &str = "open";
    /// Fixed: Shopify, read again after the fix, holds the back office's value.
    pub const FIXED: &str = "fixed";
    /// A fix was sent and Shopify still differs (the push's skipped records say why).
    pub const NOT_FIXED: &str = "not-fixed";
    /// Not a kind reconcile fixes (a broken link, a product only Shopify has): a person decides.
    pub const LEFT: &str = "left";
}

/// A difference with what the fix needs to find its records again.
#[derive(Debug, Clone)]
struct Found {
    kind: Kind,
    key: String,
    shopify_id: Option<String>,
    back_office: Option<String>,
    shopify: Option<String>,
    /// The item to push again (missing product, price).
    item_number: Option<String>,
}

impl Found {
    fn record(&self, status: &str) -> ReconcileDifference {
        ReconcileDifference {
            kind: self.kind.as_str().to_string(),
            key: self.key.clone(),
            shopify_id: self.shopify_id.clone(),
            back_office: self.back_office.clone(),
            shopify: self.shopify.clone(),
            status: status.to_string(),
        }
    }
}

/// Reads Shopify and the back office, and returns every difference; with `fix`, fixes what the back office is the
/// source of and returns each difference with how it ended.
pub async fn reconcile(
    ctx: &ShopContext,
    fix: bool,
    progress: &dyn Progress,
) -> Result<Vec<ReconcileDifference>, SyncError> {
    ctx.require_outgoing()?;
    if fix {
        ctx.require_writes()?;
    }
    let (found, seen) = compare(ctx, progress).await?;
    if !fix || !found.iter().any(|f| f.kind.fixable()) {
        let status = if fix { status::LEFT } else { status::OPEN };
        return Ok(found.iter().map(|f| f.record(if f.kind.fixable() { status::OPEN } else { status })).collect());
    }
    send_fixes(ctx, &found, &seen, progress).await?;
    // What Shopify holds now says what was fixed: a difference still found is not.
    let after: HashSet<(Kind, String)> = compare(ctx, progress).await?.0.into_iter().map(|f| (f.kind, f.key)).collect();
    Ok(found
        .iter()
        .map(|f| {
            let status = if !f.kind.fixable() {
                status::LEFT
            } else if after.contains(&(f.kind, f.key.clone())) {
                status::NOT_FIXED
            } else {
                status::FIXED
            };
            f.record(status)
        })
        .collect())
}

/// Sends the back office's values through the catalog push and the inventory push.
async fn send_fixes(
    ctx: &ShopContext,
    found: &[Found],
    seen: &[InventoryState],
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let store = ctx.store();
    let mut items: Vec<String> = found
        .iter()
        .filter(|f| matches!(f.kind, Kind::MissingInShopify | Kind::PriceDiffers))
        .filter_map(|f| f.item_number.clone())
        .collect();
    items.sort();
    items.dedup();
    if !items.is_empty() {
        // The push skips a product whose content hash is unchanged and, with price-only-when-changed, a price
        // equal to the last sent: both describe what was sent, not what Shopify holds now, so they are forgotten
        // for the items to fix.
        let catalog = Catalog::load(ctx, &ProductSyncOptions { items: items.clone(), ..Default::default() }).await?;
        let mut product_links = Vec::new();
        let mut variant_links = Vec::new();
        for item in &catalog.items {
            if let Some(link) = catalog.product_links.get(&item.id) {
                product_links.push(shopsync_store::ProductLink { last_hash: None, ..link.clone() });
            }
            for variant in &item.variants {
                if let Some(link) = catalog.variant_links.get(&variant.id) {
                    variant_links.push(shopsync_store::VariantLink {
                        last_price: None,
                        last_compare_at_price: None,
                        ..link.clone()
                    });
                }
            }
        }
        store.save_product_links(ctx.shop.id, &product_links).await?;
        store.save_variant_links(ctx.shop.id, &variant_links).await?;
        sync_products(ctx, &ProductSyncOptions { items, ..Default::default() }, progress).await?;
    }
    if found.iter().any(|f| f.kind == Kind::QuantityDiffers) {
        // The inventory push sends only where the back office differs from the quantity Shopify last accepted,
        // and reads Shopify's quantity first where it knows none. Told every quantity the bulk query just read,
        // it reads nothing (on 2,000 products / 10,000 SKUs never pushed before, that read was 36,000 points and
        // six minutes) and sends the back office's quantity with changeFromQuantity from what Shopify holds.
        store.save_inventory_states(ctx.shop.id, seen).await?;
        sync_inventory(ctx, &InventorySyncOptions::default(), progress).await?;
    }
    Ok(())
}

/// One read of both sides: their differences in a stable order (by kind, then key), and the quantity Shopify holds
/// of every compared SKU stocked at a mapped location.
async fn compare(ctx: &ShopContext, progress: &dyn Progress) -> Result<(Vec<Found>, Vec<InventoryState>), SyncError> {
    let variants = read_shopify(ctx, progress).await?;
    let catalog = Catalog::load(ctx, &ProductSyncOptions::default()).await?;
    let store = ctx.store();

    let by_id: HashMap<&str, &StockVariant> = variants.iter().map(|v| (v.id.as_str(), v)).collect();
    let products: HashSet<&str> = variants.iter().map(|v| v.product.id.as_str()).collect();
    let mut stock: Vec<(String, String, HashMap<String, i64>)> = Vec::new();
    for map in &ctx.settings.location_map {
        let levels = store.stock(&map.warehouse, &[]).await?;
        stock.push((
            map.warehouse.clone(),
            map.location.clone(),
            levels.into_iter().map(|l| (l.sku, l.quantity)).collect(),
        ));
    }

    let mut found = Vec::new();
    let mut seen = Vec::new();
    let mut linked_products: HashSet<String> = HashSet::new();
    let now = shopsync_core::time::now_text();
    for item in &catalog.items {
        let link = catalog.product_links.get(&item.id);
        if let Some(link) = link {
            linked_products.insert(link.shopify_product_id.clone());
        }
        for variant in &item.variants {
            if let Some(vlink) = catalog.variant_links.get(&variant.id) {
                linked_products.insert(vlink.shopify_product_id.clone());
            }
        }
        let Some(link) = link else {
            // An archived item never sent is not expected in Shopify (the push leaves it out too).
            if item.status != ItemStatus::Archived && !item.variants.is_empty() {
                found.push(Found {
                    kind: Kind::MissingInShopify,
                    key: item.number.clone(),
                    shopify_id: None,
                    back_office: Some(item.name.clone()),
                    shopify: None,
                    item_number: Some(item.number.clone()),
                });
            }
            continue;
        };
        if !products.contains(link.shopify_product_id.as_str()) {
            found.push(Found {
                kind: Kind::LinkBroken,
                key: item.number.clone(),
                shopify_id: Some(link.shopify_product_id.clone()),
                back_office: Some(item.name.clone()),
                shopify: None,
                item_number: Some(item.number.clone()),
            });
            continue;
        }
        let desired = DesiredProduct::from_item(item, &catalog.prices, &catalog.settings);
        let wanted: HashMap<i64, &super::payload::DesiredVariant> =
            desired.variants.iter().map(|v| (v.variant_id, v)).collect();
        for variant in &item.variants {
            let vlink = catalog.variant_links.get(&variant.id);
            let Some(current) = vlink.and_then(|l| by_id.get(l.shopify_variant_id.as_str())) else {
                let (kind, shopify_id) = match vlink {
                    Some(l) => (Kind::LinkBroken, Some(l.shopify_variant_id.clone())),
                    None => (Kind::MissingInShopify, None),
                };
                found.push(Found {
                    kind,
                    key: variant.sku.clone(),
                    shopify_id,
                    back_office: None,
                    shopify: None,
                    item_number: Some(item.number.clone()),
                });
                continue;
            };
            if let Some(price) = wanted.get(&variant.id).and_then(|w| w.price)
                && price != current.price
            {
                found.push(Found {
                    kind: Kind::PriceDiffers,
                    key: variant.sku.clone(),
                    shopify_id: Some(current.id.to_string()),
                    back_office: Some(money_text(price)),
                    shopify: Some(money_text(current.price)),
                    item_number: Some(item.number.clone()),
                });
            }
            if !item.inventory_tracked {
                continue;
            }
            for (warehouse, location, levels) in &stock {
                let Some(quantity) = levels.get(&variant.sku) else { continue };
                let desired = (*quantity).max(0);
                let held = current.available_at(location);
                if let Some(quantity) = held {
                    seen.push(InventoryState {
                        sku: variant.sku.clone(),
                        location_id: location.clone(),
                        quantity,
                        synced_at: now.clone(),
                    });
                }
                if held == Some(desired) {
                    continue;
                }
                found.push(Found {
                    kind: Kind::QuantityDiffers,
                    key: format!("{}@{warehouse}", variant.sku),
                    shopify_id: Some(current.inventory_item.id.to_string()),
                    back_office: Some(desired.to_string()),
                    shopify: Some(held.map_or_else(|| "not stocked".to_string(), |q| q.to_string())),
                    item_number: Some(item.number.clone()),
                });
            }
        }
    }

    // Shopify products no item is linked to, apart from those the shop ships outside the back office.
    let outside: HashSet<String> =
        store.outside_products(ctx.shop.id).await?.into_iter().map(|o| o.shopify_product_id).collect();
    let all_links: HashSet<String> =
        store.product_links(ctx.shop.id).await?.into_iter().map(|l| l.shopify_product_id).collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for variant in &variants {
        let id = variant.product.id.as_str();
        if linked_products.contains(id) || all_links.contains(id) || outside.contains(id) || !reported.insert(id) {
            continue;
        }
        found.push(Found {
            kind: Kind::MissingInBackOffice,
            key: variant.product.title.clone(),
            shopify_id: Some(id.to_string()),
            back_office: None,
            shopify: Some(format!("{:?}", variant.product.status).to_lowercase()),
            item_number: None,
        });
    }
    found.sort_by(|a, b| {
        let rank = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap_or(usize::MAX);
        rank(a.kind).cmp(&rank(b.kind)).then_with(|| a.key.cmp(&b.key))
    });
    Ok((found, seen))
}

/// Every Shopify variant with its price, product and quantities, through one bulk query.
async fn read_shopify(ctx: &ShopContext, progress: &dyn Progress) -> Result<Vec<StockVariant>, SyncError> {
    let client = ctx.client();
    progress.phase("waiting for Shopify's bulk export of variants and stock", None);
    let started = client.start_bulk_query(VARIANT_STOCK_BULK_QUERY, BulkGrouping::Grouped).await?;
    let finished = client.wait_for_bulk_operation(&started.id, &crate::orders::bulk_wait()).await?;
    progress.phase("reading Shopify variants", Some(finished.root_object_count));
    let mut variants = Vec::new();
    if let Some(url) = &finished.url {
        let mut objects = client.bulk_result_objects(url, BulkGrouping::Grouped, BulkLimits::default());
        while let Some(object) = objects.try_next().await? {
            let variant = StockVariant::from_bulk(object).map_err(|e| {
                SyncError::Shopify(AdminError::Decode {
                    operation: "variant stock bulk query".into(),
                    message: format!("a row of the bulk result is not a variant as reconcile reads it: {e}"),
                    request_id: None,
                })
            })?;
            variants.push(variant);
            progress.advance(1);
        }
    }
    Ok(variants)
}
