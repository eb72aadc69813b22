//! Requested query cost, computed from the document before execution by Shopify's documented
//! rules (https://shopify.dev/docs/api/usage/limits, "calculated query cost"):
//!
//! - scalars and enums cost 0, every object 1;
//! - a connection costs 2 plus `first`/`last` times the cost of one node's selection;
//! - an interface or union selection costs the maximum over its type conditions;
//! - every mutation field costs 10 (its payload selection is covered by that flat cost);
//! - `nodes(ids:)` costs one object per id.
//!
//! Fields are costed after merging, as Shopify's server (graphql-ruby) costs them: selections with
//! the same response key in one selection set are one field, so a fragment spread twice costs what
//! it costs once (it is executed once), while aliased copies each cost their own.
//!
//! Before costing, [`check_limits`] bounds the document as written: its depth (Shopify answers
//! "Query has a depth of N, which exceeds the max depth of M.") and the number of field selections
//! once every fragment spread is expanded. Both are computed with one memoised pass per fragment,
//! so a short document of fragments that spread each other twice (2^n selections) is refused in
//! time linear in its text instead of being expanded.
//!
//! The actual cost (counted by the executor) uses the returned page sizes instead, so it is never
//! higher than the requested cost.

use std::collections::{HashMap, HashSet};

use apollo_compiler::ast::OperationType;
use apollo_compiler::executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Node, Schema};
use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::errors::GraphqlError;
use super::input::value_to_json;

/// The flat cost of a mutation field.
pub const MUTATION_COST: u32 = 10;

/// The deepest field nesting a document may have. Shopify does not publish the Admin API's
/// figure; its Storefront API answers "Query has a depth of 18, which exceeds the max depth of
/// 17." (Shopify/hydrogen#2420), and the Admin queries a connector sends stay well under it
/// (shopsync's deepest, the orders page, is 9).
pub const MAX_QUERY_DEPTH: usize = 17;

/// The most field selections a document may hold once every fragment spread is expanded in
/// place. A bound of the simulator's own (Shopify does not publish one): real queries hold a few
/// hundred, while a document of fragments that each spread the next one twice doubles with every
/// fragment and would otherwise keep a core busy for minutes.
pub const MAX_EXPANDED_FIELDS: u64 = 10_000;

/// Checks the document's depth and expanded size before anything walks it field by field. The
/// error is boxed: it is rare, and a large `Err` would make every call's result large.
pub fn check_limits(document: &ExecutableDocument, operation: &Operation) -> Result<(), Box<GraphqlError>> {
    let mut shape = Shape { document, fragments: HashMap::new() };
    let (depth, fields) = shape.selection_set(&operation.selection_set);
    if depth > MAX_QUERY_DEPTH {
        return Err(Box::new(
            GraphqlError::new(format!(
                "Query has a depth of {depth}, which exceeds the max depth of {MAX_QUERY_DEPTH}."
            ))
            .with_code("MAX_DEPTH_EXCEEDED"),
        ));
    }
    if fields > MAX_EXPANDED_FIELDS {
        let shown = if fields == u64::MAX { "more than 18 quintillion".to_string() } else { fields.to_string() };
        return Err(Box::new(
            GraphqlError::new(format!(
                "Query has {shown} fields once its fragments are expanded, which exceeds the max of \
             {MAX_EXPANDED_FIELDS}. A fragment spread more than once is expanded each time: select the fields \
             once, or split the query."
            ))
            .with_code("MAX_FIELDS_EXCEEDED"),
        ));
    }
    Ok(())
}

/// Depth and expanded field count of selection sets, memoised per fragment.
struct Shape<'d> {
    document: &'d ExecutableDocument,
    fragments: HashMap<&'d Name, (usize, u64)>,
}

impl<'d> Shape<'d> {
    fn selection_set(&mut self, set: &'d SelectionSet) -> (usize, u64) {
        let mut depth = 0;
        let mut fields = 0u64;
        for selection in &set.selections {
            let (inner_depth, inner_fields) = match selection {
                Selection::Field(field) => {
                    let (below, count) = self.selection_set(&field.selection_set);
                    (below + 1, count.saturating_add(1))
                }
                Selection::InlineFragment(inline) => self.selection_set(&inline.selection_set),
                Selection::FragmentSpread(spread) => self.fragment(&spread.fragment_name),
            };
            depth = depth.max(inner_depth);
            fields = fields.saturating_add(inner_fields);
        }
        (depth, fields)
    }

    fn fragment(&mut self, name: &'d Name) -> (usize, u64) {
        if let Some(known) = self.fragments.get(name) {
            return *known;
        }
        // Validation refused fragment cycles, so this recursion ends; the placeholder keeps it
        // finite even if it did not.
        self.fragments.insert(name, (0, 0));
        let shape = match self.document.fragments.get(name) {
            Some(fragment) => self.selection_set(&fragment.selection_set),
            None => (0, 0),
        };
        self.fragments.insert(name, shape);
        shape
    }
}

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
        _ => calculator.merged(&[&operation.selection_set], &operation.selection_set.ty),
    }
}

struct Calculator<'d> {
    schema: &'d Valid<Schema>,
    document: &'d ExecutableDocument,
    variables: &'d Map<String, Json>,
}

/// Fields of one merged selection set grouped by response key: those that apply to the parent
/// type itself, and those under a fragment on another type (an interface's or union's member).
#[derive(Default)]
struct Grouped<'d> {
    common: IndexMap<&'d str, Vec<&'d Node<Field>>>,
    per_type: IndexMap<&'d str, IndexMap<&'d str, Vec<&'d Node<Field>>>>,
}

impl<'d> Calculator<'d> {
    /// Cost of selection sets merged into one (the sub-selections of fields sharing a response
    /// key): the common fields plus, when fragments name other types, the dearest of those types
    /// (only one of them applies to any one object).
    fn merged(&self, sets: &[&'d SelectionSet], parent: &'d str) -> u32 {
        let mut grouped = Grouped::default();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect(set, parent, None, &mut grouped, &mut visited);
        }
        let common = self.fields_cost(grouped.common.values());
        let per_type = grouped
            .per_type
            .values()
            .map(|fields| {
                // Fields selected both outside and inside a type's fragment merge into one.
                let mut merged = grouped.common.clone();
                for (key, more) in fields {
                    merged.entry(key).or_default().extend(more.iter().copied());
                }
                self.fields_cost(merged.values())
            })
            .max()
            .unwrap_or(0);
        common.max(per_type)
    }

    fn fields_cost<'a>(&self, groups: impl Iterator<Item = &'a Vec<&'d Node<Field>>>) -> u32
    where
        'd: 'a,
    {
        groups.fold(0u32, |total, fields| total.saturating_add(self.field(fields)))
    }

    /// Groups fields by response key; a fragment is expanded once per merged selection set and
    /// type condition, as execution expands it (GraphQL's CollectFields).
    fn collect(
        &self,
        set: &'d SelectionSet,
        parent: &'d str,
        condition: Option<&'d str>,
        grouped: &mut Grouped<'d>,
        visited: &mut HashSet<(&'d str, Option<&'d str>)>,
    ) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    let key = field.response_key().as_str();
                    let bucket = match condition {
                        None => &mut grouped.common,
                        Some(condition) => grouped.per_type.entry(condition).or_default(),
                    };
                    bucket.entry(key).or_default().push(field);
                }
                Selection::InlineFragment(inline) => {
                    let inner = narrow(condition, inline.type_condition.as_ref().map(Name::as_str), parent);
                    self.collect(&inline.selection_set, parent, inner, grouped, visited);
                }
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.document.fragments.get(&spread.fragment_name) else { continue };
                    let inner = narrow(condition, Some(fragment.type_condition().as_str()), parent);
                    if visited.insert((spread.fragment_name.as_str(), inner)) {
                        self.collect(&fragment.selection_set, parent, inner, grouped, visited);
                    }
                }
            }
        }
    }

    /// Cost of one response key: its fields' selections merged.
    fn field(&self, fields: &[&'d Node<Field>]) -> u32 {
        let field = fields[0];
        if field.name.starts_with("__") {
            return 0;
        }
        let type_name = field.definition.ty.inner_named_type();
        let is_leaf = self.schema.types.get(type_name).is_none_or(ExtendedType::is_leaf);
        if is_leaf {
            return 0;
        }
        let sets: Vec<&'d SelectionSet> = fields.iter().map(|field| &field.selection_set).collect();
        let inner = self.merged(&sets, type_name.as_str());
        if type_name.ends_with("Connection") {
            let size = fields.iter().map(|field| self.page_size(field)).max().unwrap_or(0);
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

/// The type a fragment's fields apply to: the parent's own fields stay common, a fragment on
/// another type narrows them to that type.
fn narrow<'d>(current: Option<&'d str>, condition: Option<&'d str>, parent: &'d str) -> Option<&'d str> {
    match condition {
        Some(condition) if condition != parent => Some(condition),
        _ => current,
    }
}
