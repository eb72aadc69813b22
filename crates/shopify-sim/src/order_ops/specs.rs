//! Specs: what the control surface and the seed describe orders, lines, addresses and edits with.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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

/// One refunded line for [`refund`](super::refund).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundLineSpec {
    /// SKU or LineItem GID.
    pub line: String,
    pub quantity: u32,
}

/// Parses a decimal from text (for specs given as strings).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text.trim()).ok()
}
