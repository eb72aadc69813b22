//! Small shared values of order objects: money bags and amounts borrowing the shop currency,
//! list connections, attributes, tax lines.

use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::lines::{AttributeObject, TaxLineObject};
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{Attribute, TaxLine};
use crate::resolvers::{leaf, object, text};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A `MoneyBag` in the shop currency (presentment money is the same).
pub fn bag<'a>(ctx: &'a Ctx<'a>, amount: Decimal) -> Resolved<'a> {
    object(Bag { amount, currency: &ctx.store.shop.currency_code })
}

/// A `MoneyV2` in the shop currency.
pub fn money<'a>(ctx: &'a Ctx<'a>, amount: Decimal) -> Resolved<'a> {
    object(Money { amount, currency: &ctx.store.shop.currency_code })
}

/// A string leaf from an owned string (ids, names: no second copy).
pub(super) fn owned<'a>(value: String) -> Resolved<'a> {
    Ok(Output::Value(Json::String(value)))
}

/// `MoneyBag` borrowing the shop currency: orders carry a dozen money bags each, so this saves
/// allocations on every page.
struct Bag<'s> {
    amount: Decimal,
    currency: &'s str,
}

impl Object for Bag<'_> {
    fn type_name(&self) -> &'static str {
        "MoneyBag"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "shopMoney" | "presentmentMoney" => object(Money { amount: self.amount, currency: self.currency }),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MoneyV2` borrowing the shop currency.
struct Money<'s> {
    amount: Decimal,
    currency: &'s str,
}

impl Object for Money<'_> {
    fn type_name(&self) -> &'static str {
        "MoneyV2"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "amount" => leaf(Json::String(crate::resolvers::format_decimal(self.amount))),
            "currencyCode" => text(self.currency),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// A connection over a list already in order, paged by the call's arguments.
pub(super) fn list_connection<'a, T>(
    call: &FieldCall<'_>,
    type_name: &'static str,
    edge_type_name: &'static str,
    items: impl Iterator<Item = (u64, T)>,
    to_node: impl FnMut(T) -> Rc<dyn Object + 'a>,
) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let items: Vec<(SortKey, T)> = items.map(|(id, item)| (SortKey::id(id), item)).collect();
    Connection::new(type_name, edge_type_name, paginate(items, &request), to_node).output()
}

/// A plain list limited by an optional `first` argument.
pub(super) fn first_of<'a, T>(
    call: &FieldCall<'_>,
    items: impl Iterator<Item = T>,
    to_output: impl FnMut(T) -> Output<'a>,
) -> Resolved<'a> {
    let limit = call.arg_i64("first").map_or(usize::MAX, |first| first.max(0) as usize);
    Ok(Output::List(items.take(limit).map(to_output).collect()))
}

pub(super) fn attributes<'a>(attributes: &'a [Attribute]) -> Resolved<'a> {
    Ok(Output::List(attributes.iter().map(|attribute| Output::Object(Rc::new(AttributeObject(attribute)))).collect()))
}

pub(super) fn tax_lines<'a>(call: &FieldCall<'_>, lines: &'a [TaxLine]) -> Resolved<'a> {
    first_of(call, lines.iter(), |tax| Output::Object(Rc::new(TaxLineObject(tax))))
}

pub(super) fn optional<'a, T>(value: Option<T>, to_object: impl FnOnce(T) -> Rc<dyn Object + 'a>) -> Resolved<'a> {
    Ok(value.map_or(Output::Null, |value| Output::Object(to_object(value))))
}

pub(super) fn decimal_float(value: Decimal) -> Json {
    value.normalize().to_string().parse::<f64>().map_or(Json::Null, |number| json!(number))
}
