//! End-to-end tests of the `shopsync` binary: each runs the real executable on a fresh data directory.

mod admin;
mod check;
mod customers;
mod database;
mod demo;
mod integrity;
mod items;
mod jobs;
mod links;
mod orders;
mod output;
mod reconcile;
mod reliability;
mod security;
mod shop;
mod sync;
mod webhooks;
mod workers;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test, with a data directory and no inherited shopsync environment.
pub fn shopsync(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shopsync"));
    command.arg("--data-dir").arg(data_dir).env_remove("SHOPSYNC_MASTER_KEY").env_remove("SHOPSYNC_DATA_DIR");
    command
}

/// Runs a command with `stdin` as its standard input.
pub fn run_with_stdin(command: &mut Command, stdin: &str) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs a command to its end.
pub fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A data directory with `shopsync init` done.
pub fn initialised() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(shopsync(dir.path()).arg("init"));
    assert!(out.status.success(), "init failed: {}", stderr(&out));
    dir
}

/// A data directory with `shopsync init` done and the simulator's shop connected through its endpoint.
pub fn connected_to(sim: &shopify_sim::SimHandle) -> tempfile::TempDir {
    use secrecy::ExposeSecret;
    let dir = initialised();
    let domain = format!("--domain={}", sim.shop_domain());
    let endpoint = format!("--endpoint={}", sim.base_url());
    let out = run_with_stdin(
        shopsync(dir.path()).args(["shop", "add", &domain, "--token-stdin", &endpoint]),
        sim.access_token().expose_secret(),
    );
    assert!(out.status.success(), "shop add failed: {}", stderr(&out));
    dir
}

/// Runs the binary without blocking the async runtime the simulator serves from.
pub async fn run_async(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || run(&mut command)).await.unwrap()
}

/// Runs the binary on `dir` with `args` without blocking the test's runtime (the simulator runs on it).
pub async fn shopsync_run(dir: &Path, args: &[&str]) -> Output {
    let mut command = shopsync(dir);
    command.args(args);
    run_async(command).await
}
