//! Property tests of the back-office CSV imports (items, prices, stock, bundles) against a real SQLite store.
//!
//! Any bytes given as any kind of file are imported, refused with the line (and column) at fault, or refused as a
//! whole file, never a panic; a file that is refused, or only checked (dry run), leaves the store exactly as it was.
//! A valid catalog written with either separator, a byte order mark, CRLF line ends, columns in any order and
//! header names in any case, with values holding quotes, separators and line breaks, reads back from the store as
//! written; importing it again changes nothing; one bad value refuses its file, names its line and column, and
//! writes nothing.
//!
//! The store is opened once per property (opening runs the migrations); cases use their own item numbers and SKUs.
//! Case counts are lower than for pure parsers because each case writes to SQLite.

use std::cell::Cell;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use shopsync_store::{
    BundleComponent, BundleInput, CatalogStore, ItemInput, ItemQuery, PriceInput, PriceListInput, SqliteStore,
    StockInput, VariantInput,
};
use shopsync_sync::import::{
    ImportError, ImportOptions, ImportOutcome, ImportReport, import_bundles, import_items, import_prices, import_stock,
};

use crate::fresh_store;

/// The four kinds of file and their documented columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Items,
    Prices,
    Stock,
    Bundles,
}

const ITEM_COLUMNS: &[&str] = &[
    "item_number",
    "item_name",
    "description",
    "status",
    "item_group",
    "vendor",
    "product_type",
    "inventory_tracked",
    "weight",
    "weight_unit",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "variant_code",
    "sku",
    "barcode",
    "images",
    "tags",
    "marked",
];

impl Kind {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Items => ITEM_COLUMNS,
            Kind::Prices => &["sku", "price", "compare_at_price"],
            Kind::Stock => &["warehouse", "sku", "quantity"],
            Kind::Bundles => &["bundle_sku", "component_sku", "quantity"],
        }
    }
}

/// The price list every import of these tests writes to.
const PRICE_LIST: &str = "RETAIL";

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// A store holding a small catalog the random files can refer to: items A and B with SKUs, B-1, prices,
/// stock in MAIN and a bundle B-1 of.
async fn seeded_store() -> (Arc<SqliteStore>, tempfile::TempDir) {
    let (store, dir) = fresh_store().await;
    let variant = |sku: &str, size: &str, position| VariantInput {
        code: sku.into(),
        sku: sku.into(),
        option_values: vec![size.into()],
        position,
        ..VariantInput::default()
    };
    let items = [
        ItemInput {
            number: "A".into(),
            name: "Shirt".into(),
            option_names: vec!["Size".into()],
            inventory_tracked: true,
            variants: vec![variant("A-1", "S", 1), variant("A-2", "M", 2)],
            ..ItemInput::default()
        },
        ItemInput {
            number: "B".into(),
            name: "Gift box".into(),
            option_names: vec!["Size".into()],
            inventory_tracked: true,
            variants: vec![variant("B-1", "One", 1)],
            ..ItemInput::default()
        },
    ];
    store.upsert_items(&items).await.unwrap();
    let list = PriceListInput { code: PRICE_LIST.into(), name: None, currency: Some("EUR".into()) };
    let price = |sku: &str| PriceInput { sku: sku.into(), price: "10.00".into(), compare_at_price: None };
    store.upsert_prices(&list, &[price("A-1"), price("A-2"), price("B-1")]).await.unwrap();
    let stock = |sku: &str| StockInput { warehouse: "MAIN".into(), sku: sku.into(), quantity: 5 };
    store.upsert_stock(&[stock("A-1"), stock("A-2")]).await.unwrap();
    let components =
        vec![BundleComponent { sku: "A-1".into(), quantity: 1 }, BundleComponent { sku: "A-2".into(), quantity: 2 }];
    store.upsert_bundles(&[BundleInput { bundle_sku: "B-1".into(), components }]).await.unwrap();
    (store, dir)
}

/// Everything the imports can write, as text: equal snapshots mean nothing changed.
async fn snapshot(store: &SqliteStore) -> String {
    let items = store.items(&ItemQuery::default()).await.unwrap();
    let skus: Vec<String> = items.iter().flat_map(|i| i.variants.iter().map(|v| v.sku.clone())).collect();
    format!(
        "{items:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        store.price_lists().await.unwrap(),
        store.prices_of_skus(&skus).await.unwrap(),
        store.warehouses().await.unwrap(),
        store.stock_of_skus(&skus).await.unwrap(),
        store.bundles().await.unwrap(),
    )
}

async fn import(
    store: &SqliteStore,
    kind: Kind,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    match kind {
        Kind::Items => import_items(store, bytes, options).await,
        Kind::Prices => {
            let list = PriceListInput { code: PRICE_LIST.into(), name: None, currency: None };
            import_prices(store, &list, bytes, options).await
        }
        Kind::Stock => import_stock(store, bytes, options).await,
        Kind::Bundles => import_bundles(store, bytes, options).await,
    }
}

// ---- Random files ----

/// A column name in a random spelling (case, and a space or `-` for `_`).
fn spelled(column: &'static str) -> impl Strategy<Value = String> {
    (any::<bool>(), prop::sample::select(vec!["_", " ", "-"])).prop_map(move |(upper, sep)| {
        let name = column.replace('_', sep);
        if upper { name.to_uppercase() } else { name }
    })
}

/// A header cell that may be wrong: a column of the file, one it does not have, or any text.
fn header_cell(kind: Kind) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(kind.columns().to_vec()).prop_flat_map(spelled),
        1 => "[a-z ]{0,8}",
        1 => any::<String>(),
    ]
}

/// The columns a file of `kind` must have.
fn required(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Items => &["item_number", "item_name", "sku"],
        Kind::Prices => &["sku", "price"],
        Kind::Stock | Kind::Bundles => kind.columns(),
    }
}

/// A header: mostly a right one (the required columns and some optional ones, in any order and spelling), else
/// cells that may be unknown, repeated or missing. Each cell comes with the column it names (`""` when unknown).
fn header(kind: Kind) -> impl Strategy<Value = Vec<(String, &'static str)>> {
    let optional: Vec<&'static str> = kind.columns().iter().copied().filter(|c| !required(kind).contains(c)).collect();
    let count = optional.len();
    let right = (prop::sample::subsequence(optional, 0..=count), any::<prop::sample::Index>()).prop_flat_map(
        move |(extra, rotate)| {
            let mut columns: Vec<&'static str> = required(kind).iter().copied().chain(extra).collect();
            let by = rotate.index(columns.len());
            columns.rotate_left(by);
            columns.into_iter().map(|c| spelled(c).prop_map(move |name| (name, c))).collect::<Vec<_>>()
        },
    );
    let wrong = prop::collection::vec(header_cell(kind).prop_map(|name| (name, "")), 1..8);
    prop_oneof![3 => right, 1 => wrong]
}

/// A cell value: SKUs of the seeded store, numbers good and bad, yes/no, URLs, text with separators, quotes and
/// line breaks, bytes that are not UTF-8.
fn cell() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec!["A", "B", "A-1", "A-2", "B-1", "MAIN", "NEW", "Size", "S", "M"]).prop_map(|s| s.as_bytes().to_vec()),
        2 => "[+-]?[0-9]{0,20}([.,][0-9]{0,3})?(e[0-9])?".prop_map(String::into_bytes),
        1 => prop::sample::select(vec!["yes", "no", "X", "maybe", "active", "DRAFT", "kg", "g", "stone", ""]).prop_map(|s| s.as_bytes().to_vec()),
        1 => "(https?|ftp)://[a-z.]{0,10}/[a-z]{0,5}(\\|https://x\\.y/z)?".prop_map(String::into_bytes),
        2 => "[ a-zA-Z0-9,;\"|\n\r\té]{0,12}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..6),
        1 => "[a-z]{256,300}".prop_map(String::into_bytes),
    ]
}

/// A value for `column`: mostly one of the kind the column takes (good or nearly so), else any cell.
fn cell_for(column: &'static str) -> BoxedStrategy<Vec<u8>> {
    let bytes = |values: Vec<&'static str>| prop::sample::select(values).prop_map(|s| s.as_bytes().to_vec()).boxed();
    let typical = match column {
        "sku" | "bundle_sku" | "component_sku" => bytes(vec!["A-1", "A-2", "B-1", "B-1", "X-9", ""]),
        "item_number" => bytes(vec!["A", "B", "N1", "N2", ""]),
        "price" | "compare_at_price" | "weight" => {
            "[+-]?[0-9]{1,4}(\\.[0-9]{1,3})?".prop_map(String::into_bytes).boxed()
        }
        "quantity" => "[+-]?[0-9]{1,5}".prop_map(String::into_bytes).boxed(),
        "warehouse" => bytes(vec!["MAIN", "WEST", ""]),
        "option1_name" => bytes(vec!["Size"]),
        "option1_value" => bytes(vec!["S", "M", "L"]),
        _ => "[A-Za-z0-9 ]{0,10}".prop_map(String::into_bytes).boxed(),
    };
    prop_oneof![3 => typical, 1 => cell()].boxed()
}

/// A CSV-like file of `kind`: a header (maybe with unknown, repeated or missing columns), rows mostly as wide as
/// the header with values fit for their columns, cells quoted or not, blank lines, LF or CRLF, either separator (or
/// a wrong one), maybe a byte order mark.
fn random_file(kind: Kind) -> impl Strategy<Value = Vec<u8>> {
    let table = header(kind).prop_flat_map(|header| {
        let right_width: Vec<BoxedStrategy<(Vec<u8>, bool)>> =
            header.iter().map(|(_, column)| (cell_for(column), any::<bool>()).boxed()).collect();
        let any_width = prop::collection::vec((cell(), any::<bool>()), 0..header.len() + 2);
        let row = prop_oneof![4 => right_width, 1 => any_width];
        let names: Vec<String> = header.into_iter().map(|(name, _)| name).collect();
        (Just(names), prop::collection::vec(row, 0..8))
    });
    let separator = prop::sample::select(vec![b',', b',', b',', b';', b';', b'\t', b'|']);
    (table, separator, any::<bool>(), any::<bool>(), prop::collection::vec(any::<bool>(), 8)).prop_map(
        |((header, rows), separator, bom, crlf, blank)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let write_row = |cells: Vec<(Vec<u8>, bool)>, out: &mut Vec<u8>| {
                for (i, (value, quoted)) in cells.into_iter().enumerate() {
                    if i > 0 {
                        out.push(separator);
                    }
                    if quoted {
                        out.push(b'"');
                        for byte in value {
                            if byte == b'"' {
                                out.push(b'"');
                            }
                            out.push(byte);
                        }
                        out.push(b'"');
                    } else {
                        out.extend(value);
                    }
                }
                out.extend_from_slice(end);
            };
            write_row(header.into_iter().map(|h| (h.into_bytes(), false)).collect(), &mut out);
            for (i, row) in rows.into_iter().enumerate() {
                if blank[i % blank.len()] && i % 3 == 0 {
                    out.extend_from_slice(end);
                }
                write_row(row, &mut out);
            }
            out
        },
    )
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![Kind::Items, Kind::Prices, Kind::Stock, Kind::Bundles])
}

fn options() -> impl Strategy<Value = ImportOptions> {
    (any::<bool>(), any::<bool>()).prop_map(|(skip_invalid, dry_run)| ImportOptions { skip_invalid, dry_run })
}

/// Checks one import's answer against the file and the store before and after.
fn check_answer(
    kind: Kind,
    bytes: &[u8],
    options: ImportOptions,
    answer: &Result<ImportReport, ImportError>,
    changed: bool,
) -> Result<(), TestCaseError> {
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match answer {
        Ok(report) => {
            for error in &report.errors {
                prop_assert!(error.line >= 2 && error.line <= lines, "{error} in a file of {lines} lines");
                prop_assert!(!error.message.is_empty());
                let shown = error.to_string();
                prop_assert!(shown.starts_with(&format!("line {}", error.line)), "{shown}");
                if let Some(column) = &error.column {
                    prop_assert!(kind.columns().contains(&column.as_str()), "{error} names no column of {kind:?}");
                }
            }
            let refused = report.outcome == ImportOutcome::Refused;
            prop_assert_eq!(refused, report.has_errors() && !options.skip_invalid, "{:?}", report);
            if refused || report.outcome == ImportOutcome::DryRun {
                prop_assert!(!changed, "a {:?} import changed the store", report.outcome);
            }
        }
        Err(ImportError::Store(err)) => prop_assert!(false, "a file made the store fail: {err}"),
        Err(err) => {
            prop_assert!(!changed, "a refused file ({err}) changed the store");
            if let ImportError::Unreadable { line: Some(line), .. } = err {
                prop_assert!(*line <= lines, "{err}");
            }
            if let ImportError::Header { accepted, .. } = err {
                prop_assert_eq!(accepted, &kind.columns().join(", "));
            }
        }
    }
    Ok(())
}

#[test]
fn any_bytes_as_any_import_file_are_imported_or_refused_with_the_line_and_column() {
    let runtime = runtime();
    let (store, _dir) = runtime.block_on(seeded_store());
    let file = kind().prop_flat_map(|kind| {
        let bytes = prop_oneof![3 => random_file(kind), 1 => prop::collection::vec(any::<u8>(), 0..200)];
        (Just(kind), bytes)
    });
    runner(96)
        .run(&(file, options()), |((kind, bytes), options)| {
            runtime.block_on(async {
                let before = snapshot(&store).await;
                let answer = import(&store, kind, &bytes, options).await;
                let changed = snapshot(&store).await != before;
                check_answer(kind, &bytes, options, &answer, changed)
            })
        })
        .unwrap();
}

// ---- Valid catalogs ----

/// An item as a generator makes it, always valid.
#[derive(Debug, Clone)]
struct GenItem {
    name: String,
    description: String,
    status: &'static str,
    vendor: Option<String>,
    weight: Option<(String, &'static str)>,
    option_names: Vec<&'static str>,
    /// Per variant: the option values (as many as option names), barcode.
    variants: Vec<(Vec<String>, Option<String>)>,
    tags: Vec<String>,
    images: Vec<String>,
}

/// Text as a spreadsheet may hold it: quotes, both separators, `|`, line breaks and non-ASCII; trimmed, since
/// imports trim values.
fn value_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9 ,;\"'|<>/\né€]{{1,{max}}}"))
        .unwrap()
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("non-blank", |s| !s.is_empty())
}

fn gen_item() -> impl Strategy<Value = GenItem> {
    let options = prop::sample::subsequence(vec!["Size", "Color", "Material"], 0..=3);
    (options, 1usize..4).prop_flat_map(|(option_names, variant_count)| {
        // A single variant needs no option; several need at least one.
        let option_names = if variant_count > 1 && option_names.is_empty() { vec!["Size"] } else { option_names };
        let count = option_names.len();
        let variant = (prop::collection::vec(value_text(8), count), proptest::option::of("[0-9]{8,13}"));
        (
            value_text(40),
            prop_oneof![Just(String::new()), value_text(60)],
            prop::sample::select(vec!["active", "Draft", "ARCHIVED", ""]),
            proptest::option::of(value_text(12)),
            proptest::option::of(("[0-9]{1,3}(\\.[0-9]{1,3})?", prop::sample::select(vec!["g", "kg", "OUNCES", "lb"]))),
            Just(option_names),
            prop::collection::vec(variant, variant_count),
            prop::collection::vec("[a-z][a-z0-9 ]{0,8}[a-z]", 0..3),
            prop::collection::vec("[a-z]{1,8}", 0..3),
        )
            .prop_map(
                |(name, description, status, vendor, weight, option_names, mut variants, tags, images)| {
                    // Make each variant's combination its own: the position joins the first value.
                    for (position, (values, _)) in variants.iter_mut().enumerate() {
                        if let Some(first) = values.first_mut() {
                            first.push_str(&format!(" {position}"));
                        }
                    }
                    // The import keeps a list's first copy of a repeated tag or image, so the expectation does too.
                    let first_copies = |values: Vec<String>| {
                        let mut kept: Vec<String> = Vec::new();
                        for value in values {
                            if !kept.contains(&value) {
                                kept.push(value);
                            }
                        }
                        kept
                    };
                    let tags_seen = first_copies(tags.into_iter().map(|t| t.trim().to_owned()).collect());
                    let images_seen =
                        first_copies(images.into_iter().map(|i| format!("https://cdn.example.com/{i}.png")).collect());
                    GenItem {
                        name,
                        description,
                        status,
                        vendor,
                        weight,
                        option_names,
                        variants,
                        tags: tags_seen,
                        images: images_seen,
                    }
                },
            )
    })
}

/// How a file is written: separator, byte order mark, line ends, header spelling and column order.
#[derive(Debug, Clone)]
struct Layout {
    separator: u8,
    bom: bool,
    crlf: bool,
    upper: bool,
    order: Vec<prop::sample::Index>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(vec![b',', b';']),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    )
        .prop_map(|(separator, bom, crlf, upper, order)| Layout { separator, bom, crlf, upper, order })
}

/// Writes `rows` (values by column) as a CSV file in `layout`; returns the file and the line each row starts on.
fn write_csv(columns: &[&str], rows: &[Vec<String>], layout: &Layout) -> (Vec<u8>, Vec<u64>) {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    for (i, index) in layout.order.iter().enumerate() {
        let (a, b) = (i % order.len(), index.index(order.len()));
        order.swap(a, b);
    }
    let terminator = if layout.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
    let mut writer =
        csv::WriterBuilder::new().delimiter(layout.separator).terminator(terminator).from_writer(Vec::new());
    let header: Vec<String> = order
        .iter()
        .map(|&i| if layout.upper { columns[i].replace('_', " ").to_uppercase() } else { columns[i].to_owned() })
        .collect();
    writer.write_record(&header).unwrap();
    let mut lines = Vec::new();
    for row in rows {
        writer.flush().unwrap();
        let written = writer.get_ref();
        lines.push(written.iter().filter(|b| **b == b'\n').count() as u64 + 1);
        writer.write_record(order.iter().map(|&i| row[i].as_str())).unwrap();
    }
    let mut bytes = writer.into_inner().unwrap();
    if layout.bom {
        bytes.splice(0..0, *b"\xEF\xBB\xBF");
    }
    (bytes, lines)
}

/// The catalog of one case: items with their files' rows, prices, stock and bundles over its SKUs.
#[derive(Debug, Clone)]
struct Catalog {
    items: Vec<GenItem>,
    /// Per SKU (in item order): price, compare-at price.
    prices: Vec<(String, Option<String>)>,
    /// Per SKU: warehouse and quantity text (`+5`, `-3` ...).
    stock: Vec<(String, i64, bool)>,
    /// Component quantities of the bundle made of the first SKU (when there are at least two items).
    bundle: Vec<i64>,
}

fn catalog() -> impl Strategy<Value = Catalog> {
    prop::collection::vec(gen_item(), 1..4).prop_flat_map(|items| {
        let skus: usize = items.iter().map(|i| i.variants.len()).sum();
        let price = ("[0-9]{1,5}(\\.[0-9]{1,2})?", proptest::option::of("[0-9]{1,5}\\.[0-9]{2}"));
        (
            Just(items),
            prop::collection::vec(price, skus),
            // Any quantity Shopify's 32-bit Int holds; any component count a bundle may hold.
            prop::collection::vec(("[A-Z]{1,4}", i64::from(i32::MIN)..=i64::from(i32::MAX), any::<bool>()), skus),
            prop::collection::vec(1i64..=10_000, skus.saturating_sub(1).min(3)),
        )
            .prop_map(|(items, prices, stock, bundle)| Catalog { items, prices, stock, bundle })
    })
}

impl Catalog {
    fn number(&self, case: u64, item: usize) -> String {
        format!("C{case}-I{item}")
    }

    fn skus(&self, case: u64) -> Vec<String> {
        let mut skus = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            for v in 0..item.variants.len() {
                skus.push(format!("C{case}-S{i}-{v}"));
            }
        }
        skus
    }

    fn item_rows(&self, case: u64) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let skus = self.skus(case);
        let mut sku = skus.iter();
        for (i, item) in self.items.iter().enumerate() {
            for (v, (values, barcode)) in item.variants.iter().enumerate() {
                // Item columns on the first row only, as the documentation allows.
                let first = v == 0;
                let item_value = |value: String| if first { value } else { String::new() };
                let mut row = vec![String::new(); ITEM_COLUMNS.len()];
                let mut set = |column: &str, value: String| {
                    let at = ITEM_COLUMNS.iter().position(|c| *c == column).unwrap();
                    row[at] = value;
                };
                set("item_number", self.number(case, i));
                set("item_name", item_value(item.name.clone()));
                set("description", item_value(item.description.clone()));
                set("status", item_value(item.status.to_owned()));
                set("vendor", item_value(item.vendor.clone().unwrap_or_default()));
                if let Some((weight, unit)) = &item.weight {
                    set("weight", item_value(weight.clone()));
                    set("weight_unit", item_value((*unit).to_owned()));
                }
                for (n, name) in item.option_names.iter().enumerate() {
                    set(&format!("option{}_name", n + 1), item_value((*name).to_owned()));
                    set(&format!("option{}_value", n + 1), values[n].clone());
                }
                set("sku", sku.next().unwrap().clone());
                set("barcode", barcode.clone().unwrap_or_default());
                set("tags", item_value(item.tags.join(" | ")));
                set("images", item_value(item.images.join("|")));
                rows.push(row);
            }
        }
        rows
    }

    fn price_rows(&self, case: u64) -> Vec<Vec<String>> {
        self.skus(case)
            .into_iter()
            .zip(&self.prices)
            .map(|(sku, (price, compare))| vec![sku, price.clone(), compare.clone().unwrap_or_default()])
            .collect()
    }

    fn stock_rows(&self, case: u64) -> Vec<Vec<String>> {
        self.skus(case)
            .into_iter()
            .zip(&self.stock)
            .map(|(sku, (warehouse, quantity, plus))| {
                let quantity = if *plus && *quantity >= 0 { format!("+{quantity}") } else { quantity.to_string() };
                vec![format!("C{case}{warehouse}"), sku, quantity]
            })
            .collect()
    }

    fn bundle_rows(&self, case: u64) -> Vec<Vec<String>> {
        let skus = self.skus(case);
        self.bundle
            .iter()
            .enumerate()
            .map(|(i, quantity)| vec![skus[0].clone(), skus[i + 1].clone(), quantity.to_string()])
            .collect()
    }
}

/// `12.5` as the store keeps money: at least two decimals.
fn money(text: &str) -> String {
    let mut value: rust_decimal::Decimal = text.parse().unwrap();
    if value.scale() < 2 {
        value.rescale(2);
    }
    value.to_string()
}

/// `2.500` as the store keeps a weight: without trailing zeros.
fn weight(text: &str) -> String {
    let value: rust_decimal::Decimal = text.parse().unwrap();
    value.normalize().to_string()
}

async fn check_catalog_in_store(store: &SqliteStore, catalog: &Catalog, case: u64) -> Result<(), TestCaseError> {
    let skus = catalog.skus(case);
    let mut sku = skus.iter();
    for (i, generated) in catalog.items.iter().enumerate() {
        let number = catalog.number(case, i);
        let item = store.item(&number).await.unwrap().unwrap();
        prop_assert_eq!(&item.name, &generated.name);
        prop_assert_eq!(&item.description, &generated.description);
        let status = if generated.status.is_empty() { "active" } else { generated.status };
        prop_assert!(item.status.as_str().eq_ignore_ascii_case(status), "{:?} for {}", item.status, status);
        prop_assert_eq!(&item.vendor, &generated.vendor);
        prop_assert_eq!(item.weight.clone(), generated.weight.as_ref().map(|(w, _)| weight(w)));
        prop_assert_eq!(&item.option_names, &generated.option_names);
        prop_assert_eq!(&item.tags, &generated.tags);
        prop_assert_eq!(&item.images, &generated.images);
        prop_assert_eq!(item.variants.len(), generated.variants.len());
        for (variant, (values, barcode)) in item.variants.iter().zip(&generated.variants) {
            let sku = sku.next().unwrap();
            prop_assert_eq!(&variant.sku, sku);
            prop_assert_eq!(&variant.code, sku);
            prop_assert_eq!(&variant.option_values, values);
            prop_assert_eq!(&variant.barcode, barcode);
        }
    }
    let prices = store.prices(PRICE_LIST, &skus).await.unwrap();
    for (sku, (price, compare)) in skus.iter().zip(&catalog.prices) {
        let stored = prices.iter().find(|p| &p.sku == sku).unwrap();
        prop_assert_eq!(&stored.price, &money(price));
        prop_assert_eq!(stored.compare_at_price.clone(), compare.as_deref().map(money));
    }
    for (sku, (warehouse, quantity, _)) in skus.iter().zip(&catalog.stock) {
        let stored = store.stock(&format!("C{case}{warehouse}"), std::slice::from_ref(sku)).await.unwrap();
        prop_assert_eq!(stored.iter().map(|s| s.quantity).collect::<Vec<_>>(), vec![*quantity]);
    }
    if !catalog.bundle.is_empty() {
        let mut components = store.bundle_components(&skus[0]).await.unwrap();
        components.sort_by(|a, b| a.sku.cmp(&b.sku));
        let mut want: Vec<(String, i64)> =
            catalog.bundle.iter().enumerate().map(|(i, q)| (skus[i + 1].clone(), *q)).collect();
        want.sort();
        prop_assert_eq!(components.into_iter().map(|c| (c.sku, c.quantity)).collect::<Vec<_>>(), want);
    }
    Ok(())
}

/// Imports the four files of a catalog in order; returns their reports.
async fn import_catalog(
    store: &SqliteStore,
    files: &[(Kind, Vec<u8>)],
    options: ImportOptions,
) -> Vec<Result<ImportReport, ImportError>> {
    let mut reports = Vec::new();
    for (kind, bytes) in files {
        reports.push(import(store, *kind, bytes, options).await);
    }
    reports
}

fn catalog_files(catalog: &Catalog, case: u64, layouts: &[Layout; 4]) -> Vec<(Kind, Vec<u8>, Vec<u64>)> {
    let files = [
        (Kind::Items, catalog.item_rows(case)),
        (Kind::Prices, catalog.price_rows(case)),
        (Kind::Stock, catalog.stock_rows(case)),
        (Kind::Bundles, catalog.bundle_rows(case)),
    ];
    files
        .into_iter()
        .zip(layouts)
        .map(|((kind, rows), layout)| {
            let (bytes, lines) = write_csv(kind.columns(), &rows, layout);
            (kind, bytes, lines)
        })
        .collect()
}

#[test]
fn a_valid_catalog_in_any_layout_reads_back_as_written_and_imports_again_unchanged() {
    let runtime = runtime();
    let (store, _dir) = runtime.block_on(seeded_store());
    let case = Cell::new(0u64);
    let layouts = (layout(), layout(), layout(), layout()).prop_map(|(a, b, c, d)| [a, b, c, d]);
    runner(32)
        .run(&(catalog(), layouts), |(catalog, layouts)| {
            case.set(case.get() + 1);
            let case = case.get();
            let files: Vec<(Kind, Vec<u8>)> =
                catalog_files(&catalog, case, &layouts).into_iter().map(|(k, b, _)| (k, b)).collect();
            runtime.block_on(async {
                for report in import_catalog(&store, &files, ImportOptions::default()).await {
                    let report = report.map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
                    prop_assert_eq!(report.outcome, ImportOutcome::Imported);
                }
                check_catalog_in_store(&store, &catalog, case).await?;
                // The same files again: nothing to do.
                let before = snapshot(&store).await;
                for report in import_catalog(&store, &files, ImportOptions::default()).await {
                    let report = report.unwrap();
                    prop_assert_eq!((report.created, report.updated), (0, 0), "{:?}", report);
                }
                prop_assert_eq!(snapshot(&store).await, before);
                Ok(())
            })
        })
        .unwrap();
}

/// A value that is wrong for a column, with the column it goes in.
fn bad_value(kind: Kind) -> impl Strategy<Value = (&'static str, String)> {
    match kind {
        Kind::Items => prop_oneof![
            Just(("status", "maybe".to_owned())),
            Just(("weight", "1,5".to_owned())),
            Just(("inventory_tracked", "perhaps".to_owned())),
            Just(("images", "ftp://example.com/a.png".to_owned())),
            "[a-z]{256,260}".prop_map(|long| ("item_name", long)),
        ]
        .boxed(),
        Kind::Prices => prop_oneof![
            "[0-9]{1,3},[0-9]{2}".prop_map(|p| ("price", p)),
            "-[1-9][0-9]{0,3}".prop_map(|p| ("price", p)),
            Just(("compare_at_price", "abc".to_owned())),
            Just(("sku", "NO-SUCH-SKU".to_owned())),
        ]
        .boxed(),
        Kind::Stock => prop_oneof![
            "[0-9]{1,3}\\.[0-9]".prop_map(|q| ("quantity", q)),
            // At least 10^19, past the largest quantity a count can hold (leading zeros would make it small).
            "[1-9][0-9]{19,24}".prop_map(|q| ("quantity", q)),
            // Past Shopify's 32-bit Int, either way.
            (2_147_483_648i64..=i64::MAX).prop_map(|q| ("quantity", q.to_string())),
            (i64::MIN..=-2_147_483_649i64).prop_map(|q| ("quantity", q.to_string())),
            Just(("quantity", String::new())),
        ]
        .boxed(),
        Kind::Bundles => prop_oneof![
            Just(("quantity", "0".to_owned())),
            Just(("quantity", "-2".to_owned())),
            (10_001i64..=i64::MAX).prop_map(|q| ("quantity", q.to_string())),
            Just(("component_sku", "NO-SUCH-SKU".to_owned())),
        ]
        .boxed(),
    }
}

#[test]
fn one_bad_value_refuses_its_file_names_its_line_and_column_and_writes_nothing() {
    let runtime = runtime();
    let (store, _dir) = runtime.block_on(seeded_store());
    let case = Cell::new(0u64);
    let kind = prop::sample::select(vec![Kind::Items, Kind::Prices, Kind::Stock, Kind::Bundles]);
    let bad = kind.prop_flat_map(|kind| (Just(kind), bad_value(kind), any::<prop::sample::Index>()));
    let layouts = (layout(), layout(), layout(), layout()).prop_map(|(a, b, c, d)| [a, b, c, d]);
    runner(32)
        .run(&(catalog(), layouts, bad, any::<bool>()), |(catalog, layouts, (kind, (column, value), row), dry_run)| {
            case.set(case.get() + 1);
            let case = case.get();
            let rows_of = |kind: Kind| match kind {
                Kind::Items => catalog.item_rows(case),
                Kind::Prices => catalog.price_rows(case),
                Kind::Stock => catalog.stock_rows(case),
                Kind::Bundles => catalog.bundle_rows(case),
            };
            runtime.block_on(async {
                // The items go in first (other files need their SKUs), unless the items file is the one under test.
                if kind != Kind::Items {
                    let (items, _) = write_csv(ITEM_COLUMNS, &catalog.item_rows(case), &layouts[0]);
                    prop_assert!(
                        !import(&store, Kind::Items, &items, ImportOptions::default()).await.unwrap().has_errors()
                    );
                }
                let mut rows = rows_of(kind);
                prop_assume!(!rows.is_empty());
                let at = row.index(rows.len());
                let position = kind.columns().iter().position(|c| *c == column).unwrap();
                rows[at][position] = value.clone();
                let (bytes, lines) = write_csv(kind.columns(), &rows, &layouts[1]);
                let before = snapshot(&store).await;
                let options = ImportOptions { skip_invalid: false, dry_run };
                let report = import(&store, kind, &bytes, options).await.unwrap();
                prop_assert_eq!(report.outcome, ImportOutcome::Refused);
                prop_assert_eq!(snapshot(&store).await, before, "a refused file changed the store");
                let named = report.errors.iter().any(|e| e.line == lines[at] && e.column.as_deref() == Some(column));
                prop_assert!(named, "`{value}` in {column} on line {} is not named: {:?}", lines[at], report.errors);
                Ok(())
            })
        })
        .unwrap();
}
