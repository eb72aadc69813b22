//! Resolvers: one module per domain, each with a `register(&mut Registry)` function.
//!
//! An object type is a Rust struct implementing [`Object`]; its `field` method matches on the
//! field name and returns [`FieldError::NotImplemented`] for anything it does not model. Shared
//! small types (money, counts, user errors) live here.

pub mod bulk;
pub mod catalog;
pub mod customer_mutations;
pub mod customers;
pub mod draft_orders;
pub mod inventory;
pub mod metafields;
pub mod order_mutations;
pub mod orders;
pub mod payouts;
pub mod product_mutations;
pub mod publications;
pub mod shop;
pub mod tags;
pub mod webhooks;

use std::rc::Rc;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::store::format_time;

/// A leaf value.
pub fn leaf<'a>(value: Json) -> Resolved<'a> {
    Ok(Output::Value(value))
}

/// A string leaf.
pub fn text<'a>(value: &str) -> Resolved<'a> {
    Ok(Output::Value(Json::String(value.to_string())))
}

/// An optional string leaf.
pub fn optional_text<'a>(value: Option<&str>) -> Resolved<'a> {
    Ok(value.map_or(Output::Null, |value| Output::Value(Json::String(value.to_string()))))
}

/// A `DateTime` leaf.
pub fn time<'a>(value: Timestamp) -> Resolved<'a> {
    Ok(Output::Value(Json::String(format_time(value))))
}

/// A `Money` scalar leaf: a decimal string with at least two decimals, as Shopify prints it.
pub fn money_scalar(value: Decimal) -> Json {
    Json::String(format_decimal(value))
}

/// Decimal with two decimals at least (`10` → `"10.00"`, `1.255` → `"1.255"`).
pub fn format_decimal(value: Decimal) -> String {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    value.to_string()
}

/// An object leaf from any [`Object`].
pub fn object<'a>(value: impl Object + 'a) -> Resolved<'a> {
    Ok(Output::Object(Rc::new(value)))
}

/// `MoneyV2 { amount currencyCode }`.
pub struct MoneyV2 {
    pub amount: Decimal,
    pub currency_code: String,
}

impl Object for MoneyV2 {
    fn type_name(&self) -> &'static str {
        "MoneyV2"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "amount" => leaf(Json::String(format_decimal(self.amount))),
            "currencyCode" => text(&self.currency_code),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MoneyBag { shopMoney presentmentMoney }` (both in the shop currency here).
pub struct MoneyBag {
    pub amount: Decimal,
    pub currency_code: String,
}

impl Object for MoneyBag {
    fn type_name(&self) -> &'static str {
        "MoneyBag"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "shopMoney" | "presentmentMoney" => {
                object(MoneyV2 { amount: self.amount, currency_code: self.currency_code.clone() })
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Count { count precision }`.
pub struct Count(pub usize);

impl Object for Count {
    fn type_name(&self) -> &'static str {
        "Count"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        // Shopify caps counts at 10,000 by default (`limit` argument) and says AT_LEAST above.
        let limit = 10_000;
        match call.name() {
            "count" => leaf(json!(self.0.min(limit))),
            "precision" => text(if self.0 > limit { "AT_LEAST" } else { "EXACT" }),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// A user error of any `XUserError` type: `field`, `message`, `code`.
#[derive(Debug, Clone)]
pub struct UserError {
    pub type_name: &'static str,
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: Option<&'static str>,
}

impl UserError {
    /// A user error at an input path.
    pub fn new(
        type_name: &'static str,
        field: &[&str],
        message: impl Into<String>,
        code: Option<&'static str>,
    ) -> Self {
        UserError {
            type_name,
            field: if field.is_empty() { None } else { Some(field.iter().map(|part| part.to_string()).collect()) },
            message: message.into(),
            code,
        }
    }
}

impl Object for UserError {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "field" => Ok(match &self.field {
                Some(path) => Output::Value(json!(path)),
                None => Output::Null,
            }),
            "message" => text(&self.message),
            "code" => optional_text(self.code),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The `userErrors` list of a payload.
pub fn user_errors<'a>(errors: &'a [UserError]) -> Resolved<'a> {
    Ok(Output::List(errors.iter().map(|error| Output::Object(Rc::new(error.clone()))).collect()))
}

/// A list of strings.
pub fn strings<'a>(values: &[String]) -> Resolved<'a> {
    leaf(json!(values))
}

/// Reads a GID argument of an expected kind; a malformed or foreign GID is a field error like
/// Shopify's "Invalid global id".
pub fn gid_argument(call: &FieldCall<'_>, name: &str, kind: &str) -> Result<Option<u64>, FieldError> {
    match call.arg_str(name) {
        None => Ok(None),
        Some(gid) => match crate::gid::parse(gid) {
            Some((found, id)) if found == kind => Ok(Some(id)),
            Some(_) => Ok(None),
            None => Err(FieldError::coded(format!("Invalid global id '{gid}'"), "argumentLiteralsIncompatible")),
        },
    }
}
