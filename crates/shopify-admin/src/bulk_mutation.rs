//! Bulk mutations: one mutation run by Shopify once per line of an uploaded JSONL file of variables, in the
//! background and outside the rate limit.
//!
//! The steps, each its own call so the caller can keep what it needs durably between them:
//!
//! 1. [`AdminClient::stage_bulk_variables`]: `stagedUploadsCreate` (resource `BULK_MUTATION_VARIABLES`) and the
//!    upload of the file to the target it names, as a form POST of the target's parameters and the file (Shopify's
//!    storage, not the Admin API: no access token goes there). Returns the `stagedUploadPath`.
//! 2. [`AdminClient::run_bulk_mutation`]: `bulkOperationRunMutation` over that path with an operation's document.
//! 3. [`AdminClient::wait_for_bulk_operation`](crate::AdminClient::wait_for_bulk_operation), as for a bulk query.
//! 4. [`AdminClient::bulk_mutation_results`]: the result file, one line per input line: `data` (with the
//!    mutation's `userErrors`, as a direct call answers) or `errors`, and `__lineNumber`, the 0-based line of the
//!    input it answers. Lines may come in any order.
//!
//! Limits (Shopify's bulk import guide, 2026-01 release notes): a file of at most 100 MB from API 2026-01
//! (20 MB before, [`max_bulk_upload_bytes`]); from 2026-01 any mutation and up to five bulk mutations per shop at
//! once, before only a listed set (`productSet` among them) and one at a time; an operation must finish within 24
//! hours. Callers split larger work into several files.

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::bulk::BulkLimits;
use crate::client::{AdminClient, OpMeta, error_chain};
use crate::domain::ApiVersion;
use crate::error::{AdminError, BulkError};
use crate::hook::RequestRecord;
use crate::operation::{Operation, OperationKind};
use crate::ops::bulk::{
    BulkOperation, BulkOperationRunMutation, BulkOperationRunMutationVariables, BulkOperationsRecent,
    BulkOperationsRecentVariables, StagedUploadInput, StagedUploadTarget, StagedUploadsCreate,
    StagedUploadsCreateVariables,
};

/// The largest file of bulk mutation variables Shopify takes for an API version: 100 MB from 2026-01, 20 MB
/// before (Shopify's storage refused larger uploads with `EntityTooLarge` at 20,971,520 bytes).
pub fn max_bulk_upload_bytes(version: &ApiVersion) -> usize {
    if at_least(version, "2026-01") { 100 * 1024 * 1024 } else { 20 * 1024 * 1024 }
}

/// Whether `bulkOperationRunMutation` runs any mutation (2026-01 and later) rather than only Shopify's listed
/// ones (`productSet`, `productCreate`, `metafieldsSet` ...).
pub fn any_bulk_mutation(version: &ApiVersion) -> bool {
    at_least(version, "2026-01")
}

fn at_least(version: &ApiVersion, wanted: &str) -> bool {
    // `unstable` is newer than every dated version; `YYYY-MM` texts order as their dates.
    version.as_str() == "unstable" || version.as_str() >= wanted
}

/// One line of a bulk mutation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkMutationLine<D> {
    /// The 0-based line of the uploaded variables this result answers (`__lineNumber`).
    pub line: u64,
    /// The call's `data`, with its `userErrors` as a direct call would answer them.
    pub data: Option<D>,
    /// Messages of the call's GraphQL errors: the line did not run, or failed as a whole.
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
struct RawLine<D> {
    #[serde(default = "Option::default")]
    data: Option<D>,
    #[serde(default)]
    errors: Vec<RawError>,
    #[serde(rename = "__lineNumber")]
    line_number: u64,
}

#[derive(Deserialize)]
struct RawError {
    message: String,
}

impl AdminClient {
    /// Uploads a bulk mutation's variables (JSONL, one JSON object per line) and returns the `stagedUploadPath`
    /// that [`AdminClient::run_bulk_mutation`] takes.
    pub async fn stage_bulk_variables(&self, variables: impl Into<Bytes>) -> Result<String, AdminError> {
        let variables: Bytes = variables.into();
        let limit = max_bulk_upload_bytes(self.api_version());
        if variables.len() > limit {
            return Err(BulkError::Upload(format!(
                "the file of variables holds {} bytes, more than the {limit} Shopify takes on API {}; split it",
                variables.len(),
                self.api_version()
            ))
            .into());
        }
        let input = StagedUploadsCreateVariables { input: vec![StagedUploadInput::bulk_mutation_variables()] };
        let reply = match self.execute::<StagedUploadsCreate>(&input).await {
            Err(AdminError::UserErrors { errors, .. }) => return Err(BulkError::MutationNotStarted(errors).into()),
            other => other?,
        };
        let target = reply
            .data
            .staged_uploads_create
            .and_then(|payload| payload.staged_targets)
            .and_then(|targets| targets.into_iter().next())
            .ok_or_else(|| BulkError::Upload("Shopify gave no upload target".to_owned()))?;
        let path = target
            .key()
            .ok_or_else(|| BulkError::Upload("Shopify's upload target has no `key` parameter".to_owned()))?
            .to_owned();
        self.upload_staged(&target, variables).await?;
        Ok(path)
    }

    /// Starts `O` (its document) over an uploaded file of variables.
    pub async fn run_bulk_mutation<O: Operation>(&self, staged_upload_path: &str) -> Result<BulkOperation, AdminError> {
        let variables = BulkOperationRunMutationVariables {
            mutation: O::DOCUMENT.to_owned(),
            staged_upload_path: staged_upload_path.to_owned(),
        };
        let reply = match self.execute::<BulkOperationRunMutation>(&variables).await {
            Err(AdminError::UserErrors { errors, .. }) => return Err(BulkError::MutationNotStarted(errors).into()),
            other => other?,
        };
        reply
            .data
            .bulk_operation_run_mutation
            .and_then(|p| p.bulk_operation)
            .ok_or_else(|| BulkError::MutationNotStarted(Vec::new()).into())
    }

    /// The app's bulk mutations on this shop that have not ended (of its ten newest), oldest first.
    pub async fn unfinished_bulk_mutations(&self) -> Result<Vec<BulkOperation>, AdminError> {
        let variables = BulkOperationsRecentVariables { query: "operation_type:mutation".to_owned() };
        let reply = self.execute::<BulkOperationsRecent>(&variables).await?;
        let mut running: Vec<BulkOperation> =
            reply.data.bulk_operations.nodes.into_iter().filter(|op| !op.status.is_finished()).collect();
        running.reverse();
        Ok(running)
    }

    /// Streams the lines of a bulk mutation's result (its `url`, or the `partialDataUrl` of one that failed),
    /// each decoded as `O`'s data.
    pub fn bulk_mutation_results<O: Operation>(
        &self,
        url: &str,
        limits: BulkLimits,
    ) -> BoxStream<'static, Result<BulkMutationLine<O::Data>, AdminError>>
    where
        O::Data: 'static,
    {
        self.bulk_result_rows(url, limits)
            .map(|row| {
                let row = row?;
                let raw: RawLine<O::Data> = serde_json::from_value(row.value).map_err(|e| BulkError::BadLine {
                    line: row.line,
                    message: format!("not a result line of {}: {e}", O::NAME),
                })?;
                Ok(BulkMutationLine {
                    line: raw.line_number,
                    data: raw.data,
                    errors: raw.errors.into_iter().map(|e| e.message).collect(),
                })
            })
            .boxed()
    }

    /// Sends the file to the staged target: a `multipart/form-data` POST of the target's parameters, then the
    /// file. Re-sent on a 5xx, a 429 or a lost connection (the same key is written again: nothing doubles).
    async fn upload_staged(&self, target: &StagedUploadTarget, file: Bytes) -> Result<(), AdminError> {
        const LABEL: &str = "staged-upload";
        let url = url::Url::parse(&target.url)
            .map_err(|e| BulkError::Upload(format!("the upload target's URL is invalid: {e}")))?;
        if url.scheme() != "https" && !self.endpoint().is_development() {
            return Err(BulkError::Upload("refusing an upload target that is not https".to_owned()).into());
        }
        let (content_type, body) = multipart(target, &file)?;
        let meta =
            OpMeta { name: LABEL, kind: OperationKind::Mutation, writes: true, retry_safe: true, estimated_cost: 0 };
        // The signed form fields are credentials of the target: the log gets the URL and the file's size only.
        let logged = url.as_str().to_owned();
        let described = format!("{} bytes of JSONL", file.len());
        let retry = crate::retry::RetryConfig::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.check_policy(&meta)?;
            let started = Instant::now();
            let result = self
                .http()
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                .body(body.clone())
                .send()
                .await;
            let (status, failure) = match &result {
                Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
                Ok(r) => (Some(r.status().as_u16()), Some(format!("HTTP {}", r.status().as_u16()))),
                Err(e) => (None, Some(error_chain(e))),
            };
            self.report(&RequestRecord {
                shop: self.shop(),
                operation: LABEL,
                method: "POST",
                url: &logged,
                request_body: &described,
                status,
                request_id: None,
                cost: None,
                response_body: None,
                duration: started.elapsed(),
                attempt,
                failed: failure.is_some(),
                error: failure.clone(),
            });
            let retriable = match &result {
                Ok(r) => r.status().is_server_error() || r.status().as_u16() == 429,
                Err(_) => true,
            };
            match (result, failure) {
                (Ok(_), None) => return Ok(()),
                (Ok(response), Some(failure)) if !retriable || attempt >= retry.max_attempts => {
                    // Storage answers an XML error naming the reason (EntityTooLarge, an expired policy ...).
                    let text = response.text().await.unwrap_or_default();
                    let excerpt: String = text.chars().take(300).collect();
                    return Err(BulkError::Upload(format!("{failure}: {excerpt}")).into());
                }
                (Err(_), Some(failure)) if attempt >= retry.max_attempts => {
                    return Err(BulkError::Upload(failure).into());
                }
                _ => tokio::time::sleep(retry.backoff(attempt)).await,
            }
        }
    }
}

/// The form of a staged upload: the target's parameters in order, then the file (storage reads the fields
/// before the file, so `file` comes last). The boundary is random and checked against the file's bytes.
fn multipart(target: &StagedUploadTarget, file: &[u8]) -> Result<(String, Bytes), AdminError> {
    let boundary = loop {
        let candidate = format!("shopsync-{}", hex::encode(rand::random::<[u8; 16]>()));
        if !file.windows(candidate.len()).any(|window| window == candidate.as_bytes()) {
            break candidate;
        }
    };
    let mut body = Vec::with_capacity(file.len() + 2048);
    for parameter in &target.parameters {
        let bad = |text: &str| text.contains(['\r', '\n']) || text.contains('"');
        if bad(&parameter.name) || parameter.value.contains(['\r', '\n']) {
            return Err(BulkError::Upload(format!(
                "the upload target's parameter `{}` cannot be sent in a form",
                parameter.name.escape_debug()
            ))
            .into());
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n",
                parameter.name, parameter.value
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bulk_op_vars.jsonl\"\r\n\
             Content-Type: text/jsonl\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok((format!("multipart/form-data; boundary={boundary}"), Bytes::from(body)))
}

/// JSONL of variables: each value serialised on one line (JSON text never holds a raw line break).
pub fn jsonl_line<V: serde::Serialize>(variables: &V) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(variables)?;
    line.push(b'\n');
    Ok(line)
}

/// Decodes one result line's JSON as `D` (for callers that read rows themselves).
pub fn decode_line<D: DeserializeOwned>(value: serde_json::Value) -> Result<BulkMutationLine<D>, serde_json::Error> {
    let raw: RawLine<D> = serde_json::from_value(value)?;
    Ok(BulkMutationLine {
        line: raw.line_number,
        data: raw.data,
        errors: raw.errors.into_iter().map(|e| e.message).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::bulk::StagedUploadParameter;

    #[test]
    fn the_upload_limit_follows_the_api_version() {
        let version = |v: &str| ApiVersion::parse(v).unwrap();
        assert_eq!(max_bulk_upload_bytes(&version("2025-10")), 20 * 1024 * 1024);
        assert_eq!(max_bulk_upload_bytes(&version("2026-01")), 100 * 1024 * 1024);
        assert_eq!(max_bulk_upload_bytes(&version("unstable")), 100 * 1024 * 1024);
        assert!(!any_bulk_mutation(&version("2025-10")) && any_bulk_mutation(&version("2026-10")));
    }

    #[test]
    fn the_form_holds_every_parameter_before_the_file() {
        let target = StagedUploadTarget {
            url: "https://storage.example/".into(),
            resource_url: None,
            parameters: vec![
                StagedUploadParameter { name: "key".into(), value: "tmp/1/bulk/x/vars.jsonl".into() },
                StagedUploadParameter { name: "policy".into(), value: "abc".into() },
            ],
        };
        let (content_type, body) = multipart(&target, b"{\"a\":1}\n").unwrap();
        let boundary = content_type.split_once("boundary=").unwrap().1;
        let text = String::from_utf8(body.to_vec()).unwrap();
        let key = text.find("name=\"key\"").unwrap();
        let file = text.find("name=\"file\"").unwrap();
        assert!(key < text.find("name=\"policy\"").unwrap() && key < file);
        assert!(text.ends_with(&format!("{{\"a\":1}}\n\r\n--{boundary}--\r\n")), "{text}");
        let bad = StagedUploadTarget {
            parameters: vec![StagedUploadParameter { name: "x".into(), value: "a\r\nb".into() }],
            ..target
        };
        assert!(multipart(&bad, b"").is_err());
    }

    #[test]
    fn a_result_line_gives_its_input_line_data_and_errors() {
        let line: BulkMutationLine<serde_json::Value> =
            decode_line(serde_json::json!({"data": {"x": 1}, "__lineNumber": 3})).unwrap();
        assert_eq!((line.line, line.data, line.errors.len()), (3, Some(serde_json::json!({"x": 1})), 0));
        let failed: BulkMutationLine<serde_json::Value> =
            decode_line(serde_json::json!({"errors": [{"message": "boom"}], "__lineNumber": 0})).unwrap();
        assert_eq!((failed.data, failed.errors), (None, vec!["boom".to_string()]));
    }
}
