//! Shopify's mandatory privacy webhooks, carried out on the store.
//!
//! - `customers/redact`: the customer's personal data kept for the shop goes: the link to the back-office customer
//!   (and that customer's name, e-mail, phone and addresses when shopsync created it from Shopify and no other
//!   shop links it), the personal parts of the addresses and the e-mail of their sales orders (amounts, lines,
//!   country and province stay for accounting), captured Shopify data and request log entries that mention them.
//! - `shop/redact` (48 hours after the app was uninstalled): the same for every customer of the shop, and all of
//!   its captured data and request log.
//! - `customers/data_request`: nothing to remove; the request is logged with what the merchant has to send (the
//!   customer's back-office record and sales orders, which `customers show` and `orders show` print).
//!
//! Each is logged with what it removed, so the people running shopsync can show the request was honoured.

use serde::Deserialize;
use shopsync_store::{CustomerRedaction, Store};

use crate::SyncError;

/// Which privacy request a topic carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyRequest {
    RedactCustomer,
    RedactShop,
    DataRequest,
}

impl PrivacyRequest {
    /// The request of a topic, when it is a privacy topic.
    pub fn of(topic: &str) -> Option<PrivacyRequest> {
        match topic {
            "customers/redact" => Some(PrivacyRequest::RedactCustomer),
            "shop/redact" => Some(PrivacyRequest::RedactShop),
            "customers/data_request" => Some(PrivacyRequest::DataRequest),
            _ => None,
        }
    }
}

/// The parts of a privacy payload shopsync reads (Shopify sends numeric ids; a string is taken too).
#[derive(Debug, Default, Deserialize)]
struct Payload {
    #[serde(default)]
    customer: Option<CustomerPart>,
    #[serde(default)]
    orders_to_redact: Vec<serde_json::Value>,
    #[serde(default)]
    orders_requested: Vec<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct CustomerPart {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    email: Option<String>,
}

/// `gid://shopify/KIND/ID` from a payload id (a number, a numeric string, or a gid already).
fn gid(kind: &str, value: &serde_json::Value) -> Option<String> {
    let text = match value {
        serde_json::Value::Number(number) => number.as_u64()?.to_string(),
        serde_json::Value::String(text) if text.starts_with("gid://shopify/") => return Some(text.clone()),
        serde_json::Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.clone(),
        _ => return None,
    };
    Some(format!("gid://shopify/{kind}/{text}"))
}

/// Carries out a privacy request of a shop from its payload.
pub async fn carry_out(
    store: &dyn Store,
    shop_id: i64,
    domain: &str,
    request: PrivacyRequest,
    body: &[u8],
) -> Result<(), SyncError> {
    let payload: Payload = serde_json::from_slice(body).map_err(|err| {
        SyncError::Invalid(format!(
            "the privacy webhook's body is not the JSON Shopify sends ({err}); nothing was done"
        ))
    })?;
    let customer = payload.customer.unwrap_or_default();
    let customer_id = customer.id.as_ref().and_then(|id| gid("Customer", id));
    match request {
        PrivacyRequest::RedactCustomer => {
            if customer_id.is_none() && customer.email.as_deref().is_none_or(str::is_empty) {
                return Err(SyncError::Invalid(
                    "the customers/redact webhook names no customer (neither id nor e-mail); nothing was done".into(),
                ));
            }
            let order_ids = payload.orders_to_redact.iter().filter_map(|id| gid("Order", id)).collect();
            let redaction = CustomerRedaction { customer_id: customer_id.clone(), email: customer.email, order_ids };
            let report = store.redact_customer(shop_id, &redaction).await?;
            tracing::warn!(
                shop = domain,
                customer = customer_id.as_deref().unwrap_or("(by e-mail)"),
                orders = redaction.order_ids.len(),
                customers_anonymised = report.customers_anonymised,
                customer_links_removed = report.customer_links_removed,
                sales_orders_redacted = report.sales_orders_redacted,
                captures_deleted = report.captures_deleted,
                log_entries_deleted = report.log_entries_deleted,
                "customers/redact carried out: the customer's personal data was removed"
            );
        }
        PrivacyRequest::RedactShop => {
            let report = store.redact_shop(shop_id).await?;
            tracing::warn!(
                shop = domain,
                customers_anonymised = report.customers_anonymised,
                customer_links_removed = report.customer_links_removed,
                sales_orders_redacted = report.sales_orders_redacted,
                captures_deleted = report.captures_deleted,
                log_entries_deleted = report.log_entries_deleted,
                "shop/redact carried out: the shop's personal data was removed"
            );
        }
        PrivacyRequest::DataRequest => {
            let orders: Vec<String> = payload.orders_requested.iter().filter_map(|id| gid("Order", id)).collect();
            tracing::warn!(
                shop = domain,
                customer = customer_id.as_deref().unwrap_or("(by e-mail)"),
                orders = ?orders,
                "customers/data_request received: send the merchant this customer's back-office record and sales \
                 orders (the customer and order views show them)"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_ids_become_gids_whatever_their_form() {
        assert_eq!(gid("Order", &serde_json::json!(299938)).as_deref(), Some("gid://shopify/Order/299938"));
        assert_eq!(gid("Order", &serde_json::json!("299938")).as_deref(), Some("gid://shopify/Order/299938"));
        assert_eq!(gid("Order", &serde_json::json!("gid://shopify/Order/1")).as_deref(), Some("gid://shopify/Order/1"));
        assert_eq!(gid("Order", &serde_json::json!("#1001")), None);
        assert_eq!(gid("Order", &serde_json::json!(-4)), None);
    }

    #[test]
    fn only_the_three_privacy_topics_are_requests() {
        assert_eq!(PrivacyRequest::of("customers/redact"), Some(PrivacyRequest::RedactCustomer));
        assert_eq!(PrivacyRequest::of("shop/redact"), Some(PrivacyRequest::RedactShop));
        assert_eq!(PrivacyRequest::of("customers/data_request"), Some(PrivacyRequest::DataRequest));
        assert_eq!(PrivacyRequest::of("customers/update"), None);
    }
}
