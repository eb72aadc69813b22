//! `shopsync webhooks ...`: the shops' webhook subscriptions to `serve`, and the deliveries received.

use std::process::ExitCode;

use clap::Subcommand;
use shopsync_sync::app::webhooks::{sync_webhooks, webhooks_overview};
use shopsync_sync::subscriptions::SubscriptionChange;

use super::print_json;
use crate::context::DataDir;
use crate::remedy::explain;
use crate::text::clean;

pub const WEBHOOKS_HELP: &str = "\
Shopify delivers webhooks to PUBLIC_URL/webhooks/shopify, where `shopsync serve` verifies them with the app's
client secret and runs the flow each announces. Set the address once with `shopsync app set-url https://YOUR_HOST`;
`webhooks sync` subscribes each shop to the topics its switched-on flows need (and serve does so at start).
The privacy topics (customers/data_request, customers/redact, shop/redact) are set in the app's settings in the
Partners dashboard, at the same address.";

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Create or repair the webhook subscriptions of every enabled shop (or one) to the public address.
    Sync {
        /// Only this shop (NAME.myshopify.com).
        #[arg(long)]
        shop: Option<String>,
        /// Show what would change without changing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// A shop's subscriptions in Shopify, the topics it needs, and the deliveries received per topic.
    List {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        #[arg(long)]
        shop: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: WebhooksCommand) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    match command {
        WebhooksCommand::Sync { shop, dry_run } => {
            let outcomes = sync_webhooks(&engine, shop.as_deref(), dry_run).await?;
            let mut failed = false;
            for outcome in &outcomes {
                match &outcome.result {
                    Ok(sync) => {
                        let verb = if dry_run { "would" } else { "did" };
                        println!("{}: deliveries to {}", outcome.shop, clean(&sync.callback));
                        if !sync.kept.is_empty() {
                            println!("  in place:  {}", sync.kept.join(", "));
                        }
                        for change in &sync.changes {
                            let line = match change {
                                SubscriptionChange::Create { topic } => format!("create     {topic}"),
                                SubscriptionChange::Repoint { topic, from, .. } => {
                                    format!("repoint    {topic} (was {})", clean(from))
                                }
                                SubscriptionChange::Remove { topic, uri, .. } => {
                                    format!("remove     {topic} (no flow needs it; {})", clean(uri))
                                }
                            };
                            println!("  {verb} {line}");
                        }
                        if sync.changes.is_empty() {
                            println!("  nothing to change");
                        }
                        for other in &sync.others {
                            println!("  left alone: {} to {} (not shopsync's address)", other.topic, clean(&other.uri));
                        }
                    }
                    Err(err) => {
                        failed = true;
                        eprintln!("{}: {}", outcome.shop, explain(err));
                    }
                }
            }
            if outcomes.is_empty() {
                println!("No enabled shop: nothing to subscribe.");
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        WebhooksCommand::List { shop, json } => {
            let overview = webhooks_overview(&engine, &shop).await?;
            if json {
                print_json(&overview)?;
                return Ok(ExitCode::SUCCESS);
            }
            println!("Webhooks of {}", overview.shop);
            match &overview.callback {
                Some(callback) => println!("deliveries go to: {}", clean(callback)),
                None => println!("deliveries go to: (no public address: shopsync app set-url https://YOUR_HOST)"),
            }
            println!("topics needed:    {}", overview.wanted_topics.join(", "));
            match (&overview.subscriptions, &overview.subscriptions_error) {
                (Some(list), _) if list.is_empty() => {
                    println!("subscriptions:    none in Shopify (shopsync webhooks sync --shop {})", overview.shop)
                }
                (Some(list), _) => {
                    println!("subscriptions in Shopify:");
                    for s in list {
                        let mark =
                            if overview.callback.as_deref() == Some(s.uri.as_str()) { "" } else { "  (elsewhere)" };
                        println!("  {:<22} {}{mark}", s.topic, clean(&s.uri));
                    }
                }
                (None, error) => {
                    println!("subscriptions:    could not be read: {}", error.as_deref().unwrap_or_default())
                }
            }
            if overview.deliveries.is_empty() {
                println!("deliveries:       none received yet");
            } else {
                println!("deliveries received:");
                println!("  {:<22} {:>9} {:>9}  last", "topic", "received", "pending");
                for d in &overview.deliveries {
                    println!(
                        "  {:<22} {:>9} {:>9}  {}",
                        clean(&d.topic),
                        d.received,
                        d.unprocessed,
                        d.last_received_at.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
