//! Customer reads: `customers`, `customer`, `customersCount`, `customerByIdentifier`, and the
//! `Customer` object with its addresses, contact, marketing state and orders.

use std::rc::Rc;

use serde_json::{Value as Json, json};

use super::orders::{MailingAddressObject, OrderObject, money, order_sort_key};
use super::{Count, leaf, object, optional_text, strings, text, time};
use crate::gid;
use crate::graphql::connection::{Connection, PageRequest, SortKey, paginate};
use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::model::customers::{ADDRESS_ID_FACTOR, Customer};
use crate::model::orders::Order;
use crate::registry::Registry;
use crate::search::{Query, Searchable, Term};
use crate::store::Store;

pub fn register(registry: &mut Registry) {
    registry
        .query("customers", customers)
        .query("customer", |call, ctx| {
            let customer = super::gid_argument(call, "id", "Customer")?.and_then(|id| ctx.store.customers.get(id));
            Ok(customer.map_or(Output::Null, |customer| Output::Object(Rc::new(CustomerObject(customer)))))
        })
        .query("customerByIdentifier", |call, ctx| {
            let identifier = call.arg("identifier").cloned().unwrap_or(Json::Null);
            let customers = &ctx.store.customers;
            let found = if let Some(id) = identifier.get("id").and_then(Json::as_str) {
                gid::parse_kind(id, "Customer").and_then(|id| customers.get(id))
            } else if let Some(email) = identifier.get("emailAddress").and_then(Json::as_str) {
                customers.by_email(email)
            } else if let Some(phone) = identifier.get("phoneNumber").and_then(Json::as_str) {
                customers.iter().find(|customer| customer.phone.as_deref() == Some(phone))
            } else {
                return Err(FieldError::NotImplemented);
            };
            Ok(found.map_or(Output::Null, |customer| Output::Object(Rc::new(CustomerObject(customer)))))
        })
        .query("customersCount", |call, ctx| {
            let query = Query::parse(call.arg_str("query").unwrap_or(""));
            let store = ctx.store;
            let count =
                store.customers.iter().filter(|customer| query.matches(&CustomerSearch { customer, store })).count();
            object(Count(count))
        })
        .node("Customer", |id, ctx| {
            ctx.store.customers.get(id).map(|customer| Rc::new(CustomerObject(customer)) as Rc<dyn Object>)
        })
        .node("MailingAddress", |id, ctx| {
            // Customer addresses carry their customer in the id; order addresses are shared with them.
            let customer = ctx.store.customers.get(id / ADDRESS_ID_FACTOR)?;
            let address = customer.addresses.iter().find(|address| address.id == id)?;
            Some(Rc::new(MailingAddressObject(address)) as Rc<dyn Object>)
        });
}

fn customers<'a>(call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
    let request = PageRequest::from_call(call)?;
    let query = Query::parse(call.arg_str("query").unwrap_or(""));
    let sort_key = call.arg_str("sortKey").unwrap_or("ID");
    let store = ctx.store;
    let items: Vec<(SortKey, &Customer)> = store
        .customers
        .iter()
        .filter(|customer| query.matches(&CustomerSearch { customer, store }))
        .map(|customer| (customer_sort_key(customer, sort_key), customer))
        .collect();
    Connection::new("CustomerConnection", "CustomerEdge", paginate(items, &request), |customer| {
        Rc::new(CustomerObject(customer)) as Rc<dyn Object>
    })
    .output()
}

fn customer_sort_key(customer: &Customer, sort_key: &str) -> SortKey {
    match sort_key {
        "UPDATED_AT" => SortKey::int(customer.updated_at.as_second(), customer.id),
        "CREATED_AT" => SortKey::int(customer.created_at.as_second(), customer.id),
        "NAME" => SortKey::text(&customer.display_name(), customer.id),
        "LOCATION" => SortKey::text(
            customer.default_address().and_then(|address| address.country_code.as_deref()).unwrap_or(""),
            customer.id,
        ),
        _ => SortKey::id(customer.id),
    }
}

/// A customer as the `query:` filter of `customers` sees it.
pub struct CustomerSearch<'s> {
    pub customer: &'s Customer,
    pub store: &'s Store,
}

impl Searchable for CustomerSearch<'_> {
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
        let customer = self.customer;
        Some(match field {
            "id" => term.matches_number(customer.id as i64),
            "email" => term.matches_optional_text(customer.email.as_deref()),
            "phone" => {
                let digits = |text: &str| text.chars().filter(|c| c.is_ascii_digit()).collect::<String>();
                customer.phone.as_deref().is_some_and(|phone| {
                    term.matches_text(phone) || (!term.value.ends_with('*') && digits(phone) == digits(&term.value))
                })
            }
            "first_name" => term.matches_optional_text(customer.first_name.as_deref()),
            "last_name" => term.matches_optional_text(customer.last_name.as_deref()),
            "tag" => customer.tags.iter().any(|tag| term.matches_text(tag)),
            "tag_not" => !customer.tags.iter().any(|tag| term.matches_text(tag)),
            "state" => term.matches_text(customer.state.as_graphql()),
            "created_at" | "customer_date" => term.matches_time(customer.created_at),
            "updated_at" => term.matches_time(customer.updated_at),
            "orders_count" => term.matches_number(customer.number_of_orders(&self.store.orders) as i64),
            "country" => {
                customer.default_address().and_then(|address| address.country_code.as_deref()).is_some_and(|code| {
                    term.matches_text(code) || term.matches_text(crate::model::orders::country_name(code))
                })
            }
            "accepts_marketing" => {
                term.matches_text(if customer.email_marketing == "SUBSCRIBED" { "true" } else { "false" })
            }
            _ => return None,
        })
    }

    fn matches_text(&self, text: &str) -> bool {
        let wanted = text.trim_end_matches('*').to_lowercase();
        let customer = self.customer;
        customer.display_name().to_lowercase().contains(&wanted)
            || customer.email.as_deref().is_some_and(|email| email.to_lowercase().contains(&wanted))
            || customer.phone.as_deref().is_some_and(|phone| phone.contains(&wanted))
            || customer.tags.iter().any(|tag| tag.to_lowercase() == wanted)
    }
}

/// `Customer`.
pub struct CustomerObject<'s>(pub &'s Customer);

impl Object for CustomerObject<'_> {
    fn type_name(&self) -> &'static str {
        "Customer"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let customer = self.0;
        let store = ctx.store;
        if let Some(resolved) = super::metafields::owner_field("Customer", customer.id, call, ctx) {
            return resolved;
        }
        match call.name() {
            "id" => leaf(Json::String(gid::format("Customer", customer.id))),
            "legacyResourceId" => text(&customer.id.to_string()),
            "firstName" => optional_text(customer.first_name.as_deref()),
            "lastName" => optional_text(customer.last_name.as_deref()),
            "displayName" => text(&customer.display_name()),
            "note" => optional_text(customer.note.as_deref()),
            "tags" => strings(&customer.tags),
            "state" => text(customer.state.as_graphql()),
            "taxExempt" => leaf(json!(customer.tax_exempt)),
            "taxExemptions" => leaf(json!([])),
            "verifiedEmail" => leaf(json!(customer.verified_email)),
            "validEmailAddress" => leaf(json!(customer.email.as_deref().is_some_and(|email| email.contains('@')))),
            "locale" => text(&customer.locale),
            "createdAt" => time(customer.created_at),
            "updatedAt" => time(customer.updated_at),
            "numberOfOrders" => text(&customer.number_of_orders(&store.orders).to_string()),
            "amountSpent" => money(ctx, customer.amount_spent(&store.orders)),
            "canDelete" => leaf(json!(customer.order_ids.is_empty())),
            "dataSaleOptOut" | "hasTimelineComment" => leaf(json!(false)),
            "lifetimeDuration" => text("about 1 year"),
            "multipassIdentifier" | "market" | "image" => Ok(Output::Null),
            "defaultEmailAddress" => Ok(customer.email.as_deref().map_or(Output::Null, |email| {
                Output::Object(Rc::new(EmailAddressObject { email, state: customer.email_marketing }))
            })),
            "defaultPhoneNumber" => Ok(customer.phone.as_deref().map_or(Output::Null, |phone| {
                Output::Object(Rc::new(PhoneNumberObject {
                    phone,
                    state: customer.sms_marketing,
                    at: customer.created_at,
                }))
            })),
            "defaultAddress" => Ok(customer
                .default_address()
                .map_or(Output::Null, |address| Output::Object(Rc::new(MailingAddressObject(address))))),
            "addresses" => {
                let limit = call.arg_i64("first").map_or(usize::MAX, |first| first.max(0) as usize);
                Ok(Output::List(
                    customer
                        .addresses
                        .iter()
                        .take(limit)
                        .map(|address| Output::Object(Rc::new(MailingAddressObject(address))))
                        .collect(),
                ))
            }
            "addressesV2" => {
                let request = PageRequest::from_call(call)?;
                let items =
                    customer.addresses.iter().map(|address| (SortKey::id(address.id), address.as_ref())).collect();
                Connection::new(
                    "MailingAddressConnection",
                    "MailingAddressEdge",
                    paginate(items, &request),
                    |address| Rc::new(MailingAddressObject(address)) as Rc<dyn Object>,
                )
                .output()
            }
            "lastOrder" => Ok(customer
                .order_ids
                .iter()
                .rev()
                .find_map(|id| store.orders.get(*id))
                .map_or(Output::Null, |order| Output::Object(Rc::new(OrderObject(order))))),
            "orders" => {
                let request = PageRequest::from_call(call)?;
                let query = Query::parse(call.arg_str("query").unwrap_or(""));
                let sort_key = call.arg_str("sortKey").unwrap_or("ID");
                let items: Vec<(SortKey, &Order)> = customer
                    .order_ids
                    .iter()
                    .filter_map(|id| store.orders.get(*id))
                    .filter(|order| query.matches(&super::orders::OrderSearch { order, store }))
                    .map(|order| (order_sort_key(order, sort_key, store), order))
                    .collect();
                Connection::new("OrderConnection", "OrderEdge", paginate(items, &request), |order| {
                    Rc::new(OrderObject(order)) as Rc<dyn Object>
                })
                .output()
            }
            "emailMarketingConsent" => Ok(customer.email.as_ref().map_or(Output::Null, |_| {
                Output::Object(Rc::new(ConsentObject {
                    type_name: "CustomerEmailMarketingConsentState",
                    state: customer.email_marketing,
                    at: customer.created_at,
                }))
            })),
            "smsMarketingConsent" => Ok(customer.phone.as_ref().map_or(Output::Null, |_| {
                Output::Object(Rc::new(ConsentObject {
                    type_name: "CustomerSmsMarketingConsentState",
                    state: customer.sms_marketing,
                    at: customer.created_at,
                }))
            })),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct EmailAddressObject<'s> {
    email: &'s str,
    state: &'static str,
}

impl Object for EmailAddressObject<'_> {
    fn type_name(&self) -> &'static str {
        "CustomerEmailAddress"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "emailAddress" => text(self.email),
            "marketingState" => text(self.state),
            "marketingOptInLevel" => text("SINGLE_OPT_IN"),
            "validFormat" => leaf(json!(self.email.contains('@'))),
            "openTrackingLevel" => text("OPTED_IN"),
            "marketingUnsubscribeUrl" | "openTrackingUrl" => text("https://shopsync-demo.myshopify.com/unsubscribe"),
            "marketingUpdatedAt" | "sourceLocation" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct PhoneNumberObject<'s> {
    phone: &'s str,
    state: &'static str,
    at: jiff::Timestamp,
}

impl Object for PhoneNumberObject<'_> {
    fn type_name(&self) -> &'static str {
        "CustomerPhoneNumber"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "phoneNumber" => text(self.phone),
            "marketingState" => text(self.state),
            "marketingOptInLevel" => text("SINGLE_OPT_IN"),
            "marketingCollectedFrom" => text("OTHER"),
            "marketingUpdatedAt" | "sourceLocation" => Ok(Output::Null),
            // 2026-10 moved the consent into its own object, whose states say NEVER_SUBSCRIBED
            // where CustomerSmsMarketingState says NOT_SUBSCRIBED.
            "smsMarketingConsent" => object(ChannelConsentObject {
                type_name: "CustomerSmsMarketingConsent",
                state: if self.state == "NOT_SUBSCRIBED" { "NEVER_SUBSCRIBED" } else { self.state },
                at: self.at,
            }),
            "whatsAppMarketingConsent" => object(ChannelConsentObject {
                type_name: "CustomerWhatsAppMarketingConsent",
                state: "NEVER_SUBSCRIBED",
                at: self.at,
            }),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `CustomerSmsMarketingConsent` / `CustomerWhatsAppMarketingConsent` (2026-10).
struct ChannelConsentObject {
    type_name: &'static str,
    state: &'static str,
    at: jiff::Timestamp,
}

impl Object for ChannelConsentObject {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "state" => text(self.state),
            "optInLevel" => text("SINGLE_OPT_IN"),
            "collectedFrom" => text("OTHER"),
            "updatedAt" => time(self.at),
            "sourceLocation" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct ConsentObject {
    type_name: &'static str,
    state: &'static str,
    at: jiff::Timestamp,
}

impl Object for ConsentObject {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "marketingState" => text(self.state),
            "marketingOptInLevel" => text("SINGLE_OPT_IN"),
            "consentUpdatedAt" => time(self.at),
            "consentCollectedFrom" => text("OTHER"),
            "sourceLocation" => Ok(Output::Null),
            _ => Err(FieldError::NotImplemented),
        }
    }
}
