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

/// One step of an error's `path`.
#[derive(Debug, Clone)]
pub enum PathSegment {
    Key(String),
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
                    PathSegment::Key(key) => Json::String(key.clone()),
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
