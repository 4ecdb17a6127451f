//! What a user has to do (the to-do list of `/entry`), decided from the plan, the rights of the
//! actor and the zone's entries: the yearly values the user enters and the month's dispatch
//! reports, each due, overdue or sent; the entries returned to them; and for the task force
//! what waits for a decision and which projects have reported the month.

use chrono::{Datelike, NaiveDate};

use crate::access::Actor;
use crate::entry::{YearMonth, ZoneSettings};
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState, ObservationRecord};

/// What an item is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A yearly value of a leaf indicator (for a region when `region` is not empty).
    Observation {
        indicator: String,
        year: i32,
        region: String,
    },
    Project {
        number: u32,
        period: YearMonth,
    },
    Task {
        number: u32,
        period: YearMonth,
    },
    /// A rectification task's monthly report.
    Rectification {
        number: u32,
        period: YearMonth,
    },
}

impl Subject {
    /// The period it is of: `2025` (a year's value) or `2025-06` (a month's report).
    pub fn period(&self) -> String {
        match self {
            Subject::Observation { year, .. } => year.to_string(),
            Subject::Project { period, .. } | Subject::Task { period, .. } | Subject::Rectification { period, .. } => period.to_string(),
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Sent: the stored entry (`observation` or `dispatch_report`, its id) and its state.
    Sent { entity: &'static str, id: i64, state: EntryState, late: bool },
    /// Not sent, and past its due date.
    Overdue,
    /// Not sent yet, and not late.
    Due,
}

/// Why a year's values are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearAsked {
    /// The base year: the baseline its targets are measured against (较2020年下降12%).
    Baseline,
    /// The year before the plan: the indicator archive its first phase completes.
    Archive,
    /// A year of the plan.
    Plan,
}

impl YearAsked {
    /// The locale key of its label.
    pub fn key(self) -> &'static str {
        match self {
            YearAsked::Baseline => "todo.year.baseline",
            YearAsked::Archive => "todo.year.archive",
            YearAsked::Plan => "todo.year.plan",
        }
    }
}

/// Whether and why the plan asks for the values of `year`: its base year, the year before it
/// begins, and its own years; not the years between (a value of them may still be sent).
pub fn year_asked(plan: &Plan, year: i32) -> Option<YearAsked> {
    if year == plan.base_year {
        Some(YearAsked::Baseline)
    } else if year == plan.start_year - 1 {
        Some(YearAsked::Archive)
    } else if (plan.start_year..=plan.end_year).contains(&year) {
        Some(YearAsked::Plan)
    } else {
        None
    }
}

/// One line of the to-do list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub subject: Subject,
    /// The due date, for what is still to send.
    pub due: Option<NaiveDate>,
    pub standing: Standing,
    /// Who sent it (for the task force's list), or why it was returned.
    pub note: String,
    /// The org unit that sent it (for the task force's list).
    pub org_unit: String,
}

/// A user's to-do list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    /// The month whose dispatch report is due next.
    pub month: YearMonth,
    pub returned: Vec<Item>,
    pub observations: Vec<Item>,
    pub reports: Vec<Item>,
    /// The task force: what waits for a decision.
    pub pending: Vec<Item>,
    /// The task force: the report of the month of every project the month asks for.
    pub completeness: Vec<Item>,
    /// How many projects have reported the month.
    pub reported: usize,
}

fn standing(sent: Option<(&'static str, i64, EntryState, bool)>, today: NaiveDate, due: NaiveDate) -> Standing {
    match sent {
        Some((entity, id, state, late)) => Standing::Sent { entity, id, state, late },
        None if today > due => Standing::Overdue,
        None => Standing::Due,
    }
}

/// The to-do list of `actor` on `today`.
pub fn todo(plan: &Plan, actor: &Actor, observations: &[ObservationRecord], reports: &[DispatchRecord], settings: &ZoneSettings, today: NaiveDate) -> Todo {
    let month = crate::dispatch::report_month(today);
    let item = |subject, due, standing| Item { subject, due, standing, note: String::new(), org_unit: String::new() };
    let mut out = Todo { month, returned: vec![], observations: vec![], reports: vec![], pending: vec![], completeness: vec![], reported: 0 };
    let last_year = plan.end_year.min(today.year());
    for leaf in plan.leaves() {
        if !actor.can_enter_observation(plan, leaf.code, None) {
            continue;
        }
        for year in (plan.base_year..=last_year).filter(|y| year_asked(plan, *y).is_some()) {
            let due = settings.observation_due_in(plan, year);
            let sent = observations.iter().find(|o| o.indicator == leaf.code && o.year == i64::from(year) && o.region.is_empty());
            let s = standing(sent.map(|o| ("observation", o.id, o.state, o.late)), today, due);
            let subject = Subject::Observation { indicator: leaf.code.to_string(), year, region: String::new() };
            out.observations.push(item(subject, Some(due), s));
        }
    }
    // the reports the month asks for, as the bulletin and the assessment count them
    let dues = crate::dispatch::month(plan, reports, month, today, settings.dispatch_due_day);
    let due = month.dispatch_due(settings.dispatch_due_day);
    let subject = |a: &crate::dispatch::Asked| match a.kind {
        "project" => Subject::Project { number: a.number, period: month },
        _ => Subject::Task { number: a.number, period: month },
    };
    let standing_of = |d: &crate::dispatch::Due<'_>| match d.record {
        Some(r) => Standing::Sent { entity: "dispatch_report", id: r.id, state: r.state, late: r.late },
        None if d.reporting == crate::dispatch::Reporting::Missing => Standing::Overdue,
        None => Standing::Due,
    };
    for d in dues.iter().filter(|d| crate::dispatch::sends(plan, actor, &d.asked)) {
        out.reports.push(item(subject(&d.asked), Some(due), standing_of(d)));
    }
    let observation = |o: &ObservationRecord| Subject::Observation { indicator: o.indicator.clone(), year: o.year as i32, region: o.region.clone() };
    let report = |r: &DispatchRecord| {
        let (number, period) = (r.subject as u32, r.period.parse().unwrap_or(month));
        match r.kind.as_str() {
            "task" => Subject::Task { number, period },
            crate::rectification::REPORT_KIND => Subject::Rectification { number, period },
            _ => Subject::Project { number, period },
        }
    };
    let sent_o = |o: &ObservationRecord| Standing::Sent { entity: "observation", id: o.id, state: o.state, late: o.late };
    let sent_r = |r: &DispatchRecord| Standing::Sent { entity: "dispatch_report", id: r.id, state: r.state, late: r.late };
    let returned_to_me = |o: &&ObservationRecord| o.submitted_by == actor.name || actor.can_enter_observation(plan, &o.indicator, None);
    for o in observations.iter().filter(|o| o.state == EntryState::Returned).filter(returned_to_me) {
        out.returned.push(Item { note: o.reason.clone(), ..item(observation(o), None, sent_o(o)) });
    }
    for r in reports.iter().filter(|r| r.state == EntryState::Returned && r.org_unit == actor.org_unit) {
        out.returned.push(Item { note: r.reason.clone(), ..item(report(r), None, sent_r(r)) });
    }
    if actor.can_approve(plan) {
        for o in observations.iter().filter(|o| o.state == EntryState::Submitted) {
            out.pending.push(Item { note: o.submitted_by.clone(), ..item(observation(o), None, sent_o(o)) });
        }
        for r in reports.iter().filter(|r| r.state == EntryState::Submitted) {
            out.pending.push(Item { note: r.submitted_by.clone(), org_unit: r.org_unit.clone(), ..item(report(r), None, sent_r(r)) });
        }
        for d in dues.iter().filter(|d| d.asked.kind == "project") {
            let s = standing_of(d);
            out.reported += usize::from(matches!(s, Standing::Sent { .. }));
            out.completeness.push(item(subject(&d.asked), Some(due), s));
        }
    }
    out
}

/// The month's reports of the rectification tasks `actor` owns (those [`crate::rectification::asks`]
/// for), each due, overdue or sent, as [`todo`] lists the month's other reports.
pub fn rectification_reports(
    plan: &Plan,
    actor: &Actor,
    rects: &[crate::rectification::Rectification],
    reports: &[DispatchRecord],
    settings: &ZoneSettings,
    today: NaiveDate,
) -> Vec<Item> {
    let month = crate::dispatch::report_month(today);
    let due = month.dispatch_due(settings.dispatch_due_day);
    rects
        .iter()
        .filter(|r| actor.can_act_for(plan, &r.owner) && crate::rectification::asks(plan, r, month))
        .map(|r| {
            let sent = reports.iter().find(|d| {
                d.kind == crate::rectification::REPORT_KIND && d.subject == i64::from(r.number) && d.period == month.to_string() && d.org_unit == actor.org_unit
            });
            let s = standing(sent.map(|d| ("dispatch_report", d.id, d.state, d.late)), today, due);
            Item {
                subject: Subject::Rectification { number: r.number, period: month },
                due: Some(due),
                standing: s,
                note: String::new(),
                org_unit: String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_before_the_plan_are_due_by_the_end_of_its_first_phase_not_late_from_before_it() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let s = ZoneSettings::default();
        let first_phase_end = plan.phases.iter().map(|p| p.end).min().unwrap();
        assert!(s.observation_due_date(2020) < plan.issued_on, "the usual date passed before the plan");
        assert_eq!(s.observation_due_in(&plan, 2020), first_phase_end);
        assert_eq!(s.observation_due_in(&plan, 2021), first_phase_end);
        assert_eq!(s.observation_due_in(&plan, 2023), s.observation_due_date(2023), "a year of the plan keeps its usual date");
        // a department on the day the plan was issued: the base year is due, not overdue
        let actor = crate::access::Actor {
            name: "lin".into(),
            zone: plan.zone.code.clone(),
            org_unit: "市林草局".into(),
            role: crate::access::Role::Department,
            parent: None,
        };
        let list = todo(&plan, &actor, &[], &[], &s, plan.issued_on);
        let base = list.observations.iter().filter(|i| matches!(&i.subject, Subject::Observation { year, .. } if *year == plan.base_year)).collect::<Vec<_>>();
        assert!(!base.is_empty() && base.iter().all(|i| i.standing == Standing::Due), "{base:?}");
        // the years asked: the base year as the baseline, the year before the plan for the
        // archive of its first phase, the plan's years; not 2021
        let years: std::collections::BTreeSet<i32> = todo(&plan, &actor, &[], &[], &s, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
            .observations
            .iter()
            .filter_map(|i| match i.subject {
                Subject::Observation { year, .. } => Some(year),
                _ => None,
            })
            .collect();
        assert_eq!(years.into_iter().collect::<Vec<_>>(), [2020, 2022, 2023, 2024, 2025]);
        assert_eq!(year_asked(&plan, 2020), Some(YearAsked::Baseline));
        assert_eq!(year_asked(&plan, 2022), Some(YearAsked::Archive));
        assert_eq!((year_asked(&plan, 2021), year_asked(&plan, 2026)), (None, None));
    }

    #[test]
    fn no_monthly_report_is_asked_for_after_the_plan_ended() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let s = ZoneSettings::default();
        let actor = crate::access::Actor {
            name: "zj".into(),
            zone: plan.zone.code.clone(),
            org_unit: "市住建局".into(),
            role: crate::access::Role::Department,
            parent: None,
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(!todo(&plan, &actor, &[], &[], &s, day(plan.end_year, 12, 20)).reports.is_empty(), "the plan's last months are asked for");
        assert!(!todo(&plan, &actor, &[], &[], &s, day(plan.end_year + 1, 1, 3)).reports.is_empty(), "its December, in January");
        assert!(todo(&plan, &actor, &[], &[], &s, day(plan.end_year + 1, 2, 3)).reports.is_empty(), "then nothing");
        assert!(todo(&plan, &actor, &[], &[], &s, day(2026, 12, 7)).reports.is_empty());
    }

    #[test]
    fn standing_before_and_after_the_due_date() {
        let due = NaiveDate::from_ymd_opt(2024, 6, 5).unwrap();
        assert_eq!(standing(None, due, due), Standing::Due, "on the due day itself it is not late");
        assert_eq!(standing(None, due.succ_opt().unwrap(), due), Standing::Overdue);
        assert!(matches!(standing(Some(("observation", 7, EntryState::Returned, false)), due, due), Standing::Sent { id: 7, .. }));
    }
}
