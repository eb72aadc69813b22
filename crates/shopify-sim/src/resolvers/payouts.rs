//! `shopifyPaymentsAccount { payouts }`: the seeded Shopify Payments account and its payouts
//! (sorted by `ISSUED_AT` by default, searchable by `status`, `issued_at` and `id`).

use std::rc::Rc;

use serde_json::{Value as Json, json};

use super::orders::money;
use super::{leaf, object, text, time};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::payouts::{PaymentsAccount, Payout, PayoutSummary};
use crate::registry::Registry;
use crate::search::{Query, Searchable, Term};

pub fn register(registry: &mut Registry) {
    registry
        .query("shopifyPaymentsAccount", |_, ctx| {
            Ok(ctx
                .store
                .payments
                .account
                .as_ref()
                .map_or(Output::Null, |account| Output::Object(Rc::new(AccountObject(account)))))
        })
        .node("ShopifyPaymentsAccount", |id, ctx| {
            let account = ctx.store.payments.account.as_ref().filter(|account| account.id == id)?;
            Some(Rc::new(AccountObject(account)) as Rc<dyn Object>)
        })
        .node("ShopifyPaymentsPayout", |id, ctx| {
            let account = ctx.store.payments.account.as_ref()?;
            let payout = account.payouts.iter().find(|payout| payout.id == id)?;
            Some(Rc::new(PayoutObject(payout)) as Rc<dyn Object>)
        });
}

struct AccountObject<'s>(&'s PaymentsAccount);

impl Object for AccountObject<'_> {
    fn type_name(&self) -> &'static str {
        "ShopifyPaymentsAccount"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let account = self.0;
        match call.name() {
            "id" => leaf(Json::String(gid::format("ShopifyPaymentsAccount", account.id))),
            "activated" | "onboardable" => leaf(json!(call.name() == "activated")),
            "country" => text(&account.country),
            "defaultCurrency" => text(&ctx.store.shop.currency_code),
            "accountOpenerName" | "payoutStatementDescriptor" | "chargeStatementDescriptors" => Ok(Output::Null),
            "payouts" => {
                let request = PageRequest::from_call(call)?;
                let query = Query::parse(call.arg_str("query").unwrap_or(""));
                let transaction_type = call.arg_str("transactionType");
                let items: Vec<(SortKey, &Payout)> = account
                    .payouts
                    .iter()
                    .filter(|payout| transaction_type.is_none_or(|wanted| wanted == payout.transaction_type))
                    .filter(|payout| query.matches(*payout))
                    .map(|payout| (SortKey::int(payout.issued_at.as_second(), payout.id), payout))
                    .collect();
                Connection::new(
                    "ShopifyPaymentsPayoutConnection",
                    "ShopifyPaymentsPayoutEdge",
                    paginate(items, &request),
                    |payout| Rc::new(PayoutObject(payout)) as Rc<dyn Object>,
                )
                .output()
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

impl Searchable for Payout {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        Some(match field {
            "id" => term.matches_number(self.id as i64),
            "status" => term.matches_text(self.status),
            "issued_at" => term.matches_time(self.issued_at),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.status.eq_ignore_ascii_case(text)
    }
}

struct PayoutObject<'s>(&'s Payout);

impl Object for PayoutObject<'_> {
    fn type_name(&self) -> &'static str {
        "ShopifyPaymentsPayout"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let payout = self.0;
        match call.name() {
            "id" => leaf(Json::String(gid::format("ShopifyPaymentsPayout", payout.id))),
            "legacyResourceId" => text(&payout.id.to_string()),
            "issuedAt" => time(payout.issued_at),
            "status" => text(payout.status),
            "transactionType" => text(payout.transaction_type),
            "net" => money(ctx, payout.net()),
            "summary" => object(SummaryObject(&payout.summary)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct SummaryObject<'s>(&'s PayoutSummary);

impl Object for SummaryObject<'_> {
    fn type_name(&self) -> &'static str {
        "ShopifyPaymentsPayoutSummary"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let s = self.0;
        let amount = match call.name() {
            "chargesGross" => s.charges_gross,
            "chargesFee" => s.charges_fee,
            "refundsFeeGross" => s.refunds_fee_gross,
            "refundsFee" => s.refunds_fee,
            "adjustmentsGross" => s.adjustments_gross,
            "adjustmentsFee" => s.adjustments_fee,
            "reservedFundsGross" => s.reserved_funds_gross,
            "reservedFundsFee" => s.reserved_funds_fee,
            "retriedPayoutsGross" => s.retried_payouts_gross,
            "retriedPayoutsFee" => s.retried_payouts_fee,
            "advanceGross" => s.advance_gross,
            "advanceFees" => s.advance_fees,
            _ => return Err(FieldError::NotImplemented),
        };
        money(ctx, amount)
    }
}
