//! Staged uploads: `stagedUploadsCreate` hands out upload targets on the simulator, and the
//! simulator's own "storage" takes the file, as Google Cloud Storage does for Shopify:
//!
//! - `httpMethod: POST` (what bulk mutation clients use): a form POST of the target's
//!   `parameters` plus `file` to `{base_url}/staged-uploads/`, answered `201` with an XML
//!   `PostResponse` (`success_action_status` is `201`);
//! - `httpMethod: PUT` (the default): the file as the body of a PUT to the target's `url`.
//!
//! The `key` parameter is what `bulkOperationRunMutation` takes as `stagedUploadPath`. Only keys
//! this simulator issued are accepted, each for a day, and files of at most
//! [`MAX_UPLOAD_BYTES`] (Shopify's 100 MB since 2026-01).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use jiff::Timestamp;
use serde_json::Value as Json;

use crate::graphql::executor::{Ctx, FieldCall, FieldError, Object, Output, Resolved};
use crate::registry::{MutationCtx, Registry};
use crate::resolvers::{UserError, optional_text, text, user_errors};
use crate::state::SimState;

/// The largest file a staged upload takes.
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// How long an upload target stays valid.
const TARGET_LIFETIME_SECONDS: i64 = 24 * 3600;

/// One issued target and, once uploaded, its file.
#[derive(Debug, Clone)]
pub struct StagedUpload {
    pub resource: String,
    pub mime_type: String,
    pub expires: Timestamp,
    pub content: Option<Arc<Vec<u8>>>,
}

/// The shop's staged uploads by key (a table of the [`crate::store::Store`]).
#[derive(Debug, Clone, Default)]
pub struct StagedUploads {
    pub items: HashMap<String, StagedUpload>,
}

impl StagedUploads {
    /// The uploaded file under `key`, when the key was issued, has not expired and got its file.
    pub fn file(&self, key: &str, now: Timestamp) -> Option<Arc<Vec<u8>>> {
        self.items.get(key).filter(|upload| upload.expires > now).and_then(|upload| upload.content.clone())
    }
}

pub fn register(registry: &mut Registry) {
    registry.mutation("stagedUploadsCreate", create);
}

/// Resources Shopify accepts for staged uploads.
const RESOURCES: &[&str] = &[
    "BULK_MUTATION_VARIABLES",
    "COLLECTION_IMAGE",
    "DISPUTE_FILE_UPLOAD",
    "FILE",
    "IMAGE",
    "MODEL_3D",
    "PRODUCT_IMAGE",
    "RETURN_LABEL",
    "SHOP_IMAGE",
    "URL_REDIRECT_IMPORT",
    "VIDEO",
];

struct Target {
    url: String,
    resource_url: Option<String>,
    parameters: Vec<(String, String)>,
}

struct CreatePayload {
    targets: Option<Vec<Target>>,
    user_errors: Vec<UserError>,
}

impl Object for CreatePayload {
    fn type_name(&self) -> &'static str {
        "StagedUploadsCreatePayload"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "stagedTargets" => Ok(match &self.targets {
                None => Output::Null,
                Some(targets) => {
                    Output::List(targets.iter().map(|target| Output::Object(Rc::new(TargetObject(target)))).collect())
                }
            }),
            "userErrors" => user_errors(&self.user_errors),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

struct TargetObject<'t>(&'t Target);

impl Object for TargetObject<'_> {
    fn type_name(&self) -> &'static str {
        "StagedMediaUploadTarget"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        let target = self.0;
        match call.name() {
            "url" => text(&target.url),
            "resourceUrl" => optional_text(target.resource_url.as_deref()),
            "parameters" => Ok(Output::List(
                target
                    .parameters
                    .iter()
                    .map(|(name, value)| Output::Object(Rc::new(ParameterObject { name, value })))
                    .collect(),
            )),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

/// `StagedUploadParameter`: one form field to send with the file.
struct ParameterObject<'t> {
    name: &'t str,
    value: &'t str,
}

impl Object for ParameterObject<'_> {
    fn type_name(&self) -> &'static str {
        "StagedUploadParameter"
    }

    fn field<'a>(&'a self, call: &FieldCall<'_>, _ctx: &'a Ctx<'a>) -> Resolved<'a> {
        match call.name() {
            "name" => text(self.name),
            "value" => text(self.value),
            _ => Err(FieldError::NotImplemented),
        }
    }
}

fn create(call: &FieldCall<'_>, m: &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError> {
    let inputs = call.arg("input").and_then(Json::as_array).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let index = index.to_string();
        let resource = input.get("resource").and_then(Json::as_str).unwrap_or_default();
        if !RESOURCES.contains(&resource) {
            errors.push(UserError::new("UserError", &["input", &index, "resource"], "Resource is invalid", None));
        }
        let filename = input.get("filename").and_then(Json::as_str).unwrap_or_default();
        if filename.trim().is_empty() {
            errors.push(UserError::new("UserError", &["input", &index, "filename"], "Filename can't be blank", None));
        }
        let size = input.get("fileSize").and_then(|size| size.as_u64().or_else(|| size.as_str()?.parse().ok()));
        if size.is_some_and(|size| size > MAX_UPLOAD_BYTES as u64) {
            errors.push(UserError::new(
                "UserError",
                &["input", &index, "fileSize"],
                format!("File size must be less than {} MB", MAX_UPLOAD_BYTES / (1024 * 1024)),
                None,
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Rc::new(CreatePayload { targets: None, user_errors: errors }));
    }
    let now = m.store.now();
    let expires = now.checked_add(jiff::SignedDuration::from_secs(TARGET_LIFETIME_SECONDS)).unwrap_or(now);
    let shop_number = m.store.shop.id;
    let base = format!("{}/staged-uploads", m.env.base_url);
    let mut targets = Vec::new();
    for input in &inputs {
        let resource = input.get("resource").and_then(Json::as_str).unwrap_or_default().to_string();
        let filename = input.get("filename").and_then(Json::as_str).unwrap_or_default();
        let mime_type = input.get("mimeType").and_then(Json::as_str).unwrap_or("application/octet-stream").to_string();
        let method = input.get("httpMethod").and_then(Json::as_str).unwrap_or("PUT");
        let folder = if resource == "BULK_MUTATION_VARIABLES" { "bulk" } else { "files" };
        let token = hex::encode(rand::random::<[u8; 16]>());
        let safe_name: String =
            filename.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
        let key = format!("tmp/{shop_number}/{folder}/{token}/{safe_name}");
        let signature = hex::encode(rand::random::<[u8; 32]>());
        let date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let target = if method == "POST" {
            Target {
                url: format!("{base}/"),
                resource_url: Some(format!("{base}/{key}")),
                parameters: vec![
                    ("Content-Type".into(), mime_type.clone()),
                    ("success_action_status".into(), "201".into()),
                    ("acl".into(), "private".into()),
                    ("key".into(), key.clone()),
                    ("x-goog-date".into(), date),
                    ("x-goog-credential".into(), "shopify-sim@staged-uploads/auto/storage/goog4_request".into()),
                    ("x-goog-algorithm".into(), "GOOG4-RSA-SHA256".into()),
                    ("x-goog-signature".into(), signature),
                    ("policy".into(), hex::encode(rand::random::<[u8; 24]>())),
                ],
            }
        } else {
            Target {
                url: format!(
                    "{base}/{key}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date={date}&X-Goog-Signature={signature}"
                ),
                resource_url: Some(format!("{base}/{key}")),
                parameters: vec![("content_type".into(), mime_type.clone()), ("acl".into(), "private".into())],
            }
        };
        m.store.staged_uploads.items.insert(key, StagedUpload { resource, mime_type, expires, content: None });
        targets.push(target);
    }
    Ok(Rc::new(CreatePayload { targets: Some(targets), user_errors: Vec::new() }))
}

pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/staged-uploads/", axum::routing::post(form_upload))
        .route("/staged-uploads/{*key}", axum::routing::put(put_upload))
        // The multipart envelope around a file of the largest size.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
}

fn xml(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(value) = "application/xml; charset=UTF-8".parse() {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn storage_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    xml(
        status,
        format!("<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
}

/// Stores `content` under an issued `key`; false (nothing stored) for a key never issued or
/// expired.
fn accept(state: &SimState, key: &str, content: Vec<u8>) -> bool {
    let mut store = state.store.write();
    let now = store.now();
    let Some(upload) = store.staged_uploads.items.get_mut(key).filter(|upload| upload.expires > now) else {
        return false;
    };
    upload.content = Some(Arc::new(content));
    true
}

fn unknown_target() -> Response<Body> {
    storage_error(
        StatusCode::FORBIDDEN,
        "AccessDenied",
        "Invalid or expired upload target: ask stagedUploadsCreate for a new one.",
    )
}

async fn put_upload(State(state): State<Arc<SimState>>, Path(key): Path<String>, body: Bytes) -> Response<Body> {
    if accept(&state, &key, body.to_vec()) { xml(StatusCode::OK, String::new()) } else { unknown_target() }
}

async fn form_upload(State(state): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response<Body> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').find_map(|part| part.trim().strip_prefix("boundary=")))
        .map(|boundary| boundary.trim_matches('"').to_string());
    let Some(boundary) = boundary else {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Expected multipart/form-data with a boundary.",
        );
    };
    let parts = multipart_parts(&body, &boundary);
    let field = |name: &str| parts.iter().find(|(part_name, _)| part_name == name).map(|(_, value)| value);
    let (Some(key), Some(file)) = (field("key"), field("file")) else {
        return storage_error(StatusCode::BAD_REQUEST, "InvalidArgument", "The form needs a key and a file.");
    };
    let key = String::from_utf8_lossy(key).to_string();
    if !accept(&state, &key, file.to_vec()) {
        return unknown_target();
    }
    xml(
        StatusCode::CREATED,
        format!(
            "<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{}/staged-uploads/{key}</Location>\
             <Bucket>shopify-staged-uploads</Bucket><Key>{key}</Key><ETag>\"{}\"</ETag></PostResponse>",
            state.base_url,
            hex::encode(rand::random::<[u8; 16]>()),
        ),
    )
}

/// The parts of a `multipart/form-data` body as (field name, content); the `file` part last
/// (storage services read the fields before it).
fn multipart_parts<'b>(body: &'b [u8], boundary: &str) -> Vec<(String, &'b [u8])> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(headers_end) = find(rest, b"\r\n\r\n") else { break };
        let headers = String::from_utf8_lossy(&rest[..headers_end]).to_string();
        let content_start = headers_end + 4;
        let Some(content_len) = find(&rest[content_start..], delimiter) else { break };
        // The content ends before the CRLF that precedes the next delimiter.
        let content = &rest[content_start..content_start + content_len];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = headers
            .split(';')
            .find_map(|part| part.trim().strip_prefix("name="))
            .map(|name| name.split(['\r', '\n']).next().unwrap_or(name).trim_matches('"').to_string());
        if let Some(name) = name {
            parts.push((name, content));
        }
        rest = &rest[content_start + content_len..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}
