//! `sync inventory`: back-office stock to Shopify's `available` quantities, per warehouse -> location mapping.
//!
//! Only tracked, linked variants with a stock level in a mapped warehouse are sent, and only when the quantity
//! differs from the one Shopify last accepted (kept per SKU and location). Every quantity carries
//! `changeFromQuantity`, the quantity last seen in Shopify (read first when unknown), so a sale or a manual
//! change in Shopify since then is not overwritten blindly: Shopify answers CHANGE_FROM_QUANTITY_STALE, the
//! flow re-reads those items, and sends again (at most [`MAX_STALE_ROUNDS`] times per item). Shopify applies a
//! batch all or nothing, so when it refuses one quantity that one is recorded as skipped and the rest of the
//! batch is sent again without it. A quantity Shopify's 32-bit `Int` cannot hold is never sent: it is recorded
//! as skipped with its SKU.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use shopify_admin::ops::inventory::{
    InventoryLevels, InventoryLevelsVariables, InventoryQuantityInput, InventorySetQuantities,
    InventorySetQuantitiesVariables,
};
use shopify_admin::ops::shop::{Locations, LocationsVariables};
use shopify_admin::{AdminError, Gid, UserError};
use shopsync_store::{InventoryState, SkippedRecordInput};

use super::{Problem, objects, sha256_hex};
use crate::{FlowSummary, Progress, ShopContext, SyncError};

/// How often one item is re-read and sent again after Shopify said its stock changed meanwhile.
pub const MAX_STALE_ROUNDS: u32 = 3;
/// The reason Shopify shows in the item's inventory history.
const REASON: &str = "correction";
const STALE: &str = "CHANGE_FROM_QUANTITY_STALE";
/// SKUs shown by name in a summary note before the rest is counted.
const NAMED_IN_NOTES: usize = 5;

/// What `sync inventory` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventorySyncOptions {
    /// Plan only: read from Shopify, write nothing to Shopify or to the store.
    pub dry_run: bool,
}

/// What an inventory sync would do: the dry run's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InventoryPlan {
    pub shop: String,
    /// One entry per mapped warehouse.
    pub locations: Vec<LocationPlan>,
    /// Warehouses with stock that no location-map entry names: their stock is not sent.
    pub unmapped: Vec<UnmappedWarehouse>,
    /// SKUs with stock in a mapped warehouse but no Shopify variant yet (`sync products` links them).
    pub unlinked_skus: Vec<String>,
    /// SKUs of items whose inventory is not tracked: Shopify keeps no quantity for them.
    pub untracked: u64,
    /// Negative back-office quantities, sent as 0 (Shopify refuses negative quantities).
    pub negative_as_zero: u64,
    pub problems: Vec<Problem>,
}

/// The plan for one warehouse and its Shopify location.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LocationPlan {
    pub warehouse: String,
    pub location_id: String,
    /// The location's name in Shopify.
    pub location: String,
    pub changes: Vec<PlannedQuantity>,
    /// Quantities Shopify already holds: no call.
    pub unchanged: u64,
}

/// A quantity to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedQuantity {
    pub sku: String,
    /// What Shopify holds (last accepted, or read now); `None` when the item is not stocked there yet.
    pub old: Option<i64>,
    pub new: i64,
}

/// A warehouse whose stock goes nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedWarehouse {
    pub warehouse: String,
    pub skus: u64,
}

impl InventoryPlan {
    /// The plan as counts.
    pub fn summary(&self) -> FlowSummary {
        let mut summary = FlowSummary {
            updated: self.locations.iter().map(|l| l.changes.len() as u64).sum(),
            unchanged: self.locations.iter().map(|l| l.unchanged).sum(),
            ..FlowSummary::default()
        };
        for problem in &self.problems {
            summary.skip(&problem.code);
        }
        self.add_notes(&mut summary);
        summary.notes.insert("dry run".into(), "nothing was sent to Shopify or stored".into());
        summary
    }

    fn add_notes(&self, summary: &mut FlowSummary) {
        if !self.unmapped.is_empty() {
            let list: Vec<String> =
                self.unmapped.iter().map(|w| format!("{} ({} SKUs)", w.warehouse, w.skus)).collect();
            summary.notes.insert("unmapped warehouses, not sent".into(), list.join(", "));
        }
        if !self.unlinked_skus.is_empty() {
            summary.notes.insert(
                "SKUs not in Shopify yet, not sent (the product sync creates them)".into(),
                named(&self.unlinked_skus),
            );
        }
        if self.untracked > 0 {
            summary.notes.insert("SKUs of untracked items, not sent".into(), self.untracked.to_string());
        }
        if self.negative_as_zero > 0 {
            summary.notes.insert("negative quantities sent as 0".into(), self.negative_as_zero.to_string());
        }
    }
}

/// Sends changed stock to Shopify (or, with `dry_run`, plans it and returns the plan's counts).
pub async fn sync_inventory(
    ctx: &ShopContext,
    options: &InventorySyncOptions,
    progress: &dyn Progress,
) -> Result<FlowSummary, SyncError> {
    if options.dry_run {
        return Ok(plan_inventory(ctx, options, progress).await?.summary());
    }
    ctx.require_enabled("the inventory sync", "sync-inventory", ctx.settings.sync_inventory)?;
    ctx.require_writes()?;
    let (plan, work) = prepare(ctx, progress).await?;
    let mut summary =
        FlowSummary { unchanged: plan.locations.iter().map(|l| l.unchanged).sum(), ..FlowSummary::default() };
    plan.add_notes(&mut summary);
    let mut problems = plan.problems.clone();
    let store = ctx.store();
    store.save_inventory_states(ctx.shop.id, &work.known_now).await?;
    store.clear_skipped(ctx.shop.id, objects::INVENTORY, &work.unchanged_keys).await?;

    let total: usize = work.locations.iter().map(|l| l.entries.len()).sum();
    progress.phase("sending stock", Some(total as u64));
    let nonce = run_nonce();
    let mut conflicts = 0u64;
    for location in &work.locations {
        for batch in location.entries.chunks(InventorySetQuantitiesVariables::MAX_QUANTITIES) {
            let result = push_batch(ctx, location, batch.to_vec(), &nonce).await?;
            progress.advance(batch.len() as u64);
            summary.updated += result.accepted.len() as u64;
            conflicts += result.conflicts_resolved;
            let keys: Vec<String> = result.accepted.iter().map(|e| record_key(&e.sku, &location.warehouse)).collect();
            let now = shopsync_core::time::now_text();
            let states: Vec<InventoryState> = result
                .accepted
                .iter()
                .chain(&result.already)
                .map(|e| InventoryState {
                    sku: e.sku.clone(),
                    location_id: location.location_id.clone(),
                    quantity: e.desired,
                    synced_at: now.clone(),
                })
                .collect();
            store.save_inventory_states(ctx.shop.id, &states).await?;
            store.clear_skipped(ctx.shop.id, objects::INVENTORY, &keys).await?;
            summary.unchanged += result.already.len() as u64;
            problems.extend(result.problems);
        }
    }
    if conflicts > 0 {
        summary.notes.insert("stock changed in Shopify meanwhile, re-read and resolved".into(), conflicts.to_string());
    }
    for problem in &problems {
        summary.skip(&problem.code);
    }
    let records: Vec<SkippedRecordInput> = problems.iter().map(Problem::to_record).collect();
    store.record_skipped(ctx.shop.id, &records).await?;
    Ok(summary)
}

/// Plans an inventory sync: which quantities would change where (old -> new), what is unmapped or unlinked.
/// Reads Shopify's current quantity where the last accepted one is unknown; writes nothing.
pub async fn plan_inventory(
    ctx: &ShopContext,
    _options: &InventorySyncOptions,
    progress: &dyn Progress,
) -> Result<InventoryPlan, SyncError> {
    ctx.require_enabled("the inventory sync", "sync-inventory", ctx.settings.sync_inventory)?;
    ctx.require_outgoing()?;
    let (mut plan, work) = prepare(ctx, progress).await?;
    for (location_plan, location) in plan.locations.iter_mut().zip(&work.locations) {
        location_plan.changes = location
            .entries
            .iter()
            .map(|e| PlannedQuantity { sku: e.sku.clone(), old: e.change_from, new: e.desired })
            .collect();
    }
    Ok(plan)
}

/// One quantity to set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    sku: String,
    inventory_item_id: String,
    desired: i64,
    /// The quantity last seen in Shopify (`None`: not stocked at the location).
    change_from: Option<i64>,
    stale_rounds: u32,
}

/// The quantities to set at one location.
struct LocationWork {
    warehouse: String,
    location_id: String,
    entries: Vec<Entry>,
}

struct Work {
    locations: Vec<LocationWork>,
    /// Quantities read from Shopify that already equal the back office's: remembered without a call.
    known_now: Vec<InventoryState>,
    /// `SKU@WAREHOUSE` of quantities in sync, whose old errors go.
    unchanged_keys: Vec<String>,
}

/// Works out, per mapped warehouse, which quantities differ from what Shopify holds.
async fn prepare(ctx: &ShopContext, progress: &dyn Progress) -> Result<(InventoryPlan, Work), SyncError> {
    let store = ctx.store();
    let shop = &ctx.shop.domain;
    let mapping = &ctx.settings.location_map;
    let mut locations: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for location in ctx.client().collect_all::<Locations>(LocationsVariables::default()).await? {
        locations.insert(location.id.0, (location.name, location.is_active));
    }
    if mapping.is_empty() {
        let known: Vec<String> = locations.iter().map(|(id, (name, _))| format!("{name} = {id}")).collect();
        return Err(SyncError::Invalid(format!(
            "no warehouse of {shop} is mapped to a Shopify location, so there is no stock to send; map them with \
             the shop's setting location-map, as WAREHOUSE=LOCATION_ID,... (Shopify locations: {})",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    }
    let mut plan = InventoryPlan { shop: shop.clone(), ..InventoryPlan::default() };
    let warehouses: HashSet<String> = store.warehouses().await?.into_iter().map(|w| w.code).collect();
    let mapped: HashSet<&str> = mapping.iter().map(|m| m.warehouse.as_str()).collect();
    for warehouse in warehouses.iter().filter(|w| !mapped.contains(w.as_str())) {
        let skus = store.stock(warehouse, &[]).await?.len() as u64;
        if skus > 0 {
            plan.unmapped.push(UnmappedWarehouse { warehouse: warehouse.clone(), skus });
        }
    }
    plan.unmapped.sort_by(|a, b| a.warehouse.cmp(&b.warehouse));

    let links: HashMap<i64, shopsync_store::VariantLink> =
        store.variant_links(ctx.shop.id).await?.into_iter().map(|l| (l.variant_id, l)).collect();
    let mut work = Work { locations: Vec::new(), known_now: Vec::new(), unchanged_keys: Vec::new() };
    let mut unlinked: HashSet<String> = HashSet::new();
    let mut untracked: HashSet<String> = HashSet::new();
    for map in mapping {
        let problem = |code: &str, message: String| Problem::new(objects::INVENTORY, &map.warehouse, code, message);
        let Some((location_name, active)) = locations.get(&map.location) else {
            plan.problems.push(problem(
                "UNKNOWN_LOCATION",
                format!(
                    "warehouse {} is mapped to {}, which is not a location of {shop}; fix the mapping in \
                     the shop's setting location-map",
                    map.warehouse, map.location
                ),
            ));
            continue;
        };
        if !active {
            plan.problems.push(problem(
                "INACTIVE_LOCATION",
                format!(
                    "warehouse {} is mapped to {location_name} ({}), which is deactivated in Shopify; reactivate it \
                     or change the mapping",
                    map.warehouse, map.location
                ),
            ));
            continue;
        }
        if !warehouses.contains(&map.warehouse) {
            plan.problems.push(problem(
                "UNKNOWN_WAREHOUSE",
                format!(
                    "the location map names warehouse {}, which holds no stock in the back office; import its stock \
                     (a stock file) or fix the mapping",
                    map.warehouse
                ),
            ));
            continue;
        }
        let levels = store.stock(&map.warehouse, &[]).await?;
        let skus: Vec<String> = levels.iter().map(|l| l.sku.clone()).collect();
        let owners: HashMap<String, shopsync_store::SkuOwner> =
            store.variants_by_skus(&skus).await?.into_iter().map(|o| (o.variant.sku.clone(), o)).collect();
        let states: HashMap<String, i64> = store
            .inventory_states(ctx.shop.id, Some(&map.location))
            .await?
            .into_iter()
            .map(|s| (s.sku, s.quantity))
            .collect();
        let mut location_plan = LocationPlan {
            warehouse: map.warehouse.clone(),
            location_id: map.location.clone(),
            location: location_name.clone(),
            ..LocationPlan::default()
        };
        let mut entries = Vec::new();
        let mut unknown = Vec::new();
        for level in levels {
            let Some(owner) = owners.get(&level.sku) else {
                unlinked.insert(level.sku);
                continue;
            };
            if !owner.inventory_tracked {
                untracked.insert(level.sku);
                continue;
            }
            let Some(item_id) = links.get(&owner.variant.id).and_then(|l| l.shopify_inventory_item_id.clone()) else {
                unlinked.insert(level.sku);
                continue;
            };
            if level.quantity < 0 {
                plan.negative_as_zero += 1;
            }
            let desired = level.quantity.max(0);
            // Shopify's quantities are 32-bit: one above it makes Shopify refuse the whole call, so it is never
            // sent (stock imported before the stock import refused such values can still hold one).
            if i32::try_from(desired).is_err() {
                plan.problems.push(out_of_range(&level.sku, &map.warehouse, desired));
                continue;
            }
            let entry = Entry {
                sku: level.sku.clone(),
                inventory_item_id: item_id,
                desired,
                change_from: None,
                stale_rounds: 0,
            };
            match states.get(&level.sku) {
                Some(known) if *known == desired => {
                    location_plan.unchanged += 1;
                    work.unchanged_keys.push(record_key(&level.sku, &map.warehouse));
                }
                Some(known) => entries.push(Entry { change_from: Some(*known), ..entry }),
                None => unknown.push(entry),
            }
        }
        // Where the last accepted quantity is unknown, read Shopify's before writing.
        if !unknown.is_empty() {
            progress.phase("reading Shopify stock", Some(unknown.len() as u64));
        }
        for chunk in unknown.chunks(InventoryLevelsVariables::MAX_ITEMS) {
            let current = read_available(ctx, &map.location, chunk).await?;
            progress.advance(chunk.len() as u64);
            for (entry, current) in chunk.iter().zip(current) {
                match current {
                    Level::Missing => plan.problems.push(missing_item(&entry.sku, &map.warehouse)),
                    Level::Available(Some(quantity)) if quantity == entry.desired => {
                        location_plan.unchanged += 1;
                        work.unchanged_keys.push(record_key(&entry.sku, &map.warehouse));
                        work.known_now.push(InventoryState {
                            sku: entry.sku.clone(),
                            location_id: map.location.clone(),
                            quantity,
                            synced_at: shopsync_core::time::now_text(),
                        });
                    }
                    Level::Available(change_from) => entries.push(Entry { change_from, ..entry.clone() }),
                }
            }
        }
        entries.sort_by(|a, b| a.sku.cmp(&b.sku));
        plan.locations.push(location_plan);
        work.locations.push(LocationWork {
            warehouse: map.warehouse.clone(),
            location_id: map.location.clone(),
            entries,
        });
    }
    let mut unlinked: Vec<String> = unlinked.into_iter().collect();
    unlinked.sort();
    plan.unlinked_skus = unlinked;
    plan.untracked = untracked.len() as u64;
    Ok((plan, work))
}

/// What Shopify holds for an inventory item at a location.
enum Level {
    /// The `available` quantity, `None` when the item is not stocked at the location.
    Available(Option<i64>),
    /// The inventory item does not exist (the product was deleted in Shopify).
    Missing,
}

async fn read_available(ctx: &ShopContext, location: &str, entries: &[Entry]) -> Result<Vec<Level>, SyncError> {
    let variables = InventoryLevelsVariables {
        inventory_item_ids: entries.iter().map(|e| Gid::new(e.inventory_item_id.clone())).collect(),
        location_id: Gid::new(location),
    };
    let nodes = ctx.client().execute::<InventoryLevels>(&variables).await?.into_data().nodes;
    Ok(entries
        .iter()
        .enumerate()
        .map(|(index, _)| match nodes.get(index) {
            Some(Some(item)) if item.id.is_some() => Level::Available(item.available()),
            _ => Level::Missing,
        })
        .collect())
}

/// What became of one batch.
#[derive(Default)]
struct BatchResult {
    /// Set by this flow.
    accepted: Vec<Entry>,
    /// Found already at the wanted quantity when re-read after a conflict.
    already: Vec<Entry>,
    problems: Vec<Problem>,
    conflicts_resolved: u64,
}

/// Sends one batch until every quantity is accepted or recorded as skipped: a quantity Shopify refuses is taken
/// out and the rest sent again; a stale one is re-read and sent again with the new `changeFromQuantity`.
async fn push_batch(
    ctx: &ShopContext,
    location: &LocationWork,
    mut pending: Vec<Entry>,
    nonce: &str,
) -> Result<BatchResult, SyncError> {
    let mut result = BatchResult::default();
    let mut conflicted: HashSet<String> = HashSet::new();
    while !pending.is_empty() {
        let quantities: Vec<InventoryQuantityInput> = pending
            .iter()
            .map(|e| InventoryQuantityInput {
                inventory_item_id: Gid::new(e.inventory_item_id.clone()),
                location_id: Gid::new(location.location_id.clone()),
                quantity: e.desired,
                change_from_quantity: e.change_from,
            })
            .collect();
        let key = idempotency_key(nonce, &location.location_id, &quantities);
        let variables = InventorySetQuantitiesVariables::available(REASON, quantities, key);
        let reply = match ctx.client().execute_allowing_user_errors::<InventorySetQuantities>(&variables).await {
            Ok(reply) => reply,
            // Shopify refuses a whole call for one value it cannot take (a variable that does not coerce): that
            // quantity is taken out, named by its SKU, and the rest sent again.
            Err(AdminError::GraphQl { errors, .. }) if !invalid_quantities(&errors, pending.len()).is_empty() => {
                let invalid = invalid_quantities(&errors, pending.len());
                let mut kept = Vec::with_capacity(pending.len());
                for (index, entry) in pending.into_iter().enumerate() {
                    match invalid.get(&index) {
                        Some(reason) => result.problems.push(Problem::new(
                            objects::INVENTORY,
                            &record_key(&entry.sku, &location.warehouse),
                            "INVALID_QUANTITY",
                            format!(
                                "{} at {}: Shopify refused the quantity {} ({reason}); correct the stock file and \
                                 import it again",
                                entry.sku, location.warehouse, entry.desired
                            ),
                        )),
                        None => kept.push(entry),
                    }
                }
                pending = kept;
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        let errors: Vec<UserError> =
            reply.data.inventory_set_quantities.map(|payload| payload.user_errors).unwrap_or_default();
        if errors.is_empty() {
            result.conflicts_resolved += pending.iter().filter(|e| conflicted.contains(&e.sku)).count() as u64;
            result.accepted.append(&mut pending);
            break;
        }
        // Every error must name one quantity; anything else is about the request as a whole.
        let mut refused: BTreeMap<usize, &UserError> = BTreeMap::new();
        let mut stale: HashSet<usize> = HashSet::new();
        for error in &errors {
            match quantity_index(error).filter(|i| *i < pending.len()) {
                Some(index) if error.code.as_deref() == Some(STALE) => {
                    stale.insert(index);
                }
                Some(index) => {
                    refused.insert(index, error);
                }
                None => {
                    return Err(SyncError::Shopify(AdminError::UserErrors {
                        operation: "InventorySetQuantities".into(),
                        errors: errors.clone(),
                        request_id: reply.request_id,
                    }));
                }
            }
        }
        let mut next = Vec::with_capacity(pending.len());
        let mut reread = Vec::new();
        for (index, entry) in pending.into_iter().enumerate() {
            if let Some(error) = refused.get(&index) {
                let detail = format!("{} at {}", entry.sku, location.warehouse);
                result.problems.push(Problem::from_user_error(
                    objects::INVENTORY,
                    &record_key(&entry.sku, &location.warehouse),
                    error,
                    Some(&detail),
                ));
            } else if stale.contains(&index) {
                reread.push(entry);
            } else {
                next.push(entry);
            }
        }
        if !reread.is_empty() {
            let levels = read_available(ctx, &location.location_id, &reread).await?;
            for (mut entry, level) in reread.into_iter().zip(levels) {
                conflicted.insert(entry.sku.clone());
                entry.stale_rounds += 1;
                match level {
                    Level::Missing => result.problems.push(missing_item(&entry.sku, &location.warehouse)),
                    Level::Available(Some(quantity)) if quantity == entry.desired => {
                        result.conflicts_resolved += 1;
                        result.already.push(entry);
                    }
                    Level::Available(_) if entry.stale_rounds > MAX_STALE_ROUNDS => {
                        result.problems.push(Problem::new(
                            objects::INVENTORY,
                            &record_key(&entry.sku, &location.warehouse),
                            STALE,
                            format!(
                                "{} at {}: the stock in Shopify changed {} times while shopsync was setting it, so \
                                 it stopped to avoid overwriting a sale; the next inventory sync tries again",
                                entry.sku, location.warehouse, entry.stale_rounds
                            ),
                        ));
                    }
                    Level::Available(current) => {
                        entry.change_from = current;
                        next.push(entry);
                    }
                }
            }
        }
        pending = next;
    }
    Ok(result)
}

/// The quantity a `userErrors` path points at (`input.quantities.17.changeFromQuantity`).
fn quantity_index(error: &UserError) -> Option<usize> {
    let path = error.field.as_ref()?;
    let at = path.iter().position(|part| part == "quantities")?;
    path.get(at + 1)?.parse().ok()
}

/// The quantities (by index in the batch) a variable error of Shopify's points at, with its explanation:
/// `extensions.problems[].path` such as `["quantities", 2, "quantity"]`.
fn invalid_quantities(errors: &[shopify_admin::GraphQlError], len: usize) -> BTreeMap<usize, String> {
    let mut invalid = BTreeMap::new();
    for error in errors {
        let problems = error.extensions.as_ref().and_then(|e| e.get("problems")).and_then(|p| p.as_array());
        for problem in problems.into_iter().flatten() {
            let Some(path) = problem.get("path").and_then(|p| p.as_array()) else { continue };
            let Some(at) = path.iter().position(|part| part.as_str() == Some("quantities")) else { continue };
            let index = path.get(at + 1).and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok()));
            if let Some(index) = index.and_then(|i| usize::try_from(i).ok()).filter(|i| *i < len) {
                let reason = problem.get("explanation").and_then(|e| e.as_str()).unwrap_or(&error.message);
                invalid.insert(index, reason.to_string());
            }
        }
    }
    invalid
}

fn out_of_range(sku: &str, warehouse: &str, quantity: i64) -> Problem {
    Problem::new(
        objects::INVENTORY,
        &record_key(sku, warehouse),
        "QUANTITY_OUT_OF_RANGE",
        format!(
            "{sku} at {warehouse}: the back office holds {quantity}, above {}, the largest quantity Shopify accepts, \
             so it was not sent; correct the stock file and import it again",
            i32::MAX
        ),
    )
}

/// The key a stock level's skipped record is stored under.
fn record_key(sku: &str, warehouse: &str) -> String {
    format!("{sku}@{warehouse}")
}

fn missing_item(sku: &str, warehouse: &str) -> Problem {
    Problem::new(
        objects::INVENTORY,
        &record_key(sku, warehouse),
        "INVALID_INVENTORY_ITEM",
        format!(
            "{sku}: its Shopify variant no longer exists (was the product deleted in Shopify?); the next product \
             sync creates it again"
        ),
    )
}

/// A value unique to this run: the same quantities sent by a later run are a new change, not a retry.
fn run_nonce() -> String {
    format!("{}-{}", jiff::Timestamp::now().as_nanosecond(), std::process::id())
}

/// The `@idempotent` key of a batch: derived from its content (and the run), so a request the client retries
/// after a lost answer carries the same key and cannot apply twice, while a changed batch gets a new key.
fn idempotency_key(nonce: &str, location: &str, quantities: &[InventoryQuantityInput]) -> String {
    let mut text = format!("{nonce}\n{location}\n");
    for q in quantities {
        text.push_str(&format!("{} {} {:?}\n", q.inventory_item_id, q.quantity, q.change_from_quantity));
    }
    let hex = sha256_hex(text.as_bytes());
    // Shaped like a UUID, the form Shopify's examples use.
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn named(skus: &[String]) -> String {
    let mut text = skus.iter().take(NAMED_IN_NOTES).cloned().collect::<Vec<_>>().join(", ");
    if skus.len() > NAMED_IN_NOTES {
        text.push_str(&format!(" and {} more", skus.len() - NAMED_IN_NOTES));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idempotency_key_follows_the_batch_content() {
        let quantity = |q: i64| InventoryQuantityInput {
            inventory_item_id: Gid::new("gid://shopify/InventoryItem/1"),
            location_id: Gid::new("gid://shopify/Location/1"),
            quantity: q,
            change_from_quantity: Some(3),
        };
        let a = idempotency_key("run", "L", &[quantity(5)]);
        assert_eq!(a, idempotency_key("run", "L", &[quantity(5)]));
        assert_ne!(a, idempotency_key("run", "L", &[quantity(6)]));
        assert_ne!(a, idempotency_key("other run", "L", &[quantity(5)]));
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn a_variable_error_names_the_quantities_it_refused() {
        let error: shopify_admin::GraphQlError = serde_json::from_value(serde_json::json!({
            "message": "Variable $input of type InventorySetQuantitiesInput! was provided invalid value for \
                        quantities.2.quantity (Could not coerce value 3000000000 to Int)",
            "extensions": {"code": "INVALID_VARIABLE", "problems": [
                {"path": ["quantities", 2, "quantity"], "explanation": "Could not coerce value 3000000000 to Int"}
            ]}
        }))
        .unwrap();
        let invalid = invalid_quantities(std::slice::from_ref(&error), 3);
        assert_eq!(invalid.into_iter().collect::<Vec<_>>(), [(2, "Could not coerce value 3000000000 to Int".into())]);
        assert!(invalid_quantities(&[error], 2).is_empty(), "an index outside the batch is not a quantity of it");
    }

    #[test]
    fn user_error_paths_name_the_quantity() {
        let error = UserError {
            field: Some(vec!["input".into(), "quantities".into(), "17".into(), "changeFromQuantity".into()]),
            message: "stale".into(),
            code: Some(STALE.into()),
        };
        assert_eq!(quantity_index(&error), Some(17));
        assert_eq!(quantity_index(&UserError { field: Some(vec!["input".into(), "reason".into()]), ..error }), None);
    }
}
