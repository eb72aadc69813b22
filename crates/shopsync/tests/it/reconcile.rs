//! `shopsync reconcile` through the real binary against the simulator: Shopify changed behind shopsync's back is
//! found difference by difference, `--fix` sends the back office's values back, and the run is kept.

use shopify_sim::control::StockChange;
use shopify_sim::{Seed, SimConfig, SimHandle, Simulator};

use crate::{connected_to, shopsync_run, stderr, stdout};

const ITEMS: &str = "\
item_number,item_name,status,vendor,option1_name,option1_value,sku
I-100,Everyday Hoodie,active,Fabrikam,Size,S,HOOD-S
I-100,,,,,M,HOOD-M
I-200,Recycled Mug,active,Tailspin,,,MUG-1
I-300,Wool Cap,active,Tailspin,,,CAP-1
";
const PRICES: &str = "sku,price,compare_at_price\nHOOD-S,49.00,\nHOOD-M,49.00,\nMUG-1,12.50,\nCAP-1,19.00,\n";
const STOCK: &str = "warehouse,sku,quantity\nMAIN,HOOD-S,7\nMAIN,HOOD-M,3\nMAIN,MUG-1,5\nMAIN,CAP-1,2\n";

/// Runs `args` and returns its JSON, failing with the command's output when it did not succeed.
async fn json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = shopsync_run(dir, args).await;
    assert!(out.status.success(), "{args:?}: {}{}", stdout(&out), stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)))
}

/// The differences of a run as (kind, key, status), in the order reported.
fn differences(run: &serde_json::Value) -> Vec<(String, String, String)> {
    run["run"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |f: &str| d[f].as_str().unwrap_or_default().to_string();
            (text("kind"), text("key"), text("status"))
        })
        .collect()
}

async fn pushed_catalog(sim: &SimHandle) -> (tempfile::TempDir, String) {
    let dir = connected_to(sim);
    let domain = sim.shop_domain().to_string();
    let location = sim.control().locations()[0].id.clone();
    for (name, text) in [("items.csv", ITEMS), ("prices.csv", PRICES), ("stock.csv", STOCK)] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let steps: Vec<Vec<String>> = vec![
        vec!["items".into(), "import".into(), path("items.csv")],
        vec![
            "prices".into(),
            "import".into(),
            path("prices.csv"),
            "--price-list".into(),
            "RETAIL".into(),
            "--currency".into(),
            "EUR".into(),
        ],
        vec!["stock".into(), "import".into(), path("stock.csv")],
        vec!["shop".into(), "set".into(), domain.clone(), "allow-data-sync-to-shopify".into(), "on".into()],
        vec!["shop".into(), "set".into(), domain.clone(), "location-map".into(), format!("MAIN={location}")],
        vec!["sync".into(), "products".into(), "--shop".into(), domain.clone()],
        vec!["sync".into(), "inventory".into(), "--shop".into(), domain.clone()],
    ];
    for step in steps {
        let args: Vec<&str> = step.iter().map(String::as_str).collect();
        let out = shopsync_run(dir.path(), &args).await;
        assert!(out.status.success(), "{args:?}: {}{}", stdout(&out), stderr(&out));
    }
    (dir, domain)
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_finds_prices_stock_and_a_deleted_product_changed_in_shopify_and_fix_restores_them() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let (dir, domain) = pushed_catalog(&sim).await;
    let dir = dir.path();
    let location = sim.control().locations()[0].id.clone();

    // Right after the push both sides agree.
    let run = json(dir, &["reconcile", "--shop", &domain, "--json"]).await;
    assert_eq!(differences(&run), vec![], "{run:#}");

    // Someone changes Shopify in its admin: a price, a quantity, and a linked product deleted.
    sim.control().set_price("HOOD-S", "39.00".parse().unwrap()).unwrap();
    let change = StockChange {
        sku: Some("HOOD-M".into()),
        inventory_item_id: None,
        location_id: Some(location.clone()),
        name: None,
        quantity: 10,
    };
    sim.control().set_stock(&change).unwrap();
    sim.control().delete_product("CAP-1").unwrap();

    sim.control().reset_stats();
    let run = json(dir, &["reconcile", "--shop", &domain, "--json"]).await;
    let found = differences(&run);
    assert_eq!(
        found,
        vec![
            ("price-differs".to_string(), "HOOD-S".to_string(), "open".to_string()),
            ("quantity-differs".to_string(), "HOOD-M@MAIN".to_string(), "open".to_string()),
            ("link-broken".to_string(), "I-300".to_string(), "open".to_string()),
        ],
        "{run:#}"
    );
    let price = &run["run"]["differences"][0];
    assert_eq!((price["back_office"].as_str(), price["shopify"].as_str()), (Some("49.00"), Some("39.00")));
    let quantity = &run["run"]["differences"][1];
    assert_eq!((quantity["back_office"].as_str(), quantity["shopify"].as_str()), (Some("3"), Some("10")));
    assert_eq!(run["counts"]["price-differs"], 1);
    assert_eq!(run["counts"]["missing-in-back-office"], 0);
    // One bulk query reads everything, and a report sends no write (its only mutation starts the export).
    let stats = sim.control().stats();
    assert_eq!(stats.by_root_field.get("bulkOperationRunQuery").copied(), Some(1), "{stats:?}");
    assert_eq!(stats.mutations, 1, "{stats:?}");
    assert!(run["run"]["requests"].as_i64().unwrap() >= 2 && run["run"]["points"].as_i64().unwrap() > 0, "{run:#}");

    // The person's view says the same, with the fix to run.
    let out = shopsync_run(dir, &["reconcile", "--shop", &domain, "--last"]).await;
    let text = stdout(&out);
    assert!(text.contains("3 differences: link-broken 1, price-differs 1, quantity-differs 1"), "{text}");
    assert!(text.contains(&format!("shopsync reconcile --shop {domain} --fix")), "{text}");

    let run = json(dir, &["reconcile", "--shop", &domain, "--fix", "--json"]).await;
    assert_eq!(
        differences(&run),
        vec![
            ("price-differs".to_string(), "HOOD-S".to_string(), "fixed".to_string()),
            ("quantity-differs".to_string(), "HOOD-M@MAIN".to_string(), "fixed".to_string()),
            ("link-broken".to_string(), "I-300".to_string(), "left".to_string()),
        ],
        "{run:#}"
    );
    let hood = sim.control().variants_by_sku("HOOD-S");
    assert_eq!(hood[0].price, "49.00");
    assert_eq!(sim.control().quantity("HOOD-M", Some(&location), "available"), Some(3));

    // Only what reconcile does not fix is left: the deleted product's link, for a person to decide.
    let run = json(dir, &["reconcile", "--shop", &domain, "--json"]).await;
    assert_eq!(
        differences(&run),
        vec![("link-broken".to_string(), "I-300".to_string(), "open".to_string())],
        "{run:#}"
    );
    let last = json(dir, &["reconcile", "--shop", &domain, "--last", "--json"]).await;
    assert_eq!(last["run"], run["run"]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_of_an_unknown_shop_or_one_never_reconciled_says_what_to_do() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();

    let out = shopsync_run(dir.path(), &["reconcile", "--shop", "nowhere.myshopify.com"]).await;
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(text.contains("there is no shop nowhere.myshopify.com") && text.contains("shopsync shop list"), "{text}");

    let out = shopsync_run(dir.path(), &["reconcile", "--shop", &domain, "--last"]).await;
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(
        text.contains("never reconciled") && text.contains(&format!("shopsync reconcile --shop {domain}")),
        "{text}"
    );
    sim.shutdown().await;
}
