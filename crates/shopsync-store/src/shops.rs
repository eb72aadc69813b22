//! Connected shops, their settings and their sync cursors.

use async_trait::async_trait;
use serde::Serialize;
use shopsync_core::ShopSettings;

use crate::Result;

/// A connected Shopify store.
///
/// The secrets are sealed text (see [`shopsync_core::secret`]); this type never holds them in clear, and its
/// `Debug` output leaves them out.
#[derive(Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Shop {
    pub id: i64,
    /// `NAME.myshopify.com`.
    pub domain: String,
    pub api_version: String,
    /// A development endpoint (the local simulator) used instead of `https://{domain}`.
    pub endpoint: Option<String>,
    #[serde(skip)]
    pub access_token: Option<String>,
    #[serde(skip)]
    pub client_secret: Option<String>,
    #[serde(skip)]
    pub previous_client_secret: Option<String>,
    pub access_status: AccessStatus,
    pub access_error: Option<String>,
    pub scopes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the access token expires (an expiring offline token); `None`: it does not.
    pub access_token_expires_at: Option<String>,
    /// Sealed refresh token of an expiring access token.
    #[serde(skip)]
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: Option<String>,
}

/// An expiring access token and its refresh token, sealed, with their expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct ExpiringToken {
    pub access_token: String,
    pub access_token_expires_at: String,
    pub refresh_token: String,
    pub refresh_token_expires_at: Option<String>,
}

impl std::fmt::Debug for ExpiringToken {
    // Sealed text has no place in logs either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpiringToken")
            .field("access_token_expires_at", &self.access_token_expires_at)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Shop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shop")
            .field("id", &self.id)
            .field("domain", &self.domain)
            .field("api_version", &self.api_version)
            .field("endpoint", &self.endpoint)
            .field("has_access_token", &self.access_token.is_some())
            .field("has_client_secret", &self.client_secret.is_some())
            .field("access_status", &self.access_status)
            .finish_non_exhaustive()
    }
}

/// Whether shopsync can reach a shop with the token it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AccessStatus {
    /// No call has told yet.
    Unknown,
    /// The last call was accepted.
    Ok,
    /// Shopify refused the token or a scope is missing: someone must grant access again.
    NeedsAccess,
}

/// What `add_shop` needs.
#[derive(Debug, Clone, Default)]
pub struct NewShop {
    pub domain: String,
    pub api_version: String,
    pub endpoint: Option<String>,
    /// Sealed access token.
    pub access_token: Option<String>,
}

/// Where an inbound flow stopped for one shop and object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SyncCursor {
    pub object: String,
    /// Shopify `updated_at` of the last record fully processed, as Shopify wrote it.
    pub updated_at: Option<String>,
    /// Global id of the last record processed at that `updated_at`.
    pub last_id: Option<String>,
    /// A bulk query started for this object and not read yet.
    pub bulk_operation_id: Option<String>,
    pub last_run_at: Option<String>,
    pub last_success_at: Option<String>,
}

/// A bulk mutation a flow started (or is starting) and whose result it has not recorded yet: what the lines of
/// its upload were, so a run that stops while Shopify works reads the operation's result instead of sending the
/// lines again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BulkWrite {
    /// What the flow writes (`products`); one bulk write per shop and object at a time.
    pub object: String,
    /// The flow's step (for the catalog push: `products`, then `publish`).
    pub stage: String,
    /// The bulk operation's gid, once Shopify started it; `None` while it is being started.
    pub operation_id: Option<String>,
    /// The flow's record of the lines, as JSON; the store does not read it.
    pub plan: String,
    /// When the write was planned (set by the store on first save).
    pub created_at: String,
    pub updated_at: String,
}

/// Shops, settings and cursors.
#[async_trait]
pub trait ShopStore: Send + Sync {
    /// Connects a new shop; fails with [`crate::StoreError::ShopExists`] if the domain is taken.
    async fn add_shop(&self, shop: &NewShop) -> Result<Shop>;
    /// Every connected shop, by domain.
    async fn shops(&self) -> Result<Vec<Shop>>;
    /// The shop with this domain.
    async fn shop(&self, domain: &str) -> Result<Option<Shop>>;
    /// The shop with this id.
    async fn shop_by_id(&self, id: i64) -> Result<Option<Shop>>;
    /// Disconnects a shop and forgets everything that belongs to it alone (settings, cursors, links, logs);
    /// back-office records such as sales orders stay. Returns whether the shop existed.
    async fn remove_shop(&self, domain: &str) -> Result<bool>;
    /// Replaces the sealed access token (`None` removes it) and resets the access status to unknown.
    async fn set_access_token(&self, shop_id: i64, sealed: Option<&str>) -> Result<()>;
    /// Replaces the sealed client secret; the current one becomes the previous one, still accepted while
    /// webhooks signed with it drain.
    async fn rotate_client_secret(&self, shop_id: i64, sealed: &str) -> Result<()>;
    /// Sets the development endpoint (`None` for Shopify itself).
    async fn set_endpoint(&self, shop_id: i64, endpoint: Option<&str>) -> Result<()>;
    /// Sets the endpoint and the access token sealed for it in one write (the token is bound to its endpoint),
    /// and resets the access status to unknown.
    async fn set_endpoint_and_token(&self, shop_id: i64, endpoint: Option<&str>, sealed: &str) -> Result<()>;
    /// Replaces the sealed access token with the same token sealed again (a new format), keeping the access
    /// status.
    async fn reseal_access_token(&self, shop_id: i64, sealed: &str) -> Result<()>;
    /// Stores an expiring access token with its refresh token, in one step, and marks the shop's access good.
    /// With `replacing_refresh` (the sealed refresh token a refresh used) it is stored only while that refresh
    /// token is still the stored one: `false` means another process refreshed first, and its token stands.
    async fn store_expiring_token(
        &self,
        shop_id: i64,
        token: &ExpiringToken,
        replacing_refresh: Option<&str>,
    ) -> Result<bool>;
    /// The master key's check value, once one was stored.
    async fn key_check(&self) -> Result<Option<String>>;
    /// Stores the master key's check value.
    async fn set_key_check(&self, check: &str) -> Result<()>;
    /// Sets the Admin API version the shop is called with.
    async fn set_api_version(&self, shop_id: i64, version: &str) -> Result<()>;
    /// Records whether the shop's token works, and why not.
    async fn set_access_status(&self, shop_id: i64, status: AccessStatus, error: Option<&str>) -> Result<()>;
    /// Records the access scopes Shopify reported for the token.
    async fn set_scopes(&self, shop_id: i64, scopes: &str) -> Result<()>;

    /// The shop's settings, defaults where nothing was stored.
    async fn settings(&self, shop_id: i64) -> Result<ShopSettings>;
    /// Stores one setting; the caller has validated it with [`ShopSettings::set`] and passes its normal form.
    async fn save_setting(&self, shop_id: i64, key: &str, value: &str) -> Result<()>;
    /// When a setting last changed value (saving the same value again does not count); `None` while it was never
    /// set and holds its default.
    async fn setting_changed_at(&self, shop_id: i64, key: &str) -> Result<Option<String>>;

    /// The cursor of an inbound flow, if it ever ran.
    async fn cursor(&self, shop_id: i64, object: &str) -> Result<Option<SyncCursor>>;
    /// Stores a cursor (a checkpoint: called after every page).
    async fn save_cursor(&self, shop_id: i64, cursor: &SyncCursor) -> Result<()>;
    /// Moves a cursor back to `updated_at` (or to the start with `None`) so the next sync reads again from there.
    async fn reset_cursor(&self, shop_id: i64, object: &str, updated_at: Option<&str>) -> Result<()>;
    /// Every cursor of a shop.
    async fn cursors(&self, shop_id: i64) -> Result<Vec<SyncCursor>>;

    /// The bulk write in progress for a shop and object, if any.
    async fn bulk_write(&self, shop_id: i64, object: &str) -> Result<Option<BulkWrite>>;
    /// Stores a bulk write (a checkpoint: its plan before the operation starts, then its stage and operation id);
    /// replaces the one of the same object, keeping its `created_at`.
    async fn save_bulk_write(&self, shop_id: i64, write: &BulkWrite) -> Result<()>;
    /// Forgets a bulk write once its result is recorded; returns whether there was one.
    async fn remove_bulk_write(&self, shop_id: i64, object: &str) -> Result<bool>;
}
