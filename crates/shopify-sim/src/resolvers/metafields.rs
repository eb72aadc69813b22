//! Metafields: `metafield(namespace:, key:)` and `metafields(...)` on every owner the simulator
//! models (Product, ProductVariant, Customer, Order, Location, Shop, AppInstallation), `node` for `Metafield`,
//! `metafieldsSet` (atomic, at most 25, values checked against their type, `compareDigest`
//! for safe updates) and `metafieldsDelete`.

use std::rc::Rc;

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::{UserError, leaf, optional_text, text, time, user_errors};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::metafields::Metafield;
use crate::registry::{MutationCtx, Registry};
use crate::store::IdKind;

/// The namespace a metafield gets when `namespace` is omitted: the app's reserved one.
pub const APP_NAMESPACE: &str = "app--3100001";

/// The most metafields one `metafieldsSet` takes.
const MAX_PER_CALL: usize = 25;

pub fn register(registry: &mut Registry) {
    registry.mutation("metafieldsSet", set).mutation("metafieldsDelete", delete).node("Metafield", |id, ctx| {
        ctx.store.metafields.by_id(id).map(|metafield| Rc::new(MetafieldObject(metafield)) as Rc<dyn Object>)
    });
}

/// The metafield fields of an owner object (GID kind and id); `None` for any other field. Asked
/// first by every owner's `field`, so it decides on the name before building anything.
pub fn owner_field<'a>(kind: &str, id: u64, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Option<Resolved<'a>> {
    if !matches!(call.name(), "metafield" | "metafields") {
        return None;
    }
    let owner = &gid::format(kind, id);
    let metafields = &ctx.store.metafields;
    let resolved = match call.name() {
        "metafield" => {
            let namespace = call.arg_str("namespace").unwrap_or(APP_NAMESPACE);
            let namespace = resolve_namespace(namespace);
            let key = call.arg_str("key").unwrap_or_default();
            Ok(metafields
                .get(owner, &namespace, key)
                .map_or(Output::Null, |metafield| Output::Object(Rc::new(MetafieldObject(metafield)))))
        }
        "metafields" => {
            let namespace = call.arg_str("namespace").map(resolve_namespace);
            // `keys` are `namespace.key`.
            let keys: Option<Vec<String>> = call
                .arg("keys")
                .and_then(Json::as_array)
                .map(|keys| keys.iter().filter_map(Json::as_str).map(str::to_string).collect());
            let items: Vec<(SortKey, &Metafield)> = metafields
                .of(owner)
                .filter(|metafield| namespace.as_deref().is_none_or(|namespace| metafield.namespace == namespace))
                .filter(|metafield| {
                    keys.as_ref().is_none_or(|keys| {
                        keys.iter().any(|key| *key == format!("{}.{}", metafield.namespace, metafield.key))
                    })
                })
                .map(|metafield| (SortKey::id(metafield.id), metafield))
                .collect();
            PageRequest::from_call(call).and_then(|request| {
                Connection::new("MetafieldConnection", "MetafieldEdge", paginate(items, &request), |metafield| {
                    Rc::new(MetafieldObject(metafield)) as Rc<dyn Object>
                })
                .output()
            })
        }
        _ => return None,
    };
    Some(resolved)
}

/// `$app` and `$app:sub` name the app's reserved namespace.
fn resolve_namespace(namespace: &str) -> String {
    match namespace.strip_prefix("$app") {
        Some("") => APP_NAMESPACE.to_string(),
        Some(rest) => match rest.strip_prefix(':') {
            Some(sub) => format!("{APP_NAMESPACE}--{sub}"),
            None => namespace.to_string(),
        },
        None => namespace.to_string(),
    }
}

/// The digest `compareDigest` is checked against: a hash of the current value.
fn digest(metafield: &Metafield) -> String {
    hex::encode(Sha256::digest(format!("{}\u{0}{}", metafield.kind, metafield.value)))
}

/// The owner type (`MetafieldOwnerType`) of a GID kind the simulator models, if any.
fn owner_type(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Product" => "PRODUCT",
        "ProductVariant" => "PRODUCTVARIANT",
        "Customer" => "CUSTOMER",
        "Order" => "ORDER",
        "Location" => "LOCATION",
        "Shop" => "SHOP",
        // App-data metafields live on the app's installation.
        "AppInstallation" => "API_PERMISSION",
        _ => return None,
    })
}

/// `Metafield`.
pub struct MetafieldObject<'s>(pub &'s Metafield);

impl Object for MetafieldObject<'_> {
    fn type_name(&self) -> &'static str {
        "Metafield"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let metafield = self.0;
        match call.name() {
            "id" => text(&gid::format("Metafield", metafield.id)),
            "legacyResourceId" => text(&metafield.id.to_string()),
            "namespace" => text(&metafield.namespace),
            "key" => text(&metafield.key),
            "value" => text(&metafield.value),
            "type" => text(&metafield.kind),
            "jsonValue" => leaf(json_value(metafield)),
            "compareDigest" => text(&digest(metafield)),
            "createdAt" => time(metafield.created_at),
            "updatedAt" => time(metafield.updated_at),
            "sizeInBytes" => leaf(json!(metafield.value.len())),
            "description" | "definition" => Ok(Output::Null),
            "ownerType" => optional_text(gid::parse(&metafield.owner).and_then(|(kind, _)| owner_type(kind))),
            "owner" => Ok(ctx.node(&metafield.owner).map_or(Output::Null, Output::Object)),
            "reference" => Ok(if metafield.kind.ends_with("_reference") && !metafield.kind.starts_with("list.") {
                ctx.node(&metafield.value).map_or(Output::Null, Output::Object)
            } else {
                Output::Null
            }),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The value as JSON, as `jsonValue` gives it: numbers and booleans as such, JSON types parsed,
/// text as a string.
fn json_value(metafield: &Metafield) -> Json {
    let value = &metafield.value;
    let parsed = match metafield.kind.as_str() {
        "number_integer" => value.parse::<i64>().ok().map(|number| json!(number)),
        "number_decimal" => Some(json!(value)),
        "boolean" => value.parse::<bool>().ok().map(Json::Bool),
        kind if kind == "json"
            || kind.starts_with("list.")
            || matches!(kind, "money" | "rating" | "weight" | "volume" | "dimension" | "link") =>
        {
            serde_json::from_str(value).ok()
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| Json::String(value.clone()))
}

/// Why a value does not fit its type, if it does not.
fn value_problem(kind: &str, value: &str) -> Option<String> {
    let ok = match kind {
        "single_line_text_field" => !value.contains('\n'),
        "multi_line_text_field" | "rich_text_field" | "string" => true,
        "number_integer" | "integer" => value.trim().parse::<i64>().is_ok(),
        "number_decimal" => value.trim().parse::<rust_decimal::Decimal>().is_ok(),
        "boolean" => matches!(value, "true" | "false"),
        "json" | "json_string" => serde_json::from_str::<Json>(value).is_ok(),
        "date" => value.parse::<jiff::civil::Date>().is_ok(),
        "date_time" => value.parse::<jiff::Timestamp>().is_ok() || value.parse::<jiff::civil::DateTime>().is_ok(),
        "url" => value.starts_with("https://") || value.starts_with("http://") || value.starts_with("mailto:"),
        "color" => value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit()),
        kind if kind.starts_with("list.") => serde_json::from_str::<Json>(value).is_ok_and(|list| list.is_array()),
        kind if kind.ends_with("_reference") => gid::parse(value).is_some(),
        "money" | "rating" | "weight" | "volume" | "dimension" | "link" => {
            serde_json::from_str::<Json>(value).is_ok_and(|object| object.is_object())
        }
        _ => return Some(format!("Type '{kind}' is not a valid metafield type.")),
    };
    (!ok).then(|| format!("Value is invalid for type {kind}."))
}

/// A `MetafieldsSetUserError`.
fn set_error(field: &[&str], message: String, code: &'static str) -> UserError {
    UserError::new("MetafieldsSetUserError", field, message, Some(code))
}

struct SetPayload {
    ids: Option<Vec<(String, String, String)>>,
    user_errors: Vec<UserError>,
}

impl Object for SetPayload {
    fn type_name(&self) -> &'static str {
        "MetafieldsSetPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "metafields" => Ok(match &self.ids {
                None => Output::Null,
                Some(ids) => Output::List(
                    ids.iter()
                        .filter_map(|(owner, namespace, key)| ctx.store.metafields.get(owner, namespace, key))
                        .map(|metafield| Output::Object(Rc::new(MetafieldObject(metafield))))
                        .collect(),
                ),
            }),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn set(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let inputs = call.arg("metafields").and_then(Json::as_array).cloned().unwrap_or_default();
    if inputs.len() > MAX_PER_CALL {
        let message = format!("Exceeded the maximum metafields input limit of {MAX_PER_CALL}.");
        return Ok(Rc::new(SetPayload {
            ids: None,
            user_errors: vec![set_error(&["metafields"], message, "LESS_THAN_OR_EQUAL_TO")],
        }));
    }
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let index_text = index.to_string();
        let field = |last: &'static str| ["metafields", index_text.as_str(), last];
        let get = |name: &str| input.get(name).and_then(Json::as_str);
        let owner = get("ownerId").unwrap_or_default().to_string();
        let exists = {
            let ctx = Ctx { store: &*m.store, env: m.env, registry: m.registry };
            gid::parse(&owner).and_then(|(kind, _)| owner_type(kind)).is_some() && ctx.node(&owner).is_some()
        };
        if !exists {
            errors.push(set_error(&field("ownerId"), "Owner does not exist.".to_string(), "INVALID"));
            continue;
        }
        let namespace = resolve_namespace(get("namespace").unwrap_or("$app"));
        let key = get("key").unwrap_or_default().to_string();
        if key.len() < 2 || key.len() > 64 {
            let (message, code) = if key.len() < 2 {
                ("Key is too short (minimum is 2 characters)", "TOO_SHORT")
            } else {
                ("Key is too long (maximum is 64 characters)", "TOO_LONG")
            };
            errors.push(set_error(&field("key"), message.to_string(), code));
            continue;
        }
        let existing = m.store.metafields.get(&owner, &namespace, &key).cloned();
        let kind = match (get("type"), &existing) {
            (Some(kind), _) => kind.to_string(),
            (None, Some(existing)) => existing.kind.clone(),
            (None, None) => {
                errors.push(set_error(&field("type"), "Type can't be blank.".to_string(), "BLANK"));
                continue;
            }
        };
        let value = get("value").unwrap_or_default().to_string();
        if let Some(problem) = value_problem(&kind, &value) {
            let (field_name, code) =
                if problem.starts_with("Type") { ("type", "INVALID_TYPE") } else { ("value", "INVALID_VALUE") };
            errors.push(set_error(&field(field_name), problem, code));
            continue;
        }
        if let Some(expected) = input.get("compareDigest").filter(|digest| !digest.is_null()) {
            let current = existing.as_ref().map(digest);
            if expected.as_str() != current.as_deref() {
                errors.push(set_error(
                    &field("compareDigest"),
                    "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value."
                        .to_string(),
                    "STALE_OBJECT",
                ));
                continue;
            }
        }
        planned.push((owner, namespace, key, kind, value, existing));
    }
    if !errors.is_empty() {
        // Atomic: one bad metafield and none is saved.
        return Ok(Rc::new(SetPayload { ids: Some(Vec::new()), user_errors: errors }));
    }
    let now = m.store.now();
    let mut ids = Vec::new();
    for (owner, namespace, key, kind, value, existing) in planned {
        let (id, created_at) = match existing {
            Some(existing) => (existing.id, existing.created_at),
            None => (m.store.next_id(IdKind::Other), now),
        };
        m.store.metafields.set(Metafield {
            id,
            owner: owner.clone(),
            namespace: namespace.clone(),
            key: key.clone(),
            value,
            kind,
            created_at,
            updated_at: now,
        });
        ids.push((owner, namespace, key));
    }
    Ok(Rc::new(SetPayload { ids: Some(ids), user_errors: Vec::new() }))
}

struct DeletePayload {
    deleted: Vec<Option<(String, String, String)>>,
}

impl Object for DeletePayload {
    fn type_name(&self) -> &'static str {
        "MetafieldsDeletePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "deletedMetafields" => Ok(Output::List(
                self.deleted
                    .iter()
                    .map(|deleted| match deleted {
                        Some(identifier) => Output::Object(Rc::new(IdentifierObject(identifier))),
                        None => Output::Null,
                    })
                    .collect(),
            )),
            "userErrors" => Ok(Output::List(Vec::new())),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MetafieldIdentifier`: owner, namespace and key of a deleted metafield.
struct IdentifierObject<'s>(&'s (String, String, String));

impl Object for IdentifierObject<'_> {
    fn type_name(&self) -> &'static str {
        "MetafieldIdentifier"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (owner, namespace, key) = self.0;
        match call.name() {
            "ownerId" => text(owner),
            "namespace" => text(namespace),
            "key" => text(key),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `metafieldsDelete`: a metafield that does not exist is `null` in `deletedMetafields`.
fn delete(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let inputs = call.arg("metafields").and_then(Json::as_array).cloned().unwrap_or_default();
    let deleted = inputs
        .iter()
        .map(|input| {
            let get = |name: &str| input.get(name).and_then(Json::as_str).unwrap_or_default().to_string();
            let (owner, namespace, key) = (get("ownerId"), resolve_namespace(&get("namespace")), get("key"));
            m.store.metafields.remove(&owner, &namespace, &key).then_some((owner, namespace, key))
        })
        .collect();
    Ok(Rc::new(DeletePayload { deleted }))
}
