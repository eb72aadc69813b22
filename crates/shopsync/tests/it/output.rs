//! What the binary prints for a person: text that came from Shopify or a file cannot drive the terminal.

use shopify_sim::{SimConfig, Simulator};

use crate::{connected_to, run_async, shopsync, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn text_from_shopify_cannot_drive_the_terminal_but_json_keeps_it() {
    use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    // Clear the screen, and a hyperlink whose text hides where it goes.
    let clear = "\u{1b}[2J\u{1b}[H";
    let link = "\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}";
    let order = sim
        .control()
        .create_order(&OrderSpec {
            lines: vec![LineSpec { sku: Some(format!("NOPE{clear}")), quantity: 1, ..Default::default() }],
            address: AddressSpec {
                first_name: Some(format!("Eve{clear}")),
                address1: Some(format!("Main street 1{link}")),
                ..Default::default()
            },
            tags: vec![format!("vip{clear}")],
            note: Some(format!("call me{link}")),
            ..Default::default()
        })
        .unwrap();
    let out = run_async({
        let mut c = shopsync(dir.path());
        c.args(["shop", "set", &domain, "order-import-from", "all"]);
        c
    })
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let mut sync = shopsync(dir.path());
    sync.args(["sync", "orders", "--shop", &domain]);
    let out = run_async(sync).await;
    assert!(!out.stdout.contains(&0x1b), "sync printed an escape: {}", stdout(&out));

    let mut list = shopsync(dir.path());
    list.args(["orders", "list", "--shop", &domain, "--limit", "100"]);
    let out = run_async(list).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&order.name), "{}", stdout(&out));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "{}", stdout(&out));

    let mut show = shopsync(dir.path());
    show.args(["orders", "show", "--shop", &domain, &order.name]);
    let out = run_async(show).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("vip"), "{}", stdout(&out));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "{}", stdout(&out));

    let mut json = shopsync(dir.path());
    json.args(["orders", "show", "--shop", &domain, &order.name, "--json"]);
    let out = run_async(json).await;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value.to_string().contains("vip\\u001b[2J"), "JSON must keep the text exactly: {value}");
    sim.shutdown().await;
}
