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

use clap::FromArgMatches as _;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = cli::Cli::from_arg_matches(&cli::command().get_matches()).unwrap_or_else(|err| err.exit());
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

/// Diagnostics go to stderr; `RUST_LOG` refines them, `-v` turns on shopsync's own debug output. Colours only on
/// a terminal (and not with `NO_COLOR`): in a pipe or a file they are escape codes that bury the text.
fn init_tracing(verbose: bool) {
    use std::io::IsTerminal as _;
    let default =
        if verbose { "shopsync=debug,shopsync_sync=debug,shopsync_web=debug,shopify_admin=debug" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(colour)
        .init();
}

/// Lets `shopsync ... | head` end quietly, as other command-line tools do, instead of panicking on a closed pipe.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
