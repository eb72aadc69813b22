//! One batch of Shopify orders into the back office: skip what was already imported at this version, complete
//! the orders a page cut short, capture their data, evaluate every problem, resolve customers, and save status,
//! problems and sales orders in one transaction; then flag cancellations of imported orders and remove the
//! reprocess tag in Shopify.

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, TryStreamExt};
use shopify_admin::AdminError;
use shopify_admin::ops::order_import::{ImportOrder, OrderImportDetails, OrderImportDetailsVariables};
use shopify_admin::ops::tags::{TagsRemove, TagsVariables};
use shopsync_core::order_errors::{OrderProblem, OrderStatus};
use shopsync_store::{
    CustomerTemplate, ItemQuery, NewCustomer, OrderEvaluation, OrderRefundInput, OrderReturnInput,
    OrderTransactionInput, SalesOrderChange, ShopifyCustomerInput, ShopifyOrderInput, missing_required_fields,
};

use super::capture;
use super::evaluate::{self, CatalogView, Known};
use crate::{FlowSummary, ShopContext, SyncError};

/// How many `OrderImportDetails` reads run at once (the shop's budget paces them).
const CONCURRENT_DETAILS: usize = 4;

/// What became of one order of a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportedOrder {
    pub order_id: String,
    pub name: String,
    pub status: OrderStatus,
    /// The problem codes of this evaluation.
    pub codes: Vec<String>,
    pub sales_order_number: Option<String>,
    pub change: SalesOrderChange,
}

/// The shop's customer template, as far as creating customers goes.
struct Template {
    /// The setting's value, when set.
    code: Option<String>,
    template: Option<CustomerTemplate>,
    /// Required fields the template leaves empty (all of them without a template).
    missing: Vec<String>,
}

/// The import of one run: what it loaded once (links, bundles, template), and its counts.
pub struct Importer<'a> {
    ctx: &'a ShopContext,
    catalog: CatalogView,
    template: Template,
    /// Orders someone asked to evaluate again (reprocess, a fixed cause).
    requested: HashSet<String>,
    pub summary: FlowSummary,
    counts: Counts,
}

#[derive(Default)]
struct Counts {
    read: u64,
    waiting: u64,
    ignored: u64,
    customers_created: u64,
    customers_linked: u64,
    tags_removed: u64,
    tags_not_removed: u64,
    details: u64,
}

impl<'a> Importer<'a> {
    /// Loads what every evaluation of this run needs.
    pub async fn load(ctx: &'a ShopContext) -> Result<Importer<'a>, SyncError> {
        let store = ctx.store();
        let shop_id = ctx.shop.id;
        let items = store.items(&ItemQuery::default()).await?;
        let sku_of: HashMap<i64, String> =
            items.iter().flat_map(|i| i.variants.iter()).map(|v| (v.id, v.sku.clone())).collect();
        let mut catalog = CatalogView::default();
        for link in store.variant_links(shop_id).await? {
            if let Some(sku) = sku_of.get(&link.variant_id) {
                catalog.linked_skus.insert(link.shopify_variant_id, sku.clone());
            }
        }
        catalog.outside_products =
            store.outside_products(shop_id).await?.into_iter().map(|p| p.shopify_product_id).collect();
        catalog.bundles = store.bundles().await?.into_iter().map(|b| (b.bundle_sku, b.components)).collect();
        // Stored before the bundles import had its bound: such a bundle would make its orders' component
        // quantities overflow, so it is refused here, by name, before any order is read.
        for (bundle, components) in &catalog.bundles {
            if let Some(c) =
                components.iter().find(|c| !(1..=crate::import::MAX_COMPONENT_QUANTITY).contains(&c.quantity))
            {
                return Err(SyncError::Invalid(format!(
                    "bundle {bundle} holds {} of {}, outside 1 to {}: correct its row in the bundles file and import \
                     it again before syncing orders",
                    c.quantity,
                    c.sku,
                    crate::import::MAX_COMPONENT_QUANTITY
                )));
            }
        }
        let code = ctx.settings.customer_template.clone();
        let template = match &code {
            Some(code) => store.customer_template(code).await?,
            None => None,
        };
        let missing = match &template {
            Some(t) => missing_required_fields(t).into_iter().map(str::to_string).collect(),
            None => shopsync_store::CUSTOMER_FIELDS.iter().filter(|f| f.required).map(|f| f.name.to_string()).collect(),
        };
        let filter = shopsync_store::OrderFilter { reprocess_requested: true, ..Default::default() };
        let requested = store.shopify_order_ids(shop_id, &filter).await?.into_iter().collect();
        Ok(Importer {
            ctx,
            catalog,
            template: Template { code, template, missing },
            requested,
            summary: FlowSummary::default(),
            counts: Counts::default(),
        })
    }

    /// Orders waiting to be evaluated again, read at the start of a sync.
    pub fn requested(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.requested.iter().cloned().collect();
        ids.sort();
        ids
    }

    /// Imports orders read a second time to check them (see [`probe::run`](super::probe::run)'s `eager`). Their
    /// first import counted them; this one counts only an order whose sales order it created or updated, not one
    /// found as it was.
    pub async fn import_again(&mut self, orders: Vec<ImportOrder>) -> Result<Vec<ImportedOrder>, SyncError> {
        let unchanged = self.summary.unchanged;
        let imported = self.import(orders, false).await?;
        self.summary.unchanged = unchanged;
        Ok(imported)
    }

    /// Imports a batch of orders read from Shopify. An order already evaluated at this version (an `updatedAt` as
    /// new and the same content, see [`shopsync_store::StoredOrderVersion::has_seen`]) is skipped unless `force`, a reprocess
    /// request or the shop's reprocess tag asks for it.
    pub async fn import(&mut self, orders: Vec<ImportOrder>, force: bool) -> Result<Vec<ImportedOrder>, SyncError> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.ctx.store();
        let shop_id = self.ctx.shop.id;
        self.counts.read += orders.len() as u64;
        let ids: Vec<String> = orders.iter().map(|o| o.id.to_string()).collect();
        let versions = store.shopify_order_versions(shop_id, &ids).await?;
        let reprocess_tag = self.ctx.settings.reprocess_tag.clone();
        let mut todo = Vec::with_capacity(orders.len());
        // One per order of `todo`, in its order (the details read keeps it).
        let mut hashes = Vec::with_capacity(orders.len());
        for order in orders {
            let tagged = has_tag(&order, &reprocess_tag);
            // The hash of the order as read, before a details read completes it: the next read of the same
            // version gives the same form.
            let hash = capture::order_hash(&order);
            let updated_at = shopsync_core::time::to_text(order.updated_at);
            let seen = versions.get(order.id.as_str()).is_some_and(|stored| stored.has_seen(&updated_at, &hash));
            if seen && !force && !tagged && !self.requested.contains(order.id.as_str()) {
                self.summary.unchanged += 1;
                continue;
            }
            hashes.push(hash);
            todo.push(order);
        }
        if todo.is_empty() {
            return Ok(Vec::new());
        }
        let todo = self.complete(todo).await?;

        let mut captures = Vec::new();
        for order in &todo {
            capture::order_captures(order, &mut captures);
        }
        store.capture(shop_id, &captures).await?;

        // Problems that do not depend on the customer.
        let mut problems = Vec::with_capacity(todo.len());
        let mut existing: HashMap<String, i64> = HashMap::new();
        for order in &todo {
            let mut known = Known::default();
            if (order.display_fulfillment_status == "FULFILLED" || ends(order))
                && let Some(id) = versions.get(order.id.as_str()).and_then(|stored| stored.sales_order_id)
            {
                known.has_sales_order = true;
                existing.insert(order.id.to_string(), id);
            }
            problems.push(evaluate::problems(order, &self.catalog, &self.ctx.settings, known));
        }
        // Without a template that can create customers, an order whose customer is not in the back office yet
        // cannot be imported: say so on every such order, next to its other problems.
        if !self.template.missing.is_empty() {
            for (order, found) in todo.iter().zip(problems.iter_mut()) {
                if self.needs_new_customer(order).await? {
                    found.push(self.template_problem());
                }
            }
        }

        // Customers of the orders that become sales orders.
        let importable: Vec<usize> =
            (0..todo.len()).filter(|&i| OrderStatus::from_problems(&problems[i]) == OrderStatus::Synced).collect();
        let customers = self.customers_for(&todo, &importable, &mut problems).await?;

        let mut evaluations = Vec::with_capacity(todo.len());
        for (i, order) in todo.iter().enumerate() {
            let found = std::mem::take(&mut problems[i]);
            let status = OrderStatus::from_problems(&found);
            let sales_order = match status {
                OrderStatus::Synced => {
                    let mut so = evaluate::sales_order(order, &self.catalog)
                        .map_err(|overflow| SyncError::Invalid(overflow.to_string()))?;
                    so.customer_id = customers.get(&i).copied().flatten();
                    Some(so)
                }
                _ => None,
            };
            evaluations.push(OrderEvaluation {
                order: header(order),
                status,
                problems: found,
                sales_order,
                transactions: transactions(order),
                refunds: refunds(order),
                returns: returns(order),
                import_hash: hashes.get(i).cloned(),
            });
        }
        let saved = store.save_order_evaluations(shop_id, &evaluations).await?;

        let mut outcome = Vec::with_capacity(saved.len());
        for ((saved, evaluation), order) in saved.into_iter().zip(&evaluations).zip(&todo) {
            let id = order.id.to_string();
            self.requested.remove(&id);
            let mut status = saved.status;
            // Ended in Shopify after it became a sales order: a person decides what happens to it, once
            // (`resolve_conflict`); a decision already taken is not asked again.
            if ends(order)
                && let Some(&sales_order_id) = existing.get(&id)
                && store.conflict_resolutions(shop_id, &id).await?.is_empty()
            {
                store
                    .set_sales_order_conflict(
                        sales_order_id,
                        Some(&ended_note(order, saved.sales_order_number.as_deref())),
                    )
                    .await?;
                if let Some(current) = store.shopify_order(shop_id, &id).await? {
                    status = current.status;
                }
            }
            let codes: Vec<String> = evaluation.problems.iter().map(|p| p.code().as_str().to_string()).collect();
            match saved.change {
                SalesOrderChange::Created => self.summary.created += 1,
                SalesOrderChange::Updated => self.summary.updated += 1,
                SalesOrderChange::Unchanged => self.summary.unchanged += 1,
                SalesOrderChange::Conflict | SalesOrderChange::None => {}
            }
            match status {
                OrderStatus::Error => {
                    self.summary.skipped += 1;
                    // An order counts once under each of its codes, as `skipped` counts orders: two unlinked lines
                    // made one order count twice, so the codes added up to more orders than were held.
                    let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
                    for code in distinct {
                        *self.summary.errors.entry(code.clone()).or_default() += 1;
                    }
                }
                OrderStatus::Conflict => self.summary.skip("CONFLICT"),
                OrderStatus::Pending => self.counts.waiting += 1,
                OrderStatus::Ignored => self.counts.ignored += 1,
                OrderStatus::Synced => {}
            }
            if has_tag(order, &reprocess_tag) {
                self.remove_reprocess_tag(order).await?;
            }
            outcome.push(ImportedOrder {
                order_id: id,
                name: order.name.clone(),
                status,
                codes,
                sales_order_number: saved.sales_order_number,
                change: saved.change,
            });
        }
        Ok(outcome)
    }

    /// The counts of the run as the summary's notes.
    pub fn finish(mut self) -> FlowSummary {
        let c = &self.counts;
        let notes = &mut self.summary.notes;
        notes.insert("orders read".into(), c.read.to_string());
        if c.waiting > 0 {
            notes.insert("waiting (payment, approval)".into(), c.waiting.to_string());
        }
        if c.ignored > 0 {
            notes.insert("left out (cancelled, fulfilled in Shopify, ignore tag)".into(), c.ignored.to_string());
        }
        if c.customers_created + c.customers_linked > 0 {
            notes.insert(
                "customers".into(),
                format!("{} created, {} matched to existing ones", c.customers_created, c.customers_linked),
            );
        }
        if c.details > 0 {
            notes.insert("orders completed with a second read".into(), c.details.to_string());
        }
        if c.tags_removed > 0 {
            notes.insert("reprocess tags removed in Shopify".into(), c.tags_removed.to_string());
        }
        if c.tags_not_removed > 0 {
            notes.insert(
                "reprocess tags left in Shopify".into(),
                format!(
                    "{} (writes to Shopify are off: the shop's setting allow-data-sync-to-shopify)",
                    c.tags_not_removed
                ),
            );
        }
        self.summary
    }

    /// The sales order Shopify's version of an order would make, with this run's links and bundles (its customer
    /// left to the one the sales order has).
    pub fn sales_order_of(&self, order: &ImportOrder) -> Result<shopsync_store::SalesOrderInput, SyncError> {
        evaluate::sales_order(order, &self.catalog).map_err(|overflow| SyncError::Invalid(overflow.to_string()))
    }

    /// Reads what a page left out of its orders (more lines, refunds, returns).
    async fn complete(&mut self, orders: Vec<ImportOrder>) -> Result<Vec<ImportOrder>, SyncError> {
        let client = self.ctx.client();
        let needing = orders.iter().filter(|o| o.needs_details()).count() as u64;
        self.counts.details += needing;
        futures::stream::iter(orders.into_iter().map(|order| async move {
            if !order.needs_details() {
                return Ok(order);
            }
            complete_order(client, order).await
        }))
        .buffered(CONCURRENT_DETAILS)
        .try_collect()
        .await
    }

    /// Whether importing the order would create a back-office customer (none is linked or matches).
    async fn needs_new_customer(&self, order: &ImportOrder) -> Result<bool, SyncError> {
        let store = self.ctx.store();
        let (email, phone) = contact(order);
        if let Some(customer) = &order.customer
            && store.customer_link(self.ctx.shop.id, customer.id.as_str()).await?.is_some()
        {
            return Ok(false);
        }
        if email.is_none() && phone.is_none() && order.customer.is_none() {
            return Ok(false);
        }
        Ok(store.find_customer(email.as_deref(), phone.as_deref()).await?.is_none())
    }

    fn template_problem(&self) -> OrderProblem {
        OrderProblem::CustomerTemplateIncomplete {
            template: self.template.code.clone(),
            missing_fields: self.template.missing.clone(),
        }
    }

    /// The back-office customer of each importable order (by index): linked, matched by email then phone, or
    /// created from the template. A guest without email or phone gets none.
    async fn customers_for(
        &mut self,
        orders: &[ImportOrder],
        importable: &[usize],
        problems: &mut [Vec<OrderProblem>],
    ) -> Result<HashMap<usize, Option<i64>>, SyncError> {
        let store = self.ctx.store();
        let shop_id = self.ctx.shop.id;
        let mut out = HashMap::new();
        let mut inputs = Vec::new();
        let mut input_of = Vec::new();
        for &i in importable {
            let order = &orders[i];
            let (email, phone) = contact(order);
            match &order.customer {
                Some(customer) => {
                    let name = [customer.first_name.as_deref(), customer.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    let name = if name.trim().is_empty() { customer.display_name.clone() } else { name };
                    let addresses =
                        [&order.shipping_address, &order.billing_address].into_iter().flatten().map(evaluate::address);
                    let mut addresses: Vec<_> = addresses.collect();
                    addresses.dedup();
                    inputs.push(ShopifyCustomerInput {
                        shopify_customer_id: customer.id.to_string(),
                        name,
                        email,
                        phone,
                        addresses,
                        shopify_updated_at: None,
                    });
                    input_of.push(i);
                }
                None if email.is_none() && phone.is_none() => {
                    out.insert(i, None);
                }
                None => {
                    let id = self.guest_customer(order, email.as_deref(), phone.as_deref()).await?;
                    if id.is_none() {
                        problems[i].push(self.template_problem());
                    }
                    out.insert(i, id);
                }
            }
        }
        if !inputs.is_empty() {
            let template = self.template.template.as_ref();
            let resolved = store.resolve_shopify_customers(shop_id, &inputs, template).await?;
            for (resolution, &i) in resolved.into_iter().zip(&input_of) {
                if resolution.created {
                    self.counts.customers_created += 1;
                } else if matches!(
                    resolution.matched_by,
                    Some(shopsync_store::MatchedBy::Email | shopsync_store::MatchedBy::Phone)
                ) {
                    self.counts.customers_linked += 1;
                }
                match resolution.customer {
                    Some(customer) => {
                        out.insert(i, Some(customer.id));
                    }
                    None => problems[i].push(self.template_problem()),
                }
            }
        }
        Ok(out)
    }

    /// A guest's customer: one with the same email, else phone; else a new one from the template.
    async fn guest_customer(
        &mut self,
        order: &ImportOrder,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<i64>, SyncError> {
        let store = self.ctx.store();
        if let Some((customer, _)) = store.find_customer(email, phone).await? {
            self.counts.customers_linked += 1;
            return Ok(Some(customer.id));
        }
        let Some(template) = self.template.template.as_ref().filter(|_| self.template.missing.is_empty()) else {
            return Ok(None);
        };
        let address = order.shipping_address.as_ref().or(order.billing_address.as_ref()).map(evaluate::address);
        let name = address
            .as_ref()
            .and_then(|a| a.name.clone())
            .or_else(|| email.map(str::to_string))
            .unwrap_or_else(|| order.name.clone());
        let created = store
            .create_customer(&NewCustomer {
                name,
                email: email.map(str::to_string),
                phone: phone.map(str::to_string),
                addresses: address.into_iter().collect(),
                fields: template.fields.clone(),
                template_code: Some(template.code.clone()),
            })
            .await?;
        self.counts.customers_created += 1;
        Ok(Some(created.id))
    }

    /// Removes the shop's reprocess tag from the order in Shopify (it has done its work).
    async fn remove_reprocess_tag(&mut self, order: &ImportOrder) -> Result<(), SyncError> {
        if !self.ctx.settings.allow_data_sync_to_shopify {
            self.counts.tags_not_removed += 1;
            return Ok(());
        }
        let tags: Vec<String> =
            order.tags.iter().filter(|t| t.eq_ignore_ascii_case(&self.ctx.settings.reprocess_tag)).cloned().collect();
        let variables = TagsVariables { id: order.id.clone(), tags };
        match self.ctx.client().execute::<TagsRemove>(&variables).await {
            Ok(_) => self.counts.tags_removed += 1,
            Err(AdminError::UserErrors { errors, .. }) => {
                tracing::warn!("Shopify refused to remove the reprocess tag of {}: {errors:?}", order.name);
                self.counts.tags_not_removed += 1;
            }
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }
}

/// Reads the rest of one order: line items after the page's (50 at a time), shipping lines, refunds, returns.
pub async fn complete_order(
    client: &shopify_admin::AdminClient,
    mut order: ImportOrder,
) -> Result<ImportOrder, SyncError> {
    let lines_cut = order.line_items.is_truncated();
    let mut lines_after = order.line_items.page_info.end_cursor.clone().filter(|_| lines_cut);
    let mut first = true;
    loop {
        let variables = OrderImportDetailsVariables { id: order.id.clone(), lines_after: lines_after.clone() };
        let reply = client.execute::<OrderImportDetails>(&variables).await?;
        let Some(details) = reply.data.order else {
            // Deleted while being read: import what the page had.
            return Ok(order);
        };
        let more = lines_cut && details.line_items.is_truncated();
        lines_after = details.line_items.page_info.end_cursor.clone();
        if first {
            order.add_details(details);
            first = false;
        } else {
            order.line_items.nodes.extend(details.line_items.nodes);
            order.line_items.page_info = details.line_items.page_info;
        }
        if !more {
            return Ok(order);
        }
    }
}

fn has_tag(order: &ImportOrder, tag: &str) -> bool {
    order.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
}

/// The order's email and phone (the order's own, else its shipping address's phone).
fn contact(order: &ImportOrder) -> (Option<String>, Option<String>) {
    let clean = |v: Option<&String>| v.filter(|s| !s.trim().is_empty()).cloned();
    let email = clean(order.email.as_ref());
    let phone =
        clean(order.phone.as_ref()).or_else(|| clean(order.shipping_address.as_ref().and_then(|a| a.phone.as_ref())));
    (email, phone)
}

fn header(order: &ImportOrder) -> ShopifyOrderInput {
    ShopifyOrderInput {
        order_id: order.id.to_string(),
        name: order.name.clone(),
        financial_status: order.display_financial_status.clone(),
        fulfillment_status: Some(order.display_fulfillment_status.clone()),
        cancelled_at: order.cancelled_at.map(|t| t.to_string()),
        tags: order.tags.clone(),
        created_at: order.created_at.to_string(),
        updated_at: order.updated_at.to_string(),
    }
}

fn transactions(order: &ImportOrder) -> Vec<OrderTransactionInput> {
    order
        .transactions
        .iter()
        .map(|t| OrderTransactionInput {
            transaction_id: t.id.to_string(),
            order_id: order.id.to_string(),
            kind: t.kind.clone(),
            status: t.status.clone(),
            gateway: t.gateway.clone(),
            amount: evaluate::money(t.amount_set.amount()),
            currency: t.amount_set.shop_money.currency_code.clone(),
            processed_at: t.processed_at.map(|p| p.to_string()),
        })
        .collect()
}

/// Refunds with their details; a page's bare refund ids are left for the details read.
fn refunds(order: &ImportOrder) -> Vec<OrderRefundInput> {
    order
        .refunds
        .iter()
        .filter_map(|r| {
            let total = r.total_refunded_set.as_ref()?;
            let lines: Vec<serde_json::Value> = r
                .refund_line_items
                .iter()
                .flat_map(|c| c.nodes.iter())
                .map(|l| {
                    serde_json::json!({
                        "line_item_id": l.line_item.id.to_string(),
                        "quantity": l.quantity,
                        "restock_type": l.restock_type,
                        "subtotal": evaluate::money(l.subtotal_set.amount()),
                    })
                })
                .collect();
            Some(OrderRefundInput {
                refund_id: r.id.to_string(),
                order_id: order.id.to_string(),
                total: evaluate::money(total.amount()),
                currency: total.shop_money.currency_code.clone(),
                note: r.note.clone(),
                lines: serde_json::Value::Array(lines),
                created_at: r.created_at.unwrap_or(order.updated_at).to_string(),
            })
        })
        .collect()
}

fn returns(order: &ImportOrder) -> Vec<OrderReturnInput> {
    order
        .returns
        .iter()
        .flat_map(|c| c.nodes.iter())
        .map(|r| {
            let lines: Vec<serde_json::Value> = r
                .return_line_items
                .iter()
                .flat_map(|c| c.nodes.iter())
                .map(|l| {
                    serde_json::json!({
                        "line_item_id": l.fulfillment_line_item.as_ref().map(|f| f.line_item.id.to_string()),
                        "quantity": l.quantity,
                        "reason": l.return_reason_note,
                        "customer_note": l.customer_note,
                    })
                })
                .collect();
            OrderReturnInput {
                return_id: r.id.to_string(),
                order_id: order.id.to_string(),
                name: Some(r.name.clone()),
                status: r.status.clone(),
                lines: serde_json::Value::Array(lines),
            }
        })
        .collect()
}

/// Whether the order ended in Shopify: cancelled, or refunded in full.
pub(crate) fn ends(order: &ImportOrder) -> bool {
    order.cancelled_at.is_some() || order.display_financial_status.as_deref() == Some("REFUNDED")
}

/// The conflict note of an imported order cancelled or refunded in full in Shopify.
fn ended_note(order: &ImportOrder, sales_order: Option<&str>) -> String {
    let what = if order.cancelled_at.is_some() {
        let when = order.cancelled_at.map(|t| format!(" at {t}")).unwrap_or_default();
        let reason = order
            .cancel_reason
            .as_deref()
            .map(|r| format!(" (reason: {})", r.to_ascii_lowercase()))
            .unwrap_or_default();
        format!("cancelled in Shopify{when}{reason}")
    } else {
        "refunded in full in Shopify".to_string()
    };
    format!(
        "Order {} was {what} after it was imported as sales order {}: stop its shipment if it has not left, or agree \
         with the customer what happens to what shipped; then settle the conflict: keep Shopify's version (cancels \
         the sales order) or keep the back office's (keeps it).",
        order.name,
        sales_order.unwrap_or("-")
    )
}
