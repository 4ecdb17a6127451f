//! The one reckoning of monthly dispatch reports, which the to-do, the bulletin, the
//! dashboards, the assessment and the documents all read: which reports a month asks for (every
//! project whose period covers it, every task from each org unit that shares it, from the month
//! the plan was issued to the plan's last month), and how each came as of a day — on time, late,
//! missing once its due date has passed, or not yet due.
//!
//! A past month is judged as of its due date ([`judged_on`]): what came by then, on the entries
//! as they stood that day (see [`crate::history`]), so that nothing sent or decided afterwards
//! changes what its bulletin, its quarter or its year said.

use chrono::NaiveDate;

use crate::access::Actor;
use crate::entry::YearMonth;
use crate::model::Plan;
use crate::record::DispatchRecord;

/// How a due report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporting {
    OnTime,
    Late,
    /// Past the due date and not sent.
    Missing,
    /// Not sent, and the due date has not come: nobody is late yet.
    NotYetDue,
}

impl Reporting {
    pub fn key(self) -> &'static str {
        match self {
            Reporting::OnTime => "bulletin.on_time",
            Reporting::Late => "todo.late",
            Reporting::Missing => "bulletin.missing",
            Reporting::NotYetDue => "bulletin.not_yet_due",
        }
    }
}

/// A report a month asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// `project` or `task`.
    pub kind: &'static str,
    pub number: u32,
    /// Who sends it: for a task, the org unit; for a project, empty (any implementer sends its
    /// one report).
    pub reporter: String,
}

/// A report a month asks for, and how it stands.
#[derive(Debug, Clone)]
pub struct Due<'a> {
    pub asked: Asked,
    pub record: Option<&'a DispatchRecord>,
    pub reporting: Reporting,
}

/// The first and the last month whose reports the plan asks for: from the month it was issued
/// (before, nobody was asked) to the December of its last year.
pub fn months_asked(plan: &Plan) -> (YearMonth, YearMonth) {
    (YearMonth::of(plan.issued_on), YearMonth { year: plan.end_year, month: 12 })
}

/// The month whose dispatch report is due next (the month before today's).
pub fn report_month(today: NaiveDate) -> YearMonth {
    let m = YearMonth::of(today);
    if m.month == 1 { YearMonth { year: m.year - 1, month: 12 } } else { YearMonth { year: m.year, month: m.month - 1 } }
}

/// The month whose reports were due last on `today` (the month before), and after the plan's
/// end its last month: what the bulletin and the dashboards open on.
pub fn latest_month(plan: &Plan, today: NaiveDate) -> YearMonth {
    report_month(today).min(months_asked(plan).1)
}

/// Whether the plan asks for reports of `month` at all.
pub fn asks(plan: &Plan, month: YearMonth) -> bool {
    let (first, last) = months_asked(plan);
    (first..=last).contains(&month)
}

/// The org units that report a task monthly.
pub fn task_reporters<'a>(plan: &'a Plan, task: &crate::model::Task) -> Vec<&'a str> {
    plan.org_units
        .iter()
        .filter(|o| {
            let actor = Actor { name: String::new(), zone: plan.zone.code.clone(), org_unit: o.name.clone(), role: o.kind.role(), parent: None };
            actor.can_report_task(plan, task)
        })
        .map(|o| o.name.as_str())
        .collect()
}

/// The reports `month` asks for: its projects (those whose period covers its year), then its
/// tasks with each of their reporters.
pub fn asked(plan: &Plan, month: YearMonth) -> Vec<Asked> {
    if !asks(plan, month) {
        return Vec::new();
    }
    let projects = plan.projects.iter().filter(|p| p.period.overlaps(month.year, month.year)).map(|p| Asked {
        kind: "project",
        number: p.number,
        reporter: String::new(),
    });
    let tasks =
        plan.tasks.iter().flat_map(|t| task_reporters(plan, t).into_iter().map(move |u| Asked { kind: "task", number: t.number, reporter: u.to_string() }));
    projects.chain(tasks).collect()
}

/// Whether `actor` sends the report (a project's implementer, a task's reporter).
pub fn sends(plan: &Plan, actor: &Actor, a: &Asked) -> bool {
    match a.kind {
        "project" => plan.project(a.number).is_some_and(|p| actor.can_report_project(plan, p)),
        _ => a.reporter == actor.org_unit && plan.tasks.iter().any(|t| t.number == a.number && actor.can_report_task(plan, t)),
    }
}

/// Whether `org_unit` answers for the report: a project's implementers, a task's reporter.
pub fn answers(plan: &Plan, org_unit: &str, a: &Asked) -> bool {
    match a.kind {
        "project" => plan.project(a.number).is_some_and(|p| p.implementers.iter().any(|i| i == org_unit)),
        _ => a.reporter == org_unit,
    }
}

/// How a report stands on `day` against its due date: sent (late or not, as stored when it was
/// sent), or not sent — missing only once the due date has passed.
pub fn reporting(record: Option<&DispatchRecord>, day: NaiveDate, due: NaiveDate) -> Reporting {
    match record {
        Some(r) if r.late => Reporting::Late,
        Some(_) => Reporting::OnTime,
        None if day > due => Reporting::Missing,
        None => Reporting::NotYetDue,
    }
}

/// The day a month's reports are judged on, looked at on `today`: its due date once that has
/// passed (what came later does not change the month), else today.
pub fn judged_on(month: YearMonth, today: NaiveDate, due_day: u32) -> NaiveDate {
    today.min(month.dispatch_due(due_day))
}

/// Every report `month` asks for and how it stands on `today`, from `reports` as they stood on
/// the day the month is judged on ([`judged_on`]), the due date being `due_day` of the next
/// month. On the due date itself nothing is missing yet; the day after, what has not come is.
pub fn month<'a>(plan: &Plan, reports: &'a [DispatchRecord], month: YearMonth, today: NaiveDate, due_day: u32) -> Vec<Due<'a>> {
    let due = month.dispatch_due(due_day);
    // the month's reports by what they answer: a project's one report, a task's per unit
    let period = month.to_string();
    let mut of_month: std::collections::HashMap<(&str, i64, &str), &'a DispatchRecord> = std::collections::HashMap::new();
    for r in reports.iter().filter(|r| r.period == period) {
        of_month.insert((r.kind.as_str(), r.subject, if r.kind == "project" { "" } else { r.org_unit.as_str() }), r);
    }
    asked(plan, month)
        .into_iter()
        .map(|asked| {
            let record = of_month.get(&(asked.kind, i64::from(asked.number), asked.reporter.as_str())).copied();
            Due { reporting: reporting(record, today, due), record, asked }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OrgKind;

    fn plan() -> Plan {
        crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap()
    }

    #[test]
    fn a_month_asks_for_the_projects_of_its_year_and_every_tasks_reporters_within_the_plan() {
        let plan = plan();
        let m = |y, mo| YearMonth { year: y, month: mo };
        assert!(asked(&plan, m(plan.end_year + 1, 1)).is_empty(), "nothing after the plan");
        let before = YearMonth::of(plan.issued_on.with_day(1).unwrap().pred_opt().unwrap());
        assert!(asked(&plan, before).is_empty(), "nothing before the month the plan was issued");
        let first = asked(&plan, YearMonth::of(plan.issued_on));
        let projects = first.iter().filter(|a| a.kind == "project").count();
        let of_year = plan.projects.iter().filter(|p| p.period.overlaps(plan.issued_on.year(), plan.issued_on.year())).count();
        assert_eq!(projects, of_year);
        assert!(projects < plan.projects.len(), "some projects begin later: {projects} of {}", plan.projects.len());
        // every region shares every task; a department only those it leads or answers for
        let region = plan.org_units.iter().find(|o| o.kind == OrgKind::Region).unwrap();
        assert_eq!(first.iter().filter(|a| a.kind == "task" && a.reporter == region.name).count(), plan.tasks.len());
        let regions = plan.org_units.iter().filter(|o| o.kind == OrgKind::Region).count();
        assert!(first.iter().filter(|a| a.kind == "task").count() > regions * plan.tasks.len(), "departments report tasks too");
    }

    use chrono::Datelike;

    #[test]
    fn the_report_month_is_the_month_before() {
        assert_eq!(report_month(NaiveDate::from_ymd_opt(2024, 1, 3).unwrap()), YearMonth { year: 2023, month: 12 });
        assert_eq!(report_month(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()), YearMonth { year: 2024, month: 5 });
    }

    #[test]
    fn a_report_is_missing_from_the_day_after_its_due_date_and_a_past_month_is_judged_on_it() {
        let due = NaiveDate::from_ymd_opt(2024, 6, 5).unwrap();
        let may = YearMonth { year: 2024, month: 5 };
        assert_eq!(reporting(None, due, due), Reporting::NotYetDue);
        assert_eq!(reporting(None, due.succ_opt().unwrap(), due), Reporting::Missing);
        assert_eq!(judged_on(may, NaiveDate::from_ymd_opt(2024, 6, 3).unwrap(), 5), NaiveDate::from_ymd_opt(2024, 6, 3).unwrap());
        assert_eq!(judged_on(may, NaiveDate::from_ymd_opt(2024, 12, 3).unwrap(), 5), due);
    }
}
