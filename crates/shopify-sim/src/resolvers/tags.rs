//! `tagsAdd` / `tagsRemove`, generic over every object kind registered as taggable
//! (products here; orders, customers ... register themselves with `Registry::taggable`).

use std::rc::Rc;

use serde_json::Value as Json;

use super::product_mutations::{input_array_too_large, normalize_tags};
use super::{UserError, user_errors};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::registry::{MutationCtx, Registry};

pub fn register(registry: &mut Registry) {
    registry
        .mutation("tagsAdd", |call, m| change_tags(call, m, true))
        .mutation("tagsRemove", |call, m| change_tags(call, m, false))
        .taggable("Product", |store, id, edit| {
            let now = store.now();
            let Some(product) = store.catalog.products.get_mut(&id) else {
                return false;
            };
            edit(&mut product.tags);
            product.updated_at = now;
            store.record("products/update", gid::format("Product", id));
            true
        });
}

struct TagsPayload {
    type_name: &'static str,
    node: Option<String>,
    user_errors: Vec<UserError>,
}

impl Object for TagsPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "node" => Ok(self.node.as_deref().and_then(|gid| ctx.node(gid)).map_or(Output::Null, Output::Object)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn change_tags(call: &FieldCall<'_>, m: &mut MutationCtx<'_>, add: bool) -> Result<Rc<dyn Object>, FieldError> {
    let type_name = if add { "TagsAddPayload" } else { "TagsRemovePayload" };
    let id = call.arg_str("id").unwrap_or_default().to_string();
    let tags: Vec<String> = match call.arg("tags") {
        Some(Json::Array(tags)) => tags.iter().filter_map(Json::as_str).map(str::to_string).collect(),
        Some(Json::String(tag)) => vec![tag.clone()],
        _ => Vec::new(),
    };
    if tags.len() > 250 {
        return Err(input_array_too_large(tags.len()));
    }
    let tags = normalize_tags(tags.iter().map(String::as_str));
    let not_found = || -> Rc<dyn Object> {
        Rc::new(TagsPayload {
            type_name,
            node: None,
            user_errors: vec![UserError::new("UserError", &["id"], "Resource not found", None)],
        })
    };
    let Some((kind, numeric_id)) = gid::parse(&id) else {
        return Ok(not_found());
    };
    let Some(edit_tags) = m.registry.tags_of(kind) else {
        return Ok(not_found());
    };
    let found = edit_tags(m.store, numeric_id, &mut |current: &mut Vec<String>| {
        if add {
            let merged = normalize_tags(current.iter().chain(tags.iter()).map(String::as_str));
            *current = merged;
        } else {
            current.retain(|tag| !tags.iter().any(|removed| removed.eq_ignore_ascii_case(tag)));
        }
    });
    if !found {
        return Ok(not_found());
    }
    Ok(Rc::new(TagsPayload { type_name, node: Some(id), user_errors: Vec::new() }))
}
