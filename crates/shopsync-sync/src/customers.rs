//! The inbound customer flow: Shopify customers into back-office customers.
//!
//! [`sync_customers`] finds the customers changed since the durable cursor (`updated_at`, with a five-minute
//! overlap) by a cheap probe of ids and update times ([`probe`]) and reads in full by id only those the store does
//! not hold at that version, checkpointed after every batch; past [`probe::BULK_THRESHOLD`] changed customers it
//! switches to the bulk query. A first run (or a reset cursor, or `--bulk`) reads them as a bulk query; a first run
//! with `--pages` reads them 50 per page. Each customer (name, email, phone, addresses; its Shopify data captured)
//! is resolved by the store: its existing link (taking the newer contact data), else an existing back-office
//! customer with the same normalised email, then phone (exact matching only, so strangers are never merged),
//! else a new customer from the shop's customer template. A customer the template cannot create (no template, or
//! one that leaves a required field empty) is skipped with CUSTOMER_TEMPLATE_INCOMPLETE, naming the fields and the
//! setting to change, and tried again when it next changes or after a reset of the cursor.
//!
//! ```no_run
//! # async fn example(engine: &shopsync_sync::Engine) -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_store::JobTrigger;
//! use shopsync_sync::NoProgress;
//! use shopsync_sync::customers::{CustomerSyncOptions, sync_customers};
//!
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let options = CustomerSyncOptions::default();
//! let flow = sync_customers(&shop, &options, &NoProgress);
//! println!("{}", engine.run_job(&shop, "customers", JobTrigger::Manual, &NoProgress, flow).await?);
//! # Ok(()) }
//! ```

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use shopify_admin::ops::customers::{Customer, CustomerAddress, CustomersPage, customers_bulk_query};
use shopify_admin::ops::products::SearchPageVariables;
use shopify_admin::{AdminError, BulkGrouping, BulkLimits};
use shopsync_store::{Address, CustomerTemplate, MatchedBy, ShopifyCustomerInput, SkippedRecordInput, SyncCursor};

use crate::orders::BulkChoice;
use crate::orders::capture::{self, kinds};
use crate::{FlowSummary, Progress, ShopContext, SyncError};

pub mod probe;

/// The cursor's object name.
pub const OBJECT: &str = "customers";
/// The skipped-record object of a customer that could not be created (key: its Shopify id).
pub const SKIPPED_OBJECT: &str = "shopify-customer";
const BULK_BATCH: usize = 250;

/// What `sync customers` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerSyncOptions {
    pub bulk: BulkChoice,
}

/// Imports new and changed Shopify customers (see the [module documentation](self)).
pub async fn sync_customers(
    ctx: &ShopContext,
    options: &CustomerSyncOptions,
    progress: &dyn Progress,
) -> Result<FlowSummary, SyncError> {
    ctx.require_enabled("the customer sync", "sync-customers", ctx.settings.sync_customers)?;
    ctx.require_outgoing()?;
    let store = ctx.store();
    let template = match &ctx.settings.customer_template {
        Some(code) => store.customer_template(code).await?,
        None => None,
    };
    let mut run = Run { ctx, template, summary: FlowSummary::default(), read: 0 };
    let mut cursor = store.cursor(ctx.shop.id, OBJECT).await?.unwrap_or_default();
    cursor.object = OBJECT.to_string();
    let since = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
    let search =
        since.map(|at| shopify_admin::ops::updated_since(at.checked_sub(crate::orders::OVERLAP).unwrap_or(at)));
    let bulk = match options.bulk {
        BulkChoice::Always => true,
        BulkChoice::Never => false,
        BulkChoice::Auto => since.is_none() || cursor.bulk_operation_id.is_some(),
    };
    let read_as = if bulk {
        run.bulk(&mut cursor, search, progress).await?;
        "bulk query".to_string()
    } else if since.is_none() {
        run.pages(&mut cursor, search, progress).await?;
        "pages".to_string()
    } else {
        let allow_bulk = options.bulk != BulkChoice::Never;
        match probe::run(&mut run, &mut cursor, allow_bulk, progress).await? {
            probe::Probed::Read { changed, unchanged, overlap_probed } => {
                let overlap = if overlap_probed { ", overlap probed" } else { "" };
                format!("probe ({changed} changed read by id, {unchanged} unchanged{overlap})")
            }
            probe::Probed::Bulk { search } => {
                run.bulk(&mut cursor, Some(search), progress).await?;
                "probe, then bulk query (many changed)".to_string()
            }
        }
    };
    let now = shopsync_core::time::now_text();
    cursor.last_run_at = Some(now.clone());
    cursor.last_success_at = Some(now);
    store.save_cursor(ctx.shop.id, &cursor).await?;
    let mut summary = run.summary;
    summary.notes.insert("customers read".into(), run.read.to_string());
    summary.notes.insert("read as".into(), read_as);
    Ok(summary)
}

struct Run<'a> {
    ctx: &'a ShopContext,
    template: Option<CustomerTemplate>,
    summary: FlowSummary,
    read: u64,
}

impl Run<'_> {
    async fn pages(
        &mut self,
        cursor: &mut SyncCursor,
        search: Option<String>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        progress.phase("reading customers", None);
        let mut pages = self.ctx.client().paginate::<CustomersPage>(SearchPageVariables { after: None, query: search });
        while let Some(page) = pages.try_next().await? {
            let last = page.nodes.iter().map(|c| c.updated_at).max();
            let n = page.nodes.len() as u64;
            self.import(page.nodes).await?;
            progress.advance(n);
            if let Some(at) = last {
                advance(cursor, at);
                // Not a probe's cursor: the next probe reads this second's customers once more.
                cursor.last_id = None;
                self.ctx.store().save_cursor(self.ctx.shop.id, cursor).await?;
            }
        }
        Ok(())
    }

    async fn bulk(
        &mut self,
        cursor: &mut SyncCursor,
        search: Option<String>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let client = self.ctx.client();
        progress.phase("waiting for Shopify's bulk export of customers", None);
        let resumed = match cursor.bulk_operation_id.as_deref() {
            Some(id) => match client.bulk_operation(&shopify_admin::Gid::new(id)).await {
                Ok(op)
                    if !op.status.is_finished()
                        || op.status == shopify_admin::ops::bulk::BulkOperationStatus::Completed =>
                {
                    Some(op)
                }
                Ok(_) | Err(AdminError::Bulk(_)) => None,
                Err(err) => return Err(err.into()),
            },
            None => None,
        };
        let operation = match resumed {
            Some(op) => op,
            None => {
                let op =
                    client.start_bulk_query(&customers_bulk_query(search.as_deref()), BulkGrouping::Grouped).await?;
                cursor.bulk_operation_id = Some(op.id.to_string());
                self.ctx.store().save_cursor(self.ctx.shop.id, cursor).await?;
                op
            }
        };
        let finished = client.wait_for_bulk_operation(&operation.id, &crate::orders::bulk_wait()).await?;
        progress.phase("importing customers", Some(finished.root_object_count));
        if let Some(url) = &finished.url {
            let mut chunks =
                client.bulk_result_objects(url, BulkGrouping::Grouped, BulkLimits::default()).chunks(BULK_BATCH);
            while let Some(chunk) = chunks.next().await {
                let mut batch = Vec::with_capacity(chunk.len());
                for object in chunk {
                    let customer = Customer::from_bulk(object?).map_err(|e| {
                        SyncError::Shopify(AdminError::Decode {
                            operation: "customers bulk query".into(),
                            message: format!("a row of the bulk result is not a customer as the import reads it: {e}"),
                            request_id: None,
                        })
                    })?;
                    batch.push(customer);
                }
                let n = batch.len() as u64;
                self.import(batch).await?;
                progress.advance(n);
            }
        }
        cursor.bulk_operation_id = None;
        advance(cursor, finished.created_at);
        // Not a probe's cursor: the next probe reads the customers of the export's second once more.
        cursor.last_id = None;
        self.ctx.store().save_cursor(self.ctx.shop.id, cursor).await?;
        Ok(())
    }

    /// Captures and resolves one batch; counts what happened and records the customers that could not be created.
    async fn import(&mut self, customers: Vec<Customer>) -> Result<(), SyncError> {
        if customers.is_empty() {
            return Ok(());
        }
        let store = self.ctx.store();
        let shop_id = self.ctx.shop.id;
        self.read += customers.len() as u64;
        let mut captures = Vec::with_capacity(customers.len());
        for customer in &customers {
            capture::push(&mut captures, kinds::CUSTOMER, customer.id.as_str(), customer);
        }
        store.capture(shop_id, &captures).await?;
        let inputs: Vec<ShopifyCustomerInput> = customers.iter().map(input).collect();
        let resolved = store.resolve_shopify_customers(shop_id, &inputs, self.template.as_ref()).await?;
        let mut synced = Vec::new();
        let mut skipped = Vec::new();
        for resolution in resolved {
            match (&resolution.customer, resolution.matched_by) {
                (None, _) => {
                    self.summary.skip(shopsync_core::OrderErrorCode::CustomerTemplateIncomplete.as_str());
                    skipped.push(SkippedRecordInput {
                        object: SKIPPED_OBJECT.into(),
                        object_key: resolution.shopify_customer_id.clone(),
                        field: None,
                        code: Some(shopsync_core::OrderErrorCode::CustomerTemplateIncomplete.as_str().into()),
                        message: template_message(self.ctx, self.template.as_ref(), &resolution.missing_fields),
                    });
                    continue;
                }
                (Some(_), _) if resolution.created => self.summary.created += 1,
                (Some(_), Some(MatchedBy::Email | MatchedBy::Phone)) if !resolution.updated => self.summary.linked += 1,
                (Some(_), _) if resolution.updated => self.summary.updated += 1,
                (Some(_), _) => self.summary.unchanged += 1,
            }
            synced.push(resolution.shopify_customer_id);
        }
        store.record_skipped(shop_id, &skipped).await?;
        store.clear_skipped(shop_id, SKIPPED_OBJECT, &synced).await?;
        Ok(())
    }
}

/// Why a customer could not be created, and what to change (in words: the record is shown by every front-end).
fn template_message(ctx: &ShopContext, template: Option<&CustomerTemplate>, missing: &[&str]) -> String {
    match (template, &ctx.settings.customer_template) {
        (Some(t), _) => format!(
            "a new back-office customer is needed and the customer template `{}` leaves {} empty: fill {} in the \
             template, or choose another template in the shop's setting customer-template",
            t.code,
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
        ),
        (None, Some(code)) => format!(
            "a new back-office customer is needed and the shop's customer template `{code}` does not exist: create \
             it with the fields {}, or choose another in the shop's setting customer-template",
            missing_all().join(", ")
        ),
        (None, None) => "a new back-office customer is needed and the shop has no customer template (the setting \
                         customer-template): choose one"
            .to_string(),
    }
}

fn missing_all() -> Vec<&'static str> {
    shopsync_store::CUSTOMER_FIELDS.iter().filter(|f| f.required).map(|f| f.name).collect()
}

/// A Shopify customer as the store resolves it.
fn input(customer: &Customer) -> ShopifyCustomerInput {
    let name = [customer.first_name.as_deref(), customer.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = if name.trim().is_empty() { customer.display_name.clone() } else { name };
    let mut addresses: Vec<Address> = Vec::new();
    for a in customer.default_address.iter().chain(customer.addresses.nodes.iter()) {
        let address = address(a);
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    ShopifyCustomerInput {
        shopify_customer_id: customer.id.to_string(),
        name,
        email: customer.email().map(str::to_string),
        phone: customer.phone().map(str::to_string),
        addresses,
        shopify_updated_at: Some(customer.updated_at.to_string()),
    }
}

fn address(a: &CustomerAddress) -> Address {
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let name = [a.first_name.as_deref(), a.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Address {
        name: (!name.trim().is_empty()).then_some(name),
        company: clean(&a.company),
        address1: clean(&a.address1),
        address2: clean(&a.address2),
        city: clean(&a.city),
        province_code: clean(&a.province_code),
        zip: clean(&a.zip),
        country_code: clean(&a.country_code),
        phone: clean(&a.phone),
    }
}

fn advance(cursor: &mut SyncCursor, at: Timestamp) {
    let current = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
    if current.is_none_or(|c| at >= c) {
        cursor.updated_at = Some(at.to_string());
    }
}
