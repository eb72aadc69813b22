//! `shopsync admin ...`: the web console's accounts. A password is read from standard input only (never an
//! argument, which other users of the machine could see in the process list) and stored as its argon2id hash.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use shopsync_store::UserRole;
use shopsync_sync::app::users;

use crate::context::DataDir;
use crate::exit::Failure;

pub const ADMIN_HELP: &str = "\
Console accounts log in to the web console that `shopsync serve` serves (http://127.0.0.1:8787 by default).
A viewer reads every page; an operator may also act (sync now, change settings, reprocess orders, link products,
purge the request log). The password is read from the first line of standard input:
  printf '%s\\n' \"$PASSWORD\" | shopsync admin add-user alice --role operator
Adding a user that exists gives it the new role and password and ends its sessions.";

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Reads every page; acts on nothing.
    Viewer,
    /// Reads and acts.
    Operator,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add a console user (or replace its role and password); the password comes from standard input.
    AddUser {
        /// The user name: letters, digits, dots, dashes, underscores or @.
        name: String,
        /// What the user may do.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List the console users and their roles.
    Users,
}

pub async fn run(data_dir: &DataDir, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        AdminCommand::AddUser { name, role } => {
            let role = match role {
                RoleArg::Viewer => UserRole::Viewer,
                RoleArg::Operator => UserRole::Operator,
            };
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("Type the password for {name} and press Enter (a pipe keeps it off the screen):");
            }
            let mut password = String::new();
            stdin.lock().read_line(&mut password).context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                return Err(Failure::usage(
                    "no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | shopsync admin \
                     add-user NAME --role operator`",
                ));
            }
            let (user, new) = users::add_user(store, &name, role, password).await?;
            if new {
                println!("Added console user {} ({}).", user.name, user.role);
            } else {
                println!(
                    "Console user {} now has role {} and the new password; its sessions were ended.",
                    user.name, user.role
                );
            }
        }
        AdminCommand::Users => {
            let all = store.users().await?;
            if all.is_empty() {
                println!("No console user yet: shopsync admin add-user NAME --role operator (password on stdin)");
            }
            for user in all {
                println!("{:<24} {:<9} added {}", user.name, user.role.as_str(), user.created_at);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
