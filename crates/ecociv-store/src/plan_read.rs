//! Reading a zone's stored plan back from its tables into a [`Plan`], for both databases, and
//! the decoding of stored codes and decimals (a value that does not decode is `Corrupt`).

use std::str::FromStr;

use chrono::NaiveDate;
use ecociv_core::audit::{Finding, FindingCode, Place, Severity};
use ecociv_core::model::*;
use ecociv_core::rule::Direction;
use rust_decimal::Decimal;

use crate::db::{PgStore, Result, SqliteStore, StoreError};

pub(crate) fn enum_from<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| StoreError::Corrupt(format!("{what} {s:?}")))
}

fn dec(what: &str, s: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|_| StoreError::Corrupt(format!("{what} {s:?} is not a decimal")))
}

fn u(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

type IndicatorRow = (String, Option<String>, String, String, String, String, i64, String, String, String, String, i64, Option<String>, Option<String>);
type ProjectRow =
    (i64, String, String, String, String, String, Option<i64>, Option<i64>, bool, Option<String>, Option<String>, Option<String>, Option<bool>, String);
type FindingRow = (String, String, String, String, String, String, String, String, String);

macro_rules! plan_read_impl {
    ($store:ident) => {
        impl $store {
            /// The plan of a zone, as stored (what `PlanStore::plan` returns).
            pub(crate) async fn read_plan(&self, zone: &str) -> Result<Option<Plan>> {
                let z = zone;
                let Some(zone_row): Option<(String, String, String, String, String, Option<String>, bool)> =
                    sqlx::query_as("SELECT code, name, name_en, level, kind, parent, example_data FROM zones WHERE code = $1").bind(z).fetch_optional(&self.pool).await?
                else {
                    return Ok(None);
                };
                #[allow(clippy::type_complexity)]
                let Some(p): Option<(String, String, String, String, NaiveDate, i64, i64, i64, NaiveDate, String, String, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT code, title, title_en, document_number, issued_on, start_year, end_year, base_year, review_date,
                     framework_code, framework_name, framework_document, content_hash, lineage FROM plans WHERE zone_code = $1",
                )
                .bind(z)
                .fetch_optional(&self.pool)
                .await?
                else {
                    return Ok(None);
                };
                let categories: Vec<(i64, String, String, String, String)> =
                    sqlx::query_as("SELECT number, label, name, name_en, domain FROM categories WHERE zone_code = $1 AND NOT retired ORDER BY number")
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
                     target_deadline, direction, applies_while_rate_at_most FROM indicators WHERE zone_code = $1 AND NOT retired ORDER BY position",
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

                let (code, title, title_en, document_number, issued_on, sy, ey, by, review_date, fc, fname, fdoc, content_hash, lineage) = p;
                let (zcode, zname, zname_en, level, kind, parent, example_data) = zone_row;
                Ok(Some(Plan {
                    zone: Zone {
                        code: zcode,
                        name: zname,
                        name_en: zname_en,
                        level: enum_from("zone level", &level)?,
                        kind: enum_from("zone kind", &kind)?,
                        parent,
                        example_data,
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
                    lineage: lineage
                        .map(|l| serde_json::from_str(&l).map_err(|e| StoreError::Corrupt(format!("plan lineage of zone {z}: {e}"))))
                        .transpose()?,
                    superseded_after: None,
                }))
            }
        }
    };
}

plan_read_impl!(SqliteStore);
plan_read_impl!(PgStore);
