//! The HTTPS listener: a self-signed certificate made for the test, a client that trusts it.

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shopify_sim::{SimConfig, Simulator, TlsFiles};

#[tokio::test]
async fn the_simulator_serves_https_to_a_client_that_trusts_its_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("certificate");
    let directory = tempfile::tempdir().unwrap();
    let certificate = directory.path().join("cert.pem");
    let private_key = directory.path().join("key.pem");
    std::fs::write(&certificate, generated.cert.pem()).unwrap();
    std::fs::write(&private_key, generated.signing_key.serialize_pem()).unwrap();

    let config = SimConfig { tls: Some(TlsFiles { certificate, private_key }), ..SimConfig::default() };
    let sim = Simulator::start(config).await.expect("simulator starts with TLS");
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));

    let trusted = reqwest::Certificate::from_pem(generated.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder().tls_certs_only([trusted]).build().unwrap();
    let body: Value = client
        .post(sim.graphql_url("2026-10"))
        .header("X-Shopify-Access-Token", sim.access_token().expose_secret())
        .json(&json!({ "query": "{ shop { myshopifyDomain } }" }))
        .send()
        .await
        .expect("HTTPS request is answered")
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["shop"]["myshopifyDomain"], sim.shop_domain());

    // A client that does not trust the certificate cannot talk to it.
    let untrusting = reqwest::Client::builder().tls_certs_only([]).build().unwrap();
    let refused = untrusting.get(format!("{}/_sim/stats", sim.base_url())).send().await;
    assert!(refused.is_err(), "an untrusted certificate is refused");
    sim.shutdown().await;
}
