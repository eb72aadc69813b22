use std::collections::BTreeMap;

use shopsync_store::{Address, CustomerQuery, CustomerTemplate, MatchedBy, NewCustomer, NewShop, ShopifyCustomerInput};

use shopsync_store::Store;

use super::fresh_store;

async fn add_shop(store: &dyn Store) -> i64 {
    let shop = NewShop { domain: "demo.myshopify.com".into(), api_version: "2026-10".into(), ..Default::default() };
    store.add_shop(&shop).await.unwrap().id
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn complete_template(store: &dyn Store) -> CustomerTemplate {
    let values = fields(&[
        ("customer_posting_group", "DOMESTIC"),
        ("gen_bus_posting_group", "WEB"),
        ("vat_bus_posting_group", "NATIONAL"),
        ("payment_terms_code", "PREPAID"),
        ("currency_code", "EUR"),
    ]);
    store.save_customer_template("WEB", Some("Web shop customers"), &values).await.unwrap()
}

fn shopify(id: u64, name: &str, email: Option<&str>, phone: Option<&str>) -> ShopifyCustomerInput {
    ShopifyCustomerInput {
        shopify_customer_id: format!("gid://shopify/Customer/{id}"),
        name: name.into(),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        addresses: vec![Address {
            city: Some("Utrecht".into()),
            country_code: Some("NL".into()),
            ..Default::default()
        }],
        shopify_updated_at: Some("2026-11-01T10:00:00Z".into()),
    }
}

async fn existing(store: &dyn Store, name: &str, email: Option<&str>, phone: Option<&str>) -> i64 {
    let customer = NewCustomer {
        name: name.into(),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        ..Default::default()
    };
    store.create_customer(&customer).await.unwrap().id
}

#[tokio::test]
async fn customers_are_matched_by_email_first_then_by_phone() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let anna = existing(&*store, "Anna Berg", Some("Anna.Berg@Example.com"), Some("+31 6 1111 2222")).await;
    let bram = existing(&*store, "Bram Smit", None, Some("+31 (0)20 555 1234")).await;
    let template = complete_template(&*store).await;

    let resolved = store
        .resolve_shopify_customers(
            shop,
            &[
                // The email matches Anna even though the phone is Bram's: email wins.
                shopify(1, "A. Berg", Some("  anna.berg@example.COM "), Some("+31 (0)20-555-1234")),
                shopify(2, "Bram", None, Some("+31 (0) 20 555 12 34")),
            ],
            Some(&template),
        )
        .await
        .unwrap();
    assert_eq!(resolved[0].customer.as_ref().unwrap().id, anna);
    assert_eq!(resolved[0].matched_by, Some(MatchedBy::Email));
    assert_eq!(resolved[1].customer.as_ref().unwrap().id, bram);
    assert_eq!(resolved[1].matched_by, Some(MatchedBy::Phone));
    assert!(!resolved[0].created && !resolved[1].created);
    // A match is linked; the back-office customer is left as it is.
    let link = store.customer_link(shop, "gid://shopify/Customer/1").await.unwrap().unwrap();
    assert_eq!((link.customer_id, link.matched_by), (anna, MatchedBy::Email));
    assert_eq!(resolved[0].customer.as_ref().unwrap().name, "Anna Berg");
    assert_eq!(store.customer_links_of(bram).await.unwrap().len(), 1);
}

#[tokio::test]
async fn near_misses_never_link_strangers() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    existing(&*store, "Anna Berg", Some("anna.berg@example.com"), Some("+31 6 1111 2222")).await;
    existing(&*store, "Kees", None, Some("12345")).await;
    let template = complete_template(&*store).await;
    let strangers = [
        shopify(1, "Typo", Some("anna.berg@example.co"), None),
        shopify(2, "Dot", Some("annaberg@example.com"), None),
        shopify(3, "One digit off", None, Some("+31 6 1111 2223")),
        shopify(4, "National form", None, Some("06 1111 2222")),
        shopify(5, "Same phone, another email", Some("someone.else@example.com"), Some("+31 6 1111 2222")),
        shopify(6, "Short number", None, Some("12345")),
    ];
    let resolved = store.resolve_shopify_customers(shop, &strangers, Some(&template)).await.unwrap();
    for r in &resolved {
        assert_eq!(r.matched_by, Some(MatchedBy::Created), "{} must not match: {r:?}", r.shopify_customer_id);
    }
    let numbers: Vec<String> = resolved.iter().map(|r| r.customer.as_ref().unwrap().number.clone()).collect();
    assert_eq!(numbers, ["C-000003", "C-000004", "C-000005", "C-000006", "C-000007", "C-000008"]);
}

#[tokio::test]
async fn a_new_customer_takes_the_templates_fields_and_is_linked_once() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let template = complete_template(&*store).await;
    let input = shopify(9, "Chris Vos", Some("chris@example.com"), Some("+32 470 12 34 56"));
    let first = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    let created = first[0].customer.clone().unwrap();
    assert!(first[0].created);
    assert_eq!(created.number, "C-000001");
    assert_eq!(created.template_code.as_deref(), Some("WEB"));
    assert_eq!(created.fields["gen_bus_posting_group"], "WEB");
    assert_eq!(created.fields["currency_code"], "EUR");
    assert_eq!(created.addresses[0].city.as_deref(), Some("Utrecht"));

    // Read again (an overlapping sync): the link answers, nothing new is created.
    let again = store.resolve_shopify_customers(shop, &[input], Some(&template)).await.unwrap();
    assert_eq!(again[0].customer.as_ref().unwrap().id, created.id);
    assert!(!again[0].created && !again[0].updated);
    assert_eq!(store.customers(&CustomerQuery::default()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_complete_template_no_customer_is_created_and_the_missing_fields_are_named() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let partial = store
        .save_customer_template(
            "B2B",
            None,
            &fields(&[("customer_posting_group", "FOREIGN"), ("payment_terms_code", "NET30")]),
        )
        .await
        .unwrap();
    let input = shopify(1, "Dana", Some("dana@example.com"), None);
    let resolved = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&partial)).await.unwrap();
    assert!(resolved[0].customer.is_none());
    assert_eq!(resolved[0].missing_fields, ["gen_bus_posting_group", "vat_bus_posting_group"]);
    let none = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), None).await.unwrap();
    assert_eq!(none[0].missing_fields.len(), 4, "every required field when there is no template");
    assert!(store.customers(&CustomerQuery::default()).await.unwrap().is_empty());
    assert!(store.customer_link(shop, "gid://shopify/Customer/1").await.unwrap().is_none());

    // An existing customer still matches without a template: only creation needs one.
    existing(&*store, "Dana", Some("DANA@example.com"), None).await;
    let matched = store.resolve_shopify_customers(shop, &[input], None).await.unwrap();
    assert_eq!(matched[0].matched_by, Some(MatchedBy::Email));
}

#[tokio::test]
async fn a_linked_customer_follows_newer_shopify_data_only() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let template = complete_template(&*store).await;
    let mut input = shopify(5, "Eva Jansen", Some("eva@example.com"), None);
    store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();

    input.name = "Eva de Vries".into();
    input.phone = Some("+31 6 9999 0000".into());
    input.shopify_updated_at = Some("2026-11-03T10:00:00Z".into());
    let newer = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    assert!(newer[0].updated);
    let customer = newer[0].customer.clone().unwrap();
    assert_eq!((customer.name.as_str(), customer.phone.as_deref()), ("Eva de Vries", Some("+31 6 9999 0000")));
    // Found by the new phone now.
    let (found, by) = store.find_customer(None, Some("+31699990000")).await.unwrap().unwrap();
    assert_eq!((found.id, by), (customer.id, MatchedBy::Phone));

    let mut stale = input.clone();
    stale.name = "Old name".into();
    stale.shopify_updated_at = Some("2026-11-02T10:00:00Z".into());
    let older = store.resolve_shopify_customers(shop, &[stale], Some(&template)).await.unwrap();
    assert!(!older[0].updated);
    assert_eq!(older[0].customer.as_ref().unwrap().name, "Eva de Vries", "an older version never overwrites");
}

#[tokio::test]
async fn a_customer_edited_in_the_second_of_the_last_read_is_updated_by_its_content() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let template = complete_template(&*store).await;
    let mut input = shopify(6, "Eva Jansen", Some("eva@example.com"), None);
    store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    // The same version read again (an overlapping sync) changes nothing.
    let again = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    assert!(!again[0].updated);

    // Edited in Shopify in the same second: `updatedAt` (whole seconds) stays, the content does not.
    input.name = "Eva de Vries".into();
    let edited = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    assert!(edited[0].updated, "an edit in the second of the last read is applied");
    assert_eq!(edited[0].customer.as_ref().unwrap().name, "Eva de Vries");
    let again = store.resolve_shopify_customers(shop, std::slice::from_ref(&input), Some(&template)).await.unwrap();
    assert!(!again[0].updated, "and applied once");
}

#[tokio::test]
async fn templates_round_trip_and_keep_their_description() {
    let (store, _dir) = fresh_store().await;
    let first = store
        .save_customer_template("WEB", Some("Web shop"), &fields(&[("payment_terms_code", "PREPAID")]))
        .await
        .unwrap();
    assert_eq!(first.description, "Web shop");
    let second = store.save_customer_template("WEB", None, &fields(&[("payment_terms_code", "NET14")])).await.unwrap();
    assert_eq!(second.description, "Web shop", "no description keeps the stored one");
    assert_eq!(second.fields["payment_terms_code"], "NET14");
    assert_eq!(second.created_at, first.created_at);
    store.save_customer_template("B2B", None, &BTreeMap::new()).await.unwrap();
    let codes: Vec<String> = store.customer_templates().await.unwrap().into_iter().map(|t| t.code).collect();
    assert_eq!(codes, ["B2B", "WEB"]);
    assert!(store.remove_customer_template("B2B").await.unwrap());
    assert!(store.customer_template("B2B").await.unwrap().is_none());
    assert!(!store.remove_customer_template("B2B").await.unwrap());
}

#[tokio::test]
async fn customers_are_listed_by_number_and_searched() {
    let (store, _dir) = fresh_store().await;
    existing(&*store, "Anna Berg", Some("anna@example.com"), None).await;
    existing(&*store, "Bram Smit", Some("bram@example.com"), Some("+31 20 555 1234")).await;
    let all = store.customers(&CustomerQuery::default()).await.unwrap();
    assert_eq!(all.iter().map(|c| c.number.as_str()).collect::<Vec<_>>(), ["C-000001", "C-000002"]);
    for search in ["bram", "BRAM@", "555", "c-000002"] {
        let found =
            store.customers(&CustomerQuery { search: Some(search.into()), ..Default::default() }).await.unwrap();
        assert_eq!(found.len(), 1, "{search}");
        assert_eq!(found[0].name, "Bram Smit");
    }
    assert_eq!(store.customer("C-000001").await.unwrap().unwrap().email.as_deref(), Some("anna@example.com"));
}

#[tokio::test]
async fn a_search_takes_a_backslash_as_it_is() {
    let (store, _dir) = fresh_store().await;
    existing(&*store, r"Back\slash Ltd", None, None).await;
    existing(&*store, "Backslash Ltd", None, None).await;
    let found = store.customers(&CustomerQuery { search: Some(r"k\s".into()), ..Default::default() }).await.unwrap();
    assert_eq!(found.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), [r"Back\slash Ltd"]);
}

#[tokio::test]
async fn the_customer_probe_reads_the_versions_and_counts_of_linked_customers() {
    let (store, _dir) = fresh_store().await;
    let shop = add_shop(&*store).await;
    let template = complete_template(&*store).await;
    let mut inputs = Vec::new();
    for (id, at) in [(1, "2026-11-01T10:00:00Z"), (2, "2026-11-01T10:04:59Z"), (3, "2026-11-01T10:05:00Z")] {
        let mut input = shopify(id, &format!("Person {id}"), Some(&format!("p{id}@example.com")), None);
        input.shopify_updated_at = Some(at.into());
        inputs.push(input);
    }
    // An order's view of its customer has no version: linked, but not held at a version.
    let mut unversioned = shopify(4, "Person 4", Some("p4@example.com"), None);
    unversioned.shopify_updated_at = None;
    inputs.push(unversioned);
    store.resolve_shopify_customers(shop, &inputs, Some(&template)).await.unwrap();

    let ids: Vec<String> = (1..=5).map(|id| format!("gid://shopify/Customer/{id}")).collect();
    let versions = store.shopify_customer_versions(shop, &ids).await.unwrap();
    let expected: BTreeMap<String, String> = [
        (ids[0].clone(), shopsync_core::time::normalize("2026-11-01T10:00:00Z").unwrap()),
        (ids[1].clone(), shopsync_core::time::normalize("2026-11-01T10:04:59Z").unwrap()),
        (ids[2].clone(), shopsync_core::time::normalize("2026-11-01T10:05:00Z").unwrap()),
    ]
    .into();
    assert_eq!(versions, expected);
    assert!(store.shopify_customer_versions(shop, &[]).await.unwrap().is_empty());

    let at = |t: &str| shopsync_core::time::normalize(t).unwrap();
    let (from, before) = (at("2026-11-01T10:00:00Z"), at("2026-11-01T10:05:00Z"));
    assert_eq!(store.count_shopify_customers(shop, Some(&from), Some(&before)).await.unwrap(), 2, "the window");
    assert_eq!(store.count_shopify_customers(shop, Some(&before), None).await.unwrap(), 1, "at or after");
    assert_eq!(store.count_shopify_customers(shop, None, None).await.unwrap(), 3, "every versioned link");
    assert_eq!(store.count_shopify_customers(shop + 1, None, None).await.unwrap(), 0, "another shop's");
}
