//! `shopsync shop ...`: connect Shopify stores and set how they sync.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use secrecy::SecretString;
use serde::Serialize;
use shopify_admin::{ApiVersion, Endpoint, ShopDomain};
use shopsync_core::secret::access_token_context;
use shopsync_core::settings::SETTINGS;
use shopsync_core::{ShopSettings, time};
use shopsync_store::{NewShop, Shop, SyncCursor};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub enum ShopCommand {
    /// Connect a Shopify store. The Admin API access token is read from standard input, never from the
    /// command line (where other users and the shell history could see it).
    Add {
        /// The store's permanent domain, NAME.myshopify.com.
        #[arg(long)]
        domain: String,
        /// Read the access token from standard input (required: the only way to pass a token).
        #[arg(long, required = true)]
        token_stdin: bool,
        /// The Admin API version to call (default: the newest stable version shopsync speaks).
        #[arg(long, value_name = "YYYY-MM")]
        api_version: Option<String>,
        /// Development setting: send requests to this base URL (the local simulator) instead of Shopify.
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
    },
    /// Connect a store (or grant it access again) by installing the app through OAuth: prints the install URL to
    /// open; `shopsync serve` must run at the public address (`app set-url`) to receive Shopify's callback.
    Connect {
        /// The store's permanent domain, NAME.myshopify.com.
        domain: String,
        /// The Admin API version a new store is called with (default: the newest stable version shopsync speaks).
        #[arg(long, value_name = "YYYY-MM")]
        api_version: Option<String>,
        /// Development setting for a new store: its base URL (the local simulator) instead of Shopify.
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the connected stores.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a store: connection, access and every setting.
    Show {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the connection: asks Shopify for the shop and the app's access scopes with the stored token.
    Check {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        #[arg(long)]
        json: bool,
    },
    /// The store's sales channels (publications), and which of them new products are published to (the setting
    /// publish-to).
    Channels {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a setting (`shopsync shop settings` lists them all with what they accept).
    Set {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        /// The setting's name (`shopsync shop settings` lists them all).
        setting: String,
        /// Its new value, as `shopsync shop settings` says it accepts (quote values with spaces: 'every 15m').
        value: String,
    },
    /// Describe every setting, with what it accepts and its default.
    Settings,
    /// Replace a store's access token (after rotating it in Shopify); read from standard input.
    SetToken {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        /// Read the new access token from standard input (required: the only way to pass a token).
        #[arg(long, required = true)]
        token_stdin: bool,
    },
    /// Development setting: send a store's requests to a base URL (the simulator), or `none` for Shopify.
    /// The token is sealed with its endpoint, so a store with a token needs it again on standard input.
    SetEndpoint {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        /// A base URL such as http://127.0.0.1:18787 (plain http only to this machine), or `none` for Shopify.
        #[arg(value_name = "URL|none")]
        endpoint: String,
        /// Read the access token for the new endpoint from standard input.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Where each inbound sync stopped (the cursors the next incremental sync starts from).
    Cursors {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        #[arg(long)]
        json: bool,
    },
    /// Make the next sync of an object read again from a date, or from the start: to bring back records
    /// deleted in the back office, or after changing import rules.
    ResetCursor {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        /// orders, customers or products.
        object: String,
        /// Read again from this date (YYYY-MM-DD) or timestamp; from the start when left out.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
    },
    /// Disconnect a store and delete its settings, cursors, links and logs (back-office records stay).
    Remove {
        /// The store: its NAME.myshopify.com domain, as `shopsync shop list` shows it.
        shop: String,
        /// Confirm the removal.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: ShopCommand) -> anyhow::Result<ExitCode> {
    if let ShopCommand::Check { shop, json } = command {
        return check(data_dir, &shop, json).await;
    }
    if let ShopCommand::Connect { domain, api_version, endpoint, json } = command {
        return connect(data_dir, &domain, endpoint.as_deref(), api_version.as_deref(), json).await;
    }
    if let ShopCommand::Channels { shop, json } = command {
        return channels(data_dir, &shop, json).await;
    }
    if let ShopCommand::Settings = command {
        describe_settings();
        return Ok(ExitCode::SUCCESS);
    }
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        ShopCommand::Add { domain, token_stdin: _, api_version, endpoint } => {
            let domain = ShopDomain::parse(&domain)?;
            let api_version = match api_version {
                Some(v) => ApiVersion::parse(&v).map_err(|e| Failure::usage(e.to_string()))?,
                None => ApiVersion::default(),
            };
            let endpoint = endpoint.map(|e| parse_endpoint(&e)).transpose()?;
            let token = read_token()?;
            let cipher = data_dir.unlocked_cipher(store).await?;
            let sealed = cipher.seal(&access_token_context(domain.as_str(), endpoint.as_deref()), &token);
            let shop = store
                .add_shop(&NewShop {
                    domain: domain.to_string(),
                    api_version: api_version.to_string(),
                    endpoint,
                    access_token: Some(sealed),
                })
                .await?;
            println!("Connected {} (API {}).", shop.domain, shop.api_version);
            if shop.endpoint.is_some() {
                println!(
                    "Development endpoint: requests go to {} instead of Shopify.",
                    shop.endpoint.unwrap_or_default()
                );
            }
            println!("Writes to Shopify are off until you allow them:");
            println!("  shopsync shop set {} allow-data-sync-to-shopify on", shop.domain);
        }
        ShopCommand::List { json } => {
            let shops = store.shops().await?;
            if json {
                print_json(&shops.iter().map(ShopView::from).collect::<Vec<_>>())?;
            } else if shops.is_empty() {
                println!("No store is connected yet: shopsync shop add --domain NAME.myshopify.com --token-stdin");
            } else {
                println!("{:<40} {:<9} {:<13} ENDPOINT", "SHOP", "API", "ACCESS");
                for shop in &shops {
                    let view = ShopView::from(shop);
                    println!(
                        "{:<40} {:<9} {:<13} {}",
                        view.domain,
                        view.api_version,
                        view.access,
                        view.endpoint.unwrap_or("shopify")
                    );
                }
            }
        }
        ShopCommand::Show { shop, json } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            let settings = store.settings(shop.id).await?;
            if json {
                #[derive(Serialize)]
                struct Full<'a> {
                    #[serde(flatten)]
                    shop: ShopView<'a>,
                    settings: &'a ShopSettings,
                }
                print_json(&Full { shop: ShopView::from(&shop), settings: &settings })?;
            } else {
                show_shop(&shop, &settings);
            }
        }
        ShopCommand::Set { shop, setting, value } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            let mut settings = store.settings(shop.id).await?;
            let old = settings.clone();
            settings.set(&setting, &value)?;
            let normal = settings.get(&setting).unwrap_or(value);
            store.save_setting(shop.id, &setting, &normal).await?;
            println!("{}: {setting} = {normal}", shop.domain);
            // Orders held by what this setting decides are checked again at the next order sync.
            let rechecked =
                shopsync_sync::orders::recheck_setting_change(store, shop.id, &setting, &old, &settings).await?;
            match rechecked {
                0 => {}
                1 => println!("1 order waiting for this change will be checked again at the next order sync."),
                n => println!("{n} orders waiting for this change will be checked again at the next order sync."),
            }
        }
        ShopCommand::Settings
        | ShopCommand::Check { .. }
        | ShopCommand::Channels { .. }
        | ShopCommand::Connect { .. } => {
            unreachable!("handled before the store is opened")
        }
        ShopCommand::SetToken { shop, token_stdin: _ } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            let cipher = data_dir.unlocked_cipher(store).await?;
            let token = read_token()?;
            let sealed = cipher.seal(&access_token_context(&shop.domain, shop.endpoint.as_deref()), &token);
            store.set_access_token(shop.id, Some(&sealed)).await?;
            println!("{}: access token replaced.", shop.domain);
            // A token pasted wrong, or one of another store, should show now rather than at the next sync.
            return check_new_token(data_dir, &shop.domain).await;
        }
        ShopCommand::SetEndpoint { shop, endpoint, token_stdin } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            let endpoint = if endpoint == "none" { None } else { Some(parse_endpoint(&endpoint)?) };
            // The token is sealed bound to its endpoint, so a new endpoint needs the token again: the sealed one
            // cannot be opened and sealed again here without letting anyone who can run this command send it
            // wherever they like.
            match (token_stdin, shop.access_token.is_some()) {
                (true, _) => {
                    let cipher = data_dir.unlocked_cipher(store).await?;
                    let token = read_token()?;
                    let sealed = cipher.seal(&access_token_context(&shop.domain, endpoint.as_deref()), &token);
                    store.set_endpoint_and_token(shop.id, endpoint.as_deref(), &sealed).await?;
                }
                (false, false) => store.set_endpoint(shop.id, endpoint.as_deref()).await?,
                (false, true) => {
                    return Err(Failure::usage(format!(
                        "the access token of {} is sealed for its current endpoint, so a new endpoint needs the \
                         token again: `shopsync shop set-endpoint {} {} --token-stdin < token.txt`",
                        shop.domain,
                        shop.domain,
                        endpoint.as_deref().unwrap_or("none")
                    )));
                }
            }
            match endpoint {
                Some(url) => println!("{}: development endpoint {url}", shop.domain),
                None => println!("{}: requests go to Shopify", shop.domain),
            }
        }
        ShopCommand::Cursors { shop, json } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            let cursors = store.cursors(shop.id).await?;
            if json {
                print_json(&cursors)?;
            } else if cursors.is_empty() {
                println!("{}: no inbound sync has run yet.", shop.domain);
            } else {
                println!("{:<12} {:<28} {:<30} LAST SUCCESS", "OBJECT", "UPDATED AT", "LAST ID");
                for SyncCursor { object, updated_at, last_id, last_success_at, .. } in cursors {
                    println!(
                        "{object:<12} {:<28} {:<30} {}",
                        updated_at.as_deref().unwrap_or("(start)"),
                        last_id.as_deref().unwrap_or("-"),
                        last_success_at.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        ShopCommand::ResetCursor { shop, object, to } => {
            let shop = super::orders::find_shop(store, &shop).await?;
            if !["orders", "customers", "products"].contains(&object.as_str()) {
                return Err(Failure::usage(format!(
                    "`{object}` has no sync cursor; accepted: orders, customers, products"
                )));
            }
            let to = to.map(|t| parse_date_or_timestamp(&t)).transpose()?;
            store.reset_cursor(shop.id, &object, to.as_deref()).await?;
            match to {
                Some(t) => println!("{}: the next {object} sync reads everything updated since {t}.", shop.domain),
                None => println!("{}: the next {object} sync reads everything from the start.", shop.domain),
            }
        }
        ShopCommand::Remove { shop, yes } => {
            if !yes {
                return Err(Failure::usage(format!(
                    "removing {shop} deletes its settings, cursors, links and logs; add --yes to confirm"
                )));
            }
            if !store.remove_shop(&shop).await? {
                return Err(shopsync_store::StoreError::ShopNotFound(shop).into());
            }
            println!("Removed {shop}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The scopes shopsync's flows use; a missing one is named by `shop check`.
async fn check(data_dir: &DataDir, domain: &str, json: bool) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    let result = shop.check_access().await;
    engine.flush_logs().await;
    let info = match result {
        Ok(info) => info,
        Err(err) if err.is_auth() => {
            return Err(Failure {
                code: 4,
                message: format!(
                    "{err}. Request a new token and store it with `shopsync shop set-token {domain} --token-stdin`"
                ),
            }
            .into());
        }
        Err(err) => return Err(err.into()),
    };
    report_access(&info, &shop.settings, json)
}

/// Checks a token `set-token` just stored, as `shop check` does. A refused token is stored all the same (the old
/// one is gone from the database either way, and the shop is marked `needs access`), so the user is told to store
/// a good one; a store that cannot be reached leaves the token stored but unchecked, which is said too.
async fn check_new_token(data_dir: &DataDir, domain: &str) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let shop = engine.shop(domain).await?;
    let result = shop.check_access().await;
    engine.flush_logs().await;
    match result {
        Ok(info) => report_access(&info, &shop.settings, false),
        Err(err) if err.is_auth() => Err(Failure {
            code: 4,
            message: format!(
                "Shopify refused the new token: {err}. It is stored, but every sync of {domain} is refused until a \
                 valid one is: check that the token belongs to this store and app, then store it again with \
                 `shopsync shop set-token {domain} --token-stdin`"
            ),
        }
        .into()),
        Err(err) => {
            println!(
                "The new token is stored but not checked: {err}. Check it with `shopsync shop check {domain}` once \
                 the store can be reached."
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `shop connect`: starts an installation and prints where to approve it.
async fn connect(
    data_dir: &DataDir,
    domain: &str,
    endpoint: Option<&str>,
    api_version: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let start = shopsync_sync::app::access::begin_install(&engine, domain, endpoint, api_version).await?;
    if json {
        print_json(&start)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Open this address in a browser, logged in to the store's admin, and approve the app:");
    println!();
    println!("  {}", start.url);
    println!();
    println!("It asks for: {}.", start.scopes.join(", "));
    println!(
        "Shopify then sends you to {} : `shopsync serve` must be running there (behind your HTTPS proxy) to finish \
         the connection. The address works once, for 15 minutes.",
        start.redirect_uri
    );
    Ok(ExitCode::SUCCESS)
}

/// `shop channels`: every publication of the store, marking those the setting publish-to names.
async fn channels(data_dir: &DataDir, domain: &str, json: bool) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let shop = engine.shop(&domain.trim().to_ascii_lowercase()).await?;
    let result = shopsync_sync::catalog::publish::channels(&shop).await;
    engine.flush_logs().await;
    let publications = result?;
    let wanted = &shop.settings.publish_to;
    let chosen = |name: &str| wanted.iter().any(|w| w.eq_ignore_ascii_case(name));
    if json {
        let list: Vec<serde_json::Value> = publications
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id.0,
                    "name": p.name(),
                    "auto_publish": p.auto_publish,
                    "new_products_published": chosen(p.name()),
                })
            })
            .collect();
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Sales channels of {}:", shop.shop.domain);
    for p in &publications {
        let mark = if chosen(p.name()) { "new products published here" } else { "" };
        println!("  {:<28} {:<36} {mark}", crate::text::clean(p.name()), p.id.0);
    }
    let missing: Vec<&String> =
        wanted.iter().filter(|w| !publications.iter().any(|p| p.name().eq_ignore_ascii_case(w))).collect();
    if wanted.is_empty() {
        println!("New products are published to no channel (publish-to is none).");
    } else if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
        println!(
            "publish-to names {} that this store does not have: the product sync refuses to create products until \
             it is changed (`shopsync shop set {} publish-to NAME,...`).",
            names.join(", "),
            shop.shop.domain
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What `shop check` prints: the shop, and the scopes shopsync needs that the token lacks (exit 4 when any).
fn report_access(
    info: &shopify_admin::ops::shop::ShopInfoData,
    settings: &shopsync_core::ShopSettings,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let missing = info.current_app_installation.missing_scopes(&shopsync_sync::app::required_scopes(settings));
    if json {
        print_json(&serde_json::json!({
            "shop": info.shop.myshopify_domain,
            "name": info.shop.name,
            "currency": info.shop.currency_code,
            "scopes": info.current_app_installation.access_scopes.iter().map(|s| &s.handle).collect::<Vec<_>>(),
            "missing_scopes": missing,
        }))?;
    } else {
        println!(
            "Connected to {} ({}), currency {}.",
            info.shop.name, info.shop.myshopify_domain, info.shop.currency_code
        );
        if missing.is_empty() {
            println!("The token has every scope shopsync uses.");
        } else {
            println!("The token lacks these scopes: {}.", missing.join(", "));
            println!("Add them to the app's Admin API scopes in Shopify, reinstall it, and store the new token.");
        }
    }
    Ok(if missing.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(4) })
}

/// A shop as `list` and `show` print it: never the token, only whether there is one.
#[derive(Serialize)]
struct ShopView<'a> {
    domain: &'a str,
    api_version: &'a str,
    endpoint: Option<&'a str>,
    has_access_token: bool,
    access: &'static str,
    access_error: Option<&'a str>,
    scopes: Option<&'a str>,
    /// When an expiring token lapses (shopsync refreshes it five minutes before); `None`: it does not expire.
    access_token_expires_at: Option<&'a str>,
    created_at: &'a str,
}

impl<'a> From<&'a Shop> for ShopView<'a> {
    fn from(shop: &'a Shop) -> Self {
        ShopView {
            domain: &shop.domain,
            api_version: &shop.api_version,
            endpoint: shop.endpoint.as_deref(),
            has_access_token: shop.access_token.is_some(),
            access: match (shop.access_token.is_some(), shop.access_status) {
                (false, _) => "no token",
                (true, shopsync_store::AccessStatus::Unknown) => "not checked",
                (true, shopsync_store::AccessStatus::Ok) => "ok",
                (true, shopsync_store::AccessStatus::NeedsAccess) => "needs access",
            },
            access_error: shop.access_error.as_deref(),
            scopes: shop.scopes.as_deref(),
            access_token_expires_at: shop.access_token_expires_at.as_deref(),
            created_at: &shop.created_at,
        }
    }
}

fn show_shop(shop: &Shop, settings: &ShopSettings) {
    let view = ShopView::from(shop);
    println!("Shop          {}", shop.domain);
    println!("API version   {}", shop.api_version);
    match &shop.endpoint {
        Some(url) => println!("Endpoint      {url}  (development setting: requests go here instead of Shopify)"),
        None => println!("Endpoint      https://{}", shop.domain),
    }
    println!(
        "Access token  {}",
        match (view.has_access_token, view.access_token_expires_at) {
            (false, _) => "missing: shopsync shop set-token".to_string(),
            (true, None) => "present (encrypted at rest)".to_string(),
            (true, Some(at)) => format!("present (encrypted at rest), expires {at}, refreshed before"),
        }
    );
    println!(
        "Access        {}{}",
        view.access,
        shop.access_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
    );
    if let Some(scopes) = &shop.scopes {
        println!("Scopes        {scopes}");
    }
    println!();
    println!("Settings (change with: shopsync shop set {} SETTING VALUE)", shop.domain);
    for (key, value) in settings.pairs() {
        println!("  {key:<32} {value}");
    }
}

fn describe_settings() {
    let defaults = ShopSettings::default();
    for setting in SETTINGS {
        println!("{}", setting.key);
        println!("    {}", setting.description);
        println!("    accepts: {}", setting.accepted);
        println!("    default: {}", defaults.get(setting.key).unwrap_or_default());
    }
}

/// Reads the token from standard input: the whole input, trimmed.
fn read_token() -> anyhow::Result<SecretString> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read the access token from standard input")?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Failure::usage(
            "no access token on standard input; pipe it in, e.g. `shopsync shop add --domain NAME.myshopify.com --token-stdin < token.txt`",
        ));
    }
    if token.chars().any(char::is_whitespace) {
        return Err(Failure::usage("the access token on standard input contains white space; pass the token alone"));
    }
    Ok(SecretString::from(token.to_string()))
}

fn parse_endpoint(text: &str) -> anyhow::Result<String> {
    match Endpoint::development(text) {
        Ok(Endpoint::Development(url)) => Ok(url.as_str().trim_end_matches('/').to_string()),
        Ok(Endpoint::Shopify) => Err(Failure::usage("an explicit endpoint URL is needed")),
        Err(err) => Err(Failure::usage(err.to_string())),
    }
}

fn parse_date_or_timestamp(text: &str) -> anyhow::Result<String> {
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        let ts =
            date.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| Failure::usage(e.to_string()))?;
        return Ok(time::to_text(ts));
    }
    time::normalize(text)
        .map_err(|_| Failure::usage(format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 timestamp")))
}
