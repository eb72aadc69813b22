//! Reading orders from Shopify: page by page from the durable cursor, as a bulk query for a backlog, and by id.

use futures::{StreamExt, TryStreamExt};
use jiff::{SignedDuration, Timestamp};
use shopify_admin::ops::order_import::{
    ImportOrder, OrdersImportByIds, OrdersImportByIdsVariables, OrdersImportPage, orders_bulk_query,
};
use shopify_admin::ops::products::SearchPageVariables;
use shopify_admin::{AdminClient, AdminError, BulkError, BulkGrouping, BulkLimits, BulkWait, Gid};
use shopsync_core::settings::OrderImportFrom;
use shopsync_store::SyncCursor;

use super::import::Importer;
use crate::{Progress, ShopContext, SyncError};

/// The cursor's object name.
pub const OBJECT: &str = "orders";
/// How far before the cursor each incremental read starts: an order whose update Shopify's search index saw late,
/// or that changed in the same second as the cursor, is read again (and skipped if its version was seen) instead
/// of being missed.
pub const OVERLAP: SignedDuration = SignedDuration::from_mins(5);
/// Orders per batch when reading a bulk result: one store transaction each.
pub const BULK_BATCH: usize = 1000;

/// How a bulk operation is waited for: quick polls at first (small shops finish in seconds), then every second.
/// A poll costs one point of the budget (1% of the standard plan's restore rate), so a slower cap saves nothing
/// worth the seconds an import would sit idle after Shopify finished (a 10-second cap noticed a 4-second export
/// after 6).
pub fn bulk_wait() -> BulkWait {
    BulkWait {
        initial_poll: std::time::Duration::from_millis(250),
        max_poll: std::time::Duration::from_secs(1),
        ..BulkWait::default()
    }
}

/// The search of the next read: from the cursor (minus the overlap), or on a first run what the shop's
/// order-import-from setting says.
pub fn search(cursor: &SyncCursor, from: OrderImportFrom) -> Option<String> {
    if let Some(at) = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok()) {
        let start = at.checked_sub(OVERLAP).unwrap_or(at);
        return Some(shopify_admin::ops::updated_since(start));
    }
    match from {
        OrderImportFrom::Open => Some("status:open".to_string()),
        OrderImportFrom::All => None,
        OrderImportFrom::Since(date) => Some(format!("created_at:>='{date}T00:00:00Z'")),
    }
}

/// Reads changed orders page by page and imports each page; the cursor moves after every page.
pub async fn incremental(
    ctx: &ShopContext,
    importer: &mut Importer<'_>,
    mut cursor: SyncCursor,
    search: Option<String>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    progress.phase("reading orders", None);
    let variables = SearchPageVariables { after: None, query: search };
    let mut pages = ctx.client().paginate::<OrdersImportPage>(variables);
    while let Some(page) = pages.try_next().await? {
        let last = page.nodes.iter().max_by_key(|o| (o.updated_at, o.id.clone())).map(|o| (o.updated_at, o.id.clone()));
        let n = page.nodes.len() as u64;
        importer.import(page.nodes, false).await?;
        progress.advance(n);
        if let Some((updated_at, id)) = last {
            advance(&mut cursor, updated_at, id.as_str());
            checkpoint(ctx, &cursor).await?;
        }
    }
    // A page may have read an order in the second it changed: without a last id the next probe reads the orders of
    // the cursor's second once more in full (see `probe.rs`).
    if cursor.last_id.take().is_some() {
        checkpoint(ctx, &cursor).await?;
    }
    Ok(())
}

/// Reads every order matching `search` through a bulk query and imports them in batches. The operation's id is
/// kept in the cursor as soon as it starts, so a run that stops (or crashes) while Shopify works resumes with the
/// same operation instead of starting another; orders imported before a crash are skipped by version.
pub async fn bulk(
    ctx: &ShopContext,
    importer: &mut Importer<'_>,
    mut cursor: SyncCursor,
    search: Option<String>,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let client = ctx.client();
    progress.phase("waiting for Shopify's bulk export of orders", None);
    let operation = match resume(client, &cursor).await? {
        Some(operation) => operation,
        None => {
            let started = client.start_bulk_query(&orders_bulk_query(search.as_deref()), BulkGrouping::Grouped).await?;
            cursor.bulk_operation_id = Some(started.id.to_string());
            checkpoint(ctx, &cursor).await?;
            started
        }
    };
    let finished = client.wait_for_bulk_operation(&operation.id, &bulk_wait()).await?;
    progress.phase("importing orders", Some(finished.root_object_count));
    if let Some(url) = &finished.url {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Vec<ImportOrder>, SyncError>>(2);
        let objects = client.bulk_result_objects(url, BulkGrouping::Grouped, BulkLimits::default());
        // Reading and decoding run on their own task, next to the store writes of the previous batch.
        let reader = tokio::spawn(async move {
            let mut objects = objects.chunks(BULK_BATCH);
            while let Some(chunk) = objects.next().await {
                let batch: Result<Vec<ImportOrder>, SyncError> = chunk
                    .into_iter()
                    .map(|object| {
                        let object = object?;
                        ImportOrder::from_bulk(object).map_err(|e| decode_error(&e))
                    })
                    .collect();
                let failed = batch.is_err();
                if sender.send(batch).await.is_err() || failed {
                    return;
                }
            }
        });
        while let Some(batch) = receiver.recv().await {
            let batch = batch?;
            let n = batch.len() as u64;
            importer.import(batch, false).await?;
            progress.advance(n);
        }
        reader.await.map_err(|e| SyncError::Invalid(format!("the bulk result reader stopped: {e}")))?;
    }
    // Everything changed before the export started is in; later changes are read from here (minus the overlap).
    cursor.bulk_operation_id = None;
    advance(&mut cursor, finished.created_at, "");
    checkpoint(ctx, &cursor).await
}

/// The operation a previous run started and did not read, when it can still be read (shared by every flow that
/// keeps a bulk query's id in its cursor).
pub(crate) async fn resume(
    client: &AdminClient,
    cursor: &SyncCursor,
) -> Result<Option<shopify_admin::ops::bulk::BulkOperation>, SyncError> {
    let Some(id) = cursor.bulk_operation_id.as_deref() else { return Ok(None) };
    match client.bulk_operation(&Gid::new(id)).await {
        Ok(operation) => {
            let usable = matches!(
                operation.status,
                shopify_admin::ops::bulk::BulkOperationStatus::Created
                    | shopify_admin::ops::bulk::BulkOperationStatus::Running
                    | shopify_admin::ops::bulk::BulkOperationStatus::Completed
            );
            Ok(usable.then_some(operation))
        }
        Err(AdminError::Bulk(BulkError::NotFound(_))) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Reads orders by id, 20 per call; returns the orders found and the ids Shopify no longer has.
pub async fn by_ids(client: &AdminClient, ids: &[String]) -> Result<(Vec<ImportOrder>, Vec<String>), SyncError> {
    let mut found = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for chunk in ids.chunks(OrdersImportByIdsVariables::MAX_IDS) {
        let variables = OrdersImportByIdsVariables { ids: chunk.iter().map(|id| Gid::new(id.clone())).collect() };
        let reply = client.execute::<OrdersImportByIds>(&variables).await?;
        for (id, node) in chunk.iter().zip(reply.data.nodes) {
            match node {
                Some(order) => found.push(order),
                None => missing.push(id.clone()),
            }
        }
    }
    Ok((found, missing))
}

/// Moves the cursor forward (never back) to `updated_at` / `id`.
pub(crate) fn advance(cursor: &mut SyncCursor, updated_at: Timestamp, id: &str) {
    let current = cursor.updated_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
    if current.is_none_or(|c| updated_at >= c) {
        cursor.updated_at = Some(updated_at.to_string());
        cursor.last_id = (!id.is_empty()).then(|| id.to_string());
    }
}

pub(crate) async fn checkpoint(ctx: &ShopContext, cursor: &SyncCursor) -> Result<(), SyncError> {
    let mut cursor = cursor.clone();
    cursor.object = OBJECT.to_string();
    cursor.last_run_at = Some(shopsync_core::time::now_text());
    ctx.store().save_cursor(ctx.shop.id, &cursor).await?;
    Ok(())
}

/// Marks the cursor's run as finished successfully.
pub async fn finish(ctx: &ShopContext) -> Result<(), SyncError> {
    if let Some(mut cursor) = ctx.store().cursor(ctx.shop.id, OBJECT).await? {
        let now = shopsync_core::time::now_text();
        cursor.last_run_at = Some(now.clone());
        cursor.last_success_at = Some(now);
        ctx.store().save_cursor(ctx.shop.id, &cursor).await?;
    }
    Ok(())
}

fn decode_error(error: &serde_json::Error) -> SyncError {
    SyncError::Shopify(AdminError::Decode {
        operation: "orders bulk query".into(),
        message: format!("a row of the bulk result is not an order as the import reads it: {error}"),
        request_id: None,
    })
}
