//! Bulk writes of the catalog push: many changed products go to Shopify as one bulk mutation (`productSet` per
//! line of an uploaded JSONL file) instead of one call each.
//!
//! **Why.** A `productSet` costs about 30 points of the shop's rate limit and its publishing 10 more, so on the
//! standard plan (100 points/s) 2,000 new products take minutes of waiting for the bucket. A bulk mutation is not
//! rate limited: the staged upload, the start and each poll cost a few points whatever the file holds.
//!
//! **The rule** ([`chosen`]): more than [`BULK_WRITE_ABOVE`] products to send go as a bulk mutation, fewer are
//! sent directly. A bulk operation has a latency of its own (upload, Shopify's queue, polling, the result's
//! download, then the same again for publishing), a few seconds, which a handful of direct calls beat; past a
//! bucketful of products the direct calls wait for the rate limit and the bulk operation wins by more the larger
//! the push. Measured on the simulator (standard plan, `catalog_push` bench): see ARCHITECTURE.md.
//!
//! **Steps** of one file (files are split below Shopify's upload limit, [`shopify_admin::max_bulk_upload_bytes`],
//! and run one after the other):
//!
//! 1. Upload the variables (`stagedUploadsCreate` and the upload).
//! 2. Save the plan ([`BulkWrite`], stage `products`): what each line is ([`SentProduct`]: the item, the hash and
//!    prices sent). Then start the operation and save its id.
//! 3. Wait, read the result file and record each line as the direct path records an answer (`outcome`): links
//!    with the hash sent, skipped records with Shopify's `userErrors`, a deleted product's link removed.
//! 4. Publish the new products to the shop's channels: another bulk mutation (`publishablePublish` per line,
//!    stage `publish`) from API 2026-01, when bulk mutations take any mutation; before, one call each.
//! 5. Forget the write.
//!
//! **Resuming** ([`resume`], at the start of every product sync): a write whose operation id is known is waited
//! for and its result recorded, never started again. A write saved without an id (the run stopped between the
//! start and the save of its answer) may or may not have started: the run waits for the app's unfinished bulk
//! mutations, then forgets the write and plans again. That cannot create a product twice: new products are sent
//! with their handle as identifier, which `productSet` treats as an upsert, and products the lost operation made
//! are found by SKU and linked before anything is sent.

use std::collections::HashSet;

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use shopify_admin::bulk_mutation::jsonl_line;
use shopify_admin::ops::bulk::BulkOperation;
use shopify_admin::ops::products::{ProductSet, ProductSetData};
use shopify_admin::ops::publications::{
    PublicationInput, PublishablePublish, PublishablePublishData, PublishablePublishVariables,
};
use shopify_admin::{AdminError, BulkError, BulkLimits, Gid, any_bulk_mutation, max_bulk_upload_bytes};
use shopsync_store::BulkWrite;

use super::payload::product_set_variables;
use super::products::{Action, Catalog, Outcome, Pending, SAVE_EVERY, SentProduct, outcome};
use super::publish::NOT_PUBLISHED;
use super::{Problem, objects};
use crate::{FlowSummary, Progress, ShopContext, SyncError};

/// More products to send than this go as one bulk mutation; this many or fewer are sent one `productSet` each.
pub const BULK_WRITE_ABOVE: usize = 50;

/// The object bulk writes of the catalog push are kept under.
const OBJECT: &str = "products";
/// The stages of a kept write.
const STAGE_PRODUCTS: &str = "products";
const STAGE_PUBLISH: &str = "publish";

/// Files are cut this far below Shopify's limit, so the form around the file never pushes it over.
const UPLOAD_MARGIN: usize = 64 * 1024;

/// Whether `changed` products go as a bulk mutation (`above`: the caller's threshold, else the rule's).
pub(crate) fn chosen(changed: usize, above: Option<usize>) -> bool {
    changed > above.unwrap_or(BULK_WRITE_ABOVE)
}

/// The plan of a `products` stage: one entry per line of the uploaded file, in order.
#[derive(Debug, Serialize, Deserialize)]
struct ProductsPlan {
    lines: Vec<SentProduct>,
    /// The channels new products are published to (gids), looked up before the write started.
    publications: Vec<String>,
}

/// The plan of a `publish` stage: one new product per line.
#[derive(Debug, Serialize, Deserialize)]
struct PublishPlan {
    /// Item number and product gid, in line order.
    lines: Vec<(String, String)>,
    publications: Vec<String>,
}

/// Sends `actions` as bulk mutations, one file after the other, recording each line's result. Problems go into
/// `problems` (recorded by the caller, as for the direct path); what Shopify accepted is stored as it is read.
pub(crate) async fn push(
    ctx: &ShopContext,
    catalog: &Catalog,
    actions: &[Action],
    publications: &[Gid],
    summary: &mut FlowSummary,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let limit = max_bulk_upload_bytes(ctx.client().api_version()).saturating_sub(UPLOAD_MARGIN);
    let publications: Vec<String> = publications.iter().map(|p| p.0.clone()).collect();
    let mut files: Vec<(Vec<u8>, Vec<SentProduct>)> = vec![(Vec::new(), Vec::new())];
    for action in actions {
        let (variables, prices_sent) = product_set_variables(
            &action.desired,
            action.product_id.as_deref(),
            &catalog.variant_links,
            &catalog.settings,
        );
        let line = jsonl_line(&variables).map_err(|e| SyncError::Invalid(format!("a product's input: {e}")))?;
        let sent = SentProduct::new(action, &prices_sent, &catalog.variant_links);
        if let Some((bytes, lines)) = files.last_mut()
            && (lines.is_empty() || bytes.len() + line.len() <= limit)
        {
            bytes.extend_from_slice(&line);
            lines.push(sent);
        } else {
            files.push((line, vec![sent]));
        }
    }
    if files.len() > 1 {
        summary.notes.insert("bulk operations".into(), files.len().to_string());
    }
    for (bytes, lines) in files {
        if lines.is_empty() {
            continue;
        }
        progress.phase("uploading products for a bulk operation", None);
        let path = ctx.client().stage_bulk_variables(bytes).await?;
        let plan = ProductsPlan { lines, publications: publications.clone() };
        let mut write = BulkWrite {
            object: OBJECT.to_string(),
            stage: STAGE_PRODUCTS.to_string(),
            operation_id: None,
            plan: to_json(&plan)?,
            ..BulkWrite::default()
        };
        ctx.store().save_bulk_write(ctx.shop.id, &write).await?;
        let operation = match ctx.client().run_bulk_mutation::<ProductSet>(&path).await {
            Ok(operation) => operation,
            Err(err) => {
                // Refused outright, nothing started: the write goes. Any other failure (a lost answer) leaves
                // it, so the next run finds out whether the operation started before sending anything again.
                if matches!(err, AdminError::Bulk(BulkError::MutationNotStarted(_))) {
                    ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
                }
                return Err(err.into());
            }
        };
        write.operation_id = Some(operation.id.0.clone());
        ctx.store().save_bulk_write(ctx.shop.id, &write).await?;
        finish_products(ctx, &operation.id, plan, summary, problems, progress).await?;
    }
    Ok(())
}

/// Finishes the bulk write an earlier run left, if any, recording its result into `summary` and the store
/// (skipped records included, at once). Returns the items it recorded a problem for, whose records the rest of
/// the run must not clear as unchanged.
pub(crate) async fn resume(
    ctx: &ShopContext,
    summary: &mut FlowSummary,
    progress: &dyn Progress,
) -> Result<HashSet<String>, SyncError> {
    let Some(write) = ctx.store().bulk_write(ctx.shop.id, OBJECT).await? else {
        return Ok(HashSet::new());
    };
    let mut problems = Vec::new();
    let outcome = resume_write(ctx, write, summary, &mut problems, progress).await;
    for problem in &problems {
        summary.skip(&problem.code);
    }
    let records: Vec<_> = problems.iter().map(Problem::to_record).collect();
    ctx.store().record_skipped(ctx.shop.id, &records).await?;
    outcome.map(|()| problems.into_iter().map(|p| p.key).collect())
}

async fn resume_write(
    ctx: &ShopContext,
    write: BulkWrite,
    summary: &mut FlowSummary,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let Some(id) = write.operation_id.as_deref().map(Gid::new) else {
        // The run stopped before it learnt whether the operation started: wait for whatever may be running,
        // then plan again (new products go by handle, so a product the lost operation made is updated, not
        // doubled).
        progress.phase("waiting for an earlier bulk operation of this app", None);
        for running in ctx.client().unfinished_bulk_mutations().await? {
            let _ = ctx.client().wait_for_bulk_operation(&running.id, &crate::orders::bulk_wait()).await;
        }
        if write.stage == STAGE_PUBLISH {
            // Publishing twice changes nothing: publish the products of the plan again.
            let plan: PublishPlan = from_json(&write.plan)?;
            summary.notes.insert("resumed bulk operation".into(), "publishing new products".into());
            return publish(ctx, plan, problems, progress).await;
        }
        ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
        summary.notes.insert("resumed bulk operation".into(), "not started; sent again".into());
        return Ok(());
    };
    summary.notes.insert("resumed bulk operation".into(), id.0.clone());
    match write.stage.as_str() {
        STAGE_PUBLISH => {
            let plan: PublishPlan = from_json(&write.plan)?;
            finish_publish(ctx, &id, plan, problems, progress).await
        }
        _ => {
            let plan: ProductsPlan = from_json(&write.plan)?;
            finish_products(ctx, &id, plan, summary, problems, progress).await
        }
    }
}

/// Waits for a `productSet` bulk operation and records its result line by line, then publishes the products it
/// created. A failed operation's partial result is recorded too; its other lines are planned again next run.
async fn finish_products(
    ctx: &ShopContext,
    id: &Gid,
    plan: ProductsPlan,
    summary: &mut FlowSummary,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    progress.phase("waiting for Shopify's bulk operation", Some(plan.lines.len() as u64));
    let (url, failure) = match wait(ctx, id).await? {
        Waited::Completed(operation) if expired(&operation) => {
            // Its result is gone (Shopify keeps it 7 days): nothing to record, the products are planned again.
            ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
            return Ok(());
        }
        Waited::Completed(operation) => (operation.url, None),
        Waited::Failed { partial_data_url, error } => (partial_data_url, Some(error)),
        Waited::Gone(_) => {
            // Shopify no longer knows it: as above, the products are planned again.
            ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
            return Ok(());
        }
    };
    progress.phase("recording Shopify's answers", Some(plan.lines.len() as u64));
    let mut pending = Pending::default();
    let mut created: Vec<(String, String)> = Vec::new();
    if let Some(url) = url {
        let mut lines = ctx.client().bulk_mutation_results::<ProductSet>(&url, BulkLimits::default());
        while let Some(line) = lines.try_next().await? {
            let Some(sent) = usize::try_from(line.line).ok().and_then(|n| plan.lines.get(n)) else {
                tracing::warn!(line = line.line, "a bulk result line answers no line of the upload");
                continue;
            };
            let answer = match (line.data, line.errors.is_empty()) {
                (Some(ProductSetData { product_set }), true) => outcome(ctx, sent, product_set, None).await?,
                (_, _) => Outcome::Refused {
                    problems: vec![Problem::new(
                        objects::ITEM,
                        &sent.number,
                        "SHOPIFY_ERROR",
                        format!(
                            "Shopify could not run this product's line of the bulk operation ({}); the next sync \
                             sends it again",
                            if line.errors.is_empty() { "no answer".to_string() } else { line.errors.join("; ") }
                        ),
                    )],
                },
            };
            if let Outcome::Accepted { created: true, number, product, .. } = &answer {
                created.push((number.clone(), product.shopify_product_id.clone()));
            }
            pending.add(answer, summary, problems);
            progress.advance(1);
            if pending.len() >= SAVE_EVERY {
                pending.save(ctx).await?;
            }
        }
    }
    pending.save(ctx).await?;
    // The products created are published even when the operation failed part way: once linked with their hash
    // they count as unchanged, and no later run would publish them.
    let plan = PublishPlan { lines: created, publications: plan.publications };
    if plan.lines.is_empty() || plan.publications.is_empty() {
        ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
    } else {
        let write = BulkWrite {
            object: OBJECT.to_string(),
            stage: STAGE_PUBLISH.to_string(),
            operation_id: None,
            plan: to_json(&plan)?,
            ..BulkWrite::default()
        };
        ctx.store().save_bulk_write(ctx.shop.id, &write).await?;
        publish(ctx, plan, problems, progress).await?;
    }
    // What came back is recorded; after a failure the rest is planned again by the next run (new products by
    // handle, so none is doubled).
    match failure {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Publishes new products to the channels of the plan: as a bulk mutation where the API version runs any
/// mutation in bulk, else one call each. A product that could not be published stays linked, with a
/// `NOT_PUBLISHED` record, as on the direct path.
async fn publish(
    ctx: &ShopContext,
    plan: PublishPlan,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let publications: Vec<Gid> = plan.publications.iter().cloned().map(Gid).collect();
    if !any_bulk_mutation(ctx.client().api_version()) {
        progress.phase("publishing new products", Some(plan.lines.len() as u64));
        for (number, product_id) in &plan.lines {
            problems.extend(super::publish::publish(ctx, number, product_id, &publications).await);
            progress.advance(1);
        }
        ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
        return Ok(());
    }
    let input: Vec<PublicationInput> =
        publications.iter().map(|id| PublicationInput { publication_id: id.clone() }).collect();
    let mut bytes = Vec::new();
    for (_, product_id) in &plan.lines {
        let variables = PublishablePublishVariables { id: Gid(product_id.clone()), input: input.clone() };
        bytes.extend(jsonl_line(&variables).map_err(|e| SyncError::Invalid(format!("a publish input: {e}")))?);
    }
    progress.phase("publishing new products as a bulk operation", None);
    let path = ctx.client().stage_bulk_variables(bytes).await?;
    let operation = ctx.client().run_bulk_mutation::<PublishablePublish>(&path).await?;
    let write = BulkWrite {
        object: OBJECT.to_string(),
        stage: STAGE_PUBLISH.to_string(),
        operation_id: Some(operation.id.0.clone()),
        plan: to_json(&plan)?,
        ..BulkWrite::default()
    };
    ctx.store().save_bulk_write(ctx.shop.id, &write).await?;
    finish_publish(ctx, &operation.id, plan, problems, progress).await
}

/// Waits for a `publishablePublish` bulk operation and records the products it could not publish.
async fn finish_publish(
    ctx: &ShopContext,
    id: &Gid,
    plan: PublishPlan,
    problems: &mut Vec<Problem>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    progress.phase("waiting for Shopify to publish new products", Some(plan.lines.len() as u64));
    let (url, failure) = match wait(ctx, id).await? {
        Waited::Completed(operation) => (operation.url, None),
        Waited::Failed { partial_data_url, error } => (partial_data_url, Some(error)),
        Waited::Gone(error) => (None, Some(error)),
    };
    let mut answered = vec![false; plan.lines.len()];
    if let Some(url) = url {
        let mut lines = ctx.client().bulk_mutation_results::<PublishablePublish>(&url, BulkLimits::default());
        while let Some(line) = lines.try_next().await? {
            let Some(index) = usize::try_from(line.line).ok().filter(|n| *n < plan.lines.len()) else { continue };
            answered[index] = true;
            let (number, product_id) = &plan.lines[index];
            let errors: Vec<String> = match line.data {
                Some(PublishablePublishData { publishable_publish: Some(payload) }) if line.errors.is_empty() => {
                    payload.user_errors.iter().map(|e| e.message.clone()).collect()
                }
                _ if !line.errors.is_empty() => line.errors.clone(),
                _ => vec!["Shopify gave no answer".to_string()],
            };
            if !errors.is_empty() {
                problems.push(not_published(number, product_id, &errors.join("; ")));
            }
            progress.advance(1);
        }
    }
    if let Some(error) = &failure {
        for ((number, product_id), _) in plan.lines.iter().zip(&answered).filter(|(_, answered)| !**answered) {
            problems.push(not_published(number, product_id, &format!("the bulk operation failed ({error})")));
        }
    }
    ctx.store().remove_bulk_write(ctx.shop.id, OBJECT).await?;
    Ok(())
}

/// Whether an operation's result is past the 7 days Shopify keeps it (a day's margin for clocks and downloads).
fn expired(operation: &BulkOperation) -> bool {
    let kept = jiff::SignedDuration::from_hours(6 * 24);
    operation.completed_at.is_some_and(|at| jiff::Timestamp::now().duration_since(at) > kept)
}

fn not_published(number: &str, product_id: &str, reason: &str) -> Problem {
    Problem::new(
        objects::ITEM,
        number,
        NOT_PUBLISHED,
        format!(
            "created in Shopify but in no sales channel: it could not be published ({reason}); publish product \
             {product_id} in Shopify admin"
        ),
    )
}

/// How waiting for an operation ended.
enum Waited {
    Completed(BulkOperation),
    /// Ended without a complete result; what it wrote before, if anything, is at `partial_data_url`.
    Failed {
        partial_data_url: Option<String>,
        error: SyncError,
    },
    /// Shopify no longer knows the operation.
    Gone(SyncError),
}

async fn wait(ctx: &ShopContext, id: &Gid) -> Result<Waited, SyncError> {
    match ctx.client().wait_for_bulk_operation(id, &crate::orders::bulk_wait()).await {
        Ok(operation) => Ok(Waited::Completed(operation)),
        Err(AdminError::Bulk(BulkError::Failed { id, status, error_code, partial_data_url })) => {
            let error = SyncError::Shopify(AdminError::Bulk(BulkError::Failed {
                id,
                status,
                error_code,
                partial_data_url: partial_data_url.clone(),
            }));
            Ok(Waited::Failed { partial_data_url, error })
        }
        Err(err @ AdminError::Bulk(BulkError::NotFound(_))) => Ok(Waited::Gone(err.into())),
        Err(err) => Err(err.into()),
    }
}

fn to_json<T: Serialize>(plan: &T) -> Result<String, SyncError> {
    serde_json::to_string(plan).map_err(|e| SyncError::Invalid(format!("the bulk write's plan: {e}")))
}

fn from_json<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, SyncError> {
    serde_json::from_str(text).map_err(|e| {
        SyncError::Invalid(format!(
            "the bulk write an earlier run kept for this shop cannot be read ({e}); it was written by another \
             version of shopsync"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_the_threshold_goes_in_bulk() {
        assert!(!chosen(BULK_WRITE_ABOVE, None));
        assert!(chosen(BULK_WRITE_ABOVE + 1, None));
        assert!(chosen(1, Some(0)) && !chosen(0, Some(0)), "an empty push never starts an operation");
        assert!(!chosen(10_000, Some(usize::MAX)));
    }
}
