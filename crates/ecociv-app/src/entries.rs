//! The data loop as the pages and the API both run it: submit an observation or a dispatch
//! report (rights, checks of `ecociv-core::entry`, duplicates, lateness), and the task force's
//! decisions (approve, return with a reason, unlock with a reason). Each step is one store
//! call that records itself in the audit trail.

use chrono::NaiveDate;
use ecociv_core::access::Actor;
use ecociv_core::entry::{
    self, ObservationInput, PreviousReport, ProjectReportInput, TaskReportInput, YearMonth, ZoneSettings, check_observation, check_project_report,
    check_task_report,
};
use ecociv_core::model::Plan;
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UpperTargetRecord};
use ecociv_core::value::Value;
use ecociv_store::EntryWrite;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa::ToSchema;

use crate::App;
use crate::error::AppError;

/// What the task force decides about an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
    Unlock,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "return" => Some(Decision::Return),
            "unlock" => Some(Decision::Unlock),
            _ => None,
        }
    }
    /// The state it applies to and the state it leads to.
    fn transition(self) -> (EntryState, EntryState) {
        match self {
            Decision::Approve => (EntryState::Submitted, EntryState::Approved),
            Decision::Return => (EntryState::Submitted, EntryState::Returned),
            Decision::Unlock => (EntryState::Approved, EntryState::Returned),
        }
    }
    fn action(self, entity: &str) -> String {
        let verb = match self {
            Decision::Approve => "approved",
            Decision::Return => "returned",
            Decision::Unlock => "unlocked",
        };
        format!("{entity}.{verb}")
    }
}

/// The plan of the actor's zone.
pub async fn plan_of(st: &App, actor: &Actor) -> Result<Arc<Plan>, AppError> {
    st.plan(Some(&actor.zone)).await
}

/// The zone's settings of the data loop: the task force's, else the defaults.
pub async fn settings_of(st: &App, zone: &str) -> Result<ZoneSettings, AppError> {
    let c = &st.changes;
    Ok(match c.known(&*st.store, &c.settings, zone, || st.store.zone_settings(zone)).await? {
        Some(s) => s.settings(&st.settings),
        None => st.settings.clone(),
    })
}

/// The periods of a zone: years opened after the plan, periods locked and unlocked by the task
/// force, and — once the plan has closed — the day it closed: then every period of the plan is
/// locked but those the task force reopened (unlocked, with a reason).
pub struct Periods {
    pub opened_years: Vec<i32>,
    pub locked: Vec<String>,
    /// The periods the task force reopened after the plan closed (an unlock from before the
    /// close does not reopen a period after it).
    pub unlocked: Vec<String>,
    /// The day the plan closed, when it has; and its last year.
    pub closed: Option<(NaiveDate, i32)>,
    /// For a plan that follows another: that plan's code and last year. Its periods are its own,
    /// and taken no more through the plan that follows.
    pub earlier: Option<(String, i32)>,
    /// The plan's last year: a year after it takes entries only once the task force opens it
    /// (they would be read by the codes of whatever plan comes next).
    pub end_year: i32,
}

impl Periods {
    /// Why an entry of `period` (`2025`, `2025-06`) cannot be made now, if it cannot: locked by
    /// the task force, or in a plan that has closed and not reopened for it.
    pub fn refusal(&self, period: &str) -> Option<AppError> {
        if self.locked.iter().any(|p| p == period) {
            return Some(AppError::conflict("period_locked").field("period", period));
        }
        let year_of = period.get(..4).and_then(|y| y.parse::<i32>().ok());
        if year_of.is_some_and(|y| y > self.end_year && !self.opened_years.contains(&y)) {
            return Some(AppError::conflict("after_plan").field("period", period).field("end_year", &self.end_year.to_string()));
        }
        if let Some((code, last)) = &self.earlier
            && period.get(..4).and_then(|y| y.parse::<i32>().ok()).is_some_and(|y| y <= *last)
        {
            return Some(AppError::conflict("earlier_plan_period").field("period", period).field("plan", code));
        }
        let (on, last_year) = self.closed?;
        let year: i32 = period.get(..4)?.parse().ok()?;
        let of_plan = year <= last_year && !self.opened_years.contains(&year);
        (of_plan && !self.unlocked.iter().any(|p| p == period))
            .then(|| AppError::conflict("plan_closed").field("period", period).field("closed_on", &on.to_string()))
    }
}

/// The periods of `plan`'s zone, with its `settings` (which say when the plan closes).
pub async fn periods_of(st: &App, plan: &Plan, settings: &ZoneSettings) -> Result<Periods, AppError> {
    let c = &st.changes;
    let all = c.known(&*st.store, &c.periods, &plan.zone.code, || st.store.periods(&plan.zone.code)).await?;
    let closes_on = settings.plan_closes_on(plan);
    let of_state = |state: &str| all.iter().filter(|p| p.state == state).map(|p| p.period.clone()).collect::<Vec<_>>();
    Ok(Periods {
        opened_years: all.iter().filter(|p| p.state == "open").filter_map(|p| p.period.parse().ok()).collect(),
        locked: of_state("locked"),
        unlocked: all
            .iter()
            .filter(|p| p.state == "unlocked" && ecociv_core::clock::beijing_day(&p.set_at).is_some_and(|on| on > closes_on))
            .map(|p| p.period.clone())
            .collect(),
        closed: (st.today() > closes_on).then_some((closes_on, plan.end_year)),
        earlier: plan.lineage.as_ref().map(|l| (l.previous.clone(), l.previous_end_year)),
        end_year: plan.end_year,
    })
}

/// What a new entry is checked against: the zone's plan, settings, periods and entries,
/// kept in memory and updated by every write it plans, so that the rows of one import see
/// each other as the store will. Forms plan one write, imports many; both go through the
/// same rights and checks here, and hand the writes to the store.
pub struct Ledger {
    pub plan: Arc<Plan>,
    settings: ZoneSettings,
    periods: Periods,
    today: NaiveDate,
    /// Now on the one clock, as the entries are stamped.
    now: String,
    /// Observations by (indicator, region), then year.
    series: HashMap<(String, String), BTreeMap<i64, ObservationRecord>>,
    /// Dispatch reports by (kind, subject, org unit — empty for projects, which have one
    /// report a month whichever implementer sends it), then period.
    reports: HashMap<(String, i64, String), BTreeMap<String, DispatchRecord>>,
    /// Senders of stored values who are not of the org unit of the one sending now (see
    /// [`Ledger::observation`]: a region corrects its own value that a department sent).
    other_units: std::collections::HashSet<String>,
}

/// The rows a form's write reads.
pub enum Rows<'a> {
    /// The series of one indicator and region (empty: the zone).
    Series { indicator: &'a str, region: &'a str },
    /// The reports of one project or task.
    Reports { kind: &'static str, number: u32 },
}

/// The key of a subject's reports in the ledger.
fn report_key(kind: &str, subject: i64, org_unit: &str) -> (String, i64, String) {
    (kind.to_string(), subject, if kind == "project" { String::new() } else { org_unit.to_string() })
}

impl Ledger {
    /// Loads what the zone holds: its observations and/or its dispatch reports.
    pub async fn load(st: &App, actor: &Actor, observations: bool, dispatch: bool) -> Result<Ledger, AppError> {
        let mut ledger = Ledger::empty(st, actor).await?;
        let z = ledger.plan.zone.code.clone();
        if observations {
            for o in ecociv_core::lineage::observations_for(&ledger.plan, st.store.observations(&z).await?) {
                ledger.series.entry((o.indicator.clone(), o.region.clone())).or_default().insert(o.year, o);
            }
        }
        if dispatch {
            for d in ecociv_core::lineage::reports_for(&ledger.plan, st.store.dispatch_reports(&z).await?) {
                ledger.reports.entry(report_key(&d.kind, d.subject, &d.org_unit)).or_default().insert(d.period.clone(), d);
            }
        }
        Ok(ledger)
    }

    /// The ledger with only the rows a form's write reads: the series of one indicator and
    /// region, or the reports of one project or task.
    pub async fn load_for(st: &App, actor: &Actor, rows: Rows<'_>) -> Result<Ledger, AppError> {
        let mut ledger = Ledger::empty(st, actor).await?;
        let z = ledger.plan.zone.code.clone();
        // a plan that follows another reads its history through what it continues: the rows
        // under each code or number the subject had, mapped (a zone's first plan: its own rows)
        let plan = ledger.plan.clone();
        match rows {
            Rows::Series { indicator, region } => {
                let region = ledger.region_name(Some(region)).unwrap_or_default();
                let mut stored = Vec::new();
                for code in ecociv_core::lineage::codes_of(&plan, indicator.trim()) {
                    stored.extend(st.store.observation_series(&z, &code, &region).await?);
                }
                let series =
                    ecociv_core::lineage::observations_for(&plan, stored).into_iter().filter(|o| o.indicator == indicator.trim() && o.region == region);
                for o in series {
                    ledger.series.entry((o.indicator.clone(), o.region.clone())).or_default().insert(o.year, o);
                }
            }
            Rows::Reports { kind, number } => {
                let mut stored = Vec::new();
                for n in ecociv_core::lineage::numbers_of(&plan, kind, number) {
                    stored.extend(st.store.subject_reports(&z, kind, i64::from(n)).await?);
                }
                let reports = ecociv_core::lineage::reports_for(&plan, stored).into_iter().filter(|d| d.kind == kind && d.subject == i64::from(number));
                for d in reports {
                    ledger.reports.entry(report_key(&d.kind, d.subject, &d.org_unit)).or_default().insert(d.period.clone(), d);
                }
            }
        }
        Ok(ledger)
    }

    /// A region as the plan names it (an alias or another spelling read as the org unit).
    fn region_name(&self, region: Option<&str>) -> Option<String> {
        let plan = &self.plan;
        region.map(str::trim).filter(|r| !r.is_empty()).map(|r| plan.org_unit(r).map(|o| o.name.clone()).unwrap_or_else(|| r.to_string()))
    }

    /// The zone's plan, settings and periods, and no entries yet.
    async fn empty(st: &App, actor: &Actor) -> Result<Ledger, AppError> {
        let plan = st.plan(Some(&actor.zone)).await?;
        let z = plan.zone.code.clone();
        let settings = settings_of(st, &z).await?;
        Ok(Ledger {
            periods: periods_of(st, &plan, &settings).await?,
            settings,
            today: st.today(),
            now: st.stamp(),
            series: HashMap::new(),
            reports: HashMap::new(),
            other_units: Default::default(),
            plan,
        })
    }

    /// The write an observation makes, `None` when the stored one already says the same;
    /// `version` is the one the sender saw (a template's), and a stored entry that moved
    /// since then and says otherwise is a conflict.
    pub fn observation(&mut self, actor: &Actor, input: &ObservationInput, version: Option<i64>) -> Result<Option<EntryWrite>, AppError> {
        let region = self.region_name(input.region.as_deref());
        let plan = &self.plan;
        // rights first: only departments and regions enter values, and only their own
        if !matches!(actor.role, ecociv_core::access::Role::Department | ecociv_core::access::Role::Region) {
            return Err(AppError::forbidden());
        }
        let code = input.indicator.trim();
        if (plan.leaf(code).is_some() || plan.indicator(code).is_some()) && !actor.can_enter_observation(plan, code, region.as_deref()) {
            return Err(AppError::forbidden());
        }
        // regional values only of the indicators the task force asks by region
        let known_region = region.as_deref().and_then(|r| plan.region(r)).is_some();
        if known_region && !self.settings.regional_indicators.iter().any(|c| c == code) {
            return Err(AppError::forbidden());
        }
        let series_key = (code.to_string(), region.clone().unwrap_or_default());
        let previous = self.series.get(&series_key).and_then(|s| s.range(..i64::from(input.year)).next_back()).and_then(|(_, o)| Value::parse(&o.value).ok());
        let checked = check_observation(plan, input, previous.as_ref(), self.today, &self.settings, &self.periods.opened_years).map_err(AppError::invalid)?;
        if let Some(e) = self.periods.refusal(&checked.year.to_string()) {
            return Err(e);
        }
        let key = (checked.indicator.clone(), checked.region.clone().unwrap_or_default());
        let record = ObservationRecord {
            id: 0,
            zone: plan.zone.code.clone(),
            indicator: checked.indicator.clone(),
            year: i64::from(checked.year),
            region: key.1.clone(),
            value: checked.value.display(),
            comment: checked.comment.clone(),
            explanation: checked.explanation.clone().unwrap_or_default(),
            state: EntryState::Submitted,
            late: self.today > self.settings.observation_due_in(plan, checked.year),
            submitted_by: actor.name.clone(),
            submitted_at: self.now.clone(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 0,
        };
        let existing = self.series.get(&key).and_then(|s| s.get(&record.year));
        let same = |e: &ObservationRecord| e.value == record.value && e.comment == record.comment && e.explanation == record.explanation;
        // a region answers for its own value: one that a department sent for it first (from its
        // monitoring, say) does not shut the region out; while it waits for a decision, the
        // region corrects it (on the trail as such), and the task force decides on the region's
        let region_corrects = actor.role == ecociv_core::access::Role::Region
            && !key.1.is_empty()
            && existing.is_some_and(|e| e.state == EntryState::Submitted && !same(e) && self.other_units.contains(&e.submitted_by));
        let kind = if region_corrects { WriteKind::Resend } else { write_kind(existing.map(|e| (e.state, e.version, same(e))), version)? };
        let write = match (kind, existing) {
            (WriteKind::Resend, Some(e)) if region_corrects => EntryWrite::Observation {
                before: Box::new(e.clone()),
                after: Box::new(record.clone()),
                action: "observation.corrected_by_region".into(),
                reason: String::new(),
            },
            (WriteKind::Nothing, _) => return Ok(None),
            (WriteKind::Resend, Some(e)) => EntryWrite::Observation {
                before: Box::new(e.clone()),
                after: Box::new(record.clone()),
                action: "observation.resubmitted".into(),
                reason: String::new(),
            },
            _ => EntryWrite::NewObservation(record.clone()),
        };
        let version = existing.map(|e| e.version + 1).unwrap_or(1);
        self.series.entry(key).or_default().insert(record.year, ObservationRecord { version, ..record });
        Ok(Some(write))
    }

    /// The reports of a subject.
    fn reports_of(&self, kind: &str, subject: u32, org_unit: &str) -> Option<&BTreeMap<String, DispatchRecord>> {
        self.reports.get(&report_key(kind, i64::from(subject), org_unit))
    }

    /// The write a project's monthly report makes (see [`Ledger::observation`]).
    pub fn project_report(&mut self, actor: &Actor, number: u32, input: &ProjectReportInput, version: Option<i64>) -> Result<Option<EntryWrite>, AppError> {
        let plan = &self.plan;
        let project = plan.project(number).ok_or_else(|| AppError::not_found("unknown_project").field("number", &number.to_string()))?;
        if !actor.can_report_project(plan, project) {
            return Err(AppError::forbidden());
        }
        let empty = BTreeMap::new();
        let all = self.reports_of("project", number, "").unwrap_or(&empty);
        let period: Option<YearMonth> = input.period.parse().ok();
        // the last report before this month, and no later one (a returned month is sent again in place)
        let previous = all.range(..period.map(|p| p.to_string()).unwrap_or_else(|| "~".into())).next_back().and_then(|(_, d)| {
            Some(PreviousReport { period: d.period.parse().ok()?, investment_cumulative_wan: d.investment_cumulative_wan.parse::<Decimal>().ok()? })
        });
        let checked = check_project_report(plan, project, input, previous.as_ref(), self.today).map_err(AppError::invalid)?;
        let month = checked.period.to_string();
        if let Some(e) = self.periods.refusal(&month) {
            return Err(e);
        }
        let existing = all.get(&month);
        if let Some(later) = all.range(format!("{month}~")..).next().map(|(_, d)| d).filter(|_| existing.is_none()) {
            return Err(AppError::invalid(vec![
                entry::FieldError::keyed("period", "not_after_last_report", "field.report.before_sent").arg("later", &later.period).arg("month", &month),
            ]));
        }
        let record = DispatchRecord {
            status: checked.status.code().into(),
            progress_percent: checked.progress_percent.normalize().to_string(),
            investment_month_wan: checked.investment_month_wan.normalize().to_string(),
            investment_cumulative_wan: checked.investment_cumulative_wan.normalize().to_string(),
            funding: checked.funding.map(|f| f.encode()).unwrap_or_default(),
            benefits: checked.benefits.clone(),
            problems: checked.problems.clone(),
            explanation: checked.explanation.clone().unwrap_or_default(),
            ..self.dispatch_record(actor, "project", number, checked.period)
        };
        let fields = |d: &DispatchRecord| {
            [&d.status, &d.progress_percent, &d.investment_month_wan, &d.investment_cumulative_wan, &d.funding, &d.benefits, &d.problems, &d.explanation]
                .map(|f| f.clone())
        };
        self.report_write(record, version, |stored, new| fields(stored) == fields(new))
    }

    /// The write a task's monthly report makes (see [`Ledger::observation`]).
    pub fn task_report(&mut self, actor: &Actor, number: u32, input: &TaskReportInput, version: Option<i64>) -> Result<Option<EntryWrite>, AppError> {
        let plan = &self.plan;
        let task = plan.task(number).ok_or_else(|| AppError::not_found("unknown_task").field("number", &number.to_string()))?;
        if !actor.can_report_task(plan, task) {
            return Err(AppError::forbidden());
        }
        // each org unit that shares a task reports it for itself
        let empty = BTreeMap::new();
        let all = self.reports_of("task", number, &actor.org_unit).unwrap_or(&empty);
        let period: Option<YearMonth> = input.period.parse().ok();
        let sent = period.and_then(|p| all.get(&p.to_string())).filter(|d| d.state != EntryState::Returned);
        // the same report again (a template imported twice) changes nothing
        let same = |d: &DispatchRecord| d.progress == input.progress.trim() && d.problems == input.problems.trim() && input.quantities.is_empty();
        match sent {
            Some(d) if same(d) => return Ok(None),
            Some(_) => return Err(AppError::conflict("already_reported")),
            None => {}
        }
        let last = all.keys().filter(|k| period.is_none_or(|p| **k < p.to_string())).filter_map(|k| k.parse::<YearMonth>().ok()).max();
        let checked = check_task_report(plan, task, input, last, self.today).map_err(AppError::invalid)?;
        if let Some(e) = self.periods.refusal(&checked.period.to_string()) {
            return Err(e);
        }
        let quantities =
            serde_json::to_string(&checked.quantities.iter().map(|(i, d)| (i, d.normalize().to_string())).collect::<Vec<_>>()).expect("serializable");
        let record = DispatchRecord {
            progress: checked.progress.clone(),
            quantities,
            problems: checked.problems.clone(),
            ..self.dispatch_record(actor, "task", number, checked.period)
        };
        self.report_write(record, version.filter(|v| *v > 0), |_, _| false)
    }

    /// The write a rectification task's monthly report makes (see [`Ledger::observation`]):
    /// by its owner, once a month, its percent never below the last one's.
    pub fn rectification_report(
        &mut self,
        actor: &Actor,
        r: &ecociv_core::rectification::Rectification,
        input: &ecociv_core::rectification::RectificationReportInput,
        version: Option<i64>,
    ) -> Result<Option<EntryWrite>, AppError> {
        use ecociv_core::rectification::{REPORT_KIND, check_report};
        if !actor.can_act_for(&self.plan, &r.owner) {
            return Err(AppError::forbidden());
        }
        // a completed task is reported no more
        if r.status == ecociv_core::rectification::Status::Completed {
            return Err(AppError::conflict("wrong_state").field("number", &r.number.to_string()));
        }
        let empty = BTreeMap::new();
        let all = self.reports_of(REPORT_KIND, r.number, &actor.org_unit).unwrap_or(&empty);
        let period: Option<YearMonth> = input.period.trim().parse().ok();
        let sent = period.and_then(|p| all.get(&p.to_string())).filter(|d| d.state != EntryState::Returned);
        let same = |d: &DispatchRecord| d.progress == input.progress.trim() && d.problems == input.problems.trim();
        match sent {
            Some(d) if same(d) => return Ok(None),
            Some(_) => return Err(AppError::conflict("already_reported")),
            None => {}
        }
        let last_percent = all
            .iter()
            .filter(|(k, d)| period.is_none_or(|p| **k < p.to_string()) && d.state != EntryState::Returned)
            .filter_map(|(_, d)| d.progress_percent.parse::<rust_decimal::Decimal>().ok())
            .max();
        let checked = check_report(&self.plan, input, last_percent, self.today).map_err(AppError::invalid)?;
        // a month filled in late cannot say more than a later month already did
        let next_percent = all
            .iter()
            .filter(|(k, d)| period.is_some_and(|p| **k > p.to_string()) && d.state != EntryState::Returned)
            .filter_map(|(_, d)| d.progress_percent.parse::<rust_decimal::Decimal>().ok())
            .min();
        if let (Some(p), Some(next)) = (checked.progress_percent, next_percent)
            && p > next
        {
            let e =
                entry::FieldError::keyed("progress_percent", "progress_above_later", "field.rectification.progress_above_later").arg("next", &next.normalize());
            return Err(AppError::invalid(vec![e]));
        }
        if let Some(e) = self.periods.refusal(&checked.period.to_string()) {
            return Err(e);
        }
        let record = DispatchRecord {
            progress: checked.progress,
            progress_percent: checked.progress_percent.map(|p| p.to_string()).unwrap_or_default(),
            problems: checked.problems,
            ..self.dispatch_record(actor, REPORT_KIND, r.number, checked.period)
        };
        self.report_write(record, version.filter(|v| *v > 0), |_, _| false)
    }

    fn dispatch_record(&self, actor: &Actor, kind: &str, subject: u32, period: YearMonth) -> DispatchRecord {
        DispatchRecord {
            id: 0,
            zone: self.plan.zone.code.clone(),
            kind: kind.into(),
            subject: i64::from(subject),
            org_unit: actor.org_unit.clone(),
            period: period.to_string(),
            status: String::new(),
            progress_percent: String::new(),
            investment_month_wan: String::new(),
            investment_cumulative_wan: String::new(),
            funding: String::new(),
            progress: String::new(),
            quantities: "[]".into(),
            benefits: String::new(),
            problems: String::new(),
            explanation: String::new(),
            state: EntryState::Submitted,
            late: self.today > period.dispatch_due(self.settings.dispatch_due_day),
            submitted_by: actor.name.clone(),
            submitted_at: self.now.clone(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 0,
        }
    }

    /// A new report, a returned one sent again, nothing (the same as stored), or a conflict.
    fn report_write(
        &mut self,
        record: DispatchRecord,
        version: Option<i64>,
        same: impl Fn(&DispatchRecord, &DispatchRecord) -> bool,
    ) -> Result<Option<EntryWrite>, AppError> {
        let key = report_key(&record.kind, record.subject, &record.org_unit);
        let existing = self.reports.get(&key).and_then(|r| r.get(&record.period));
        let write = match (write_kind(existing.map(|e| (e.state, e.version, same(e, &record))), version)?, existing) {
            (WriteKind::Nothing, _) => return Ok(None),
            (WriteKind::Resend, Some(e)) => EntryWrite::Dispatch {
                before: Box::new(e.clone()),
                after: Box::new(record.clone()),
                action: "dispatch_report.resubmitted".into(),
                reason: String::new(),
            },
            _ => EntryWrite::NewDispatch(record.clone()),
        };
        let version = existing.map(|e| e.version + 1).unwrap_or(1);
        self.reports.entry(key).or_default().insert(record.period.clone(), DispatchRecord { version, ..record });
        Ok(Some(write))
    }
}

/// What an entry does to the stored one.
enum WriteKind {
    /// It says what is stored.
    Nothing,
    New,
    /// A returned entry sent again.
    Resend,
}

/// Judges an entry against the stored one — its state, version and whether it says the same
/// — and the version the sender saw: a stored entry that moved since is a conflict, as is a
/// second report of an entry that was not returned.
fn write_kind(stored: Option<(EntryState, i64, bool)>, seen: Option<i64>) -> Result<WriteKind, AppError> {
    match stored {
        Some((state, _, true)) if state != EntryState::Returned => Ok(WriteKind::Nothing),
        Some((_, v, _)) if seen.is_some_and(|s| s != v) => Err(changed_since(v, seen)),
        None if seen.is_some_and(|s| s != 0) => Err(changed_since(0, seen)),
        None => Ok(WriteKind::New),
        Some((EntryState::Returned, _, _)) => Ok(WriteKind::Resend),
        Some(_) => Err(AppError::conflict("already_reported")),
    }
}

/// A stored entry that moved since the sender saw it.
fn changed_since(stored: i64, seen: Option<i64>) -> AppError {
    AppError::conflict("changed_since_download").field("version", &format!("{} → {stored}", seen.unwrap_or_default()))
}

/// Stores one planned write, as a form does; `None` (the same as stored) is a second report.
async fn store_one(st: &App, actor: &Actor, write: Option<EntryWrite>) -> Result<Stored, AppError> {
    let s = &st.store;
    Ok(match write.ok_or_else(|| AppError::conflict("already_reported"))? {
        EntryWrite::NewObservation(o) => Stored::Observation(s.insert_observation(&o, &actor.name).await?),
        EntryWrite::Observation { before, after, action, reason } => {
            Stored::Observation(s.update_observation(&before, &after, &action, &actor.name, &reason).await?)
        }
        EntryWrite::NewDispatch(d) => Stored::Dispatch(s.insert_dispatch(&d, &actor.name).await?),
        EntryWrite::Dispatch { before, after, action, reason } => Stored::Dispatch(s.update_dispatch(&before, &after, &action, &actor.name, &reason).await?),
    })
}

enum Stored {
    Observation(ObservationRecord),
    Dispatch(DispatchRecord),
}

impl Stored {
    fn dispatch(self) -> DispatchRecord {
        match self {
            Stored::Dispatch(d) => d,
            Stored::Observation(_) => unreachable!("a report plans a report"),
        }
    }
}

/// Submits an observation, or sends a returned one again (or, for a region, its own value that
/// another unit sent first: see [`Ledger::observation`]).
pub async fn submit_observation(st: &App, actor: &Actor, input: &ObservationInput) -> Result<ObservationRecord, AppError> {
    let rows = Rows::Series { indicator: &input.indicator, region: input.region.as_deref().unwrap_or_default() };
    let mut ledger = Ledger::load_for(st, actor, rows).await?;
    if actor.role == ecociv_core::access::Role::Region {
        // who sent the values of this series, when not of the region
        let senders: std::collections::BTreeSet<String> = ledger.series.values().flat_map(|s| s.values().map(|o| o.submitted_by.clone())).collect();
        for name in senders {
            if st.store.user(&name).await?.is_none_or(|u| u.org_unit != actor.org_unit) {
                ledger.other_units.insert(name);
            }
        }
    }
    let write = ledger.observation(actor, input, None)?;
    match store_one(st, actor, write).await? {
        Stored::Observation(o) => Ok(o),
        Stored::Dispatch(_) => unreachable!("an observation plans an observation"),
    }
}

/// Submits a project's monthly report.
pub async fn submit_project_report(st: &App, actor: &Actor, number: u32, input: &ProjectReportInput) -> Result<DispatchRecord, AppError> {
    let write = Ledger::load_for(st, actor, Rows::Reports { kind: "project", number }).await?.project_report(actor, number, input, None)?;
    Ok(store_one(st, actor, write).await?.dispatch())
}

/// Submits a yearly value that a survey gives, with the survey's summary as its comment and
/// its report as evidence. The file is checked before anything is stored; the value and the
/// evidence each go on the trail as a form and an upload would.
pub async fn submit_survey(
    st: &App,
    actor: &Actor,
    input: &ObservationInput,
    survey: &entry::Survey,
    file_name: &str,
    bytes: &[u8],
) -> Result<(ObservationRecord, ecociv_core::record::EvidenceRecord), AppError> {
    ecociv_core::evidence::check_upload(file_name, bytes, st.max_upload_bytes).map_err(|e| AppError::invalid(vec![e]))?;
    let input = ObservationInput { comment: survey.comment(), ..input.clone() };
    let o = submit_observation(st, actor, &input).await?;
    let e = attach(st, actor, "observation", o.id, file_name, bytes).await?;
    Ok((o, e))
}

/// Submits a task's monthly report.
pub async fn submit_task_report(st: &App, actor: &Actor, number: u32, input: &TaskReportInput) -> Result<DispatchRecord, AppError> {
    let write = Ledger::load_for(st, actor, Rows::Reports { kind: "task", number }).await?.task_report(actor, number, input, None)?;
    Ok(store_one(st, actor, write).await?.dispatch())
}

/// The state after a decision, or why it cannot be taken.
fn decided(current: EntryState, d: Decision, reason: &str) -> Result<EntryState, AppError> {
    let (from, to) = d.transition();
    if current != from {
        return Err(AppError::conflict("wrong_state"));
    }
    if d != Decision::Approve && reason.trim().is_empty() {
        return Err(AppError::invalid(vec![entry::FieldError::keyed("reason", "reason_required", "field.reason_required")]));
    }
    Ok(to)
}

/// The owner of a rectification task sends its month's progress, or sends a returned one again.
pub async fn submit_rectification_report(
    st: &App,
    actor: &Actor,
    number: u32,
    input: &ecociv_core::rectification::RectificationReportInput,
) -> Result<DispatchRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    let r = st
        .store
        .rectifications(&plan.zone.code)
        .await?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or_else(|| AppError::not_found("unknown_rectification").field("number", &number.to_string()))?;
    let rows = Rows::Reports { kind: ecociv_core::rectification::REPORT_KIND, number };
    let write = Ledger::load_for(st, actor, rows).await?.rectification_report(actor, &r, input, None)?;
    Ok(store_one(st, actor, write).await?.dispatch())
}

/// Whether `actor` may take decision `d` on an entry: the zone's task force any; the task force
/// of the zone above, where this zone allows it to decide, approves and returns but never
/// unlocks (an unlock reopens the zone's own period).
fn may_decide(actor: &Actor, plan: &Plan, d: Decision) -> bool {
    actor.can_approve(plan) || (actor.can_decide(plan) && d != Decision::Unlock)
}

/// An entry of a year of the plans before this one is theirs, decided no more through it.
fn of_earlier_plan(plan: &Plan, year: i64, period: &str) -> Option<AppError> {
    let l = plan.lineage.as_ref()?;
    (year <= i64::from(l.previous_end_year)).then(|| AppError::conflict("earlier_plan_period").field("period", period).field("plan", &l.previous))
}

/// The task force approves, returns or unlocks an observation.
pub async fn decide_observation(st: &App, actor: &Actor, id: i64, d: Decision, reason: &str) -> Result<ObservationRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    if !may_decide(actor, &plan, d) {
        return Err(AppError::forbidden());
    }
    let o = st.store.observation(&plan.zone.code, id).await?.ok_or_else(|| AppError::not_found("unknown_entry").field("id", &id.to_string()))?;
    if let Some(e) = of_earlier_plan(&plan, o.year, &o.year.to_string()) {
        return Err(e);
    }
    let to = decided(o.state, d, reason)?;
    let who = actor.signature();
    let after = ObservationRecord { state: to, decided_by: who.clone(), decided_at: st.stamp(), reason: reason.trim().to_string(), ..o.clone() };
    Ok(st.store.update_observation(&o, &after, &d.action("observation"), &who, reason.trim()).await?)
}

/// The task force approves, returns or unlocks a dispatch report.
pub async fn decide_dispatch(st: &App, actor: &Actor, id: i64, d: Decision, reason: &str) -> Result<DispatchRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    if !may_decide(actor, &plan, d) {
        return Err(AppError::forbidden());
    }
    let r = st.store.dispatch(&plan.zone.code, id).await?.ok_or_else(|| AppError::not_found("unknown_entry").field("id", &id.to_string()))?;
    let year = r.period.get(..4).and_then(|y| y.parse().ok()).unwrap_or(i64::MAX);
    if let Some(e) = of_earlier_plan(&plan, year, &r.period).filter(|_| r.kind != "rectification") {
        return Err(e);
    }
    let to = decided(r.state, d, reason)?;
    let who = actor.signature();
    let after = DispatchRecord { state: to, decided_by: who.clone(), decided_at: st.stamp(), reason: reason.trim().to_string(), ..r.clone() };
    Ok(st.store.update_dispatch(&r, &after, &d.action("dispatch_report"), &who, reason.trim()).await?)
}

/// An assigned target as sent in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpperTargetInput {
    pub indicator: String,
    pub year: i32,
    #[schema(value_type = String)]
    pub value: serde_json::Value,
}

/// The task force enters the target assigned from above for a year (16, 18).
pub async fn set_upper_target(st: &App, actor: &Actor, input: &UpperTargetInput) -> Result<UpperTargetRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let Some(leaf) = plan.leaf(&input.indicator) else {
        return Err(AppError::invalid(vec![
            entry::FieldError::keyed("indicator", "unknown_indicator", "field.unknown_indicator").arg("indicator", &input.indicator),
        ]));
    };
    if !leaf.target.parse_rule().map(|r| r.needs_upper_target()).unwrap_or(false) {
        return Err(AppError::invalid(vec![
            entry::FieldError::keyed("indicator", "not_assigned", "field.upper_target.not_assigned").arg("indicator", &leaf.code),
        ]));
    }
    let mut errs = Vec::new();
    if !(plan.base_year..=plan.end_year).contains(&input.year) {
        errs.push(entry::FieldError::keyed("year", "year_not_open", "field.upper_target.year_not_in_plan").arg("year", &input.year));
    }
    let text = entry::json_text(&input.value).unwrap_or_default();
    let (min, max) = entry::admissible_range(leaf.unit, leaf.code);
    let shown_max = max.map(|m| m.to_string()).unwrap_or_else(|| "∞".into());
    let value = ecociv_core::value::parse_number(&text).filter(|v| min.is_none_or(|m| *v >= m) && max.is_none_or(|m| *v <= m));
    if value.is_none() {
        errs.push(
            entry::FieldError::keyed("value", "out_of_range", "field.upper_target.out_of_range")
                .arg("min", &min.unwrap_or_default())
                .arg("unit", &leaf.unit)
                .arg("text", &text)
                .arg("max", &shown_max),
        );
    }
    if let Some(e) = periods_of(st, &plan, &settings_of(st, &plan.zone.code).await?).await?.refusal(&input.year.to_string()) {
        return Err(e);
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let rec = UpperTargetRecord {
        zone: plan.zone.code.clone(),
        indicator: leaf.code.to_string(),
        year: i64::from(input.year),
        value: value.expect("checked").normalize().to_string(),
        set_by: actor.name.clone(),
        set_at: st.stamp(),
    };
    st.store.set_upper_target(&rec, &actor.name).await?;
    Ok(rec)
}

/// The task force's settings as sent in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SettingsInput {
    pub dispatch_due_day: u32,
    /// `MM-DD` of the year after.
    pub observation_due: String,
    #[schema(value_type = String)]
    pub jump_bound: serde_json::Value,
    #[serde(default)]
    pub regional_indicators: Vec<String>,
    /// What the task force of the zone above may do here: `read_entries`, `decide`; left out,
    /// as stored.
    #[serde(default)]
    pub parent_rights: Option<Vec<String>>,
}

/// The task force sets the zone's due dates, jump bound and indicators asked by region, and
/// what the zone above may do in it.
pub async fn set_settings(st: &App, actor: &Actor, input: &SettingsInput) -> Result<ecociv_core::record::ZoneSettingsRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let due: Option<(u32, u32)> = input.observation_due.split_once('-').and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)));
    let bound = ecociv_core::value::parse_number(&entry::json_text(&input.jump_bound).unwrap_or_default());
    let mut errs = Vec::new();
    if due.is_none() {
        errs.push(entry::FieldError::keyed("observation_due", "bad_date", "field.controls.observation_due"));
    }
    if bound.is_none() {
        errs.push(entry::FieldError::keyed("jump_bound", "not_a_number", "field.controls.jump_bound_number"));
    }
    let settings = ZoneSettings {
        dispatch_due_day: input.dispatch_due_day,
        observation_due: due.unwrap_or((3, 31)),
        jump_bound: bound.unwrap_or(Decimal::ONE),
        regional_indicators: input.regional_indicators.iter().map(|c| c.trim().to_string()).collect(),
        parent_rights: Vec::new(),
    };
    let parent_rights = match &input.parent_rights {
        Some(list) => {
            let mut rights = Vec::new();
            for r in list {
                match ecociv_core::access::ParentRight::parse(r) {
                    Some(p) if !rights.contains(&p.code().to_string()) => rights.push(p.code().to_string()),
                    Some(_) => {}
                    None => errs.push(
                        entry::FieldError::keyed("parent_rights", "unknown_right", "field.controls.parent_right")
                            .arg("right", r)
                            .list("valid", &ecociv_core::access::ParentRight::ALL.map(|p| p.code())),
                    ),
                }
            }
            rights
        }
        None => st.store.zone_settings(&plan.zone.code).await?.map(|s| s.parent_rights).unwrap_or_default(),
    };
    if let Err(e) = settings.check(&plan) {
        errs.extend(e);
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let rec = ecociv_core::record::ZoneSettingsRecord {
        zone: plan.zone.code.clone(),
        dispatch_due_day: i64::from(settings.dispatch_due_day),
        observation_due: format!("{:02}-{:02}", settings.observation_due.0, settings.observation_due.1),
        jump_bound: settings.jump_bound.normalize().to_string(),
        regional_indicators: settings.regional_indicators,
        parent_rights,
        updated_by: actor.name.clone(),
        updated_at: st.stamp(),
    };
    st.store.set_zone_settings(&rec, &actor.name).await?;
    Ok(rec)
}

/// What the task force does to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodAction {
    Lock,
    Unlock,
    /// Opens a year after the plan's end for entry.
    Open,
}

/// The task force locks or unlocks a year or month, or opens a year after the plan.
pub async fn set_period(st: &App, actor: &Actor, period: &str, action: PeriodAction, reason: &str) -> Result<ecociv_core::record::PeriodRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let raw = period.trim();
    let year: Option<i32> = raw.parse().ok().filter(|y: &i32| raw.len() == 4 && (plan.base_year..=plan.end_year + 10).contains(y));
    let month: Option<YearMonth> = raw.parse().ok().filter(|m: &YearMonth| raw.len() == 7 && m.year >= plan.start_year && *m <= YearMonth::of(st.today()));
    let canonical = year.map(|y| y.to_string()).or(month.map(|m| m.to_string())).unwrap_or_else(|| raw.to_string());
    let p = canonical.as_str();
    let mut errs = Vec::new();
    match action {
        PeriodAction::Open if year.is_none_or(|y| y <= plan.end_year) => {
            errs.push(entry::FieldError::keyed("period", "not_after_plan", "field.period.not_after_plan").arg("end_year", &plan.end_year))
        }
        _ if year.is_none() && month.is_none() => errs.push(entry::FieldError::keyed("period", "bad_period", "field.period.bad_period").arg("period", &p)),
        PeriodAction::Unlock if reason.trim().is_empty() => errs.push(entry::FieldError::keyed("reason", "reason_required", "field.reason_required")),
        _ => {}
    }
    if !errs.is_empty() {
        return Err(AppError::invalid(errs));
    }
    let state = match action {
        PeriodAction::Lock => "locked",
        PeriodAction::Unlock => "unlocked",
        PeriodAction::Open => "open",
    };
    let rec = ecociv_core::record::PeriodRecord {
        zone: plan.zone.code.clone(),
        period: p.to_string(),
        state: state.into(),
        set_by: actor.name.clone(),
        set_at: st.stamp(),
    };
    st.store.set_period(&rec, &actor.name, reason.trim()).await?;
    Ok(rec)
}

/// Attaches an evidence file (or a photo) to an entry: by those who may enter it, while it is
/// not approved; to a supervision order, by the unit ordered while it is not closed; to a
/// rectification task, by its owner or the task force while it is not completed.
pub async fn attach(st: &App, actor: &Actor, entity: &str, id: i64, name: &str, bytes: &[u8]) -> Result<ecociv_core::record::EvidenceRecord, AppError> {
    let plan = plan_of(st, actor).await?;
    let (state, period) = match entity {
        "supervision_order" => {
            let o = st.store.order(&plan.zone.code, id).await?.ok_or_else(|| AppError::not_found("unknown_order").field("id", &id.to_string()))?;
            if !actor.can_act_for(&plan, &o.org_unit) {
                return Err(AppError::forbidden());
            }
            // evidence goes with an answer: while the unit owes one (not while the task force
            // reviews it, nor once the order is closed or withdrawn)
            let state = if o.state.awaits_answer() { EntryState::Submitted } else { EntryState::Approved };
            (state, String::new())
        }
        "rectification" => {
            let r = st.store.rectifications(&plan.zone.code).await?.into_iter().find(|r| r.id == id);
            let r = r.ok_or_else(|| AppError::not_found("unknown_rectification").field("id", &id.to_string()))?;
            // its owner, or the task force, while it is not completed
            if !(actor.can_act_for(&plan, &r.owner) || actor.can_approve(&plan)) {
                return Err(AppError::forbidden());
            }
            let state = if r.status == ecociv_core::rectification::Status::Completed { EntryState::Approved } else { EntryState::Submitted };
            (state, String::new())
        }
        "observation" => {
            let o = st.store.observation(&plan.zone.code, id).await?.ok_or_else(|| AppError::not_found("unknown_entry").field("id", &id.to_string()))?;
            if !actor.can_enter_observation(&plan, &o.indicator, Some(o.region.as_str()).filter(|r| !r.is_empty())) {
                return Err(AppError::forbidden());
            }
            (o.state, o.year.to_string())
        }
        _ => {
            let r = st.store.dispatch(&plan.zone.code, id).await?.ok_or_else(|| AppError::not_found("unknown_entry").field("id", &id.to_string()))?;
            // the unit that sent the report, in a role that may send it (not a viewer of that unit)
            let may_report = match r.kind.as_str() {
                "project" => plan.project(r.subject as u32).is_some_and(|p| actor.can_report_project(&plan, p)),
                ecociv_core::rectification::REPORT_KIND => actor.can_act_for(&plan, &r.org_unit),
                _ => plan.task(r.subject as u32).is_some_and(|t| actor.can_report_task(&plan, t)),
            };
            if r.org_unit != actor.org_unit || !may_report {
                return Err(AppError::forbidden());
            }
            (r.state, r.period)
        }
    };
    if let Some(e) = periods_of(st, &plan, &settings_of(st, &plan.zone.code).await?).await?.refusal(&period) {
        return Err(e);
    }
    if state == EntryState::Approved {
        return Err(AppError::conflict("wrong_state"));
    }
    let accepted = ecociv_core::evidence::check_upload(name, bytes, st.max_upload_bytes).map_err(|e| AppError::invalid(vec![e]))?;
    let rec = ecociv_core::record::EvidenceRecord {
        id: 0,
        zone: plan.zone.code.clone(),
        entity: entity.into(),
        entity_id: id,
        hash: String::new(),
        file_name: accepted.file_name,
        media_type: accepted.media_type.into(),
        size: 0,
        uploaded_by: actor.name.clone(),
        uploaded_at: st.stamp(),
    };
    Ok(st.store.add_evidence(&rec, bytes, &actor.name).await?)
}

/// Whether an actor may see an observation: the task force, admins and viewers all; the others
/// those they may enter.
pub fn may_see_observation(actor: &Actor, plan: &Plan, o: &ObservationRecord) -> bool {
    match actor.role {
        ecociv_core::access::Role::Admin | ecociv_core::access::Role::TaskForce | ecociv_core::access::Role::Viewer => true,
        _ => actor.can_enter_observation(plan, &o.indicator, Some(o.region.as_str()).filter(|r| !r.is_empty())),
    }
}

/// Whether an actor may see a dispatch report: the task force, admins and viewers all; the
/// others the reports of the projects they may view, every rectification task's, and their own
/// task reports.
pub fn may_see_dispatch(actor: &Actor, plan: &Plan, d: &DispatchRecord) -> bool {
    match (actor.role, d.kind.as_str()) {
        (ecociv_core::access::Role::Admin | ecociv_core::access::Role::TaskForce | ecociv_core::access::Role::Viewer, _) => true,
        (_, "project") => plan.project(d.subject as u32).is_some_and(|p| actor.can_view_project(plan, p)),
        // the rectification tasks and their progress are read by every user of the zone
        (_, ecociv_core::rectification::REPORT_KIND) => actor.zone == plan.zone.code,
        _ => d.org_unit == actor.org_unit,
    }
}
