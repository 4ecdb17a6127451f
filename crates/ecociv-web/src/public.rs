//! The public portal (信息公开): without signing in, the approved indicator values with their
//! status and projection, and the progress of the projects from their approved monthly reports.
//! Only approved entries of the zone (not regional values, not anything submitted, returned or
//! internal) are ever read here.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::Locale;
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_store::EntryState;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::WebError;
use crate::extract::Q;
use crate::i18n::Lang;
use crate::pages::{Layout, error_page, render};
use crate::{AppState, ZoneQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public", get(portal))
        .route("/api/v1/public/indicators", get(public_indicators))
        .route("/api/v1/public/projects", get(public_projects))
}

/// The approved zone values and assigned targets of a plan, and where each leaf stands.
pub async fn approved_standings(st: &AppState, plan: &Plan, l: Locale, method: Method) -> Result<Vec<LeafStanding>, WebError> {
    let z = &plan.zone.code;
    let as_of = crate::workflow::settings_of(st, z).await?.projection_year(st.today());
    Ok(ecociv_report::approved_standings(plan, &st.store.observations(z).await?, &st.store.upper_targets(z).await?, as_of, method, l))
}

/// A project's progress from its latest approved monthly report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectProgress {
    pub number: u32,
    pub name: String,
    pub implementers: Vec<String>,
    /// The month of the latest approved report, or empty.
    pub period: String,
    pub status: String,
    pub progress_percent: String,
    /// Cumulative investment in 亿元.
    pub investment_yi: String,
    /// The budget in 亿元, or empty.
    pub budget_yi: String,
}

async fn project_progress(st: &AppState, plan: &Plan) -> Result<Vec<ProjectProgress>, WebError> {
    let reports = st.store.dispatch_reports(&plan.zone.code).await?;
    Ok(plan
        .projects
        .iter()
        .map(|p| {
            let latest = reports
                .iter()
                .filter(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.state == EntryState::Approved)
                .max_by(|a, b| a.period.cmp(&b.period));
            let yi = |wan: &str| wan.parse::<Decimal>().map(|w| (w / Decimal::from(10_000)).normalize().to_string()).unwrap_or_default();
            ProjectProgress {
                number: p.number,
                name: p.name.clone(),
                implementers: p.implementers.clone(),
                period: latest.map(|r| r.period.clone()).unwrap_or_default(),
                status: latest.map(|r| r.status.clone()).unwrap_or_default(),
                progress_percent: latest.map(|r| r.progress_percent.clone()).unwrap_or_default(),
                investment_yi: latest.map(|r| yi(&r.investment_cumulative_wan)).unwrap_or_default(),
                budget_yi: p.budget.as_ref().map(|b| b.yi.to_string()).unwrap_or_default(),
            }
        })
        .collect())
}

/// `?zone=` and `?method=cagr|linear` (the projection; CAGR by default).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct StandingQuery {
    pub zone: Option<String>,
    /// `cagr` (default) or `linear`.
    pub method: Option<Method>,
}

/// Approved indicator values with their status and projection (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/indicators", params(StandingQuery), responses((status = 200, body = [LeafStanding])))]
async fn public_indicators(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<StandingQuery>) -> Result<Json<Vec<LeafStanding>>, WebError> {
    let plan = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    Ok(Json(approved_standings(&st, &plan, l, q.method.unwrap_or_default()).await?))
}

/// Project progress from approved monthly reports (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/projects", params(ZoneQuery), responses((status = 200, body = [ProjectProgress])))]
async fn public_projects(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> Result<Json<Vec<ProjectProgress>>, WebError> {
    let plan = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    Ok(Json(project_progress(&st, &plan).await?))
}

#[derive(Template)]
#[template(path = "public.html")]
struct PortalPage {
    l: Layout,
    title: String,
    standings: Vec<LeafStanding>,
    projects: Vec<ProjectProgress>,
}

async fn portal(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, Q(q): Q<ZoneQuery>) -> Response {
    let plan = match st.plan(q.zone.as_deref()).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let (standings, projects) = match (approved_standings(&st, &plan, l, Method::Cagr).await, project_progress(&st, &plan).await) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => return error_page(&st, l, &uri, e),
    };
    let page = PortalPage { title: l.pick(&plan.title, &plan.title_en).to_string(), l: Layout::new(&st, l, &uri, Some(&plan), &q), standings, projects };
    render(&page)
}

/// The OpenAPI paths of the portal.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(public_indicators, public_projects),
    components(schemas(LeafStanding, ProjectProgress, ecociv_core::indicator_status::YearStatus, ecociv_core::projection::Projection))
)]
pub struct PublicDoc;
