//! The bundles file: one row per component, rows of one bundle SKU together forming the bundle.

use std::collections::{HashMap, HashSet};

use shopsync_store::{BundleComponent, BundleInput, CatalogStore};

use super::table::{self, Columns, Table};
use super::values::whole_number_in;
use super::{ImportError, ImportOptions, ImportReport, RowError, refuse_or_continue};

const COLUMNS: Columns = Columns {
    all: &["bundle_sku", "component_sku", "quantity"],
    required: &["bundle_sku", "component_sku", "quantity"],
};

/// The most of one component a bundle holds. An order line's quantity times this stays far inside 64 bits (Shopify's
/// quantities are 32-bit), so a bundle's component lines are always exact; no real bundle comes near it.
pub const MAX_COMPONENT_QUANTITY: i64 = 10_000;

/// Imports a bundles file (see the [module documentation](super)). Bundles cannot contain bundles: order
/// import expands one level.
pub async fn import_bundles<S>(store: &S, bytes: &[u8], options: ImportOptions) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let table = table::read(bytes, &COLUMNS)?;
    import_bundle_table(store, table, options).await
}

/// Checks and writes bundles read from a file or made from API records: the one path both take.
pub(crate) async fn import_bundle_table<S>(
    store: &S,
    table: Table,
    options: ImportOptions,
) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let mut report = ImportReport::new("bundles", table.row_count());
    // Bundles in file order, with whether a row of theirs is bad.
    let mut bundles: Vec<(BundleInput, bool)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut group = |sku: &str, bundles: &mut Vec<(BundleInput, bool)>| -> usize {
        *index.entry(sku.to_string()).or_insert_with(|| {
            bundles.push((BundleInput { bundle_sku: sku.to_string(), components: Vec::new() }, false));
            bundles.len() - 1
        })
    };
    for unreadable in table.unreadable {
        let sku = unreadable.guess.get("bundle_sku");
        if !sku.is_empty() {
            let at = group(sku, &mut bundles);
            bundles[at].1 = true;
        }
        report.errors.push(unreadable.error);
    }

    let file_bundles: HashSet<&str> =
        table.rows.iter().map(|row| row.get("bundle_sku")).filter(|s| !s.is_empty()).collect();
    let stored = store.bundles().await?;
    let stored_bundles: HashSet<&str> = stored.iter().map(|b| b.bundle_sku.as_str()).collect();
    // Components of the bundles this file leaves as they are: those SKUs cannot become bundles.
    let kept_components: HashMap<&str, &str> = stored
        .iter()
        .filter(|b| !file_bundles.contains(b.bundle_sku.as_str()))
        .flat_map(|b| b.components.iter().map(move |c| (c.sku.as_str(), b.bundle_sku.as_str())))
        .collect();
    let skus: Vec<String> = table
        .rows
        .iter()
        .flat_map(|row| [row.get("bundle_sku").to_string(), row.get("component_sku").to_string()])
        .collect();
    let known: HashSet<String> = store.variants_by_skus(&skus).await?.into_iter().map(|o| o.variant.sku).collect();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();

    for row in &table.rows {
        let (bundle, component) = (row.get("bundle_sku"), row.get("component_sku"));
        let key = if bundle.is_empty() { String::new() } else { format!("bundle {bundle}") };
        let mut errors = Vec::new();
        let mut error = |column: &str, message: String| {
            errors.push(RowError::new(row.line, message).column(column).key(&key));
        };
        for (column, sku) in [("bundle_sku", bundle), ("component_sku", component)] {
            if sku.is_empty() {
                error(column, format!("{column} is required"));
            } else if !known.contains(sku) {
                error(
                    column,
                    format!("no item variant has SKU {sku}; import the items file first, or correct the SKU"),
                );
            }
        }
        if !bundle.is_empty() && bundle == component {
            error("component_sku", "a bundle cannot be its own component".into());
        } else if file_bundles.contains(component) || stored_bundles.contains(component) {
            error("component_sku", format!("component {component} is itself a bundle; bundles cannot contain bundles"));
        }
        if let Some(parent) = kept_components.get(bundle) {
            error("bundle_sku", format!("{bundle} is a component of bundle {parent}, so it cannot be a bundle itself"));
        }
        if let Some(first) = seen.get(&(bundle.to_string(), component.to_string())) {
            error("component_sku", format!("component {component} is already listed on line {first}"));
        } else {
            seen.insert((bundle.to_string(), component.to_string()), row.line);
        }
        let quantity = match row.optional("quantity") {
            None => {
                error("quantity", "quantity is required".into());
                None
            }
            Some(text) => {
                match whole_number_in(text, 1, MAX_COMPONENT_QUANTITY, "number of one component a bundle can hold") {
                    Ok(q) => Some(q),
                    Err(message) => {
                        error("quantity", format!("quantity {message}"));
                        None
                    }
                }
            }
        };
        if bundle.is_empty() {
            report.errors.append(&mut errors);
            continue;
        }
        let at = group(bundle, &mut bundles);
        match (quantity, errors.is_empty()) {
            (Some(quantity), true) => {
                bundles[at].0.components.push(BundleComponent { sku: component.to_string(), quantity })
            }
            _ => {
                bundles[at].1 = true;
                report.errors.append(&mut errors);
            }
        }
    }

    let (bad, good): (Vec<_>, Vec<_>) = bundles.into_iter().partition(|(_, bad)| *bad);
    report.skipped = bad.len() as u64;
    report.skipped_keys = bad.into_iter().map(|(b, _)| b.bundle_sku).collect();
    if !refuse_or_continue(&mut report, options) {
        return Ok(report);
    }
    let good: Vec<BundleInput> = good.into_iter().map(|(b, _)| b).collect();
    let counts = if options.dry_run { store.plan_bundles(&good).await? } else { store.upsert_bundles(&good).await? };
    report.count_bundles(&counts);
    Ok(report)
}
