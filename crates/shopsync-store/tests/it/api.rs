//! The back-office API's area: tokens by name and public id, revocation, idempotent answers, and the feeds with
//! their acknowledged positions.

use shopsync_store::{
    Feed, IdempotencyClaim, ItemInput, NewApiToken, NewCustomer, NewShipment, ShipmentLineInput, ShipmentQuery,
    StoreError, StoredAnswer, VariantInput, WriteOutcome, under_idempotency_key,
};

use super::fresh_store;
use super::orders::{add_shop, line, order, sales_order, synced};

fn token(name: &str, public_id: &str) -> NewApiToken {
    NewApiToken {
        name: name.into(),
        public_id: public_id.into(),
        secret_hash: "ab".repeat(32),
        scopes: vec!["read".into(), "write".into()],
    }
}

#[tokio::test]
async fn a_token_is_found_by_its_public_id_and_one_live_token_holds_a_name() {
    let (store, _dir) = fresh_store().await;
    let created = store.create_api_token(&token("erp", "p1")).await.unwrap();
    assert_eq!(created.scopes, ["read", "write"]);
    assert!(created.revoked_at.is_none());
    let found = store.api_token_by_public_id("p1").await.unwrap().unwrap();
    assert_eq!(found, created);
    assert!(store.api_token_by_public_id("p2").await.unwrap().is_none());

    let again = store.create_api_token(&token("erp", "p2")).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");

    assert!(store.revoke_api_token("erp").await.unwrap());
    assert!(!store.revoke_api_token("erp").await.unwrap(), "nothing left to revoke");
    assert!(store.api_token_by_public_id("p1").await.unwrap().unwrap().revoked_at.is_some());
    // The name is free again once its token is revoked; the revoked one stays listed.
    store.create_api_token(&token("erp", "p2")).await.unwrap();
    let listed = store.api_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|t| t.revoked_at.is_none()).count(), 1);

    store.touch_api_token(created.id).await.unwrap();
    assert!(store.api_token_by_public_id("p1").await.unwrap().unwrap().last_used_at.is_some());
}

#[tokio::test]
async fn the_first_answer_kept_for_a_key_wins_and_old_answers_are_purged() {
    let (store, _dir) = fresh_store().await;
    let answer = |status, body: &str| StoredAnswer {
        request_hash: "h1".into(),
        status,
        response: body.into(),
        created_at: String::new(),
        outcome: None,
    };
    assert!(store.idempotent_answer("erp", "k1").await.unwrap().is_none());
    store.save_idempotent_answer("erp", "k1", &answer(200, "{\"a\":1}")).await.unwrap();
    store.save_idempotent_answer("erp", "k1", &answer(422, "{}")).await.unwrap();
    let kept = store.idempotent_answer("erp", "k1").await.unwrap().unwrap();
    assert_eq!((kept.status, kept.response.as_str(), kept.request_hash.as_str()), (200, "{\"a\":1}", "h1"));
    // Keys belong to their consumer.
    assert!(store.idempotent_answer("wms", "k1").await.unwrap().is_none());

    assert_eq!(store.purge_idempotent_answers("2000-01-01T00:00:00.000000Z").await.unwrap(), 0);
    assert_eq!(store.purge_idempotent_answers("9999-01-01T00:00:00.000000Z").await.unwrap(), 1);
    assert!(store.idempotent_answer("erp", "k1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_write_under_an_idempotency_key_commits_with_its_key_and_a_kept_key_refuses_the_write() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let input = sales_order(vec![line(1, "A", 3)]);
    let so = store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &input).await.unwrap().sales_order().clone();
    let shipment = NewShipment {
        sales_order_id: so.id,
        lines: vec![ShipmentLineInput { sales_order_line_id: so.lines[0].id, quantity: 1 }],
        ..Default::default()
    };
    let claim = |key: &str| IdempotencyClaim { consumer: "erp".into(), key: key.into(), request_hash: "h1".into() };
    let shipped = async || {
        let query = ShipmentQuery { sales_order_id: Some(so.id), ..Default::default() };
        let count = store.shipments(&query).await.unwrap().len();
        let so = store.sales_order_by_id(so.id).await.unwrap().unwrap();
        (count, so.lines[0].quantity_shipped)
    };

    // The write keeps its key, with what it did, in its own transaction.
    let first = under_idempotency_key(claim("k1"), store.create_shipment(&shipment)).await.unwrap();
    let kept = store.idempotent_answer("erp", "k1").await.unwrap().expect("the key is kept with its write");
    assert_eq!(kept.request_hash, "h1");
    assert_eq!(kept.outcome, Some(WriteOutcome::Shipment(Box::new(first.clone()))));
    assert_eq!(shipped().await, (1, 1));

    // The same key again (a retry that missed the answer): refused, and nothing is written a second time.
    let again = under_idempotency_key(claim("k1"), store.create_shipment(&shipment)).await.unwrap_err();
    assert!(matches!(again, StoreError::KeyUsed { ref key } if key == "k1"), "{again}");
    assert_eq!(shipped().await, (1, 1), "the refused write left nothing behind");

    // A key kept before the write began (another request of the consumer took it) refuses the write as a whole.
    let refusal = StoredAnswer {
        request_hash: "h2".into(),
        status: 422,
        response: "{}".into(),
        created_at: String::new(),
        outcome: None,
    };
    store.save_idempotent_answer("erp", "k2", &refusal).await.unwrap();
    let taken = under_idempotency_key(claim("k2"), store.create_shipment(&shipment)).await.unwrap_err();
    assert!(matches!(taken, StoreError::KeyUsed { .. }), "{taken}");
    assert_eq!(shipped().await, (1, 1));
    assert_eq!(store.idempotent_answer("erp", "k2").await.unwrap().unwrap().outcome, None, "the first kept wins");

    // Catalog writes keep their key and outcome the same way; writes outside a key keep none.
    let item = ItemInput {
        number: "1000".into(),
        name: "Shirt".into(),
        inventory_tracked: true,
        variants: vec![VariantInput { code: "A".into(), sku: "A".into(), ..Default::default() }],
        ..Default::default()
    };
    let upserted = under_idempotency_key(claim("k3"), store.upsert_items(std::slice::from_ref(&item))).await.unwrap();
    let kept = store.idempotent_answer("erp", "k3").await.unwrap().unwrap();
    assert_eq!(kept.outcome, Some(WriteOutcome::Items(upserted)));
    let renamed = ItemInput { name: "Shirt, blue".into(), ..item };
    let refused = under_idempotency_key(claim("k3"), store.upsert_items(std::slice::from_ref(&renamed))).await;
    assert!(matches!(refused, Err(StoreError::KeyUsed { .. })));
    assert_eq!(store.item("1000").await.unwrap().unwrap().name, "Shirt", "the refused upsert wrote nothing");
    store.upsert_items(&[renamed]).await.unwrap();
    assert!(store.idempotent_answer("erp", "k4").await.unwrap().is_none());
}

#[tokio::test]
async fn the_sales_order_feed_gives_each_change_once_in_order_and_a_changed_order_again() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    assert_eq!(store.feed_head(Feed::SalesOrders).await.unwrap(), 0);
    for n in 1..=3 {
        let so = sales_order(vec![line(1, "A", 1), line(2, "B", 2)]);
        store.save_order_evaluation(shop, &synced(order(n, "2026-11-02T10:00:00Z"), so)).await.unwrap();
    }
    let page = store.sales_order_feed(0, 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.record.number.as_str()).collect::<Vec<_>>(), ["SO-000001", "SO-000002"]);
    assert_eq!(page[0].record.lines.len(), 2, "lines come with the order");
    let rest = store.sales_order_feed(page[1].seq, 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].record.number, "SO-000003");
    let head = store.feed_head(Feed::SalesOrders).await.unwrap();
    assert_eq!(head, rest[0].seq);
    assert!(store.sales_order_feed(head, 10).await.unwrap().is_empty());

    // An edit of the first order moves it after the others: read from the head, it comes once more.
    let mut edited = sales_order(vec![line(1, "A", 3)]);
    edited.total = "35.20".into();
    store.save_order_evaluation(shop, &synced(order(1, "2026-11-02T11:00:00Z"), edited)).await.unwrap();
    let changed = store.sales_order_feed(head, 10).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].record.number, "SO-000001");
    assert_eq!(changed[0].record.lines[0].quantity, 3);
    // Read from the start, every order is there once, the edited one last.
    let all = store.sales_order_feed(0, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.record.number.as_str()).collect::<Vec<_>>(),
        ["SO-000002", "SO-000003", "SO-000001"]
    );
}

#[tokio::test]
async fn the_customer_feed_and_positions_are_kept_per_consumer_and_feed() {
    let (store, _dir) = fresh_store().await;
    for name in ["Anna Berg", "Bram Smit"] {
        store.create_customer(&NewCustomer { name: name.into(), ..Default::default() }).await.unwrap();
    }
    let page = store.customer_feed(0, 10).await.unwrap();
    assert_eq!(page.iter().map(|e| e.record.name.as_str()).collect::<Vec<_>>(), ["Anna Berg", "Bram Smit"]);
    assert_eq!(store.feed_head(Feed::Customers).await.unwrap(), page[1].seq);

    assert_eq!(store.feed_position("erp", Feed::Customers).await.unwrap(), 0);
    store.set_feed_position("erp", Feed::Customers, page[0].seq).await.unwrap();
    store.set_feed_position("erp", Feed::SalesOrders, 7).await.unwrap();
    assert_eq!(store.feed_position("erp", Feed::Customers).await.unwrap(), page[0].seq);
    assert_eq!(store.feed_position("erp", Feed::SalesOrders).await.unwrap(), 7);
    assert_eq!(store.feed_position("wms", Feed::Customers).await.unwrap(), 0);
    let after = store.customer_feed(store.feed_position("erp", Feed::Customers).await.unwrap(), 10).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].record.name, "Bram Smit");
}
