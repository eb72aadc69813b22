//! Back-office customers, the templates new customers are created from, and their links to Shopify customers.
//!
//! A Shopify customer becomes a back-office customer in one of three ways, tried in this order and recorded on
//! the link ([`MatchedBy`]): an existing customer with the same normalised email ([`normalize_email`]: trimmed,
//! lower case), else one with the same normalised phone ([`normalize_phone`]: digits with the leading `+`), else
//! a new customer filled from the shop's customer template. Matching is exact and never fuzzy, so strangers are
//! never merged: near-miss emails do not match, short phone numbers never match, and a phone match is refused when
//! both sides have different emails.
//!
//! The back office needs some customer fields filled before it can invoice (posting groups, payment terms): they
//! are listed once, in [`CUSTOMER_FIELDS`], and a template that leaves one empty cannot create customers
//! ([`missing_required_fields`]); the order import turns that into CUSTOMER_TEMPLATE_INCOMPLETE.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;

/// One back-office customer field a template can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerField {
    pub name: &'static str,
    /// Whether the back office refuses a customer without it.
    pub required: bool,
    pub description: &'static str,
}

/// The back-office customer fields templates fill: the one place that says which are required.
///
/// They follow what an ERP needs to post a sales invoice for a customer: the receivables account (customer
/// posting group), the general and VAT business posting groups that pick revenue and tax accounts, and payment
/// terms. The others are optional defaults.
pub const CUSTOMER_FIELDS: &[CustomerField] = &[
    field("customer_posting_group", true, "Receivables account group, e.g. DOMESTIC or FOREIGN."),
    field("gen_bus_posting_group", true, "General business posting group: which revenue accounts sales post to."),
    field("vat_bus_posting_group", true, "VAT business posting group: how sales to the customer are taxed."),
    field("payment_terms_code", true, "Payment terms, e.g. PREPAID or NET30."),
    field("currency_code", false, "Invoicing currency; empty for the back office's own currency."),
    field("payment_method_code", false, "How the customer pays, e.g. SHOPIFY or BANK."),
    field("language_code", false, "Language of documents sent to the customer."),
    field("shipment_method_code", false, "Default delivery terms."),
    field("salesperson_code", false, "Salesperson responsible for the customer."),
];

const fn field(name: &'static str, required: bool, description: &'static str) -> CustomerField {
    CustomerField { name, required, description }
}

/// The required customer fields `template` leaves empty, in the order of [`CUSTOMER_FIELDS`].
pub fn missing_required_fields(template: &CustomerTemplate) -> Vec<&'static str> {
    CUSTOMER_FIELDS
        .iter()
        .filter(|f| f.required && template.fields.get(f.name).is_none_or(|v| v.trim().is_empty()))
        .map(|f| f.name)
        .collect()
}

/// The known customer field called `name`.
pub fn customer_field(name: &str) -> Option<&'static CustomerField> {
    CUSTOMER_FIELDS.iter().find(|f| f.name == name)
}

/// The matching key of an email: trimmed, lower case; `None` when empty or without `@`.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    (email.contains('@') && email.len() >= 3).then_some(email)
}

/// The matching key of a phone number: its digits, with a leading `+` kept (`00` as international prefix becomes
/// `+`); spaces, dashes, dots and parentheses are dropped. `None` when it has fewer than 7 digits (too short to
/// tell two people apart) or contains letters.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let phone = phone.trim();
    let mut out = String::new();
    for (i, c) in phone.chars().enumerate() {
        match c {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
    }
    if let Some(rest) = out.strip_prefix("00") {
        out = format!("+{rest}");
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    (digits >= 7).then_some(out)
}

/// A postal address, as Shopify gives it and the back office keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province or state code (`CA`, `NH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// ISO alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Address {
    /// The address on one line, parts that are set only.
    pub fn one_line(&self) -> String {
        let zip_city = [self.zip.as_deref(), self.city.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let parts = [
            self.name.as_deref(),
            self.company.as_deref(),
            self.address1.as_deref(),
            self.address2.as_deref(),
            Some(zip_city.as_str()),
            self.province_code.as_deref(),
            self.country_code.as_deref(),
        ];
        parts.into_iter().flatten().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(", ")
    }
}

/// A back-office customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub id: i64,
    /// From the `customer` number series: `C-000001`.
    pub number: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub addresses: Vec<Address>,
    /// Back-office fields (posting groups ...), filled from the template at creation.
    pub fields: BTreeMap<String, String>,
    pub template_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What creating a customer by hand needs.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub addresses: Vec<Address>,
    pub fields: BTreeMap<String, String>,
    pub template_code: Option<String>,
}

/// Defaults for new customers' back-office fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerTemplate {
    pub code: String,
    pub description: String,
    /// Field name -> value, names from [`CUSTOMER_FIELDS`].
    pub fields: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// How a Shopify customer was linked to its back-office customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Email,
    Phone,
    /// A new back-office customer was created for it.
    Created,
    /// A person linked them.
    Manual,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Email => "email",
            MatchedBy::Phone => "phone",
            MatchedBy::Created => "created",
            MatchedBy::Manual => "manual",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<MatchedBy> {
        [MatchedBy::Email, MatchedBy::Phone, MatchedBy::Created, MatchedBy::Manual]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

impl fmt::Display for MatchedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The link between a Shopify customer and a back-office customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerLink {
    pub shop_id: i64,
    /// The Shopify customer's global id.
    pub shopify_customer_id: String,
    pub customer_id: i64,
    pub matched_by: MatchedBy,
    /// Shopify `updatedAt` of the version last applied to the back-office customer.
    pub shopify_updated_at: Option<String>,
    /// The hash of that version's content ([`ShopifyCustomerInput::content_hash`]): a version of the same second
    /// (Shopify's `updatedAt` has whole seconds) is applied when its content differs.
    #[serde(skip)]
    pub shopify_hash: Option<String>,
    pub linked_at: String,
}

/// A Shopify customer as the customer and order imports read it.
#[derive(Debug, Clone, Default)]
pub struct ShopifyCustomerInput {
    /// Global id, `gid://shopify/Customer/1`.
    pub shopify_customer_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub addresses: Vec<Address>,
    /// Shopify `updatedAt`; a linked customer is updated only from a newer version, or one of the same second
    /// whose content differs.
    pub shopify_updated_at: Option<String>,
}

impl ShopifyCustomerInput {
    /// A hash of what the back office takes from this version (name, email, phone, addresses).
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let content = serde_json::json!([self.name, self.email, self.phone, self.addresses]);
        hex::encode(Sha256::digest(content.to_string().as_bytes()))
    }
}

/// What became of one Shopify customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerResolution {
    pub shopify_customer_id: String,
    /// The back-office customer; `None` when a new one was needed and the template cannot create it.
    pub customer: Option<Customer>,
    pub matched_by: Option<MatchedBy>,
    /// A new back-office customer was created.
    pub created: bool,
    /// An already linked customer took newer contact data from Shopify.
    pub updated: bool,
    /// Why no customer could be created: the template's empty required fields (all of them when there is no
    /// template). The order import reports these as CUSTOMER_TEMPLATE_INCOMPLETE.
    pub missing_fields: Vec<&'static str>,
}

/// Which customers to list.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Part of the number, name, email or phone, case-insensitive.
    pub search: Option<String>,
    /// At most this many (0: 50).
    pub limit: u32,
    pub offset: u32,
}

/// Customers, templates and links.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates a customer with the next number of the `customer` series.
    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer>;
    /// The customer with this number.
    async fn customer(&self, number: &str) -> Result<Option<Customer>>;
    async fn customer_by_id(&self, id: i64) -> Result<Option<Customer>>;
    /// Customers by number.
    async fn customers(&self, query: &CustomerQuery) -> Result<Vec<Customer>>;
    /// The customer whose normalised email equals `email`'s, else whose normalised phone equals `phone`'s
    /// (refused when both sides have different emails). The oldest one when several share the key.
    async fn find_customer(&self, email: Option<&str>, phone: Option<&str>) -> Result<Option<(Customer, MatchedBy)>>;

    /// Every template, by code.
    async fn customer_templates(&self) -> Result<Vec<CustomerTemplate>>;
    async fn customer_template(&self, code: &str) -> Result<Option<CustomerTemplate>>;
    /// Creates or replaces a template: `description` `None` keeps the stored one, `fields` replace the stored ones.
    async fn save_customer_template(
        &self,
        code: &str,
        description: Option<&str>,
        fields: &BTreeMap<String, String>,
    ) -> Result<CustomerTemplate>;
    /// Deletes a template; returns whether it existed.
    async fn remove_customer_template(&self, code: &str) -> Result<bool>;

    /// The link of a Shopify customer.
    async fn customer_link(&self, shop_id: i64, shopify_customer_id: &str) -> Result<Option<CustomerLink>>;
    /// The Shopify `updatedAt` of the version each of these Shopify customers was last read at, as the store holds
    /// it (normalised); customers not linked, or linked without a version (an order's view), are left out. The
    /// customer probe compares it with Shopify's to read only what changed.
    async fn shopify_customer_versions(
        &self,
        shop_id: i64,
        shopify_customer_ids: &[String],
    ) -> Result<BTreeMap<String, String>>;
    /// How many linked Shopify customers the store holds at a version in `[updated_from, updated_before)` (a bound
    /// left `None` is open; bounds are normalised times): compared with Shopify's count of the probe's overlap.
    async fn count_shopify_customers(
        &self,
        shop_id: i64,
        updated_from: Option<&str>,
        updated_before: Option<&str>,
    ) -> Result<u64>;
    /// Every Shopify customer linked to a back-office customer.
    async fn customer_links_of(&self, customer_id: i64) -> Result<Vec<CustomerLink>>;
    /// Links (or relinks) a Shopify customer to a back-office customer.
    async fn link_customer(
        &self,
        shop_id: i64,
        shopify_customer_id: &str,
        customer_id: i64,
        matched_by: MatchedBy,
    ) -> Result<CustomerLink>;
    /// Resolves Shopify customers to back-office customers in one transaction: the existing link (updating the
    /// customer's name, email, phone and addresses from a newer Shopify version), else a match by email then
    /// phone (linked, the customer left as it is), else a new customer created from `template`. Without a
    /// complete template, a customer that would need creating is left unresolved with the missing fields named.
    async fn resolve_shopify_customers(
        &self,
        shop_id: i64,
        customers: &[ShopifyCustomerInput],
        template: Option<&CustomerTemplate>,
    ) -> Result<Vec<CustomerResolution>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalise_to_trimmed_lower_case() {
        assert_eq!(normalize_email("  Anna.Berg@Example.COM ").as_deref(), Some("anna.berg@example.com"));
        assert_eq!(normalize_email(""), None);
        assert_eq!(normalize_email("no-at-sign"), None);
    }

    #[test]
    fn phones_normalise_to_digits_with_a_leading_plus() {
        assert_eq!(normalize_phone("+31 (0)6-1234 5678").as_deref(), Some("+310612345678"));
        assert_eq!(normalize_phone("+1 (555) 010-9999").as_deref(), Some("+15550109999"));
        assert_eq!(normalize_phone("0031 6 12345678").as_deref(), Some("+31612345678"));
        assert_eq!(normalize_phone("06.12.34.56.78").as_deref(), Some("0612345678"));
        assert_eq!(normalize_phone("12345"), None, "too short to identify anyone");
        assert_eq!(normalize_phone("call me"), None);
        assert_eq!(normalize_phone("5+5555555"), None, "a plus inside is not a phone number");
    }

    #[test]
    fn a_template_must_fill_every_required_field() {
        let mut template = CustomerTemplate {
            code: "WEB".into(),
            description: String::new(),
            fields: BTreeMap::new(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        let required: Vec<&str> = CUSTOMER_FIELDS.iter().filter(|f| f.required).map(|f| f.name).collect();
        assert_eq!(missing_required_fields(&template), required);
        for name in &required {
            template.fields.insert(name.to_string(), "X".into());
        }
        template.fields.insert("payment_terms_code".into(), "  ".into());
        assert_eq!(missing_required_fields(&template), ["payment_terms_code"]);
        template.fields.insert("payment_terms_code".into(), "NET30".into());
        assert!(missing_required_fields(&template).is_empty());
    }
}
