//! Projection: where a quantitative indicator will stand at its deadline, from the trend of its
//! observations. The default is Open SDG's CAGR method (`notes/anchors.md` §2.4): the observed
//! compound annual growth rate from the first to the latest observation, as a ratio P of the rate
//! required to reach the target by the deadline; P ≥ 0.95 is `on_track`, 0.6 ≤ P < 0.95
//! `at_risk`, below (or moving away) `off_track`. Linear is the option: slopes instead of
//! rates. A projection is an estimate and uses floating point for its roots; the projected value
//! is rounded to 4 decimal places and P to 4. Whether a target is met stays exact decimal
//! arithmetic (the rule engine). After the deadline the projection gives way to the result.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::locale::t;
use crate::rule::{Direction, EvalInput, Expr, Op, Operand, Rule, Status};
use crate::value::Value;

/// The projection statuses of GLOSSARY.md, and the final result after the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionStatus {
    /// The target is already met.
    Achieved,
    /// The trend reaches the target by the deadline (P ≥ 0.95).
    OnTrack,
    /// 0.6 ≤ P < 0.95.
    AtRisk,
    /// P < 0.6, or moving away from the target.
    OffTrack,
    /// Fewer than two observations, or no target to aim at.
    InsufficientData,
}

impl ProjectionStatus {
    pub fn code(self) -> &'static str {
        match self {
            ProjectionStatus::Achieved => "achieved",
            ProjectionStatus::OnTrack => "on_track",
            ProjectionStatus::AtRisk => "at_risk",
            ProjectionStatus::OffTrack => "off_track",
            ProjectionStatus::InsufficientData => "insufficient_data",
        }
    }
    pub fn label(self, l: crate::Locale) -> &'static str {
        match self {
            ProjectionStatus::Achieved => t(l, "projection.achieved"),
            ProjectionStatus::OnTrack => t(l, "projection.on_track"),
            ProjectionStatus::AtRisk => t(l, "projection.at_risk"),
            ProjectionStatus::OffTrack => t(l, "projection.off_track"),
            ProjectionStatus::InsufficientData => t(l, "projection.insufficient_data"),
        }
    }
    /// The label after the deadline, where `insufficient_data` means the deadline year has no
    /// value (not "too few values to forecast").
    pub fn label_after_deadline(self, l: crate::Locale) -> &'static str {
        match self {
            ProjectionStatus::InsufficientData => t(l, "projection.no_deadline_value"),
            s => s.label(l),
        }
    }
}

/// How the trend is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    #[default]
    Cagr,
    Linear,
}

/// The projection of one series.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Projection {
    pub method: Method,
    pub status: ProjectionStatus,
    pub base_year: Option<i32>,
    #[schema(value_type = Option<String>)]
    pub base: Option<Decimal>,
    pub current_year: Option<i32>,
    #[schema(value_type = Option<String>)]
    pub current: Option<Decimal>,
    /// The level the rule asks for at the deadline.
    #[schema(value_type = Option<String>)]
    pub target: Option<Decimal>,
    pub deadline: i32,
    /// The value expected at the deadline (4 decimal places).
    #[schema(value_type = Option<String>)]
    pub projected: Option<Decimal>,
    /// Observed progress as a share of the progress required (4 decimal places).
    pub ratio: Option<f64>,
    /// After the deadline: the result at the deadline instead of a projection.
    pub final_status: Option<Status>,
    /// A stable code of why (`target_met`, `ratio`, `moving_away`, `too_few_observations`, …).
    pub reason: &'static str,
}

impl Projection {
    /// The label to show: the status, or after the deadline with no value for the deadline
    /// year, that there is no result (not "insufficient data", which reads as a forecast).
    pub fn label(&self, l: crate::Locale) -> &'static str {
        if self.final_status.is_some() { self.status.label_after_deadline(l) } else { self.status.label(l) }
    }

    /// Whether the indicator needs attention: heading for a miss before the deadline; after
    /// it, missed or without a value for the deadline year.
    pub fn needs_attention(&self) -> bool {
        matches!(self.status, ProjectionStatus::AtRisk | ProjectionStatus::OffTrack) || self.final_status == Some(Status::NoData)
    }
}

/// The level a rule aims at and which way is better; None for rules without one
/// (states, trends, composite).
pub fn target_level(rule: &Rule, series: &BTreeMap<i32, Decimal>, upper_target: Option<Decimal>) -> Option<(Decimal, Direction)> {
    fn walk(e: &Expr, series: &BTreeMap<i32, Decimal>, upper: Option<Decimal>) -> Option<(Decimal, Direction)> {
        let dir = |op: &Op| match op {
            Op::Ge | Op::Gt => Direction::HigherIsBetter,
            Op::Le | Op::Lt => Direction::LowerIsBetter,
            Op::Eq => Direction::HigherIsBetter,
        };
        match e {
            Expr::Threshold(op, Operand::Number(t)) => {
                let d = if matches!(op, Op::Eq) && t.is_zero() { Direction::LowerIsBetter } else { dir(op) };
                Some((*t, d))
            }
            Expr::Threshold(op, Operand::UpperTarget) => upper.map(|t| (t, dir(op))),
            Expr::DeclineFrom { base_year, percent, .. } => {
                let base = series.get(base_year)?;
                Some((*base * (Decimal::ONE - *percent / Decimal::ONE_HUNDRED), Direction::LowerIsBetter))
            }
            Expr::IncreaseFrom { base_year, percent, .. } => {
                let base = series.get(base_year)?;
                Some((*base * (Decimal::ONE + *percent / Decimal::ONE_HUNDRED), Direction::HigherIsBetter))
            }
            Expr::And(v) | Expr::Or(v) => v.iter().find_map(|x| walk(x, series, upper)),
            _ => None,
        }
    }
    walk(&rule.expr, series, upper_target)
}

fn to_f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn round4(x: f64) -> Option<Decimal> {
    Decimal::from_f64(x).map(|d| d.round_dp(4).normalize())
}

/// Compound annual growth rate; values at or near zero are replaced by 0.001 as Open SDG does.
fn cagr(v1: f64, v0: f64, years: f64) -> f64 {
    let fix = |v: f64| if v.abs() < 1e-12 { 0.001 } else { v };
    (fix(v1) / fix(v0)).powf(1.0 / years) - 1.0
}

/// Projects a series to the rule's deadline, as of `as_of_year` (the clock's year).
pub fn project(rule: &Rule, deadline: i32, series: &BTreeMap<i32, Value>, upper_target: Option<Decimal>, as_of_year: i32, method: Method) -> Projection {
    let numbers: BTreeMap<i32, Decimal> = series.iter().filter(|(y, _)| **y <= as_of_year).filter_map(|(y, v)| v.number().map(|n| (*y, n))).collect();
    let mut p = Projection {
        method,
        status: ProjectionStatus::InsufficientData,
        base_year: None,
        base: None,
        current_year: None,
        current: None,
        target: None,
        deadline,
        projected: None,
        ratio: None,
        final_status: None,
        reason: "too_few_observations",
    };
    // after the deadline year: the result at the deadline
    if as_of_year > deadline {
        let verdict = rule.evaluate(&EvalInput { upper_target, ..EvalInput::new(deadline, series) });
        p.final_status = Some(verdict.status);
        p.status = match verdict.status {
            Status::Met => ProjectionStatus::Achieved,
            Status::NotMet => ProjectionStatus::OffTrack,
            _ => ProjectionStatus::InsufficientData,
        };
        p.reason = "after_deadline";
        p.current_year = numbers.range(..=deadline).next_back().map(|(y, _)| *y);
        p.current = p.current_year.and_then(|y| numbers.get(&y).copied());
        return p;
    }
    let Some((target, dir)) = target_level(rule, &numbers, upper_target) else {
        p.reason = if rule.needs_upper_target() { "target_not_set" } else { "no_level_target" };
        return p;
    };
    p.target = Some(target);
    // the base is the plan's base year when observed, else the first observation
    let base_year = rule.base_years().into_iter().find(|y| numbers.contains_key(y)).or_else(|| numbers.keys().next().copied());
    let (Some(by), Some((&cy, &current))) = (base_year, numbers.iter().next_back()) else { return p };
    let base = numbers[&by];
    p.base_year = Some(by);
    p.base = Some(base);
    p.current_year = Some(cy);
    p.current = Some(current);
    let met = match dir {
        Direction::HigherIsBetter => current >= target,
        Direction::LowerIsBetter => current <= target,
    };
    if met {
        p.status = ProjectionStatus::Achieved;
        p.reason = "target_met";
        p.projected = Some(current);
        return p;
    }
    if numbers.len() < 2 || cy <= by {
        return p;
    }
    // opposite signs have no growth rate; for CAGR a zero counts as +0.001 (Open SDG), so a
    // zero base followed by a negative value is a sign change too
    let negative = |v: Decimal| v.is_sign_negative() && !v.is_zero();
    let opposite =
        if method == Method::Cagr { negative(base) != negative(current) } else { negative(base) != negative(current) && !base.is_zero() && !current.is_zero() };
    if opposite {
        p.reason = "sign_change";
        return p;
    }
    let d = if dir == Direction::HigherIsBetter { 1.0 } else { -1.0 };
    let s = if base.is_sign_negative() { -1.0 } else { 1.0 };
    let (b, c, t) = (to_f(base), to_f(current), to_f(target));
    let (elapsed, horizon) = (f64::from(cy - by), f64::from(deadline - by));
    let ahead = f64::from((deadline - cy).max(0));
    let (ratio, projected) = match method {
        Method::Cagr => {
            let observed = cagr(c, b, elapsed);
            let required = cagr(t, b, horizon.max(1.0));
            let projected = c * (1.0 + observed).powf(ahead);
            (if required.abs() < 1e-12 { f64::INFINITY * d * observed.signum() * s } else { s * d * observed / required.abs() }, projected)
        }
        Method::Linear => {
            let observed = (c - b) / elapsed;
            let required = (t - b) / horizon.max(1.0);
            let projected = c + observed * ahead;
            (if required.abs() < 1e-12 { f64::INFINITY * d * observed.signum() } else { d * observed / required.abs() }, projected)
        }
    };
    if ratio.is_nan() || projected.is_nan() {
        p.reason = "no_rate";
        return p;
    }
    p.projected = round4(projected);
    p.ratio = if ratio.is_finite() { round4(ratio).and_then(|r| r.to_f64()) } else { None };
    p.status = if ratio >= 0.95 {
        ProjectionStatus::OnTrack
    } else if ratio >= 0.6 {
        ProjectionStatus::AtRisk
    } else {
        ProjectionStatus::OffTrack
    };
    p.reason = if ratio < 0.0 { "moving_away" } else { "ratio" };
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn series(rows: &[(i32, &str)]) -> BTreeMap<i32, Value> {
        rows.iter().map(|(y, v)| (*y, Value::parse(v).unwrap())).collect()
    }
    fn run(rule: &str, rows: &[(i32, &str)], as_of: i32, method: Method) -> Projection {
        project(&Rule::parse(rule).unwrap(), 2025, &series(rows), None, as_of, method)
    }
    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rising_series_worked_by_hand() {
        // 40 in 2020, 44.1 in 2022: CAGR = sqrt(1.1025) − 1 = 0.05. Required to reach 60 by 2025:
        // (60/40)^(1/5) − 1 = 0.084472. P = 0.05 / 0.084472 = 0.5919 → off track.
        let p = run(">= 60", &[(2020, "40"), (2022, "44.1")], 2024, Method::Cagr);
        assert_eq!(p.ratio, Some(0.5919));
        assert_eq!(p.status, ProjectionStatus::OffTrack);
        // projected: 44.1 × 1.05³ = 51.0513…
        assert_eq!(p.projected, Some(d("51.0513")));
        // the same series against 50 by 2025: required (1.25)^(1/5) − 1 = 0.045640, P = 1.0955 → on track
        let p = run(">= 50", &[(2020, "40"), (2022, "44.1")], 2024, Method::Cagr);
        assert_eq!(p.ratio, Some(1.0955));
        assert_eq!(p.status, ProjectionStatus::OnTrack);
        // against 53: required (1.325)^(1/5) − 1 = 0.057896, P = 0.8636 → at risk
        let p = run(">= 53", &[(2020, "40"), (2022, "44.1")], 2024, Method::Cagr);
        assert_eq!(p.status, ProjectionStatus::AtRisk);
        assert_eq!(p.ratio, Some(0.8636));
    }

    #[test]
    fn falling_series_and_decline_targets() {
        // energy intensity 1.00 in 2020 → 0.90 in 2023: observed CAGR = 0.9^(1/3) − 1 = −0.034511;
        // required for −12% by 2025: 0.88^(1/5) − 1 = −0.025243; P = −1 × −0.034511 / 0.025243 = 1.3672
        let p = run("decline_from 2020 >= 12%", &[(2020, "1.00"), (2023, "0.90")], 2024, Method::Cagr);
        assert_eq!(p.target, Some(d("0.88")));
        assert_eq!(p.ratio, Some(1.3672));
        assert_eq!(p.status, ProjectionStatus::OnTrack);
        // PM2.5 rising while it must fall: moving away
        let p = run("<= 34", &[(2020, "36"), (2023, "38")], 2024, Method::Cagr);
        assert_eq!(p.status, ProjectionStatus::OffTrack);
        assert_eq!(p.reason, "moving_away");
    }

    #[test]
    fn flat_met_and_edge_cases() {
        let flat = run(">= 60", &[(2020, "50"), (2023, "50")], 2024, Method::Cagr);
        assert_eq!((flat.status, flat.ratio), (ProjectionStatus::OffTrack, Some(0.0)));
        let met = run(">= 60", &[(2020, "50"), (2023, "61")], 2024, Method::Cagr);
        assert_eq!(met.status, ProjectionStatus::Achieved);
        // a target already passed: achieved on one observation
        assert_eq!(run("<= 34", &[(2023, "30")], 2024, Method::Cagr).status, ProjectionStatus::Achieved);
        // one observation and not met: insufficient
        assert_eq!(run(">= 60", &[(2023, "50")], 2024, Method::Cagr).status, ProjectionStatus::InsufficientData);
        // zero base: replaced by 0.001 (劣Ⅴ类 = 0 is lower-is-better and met at 0)
        let z = run(">= 10", &[(2020, "0"), (2022, "2")], 2024, Method::Cagr);
        assert_eq!(z.status, ProjectionStatus::OnTrack);
        assert_eq!(run("= 0", &[(2020, "3"), (2023, "0")], 2024, Method::Cagr).status, ProjectionStatus::Achieved);
        // a zero base and a negative value (indicator 19, a reduction): no rate, said so
        let neg = run(">= 10", &[(2021, "0"), (2023, "-2")], 2024, Method::Cagr);
        assert_eq!((neg.status, neg.reason, neg.ratio, neg.projected), (ProjectionStatus::InsufficientData, "sign_change", None, None));
        // the linear reading has a slope across zero
        assert_eq!(run(">= 10", &[(2021, "0"), (2023, "-2")], 2024, Method::Linear).reason, "moving_away");
        // states and trends have no level to project
        assert_eq!(run("state 建立", &[(2020, "建立")], 2024, Method::Cagr).reason, "no_level_target");
        let upper = project(&Rule::parse(">= upper_target").unwrap(), 2025, &series(&[(2020, "80"), (2022, "85")]), None, 2024, Method::Cagr);
        assert_eq!(upper.reason, "target_not_set");
    }

    #[test]
    fn linear_option() {
        // 40 → 44 over 2020–2022: 2 a year; required (60 − 40)/5 = 4 a year: P = 0.5; projected 44 + 3×2 = 50
        let p = run(">= 60", &[(2020, "40"), (2022, "44")], 2024, Method::Linear);
        assert_eq!((p.ratio, p.projected), (Some(0.5), Some(d("50"))));
        assert_eq!(p.status, ProjectionStatus::OffTrack);
    }

    #[test]
    fn after_the_deadline_the_result() {
        let p = run(">= 60", &[(2020, "40"), (2025, "61")], 2026, Method::Cagr);
        assert_eq!((p.status, p.final_status), (ProjectionStatus::Achieved, Some(Status::Met)));
        let p = run(">= 60", &[(2020, "40"), (2025, "59.9")], 2026, Method::Cagr);
        assert_eq!(p.final_status, Some(Status::NotMet));
        let p = run(">= 60", &[(2020, "40"), (2024, "70")], 2026, Method::Cagr);
        assert_eq!(p.final_status, Some(Status::NoData), "no value for the deadline year");
        assert!(p.needs_attention(), "after the deadline, no deadline-year value needs attention");
        assert!(run(">= 60", &[(2020, "40"), (2025, "59.9")], 2026, Method::Cagr).needs_attention(), "missed");
        assert!(!run(">= 60", &[(2020, "40"), (2025, "61")], 2026, Method::Cagr).needs_attention(), "met");
        assert_eq!(p.label(crate::Locale::Zh), "截止年度无数据");
        assert_eq!(run(">= 60", &[(2020, "40"), (2025, "61")], 2026, Method::Cagr).label(crate::Locale::Zh), "已达标");
    }
}
