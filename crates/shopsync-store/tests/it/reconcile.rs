use shopsync_store::{ReconcileDifference, ReconcileRunInput};

use super::fresh_store;
use super::shops::new_shop;

fn difference(kind: &str, key: &str, status: &str) -> ReconcileDifference {
    ReconcileDifference {
        kind: kind.into(),
        key: key.into(),
        shopify_id: Some("gid://shopify/ProductVariant/1".into()),
        back_office: Some("49.00".into()),
        shopify: None,
        status: status.into(),
    }
}

#[tokio::test]
async fn the_last_reconcile_run_comes_back_with_its_differences_in_the_order_found() {
    let (store, _dir) = fresh_store().await;
    let shop = store.add_shop(&new_shop("a.myshopify.com")).await.unwrap();
    let other = store.add_shop(&new_shop("b.myshopify.com")).await.unwrap();
    assert_eq!(store.last_reconcile_run(shop.id).await.unwrap(), None);
    let mut run = ReconcileRunInput {
        shop_id: shop.id,
        mode: "report".into(),
        trigger: "manual".into(),
        started_at: "2026-12-03T20:00:00.000000Z".into(),
        finished_at: "2026-12-03T20:00:02.500000Z".into(),
        requests: 4,
        points: 13,
        differences: vec![difference("price-differs", "B", "open"), difference("link-broken", "A", "open")],
    };
    store.save_reconcile_run(&run).await.unwrap();
    run.mode = "fix".into();
    run.differences = vec![difference("link-broken", "A", "left")];
    let id = store.save_reconcile_run(&run).await.unwrap();

    let last = store.last_reconcile_run(shop.id).await.unwrap().expect("a run");
    assert_eq!((last.id, last.mode.as_str(), last.requests, last.points), (id, "fix", 4, 13));
    assert_eq!(
        (last.started_at.as_str(), last.finished_at.as_str()),
        (run.started_at.as_str(), run.finished_at.as_str())
    );
    assert_eq!(last.differences, run.differences);
    assert_eq!(store.last_reconcile_run(other.id).await.unwrap(), None, "runs are per shop");
}
