//! Sealing secrets at rest.
//!
//! Access tokens and client secrets are stored encrypted with XChaCha20-Poly1305 (an AEAD) under a 256-bit
//! master key. Each sealing uses a fresh random 192-bit nonce, which is large enough that random nonces never
//! collide in practice. The sealed text is bound to the shop and to the purpose of the secret through the
//! associated data, so a token copied from one shop's row to another's, or from the token column to the
//! secret column, fails to open instead of being used for the wrong store.
//!
//! A wrong key or a tampered ciphertext is an error; it never yields garbage.

use crate::remedy::{RemedyAction, RemedyStep};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};

/// The version tag in front of every sealed value, so the format can change later without guessing.
const FORMAT: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The 256-bit key every secret is sealed with.
///
/// It comes from `SHOPSYNC_MASTER_KEY` or from the key file the binary's set-up writes.
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// A new random key.
    pub fn generate() -> MasterKey {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        MasterKey(key.into())
    }

    /// Reads a key written as 64 hex digits or as base64 of 32 bytes (surrounding white space is ignored).
    pub fn parse(text: &str) -> Result<MasterKey, CipherError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| CipherError::BadKey)?
        } else {
            STANDARD.decode(text).or_else(|_| URL_SAFE_NO_PAD.decode(text)).map_err(|_| CipherError::BadKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| CipherError::BadKey)?;
        Ok(MasterKey(key))
    }

    /// The key as 64 hex digits, the form the key file holds.
    pub fn to_hex(&self) -> SecretString {
        SecretString::from(hex::encode(self.0))
    }
}

impl CipherError {
    /// What a person does about it, as data the front-ends render (the message says what happened and why).
    pub fn remedy(&self) -> Option<RemedyStep> {
        match self {
            CipherError::BadKey => Some(
                RemedyStep::text("run ")
                    .then_act(RemedyAction::InitDataDir)
                    .then_text(" to create a key file, or set SHOPSYNC_MASTER_KEY to such a value"),
            ),
            CipherError::CannotOpen => {
                Some(RemedyStep::text("for an access token: ").then_act(RemedyAction::SetToken { shop: None }))
            }
            _ => None,
        }
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        // Best effort: do not leave the key bytes behind in freed memory.
        self.0 = [0; 32];
    }
}

/// What went wrong when opening or sealing a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("the master key is not valid: it must be 32 bytes written as 64 hex digits or as base64")]
    BadKey,
    #[error(
        "a stored secret could not be decrypted: the master key is not the one it was sealed with, or the \
         stored value was altered. Use the master key this data directory was created with, or store the \
         secret again"
    )]
    CannotOpen,
    #[error(
        "the master key is not the one this data directory's secrets were sealed with (its key check does not \
         open), so nothing was read or written with it. Use the key this data directory was created with: its \
         master.key file, or SHOPSYNC_MASTER_KEY set to that key"
    )]
    WrongKey,
    #[error(
        "a stored secret is not in a format this version of shopsync knows (expected `v1.` followed by base64); \
         store the secret again"
    )]
    UnknownFormat,
}

/// The associated-data context of the key check, a known text sealed with the master key.
const KEY_CHECK_CONTEXT: &str = "key_check";
const KEY_CHECK_TEXT: &str = "shopsync master key check";

/// Seals and opens secrets with the master key.
pub struct TokenCipher {
    aead: XChaCha20Poly1305,
}

impl TokenCipher {
    /// A cipher for `key`.
    pub fn new(key: &MasterKey) -> TokenCipher {
        TokenCipher { aead: XChaCha20Poly1305::new((&key.0).into()) }
    }

    /// Encrypts `secret` for the shop `context` (for example `access_token:demo.myshopify.com`).
    pub fn seal(&self, context: &str, secret: &SecretString) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload { msg: secret.expose_secret().as_bytes(), aad: context.as_bytes() };
        // Encryption with a valid key and a correctly sized nonce cannot fail for inputs this small (the
        // limit is 256 GiB); an error here would be a bug in the AEAD crate.
        let sealed = self.aead.encrypt(&nonce, payload).unwrap_or_default();
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        format!("{FORMAT}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A key check value: a known text sealed with this key. Stored with the data, it tells a wrong key from
    /// the right one before anything is sealed with it ([`TokenCipher::verify_key_check`]).
    pub fn key_check(&self) -> String {
        self.seal(KEY_CHECK_CONTEXT, &SecretString::from(KEY_CHECK_TEXT))
    }

    /// Whether this is the key `check` was made with; [`CipherError::WrongKey`] when it is not.
    pub fn verify_key_check(&self, check: &str) -> Result<(), CipherError> {
        match self.open(KEY_CHECK_CONTEXT, check) {
            Ok(text) if text.expose_secret() == KEY_CHECK_TEXT => Ok(()),
            Ok(_) | Err(CipherError::CannotOpen) => Err(CipherError::WrongKey),
            Err(other) => Err(other),
        }
    }

    /// Decrypts a value sealed by [`TokenCipher::seal`] with the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<SecretString, CipherError> {
        let body = sealed.strip_prefix(FORMAT).ok_or(CipherError::UnknownFormat)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| CipherError::UnknownFormat)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(CipherError::CannotOpen);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload { msg: ciphertext, aad: context.as_bytes() };
        let plain = self.aead.decrypt(XNonce::from_slice(nonce), payload).map_err(|_| CipherError::CannotOpen)?;
        let text = String::from_utf8(plain).map_err(|_| CipherError::CannotOpen)?;
        Ok(SecretString::from(text))
    }
}

/// The associated-data context of a shop's access token, bound to where the token is sent: `endpoint` is the
/// shop's development endpoint, `None` for Shopify itself.
///
/// Someone who can write the database but does not have the master key cannot point a shop at their own server
/// and receive its token: a token sealed for one endpoint does not open for another. A token for Shopify keeps
/// the context tokens had before endpoints were bound (`access_token:DOMAIN`), so those need no change; a token
/// for a development endpoint sealed in that old form is sealed again for its endpoint once, when the data
/// directory gets its key check (see `shopsync_sync::secrets`).
pub fn access_token_context(shop_domain: &str, endpoint: Option<&str>) -> String {
    match endpoint {
        None => format!("access_token:{shop_domain}"),
        Some(url) => format!("access_token:{shop_domain} endpoint:{url}"),
    }
}

/// The associated-data context of a shop's refresh token (of an expiring access token), bound like the access
/// token to its shop and endpoint, and kept apart from it so one cannot be swapped for the other.
pub fn refresh_token_context(shop_domain: &str, endpoint: Option<&str>) -> String {
    match endpoint {
        None => format!("refresh_token:{shop_domain}"),
        Some(url) => format!("refresh_token:{shop_domain} endpoint:{url}"),
    }
}

/// The associated-data context of a shop's app client secret (webhook and OAuth HMAC key).
pub fn client_secret_context(shop_domain: &str) -> String {
    format!("client_secret:{shop_domain}")
}

/// The associated-data context of the Shopify app's client secret (`previous` for the one a rotation replaces),
/// bound to the app's client id: a secret copied in the database to another app's row does not open.
pub fn app_secret_context(client_id: &str, previous: bool) -> String {
    let which = if previous { "previous_client_secret" } else { "client_secret" };
    format!("app_{which}:{client_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_string())
    }

    #[test]
    fn token_round_trips() {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sealed = cipher.seal("access_token:a.myshopify.com", &secret("shpat_123"));
        assert!(!sealed.contains("shpat_123"));
        let opened = cipher.open("access_token:a.myshopify.com", &sealed).unwrap();
        assert_eq!(opened.expose_secret(), "shpat_123");
    }

    #[test]
    fn each_sealing_uses_a_fresh_nonce() {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let a = cipher.seal("c", &secret("same"));
        let b = cipher.seal("c", &secret("same"));
        assert_ne!(a, b);
    }

    #[test]
    fn wrong_key_is_rejected() {
        let sealed = TokenCipher::new(&MasterKey::generate()).seal("c", &secret("t"));
        let other = TokenCipher::new(&MasterKey::generate());
        assert_eq!(other.open("c", &sealed).unwrap_err(), CipherError::CannotOpen);
    }

    #[test]
    fn tampered_ciphertext_is_rejected() {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sealed = cipher.seal("c", &secret("token"));
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("v1.{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(cipher.open("c", &tampered).unwrap_err(), CipherError::CannotOpen);
        assert_eq!(cipher.open("c", "v1.AAAA").unwrap_err(), CipherError::CannotOpen);
        assert_eq!(cipher.open("c", "plaintext").unwrap_err(), CipherError::UnknownFormat);
    }

    #[test]
    fn a_token_moved_to_another_shop_does_not_open() {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sealed = cipher.seal(&access_token_context("a.myshopify.com", None), &secret("t"));
        let err = cipher.open(&access_token_context("b.myshopify.com", None), &sealed).unwrap_err();
        assert_eq!(err, CipherError::CannotOpen);
    }

    #[test]
    fn a_token_does_not_open_for_another_endpoint() {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sim = Some("http://127.0.0.1:4000");
        let sealed = cipher.seal(&access_token_context("a.myshopify.com", sim), &secret("t"));
        assert!(cipher.open(&access_token_context("a.myshopify.com", sim), &sealed).is_ok());
        for other in [None, Some("http://127.0.0.1:4001"), Some("https://evil.example")] {
            let err = cipher.open(&access_token_context("a.myshopify.com", other), &sealed).unwrap_err();
            assert_eq!(err, CipherError::CannotOpen, "{other:?}");
        }
    }

    #[test]
    fn the_key_check_tells_the_right_key_from_another() {
        let key = MasterKey::generate();
        let check = TokenCipher::new(&key).key_check();
        assert_eq!(TokenCipher::new(&key).verify_key_check(&check), Ok(()));
        let other = TokenCipher::new(&MasterKey::generate());
        assert_eq!(other.verify_key_check(&check), Err(CipherError::WrongKey));
        // A token is not a key check, even under the right key.
        let token = TokenCipher::new(&key).seal(&access_token_context("a.myshopify.com", None), &secret("t"));
        assert_eq!(TokenCipher::new(&key).verify_key_check(&token), Err(CipherError::WrongKey));
    }

    #[test]
    fn master_key_parses_hex_and_base64() {
        let key = MasterKey::generate();
        let hex_text = key.to_hex();
        let again = MasterKey::parse(hex_text.expose_secret()).unwrap();
        assert_eq!(again.0, key.0);
        let b64 = STANDARD.encode(key.0);
        assert_eq!(MasterKey::parse(&b64).unwrap().0, key.0);
        assert_eq!(MasterKey::parse("short").err(), Some(CipherError::BadKey));
    }
}
