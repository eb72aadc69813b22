//! Orders evaluated again when the cause of their problem is fixed in shopsync: a setting changed, a country
//! enabled, a SKU linked. The store indexes the events each waiting order waits for; these functions name the
//! events and mark the waiting orders, which the next order sync reads again from Shopify.

use std::collections::HashMap;

use shopsync_core::ShopSettings;
use shopsync_core::countries;
use shopsync_core::order_errors::{OrderErrorCode, OrderProblem, RecheckEvent};
use shopsync_core::settings::CountryFilter;
use shopsync_store::{ItemQuery, OrderFilter, OrderStore, StoreError};

use crate::{ShopContext, SyncError};

/// Marks the orders waiting for any of `events` to be evaluated again at the next order sync; returns how many.
pub async fn recheck_after<S>(store: &S, shop_id: i64, events: &[RecheckEvent]) -> Result<u64, StoreError>
where
    S: OrderStore + ?Sized,
{
    let waiting = store.orders_waiting_for(shop_id, events).await?;
    store.request_reprocess(shop_id, &waiting).await
}

/// The events a change of setting `key` from `old` to `new` causes: the setting itself, and each country that
/// order-countries now allows and did not before.
pub fn setting_change_events(key: &str, old: &ShopSettings, new: &ShopSettings) -> Vec<RecheckEvent> {
    let mut events = vec![RecheckEvent::SettingChanged { key: key.to_string() }];
    if key == "order-countries" {
        let enabled = countries::all()
            .iter()
            .filter(|c| new.order_countries.allows(c.code) && !old.order_countries.allows(c.code))
            .map(|c| RecheckEvent::CountryEnabled { country: c.code.to_string() });
        events.extend(enabled);
        // Countries outside the table (none should be) still count when listed by name.
        if let CountryFilter::Only(list) = &new.order_countries {
            for code in list {
                if countries::by_code(code).is_none() && !old.order_countries.allows(code) {
                    events.push(RecheckEvent::CountryEnabled { country: code.to_ascii_uppercase() });
                }
            }
        }
    }
    events
}

/// Call after a shop setting was saved: marks the orders waiting for that change.
pub async fn recheck_setting_change<S>(
    store: &S,
    shop_id: i64,
    key: &str,
    old: &ShopSettings,
    new: &ShopSettings,
) -> Result<u64, StoreError>
where
    S: OrderStore + ?Sized,
{
    recheck_after(store, shop_id, &setting_change_events(key, old, new)).await
}

/// Marks the orders held by PRODUCT_NOT_LINKED whose SKU got a link after the order was last evaluated (a product
/// sync linked it, or an item with that SKU was created and synced); returns how many. Runs at the start of every
/// order sync, and the CLI runs it after `sync products`.
pub async fn recheck_linked_skus(ctx: &ShopContext) -> Result<u64, SyncError> {
    let store = ctx.store();
    let shop_id = ctx.shop.id;
    let filter = OrderFilter { code: Some(OrderErrorCode::ProductNotLinked), ..OrderFilter::default() };
    let waiting = store.shopify_order_ids(shop_id, &filter).await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    // When each SKU was (last) linked.
    let items = store.items(&ItemQuery::default()).await?;
    let sku_of: HashMap<i64, &str> =
        items.iter().flat_map(|i| i.variants.iter()).map(|v| (v.id, v.sku.as_str())).collect();
    let mut linked_at: HashMap<&str, String> = HashMap::new();
    let links = store.variant_links(shop_id).await?;
    for link in &links {
        if let Some(sku) = sku_of.get(&link.variant_id) {
            let entry = linked_at.entry(sku).or_default();
            if link.linked_at > *entry {
                *entry = link.linked_at.clone();
            }
        }
    }
    let mut fixed = Vec::new();
    for order_id in waiting {
        let Some(order) = store.shopify_order(shop_id, &order_id).await? else { continue };
        let errors = store.order_errors(shop_id, &order_id).await?;
        let newly_linked = errors.iter().filter_map(|e| e.problem().ok()).any(|p| match p {
            OrderProblem::ProductNotLinked { line } => line
                .sku
                .as_deref()
                .and_then(|sku| linked_at.get(sku))
                .is_some_and(|at| at.as_str() >= order.checked_at.as_str()),
            _ => false,
        });
        if newly_linked && !order.reprocess_requested {
            fixed.push(order_id);
        }
    }
    Ok(store.request_reprocess(shop_id, &fixed).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabling_countries_names_each_new_one() {
        let mut old = ShopSettings::default();
        old.set("order-countries", "NL,BE").unwrap();
        let mut new = old.clone();
        new.set("order-countries", "NL,BE,BR").unwrap();
        let keys: Vec<String> =
            setting_change_events("order-countries", &old, &new).iter().map(RecheckEvent::key).collect();
        assert_eq!(keys, ["setting:order-countries", "country:BR"]);
        new.set("order-countries", "all").unwrap();
        let events = setting_change_events("order-countries", &old, &new);
        assert!(events.contains(&RecheckEvent::CountryEnabled { country: "JP".into() }));
        assert!(!events.contains(&RecheckEvent::CountryEnabled { country: "NL".into() }));
    }

    #[test]
    fn another_setting_is_only_itself() {
        let old = ShopSettings::default();
        let mut new = old.clone();
        new.set("sync-orders-with-payment-terms", "on").unwrap();
        assert_eq!(
            setting_change_events("sync-orders-with-payment-terms", &old, &new),
            [RecheckEvent::SettingChanged { key: "sync-orders-with-payment-terms".into() }]
        );
    }
}
