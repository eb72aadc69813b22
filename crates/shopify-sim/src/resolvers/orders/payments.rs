//! Money moved after checkout: transactions, refunds and returns, and gateway names.

use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::json;

use super::fulfillment::FulfillmentLineItemObject;
use super::lines::LineItemObject;
use super::order::OrderObject;
use super::values::{bag, list_connection, optional, owned};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{Order, Refund, RefundLineItem, Return, ReturnLineItem, Transaction};
use crate::resolvers::catalog::LocationObject;
use crate::resolvers::{leaf, object, optional_text, text, time};

// ---------------------------------------------------------------------------------------------
// Transactions, refunds, returns
// ---------------------------------------------------------------------------------------------

pub(super) struct TransactionObject<'s> {
    pub(super) order: &'s Order,
    pub(super) transaction: &'s Transaction,
}

impl Object for TransactionObject<'_> {
    fn type_name(&self) -> &'static str {
        "OrderTransaction"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, transaction) = (self.order, self.transaction);
        match call.name() {
            "id" => owned(gid::format("OrderTransaction", transaction.id)),
            "kind" => text(transaction.kind),
            "status" => text(transaction.status),
            "gateway" => text(&transaction.gateway),
            "formattedGateway" => text(&formatted_gateway(&transaction.gateway)),
            "test" => leaf(json!(transaction.test)),
            "createdAt" => time(transaction.created_at),
            "processedAt" => time(transaction.processed_at),
            "errorCode" => optional_text(transaction.error_code),
            "amountSet" => bag(ctx, transaction.amount),
            "manualPaymentGateway" => leaf(json!(transaction.gateway.as_ref() == "manual")),
            "manuallyCapturable" | "multiCapturable" => leaf(json!(false)),
            "parentTransaction" => optional(
                transaction.parent_id.and_then(|id| order.transactions.iter().find(|parent| parent.id == id)),
                |parent| Rc::new(TransactionObject { order, transaction: parent }),
            ),
            "order" => object(OrderObject(order)),
            "paymentId" => owned(format!("{}.{}", order.name(), transaction.id % 100)),
            "fees" => leaf(json!([])),
            "accountNumber"
            | "authorizationCode"
            | "authorizationExpiresAt"
            | "paymentDetails"
            | "paymentIcon"
            | "receiptJson"
            | "settlementCurrency"
            | "settlementCurrencyRate"
            | "shopifyPaymentsSet"
            | "totalUnsettledSet"
            | "amountRoundingSet"
            | "maximumRefundableV2"
            | "user" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct RefundObject<'s> {
    pub(super) order: &'s Order,
    pub(super) refund: &'s Refund,
}

impl Object for RefundObject<'_> {
    fn type_name(&self) -> &'static str {
        "Refund"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, refund) = (self.order, self.refund);
        let transactions =
            || refund.transaction_ids.iter().filter_map(|id| order.transactions.iter().find(|t| t.id == *id));
        match call.name() {
            "id" => owned(gid::format("Refund", refund.id)),
            "legacyResourceId" => text(&refund.id.to_string()),
            "createdAt" | "updatedAt" => time(refund.created_at),
            "note" => optional_text(refund.note.as_deref()),
            "order" => object(OrderObject(order)),
            "totalRefundedSet" => bag(ctx, transactions().map(|transaction| transaction.amount).sum()),
            "refundLineItems" => list_connection(
                call,
                "RefundLineItemConnection",
                "RefundLineItemEdge",
                refund.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(RefundLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "transactions" => list_connection(
                call,
                "OrderTransactionConnection",
                "OrderTransactionEdge",
                transactions().map(|transaction| (transaction.id, transaction)),
                |transaction| Rc::new(TransactionObject { order, transaction }) as Rc<dyn Object>,
            ),
            "orderAdjustments" => list_connection(
                call,
                "OrderAdjustmentConnection",
                "OrderAdjustmentEdge",
                std::iter::empty::<(u64, ())>(),
                |_| unreachable_object(),
            ),
            "refundShippingLines" => list_connection(
                call,
                "RefundShippingLineConnection",
                "RefundShippingLineEdge",
                std::iter::empty::<(u64, ())>(),
                |_| unreachable_object(),
            ),
            "duties" => leaf(json!([])),
            "return" | "staffMember" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// For connections that are always empty in the simulator: never called.
fn unreachable_object<'a>() -> Rc<dyn Object + 'a> {
    Rc::new(Empty)
}

struct Empty;

impl Object for Empty {
    fn type_name(&self) -> &'static str {
        "Node"
    }

    fn field<'a>(&'a self, _call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        Err(FieldError::NotImplemented)
    }
}

struct RefundLineItemObject<'s> {
    order: &'s Order,
    item: &'s RefundLineItem,
}

impl Object for RefundLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "RefundLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        match call.name() {
            "id" => owned(gid::format("RefundLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "restockType" => text(item.restock_type),
            "restocked" => leaf(json!(matches!(item.restock_type, "RETURN" | "CANCEL" | "LEGACY_RESTOCK"))),
            "lineItem" => match order.line_item(item.line_item_id) {
                Some(line) => object(LineItemObject { order, line }),
                None => Ok(Output::Null),
            },
            "location" => optional(item.location_id.and_then(|id| ctx.store.catalog.locations.get(&id)), |location| {
                Rc::new(LocationObject(location))
            }),
            "priceSet" => bag(ctx, order.line_item(item.line_item_id).map_or(Decimal::ZERO, |line| line.price)),
            "subtotalSet" => bag(ctx, item.subtotal),
            "totalTaxSet" => bag(ctx, item.total_tax),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct ReturnObject<'s> {
    pub(super) order: &'s Order,
    pub(super) ret: &'s Return,
}

impl Object for ReturnObject<'_> {
    fn type_name(&self) -> &'static str {
        "Return"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, ret) = (self.order, self.ret);
        match call.name() {
            "id" => owned(gid::format("Return", ret.id)),
            "name" => text(&ret.name),
            "status" => text(ret.status),
            "totalQuantity" => leaf(json!(ret.line_items.iter().map(|item| item.quantity).sum::<u32>())),
            "order" => object(OrderObject(order)),
            "returnLineItems" => list_connection(
                call,
                "ReturnLineItemTypeConnection",
                "ReturnLineItemTypeEdge",
                ret.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(ReturnLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "returnShippingFees" => leaf(json!([])),
            "decline" | "suggestedRefund" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct ReturnLineItemObject<'s> {
    pub(super) order: &'s Order,
    pub(super) item: &'s ReturnLineItem,
}

impl Object for ReturnLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "ReturnLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        match call.name() {
            "id" => owned(gid::format("ReturnLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "refundableQuantity" => leaf(json!(item.quantity)),
            "refundedQuantity" => leaf(json!(0)),
            "returnReason" => text(item.return_reason),
            "returnReasonNote" => text(&item.return_reason_note),
            "customerNote" => optional_text(item.customer_note.as_deref()),
            "fulfillmentLineItem" => {
                let found = order
                    .fulfillments
                    .iter()
                    .flat_map(|fulfillment| &fulfillment.line_items)
                    .find(|line| line.id == item.fulfillment_line_item_id);
                match found {
                    Some(line) => object(FulfillmentLineItemObject { order, item: line }),
                    None => Ok(Output::Null),
                }
            }
            "restockingFee" | "totalWeight" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The name a person reads for a payment gateway (`formattedGateway`), as Shopify shows it.
pub fn formatted_gateway(gateway: &str) -> String {
    match gateway {
        "shopify_payments" => "Shopify Payments".to_string(),
        "bank_deposit" => "Bank Deposit".to_string(),
        "manual" => "Manual".to_string(),
        "cash" => "Cash".to_string(),
        "paypal" => "PayPal".to_string(),
        "gift_card" => "Gift Card".to_string(),
        "bogus" => "Bogus".to_string(),
        "cash_on_delivery" => "Cash on Delivery (COD)".to_string(),
        other => {
            // Unknown gateways: words of the handle, each capitalised ("money_order" → "Money Order").
            other
                .split(['_', '-'])
                .filter(|word| !word.is_empty())
                .map(|word| {
                    let mut chars = word.chars();
                    chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
