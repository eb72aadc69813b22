//! Which flows are due: the schedules of `shopsync serve`.
//!
//! Each shop has a schedule per object (`schedule.orders = every 3h` ...). A flow is due when its schedule says
//! so counting from the start of its last run, whatever that run's outcome: a failing flow is retried at its
//! next slot rather than in a tight loop. Nothing runs for a disabled shop, a shop whose background syncs are
//! off (seed 000's "allow background sync"), or a flow whose `sync-*` switch is off.

use jiff::Timestamp;
use shopsync_core::ShopSettings;
use shopsync_core::settings::SCHEDULED_OBJECTS;
use shopsync_store::{JobStore, Shop};

use crate::SyncError;

/// The flows of `shop` due at `now`, in the order they should run (catalog before stock, customers before
/// orders, orders before fulfillments).
pub async fn due_flows(
    store: &dyn JobStore,
    shop: &Shop,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Vec<&'static str>, SyncError> {
    if left_out_by(settings).is_some() {
        return Ok(Vec::new());
    }
    let mut due = Vec::new();
    for (object, at) in next_runs(store, shop, settings, now).await? {
        if at <= now {
            due.push(object);
        }
    }
    Ok(due)
}

/// The setting that keeps `serve` away from every flow of a shop (`enabled` or `allow-background-sync`), so
/// `serve` can say why a shop is left alone instead of only that nothing is due.
pub fn left_out_by(settings: &ShopSettings) -> Option<&'static str> {
    if !settings.enabled {
        Some("enabled")
    } else if !settings.allow_background_sync {
        Some("allow-background-sync")
    } else {
        None
    }
}

/// When each switched-on, scheduled flow of `shop` runs next (at `now` or later), in run order; flows whose
/// `sync-*` switch or schedule is off are left out. The shop-wide switches of [`left_out_by`] are not checked.
pub async fn next_runs(
    store: &dyn JobStore,
    shop: &Shop,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Vec<(&'static str, Timestamp)>, SyncError> {
    let mut runs = Vec::new();
    for object in SCHEDULED_OBJECTS {
        if !flow_switched_on(settings, object) {
            continue;
        }
        let Some(schedule) = settings.schedule(object) else { continue };
        let last = store.jobs(shop.id, Some(object), 1).await?;
        let last_start =
            last.first().and_then(|job| job.started_at.as_deref()).and_then(|t| t.parse::<Timestamp>().ok());
        if let Some(at) = schedule.next_run(last_start, now) {
            runs.push((object, at));
        }
    }
    Ok(runs)
}

/// Whether the shop's switch for a flow is on.
pub fn flow_switched_on(settings: &ShopSettings, object: &str) -> bool {
    match object {
        "products" => settings.sync_products,
        "inventory" => settings.sync_inventory,
        "customers" => settings.sync_customers,
        "orders" => settings.sync_orders,
        "fulfillments" => settings.sync_fulfilled_status,
        _ => false,
    }
}
