//! The stock file: quantities on hand per warehouse and SKU.

use std::collections::{HashMap, HashSet};

use shopsync_store::{CatalogStore, StockInput};

use super::table::{self, Columns, Table};
use super::values::whole_number_in;
use super::{ImportError, ImportOptions, ImportReport, RowError, refuse_or_continue};

const COLUMNS: Columns =
    Columns { all: &["warehouse", "sku", "quantity"], required: &["warehouse", "sku", "quantity"] };

/// The range of Shopify's `Int` (32 bits), the type of every quantity `inventorySetQuantities` takes. One
/// quantity outside it makes Shopify refuse the whole call, so it is refused here, on its line.
pub const MAX_QUANTITY: i64 = i32::MAX as i64;
pub const MIN_QUANTITY: i64 = i32::MIN as i64;

/// Imports a stock file, creating warehouses as needed (see the [module documentation](super)).
pub async fn import_stock<S>(store: &S, bytes: &[u8], options: ImportOptions) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let table = table::read(bytes, &COLUMNS)?;
    import_stock_table(store, table, options).await
}

/// Checks and writes stock levels read from a file or made from API records: the one path both take.
pub(crate) async fn import_stock_table<S>(
    store: &S,
    table: Table,
    options: ImportOptions,
) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let mut report = ImportReport::new("stock levels", table.row_count());
    let mut bad_keys = Vec::new();
    for unreadable in table.unreadable {
        bad_keys.push(key(unreadable.guess.get("warehouse"), unreadable.guess.get("sku")));
        report.errors.push(unreadable.error);
    }
    let skus: Vec<String> = table.rows.iter().map(|row| row.get("sku").to_string()).collect();
    let known: HashSet<String> = store.variants_by_skus(&skus).await?.into_iter().map(|o| o.variant.sku).collect();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut levels = Vec::new();
    for row in &table.rows {
        let (warehouse, sku) = (row.get("warehouse"), row.get("sku"));
        let key = key(warehouse, sku);
        let mut errors = Vec::new();
        let mut error = |column: &str, message: String| {
            errors.push(RowError::new(row.line, message).column(column).key(&key));
        };
        if warehouse.is_empty() {
            error("warehouse", "warehouse is required".into());
        }
        if sku.is_empty() {
            error("sku", "sku is required".into());
        } else if !known.contains(sku) {
            error("sku", format!("no item variant has SKU {sku}; import the items file first, or correct the SKU"));
        }
        if let Some(first) = seen.get(&(warehouse.to_string(), sku.to_string())) {
            error("sku", format!("SKU {sku} already has a quantity for warehouse {warehouse} on line {first}"));
        } else {
            seen.insert((warehouse.to_string(), sku.to_string()), row.line);
        }
        let quantity = match row.optional("quantity") {
            None => {
                error("quantity", "quantity is required".into());
                None
            }
            Some(text) => whole_number_in(text, MIN_QUANTITY, MAX_QUANTITY, "quantity Shopify accepts (a 32-bit Int)")
                .map_err(|message| error("quantity", format!("quantity {message}")))
                .ok(),
        };
        match (quantity, errors.is_empty()) {
            (Some(quantity), true) => {
                levels.push(StockInput { warehouse: warehouse.to_string(), sku: sku.to_string(), quantity })
            }
            _ => {
                bad_keys.push(key.clone());
                report.errors.append(&mut errors);
            }
        }
    }
    report.skipped = bad_keys.len() as u64;
    report.skipped_keys = bad_keys.into_iter().filter(|k| !k.is_empty()).collect();
    if !refuse_or_continue(&mut report, options) {
        return Ok(report);
    }
    let summary = if options.dry_run { store.plan_stock(&levels).await? } else { store.upsert_stock(&levels).await? };
    report.count_stock(&summary);
    Ok(report)
}

fn key(warehouse: &str, sku: &str) -> String {
    match (warehouse.is_empty(), sku.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("warehouse {warehouse}"),
        (true, false) => format!("SKU {sku}"),
        (false, false) => format!("{warehouse} / SKU {sku}"),
    }
}
