//! The yearly self-assessment report (年度自评估报告) that a named zone files under the 2024/2025
//! rules, made like the other documents. No national outline of it is published; its content
//! follows what the rules' dynamic supervision looks at: every leaf's value of the year against
//! its target and against the year before (a value that moved the wrong way, or a target met the
//! year before and missed now, is the 指标反弹 that draws a warning), the one-vote vetoes of the
//! year (重大、特大突发环境事件, falsified data), and where the rectification tasks stood at the
//! year's end — then the task force's own words. The year's values are taken as they stood when
//! they were due, as the technical report takes them.

use chrono::NaiveDate;
use ecociv_core::Locale;
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::locale::{t, tf};
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::rule::{Direction, Status};
use ecociv_report::documents::Masthead;
use ecociv_report::official::OfficialDoc;
use rust_decimal::Decimal;

use crate::App;
use crate::error::AppError;

/// How a leaf fared from the year before to the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Better,
    Same,
    Worse,
    /// One of the two years has no comparable value.
    Unknown,
}

impl Change {
    fn key(self) -> &'static str {
        match self {
            Change::Better => "doc.self.change.better",
            Change::Same => "doc.self.change.same",
            Change::Worse => "doc.self.change.worse",
            Change::Unknown => "doc.self.change.unknown",
        }
    }
}

/// The change of a leaf from `year - 1` to `year`: worse when a target met before is missed
/// now, or when its number moved against its direction; better the other way.
pub fn change(s: &LeafStanding, direction: Option<Direction>, year: i32) -> Change {
    let of = |y: i32| s.years.iter().find(|v| v.year == y);
    let (Some(before), Some(now)) = (of(year - 1), of(year)) else { return Change::Unknown };
    match (before.status, now.status) {
        (Status::Met, Status::NotMet) => return Change::Worse,
        (Status::NotMet, Status::Met) => return Change::Better,
        _ => {}
    }
    let (Ok(a), Ok(b)) = (before.value.parse::<Decimal>(), now.value.parse::<Decimal>()) else {
        return if before.value == now.value { Change::Same } else { Change::Unknown };
    };
    match (direction, b.cmp(&a)) {
        (_, std::cmp::Ordering::Equal) => Change::Same,
        (Some(Direction::HigherIsBetter), std::cmp::Ordering::Greater) | (Some(Direction::LowerIsBetter), std::cmp::Ordering::Less) => Change::Better,
        (Some(_), _) => Change::Worse,
        (None, _) => Change::Unknown,
    }
}

/// The self-assessment report of `year`.
pub(crate) async fn self_assessment_doc(st: &App, plan: &Plan, year: i32, m: &Masthead, l: Locale) -> Result<OfficialDoc, AppError> {
    let z = &plan.zone.code;
    let settings = crate::entries::settings_of(st, z).await?;
    let as_of = st.today().min(settings.observation_due_in(plan, year));
    let observations = crate::history::entries_on(st, plan, as_of).await?.observations;
    let uppers = ecociv_core::lineage::uppers_for(plan, st.store.upper_targets(z).await?);
    let standings = ecociv_report::approved_standings(plan, &observations, &uppers, year, Method::Cagr, l);
    let zone = l.pick(&plan.zone.name, &plan.zone.name_en).to_string();
    let title = tf(l, "doc.self.title", &[("zone", zone), ("year", year.to_string()), ("campaign", plan.campaign(l))]);
    let mut d = OfficialDoc::new(&title, l);
    d.red_header(&m.header);
    d.title(&title);

    d.heading(1, t(l, "doc.self.indicators_heading"));
    let status_of = |s: &LeafStanding| s.years.iter().find(|y| y.year == year).map_or(Status::NoData, |y| y.status);
    let count = |k: Status| standings.iter().filter(|s| status_of(s) == k).count();
    d.para(&tf(
        l,
        "doc.self.indicators",
        &[
            ("year", year.to_string()),
            ("total", standings.len().to_string()),
            ("met", count(Status::Met).to_string()),
            ("not_met", count(Status::NotMet).to_string()),
            ("no_data", count(Status::NoData).to_string()),
            ("as_of", as_of.to_string()),
        ],
    ));
    let direction = |s: &LeafStanding| plan.leaf(&s.code).and_then(|leaf| leaf.direction);
    let value = |s: &LeafStanding, y: i32| s.years.iter().find(|v| v.year == y).map(|v| v.value.clone()).unwrap_or_else(|| "—".into());
    d.caption(&tf(l, "doc.self.table1", &[("year", year.to_string())]));
    let header = [
        t(l, "col.code").to_string(),
        t(l, "col.indicator").to_string(),
        t(l, "col.target").to_string(),
        (year - 1).to_string(),
        year.to_string(),
        t(l, "doc.self.change").to_string(),
        t(l, "todo.state").to_string(),
    ]
    .to_vec();
    let rows: Vec<Vec<String>> = standings
        .iter()
        .map(|s| {
            vec![
                s.code.clone(),
                s.name.clone(),
                s.target.clone(),
                value(s, year - 1),
                value(s, year),
                t(l, change(s, direction(s), year).key()).to_string(),
                status_of(s).label(l).to_string(),
            ]
        })
        .collect();
    d.table(&header, &rows, &[600, 2600, 1900, 1000, 1000, 900, 1100]);

    d.heading(1, t(l, "doc.self.worse_heading"));
    let worse: Vec<String> = standings
        .iter()
        .filter(|s| change(s, direction(s), year) == Change::Worse)
        .map(|s| format!("{} {}（{} → {}）", s.code, s.name, value(s, year - 1), value(s, year)))
        .collect();
    if worse.is_empty() {
        d.para(t(l, "doc.self.none_worse"));
    } else {
        d.para(&tf(l, "doc.self.worse", &[("count", worse.len().to_string()), ("list", worse.join("；"))]));
    }

    d.heading(1, t(l, "doc.self.vetoes_heading"));
    let in_year = |on: &str| on.get(..4).and_then(|y| y.parse::<i32>().ok()) == Some(year);
    let vetoes: Vec<String> = st
        .store
        .vetoes(z)
        .await?
        .into_iter()
        .filter(|v| in_year(&v.occurred_on))
        .map(|v| format!("{}（{}）：{}", t(l, &format!("veto.{}", v.kind)), v.occurred_on, v.description))
        .collect();
    if vetoes.is_empty() {
        d.para(&tf(l, "doc.self.no_vetoes", &[("year", year.to_string())]));
    } else {
        for v in &vetoes {
            d.para(v);
        }
    }

    d.heading(1, t(l, "doc.self.rectifications_heading"));
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("a date");
    let rects = crate::rectifications::as_of(st, z, end.min(st.today())).await?;
    let counts = ecociv_core::rectification::counts(&rects, end);
    d.para(&tf(
        l,
        "doc.self.rectifications",
        &[("total", rects.len().to_string()), ("list", counts.iter().map(|(s, n)| format!("{}{n}", s.label(l))).collect::<Vec<_>>().join("，"))],
    ));

    d.heading(1, t(l, "doc.self.assessment_heading"));
    m.human_text(&mut d, "assessment", t(l, "doc.self.assessment_placeholder"));
    d.heading(1, t(l, "doc.self.measures_heading"));
    m.human_text(&mut d, "measures", t(l, "doc.self.measures_placeholder"));
    m.sign_off(&mut d);
    Ok(d)
}
