//! Staged uploads and bulk mutations: `stagedUploadsCreate` targets on the simulator, the upload
//! (form POST or PUT), `bulkOperationRunMutation` with one result line per input line (data and
//! userErrors, `__lineNumber`), its effect visible in the next query, and Shopify's user errors.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::support::{TestSim, spawn};

const STAGE: &str = r#"
mutation Stage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}
"#;

const RUN: &str = r#"
mutation Run($mutation: String!, $path: String!) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) {
    bulkOperation { id status type }
    userErrors { field message code }
  }
}
"#;

const PRODUCT_SET: &str = "mutation call($input: ProductSetInput!) { productSet(input: $input, synchronous: true) { \
                           product { id title } userErrors { field message code } } }";

/// Asks for one target; its url, the `key` parameter and all parameters.
async fn stage(t: &TestSim, method: &str) -> (String, String, Vec<(String, String)>) {
    let body = t
        .gql(
            STAGE,
            json!({ "input": { "resource": "BULK_MUTATION_VARIABLES", "filename": "bulk_op_vars.jsonl",
                               "mimeType": "text/jsonl", "httpMethod": method } }),
        )
        .await;
    let payload = &body["data"]["stagedUploadsCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let target = &payload["stagedTargets"][0];
    let parameters: Vec<(String, String)> = target["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["value"].as_str().unwrap().to_string()))
        .collect();
    let key = match method {
        "POST" => parameters.iter().find(|(name, _)| name == "key").unwrap().1.clone(),
        _ => {
            let resource = target["resourceUrl"].as_str().unwrap();
            resource.split_once("/staged-uploads/").unwrap().1.to_string()
        }
    };
    (target["url"].as_str().unwrap().to_string(), key, parameters)
}

/// Uploads as the official clients do: a multipart form of the parameters, then the file.
async fn post_form(t: &TestSim, url: &str, parameters: &[(String, String)], file: &str) -> reqwest::Response {
    let boundary = "----shopsync-test-boundary";
    let mut body = String::new();
    for (name, value) in parameters {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bulk_op_vars.jsonl\"\r\n\
         Content-Type: text/jsonl\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    t.http
        .post(url)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn wait_completed(t: &TestSim, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = t
            .gql(
                "query Read($id: ID!) { bulkOperation(id: $id) { status type url objectCount rootObjectCount errorCode } }",
                json!({ "id": id }),
            )
            .await;
        let operation = body["data"]["bulkOperation"].clone();
        if operation["status"] == "COMPLETED" || operation["status"] == "FAILED" {
            return operation;
        }
        assert!(Instant::now() < deadline, "bulk mutation stuck: {operation}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_bulk_mutation_runs_each_line_and_answers_one_result_line_each_with_user_errors() {
    let t = spawn().await;
    let (url, key, parameters) = stage(&t, "POST").await;
    assert!(url.starts_with(t.sim.base_url()), "{url}");
    assert!(key.contains("/bulk/"), "{key}");
    let file = [
        json!({ "input": { "title": "Bulk Alpha", "status": "ACTIVE" } }).to_string(),
        json!({ "input": { "vendor": "no title" } }).to_string(),
        String::new(),
        json!({ "input": { "title": "Bulk Gamma" } }).to_string(),
    ]
    .join("\n");
    let uploaded = post_form(&t, &url, &parameters, &file).await;
    assert_eq!(uploaded.status(), 201);
    assert!(uploaded.text().await.unwrap().contains(&format!("<Key>{key}</Key>")));

    crate::support::assert_valid(PRODUCT_SET);
    let body = t.gql(RUN, json!({ "mutation": PRODUCT_SET, "path": key })).await;
    let payload = &body["data"]["bulkOperationRunMutation"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["bulkOperation"]["type"], "MUTATION");
    let id = payload["bulkOperation"]["id"].as_str().unwrap().to_string();

    let operation = wait_completed(&t, &id).await;
    assert_eq!(operation["status"], "COMPLETED", "{operation}");
    assert_eq!(operation["objectCount"], "3");
    let text = reqwest::get(operation["url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    let numbers: Vec<&Value> = lines.iter().map(|line| &line["__lineNumber"]).collect();
    assert_eq!(numbers, [&json!(0), &json!(1), &json!(3)], "numbered as the input's lines");
    assert_eq!(lines[0]["data"]["productSet"]["product"]["title"], "Bulk Alpha");
    assert_eq!(lines[0]["data"]["productSet"]["userErrors"], json!([]));
    assert_eq!(lines[1]["data"]["productSet"]["product"], Value::Null);
    assert_eq!(lines[1]["data"]["productSet"]["userErrors"][0]["field"], json!(["input", "title"]), "{text}");
    assert!(lines.iter().all(|line| line.get("errors").is_none()), "{text}");

    // The effect is visible in the next query.
    let found = t.gql("query Find { products(first: 5, query: \"title:Bulk*\") { nodes { title } } }", json!({})).await;
    let titles: Vec<&str> =
        found["data"]["products"]["nodes"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2, "{found}");
    assert!(titles.contains(&"Bulk Alpha") && titles.contains(&"Bulk Gamma"), "{found}");
}

#[tokio::test]
async fn a_put_upload_works_and_bad_requests_get_shopifys_user_errors() {
    let t = spawn().await;
    let (url, key, _) = stage(&t, "PUT").await;
    let put = t.http.put(&url).body("{\"input\":{\"title\":\"Put One\"}}\n").send().await.unwrap();
    assert_eq!(put.status(), 200);
    let body = t.gql(RUN, json!({ "mutation": PRODUCT_SET, "path": key })).await;
    let id = body["data"]["bulkOperationRunMutation"]["bulkOperation"]["id"].as_str().unwrap().to_string();
    assert_eq!(wait_completed(&t, &id).await["objectCount"], "1");

    let missing = t.gql(RUN, json!({ "mutation": PRODUCT_SET, "path": "tmp/1/bulk/nope/vars.jsonl" })).await;
    let errors = &missing["data"]["bulkOperationRunMutation"]["userErrors"];
    assert_eq!(errors[0]["code"], "NO_SUCH_FILE", "{missing}");
    assert_eq!(errors[0]["field"], json!(["stagedUploadPath"]));

    let query = t.gql(RUN, json!({ "mutation": "query { shop { name } }", "path": key })).await;
    assert_eq!(query["data"]["bulkOperationRunMutation"]["userErrors"][0]["code"], "INVALID_MUTATION", "{query}");

    let (url, key, parameters) = stage(&t, "POST").await;
    assert_eq!(post_form(&t, &url, &parameters, "not json\n").await.status(), 201);
    let bad = t.gql(RUN, json!({ "mutation": PRODUCT_SET, "path": key })).await;
    assert_eq!(bad["data"]["bulkOperationRunMutation"]["userErrors"][0]["code"], "INVALID_STAGED_UPLOAD_FILE", "{bad}");

    // Only targets the simulator issued take files.
    let forged = post_form(&t, &url, &[("key".to_string(), "tmp/1/bulk/forged/x.jsonl".to_string())], "{}").await;
    assert_eq!(forged.status(), 403);
}
