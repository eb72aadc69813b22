//! `shopsync sim`: the local Shopify store shopsync's tests run against, standalone, for trying shopsync
//! without a real store (connect it with `shopsync shop add ... --endpoint URL`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use secrecy::SecretString;
use shopify_admin::ShopDomain;
use shopify_sim::{Plan, Seed, SimConfig, TlsFiles};

/// What `shopsync sim --help` says after the options: the seeds and the control routes, which a person trying
/// shopsync against the simulator needs as much as the options (the README's simulator section has every field).
pub const SIM_HELP: &str = "\
Seeds:
  demo        25 products with 1 to 4 variants, 2 locations, 13 customers, 40 orders covering every order error
              code, 6 Shopify Payments payouts
  large       2,000 products with 5 variants each (10,000 SKUs)
  empty       no products, one location
  N           N generated products, no orders
  orders:N    the large catalog plus N orders by N/10 customers over 15 months, and 12 payouts

Control routes: JSON over HTTP under /_sim/ at the endpoint it prints, loopback only, no authentication;
requests that change something need a JSON body. ORDER is a gid, a numeric id or an order number (1001).
  GET  /_sim/stats                 requests by operation, mutations, cost spent (POST /_sim/stats/reset)
  GET  /_sim/products              the catalog with stock; also /_sim/variants?sku=SKU, /_sim/locations
  POST /_sim/inventory             change stock in Shopify: {\"sku\": \"SKU-00001-1\", \"quantity\": 5}
  GET  /_sim/orders                the orders; POST places one:
                                   {\"lines\": [{\"sku\": \"SKU-00001-1\", \"quantity\": 2}]}
  GET  /_sim/orders/ORDER          one order; PATCH edits it (quantities, lines, address, note)
  POST /_sim/orders/ORDER/tags     {\"add\": [...], \"remove\": [...]}; also .../cancel, .../paid, .../refund
  GET  /_sim/fulfillments          fulfillments a client created (of one order: /_sim/orders/ORDER/fulfillments)
  DELETE /_sim/products/SKU        delete a product (by a SKU of it or its gid)
  GET  /_sim/customers             the customers; POST adds one
  PUT  /_sim/faults                inject faults: {\"server_error_rate\": 0.05, \"latency_ms\": 20, \"seed\": 7}
                                   ({} turns every fault off; GET shows them)
  PUT  /_sim/bucket                change the cost bucket; POST /_sim/bucket/drain empties it
  GET  /_sim/changes               the change feed (topic, gid, time)
  GET  /_sim/webhooks/deliveries   webhook deliveries; also /_sim/webhooks/subscriptions and /_sim/webhooks/config
  POST /_sim/app/uninstall         revoke the app's tokens; POST /_sim/oauth/expire expires an OAuth token
  GET  /_sim/bulk                  bulk operations; /_sim/bulk-behaviour holds them running or makes them fail

Example: curl -X POST http://127.0.0.1:PORT/_sim/orders -H 'content-type: application/json' \\
           -d '{\"lines\": [{\"sku\": \"SKU-00001-1\", \"quantity\": 2}]}'";

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The store's data: demo, large (2,000 products, 10,000 variants), empty, a number of products, or
    /// orders:N (the large catalog plus N orders, e.g. orders:20000); see below.
    #[arg(long, default_value = "demo")]
    seed: Seed,
    /// The Shopify plan, which sets the API rate limit: standard, advanced, plus or enterprise.
    #[arg(long, default_value = "standard")]
    plan: Plan,
    /// The access token the store accepts (random when left out). Printed at start: use a throwaway value.
    #[arg(long)]
    access_token: Option<String>,
    /// The app's client secret, for OAuth and webhook signatures (random and unknown when left out, so no one can
    /// mint tokens; use a throwaway value).
    #[arg(long)]
    client_secret: Option<String>,
    /// A redirect URL the app registers for OAuth (repeat for several); OAuth redirects nowhere else.
    #[arg(long, value_name = "URL")]
    redirect_uri: Vec<String>,
    /// The store's domain (NAME.myshopify.com, as a real store's).
    #[arg(long, default_value = "shopsync-demo.myshopify.com")]
    shop_domain: String,
    /// Serve HTTPS with this certificate chain (PEM), for clients that only speak https; needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub async fn run(args: SimArgs) -> anyhow::Result<ExitCode> {
    // The same rule as `shop add`: a store the simulator pretends to be must be one shopsync could connect to.
    let domain = ShopDomain::parse(&args.shop_domain).context("--shop-domain")?;
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(certificate), Some(private_key)) => Some(TlsFiles { certificate, private_key }),
        _ => None,
    };
    let config = SimConfig {
        shop_domain: domain.as_str().to_string(),
        tls,
        plan: args.plan,
        seed: args.seed,
        access_token: args.access_token.map(SecretString::from),
        client_secret: args.client_secret.map(SecretString::from),
        oauth: shopify_sim::oauth::OAuthSettings {
            redirect_uris: args.redirect_uri,
            ..shopify_sim::oauth::OAuthSettings::default()
        },
        ..SimConfig::default()
    };
    let address = SocketAddr::from(([127, 0, 0, 1], args.port));
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    println!(
        "Connect shopsync with `shopsync shop add --domain DOMAIN --endpoint ENDPOINT --token-stdin`; Ctrl-C stops."
    );
    shopify_sim::serve(config, address, stop).await?;
    Ok(ExitCode::SUCCESS)
}
