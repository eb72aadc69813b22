//! `shopsync queue ...`: hand runs to the workers of `shopsync serve` instead of running them here.

use std::process::ExitCode;

use clap::Subcommand;
use shopsync_core::Flow;
use shopsync_store::JobTrigger;
use shopsync_sync::app::queue::enqueue;

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

pub const QUEUE_HELP: &str = "\
Queued runs are kept in the database and taken by the workers of a running `shopsync serve` (--workers N,
default 2), one run per shop and flow at a time. Asking again while a run waits joins it. A run that fails for a
passing reason is tried again (30 s, 1 min, 2 min, 4 min; 5 attempts); one Shopify refused access for, or that a
setting stops, is given up at once with its error. `shopsync sync ...` runs in the foreground instead, with
progress bars and every detail.";

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Queue a run of each flow named (products, inventory, customers, orders, fulfillments) for a shop.
    Add {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        #[arg(long)]
        shop: String,
        /// The flows to run, in this order.
        #[arg(required = true, value_name = "FLOW")]
        flows: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The queued runs, newest first: waiting, running, done or failed, with their attempts and errors.
    List {
        /// Only this shop.
        #[arg(long)]
        shop: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: QueueCommand) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    match command {
        QueueCommand::Add { shop, flows, json } => {
            let mut queued = Vec::new();
            for name in &flows {
                let flow: Flow = name.parse().map_err(|err| Failure::usage(format!("{err}")))?;
                queued.push(enqueue(&engine, &shop, flow, JobTrigger::Manual).await?);
            }
            if json {
                print_json(&queued)?;
            } else {
                for item in &queued {
                    let joined = if item.coalesced { " (joined the run already waiting)" } else { "" };
                    println!("{} {}: queued as request {}{joined}", shop, item.request.flow, item.request.id);
                }
                println!("A running `shopsync serve` takes them; see them with `shopsync queue list`.");
            }
        }
        QueueCommand::List { shop, limit, json } => {
            let shop_id = match &shop {
                Some(domain) => Some(shopsync_sync::app::read::find_shop(engine.store().as_ref(), domain).await?.id),
                None => None,
            };
            let requests = engine.store().job_requests(shop_id, limit).await?;
            if json {
                print_json(&requests)?;
            } else if requests.is_empty() {
                println!("No queued runs.");
            } else {
                println!(
                    "{:>6}  {:<13} {:<8} {:<9} {:>8}  {:<27} error",
                    "id", "flow", "trigger", "status", "attempts", "updated"
                );
                for r in &requests {
                    println!(
                        "{:>6}  {:<13} {:<8} {:<9} {:>8}  {:<27} {}",
                        r.id,
                        r.flow,
                        r.trigger,
                        r.status,
                        r.attempts,
                        r.updated_at,
                        crate::text::clean(r.error.as_deref().unwrap_or(""))
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
