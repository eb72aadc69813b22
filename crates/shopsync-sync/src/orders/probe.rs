//! The incremental order read by probe: find what changed cheaply, read in full only that.
//!
//! Reading every order updated since the cursor (minus the overlap) in full costs about 45 points per order, most
//! of them orders the store already holds at that version (the overlap). The probe instead asks:
//!
//! 1. two counts in one request (about 2 points): orders changed at or after the cursor's second (`newer`), and
//!    orders Shopify has in the overlap window before it. Past [`BULK_THRESHOLD`] newer orders beyond those the
//!    store holds at that second or later (and unless the run may not use bulk) the run switches to a bulk query by
//!    itself (about 20 points whatever the count).
//! 2. the ids and update times of the newer orders (1 point per order). The overlap window is probed the same way
//!    only when its count differs from the orders the store holds at a version in that window (less those the
//!    newer probe found moved out of it): so an unchanged overlap costs nothing per order, and an order Shopify's
//!    search index saw late is still found.
//! 3. the orders whose version the store does not hold are read in full by id, 20 per request, oldest change
//!    first; the cursor moves after each batch (checkpoint per page).
//!
//! Same-second changes: Shopify gives `updatedAt` in whole seconds, so an order changed again in the second it was
//! read keeps its `updatedAt`. A read by id therefore happens at least [`SETTLE`] after the order's last change
//! (the run waits that long for an order changed just now), and an order that changed between the probe and the
//! read, and is still that fresh, is read once more after the wait. A cursor written by a bulk export (no last id)
//! gives no such guarantee for the orders updated in its second or later: they are read in full once.
//!
//! A run a webhook set off is *eager*: someone waits for the sales order, and the wait before the read (one to two
//! seconds) was most of the time from order to sales order. It reads and imports a changed order at once, then
//! reads those still that fresh once more after the wait, in the same run: the same guarantee, the sales order up
//! to two seconds sooner, for a second read of each fresh order.
//!
//! Limit: the overlap check compares counts, so an order Shopify's search index saw late *and* that the store holds
//! at an older version inside the same five-minute window is found by the next change of the order, not this run.

use std::collections::{BTreeMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use shopify_admin::ops::order_probe::{
    OrdersProbe, OrdersProbeCounts, OrdersProbeCountsVariables, ProbedOrder, SearchPageVariables,
};
use shopsync_store::{OrderFilter, StoredOrderVersion, SyncCursor};

use super::import::Importer;
use super::read::{self, OVERLAP};
use crate::{Progress, ShopContext, SyncError};

/// Past this many orders changed at or after the cursor, an incremental read switches to a bulk query. A read by
/// id costs about 45 points per order and answers at once; a bulk query about 20 points whatever its size but
/// takes a few seconds of export. Up to 3 orders (what a webhook-triggered run usually finds) are read by id for
/// latency; from 4 on the bulk query is cheaper.
pub const BULK_THRESHOLD: u64 = 3;

/// How long after an order's last change it is read in full at the earliest, so a change in the same second (which
/// keeps Shopify's whole-second `updatedAt`) cannot follow the read unseen; one second more covers a clock between
/// shopsync and Shopify that is up to a second apart.
pub const SETTLE: SignedDuration = SignedDuration::from_secs(2);

/// What the probe decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probed {
    /// The changed orders were read by id.
    Read { changed: u64, unchanged: u64, overlap_probed: bool },
    /// Too many changed orders: read everything matching this search by a bulk query.
    Bulk { search: String },
}

/// Runs the probe from the cursor (which must have an `updated_at`), reads the changed orders by id and imports
/// them, or says to switch to a bulk query. `allow_bulk` is false when the run may not use one (`--pages`).
///
/// `eager` (a run a webhook set off, where someone waits for the sales order) imports each changed order as soon as
/// it is read, and reads an order changed less than [`SETTLE`] before once more after the wait, instead of waiting
/// before the first read: the sales order exists up to two seconds sooner, for one more read of a fresh order.
pub async fn run(
    ctx: &ShopContext,
    importer: &mut Importer<'_>,
    mut cursor: SyncCursor,
    allow_bulk: bool,
    eager: bool,
    progress: &dyn Progress,
) -> Result<Probed, SyncError> {
    let Some(at) = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok()) else {
        return Err(SyncError::Invalid(
            "the orders cursor has no valid time to probe from; reset it to read orders again".into(),
        ));
    };
    let client = ctx.client();
    let store = ctx.store();
    let shop_id = ctx.shop.id;
    // Whole seconds, as Shopify's search and `updatedAt` have them.
    let second = floor_second(at);
    let window_start = second.checked_sub(OVERLAP).unwrap_or(second);
    let newer_search = since(second);
    let overlap_search = format!("{} AND updated_at:<'{}'", since(window_start), search_time(second));
    progress.phase("probing Shopify for changed orders", None);
    let counts = client
        .execute::<OrdersProbeCounts>(&OrdersProbeCountsVariables {
            newer: newer_search.clone(),
            overlap: overlap_search.clone(),
        })
        .await?
        .data;
    let window = OrderFilter {
        updated_from: Some(shopsync_core::time::to_text(window_start)),
        updated_before: Some(shopsync_core::time::to_text(second)),
        ..OrderFilter::default()
    };
    let held_in_window = store.count_shopify_orders(shop_id, &window).await?;
    let overlap_count = counts.overlap.as_ref().and_then(|c| c.exact());
    let newer_count = counts.newer.as_ref().and_then(|c| c.exact());
    // A cursor a bulk export wrote (no last id) does not say its last second's orders were read after it ended.
    let unsettled_from = cursor.last_id.is_none().then_some(second);
    // Orders the store holds at the cursor's second or later are counted by Shopify too and are, as a rule, the
    // same versions (the last run read them): they do not count towards the switch to a bulk query, or a second
    // shared by many orders would switch every run.
    let held_newer = if unsettled_from.is_some() {
        0
    } else {
        let newer = OrderFilter { updated_from: window.updated_before.clone(), ..OrderFilter::default() };
        store.count_shopify_orders(shop_id, &newer).await?
    };
    let changed_estimate = newer_count.map(|n| n.saturating_sub(held_newer));
    if allow_bulk && changed_estimate.is_none_or(|n| n > BULK_THRESHOLD) {
        // The overlap is read again only when its count says something in it is not held.
        let from = if overlap_count == Some(held_in_window) { second } else { window_start };
        // The export reads each order after the changes counted here have settled, so few orders share a second
        // with the export's start (those are read once more by the next probe, see the module documentation).
        tokio::time::sleep(std::time::Duration::from_secs_f64(SETTLE.as_secs_f64())).await;
        return Ok(Probed::Bulk { search: since(from) });
    }

    let mut probed = if newer_count == Some(0) { Vec::new() } else { probe(ctx, &newer_search).await? };
    let ids: Vec<String> = probed.iter().map(|p| p.id.to_string()).collect();
    let mut versions = store.shopify_order_versions(shop_id, &ids).await?;
    let (from_text, before_text) = (window.updated_from.clone(), window.updated_before.clone());
    let moved = versions
        .values()
        .filter(|v| Some(&v.updated_at) >= from_text.as_ref() && Some(&v.updated_at) < before_text.as_ref())
        .count() as u64;
    let overlap_probed = overlap_count != held_in_window.checked_sub(moved);
    if overlap_probed {
        let earlier = probe(ctx, &overlap_search).await?;
        let seen: HashSet<String> = ids.into_iter().collect();
        let earlier: Vec<ProbedOrder> = earlier.into_iter().filter(|p| !seen.contains(p.id.as_str())).collect();
        let more: Vec<String> = earlier.iter().map(|p| p.id.to_string()).collect();
        versions.extend(store.shopify_order_versions(shop_id, &more).await?);
        probed.extend(earlier);
        probed.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
    }

    let total = probed.len() as u64;
    let changed: Vec<&ProbedOrder> =
        probed.iter().filter(|p| is_changed(p, versions.get(p.id.as_str()), unsettled_from)).collect();
    let unchanged = total - changed.len() as u64;
    importer.summary.unchanged += unchanged;
    progress.phase("reading changed orders", Some(changed.len() as u64));
    for batch in changed.chunks(shopify_admin::ops::order_import::OrdersImportByIdsVariables::MAX_IDS) {
        if !eager {
            settle(batch.iter().map(|p| p.updated_at).max()).await;
        }
        let read_at = Timestamp::now();
        let ids: Vec<String> = batch.iter().map(|p| p.id.to_string()).collect();
        let (mut orders, _deleted) = read::by_ids(client, &ids).await?;
        // Changed so recently when read (after the wait, changed again since the probe) that another change could
        // share its second: read once more once it has settled.
        let fresh: Vec<String> = orders
            .iter()
            .filter(|o| o.updated_at > read_at.checked_sub(SETTLE).unwrap_or(read_at))
            .map(|o| o.id.to_string())
            .collect();
        let n = orders.len() as u64;
        if eager {
            // Imported as read, so its sales order exists now; the read after the wait below only finds a change
            // made in the same second, which updates it.
            let newest = orders.iter().map(|o| o.updated_at).max();
            importer.import(orders, false).await?;
            if !fresh.is_empty() {
                settle(newest).await;
                let (again, _) = read::by_ids(client, &fresh).await?;
                importer.import_again(again).await?;
            }
        } else {
            if !fresh.is_empty() {
                settle(orders.iter().map(|o| o.updated_at).max()).await;
                let (again, _) = read::by_ids(client, &fresh).await?;
                let again: BTreeMap<String, _> = again.into_iter().map(|o| (o.id.to_string(), o)).collect();
                for order in &mut orders {
                    if let Some(newer) = again.get(order.id.as_str()) {
                        *order = newer.clone();
                    }
                }
            }
            importer.import(orders, false).await?;
        }
        progress.advance(n);
        if let Some(last) = batch.iter().max_by_key(|p| (p.updated_at, p.id.clone())) {
            read::advance(&mut cursor, last.updated_at, last.id.as_str());
            read::checkpoint(ctx, &cursor).await?;
        }
    }
    // Unchanged orders past the cursor move it too, so the next probe starts from them.
    if let Some(last) = probed.iter().max_by_key(|p| (p.updated_at, p.id.clone())) {
        read::advance(&mut cursor, last.updated_at, last.id.as_str());
        read::checkpoint(ctx, &cursor).await?;
    }
    Ok(Probed::Read { changed: changed.len() as u64, unchanged, overlap_probed })
}

/// Whether the store lacks this version of the order: not held, held at an older `updatedAt`, or held at the same
/// one that a bulk export may have read in the second of a change (`unsettled_from`).
fn is_changed(probed: &ProbedOrder, stored: Option<&StoredOrderVersion>, unsettled_from: Option<Timestamp>) -> bool {
    version_unread(probed.updated_at, stored.map(|s| s.updated_at.as_str()), unsettled_from)
}

/// Whether a probed `updatedAt` is a version the store lacks, given the normalised `updatedAt` it holds (`None`:
/// not held); shared by the order and customer probes.
pub(crate) fn version_unread(probed: Timestamp, stored: Option<&str>, unsettled_from: Option<Timestamp>) -> bool {
    let Some(stored) = stored else { return true };
    let probed_text = shopsync_core::time::to_text(probed);
    match stored.cmp(probed_text.as_str()) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => unsettled_from.is_some_and(|from| probed >= from),
    }
}

/// Every order matching `search`, ids and update times only, oldest change first.
async fn probe(ctx: &ShopContext, search: &str) -> Result<Vec<ProbedOrder>, SyncError> {
    let variables = SearchPageVariables { after: None, query: Some(search.to_string()) };
    Ok(ctx.client().collect_all::<OrdersProbe>(variables).await?)
}

/// Waits until `newest` is at least [`SETTLE`] in the past (at most that long).
pub(crate) async fn settle(newest: Option<Timestamp>) {
    let Some(newest) = newest else { return };
    let ready = newest.checked_add(SETTLE).unwrap_or(newest);
    let wait = ready.duration_since(Timestamp::now());
    if wait.is_positive() {
        let wait = wait.min(SETTLE);
        tokio::time::sleep(std::time::Duration::from_secs_f64(wait.as_secs_f64())).await;
    }
}

pub(crate) fn floor_second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

pub(crate) fn search_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `updated_at:>='…'` from a whole second.
pub(crate) fn since(at: Timestamp) -> String {
    format!("updated_at:>='{}'", search_time(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probed(at: &str) -> ProbedOrder {
        ProbedOrder { id: shopify_admin::Gid::new("gid://shopify/Order/1"), updated_at: at.parse().unwrap() }
    }

    fn stored(at: &str) -> StoredOrderVersion {
        StoredOrderVersion {
            updated_at: shopsync_core::time::normalize(at).unwrap(),
            sales_order_id: None,
            import_hash: Some("h".into()),
        }
    }

    #[test]
    fn an_order_is_changed_when_the_store_lacks_its_version() {
        let at = "2026-03-01T10:00:05Z";
        assert!(is_changed(&probed(at), None, None), "not held");
        assert!(is_changed(&probed(at), Some(&stored("2026-03-01T10:00:04Z")), None), "older version held");
        assert!(!is_changed(&probed(at), Some(&stored(at)), None), "same version held");
        assert!(!is_changed(&probed(at), Some(&stored("2026-03-01T10:00:06Z")), None), "newer version held");
        // After a bulk export, the orders of its second and later are read in full once.
        let cursor_second: Timestamp = "2026-03-01T10:00:05Z".parse().unwrap();
        assert!(is_changed(&probed(at), Some(&stored(at)), Some(cursor_second)));
        assert!(!is_changed(
            &probed("2026-03-01T10:00:04Z"),
            Some(&stored("2026-03-01T10:00:04Z")),
            Some(cursor_second)
        ));
    }

    #[test]
    fn searches_use_whole_seconds() {
        let at: Timestamp = "2026-03-01T10:00:05.750Z".parse().unwrap();
        assert_eq!(since(floor_second(at)), "updated_at:>='2026-03-01T10:00:05Z'");
    }
}
