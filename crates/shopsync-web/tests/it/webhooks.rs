//! `POST /webhooks/shopify` and `GET /health`: refusals, dedupe, coalescing and the work done after the answer.

use shopify_sim::faults::Faults;
use shopify_sim::{Seed, SimConfig};
use shopsync_store::{AccessStatus, OrderStore, ShopStore, WebhookEventInput};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{SECRET, Server, sign, wait_until};

fn empty() -> SimConfig {
    SimConfig { seed: Seed::Empty, ..SimConfig::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_ok_as_json() {
    let server = Server::start(empty()).await;
    let answer = server.http.get(format!("{}/health", server.url)).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_signed_with_another_secret_is_refused_and_nothing_is_stored() {
    let server = Server::start(empty()).await;
    let answer = server.deliver("orders/create", "e-1", br#"{"id":1}"#, "not-the-secret").await;
    assert_eq!(answer.status(), 401);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("does not match"), "{body}");
    assert!(!body.to_string().contains(SECRET));
    // A body changed after signing is refused the same way.
    let answer = server
        .http
        .post(format!("{}/webhooks/shopify", server.url))
        .header("X-Shopify-Topic", "orders/create")
        .header("X-Shopify-Shop-Domain", server.shop.domain.as_str())
        .header("X-Shopify-Hmac-Sha256", sign(SECRET, br#"{"id":1}"#))
        .header("X-Shopify-Event-Id", "e-2")
        .body(r#"{"id":2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(server.events().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_without_shopify_headers_is_refused() {
    let server = Server::start(empty()).await;
    let body = br#"{"id":1}"#;
    let all = [
        ("X-Shopify-Topic", "orders/create".to_string()),
        ("X-Shopify-Shop-Domain", server.shop.domain.clone()),
        ("X-Shopify-Hmac-Sha256", sign(SECRET, body)),
        ("X-Shopify-Event-Id", "e-1".to_string()),
    ];
    for left_out in 0..all.len() {
        let mut request = server.http.post(format!("{}/webhooks/shopify", server.url)).body(body.to_vec());
        for (n, (name, value)) in all.iter().enumerate() {
            if n != left_out {
                request = request.header(*name, value);
            }
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 401, "without {}", all[left_out].0);
    }
    assert_eq!(server.events().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_one_megabyte_is_refused_by_its_length_before_it_is_sent() {
    let server = Server::start(empty()).await;
    // Only the headers are sent: the answer must come without the server waiting for the 2 MB announced.
    let mut stream = tokio::net::TcpStream::connect(server.url.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /webhooks/shopify HTTP/1.1\r\nHost: localhost\r\nX-Shopify-Topic: orders/create\r\n\
         X-Shopify-Shop-Domain: {}\r\nX-Shopify-Hmac-Sha256: AAAA\r\nContent-Length: 2000000\r\n\r\n",
        server.shop.domain
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chunked_body_over_one_megabyte_is_refused() {
    let server = Server::start(empty()).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let answer = server
        .http
        .post(format!("{}/webhooks/shopify", server.url))
        .header("X-Shopify-Topic", "orders/create")
        .header("X-Shopify-Shop-Domain", server.shop.domain.as_str())
        .header("X-Shopify-Hmac-Sha256", "AAAA")
        .header("X-Shopify-Event-Id", "e-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    assert_eq!(server.events().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_for_a_shop_not_connected_is_acknowledged_and_nothing_is_stored() {
    let server = Server::start(empty()).await;
    let body = br#"{"id":1}"#;
    let answer = server
        .http
        .post(format!("{}/webhooks/shopify", server.url))
        .header("X-Shopify-Topic", "orders/create")
        .header("X-Shopify-Shop-Domain", "someone-else.myshopify.com")
        .header("X-Shopify-Hmac-Sha256", sign(SECRET, body))
        .header("X-Shopify-Event-Id", "e-1")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "unknown shop");
    assert_eq!(server.events().await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_delivery_is_stored_once_and_runs_the_flow_once() {
    let server = Server::start(empty()).await;
    let body = br#"{"id":1}"#;
    let first = server.deliver("orders/create", "event-1", body, SECRET).await;
    let second = server.deliver("orders/create", "event-1", body, SECRET).await;
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(second.json::<serde_json::Value>().await.unwrap()["status"], "duplicate");
    wait_until("the event is processed", || async { server.events().await == (1, 1) }).await;
    server.intake.finish().await;
    assert_eq!(server.webhook_jobs("orders").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_deliveries_during_a_run_make_one_more_run_not_ten() {
    // Each GraphQL request takes 300 ms, so the first run is still going when the ten arrive.
    let server = Server::start(SimConfig { faults: Faults { latency_ms: 300, ..Faults::default() }, ..empty() }).await;
    let answer = server.deliver("customers/create", "first", br#"{"id":1}"#, SECRET).await;
    assert_eq!(answer.status(), 200);
    let running = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE trigger = 'webhook' AND status = 'running'")
            .fetch_one(&server.db)
            .await
            .unwrap()
            == 1
    };
    wait_until("the first run is going", running).await;
    for n in 0..10 {
        let answer = server.deliver("customers/update", &format!("during-{n}"), br#"{"id":1}"#, SECRET).await;
        assert_eq!(answer.status(), 200);
    }
    wait_until("every event is processed", || async { server.events().await == (11, 11) }).await;
    server.intake.finish().await;
    assert_eq!(server.webhook_jobs("customers").await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn app_uninstalled_marks_the_shop_as_needing_access() {
    let server = Server::start(empty()).await;
    let answer = server.deliver("app/uninstalled", "bye", br#"{"id":1}"#, SECRET).await;
    assert_eq!(answer.status(), 200);
    wait_until("the event is processed", || async { server.events().await == (1, 1) }).await;
    let shop = server.store.shop(&server.shop.domain).await.unwrap().unwrap();
    assert_eq!(shop.access_status, AccessStatus::NeedsAccess);
    assert!(shop.access_error.unwrap().contains("uninstalled"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_stored_but_not_processed_is_run_when_the_intake_resumes() {
    let server = Server::start(empty()).await;
    // As if serve had stopped right after answering it.
    let event = WebhookEventInput { event_id: "left".into(), topic: "orders/updated".into(), ..Default::default() };
    assert!(server.store.record_webhook_event(server.shop.id, &event).await.unwrap());
    assert_eq!(server.intake.resume().await.unwrap(), 1);
    wait_until("the event is processed", || async { server.events().await == (1, 1) }).await;
    server.intake.finish().await;
    assert_eq!(server.webhook_jobs("orders").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_level_updates_are_stored_and_run_nothing_yet() {
    let server = Server::start(empty()).await;
    let answer = server.deliver("inventory_levels/update", "stock", br#"{"available":3}"#, SECRET).await;
    assert_eq!(answer.status(), 200);
    wait_until("the event is processed", || async { server.events().await == (1, 1) }).await;
    server.intake.finish().await;
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(&server.db).await.unwrap();
    assert_eq!(jobs, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_while_its_flow_runs_elsewhere_runs_once_that_run_ended() {
    use shopsync_store::{JobProcess, JobStatus, JobStore, JobTrigger};
    let server = Server::start(empty()).await;
    // A scheduled order sync of another serve, alive (its heartbeat is fresh).
    let elsewhere = JobProcess { host: "another-machine".into(), pid: 4242, started: None };
    let job = server
        .store
        .start_job_exclusive(server.shop.id, "orders", JobTrigger::Schedule, &elsewhere)
        .await
        .unwrap()
        .expect("no order sync runs yet");
    let answer = server.deliver("orders/create", "during-schedule", br#"{"id":1}"#, SECRET).await;
    assert_eq!(answer.status(), 200);
    // The webhook's run is refused while the other one goes on, and the event waits for it.
    assert_eq!(server.events().await, (1, 0));
    server.store.finish_job(job.id, JobStatus::Succeeded, "{}", None).await.unwrap();
    wait_until("the event is processed", || async { server.events().await == (1, 1) }).await;
    server.intake.finish().await;
    assert_eq!(server.webhook_jobs("orders").await, 1);
}

#[tokio::test]
async fn a_customers_redact_delivery_is_carried_out_before_it_is_answered() {
    use shopsync_store::{CaptureInput, LogStore};
    let server = Server::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await;
    let captured = |id: &str, email: &str| CaptureInput {
        object_type: "customer".into(),
        object_id: format!("gid://shopify/Customer/{id}"),
        payload: format!(r#"{{"id":"gid://shopify/Customer/{id}","email":"{email}"}}"#),
    };
    let items = [captured("191167", "john@example.com"), captured("5", "other@example.com")];
    server.store.capture(server.shop.id, &items).await.unwrap();

    let body = br#"{"shop_id":954889,"shop_domain":"x.myshopify.com","customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263]}"#;
    let answer = server.deliver("customers/redact", "redact-1", body, SECRET).await;
    assert_eq!(answer.status(), 200);
    // No waiting: the answer came after the redaction.
    let gone = server.store.captures(server.shop.id, "customer", "gid://shopify/Customer/191167").await.unwrap();
    assert!(gone.is_empty(), "the customer's captured data is deleted before the 200");
    let kept = server.store.captures(server.shop.id, "customer", "gid://shopify/Customer/5").await.unwrap();
    assert_eq!(kept.len(), 1, "another customer's data stays");

    // A body that is not Shopify's: nothing is done, and the 500 makes Shopify deliver it again.
    let answer = server.deliver("customers/redact", "redact-2", b"not json", SECRET).await;
    assert_eq!(answer.status(), 500);
    assert_eq!(server.events().await.0, 1, "the refused delivery is not stored, so its retry is not a duplicate");
}
