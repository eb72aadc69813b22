//! `shopsync serve`: runs the shops' schedules. Every shop that is enabled and allows background syncs gets each
//! switched-on flow run when its schedule (`schedule.orders = every 15m` ...) says it is due, counting from the
//! start of that flow's last run, whatever its outcome, so a failing flow waits for its next slot instead of
//! retrying in a tight loop. Flows of a shop run one after the other in the order products, inventory,
//! customers, orders, fulfillments; a flow already running elsewhere (a manual `shopsync sync`) is left to it.
//!
//! `--once` runs what is due now and exits, for a cron job or a systemd timer; without it shopsync keeps
//! checking until Ctrl-C or SIGTERM, finishing the flow in progress first.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use shopsync_store::JobTrigger;
use shopsync_sync::orders::BulkChoice;
use shopsync_sync::scheduler::{due_flows, left_out_by, next_runs};
use shopsync_sync::{Engine, SyncError};

use super::order_sync::run_flow;
use super::progress::Bars;
use crate::context::DataDir;

/// How often due flows are looked for: schedules are in minutes, so a check every 30 s keeps them on time.
const CHECK_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Only this shop (NAME.myshopify.com); default: every shop.
    #[arg(long)]
    shop: Option<String>,
    /// Run the flows due now, then exit (for cron or a systemd timer).
    #[arg(long)]
    once: bool,
}

pub const SERVE_HELP: &str = "\
Each flow runs when its schedule is due: `shopsync shop set SHOP schedule.orders \"every 15m\"` (default every
3 hours; `off` stops it). Shops that are disabled or have allow-background-sync off are left alone, and so is
a flow whose sync-* setting is off. Every run is a job with trigger `schedule`: `shopsync jobs --shop SHOP`.
Exit codes: 0 stopped normally, or --once ran cleanly; with --once also 5 some records were held or skipped
(listed by `shopsync orders list --status error` and friends) and 1 a flow failed (its message is printed).";

pub async fn run(data_dir: &DataDir, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let only = args.shop.map(|shop| shop.trim().to_ascii_lowercase());
    if let Some(domain) = &only
        && engine.store().shop(domain).await?.is_none()
    {
        return Err(shopsync_store::StoreError::ShopNotFound(domain.clone()).into());
    }
    if !args.once {
        println!("shopsync serve: running the shops' schedules; Ctrl-C stops after the flow in progress.");
        // Said once at the start: a shop left out is left out for the whole run, until its setting changes.
        for line in left_out(&engine, only.as_deref()).await? {
            println!("{line}");
        }
    }
    // A signal only sets this flag: the flow in progress finishes (a job cut short would be redone), then serve ends.
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop_tx.send(true);
    });
    loop {
        let outcome = run_due(&engine, only.as_deref(), &stop).await?;
        engine.flush_logs().await;
        if args.once {
            if outcome.ran == 0 && outcome.failed == 0 {
                println!("Nothing is due.");
                for line in left_out(&engine, only.as_deref()).await? {
                    println!("{line}");
                }
                for line in upcoming(&engine, only.as_deref()).await? {
                    println!("{line}");
                }
            }
            if outcome.failed > 0 {
                let message = format!("{} of {} flows failed (see above)", outcome.failed, outcome.ran);
                return Err(crate::exit::Failure { code: 1, message }.into());
            }
            return Ok(if outcome.held > 0 { ExitCode::from(5) } else { ExitCode::SUCCESS });
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(CHECK_EVERY) => {}
            _ = stop.changed() => break,
        }
    }
    engine.flush_logs().await;
    Ok(ExitCode::SUCCESS)
}

/// What one round of due flows came to.
#[derive(Default)]
struct Round {
    ran: usize,
    /// Flows that ended with records held or skipped.
    held: usize,
    failed: usize,
}

/// Runs every flow due now, shop by shop. A shop that cannot be loaded or a flow that fails is reported and the
/// others still run.
async fn run_due(
    engine: &Engine,
    only: Option<&str>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Round> {
    let mut round = Round::default();
    for shop in engine.store().shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let context = match engine.shop(&shop.domain).await {
            Ok(context) => context,
            Err(err) => {
                eprintln!("{}: {err}", shop.domain);
                round.failed += 1;
                continue;
            }
        };
        let due = due_flows(engine.store().as_ref(), &context.shop, &context.settings, jiff::Timestamp::now()).await?;
        for flow in due {
            if *stop.borrow() {
                return Ok(round);
            }
            let bars = Bars::new();
            let result = run_flow(engine, &context, flow, JobTrigger::Schedule, BulkChoice::Auto, &bars).await;
            bars.finish();
            round.ran += 1;
            let stamp = shopsync_core::time::now_text();
            match result {
                Ok(summary) => {
                    round.held += usize::from(summary.skipped > 0);
                    println!("{stamp} {} {flow}: {summary}", shop.domain)
                }
                Err(SyncError::AlreadyRunning { .. }) => {
                    println!("{stamp} {} {flow}: already running in another process, left to it", shop.domain)
                }
                Err(err) => {
                    round.failed += 1;
                    eprintln!("{stamp} {} {flow} failed: {err}", shop.domain);
                    if err.is_auth() {
                        // Every other flow of this shop would be refused the same way.
                        break;
                    }
                }
            }
        }
    }
    Ok(round)
}

/// One line per shop `serve` leaves alone, naming the setting that does it and the command that changes it, so
/// "Nothing is due" is not a riddle for a shop whose background syncs are off.
async fn left_out(engine: &Engine, only: Option<&str>) -> anyhow::Result<Vec<String>> {
    let store = engine.store();
    let mut lines = Vec::new();
    for shop in store.shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let settings = store.settings(shop.id).await?;
        let domain = &shop.domain;
        match left_out_by(&settings) {
            // A disabled shop takes part in no sync at all; without background syncs, the ones you start still run.
            Some(setting @ "enabled") => lines.push(format!(
                "{domain} is left out: its setting {setting} is off, so it takes part in no sync \
                 (`shopsync shop set {domain} {setting} on` turns it on)."
            )),
            Some(setting) => lines.push(format!(
                "{domain} is left out: its setting {setting} is off (`shopsync shop set {domain} {setting} on` lets \
                 serve run its schedules; syncs you start work either way)."
            )),
            None if next_runs(store.as_ref(), &shop, &settings, jiff::Timestamp::now()).await?.is_empty() => lines
                .push(format!(
                    "{domain} has no scheduled flow: each flow's schedule.* or sync-* setting is off \
                     (`shopsync shop show {domain}` lists them)."
                )),
            None => {}
        }
    }
    if lines.is_empty() && store.shops().await?.is_empty() {
        lines.push("No store is connected yet: shopsync shop add --domain NAME.myshopify.com --token-stdin".into());
    }
    Ok(lines)
}

/// When the next flow of each shop `serve` runs is due, for `--once` to say after "Nothing is due.".
async fn upcoming(engine: &Engine, only: Option<&str>) -> anyhow::Result<Vec<String>> {
    let store = engine.store();
    let mut lines = Vec::new();
    for shop in store.shops().await? {
        if only.is_some_and(|domain| domain != shop.domain) {
            continue;
        }
        let settings = store.settings(shop.id).await?;
        if left_out_by(&settings).is_some() {
            continue;
        }
        let runs = next_runs(store.as_ref(), &shop, &settings, jiff::Timestamp::now()).await?;
        if let Some((flow, at)) = runs.iter().min_by_key(|(_, at)| *at) {
            let at = at.round(jiff::Unit::Second).unwrap_or(*at);
            lines.push(format!("{}: next is {flow} at {at}.", shop.domain));
        }
    }
    Ok(lines)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what a service manager sends).
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
