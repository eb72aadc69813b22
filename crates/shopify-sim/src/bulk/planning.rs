//! Validation by Shopify's bulk rules and planning: the document prepared to run chunk by chunk.

use apollo_compiler::ast::{OperationType, Value};
use apollo_compiler::executable::{ExecutableDocument, Field, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema, name};
use shopify_schema::AdminSchema;

// ---------------------------------------------------------------------------------------------
// Validation and planning
// ---------------------------------------------------------------------------------------------

/// A validated bulk query, ready to run chunk by chunk.
pub(crate) struct BulkPlan {
    pub(super) schema: &'static AdminSchema,
    pub(super) api_version: String,
    /// The query with paging arguments removed and `pageInfo` added to the root connection.
    pub(super) document: ExecutableDocument,
    /// The same query selecting only the root connection's `pageInfo`: where the next chunk starts, found
    /// without resolving the nodes, so the next chunk can run while this one does.
    pub(super) boundaries: ExecutableDocument,
    pub(super) root_key: String,
    /// The root field is a connection (walked in chunks), or an object (one line).
    pub(super) root_is_connection: bool,
    pub(super) root_edges: (String, String),
    /// Connections below the root node (or root object).
    pub(super) children: Vec<ConnectionSpec>,
}

/// A nested connection, located from the node that holds it.
#[derive(Debug, Clone)]
pub(super) struct ConnectionSpec {
    /// Response keys from the holding node to the connection field.
    pub(super) path: Vec<String>,
    pub(super) edges_key: String,
    pub(super) node_key: String,
    pub(super) children: Vec<ConnectionSpec>,
}

/// How many chunks of an operation run at once: the next one is read while this one is written.
pub(super) const CHUNKS_AHEAD: usize = 2;

/// The alias of the `pageInfo` the runner adds to the root connection.
pub(super) const PAGE_INFO_ALIAS: &str = "simBulkPageInfo";

/// Checks a bulk query by Shopify's rules; the messages of every rule broken when it is refused.
pub(crate) fn plan(query: &str, api_version: &str) -> Result<BulkPlan, Vec<String>> {
    let schema = crate::server::schema_of(api_version);
    let document = match schema.validate(query) {
        Ok(document) => document,
        Err(error) => {
            let reason =
                error.diagnostics().first().map(|diagnostic| diagnostic.message.clone()).unwrap_or(error.to_string());
            return Err(vec![format!("Invalid bulk query: {reason}")]);
        }
    };
    let operation = match document.operations.get(None) {
        Ok(operation) => operation,
        Err(_) => return Err(vec!["Invalid bulk query: the document must hold exactly one operation".to_string()]),
    };
    if operation.operation_type != OperationType::Query {
        return Err(vec!["Invalid operation type. Only `query` operations are supported.".to_string()]);
    }
    if let Err(error) = crate::graphql::cost::check_limits(&document, operation) {
        return Err(vec![error.message]);
    }
    let mut errors = Vec::new();
    let roots: Vec<&Node<Field>> = collect_fields(&document, &operation.selection_set)
        .into_iter()
        .filter(|field| field.name != "__typename")
        .collect();
    let mut analysis = Analysis::default();
    let mut children = Vec::new();
    let mut root_edges = (String::new(), String::new());
    let mut root_is_connection = false;
    for root in &roots {
        if root.name == "node" || root.name == "nodes" {
            errors.push(format!("Bulk queries cannot contain a top level `{}` field.", root.name));
            continue;
        }
        if is_connection(schema.schema(), root) {
            root_is_connection = true;
            let spec = analysis.connection(&document, schema.schema(), root, 0, false, None, Vec::new());
            root_edges = (spec.edges_key.clone(), spec.node_key.clone());
            children = spec.children;
        } else {
            let parent =
                Some(Parent { name: root.name.to_string(), has_id: selects_id(&document, &root.selection_set) });
            let in_list = root.definition.ty.is_list();
            analysis.walk(
                &document,
                schema.schema(),
                &root.selection_set,
                0,
                in_list,
                parent,
                &mut Vec::new(),
                &mut children,
            );
        }
    }
    if roots.len() > 1 {
        errors.push("Bulk queries must select a single top level field.".to_string());
    }
    if !analysis.via_nodes.is_empty() {
        errors.push(format!(
            "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: \
             'products {{ edges {{ node {{'. Selecting via 'nodes' is not supported. Invalid connection fields: {}.",
            quoted_list(&analysis.via_nodes)
        ));
    }
    if analysis.within_list {
        errors.push(
            "Queries that contain a connection field within a list field are not currently supported.".to_string(),
        );
    }
    if analysis.connections > 5 {
        errors.push("Bulk queries cannot contain more than 5 connections.".to_string());
    }
    if analysis.too_deep {
        errors.push("Bulk queries cannot contain connections with a nesting depth greater than 2.".to_string());
    }
    if !analysis.parents_without_id.is_empty() {
        errors.push(format!(
            "The parent 'node' field for a nested connection must select the 'id' field without an alias and must \
             be of 'ID' return type. Connection fields without 'id': {}.",
            analysis.parents_without_id.join(", ")
        ));
    }
    if analysis.connections == 0 {
        errors.push("Bulk queries must contain at least one connection.".to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(root) = roots.first() else {
        return Err(vec!["Bulk queries must contain at least one connection.".to_string()]);
    };
    let root_key = root.response_key().to_string();
    let mut prepared = document.into_inner();
    prepare(&mut prepared, schema.schema(), &root_key, root_is_connection);
    let boundaries = boundary_document(&prepared, &root_key);
    Ok(BulkPlan {
        schema,
        api_version: api_version.to_string(),
        document: prepared,
        boundaries,
        root_key,
        root_is_connection,
        root_edges,
        children,
    })
}

fn quoted_list(names: &[String]) -> String {
    names.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(", ")
}

/// The node (or root object) that holds a connection.
struct Parent {
    name: String,
    has_id: bool,
}

#[derive(Default)]
struct Analysis {
    connections: usize,
    too_deep: bool,
    within_list: bool,
    via_nodes: Vec<String>,
    parents_without_id: Vec<String>,
}

impl Analysis {
    /// Analyses one connection field at `depth` (connections above it) and returns its spec.
    #[allow(clippy::too_many_arguments)]
    fn connection(
        &mut self,
        document: &ExecutableDocument,
        schema: &Schema,
        field: &Field,
        depth: usize,
        in_list: bool,
        parent: Option<&Parent>,
        path: Vec<String>,
    ) -> ConnectionSpec {
        self.connections += 1;
        if depth + 1 > 2 {
            self.too_deep = true;
        }
        if in_list {
            self.within_list = true;
        }
        if let Some(parent) = parent
            && !parent.has_id
            && !self.parents_without_id.contains(&parent.name)
        {
            self.parents_without_id.push(parent.name.clone());
        }
        let inner = collect_fields(document, &field.selection_set);
        let edges = inner.iter().find(|candidate| candidate.name == "edges");
        let node = edges.and_then(|edges| {
            collect_fields(document, &edges.selection_set).into_iter().find(|candidate| candidate.name == "node")
        });
        if edges.is_none() && inner.iter().any(|candidate| candidate.name == "nodes") {
            self.via_nodes.push(field.name.to_string());
        }
        let mut spec = ConnectionSpec {
            path: {
                let mut path = path;
                path.push(field.response_key().to_string());
                path
            },
            edges_key: edges.map(|edges| edges.response_key().to_string()).unwrap_or_default(),
            node_key: node.map(|node| node.response_key().to_string()).unwrap_or_default(),
            children: Vec::new(),
        };
        if let Some(node) = node {
            let holder = Parent { name: field.name.to_string(), has_id: selects_id(document, &node.selection_set) };
            let mut children = Vec::new();
            self.walk(
                document,
                schema,
                &node.selection_set,
                depth + 1,
                false,
                Some(holder),
                &mut Vec::new(),
                &mut children,
            );
            spec.children = children;
        }
        spec
    }

    /// Walks the selection of a node (or root object), finding connections below it.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        document: &ExecutableDocument,
        schema: &Schema,
        set: &SelectionSet,
        depth: usize,
        in_list: bool,
        parent: Option<Parent>,
        path: &mut Vec<String>,
        out: &mut Vec<ConnectionSpec>,
    ) {
        for field in collect_fields(document, set) {
            if field.selection_set.selections.is_empty() {
                continue;
            }
            if is_connection(schema, field) {
                let spec = self.connection(document, schema, field, depth, in_list, parent.as_ref(), path.clone());
                out.push(spec);
            } else {
                path.push(field.response_key().to_string());
                let in_list = in_list || field.definition.ty.is_list();
                let parent = parent.as_ref().map(|parent| Parent { name: parent.name.clone(), has_id: parent.has_id });
                self.walk(document, schema, &field.selection_set, depth, in_list, parent, path, out);
                path.pop();
            }
        }
    }
}

/// Fields of a selection set with fragments flattened, the first field of each response key.
fn collect_fields<'d>(document: &'d ExecutableDocument, set: &'d SelectionSet) -> Vec<&'d Node<Field>> {
    fn visit<'d>(
        document: &'d ExecutableDocument,
        set: &'d SelectionSet,
        out: &mut Vec<&'d Node<Field>>,
        depth: usize,
    ) {
        if depth > 32 {
            return;
        }
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if !out.iter().any(|seen| seen.response_key() == field.response_key()) {
                        out.push(field);
                    }
                }
                Selection::InlineFragment(inline) => visit(document, &inline.selection_set, out, depth + 1),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                        visit(document, &fragment.selection_set, out, depth + 1);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    visit(document, set, &mut out, 0);
    out
}

fn selects_id(document: &ExecutableDocument, set: &SelectionSet) -> bool {
    collect_fields(document, set).iter().any(|field| field.name == "id" && field.alias.is_none())
}

/// A connection is an object type named `…Connection` with `edges`.
fn is_connection(schema: &Schema, field: &Field) -> bool {
    let type_name = field.definition.ty.inner_named_type();
    type_name.ends_with("Connection") && !field.definition.ty.is_list() && schema.type_field(type_name, "edges").is_ok()
}

const PAGING_ARGUMENTS: &[&str] = &["first", "last", "after", "before"];

/// Removes paging arguments from every connection and adds the runner's `pageInfo` to the root.
fn prepare(document: &mut ExecutableDocument, schema: &Schema, root_key: &str, root_is_connection: bool) {
    fn strip(set: &mut SelectionSet, schema: &Schema) {
        for selection in &mut set.selections {
            match selection {
                Selection::Field(field) => {
                    let field = field.make_mut();
                    if is_connection(schema, field) {
                        field.arguments.retain(|argument| !PAGING_ARGUMENTS.contains(&argument.name.as_str()));
                    }
                    strip(&mut field.selection_set, schema);
                }
                Selection::InlineFragment(inline) => strip(&mut inline.make_mut().selection_set, schema),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    for fragment in document.fragments.values_mut() {
        strip(&mut fragment.make_mut().selection_set, schema);
    }
    let Ok(operation) = document.operations.get_mut(None) else {
        return;
    };
    strip(&mut operation.selection_set, schema);
    if !root_is_connection {
        return;
    }
    for selection in &mut operation.selection_set.selections {
        if let Selection::Field(field) = selection
            && field.response_key() == root_key
        {
            let field = field.make_mut();
            let page_info = field.selection_set.new_field(schema, name!("pageInfo")).map(|page_info| {
                let has_next = page_info.selection_set.new_field(schema, name!("hasNextPage"));
                let end_cursor = page_info.selection_set.new_field(schema, name!("endCursor"));
                let mut page_info = page_info.with_alias(name!("simBulkPageInfo"));
                page_info.selection_set.extend(has_next.into_iter().chain(end_cursor));
                page_info
            });
            if let Ok(page_info) = page_info {
                field.selection_set.push(page_info);
            }
        }
    }
}

/// `document` with the root connection selecting only the runner's `pageInfo`.
fn boundary_document(document: &ExecutableDocument, root_key: &str) -> ExecutableDocument {
    let mut boundaries = document.clone();
    if let Ok(operation) = boundaries.operations.get_mut(None) {
        for selection in &mut operation.selection_set.selections {
            if let Selection::Field(field) = selection
                && field.response_key() == root_key
            {
                field.make_mut().selection_set.selections.retain(
                    |selection| matches!(selection, Selection::Field(inner) if inner.response_key() == PAGE_INFO_ALIAS),
                );
            }
        }
    }
    boundaries
}

/// The plan's document with the root's page set (`first: chunk`, `after: cursor`).
pub(super) fn chunk_document(plan: &BulkPlan, chunk: usize, after: Option<&str>) -> Valid<ExecutableDocument> {
    with_page(&plan.document, plan, chunk, after)
}

/// `source` (the plan's document or its boundaries) with the root's page set.
pub(super) fn with_page(
    source: &ExecutableDocument,
    plan: &BulkPlan,
    chunk: usize,
    after: Option<&str>,
) -> Valid<ExecutableDocument> {
    let mut document = source.clone();
    if plan.root_is_connection
        && let Ok(operation) = document.operations.get_mut(None)
    {
        for selection in &mut operation.selection_set.selections {
            if let Selection::Field(field) = selection
                && field.response_key() == plan.root_key.as_str()
            {
                let field = field.make_mut();
                let first = i32::try_from(chunk).unwrap_or(i32::MAX);
                field.arguments.push((name!("first"), Node::new(Value::from(first))).into());
                if let Some(after) = after {
                    field.arguments.push((name!("after"), Node::new(Value::String(after.to_string()))).into());
                }
            }
        }
    }
    // Only argument values of the right type were added to a validated document.
    Valid::assume_valid(document)
}
