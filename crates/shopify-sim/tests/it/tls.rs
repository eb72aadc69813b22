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

#[tokio::test]
async fn webhooks_reach_an_https_receiver_with_a_self_signed_certificate() {
    use std::sync::Arc;

    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let _ = rustls::crypto::ring::default_provider().install_default();
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let certificate = CertificateDer::from(generated.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(generated.signing_key.serialize_der()));
    let server =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![certificate], key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<(String, Vec<u8>)>();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else { return };
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let sender = sender.clone();
                    async move {
                        let topic = request.headers()["x-shopify-topic"].to_str().unwrap_or_default().to_string();
                        let body = axum::body::to_bytes(axum::body::Body::new(request.into_body()), 1 << 20).await;
                        let _ = sender.send((topic, body.map(|body| body.to_vec()).unwrap_or_default()));
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(axum::body::Body::empty()))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let t = crate::support::spawn().await;
    let subscribed = crate::webhooks::subscribe(
        &t,
        "PRODUCTS_UPDATE",
        json!({ "callbackUrl": format!("https://localhost:{port}/hooks") }),
    )
    .await;
    assert_eq!(subscribed["userErrors"], json!([]));
    let product = t.sim.control().products()[0].id.clone();
    t.gql(
        "mutation Tag($id: ID!) { tagsAdd(id: $id, tags: [\"tls\"]) { userErrors { message } } }",
        json!({ "id": product }),
    )
    .await;
    let (topic, body) =
        tokio::time::timeout(std::time::Duration::from_secs(10), received.recv()).await.unwrap().unwrap();
    assert_eq!(topic, "products/update");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["admin_graphql_api_id"], product);
}
