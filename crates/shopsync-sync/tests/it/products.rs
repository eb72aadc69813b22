//! `sync products` against the simulator: first-time link by SKU, change detection, prices, images, Shopify's
//! refusals as skipped records, the writes switch, dry runs and importing unmatched products.

use std::str::FromStr;

use rust_decimal::Decimal;
use shopify_sim::{Plan, Seed, SimConfig};
use shopsync_store::{
    CatalogStore, ItemInput, ItemQuery, ItemStatus, JobTrigger, PriceInput, PriceListInput, ShopStore, VariantInput,
};
use shopsync_sync::catalog::{ProductPlan, ProductSyncOptions, plan_products, sync_products};
use shopsync_sync::{FlowSummary, NoProgress, SyncError};

use crate::Harness;

/// The price list every test sells at.
pub const PRICE_LIST: &str = "RETAIL";

/// An item with one variant per SKU (options `Size` S, M, L ... when it has several).
pub fn item(number: &str, name: &str, skus: &[&str]) -> ItemInput {
    const SIZES: [&str; 6] = ["S", "M", "L", "XL", "XXL", "3XL"];
    let several = skus.len() > 1;
    ItemInput {
        number: number.into(),
        name: name.into(),
        description: format!("<p>{name}</p>"),
        status: ItemStatus::Active,
        vendor: Some("Northwind".into()),
        product_type: Some("Apparel".into()),
        inventory_tracked: true,
        option_names: if several { vec!["Size".into()] } else { Vec::new() },
        tags: vec!["shopsync".into()],
        variants: skus
            .iter()
            .enumerate()
            .map(|(i, sku)| VariantInput {
                code: sku.to_string(),
                sku: sku.to_string(),
                option_values: if several { vec![SIZES[i].into()] } else { Vec::new() },
                position: i as i64,
                ..VariantInput::default()
            })
            .collect(),
        ..ItemInput::default()
    }
}

/// Stores items and prices every SKU of them at `price` in [`PRICE_LIST`].
pub async fn stock_catalog(h: &Harness, items: &[ItemInput], price: &str) {
    h.store.upsert_items(items).await.unwrap();
    let prices: Vec<PriceInput> = items
        .iter()
        .flat_map(|i| i.variants.iter())
        .map(|v| PriceInput { sku: v.sku.clone(), price: price.into(), compare_at_price: None })
        .collect();
    set_prices(h, &prices).await;
}

pub async fn set_prices(h: &Harness, prices: &[PriceInput]) {
    let list = PriceListInput { code: PRICE_LIST.into(), name: None, currency: Some("EUR".into()) };
    h.store.upsert_prices(&list, prices).await.unwrap();
}

/// Runs `sync products` as the CLI does: a manual job.
pub async fn sync(h: &Harness, options: ProductSyncOptions) -> Result<FlowSummary, SyncError> {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let flow = sync_products(&shop, &options, &NoProgress);
    h.engine.run_job(&shop, "products", JobTrigger::Manual, &NoProgress, flow).await
}

pub async fn plan(h: &Harness, options: ProductSyncOptions) -> ProductPlan {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    plan_products(&shop, &options, &NoProgress).await.unwrap()
}

/// The Shopify product carrying a SKU.
pub fn product_with(h: &Harness, sku: &str) -> shopify_sim::control::ProductSnapshot {
    let products = h.sim.control().products();
    let found: Vec<_> =
        products.into_iter().filter(|p| p.variants.iter().any(|v| v.sku.as_deref() == Some(sku))).collect();
    assert_eq!(found.len(), 1, "exactly one Shopify product carries {sku}");
    found.into_iter().next().unwrap()
}

/// Changes a variant's price in Shopify, as a person in the admin would.
fn edit_price_in_shopify(h: &Harness, sku: &str, price: &str) {
    let price = Decimal::from_str(price).unwrap();
    h.sim.control().with_store_mut(|store| {
        for variant in store.catalog.variants.values_mut().filter(|v| v.sku.as_deref() == Some(sku)) {
            variant.price = price;
        }
    });
}

/// Mutations that change the shop: every mutation but `bulkOperationRunQuery`, which only exports the shop's data
/// into a file (a dry run's first link reads the catalog that way).
fn writes(h: &Harness) -> u64 {
    let stats = h.sim.control().stats();
    stats.mutations - stats.by_root_field.get("bulkOperationRunQuery").copied().unwrap_or(0)
}

async fn item_stored(h: &Harness, number: &str) -> shopsync_store::Item {
    h.store.item(number).await.unwrap().unwrap()
}

/// An item as the sim's seed holds product `p` (same title, options and SKUs).
fn item_like_seeded(h: &Harness, p: usize) -> ItemInput {
    let product = product_with(h, &format!("SKU-{p:05}-1"));
    let default_only = product.options.len() == 1 && product.options[0].0 == "Title";
    ItemInput {
        number: format!("I-{p:05}"),
        name: product.title.clone(),
        status: ItemStatus::Active,
        inventory_tracked: true,
        option_names: if default_only { Vec::new() } else { product.options.iter().map(|o| o.0.clone()).collect() },
        variants: product
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| VariantInput {
                code: v.sku.clone().unwrap(),
                sku: v.sku.clone().unwrap(),
                option_values: if default_only { Vec::new() } else { v.title.split(" / ").map(String::from).collect() },
                position: i as i64,
                ..VariantInput::default()
            })
            .collect(),
        ..ItemInput::default()
    }
}

#[tokio::test]
async fn items_already_in_shopify_are_linked_by_sku_and_never_duplicated() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, plan: Plan::Plus, ..SimConfig::default() }).await;
    let before = h.sim.control().products().len();
    let mut items: Vec<ItemInput> = (1..=5).map(|p| item_like_seeded(&h, p)).collect();
    items.push(item("NEW-1", "Linen Apron", &["APRON-1"]));
    stock_catalog(&h, &items, "24.50").await;

    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.linked, summary.created, summary.updated, summary.skipped), (5, 1, 5, 0), "{summary}");
    assert_eq!(h.sim.control().products().len(), before + 1, "only the new item became a product");
    let links = h.store.product_links(h.shop.id).await.unwrap();
    assert_eq!(links.len(), 6);
    let seeded = product_with(&h, "SKU-00003-1");
    let item3 = item_stored(&h, "I-00003").await;
    assert!(links.iter().any(|l| l.item_id == item3.id && l.shopify_product_id == seeded.id));
    assert!(seeded.variants.iter().all(|v| v.price == "24.50"), "the back-office price went to the linked product");
    let variant_links = h.store.variant_links(h.shop.id).await.unwrap();
    let variants: usize = items.iter().map(|i| i.variants.len()).sum();
    assert_eq!(variant_links.len(), variants);
}

#[tokio::test]
async fn a_second_sync_of_an_unchanged_catalog_makes_no_mutation() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, plan: Plan::Plus, ..SimConfig::default() }).await;
    let items: Vec<ItemInput> = (1..=12)
        .map(|n| item(&format!("I-{n}"), &format!("Wool Socks {n}"), &[&format!("SOCK-{n}-S"), &format!("SOCK-{n}-M")]))
        .collect();
    stock_catalog(&h, &items, "9.90").await;
    let first = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((first.created, first.unchanged), (12, 0), "{first}");

    h.sim.control().reset_stats();
    let second = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((second.created, second.updated, second.unchanged), (0, 0, 12), "{second}");
    let stats = h.sim.control().stats();
    assert_eq!(stats.mutations, 0, "an unchanged catalog costs no mutation: {stats:?}");
    assert_eq!(h.sim.control().products().len(), 12);

    // One changed item costs one call.
    let mut changed = items[4].clone();
    changed.name = "Wool Socks Deluxe".into();
    h.store.upsert_items(&[changed]).await.unwrap();
    let third = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((third.updated, third.unchanged), (1, 11), "{third}");
    assert_eq!(h.sim.control().stats().by_root_field.get("productSet"), Some(&1));
    assert_eq!(product_with(&h, "SOCK-5-S").title, "Wool Socks Deluxe");
}

#[tokio::test]
async fn price_only_when_changed_keeps_a_price_edited_in_shopify_until_the_back_office_price_changes() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    h.set("price-only-when-changed", "on").await;
    let mut tee = item("TEE", "Classic Tee", &["TEE-S", "TEE-M"]);
    stock_catalog(&h, std::slice::from_ref(&tee), "19.90").await;
    sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(product_with(&h, "TEE-S").variants[0].price, "19.90");

    // Someone runs a promotion in Shopify; the back office changes only the title.
    edit_price_in_shopify(&h, "TEE-S", "15.00");
    tee.name = "Classic Tee (organic)".into();
    h.store.upsert_items(std::slice::from_ref(&tee)).await.unwrap();
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.updated, 1, "{summary}");
    let product = product_with(&h, "TEE-S");
    assert_eq!(product.title, "Classic Tee (organic)");
    assert_eq!(product.variants[0].price, "15.00", "the price edited in Shopify survives");

    // The back-office price changes: now it is sent.
    set_prices(
        &h,
        &[PriceInput { sku: "TEE-S".into(), price: "21.00".into(), compare_at_price: Some("25.00".into()) }],
    )
    .await;
    sync(&h, ProductSyncOptions::default()).await.unwrap();
    let product = product_with(&h, "TEE-S");
    assert_eq!(product.variants[0].price, "21.00");
    assert_eq!(product.variants[0].compare_at_price.as_deref(), Some("25.00"));

    // With the option off, any update sends the prices again.
    h.set("price-only-when-changed", "off").await;
    edit_price_in_shopify(&h, "TEE-M", "1.00");
    tee.name = "Classic Tee".into();
    h.store.upsert_items(std::slice::from_ref(&tee)).await.unwrap();
    sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(product_with(&h, "TEE-M").variants[1].price, "19.90");
}

#[tokio::test]
async fn overwrite_images_off_keeps_shopifys_images_and_on_replaces_them() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let mut mug = item("MUG", "Alpine Mug", &["MUG-1"]);
    mug.images = vec!["https://images.example.com/mug-front.png".into()];
    stock_catalog(&h, std::slice::from_ref(&mug), "12.00").await;
    sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(product_with(&h, "MUG-1").image_urls, ["https://images.example.com/mug-front.png"]);

    // New images and a new title in the back office: the title goes, Shopify's images stay.
    mug.images =
        vec!["https://images.example.com/mug-side.png".into(), "https://images.example.com/mug-top.png".into()];
    mug.name = "Alpine Mug 300 ml".into();
    h.store.upsert_items(std::slice::from_ref(&mug)).await.unwrap();
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.updated, 1);
    let product = product_with(&h, "MUG-1");
    assert_eq!(product.title, "Alpine Mug 300 ml");
    assert_eq!(product.image_urls, ["https://images.example.com/mug-front.png"]);

    // With overwrite-images on, the item's images replace Shopify's.
    h.set("overwrite-images", "on").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.updated, 1, "turning the setting on changes what is sent: {summary}");
    assert_eq!(product_with(&h, "MUG-1").image_urls, mug.images);
}

#[tokio::test]
async fn shopify_refusals_become_skipped_records_that_clear_when_the_item_syncs() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let mut clash = item("CLASH", "Clashing Tee", &["CLASH-A", "CLASH-B"]);
    clash.variants[1].option_values = vec!["S".into()]; // both variants are size S: Shopify refuses
    let fine = item("FINE", "Fine Tee", &["FINE-1"]);
    stock_catalog(&h, &[clash.clone(), fine], "10.00").await;

    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.created, summary.skipped), (1, 1), "the good item is not held back: {summary}");
    assert_eq!(summary.errors.get("INVALID_VARIANT"), Some(&1), "{summary}");
    let records = h.store.skipped_records(h.shop.id, Some("item")).await.unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.object_key, "CLASH");
    assert_eq!(record.code.as_deref(), Some("INVALID_VARIANT"));
    assert_eq!(record.field.as_deref(), Some("input.variants.1.optionValues"));
    assert!(
        record.message.contains("variant CLASH-B") && record.message.contains("already exists"),
        "{}",
        record.message
    );

    // Corrected in the back office: it syncs and its error goes.
    clash.variants[1].option_values = vec!["M".into()];
    h.store.upsert_items(&[clash]).await.unwrap();
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.created, summary.skipped), (1, 0), "{summary}");
    assert!(h.store.skipped_records(h.shop.id, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_variant_without_price_is_not_sent() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let items = [item("A", "Priced", &["A-1"]), item("B", "Unpriced", &["B-1"])];
    h.store.upsert_items(&items).await.unwrap();
    set_prices(&h, &[PriceInput { sku: "A-1".into(), price: "3.00".into(), compare_at_price: None }]).await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.created, summary.skipped), (1, 1), "{summary}");
    let record = &h.store.skipped_records(h.shop.id, None).await.unwrap()[0];
    assert_eq!((record.object_key.as_str(), record.code.as_deref()), ("B", Some("MISSING_PRICE")));
    assert!(record.message.contains("a prices file for the price list RETAIL"), "{}", record.message);
}

#[tokio::test]
async fn with_writes_off_nothing_is_sent_the_error_names_the_setting_and_a_dry_run_still_works() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    h.set("allow-data-sync-to-shopify", "off").await;
    stock_catalog(&h, &[item("A", "Tote Bag", &["TOTE-1"])], "8.00").await;

    let err = sync(&h, ProductSyncOptions::default()).await.unwrap_err();
    assert!(matches!(err, SyncError::WritesDisabled(_)), "{err}");
    // The remedy is the setting that allows writes, as an action the front-ends render.
    let turn_on = shopsync_core::remedy::RemedyAction::SetSetting {
        shop: "shopsync-demo.myshopify.com".into(),
        key: "allow-data-sync-to-shopify".into(),
        value: Some("on".into()),
    };
    assert!(err.remedy().is_some_and(|step| step.actions().any(|a| *a == turn_on)), "{err}");
    assert_eq!(h.sim.control().stats().mutations, 0);
    assert_eq!(h.sim.control().stats().graphql_requests, 0, "refused before any request");

    let plan = plan(&h, ProductSyncOptions::default()).await;
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(writes(&h), 0, "a dry run reads only");

    // With outgoing requests off (the sandbox guard) not even a dry run sends anything.
    h.set("allow-outgoing-requests", "off").await;
    h.sim.control().reset_stats();
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let err = plan_products(&shop, &ProductSyncOptions::default(), &NoProgress).await.unwrap_err();
    assert!(matches!(err, SyncError::OutgoingDisabled(_)), "{err}");
    assert_eq!(h.sim.control().stats().graphql_requests, 0);
    h.set("allow-outgoing-requests", "on").await;

    // Inventory is refused the same way.
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = shopsync_sync::catalog::InventorySyncOptions::default();
    let err = shopsync_sync::catalog::sync_inventory(&shop, &options, &NoProgress).await.unwrap_err();
    assert!(matches!(err, SyncError::WritesDisabled(_)), "{err}");
    assert_eq!(h.sim.control().stats().mutations, 0);
}

#[tokio::test]
async fn a_dry_run_shows_field_changes_and_writes_nothing_to_shopify_or_the_links() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, ..SimConfig::default() }).await;
    let linked = item_like_seeded(&h, 2);
    let mut new = item("NEW", "Canvas Cap", &["CAP-1"]);
    new.images = vec!["https://images.example.com/cap.png".into()];
    stock_catalog(&h, &[linked, new.clone()], "30.00").await;

    // Before the first sync: one link by SKU (with its differences) and one create.
    h.sim.control().reset_stats();
    let first = plan(&h, ProductSyncOptions::default()).await;
    assert_eq!((first.links.len(), first.creates.len(), first.updates.len()), (1, 1, 1), "{first:?}");
    assert_eq!(first.creates[0].images, 1);
    assert!(first.updates[0].changes.iter().any(|c| c.field == "SKU-00002-1 price" && c.new == "30.00"), "{first:?}");
    assert_eq!(writes(&h), 0);
    assert!(h.store.product_links(h.shop.id).await.unwrap().is_empty(), "a dry run links nothing");

    sync(&h, ProductSyncOptions::default()).await.unwrap();
    let links_before = h.store.product_links(h.shop.id).await.unwrap();

    // A new price and status in the back office.
    set_prices(&h, &[PriceInput { sku: "CAP-1".into(), price: "32.50".into(), compare_at_price: None }]).await;
    new.status = ItemStatus::Draft;
    h.store.upsert_items(&[new]).await.unwrap();
    h.sim.control().reset_stats();
    let second = plan(&h, ProductSyncOptions::default()).await;
    assert_eq!((second.updates.len(), second.unchanged, second.creates.len()), (1, 1, 0), "{second:?}");
    let update = &second.updates[0];
    assert_eq!(update.item, "NEW");
    let change =
        |field: &str| update.changes.iter().find(|c| c.field == field).map(|c| (c.old.as_str(), c.new.as_str()));
    assert_eq!(change("CAP-1 price"), Some(("30.00", "32.50")));
    assert_eq!(change("status"), Some(("active", "draft")));
    assert!(
        update.notes.iter().any(|n| n.contains("images: kept") && n.contains("overwrite-images off")),
        "{update:?}"
    );
    assert!(
        update.admin_url.as_deref().unwrap().starts_with("https://admin.shopify.com/store/shopsync-demo/products/")
    );
    assert_eq!(h.sim.control().stats().mutations, 0, "a dry run sends no mutation");
    assert_eq!(h.store.product_links(h.shop.id).await.unwrap(), links_before, "nor changes a link or hash");
    assert_eq!(product_with(&h, "CAP-1").variants[0].price, "30.00");
}

#[tokio::test]
async fn import_unmatched_brings_unknown_shopify_products_into_the_back_office() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, plan: Plan::Plus, ..SimConfig::default() }).await;
    let known: Vec<ItemInput> = (1..=3).map(|p| item_like_seeded(&h, p)).collect();
    stock_catalog(&h, &known, "40.00").await;
    let shopify_products = h.sim.control().products().len();

    let summary =
        sync(&h, ProductSyncOptions { import_unmatched: true, ..ProductSyncOptions::default() }).await.unwrap();
    // Products 4..=24 come in; product 25 (gift wrap) has no SKU and is reported.
    assert_eq!(summary.notes.get("imported into the back office").map(String::as_str), Some("21"), "{summary:?}");
    assert_eq!(summary.errors.get("MISSING_SKU"), Some(&1), "{summary}");
    assert_eq!(h.sim.control().products().len(), shopify_products, "nothing was created in Shopify");
    let items = h.store.items(&ItemQuery::default()).await.unwrap();
    assert_eq!(items.len(), 24);
    let imported = product_with(&h, "SKU-00010-1");
    let item = items.iter().find(|i| i.variants.iter().any(|v| v.sku == "SKU-00010-1")).unwrap();
    assert_eq!((item.number.as_str(), item.name.as_str()), (imported.handle.as_str(), imported.title.as_str()));
    assert_eq!(item.variants.len(), imported.variants.len());
    let price = &h.store.prices(super::products::PRICE_LIST, &["SKU-00010-1".into()]).await.unwrap()[0];
    assert_eq!(price.price, imported.variants[0].price);

    // Imported products are linked and in sync: the next sync sends nothing.
    h.sim.control().reset_stats();
    let again = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((again.unchanged, again.created, again.updated), (24, 0, 0), "{again}");
    assert_eq!(h.sim.control().stats().mutations, 0);
}

#[tokio::test]
async fn an_archived_item_is_not_created_but_archives_the_product_it_is_linked_to() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let mut retired = item("OLD", "Retired Scarf", &["SCARF-1"]);
    retired.status = ItemStatus::Archived;
    let mut current = item("CUR", "Current Scarf", &["SCARF-2"]);
    stock_catalog(&h, &[retired, current.clone()], "20.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.created, 1, "{summary}");
    assert_eq!(summary.notes.get("archived items not in Shopify, not created").map(String::as_str), Some("1"));
    assert_eq!(h.sim.control().products().len(), 1);

    current.status = ItemStatus::Archived;
    h.store.upsert_items(&[current]).await.unwrap();
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.updated, 1, "{summary}");
    assert_eq!(product_with(&h, "SCARF-2").status, "ARCHIVED");
}

/// The catalog read's choice as the summary names it.
fn read_as(summary: &FlowSummary) -> Option<&str> {
    summary.notes.get("catalog read as").map(String::as_str)
}

#[tokio::test]
async fn the_first_link_reads_the_catalog_by_one_bulk_query_and_later_increments_search_by_sku() {
    let h = Harness::start(SimConfig { seed: Seed::Demo, plan: Plan::Plus, ..SimConfig::default() }).await;
    let items: Vec<ItemInput> = (1..=3).map(|p| item_like_seeded(&h, p)).collect();
    stock_catalog(&h, &items, "40.00").await;

    // No products cursor yet: the whole catalog comes in one bulk query, never page by page.
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.linked, summary.created, summary.skipped), (3, 0, 0), "{summary}");
    assert_eq!(read_as(&summary), Some("bulk query"), "{summary:?}");
    assert_eq!(h.sim.control().bulk_operations().len(), 1);
    let cursor = h.store.cursor(h.shop.id, "products").await.unwrap().expect("the products cursor is saved");
    assert!(cursor.updated_at.is_some() && cursor.bulk_operation_id.is_none(), "{cursor:?}");
    assert!(cursor.last_success_at.is_some());

    // A small increment after that searches the few new SKUs.
    stock_catalog(&h, &[item_like_seeded(&h, 4)], "40.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.linked, summary.created), (1, 0), "{summary}");
    assert_eq!(read_as(&summary), Some("SKU search"), "{summary:?}");
    assert_eq!(h.sim.control().bulk_operations().len(), 1, "no second export");

    // `reset-cursor products` makes the next link read the whole catalog again.
    h.store.reset_cursor(h.shop.id, "products", None).await.unwrap();
    stock_catalog(&h, &[item_like_seeded(&h, 5)], "40.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!((summary.linked, summary.created), (1, 0), "{summary}");
    assert_eq!(read_as(&summary), Some("bulk query"), "{summary:?}");
    assert_eq!(h.sim.control().bulk_operations().len(), 2);

    // Nothing unlinked: nothing is read at all.
    h.sim.control().reset_stats();
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(read_as(&summary), Some("nothing to match"), "{summary:?}");
    assert_eq!(h.sim.control().stats().graphql_requests, 0, "{summary}");
}

#[tokio::test]
async fn import_unmatched_reads_by_bulk_query_and_a_dry_run_keeps_no_cursor() {
    let h = Harness::start(SimConfig { seed: Seed::Count(30), plan: Plan::Plus, ..SimConfig::default() }).await;
    let shopify_variants: usize = h.sim.control().products().iter().map(|p| p.variants.len()).sum();

    let planned = plan(&h, ProductSyncOptions { import_unmatched: true, ..ProductSyncOptions::default() }).await;
    assert_eq!(planned.imports.len(), 30, "{planned:?}");
    assert!(h.store.cursor(h.shop.id, "products").await.unwrap().is_none(), "a dry run stores no cursor");

    h.sim.control().reset_stats();
    let summary =
        sync(&h, ProductSyncOptions { import_unmatched: true, ..ProductSyncOptions::default() }).await.unwrap();
    assert_eq!(read_as(&summary), Some("bulk query"), "{summary:?}");
    assert_eq!(summary.notes.get("imported into the back office").map(String::as_str), Some("30"), "{summary}");
    let items = h.store.items(&ItemQuery::default()).await.unwrap();
    assert_eq!(items.iter().map(|i| i.variants.len()).sum::<usize>(), shopify_variants, "every variant came in");
    // A bulk query, its polls and nothing else: no page of products.
    let stats = h.sim.control().stats();
    assert!(stats.cost_spent <= 100, "{} points for 30 products: {stats:?}", stats.cost_spent);
    assert_eq!(stats.mutations, 1, "the bulk query is the only mutation: {stats:?}");
}
