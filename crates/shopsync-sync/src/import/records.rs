//! Back-office records that arrive one by one (the REST API) rather than as a file: the same checks, the same
//! all-or-nothing write, the same report as the CSV imports.
//!
//! Each record is turned into the rows its CSV file would hold (an item's fields on its first variant's row, a
//! bundle's SKU on each component's row) and goes through the import of that file; the rows are numbered as
//! lines are, and each bad value's line and column are turned back into the record's field path
//! (`items[3].variants[0].sku`). Nothing is written when any value is bad.

use shopsync_store::{CatalogStore, PriceListInput, StoreError, WriteOutcome};

use super::bundles::import_bundle_table;
use super::items::import_item_table;
use super::prices::{check_price_list, import_price_table};
use super::stock::import_stock_table;
use super::table::{Row, Table};
use super::{ImportError, ImportOptions, ImportReport, RowError};

/// An item with its variants, field for field the columns of the items file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRecord {
    pub item_number: String,
    pub item_name: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub item_group: Option<String>,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub inventory_tracked: Option<bool>,
    pub weight: Option<String>,
    pub weight_unit: Option<String>,
    pub option1_name: Option<String>,
    pub option2_name: Option<String>,
    pub option3_name: Option<String>,
    pub images: Vec<String>,
    pub tags: Vec<String>,
    /// Mark the item for synchronization; `None` keeps its current marking.
    pub marked: Option<bool>,
    pub variants: Vec<VariantRecord>,
}

/// One variant of an [`ItemRecord`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantRecord {
    pub sku: String,
    pub variant_code: Option<String>,
    pub barcode: Option<String>,
    pub option1_value: Option<String>,
    pub option2_value: Option<String>,
    pub option3_value: Option<String>,
}

/// The price of one SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceRecord {
    pub sku: String,
    /// Decimal text (`12.50`): prices are never floats.
    pub price: String,
    pub compare_at_price: Option<String>,
}

/// The quantity on hand of one SKU in one warehouse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockRecord {
    pub warehouse: String,
    pub sku: String,
    pub quantity: i64,
}

/// A bundle and every component it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleRecord {
    pub bundle_sku: String,
    pub components: Vec<ComponentRecord>,
}

/// One component of a [`BundleRecord`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentRecord {
    pub component_sku: String,
    pub quantity: i64,
}

/// One bad value: where it is in the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The JSON path of the value (`items[3].variants[0].sku`); the record's path when no single field is at
    /// fault.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { path: path.into(), message: message.into() }
    }
}

/// Why records were not written.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// Values are bad: nothing was written.
    #[error("{} value(s) are not valid; nothing was written", .0.len())]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for RecordsError {
    fn from(error: ImportError) -> RecordsError {
        match error {
            ImportError::Store(error) => RecordsError::Store(error),
            other => RecordsError::Invalid(vec![FieldError::new("", other.to_string())]),
        }
    }
}

/// The first line number given to a record's row, as a file's first data line is 2.
const FIRST_LINE: u64 = 2;

/// Where a row came from: the record's path, and the path of the part of it (variant, component) the row holds.
struct Origin {
    record: String,
    part: String,
}

/// Turns an import's bad rows back into field paths; `part_columns` are the columns that belong to a row's part
/// rather than to the record.
fn field_errors(report: &ImportReport, origins: &[Origin], part_columns: &[&str]) -> Vec<FieldError> {
    let origin = |line: u64| origins.get(usize::try_from(line.saturating_sub(FIRST_LINE)).ok()?);
    report
        .errors
        .iter()
        .map(|error: &RowError| {
            let path = match (origin(error.line), error.column.as_deref()) {
                (Some(o), Some(column)) if part_columns.contains(&column) => format!("{}.{column}", o.part),
                (Some(o), Some(column)) => format!("{}.{column}", o.record),
                (Some(o), None) => o.record.clone(),
                (None, _) => String::new(),
            };
            FieldError { path, message: name_lines(&error.message, |line| origin(line).map(|o| o.part.clone())) }
        })
        .collect()
}

/// Replaces "line N" in a message with the path of the record on that line: a request has no lines.
fn name_lines(message: &str, path_of: impl Fn(u64) -> Option<String>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let after = &rest[at + 5..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let path = after[..digits].parse().ok().and_then(&path_of);
        match path {
            Some(path) if digits > 0 => {
                out.push_str(&rest[..at]);
                out.push_str(&path);
                rest = &after[digits..];
            }
            _ => {
                out.push_str(&rest[..at + 5]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The report, or the bad values when the import refused the records.
fn finish(report: ImportReport, origins: &[Origin], part_columns: &[&str]) -> Result<ImportReport, RecordsError> {
    if report.has_errors() {
        return Err(RecordsError::Invalid(field_errors(&report, origins, part_columns)));
    }
    Ok(report)
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn yes_no(value: Option<bool>) -> String {
    value.map(|v| if v { "yes" } else { "no" }.to_string()).unwrap_or_default()
}

/// The report a catalog write made under an `Idempotency-Key` gave, made again from the outcome kept with its key
/// (the same counts as its first answer); `None` for a shipment, which is not a catalog write.
pub fn written_report(outcome: &WriteOutcome) -> Option<ImportReport> {
    let report = match outcome {
        WriteOutcome::Items(summary) => {
            let mut report = ImportReport::new("items", 0);
            report.count_items(summary);
            report
        }
        WriteOutcome::Prices { price_list, prices } => {
            let mut report = ImportReport::new("prices", 0);
            report.count_prices(price_list, prices);
            report
        }
        WriteOutcome::Stock(summary) => {
            let mut report = ImportReport::new("stock levels", 0);
            report.count_stock(summary);
            report
        }
        WriteOutcome::Bundles(counts) => {
            let mut report = ImportReport::new("bundles", 0);
            report.count_bundles(counts);
            report
        }
        WriteOutcome::Shipment(_) => return None,
    };
    Some(report)
}

/// Upserts items with their variants (see the items file in the [module documentation](super)): an item given is
/// the whole item, variants it had and that are not given are removed.
pub async fn upsert_items<S>(store: &S, items: &[ItemRecord]) -> Result<ImportReport, RecordsError>
where
    S: CatalogStore + ?Sized,
{
    let mut before = Vec::new();
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if item.variants.is_empty() {
            before.push(FieldError::new(
                format!("items[{i}].variants"),
                "an item needs at least one variant (each variant has its own SKU)",
            ));
        }
        let number = item.item_number.trim();
        if number.is_empty() {
            continue;
        }
        if let Some(first) = first_of.insert(number, i) {
            before.push(FieldError::new(
                format!("items[{i}].item_number"),
                format!("item {number} is given twice, at items[{first}] and here; give each item once with all its variants"),
            ));
        }
        for (k, value) in item.images.iter().chain(&item.tags).enumerate() {
            if value.contains('|') {
                let (field, at) = if k < item.images.len() { ("images", k) } else { ("tags", k - item.images.len()) };
                before.push(FieldError::new(
                    format!("items[{i}].{field}[{at}]"),
                    format!("'{value}' holds a |, which no {field} entry may hold"),
                ));
            }
        }
    }
    if !before.is_empty() {
        return Err(RecordsError::Invalid(before));
    }
    let mut rows = Vec::new();
    let mut origins = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for (j, variant) in item.variants.iter().enumerate() {
            let line = FIRST_LINE + rows.len() as u64;
            let mut values = vec![
                ("item_number", item.item_number.clone()),
                ("sku", variant.sku.clone()),
                ("variant_code", text(&variant.variant_code)),
                ("barcode", text(&variant.barcode)),
                ("option1_value", text(&variant.option1_value)),
                ("option2_value", text(&variant.option2_value)),
                ("option3_value", text(&variant.option3_value)),
            ];
            // The item's own fields go on its first row, as a file gives them once per item.
            if j == 0 {
                values.extend([
                    ("item_name", text(&item.item_name)),
                    ("description", text(&item.description)),
                    ("status", text(&item.status)),
                    ("item_group", text(&item.item_group)),
                    ("vendor", text(&item.vendor)),
                    ("product_type", text(&item.product_type)),
                    ("inventory_tracked", yes_no(item.inventory_tracked)),
                    ("weight", text(&item.weight)),
                    ("weight_unit", text(&item.weight_unit)),
                    ("option1_name", text(&item.option1_name)),
                    ("option2_name", text(&item.option2_name)),
                    ("option3_name", text(&item.option3_name)),
                    ("images", item.images.join("|")),
                    ("tags", item.tags.join("|")),
                    ("marked", yes_no(item.marked)),
                ]);
            }
            rows.push(Row::from_values(line, values));
            origins.push(Origin { record: format!("items[{i}]"), part: format!("items[{i}].variants[{j}]") });
        }
    }
    let report = import_item_table(store, Table::from_rows(rows), ImportOptions::default()).await?;
    finish(report, &origins, &["sku", "variant_code", "barcode", "option1_value", "option2_value", "option3_value"])
}

/// Sets prices in a price list, created when missing with its currency (see the prices file in the
/// [module documentation](super)); SKUs not given keep their price.
pub async fn upsert_prices<S>(
    store: &S,
    list: &PriceListInput,
    prices: &[PriceRecord],
) -> Result<ImportReport, RecordsError>
where
    S: CatalogStore + ?Sized,
{
    let list = match check_price_list(store, list).await {
        Ok(list) => list,
        Err(ImportError::PriceList(message)) => {
            let field = if message.contains("currency") { "price_list.currency" } else { "price_list.code" };
            return Err(RecordsError::Invalid(vec![FieldError::new(field, message)]));
        }
        Err(error) => return Err(error.into()),
    };
    let mut origins = Vec::new();
    let rows = prices
        .iter()
        .enumerate()
        .map(|(i, price)| {
            origins.push(Origin { record: format!("prices[{i}]"), part: format!("prices[{i}]") });
            Row::from_values(
                FIRST_LINE + i as u64,
                [
                    ("sku", price.sku.clone()),
                    ("price", price.price.clone()),
                    ("compare_at_price", text(&price.compare_at_price)),
                ],
            )
        })
        .collect();
    let report = import_price_table(store, list, Table::from_rows(rows), ImportOptions::default()).await?;
    finish(report, &origins, &[])
}

/// Sets quantities on hand (absolute, not changes) per warehouse and SKU, creating warehouses as needed.
pub async fn set_stock<S>(store: &S, levels: &[StockRecord]) -> Result<ImportReport, RecordsError>
where
    S: CatalogStore + ?Sized,
{
    let mut origins = Vec::new();
    let rows = levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            origins.push(Origin { record: format!("levels[{i}]"), part: format!("levels[{i}]") });
            Row::from_values(
                FIRST_LINE + i as u64,
                [
                    ("warehouse", level.warehouse.clone()),
                    ("sku", level.sku.clone()),
                    ("quantity", level.quantity.to_string()),
                ],
            )
        })
        .collect();
    let report = import_stock_table(store, Table::from_rows(rows), ImportOptions::default()).await?;
    finish(report, &origins, &[])
}

/// Sets bundles: each bundle given gets exactly its components; bundles not given stay as they are.
pub async fn upsert_bundles<S>(store: &S, bundles: &[BundleRecord]) -> Result<ImportReport, RecordsError>
where
    S: CatalogStore + ?Sized,
{
    let mut before = Vec::new();
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, bundle) in bundles.iter().enumerate() {
        if bundle.components.is_empty() {
            before.push(FieldError::new(format!("bundles[{i}].components"), "a bundle needs at least one component"));
        }
        let sku = bundle.bundle_sku.trim();
        if !sku.is_empty()
            && let Some(first) = first_of.insert(sku, i)
        {
            before.push(FieldError::new(
                format!("bundles[{i}].bundle_sku"),
                format!("bundle {sku} is given twice, at bundles[{first}] and here; give each bundle once"),
            ));
        }
    }
    if !before.is_empty() {
        return Err(RecordsError::Invalid(before));
    }
    let mut rows = Vec::new();
    let mut origins = Vec::new();
    for (i, bundle) in bundles.iter().enumerate() {
        for (k, component) in bundle.components.iter().enumerate() {
            rows.push(Row::from_values(
                FIRST_LINE + rows.len() as u64,
                [
                    ("bundle_sku", bundle.bundle_sku.clone()),
                    ("component_sku", component.component_sku.clone()),
                    ("quantity", component.quantity.to_string()),
                ],
            ));
            origins.push(Origin { record: format!("bundles[{i}]"), part: format!("bundles[{i}].components[{k}]") });
        }
    }
    let report = import_bundle_table(store, Table::from_rows(rows), ImportOptions::default()).await?;
    finish(report, &origins, &["component_sku", "quantity"])
}

#[cfg(test)]
mod tests {
    use super::name_lines;

    #[test]
    fn line_numbers_in_messages_become_paths() {
        let path = |line: u64| (line == 2).then(|| "items[0].variants[0]".to_string());
        assert_eq!(
            name_lines("SKU A is already used on line 2", path),
            "SKU A is already used on items[0].variants[0]"
        );
        assert_eq!(name_lines("on line 9 and line x", path), "on line 9 and line x");
        assert_eq!(name_lines("no lines here", path), "no lines here");
    }
}
