//! `shopsync sim`: the local Shopify store shopsync's tests run against, standalone, for trying shopsync
//! without a real store (connect it with `shopsync shop add ... --endpoint URL`).

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;
use secrecy::SecretString;
use shopify_sim::{Plan, Seed, SimConfig};

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
    /// The store's domain.
    #[arg(long, default_value = "shopsync-demo.myshopify.com")]
    shop_domain: String,
}

pub async fn run(args: SimArgs) -> anyhow::Result<ExitCode> {
    let config = SimConfig {
        shop_domain: args.shop_domain,
        plan: args.plan,
        seed: args.seed,
        access_token: args.access_token.map(SecretString::from),
        ..SimConfig::default()
    };
    let address = SocketAddr::from(([127, 0, 0, 1], args.port));
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    println!("Press Ctrl-C to stop.");
    shopify_sim::serve(config, address, stop).await?;
    Ok(ExitCode::SUCCESS)
}
