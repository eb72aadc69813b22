//! Back-office CSV imports: items with their variants, prices, stock and bundles.
//!
//! Each import reads a whole file, checks every row, and then writes the good records to the store in one
//! transaction through [`shopsync_store::CatalogStore`]. A file with a bad row changes nothing unless
//! [`ImportOptions::skip_invalid`] is set; then the good records go in and the bad ones are listed. Every bad
//! row is reported with its line number and the reason ([`RowError`]); the [`ImportReport`] counts what was
//! created, updated, left unchanged and skipped. With [`ImportOptions::dry_run`] the counts are computed
//! against the store and nothing is written.
//!
//! ```no_run
//! # async fn example(store: &shopsync_store::SqliteStore) -> Result<(), shopsync_sync::import::ImportError> {
//! use shopsync_sync::import::{ImportOptions, import_items};
//!
//! let file = std::fs::read("items.csv").map_err(|err| shopsync_sync::import::ImportError::Unreadable {
//!     line: None,
//!     reason: err.to_string(),
//! })?;
//! let report = import_items(store, &file, ImportOptions::default()).await?;
//! for error in &report.errors {
//!     println!("line {}: {}", error.line, error.message);
//! }
//! println!("{} created, {} updated, {} unchanged", report.created, report.updated, report.unchanged);
//! # Ok(()) }
//! ```
//!
//! # File format (all files)
//!
//! - UTF-8, with or without a byte order mark (Excel's "CSV UTF-8" works as is).
//! - Separated by `,` or `;`: the header line tells which (the one it holds more of, outside quotes).
//!   Values holding the separator, a quote or a line break are quoted with `"` (a quote inside is `""`).
//! - A header row is required. Columns are found by name, in any order; names ignore case, and a space or `-`
//!   counts as `_` (`Item Number` is `item_number`). An unknown or repeated column refuses the file and is
//!   named; optional columns may be left out. Values are trimmed; blank rows are ignored.
//! - Decimals use `.` and no thousands separator (`1234.50`). Yes/no columns accept `yes`/`no`, `true`/`false`,
//!   `1`/`0`, `y`/`n`. Lists (images, tags) separate their entries with `|`.
//! - Every SKU in a prices, stock or bundles file must belong to an item variant: import items first.
//!
//! # Items file: one row per variant
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `item_number` | yes | the item's number, unique; rows with the same number are the variants of one item |
//! | `item_name` | yes, on one row of the item | the product title (at most 255 characters) |
//! | `description` | no | the product description (HTML allowed) |
//! | `status` | no | `active` (default), `draft` or `archived` |
//! | `item_group` | no | the item group, for marking by group |
//! | `vendor` | no | |
//! | `product_type` | no | |
//! | `inventory_tracked` | no | yes (default) or no: whether Shopify tracks this item's stock |
//! | `weight` | no | decimal, at least 0; needs `weight_unit` |
//! | `weight_unit` | with `weight` | `g`, `kg`, `oz`, `lb` (or `GRAMS`, `KILOGRAMS`, `OUNCES`, `POUNDS`) |
//! | `option1_name` .. `option3_name` | no | option names of the item, e.g. `Size`, `Color`; in order, no gaps |
//! | `option1_value` .. `option3_value` | with the names | this variant's value for each option the item has |
//! | `variant_code` | no | identifies the variant within its item from one import to the next (default: the SKU) |
//! | `sku` | yes | unique across the whole catalog |
//! | `barcode` | no | EAN, UPC, ISBN ... |
//! | `images` | no | image URLs (`http`/`https`) separated by `|`, in display order |
//! | `tags` | no | tags separated by `|` (a tag cannot hold a comma) |
//! | `marked` | no | yes/no: mark the item for synchronization; blank keeps its current marking |
//!
//! Item columns (everything but the option values, `variant_code`, `sku` and `barcode`) belong to the item:
//! give them on one of its rows and leave them blank on the others, or repeat them identically; two different
//! values for one item are an error. An item in the file is the whole item: variants it had in the store that
//! are not in the file are removed. An item with more than one variant needs at least one option, and no two
//! of its variants may have the same option values. When one row of an item is bad the whole item is refused
//! (with `skip_invalid`, skipped), so an import never removes a variant because its row had a typo.
//!
//! # Prices file: one row per SKU, for one price list
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `sku` | yes | |
//! | `price` | yes | decimal, at least 0 (kept with two decimals at least: `12.5` is `12.50`) |
//! | `compare_at_price` | no | the "was" price, decimal, at least 0; blank removes it |
//!
//! The price list is named outside the file (the CLI's `--price-list RETAIL`) and created when
//! missing, with its currency. SKUs not in the file keep their price.
//!
//! # Stock file: quantities on hand
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `warehouse` | yes | warehouse code; a new code creates the warehouse |
//! | `sku` | yes | |
//! | `quantity` | yes | whole number, the quantity on hand now (not a change); may be negative; at most 2147483647 (Shopify's quantities are 32-bit) |
//!
//! SKUs and warehouses not in the file keep their stock.
//!
//! # Bundles file: one row per component
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `bundle_sku` | yes | the sellable SKU; rows with the same bundle SKU are its components |
//! | `component_sku` | yes | a SKU the bundle holds; not a bundle itself |
//! | `quantity` | yes | how many of the component one bundle holds, whole number, 1 to 10000 |
//!
//! A bundle in the file gets exactly the components listed (components it had before and not listed are
//! removed); bundles not in the file stay as they are.

mod bundles;
mod items;
mod prices;
pub mod records;
mod stock;
mod table;
mod values;

use serde::Serialize;
use shopsync_store::StoreError;

pub use bundles::{MAX_COMPONENT_QUANTITY, import_bundles};
pub use items::import_items;
pub use prices::import_prices;
pub use stock::import_stock;

/// How an import treats bad rows and whether it writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import the good records and skip the bad ones (default: a bad row refuses the whole file).
    pub skip_invalid: bool,
    /// Check the file and count what would change, writing nothing.
    pub dry_run: bool,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// What the records are: `items`, `prices`, `stock levels` or `bundles`.
    pub records: &'static str,
    pub outcome: ImportOutcome,
    /// Data rows in the file (blank rows left out).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records left out because of bad rows.
    pub skipped: u64,
    /// Item numbers, SKUs or bundle SKUs of the skipped records.
    pub skipped_keys: Vec<String>,
    /// Every bad row, by line.
    pub errors: Vec<RowError>,
    /// Items file: what happened to the variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantCounts>,
    /// Prices file: the price list the prices went to, and whether it was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_list: Option<PriceListOutcome>,
    /// Stock file: the warehouses created.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warehouses_created: Vec<String>,
}

impl ImportReport {
    fn new(records: &'static str, rows: u64) -> ImportReport {
        ImportReport { records, rows, ..Default::default() }
    }

    /// Bad rows refused the file: nothing was written.
    pub fn refused(&self) -> bool {
        self.outcome == ImportOutcome::Refused
    }

    /// Rows were bad (the file was refused, or records were skipped).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    /// Counts what an items write did.
    pub(crate) fn count_items(&mut self, summary: &shopsync_store::ItemsUpsert) {
        self.created = summary.items.created;
        self.updated = summary.items.updated;
        self.unchanged = summary.items.unchanged;
        self.variants = Some(VariantCounts {
            created: summary.variants.created,
            updated: summary.variants.updated,
            unchanged: summary.variants.unchanged,
            removed: summary.variants_removed,
        });
    }

    /// Counts what a prices write to price list `code` did.
    pub(crate) fn count_prices(&mut self, code: &str, summary: &shopsync_store::PricesUpsert) {
        self.created = summary.prices.created;
        self.updated = summary.prices.updated;
        self.unchanged = summary.prices.unchanged;
        self.price_list = Some(PriceListOutcome { code: code.to_string(), created: summary.price_list_created });
    }

    /// Counts what a stock write did.
    pub(crate) fn count_stock(&mut self, summary: &shopsync_store::StockUpsert) {
        self.created = summary.levels.created;
        self.updated = summary.levels.updated;
        self.unchanged = summary.levels.unchanged;
        self.warehouses_created = summary.warehouses_created.clone();
    }

    /// Counts what a bundles write did.
    pub(crate) fn count_bundles(&mut self, counts: &shopsync_store::UpsertCounts) {
        self.created = counts.created;
        self.updated = counts.updated;
        self.unchanged = counts.unchanged;
    }
}

/// Whether an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// The good records were written.
    #[default]
    Imported,
    /// Nothing was written; the counts are what an import would do.
    DryRun,
    /// Bad rows and no `skip_invalid`: nothing was written and nothing counted.
    Refused,
}

/// What an items import did to variants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VariantCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Variants no longer in their item's rows.
    pub removed: u64,
}

/// The price list of a prices import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PriceListOutcome {
    pub code: String,
    pub created: bool,
}

/// One bad row and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// The record the row belongs to (item number, SKU ...), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The column at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    fn new(line: u64, message: impl Into<String>) -> RowError {
        RowError { line, key: None, column: None, message: message.into() }
    }

    fn column(mut self, column: &str) -> RowError {
        self.column = Some(column.to_string());
        self
    }

    fn key(mut self, key: &str) -> RowError {
        if !key.is_empty() {
            self.key = Some(key.to_string());
        }
        self
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(key) = &self.key {
            write!(f, " ({key})")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty: it needs a header row naming its columns, then one row per record")]
    Empty,
    #[error("{}", header_message(.unknown, .repeated, .missing, .accepted))]
    Header { unknown: Vec<String>, repeated: Vec<String>, missing: Vec<String>, accepted: String },
    #[error("the file cannot be read{}: {reason}", .line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Unreadable { line: Option<u64>, reason: String },
    /// The price list named for a prices import is not usable.
    #[error("{0}")]
    PriceList(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn header_message(unknown: &[String], repeated: &[String], missing: &[String], accepted: &str) -> String {
    let mut problems = Vec::new();
    if !unknown.is_empty() {
        problems.push(format!("unknown column(s) {}", unknown.join(", ")));
    }
    if !repeated.is_empty() {
        problems.push(format!("column(s) given twice: {}", repeated.join(", ")));
    }
    if !missing.is_empty() {
        problems.push(format!("required column(s) missing: {}", missing.join(", ")));
    }
    format!("the header row is not right: {}. The columns of this file are: {accepted}", problems.join("; "))
}

/// Finishes a report once the rows are checked: refuses it when rows are bad and skipping was not asked.
fn refuse_or_continue(report: &mut ImportReport, options: ImportOptions) -> bool {
    report.errors.sort_by_key(|e| e.line);
    if report.has_errors() && !options.skip_invalid {
        report.outcome = ImportOutcome::Refused;
        return false;
    }
    report.outcome = if options.dry_run { ImportOutcome::DryRun } else { ImportOutcome::Imported };
    true
}
