//! ecociv-store: persistence. One repository trait, [`Store`], implemented for SQLite (the
//! embedded default: WAL with `synchronous = NORMAL`, foreign keys on) and PostgreSQL, with the same migrations in
//! `migrations/sqlite/` and `migrations/postgres/`. The SQL is written once with `$N`
//! placeholders (both drivers accept them) and expanded for each backend by `backend_impl!`.
//! Every row carries its zone. Loading a plan whose content is already stored changes nothing.

pub mod accounts;
pub mod controls;
pub mod entries;
pub mod mastheads;
pub mod testdb;
pub mod trail;

pub use accounts::AccountStore;
pub use controls::{ControlStore, ScoringStore, VetoStore};
pub use entries::{EntryStore, EntryWrite};
pub use mastheads::MastheadStore;
pub use trail::{TrailStore, Verification};

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use ecociv_core::audit::{Finding, FindingCode, Place, Severity};
use ecociv_core::model::*;
use ecociv_core::rule::Direction;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Errors of the store, with stable codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} is neither sqlite:// nor postgres://")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What loading a plan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    /// The zone had no plan; it is stored now.
    Loaded,
    /// The zone's plan differed; it is updated now.
    Updated,
    /// The same plan was already stored; nothing was written.
    Unchanged,
}

/// The repository: everything ecociv keeps. Its parts are [`PlanStore`], [`AccountStore`],
/// [`EntryStore`], [`ControlStore`] and [`TrailStore`]; bring them into scope with
/// `use ecociv_store::prelude::*`.
pub trait Store: PlanStore + AccountStore + EntryStore + ControlStore + ScoringStore + VetoStore + MastheadStore + TrailStore {}

impl<T: PlanStore + AccountStore + EntryStore + ControlStore + ScoringStore + VetoStore + MastheadStore + TrailStore> Store for T {}

/// Everything needed to call a store.
pub mod prelude {
    pub use crate::{AccountStore, ControlStore, EntryStore, MastheadStore, PlanStore, ScoringStore, Store, TrailStore, VetoStore};
}

/// Plans of the zones.
#[async_trait]
pub trait PlanStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// Applies the migrations that are not applied yet.
    async fn migrate(&self) -> Result<()>;
    /// Stores a zone's plan in one transaction; a plan identical to the stored one writes nothing.
    async fn load_plan(&self, plan: &Plan, actor: &str) -> Result<LoadOutcome>;
    /// The zones that have a plan.
    async fn zones(&self) -> Result<Vec<Zone>>;
    /// The plan of a zone, as stored.
    async fn plan(&self, zone: &str) -> Result<Option<Plan>>;
    /// The content hash of a zone's plan (one query: to know whether a cached plan is current).
    async fn plan_hash(&self, zone: &str) -> Result<Option<String>>;
    /// Row counts of every table for a zone (for checks and tests).
    async fn row_counts(&self, zone: &str) -> Result<BTreeMap<&'static str, i64>>;
    /// Closes the connections.
    async fn close(&self);
}

/// Opens the store at `url` (`sqlite://PATH` or `postgres://…`); the SQLite file is created
/// when missing. Migrations are not run here: call [`Store::migrate`].
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        if path.is_empty() {
            return Err(StoreError::UnsupportedUrl(format!("{url} (no file path)")));
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // with WAL, NORMAL syncs at checkpoints instead of at every commit: a crash of the
            // process loses nothing, a power cut at most the last commits before it
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        Ok(Arc::new(SqliteStore { pool }))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let opts = PgConnectOptions::from_str(url)?;
        // one connection first, so that a refused or rejected connection says why
        use sqlx::Connection;
        sqlx::PgConnection::connect_with(&opts).await?.close().await?;
        let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(10)).connect_with(opts).await?;
        Ok(Arc::new(PgStore { pool }))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// SM3 of a plan's canonical JSON: what the trail records of a loaded plan, and what `verify`
/// compares the stored plan with.
pub fn plan_fingerprint(plan: &Plan) -> String {
    use sm3::Digest;
    hex::encode(sm3::Sm3::digest(serde_json::to_string(plan).expect("serializable").as_bytes()))
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
    pool: SqlitePool,
}

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
}

const TABLES: [&str; 17] = [
    "zones",
    "plans",
    "categories",
    "org_units",
    "org_unit_aliases",
    "indicators",
    "indicator_org_units",
    "tasks",
    "task_org_units",
    "task_indicators",
    "task_quantities",
    "projects",
    "project_org_units",
    "project_indicators",
    "phases",
    "milestones",
    "findings",
];

/// The tables a plan fills, children first: the order to delete in.
const PLAN_CHILD_TABLES: [&str; 10] = [
    "findings",
    "milestones",
    "project_indicators",
    "project_org_units",
    "task_quantities",
    "task_indicators",
    "task_org_units",
    "indicator_org_units",
    "org_unit_aliases",
    "phases",
];

fn enum_code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(String::from)).unwrap_or_default()
}

fn enum_from<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| StoreError::Corrupt(format!("{what} {s:?}")))
}

fn dec(what: &str, s: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|_| StoreError::Corrupt(format!("{what} {s:?} is not a decimal")))
}

fn i(n: u32) -> i64 {
    i64::from(n)
}

fn u(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

type IndicatorRow = (String, Option<String>, String, String, String, String, i64, String, String, String, String, i64, Option<String>, Option<String>);
type ProjectRow =
    (i64, String, String, String, String, String, Option<i64>, Option<i64>, bool, Option<String>, Option<String>, Option<String>, Option<bool>, String);
type FindingRow = (String, String, String, String, String, String, String, String, String);

macro_rules! backend_impl {
    ($store:ident, $backend:expr, $migrations:literal) => {
        #[async_trait]
        impl PlanStore for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn load_plan(&self, plan: &Plan, actor: &str) -> Result<LoadOutcome> {
                let z = plan.zone.code.as_str();
                let mut tx = self.pool.begin().await?;
                // the zone's row (and with it the write lock) first, as every write of a zone does
                sqlx::query(
                    "INSERT INTO zones (code, name, name_en, level, kind, parent) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (code) DO UPDATE SET code = excluded.code",
                )
                .bind(z)
                .bind(&plan.zone.name)
                .bind(&plan.zone.name_en)
                .bind(enum_code(&plan.zone.level))
                .bind(enum_code(&plan.zone.kind))
                .bind(&plan.zone.parent)
                .execute(&mut *tx)
                .await?;
                let stored: Option<(String,)> = sqlx::query_as("SELECT content_hash FROM plans WHERE zone_code = $1").bind(z).fetch_optional(&mut *tx).await?;
                let outcome = match &stored {
                    Some((h,)) if *h == plan.content_hash => return Ok(LoadOutcome::Unchanged),
                    Some(_) => LoadOutcome::Updated,
                    None => LoadOutcome::Loaded,
                };
                sqlx::query(
                    "INSERT INTO zones (code, name, name_en, level, kind, parent) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, level = excluded.level,
                     kind = excluded.kind, parent = excluded.parent",
                )
                .bind(z)
                .bind(&plan.zone.name)
                .bind(&plan.zone.name_en)
                .bind(enum_code(&plan.zone.level))
                .bind(enum_code(&plan.zone.kind))
                .bind(&plan.zone.parent)
                .execute(&mut *tx)
                .await?;
                // Link tables are rewritten; entity tables are upserted so that rows other
                // tables refer to (indicators, org units, tasks, projects) keep their keys.
                for t in PLAN_CHILD_TABLES {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t} WHERE zone_code = $1"))).bind(z).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO plans (zone_code, code, title, title_en, document_number, issued_on, start_year, end_year, base_year,
                     review_date, framework_code, framework_name, framework_document, content_hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                     ON CONFLICT (zone_code) DO UPDATE SET code = excluded.code, title = excluded.title, title_en = excluded.title_en,
                     document_number = excluded.document_number, issued_on = excluded.issued_on, start_year = excluded.start_year,
                     end_year = excluded.end_year, base_year = excluded.base_year, review_date = excluded.review_date,
                     framework_code = excluded.framework_code, framework_name = excluded.framework_name,
                     framework_document = excluded.framework_document, content_hash = excluded.content_hash",
                )
                .bind(z)
                .bind(&plan.code)
                .bind(&plan.title)
                .bind(&plan.title_en)
                .bind(&plan.document_number)
                .bind(plan.issued_on)
                .bind(i64::from(plan.start_year))
                .bind(i64::from(plan.end_year))
                .bind(i64::from(plan.base_year))
                .bind(plan.review_date)
                .bind(&plan.framework.code)
                .bind(&plan.framework.name)
                .bind(&plan.framework.document)
                .bind(&plan.content_hash)
                .execute(&mut *tx)
                .await?;
                for c in &plan.categories {
                    sqlx::query(
                        "INSERT INTO categories (zone_code, number, label, name, name_en, domain) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (zone_code, number) DO UPDATE SET label = excluded.label, name = excluded.name,
                         name_en = excluded.name_en, domain = excluded.domain",
                    )
                    .bind(z)
                    .bind(i(c.number))
                    .bind(&c.label)
                    .bind(&c.name)
                    .bind(&c.name_en)
                    .bind(c.domain.code())
                    .execute(&mut *tx)
                    .await?;
                }
                for (pos, o) in plan.org_units.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO org_units (zone_code, name, name_en, kind, region, position) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (zone_code, name) DO UPDATE SET name_en = excluded.name_en, kind = excluded.kind,
                         region = excluded.region, position = excluded.position",
                    )
                    .bind(z)
                    .bind(&o.name)
                    .bind(&o.name_en)
                    .bind(enum_code(&o.kind))
                    .bind(&o.region)
                    .bind(pos as i64)
                    .execute(&mut *tx)
                    .await?;
                }
                for o in &plan.org_units {
                    for (pos, a) in o.aliases.iter().enumerate() {
                        sqlx::query("INSERT INTO org_unit_aliases (zone_code, alias, org_unit, position) VALUES ($1, $2, $3, $4)")
                            .bind(z)
                            .bind(a)
                            .bind(&o.name)
                            .bind(pos as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let mut pos = 0i64;
                for ind in &plan.indicators {
                    let rows = std::iter::once((
                        ind.code.as_str(),
                        None,
                        ind.name.as_str(),
                        ind.name_en.as_str(),
                        ind.name_printed.as_str(),
                        ind.unit.as_str(),
                        &ind.target,
                        ind.direction,
                        &ind.lead_departments,
                        &ind.data_providers,
                    ))
                    .chain(ind.sub_indicators.iter().map(|s| {
                        (
                            s.code.as_str(),
                            Some(ind.code.as_str()),
                            s.name.as_str(),
                            s.name_en.as_str(),
                            s.name.as_str(),
                            s.unit.as_str(),
                            &s.target,
                            s.direction,
                            &s.lead_departments,
                            &s.data_providers,
                        )
                    }));
                    for (code, parent, name, name_en, printed, unit, target, direction, leads, providers) in rows {
                        sqlx::query(
                            "INSERT INTO indicators (zone_code, code, parent_code, position, name, name_en, name_printed, domain, category,
                             unit, attribute, target_printed, target_rule, target_deadline, direction, applies_while_rate_at_most)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                             ON CONFLICT (zone_code, code) DO UPDATE SET parent_code = excluded.parent_code, position = excluded.position,
                             name = excluded.name, name_en = excluded.name_en, name_printed = excluded.name_printed,
                             domain = excluded.domain, category = excluded.category, unit = excluded.unit,
                             attribute = excluded.attribute, target_printed = excluded.target_printed,
                             target_rule = excluded.target_rule, target_deadline = excluded.target_deadline,
                             direction = excluded.direction, applies_while_rate_at_most = excluded.applies_while_rate_at_most",
                        )
                        .bind(z)
                        .bind(code)
                        .bind(parent)
                        .bind(pos)
                        .bind(name)
                        .bind(name_en)
                        .bind(printed)
                        .bind(ind.domain.code())
                        .bind(i(ind.category))
                        .bind(unit)
                        .bind(enum_code(&ind.attribute))
                        .bind(&target.printed)
                        .bind(&target.rule)
                        .bind(i64::from(target.deadline))
                        .bind(direction.map(|d| enum_code(&d)))
                        .bind(if parent.is_none() { ind.applies_while_rate_at_most.map(|d| d.to_string()) } else { None })
                        .execute(&mut *tx)
                        .await?;
                        pos += 1;
                        for (role, list) in [("lead", leads), ("provider", providers)] {
                            for (p, o) in list.iter().enumerate() {
                                sqlx::query(
                                    "INSERT INTO indicator_org_units (zone_code, indicator_code, role, org_unit, position) VALUES ($1, $2, $3, $4, $5)",
                                )
                                .bind(z)
                                .bind(code)
                                .bind(role)
                                .bind(o)
                                .bind(p as i64)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                    }
                }
                for t in &plan.tasks {
                    let n = i(t.number);
                    sqlx::query(
                        "INSERT INTO tasks (zone_code, number, section, title, text, responsibility_printed) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (zone_code, number) DO UPDATE SET section = excluded.section, title = excluded.title,
                         text = excluded.text, responsibility_printed = excluded.responsibility_printed",
                    )
                    .bind(z)
                    .bind(n)
                    .bind(i(t.section))
                    .bind(&t.title)
                    .bind(&t.text)
                    .bind(&t.responsibility_printed)
                    .execute(&mut *tx)
                    .await?;
                    for (role, list) in [("lead", &t.lead_departments), ("responsible", &t.responsible_departments), ("survey", &t.survey_departments)] {
                        for (p, o) in list.iter().enumerate() {
                            sqlx::query("INSERT INTO task_org_units (zone_code, task_number, role, org_unit, position) VALUES ($1, $2, $3, $4, $5)")
                                .bind(z)
                                .bind(n)
                                .bind(role)
                                .bind(o)
                                .bind(p as i64)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    for (p, c) in t.indicators.iter().enumerate() {
                        sqlx::query("INSERT INTO task_indicators (zone_code, task_number, indicator_code, position) VALUES ($1, $2, $3, $4)")
                            .bind(z)
                            .bind(n)
                            .bind(c)
                            .bind(p as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for (p, q) in t.quantities.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO task_quantities (zone_code, task_number, position, what, amount, unit, deadline, comparison, printed)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(z)
                        .bind(n)
                        .bind(p as i64)
                        .bind(&q.what)
                        .bind(q.amount.to_string())
                        .bind(&q.unit)
                        .bind(q.deadline.map(i64::from))
                        .bind(&q.comparison)
                        .bind(&q.printed)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                for p in &plan.projects {
                    let n = i(p.number);
                    sqlx::query(
                        "INSERT INTO projects (zone_code, number, domain, name, assessed_indicators_printed, scope, period_printed,
                         period_start, period_end, period_ongoing, budget_printed, budget_unit, budget_yi, budget_doubtful, implementers_printed)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                         ON CONFLICT (zone_code, number) DO UPDATE SET domain = excluded.domain, name = excluded.name,
                         assessed_indicators_printed = excluded.assessed_indicators_printed, scope = excluded.scope,
                         period_printed = excluded.period_printed, period_start = excluded.period_start, period_end = excluded.period_end,
                         period_ongoing = excluded.period_ongoing, budget_printed = excluded.budget_printed,
                         budget_unit = excluded.budget_unit, budget_yi = excluded.budget_yi, budget_doubtful = excluded.budget_doubtful,
                         implementers_printed = excluded.implementers_printed",
                    )
                    .bind(z)
                    .bind(n)
                    .bind(p.domain.code())
                    .bind(&p.name)
                    .bind(&p.assessed_indicators_printed)
                    .bind(&p.scope)
                    .bind(&p.period.printed)
                    .bind(p.period.start.map(i64::from))
                    .bind(p.period.end.map(i64::from))
                    .bind(p.period.ongoing)
                    .bind(p.budget.as_ref().map(|b| b.printed.clone()))
                    .bind(p.budget.as_ref().map(|b| b.unit.clone()))
                    .bind(p.budget.as_ref().map(|b| b.yi.to_string()))
                    .bind(p.budget.as_ref().map(|b| b.doubtful))
                    .bind(&p.implementers_printed)
                    .execute(&mut *tx)
                    .await?;
                    for (pos, o) in p.implementers.iter().enumerate() {
                        sqlx::query("INSERT INTO project_org_units (zone_code, project_number, org_unit, position) VALUES ($1, $2, $3, $4)")
                            .bind(z)
                            .bind(n)
                            .bind(o)
                            .bind(pos as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for (pos, c) in p.assessed_indicators.iter().enumerate() {
                        sqlx::query("INSERT INTO project_indicators (zone_code, project_number, indicator_code, position) VALUES ($1, $2, $3, $4)")
                            .bind(z)
                            .bind(n)
                            .bind(c)
                            .bind(pos as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for ph in &plan.phases {
                    sqlx::query("INSERT INTO phases (zone_code, number, name, name_en, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(z)
                        .bind(i(ph.number))
                        .bind(&ph.name)
                        .bind(&ph.name_en)
                        .bind(ph.start)
                        .bind(ph.end)
                        .execute(&mut *tx)
                        .await?;
                    for (pos, m) in ph.milestones.iter().enumerate() {
                        sqlx::query("INSERT INTO milestones (zone_code, phase_number, position, text, text_en, due) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(z)
                            .bind(i(ph.number))
                            .bind(pos as i64)
                            .bind(&m.text)
                            .bind(&m.text_en)
                            .bind(m.due)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for (pos, f) in plan.findings.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO findings (zone_code, position, code, severity, place_table, place_row, place_field, printed, suggested, note, note_en)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(z)
                    .bind(pos as i64)
                    .bind(f.code.code())
                    .bind(enum_code(&f.severity))
                    .bind(&f.place.table)
                    .bind(&f.place.row)
                    .bind(&f.place.field)
                    .bind(&f.printed)
                    .bind(&f.suggested)
                    .bind(&f.note)
                    .bind(&f.note_en)
                    .execute(&mut *tx)
                    .await?;
                }
                // entities no longer in the plan (a revised plan); fails if other rows still refer to them
                let keep_ind: Vec<String> =
                    plan.indicators.iter().flat_map(|i| std::iter::once(i.code.clone()).chain(i.sub_indicators.iter().map(|s| s.code.clone()))).collect();
                let stored_ind: Vec<(String,)> = sqlx::query_as("SELECT code FROM indicators WHERE zone_code = $1").bind(z).fetch_all(&mut *tx).await?;
                for (c,) in stored_ind.into_iter().filter(|(c,)| !keep_ind.contains(c)) {
                    sqlx::query("DELETE FROM indicators WHERE zone_code = $1 AND code = $2").bind(z).bind(c).execute(&mut *tx).await?;
                }
                for (table, key, keep) in [
                    ("tasks", "number", plan.tasks.iter().map(|t| i(t.number)).collect::<Vec<_>>()),
                    ("projects", "number", plan.projects.iter().map(|p| i(p.number)).collect()),
                    ("categories", "number", plan.categories.iter().map(|c| i(c.number)).collect()),
                ] {
                    let stored: Vec<(i64,)> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {key} FROM {table} WHERE zone_code = $1"))).bind(z).fetch_all(&mut *tx).await?;
                    for (n,) in stored.into_iter().filter(|(n,)| !keep.contains(n)) {
                        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE zone_code = $1 AND {key} = $2")))
                            .bind(z)
                            .bind(n)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let stored_orgs: Vec<(String,)> = sqlx::query_as("SELECT name FROM org_units WHERE zone_code = $1").bind(z).fetch_all(&mut *tx).await?;
                for (n,) in stored_orgs.into_iter().filter(|(n,)| !plan.org_units.iter().any(|o| o.name == *n)) {
                    sqlx::query("DELETE FROM org_units WHERE zone_code = $1 AND name = $2").bind(z).bind(n).execute(&mut *tx).await?;
                }
                let action = if outcome == LoadOutcome::Loaded { "plan.loaded" } else { "plan.updated" };
                let before = stored.map(|(h,)| format!("{{\"content_hash\":{h:?}}}")).unwrap_or_default();
                let after = format!("{{\"content_hash\":{:?},\"stored\":{:?}}}", plan.content_hash, plan_fingerprint(plan));
                trail::append_event!(tx, trail::event(z, actor, action, "plan", &plan.code, &before, &after, ""));
                tx.commit().await?;
                Ok(outcome)
            }

            async fn zones(&self) -> Result<Vec<Zone>> {
                let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT z.code, z.name, z.name_en, z.level, z.kind, z.parent FROM zones z JOIN plans p ON p.zone_code = z.code ORDER BY z.code",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(code, name, name_en, level, kind, parent)| {
                        Ok(Zone { code, name, name_en, level: enum_from("zone level", &level)?, kind: enum_from("zone kind", &kind)?, parent })
                    })
                    .collect()
            }

            async fn plan(&self, zone: &str) -> Result<Option<Plan>> {
                let z = zone;
                let Some(zone_row): Option<(String, String, String, String, String, Option<String>)> =
                    sqlx::query_as("SELECT code, name, name_en, level, kind, parent FROM zones WHERE code = $1").bind(z).fetch_optional(&self.pool).await?
                else {
                    return Ok(None);
                };
                let Some(p): Option<(String, String, String, String, NaiveDate, i64, i64, i64, NaiveDate, String, String, String, String)> = sqlx::query_as(
                    "SELECT code, title, title_en, document_number, issued_on, start_year, end_year, base_year, review_date,
                     framework_code, framework_name, framework_document, content_hash FROM plans WHERE zone_code = $1",
                )
                .bind(z)
                .fetch_optional(&self.pool)
                .await?
                else {
                    return Ok(None);
                };
                let categories: Vec<(i64, String, String, String, String)> =
                    sqlx::query_as("SELECT number, label, name, name_en, domain FROM categories WHERE zone_code = $1 ORDER BY number")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let categories = categories
                    .into_iter()
                    .map(|(n, label, name, name_en, domain)| Ok(Category { number: u(n), label, name, name_en, domain: enum_from("domain", &domain)? }))
                    .collect::<Result<Vec<_>>>()?;

                let orgs: Vec<(String, String, String, Option<String>)> =
                    sqlx::query_as("SELECT name, name_en, kind, region FROM org_units WHERE zone_code = $1 ORDER BY position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let aliases: Vec<(String, String)> =
                    sqlx::query_as("SELECT org_unit, alias FROM org_unit_aliases WHERE zone_code = $1 ORDER BY org_unit, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let org_units = orgs
                    .into_iter()
                    .map(|(name, name_en, kind, region)| {
                        let aliases = aliases.iter().filter(|(o, _)| *o == name).map(|(_, a)| a.clone()).collect();
                        Ok(OrgUnit { name, name_en, kind: enum_from("org kind", &kind)?, aliases, region })
                    })
                    .collect::<Result<Vec<_>>>()?;

                let links: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT indicator_code, role, org_unit FROM indicator_org_units WHERE zone_code = $1 ORDER BY indicator_code, role, position",
                )
                .bind(z)
                .fetch_all(&self.pool)
                .await?;
                let who =
                    |code: &str, role: &str| -> Vec<String> { links.iter().filter(|(c, r, _)| c == code && r == role).map(|(_, _, o)| o.clone()).collect() };
                let rows: Vec<IndicatorRow> = sqlx::query_as(
                    "SELECT code, parent_code, name, name_en, name_printed, domain, category, unit, attribute, target_printed, target_rule,
                     target_deadline, direction, applies_while_rate_at_most FROM indicators WHERE zone_code = $1 ORDER BY position",
                )
                .bind(z)
                .fetch_all(&self.pool)
                .await?;
                let mut indicators: Vec<Indicator> = Vec::new();
                for (code, parent, name, name_en, name_printed, domain, category, unit, attribute, tp, tr, td, direction, rate) in rows {
                    let target = Target { printed: tp, rule: tr, deadline: td as i32 };
                    let direction: Option<Direction> = direction.map(|d| enum_from("direction", &d)).transpose()?;
                    let (lead_departments, data_providers) = (who(&code, "lead"), who(&code, "provider"));
                    match parent {
                        None => indicators.push(Indicator {
                            number: code.parse().map_err(|_| StoreError::Corrupt(format!("indicator code {code:?}")))?,
                            code,
                            name,
                            name_en,
                            name_printed,
                            domain: enum_from("domain", &domain)?,
                            category: u(category),
                            unit,
                            attribute: enum_from("attribute", &attribute)?,
                            target,
                            direction,
                            lead_departments,
                            data_providers,
                            sub_indicators: vec![],
                            applies_while_rate_at_most: rate.map(|r| dec("rate limit", &r)).transpose()?,
                        }),
                        Some(parent) => {
                            let Some(ind) = indicators.iter_mut().find(|i| i.code == parent) else {
                                return Err(StoreError::Corrupt(format!("sub-indicator {code} before its indicator {parent}")));
                            };
                            ind.sub_indicators.push(SubIndicator { code, name, name_en, unit, target, direction, lead_departments, data_providers });
                        }
                    }
                }

                let task_rows: Vec<(i64, i64, String, String, String)> =
                    sqlx::query_as("SELECT number, section, title, text, responsibility_printed FROM tasks WHERE zone_code = $1 ORDER BY number")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let task_orgs: Vec<(i64, String, String)> =
                    sqlx::query_as("SELECT task_number, role, org_unit FROM task_org_units WHERE zone_code = $1 ORDER BY task_number, role, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let task_inds: Vec<(i64, String)> =
                    sqlx::query_as("SELECT task_number, indicator_code FROM task_indicators WHERE zone_code = $1 ORDER BY task_number, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let quantities: Vec<(i64, String, String, String, Option<i64>, String, String)> = sqlx::query_as(
                    "SELECT task_number, what, amount, unit, deadline, comparison, printed FROM task_quantities WHERE zone_code = $1
                     ORDER BY task_number, position",
                )
                .bind(z)
                .fetch_all(&self.pool)
                .await?;
                let mut tasks = Vec::new();
                for (n, section, title, text, responsibility_printed) in task_rows {
                    let orgs = |role: &str| -> Vec<String> { task_orgs.iter().filter(|(t, r, _)| *t == n && r == role).map(|(_, _, o)| o.clone()).collect() };
                    let mut qs = Vec::new();
                    for (_, what, amount, unit, deadline, comparison, printed) in quantities.iter().filter(|q| q.0 == n) {
                        qs.push(Quantity {
                            what: what.clone(),
                            amount: dec("quantity", amount)?,
                            unit: unit.clone(),
                            deadline: deadline.map(|d| d as i32),
                            comparison: comparison.clone(),
                            printed: printed.clone(),
                        });
                    }
                    tasks.push(Task {
                        number: u(n),
                        section: u(section),
                        title,
                        text,
                        responsibility_printed,
                        lead_departments: orgs("lead"),
                        responsible_departments: orgs("responsible"),
                        survey_departments: orgs("survey"),
                        indicators: task_inds.iter().filter(|(t, _)| *t == n).map(|(_, c)| c.clone()).collect(),
                        quantities: qs,
                    });
                }

                let project_rows: Vec<ProjectRow> = sqlx::query_as(
                    "SELECT number, domain, name, assessed_indicators_printed, scope, period_printed, period_start, period_end, period_ongoing,
                     budget_printed, budget_unit, budget_yi, budget_doubtful, implementers_printed FROM projects WHERE zone_code = $1 ORDER BY number",
                )
                .bind(z)
                .fetch_all(&self.pool)
                .await?;
                let proj_orgs: Vec<(i64, String)> =
                    sqlx::query_as("SELECT project_number, org_unit FROM project_org_units WHERE zone_code = $1 ORDER BY project_number, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let proj_inds: Vec<(i64, String)> =
                    sqlx::query_as("SELECT project_number, indicator_code FROM project_indicators WHERE zone_code = $1 ORDER BY project_number, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let mut projects = Vec::new();
                for (n, domain, name, aip, scope, pp, ps, pe, ongoing, bp, bu, by, bd, ip) in project_rows {
                    let budget = match (bp, bu, by) {
                        (Some(printed), Some(unit), Some(yi)) => Some(Budget { printed, unit, yi: dec("budget", &yi)?, doubtful: bd.unwrap_or(false) }),
                        _ => None,
                    };
                    projects.push(Project {
                        number: u(n),
                        domain: enum_from("domain", &domain)?,
                        name,
                        assessed_indicators: proj_inds.iter().filter(|(p, _)| *p == n).map(|(_, c)| c.clone()).collect(),
                        assessed_indicators_printed: aip,
                        scope,
                        period: Period { printed: pp, start: ps.map(|y| y as i32), end: pe.map(|y| y as i32), ongoing },
                        budget,
                        implementers: proj_orgs.iter().filter(|(p, _)| *p == n).map(|(_, o)| o.clone()).collect(),
                        implementers_printed: ip,
                    });
                }

                let phase_rows: Vec<(i64, String, String, NaiveDate, NaiveDate)> =
                    sqlx::query_as("SELECT number, name, name_en, start_date, end_date FROM phases WHERE zone_code = $1 ORDER BY start_date, number")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let ms: Vec<(i64, String, String, NaiveDate)> =
                    sqlx::query_as("SELECT phase_number, text, text_en, due FROM milestones WHERE zone_code = $1 ORDER BY phase_number, position")
                        .bind(z)
                        .fetch_all(&self.pool)
                        .await?;
                let phases = phase_rows
                    .into_iter()
                    .map(|(n, name, name_en, start, end)| Phase {
                        number: u(n),
                        name,
                        name_en,
                        start,
                        end,
                        milestones: ms
                            .iter()
                            .filter(|m| m.0 == n)
                            .map(|(_, text, text_en, due)| Milestone { text: text.clone(), text_en: text_en.clone(), due: *due })
                            .collect(),
                    })
                    .collect();

                let f_rows: Vec<FindingRow> = sqlx::query_as(
                    "SELECT code, severity, place_table, place_row, place_field, printed, suggested, note, note_en FROM findings WHERE zone_code = $1 ORDER BY position",
                )
                .bind(z)
                .fetch_all(&self.pool)
                .await?;
                let findings = f_rows
                    .into_iter()
                    .map(|(code, severity, table, row, field, printed, suggested, note, note_en)| {
                        Ok(Finding {
                            code: enum_from::<FindingCode>("finding code", &code)?,
                            severity: enum_from::<Severity>("severity", &severity)?,
                            place: Place { table, row, field },
                            printed,
                            suggested,
                            note,
                            note_en,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;

                let (code, title, title_en, document_number, issued_on, sy, ey, by, review_date, fc, fname, fdoc, content_hash) = p;
                let (zcode, zname, zname_en, level, kind, parent) = zone_row;
                Ok(Some(Plan {
                    zone: Zone {
                        code: zcode,
                        name: zname,
                        name_en: zname_en,
                        level: enum_from("zone level", &level)?,
                        kind: enum_from("zone kind", &kind)?,
                        parent,
                    },
                    code,
                    title,
                    title_en,
                    document_number,
                    issued_on,
                    start_year: sy as i32,
                    end_year: ey as i32,
                    base_year: by as i32,
                    review_date,
                    framework: FrameworkRef { code: fc, name: fname, document: fdoc },
                    categories,
                    indicators,
                    org_units,
                    tasks,
                    projects,
                    phases,
                    findings,
                    content_hash,
                }))
            }

            async fn plan_hash(&self, zone: &str) -> Result<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT content_hash FROM plans WHERE zone_code = $1").bind(zone).fetch_optional(&self.pool).await?;
                Ok(row.map(|r| r.0))
            }

            async fn row_counts(&self, zone: &str) -> Result<BTreeMap<&'static str, i64>> {
                let mut out = BTreeMap::new();
                for t in TABLES {
                    let col = if t == "zones" { "code" } else { "zone_code" };
                    let (n,): (i64,) =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t} WHERE {col} = $1"))).bind(zone).fetch_one(&self.pool).await?;
                    out.insert(t, n);
                }
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM trail WHERE zone_code = $1").bind(zone).fetch_one(&self.pool).await?;
                out.insert("trail", n);
                Ok(out)
            }
        }
    };
}

backend_impl!(SqliteStore, Backend::Sqlite, "./migrations/sqlite");
backend_impl!(PgStore, Backend::Postgres, "./migrations/postgres");

impl SqliteStore {
    /// The pool, for backend-specific checks in tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
