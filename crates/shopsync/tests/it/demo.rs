use std::collections::BTreeMap;

use crate::{run, shopsync, stderr, stdout};

/// What the demo's order sync makes of each of the simulated store's 40 orders (see the table in
/// `shopify_sim::seed`) with the demo's back office and settings: the import status and the codes that hold it.
/// The back office carries the store's products 1 to 19 and not 20 to 24, so PRODUCT_NOT_LINKED holds exactly the
/// orders of those products; every other order shows its own case.
const EXPECTED: &[(&str, &str, &[&str])] = &[
    ("#1001", "synced", &[]),
    ("#1002", "synced", &[]),
    ("#1003", "synced", &[]),
    ("#1004", "synced", &[]),
    ("#1005", "error", &["PRODUCT_NOT_LINKED"]), // product 20, next to a linked line
    ("#1006", "error", &["PRODUCT_NOT_LINKED"]), // products 21 and 22
    ("#1007", "error", &["PRODUCT_NOT_FOUND"]),  // a deleted product
    ("#1008", "error", &["PRODUCT_NOT_FOUND"]),  // a custom line item
    ("#1009", "error", &["NO_SHIPPABLE_PRODUCT", "PRODUCT_NOT_FOUND"]), // gift card and gift wrapping
    ("#1010", "pending", &["AWAITING_APPROVAL"]),
    ("#1011", "synced", &[]), // approved
    ("#1012", "pending", &["FINANCIAL_STATUS_PENDING"]),
    ("#1013", "pending", &["FINANCIAL_STATUS_PENDING"]), // payment terms, and sync-orders-with-payment-terms off
    ("#1014", "error", &["DESTINATION_NOT_ALLOWED"]),    // Brazil
    ("#1015", "error", &["DESTINATION_NOT_ALLOWED"]),    // Japan
    ("#1016", "ignored", &["NO_SHIPPABLE_PRODUCT", "ORDER_CANCELLED", "ORDER_REFUNDED"]), // cancelled and refunded: no one can fix it
    ("#1017", "ignored", &["ORDER_ALREADY_FULFILLED"]),
    ("#1018", "ignored", &["ORDER_IGNORED_BY_TAG"]),
    ("#1019", "error", &["INVALID_DESTINATION_POSTAL_CODE"]),
    ("#1020", "error", &["INVALID_DESTINATION_POSTAL_CODE"]),
    ("#1021", "synced", &[]),
    ("#1022", "synced", &[]),
    ("#1023", "synced", &[]),
    ("#1024", "synced", &[]),
    ("#1025", "synced", &[]),
    ("#1026", "synced", &[]),
    ("#1027", "pending", &["FINANCIAL_STATUS_PENDING"]), // partially paid
    ("#1028", "ignored", &["NO_SHIPPABLE_PRODUCT", "ORDER_REFUNDED"]), // fully refunded: nothing left to ship
    ("#1029", "ignored", &["ORDER_ALREADY_FULFILLED"]),  // fulfilled, then a return requested
    ("#1030", "synced", &[]),                            // line item properties, note, attributes
    ("#1031", "synced", &[]),
    ("#1032", "synced", &[]),
    ("#1033", "ignored", &["ORDER_ALREADY_FULFILLED"]),
    ("#1034", "error", &["PRODUCT_NOT_LINKED"]), // archived product 23
    ("#1035", "error", &["PRODUCT_NOT_LINKED"]), // draft product 24
    ("#1036", "synced", &[]),
    ("#1037", "synced", &[]),
    ("#1038", "synced", &[]),
    ("#1039", "synced", &[]),
    ("#1040", "synced", &[]),
];

#[test]
fn the_demo_runs_every_flow_and_keeps_its_database_for_inspection() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = run(shopsync(&data).args(["demo", "--no-serve"]));
    assert!(out.status.success(), "demo failed: {}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for flow in ["products", "inventory", "customers", "orders", "fulfillments"] {
        assert!(text.contains(&format!("  {flow} ")), "no {flow} line in:\n{text}");
    }
    // The back office, counted against what the store sells.
    assert!(text.contains("Back office: 25 items with 58 SKUs (46 also sold in the Shopify store)"), "{text}");
    // Every failure case of the seeded store is explained with its remedy.
    for code in ["PRODUCT_NOT_LINKED", "DESTINATION_NOT_ALLOWED", "ORDER_CANCELLED", "INVALID_DESTINATION_POSTAL_CODE"]
    {
        assert!(text.contains(code), "{code} missing from:\n{text}");
    }
    assert!(text.contains("of the rate limit's capacity"), "{text}");
    assert!(text.contains("0 throttled"), "{text}");

    // One count: each code of the orders line's "skipped" is listed with the same number in the breakdown.
    let orders_line = text.lines().find(|l| l.trim_start().starts_with("orders ")).unwrap();
    let codes = orders_line.split(" skipped (").nth(1).and_then(|rest| rest.split(')').next()).unwrap();
    for code_count in codes.split(", ") {
        assert!(text.contains(&format!("  {code_count}: ")), "`{code_count}` of `{orders_line}` not in:\n{text}");
    }

    // The database stays for the commands the demo suggests; each order ended as the seed means it to.
    let listed = run(shopsync(&data).args([
        "orders",
        "list",
        "--shop",
        "shopsync-demo.myshopify.com",
        "--limit",
        "100",
        "--json",
    ]));
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_orders_end_as_seeded(&listed.stdout);

    // A second demo into the same directory is refused rather than mixing data.
    let again = run(shopsync(&data).args(["demo", "--no-serve"]));
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}

/// Asserts that `orders list --json` output shows each of the demo's orders with the status and codes the seed
/// means it to have.
pub fn assert_orders_end_as_seeded(listed: &[u8]) {
    let orders: serde_json::Value = serde_json::from_slice(listed).unwrap();
    let found: BTreeMap<String, (String, Vec<String>)> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|order| {
            let mut codes: Vec<String> =
                order["error_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
            codes.sort();
            codes.dedup();
            (order["name"].as_str().unwrap().to_string(), (order["status"].as_str().unwrap().to_string(), codes))
        })
        .collect();
    let expected: BTreeMap<String, (String, Vec<String>)> = EXPECTED
        .iter()
        .map(|(name, status, codes)| {
            (name.to_string(), (status.to_string(), codes.iter().map(|c| c.to_string()).collect()))
        })
        .collect();
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(name, want)| found.get(*name) != Some(want))
        .map(|(name, want)| format!("{name}: {:?}, expected {want:?}", found.get(name)))
        .collect();
    assert!(wrong.is_empty(), "orders that did not end as the seed means them to:\n{}", wrong.join("\n"));
    assert_eq!(found.len(), expected.len(), "{found:?}");
}
