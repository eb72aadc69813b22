//! The items file: one row per variant, rows of one item number together forming the item.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;

use shopsync_store::{CatalogStore, ItemInput, ItemStatus, VariantInput, WeightUnit};

use super::table::{self, Columns, Row, Table};
use super::values::{at_most, image_url, list, weight, yes_no};
use super::{ImportError, ImportOptions, ImportReport, RowError, refuse_or_continue};

const COLUMNS: Columns = Columns {
    all: &[
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
    ],
    required: &["item_number", "item_name", "sku"],
};

/// Shopify's limit for titles, SKUs, barcodes, option names and values, and tags.
const MAX_TEXT: usize = 255;

/// Imports an items file (see the [module documentation](super) for its format).
pub async fn import_items<S>(store: &S, bytes: &[u8], options: ImportOptions) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let table = table::read(bytes, &COLUMNS)?;
    import_item_table(store, table, options).await
}

/// Checks and writes items read from a file or made from API records: the one path both take.
pub(crate) async fn import_item_table<S>(
    store: &S,
    table: Table,
    options: ImportOptions,
) -> Result<ImportReport, ImportError>
where
    S: CatalogStore + ?Sized,
{
    let mut report = ImportReport::new("items", table.row_count());
    let mut items = Items::default();
    for unreadable in table.unreadable {
        items.refuse_row(unreadable.guess.get("item_number"), unreadable.error, &mut report);
    }
    for row in &table.rows {
        items.add_row(row, &mut report);
    }
    for index in 0..items.groups.len() {
        items.check_item(index, &mut report);
    }
    items.check_sku_owners(store, options, &mut report).await?;

    let bad: Vec<&Group> = items.groups.iter().filter(|g| g.bad).collect();
    report.skipped = bad.len() as u64;
    report.skipped_keys = bad.iter().map(|g| g.number.clone()).collect();
    if !refuse_or_continue(&mut report, options) {
        return Ok(report);
    }
    let inputs: Vec<ItemInput> = items.groups.iter().filter(|g| !g.bad).map(Group::to_input).collect();
    let summary = if options.dry_run { store.plan_items(&inputs).await? } else { store.upsert_items(&inputs).await? };
    report.count_items(&summary);
    Ok(report)
}

/// The file's items as they are read, in the order they first appear.
#[derive(Default)]
struct Items {
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    /// Every SKU seen and the line it was first seen on.
    skus: HashMap<String, u64>,
}

/// The rows of one item number.
struct Group {
    number: String,
    rows: Vec<VariantRow>,
    fields: ItemFields,
    bad: bool,
    /// Columns with a value that could not be read, so checks that need them do not report them again.
    unreadable_columns: HashSet<String>,
}

/// One row's variant.
struct VariantRow {
    line: u64,
    code: String,
    sku: String,
    barcode: Option<String>,
    option_values: [Option<String>; 3],
}

/// An item's fields merged from its rows, each with the line it came from.
#[derive(Default)]
struct ItemFields {
    name: Field<String>,
    description: Field<String>,
    status: Field<ItemStatus>,
    item_group: Field<String>,
    vendor: Field<String>,
    product_type: Field<String>,
    inventory_tracked: Field<bool>,
    weight: Field<String>,
    weight_unit: Field<WeightUnit>,
    option_names: [Field<String>; 3],
    images: Field<Vec<String>>,
    tags: Field<Vec<String>>,
    marked: Field<bool>,
}

/// An item field given on one or more rows: the first value and its line.
type Field<T> = Option<(T, u64)>;

impl Items {
    fn group(&mut self, number: &str) -> &mut Group {
        let index = *self.index.entry(number.to_string()).or_insert_with(|| {
            self.groups.push(Group {
                number: number.to_string(),
                rows: Vec::new(),
                fields: ItemFields::default(),
                bad: false,
                unreadable_columns: HashSet::new(),
            });
            self.groups.len() - 1
        });
        &mut self.groups[index]
    }

    /// Records a bad row, and refuses its item when the row names one.
    fn refuse_row(&mut self, number: &str, error: RowError, report: &mut ImportReport) {
        let error = if number.is_empty() { error } else { error.key(&format!("item {number}")) };
        report.errors.push(error);
        if !number.is_empty() {
            self.group(number).bad = true;
        }
    }

    fn add_row(&mut self, row: &Row, report: &mut ImportReport) {
        let number = row.get("item_number");
        let sku = row.get("sku");
        let key = match (number.is_empty(), sku.is_empty()) {
            (false, false) => format!("item {number}, SKU {sku}"),
            (false, true) => format!("item {number}"),
            (true, false) => format!("SKU {sku}"),
            (true, true) => String::new(),
        };
        let mut errors = Vec::new();
        let mut error = |column: &str, message: String| {
            errors.push(RowError::new(row.line, message).column(column).key(&key));
        };
        if number.is_empty() {
            error("item_number", "item_number is required".into());
        }
        if sku.is_empty() {
            error("sku", "sku is required".into());
        } else if let Some(first) = self.skus.get(sku) {
            error("sku", format!("SKU {sku} is already used on line {first}; every variant needs its own SKU"));
        } else {
            self.skus.insert(sku.to_string(), row.line);
        }
        for column in ["item_name", "sku", "barcode", "variant_code", "vendor", "product_type", "item_group"] {
            if let Err(message) = at_most(row.get(column), MAX_TEXT) {
                error(column, message);
            }
        }

        let mut fields = ItemFields::default();
        let line = row.line;
        let text = |column: &str| row.optional(column).map(|value| (value.to_string(), line));
        fields.name = text("item_name");
        fields.description = text("description");
        fields.item_group = text("item_group");
        fields.vendor = text("vendor");
        fields.product_type = text("product_type");
        if let Some(value) = row.optional("status") {
            match value.parse::<ItemStatus>() {
                Ok(status) => fields.status = Some((status, line)),
                Err(err) => error("status", format!("status {err}")),
            }
        }
        for (column, slot) in [("inventory_tracked", &mut fields.inventory_tracked), ("marked", &mut fields.marked)] {
            if let Some(value) = row.optional(column) {
                match yes_no(value) {
                    Ok(flag) => *slot = Some((flag, line)),
                    Err(message) => error(column, message),
                }
            }
        }
        if let Some(value) = row.optional("weight") {
            match weight(value) {
                Ok(weight) => fields.weight = Some((weight, line)),
                Err(message) => error("weight", format!("weight {message}")),
            }
        }
        if let Some(value) = row.optional("weight_unit") {
            match value.parse::<WeightUnit>() {
                Ok(unit) => fields.weight_unit = Some((unit, line)),
                Err(err) => error("weight_unit", format!("weight_unit {err}")),
            }
        }
        let mut option_values: [Option<String>; 3] = Default::default();
        for (n, (name, value)) in fields.option_names.iter_mut().zip(&mut option_values).enumerate() {
            let name_column = format!("option{}_name", n + 1);
            let value_column = format!("option{}_value", n + 1);
            for column in [&name_column, &value_column] {
                if let Err(message) = at_most(row.get(column), MAX_TEXT) {
                    error(column, message);
                }
            }
            *name = text(&name_column);
            *value = row.optional(&value_column).map(str::to_string);
        }
        if let Some(value) = row.optional("images") {
            let mut urls = Vec::new();
            for url in list(value) {
                match image_url(&url) {
                    Ok(url) => urls.push(url),
                    Err(message) => error("images", message),
                }
            }
            fields.images = Some((urls, line));
        }
        if let Some(value) = row.optional("tags") {
            let tags = list(value);
            for tag in &tags {
                if tag.contains(',') {
                    error(
                        "tags",
                        format!("tag '{tag}' holds a comma, which Shopify reads as two tags; separate tags with |"),
                    );
                } else if let Err(message) = at_most(tag, MAX_TEXT) {
                    error("tags", format!("tag '{tag}': {message}"));
                }
            }
            fields.tags = Some((tags, line));
        }

        let row_is_bad = !errors.is_empty();
        let bad_columns: Vec<String> = errors.iter().filter_map(|e| e.column.clone()).collect();
        report.errors.append(&mut errors);
        if number.is_empty() {
            return;
        }
        let variant = VariantRow {
            line,
            code: row.optional("variant_code").unwrap_or(sku).to_string(),
            sku: sku.to_string(),
            barcode: row.optional("barcode").map(str::to_string),
            option_values,
        };
        let group = self.group(number);
        group.bad |= row_is_bad;
        group.unreadable_columns.extend(bad_columns);
        let conflicts = group.fields.merge(fields, number);
        if !conflicts.is_empty() {
            group.bad = true;
            report.errors.extend(conflicts);
        }
        group.rows.push(variant);
    }

    /// The checks that need all of an item's rows: name, weight unit, options, variant codes.
    fn check_item(&mut self, index: usize, report: &mut ImportReport) {
        let group = &mut self.groups[index];
        let key = format!("item {}", group.number);
        let first_line = group.rows.first().map(|r| r.line).unwrap_or(0);
        let mut errors = Vec::new();
        let mut error = |line: u64, column: &str, message: String| {
            errors.push(RowError::new(line, message).column(column).key(&key));
        };
        if group.rows.is_empty() {
            // Only unreadable rows named this item; they are reported already.
            group.bad = true;
            return;
        }
        if group.fields.name.is_none() {
            error(first_line, "item_name", "item_name is required (on at least one row of the item)".into());
        }
        if let (Some((_, line)), None, false) =
            (&group.fields.weight, &group.fields.weight_unit, group.unreadable_columns.contains("weight_unit"))
        {
            error(*line, "weight_unit", "weight_unit is required with a weight (g, kg, oz or lb)".into());
        }

        let names: Vec<Option<(&str, u64)>> =
            group.fields.option_names.iter().map(|f| f.as_ref().map(|(name, line)| (name.as_str(), *line))).collect();
        for n in 1..3 {
            if let (Some((_, line)), None) = (names[n], names[n - 1]) {
                error(
                    line,
                    &format!("option{}_name", n + 1),
                    format!("option{}_name is given without option{n}_name", n + 1),
                );
            }
        }
        let mut seen_names = HashSet::new();
        for (n, (name, line)) in names.iter().enumerate().filter_map(|(n, f)| f.map(|f| (n, f))) {
            if !seen_names.insert(name.to_lowercase()) {
                error(line, &format!("option{}_name", n + 1), format!("option name '{name}' is given twice"));
            }
        }
        let option_count = names.iter().filter(|n| n.is_some()).count();
        let mut combinations: HashMap<Vec<String>, u64> = HashMap::new();
        let mut codes: HashMap<&str, u64> = HashMap::new();
        for row in &group.rows {
            for (n, (value, name)) in row.option_values.iter().zip(&names).enumerate() {
                let column = format!("option{}_value", n + 1);
                match (value, name) {
                    (Some(value), None) => error(
                        row.line,
                        &column,
                        format!("{column} '{value}' is given but the item has no option{}_name", n + 1),
                    ),
                    (None, Some((name, _))) => error(
                        row.line,
                        &column,
                        format!("{column} is required: the item has option {} '{name}'", n + 1),
                    ),
                    _ => {}
                }
            }
            if option_count > 0 {
                let combination: Vec<String> =
                    row.option_values.iter().map(|v| v.as_deref().unwrap_or("").to_lowercase()).collect();
                if let Some(first) = combinations.get(&combination) {
                    let shown: Vec<&str> = row.option_values.iter().flatten().map(String::as_str).collect();
                    error(
                        row.line,
                        "option1_value",
                        format!(
                            "the options ({}) are the same as on line {first}; each variant needs its own combination",
                            shown.join(" / ")
                        ),
                    );
                } else {
                    combinations.insert(combination, row.line);
                }
            }
            if let Some(first) = codes.get(row.code.as_str()) {
                error(
                    row.line,
                    "variant_code",
                    format!("variant_code '{}' is already used on line {first} for this item", row.code),
                );
            } else {
                codes.insert(&row.code, row.line);
            }
        }
        if option_count == 0 && group.rows.len() > 1 {
            error(
                group.rows[1].line,
                "option1_name",
                format!(
                    "the item has {} variants but no options: give option1_name (e.g. Size) and an option1_value for \
                     each variant",
                    group.rows.len()
                ),
            );
        }
        if !errors.is_empty() {
            group.bad = true;
            report.errors.append(&mut errors);
        }
    }

    /// Refuses variants whose SKU belongs, in the store, to an item this import does not write. With
    /// `skip_invalid`, an item left out keeps its SKUs, which can refuse more items: repeat until stable.
    async fn check_sku_owners<S>(
        &mut self,
        store: &S,
        options: ImportOptions,
        report: &mut ImportReport,
    ) -> Result<(), ImportError>
    where
        S: CatalogStore + ?Sized,
    {
        let skus: Vec<String> = self.groups.iter().flat_map(|g| g.rows.iter().map(|r| r.sku.clone())).collect();
        let owners: HashMap<String, String> =
            store.variants_by_skus(&skus).await?.into_iter().map(|o| (o.variant.sku, o.item_number)).collect();
        let mut reported: HashSet<u64> = HashSet::new();
        loop {
            let written: HashSet<&str> =
                self.groups.iter().filter(|g| !g.bad || !options.skip_invalid).map(|g| g.number.as_str()).collect();
            let mut refused = Vec::new();
            for (index, group) in self.groups.iter().enumerate() {
                for row in &group.rows {
                    let Some(owner) = owners.get(&row.sku) else { continue };
                    if *owner == group.number || written.contains(owner.as_str()) || reported.contains(&row.line) {
                        continue;
                    }
                    let why = if self.index.contains_key(owner) {
                        format!("SKU {} belongs to item {owner}, which this import leaves out (it has errors)", row.sku)
                    } else {
                        format!(
                            "SKU {} belongs to item {owner}; a SKU can be on one variant only (change it there, or \
                             include item {owner} in this file without it)",
                            row.sku
                        )
                    };
                    report.errors.push(
                        RowError::new(row.line, why)
                            .column("sku")
                            .key(&format!("item {}, SKU {}", group.number, row.sku)),
                    );
                    reported.insert(row.line);
                    if !group.bad {
                        refused.push(index);
                    }
                }
            }
            if refused.is_empty() {
                return Ok(());
            }
            for index in refused {
                self.groups[index].bad = true;
            }
        }
    }
}

impl ItemFields {
    /// Takes a later row's fields into the item's: blanks are ignored, and a value that differs from the one
    /// given before is an error.
    fn merge(&mut self, other: ItemFields, number: &str) -> Vec<RowError> {
        let mut errors = Vec::new();
        let key = format!("item {number}");
        let mut check = |column: &str, conflict: Option<(String, String, u64, u64)>| {
            if let Some((before, now, first, line)) = conflict {
                errors.push(
                    RowError::new(
                        line,
                        format!(
                            "{column} is {now} here but {before} on line {first}; give item columns once per item, or \
                             the same on every row"
                        ),
                    )
                    .column(column)
                    .key(&key),
                );
            }
        };
        check("item_name", merge_field(&mut self.name, other.name));
        check("description", merge_field(&mut self.description, other.description));
        check("status", merge_field(&mut self.status, other.status));
        check("item_group", merge_field(&mut self.item_group, other.item_group));
        check("vendor", merge_field(&mut self.vendor, other.vendor));
        check("product_type", merge_field(&mut self.product_type, other.product_type));
        check("inventory_tracked", merge_field(&mut self.inventory_tracked, other.inventory_tracked));
        check("weight", merge_field(&mut self.weight, other.weight));
        check("weight_unit", merge_field(&mut self.weight_unit, other.weight_unit));
        let [n1, n2, n3] = other.option_names;
        check("option1_name", merge_field(&mut self.option_names[0], n1));
        check("option2_name", merge_field(&mut self.option_names[1], n2));
        check("option3_name", merge_field(&mut self.option_names[2], n3));
        check("images", merge_field(&mut self.images, other.images));
        check("tags", merge_field(&mut self.tags, other.tags));
        check("marked", merge_field(&mut self.marked, other.marked));
        errors
    }
}

/// Keeps the first value; returns `(before, now, first line, this line)` when a later one differs.
fn merge_field<T: PartialEq + Debug>(slot: &mut Field<T>, other: Field<T>) -> Option<(String, String, u64, u64)> {
    let (value, line) = other?;
    match slot {
        None => {
            *slot = Some((value, line));
            None
        }
        Some((first, first_line)) if *first != value => {
            Some((format!("{first:?}"), format!("{value:?}"), *first_line, line))
        }
        Some(_) => None,
    }
}

impl Group {
    fn to_input(&self) -> ItemInput {
        let f = &self.fields;
        let value = |field: &Field<String>| field.as_ref().map(|(v, _)| v.clone());
        ItemInput {
            number: self.number.clone(),
            name: value(&f.name).unwrap_or_default(),
            description: value(&f.description).unwrap_or_default(),
            status: f.status.map(|(s, _)| s).unwrap_or_default(),
            item_group: value(&f.item_group),
            vendor: value(&f.vendor),
            product_type: value(&f.product_type),
            inventory_tracked: f.inventory_tracked.map(|(t, _)| t).unwrap_or(true),
            weight: value(&f.weight),
            weight_unit: f.weight_unit.map(|(u, _)| u),
            option_names: f.option_names.iter().filter_map(value).collect(),
            images: f.images.as_ref().map(|(v, _)| v.clone()).unwrap_or_default(),
            tags: f.tags.as_ref().map(|(v, _)| v.clone()).unwrap_or_default(),
            marked: f.marked.map(|(m, _)| m),
            variants: self
                .rows
                .iter()
                .enumerate()
                .map(|(index, row)| VariantInput {
                    code: row.code.clone(),
                    sku: row.sku.clone(),
                    barcode: row.barcode.clone(),
                    option_values: row.option_values.iter().flatten().cloned().collect(),
                    position: index as i64 + 1,
                })
                .collect(),
        }
    }
}
