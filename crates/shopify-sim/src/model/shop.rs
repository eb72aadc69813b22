//! The shop itself.

use jiff::Timestamp;
use serde::Serialize;

/// The store's shop record.
#[derive(Debug, Clone, Serialize)]
pub struct Shop {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub myshopify_domain: String,
    pub currency_code: String,
    pub iana_timezone: String,
    pub timezone_abbreviation: String,
    pub plan_display_name: String,
    pub weight_unit: String,
    pub country_code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
