//! The row types both backends return for customers, their Shopify links and templates, and their conversions.

use std::collections::BTreeMap;

use crate::customers::{Address, Customer, CustomerLink, CustomerTemplate, MatchedBy};
use crate::{Result, StoreError};

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerRow {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) addresses: String,
    pub(crate) fields: String,
    pub(crate) template_code: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl CustomerRow {
    pub(crate) fn into_customer(self) -> Result<Customer> {
        let addresses: Vec<Address> = serde_json::from_str(&self.addresses)?;
        let fields: BTreeMap<String, String> = serde_json::from_str(&self.fields)?;
        Ok(Customer {
            id: self.id,
            number: self.number,
            name: self.name,
            email: self.email,
            phone: self.phone,
            addresses,
            fields,
            template_code: self.template_code,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A link and its customer, read together.
#[derive(sqlx::FromRow)]
pub(crate) struct LinkedRow {
    #[sqlx(flatten)]
    pub(crate) link: LinkRow,
    #[sqlx(flatten)]
    pub(crate) customer: CustomerRow,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TemplateRow {
    pub(crate) code: String,
    pub(crate) description: String,
    pub(crate) fields: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl TemplateRow {
    pub(crate) fn into_template(self) -> Result<CustomerTemplate> {
        Ok(CustomerTemplate {
            code: self.code,
            description: self.description,
            fields: serde_json::from_str(&self.fields)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    pub(crate) shop_id: i64,
    pub(crate) shopify_customer_id: String,
    pub(crate) customer_id: i64,
    pub(crate) matched_by: String,
    pub(crate) shopify_updated_at: Option<String>,
    pub(crate) shopify_hash: Option<String>,
    pub(crate) linked_at: String,
}

impl LinkRow {
    pub(crate) fn into_link(self) -> Result<CustomerLink> {
        let matched_by = MatchedBy::parse(&self.matched_by)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown customer link kind `{}`", self.matched_by)))?;
        Ok(CustomerLink {
            shop_id: self.shop_id,
            shopify_customer_id: self.shopify_customer_id,
            customer_id: self.customer_id,
            matched_by,
            shopify_updated_at: self.shopify_updated_at,
            shopify_hash: self.shopify_hash,
            linked_at: self.linked_at,
        })
    }
}
