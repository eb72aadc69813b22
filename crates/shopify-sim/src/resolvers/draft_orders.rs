//! Draft orders: `draftOrderCreate`, `draftOrderComplete` (which places the order through the
//! same `order_ops::create_order` as every simulated order), `draftOrders`, `draftOrder(id:)` and
//! `node`. Lines are catalog variants (`variantId`, priced as the variant unless
//! `originalUnitPrice` says otherwise) or custom items (`title` and `originalUnitPrice`). Totals
//! are the lines' sum: the simulator computes no tax or shipping on a draft.

use std::rc::Rc;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::catalog::VariantObject;
use super::orders::{OrderObject, bag};
use super::{UserError, leaf, optional_text, strings, text, time, user_errors};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::order_ops::{AddressSpec, LineSpec, OrderSpec, create_order};
use crate::registry::{MutationCtx, Registry};
use crate::store::IdKind;

/// One draft order (a table of the store: [`DraftOrders`]).
#[derive(Debug, Clone)]
pub struct DraftOrder {
    pub id: u64,
    pub number: u64,
    pub lines: Vec<DraftLine>,
    pub email: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub shipping_address: Option<AddressSpec>,
    pub order_id: Option<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

/// One line of a draft order.
#[derive(Debug, Clone)]
pub struct DraftLine {
    pub id: u64,
    pub variant_id: Option<u64>,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Decimal,
    pub requires_shipping: bool,
}

impl DraftOrder {
    fn subtotal(&self) -> Decimal {
        self.lines.iter().map(|line| line.unit_price * Decimal::from(line.quantity)).sum()
    }
}

/// The shop's draft orders.
#[derive(Debug, Clone, Default)]
pub struct DraftOrders {
    pub items: std::collections::BTreeMap<u64, DraftOrder>,
}

pub fn register(registry: &mut Registry) {
    registry
        .query("draftOrders", |call, ctx| {
            let request = PageRequest::from_call(call)?;
            let items: Vec<(SortKey, &DraftOrder)> =
                ctx.store.draft_orders.items.values().map(|draft| (SortKey::id(draft.id), draft)).collect();
            Connection::new("DraftOrderConnection", "DraftOrderEdge", paginate(items, &request), |draft| {
                Rc::new(DraftOrderObject(draft)) as Rc<dyn Object>
            })
            .output()
        })
        .query("draftOrder", |call, ctx| {
            let found =
                super::gid_argument(call, "id", "DraftOrder")?.and_then(|id| ctx.store.draft_orders.items.get(&id));
            Ok(found.map_or(Output::Null, |draft| Output::Object(Rc::new(DraftOrderObject(draft)))))
        })
        .node("DraftOrder", |id, ctx| {
            ctx.store.draft_orders.items.get(&id).map(|draft| Rc::new(DraftOrderObject(draft)) as Rc<dyn Object>)
        })
        .mutation("draftOrderCreate", draft_create)
        .mutation("draftOrderComplete", draft_complete);
}

/// `DraftOrder`.
pub struct DraftOrderObject<'s>(pub &'s DraftOrder);

impl Object for DraftOrderObject<'_> {
    fn type_name(&self) -> &'static str {
        "DraftOrder"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let draft = self.0;
        match call.name() {
            "id" => text(&gid::format("DraftOrder", draft.id)),
            "legacyResourceId" => text(&draft.id.to_string()),
            "name" => text(&format!("#D{}", draft.number)),
            "status" => text(if draft.order_id.is_some() { "COMPLETED" } else { "OPEN" }),
            "email" => optional_text(draft.email.as_deref()),
            "note2" => optional_text(draft.note.as_deref()),
            "tags" => strings(&draft.tags),
            "currencyCode" => text(&ctx.store.shop.currency_code),
            "createdAt" => time(draft.created_at),
            "updatedAt" => time(draft.updated_at),
            "completedAt" => {
                Ok(draft.completed_at.map_or(Output::Null, |at| Output::Value(json!(crate::store::format_time(at)))))
            }
            "ready" => leaf(json!(true)),
            "taxExempt" => leaf(json!(false)),
            "taxesIncluded" => leaf(json!(true)),
            "invoiceUrl" => {
                text(&format!("https://{}/{}/invoices/{:032x}", ctx.env.shop_domain, ctx.store.shop.id, draft.id))
            }
            "subtotalPriceSet" | "totalPriceSet" | "totalLineItemsPriceSet" => bag(ctx, draft.subtotal()),
            "totalTaxSet" | "totalShippingPriceSet" | "totalDiscountsSet" => bag(ctx, Decimal::ZERO),
            "order" => Ok(draft
                .order_id
                .and_then(|id| ctx.store.orders.get(id))
                .map_or(Output::Null, |order| Output::Object(Rc::new(OrderObject(order))))),
            "lineItems" => {
                let request = PageRequest::from_call(call)?;
                let items = draft.lines.iter().map(|line| (SortKey::id(line.id), line)).collect();
                Connection::new(
                    "DraftOrderLineItemConnection",
                    "DraftOrderLineItemEdge",
                    paginate(items, &request),
                    |line| Rc::new(DraftLineObject(line)) as Rc<dyn Object>,
                )
                .output()
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `DraftOrderLineItem`.
struct DraftLineObject<'s>(&'s DraftLine);

impl Object for DraftLineObject<'_> {
    fn type_name(&self) -> &'static str {
        "DraftOrderLineItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let line = self.0;
        match call.name() {
            "id" => text(&gid::format("DraftOrderLineItem", line.id)),
            "title" | "name" => text(&line.title),
            "quantity" => leaf(json!(line.quantity)),
            "sku" => optional_text(line.sku.as_deref()),
            "custom" => leaf(json!(line.variant_id.is_none())),
            "requiresShipping" => leaf(json!(line.requires_shipping)),
            "taxable" => leaf(json!(true)),
            "originalUnitPriceSet" => bag(ctx, line.unit_price),
            "originalTotalSet" | "discountedTotalSet" => bag(ctx, line.unit_price * Decimal::from(line.quantity)),
            "totalDiscountSet" => bag(ctx, Decimal::ZERO),
            "variant" => Ok(line
                .variant_id
                .and_then(|id| ctx.store.catalog.variants.get(&id))
                .map_or(Output::Null, |variant| Output::Object(Rc::new(VariantObject(variant))))),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct DraftPayload {
    type_name: &'static str,
    draft: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for DraftPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "draftOrder" => Ok(self
                .draft
                .and_then(|id| ctx.store.draft_orders.items.get(&id))
                .map_or(Output::Null, |draft| Output::Object(Rc::new(DraftOrderObject(draft))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn price_of(value: Option<&Json>) -> Option<Decimal> {
    match value? {
        Json::String(text) => text.trim().parse().ok(),
        Json::Number(number) => number.to_string().parse().ok(),
        _ => None,
    }
}

fn draft_create(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let input = call.arg("input").cloned().unwrap_or(Json::Null);
    let lines_input = input.get("lineItems").and_then(Json::as_array).cloned().unwrap_or_default();
    let refuse = |user_errors| -> Rc<dyn Object> {
        Rc::new(DraftPayload { type_name: "DraftOrderCreatePayload", draft: None, user_errors })
    };
    if lines_input.is_empty() {
        return Ok(refuse(vec![UserError::new("UserError", &["lineItems"], "Add at least 1 product", None)]));
    }
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (index, line) in lines_input.iter().enumerate() {
        let index_text = index.to_string();
        let quantity = line.get("quantity").and_then(Json::as_u64).unwrap_or(0);
        if quantity == 0 {
            errors.push(UserError::new(
                "UserError",
                &["lineItems", &index_text, "quantity"],
                "Quantity must be greater than or equal to 1",
                None,
            ));
            continue;
        }
        let price = price_of(line.get("originalUnitPrice"))
            .or_else(|| price_of(line.get("originalUnitPriceWithCurrency").and_then(|money| money.get("amount"))));
        let variant = match line.get("variantId").and_then(Json::as_str) {
            Some(id) => match gid::parse_kind(id, "ProductVariant").and_then(|id| m.store.catalog.variants.get(&id)) {
                Some(variant) => Some(variant),
                None => {
                    errors.push(UserError::new(
                        "UserError",
                        &["lineItems", &index_text, "variantId"],
                        "Product with ID could not be found.",
                        None,
                    ));
                    continue;
                }
            },
            None => None,
        };
        let line = match variant {
            Some(variant) => {
                let product = m.store.catalog.products.get(&variant.product_id);
                let title = product.map_or_else(|| variant.title.clone(), |product| product.title.clone());
                DraftLine {
                    id: 0,
                    variant_id: Some(variant.id),
                    sku: variant.sku.clone(),
                    title,
                    quantity: quantity as u32,
                    unit_price: price.unwrap_or(variant.price),
                    requires_shipping: line.get("requiresShipping").and_then(Json::as_bool).unwrap_or(true),
                }
            }
            None => {
                let Some(title) = line.get("title").and_then(Json::as_str).filter(|title| !title.trim().is_empty())
                else {
                    errors.push(UserError::new(
                        "UserError",
                        &["lineItems", &index_text, "title"],
                        "Title can't be blank",
                        None,
                    ));
                    continue;
                };
                let Some(price) = price else {
                    errors.push(UserError::new(
                        "UserError",
                        &["lineItems", &index_text, "originalUnitPrice"],
                        "Original unit price can't be blank",
                        None,
                    ));
                    continue;
                };
                DraftLine {
                    id: 0,
                    variant_id: None,
                    sku: line.get("sku").and_then(Json::as_str).map(str::to_string),
                    title: title.to_string(),
                    quantity: quantity as u32,
                    unit_price: price,
                    requires_shipping: line.get("requiresShipping").and_then(Json::as_bool).unwrap_or(false),
                }
            }
        };
        lines.push(line);
    }
    if !errors.is_empty() {
        return Ok(refuse(errors));
    }
    let now = m.store.now();
    let id = m.store.next_id(IdKind::Other);
    for (index, line) in lines.iter_mut().enumerate() {
        line.id = id * 100 + index as u64 + 1;
    }
    let number = m.store.draft_orders.items.len() as u64 + 1;
    let get = |name: &str| input.get(name).and_then(Json::as_str).map(str::to_string);
    let tags: Vec<&str> = match input.get("tags") {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        Some(Json::String(text)) => text.split(',').collect(),
        _ => Vec::new(),
    };
    let shipping_address = input.get("shippingAddress").filter(|address| address.is_object()).map(|address| {
        let text = |name: &str| address.get(name).and_then(Json::as_str).map(str::to_string);
        AddressSpec {
            first_name: text("firstName"),
            last_name: text("lastName"),
            company: text("company"),
            address1: text("address1"),
            address2: text("address2"),
            city: text("city"),
            zip: text("zip"),
            province_code: text("provinceCode"),
            country: text("countryCode"),
            phone: text("phone"),
        }
    });
    m.store.draft_orders.items.insert(
        id,
        DraftOrder {
            id,
            number,
            lines,
            email: get("email"),
            note: get("note"),
            tags: crate::resolvers::product_mutations::normalize_tags(tags),
            shipping_address,
            order_id: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
        },
    );
    m.store.record("draft_orders/create", gid::format("DraftOrder", id));
    Ok(Rc::new(DraftPayload { type_name: "DraftOrderCreatePayload", draft: Some(id), user_errors: Vec::new() }))
}

fn draft_complete(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let refuse = |draft, message: String| -> Rc<dyn Object> {
        Rc::new(DraftPayload {
            type_name: "DraftOrderCompletePayload",
            draft,
            user_errors: vec![UserError::new("UserError", &["id"], message, None)],
        })
    };
    let id = super::gid_argument(call, "id", "DraftOrder")?;
    let Some(draft) = id.and_then(|id| m.store.draft_orders.items.get(&id)).cloned() else {
        return Ok(refuse(None, "Draft order does not exist".to_string()));
    };
    if draft.order_id.is_some() {
        return Ok(refuse(Some(draft.id), "This order has already been paid".to_string()));
    }
    let pending = call.arg_bool("paymentPending").unwrap_or(false);
    let spec = OrderSpec {
        lines: draft
            .lines
            .iter()
            .map(|line| LineSpec {
                sku: line.sku.clone().filter(|_| line.variant_id.is_some()),
                quantity: line.quantity,
                title: line.variant_id.is_none().then(|| line.title.clone()),
                price: Some(line.unit_price),
                requires_shipping: Some(line.requires_shipping),
                ..LineSpec::default()
            })
            .collect(),
        address: draft.shipping_address.clone().unwrap_or_default(),
        email: draft.email.clone(),
        financial_status: Some(if pending { "pending" } else { "paid" }.to_string()),
        tags: draft.tags.clone(),
        note: draft.note.clone(),
        source_name: Some("shopify_draft_order".to_string()),
        ..OrderSpec::default()
    };
    let now = m.store.now();
    let (order_id, events) = match create_order(m.store, &spec, now) {
        Ok(created) => created,
        Err(error) => return Ok(refuse(Some(draft.id), error.to_string())),
    };
    for (topic, gid) in events {
        m.store.record(topic, gid);
    }
    if let Some(stored) = m.store.draft_orders.items.get_mut(&draft.id) {
        stored.order_id = Some(order_id);
        stored.completed_at = Some(now);
        stored.updated_at = now;
    }
    m.store.record("draft_orders/update", gid::format("DraftOrder", draft.id));
    Ok(Rc::new(DraftPayload { type_name: "DraftOrderCompletePayload", draft: Some(draft.id), user_errors: Vec::new() }))
}
