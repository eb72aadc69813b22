//! Privacy requests from Shopify (`customers/redact`, `shop/redact`): removing a customer's personal data, or all
//! of a shop's, from what shopsync keeps. Sales orders stay, since accounting needs them, but lose what names or
//! reaches a person (names, street, city, postcode, phone, e-mail); their amounts, lines, country and province
//! (which taxes follow) and company stay.

use async_trait::async_trait;
use serde::Serialize;

use crate::Result;

/// The customer a `customers/redact` request names: by Shopify id, e-mail, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerRedaction {
    /// `gid://shopify/Customer/ID`.
    pub customer_id: Option<String>,
    pub email: Option<String>,
    /// `gid://shopify/Order/ID` of each order Shopify lists in `orders_to_redact`.
    pub order_ids: Vec<String>,
}

/// What a redaction removed, so the log can say so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedactionReport {
    /// Back-office customers whose name, e-mail, phone and addresses were replaced (no other shop links them).
    pub customers_anonymised: u64,
    /// Links from the shop's Shopify customers to back-office customers, removed.
    pub customer_links_removed: u64,
    /// Sales orders whose addresses and e-mail were stripped.
    pub sales_orders_redacted: u64,
    /// Captured Shopify data deleted.
    pub captures_deleted: u64,
    /// Request log entries that mentioned the customer or their orders, deleted.
    pub log_entries_deleted: u64,
}

/// Carries out privacy requests; each is one transaction, and doing it twice removes nothing more.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Removes one customer's personal data kept for a shop.
    async fn redact_customer(&self, shop_id: i64, request: &CustomerRedaction) -> Result<RedactionReport>;
    /// Removes the personal data of every customer of a shop, its captured data and its request log.
    async fn redact_shop(&self, shop_id: i64) -> Result<RedactionReport>;
}
