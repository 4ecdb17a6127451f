//! ecociv-store: persistence. One repository trait, [`Store`], implemented for SQLite (the
//! embedded default: WAL with `synchronous = NORMAL`, foreign keys on) and PostgreSQL, with the
//! same migrations in `migrations/sqlite/` and `migrations/postgres/`. The SQL is written once
//! with `$N` placeholders (both drivers accept them) and expanded for each backend by a macro
//! in each part's module. Every row carries its zone. Loading a plan whose content is already
//! stored changes nothing.
//!
//! Here are only the modules, the names the other crates use, [`Store`] (the sum of the parts)
//! and [`connect`], which opens one: `db` holds the two databases and the error, `trail` the
//! audit trail every write appends to, `plans`, `plan_read`, `accounts`, `entries`, `controls`,
//! `mastheads`, `supervision`, `rectifications` and `reminders` the parts, `verify` the check of all of them against the
//! trail, and `watch` what moves when the database changes (for the application's caches).

pub mod accounts;
mod batch;
pub mod controls;
pub mod db;
pub mod entries;
pub mod marked;
pub mod mastheads;
mod plan_read;
pub mod plans;
pub mod rectifications;
pub mod reminders;
pub mod supervision;
pub mod testdb;
pub mod trail;
pub mod verify;
pub mod watch;

pub use accounts::AccountStore;
pub use controls::{ControlStore, ScoringStore, VetoStore};
pub use db::{Backend, PgStore, Result, SqliteStore, StoreError, redact};
pub use entries::{EntryStore, EntryWrite, Part};
pub use marked::MarkedStore;
pub use mastheads::MastheadStore;
pub use plans::{LoadOutcome, PlanStore, plan_fingerprint};
pub use rectifications::{RectificationStore, RectificationWrite};
pub use reminders::{ReminderLogRecord, ReminderStore};
pub use supervision::SupervisionStore;
pub use trail::TrailStore;
pub use verify::{Tampered, Verification, VerifyStore};
pub use watch::WatchStore;

use std::sync::Arc;

/// The repository: everything ecociv keeps. Its parts are [`PlanStore`], [`AccountStore`],
/// [`EntryStore`], [`ControlStore`], [`ScoringStore`], [`VetoStore`], [`MastheadStore`], [`MarkedStore`],
/// [`SupervisionStore`], [`RectificationStore`], [`ReminderStore`], [`TrailStore`],
/// [`VerifyStore`] and [`WatchStore`]; bring them into scope with `use ecociv_store::prelude::*`.
pub trait Store:
    PlanStore
    + AccountStore
    + EntryStore
    + ControlStore
    + ScoringStore
    + VetoStore
    + MastheadStore
    + MarkedStore
    + SupervisionStore
    + RectificationStore
    + ReminderStore
    + TrailStore
    + VerifyStore
    + WatchStore
{
}

impl<
    T: PlanStore
        + AccountStore
        + EntryStore
        + ControlStore
        + ScoringStore
        + VetoStore
        + MastheadStore
        + MarkedStore
        + SupervisionStore
        + RectificationStore
        + ReminderStore
        + TrailStore
        + VerifyStore
        + WatchStore,
> Store for T
{
}

/// Everything needed to call a store.
pub mod prelude {
    pub use crate::{
        AccountStore, ControlStore, EntryStore, MarkedStore, MastheadStore, PlanStore, RectificationStore, ReminderStore, ScoringStore, Store,
        SupervisionStore, TrailStore, VerifyStore, VetoStore, WatchStore,
    };
}

/// Opens the store at `url` (`sqlite://PATH` or `postgres://…`); the SQLite file is created
/// when missing. Migrations are not run here: call [`PlanStore::migrate`].
///
/// It lives here, beside [`Store`], because it returns one: in `db` it would make the
/// databases depend on every part of the store that is built on them.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        if path.is_empty() {
            return Err(StoreError::UnsupportedUrl(format!("{url} (no file path)")));
        }
        Ok(Arc::new(SqliteStore::open(path).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}
