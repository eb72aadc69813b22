//! Requested query cost, computed from the document before execution by Shopify's documented
//! rules (https://shopify.dev/docs/api/usage/limits, "calculated query cost"):
//!
//! - scalars and enums cost 0, every object 1;
//! - a connection costs 2 plus `first`/`last` times the cost of one node's selection;
//! - an interface or union selection costs the maximum over its type conditions;
//! - every mutation field costs 10 (its payload selection is covered by that flat cost);
//! - `nodes(ids:)` costs one object per id.
//!
//! The actual cost (counted by the executor) uses the returned page sizes instead, so it is never
//! higher than the requested cost.

use apollo_compiler::Schema;
use apollo_compiler::ast::OperationType;
use apollo_compiler::executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value as Json};

use super::input::value_to_json;

/// The flat cost of a mutation field.
pub const MUTATION_COST: u32 = 10;

/// The requested cost of an operation with the given variables.
pub fn requested_cost(
    schema: &Valid<Schema>,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Json>,
) -> u32 {
    let calculator = Calculator { schema, document, variables };
    match operation.operation_type {
        OperationType::Mutation => {
            let count = operation.selection_set.fields().filter(|field| !field.name.starts_with("__")).count();
            u32::try_from(count).unwrap_or(u32::MAX).saturating_mul(MUTATION_COST)
        }
        _ => calculator.selection_set(&operation.selection_set, 0),
    }
}

struct Calculator<'d> {
    schema: &'d Valid<Schema>,
    document: &'d ExecutableDocument,
    variables: &'d Map<String, Json>,
}

impl Calculator<'_> {
    /// Cost of a selection set: plain fields summed, fragments on other types than the parent
    /// taken at their maximum (only one of them applies to any one object).
    fn selection_set(&self, set: &SelectionSet, depth: usize) -> u32 {
        if depth > 64 {
            return 0;
        }
        let mut common = 0u32;
        let mut per_type: Vec<(String, u32)> = Vec::new();
        self.walk(set, &set.ty, depth, &mut common, &mut per_type);
        common.saturating_add(per_type.iter().map(|(_, cost)| *cost).max().unwrap_or(0))
    }

    fn walk(
        &self,
        set: &SelectionSet,
        parent: &str,
        depth: usize,
        common: &mut u32,
        per_type: &mut Vec<(String, u32)>,
    ) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => *common = common.saturating_add(self.field(field, depth)),
                Selection::InlineFragment(inline) => self.fragment(
                    inline.type_condition.as_deref(),
                    &inline.selection_set,
                    parent,
                    depth,
                    common,
                    per_type,
                ),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name) {
                        self.fragment(
                            Some(fragment.type_condition()),
                            &fragment.selection_set,
                            parent,
                            depth,
                            common,
                            per_type,
                        )
                    }
                }
            }
        }
    }

    fn fragment(
        &self,
        condition: Option<&str>,
        set: &SelectionSet,
        parent: &str,
        depth: usize,
        common: &mut u32,
        per_type: &mut Vec<(String, u32)>,
    ) {
        match condition {
            Some(condition) if condition != parent => {
                let mut inner_common = 0;
                let mut inner_types = Vec::new();
                self.walk(set, condition, depth + 1, &mut inner_common, &mut inner_types);
                let cost = inner_common + inner_types.iter().map(|(_, cost)| *cost).max().unwrap_or(0);
                match per_type.iter_mut().find(|(name, _)| name == condition) {
                    Some((_, existing)) => *existing = existing.saturating_add(cost),
                    None => per_type.push((condition.to_string(), cost)),
                }
            }
            _ => self.walk(set, parent, depth + 1, common, per_type),
        }
    }

    fn field(&self, field: &Field, depth: usize) -> u32 {
        if field.name.starts_with("__") {
            return 0;
        }
        let type_name = field.definition.ty.inner_named_type();
        let is_leaf = self.schema.types.get(type_name).is_none_or(ExtendedType::is_leaf);
        if is_leaf {
            return 0;
        }
        let inner = self.selection_set(&field.selection_set, depth + 1);
        if type_name.ends_with("Connection") {
            let size = self.page_size(field);
            return 2u32.saturating_add(size.saturating_mul(inner));
        }
        if type_name.ends_with("Edge") || type_name == "PageInfo" {
            return inner;
        }
        if field.name == "nodes"
            && let Some(Json::Array(ids)) = self.argument(field, "ids")
        {
            let count = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            return count.saturating_mul(1u32.saturating_add(inner));
        }
        1u32.saturating_add(inner)
    }

    fn page_size(&self, field: &Field) -> u32 {
        ["first", "last"]
            .iter()
            .filter_map(|name| self.argument(field, name).and_then(|value| value.as_i64()))
            .max()
            .map(|size| u32::try_from(size.max(0)).unwrap_or(u32::MAX))
            .unwrap_or(0)
    }

    fn argument(&self, field: &Field, name: &str) -> Option<Json> {
        field
            .arguments
            .iter()
            .find(|argument| argument.name == name)
            .map(|argument| value_to_json(&argument.value, self.variables))
    }
}
