//! Remedies as the console shows them: each [`RemedyAction`] becomes a link to the page that does it or a button
//! that does it, with the same words around it as the CLI shows. Actions the console has no page for yet (customer
//! templates, an import) are named in words, with where to do them.

use shopsync_core::remedy::{RemedyAction, RemedyStep, StepPart};
use shopsync_sync::SyncError;

use super::enc;

/// One part of a remedy step on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// `text`, `link`, `external` (a page of Shopify admin, in a new tab) or `button` (a form that POSTs).
    pub kind: &'static str,
    pub text: String,
    /// The link's target or the button's form action.
    pub href: String,
    /// The button's form fields besides the CSRF token.
    pub fields: Vec<(String, String)>,
}

impl Part {
    fn text(text: impl Into<String>) -> Part {
        Part { kind: "text", text: text.into(), href: String::new(), fields: Vec::new() }
    }
    fn link(text: impl Into<String>, href: String) -> Part {
        Part { kind: "link", text: text.into(), href, fields: Vec::new() }
    }
    fn button(text: impl Into<String>, href: String, fields: Vec<(String, String)>) -> Part {
        Part { kind: "button", text: text.into(), href, fields }
    }
}

/// A step as parts.
pub(crate) fn parts(step: &RemedyStep) -> Vec<Part> {
    step.parts
        .iter()
        .map(|part| match part {
            StepPart::Text(words) => Part::text(words.clone()),
            StepPart::Action(action) => action_part(action),
        })
        .collect()
}

fn action_part(action: &RemedyAction) -> Part {
    match action {
        RemedyAction::OpenShopifyAdmin { url } => {
            Part { kind: "external", text: "open in Shopify admin".into(), href: url.clone(), fields: Vec::new() }
        }
        RemedyAction::ReprocessOrder { shop, order } => Part::button(
            format!("Reprocess {order}"),
            format!("/orders/{shop}/reprocess"),
            vec![("one".into(), order.clone())],
        ),
        RemedyAction::ReprocessByCode { shop, code } => Part::button(
            format!("Reprocess every order with {}", code.as_str()),
            format!("/orders/{shop}/reprocess"),
            vec![("code".into(), code.as_str().to_string())],
        ),
        RemedyAction::SyncNow { shop, flow } => {
            Part::button(format!("Sync {flow} now"), format!("/shops/{shop}/sync/{flow}"), Vec::new())
        }
        RemedyAction::SetSetting { shop, key, value } => {
            let text = match value {
                Some(value) => format!("set {key} to {value}"),
                None => format!("change the setting {key}"),
            };
            let mut href = format!("/shops/{shop}?setting={}", enc(key));
            if let Some(value) = value {
                href.push_str(&format!("&value={}", enc(value)));
            }
            href.push_str(&format!("#setting-{key}"));
            Part::link(text, href)
        }
        RemedyAction::ShowShop { shop } => Part::link(format!("the shop card of {shop}"), format!("/shops/{shop}")),
        RemedyAction::ListShops => Part::link("the shops", "/shops".into()),
        RemedyAction::ShowJobs { shop: Some(shop) } => Part::link("its jobs", format!("/jobs?shop={}", enc(shop))),
        RemedyAction::ShowJobs { shop: None } => Part::link("the jobs", "/jobs".into()),
        RemedyAction::ImportItems => Part::text("import the items into the back office (items CSV import)"),
        RemedyAction::SetTemplate { code, fields } => Part::text(format!(
            "fill {} in the customer template {}",
            fields.join(", "),
            code.as_deref().unwrap_or("(its code)")
        )),
        RemedyAction::ShowTemplate { code } => Part::text(format!("the customer template {code}")),
        RemedyAction::ListTemplates => Part::text("the customer templates"),
        RemedyAction::SetToken { shop: Some(shop) } => {
            Part::link(format!("give {shop} a new access token"), format!("/shops/{shop}#access"))
        }
        RemedyAction::SetToken { shop: None } => Part::text("give the shop a new access token (on its shop card)"),
        RemedyAction::SetEndpoint { shop } => {
            Part::text(format!("give {shop} its endpoint and token again (on the command line)"))
        }
        RemedyAction::RemoveShop { shop } => Part::text(format!("disconnect {shop} (on the command line)")),
        RemedyAction::InitDataDir => Part::text("initialise the data directory (on the command line)"),
        // Set once per installation, on the server's command line: the console takes no app secret.
        RemedyAction::SetPublicUrl => {
            Part::text("shopsync app set-url https://YOUR_HOST (on the server's command line)")
        }
        RemedyAction::SetAppCredentials => Part::text(
            "shopsync app set --client-id ID --client-secret-stdin (on the server's command line, the secret from stdin)",
        ),
        RemedyAction::ConnectShop { shop: Some(shop) } => {
            Part::button("Request access", format!("/shops/{shop}/access"), Vec::new())
        }
        RemedyAction::ConnectShop { shop: None } => {
            Part::text("install the app on the shop again through OAuth (on the command line)")
        }
        RemedyAction::SyncWebhooks { shop: Some(shop) } => {
            Part::button("Repair subscriptions", format!("/shops/{shop}/webhooks/sync"), Vec::new())
        }
        RemedyAction::SyncWebhooks { shop: None } => {
            Part::text("set up the webhook subscriptions of every shop (on the command line)")
        }
        RemedyAction::MarkShippedOutside { shop, product } => Part::button(
            "Mark as shipped outside",
            "/products/outside".into(),
            vec![("shop".into(), shop.clone()), ("product".into(), product.clone())],
        ),
    }
}

/// A step in words only (for a flash message, which holds text).
pub(crate) fn words(step: &RemedyStep) -> String {
    step.render(|action| action_part(action).text)
}

/// An engine error in words: what happened and why, then what to do.
pub(crate) fn explain(error: &SyncError) -> String {
    match error.remedy() {
        Some(step) => format!("{error}; {}", words(&step)),
        None => error.to_string(),
    }
}
