//! Imports 10,000 variants (2,000 items of five sizes), their 10,000 prices and 20,000 stock levels (two
//! warehouses) into a fresh SQLite file through the CSV import functions, then the same items file again (all
//! unchanged), and prints rows per second for each step.
//!
//! Run with `cargo bench -p shopsync-sync --bench catalog_import`.

use std::fmt::Write as _;
use std::time::Instant;

use shopsync_store::{PriceListInput, SqliteStore};
use shopsync_sync::import::{ImportOptions, ImportReport, import_items, import_prices, import_stock};

const ITEMS: usize = 2_000;
const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];

fn items_file() -> String {
    let mut csv = String::from(
        "item_number,item_name,description,status,item_group,vendor,product_type,weight,weight_unit,option1_name,\
         option1_value,sku,barcode,images,tags\n",
    );
    for item in 1..=ITEMS {
        for (v, size) in SIZES.iter().enumerate() {
            let _ = writeln!(
                csv,
                "I-{item:06},Everyday Shirt {item},\"Soft, breathable cotton.\",active,SHIRTS,Northwind,Apparel,\
                 0.25,kg,Size,{size},SKU-{item:05}-{v},20{item:06}{v:02}001,https://cdn.example.com/{item}.png,\
                 summer|cotton"
            );
        }
    }
    csv
}

fn prices_file() -> String {
    let mut csv = String::from("sku,price,compare_at_price\n");
    for item in 1..=ITEMS {
        for v in 0..SIZES.len() {
            let _ = writeln!(csv, "SKU-{item:05}-{v},{}.95,", 10 + item % 90);
        }
    }
    csv
}

fn stock_file() -> String {
    let mut csv = String::from("warehouse;sku;quantity\n");
    for warehouse in ["MAIN", "WEST"] {
        for item in 1..=ITEMS {
            for v in 0..SIZES.len() {
                let _ = writeln!(csv, "{warehouse};SKU-{item:05}-{v};{}", (item * 7 + v) % 50);
            }
        }
    }
    csv
}

fn print(step: &str, report: &ImportReport, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    assert!(report.errors.is_empty(), "{step}: {:?}", report.errors.first());
    println!(
        "{step:<28} {:>6} rows in {seconds:>6.3} s = {:>8.0} rows/s  ({} created, {} updated, {} unchanged)",
        report.rows,
        report.rows as f64 / seconds,
        report.created,
        report.updated,
        report.unchanged
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(&dir.path().join("bench.db")).await.expect("store");
        let (items, prices, stock) = (items_file(), prices_file(), stock_file());
        let options = ImportOptions::default();
        let all = Instant::now();

        let started = Instant::now();
        let report = import_items(&store, items.as_bytes(), options).await.expect("items import");
        print("items (10,000 variants)", &report, started);

        let list = PriceListInput { code: "RETAIL".into(), name: None, currency: Some("USD".into()) };
        let started = Instant::now();
        let report = import_prices(&store, &list, prices.as_bytes(), options).await.expect("prices import");
        print("prices", &report, started);

        let started = Instant::now();
        let report = import_stock(&store, stock.as_bytes(), options).await.expect("stock import");
        print("stock (2 warehouses)", &report, started);
        let total_rows = 10_000 + 10_000 + 20_000;
        let seconds = all.elapsed().as_secs_f64();
        println!(
            "{:<28} {total_rows:>6} rows in {seconds:>6.3} s = {:>8.0} rows/s",
            "first import, total",
            total_rows as f64 / seconds
        );

        let started = Instant::now();
        let report = import_items(&store, items.as_bytes(), options).await.expect("items import");
        print("items again (unchanged)", &report, started);
        store.close().await;
    });
}
