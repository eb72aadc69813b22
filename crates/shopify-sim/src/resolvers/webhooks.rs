//! Webhook subscriptions through the API: `webhookSubscriptionCreate`/`Update`/`Delete`,
//! `webhookSubscriptions` (filters `topics`, `callbackUrl`, `uri`, `format`, `query`),
//! `webhookSubscription(id:)`, `webhookSubscriptionsCount` and `node`. Delivery is in
//! `crate::webhooks`.
//!
//! Every served version takes the address as `uri` (it also accepts Pub/Sub and EventBridge
//! addresses) and still the deprecated `callbackUrl`; both are read here.

use std::rc::Rc;

use serde_json::{Value as Json, json};

use super::{Count, UserError, leaf, object, optional_text, strings, text, time, user_errors};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::registry::{MutationCtx, Registry};
use crate::search::{Query, Searchable, Term};
use crate::webhooks::{Endpoint, WebhookSubscription, is_loopback, topic_from_enum};

pub fn register(registry: &mut Registry) {
    registry
        .mutation("webhookSubscriptionCreate", create)
        .mutation("webhookSubscriptionUpdate", update)
        .mutation("webhookSubscriptionDelete", delete)
        .query("webhookSubscription", |call, ctx| {
            let subscription = super::gid_argument(call, "id", "WebhookSubscription")?
                .and_then(|id| ctx.store.webhooks.items.get(&id));
            Ok(subscription
                .map_or(Output::Null, |subscription| Output::Object(Rc::new(SubscriptionObject(subscription)))))
        })
        .query("webhookSubscriptions", subscriptions)
        .query("webhookSubscriptionsCount", |call, ctx| {
            let filters = Filters::from_call(call);
            object(Count(
                ctx.store.webhooks.items.values().filter(|subscription| filters.matches(subscription)).count(),
            ))
        })
        .node("WebhookSubscription", |id, ctx| {
            ctx.store
                .webhooks
                .items
                .get(&id)
                .map(|subscription| Rc::new(SubscriptionObject(subscription)) as Rc<dyn Object>)
        });
}

/// `WebhookSubscription`.
pub struct SubscriptionObject<'s>(pub &'s WebhookSubscription);

impl Object for SubscriptionObject<'_> {
    fn type_name(&self) -> &'static str {
        "WebhookSubscription"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let subscription = self.0;
        match call.name() {
            "id" => text(&gid::format("WebhookSubscription", subscription.id)),
            "legacyResourceId" => text(&subscription.id.to_string()),
            "topic" => text(&subscription.topic_enum()),
            "format" => text(&subscription.format),
            "includeFields" => strings(&subscription.include_fields),
            "metafieldNamespaces" => strings(&subscription.metafield_namespaces),
            "metafields" => Ok(Output::List(Vec::new())),
            "filter" => optional_text(subscription.filter.as_deref()),
            "uri" => text(&subscription.endpoint.uri()),
            "callbackUrl" => text(&subscription.endpoint.uri()),
            "endpoint" => object(EndpointObject(&subscription.endpoint)),
            "apiVersion" => object(ApiVersionObject(subscription.api_version.clone())),
            "createdAt" => time(subscription.created_at),
            "updatedAt" => time(subscription.updated_at),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The `WebhookSubscriptionEndpoint` union.
struct EndpointObject<'s>(&'s Endpoint);

impl Object for EndpointObject<'_> {
    fn type_name(&self) -> &'static str {
        match self.0 {
            Endpoint::Http { .. } => "WebhookHttpEndpoint",
            Endpoint::PubSub { .. } => "WebhookPubSubEndpoint",
            Endpoint::EventBridge { .. } => "WebhookEventBridgeEndpoint",
        }
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match (self.0, call.name()) {
            (Endpoint::Http { callback_url }, "callbackUrl") => text(callback_url),
            (Endpoint::PubSub { project, .. }, "pubSubProject") => text(project),
            (Endpoint::PubSub { topic, .. }, "pubSubTopic") => text(topic),
            (Endpoint::EventBridge { arn }, "arn") => text(arn),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `ApiVersion`.
struct ApiVersionObject(String);

impl Object for ApiVersionObject {
    fn type_name(&self) -> &'static str {
        "ApiVersion"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "handle" => text(&self.0),
            "displayName" => text(&if self.0 == "unstable" { "unstable".to_string() } else { self.0.clone() }),
            "supported" => leaf(json!(self.0 != "unstable")),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct SubscriptionPayload {
    type_name: &'static str,
    subscription: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for SubscriptionPayload {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "webhookSubscription" => Ok(self
                .subscription
                .and_then(|id| ctx.store.webhooks.items.get(&id))
                .map_or(Output::Null, |subscription| Output::Object(Rc::new(SubscriptionObject(subscription))))),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// The parts of `WebhookSubscriptionInput` the simulator keeps.
struct SubscriptionInput {
    address: Option<(String, &'static str)>,
    format: Option<String>,
    include_fields: Option<Vec<String>>,
    metafield_namespaces: Option<Vec<String>>,
    filter: Option<Option<String>>,
}

impl SubscriptionInput {
    fn read(call: &FieldCall<'_>) -> Self {
        let input = call.arg("webhookSubscription").cloned().unwrap_or(Json::Null);
        let list = |key: &str| {
            input
                .get(key)
                .and_then(Json::as_array)
                .map(|items| items.iter().filter_map(Json::as_str).map(str::to_string).collect::<Vec<_>>())
        };
        let address = ["uri", "callbackUrl"]
            .into_iter()
            .find_map(|key| input.get(key).and_then(Json::as_str).map(|value| (value.to_string(), key)));
        SubscriptionInput {
            address,
            format: input.get("format").and_then(Json::as_str).map(str::to_string),
            include_fields: list("includeFields"),
            metafield_namespaces: list("metafieldNamespaces"),
            filter: input
                .get("filter")
                .map(|filter| filter.as_str().filter(|text| !text.trim().is_empty()).map(str::to_string)),
        }
    }
}

/// Checks an address as Shopify does; the endpoint, or the user error.
fn check_address(address: Option<&(String, &'static str)>) -> Result<Endpoint, UserError> {
    let error = |key: &str, message: &str| UserError::new("UserError", &["webhookSubscription", key], message, None);
    let Some((address, key)) = address else {
        return Err(error("callbackUrl", "Address can't be blank"));
    };
    let Some(endpoint) = Endpoint::parse(address) else {
        return Err(error(key, "Address is invalid"));
    };
    if let Endpoint::Http { callback_url } = &endpoint
        && let Ok(url) = url::Url::parse(callback_url)
        && url.scheme() == "http"
        && !is_loopback(&url)
    {
        // Shopify takes https only; plain http is let through for loopback test receivers.
        return Err(error(key, "Address protocol http:// is not supported"));
    }
    Ok(endpoint)
}

fn create(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let payload = |subscription, user_errors| -> Rc<dyn Object> {
        Rc::new(SubscriptionPayload { type_name: "WebhookSubscriptionCreatePayload", subscription, user_errors })
    };
    let topic = topic_from_enum(call.arg_str("topic").unwrap_or_default());
    let input = SubscriptionInput::read(call);
    let endpoint = match check_address(input.address.as_ref()) {
        Ok(endpoint) => endpoint,
        Err(error) => return Ok(payload(None, vec![error])),
    };
    if m.store.webhooks.find(&topic, &endpoint.uri()).is_some() {
        let key = input.address.as_ref().map_or("callbackUrl", |(_, key)| *key);
        let error = UserError::new(
            "UserError",
            &["webhookSubscription", key],
            "Address for this topic has already been taken",
            None,
        );
        return Ok(payload(None, vec![error]));
    }
    let now = m.store.now();
    let id = m.store.webhooks.next_id();
    let after_change = m.store.changes_recorded;
    m.store.webhooks.items.insert(
        id,
        WebhookSubscription {
            id,
            topic,
            endpoint,
            format: input.format.unwrap_or_else(|| "JSON".to_string()),
            include_fields: input.include_fields.unwrap_or_default(),
            metafield_namespaces: input.metafield_namespaces.unwrap_or_default(),
            filter: input.filter.flatten(),
            api_version: m.env.api_version.clone(),
            name: None,
            created_at: now,
            updated_at: now,
            after_change,
        },
    );
    Ok(payload(Some(id), Vec::new()))
}

fn update(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let payload = |subscription, user_errors| -> Rc<dyn Object> {
        Rc::new(SubscriptionPayload { type_name: "WebhookSubscriptionUpdatePayload", subscription, user_errors })
    };
    let not_found = || UserError::new("UserError", &["id"], "Webhook subscription does not exist", None);
    let Some(id) =
        super::gid_argument(call, "id", "WebhookSubscription")?.filter(|id| m.store.webhooks.items.contains_key(id))
    else {
        return Ok(payload(None, vec![not_found()]));
    };
    let input = SubscriptionInput::read(call);
    let endpoint = match &input.address {
        Some(_) => match check_address(input.address.as_ref()) {
            Ok(endpoint) => Some(endpoint),
            Err(error) => return Ok(payload(None, vec![error])),
        },
        None => None,
    };
    let now = m.store.now();
    let Some(subscription) = m.store.webhooks.items.get_mut(&id) else {
        return Ok(payload(None, vec![not_found()]));
    };
    if let Some(endpoint) = endpoint {
        subscription.endpoint = endpoint;
    }
    if let Some(format) = input.format {
        subscription.format = format;
    }
    if let Some(fields) = input.include_fields {
        subscription.include_fields = fields;
    }
    if let Some(namespaces) = input.metafield_namespaces {
        subscription.metafield_namespaces = namespaces;
    }
    if let Some(filter) = input.filter {
        subscription.filter = filter;
    }
    subscription.updated_at = now;
    Ok(payload(Some(id), Vec::new()))
}

struct DeletePayload {
    deleted: Option<u64>,
    user_errors: Vec<UserError>,
}

impl Object for DeletePayload {
    fn type_name(&self) -> &'static str {
        "WebhookSubscriptionDeletePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "deletedWebhookSubscriptionId" => {
                optional_text(self.deleted.map(|id| gid::format("WebhookSubscription", id)).as_deref())
            }
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn delete(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let removed = super::gid_argument(call, "id", "WebhookSubscription")?
        .and_then(|id| m.store.webhooks.items.remove(&id))
        .map(|subscription| subscription.id);
    let user_errors = match removed {
        Some(_) => Vec::new(),
        None => vec![UserError::new("UserError", &["id"], "Webhook subscription does not exist", None)],
    };
    Ok(Rc::new(DeletePayload { deleted: removed, user_errors }))
}

/// The filter arguments of `webhookSubscriptions` and `webhookSubscriptionsCount`.
struct Filters {
    topics: Option<Vec<String>>,
    address: Option<String>,
    format: Option<String>,
    query: Query,
}

impl Filters {
    fn from_call(call: &FieldCall<'_>) -> Self {
        let topics = match call.arg("topics") {
            Some(Json::Array(topics)) => Some(topics.iter().filter_map(Json::as_str).map(topic_from_enum).collect()),
            Some(Json::String(topic)) => Some(vec![topic_from_enum(topic)]),
            _ => None,
        };
        Filters {
            topics,
            address: call.arg_str("uri").or(call.arg_str("callbackUrl")).map(str::to_string),
            format: call.arg_str("format").map(str::to_string),
            query: Query::parse(call.arg_str("query").unwrap_or("")),
        }
    }

    fn matches(&self, subscription: &WebhookSubscription) -> bool {
        self.topics.as_ref().is_none_or(|topics| topics.contains(&subscription.topic))
            && self.address.as_ref().is_none_or(|address| *address == subscription.endpoint.uri())
            && self.format.as_ref().is_none_or(|format| *format == subscription.format)
            && self.query.matches(&SubscriptionSearch(subscription))
    }
}

fn subscriptions<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let filters = Filters::from_call(call);
    let by_id = call.arg_str("sortKey") == Some("ID");
    let items: Vec<(SortKey, &WebhookSubscription)> = ctx
        .store
        .webhooks
        .items
        .values()
        .filter(|subscription| filters.matches(subscription))
        .map(|subscription| {
            let key = if by_id {
                SortKey::id(subscription.id)
            } else {
                SortKey::int(subscription.created_at.as_second(), subscription.id)
            };
            (key, subscription)
        })
        .collect();
    Connection::new("WebhookSubscriptionConnection", "WebhookSubscriptionEdge", paginate(items, &request), |item| {
        Rc::new(SubscriptionObject(item)) as Rc<dyn Object>
    })
    .output()
}

struct SubscriptionSearch<'s>(&'s WebhookSubscription);

impl Searchable for SubscriptionSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let subscription = self.0;
        Some(match field {
            "id" => term.matches_number(subscription.id as i64),
            "created_at" => term.matches_time(subscription.created_at),
            "updated_at" => term.matches_time(subscription.updated_at),
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        self.0.topic.contains(&text.to_lowercase())
    }
}
