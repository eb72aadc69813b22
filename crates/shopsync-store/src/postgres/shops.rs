use async_trait::async_trait;
use shopsync_core::ShopSettings;
use sqlx::AssertSqlSafe;

use super::{PgStore, now};
use crate::shops::{AccessStatus, BulkWrite, ExpiringToken, NewShop, Shop, ShopStore, SyncCursor};
use crate::{Result, StoreError};

const SHOP_COLUMNS: &str = "id, domain, api_version, endpoint, access_token, client_secret, previous_client_secret, \
                            access_status, access_error, scopes, ts_text(created_at) AS created_at, \
                            ts_text(updated_at) AS updated_at, \
                            ts_text(access_token_expires_at) AS access_token_expires_at, refresh_token, \
                            ts_text(refresh_token_expires_at) AS refresh_token_expires_at";

const CURSOR_COLUMNS: &str = "object, updated_at, last_id, bulk_operation_id, ts_text(last_run_at) AS last_run_at, \
                              ts_text(last_success_at) AS last_success_at";

#[async_trait]
impl ShopStore for PgStore {
    async fn add_shop(&self, shop: &NewShop) -> Result<Shop> {
        let now = now();
        let inserted = sqlx::query_as::<_, Shop>(AssertSqlSafe(format!(
            "INSERT INTO shops (domain, api_version, endpoint, access_token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz) RETURNING {SHOP_COLUMNS}"
        )))
        .bind(&shop.domain)
        .bind(&shop.api_version)
        .bind(&shop.endpoint)
        .bind(&shop.access_token)
        .bind(&now)
        .bind(&now)
        .fetch_one(&self.pool)
        .await;
        match inserted {
            Ok(shop) => Ok(shop),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::ShopExists(shop.domain.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn shops(&self) -> Result<Vec<Shop>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {SHOP_COLUMNS} FROM shops ORDER BY domain")))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn shop(&self, domain: &str) -> Result<Option<Shop>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {SHOP_COLUMNS} FROM shops WHERE domain = $1")))
            .bind(domain)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn shop_by_id(&self, id: i64) -> Result<Option<Shop>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {SHOP_COLUMNS} FROM shops WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn remove_shop(&self, domain: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM shops WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        // order_errors hangs off shopify_orders by a composite key; everything else cascades from shops.
        sqlx::query("DELETE FROM order_errors WHERE shop_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM shops WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_access_token(&self, shop_id: i64, sealed: Option<&str>) -> Result<()> {
        update_shop(
            self,
            shop_id,
            // A token given by hand does not expire: whatever refreshed the previous one goes with it.
            "access_token = ?, access_status = 'unknown', access_error = NULL, access_token_expires_at = NULL, \
             refresh_token = NULL, refresh_token_expires_at = NULL",
            &[sealed.map(str::to_string)],
        )
        .await
    }

    async fn rotate_client_secret(&self, shop_id: i64, sealed: &str) -> Result<()> {
        update_shop(
            self,
            shop_id,
            "previous_client_secret = client_secret, client_secret = ?",
            &[Some(sealed.to_string())],
        )
        .await
    }

    async fn set_endpoint(&self, shop_id: i64, endpoint: Option<&str>) -> Result<()> {
        update_shop(self, shop_id, "endpoint = ?", &[endpoint.map(str::to_string)]).await
    }

    async fn set_endpoint_and_token(&self, shop_id: i64, endpoint: Option<&str>, sealed: &str) -> Result<()> {
        update_shop(
            self,
            shop_id,
            "endpoint = ?, access_token = ?, access_status = 'unknown', access_error = NULL, \
             access_token_expires_at = NULL, refresh_token = NULL, refresh_token_expires_at = NULL",
            &[endpoint.map(str::to_string), Some(sealed.to_string())],
        )
        .await
    }

    async fn reseal_access_token(&self, shop_id: i64, sealed: &str) -> Result<()> {
        update_shop(self, shop_id, "access_token = ?", &[Some(sealed.to_string())]).await
    }

    async fn store_expiring_token(
        &self,
        shop_id: i64,
        token: &ExpiringToken,
        replacing_refresh: Option<&str>,
    ) -> Result<bool> {
        // One statement: the access token and the refresh token that goes with it are never stored apart, and a
        // refresh that lost the race to another process (`replacing_refresh` no longer stored) changes nothing.
        let done = sqlx::query(
            "UPDATE shops SET access_token = $1, access_token_expires_at = $2::timestamptz, refresh_token = $3, \
             refresh_token_expires_at = $4::timestamptz, access_status = 'ok', access_error = NULL, \
             updated_at = $5::timestamptz WHERE id = $6 AND ($7::text IS NULL OR refresh_token = $7)",
        )
        .bind(&token.access_token)
        .bind(&token.access_token_expires_at)
        .bind(&token.refresh_token)
        .bind(&token.refresh_token_expires_at)
        .bind(now())
        .bind(shop_id)
        .bind(replacing_refresh)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn key_check(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM installation WHERE name = 'key_check'")
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_key_check(&self, check: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO installation (name, value, updated_at) VALUES ('key_check', $1, $2::timestamptz) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(check)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_api_version(&self, shop_id: i64, version: &str) -> Result<()> {
        update_shop(self, shop_id, "api_version = ?", &[Some(version.to_string())]).await
    }

    async fn set_access_status(&self, shop_id: i64, status: AccessStatus, error: Option<&str>) -> Result<()> {
        let status = match status {
            AccessStatus::Unknown => "unknown",
            AccessStatus::Ok => "ok",
            AccessStatus::NeedsAccess => "needs_access",
        };
        update_shop(
            self,
            shop_id,
            "access_status = ?, access_error = ?",
            &[Some(status.to_string()), error.map(str::to_string)],
        )
        .await
    }

    async fn set_scopes(&self, shop_id: i64, scopes: &str) -> Result<()> {
        update_shop(self, shop_id, "scopes = ?", &[Some(scopes.to_string())]).await
    }

    async fn settings(&self, shop_id: i64) -> Result<ShopSettings> {
        let pairs: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM shop_settings WHERE shop_id = $1")
            .bind(shop_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(ShopSettings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?)
    }

    async fn save_setting(&self, shop_id: i64, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO shop_settings (shop_id, key, value, updated_at) VALUES ($1, $2, $3, $4::timestamptz) \
             ON CONFLICT (shop_id, key) DO UPDATE SET value = excluded.value, \
             updated_at = CASE WHEN shop_settings.value = excluded.value THEN shop_settings.updated_at \
             ELSE excluded.updated_at END",
        )
        .bind(shop_id)
        .bind(key)
        .bind(value)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn setting_changed_at(&self, shop_id: i64, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT ts_text(updated_at) FROM shop_settings WHERE shop_id = $1 AND key = $2")
            .bind(shop_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn cursor(&self, shop_id: i64, object: &str) -> Result<Option<SyncCursor>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CURSOR_COLUMNS} FROM sync_cursors WHERE shop_id = $1 AND object = $2"
        )))
        .bind(shop_id)
        .bind(object)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_cursor(&self, shop_id: i64, cursor: &SyncCursor) -> Result<()> {
        // A transaction of its own, so a checkpoint under a job's lease checks the lease first.
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sync_cursors (shop_id, object, updated_at, last_id, bulk_operation_id, last_run_at, last_success_at) \
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz) \
             ON CONFLICT (shop_id, object) DO UPDATE SET updated_at = excluded.updated_at, last_id = excluded.last_id, \
             bulk_operation_id = excluded.bulk_operation_id, last_run_at = excluded.last_run_at, \
             last_success_at = excluded.last_success_at",
        )
        .bind(shop_id)
        .bind(&cursor.object)
        .bind(&cursor.updated_at)
        .bind(&cursor.last_id)
        .bind(&cursor.bulk_operation_id)
        .bind(&cursor.last_run_at)
        .bind(&cursor.last_success_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reset_cursor(&self, shop_id: i64, object: &str, updated_at: Option<&str>) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_cursors (shop_id, object, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (shop_id, object) DO UPDATE SET updated_at = excluded.updated_at, last_id = NULL, \
             bulk_operation_id = NULL",
        )
        .bind(shop_id)
        .bind(object)
        .bind(updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn cursors(&self, shop_id: i64) -> Result<Vec<SyncCursor>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CURSOR_COLUMNS} FROM sync_cursors WHERE shop_id = $1 ORDER BY object"
        )))
        .bind(shop_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn bulk_write(&self, shop_id: i64, object: &str) -> Result<Option<BulkWrite>> {
        Ok(sqlx::query_as(
            "SELECT object, stage, operation_id, plan, ts_text(created_at) AS created_at, \
             ts_text(updated_at) AS updated_at FROM bulk_writes WHERE shop_id = $1 AND object = $2",
        )
        .bind(shop_id)
        .bind(object)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn save_bulk_write(&self, shop_id: i64, write: &BulkWrite) -> Result<()> {
        // A transaction of its own, so a checkpoint under a job's lease checks the lease first.
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO bulk_writes (shop_id, object, stage, operation_id, plan, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz) \
             ON CONFLICT (shop_id, object) DO UPDATE SET stage = excluded.stage, \
             operation_id = excluded.operation_id, plan = excluded.plan, updated_at = excluded.updated_at",
        )
        .bind(shop_id)
        .bind(&write.object)
        .bind(&write.stage)
        .bind(&write.operation_id)
        .bind(&write.plan)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_bulk_write(&self, shop_id: i64, object: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM bulk_writes WHERE shop_id = $1 AND object = $2")
            .bind(shop_id)
            .bind(object)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Runs `UPDATE shops SET {assignments}, updated_at = now WHERE id = shop_id` with `values` bound in order: each
/// `?` in `assignments` is numbered here, in PostgreSQL's `$n` form.
async fn update_shop(store: &PgStore, shop_id: i64, assignments: &str, values: &[Option<String>]) -> Result<()> {
    let mut numbered = String::with_capacity(assignments.len() + 8);
    let mut n = 0;
    for part in assignments.split('?') {
        if n > 0 {
            numbered.push_str(&format!("${n}"));
        }
        numbered.push_str(part);
        n += 1;
    }
    let sql = format!("UPDATE shops SET {numbered}, updated_at = ${n}::timestamptz WHERE id = ${}", n + 1);
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for value in values {
        query = query.bind(value);
    }
    let done = query.bind(now()).bind(shop_id).execute(&store.pool).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::ShopNotFound(format!("with id {shop_id}")));
    }
    Ok(())
}
