//! Who is calling: the bearer token (401 when missing or not live), its scope (403), its rate limit (429).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use shopsync_store::ApiToken;
use shopsync_sync::app::api::{Scope, authenticate, has_scope};

use super::ApiState;
use super::error::ApiError;

/// A caller allowed to read.
pub(crate) struct Reader(pub ApiToken);

/// A caller allowed to write.
pub(crate) struct Writer(pub ApiToken);

impl FromRequestParts<ApiState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Reader, ApiError> {
        caller(parts, state, Scope::Read).await.map(Reader)
    }
}

impl FromRequestParts<ApiState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Writer, ApiError> {
        caller(parts, state, Scope::Write).await.map(Writer)
    }
}

async fn caller(parts: &Parts, state: &ApiState, scope: Scope) -> Result<ApiToken, ApiError> {
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(presented) = presented else {
        return Err(ApiError::unauthenticated(
            "this API needs a bearer token: send `Authorization: Bearer TOKEN` with a token made by \
             `shopsync api-token create`",
        ));
    };
    let token = authenticate(state.store(), presented).await.map_err(|e| ApiError::internal(&e))?;
    let Some(token) = token else {
        return Err(ApiError::unauthenticated(
            "the bearer token is not a live API token (mistyped, or revoked); `shopsync api-token list` shows the \
             tokens, `shopsync api-token create` makes a new one",
        ));
    };
    if !has_scope(&token, scope) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!(
                "token {} has scope(s) {} but this route needs {scope}; make a token with `--scope {scope}`",
                token.name,
                token.scopes.join(", ")
            ),
        ));
    }
    match state.limits.take(token.id) {
        Taken::Yes { touch } => {
            if touch {
                // When the token was last used is for `api-token list`; once a minute is enough, and the request
                // does not wait for it.
                let engine = state.engine.clone();
                let id = token.id;
                tokio::spawn(async move {
                    if let Err(error) = engine.store().touch_api_token(id).await {
                        tracing::warn!(%error, "cannot note when an API token was used");
                    }
                });
            }
            Ok(token)
        }
        Taken::No { retry_after } => Err(ApiError::rate_limited(retry_after)),
    }
}

/// Each token's bucket: it holds up to `burst` requests and refills at `rate` a second.
pub(crate) struct RateLimits {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
    touched: Option<Instant>,
}

enum Taken {
    Yes { touch: bool },
    No { retry_after: u64 },
}

impl RateLimits {
    pub(crate) fn new(rate: f64, burst: u32) -> RateLimits {
        RateLimits { rate: rate.max(0.001), burst: f64::from(burst.max(1)), buckets: Mutex::new(HashMap::new()) }
    }

    fn take(&self, token: i64) -> Taken {
        let now = Instant::now();
        // A poisoned lock only means another request panicked while holding it; the counts are still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(token).or_insert(Bucket { tokens: self.burst, refilled: now, touched: None });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.refilled = now;
        if bucket.tokens < 1.0 {
            let wait = (1.0 - bucket.tokens) / self.rate;
            return Taken::No { retry_after: wait.ceil().max(1.0) as u64 };
        }
        bucket.tokens -= 1.0;
        let touch = bucket.touched.is_none_or(|at| now.duration_since(at) > Duration::from_secs(60));
        if touch {
            bucket.touched = Some(now);
        }
        Taken::Yes { touch }
    }
}
