//! Simulator configuration.

use std::path::PathBuf;
use std::str::FromStr;

use secrecy::SecretString;

use crate::faults::Faults;
use crate::throttle::BucketConfig;

/// How to start a simulator. `SimConfig::default()` is a demo store on the standard plan.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The shop's myshopify domain.
    pub shop_domain: String,
    /// The plan decides the cost bucket (unless `bucket` overrides it).
    pub plan: Plan,
    /// Which catalog to generate.
    pub seed: Seed,
    /// The app's Admin API access token; a random one when `None`.
    pub access_token: Option<SecretString>,
    /// Faults from the start (changeable at runtime).
    pub faults: Faults,
    /// Overrides the plan's bucket size and restore rate.
    pub bucket: Option<BucketConfig>,
    /// The shop's currency (ISO 4217).
    pub currency: String,
    /// The app's access scopes: those of the configured token (`currentAppInstallation.accessScopes`)
    /// and the most an OAuth grant may ask for.
    pub access_scopes: Vec<String>,
    /// Serve HTTPS with this certificate and key (PEM files) instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The app's API key (OAuth `client_id`). Default [`DEFAULT_API_KEY`].
    pub api_key: String,
    /// The app's client secret: signs webhooks (`X-Shopify-Hmac-Sha256`) and OAuth redirects
    /// (`hmac`), and is required to exchange a code for a token. A random one per start when
    /// `None` (read it with [`SimHandle::client_secret`](crate::SimHandle::client_secret)): a
    /// fixed default would let anyone who read this source mint tokens on a running simulator.
    pub client_secret: Option<SecretString>,
    /// Webhook delivery: retries, duplicate and out-of-order faults.
    pub webhooks: crate::webhooks::WebhookConfig,
    /// OAuth: allowed redirect URIs and token lifetimes.
    pub oauth: crate::oauth::OAuthSettings,
}

/// The simulated app's default API key (OAuth `client_id`).
pub const DEFAULT_API_KEY: &str = "5f1c3e2a9b7d4c6e8a0b2d4f6a8c0e1f";

/// PEM certificate chain and private key for the optional HTTPS listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            shop_domain: "shopsync-demo.myshopify.com".to_string(),
            plan: Plan::Standard,
            seed: Seed::Demo,
            access_token: None,
            faults: Faults::default(),
            bucket: None,
            currency: "EUR".to_string(),
            access_scopes: [
                "read_products",
                "write_products",
                "read_inventory",
                "write_inventory",
                "read_locations",
                "read_orders",
                "write_orders",
                "read_all_orders",
                "read_customers",
                "read_fulfillments",
                "write_fulfillments",
                "read_merchant_managed_fulfillment_orders",
                "write_merchant_managed_fulfillment_orders",
                "read_returns",
                "read_shopify_payments_payouts",
                "read_publications",
                "write_publications",
            ]
            .iter()
            .map(|scope| scope.to_string())
            .collect(),
            tls: None,
            api_key: DEFAULT_API_KEY.to_string(),
            client_secret: None,
            webhooks: crate::webhooks::WebhookConfig::default(),
            oauth: crate::oauth::OAuthSettings::default(),
        }
    }
}

/// Shopify plans, as far as rate limits go
/// (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// 100 points/s, bucket 2,000.
    Standard,
    /// 200 points/s, bucket 4,000.
    Advanced,
    /// 1,000 points/s, bucket 20,000.
    Plus,
    /// 2,000 points/s, bucket 40,000 (inferred).
    Enterprise,
}

impl Plan {
    /// The bucket Shopify gives this plan (size observed as 20 x the restore rate).
    pub fn bucket(self) -> BucketConfig {
        let restore_rate = match self {
            Plan::Standard => 100.0,
            Plan::Advanced => 200.0,
            Plan::Plus => 1000.0,
            Plan::Enterprise => 2000.0,
        };
        BucketConfig { maximum_available: restore_rate * 20.0, restore_rate }
    }

    /// The plan's display name (`shop.plan.displayName`).
    pub fn display_name(self) -> &'static str {
        match self {
            Plan::Standard => "Basic",
            Plan::Advanced => "Advanced",
            Plan::Plus => "Shopify Plus",
            Plan::Enterprise => "Commerce Components",
        }
    }
}

/// Why a plan or seed name was not understood.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ParseConfigError(String);

impl FromStr for Plan {
    type Err = ParseConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "standard" | "basic" => Ok(Plan::Standard),
            "advanced" => Ok(Plan::Advanced),
            "plus" => Ok(Plan::Plus),
            "enterprise" => Ok(Plan::Enterprise),
            other => {
                Err(ParseConfigError(format!("unknown plan `{other}`: use standard, advanced, plus or enterprise")))
            }
        }
    }
}

/// Which catalog the simulator starts with (see `crate::seed` for the SKU scheme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// No products; one location.
    Empty,
    /// A small store: 25 products with 1 to 4 variants each, 2 locations, 13 customers, 40 orders
    /// covering every order-sync failure case, 6 payouts (see `crate::seed`).
    Demo,
    /// 2,000 products, 10,000 variants, 2 locations.
    Large,
    /// `n` products with 1 to 4 variants each, 2 locations.
    Count(usize),
    /// The large catalog plus `n` orders by `n / 10` customers (`orders:N`; the import benchmark
    /// uses 100,000).
    Orders(usize),
}

impl FromStr for Seed {
    type Err = ParseConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            "large" => Ok(Seed::Large),
            orders if orders.starts_with("orders:") => {
                orders["orders:".len()..].parse().map(Seed::Orders).map_err(|_| {
                    ParseConfigError(format!("unknown seed `{text}`: use orders:N with N a number of orders"))
                })
            }
            number => number.parse().map(Seed::Count).map_err(|_| {
                ParseConfigError(format!("unknown seed `{text}`: use demo, large, empty or a number of products"))
            }),
        }
    }
}
