//! The two databases and what is common to every part of the store: the SQLite and PostgreSQL
//! stores (how each is opened), which [`Backend`] a store talks to, the store's error with its
//! stable codes, and [`redact`] for URLs that may carry a password. Nothing here writes the trail.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Errors of the store, with stable codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} is neither sqlite:// nor postgres://")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The database could not take the write in time (the write lane, SQLite's lock held by
    /// another process, PostgreSQL's pool): nothing was written, and the same write may be
    /// sent again shortly.
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A second entry for the same key, or a change to a row that changed meanwhile.
    #[error("conflict: {0}")]
    Conflict(String),
}

impl StoreError {
    /// The stable code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::UnsupportedUrl(_) => "store.unsupported_url",
            StoreError::Database(_) => "store.database",
            StoreError::Migrate(_) => "store.migrate",
            StoreError::Corrupt(_) => "store.corrupt",
            StoreError::Conflict(_) => "store.conflict",
            StoreError::Busy(_) => "store.busy",
        }
    }
}

impl From<sqlx::Error> for StoreError {
    /// A lock or a connection not had in time is [`StoreError::Busy`] (SQLite's `SQLITE_BUSY`
    /// and `SQLITE_LOCKED`, PostgreSQL's lock timeout and the pool's timeout); anything else a
    /// database error.
    fn from(e: sqlx::Error) -> Self {
        let busy = match &e {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(d) => {
                let code = d.code();
                let code = code.as_deref().unwrap_or_default();
                // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED, and their extended codes (low byte);
                // PostgreSQL: 55P03 lock_not_available
                code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)) || code == "55P03"
            }
            _ => false,
        };
        if busy { StoreError::Busy(e.to_string()) } else { StoreError::Database(e) }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The URL with any password hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The SQLite store.
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// One write transaction at a time in this process: SQLite has one writer, and writers that
    /// queue here wait their turn in order, where SQLite's own busy handler would make them
    /// sleep and retry (up to 100 ms a try, seconds in all under load).
    pub(crate) lane: tokio::sync::Mutex<()>,
    /// Commits made through this store (see [`crate::WatchStore`]).
    pub(crate) writes: std::sync::atomic::AtomicU64,
    /// Those of them that wrote more than entries (see [`crate::WatchStore`]).
    pub(crate) beside_entries: std::sync::atomic::AtomicU64,
    /// The connection that watches for commits by any other (`PRAGMA data_version`).
    pub(crate) watcher: tokio::sync::Mutex<Option<sqlx::SqliteConnection>>,
    pub(crate) opts: SqliteConnectOptions,
}

/// How long a write waits for its turn before it gives up as [`StoreError::Busy`] (the
/// writes before it, a large import among them, took longer).
pub(crate) const LANE_WAIT: Duration = Duration::from_secs(10);

/// A write transaction, holding its turn in the write lane (SQLite) until it ends.
pub(crate) struct WriteTx<'c, DB: sqlx::Database> {
    pub(crate) tx: sqlx::Transaction<'c, DB>,
    pub(crate) _lane: Option<tokio::sync::MutexGuard<'c, ()>>,
    /// The store's count of commits, moved by [`WriteTx::commit`].
    pub(crate) writes: &'c std::sync::atomic::AtomicU64,
    /// Its count of commits beside entries, moved too unless the transaction writes entries
    /// only ([`WriteTx::entries_only`]).
    pub(crate) beside_entries: Option<&'c std::sync::atomic::AtomicU64>,
}

impl<'c, DB: sqlx::Database> WriteTx<'c, DB> {
    /// A transaction that writes entries (observations, dispatch reports) with their trail
    /// events and data versions, and nothing else: what is kept of accounts, plans, settings and
    /// periods stays valid when it commits.
    pub(crate) fn entries_only(self) -> WriteTx<'c, DB> {
        WriteTx { beside_entries: None, ..self }
    }

    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if let Some(b) = self.beside_entries {
            b.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

impl SqliteStore {
    /// A write transaction: its turn in the lane, then the write lock taken at once, so that
    /// nothing it reads can change before it commits. (No row of `zones` is touched to lock it:
    /// an UPDATE of the zone's key makes SQLite check every table that refers to zones.)
    pub(crate) async fn write_tx(&self, _zone: Option<&str>) -> Result<WriteTx<'_, sqlx::Sqlite>> {
        let lane = tokio::time::timeout(LANE_WAIT, self.lane.lock())
            .await
            .map_err(|_| StoreError::Busy(format!("no turn to write within {} s", LANE_WAIT.as_secs())))?;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _lane: Some(lane), writes: &self.writes, beside_entries: Some(&self.beside_entries) })
    }
}

impl PgStore {
    /// A write transaction; for a zone, the zone's row locked first, so that the writers of one
    /// zone go one after another and those of other zones go on together.
    pub(crate) async fn write_tx(&self, zone: Option<&str>) -> Result<WriteTx<'_, sqlx::Postgres>> {
        let mut tx = self.pool.begin().await?;
        if let Some(z) = zone {
            sqlx::query("UPDATE zones SET code = code WHERE code = $1").bind(z).execute(&mut *tx).await?;
        }
        Ok(WriteTx { tx, _lane: None, writes: &self.writes, beside_entries: Some(&self.beside_entries) })
    }
}

/// The PostgreSQL store.
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// Commits made through this store (see [`crate::WatchStore`]).
    pub(crate) writes: std::sync::atomic::AtomicU64,
    /// Those of them that wrote more than entries (see [`crate::WatchStore`]).
    pub(crate) beside_entries: std::sync::atomic::AtomicU64,
    /// The connection that listens for the commits of others (see [`crate::WatchStore`]).
    pub(crate) listener: tokio::sync::Mutex<Option<sqlx::postgres::PgListener>>,
}

impl SqliteStore {
    /// Opens (and creates when missing) the SQLite file at `path`: WAL with
    /// `synchronous = NORMAL`, foreign keys on.
    pub(crate) async fn open(path: &str) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // with WAL, NORMAL syncs at checkpoints instead of at every commit: a crash of the
            // process loses nothing, a power cut at most the last commits before it
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // each connection's page cache at most 1 MiB (SQLite's default is 2 MiB): with eight
            // connections and the watcher's, what the caches hold stays small and level while
            // writes touch page after page; the file's pages stay in the system's cache anyway
            .pragma("cache_size", "-1024");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts.clone()).await?;
        Ok(SqliteStore { pool, lane: Default::default(), writes: Default::default(), beside_entries: Default::default(), watcher: Default::default(), opts })
    }

    /// The pool, for backend-specific checks in tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl PgStore {
    /// Opens a pool on the PostgreSQL database at `url`.
    pub(crate) async fn open(url: &str) -> Result<PgStore> {
        let opts = PgConnectOptions::from_str(url)?;
        // one connection first, so that a refused or rejected connection says why
        use sqlx::Connection;
        sqlx::PgConnection::connect_with(&opts).await?.close().await?;
        let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
        Ok(PgStore { pool, writes: Default::default(), beside_entries: Default::default(), listener: Default::default() })
    }
}

/// A broken unique key as a `Conflict` saying `what`; any other error as it is.
pub(crate) fn conflict_on_unique(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what.into()),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_have_the_same_names_in_both_dialects() {
        let names = |d: &str| {
            let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert!(!names("sqlite").is_empty());
        assert_eq!(names("sqlite"), names("postgres"));
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
