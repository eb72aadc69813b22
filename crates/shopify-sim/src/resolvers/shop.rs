//! `shop`, `currentAppInstallation`, and the generic `node(id:)` / `nodes(ids:)`.

use std::rc::Rc;

use serde_json::{Value as Json, json};

use super::{leaf, object, text, time};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::shop::Shop;
use crate::registry::Registry;

pub fn register(registry: &mut Registry) {
    registry
        .query("shop", |_, ctx| object(ShopObject(&ctx.store.shop)))
        // The root lists that replaced the deprecated Shop.productTags/productTypes/productVendors.
        .query("productTags", |call, ctx| string_list("productTags", call, ctx))
        .query("productTypes", |call, ctx| string_list("productTypes", call, ctx))
        .query("productVendors", |call, ctx| string_list("productVendors", call, ctx))
        .query("currentAppInstallation", |_, _| object(AppInstallation))
        .query("node", node)
        .query("nodes", nodes)
        .node("Shop", |id, ctx| {
            (ctx.store.shop.id == id).then(|| Rc::new(ShopObject(&ctx.store.shop)) as Rc<dyn Object>)
        });
}

/// The most ids `nodes(ids:)` takes, like every input array.
const MAX_IDS: usize = 250;

fn node<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let id = call.arg_str("id").unwrap_or_default();
    if gid::parse(id).is_none() {
        return Err(FieldError::coded(format!("Invalid global id '{id}'"), "argumentLiteralsIncompatible"));
    }
    Ok(ctx.node(id).map_or(Output::Null, Output::Object))
}

fn nodes<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let ids: Vec<&str> = match call.arg("ids") {
        Some(Json::Array(ids)) => ids.iter().filter_map(Json::as_str).collect(),
        Some(Json::String(single)) => vec![single.as_str()],
        _ => Vec::new(),
    };
    if ids.len() > MAX_IDS {
        return Err(FieldError::coded(
            format!("The input array size of {} is greater than the maximum allowed of {MAX_IDS}.", ids.len()),
            "MAX_INPUT_SIZE_EXCEEDED",
        ));
    }
    if let Some(bad) = ids.iter().find(|id| gid::parse(id).is_none()) {
        return Err(FieldError::coded(format!("Invalid global id '{bad}'"), "argumentLiteralsIncompatible"));
    }
    Ok(Output::List(ids.iter().map(|id| ctx.node(id).map_or(Output::Null, Output::Object)).collect()))
}

/// `Shop`.
pub struct ShopObject<'s>(pub &'s Shop);

impl Object for ShopObject<'_> {
    fn type_name(&self) -> &'static str {
        "Shop"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let shop = self.0;
        if let Some(resolved) = super::metafields::owner_field("Shop", shop.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            "primaryDomain" => super::object(DomainObject(shop)),
            "orderNumberFormatPrefix" => text("#"),
            "orderNumberFormatSuffix" => text(""),
            name @ ("productTypes" | "productVendors" | "productTags" | "customerTags" | "orderTags") => {
                string_list(name, call, ctx)
            }
            "id" => text(&gid::format("Shop", shop.id)),
            "name" => text(&shop.name),
            "email" | "contactEmail" => text(&shop.email),
            "myshopifyDomain" => text(&shop.myshopify_domain),
            "url" => text(&format!("https://{}", shop.myshopify_domain)),
            "currencyCode" => text(&shop.currency_code),
            "enabledPresentmentCurrencies" => leaf(json!([shop.currency_code])),
            "ianaTimezone" => text(&shop.iana_timezone),
            "timezoneAbbreviation" => text(&shop.timezone_abbreviation),
            "timezoneOffset" => text("+0000"),
            "timezoneOffsetMinutes" => leaf(json!(0)),
            "weightUnit" => text(&shop.weight_unit),
            "unitSystem" => text("METRIC_SYSTEM"),
            "taxesIncluded" => leaf(json!(true)),
            "taxShipping" => leaf(json!(false)),
            "checkoutApiSupported" => leaf(json!(true)),
            "setupRequired" => leaf(json!(false)),
            // The countries the shop ships to include every one its orders were shipped to.
            "shipsToCountries" => {
                let mut countries: Vec<&str> = ctx
                    .store
                    .orders
                    .iter()
                    .filter_map(|order| order.shipping_address.as_ref()?.country_code.as_deref())
                    .chain([shop.country_code.as_str()])
                    .collect();
                countries.sort_unstable();
                countries.dedup();
                leaf(json!(countries))
            }
            "shopOwnerName" => text("Simulated Owner"),
            "description" => Ok(Output::Null),
            "plan" => object(ShopPlan(shop.plan_display_name.clone())),
            "createdAt" => time(shop.created_at),
            "updatedAt" => time(shop.updated_at),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ShopPlan(String);

impl Object for ShopPlan {
    fn type_name(&self) -> &'static str {
        "ShopPlan"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "displayName" => text(&self.0),
            "partnerDevelopment" => leaf(json!(false)),
            "shopifyPlus" => leaf(json!(self.0 == "Shopify Plus")),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AppInstallation;

impl Object for AppInstallation {
    fn type_name(&self) -> &'static str {
        "AppInstallation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&gid::format("AppInstallation", 1)),
            "accessScopes" => Ok(Output::List(
                ctx.env.access_scopes.iter().map(|scope| Output::Object(Rc::new(AccessScope(scope.clone())))).collect(),
            )),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AccessScope(String);

impl Object for AccessScope {
    fn type_name(&self) -> &'static str {
        "AccessScope"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "handle" => text(&self.0),
            "description" => text(&format!("Access scope {}", self.0)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Domain`: the shop's primary domain (its myshopify domain: the simulator has no other).
struct DomainObject<'s>(&'s Shop);

impl Object for DomainObject<'_> {
    fn type_name(&self) -> &'static str {
        "Domain"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let shop = self.0;
        match call.name() {
            "id" => text(&gid::format("Domain", shop.id)),
            "host" => text(&shop.myshopify_domain),
            "url" => text(&format!("https://{}", shop.myshopify_domain)),
            "sslEnabled" => Ok(Output::Value(serde_json::Value::Bool(true))),
            "localization" | "marketWebPresence" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The shop's distinct product types, vendors and tags, customer tags and order tags, sorted.
fn string_list<'a>(name: &str, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let store = ctx.store;
    let mut values: Vec<String> = match name {
        "productTypes" => store.catalog.products.values().map(|product| product.product_type.clone()).collect(),
        "productVendors" => store.catalog.products.values().map(|product| product.vendor.clone()).collect(),
        "productTags" => store.catalog.products.values().flat_map(|product| product.tags.iter().cloned()).collect(),
        "customerTags" => store.customers.iter().flat_map(|customer| customer.tags.iter().cloned()).collect(),
        _ => store.orders.iter().flat_map(|order| order.tags.iter().cloned()).collect(),
    };
    values.retain(|value| !value.is_empty());
    values.sort_by_key(|value| value.to_lowercase());
    values.dedup();
    let request = crate::graphql::connection::PageRequest::from_call(call)?;
    crate::graphql::connection::StringConnection::new(values, &request).output()
}
