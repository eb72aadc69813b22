//! Which flows are due: the schedules of `shopsync serve`.
//!
//! Each shop has a schedule per object (`schedule.orders = every 3h` ...). A flow is due when its schedule says
//! so counting from the start of its last run, whatever that run's outcome: a failing flow is retried at its
//! next slot rather than in a tight loop. Nothing runs for a disabled shop, a shop whose background syncs are
//! off (seed 000's "allow background sync"), or a flow whose `sync-*` switch is off.

use jiff::Timestamp;
use shopsync_core::{Flow, ShopSettings};
use shopsync_store::{JobStore, Shop};

use crate::SyncError;

/// The flows of `shop` due at `now`, in the order they should run (catalog before stock, customers before
/// orders, orders before fulfillments).
pub async fn due_flows(
    store: &dyn JobStore,
    shop: &Shop,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Vec<Flow>, SyncError> {
    if !settings.enabled || !settings.allow_background_sync {
        return Ok(Vec::new());
    }
    let mut due = Vec::new();
    for flow in Flow::ALL {
        if !flow.enabled(settings) {
            continue;
        }
        let Some(schedule) = settings.schedule(flow.as_str()) else { continue };
        let last = store.jobs(shop.id, Some(flow.as_str()), 1).await?;
        let last_start =
            last.first().and_then(|job| job.started_at.as_deref()).and_then(|t| t.parse::<Timestamp>().ok());
        if schedule.next_run(last_start, now).is_some_and(|at| at <= now) {
            due.push(flow);
        }
    }
    Ok(due)
}
