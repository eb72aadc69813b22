use std::process::Output;

use shopify_sim::{Faults, SimConfig, SimHandle, Simulator};
use tempfile::TempDir;

use crate::{connected_to, run_async, shopsync, stderr, stdout};

/// A shop connected to a simulator that has revoked its token, after one `shop check`: returns the simulator, the
/// data directory and the check's output (the refused call is in the request log).
async fn checked_with_a_revoked_token() -> (SimHandle, TempDir, Output) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    sim.control().set_faults(Faults { token_revoked: true, ..Faults::default() });
    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    (sim, dir, out)
}

#[tokio::test(flavor = "multi_thread")]
async fn shop_check_proves_the_token_works_and_records_the_scopes() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();

    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Connected to shopsync demo"), "{}", stdout(&out));
    assert!(stdout(&out).contains("every scope shopsync uses"), "{}", stdout(&out));

    let mut show = shopsync(dir.path());
    show.args(["shop", "show", &domain, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&run_async(show).await.stdout).unwrap();
    assert_eq!(json["access"], "ok");
    assert!(json["scopes"].as_str().unwrap().contains("write_inventory"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_marks_the_shop_as_needing_access() {
    let (sim, dir, out) = checked_with_a_revoked_token().await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("set-token"), "{}", stderr(&out));
    // Shopify answered 401 once: the client must not retry it.
    assert_eq!(sim.control().stats().unauthorized, 1);

    let mut list = shopsync(dir.path());
    list.args(["shop", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&run_async(list).await.stdout).unwrap();
    assert_eq!(json[0]["access"], "needs access");
    // The failed call is in the request log (logging defaults to errors only), without the token.
    let mut log = shopsync(dir.path());
    log.args(["log", "list", "--json"]);
    let out = run_async(log).await;
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{}", stdout(&out));
    assert_eq!(entries[0]["status"], 401);
    use secrecy::ExposeSecret;
    assert!(!stdout(&out).contains(sim.access_token().expose_secret()));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_request_leaves_when_outgoing_requests_are_off() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let mut set = shopsync(dir.path());
    set.args(["shop", "set", &domain, "allow-outgoing-requests", "off"]);
    assert!(run_async(set).await.status.success());

    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("allow-outgoing-requests on"), "{}", stderr(&out));
    let stats = sim.control().stats();
    assert_eq!(stats.graphql_requests + stats.unauthorized + stats.rest_requests, 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn log_purge_deletes_nothing_unless_told_how_much() {
    let (sim, dir, _) = checked_with_a_revoked_token().await;
    let count = |dir: &std::path::Path| {
        let mut log = shopsync(dir);
        log.args(["log", "list", "--json"]);
        async move {
            let out = run_async(log).await;
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().len()
        }
    };
    assert_eq!(count(dir.path()).await, 1, "the refused call is logged");

    // A bare purge is a usage error that says what to add, and the entry stays.
    let mut purge = shopsync(dir.path());
    purge.args(["log", "purge"]);
    let out = run_async(purge).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--older-than") && stderr(&out).contains("--all"), "{}", stderr(&out));
    assert_eq!(count(dir.path()).await, 1);

    // Entries younger than the limit stay; --all deletes them.
    let mut purge = shopsync(dir.path());
    purge.args(["log", "purge", "--older-than", "7"]);
    let out = run_async(purge).await;
    assert!(stdout(&out).contains("Deleted 0 request log entries"), "{}", stdout(&out));
    let mut purge = shopsync(dir.path());
    purge.args(["log", "purge", "--all"]);
    let out = run_async(purge).await;
    assert!(stdout(&out).contains("Deleted 1 request log entries"), "{}", stdout(&out));
    assert_eq!(count(dir.path()).await, 0);
    sim.shutdown().await;
}

/// `shop set-token` for the simulator's shop with `token` on standard input.
async fn set_token(dir: &std::path::Path, domain: &str, token: &str) -> Output {
    let mut command = shopsync(dir);
    command.args(["shop", "set-token", domain, "--token-stdin"]);
    let token = token.to_string();
    tokio::task::spawn_blocking(move || crate::run_with_stdin(&mut command, &token)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn set_token_checks_the_new_token_as_shop_check_does() {
    use secrecy::ExposeSecret;
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();

    let out = set_token(dir.path(), &domain, sim.access_token().expose_secret()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("access token replaced"), "{}", stdout(&out));
    assert!(stdout(&out).contains("Connected to shopsync demo"), "{}", stdout(&out));
    assert!(stdout(&out).contains("every scope shopsync uses"), "{}", stdout(&out));

    // A token the store refuses is stored, but said to be refused (exit 4), and the shop needs access.
    let out = set_token(dir.path(), &domain, "shpat_not_the_right_one").await;
    assert_eq!(out.status.code(), Some(4), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("Shopify refused the new token"), "{}", stderr(&out));
    let mut list = shopsync(dir.path());
    list.args(["shop", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&run_async(list).await.stdout).unwrap();
    assert_eq!(json[0]["access"], "needs access");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_token_stores_the_token_when_the_store_cannot_be_reached_and_says_it_is_unchecked() {
    use secrecy::ExposeSecret;
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let token = sim.access_token().expose_secret().to_string();
    sim.control().set_faults(Faults { drop_connection_rate: 1.0, ..Faults::default() });

    let out = set_token(dir.path(), &domain, &token).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("access token replaced"), "{}", stdout(&out));
    assert!(stdout(&out).contains("The new token is stored but not checked"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("shopsync shop check {domain}")), "{}", stdout(&out));

    // Once the store answers, the stored token works.
    sim.control().set_faults(Faults::default());
    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert!(out.status.success(), "{}", stderr(&out));
    sim.shutdown().await;
}
