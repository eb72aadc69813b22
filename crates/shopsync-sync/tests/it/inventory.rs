//! `sync inventory` against the simulator: changed stock only, compare-and-swap conflicts, a refused quantity
//! inside a full batch, reads of unknown quantities, unmapped and unlinked stock, dry runs.

use shopify_sim::control::StockChange;
use shopify_sim::{Plan, Seed, SimConfig};
use shopsync_store::{CatalogStore, ItemInput, JobTrigger, StockInput};
use shopsync_sync::catalog::{InventoryPlan, InventorySyncOptions, ProductSyncOptions, plan_inventory, sync_inventory};
use shopsync_sync::{FlowSummary, NoProgress};

use crate::Harness;
use crate::products::{item, stock_catalog, sync};

async fn sync_stock(h: &Harness) -> FlowSummary {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = InventorySyncOptions::default();
    let flow = sync_inventory(&shop, &options, &NoProgress);
    h.engine.run_job(&shop, "inventory", JobTrigger::Manual, &NoProgress, flow).await.unwrap()
}

async fn plan_stock(h: &Harness) -> InventoryPlan {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    plan_inventory(&shop, &InventorySyncOptions { dry_run: true }, &NoProgress).await.unwrap()
}

async fn set_stock(h: &Harness, warehouse: &str, levels: &[(&str, i64)]) {
    let levels: Vec<StockInput> = levels
        .iter()
        .map(|(sku, quantity)| StockInput { warehouse: warehouse.into(), sku: sku.to_string(), quantity: *quantity })
        .collect();
    h.store.upsert_stock(&levels).await.unwrap();
}

/// Maps warehouse MAIN to the simulator's first location and returns that location's id.
async fn map_main(h: &Harness) -> String {
    let location = h.sim.control().locations()[0].id.clone();
    h.set("location-map", &format!("MAIN={location}")).await;
    location
}

fn available(h: &Harness, sku: &str, location: &str) -> Option<i64> {
    h.sim.control().quantity(sku, Some(location), "available")
}

/// `n` single-variant items pushed to an empty store.
async fn pushed_items(h: &Harness, n: usize) -> Vec<ItemInput> {
    let items: Vec<ItemInput> =
        (1..=n).map(|i| item(&format!("I-{i:04}"), &format!("Candle {i}"), &[&format!("CANDLE-{i:04}")])).collect();
    stock_catalog(h, &items, "6.50").await;
    let summary = sync(h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.created as usize, n, "{summary}");
    items
}

#[tokio::test]
async fn changed_stock_is_sent_once_and_unchanged_stock_costs_nothing() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, plan: Plan::Plus, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    pushed_items(&h, 6).await;
    set_stock(&h, "MAIN", &[("CANDLE-0001", 5), ("CANDLE-0002", 0), ("CANDLE-0003", 12), ("CANDLE-0004", -2)]).await;

    h.sim.control().reset_stats();
    let summary = sync_stock(&h).await;
    // A new variant is stocked at no location yet: its quantities are read, then every one is set, 0 included
    // (which stocks CANDLE-0002 at the location); -2 is sent as 0.
    assert_eq!((summary.updated, summary.unchanged, summary.skipped), (4, 0, 0), "{summary:?}");
    assert_eq!(available(&h, "CANDLE-0001", &location), Some(5));
    assert_eq!(available(&h, "CANDLE-0002", &location), Some(0));
    assert_eq!(available(&h, "CANDLE-0003", &location), Some(12));
    assert_eq!(available(&h, "CANDLE-0004", &location), Some(0));
    let stats = h.sim.control().stats();
    assert_eq!(stats.by_root_field.get("inventorySetQuantities"), Some(&1), "one batch: {stats:?}");
    assert_eq!(stats.by_root_field.get("nodes"), Some(&1), "the new variants' quantities are read in one call");

    h.sim.control().reset_stats();
    let again = sync_stock(&h).await;
    assert_eq!((again.updated, again.unchanged), (0, 4), "{again:?}");
    assert_eq!(h.sim.control().stats().mutations, 0);
}

#[tokio::test]
async fn a_stock_change_in_shopify_meanwhile_is_reread_and_not_overwritten_blindly() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    pushed_items(&h, 2).await;
    set_stock(&h, "MAIN", &[("CANDLE-0001", 10), ("CANDLE-0002", 4)]).await;
    sync_stock(&h).await;

    // A sale in Shopify between our last read (10) and our next write.
    let sale = StockChange {
        sku: Some("CANDLE-0001".into()),
        inventory_item_id: None,
        location_id: Some(location.clone()),
        name: None,
        quantity: 9,
    };
    h.sim.control().set_stock(&sale).unwrap();
    set_stock(&h, "MAIN", &[("CANDLE-0001", 20), ("CANDLE-0002", 7)]).await;
    h.sim.control().reset_stats();
    let summary = sync_stock(&h).await;
    assert_eq!((summary.updated, summary.skipped), (2, 0), "{summary:?}");
    assert_eq!(
        summary.notes.get("stock changed in Shopify meanwhile, re-read and resolved").map(String::as_str),
        Some("1"),
        "{summary:?}"
    );
    assert_eq!(available(&h, "CANDLE-0001", &location), Some(20));
    assert_eq!(available(&h, "CANDLE-0002", &location), Some(7));
    let stats = h.sim.control().stats();
    assert_eq!(stats.by_root_field.get("inventorySetQuantities"), Some(&2), "refused once, then sent: {stats:?}");
    assert_eq!(stats.by_root_field.get("nodes"), Some(&1), "the stale item was re-read");
}

#[tokio::test]
async fn one_refused_quantity_does_not_stop_the_other_249_of_its_batch() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, plan: Plan::Plus, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    pushed_items(&h, 250).await;
    let first: Vec<(String, i64)> = (1..=250).map(|i| (format!("CANDLE-{i:04}"), 1)).collect();
    let levels: Vec<(&str, i64)> = first.iter().map(|(s, q)| (s.as_str(), *q)).collect();
    set_stock(&h, "MAIN", &levels).await;
    assert_eq!(sync_stock(&h).await.updated, 250);

    // Someone deletes one product in Shopify; then every quantity changes in the back office.
    let doomed = h.sim.control().variants_by_sku("CANDLE-0117")[0].product_id.clone();
    let doomed: u64 = doomed.rsplit('/').next().unwrap().parse().unwrap();
    h.sim.control().with_store_mut(|store| store.catalog.remove_product(doomed)).unwrap();
    let next: Vec<(String, i64)> = (1..=250).map(|i| (format!("CANDLE-{i:04}"), 40 + i as i64)).collect();
    let levels: Vec<(&str, i64)> = next.iter().map(|(s, q)| (s.as_str(), *q)).collect();
    set_stock(&h, "MAIN", &levels).await;

    h.sim.control().reset_stats();
    let summary = sync_stock(&h).await;
    assert_eq!((summary.updated, summary.skipped), (249, 1), "{summary:?}");
    assert_eq!(summary.errors.get("INVALID_INVENTORY_ITEM"), Some(&1));
    assert_eq!(available(&h, "CANDLE-0001", &location), Some(41));
    assert_eq!(available(&h, "CANDLE-0250", &location), Some(290));
    let stats = h.sim.control().stats();
    assert_eq!(stats.by_root_field.get("inventorySetQuantities"), Some(&2), "sent, refused one, sent 249: {stats:?}");
    let records = h.store.skipped_records(h.shop.id, Some("inventory")).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].object_key, "CANDLE-0117@MAIN");
    assert_eq!(records[0].field.as_deref(), Some("input.quantities.116.inventoryItemId"));
    assert!(records[0].message.contains("The specified inventory item could not be found."), "{}", records[0].message);
}

#[tokio::test]
async fn a_quantity_shopify_cannot_hold_is_skipped_by_its_sku_and_the_rest_of_its_batch_is_sent() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, plan: Plan::Plus, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    pushed_items(&h, 3).await;
    // Stored as a database from before the stock import refused it would hold it: above Shopify's 32-bit Int.
    set_stock(&h, "MAIN", &[("CANDLE-0001", 5), ("CANDLE-0002", 3_000_000_000), ("CANDLE-0003", 7)]).await;
    for _ in 0..2 {
        let summary = sync_stock(&h).await;
        assert_eq!(summary.skipped, 1, "{summary:?}");
        assert_eq!(summary.errors.get("QUANTITY_OUT_OF_RANGE"), Some(&1), "{summary:?}");
    }
    assert_eq!(available(&h, "CANDLE-0001", &location), Some(5));
    assert_eq!(available(&h, "CANDLE-0003", &location), Some(7));
    let records = h.store.skipped_records(h.shop.id, Some("inventory")).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].object_key, "CANDLE-0002@MAIN");
    assert!(
        records[0].message.starts_with("CANDLE-0002 at MAIN: the back office holds 3000000000"),
        "{}",
        records[0].message
    );
}

#[tokio::test]
async fn unknown_quantities_of_linked_products_are_read_before_they_are_set() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    // Two seeded single-variant products, linked by SKU.
    let items: Vec<ItemInput> =
        [2, 3].iter().map(|p| item(&format!("I-{p}"), &format!("Seeded {p}"), &[&format!("SKU-{p:05}-1")])).collect();
    stock_catalog(&h, &items, "5.00").await;
    assert_eq!(sync(&h, ProductSyncOptions::default()).await.unwrap().linked, 2);
    let current = available(&h, "SKU-00002-1", &location).unwrap();
    set_stock(&h, "MAIN", &[("SKU-00002-1", current), ("SKU-00003-1", 77)]).await;

    let plan = plan_stock(&h).await;
    assert_eq!(plan.locations[0].unchanged, 1, "SKU-00002-1 already holds the back-office quantity");
    assert_eq!(plan.locations[0].changes.len(), 1);
    assert_eq!(plan.locations[0].changes[0].new, 77);
    h.sim.control().reset_stats();
    let summary = sync_stock(&h).await;
    assert_eq!((summary.updated, summary.unchanged), (1, 1), "{summary:?}");
    assert_eq!(available(&h, "SKU-00003-1", &location), Some(77));
    assert_eq!(h.sim.control().stats().by_root_field.get("nodes"), Some(&1), "one read of both quantities");
}

#[tokio::test]
async fn unmapped_warehouses_and_skus_not_in_shopify_are_reported_and_a_dry_run_writes_nothing() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let location = map_main(&h).await;
    pushed_items(&h, 2).await;
    h.store.upsert_items(&[item("LATER", "Not yet in Shopify", &["LATER-1"])]).await.unwrap();
    set_stock(&h, "MAIN", &[("CANDLE-0001", 3), ("LATER-1", 9)]).await;
    set_stock(&h, "B2B", &[("CANDLE-0001", 50), ("CANDLE-0002", 60)]).await;

    h.sim.control().reset_stats();
    let plan = plan_stock(&h).await;
    assert_eq!(plan.unmapped.len(), 1);
    assert_eq!((plan.unmapped[0].warehouse.as_str(), plan.unmapped[0].skus), ("B2B", 2));
    assert_eq!(plan.unlinked_skus, ["LATER-1"]);
    assert_eq!(plan.locations[0].changes.len(), 1);
    assert_eq!((plan.locations[0].changes[0].old, plan.locations[0].changes[0].new), (None, 3));
    assert_eq!(h.sim.control().stats().mutations, 0);
    assert_eq!(available(&h, "CANDLE-0001", &location), None, "nothing was set");

    let summary = sync_stock(&h).await;
    assert_eq!(summary.updated, 1);
    assert_eq!(summary.notes.get("unmapped warehouses, not sent").map(String::as_str), Some("B2B (2 SKUs)"));
    assert!(summary.notes.keys().any(|k| k.starts_with("SKUs not in Shopify yet")), "{summary:?}");
}

#[tokio::test]
async fn without_a_location_map_the_error_lists_shopifys_locations() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, ..SimConfig::default() }).await;
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let err = sync_inventory(&shop, &InventorySyncOptions::default(), &NoProgress).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("location-map") && text.contains("Main Warehouse = gid://shopify/Location/"), "{text}");
}
