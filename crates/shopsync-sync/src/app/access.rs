//! Shop access by OAuth: installing the app on a shop (or granting it access again) without pasting a token.
//!
//! [`begin_install`] makes the install URL a person opens (the CLI prints it; the console's Request access button
//! redirects to it): the app's client id, the scopes the shop's switched-on flows need, the redirect to
//! `PUBLIC_URL/auth/callback`, and a random state nonce remembered in the store with the shop it is for. Shopify
//! asks the merchant to approve and sends them back to the callback, which the web front-end hands to
//! [`complete_install`]: the state must be one this installation started, less than [`STATE_LIFETIME`] ago, for
//! the very shop the callback names; the HMAC (the app's client secret over the other parameters) and the
//! timestamp are checked by `shopify_admin::oauth`; then the code is exchanged for an offline token, which is
//! sealed for the shop's endpoint and stored with the scopes Shopify granted. A missing scope is named, and the
//! shop's access is marked good so paused syncs resume.

use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use shopify_admin::oauth::{AccessMode, OAuthError, parse_query};
use shopify_admin::{ApiVersion, Endpoint, ShopDomain};
use shopsync_core::ShopSettings;
use shopsync_store::{AccessStatus, NewShop, OAuthState};

use super::required_scopes;
use crate::{Engine, SyncError};

/// The path of the OAuth callback under the public address.
pub const CALLBACK_PATH: &str = "/auth/callback";

/// How long an install URL can be used: long enough to log in to Shopify and approve.
pub const STATE_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// An installation started: where to send the person.
#[derive(Debug, Clone, Serialize)]
pub struct InstallStart {
    pub shop: String,
    /// Shopify's page that asks the merchant to approve the app.
    pub url: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
}

/// An installation finished.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    pub shop: String,
    /// Whether the shop was connected just now (otherwise its token was replaced).
    pub new_shop: bool,
    pub granted: Vec<String>,
    /// Scopes the shop's flows need that Shopify did not grant.
    pub missing: Vec<String>,
}

/// Starts installing the app on `domain` (a shop connected already keeps its endpoint and API version; a new one
/// takes `endpoint`, a development endpoint such as the simulator's, and `api_version`).
pub async fn begin_install(
    engine: &Engine,
    domain: &str,
    endpoint: Option<&str>,
    api_version: Option<&str>,
) -> Result<InstallStart, SyncError> {
    let domain = ShopDomain::parse(domain).map_err(|err| SyncError::Invalid(err.to_string()))?;
    let public_url = engine.store().app_public_url().await?.ok_or(SyncError::NoPublicUrl)?;
    let existing = engine.store().shop(domain.as_str()).await?;
    let (endpoint, api_version, settings) = match &existing {
        Some(shop) => (shop.endpoint.clone(), shop.api_version.clone(), engine.store().settings(shop.id).await?),
        None => {
            let endpoint = endpoint
                .map(|e| Endpoint::development(e).map(|_| e.trim().trim_end_matches('/').to_string()))
                .transpose()
                .map_err(|err| SyncError::Invalid(err.to_string()))?;
            let version = match api_version {
                Some(v) => ApiVersion::parse(v).map_err(|err| SyncError::Invalid(err.to_string()))?,
                None => ApiVersion::default(),
            };
            (endpoint, version.to_string(), ShopSettings::default())
        }
    };
    let scopes: Vec<String> = required_scopes(&settings).into_iter().map(String::from).collect();
    let redirect = callback_url(&public_url)?;
    let app = engine.oauth_app(scopes.clone(), redirect.clone()).await?.ok_or(SyncError::NoAppCredentials)?;
    let target = endpoint_of(endpoint.as_deref())?;
    let request = app.authorize_url(&domain, &target, AccessMode::Offline);
    engine
        .store()
        .save_oauth_state(&OAuthState {
            state: request.state.clone(),
            shop_domain: domain.to_string(),
            endpoint,
            api_version,
            created_at: String::new(),
        })
        .await?;
    Ok(InstallStart {
        shop: domain.to_string(),
        url: request.url.to_string(),
        redirect_uri: redirect.to_string(),
        scopes,
    })
}

/// Finishes an installation from the callback's raw query string (as Shopify sent it: its signature covers the
/// parameters exactly). Nothing is stored unless every check passed and Shopify gave a token.
pub async fn complete_install(engine: &Engine, raw_query: &str) -> Result<Installed, SyncError> {
    let params = parse_query(raw_query);
    let nonce = params
        .iter()
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.clone())
        .ok_or(SyncError::OAuth(OAuthError::MissingParameter("state")))?;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::try_from(STATE_LIFETIME).unwrap_or_default();
    let since = shopsync_core::time::to_text(since);
    // Taken before anything else is checked: a callback replayed, or one that fails a check, cannot be retried
    // with the same state.
    let started = engine.store().take_oauth_state(&nonce, &since).await?.ok_or(SyncError::InstallNotStarted)?;
    let public_url = engine.store().app_public_url().await?.ok_or(SyncError::NoPublicUrl)?;
    let app = engine.oauth_app(Vec::new(), callback_url(&public_url)?).await?.ok_or(SyncError::NoAppCredentials)?;
    let callback = app.verify_callback(raw_query, &started.state, jiff::Timestamp::now())?;
    if callback.shop.as_str() != started.shop_domain {
        return Err(SyncError::Invalid(format!(
            "the OAuth callback names the shop {} but this installation was started for {}, so it was refused; \
             start the installation again for the shop you mean",
            callback.shop, started.shop_domain
        )));
    }
    let target = endpoint_of(started.endpoint.as_deref())?;
    // An expiring offline token (Shopify's requirement for new public apps from 2027), refreshed before it lapses.
    let token = app.exchange_code(engine.http(), &target, &callback.shop, &callback.code, true).await?;
    let now = jiff::Timestamp::now();
    let granted: Vec<String> = token.scopes().into_iter().map(String::from).collect();
    let access: &SecretString = &token.access_token;
    let store = engine.store();
    let (shop, new_shop) = match store.shop(&started.shop_domain).await? {
        Some(shop) => {
            let sealed = engine.seal_access_token(&shop.domain, shop.endpoint.as_deref(), access);
            store.set_access_token(shop.id, Some(&sealed)).await?;
            (shop, false)
        }
        None => {
            let sealed = engine.seal_access_token(&started.shop_domain, started.endpoint.as_deref(), access);
            let shop = store
                .add_shop(&NewShop {
                    domain: started.shop_domain.clone(),
                    api_version: started.api_version.clone(),
                    endpoint: started.endpoint.clone(),
                    access_token: Some(sealed),
                })
                .await?;
            (shop, true)
        }
    };
    if let Some(pair) = crate::tokens::sealed_pair(engine, &shop.domain, shop.endpoint.as_deref(), &token, now) {
        store.store_expiring_token(shop.id, &pair, None).await?;
    }
    store.set_scopes(shop.id, &granted.join(",")).await?;
    store.set_access_status(shop.id, AccessStatus::Ok, None).await?;
    let settings = store.settings(shop.id).await?;
    let missing =
        required_scopes(&settings).into_iter().filter(|scope| !grants(&granted, scope)).map(String::from).collect();
    Ok(Installed { shop: shop.domain, new_shop, granted, missing })
}

/// Whether `granted` covers `scope` (a `write_` scope implies its `read_`).
fn grants(granted: &[String], scope: &str) -> bool {
    granted.iter().any(|g| g == scope)
        || scope.strip_prefix("read_").is_some_and(|rest| granted.iter().any(|g| g == &format!("write_{rest}")))
}

fn callback_url(public_url: &str) -> Result<url::Url, SyncError> {
    url::Url::parse(&format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/')))
        .map_err(|err| SyncError::Invalid(format!("the public address {public_url} is not a URL ({err})")))
}

fn endpoint_of(endpoint: Option<&str>) -> Result<Endpoint, SyncError> {
    match endpoint {
        None => Ok(Endpoint::Shopify),
        Some(url) => Endpoint::development(url).map_err(|err| SyncError::Invalid(err.to_string())),
    }
}

/// A shop's access token replaced by [`rotate_token`].
#[derive(Debug, Clone, Serialize)]
pub struct TokenRotated {
    pub shop: String,
    /// The store's name, as Shopify answered the check made with the new token.
    pub shop_name: String,
    /// Scopes the shop's flows need that the new token lacks.
    pub missing: Vec<String>,
}

/// Replaces a shop's access token with one a person pasted (seed 000's rotation): the new token is first checked
/// against Shopify (who it opens, which scopes it has), and only a token Shopify accepts for this very shop is
/// stored, sealed for the shop's endpoint, in one statement that replaces the old one (and any refresh token with
/// it). A refused token, one of another store, or one that cannot be checked (outgoing requests off, the store
/// unreachable) is not stored, and the old token keeps working. The token is never logged: the request log redacts
/// it and errors name the shop, not the token.
pub async fn rotate_token(engine: &Engine, domain: &str, token: SecretString) -> Result<TokenRotated, SyncError> {
    use secrecy::ExposeSecret;
    let text = token.expose_secret();
    if text.trim().is_empty() {
        return Err(SyncError::Invalid("the new access token is empty, so nothing was changed".into()));
    }
    if text.trim() != text || text.chars().any(char::is_whitespace) {
        return Err(SyncError::Invalid(
            "the new access token contains white space, so nothing was changed; paste the token alone".into(),
        ));
    }
    let store = engine.store();
    let shop = super::read::find_shop(store.as_ref(), domain).await?;
    let candidate = engine.context_with_token(shop.clone(), token.clone()).await?;
    candidate.require_outgoing()?;
    let answer = candidate.client().execute::<shopify_admin::ops::shop::ShopInfo>(&Default::default()).await;
    engine.flush_logs().await;
    let info = answer?.into_data();
    if !info.shop.myshopify_domain.eq_ignore_ascii_case(&shop.domain) {
        return Err(SyncError::Invalid(format!(
            "the new token opens the store {}, not {}, so it was not stored; paste the token of {}",
            info.shop.myshopify_domain, shop.domain, shop.domain
        )));
    }
    let sealed = engine.seal_access_token(&shop.domain, shop.endpoint.as_deref(), &token);
    store.set_access_token(shop.id, Some(&sealed)).await?;
    let granted: Vec<&str> = info.current_app_installation.access_scopes.iter().map(|s| s.handle.as_str()).collect();
    store.set_scopes(shop.id, &granted.join(",")).await?;
    store.set_access_status(shop.id, AccessStatus::Ok, None).await?;
    let missing = info
        .current_app_installation
        .missing_scopes(&required_scopes(&candidate.settings))
        .into_iter()
        .map(String::from)
        .collect();
    Ok(TokenRotated { shop: shop.domain, shop_name: info.shop.name, missing })
}
