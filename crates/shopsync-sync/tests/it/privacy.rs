//! Shopify's privacy webhooks carried out on a store filled by a real customer sync against the simulator.

use shopify_sim::SimConfig;
use shopsync_store::{CustomerStore, JobTrigger, LogStore, MatchedBy, RequestLogFilter};
use shopsync_sync::NoProgress;
use shopsync_sync::customers::{CustomerSyncOptions, sync_customers};
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::privacy::{PrivacyRequest, carry_out};

use crate::Harness;
use crate::orders::complete_template;

async fn synced_customers(h: &Harness) {
    complete_template(h, "WEB").await;
    h.set("customer-template", "WEB").await;
    h.set("logging", "all").await;
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = CustomerSyncOptions { bulk: BulkChoice::Never };
    let flow = sync_customers(&shop, &options, &NoProgress);
    h.engine.run_job(&shop, "customers", JobTrigger::Manual, &NoProgress, flow).await.unwrap();
    h.engine.flush_logs().await;
}

#[tokio::test]
async fn customers_redact_removes_that_customers_personal_data_and_nobody_elses() {
    let h = Harness::start(SimConfig::default()).await;
    synced_customers(&h).await;
    let shopify = h.sim.control().customers();
    let mut created = Vec::new();
    for customer in &shopify {
        if let Some(link) = h.store.customer_link(h.shop.id, &customer.id).await.unwrap()
            && link.matched_by == MatchedBy::Created
        {
            created.push((customer.clone(), link));
        }
    }
    assert!(created.len() >= 2, "the demo store's customers were created in the back office");
    let (gone, gone_link) = &created[0];
    let (kept, kept_link) = &created[1];
    let logs_before =
        h.store.request_logs(&RequestLogFilter { limit: 100_000, ..RequestLogFilter::default() }).await.unwrap().len();
    assert!(!h.store.captures(h.shop.id, "customer", &gone.id).await.unwrap().is_empty(), "captured at sync");

    let numeric = gone.id.rsplit('/').next().unwrap();
    let body = serde_json::json!({
        "shop_id": 1,
        "shop_domain": h.shop.domain,
        "customer": { "id": numeric.parse::<u64>().unwrap(), "email": gone.email, "phone": null },
        "orders_to_redact": [],
    });
    let body = serde_json::to_vec(&body).unwrap();
    carry_out(h.store.as_ref(), h.shop.id, &h.shop.domain, PrivacyRequest::RedactCustomer, &body).await.unwrap();

    let redacted = h.store.customer_by_id(gone_link.customer_id).await.unwrap().unwrap();
    assert_eq!(redacted.name, "Redacted customer");
    assert!(redacted.email.is_none() && redacted.phone.is_none() && redacted.addresses.is_empty(), "{redacted:?}");
    assert!(!redacted.fields.is_empty(), "the back-office fields accounting needs stay");
    assert!(h.store.customer_link(h.shop.id, &gone.id).await.unwrap().is_none(), "the link is gone");
    assert!(h.store.captures(h.shop.id, "customer", &gone.id).await.unwrap().is_empty(), "captured data deleted");
    let logs = h.store.request_logs(&RequestLogFilter { limit: 100_000, ..RequestLogFilter::default() }).await.unwrap();
    assert!(logs.len() < logs_before, "the request log entries that held the customer are deleted");
    let mention = format!("\"{}\"", gone.id);
    assert!(
        logs.iter().all(|entry| !entry.response_body.as_deref().unwrap_or_default().contains(&mention)),
        "no entry left mentions the customer"
    );

    let other = h.store.customer_by_id(kept_link.customer_id).await.unwrap().unwrap();
    assert_ne!(other.name, "Redacted customer", "another customer is untouched");
    assert!(h.store.customer_link(h.shop.id, &kept.id).await.unwrap().is_some());
    assert!(!h.store.captures(h.shop.id, "customer", &kept.id).await.unwrap().is_empty());

    // Shopify may deliver the request again: nothing more is removed, nothing fails.
    carry_out(h.store.as_ref(), h.shop.id, &h.shop.domain, PrivacyRequest::RedactCustomer, &body).await.unwrap();
    let refused = carry_out(h.store.as_ref(), h.shop.id, &h.shop.domain, PrivacyRequest::RedactCustomer, b"{}").await;
    assert!(refused.unwrap_err().to_string().contains("names no customer"));
}

#[tokio::test]
async fn shop_redact_removes_every_customers_personal_data_the_captures_and_the_request_log() {
    let h = Harness::start(SimConfig::default()).await;
    synced_customers(&h).await;
    assert!(
        !h.store
            .request_logs(&RequestLogFilter { limit: 100_000, ..RequestLogFilter::default() })
            .await
            .unwrap()
            .is_empty()
    );
    let body = serde_json::to_vec(&serde_json::json!({ "shop_id": 1, "shop_domain": h.shop.domain })).unwrap();
    carry_out(h.store.as_ref(), h.shop.id, &h.shop.domain, PrivacyRequest::RedactShop, &body).await.unwrap();
    assert!(
        h.store
            .request_logs(&RequestLogFilter { limit: 100_000, ..RequestLogFilter::default() })
            .await
            .unwrap()
            .is_empty()
    );
    for customer in h.sim.control().customers() {
        assert!(h.store.customer_link(h.shop.id, &customer.id).await.unwrap().is_none());
        assert!(h.store.captures(h.shop.id, "customer", &customer.id).await.unwrap().is_empty());
    }
}
