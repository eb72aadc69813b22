//! The real Shopify Admin GraphQL schema, as data, plus our overlay of API changes up to 2026-10.
//!
//! The vendored schemas (`schema/admin-2025-04.graphql`, `schema/admin-unstable-2025-09.graphql`,
//! provenance in `schema/SOURCE.md`) predate the API version shopsync speaks. The overlay
//! `schema/overlay-2026-10.graphql` adds what changed since (each change names its docs page), so
//! documents are held to today's API: `changeFromQuantity` exists, `compareQuantity` does not.
//!
//! Both the client's tests and the simulator validate documents through this crate. It holds no
//! protocol logic: loading, validating and reporting deprecated uses only. Each schema is parsed
//! once per process (about 0.1 s with apollo-compiler optimised) and shared.
//!
//! ```
//! let schema = shopify_schema::stable();
//! let doc = schema.validate("{ shop { name } }").expect("valid document");
//! assert!(schema.deprecated_uses(&doc).is_empty());
//! assert!(schema.validate("{ shop { nope } }").is_err());
//! ```

use std::fmt;
use std::sync::OnceLock;

use apollo_compiler::ast;
use apollo_compiler::executable::{self, ExecutableDocument, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};

/// The API version the overlay brings the schemas to.
pub const API_VERSION: &str = "2026-10";

/// The 2025-04 stable schema plus the 2026-10 overlay: what the simulator serves as 2026-10.
pub fn stable() -> &'static AdminSchema {
    static STABLE: OnceLock<AdminSchema> = OnceLock::new();
    STABLE.get_or_init(|| {
        AdminSchema::load(API_VERSION, STABLE_SDL, "admin-2025-04.graphql")
            // The embedded files are checked by this crate's tests; failing here is a build defect.
            .unwrap_or_else(|error| panic!("embedded stable schema does not load: {error}"))
    })
}

/// The ~2025-09 unstable dump plus the 2026-10 overlay.
pub fn unstable() -> &'static AdminSchema {
    static UNSTABLE: OnceLock<AdminSchema> = OnceLock::new();
    UNSTABLE.get_or_init(|| {
        let sdl = strip_builtin_id_scalar(UNSTABLE_SDL);
        AdminSchema::load("unstable", &sdl, "admin-unstable-2025-09.graphql")
            // The embedded files are checked by this crate's tests; failing here is a build defect.
            .unwrap_or_else(|error| panic!("embedded unstable schema does not load: {error}"))
    })
}

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
    /// A schema file or the overlay is broken (a defect of this crate, not of the caller).
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
    /// The API version this schema stands for (`2026-10` or `unstable`).
    pub fn version(&self) -> &str {
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

    fn load(version: &'static str, base_sdl: &str, path: &str) -> Result<Self, SchemaError> {
        let invalid = |message: String| SchemaError::InvalidSchema { version: version.to_string(), message };
        let mut schema = Schema::builder()
            .parse(base_sdl, path)
            .parse(OVERLAY_SDL, "overlay-2026-10.graphql")
            .build()
            .map_err(|with_errors| invalid(with_errors.errors.to_string()))?;
        for line in OVERLAY_SDL.lines() {
            if let Some(instruction) = line.trim().strip_prefix("#!") {
                apply_instruction(&mut schema, instruction.trim()).map_err(&invalid)?;
            }
        }
        let schema = schema.validate().map_err(|with_errors| invalid(with_errors.errors.to_string()))?;
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

const STABLE_SDL: &str = include_str!("../schema/admin-2025-04.graphql");
const UNSTABLE_SDL: &str = include_str!("../schema/admin-unstable-2025-09.graphql");
const OVERLAY_SDL: &str = include_str!("../schema/overlay-2026-10.graphql");

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|diagnostic| format!("  {diagnostic}")).collect::<Vec<_>>().join("\n")
}

/// The unstable dump declares `scalar ID` (with a description), which apollo-compiler rejects as
/// a redefinition of a built-in scalar: cut the definition and its description out.
fn strip_builtin_id_scalar(sdl: &str) -> String {
    let Some(at) = sdl.find("\nscalar ID\n") else {
        return sdl.to_string();
    };
    let before = &sdl[..at];
    let start =
        before.trim_end().strip_suffix("\"\"\"").and_then(|without_close| without_close.rfind("\"\"\"")).unwrap_or(at);
    let end = at + "\nscalar ID\n".len();
    format!("{}\n{}", &sdl[..start], &sdl[end..])
}

/// Applies one `#!` loader instruction of the overlay (see the overlay file's header).
fn apply_instruction(schema: &mut Schema, instruction: &str) -> Result<(), String> {
    let (verb, rest) =
        instruction.split_once(' ').ok_or_else(|| format!("overlay instruction `{instruction}` has no target"))?;
    match verb {
        "remove" => {
            let (type_name, member) =
                rest.trim().split_once('.').ok_or_else(|| format!("`remove {rest}` must name Type.member"))?;
            remove_member(schema, type_name, member)
        }
        "argument" => {
            let rest = rest.trim();
            let open = rest.find('(').ok_or_else(|| format!("`argument {rest}` must be Type.field(definition)"))?;
            let (type_name, field_name) =
                rest[..open].split_once('.').ok_or_else(|| format!("`argument {rest}` must name Type.field"))?;
            let argument = parse_argument_definition(&rest[open..])?;
            add_argument(schema, type_name, field_name, argument)
        }
        "field" => {
            let rest = rest.trim();
            let (path, ty) = rest.split_once(':').ok_or_else(|| format!("`field {rest}` must be Type.field: TYPE"))?;
            let (type_name, field_name) =
                path.trim().split_once('.').ok_or_else(|| format!("`field {rest}` must name Type.field"))?;
            add_field(schema, type_name, field_name.trim(), ty.trim())
        }
        other => Err(format!("unknown overlay instruction `{other}`")),
    }
}

fn remove_member(schema: &mut Schema, type_name: &str, member: &str) -> Result<(), String> {
    let removed = match schema.types.get_mut(type_name) {
        Some(ExtendedType::InputObject(input)) => input.make_mut().fields.shift_remove(member).map(drop),
        Some(ExtendedType::Object(object)) => object.make_mut().fields.shift_remove(member).map(drop),
        Some(ExtendedType::Interface(interface)) => interface.make_mut().fields.shift_remove(member).map(drop),
        Some(ExtendedType::Enum(enum_type)) => enum_type.make_mut().values.shift_remove(member).map(drop),
        _ => return Err(format!("`remove {type_name}.{member}`: no such type")),
    };
    match removed {
        Some(_) => Ok(()),
        None => Err(format!("`remove {type_name}.{member}`: no such member")),
    }
}

/// Adds a field to an object, interface or input object unless the base schema already has it (the unstable
/// dump often does), so one overlay serves both vendored schemas.
fn add_field(schema: &mut Schema, type_name: &str, field_name: &str, ty: &str) -> Result<(), String> {
    let parse = |sdl: String| {
        ast::Document::parse(sdl, "overlay-field.graphql").map_err(|with_errors| with_errors.errors.to_string())
    };
    match schema.types.get_mut(type_name) {
        Some(ExtendedType::InputObject(input)) => {
            if input.fields.contains_key(field_name) {
                return Ok(());
            }
            let document = parse(format!("input OverlayField {{ {field_name}: {ty} }}"))?;
            let field = document
                .definitions
                .iter()
                .find_map(|definition| match definition {
                    ast::Definition::InputObjectTypeDefinition(input) => input.fields.first().cloned(),
                    _ => None,
                })
                .ok_or_else(|| format!("`field {type_name}.{field_name}: {ty}` is not an input field"))?;
            input.make_mut().fields.insert(field.name.clone(), apollo_compiler::schema::Component::from(field));
            Ok(())
        }
        Some(ExtendedType::Object(object)) => {
            if object.fields.contains_key(field_name) {
                return Ok(());
            }
            let document = parse(format!("type OverlayField {{ {field_name}: {ty} }}"))?;
            let field = document
                .definitions
                .iter()
                .find_map(|definition| match definition {
                    ast::Definition::ObjectTypeDefinition(object) => object.fields.first().cloned(),
                    _ => None,
                })
                .ok_or_else(|| format!("`field {type_name}.{field_name}: {ty}` is not a field"))?;
            object.make_mut().fields.insert(field.name.clone(), apollo_compiler::schema::Component::from(field));
            Ok(())
        }
        _ => Err(format!("`field {type_name}.{field_name}`: no such object or input type")),
    }
}

fn parse_argument_definition(text: &str) -> Result<Node<ast::InputValueDefinition>, String> {
    let sdl = format!("type OverlayArgument {{ field{text}: Int }}");
    let document =
        ast::Document::parse(sdl, "overlay-argument.graphql").map_err(|with_errors| with_errors.errors.to_string())?;
    document
        .definitions
        .iter()
        .find_map(|definition| match definition {
            ast::Definition::ObjectTypeDefinition(object) => {
                object.fields.first().and_then(|field| field.arguments.first().cloned())
            }
            _ => None,
        })
        .ok_or_else(|| format!("`{text}` holds no argument definition"))
}

fn add_argument(
    schema: &mut Schema,
    type_name: &str,
    field_name: &str,
    argument: Node<ast::InputValueDefinition>,
) -> Result<(), String> {
    let Some(ExtendedType::Object(object)) = schema.types.get_mut(type_name) else {
        return Err(format!("`argument {type_name}.{field_name}`: no such object type"));
    };
    let field = object
        .make_mut()
        .fields
        .get_mut(field_name)
        .ok_or_else(|| format!("`argument {type_name}.{field_name}`: no such field"))?;
    let arguments = &mut field.make_mut().arguments;
    match arguments.iter_mut().find(|existing| existing.name == argument.name) {
        Some(existing) => *existing = argument,
        None => arguments.push(argument),
    }
    Ok(())
}
