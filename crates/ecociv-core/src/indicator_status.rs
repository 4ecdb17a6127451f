//! Where each indicator stands: for every leaf, its series of values (for the zone), the
//! verdict of its latest year, and its projection to the deadline. The caller chooses which
//! values count (the public portal counts only approved ones).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::Plan;
use crate::projection::{Method, Projection, project};
use crate::rule::{EvalInput, Status};
use crate::value::Value;

/// One value of an indicator, as the store gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesValue {
    pub indicator: String,
    pub year: i32,
    pub value: Value,
}

/// One year of a leaf: its value and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct YearStatus {
    pub year: i32,
    pub value: String,
    pub status: Status,
    pub reason: String,
}

/// Where one leaf indicator stands.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeafStanding {
    pub code: String,
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub target: String,
    pub lead_departments: Vec<String>,
    pub years: Vec<YearStatus>,
    /// The verdict of the latest year with a value (or `no_data`).
    pub latest: Status,
    pub projection: Projection,
}

/// The standing of every leaf of the plan on the zone's values (regional values are not
/// counted here), as of the clock's year.
pub fn standings(
    plan: &Plan,
    values: &[SeriesValue],
    upper_targets: &BTreeMap<(String, i32), Decimal>,
    as_of_year: i32,
    method: Method,
    l: crate::Locale,
) -> Vec<LeafStanding> {
    let mut out = Vec::new();
    for leaf in plan.leaves() {
        let Ok(rule) = leaf.target.parse_rule() else { continue };
        let series: BTreeMap<i32, Value> = values.iter().filter(|v| v.indicator == leaf.code).map(|v| (v.year, v.value.clone())).collect();
        let years: Vec<YearStatus> = series
            .iter()
            .map(|(y, v)| {
                let upper = upper_targets.get(&(leaf.code.to_string(), *y)).copied();
                let verdict = rule.evaluate(&EvalInput { upper_target: upper, direction: leaf.direction, ..EvalInput::new(*y, &series) });
                YearStatus { year: *y, value: v.display(), status: verdict.status, reason: verdict.reason.message(l) }
            })
            .collect();
        let latest = years.iter().rev().find(|y| y.status != Status::NotApplicable).map(|y| y.status).unwrap_or(Status::NoData);
        let deadline_upper = upper_targets
            .get(&(leaf.code.to_string(), leaf.target.deadline))
            .or_else(|| upper_targets.iter().filter(|((c, _), _)| c == leaf.code).map(|(_, v)| v).next_back())
            .copied();
        let projection = project(&rule, leaf.target.deadline, &series, deadline_upper, as_of_year, method);
        out.push(LeafStanding {
            code: leaf.code.to_string(),
            indicator: leaf.indicator.code.clone(),
            name: plan.leaf_name(leaf.code, l),
            unit: leaf.unit.to_string(),
            target: leaf.target.printed.clone(),
            lead_departments: leaf.indicator.lead_departments.clone(),
            years,
            latest,
            projection,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};
    use crate::projection::ProjectionStatus;

    #[test]
    fn standings_of_the_plan() {
        let plan = build_plan(&hohhot()).unwrap();
        let v = |i: &str, y: i32, s: &str| SeriesValue { indicator: i.into(), year: y, value: Value::parse(s).unwrap() };
        let values = vec![v("7.1", 2021, "80"), v("7.1", 2023, "83"), v("13", 2023, "建立"), v("16", 2023, "96")];
        let mut uppers = BTreeMap::new();
        uppers.insert(("16".to_string(), 2023), Decimal::from(95));
        let s = standings(&plan, &values, &uppers, 2024, Method::Cagr, crate::Locale::Zh);
        assert_eq!(s.len(), plan.leaves().len());
        let a = s.iter().find(|x| x.code == "7.1").unwrap();
        assert_eq!(a.latest, Status::NotMet);
        assert_eq!(a.projection.status, ProjectionStatus::OnTrack, "{:?}", a.projection);
        assert_eq!(a.lead_departments, vec!["市生态环境局"]);
        assert_eq!(s.iter().find(|x| x.code == "13").unwrap().latest, Status::Met);
        assert_eq!(s.iter().find(|x| x.code == "16").unwrap().latest, Status::Met);
        assert_eq!(s.iter().find(|x| x.code == "3").unwrap().latest, Status::NoData);
    }
}
