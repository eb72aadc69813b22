//! Console users and their sessions in PostgreSQL.

use async_trait::async_trait;

use super::{PgStore, now};
use crate::Result;
use crate::users::{ConsoleSession, ConsoleUser, UserRole, UserStore};

const USER_COLUMNS: &str =
    "id, name, role, password_hash, ts_text(created_at) AS created_at, ts_text(updated_at) AS updated_at";

#[async_trait]
impl UserStore for PgStore {
    async fn save_user(&self, name: &str, role: UserRole, password_hash: &str) -> Result<(ConsoleUser, bool)> {
        let mut tx = self.write().await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT id FROM console_users WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        let at = now();
        sqlx::query(
            "INSERT INTO console_users (name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz) \
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, \
             updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(role)
        .bind(password_hash)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        // A new password ends the sessions opened with the old one.
        if let Some(id) = existed {
            sqlx::query("DELETE FROM console_sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        }
        let user: ConsoleUser =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM console_users WHERE name = $1")))
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok((user, existed.is_none()))
    }

    async fn user(&self, name: &str) -> Result<Option<ConsoleUser>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM console_users WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn users(&self) -> Result<Vec<ConsoleUser>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM console_users ORDER BY name")))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: &str) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO console_sessions (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3::timestamptz, $4::timestamptz)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: &str) -> Result<Option<ConsoleSession>> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT ts_text(created_at), ts_text(expires_at), user_id FROM console_sessions \
             WHERE token_hash = $1 AND expires_at > $2::timestamptz",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((created_at, expires_at, user_id)) = row else { return Ok(None) };
        let user: Option<ConsoleUser> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM console_users WHERE id = $1")))
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(user.map(|user| ConsoleSession { user, created_at, expires_at }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn purge_sessions(&self, now: &str) -> Result<u64> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1::timestamptz")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done)
    }
}
