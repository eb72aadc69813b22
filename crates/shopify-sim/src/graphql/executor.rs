//! A generic GraphQL executor over the validated document.
//!
//! The executor knows nothing of Shopify objects: it walks the selection set (fields, aliases,
//! fragments, `@skip`/`@include`, `__typename`), asks each [`Object`] for the value of each field,
//! and completes values against the schema type (lists, non-null propagation, sub-selections).
//! Resolvers live in `crate::resolvers` and are found through the [`Registry`].

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use apollo_compiler::ast::{OperationType, Type};
use apollo_compiler::executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};
use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::errors::{GraphqlError, PathSegment};
use super::input;
use crate::registry::Registry;
use crate::store::Store;

/// A value some resolver produced for a field, before completion against the schema type.
pub enum Output<'a> {
    /// `null`.
    Null,
    /// A leaf (scalar or enum) already in its JSON form.
    Value(Json),
    /// An object whose fields are resolved on demand.
    Object(Rc<dyn Object + 'a>),
    /// A list of outputs.
    List(Vec<Output<'a>>),
}

/// The result of resolving one field.
pub type Resolved<'a> = Result<Output<'a>, FieldError>;

/// A GraphQL object the executor can ask for fields. One implementation per object type (or a
/// shared one for generic types such as connections); `type_name` is the concrete type name, used
/// for `__typename`, fragment type conditions and error messages.
pub trait Object {
    /// The concrete GraphQL object type, e.g. `"Product"`.
    fn type_name(&self) -> &'static str;

    /// The value of one field. Return [`FieldError::NotImplemented`] for any field the simulator
    /// does not model: the executor turns it into an error naming `Type.field`.
    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a>;
}

/// What went wrong while resolving a field.
#[derive(Debug, Clone)]
pub enum FieldError {
    /// The field is valid in the schema but the simulator does not model it.
    NotImplemented,
    /// A request error Shopify would report in `errors` (bad argument value, too many items ...).
    Message { message: String, code: Option<&'static str> },
}

impl FieldError {
    /// A field error with a message and no code.
    pub fn message(message: impl Into<String>) -> Self {
        FieldError::Message { message: message.into(), code: None }
    }

    /// A field error with a message and an `extensions.code`.
    pub fn coded(message: impl Into<String>, code: &'static str) -> Self {
        FieldError::Message { message: message.into(), code: Some(code) }
    }
}

/// Read-only context given to every resolver: the store snapshot and the request's environment.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub env: &'a RequestEnv,
    pub registry: &'a Registry,
}

/// Facts about the request and the simulator that resolvers may need.
#[derive(Debug, Clone)]
pub struct RequestEnv {
    /// `http://127.0.0.1:PORT`, for URLs the simulator serves (images, bulk results).
    pub base_url: String,
    /// The API version served, e.g. `2026-10`.
    pub api_version: String,
    /// The shop's myshopify domain.
    pub shop_domain: String,
    /// Scopes granted to the app.
    pub access_scopes: Vec<String>,
    /// The simulated app's API key (`App.apiKey`).
    pub api_key: String,
}

impl<'a> Ctx<'a> {
    /// Finds any object by its global id (`gid://shopify/Product/1`), as `node(id:)` does.
    pub fn node(&'a self, gid: &str) -> Option<Rc<dyn Object + 'a>> {
        let (kind, id) = crate::gid::parse(gid)?;
        self.registry.lookup_node(kind, id, self)
    }
}

/// One field being resolved: its name, its coerced arguments and its place in the document.
pub struct FieldCall<'f> {
    field: &'f Field,
    arguments: Vec<(&'f str, Json)>,
}

impl<'f> FieldCall<'f> {
    /// The field's schema name (not its alias).
    pub fn name(&self) -> &str {
        &self.field.name
    }

    /// An argument's value after variables and defaults (`None` when absent or null).
    pub fn arg(&self, name: &str) -> Option<&Json> {
        self.arguments
            .iter()
            .find(|(candidate, _)| *candidate == name)
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    }

    /// Whether the argument was given at all (even as `null`) or has a default.
    pub fn has_arg(&self, name: &str) -> bool {
        self.arguments.iter().any(|(candidate, _)| *candidate == name)
    }

    /// A string argument.
    pub fn arg_str(&self, name: &str) -> Option<&str> {
        self.arg(name).and_then(Json::as_str)
    }

    /// An integer argument.
    pub fn arg_i64(&self, name: &str) -> Option<i64> {
        self.arg(name).and_then(Json::as_i64)
    }

    /// A boolean argument.
    pub fn arg_bool(&self, name: &str) -> Option<bool> {
        self.arg(name).and_then(Json::as_bool)
    }

    /// An argument deserialized into a serde type (input objects for mutations).
    pub fn arg_as<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, FieldError> {
        match self.arg(name) {
            None => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|error| FieldError::message(format!("Argument '{name}' could not be read: {error}"))),
        }
    }

    /// The directives written on this field in the document (e.g. `@idempotent`).
    pub fn directive_arg(&self, directive: &str, argument: &str, variables: &Map<String, Json>) -> Option<Json> {
        let found = self.field.directives.get(directive)?;
        let value = found.specified_argument_by_name(argument)?;
        Some(input::value_to_json(value, variables))
    }

    /// All arguments as one JSON object (for idempotency checks and logs).
    pub fn arguments_json(&self) -> Json {
        Json::Object(self.arguments.iter().map(|(name, value)| (name.to_string(), value.clone())).collect())
    }
}

/// Result of executing an operation: `data`, errors and the actual cost consumed.
pub struct Execution {
    pub data: Json,
    pub errors: Vec<GraphqlError>,
    pub actual_cost: u32,
}

/// A marker that a non-null position got null: the nearest nullable parent becomes null.
struct Propagate;

/// Walks one operation. Created per request; holds the variables and collects errors.
pub struct Executor<'d> {
    pub(crate) document: &'d Valid<ExecutableDocument>,
    pub(crate) schema: &'d Valid<Schema>,
    pub(crate) variables: &'d Map<String, Json>,
    errors: Vec<GraphqlError>,
    cost: u32,
    counting: bool,
    path: Vec<PathSegment<'d>>,
}

impl<'d> Executor<'d> {
    pub fn new(
        document: &'d Valid<ExecutableDocument>,
        schema: &'d Valid<Schema>,
        variables: &'d Map<String, Json>,
    ) -> Self {
        Executor { document, schema, variables, errors: Vec::new(), cost: 0, counting: true, path: Vec::new() }
    }

    /// Executes a query operation against a root object.
    pub fn run_query(mut self, operation: &'d Operation, root: &dyn Object, ctx: &Ctx<'_>) -> Execution {
        let data = match self.selection_set(root, &[&operation.selection_set], ctx) {
            Ok(map) => Json::Object(map),
            Err(Propagate) => Json::Null,
        };
        Execution { data, errors: self.errors, actual_cost: self.cost }
    }

    /// The root fields of an operation, grouped by response key, after `@skip`/`@include`.
    pub fn root_fields(&self, operation: &'d Operation) -> IndexMap<&'d str, Vec<&'d Node<Field>>> {
        let root_type = match operation.operation_type {
            OperationType::Query => "QueryRoot",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        let mut fields = IndexMap::new();
        self.collect_fields(root_type, &[&operation.selection_set], &mut fields, &mut HashSet::new());
        fields
    }

    /// Builds the call for a field: arguments coerced with variables and schema defaults.
    pub fn call(&self, field: &'d Field) -> FieldCall<'d> {
        let mut arguments: Vec<(&'d str, Json)> = Vec::with_capacity(field.arguments.len());
        for argument in &field.arguments {
            let value = input::value_to_json(&argument.value, self.variables);
            let value = match field.definition.arguments.iter().find(|definition| definition.name == argument.name) {
                Some(definition) => input::coerce_lists(self.schema, &definition.ty, value),
                None => value,
            };
            arguments.push((argument.name.as_str(), value));
        }
        for definition in &field.definition.arguments {
            if arguments.iter().any(|(name, _)| *name == definition.name.as_str()) {
                continue;
            }
            if let Some(default) = &definition.default_value {
                arguments.push((definition.name.as_str(), input::value_to_json(default, self.variables)));
            }
        }
        // A variable that was not provided is "absent", not null: drop it unless it has a default.
        arguments.retain(|(name, value)| {
            !(value.is_null()
                && field.arguments.iter().any(|argument| {
                    argument.name == *name
                        && matches!(argument.value.as_ref(), apollo_compiler::ast::Value::Variable(var) if !self.variables.contains_key(var.as_str()))
                }))
        });
        FieldCall { field, arguments }
    }

    /// Completes the payload of a mutation field (resolved by the caller) as the field's value.
    /// Objects inside a mutation payload are not charged: the mutation's flat cost covers them.
    pub fn complete_root_field(
        &mut self,
        response_key: &'d str,
        fields: &[&'d Node<Field>],
        output: Result<Output<'_>, FieldError>,
        ctx: &Ctx<'_>,
    ) -> Json {
        self.counting = false;
        self.path.push(PathSegment::Key(response_key));
        let field = fields[0];
        let value = match output {
            Ok(output) => self.complete(&field.definition.ty, output, fields, ctx),
            Err(error) => {
                self.field_error("Mutation", field, error);
                self.complete(&field.definition.ty, Output::Null, fields, ctx)
            }
        };
        self.path.pop();
        self.counting = true;
        value.unwrap_or(Json::Null)
    }

    /// Errors collected so far (for mutation execution, which assembles its own result).
    pub fn take_errors(&mut self) -> Vec<GraphqlError> {
        std::mem::take(&mut self.errors)
    }

    /// Adds an error positioned at a field.
    pub fn push_error(&mut self, error: GraphqlError) {
        self.errors.push(error);
    }

    /// The actual cost counted so far.
    pub fn actual_cost(&self) -> u32 {
        self.cost
    }

    fn selection_set(
        &mut self,
        object: &dyn Object,
        sets: &[&'d SelectionSet],
        ctx: &Ctx<'_>,
    ) -> Result<Map<String, Json>, Propagate> {
        let type_name = object.type_name();
        let mut grouped = IndexMap::new();
        self.collect_fields(type_name, sets, &mut grouped, &mut HashSet::new());
        let mut result = Map::with_capacity(grouped.len());
        for (response_key, fields) in grouped {
            let field = fields[0];
            if field.name == "__typename" {
                result.insert(response_key.to_string(), Json::String(type_name.to_string()));
                continue;
            }
            self.path.push(PathSegment::Key(response_key));
            let call = self.call(field);
            let output = match object.field(&call, ctx) {
                Ok(output) => output,
                Err(error) => {
                    self.field_error(type_name, field, error);
                    Output::Null
                }
            };
            let completed = self.complete(&field.definition.ty, output, &fields, ctx);
            self.path.pop();
            result.insert(response_key.to_string(), completed?);
        }
        Ok(result)
    }

    /// Completes a value at a position of type `ty`: a failure inside becomes null here when the
    /// type is nullable, and propagates when it is not.
    fn complete(
        &mut self,
        ty: &Type,
        output: Output<'_>,
        fields: &[&'d Node<Field>],
        ctx: &Ctx<'_>,
    ) -> Result<Json, Propagate> {
        match self.complete_inner(ty, output, fields, ctx) {
            Ok(value) => Ok(value),
            Err(Propagate) if !ty.is_non_null() => Ok(Json::Null),
            Err(Propagate) => Err(Propagate),
        }
    }

    fn complete_inner(
        &mut self,
        ty: &Type,
        output: Output<'_>,
        fields: &[&'d Node<Field>],
        ctx: &Ctx<'_>,
    ) -> Result<Json, Propagate> {
        match output {
            Output::Null => {
                if ty.is_non_null() {
                    let field = fields[0];
                    let parent = self.parent_type_name(field);
                    self.errors.push(GraphqlError::at_field(
                        format!("Cannot return null for non-nullable field {parent}.{}", field.name),
                        field,
                        &self.document.sources,
                        &self.path,
                    ));
                    Err(Propagate)
                } else {
                    Ok(Json::Null)
                }
            }
            Output::Value(value) => Ok(value),
            Output::List(items) => {
                let item_type = ty.item_type();
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    self.path.push(PathSegment::Index(index));
                    let value = self.complete(item_type, item, fields, ctx);
                    self.path.pop();
                    values.push(value?);
                }
                Ok(Json::Array(values))
            }
            Output::Object(object) => {
                if self.counting {
                    self.cost += object_cost(object.type_name());
                }
                let sets: Vec<&'d SelectionSet> = fields.iter().map(|field| &field.selection_set).collect();
                self.selection_set(object.as_ref(), &sets, ctx).map(Json::Object)
            }
        }
    }

    fn parent_type_name(&self, field: &Field) -> String {
        // The definition does not know its parent: find the first type declaring this definition.
        self.schema
            .types
            .iter()
            .find_map(|(name, ty)| match ty {
                apollo_compiler::schema::ExtendedType::Object(object)
                    if object.fields.get(&field.name).is_some_and(|def| def.node == field.definition) =>
                {
                    Some(name.to_string())
                }
                _ => None,
            })
            .unwrap_or_else(|| "?".to_string())
    }

    fn field_error(&mut self, type_name: &str, field: &Node<Field>, error: FieldError) {
        let graphql_error = match error {
            FieldError::NotImplemented => GraphqlError::at_field(
                format!(
                    "Field '{type_name}.{}' is not implemented by the Shopify simulator (shopify-sim): \
                     it is valid in the Admin API but the simulator does not model it yet",
                    field.name
                ),
                field,
                &self.document.sources,
                &self.path,
            )
            .with_code("NOT_IMPLEMENTED_IN_SIMULATOR"),
            FieldError::Message { message, code } => {
                let error = GraphqlError::at_field(message, field, &self.document.sources, &self.path);
                match code {
                    Some(code) => error.with_code(code),
                    None => error,
                }
            }
        };
        self.errors.push(graphql_error);
    }

    /// GraphQL's CollectFields: fields grouped by response key, each fragment expanded once per
    /// selection set however often it is spread (its fields would only merge again).
    fn collect_fields(
        &self,
        type_name: &str,
        sets: &[&'d SelectionSet],
        out: &mut IndexMap<&'d str, Vec<&'d Node<Field>>>,
        visited: &mut HashSet<&'d str>,
    ) {
        for set in sets {
            for selection in &set.selections {
                match selection {
                    Selection::Field(field) => {
                        if !self.included(&field.directives) {
                            continue;
                        }
                        out.entry(field.response_key().as_str()).or_default().push(field);
                    }
                    Selection::InlineFragment(inline) => {
                        if !self.included(&inline.directives) {
                            continue;
                        }
                        let applies = inline
                            .type_condition
                            .as_ref()
                            .is_none_or(|condition| self.type_applies(condition, type_name));
                        if applies {
                            self.collect_fields(type_name, &[&inline.selection_set], out, visited);
                        }
                    }
                    Selection::FragmentSpread(spread) => {
                        if !self.included(&spread.directives) {
                            continue;
                        }
                        if let Some(fragment) = self.document.fragments.get(&spread.fragment_name)
                            && self.type_applies(fragment.type_condition(), type_name)
                            && visited.insert(spread.fragment_name.as_str())
                        {
                            self.collect_fields(type_name, &[&fragment.selection_set], out, visited);
                        }
                    }
                }
            }
        }
    }

    fn type_applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name || self.schema.is_subtype(condition, type_name)
    }

    fn included(&self, directives: &apollo_compiler::executable::DirectiveList) -> bool {
        let flag = |name: &str| {
            directives
                .get(name)
                .and_then(|directive| directive.specified_argument_by_name("if"))
                .map(|value| input::value_to_json(value, self.variables).as_bool().unwrap_or(false))
        };
        if flag("skip") == Some(true) {
            return false;
        }
        flag("include") != Some(false)
    }
}

/// The cost Shopify charges for one resolved object: connections 2, their edges and page info 0
/// (sized by the items they return), any other object 1.
fn object_cost(type_name: &str) -> u32 {
    if type_name.ends_with("Connection") {
        2
    } else if type_name.ends_with("Edge") || type_name == "PageInfo" {
        0
    } else {
        1
    }
}

/// Resolver functions for root query fields, registered by name.
pub type QueryFieldFn = for<'a> fn(&FieldCall<'_>, &'a Ctx<'a>) -> Resolved<'a>;

/// Looks up a node by its numeric id (the `kind` of the GID chose the function).
pub type NodeFn = for<'a> fn(u64, &'a Ctx<'a>) -> Option<Rc<dyn Object + 'a>>;

/// The root query object: fields dispatch to the registry.
pub struct QueryRoot;

impl Object for QueryRoot {
    fn type_name(&self) -> &'static str {
        "QueryRoot"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match ctx.registry.query_field(call.name()) {
            Some(resolver) => resolver(call, ctx),
            None => Err(FieldError::NotImplemented),
        }
    }
}

/// Groups per-request counters shared with cost computation.
#[derive(Debug, Default, Clone)]
pub struct OperationInfo {
    pub name: Option<String>,
    pub kind: &'static str,
    pub root_fields: Vec<String>,
}

/// For tests and the control surface: which root fields an operation selects.
pub fn describe(document: &ExecutableDocument, operation: &Operation) -> OperationInfo {
    let _ = document;
    OperationInfo {
        name: operation.name.as_ref().map(|name| name.to_string()),
        kind: match operation.operation_type {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        },
        root_fields: operation.selection_set.fields().map(|field| field.name.to_string()).collect(),
    }
}

/// Counts per name, used by the control surface.
pub type Counts = HashMap<String, u64>;
