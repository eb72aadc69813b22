use shopsync_store::catalog::{FilterField, FilterOp};
use shopsync_store::{
    BundleComponent, BundleInput, InventoryState, ItemFilter, ItemInput, ItemQuery, ItemStatus, NewShop, PriceInput,
    PriceListInput, ProductLink, SkippedRecordInput, StockInput, StoreError, UpsertCounts, VariantInput, VariantLink,
    WeightUnit,
};

use std::sync::Arc;

use shopsync_store::Store;

use super::fresh_store;

fn variant(code: &str, sku: &str, options: &[&str], position: i64) -> VariantInput {
    VariantInput {
        code: code.into(),
        sku: sku.into(),
        barcode: Some(format!("200{position}")),
        option_values: options.iter().map(|o| o.to_string()).collect(),
        position,
    }
}

fn shirt(number: &str, group: &str) -> ItemInput {
    ItemInput {
        number: number.into(),
        name: format!("Shirt {number}"),
        description: "Cotton".into(),
        status: ItemStatus::Active,
        item_group: Some(group.into()),
        vendor: Some("Northwind".into()),
        product_type: Some("Apparel".into()),
        inventory_tracked: true,
        weight: Some("0.25".into()),
        weight_unit: Some(WeightUnit::Kilograms),
        option_names: vec!["Size".into()],
        images: vec!["https://img.example.com/a.png".into()],
        tags: vec!["summer".into(), "cotton".into()],
        marked: None,
        variants: vec![
            variant("S", &format!("{number}-S"), &["S"], 1),
            variant("M", &format!("{number}-M"), &["M"], 2),
        ],
    }
}

async fn shop(store: &dyn Store) -> i64 {
    store
        .add_shop(&NewShop { domain: "a.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn items_round_trip_with_their_variants() {
    let (store, _dir) = fresh_store().await;
    let summary = store.upsert_items(&[shirt("I-1", "SHIRTS")]).await.unwrap();
    assert_eq!(summary.items, UpsertCounts { created: 1, updated: 0, unchanged: 0 });
    assert_eq!(summary.variants.created, 2);

    let item = store.item("I-1").await.unwrap().unwrap();
    assert_eq!(item.name, "Shirt I-1");
    assert_eq!(item.weight.as_deref(), Some("0.25"));
    assert_eq!(item.weight_unit, Some(WeightUnit::Kilograms));
    assert_eq!(item.option_names, ["Size"]);
    assert_eq!(item.tags, ["summer", "cotton"]);
    assert!(!item.marked);
    let skus: Vec<&str> = item.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["I-1-S", "I-1-M"]);
    assert_eq!(item.variants[1].option_values, ["M"]);

    let owner = store.variant_by_sku("I-1-M").await.unwrap().unwrap();
    assert_eq!(owner.item_number, "I-1");
    assert_eq!(owner.variant.code, "M");
    assert!(store.variant_by_sku("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn an_unchanged_item_is_not_written_again_and_keeps_its_updated_at() {
    let (store, _dir) = fresh_store().await;
    store.upsert_items(&[shirt("I-1", "SHIRTS"), shirt("I-2", "SHIRTS")]).await.unwrap();
    let before = store.item("I-1").await.unwrap().unwrap();

    let mut changed = shirt("I-2", "SHIRTS");
    changed.variants[1].barcode = Some("999".into());
    let summary = store.upsert_items(&[shirt("I-1", "SHIRTS"), changed]).await.unwrap();
    assert_eq!(summary.items, UpsertCounts { created: 0, updated: 1, unchanged: 1 });
    assert_eq!(summary.variants, UpsertCounts { created: 0, updated: 1, unchanged: 3 });
    assert_eq!(store.item("I-1").await.unwrap().unwrap().updated_at, before.updated_at);
    let after = store.item("I-2").await.unwrap().unwrap();
    assert!(after.updated_at > before.updated_at);
    let since = ItemQuery { changed_since: Some(before.updated_at.clone()), ..Default::default() };
    let changed: Vec<String> = store.items(&since).await.unwrap().into_iter().map(|i| i.number).collect();
    assert_eq!(changed, ["I-2"]);
}

#[tokio::test]
async fn variants_left_out_are_removed_and_skus_can_move_within_a_batch() {
    let (store, _dir) = fresh_store().await;
    store.upsert_items(&[shirt("I-1", "SHIRTS"), shirt("I-2", "SHIRTS")]).await.unwrap();

    // I-1 drops M and swaps nothing; I-2 takes I-1's old M SKU for a new variant and its two variants swap SKUs.
    let mut one = shirt("I-1", "SHIRTS");
    one.variants.truncate(1);
    let mut two = shirt("I-2", "SHIRTS");
    two.variants[0].sku = "I-2-M".into();
    two.variants[1].sku = "I-2-S".into();
    two.variants.push(variant("L", "I-1-M", &["L"], 3));
    let summary = store.upsert_items(&[one, two]).await.unwrap();
    assert_eq!(summary.variants_removed, 1);
    assert_eq!(summary.variants, UpsertCounts { created: 1, updated: 2, unchanged: 1 });
    let two = store.item("I-2").await.unwrap().unwrap();
    let skus: Vec<&str> = two.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["I-2-M", "I-2-S", "I-1-M"]);
    assert_eq!(store.item("I-1").await.unwrap().unwrap().variants.len(), 1);
}

#[tokio::test]
async fn a_sku_of_an_item_outside_the_batch_is_refused_and_nothing_is_written() {
    let (store, _dir) = fresh_store().await;
    store.upsert_items(&[shirt("I-1", "SHIRTS")]).await.unwrap();
    let mut thief = shirt("I-2", "SHIRTS");
    thief.variants[0].sku = "I-1-S".into();
    let err = store.upsert_items(&[shirt("I-3", "SHIRTS"), thief]).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(m) if m.contains("I-1-S") && m.contains("I-1")), "{err}");
    assert!(store.item("I-3").await.unwrap().is_none(), "a refused batch writes nothing");
}

#[tokio::test]
async fn plan_items_counts_without_writing() {
    let (store, _dir) = fresh_store().await;
    let plan = store.plan_items(&[shirt("I-1", "SHIRTS")]).await.unwrap();
    assert_eq!(plan.items.created, 1);
    assert!(store.item("I-1").await.unwrap().is_none());
}

#[tokio::test]
async fn marking_selects_by_range_group_filter_and_numbers() {
    let (store, _dir) = fresh_store().await;
    let mut items: Vec<ItemInput> =
        ["A-1", "A-2", "A-3", "B-1"].iter().map(|n| shirt(n, if n.starts_with('A') { "A" } else { "B" })).collect();
    items[1].name = "Blue Hoodie".into();
    items[2].status = ItemStatus::Draft;
    items[2].tags = vec!["Clearance".into()];
    store.upsert_items(&items).await.unwrap();
    let marked = |store: Arc<dyn Store>| async move {
        let query = ItemQuery { marked: Some(true), ..Default::default() };
        store.items(&query).await.unwrap().into_iter().map(|i| i.number).collect::<Vec<_>>()
    };

    let range = ItemQuery { from: Some("A-2".into()), to: Some("A-3".into()), ..Default::default() };
    assert_eq!(store.set_marked(&range, true).await.unwrap().changed, 2);
    assert_eq!(marked(store.clone()).await, ["A-2", "A-3"]);

    let group = ItemQuery { group: Some("b".into()), ..Default::default() };
    store.set_marked(&group, true).await.unwrap();
    assert_eq!(marked(store.clone()).await, ["A-2", "A-3", "B-1"]);

    let hoodies = ItemQuery { filter: "hoodie".parse().unwrap(), ..Default::default() };
    let outcome = store.set_marked(&hoodies, false).await.unwrap();
    assert_eq!((outcome.matched, outcome.changed), (1, 1));
    assert_eq!(marked(store.clone()).await, ["A-3", "B-1"]);

    let drafts = ItemQuery { filter: "status=draft, tag=clearance".parse().unwrap(), ..Default::default() };
    assert_eq!(store.count_items(&drafts).await.unwrap(), 1);
    let by_sku = ItemQuery { filter: "sku~B-1-".parse().unwrap(), ..Default::default() };
    assert_eq!(store.items(&by_sku).await.unwrap()[0].number, "B-1");

    // Marking is selection, not content: it leaves updated_at alone.
    let before = store.item("A-1").await.unwrap().unwrap().updated_at;
    let numbers = ItemQuery { numbers: vec!["A-1".into()], ..Default::default() };
    store.set_marked(&numbers, true).await.unwrap();
    assert_eq!(store.item("A-1").await.unwrap().unwrap().updated_at, before);
    assert_eq!(store.set_marked(&ItemQuery::default(), false).await.unwrap().changed, 3);
    assert!(marked(store.clone()).await.is_empty());
    assert_eq!(store.missing_item_numbers(&["A-1".into(), "Z-9".into()]).await.unwrap(), ["Z-9"]);
}

#[tokio::test]
async fn items_page_by_number() {
    let (store, _dir) = fresh_store().await;
    let items: Vec<ItemInput> = (1..=5).map(|n| shirt(&format!("I-{n}"), "G")).collect();
    store.upsert_items(&items).await.unwrap();
    let page = ItemQuery { after: Some("I-2".into()), limit: Some(2), ..Default::default() };
    let numbers: Vec<String> = store.items(&page).await.unwrap().into_iter().map(|i| i.number).collect();
    assert_eq!(numbers, ["I-3", "I-4"]);
    assert_eq!(store.count_items(&page).await.unwrap(), 5, "counting ignores paging");
}

#[test]
fn item_filters_read_fields_operators_and_bare_text() {
    let filter: ItemFilter = "Vendor=Contoso, type~wear , mug".parse().unwrap();
    let parts: Vec<(FilterField, FilterOp, &str)> =
        filter.conditions.iter().map(|c| (c.field, c.op, c.value.as_str())).collect();
    assert_eq!(
        parts,
        [
            (FilterField::Vendor, FilterOp::Equals, "Contoso"),
            (FilterField::ProductType, FilterOp::Contains, "wear"),
            (FilterField::Name, FilterOp::Contains, "mug"),
        ]
    );
    assert!("status=sold".parse::<ItemFilter>().unwrap_err().to_string().contains("active, draft, archived"));
    assert!("name=".parse::<ItemFilter>().is_err());
    assert!(" , ".parse::<ItemFilter>().is_err());
}

#[tokio::test]
async fn prices_create_their_list_and_count_changes() {
    let (store, _dir) = fresh_store().await;
    let list = PriceListInput { code: "RETAIL".into(), name: None, currency: Some("USD".into()) };
    let prices = vec![
        PriceInput { sku: "A".into(), price: "10.00".into(), compare_at_price: None },
        PriceInput { sku: "B".into(), price: "12.50".into(), compare_at_price: Some("15.00".into()) },
    ];
    let first = store.upsert_prices(&list, &prices).await.unwrap();
    assert!(first.price_list_created);
    assert_eq!(first.prices.created, 2);
    assert_eq!(store.price_list("RETAIL").await.unwrap().unwrap().currency, "USD");

    let again = PriceListInput { code: "RETAIL".into(), name: Some("Retail".into()), currency: None };
    let changed = vec![
        PriceInput { sku: "A".into(), price: "10.00".into(), compare_at_price: None },
        PriceInput { sku: "B".into(), price: "11.00".into(), compare_at_price: Some("15.00".into()) },
    ];
    let second = store.upsert_prices(&again, &changed).await.unwrap();
    assert_eq!(second.prices, UpsertCounts { created: 0, updated: 1, unchanged: 1 });
    assert_eq!(store.price_list("RETAIL").await.unwrap().unwrap().name, "Retail");
    let got = store.prices("RETAIL", &["B".into()]).await.unwrap();
    assert_eq!((got[0].price.as_str(), got[0].compare_at_price.as_deref()), ("11.00", Some("15.00")));
    assert_eq!(store.prices("RETAIL", &[]).await.unwrap().len(), 2);

    let wrong_currency = PriceListInput { code: "RETAIL".into(), name: None, currency: Some("EUR".into()) };
    assert!(matches!(store.upsert_prices(&wrong_currency, &changed).await, Err(StoreError::Conflict(_))));
    let missing = PriceListInput { code: "WHOLESALE".into(), name: None, currency: None };
    assert!(matches!(store.plan_prices(&missing, &changed).await, Err(StoreError::Conflict(_))));
}

#[tokio::test]
async fn stock_creates_warehouses_and_reads_per_warehouse() {
    let (store, _dir) = fresh_store().await;
    let levels = vec![
        StockInput { warehouse: "MAIN".into(), sku: "A".into(), quantity: 5 },
        StockInput { warehouse: "WEST".into(), sku: "A".into(), quantity: -1 },
        StockInput { warehouse: "MAIN".into(), sku: "B".into(), quantity: 0 },
    ];
    let plan = store.plan_stock(&levels).await.unwrap();
    assert_eq!(plan.warehouses_created, ["MAIN", "WEST"]);
    assert!(store.warehouses().await.unwrap().is_empty(), "planning writes nothing");
    store.upsert_stock(&levels).await.unwrap();
    let main = store.stock("MAIN", &[]).await.unwrap();
    assert_eq!(main.iter().map(|s| (s.sku.as_str(), s.quantity)).collect::<Vec<_>>(), [("A", 5), ("B", 0)]);

    let next = vec![
        StockInput { warehouse: "MAIN".into(), sku: "A".into(), quantity: 5 },
        StockInput { warehouse: "WEST".into(), sku: "A".into(), quantity: 3 },
    ];
    let summary = store.upsert_stock(&next).await.unwrap();
    assert!(summary.warehouses_created.is_empty());
    assert_eq!(summary.levels, UpsertCounts { created: 0, updated: 1, unchanged: 1 });
    let a = store.stock_of_skus(&["A".into()]).await.unwrap();
    assert_eq!(a.iter().map(|s| (s.warehouse.as_str(), s.quantity)).collect::<Vec<_>>(), [("MAIN", 5), ("WEST", 3)]);
    store.save_warehouse("WEST", "West coast").await.unwrap();
    assert_eq!(store.warehouses().await.unwrap()[1].name, "West coast");
}

#[tokio::test]
async fn bundles_replace_their_components() {
    let (store, _dir) = fresh_store().await;
    let component = |sku: &str, quantity| BundleComponent { sku: sku.into(), quantity };
    let kit = BundleInput { bundle_sku: "KIT".into(), components: vec![component("A", 2), component("B", 1)] };
    assert_eq!(store.upsert_bundles(std::slice::from_ref(&kit)).await.unwrap().created, 1);
    assert_eq!(store.upsert_bundles(std::slice::from_ref(&kit)).await.unwrap().unchanged, 1);
    let smaller = BundleInput { bundle_sku: "KIT".into(), components: vec![component("A", 3)] };
    assert_eq!(store.upsert_bundles(&[smaller]).await.unwrap().updated, 1);
    assert_eq!(store.bundle_components("KIT").await.unwrap(), [component("A", 3)]);
    assert!(store.bundle_components("A").await.unwrap().is_empty());
    assert_eq!(store.bundles().await.unwrap().len(), 1);
}

#[tokio::test]
async fn links_round_trip_and_a_shopify_product_moves_to_its_new_item() {
    let (store, _dir) = fresh_store().await;
    let shop = shop(&*store).await;
    store.upsert_items(&[shirt("I-1", "G"), shirt("I-2", "G")]).await.unwrap();
    let one = store.item("I-1").await.unwrap().unwrap();
    let two = store.item("I-2").await.unwrap().unwrap();
    let link = |item_id, hash: &str| ProductLink {
        item_id,
        shopify_product_id: "gid://shopify/Product/1".into(),
        last_hash: Some(hash.into()),
        synced_at: Some("2026-01-01T00:00:00.000000Z".into()),
    };
    store.save_product_links(shop, &[link(one.id, "h1")]).await.unwrap();
    assert_eq!(store.product_link(shop, one.id).await.unwrap().unwrap().last_hash.as_deref(), Some("h1"));
    store.save_product_links(shop, &[link(one.id, "h2")]).await.unwrap();
    assert_eq!(store.product_links(shop).await.unwrap(), [link(one.id, "h2")]);

    let variant_link = VariantLink {
        variant_id: one.variants[0].id,
        shopify_variant_id: "gid://shopify/ProductVariant/10".into(),
        shopify_product_id: "gid://shopify/Product/1".into(),
        shopify_inventory_item_id: Some("gid://shopify/InventoryItem/100".into()),
        last_price: Some("10.00".into()),
        last_compare_at_price: None,
        linked_at: "2026-01-01T00:00:00.000000Z".into(),
    };
    store.save_variant_links(shop, std::slice::from_ref(&variant_link)).await.unwrap();
    assert_eq!(store.variant_links(shop).await.unwrap(), [variant_link]);

    // The same Shopify product linked to I-2: the link moves, it is never on two items.
    store.save_product_links(shop, &[link(two.id, "h3")]).await.unwrap();
    assert_eq!(store.product_links(shop).await.unwrap(), [link(two.id, "h3")]);
    assert!(!store.remove_product_link(shop, one.id).await.unwrap());
    store.save_product_links(shop, &[link(one.id, "h4")]).await.unwrap();
    assert!(store.remove_product_link(shop, one.id).await.unwrap());
    assert!(store.variant_links(shop).await.unwrap().is_empty(), "an item's variant links go with its product link");
}

#[tokio::test]
async fn inventory_state_keeps_the_last_accepted_quantity() {
    let (store, _dir) = fresh_store().await;
    let shop = shop(&*store).await;
    let state = |sku: &str, location: &str, quantity| InventoryState {
        sku: sku.into(),
        location_id: location.into(),
        quantity,
        synced_at: "2026-01-01T00:00:00.000000Z".into(),
    };
    store.save_inventory_states(shop, &[state("A", "L1", 5), state("A", "L2", 1)]).await.unwrap();
    store.save_inventory_states(shop, &[state("A", "L1", 7)]).await.unwrap();
    assert_eq!(store.inventory_states(shop, Some("L1")).await.unwrap(), [state("A", "L1", 7)]);
    assert_eq!(store.inventory_states(shop, None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn skipped_records_are_replaced_per_record_and_cleared_when_it_syncs() {
    let (store, _dir) = fresh_store().await;
    let shop = shop(&*store).await;
    let error = |key: &str, message: &str| SkippedRecordInput {
        object: "item".into(),
        object_key: key.into(),
        field: Some("variants.0.price".into()),
        code: Some("INVALID".into()),
        message: message.into(),
    };
    store.record_skipped(shop, &[error("I-1", "first"), error("I-1", "second"), error("I-2", "x")]).await.unwrap();
    assert_eq!(store.skipped_records(shop, Some("item")).await.unwrap().len(), 3);
    store.record_skipped(shop, &[error("I-1", "third")]).await.unwrap();
    let errors = store.skipped_records(shop, None).await.unwrap();
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["third", "x"], "the latest attempt's reasons replace the earlier ones, newest first");
    assert_eq!(store.clear_skipped(shop, "item", &["I-1".into()]).await.unwrap(), 1);
    assert_eq!(store.skipped_records(shop, None).await.unwrap().len(), 1);
    assert!(store.skipped_records(shop, Some("inventory")).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_key_given_twice_in_one_link_or_state_batch_keeps_its_last_row() {
    let (store, _dir) = fresh_store().await;
    let shop = shop(&*store).await;
    store.upsert_items(&[shirt("I-1", "G")]).await.unwrap();
    let one = store.item("I-1").await.unwrap().unwrap();
    let link = |product: &str| ProductLink {
        item_id: one.id,
        shopify_product_id: product.into(),
        last_hash: None,
        synced_at: None,
    };
    let batch = [link("gid://shopify/Product/1"), link("gid://shopify/Product/2")];
    store.save_product_links(shop, &batch).await.unwrap();
    assert_eq!(store.product_links(shop).await.unwrap(), [link("gid://shopify/Product/2")]);

    let state = |quantity| InventoryState {
        sku: "I-1-S".into(),
        location_id: "L1".into(),
        quantity,
        synced_at: "2026-01-01T00:00:00.000000Z".into(),
    };
    store.save_inventory_states(shop, &[state(5), state(6)]).await.unwrap();
    assert_eq!(store.inventory_states(shop, None).await.unwrap(), [state(6)]);
}

#[tokio::test]
async fn a_ten_thousand_variant_batch_is_written_and_read_back() {
    let (store, _dir) = fresh_store().await;
    let items: Vec<ItemInput> = (1..=5_000).map(|n| shirt(&format!("I-{n:05}"), "G")).collect();
    let summary = store.upsert_items(&items).await.unwrap();
    assert_eq!((summary.items.created, summary.variants.created), (5_000, 10_000));
    assert_eq!(store.count_items(&ItemQuery::default()).await.unwrap(), 5_000);
    assert_eq!(store.variant_by_sku("I-05000-M").await.unwrap().unwrap().item_number, "I-05000");
    let again = store.upsert_items(&items).await.unwrap();
    assert_eq!((again.items.unchanged, again.variants.unchanged), (5_000, 10_000));
}

#[tokio::test]
async fn a_product_marked_as_shipped_outside_is_kept_per_shop_until_unmarked() {
    let (store, _dir) = fresh_store().await;
    let shop_id = shop(store.as_ref()).await;
    let product = "gid://shopify/Product/42";
    assert!(store.outside_products(shop_id).await.unwrap().is_empty());
    assert!(store.set_outside_product(shop_id, product, Some("Gift wrap")).await.unwrap());
    // Marking again changes nothing; a new title is taken.
    assert!(!store.set_outside_product(shop_id, product, Some("Gift wrap")).await.unwrap());
    assert!(store.set_outside_product(shop_id, product, Some("Gift wrapping")).await.unwrap());
    let marked = store.outside_products(shop_id).await.unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!((marked[0].shopify_product_id.as_str(), marked[0].title.as_str()), (product, "Gift wrapping"));
    assert!(!marked[0].marked_at.is_empty());
    assert!(store.set_outside_product(shop_id, product, None).await.unwrap());
    assert!(!store.set_outside_product(shop_id, product, None).await.unwrap());
    assert!(store.outside_products(shop_id).await.unwrap().is_empty());
}
