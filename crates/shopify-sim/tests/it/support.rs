//! Test harness: start a simulator, send GraphQL, and validate every document we send.

use reqwest::header::CONTENT_TYPE;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{SimConfig, SimHandle, Simulator};

pub const VERSION: &str = "2026-10";

pub struct TestSim {
    pub sim: SimHandle,
    pub http: reqwest::Client,
}

pub async fn spawn() -> TestSim {
    spawn_with(SimConfig::default()).await
}

pub async fn spawn_with(config: SimConfig) -> TestSim {
    // reqwest is built without a default TLS provider in this workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Simulator::start(config).await.expect("simulator starts");
    TestSim { sim, http: reqwest::Client::new() }
}

impl TestSim {
    /// Sends a document with variables as the official JS client does (JSON body) and returns
    /// the parsed body. Every document sent through here must validate against the schema.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_at(VERSION, query, variables).await
    }

    /// [`TestSim::gql`] at another API version, held to that version's schema. The answer must
    /// say which version served it.
    pub async fn gql_at(&self, version: &str, query: &str, variables: Value) -> Value {
        assert_valid_at(version, query, &[]);
        self.send_at(version, query, variables).await
    }

    /// [`TestSim::gql`] for a document that uses deprecated fields on purpose (exactly
    /// `deprecated`, as `Type.field`): clients still send them and Shopify still serves them.
    pub async fn gql_deprecated(&self, query: &str, variables: Value, deprecated: &[&str]) -> Value {
        assert_valid_at(VERSION, query, deprecated);
        self.send_at(VERSION, query, variables).await
    }

    async fn send_at(&self, version: &str, query: &str, variables: Value) -> Value {
        let response = self
            .http
            .post(self.sim.graphql_url(version))
            .header("X-Shopify-Access-Token", self.sim.access_token().expose_secret())
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request is answered");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-shopify-api-version"], version, "served by the version asked for");
        response.json().await.expect("JSON body")
    }

    pub async fn post_json(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.sim.graphql_url(VERSION))
            .header("X-Shopify-Access-Token", self.sim.access_token().expose_secret())
            .header(CONTENT_TYPE, "application/json")
            .json(&body)
            .send()
            .await
            .expect("request is answered")
    }

    pub async fn post_raw(&self, query: &str) -> reqwest::Response {
        self.http
            .post(self.sim.graphql_url(VERSION))
            .header("X-Shopify-Access-Token", self.sim.access_token().expose_secret())
            .header(CONTENT_TYPE, "application/graphql")
            .body(query.to_string())
            .send()
            .await
            .expect("request is answered")
    }

    /// First location's GID.
    pub fn location(&self, index: usize) -> String {
        self.sim.control().locations()[index].id.clone()
    }

    /// Inventory item GID of a SKU.
    pub fn item_of(&self, sku: &str) -> String {
        self.sim.control().variants_by_sku(sku)[0].inventory_item_id.clone()
    }
}

/// Every document the tests send is held to Shopify's schema of [`VERSION`], with no deprecated use.
pub fn assert_valid(query: &str) {
    assert_valid_at(VERSION, query, &[]);
}

/// Holds a document to Shopify's schema of `version`; it may use exactly the `deprecated` fields.
pub fn assert_valid_at(version: &str, query: &str, deprecated: &[&str]) {
    let schema = shopify_schema::for_version(version).expect("the version is carried");
    match schema.validate(query) {
        Ok(document) => {
            let used = schema.deprecated_uses(&document);
            assert_eq!(used, deprecated, "test document's deprecated uses on {version}:\n{query}");
        }
        Err(error) => panic!("test document is invalid: {error}\n{query}"),
    }
}

/// Loads a fixture from the repository's `fixtures/shopify/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../fixtures/shopify/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Same shape: the same keys at every level and the same kind of value (number, string, null ...).
pub fn assert_same_shape(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut a_keys: Vec<_> = a.keys().collect();
            let mut e_keys: Vec<_> = e.keys().collect();
            a_keys.sort();
            e_keys.sort();
            assert_eq!(a_keys, e_keys, "keys differ at {path}");
            for (key, value) in e {
                assert_same_shape(&a[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "length differs at {path}");
            for (index, (a, e)) in a.iter().zip(e).enumerate() {
                assert_same_shape(a, e, &format!("{path}[{index}]"));
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        _ => panic!("kind differs at {path}: {actual} vs {expected}"),
    }
}
