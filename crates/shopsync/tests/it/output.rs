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

#[tokio::test(flavor = "multi_thread")]
async fn json_output_gives_job_summaries_and_captured_payloads_as_objects_not_strings() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let run = |args: Vec<&str>| {
        let mut command = shopsync(dir.path());
        command.args(args);
        run_async(command)
    };
    let out = run(vec!["shop", "set", &domain, "order-import-from", "all"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(vec!["sync", "orders", "--shop", &domain]).await;
    assert!(matches!(out.status.code(), Some(0 | 5)), "{}", stderr(&out));

    let out = run(vec!["jobs", "--shop", &domain, "--json"]).await;
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &jobs[0]["summary"];
    assert!(summary.is_object(), "the summary is an object: {summary}");
    assert!(summary["skipped"].as_u64().unwrap() > 0 && summary["errors"].is_object(), "{summary}");
    // A person reads the summary as a sentence, not as JSON.
    let out = run(vec!["jobs", "--shop", &domain]).await;
    assert!(stdout(&out).contains(" created, "), "{}", stdout(&out));
    assert!(!stdout(&out).contains("\"created\""), "{}", stdout(&out));

    let out = run(vec!["capture", "list", "--shop", &domain, "--type", "order", "--json"]).await;
    let captures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let payload = &captures[0]["payload"];
    assert!(payload.is_object(), "the payload is an object: {payload}");
    let order_id = captures[0]["object_id"].as_str().unwrap().to_string();
    assert_eq!(payload["id"].as_str(), Some(order_id.as_str()), "{payload}");

    let out = run(vec!["capture", "show", "--shop", &domain, "--type", "order", &order_id, "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let versions: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(versions[0]["payload"].is_object(), "{versions}");
    sim.shutdown().await;
}

#[test]
fn verbose_diagnostics_written_to_a_pipe_carry_no_colour_codes() {
    let dir = crate::initialised();
    // Nothing listens on port 1, so the check fails fast and the client's debug output says why it retried.
    let out = crate::run_with_stdin(
        shopsync(dir.path()).args([
            "shop",
            "add",
            "--domain",
            "demo.myshopify.com",
            "--token-stdin",
            "--endpoint",
            "http://127.0.0.1:1",
        ]),
        "shpat_0123456789abcdef",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out =
        crate::run(shopsync(dir.path()).env_remove("RUST_LOG").args(["-v", "shop", "check", "demo.myshopify.com"]));
    assert!(stderr(&out).contains("DEBUG"), "-v writes debug lines: {}", stderr(&out));
    assert!(!out.stderr.contains(&0x1b), "escape codes in a pipe: {}", stderr(&out));
}

#[test]
fn sim_help_documents_the_seeds_and_the_control_routes() {
    let out = crate::run(std::process::Command::new(env!("CARGO_BIN_EXE_shopsync")).args(["sim", "--help"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in ["orders:N", "/_sim/orders", "/_sim/faults", "/_sim/inventory", "/_sim/stats"] {
        assert!(text.contains(needle), "{needle} missing from sim --help:\n{text}");
    }
}
