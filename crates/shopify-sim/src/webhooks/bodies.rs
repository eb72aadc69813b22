//! Webhook bodies: the REST Admin resource of each topic, as Shopify serializes it for webhooks
//! (API 2026-07 shapes, held to the JSON Schemas of the `shopify-webhook-schemas` package in
//! `fixtures/shopify/webhook-schemas/` by the tests).
//!
//! Times are in the shop's time zone with its offset (`2026-01-01T13:00:00+01:00`), as REST
//! bodies have them; money amounts are decimal strings; ids are numbers next to their GID in
//! `admin_graphql_api_id`.

use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};

use crate::gid;
use crate::model::catalog::{InventoryItem, Product, Variant};
use crate::resolvers::format_decimal;
use crate::store::Store;

/// The body for a change, or `None` when the object no longer exists (or the topic has no
/// body the simulator can build).
pub fn build(topic: &str, change_gid: &str, store: &Store) -> Option<Json> {
    let (_, id) = gid::parse(change_gid)?;
    match topic {
        "products/create" | "products/update" => {
            store.catalog.products.get(&id).map(|product| product_json(product, store))
        }
        "products/delete" => Some(json!({ "id": id })),
        "inventory_levels/update" => inventory_level_json(change_gid, store),
        "inventory_items/update" | "inventory_items/create" => {
            store.catalog.inventory_items.get(&id).map(|item| inventory_item_json(item, store))
        }
        "bulk_operations/finish" => crate::bulk::finish_body(id, store),
        "app/uninstalled" => Some(shop_json(store)),
        _ => domain_body(topic, id, store),
    }
}

/// Bodies of topics whose resources other modules own (orders, customers). Topics without a
/// REST body here (`refunds/create`, `fulfillments/create` ...) are not delivered.
fn domain_body(topic: &str, id: u64, store: &Store) -> Option<Json> {
    let (resource, event) = topic.split_once('/')?;
    match (resource, event) {
        ("orders", "delete") => Some(json!({ "id": id })),
        ("orders", _) => store.orders.get(id).map(|order| crate::model::orders::rest::order_json(order, store)),
        ("customers", "create" | "update" | "enable" | "disable") => {
            store.customers.get(id).map(|customer| crate::model::customers::rest::customer_json(customer, store))
        }
        ("customers", "delete") => Some(json!({ "id": id })),
        _ => None,
    }
}

/// A time as REST bodies print it: in the shop's time zone, with its offset.
pub fn rest_time(timestamp: Timestamp, store: &Store) -> String {
    match jiff::tz::TimeZone::get(&store.shop.iana_timezone) {
        Ok(zone) => timestamp.to_zoned(zone).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => timestamp.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
    }
}

/// The most variants a product body carries in full (the rest only in `variant_gids`).
const FULL_VARIANTS: usize = 100;

/// `products/create`, `products/update`.
pub fn product_json(product: &Product, store: &Store) -> Json {
    let catalog = &store.catalog;
    let time = |timestamp| rest_time(timestamp, store);
    let variants: Vec<&Variant> = catalog.product_variants(product).collect();
    let images: Vec<Json> = product
        .media
        .iter()
        .enumerate()
        .map(|(index, media)| {
            json!({
                "id": media.image_id,
                "alt": media.alt,
                "position": index + 1,
                "product_id": product.id,
                "created_at": time(media.created_at),
                "updated_at": time(media.created_at),
                "admin_graphql_api_id": gid::format("ProductImage", media.image_id),
                "width": media.width,
                "height": media.height,
                "src": media.url,
                "variant_ids": [],
            })
        })
        .collect();
    let media: Vec<Json> = product
        .media
        .iter()
        .enumerate()
        .map(|(index, media)| {
            json!({
                "id": media.id,
                "product_id": product.id,
                "position": index + 1,
                "created_at": time(media.created_at),
                "updated_at": time(media.created_at),
                "alt": media.alt.clone().unwrap_or_default(),
                "status": "READY",
                "media_content_type": "IMAGE",
                "preview_image": { "width": media.width, "height": media.height, "src": media.url, "status": "READY" },
                "variant_ids": [],
                "admin_graphql_api_id": gid::format("MediaImage", media.id),
            })
        })
        .collect();
    let mut by_update: Vec<&&Variant> = variants.iter().collect();
    by_update.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    json!({
        "admin_graphql_api_id": gid::format("Product", product.id),
        "body_html": product.description_html,
        "created_at": time(product.created_at),
        "handle": product.handle,
        "id": product.id,
        "product_type": product.product_type,
        "published_at": product.published_at.map(time),
        "template_suffix": null,
        "title": product.title,
        "updated_at": time(product.updated_at),
        "vendor": product.vendor,
        "status": product.status.as_str().to_ascii_lowercase(),
        "published_scope": "web",
        "tags": product.tags.join(", "),
        "variants": variants.iter().take(FULL_VARIANTS).map(|variant| variant_json(variant, store)).collect::<Vec<_>>(),
        "options": product.options.iter().map(|option| json!({
            "name": option.name,
            "id": option.id,
            "product_id": product.id,
            "position": option.position,
            "values": option.values.iter().map(|value| value.name.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "images": images.clone(),
        "image": images.first().cloned().unwrap_or(Json::Null),
        "media": media,
        "variant_gids": by_update.iter().map(|variant| json!({
            "admin_graphql_api_id": gid::format("ProductVariant", variant.id),
            "updated_at": crate::store::format_time(variant.updated_at),
        })).collect::<Vec<_>>(),
        "has_variants_that_requires_components": false,
        "category": null,
    })
}

/// One variant inside a product body.
pub fn variant_json(variant: &Variant, store: &Store) -> Json {
    let item = store.catalog.inventory_items.get(&variant.inventory_item_id);
    let quantity = store.catalog.variant_inventory(variant);
    let (weight, unit) = item
        .and_then(|item| item.weight.as_ref())
        .map(|weight| (weight.value, rest_weight_unit(&weight.unit)))
        .unwrap_or((0.0, "kg"));
    let grams = match unit {
        "kg" => weight * 1000.0,
        "lb" => weight * 453.592,
        "oz" => weight * 28.3495,
        _ => weight,
    };
    let mut body = Map::new();
    let mut put = |key: &str, value: Json| {
        body.insert(key.to_string(), value);
    };
    put("admin_graphql_api_id", json!(gid::format("ProductVariant", variant.id)));
    put("barcode", json!(variant.barcode));
    put("compare_at_price", json!(variant.compare_at_price.map(format_decimal)));
    put("created_at", json!(rest_time(variant.created_at, store)));
    put("fulfillment_service", json!("manual"));
    put("id", json!(variant.id));
    put("inventory_policy", json!(variant.inventory_policy.to_ascii_lowercase()));
    put("position", json!(variant.position));
    put("price", json!(format_decimal(variant.price)));
    put("product_id", json!(variant.product_id));
    put("sku", json!(variant.sku));
    put("taxable", json!(variant.taxable));
    put("title", json!(variant.title));
    put("updated_at", json!(rest_time(variant.updated_at, store)));
    for (index, name) in ["option1", "option2", "option3"].iter().enumerate() {
        put(name, json!(variant.option_values.get(index)));
    }
    put("image_id", Json::Null);
    put("inventory_item_id", json!(variant.inventory_item_id));
    put("inventory_quantity", json!(quantity));
    put("old_inventory_quantity", json!(quantity));
    if item.is_some_and(|item| item.tracked) {
        put("inventory_management", json!("shopify"));
    }
    put("requires_shipping", json!(item.is_none_or(|item| item.requires_shipping)));
    put("grams", json!(grams.round() as i64));
    put("weight", json!(weight));
    put("weight_unit", json!(unit));
    Json::Object(body)
}

fn rest_weight_unit(unit: &str) -> &'static str {
    match unit {
        "KILOGRAMS" => "kg",
        "POUNDS" => "lb",
        "OUNCES" => "oz",
        _ => "g",
    }
}

/// `inventory_levels/update`, from the change's GID
/// (`gid://shopify/InventoryLevel/{location}?inventory_item_id={item}`).
pub fn inventory_level_json(change_gid: &str, store: &Store) -> Option<Json> {
    let (_, location_id) = gid::parse(change_gid)?;
    let item_id: u64 = change_gid.split("inventory_item_id=").nth(1)?.split('&').next()?.parse().ok()?;
    let item = store.catalog.inventory_items.get(&item_id)?;
    let level = item.levels.get(&location_id)?;
    Some(json!({
        "inventory_item_id": item_id,
        "location_id": location_id,
        "available": level.quantity("available"),
        "updated_at": rest_time(level.updated_at, store),
        "admin_graphql_api_id": format!("gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"),
    }))
}

/// `inventory_items/update`.
pub fn inventory_item_json(item: &InventoryItem, store: &Store) -> Json {
    let sku = store.catalog.variants.get(&item.variant_id).and_then(|variant| variant.sku.clone());
    let (unit, value) =
        item.weight.as_ref().map(|weight| (rest_weight_unit(&weight.unit), weight.value)).unwrap_or(("kg", 0.0));
    json!({
        "id": item.id,
        "sku": sku.unwrap_or_default(),
        "created_at": rest_time(item.created_at, store),
        "updated_at": rest_time(item.updated_at, store),
        "requires_shipping": item.requires_shipping,
        "cost": item.unit_cost.map(format_decimal),
        "country_code_of_origin": item.country_code_of_origin,
        "province_code_of_origin": null,
        "harmonized_system_code": item.harmonized_system_code,
        "tracked": item.tracked,
        "country_harmonized_system_codes": [],
        "weight_value": value.round() as i64,
        "weight_unit": unit,
        "admin_graphql_api_id": gid::format("InventoryItem", item.id),
    })
}

/// `app/uninstalled` (and `shop/update`): the REST `Shop`.
pub fn shop_json(store: &Store) -> Json {
    let shop = &store.shop;
    let primary_location = store.catalog.locations.values().next();
    let currency = &shop.currency_code;
    // Two halves: one `json!` of every field exceeds the macro's recursion limit.
    let mut body = json!({
        "id": shop.id,
        "name": shop.name,
        "email": shop.email,
        "domain": shop.myshopify_domain,
        "province": "",
        "country": shop.country_code,
        "address1": primary_location.map(|location| location.address1.clone()).unwrap_or_default(),
        "zip": primary_location.map(|location| location.zip.clone()).unwrap_or_default(),
        "city": primary_location.map(|location| location.city.clone()).unwrap_or_default(),
        "source": null,
        "phone": "",
        "latitude": null,
        "longitude": null,
        "primary_locale": "en",
        "address2": null,
        "created_at": rest_time(shop.created_at, store),
        "updated_at": rest_time(shop.updated_at, store),
        "country_code": shop.country_code,
        "country_name": shop.country_code,
        "currency": currency,
        "customer_email": shop.email,
        "timezone": format!("(GMT+00:00) {}", shop.iana_timezone),
        "iana_timezone": shop.iana_timezone,
        "shop_owner": "Simulated Owner",
        "money_format": "{{amount}} €",
        "money_with_currency_format": format!("{{{{amount}}}} {currency}"),
        "weight_unit": rest_weight_unit(&shop.weight_unit),
    });
    let rest = json!({
        "province_code": "",
        "taxes_included": true,
        "auto_configure_tax_inclusivity": null,
        "tax_shipping": null,
        "county_taxes": null,
        "plan_display_name": shop.plan_display_name,
        "plan_name": shop.plan_display_name.to_lowercase().replace(' ', "_"),
        "has_discounts": false,
        "has_gift_cards": false,
        "myshopify_domain": shop.myshopify_domain,
        "google_apps_domain": null,
        "google_apps_login_enabled": null,
        "money_in_emails_format": "{{amount}} €",
        "money_with_currency_in_emails_format": format!("{{{{amount}}}} {currency}"),
        "eligible_for_payments": true,
        "requires_extra_payments_agreement": false,
        "password_enabled": false,
        "has_storefront": true,
        "finances": true,
        "primary_location_id": primary_location.map(|location| location.id).unwrap_or_default(),
        "checkout_api_supported": true,
        "multi_location_enabled": store.catalog.locations.len() > 1,
        "setup_required": false,
        "pre_launch_enabled": false,
        "enabled_presentment_currencies": [currency],
        "marketing_sms_consent_enabled_at_checkout": false,
        "transactional_sms_disabled": false,
    });
    if let (Json::Object(body), Json::Object(rest)) = (&mut body, rest) {
        body.extend(rest);
    }
    body
}
