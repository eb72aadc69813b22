//! The web front-end on a real listener (127.0.0.1:0), over a real SQLite file and the simulator's shop.

mod api;
mod api_feeds;
mod api_schemathesis;
mod browser;
mod console;
mod console_orders;
mod console_pages;
mod webhooks;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use shopsync_core::secret::{access_token_context, app_secret_context};
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{AppCredentials, AppStore, NewShop, Shop, ShopStore, SqliteStore};
use shopsync_sync::Engine;
use shopsync_sync::webhooks::Intake;

/// The app's client secret the tests sign with; stored sealed through the store like `shopsync app set` does.
pub const SECRET: &str = "shpss_test_secret_0123456789";

/// A running web server with the simulator's shop connected.
pub struct Server {
    pub url: String,
    pub store: Arc<SqliteStore>,
    /// A second connection to the same file, for the checks the store's traits have no call for.
    pub db: sqlx::SqlitePool,
    pub shop: Shop,
    pub sim: shopify_sim::SimHandle,
    pub intake: Arc<Intake>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(config: shopify_sim::SimConfig) -> Server {
        let sim = shopify_sim::Simulator::start(config).await.expect("simulator starts");
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap());
        let cipher = TokenCipher::new(&MasterKey::generate());
        let sealed = cipher.seal(&access_token_context(sim.shop_domain(), Some(sim.base_url())), &sim.access_token());
        let shop = store
            .add_shop(&NewShop {
                domain: sim.shop_domain().to_string(),
                api_version: "2026-10".into(),
                endpoint: Some(sim.base_url().to_string()),
                access_token: Some(sealed),
            })
            .await
            .unwrap();
        let secret = SecretString::from(SECRET.to_string());
        store
            .set_app_credentials(&AppCredentials {
                client_id: "test-app".into(),
                client_secret: cipher.seal(&app_secret_context("test-app", false), &secret),
                previous_client_secret: None,
                updated_at: String::new(),
            })
            .await
            .unwrap();
        let engine = Arc::new(Engine::new(store.clone(), cipher).unwrap());
        let verifier = engine.webhook_verifier().await.unwrap().expect("the app's secret is stored");
        let intake = Intake::new(engine);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = shopsync_web::router(intake.clone(), Some(verifier));
        tokio::spawn(shopsync_web::serve(listener, router, std::future::pending()));
        let db = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("shopsync.db")),
        )
        .await
        .unwrap();
        Server { url, store, db, shop, sim, intake, http: reqwest::Client::new(), _dir: dir }
    }

    /// Sends `body` as a Shopify delivery of `topic` signed with `secret`.
    pub async fn deliver(&self, topic: &str, event_id: &str, body: &[u8], secret: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/webhooks/shopify", self.url))
            .header("X-Shopify-Topic", topic)
            .header("X-Shopify-Shop-Domain", self.shop.domain.as_str())
            .header("X-Shopify-Hmac-Sha256", sign(secret, body))
            .header("X-Shopify-Event-Id", event_id)
            .header("X-Shopify-Webhook-Id", format!("webhook-{event_id}"))
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// How many webhook events are stored, and how many of them are processed.
    pub async fn events(&self) -> (i64, i64) {
        sqlx::query_as("SELECT COUNT(*), COUNT(processed_at) FROM webhook_events").fetch_one(&self.db).await.unwrap()
    }

    /// The jobs webhooks started, by kind.
    pub async fn webhook_jobs(&self, kind: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE trigger = 'webhook' AND kind = ?")
            .bind(kind)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// The base64 HMAC-SHA256 of `body` under `secret`, as Shopify signs a delivery.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Waits until `done` holds, checking every 20 ms; a guard of 60 s keeps a broken build from hanging forever (it
/// says nothing about speed).
pub async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(60), "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The REST API served on its own (the same routes `router` merges), over a SQLite file that outlives it, so a
/// test can stop the server and start another on the same file.
pub struct ApiServer {
    pub url: String,
    pub store: Arc<SqliteStore>,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl ApiServer {
    /// Starts the API with `config` on the database at `path` (created when missing).
    pub async fn start(path: &std::path::Path, config: shopsync_web::api::ApiConfig) -> ApiServer {
        let store = Arc::new(SqliteStore::open(path).await.unwrap());
        let engine = Arc::new(Engine::new(store.clone(), TokenCipher::new(&MasterKey::generate())).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = shopsync_web::api::routes(engine, config);
        let served = tokio::spawn(shopsync_web::serve(listener, router, async move {
            let _ = stopped.await;
        }));
        ApiServer { url, store, http: reqwest::Client::new(), stop: Some(stop), served: Some(served) }
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.unwrap().unwrap();
        }
    }

    /// Makes a token with these scopes (as `shopsync api-token create` does) and returns its text.
    pub async fn token(&self, name: &str, scopes: &[shopsync_sync::app::api::Scope]) -> String {
        use secrecy::ExposeSecret;
        let created = shopsync_sync::app::api::create_token(self.store.as_ref(), name, scopes).await.unwrap();
        created.token.expose_secret().to_string()
    }

    pub async fn post(&self, path: &str, token: &str, body: &serde_json::Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.url)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.url)).bearer_auth(token).send().await.unwrap()
    }
}
