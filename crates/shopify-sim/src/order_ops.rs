//! Changes to orders and customers, shared by the control surface (`SimControl`), the demo seed
//! and the GraphQL mutations (`fulfillmentCreate`, `orderUpdate`, `orderCancel` ...).
//!
//! Every operation takes the time it happens at and returns the webhook topics it caused as
//! [`Events`]; the caller records them (`Store::record`) or, when seeding, drops them. Each
//! change bumps the order's `updatedAt` (whole seconds, as Shopify prints them).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::gid;
use crate::model::customers::{Customer, CustomerState};
use crate::model::orders::{
    Address, Attribute, CancelReason, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue,
    FinancialStatus, Fulfillment, FulfillmentLineItem, FulfillmentOrder, FulfillmentOrderLineItem,
    FulfillmentOrderStatus, FulfillmentState, LineItem, Order, PaymentTerms, Refund, RefundLineItem, ShippingLine,
    TaxLine, Text, TrackingInfo, Transaction,
};
use crate::store::{IdKind, Store};

/// Webhook topics an operation caused, with the GID of the object each is about.
pub type Events = Vec<(&'static str, String)>;

/// Records events in the store's change log (what webhooks deliver).
pub fn record(store: &mut Store, events: Events) {
    for (topic, gid) in events {
        store.record(topic, gid);
    }
}

/// The current time in whole seconds.
pub fn now(store: &Store) -> Timestamp {
    Timestamp::from_second(store.now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Why an order change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderOpError {
    #[error("no order {0}: list orders with GET /_sim/orders")]
    UnknownOrder(String),
    #[error("order {order} has no line {line}: name a line by its SKU or LineItem GID")]
    UnknownLine { order: String, line: String },
    #[error("no product matches {0}: give a SKU of one of its variants or a Product GID")]
    UnknownProduct(String),
    #[error("order {order}: {problem}")]
    Refused { order: String, problem: String },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("`{value}` is not a valid {what}: {hint}")]
    InvalidValue { what: &'static str, value: String, hint: &'static str },
}

// ---------------------------------------------------------------------------------------------
// Specs (what the control surface and the seed describe orders with)
// ---------------------------------------------------------------------------------------------

/// A new order in a few fields. Everything but `lines` has a default: a paid order by a guest
/// shipping to Berlin, one `Standard` shipping line, German VAT included in prices.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderSpec {
    pub lines: Vec<LineSpec>,
    /// Shipping destination.
    pub address: AddressSpec,
    /// The billing address; the shipping address when absent.
    pub billing_address: Option<AddressSpec>,
    /// The customer's email: an existing customer with it places the order, else a new one.
    pub email: Option<String>,
    /// The customer's phone (E.164); matches an existing customer when `email` does not.
    pub phone: Option<String>,
    /// `paid` (default), `pending`, `authorized`, `partially_paid`.
    pub financial_status: Option<String>,
    /// `NET_30` (also `NET_7`, `NET_15`, `NET_45`, `NET_60`, `NET_90`, `RECEIPT`): payment terms.
    pub payment_terms: Option<String>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub po_number: Option<String>,
    /// Shipping lines; one `Standard` line at 4.90 when absent and something ships.
    pub shipping: Option<Vec<ShippingSpec>>,
    /// A discount code taking `discount_percent` off every line.
    pub discount_code: Option<String>,
    pub discount_percent: Option<Decimal>,
    /// Order attributes (`customAttributes`).
    pub attributes: BTreeMap<String, String>,
    /// When the order was placed (default: now).
    pub created_at: Option<Timestamp>,
    pub source_name: Option<String>,
    pub test: bool,
}

/// One line: a catalog variant by SKU, or a custom item.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineSpec {
    /// The SKU of a catalog variant; a SKU not in the catalog makes a line without variant.
    pub sku: Option<String>,
    pub quantity: u32,
    /// A custom line item (no variant, no product) with this title.
    pub title: Option<String>,
    /// Overrides the variant's price.
    pub price: Option<Decimal>,
    /// Overrides the variant's `requiresShipping`.
    pub requires_shipping: Option<bool>,
    pub gift_card: bool,
    /// Line item properties.
    pub properties: BTreeMap<String, String>,
}

/// A postal address; missing parts get defaults (Berlin) except `zip`, which may be blank.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressSpec {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    /// `""` for a missing postal code; absent means the country's default sample code.
    pub zip: Option<String>,
    pub province_code: Option<String>,
    /// ISO country code, `DE` by default.
    pub country: Option<String>,
    pub phone: Option<String>,
}

/// A shipping line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShippingSpec {
    pub title: String,
    pub price: Decimal,
    #[serde(default)]
    pub code: Option<String>,
}

/// Changes to an existing order (as a merchant's order edit or address change would make).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderEdit {
    /// New quantities by SKU or LineItem GID.
    pub quantities: BTreeMap<String, u32>,
    pub add_lines: Vec<LineSpec>,
    /// Lines to remove, by SKU or LineItem GID.
    pub remove_lines: Vec<String>,
    pub shipping_address: Option<AddressSpec>,
    pub note: Option<String>,
    pub email: Option<String>,
}

/// One refunded line for [`refund`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundLineSpec {
    /// SKU or LineItem GID.
    pub line: String,
    pub quantity: u32,
}

// ---------------------------------------------------------------------------------------------
// Addresses, taxes
// ---------------------------------------------------------------------------------------------

/// A sample address in a country (used for defaults and the seed).
pub fn sample_address(
    country: &str,
) -> (&'static str, &'static str, &'static str, Option<(&'static str, &'static str)>) {
    // (street, city, zip, (province code, province name))
    match country {
        "US" => ("350 Fifth Avenue", "New York", "10118", Some(("NY", "New York"))),
        "CA" => ("100 Queen St W", "Toronto", "M5H 2N2", Some(("ON", "Ontario"))),
        "GB" => ("10 Downing Street", "London", "SW1A 2AA", None),
        "FR" => ("5 Rue de Rivoli", "Paris", "75001", None),
        "NL" => ("Damrak 1", "Amsterdam", "1012 LG", None),
        "BE" => ("Grand-Place 1", "Bruxelles", "1000", None),
        "AT" => ("Stephansplatz 1", "Wien", "1010", None),
        "BR" => ("Avenida Paulista 1000", "São Paulo", "01310-100", Some(("SP", "São Paulo"))),
        "JP" => ("1-1 Chiyoda", "Tokyo", "100-0001", Some(("JP-13", "Tokyo"))),
        "IE" => ("1 O'Connell Street", "Dublin", "D01 F5P2", None),
        _ => ("Unter den Linden 1", "Berlin", "10117", None),
    }
}

/// Builds an address from a spec (defaults from [`sample_address`]).
pub fn address_from(spec: &AddressSpec, id: u64, fallback_name: (&str, &str)) -> Address {
    let country = spec.country.clone().unwrap_or_else(|| "DE".to_string()).to_ascii_uppercase();
    let (street, city, zip, province) = sample_address(&country);
    let province_code = spec.province_code.clone().or_else(|| province.map(|(code, _)| code.to_string()));
    let province_name = province_code
        .as_deref()
        .and_then(|code| province.filter(|(sample, _)| *sample == code).map(|(_, name)| name.to_string()))
        .or_else(|| province_code.clone());
    Address {
        id,
        first_name: spec.first_name.clone().or_else(|| Some(fallback_name.0.to_string())),
        last_name: spec.last_name.clone().or_else(|| Some(fallback_name.1.to_string())),
        company: spec.company.clone(),
        address1: spec.address1.clone().or_else(|| Some(street.to_string())),
        address2: spec.address2.clone(),
        city: spec.city.clone().or_else(|| Some(city.to_string())),
        zip: match &spec.zip {
            Some(zip) if zip.trim().is_empty() => None,
            Some(zip) => Some(zip.clone()),
            None => Some(zip.to_string()),
        },
        province: province_name,
        province_code,
        country_code: Some(country),
        phone: spec.phone.clone(),
    }
}

/// The tax a destination pays: (title, rate, included in prices).
pub fn tax_for(country: &str) -> Option<(&'static str, Decimal, bool)> {
    match country {
        "DE" => Some(("MwSt", Decimal::new(19, 2), true)),
        "FR" => Some(("TVA", Decimal::new(20, 2), true)),
        "NL" | "BE" => Some(("BTW", Decimal::new(21, 2), true)),
        "AT" => Some(("MwSt", Decimal::new(20, 2), true)),
        "GB" => Some(("VAT", Decimal::new(20, 2), true)),
        "IE" => Some(("VAT", Decimal::new(23, 2), true)),
        "US" => Some(("State Tax", Decimal::new(6, 2), false)),
        "CA" => Some(("HST", Decimal::new(13, 2), false)),
        _ => None,
    }
}

/// The tax on `amount` at `rate`, included in it or on top of it.
pub fn tax_amount(amount: Decimal, rate: Decimal, included: bool) -> Decimal {
    if included { (amount * rate / (Decimal::ONE + rate)).round_dp(2) } else { (amount * rate).round_dp(2) }
}

/// Recomputes the tax lines of every line and shipping line from the current prices.
fn retax(order: &mut Order, tax: Option<(Text, Decimal)>) {
    let included = order.taxes_included;
    for line in &mut order.line_items {
        let taxable_amount = line.original_total() - line.discount_total();
        line.tax_lines = match (&tax, line.taxable) {
            (Some((title, rate)), true) => {
                vec![TaxLine { title: title.clone(), rate: *rate, price: tax_amount(taxable_amount, *rate, included) }]
            }
            _ => Vec::new(),
        };
    }
    for line in &mut order.shipping_lines {
        line.tax_lines = match &tax {
            Some((title, rate)) => {
                vec![TaxLine {
                    title: title.clone(),
                    rate: *rate,
                    price: tax_amount(line.discounted_price(), *rate, included),
                }]
            }
            None => Vec::new(),
        };
    }
}

/// The order's tax (title and rate), read back from its lines.
fn order_tax(order: &Order) -> Option<(Text, Decimal)> {
    order
        .line_items
        .iter()
        .flat_map(|line| &line.tax_lines)
        .chain(order.shipping_lines.iter().flat_map(|line| &line.tax_lines))
        .next()
        .map(|tax| (tax.title.clone(), tax.rate))
        .or_else(|| {
            let country = order.shipping_address.as_ref().and_then(|address| address.country_code.as_deref())?;
            tax_for(country).map(|(title, rate, _)| (Text::from(title), rate))
        })
}

fn payment_terms(text: &str) -> Result<(String, &'static str, Option<u32>), OrderOpError> {
    let normalized = text.trim().to_ascii_uppercase().replace([' ', '-'], "_");
    let days = |name: &str| name.trim_start_matches("NET_").trim_start_matches("NET").parse::<u32>().ok();
    match normalized.as_str() {
        "RECEIPT" | "DUE_ON_RECEIPT" => Ok(("Due on receipt".to_string(), "RECEIPT", Some(0))),
        "FULFILLMENT" | "DUE_ON_FULFILLMENT" => Ok(("Due on fulfillment".to_string(), "FULFILLMENT", None)),
        other if other.starts_with("NET") => match days(other) {
            Some(days) => Ok((format!("Net {days}"), "NET", Some(days))),
            None => Err(OrderOpError::InvalidValue {
                what: "payment terms",
                value: text.to_string(),
                hint: "use NET_7, NET_15, NET_30, NET_45, NET_60, NET_90, RECEIPT or FULFILLMENT",
            }),
        },
        _ => Err(OrderOpError::InvalidValue {
            what: "payment terms",
            value: text.to_string(),
            hint: "use NET_7, NET_15, NET_30, NET_45, NET_60, NET_90, RECEIPT or FULFILLMENT",
        }),
    }
}

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
fn customer_for(
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

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

/// A line item built from a spec (catalog lookup by SKU).
fn line_from_spec(store: &Store, order: &mut Order, spec: &LineSpec) -> LineItem {
    let catalog = &store.catalog;
    let variant = spec
        .sku
        .as_deref()
        .filter(|_| spec.title.is_none())
        .and_then(|sku| catalog.variants.values().find(|variant| variant.sku.as_deref() == Some(sku)));
    let product = variant.and_then(|variant| catalog.products.get(&variant.product_id));
    let item = variant.and_then(|variant| catalog.inventory_items.get(&variant.inventory_item_id));
    let id = order.next_sub_id();
    let title: Text = match (product, &spec.title, &spec.sku) {
        (Some(product), _, _) => Text::from(product.title.as_str()),
        (None, Some(title), _) => Text::from(title.as_str()),
        (None, None, Some(sku)) => Text::from(format!("Item {sku}")),
        (None, None, None) => Text::from("Custom item"),
    };
    LineItem {
        id,
        variant_id: variant.map(|variant| variant.id),
        product_id: variant.map(|variant| variant.product_id),
        title,
        variant_title: variant.map(|variant| Text::from(variant.title.as_str())),
        sku: spec.sku.as_deref().map(Text::from),
        vendor: product.map(|product| Text::from(product.vendor.as_str())),
        quantity: spec.quantity.max(1),
        removed_quantity: 0,
        price: spec.price.or(variant.map(|variant| variant.price)).unwrap_or(Decimal::new(1000, 2)),
        requires_shipping: spec
            .requires_shipping
            .unwrap_or(!spec.gift_card && item.is_none_or(|item| item.requires_shipping)),
        is_gift_card: spec.gift_card,
        taxable: !spec.gift_card && variant.is_none_or(|variant| variant.taxable),
        grams: item.and_then(|item| item.weight.as_ref()).map_or(0, |weight| weight.value as u32),
        custom_attributes: spec
            .properties
            .iter()
            .map(|(key, value)| Attribute { key: key.clone(), value: Some(value.clone()) })
            .collect(),
        discount_allocations: Vec::new(),
        tax_lines: Vec::new(),
    }
}

/// Creates an order from a spec; returns its id.
pub fn create_order(store: &mut Store, spec: &OrderSpec, at: Timestamp) -> Result<(u64, Events), OrderOpError> {
    if spec.lines.is_empty() {
        return Err(OrderOpError::NoLines);
    }
    let financial = match spec.financial_status.as_deref() {
        None => FinancialStatus::Paid,
        Some(text) => FinancialStatus::parse(text).ok_or_else(|| OrderOpError::InvalidValue {
            what: "financial status",
            value: text.to_string(),
            hint: "use paid, pending, authorized or partially_paid",
        })?,
    };
    let terms = spec.payment_terms.as_deref().map(payment_terms).transpose()?;
    let created_at = spec.created_at.map_or(at, |at| Timestamp::from_second(at.as_second()).unwrap_or(at));
    let mut events = Events::new();
    let id = store.next_id(IdKind::Order);
    let number = store.orders.next_number();
    let name = (
        spec.address.first_name.clone().unwrap_or_else(|| "Alex".to_string()),
        spec.address.last_name.clone().unwrap_or_else(|| "Example".to_string()),
    );
    let shipping_address = address_from(&spec.address, id * 10 + 1, (&name.0, &name.1));
    let billing_address =
        spec.billing_address.as_ref().map(|billing| address_from(billing, id * 10 + 2, (&name.0, &name.1)));
    let customer_id = customer_for(
        store,
        spec.email.as_deref(),
        spec.phone.as_deref(),
        (&name.0, &name.1),
        &shipping_address,
        created_at,
        &mut events,
    );
    let country = shipping_address.country_code.clone().unwrap_or_default();
    let tax = tax_for(&country);
    let shipping_address = Arc::new(shipping_address);
    let mut order = Order {
        id,
        number,
        email: spec.email.clone(),
        phone: spec.phone.clone(),
        customer_id,
        created_at,
        updated_at: created_at,
        processed_at: created_at,
        cancelled_at: None,
        cancel_reason: None,
        closed_at: None,
        note: spec.note.clone(),
        tags: crate::resolvers::product_mutations::normalize_tags(spec.tags.iter().map(String::as_str)),
        source_name: Text::from(spec.source_name.as_deref().unwrap_or("web")),
        po_number: spec.po_number.clone(),
        test: spec.test,
        taxes_included: tax.is_none_or(|(_, _, included)| included),
        financial_status: financial,
        payment_terms: None,
        payment_gateway_names: Vec::new(),
        discount_codes: Vec::new(),
        custom_attributes: spec
            .attributes
            .iter()
            .map(|(key, value)| Attribute { key: key.clone(), value: Some(value.clone()) })
            .collect(),
        billing_address: Some(billing_address.map(Arc::new).unwrap_or_else(|| shipping_address.clone())),
        shipping_address: Some(shipping_address),
        line_items: Vec::new(),
        shipping_lines: Vec::new(),
        discount_applications: Vec::new(),
        transactions: Vec::new(),
        refunds: Vec::new(),
        returns: Vec::new(),
        fulfillment_orders: Vec::new(),
        fulfillments: Vec::new(),
        last_sub_id: 0,
    };
    for line in &spec.lines {
        let line = line_from_spec(store, &mut order, line);
        order.line_items.push(line);
    }
    if let (Some(code), Some(percent)) = (&spec.discount_code, spec.discount_percent) {
        order.discount_codes.push(code.clone());
        order.discount_applications.push(DiscountApplication {
            kind: DiscountKind::Code(code.clone()),
            value: DiscountValue::Percentage(percent),
            allocation_method: "ACROSS",
            target_selection: "ALL",
            target_type: "LINE_ITEM",
        });
        for line in &mut order.line_items {
            let amount = (line.original_total() * percent / Decimal::ONE_HUNDRED).round_dp(2);
            line.discount_allocations.push(DiscountAllocation { amount, application_index: 0 });
        }
    }
    let ships = order.line_items.iter().any(|line| line.requires_shipping);
    let shipping = match &spec.shipping {
        Some(lines) => lines.clone(),
        None if ships => vec![ShippingSpec { title: "Standard".to_string(), price: Decimal::new(490, 2), code: None }],
        None => Vec::new(),
    };
    for line in shipping {
        let id = order.next_sub_id();
        order.shipping_lines.push(ShippingLine {
            id,
            code: Some(Text::from(line.code.unwrap_or_else(|| line.title.clone()))),
            title: Text::from(line.title),
            source: Some(Text::from("shopify")),
            carrier_identifier: None,
            price: line.price,
            discount_allocations: Vec::new(),
            tax_lines: Vec::new(),
            is_removed: false,
        });
    }
    retax(&mut order, tax.map(|(title, rate, _)| (Text::from(title), rate)));
    if let Some((name, kind, due_in_days)) = terms {
        let id = order.next_sub_id();
        order.payment_terms = Some(PaymentTerms { id, name, kind, due_in_days });
    }
    open_fulfillment_order(store, &mut order, created_at);
    let total = order.total_price();
    let (gateway, kind, status, amount): (&str, &str, &str, Decimal) = match financial {
        FinancialStatus::Paid => ("shopify_payments", "SALE", "SUCCESS", total),
        FinancialStatus::Authorized => ("shopify_payments", "AUTHORIZATION", "SUCCESS", total),
        FinancialStatus::PartiallyPaid => ("manual", "SALE", "SUCCESS", (total / Decimal::TWO).round_dp(2)),
        _ if order.payment_terms.is_some() => ("", "", "", Decimal::ZERO),
        _ => ("bank_deposit", "SALE", "PENDING", total),
    };
    if !kind.is_empty() {
        let id = order.next_sub_id();
        let gateway = Text::from(gateway);
        order.payment_gateway_names.push(gateway.clone());
        order.transactions.push(Transaction {
            id,
            kind,
            status,
            gateway,
            amount,
            created_at,
            processed_at: created_at,
            parent_id: None,
            test: spec.test,
            error_code: None,
        });
    }
    if let Some(customer) = customer_id.and_then(|id| store.customers.get_mut(id)) {
        customer.order_ids.push(id);
        customer.updated_at = customer.updated_at.max(created_at);
        events.push(("customers/update", gid::format("Customer", customer.id)));
    }
    let gid = gid::format("Order", id);
    events.push(("orders/create", gid.clone()));
    if financial == FinancialStatus::Paid {
        events.push(("orders/paid", gid));
    }
    store.orders.insert(order);
    Ok((id, events))
}

/// Puts the order's shippable lines on a fulfillment order at the first location.
fn open_fulfillment_order(store: &Store, order: &mut Order, at: Timestamp) {
    let Some(location_id) = store.catalog.locations.keys().next().copied() else {
        return;
    };
    let shippable: Vec<(u64, u32)> =
        order.line_items.iter().filter(|line| line.requires_shipping).map(|line| (line.id, line.quantity)).collect();
    if shippable.is_empty() {
        return;
    }
    let id = order.next_sub_id();
    let line_items = shippable
        .into_iter()
        .map(|(line_item_id, quantity)| FulfillmentOrderLineItem {
            id: order.next_sub_id(),
            line_item_id,
            total_quantity: quantity,
            remaining_quantity: quantity,
            fulfilled_quantity: 0,
        })
        .collect();
    order.fulfillment_orders.push(FulfillmentOrder {
        id,
        location_id,
        status: FulfillmentOrderStatus::Open,
        created_at: at,
        updated_at: at,
        line_items,
    });
}

// ---------------------------------------------------------------------------------------------
// Edit
// ---------------------------------------------------------------------------------------------

fn find_line(order: &Order, key: &str) -> Result<usize, OrderOpError> {
    let by_gid = gid::parse_kind(key, "LineItem");
    order
        .line_items
        .iter()
        .position(|line| Some(line.id) == by_gid || line.sku.as_deref() == Some(key))
        .ok_or_else(|| OrderOpError::UnknownLine { order: order.name(), line: key.to_string() })
}

/// Sets a line's current quantity, keeping its discount share and tax, and its fulfillment order
/// line in step.
fn set_line_quantity(order: &mut Order, index: usize, wanted: u32, at: Timestamp) -> Result<(), OrderOpError> {
    let line_id = order.line_items[index].id;
    let current = order.current_quantity(&order.line_items[index]);
    let fulfilled = order.fulfilled_quantity(line_id);
    if wanted < fulfilled {
        return Err(OrderOpError::Refused {
            order: order.name(),
            problem: format!(
                "{fulfilled} unit(s) of that line are fulfilled already; the quantity cannot go below that"
            ),
        });
    }
    let line = &mut order.line_items[index];
    if wanted < current {
        line.removed_quantity += current - wanted;
    } else if wanted > current {
        let old_quantity = line.quantity;
        line.quantity += wanted - current;
        if old_quantity > 0 {
            let factor = Decimal::from(line.quantity) / Decimal::from(old_quantity);
            for allocation in &mut line.discount_allocations {
                allocation.amount = (allocation.amount * factor).round_dp(2);
            }
        }
    }
    sync_fulfillment_order_line(order, line_id, at);
    Ok(())
}

/// Makes the fulfillment order line of an order line match its current quantity.
fn sync_fulfillment_order_line(order: &mut Order, line_id: u64, at: Timestamp) {
    let Some(line) = order.line_item(line_id) else {
        return;
    };
    if !line.requires_shipping {
        return;
    }
    let current = order.current_quantity(line);
    let mut found = false;
    for fo in &mut order.fulfillment_orders {
        if let Some(item) = fo.line_items.iter_mut().find(|item| item.line_item_id == line_id) {
            found = true;
            item.total_quantity = current.max(item.fulfilled_quantity);
            item.remaining_quantity = item.total_quantity - item.fulfilled_quantity;
            fo.updated_at = at;
        }
    }
    if !found && current > 0 {
        let item_id = order.next_sub_id();
        let item = FulfillmentOrderLineItem {
            id: item_id,
            line_item_id: line_id,
            total_quantity: current,
            remaining_quantity: current,
            fulfilled_quantity: 0,
        };
        match order.fulfillment_orders.iter_mut().find(|fo| fo.status.is_fulfillable()) {
            Some(fo) => {
                fo.line_items.push(item);
                fo.updated_at = at;
            }
            None => {
                let location_id = order.fulfillment_orders.first().map(|fo| fo.location_id).unwrap_or(0);
                let id = order.next_sub_id();
                order.fulfillment_orders.push(FulfillmentOrder {
                    id,
                    location_id,
                    status: FulfillmentOrderStatus::Open,
                    created_at: at,
                    updated_at: at,
                    line_items: vec![item],
                });
            }
        }
    }
    order.refresh_fulfillment_orders();
}

/// Applies an order edit.
pub fn edit_order(store: &mut Store, order_id: u64, edit: &OrderEdit, at: Timestamp) -> Result<Events, OrderOpError> {
    let mut order = store
        .orders
        .get(order_id)
        .cloned()
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    if order.cancelled() {
        return Err(OrderOpError::Refused { order: order.name(), problem: "it is cancelled".to_string() });
    }
    for (key, quantity) in &edit.quantities {
        let index = find_line(&order, key)?;
        set_line_quantity(&mut order, index, *quantity, at)?;
    }
    for key in &edit.remove_lines {
        let index = find_line(&order, key)?;
        set_line_quantity(&mut order, index, 0, at)?;
    }
    for spec in &edit.add_lines {
        let line = line_from_spec(store, &mut order, spec);
        let line_id = line.id;
        order.line_items.push(line);
        sync_fulfillment_order_line(&mut order, line_id, at);
    }
    if let Some(address) = &edit.shipping_address {
        let fallback = order
            .shipping_address
            .as_ref()
            .map(|old| (old.first_name.clone().unwrap_or_default(), old.last_name.clone().unwrap_or_default()))
            .unwrap_or_default();
        let id = order.next_sub_id();
        order.shipping_address = Some(Arc::new(address_from(address, id, (&fallback.0, &fallback.1))));
    }
    if let Some(note) = &edit.note {
        order.note = Some(note.clone()).filter(|note| !note.is_empty());
    }
    if let Some(email) = &edit.email {
        order.email = Some(email.clone());
    }
    let tax = order_tax(&order);
    retax(&mut order, tax);
    order.updated_at = at.max(order.updated_at);
    store.orders.insert(order);
    let gid = gid::format("Order", order_id);
    let mut events = vec![("orders/updated", gid.clone())];
    if !edit.quantities.is_empty() || !edit.add_lines.is_empty() || !edit.remove_lines.is_empty() {
        events.insert(0, ("orders/edited", gid));
    }
    Ok(events)
}

/// Changes an order through a closure, bumping `updatedAt` (for small changes: tags, note ...).
pub fn touch_order(
    store: &mut Store,
    order_id: u64,
    at: Timestamp,
    change: impl FnOnce(&mut Order),
) -> Result<Events, OrderOpError> {
    store
        .orders
        .update(order_id, |order| {
            change(order);
            order.updated_at = at.max(order.updated_at);
        })
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    Ok(vec![("orders/updated", gid::format("Order", order_id))])
}

/// Cancels an order: closes it, cancels its open fulfillment orders, voids unpaid payment.
pub fn cancel_order(
    store: &mut Store,
    order_id: u64,
    reason: CancelReason,
    at: Timestamp,
) -> Result<Events, OrderOpError> {
    let name = store.orders.get(order_id).map(Order::name);
    let result = store.orders.update(order_id, |order| {
        if order.cancelled() {
            return Err(OrderOpError::Refused { order: order.name(), problem: "it is cancelled already".to_string() });
        }
        if order.fulfillment_state() == FulfillmentState::Fulfilled {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: "it is fulfilled; cancel its fulfillments first".to_string(),
            });
        }
        order.cancelled_at = Some(at);
        order.cancel_reason = Some(reason);
        order.closed_at = Some(at);
        if matches!(order.financial_status, FinancialStatus::Pending | FinancialStatus::Authorized) {
            order.financial_status = FinancialStatus::Voided;
        }
        order.refresh_fulfillment_orders();
        for fo in &mut order.fulfillment_orders {
            fo.updated_at = at;
        }
        order.updated_at = at.max(order.updated_at);
        Ok(())
    });
    match result {
        None => Err(OrderOpError::UnknownOrder(gid::format("Order", order_id))),
        Some(Err(error)) => Err(error),
        Some(Ok(())) => {
            let _ = name;
            let gid = gid::format("Order", order_id);
            Ok(vec![("orders/cancelled", gid.clone()), ("orders/updated", gid)])
        }
    }
}

/// Marks a pending order paid with a manual transaction for what is outstanding.
pub fn mark_paid(store: &mut Store, order_id: u64, at: Timestamp) -> Result<Events, OrderOpError> {
    let result = store.orders.update(order_id, |order| {
        if order.cancelled() || !matches!(order.financial_status.as_rest(), "pending" | "partially_paid" | "authorized")
        {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: format!(
                    "its financial status is {}; only pending orders can be marked paid",
                    order.financial_status.as_rest()
                ),
            });
        }
        let outstanding = order.total_outstanding();
        let id = order.next_sub_id();
        let gateway = Text::from("manual");
        if !order.payment_gateway_names.iter().any(|name| name.as_ref() == "manual") {
            order.payment_gateway_names.push(gateway.clone());
        }
        order.transactions.push(Transaction {
            id,
            kind: "SALE",
            status: "SUCCESS",
            gateway,
            amount: outstanding,
            created_at: at,
            processed_at: at,
            parent_id: None,
            test: order.test,
            error_code: None,
        });
        order.financial_status = FinancialStatus::Paid;
        order.updated_at = at.max(order.updated_at);
        Ok(())
    });
    match result {
        None => Err(OrderOpError::UnknownOrder(gid::format("Order", order_id))),
        Some(Err(error)) => Err(error),
        Some(Ok(())) => {
            let gid = gid::format("Order", order_id);
            Ok(vec![("orders/paid", gid.clone()), ("orders/updated", gid)])
        }
    }
}

/// Refunds some lines (and their share of money) of a paid order.
pub fn refund(
    store: &mut Store,
    order_id: u64,
    lines: &[RefundLineSpec],
    note: Option<&str>,
    restock_type: &'static str,
    at: Timestamp,
) -> Result<Events, OrderOpError> {
    let mut order = store
        .orders
        .get(order_id)
        .cloned()
        .ok_or_else(|| OrderOpError::UnknownOrder(gid::format("Order", order_id)))?;
    let location_id = order.fulfillment_orders.first().map(|fo| fo.location_id);
    let mut refund_lines = Vec::new();
    let mut amount = Decimal::ZERO;
    for spec in lines {
        let index = find_line(&order, &spec.line)?;
        let line = &order.line_items[index];
        let current = order.current_quantity(line);
        if spec.quantity == 0 || spec.quantity > current {
            return Err(OrderOpError::Refused {
                order: order.name(),
                problem: format!("cannot refund {} unit(s) of {}: {current} left", spec.quantity, line.name()),
            });
        }
        let share = Decimal::from(spec.quantity) / Decimal::from(line.quantity.max(1));
        let subtotal = (line.price * Decimal::from(spec.quantity) - line.discount_total() * share).round_dp(2);
        let total_tax = (line.tax_total() * share).round_dp(2);
        amount += if order.taxes_included { subtotal } else { subtotal + total_tax };
        refund_lines.push(RefundLineItem {
            id: 0,
            line_item_id: line.id,
            quantity: spec.quantity,
            restock_type,
            location_id,
            subtotal,
            total_tax,
        });
    }
    for item in &mut refund_lines {
        item.id = order.next_sub_id();
    }
    // Refunding every remaining unit refunds shipping too: all the money paid goes back.
    let left_after: u32 = order
        .line_items
        .iter()
        .map(|line| {
            let refunded: u32 =
                refund_lines.iter().filter(|item| item.line_item_id == line.id).map(|item| item.quantity).sum();
            order.current_quantity(line).saturating_sub(refunded)
        })
        .sum();
    if left_after == 0 {
        amount = amount.max(order.total_received() - order.total_refunded());
    }
    let refund_id = order.next_sub_id();
    let transaction_id = order.next_sub_id();
    let parent = order.transactions.iter().find(|t| t.status == "SUCCESS" && matches!(t.kind, "SALE" | "CAPTURE"));
    let gateway = parent.map_or_else(|| Text::from("manual"), |parent| parent.gateway.clone());
    let parent_id = parent.map(|parent| parent.id);
    order.transactions.push(Transaction {
        id: transaction_id,
        kind: "REFUND",
        status: "SUCCESS",
        gateway,
        amount,
        created_at: at,
        processed_at: at,
        parent_id,
        test: order.test,
        error_code: None,
    });
    let line_ids: Vec<u64> = refund_lines.iter().map(|item| item.line_item_id).collect();
    order.refunds.push(Refund {
        id: refund_id,
        created_at: at,
        note: note.map(str::to_string),
        line_items: refund_lines,
        transaction_ids: vec![transaction_id],
    });
    for line_id in line_ids {
        sync_fulfillment_order_line(&mut order, line_id, at);
    }
    order.financial_status = if order.total_refunded() >= order.total_received() {
        FinancialStatus::Refunded
    } else {
        FinancialStatus::PartiallyRefunded
    };
    order.updated_at = at.max(order.updated_at);
    store.orders.insert(order);
    Ok(vec![("refunds/create", gid::format("Refund", refund_id)), ("orders/updated", gid::format("Order", order_id))])
}

// ---------------------------------------------------------------------------------------------
// Fulfill
// ---------------------------------------------------------------------------------------------

/// What to ship from one fulfillment order: every remaining unit (`None`) or some lines.
#[derive(Debug, Clone)]
pub struct FulfillFrom {
    pub fulfillment_order_id: u64,
    /// `(fulfillment order line item id, quantity)`.
    pub lines: Option<Vec<(u64, i64)>>,
}

/// A problem with a fulfillment request, at an input path (`fulfillmentCreate` user error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillProblem {
    pub field: Vec<String>,
    pub message: String,
}

/// Creates a fulfillment (with tracking) for lines of one order's fulfillment orders.
/// Nothing changes when there is any problem.
pub fn fulfill(
    store: &mut Store,
    from: &[FulfillFrom],
    tracking: Vec<TrackingInfo>,
    notify_customer: bool,
    at: Timestamp,
) -> Result<(u64, Events), Vec<FulfillProblem>> {
    let problem = |field: Vec<String>, message: String| FulfillProblem { field, message };
    let base =
        |index: usize| vec!["fulfillment".to_string(), "lineItemsByFulfillmentOrder".to_string(), index.to_string()];
    if from.is_empty() {
        return Err(vec![problem(
            vec!["fulfillment".to_string(), "lineItemsByFulfillmentOrder".to_string()],
            "Line items by fulfillment order must contain at least one fulfillment order.".to_string(),
        )]);
    }
    let order_id = crate::model::orders::owner_of(from[0].fulfillment_order_id);
    let mut problems = Vec::new();
    let Some(mut order) = store.orders.get(order_id).cloned() else {
        return Err(vec![problem(
            [base(0), vec!["fulfillmentOrderId".to_string()]].concat(),
            "Fulfillment order does not exist.".to_string(),
        )]);
    };
    // (fulfillment order index, line index, quantity)
    let mut planned: Vec<(usize, usize, u32)> = Vec::new();
    for (index, request) in from.iter().enumerate() {
        let Some(fo_index) = order.fulfillment_orders.iter().position(|fo| fo.id == request.fulfillment_order_id)
        else {
            let message = if crate::model::orders::owner_of(request.fulfillment_order_id) != order_id
                && store.orders.owner(request.fulfillment_order_id).is_some()
            {
                "All fulfillment orders must belong to the same order.".to_string()
            } else {
                "Fulfillment order does not exist.".to_string()
            };
            problems.push(problem([base(index), vec!["fulfillmentOrderId".to_string()]].concat(), message));
            continue;
        };
        let fo = &order.fulfillment_orders[fo_index];
        if !fo.status.is_fulfillable() {
            problems.push(problem(
                [base(index), vec!["fulfillmentOrderId".to_string()]].concat(),
                format!(
                    "Fulfillment order {} has an unfulfillable status= {}.",
                    fo.id,
                    fo.status.as_graphql().to_lowercase()
                ),
            ));
            continue;
        }
        match &request.lines {
            None => {
                for (line_index, item) in fo.line_items.iter().enumerate() {
                    if item.remaining_quantity > 0 {
                        planned.push((fo_index, line_index, item.remaining_quantity));
                    }
                }
            }
            Some(lines) => {
                for (position, (item_id, quantity)) in lines.iter().enumerate() {
                    let field = [
                        base(index),
                        vec!["fulfillmentOrderLineItems".to_string(), position.to_string(), "quantity".to_string()],
                    ]
                    .concat();
                    let Some(line_index) = fo.line_items.iter().position(|item| item.id == *item_id) else {
                        let mut field = field.clone();
                        field.pop();
                        field.push("id".to_string());
                        problems.push(problem(
                            field,
                            format!(
                                "Fulfillment order line item {item_id} does not belong to fulfillment order {}.",
                                fo.id
                            ),
                        ));
                        continue;
                    };
                    let item = &fo.line_items[line_index];
                    let already = planned
                        .iter()
                        .filter(|(f, l, _)| *f == fo_index && *l == line_index)
                        .map(|(_, _, q)| *q)
                        .sum::<u32>();
                    if *quantity <= 0 || i64::from(item.remaining_quantity) < *quantity + i64::from(already) {
                        problems.push(problem(
                            field,
                            "Invalid fulfillment order line item quantity requested.".to_string(),
                        ));
                        continue;
                    }
                    planned.push((fo_index, line_index, *quantity as u32));
                }
            }
        }
    }
    if problems.is_empty() && planned.is_empty() {
        problems.push(problem(
            vec!["fulfillment".to_string()],
            "The fulfillment orders have no remaining quantity to fulfill.".to_string(),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let before = order.fulfillment_state();
    let fulfillment_id = order.next_sub_id();
    let mut line_items: Vec<FulfillmentLineItem> = Vec::new();
    let mut fulfillment_order_ids = Vec::new();
    for (fo_index, line_index, quantity) in planned {
        let fo = &mut order.fulfillment_orders[fo_index];
        let item = &mut fo.line_items[line_index];
        item.remaining_quantity -= quantity;
        item.fulfilled_quantity += quantity;
        let line_item_id = item.line_item_id;
        fo.updated_at = at;
        if !fulfillment_order_ids.contains(&fo.id) {
            fulfillment_order_ids.push(fo.id);
        }
        match line_items.iter_mut().find(|line| line.line_item_id == line_item_id) {
            Some(line) => line.quantity += quantity,
            None => line_items.push(FulfillmentLineItem { id: 0, line_item_id, quantity }),
        }
    }
    for line in &mut line_items {
        line.id = order.next_sub_id();
    }
    let count = order.fulfillments.len() + 1;
    let location_id =
        fulfillment_order_ids.first().and_then(|id| order.fulfillment_order(*id)).map(|fo| fo.location_id);
    order.fulfillments.push(Fulfillment {
        id: fulfillment_id,
        name: format!("{}.{count}", order.name()),
        status: "SUCCESS",
        location_id,
        created_at: at,
        updated_at: at,
        tracking,
        line_items,
        fulfillment_order_ids,
        notify_customer,
    });
    order.refresh_fulfillment_orders();
    order.updated_at = at.max(order.updated_at);
    let after = order.fulfillment_state();
    store.orders.insert(order);
    let order_gid = gid::format("Order", order_id);
    let mut events = vec![("fulfillments/create", gid::format("Fulfillment", fulfillment_id))];
    if after != before {
        events.push(match after {
            FulfillmentState::Fulfilled => ("orders/fulfilled", order_gid.clone()),
            _ => ("orders/partially_fulfilled", order_gid.clone()),
        });
    }
    events.push(("orders/updated", order_gid));
    Ok((fulfillment_id, events))
}

/// Parses a decimal from text (for specs given as strings).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text.trim()).ok()
}
