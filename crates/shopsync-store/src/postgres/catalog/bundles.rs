//! The planning of a bundle batch against the stored components.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::PgConnection;

use crate::catalog::{BundleInput, UpsertCounts};
use crate::{Result, StoreError};

pub(super) struct BundlesPlan {
    pub(super) summary: UpsertCounts,
    pub(super) writes: Vec<BundleInput>,
}

pub(super) async fn plan_bundles(conn: &mut PgConnection, bundles: &[BundleInput]) -> Result<BundlesPlan> {
    let mut seen = HashSet::new();
    if let Some(dup) = bundles.iter().find(|b| !seen.insert(b.bundle_sku.as_str())) {
        return Err(StoreError::Conflict(format!("bundle {} is given twice in one batch", dup.bundle_sku)));
    }
    let skus: Vec<String> = bundles.iter().map(|b| b.bundle_sku.clone()).collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT bundle_sku, component_sku, quantity FROM bundle_components \
         WHERE bundle_sku = ANY($1)",
    )
    .bind(&skus)
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for (bundle, sku, quantity) in rows {
        stored.entry(bundle).or_default().insert(sku, quantity);
    }
    let mut plan = BundlesPlan { summary: UpsertCounts::default(), writes: Vec::new() };
    for bundle in bundles {
        let wanted: BTreeMap<String, i64> = bundle.components.iter().map(|c| (c.sku.clone(), c.quantity)).collect();
        if wanted.len() != bundle.components.len() {
            return Err(StoreError::Conflict(format!(
                "bundle {} lists a component twice in one batch",
                bundle.bundle_sku
            )));
        }
        match stored.get(&bundle.bundle_sku) {
            None => plan.summary.created += 1,
            Some(current) if *current == wanted => {
                plan.summary.unchanged += 1;
                continue;
            }
            Some(_) => plan.summary.updated += 1,
        }
        plan.writes.push(bundle.clone());
    }
    Ok(plan)
}
