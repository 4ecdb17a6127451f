//! What moves when the database changes, for the caches of the application: the commits made
//! through this store (counted as they are made), and a signal that moves with every commit
//! anyone makes, another process's too — on SQLite `PRAGMA data_version` read on a connection of
//! its own that never writes, on PostgreSQL the server's WAL position (which also moves with
//! writes to other databases of the server: more often than needed, never less). On PostgreSQL a
//! watcher also hears of a commit at once: every write of a zone notifies `ecociv_changes`
//! (a trigger, migration 0022), which [`WatchStore::wait_for_change`] listens to.

use std::sync::atomic::Ordering;

use async_trait::async_trait;
use sqlx::Connection;

use crate::db::{PgStore, Result, SqliteStore};

#[async_trait]
pub trait WatchStore: Send + Sync {
    /// How many commits this store has made (each write moves it before it returns).
    fn writes(&self) -> u64;
    /// How many of them wrote more than entries: what is kept of accounts, plans, settings and
    /// periods is valid while this stays, however many reports are sent meanwhile.
    fn writes_beside_entries(&self) -> u64;
    /// A number that differs from its last reading when anyone has committed since.
    async fn change_signal(&self) -> Result<i64>;
    /// Waits until someone commits a write of a zone's data (where the database tells), or
    /// `most` has passed.
    async fn wait_for_change(&self, most: std::time::Duration) -> Result<()> {
        tokio::time::sleep(most).await;
        Ok(())
    }
}

#[async_trait]
impl WatchStore for SqliteStore {
    fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn writes_beside_entries(&self) -> u64 {
        self.beside_entries.load(Ordering::SeqCst)
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

    fn writes_beside_entries(&self) -> u64 {
        self.beside_entries.load(Ordering::SeqCst)
    }

    async fn change_signal(&self) -> Result<i64> {
        let (v,): (i64,) = sqlx::query_as("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(&self.pool).await?;
        Ok(v)
    }

    async fn wait_for_change(&self, most: std::time::Duration) -> Result<()> {
        let mut listener = self.listener.lock().await;
        if listener.is_none() {
            // a connection of its own, not one of the store's pool (closing the store does not
            // wait for it)
            let own = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect_with((*self.pool.connect_options()).clone()).await?;
            let mut l = sqlx::postgres::PgListener::connect_with(&own).await?;
            l.listen("ecociv_changes").await?;
            *listener = Some(l);
        }
        let l = listener.as_mut().expect("opened above");
        match tokio::time::timeout(most, l.recv()).await {
            // a notice (several at once wake as many looks, each a cheap read of the signal)
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                *listener = None;
                Err(e.into())
            }
            Err(_) => Ok(()),
        }
    }
}
