//! The REST shape of an order: what `orders/*` webhooks carry as their body, in the shape of
//! `fixtures/shopify/rest_order_450789469_2026-07.json` (snake_case keys, numeric ids next to
//! `admin_graphql_api_id`, prices as strings, `*_set` money bags, times in the shop's zone).

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json, json};

use super::{Address, Attribute, DiscountAllocation, DiscountKind, DiscountValue, LineItem, Order, TaxLine};
use crate::gid;
use crate::resolvers::format_decimal;
use crate::store::Store;

/// The order as a REST resource (webhook body).
pub fn order_json(order: &Order, store: &Store) -> Json {
    let ctx = Rest::new(store);
    let customer = order.customer_id.and_then(|id| store.customers.get(id));
    let fulfillment_state = order.fulfillment_state();
    let location_id = order.fulfillment_orders.first().map(|fo| fo.location_id);
    let mut body = Map::new();
    let mut put = |key: &str, value: Json| {
        body.insert(key.to_string(), value);
    };
    put("id", json!(order.id));
    put("admin_graphql_api_id", json!(gid::format("Order", order.id)));
    put("app_id", Json::Null);
    put("browser_ip", json!("0.0.0.0"));
    put("buyer_accepts_marketing", json!(customer.is_some_and(|c| c.email_marketing == "SUBSCRIBED")));
    put("cancel_reason", json!(order.cancel_reason.map(|reason| reason.as_graphql().to_lowercase())));
    put("cancelled_at", ctx.optional_time(order.cancelled_at));
    put("cart_token", Json::Null);
    put("checkout_id", Json::Null);
    put("checkout_token", Json::Null);
    put(
        "client_details",
        json!({
            "accept_language": null,
            "browser_height": null,
            "browser_ip": "0.0.0.0",
            "browser_width": null,
            "session_hash": null,
            "user_agent": null,
        }),
    );
    put("closed_at", ctx.optional_time(order.closed_at));
    put("company", Json::Null);
    put("confirmation_number", json!(confirmation_number(order.id)));
    put("confirmed", json!(true));
    put("contact_email", json!(order.email));
    put("created_at", ctx.time(order.created_at));
    put("currency", json!(ctx.currency));
    put("current_shipping_price_set", ctx.money_set(order.current_shipping()));
    put("current_subtotal_price", ctx.money(order.current_subtotal()));
    put("current_subtotal_price_set", ctx.money_set(order.current_subtotal()));
    put("current_total_additional_fees_set", Json::Null);
    put("current_total_discounts", ctx.money(order.current_total_discounts()));
    put("current_total_discounts_set", ctx.money_set(order.current_total_discounts()));
    put("current_total_duties_set", Json::Null);
    put("current_total_price", ctx.money(order.current_total_price()));
    put("current_total_price_set", ctx.money_set(order.current_total_price()));
    put("current_total_tax", ctx.money(order.current_total_tax()));
    put("current_total_tax_set", ctx.money_set(order.current_total_tax()));
    put("customer_locale", json!(customer.map(|c| c.locale.to_string())));
    put("device_id", Json::Null);
    put(
        "discount_codes",
        Json::Array(
            order
                .discount_applications
                .iter()
                .enumerate()
                .filter_map(|(index, application)| match &application.kind {
                    DiscountKind::Code(code) => Some(json!({
                        "code": code,
                        "amount": ctx.money(allocated_to(order, index)),
                        "type": match application.value {
                            DiscountValue::Percentage(_) => "percentage",
                            DiscountValue::Fixed(_) => "fixed_amount",
                        },
                    })),
                    _ => None,
                })
                .collect(),
        ),
    );
    put("duties_included", json!(false));
    put("email", json!(order.email.clone().unwrap_or_default()));
    put("estimated_taxes", json!(false));
    put("financial_status", json!(order.financial_status.as_rest()));
    put("fulfillment_status", json!(fulfillment_state.as_rest()));
    put("landing_site", Json::Null);
    put("landing_site_ref", Json::Null);
    put("location_id", Json::Null);
    put("merchant_business_entity_id", json!(format!("MTU{}", store.shop.id)));
    put("merchant_of_record_app_id", Json::Null);
    put("name", json!(order.name()));
    put("note", json!(order.note));
    put("note_attributes", attributes(&order.custom_attributes, "name"));
    put("number", json!(order.number.saturating_sub(1000)));
    put("order_number", json!(order.number));
    put(
        "order_status_url",
        json!(format!(
            "https://{}/{}/orders/{:032x}/authenticate?key=simulated",
            store.shop.myshopify_domain, store.shop.id, order.id
        )),
    );
    put("original_total_additional_fees_set", Json::Null);
    put("original_total_duties_set", Json::Null);
    put("payment_gateway_names", json!(order.payment_gateway_names.iter().map(|g| g.to_string()).collect::<Vec<_>>()));
    put("phone", json!(order.phone));
    put("po_number", json!(order.po_number));
    put("presentment_currency", json!(ctx.currency));
    put("processed_at", ctx.time(order.processed_at));
    put("reference", Json::Null);
    put("referring_site", Json::Null);
    put("source_identifier", Json::Null);
    put("source_name", json!(order.source_name.to_string()));
    put("source_url", Json::Null);
    put("subtotal_price", ctx.money(order.subtotal()));
    put("subtotal_price_set", ctx.money_set(order.subtotal()));
    put("tags", json!(order.tags.join(", ")));
    put("tax_exempt", json!(customer.is_some_and(|c| c.tax_exempt)));
    put("tax_lines", ctx.tax_lines(&order_tax_lines(order)));
    put("taxes_included", json!(order.taxes_included));
    put("test", json!(order.test));
    put("token", json!(format!("{:032x}", order.id.wrapping_mul(0x9E37_79B9_7F4A_7C15))));
    put("total_cash_rounding_payment_adjustment_set", ctx.money_set(Decimal::ZERO));
    put("total_cash_rounding_refund_adjustment_set", ctx.money_set(Decimal::ZERO));
    put("total_discounts", ctx.money(order.total_discounts()));
    put("total_discounts_set", ctx.money_set(order.total_discounts()));
    put("total_line_items_price", ctx.money(order.line_items_total()));
    put("total_line_items_price_set", ctx.money_set(order.line_items_total()));
    put("total_outstanding", ctx.money(order.total_outstanding()));
    put("total_price", ctx.money(order.total_price()));
    put("total_price_set", ctx.money_set(order.total_price()));
    put("total_shipping_price_set", ctx.money_set(order.total_shipping()));
    put("total_tax", ctx.money(order.total_tax()));
    put("total_tax_set", ctx.money_set(order.total_tax()));
    put("total_tip_received", ctx.money(Decimal::ZERO));
    put("total_weight", json!(order.total_weight()));
    put("updated_at", ctx.time(order.updated_at));
    put("user_id", Json::Null);
    put("billing_address", order.billing_address.as_deref().map_or(Json::Null, address_json));
    put(
        "customer",
        customer.map_or(Json::Null, |customer| crate::model::customers::rest::order_customer_json(customer, store)),
    );
    put(
        "discount_applications",
        Json::Array(order.discount_applications.iter().map(discount_application_json).collect()),
    );
    put(
        "fulfillments",
        Json::Array(
            order
                .fulfillments
                .iter()
                .map(|fulfillment| {
                    let tracking = fulfillment.tracking.first().cloned().unwrap_or_default();
                    json!({
                        "id": fulfillment.id,
                        "admin_graphql_api_id": gid::format("Fulfillment", fulfillment.id),
                        "created_at": ctx.time(fulfillment.created_at),
                        "location_id": fulfillment.location_id.or(location_id),
                        "name": fulfillment.name,
                        "order_id": order.id,
                        "origin_address": {},
                        "receipt": {},
                        "service": "manual",
                        "shipment_status": null,
                        "status": fulfillment.status.to_lowercase(),
                        "tracking_company": tracking.company,
                        "tracking_number": tracking.number,
                        "tracking_numbers": fulfillment.tracking.iter().filter_map(|t| t.number.clone()).collect::<Vec<_>>(),
                        "tracking_url": tracking.url,
                        "tracking_urls": fulfillment.tracking.iter().filter_map(|t| t.url.clone()).collect::<Vec<_>>(),
                        "updated_at": ctx.time(fulfillment.updated_at),
                        "line_items": fulfillment
                            .line_items
                            .iter()
                            .filter_map(|item| order.line_item(item.line_item_id).map(|line| {
                                let mut value = line_item_json(&ctx, order, line, store);
                                value["quantity"] = json!(item.quantity);
                                value
                            }))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect(),
        ),
    );
    put("line_item_groups", json!([]));
    put(
        "line_items",
        Json::Array(order.line_items.iter().map(|line| line_item_json(&ctx, order, line, store)).collect()),
    );
    put(
        "payment_terms",
        order.payment_terms.as_ref().map_or(Json::Null, |terms| {
            let due_at = terms
                .due_in_days
                .map(|days| ctx.time(order.processed_at + jiff::SignedDuration::from_hours(i64::from(days) * 24)));
            json!({
                "id": terms.id,
                "created_at": ctx.time(order.created_at),
                "due_in_days": terms.due_in_days,
                "payment_schedules": [{
                    "amount": ctx.money(order.total_price()),
                    "currency": ctx.currency,
                    "issued_at": ctx.time(order.processed_at),
                    "due_at": due_at,
                    "completed_at": null,
                    "created_at": ctx.time(order.created_at),
                    "updated_at": ctx.time(order.updated_at),
                }],
                "payment_terms_name": terms.name,
                "payment_terms_type": terms.kind.to_lowercase(),
                "updated_at": ctx.time(order.updated_at),
            })
        }),
    );
    put(
        "refunds",
        Json::Array(
            order
                .refunds
                .iter()
                .map(|refund| {
                    json!({
                        "id": refund.id,
                        "admin_graphql_api_id": gid::format("Refund", refund.id),
                        "created_at": ctx.time(refund.created_at),
                        "note": refund.note,
                        "order_id": order.id,
                        "processed_at": ctx.time(refund.created_at),
                        "restock": refund.line_items.iter().any(|item| item.restock_type != "NO_RESTOCK"),
                        "total_additional_fees_set": ctx.money_set(Decimal::ZERO),
                        "total_duties_set": ctx.money_set(Decimal::ZERO),
                        "user_id": null,
                        "order_adjustments": [],
                        "transactions": refund
                            .transaction_ids
                            .iter()
                            .filter_map(|id| order.transactions.iter().find(|t| t.id == *id))
                            .map(|transaction| transaction_json(&ctx, order, transaction))
                            .collect::<Vec<_>>(),
                        "refund_line_items": refund
                            .line_items
                            .iter()
                            .filter_map(|item| order.line_item(item.line_item_id).map(|line| json!({
                                "id": item.id,
                                "line_item_id": item.line_item_id,
                                "location_id": item.location_id,
                                "quantity": item.quantity,
                                "restock_type": item.restock_type.to_lowercase(),
                                "subtotal": decimal_number(item.subtotal),
                                "subtotal_set": ctx.money_set(item.subtotal),
                                "total_tax": decimal_number(item.total_tax),
                                "total_tax_set": ctx.money_set(item.total_tax),
                                "line_item": line_item_json(&ctx, order, line, store),
                            })))
                            .collect::<Vec<_>>(),
                        "duties": [],
                        "additional_fees": [],
                    })
                })
                .collect(),
        ),
    );
    put("returns", json!([]));
    put("shipping_address", order.shipping_address.as_deref().map_or(Json::Null, address_json));
    put(
        "shipping_lines",
        Json::Array(
            order
                .shipping_lines
                .iter()
                .map(|line| {
                    json!({
                        "id": line.id,
                        "carrier_identifier": line.carrier_identifier,
                        "code": line.code.as_deref(),
                        "discounted_price": ctx.money(line.discounted_price()),
                        "discounted_price_set": ctx.money_set(line.discounted_price()),
                        "current_discounted_price_set": ctx.money_set(line.discounted_price()),
                        "is_removed": line.is_removed,
                        "phone": null,
                        "price": ctx.money(line.price),
                        "price_set": ctx.money_set(line.price),
                        "requested_fulfillment_service_id": null,
                        "source": line.source.as_deref(),
                        "title": &*line.title,
                        "tax_lines": ctx.tax_lines(&line.tax_lines),
                        "discount_allocations": ctx.allocations(&line.discount_allocations),
                    })
                })
                .collect(),
        ),
    );
    Json::Object(body)
}

/// Money and time formatting in the shop's currency and time zone.
pub(crate) struct Rest {
    pub currency: String,
    zone: Option<jiff::tz::TimeZone>,
}

impl Rest {
    pub(crate) fn new(store: &Store) -> Self {
        Rest {
            currency: store.shop.currency_code.clone(),
            zone: jiff::tz::TimeZone::get(&store.shop.iana_timezone).ok(),
        }
    }

    /// `2026-01-10T11:00:00+01:00`.
    pub(crate) fn time(&self, at: Timestamp) -> Json {
        let zoned = match &self.zone {
            Some(zone) => at.to_zoned(zone.clone()),
            None => at.to_zoned(jiff::tz::TimeZone::UTC),
        };
        json!(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
    }

    pub(crate) fn optional_time(&self, at: Option<Timestamp>) -> Json {
        at.map_or(Json::Null, |at| self.time(at))
    }

    pub(crate) fn money(&self, amount: Decimal) -> Json {
        json!(format_decimal(amount))
    }

    pub(crate) fn money_set(&self, amount: Decimal) -> Json {
        let money = json!({ "amount": format_decimal(amount), "currency_code": self.currency });
        json!({ "shop_money": money.clone(), "presentment_money": money })
    }

    fn tax_lines(&self, lines: &[TaxLine]) -> Json {
        Json::Array(
            lines
                .iter()
                .map(|tax| {
                    json!({
                        "channel_liable": false,
                        "price": self.money(tax.price),
                        "price_set": self.money_set(tax.price),
                        "rate": decimal_number(tax.rate),
                        "title": tax.title.to_string(),
                    })
                })
                .collect(),
        )
    }

    fn allocations(&self, allocations: &[DiscountAllocation]) -> Json {
        Json::Array(
            allocations
                .iter()
                .map(|allocation| {
                    json!({
                        "amount": self.money(allocation.amount),
                        "amount_set": self.money_set(allocation.amount),
                        "discount_application_index": allocation.application_index,
                    })
                })
                .collect(),
        )
    }
}

fn line_item_json(ctx: &Rest, order: &Order, line: &LineItem, store: &Store) -> Json {
    let product_exists = line.product_id.is_some_and(|id| store.catalog.products.contains_key(&id));
    let fulfilled = order.fulfilled_quantity(line.id);
    let current = order.current_quantity(line);
    json!({
        "id": line.id,
        "admin_graphql_api_id": gid::format("LineItem", line.id),
        "attributed_staffs": [],
        "current_quantity": current,
        "fulfillable_quantity": order.unfulfilled_quantity(line),
        "fulfillment_service": "manual",
        "fulfillment_status": if fulfilled == 0 { None } else if fulfilled >= current { Some("fulfilled") } else { Some("partial") },
        "gift_card": line.is_gift_card,
        "grams": line.grams,
        "name": line.name(),
        "price": ctx.money(line.price),
        "price_set": ctx.money_set(line.price),
        "product_exists": product_exists,
        "product_id": line.product_id,
        "properties": attributes(&line.custom_attributes, "name"),
        "quantity": line.quantity,
        "requires_shipping": line.requires_shipping,
        "sku": line.sku.as_deref(),
        "taxable": line.taxable,
        "title": line.title.to_string(),
        "total_discount": ctx.money(line.discount_total()),
        "total_discount_set": ctx.money_set(line.discount_total()),
        "variant_id": line.variant_id,
        "variant_inventory_management": line.variant_id.map(|_| "shopify"),
        "variant_title": line.variant_title.as_deref(),
        "vendor": line.vendor.as_deref(),
        "tax_lines": ctx.tax_lines(&line.tax_lines),
        "duties": [],
        "discount_allocations": ctx.allocations(&line.discount_allocations),
    })
}

fn transaction_json(ctx: &Rest, order: &Order, transaction: &super::Transaction) -> Json {
    json!({
        "id": transaction.id,
        "admin_graphql_api_id": gid::format("OrderTransaction", transaction.id),
        "amount": ctx.money(transaction.amount),
        "authorization": null,
        "created_at": ctx.time(transaction.created_at),
        "currency": ctx.currency,
        "device_id": null,
        "error_code": transaction.error_code.map(str::to_lowercase),
        "gateway": transaction.gateway.to_string(),
        "kind": transaction.kind.to_lowercase(),
        "location_id": null,
        "message": null,
        "order_id": order.id,
        "parent_id": transaction.parent_id,
        "payment_id": format!("{}.{}", order.name(), transaction.id % 100),
        "processed_at": ctx.time(transaction.processed_at),
        "receipt": {},
        "source_name": order.source_name.to_string(),
        "status": transaction.status.to_lowercase(),
        "test": transaction.test,
        "user_id": null,
    })
}

fn discount_application_json(application: &super::DiscountApplication) -> Json {
    let (kind, code, title, description) = match &application.kind {
        DiscountKind::Code(code) => ("discount_code", Some(code.clone()), None, None),
        DiscountKind::Automatic(title) => ("automatic", None, Some(title.clone()), None),
        DiscountKind::Manual { title, description } => ("manual", None, Some(title.clone()), description.clone()),
    };
    let (value, value_type) = match application.value {
        DiscountValue::Percentage(percent) => (percent, "percentage"),
        DiscountValue::Fixed(amount) => (amount, "fixed_amount"),
    };
    let mut object = json!({
        "target_type": application.target_type.to_lowercase(),
        "type": kind,
        "value": value.normalize().to_string(),
        "value_type": value_type,
        "allocation_method": application.allocation_method.to_lowercase(),
        "target_selection": application.target_selection.to_lowercase(),
    });
    if let Some(code) = code {
        object["code"] = json!(code);
    }
    if let Some(title) = title {
        object["title"] = json!(title);
        object["description"] = json!(description.unwrap_or_default());
    }
    object
}

/// A postal address as REST prints it on orders.
pub(crate) fn address_json(address: &Address) -> Json {
    json!({
        "first_name": address.first_name,
        "address1": address.address1,
        "phone": address.phone,
        "city": address.city,
        "zip": address.zip,
        "province": address.province,
        "country": address.country(),
        "last_name": address.last_name,
        "address2": address.address2,
        "company": address.company,
        "latitude": null,
        "longitude": null,
        "name": address.name(),
        "country_code": address.country_code,
        "province_code": address.province_code,
    })
}

fn attributes(attributes: &[Attribute], key_name: &str) -> Json {
    Json::Array(
        attributes
            .iter()
            .map(|attribute| {
                let mut object = Map::new();
                object.insert(key_name.to_string(), json!(attribute.key));
                object.insert("value".to_string(), json!(attribute.value));
                Json::Object(object)
            })
            .collect(),
    )
}

/// Tax lines of the whole order, summed by title and rate (REST `tax_lines`).
fn order_tax_lines(order: &Order) -> Vec<TaxLine> {
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
    summed
}

/// What a discount application took off the order in all.
fn allocated_to(order: &Order, index: usize) -> Decimal {
    order
        .line_items
        .iter()
        .flat_map(|line| &line.discount_allocations)
        .chain(order.shipping_lines.iter().flat_map(|line| &line.discount_allocations))
        .filter(|allocation| allocation.application_index == index)
        .map(|allocation| allocation.amount)
        .sum()
}

/// A decimal as a JSON number (REST prints `rate` and refund `subtotal` that way).
fn decimal_number(value: Decimal) -> Json {
    value.normalize().to_string().parse::<f64>().map_or(Json::Null, |number| json!(number))
}

/// A stable, order-specific confirmation number (`A1B2C3D4E`).
pub(crate) fn confirmation_number(id: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut value = id.wrapping_mul(0x2545_F491_4F6C_DD1D);
    (0..9)
        .map(|_| {
            let c = ALPHABET[(value % ALPHABET.len() as u64) as usize] as char;
            value /= ALPHABET.len() as u64;
            c
        })
        .collect()
}
