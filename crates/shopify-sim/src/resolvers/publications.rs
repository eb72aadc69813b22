//! Publications and sales channels: `publications`, `publication(id:)`, `publicationsCount`,
//! `channels`, `channel(id:)` and their `node` lookups; the publication fields of `Product`
//! (`resourcePublications`, `resourcePublicationsV2`, `unpublishedPublications`,
//! `publishedOnPublication` ...); and `publishablePublish` / `publishableUnpublish`, which need
//! the `write_publications` scope as on Shopify.

use std::rc::Rc;

use jiff::Timestamp;
use serde_json::{Value as Json, json};

use super::catalog::ProductObject;
use super::shop::ShopObject;
use super::{Count, UserError, leaf, object, text, time, user_errors};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::catalog::Product;
use crate::model::publications::Publication;
use crate::registry::{MutationCtx, Registry};

pub fn register(registry: &mut Registry) {
    registry
        .query("publications", |call, ctx| publication_connection(ctx.store.publications.items.iter().collect(), call))
        .query("publication", |call, ctx| {
            let found = super::gid_argument(call, "id", "Publication")?.and_then(|id| ctx.store.publications.get(id));
            Ok(found.map_or(Output::Null, |publication| Output::Object(Rc::new(PublicationObject(publication)))))
        })
        .query("publicationsCount", |_, ctx| object(Count(ctx.store.publications.items.len())))
        .query("channels", |call, ctx| {
            let request = PageRequest::from_call(call)?;
            let items = ctx.store.publications.items.iter().map(|p| (SortKey::id(p.channel_id), p)).collect();
            Connection::new("ChannelConnection", "ChannelEdge", paginate(items, &request), |publication| {
                Rc::new(ChannelObject(publication)) as Rc<dyn Object>
            })
            .output()
        })
        .query("channel", |call, ctx| {
            let found =
                super::gid_argument(call, "id", "Channel")?.and_then(|id| ctx.store.publications.by_channel(id));
            Ok(found.map_or(Output::Null, |publication| Output::Object(Rc::new(ChannelObject(publication)))))
        })
        .node("Publication", |id, ctx| {
            ctx.store.publications.get(id).map(|publication| Rc::new(PublicationObject(publication)) as Rc<dyn Object>)
        })
        .node("Channel", |id, ctx| {
            ctx.store
                .publications
                .by_channel(id)
                .map(|publication| Rc::new(ChannelObject(publication)) as Rc<dyn Object>)
        })
        .mutation("publishablePublish", |call, m| change(call, m, true))
        .mutation("publishableUnpublish", |call, m| change(call, m, false));
}

fn publication_connection<'a>(publications: Vec<&'a Publication>, call: &FieldCall<'_>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let items = publications.into_iter().map(|publication| (SortKey::id(publication.id), publication)).collect();
    Connection::new("PublicationConnection", "PublicationEdge", paginate(items, &request), |publication| {
        Rc::new(PublicationObject(publication)) as Rc<dyn Object>
    })
    .output()
}

/// The products published on a publication now, as a `ProductConnection`, and their count.
fn published_products<'a>(publication: &'a Publication, ctx: &'a Ctx<'a>) -> Vec<(SortKey, &'a Product)> {
    let now = ctx.store.now();
    ctx.store
        .catalog
        .products
        .values()
        .filter(|product| ctx.store.publications.is_published(product.id, product.created_at, publication, now))
        .map(|product| (SortKey::id(product.id), product))
        .collect()
}

fn product_connection<'a>(publication: &'a Publication, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    Connection::new("ProductConnection", "ProductEdge", paginate(published_products(publication, ctx), &request), |p| {
        Rc::new(ProductObject(p)) as Rc<dyn Object>
    })
    .output()
}

/// `Publication`.
pub struct PublicationObject<'s>(pub &'s Publication);

impl Object for PublicationObject<'_> {
    fn type_name(&self) -> &'static str {
        "Publication"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let publication = self.0;
        match call.name() {
            "id" => text(&gid::format("Publication", publication.id)),
            "name" => text(publication.name),
            "autoPublish" => leaf(json!(publication.published_by_default)),
            "supportsFuturePublishing" => leaf(json!(publication.supports_future_publishing)),
            // Each sales channel's publication belongs to its app's catalog, whose title is the
            // channel's name (`Publication.name` is deprecated in its favour).
            "catalog" => object(AppCatalogObject(publication)),
            "operation" => Ok(Output::Null),
            "app" => object(ChannelAppObject(publication)),
            "hasCollection" => leaf(json!(false)),
            "products" | "includedProducts" => product_connection(publication, call, ctx),
            "includedProductsCount" | "publishedProductsCount" => {
                object(Count(published_products(publication, ctx).len()))
            }
            "channels" => {
                let request = PageRequest::from_call(call)?;
                let items = vec![(SortKey::id(publication.channel_id), publication)];
                Connection::new("ChannelConnection", "ChannelEdge", paginate(items, &request), |publication| {
                    Rc::new(ChannelObject(publication)) as Rc<dyn Object>
                })
                .output()
            }
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `Channel`: the sales channel behind a publication.
pub struct ChannelObject<'s>(pub &'s Publication);

impl Object for ChannelObject<'_> {
    fn type_name(&self) -> &'static str {
        "Channel"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let publication = self.0;
        match call.name() {
            "id" => text(&gid::format("Channel", publication.channel_id)),
            "name" => text(publication.name),
            "handle" => text(publication.handle),
            "supportsFuturePublishing" => leaf(json!(publication.supports_future_publishing)),
            "app" => object(ChannelAppObject(publication)),
            "accountId" | "accountName" | "specificationHandle" | "resourceFeedback" => Ok(Output::Null),
            "activeRegions" => leaf(json!([])),
            "hasCollection" => leaf(json!(false)),
            "products" => product_connection(publication, call, ctx),
            "productsCount" => object(Count(published_products(publication, ctx).len())),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `AppCatalog`: the catalog of a sales channel app, one per publication.
struct AppCatalogObject<'s>(&'s Publication);

impl Object for AppCatalogObject<'_> {
    fn type_name(&self) -> &'static str {
        "AppCatalog"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let publication = self.0;
        match call.name() {
            "id" => text(&gid::format("AppCatalog", publication.id - 190_000_000_000 + 170_000)),
            "title" => text(publication.name),
            "status" => text("ACTIVE"),
            "publication" => object(PublicationObject(publication)),
            "priceList" => Ok(Output::Null),
            "operations" => leaf(json!([])),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The `App` of a channel (Shopify's own apps for these three channels).
struct ChannelAppObject<'s>(&'s Publication);

impl Object for ChannelAppObject<'_> {
    fn type_name(&self) -> &'static str {
        "App"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let publication = self.0;
        match call.name() {
            "id" => text(&gid::format("App", publication.channel_id - 191_000_000_000 + 580_000)),
            "title" => text(publication.name),
            "handle" => text(&publication.handle.replace('_', "-")),
            "developerName" => text("Shopify"),
            "published" | "embedded" => leaf(json!(true)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// One product on one publication (`ResourcePublication` / `ResourcePublicationV2`).
struct ResourcePublicationObject<'s> {
    type_name: &'static str,
    product: &'s Product,
    publication: &'s Publication,
    date: Timestamp,
    published: bool,
}

impl Object for ResourcePublicationObject<'_> {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "isPublished" => leaf(json!(self.published)),
            "publishDate" => time(self.date),
            "publication" => object(PublicationObject(self.publication)),
            "channel" => object(ChannelObject(self.publication)),
            "publishable" => object(ProductObject(self.product)),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The publication fields of `Product`; `None` for any other field.
pub fn product_field<'a>(product: &'a Product, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Option<Resolved<'a>> {
    // Asked first for every Product field: decide on the name before reading the clock.
    if !matches!(
        call.name(),
        "resourcePublications"
            | "resourcePublicationsV2"
            | "unpublishedPublications"
            | "publishedOnPublication"
            | "publishedOnCurrentPublication"
            | "resourcePublicationsCount"
            | "availablePublicationsCount"
    ) {
        return None;
    }
    let publications = &ctx.store.publications;
    let now = ctx.store.now();
    let states = || {
        publications.items.iter().map(move |publication| {
            (publication, publications.publish_date(product.id, product.created_at, publication))
        })
    };
    let resolved = match call.name() {
        name @ ("resourcePublications" | "resourcePublicationsV2") => {
            let only_published = call.arg_bool("onlyPublished").unwrap_or(true);
            let type_name =
                if name == "resourcePublications" { "ResourcePublication" } else { "ResourcePublicationV2" };
            let items: Vec<(SortKey, ResourcePublicationObject<'a>)> = states()
                .filter_map(|(publication, date)| {
                    let date = date?;
                    let published = date <= now;
                    (published || !only_published).then(|| {
                        let resource = ResourcePublicationObject { type_name, product, publication, date, published };
                        (SortKey::id(publication.id), resource)
                    })
                })
                .collect();
            let (connection, edge) = if name == "resourcePublications" {
                ("ResourcePublicationConnection", "ResourcePublicationEdge")
            } else {
                ("ResourcePublicationV2Connection", "ResourcePublicationV2Edge")
            };
            PageRequest::from_call(call).and_then(|request| {
                Connection::new(connection, edge, paginate(items, &request), |resource| {
                    Rc::new(resource) as Rc<dyn Object>
                })
                .output()
            })
        }
        "unpublishedPublications" => {
            let unpublished = states().filter(|(_, date)| date.is_none()).map(|(publication, _)| publication).collect();
            publication_connection(unpublished, call)
        }
        "publishedOnPublication" => {
            let publication = super::gid_argument(call, "publicationId", "Publication")
                .map(|id| id.and_then(|id| publications.get(id)));
            publication.map(|publication| {
                let published = publication.is_some_and(|publication| {
                    publications.is_published(product.id, product.created_at, publication, now)
                });
                Output::Value(json!(published))
            })
        }
        // The simulated app is not a sales channel: it has no publication of its own.
        "publishedOnCurrentPublication" => leaf(json!(false)),
        "resourcePublicationsCount" => {
            let only_published = call.arg_bool("onlyPublished").unwrap_or(true);
            let count = states().filter(|(_, date)| date.is_some_and(|date| !only_published || date <= now)).count();
            object(Count(count))
        }
        "availablePublicationsCount" => object(Count(publications.items.len())),
        _ => return None,
    };
    Some(resolved)
}

/// What `publishablePublish` / `publishableUnpublish` answer.
struct PublishPayload {
    product_id: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for PublishPayload {
    fn type_name(&self) -> &'static str {
        "PublishablePublishPayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "publishable" => Ok(self
                .product_id
                .and_then(|id| ctx.store.catalog.products.get(&id))
                .map_or(Output::Null, |product| Output::Object(Rc::new(ProductObject(product))))),
            "shop" => object(ShopObject(&ctx.store.shop)),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// Publishes (`publish`) or unpublishes a product on the publications of `input`.
fn change(call: &FieldCall<'_>, m: &mut MutationCtx<'_>, publish: bool) -> Result<Rc<dyn Object>, FieldError> {
    let name = call.name();
    if !m.env.access_scopes.iter().any(|scope| scope == "write_publications") {
        return Err(FieldError::coded(
            format!("Access denied for {name} field. Required access: `write_publications` access scope."),
            "ACCESS_DENIED",
        ));
    }
    let refuse = |field: Vec<String>, message: &str| UserError {
        type_name: "UserError",
        field: Some(field),
        message: message.to_string(),
        code: None,
    };
    let id = call.arg_str("id").unwrap_or_default();
    let Some(product_id) = gid::parse_kind(id, "Product").filter(|id| m.store.catalog.products.contains_key(id)) else {
        let message = match gid::parse(id) {
            Some(("Product", _)) | None => "Resource does not exist",
            // Collections and other publishables are not modelled by the simulator yet.
            Some(_) => "Only products can be published in the Shopify simulator",
        };
        return Ok(Rc::new(PublishPayload { product_id: None, user_errors: vec![refuse(vec!["id".into()], message)] }));
    };
    let inputs = call.arg("input").and_then(Json::as_array).cloned().unwrap_or_default();
    let now = m.store.now();
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let path = |last: &str| vec!["input".to_string(), index.to_string(), last.to_string()];
        let publication =
            match (input.get("publicationId").and_then(Json::as_str), input.get("channelId").and_then(Json::as_str)) {
                (Some(id), _) => gid::parse_kind(id, "Publication").and_then(|id| m.store.publications.get(id)),
                (None, Some(id)) => gid::parse_kind(id, "Channel").and_then(|id| m.store.publications.by_channel(id)),
                (None, None) => {
                    errors.push(refuse(path("publicationId"), "Publication ID or channel ID must be provided"));
                    continue;
                }
            };
        let Some(publication) = publication else {
            errors.push(refuse(path("publicationId"), "Publication does not exist"));
            continue;
        };
        let date = match input.get("publishDate").and_then(Json::as_str) {
            None => now,
            Some(text) => match text.parse::<Timestamp>() {
                Ok(date) => date,
                Err(_) => {
                    errors.push(refuse(path("publishDate"), "Publish date is invalid"));
                    continue;
                }
            },
        };
        // Only the online store schedules; elsewhere (and for unpublishing) the date is ignored.
        let date = if publication.supports_future_publishing { date } else { now };
        planned.push((publication.id, date));
    }
    if errors.is_empty() {
        for (publication_id, date) in planned {
            m.store.publications.set(product_id, publication_id, publish.then_some(date));
        }
    }
    Ok(Rc::new(PublishPayload { product_id: Some(product_id), user_errors: errors }))
}
