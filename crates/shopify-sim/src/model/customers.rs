//! Customers: names, contact, marketing consent, addresses, tags, and the orders they placed.
//!
//! Address ids are `customer_id * ADDRESS_ID_FACTOR + n`, so the customer of an address is found
//! by a division (as for order sub-objects).

pub mod rest;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use rust_decimal::Decimal;

use super::orders::{Address, Orders, Text};

/// Address ids are `customer_id * ADDRESS_ID_FACTOR + n`.
pub const ADDRESS_ID_FACTOR: u64 = 100;

/// Every customer, by id.
#[derive(Debug, Clone, Default)]
pub struct Customers {
    pub customers: BTreeMap<u64, Customer>,
}

impl Customers {
    pub fn get(&self, id: u64) -> Option<&Customer> {
        self.customers.get(&id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Customer> {
        self.customers.get_mut(&id)
    }

    pub fn remove(&mut self, id: u64) -> Option<Customer> {
        self.customers.remove(&id)
    }

    pub fn insert(&mut self, customer: Customer) {
        self.customers.insert(customer.id, customer);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Customer> {
        self.customers.values()
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The first customer with this email (case-insensitive).
    pub fn by_email(&self, email: &str) -> Option<&Customer> {
        self.customers
            .values()
            .find(|customer| customer.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
    }
}

/// `CustomerState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerState {
    Disabled,
    Invited,
    Enabled,
    Declined,
}

impl CustomerState {
    pub fn as_graphql(self) -> &'static str {
        match self {
            CustomerState::Disabled => "DISABLED",
            CustomerState::Invited => "INVITED",
            CustomerState::Enabled => "ENABLED",
            CustomerState::Declined => "DECLINED",
        }
    }
}

/// A customer.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// E.164 (`+4930123456`).
    pub phone: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub state: CustomerState,
    pub tax_exempt: bool,
    pub verified_email: bool,
    pub locale: Text,
    /// `SUBSCRIBED`, `NOT_SUBSCRIBED`, `UNSUBSCRIBED`, `PENDING`.
    pub email_marketing: &'static str,
    pub sms_marketing: &'static str,
    pub addresses: Vec<Arc<Address>>,
    /// The id of the default address (one of `addresses`).
    pub default_address_id: Option<u64>,
    /// Orders placed, oldest first.
    pub order_ids: Vec<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The last `n` handed out for an address id.
    pub last_address_n: u32,
}

impl Customer {
    /// `displayName`: the name, else the email, else the phone.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.email.clone().or_else(|| self.phone.clone()).unwrap_or_default()
    }

    pub fn default_address(&self) -> Option<&Arc<Address>> {
        let id = self.default_address_id?;
        self.addresses.iter().find(|address| address.id == id)
    }

    /// A fresh address id for this customer.
    pub fn next_address_id(&mut self) -> u64 {
        self.last_address_n += 1;
        self.id * ADDRESS_ID_FACTOR + u64::from(self.last_address_n)
    }

    /// Orders that count for statistics (not cancelled).
    pub fn number_of_orders(&self, orders: &Orders) -> usize {
        self.order_ids.iter().filter(|id| orders.get(**id).is_some()).count()
    }

    /// What the customer spent: current totals of their orders less refunds.
    pub fn amount_spent(&self, orders: &Orders) -> Decimal {
        self.order_ids
            .iter()
            .filter_map(|id| orders.get(*id))
            .filter(|order| !order.cancelled())
            .map(|order| order.total_received() - order.total_refunded())
            .sum()
    }
}
