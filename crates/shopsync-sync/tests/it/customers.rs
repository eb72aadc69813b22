//! `sync customers` against the simulator's demo store: created from the template, matched by email then phone,
//! updated from newer Shopify data, skipped with the template's missing fields, and never twice.

use shopify_sim::SimConfig;
use shopsync_store::{
    CatalogStore, CustomerQuery, CustomerStore, JobTrigger, LogStore, MatchedBy, NewCustomer, ShopStore,
};
use shopsync_sync::customers::{CustomerSyncOptions, SKIPPED_OBJECT, sync_customers};
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::{FlowSummary, NoProgress};

use crate::Harness;
use crate::orders::complete_template;

async fn sync(h: &Harness, bulk: BulkChoice) -> FlowSummary {
    let shop = h.engine.shop(&h.shop.domain).await.unwrap();
    let options = CustomerSyncOptions { bulk };
    let flow = sync_customers(&shop, &options, &NoProgress);
    h.engine.run_job(&shop, "customers", JobTrigger::Manual, &NoProgress, flow).await.unwrap()
}

#[tokio::test]
async fn customers_are_created_from_the_template_or_matched_never_twice() {
    let h = Harness::start(SimConfig::default()).await;
    complete_template(&h, "WEB").await;
    h.set("customer-template", "WEB").await;
    // Known to the back office already: one by email (other letter case), one by phone only.
    let anna = h
        .store
        .create_customer(&NewCustomer {
            name: "A. Schmidt".into(),
            email: Some(" Anna.Schmidt@Example.de".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let chloe = h
        .store
        .create_customer(&NewCustomer {
            name: "Chloe T.".into(),
            phone: Some("+1 416 555 0123".into()),
            ..Default::default()
        })
        .await
        .unwrap();

    let summary = sync(&h, BulkChoice::Auto).await;
    let shopify = h.sim.control().customers();
    assert_eq!(summary.notes.get("customers read"), Some(&shopify.len().to_string()));
    assert_eq!(summary.linked, 2, "{summary}");
    assert_eq!(summary.created as usize, shopify.len() - 2);
    let anna_link = h
        .store
        .customer_link(
            h.shop.id,
            &shopify.iter().find(|c| c.email.as_deref() == Some("anna.schmidt@example.de")).unwrap().id,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((anna_link.customer_id, anna_link.matched_by), (anna.id, MatchedBy::Email));
    let chloe_id = &shopify.iter().find(|c| c.first_name.as_deref() == Some("Chloe")).unwrap().id;
    let chloe_link = h.store.customer_link(h.shop.id, chloe_id).await.unwrap().unwrap();
    assert_eq!((chloe_link.customer_id, chloe_link.matched_by), (chloe.id, MatchedBy::Phone));
    let created =
        h.store.customers(&CustomerQuery { search: Some("lena".into()), ..Default::default() }).await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].fields.get("payment_terms_code").map(String::as_str), Some("PREPAID"), "from the template");
    assert!(!created[0].addresses.is_empty());
    assert!(!h.store.latest_captures(h.shop.id, Some("customer"), 1).await.unwrap().is_empty(), "captured");

    // Again, by pages and after a reset: nothing new.
    let again = sync(&h, BulkChoice::Never).await;
    assert_eq!((again.created, again.linked), (0, 0), "{again}");
    h.store.reset_cursor(h.shop.id, "customers", None).await.unwrap();
    let reset = sync(&h, BulkChoice::Auto).await;
    assert_eq!(reset.created, 0, "{reset}");
    let all = h.store.customers(&CustomerQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), shopify.len());
}

#[tokio::test]
async fn without_a_complete_template_customers_are_skipped_with_the_fields_to_fill() {
    let h = Harness::start(SimConfig::default()).await;
    let summary = sync(&h, BulkChoice::Never).await;
    assert_eq!(summary.created, 0);
    assert_eq!(summary.skipped as usize, h.sim.control().customers().len());
    assert!(summary.errors.contains_key("CUSTOMER_TEMPLATE_INCOMPLETE"));
    let skipped = h.store.skipped_records(h.shop.id, Some(SKIPPED_OBJECT)).await.unwrap();
    assert!(skipped[0].message.contains("customer-template"), "{}", skipped[0].message);

    complete_template(&h, "WEB").await;
    h.set("customer-template", "WEB").await;
    h.store.reset_cursor(h.shop.id, "customers", None).await.unwrap();
    let summary = sync(&h, BulkChoice::Never).await;
    assert_eq!(summary.skipped, 0);
    assert!(h.store.skipped_records(h.shop.id, Some(SKIPPED_OBJECT)).await.unwrap().is_empty(), "cleared once created");
}
