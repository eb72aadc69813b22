//! Shopify Payments: the account and its payouts, as far as the Admin schema exposes them
//! (`shopifyPaymentsAccount { payouts }` with `ShopifyPaymentsPayout` and its summary).

use jiff::Timestamp;
use rust_decimal::Decimal;

/// The Shopify Payments account; `None` on a shop without Shopify Payments.
#[derive(Debug, Clone, Default)]
pub struct Payments {
    pub account: Option<PaymentsAccount>,
}

/// The account and its payouts, newest last.
#[derive(Debug, Clone)]
pub struct PaymentsAccount {
    pub id: u64,
    pub country: String,
    pub payouts: Vec<Payout>,
}

/// One payout to the merchant's bank.
#[derive(Debug, Clone)]
pub struct Payout {
    pub id: u64,
    /// `SCHEDULED`, `PAID`, `FAILED`, `CANCELED`.
    pub status: &'static str,
    /// `DEPOSIT` or `WITHDRAWAL`.
    pub transaction_type: &'static str,
    pub issued_at: Timestamp,
    pub summary: PayoutSummary,
}

/// What a payout is made of: gross amounts and fees per kind.
#[derive(Debug, Clone, Default)]
pub struct PayoutSummary {
    pub charges_gross: Decimal,
    pub charges_fee: Decimal,
    pub refunds_fee_gross: Decimal,
    pub refunds_fee: Decimal,
    pub adjustments_gross: Decimal,
    pub adjustments_fee: Decimal,
    pub reserved_funds_gross: Decimal,
    pub reserved_funds_fee: Decimal,
    pub retried_payouts_gross: Decimal,
    pub retried_payouts_fee: Decimal,
    pub advance_gross: Decimal,
    pub advance_fees: Decimal,
}

impl Payout {
    /// Gross amounts less fees (refunds are negative gross amounts).
    pub fn net(&self) -> Decimal {
        let s = &self.summary;
        s.charges_gross - s.charges_fee + s.refunds_fee_gross - s.refunds_fee + s.adjustments_gross - s.adjustments_fee
            + s.reserved_funds_gross
            - s.reserved_funds_fee
            + s.retried_payouts_gross
            - s.retried_payouts_fee
            + s.advance_gross
            - s.advance_fees
    }
}
