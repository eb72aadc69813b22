//! Sending one delivery: headers, signature, timeouts, retries with backoff, the duplicate fault.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use tokio::sync::{oneshot, watch};

use super::{Delivery, DeliveryStatus, uuid};
use crate::state::SimState;
use crate::store::format_time;

/// Shopify's delivery timeouts: 1 s to connect, 5 s for the whole request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client for deliveries: Shopify's timeouts, no proxy (deliveries go to loopback
/// addresses only), and no certificate check (a loopback receiver in a test has a self-signed
/// certificate). `None` only if TLS cannot be set up at all, which leaves deliveries failing
/// with a message saying so.
pub(super) fn client() -> Option<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|error| tracing::warn!(%error, "webhook delivery client cannot be built"))
        .ok()
}

/// Base64 HMAC-SHA256 of the raw body with the client secret (`X-Shopify-Hmac-Sha256`).
pub(crate) fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Runs every attempt of one delivery. `wait_for` holds it back (out-of-order fault) until a later
/// delivery's first attempt signals `release`.
pub(super) async fn deliver(
    state: Arc<SimState>,
    delivery: Delivery,
    wait_for: Option<oneshot::Receiver<()>>,
    mut release: Option<oneshot::Sender<()>>,
    duplicate: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let config = state.webhooks.config();
    if let Some(wait_for) = wait_for {
        let _ = tokio::time::timeout(Duration::from_millis(config.out_of_order_hold_ms), wait_for).await;
    }
    let max_attempts = config.max_attempts.max(1);
    for attempt in 1..=max_attempts {
        let outcome = attempt_once(&state, &delivery).await;
        if let Some(release) = release.take() {
            let _ = release.send(());
        }
        let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
        let last = attempt == max_attempts;
        {
            let mut log = state.webhooks.log.lock();
            if let Some(record) = log.get_mut(delivery.log_sequence) {
                record.attempts = attempt;
                match &outcome {
                    Ok(status) => {
                        record.last_response_status = Some(*status);
                        record.last_error = (!delivered).then(|| format!("the receiver answered HTTP {status}"));
                    }
                    Err(error) => {
                        record.last_response_status = None;
                        record.last_error = Some(error.clone());
                    }
                }
                record.status = match (delivered, last) {
                    (true, _) => DeliveryStatus::Delivered,
                    (false, true) => DeliveryStatus::Failed,
                    (false, false) => DeliveryStatus::Retrying,
                };
                if delivered {
                    record.delivered_at = Some(format_time(jiff::Timestamp::now()));
                }
            }
        }
        if delivered {
            if duplicate && !delivery.duplicate {
                send_duplicate(&state, &delivery, &shutdown);
            }
            return;
        }
        if last {
            tracing::info!(topic = %delivery.topic, url = %delivery.url, "webhook delivery failed {max_attempts} times");
            if config.delete_subscription_after_final_failure {
                state.store.write().webhooks.items.remove(&delivery.subscription_id);
            }
            return;
        }
        let exponent = (attempt - 1).min(30);
        let delay = config.first_retry_delay_ms.saturating_mul(1u64 << exponent).min(config.max_retry_delay_ms);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(delay)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Sends the same event again as a new delivery (new webhook id, same event id and body).
fn send_duplicate(state: &Arc<SimState>, delivery: &Delivery, shutdown: &watch::Receiver<bool>) {
    let record = {
        let mut log = state.webhooks.log.lock();
        let Some(original) = log.get_mut(delivery.log_sequence).cloned() else {
            return;
        };
        let mut record = original;
        record.webhook_id = uuid();
        record.status = DeliveryStatus::Pending;
        record.attempts = 0;
        record.last_response_status = None;
        record.last_error = None;
        record.duplicate = true;
        record.reordered = false;
        record.delivered_at = None;
        let webhook_id = record.webhook_id.clone();
        (log.push(record), webhook_id)
    };
    let copy = Delivery {
        log_sequence: record.0,
        subscription_id: delivery.subscription_id,
        topic: delivery.topic.clone(),
        url: delivery.url.clone(),
        api_version: delivery.api_version.clone(),
        name: delivery.name.clone(),
        webhook_id: record.1,
        event_id: delivery.event_id.clone(),
        triggered_at: delivery.triggered_at.clone(),
        body: delivery.body.clone(),
        duplicate: true,
    };
    tokio::spawn(deliver(state.clone(), copy, None, None, false, shutdown.clone()));
}

/// One POST; the HTTP status, or why there was none.
async fn attempt_once(state: &SimState, delivery: &Delivery) -> Result<u16, String> {
    let Some(client) = &state.webhooks.client else {
        return Err("the simulator could not set up its HTTP client for deliveries".to_string());
    };
    let signature = sign(state.client_secret.expose_secret().as_bytes(), &delivery.body);
    let mut request = client
        .post(delivery.url.clone())
        .header("Content-Type", "application/json")
        .header("User-Agent", "Shopify-Captain-Hook")
        .header("X-Shopify-Topic", &delivery.topic)
        .header("X-Shopify-Hmac-Sha256", signature)
        .header("X-Shopify-Shop-Domain", &state.shop_domain)
        .header("X-Shopify-API-Version", &delivery.api_version)
        .header("X-Shopify-Webhook-Id", &delivery.webhook_id)
        .header("X-Shopify-Triggered-At", &delivery.triggered_at)
        .header("X-Shopify-Event-Id", &delivery.event_id)
        .body(delivery.body.clone());
    if let Some(name) = &delivery.name {
        request = request.header("X-Shopify-Name", name);
    }
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) if error.is_timeout() => Err(format!("no answer within the timeout ({error})")),
        Err(error) if error.is_connect() => Err(format!("cannot connect ({error})")),
        Err(error) => Err(error.to_string()),
    }
}

/// Accepts any server certificate. Used only for deliveries, which only go to loopback
/// addresses (see [`super::Endpoint::loopback_url`]).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_match_the_known_answer_vectors() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/shopify/hmac_vectors.json"))
                .expect("fixtures/shopify/hmac_vectors.json");
        let vectors: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut checked = 0;
        for vector in vectors["webhook_body_hmac"]["vectors"].as_array().expect("vectors") {
            let (Some(secret), Some(body), Some(expected)) =
                (vector["secret"].as_str(), vector["body"].as_str(), vector["expected_hmac_base64"].as_str())
            else {
                continue;
            };
            assert_eq!(super::sign(secret.as_bytes(), body.as_bytes()), expected, "{}", vector["source"]);
            checked += 1;
        }
        assert!(checked >= 3, "only {checked} vectors checked");
    }
}
