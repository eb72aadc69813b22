//! `shopsync shipments ...`: back-office shipments of sales orders, which the fulfillment sync sends to Shopify
//! as fulfillments with their tracking.

use std::process::ExitCode;

use clap::Subcommand;
use shopsync_store::{OrderStore, SalesOrder, Shipment, ShipmentQuery, ShipmentSyncStatus, StoreError};
use shopsync_sync::app::shipments::{ShipmentRequest, create_shipment};
use shopsync_sync::import::records::RecordsError;

use super::orders::find_shop;
use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub enum ShipmentsCommand {
    /// Record a shipment of a sales order: `--line SKU=QTY` for each item shipped (a partial shipment ships
    /// some lines or part of a quantity). It goes to Shopify as a fulfillment at the next fulfillment sync.
    Create {
        /// The sales order number, e.g. SO-000001.
        #[arg(long, value_name = "SO-NUMBER")]
        order: String,
        /// SKU=QUANTITY shipped; repeat for each SKU.
        #[arg(long = "line", value_name = "SKU=QTY", required = true)]
        lines: Vec<String>,
        /// The tracking number the carrier gave the parcel.
        #[arg(long)]
        tracking: Option<String>,
        /// The carrier, as Shopify knows it (e.g. DHL Express, PostNL, UPS).
        #[arg(long)]
        carrier: Option<String>,
        /// The tracking page.
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List shipments, oldest first.
    List {
        #[arg(long)]
        shop: Option<String>,
        /// Only shipments not sent to Shopify yet.
        #[arg(long)]
        pending: bool,
        /// Only the shipments of this sales order.
        #[arg(long, value_name = "SO-NUMBER")]
        order: Option<String>,
        #[arg(long, default_value_t = 0)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show a shipment with its lines and what Shopify made of it.
    Show {
        /// The shipment number (`SH-000001`), as `shopsync shipments list` shows it.
        number: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: ShipmentsCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        ShipmentsCommand::Create { order, lines, tracking, carrier, url, json } => {
            let request = ShipmentRequest {
                sales_order: order.clone(),
                lines: parse_lines(&lines)?,
                tracking_number: tracking,
                carrier,
                tracking_url: url,
            };
            // The same checks as the REST API's shipments: an unknown order is "not found", the rest is usage.
            let created = match create_shipment(store, &request).await {
                Ok(created) => created,
                Err(RecordsError::Invalid(errors)) if errors.iter().any(|e| e.path == "sales_order") => {
                    find_sales_order(store, &order).await?;
                    return Err(Failure::usage(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")));
                }
                Err(RecordsError::Invalid(errors)) => {
                    return Err(Failure::usage(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")));
                }
                Err(RecordsError::Store(error)) => return Err(error.into()),
            };
            let so = find_sales_order(store, &order).await?;
            if json {
                print_json(&created)?;
                return Ok(ExitCode::SUCCESS);
            }
            let after = store.sales_order_by_id(so.id).await?.unwrap_or(so);
            let shipped: Vec<String> = created
                .lines
                .iter()
                .map(|l| format!("{} x {}", l.quantity, l.sku.as_deref().unwrap_or(&l.description)))
                .collect();
            println!(
                "Shipment {} of {}{}: {}.",
                created.number,
                after.number,
                after.shopify_order_name.as_ref().map(|n| format!(" (Shopify order {n})")).unwrap_or_default(),
                shipped.join(", ")
            );
            if let Some(number) = &created.tracking_number {
                println!(
                    "Tracking {number}{}",
                    created.carrier.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
                );
            }
            println!("The sales order is now {}.", after.status.as_str().replace('_', " "));
            match (created.sync_status, after.shop_id) {
                (ShipmentSyncStatus::Pending, Some(shop_id)) => {
                    let shop = store.shop_by_id(shop_id).await?;
                    let domain = shop.as_ref().map_or("SHOP", |s| s.domain.as_str());
                    println!(
                        "It goes to Shopify as a fulfillment at the next fulfillment sync \
                         (`shopsync sync fulfillments --shop {domain}`)."
                    );
                    if let Some(shop) = &shop {
                        let settings = store.settings(shop.id).await?;
                        if !settings.sync_fulfilled_status {
                            println!(
                                "Note: the shop's sync-fulfilled-status is off, so shipments are not sent; turn it on \
                                 with `shopsync shop set {domain} sync-fulfilled-status on`."
                            );
                        }
                    }
                }
                _ => println!(
                    "It is not sent to Shopify: {}.",
                    created.sync_error.as_deref().unwrap_or("the sales order has no Shopify order")
                ),
            }
        }
        ShipmentsCommand::List { shop, pending, order, limit, json } => {
            let shop_id = match shop {
                Some(domain) => Some(find_shop(store, &domain).await?.id),
                None => None,
            };
            let sales_order_id = match order {
                Some(number) => Some(find_sales_order(store, &number).await?.id),
                None => None,
            };
            let query = ShipmentQuery {
                shop_id,
                sales_order_id,
                sync_status: pending.then_some(ShipmentSyncStatus::Pending),
                limit,
            };
            let shipments = store.shipments(&query).await?;
            if json {
                print_json(&shipments)?;
            } else if shipments.is_empty() {
                println!(
                    "{}",
                    if pending { "No shipment waits to be sent to Shopify." } else { "No shipments match." }
                );
            } else {
                println!(
                    "{:<10} {:<10} {:<10} {:<8} {:<22} {:<14} LINES",
                    "SHIPMENT", "SALES ORD", "SHIPPED", "SHOPIFY", "TRACKING", "CARRIER"
                );
                for s in &shipments {
                    let lines: Vec<String> = s
                        .lines
                        .iter()
                        .map(|l| format!("{}={}", l.sku.as_deref().unwrap_or(&l.description), l.quantity))
                        .collect();
                    println!(
                        "{:<10} {:<10} {:<10} {:<8} {:<22} {:<14} {}",
                        s.number,
                        s.sales_order_number,
                        s.shipped_at.get(..10).unwrap_or(&s.shipped_at),
                        s.sync_status.as_str(),
                        s.tracking_number.as_deref().unwrap_or("-"),
                        s.carrier.as_deref().unwrap_or("-"),
                        lines.join(" ")
                    );
                }
            }
        }
        ShipmentsCommand::Show { number, json } => {
            let shipment = store.shipment(&number).await?.ok_or_else(|| StoreError::NotFound {
                what: "shipment",
                key: format!("{number}; `shopsync shipments list` lists them"),
            })?;
            if json {
                print_json(&shipment)?;
            } else {
                print_shipment(&shipment);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find_sales_order(store: &(impl OrderStore + ?Sized), number: &str) -> anyhow::Result<SalesOrder> {
    store.sales_order(number).await?.ok_or_else(|| {
        StoreError::NotFound {
            what: "sales order",
            key: format!(
                "{number}; `shopsync orders list --shop SHOP` shows each Shopify order's sales order (SO-...)"
            ),
        }
        .into()
    })
}

/// `SKU=QTY` arguments, summed per SKU, in the order given.
fn parse_lines(lines: &[String]) -> anyhow::Result<Vec<(String, i64)>> {
    let mut wanted: Vec<(String, i64)> = Vec::new();
    for text in lines {
        let parsed = text.rsplit_once('=').and_then(|(sku, qty)| {
            let qty = qty.trim().parse::<i64>().ok().filter(|q| *q > 0)?;
            let sku = sku.trim();
            (!sku.is_empty()).then(|| (sku.to_string(), qty))
        });
        let Some((sku, qty)) = parsed else {
            return Err(Failure::usage(format!("--line `{text}` is not SKU=QUANTITY with a quantity of 1 or more")));
        };
        match wanted.iter_mut().find(|(s, _)| *s == sku) {
            Some(entry) => entry.1 += qty,
            None => wanted.push((sku, qty)),
        }
    }
    Ok(wanted)
}

fn print_shipment(s: &Shipment) {
    println!("Shipment     {}", s.number);
    println!("Sales order  {}", s.sales_order_number);
    if let Some(order) = &s.shopify_order_id {
        println!("Shopify      {order}");
    }
    println!("Shipped      {}", s.shipped_at);
    println!(
        "Tracking     {}{}",
        s.tracking_number.as_deref().unwrap_or("-"),
        s.carrier.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
    );
    if let Some(url) = &s.tracking_url {
        println!("Tracking URL {url}");
    }
    println!("To Shopify   {}{}", s.sync_status, s.sync_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default());
    for id in &s.shopify_fulfillment_ids {
        println!("Fulfillment  {id}");
    }
    println!("{:>4}  {:<18} {:<34} QTY", "LINE", "SKU", "DESCRIPTION");
    for l in &s.lines {
        println!("{:>4}  {:<18} {:<34} {}", l.line_no, l.sku.as_deref().unwrap_or("-"), l.description, l.quantity);
    }
}
