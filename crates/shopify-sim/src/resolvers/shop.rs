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
        // The simulator knows one app, the one calling it: each lookup finds it or nothing.
        .query("app", |call, _| {
            let found = match super::gid_argument(call, "id", "App")? {
                Some(id) => id == APP_ID,
                None => call.arg("id").is_none(),
            };
            Ok(if found { Output::Object(Rc::new(AppObject)) } else { Output::Null })
        })
        .query("appByHandle", |call, _| {
            Ok(if call.arg_str("handle") == Some(APP_HANDLE) {
                Output::Object(Rc::new(AppObject))
            } else {
                Output::Null
            })
        })
        .query("appByKey", |call, ctx| {
            let found = call.arg_str("apiKey") == Some(ctx.env.api_key.as_str());
            Ok(if found { Output::Object(Rc::new(AppObject)) } else { Output::Null })
        })
        .query("appInstallation", |call, _| {
            let found = match super::gid_argument(call, "id", "AppInstallation")? {
                Some(id) => id == APP_INSTALLATION_ID,
                None => call.arg("id").is_none(),
            };
            Ok(if found { Output::Object(Rc::new(AppInstallation)) } else { Output::Null })
        })
        // An offline token acts for no staff member.
        .query("currentStaffMember", |_, _| Ok(Output::Null))
        .query("staffMembers", |call, ctx| {
            let request = crate::graphql::connection::PageRequest::from_call(call)?;
            let items = vec![(crate::graphql::connection::SortKey::id(ctx.store.shop.id), &ctx.store.shop)];
            crate::graphql::connection::Connection::new(
                "StaffMemberConnection",
                "StaffMemberEdge",
                crate::graphql::connection::paginate(items, &request),
                |shop| Rc::new(StaffMemberObject(shop)) as Rc<dyn Object>,
            )
            .output()
        })
        .query("staffMember", |call, ctx| {
            let found = super::gid_argument(call, "id", "StaffMember")?.is_some_and(|id| id == ctx.store.shop.id);
            Ok(if found { Output::Object(Rc::new(StaffMemberObject(&ctx.store.shop))) } else { Output::Null })
        })
        .node("App", |id, _| (id == APP_ID).then(|| Rc::new(AppObject) as Rc<dyn Object>))
        .node("AppInstallation", |id, _| {
            (id == APP_INSTALLATION_ID).then(|| Rc::new(AppInstallation) as Rc<dyn Object>)
        })
        .node("StaffMember", |id, ctx| {
            (id == ctx.store.shop.id).then(|| Rc::new(StaffMemberObject(&ctx.store.shop)) as Rc<dyn Object>)
        })
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
            "accountOwner" => object(StaffMemberObject(shop)),
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
        if let Some(resolved) = super::metafields::owner_field("AppInstallation", APP_INSTALLATION_ID, call, ctx) {
            return resolved;
        }
        match call.name() {
            "id" => text(&gid::format("AppInstallation", APP_INSTALLATION_ID)),
            "accessScopes" => scopes(ctx),
            "app" => object(AppObject),
            "launchUrl" => text(&format!("https://{}/admin/apps/{APP_HANDLE}", ctx.env.shop_domain)),
            "uninstallUrl" | "publication" | "channel" => Ok(Output::Null),
            "activeSubscriptions" => Ok(Output::List(Vec::new())),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The simulated app's ids and handle.
const APP_ID: u64 = 3_100_001;
const APP_INSTALLATION_ID: u64 = 1;
const APP_HANDLE: &str = "simulated-app";

fn scopes<'a>(ctx: &'a Ctx<'a>) -> Resolved<'a> {
    Ok(Output::List(
        ctx.env.access_scopes.iter().map(|scope| Output::Object(Rc::new(AccessScope(scope.clone())))).collect(),
    ))
}

/// `App`: the app the simulator plays (the one whose token calls it).
struct AppObject;

impl Object for AppObject {
    fn type_name(&self) -> &'static str {
        "App"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&gid::format("App", APP_ID)),
            "title" => text("Simulated App"),
            "handle" => text(APP_HANDLE),
            "apiKey" => text(&ctx.env.api_key),
            "developerName" => text("shopsync"),
            "developerType" => text("PARTNER"),
            "description" => text("The app the Shopify simulator (shopify-sim) plays."),
            "embedded" | "published" | "shopifyDeveloped" | "previouslyInstalled" | "isPostPurchaseAppInUse" => {
                leaf(json!(false))
            }
            "installation" => object(AppInstallation),
            "requestedAccessScopes" | "availableAccessScopes" => scopes(ctx),
            "optionalAccessScopes" | "failedRequirements" | "features" | "screenshots" | "navigationItems" => {
                Ok(Output::List(Vec::new()))
            }
            "webhookApiVersion" => text(&ctx.env.api_version),
            "launchUrl" => text(&format!("https://{}/admin/apps/{APP_HANDLE}", ctx.env.shop_domain)),
            "installUrl"
            | "uninstallUrl"
            | "appStoreAppUrl"
            | "appStoreDeveloperUrl"
            | "developerUrl"
            | "privacyPolicyUrl"
            | "pricingDetails"
            | "pricingDetailsSummary"
            | "publicCategory"
            | "uninstallMessage"
            | "feedback"
            | "banner"
            | "icon" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `StaffMember`: the shop owner, the one staff member of a simulated shop.
struct StaffMemberObject<'s>(&'s Shop);

impl Object for StaffMemberObject<'_> {
    fn type_name(&self) -> &'static str {
        "StaffMember"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let shop = self.0;
        match call.name() {
            "id" => text(&gid::format("StaffMember", shop.id)),
            "firstName" => text("Simulated"),
            "lastName" => text("Owner"),
            "name" => text("Simulated Owner"),
            "initials" => leaf(json!(["S", "O"])),
            "email" => text(&shop.email),
            "isShopOwner" | "active" | "exists" => leaf(json!(true)),
            "accountType" => text("REGULAR"),
            "locale" => text("en"),
            "phone" | "avatar" | "privateData" => Ok(Output::Null),
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
