//! The stored components a bundle batch is planned against (the plan itself: `crate::decide::catalog`).

use std::collections::{BTreeMap, HashMap};

use sqlx::SqliteConnection;

use super::items::json_array;
use crate::Result;
use crate::catalog::BundleInput;
use crate::decide::catalog as decide;

pub(super) use crate::decide::catalog::BundlesPlan;

pub(super) async fn plan_bundles(conn: &mut SqliteConnection, bundles: &[BundleInput]) -> Result<BundlesPlan> {
    decide::check_bundles_batch(bundles)?;
    let skus: Vec<String> = bundles.iter().map(|b| b.bundle_sku.clone()).collect();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT bundle_sku, component_sku, quantity FROM bundle_components \
         WHERE bundle_sku IN (SELECT value FROM json_each(?))",
    )
    .bind(json_array(&skus))
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for (bundle, sku, quantity) in rows {
        stored.entry(bundle).or_default().insert(sku, quantity);
    }
    decide::plan_bundles(bundles, &stored)
}
