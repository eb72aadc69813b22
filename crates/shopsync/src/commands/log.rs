//! `shopsync log`, `shopsync capture` and `shopsync jobs`: what the people running shopsync read when something
//! fails. The request log holds Shopify calls as the shop's `logging` setting asks; captured data holds the raw
//! Shopify data of every imported object whatever that setting; jobs are every sync run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use shopsync_store::{RequestLogFilter, ShopStore, StoreError};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Request log entries, newest first.
    List {
        #[arg(long)]
        shop: Option<String>,
        /// Only failed requests.
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One entry with its request and response; `--save DIR` writes them as files.
    Show {
        /// The entry's id, the first column of `shopsync log list`.
        id: i64,
        /// Write the request and response bodies to DIR as request-ID.json and response-ID.json instead.
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Delete entries older than a number of days (`--older-than 7`), or all of them (`--all`); one of the
    /// two is required, so a bare `log purge` cannot empty the log by accident.
    #[command(group(clap::ArgGroup::new("how_much").required(true).args(["older_than", "all"])))]
    Purge {
        #[arg(long)]
        shop: Option<String>,
        /// Delete entries older than this many days.
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u32>,
        /// Delete every entry (of the shop, with --shop).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaptureCommand {
    /// The latest captured version of each object, newest first.
    List {
        #[arg(long)]
        shop: String,
        /// order, order_line, shipping_line, transaction, fulfillment, refund, return, payout, customer ...
        #[arg(long = "type")]
        object_type: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Every captured version of one object (its Shopify global id or number), newest first.
    Show {
        #[arg(long)]
        shop: String,
        /// The object's type: order, order_line, transaction, fulfillment, refund, return, payout, customer ...
        #[arg(long = "type")]
        object_type: String,
        /// The object's Shopify global id (`gid://shopify/Order/1`), or the number at its end.
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run_log(data_dir: &DataDir, command: LogCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    match command {
        LogCommand::List { shop, failed, limit, json } => {
            let shop_id = match shop {
                Some(domain) => Some(shop_id(store.as_ref(), &domain).await?),
                None => None,
            };
            let entries =
                store.request_logs(&RequestLogFilter { shop_id, failed_only: failed, before_id: None, limit }).await?;
            if json {
                print_json(&entries)?;
            } else if entries.is_empty() {
                println!("The request log is empty. Set `logging` to `all` (or `errors`) on the shop to fill it.");
            } else {
                println!(
                    "{:>6}  {:<27} {:<28} {:>6} {:>6} {:<38} ERROR",
                    "ID", "STARTED", "OPERATION", "STATUS", "COST", "REQUEST ID"
                );
                for e in entries {
                    println!(
                        "{:>6}  {:<27} {:<28} {:>6} {:>6} {:<38} {}",
                        e.id,
                        e.started_at,
                        e.operation.as_deref().unwrap_or("-"),
                        e.status.map_or("-".to_string(), |s| s.to_string()),
                        e.actual_cost.map_or("-".to_string(), |c| format!("{c:.0}")),
                        e.request_id.as_deref().unwrap_or("-"),
                        e.error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        LogCommand::Show { id, save, json } => {
            let entry = store
                .request_log(id)
                .await?
                .ok_or(StoreError::NotFound { what: "request log entry", key: id.to_string() })?;
            if let Some(dir) = save {
                std::fs::create_dir_all(&dir)?;
                let request = dir.join(format!("request-{id}.json"));
                let response = dir.join(format!("response-{id}.json"));
                std::fs::write(&request, entry.request_body.as_deref().unwrap_or_default())?;
                std::fs::write(&response, entry.response_body.as_deref().unwrap_or_default())?;
                println!("Saved {} and {}", request.display(), response.display());
            } else if json {
                print_json(&entry)?;
            } else {
                println!("Entry        {}", entry.id);
                println!("Started      {}", entry.started_at);
                println!("Request      {} {}", entry.method, entry.url);
                println!("Operation    {}", entry.operation.as_deref().unwrap_or("-"));
                println!("Status       {}", entry.status.map_or("no answer".to_string(), |s| s.to_string()));
                println!("Request id   {}", entry.request_id.as_deref().unwrap_or("-"));
                println!("Attempt      {}", entry.attempt);
                println!("Duration     {} ms", entry.duration_ms);
                if let (Some(requested), actual) = (entry.requested_cost, entry.actual_cost) {
                    println!(
                        "Cost         requested {requested:.0}, actual {}",
                        actual.map_or("-".into(), |a| format!("{a:.0}"))
                    );
                }
                if let Some(error) = &entry.error {
                    println!("Error        {error}");
                }
                println!("\nRequest body\n{}", entry.request_body.as_deref().unwrap_or("(none)"));
                println!("\nResponse body\n{}", entry.response_body.as_deref().unwrap_or("(not kept)"));
            }
        }
        LogCommand::Purge { shop, older_than, all: _ } => {
            let shop_id = match shop {
                Some(domain) => Some(shop_id(store.as_ref(), &domain).await?),
                None => None,
            };
            let before = older_than
                .map(|days| {
                    let span = jiff::SignedDuration::from_hours(24 * i64::from(days));
                    jiff::Timestamp::now().checked_sub(span).map(shopsync_core::time::to_text)
                })
                .transpose()
                .map_err(|e| Failure::usage(format!("--older-than is out of range: {e}")))?;
            let removed = store.purge_request_logs(shop_id, before.as_deref()).await?;
            println!("Deleted {removed} request log entries.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_capture(data_dir: &DataDir, command: CaptureCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    match command {
        CaptureCommand::List { shop, object_type, limit, json } => {
            let id = shop_id(store.as_ref(), &shop).await?;
            let captures = store.latest_captures(id, object_type.as_deref(), limit).await?;
            if json {
                print_json(&with_json_field(&captures, "payload")?)?;
            } else if captures.is_empty() {
                println!("No Shopify data captured yet for {shop}.");
            } else {
                println!("{:<14} {:<45} {:<28} BYTES", "TYPE", "OBJECT", "CAPTURED");
                for c in captures {
                    println!("{:<14} {:<45} {:<28} {}", c.object_type, c.object_id, c.captured_at, c.payload.len());
                }
            }
        }
        CaptureCommand::Show { shop, object_type, id, json } => {
            let shop_id = shop_id(store.as_ref(), &shop).await?;
            let gid = if id.starts_with("gid://") {
                id.clone()
            } else {
                format!("gid://shopify/{}/{id}", resource_of(&object_type))
            };
            let versions = store.captures(shop_id, &object_type, &gid).await?;
            if versions.is_empty() {
                return Err(StoreError::NotFound { what: "captured data", key: format!("{object_type} {gid}") }.into());
            }
            if json {
                print_json(&with_json_field(&versions, "payload")?)?;
            } else {
                for (n, version) in versions.iter().enumerate() {
                    println!(
                        "== version {} of {} (captured {})",
                        versions.len() - n,
                        versions.len(),
                        version.captured_at
                    );
                    let pretty = serde_json::from_str::<serde_json::Value>(&version.payload)
                        .and_then(|v| serde_json::to_string_pretty(&v))
                        .unwrap_or_else(|_| version.payload.clone());
                    println!("{pretty}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_jobs(
    data_dir: &DataDir,
    shop: String,
    kind: Option<String>,
    limit: u32,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let id = shop_id(store.as_ref(), &shop).await?;
    let jobs = store.jobs(id, kind.as_deref(), limit).await?;
    if json {
        print_json(&with_json_field(&jobs, "summary")?)?;
    } else if jobs.is_empty() {
        println!("No sync has run for {shop} yet.");
    } else {
        println!(
            "{:>5}  {:<13} {:<10} {:<10} {:<27} {:<27} SUMMARY / ERROR",
            "ID", "KIND", "TRIGGER", "STATUS", "STARTED", "FINISHED"
        );
        for job in jobs {
            let trigger =
                serde_json::to_value(job.trigger).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let status =
                serde_json::to_value(job.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            println!(
                "{:>5}  {:<13} {:<10} {:<10} {:<27} {:<27} {}",
                job.id,
                job.kind,
                trigger,
                status,
                job.started_at.as_deref().unwrap_or("-"),
                job.finished_at.as_deref().unwrap_or("-"),
                job.error.clone().unwrap_or_else(|| readable_summary(&job.summary))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records as JSON, with `field` (JSON text in the store: a job's summary, a capture's payload) given as the JSON
/// value it holds rather than as a string a script would have to parse again. Text that is not JSON stays text.
fn with_json_field<T: serde::Serialize>(records: &[T], field: &str) -> anyhow::Result<serde_json::Value> {
    let mut records = serde_json::to_value(records)?;
    for record in records.as_array_mut().into_iter().flatten() {
        let parsed = record.get(field).and_then(|v| v.as_str()).and_then(|t| serde_json::from_str(t).ok());
        if let Some(parsed) = parsed {
            record[field] = parsed;
        }
    }
    Ok(records)
}

/// A job's summary as a person reads it (`3 created, 1 updated ...`), `-` for a job that has none yet; other text
/// as it is.
fn readable_summary(summary: &str) -> String {
    match serde_json::from_str::<shopsync_sync::FlowSummary>(summary) {
        Ok(summary) => summary.to_string(),
        Err(_) if summary.trim() == "{}" => "-".to_string(),
        Err(_) => summary.to_string(),
    }
}

/// The Shopify resource type of a capture object type, to build a global id from a number.
fn resource_of(object_type: &str) -> &'static str {
    match object_type {
        "order" => "Order",
        "order_line" => "LineItem",
        "shipping_line" => "ShippingLine",
        "transaction" => "OrderTransaction",
        "fulfillment" => "Fulfillment",
        "fulfillment_order" => "FulfillmentOrder",
        "refund" => "Refund",
        "return" => "Return",
        "payout" => "ShopifyPaymentsPayout",
        "customer" => "Customer",
        "product" => "Product",
        _ => "Object",
    }
}

pub async fn shop_id(store: &dyn ShopStore, domain: &str) -> anyhow::Result<i64> {
    let domain = domain.trim().to_ascii_lowercase();
    Ok(store.shop(&domain).await?.ok_or(StoreError::ShopNotFound(domain))?.id)
}
