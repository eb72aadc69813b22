//! The REST shape of a customer: what `customers/*` webhooks carry, and the `customer` object
//! inside an order body (see `fixtures/shopify/rest_order_450789469_2026-07.json` and
//! `shopify_python_api-customer.json`).

use serde_json::{Value as Json, json};

use super::Customer;
use crate::gid;
use crate::model::orders::Address;
use crate::model::orders::rest::Rest;
use crate::store::Store;

/// The customer as a REST resource (webhook body of `customers/create` and `customers/update`).
pub fn customer_json(customer: &Customer, store: &Store) -> Json {
    let ctx = Rest::new(store);
    let mut body = base(customer, &ctx);
    if let Json::Object(map) = &mut body {
        map.insert(
            "addresses".to_string(),
            Json::Array(customer.addresses.iter().map(|address| customer_address_json(customer, address)).collect()),
        );
        map.insert(
            "default_address".to_string(),
            customer.default_address().map_or(Json::Null, |address| customer_address_json(customer, address)),
        );
    }
    body
}

/// The `customer` object embedded in an order body (no address list, like the fixture).
pub fn order_customer_json(customer: &Customer, store: &Store) -> Json {
    let ctx = Rest::new(store);
    let mut body = base(customer, &ctx);
    if let Json::Object(map) = &mut body {
        map.insert(
            "default_address".to_string(),
            customer.default_address().map_or(Json::Null, |address| customer_address_json(customer, address)),
        );
    }
    body
}

fn base(customer: &Customer, ctx: &Rest) -> Json {
    json!({
        "id": customer.id,
        "email": customer.email,
        "created_at": ctx.time(customer.created_at),
        "updated_at": ctx.time(customer.updated_at),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": customer.state.as_graphql().to_lowercase(),
        "note": customer.note,
        "verified_email": customer.verified_email,
        "multipass_identifier": null,
        "tax_exempt": customer.tax_exempt,
        "phone": customer.phone,
        "email_marketing_consent": customer.email.as_ref().map(|_| json!({
            "state": customer.email_marketing.to_lowercase(),
            "opt_in_level": "single_opt_in",
            "consent_updated_at": ctx.time(customer.created_at),
        })),
        "sms_marketing_consent": customer.phone.as_ref().map(|_| json!({
            "state": customer.sms_marketing.to_lowercase(),
            "opt_in_level": "single_opt_in",
            "consent_updated_at": ctx.time(customer.created_at),
            "consent_collected_from": "OTHER",
        })),
        "tags": customer.tags.join(", "),
        "currency": ctx.currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid::format("Customer", customer.id),
    })
}

fn customer_address_json(customer: &Customer, address: &Address) -> Json {
    json!({
        "id": address.id,
        "customer_id": customer.id,
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "province": address.province,
        "country": address.country(),
        "zip": address.zip,
        "phone": address.phone,
        "name": address.name().unwrap_or_default(),
        "province_code": address.province_code,
        "country_code": address.country_code,
        "country_name": address.country(),
        "default": customer.default_address_id == Some(address.id),
    })
}
