//! Every document the client sends, held to Shopify's own Admin schema of
//! the version the client speaks (`shopify-schema`, 2026-10): valid, no
//! `@deprecated` field, and a requested cost (computed by Shopify's rules)
//! within the operation's `ESTIMATED_COST` and under the 1,000-point
//! single-query limit.

use std::collections::BTreeSet;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::{OperationType, Value};
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use shopify_admin::ops::ALL_DOCUMENTS;

#[test]
fn every_document_validates_against_the_schema_of_its_version_without_deprecated_fields() {
    let schema = client_schema();
    let mut problems = Vec::new();
    for (name, document, _) in ALL_DOCUMENTS {
        match schema.validate(document) {
            Ok(valid) => {
                let deprecated = schema.deprecated_uses(&valid);
                if !deprecated.is_empty() {
                    problems.push(format!("{name} uses deprecated {deprecated:?} on {}", schema.version()));
                }
            }
            Err(error) => problems.push(format!("{name}: {error}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The schema of the version the client speaks ([`shopify_admin::API_VERSION`]).
fn client_schema() -> &'static shopify_schema::AdminSchema {
    shopify_schema::for_version(shopify_admin::API_VERSION).expect("the client's API version has a schema")
}

/// Bulk query documents: valid on the client's version, no deprecated field, and
/// within Shopify's bulk rules (at least one connection, at most five,
/// nested at most two deep, read through `edges { node }`).
#[test]
fn every_bulk_document_validates_and_keeps_the_bulk_rules() {
    let schema = client_schema();
    let mut problems = Vec::new();
    for (name, document) in shopify_admin::ops::bulk_documents() {
        match schema.validate(&document) {
            Ok(valid) => {
                let deprecated = schema.deprecated_uses(&valid);
                if !deprecated.is_empty() {
                    problems.push(format!("{name} uses deprecated {deprecated:?} on {}", schema.version()));
                }
                let operation = valid.operations.iter().next().expect("one operation");
                let (count, depth) = connections(&valid, &operation.selection_set, 0);
                if count == 0 || count > 5 || depth > 2 {
                    problems.push(format!("{name}: {count} connections nested {depth} deep"));
                }
            }
            Err(error) => problems.push(format!("{name}: {error}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// How many connection fields a selection holds and how deep they nest.
fn connections(document: &ExecutableDocument, set: &SelectionSet, depth: u32) -> (u32, u32) {
    let mut count = 0;
    let mut deepest = depth;
    for field in fields_of(document, set) {
        let is_connection = field.selection_set.ty.as_str().ends_with("Connection");
        assert!(!is_connection || field.name != "nodes", "bulk queries read connections through edges");
        let inner_depth = if is_connection { depth + 1 } else { depth };
        let (inner, inner_deepest) = connections(document, &field.selection_set, inner_depth);
        count += inner + u32::from(is_connection);
        deepest = deepest.max(inner_deepest);
    }
    (count, deepest)
}

#[test]
fn every_graphql_file_belongs_to_an_operation() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/graphql");
    let mut files = BTreeSet::new();
    for sub in ["", "fragments", "bulk"] {
        for entry in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "graphql") {
                files.insert(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    // Bulk documents are sent as a string inside `bulkOperationRunQuery`, with their search added.
    let bulk =
        [shopify_admin::ops::products::PRODUCTS_BULK_QUERY, shopify_admin::ops::products::VARIANT_STOCK_BULK_QUERY];
    for text in &files {
        let used = ALL_DOCUMENTS.iter().any(|(_, document, _)| document.contains(text.trim()))
            || bulk.iter().any(|document| document.contains(text.trim()));
        assert!(used, "a .graphql file is not part of any operation:\n{}", &text[..text.len().min(300)]);
    }
    let names: BTreeSet<&str> = ALL_DOCUMENTS.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(names.len(), ALL_DOCUMENTS.len(), "operation names are unique");
}

#[test]
fn every_document_stays_under_the_single_query_cost_limit() {
    let mut report = Vec::new();
    let mut problems = Vec::new();
    for (name, document, estimated) in ALL_DOCUMENTS {
        let valid = client_schema().validate(document).unwrap();
        let cost = requested_cost(&valid, LIST_ARGUMENT_MAX);
        report.push(format!("{name}: {cost} (declared {estimated})"));
        if cost > u64::from(*estimated) {
            problems.push(format!("{name} costs {cost}, more than its ESTIMATED_COST {estimated}"));
        }
        if cost > 1000 {
            problems.push(format!("{name} costs {cost}, above Shopify's 1,000-point single-query limit"));
        }
    }
    assert!(problems.is_empty(), "{}\n\nall costs:\n{}", problems.join("\n"), report.join("\n"));
}

/// Largest list passed through a variable (`ids`, `first` from variables):
/// the limits the operations' `check_variables` enforce are at most this,
/// and `InventoryLevels` (100 ids), `OrdersImportByIds` (20) and `CustomersByIds` (50) are computed with their own
/// limits below.
const LIST_ARGUMENT_MAX: u64 = 250;

/// Shopify's requested cost: scalars and enums 0, objects 1, connections
/// 2 + first × (1 + node), interfaces and unions the most expensive
/// fragment, `nodes(ids:)` ids × node, mutations 10 plus their payload.
fn requested_cost(document: &ExecutableDocument, list_max: u64) -> u64 {
    let operation = document.operations.iter().next().expect("one operation");
    let list_max = match operation.name.as_ref().map(|n| n.as_str()) {
        Some("InventoryLevels") => 100,
        Some("OrdersImportByIds") => shopify_admin::ops::order_import::OrdersImportByIdsVariables::MAX_IDS as u64,
        Some("CustomersByIds") => shopify_admin::ops::customers::CustomersByIdsVariables::MAX_IDS as u64,
        _ => list_max,
    };
    let mut total = 0;
    for selection in &operation.selection_set.selections {
        if let Selection::Field(field) = selection {
            let cost = field_cost(document, field, list_max);
            total += match operation.operation_type {
                OperationType::Mutation => 10 + cost.saturating_sub(1),
                _ => cost,
            };
        }
    }
    total
}

fn int_argument(field: &Field, name: &str, list_max: u64) -> Option<u64> {
    let argument = field.arguments.iter().find(|a| a.name == name)?;
    match argument.value.as_ref() {
        Value::Int(i) => Some(i.try_to_i32().ok()? as u64),
        Value::Variable(_) => Some(list_max),
        Value::List(items) => Some(items.len() as u64),
        _ => None,
    }
}

fn field_cost(document: &ExecutableDocument, field: &Field, list_max: u64) -> u64 {
    if field.selection_set.selections.is_empty() {
        return 0;
    }
    if field.selection_set.ty.as_str().ends_with("Connection") {
        let first = int_argument(field, "first", list_max).or(int_argument(field, "last", list_max)).unwrap_or(250);
        let mut per_node = 0;
        for child in fields_of(document, &field.selection_set) {
            match child.name.as_str() {
                "nodes" => per_node += set_cost(document, &child.selection_set, list_max),
                "edges" => {
                    for edge in fields_of(document, &child.selection_set) {
                        if edge.name == "node" {
                            per_node += set_cost(document, &edge.selection_set, list_max);
                        }
                    }
                }
                _ => {}
            }
        }
        return 2 + first * (1 + per_node);
    }
    let multiplier = if field.definition.ty.is_list() { int_argument(field, "ids", list_max).unwrap_or(1) } else { 1 };
    multiplier * (1 + set_cost(document, &field.selection_set, list_max))
}

fn fields_of<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet) -> Vec<&'a Field> {
    let mut out = Vec::new();
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => out.push(field.as_ref()),
            Selection::InlineFragment(inline) => out.extend(fields_of(document, &inline.selection_set)),
            Selection::FragmentSpread(spread) => {
                out.extend(fields_of(document, &document.fragments[&spread.fragment_name].selection_set))
            }
        }
    }
    out
}

/// Fields of the set's own type plus the most expensive fragment on another
/// (possible) type.
fn set_cost(document: &ExecutableDocument, set: &SelectionSet, list_max: u64) -> u64 {
    let mut common = 0;
    let mut costliest_fragment = 0;
    for selection in &set.selections {
        let (cost, condition) = match selection {
            Selection::Field(field) => (field_cost(document, field, list_max), None),
            Selection::InlineFragment(inline) => {
                (set_cost(document, &inline.selection_set, list_max), inline.type_condition.clone())
            }
            Selection::FragmentSpread(spread) => {
                let fragment = &document.fragments[&spread.fragment_name];
                (set_cost(document, &fragment.selection_set, list_max), Some(fragment.type_condition().clone()))
            }
        };
        match condition {
            Some(ty) if ty != set.ty => costliest_fragment = costliest_fragment.max(cost),
            _ => common += cost,
        }
    }
    common + costliest_fragment
}
