//! The order error catalog: why a Shopify order did not become a sales order, and what to do about it.
//!
//! When the order import evaluates a Shopify order it lists every problem it finds, not only the first one, as
//! [`OrderProblem`]s. Each problem has a stable code ([`OrderErrorCode`], the names our users know from the
//! connectors they used before, such as `PRODUCT_NOT_LINKED`), a short title, a message that names the detail at
//! fault (which line and SKU, which country, which tag, which template field), the remedy as steps with the
//! actions that fix it ([`crate::remedy`]: re-check, change a setting, link, open in Shopify admin), a link to the order in Shopify admin, and the events that re-check it by
//! themselves ([`RecheckEvent`]): a problem fixed in shopsync (a link created, a setting changed, a country
//! enabled, a template completed) or in Shopify (the order edited, paid, tagged) clears without anyone pressing a
//! button.
//!
//! The problems also decide the order's import status ([`OrderStatus::from_problems`]): a problem a person must
//! fix makes it `error`; one Shopify will resolve by itself (payment, approval) makes it `pending`; a deliberate
//! exclusion (cancelled, already fulfilled, ignore tag) makes it `ignored`.
//!
//! ```
//! use shopsync_core::ShopSettings;
//! use shopsync_core::order_errors::{OrderLine, OrderProblem, OrderRef, OrderStatus, RecheckEvent};
//! use shopsync_core::remedy::RemedyAction;
//!
//! let problem = OrderProblem::ProductNotLinked {
//!     line: OrderLine { position: 2, title: "Linen shirt - M".into(), sku: Some("SHIRT-M".into()), ..Default::default() },
//! };
//! assert_eq!(problem.code().as_str(), "PRODUCT_NOT_LINKED");
//! assert!(problem.message().contains("SHIRT-M"));
//! let order = OrderRef::new("demo.myshopify.com", "gid://shopify/Order/7", "#1001");
//! let steps = problem.remedy(&order, &ShopSettings::default());
//! let reprocess = RemedyAction::ReprocessOrder { shop: "demo.myshopify.com".into(), order: "#1001".into() };
//! assert!(steps.iter().flat_map(|s| s.actions()).any(|a| *a == reprocess));
//! assert!(problem.rechecks().contains(&RecheckEvent::LinkCreated { sku: "SHIRT-M".into() }));
//! assert_eq!(OrderStatus::from_problems(&[problem]), OrderStatus::Error);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Flow;
use crate::countries;
use crate::gid::{Gid, admin_url};
use crate::remedy::{RemedyAction, RemedyStep};
use crate::settings::{CountryFilter, ShopSettings};

/// The stable code of an order problem. The text form (`PRODUCT_NOT_LINKED`) is what the store keeps, the CLI
/// filters on and scripts match: it never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderErrorCode {
    /// A line's SKU has no back-office item linked to it.
    ProductNotLinked,
    /// A line has no Shopify product: the product was deleted, or the line is a custom item.
    ProductNotFound,
    /// No line of the order needs shipping.
    NoShippableProduct,
    /// The order carries the approval-hold tag and the approval tag has not appeared yet.
    AwaitingApproval,
    /// The order is not paid, and payment terms do not allow it in.
    FinancialStatusPending,
    /// The order ships to a country outside the shop's `order-countries`.
    DestinationNotAllowed,
    /// The order was cancelled in Shopify.
    OrderCancelled,
    /// The order was refunded in full in Shopify.
    OrderRefunded,
    /// The order was fulfilled in Shopify before it was imported.
    OrderAlreadyFulfilled,
    /// The order carries the shop's ignore tag.
    OrderIgnoredByTag,
    /// The shipping address has no postal code and its country requires one.
    InvalidDestinationPostalCode,
    /// The customer template lacks a required back-office customer field.
    CustomerTemplateIncomplete,
}

/// What a problem means for the order's import status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// A person must fix something (in shopsync, the back office or Shopify).
    Error,
    /// Shopify will resolve it by itself (payment, approval); the order waits.
    Waiting,
    /// The order is left out on purpose; nothing is wrong.
    Ignored,
}

impl Disposition {
    /// The import status of an order whose weightiest problem has this disposition.
    pub fn status(self) -> OrderStatus {
        match self {
            Disposition::Error => OrderStatus::Error,
            Disposition::Waiting => OrderStatus::Pending,
            Disposition::Ignored => OrderStatus::Ignored,
        }
    }
}

/// The import status of a Shopify order, as the store keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Seen but not imported yet: not evaluated, or waiting for Shopify (payment, approval).
    #[default]
    Pending,
    /// Imported: its sales order exists and matches Shopify.
    Synced,
    /// Not imported because of a problem a person must fix.
    Error,
    /// Left out on purpose (cancelled, fulfilled elsewhere, ignore tag).
    Ignored,
    /// Changed in Shopify after its sales order shipped: a person decides.
    Conflict,
}

/// A reference to one line of a Shopify order, as problems name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The line's position in the order, from 1.
    pub position: u32,
    /// The line's title as the order shows it (product and variant title).
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// The line item's global id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_id: Option<String>,
    /// The Shopify product's global id, when the line has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The Shopify variant's global id, when the line has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
}

/// One problem found in a Shopify order, with the details its message and remedy need.
///
/// Serialised as `{"code": "PRODUCT_NOT_LINKED", "detail": {...}}`; the store keeps the code and the detail in
/// separate columns ([`OrderProblem::detail_json`], [`OrderProblem::from_parts`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderProblem {
    ProductNotLinked {
        line: OrderLine,
    },
    ProductNotFound {
        line: OrderLine,
    },
    NoShippableProduct {
        /// The lines that do not need shipping (all of them, since none does).
        lines: Vec<OrderLine>,
    },
    AwaitingApproval {
        hold_tag: String,
        /// The tag that releases the order; `None` when the shop has none set.
        approval_tag: Option<String>,
    },
    FinancialStatusPending {
        /// Shopify's financial status, such as `PENDING` or `AUTHORIZED`.
        financial_status: String,
        /// The order's payment terms (`Net 30`), when it has some.
        payment_terms: Option<String>,
    },
    DestinationNotAllowed {
        /// ISO alpha-2 code of the shipping country.
        country: String,
    },
    OrderCancelled {
        cancelled_at: Option<String>,
        /// Shopify's cancel reason (`CUSTOMER`, `FRAUD`, ...).
        reason: Option<String>,
    },
    OrderRefunded {
        /// Shopify's financial status, `REFUNDED`.
        financial_status: String,
    },
    OrderAlreadyFulfilled {
        /// Shopify's display fulfillment status, such as `FULFILLED`.
        fulfillment_status: String,
    },
    OrderIgnoredByTag {
        tag: String,
    },
    InvalidDestinationPostalCode {
        country: String,
    },
    CustomerTemplateIncomplete {
        /// The shop's customer template; `None` when the shop has none set.
        template: Option<String>,
        missing_fields: Vec<String>,
    },
}

/// Something that happens in shopsync or in Shopify after which an order is evaluated again by itself.
///
/// Events in Shopify (the order edited, paid, tagged) reach shopsync as an order update that the incremental sync
/// reads anyway. Events in shopsync ([`RecheckEvent::is_local`]) are found through their [`RecheckEvent::key`]: the
/// store keeps the keys of every waiting order, so the flow that creates a link or changes a setting asks which
/// orders wait for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RecheckEvent {
    /// A back-office item gets linked to this SKU (catalog sync or a new item with the SKU).
    LinkCreated { sku: String },
    /// A shop setting changes.
    SettingChanged { key: String },
    /// A country is added to the shop's `order-countries`.
    CountryEnabled { country: String },
    /// A customer template changes.
    TemplateChanged { template: String },
    /// The order is edited in Shopify (lines, address, status).
    OrderUpdatedInShopify,
    /// A tag is added to the order in Shopify.
    TagAdded { tag: String },
    /// A tag is removed from the order in Shopify.
    TagRemoved { tag: String },
    /// The order is paid in Shopify.
    Paid,
}

/// The order a problem belongs to, for links and commands in remedies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    /// The shop's `NAME.myshopify.com` domain.
    pub shop: String,
    /// The order's global id.
    pub order_id: String,
    /// The order's name, such as `#1001`.
    pub name: String,
}

/// A problem explained in full: what a front-end shows of it (the CLI's `orders show`, the console's order page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemReport {
    pub code: OrderErrorCode,
    pub title: &'static str,
    pub message: String,
    /// The steps to fix it, in order. Named `remedy_steps` in JSON, where front-ends put their own text of them
    /// under `remedy`.
    #[serde(rename = "remedy_steps")]
    pub remedy: Vec<RemedyStep>,
    /// When shopsync re-checks the order by itself, as sentences.
    pub rechecked_when: Vec<String>,
    pub rechecks: Vec<RecheckEvent>,
    /// The order's page in Shopify admin.
    pub admin_url: Option<String>,
    pub detail: serde_json::Value,
}

/// A text that is not an order error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an order error code; the codes are: {}", OrderErrorCode::ALL.map(|c| c.as_str()).join(", "))]
pub struct UnknownErrorCode {
    text: String,
}

/// A stored problem whose detail does not fit its code.
#[derive(Debug, thiserror::Error)]
#[error("stored order problem {code} has a detail that cannot be read: {source}")]
pub struct InvalidProblem {
    code: String,
    source: serde_json::Error,
}

impl OrderErrorCode {
    /// Every code, in the order the catalog documents them.
    pub const ALL: [OrderErrorCode; 12] = [
        OrderErrorCode::ProductNotLinked,
        OrderErrorCode::ProductNotFound,
        OrderErrorCode::NoShippableProduct,
        OrderErrorCode::AwaitingApproval,
        OrderErrorCode::FinancialStatusPending,
        OrderErrorCode::DestinationNotAllowed,
        OrderErrorCode::OrderCancelled,
        OrderErrorCode::OrderRefunded,
        OrderErrorCode::OrderAlreadyFulfilled,
        OrderErrorCode::OrderIgnoredByTag,
        OrderErrorCode::InvalidDestinationPostalCode,
        OrderErrorCode::CustomerTemplateIncomplete,
    ];

    /// The stable text form, such as `PRODUCT_NOT_LINKED`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderErrorCode::ProductNotLinked => "PRODUCT_NOT_LINKED",
            OrderErrorCode::ProductNotFound => "PRODUCT_NOT_FOUND",
            OrderErrorCode::NoShippableProduct => "NO_SHIPPABLE_PRODUCT",
            OrderErrorCode::AwaitingApproval => "AWAITING_APPROVAL",
            OrderErrorCode::FinancialStatusPending => "FINANCIAL_STATUS_PENDING",
            OrderErrorCode::DestinationNotAllowed => "DESTINATION_NOT_ALLOWED",
            OrderErrorCode::OrderCancelled => "ORDER_CANCELLED",
            OrderErrorCode::OrderRefunded => "ORDER_REFUNDED",
            OrderErrorCode::OrderAlreadyFulfilled => "ORDER_ALREADY_FULFILLED",
            OrderErrorCode::OrderIgnoredByTag => "ORDER_IGNORED_BY_TAG",
            OrderErrorCode::InvalidDestinationPostalCode => "INVALID_DESTINATION_POSTAL_CODE",
            OrderErrorCode::CustomerTemplateIncomplete => "CUSTOMER_TEMPLATE_INCOMPLETE",
        }
    }

    /// A short title for lists.
    pub fn title(self) -> &'static str {
        match self {
            OrderErrorCode::ProductNotLinked => "Product not linked",
            OrderErrorCode::ProductNotFound => "Product not found",
            OrderErrorCode::NoShippableProduct => "No shippable product",
            OrderErrorCode::AwaitingApproval => "Awaiting approval",
            OrderErrorCode::FinancialStatusPending => "Financial status is pending",
            OrderErrorCode::DestinationNotAllowed => "Destination not allowed",
            OrderErrorCode::OrderCancelled => "Order cancelled in Shopify",
            OrderErrorCode::OrderRefunded => "Order refunded in full in Shopify",
            OrderErrorCode::OrderAlreadyFulfilled => "Order already fulfilled in Shopify",
            OrderErrorCode::OrderIgnoredByTag => "Order ignored by tag",
            OrderErrorCode::InvalidDestinationPostalCode => "Invalid destination: postal code missing",
            OrderErrorCode::CustomerTemplateIncomplete => "Customer template incomplete",
        }
    }

    /// What the code means in general, without an order's details.
    pub fn summary(self) -> &'static str {
        match self {
            OrderErrorCode::ProductNotLinked => "A line of the order is not linked to any back-office item.",
            OrderErrorCode::ProductNotFound => {
                "A line of the order has no Shopify product: it was deleted, or the line is a custom item."
            }
            OrderErrorCode::NoShippableProduct => {
                "No line of the order needs shipping (no physical product, or no shipping method)."
            }
            OrderErrorCode::AwaitingApproval => {
                "The order has the shop's approval-hold tag and waits for the approval tag."
            }
            OrderErrorCode::FinancialStatusPending => "The order is not paid yet.",
            OrderErrorCode::DestinationNotAllowed => {
                "The order ships to a country outside the shop's countries for order sync."
            }
            OrderErrorCode::OrderCancelled => "The order was cancelled in Shopify.",
            OrderErrorCode::OrderRefunded => "The order was refunded in full in Shopify: there is nothing to ship.",
            OrderErrorCode::OrderAlreadyFulfilled => "The order was already fulfilled in Shopify.",
            OrderErrorCode::OrderIgnoredByTag => "The order has the shop's ignore tag.",
            OrderErrorCode::InvalidDestinationPostalCode => {
                "The shipping address has no postal code, and its country requires one."
            }
            OrderErrorCode::CustomerTemplateIncomplete => {
                "The customer template lacks a required back-office customer field, so no customer can be created."
            }
        }
    }

    /// Whether the code ends the order for the back office (cancelled, refunded in full): nothing anyone fixes
    /// makes it importable, so its other problems do not make it an error.
    pub fn is_final(self) -> bool {
        matches!(self, OrderErrorCode::OrderCancelled | OrderErrorCode::OrderRefunded)
    }

    /// What the code means for the order's status.
    pub fn disposition(self) -> Disposition {
        match self {
            OrderErrorCode::AwaitingApproval | OrderErrorCode::FinancialStatusPending => Disposition::Waiting,
            OrderErrorCode::OrderCancelled
            | OrderErrorCode::OrderRefunded
            | OrderErrorCode::OrderAlreadyFulfilled
            | OrderErrorCode::OrderIgnoredByTag => Disposition::Ignored,
            _ => Disposition::Error,
        }
    }
}

impl fmt::Display for OrderErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderErrorCode {
    type Err = UnknownErrorCode;

    /// Reads a code in any case, with `_` or `-` (`product-not-linked` works too).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_uppercase().replace('-', "_");
        OrderErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| UnknownErrorCode { text: text.to_string() })
    }
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 5] =
        [OrderStatus::Pending, OrderStatus::Synced, OrderStatus::Error, OrderStatus::Ignored, OrderStatus::Conflict];

    /// The text form the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Synced => "synced",
            OrderStatus::Error => "error",
            OrderStatus::Ignored => "ignored",
            OrderStatus::Conflict => "conflict",
        }
    }

    /// The status an evaluation with these problems gives: any problem to fix makes it `error`, else anything to
    /// wait for makes it `pending`, else a deliberate exclusion makes it `ignored`; no problem at all is `synced`.
    pub fn from_problems(problems: &[OrderProblem]) -> OrderStatus {
        // An order no one can make importable (cancelled, refunded in full) is left out whatever else is wrong
        // with it: listed among the errors, it would send people to fix what no longer matters.
        if problems.iter().any(|p| p.code().is_final()) {
            return OrderStatus::Ignored;
        }
        // Weightiest first: an order that is both in error and waiting needs a person.
        [Disposition::Error, Disposition::Waiting, Disposition::Ignored]
            .into_iter()
            .find(|&d| problems.iter().any(|p| p.code().disposition() == d))
            .map_or(OrderStatus::Synced, Disposition::status)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is not an order status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an order status; the statuses are: pending, synced, error, ignored, conflict")]
pub struct UnknownOrderStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownOrderStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == wanted).ok_or_else(|| UnknownOrderStatus(text.to_string()))
    }
}

impl OrderRef {
    pub fn new(shop: &str, order_id: &str, name: &str) -> OrderRef {
        OrderRef { shop: shop.to_string(), order_id: order_id.to_string(), name: name.to_string() }
    }

    /// The order's page in Shopify admin; `None` when the id is not an order gid.
    pub fn admin_url(&self) -> Option<String> {
        Gid::parse(&self.order_id).ok().and_then(|gid| admin_url(&self.shop, &gid))
    }

    /// "Open order #1001 in Shopify admin: URL" (or where to find it when the id is not a gid).
    fn open_step(&self) -> RemedyStep {
        match self.admin_url() {
            Some(url) => RemedyStep::text(format!("Open order {} in Shopify admin: ", self.name))
                .then_act(RemedyAction::OpenShopifyAdmin { url }),
            None => RemedyStep::text(format!(
                "Open order {} in Shopify admin (Orders, search for {}).",
                self.name, self.name
            )),
        }
    }

    /// `step` followed by ": URL" of the order's page in Shopify admin, when there is one.
    fn in_admin(&self, step: RemedyStep) -> RemedyStep {
        match self.admin_url() {
            Some(url) => step.then_text(": ").then_act(RemedyAction::OpenShopifyAdmin { url }),
            None => step,
        }
    }
}

impl OrderLine {
    /// `line 2 “Linen shirt - M” (SKU SHIRT-M)`.
    fn describe(&self) -> String {
        match &self.sku {
            Some(sku) => format!("line {} “{}” (SKU {sku})", self.position, self.title),
            None => format!("line {} “{}”", self.position, self.title),
        }
    }

    /// The Shopify admin page of the line's product.
    fn product_url(&self, shop: &str) -> Option<String> {
        let gid = Gid::parse(self.product_id.as_deref()?).ok()?;
        admin_url(shop, &gid)
    }
}

impl OrderProblem {
    /// The problem's stable code.
    pub fn code(&self) -> OrderErrorCode {
        match self {
            OrderProblem::ProductNotLinked { .. } => OrderErrorCode::ProductNotLinked,
            OrderProblem::ProductNotFound { .. } => OrderErrorCode::ProductNotFound,
            OrderProblem::NoShippableProduct { .. } => OrderErrorCode::NoShippableProduct,
            OrderProblem::AwaitingApproval { .. } => OrderErrorCode::AwaitingApproval,
            OrderProblem::FinancialStatusPending { .. } => OrderErrorCode::FinancialStatusPending,
            OrderProblem::DestinationNotAllowed { .. } => OrderErrorCode::DestinationNotAllowed,
            OrderProblem::OrderCancelled { .. } => OrderErrorCode::OrderCancelled,
            OrderProblem::OrderRefunded { .. } => OrderErrorCode::OrderRefunded,
            OrderProblem::OrderAlreadyFulfilled { .. } => OrderErrorCode::OrderAlreadyFulfilled,
            OrderProblem::OrderIgnoredByTag { .. } => OrderErrorCode::OrderIgnoredByTag,
            OrderProblem::InvalidDestinationPostalCode { .. } => OrderErrorCode::InvalidDestinationPostalCode,
            OrderProblem::CustomerTemplateIncomplete { .. } => OrderErrorCode::CustomerTemplateIncomplete,
        }
    }

    /// The problem's title (the code's).
    pub fn title(&self) -> &'static str {
        self.code().title()
    }

    /// What is wrong with this order, naming the line, SKU, country, tag or template field at fault.
    pub fn message(&self) -> String {
        match self {
            OrderProblem::ProductNotLinked { line } => match &line.sku {
                Some(_) => format!("{} is not linked to a back-office item.", capitalise(&line.describe())),
                None => format!(
                    "{} has no SKU, so it cannot be linked to a back-office item.",
                    capitalise(&line.describe())
                ),
            },
            OrderProblem::ProductNotFound { line } => format!(
                "{} has no Shopify product: the product was deleted, or the line is a custom item added by hand.",
                capitalise(&line.describe())
            ),
            OrderProblem::NoShippableProduct { lines } => {
                if lines.is_empty() {
                    "No line of the order needs shipping.".to_string()
                } else {
                    let titles: Vec<String> = lines.iter().map(|l| format!("“{}”", l.title)).collect();
                    format!(
                        "No line of the order needs shipping: {} {} not a physical product in Shopify, or the \
                         order was placed without a shipping method.",
                        titles.join(", "),
                        if lines.len() == 1 { "is" } else { "are" }
                    )
                }
            }
            OrderProblem::AwaitingApproval { hold_tag, approval_tag } => match approval_tag {
                Some(approval) => {
                    format!("The order has the tag `{hold_tag}` and waits for the approval tag `{approval}`.")
                }
                None => format!(
                    "The order has the approval-hold tag `{hold_tag}`; the shop has no approval tag set, so it \
                     waits until `{hold_tag}` is removed."
                ),
            },
            OrderProblem::FinancialStatusPending { financial_status, payment_terms } => match payment_terms {
                Some(terms) => format!(
                    "The order is not paid yet (financial status {financial_status}). It has payment terms \
                     ({terms}): such orders are imported only when the shop's sync-orders-with-payment-terms is on."
                ),
                None => format!("The order is not paid yet (financial status {financial_status})."),
            },
            OrderProblem::DestinationNotAllowed { country } => format!(
                "The order ships to {} ({}), which is not among the shop's countries for order sync.",
                countries::name_of(country),
                country.to_ascii_uppercase()
            ),
            OrderProblem::OrderCancelled { cancelled_at, reason } => {
                let mut text = "The order was cancelled in Shopify".to_string();
                if let Some(at) = cancelled_at {
                    text.push_str(&format!(" at {at}"));
                }
                if let Some(reason) = reason {
                    text.push_str(&format!(" (reason: {})", reason.to_ascii_lowercase()));
                }
                text.push('.');
                text
            }
            OrderProblem::OrderRefunded { financial_status } => format!(
                "The order was refunded in full in Shopify (financial status {financial_status}): there is nothing \
                 left to ship."
            ),
            OrderProblem::OrderAlreadyFulfilled { fulfillment_status } => format!(
                "The order is already fulfilled in Shopify (fulfillment status {fulfillment_status}): there is \
                 nothing left to ship."
            ),
            OrderProblem::OrderIgnoredByTag { tag } => {
                format!("The order has the tag `{tag}`, the shop's ignore tag, so it is not imported.")
            }
            OrderProblem::InvalidDestinationPostalCode { country } => format!(
                "The shipping address has no postal code, and {} ({}) requires one.",
                countries::name_of(country),
                country.to_ascii_uppercase()
            ),
            OrderProblem::CustomerTemplateIncomplete { template, missing_fields } => {
                let fields = missing_fields.join(", ");
                let plural = if missing_fields.len() == 1 { "field" } else { "fields" };
                match template {
                    Some(code) => format!(
                        "The customer template `{code}` does not fill the required customer {plural} {fields}, so \
                         the order's customer cannot be created in the back office."
                    ),
                    None => format!(
                        "The shop has no customer template, so the required customer {plural} {fields} have no \
                         value and the order's customer cannot be created in the back office."
                    ),
                }
            }
        }
    }

    /// The steps that fix the problem, in order, for this shop's settings: words, and the actions a person takes
    /// (which the front-ends render as commands, buttons or links).
    pub fn remedy(&self, order: &OrderRef, settings: &ShopSettings) -> Vec<RemedyStep> {
        let shop = &order.shop;
        let reprocess = RemedyAction::ReprocessOrder { shop: shop.clone(), order: order.name.clone() };
        let set = |key: &str, value: Option<&str>| RemedyAction::SetSetting {
            shop: shop.clone(),
            key: key.to_string(),
            value: value.map(str::to_string),
        };
        let tag = &settings.reprocess_tag;
        let code = self.code();
        let by_code = RemedyAction::ReprocessByCode { shop: shop.clone(), code };
        let bulk = RemedyStep::text("Several orders with this problem: ").then_act(by_code.clone()).then_text(format!(
            " re-checks them all, or tag them with `{tag}` in Shopify admin (Orders, select them, Add tags); \
                 tagged orders are re-checked at the next sync and the tag is removed."
        ));
        let check_now = || {
            RemedyStep::text("To check now, without waiting: ")
                .then_act(reprocess.clone())
                .then_text(" re-reads the order from Shopify.")
        };
        let link_products = RemedyAction::SyncNow { shop: shop.clone(), flow: Flow::Products };
        let mut steps = Vec::new();
        match self {
            OrderProblem::ProductNotLinked { line } => {
                if let Some(url) = line.product_url(shop) {
                    steps.push(
                        RemedyStep::text(format!("Open the Shopify product of {}: ", line.describe()))
                            .then_act(RemedyAction::OpenShopifyAdmin { url }),
                    );
                }
                match &line.sku {
                    Some(sku) => {
                        steps.push(
                            RemedyStep::text(format!(
                                "If the back office has an item variant with SKU {sku}, link it: "
                            ))
                            .then_act(link_products)
                            .then_text(" links Shopify variants to back-office variants with the same SKU."),
                        );
                        steps.push(RemedyStep::text(
                            "If the SKUs differ, correct the SKU in Shopify or in the back office so that both read \
                             the same, then link as above.",
                        ));
                        steps.push(
                            RemedyStep::text("If the back office has no such item, add it (")
                                .then_act(RemedyAction::ImportItems)
                                .then_text("), then link as above."),
                        );
                        if let Some(product) = &line.product_id {
                            steps.push(
                                RemedyStep::text(
                                    "If the back office does not ship this product on purpose (a supplier ships it), \
                                     ",
                                )
                                .then_act(RemedyAction::MarkShippedOutside {
                                    shop: shop.to_string(),
                                    product: product.clone(),
                                })
                                .then_text(": its lines are then left out of sales orders."),
                            );
                        }
                        steps.push(
                            RemedyStep::text(format!(
                                "shopsync re-checks the order by itself as soon as a link is created for SKU {sku}. "
                            ))
                            .then(check_now()),
                        );
                    }
                    None => {
                        steps.push(RemedyStep::text(
                            "Give the Shopify variant the SKU of its back-office item (Shopify admin, Products, the \
                             variant, SKU); links are made by SKU.",
                        ));
                        steps.push(
                            RemedyStep::text("Link it: ")
                                .then_act(link_products)
                                .then_text(
                                    "; the SKU on this order's line is fixed when the order is edited, so then: ",
                                )
                                .then_act(reprocess.clone())
                                .then_text("."),
                        );
                    }
                }
                steps.push(bulk);
            }
            OrderProblem::ProductNotFound { line } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(format!(
                    "Find {}: it usually has no image, and its title opens no product page.",
                    line.describe()
                )));
                steps.push(RemedyStep::text(
                    "Edit the order (Edit in Shopify admin) to remove the line or replace it with an existing \
                     product; shopsync re-checks the order by itself when it is updated in Shopify.",
                ));
                steps.push(check_now());
                steps.push(
                    RemedyStep::text(format!(
                        "Several orders: edit each of them in Shopify, then tag them with `{tag}` (or run "
                    ))
                    .then_act(by_code)
                    .then_text(")."),
                );
            }
            OrderProblem::NoShippableProduct { lines } => {
                steps.push(order.open_step());
                let which = if lines.is_empty() {
                    "each line".to_string()
                } else {
                    lines.iter().map(|l| format!("“{}”", l.title)).collect::<Vec<_>>().join(", ")
                };
                steps.push(RemedyStep::text(format!(
                    "Open the product of {which} in Shopify admin and make sure “This is a physical product” is \
                     checked in its Shipping section, and that the product has no `{}` tag.",
                    settings.ignore_tag
                )));
                steps.push(RemedyStep::text(
                    "If the order's delivery method reads “Shipping not required”, give it a real shipping method \
                     (through the Admin API) or create the order again; a new order is imported at the next sync.",
                ));
                steps.push(
                    RemedyStep::text("shopsync re-checks the order by itself when it is updated in Shopify. ")
                        .then(check_now()),
                );
                steps.push(bulk);
            }
            OrderProblem::AwaitingApproval { hold_tag, approval_tag } => {
                match approval_tag {
                    Some(approval) => steps.push(RemedyStep::text(format!(
                        "Approve the order where it is held (for example in your Global-e back office); the \
                         approval adds the tag `{approval}` to the order in Shopify and shopsync imports it at the \
                         next sync."
                    ))),
                    None => steps.push(
                        RemedyStep::text("Set the tag that releases held orders: ")
                            .then_act(set("approval-tag", None))
                            .then_text("."),
                    ),
                }
                steps.push(
                    order
                        .in_admin(RemedyStep::text(format!(
                            "If the order should not wait, remove the tag `{hold_tag}` from it in Shopify admin"
                        )))
                        .then_text("."),
                );
                steps.push(
                    RemedyStep::text("If the shop does not hold orders for approval, turn it off: ")
                        .then_act(set("approval-hold-tag", Some("none")))
                        .then_text("; held orders are re-checked by themselves."),
                );
                steps.push(check_now());
            }
            OrderProblem::FinancialStatusPending { payment_terms, .. } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(
                    "Consumer order: remind the buyer to pay; the order is imported by itself once Shopify marks it \
                     paid.",
                ));
                let allow = set("sync-orders-with-payment-terms", Some("on"));
                match (payment_terms, settings.sync_orders_with_payment_terms) {
                    (Some(terms), false) => steps.push(
                        RemedyStep::text(format!(
                            "Business order with payment terms ({terms}, paid after delivery): allow such orders with "
                        ))
                        .then_act(allow)
                        .then_text("; waiting orders are re-checked by themselves when the setting changes."),
                    ),
                    (None, _) => steps.push(
                        RemedyStep::text(
                            "Business order paid after delivery: give it payment terms in Shopify, and allow such \
                             orders with ",
                        )
                        .then_act(allow)
                        .then_text("."),
                    ),
                    (Some(_), true) => {}
                }
                steps.push(check_now());
            }
            OrderProblem::DestinationNotAllowed { country } => {
                let country = country.to_ascii_uppercase();
                let name = countries::name_of(&country);
                match &settings.order_countries {
                    CountryFilter::All => steps.push(RemedyStep::text(format!(
                        "The shop's order-countries is `all` now, so {name} is allowed: the order is imported when \
                         it is checked again."
                    ))),
                    CountryFilter::Only(list) => {
                        steps.push(
                            RemedyStep::text(format!(
                                "The shop imports orders shipped to {} only (setting order-countries; ",
                                list.join(",")
                            ))
                            .then_act(RemedyAction::ShowShop { shop: shop.clone() })
                            .then_text(" shows it)."),
                        );
                        steps.push(
                            RemedyStep::text(format!("To import orders to {name}: "))
                                .then_act(set("order-countries", Some(&format!("{},{country}", list.join(",")))))
                                .then_text(format!(
                                    " (or `all`). Orders held for {name} are re-checked by themselves when the \
                                     country is enabled."
                                )),
                        );
                        steps.push(RemedyStep::text(format!(
                            "If {name} is left out on purpose, nothing is to be done: the order stays listed with \
                             this code."
                        )));
                    }
                }
                steps.push(check_now());
            }
            OrderProblem::OrderCancelled { .. } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(
                    "If the cancellation is right, nothing is to be done: the order is not imported.",
                ));
                steps.push(RemedyStep::text(
                    "If it was cancelled by mistake: Shopify cannot restore a cancelled order, so create it again \
                     (Duplicate in Shopify admin); the new order is imported at the next sync.",
                ));
                steps.push(check_now());
            }
            OrderProblem::OrderRefunded { .. } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(
                    "If the refund is right, nothing is to be done: the order is not imported.",
                ));
                steps.push(check_now());
            }
            OrderProblem::OrderAlreadyFulfilled { .. } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(
                    "If it was shipped outside the back office, nothing is to be done: the order is not imported.",
                ));
                steps.push(RemedyStep::text(
                    "If the back office must ship it, cancel its fulfillments in Shopify admin; shopsync re-checks \
                     the order by itself when it is updated in Shopify.",
                ));
                steps.push(check_now());
                steps.push(RemedyStep::text(
                    "Several orders: change their fulfillment status in Shopify admin, Orders, in bulk.",
                ));
            }
            OrderProblem::OrderIgnoredByTag { tag: ignore } => {
                steps.push(
                    order
                        .in_admin(RemedyStep::text(format!(
                            "If the order should be imported, remove the tag `{ignore}` from it in Shopify admin"
                        )))
                        .then_text("; shopsync re-checks it by itself at the next sync."),
                );
                steps.push(RemedyStep::text(format!("You may want to find out why the order was tagged `{ignore}`.")));
                steps.push(
                    RemedyStep::text(format!(
                        "Several orders: in Shopify admin, Orders, select them and remove the tag `{ignore}`. The \
                         ignore tag itself is a setting: "
                    ))
                    .then_act(set("ignore-tag", None))
                    .then_text("."),
                );
            }
            OrderProblem::InvalidDestinationPostalCode { country } => {
                steps.push(order.open_step());
                steps.push(RemedyStep::text(format!(
                    "In the Shipping address section, edit the address and add the postal code ({} requires one); \
                     shopsync re-checks the order by itself when it is updated in Shopify.",
                    countries::name_of(country)
                )));
                steps.push(check_now());
                steps.push(RemedyStep::text(
                    "To avoid it: Shopify's checkout asks for postal codes, but orders created by apps, draft \
                     orders or the API skip that check; ask their source to send a postal code.",
                ));
            }
            OrderProblem::CustomerTemplateIncomplete { template, missing_fields } => {
                let fill = |code: Option<&String>| RemedyAction::SetTemplate {
                    code: code.cloned(),
                    fields: missing_fields.clone(),
                };
                let choose = set("customer-template", None);
                match template {
                    Some(code) => {
                        steps.push(
                            RemedyStep::text(format!(
                                "Fill the missing field{} of template {code}: ",
                                if missing_fields.len() == 1 { "" } else { "s" }
                            ))
                            .then_act(fill(Some(code)))
                            .then_text(" (")
                            .then_act(RemedyAction::ShowTemplate { code: code.clone() })
                            .then_text(" shows the template)."),
                        );
                        steps.push(
                            RemedyStep::text("Or choose a complete template for the shop: ")
                                .then_act(choose)
                                .then_text(" (")
                                .then_act(RemedyAction::ListTemplates)
                                .then_text(" shows them)."),
                        );
                    }
                    None => {
                        steps.push(
                            RemedyStep::text("Choose the template new customers are created from: ")
                                .then_act(choose)
                                .then_text(" (")
                                .then_act(RemedyAction::ListTemplates)
                                .then_text(" shows them)."),
                        );
                        steps.push(
                            RemedyStep::text("If no template exists yet, create one: ")
                                .then_act(fill(None))
                                .then_text("."),
                        );
                    }
                }
                steps.push(
                    RemedyStep::text("Orders waiting for the template are re-checked by themselves when it changes. ")
                        .then(check_now()),
                );
            }
        }
        steps
    }

    /// The events after which the order is evaluated again by itself.
    pub fn rechecks(&self) -> Vec<RecheckEvent> {
        let setting = |key: &str| RecheckEvent::SettingChanged { key: key.to_string() };
        match self {
            OrderProblem::ProductNotLinked { line } => {
                let mut events = Vec::new();
                if let Some(sku) = &line.sku {
                    events.push(RecheckEvent::LinkCreated { sku: sku.clone() });
                }
                events.push(RecheckEvent::OrderUpdatedInShopify);
                events
            }
            OrderProblem::ProductNotFound { .. }
            | OrderProblem::NoShippableProduct { .. }
            | OrderProblem::OrderCancelled { .. }
            | OrderProblem::OrderRefunded { .. }
            | OrderProblem::OrderAlreadyFulfilled { .. }
            | OrderProblem::InvalidDestinationPostalCode { .. } => vec![RecheckEvent::OrderUpdatedInShopify],
            OrderProblem::AwaitingApproval { hold_tag, approval_tag } => {
                let mut events = Vec::new();
                if let Some(approval) = approval_tag {
                    events.push(RecheckEvent::TagAdded { tag: approval.clone() });
                }
                events.push(RecheckEvent::TagRemoved { tag: hold_tag.clone() });
                events.push(setting("approval-hold-tag"));
                events.push(setting("approval-tag"));
                events
            }
            OrderProblem::FinancialStatusPending { .. } => {
                vec![RecheckEvent::Paid, setting("sync-orders-with-payment-terms")]
            }
            OrderProblem::DestinationNotAllowed { country } => {
                vec![RecheckEvent::CountryEnabled { country: country.to_ascii_uppercase() }]
            }
            OrderProblem::OrderIgnoredByTag { tag } => {
                vec![RecheckEvent::TagRemoved { tag: tag.clone() }, setting("ignore-tag")]
            }
            OrderProblem::CustomerTemplateIncomplete { template, .. } => {
                let mut events = Vec::new();
                if let Some(code) = template {
                    events.push(RecheckEvent::TemplateChanged { template: code.clone() });
                }
                events.push(setting("customer-template"));
                events
            }
        }
    }

    /// The problem explained in full for this order and shop.
    pub fn report(&self, order: &OrderRef, settings: &ShopSettings) -> ProblemReport {
        let rechecks = self.rechecks();
        ProblemReport {
            code: self.code(),
            title: self.title(),
            message: self.message(),
            remedy: self.remedy(order, settings),
            rechecked_when: rechecks.iter().map(RecheckEvent::describe).collect(),
            rechecks,
            admin_url: order.admin_url(),
            detail: serde_json::from_str(&self.detail_json()).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The detail as the JSON text the store keeps next to the code.
    pub fn detail_json(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        value.get("detail").map(|d| d.to_string()).unwrap_or_else(|| "{}".to_string())
    }

    /// Rebuilds a problem from the code and detail the store keeps.
    pub fn from_parts(code: &str, detail: &str) -> Result<OrderProblem, InvalidProblem> {
        let invalid = |source| InvalidProblem { code: code.to_string(), source };
        let detail: serde_json::Value = serde_json::from_str(detail).map_err(invalid)?;
        serde_json::from_value(serde_json::json!({ "code": code, "detail": detail })).map_err(invalid)
    }
}

impl RecheckEvent {
    /// The key the store indexes waiting orders by, such as `link:SHIRT-M` or `setting:order-countries`.
    pub fn key(&self) -> String {
        match self {
            RecheckEvent::LinkCreated { sku } => format!("link:{sku}"),
            RecheckEvent::SettingChanged { key } => format!("setting:{key}"),
            RecheckEvent::CountryEnabled { country } => format!("country:{}", country.to_ascii_uppercase()),
            RecheckEvent::TemplateChanged { template } => format!("template:{template}"),
            RecheckEvent::OrderUpdatedInShopify => "shopify:order-updated".to_string(),
            RecheckEvent::TagAdded { tag } => format!("shopify:tag-added:{tag}"),
            RecheckEvent::TagRemoved { tag } => format!("shopify:tag-removed:{tag}"),
            RecheckEvent::Paid => "shopify:paid".to_string(),
        }
    }

    /// Whether the event happens in shopsync (so the flow that causes it must look up the waiting orders), rather
    /// than in Shopify (where it arrives as an order update the incremental sync reads anyway).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            RecheckEvent::LinkCreated { .. }
                | RecheckEvent::SettingChanged { .. }
                | RecheckEvent::CountryEnabled { .. }
                | RecheckEvent::TemplateChanged { .. }
        )
    }

    /// The event as the end of the sentence "shopsync re-checks the order by itself when ...".
    pub fn describe(&self) -> String {
        match self {
            RecheckEvent::LinkCreated { sku } => format!("a back-office item is linked for SKU {sku}"),
            RecheckEvent::SettingChanged { key } => format!("the shop setting {key} changes"),
            RecheckEvent::CountryEnabled { country } => {
                format!("{} ({country}) is added to the shop's order-countries", countries::name_of(country))
            }
            RecheckEvent::TemplateChanged { template } => format!("the customer template {template} changes"),
            RecheckEvent::OrderUpdatedInShopify => "the order is updated in Shopify".to_string(),
            RecheckEvent::TagAdded { tag } => format!("the tag `{tag}` is added to the order in Shopify"),
            RecheckEvent::TagRemoved { tag } => format!("the tag `{tag}` is removed from the order in Shopify"),
            RecheckEvent::Paid => "the order is paid in Shopify".to_string(),
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "demo.myshopify.com";

    fn line(position: u32, title: &str, sku: Option<&str>, product: Option<u64>) -> OrderLine {
        OrderLine {
            position,
            title: title.to_string(),
            sku: sku.map(str::to_string),
            line_item_id: Some(format!("gid://shopify/LineItem/{position}00")),
            product_id: product.map(|id| format!("gid://shopify/Product/{id}")),
            variant_id: product.map(|id| format!("gid://shopify/ProductVariant/{id}1")),
        }
    }

    /// Renders a problem as `orders show` would for order #1001 with `settings`, and checks that the message and
    /// the remedy each contain the given fragments, and that the catalog entry is complete.
    fn check(problem: OrderProblem, settings: &ShopSettings, in_message: &[&str], in_remedy: &[&str]) {
        let order = OrderRef::new(SHOP, "gid://shopify/Order/450789469", "#1001");
        let report = problem.report(&order, settings);
        let code = problem.code();
        assert!(!report.title.is_empty(), "{code}: title");
        assert!(!code.summary().is_empty(), "{code}: summary");
        assert!(report.message.ends_with('.'), "{code}: message is a sentence: {}", report.message);
        for fragment in in_message {
            assert!(report.message.contains(fragment), "{code}: message lacks {fragment:?}: {}", report.message);
        }
        assert!(report.remedy.len() >= 2, "{code}: remedy has steps");
        // Actions are written as data here; the front-ends render them (the CLI's commands are tested there).
        let remedy: Vec<String> = report.remedy.iter().map(|s| s.render(|a| format!("{a:?}"))).collect();
        let remedy = remedy.join("\n");
        for fragment in in_remedy {
            assert!(remedy.contains(fragment), "{code}: remedy lacks {fragment:?}:\n{remedy}");
        }
        assert!(!report.rechecks.is_empty(), "{code}: a recheck event");
        assert_eq!(report.rechecks.len(), report.rechecked_when.len());
        assert_eq!(report.admin_url.as_deref(), Some("https://admin.shopify.com/store/demo/orders/450789469"));
        // The detail survives the store's round trip.
        let again = OrderProblem::from_parts(code.as_str(), &problem.detail_json()).unwrap();
        assert_eq!(again, problem, "{code}: round trip");
    }

    #[test]
    fn every_code_has_a_complete_catalog_entry() {
        let settings = ShopSettings::default();
        let mut seen = Vec::new();
        for problem in examples() {
            seen.push(problem.code());
            check(problem, &settings, &[], &[]);
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), OrderErrorCode::ALL.len(), "an example per code");
    }

    #[test]
    fn messages_and_remedies_name_the_detail_at_fault() {
        let settings = ShopSettings::default();
        check(
            OrderProblem::ProductNotLinked { line: line(2, "Linen shirt - M", Some("SHIRT-M"), Some(47563746279730)) },
            &settings,
            &["Line 2", "“Linen shirt - M”", "SKU SHIRT-M", "not linked"],
            &[
                "https://admin.shopify.com/store/demo/products/47563746279730",
                r#"SyncNow { shop: "demo.myshopify.com", flow: Products }"#,
                "a link is created for SKU SHIRT-M",
                r##"ReprocessOrder { shop: "demo.myshopify.com", order: "#1001" }"##,
                r#"ReprocessByCode { shop: "demo.myshopify.com", code: ProductNotLinked }"#,
                "`shopsync-reprocess`",
                r#"MarkShippedOutside { shop: "demo.myshopify.com", product: "gid://shopify/Product/47563746279730" }"#,
            ],
        );
        check(
            OrderProblem::ProductNotLinked { line: line(1, "Gift card", None, Some(5)) },
            &settings,
            &["Line 1", "has no SKU"],
            &["Give the Shopify variant the SKU"],
        );
        check(
            OrderProblem::ProductNotFound { line: line(3, "Engraving", None, None) },
            &settings,
            &["Line 3", "“Engraving”", "deleted", "custom item"],
            &[
                r#"Open order #1001 in Shopify admin: OpenShopifyAdmin { url: "https://admin.shopify.com/store/demo/orders/450789469" }"#,
                "Edit the order",
            ],
        );
        check(
            OrderProblem::NoShippableProduct { lines: vec![line(1, "E-book", Some("EBOOK"), Some(9))] },
            &settings,
            &["“E-book” is not a physical product"],
            &["This is a physical product", "Shipping not required"],
        );
        check(
            OrderProblem::AwaitingApproval {
                hold_tag: "GlobalE".into(),
                approval_tag: Some("Globale::Approved".into()),
            },
            &settings,
            &["`GlobalE`", "`Globale::Approved`"],
            &[
                "adds the tag `Globale::Approved`",
                "remove the tag `GlobalE`",
                r#"key: "approval-hold-tag", value: Some("none")"#,
            ],
        );
        check(
            OrderProblem::AwaitingApproval { hold_tag: "hold".into(), approval_tag: None },
            &settings,
            &["no approval tag"],
            &[r#"SetSetting { shop: "demo.myshopify.com", key: "approval-tag", value: None }"#],
        );
        check(
            OrderProblem::FinancialStatusPending {
                financial_status: "PENDING".into(),
                payment_terms: Some("Net 30".into()),
            },
            &settings,
            &["PENDING", "Net 30", "sync-orders-with-payment-terms"],
            &[
                r#"SetSetting { shop: "demo.myshopify.com", key: "sync-orders-with-payment-terms", value: Some("on") }"#,
                "remind the buyer",
            ],
        );
        check(
            OrderProblem::OrderCancelled {
                cancelled_at: Some("2026-11-02T10:00:00.000000Z".into()),
                reason: Some("CUSTOMER".into()),
            },
            &settings,
            &["cancelled", "2026-11-02", "customer"],
            &["Duplicate"],
        );
        check(
            OrderProblem::OrderAlreadyFulfilled { fulfillment_status: "FULFILLED".into() },
            &settings,
            &["FULFILLED"],
            &["cancel its fulfillments"],
        );
        check(
            OrderProblem::OrderIgnoredByTag { tag: "shopsync-ignore".into() },
            &settings,
            &["`shopsync-ignore`"],
            &["remove the tag `shopsync-ignore`", r#"key: "ignore-tag", value: None"#],
        );
        check(
            OrderProblem::InvalidDestinationPostalCode { country: "NL".into() },
            &settings,
            &["no postal code", "Netherlands (NL)"],
            &["add the postal code (Netherlands requires one)"],
        );
        check(
            OrderProblem::CustomerTemplateIncomplete {
                template: Some("WEB".into()),
                missing_fields: vec!["gen_bus_posting_group".into(), "payment_terms_code".into()],
            },
            &settings,
            &["`WEB`", "gen_bus_posting_group, payment_terms_code", "fields"],
            &[r#"SetTemplate { code: Some("WEB"), fields: ["gen_bus_posting_group", "payment_terms_code"] }"#],
        );
        check(
            OrderProblem::CustomerTemplateIncomplete {
                template: None,
                missing_fields: vec!["customer_posting_group".into()],
            },
            &settings,
            &["no customer template", "field customer_posting_group"],
            &[r#"SetSetting { shop: "demo.myshopify.com", key: "customer-template", value: None }"#],
        );
    }

    #[test]
    fn the_destination_remedy_extends_the_shops_country_list() {
        let mut settings = ShopSettings::default();
        settings.set("order-countries", "NL,BE").unwrap();
        check(
            OrderProblem::DestinationNotAllowed { country: "de".into() },
            &settings,
            &["Germany (DE)", "not among the shop's countries"],
            &[
                "orders shipped to NL,BE only",
                r#"SetSetting { shop: "demo.myshopify.com", key: "order-countries", value: Some("NL,BE,DE") }"#,
            ],
        );
    }

    #[test]
    fn the_destination_remedy_with_every_country_allowed_says_a_recheck_imports_it() {
        check(
            OrderProblem::DestinationNotAllowed { country: "US".into() },
            &ShopSettings::default(),
            &["United States (US)"],
            &["order-countries is `all` now", r##"ReprocessOrder { shop: "demo.myshopify.com", order: "#1001" }"##],
        );
    }

    #[test]
    fn the_payment_terms_step_follows_the_shops_setting() {
        let mut settings = ShopSettings::default();
        settings.set("sync-orders-with-payment-terms", "on").unwrap();
        let order = OrderRef::new(SHOP, "gid://shopify/Order/1", "#1");
        let with_terms = OrderProblem::FinancialStatusPending {
            financial_status: "PENDING".into(),
            payment_terms: Some("Net 30".into()),
        };
        // With the setting on, an order with terms is accepted, so the remedy does not tell to turn it on again.
        let text = |steps: Vec<RemedyStep>| steps.iter().map(|s| s.render(|a| format!("{a:?}"))).collect::<String>();
        assert!(!text(with_terms.remedy(&order, &settings)).contains("sync-orders-with-payment-terms"));
        let without = OrderProblem::FinancialStatusPending { financial_status: "PENDING".into(), payment_terms: None };
        assert!(text(without.remedy(&order, &settings)).contains("give it payment terms"));
    }

    #[test]
    fn rechecks_follow_the_cause() {
        let not_linked = OrderProblem::ProductNotLinked { line: line(1, "Shirt", Some("S-1"), None) };
        assert_eq!(not_linked.rechecks()[0].key(), "link:S-1");
        assert!(not_linked.rechecks()[0].is_local());
        let country = OrderProblem::DestinationNotAllowed { country: "us".into() };
        assert_eq!(country.rechecks(), vec![RecheckEvent::CountryEnabled { country: "US".into() }]);
        assert_eq!(country.rechecks()[0].key(), "country:US");
        let template =
            OrderProblem::CustomerTemplateIncomplete { template: Some("WEB".into()), missing_fields: vec![] };
        let keys: Vec<String> = template.rechecks().iter().map(RecheckEvent::key).collect();
        assert_eq!(keys, ["template:WEB", "setting:customer-template"]);
        let paid = OrderProblem::FinancialStatusPending { financial_status: "PENDING".into(), payment_terms: None };
        assert!(paid.rechecks().contains(&RecheckEvent::Paid));
        assert!(!RecheckEvent::Paid.is_local());
    }

    #[test]
    fn status_follows_the_worst_problem() {
        let ignored = OrderProblem::OrderIgnoredByTag { tag: "x".into() };
        let waiting = OrderProblem::FinancialStatusPending { financial_status: "PENDING".into(), payment_terms: None };
        let error = OrderProblem::DestinationNotAllowed { country: "US".into() };
        assert_eq!(OrderStatus::from_problems(&[]), OrderStatus::Synced);
        assert_eq!(OrderStatus::from_problems(std::slice::from_ref(&ignored)), OrderStatus::Ignored);
        assert_eq!(OrderStatus::from_problems(&[ignored.clone(), waiting.clone()]), OrderStatus::Pending);
        assert_eq!(OrderStatus::from_problems(&[ignored, waiting.clone(), error.clone()]), OrderStatus::Error);
        // Cancelled or refunded in full, no fix makes it importable: left out, not listed among the errors.
        let cancelled = OrderProblem::OrderCancelled { cancelled_at: None, reason: None };
        let refunded = OrderProblem::OrderRefunded { financial_status: "REFUNDED".into() };
        assert_eq!(OrderStatus::from_problems(&[cancelled, error.clone(), waiting]), OrderStatus::Ignored);
        assert_eq!(OrderStatus::from_problems(&[error, refunded]), OrderStatus::Ignored);
    }

    #[test]
    fn codes_and_statuses_parse_leniently_and_explain_what_is_accepted() {
        for code in OrderErrorCode::ALL {
            assert_eq!(code.as_str().parse::<OrderErrorCode>(), Ok(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!("product-not-linked".parse(), Ok(OrderErrorCode::ProductNotLinked));
        let err = "NOT_LINKED".parse::<OrderErrorCode>().unwrap_err().to_string();
        assert!(err.contains("PRODUCT_NOT_LINKED") && err.contains("CUSTOMER_TEMPLATE_INCOMPLETE"), "{err}");
        assert_eq!("Synced".parse(), Ok(OrderStatus::Synced));
        assert!("done".parse::<OrderStatus>().unwrap_err().to_string().contains("pending, synced"));
    }

    #[test]
    fn a_detail_that_does_not_fit_its_code_is_an_error() {
        assert!(OrderProblem::from_parts("DESTINATION_NOT_ALLOWED", r#"{"country":"US"}"#).is_ok());
        assert!(OrderProblem::from_parts("DESTINATION_NOT_ALLOWED", r#"{"tag":"x"}"#).is_err());
        assert!(OrderProblem::from_parts("NO_SUCH_CODE", "{}").is_err());
        assert!(OrderProblem::from_parts("ORDER_IGNORED_BY_TAG", "not json").is_err());
    }

    /// One problem of every code.
    fn examples() -> Vec<OrderProblem> {
        vec![
            OrderProblem::ProductNotLinked { line: line(1, "Shirt", Some("S-1"), Some(1)) },
            OrderProblem::ProductNotFound { line: line(2, "Custom engraving", None, None) },
            OrderProblem::NoShippableProduct { lines: vec![line(1, "E-book", None, Some(2))] },
            OrderProblem::AwaitingApproval {
                hold_tag: "GlobalE".into(),
                approval_tag: Some("Globale::Approved".into()),
            },
            OrderProblem::FinancialStatusPending { financial_status: "PENDING".into(), payment_terms: None },
            OrderProblem::DestinationNotAllowed { country: "US".into() },
            OrderProblem::OrderCancelled { cancelled_at: None, reason: None },
            OrderProblem::OrderRefunded { financial_status: "REFUNDED".into() },
            OrderProblem::OrderAlreadyFulfilled { fulfillment_status: "FULFILLED".into() },
            OrderProblem::OrderIgnoredByTag { tag: "shopsync-ignore".into() },
            OrderProblem::InvalidDestinationPostalCode { country: "US".into() },
            OrderProblem::CustomerTemplateIncomplete { template: Some("WEB".into()), missing_fields: vec!["a".into()] },
        ]
    }
}
