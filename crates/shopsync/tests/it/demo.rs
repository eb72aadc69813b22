use crate::{run, shopsync, stderr, stdout};

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
    // Every failure case of the seeded store is explained with its remedy.
    for code in ["PRODUCT_NOT_LINKED", "DESTINATION_NOT_ALLOWED", "ORDER_CANCELLED", "INVALID_DESTINATION_POSTAL_CODE"]
    {
        assert!(text.contains(code), "{code} missing from:\n{text}");
    }
    assert!(text.contains("of the rate limit's capacity"), "{text}");
    assert!(text.contains("0 throttled"), "{text}");

    // The database stays for the commands the demo suggests.
    let listed = run(shopsync(&data).args([
        "orders",
        "list",
        "--shop",
        "shopsync-demo.myshopify.com",
        "--status",
        "error",
        "--json",
    ]));
    assert!(listed.status.success(), "{}", stderr(&listed));
    let orders: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(!orders.as_array().unwrap().is_empty());

    // A second demo into the same directory is refused rather than mixing data.
    let again = run(shopsync(&data).args(["demo", "--no-serve"]));
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}
