//! The one clock: the date ecociv believes it is (`--today` / `ECOCIV_TODAY`), and where a
//! plan stands on it — before its start, in a phase, between phases, or finished — so that
//! every page makes sense at any date.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::model::{Milestone, Phase, Plan};

/// Where a plan stands on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Standing {
    /// Before the first phase starts.
    NotStarted { days_to_start: i64, days_to_review: i64 },
    /// Inside a phase.
    InPhase { phase: u32, day_of_phase: i64, days_in_phase: i64, days_to_review: i64 },
    /// Between two phases (a gap in the plan's dates).
    BetweenPhases { next_phase: u32, days_to_review: i64 },
    /// After the last phase (and the review date): the final state.
    Ended { days_since_end: i64 },
}

/// What ecociv can tell of a milestone from its own data, read from the milestone's words
/// (the phrasing of the national templates): the plan issued, a year's indicator archive
/// completed, the year's work and technical reports written — or something it does not hold
/// (a county's title, the Ministry's review), which a person confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilestoneCheck {
    PlanIssued,
    /// Every leaf has an approved value of each of these years.
    Archive(Vec<i32>),
    /// The work and technical reports of the year are issued (numbered by the task force).
    Reports(i32),
    Outside,
}

/// How a milestone stands on a day, from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MilestoneState {
    /// Done on that day (after the due date: late).
    Met { on: NaiveDate, late: bool },
    /// Not done, and the due date has passed.
    Missed,
    /// Not done yet, and the due date has not come.
    Pending,
    /// Due, and not something ecociv holds data of: to be confirmed.
    ToConfirm,
}

impl MilestoneState {
    /// The locale key of its label.
    pub fn key(self) -> &'static str {
        match self {
            MilestoneState::Met { late: false, .. } => "milestone.met",
            MilestoneState::Met { late: true, .. } => "milestone.met_late",
            MilestoneState::Missed => "milestone.missed",
            MilestoneState::Pending => "milestone.pending",
            MilestoneState::ToConfirm => "milestone.to_confirm",
        }
    }
    /// Its style class.
    pub fn class(self) -> &'static str {
        match self {
            MilestoneState::Met { late: false, .. } => "done",
            MilestoneState::Met { late: true, .. } => "late",
            MilestoneState::Missed => "overdue",
            MilestoneState::Pending => "ahead",
            MilestoneState::ToConfirm => "due",
        }
    }
}

/// The days things were done, as the data say (`None`: not done).
pub struct MilestoneFacts<'a> {
    /// The day every leaf had an approved value of the year.
    pub archived: &'a dyn Fn(i32) -> Option<NaiveDate>,
    /// The day the year's work and technical reports were both issued.
    pub reported: &'a dyn Fn(i32) -> Option<NaiveDate>,
}

/// A plan's state in its life, on the one clock: before it starts, running, ended (its last
/// phase and review date past), or superseded by the zone's next plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    Before,
    Running,
    Ended,
    Superseded,
}

impl PlanState {
    /// The locale key of its label.
    pub fn key(self) -> &'static str {
        match self {
            PlanState::Before => "plan_state.before",
            PlanState::Running => "plan_state.running",
            PlanState::Ended => "plan_state.ended",
            PlanState::Superseded => "plan_state.superseded",
        }
    }
}

impl Plan {
    /// The plan's state on `today`; `superseded_on`: the day the zone's next plan was issued,
    /// when it was.
    pub fn state(&self, today: NaiveDate, superseded_on: Option<NaiveDate>) -> PlanState {
        if superseded_on.is_some_and(|d| d <= today) {
            return PlanState::Superseded;
        }
        match self.standing(today) {
            Standing::NotStarted { .. } => PlanState::Before,
            Standing::Ended { .. } => PlanState::Ended,
            _ => PlanState::Running,
        }
    }

    /// The last day of the plan: the end of its last phase or the review date, whichever is later.
    pub fn end_date(&self) -> NaiveDate {
        self.phases.iter().map(|p| p.end).chain([self.review_date]).max().unwrap_or(self.review_date)
    }

    /// Where the plan stands on `today`.
    pub fn standing(&self, today: NaiveDate) -> Standing {
        let days_to_review = (self.review_date - today).num_days();
        let end = self.end_date();
        if today > end {
            return Standing::Ended { days_since_end: (today - end).num_days() };
        }
        if let Some(p) = self.phase_on(today) {
            return Standing::InPhase {
                phase: p.number,
                day_of_phase: (today - p.start).num_days() + 1,
                days_in_phase: (p.end - p.start).num_days() + 1,
                days_to_review,
            };
        }
        match self.phases.iter().filter(|p| p.start > today).min_by_key(|p| p.start) {
            Some(next) if self.phases.iter().any(|p| p.end < today) => Standing::BetweenPhases { next_phase: next.number, days_to_review },
            Some(next) => Standing::NotStarted { days_to_start: (next.start - today).num_days(), days_to_review },
            // no phase ahead, none now, not past the end: the time between the last phase and the review
            None => Standing::BetweenPhases { next_phase: 0, days_to_review },
        }
    }

    /// The phase that contains `today`.
    pub fn phase_on(&self, today: NaiveDate) -> Option<&Phase> {
        self.phases.iter().find(|p| p.start <= today && today <= p.end)
    }
}

impl Milestone {
    /// What the data can tell of it.
    pub fn check(&self) -> MilestoneCheck {
        let t = &self.text;
        if t.contains("印发") && t.contains("方案") {
            return MilestoneCheck::PlanIssued;
        }
        if t.contains("指标档案") {
            let years: Vec<i32> = t.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 4).filter_map(|w| w.parse().ok()).collect();
            if !years.is_empty() {
                return MilestoneCheck::Archive(years);
            }
        }
        if t.contains("工作报告") && t.contains("技术报告") {
            // the reports written in a phase are of the year before its end
            return MilestoneCheck::Reports(self.due.year() - 1);
        }
        MilestoneCheck::Outside
    }

    /// How it stands on `today` by the data.
    pub fn state(&self, plan: &Plan, facts: &MilestoneFacts<'_>, today: NaiveDate) -> MilestoneState {
        let done = match self.check() {
            MilestoneCheck::PlanIssued => Some(plan.issued_on),
            MilestoneCheck::Archive(years) => years.iter().map(|y| (facts.archived)(*y)).collect::<Option<Vec<_>>>().and_then(|d| d.into_iter().max()),
            MilestoneCheck::Reports(y) => (facts.reported)(y),
            MilestoneCheck::Outside => return if today >= self.due { MilestoneState::ToConfirm } else { MilestoneState::Pending },
        };
        match done.filter(|d| *d <= today) {
            Some(on) => MilestoneState::Met { on, late: on > self.due },
            None if today > self.due => MilestoneState::Missed,
            None => MilestoneState::Pending,
        }
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_today(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let shape_ok = t.len() == 10 && t.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    let d = if shape_ok { NaiveDate::parse_from_str(t, "%Y-%m-%d").ok() } else { None };
    d.ok_or_else(|| format!("{s:?} is not a date YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};

    fn d(s: &str) -> NaiveDate {
        parse_today(s).unwrap()
    }

    #[test]
    fn standing_across_the_plans_life() {
        let p = build_plan(&hohhot()).unwrap();
        assert_eq!(p.standing(d("2023-01-01")), Standing::NotStarted { days_to_start: 90, days_to_review: 1095 });
        assert!(matches!(p.standing(d("2023-04-01")), Standing::InPhase { phase: 1, day_of_phase: 1, .. }));
        assert!(matches!(p.standing(d("2024-05-01")), Standing::InPhase { phase: 2, day_of_phase: 1, .. }));
        assert!(matches!(p.standing(d("2025-12-31")), Standing::InPhase { phase: 3, days_to_review: 0, .. }));
        assert_eq!(p.standing(d("2026-11-29")), Standing::Ended { days_since_end: 333 });
        // far dates never fail
        assert!(matches!(p.standing(d("1970-01-01")), Standing::NotStarted { .. }));
        assert!(matches!(p.standing(d("2999-12-31")), Standing::Ended { .. }));
        // the one clock of its life
        assert_eq!(p.state(d("2023-01-01"), None), PlanState::Before);
        assert_eq!(p.state(d("2024-06-15"), None), PlanState::Running);
        assert_eq!(p.state(d("2026-01-15"), None), PlanState::Ended);
        assert_eq!(p.state(d("2026-01-15"), Some(d("2026-02-01"))), PlanState::Ended, "not superseded before the next is issued");
        assert_eq!(p.state(d("2026-02-01"), Some(d("2026-02-01"))), PlanState::Superseded);
        // the first phase's milestones, as the data say
        let ms = &p.phases[0].milestones;
        let checks: Vec<MilestoneCheck> = ms.iter().map(Milestone::check).collect();
        assert_eq!(checks, [MilestoneCheck::PlanIssued, MilestoneCheck::Archive(vec![2022, 2023]), MilestoneCheck::Reports(2023), MilestoneCheck::Outside]);
        let archived = |y: i32| (y == 2022).then(|| d("2024-03-01")).or((y == 2023).then(|| d("2024-05-10")));
        let nothing = |_: i32| None;
        let facts = MilestoneFacts { archived: &archived, reported: &nothing };
        assert_eq!(ms[0].state(&p, &facts, d("2023-07-01")), MilestoneState::Met { on: p.issued_on, late: false });
        assert_eq!(ms[1].state(&p, &facts, d("2024-04-29")), MilestoneState::Pending);
        assert_eq!(ms[1].state(&p, &facts, d("2024-05-01")), MilestoneState::Missed, "2023 not archived by its due date");
        assert_eq!(ms[1].state(&p, &facts, d("2024-06-01")), MilestoneState::Met { on: d("2024-05-10"), late: true });
        assert_eq!(ms[2].state(&p, &facts, d("2024-06-01")), MilestoneState::Missed);
        assert_eq!((ms[3].state(&p, &facts, d("2024-04-29")), ms[3].state(&p, &facts, d("2024-04-30"))), (MilestoneState::Pending, MilestoneState::ToConfirm));
        assert!(parse_today("2024-02-30").is_err());
        assert!(parse_today("24-01-01").is_err());
        assert!(parse_today("2024-1-1").is_err());
    }
}

/// A stored timestamp (RFC 3339, UTC) as people read it: Beijing time (UTC+8, the one time zone
/// of every zone in China), to the minute, `2026-12-02 03:46`. Text that is not a timestamp is
/// shown as it is; an empty one stays empty.
pub fn beijing_minute(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => ts.to_string(),
    }
}

/// Beijing time, UTC+8 all year.
pub fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// The Beijing day of a stored timestamp (`None` for text that is not one).
pub fn beijing_day(ts: &str) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(ts).ok().map(|t| t.with_timezone(&beijing()).date_naive())
}

/// Now as the one clock says, given the real now: on the day set with `--today` (at the real
/// time of day in Beijing), else the real now. Everything ecociv stamps (an entry sent, a
/// decision, a lock-out) reads it, so that stamps and deadlines agree.
pub fn now_on(today: Option<NaiveDate>, real: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let Some(day) = today else { return real };
    let time = real.with_timezone(&beijing()).time();
    day.and_time(time).and_local_timezone(beijing()).single().map(|t| t.with_timezone(&chrono::Utc)).unwrap_or(real)
}

/// The day it is in Beijing at `now`.
pub fn beijing_today(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    now.with_timezone(&beijing()).date_naive()
}

#[cfg(test)]
mod beijing_tests {
    use super::{beijing_day, beijing_minute, beijing_today, now_on};

    #[test]
    fn stored_times_are_shown_in_beijing_time_to_the_minute() {
        assert_eq!(beijing_minute("2026-12-01T19:46:31.558943Z"), "2026-12-02 03:46");
        assert_eq!(beijing_minute("2024-06-15T02:00:00+00:00"), "2024-06-15 10:00");
        assert_eq!(beijing_minute(""), "");
        assert_eq!(beijing_minute("not a time"), "not a time");
        assert_eq!(beijing_day("2024-06-04T16:30:00Z"), "2024-06-05".parse().ok(), "half past midnight in Beijing");
        assert_eq!(beijing_day("soon"), None);
    }

    #[test]
    fn the_clock_set_to_a_day_keeps_the_time_of_day() {
        let real: chrono::DateTime<chrono::Utc> = "2026-12-07T01:02:03Z".parse().unwrap();
        assert_eq!(now_on(None, real), real);
        let set = now_on("2024-06-15".parse().ok(), real);
        assert_eq!(set.to_rfc3339(), "2024-06-15T01:02:03+00:00");
        assert_eq!(beijing_today(set), "2024-06-15".parse::<chrono::NaiveDate>().unwrap());
        // 23:30 UTC is the next morning in Beijing: the set day is the Beijing day
        let late: chrono::DateTime<chrono::Utc> = "2026-12-07T23:30:00Z".parse().unwrap();
        assert_eq!(beijing_today(now_on("2024-06-15".parse().ok(), late)), "2024-06-15".parse::<chrono::NaiveDate>().unwrap());
    }
}
