//! Which flows are due: the schedules `serve` runs.
//!
//! Each shop has a schedule per object (`schedule.orders = every 3h` ...). A flow is due when its schedule says
//! so counting from the start of its last run, whatever that run's outcome: a failing flow is retried at its
//! next slot rather than in a tight loop. Nothing runs for a disabled shop, a shop whose background syncs are
//! off (seed 000's "allow background sync"), or a flow whose `sync-*` switch is off.

use jiff::Timestamp;
use shopsync_core::{Flow, ShopSettings};
use shopsync_store::{JobStore, Shop};

use crate::SyncError;

/// Why a shop takes no part in scheduled syncs, so a front-end can say why instead of only that nothing is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOut {
    /// The shop's `enabled` is off: it takes part in no sync at all.
    Disabled,
    /// The shop's `allow-background-sync` is off: only syncs a person starts run.
    BackgroundSyncOff,
}

impl LeftOut {
    /// The setting that leaves the shop out.
    pub fn setting(self) -> &'static str {
        match self {
            LeftOut::Disabled => "enabled",
            LeftOut::BackgroundSyncOff => "allow-background-sync",
        }
    }

    /// Why `settings` leave a shop out of scheduled syncs, if they do.
    pub fn of(settings: &ShopSettings) -> Option<LeftOut> {
        if !settings.enabled {
            Some(LeftOut::Disabled)
        } else if !settings.allow_background_sync {
            Some(LeftOut::BackgroundSyncOff)
        } else {
            None
        }
    }
}

/// The flows of `shop` due at `now`, in the order they should run (catalog before stock, customers before
/// orders, orders before fulfillments).
pub async fn due_flows(
    store: &dyn JobStore,
    shop: &Shop,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Vec<Flow>, SyncError> {
    if LeftOut::of(settings).is_some() {
        return Ok(Vec::new());
    }
    let mut due = Vec::new();
    for (flow, at) in next_runs(store, shop, settings, now).await? {
        if at <= now {
            due.push(flow);
        }
    }
    Ok(due)
}

/// When each switched-on, scheduled flow of `shop` runs next (at `now` or later), in run order; flows whose
/// `sync-*` switch or schedule is off are left out. The shop-wide switches of [`LeftOut`] are not checked.
pub async fn next_runs(
    store: &dyn JobStore,
    shop: &Shop,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Vec<(Flow, Timestamp)>, SyncError> {
    let mut runs = Vec::new();
    for flow in Flow::ALL {
        if !flow.enabled(settings) {
            continue;
        }
        let Some(schedule) = settings.schedule(flow.as_str()) else { continue };
        let last = store.jobs(shop.id, Some(flow.as_str()), 1).await?;
        let last_start =
            last.first().and_then(|job| job.started_at.as_deref()).and_then(|t| t.parse::<Timestamp>().ok());
        if let Some(at) = schedule.next_run(last_start, now) {
            runs.push((flow, at));
        }
    }
    Ok(runs)
}
