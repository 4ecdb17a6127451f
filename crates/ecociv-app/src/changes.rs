//! What this process knows of the database without asking it: the versions of each zone's
//! data, the hash of its plan, its settings and periods, the list of zones, the signed-in
//! sessions and the API tokens with their users, each kept with the *stamp* of the database at the moment it was
//! read, and valid while the stamp stays. The stamp moves with every commit made through this
//! process's store (before the write returns, so the writer's next request reads afresh) and,
//! for commits by anyone else (the CLI, another instance), when [`watch`] sees the store's
//! change signal move: it looks every [`WATCH_EVERY`], and at once when PostgreSQL notifies a
//! commit. So a page that is kept costs no query at all while nothing is written.
//!
//! A cache of what entries never change ([`Scope::BesideEntries`]: accounts, zones, plans,
//! settings, periods) follows a stamp that the commits of entries alone do not move: while units send
//! their reports, each report's sender, plan, settings and periods are read once, not once a
//! report. The data versions follow every commit ([`Scope::Every`]).
//!
//! Without a watcher that has looked in the last [`ALIVE`] nothing is kept: every read asks the
//! store, as it would without these caches (tests and commands that run no watcher).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecociv_core::model::Zone;
use ecociv_core::record::{DataVersions, PeriodRecord, SessionRecord, UserRecord, ZoneSettingsRecord};
use ecociv_store::Store;

/// How often the watcher reads the store's change signal.
pub const WATCH_EVERY: Duration = Duration::from_millis(100);

/// How long after its last look the watcher still counts: past it, nothing is kept.
pub const ALIVE: Duration = Duration::from_millis(1000);

/// Entries kept at most per cache (past it, the cache starts again empty).
const MOST: usize = 10_000;

/// Which commits make a cache stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every commit.
    Every,
    /// Every commit but those that write entries (observations, dispatch reports) and nothing
    /// else.
    BesideEntries,
}

/// One cache: values by key, each with the stamp it was read at.
pub struct Stamped<V> {
    scope: Scope,
    kept: Mutex<HashMap<String, (V, u64)>>,
}

impl<V> Stamped<V> {
    fn new(scope: Scope) -> Stamped<V> {
        Stamped { scope, kept: Mutex::default() }
    }
}

impl<V: Clone> Stamped<V> {
    /// The value of `key`, when it was read at `stamp`.
    pub fn get(&self, key: &str, stamp: u64) -> Option<V> {
        self.kept.lock().expect("changes cache").get(key).filter(|(_, s)| *s == stamp).map(|(v, _)| v.clone())
    }
    /// Keeps the value of `key` as read at `stamp`.
    pub fn put(&self, key: &str, v: V, stamp: u64) {
        let mut m = self.kept.lock().expect("changes cache");
        if m.len() >= MOST {
            m.clear();
        }
        m.insert(key.to_string(), (v, stamp));
    }
}

/// The caches and the stamp they are valid for.
pub struct Changes {
    /// When this process started (the clock of `alive_until`).
    epoch: Instant,
    /// Milliseconds after `epoch` until which the watcher counts (0: no watcher yet).
    alive_until: AtomicI64,
    /// How often the watcher saw the change signal move.
    seen: AtomicU64,
    /// The versions of each zone's data.
    pub versions: Stamped<DataVersions>,
    /// Sessions (by their id's hash) with their users; `None`: no such session.
    pub sessions: Stamped<Option<(UserRecord, SessionRecord)>>,
    /// The users of tokens (by their hash); `None`: no live token.
    pub tokens: Stamped<Option<UserRecord>>,
    /// The hash of each zone's stored plan; `None`: no plan.
    pub plan_hashes: Stamped<Option<String>>,
    /// The settings each zone changed from the defaults; `None`: none.
    pub settings: Stamped<Option<ZoneSettingsRecord>>,
    /// The periods each zone's task force locked, unlocked or opened.
    pub periods: Stamped<Vec<PeriodRecord>>,
    /// Every zone (under the one key `""`): what the roll-ups and the rounds of scheduled work
    /// go through.
    pub zones: Stamped<std::sync::Arc<Vec<Zone>>>,
}

impl Default for Changes {
    fn default() -> Changes {
        Changes {
            epoch: Instant::now(),
            alive_until: AtomicI64::new(0),
            seen: AtomicU64::new(0),
            versions: Stamped::new(Scope::Every),
            sessions: Stamped::new(Scope::BesideEntries),
            tokens: Stamped::new(Scope::BesideEntries),
            plan_hashes: Stamped::new(Scope::BesideEntries),
            settings: Stamped::new(Scope::BesideEntries),
            periods: Stamped::new(Scope::BesideEntries),
            zones: Stamped::new(Scope::BesideEntries),
        }
    }
}

impl Changes {
    fn now_ms(&self) -> i64 {
        i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// The stamp of the database as this process knows it, or `None` when no watcher looks.
    pub fn stamp(&self, store: &dyn Store) -> Option<u64> {
        self.stamp_of(store, Scope::Every)
    }

    /// The stamp that the commits of `scope` move.
    pub fn stamp_of(&self, store: &dyn Store, scope: Scope) -> Option<u64> {
        let own = match scope {
            Scope::Every => store.writes(),
            Scope::BesideEntries => store.writes_beside_entries(),
        };
        (self.now_ms() < self.alive_until.load(Ordering::SeqCst)).then(|| self.seen.load(Ordering::SeqCst) + own)
    }

    /// The value of `key` in `cache` as last read, while the stamp stays; else what `read` reads
    /// now (kept at the stamp of before the read, so that a write during it makes it stale).
    pub async fn known<V, E, F, Fut>(&self, store: &dyn Store, cache: &Stamped<V>, key: &str, read: F) -> Result<V, E>
    where
        V: Clone,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let stamp = self.stamp_of(store, cache.scope);
        if let Some(v) = stamp.and_then(|s| cache.get(key, s)) {
            return Ok(v);
        }
        let v = read().await?;
        if let Some(s) = stamp {
            cache.put(key, v.clone(), s);
        }
        Ok(v)
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

/// Watches the store for commits by others, every [`WATCH_EVERY`] and at each notice of one, for
/// as long as the process runs (spawn it once, beside the server). A failed look leaves the
/// caches to expire.
pub async fn watch(store: Arc<dyn Store>, changes: Arc<Changes>) {
    let mut last = None;
    loop {
        if let Err(e) = changes.look(&*store, &mut last).await {
            tracing::warn!("watching the database for changes: {e}");
        }
        // woken at once by a notice of a commit (PostgreSQL), else at the next look
        if let Err(e) = store.wait_for_change(WATCH_EVERY).await {
            tracing::warn!("listening for changes: {e}");
            tokio::time::sleep(WATCH_EVERY).await;
        }
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
        changes.versions.put("z", DataVersions::default(), s);
        assert_eq!(changes.versions.get("z", s), Some(DataVersions::default()));
        changes.alive_until.store(changes.now_ms(), Ordering::SeqCst);
        assert_eq!(changes.stamp(&*db.store), None, "past ALIVE");
        db.cleanup().await;
    }
}
