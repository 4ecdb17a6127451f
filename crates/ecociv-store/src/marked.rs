//! The marked workbooks of refused imports (each problem marked on its cell), kept in the
//! database for the user who imported, so that any instance on it hands them out: the latest
//! few of each zone, the oldest going first. Not on the audit trail: nothing was stored.

use async_trait::async_trait;

use crate::db::{PgStore, Result, SqliteStore};

#[async_trait]
pub trait MarkedStore: Send + Sync {
    /// Keeps a workbook under `token` for `user`, and of the zone's only the latest `most`.
    async fn keep_marked(&self, zone: &str, token: &str, user: &str, content: &[u8], at: &str, most: usize) -> Result<()>;
    /// The workbook kept under `token`, for `user` only.
    async fn marked(&self, zone: &str, token: &str, user: &str) -> Result<Option<Vec<u8>>>;
}

macro_rules! marked_impl {
    ($store:ident) => {
        #[async_trait]
        impl MarkedStore for $store {
            async fn keep_marked(&self, zone: &str, token: &str, user: &str, content: &[u8], at: &str, most: usize) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("INSERT INTO marked_workbooks (zone_code, token, user_name, content, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(zone)
                    .bind(token)
                    .bind(user)
                    .bind(content)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "DELETE FROM marked_workbooks WHERE zone_code = $1 AND token NOT IN
                     (SELECT token FROM marked_workbooks WHERE zone_code = $1 ORDER BY created_at DESC, token LIMIT $2)",
                )
                .bind(zone)
                .bind(i64::try_from(most).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn marked(&self, zone: &str, token: &str, user: &str) -> Result<Option<Vec<u8>>> {
                let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT content FROM marked_workbooks WHERE zone_code = $1 AND token = $2 AND user_name = $3")
                    .bind(zone)
                    .bind(token)
                    .bind(user)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }
        }
    };
}

marked_impl!(SqliteStore);
marked_impl!(PgStore);
