//! Reminders (提醒 / 催报): what each unit is told on a day about what it still owes — the
//! month's reports (projects, shared tasks, rectification tasks) and the supervision orders it
//! has to answer — a few days before each due date, the day after it passed, and, after the
//! number of days the zone sets, escalated to the unit's head. One reminder per unit, stage and
//! due date, with a key that names it: what a sent log keeps, so that nothing goes twice.
//! Pure: the application gathers what is owed and delivers the messages.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entry::YearMonth;
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState};
use crate::rectification::Rectification;
use crate::supervision::SupervisionOrder;

/// When a zone reminds: how many days before a due date, and after how many days past it the
/// unit's head is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSettings {
    /// Days before a due date (0: no reminder before).
    pub days_before: u32,
    /// Days past a due date after which the unit's head is told.
    pub escalate_after: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings { days_before: 3, escalate_after: 5 }
    }
}

/// The stage of a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Due soon.
    Before,
    /// Past its due date.
    Overdue,
    /// Past its due date by the zone's days: to the unit's head.
    Escalated,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Before => "before",
            Stage::Overdue => "overdue",
            Stage::Escalated => "escalated",
        }
    }
}

/// One thing a unit owes by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Owed {
    pub unit: String,
    pub due: NaiveDate,
    /// `project 12 2024-05`, `task 3 2024-05`, `rectification 2 2024-05`, `order 7`.
    pub what: String,
    /// Where it is done, on the site: `/projects/12/report?period=2024-05`.
    pub link: String,
}

/// A reminder to a unit: its stage, the due date, what is still owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reminder {
    /// Names the reminder (unit, stage, due date): sent once.
    pub key: String,
    pub unit: String,
    pub stage: Stage,
    pub due: NaiveDate,
    pub owed: Vec<Owed>,
}

/// The stage a due date is at on `today`, if any: from `days_before` before it to the day
/// itself, before; from the day after, overdue; from `escalate_after` days after, escalated.
/// A day the scheduler missed is caught up: a stage holds until the next begins.
pub fn stage(due: NaiveDate, today: NaiveDate, s: &ReminderSettings) -> Option<Stage> {
    let days = (today - due).num_days();
    if days >= i64::from(s.escalate_after.max(1)) {
        Some(Stage::Escalated)
    } else if days >= 1 {
        Some(Stage::Overdue)
    } else if s.days_before > 0 && -days <= i64::from(s.days_before) {
        Some(Stage::Before)
    } else {
        None
    }
}

/// The reminders of `today`: what is owed grouped by unit and due date, at the stage its due
/// date is at. Each key is `unit|stage|due`.
pub fn reminders(owed: &[Owed], today: NaiveDate, s: &ReminderSettings) -> Vec<Reminder> {
    let mut by: BTreeMap<(String, Stage, NaiveDate), Vec<Owed>> = BTreeMap::new();
    for o in owed {
        if let Some(st) = stage(o.due, today, s) {
            by.entry((o.unit.clone(), st, o.due)).or_default().push(o.clone());
        }
    }
    by.into_iter().map(|((unit, stage, due), owed)| Reminder { key: format!("{unit}|{}|{due}", stage.code()), unit, stage, due, owed }).collect()
}

/// What the units owe on `today` for the month whose reports are due next and for the month
/// before it, while not sent or sent back: each project's report (owed by each implementer),
/// each shared task's (by its reporter), each rectification task's (by its owner); and each
/// supervision order awaiting its answer (by its deadline).
pub fn owed(plan: &Plan, reports: &[DispatchRecord], orders: &[SupervisionOrder], rects: &[Rectification], today: NaiveDate, due_day: u32) -> Vec<Owed> {
    let mut out = Vec::new();
    let month = crate::dispatch::report_month(today);
    let previous = YearMonth::of(month.first_day().pred_opt().expect("a day"));
    for m in [previous, month] {
        let due = m.dispatch_due(due_day);
        let open = |r: Option<&DispatchRecord>| r.is_none_or(|r| r.state == EntryState::Returned);
        for d in crate::dispatch::month(plan, reports, m, today, due_day).into_iter().filter(|d| open(d.record)) {
            let a = &d.asked;
            let (path, units): (&str, Vec<String>) = match a.kind {
                "project" => ("projects", plan.project(a.number).map(|p| p.implementers.clone()).unwrap_or_default()),
                _ => ("tasks", vec![a.reporter.clone()]),
            };
            for unit in units {
                out.push(Owed { unit, due, what: format!("{} {} {m}", a.kind, a.number), link: format!("/{path}/{}/report?period={m}", a.number) });
            }
        }
        for r in rects.iter().filter(|r| crate::rectification::asks(plan, r, m)) {
            let sent = reports.iter().find(|d| {
                d.kind == crate::rectification::REPORT_KIND && d.subject == i64::from(r.number) && d.period == m.to_string() && d.org_unit == r.owner
            });
            if open(sent) {
                let what = format!("{} {} {m}", crate::rectification::REPORT_KIND, r.number);
                out.push(Owed { unit: r.owner.clone(), due, what, link: format!("/rectifications/{}/report?period={m}", r.number) });
            }
        }
    }
    for o in orders.iter().filter(|o| o.state.awaits_answer()) {
        if let Some(due) = o.deadline_date() {
            out.push(Owed { unit: o.org_unit.clone(), due, what: format!("order {}", o.id), link: format!("/supervision/{}", o.id) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn stages_around_a_due_date() {
        let s = ReminderSettings { days_before: 3, escalate_after: 5 };
        let due = d("2024-06-05");
        assert_eq!(stage(due, d("2024-06-01"), &s), None);
        assert_eq!(stage(due, d("2024-06-02"), &s), Some(Stage::Before));
        assert_eq!(stage(due, d("2024-06-05"), &s), Some(Stage::Before), "on the day itself it is not late");
        assert_eq!(stage(due, d("2024-06-06"), &s), Some(Stage::Overdue));
        assert_eq!(stage(due, d("2024-06-09"), &s), Some(Stage::Overdue));
        assert_eq!(stage(due, d("2024-06-10"), &s), Some(Stage::Escalated));
        assert_eq!(stage(due, d("2024-08-10"), &s), Some(Stage::Escalated), "caught up after a pause");
        assert_eq!(stage(due, d("2024-06-04"), &ReminderSettings { days_before: 0, escalate_after: 5 }), None);
    }

    #[test]
    fn one_reminder_per_unit_stage_and_due_date() {
        let s = ReminderSettings::default();
        let o = |unit: &str, due: &str, what: &str| Owed { unit: unit.into(), due: d(due), what: what.into(), link: String::new() };
        let owed = [o("甲", "2024-06-05", "project 1"), o("甲", "2024-06-05", "task 2"), o("乙", "2024-06-05", "project 1"), o("甲", "2024-06-20", "order 3")];
        let r = reminders(&owed, d("2024-06-06"), &s);
        assert_eq!(r.iter().map(|x| (x.key.as_str(), x.owed.len())).collect::<Vec<_>>(), [("乙|overdue|2024-06-05", 1), ("甲|overdue|2024-06-05", 2)]);
        let r = reminders(&owed, d("2024-06-18"), &s);
        assert_eq!(r.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(), ["乙|escalated|2024-06-05", "甲|before|2024-06-20", "甲|escalated|2024-06-05"]);
    }

    #[test]
    fn what_is_owed_is_what_the_month_asks_and_has_not_come() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let today = d("2024-06-03");
        let all = owed(&plan, &[], &[], &[], today, 5);
        let p = &plan.projects[0];
        for unit in &p.implementers {
            assert!(all.iter().any(|o| &o.unit == unit && o.what == format!("project {} 2024-05", p.number) && o.due == d("2024-06-05")));
        }
        assert!(all.iter().any(|o| o.what.starts_with("task ") && o.link.starts_with("/tasks/")));
        // April was due on 5 May: still owed, already late
        assert!(all.iter().any(|o| o.due == d("2024-05-05")));
        // a report sent is no longer owed; one sent back is again
        let first = all.iter().find(|o| o.what == format!("project {} 2024-05", p.number)).unwrap();
        let sent = DispatchRecord {
            id: 1,
            zone: plan.zone.code.clone(),
            kind: "project".into(),
            subject: i64::from(p.number),
            org_unit: first.unit.clone(),
            period: "2024-05".into(),
            status: "under_way".into(),
            progress_percent: "10".into(),
            investment_month_wan: "0".into(),
            investment_cumulative_wan: "0".into(),
            funding: String::new(),
            progress: String::new(),
            quantities: "[]".into(),
            benefits: String::new(),
            problems: String::new(),
            explanation: String::new(),
            state: EntryState::Submitted,
            late: false,
            submitted_by: "x".into(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        };
        let still = |reports: &[DispatchRecord]| owed(&plan, reports, &[], &[], today, 5).iter().any(|o| o.what == first.what);
        assert!(!still(std::slice::from_ref(&sent)));
        assert!(still(&[DispatchRecord { state: EntryState::Returned, ..sent }]));
    }
}
