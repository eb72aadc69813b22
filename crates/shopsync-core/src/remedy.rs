//! Remedies as data: the steps that fix a problem, with the actions a person takes named as actions, not as the
//! text of one front-end.
//!
//! A step is a sentence made of parts: words, and actions such as "re-check this order now", "change this
//! setting to this value" or "open this page in Shopify admin". The CLI renders an action as the command that does
//! it (its `orders reprocess ...` command), the web console as a button or a link; the words around it read the same
//! in both. Nothing here knows either front-end.
//!
//! ```
//! use shopsync_core::remedy::{RemedyAction, RemedyStep};
//!
//! let step = RemedyStep::text("To check now: ")
//!     .then_act(RemedyAction::ReprocessOrder { shop: "demo.myshopify.com".into(), order: "#1001".into() })
//!     .then_text(" re-reads the order from Shopify.");
//! assert_eq!(step.actions().count(), 1);
//! ```

use serde::Serialize;

use crate::Flow;
use crate::order_errors::OrderErrorCode;

/// One step of a remedy, in the order a person takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemedyStep {
    pub parts: Vec<StepPart>,
}

/// A part of a step: words, or an action the front-end renders its own way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepPart {
    Text(String),
    Action(RemedyAction),
}

/// Something a person does to fix a problem, with everything a front-end needs to offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RemedyAction {
    /// Open a page of Shopify admin.
    OpenShopifyAdmin { url: String },
    /// Read one order from Shopify again and evaluate it now.
    ReprocessOrder { shop: String, order: String },
    /// Read every order held with `code` from Shopify again and evaluate them now.
    ReprocessByCode { shop: String, code: OrderErrorCode },
    /// Run a flow of the shop now.
    SyncNow { shop: String, flow: Flow },
    /// Change a shop setting. Without a value, the person chooses it (a tag, a template code).
    SetSetting { shop: String, key: String, value: Option<String> },
    /// Look at the shop's settings.
    ShowShop { shop: String },
    /// Add items to the back office.
    ImportItems,
    /// Create or complete a customer template: the template (or one the person names) and the fields to fill.
    SetTemplate { code: Option<String>, fields: Vec<String> },
    /// Look at a customer template.
    ShowTemplate { code: String },
    /// Look at every customer template.
    ListTemplates,
    /// Look at the connected shops.
    ListShops,
    /// Give a shop (or, without one, the shop in question) a new access token.
    SetToken { shop: Option<String> },
    /// Give a shop a new development endpoint, with its token again.
    SetEndpoint { shop: String },
    /// Disconnect a shop (its back-office records stay).
    RemoveShop { shop: String },
    /// Look at the sync runs (of one shop, or of every shop).
    ShowJobs { shop: Option<String> },
    /// Create the data directory, its database and its master key.
    InitDataDir,
    /// Give the installation the public address at which Shopify reaches `serve` (for webhooks).
    SetPublicUrl,
    /// Store the Shopify app's client id and secret.
    SetAppCredentials,
    /// Install the app on a shop (or grant it access again) through OAuth.
    ConnectShop { shop: Option<String> },
    /// Create or repair a shop's webhook subscriptions (every shop's, without one).
    SyncWebhooks { shop: Option<String> },
    /// Mark a Shopify product (its global id) as shipped outside the back office: its order lines leave the sales
    /// order instead of holding the order.
    MarkShippedOutside { shop: String, product: String },
}

impl RemedyStep {
    /// A step that starts with words.
    pub fn text(text: impl Into<String>) -> RemedyStep {
        RemedyStep { parts: vec![StepPart::Text(text.into())] }
    }

    /// A step that starts with an action.
    pub fn act(action: RemedyAction) -> RemedyStep {
        RemedyStep { parts: vec![StepPart::Action(action)] }
    }

    /// The step with more words.
    pub fn then_text(mut self, text: impl Into<String>) -> RemedyStep {
        self.parts.push(StepPart::Text(text.into()));
        self
    }

    /// The step with another action.
    pub fn then_act(mut self, action: RemedyAction) -> RemedyStep {
        self.parts.push(StepPart::Action(action));
        self
    }

    /// The step followed by every part of `next`, as one sentence.
    pub fn then(mut self, next: RemedyStep) -> RemedyStep {
        self.parts.extend(next.parts);
        self
    }

    /// The actions of the step, in order.
    pub fn actions(&self) -> impl Iterator<Item = &RemedyAction> {
        self.parts.iter().filter_map(|part| match part {
            StepPart::Action(action) => Some(action),
            StepPart::Text(_) => None,
        })
    }

    /// The words of the step, with each action replaced by `render`'s text for it.
    pub fn render(&self, mut render: impl FnMut(&RemedyAction) -> String) -> String {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                StepPart::Text(words) => text.push_str(words),
                StepPart::Action(action) => text.push_str(&render(action)),
            }
        }
        text
    }
}
