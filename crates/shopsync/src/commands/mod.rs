//! One module per command group; `run` dispatches.

pub mod admin;
pub mod api_token;
pub mod app;
pub mod backup;
pub mod catalog;
pub mod customers;
pub mod db;
#[cfg(feature = "sim")]
pub mod demo;
pub mod init;
pub mod links;
pub mod log;
pub mod order_sync;
pub mod orders;
pub mod progress;
pub mod queue;
pub mod reconcile;
pub mod serve;
pub mod shipments;
pub mod shop;
#[cfg(feature = "sim")]
pub mod sim;
pub mod sync;
pub mod templates;
pub mod webhooks;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::context::DataDir;

/// Runs the command and returns the exit code of a run that did not fail outright.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The demo and the simulator need no data directory of their own (the demo makes a temporary one).
    let command = match cli.command {
        #[cfg(feature = "sim")]
        Command::Demo(args) => return demo::run(cli.data_dir.as_deref(), cli.database_url.as_deref(), args).await,
        #[cfg(feature = "sim")]
        Command::Sim(args) => return sim::run(args).await,
        command => command,
    };
    let data_dir = DataDir::resolve(cli.data_dir.as_deref(), cli.database_url.as_deref())?;
    match command {
        #[cfg(feature = "sim")]
        Command::Demo(_) | Command::Sim(_) => unreachable!("handled above"),
        Command::Init => init::run(&data_dir).await,
        Command::Shop(command) => shop::run(&data_dir, command).await,
        Command::App(command) => app::run(&data_dir, command).await,
        Command::ApiToken(command) => api_token::run(&data_dir, command).await,
        Command::Admin(command) => admin::run(&data_dir, command).await,
        Command::Log(command) => log::run_log(&data_dir, command).await,
        Command::Capture(command) => log::run_capture(&data_dir, command).await,
        Command::Items(command) => catalog::run_items(&data_dir, command).await,
        Command::Prices(command) => catalog::run_prices(&data_dir, command).await,
        Command::Stock(command) => catalog::run_stock(&data_dir, command).await,
        Command::Bundles(command) => catalog::run_bundles(&data_dir, command).await,
        Command::Orders(command) => orders::run(&data_dir, command).await,
        Command::Customers(command) => customers::run(&data_dir, command).await,
        Command::Templates(command) => templates::run(&data_dir, command).await,
        Command::Shipments(command) => shipments::run(&data_dir, command).await,
        Command::Sync(command) => sync::run(&data_dir, command).await,
        Command::Serve(args) => serve::run(&data_dir, args).await,
        Command::Backup(args) => backup::run(&data_dir, args).await,
        Command::Db(command) => db::run(&data_dir, command).await,
        Command::Worker(args) => serve::run_worker(&data_dir, args).await,
        Command::Webhooks(command) => webhooks::run(&data_dir, command).await,
        Command::Queue(command) => queue::run(&data_dir, command).await,
        Command::Links(command) => links::run(&data_dir, command).await,
        Command::Reconcile(args) => reconcile::run(&data_dir, args).await,
        Command::Jobs { shop, kind, limit, json } => log::run_jobs(&data_dir, shop, kind, limit, json).await,
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
