//! Privacy requests (`customers/redact`, `shop/redact`): sales orders lose what names or reaches a person and keep
//! the rest, customers created from Shopify are anonymised once no shop links them, captures and request log
//! entries that mention the customer go; doing a request twice removes nothing more.

use shopsync_store::{
    CaptureInput, CustomerRedaction, MatchedBy, NewCustomer, RedactionReport, RequestLogEntry, RequestLogFilter,
    SalesOrder, Store,
};

use super::fresh_store;
use super::orders::{add_shop, line, order, sales_order, synced};

/// Two orders of Anna's with their sales orders (`SO-000001` for order 1, `SO-000002` for order 2).
async fn two_sales_orders(store: &dyn Store) -> i64 {
    let shop = add_shop(store).await;
    let page = vec![
        synced(order(1, "2026-11-01T10:00:00Z"), sales_order(vec![line(1, "A", 1)])),
        synced(order(2, "2026-11-02T10:00:00Z"), sales_order(vec![line(1, "B", 2)])),
    ];
    store.save_order_evaluations(shop, &page).await.unwrap();
    shop
}

async fn sales_order_named(store: &dyn Store, number: &str) -> SalesOrder {
    store.sales_order(number).await.unwrap().unwrap()
}

/// What is left of a redacted sales order: no e-mail, an address with only what taxes and accounting need.
fn assert_stripped(so: &SalesOrder) {
    assert_eq!(so.email, None, "{so:?}");
    let ship_to = so.ship_to.as_ref().expect("the address stays, stripped");
    assert_eq!((&ship_to.name, &ship_to.address1, &ship_to.zip, &ship_to.city), (&None, &None, &None, &None));
    assert_eq!(ship_to.country_code.as_deref(), Some("NL"), "the country stays");
    assert_eq!(so.total, "29.20", "amounts stay");
    assert_eq!(so.lines.len(), 1, "lines stay");
}

#[tokio::test]
async fn a_customer_redaction_strips_the_sales_orders_of_the_orders_named_and_only_those() {
    let (store, _dir) = fresh_store().await;
    let shop = two_sales_orders(&*store).await;
    let request = CustomerRedaction { order_ids: vec!["gid://shopify/Order/1".into()], ..Default::default() };
    let report = store.redact_customer(shop, &request).await.unwrap();
    assert_eq!(report, RedactionReport { sales_orders_redacted: 1, ..Default::default() });
    assert_stripped(&sales_order_named(&*store, "SO-000001").await);
    let other = sales_order_named(&*store, "SO-000002").await;
    assert_eq!(other.email.as_deref(), Some("anna@example.com"), "an order not named keeps its e-mail");
    assert_eq!(other.ship_to.as_ref().and_then(|a| a.name.as_deref()), Some("Anna Berg"));

    let again = store.redact_customer(shop, &request).await.unwrap();
    assert_eq!(again, RedactionReport::default(), "nothing is left to remove");
}

#[tokio::test]
async fn a_shop_redaction_strips_every_sales_order_of_the_shop_once() {
    let (store, _dir) = fresh_store().await;
    let shop = two_sales_orders(&*store).await;
    let report = store.redact_shop(shop).await.unwrap();
    assert_eq!(report.sales_orders_redacted, 2, "{report:?}");
    for number in ["SO-000001", "SO-000002"] {
        assert_stripped(&sales_order_named(&*store, number).await);
    }
    assert_eq!(store.redact_shop(shop).await.unwrap(), RedactionReport::default(), "nothing is left to remove");
}

#[tokio::test]
async fn a_customer_redaction_reaches_the_customer_its_link_captures_and_log_entries() {
    let (store, _dir) = fresh_store().await;
    let shop = two_sales_orders(&*store).await;
    let gone = "gid://shopify/Customer/7";
    let kept = "gid://shopify/Customer/70";
    let mut linked = Vec::new();
    for (shopify_id, email) in [(gone, "Anna@Example.com"), (kept, "bo@example.com")] {
        let customer = store
            .create_customer(&NewCustomer {
                name: "A person".into(),
                email: Some(email.into()),
                phone: Some("+31 20 123 4567".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        store.link_customer(shop, shopify_id, customer.id, MatchedBy::Created).await.unwrap();
        linked.push(customer.id);
    }
    let captures = [
        (gone, r#"{"id":"gid://shopify/Customer/7"}"#),
        (kept, r#"{"id":"gid://shopify/Customer/70"}"#),
        ("gid://shopify/Order/2", r#"{"email":"ANNA@example.com"}"#),
    ];
    let captures: Vec<CaptureInput> = captures
        .iter()
        .map(|(id, payload)| CaptureInput {
            object_type: "customer".into(),
            object_id: (*id).into(),
            payload: (*payload).into(),
        })
        .collect();
    store.capture(shop, &captures).await.unwrap();
    for body in [r#"{"customer":"gid://shopify/Customer/7"}"#, r#"{"customer":"gid://shopify/Customer/70"}"#] {
        let entry = RequestLogEntry {
            shop_id: Some(shop),
            started_at: "2026-11-03T10:00:00.000000Z".into(),
            method: "POST".into(),
            url: "https://demo.myshopify.com/admin/api/2026-10/graphql.json".into(),
            response_body: Some(body.into()),
            duration_ms: 5,
            attempt: 1,
            ..Default::default()
        };
        store.log_request(&entry).await.unwrap();
    }

    let request = CustomerRedaction {
        customer_id: Some(gone.into()),
        email: Some(" anna@example.com ".into()),
        order_ids: vec!["gid://shopify/Order/1".into()],
    };
    let report = store.redact_customer(shop, &request).await.unwrap();
    assert_eq!(
        report,
        RedactionReport {
            customers_anonymised: 1,
            customer_links_removed: 1,
            sales_orders_redacted: 1,
            captures_deleted: 2,
            log_entries_deleted: 1,
        }
    );
    let redacted = store.customer_by_id(linked[0]).await.unwrap().unwrap();
    assert_eq!(redacted.name, "Redacted customer");
    assert!(redacted.email.is_none() && redacted.phone.is_none(), "{redacted:?}");
    assert!(store.customer_link(shop, gone).await.unwrap().is_none(), "the link is gone");
    let other = store.customer_by_id(linked[1]).await.unwrap().unwrap();
    assert_eq!(other.email.as_deref(), Some("bo@example.com"), "another customer is left alone");
    assert!(store.customer_link(shop, kept).await.unwrap().is_some());
    assert_eq!(store.captures(shop, "customer", kept).await.unwrap().len(), 1, "another customer's capture stays");
    let logs = store.request_logs(&RequestLogFilter { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");

    let again = store.redact_customer(shop, &request).await.unwrap();
    assert_eq!(again, RedactionReport::default(), "nothing is left to remove");
}
