//! The app's tokens and installation from the test's side: expire or issue a token, uninstall the app.

use std::time::Instant;

use secrecy::SecretString;

use super::handle::SimControl;
use crate::gid;
use crate::oauth::{AccessToken, random_hex};

impl SimControl {
    /// Makes an issued access token expire now; false when no such token was issued.
    pub fn expire_access_token(&self, token: &str) -> bool {
        let mut tokens = self.state.oauth.inner.lock();
        match tokens.access.get_mut(token) {
            Some(issued) => {
                issued.expires = Some(Instant::now());
                true
            }
            None => false,
        }
    }

    /// Issues an offline access token with these scopes without going through OAuth (for tests
    /// that need a second app token).
    pub fn issue_access_token(&self, scopes: &[&str]) -> SecretString {
        let mut tokens = self.state.oauth.inner.lock();
        let token = random_hex("shpat_");
        tokens.access.insert(
            token.clone(),
            AccessToken {
                scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
                expires: None,
                revoked: false,
            },
        );
        SecretString::from(token)
    }

    /// Uninstalls the app: every token stops working (the configured one too) and
    /// `app/uninstalled` is delivered to its subscriptions, which are then removed. A new OAuth
    /// grant installs the app again.
    pub fn uninstall_app(&self) {
        {
            let mut tokens = self.state.oauth.inner.lock();
            tokens.primary_revoked = true;
            tokens.access.values_mut().for_each(|token| token.revoked = true);
            tokens.refresh.values_mut().for_each(|token| token.revoked = true);
            tokens.codes.clear();
        }
        let mut store = self.state.store.write();
        let shop = store.shop.id;
        store.record("app/uninstalled", gid::format("Shop", shop));
    }
}
