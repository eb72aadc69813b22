//! `shopsync reconcile --shop S [--fix] [--last]`: Shopify's catalog against the back office, difference by
//! difference. The comparison and the fix are the engine's (`shopsync_sync::app::reconcile`); this renders them.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use shopsync_store::{JobTrigger, ReconcileRun};
use shopsync_sync::app::reconcile::{last_run, reconcile};
use shopsync_sync::catalog::reconcile::{Kind, status};

use super::print_json;
use super::progress::Bars;
use super::sync::flow_failure;
use crate::context::DataDir;

pub const RECONCILE_HELP: &str = "\
Reads Shopify's variants, prices and available quantities with one bulk query and compares them with the back
office as `sync products` and `sync inventory` send it. Differences, by kind: missing-in-shopify (an item of the
selection with no product), missing-in-back-office (a Shopify product no item is linked to, not marked as shipped
outside), price-differs, quantity-differs (per SKU and mapped warehouse), link-broken (the linked product is gone
from Shopify). With --fix the back office's prices, quantities and missing products are sent through the same
pushes as `sync products` and `sync inventory`, Shopify is read again, and each difference says fixed or
not-fixed; broken links and products only Shopify has are left for a person (`shopsync links ...`). Every run is
kept: --last shows the last one without asking Shopify.";

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[arg(long)]
    pub shop: String,
    /// Send the back office's values where it is the source (prices, quantities, missing products).
    #[arg(long, conflicts_with = "last")]
    pub fix: bool,
    /// Show the last stored run instead of reading Shopify.
    #[arg(long)]
    pub last: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(data_dir: &DataDir, args: ReconcileArgs) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let domain = args.shop.trim().to_ascii_lowercase();
    let run = if args.last {
        match last_run(&engine, &domain).await? {
            Some(run) => run,
            None => {
                anyhow::bail!(
                    "{domain} was never reconciled, so there is no run to show; run `shopsync reconcile --shop \
                     {domain}` first"
                )
            }
        }
    } else {
        let shop = engine.shop(&domain).await?;
        let bars = Bars::new();
        let result = reconcile(&engine, &shop, args.fix, JobTrigger::Manual, &bars).await;
        bars.finish();
        result.map_err(|err| flow_failure(err, &shop))?
    };
    if args.json {
        print_json(&serde_json::json!({ "shop": domain, "run": run, "counts": counts(&run) }))?;
    } else {
        print_run(&domain, &run);
    }
    Ok(ExitCode::SUCCESS)
}

/// Differences per kind, every kind present (0 when none).
fn counts(run: &ReconcileRun) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> = Kind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    for difference in &run.differences {
        if let Some(kind) = Kind::ALL.iter().find(|k| k.as_str() == difference.kind) {
            *counts.entry(kind.as_str()).or_default() += 1;
        }
    }
    counts
}

fn print_run(domain: &str, run: &ReconcileRun) {
    let mode = if run.mode == "fix" { "reconcile --fix" } else { "reconcile" };
    println!(
        "{domain}: {mode} #{} ({}), {} to {}; {} requests, {} cost points",
        run.id, run.trigger, run.started_at, run.finished_at, run.requests, run.points
    );
    if run.differences.is_empty() {
        println!("No differences: Shopify holds what the back office says.");
        return;
    }
    let counts = counts(run);
    let listed: Vec<String> = counts.iter().filter(|(_, n)| **n > 0).map(|(kind, n)| format!("{kind} {n}")).collect();
    println!("{} differences: {}", run.differences.len(), listed.join(", "));
    println!("{:<24} {:<28} {:>14} {:>14}  {:<10} shopify id", "kind", "key", "back office", "shopify", "status");
    for d in &run.differences {
        println!(
            "{:<24} {:<28} {:>14} {:>14}  {:<10} {}",
            d.kind,
            d.key,
            d.back_office.as_deref().unwrap_or("-"),
            d.shopify.as_deref().unwrap_or("-"),
            d.status,
            d.shopify_id.as_deref().unwrap_or("-")
        );
    }
    let fixed = run.differences.iter().filter(|d| d.status == status::FIXED).count();
    let not_fixed = run.differences.iter().filter(|d| d.status == status::NOT_FIXED).count();
    let left = run.differences.iter().filter(|d| d.status == status::LEFT).count();
    if run.mode == "fix" {
        println!(
            "Fixed {fixed}; not fixed {not_fixed} (see `shopsync sync products --dry-run` and the skipped records of `sync`); left {left} for a person (link-broken, missing-in-back-office: `shopsync links ...`, `shopsync items import`)."
        );
    } else if run.differences.iter().any(|d| d.status == status::OPEN) {
        println!(
            "`shopsync reconcile --shop {domain} --fix` sends the back office's prices, quantities and missing products."
        );
    }
}
