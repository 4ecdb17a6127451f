//! The schedule of projects (a Gantt chart): each project's period as a bar across the plan's
//! years, the progress its latest report gives against what an even pace expects by now, and
//! the projects behind marked — by the rule the bulletin uses (more than 20 points below).
//! Ongoing projects (持续推进) run across every year, shown as such; projects whose period the
//! plan does not print have no bar.

use rust_decimal::Decimal;

use crate::entry::YearMonth;
use crate::model::{Plan, Project};
use crate::record::DispatchRecord;

/// How far below an even pace a project is behind, in percentage points.
pub const BEHIND_POINTS: u32 = 20;

/// One project's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub number: u32,
    /// Its years (`None`: ongoing or not printed).
    pub years: Option<(i32, i32)>,
    pub ongoing: bool,
    /// Reported progress in percent (the latest report not returned), if any.
    pub progress: Option<Decimal>,
    /// What an even pace expects by the month, in percent.
    pub expected: Option<Decimal>,
    pub behind: bool,
}

/// The schedule: the span of years and a bar per project.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub first_year: i32,
    pub last_year: i32,
    /// The month the progress is judged by, and where it falls across the span (0–1).
    pub month: YearMonth,
    pub now: Decimal,
    pub bars: Vec<Bar>,
}

impl Schedule {
    /// How many years the span holds.
    pub fn years(&self) -> i32 {
        self.last_year - self.first_year + 1
    }

    /// Where a bar starts and how wide it is, in percent of the span (ongoing: all of it).
    pub fn place(&self, bar: &Bar) -> Option<(Decimal, Decimal)> {
        let span = Decimal::from(self.years());
        let (s, e) = match (bar.years, bar.ongoing) {
            (Some((s, e)), _) => (s.max(self.first_year), e.min(self.last_year)),
            (None, true) => (self.first_year, self.last_year),
            (None, false) => return None,
        };
        let left = Decimal::from(s - self.first_year) * Decimal::ONE_HUNDRED / span;
        let width = Decimal::from(e - s + 1) * Decimal::ONE_HUNDRED / span;
        Some((left.round_dp(2), width.round_dp(2)))
    }
}

/// The schedule of `projects` by `month`, with the latest report of each (by number).
pub fn schedule(plan: &Plan, projects: &[&Project], latest: &std::collections::BTreeMap<u32, DispatchRecord>, month: YearMonth) -> Schedule {
    let first_year = projects.iter().filter_map(|p| p.period.start).chain([plan.start_year]).min().unwrap_or(plan.start_year);
    let last_year = projects.iter().filter_map(|p| p.period.end).chain([plan.end_year]).max().unwrap_or(plan.end_year);
    let bars = projects
        .iter()
        .map(|p| {
            let progress = latest.get(&p.number).and_then(|r| r.progress_percent.parse::<Decimal>().ok());
            let expected = p.period.elapsed_share(month.year, month.month).map(|s| (s * Decimal::ONE_HUNDRED).round_dp(1));
            let behind = expected.is_some_and(|e| progress.unwrap_or_default() + Decimal::from(BEHIND_POINTS) < e);
            Bar { number: p.number, years: p.period.start.zip(p.period.end), ongoing: p.period.ongoing, progress, expected, behind }
        })
        .collect();
    let months = Decimal::from((last_year - first_year + 1) * 12);
    let elapsed = Decimal::from(((month.year - first_year) * 12 + month.month as i32).clamp(0, (last_year - first_year + 1) * 12));
    Schedule { first_year, last_year, month, now: (elapsed / months).round_dp(4), bars }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_span_their_periods_and_the_late_are_marked() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let all: Vec<&Project> = plan.projects.iter().collect();
        let may = YearMonth { year: 2024, month: 5 };
        let s = schedule(&plan, &all, &Default::default(), may);
        assert!(s.first_year <= plan.start_year && s.last_year >= plan.end_year);
        for (bar, p) in s.bars.iter().zip(&plan.projects) {
            match (p.period.start, p.period.end, p.period.ongoing) {
                (Some(a), Some(b), _) => {
                    let (left, width) = s.place(bar).unwrap();
                    let span = Decimal::from(s.years());
                    assert_eq!(left, (Decimal::from(a - s.first_year) * Decimal::ONE_HUNDRED / span).round_dp(2), "{}", p.number);
                    assert_eq!(width, (Decimal::from(b - a + 1) * Decimal::ONE_HUNDRED / span).round_dp(2), "{}", p.number);
                    // nothing reported: behind once an even pace expects more than 20%
                    assert_eq!(bar.behind, bar.expected.unwrap() > Decimal::from(20), "{}", p.number);
                }
                (_, _, true) => assert_eq!(s.place(bar), Some((Decimal::ZERO, Decimal::ONE_HUNDRED)), "ongoing: across the span"),
                _ => assert_eq!(s.place(bar), None),
            }
        }
        assert!(s.bars.iter().any(|b| b.ongoing) && s.bars.iter().any(|b| b.behind));
        assert!(s.now > Decimal::ZERO && s.now < Decimal::ONE);
    }
}
