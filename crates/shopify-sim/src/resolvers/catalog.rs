//! Catalog reads: products, variants, inventory items and levels, locations, media.

use std::rc::Rc;

use serde_json::{Value as Json, json};

use super::{Count, MoneyV2, leaf, money_scalar, object, optional_text, strings, text, time};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::catalog::{
    Catalog, InventoryItem, InventoryLevel, Location, MediaImage, Product, ProductOption, Variant,
};
use crate::registry::Registry;
use crate::search::{Query, Searchable, Term};

pub fn register(registry: &mut Registry) {
    registry
        .query("products", products)
        .query("product", |call, ctx| {
            let product =
                super::gid_argument(call, "id", "Product")?.and_then(|id| ctx.store.catalog.products.get(&id));
            Ok(product.map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product)))))
        })
        .query("productByIdentifier", product_by_identifier)
        .query("productsCount", |call, ctx| {
            let query = Query::parse(call.arg_str("query").unwrap_or(""));
            let catalog = &ctx.store.catalog;
            let count =
                catalog.products.values().filter(|product| query.matches(&ProductSearch { product, catalog })).count();
            object(Count(count))
        })
        .query("productVariants", product_variants)
        .query("productVariant", |call, ctx| {
            let variant =
                super::gid_argument(call, "id", "ProductVariant")?.and_then(|id| ctx.store.catalog.variants.get(&id));
            Ok(variant.map_or(Output::Null, |variant| Output::Object(Rc::new(VariantObject(variant)))))
        })
        .query("productVariantsCount", |call, ctx| {
            let query = Query::parse(call.arg_str("query").unwrap_or(""));
            let catalog = &ctx.store.catalog;
            let count =
                catalog.variants.values().filter(|variant| query.matches(&VariantSearch { variant, catalog })).count();
            object(Count(count))
        })
        .query("inventoryItems", inventory_items)
        .query("inventoryItem", |call, ctx| {
            let item = super::gid_argument(call, "id", "InventoryItem")?
                .and_then(|id| ctx.store.catalog.inventory_items.get(&id));
            Ok(item.map_or(Output::Null, |item| Output::Object(Rc::new(InventoryItemObject(item)))))
        })
        .query("locations", locations)
        .query("locationsCount", |call, ctx| {
            let query = Query::parse(call.arg_str("query").unwrap_or(""));
            object(Count(ctx.store.catalog.locations.values().filter(|location| query.matches(*location)).count()))
        })
        .query("location", |call, ctx| {
            let catalog = &ctx.store.catalog;
            let location = match super::gid_argument(call, "id", "Location")? {
                Some(id) => catalog.locations.get(&id),
                // Without an id, Shopify returns the shop's primary location.
                None if call.arg("id").is_none() => catalog.locations.values().next(),
                None => None,
            };
            Ok(location.map_or(Output::Null, |location| Output::Object(Rc::new(LocationObject(location)))))
        })
        .node("Product", |id, ctx| {
            ctx.store.catalog.products.get(&id).map(|product| Rc::new(ProductObject(product)) as Rc<dyn Object>)
        })
        .node("ProductVariant", |id, ctx| {
            ctx.store.catalog.variants.get(&id).map(|variant| Rc::new(VariantObject(variant)) as Rc<dyn Object>)
        })
        .node("InventoryItem", |id, ctx| {
            ctx.store.catalog.inventory_items.get(&id).map(|item| Rc::new(InventoryItemObject(item)) as Rc<dyn Object>)
        })
        .node("Location", |id, ctx| {
            ctx.store.catalog.locations.get(&id).map(|location| Rc::new(LocationObject(location)) as Rc<dyn Object>)
        })
        .node("MediaImage", |id, ctx| {
            ctx.store.catalog.products.values().find_map(|product| {
                product
                    .media
                    .iter()
                    .find(|media| media.id == id)
                    .map(|media| Rc::new(MediaImageObject(media)) as Rc<dyn Object>)
            })
        });
}

// ---------------------------------------------------------------------------------------------
// Root connections
// ---------------------------------------------------------------------------------------------

fn products<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let sort_key = call.arg_str("sortKey").unwrap_or("ID");
    let catalog = &ctx.store.catalog;
    let items: Vec<(SortKey, &Product)> = catalog
        .products
        .values()
        .filter(|product| query.matches(&ProductSearch { product, catalog }))
        .map(|product| (product_sort_key(product, sort_key, catalog), product))
        .collect();
    Connection::new("ProductConnection", "ProductEdge", paginate(items, &request), |product| {
        Rc::new(ProductObject(product)) as Rc<dyn Object>
    })
    .output()
}

fn product_by_identifier<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let identifier = call.arg("identifier").cloned().unwrap_or(Json::Null);
    let catalog = &ctx.store.catalog;
    let product = if let Some(id) = identifier.get("id").and_then(Json::as_str) {
        gid::parse_kind(id, "Product").and_then(|id| catalog.products.get(&id))
    } else if let Some(handle) = identifier.get("handle").and_then(Json::as_str) {
        catalog.products.values().find(|product| product.handle == handle)
    } else {
        return Err(FieldError::NotImplemented);
    };
    Ok(product.map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product)))))
}

fn product_variants<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let sort_key = call.arg_str("sortKey").unwrap_or("ID");
    let catalog = &ctx.store.catalog;
    let items: Vec<(SortKey, &Variant)> = catalog
        .variants
        .values()
        .filter(|variant| query.matches(&VariantSearch { variant, catalog }))
        .map(|variant| (variant_sort_key(variant, sort_key, catalog), variant))
        .collect();
    variant_connection(items, &request)
}

fn variant_connection<'a>(items: Vec<(SortKey, &'a Variant)>, request: &PageRequest) -> Resolved<'a> {
    Connection::new("ProductVariantConnection", "ProductVariantEdge", paginate(items, request), |variant| {
        Rc::new(VariantObject(variant)) as Rc<dyn Object>
    })
    .output()
}

fn inventory_items<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let catalog = &ctx.store.catalog;
    let items: Vec<(SortKey, &InventoryItem)> = catalog
        .inventory_items
        .values()
        .filter(|item| query.matches(&InventoryItemSearch { item, catalog }))
        .map(|item| (SortKey::id(item.id), item))
        .collect();
    Connection::new("InventoryItemConnection", "InventoryItemEdge", paginate(items, &request), |item| {
        Rc::new(InventoryItemObject(item)) as Rc<dyn Object>
    })
    .output()
}

fn locations<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let include_inactive = call.arg_bool("includeInactive").unwrap_or(false);
    let by_name = call.arg_str("sortKey").unwrap_or("NAME") == "NAME";
    let items: Vec<(SortKey, &Location)> = ctx
        .store
        .catalog
        .locations
        .values()
        .filter(|location| include_inactive || location.is_active)
        .filter(|location| query.matches(*location))
        .map(|location| {
            let key = if by_name { SortKey::text(&location.name, location.id) } else { SortKey::id(location.id) };
            (key, location)
        })
        .collect();
    Connection::new("LocationConnection", "LocationEdge", paginate(items, &request), |location| {
        Rc::new(LocationObject(location)) as Rc<dyn Object>
    })
    .output()
}

// ---------------------------------------------------------------------------------------------
// Search and sort
// ---------------------------------------------------------------------------------------------

/// A product as seen by the `query:` filter of `products`.
pub struct ProductSearch<'s> {
    pub product: &'s Product,
    pub catalog: &'s Catalog,
}

impl Searchable for ProductSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let product = self.product;
        Some(match field {
            "id" => term.matches_number(product.id as i64),
            "title" => term.matches_text(&product.title),
            "handle" => term.matches_text(&product.handle),
            "vendor" => term.matches_text(&product.vendor),
            "product_type" => term.matches_text(&product.product_type),
            "status" => term.value.split(',').any(|status| status.trim().eq_ignore_ascii_case(product.status.as_str())),
            "tag" => product.tags.iter().any(|tag| term.matches_text(tag)),
            "tag_not" => !product.tags.iter().any(|tag| term.matches_text(tag)),
            "sku" => {
                self.catalog.product_variants(product).any(|variant| term.matches_optional_text(variant.sku.as_deref()))
            }
            "barcode" => self
                .catalog
                .product_variants(product)
                .any(|variant| term.matches_optional_text(variant.barcode.as_deref())),
            "created_at" => term.matches_time(product.created_at),
            "updated_at" => term.matches_time(product.updated_at),
            "published_at" => product.published_at.is_some_and(|at| term.matches_time(at)),
            "inventory_total" => term.matches_number(self.catalog.total_inventory(product)),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        let text = text.trim_end_matches('*').to_lowercase();
        self.product.title.to_lowercase().contains(&text)
            || self.product.vendor.to_lowercase().contains(&text)
            || self.product.tags.iter().any(|tag| tag.to_lowercase() == text)
            || self
                .catalog
                .product_variants(self.product)
                .any(|variant| variant.sku.as_deref().is_some_and(|sku| sku.to_lowercase() == text))
    }
}

/// A variant as seen by the `query:` filter of `productVariants`.
pub struct VariantSearch<'s> {
    pub variant: &'s Variant,
    pub catalog: &'s Catalog,
}

impl Searchable for VariantSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let variant = self.variant;
        let product = self.catalog.products.get(&variant.product_id);
        Some(match field {
            "id" => term.matches_number(variant.id as i64),
            "sku" => term.matches_optional_text(variant.sku.as_deref()),
            "barcode" => term.matches_optional_text(variant.barcode.as_deref()),
            "title" => term.matches_text(&variant.title),
            "product_id" => term.matches_number(variant.product_id as i64),
            "product_status" => product.is_some_and(|product| {
                term.value.split(',').any(|status| status.trim().eq_ignore_ascii_case(product.status.as_str()))
            }),
            "tag" => product.is_some_and(|product| product.tags.iter().any(|tag| term.matches_text(tag))),
            "vendor" => product.is_some_and(|product| term.matches_text(&product.vendor)),
            "created_at" => term.matches_time(variant.created_at),
            "updated_at" => term.matches_time(variant.updated_at),
            "inventory_quantity" => term.matches_number(self.catalog.variant_inventory(variant)),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        let text = text.trim_end_matches('*').to_lowercase();
        self.variant.title.to_lowercase().contains(&text)
            || self.variant.sku.as_deref().is_some_and(|sku| sku.to_lowercase().contains(&text))
    }
}

struct InventoryItemSearch<'s> {
    item: &'s InventoryItem,
    catalog: &'s Catalog,
}

impl Searchable for InventoryItemSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        Some(match field {
            "id" => term.matches_number(self.item.id as i64),
            "sku" => {
                let sku = self.catalog.variants.get(&self.item.variant_id).and_then(|v| v.sku.as_deref());
                term.matches_optional_text(sku)
            }
            "created_at" => term.matches_time(self.item.created_at),
            "updated_at" => term.matches_time(self.item.updated_at),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.catalog
            .variants
            .get(&self.item.variant_id)
            .and_then(|variant| variant.sku.as_deref())
            .is_some_and(|sku| sku.eq_ignore_ascii_case(text))
    }
}

impl Searchable for Location {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        Some(match field {
            "id" => term.matches_number(self.id as i64),
            "name" => term.matches_text(&self.name),
            "active" => term.matches_text(if self.is_active { "true" } else { "false" }),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.name.to_lowercase().contains(&text.to_lowercase())
    }
}

fn product_sort_key(product: &Product, sort_key: &str, catalog: &Catalog) -> SortKey {
    match sort_key {
        "TITLE" => SortKey::text(&product.title, product.id),
        "UPDATED_AT" => SortKey::int(product.updated_at.as_second(), product.id),
        "CREATED_AT" => SortKey::int(product.created_at.as_second(), product.id),
        "PUBLISHED_AT" => SortKey::int(product.published_at.map_or(0, |at| at.as_second()), product.id),
        "PRODUCT_TYPE" => SortKey::text(&product.product_type, product.id),
        "VENDOR" => SortKey::text(&product.vendor, product.id),
        "INVENTORY_TOTAL" => SortKey::int(catalog.total_inventory(product), product.id),
        _ => SortKey::id(product.id),
    }
}

fn variant_sort_key(variant: &Variant, sort_key: &str, catalog: &Catalog) -> SortKey {
    match sort_key {
        "SKU" => SortKey::text(variant.sku.as_deref().unwrap_or(""), variant.id),
        "TITLE" | "NAME" => SortKey::text(&variant.title, variant.id),
        "FULL_TITLE" => {
            let product = catalog.products.get(&variant.product_id).map_or("", |p| p.title.as_str());
            SortKey::text(&format!("{product} - {}", variant.title), variant.id)
        }
        "POSITION" => SortKey::int(variant.position as i64, variant.id),
        "INVENTORY_QUANTITY" | "INVENTORY_LEVELS_AVAILABLE" => {
            SortKey::int(catalog.variant_inventory(variant), variant.id)
        }
        _ => SortKey::id(variant.id),
    }
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

/// `Product`.
pub struct ProductObject<'s>(pub &'s Product);

impl Object for ProductObject<'_> {
    fn type_name(&self) -> &'static str {
        "Product"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let product = self.0;
        let catalog = &ctx.store.catalog;
        if let Some(resolved) = super::publications::product_field(product, call, ctx) {
            return resolved;
        }
        if let Some(resolved) = super::metafields::owner_field("Product", product.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            // No SEO overrides are seeded: Shopify answers null for each until one is set.
            "seo" => super::object(SeoObject),
            name @ ("priceRangeV2" | "compareAtPriceRange") => {
                let prices: Vec<rust_decimal::Decimal> = catalog
                    .product_variants(product)
                    .map(|variant| {
                        if name == "priceRangeV2" {
                            variant.price
                        } else {
                            variant.compare_at_price.unwrap_or_default()
                        }
                    })
                    .collect();
                let min = prices.iter().min().copied().unwrap_or_default();
                let max = prices.iter().max().copied().unwrap_or_default();
                let type_name =
                    if name == "priceRangeV2" { "ProductPriceRangeV2" } else { "ProductCompareAtPriceRange" };
                super::object(PriceRange { type_name, min, max })
            }
            "collections" => {
                let request = PageRequest::from_call(call)?;
                let items: Vec<(SortKey, &Product)> = Vec::new();
                Connection::new("CollectionConnection", "CollectionEdge", paginate(items, &request), |product| {
                    Rc::new(ProductObject(product)) as Rc<dyn Object>
                })
                .output()
            }
            "inCollection" => leaf(json!(false)),
            "category" => Ok(Output::Null),
            "id" => text(&gid::format("Product", product.id)),
            "legacyResourceId" => text(&product.id.to_string()),
            "title" => text(&product.title),
            "handle" => text(&product.handle),
            "descriptionHtml" | "bodyHtml" => text(&product.description_html),
            "description" => text(&strip_html(&product.description_html)),
            "vendor" => text(&product.vendor),
            "productType" => text(&product.product_type),
            "status" => text(product.status.as_str()),
            "tags" => strings(&product.tags),
            "createdAt" => time(product.created_at),
            "updatedAt" => time(product.updated_at),
            "publishedAt" => product.published_at.map_or(Ok(Output::Null), time),
            "isGiftCard" | "requiresSellingPlan" | "hasVariantsThatRequiresComponents" => leaf(json!(false)),
            "templateSuffix" | "onlineStoreUrl" | "onlineStorePreviewUrl" | "giftCardTemplateSuffix" => {
                Ok(Output::Null)
            }
            "tracksInventory" => leaf(json!(catalog.product_variants(product).any(|variant| {
                catalog.inventory_items.get(&variant.inventory_item_id).is_some_and(|item| item.tracked)
            }))),
            "totalInventory" => leaf(json!(catalog.total_inventory(product))),
            "hasOnlyDefaultVariant" => leaf(json!(is_default_only(product))),
            "hasOutOfStockVariants" => {
                leaf(json!(catalog.product_variants(product).any(|variant| catalog.variant_inventory(variant) <= 0)))
            }
            "totalVariants" => leaf(json!(product.variant_ids.len())),
            "variantsCount" => object(Count(product.variant_ids.len())),
            "mediaCount" => object(Count(product.media.len())),
            "options" => {
                let limit = call.arg_i64("first").map_or(usize::MAX, |first| first.max(0) as usize);
                Ok(Output::List(
                    product
                        .options
                        .iter()
                        .take(limit)
                        .map(|option| Output::Object(Rc::new(OptionObject { product, option })))
                        .collect(),
                ))
            }
            "variants" => {
                let request = PageRequest::from_call(call)?;
                let sort_key = call.arg_str("sortKey").unwrap_or("POSITION");
                let items = catalog
                    .product_variants(product)
                    .map(|variant| (variant_sort_key(variant, sort_key, catalog), variant))
                    .collect();
                variant_connection(items, &request)
            }
            "media" => {
                let request = PageRequest::from_call(call)?;
                let items = product
                    .media
                    .iter()
                    .enumerate()
                    .map(|(position, media)| (SortKey::int(position as i64, media.id), media))
                    .collect();
                Connection::new("MediaConnection", "MediaEdge", paginate(items, &request), |media| {
                    Rc::new(MediaImageObject(media)) as Rc<dyn Object>
                })
                .output()
            }
            "images" => {
                let request = PageRequest::from_call(call)?;
                let items = product
                    .media
                    .iter()
                    .enumerate()
                    .map(|(position, media)| (SortKey::int(position as i64, media.id), media))
                    .collect();
                Connection::new("ImageConnection", "ImageEdge", paginate(items, &request), |media| {
                    Rc::new(ImageObject(media)) as Rc<dyn Object>
                })
                .output()
            }
            "featuredMedia" => {
                Ok(product.media.first().map_or(Output::Null, |media| Output::Object(Rc::new(MediaImageObject(media)))))
            }
            "featuredImage" => {
                Ok(product.media.first().map_or(Output::Null, |media| Output::Object(Rc::new(ImageObject(media)))))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn is_default_only(product: &Product) -> bool {
    product.variant_ids.len() == 1
        && product.options.len() == 1
        && product.options[0].name == "Title"
        && product.options[0].values.first().is_some_and(|value| value.name == "Default Title")
}

fn strip_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

struct OptionObject<'s> {
    product: &'s Product,
    option: &'s ProductOption,
}

impl Object for OptionObject<'_> {
    fn type_name(&self) -> &'static str {
        "ProductOption"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let option = self.option;
        match call.name() {
            "id" => text(&gid::format("ProductOption", option.id)),
            "name" => text(&option.name),
            "position" => leaf(json!(option.position)),
            "values" => leaf(json!(option.values.iter().map(|value| value.name.as_str()).collect::<Vec<_>>())),
            "optionValues" => {
                let index = option.position.saturating_sub(1);
                let catalog = &ctx.store.catalog;
                Ok(Output::List(
                    option
                        .values
                        .iter()
                        .map(|value| {
                            let has_variants = catalog
                                .product_variants(self.product)
                                .any(|variant| variant.option_values.get(index) == Some(&value.name));
                            Output::Object(Rc::new(OptionValueObject { id: value.id, name: &value.name, has_variants }))
                        })
                        .collect(),
                ))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct OptionValueObject<'s> {
    id: u64,
    name: &'s str,
    has_variants: bool,
}

impl Object for OptionValueObject<'_> {
    fn type_name(&self) -> &'static str {
        "ProductOptionValue"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&gid::format("ProductOptionValue", self.id)),
            "name" => text(self.name),
            "hasVariants" => leaf(json!(self.has_variants)),
            "swatch" | "linkedMetafieldValue" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `ProductVariant`.
pub struct VariantObject<'s>(pub &'s Variant);

impl Object for VariantObject<'_> {
    fn type_name(&self) -> &'static str {
        "ProductVariant"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let variant = self.0;
        let catalog = &ctx.store.catalog;
        let product = catalog.products.get(&variant.product_id);
        if let Some(resolved) = super::metafields::owner_field("ProductVariant", variant.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            "unitPrice" | "unitPriceMeasurement" => Ok(Output::Null),
            "showUnitPrice" => leaf(json!(false)),
            "id" => text(&gid::format("ProductVariant", variant.id)),
            "legacyResourceId" => text(&variant.id.to_string()),
            "title" => text(&variant.title),
            "displayName" => {
                text(&format!("{} - {}", product.map_or("", |product| product.title.as_str()), variant.title))
            }
            "sku" => optional_text(variant.sku.as_deref()),
            "barcode" => optional_text(variant.barcode.as_deref()),
            "price" => leaf(money_scalar(variant.price)),
            "compareAtPrice" => {
                Ok(variant.compare_at_price.map_or(Output::Null, |price| Output::Value(money_scalar(price))))
            }
            "position" => leaf(json!(variant.position)),
            "taxable" => leaf(json!(variant.taxable)),
            "taxCode" => Ok(Output::Null),
            "inventoryPolicy" => text(&variant.inventory_policy),
            "inventoryQuantity" => leaf(json!(catalog.variant_inventory(variant))),
            "availableForSale" => leaf(json!(
                product.is_some_and(|product| product.status == crate::model::catalog::ProductStatus::Active)
                    && (variant.inventory_policy == "CONTINUE" || catalog.variant_inventory(variant) > 0)
            )),
            "sellableOnlineQuantity" => leaf(json!(catalog.variant_inventory(variant).max(0))),
            "requiresComponents" => leaf(json!(false)),
            "createdAt" => time(variant.created_at),
            "updatedAt" => time(variant.updated_at),
            "product" => Ok(product.map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product))))),
            "inventoryItem" => Ok(catalog
                .inventory_items
                .get(&variant.inventory_item_id)
                .map_or(Output::Null, |item| Output::Object(Rc::new(InventoryItemObject(item))))),
            "selectedOptions" => {
                let options = product.map(|product| product.options.as_slice()).unwrap_or(&[]);
                Ok(Output::List(
                    options
                        .iter()
                        .zip(&variant.option_values)
                        .map(|(option, value)| {
                            let value_id = option.values.iter().find(|v| &v.name == value).map_or(0, |v| v.id);
                            Output::Object(Rc::new(SelectedOptionObject { name: &option.name, value, value_id }))
                        })
                        .collect(),
                ))
            }
            "image" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct SelectedOptionObject<'s> {
    name: &'s str,
    value: &'s str,
    value_id: u64,
}

impl Object for SelectedOptionObject<'_> {
    fn type_name(&self) -> &'static str {
        "SelectedOption"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "name" => text(self.name),
            "value" => text(self.value),
            "optionValue" => {
                super::object(OptionValueObject { id: self.value_id, name: self.value, has_variants: true })
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `InventoryItem`.
pub struct InventoryItemObject<'s>(pub &'s InventoryItem);

impl Object for InventoryItemObject<'_> {
    fn type_name(&self) -> &'static str {
        "InventoryItem"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let item = self.0;
        let catalog = &ctx.store.catalog;
        let variant = catalog.variants.get(&item.variant_id);
        match call.name() {
            "id" => text(&gid::format("InventoryItem", item.id)),
            "legacyResourceId" => text(&item.id.to_string()),
            "sku" => optional_text(variant.and_then(|variant| variant.sku.as_deref())),
            "tracked" => leaf(json!(item.tracked)),
            "requiresShipping" => leaf(json!(item.requires_shipping)),
            "countryCodeOfOrigin" => optional_text(item.country_code_of_origin.as_deref()),
            "harmonizedSystemCode" => optional_text(item.harmonized_system_code.as_deref()),
            "provinceCodeOfOrigin" | "inventoryHistoryUrl" => Ok(Output::Null),
            "createdAt" => time(item.created_at),
            "updatedAt" => time(item.updated_at),
            "duplicateSkuCount" => {
                let sku = variant.and_then(|variant| variant.sku.as_deref());
                let duplicates = sku.map_or(0, |sku| {
                    catalog
                        .variants
                        .values()
                        .filter(|other| other.id != item.variant_id && other.sku.as_deref() == Some(sku))
                        .count()
                });
                leaf(json!(duplicates))
            }
            "locationsCount" => object(Count(item.levels.len())),
            "unitCost" => Ok(item.unit_cost.map_or(Output::Null, |amount| {
                Output::Object(Rc::new(MoneyV2 { amount, currency_code: ctx.store.shop.currency_code.clone() }))
            })),
            "measurement" => object(MeasurementObject(item)),
            "variant" => Ok(variant.map_or(Output::Null, |variant| Output::Object(Rc::new(VariantObject(variant))))),
            // Since 2026-01 `variant` is deprecated for this connection (an item may one day
            // stock several variants); here it holds the one variant.
            "variants" => {
                let request = PageRequest::from_call(call)?;
                let items =
                    variant.map(|variant| (variant_sort_key(variant, "ID", catalog), variant)).into_iter().collect();
                variant_connection(items, &request)
            }
            "inventoryLevel" => {
                let location_id = super::gid_argument(call, "locationId", "Location")?;
                Ok(location_id
                    .and_then(|location_id| {
                        let level = item.levels.get(&location_id)?;
                        let location = catalog.locations.get(&location_id)?;
                        Some(Output::Object(Rc::new(LevelObject { item, location, level })))
                    })
                    .unwrap_or(Output::Null))
            }
            "inventoryLevels" => {
                let request = PageRequest::from_call(call)?;
                let items = item
                    .levels
                    .iter()
                    .filter_map(|(location_id, level)| {
                        let location = catalog.locations.get(location_id)?;
                        Some((SortKey::id(*location_id), LevelObject { item, location, level }))
                    })
                    .collect();
                Connection::new("InventoryLevelConnection", "InventoryLevelEdge", paginate(items, &request), |level| {
                    Rc::new(level) as Rc<dyn Object>
                })
                .output()
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct MeasurementObject<'s>(&'s InventoryItem);

impl Object for MeasurementObject<'_> {
    fn type_name(&self) -> &'static str {
        "InventoryItemMeasurement"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&gid::format("InventoryItemMeasurement", self.0.id)),
            "weight" => Ok(self.0.weight.as_ref().map_or(Output::Null, |weight| {
                Output::Object(Rc::new(WeightObject { unit: &weight.unit, value: weight.value }))
            })),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct WeightObject<'s> {
    unit: &'s str,
    value: f64,
}

impl Object for WeightObject<'_> {
    fn type_name(&self) -> &'static str {
        "Weight"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "unit" => text(self.unit),
            "value" => leaf(json!(self.value)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `InventoryLevel`: one item at one location.
pub struct LevelObject<'s> {
    pub item: &'s InventoryItem,
    pub location: &'s Location,
    pub level: &'s InventoryLevel,
}

impl Object for LevelObject<'_> {
    fn type_name(&self) -> &'static str {
        "InventoryLevel"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => {
                text(&format!("gid://shopify/InventoryLevel/{}?inventory_item_id={}", self.location.id, self.item.id))
            }
            "canDeactivate" => leaf(json!(true)),
            "deactivationAlert" => Ok(Output::Null),
            "createdAt" => time(self.level.created_at),
            "updatedAt" => time(self.level.updated_at),
            "item" => object(InventoryItemObject(self.item)),
            "location" => object(LocationObject(self.location)),
            "quantities" => {
                let names: Vec<&str> = match call.arg("names") {
                    Some(Json::Array(names)) => names.iter().filter_map(Json::as_str).collect(),
                    Some(Json::String(name)) => vec![name.as_str()],
                    _ => Vec::new(),
                };
                if let Some(unknown) = names.iter().find(|name| self.level.quantity(name).is_none()) {
                    return Err(FieldError::message(format!(
                        "The quantity name '{unknown}' is not valid. Valid names are: {}.",
                        crate::model::catalog::QUANTITY_NAMES.join(", ")
                    )));
                }
                Ok(Output::List(
                    names
                        .iter()
                        .map(|name| {
                            Output::Object(Rc::new(QuantityObject {
                                item_id: self.item.id,
                                location_id: self.location.id,
                                name: name.to_string(),
                                quantity: self.level.quantity(name).unwrap_or(0),
                                updated_at: self.level.updated_at,
                            }))
                        })
                        .collect(),
                ))
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct QuantityObject {
    item_id: u64,
    location_id: u64,
    name: String,
    quantity: i64,
    updated_at: jiff::Timestamp,
}

impl Object for QuantityObject {
    fn type_name(&self) -> &'static str {
        "InventoryQuantity"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "id" => text(&format!(
                "gid://shopify/InventoryQuantity/{}?inventory_item_id={}&name={}",
                self.location_id, self.item_id, self.name
            )),
            "name" => text(&self.name),
            "quantity" => leaf(json!(self.quantity)),
            "updatedAt" => time(self.updated_at),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Location`.
pub struct LocationObject<'s>(pub &'s Location);

impl Object for LocationObject<'_> {
    fn type_name(&self) -> &'static str {
        "Location"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let location = self.0;
        let catalog = &ctx.store.catalog;
        if let Some(resolved) = super::metafields::owner_field("Location", location.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            "id" => text(&gid::format("Location", location.id)),
            "legacyResourceId" => text(&location.id.to_string()),
            "name" => text(&location.name),
            "isActive" | "activatable" | "shipsInventory" | "hasActiveInventory" => leaf(json!(location.is_active)),
            "fulfillsOnlineOrders" => leaf(json!(location.fulfills_online_orders)),
            "isFulfillmentService" | "hasUnfulfilledOrders" | "deletable" => leaf(json!(false)),
            "deactivatable" | "addressVerified" => leaf(json!(true)),
            "deactivatedAt" | "fulfillmentService" => Ok(Output::Null),
            "createdAt" => time(location.created_at),
            "updatedAt" => time(location.updated_at),
            "address" => object(AddressObject(location)),
            "inventoryLevel" => {
                let item_id = super::gid_argument(call, "inventoryItemId", "InventoryItem")?;
                Ok(item_id
                    .and_then(|item_id| {
                        let item = catalog.inventory_items.get(&item_id)?;
                        let level = item.levels.get(&location.id)?;
                        Some(Output::Object(Rc::new(LevelObject { item, location, level })))
                    })
                    .unwrap_or(Output::Null))
            }
            "inventoryLevels" => {
                let request = PageRequest::from_call(call)?;
                let items = catalog
                    .inventory_items
                    .values()
                    .filter_map(|item| {
                        let level = item.levels.get(&location.id)?;
                        Some((SortKey::id(item.id), LevelObject { item, location, level }))
                    })
                    .collect();
                Connection::new("InventoryLevelConnection", "InventoryLevelEdge", paginate(items, &request), |level| {
                    Rc::new(level) as Rc<dyn Object>
                })
                .output()
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct AddressObject<'s>(&'s Location);

impl Object for AddressObject<'_> {
    fn type_name(&self) -> &'static str {
        "LocationAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let location = self.0;
        match call.name() {
            "address1" => text(&location.address1),
            "city" => text(&location.city),
            "zip" => text(&location.zip),
            "countryCode" => text(&location.country_code),
            "country" => text(country_name(&location.country_code)),
            "formatted" => leaf(json!([
                location.address1,
                format!("{} {}", location.zip, location.city),
                country_name(&location.country_code)
            ])),
            "address2" | "phone" | "province" | "provinceCode" | "latitude" | "longitude" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn country_name(code: &str) -> &'static str {
    match code {
        "DE" => "Germany",
        "FR" => "France",
        "NL" => "Netherlands",
        "BE" => "Belgium",
        "US" => "United States",
        "GB" => "United Kingdom",
        _ => "Unknown",
    }
}

/// `MediaImage`.
pub struct MediaImageObject<'s>(pub &'s MediaImage);

impl Object for MediaImageObject<'_> {
    fn type_name(&self) -> &'static str {
        "MediaImage"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let media = self.0;
        match call.name() {
            "id" => text(&gid::format("MediaImage", media.id)),
            "alt" => optional_text(media.alt.as_deref()),
            "mediaContentType" => text("IMAGE"),
            "status" => text("READY"),
            "fileStatus" => text("READY"),
            "mimeType" => text("image/png"),
            "mediaErrors" | "mediaWarnings" | "fileErrors" => leaf(json!([])),
            "createdAt" | "updatedAt" => time(media.created_at),
            "image" => object(ImageObject(media)),
            "preview" => object(PreviewObject(media)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Image` (and `MediaPreviewImage`, which has `image` and `status`).
struct ImageObject<'s>(&'s MediaImage);

impl Object for ImageObject<'_> {
    fn type_name(&self) -> &'static str {
        "Image"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let media = self.0;
        match call.name() {
            "id" => text(&gid::format("ProductImage", media.image_id)),
            "url" | "src" | "originalSrc" | "transformedSrc" => text(&media.url),
            "altText" => optional_text(media.alt.as_deref()),
            "width" => leaf(json!(media.width)),
            "height" => leaf(json!(media.height)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `MediaPreviewImage`: the preview of a media item.
struct PreviewObject<'s>(&'s MediaImage);

impl Object for PreviewObject<'_> {
    fn type_name(&self) -> &'static str {
        "MediaPreviewImage"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "image" => object(ImageObject(self.0)),
            "status" => text("READY"),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `SEO` of a product without overrides.
struct SeoObject;

impl Object for SeoObject {
    fn type_name(&self) -> &'static str {
        "SEO"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "title" | "description" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `ProductPriceRangeV2` / `ProductCompareAtPriceRange` over a product's variants.
struct PriceRange {
    type_name: &'static str,
    min: rust_decimal::Decimal,
    max: rust_decimal::Decimal,
}

impl Object for PriceRange {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "minVariantPrice" | "minVariantCompareAtPrice" => super::orders::money(ctx, self.min),
            "maxVariantPrice" | "maxVariantCompareAtPrice" => super::orders::money(ctx, self.max),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
