use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shopsync_store::{CatalogStore, ShopStore, SkippedRecordInput, SqliteStore};

use crate::{initialised, run, run_with_stdin, shopsync, stderr, stdout};

const ITEMS: &str = "\
item_number,item_name,status,item_group,vendor,option1_name,option1_value,sku,barcode,weight,weight_unit,tags
I-100,Everyday Hoodie,active,APPAREL,Fabrikam,Size,S,SKU-00001-1,2000000100014,0.5,kg,cotton|winter
I-100,,,,,,M,SKU-00001-2,2000000100021,,,
I-200,Recycled Mug,active,KITCHEN,Tailspin,,,SKU-00002-1,,350,g,
I-300,Nordic Candle,draft,HOME,Fabrikam,,,SKU-00003-1,,,,
";

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a shopsync command with `--json` and returns its exit code and parsed output.
fn json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = run(shopsync(dir).args(args).arg("--json"));
    let text = stdout(&out);
    // A command refused before it produced a report prints nothing on stdout.
    if text.trim().is_empty() {
        return (out.status.code(), Value::Null);
    }
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}\n{}", stderr(&out)));
    (out.status.code(), value)
}

fn import(dir: &Path, group: &str, file: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let file = file.to_str().unwrap();
    let mut args = vec![group, "import", file];
    args.extend_from_slice(extra);
    json(dir, &args)
}

fn numbers(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["items", "list"];
    args.extend_from_slice(extra);
    let (code, items) = json(dir, &args);
    assert_eq!(code, Some(0));
    items.as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect()
}

#[test]
fn an_items_file_imports_and_a_second_import_changes_nothing() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", ITEMS.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!((report["created"].as_u64(), report["variants"]["created"].as_u64()), (Some(3), Some(4)));

    let (_, item) = json(dir.path(), &["items", "show", "I-100"]);
    assert_eq!(item["name"], "Everyday Hoodie");
    assert_eq!(item["weight"], "0.5");
    assert_eq!(item["weight_unit"], "KILOGRAMS");
    assert_eq!(item["tags"], serde_json::json!(["cotton", "winter"]));
    assert_eq!(item["variants"][1]["sku"], "SKU-00001-2");
    assert_eq!(item["variants"][1]["option_values"], serde_json::json!(["M"]));

    let (code, again) = import(dir.path(), "items", &file, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(0), Some(3))
    );
}

#[test]
fn bad_rows_are_reported_by_line_and_the_file_changes_nothing() {
    let dir = initialised();
    let bad = format!(
        "{ITEMS}\
I-400,Alpine Cap,sold,,,,,SKU-00004-1,,,,
I-500,Urban Tote,,,,Size,S,SKU-00001-1,,,,
I-600,Water Bottle,,,,,,SKU-00006-1,,12,5,
,No Number,,,,,,SKU-00007-1,,,,
I-800,Socks,,,,Size,S,SKU-00008-1,,1.5,kg,
I-800,,,,,Color,M,SKU-00008-2,,,,
I-900,Notebook,,,,,,SKU-00009-1,,\"1,5\",kg,
"
    );
    let file = write(dir.path(), "items.csv", bad.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &[]);
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["outcome"], "refused");
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["message"].as_str().unwrap().to_string()))
        .collect();
    let expect = [
        (6, "'sold' is not accepted"),
        (7, "SKU SKU-00001-1 is already used on line 2"),
        (8, "weight_unit '5' is not accepted"),
        (9, "item_number is required"),
        (11, "option1_name is \"Color\" here but \"Size\" on line 10"),
        (12, "use '.' as the decimal separator"),
    ];
    for (line, text) in expect {
        assert!(
            errors.iter().any(|(l, m)| *l == line && m.contains(text)),
            "no error '{text}' on line {line}: {errors:?}"
        );
    }
    assert!(numbers(dir.path(), &[]).is_empty(), "a refused file must write nothing");

    // The message a person reads says what to do.
    let out = run(shopsync(dir.path()).args(["items", "import", file.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("line 7 (item I-500, SKU SKU-00001-1), sku:"), "{}", stdout(&out));
    assert!(stderr(&out).contains("--skip-invalid"), "{}", stderr(&out));
}

#[test]
fn skip_invalid_imports_the_good_items_and_skips_a_bad_item_whole() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", ITEMS.as_bytes());
    assert_eq!(import(dir.path(), "items", &file, &[]).0, Some(0));

    // I-100's second variant now has a bad barcode-free but option-less row: the item is skipped whole, so its
    // stored variant M is not removed.
    let next = "\
item_number,item_name,option1_name,option1_value,sku
I-100,Everyday Hoodie,Size,S,SKU-00001-1
I-100,,,,SKU-00001-2
I-200,Recycled Mug (new),,,SKU-00002-1
";
    let file = write(dir.path(), "next.csv", next.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &["--skip-invalid"]);
    assert_eq!(code, Some(5), "{report}");
    assert_eq!(report["skipped_keys"], serde_json::json!(["I-100"]));
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["updated"], 1);
    let (_, hoodie) = json(dir.path(), &["items", "show", "I-100"]);
    assert_eq!(hoodie["variants"].as_array().unwrap().len(), 2, "the skipped item keeps its variants");
    let (_, mug) = json(dir.path(), &["items", "show", "I-200"]);
    assert_eq!(mug["name"], "Recycled Mug (new)");
}

#[test]
fn a_bom_semicolons_crlf_and_columns_in_any_order_are_read() {
    let dir = initialised();
    let text = "\u{feff}SKU;Item Name;item_number;Weight;weight_unit\r\nA-1;\"Mug; large\";M-1;1.25;oz\r\n\r\nB-1;Plate;P-1;;\r\n";
    let file = write(dir.path(), "excel.csv", text.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["rows"], 2);
    let (_, mug) = json(dir.path(), &["items", "show", "M-1"]);
    assert_eq!((mug["name"].as_str(), mug["weight"].as_str()), (Some("Mug; large"), Some("1.25")));

    // A bad row in such a file is reported on its real line (the blank line counts).
    let bad = "\u{feff}sku;item_name;item_number\r\nA-1;Mug;M-1\r\n\r\nB-1;;\r\n";
    let file = write(dir.path(), "bad.csv", bad.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(report["errors"][0]["line"], 4);
}

#[test]
fn an_unknown_column_refuses_the_file_and_is_named() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", b"item_number,item_name,sku,colour\nI-1,Mug,A,red\n");
    let out = run(shopsync(dir.path()).args(["items", "import", file.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown column(s) colour"), "{}", stderr(&out));
    assert!(stderr(&out).contains("option1_value"), "the message lists the accepted columns");
}

#[test]
fn a_dry_run_counts_and_writes_nothing() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", ITEMS.as_bytes());
    let (code, report) = import(dir.path(), "items", &file, &["--dry-run"]);
    assert_eq!(code, Some(0));
    assert_eq!((report["outcome"].as_str(), report["created"].as_u64()), (Some("dry_run"), Some(3)));
    assert!(numbers(dir.path(), &[]).is_empty());
    let out = run(shopsync(dir.path()).args(["items", "import", file.to_str().unwrap(), "--dry-run"]));
    assert!(stdout(&out).contains("Dry run, nothing was written"), "{}", stdout(&out));
}

#[test]
fn items_are_marked_by_range_group_filter_and_number() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", ITEMS.as_bytes());
    assert_eq!(import(dir.path(), "items", &file, &[]).0, Some(0));
    let marked = |dir: &Path| numbers(dir, &["--marked"]);

    let (code, outcome) = json(dir.path(), &["items", "mark", "--from", "I-150", "--to", "I-300"]);
    assert_eq!((code, outcome["changed"].as_u64()), (Some(0), Some(2)));
    assert_eq!(marked(dir.path()), ["I-200", "I-300"]);

    assert_eq!(json(dir.path(), &["items", "unmark", "--group", "home"]).0, Some(0));
    assert_eq!(marked(dir.path()), ["I-200"]);

    assert_eq!(json(dir.path(), &["items", "mark", "--filter", "hoodie"]).0, Some(0));
    assert_eq!(marked(dir.path()), ["I-100", "I-200"]);

    assert_eq!(json(dir.path(), &["items", "unmark", "--filter", "vendor=tailspin, status=active"]).0, Some(0));
    assert_eq!(marked(dir.path()), ["I-100"]);

    assert_eq!(json(dir.path(), &["items", "mark", "I-300"]).0, Some(0));
    assert_eq!(marked(dir.path()), ["I-100", "I-300"]);
    assert_eq!(numbers(dir.path(), &["--group", "APPAREL", "--marked"]), ["I-100"]);

    assert_eq!(json(dir.path(), &["items", "unmark", "--all"]).0, Some(0));
    assert!(marked(dir.path()).is_empty());

    // Mistakes change nothing and say so.
    let out = run(shopsync(dir.path()).args(["items", "mark", "I-100", "I-999"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("I-999"), "{}", stderr(&out));
    assert!(marked(dir.path()).is_empty());
    let out = run(shopsync(dir.path()).args(["items", "mark", "--filter", "colour=red"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown field 'colour'"), "{}", stderr(&out));
    let out = run(shopsync(dir.path()).args(["items", "mark"]));
    assert_eq!(out.status.code(), Some(2), "marking needs a selection");
}

#[test]
fn prices_stock_and_bundles_import_and_show_on_the_item() {
    let dir = initialised();
    let file = write(dir.path(), "items.csv", ITEMS.as_bytes());
    assert_eq!(import(dir.path(), "items", &file, &[]).0, Some(0));

    let prices =
        write(dir.path(), "prices.csv", b"sku,price,compare_at_price\nSKU-00001-1,127.5,150\nSKU-00001-2,127.50,\n");
    let (code, _) = import(dir.path(), "prices", &prices, &["--price-list", "RETAIL"]);
    assert_eq!(code, Some(2), "a new price list needs its currency");
    let (code, report) = import(dir.path(), "prices", &prices, &["--price-list", "RETAIL", "--currency", "usd"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!((report["created"].as_u64(), report["price_list"]["created"].as_bool()), (Some(2), Some(true)));

    let stock = write(
        dir.path(),
        "stock.csv",
        b"warehouse;sku;quantity\nMAIN;SKU-00001-1;16\nWEST;SKU-00001-1;-2\nMAIN;SKU-00001-2;4\n",
    );
    let (code, report) = import(dir.path(), "stock", &stock, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["warehouses_created"], serde_json::json!(["MAIN", "WEST"]));

    let bundles = write(dir.path(), "bundles.csv", b"bundle_sku,component_sku,quantity\nSKU-00002-1,SKU-00003-1,2\n");
    let (code, report) = import(dir.path(), "bundles", &bundles, &[]);
    assert_eq!(code, Some(0), "{report}");
    let nested = write(dir.path(), "nested.csv", b"bundle_sku,component_sku,quantity\nSKU-00001-1,SKU-00002-1,1\n");
    let (code, report) = import(dir.path(), "bundles", &nested, &[]);
    assert_eq!(code, Some(2));
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("itself a bundle"), "{report}");

    let (_, hoodie) = json(dir.path(), &["items", "show", "I-100"]);
    let prices: Vec<(String, String, Value)> = hoodie["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["sku"].as_str().unwrap().into(), p["price"].as_str().unwrap().into(), p["compare_at_price"].clone())
        })
        .collect();
    assert_eq!(
        prices,
        [
            ("SKU-00001-1".into(), "127.50".into(), Value::from("150.00")),
            ("SKU-00001-2".into(), "127.50".into(), Value::Null)
        ]
    );
    assert_eq!(hoodie["stock"].as_array().unwrap().len(), 3);
    let (_, mug) = json(dir.path(), &["items", "show", "I-200"]);
    assert_eq!(mug["bundles"][0][1][0]["quantity"], 2);

    // Unknown SKUs and negative prices are refused with their line.
    let bad = write(dir.path(), "bad.csv", b"sku,price\nSKU-00001-1,-1\nNOPE,5\n");
    let (code, report) = import(dir.path(), "prices", &bad, &["--price-list", "RETAIL"]);
    assert_eq!(code, Some(2));
    assert_eq!(report["errors"][0]["line"], 2);
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("negative"));
    assert!(report["errors"][1]["message"].as_str().unwrap().contains("no item variant has SKU NOPE"));
}

#[tokio::test]
async fn items_errors_lists_the_records_a_sync_skipped() {
    let dir = initialised();
    let added = run_with_stdin(
        shopsync(dir.path()).args(["shop", "add", "--domain", "demo.myshopify.com", "--token-stdin"]),
        "shpat_0123456789abcdef0123456789abcdef\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
    let shop = store.shop("demo.myshopify.com").await.unwrap().unwrap();
    store
        .record_skipped(
            shop.id,
            &[SkippedRecordInput {
                object: "item".into(),
                object_key: "I-100".into(),
                field: Some("variants.0.price".into()),
                code: Some("INVALID".into()),
                message: "Price must be greater than or equal to 0".into(),
            }],
        )
        .await
        .unwrap();
    store.close().await;

    let (code, records) = json(dir.path(), &["items", "errors", "--shop", "demo.myshopify.com"]);
    assert_eq!(code, Some(0));
    assert_eq!(records[0]["object_key"], "I-100");
    assert_eq!(records[0]["code"], "INVALID");
    let out = run(shopsync(dir.path()).args(["items", "errors", "--shop", "demo.myshopify.com"]));
    assert!(stdout(&out).contains("Price must be greater than or equal to 0"), "{}", stdout(&out));
    let out = run(shopsync(dir.path()).args(["items", "errors", "--shop", "other.myshopify.com"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("shopsync shop list"), "{}", stderr(&out));
}

#[tokio::test]
async fn ten_thousand_variants_import_through_the_binary_into_a_real_database() {
    let dir = initialised();
    let (mut items, mut prices, mut stock) = (
        String::from("item_number,item_name,item_group,option1_name,option1_value,sku\n"),
        String::from("sku,price\n"),
        String::from("warehouse,sku,quantity\n"),
    );
    for item in 1..=2_000 {
        for (v, size) in ["XS", "S", "M", "L", "XL"].iter().enumerate() {
            let sku = format!("SKU-{item:05}-{v}");
            writeln!(items, "I-{item:05},Shirt {item},G{},Size,{size},{sku}", item % 7).unwrap();
            writeln!(prices, "{sku},{}.95", item % 100).unwrap();
            writeln!(stock, "MAIN,{sku},{}", (item + v) % 40).unwrap();
        }
    }
    let items = write(dir.path(), "items.csv", items.as_bytes());
    let (code, report) = import(dir.path(), "items", &items, &[]);
    assert_eq!(code, Some(0));
    assert_eq!((report["rows"].as_u64(), report["created"].as_u64()), (Some(10_000), Some(2_000)));
    assert_eq!(report["variants"]["created"], 10_000);
    let prices = write(dir.path(), "prices.csv", prices.as_bytes());
    let (code, report) = import(dir.path(), "prices", &prices, &["--price-list", "RETAIL", "--currency", "USD"]);
    assert_eq!((code, report["created"].as_u64()), (Some(0), Some(10_000)));
    let stock = write(dir.path(), "stock.csv", stock.as_bytes());
    let (code, report) = import(dir.path(), "stock", &stock, &[]);
    assert_eq!((code, report["created"].as_u64()), (Some(0), Some(10_000)));

    let (_, again) = import(dir.path(), "items", &items, &[]);
    assert_eq!(again["unchanged"], 2_000);
    assert_eq!(again["variants"]["unchanged"], 10_000);

    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
    assert_eq!(store.count_items(&Default::default()).await.unwrap(), 2_000);
    assert_eq!(store.prices("RETAIL", &[]).await.unwrap().len(), 10_000);
    assert_eq!(store.stock("MAIN", &[]).await.unwrap().len(), 10_000);
}

#[test]
fn the_demo_catalog_imports_cleanly() {
    let dir = initialised();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let (code, items) = import(dir.path(), "items", &demo.join("items.csv"), &[]);
    assert_eq!((code, items["created"].as_u64()), (Some(0), Some(25)), "{items}");
    let retail = ["--price-list", "RETAIL", "--currency", "USD", "--name", "Retail"];
    let (code, prices) = import(dir.path(), "prices", &demo.join("prices.csv"), &retail);
    assert_eq!((code, prices["created"].as_u64()), (Some(0), Some(58)), "{prices}");
    let (code, stock) = import(dir.path(), "stock", &demo.join("stock.csv"), &[]);
    assert_eq!((code, stock["warehouses_created"].clone()), (Some(0), serde_json::json!(["MAIN", "WEST"])), "{stock}");
    let (code, bundles) = import(dir.path(), "bundles", &demo.join("bundles.csv"), &[]);
    assert_eq!((code, bundles["created"].as_u64()), (Some(0), Some(1)), "{bundles}");
}
