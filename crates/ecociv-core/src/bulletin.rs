//! The monthly dispatch bulletin (月调度通报) as judged from the plan and the reports: who
//! reported the month on time, late or not at all once the due date has passed, which projects
//! are behind what their period expects, and the best and worst reporting units.

use rust_decimal::Decimal;

use crate::entry::YearMonth;
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState};

/// A project behind its period.
pub struct Behind {
    pub number: u32,
    pub name: String,
    pub implementers: Vec<String>,
    pub reported: Decimal,
    pub expected: Decimal,
}

/// How a project's report of the month stands.
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

/// A unit's reporting in the month.
pub struct UnitReporting {
    pub unit: String,
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    /// Not sent and not yet due: left out of the score.
    pub pending: usize,
}

impl UnitReporting {
    /// On-time share in percent of the reports already due (late counts half), two places.
    pub fn score(&self) -> Decimal {
        let judged = self.due - self.pending;
        if judged == 0 {
            return Decimal::ZERO;
        }
        ((Decimal::from(self.on_time) + Decimal::from(self.late) / Decimal::TWO) * Decimal::ONE_HUNDRED / Decimal::from(judged)).round_dp(1)
    }
}

/// The bulletin of a month.
pub struct Bulletin {
    pub month: YearMonth,
    /// The due date of the month's reports.
    pub due_date: chrono::NaiveDate,
    /// Whether the due date has passed (before it, an unsent report is not missing yet).
    pub judged: bool,
    pub due: usize,
    pub on_time: usize,
    pub late_count: usize,
    pub missing: usize,
    pub pending: usize,
    /// The projects not reported on time: number, name, implementers, how it stands.
    pub late: Vec<(u32, String, Vec<String>, Reporting)>,
    pub behind: Vec<Behind>,
    pub units: Vec<UnitReporting>,
}

/// Builds the bulletin of a month from the plan and the reports, as of `today` with reports
/// due on `due_day` of the next month.
pub fn build(plan: &Plan, reports: &[DispatchRecord], month: YearMonth, today: chrono::NaiveDate, due_day: u32) -> Bulletin {
    let due_date = month.dispatch_due(due_day);
    let judged = today > due_date;
    let mut b = Bulletin {
        month,
        due_date,
        judged,
        due: 0,
        on_time: 0,
        late_count: 0,
        missing: 0,
        pending: 0,
        late: Vec::new(),
        behind: Vec::new(),
        units: Vec::new(),
    };
    for p in plan.projects.iter().filter(|p| p.period.overlaps(month.year, month.year)) {
        b.due += 1;
        let r = reports.iter().find(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.period == month.to_string());
        let how = match r {
            Some(r) if r.late => Reporting::Late,
            Some(_) => Reporting::OnTime,
            None if judged => Reporting::Missing,
            None => Reporting::NotYetDue,
        };
        match how {
            Reporting::OnTime => b.on_time += 1,
            Reporting::Late => b.late_count += 1,
            Reporting::Missing => b.missing += 1,
            Reporting::NotYetDue => b.pending += 1,
        }
        for i in &p.implementers {
            let u = match b.units.iter_mut().position(|u| &u.unit == i) {
                Some(k) => &mut b.units[k],
                None => {
                    b.units.push(UnitReporting { unit: i.clone(), due: 0, on_time: 0, late: 0, missing: 0, pending: 0 });
                    b.units.last_mut().expect("pushed")
                }
            };
            u.due += 1;
            match how {
                Reporting::OnTime => u.on_time += 1,
                Reporting::Late => u.late += 1,
                Reporting::Missing => u.missing += 1,
                Reporting::NotYetDue => u.pending += 1,
            }
        }
        if how != Reporting::OnTime {
            b.late.push((p.number, p.name.clone(), p.implementers.clone(), how));
        }
    }
    // behind: every project begun by the month (those whose period has ended included, which
    // should stand at 100%), the latest report up to the month against an even pace
    for p in &plan.projects {
        let (Some(s), Some(e)) = (p.period.start, p.period.end) else { continue };
        let total = (e - s + 1) * 12;
        let done = ((month.year - s) * 12 + month.month as i32).clamp(0, total);
        let expected = (Decimal::from(done) * Decimal::ONE_HUNDRED / Decimal::from(total)).round_dp(1);
        let last = reports
            .iter()
            .filter(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.state != EntryState::Returned && r.period <= month.to_string())
            .max_by(|a, b| a.period.cmp(&b.period));
        let progress = last.and_then(|r| r.progress_percent.parse::<Decimal>().ok()).unwrap_or_default();
        if progress + Decimal::from(20) < expected {
            b.behind.push(Behind { number: p.number, name: p.name.clone(), implementers: p.implementers.clone(), reported: progress, expected });
        }
    }
    b.units.sort_by(|a, c| c.score().cmp(&a.score()).then_with(|| a.unit.cmp(&c.unit)));
    b
}

/// The best and the worst reporting units: the first and last three places, with every unit
/// tied with the third; a unit is never in both lists, and before the due date nobody is.
pub fn best_and_worst(b: &Bulletin) -> (Vec<&UnitReporting>, Vec<&UnitReporting>) {
    let judged: Vec<&UnitReporting> = b.units.iter().filter(|u| u.due > u.pending).collect();
    let n = judged.len();
    if n == 0 {
        return (Vec::new(), Vec::new());
    }
    let third_best = judged[n.min(3) - 1].score();
    // nobody is best for reporting nothing on time
    let top: Vec<&UnitReporting> = judged.iter().copied().filter(|u| u.score() >= third_best && u.score() > Decimal::ZERO).collect();
    let third_worst = judged[n.saturating_sub(3)].score();
    let bottom: Vec<&UnitReporting> = judged.iter().copied().filter(|u| u.score() <= third_worst && !top.iter().any(|t| t.unit == u.unit)).collect();
    (top, bottom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, due: usize, on_time: usize) -> UnitReporting {
        UnitReporting { unit: name.into(), due, on_time, late: 0, missing: due - on_time, pending: 0 }
    }

    #[test]
    fn nobody_is_best_for_reporting_nothing() {
        let b = |units: Vec<UnitReporting>| Bulletin {
            month: YearMonth { year: 2024, month: 5 },
            due_date: chrono::NaiveDate::from_ymd_opt(2024, 6, 5).unwrap(),
            judged: true,
            due: 0,
            on_time: 0,
            late_count: 0,
            missing: 0,
            pending: 0,
            late: Vec::new(),
            behind: Vec::new(),
            units,
        };
        let none = b(vec![unit("a", 2, 0), unit("b", 3, 0), unit("c", 1, 0), unit("d", 1, 0)]);
        let (top, bottom) = best_and_worst(&none);
        assert!(top.is_empty());
        assert_eq!(bottom.len(), 4, "all tied at the bottom");
        let some = b(vec![unit("a", 2, 2), unit("b", 2, 1), unit("c", 2, 0), unit("d", 2, 0)]);
        let (top, bottom) = best_and_worst(&some);
        assert_eq!(top.iter().map(|u| u.unit.as_str()).collect::<Vec<_>>(), vec!["a", "b"], "only those with something on time");
        assert_eq!(bottom.iter().map(|u| u.unit.as_str()).collect::<Vec<_>>(), vec!["c", "d"]);
    }
}
