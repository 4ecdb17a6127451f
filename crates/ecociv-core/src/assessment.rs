//! The facts of a quarter's assessment, from the rows as stored: for every region and
//! department, its monthly reports (on time, late, missing) once their due date has passed, its
//! projects' progress and investment against the share of their period elapsed, the verdicts of
//! the indicators it leads, how many of its entries were returned, and how the supervision
//! orders due in the quarter were answered. [`crate::scoring`] turns them into scores.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::entry::YearMonth;
use crate::model::{OrgKind, Plan};
use crate::record::{DispatchRecord, EntryState, ObservationRecord};
use crate::rule::{EvalInput, Status};
use crate::scoring::{Arrival, Fact, Quarter, UnitFacts, UnitScore};
use crate::supervision::SupervisionOrder;
use crate::value::Value;

/// The assessment of a quarter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assessment {
    pub quarter: String,
    pub rules_version: i64,
    pub rules_title: String,
    pub regions: Vec<UnitScore>,
    pub departments: Vec<UnitScore>,
}

/// The rows a quarter's facts are read from.
pub struct Rows<'a> {
    pub reports: &'a [DispatchRecord],
    pub observations: &'a [ObservationRecord],
    /// user name → org unit.
    pub users: &'a BTreeMap<String, String>,
    /// `observation/ID` and `dispatch_report/ID` of the entries ever returned.
    pub returned: &'a HashSet<String>,
    /// The zone's supervision orders as they stand (closed ones do not change again).
    pub orders: &'a [SupervisionOrder],
}

/// The facts of every region and department for a quarter on `today`, from the rows as they
/// stood on the day the quarter is judged on (the due date of its last month's reports once
/// that has passed: [`crate::dispatch::judged_on`]); a month's reports count once their due
/// date has passed, each as [`crate::dispatch::month`] finds it.
pub fn facts(plan: &Plan, rows: &Rows<'_>, quarter: Quarter, today: NaiveDate, dispatch_due_day: u32) -> Vec<UnitFacts> {
    let (reports, observations, users, returned_keys) = (rows.reports, rows.observations, rows.users, rows.returned);
    // the reports the judged months asked for, and how each came
    let judged: Vec<(YearMonth, Vec<crate::dispatch::Due<'_>>)> = quarter
        .months()
        .into_iter()
        .filter(|m| today > m.dispatch_due(dispatch_due_day))
        .map(|m| (m, crate::dispatch::month(plan, reports, m, today, dispatch_due_day)))
        .collect();
    let mut out = Vec::new();
    for unit in plan.org_units.iter().filter(|o| matches!(o.kind, OrgKind::Department | OrgKind::Region)) {
        let mut f = Vec::new();
        for (m, dues) in &judged {
            for d in dues.iter().filter(|d| crate::dispatch::answers(plan, &unit.name, &d.asked)) {
                let arrival = match d.reporting {
                    crate::dispatch::Reporting::OnTime => Arrival::OnTime,
                    crate::dispatch::Reporting::Late => Arrival::Late,
                    _ => Arrival::Missing,
                };
                f.push(Fact::Report { subject: format!("{} {}", d.asked.kind, d.asked.number), period: m.to_string(), arrival });
            }
        }
        for p in plan.projects.iter().filter(|p| p.implementers.contains(&unit.name)) {
            let last = reports
                .iter()
                .filter(|r| {
                    r.kind == "project" && r.subject == i64::from(p.number) && r.state != EntryState::Returned && r.period <= quarter.last_month().to_string()
                })
                .max_by(|a, b| a.period.cmp(&b.period));
            let by = quarter.last_month();
            if let Some(share) = p.period.elapsed_share(by.year, by.month).filter(|s| !s.is_zero()) {
                let reported = last.and_then(|r| r.progress_percent.parse::<Decimal>().ok()).unwrap_or_default();
                f.push(Fact::Progress { project: p.number, reported, expected: (share * Decimal::ONE_HUNDRED).round_dp(2) });
                if let Some(b) = &p.budget {
                    let cumulative_wan = last.and_then(|r| r.investment_cumulative_wan.parse::<Decimal>().ok()).unwrap_or_default();
                    f.push(Fact::Investment { project: p.number, cumulative_wan, budget_wan: b.yi * Decimal::from(10_000), expected_share: share.round_dp(4) });
                }
            }
        }
        if unit.kind == OrgKind::Department {
            for leaf in plan.leaves().into_iter().filter(|l| l.indicator.lead_departments.contains(&unit.name)) {
                let series: BTreeMap<i32, Value> = observations
                    .iter()
                    .filter(|o| o.indicator == leaf.code && o.region.is_empty() && o.state == EntryState::Approved && o.year <= i64::from(quarter.year))
                    .filter_map(|o| Some((i32::try_from(o.year).ok()?, Value::parse(&o.value).ok()?)))
                    .collect();
                let met = series.keys().next_back().and_then(|y| {
                    let rule = leaf.target.parse_rule().ok()?;
                    match rule.evaluate(&EvalInput { direction: leaf.direction, ..EvalInput::new(*y, &series) }).status {
                        Status::Met => Some(true),
                        Status::NotMet => Some(false),
                        _ => None,
                    }
                });
                f.push(Fact::Indicator { code: leaf.code.to_string(), met });
            }
        }
        // entries the unit sent for the quarter (its months' reports; in the first quarter, the
        // yearly values of the year before), and those the task force returned
        let months_q: Vec<String> = quarter.months().iter().map(|m| m.to_string()).collect();
        let mine_rep = reports.iter().filter(|r| r.org_unit == unit.name && months_q.contains(&r.period)).map(|r| format!("dispatch_report/{}", r.id));
        let mine_obs = observations
            .iter()
            .filter(|o| quarter.q == 1 && o.year == i64::from(quarter.year - 1) && users.get(&o.submitted_by) == Some(&unit.name))
            .map(|o| format!("observation/{}", o.id));
        let entries: Vec<String> = mine_rep.chain(mine_obs).collect();
        if !entries.is_empty() {
            let returned = entries.iter().filter(|key| returned_keys.contains(*key)).count();
            f.push(Fact::Returns { entries: entries.len() as u32, returned: returned as u32 });
        }
        // the orders to the unit due in the quarter, as they stood on its day
        let day = crate::dispatch::judged_on(quarter.last_month(), today, dispatch_due_day);
        for o in rows.orders.iter().filter(|o| o.org_unit == unit.name) {
            let due_in_quarter = o.deadline_date().is_some_and(|d| Quarter::of(YearMonth::of(d)) == quarter);
            if let (true, Some(outcome)) = (due_in_quarter, o.outcome(day)) {
                f.push(Fact::Order { id: o.id, deadline: o.deadline.clone(), outcome });
            }
        }
        out.push(UnitFacts { unit: unit.name.clone(), facts: f });
    }
    out
}
