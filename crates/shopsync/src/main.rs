//! The `shopsync` command line: a thin layer over the shopsync crates.
//!
//! It parses arguments (clap), finds the data directory and the master key, opens the store picked for this
//! installation (SQLite, the embedded default) and runs the command. Every command prints what it did for a
//! person, or JSON with `--json` where a script reads it. Exit codes are documented in [`exit`] and the README.

mod cli;
mod commands;
mod context;
mod exit;
mod remedy;
mod text;

use clap::Parser;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = cli::Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return exit::Failure::GENERAL.into();
        }
    };
    let outcome = runtime.block_on(async {
        let outcome = commands::run(cli).await;
        context::close_stores().await;
        outcome
    });
    match outcome {
        Ok(code) => code,
        Err(err) => {
            let failure = exit::classify(&err);
            eprintln!("error: {}", remedy::explain_any(&err));
            failure.into()
        }
    }
}

/// Diagnostics go to stderr; `RUST_LOG` refines them, `-v` turns on shopsync's own debug output.
fn init_tracing(verbose: bool) {
    let default = if verbose { "shopsync=debug,shopsync_sync=debug,shopify_admin=debug" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// Lets `shopsync ... | head` end quietly, as other command-line tools do, instead of panicking on a closed pipe.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
