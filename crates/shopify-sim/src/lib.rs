//! shopify-sim: a local Shopify store that speaks the Admin GraphQL API.
//!
//! No test of shopsync can reach Shopify, so they run against this simulator. It is held to
//! Shopify's own Admin schema of the API version in the request's URL (see the `shopify-schema`
//! crate; a retired version is served as the oldest supported one, `unstable` as the newest): every
//! document is parsed and validated, and execution walks the selection set, so any valid selection over the
//! implemented types works and a valid field the simulator does not model is a clear error naming
//! `Type.field`. It computes Shopify's query cost and runs the per-app leaky bucket (THROTTLED and
//! MAX_COST_EXCEEDED exactly as Shopify words them), serves the legacy `shop.json`, injects faults
//! on demand, and starts from a deterministic seeded catalog. It shares no code with the client
//! crate, so the two cannot agree on the same mistake.
//!
//! ```no_run
//! # async fn example() -> Result<(), shopify_sim::SimError> {
//! use secrecy::ExposeSecret;
//! use shopify_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let endpoint = sim.graphql_url("2026-10"); // http://127.0.0.1:PORT/admin/api/2026-10/graphql.json
//! let token = sim.access_token();            // send as X-Shopify-Access-Token
//! # let _ = (endpoint, token.expose_secret());
//! let stock = sim.control().quantity("SKU-00001-1", None, "available");
//! sim.shutdown().await;
//! # let _ = stock;
//! # Ok(()) }
//! ```
//!
//! Layout: `graphql/` (executor, cost, connections, errors), `resolvers/` (one module per domain,
//! registered in `registry.rs`), `model/` (data), `store.rs` (the one locked store), `search.rs`
//! (`query:` syntax), `throttle.rs`, `faults.rs`, `seed.rs`, `control/` (`/_sim/`), `server.rs`.
//! The platform side: `webhooks/` (subscriptions' deliveries from the change feed, signed, with
//! retries and faults), `bulk/` (bulk queries to JSONL files), `oauth.rs` (authorize, token
//! exchange and refresh, uninstall).

pub mod bulk;
pub mod config;
pub mod control;
/// Orders and customers on the control surface (`control/orders.rs`), kept at this path for callers.
pub mod control_orders {
    pub use crate::control::orders::*;
}
pub mod faults;
pub mod gid;
pub mod graphql;
pub mod model;
pub mod oauth;
pub mod order_ops;
pub mod registry;
pub mod resolvers;
pub mod rng;
pub mod search;
pub mod seed;
pub mod server;
pub mod staged_uploads;
pub mod state;
pub mod store;
pub mod throttle;
pub mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::config::{Plan, Seed, SimConfig, TlsFiles};
pub use crate::control::{ControlError, SimControl};
pub use crate::faults::Faults;
pub use crate::state::Stats;
pub use crate::throttle::BucketConfig;

use crate::faults::FaultState;
use crate::graphql::DocumentCache;
use crate::model::shop::Shop;
use crate::registry::Registry;
use crate::state::SimState;
use crate::store::Store;

/// How many distinct documents the parse/validate cache keeps before starting over.
const DOCUMENT_CACHE_CAPACITY: usize = 1024;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {address}: {source} (is the port taken? try another --port)")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use the TLS certificate or key ({path}): {message}")]
    Tls { path: String, message: String },
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Starts a simulator on `127.0.0.1` with a free port, in this process.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        Self::start_at(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a simulator listening on `address`.
    pub async fn start_at(config: SimConfig, address: SocketAddr) -> Result<SimHandle, SimError> {
        let listener = TcpListener::bind(address).await.map_err(|source| SimError::Bind { address, source })?;
        let local = listener.local_addr().map_err(|source| SimError::Bind { address, source })?;
        let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{local}");
        let access_token = config.access_token.clone().unwrap_or_else(|| random_secret("shpat_"));

        let now = jiff::Timestamp::now();
        let shop = Shop {
            id: 60_100_000_001,
            name: "shopsync demo".to_string(),
            email: "owner@shopsync-demo.example".to_string(),
            myshopify_domain: config.shop_domain.clone(),
            currency_code: config.currency.clone(),
            iana_timezone: "Europe/Berlin".to_string(),
            timezone_abbreviation: "CET".to_string(),
            plan_display_name: config.plan.display_name().to_string(),
            weight_unit: "GRAMS".to_string(),
            country_code: "DE".to_string(),
            created_at: "2025-01-01T00:00:00Z".parse().unwrap_or(now),
            updated_at: now,
        };
        let mut store = Store::new(shop);
        seed::populate(&mut store, config.seed, &base_url);

        let state = Arc::new(SimState {
            shop_domain: config.shop_domain.clone(),
            base_url: base_url.clone(),
            access_token: RwLock::new(access_token),
            access_scopes: config.access_scopes.clone(),
            store: RwLock::new(store),
            registry: Registry::standard(),
            documents: DocumentCache::new(DOCUMENT_CACHE_CAPACITY),
            buckets: Mutex::new(HashMap::new()),
            bucket_config: Mutex::new(config.bucket.unwrap_or_else(|| config.plan.bucket())),
            faults: Mutex::new(FaultState::new(config.faults.clone())),
            stats: Mutex::new(Stats::default()),
            api_key: config.api_key.clone(),
            client_secret: config.client_secret.clone().unwrap_or_else(|| random_secret("shpss_")),
            webhooks: webhooks::WebhookRuntime::new(config.webhooks.clone()),
            bulk: bulk::BulkRuntime::new(),
            oauth: oauth::OAuthState::new(config.oauth.clone()),
        });
        // Load the schema before the first request so that request does not pay for it.
        let _ = shopify_schema::latest();

        let (shutdown_sender, shutdown_receiver) = watch::channel(false);
        let router = server::router(state.clone());
        tokio::spawn(webhooks::run(state.clone(), shutdown_receiver.clone()));
        tokio::spawn(bulk::run(state.clone(), shutdown_receiver.clone()));
        let task = tokio::spawn(server::accept_loop(listener, router, state.clone(), tls, shutdown_receiver));
        Ok(SimHandle { state, address: local, base_url, shutdown: shutdown_sender, task })
    }
}

/// A running simulator. Dropping it leaves the server running until the runtime ends; call
/// [`SimHandle::shutdown`] to stop it.
pub struct SimHandle {
    state: Arc<SimState>,
    address: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` (or `https://` with TLS).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The Admin GraphQL endpoint for an API version.
    pub fn graphql_url(&self, api_version: &str) -> String {
        format!("{}/admin/api/{api_version}/graphql.json", self.base_url)
    }

    /// The address the simulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The shop's myshopify domain.
    pub fn shop_domain(&self) -> &str {
        &self.state.shop_domain
    }

    /// The app's access token (send as `X-Shopify-Access-Token`).
    pub fn access_token(&self) -> SecretString {
        self.state.access_token.read().clone()
    }

    /// The app's client secret (configured, or random per start): what an app verifies
    /// webhooks and OAuth redirects with, and sends to exchange a code.
    pub fn client_secret(&self) -> SecretString {
        self.state.client_secret.clone()
    }

    /// The control surface.
    pub fn control(&self) -> SimControl {
        SimControl { state: self.state.clone() }
    }

    /// A few lines for a terminal: shop domain, endpoint and token. The token is the simulator's
    /// own throwaway credential, printed on purpose so a developer can point a client at it.
    pub fn banner(&self) -> String {
        format!(
            "Shopify simulator running\n  shop domain:  {}\n  endpoint:     {} (the base URL a client is given)\n  \
             GraphQL:      {}\n  access token: {}\n  control:      {}/_sim/stats\n",
            self.shop_domain(),
            self.base_url,
            self.graphql_url(server::SUPPORTED_VERSIONS[SUPPORTED_LATEST]),
            self.access_token().expose_secret(),
            self.base_url
        )
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

const SUPPORTED_LATEST: usize = server::SUPPORTED_VERSIONS.len() - 1;

/// Runs a simulator on `address` until `shutdown` resolves, printing its banner to stdout first
/// (for `shopsync sim`).
pub async fn serve(
    config: SimConfig,
    address: SocketAddr,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), SimError> {
    let handle = Simulator::start_at(config, address).await?;
    println!("{}", handle.banner());
    shutdown.await;
    handle.shutdown().await;
    Ok(())
}

/// A credential of 128 random bits, hex, after Shopify's prefix (`shpat_`, `shpss_`).
fn random_secret(prefix: &str) -> SecretString {
    let bytes: [u8; 16] = rand::random();
    SecretString::from(format!("{prefix}{}", hex::encode(bytes)))
}

fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, SimError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let error = |path: &Path, message: String| SimError::Tls { path: path.display().to_string(), message };
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.certificate)
        .map_err(|e| error(&files.certificate, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| error(&files.certificate, e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&files.private_key).map_err(|e| error(&files.private_key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| error(&files.certificate, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| error(&files.certificate, e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
