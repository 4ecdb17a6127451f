//! The closing report of a plan (实施方案总结报告), made once the plan has ended: the final result of
//! every leaf indicator on the approved value of its deadline year (met, not met, or no value),
//! where each project stood on its latest approved report, and the task force's own words on
//! what was achieved and what comes next. A document like the others (`crate::documents`).

use ecociv_core::Locale;
use ecociv_core::entry::ProjectStatus;
use ecociv_core::locale::{t, tf};
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::rule::Status;
use ecociv_report::documents::Masthead;
use ecociv_report::official::OfficialDoc;

use crate::App;
use crate::error::AppError;

/// The closing report's blocks.
pub(crate) async fn closing_doc(st: &App, plan: &Plan, m: &Masthead, l: Locale) -> Result<OfficialDoc, AppError> {
    let standings = crate::standings::approved_standings(st, plan, l, Method::Cagr).await?;
    let progress = crate::standings::project_progress(st, plan).await?;
    let zone = l.pick(&plan.zone.name, &plan.zone.name_en).to_string();
    let title = tf(
        l,
        "doc.closing.title",
        &[("zone", zone), ("campaign", plan.campaign(l)), ("start", plan.start_year.to_string()), ("end", plan.end_year.to_string())],
    );
    let mut d = OfficialDoc::new(&title, l);
    d.red_header(&m.header);
    d.title(&title);

    d.heading(1, t(l, "doc.closing.indicators_heading"));
    // judged on the deadline year's approved value, whatever year the projections are made for
    let result = |s: &ecociv_core::indicator_status::LeafStanding| s.years.iter().find(|y| y.year == plan.end_year).map_or(Status::NoData, |y| y.status);
    let count = |k: Status| standings.iter().filter(|s| result(s) == k).count();
    d.para(&tf(
        l,
        "doc.closing.indicators",
        &[
            ("total", standings.len().to_string()),
            ("year", plan.end_year.to_string()),
            ("met", count(Status::Met).to_string()),
            ("not_met", count(Status::NotMet).to_string()),
            ("no_data", count(Status::NoData).to_string()),
        ],
    ));
    d.caption(t(l, "doc.closing.table1"));
    let header = [t(l, "col.code"), t(l, "col.indicator"), t(l, "col.target"), t(l, "doc.closing.final_value"), t(l, "indicator.final_result")]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = standings
        .iter()
        .map(|s| {
            let value = s.years.iter().find(|y| y.year == plan.end_year).map(|y| y.value.clone()).unwrap_or_else(|| "—".into());
            vec![s.code.clone(), s.name.clone(), s.target.clone(), value, result(s).label(l).to_string()]
        })
        .collect();
    d.table(&header, &rows, &[700, 3300, 2445, 1400, 1200]);

    d.heading(1, t(l, "doc.closing.projects_heading"));
    let of = |k: Option<ProjectStatus>| progress.iter().filter(|p| ProjectStatus::parse(&p.status) == k).count();
    d.para(&tf(
        l,
        "doc.closing.projects",
        &[
            ("total", progress.len().to_string()),
            ("completed", of(Some(ProjectStatus::Completed)).to_string()),
            ("under_way", of(Some(ProjectStatus::UnderWay)).to_string()),
            ("not_started", of(Some(ProjectStatus::NotStarted)).to_string()),
            ("suspended", of(Some(ProjectStatus::Suspended)).to_string()),
            ("unreported", of(None).to_string()),
        ],
    ));
    let open: Vec<Vec<String>> = progress
        .iter()
        .filter(|p| ProjectStatus::parse(&p.status) != Some(ProjectStatus::Completed))
        .map(|p| {
            let status = ProjectStatus::parse(&p.status).map(|s| s.label(l).to_string()).unwrap_or_else(|| t(l, "doc.closing.unreported").to_string());
            vec![p.number.to_string(), p.name.clone(), p.implementers.join("、"), status, p.progress_percent.clone(), p.investment_yi.clone()]
        })
        .collect();
    if !open.is_empty() {
        d.caption(t(l, "doc.closing.table2"));
        let header = [
            t(l, "col.code"),
            t(l, "col.project_name_long"),
            t(l, "col.implementer_units"),
            t(l, "report.status"),
            t(l, "col.reported_progress"),
            t(l, "doc.closing.investment_yi"),
        ]
        .map(String::from)
        .to_vec();
        d.table(&header, &open, &[700, 3045, 2200, 1000, 1000, 1100]);
    }

    d.heading(1, t(l, "doc.closing.assessment_heading"));
    m.human_text(&mut d, "assessment", t(l, "doc.closing.assessment_placeholder"));
    d.heading(1, t(l, "doc.closing.measures_heading"));
    m.human_text(&mut d, "measures", t(l, "doc.closing.measures_placeholder"));
    m.sign_off(&mut d);
    Ok(d)
}
