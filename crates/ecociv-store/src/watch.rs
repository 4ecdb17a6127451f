//! What moves when the database changes, for the caches of the application: the commits made
//! through this store (counted as they are made), and a signal that moves with every commit
//! anyone makes, another process's too — on SQLite `PRAGMA data_version` read on a connection of
//! its own that never writes, on PostgreSQL the server's WAL position (which also moves with
//! writes to other databases of the server: more often than needed, never less).

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use sqlx::Connection;

use crate::db::{PgStore, Result, SqliteStore};

#[async_trait]
pub trait WatchStore: Send + Sync {
    /// How many commits this store has made (each write moves it before it returns).
    fn writes(&self) -> u64;
    /// A number that differs from its last reading when anyone has committed since.
    async fn change_signal(&self) -> Result<i64>;
}

#[async_trait]
impl WatchStore for SqliteStore {
    fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    async fn change_signal(&self) -> Result<i64> {
        let mut watcher = self.watcher.lock().await;
        if watcher.is_none() {
            *watcher = Some(sqlx::SqliteConnection::connect_with(&self.opts).await?);
        }
        let conn = watcher.as_mut().expect("opened above");
        let (v,): (i64,) = sqlx::query_as("PRAGMA data_version").fetch_one(&mut *conn).await?;
        Ok(v)
    }
}

#[async_trait]
impl WatchStore for PgStore {
    fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    async fn change_signal(&self) -> Result<i64> {
        let (v,): (i64,) = sqlx::query_as("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(&self.pool).await?;
        Ok(v)
    }
}
