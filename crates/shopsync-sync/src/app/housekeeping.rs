//! What a long-running hub does besides syncing: keeping the request log and the webhook deliveries to each shop's
//! `log-retention`, and noticing a request log left at `all` (it slows syncs and grows the database).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shopsync_core::ShopSettings;
use shopsync_core::settings::LoggingMode;
use shopsync_store::Store;

use crate::{Engine, SyncError};

/// How long `logging` may stay at `all` before it is pointed out.
pub const LOGGING_ALL_WARN_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How often `serve` does its housekeeping.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

/// One shop's housekeeping.
#[derive(Debug, Clone, Serialize)]
pub struct ShopHousekeeping {
    pub shop: String,
    /// Request log entries older than the retention, deleted.
    pub logs_removed: u64,
    /// Webhook deliveries older than the retention, deleted.
    pub deliveries_removed: u64,
    /// When `logging` was set to `all`, if that was more than [`LOGGING_ALL_WARN_AFTER`] ago.
    pub logging_all_since: Option<String>,
}

/// Deletes what each shop's retention no longer keeps, and notes request logs left at `all`; `only` limits it to
/// one shop.
pub async fn housekeeping(
    engine: &Engine,
    only: Option<&str>,
    now: Timestamp,
) -> Result<Vec<ShopHousekeeping>, SyncError> {
    let store = engine.store();
    let mut report = Vec::new();
    for shop in store.shops().await? {
        if only.is_some_and(|only| only != shop.domain) {
            continue;
        }
        let settings = store.settings(shop.id).await?;
        let (logs_removed, deliveries_removed) = match settings.log_retention_days {
            Some(days) => {
                let before = now.checked_sub(SignedDuration::from_hours(24 * i64::from(days))).map_err(|err| {
                    SyncError::Invalid(format!("log-retention of {days} days is out of range: {err}"))
                })?;
                let before = shopsync_core::time::to_text(before);
                let logs = store.purge_request_logs(Some(shop.id), Some(&before)).await?;
                let deliveries = store.purge_webhook_events(shop.id, &before).await?;
                (logs, deliveries)
            }
            None => (0, 0),
        };
        let logging_all_since = logging_all_since(store.as_ref(), shop.id, &settings, now).await?;
        report.push(ShopHousekeeping { shop: shop.domain, logs_removed, deliveries_removed, logging_all_since });
    }
    Ok(report)
}

/// When the shop's `logging` was set to `all`, once it has been so for longer than [`LOGGING_ALL_WARN_AFTER`].
pub async fn logging_all_since(
    store: &dyn Store,
    shop_id: i64,
    settings: &ShopSettings,
    now: Timestamp,
) -> Result<Option<String>, SyncError> {
    if settings.logging != LoggingMode::All {
        return Ok(None);
    }
    let Some(since) = store.setting_changed_at(shop_id, "logging").await? else {
        return Ok(None);
    };
    let Ok(at) = since.parse::<Timestamp>() else {
        return Ok(None);
    };
    let limit = SignedDuration::try_from(LOGGING_ALL_WARN_AFTER).unwrap_or(SignedDuration::MAX);
    Ok((now.duration_since(at) > limit).then_some(since))
}
