//! Test servers and helpers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use secrecy::SecretString;
use shopify_admin::{AdminClient, AdminClientBuilder, Endpoint, RetryConfig, ShopDomain};
use tokio::time::Instant;

/// The token every scripted-server client sends.
pub const TEST_TOKEN: &str = "shpat_test_token_0123456789";

/// A request the test server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Recorded {
    /// The GraphQL `operationName` of the body.
    pub fn operation(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("operationName").and_then(|n| n.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

/// What the test server answers.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Answer {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self { status, headers: vec![("content-type", "application/json".into())], body: Body::from(body.into()) }
    }

    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Answer + Send + Sync;

/// A local HTTP server answering every request through a closure (given
/// the request and its 0-based index), recording what it received.
pub struct TestServer {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(handler: impl Fn(&Recorded, usize) -> Answer + Send + Sync + 'static) -> Self {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let recorded = requests.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let handler = handler.clone();
            let recorded = recorded.clone();
            async move {
                let request = Recorded {
                    path: uri.to_string(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    at: Instant::now(),
                };
                let index = {
                    let mut all = recorded.lock().unwrap();
                    all.push(request.clone());
                    all.len() - 1
                };
                let answer = handler(&request, index);
                let mut response = Response::builder().status(StatusCode::from_u16(answer.status).unwrap());
                for (name, value) in answer.headers {
                    response = response.header(name, value);
                }
                response.body(answer.body).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base_url, requests, task }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn test_shop() -> ShopDomain {
    ShopDomain::parse("test-shop.myshopify.com").unwrap()
}

/// A builder aimed at a local server, with quick retries.
pub fn builder_for(base_url: &str) -> AdminClientBuilder {
    AdminClient::builder(test_shop(), SecretString::from(TEST_TOKEN.to_owned()))
        .endpoint(Endpoint::development(base_url).unwrap())
        .retry(quick_retries(4))
}

pub fn client_for(base_url: &str) -> AdminClient {
    builder_for(base_url).build().unwrap()
}

pub fn quick_retries(max_attempts: u32) -> RetryConfig {
    RetryConfig {
        max_attempts,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A file of `fixtures/shopify/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/shopify/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A successful GraphQL body with a cost extension.
pub fn ok_body(data: serde_json::Value, requested: f64, actual: f64, available: f64) -> String {
    serde_json::json!({
        "data": data,
        "extensions": {"cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
        }}
    })
    .to_string()
}

/// The `data` of a ShopInfo answer.
pub fn shop_info_data() -> serde_json::Value {
    serde_json::json!({
        "shop": {
            "id": "gid://shopify/Shop/1", "name": "Test", "myshopifyDomain": "test-shop.myshopify.com",
            "email": "a@b.c", "contactEmail": "a@b.c", "currencyCode": "EUR",
            "enabledPresentmentCurrencies": ["EUR"], "ianaTimezone": "Europe/Oslo", "weightUnit": "KILOGRAMS",
            "taxesIncluded": true, "plan": {"partnerDevelopment": true, "shopifyPlus": false}
        },
        "currentAppInstallation": {"id": "gid://shopify/AppInstallation/1", "accessScopes": [{"handle": "read_orders"}]}
    })
}
