//! The public portal (信息公开): without signing in, the approved indicator values with their
//! status and projection, and the progress of the projects from their approved monthly reports.
//! Only approved entries of the zone (not regional values, not anything submitted, returned or
//! internal) are ever read here.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_app::standings::{ProjectProgress, approved_standings, project_progress};
use ecociv_core::indicator_status::LeafStanding;
use ecociv_core::projection::Method;

use crate::error::{InLocale, WebError};
use crate::extract::Q;
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, render};
use crate::state::{AppState, ZoneQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public", get(portal))
        .route("/api/v1/public/indicators", get(public_indicators))
        .route("/api/v1/public/projects", get(public_projects))
}

/// `?zone=` and `?method=cagr|linear` (the projection; CAGR by default).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StandingQuery {
    pub zone: Option<String>,
    /// `cagr` (default) or `linear`.
    pub method: Option<Method>,
}

/// Approved indicator values with their status and projection (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/indicators", params(StandingQuery), responses((status = 200, body = [LeafStanding])))]
async fn public_indicators(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<StandingQuery>) -> Result<Json<std::sync::Arc<Vec<LeafStanding>>>, WebError> {
    let plan = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    Ok(Json(approved_standings(&st, &plan, l, q.method.unwrap_or_default()).await?))
}

/// Project progress from approved monthly reports (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/projects", params(ZoneQuery), responses((status = 200, body = [ProjectProgress])))]
async fn public_projects(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> Result<Json<std::sync::Arc<Vec<ProjectProgress>>>, WebError> {
    let plan = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    Ok(Json(project_progress(&st, &plan).await?))
}

#[derive(Template)]
#[template(path = "public.html")]
struct PortalPage {
    l: Layout,
    title: String,
    standings: std::sync::Arc<Vec<LeafStanding>>,
    projects: std::sync::Arc<Vec<ProjectProgress>>,
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
