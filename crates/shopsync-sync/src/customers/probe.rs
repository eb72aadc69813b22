//! The incremental customer read by probe: find what changed cheaply, read in full only that.
//!
//! Reading every customer updated since the cursor (minus the five-minute overlap) in full costs 5 to 9 points per
//! customer, most of them customers the store already holds at that version. The probe does what the order probe
//! (`orders/probe.rs`) does, with its helpers and shapes:
//!
//! 1. two counts in one request (about 2 points): customers changed at or after the cursor's second (`newer`), and
//!    customers Shopify has in the overlap window before it. Past [`BULK_THRESHOLD`] newer customers beyond those
//!    the store holds at that second or later (and unless the run may not use bulk, `--pages`) the run switches to
//!    the bulk query.
//! 2. the ids and update times of the newer customers (1 point per customer). The overlap window is probed the same
//!    way only when its count differs from the customers the store holds at a version in that window (less those the
//!    newer probe found moved out of it): an unchanged overlap costs nothing per customer.
//! 3. the customers whose version the store does not hold (the link's Shopify `updatedAt`) are read in full by id
//!    (`nodes`, 50 per request, the page's fields), oldest change first; the cursor moves after each batch.
//!
//! Same-second changes are handled as for orders: a read by id happens at least [`SETTLE`] after the customer's
//! last change, a customer changed again between probe and read that recently is read once more, and a cursor not
//! written by a probe (a bulk export or a page read: no last id) has the customers of its second read once more.
//! A customer the template could not create has no link, so it is read again whenever a probe sees it.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use shopify_admin::Gid;
use shopify_admin::ops::customers::{
    Customer, CustomersByIds, CustomersByIdsVariables, CustomersProbe, CustomersProbeCounts, ProbeCountsVariables,
    ProbedNode, SearchPageVariables,
};
use shopsync_core::time::to_text;
use shopsync_store::SyncCursor;

use super::Run;
use crate::orders::OVERLAP;
use crate::orders::probe::{SETTLE, floor_second, search_time, settle, since, version_unread};
use crate::{Progress, SyncError};

/// Past this many customers changed at or after the cursor, an incremental read switches to the bulk query. A read
/// by id costs 5 to 9 points per customer (its contact, amount spent and addresses); the bulk query 10 for its
/// mutation and 1 per poll, about 14 in all whatever its size (measured on the simulator), and a few seconds of
/// export: from 3 customers on it is cheaper.
pub const BULK_THRESHOLD: u64 = 2;

/// What the probe decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Probed {
    /// The changed customers were read by id.
    Read { changed: u64, unchanged: u64, overlap_probed: bool },
    /// Too many changed customers: read everything matching this search by the bulk query.
    Bulk { search: String },
}

/// Runs the probe from the cursor (which must have an `updated_at`), reads the changed customers by id and imports
/// them, or says to switch to the bulk query.
pub(super) async fn run(
    run: &mut Run<'_>,
    cursor: &mut SyncCursor,
    allow_bulk: bool,
    progress: &dyn Progress,
) -> Result<Probed, SyncError> {
    let Some(at) = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok()) else {
        return Err(SyncError::Invalid(
            "the customers cursor has no valid time to probe from; reset it to read customers again".into(),
        ));
    };
    let ctx = run.ctx;
    let client = ctx.client();
    let store = ctx.store();
    let shop_id = ctx.shop.id;
    let second = floor_second(at);
    let window_start = second.checked_sub(OVERLAP).unwrap_or(second);
    let newer_search = since(second);
    let overlap_search = format!("{} AND updated_at:<'{}'", since(window_start), search_time(second));
    progress.phase("probing Shopify for changed customers", None);
    let counts = client
        .execute::<CustomersProbeCounts>(&ProbeCountsVariables {
            newer: newer_search.clone(),
            overlap: overlap_search.clone(),
        })
        .await?
        .data;
    let (from_text, before_text) = (to_text(window_start), to_text(second));
    let held_in_window = store.count_shopify_customers(shop_id, Some(&from_text), Some(&before_text)).await?;
    let overlap_count = counts.overlap.as_ref().and_then(|c| c.exact());
    let newer_count = counts.newer.as_ref().and_then(|c| c.exact());
    // A cursor no probe wrote (no last id) does not say its last second's customers were read after it ended.
    let unsettled_from = cursor.last_id.is_none().then_some(second);
    // Customers the store holds at the cursor's second or later are, as a rule, the versions the last run read:
    // they do not count towards the switch, or a second shared by many customers would switch every run.
    let held_newer = if unsettled_from.is_some() {
        0
    } else {
        store.count_shopify_customers(shop_id, Some(&before_text), None).await?
    };
    let changed_estimate = newer_count.map(|n| n.saturating_sub(held_newer));
    if allow_bulk && changed_estimate.is_none_or(|n| n > BULK_THRESHOLD) {
        // The overlap is read again only when its count says something in it is not held.
        let from = if overlap_count == Some(held_in_window) { second } else { window_start };
        tokio::time::sleep(std::time::Duration::from_secs_f64(SETTLE.as_secs_f64())).await;
        return Ok(Probed::Bulk { search: since(from) });
    }

    let mut probed = if newer_count == Some(0) { Vec::new() } else { probe(run, &newer_search).await? };
    let ids: Vec<String> = probed.iter().map(|p| p.id.to_string()).collect();
    let mut versions = store.shopify_customer_versions(shop_id, &ids).await?;
    let moved = versions.values().filter(|v| **v >= from_text && **v < before_text).count() as u64;
    let overlap_probed = overlap_count != held_in_window.checked_sub(moved);
    if overlap_probed {
        let seen: HashSet<String> = ids.into_iter().collect();
        let earlier: Vec<ProbedNode> =
            probe(run, &overlap_search).await?.into_iter().filter(|p| !seen.contains(p.id.as_str())).collect();
        let more: Vec<String> = earlier.iter().map(|p| p.id.to_string()).collect();
        versions.extend(store.shopify_customer_versions(shop_id, &more).await?);
        probed.extend(earlier);
        probed.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
    }

    let changed: Vec<&ProbedNode> = probed
        .iter()
        .filter(|p| version_unread(p.updated_at, versions.get(p.id.as_str()).map(String::as_str), unsettled_from))
        .collect();
    let unchanged = (probed.len() - changed.len()) as u64;
    run.summary.unchanged += unchanged;
    progress.phase("reading changed customers", Some(changed.len() as u64));
    for batch in changed.chunks(CustomersByIdsVariables::MAX_IDS) {
        settle(batch.iter().map(|p| p.updated_at).max()).await;
        let read_at = Timestamp::now();
        let mut customers = by_ids(run, batch.iter().map(|p| p.id.clone()).collect()).await?;
        // Changed again between the probe and this read, and so recently that another change could share its
        // second: read once more after the wait.
        let recent = read_at.checked_sub(SETTLE).unwrap_or(read_at);
        let fresh: Vec<Gid> = customers.iter().filter(|c| c.updated_at > recent).map(|c| c.id.clone()).collect();
        if !fresh.is_empty() {
            settle(customers.iter().map(|c| c.updated_at).max()).await;
            let again: BTreeMap<String, Customer> =
                by_ids(run, fresh).await?.into_iter().map(|c| (c.id.to_string(), c)).collect();
            for customer in &mut customers {
                if let Some(newer) = again.get(customer.id.as_str()) {
                    *customer = newer.clone();
                }
            }
        }
        let n = customers.len() as u64;
        run.import(customers).await?;
        progress.advance(n);
        if let Some(last) = batch.iter().max_by_key(|p| (p.updated_at, p.id.clone())) {
            advance(cursor, last);
            store.save_cursor(shop_id, cursor).await?;
        }
    }
    // Unchanged customers past the cursor move it too, so the next probe starts from them.
    if let Some(last) = probed.iter().max_by_key(|p| (p.updated_at, p.id.clone())) {
        advance(cursor, last);
        store.save_cursor(shop_id, cursor).await?;
    }
    Ok(Probed::Read { changed: changed.len() as u64, unchanged, overlap_probed })
}

/// Every customer matching `search`, ids and update times only, oldest change first.
async fn probe(run: &Run<'_>, search: &str) -> Result<Vec<ProbedNode>, SyncError> {
    let variables = SearchPageVariables { after: None, query: Some(search.to_string()) };
    Ok(run.ctx.client().collect_all::<CustomersProbe>(variables).await?)
}

/// The customers with these ids (at most [`CustomersByIdsVariables::MAX_IDS`]) in full; one deleted since the probe
/// is left out (a deletion reaches the back office through the privacy webhooks, not this read).
async fn by_ids(run: &Run<'_>, ids: Vec<Gid>) -> Result<Vec<Customer>, SyncError> {
    let data = run.ctx.client().execute::<CustomersByIds>(&CustomersByIdsVariables { ids }).await?.data;
    Ok(data.nodes.into_iter().flatten().collect())
}

/// Moves the cursor to a probed customer, naming it: a cursor with a last id was written by a probe.
fn advance(cursor: &mut SyncCursor, last: &ProbedNode) {
    let current = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
    if current.is_none_or(|c| last.updated_at >= c) {
        cursor.updated_at = Some(last.updated_at.to_string());
        cursor.last_id = Some(last.id.to_string());
    }
}
