//! The master key's check value, and the one-time sealing of old tokens to their endpoint.
//!
//! A data directory's database holds a check value made with its master key (a known text sealed with it).
//! [`unlock`] runs before any command opens or seals a secret: a key whose check does not open is refused
//! before anything is written, so `shop set-token` with a wrong `SHOPSYNC_MASTER_KEY` no longer seals a token
//! that the right key can never open.
//!
//! A database made before the check existed gets one at its first unlock, written only once the key has opened
//! every stored access token. At that moment the tokens of shops with a development endpoint, sealed then for the
//! shop alone, are sealed again bound to their current endpoint. We re-seal once rather than accept both forms
//! whenever the endpoint matches, because an old form cannot say which endpoint it was given for: accepted for
//! good, it would open for any endpoint written into the database. Once the check exists, only the bound form
//! opens. The window is the first run after the upgrade, on a database nobody has tampered with before it.

use shopsync_core::secret::access_token_context;
use shopsync_core::{CipherError, TokenCipher};
use shopsync_store::ShopStore;

use crate::SyncError;

/// Checks that `cipher`'s key is this store's master key, and gives the store its check value (sealing old
/// tokens to their endpoint) if it has none. A wrong key is [`CipherError::WrongKey`]; nothing is written then.
pub async fn unlock(store: &dyn ShopStore, cipher: &TokenCipher) -> Result<(), SyncError> {
    if let Some(check) = store.key_check().await? {
        cipher.verify_key_check(&check)?;
        return Ok(());
    }
    // No check yet: the key is right if it opens every stored token. Open them all before writing anything.
    let mut reseal = Vec::new();
    for shop in store.shops().await? {
        let Some(sealed) = shop.access_token.as_deref() else { continue };
        let bound = access_token_context(&shop.domain, shop.endpoint.as_deref());
        match cipher.open(&bound, sealed) {
            Ok(_) => {}
            Err(CipherError::CannotOpen) if shop.endpoint.is_some() => {
                let token = cipher.open(&access_token_context(&shop.domain, None), sealed)?;
                reseal.push((shop.id, cipher.seal(&bound, &token)));
            }
            Err(err) => return Err(err.into()),
        }
    }
    for (shop_id, sealed) in reseal {
        store.reseal_access_token(shop_id, &sealed).await?;
    }
    store.set_key_check(&cipher.key_check()).await?;
    Ok(())
}
