//! `shopsync app ...`: the Shopify app's credentials. Its client secret is the key of every webhook's signature;
//! it is read from standard input only and stored sealed with the master key, like the shops' tokens.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use secrecy::SecretString;
use serde::Serialize;
use shopsync_core::secret::app_secret_context;
use shopsync_store::AppCredentials;

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

pub const APP_HELP: &str = "\
The app's client secret signs every webhook Shopify sends to `shopsync serve` (at https://YOUR_HOST/webhooks/shopify).
Find the client id and secret in the Shopify Partners dashboard (or the Dev Dashboard) under the app's settings.
The secret is read from standard input only, never from the command line, and stored sealed with the master key.
serve reads the credentials when it starts: restart it after `app set`.";

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Store the app's client id and client secret (from standard input); replaces what was stored.
    Set {
        /// The app's client id (API key), as the Partners dashboard shows it.
        #[arg(long)]
        client_id: String,
        /// Read the client secret from the first line of standard input (required: the only way to pass it).
        #[arg(long, required = true)]
        client_secret_stdin: bool,
        /// During a secret rotation: read the previous secret from the second line of standard input; webhooks
        /// signed with it are accepted until `app set` is run again without it.
        #[arg(long)]
        previous_secret_stdin: bool,
    },
    /// Set the public address at which Shopify reaches `shopsync serve` (https://YOUR_HOST), or `none`; webhooks
    /// are delivered to its /webhooks/shopify. Needs the app's credentials first.
    SetUrl {
        /// An https URL (plain http only for 127.0.0.1 or localhost), or `none` to forget it.
        url: String,
    },
    /// Show the app's client id and whether its secrets are set (never the secrets themselves).
    Show {
        #[arg(long)]
        json: bool,
    },
}

/// What `app show --json` prints: no secret, sealed or not.
#[derive(Debug, Serialize)]
struct AppView {
    client_id: Option<String>,
    client_secret_set: bool,
    previous_secret_set: bool,
    updated_at: Option<String>,
    webhook_path: &'static str,
    public_url: Option<String>,
    webhook_url: Option<String>,
}

pub async fn run(data_dir: &DataDir, command: AppCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        AppCommand::Set { client_id, client_secret_stdin: _, previous_secret_stdin } => {
            let client_id = client_id.trim().to_string();
            if client_id.is_empty() || client_id.chars().any(char::is_whitespace) {
                return Err(Failure::usage(
                    "the client id is empty or contains white space; pass it as the Partners dashboard shows it",
                ));
            }
            // Unlocked before anything is read or sealed: a wrong master key writes nothing.
            let cipher = data_dir.unlocked_cipher(store).await?;
            let (current, previous) = read_secrets(previous_secret_stdin)?;
            let credentials = AppCredentials {
                client_secret: cipher.seal(&app_secret_context(&client_id, false), &current),
                previous_client_secret: previous
                    .map(|previous| cipher.seal(&app_secret_context(&client_id, true), &previous)),
                client_id,
                updated_at: String::new(),
            };
            store.set_app_credentials(&credentials).await?;
            let rotation = if credentials.previous_client_secret.is_some() { " and previous secret" } else { "" };
            println!(
                "App {}: client secret{rotation} stored (sealed). Restart `shopsync serve` to use it.",
                credentials.client_id
            );
        }
        AppCommand::SetUrl { url } => {
            let url = if url.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                Some(
                    shopsync_sync::subscriptions::check_public_url(&url)
                        .map_err(|err| Failure::usage(err.to_string()))?,
                )
            };
            if !store.set_app_public_url(url.as_deref()).await? {
                return Err(Failure::usage(
                    "the app's credentials are not set yet, and webhooks to this address could not be verified \
                     without its client secret: shopsync app set --client-id ID --client-secret-stdin < secret.txt, \
                     then set the address again",
                ));
            }
            match url {
                Some(url) => println!(
                    "Public address set: Shopify will deliver webhooks to {}. Subscribe the shops with \
                     `shopsync webhooks sync` (serve also does it when it starts).",
                    shopsync_sync::subscriptions::callback_url(&url)
                ),
                None => println!("Public address removed: `webhooks sync` and serve no longer subscribe shops."),
            }
        }
        AppCommand::Show { json } => {
            let app = store.app_credentials().await?;
            let public_url = store.app_public_url().await?;
            let view = AppView {
                client_id: app.as_ref().map(|app| app.client_id.clone()),
                client_secret_set: app.is_some(),
                previous_secret_set: app.as_ref().is_some_and(|app| app.previous_client_secret.is_some()),
                updated_at: app.as_ref().map(|app| app.updated_at.clone()),
                webhook_path: shopsync_sync::subscriptions::WEBHOOK_PATH,
                webhook_url: public_url.as_deref().map(shopsync_sync::subscriptions::callback_url),
                public_url,
            };
            if json {
                print_json(&view)?;
            } else if let Some(client_id) = &view.client_id {
                println!("client id:        {}", crate::text::clean(client_id));
                println!("client secret:    set (sealed)");
                println!("previous secret:  {}", if view.previous_secret_set { "set (sealed)" } else { "none" });
                println!("updated:          {}", view.updated_at.as_deref().unwrap_or_default());
                match &view.webhook_url {
                    Some(url) => println!("webhook URL:      {} (served by `shopsync serve`)", crate::text::clean(url)),
                    None => println!(
                        "webhook URL:      https://YOUR_HOST/webhooks/shopify (set YOUR_HOST with `shopsync app set-url`)"
                    ),
                }
            } else {
                println!("No app credentials yet: shopsync app set --client-id ID --client-secret-stdin < secret.txt");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the client secret (first line) and, when asked, the previous secret (second line) from standard input.
fn read_secrets(with_previous: bool) -> anyhow::Result<(SecretString, Option<SecretString>)> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read the client secret from standard input")?;
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    let current = lines.next().ok_or_else(|| {
        Failure::usage(
            "no client secret on standard input; pipe it in, e.g. \
             `shopsync app set --client-id ID --client-secret-stdin < secret.txt`",
        )
    })?;
    let previous = if with_previous {
        let previous = lines.next().ok_or_else(|| {
            Failure::usage(
                "--previous-secret-stdin reads the previous secret from the second line of standard input, \
                 and there is none; put the new secret on the first line and the previous one on the second",
            )
        })?;
        Some(previous)
    } else {
        None
    };
    if lines.next().is_some() {
        return Err(Failure::usage(
            "standard input has more lines than secrets asked for: the client secret on the first line, and the \
             previous secret on the second only with --previous-secret-stdin",
        ));
    }
    for secret in std::iter::once(current).chain(previous) {
        if secret.chars().any(char::is_whitespace) {
            return Err(Failure::usage("a secret on standard input contains white space; pass each secret alone"));
        }
    }
    Ok((SecretString::from(current.to_string()), previous.map(|previous| SecretString::from(previous.to_string()))))
}
