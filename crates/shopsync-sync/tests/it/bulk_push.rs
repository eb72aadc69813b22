//! The catalog push through bulk mutations: above the threshold the products go as one `productSet` bulk
//! mutation (and their publishing as one `publishablePublish` bulk mutation), with the same result in Shopify and
//! in the store as one call per product; Shopify's refusals of a line become skipped records; a run that stops
//! after the operation started is finished by the next run from the operation's id; small pushes stay direct.

use std::collections::BTreeMap;
use std::time::Duration;

use shopify_sim::{Seed, SimConfig};
use shopsync_store::{CatalogStore, ItemInput, ShopStore};
use shopsync_sync::NoProgress;
use shopsync_sync::catalog::{BULK_WRITE_ABOVE, ProductSyncOptions, sync_products};

use crate::Harness;
use crate::products::{item, stock_catalog, sync};

/// Every path forced: bulk for anything, or direct for everything.
fn bulk() -> ProductSyncOptions {
    ProductSyncOptions { bulk_above: Some(0), ..ProductSyncOptions::default() }
}

fn direct() -> ProductSyncOptions {
    ProductSyncOptions { bulk_above: Some(usize::MAX), ..ProductSyncOptions::default() }
}

/// `count` items of one to three sizes, each with an image, priced alike.
fn catalog(count: usize) -> Vec<ItemInput> {
    (1..=count)
        .map(|n| {
            let skus: Vec<String> = (1..=1 + n % 3).map(|v| format!("BULK-{n:03}-{v}")).collect();
            let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
            let mut item = item(&format!("B{n:03}"), &format!("Bulk Shirt {n}"), &skus);
            item.images = vec![format!("https://cdn.example.com/{n}.png")];
            item
        })
        .collect()
}

/// Bulk mutations the simulator ran, by the mutation's root field (`productSet`, `publishablePublish`).
fn bulk_mutations(h: &Harness) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for operation in h.sim.control().bulk_operations().into_iter().filter(|op| op.kind == "MUTATION") {
        let field = ["productSet", "publishablePublish"]
            .into_iter()
            .find(|field| operation.query.contains(&format!("{field}(")))
            .unwrap_or("other");
        *counts.entry(field.to_string()).or_default() += 1;
    }
    counts
}

/// Direct calls of a root field.
fn calls(h: &Harness, field: &str) -> u64 {
    h.sim.control().stats().by_root_field.get(field).copied().unwrap_or(0)
}

/// What Shopify holds, by handle, without the ids and times that differ between two stores: title, status,
/// vendor, type, tags, options, images, each variant's SKU, option values, price and tracking, and the channels
/// the product is published to.
fn shopify_catalog(h: &Harness) -> BTreeMap<String, String> {
    let control = h.sim.control();
    control
        .products()
        .into_iter()
        .map(|p| {
            let id: u64 = p.id.rsplit('/').next().unwrap().parse().unwrap();
            let channels: Vec<String> = control.with_store(|store| {
                let created = store.catalog.products[&id].created_at;
                let now = store.now();
                let publications = &store.publications;
                publications
                    .items
                    .iter()
                    .filter(|publication| publications.is_published(id, created, publication, now))
                    .map(|publication| publication.name.to_string())
                    .collect()
            });
            let variants: Vec<String> = p
                .variants
                .iter()
                .map(|v| format!("{:?} {} {} {:?} {}", v.sku, v.title, v.price, v.compare_at_price, v.tracked))
                .collect();
            let text = format!(
                "{} {} {} {} {:?} {:?} {:?} {:?} {channels:?}",
                p.title, p.status, p.vendor, p.product_type, p.tags, p.options, p.image_urls, variants
            );
            (p.handle, text)
        })
        .collect()
}

/// What the store keeps per item: the linked product's handle, the content hash, and per SKU the prices last
/// sent and whether an inventory item is known.
async fn links(h: &Harness) -> BTreeMap<String, String> {
    let handles: BTreeMap<String, String> =
        h.sim.control().products().into_iter().map(|p| (p.id.clone(), p.handle.clone())).collect();
    let items = h.store.items(&shopsync_store::ItemQuery::default()).await.unwrap();
    let products = h.store.product_links(h.shop.id).await.unwrap();
    let variants = h.store.variant_links(h.shop.id).await.unwrap();
    let mut out = BTreeMap::new();
    for item in &items {
        let Some(link) = products.iter().find(|l| l.item_id == item.id) else { continue };
        let skus: Vec<String> = item
            .variants
            .iter()
            .map(|v| {
                let link = variants.iter().find(|l| l.variant_id == v.id);
                format!(
                    "{} {:?} {:?} {}",
                    v.sku,
                    link.and_then(|l| l.last_price.clone()),
                    link.and_then(|l| l.last_compare_at_price.clone()),
                    link.is_some_and(|l| l.shopify_inventory_item_id.is_some()
                        && handles.get(&l.shopify_product_id) == handles.get(&link_product(&products, item.id)))
                )
            })
            .collect();
        out.insert(
            item.number.clone(),
            format!("{:?} {:?} {skus:?}", handles.get(&link.shopify_product_id), link.last_hash),
        );
    }
    out
}

fn link_product(products: &[shopsync_store::ProductLink], item_id: i64) -> String {
    products.iter().find(|l| l.item_id == item_id).map(|l| l.shopify_product_id.clone()).unwrap_or_default()
}

#[tokio::test]
async fn an_initial_push_above_the_threshold_is_one_bulk_mutation_with_the_same_result_as_direct_calls() {
    let items = catalog(BULK_WRITE_ABOVE + 10);
    let by_bulk = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let by_calls = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    for h in [&by_bulk, &by_calls] {
        h.set("publish-to", "Online Store, Shop").await;
        h.set("sync-images", "on").await;
        stock_catalog(h, &items, "19.90").await;
    }

    // The default rule: more than BULK_WRITE_ABOVE products go in bulk.
    let summary = sync(&by_bulk, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.created, summary.skipped), (items.len() as u64, 0), "{summary}");
    assert_eq!(summary.notes.get("products sent as").map(String::as_str), Some("bulk mutation"), "{summary}");
    let expected: BTreeMap<String, usize> =
        [("productSet".to_string(), 1), ("publishablePublish".to_string(), 1)].into();
    assert_eq!(bulk_mutations(&by_bulk), expected, "one operation to create, one to publish");
    assert_eq!((calls(&by_bulk, "productSet"), calls(&by_bulk, "publishablePublish")), (0, 0), "no direct call");

    let summary = sync(&by_calls, direct()).await.unwrap();
    assert_eq!(summary.created, items.len() as u64, "{summary}");
    assert!(bulk_mutations(&by_calls).is_empty());

    let (bulk_catalog, direct_catalog) = (shopify_catalog(&by_bulk), shopify_catalog(&by_calls));
    assert_eq!(bulk_catalog.len(), items.len());
    assert_eq!(bulk_catalog, direct_catalog, "Shopify holds the same products either way");
    assert!(bulk_catalog.values().all(|p| p.ends_with(r#"["Online Store", "Shop"]"#)), "published: {bulk_catalog:?}");
    let (bulk_links, direct_links) = (links(&by_bulk).await, links(&by_calls).await);
    assert_eq!(bulk_links.len(), items.len());
    assert_eq!(bulk_links, direct_links, "the same links, hashes and prices either way");

    // Nothing changed: the hashes stored are those of what Shopify accepted, so the next run sends nothing.
    let again = sync(&by_bulk, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, items.len() as u64), "{again}");
    assert_eq!(bulk_mutations(&by_bulk).values().sum::<usize>(), 2, "no new operation");
    assert_eq!(by_bulk.store.bulk_write(by_bulk.shop.id, "products").await.unwrap(), None, "nothing left pending");

    // A price change across the catalog goes the same way, as updates.
    stock_catalog(&by_bulk, &items, "21.00").await;
    let changed = sync(&by_bulk, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((changed.created, changed.updated), (0, items.len() as u64), "{changed}");
    assert_eq!(bulk_mutations(&by_bulk).get("productSet"), Some(&2));
    assert_eq!(bulk_mutations(&by_bulk).get("publishablePublish"), Some(&1), "updates publish nothing");
    let product = crate::products::product_with(&by_bulk, "BULK-001-1");
    assert!(product.variants.iter().all(|v| v.price == "21.00"), "{product:?}");
}

#[tokio::test]
async fn a_line_shopify_refuses_becomes_a_skipped_record_with_its_message_while_the_others_are_linked() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let mut clash = item("CLASH", "Clashing Tee", &["CLASH-A", "CLASH-B"]);
    clash.variants[1].option_values = vec!["S".into()]; // both variants are size S: Shopify refuses
    let mut items = catalog(3);
    items.insert(1, clash);
    stock_catalog(&h, &items, "10.00").await;

    let summary = sync(&h, bulk()).await.unwrap();
    assert_eq!((summary.created, summary.skipped), (3, 1), "the good items are not held back: {summary}");
    assert_eq!(summary.errors.get("INVALID_VARIANT"), Some(&1), "{summary}");
    assert_eq!(bulk_mutations(&h).get("productSet"), Some(&1));
    let records = h.store.skipped_records(h.shop.id, Some("item")).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!((record.object_key.as_str(), record.code.as_deref()), ("CLASH", Some("INVALID_VARIANT")));
    assert_eq!(record.field.as_deref(), Some("input.variants.1.optionValues"));
    assert!(record.message.contains("variant CLASH-B") && record.message.contains("already exists"), "{record:?}");
    let linked = h.store.product_links(h.shop.id).await.unwrap();
    assert_eq!(linked.len(), 3, "the three other items are linked");
    assert_eq!(h.sim.control().products().len(), 3);
}

#[tokio::test]
async fn a_run_stopped_after_the_operation_started_is_finished_by_the_next_run_without_creating_anything_twice() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    // A first product, so the catalog has been read once (its read is a bulk query, which the pause below would
    // hold too).
    stock_catalog(&h, &catalog(1), "10.00").await;
    sync(&h, direct()).await.unwrap();
    let items = catalog(8);
    stock_catalog(&h, &items, "10.00").await;

    // Shopify takes the operation and holds it; the run is stopped while it waits (a dropped future runs no
    // more code, as a killed process).
    let mut behaviour = h.sim.control().bulk_behaviour();
    behaviour.paused = true;
    h.sim.control().set_bulk_behaviour(behaviour.clone());
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = bulk();
    let run = sync_products(&shop, &options, &NoProgress);
    let started = async {
        while !bulk_mutations(&h).contains_key("productSet") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The id is saved right after the answer; give the run that moment.
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::select! {
        outcome = run => panic!("the run ended while the operation was held: {outcome:?}"),
        () = started => {}
    }
    let kept = h.store.bulk_write(h.shop.id, "products").await.unwrap().expect("the write is kept");
    let operation = kept.operation_id.clone().expect("with its operation's id");
    assert!(h.store.product_links(h.shop.id).await.unwrap().len() == 1, "nothing recorded yet");

    // Shopify finishes the operation while shopsync is away; the next run reads its result.
    behaviour.paused = false;
    h.sim.control().set_bulk_behaviour(behaviour);
    let summary = sync(&h, bulk()).await.unwrap();
    assert_eq!(summary.notes.get("resumed bulk operation"), Some(&operation), "{summary}");
    assert_eq!(summary.created, 7, "{summary}");
    assert_eq!(bulk_mutations(&h).get("productSet"), Some(&1), "no second operation: {:?}", bulk_mutations(&h));
    assert_eq!(h.sim.control().products().len(), 8, "every product once");
    for item in &items {
        let sku = &item.variants[0].sku;
        crate::products::product_with(&h, sku);
    }
    assert_eq!(h.store.product_links(h.shop.id).await.unwrap().len(), 8);
    assert_eq!(h.store.bulk_write(h.shop.id, "products").await.unwrap(), None);
    let again = sync(&h, bulk()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 8), "{again}");
}

#[tokio::test]
async fn a_push_at_or_below_the_threshold_calls_productset_directly() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    stock_catalog(&h, &catalog(BULK_WRITE_ABOVE), "10.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.created, BULK_WRITE_ABOVE as u64, "{summary}");
    assert_eq!(summary.notes.get("products sent as").map(String::as_str), Some("one productSet each"));
    assert!(bulk_mutations(&h).is_empty(), "no bulk mutation");
    assert_eq!(calls(&h, "productSet"), BULK_WRITE_ABOVE as u64);
    assert_eq!(calls(&h, "stagedUploadsCreate"), 0);
}

#[tokio::test]
async fn a_start_whose_answer_was_lost_is_waited_for_and_its_products_are_linked_not_created_again() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    stock_catalog(&h, &catalog(1), "10.00").await;
    sync(&h, direct()).await.unwrap();
    let items = catalog(6);
    stock_catalog(&h, &items, "10.00").await;
    let mut behaviour = h.sim.control().bulk_behaviour();
    behaviour.paused = true;
    h.sim.control().set_bulk_behaviour(behaviour.clone());
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = bulk();
    let run = sync_products(&shop, &options, &NoProgress);
    let started = async {
        while h.store.bulk_write(h.shop.id, "products").await.unwrap().and_then(|w| w.operation_id).is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        outcome = run => panic!("the run ended while the operation was held: {outcome:?}"),
        () = started => {}
    }
    // As if the answer to the start had been lost: the plan is kept, the operation's id is not.
    let mut kept = h.store.bulk_write(h.shop.id, "products").await.unwrap().unwrap();
    kept.operation_id = None;
    h.store.save_bulk_write(h.shop.id, &kept).await.unwrap();
    behaviour.paused = false;
    h.sim.control().set_bulk_behaviour(behaviour);

    let summary = sync(&h, bulk()).await.unwrap();
    assert_eq!(summary.notes.get("resumed bulk operation").map(String::as_str), Some("not started; sent again"));
    // The lost operation made five products; the run found them by SKU and linked them.
    assert_eq!((summary.linked, summary.created), (5, 0), "{summary}");
    assert_eq!(h.sim.control().products().len(), 6, "every product once");
    assert_eq!(h.store.product_links(h.shop.id).await.unwrap().len(), 6);
    let again = sync(&h, bulk()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 6), "{again}");
}

#[tokio::test]
async fn an_operation_that_fails_part_way_has_its_partial_result_recorded_and_published_and_the_run_says_so() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    stock_catalog(&h, &catalog(1), "10.00").await;
    sync(&h, direct()).await.unwrap();
    stock_catalog(&h, &catalog(6), "10.00").await;
    let mut behaviour = h.sim.control().bulk_behaviour();
    behaviour.fail_after_objects = Some(1);
    h.sim.control().set_bulk_behaviour(behaviour.clone());

    let err = sync(&h, bulk()).await.unwrap_err();
    assert!(err.to_string().contains("FAILED"), "the run fails with the operation: {err}");
    // The simulator fails after its first chunk of lines: every line ran and is in the partial result.
    assert_eq!(h.store.product_links(h.shop.id).await.unwrap().len(), 6, "what Shopify did is recorded");
    let catalog = shopify_catalog(&h);
    assert_eq!(catalog.len(), 6);
    assert!(catalog.values().all(|p| p.ends_with(r#"["Online Store"]"#)), "published: {catalog:?}");
    assert_eq!(h.store.bulk_write(h.shop.id, "products").await.unwrap(), None);

    behaviour.fail_after_objects = None;
    h.sim.control().set_bulk_behaviour(behaviour);
    let again = sync(&h, bulk()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 6), "{again}");
}
