//! Plans of the zones: the [`PlanStore`] part of the store (migrations, loading a plan into its
//! tables in one transaction with its trail event, the zones, row counts) for both databases,
//! and [`plan_fingerprint`], what the trail records of a loaded plan. Reading a stored plan back
//! is in `plan_read`. The SQL is written once with `$N` placeholders (both drivers accept them)
//! and expanded for each backend by `plan_impl!`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use ecociv_core::model::*;

use crate::db::{Backend, PgStore, Result, SqliteStore, StoreError};
use crate::plan_read::enum_from;
use crate::trail;

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

/// Plans of the zones.
#[async_trait]
pub trait PlanStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// Applies the migrations that are not applied yet.
    async fn migrate(&self) -> Result<()>;
    /// Stores a zone's plan in one transaction; a plan identical to the stored one writes nothing.
    async fn load_plan(&self, plan: &Plan, actor: &str) -> Result<LoadOutcome>;
    /// Issues a zone's next plan in one transaction: `earlier`, the zone's plan as read, is kept
    /// whole in the archive, superseded on `on`, and `next` takes its place. The earlier plan's
    /// indicators that `next` lacks are retired, not deleted: the entries of its years refer to
    /// them. `Conflict` when the zone's plan is no longer `earlier`, or was archived before.
    async fn issue_plan(&self, next: &Plan, earlier: &Plan, on: chrono::NaiveDate, actor: &str) -> Result<()>;
    /// The zone's plans that were superseded, as they stood, each with the day and the code of
    /// the plan that replaced it, oldest first.
    async fn archived_plans(&self, zone: &str) -> Result<Vec<(Plan, chrono::NaiveDate, String)>>;
    /// Stores the plan of a zone that has none yet; `Conflict` when the zone has a plan (two
    /// administrators creating one zone at once: the second is refused, nothing overwritten).
    async fn create_zone(&self, plan: &Plan, actor: &str) -> Result<()>;
    /// The zones that have a plan.
    async fn zones(&self) -> Result<Vec<Zone>>;
    /// The plan of a zone, as stored.
    async fn plan(&self, zone: &str) -> Result<Option<Plan>>;
    /// The content hash of a zone's plan (one query: to know whether a cached plan is current).
    async fn plan_hash(&self, zone: &str) -> Result<Option<String>>;
    /// Row counts of every table for a zone (for checks and tests).
    async fn row_counts(&self, zone: &str) -> Result<BTreeMap<&'static str, i64>>;
    /// Writes a consistent copy of the whole database into the new file `path` while others
    /// keep working (SQLite's `VACUUM INTO`); on PostgreSQL `Conflict`: its copies are
    /// `pg_dump`'s.
    async fn backup_into(&self, path: &str) -> Result<()>;
    /// What SQLite's `PRAGMA integrity_check` finds (`["ok"]` when the file is whole);
    /// PostgreSQL answers `["ok"]`.
    async fn integrity_check(&self) -> Result<Vec<String>>;
    /// Closes the connections.
    async fn close(&self);
}

/// SM3 of a plan's canonical JSON: what the trail records of a loaded plan, and what `verify`
/// compares the stored plan with.
pub fn plan_fingerprint(plan: &Plan) -> String {
    use sm3::Digest;
    hex::encode(sm3::Sm3::digest(serde_json::to_string(plan).expect("serializable").as_bytes()))
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

fn i(n: u32) -> i64 {
    i64::from(n)
}

macro_rules! plan_impl {
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

            async fn backup_into(&self, path: &str) -> Result<()> {
                if $backend != Backend::Sqlite {
                    return Err(StoreError::Conflict("a PostgreSQL database is copied with pg_dump".into()));
                }
                sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await?;
                Ok(())
            }

            async fn integrity_check(&self) -> Result<Vec<String>> {
                if $backend != Backend::Sqlite {
                    return Ok(vec!["ok".into()]);
                }
                let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            async fn load_plan(&self, plan: &Plan, actor: &str) -> Result<LoadOutcome> {
                self.store_plan(plan, actor, None, false).await
            }

            async fn create_zone(&self, plan: &Plan, actor: &str) -> Result<()> {
                self.store_plan(plan, actor, None, true).await.map(|_| ())
            }

            async fn issue_plan(&self, next: &Plan, earlier: &Plan, on: chrono::NaiveDate, actor: &str) -> Result<()> {
                match self.store_plan(next, actor, Some((earlier, on)), false).await? {
                    LoadOutcome::Unchanged => Err(StoreError::Conflict(format!("the plan {} is the zone's plan already", next.code))),
                    _ => Ok(()),
                }
            }

            async fn archived_plans(&self, zone: &str) -> Result<Vec<(Plan, chrono::NaiveDate, String)>> {
                let rows: Vec<(String, String, String)> =
                    sqlx::query_as("SELECT plan, superseded_on, superseded_by FROM plan_archive WHERE zone_code = $1 ORDER BY superseded_on, code")
                        .bind(zone)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map(|(plan, on, by)| {
                        let plan: Plan = serde_json::from_str(&plan).map_err(|e| StoreError::Corrupt(format!("archived plan of zone {zone}: {e}")))?;
                        let on = on.parse().map_err(|e| StoreError::Corrupt(format!("archived plan {} of zone {zone}: day {on:?}: {e}", plan.code)))?;
                        Ok((plan, on, by))
                    })
                    .collect()
            }

            async fn zones(&self) -> Result<Vec<Zone>> {
                let rows: Vec<(String, String, String, String, String, Option<String>, bool)> = sqlx::query_as(
                    "SELECT z.code, z.name, z.name_en, z.level, z.kind, z.parent, z.example_data FROM zones z JOIN plans p ON p.zone_code = z.code ORDER BY z.code",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(code, name, name_en, level, kind, parent, example_data)| {
                        Ok(Zone { code, name, name_en, level: enum_from("zone level", &level)?, kind: enum_from("zone kind", &kind)?, parent, example_data })
                    })
                    .collect()
            }

            async fn plan(&self, zone: &str) -> Result<Option<Plan>> {
                self.read_plan(zone).await
            }

            async fn plan_hash(&self, zone: &str) -> Result<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT content_hash FROM plans WHERE zone_code = $1").bind(zone).fetch_optional(&self.pool).await?;
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

        impl $store {
            /// Loads `plan` in one transaction; with `issue`, as the next plan of the one given
            /// (archived, its lost indicators retired).
            async fn store_plan(&self, plan: &Plan, actor: &str, issue: Option<(&Plan, chrono::NaiveDate)>, create_only: bool) -> Result<LoadOutcome> {
                let z = plan.zone.code.as_str();
                let mut tx = crate::trail::begin_any!(self);
                // the zone's row (and with it the write lock) first, as every write of a zone does
                let (example_data,): (bool,) = sqlx::query_as(
                    "INSERT INTO zones (code, name, name_en, level, kind, parent, example_data) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (code) DO UPDATE SET code = excluded.code RETURNING example_data",
                )
                .bind(z)
                .bind(&plan.zone.name)
                .bind(&plan.zone.name_en)
                .bind(enum_code(&plan.zone.level))
                .bind(enum_code(&plan.zone.kind))
                .bind(&plan.zone.parent)
                .bind(plan.zone.example_data)
                .fetch_one(&mut *tx)
                .await?;
                // a zone of example data stays marked whatever plan is loaded into it
                let marked;
                let plan = if example_data && !plan.zone.example_data {
                    let mut p = plan.clone();
                    p.zone.example_data = true;
                    marked = p;
                    &marked
                } else {
                    plan
                };
                let stored: Option<(String,)> = sqlx::query_as("SELECT content_hash FROM plans WHERE zone_code = $1").bind(z).fetch_optional(&mut *tx).await?;
                if create_only && stored.is_some() {
                    return Err(StoreError::Conflict(format!("the zone {z} exists already")));
                }
                let outcome = match &stored {
                    Some((h,)) if *h == plan.content_hash => return Ok(LoadOutcome::Unchanged),
                    Some(_) => LoadOutcome::Updated,
                    None => LoadOutcome::Loaded,
                };
                if let Some((earlier, on)) = issue {
                    // the plan it follows must be the zone's plan still, as read
                    if stored.as_ref().map(|(h,)| h.as_str()) != Some(earlier.content_hash.as_str()) {
                        return Err(StoreError::Conflict(format!("the zone's plan is no longer {}", earlier.code)));
                    }
                    let json = serde_json::to_string(earlier).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let done = sqlx::query(
                        "INSERT INTO plan_archive (zone_code, code, plan, superseded_on, superseded_by) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (zone_code, code) DO NOTHING",
                    )
                    .bind(z)
                    .bind(&earlier.code)
                    .bind(json)
                    .bind(on.to_string())
                    .bind(&plan.code)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict(format!("the plan {} was superseded before", earlier.code)));
                    }
                }
                sqlx::query(
                    "INSERT INTO zones (code, name, name_en, level, kind, parent, example_data) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, level = excluded.level,
                     kind = excluded.kind, parent = excluded.parent, example_data = excluded.example_data",
                )
                .bind(z)
                .bind(&plan.zone.name)
                .bind(&plan.zone.name_en)
                .bind(enum_code(&plan.zone.level))
                .bind(enum_code(&plan.zone.kind))
                .bind(&plan.zone.parent)
                .bind(plan.zone.example_data)
                .execute(&mut *tx)
                .await?;
                // Link tables are rewritten; entity tables are upserted so that rows other
                // tables refer to (indicators, org units, tasks, projects) keep their keys.
                for t in PLAN_CHILD_TABLES {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t} WHERE zone_code = $1"))).bind(z).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO plans (zone_code, code, title, title_en, document_number, issued_on, start_year, end_year, base_year,
                     review_date, framework_code, framework_name, framework_document, content_hash, lineage)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                     ON CONFLICT (zone_code) DO UPDATE SET code = excluded.code, title = excluded.title, title_en = excluded.title_en,
                     document_number = excluded.document_number, issued_on = excluded.issued_on, start_year = excluded.start_year,
                     end_year = excluded.end_year, base_year = excluded.base_year, review_date = excluded.review_date,
                     framework_code = excluded.framework_code, framework_name = excluded.framework_name,
                     framework_document = excluded.framework_document, content_hash = excluded.content_hash, lineage = excluded.lineage",
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
                .bind(plan.lineage.as_ref().map(|l| serde_json::to_string(l).unwrap_or_default()))
                .execute(&mut *tx)
                .await?;
                for c in &plan.categories {
                    sqlx::query(
                        "INSERT INTO categories (zone_code, number, label, name, name_en, domain) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (zone_code, number) DO UPDATE SET label = excluded.label, name = excluded.name,
                         name_en = excluded.name_en, domain = excluded.domain, retired = FALSE",
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
                             direction = excluded.direction, applies_while_rate_at_most = excluded.applies_while_rate_at_most, retired = FALSE",
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
                // those of a plan superseded are retired: the entries of its years refer to them
                let gone = if issue.is_some() { "UPDATE indicators SET retired = TRUE" } else { "DELETE FROM indicators" };
                for (c,) in stored_ind.into_iter().filter(|(c,)| !keep_ind.contains(c)) {
                    sqlx::query(sqlx::AssertSqlSafe(format!("{gone} WHERE zone_code = $1 AND code = $2"))).bind(z).bind(c).execute(&mut *tx).await?;
                }
                for (table, key, keep) in [
                    ("tasks", "number", plan.tasks.iter().map(|t| i(t.number)).collect::<Vec<_>>()),
                    ("projects", "number", plan.projects.iter().map(|p| i(p.number)).collect()),
                    ("categories", "number", plan.categories.iter().map(|c| i(c.number)).collect()),
                ] {
                    // the categories of a plan superseded are retired with its indicators
                    let gone = if issue.is_some() && table == "categories" { "UPDATE categories SET retired = TRUE" } else { "DELETE FROM {table}" };
                    let gone = gone.replace("{table}", table);
                    let stored: Vec<(i64,)> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {key} FROM {table} WHERE zone_code = $1"))).bind(z).fetch_all(&mut *tx).await?;
                    for (n,) in stored.into_iter().filter(|(n,)| !keep.contains(n)) {
                        sqlx::query(sqlx::AssertSqlSafe(format!("{gone} WHERE zone_code = $1 AND {key} = $2")))
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
                let action = match (outcome, issue) {
                    (_, Some(_)) => "plan.issued",
                    (LoadOutcome::Loaded, None) => "plan.loaded",
                    _ => "plan.updated",
                };
                let before = match (issue, stored) {
                    (Some((earlier, _)), Some((h,))) => format!("{{\"code\":{:?},\"content_hash\":{h:?}}}", earlier.code),
                    (_, stored) => stored.map(|(h,)| format!("{{\"content_hash\":{h:?}}}")).unwrap_or_default(),
                };
                // an issue records the earlier plan as archived too, so that verify finds it changed
                let archived = issue.map(|(earlier, _)| format!(",\"archived\":{:?}", plan_fingerprint(earlier))).unwrap_or_default();
                let after = format!("{{\"content_hash\":{:?},\"stored\":{:?}{archived}}}", plan.content_hash, plan_fingerprint(plan));
                trail::append_event!(tx, trail::event(z, actor, action, "plan", &plan.code, &before, &after, ""));
                tx.commit().await?;
                Ok(outcome)
            }
        }
    };
}

plan_impl!(SqliteStore, Backend::Sqlite, "./migrations/sqlite");
plan_impl!(PgStore, Backend::Postgres, "./migrations/postgres");
