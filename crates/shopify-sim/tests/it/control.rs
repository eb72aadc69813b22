//! The `/_sim/` control surface as a server on a developer's machine: a web page the developer
//! visits must not be able to change the store, directly or through DNS rebinding.

use reqwest::header::{CONTENT_TYPE, HOST};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::support::{VERSION, spawn};

const SHOP_NAME: &str = "query ShopName { shop { name } }";

#[tokio::test]
async fn a_cross_site_form_post_cannot_change_the_store() {
    let t = spawn().await;
    let base = t.sim.base_url().to_string();
    // What a page on any site can send without the browser asking first: text/plain, a form, or
    // no body at all.
    let text = t
        .http
        .post(format!("{base}/_sim/app/uninstall"))
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    let message = text.text().await.unwrap();
    assert!(message.contains("application/json"), "says what to send: {message}");
    let form = t
        .http
        .put(format!("{base}/_sim/faults"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("token_revoked=true")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let bare = t.http.post(format!("{base}/_sim/orders/1001/cancel")).send().await.unwrap();
    assert_eq!(bare.status(), 415);

    // The app is still installed, the store unchanged.
    let answer = t.post_json(json!({ "query": SHOP_NAME })).await;
    assert_eq!(answer.status(), 200);
    assert!(!t.sim.control().order("#1001").unwrap().cancelled);

    // The same requests sent as JSON are served.
    let json_body = t.http.post(format!("{base}/_sim/app/uninstall")).json(&json!({})).send().await.unwrap();
    assert_eq!(json_body.status(), 204);
    assert_eq!(t.post_json(json!({ "query": SHOP_NAME })).await.status(), 401);
}

#[tokio::test]
async fn the_control_surface_answers_only_to_its_own_host_names() {
    let t = spawn().await;
    let stats = format!("{}/_sim/stats", t.sim.base_url());
    let port = t.sim.local_addr().port();
    // DNS rebinding: a page of attacker.example whose name now resolves to 127.0.0.1.
    let rebound = t.http.get(&stats).header(HOST, format!("attacker.example:{port}")).send().await.unwrap();
    assert_eq!(rebound.status(), 421);
    let message = rebound.text().await.unwrap();
    assert!(message.contains("127.0.0.1") && message.contains("localhost"), "{message}");
    let rebound_write = t
        .http
        .put(format!("{}/_sim/faults", t.sim.base_url()))
        .header(HOST, "attacker.example")
        .json(&json!({ "token_revoked": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound_write.status(), 421);
    assert!(!t.sim.control().faults().token_revoked);

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".to_string(),
        format!("{}:{port}", t.sim.shop_domain()),
    ] {
        let response = t.http.get(&stats).header(HOST, &host).send().await.unwrap();
        assert_eq!(response.status(), 200, "Host: {host}");
        let body: Value = response.json().await.unwrap();
        assert!(body["graphql_requests"].is_number(), "{body}");
    }

    // The Admin API itself is guarded by its token, as Shopify's is, whatever the Host.
    let admin = t
        .http
        .post(t.sim.graphql_url(VERSION))
        .header(HOST, "attacker.example")
        .header("X-Shopify-Access-Token", t.sim.access_token().expose_secret())
        .json(&json!({ "query": SHOP_NAME }))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200);
}
