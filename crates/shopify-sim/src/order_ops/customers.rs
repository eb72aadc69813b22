//! Customers: creating one, and finding or creating an order's customer.

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::address::address_from;
use super::events::Events;
use super::specs::AddressSpec;
use crate::gid;
use crate::model::customers::{Customer, CustomerState};
use crate::model::orders::{Address, Text};
use crate::store::{IdKind, Store};

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

/// A new customer in a few fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerSpec {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<AddressSpec>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// `SUBSCRIBED` to accept email marketing.
    pub email_marketing: Option<String>,
    pub locale: Option<String>,
    pub created_at: Option<Timestamp>,
}

/// Creates a customer; returns its id.
pub fn create_customer(store: &mut Store, spec: &CustomerSpec, at: Timestamp) -> (u64, Events) {
    let id = store.next_id(IdKind::Customer);
    let created_at = spec.created_at.unwrap_or(at);
    let mut customer = Customer {
        id,
        first_name: spec.first_name.clone(),
        last_name: spec.last_name.clone(),
        email: spec.email.clone(),
        phone: spec.phone.clone(),
        note: spec.note.clone(),
        tags: crate::resolvers::product_mutations::normalize_tags(spec.tags.iter().map(String::as_str)),
        state: if spec.email.is_some() { CustomerState::Enabled } else { CustomerState::Disabled },
        tax_exempt: false,
        verified_email: spec.email.is_some(),
        locale: Text::from(spec.locale.as_deref().unwrap_or("en")),
        email_marketing: match spec.email_marketing.as_deref() {
            Some(state) if state.eq_ignore_ascii_case("subscribed") => "SUBSCRIBED",
            _ => "NOT_SUBSCRIBED",
        },
        sms_marketing: "NOT_SUBSCRIBED",
        addresses: Vec::new(),
        default_address_id: None,
        order_ids: Vec::new(),
        created_at,
        updated_at: created_at,
        last_address_n: 0,
    };
    if let Some(address) = &spec.address {
        let address_id = customer.next_address_id();
        let name = (spec.first_name.clone().unwrap_or_default(), spec.last_name.clone().unwrap_or_default());
        customer.addresses.push(Arc::new(address_from(address, address_id, (&name.0, &name.1))));
        customer.default_address_id = Some(address_id);
    }
    store.customers.insert(customer);
    (id, vec![("customers/create", gid::format("Customer", id))])
}

/// The customer with this email (or else phone), created when there is none.
pub(super) fn customer_for(
    store: &mut Store,
    email: Option<&str>,
    phone: Option<&str>,
    name: (&str, &str),
    address: &Address,
    at: Timestamp,
    events: &mut Events,
) -> Option<u64> {
    if email.is_none() && phone.is_none() {
        return None;
    }
    let existing = email.and_then(|email| store.customers.by_email(email).map(|customer| customer.id)).or_else(|| {
        phone.and_then(|phone| {
            store.customers.iter().find(|customer| customer.phone.as_deref() == Some(phone)).map(|c| c.id)
        })
    });
    if let Some(id) = existing {
        return Some(id);
    }
    let id = store.next_id(IdKind::Customer);
    let mut customer = Customer {
        id,
        first_name: Some(name.0.to_string()),
        last_name: Some(name.1.to_string()),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        note: None,
        tags: Vec::new(),
        state: CustomerState::Disabled,
        tax_exempt: false,
        verified_email: email.is_some(),
        locale: Text::from("en"),
        email_marketing: "NOT_SUBSCRIBED",
        sms_marketing: "NOT_SUBSCRIBED",
        addresses: Vec::new(),
        default_address_id: None,
        order_ids: Vec::new(),
        created_at: at,
        updated_at: at,
        last_address_n: 0,
    };
    let address_id = customer.next_address_id();
    customer.addresses.push(Arc::new(Address { id: address_id, ..address.clone() }));
    customer.default_address_id = Some(address_id);
    store.customers.insert(customer);
    events.push(("customers/create", gid::format("Customer", id)));
    Some(id)
}
