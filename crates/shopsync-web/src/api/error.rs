//! The API's error answers: one JSON shape for every refusal, with a stable `code`, a message saying what is wrong
//! and what to do, and for bad values the path of each one.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shopsync_sync::import::records::FieldError;
use utoipa::ToSchema;

/// Every refusal the API answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable: `unauthenticated`, `insufficient_scope`, `rate_limited`, `body_too_large`, `malformed_json`,
    /// `invalid`, `idempotency_key_reused`, `not_found`, `internal`.
    pub code: String,
    /// What happened, why, and what to do.
    pub message: String,
    /// For `invalid`: every bad value, by its JSON path.
    pub errors: Vec<FieldErrorBody>,
}

/// One bad value of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// The JSON path of the value, e.g. `items[3].variants[0].sku` (a query parameter's or header's name for
    /// those).
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl From<FieldError> for FieldErrorBody {
    fn from(error: FieldError) -> FieldErrorBody {
        FieldErrorBody { path: error.path, message: error.message }
    }
}

/// A refusal on its way out.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody { code: code.to_string(), message: message.into(), errors: Vec::new() },
            retry_after: None,
        }
    }

    pub(crate) fn invalid(errors: Vec<FieldError>) -> ApiError {
        let message = match errors.len() {
            1 => "1 value is not valid; nothing was written. `errors` says where and why".to_string(),
            n => format!("{n} values are not valid; nothing was written. `errors` says where and why"),
        };
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
        error.body.errors = errors.into_iter().map(FieldErrorBody::from).collect();
        error
    }

    pub(crate) fn unauthenticated(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub(crate) fn rate_limited(retry_after: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("this token sent more requests than its rate limit allows; send again in {retry_after} s"),
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// A failure of the store or the engine: logged in full, answered without internals.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "shopsync could not complete the request (its log says why); nothing was answered, so send it again later",
        )
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn body(&self) -> &ErrorBody {
        &self.body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such API route; GET /api/openapi.json lists the routes of this version",
    )
}
