//! The JSON API under `/api/v1` (read-only for now) and its OpenAPI document at
//! `/api/openapi.json`. Decimals travel as strings. Errors have the shape of [`crate::error`].

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use ecociv_core::audit::{Finding, Place, Severity};
use ecociv_core::clock::Standing;
use ecociv_core::model::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::Lang;
use crate::{AppState, ZoneQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/zones", get(zones))
        .route("/api/v1/plan", get(plan))
        .route("/api/v1/standing", get(standing))
        .route("/api/v1/phases", get(phases))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/indicators/{code}", get(indicator))
        .route("/api/v1/tasks", get(tasks))
        .route("/api/v1/tasks/{number}", get(task))
        .route("/api/v1/projects", get(projects))
        .route("/api/v1/projects/{number}", get(project))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/{*rest}", get(api_not_found))
}

type ApiResult<T> = Result<Json<T>, WebError>;

/// The shape of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// A stable code such as `unknown_indicator`.
    code: String,
    /// The message in the request's language (zh-CN unless `?lang=en` or the `lang` cookie).
    message: String,
    /// Messages per field (query parameter or path segment).
    fields: std::collections::BTreeMap<String, String>,
}

async fn api_not_found(Lang(l): Lang) -> WebError {
    WebError::not_found("not_found").in_locale(l)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecociv API",
        description = "National eco-civilization demonstration zone: the plan, its indicators, tasks and projects. Decimals are strings."
    ),
    paths(zones, plan, standing, phases, indicators, indicator, tasks, task, projects, project, findings),
    components(schemas(
        ErrorBody,
        Zone,
        Plan,
        Indicator,
        SubIndicator,
        Target,
        Task,
        Quantity,
        Project,
        Budget,
        Period,
        Phase,
        Milestone,
        Finding,
        Place,
        Severity,
        IndicatorDetail,
        ProjectList,
        BudgetTotal,
        StandingBody
    ))
)]
struct ApiDoc;

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_loop::LoopDoc::openapi());
    doc.merge(crate::public::PublicDoc::openapi());
    doc.merge(crate::assessment::AssessmentDoc::openapi());
    doc.merge(crate::readiness::ReadinessDoc::openapi());
    Json(doc).into_response()
}

/// The zones that have a plan.
#[utoipa::path(get, path = "/api/v1/zones", responses((status = 200, body = [Zone])))]
async fn zones(State(st): State<AppState>) -> ApiResult<Vec<Zone>> {
    Ok(Json(st.store.zones().await?))
}

/// The whole plan of the zone, as loaded (the same document as `ecociv plan export --format json`).
#[utoipa::path(get, path = "/api/v1/plan", params(ZoneQuery), responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
async fn plan(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Plan> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?))
}

/// Where the plan stands by the clock of the server (`--today`).
#[derive(Serialize, ToSchema)]
pub struct StandingBody {
    today: NaiveDate,
    review_date: NaiveDate,
    end_date: NaiveDate,
    current_phase: Option<u32>,
    /// `not_started`, `in_phase`, `between_phases` or `ended`, with the day counts.
    #[schema(value_type = Object)]
    standing: Standing,
}

#[utoipa::path(get, path = "/api/v1/standing", params(ZoneQuery), responses((status = 200, body = StandingBody), (status = 404, body = ErrorBody)))]
async fn standing(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<StandingBody> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let today = st.today();
    Ok(Json(StandingBody {
        today,
        review_date: p.review_date,
        end_date: p.end_date(),
        current_phase: p.phase_on(today).map(|ph| ph.number),
        standing: p.standing(today),
    }))
}

/// The phases of the plan with their milestones.
#[utoipa::path(get, path = "/api/v1/phases", params(ZoneQuery), responses((status = 200, body = [Phase]), (status = 404, body = ErrorBody)))]
async fn phases(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Phase>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.phases))
}

/// The indicators with their sub-indicators, targets, leads and data providers.
#[utoipa::path(get, path = "/api/v1/indicators", params(ZoneQuery), responses((status = 200, body = [Indicator]), (status = 404, body = ErrorBody)))]
async fn indicators(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Indicator>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.indicators))
}

/// An indicator with the tasks and projects that serve it and its findings.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDetail {
    indicator: Indicator,
    /// Numbers of the tasks that serve it.
    tasks: Vec<u32>,
    /// Numbers of the projects assessed on it.
    projects: Vec<u32>,
    findings: Vec<Finding>,
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}", params(("code" = String, Path, description = "1 … 36"), ZoneQuery),
    responses((status = 200, body = IndicatorDetail), (status = 404, body = ErrorBody)))]
async fn indicator(State(st): State<AppState>, Lang(l): Lang, P(code): P<String>, Q(q): Q<ZoneQuery>) -> ApiResult<IndicatorDetail> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    // an indicator, or a sub-indicator (7.1) answered with its indicator
    let ind = p
        .indicator_of(&code)
        .filter(|i| i.code == code || i.sub_indicators.iter().any(|s| s.code == code))
        .ok_or_else(|| WebError::not_found("unknown_indicator").field("code", &code).in_locale(l))?;
    Ok(Json(IndicatorDetail {
        indicator: ind.clone(),
        tasks: p.tasks_for(&code).iter().map(|t| t.number).collect(),
        projects: p.projects_for(&code).iter().map(|p| p.number).collect(),
        findings: p.findings.iter().filter(|f| f.place.table == "indicators" && f.place.row == ind.code).cloned().collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/tasks", params(ZoneQuery), responses((status = 200, body = [Task]), (status = 404, body = ErrorBody)))]
async fn tasks(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Task>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.tasks))
}

#[utoipa::path(get, path = "/api/v1/tasks/{number}", params(("number" = String, Path), ZoneQuery),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
async fn task(State(st): State<AppState>, Lang(l): Lang, P(number): P<String>, Q(q): Q<ZoneQuery>) -> ApiResult<Task> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let t = number.parse().ok().and_then(|n| p.task(n)).ok_or_else(|| WebError::not_found("unknown_task").field("number", &number).in_locale(l))?;
    Ok(Json(t.clone()))
}

/// Query of the project list; every parameter is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ProjectQuery {
    pub zone: Option<String>,
    /// `institutions`, `security`, `space`, `economy`, `living`, `culture` (or the Chinese name).
    pub domain: Option<String>,
    /// An org unit's name or alias.
    pub implementer: Option<String>,
    /// An indicator or sub-indicator code.
    pub indicator: Option<String>,
    /// A year the period covers.
    pub year: Option<String>,
}

impl ProjectQuery {
    /// Checks the parameters against the plan.
    pub fn filter(&self, p: &Plan) -> Result<ProjectFilter, WebError> {
        let some = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let mut f = ProjectFilter::default();
        if let Some(d) = some(&self.domain) {
            f.domain = Some(Domain::from_code(&d).or_else(|| Domain::from_zh(&d)).ok_or_else(|| WebError::bad_request("unknown_domain").field("domain", &d))?);
        }
        if let Some(o) = some(&self.implementer) {
            f.implementer = Some(p.org_unit(&o).ok_or_else(|| WebError::bad_request("unknown_implementer").field("implementer", &o))?.name.clone());
        }
        if let Some(c) = some(&self.indicator) {
            if p.leaf(&c).is_none() && p.indicator(&c).is_none() {
                return Err(WebError::bad_request("unknown_indicator").field("indicator", &c));
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

/// The findings of the plan data-quality audit.
#[utoipa::path(get, path = "/api/v1/findings", params(ZoneQuery), responses((status = 200, body = [Finding]), (status = 404, body = ErrorBody)))]
async fn findings(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Finding>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.findings))
}
