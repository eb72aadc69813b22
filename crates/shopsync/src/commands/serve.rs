//! `shopsync serve`: runs the shops' schedules. Every shop that is enabled and allows background syncs gets each
//! switched-on flow run when its schedule (`schedule.orders = every 15m` ...) says it is due, counting from the
//! start of that flow's last run, whatever its outcome, so a failing flow waits for its next slot instead of
//! retrying in a tight loop. Flows of a shop run one after the other in the order products, inventory,
//! customers, orders, fulfillments; a flow already running elsewhere (a manual `shopsync sync`) is left to it.
//!
//! `--once` runs what is due now and exits, for a cron job or a systemd timer; without it shopsync keeps
//! checking until Ctrl-C or SIGTERM, finishing the flow in progress first. With workers (the default), a due flow
//! is queued for them instead of run in the loop, so on a hub shared by several processes any worker takes it.
//!
//! Next to the schedules, on the same engine, serve runs the HTTP front-end (`shopsync-web`) on `--listen`:
//! Shopify's webhooks arrive there and start their flow at once. On SIGTERM it stops accepting, lets the runs
//! webhooks started finish, then ends. This file only wires the two together.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use shopsync_sync::Engine;
use shopsync_sync::app::{self, LeftOut, Round, ServeEvent};
use shopsync_sync::webhooks::Intake;
use shopsync_web::api::ApiConfig;

use super::progress::Bars;
use crate::context::DataDir;
use crate::remedy::explain;

/// How often due flows are looked for: schedules are in minutes, so a check every 30 s keeps them on time.
const CHECK_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Only this shop (NAME.myshopify.com); default: every shop.
    #[arg(long)]
    shop: Option<String>,
    /// Run the flows due now, then exit (for cron or a systemd timer); no web server then.
    #[arg(long)]
    once: bool,
    /// Address the web server (webhook intake at /webhooks/shopify, /health) listens on; port 0 picks a free
    /// port, printed at start.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787", conflicts_with = "no_listen")]
    listen: SocketAddr,
    /// Run the schedules only, without the web server.
    #[arg(long)]
    no_listen: bool,
    /// Workers taking queued runs (`shopsync queue add`, the console's Sync now); 0 takes none.
    #[arg(long, value_name = "N", default_value_t = 2)]
    workers: usize,
    /// The largest REST API request body (bytes, or with K or M: 512K, 16M); a larger one is answered 413.
    /// 16M holds an items upsert of about 40,000 variants.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    api_max_body: usize,
    /// Requests each REST API token may make per second, on average (0.5: one every 2 s); more are answered 429
    /// with Retry-After.
    #[arg(long, value_name = "N", default_value_t = ApiConfig::default().rate_per_second)]
    api_rate: f64,
    /// Requests a REST API token may make at once after a pause, before --api-rate holds it back.
    #[arg(long, value_name = "N", default_value_t = ApiConfig::default().burst)]
    api_burst: u32,
}

/// A size in bytes: a whole number, or with K or M (KiB, MiB).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((at, 'k' | 'K')) => (&text[..at], 1024),
        Some((at, 'm' | 'M')) => (&text[..at], 1024 * 1024),
        _ => (text, 1),
    };
    digits
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("'{text}' is not a size: give bytes, or a whole number with K or M (512K, 16M)"))
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Workers in this process, each taking one queued run at a time.
    #[arg(long, value_name = "N", default_value_t = 2)]
    workers: usize,
}

pub const WORKER_HELP: &str = "\
Workers claim queued runs from the database, one run per shop at a time across every process (Shopify's rate
limit is per shop, and a shop served by one process at a time stays within it): on PostgreSQL a claim skips
requests another worker holds (FOR UPDATE SKIP LOCKED), so workers on several machines never wait on each other. A claim is a lease renewed while the run goes on; a worker killed mid-run lets it lapse
and another takes the request over, the flow resuming from its last checkpoint. Ctrl-C or SIGTERM stops after the
runs in progress. `shopsync queue list` shows what was taken by which worker (host:pid:number).";

/// `shopsync worker`: only the queue's workers, until a signal.
pub async fn run_worker(data_dir: &DataDir, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    if args.workers == 0 {
        return Err(crate::exit::Failure::usage("--workers 0 would take no run; give at least 1"));
    }
    let engine = Arc::new(data_dir.engine().await?);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop_tx.send(true);
    });
    println!(
        "shopsync worker: {} workers taking queued runs from {}; Ctrl-C stops after the runs in progress.",
        args.workers,
        data_dir.database_label()
    );
    for worker in start_workers(&engine, args.workers, &stop) {
        let _ = worker.await;
    }
    engine.flush_logs().await;
    Ok(ExitCode::SUCCESS)
}

pub const SERVE_HELP: &str = "\
Each flow runs when its schedule is due: `shopsync shop set SHOP schedule.orders \"every 15m\"` (default every
3 hours; `off` stops it). Shops that are disabled or have allow-background-sync off are left alone, and so is
a flow whose sync-* setting is off. Every run is a job with trigger `schedule`: `shopsync jobs --shop SHOP`.
With workers (--workers N, default 2) a due flow, and a webhook's run, is queued for them (`shopsync queue list`),
so the workers of any process sharing the database run it, one run per shop at a time; with --once or
--workers 0 it runs in this process.
Shopify's webhooks are received on --listen at /webhooks/shopify (set the app's secret with `shopsync app set`);
each starts its flow at once, as a job with trigger `webhook`.
Exit codes: 0 stopped normally, or --once ran cleanly; with --once also 5 some records were held or skipped
(listed by `shopsync orders list --status error` and friends) and 1 a flow failed (its message is printed).";

pub async fn run(data_dir: &DataDir, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let limits =
        ApiConfig::new(args.api_max_body, args.api_rate, args.api_burst).map_err(crate::exit::Failure::usage)?;
    let engine = Arc::new(data_dir.engine().await?);
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
    let web = if args.once || args.no_listen {
        None
    } else {
        // With workers, webhook runs go onto the queue like the schedules', so one worker runs a shop at a time.
        Some(start_web(&engine, only.as_deref(), args.listen, limits, &stop, args.workers > 0).await?)
    };
    let workers = if args.once { Vec::new() } else { start_workers(&engine, args.workers, &stop) };
    let mut housekept: Option<std::time::Instant> = None;
    loop {
        if housekept.is_none_or(|at| at.elapsed() >= app::housekeeping::HOUSEKEEPING_EVERY) {
            housekeeping(&engine, only.as_deref()).await;
            housekept = Some(std::time::Instant::now());
        }
        // With workers, the schedules go through the durable queue like every other run, so any worker of any
        // process sharing the database takes them; without (--once, --workers 0) they run here.
        let outcome = if workers.is_empty() {
            run_due(&engine, only.as_deref(), &stop).await?
        } else {
            queue_due(&engine, only.as_deref()).await?
        };
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
    // A worker finishes the run in progress, then stops.
    for worker in workers {
        let _ = worker.await;
    }
    if let Some((server, intake)) = web {
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("the web server stopped with an error: {err}"),
            Err(err) => eprintln!("the web server task failed: {err}"),
        }
        // The runs webhooks started finish, with their checkpoints, before serve ends.
        intake.finish().await;
    }
    engine.flush_logs().await;
    Ok(ExitCode::SUCCESS)
}

/// Binds `listen`, says where, takes up the webhook events a previous serve left unprocessed, and serves until
/// `stop` says so.
async fn start_web(
    engine: &Arc<Engine>,
    only: Option<&str>,
    listen: SocketAddr,
    limits: ApiConfig,
    stop: &tokio::sync::watch::Receiver<bool>,
    queue_runs: bool,
) -> anyhow::Result<(tokio::task::JoinHandle<std::io::Result<()>>, Arc<Intake>)> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|err| crate::exit::Failure {
        code: 1,
        message: format!(
            "cannot listen on {listen} ({err}): another program may use that port; pass another address with \
             --listen (port 0 picks a free one), or --no-listen to run the schedules only"
        ),
    })?;
    let address = listener.local_addr()?;
    let verifier = engine.webhook_verifier().await?;
    let intake = if queue_runs { Intake::with_queue(engine.clone()) } else { Intake::new(engine.clone()) };
    println!("shopsync serve: listening on http://{address} (Shopify webhooks: POST /webhooks/shopify)");
    if verifier.is_none() {
        println!(
            "No app credentials yet, so webhooks are refused: shopsync app set --client-id ID --client-secret-stdin \
             < secret.txt, then restart serve."
        );
    }
    let resumed = intake.resume().await?;
    if resumed > 0 {
        println!("{resumed} webhook events received before the last stop are processed now.");
    }
    let mut stop = stop.clone();
    let verifies = verifier.is_some();
    let router = shopsync_web::router_with(intake.clone(), verifier, limits);
    let server = tokio::spawn(shopsync_web::serve(listener, router, async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    }));
    // Subscribed once the server answers, so the first deliveries find it; without the app's secret no delivery
    // could be verified, so none is asked for.
    if verifies {
        subscribe(engine, only).await;
    }
    Ok((server, intake))
}

/// Creates or repairs the shops' webhook subscriptions to the public address, as `shopsync webhooks sync` does; a
/// shop that cannot be subscribed is reported and serve goes on (its schedules still run).
async fn subscribe(engine: &Engine, only: Option<&str>) {
    match app::webhooks::sync_webhooks(engine, only, false).await {
        Ok(outcomes) => {
            for outcome in outcomes {
                match outcome.result {
                    Ok(sync) if sync.changes.is_empty() => {
                        println!("{}: webhook subscriptions in place ({} topics)", outcome.shop, sync.topics.len())
                    }
                    Ok(sync) => println!(
                        "{}: webhook subscriptions repaired ({} changes, {} topics)",
                        outcome.shop,
                        sync.changes.len(),
                        sync.topics.len()
                    ),
                    Err(err) => eprintln!("{}: webhook subscriptions not set up: {}", outcome.shop, explain(&err)),
                }
            }
        }
        Err(err) => println!("Webhook subscriptions not set up: {}", explain(&err)),
    }
}

/// Starts `count` workers on the job queue, each printing what it did.
fn start_workers(
    engine: &Arc<Engine>,
    count: usize,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    use app::queue::WorkDone;
    (1..=count)
        .map(|number| {
            let report = |done: &WorkDone| {
                let stamp = shopsync_core::time::now_text();
                match done {
                    WorkDone::Ran { request, shop, summary } => {
                        println!("{stamp} {shop} {} (queued request {}): {summary}", request.flow, request.id)
                    }
                    WorkDone::WillRetry { request, shop, error, at } => eprintln!(
                        "{stamp} {shop} {} (queued request {}) failed, tried again at {at}: {}",
                        request.flow,
                        request.id,
                        explain(error)
                    ),
                    WorkDone::GaveUp { request, shop, error } => eprintln!(
                        "{stamp} {shop} {} (queued request {}) failed and is given up: {}",
                        request.flow,
                        request.id,
                        explain(error)
                    ),
                    WorkDone::LostClaim { request } => eprintln!(
                        "{stamp} queued request {} was taken over by another worker while it ran here",
                        request.id
                    ),
                }
            };
            tokio::spawn(app::queue::run_worker(engine.clone(), app::queue::worker_name(number), stop.clone(), report))
        })
        .collect()
}

/// Deletes request log entries and webhook deliveries past each shop's `log-retention`, and points out a request
/// log left at `all`; a failure is reported and serve goes on.
async fn housekeeping(engine: &Engine, only: Option<&str>) {
    match app::housekeeping::housekeeping(engine, only, jiff::Timestamp::now()).await {
        Ok(report) => {
            for shop in report {
                if shop.logs_removed + shop.deliveries_removed > 0 {
                    println!(
                        "{}: {} request log entries and {} webhook deliveries past log-retention deleted",
                        shop.shop, shop.logs_removed, shop.deliveries_removed
                    );
                }
                if let Some(since) = shop.logging_all_since {
                    println!(
                        "{}: the request log has recorded every request since {since}, which slows syncs and grows \
                         the database; when you have what you need, `shopsync shop set {} logging errors`",
                        shop.shop, shop.shop
                    );
                }
            }
        }
        Err(err) => eprintln!("housekeeping failed: {}", explain(&err)),
    }
}

/// One scheduled round handed to the queue, each flow queued printed as it happens.
async fn queue_due(engine: &Engine, only: Option<&str>) -> anyhow::Result<Round> {
    let mut print = |event: ServeEvent<'_>| print_event(event);
    Ok(app::queue_due(engine, only, &mut print).await?)
}

/// Prints one event of a scheduled round: a line per flow, failures on stderr.
fn print_event(event: ServeEvent<'_>) {
    let stamp = shopsync_core::time::now_text();
    match event {
        ServeEvent::ShopLeftOut { .. } => {}
        ServeEvent::ShopUnavailable { shop, error } => eprintln!("{shop}: {}", explain(error)),
        ServeEvent::FlowFinished { shop, flow, summary } => println!("{stamp} {shop} {flow}: {summary}"),
        ServeEvent::FlowRunningElsewhere { shop, flow } => {
            println!("{stamp} {shop} {flow}: already running in another process, left to it")
        }
        ServeEvent::FlowFailed { shop, flow, error } => eprintln!("{stamp} {shop} {flow} failed: {}", explain(error)),
        ServeEvent::FlowQueued { shop, flow, request, joined } => {
            let joined = if joined { ", joining the run already waiting" } else { "" };
            println!("{stamp} {shop} {flow}: due, queued for the workers as request {request}{joined}")
        }
    }
}

/// What one round of due flows came to.
/// One scheduled round, each event printed as it happens: a line per flow, failures on stderr.
async fn run_due(
    engine: &Engine,
    only: Option<&str>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Round> {
    let mut print = |event: ServeEvent<'_>| print_event(event);
    Ok(app::run_due(engine, only, stop, &|_| Box::new(Bars::new()), &mut print).await?)
}

/// One line per shop `serve` leaves alone, naming the setting that does it and the command that changes it, so
/// "Nothing is due" is not a riddle for a shop whose background syncs are off.
async fn left_out(engine: &Engine, only: Option<&str>) -> anyhow::Result<Vec<String>> {
    let schedules = app::schedules(engine, only).await?;
    let mut lines = Vec::new();
    for schedule in &schedules {
        let domain = &schedule.shop;
        match schedule.left_out {
            // A disabled shop takes part in no sync at all; without background syncs, the ones you start still run.
            Some(reason @ LeftOut::Disabled) => lines.push(format!(
                "{domain} is left out: its setting {setting} is off, so it takes part in no sync \
                 (`shopsync shop set {domain} {setting} on` turns it on).",
                setting = reason.setting()
            )),
            Some(reason @ LeftOut::BackgroundSyncOff) => lines.push(format!(
                "{domain} is left out: its setting {setting} is off (`shopsync shop set {domain} {setting} on` lets \
                 serve run its schedules; syncs you start work either way).",
                setting = reason.setting()
            )),
            None if schedule.next.is_empty() => lines.push(format!(
                "{domain} has no scheduled flow: each flow's schedule.* or sync-* setting is off \
                 (`shopsync shop show {domain}` lists them)."
            )),
            None => {}
        }
    }
    if schedules.is_empty() && only.is_none() {
        lines.push("No store is connected yet: shopsync shop add --domain NAME.myshopify.com --token-stdin".into());
    }
    Ok(lines)
}

/// When the next flow of each shop `serve` runs is due, for `--once` to say after "Nothing is due.".
async fn upcoming(engine: &Engine, only: Option<&str>) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for schedule in app::schedules(engine, only).await? {
        if schedule.left_out.is_some() {
            continue;
        }
        if let Some((flow, at)) = schedule.soonest() {
            let at = at.round(jiff::Unit::Second).unwrap_or(at);
            lines.push(format!("{}: next is {flow} at {at}.", schedule.shop));
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
