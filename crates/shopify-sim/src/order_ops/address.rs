//! Addresses, taxes and payment terms of an order.

use rust_decimal::Decimal;

use super::events::OrderOpError;
use super::specs::AddressSpec;
use crate::model::orders::{Address, Order, TaxLine, Text};

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
pub(super) fn retax(order: &mut Order, tax: Option<(Text, Decimal)>) {
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
pub(super) fn order_tax(order: &Order) -> Option<(Text, Decimal)> {
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

pub(super) fn payment_terms(text: &str) -> Result<(String, &'static str, Option<u32>), OrderOpError> {
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
