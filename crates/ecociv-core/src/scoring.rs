//! The quarterly assessment (季考核): scoring rules (考核办法) as a versioned TOML text per
//! zone, the facts of a quarter for every region and department, their scores with an
//! explanation down to the facts, and the ranking. Pure: the caller gathers the facts from the
//! store. Every component scores 0–1 and is monotone in its facts; a unit's score is the
//! weighted mean of the components that apply to it, times 100. Ties share a rank (1, 2, 2, 4).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entry::{FieldError, YearMonth};
use crate::locale::{t, tf};
use crate::supervision::OrderOutcome;

/// What a component measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// Share of the monthly reports due in the quarter that came on time (late counts half).
    OnTimeReporting,
    /// Share of the indicators the unit leads that meet their target (latest approved year).
    IndicatorAttainment,
    /// Mean over the unit's projects of reported progress against the progress their period
    /// expects by the quarter's end (capped at 1).
    ProjectProgress,
    /// Cumulative investment of the unit's projects against their budgets, as a share of the
    /// share their period expects (capped at 1).
    InvestmentCompleted,
    /// One minus the share of the unit's entries returned for correction in the quarter.
    DataQuality,
    /// The supervision orders to the unit whose deadline falls in the quarter: closed on an
    /// answer sent by the deadline (1), after it (the late credit), or overdue (0).
    SupervisionOrders,
}

impl ComponentKind {
    pub fn label(self, l: crate::Locale) -> &'static str {
        match self {
            ComponentKind::OnTimeReporting => t(l, "component.on_time_reporting"),
            ComponentKind::IndicatorAttainment => t(l, "component.indicator_attainment"),
            ComponentKind::ProjectProgress => t(l, "component.project_progress"),
            ComponentKind::InvestmentCompleted => t(l, "component.investment_completed"),
            ComponentKind::DataQuality => t(l, "component.data_quality"),
            ComponentKind::SupervisionOrders => t(l, "component.supervision_orders"),
        }
    }
}

/// One weighted component of the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Component {
    pub kind: ComponentKind,
    /// Points of the component (the weights of a rule set add up to 100).
    #[schema(value_type = String)]
    pub weight: Decimal,
}

/// 考核办法: a version of the scoring rules of a zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoringRules {
    pub title: String,
    pub components: Vec<Component>,
    /// The credit of a late report against an on-time one (0–1; 0.5 by default).
    #[serde(default = "default_late_credit")]
    #[schema(value_type = String)]
    pub late_credit: Decimal,
}

fn default_late_credit() -> Decimal {
    Decimal::new(5, 1)
}

impl ScoringRules {
    /// The rules ecociv starts with, until the task force writes its own.
    pub fn default_text() -> &'static str {
        include_str!("../../../data/scoring/default.toml")
    }

    /// Reads and checks a rules text.
    pub fn parse(text: &str) -> Result<ScoringRules, Vec<FieldError>> {
        let rules: ScoringRules = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| crate::framework::line_of(text, s.start)).unwrap_or(0);
            vec![FieldError::keyed("rules", "bad_rules", "field.scoring.bad_rules").arg("message", &e.message()).arg("line", &line)]
        })?;
        let mut errs = Vec::new();
        let total: Decimal = rules.components.iter().map(|c| c.weight).sum();
        if total != Decimal::ONE_HUNDRED {
            errs.push(FieldError::keyed("components", "weights_not_100", "field.scoring.weights_not_100").arg("total", &total));
        }
        if rules.late_credit < Decimal::ZERO || rules.late_credit > Decimal::ONE {
            errs.push(FieldError::keyed("late_credit", "out_of_range", "field.scoring.late_credit"));
        }
        if rules.components.iter().any(|c| c.weight <= Decimal::ZERO) {
            errs.push(FieldError::keyed("components", "weight_not_positive", "field.scoring.weight_not_positive"));
        }
        let mut kinds: Vec<ComponentKind> = rules.components.iter().map(|c| c.kind).collect();
        kinds.sort();
        if kinds.windows(2).any(|w| w[0] == w[1]) {
            errs.push(FieldError::keyed("components", "duplicate_component", "field.scoring.duplicate_component"));
        }
        if errs.is_empty() { Ok(rules) } else { Err(errs) }
    }
}

/// A quarter, `2024Q2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn months(self) -> [YearMonth; 3] {
        let first = (self.q - 1) * 3 + 1;
        [0, 1, 2].map(|i| YearMonth { year: self.year, month: first + i })
    }
    pub fn previous(self) -> Quarter {
        if self.q == 1 { Quarter { year: self.year - 1, q: 4 } } else { Quarter { year: self.year, q: self.q - 1 } }
    }
    pub fn of(m: YearMonth) -> Quarter {
        Quarter { year: m.year, q: (m.month - 1) / 3 + 1 }
    }
    /// The last month of the quarter.
    pub fn last_month(self) -> YearMonth {
        self.months()[2]
    }
}

impl std::str::FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        let (y, q) = t.split_once('Q').ok_or_else(|| format!("{s:?} is not YYYYQn"))?;
        let year: i32 = y.parse().map_err(|_| format!("{s:?} is not YYYYQn"))?;
        let q: u32 = q.parse().map_err(|_| format!("{s:?} is not YYYYQn"))?;
        if y.len() != 4 || !(1..=4).contains(&q) {
            return Err(format!("{s:?} is not YYYYQn"));
        }
        Ok(Quarter { year, q })
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// How a due monthly report came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    Missing,
    Late,
    OnTime,
}

/// One fact about a unit in a quarter, with what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    /// A monthly report due in the quarter.
    Report { subject: String, period: String, arrival: Arrival },
    /// An indicator the unit leads, met or not in its latest approved year (None: no value).
    Indicator { code: String, met: Option<bool> },
    /// A project's progress against what its period expects by the quarter's end (percent).
    Progress {
        project: u32,
        #[schema(value_type = String)]
        reported: Decimal,
        #[schema(value_type = String)]
        expected: Decimal,
    },
    /// A project's cumulative investment against its budget (万元) and the share expected.
    Investment {
        project: u32,
        #[schema(value_type = String)]
        cumulative_wan: Decimal,
        #[schema(value_type = String)]
        budget_wan: Decimal,
        #[schema(value_type = String)]
        expected_share: Decimal,
    },
    /// Entries the unit sent, and how many of them the task force returned in the quarter.
    Returns { entries: u32, returned: u32 },
    /// A supervision order to the unit with its deadline in the quarter, and how it counted.
    Order { id: i64, deadline: String, outcome: crate::supervision::OrderOutcome },
}

impl Fact {
    /// The fact for people.
    pub fn describe(&self, l: crate::Locale) -> String {
        match self {
            Fact::Report { subject, period, arrival } => {
                let how = match arrival {
                    Arrival::OnTime => t(l, "fact.on_time"),
                    Arrival::Late => t(l, "todo.late"),
                    Arrival::Missing => t(l, "bulletin.missing"),
                };
                // the subject is `project 12` or `task 3`: its word in the language
                let subject = subject.replace("project", t(l, "fact.project")).replace("task", t(l, "fact.task"));
                format!("{subject} · {period} · {how}")
            }
            Fact::Indicator { code, met } => {
                let key = match met {
                    Some(true) => "fact.indicator_met",
                    Some(false) => "fact.indicator_not_met",
                    None => "fact.indicator_no_value",
                };
                tf(l, key, &[("code", code.to_string())])
            }
            Fact::Progress { project, reported, expected } => {
                tf(l, "fact.progress", &[("project", project.to_string()), ("reported", reported.to_string()), ("expected", expected.to_string())])
            }
            Fact::Investment { project, cumulative_wan, budget_wan, expected_share } => {
                let pct = (*expected_share * Decimal::ONE_HUNDRED).round_dp(1);
                tf(
                    l,
                    "fact.investment",
                    &[
                        ("project", project.to_string()),
                        ("cumulative", cumulative_wan.to_string()),
                        ("budget", budget_wan.normalize().to_string()),
                        ("percent", pct.to_string()),
                    ],
                )
            }
            Fact::Returns { entries, returned } => tf(l, "fact.returns", &[("entries", entries.to_string()), ("returned", returned.to_string())]),
            Fact::Order { id, deadline, outcome } => {
                let key = match outcome {
                    OrderOutcome::OnTime => "fact.order_on_time",
                    OrderOutcome::Late => "fact.order_late",
                    OrderOutcome::Overdue => "fact.order_overdue",
                };
                tf(l, key, &[("id", id.to_string()), ("deadline", deadline.clone())])
            }
        }
    }
}

/// The facts of one unit in one quarter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct UnitFacts {
    pub unit: String,
    pub facts: Vec<Fact>,
}

/// A component's score for a unit, and the facts that made it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ComponentScore {
    pub kind: ComponentKind,
    #[schema(value_type = String)]
    pub weight: Decimal,
    /// 0–1; None when nothing of this component applies to the unit.
    #[schema(value_type = Option<String>)]
    pub score: Option<Decimal>,
    pub facts: Vec<Fact>,
}

/// A unit's score, rank and change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitScore {
    pub unit: String,
    /// 0–100, 2 decimal places.
    #[schema(value_type = String)]
    pub score: Decimal,
    pub rank: usize,
    /// Against the previous quarter (None when it had no score then).
    #[schema(value_type = Option<String>)]
    pub change: Option<Decimal>,
    pub components: Vec<ComponentScore>,
}

fn ratio(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() { Decimal::ONE } else { (part / whole).min(Decimal::ONE).max(Decimal::ZERO) }
}

fn component(kind: ComponentKind, facts: &[Fact], late_credit: Decimal) -> (Option<Decimal>, Vec<Fact>) {
    let mine: Vec<Fact> = facts
        .iter()
        .filter(|f| {
            matches!(
                (kind, f),
                (ComponentKind::OnTimeReporting, Fact::Report { .. })
                    | (ComponentKind::IndicatorAttainment, Fact::Indicator { .. })
                    | (ComponentKind::ProjectProgress, Fact::Progress { .. })
                    | (ComponentKind::InvestmentCompleted, Fact::Investment { .. })
                    | (ComponentKind::DataQuality, Fact::Returns { .. })
                    | (ComponentKind::SupervisionOrders, Fact::Order { .. })
            )
        })
        .cloned()
        .collect();
    let scores: Vec<Decimal> = mine
        .iter()
        .filter_map(|f| match f {
            Fact::Report { arrival, .. } => Some(match arrival {
                Arrival::OnTime => Decimal::ONE,
                Arrival::Late => late_credit,
                Arrival::Missing => Decimal::ZERO,
            }),
            Fact::Indicator { met, .. } => Some(if *met == Some(true) { Decimal::ONE } else { Decimal::ZERO }),
            Fact::Progress { reported, expected, .. } => Some(ratio(*reported, *expected)),
            Fact::Investment { cumulative_wan, budget_wan, expected_share, .. } => {
                if budget_wan.is_zero() {
                    None
                } else {
                    Some(ratio(*cumulative_wan / *budget_wan, *expected_share))
                }
            }
            Fact::Returns { entries, returned } => {
                if *entries == 0 {
                    None
                } else {
                    Some(Decimal::ONE - ratio(Decimal::from(*returned), Decimal::from(*entries)))
                }
            }
            Fact::Order { outcome, .. } => Some(match outcome {
                OrderOutcome::OnTime => Decimal::ONE,
                OrderOutcome::Late => late_credit,
                OrderOutcome::Overdue => Decimal::ZERO,
            }),
        })
        .collect();
    if scores.is_empty() {
        return (None, mine);
    }
    let mean = scores.iter().copied().sum::<Decimal>() / Decimal::from(scores.len());
    (Some(mean), mine)
}

/// Scores every unit; units with no applicable component get no score and are left out.
pub fn score(rules: &ScoringRules, units: &[UnitFacts], previous: &BTreeMap<String, Decimal>) -> Vec<UnitScore> {
    let mut out: Vec<UnitScore> = Vec::new();
    for u in units {
        let comps: Vec<ComponentScore> = rules
            .components
            .iter()
            .map(|c| {
                let (score, facts) = component(c.kind, &u.facts, rules.late_credit);
                ComponentScore { kind: c.kind, weight: c.weight, score, facts }
            })
            .collect();
        let applicable: Decimal = comps.iter().filter(|c| c.score.is_some()).map(|c| c.weight).sum();
        if applicable.is_zero() {
            continue;
        }
        let total: Decimal = comps.iter().filter_map(|c| c.score.map(|s| s * c.weight)).sum();
        let score = (total * Decimal::ONE_HUNDRED / applicable).round_dp(2);
        out.push(UnitScore { unit: u.unit.clone(), score, rank: 0, change: previous.get(&u.unit).map(|p| score - *p), components: comps });
    }
    rank(&mut out);
    out
}

/// Orders by score (then name, for a stable order) and gives equal scores the same rank.
pub fn rank(scores: &mut [UnitScore]) {
    scores.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.unit.cmp(&b.unit)));
    for i in 0..scores.len() {
        scores[i].rank = if i > 0 && scores[i].score == scores[i - 1].score { scores[i - 1].rank } else { i + 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> ScoringRules {
        ScoringRules::parse(ScoringRules::default_text()).unwrap()
    }
    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn the_default_rules_parse_and_bad_rules_are_refused() {
        let r = rules();
        assert_eq!(r.components.iter().map(|c| c.weight).sum::<Decimal>(), d(100));
        let e = ScoringRules::parse("title = \"x\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"60\" }]").unwrap_err();
        assert_eq!(e[0].code, "weights_not_100");
        let e = ScoringRules::parse("title = \"x\"\ncomponents = [{ kind = \"luck\", weight = \"100\" }]").unwrap_err();
        assert_eq!(e[0].code, "bad_rules");
        assert!(e[0].message(crate::Locale::En).starts_with("line 2"), "{}", e[0].message(crate::Locale::En));
        assert_eq!("2024q2".parse::<Quarter>().unwrap().to_string(), "2024Q2");
        assert!("2024Q5".parse::<Quarter>().is_err());
        assert_eq!("2024Q1".parse::<Quarter>().unwrap().previous().to_string(), "2023Q4");
    }

    #[test]
    fn a_score_worked_by_hand() {
        let facts = vec![
            Fact::Report { subject: "project 11".into(), period: "2024-04".into(), arrival: Arrival::OnTime },
            Fact::Report { subject: "project 11".into(), period: "2024-05".into(), arrival: Arrival::Late },
            Fact::Report { subject: "project 11".into(), period: "2024-06".into(), arrival: Arrival::Missing },
            Fact::Progress { project: 11, reported: d(30), expected: d(60) },
            Fact::Returns { entries: 4, returned: 1 },
        ];
        let s = score(&rules(), &[UnitFacts { unit: "市住建局".into(), facts }], &BTreeMap::new());
        // on time (1 + 0.5 + 0)/3 = 0.5; progress 0.5; quality 0.75; attainment, investment and
        // supervision orders do not apply. Default weights: on time 25, attainment 25, progress 20,
        // investment 10, quality 10, orders 10 → applicable 55
        // (0.5×25 + 0.5×20 + 0.75×10) / 55 × 100 = 30 / 55 × 100 = 54.545… → 54.55
        assert_eq!(s[0].score, Decimal::new(5455, 2));
        assert_eq!(s[0].components.iter().filter(|c| c.score.is_none()).count(), 3);
        // an overdue order and one closed late: (0 + 0.5)/2 = 0.25 at weight 10 → 32.5 / 65 = 50
        let mut with_orders = s[0].components.iter().flat_map(|c| c.facts.clone()).collect::<Vec<_>>();
        with_orders.push(Fact::Order { id: 1, deadline: "2024-05-20".into(), outcome: OrderOutcome::Overdue });
        with_orders.push(Fact::Order { id: 2, deadline: "2024-06-20".into(), outcome: OrderOutcome::Late });
        let s = score(&rules(), &[UnitFacts { unit: "市住建局".into(), facts: with_orders }], &BTreeMap::new());
        assert_eq!(s[0].score, Decimal::from(50));
    }

    #[test]
    fn the_late_credit_is_the_rules() {
        let facts = vec![Fact::Report { subject: "p".into(), period: "2024-04".into(), arrival: Arrival::Late }];
        let strict = ScoringRules::parse("title = \"t\"\nlate_credit = \"0\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]").unwrap();
        let kind = ScoringRules::parse("title = \"t\"\nlate_credit = \"0.8\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]").unwrap();
        let unit = [UnitFacts { unit: "u".into(), facts }];
        assert_eq!(score(&strict, &unit, &BTreeMap::new())[0].score, Decimal::ZERO);
        assert_eq!(score(&kind, &unit, &BTreeMap::new())[0].score, Decimal::from(80));
        assert!(ScoringRules::parse("title = \"t\"\nlate_credit = \"2\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]").is_err());
    }

    #[test]
    fn ties_share_a_rank() {
        let u = |name: &str, arrival: Arrival| UnitFacts {
            unit: name.into(),
            facts: vec![Fact::Report { subject: "p".into(), period: "2024-04".into(), arrival }],
        };
        let mut prev = BTreeMap::new();
        prev.insert("b".to_string(), d(40));
        let s = score(&rules(), &[u("c", Arrival::Late), u("a", Arrival::OnTime), u("b", Arrival::OnTime), u("d", Arrival::Missing)], &prev);
        let ranks: Vec<(&str, usize)> = s.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
        assert_eq!(ranks, vec![("a", 1), ("b", 1), ("c", 3), ("d", 4)]);
        assert_eq!(s[1].change, Some(d(60)));
        assert_eq!(s[0].change, None);
    }

    fn arrival() -> impl Strategy<Value = Arrival> {
        prop_oneof![Just(Arrival::Missing), Just(Arrival::Late), Just(Arrival::OnTime)]
    }

    fn facts() -> impl Strategy<Value = Vec<Fact>> {
        let report = arrival().prop_map(|a| Fact::Report { subject: "p".into(), period: "2024-04".into(), arrival: a });
        let indicator = prop::option::of(any::<bool>()).prop_map(|m| Fact::Indicator { code: "3".into(), met: m });
        let progress = (0i64..=150, 1i64..=100).prop_map(|(r, e)| Fact::Progress { project: 1, reported: d(r), expected: d(e) });
        let investment = (0i64..=2000, 1i64..=1000, 1i64..=100).prop_map(|(c, b, e)| Fact::Investment {
            project: 1,
            cumulative_wan: d(c),
            budget_wan: d(b),
            expected_share: Decimal::new(e, 2),
        });
        let returns = (0u32..20, 0u32..20).prop_map(|(e, r)| Fact::Returns { entries: e.max(r), returned: r.min(e) });
        let order = prop_oneof![Just(OrderOutcome::Overdue), Just(OrderOutcome::Late), Just(OrderOutcome::OnTime)].prop_map(|outcome| Fact::Order {
            id: 1,
            deadline: "2024-05-20".into(),
            outcome,
        });
        prop::collection::vec(prop_oneof![report, indicator, progress, investment, returns, order], 1..12)
    }

    /// The same facts with one of them made better.
    fn improve(f: &Fact) -> Fact {
        match f {
            Fact::Report { subject, period, arrival } => Fact::Report {
                subject: subject.clone(),
                period: period.clone(),
                arrival: match arrival {
                    Arrival::Missing => Arrival::Late,
                    _ => Arrival::OnTime,
                },
            },
            Fact::Indicator { code, .. } => Fact::Indicator { code: code.clone(), met: Some(true) },
            Fact::Progress { project, reported, expected } => Fact::Progress { project: *project, reported: *reported + d(10), expected: *expected },
            Fact::Investment { project, cumulative_wan, budget_wan, expected_share } => {
                Fact::Investment { project: *project, cumulative_wan: *cumulative_wan + d(100), budget_wan: *budget_wan, expected_share: *expected_share }
            }
            Fact::Returns { entries, returned } => Fact::Returns { entries: *entries, returned: returned.saturating_sub(1) },
            Fact::Order { id, deadline, outcome } => Fact::Order {
                id: *id,
                deadline: deadline.clone(),
                outcome: match outcome {
                    OrderOutcome::Overdue => OrderOutcome::Late,
                    _ => OrderOutcome::OnTime,
                },
            },
        }
    }

    proptest! {
        #[test]
        fn improving_one_input_never_lowers_the_score(facts in facts(), which in any::<prop::sample::Index>()) {
            let i = which.index(facts.len());
            let mut better = facts.clone();
            better[i] = improve(&facts[i]);
            let before = score(&rules(), &[UnitFacts { unit: "u".into(), facts }], &BTreeMap::new());
            let after = score(&rules(), &[UnitFacts { unit: "u".into(), facts: better }], &BTreeMap::new());
            if let (Some(b), Some(a)) = (before.first(), after.first()) {
                prop_assert!(a.score >= b.score, "{} < {}", a.score, b.score);
            }
        }

        #[test]
        fn the_ranking_does_not_depend_on_the_order_of_the_data(units in prop::collection::vec(facts(), 1..8), seed in any::<u64>()) {
            let named: Vec<UnitFacts> = units.into_iter().enumerate().map(|(i, f)| UnitFacts { unit: format!("unit{i}"), facts: f }).collect();
            let mut shuffled = named.clone();
            // a deterministic shuffle of the units and of each unit's facts
            let n = shuffled.len();
            for i in 0..n {
                let j = ((seed >> (i % 32)) as usize + i * 7) % n;
                shuffled.swap(i, j);
            }
            for u in shuffled.iter_mut() {
                u.facts.reverse();
            }
            let a = score(&rules(), &named, &BTreeMap::new());
            let b = score(&rules(), &shuffled, &BTreeMap::new());
            let key = |s: &Vec<UnitScore>| s.iter().map(|x| (x.unit.clone(), x.score, x.rank)).collect::<Vec<_>>();
            prop_assert_eq!(key(&a), key(&b));
        }
    }
}
