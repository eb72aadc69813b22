//! The client of one shop: building it, and running an operation through the
//! policy, the cost budget, the transport, the hook and the retry loop.

use std::sync::{Arc, Once};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::time::Instant;
use url::Url;

use crate::budget::{CostBudget, QueryCost, Settlement};
use crate::domain::{ApiVersion, Endpoint, ShopDomain};
use crate::error::{AdminError, AuthFailure, GraphQlError};
use crate::hook::{AllowAll, OutgoingRequest, RequestHook, RequestPolicy, RequestRecord, redact_json};
use crate::operation::{Operation, OperationKind};
use crate::retry::{AttemptOutcome, RetryConfig, Verdict, classify, parse_retry_after};

/// Header carrying the access token.
pub const ACCESS_TOKEN_HEADER: &str = "X-Shopify-Access-Token";
/// Header carrying Shopify's request id.
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// Connect and whole-request timeouts of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// From sending to the last byte of the answer (GraphQL calls; bulk
    /// result downloads use `bulk_download` instead).
    pub request: Duration,
    /// A bulk result download: reading must progress at least this often.
    pub bulk_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(10), request: Duration::from_secs(60), bulk_read: Duration::from_secs(60) }
    }
}

/// Installs rustls' ring crypto provider as the process default, once.
/// Called by [`http_client`]; harmless if the application installed a
/// provider already.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An HTTP client suitable for the Admin API (rustls, HTTP/2, the given
/// timeouts). Build one per process and pass it to every shop's builder so
/// connections are pooled.
pub fn http_client(timeouts: Timeouts) -> Result<reqwest::Client, AdminError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.bulk_read)
        .user_agent(concat!("shopsync/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AdminError::Config(format!("cannot build the HTTP client: {e}")))
}

/// The Admin API client of one shop. Cheap to clone (all clones share the
/// budget, hook and connection pool).
#[derive(Clone)]
pub struct AdminClient {
    inner: Arc<Inner>,
}

struct Inner {
    shop: ShopDomain,
    endpoint: Endpoint,
    api_version: ApiVersion,
    graphql_url: Url,
    token: SecretString,
    http: reqwest::Client,
    request_timeout: Duration,
    budget: Arc<CostBudget>,
    hook: Option<Arc<dyn RequestHook>>,
    policy: Arc<dyn RequestPolicy>,
    retry: RetryConfig,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("shop", &self.inner.shop)
            .field("endpoint", &self.inner.endpoint)
            .field("api_version", &self.inner.api_version)
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// Builds an [`AdminClient`].
pub struct AdminClientBuilder {
    shop: ShopDomain,
    token: SecretString,
    endpoint: Endpoint,
    api_version: ApiVersion,
    budget: Option<Arc<CostBudget>>,
    hook: Option<Arc<dyn RequestHook>>,
    policy: Arc<dyn RequestPolicy>,
    retry: RetryConfig,
    http: Option<reqwest::Client>,
    timeouts: Timeouts,
}

impl AdminClientBuilder {
    /// Sends requests to an explicit development endpoint (the simulator)
    /// instead of `https://{shop}`.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Pins another API version than [`API_VERSION`](crate::API_VERSION).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Shares a cost budget: pass the same `Arc` to every client of the shop.
    pub fn budget(mut self, budget: Arc<CostBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Reports every attempt to `hook`.
    pub fn hook(mut self, hook: Arc<dyn RequestHook>) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Asks `policy` before every request.
    pub fn policy(mut self, policy: Arc<dyn RequestPolicy>) -> Self {
        self.policy = policy;
        self
    }

    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Uses a shared HTTP client (see [`http_client`]).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Timeouts; the connect timeout only applies when the builder creates
    /// its own HTTP client.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    pub fn build(self) -> Result<AdminClient, AdminError> {
        if self.token.expose_secret().trim().is_empty() {
            return Err(AdminError::Config(format!(
                "the access token of {} is empty; connect the shop first",
                self.shop
            )));
        }
        if HeaderValue::from_str(self.token.expose_secret()).is_err() {
            return Err(AdminError::Config(format!(
                "the access token of {} contains characters that cannot be sent in a header",
                self.shop
            )));
        }
        let http = match self.http {
            Some(http) => http,
            None => http_client(self.timeouts)?,
        };
        let graphql_url = self.endpoint.graphql_url(&self.shop, &self.api_version);
        Ok(AdminClient {
            inner: Arc::new(Inner {
                shop: self.shop,
                endpoint: self.endpoint,
                api_version: self.api_version,
                graphql_url,
                token: self.token,
                http,
                request_timeout: self.timeouts.request,
                budget: self.budget.unwrap_or_default(),
                hook: self.hook,
                policy: self.policy,
                retry: self.retry,
            }),
        })
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub data: T,
    /// Shopify's `X-Request-Id`.
    pub request_id: Option<String>,
    pub cost: Option<QueryCost>,
    /// How many attempts it took (1 without retries).
    pub attempts: u32,
}

impl<T> Reply<T> {
    pub fn into_data(self) -> T {
        self.data
    }
}

/// What the retry loop needs to know of an operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpMeta {
    pub name: &'static str,
    pub kind: OperationKind,
    pub writes: bool,
    pub retry_safe: bool,
    pub estimated_cost: u32,
}

impl OpMeta {
    pub(crate) fn of<Op: Operation>() -> Self {
        Self {
            name: Op::NAME,
            kind: Op::KIND,
            writes: Op::WRITES,
            retry_safe: Op::RETRY_SAFE,
            estimated_cost: Op::ESTIMATED_COST,
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphQlRequest<'a, V> {
    query: &'a str,
    operation_name: &'a str,
    variables: &'a V,
}

#[derive(Deserialize)]
struct GraphQlBody<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    #[serde(default)]
    cost: Option<QueryCost>,
}

/// A parsed GraphQL answer body, kept as text so `data` is decoded once into
/// the operation's type.
struct Answer {
    body: String,
    request_id: Option<String>,
    cost: Option<QueryCost>,
    attempts: u32,
}

impl AdminClient {
    /// Starts building a client for `shop` with its access token.
    pub fn builder(shop: ShopDomain, token: SecretString) -> AdminClientBuilder {
        AdminClientBuilder {
            shop,
            token,
            endpoint: Endpoint::Shopify,
            api_version: ApiVersion::default(),
            budget: None,
            hook: None,
            policy: Arc::new(AllowAll),
            retry: RetryConfig::default(),
            http: None,
            timeouts: Timeouts::default(),
        }
    }

    pub fn shop(&self) -> &ShopDomain {
        &self.inner.shop
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    pub fn api_version(&self) -> &ApiVersion {
        &self.inner.api_version
    }

    /// `…/admin/api/{version}/graphql.json`.
    pub fn graphql_url(&self) -> &Url {
        &self.inner.graphql_url
    }

    /// The shop's cost budget (shared with the other clients of the shop).
    pub fn budget(&self) -> &Arc<CostBudget> {
        &self.inner.budget
    }

    /// Runs an operation; mutation `userErrors` become
    /// [`AdminError::UserErrors`].
    pub async fn execute<Op: Operation>(&self, variables: &Op::Variables) -> Result<Reply<Op::Data>, AdminError> {
        let reply = self.execute_allowing_user_errors::<Op>(variables).await?;
        let errors = Op::user_errors(&reply.data);
        if errors.is_empty() {
            Ok(reply)
        } else {
            Err(AdminError::UserErrors { operation: Op::NAME.to_owned(), errors, request_id: reply.request_id })
        }
    }

    /// Runs an operation and returns its data even when the mutation
    /// reported `userErrors` (for partial successes such as a variant bulk
    /// update where some variants were refused).
    pub async fn execute_allowing_user_errors<Op: Operation>(
        &self,
        variables: &Op::Variables,
    ) -> Result<Reply<Op::Data>, AdminError> {
        Op::check_variables(variables)
            .map_err(|reason| AdminError::Config(format!("{} was not sent: {reason}", Op::NAME)))?;
        let body = serde_json::to_string(&GraphQlRequest { query: Op::DOCUMENT, operation_name: Op::NAME, variables })
            .map_err(|e| AdminError::Config(format!("cannot encode the variables of {}: {e}", Op::NAME)))?;
        let answer = self.send_graphql(OpMeta::of::<Op>(), body).await?;
        let data = decode_data::<Op::Data>(Op::NAME, &answer)?;
        Ok(Reply { data, request_id: answer.request_id, cost: answer.cost, attempts: answer.attempts })
    }

    /// Runs a raw GraphQL document (e.g. a bulk query's inner document is
    /// passed as a string variable instead; this is for tools and tests).
    /// `writes` decides the writes switch.
    pub async fn execute_raw(
        &self,
        operation_name: &'static str,
        document: &str,
        variables: &serde_json::Value,
        kind: OperationKind,
        estimated_cost: u32,
    ) -> Result<Reply<serde_json::Value>, AdminError> {
        let body = serde_json::to_string(&GraphQlRequest { query: document, operation_name, variables })
            .map_err(|e| AdminError::Config(format!("cannot encode variables: {e}")))?;
        let meta = OpMeta {
            name: operation_name,
            kind,
            writes: kind == OperationKind::Mutation,
            retry_safe: kind == OperationKind::Query,
            estimated_cost,
        };
        let answer = self.send_graphql(meta, body).await?;
        let data = decode_data::<serde_json::Value>(operation_name, &answer)?;
        Ok(Reply { data, request_id: answer.request_id, cost: answer.cost, attempts: answer.attempts })
    }

    pub(crate) fn check_policy(&self, meta: &OpMeta) -> Result<(), AdminError> {
        self.inner
            .policy
            .check(&OutgoingRequest {
                shop: &self.inner.shop,
                operation: meta.name,
                kind: meta.kind,
                writes: meta.writes,
            })
            .map_err(|reason| AdminError::Blocked { operation: meta.name.to_owned(), reason })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn report(&self, record: &RequestRecord<'_>) {
        if let Some(hook) = &self.inner.hook {
            hook.on_request(record);
        }
    }

    /// The retry loop: policy, budget, send, settle, report, classify.
    async fn send_graphql(&self, meta: OpMeta, body: String) -> Result<Answer, AdminError> {
        let inner = &*self.inner;
        let redacted_body = redact_json(&body, &[inner.token.expose_secret()]);
        let url = inner.graphql_url.as_str();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.check_policy(&meta)?;
            let reservation = inner.budget.acquire(meta.name, f64::from(meta.estimated_cost)).await;
            let started = Instant::now();
            let result = self.post(body.clone()).await;
            let duration = started.elapsed();

            let step = interpret(meta.name, result);
            let settlement = match step.cost {
                Some(cost) => Settlement::Reported(cost),
                None => Settlement::Unknown,
            };
            inner.budget.settle(reservation, meta.name, settlement);

            let verdict = classify(&step.outcome);
            let failed = step.error.is_some() || !matches!(step.outcome, AttemptOutcome::Answered);
            self.report(&RequestRecord {
                shop: &inner.shop,
                operation: meta.name,
                method: "POST",
                url,
                request_body: &redacted_body,
                status: step.status,
                request_id: step.request_id.as_deref(),
                cost: step.cost,
                response_body: step.body.as_deref(),
                duration,
                attempt,
                failed,
                error: step.describe(),
            });

            let out_of_attempts = attempt >= inner.retry.max_attempts;
            match verdict {
                Verdict::Final => {
                    return match step.error {
                        Some(err) => Err(err),
                        None => Ok(Answer {
                            body: step.body.unwrap_or_default(),
                            request_id: step.request_id,
                            cost: step.cost,
                            attempts: attempt,
                        }),
                    };
                }
                Verdict::AfterBucketRefill => {
                    if out_of_attempts {
                        return Err(AdminError::Throttled {
                            operation: meta.name.to_owned(),
                            attempts: attempt,
                            request_id: step.request_id,
                        });
                    }
                    tracing::debug!(shop = %inner.shop, operation = meta.name, attempt, "throttled; waiting for the bucket");
                    // The budget now knows the bucket is short and makes the
                    // next `acquire` wait as long as needed, at least the
                    // minimum refill when the report showed room.
                    inner.budget.throttled(meta.name);
                }
                Verdict::After(delay) => {
                    if out_of_attempts || delay > inner.retry.max_retry_after {
                        return Err(AdminError::Throttled {
                            operation: meta.name.to_owned(),
                            attempts: attempt,
                            request_id: step.request_id,
                        });
                    }
                    tracing::debug!(shop = %inner.shop, operation = meta.name, attempt, ?delay, "HTTP 429; honouring Retry-After");
                    // Every task of the shop pauses, not only this one.
                    inner.budget.pause_for(delay);
                }
                Verdict::WithBackoff { maybe_applied } => {
                    let unsafe_to_repeat = maybe_applied && !meta.retry_safe;
                    if out_of_attempts || unsafe_to_repeat {
                        return Err(step.into_final_error(meta.name, attempt, maybe_applied));
                    }
                    let delay = inner.retry.backoff(attempt);
                    tracing::debug!(shop = %inner.shop, operation = meta.name, attempt, ?delay, "transient failure; backing off");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn post(&self, body: String) -> Result<(u16, HeaderMap, Result<String, reqwest::Error>), reqwest::Error> {
        let inner = &*self.inner;
        let mut token =
            HeaderValue::from_str(inner.token.expose_secret()).unwrap_or_else(|_| HeaderValue::from_static(""));
        token.set_sensitive(true);
        let response = inner
            .http
            .post(inner.graphql_url.clone())
            .header(ACCESS_TOKEN_HEADER, token)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .timeout(inner.request_timeout)
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await;
        Ok((status, headers, text))
    }
}

/// One attempt, interpreted.
struct Step {
    outcome: AttemptOutcome,
    status: Option<u16>,
    request_id: Option<String>,
    cost: Option<QueryCost>,
    body: Option<String>,
    /// The error this attempt amounts to if it is final.
    error: Option<AdminError>,
    transport: Option<reqwest::Error>,
}

impl Step {
    fn describe(&self) -> Option<String> {
        if let Some(err) = &self.error {
            return Some(err.to_string());
        }
        match &self.outcome {
            AttemptOutcome::Answered => None,
            AttemptOutcome::Throttled => Some("THROTTLED".to_owned()),
            AttemptOutcome::Status { status, .. } => Some(format!("HTTP {status}")),
            AttemptOutcome::Transport { .. } => self.transport.as_ref().map(|e| e.to_string()),
        }
    }

    fn into_final_error(self, operation: &str, attempts: u32, maybe_applied: bool) -> AdminError {
        if let Some(err) = self.error {
            return err;
        }
        match self.outcome {
            AttemptOutcome::Status { status, .. } => AdminError::Http {
                operation: operation.to_owned(),
                status,
                request_id: self.request_id,
                body_excerpt: excerpt(self.body.as_deref().unwrap_or_default()),
            },
            _ => {
                let message = self.transport.as_ref().map(error_chain).unwrap_or_else(|| "no answer".to_owned());
                AdminError::Network {
                    operation: operation.to_owned(),
                    attempts,
                    message,
                    maybe_applied,
                    source: self.transport,
                }
            }
        }
    }
}

fn interpret(
    operation: &str,
    result: Result<(u16, HeaderMap, Result<String, reqwest::Error>), reqwest::Error>,
) -> Step {
    let (status, headers, text) = match result {
        Err(e) => {
            return Step {
                outcome: AttemptOutcome::Transport { connect: e.is_connect(), timeout: e.is_timeout() },
                status: None,
                request_id: None,
                cost: None,
                body: None,
                error: None,
                transport: Some(e),
            };
        }
        Ok(parts) => parts,
    };
    let request_id = headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = match text {
        Ok(body) => body,
        Err(e) => {
            // The answer started but its body was cut off.
            return Step {
                outcome: AttemptOutcome::Transport { connect: false, timeout: e.is_timeout() },
                status: Some(status),
                request_id,
                cost: None,
                body: None,
                error: None,
                transport: Some(e),
            };
        }
    };
    let mut step = Step {
        outcome: AttemptOutcome::Answered,
        status: Some(status),
        request_id,
        cost: None,
        body: None,
        error: None,
        transport: None,
    };
    if status != 200 {
        let retry_after = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        step.outcome = AttemptOutcome::Status { status, retry_after };
        step.error = match status {
            401 => Some(AdminError::Auth {
                operation: operation.to_owned(),
                failure: AuthFailure::InvalidToken,
                status,
                request_id: step.request_id.clone(),
            }),
            403 => Some(AdminError::Auth {
                operation: operation.to_owned(),
                failure: AuthFailure::MissingScope { detail: error_text_of(&body).unwrap_or_else(|| excerpt(&body)) },
                status,
                request_id: step.request_id.clone(),
            }),
            _ => None,
        };
        step.body = Some(body);
        return step;
    }

    let parsed: GraphQlBody<'_> = match serde_json::from_str(&body) {
        Ok(parsed) => parsed,
        Err(e) => {
            step.error = Some(AdminError::Decode {
                operation: operation.to_owned(),
                message: format!("the body is not a GraphQL answer ({e}): {}", excerpt(&body)),
                request_id: step.request_id.clone(),
            });
            step.body = Some(body);
            return step;
        }
    };
    step.cost = parsed.extensions.and_then(|e| e.cost);
    let errors = parsed.errors.map(normalise_errors).unwrap_or_default();
    let has_data = parsed.data.is_some_and(|d| d.get() != "null");

    if errors.iter().any(|e| e.code() == Some("THROTTLED")) {
        step.outcome = AttemptOutcome::Throttled;
    } else if let Some(e) = errors.iter().find(|e| e.code() == Some("MAX_COST_EXCEEDED")) {
        let ext = e.extensions.as_ref();
        let number = |key: &str| ext.and_then(|x| x.get(key)).and_then(serde_json::Value::as_f64);
        step.error = Some(AdminError::QueryTooExpensive {
            operation: operation.to_owned(),
            cost: number("cost").or(step.cost.map(|c| c.requested_query_cost)).unwrap_or_default() as u64,
            max_cost: number("maxCost").unwrap_or(1000.0) as u64,
            request_id: step.request_id.clone(),
        });
    } else if let Some(e) = errors.iter().find(|e| e.code() == Some("ACCESS_DENIED")) {
        step.error = Some(AdminError::Auth {
            operation: operation.to_owned(),
            failure: AuthFailure::MissingScope { detail: e.message.clone() },
            status,
            request_id: step.request_id.clone(),
        });
    } else if !errors.is_empty() {
        step.error =
            Some(AdminError::GraphQl { operation: operation.to_owned(), errors, request_id: step.request_id.clone() });
    } else if !has_data {
        step.error = Some(AdminError::Decode {
            operation: operation.to_owned(),
            message: "the answer has neither data nor errors".to_owned(),
            request_id: step.request_id.clone(),
        });
    }
    step.body = Some(body);
    step
}

/// `errors` is an array of objects in GraphQL answers, but Shopify sends a
/// plain string for some authentication failures.
fn normalise_errors(value: serde_json::Value) -> Vec<GraphQlError> {
    match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| {
                serde_json::from_value(item.clone()).unwrap_or(GraphQlError {
                    message: item.to_string(),
                    path: Vec::new(),
                    extensions: None,
                })
            })
            .collect(),
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::String(message) => vec![GraphQlError { message, path: Vec::new(), extensions: None }],
        other => vec![GraphQlError { message: other.to_string(), path: Vec::new(), extensions: None }],
    }
}

fn decode_data<T: serde::de::DeserializeOwned>(operation: &str, answer: &Answer) -> Result<T, AdminError> {
    let decode_error = |message: String| AdminError::Decode {
        operation: operation.to_owned(),
        message,
        request_id: answer.request_id.clone(),
    };
    let body: GraphQlBody<'_> = serde_json::from_str(&answer.body).map_err(|e| decode_error(e.to_string()))?;
    let data = body.data.ok_or_else(|| decode_error("the answer has no data".to_owned()))?;
    serde_json::from_str(data.get()).map_err(|e| decode_error(e.to_string()))
}

/// The `errors` text of a REST-style error body, if any.
fn error_text_of(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    match value.get("errors")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn excerpt(body: &str) -> String {
    const MAX: usize = 300;
    if body.len() <= MAX {
        return body.to_owned();
    }
    let mut end = MAX;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

/// The error and its causes on one line (reqwest's own message hides the
/// root cause, e.g. "connection refused").
pub(crate) fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Properties of answer classification: any status, headers and body Shopify (or a proxy in between) may send give
/// an outcome and, when final, a typed error, never a panic; the cost report of any answer leaves the shop's budget
/// usable.
#[cfg(test)]
mod props {
    use std::time::Duration;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn text() -> BoxedStrategy<String> {
        prop_oneof![any::<String>(), "[ a-zA-Z0-9{}\\[\\]\":,.-]{0,40}"].boxed()
    }

    /// Finite numbers of every size and sign: JSON cannot carry NaN or infinity.
    fn number() -> BoxedStrategy<Value> {
        prop_oneof![
            Just(json!(0)),
            (-2000.0f64..20_000.0).prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |n| n.is_finite()).prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            text().prop_map(Value::String),
            Just(Value::Null),
        ]
        .boxed()
    }

    fn cost() -> BoxedStrategy<Value> {
        let throttle = (number(), number(), number()).prop_map(|(maximum, current, rate)| {
            json!({"maximumAvailable": maximum, "currentlyAvailable": current, "restoreRate": rate})
        });
        prop_oneof![
            Just(Value::Null),
            text().prop_map(Value::String),
            (number(), number(), proptest::option::of(throttle)).prop_map(|(requested, actual, throttle)| {
                json!({"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": throttle})
            }),
        ]
        .boxed()
    }

    fn graphql_error() -> BoxedStrategy<Value> {
        let code = prop_oneof![
            Just(json!("THROTTLED")),
            Just(json!("MAX_COST_EXCEEDED")),
            Just(json!("ACCESS_DENIED")),
            Just(json!("INTERNAL_SERVER_ERROR")),
            number(),
        ];
        prop_oneof![
            (prop_oneof![text().prop_map(Value::String), number()], code, number(), number()).prop_map(
                |(message, code, cost, max_cost)| json!({
                    "message": message,
                    "path": ["orders", 0],
                    "extensions": {"code": code, "cost": cost, "maxCost": max_cost},
                })
            ),
            text().prop_map(Value::String),
            number(),
        ]
        .boxed()
    }

    fn answer_body() -> BoxedStrategy<String> {
        let data = prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            Just(Some(json!({"shop": {"name": "Demo"}}))),
            Just(Some(
                json!({"productSet": {"product": null, "userErrors": [{"field": ["input"], "message": "bad"}]}})
            )),
            number().prop_map(Some),
        ]
        .boxed();
        let errors = prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            text().prop_map(|t| Some(Value::String(t))),
            prop::collection::vec(graphql_error(), 0..3).prop_map(|e| Some(Value::Array(e))),
            number().prop_map(Some),
        ]
        .boxed();
        let extensions =
            prop_oneof![Just(None), cost().prop_map(|c| Some(json!({"cost": c}))), number().prop_map(Some)].boxed();
        let envelope = (data, errors, extensions)
            .prop_map(|(data, errors, extensions)| {
                let mut body = serde_json::Map::new();
                for (key, value) in [("data", data), ("errors", errors), ("extensions", extensions)] {
                    if let Some(value) = value {
                        body.insert(key.to_owned(), value);
                    }
                }
                Value::Object(body).to_string()
            })
            .boxed();
        prop_oneof![
            3 => envelope.clone(),
            // A body cut off mid-way (a proxy's error page is covered by any text).
            1 => (envelope, any::<prop::sample::Index>()).prop_map(|(body, cut)| {
                let mut at = cut.index(body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                body[..at].to_owned()
            }),
            1 => text(),
        ]
        .boxed()
    }

    fn headers(retry_after: Option<String>, request_id: Option<String>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(RETRY_AFTER, value);
        }
        if let Some(value) = request_id.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(REQUEST_ID_HEADER, value);
        }
        headers
    }

    /// How long the second request of a shop waits after the first was answered with this cost report (in paused
    /// time, so hours pass at once). Fails the case when it waits more than a day.
    fn wait_after_report(
        declared: u32,
        requested: f64,
        actual: Option<f64>,
        maximum: f64,
        currently: f64,
        rate: f64,
    ) -> Result<Duration, TestCaseError> {
        let cost = QueryCost {
            requested_query_cost: requested,
            actual_query_cost: actual,
            throttle_status: Some(crate::budget::ThrottleStatus {
                maximum_available: maximum,
                currently_available: currently,
                restore_rate: rate,
            }),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        runtime.block_on(async {
            let budget = CostBudget::new();
            let reservation = budget.acquire("Probe", f64::from(declared)).await;
            budget.settle(reservation, "Probe", Settlement::Reported(cost));
            let started = tokio::time::Instant::now();
            let next = tokio::time::timeout(Duration::from_secs(86_400), budget.acquire("Probe", f64::from(declared)));
            prop_assert!(next.await.is_ok(), "the next request waits forever after {cost:?}");
            Ok(started.elapsed())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_answer_is_classified_and_explained_never_a_panic(
            status in prop_oneof![4 => Just(200u16), 1 => prop::sample::select(vec![401u16, 403, 404, 429, 500, 502, 503]), 1 => 100u16..600],
            body in answer_body(),
            retry_after in proptest::option::of(prop_oneof![text(), "[0-9]{1,6}(\\.[0-9])?"]),
            request_id in proptest::option::of("[a-z0-9-]{1,20}"),
        ) {
            let step = interpret("Probe", Ok((status, headers(retry_after, request_id), Ok(body.clone()))));
            let verdict = crate::retry::classify(&step.outcome);
            let _ = step.describe();
            if status != 200 {
                let is_status = matches!(step.outcome, AttemptOutcome::Status { status: s, .. } if s == status);
                prop_assert!(is_status, "{:?}", step.outcome);
                if matches!(status, 401 | 403) {
                    let is_auth = matches!(step.error, Some(AdminError::Auth { .. }));
                    prop_assert!(is_auth, "{:?}", step.error);
                }
            } else if step.error.is_none() && matches!(step.outcome, AttemptOutcome::Answered) {
                // An answer the retry loop passes on has data the operation can decode.
                let answer = Answer { body: body.clone(), request_id: None, cost: step.cost, attempts: 1 };
                let data = decode_data::<Value>("Probe", &answer);
                prop_assert!(matches!(&data, Ok(value) if !value.is_null()), "{body}: {data:?}");
            }
            if let Some(error) = &step.error {
                prop_assert!(error.to_string().contains("Probe"), "{error}");
                prop_assert_eq!(verdict, crate::retry::Verdict::Final);
            }
            let error = step.into_final_error("Probe", 1, false);
            prop_assert!(!error.to_string().is_empty());
        }

        #[test]
        fn any_reported_cost_leaves_the_budget_usable(body in answer_body(), declared in 0u32..2000) {
            let step = interpret("Probe", Ok((200, HeaderMap::new(), Ok(body))));
            let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
            runtime.block_on(async {
                let budget = CostBudget::new();
                let reservation = budget.acquire("Probe", f64::from(declared)).await;
                let settlement = step.cost.map_or(Settlement::Unknown, Settlement::Reported);
                budget.settle(reservation, "Probe", settlement);
                let _ = budget.snapshot();
                // Whatever the report said, the next request gets its turn within the hour the budget waits at most.
                let next = tokio::time::timeout(Duration::from_secs(2 * 3600), budget.acquire("Probe", f64::from(declared))).await;
                prop_assert!(next.is_ok(), "the next request waits forever after {:?}", step.cost);
                Ok(())
            })?;
        }

        #[test]
        fn a_cost_report_without_a_usable_bucket_is_not_taken_as_a_snapshot(
            requested in prop_oneof![-1e6f64..1e6, Just(f64::MAX)],
            actual in proptest::option::of(prop_oneof![-1e6f64..1e6, Just(f64::MAX)]),
            // Only reports where the bucket has no size or no refill (or neither): they must change nothing.
            (maximum, rate) in prop_oneof![
                (-1e6f64..=0.0, prop_oneof![-1e3f64..=0.0, 1.0f64..1_000.0]),
                (prop_oneof![-1e6f64..=0.0, 1.0f64..20_000.0, Just(f64::MAX)], -1e3f64..=0.0),
            ],
            currently in prop_oneof![-1e6f64..1e6, Just(f64::MIN), Just(f64::MAX)],
            declared in 0u32..2000,
        ) {
            let waited = wait_after_report(declared, requested, actual, maximum, currently, rate)?;
            prop_assert_eq!(waited, Duration::ZERO);
        }

        #[test]
        fn after_any_cost_report_the_next_request_waits_at_most_the_refill_time(
            requested in prop_oneof![-1e6f64..1e6, 0.0f64..1000.0],
            actual in proptest::option::of(prop_oneof![-1e6f64..1e6, 0.0f64..1000.0]),
            maximum in 1.0f64..20_000.0,
            currently in prop_oneof![-1e6f64..1e6, 0.0f64..20_000.0, Just(f64::MIN), Just(f64::MAX)],
            rate in 1.0f64..2_000.0,
            declared in 0u32..2000,
        ) {
            let waited = wait_after_report(declared, requested, actual, maximum, currently, rate)?;
            let expected_cost = if requested > 0.0 { requested } else { f64::from(declared) };
            let refill = Duration::from_secs_f64(expected_cost.min(maximum) / rate + 1.0);
            prop_assert!(waited <= refill, "waited {waited:?}, refilling takes {refill:?}");
        }
    }
}
