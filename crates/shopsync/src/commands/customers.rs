//! `shopsync customers ...`: the back-office customers, with the Shopify customers linked to them.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use shopsync_core::gid::{Gid, admin_url};
use shopsync_store::{Customer, CustomerLink, CustomerQuery, StoreError};

use super::print_json;
use crate::context::DataDir;
use crate::text::clean;

#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// List back-office customers by number.
    List {
        /// Only customers whose number, name, email or phone contains this text.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show a customer (by number, or by email) with its fields and its Shopify links.
    Show {
        /// The customer's number, or an email address of the customer.
        customer: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(data_dir: &DataDir, command: CustomersCommand) -> anyhow::Result<ExitCode> {
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        CustomersCommand::List { search, limit, offset, json } => {
            let customers = store.customers(&CustomerQuery { search, limit, offset }).await?;
            if json {
                print_json(&customers)?;
            } else if customers.is_empty() {
                println!(
                    "No customers match. Customers come from Shopify with `shopsync sync customers --shop SHOP` and \
                     with imported orders."
                );
            } else {
                println!("{:<10} {:<28} {:<32} {:<18} TEMPLATE", "NUMBER", "NAME", "EMAIL", "PHONE");
                for c in &customers {
                    println!(
                        "{:<10} {:<28} {:<32} {:<18} {}",
                        c.number,
                        clean(&c.name),
                        clean(c.email.as_deref().unwrap_or("-")),
                        clean(c.phone.as_deref().unwrap_or("-")),
                        clean(c.template_code.as_deref().unwrap_or("-"))
                    );
                }
            }
        }
        CustomersCommand::Show { customer, json } => {
            let found = match store.customer(customer.trim()).await? {
                Some(c) => Some(c),
                None => store.find_customer(Some(&customer), None).await?.map(|(c, _)| c),
            };
            let found = found.ok_or_else(|| StoreError::NotFound {
                what: "customer",
                key: format!("`{customer}` (by number or email); `shopsync customers list --search TEXT` finds one"),
            })?;
            let links = store.customer_links_of(found.id).await?;
            let mut shopify = Vec::new();
            for link in links {
                let domain = store.shop_by_id(link.shop_id).await?.map(|s| s.domain);
                shopify.push(LinkView::new(link, domain));
            }
            if json {
                #[derive(Serialize)]
                struct View<'a> {
                    #[serde(flatten)]
                    customer: &'a Customer,
                    shopify: &'a [LinkView],
                }
                print_json(&View { customer: &found, shopify: &shopify })?;
            } else {
                print_customer(&found, &shopify);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct LinkView {
    shop: Option<String>,
    shopify_customer_id: String,
    matched_by: String,
    linked_at: String,
    admin_url: Option<String>,
}

impl LinkView {
    fn new(link: CustomerLink, shop: Option<String>) -> LinkView {
        let admin_url = match (&shop, Gid::parse(&link.shopify_customer_id)) {
            (Some(domain), Ok(gid)) => admin_url(domain, &gid),
            _ => None,
        };
        LinkView {
            shop,
            shopify_customer_id: link.shopify_customer_id,
            matched_by: link.matched_by.as_str().to_string(),
            linked_at: link.linked_at,
            admin_url,
        }
    }
}

fn print_customer(c: &Customer, links: &[LinkView]) {
    println!("Customer   {} {}", c.number, clean(&c.name));
    println!("Email      {}", clean(c.email.as_deref().unwrap_or("-")));
    println!("Phone      {}", clean(c.phone.as_deref().unwrap_or("-")));
    println!("Template   {}", clean(c.template_code.as_deref().unwrap_or("-")));
    println!("Created    {}   updated {}", c.created_at, c.updated_at);
    for (i, address) in c.addresses.iter().enumerate() {
        println!("Address {}  {}", i + 1, clean(&address.one_line()));
    }
    if !c.fields.is_empty() {
        println!("Fields");
        for (name, value) in &c.fields {
            println!("  {:<24} {}", clean(name), clean(&value.to_string()));
        }
    }
    if links.is_empty() {
        println!("Shopify    not linked to any Shopify customer");
    }
    for link in links {
        println!(
            "Shopify    {} {} (matched by {}, {}){}",
            link.shop.as_deref().unwrap_or("(removed shop)"),
            link.shopify_customer_id,
            link.matched_by,
            link.linked_at,
            link.admin_url.as_ref().map(|u| format!("\n           {u}")).unwrap_or_default()
        );
    }
}
