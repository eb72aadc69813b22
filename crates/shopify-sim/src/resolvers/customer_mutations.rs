//! Customer writes: `customerCreate`, `customerUpdate` and `customerDelete`, with Shopify's user
//! errors (email and phone format and uniqueness, a customer needs a name, email or phone, one
//! with orders cannot be deleted). Each records its webhook topic.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::Value as Json;

use super::customers::CustomerObject;
use super::shop::ShopObject;
use super::{UserError, object, optional_text, user_errors};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::order_ops::{AddressSpec, CustomerSpec, address_from, create_customer};
use crate::registry::{MutationCtx, Registry};

pub fn register(registry: &mut Registry) {
    registry.mutation("customerCreate", create).mutation("customerUpdate", update).mutation("customerDelete", delete);
}

struct CustomerPayload {
    type_name: &'static str,
    customer: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for CustomerPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "customer" => Ok(self
                .customer
                .and_then(|id| ctx.store.customers.get(id))
                .map_or(Output::Null, |customer| Output::Object(Rc::new(CustomerObject(customer))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn text_of<'j>(input: &'j Json, name: &str) -> Option<&'j str> {
    input.get(name).and_then(Json::as_str).map(str::trim).filter(|text| !text.is_empty())
}

/// Email and phone: well formed and not another customer's.
fn contact_errors(input: &Json, m: &MutationCtx<'_>, own: Option<u64>) -> Vec<UserError> {
    let mut errors = Vec::new();
    let others = || m.store.customers.iter().filter(move |customer| Some(customer.id) != own);
    if let Some(email) = text_of(input, "email") {
        let well_formed = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.ends_with('.'));
        if !well_formed {
            errors.push(UserError::new("UserError", &["email"], "Email is invalid", None));
        } else if others().any(|customer| customer.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))) {
            errors.push(UserError::new("UserError", &["email"], "Email has already been taken", None));
        }
    }
    if let Some(phone) = text_of(input, "phone") {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let well_formed = phone.starts_with('+')
            && phone[1..].chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
            && (7..=15).contains(&digits);
        if !well_formed {
            errors.push(UserError::new("UserError", &["phone"], "Phone is invalid", None));
        } else if others().any(|customer| customer.phone.as_deref() == Some(phone)) {
            errors.push(UserError::new("UserError", &["phone"], "Phone has already been taken", None));
        }
    }
    errors
}

fn address_spec(input: &Json) -> AddressSpec {
    let get = |name: &str| text_of(input, name).map(str::to_string);
    AddressSpec {
        first_name: get("firstName"),
        last_name: get("lastName"),
        company: get("company"),
        address1: get("address1"),
        address2: get("address2"),
        city: get("city"),
        zip: get("zip").or_else(|| Some(String::new())),
        province_code: get("provinceCode"),
        country: get("countryCode").or_else(|| get("country")),
        phone: get("phone"),
    }
}

fn consent_state(input: &Json, name: &str) -> Option<&'static str> {
    match input.get(name)?.get("marketingState")?.as_str()? {
        "SUBSCRIBED" => Some("SUBSCRIBED"),
        "UNSUBSCRIBED" => Some("UNSUBSCRIBED"),
        "PENDING" => Some("PENDING"),
        _ => Some("NOT_SUBSCRIBED"),
    }
}

fn tags_of(input: &Json) -> Option<Vec<String>> {
    let tags = input.get("tags")?;
    let list: Vec<&str> = match tags {
        Json::Array(items) => items.iter().filter_map(Json::as_str).collect(),
        Json::String(text) => text.split(',').collect(),
        _ => Vec::new(),
    };
    Some(crate::resolvers::product_mutations::normalize_tags(list))
}

fn create(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input = call.arg("input").cloned().unwrap_or(Json::Null);
    let refuse = |user_errors| -> Rc<dyn Object> {
        Rc::new(CustomerPayload { type_name: "CustomerCreatePayload", customer: None, user_errors })
    };
    if ["firstName", "lastName", "email", "phone"].iter().all(|name| text_of(&input, name).is_none()) {
        return Ok(refuse(vec![UserError::new(
            "UserError",
            &[],
            "A name, phone number, or email address must be present",
            None,
        )]));
    }
    let errors = contact_errors(&input, m, None);
    if !errors.is_empty() {
        return Ok(refuse(errors));
    }
    let get = |name: &str| text_of(&input, name).map(str::to_string);
    let addresses: Vec<&Json> =
        input.get("addresses").and_then(Json::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let spec = CustomerSpec {
        first_name: get("firstName"),
        last_name: get("lastName"),
        email: get("email"),
        phone: get("phone"),
        address: addresses.first().map(|address| address_spec(address)),
        tags: tags_of(&input).unwrap_or_default(),
        note: get("note"),
        email_marketing: consent_state(&input, "emailMarketingConsent").map(str::to_string),
        locale: get("locale"),
        created_at: None,
    };
    let now = m.store.now();
    let (id, events) = create_customer(m.store, &spec, now);
    if let Some(customer) = m.store.customers.get_mut(id) {
        customer.tax_exempt = input.get("taxExempt").and_then(Json::as_bool).unwrap_or(false);
        if let Some(state) = consent_state(&input, "smsMarketingConsent") {
            customer.sms_marketing = state;
        }
        let name = (customer.first_name.clone().unwrap_or_default(), customer.last_name.clone().unwrap_or_default());
        for address in addresses.iter().skip(1) {
            let address_id = customer.next_address_id();
            customer.addresses.push(Arc::new(address_from(&address_spec(address), address_id, (&name.0, &name.1))));
        }
    }
    for (topic, gid) in events {
        m.store.record(topic, gid);
    }
    Ok(Rc::new(CustomerPayload { type_name: "CustomerCreatePayload", customer: Some(id), user_errors: Vec::new() }))
}

fn update(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input = call.arg("input").cloned().unwrap_or(Json::Null);
    let refuse = |user_errors| -> Rc<dyn Object> {
        Rc::new(CustomerPayload { type_name: "CustomerUpdatePayload", customer: None, user_errors })
    };
    let Some(id) = input
        .get("id")
        .and_then(Json::as_str)
        .and_then(|id| gid::parse_kind(id, "Customer"))
        .filter(|id| m.store.customers.get(*id).is_some())
    else {
        return Ok(refuse(vec![UserError::new("UserError", &["id"], "Customer does not exist", None)]));
    };
    let errors = contact_errors(&input, m, Some(id));
    if !errors.is_empty() {
        return Ok(refuse(errors));
    }
    let now = m.store.now();
    let Some(customer) = m.store.customers.get_mut(id) else {
        return Ok(refuse(vec![UserError::new("UserError", &["id"], "Customer does not exist", None)]));
    };
    // A key that is present changes the field (null clears it); an absent key leaves it alone.
    let optional = |name: &str| {
        input.get(name).map(|value| value.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string))
    };
    if let Some(value) = optional("firstName") {
        customer.first_name = value;
    }
    if let Some(value) = optional("lastName") {
        customer.last_name = value;
    }
    if let Some(value) = optional("email") {
        customer.verified_email = customer.verified_email && value == customer.email;
        customer.email = value;
    }
    if let Some(value) = optional("phone") {
        customer.phone = value;
    }
    if let Some(value) = optional("note") {
        customer.note = value;
    }
    if let Some(Some(locale)) = optional("locale") {
        customer.locale = locale.as_str().into();
    }
    if let Some(tags) = tags_of(&input) {
        customer.tags = tags;
    }
    if let Some(exempt) = input.get("taxExempt").and_then(Json::as_bool) {
        customer.tax_exempt = exempt;
    }
    if let Some(state) = consent_state(&input, "emailMarketingConsent") {
        customer.email_marketing = state;
    }
    if let Some(state) = consent_state(&input, "smsMarketingConsent") {
        customer.sms_marketing = state;
    }
    customer.updated_at = now;
    m.store.record("customers/update", gid::format("Customer", id));
    Ok(Rc::new(CustomerPayload { type_name: "CustomerUpdatePayload", customer: Some(id), user_errors: Vec::new() }))
}

struct DeletePayload {
    deleted: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for DeletePayload {
    fn type_name(&self) -> &'static str {
        "CustomerDeletePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "deletedCustomerId" => optional_text(self.deleted.map(|id| gid::format("Customer", id)).as_deref()),
            "shop" => object(ShopObject(&ctx.store.shop)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn delete(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let refuse = |message: &str| -> Rc<dyn Object> {
        Rc::new(DeletePayload { deleted: None, user_errors: vec![UserError::new("UserError", &["id"], message, None)] })
    };
    let id = call
        .arg("input")
        .and_then(|input| input.get("id"))
        .and_then(Json::as_str)
        .and_then(|id| gid::parse_kind(id, "Customer"));
    let Some(customer) = id.and_then(|id| m.store.customers.get(id)) else {
        return Ok(refuse("Customer can't be found"));
    };
    if !customer.order_ids.is_empty() {
        return Ok(refuse("Customer can’t be deleted because they have associated orders"));
    }
    let id = customer.id;
    m.store.customers.remove(id);
    m.store.metafields.remove_owner(&gid::format("Customer", id));
    m.store.record("customers/delete", gid::format("Customer", id));
    Ok(Rc::new(DeletePayload { deleted: Some(id), user_errors: Vec::new() }))
}
