//! Review readiness: for every leaf indicator and archive year, is a value present, approved,
//! backed by evidence, and does it meet the target? A cell is ready when all four hold; the
//! readiness of the zone and of each lead department is the share of ready cells.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::Plan;
use crate::record::{EntryState, EvidenceRecord, ObservationRecord, UpperTargetRecord, VetoRecord};
use crate::rule::{EvalInput, Status};
use crate::value::Value;

/// One indicator and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cell {
    pub leaf: String,
    pub year: i32,
    pub present: bool,
    pub approved: bool,
    pub evidence: bool,
    /// None when there is no value to judge, or the rule cannot judge it yet.
    pub met: Option<bool>,
}

impl Cell {
    pub fn ready(&self) -> bool {
        self.present && self.approved && self.evidence && self.met == Some(true)
    }
}

/// The readiness of a set of cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Share {
    pub ready: usize,
    pub total: usize,
    /// Percent, one decimal place.
    #[schema(value_type = String)]
    pub percent: Decimal,
}

/// Counts the ready cells.
pub fn share<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Share {
    let (mut ready, mut total) = (0, 0);
    for c in cells {
        total += 1;
        if c.ready() {
            ready += 1;
        }
    }
    let percent = if total == 0 { Decimal::ZERO } else { (Decimal::from(ready) * Decimal::ONE_HUNDRED / Decimal::from(total)).round_dp(1) };
    Share { ready, total, percent }
}

/// The readiness of a zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    pub years: Vec<i32>,
    pub zone: Share,
    pub departments: Vec<(String, Share)>,
    pub cells: Vec<Cell>,
    pub vetoes: Vec<VetoRecord>,
}

/// The readiness of a plan's zone from its observations, evidence, assigned targets and vetoes.
pub fn readiness(
    plan: &Plan,
    observations: &[ObservationRecord],
    evidence: &[EvidenceRecord],
    uppers: &[UpperTargetRecord],
    vetoes: Vec<VetoRecord>,
) -> Readiness {
    let uppers: BTreeMap<(String, i64), Decimal> = uppers.iter().filter_map(|t| Some(((t.indicator.clone(), t.year), t.value.parse().ok()?))).collect();
    let years: Vec<i32> = (plan.start_year - 1..=plan.end_year).collect();
    let mut cells = Vec::new();
    for leaf in plan.leaves() {
        let Ok(rule) = leaf.target.parse_rule() else { continue };
        let approved_series: BTreeMap<i32, Value> = observations
            .iter()
            .filter(|o| o.indicator == leaf.code && o.region.is_empty() && o.state == EntryState::Approved)
            .filter_map(|o| Some((i32::try_from(o.year).ok()?, Value::parse(&o.value).ok()?)))
            .collect();
        for &year in &years {
            let o = observations.iter().find(|o| o.indicator == leaf.code && o.region.is_empty() && o.year == i64::from(year));
            let met = approved_series.get(&year).and_then(|_| {
                let input = EvalInput {
                    upper_target: uppers.get(&(leaf.code.to_string(), i64::from(year))).copied(),
                    direction: leaf.direction,
                    ..EvalInput::new(year, &approved_series)
                };
                match rule.evaluate(&input).status {
                    Status::Met | Status::NotApplicable => Some(true),
                    Status::NotMet => Some(false),
                    _ => None,
                }
            });
            cells.push(Cell {
                leaf: leaf.code.to_string(),
                year,
                present: o.is_some(),
                approved: o.is_some_and(|o| o.state == EntryState::Approved),
                // a base-year value the plan itself gives (no entry, id 0) is backed by the plan
                evidence: o.is_some_and(|o| o.id == 0 || evidence.iter().any(|e| e.entity == "observation" && e.entity_id == o.id)),
                met,
            });
        }
    }
    let mut leads: Vec<String> = plan.indicators.iter().flat_map(|i| i.lead_departments.clone()).collect();
    leads.sort();
    leads.dedup();
    let departments = leads
        .into_iter()
        .map(|d| {
            let theirs: Vec<&Cell> = cells.iter().filter(|c| plan.indicator_of(&c.leaf).is_some_and(|i| i.lead_departments.contains(&d))).collect();
            let s = share(theirs);
            (d, s)
        })
        .collect();
    Readiness { years, zone: share(&cells), departments, cells, vetoes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_cells_are_ready() {
        let c = |p, a, e, m| Cell { leaf: "3".into(), year: 2024, present: p, approved: a, evidence: e, met: m };
        let cells = [
            c(true, true, true, Some(true)),
            c(true, true, false, Some(true)),
            c(true, false, true, Some(true)),
            c(true, true, true, Some(false)),
            c(false, false, false, None),
        ];
        let s = share(&cells);
        assert_eq!((s.ready, s.total, s.percent), (1, 5, Decimal::from(20)));
        assert_eq!(share(&[]).percent, Decimal::ZERO);
    }
}
