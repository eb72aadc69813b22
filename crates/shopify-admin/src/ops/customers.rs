//! Customers, read incrementally by update time: a page of the import, the cheap probe (ids and update times, and
//! two counts) and the read by id of the customers the probe found changed.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use super::order_probe::{ProbeCount, ProbedNode};
pub use super::products::SearchPageVariables;
use super::{MoneyV2, document, u64_from_string_or_number};
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/customers_page.graphql`: 50 customers per page, oldest change
/// first, with up to 5 addresses each.
#[derive(Debug, Clone, Copy)]
pub struct CustomersPage;

impl Operation for CustomersPage {
    const NAME: &'static str = "CustomersPage";
    const DOCUMENT: &'static str = document!("customers_page.graphql", "customer.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 652;
    type Variables = SearchPageVariables;
    type Data = CustomersPageData;
}

impl PagedOperation for CustomersPage {
    type Node = Customer;
    fn page_info(data: &CustomersPageData) -> Option<&PageInfo> {
        Some(&data.customers.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: CustomersPageData) -> Vec<Customer> {
        data.customers.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CustomersPageData {
    pub customers: Connection<Customer>,
}

/// `graphql/customers_by_ids.graphql`: up to 50 customers by id, with the fields of [`CustomersPage`].
#[derive(Debug, Clone, Copy)]
pub struct CustomersByIds;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomersByIdsVariables {
    pub ids: Vec<Gid>,
}

impl CustomersByIdsVariables {
    /// Ids per request: 50 customers cost what a page of [`CustomersPage`] costs, under the 1,000-point limit.
    pub const MAX_IDS: usize = 50;
}

impl Operation for CustomersByIds {
    const NAME: &'static str = "CustomersByIds";
    const DOCUMENT: &'static str = document!("customers_by_ids.graphql", "customer.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 650;
    type Variables = CustomersByIdsVariables;
    type Data = CustomersByIdsData;

    fn check_variables(variables: &CustomersByIdsVariables) -> Result<(), String> {
        let n = variables.ids.len();
        if n > CustomersByIdsVariables::MAX_IDS {
            return Err(format!(
                "{n} customer ids in one call, this read takes at most {}",
                CustomersByIdsVariables::MAX_IDS
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CustomersByIdsData {
    /// One entry per requested id, in order; `None` when the customer no longer exists.
    pub nodes: Vec<Option<Customer>>,
}

/// `graphql/customers_probe.graphql`: 250 customers per page, id and `updatedAt` only, oldest change first.
#[derive(Debug, Clone, Copy)]
pub struct CustomersProbe;

impl CustomersProbe {
    /// Customers per page.
    pub const PAGE_SIZE: usize = 250;
}

impl Operation for CustomersProbe {
    const NAME: &'static str = "CustomersProbe";
    const DOCUMENT: &'static str = document!("customers_probe.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 252;
    type Variables = SearchPageVariables;
    type Data = CustomersProbeData;
}

impl PagedOperation for CustomersProbe {
    type Node = ProbedNode;
    fn page_info(data: &CustomersProbeData) -> Option<&PageInfo> {
        Some(&data.customers.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: CustomersProbeData) -> Vec<ProbedNode> {
        data.customers.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CustomersProbeData {
    pub customers: Connection<ProbedNode>,
}

/// `graphql/customers_probe_counts.graphql`: two customer counts in one request.
#[derive(Debug, Clone, Copy)]
pub struct CustomersProbeCounts;

/// The searches of the two counts (the same shape as the order probe's).
pub use super::order_probe::OrdersProbeCountsVariables as ProbeCountsVariables;

impl Operation for CustomersProbeCounts {
    const NAME: &'static str = "CustomersProbeCounts";
    const DOCUMENT: &'static str = document!("customers_probe_counts.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 2;
    type Variables = ProbeCountsVariables;
    type Data = CustomersProbeCountsData;
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomersProbeCountsData {
    pub newer: Option<ProbeCount>,
    pub overlap: Option<ProbeCount>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub note: Option<String>,
    pub tags: Vec<String>,
    /// `ENABLED`, `DISABLED`, `INVITED`, `DECLINED`.
    pub state: String,
    pub tax_exempt: bool,
    pub verified_email: bool,
    pub locale: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub number_of_orders: u64,
    pub default_email_address: Option<CustomerEmail>,
    pub default_phone_number: Option<CustomerPhone>,
    pub amount_spent: MoneyV2,
    pub default_address: Option<CustomerAddress>,
    #[serde(rename = "addressesV2")]
    pub addresses: Connection<CustomerAddress>,
}

impl Customer {
    pub fn email(&self) -> Option<&str> {
        self.default_email_address.as_ref().map(|e| e.email_address.as_str())
    }

    pub fn phone(&self) -> Option<&str> {
        self.default_phone_number.as_ref().map(|p| p.phone_number.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerEmail {
    pub email_address: String,
    pub marketing_state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPhone {
    pub phone_number: String,
    pub sms_marketing_consent: SmsMarketingConsent,
}

/// The SMS marketing consent of a phone number (2026-10 replaced `CustomerPhoneNumber.marketingState`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsMarketingConsent {
    /// `CustomerMarketingConsentState`: `SUBSCRIBED`, `NEVER_SUBSCRIBED`, `UNSUBSCRIBED` ...
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAddress {
    pub id: Gid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    #[serde(rename = "countryCodeV2")]
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

impl Customer {
    /// Builds a customer from a root object of [`customers_bulk_query`]'s
    /// result: its nested address rows become the (complete) address list.
    pub fn from_bulk(object: crate::bulk::BulkObject) -> Result<Customer, serde_json::Error> {
        let crate::bulk::BulkObject { mut value, children } = object;
        let addresses: Vec<serde_json::Value> = children.into_iter().map(|c| c.value).collect();
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "addressesV2".into(),
                serde_json::json!({ "nodes": addresses, "pageInfo": { "hasNextPage": false, "endCursor": null } }),
            );
        }
        serde_json::from_value(value)
    }
}

/// The bulk query of the customer import: every customer matching `search`
/// (`None` for all) with the fields of [`CustomersPage`] and every address.
pub fn customers_bulk_query(search: Option<&str>) -> String {
    let arguments = match search {
        Some(search) => format!(
            "(query: {}, sortKey: UPDATED_AT)",
            serde_json::to_string(search).unwrap_or_else(|_| "\"\"".to_owned())
        ),
        None => "(sortKey: UPDATED_AT)".to_owned(),
    };
    CUSTOMERS_BULK_QUERY.replace("(ARGUMENTS)", &arguments)
}

/// The bulk document with an `(ARGUMENTS)` placeholder; the fields of
/// `customers_page.graphql`, connections through `edges { node }`.
const CUSTOMERS_BULK_QUERY: &str = r#"{
  customers(ARGUMENTS) {
    edges {
      node {
        id
        legacyResourceId
        firstName
        lastName
        displayName
        note
        tags
        state
        taxExempt
        verifiedEmail
        locale
        createdAt
        updatedAt
        numberOfOrders
        defaultEmailAddress { emailAddress marketingState }
        defaultPhoneNumber { phoneNumber smsMarketingConsent { state } }
        amountSpent { amount currencyCode }
        defaultAddress { id firstName lastName company address1 address2 city zip province provinceCode countryCodeV2 phone }
        addressesV2 {
          edges {
            node { id firstName lastName company address1 address2 city zip province provinceCode countryCodeV2 phone }
          }
        }
      }
    }
  }
}"#;
