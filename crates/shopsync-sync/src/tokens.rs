//! Expiring offline tokens: stored with their refresh token, refreshed before they expire.
//!
//! An OAuth installation asks Shopify for an expiring offline token (an hour) and a refresh token. Before a shop's
//! client is built, [`Engine::context`](crate::Engine) hands the shop to [`fresh`], which trades the refresh token
//! for a new pair once the access token has less than [`REFRESH_BEFORE`] left. The new pair replaces the old in
//! one statement, and only while the refresh token used is still the stored one: when two processes refresh at
//! once, the first to store wins and the other takes the stored token (Shopify keeps a refresh token valid until
//! the one that replaced it is used, so the loser's request does no harm). A refresh token Shopify refuses marks
//! the shop as needing access, like a revoked token.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use shopify_admin::oauth::{AccessToken, OAuthError};
use shopify_admin::{Endpoint, ShopDomain};
use shopsync_core::secret::refresh_token_context;
use shopsync_store::{AccessStatus, ExpiringToken, Shop};

use crate::{Engine, SyncError};

/// How long before its expiry an access token is refreshed: a run that starts with less could see it expire.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// The pair to store for a token answer with an expiry and a refresh token; `None` for a token that does not
/// expire.
pub(crate) fn sealed_pair(
    engine: &Engine,
    domain: &str,
    endpoint: Option<&str>,
    token: &AccessToken,
    now: Timestamp,
) -> Option<ExpiringToken> {
    let expires_in = token.expires_in?;
    let refresh = token.refresh_token.as_ref()?;
    let at = |seconds: u64| {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX / 2);
        shopsync_core::time::to_text(now.saturating_add(SignedDuration::from_secs(seconds)).unwrap_or(now))
    };
    Some(ExpiringToken {
        access_token: engine.seal_access_token(domain, endpoint, &token.access_token),
        access_token_expires_at: at(expires_in),
        refresh_token: engine.seal_secret(&refresh_token_context(domain, endpoint), refresh),
        refresh_token_expires_at: token.refresh_token_expires_in.map(at),
    })
}

/// The shop with an access token good for at least [`REFRESH_BEFORE`], refreshing it when needed.
pub(crate) async fn fresh(engine: &Engine, shop: Shop) -> Result<Shop, SyncError> {
    let (Some(expires_at), Some(sealed_refresh)) = (&shop.access_token_expires_at, &shop.refresh_token) else {
        return Ok(shop);
    };
    let now = Timestamp::now();
    let margin = SignedDuration::try_from(REFRESH_BEFORE).unwrap_or(SignedDuration::ZERO);
    match expires_at.parse::<Timestamp>() {
        Ok(expires) if expires.duration_since(now) > margin => return Ok(shop),
        _ => {}
    }
    let context = refresh_token_context(&shop.domain, shop.endpoint.as_deref());
    let refresh: SecretString = engine.open_secret(&context, sealed_refresh)?;
    // A refresh sends no redirect: the app's redirect address does not matter here.
    let blank = url::Url::parse("about:blank").map_err(|err| SyncError::Invalid(err.to_string()))?;
    let app = engine.oauth_app(Vec::new(), blank).await?.ok_or(SyncError::NoAppCredentials)?;
    let domain = ShopDomain::parse(&shop.domain).map_err(|err| SyncError::Invalid(err.to_string()))?;
    let endpoint = match shop.endpoint.as_deref() {
        None => Endpoint::Shopify,
        Some(url) => Endpoint::development(url).map_err(|err| SyncError::Invalid(err.to_string()))?,
    };
    let token = match app.refresh(engine.http(), &endpoint, &domain, &refresh).await {
        Ok(token) => token,
        Err(error @ OAuthError::Rejected { .. }) => {
            let reason = format!(
                "Shopify refused to refresh the access token ({error}): the app was uninstalled or its access \
                 revoked, so it needs access again"
            );
            engine.store().set_access_status(shop.id, AccessStatus::NeedsAccess, Some(&reason)).await?;
            return Err(error.into());
        }
        Err(error) => return Err(error.into()),
    };
    let Some(pair) = sealed_pair(engine, &shop.domain, shop.endpoint.as_deref(), &token, Timestamp::now()) else {
        return Err(SyncError::Invalid(format!(
            "Shopify answered the refresh of {}'s token without an expiry or a new refresh token; connect the shop \
             again",
            shop.domain
        )));
    };
    let stored = engine.store().store_expiring_token(shop.id, &pair, Some(sealed_refresh)).await?;
    if !stored {
        tracing::debug!(shop = %shop.domain, "another process refreshed the token first: its token is used");
    }
    engine.store().shop_by_id(shop.id).await?.ok_or_else(|| SyncError::UnknownShop(shop.domain.clone()))
}
