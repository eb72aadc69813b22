use shopify_admin::AdminError;
use shopsync_core::CipherError;
use shopsync_core::remedy::{RemedyAction, RemedyStep};
use shopsync_store::StoreError;

/// Why a flow could not run or stopped.
///
/// Record-level problems (an order that cannot be imported, a product Shopify refused) are not errors of the
/// flow: they are counted in its summary and stored against the record. These are the failures of the run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Shopify(#[from] AdminError),
    #[error(transparent)]
    Secret(#[from] CipherError),
    #[error("there is no shop {0}")]
    UnknownShop(String),
    #[error("the shop {0} has no access token")]
    NoToken(String),
    #[error(
        "the access token of {shop} does not open for its endpoint {endpoint}: it was sealed for another endpoint \
         (the endpoint was changed outside shopsync) or with another master key, so nothing was sent"
    )]
    TokenNotForEndpoint { shop: String, endpoint: String },
    #[error("the shop {shop} is stored with an invalid {what} ({reason})")]
    InvalidShopRecord { shop: String, what: &'static str, reason: String, fix: InvalidRecordFix },
    #[error("the shop {0} is disabled")]
    ShopDisabled(String),
    #[error("{flow} is switched off for {shop} (its setting {setting} is off)")]
    FlowDisabled { flow: &'static str, shop: String, setting: &'static str },
    #[error(
        "writes to Shopify are off for {0}, so nothing was sent. This switch protects a live store from demo \
         or test data"
    )]
    WritesDisabled(String),
    #[error("outgoing requests are off for {0} (the sandbox guard), so nothing was sent to Shopify")]
    OutgoingDisabled(String),
    #[error("the {kind} sync of {shop} is already running (job {job}, process {pid} on {host}, started {started_at})")]
    AlreadyRunning { shop: String, kind: String, job: i64, pid: i64, host: String, started_at: String },
    /// A shop setting must change (or be given) before the flow can run.
    #[error("{message}")]
    NeedsSetting { shop: String, key: &'static str, message: String },
    #[error("shopsync does not know its public address yet, so it cannot tell Shopify where to deliver webhooks")]
    NoPublicUrl,
    #[error("the Shopify app's client id and secret are not set yet, so no installation can be started or verified")]
    NoAppCredentials,
    #[error(
        "this OAuth callback does not belong to an installation started here in the last 15 minutes (it was \
         finished already, has expired, or was started elsewhere), so it was refused and nothing was stored"
    )]
    InstallNotStarted,
    #[error(transparent)]
    OAuth(#[from] shopify_admin::oauth::OAuthError),
    #[error("{0}")]
    Invalid(String),
}

/// How a shop stored with an invalid value is mended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidRecordFix {
    /// Disconnect the shop and connect it again.
    Remove,
    /// Give it a valid development endpoint.
    SetEndpoint,
}

impl SyncError {
    /// Whether Shopify refused the shop's token or a scope: someone must grant access again.
    pub fn is_auth(&self) -> bool {
        matches!(self, SyncError::Shopify(AdminError::Auth { .. }))
    }

    /// What a person does about it, as data the front-ends render (the message says what happened and why).
    pub fn remedy(&self) -> Option<RemedyStep> {
        let turn_on = |shop: &str, key: &str| RemedyAction::SetSetting {
            shop: shop.to_string(),
            key: key.to_string(),
            value: Some("on".into()),
        };
        Some(match self {
            SyncError::Store(err) => return err.remedy(),
            SyncError::Secret(err) => return err.remedy(),
            SyncError::Shopify(_) | SyncError::Invalid(_) => return None,
            SyncError::NoPublicUrl => crate::subscriptions::no_public_url_remedy(),
            SyncError::NoAppCredentials => {
                RemedyStep::text("store them with ").then_act(RemedyAction::SetAppCredentials)
            }
            SyncError::InstallNotStarted => {
                RemedyStep::text("start the installation again: ").then_act(RemedyAction::ConnectShop { shop: None })
            }
            SyncError::OAuth(_) => return None,
            SyncError::UnknownShop(_) => {
                RemedyStep::act(RemedyAction::ListShops).then_text(" shows the connected shops")
            }
            SyncError::NoToken(shop) => {
                RemedyStep::text("store one with ").then_act(RemedyAction::SetToken { shop: Some(shop.clone()) })
            }
            SyncError::TokenNotForEndpoint { shop, .. } => {
                RemedyStep::text("if you chose this endpoint, give the token again: ")
                    .then_act(RemedyAction::SetToken { shop: Some(shop.clone()) })
                    .then_text(" (or ")
                    .then_act(RemedyAction::SetEndpoint { shop: shop.clone() })
                    .then_text(" to change both)")
            }
            SyncError::InvalidShopRecord { shop, fix, .. } => RemedyStep::text("fix it with ").then_act(match fix {
                InvalidRecordFix::Remove => RemedyAction::RemoveShop { shop: shop.clone() },
                InvalidRecordFix::SetEndpoint => RemedyAction::SetEndpoint { shop: shop.clone() },
            }),
            SyncError::ShopDisabled(shop) => RemedyStep::text("turn it on with ").then_act(turn_on(shop, "enabled")),
            SyncError::FlowDisabled { shop, setting, .. } => {
                RemedyStep::text("turn it on with ").then_act(turn_on(shop, setting))
            }
            SyncError::WritesDisabled(shop) => {
                RemedyStep::text("when this back office is the real one, turn it on with ")
                    .then_act(turn_on(shop, "allow-data-sync-to-shopify"))
                    .then_text(" (reads and dry runs work either way)")
            }
            SyncError::NeedsSetting { shop, key, .. } => RemedyStep::text("set it with ")
                .then_act(RemedyAction::SetSetting { shop: shop.clone(), key: key.to_string(), value: None }),
            SyncError::OutgoingDisabled(shop) => {
                RemedyStep::text("turn them on with ").then_act(turn_on(shop, "allow-outgoing-requests"))
            }
            SyncError::AlreadyRunning { shop, .. } => RemedyStep::text("wait for it to end (")
                .then_act(RemedyAction::ShowJobs { shop: Some(shop.clone()) })
                .then_text("), or stop that process: a job whose process is gone is released by the next run"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_flow_is_named_without_an_article_that_cannot_fit_every_kind() {
        for kind in ["orders", "inventory", "products"] {
            let err = SyncError::AlreadyRunning {
                shop: "demo.myshopify.com".into(),
                kind: kind.into(),
                job: 7,
                pid: 42,
                host: "box".into(),
                started_at: "2026-12-03T07:00:00Z".into(),
            };
            let text = err.to_string();
            assert!(text.starts_with(&format!("the {kind} sync of demo.myshopify.com is already running")), "{text}");
        }
    }
}
