//! What a person does to a shop from a front-end other than a sync: change a setting, move a cursor back,
//! re-check orders now, link a Shopify variant to a back-office SKU. Each applies the same rules whichever
//! front-end asks (a setting is validated by [`ShopSettings::set`], as the CLI's `shop set` does).

use shopsync_core::ShopSettings;
use shopsync_core::order_errors::OrderErrorCode;
use shopsync_store::{JobTrigger, ProductLink, Shop, Store, VariantLink};

use crate::orders::{ReprocessReport, ReprocessTarget, reprocess_orders};
use crate::{Engine, NoProgress, ShopContext, SyncError};

/// A setting changed: its stored (normal) value, and how many held orders it sends to be checked again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    pub key: String,
    pub value: String,
    pub rechecked: u64,
}

/// Validates and stores one setting of `shop`; orders held by what the setting decides are marked to be checked
/// again at the next order sync.
pub async fn set_setting(store: &dyn Store, shop: &Shop, key: &str, value: &str) -> Result<SettingChange, SyncError> {
    let mut settings: ShopSettings = store.settings(shop.id).await?;
    let old = settings.clone();
    settings.set(key, value).map_err(|err| SyncError::Invalid(err.to_string()))?;
    let normal = settings.get(key).unwrap_or_else(|| value.to_string());
    store.save_setting(shop.id, key, &normal).await?;
    let rechecked = crate::orders::recheck_setting_change(store, shop.id, key, &old, &settings).await?;
    Ok(SettingChange { key: key.to_string(), value: normal, rechecked })
}

/// Moves the cursor of `object` (orders, customers or products) back to the start, or to `to` (a date or a
/// timestamp): the next sync of it reads again from there.
pub async fn reset_cursor(store: &dyn Store, shop: &Shop, object: &str, to: Option<&str>) -> Result<(), SyncError> {
    if !super::overview::CURSOR_OBJECTS.contains(&object) {
        return Err(SyncError::Invalid(format!(
            "`{object}` has no sync cursor; accepted: {}",
            super::overview::CURSOR_OBJECTS.join(", ")
        )));
    }
    let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => Some(parse_date_or_timestamp(text)?),
    };
    store.reset_cursor(shop.id, object, to.as_deref()).await?;
    Ok(())
}

fn parse_date_or_timestamp(text: &str) -> Result<String, SyncError> {
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return Ok(format!("{date}T00:00:00.000000Z"));
    }
    shopsync_core::time::normalize(text).map_err(|err| {
        SyncError::Invalid(format!("`{text}` is not a date (2026-01-31) or a timestamp (2026-01-31T08:00:00Z): {err}"))
    })
}

/// Reads the target orders from Shopify again and evaluates them now, as one job (`orders-reprocess`, trigger
/// manual). The report's summary is the job's.
pub async fn reprocess(
    engine: &Engine,
    shop: &ShopContext,
    target: &ReprocessTarget,
) -> Result<ReprocessReport, SyncError> {
    let mut report = None;
    let flow = async {
        let done = reprocess_orders(shop, target, &NoProgress).await?;
        let summary = done.summary.clone();
        report = Some(done);
        Ok(summary)
    };
    let summary = engine.run_job(shop, "orders-reprocess", JobTrigger::Manual, &NoProgress, flow).await?;
    let mut report = report.unwrap_or_default();
    report.summary = summary;
    Ok(report)
}

/// A Shopify variant linked to a back-office variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMade {
    pub item_number: String,
    pub sku: String,
    /// Held orders (PRODUCT_NOT_LINKED) marked to be checked again.
    pub rechecked: u64,
}

/// Links the Shopify variant `variant_id` of product `product_id` (global ids) to the back-office variant with
/// `sku`, as the product sync links by SKU; the Shopify product becomes the item's product. Refused when the
/// SKU is unknown or the item is already linked to another Shopify product (an item is one product). Orders
/// held because a line was not linked are marked to be checked again.
pub async fn link_variant(
    shop: &ShopContext,
    product_id: &str,
    variant_id: &str,
    sku: &str,
) -> Result<LinkMade, SyncError> {
    let store = shop.store();
    let shop_id = shop.shop.id;
    let sku = sku.trim();
    for (what, id, kind) in [("product", product_id, "Product"), ("variant", variant_id, "ProductVariant")] {
        if !id.starts_with(&format!("gid://shopify/{kind}/")) {
            return Err(SyncError::Invalid(format!(
                "`{id}` is not a Shopify {what} id (gid://shopify/{kind}/NUMBER); open the link from the order's \
                 problem, which carries it"
            )));
        }
    }
    let Some(owner) = store.variant_by_sku(sku).await? else {
        return Err(SyncError::Invalid(format!(
            "the back office has no variant with SKU `{sku}`: add the item first (import its CSV), then link"
        )));
    };
    if let Some(existing) = store.product_link(shop_id, owner.variant.item_id).await?
        && existing.shopify_product_id != product_id
    {
        return Err(SyncError::Invalid(format!(
            "item {} is already linked to the Shopify product {}: a back-office item is one Shopify product, so \
             link this variant to a SKU of the item that belongs to {product_id}",
            owner.item_number, existing.shopify_product_id
        )));
    }
    let now = shopsync_core::time::now_text();
    store
        .save_product_links(
            shop_id,
            &[ProductLink {
                item_id: owner.variant.item_id,
                shopify_product_id: product_id.to_string(),
                last_hash: None,
                synced_at: None,
            }],
        )
        .await?;
    store
        .save_variant_links(
            shop_id,
            &[VariantLink {
                variant_id: owner.variant.id,
                shopify_variant_id: variant_id.to_string(),
                shopify_product_id: product_id.to_string(),
                shopify_inventory_item_id: None,
                last_price: None,
                last_compare_at_price: None,
                linked_at: now,
            }],
        )
        .await?;
    let rechecked = crate::orders::recheck_linked_skus(shop).await?;
    Ok(LinkMade { item_number: owner.item_number, sku: owner.variant.sku, rechecked })
}

/// The reprocess target for orders held with `code`.
pub fn by_code(code: OrderErrorCode) -> ReprocessTarget {
    ReprocessTarget::Code { code, since: None, until: None }
}
