//! The shared state of one running simulator.

use std::collections::{BTreeMap, HashMap};

use parking_lot::{Mutex, RwLock};
use secrecy::SecretString;
use serde::Serialize;

use crate::faults::FaultState;
use crate::graphql::DocumentCache;
use crate::graphql::executor::{OperationInfo, RequestEnv};
use crate::registry::Registry;
use crate::store::Store;
use crate::throttle::{Bucket, BucketConfig};

/// Everything a request handler needs; shared behind an `Arc`.
pub struct SimState {
    pub shop_domain: String,
    pub base_url: String,
    pub access_token: RwLock<SecretString>,
    pub access_scopes: Vec<String>,
    pub store: RwLock<Store>,
    pub registry: Registry,
    pub documents: DocumentCache,
    pub buckets: Mutex<HashMap<String, Bucket>>,
    pub bucket_config: Mutex<BucketConfig>,
    pub faults: Mutex<FaultState>,
    pub stats: Mutex<Stats>,
    /// The app's API key (OAuth `client_id`).
    pub api_key: String,
    /// The app's client secret (signs webhooks and OAuth redirects).
    pub client_secret: SecretString,
    pub(crate) webhooks: crate::webhooks::WebhookRuntime,
    pub(crate) bulk: crate::bulk::BulkRuntime,
    pub(crate) oauth: crate::oauth::OAuthState,
}

/// Request counters, as the control surface reports them.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    /// GraphQL requests that reached execution or the cost check.
    pub graphql_requests: u64,
    /// By operation name (`"anonymous"` for unnamed operations).
    pub by_operation: BTreeMap<String, u64>,
    /// By root field name (`products`, `productSet` ...).
    pub by_root_field: BTreeMap<String, u64>,
    /// Mutation fields executed.
    pub mutations: u64,
    /// Sum of actual query costs.
    pub cost_spent: u64,
    /// Requests answered THROTTLED.
    pub throttled: u64,
    /// Requests refused with MAX_COST_EXCEEDED.
    pub rejected_max_cost: u64,
    /// Legacy REST requests.
    pub rest_requests: u64,
    /// Requests refused for a missing or wrong token.
    pub unauthorized: u64,
    /// Faults injected (5xx, 429, dropped connections).
    pub faults_injected: u64,
}

impl Stats {
    pub(crate) fn count_request(&mut self, info: &OperationInfo) {
        self.graphql_requests += 1;
        let name = info.name.clone().unwrap_or_else(|| "anonymous".to_string());
        *self.by_operation.entry(name).or_default() += 1;
        for field in &info.root_fields {
            *self.by_root_field.entry(field.clone()).or_default() += 1;
        }
    }

    pub(crate) fn count_mutation(&mut self) {
        self.mutations += 1;
    }
}

impl SimState {
    /// The bucket of an app token, created full on first use.
    pub(crate) fn bucket_for<'b>(&self, buckets: &'b mut HashMap<String, Bucket>, token_key: &str) -> &'b mut Bucket {
        let config = *self.bucket_config.lock();
        buckets.entry(token_key.to_string()).or_insert_with(|| Bucket::new(config))
    }

    /// The environment of a request made with `token` (its own scopes when OAuth issued it).
    pub(crate) fn request_env_for(&self, api_version: &str, token: &str) -> RequestEnv {
        RequestEnv { access_scopes: crate::oauth::scopes_for(self, token), ..self.request_env(api_version) }
    }

    pub(crate) fn request_env(&self, api_version: &str) -> RequestEnv {
        RequestEnv {
            base_url: self.base_url.clone(),
            api_version: api_version.to_string(),
            shop_domain: self.shop_domain.clone(),
            access_scopes: self.access_scopes.clone(),
            api_key: self.api_key.clone(),
        }
    }
}
