//! The `Order` object, with the fixed objects only an order carries (risk, business entity, cash
//! rounding).

use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::fulfillment::{FulfillmentObject, FulfillmentOrderObject};
use super::lines::{
    DiscountApplicationObject, LineItemObject, MailingAddressObject, OwnedTaxLine, PaymentTermsObject,
    ShippingLineObject,
};
use super::payments::{RefundObject, ReturnObject, TransactionObject};
use super::search::FulfillmentOrderSearch;
use super::values::{attributes, bag, first_of, list_connection, optional, owned};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{Address, Order, TaxLine};
use crate::resolvers::customers::CustomerObject;
use crate::resolvers::{Count, leaf, object, optional_text, strings, text, time};
use crate::search::Query;

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

/// `Order`.
pub struct OrderObject<'s>(pub &'s Order);

impl Object for OrderObject<'_> {
    fn type_name(&self) -> &'static str {
        "Order"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let order = self.0;
        let store = ctx.store;
        if let Some(resolved) = crate::resolvers::metafields::owner_field("Order", order.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            // The number the name is made of with the shop's prefix (`#`) and suffix.
            "number" => Ok(Output::Value(Json::from(order.number))),
            "risk" => object(RiskSummary),
            "merchantBusinessEntity" => object(BusinessEntityObject(&store.shop)),
            "totalCashRoundingAdjustment" => object(CashRounding),
            "id" => owned(gid::format("Order", order.id)),
            "legacyResourceId" => owned(order.id.to_string()),
            "name" => owned(order.name()),
            "email" => optional_text(order.email.as_deref()),
            "phone" => optional_text(order.phone.as_deref()),
            "createdAt" => time(order.created_at),
            "updatedAt" => time(order.updated_at),
            "processedAt" => time(order.processed_at),
            "cancelledAt" => {
                Ok(order.cancelled_at.map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at)))))
            }
            "cancelReason" => optional_text(order.cancel_reason.map(|reason| reason.as_graphql())),
            "closed" => leaf(json!(order.closed())),
            "closedAt" => {
                Ok(order.closed_at.map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at)))))
            }
            "confirmed" => leaf(json!(true)),
            "test" => leaf(json!(order.test)),
            "note" => optional_text(order.note.as_deref()),
            "tags" => strings(&order.tags),
            "sourceName" => text(&order.source_name),
            "sourceIdentifier"
            | "clientIp"
            | "customerJourneySummary"
            | "app"
            | "merchantOfRecordApp"
            | "physicalLocation"
            | "retailLocation"
            | "publication"
            | "purchasingEntity"
            | "staffMember"
            | "cancellation"
            | "currentTotalDutiesSet"
            | "originalTotalDutiesSet"
            | "currentTotalAdditionalFeesSet"
            | "originalTotalAdditionalFeesSet"
            | "shopifyProtect"
            | "registeredSourceUrl"
            | "channelInformation"
            | "metafield" => Ok(Output::Null),
            "poNumber" => optional_text(order.po_number.as_deref()),
            "currencyCode" | "presentmentCurrencyCode" => text(&store.shop.currency_code),
            "taxesIncluded" => leaf(json!(order.taxes_included)),
            "taxExempt" => leaf(json!(
                order.customer_id.and_then(|id| store.customers.get(id)).is_some_and(|customer| customer.tax_exempt)
            )),
            "dutiesIncluded" | "estimatedTaxes" | "edited" | "hasTimelineComment" => leaf(json!(false)),
            "displayFinancialStatus" => text(order.financial_status.as_graphql()),
            "displayFulfillmentStatus" => text(order.fulfillment_state().as_graphql()),
            "returnStatus" => text(order.return_status()),
            "discountCodes" => strings(&order.discount_codes),
            "discountCode" => optional_text(order.discount_codes.first().map(String::as_str)),
            "paymentGatewayNames" => {
                leaf(json!(order.payment_gateway_names.iter().map(|gateway| gateway.to_string()).collect::<Vec<_>>()))
            }
            "customAttributes" => attributes(&order.custom_attributes),
            "totalPriceSet" | "originalTotalPriceSet" => bag(ctx, order.total_price()),
            "subtotalPriceSet" => bag(ctx, order.subtotal()),
            "totalTaxSet" => bag(ctx, order.total_tax()),
            "totalDiscountsSet" => bag(ctx, order.total_discounts()),
            "totalShippingPriceSet" => bag(ctx, order.total_shipping()),
            "totalRefundedSet" => bag(ctx, order.total_refunded()),
            "totalOutstandingSet" => bag(ctx, order.total_outstanding()),
            "totalReceivedSet" => bag(ctx, order.total_received()),
            "netPaymentSet" => bag(ctx, order.total_received() - order.total_refunded()),
            "totalCapturableSet" => bag(ctx, order.total_capturable()),
            "currentTotalPriceSet" => bag(ctx, order.current_total_price()),
            "currentSubtotalPriceSet" => bag(ctx, order.current_subtotal()),
            "currentTotalTaxSet" => bag(ctx, order.current_total_tax()),
            "currentTotalDiscountsSet" => bag(ctx, order.current_total_discounts()),
            "currentShippingPriceSet" => bag(ctx, order.current_shipping()),
            "totalTipReceivedSet"
            | "totalRefundedShippingSet"
            | "refundDiscrepancySet"
            | "currentCartDiscountAmountSet" => bag(ctx, Decimal::ZERO),
            "cartDiscountAmountSet" => Ok(Output::Null),
            "subtotalLineItemsQuantity" => leaf(json!(order.line_items.iter().map(|line| line.quantity).sum::<u32>())),
            "currentSubtotalLineItemsQuantity" => {
                leaf(json!(order.line_items.iter().map(|line| order.current_quantity(line)).sum::<u32>()))
            }
            "totalWeight" | "currentTotalWeight" => leaf(json!(order.total_weight().to_string())),
            "paymentTerms" => {
                optional(order.payment_terms.as_ref(), |terms| Rc::new(PaymentTermsObject { order, terms }))
            }
            "customer" => optional(order.customer_id.and_then(|id| store.customers.get(id)), |customer| {
                Rc::new(CustomerObject(customer))
            }),
            "customerLocale" => optional_text(
                order.customer_id.and_then(|id| store.customers.get(id)).map(|customer| &*customer.locale),
            ),
            "customerAcceptsMarketing" => leaf(json!(
                order
                    .customer_id
                    .and_then(|id| store.customers.get(id))
                    .is_some_and(|customer| customer.email_marketing == "SUBSCRIBED")
            )),
            "shippingAddress" | "displayAddress" => {
                optional(order.shipping_address.as_deref(), |address| Rc::new(MailingAddressObject(address)))
            }
            "billingAddress" => {
                optional(order.billing_address.as_deref(), |address| Rc::new(MailingAddressObject(address)))
            }
            "billingAddressMatchesShippingAddress" => {
                let same = match (&order.billing_address, &order.shipping_address) {
                    (Some(billing), Some(shipping)) => {
                        let strip = |address: &Address| Address { id: 0, ..address.clone() };
                        strip(billing) == strip(shipping)
                    }
                    (None, None) => true,
                    _ => false,
                };
                leaf(json!(same))
            }
            "taxLines" | "currentTaxLines" => {
                let mut summed: Vec<TaxLine> = Vec::new();
                let all = order
                    .line_items
                    .iter()
                    .flat_map(|line| &line.tax_lines)
                    .chain(order.shipping_lines.iter().flat_map(|line| &line.tax_lines));
                for tax in all {
                    match summed.iter_mut().find(|existing| existing.title == tax.title && existing.rate == tax.rate) {
                        Some(existing) => existing.price += tax.price,
                        None => summed.push(tax.clone()),
                    }
                }
                Ok(Output::List(summed.into_iter().map(|tax| Output::Object(Rc::new(OwnedTaxLine(tax)))).collect()))
            }
            "shippingLines" => {
                let include_removals = call.arg_bool("includeRemovals").unwrap_or(false);
                list_connection(
                    call,
                    "ShippingLineConnection",
                    "ShippingLineEdge",
                    order
                        .shipping_lines
                        .iter()
                        .filter(|line| include_removals || !line.is_removed)
                        .map(|line| (line.id, line)),
                    |line| Rc::new(ShippingLineObject(line)) as Rc<dyn Object>,
                )
            }
            "shippingLine" => optional(order.shipping_lines.iter().find(|line| !line.is_removed), |line| {
                Rc::new(ShippingLineObject(line))
            }),
            "lineItems" => list_connection(
                call,
                "LineItemConnection",
                "LineItemEdge",
                order.line_items.iter().map(|line| (line.id, line)),
                |line| Rc::new(LineItemObject { order, line }) as Rc<dyn Object>,
            ),
            "nonFulfillableLineItems" => list_connection(
                call,
                "LineItemConnection",
                "LineItemEdge",
                order.line_items.iter().filter(|line| !line.requires_shipping).map(|line| (line.id, line)),
                |line| Rc::new(LineItemObject { order, line }) as Rc<dyn Object>,
            ),
            "discountApplications" => list_connection(
                call,
                "DiscountApplicationConnection",
                "DiscountApplicationEdge",
                order
                    .discount_applications
                    .iter()
                    .enumerate()
                    .map(|(index, application)| (index as u64, (index, application))),
                |(index, application)| Rc::new(DiscountApplicationObject { index, application }) as Rc<dyn Object>,
            ),
            "fulfillmentOrders" => {
                let query = Query::parse(call.arg_str("query").unwrap_or(""));
                list_connection(
                    call,
                    "FulfillmentOrderConnection",
                    "FulfillmentOrderEdge",
                    order
                        .fulfillment_orders
                        .iter()
                        .filter(|fo| query.matches(&FulfillmentOrderSearch { order, fo }))
                        .map(|fo| (fo.id, fo)),
                    |fo| Rc::new(FulfillmentOrderObject { order, fo }) as Rc<dyn Object>,
                )
            }
            "fulfillments" => first_of(call, order.fulfillments.iter(), |fulfillment| {
                Output::Object(Rc::new(FulfillmentObject { order, fulfillment }))
            }),
            "fulfillmentsCount" => object(Count(order.fulfillments.len())),
            "transactions" => {
                let capturable = call.arg_bool("capturable");
                first_of(
                    call,
                    order.transactions.iter().filter(|transaction| {
                        capturable.is_none_or(|wanted| (transaction.kind == "AUTHORIZATION") == wanted)
                    }),
                    |transaction| Output::Object(Rc::new(TransactionObject { order, transaction })),
                )
            }
            "transactionsCount" => object(Count(order.transactions.len())),
            "refunds" => {
                first_of(call, order.refunds.iter(), |refund| Output::Object(Rc::new(RefundObject { order, refund })))
            }
            "returns" => list_connection(
                call,
                "ReturnConnection",
                "ReturnEdge",
                order.returns.iter().map(|ret| (ret.id, ret)),
                |ret| Rc::new(ReturnObject { order, ret }) as Rc<dyn Object>,
            ),
            "requiresShipping" => leaf(json!(order.requires_shipping())),
            "fulfillable" => leaf(json!(
                !order.cancelled() && order.line_items.iter().any(|line| order.unfulfilled_quantity(line) > 0)
            )),
            "fullyPaid" => leaf(json!(order.total_outstanding().is_zero())),
            "unpaid" => leaf(json!(order.total_received().is_zero() && !order.total_price().is_zero())),
            "canMarkAsPaid" => leaf(json!(
                !order.cancelled() && matches!(order.financial_status.as_rest(), "pending" | "partially_paid")
            )),
            "capturable" => leaf(json!(!order.total_capturable().is_zero())),
            "refundable" => leaf(json!(!order.cancelled() && order.total_received() > order.total_refunded())),
            "restockable" | "merchantEditable" | "canNotifyCustomer" => leaf(json!(!order.cancelled())),
            "merchantEditableErrors" | "discountApplicationsCodes" | "additionalFees" | "disputes" | "alerts" => {
                leaf(json!([]))
            }
            "confirmationNumber" => owned(crate::model::orders::rest::confirmation_number(order.id)),
            "statusPageUrl" => owned(format!(
                "https://{}/{}/orders/{:032x}/authenticate?key=simulated",
                store.shop.myshopify_domain, store.shop.id, order.id
            )),
            "customerJourney" | "landingPageUrl" | "referrerUrl" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `OrderRiskSummary`: Shopify's own assessment of a simulated order (no provider app), low risk.
struct RiskSummary;

impl Object for RiskSummary {
    fn type_name(&self) -> &'static str {
        "OrderRiskSummary"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "recommendation" => owned("ACCEPT".to_string()),
            "assessments" => Ok(Output::List(vec![Output::Object(Rc::new(RiskAssessment))])),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RiskAssessment;

impl Object for RiskAssessment {
    fn type_name(&self) -> &'static str {
        "OrderRiskAssessment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "riskLevel" => owned("LOW".to_string()),
            // Shopify's own assessment has no provider app.
            "provider" => Ok(Output::Null),
            "facts" => Ok(Output::List(
                [
                    (
                        "Characteristics of this order are similar to non-fraudulent orders observed in the past",
                        "POSITIVE",
                    ),
                    ("The billing address matches the card's registered address", "POSITIVE"),
                    ("There was 1 payment attempt", "NEUTRAL"),
                ]
                .into_iter()
                .map(|(description, sentiment)| Output::Object(Rc::new(RiskFact { description, sentiment })))
                .collect(),
            )),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct RiskFact {
    description: &'static str,
    sentiment: &'static str,
}

impl Object for RiskFact {
    fn type_name(&self) -> &'static str {
        "RiskFact"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "description" => owned(self.description.to_string()),
            "sentiment" => owned(self.sentiment.to_string()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `BusinessEntity`: the shop's one (primary) business entity, which every order belongs to.
struct BusinessEntityObject<'s>(&'s crate::model::shop::Shop);

impl Object for BusinessEntityObject<'_> {
    fn type_name(&self) -> &'static str {
        "BusinessEntity"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let shop = self.0;
        match call.name() {
            "id" => owned(gid::format("BusinessEntity", shop.id)),
            "displayName" | "companyName" => owned(shop.name.clone()),
            "primary" => Ok(Output::Value(Json::Bool(true))),
            "archived" => Ok(Output::Value(Json::Bool(false))),
            "legalEntityId" | "shopifyPaymentsAccount" => Ok(Output::Null),
            "address" => object(BusinessEntityAddress(shop)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct BusinessEntityAddress<'s>(&'s crate::model::shop::Shop);

impl Object for BusinessEntityAddress<'_> {
    fn type_name(&self) -> &'static str {
        "BusinessEntityAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "countryCode" => owned(self.0.country_code.clone()),
            "address1" | "address2" | "city" | "province" | "zip" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `CashRoundingAdjustment`: zero, as for every order not paid in cash.
struct CashRounding;

impl Object for CashRounding {
    fn type_name(&self) -> &'static str {
        "CashRoundingAdjustment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "paymentSet" | "refundSet" => bag(ctx, Decimal::ZERO),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
