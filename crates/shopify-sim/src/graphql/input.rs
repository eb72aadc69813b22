//! Input values: document literals to JSON, and coercion of request variables against the
//! operation's variable definitions (what Shopify reports as "Variable $x of type T! was provided
//! invalid value").

use apollo_compiler::ast::{Type, Value};
use apollo_compiler::executable::Operation;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};
use serde_json::{Map, Value as Json, json};

use super::errors::GraphqlError;

/// Converts a literal (with variables substituted) to JSON; enum values become strings.
pub fn value_to_json(value: &Value, variables: &Map<String, Json>) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Enum(name) => Json::String(name.to_string()),
        Value::Variable(name) => variables.get(name.as_str()).cloned().unwrap_or(Json::Null),
        Value::String(text) => Json::String(text.clone()),
        Value::Float(float) => float.try_to_f64().map(|f| json!(f)).unwrap_or(Json::Null),
        Value::Int(int) => int
            .as_str()
            .parse::<i64>()
            .map(|i| json!(i))
            .or_else(|_| int.try_to_f64().map(|f| json!(f)))
            .unwrap_or(Json::Null),
        Value::Boolean(flag) => Json::Bool(*flag),
        Value::List(items) => Json::Array(items.iter().map(|item| value_to_json(item, variables)).collect()),
        Value::Object(fields) => {
            Json::Object(fields.iter().map(|(name, item)| (name.to_string(), value_to_json(item, variables))).collect())
        }
    }
}

/// Coerces a checked value to its type where the spec allows a shorter form: a single value
/// where a list is expected becomes a one-item list, at any depth (input object fields, list
/// items). `variants: { ... }` is thus the same as `variants: [{ ... }]`, as on Shopify.
pub fn coerce_lists(schema: &Schema, ty: &Type, value: Json) -> Json {
    if value.is_null() {
        return value;
    }
    if ty.is_list() {
        let item_type = ty.item_type();
        return match value {
            Json::Array(items) => {
                Json::Array(items.into_iter().map(|item| coerce_lists(schema, item_type, item)).collect())
            }
            single => Json::Array(vec![coerce_lists(schema, item_type, single)]),
        };
    }
    // Only input objects hold lists to coerce: other values need no schema lookup.
    let Json::Object(fields) = value else {
        return value;
    };
    match schema.types.get(ty.inner_named_type()) {
        Some(ExtendedType::InputObject(input)) => Json::Object(
            fields
                .into_iter()
                .map(|(name, field_value)| {
                    let coerced = match input.fields.get(name.as_str()) {
                        Some(definition) => coerce_lists(schema, &definition.ty, field_value),
                        None => field_value,
                    };
                    (name, coerced)
                })
                .collect(),
        ),
        _ => Json::Object(fields),
    }
}

/// Checks provided variables against the operation's definitions, fills defaults, and returns the
/// variables to execute with, or Shopify-shaped errors naming each invalid variable.
pub fn coerce_variables(
    schema: &Valid<Schema>,
    operation: &Operation,
    provided: &Map<String, Json>,
) -> Result<Map<String, Json>, Vec<GraphqlError>> {
    let mut coerced = Map::new();
    let mut errors = Vec::new();
    for definition in &operation.variables {
        let name = definition.name.as_str();
        let value = match provided.get(name) {
            Some(value) => Some(value.clone()),
            None => definition.default_value.as_ref().map(|default| value_to_json(default, &Map::new())),
        };
        let mut problems = Vec::new();
        match &value {
            None if definition.ty.is_non_null() => {
                problems.push((Vec::new(), "Expected value to not be null".to_string()))
            }
            None => continue,
            Some(value) => check_value(schema, &definition.ty, value, &mut Vec::new(), &mut problems),
        }
        if problems.is_empty() {
            if let Some(value) = value {
                coerced.insert(name.to_string(), coerce_lists(schema, &definition.ty, value));
            }
        } else {
            errors.push(variable_error(definition, value.unwrap_or(Json::Null), problems));
        }
    }
    if errors.is_empty() { Ok(coerced) } else { Err(errors) }
}

fn variable_error(
    definition: &Node<apollo_compiler::ast::VariableDefinition>,
    value: Json,
    problems: Vec<(Vec<Json>, String)>,
) -> GraphqlError {
    let mut error = GraphqlError::new(format!(
        "Variable ${} of type {} was provided invalid value{}",
        definition.name,
        definition.ty,
        match problems.first() {
            Some((path, explanation)) if !path.is_empty() => format!(
                " for {} ({explanation})",
                path.iter()
                    .map(|segment| match segment {
                        Json::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            ),
            _ => String::new(),
        }
    ))
    .with_code("INVALID_VARIABLE")
    .with_extension("value", value)
    .with_extension(
        "problems",
        Json::Array(
            problems
                .into_iter()
                .map(|(path, explanation)| json!({ "path": path, "explanation": explanation }))
                .collect(),
        ),
    );
    error.locations.clear();
    error
}

fn check_value(
    schema: &Valid<Schema>,
    ty: &Type,
    value: &Json,
    path: &mut Vec<Json>,
    problems: &mut Vec<(Vec<Json>, String)>,
) {
    if value.is_null() {
        if ty.is_non_null() {
            problems.push((path.clone(), "Expected value to not be null".to_string()));
        }
        return;
    }
    if ty.is_list() {
        let item_type = ty.item_type();
        match value {
            Json::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(json!(index));
                    check_value(schema, item_type, item, path, problems);
                    path.pop();
                }
            }
            // A single value coerces into a one-item list.
            single => check_value(schema, item_type, single, path, problems),
        }
        return;
    }
    let type_name = ty.inner_named_type();
    match schema.types.get(type_name) {
        Some(ExtendedType::Scalar(_)) => {
            if let Some(explanation) = scalar_problem(type_name, value) {
                problems.push((path.clone(), explanation));
            }
        }
        Some(ExtendedType::Enum(enum_type)) => match value.as_str() {
            Some(text) if enum_type.values.contains_key(text) => {}
            _ => problems.push((
                path.clone(),
                format!(
                    "Expected \"{}\" to be one of: {}",
                    display(value),
                    enum_type.values.keys().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        },
        Some(ExtendedType::InputObject(input)) => {
            let Json::Object(fields) = value else {
                problems.push((path.clone(), format!("Expected \"{}\" to be a key-value object.", display(value))));
                return;
            };
            for key in fields.keys() {
                if !input.fields.contains_key(key.as_str()) {
                    path.push(Json::String(key.clone()));
                    problems.push((path.clone(), format!("Field is not defined on {type_name}")));
                    path.pop();
                }
            }
            for (name, definition) in &input.fields {
                path.push(Json::String(name.to_string()));
                match fields.get(name.as_str()) {
                    Some(field_value) => check_value(schema, &definition.ty, field_value, path, problems),
                    None if definition.ty.is_non_null() && definition.default_value.is_none() => {
                        problems.push((path.clone(), "Expected value to not be null".to_string()))
                    }
                    None => {}
                }
                path.pop();
            }
        }
        _ => problems.push((path.clone(), format!("{type_name} is not an input type"))),
    }
}

fn scalar_problem(type_name: &str, value: &Json) -> Option<String> {
    let ok = match type_name {
        "Int" => value.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        "Float" => value.is_number(),
        "Boolean" => value.is_boolean(),
        "String" | "HTML" | "URL" | "DateTime" | "Date" | "FormattedString" | "ARN" | "Color" | "UtcOffset"
        | "StorefrontID" => value.is_string(),
        "ID" => value.is_string() || value.is_i64(),
        // Shopify accepts numbers and numeric strings for its decimal-like scalars.
        "Money" | "Decimal" | "UnsignedInt64" | "BigInt" => {
            value.is_number() || value.as_str().is_some_and(|text| text.trim().parse::<f64>().is_ok())
        }
        // JSON and unknown custom scalars accept anything.
        _ => true,
    };
    if ok { None } else { Some(format!("Could not coerce value {} to {type_name}", value)) }
}

fn display(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}
