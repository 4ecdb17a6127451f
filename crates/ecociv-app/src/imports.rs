//! Import: a filled template or a table (`.xlsx` or CSV) read by `ecociv_report::import`, every
//! row turned into the input of a form and run through the [`Ledger`] — the same rights and
//! checks as a form — and stored whole (one transaction, each write on the audit trail) or not
//! at all. The rows checked go to the store in parts while the rest are checked ([`Writer`]);
//! a problem in any row rolls back what was sent. A template's signature must match the
//! importing user's zone and org unit (the task force may import any unit's), and its period
//! holds for every row; a row changed in ecociv since the template was downloaded is a
//! conflict, never overwritten; a row that says what is already stored changes nothing, so
//! importing the same workbook twice is safe.
//!
//! The task force imports on behalf of the units (a template's unit, a table's `填报单位`
//! column, else a project's first implementer or an indicator's lead department), with the
//! rights that unit has; the trail names the task force member who imported.
//!
//! Entry points: the page `/import`, `POST /api/v1/imports` (the file as the body), and
//! `ecociv import FILE --as USER`. A refused import's marked workbook is kept for its user
//! ([`keep_marked`], [`marked`]).

use std::collections::HashMap;

use ecociv_core::Locale;
use ecociv_core::access::Actor;
use ecociv_core::entry::{FundingInput, ObservationInput, ProjectReportInput, TaskReportInput, YearMonth, read_year};
use ecociv_core::model::Plan;
use ecociv_report::import::{Filled, FilledRow, Problem};
use ecociv_report::sheet::TemplateKind;
use ecociv_store::{EntryWrite, Part, StoreError};
use serde_json::Value as Json;

use crate::App;
use crate::entries::{Ledger, plan_of};
use crate::error::AppError;
use ecociv_core::locale::Text;

/// What an import did, or why it stored nothing.
#[derive(Debug, Clone)]
pub struct ImportResult {
    /// Rows with something filled in.
    pub rows: usize,
    /// Entries stored (new, or returned ones sent again).
    pub stored: usize,
    /// Rows that say what is already stored.
    pub unchanged: usize,
    /// Every problem; when there is any, nothing was stored.
    pub problems: Vec<Problem>,
    /// The rows as read (for the marked workbook).
    pub filled: Option<Filled>,
}

impl ImportResult {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The workbook of a refused import, the bad cells marked and every problem listed. A template
/// comes back as a fresh template of the same unit and period (and the time it was first
/// downloaded) with the values as they were filled in, so that it keeps its drop-downs, checks
/// and locks, and the versions the unit saw; a table comes back as its rows.
pub async fn marked_workbook(st: &App, actor: &Actor, r: &ImportResult, l: Locale) -> Option<Vec<u8>> {
    let f = r.filled.as_ref()?;
    if let Some(sig) = &f.signature
        && let Ok(plan) = plan_of(st, actor).await
        && sig.zone == plan.zone.code
        && let Some(org) = plan.org_unit(&sig.org_unit)
    {
        use ecociv_report::template::{Marks, dispatch_template, observation_template, task_template};
        let marks = Marks { filled: f, problems: &r.problems };
        let z = &plan.zone.code;
        let bytes = match f.kind {
            TemplateKind::Observations => {
                let (year, settings, observations) = (
                    read_year(&sig.period)?,
                    crate::entries::settings_of(st, z).await.ok()?,
                    ecociv_core::lineage::observations_for(&plan, st.store.observations(z).await.ok()?),
                );
                observation_template(&plan, org, year, &settings.regional_indicators, &observations, &sig.made_at, l, Some(&marks))
            }
            TemplateKind::Dispatch | TemplateKind::Tasks => {
                let reports = ecociv_core::lineage::reports_for(&plan, st.store.dispatch_reports(z).await.ok()?);
                let make = if matches!(f.kind, TemplateKind::Dispatch) { dispatch_template } else { task_template };
                make(&plan, org, sig.period.parse().ok()?, &reports, &sig.made_at, l, Some(&marks))
            }
            // ecociv signs no list of rectification tasks: it comes back as its rows
            TemplateKind::Rectifications => ecociv_report::import::marked_workbook(f, &r.problems, l),
        };
        if let Ok(b) = bytes {
            return Some(b);
        }
    }
    ecociv_report::import::marked_workbook(f, &r.problems, l).ok()
}

fn refused(problems: Vec<Problem>, filled: Option<Filled>) -> ImportResult {
    ImportResult { rows: 0, stored: 0, unchanged: 0, problems, filled }
}

/// The actor a row acts as: the importing user, or for the task force the unit it imports
/// for. `Err` holds the problem's code and what is expected.
fn acting(plan: &Plan, actor: &Actor, unit: Option<&str>, fallback: Option<&str>) -> Result<Actor, (&'static str, Text)> {
    let named = unit.map(str::trim).filter(|u| !u.is_empty());
    if !actor.can_approve(plan) {
        return match named.map(|u| plan.org_unit(u).map(|o| o.name.as_str()).unwrap_or(u)) {
            Some(u) if u != actor.org_unit => Err(("wrong_org_unit", Text::new("import.expected.own_unit_rows").arg("unit", &actor.org_unit).arg("owner", u))),
            _ => Ok(actor.clone()),
        };
    }
    let name = named.or(fallback).unwrap_or_default();
    match plan.org_unit(name) {
        Some(o) => Ok(Actor { name: actor.name.clone(), zone: actor.zone.clone(), org_unit: o.name.clone(), role: o.kind.role(), parent: None }),
        None => Err(("unknown_org_unit", Text::new("import.expected.org_unit").arg("name", name))),
    }
}

/// The problems of a row that a form would have answered with `e`, each at the column it is
/// about (or the column a person would correct: the value for a conflict, the cumulative for a
/// missing over-budget explanation when the file has no explanation column). `who` says who
/// may enter the row, for a refusal of rights.
fn problems_of(f: &Filled, row: &FilledRow, subject_key: &str, e: AppError, who: &str) -> Vec<Problem> {
    let observations = f.kind == TemplateKind::Observations;
    let main_key = match f.kind {
        TemplateKind::Observations => "value",
        TemplateKind::Dispatch => "status",
        TemplateKind::Tasks => "progress",
        TemplateKind::Rectifications => "problem",
    };
    let present = |k: &'static str| Some(k).filter(|k| f.col(k).is_some());
    if !e.checks.is_empty() {
        return e
            .checks
            .iter()
            .map(|c| {
                // the field's own column (form fields and column keys share their names), else the one to correct
                let key = f.columns.iter().flatten().copied().find(|k| *k == c.field).or_else(|| match c.field.as_str() {
                    "explanation" if observations => present("value"),
                    "explanation" => present("investment_cumulative_wan").or(present("investment_month_wan")),
                    _ => None,
                });
                Problem::cell(f, row.row, key, c.code, c.text().clone())
            })
            .collect();
    }
    let detail = e.fields.iter().map(|(k, v)| format!(" ({k}: {v})")).collect::<String>();
    let error = Text::new("import.expected.error_with_fields").text("error", Text::new(format!("error.{}", e.code))).arg("fields", detail);
    let (key, expects) = match e.code {
        "forbidden" => (Some(subject_key), Text::new("import.expected.own_row").arg("who", who)),
        "unknown_project" | "unknown_task" => (Some(subject_key), error),
        _ => (present(main_key), error),
    };
    vec![Problem::cell(f, row.row, key, e.code, expects)]
}

/// Who may enter a row, said when it is refused for rights (named only then).
enum Owners {
    Named(String),
    /// The project's implementers.
    Project(u32),
}

impl Owners {
    fn named(&self, plan: &Plan) -> String {
        match self {
            Owners::Named(n) => n.clone(),
            Owners::Project(number) => plan.project(*number).map(|p| p.implementers.join("、")).unwrap_or_default(),
        }
    }
}

fn cell<'a>(row: &'a FilledRow, key: &str) -> &'a str {
    row.cells.get(key).map(String::as_str).unwrap_or("")
}

/// Imports a file as `actor`.
pub async fn import(st: &App, actor: &Actor, bytes: &[u8]) -> Result<ImportResult, AppError> {
    let f = match ecociv_report::import::read(bytes) {
        Ok(f) => f,
        Err(problems) => return Ok(refused(problems, None)),
    };
    let plan = plan_of(st, actor).await?;
    let mut problems = Vec::new();
    let file_problem = |code: &str, found: &str, expects: Text| Problem { sheet: f.sheet.clone(), ..Problem::file(code, found, expects) };
    // a template: for this zone, this unit (the task force may import any unit's), a valid period
    let mut period = None;
    if let Some(sig) = &f.signature {
        if sig.zone != plan.zone.code {
            problems.push(file_problem("wrong_zone", &sig.zone, Text::new("import.expected.zone_template").arg("zone", &plan.zone.code)));
        }
        if !actor.can_approve(&plan) && sig.org_unit != actor.org_unit {
            problems.push(file_problem("wrong_org_unit", &sig.org_unit, Text::new("import.expected.unit_template").arg("unit", &actor.org_unit)));
        }
        let valid = match f.kind {
            TemplateKind::Observations => read_year(&sig.period).is_some(),
            TemplateKind::Dispatch | TemplateKind::Tasks => sig.period.parse::<YearMonth>().is_ok(),
            TemplateKind::Rectifications => false,
        };
        if !valid {
            problems.push(file_problem("bad_period", &sig.period, Text::new("import.expected.template_period")));
        }
        period = Some(sig.period.clone());
    }
    if !problems.is_empty() {
        return Ok(refused(problems, Some(f)));
    }
    if f.kind == TemplateKind::Rectifications {
        return import_rectifications(st, actor, &plan, f).await;
    }
    let observations = f.kind == TemplateKind::Observations;
    let mut ledger = Ledger::load(st, actor, observations, !observations).await?;
    // the rows checked so far go to the store while the rest are checked
    let mut writer = Writer::new(st, &plan.zone.code, &actor.name);
    let (mut rows, mut unchanged) = (0, 0);
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    let mut seen_projects: HashMap<(u32, YearMonth), u32> = HashMap::new();
    let mut acting_as: HashMap<String, Actor> = HashMap::new();
    let unit_of_sig = f.signature.as_ref().map(|s| s.org_unit.clone());
    for row in &f.rows {
        let entry_keys: &[&str] = match f.kind {
            TemplateKind::Observations => &["value", "comment", "explanation"],
            TemplateKind::Dispatch => &[
                "status",
                "progress_percent",
                "investment_month_wan",
                "investment_cumulative_wan",
                "funding_fiscal",
                "funding_financial",
                "funding_social",
                "benefits",
                "problems",
                "explanation",
            ],
            TemplateKind::Tasks => &["progress", "problems"],
            // read by `import_rectifications` before this
            TemplateKind::Rectifications => &[],
        };
        // a template's rows left empty are not reported
        if entry_keys.iter().all(|k| cell(row, k).is_empty()) {
            continue;
        }
        rows += 1;
        let version = match cell(row, "version") {
            "" if f.signature.is_none() => None,
            v => match v.parse::<f64>().ok().filter(|x| x.fract() == 0.0 && *x >= 0.0) {
                Some(x) => Some(x as i64),
                None => {
                    problems.push(Problem::cell(&f, row.row, Some("version"), "bad_version", Text::new("import.expected.template_version")));
                    continue;
                }
            },
        };
        let unit = unit_of_sig.as_deref().or(row.cells.get("org_unit").map(String::as_str).filter(|u| !u.is_empty()));
        let (subject_key, owners, planned) = if observations {
            let year_text = period.clone().unwrap_or_else(|| cell(row, "year").to_string());
            let Some(year) = read_year(&year_text) else {
                problems.push(Problem::cell(&f, row.row, Some("year"), "bad_year", Text::new("import.expected.year")));
                continue;
            };
            let code = cell(row, "indicator").to_string();
            let region = cell(row, "region").to_string();
            let key = (code.clone(), region.clone(), year.to_string());
            if let Some(first) = seen.insert(key, row.row) {
                problems.push(Problem::cell(
                    &f,
                    row.row,
                    Some("indicator"),
                    "duplicate_row",
                    Text::new("import.expected.one_row_per_entry").arg("first", first),
                ));
                continue;
            }
            let fallback = plan.region(&region).map(|o| o.name.clone()).or_else(|| plan.indicator_of(&code).and_then(|i| i.lead_departments.first().cloned()));
            let who = match acting(&plan, actor, unit.or(Some(region.as_str()).filter(|r| !r.is_empty() && actor.can_approve(&plan))), fallback.as_deref()) {
                Ok(a) => a,
                Err((code, expects)) => {
                    problems.push(Problem::cell(&f, row.row, f.col("org_unit").map(|_| "org_unit"), code, expects));
                    continue;
                }
            };
            let input = ObservationInput {
                indicator: code,
                year,
                region: Some(region).filter(|r| !r.is_empty()),
                value: Json::String(cell(row, "value").into()),
                comment: cell(row, "comment").into(),
                explanation: Some(cell(row, "explanation").to_string()).filter(|e| !e.is_empty()),
            };
            let owners = match input.region.as_deref() {
                Some(r) => r.to_string(),
                None => {
                    plan.indicator_of(&input.indicator).map(|i| [i.lead_departments.clone(), i.data_providers.clone()].concat().join("、")).unwrap_or_default()
                }
            };
            ("indicator", Owners::Named(owners), ledger.observation(&who, &input, version))
        } else if f.kind == TemplateKind::Tasks {
            let month_text = period.clone().unwrap_or_else(|| cell(row, "period").to_string());
            let Some(month) = YearMonth::read(&month_text) else {
                problems.push(Problem::cell(&f, row.row, Some("period"), "bad_period", Text::new("import.expected.month")));
                continue;
            };
            let number = cell(row, "task").parse::<f64>().ok().filter(|n| n.fract() == 0.0 && *n >= 1.0).map(|n| n as u32);
            let Some(number) = number.filter(|n| plan.task(*n).is_some()) else {
                let expects = Text::new("import.expected.task_in_plan").arg("last", plan.tasks.iter().map(|t| t.number).max().unwrap_or(0));
                problems.push(Problem::cell(&f, row.row, Some("task"), "unknown_task", expects));
                continue;
            };
            // the task force names the unit it imports for in the org unit column (or by the template)
            let who = match acting(&plan, actor, unit, None) {
                Ok(a) => a,
                Err((code, expects)) => {
                    problems.push(Problem::cell(&f, row.row, f.col("org_unit").map(|_| "org_unit"), code, expects));
                    continue;
                }
            };
            if let Some(first) = seen.insert((number.to_string(), who.org_unit.clone(), month.to_string()), row.row) {
                let expects = Text::new("import.expected.one_row_per_project_month").arg("first", first);
                problems.push(Problem::cell(&f, row.row, Some("task"), "duplicate_row", expects));
                continue;
            }
            let input = TaskReportInput {
                period: month.to_string(),
                progress: cell(row, "progress").into(),
                quantities: Vec::new(),
                problems: cell(row, "problems").into(),
            };
            ("task", Owners::Named(who.org_unit.clone()), ledger.task_report(&who, number, &input, version))
        } else {
            let Some(month) = YearMonth::read(period.as_deref().unwrap_or_else(|| cell(row, "period"))) else {
                problems.push(Problem::cell(&f, row.row, Some("period"), "bad_period", Text::new("import.expected.month")));
                continue;
            };
            let Some(number) = cell(row, "project").parse::<f64>().ok().filter(|n| n.fract() == 0.0 && *n >= 1.0).map(|n| n as u32) else {
                problems.push(Problem::cell(&f, row.row, Some("project"), "unknown_project", Text::new("import.expected.project_number")));
                continue;
            };
            if plan.project(number).is_none() {
                let expects = Text::new("import.expected.project_in_plan").arg("last", plan.projects.iter().map(|p| p.number).max().unwrap_or(0));
                problems.push(Problem::cell(&f, row.row, Some("project"), "unknown_project", expects));
                continue;
            }
            if let Some(first) = seen_projects.insert((number, month), row.row) {
                let expects = Text::new("import.expected.one_row_per_project_month").arg("first", first);
                problems.push(Problem::cell(&f, row.row, Some("project"), "duplicate_row", expects));
                continue;
            }
            let fallback = plan.project(number).and_then(|p| p.implementers.first()).map(String::as_str);
            // the unit a row acts for, made once per unit (named as `acting` reads it)
            let unit = unit.map(str::trim).filter(|u| !u.is_empty());
            let name = unit.or(fallback).unwrap_or_default();
            if !acting_as.contains_key(name) {
                match acting(&plan, actor, unit, fallback) {
                    Ok(a) => acting_as.insert(name.to_string(), a),
                    Err((code, expects)) => {
                        problems.push(Problem::cell(&f, row.row, f.col("org_unit").map(|_| "org_unit"), code, expects));
                        continue;
                    }
                };
            }
            let who = &acting_as[name];
            let optional = |k: &str| Some(cell(row, k).to_string()).filter(|x| !x.is_empty());
            let input = ProjectReportInput {
                period: month.to_string(),
                status: cell(row, "status").into(),
                progress_percent: Json::String(cell(row, "progress_percent").into()),
                investment_month_wan: Json::String(cell(row, "investment_month_wan").into()),
                investment_cumulative_wan: optional("investment_cumulative_wan").map(Json::String),
                benefits: cell(row, "benefits").into(),
                problems: cell(row, "problems").into(),
                explanation: optional("explanation"),
                funding: Some(FundingInput {
                    funding_fiscal: optional("funding_fiscal").map(Json::String),
                    funding_financial: optional("funding_financial").map(Json::String),
                    funding_social: optional("funding_social").map(Json::String),
                }),
            };
            ("project", Owners::Project(number), ledger.project_report(who, number, &input, version))
        };
        match planned {
            Ok(Some(w)) if problems.is_empty() => writer.push(w).await,
            Ok(Some(_)) => {}
            Ok(None) => unchanged += 1,
            Err(e) => problems.extend(problems_of(&f, row, subject_key, e, &owners.named(&plan))),
        }
    }
    if rows == 0 && problems.is_empty() {
        problems.push(file_problem("nothing_filled", "", Text::new("import.expected.filled_row")));
    }
    if !problems.is_empty() {
        // what was sent is rolled back
        writer.abandon().await;
        return Ok(ImportResult { rows, stored: 0, unchanged, problems, filled: Some(f) });
    }
    let stored = match writer.finish().await {
        Ok(n) => n,
        // someone wrote meanwhile: nothing was stored, and importing again shows what changed
        Err(StoreError::Conflict(what)) => {
            let p = file_problem("conflict", &what, Text::new("import.expected.no_change_meanwhile"));
            return Ok(ImportResult { rows, stored: 0, unchanged, problems: vec![p], filled: Some(f) });
        }
        Err(e) => return Err(e.into()),
    };
    Ok(ImportResult { rows, stored, unchanged, problems, filled: Some(f) })
}

/// The writes of an import on their way to the store in parts ([`ecociv_store::EntryStore::write_entries_in_parts`]),
/// so that storing the rows checked so far goes on beside checking the rest: one transaction,
/// begun with the first part and committed by [`Writer::finish`]; [`Writer::abandon`] (a problem
/// found in a later row) rolls it back. On a runtime of several threads the two run at once.
struct Writer {
    store: std::sync::Arc<dyn ecociv_store::Store>,
    zone: String,
    actor: String,
    part: Vec<EntryWrite>,
    /// The parts' way to the store, and the store's side (how many it stored).
    sending: Option<(tokio::sync::mpsc::Sender<Part>, Storing)>,
}

type Storing = tokio::task::JoinHandle<ecociv_store::Result<Option<usize>>>;

/// How many writes go to the store in one part.
const PART: usize = 1000;

impl Writer {
    fn new(st: &App, zone: &str, actor: &str) -> Writer {
        Writer { store: st.store.clone(), zone: zone.into(), actor: actor.into(), part: Vec::with_capacity(PART), sending: None }
    }

    async fn push(&mut self, w: EntryWrite) {
        self.part.push(w);
        if self.part.len() >= PART {
            let part = std::mem::replace(&mut self.part, Vec::with_capacity(PART));
            self.send(Part::Writes(part)).await;
        }
    }

    /// Sends a part, starting the store's side with the first; a store that stopped (a
    /// conflict) takes no more, and says why at the end.
    async fn send(&mut self, part: Part) {
        let (to_store, _) = self.sending.get_or_insert_with(|| {
            let (to_store, parts) = tokio::sync::mpsc::channel(4);
            let (store, zone, actor) = (self.store.clone(), self.zone.clone(), self.actor.clone());
            (to_store, tokio::spawn(async move { store.write_entries_in_parts(&zone, &actor, parts).await }))
        });
        let _ = to_store.send(part).await;
    }

    /// Sends the rest and commits: how many writes were stored.
    async fn finish(mut self) -> Result<usize, StoreError> {
        let rest = std::mem::take(&mut self.part);
        if !rest.is_empty() {
            self.send(Part::Writes(rest)).await;
        }
        if self.sending.is_none() {
            return Ok(0);
        }
        self.send(Part::Done).await;
        let (to_store, stored) = self.sending.take().expect("started");
        drop(to_store);
        match stored.await {
            Ok(Ok(Some(n))) => Ok(n),
            Ok(Ok(None)) => Err(StoreError::Corrupt("the import's writes were not all taken".into())),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(StoreError::Corrupt(format!("the import's writer stopped: {e}"))),
        }
    }

    /// Rolls back what was sent, and waits until the store has.
    async fn abandon(mut self) {
        if let Some((to_store, stored)) = self.sending.take() {
            drop(to_store);
            let _ = stored.await;
        }
    }
}

/// The list of rectification tasks, by the task force: every row a task (a stored number
/// changed, any other entered), checked as the form checks one, stored all or none.
async fn import_rectifications(st: &App, actor: &Actor, plan: &Plan, f: Filled) -> Result<ImportResult, AppError> {
    if !actor.can_approve(plan) {
        let p = Problem { sheet: f.sheet.clone(), ..Problem::file("forbidden", &actor.org_unit, Text::new("import.expected.task_force_list")) };
        return Ok(refused(vec![p], Some(f)));
    }
    let keys = ecociv_report::sheet::column_keys(TemplateKind::Rectifications);
    let (mut inputs, mut at, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for row in f.rows.iter().filter(|r| keys.iter().any(|k| !cell(r, k).is_empty())) {
        let number = cell(row, "number").parse::<f64>().ok().filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX)).map(|n| n as u32);
        let Some(number) = number else {
            problems.push(Problem::cell(&f, row.row, Some("number"), "bad_number", Text::new("field.rectification.bad_number")));
            continue;
        };
        // a column the sheet does not have keeps what is stored
        let given = |k: &str| f.col(k).map(|_| cell(row, k).to_string());
        let version = match cell(row, "version") {
            "" => None,
            v => match v.parse::<f64>().ok().filter(|x| x.fract() == 0.0 && *x >= 0.0) {
                Some(x) => Some(x as i64),
                None => {
                    problems.push(Problem::cell(&f, row.row, Some("version"), "bad_version", Text::new("import.expected.template_version")));
                    continue;
                }
            },
        };
        inputs.push(ecociv_core::rectification::RectificationInput {
            number,
            source: given("source"),
            problem: cell(row, "problem").into(),
            owner: cell(row, "owner").into(),
            deadline: cell(row, "deadline").into(),
            measures: given("measures"),
            status: given("status"),
            version,
        });
        at.push(row.row);
    }
    let stored = st.store.rectifications(&plan.zone.code).await?;
    let writes = match crate::rectifications::writes(plan, &stored, &inputs, &actor.name, &st.stamp()) {
        Ok(w) => w,
        Err(found) => {
            for (i, e) in found {
                // a conflict on a row without the version column is about its number
                let key = if e.field == "version" && f.col("version").is_none() { "number" } else { e.field.as_str() };
                problems.push(Problem::cell(&f, at[i], Some(key).filter(|k| f.col(k).is_some()), e.code, e.text().clone()));
            }
            Vec::new()
        }
    };
    let rows = inputs.len();
    if rows == 0 && problems.is_empty() {
        problems.push(Problem { sheet: f.sheet.clone(), ..Problem::file("nothing_filled", "", Text::new("import.expected.filled_row")) });
    }
    if !problems.is_empty() {
        return Ok(ImportResult { rows, stored: 0, unchanged: 0, problems, filled: Some(f) });
    }
    let stored = match st.store.save_rectifications(&plan.zone.code, &writes, &actor.name).await {
        Ok(s) => s.len(),
        Err(StoreError::Conflict(what)) => {
            let p = Problem { sheet: f.sheet.clone(), ..Problem::file("conflict", &what, Text::new("import.expected.no_change_meanwhile")) };
            return Ok(ImportResult { rows, stored: 0, unchanged: 0, problems: vec![p], filled: Some(f) });
        }
        Err(e) => return Err(e.into()),
    };
    Ok(ImportResult { rows, stored, unchanged: rows - stored, problems: Vec::new(), filled: Some(f) })
}

/// How many marked workbooks are kept (the oldest goes first).
const KEPT_WORKBOOKS: usize = 32;

/// Keeps a refused import's marked workbook for its user, in the database (any instance hands
/// it out; the zone's latest [`KEPT_WORKBOOKS`]); returns the token to fetch it by. `None` when
/// there is none to keep, or it could not be kept (logged: the import's answer still says why it
/// was refused).
pub async fn keep_marked(st: &App, actor: &Actor, result: &ImportResult, l: Locale) -> Option<String> {
    let bytes = marked_workbook(st, actor, result, l).await?;
    let token = crate::accounts::random_token();
    match st.store.keep_marked(&actor.zone, &token, &actor.name, &bytes, &st.stamp(), KEPT_WORKBOOKS).await {
        Ok(()) => Some(token),
        Err(e) => {
            tracing::warn!("a marked workbook was not kept: {e}");
            None
        }
    }
}

/// A kept marked workbook, for the user who imported only.
pub async fn marked(st: &App, actor: &Actor, token: &str) -> Result<Option<Vec<u8>>, AppError> {
    Ok(st.store.marked(&actor.zone, token, &actor.name).await?)
}
