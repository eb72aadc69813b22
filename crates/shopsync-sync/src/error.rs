use shopify_admin::AdminError;
use shopsync_core::CipherError;
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
    #[error("there is no shop {0}; `shopsync shop list` shows the connected shops")]
    UnknownShop(String),
    #[error("the shop {0} has no access token; store one with `shopsync shop set-token {0} --token-stdin`")]
    NoToken(String),
    #[error(
        "the access token of {shop} does not open for its endpoint {endpoint}: it was sealed for another endpoint \
         (the endpoint was changed outside shopsync) or with another master key, so nothing was sent. If you \
         chose this endpoint, give the token again: `shopsync shop set-token {shop} --token-stdin` (or \
         `shopsync shop set-endpoint {shop} URL --token-stdin` to change both)"
    )]
    TokenNotForEndpoint { shop: String, endpoint: String },
    #[error("the shop {shop} is stored with an invalid {what} ({reason}); fix it with `shopsync shop {fix}`")]
    InvalidShopRecord { shop: String, what: &'static str, reason: String, fix: &'static str },
    #[error("the shop {0} is disabled; turn it on with `shopsync shop set {0} enabled on`")]
    ShopDisabled(String),
    #[error("{flow} is switched off for {shop}; turn it on with `shopsync shop set {shop} {setting} on`")]
    FlowDisabled { flow: &'static str, shop: String, setting: &'static str },
    #[error(
        "writes to Shopify are off for {0}, so nothing was sent. This switch protects a live store from demo \
         or test data; when this back office is the real one, turn it on with \
         `shopsync shop set {0} allow-data-sync-to-shopify on` (reads and --dry-run work either way)"
    )]
    WritesDisabled(String),
    #[error(
        "outgoing requests are off for {0} (the sandbox guard), so nothing was sent to Shopify; turn them on with \
         `shopsync shop set {0} allow-outgoing-requests on`"
    )]
    OutgoingDisabled(String),
    #[error(
        "the {kind} sync of {shop} is already running (job {job}, process {pid} on {host}, started {started_at}); \
         wait for it to end (`shopsync jobs --shop {shop}`), or stop that process: a job whose process is gone \
         is released by the next run"
    )]
    AlreadyRunning { shop: String, kind: String, job: i64, pid: i64, host: String, started_at: String },
    #[error("{0}")]
    Invalid(String),
}

impl SyncError {
    /// Whether Shopify refused the shop's token or a scope: someone must grant access again.
    pub fn is_auth(&self) -> bool {
        matches!(self, SyncError::Shopify(AdminError::Auth { .. }))
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
