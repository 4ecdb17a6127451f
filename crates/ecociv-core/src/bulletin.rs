//! The monthly dispatch bulletin (月调度通报) as judged from the plan and the reports: who
//! reported the month by its due date and who did not, which projects are behind what their
//! period expects, the best and worst reporting units, and the supervision orders. A month is judged on its due date
//! ([`crate::dispatch::judged_on`]): a report sent later counts in its quarter's assessment as
//! late, and leaves the bulletin as it was.

use rust_decimal::Decimal;

use crate::dispatch::Reporting;
use crate::entry::YearMonth;
use crate::model::Plan;
use crate::record::{DispatchRecord, EntryState};
use crate::supervision::{Standing, SupervisionOrder};

/// A project behind its period.
pub struct Behind {
    pub number: u32,
    pub name: String,
    pub implementers: Vec<String>,
    pub reported: Decimal,
    pub expected: Decimal,
}

/// A unit's reporting in the month.
pub struct UnitReporting {
    pub unit: String,
    pub due: usize,
    pub on_time: usize,
    /// Not in by the due date.
    pub missing: usize,
    /// Not sent and not yet due: left out of the score.
    pub pending: usize,
}

impl UnitReporting {
    /// On-time share in percent of the reports already due, one place.
    pub fn score(&self) -> Decimal {
        let judged = self.due - self.pending;
        if judged == 0 {
            return Decimal::ZERO;
        }
        (Decimal::from(self.on_time) * Decimal::ONE_HUNDRED / Decimal::from(judged)).round_dp(1)
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
    /// Not in by the due date.
    pub missing: usize,
    pub pending: usize,
    /// The projects not reported on time: number, name, implementers, how it stands.
    pub late: Vec<(u32, String, Vec<String>, Reporting)>,
    pub behind: Vec<Behind>,
    pub units: Vec<UnitReporting>,
    /// The supervision orders of the month as they stood on the day it is judged on: those
    /// issued by its end and not closed before it began, the overdue first.
    pub orders: Vec<(SupervisionOrder, Standing)>,
}

/// Builds the bulletin of a month on `today` from the plan and the reports as they stood on the
/// day the month is judged on ([`crate::dispatch::judged_on`]: its due date once passed), with
/// reports due on `due_day` of the next month. The projects are those the month asks for
/// ([`crate::dispatch::asked`]); the supervision orders those of [`Bulletin::orders`].
pub fn build(plan: &Plan, reports: &[DispatchRecord], orders: &[SupervisionOrder], month: YearMonth, today: chrono::NaiveDate, due_day: u32) -> Bulletin {
    let due_date = month.dispatch_due(due_day);
    let judged = today > due_date;
    let mut b = Bulletin {
        month,
        due_date,
        judged,
        due: 0,
        on_time: 0,
        missing: 0,
        pending: 0,
        late: Vec::new(),
        behind: Vec::new(),
        units: Vec::new(),
        orders: Vec::new(),
    };
    let day = crate::dispatch::judged_on(month, today, due_day);
    let month_end = month.next().first_day().pred_opt().expect("a day");
    for o in orders {
        // the month's orders: issued by its end, and not closed before it began
        let closed_before = o.closed_on().is_some_and(|c| c < month.first_day());
        let issued_after = crate::clock::beijing_day(&o.issued_at).is_none_or(|d| d > month_end);
        if let (Some(standing), false, false) = (o.standing_on(day), closed_before, issued_after) {
            b.orders.push((o.clone(), standing));
        }
    }
    b.orders
        .sort_by(|(x, a), (y, c)| (*c == Standing::Overdue).cmp(&(*a == Standing::Overdue)).then_with(|| x.deadline.cmp(&y.deadline)).then(x.id.cmp(&y.id)));
    for due in crate::dispatch::month(plan, reports, month, today, due_day).into_iter().filter(|d| d.asked.kind == "project") {
        let Some(p) = plan.project(due.asked.number) else { continue };
        b.due += 1;
        // on the due date a report is in or it is not (one stored as late — sent before a
        // change of the due day — was not in by this one)
        let how = match due.reporting {
            Reporting::Late => Reporting::Missing,
            how => how,
        };
        match how {
            Reporting::OnTime => b.on_time += 1,
            Reporting::Missing | Reporting::Late => b.missing += 1,
            Reporting::NotYetDue => b.pending += 1,
        }
        for i in &p.implementers {
            let u = match b.units.iter_mut().position(|u| &u.unit == i) {
                Some(k) => &mut b.units[k],
                None => {
                    b.units.push(UnitReporting { unit: i.clone(), due: 0, on_time: 0, missing: 0, pending: 0 });
                    b.units.last_mut().expect("pushed")
                }
            };
            u.due += 1;
            match how {
                Reporting::OnTime => u.on_time += 1,
                Reporting::Missing | Reporting::Late => u.missing += 1,
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
        let Some(share) = p.period.elapsed_share(month.year, month.month) else { continue };
        let expected = (share * Decimal::ONE_HUNDRED).round_dp(1);
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
        UnitReporting { unit: name.into(), due, on_time, missing: due - on_time, pending: 0 }
    }

    #[test]
    fn nobody_is_best_for_reporting_nothing() {
        let b = |units: Vec<UnitReporting>| Bulletin {
            month: YearMonth { year: 2024, month: 5 },
            due_date: chrono::NaiveDate::from_ymd_opt(2024, 6, 5).unwrap(),
            judged: true,
            due: 0,
            on_time: 0,
            missing: 0,
            pending: 0,
            late: Vec::new(),
            behind: Vec::new(),
            units,
            orders: Vec::new(),
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
