//! Objects inside an order's lines: line items, taxes, discounts, attributes, shipping lines,
//! addresses and payment terms.

use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::json;

use super::order::OrderObject;
use super::values::{attributes, bag, decimal_float, money, optional, owned, tax_lines};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{
    Address, Attribute, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, LineItem, Order,
    PaymentTerms, ShippingLine, TaxLine,
};
use crate::resolvers::catalog::{ProductObject, VariantObject};
use crate::resolvers::{leaf, object, optional_text, text};

// ---------------------------------------------------------------------------------------------
// Line items, taxes, discounts
// ---------------------------------------------------------------------------------------------

/// `LineItem`.
pub struct LineItemObject<'s> {
    pub order: &'s Order,
    pub line: &'s LineItem,
}

impl Object for LineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "LineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, line) = (self.order, self.line);
        let catalog = &ctx.store.catalog;
        let unit_discount = if line.quantity == 0 {
            Decimal::ZERO
        } else {
            (line.discount_total() / Decimal::from(line.quantity)).round_dp(2)
        };
        match call.name() {
            "id" => owned(gid::format("LineItem", line.id)),
            "name" => owned(line.name()),
            "title" => text(&line.title),
            "variantTitle" => optional_text(line.variant_title.as_deref()),
            "vendor" => optional_text(line.vendor.as_deref()),
            "sku" => optional_text(line.sku.as_deref()),
            "quantity" => leaf(json!(line.quantity)),
            "currentQuantity" => leaf(json!(order.current_quantity(line))),
            "unfulfilledQuantity" | "fulfillableQuantity" => leaf(json!(order.unfulfilled_quantity(line))),
            "nonFulfillableQuantity" => leaf(json!(
                order
                    .current_quantity(line)
                    .saturating_sub(order.unfulfilled_quantity(line))
                    .saturating_sub(order.fulfilled_quantity(line.id))
            )),
            "refundableQuantity" => leaf(json!(order.current_quantity(line))),
            "fulfillmentStatus" => {
                let fulfilled = order.fulfilled_quantity(line.id);
                text(if fulfilled == 0 {
                    "unfulfilled"
                } else if fulfilled >= order.current_quantity(line) {
                    "fulfilled"
                } else {
                    "partial"
                })
            }
            "requiresShipping" => leaf(json!(line.requires_shipping)),
            "isGiftCard" => leaf(json!(line.is_gift_card)),
            "taxable" => leaf(json!(line.taxable)),
            "merchantEditable" | "restockable" => leaf(json!(!order.cancelled())),
            "canRestock" => leaf(json!(!order.cancelled())),
            "customAttributes" => attributes(&line.custom_attributes),
            "variant" => optional(line.variant_id.and_then(|id| catalog.variants.get(&id)), |variant| {
                Rc::new(VariantObject(variant))
            }),
            "product" => optional(line.product_id.and_then(|id| catalog.products.get(&id)), |product| {
                Rc::new(ProductObject(product))
            }),
            "originalUnitPriceSet" => bag(ctx, line.price),
            "discountedUnitPriceSet" | "discountedUnitPriceAfterAllDiscountsSet" => {
                bag(ctx, line.price - unit_discount)
            }
            "originalTotalSet" => bag(ctx, line.original_total()),
            "discountedTotalSet" => bag(ctx, line.original_total() - line.discount_total()),
            "totalDiscountSet" => bag(ctx, line.discount_total()),
            "unfulfilledOriginalTotalSet" => bag(ctx, line.price * Decimal::from(order.unfulfilled_quantity(line))),
            "unfulfilledDiscountedTotalSet" => {
                bag(ctx, (line.price - unit_discount) * Decimal::from(order.unfulfilled_quantity(line)))
            }
            "discountAllocations" => Ok(Output::List(
                line.discount_allocations
                    .iter()
                    .map(|allocation| Output::Object(Rc::new(DiscountAllocationObject { order, allocation })))
                    .collect(),
            )),
            "taxLines" => tax_lines(call, &line.tax_lines),
            "duties" => leaf(json!([])),
            "image" | "fulfillmentService" | "lineItemGroup" | "sellingPlan" | "staffMember" | "contract" => {
                Ok(Output::Null)
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct TaxLineObject<'s>(pub(super) &'s TaxLine);

impl Object for TaxLineObject<'_> {
    fn type_name(&self) -> &'static str {
        "TaxLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        tax_line_field(self.0, call, ctx)
    }
}

/// A tax line summed over the order (owned).
pub(super) struct OwnedTaxLine(pub(super) TaxLine);

impl Object for OwnedTaxLine {
    fn type_name(&self) -> &'static str {
        "TaxLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        tax_line_field(&self.0, call, ctx)
    }
}

fn tax_line_field<'a>(tax: &TaxLine, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    match call.name() {
        "title" => text(&tax.title),
        "rate" => leaf(decimal_float(tax.rate)),
        "ratePercentage" => leaf(decimal_float(tax.rate * Decimal::ONE_HUNDRED)),
        "channelLiable" => leaf(json!(false)),
        "source" => text("Shopify"),
        "priceSet" => bag(ctx, tax.price),
        _ => Err(FieldError::NotImplemented),
    }
}

struct DiscountAllocationObject<'s> {
    order: &'s Order,
    allocation: &'s DiscountAllocation,
}

impl Object for DiscountAllocationObject<'_> {
    fn type_name(&self) -> &'static str {
        "DiscountAllocation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "allocatedAmountSet" => bag(ctx, self.allocation.amount),
            "discountApplication" => {
                let index = self.allocation.application_index;
                match self.order.discount_applications.get(index) {
                    Some(application) => object(DiscountApplicationObject { index, application }),
                    None => Ok(Output::Null),
                }
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct DiscountApplicationObject<'s> {
    pub(super) index: usize,
    pub(super) application: &'s DiscountApplication,
}

impl Object for DiscountApplicationObject<'_> {
    fn type_name(&self) -> &'static str {
        match self.application.kind {
            DiscountKind::Code(_) => "DiscountCodeApplication",
            DiscountKind::Automatic(_) => "AutomaticDiscountApplication",
            DiscountKind::Manual { .. } => "ManualDiscountApplication",
        }
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let application = self.application;
        match call.name() {
            "allocationMethod" => text(application.allocation_method),
            "targetSelection" => text(application.target_selection),
            "targetType" => text(application.target_type),
            "index" => leaf(json!(self.index)),
            "value" => match application.value {
                DiscountValue::Percentage(percentage) => object(PercentageValue(percentage)),
                DiscountValue::Fixed(amount) => money(ctx, amount),
            },
            "code" => match &application.kind {
                DiscountKind::Code(code) => text(code),
                _ => Err(FieldError::NotImplemented),
            },
            "title" => match &application.kind {
                DiscountKind::Automatic(title) | DiscountKind::Manual { title, .. } => text(title),
                DiscountKind::Code(code) => text(code),
            },
            "description" => match &application.kind {
                DiscountKind::Manual { description, .. } => optional_text(description.as_deref()),
                _ => Ok(Output::Null),
            },
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct PercentageValue(Decimal);

impl Object for PercentageValue {
    fn type_name(&self) -> &'static str {
        "PricingPercentageValue"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "percentage" => leaf(decimal_float(self.0)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct AttributeObject<'s>(pub(super) &'s Attribute);

impl Object for AttributeObject<'_> {
    fn type_name(&self) -> &'static str {
        "Attribute"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "key" => text(&self.0.key),
            "value" => optional_text(self.0.value.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct ShippingLineObject<'s>(pub(super) &'s ShippingLine);

impl Object for ShippingLineObject<'_> {
    fn type_name(&self) -> &'static str {
        "ShippingLine"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let line = self.0;
        match call.name() {
            "id" => owned(gid::format("ShippingLine", line.id)),
            "title" => text(&line.title),
            "code" => optional_text(line.code.as_deref()),
            "source" => optional_text(line.source.as_deref()),
            "carrierIdentifier" => optional_text(line.carrier_identifier.as_deref()),
            "isRemoved" => leaf(json!(line.is_removed)),
            "custom" => leaf(json!(line.source.is_none())),
            "originalPriceSet" => bag(ctx, line.price),
            "discountedPriceSet" | "currentDiscountedPriceSet" => bag(ctx, line.discounted_price()),
            "taxLines" => tax_lines(call, &line.tax_lines),
            "discountAllocations" => Ok(Output::List(Vec::new())),
            "deliveryCategory" | "phone" | "shippingRateHandle" | "requestedFulfillmentService" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MailingAddress`.
pub struct MailingAddressObject<'s>(pub &'s Address);

impl Object for MailingAddressObject<'_> {
    fn type_name(&self) -> &'static str {
        "MailingAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let address = self.0;
        match call.name() {
            "id" => owned(format!("gid://shopify/MailingAddress/{}?model_name=Address", address.id)),
            "firstName" => optional_text(address.first_name.as_deref()),
            "lastName" => optional_text(address.last_name.as_deref()),
            "name" => optional_text(address.name().as_deref()),
            "company" => optional_text(address.company.as_deref()),
            "address1" => optional_text(address.address1.as_deref()),
            "address2" => optional_text(address.address2.as_deref()),
            "city" => optional_text(address.city.as_deref()),
            "zip" => optional_text(address.zip.as_deref()),
            "province" => optional_text(address.province.as_deref()),
            "provinceCode" => optional_text(address.province_code.as_deref()),
            "country" => optional_text(address.country()),
            "countryCodeV2" | "countryCode" => optional_text(address.country_code.as_deref()),
            "phone" => optional_text(address.phone.as_deref()),
            "coordinatesValidated" => leaf(json!(false)),
            "latitude" | "longitude" | "timeZone" | "validationResultSummary" => Ok(Output::Null),
            "formattedArea" => {
                let parts: Vec<&str> = [address.city.as_deref(), address.province_code.as_deref(), address.country()]
                    .into_iter()
                    .flatten()
                    .collect();
                optional_text((!parts.is_empty()).then(|| parts.join(", ")).as_deref())
            }
            "formatted" => {
                let with_name = call.arg_bool("withName").unwrap_or(false);
                let with_company = call.arg_bool("withCompany").unwrap_or(true);
                let mut lines: Vec<String> = Vec::new();
                if with_name && let Some(name) = address.name() {
                    lines.push(name);
                }
                if with_company && let Some(company) = &address.company {
                    lines.push(company.clone());
                }
                lines.extend(address.address1.clone());
                lines.extend(address.address2.clone().filter(|line| !line.is_empty()));
                let city_line: Vec<&str> =
                    [address.zip.as_deref(), address.city.as_deref()].into_iter().flatten().collect();
                if !city_line.is_empty() {
                    lines.push(city_line.join(" "));
                }
                lines.extend(address.country().map(str::to_string));
                leaf(json!(lines))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct PaymentTermsObject<'s> {
    pub(super) order: &'s Order,
    pub(super) terms: &'s PaymentTerms,
}

impl Object for PaymentTermsObject<'_> {
    fn type_name(&self) -> &'static str {
        "PaymentTerms"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let terms = self.terms;
        match call.name() {
            "id" => owned(gid::format("PaymentTerms", terms.id)),
            "paymentTermsName" | "translatedName" => text(&terms.name),
            "paymentTermsType" => text(terms.kind),
            "dueInDays" => leaf(json!(terms.due_in_days)),
            "overdue" => leaf(json!(self.order.payment_terms_overdue(jiff::Timestamp::now()))),
            "order" => object(OrderObject(self.order)),
            "draftOrder" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
