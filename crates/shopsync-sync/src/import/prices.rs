//! The prices file: one price per SKU for one price list.

use std::collections::{HashMap, HashSet};

use shopsync_store::{CatalogStore, PriceInput, PriceListInput};

use super::table::{self, Columns, Table};
use super::values::money;
use super::{ImportError, ImportOptions, ImportReport, RowError, refuse_or_continue};

const COLUMNS: Columns = Columns { all: &["sku", "price", "compare_at_price"], required: &["sku", "price"] };

/// Imports a prices file into a price list, created when missing (see the [module documentation](super)).
///
/// `list.currency` is required when the list does not exist yet, and must match it when it does.
pub async fn import_prices<S>(
    store: &S,
    list: &PriceListInput,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let list = check_price_list(store, list).await?;
    let table = table::read(bytes, &COLUMNS)?;
    import_price_table(store, list, table, options).await
}

/// Checks and writes prices read from a file or made from API records into a price list checked by
/// [`check_price_list`]: the one path both take.
pub(crate) async fn import_price_table<S>(
    store: &S,
    list: PriceListInput,
    table: Table,
    options: ImportOptions,
) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let mut report = ImportReport::new("prices", table.row_count());
    let mut bad_keys = Vec::new();
    for unreadable in table.unreadable {
        bad_keys.push(unreadable.guess.get("sku").to_string());
        report.errors.push(unreadable.error);
    }
    let skus: Vec<String> = table.rows.iter().map(|row| row.get("sku").to_string()).collect();
    let known: HashSet<String> = store.variants_by_skus(&skus).await?.into_iter().map(|o| o.variant.sku).collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut prices = Vec::new();
    for row in &table.rows {
        let sku = row.get("sku");
        let key = if sku.is_empty() { String::new() } else { format!("SKU {sku}") };
        let mut errors = Vec::new();
        let mut error = |column: &str, message: String| {
            errors.push(RowError::new(row.line, message).column(column).key(&key));
        };
        if sku.is_empty() {
            error("sku", "sku is required".into());
        } else if let Some(first) = seen.get(sku) {
            error("sku", format!("SKU {sku} already has a price on line {first}"));
        } else if !known.contains(sku) {
            error("sku", format!("no item variant has SKU {sku}; import the items file first, or correct the SKU"));
        }
        let price = match row.optional("price") {
            None => {
                error("price", "price is required".into());
                None
            }
            Some(text) => money(text).map_err(|message| error("price", format!("price {message}"))).ok(),
        };
        let compare_at_price = match row.optional("compare_at_price") {
            None => Some(None),
            Some(text) => {
                money(text).map(Some).map_err(|m| error("compare_at_price", format!("compare_at_price {m}"))).ok()
            }
        };
        seen.entry(sku.to_string()).or_insert(row.line);
        match (price, compare_at_price, errors.is_empty()) {
            (Some(price), Some(compare_at_price), true) => {
                prices.push(PriceInput { sku: sku.to_string(), price, compare_at_price });
            }
            _ => {
                bad_keys.push(sku.to_string());
                report.errors.append(&mut errors);
            }
        }
    }
    report.skipped = bad_keys.len() as u64;
    report.skipped_keys = bad_keys.into_iter().filter(|k| !k.is_empty()).collect();
    if !refuse_or_continue(&mut report, options) {
        return Ok(report);
    }
    let summary = if options.dry_run {
        store.plan_prices(&list, &prices).await?
    } else {
        store.upsert_prices(&list, &prices).await?
    };
    report.count_prices(&list.code, &summary);
    Ok(report)
}

/// Checks the price list named on the command line before any row is read.
pub(crate) async fn check_price_list<S>(store: &S, list: &PriceListInput) -> Result<PriceListInput, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let code = list.code.trim();
    if code.is_empty() {
        return Err(ImportError::PriceList("the price list code is empty".into()));
    }
    let currency = match list.currency.as_deref().map(str::trim) {
        None => None,
        Some(c) if c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()) => Some(c.to_ascii_uppercase()),
        Some(c) => {
            return Err(ImportError::PriceList(format!(
                "'{c}' is not a currency code; use the three-letter ISO 4217 code (USD, EUR, GBP ...)"
            )));
        }
    };
    match (store.price_list(code).await?, &currency) {
        (None, None) => Err(ImportError::PriceList(format!(
            "price list {code} does not exist yet; give its currency to create it (--currency USD)"
        ))),
        (Some(existing), Some(currency)) if existing.currency != *currency => Err(ImportError::PriceList(format!(
            "price list {code} is in {}, not {currency}; leave --currency out, or use another price list for \
             {currency} prices",
            existing.currency
        ))),
        _ => Ok(PriceListInput {
            code: code.to_string(),
            name: list.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
            currency,
        }),
    }
}
