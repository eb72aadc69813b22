//! `shopsync links ...`: the links between back-office variants and Shopify variants of a shop, and the Shopify
//! products shipped outside the back office.

use std::process::ExitCode;

use clap::Subcommand;
use shopsync_sync::app::links;
use shopsync_sync::app::read::find_shop;

use super::print_json;
use crate::context::DataDir;

pub const LINKS_HELP: &str = "\
The product sync links a Shopify variant to the back-office variant with the same SKU by itself. These commands
are for what it cannot decide: a Shopify variant whose SKU differs (link), a wrong link (unlink), and a Shopify
product the back office does not ship (outside: a supplier ships it, or it is a service). A Shopify product is
named by its page address in Shopify admin (https://admin.shopify.com/store/NAME/products/NUMBER, variants:
.../products/NUMBER/variants/NUMBER) or its id (gid://shopify/Product/NUMBER).";

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Back-office variants and their Shopify links: every linked one, or those whose SKU, item number or title
    /// contains TEXT, or those linked to a pasted Shopify product address.
    List {
        #[arg(long)]
        shop: String,
        /// A SKU, item number or title (contains), or a Shopify product or variant address or id.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Link a Shopify variant to the back-office variant with SKU (its own SKU may differ); orders waiting for it
    /// are checked again.
    Link {
        #[arg(long)]
        shop: String,
        /// The Shopify variant: its admin address (.../products/NUMBER/variants/NUMBER).
        #[arg(long, value_name = "ADDRESS")]
        variant: String,
        /// The back-office variant's SKU.
        #[arg(long)]
        sku: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove the link of the back-office variant with SKU (the next product sync links it by SKU again when
    /// Shopify has that SKU).
    Unlink {
        #[arg(long)]
        shop: String,
        /// The back-office variant's SKU.
        #[arg(long)]
        sku: String,
        #[arg(long)]
        json: bool,
    },
    /// Mark a Shopify product as shipped outside the back office: its order lines are left out of sales orders
    /// instead of holding the order (PRODUCT_NOT_LINKED); --off takes the mark off. Without PRODUCT, lists them.
    Outside {
        #[arg(long)]
        shop: String,
        /// The Shopify product: its admin address or id.
        #[arg(value_name = "PRODUCT")]
        product: Option<String>,
        /// The product's name as you want to see it (default: the title a held order gives its line).
        #[arg(long)]
        title: Option<String>,
        /// Take the mark off: its lines go to the back office again.
        #[arg(long)]
        off: bool,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: LinksCommand) -> anyhow::Result<ExitCode> {
    let engine = data_dir.engine().await?;
    let store = engine.store().as_ref();
    match command {
        LinksCommand::List { shop, search, json } => {
            let shop = find_shop(store, &shop).await?;
            let found = links::search(store, shop.id, search.as_deref().unwrap_or("")).await?;
            if json {
                print_json(&found)?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(outside) = &found.outside {
                println!("{} ({}) is shipped outside the back office.", outside.title, outside.shopify_product_id);
            }
            if found.rows.is_empty() {
                match (&found.shopify, search.as_deref()) {
                    (Some(_), _) => println!("No back-office variant is linked to it in {}.", shop.domain),
                    (None, None) => println!("No variant is linked in {} yet.", shop.domain),
                    (None, Some(text)) => println!("No back-office item matches `{text}`."),
                }
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:<14} {:<16} {:<28} shopify variant", "item", "sku", "title");
            for row in &found.rows {
                println!(
                    "{:<14} {:<16} {:<28} {}",
                    row.item_number,
                    row.sku,
                    clip(&row.item_name, 28),
                    row.shopify_variant_id.as_deref().unwrap_or("(not linked)")
                );
            }
            if found.truncated {
                println!("(the first {} items; narrow the search to see others)", links::SEARCH_LIMIT);
            }
        }
        LinksCommand::Link { shop, variant, sku, json } => {
            let context = engine.shop(&shop.trim().to_ascii_lowercase()).await?;
            let reference = links::ShopifyRef::parse(&variant);
            let (Some(product), Some(variant_id)) =
                (reference.as_ref().and_then(|r| r.product_id.clone()), reference.and_then(|r| r.variant_id))
            else {
                return Err(crate::exit::Failure::usage(format!(
                    "`{variant}` does not name a Shopify variant with its product: open the variant in Shopify \
                     admin and paste its address (…/products/NUMBER/variants/NUMBER)"
                )));
            };
            let made = shopsync_sync::app::actions::link_variant(&context, &product, &variant_id, &sku).await?;
            if json {
                print_json(&serde_json::json!({
                    "item_number": made.item_number, "sku": made.sku, "shopify_variant_id": variant_id,
                    "rechecked": made.rechecked
                }))?;
            } else {
                println!("Linked {variant_id} to {} (item {}).", made.sku, made.item_number);
                if made.rechecked > 0 {
                    println!("{} held order(s) will be checked again at the next order sync.", made.rechecked);
                }
            }
        }
        LinksCommand::Unlink { shop, sku, json } => {
            let shop = find_shop(store, &shop).await?;
            let unlinked = links::unlink(store, shop.id, &sku).await?;
            if json {
                print_json(&unlinked)?;
            } else {
                println!("Unlinked {} from {}.", unlinked.sku, unlinked.shopify_variant_id);
            }
        }
        LinksCommand::Outside { shop, product: None, json, .. } => {
            let shop = find_shop(store, &shop).await?;
            let marked = links::outside_products(store, shop.id).await?;
            if json {
                print_json(&marked)?;
            } else if marked.is_empty() {
                println!("No product of {} is marked as shipped outside the back office.", shop.domain);
            } else {
                for product in &marked {
                    println!("{:<40} {}  (since {})", product.title, product.shopify_product_id, product.marked_at);
                }
            }
        }
        LinksCommand::Outside { shop, product: Some(product), title, off, json } => {
            let context = engine.shop(&shop.trim().to_ascii_lowercase()).await?;
            let mark = links::set_outside(&context, &product, title.as_deref(), !off).await?;
            if json {
                print_json(&mark)?;
            } else if mark.outside {
                let already = if mark.changed { "" } else { " (it already was)" };
                println!(
                    "{} ({}) is shipped outside the back office{already}: its order lines are left out of sales \
                     orders.",
                    mark.title, mark.shopify_product_id
                );
                if mark.rechecked > 0 {
                    println!("{} held order(s) will be checked again at the next order sync.", mark.rechecked);
                }
            } else if mark.changed {
                println!("{} goes to the back office again with its orders.", mark.shopify_product_id);
            } else {
                println!("{} was not marked.", mark.shopify_product_id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `text` cut to `width` characters, with an ellipsis when cut, so a long title keeps the columns in line.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
