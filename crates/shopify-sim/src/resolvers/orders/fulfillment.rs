//! Fulfillment orders, their line items and destinations, and fulfillments with tracking.

use std::rc::Rc;

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::lines::LineItemObject;
use super::order::OrderObject;
use super::values::{bag, first_of, list_connection, optional, owned};
use crate::gid;
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::orders::{
    Address, Fulfillment, FulfillmentLineItem, FulfillmentOrder, FulfillmentOrderLineItem, FulfillmentOrderStatus,
    Order,
};
use crate::resolvers::catalog::{LocationObject, VariantObject};
use crate::resolvers::{leaf, object, optional_text, text, time};

// ---------------------------------------------------------------------------------------------
// Fulfillment orders and fulfillments
// ---------------------------------------------------------------------------------------------

/// `FulfillmentOrder`.
pub struct FulfillmentOrderObject<'s> {
    pub order: &'s Order,
    pub fo: &'s FulfillmentOrder,
}

impl Object for FulfillmentOrderObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrder"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, fo) = (self.order, self.fo);
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrder", fo.id)),
            "status" => text(fo.status.as_graphql()),
            "requestStatus" => text(if fo.status == FulfillmentOrderStatus::Closed { "CLOSED" } else { "UNSUBMITTED" }),
            "createdAt" => time(fo.created_at),
            "updatedAt" => time(fo.updated_at),
            "orderId" => owned(gid::format("Order", order.id)),
            "orderName" => owned(order.name()),
            "orderProcessedAt" => time(order.processed_at),
            "order" => object(OrderObject(order)),
            "assignedLocation" => object(AssignedLocationObject(fo.location_id)),
            "destination" => optional(order.shipping_address.as_deref(), |address| {
                Rc::new(DestinationObject { address, email: order.email.as_deref() })
            }),
            "supportedActions" => {
                let actions: &[&str] = match fo.status {
                    FulfillmentOrderStatus::Open => &["CREATE_FULFILLMENT", "REQUEST_FULFILLMENT", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::InProgress => &["CREATE_FULFILLMENT", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::OnHold => &["RELEASE_HOLD", "HOLD", "MOVE"],
                    FulfillmentOrderStatus::Closed | FulfillmentOrderStatus::Cancelled => &[],
                };
                Ok(Output::List(
                    actions.iter().map(|action| Output::Object(Rc::new(SupportedAction(action)))).collect(),
                ))
            }
            "lineItems" => list_connection(
                call,
                "FulfillmentOrderLineItemConnection",
                "FulfillmentOrderLineItemEdge",
                fo.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(FulfillmentOrderLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "fulfillments" => list_connection(
                call,
                "FulfillmentConnection",
                "FulfillmentEdge",
                order
                    .fulfillments
                    .iter()
                    .filter(|fulfillment| fulfillment.fulfillment_order_ids.contains(&fo.id))
                    .map(|fulfillment| (fulfillment.id, fulfillment)),
                |fulfillment| Rc::new(FulfillmentObject { order, fulfillment }) as Rc<dyn Object>,
            ),
            "fulfillmentHolds" => leaf(json!([])),
            "deliveryMethod" => object(DeliveryMethodObject { id: fo.id, shipping: order.requires_shipping() }),
            "channelId" | "fulfillAt" | "fulfillBy" | "internationalDuties" => Ok(Output::Null),
            "merchantRequests" | "fulfillmentOrdersForMerge" | "locationsForMove" => {
                let _ = ctx;
                Err(FieldError::NotImplemented)
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct SupportedAction(&'static str);

impl Object for SupportedAction {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderSupportedAction"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "action" => text(self.0),
            "externalUrl" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DeliveryMethodObject {
    id: u64,
    shipping: bool,
}

impl Object for DeliveryMethodObject {
    fn type_name(&self) -> &'static str {
        "DeliveryMethod"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => owned(gid::format("DeliveryMethod", self.id)),
            "methodType" => text(if self.shipping { "SHIPPING" } else { "NONE" }),
            "minDeliveryDateTime"
            | "maxDeliveryDateTime"
            | "presentedName"
            | "serviceCode"
            | "sourceReference"
            | "additionalInformation"
            | "brandedPromise" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AssignedLocationObject(u64);

impl Object for AssignedLocationObject {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderAssignedLocation"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let location = ctx.store.catalog.locations.get(&self.0);
        match call.name() {
            "name" => text(location.map_or("Deleted location", |location| location.name.as_str())),
            "location" => optional(location, |location| Rc::new(LocationObject(location))),
            "address1" => optional_text(location.map(|location| location.address1.as_str())),
            "city" => optional_text(location.map(|location| location.city.as_str())),
            "zip" => optional_text(location.map(|location| location.zip.as_str())),
            "countryCode" => text(location.map_or("DE", |location| location.country_code.as_str())),
            "address2" | "phone" | "province" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DestinationObject<'s> {
    address: &'s Address,
    email: Option<&'s str>,
}

impl Object for DestinationObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderDestination"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let address = self.address;
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrderDestination", address.id)),
            "email" => optional_text(self.email),
            "countryCode" => optional_text(address.country_code.as_deref()),
            "location" => Ok(Output::Null),
            "address1" => optional_text(address.address1.as_deref()),
            "address2" => optional_text(address.address2.as_deref()),
            "city" => optional_text(address.city.as_deref()),
            "company" => optional_text(address.company.as_deref()),
            "firstName" => optional_text(address.first_name.as_deref()),
            "lastName" => optional_text(address.last_name.as_deref()),
            "phone" => optional_text(address.phone.as_deref()),
            "province" => optional_text(address.province.as_deref()),
            "zip" => optional_text(address.zip.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `FulfillmentOrderLineItem`.
pub struct FulfillmentOrderLineItemObject<'s> {
    pub order: &'s Order,
    pub item: &'s FulfillmentOrderLineItem,
}

impl Object for FulfillmentOrderLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentOrderLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        let line = order.line_item(item.line_item_id);
        let catalog = &ctx.store.catalog;
        match call.name() {
            "id" => owned(gid::format("FulfillmentOrderLineItem", item.id)),
            "totalQuantity" => leaf(json!(item.total_quantity)),
            "remainingQuantity" => leaf(json!(item.remaining_quantity)),
            "lineItem" => optional(line, |line| Rc::new(LineItemObject { order, line })),
            "sku" => optional_text(line.and_then(|line| line.sku.as_deref())),
            "productTitle" => text(line.map_or("", |line| &*line.title)),
            "variantTitle" => optional_text(line.and_then(|line| line.variant_title.as_deref())),
            "vendor" => optional_text(line.and_then(|line| line.vendor.as_deref())),
            "requiresShipping" => leaf(json!(line.is_some_and(|line| line.requires_shipping))),
            "variant" => {
                optional(line.and_then(|line| line.variant_id).and_then(|id| catalog.variants.get(&id)), |variant| {
                    Rc::new(VariantObject(variant))
                })
            }
            "inventoryItemId" => optional_text(
                line.and_then(|line| line.variant_id)
                    .and_then(|id| catalog.variants.get(&id))
                    .map(|variant| gid::format("InventoryItem", variant.inventory_item_id))
                    .as_deref(),
            ),
            "originalUnitPriceSet" => bag(ctx, line.map_or(Decimal::ZERO, |line| line.price)),
            "warnings" | "financialSummaries" => leaf(json!([])),
            "image" | "weight" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Fulfillment`.
pub struct FulfillmentObject<'s> {
    pub order: &'s Order,
    pub fulfillment: &'s Fulfillment,
}

impl Object for FulfillmentObject<'_> {
    fn type_name(&self) -> &'static str {
        "Fulfillment"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, fulfillment) = (self.order, self.fulfillment);
        match call.name() {
            "id" => owned(gid::format("Fulfillment", fulfillment.id)),
            "legacyResourceId" => text(&fulfillment.id.to_string()),
            "name" => text(&fulfillment.name),
            "status" => text(fulfillment.status),
            "displayStatus" => text(if fulfillment.status == "SUCCESS" { "FULFILLED" } else { "CANCELED" }),
            "createdAt" => time(fulfillment.created_at),
            "updatedAt" => time(fulfillment.updated_at),
            "order" => object(OrderObject(order)),
            "requiresShipping" => leaf(json!(true)),
            "totalQuantity" => leaf(json!(fulfillment.line_items.iter().map(|item| item.quantity).sum::<u32>())),
            "trackingInfo" => first_of(call, fulfillment.tracking.iter(), |tracking| {
                Output::Object(Rc::new(TrackingInfoObject(tracking)))
            }),
            "location" => {
                optional(fulfillment.location_id.and_then(|id| ctx.store.catalog.locations.get(&id)), |location| {
                    Rc::new(LocationObject(location))
                })
            }
            "fulfillmentLineItems" => list_connection(
                call,
                "FulfillmentLineItemConnection",
                "FulfillmentLineItemEdge",
                fulfillment.line_items.iter().map(|item| (item.id, item)),
                |item| Rc::new(FulfillmentLineItemObject { order, item }) as Rc<dyn Object>,
            ),
            "fulfillmentOrders" => list_connection(
                call,
                "FulfillmentOrderConnection",
                "FulfillmentOrderEdge",
                order
                    .fulfillment_orders
                    .iter()
                    .filter(|fo| fulfillment.fulfillment_order_ids.contains(&fo.id))
                    .map(|fo| (fo.id, fo)),
                |fo| Rc::new(FulfillmentOrderObject { order, fo }) as Rc<dyn Object>,
            ),
            // Fulfilled by the merchant, as every simulated fulfillment is: the "Manual" service.
            "service" => object(ManualService),
            "deliveredAt" | "estimatedDeliveryAt" | "inTransitAt" | "originAddress" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct TrackingInfoObject<'s>(&'s crate::model::orders::TrackingInfo);

impl Object for TrackingInfoObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentTrackingInfo"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "number" => optional_text(self.0.number.as_deref()),
            "company" => optional_text(self.0.company.as_deref()),
            "url" => optional_text(self.0.url.as_deref()),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

pub(super) struct FulfillmentLineItemObject<'s> {
    pub(super) order: &'s Order,
    pub(super) item: &'s FulfillmentLineItem,
}

impl Object for FulfillmentLineItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "FulfillmentLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let (order, item) = (self.order, self.item);
        let line = order.line_item(item.line_item_id);
        let price = line.map_or(Decimal::ZERO, |line| line.price);
        match call.name() {
            "id" => owned(gid::format("FulfillmentLineItem", item.id)),
            "quantity" => leaf(json!(item.quantity)),
            "lineItem" => optional(line, |line| Rc::new(LineItemObject { order, line })),
            "originalTotalSet" | "discountedTotalSet" => bag(ctx, price * Decimal::from(item.quantity)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `FulfillmentService` of a merchant-fulfilled fulfillment: Shopify's built-in "Manual" service.
struct ManualService;

impl Object for ManualService {
    fn type_name(&self) -> &'static str {
        "FulfillmentService"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => owned(gid::format("FulfillmentService", ctx.store.shop.id)),
            "serviceName" => owned("Manual".to_string()),
            "handle" => owned("manual".to_string()),
            "type" => owned("MANUAL".to_string()),
            "callbackUrl" | "location" => Ok(Output::Null),
            "inventoryManagement" | "trackingSupport" | "requiresShippingMethod" | "permitsSkuSharing" => {
                Ok(Output::Value(Json::Bool(false)))
            }
            "fulfillmentOrdersOptIn" => Ok(Output::Value(Json::Bool(true))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
