//! The projects of a plan: the page `/projects` filtered by domain, implementer, indicator and
//! year with budget totals, one project's page, and the same under `/api/v1/projects`.

use crate::auth::MaybeAuthed;
use crate::error::{ApiResult, ErrorBody};
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::Lang;
use crate::layout::plan_or_page;
use crate::layout::{Layout, error_page, render};
use crate::state::{AppState, ZoneQuery};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::audit::Finding;
use ecociv_core::model::{Plan, *};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    l: Layout,
    projects: Vec<Project>,
    total: BudgetTotal,
    domains: Vec<(&'static str, &'static str)>,
    implementers: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    years: Vec<i32>,
    sel_domain: String,
    sel_implementer: String,
    sel_indicator: String,
    sel_year: String,
    zone: String,
}

async fn projects_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(q): Q<ProjectQuery>) -> Response {
    let zq = ZoneQuery { zone: q.zone.clone() };
    let plan = plan_or_page!(st, l, uri, zq);
    let filter = match q.filter(&plan) {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let list: Vec<Project> = plan.filter_projects(&filter).into_iter().cloned().collect();
    let layout = Layout::new(&st, l, &uri, Some(&plan), &zq).with(m);
    let mut implementers: Vec<(String, String)> = Vec::new();
    for p in &plan.projects {
        for o in &p.implementers {
            if !implementers.iter().any(|(n, _)| n == o) {
                implementers.push((o.clone(), layout.org(o)));
            }
        }
    }
    let indicators = plan.leaves().iter().map(|x| (x.code.to_string(), format!("{} {}", x.code, plan.leaf_name(x.code, l)))).collect();
    let page = ProjectsPage {
        total: Plan::budget_total(&list),
        projects: list,
        domains: Domain::ALL.iter().map(|d| (d.code(), d.name(l))).collect(),
        implementers,
        indicators,
        years: (plan.start_year - 2..=plan.end_year).collect(),
        sel_domain: filter.domain.map(|d| d.code().to_string()).unwrap_or_default(),
        sel_implementer: filter.implementer.unwrap_or_default(),
        sel_indicator: filter.indicator.unwrap_or_default(),
        sel_year: filter.year.map(|y| y.to_string()).unwrap_or_default(),
        zone: q.zone.unwrap_or_default(),
        l: layout,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    l: Layout,
    p: Project,
    indicators: Vec<(String, String)>,
    findings: Vec<Finding>,
}

async fn project_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, P(number): P<String>, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(p) = number.parse().ok().and_then(|n| plan.project(n)).cloned() else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_project").field("number", &number));
    };
    let indicators = p.assessed_indicators.iter().map(|c| (c.clone(), plan.leaf_name(c, l))).collect();
    let findings = plan.findings.iter().filter(|f| f.place.table == "projects" && f.place.row == p.number.to_string()).cloned().collect();
    render(&ProjectPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), p, indicators, findings })
}

/// Query of the project list; every parameter is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub zone: Option<String>,
    /// `institutions`, `security`, `space`, `economy`, `living`, `culture` (or the Chinese name).
    pub domain: Option<String>,
    /// An org unit's name or alias.
    pub implementer: Option<String>,
    /// An indicator or sub-indicator code.
    pub indicator: Option<String>,
    /// A year the period covers.
    #[param(value_type = Option<u16>, minimum = 1900, maximum = 2200)]
    pub year: Option<String>,
}

impl ProjectQuery {
    /// Checks the parameters against the plan: a value that names nothing of the plan is
    /// refused as such (422), a year that is not one as unreadable (400).
    pub fn filter(&self, p: &Plan) -> Result<ProjectFilter, WebError> {
        let some = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let unknown = |code| WebError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, code);
        let mut f = ProjectFilter::default();
        if let Some(d) = some(&self.domain) {
            f.domain = Some(Domain::from_code(&d).or_else(|| Domain::from_zh(&d)).ok_or_else(|| unknown("unknown_domain").field("domain", &d))?);
        }
        if let Some(o) = some(&self.implementer) {
            f.implementer = Some(p.org_unit(&o).ok_or_else(|| unknown("unknown_implementer").field("implementer", &o))?.name.clone());
        }
        if let Some(c) = some(&self.indicator) {
            if p.leaf(&c).is_none() && p.indicator(&c).is_none() {
                return Err(unknown("unknown_indicator").field("indicator", &c));
            }
            f.indicator = Some(c);
        }
        if let Some(y) = some(&self.year) {
            f.year = Some(y.parse().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(|| WebError::bad_request("bad_year").field("year", &y))?);
        }
        Ok(f)
    }
}

/// Projects that pass the filter, with their budget total.
#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    projects: Vec<Project>,
    total: BudgetTotal,
}

#[utoipa::path(get, path = "/api/v1/projects", params(ProjectQuery),
    responses((status = 200, body = ProjectList), (status = 400, body = ErrorBody)))]
async fn projects(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ProjectQuery>) -> ApiResult<ProjectList> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let f = q.filter(&p).map_err(|e| e.in_locale(l))?;
    let list = p.filter_projects(&f);
    Ok(Json(ProjectList { total: Plan::budget_total(list.iter().copied()), projects: list.into_iter().cloned().collect() }))
}

#[utoipa::path(get, path = "/api/v1/projects/{number}", params(("number" = String, Path), ZoneQuery),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
async fn project(State(st): State<AppState>, Lang(l): Lang, P(number): P<String>, Q(q): Q<ZoneQuery>) -> ApiResult<Project> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let x = number.parse().ok().and_then(|n| p.project(n)).ok_or_else(|| WebError::not_found("unknown_project").field("number", &number).in_locale(l))?;
    Ok(Json(x.clone()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects_page))
        .route("/projects/{number}", get(project_page))
        .route("/api/v1/projects", get(projects))
        .route("/api/v1/projects/{number}", get(project))
}

/// The documented routes of projects.
#[derive(utoipa::OpenApi)]
#[openapi(paths(projects, project), components(schemas(Project, Budget, Period, ProjectList, BudgetTotal)))]
pub struct Doc;
