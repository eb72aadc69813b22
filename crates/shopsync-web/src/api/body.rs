//! Reading a request's JSON (413 over the limit, 400 for text that is not JSON, 422 with the path of a value of the
//! wrong type), and the `Idempotency-Key` rule of writes.

use std::future::Future;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shopsync_store::ApiToken;
use shopsync_sync::app::api::{Replay, forget_old_answers, remember, replay, request_hash};
use shopsync_sync::import::records::FieldError;

use super::ApiState;
use super::error::ApiError;

/// The header a retried write repeats.
pub(crate) const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The body's bytes, or the refusal of a body too large or cut off.
pub(crate) fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than this server accepts; send the records in several requests",
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body could not be read: {rejection}"))
        }
    })
}

/// The body as `T`: a value of the wrong type or a missing field is named by its path.
pub(crate) fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let path = if path == "." { String::new() } else { path };
                ApiError::invalid(vec![FieldError::new(
                    path,
                    format!("{inner}; see GET /api/openapi.json for the shape"),
                )])
            }
            _ => malformed(&inner),
        }
    })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("the body is not JSON ({error}); send a JSON object with `Content-Type: application/json`"),
    )
}

/// Runs a write once per `Idempotency-Key`: a retry with the same key, path and body gets the first answer again
/// (with `Idempotent-Replayed: true`) and nothing runs twice; the key with another request is refused with 409.
/// Answers of 500 and above are not kept, so a retry after a failure runs again.
pub(crate) async fn once<F, Fut>(
    state: &ApiState,
    token: &ApiToken,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
    run: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        return answer(run().await);
    };
    let key = match key.to_str() {
        Ok(key) if !key.trim().is_empty() && key.len() <= 255 => key.trim().to_string(),
        _ => {
            return ApiError::invalid(vec![FieldError::new(
                IDEMPOTENCY_KEY,
                "the Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID made for this request",
            )])
            .into_response();
        }
    };
    let hash = request_hash("POST", path, body);
    let store = state.store();
    let mut one_at_a_time = state.keyed_writes.lock().await;
    // Answers are kept a day; once an hour a keyed write forgets the older ones.
    if one_at_a_time.purged.is_none_or(|at| at.elapsed() > std::time::Duration::from_secs(3600)) {
        one_at_a_time.purged = Some(std::time::Instant::now());
        if let Err(error) = forget_old_answers(store).await {
            tracing::warn!(%error, "cannot forget old Idempotency-Key answers");
        }
    }
    match replay(store, &token.name, &key, &hash).await {
        Err(error) => ApiError::internal(&error).into_response(),
        Ok(Replay::Answer(kept)) => {
            let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
            let body: serde_json::Value = serde_json::from_str(&kept.response).unwrap_or(serde_json::Value::Null);
            let mut response = (status, Json(body)).into_response();
            response.headers_mut().insert("Idempotent-Replayed", HeaderValue::from_static("true"));
            response
        }
        Ok(Replay::KeyReused { created_at }) => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            format!(
                "Idempotency-Key {key} was used at {created_at} for a different request (another route or body); \
                 a retry must repeat the same request, and a new request needs a new key"
            ),
        )
        .into_response(),
        Ok(Replay::Run) => {
            let (status, body) = match run().await {
                Ok(answer) => answer,
                Err(error) if error.status().is_server_error() => return error.into_response(),
                Err(error) => (error.status(), serde_json::to_value(error.body()).unwrap_or_default()),
            };
            if let Err(error) = remember(store, &token.name, &key, &hash, status.as_u16(), &body.to_string()).await {
                // The write is done; a retry would do it again, which the caller must hear about.
                return ApiError::internal(&error).into_response();
            }
            (status, Json(body)).into_response()
        }
    }
}

fn answer(result: Result<(StatusCode, serde_json::Value), ApiError>) -> Response {
    match result {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}
