//! New products are published to the sales channels of the shop's publish-to setting: a product an app creates is
//! in no channel otherwise, so buyers would never see it.

use shopify_sim::{Seed, SimConfig};
use shopsync_store::CatalogStore;
use shopsync_sync::SyncError;
use shopsync_sync::catalog::ProductSyncOptions;

use crate::Harness;
use crate::products::{item, stock_catalog, sync};

/// The channels the simulated store shows the product with this SKU in, by name.
fn channels_of(h: &Harness, sku: &str) -> Vec<String> {
    let product = h.sim.control().variants_by_sku(sku).first().map(|v| v.product_id.clone()).expect("created");
    let id: u64 = product.rsplit('/').next().unwrap().parse().unwrap();
    h.sim.control().with_store(|store| {
        let created = store.catalog.products[&id].created_at;
        let now = store.now();
        let publications = &store.publications;
        publications
            .items
            .iter()
            .filter(|p| publications.is_published(id, created, p, now))
            .map(|p| p.name.to_string())
            .collect()
    })
}

#[tokio::test]
async fn a_new_product_is_published_to_the_channels_publish_to_names_and_to_no_other() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    h.set("publish-to", "online store, Shop").await;
    stock_catalog(&h, &[item("A", "Tote Bag", &["TOTE-1"])], "8.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.created, 1);
    assert_eq!(channels_of(&h, "TOTE-1"), ["Online Store", "Shop"]);

    // Without the setting a new product stays in no channel, as Shopify leaves products apps create.
    h.set("publish-to", "none").await;
    stock_catalog(&h, &[item("B", "Mug", &["MUG-1"])], "8.00").await;
    sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert!(channels_of(&h, "MUG-1").is_empty());
}

#[tokio::test]
async fn a_channel_the_store_does_not_have_stops_the_sync_before_anything_is_created() {
    let h = Harness::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    h.set("publish-to", "Online Store,Webshop").await;
    stock_catalog(&h, &[item("A", "Tote Bag", &["TOTE-1"])], "8.00").await;
    let err = sync(&h, ProductSyncOptions::default()).await.unwrap_err();
    assert!(matches!(err, SyncError::Invalid(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("`Webshop`") && text.contains("Online Store, Point of Sale, Shop"), "{text}");
    // The first link's bulk query (an export of the catalog) is the only mutation: nothing was created.
    let stats = h.sim.control().stats();
    assert_eq!(stats.by_root_field.get("productSet"), None, "nothing created to end up invisible: {stats:?}");
    assert_eq!(h.sim.control().products().len(), 0);
}

#[tokio::test]
async fn without_the_publications_scope_the_product_is_created_and_its_record_says_why_it_is_in_no_channel() {
    let mut config = SimConfig { seed: Seed::Empty, ..SimConfig::default() };
    config.access_scopes.retain(|scope| scope != "write_publications");
    let h = Harness::start(config).await;
    stock_catalog(&h, &[item("A", "Tote Bag", &["TOTE-1"])], "8.00").await;
    let summary = sync(&h, ProductSyncOptions::default()).await.unwrap();
    assert_eq!(summary.created, 1, "the product is created and linked");
    assert!(channels_of(&h, "TOTE-1").is_empty());
    let records = h.store.skipped_records(h.shop.id, Some("item")).await.unwrap();
    let record = records.iter().find(|r| r.code.as_deref() == Some("NOT_PUBLISHED")).expect("a record of it");
    assert_eq!(record.object_key, "A");
    assert!(record.message.contains("write_publications"), "{}", record.message);
}
