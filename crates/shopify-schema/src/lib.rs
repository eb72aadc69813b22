//! Shopify's own Admin GraphQL schemas, one per API version, as data.
//!
//! `schema/admin-VERSION.graphql` are Shopify's introspection results of each version the simulator
//! serves (provenance in `schema/SOURCE.md`). The build script deflates them and the crate embeds
//! the compressed bytes; each version is inflated and parsed the first time it is asked for (about
//! 0.1 s with apollo-compiler optimised) and shared for the rest of the process.
//!
//! Both the client's tests and the simulator validate documents through this crate. It holds no
//! protocol logic: loading, validating and reporting deprecated uses only. Every schema is reached
//! through [`for_version`] or [`latest`], never through a static, so a build that leaves the
//! schemas out (a production binary that only syncs a real store) needs no change of callers.
//!
//! ```
//! let schema = shopify_schema::latest();
//! let doc = schema.validate("{ shop { name } }").expect("valid document");
//! assert!(schema.deprecated_uses(&doc).is_empty());
//! assert!(schema.validate("{ shop { nope } }").is_err());
//! assert!(shopify_schema::for_version("2026-04").is_some());
//! assert!(shopify_schema::for_version("2024-01").is_none());
//! ```

use std::fmt;
use std::sync::OnceLock;

use apollo_compiler::ast;
use apollo_compiler::executable::{self, ExecutableDocument, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};

/// The API versions whose schemas this crate carries, oldest first.
pub const VERSIONS: &[&str] = &["2025-10", "2026-01", "2026-04", "2026-07", "2026-10"];

/// The newest version carried: what shopsync speaks and what the simulator serves as `unstable`.
pub const LATEST: &str = "2026-10";

/// The schema of the newest version carried ([`LATEST`]).
pub fn latest() -> &'static AdminSchema {
    // LATEST is one of VERSIONS, which are all embedded; a miss here is a build defect.
    for_version(LATEST).unwrap_or_else(|| panic!("the schema of {LATEST} is not embedded"))
}

/// The schema of one API version (`2026-04`), or `None` for a version this crate does not carry.
/// Parsed once per process, on first use.
///
/// # Panics
/// When an embedded schema does not load: the files are checked by this crate's tests, so that is
/// a defect of the build, not of the caller.
pub fn for_version(version: &str) -> Option<&'static AdminSchema> {
    static LOADED: [OnceLock<AdminSchema>; EMBEDDED.len()] = [const { OnceLock::new() }; EMBEDDED.len()];
    let index = EMBEDDED.iter().position(|(name, _)| *name == version)?;
    let (name, compressed) = EMBEDDED[index];
    Some(LOADED[index].get_or_init(|| {
        AdminSchema::load(name, compressed).unwrap_or_else(|error| panic!("embedded schema does not load: {error}"))
    }))
}

/// `@oneOf` input objects (exactly one field set) are in the GraphQL spec since 2024 and Shopify
/// uses them (`CollectionIdentifierInput` ...); graphql-core prints the directive as a built-in,
/// so the files do not declare it, and apollo-compiler 1.x does not know it without a definition.
const ONE_OF_DIRECTIVE: &str = r#"
"Requires exactly one field of the input object to be given, and not null."
directive @oneOf on INPUT_OBJECT
"#;

/// Inflating stops beyond this size: the largest schema is 3.7 MB, so more means a broken file.
const MAX_SCHEMA_BYTES: usize = 64 << 20;

macro_rules! embedded {
    ($($version:literal),* $(,)?) => {
        [$(($version, include_bytes!(concat!(env!("OUT_DIR"), "/admin-", $version, ".graphql.deflate")) as &[u8])),*]
    };
}

/// Each version with its deflated SDL, in the order of [`VERSIONS`].
const EMBEDDED: [(&str, &[u8]); 5] = embedded!("2025-10", "2026-01", "2026-04", "2026-07", "2026-10");

/// One loaded, validated Admin schema.
pub struct AdminSchema {
    version: &'static str,
    schema: Valid<Schema>,
}

/// Why a document (or a schema file) was rejected.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SchemaError {
    /// The document does not parse or does not validate against the schema.
    #[error("GraphQL document is invalid against the Admin schema {version}:\n{}", list(.diagnostics))]
    InvalidDocument { version: String, diagnostics: Vec<Diagnostic> },
    /// An embedded schema file is broken (a defect of this crate, not of the caller).
    #[error("Admin schema {version} does not load: {message}")]
    InvalidSchema { version: String, message: String },
}

/// One problem found in a document, with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, e.g. "type `Shop` does not have a field `nope`".
    pub message: String,
    /// 1-based line and column of the problem, when known.
    pub location: Option<Location>,
    /// apollo-compiler's name for the kind of problem (e.g. `UndefinedField`), when it has one.
    pub kind: Option<&'static str>,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl SchemaError {
    /// The individual problems (empty for [`SchemaError::InvalidSchema`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            SchemaError::InvalidDocument { diagnostics, .. } => diagnostics,
            SchemaError::InvalidSchema { .. } => &[],
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(at) => write!(f, "{}:{}: {}", at.line, at.column, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl AdminSchema {
    /// The API version this schema stands for (`2026-10`).
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// The validated schema, for walking types and fields.
    pub fn schema(&self) -> &Valid<Schema> {
        &self.schema
    }

    /// Parses and validates an executable document (operations and fragments).
    pub fn validate(&self, source: &str) -> Result<Valid<ExecutableDocument>, SchemaError> {
        ExecutableDocument::parse_and_validate(&self.schema, source, "document.graphql").map_err(|with_errors| {
            SchemaError::InvalidDocument {
                version: self.version.to_string(),
                diagnostics: with_errors
                    .errors
                    .iter()
                    .map(|diagnostic| Diagnostic {
                        message: diagnostic.error.to_string(),
                        location: diagnostic
                            .line_column_range()
                            .map(|range| Location { line: range.start.line, column: range.start.column }),
                        kind: diagnostic.error.unstable_error_name(),
                    })
                    .collect(),
            }
        })
    }

    /// Everything marked `@deprecated` that the document uses: fields as `Type.field`, arguments
    /// as `Type.field(argument:)`, input fields as `Input.field` and enum literals as `Enum.VALUE`.
    /// Sorted and without duplicates.
    pub fn deprecated_uses(&self, document: &ExecutableDocument) -> Vec<String> {
        let mut uses = Vec::new();
        for operation in document.operations.iter() {
            self.deprecated_in_selection_set(&operation.selection_set, &mut uses);
        }
        for fragment in document.fragments.values() {
            self.deprecated_in_selection_set(&fragment.selection_set, &mut uses);
        }
        uses.sort();
        uses.dedup();
        uses
    }

    fn load(version: &'static str, compressed: &[u8]) -> Result<Self, SchemaError> {
        let invalid = |message: String| SchemaError::InvalidSchema { version: version.to_string(), message };
        let sdl = miniz_oxide::inflate::decompress_to_vec_with_limit(compressed, MAX_SCHEMA_BYTES)
            .map_err(|error| invalid(format!("the embedded schema does not inflate: {error}")))?;
        let sdl =
            String::from_utf8(sdl).map_err(|error| invalid(format!("the embedded schema is not UTF-8: {error}")))?;
        let mut builder = Schema::builder().parse(sdl.as_str(), format!("admin-{version}.graphql"));
        if !sdl.contains("directive @oneOf") {
            builder = builder.parse(ONE_OF_DIRECTIVE, "built-in-one-of.graphql");
        }
        let schema = builder
            .build()
            .and_then(Schema::validate)
            .map_err(|with_errors| invalid(with_errors.errors.to_string()))?;
        Ok(AdminSchema { version, schema })
    }

    fn deprecated_in_selection_set(&self, set: &SelectionSet, uses: &mut Vec<String>) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => self.deprecated_in_field(&set.ty, field, uses),
                Selection::InlineFragment(inline) => self.deprecated_in_selection_set(&inline.selection_set, uses),
                // Named fragments are walked once, from `document.fragments`.
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    fn deprecated_in_field(&self, parent_type: &str, field: &Node<executable::Field>, uses: &mut Vec<String>) {
        let definition = &field.definition;
        if definition.directives.has("deprecated") {
            uses.push(format!("{parent_type}.{}", field.name));
        }
        for argument in &field.arguments {
            let Some(argument_definition) =
                definition.arguments.iter().find(|candidate| candidate.name == argument.name)
            else {
                continue;
            };
            if argument_definition.directives.has("deprecated") {
                uses.push(format!("{parent_type}.{}({}:)", field.name, argument.name));
            }
            self.deprecated_in_value(&argument_definition.ty, &argument.value, uses);
        }
        self.deprecated_in_selection_set(&field.selection_set, uses);
    }

    fn deprecated_in_value(&self, ty: &ast::Type, value: &ast::Value, uses: &mut Vec<String>) {
        let type_name = ty.inner_named_type();
        match (value, self.schema.types.get(type_name)) {
            (ast::Value::Enum(literal), Some(ExtendedType::Enum(enum_type)))
                if enum_type.values.get(literal).is_some_and(|definition| definition.directives.has("deprecated")) =>
            {
                uses.push(format!("{type_name}.{literal}"));
            }
            (ast::Value::List(items), _) => {
                for item in items {
                    self.deprecated_in_value(ty.item_type(), item, uses);
                }
            }
            (ast::Value::Object(fields), Some(ExtendedType::InputObject(input))) => {
                for (name, field_value) in fields {
                    if let Some(definition) = input.fields.get(name) {
                        if definition.directives.has("deprecated") {
                            uses.push(format!("{type_name}.{name}"));
                        }
                        self.deprecated_in_value(&definition.ty, field_value, uses);
                    }
                }
            }
            _ => {}
        }
    }
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|diagnostic| format!("  {diagnostic}")).collect::<Vec<_>>().join("\n")
}
