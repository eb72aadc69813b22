//! Reading a request's JSON (413 over the limit, 400 for text that is not JSON, 422 with the path of a value of the
//! wrong type), and the `Idempotency-Key` rule of writes.

use std::future::Future;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shopsync_store::{ApiToken, Store, WriteOutcome, under_idempotency_key};
use shopsync_sync::app::api::{Replay, claim, forget_old_answers, remember, replay, request_hash};
use shopsync_sync::import::records::{FieldError, written_report};

use super::ApiState;
use super::error::ApiError;
use super::items::upserted;
use super::shipments;

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

/// A write route: reads the body (413 over the limit, 400 when cut off), reads it as `T` (400 or 422 with the
/// path), and runs `write` with the store once per `Idempotency-Key` (see [`once`]). Each write handler is its
/// conversion only: the request type into the records of `shopsync_sync`, their outcome into the answer.
pub(crate) async fn write<'a, T, F, Fut>(
    state: &'a ApiState,
    token: &ApiToken,
    headers: &HeaderMap,
    path: &str,
    body: Result<Bytes, BytesRejection>,
    write: F,
) -> Response
where
    T: DeserializeOwned,
    F: FnOnce(&'a dyn Store, T) -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let body = match bytes(body) {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    once(state, token, headers, path, &body, || async {
        let request: T = json(&body)?;
        write(state.store(), request).await
    })
    .await
}

/// Runs a write once per `Idempotency-Key`: a retry with the same key, path and body gets the first answer again
/// (with `Idempotent-Replayed: true`) and nothing runs twice; the key with another request is refused with 409.
///
/// The write keeps its key in its own transaction (`shopsync_store::under_idempotency_key`), with what it did, and
/// a retry's answer is made from that: the write and its key commit together, so a crash after the commit and
/// before the answer cannot let the retry write again. A request refused without writing (4xx) keeps its answer
/// after; answers of 500 and above are not kept, so a retry after a failure runs again, unless its write had
/// committed (then its key was kept with it and the retry is answered from that).
async fn once<F, Fut>(
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
        Err(error) => return ApiError::internal(&error).into_response(),
        Ok(Replay::Run) => {}
        Ok(kept) => return replayed(kept, &key),
    }
    let result = under_idempotency_key(claim(&token.name, &key, &hash), run()).await;
    let (status, body) = match result {
        Ok(answer) => answer,
        Err(error) if error.status().is_server_error() => {
            // Another process sharing the database may have kept the key first (its write committed, this one was
            // refused whole): answer what that one did.
            return match replay(store, &token.name, &key, &hash).await {
                Ok(kept @ (Replay::Applied(_) | Replay::Answer(_))) => replayed(kept, &key),
                _ => error.into_response(),
            };
        }
        Err(error) => (error.status(), serde_json::to_value(error.body()).unwrap_or_default()),
    };
    // A write kept its key already (this changes nothing then); a request that wrote nothing keeps its answer
    // here. Failing to keep it loses nothing: nothing was written, so a retry may run again.
    if let Err(error) = remember(store, &token.name, &key, &hash, status.as_u16(), &body.to_string()).await {
        tracing::warn!(%error, key, "cannot keep the answer of an Idempotency-Key request that wrote nothing");
    }
    (status, Json(body)).into_response()
}

/// The answer again of a request done before with this key.
fn replayed(kept: Replay, key: &str) -> Response {
    let mut response = match kept {
        Replay::Answer(kept) => {
            let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
            let body: serde_json::Value = serde_json::from_str(&kept.response).unwrap_or(serde_json::Value::Null);
            (status, Json(body)).into_response()
        }
        Replay::Applied(outcome) => match written(outcome) {
            Ok((status, body)) => (status, Json(body)).into_response(),
            Err(error) => return error.into_response(),
        },
        Replay::KeyReused { created_at } => {
            return ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                format!(
                    "Idempotency-Key {key} was used at {created_at} for a different request (another route or \
                     body); a retry must repeat the same request, and a new request needs a new key"
                ),
            )
            .into_response();
        }
        Replay::Run => return ApiError::internal(&"a new key has no answer to give again").into_response(),
    };
    response.headers_mut().insert("Idempotent-Replayed", HeaderValue::from_static("true"));
    response
}

/// The answer a write gave, made from what it did: the same function of the outcome as its first answer.
fn written(outcome: WriteOutcome) -> Result<(StatusCode, serde_json::Value), ApiError> {
    match outcome {
        WriteOutcome::Shipment(shipment) => shipments::created(*shipment),
        catalog => match written_report(&catalog) {
            Some(report) => upserted(report),
            None => Err(ApiError::internal(&"a kept write outcome has no report")),
        },
    }
}

fn answer(result: Result<(StatusCode, serde_json::Value), ApiError>) -> Response {
    match result {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}
