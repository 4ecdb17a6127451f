//! Review readiness over the store (signed in): for every leaf indicator and archive year (the
//! year before the plan to its end: 2022–2025 for Hohhot), whether its zone value is present,
//! approved, backed by evidence and meets the target; the readiness of the zone and of each
//! lead department; and the veto conditions the task force records, shown above everything.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::readiness::{Cell, Share};
use ecociv_core::record::VetoRecord;

use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::extract::J;
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, render};
use crate::state::AppState;
use ecociv_app::entries;
use ecociv_app::readiness::{VetoInput, record_veto};
use ecociv_core::readiness::Readiness;

pub fn routes() -> Router<AppState> {
    Router::new().route("/readiness", get(page)).route("/api/v1/readiness", get(api_readiness)).route("/api/v1/vetoes", get(list_vetoes).post(post_veto))
}

#[utoipa::path(get, path = "/api/v1/readiness", responses((status = 200, body = Readiness)), security(("bearer" = []), ("cookie" = [])))]
async fn api_readiness(State(st): State<AppState>, a: Authed) -> Result<Json<std::sync::Arc<Readiness>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    Ok(Json(ecociv_app::readiness::readiness(&st, &plan).await?))
}

#[utoipa::path(get, path = "/api/v1/vetoes", responses((status = 200, body = [VetoRecord])), security(("bearer" = []), ("cookie" = [])))]
async fn list_vetoes(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<VetoRecord>>, WebError> {
    Ok(Json(st.store.vetoes(&a.actor.zone).await?))
}

/// The task force records a veto condition.
#[utoipa::path(post, path = "/api/v1/vetoes", request_body = VetoInput,
    responses((status = 201, body = VetoRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_veto(State(st): State<AppState>, a: Authed, J(input): J<VetoInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let rec = record_veto(&st, &a.actor, &input).await.map_err(|e| WebError::from(e).in_locale(a.locale))?;
    Ok((StatusCode::CREATED, Json(rec)).into_response())
}

#[derive(Template)]
#[template(path = "readiness.html")]
struct ReadinessPage {
    l: Layout,
    /// The task force downloads the yearly archives here.
    task_force: bool,
    /// The years whose archive and technical report can be made (begun by today); those of the
    /// work report (from the plan's start).
    doc_years: Vec<i32>,
    work_years: Vec<i32>,
    r: std::sync::Arc<Readiness>,
    rows: Vec<(String, String, Vec<Cell>)>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let r = match ecociv_app::readiness::readiness(&st, &plan).await {
        Ok(r) => r,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let rows = plan
        .leaves()
        .iter()
        .map(|leaf| (leaf.code.to_string(), plan.leaf_name(leaf.code, l), r.cells.iter().filter(|c| c.leaf == leaf.code).cloned().collect()))
        .collect();
    let task_force = a.actor.can_approve(&plan);
    let lay = Layout::new(&st, l, &uri, Some(&plan), &crate::state::ZoneQuery::default()).with(MaybeAuthed(Some(a)));
    let this_year = chrono::Datelike::year(&st.today());
    let doc_years: Vec<i32> = r.years.iter().copied().filter(|y| (plan.base_year..=this_year).contains(y)).collect();
    let work_years = doc_years.iter().copied().filter(|y| *y >= plan.start_year).collect();
    render(&ReadinessPage { l: lay, task_force, doc_years, work_years, r, rows })
}

/// The OpenAPI paths of readiness and vetoes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_readiness, list_vetoes, post_veto), components(schemas(Readiness, VetoInput, VetoRecord, Cell, Share)))]
pub struct ReadinessDoc;
