use shopsync_core::ShopSettings;
use shopsync_store::{JobStatus, JobStore, JobTrigger, NewShop, ShopStore};
use shopsync_sync::scheduler::due_flows;

use crate::fresh_store;

#[tokio::test]
async fn flows_are_due_by_their_schedule_counting_from_the_last_run() {
    let (store, _dir) = fresh_store().await;
    let shop = store
        .add_shop(&NewShop { domain: "a.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap();
    let mut settings = ShopSettings::default();
    settings.set("schedule.customers", "off").unwrap();
    settings.set("sync-inventory", "off").unwrap();
    let now = jiff::Timestamp::now();

    // Nothing ran yet: every scheduled and switched-on flow is due, in dependency order.
    let due = due_flows(store.as_ref(), &shop, &settings, now).await.unwrap();
    assert_eq!(due.iter().map(|f| f.as_str()).collect::<Vec<_>>(), ["products", "orders", "fulfillments"]);

    // Orders just ran (and failed): not due again before its interval.
    let job = store.start_job(shop.id, "orders", JobTrigger::Schedule).await.unwrap();
    store.finish_job(job.id, JobStatus::Failed, "{}", Some("boom")).await.unwrap();
    let due = due_flows(store.as_ref(), &shop, &settings, jiff::Timestamp::now()).await.unwrap();
    assert_eq!(due.iter().map(|f| f.as_str()).collect::<Vec<_>>(), ["products", "fulfillments"]);
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(3)).unwrap();
    assert!(due_flows(store.as_ref(), &shop, &settings, later).await.unwrap().contains(&shopsync_core::Flow::Orders));
}

#[tokio::test]
async fn nothing_runs_in_the_background_when_background_sync_is_off() {
    let (store, _dir) = fresh_store().await;
    let shop = store
        .add_shop(&NewShop { domain: "a.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() })
        .await
        .unwrap();
    let mut settings = ShopSettings::default();
    settings.set("allow-background-sync", "off").unwrap();
    assert!(due_flows(store.as_ref(), &shop, &settings, jiff::Timestamp::now()).await.unwrap().is_empty());
    settings.set("allow-background-sync", "on").unwrap();
    settings.set("enabled", "off").unwrap();
    assert!(due_flows(store.as_ref(), &shop, &settings, jiff::Timestamp::now()).await.unwrap().is_empty());
}
