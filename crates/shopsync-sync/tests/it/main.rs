//! Integration tests of the sync engine: a real SQLite store in a temporary directory and, where Shopify is
//! needed, the simulator on 127.0.0.1.

mod bulk_push;
mod customers;
mod fulfillments;
mod inventory;
mod jobs;
mod orders;
mod privacy;
mod products;
mod props;
mod publish;
mod scheduler;

use std::sync::Arc;

use shopsync_core::secret::access_token_context;
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{NewShop, Shop, ShopStore, SqliteStore, Store};
use shopsync_sync::Engine;

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub async fn fresh_store() -> (Arc<SqliteStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.expect("store opens");
    (Arc::new(store), dir)
}

/// A store and engine with the simulator's shop connected (writes allowed), ready for flows.
pub struct Harness {
    pub engine: Engine,
    pub store: Arc<SqliteStore>,
    pub shop: Shop,
    pub sim: shopify_sim::SimHandle,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Starts the simulator with `config` and connects a fresh store to it.
    pub async fn start(config: shopify_sim::SimConfig) -> Harness {
        Harness::start_capped(config, None).await
    }

    /// Like [`Harness::start`], with the database file capped at `max_pages` pages (a disk that fills up).
    pub async fn start_capped(config: shopify_sim::SimConfig, max_pages: Option<u32>) -> Harness {
        let sim = shopify_sim::Simulator::start(config).await.expect("simulator starts");
        let (store, dir) = match max_pages {
            None => fresh_store().await,
            Some(pages) => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let store = SqliteStore::open_capped(&dir.path().join("shopsync.db"), pages).await.expect("opens");
                (Arc::new(store), dir)
            }
        };
        let key = MasterKey::generate();
        let cipher = TokenCipher::new(&key);
        let sealed = cipher.seal(&access_token_context(sim.shop_domain(), Some(sim.base_url())), &sim.access_token());
        let shop = store
            .add_shop(&NewShop {
                domain: sim.shop_domain().to_string(),
                api_version: "2026-10".into(),
                endpoint: Some(sim.base_url().to_string()),
                access_token: Some(sealed),
            })
            .await
            .expect("shop added");
        store.save_setting(shop.id, "allow-data-sync-to-shopify", "on").await.expect("setting saved");
        let engine = Engine::new(store.clone() as Arc<dyn Store>, cipher).expect("engine");
        Harness { engine, store, shop, sim, _dir: dir }
    }

    /// Changes a shop setting as `shopsync shop set` would.
    pub async fn set(&self, key: &str, value: &str) {
        let mut settings = self.store.settings(self.shop.id).await.unwrap();
        settings.set(key, value).unwrap();
        self.store.save_setting(self.shop.id, key, &settings.get(key).unwrap()).await.unwrap();
    }
}
