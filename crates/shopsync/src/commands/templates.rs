//! `shopsync templates ...`: customer templates, the defaults new back-office customers are created from.
//!
//! The back office refuses a customer without its required fields (posting groups, payment terms); a shop's
//! `customer-template` setting names the template its new customers take them from. A template that leaves one
//! empty holds the shop's orders from new customers with CUSTOMER_TEMPLATE_INCOMPLETE; completing it re-checks
//! them at the next order sync.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use shopsync_core::order_errors::RecheckEvent;
use shopsync_store::customers::customer_field;
use shopsync_store::{CUSTOMER_FIELDS, CustomerTemplate, ShopStore, StoreError, missing_required_fields};

use super::print_json;
use crate::context::DataDir;
use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List the customer templates, with whether each fills every required field.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a template's fields, what it lacks, and the shops that use it.
    Show {
        /// The template's code (`WEB`), as `shopsync templates list` shows it.
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a template or change its fields: `shopsync templates set WEB gen_bus_posting_group=WEB
    /// payment_terms_code=PREPAID`. `field=` (no value) removes a field; other fields are kept.
    Set {
        /// The template's code: letters, digits, `-`, `_` and `.`; a new code creates the template.
        code: String,
        /// FIELD=VALUE pairs; `shopsync templates fields` lists the fields.
        #[arg(value_name = "FIELD=VALUE")]
        assignments: Vec<String>,
        /// What the template is for, shown by `templates list` (kept when left out).
        #[arg(long)]
        description: Option<String>,
    },
    /// The customer fields a template can fill, and which the back office requires.
    Fields {
        #[arg(long)]
        json: bool,
    },
    /// Delete a template no shop uses.
    Remove {
        /// The template's code; no shop may use it as its customer-template.
        code: String,
    },
}

pub async fn run(data_dir: &DataDir, command: TemplatesCommand) -> anyhow::Result<ExitCode> {
    if let TemplatesCommand::Fields { json } = command {
        print_fields(json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = data_dir.open_store().await?;
    let store = store.as_ref();
    match command {
        TemplatesCommand::List { json } => {
            let templates = store.customer_templates().await?;
            let views: Vec<TemplateView> = templates.iter().map(|t| TemplateView::new(t, Vec::new())).collect();
            if json {
                print_json(&views)?;
            } else if views.is_empty() {
                println!("No customer template yet. Create one: shopsync templates set CODE FIELD=VALUE ...");
                println!("(`shopsync templates fields` lists the fields; a shop uses it with");
                println!(" `shopsync shop set SHOP customer-template CODE`.)");
            } else {
                println!("{:<16} {:<9} {:<36} DESCRIPTION", "CODE", "COMPLETE", "MISSING");
                for v in &views {
                    println!(
                        "{:<16} {:<9} {:<36} {}",
                        v.template.code,
                        if v.missing_fields.is_empty() { "yes" } else { "no" },
                        if v.missing_fields.is_empty() { "-".to_string() } else { v.missing_fields.join(", ") },
                        v.template.description
                    );
                }
            }
        }
        TemplatesCommand::Show { code, json } => {
            let template = store.customer_template(&code).await?.ok_or_else(|| not_found(&code))?;
            let view = TemplateView::new(&template, shops_using(store, &code).await?);
            if json {
                print_json(&view)?;
            } else {
                print_template(&view);
            }
        }
        TemplatesCommand::Set { code, assignments, description } => {
            validate_code(&code)?;
            let existing = store.customer_template(&code).await?;
            let mut fields = existing.as_ref().map(|t| t.fields.clone()).unwrap_or_default();
            apply_assignments(&mut fields, &assignments)?;
            if existing.is_none() && assignments.is_empty() && description.is_none() {
                return Err(Failure::usage(format!(
                    "give the fields of the new template {code}: shopsync templates set {code} FIELD=VALUE ... \
                     (`shopsync templates fields` lists them)"
                )));
            }
            let saved = store.save_customer_template(&code, description.as_deref(), &fields).await?;
            let missing = missing_required_fields(&saved);
            println!("Template {} {}.", saved.code, if existing.is_some() { "updated" } else { "created" });
            for (name, value) in &saved.fields {
                println!("  {name:<24} {value}");
            }
            if missing.is_empty() {
                println!("It fills every required customer field.");
            } else {
                println!(
                    "It cannot create customers yet: the required field{} {} {} empty. Fill {}: shopsync templates \
                     set {code} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                    if missing.len() == 1 { "it" } else { "them" },
                    missing.iter().map(|f| format!("{f}=VALUE")).collect::<Vec<_>>().join(" ")
                );
            }
            // Orders held by this template are re-checked at the next order sync, without anyone reprocessing them.
            let mut rechecked = 0;
            for shop in store.shops().await? {
                let waiting = store
                    .orders_waiting_for(shop.id, &[RecheckEvent::TemplateChanged { template: code.clone() }])
                    .await?;
                rechecked += store.request_reprocess(shop.id, &waiting).await?;
            }
            match rechecked {
                0 => {}
                1 => println!("1 order waiting for this template will be checked again at the next order sync."),
                n => println!("{n} orders waiting for this template will be checked again at the next order sync."),
            }
            let users = shops_using(store, &code).await?;
            if users.is_empty() {
                println!("No shop uses it yet: shopsync shop set SHOP customer-template {code}");
            }
        }
        TemplatesCommand::Remove { code } => {
            let users = shops_using(store, &code).await?;
            if !users.is_empty() {
                return Err(Failure::usage(format!(
                    "template {code} is the customer template of {}; choose another one first: \
                     shopsync shop set {} customer-template OTHER",
                    users.join(", "),
                    users[0]
                )));
            }
            if !store.remove_customer_template(&code).await? {
                return Err(not_found(&code).into());
            }
            println!("Template {code} removed.");
        }
        TemplatesCommand::Fields { .. } => unreachable!("handled before the store is opened"),
    }
    Ok(ExitCode::SUCCESS)
}

fn not_found(code: &str) -> StoreError {
    StoreError::NotFound { what: "customer template", key: format!("{code}; `shopsync templates list` lists them") }
}

/// Template codes follow the shop setting's rule: letters, digits, `-`, `_` and `.`, at most 40 characters.
fn validate_code(code: &str) -> anyhow::Result<()> {
    let valid = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && code != "none";
    if valid {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "`{code}` is not a template code: use letters, digits, `-`, `_` and `.` (at most 40), as the shop's \
             customer-template setting accepts"
        )))
    }
}

/// Applies `field=value` pairs; an empty value removes the field. Unknown fields are refused with the list.
fn apply_assignments(fields: &mut BTreeMap<String, String>, assignments: &[String]) -> anyhow::Result<()> {
    for assignment in assignments {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(Failure::usage(format!("`{assignment}` is not FIELD=VALUE (e.g. payment_terms_code=NET30)")));
        };
        let name = name.trim();
        if customer_field(name).is_none() {
            let known: Vec<&str> = CUSTOMER_FIELDS.iter().map(|f| f.name).collect();
            return Err(Failure::usage(format!(
                "there is no customer field `{name}`; the fields are: {}",
                known.join(", ")
            )));
        }
        let value = value.trim();
        if value.is_empty() {
            fields.remove(name);
        } else {
            fields.insert(name.to_string(), value.to_string());
        }
    }
    Ok(())
}

async fn shops_using(store: &(impl ShopStore + ?Sized), code: &str) -> anyhow::Result<Vec<String>> {
    let mut users = Vec::new();
    for shop in store.shops().await? {
        if store.settings(shop.id).await?.customer_template.as_deref() == Some(code) {
            users.push(shop.domain);
        }
    }
    Ok(users)
}

#[derive(Serialize)]
struct TemplateView<'a> {
    #[serde(flatten)]
    template: &'a CustomerTemplate,
    missing_fields: Vec<&'static str>,
    used_by: Vec<String>,
}

impl<'a> TemplateView<'a> {
    fn new(template: &'a CustomerTemplate, used_by: Vec<String>) -> TemplateView<'a> {
        TemplateView { template, missing_fields: missing_required_fields(template), used_by }
    }
}

fn print_template(view: &TemplateView) {
    let t = view.template;
    println!("Template     {}", t.code);
    if !t.description.is_empty() {
        println!("Description  {}", t.description);
    }
    println!("Used by      {}", if view.used_by.is_empty() { "no shop".to_string() } else { view.used_by.join(", ") });
    println!("{:<24} {:<9} VALUE", "FIELD", "REQUIRED");
    for field in CUSTOMER_FIELDS {
        let value = t.fields.get(field.name).map(String::as_str);
        if value.is_none() && !field.required {
            continue;
        }
        println!(
            "{:<24} {:<9} {}",
            field.name,
            if field.required { "yes" } else { "" },
            value.unwrap_or("(empty: customers cannot be created)")
        );
    }
    if view.missing_fields.is_empty() {
        println!("Complete: new customers can be created from it.");
    } else {
        println!(
            "Incomplete: fill {} with shopsync templates set {} {}",
            view.missing_fields.join(", "),
            t.code,
            view.missing_fields.iter().map(|f| format!("{f}=VALUE")).collect::<Vec<_>>().join(" ")
        );
    }
}

fn print_fields(json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&CUSTOMER_FIELDS);
    }
    println!("{:<24} {:<9} MEANING", "FIELD", "REQUIRED");
    for f in CUSTOMER_FIELDS {
        println!("{:<24} {:<9} {}", f.name, if f.required { "yes" } else { "no" }, f.description);
    }
    Ok(())
}
