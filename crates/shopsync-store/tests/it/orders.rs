use shopsync_core::order_errors::{OrderLine, RecheckEvent};
use shopsync_store::orders::{OrderErrorCode, OrderProblem, OrderStatus};
use shopsync_store::{
    Address, LineKind, NewShipment, NewShop, OrderEvaluation, OrderFilter, OrderKey, OrderPosition, OrderRefundInput,
    OrderReturnInput, OrderSeek, OrderTransactionInput, Payout, SalesOrderChange, SalesOrderCreated, SalesOrderInput,
    SalesOrderLineInput, SalesOrderStatus, SalesOrderUpdate, ShipmentLineInput, ShipmentQuery, ShipmentSyncStatus,
    ShopifyOrderInput, StoreError, WebhookEventInput,
};

use shopsync_store::Store;

use super::fresh_store;

pub(crate) async fn add_shop(store: &dyn Store) -> i64 {
    let shop = NewShop { domain: "demo.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() };
    store.add_shop(&shop).await.unwrap().id
}

pub(crate) fn order(n: u64, created_at: &str) -> ShopifyOrderInput {
    ShopifyOrderInput {
        order_id: format!("gid://shopify/Order/{n}"),
        name: format!("#{n}"),
        financial_status: Some("PAID".into()),
        fulfillment_status: Some("UNFULFILLED".into()),
        cancelled_at: None,
        tags: vec!["web".into()],
        created_at: created_at.into(),
        updated_at: created_at.into(),
    }
}

pub(crate) fn line(line_no: i64, sku: &str, quantity: i64) -> SalesOrderLineInput {
    SalesOrderLineInput {
        line_no,
        kind: LineKind::Item,
        sku: Some(sku.into()),
        description: format!("Item {sku}"),
        quantity,
        unit_price: "10.00".into(),
        shopify_line_item_id: Some(format!("gid://shopify/LineItem/{line_no}")),
        ..Default::default()
    }
}

pub(crate) fn sales_order(lines: Vec<SalesOrderLineInput>) -> SalesOrderInput {
    SalesOrderInput {
        currency: "EUR".into(),
        subtotal: "20.00".into(),
        discount_total: "0".into(),
        tax_total: "4.20".into(),
        shipping_total: "5.00".into(),
        total: "29.20".into(),
        payment_status: Some("PAID".into()),
        ship_to: Some(Address {
            name: Some("Anna Berg".into()),
            address1: Some("Keizersgracht 1".into()),
            zip: Some("1015 CJ".into()),
            city: Some("Amsterdam".into()),
            country_code: Some("NL".into()),
            ..Default::default()
        }),
        email: Some("anna@example.com".into()),
        lines,
        ..Default::default()
    }
}

pub(crate) fn synced(order: ShopifyOrderInput, so: SalesOrderInput) -> OrderEvaluation {
    OrderEvaluation { order, status: OrderStatus::Synced, sales_order: Some(so), ..Default::default() }
}

pub(crate) fn failing(order: ShopifyOrderInput, problems: Vec<OrderProblem>) -> OrderEvaluation {
    let status = OrderStatus::from_problems(&problems);
    OrderEvaluation { order, status, problems, ..Default::default() }
}

pub(crate) fn not_linked(position: u32, sku: &str) -> OrderProblem {
    OrderProblem::ProductNotLinked {
        line: OrderLine { position, title: format!("Product {sku}"), sku: Some(sku.into()), ..Default::default() },
    }
}

#[tokio::test]
async fn an_evaluation_keeps_every_problem_of_the_order_in_the_order_found() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let problems = vec![
        not_linked(1, "SHIRT-M"),
        not_linked(3, "CAP"),
        OrderProblem::DestinationNotAllowed { country: "US".into() },
    ];
    let saved = store.save_order_evaluation(shop, &failing(order(1001, "2026-11-02T10:00:00-05:00"), problems)).await;
    let saved = saved.unwrap();
    assert_eq!(saved.status, OrderStatus::Error);
    assert_eq!(saved.change, SalesOrderChange::None);

    let stored = store.shopify_order(shop, "gid://shopify/Order/1001").await.unwrap().unwrap();
    assert_eq!(stored.name, "#1001");
    assert_eq!(stored.status, OrderStatus::Error);
    assert_eq!(stored.shopify_created_at, "2026-11-02T15:00:00.000000Z", "stored in UTC");
    assert_eq!(stored.tags, ["web"]);
    assert_eq!(stored.error_codes, ["PRODUCT_NOT_LINKED", "PRODUCT_NOT_LINKED", "DESTINATION_NOT_ALLOWED"]);

    let errors = store.order_errors(shop, "gid://shopify/Order/1001").await.unwrap();
    assert_eq!(errors.len(), 3);
    assert!(errors[0].message.contains("SHIRT-M"), "{}", errors[0].message);
    assert!(errors[1].message.contains("CAP"));
    assert_eq!(errors[2].problem().unwrap(), OrderProblem::DestinationNotAllowed { country: "US".into() });
}

#[tokio::test]
async fn problems_are_replaced_as_a_whole_at_each_evaluation() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let id = "gid://shopify/Order/1001";
    let first = vec![
        not_linked(1, "A"),
        not_linked(2, "B"),
        OrderProblem::InvalidDestinationPostalCode { country: "NL".into() },
    ];
    store.save_order_evaluation(shop, &failing(order(1001, "2026-11-02T10:00:00Z"), first)).await.unwrap();
    let second = vec![not_linked(2, "B")];
    store.save_order_evaluation(shop, &failing(order(1001, "2026-11-02T10:00:00Z"), second)).await.unwrap();
    let codes: Vec<String> = store.order_errors(shop, id).await.unwrap().into_iter().map(|e| e.message).collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert!(codes[0].contains("SKU B"));
    // The recheck index follows the problems: A is no longer waited for.
    let waiting_a = store.orders_waiting_for(shop, &[RecheckEvent::LinkCreated { sku: "A".into() }]).await.unwrap();
    assert!(waiting_a.is_empty());

    let saved = store
        .save_order_evaluation(shop, &synced(order(1001, "2026-11-02T10:00:00Z"), sales_order(vec![line(1, "B", 1)])))
        .await
        .unwrap();
    assert_eq!(saved.status, OrderStatus::Synced);
    assert!(store.order_errors(shop, id).await.unwrap().is_empty());
    let waiting_b = store.orders_waiting_for(shop, &[RecheckEvent::LinkCreated { sku: "B".into() }]).await.unwrap();
    assert!(waiting_b.is_empty());
    assert_eq!(store.shopify_order(shop, id).await.unwrap().unwrap().error_codes, Vec::<String>::new());
}

#[tokio::test]
async fn one_sales_order_per_shopify_order_even_when_created_twice() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let so = sales_order(vec![line(1, "A", 2), line(2, "B", 1)]);
    let first = store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &so).await.unwrap();
    let SalesOrderCreated::Created(created) = &first else { panic!("first create must create: {first:?}") };
    assert_eq!(created.number, "SO-000001");
    assert_eq!(created.lines.len(), 2);
    assert_eq!(created.lines[0].quantity, 2);

    let second = store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &so).await.unwrap();
    assert!(!second.was_created());
    assert_eq!(second.sales_order(), created);

    // Saving an evaluation for the same order later updates, never adds.
    let saved = store.save_order_evaluation(shop, &synced(order(1, "2026-11-02T10:00:00Z"), so.clone())).await.unwrap();
    assert_eq!(saved.sales_order_number.as_deref(), Some("SO-000001"));
    assert_eq!(saved.change, SalesOrderChange::Unchanged);
    // The number series was not spent by the refused creates.
    let other = store.create_sales_order(shop, "gid://shopify/Order/2", "#2", &so).await.unwrap();
    assert_eq!(other.sales_order().number, "SO-000002");
}

#[tokio::test]
async fn an_edit_in_shopify_updates_the_sales_order_while_nothing_shipped() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let first = sales_order(vec![line(1, "A", 1), line(2, "B", 1)]);
    let saved =
        store.save_order_evaluation(shop, &synced(order(1, "2026-11-02T10:00:00Z"), first.clone())).await.unwrap();
    assert_eq!(saved.change, SalesOrderChange::Created);
    let id = saved.sales_order_id.unwrap();

    let mut edited = first.clone();
    edited.lines = vec![line(1, "A", 3)];
    edited.total = "35.20".into();
    let saved =
        store.save_order_evaluation(shop, &synced(order(1, "2026-11-02T11:00:00Z"), edited.clone())).await.unwrap();
    assert_eq!(saved.change, SalesOrderChange::Updated);
    let so = store.sales_order_by_id(id).await.unwrap().unwrap();
    assert_eq!(so.lines.len(), 1);
    assert_eq!(so.lines[0].quantity, 3);
    assert_eq!(so.total, "35.20");
    assert_eq!(so.number, "SO-000001", "the same sales order");

    // The same content again changes nothing; a payment status change alone is applied quietly.
    let mut paid_later = edited.clone();
    paid_later.payment_status = Some("REFUNDED".into());
    let update = store.update_sales_order(id, &paid_later).await.unwrap();
    let SalesOrderUpdate::Unchanged(so) = update else { panic!("payment alone is no content change: {update:?}") };
    assert_eq!(so.payment_status.as_deref(), Some("REFUNDED"));
    assert_eq!(so.ship_to.unwrap().city.as_deref(), Some("Amsterdam"));
}

#[tokio::test]
async fn an_edit_after_shipping_is_a_conflict_for_a_person() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let first = sales_order(vec![line(1, "A", 2)]);
    let saved =
        store.save_order_evaluation(shop, &synced(order(1, "2026-11-02T10:00:00Z"), first.clone())).await.unwrap();
    let id = saved.sales_order_id.unwrap();
    let so = store.sales_order_by_id(id).await.unwrap().unwrap();
    let shipment = NewShipment {
        sales_order_id: id,
        lines: vec![ShipmentLineInput { sales_order_line_id: so.lines[0].id, quantity: 1 }],
        ..Default::default()
    };
    store.create_shipment(&shipment).await.unwrap();

    let mut edited = first.clone();
    edited.lines = vec![line(1, "A", 5)];
    let saved =
        store.save_order_evaluation(shop, &synced(order(1, "2026-11-03T10:00:00Z"), edited.clone())).await.unwrap();
    assert_eq!(saved.change, SalesOrderChange::Conflict);
    assert_eq!(saved.status, OrderStatus::Conflict);
    let so = store.sales_order_by_id(id).await.unwrap().unwrap();
    assert_eq!(so.lines[0].quantity, 2, "the shipped sales order is left as it is");
    let note = so.conflict.unwrap();
    assert!(
        // The note says what happened and how to settle it, in words every front-end shows as they are.
        note.contains("#1") && note.contains("captured versions") && note.contains("keep Shopify's version"),
        "{note}"
    );
    let conflicts = OrderFilter { status: Some(OrderStatus::Conflict), ..Default::default() };
    assert_eq!(store.shopify_orders(shop, &conflicts).await.unwrap().len(), 1);

    // A direct update is refused the same way.
    assert!(matches!(store.update_sales_order(id, &edited).await.unwrap(), SalesOrderUpdate::Shipped(_)));

    // A person settles it.
    store.set_sales_order_conflict(id, None).await.unwrap();
    assert_eq!(store.shopify_order(shop, "gid://shopify/Order/1").await.unwrap().unwrap().status, OrderStatus::Synced);
    assert!(store.sales_order_by_id(id).await.unwrap().unwrap().conflict.is_none());
}

#[tokio::test]
async fn filters_select_by_status_code_and_creation_date() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let evaluations = vec![
        failing(order(1, "2026-10-01T10:00:00Z"), vec![not_linked(1, "A")]),
        failing(order(2, "2026-10-15T10:00:00Z"), vec![OrderProblem::DestinationNotAllowed { country: "US".into() }]),
        failing(order(3, "2026-11-01T10:00:00Z"), vec![OrderProblem::OrderIgnoredByTag { tag: "x".into() }]),
        synced(order(4, "2026-11-02T10:00:00Z"), sales_order(vec![line(1, "A", 1)])),
        failing(
            order(5, "2026-11-03T10:00:00Z"),
            vec![not_linked(2, "B"), OrderProblem::DestinationNotAllowed { country: "CA".into() }],
        ),
    ];
    let saved = store.save_order_evaluations(shop, &evaluations).await.unwrap();
    assert_eq!(saved.len(), 5);

    let names = |orders: Vec<shopsync_store::ShopifyOrder>| orders.into_iter().map(|o| o.name).collect::<Vec<_>>();
    let all = store.shopify_orders(shop, &OrderFilter::default()).await.unwrap();
    assert_eq!(names(all), ["#5", "#4", "#3", "#2", "#1"], "newest first");
    let errors = OrderFilter { status: Some(OrderStatus::Error), ..Default::default() };
    assert_eq!(names(store.shopify_orders(shop, &errors).await.unwrap()), ["#5", "#2", "#1"]);
    let code = OrderFilter { code: Some(OrderErrorCode::DestinationNotAllowed), ..Default::default() };
    assert_eq!(names(store.shopify_orders(shop, &code).await.unwrap()), ["#5", "#2"]);
    let since = OrderFilter {
        created_from: Some("2026-10-15T00:00:00Z".into()),
        created_before: Some("2026-11-02T00:00:00Z".into()),
        ..Default::default()
    };
    assert_eq!(names(store.shopify_orders(shop, &since).await.unwrap()), ["#3", "#2"]);
    let combined = OrderFilter {
        status: Some(OrderStatus::Error),
        code: Some(OrderErrorCode::ProductNotLinked),
        created_from: Some("2026-11-01T00:00:00Z".into()),
        ..Default::default()
    };
    assert_eq!(names(store.shopify_orders(shop, &combined).await.unwrap()), ["#5"]);
    // The window an incremental order read compares with Shopify's count: by the version's `updatedAt`.
    let window = OrderFilter {
        updated_from: Some("2026-11-01T10:00:00Z".into()),
        updated_before: Some("2026-11-03T10:00:00Z".into()),
        ..Default::default()
    };
    assert_eq!(store.count_shopify_orders(shop, &window).await.unwrap(), 2, "#3 and #4, not #5 at the end");
    let page = OrderFilter { limit: 2, offset: 2, ..Default::default() };
    assert_eq!(names(store.shopify_orders(shop, &page).await.unwrap()), ["#3", "#2"]);
    assert_eq!(store.count_shopify_orders(shop, &errors).await.unwrap(), 3);
    assert_eq!(store.shopify_order_ids(shop, &code).await.unwrap(), ["gid://shopify/Order/5", "gid://shopify/Order/2"]);

    let counts = store.order_status_counts(shop).await.unwrap();
    assert!(counts.contains(&(OrderStatus::Error, 3)) && counts.contains(&(OrderStatus::Ignored, 1)), "{counts:?}");
    let by_code = store.order_error_counts(shop).await.unwrap();
    assert!(by_code.contains(&("DESTINATION_NOT_ALLOWED".to_string(), 2)), "{by_code:?}");
    let synced = store.shopify_order(shop, "gid://shopify/Order/4").await.unwrap().unwrap();
    assert_eq!(synced.sales_order_number.as_deref(), Some("SO-000001"));
}

/// Keyset paging walks a list page by page from the last order of each page: every order once, in the list's
/// order, with many orders created in the same second (ties on the sort key broken by id, whose text order is
/// not its number's: `Order/10` sorts before `Order/9`), with orders of other statuses in between, and with
/// orders arriving while someone pages.
#[tokio::test]
async fn keyset_pages_give_every_order_once_forward_and_back_with_ties_and_inserts() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    // 1..=40: four orders per second; every fifth one synced, the others in error.
    let evaluation = |n: u64| {
        let created = format!("2026-10-01T10:00:{:02}Z", n.div_ceil(4));
        if n.is_multiple_of(5) {
            synced(order(n, &created), sales_order(vec![line(1, "A", 1)]))
        } else {
            failing(order(n, &created), vec![not_linked(1, "A")])
        }
    };
    let evaluations: Vec<OrderEvaluation> = (1..=40).map(evaluation).collect();
    store.save_order_evaluations(shop, &evaluations).await.unwrap();
    let ids = |orders: &[shopsync_store::ShopifyOrder]| orders.iter().map(|o| o.order_id.clone()).collect::<Vec<_>>();
    let errors = OrderFilter { status: Some(OrderStatus::Error), ..Default::default() };
    let whole = ids(&store.shopify_orders(shop, &errors).await.unwrap());
    assert_eq!(whole.len(), 32);

    // Forward, 5 a page, from the last order of each page. After the second page three orders arrive in error:
    // one newer than every other and one in the second of the page boundary whose id sorts first in it (both
    // before the position reached: not seen by this walk, and nothing it saw moves), and one in that second
    // whose id sorts last (after the position: seen once, where it belongs).
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    let mut seek = None;
    loop {
        let filter = OrderFilter { limit: 5, seek: seek.clone(), ..errors.clone() };
        let page = store.shopify_orders(shop, &filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 5);
        seek = Some(OrderSeek::After(page.last().unwrap().position()));
        seen.extend(ids(&page));
        pages += 1;
        if pages == 2 {
            let boundary = page.last().unwrap().shopify_created_at.clone();
            let arriving = vec![
                failing(order(1000, "2026-10-02T00:00:00Z"), vec![not_linked(1, "A")]),
                failing(order(99, &boundary), vec![not_linked(1, "A")]),
                failing(order(0, &boundary), vec![not_linked(1, "A")]),
            ];
            store.save_order_evaluations(shop, &arriving).await.unwrap();
        }
    }
    assert_eq!(pages, 7, "32 orders and one more, 5 a page");
    let unique: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no order twice: {seen:?}");
    let now_orders = store.shopify_orders(shop, &errors).await.unwrap();
    let now = ids(&now_orders);
    assert_eq!(now.len(), 35);
    let passed = ["gid://shopify/Order/1000", "gid://shopify/Order/99"];
    let expected: Vec<String> = now.iter().filter(|id| !passed.contains(&id.as_str())).cloned().collect();
    assert_eq!(seen, expected, "every order once, in the list's order, the late one where it belongs");
    assert!(seen.contains(&"gid://shopify/Order/0".to_string()));

    // Back from the last order, 5 a page, from the first order of each page: every order once, newest first.
    let mut back: Vec<String> = vec![now.last().unwrap().clone()];
    let mut position = now_orders.last().unwrap().position();
    loop {
        let filter = OrderFilter { limit: 5, seek: Some(OrderSeek::Before(position.clone())), ..errors.clone() };
        let page = store.shopify_orders(shop, &filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 5);
        position = page[0].position();
        back.splice(0..0, ids(&page));
    }
    assert_eq!(back, now, "walking back gives every order once, each page newest first");

    // Nothing before the newest nor after the oldest; the ids follow the same pages as the orders.
    let before_newest = OrderFilter { seek: Some(OrderSeek::Before(now_orders[0].position())), ..errors.clone() };
    assert!(store.shopify_orders(shop, &before_newest).await.unwrap().is_empty());
    let after_oldest =
        OrderFilter { limit: 3, seek: Some(OrderSeek::After(now_orders[34].position())), ..errors.clone() };
    assert!(store.shopify_orders(shop, &after_oldest).await.unwrap().is_empty());
    let second = OrderFilter { limit: 5, seek: Some(OrderSeek::After(now_orders[4].position())), ..errors.clone() };
    assert_eq!(store.shopify_order_ids(shop, &second).await.unwrap(), now[5..10].to_vec());
    let reversed = OrderFilter { limit: 5, seek: Some(OrderSeek::Before(now_orders[10].position())), ..errors.clone() };
    assert_eq!(store.shopify_order_ids(shop, &reversed).await.unwrap(), now[5..10].to_vec());
    // A position given in another offset is the same instant.
    let shifted = OrderPosition {
        created_at: now_orders[4]
            .shopify_created_at
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        order_id: now[4].clone(),
    };
    let from_shifted = OrderFilter { limit: 5, seek: Some(OrderSeek::After(shifted)), ..errors };
    assert_eq!(store.shopify_order_ids(shop, &from_shifted).await.unwrap(), now[5..10].to_vec());
}

#[tokio::test]
async fn orders_are_found_by_name_number_gid_or_sales_order() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let mut custom = order(450789469, "2026-11-02T10:00:00Z");
    custom.name = "#1001".into();
    store.save_order_evaluation(shop, &synced(custom, sales_order(vec![]))).await.unwrap();
    let mut prefixed = order(2, "2026-11-02T10:00:00Z");
    prefixed.name = "EU1002".into();
    store.save_order_evaluation(shop, &failing(prefixed, vec![not_linked(1, "A")])).await.unwrap();

    for text in ["#1001", "1001", "450789469", "gid://shopify/Order/450789469", "SO-000001", " #1001 "] {
        let found = store.find_shopify_order(shop, &OrderKey::parse(text)).await.unwrap();
        assert_eq!(found.map(|o| o.order_id).as_deref(), Some("gid://shopify/Order/450789469"), "{text}");
    }
    let eu = store.find_shopify_order(shop, &OrderKey::parse("EU1002")).await.unwrap().unwrap();
    assert_eq!(eu.order_id, "gid://shopify/Order/2");
    for missing in ["#9999", "9999", "SO-000009", "gid://shopify/Order/9"] {
        assert!(store.find_shopify_order(shop, &OrderKey::parse(missing)).await.unwrap().is_none(), "{missing}");
    }
}

#[tokio::test]
async fn orders_waiting_for_a_fix_are_found_and_marked_for_reprocess() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    store
        .save_order_evaluations(
            shop,
            &[
                failing(order(1, "2026-11-01T10:00:00Z"), vec![not_linked(1, "A")]),
                failing(order(2, "2026-11-01T11:00:00Z"), vec![not_linked(1, "B"), not_linked(2, "A")]),
                failing(
                    order(3, "2026-11-01T12:00:00Z"),
                    vec![OrderProblem::DestinationNotAllowed { country: "US".into() }],
                ),
            ],
        )
        .await
        .unwrap();
    let link_a = RecheckEvent::LinkCreated { sku: "A".into() };
    let waiting = store.orders_waiting_for(shop, &[link_a]).await.unwrap();
    assert_eq!(waiting, ["gid://shopify/Order/1", "gid://shopify/Order/2"]);
    let us = RecheckEvent::CountryEnabled { country: "US".into() };
    assert_eq!(store.orders_waiting_for(shop, &[us]).await.unwrap(), ["gid://shopify/Order/3"]);

    assert_eq!(store.request_reprocess(shop, &waiting).await.unwrap(), 2);
    let flagged = OrderFilter { reprocess_requested: true, ..Default::default() };
    assert_eq!(store.count_shopify_orders(shop, &flagged).await.unwrap(), 2);
    // The next evaluation of an order clears its request.
    store
        .save_order_evaluation(shop, &failing(order(1, "2026-11-01T10:00:00Z"), vec![not_linked(1, "A")]))
        .await
        .unwrap();
    assert_eq!(store.shopify_order_ids(shop, &flagged).await.unwrap(), ["gid://shopify/Order/2"]);

    let by_code = OrderFilter { code: Some(OrderErrorCode::DestinationNotAllowed), ..Default::default() };
    assert_eq!(store.request_reprocess_matching(shop, &by_code).await.unwrap(), 1);
    assert_eq!(store.count_shopify_orders(shop, &flagged).await.unwrap(), 2);
}

#[tokio::test]
async fn transactions_refunds_and_returns_link_to_the_sales_order() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let id = "gid://shopify/Order/1";
    let transaction = OrderTransactionInput {
        transaction_id: "gid://shopify/OrderTransaction/10".into(),
        order_id: id.into(),
        kind: "SALE".into(),
        status: "SUCCESS".into(),
        gateway: Some("shopify_payments".into()),
        amount: "29.20".into(),
        currency: "EUR".into(),
        processed_at: Some("2026-11-02T10:00:05Z".into()),
    };
    // First seen with a problem: the payment is kept, with no sales order yet.
    let mut held = failing(order(1, "2026-11-02T10:00:00Z"), vec![not_linked(1, "A")]);
    held.transactions = vec![transaction.clone()];
    store.save_order_evaluation(shop, &held).await.unwrap();
    assert_eq!(store.order_transactions(shop, id).await.unwrap()[0].sales_order_id, None);

    let mut imported = synced(order(1, "2026-11-02T10:00:00Z"), sales_order(vec![line(1, "A", 1)]));
    imported.refunds = vec![OrderRefundInput {
        refund_id: "gid://shopify/Refund/20".into(),
        order_id: id.into(),
        total: "10.00".into(),
        currency: "EUR".into(),
        note: Some("damaged".into()),
        lines: serde_json::json!([{"line_item": "gid://shopify/LineItem/1", "quantity": 1}]),
        created_at: "2026-11-05T09:00:00Z".into(),
    }];
    imported.returns = vec![OrderReturnInput {
        return_id: "gid://shopify/Return/30".into(),
        order_id: id.into(),
        name: Some("#1-R1".into()),
        status: "OPEN".into(),
        lines: serde_json::Value::Null,
    }];
    let saved = store.save_order_evaluation(shop, &imported).await.unwrap();
    let so_id = saved.sales_order_id;
    assert_eq!(store.order_transactions(shop, id).await.unwrap()[0].sales_order_id, so_id, "linked afterwards");
    let refunds = store.order_refunds(shop, id).await.unwrap();
    assert_eq!((refunds[0].sales_order_id, refunds[0].total.as_str()), (so_id, "10.00"));
    assert_eq!(refunds[0].lines[0]["quantity"], 1);
    let returns = store.order_returns(shop, id).await.unwrap();
    assert_eq!((returns[0].sales_order_id, returns[0].status.as_str()), (so_id, "OPEN"));

    // Upserts: the same ids again update in place.
    let mut closed = imported.returns[0].clone();
    closed.status = "CLOSED".into();
    store.save_order_returns(shop, &[closed]).await.unwrap();
    store.save_order_transactions(shop, &[transaction]).await.unwrap();
    assert_eq!(store.order_returns(shop, id).await.unwrap()[0].status, "CLOSED");
    assert_eq!(store.order_transactions(shop, id).await.unwrap().len(), 1);

    let payout = Payout {
        payout_id: "gid://shopify/ShopifyPaymentsPayout/1".into(),
        status: "SCHEDULED".into(),
        issued_at: None,
        net: "29.20".into(),
        currency: "EUR".into(),
    };
    store.save_payouts(shop, std::slice::from_ref(&payout)).await.unwrap();
    let paid = Payout { status: "PAID".into(), issued_at: Some("2026-11-06T00:00:00Z".into()), ..payout };
    store.save_payouts(shop, &[paid]).await.unwrap();
    let payouts = store.payouts(shop, 10).await.unwrap();
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0].status, "PAID");
}

#[tokio::test]
async fn shipments_move_shipped_quantities_and_the_order_status() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let mut so = sales_order(vec![line(1, "A", 2), line(2, "B", 1)]);
    so.lines.push(SalesOrderLineInput {
        line_no: 3,
        kind: LineKind::Shipping,
        description: "Standard".into(),
        unit_price: "5.00".into(),
        ..Default::default()
    });
    let created = store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &so).await.unwrap();
    let so = created.sales_order().clone();
    let (a, b, shipping) = (so.lines[0].id, so.lines[1].id, so.lines[2].id);

    let first = store
        .create_shipment(&NewShipment {
            sales_order_id: so.id,
            lines: vec![ShipmentLineInput { sales_order_line_id: a, quantity: 1 }],
            tracking_number: Some("3SABCD123".into()),
            carrier: Some("PostNL".into()),
            tracking_url: Some("https://postnl.example/3SABCD123".into()),
            shipped_at: None,
        })
        .await
        .unwrap();
    assert_eq!(first.number, "SH-000001");
    assert_eq!(first.sync_status, ShipmentSyncStatus::Pending);
    assert_eq!(first.lines[0].shopify_line_item_id.as_deref(), Some("gid://shopify/LineItem/1"));
    let so_now = store.sales_order_by_id(so.id).await.unwrap().unwrap();
    assert_eq!(so_now.status, SalesOrderStatus::PartiallyShipped);
    assert_eq!(so_now.lines[0].quantity_shipped, 1);

    let too_many = NewShipment {
        sales_order_id: so.id,
        lines: vec![ShipmentLineInput { sales_order_line_id: a, quantity: 2 }],
        ..Default::default()
    };
    let err = store.create_shipment(&too_many).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(m) if m.contains("has 1 left to ship, not 2")), "{err}");
    let charge = NewShipment {
        sales_order_id: so.id,
        lines: vec![ShipmentLineInput { sales_order_line_id: shipping, quantity: 1 }],
        ..Default::default()
    };
    assert!(store.create_shipment(&charge).await.unwrap_err().to_string().contains("does not ship"));
    // A refused shipment spends no number and moves nothing.
    let rest = NewShipment {
        sales_order_id: so.id,
        lines: vec![
            ShipmentLineInput { sales_order_line_id: a, quantity: 1 },
            ShipmentLineInput { sales_order_line_id: b, quantity: 1 },
        ],
        ..Default::default()
    };
    let second = store.create_shipment(&rest).await.unwrap();
    assert_eq!(second.number, "SH-000002");
    assert_eq!(store.sales_order_by_id(so.id).await.unwrap().unwrap().status, SalesOrderStatus::Shipped);

    let pending =
        ShipmentQuery { shop_id: Some(shop), sync_status: Some(ShipmentSyncStatus::Pending), ..Default::default() };
    assert_eq!(store.shipments(&pending).await.unwrap().len(), 2);
    store.mark_shipment_synced(first.id, &["gid://shopify/Fulfillment/9".to_string()]).await.unwrap();
    store.mark_shipment_failed(second.id, "fulfillment order is closed").await.unwrap();
    assert!(store.shipments(&pending).await.unwrap().is_empty());
    let synced = store.shipment("SH-000001").await.unwrap().unwrap();
    assert_eq!(synced.shopify_fulfillment_ids, ["gid://shopify/Fulfillment/9"]);
    assert_eq!(
        store.shipment("SH-000002").await.unwrap().unwrap().sync_error.as_deref(),
        Some("fulfillment order is closed")
    );
}

#[tokio::test]
async fn a_bundle_ships_through_its_components() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let component = |line_no, sku: &str, quantity| SalesOrderLineInput {
        kind: LineKind::BundleComponent,
        parent_line_no: Some(1),
        unit_price: "0".into(),
        ..line(line_no, sku, quantity)
    };
    // Two gift boxes, each of one mug and two spoons.
    let so = sales_order(vec![
        SalesOrderLineInput { kind: LineKind::Bundle, ..line(1, "GIFTBOX", 2) },
        component(2, "MUG", 2),
        component(3, "SPOON", 4),
    ]);
    let so = store.create_sales_order(shop, "gid://shopify/Order/1", "#1", &so).await.unwrap().sales_order().clone();
    let ship = |lines: Vec<(i64, i64)>| NewShipment {
        sales_order_id: so.id,
        lines: lines
            .into_iter()
            .map(|(id, quantity)| ShipmentLineInput { sales_order_line_id: id, quantity })
            .collect(),
        ..Default::default()
    };
    assert!(
        store.create_shipment(&ship(vec![(so.lines[0].id, 1)])).await.is_err(),
        "the bundle line itself does not ship"
    );
    store.create_shipment(&ship(vec![(so.lines[1].id, 1), (so.lines[2].id, 2)])).await.unwrap();
    let now = store.sales_order_by_id(so.id).await.unwrap().unwrap();
    assert_eq!(now.lines[0].quantity_shipped, 1, "one complete box");
    store.create_shipment(&ship(vec![(so.lines[1].id, 1)])).await.unwrap();
    let now = store.sales_order_by_id(so.id).await.unwrap().unwrap();
    assert_eq!(now.lines[0].quantity_shipped, 1, "the second box lacks its spoons");
    assert_eq!(now.status, SalesOrderStatus::PartiallyShipped);
    store.create_shipment(&ship(vec![(so.lines[2].id, 2)])).await.unwrap();
    let now = store.sales_order_by_id(so.id).await.unwrap().unwrap();
    assert_eq!((now.lines[0].quantity_shipped, now.status), (2, SalesOrderStatus::Shipped));
}

#[tokio::test]
async fn orders_seen_before_evaluation_are_pending_and_keep_a_later_status() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let new =
        store.upsert_shopify_orders(shop, &[order(1, "2026-11-01T10:00:00Z"), order(2, "2026-11-01T10:00:00Z")]).await;
    assert_eq!(new.unwrap(), 2);
    assert_eq!(store.shopify_order(shop, "gid://shopify/Order/1").await.unwrap().unwrap().status, OrderStatus::Pending);
    store
        .save_order_evaluation(shop, &failing(order(1, "2026-11-01T10:00:00Z"), vec![not_linked(1, "A")]))
        .await
        .unwrap();
    let mut newer = order(1, "2026-11-01T10:00:00Z");
    newer.updated_at = "2026-11-04T10:00:00+01:00".into();
    assert_eq!(store.upsert_shopify_orders(shop, &[newer]).await.unwrap(), 0);
    let one = store.shopify_order(shop, "gid://shopify/Order/1").await.unwrap().unwrap();
    assert_eq!(one.status, OrderStatus::Error, "seeing an order again keeps its evaluation");
    let versions = store
        .shopify_order_versions(shop, &["gid://shopify/Order/1".into(), "gid://shopify/Order/3".into()])
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions["gid://shopify/Order/1"].updated_at, "2026-11-04T09:00:00.000000Z");
}

#[tokio::test]
async fn webhook_deliveries_are_deduplicated_by_event_id() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let event = WebhookEventInput {
        event_id: "evt-1".into(),
        topic: "orders/updated".into(),
        webhook_id: Some("w-1".into()),
        triggered_at: Some("2026-11-02T10:00:00Z".into()),
    };
    assert!(store.record_webhook_event(shop, &event).await.unwrap(), "first delivery");
    assert!(!store.record_webhook_event(shop, &event).await.unwrap(), "duplicate delivery");
    store.mark_webhook_event_processed(shop, "evt-1").await.unwrap();
    assert_eq!(store.purge_webhook_events(shop, "9999-01-01T00:00:00.000000Z").await.unwrap(), 1);
    assert!(store.record_webhook_event(shop, &event).await.unwrap(), "new again once forgotten");
}

#[tokio::test]
async fn webhook_deliveries_are_counted_per_topic_with_the_ones_still_to_do() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    assert!(store.webhook_deliveries(shop).await.unwrap().is_empty(), "nothing received yet");
    for (event_id, topic) in [("e1", "orders/create"), ("e2", "orders/create"), ("e3", "customers/update")] {
        let event =
            WebhookEventInput { event_id: event_id.into(), topic: topic.into(), webhook_id: None, triggered_at: None };
        assert!(store.record_webhook_event(shop, &event).await.unwrap());
    }
    store.mark_webhook_event_processed(shop, "e1").await.unwrap();
    let deliveries = store.webhook_deliveries(shop).await.unwrap();
    let orders = deliveries.iter().find(|d| d.topic == "orders/create").unwrap();
    assert_eq!((orders.received, orders.unprocessed), (2, 1), "{deliveries:?}");
    let customers = deliveries.iter().find(|d| d.topic == "customers/update").unwrap();
    assert_eq!((customers.received, customers.unprocessed), (1, 1));
    assert!(customers.last_received_at.is_some());
}

#[tokio::test]
async fn webhook_deliveries_are_listed_one_by_one_newest_first_a_page_at_a_time() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    assert!(store.webhook_events(shop, 10, 0).await.unwrap().is_empty());
    for n in 1..=5 {
        let event = WebhookEventInput {
            event_id: format!("e{n}"),
            topic: "orders/updated".into(),
            webhook_id: None,
            triggered_at: None,
        };
        assert!(store.record_webhook_event(shop, &event).await.unwrap());
        // Received in turn: the store's clock has microseconds.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    store.mark_webhook_event_processed(shop, "e4").await.unwrap();
    assert_eq!(store.count_webhook_events(shop).await.unwrap(), 5);
    let first = store.webhook_events(shop, 2, 0).await.unwrap();
    let ids: Vec<&str> = first.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["e5", "e4"]);
    assert!(first[0].processed_at.is_none() && first[1].processed_at.is_some(), "{first:?}");
    assert!(first[0].received_at > first[1].received_at);
    let last = store.webhook_events(shop, 2, 4).await.unwrap();
    assert_eq!(last.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["e1"]);
}

#[tokio::test]
async fn the_subscriptions_seen_are_remembered_per_shop_and_replaced() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    assert!(store.subscription_check(shop).await.unwrap().is_none(), "never looked");
    let topics = vec!["orders/create".to_string(), "orders/updated".to_string()];
    store.record_subscription_check(shop, "https://hub.example/webhooks/shopify", &topics).await.unwrap();
    let seen = store.subscription_check(shop).await.unwrap().expect("recorded");
    assert_eq!((seen.callback.as_str(), &seen.topics), ("https://hub.example/webhooks/shopify", &topics));
    assert!(seen.since.starts_with("20"), "{seen:?}");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.record_subscription_check(shop, "https://hub.example/webhooks/shopify", &topics).await.unwrap();
    assert_eq!(store.subscription_check(shop).await.unwrap().unwrap().since, seen.since, "unchanged: kept");
    store.record_subscription_check(shop, "https://hub.example/webhooks/shopify", &[]).await.unwrap();
    let changed = store.subscription_check(shop).await.unwrap().unwrap();
    assert!(changed.topics.is_empty(), "replaced");
    assert!(changed.since > seen.since, "changed: a new since");
}

#[tokio::test]
async fn the_latest_order_update_is_the_newest_shopify_updated_at() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    assert_eq!(store.latest_order_update(shop).await.unwrap(), None);
    let mut late = order(2, "2026-11-01T10:00:00Z");
    late.updated_at = "2026-11-05T08:00:00Z".into();
    store.upsert_shopify_orders(shop, &[order(1, "2026-11-03T10:00:00Z"), late]).await.unwrap();
    assert_eq!(store.latest_order_update(shop).await.unwrap().as_deref(), Some("2026-11-05T08:00:00.000000Z"));
}

#[tokio::test]
async fn an_installation_state_is_taken_once_and_only_while_it_is_fresh() {
    let (store, _dir) = fresh_store().await;
    let state = |nonce: &str| shopsync_store::OAuthState {
        state: nonce.into(),
        shop_domain: "demo.myshopify.com".into(),
        endpoint: None,
        api_version: "2026-10".into(),
        created_at: String::new(),
    };
    store.save_oauth_state(&state("n1")).await.unwrap();
    store.save_oauth_state(&state("n2")).await.unwrap();
    let long_ago = "2000-01-01T00:00:00.000000Z";
    let taken = store.take_oauth_state("n1", long_ago).await.unwrap().expect("a fresh state is found");
    assert_eq!(taken.shop_domain, "demo.myshopify.com");
    assert!(store.take_oauth_state("n1", long_ago).await.unwrap().is_none(), "a state is good for one callback");
    assert!(store.take_oauth_state("unknown", long_ago).await.unwrap().is_none());
    let future = "9999-01-01T00:00:00.000000Z";
    assert!(store.take_oauth_state("n2", future).await.unwrap().is_none(), "an expired state is refused");
}

#[tokio::test]
async fn the_public_url_is_kept_with_the_app_credentials_and_survives_their_replacement() {
    let (store, _dir) = fresh_store().await;
    assert!(!store.set_app_public_url(Some("https://hub.example.com")).await.unwrap(), "no credentials yet");
    assert_eq!(store.app_public_url().await.unwrap(), None);
    let credentials = shopsync_store::AppCredentials {
        client_id: "client".into(),
        client_secret: "sealed".into(),
        previous_client_secret: None,
        updated_at: String::new(),
    };
    store.set_app_credentials(&credentials).await.unwrap();
    assert!(store.set_app_public_url(Some("https://hub.example.com")).await.unwrap());
    store.set_app_credentials(&credentials).await.unwrap();
    assert_eq!(
        store.app_public_url().await.unwrap().as_deref(),
        Some("https://hub.example.com"),
        "a new secret keeps it"
    );
    assert!(store.set_app_public_url(None).await.unwrap());
    assert_eq!(store.app_public_url().await.unwrap(), None);
}

#[tokio::test]
async fn a_page_numbers_its_new_sales_orders_in_order_and_takes_an_order_twice_in_turn() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let mut paid = synced(order(1, "2026-11-01T10:00:00Z"), sales_order(vec![line(1, "A", 1)]));
    paid.transactions = vec![OrderTransactionInput {
        transaction_id: "gid://shopify/OrderTransaction/1".into(),
        order_id: "gid://shopify/Order/1".into(),
        kind: "SALE".into(),
        status: "SUCCESS".into(),
        amount: "10.00".into(),
        currency: "EUR".into(),
        ..Default::default()
    }];
    let mut edited = synced(order(1, "2026-11-01T10:00:00Z"), sales_order(vec![line(1, "A", 3)]));
    edited.order.updated_at = "2026-11-01T11:00:00Z".into();
    let page = vec![
        paid,
        synced(order(2, "2026-11-01T10:00:00Z"), sales_order(vec![line(1, "B", 1), line(2, "C", 2)])),
        failing(order(3, "2026-11-01T10:00:00Z"), vec![not_linked(1, "D")]),
        synced(order(4, "2026-11-01T10:00:00Z"), sales_order(vec![line(1, "E", 1)])),
        edited,
    ];
    let saved = store.save_order_evaluations(shop, &page).await.unwrap();
    let summary: Vec<(Option<&str>, SalesOrderChange)> =
        saved.iter().map(|s| (s.sales_order_number.as_deref(), s.change)).collect();
    assert_eq!(
        summary,
        [
            (Some("SO-000001"), SalesOrderChange::Created),
            (Some("SO-000002"), SalesOrderChange::Created),
            (None, SalesOrderChange::None),
            (Some("SO-000003"), SalesOrderChange::Created),
            (Some("SO-000001"), SalesOrderChange::Updated),
        ]
    );
    let first = store.sales_order("SO-000001").await.unwrap().unwrap();
    assert_eq!(first.lines.len(), 1);
    assert_eq!(first.lines[0].quantity, 3, "the later version wins");
    assert_eq!(store.sales_order("SO-000002").await.unwrap().unwrap().lines.len(), 2);
    let payment = store.order_transactions(shop, "gid://shopify/Order/1").await.unwrap();
    assert_eq!(payment[0].sales_order_id, Some(first.id));
    let stored = store.shopify_order(shop, "gid://shopify/Order/1").await.unwrap().unwrap();
    assert_eq!(stored.shopify_updated_at, "2026-11-01T11:00:00.000000Z");
}

#[tokio::test]
async fn a_child_given_twice_in_one_batch_is_kept_as_its_last_version() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let id = "gid://shopify/Order/1";
    let pending = OrderTransactionInput {
        transaction_id: "gid://shopify/OrderTransaction/10".into(),
        order_id: id.into(),
        kind: "SALE".into(),
        status: "PENDING".into(),
        amount: "29.20".into(),
        currency: "EUR".into(),
        ..Default::default()
    };
    let done = OrderTransactionInput { status: "SUCCESS".into(), ..pending.clone() };
    store.save_order_transactions(shop, &[pending, done]).await.unwrap();
    let stored = store.order_transactions(shop, id).await.unwrap();
    assert_eq!(stored.iter().map(|t| t.status.as_str()).collect::<Vec<_>>(), ["SUCCESS"]);

    let scheduled = Payout {
        payout_id: "gid://shopify/ShopifyPaymentsPayout/1".into(),
        status: "SCHEDULED".into(),
        issued_at: None,
        net: "29.20".into(),
        currency: "EUR".into(),
    };
    let paid = Payout { status: "PAID".into(), ..scheduled.clone() };
    store.save_payouts(shop, &[scheduled, paid]).await.unwrap();
    let payouts = store.payouts(shop, 10).await.unwrap();
    assert_eq!(payouts.iter().map(|p| p.status.as_str()).collect::<Vec<_>>(), ["PAID"]);
}

#[tokio::test]
async fn children_without_a_time_sort_as_the_oldest() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let id = "gid://shopify/Order/1";
    let transactions: Vec<OrderTransactionInput> = [("1", Some("2026-11-02T10:00:00Z")), ("2", None)]
        .into_iter()
        .map(|(n, processed_at)| OrderTransactionInput {
            transaction_id: format!("gid://shopify/OrderTransaction/{n}"),
            order_id: id.into(),
            kind: "SALE".into(),
            status: "SUCCESS".into(),
            amount: "1.00".into(),
            currency: "EUR".into(),
            processed_at: processed_at.map(str::to_string),
            ..Default::default()
        })
        .collect();
    store.save_order_transactions(shop, &transactions).await.unwrap();
    let stored = store.order_transactions(shop, id).await.unwrap();
    assert_eq!(stored[0].processed_at, None, "oldest first, the one without a time before any other");

    let payouts: Vec<Payout> = [("1", Some("2026-11-01T00:00:00Z")), ("2", None), ("3", Some("2026-11-08T00:00:00Z"))]
        .into_iter()
        .map(|(n, issued_at)| Payout {
            payout_id: format!("gid://shopify/ShopifyPaymentsPayout/{n}"),
            status: "PAID".into(),
            issued_at: issued_at.map(str::to_string),
            net: "1.00".into(),
            currency: "EUR".into(),
        })
        .collect();
    store.save_payouts(shop, &payouts).await.unwrap();
    let ids: Vec<String> = store.payouts(shop, 0).await.unwrap().into_iter().map(|p| p.payout_id).collect();
    assert_eq!(
        ids,
        [
            "gid://shopify/ShopifyPaymentsPayout/3",
            "gid://shopify/ShopifyPaymentsPayout/1",
            "gid://shopify/ShopifyPaymentsPayout/2"
        ],
        "newest first, the one without a date last"
    );
}

#[tokio::test]
async fn an_offset_without_a_limit_skips_and_returns_the_rest() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let page: Vec<OrderEvaluation> =
        (1..=3).map(|n| failing(order(n, &format!("2026-11-0{n}T10:00:00Z")), vec![not_linked(1, "A")])).collect();
    store.save_order_evaluations(shop, &page).await.unwrap();
    let rest = OrderFilter { offset: 1, ..Default::default() };
    let names: Vec<String> = store.shopify_orders(shop, &rest).await.unwrap().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["#2", "#1"]);
}
