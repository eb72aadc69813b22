//! Product links as a person works with them: find a back-office variant or a Shopify product (by SKU, title, or a
//! pasted Shopify admin URL), link or unlink it, and mark a Shopify product as shipped outside the back office.
//!
//! The product sync links by SKU by itself; these are the cases it cannot decide: a Shopify variant whose SKU
//! differs from the back office's, a link that is wrong, and a product nobody in the back office ships (a supplier
//! ships it, or it is a service sold as a physical product). Every change that can release held orders marks them
//! to be checked again, as a link made by the product sync does.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shopsync_core::order_errors::{OrderErrorCode, OrderProblem};
use shopsync_store::catalog::{FilterCondition, FilterField, FilterOp};
use shopsync_store::{ItemFilter, ItemQuery, OrderFilter, OutsideProduct, Store};

use crate::{ShopContext, SyncError};

/// How many back-office items a search returns at most.
pub const SEARCH_LIMIT: u32 = 50;

/// A Shopify product, or one variant of it, as pasted by a person: a global id, or a Shopify admin URL
/// (`https://admin.shopify.com/store/NAME/products/123[/variants/456]` or
/// `https://NAME.myshopify.com/admin/products/123[/variants/456]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShopifyRef {
    /// `gid://shopify/Product/N`, when known (a bare variant id does not name its product).
    pub product_id: Option<String>,
    /// `gid://shopify/ProductVariant/N`, when the text names a variant.
    pub variant_id: Option<String>,
}

impl ShopifyRef {
    /// Reads a pasted reference; `None` when the text is not one (it is then searched as a SKU or title).
    pub fn parse(text: &str) -> Option<ShopifyRef> {
        let text = text.trim();
        let gid = |kind: &str, id: &str| -> Option<String> {
            (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| format!("gid://shopify/{kind}/{id}"))
        };
        if let Some(id) = text.strip_prefix("gid://shopify/Product/") {
            return Some(ShopifyRef { product_id: Some(gid("Product", id)?), variant_id: None });
        }
        if let Some(id) = text.strip_prefix("gid://shopify/ProductVariant/") {
            return Some(ShopifyRef { product_id: None, variant_id: Some(gid("ProductVariant", id)?) });
        }
        if !(text.starts_with("https://") || text.starts_with("http://")) {
            return None;
        }
        // Query and fragment are not part of the object's address.
        let path = text.split(['?', '#']).next().unwrap_or(text);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let at = segments.iter().position(|s| *s == "products")?;
        let product_id = gid("Product", segments.get(at + 1)?)?;
        let variant_id = match (segments.get(at + 2), segments.get(at + 3)) {
            (Some(&"variants"), Some(id)) => Some(gid("ProductVariant", id)?),
            _ => None,
        };
        Some(ShopifyRef { product_id: Some(product_id), variant_id })
    }
}

/// One back-office variant and its link in the shop, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRow {
    pub item_number: String,
    pub item_name: String,
    pub sku: String,
    pub shopify_product_id: Option<String>,
    pub shopify_variant_id: Option<String>,
    pub linked_at: Option<String>,
}

/// What a search found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkSearch {
    /// The pasted Shopify product or variant, when the search was one.
    pub shopify: Option<ShopifyRef>,
    /// Back-office variants that match (or that are linked to the pasted product), by item number and SKU.
    pub rows: Vec<LinkRow>,
    /// The pasted product is marked as shipped outside the back office.
    pub outside: Option<OutsideProduct>,
    /// More items matched than [`SEARCH_LIMIT`].
    pub truncated: bool,
}

/// Finds links: with a pasted Shopify reference, the back-office variants linked to it; with a text, the
/// back-office items whose SKU, number or title contains it, with each variant's link. An empty text lists every
/// linked variant of the shop.
pub async fn search(store: &dyn Store, shop_id: i64, text: &str) -> Result<LinkSearch, SyncError> {
    let text = text.trim();
    let links = store.variant_links(shop_id).await?;
    let link_of: HashMap<i64, &shopsync_store::VariantLink> = links.iter().map(|l| (l.variant_id, l)).collect();
    let mut search = LinkSearch::default();
    let mut items: BTreeMap<String, shopsync_store::Item> = BTreeMap::new();
    if let Some(shopify) = ShopifyRef::parse(text) {
        let wanted: Vec<i64> = links
            .iter()
            .filter(|l| {
                shopify.product_id.as_deref() == Some(l.shopify_product_id.as_str())
                    || shopify.variant_id.as_deref() == Some(l.shopify_variant_id.as_str())
            })
            .map(|l| l.variant_id)
            .collect();
        for item in store.items(&ItemQuery::default()).await? {
            if item.variants.iter().any(|v| wanted.contains(&v.id)) {
                items.insert(item.number.clone(), item);
            }
        }
        if let Some(product) = &shopify.product_id {
            search.outside =
                store.outside_products(shop_id).await?.into_iter().find(|p| &p.shopify_product_id == product);
        }
        search.shopify = Some(shopify);
    } else if text.is_empty() {
        let linked: Vec<i64> = links.iter().map(|l| l.variant_id).collect();
        for item in store.items(&ItemQuery::default()).await? {
            if item.variants.iter().any(|v| linked.contains(&v.id)) {
                items.insert(item.number.clone(), item);
            }
        }
    } else {
        for field in [FilterField::Sku, FilterField::Number, FilterField::Name] {
            let filter =
                ItemFilter { conditions: vec![FilterCondition { field, op: FilterOp::Contains, value: text.into() }] };
            let query = ItemQuery { filter, limit: Some(SEARCH_LIMIT + 1), ..ItemQuery::default() };
            for item in store.items(&query).await? {
                items.entry(item.number.clone()).or_insert(item);
            }
        }
    }
    search.truncated = items.len() > SEARCH_LIMIT as usize;
    for item in items.into_values().take(SEARCH_LIMIT as usize) {
        for variant in &item.variants {
            let link = link_of.get(&variant.id);
            if search.shopify.is_some() && link.is_none() {
                continue;
            }
            search.rows.push(LinkRow {
                item_number: item.number.clone(),
                item_name: item.name.clone(),
                sku: variant.sku.clone(),
                shopify_product_id: link.map(|l| l.shopify_product_id.clone()),
                shopify_variant_id: link.map(|l| l.shopify_variant_id.clone()),
                linked_at: link.map(|l| l.linked_at.clone()),
            });
        }
    }
    Ok(search)
}

/// What unlinking a SKU did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlinked {
    pub sku: String,
    pub shopify_variant_id: String,
}

/// Removes the link of the back-office variant with `sku` in the shop. The next product sync links it by SKU again
/// when Shopify has a variant with that SKU; orders are not touched (what was imported stays imported).
pub async fn unlink(store: &dyn Store, shop_id: i64, sku: &str) -> Result<Unlinked, SyncError> {
    let sku = sku.trim();
    let Some(owner) = store.variant_by_sku(sku).await? else {
        return Err(SyncError::Invalid(format!("the back office has no variant with SKU `{sku}`: check the SKU")));
    };
    let link = store.variant_links(shop_id).await?.into_iter().find(|l| l.variant_id == owner.variant.id);
    let Some(link) = link else {
        return Err(SyncError::Invalid(format!("SKU `{sku}` is not linked in this shop: there is nothing to unlink")));
    };
    store.remove_variant_links(shop_id, &[owner.variant.id]).await?;
    Ok(Unlinked { sku: owner.variant.sku, shopify_variant_id: link.shopify_variant_id })
}

/// What marking a product did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutsideMark {
    pub shopify_product_id: String,
    pub title: String,
    /// Whether the mark is on now.
    pub outside: bool,
    /// Whether anything changed.
    pub changed: bool,
    /// Held orders marked to be checked again (they wait for a line of this product).
    pub rechecked: u64,
}

/// Marks the Shopify product `product` (a global id or admin URL) as shipped outside the back office, or takes the
/// mark off. Its order lines are then left out of sales orders instead of holding the order; the orders held for a
/// line of it (PRODUCT_NOT_LINKED) are marked to be checked again. `title` names it; without one, the title a held
/// order gives its line, else the id.
pub async fn set_outside(
    shop: &ShopContext,
    product: &str,
    title: Option<&str>,
    outside: bool,
) -> Result<OutsideMark, SyncError> {
    let store = shop.store();
    let shop_id = shop.shop.id;
    let product_id = ShopifyRef::parse(product).and_then(|r| r.product_id).ok_or_else(|| {
        SyncError::Invalid(format!(
            "`{}` is not a Shopify product: paste the product's page address from Shopify admin \
             (…/products/NUMBER) or its id (gid://shopify/Product/NUMBER)",
            product.trim()
        ))
    })?;
    let held = held_for_product(store, shop_id, &product_id).await?;
    if !outside {
        let changed = store.set_outside_product(shop_id, &product_id, None).await?;
        return Ok(OutsideMark {
            shopify_product_id: product_id.clone(),
            title: product_id,
            outside,
            changed,
            rechecked: 0,
        });
    }
    let title = title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| held.iter().find_map(|(_, title)| title.clone()))
        .unwrap_or_else(|| product_id.clone());
    let changed = store.set_outside_product(shop_id, &product_id, Some(&title)).await?;
    let orders: Vec<String> = held.into_iter().map(|(order, _)| order).collect();
    let rechecked = store.request_reprocess(shop_id, &orders).await?;
    Ok(OutsideMark { shopify_product_id: product_id, title, outside, changed, rechecked })
}

/// The products a shop ships outside the back office.
pub async fn outside_products(store: &dyn Store, shop_id: i64) -> Result<Vec<OutsideProduct>, SyncError> {
    Ok(store.outside_products(shop_id).await?)
}

/// Orders held because a line of `product_id` is not linked, with that line's title.
async fn held_for_product(
    store: &dyn Store,
    shop_id: i64,
    product_id: &str,
) -> Result<Vec<(String, Option<String>)>, SyncError> {
    let filter = OrderFilter { code: Some(OrderErrorCode::ProductNotLinked), ..OrderFilter::default() };
    let mut held = Vec::new();
    for order_id in store.shopify_order_ids(shop_id, &filter).await? {
        let errors = store.order_errors(shop_id, &order_id).await?;
        let line = errors.iter().filter_map(|e| e.problem().ok()).find_map(|p| match p {
            OrderProblem::ProductNotLinked { line } if line.product_id.as_deref() == Some(product_id) => Some(line),
            _ => None,
        });
        if let Some(line) = line {
            held.push((order_id, Some(line.title)));
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_admin_addresses_and_ids_name_the_product_and_variant() {
        let product = Some("gid://shopify/Product/123".to_string());
        let variant = Some("gid://shopify/ProductVariant/456".to_string());
        for text in [
            "https://admin.shopify.com/store/demo/products/123",
            "https://admin.shopify.com/store/demo/products/123?selectedView=all",
            "https://demo.myshopify.com/admin/products/123/",
            " gid://shopify/Product/123 ",
        ] {
            assert_eq!(ShopifyRef::parse(text), Some(ShopifyRef { product_id: product.clone(), variant_id: None }));
        }
        assert_eq!(
            ShopifyRef::parse("https://admin.shopify.com/store/demo/products/123/variants/456"),
            Some(ShopifyRef { product_id: product, variant_id: variant.clone() })
        );
        assert_eq!(
            ShopifyRef::parse("gid://shopify/ProductVariant/456"),
            Some(ShopifyRef { product_id: None, variant_id: variant })
        );
    }

    #[test]
    fn skus_titles_and_other_addresses_are_not_references() {
        for text in ["SKU-1", "Blue shirt", "https://example.com/about", "https://a.myshopify.com/admin/products/x"] {
            assert_eq!(ShopifyRef::parse(text), None, "{text}");
        }
    }
}
