//! Shopify Payments payouts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use super::products::SearchPageVariables;
use super::{MoneyV2, document, u64_from_string_or_number};
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/payouts.graphql`: 50 payouts per page, newest first.
#[derive(Debug, Clone, Copy)]
pub struct Payouts;

impl Operation for Payouts {
    const NAME: &'static str = "Payouts";
    const DOCUMENT: &'static str = document!("payouts.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 753;
    type Variables = SearchPageVariables;
    type Data = PayoutsData;
}

impl PagedOperation for Payouts {
    type Node = Payout;
    fn page_info(data: &PayoutsData) -> Option<&PageInfo> {
        data.shopify_payments_account.as_ref().map(|a| &a.payouts.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: PayoutsData) -> Vec<Payout> {
        data.shopify_payments_account.map(|a| a.payouts.nodes).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutsData {
    /// `None` when the shop does not use Shopify Payments.
    pub shopify_payments_account: Option<PaymentsAccount>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentsAccount {
    pub id: Gid,
    pub default_currency: String,
    pub payouts: Connection<Payout>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payout {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub issued_at: Timestamp,
    /// `SCHEDULED`, `IN_TRANSIT`, `PAID`, `FAILED`, `CANCELED`.
    pub status: String,
    /// `DEPOSIT` or `WITHDRAWAL`.
    pub transaction_type: String,
    pub net: MoneyV2,
    pub summary: PayoutSummary,
}

/// What a payout is made of: gross amounts and fees per kind.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutSummary {
    pub charges_gross: MoneyV2,
    pub charges_fee: MoneyV2,
    pub refunds_fee_gross: MoneyV2,
    pub refunds_fee: MoneyV2,
    pub adjustments_gross: MoneyV2,
    pub adjustments_fee: MoneyV2,
    pub reserved_funds_gross: MoneyV2,
    pub reserved_funds_fee: MoneyV2,
    pub retried_payouts_gross: MoneyV2,
    pub retried_payouts_fee: MoneyV2,
    pub advance_gross: MoneyV2,
    pub advance_fees: MoneyV2,
}
