//! `shopsync api-token ...`: bearer tokens of the back-office REST API (`/api/v1`, served by `shopsync serve`).
//! The token is printed once, when it is made; the store keeps only a hash of it.

use std::process::ExitCode;

use clap::Subcommand;
use secrecy::ExposeSecret;
use shopsync_store::StoreError;
use shopsync_sync::app::api::{Scope, TokenError, create_token, list_tokens, revoke_token};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

pub const API_TOKEN_HELP: &str = "\
The back office (ERP, POS, WMS) calls the REST API at http://HOST:8787/api/v1 with `Authorization: Bearer TOKEN`.
A read token pulls warehouses and the sales-order and customer feeds; a write token sends items, prices, stock,
bundles and shipments. The token is shown once: store it in the back office's secret settings. A token's name is
the consumer whose feed positions are kept, so a token revoked and made again under the same name carries on.";

#[derive(Debug, Subcommand)]
pub enum ApiTokenCommand {
    /// Make a token and print it (once; only its hash is stored).
    Create {
        /// Who uses it, e.g. erp or wms: letters, digits, '.', '-', '_'.
        name: String,
        /// What it may do: read, write; repeat or separate with commas for both.
        #[arg(long = "scope", value_name = "read|write", required = true, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// List the tokens (never their secrets): name, scopes, created, last used, revoked.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: requests with it are refused from now on.
    Revoke {
        /// The token's name, as `api-token list` shows it.
        name: String,
    },
}

pub async fn run(data_dir: &DataDir, command: ApiTokenCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        ApiTokenCommand::Create { name, scopes } => {
            let mut parsed = Vec::new();
            for text in &scopes {
                let scope = Scope::parse(text)
                    .ok_or_else(|| Failure::usage(format!("--scope {text} is not a scope: use read or write")))?;
                parsed.push(scope);
            }
            let created = create_token(store, &name, &parsed).await.map_err(token_failure)?;
            println!("API token {} ({}):", created.info.name, created.info.scopes.join(", "));
            println!("{}", created.token.expose_secret());
            println!(
                "Store it now: it is not shown again (`shopsync api-token revoke {}` if it is lost).",
                created.info.name
            );
        }
        ApiTokenCommand::List { json } => {
            let tokens = list_tokens(store).await.map_err(token_failure)?;
            if json {
                print_json(&tokens)?;
            } else if tokens.is_empty() {
                println!("No API tokens. Make one with `shopsync api-token create NAME --scope read,write`.");
            } else {
                println!("{:<20} {:<12} {:<20} {:<20} REVOKED", "NAME", "SCOPES", "CREATED", "LAST USED");
                for t in &tokens {
                    let day = |text: &str| text.get(..19).unwrap_or(text).replace('T', " ");
                    println!(
                        "{:<20} {:<12} {:<20} {:<20} {}",
                        t.name,
                        t.scopes.join(","),
                        day(&t.created_at),
                        t.last_used_at.as_deref().map(day).unwrap_or_else(|| "-".into()),
                        t.revoked_at.as_deref().map(day).unwrap_or_else(|| "-".into())
                    );
                }
            }
        }
        ApiTokenCommand::Revoke { name } => {
            revoke_token(store, &name).await.map_err(token_failure)?;
            println!("API token {name} is revoked: requests with it are refused from now on.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn token_failure(error: TokenError) -> anyhow::Error {
    match error {
        // A live token of that name: the person chooses another name or revokes it first.
        TokenError::Store(StoreError::Conflict(message)) => Failure::usage(message),
        TokenError::Store(error) => error.into(),
        other => Failure::usage(other.to_string()),
    }
}
