//! The schedule of projects (`/projects/schedule`), a Gantt chart ready to print: each
//! project's period as a bar across the plan's years (持续推进 across all of them), the
//! progress of its latest report inside it, a line at the month judged, and the projects behind
//! an even pace marked (`ecociv_core::schedule`); filtered by domain, region and implementer.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use ecociv_core::model::Domain;
use ecociv_core::schedule::schedule;
use serde::Deserialize;

use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::extract::Q;
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page_for, render};
use crate::projects::ProjectQuery;
use crate::state::{AppState, ZoneQuery};
use ecociv_app::entries;

pub fn routes() -> Router<AppState> {
    Router::new().route("/projects/schedule", get(page))
}

/// One project's row.
struct Row {
    number: u32,
    name: String,
    implementers: Vec<String>,
    period: String,
    /// Where its bar starts, how wide it is and how much of it is done, in percent of the
    /// span; `None`: no bar. (An SVG's attributes, not inline styles, which the pages' content
    /// security policy refuses.)
    place: Option<(String, String, String)>,
    years: String,
    ongoing: bool,
    /// Reported progress.
    progress: String,
    expected: String,
    behind: bool,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    l: Layout,
    rows: Vec<Row>,
    years: Vec<i32>,
    /// Where the years meet, in percent of the span.
    grid: Vec<String>,
    month: String,
    now: String,
    behind: usize,
    domains: Vec<(&'static str, &'static str)>,
    regions: Vec<(String, String)>,
    implementers: Vec<(String, String)>,
    sel_domain: String,
    sel_region: String,
    sel_implementer: String,
}

#[derive(Deserialize, Default)]
struct ScheduleQuery {
    domain: Option<String>,
    implementer: Option<String>,
    region: Option<String>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<ScheduleQuery>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let pq = ProjectQuery { domain: q.domain.clone(), implementer: q.implementer.clone(), ..Default::default() };
    let filter = match pq.filter(&plan) {
        Ok(f) => f,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let region = q.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let region = match region.map(|r| plan.region(r).map(|o| o.name.clone()).ok_or(r)) {
        Some(Err(r)) => {
            let e = WebError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "unknown_region").field("region", r);
            return error_page_for(&st, l, &uri, Some(&a), e);
        }
        Some(Ok(name)) => Some(name),
        None => None,
    };
    let projects: Vec<_> = plan
        .filter_projects(&filter)
        .into_iter()
        .filter(|p| region.as_ref().is_none_or(|r| ecociv_core::access::regions_of(&plan, p).contains(&r.as_str())))
        .collect();
    let month = ecociv_core::dispatch::latest_month(&plan, st.today());
    let reports = match ecociv_app::standings::project_reports(&st, &plan, month).await {
        Ok(r) => r,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let s = schedule(&plan, &projects, &reports.latest, month);
    let lay = Layout::new(&st, l, &uri, Some(&plan), &ZoneQuery::default()).with(MaybeAuthed(Some(a)));
    let pct = |d: rust_decimal::Decimal| d.normalize().to_string();
    let rows = s
        .bars
        .iter()
        .zip(&projects)
        .map(|(b, p)| Row {
            number: p.number,
            name: p.name.clone(),
            implementers: p.implementers.clone(),
            period: p.period.printed.clone(),
            place: s.place(b).map(|(left, width)| {
                let done = b.progress.unwrap_or_default().clamp(rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ONE_HUNDRED) * width
                    / rust_decimal::Decimal::ONE_HUNDRED;
                (pct(left), pct(width), pct(done.round_dp(2)))
            }),
            years: b.years.map(|(a, e)| format!("{a}–{e}")).unwrap_or_default(),
            ongoing: b.ongoing,
            progress: b.progress.map(|x| format!("{}%", pct(x))).unwrap_or_else(|| "—".into()),
            expected: b.expected.map(|x| format!("{}%", pct(x))).unwrap_or_else(|| t(l, "schedule.ongoing").into()),
            behind: b.behind,
        })
        .collect();
    let mut implementers: Vec<(String, String)> = Vec::new();
    for o in plan.projects.iter().flat_map(|p| p.implementers.iter()) {
        if !implementers.iter().any(|(n, _)| n == o) {
            implementers.push((o.clone(), lay.org(o)));
        }
    }
    let regions = plan.org_units.iter().filter(|o| o.kind == ecociv_core::model::OrgKind::Region).map(|o| (o.name.clone(), lay.org(&o.name))).collect();
    let page = SchedulePage {
        behind: s.bars.iter().filter(|b| b.behind).count(),
        years: (s.first_year..=s.last_year).collect(),
        grid: (1..s.years()).map(|i| pct((rust_decimal::Decimal::from(i * 100) / rust_decimal::Decimal::from(s.years())).round_dp(2))).collect(),
        month: month.to_string(),
        now: pct((s.now * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2)),
        rows,
        domains: Domain::ALL.iter().map(|d| (d.code(), d.name(l))).collect(),
        regions,
        implementers,
        sel_domain: q.domain.unwrap_or_default(),
        sel_region: region.unwrap_or_default(),
        sel_implementer: filter.implementer.unwrap_or_default(),
        l: lay,
    };
    render(&page)
}
