//! What this process knows of the database without asking it: the versions of each zone's
//! data, the hash of its plan, the signed-in sessions and the API tokens with their users, each kept with the
//! *stamp* of the database at the moment it was read, and valid while the stamp stays. The stamp
//! moves with every commit made through this process's store (before the write returns, so the
//! writer's next request reads afresh) and, for commits by anyone else (the CLI, another
//! instance), when [`watch`] sees the store's change signal move: it looks every
//! [`WATCH_EVERY`]. So a page that is kept costs no query at all while nothing is written.
//!
//! Without a watcher that has looked in the last [`ALIVE`] nothing is kept: every read asks the
//! store, as it would without these caches (tests and commands that run no watcher).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecociv_core::record::{DataVersions, SessionRecord, UserRecord};
use ecociv_store::Store;

/// How often the watcher reads the store's change signal.
pub const WATCH_EVERY: Duration = Duration::from_millis(100);

/// How long after its last look the watcher still counts: past it, nothing is kept.
pub const ALIVE: Duration = Duration::from_millis(1000);

/// Entries kept at most per cache (past it, the cache starts again empty).
const MOST: usize = 10_000;

/// The caches and the stamp they are valid for.
pub struct Changes {
    /// When this process started (the clock of `alive_until`).
    epoch: Instant,
    /// Milliseconds after `epoch` until which the watcher counts (0: no watcher yet).
    alive_until: AtomicI64,
    /// How often the watcher saw the change signal move.
    seen: AtomicU64,
    versions: Mutex<HashMap<String, (DataVersions, u64)>>,
    sessions: Mutex<HashMap<String, (UserRecord, SessionRecord, u64)>>,
    tokens: Mutex<HashMap<String, (Option<UserRecord>, u64)>>,
    plan_hashes: Mutex<HashMap<String, (Option<String>, u64)>>,
}

impl Default for Changes {
    fn default() -> Changes {
        Changes {
            epoch: Instant::now(),
            alive_until: AtomicI64::new(0),
            seen: AtomicU64::new(0),
            versions: Default::default(),
            sessions: Default::default(),
            tokens: Default::default(),
            plan_hashes: Default::default(),
        }
    }
}

fn get<V: Clone>(map: &Mutex<HashMap<String, V>>, key: &str) -> Option<V> {
    map.lock().expect("changes cache").get(key).cloned()
}

fn put<V>(map: &Mutex<HashMap<String, V>>, key: &str, v: V) {
    let mut m = map.lock().expect("changes cache");
    if m.len() >= MOST {
        m.clear();
    }
    m.insert(key.to_string(), v);
}

impl Changes {
    fn now_ms(&self) -> i64 {
        i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// The stamp of the database as this process knows it, or `None` when no watcher looks.
    pub fn stamp(&self, store: &dyn Store) -> Option<u64> {
        (self.now_ms() < self.alive_until.load(Ordering::SeqCst)).then(|| self.seen.load(Ordering::SeqCst) + store.writes())
    }

    /// The kept versions of a zone, valid at `stamp`.
    pub fn versions(&self, zone: &str, stamp: u64) -> Option<DataVersions> {
        get(&self.versions, zone).filter(|(_, s)| *s == stamp).map(|(v, _)| v)
    }
    pub fn keep_versions(&self, zone: &str, v: DataVersions, stamp: u64) {
        put(&self.versions, zone, (v, stamp));
    }

    /// The kept session (by its id's hash) with its user, valid at `stamp`.
    pub fn session(&self, id_hash: &str, stamp: u64) -> Option<(UserRecord, SessionRecord)> {
        get(&self.sessions, id_hash).filter(|(_, _, s)| *s == stamp).map(|(u, s, _)| (u, s))
    }
    pub fn keep_session(&self, id_hash: &str, u: UserRecord, s: SessionRecord, stamp: u64) {
        put(&self.sessions, id_hash, (u, s, stamp));
    }

    /// The kept user of a token (by its hash; `Some(None)`: no live token), valid at `stamp`.
    pub fn token(&self, hash: &str, stamp: u64) -> Option<Option<UserRecord>> {
        get(&self.tokens, hash).filter(|(_, s)| *s == stamp).map(|(u, _)| u)
    }
    pub fn keep_token(&self, hash: &str, u: Option<UserRecord>, stamp: u64) {
        put(&self.tokens, hash, (u, stamp));
    }

    /// The kept hash of a zone's stored plan (`Some(None)`: no plan), valid at `stamp`.
    pub fn plan_hash(&self, zone: &str, stamp: u64) -> Option<Option<String>> {
        get(&self.plan_hashes, zone).filter(|(_, s)| *s == stamp).map(|(h, _)| h)
    }
    pub fn keep_plan_hash(&self, zone: &str, h: Option<String>, stamp: u64) {
        put(&self.plan_hashes, zone, (h, stamp));
    }

    /// One look at the store's change signal: the stamp moves when it differs from the `last`
    /// one read, and the caches count as watched for [`ALIVE`] more.
    pub async fn look(&self, store: &dyn Store, last: &mut Option<i64>) -> ecociv_store::Result<()> {
        let signal = store.change_signal().await?;
        if *last != Some(signal) {
            self.seen.fetch_add(1, Ordering::SeqCst);
            *last = Some(signal);
        }
        self.alive_until.store(self.now_ms() + ALIVE.as_millis() as i64, Ordering::SeqCst);
        Ok(())
    }
}

/// Watches the store for commits by others, every [`WATCH_EVERY`], for as long as the process
/// runs (spawn it once, beside the server). A failed look leaves the caches to expire.
pub async fn watch(store: Arc<dyn Store>, changes: Arc<Changes>) {
    let mut last = None;
    loop {
        if let Err(e) = changes.look(&*store, &mut last).await {
            tracing::warn!("watching the database for changes: {e}");
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_is_kept_unless_a_watcher_looked_lately() {
        let db = ecociv_store::testdb::TestDb::sqlite().await;
        let changes = Changes::default();
        assert_eq!(changes.stamp(&*db.store), None);
        let mut last = None;
        changes.look(&*db.store, &mut last).await.unwrap();
        let s = changes.stamp(&*db.store).expect("looked just now");
        changes.keep_versions("z", DataVersions::default(), s);
        assert_eq!(changes.versions("z", s), Some(DataVersions::default()));
        changes.alive_until.store(changes.now_ms(), Ordering::SeqCst);
        assert_eq!(changes.stamp(&*db.store), None, "past ALIVE");
        db.cleanup().await;
    }
}
