//! The command line, as clap reads it. Each command group lives with its code in `commands/`.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::catalog::{BundlesCommand, ItemsCommand, PricesCommand, StockCommand};
use crate::commands::customers::CustomersCommand;
#[cfg(feature = "sim")]
use crate::commands::demo::DemoArgs;
use crate::commands::log::{CaptureCommand, LogCommand};
use crate::commands::orders::OrdersCommand;
use crate::commands::shipments::ShipmentsCommand;
use crate::commands::shop::ShopCommand;
#[cfg(feature = "sim")]
use crate::commands::sim::SimArgs;
use crate::commands::sync::SyncCommand;
use crate::commands::templates::TemplatesCommand;

/// shopsync keeps your back office (catalog, prices, stock, customers, sales orders, shipments) and your
/// Shopify stores in sync, and shows you why when something fails.
#[derive(Debug, Parser)]
#[command(name = "shopsync", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Where shopsync keeps its database and key file.
    #[arg(long, global = true, env = "SHOPSYNC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Keep the hub's data in this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DATABASE) instead of the
    /// data directory's SQLite file: for many processes or machines sharing one hub.
    #[arg(long, global = true, env = "SHOPSYNC_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Print shopsync's debug diagnostics on stderr (RUST_LOG refines them).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try everything at once: a simulated Shopify store and a fresh back office, every flow, and a summary.
    #[cfg(feature = "sim")]
    Demo(DemoArgs),
    /// Set up the data directory: database, and a master key file unless SHOPSYNC_MASTER_KEY is set.
    Init,
    /// Connect, inspect and configure Shopify stores.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// The Shopify app's credentials: its client secret verifies the webhooks `serve` receives.
    #[command(subcommand, after_long_help = crate::commands::app::APP_HELP)]
    App(crate::commands::app::AppCommand),
    /// Bearer tokens of the back-office REST API (/api/v1): create (shown once), list, revoke.
    #[command(subcommand, after_long_help = crate::commands::api_token::API_TOKEN_HELP)]
    ApiToken(crate::commands::api_token::ApiTokenCommand),
    /// The web console's accounts: add a user (password from standard input), list them.
    #[command(subcommand, after_long_help = crate::commands::admin::ADMIN_HELP)]
    Admin(crate::commands::admin::AdminCommand),
    /// Run the local Shopify store simulator (for trying shopsync without a real store).
    #[cfg(feature = "sim")]
    #[command(after_long_help = crate::commands::sim::SIM_HELP)]
    Sim(SimArgs),
    /// The request log: Shopify calls as each shop's `logging` setting keeps them.
    #[command(subcommand)]
    Log(LogCommand),
    /// Captured Shopify data: the raw data of every imported object, as a version history.
    #[command(subcommand)]
    Capture(CaptureCommand),
    /// The back-office catalog: import items, list and show them, mark them for synchronization.
    #[command(subcommand)]
    Items(ItemsCommand),
    /// Links between back-office and Shopify variants: find (SKU, title, Shopify address), link, unlink, and
    /// products shipped outside the back office.
    #[command(subcommand, after_long_help = crate::commands::links::LINKS_HELP)]
    Links(crate::commands::links::LinksCommand),
    /// Import the prices of a price list.
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Import stock levels per warehouse.
    #[command(subcommand)]
    Stock(StockCommand),
    /// Import bundles (a sellable SKU made of component SKUs).
    #[command(subcommand)]
    Bundles(BundlesCommand),
    /// Shopify orders as the import sees them: status, every problem with its remedy, the sales order.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Back-office customers and the Shopify customers linked to them.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Customer templates: the defaults (posting groups, payment terms) new customers are created from.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Back-office shipments of sales orders, sent to Shopify as fulfillments with tracking.
    #[command(subcommand)]
    Shipments(ShipmentsCommand),
    /// Run a sync of one shop now (products, inventory ...); --dry-run shows what would change.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Run the shops' schedules: each flow when it is due, until stopped (--once: what is due now, then exit).
    #[command(after_long_help = crate::commands::serve::SERVE_HELP)]
    Serve(crate::commands::serve::ServeArgs),
    /// Runs handed to the workers of `serve` (kept in the database): queue them, see them.
    #[command(subcommand, after_long_help = crate::commands::queue::QUEUE_HELP)]
    Queue(crate::commands::queue::QueueCommand),
    /// Shopify's webhooks to `serve`: subscribe the shops' topics to the public address, see what arrived.
    #[command(subcommand, after_long_help = crate::commands::webhooks::WEBHOOKS_HELP)]
    Webhooks(crate::commands::webhooks::WebhooksCommand),
    /// The database: status, migrations, and the copy of a SQLite hub into PostgreSQL.
    #[command(subcommand, after_long_help = crate::commands::db::DB_HELP)]
    Db(crate::commands::db::DbCommand),
    /// Take queued runs (`shopsync queue add`, the console's Queue) without a web server or schedules: more
    /// worker processes, on this machine or others sharing a PostgreSQL hub.
    #[command(after_long_help = crate::commands::serve::WORKER_HELP)]
    Worker(crate::commands::serve::WorkerArgs),
    /// Write a consistent copy of the database to FILE, safe while syncs run (it holds customer data and sealed
    /// tokens, so it is readable by you only); refuses an existing FILE unless --force.
    Backup(crate::commands::backup::BackupArgs),
    /// Compare Shopify's catalog, prices and stock with the back office (one bulk query); --fix sends the back
    /// office's values, --last shows the last run.
    #[command(after_long_help = crate::commands::reconcile::RECONCILE_HELP)]
    Reconcile(crate::commands::reconcile::ReconcileArgs),
    /// Sync runs of a shop, newest first: what ran, why, how it ended.
    Jobs {
        #[arg(long)]
        shop: String,
        /// Only this kind (products, inventory, customers, orders, fulfillments ...).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

/// The help of arguments many commands share under one name, said once here rather than at each of them (a
/// command's own doc comment wins).
/// Options only: giving a positional argument help this way would move it behind the others.
const SHARED_HELP: &[(&str, &str)] = &[
    ("shop", "The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it"),
    ("json", "Print JSON for a script instead of the table a person reads"),
    ("limit", "At most this many"),
    ("offset", "Skip this many first (to page through a long list with --limit)"),
];

/// The command line as `main` parses it: [`Cli`] with [`SHARED_HELP`] filled in wherever an argument has none.
pub fn command() -> clap::Command {
    with_shared_help(Cli::command())
}

fn with_shared_help(mut command: clap::Command) -> clap::Command {
    for (id, help) in SHARED_HELP {
        let bare = |arg: &clap::Arg| arg.get_id() == id && !arg.is_positional() && arg.get_help().is_none();
        if command.get_arguments().any(bare) {
            command = command.mut_arg(id, |arg| arg.help(*help));
        }
    }
    for sub in command.get_subcommands_mut() {
        *sub = with_shared_help(std::mem::take(sub));
    }
    command
}

#[cfg(test)]
mod tests {
    /// Every argument of `command` and its subcommands that `--help` would list without a word about it.
    fn undocumented(command: &clap::Command, path: &str, found: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                found.push(format!("{path} {id}"));
            }
        }
        for sub in command.get_subcommands() {
            undocumented(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }

    #[test]
    fn every_argument_has_help() {
        let mut command = super::command();
        command.build();
        let mut found = Vec::new();
        undocumented(&command, "shopsync", &mut found);
        assert!(found.is_empty(), "arguments without help:\n{}", found.join("\n"));
    }

    #[test]
    fn shared_help_keeps_positional_arguments_in_their_order() {
        use clap::FromArgMatches as _;
        let matches =
            super::command().get_matches_from(["shopsync", "shop", "set", "a.myshopify.com", "enabled", "on"]);
        let cli = super::Cli::from_arg_matches(&matches).unwrap();
        let super::Command::Shop(crate::commands::shop::ShopCommand::Set { shop, setting, value }) = cli.command else {
            panic!("not shop set: {cli:?}");
        };
        assert_eq!((shop.as_str(), setting.as_str(), value.as_str()), ("a.myshopify.com", "enabled", "on"));
    }
}
