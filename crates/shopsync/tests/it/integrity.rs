//! What a scheduler relies on: exit codes that say when orders are held, conflicts that a command settles, and
//! imports that refuse what Shopify or the arithmetic cannot take.

use std::path::Path;
use std::process::Output;

use shopify_sim::{SimConfig, Simulator};

use crate::{connected_to, run_async, shopsync, stderr, stdout};

async fn shopsync_run(dir: &Path, args: &[&str]) -> Output {
    let mut command = shopsync(dir);
    command.args(args);
    run_async(command).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_orders_exits_5_while_orders_stay_held_even_when_this_run_read_none_of_them() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "order-import-from", "all"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain]).await;
    assert_eq!(first.status.code(), Some(5), "{}{}", stdout(&first), stderr(&first));

    // Nothing changed in Shopify: the held orders are not evaluated again, and are still held.
    let again = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--pages"]).await;
    assert_eq!(again.status.code(), Some(5), "{}{}", stdout(&again), stderr(&again));
    assert!(stdout(&again).contains("Orders held by a problem to fix"), "{}", stdout(&again));
    let json = shopsync_run(dir.path(), &["sync", "orders", "--shop", &domain, "--json"]).await;
    assert_eq!(json.status.code(), Some(5), "{}", stderr(&json));
    sim.shutdown().await;
}
