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

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The store's data: demo, large (2,000 products, 10,000 variants), empty, or a number of products.
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
