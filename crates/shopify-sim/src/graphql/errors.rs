//! GraphQL error objects shaped as Shopify (graphql-ruby) returns them.

use apollo_compiler::Node;
use apollo_compiler::executable::Field;
use apollo_compiler::parser::SourceMap;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

/// One entry of the top-level `errors` array.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GraphqlError {
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<Json>>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Json>,
}

/// A 1-based position in the document.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One step of an error's `path`. Keys borrow the document's response keys: the executor keeps a
/// path for every field it resolves, and only an error turns it into JSON.
#[derive(Debug, Clone, Copy)]
pub enum PathSegment<'k> {
    Key(&'k str),
    Index(usize),
}

/// The documentation link Shopify puts in rate-limit errors.
pub const RATE_LIMITS_DOCUMENTATION: &str = "https://shopify.dev/api/usage/rate-limits";

impl GraphqlError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        GraphqlError { message: message.into(), locations: Vec::new(), path: None, extensions: Map::new() }
    }

    /// An error positioned at a field of the document, with the response path.
    pub fn at_field(
        message: impl Into<String>,
        field: &Node<Field>,
        sources: &SourceMap,
        path: &[PathSegment],
    ) -> Self {
        let mut error = GraphqlError::new(message);
        if let Some(range) = field.location().and_then(|span| span.line_column_range(sources)) {
            error.locations.push(Location { line: range.start.line, column: range.start.column });
        }
        error.path = Some(
            path.iter()
                .map(|segment| match segment {
                    PathSegment::Key(key) => Json::String(key.to_string()),
                    PathSegment::Index(index) => json!(index),
                })
                .collect(),
        );
        error
    }

    /// Sets `extensions.code`.
    pub fn with_code(mut self, code: &str) -> Self {
        self.extensions.insert("code".to_string(), Json::String(code.to_string()));
        self
    }

    /// Adds one `extensions` entry.
    pub fn with_extension(mut self, key: &str, value: Json) -> Self {
        self.extensions.insert(key.to_string(), value);
        self
    }

    /// Adds a location.
    pub fn with_location(mut self, line: usize, column: usize) -> Self {
        self.locations.push(Location { line, column });
        self
    }

    /// The THROTTLED error, exactly as Shopify words it.
    pub fn throttled() -> Self {
        GraphqlError::new("Throttled")
            .with_code("THROTTLED")
            .with_extension("documentation", Json::String(RATE_LIMITS_DOCUMENTATION.to_string()))
    }

    /// The MAX_COST_EXCEEDED error, exactly as Shopify words it.
    pub fn max_cost_exceeded(cost: u32, max_cost: u32) -> Self {
        GraphqlError::new(format!(
            "Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n\
             See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n\
             cost of a query is calculated.\n\n\
             To query larger amounts of data with fewer limits, bulk operations should be used instead.\n\
             See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
        ))
        .with_code("MAX_COST_EXCEEDED")
        .with_extension("cost", json!(cost))
        .with_extension("maxCost", json!(max_cost))
        .with_extension("documentation", Json::String(RATE_LIMITS_DOCUMENTATION.to_string()))
    }
}

/// Maps apollo-compiler's diagnostic kinds to the codes graphql-ruby (Shopify's server) uses.
pub fn validation_code(kind: Option<&str>) -> &'static str {
    match kind {
        Some("UndefinedField") => "undefinedField",
        Some("UndefinedArgument") => "argumentNotAccepted",
        Some("RequiredArgument") => "missingRequiredArguments",
        Some("UndefinedFragment") => "undefinedFragment",
        Some("UndefinedVariable") => "variableNotDefined",
        Some("UnusedVariable") => "variableNotUsed",
        Some("UnusedFragment") => "useAndDefineFragment",
        Some("UndefinedDefinition") => "undefinedType",
        Some("UndefinedDirective") => "undefinedDirective",
        Some("DisallowedSubselection") => "selectionMismatch",
        Some("MissingSubselection") => "selectionMismatch",
        Some("UndefinedInputValue") => "argumentLiteralsIncompatible",
        Some("RequiredInputValue") => "argumentLiteralsIncompatible",
        Some("UnsupportedValueType") => "argumentLiteralsIncompatible",
        Some("IntCoercionError") => "argumentLiteralsIncompatible",
        Some("FloatCoercionError") => "argumentLiteralsIncompatible",
        Some("UndefinedEnumValue") => "argumentLiteralsIncompatible",
        Some("DisallowedVariableUsage") => "variableMismatch",
        Some("ConflictingFieldType") | Some("ConflictingFieldName") | Some("ConflictingFieldArgument") => {
            "fieldConflict"
        }
        Some(_) => "validationError",
        None => "parseError",
    }
}

/// The errors of a document that does not validate, shaped as graphql-ruby (Shopify's server)
/// reports them: a syntax error is one `parseError` (a parser recovering from it would report a
/// cascade of follow-on errors that only confuse), every other problem gets its `path` (operation,
/// then the fields down to it) and, for the common kinds, Shopify's message and `extensions`
/// (`typeName`, `fieldName` ...).
pub fn validation_errors(source: &str, diagnostics: &[shopify_schema::Diagnostic]) -> Vec<GraphqlError> {
    if let Some(syntax) = diagnostics.iter().find(|diagnostic| diagnostic.kind.is_none()) {
        let mut error = GraphqlError::new(syntax.message.clone()).with_code(validation_code(None));
        if let Some(at) = syntax.location {
            error = error.with_location(at.line, at.column);
        }
        return vec![error];
    }
    let document = match apollo_compiler::ast::Document::parse(source, "document.graphql") {
        Ok(document) => document,
        Err(with_errors) => with_errors.partial,
    };
    let errors: Vec<(Option<&str>, GraphqlError)> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut error = shopify_shaped(diagnostic);
            if let Some(at) = diagnostic.location {
                error = error.with_location(at.line, at.column);
                if let Some(offset) = offset_of(source, at.line, at.column) {
                    let path = path_at(&document, offset);
                    if !path.is_empty() {
                        error.path = Some(path.into_iter().map(Json::String).collect());
                    }
                }
            }
            (diagnostic.kind, error)
        })
        .collect();
    // A field whose only subfields do not exist also "has no subselection" to apollo-compiler;
    // graphql-ruby reports the unknown fields alone.
    let follows_from_another = |kind: Option<&str>, error: &GraphqlError| {
        kind == Some("MissingSubselection")
            && error.path.as_ref().is_some_and(|path| {
                errors.iter().any(|(other_kind, other)| {
                    *other_kind == Some("UndefinedField")
                        && other.path.as_ref().is_some_and(|other_path| other_path.starts_with(path))
                })
            })
    };
    errors.iter().filter(|(kind, error)| !follows_from_another(*kind, error)).map(|(_, error)| error.clone()).collect()
}

/// graphql-ruby's wording and extensions for the kinds clients meet most; apollo-compiler's
/// message with the mapped code for the others.
fn shopify_shaped(diagnostic: &shopify_schema::Diagnostic) -> GraphqlError {
    let code = validation_code(diagnostic.kind);
    let quoted = backticked(&diagnostic.message);
    match (diagnostic.kind, quoted.as_slice()) {
        // "type `Shop` does not have a field `nope`"
        (Some("UndefinedField"), [type_name, field_name, ..]) => {
            GraphqlError::new(format!("Field '{field_name}' doesn't exist on type '{type_name}'"))
                .with_code(code)
                .with_extension("typeName", json!(type_name))
                .with_extension("fieldName", json!(field_name))
        }
        // "the argument `foo` is not supported by `QueryRoot.products`"
        (Some("UndefinedArgument"), [argument, coordinate, ..]) => {
            let field = coordinate.rsplit('.').next().unwrap_or(coordinate);
            GraphqlError::new(format!("Field '{field}' doesn't accept argument '{argument}'"))
                .with_code(code)
                .with_extension("name", json!(field))
                .with_extension("typeName", json!("Field"))
                .with_extension("argumentName", json!(argument))
        }
        // "the required argument `QueryRoot.product(id:)` is not provided"
        (Some("RequiredArgument"), [coordinate, ..]) => {
            let (field, argument) = coordinate
                .split_once('(')
                .map(|(field, argument)| (field, argument.trim_end_matches([':', ')'])))
                .unwrap_or((coordinate, ""));
            let field = field.rsplit('.').next().unwrap_or(field);
            GraphqlError::new(format!("Field '{field}' is missing required arguments: {argument}"))
                .with_code(code)
                .with_extension("className", json!("Field"))
                .with_extension("name", json!(field))
                .with_extension("arguments", json!(argument))
        }
        _ => GraphqlError::new(diagnostic.message.clone()).with_code(code),
    }
}

/// The texts between backticks of a message, in order.
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The byte offset of a 1-based line and column (columns count characters).
fn offset_of(source: &str, line: usize, column: usize) -> Option<usize> {
    let line_start =
        if line <= 1 { 0 } else { source.match_indices('\n').nth(line - 2).map(|(index, _)| index + 1)? };
    let rest = &source[line_start..];
    let within = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(index, _)| index);
    Some(line_start + within)
}

/// graphql-ruby's path to the innermost selection at `offset`: the operation (`query`,
/// `mutation Name`) or `fragment Name`, then each field's response key, `... on Type` and
/// `... Fragment` down to it.
fn path_at(document: &apollo_compiler::ast::Document, offset: usize) -> Vec<String> {
    use apollo_compiler::ast::Definition;
    for definition in &document.definitions {
        let (root, selections) = match definition {
            Definition::OperationDefinition(operation) => {
                let kind = operation.operation_type.name();
                let root = match &operation.name {
                    Some(name) => format!("{kind} {name}"),
                    None => kind.to_string(),
                };
                (root, &operation.selection_set)
            }
            Definition::FragmentDefinition(fragment) => {
                (format!("fragment {}", fragment.name), &fragment.selection_set)
            }
            _ => continue,
        };
        if !contains(definition.location(), offset) {
            continue;
        }
        let mut path = vec![root];
        descend(selections, offset, &mut path);
        return path;
    }
    Vec::new()
}

fn contains(span: Option<apollo_compiler::parser::SourceSpan>, offset: usize) -> bool {
    span.is_some_and(|span| span.offset() <= offset && offset < span.end_offset())
}

fn descend(selections: &[apollo_compiler::ast::Selection], offset: usize, path: &mut Vec<String>) {
    use apollo_compiler::ast::Selection;
    for selection in selections {
        if !contains(selection.location(), offset) {
            continue;
        }
        match selection {
            Selection::Field(field) => {
                path.push(field.alias.as_ref().unwrap_or(&field.name).to_string());
                descend(&field.selection_set, offset, path);
            }
            Selection::InlineFragment(inline) => {
                path.push(match &inline.type_condition {
                    Some(condition) => format!("... on {condition}"),
                    None => "...".to_string(),
                });
                descend(&inline.selection_set, offset, path);
            }
            Selection::FragmentSpread(spread) => path.push(format!("... {}", spread.fragment_name)),
        }
        return;
    }
}
