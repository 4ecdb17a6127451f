//! The data loop under `/api/v1`: observations, dispatch reports of projects and tasks,
//! decisions of the task force, assigned targets, and who is asking. The zone is the
//! account's. 401 without credentials, 403 outside one's rights, 422 with field errors,
//! 409 for a duplicate or a decision that does not fit the entry's state.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{ObservationInput, ProjectReportInput, TaskReportInput};
use ecociv_core::trail::TrailEvent;
use ecociv_store::{DispatchRecord, EntryState, ObservationRecord, UpperTargetRecord};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::extract::{J, P};
use crate::workflow::{self, Decision, UpperTargetInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/observations", get(list_observations).post(post_observation))
        .route("/api/v1/observations/{id}", get(get_observation))
        .route("/api/v1/observations/{id}/{decision}", post(decide_observation))
        .route("/api/v1/projects/{number}/dispatch-reports", post(post_project_report))
        .route("/api/v1/tasks/{number}/dispatch-reports", post(post_task_report))
        .route("/api/v1/dispatch-reports", get(list_dispatch))
        .route("/api/v1/dispatch-reports/{id}", get(get_dispatch))
        .route("/api/v1/dispatch-reports/{id}/{decision}", post(decide_dispatch))
        .route("/api/v1/upper-targets", get(list_upper_targets).post(post_upper_target))
}

/// The documented routes of the data loop.
#[derive(OpenApi)]
#[openapi(
    paths(
        me,
        list_observations,
        post_observation,
        get_observation,
        decide_observation,
        post_project_report,
        post_task_report,
        list_dispatch,
        get_dispatch,
        decide_dispatch,
        list_upper_targets,
        post_upper_target
    ),
    components(schemas(
        Me,
        ObservationInput,
        ObservationRecord,
        ProjectReportInput,
        TaskReportInput,
        ecociv_core::entry::QuantityDone,
        DispatchRecord,
        EntryState,
        ReasonInput,
        UpperTargetInput,
        UpperTargetRecord,
        WithHistoryObservation,
        WithHistoryDispatch,
        TrailEvent,
        Role,
        Actor
    )),
    modifiers(&BearerAuth)
)]
pub struct LoopDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(utoipa::openapi::security::ApiKeyValue::new("ecociv_session"))),
        );
    }
}

fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// Who is asking, and the CSRF token scripts send back in `X-CSRF-Token` (cookie sessions).
#[derive(Serialize, ToSchema)]
pub struct Me {
    actor: Actor,
    csrf: String,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn me(a: Authed) -> Json<Me> {
    Json(Me { actor: a.actor, csrf: a.csrf })
}

/// A reason for returning or unlocking (empty for approving).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

/// Observations the caller may see: the task force and viewers all of the zone; a department
/// those of the indicators it enters; a region its own.
#[utoipa::path(get, path = "/api/v1/observations", responses((status = 200, body = [ObservationRecord]), (status = 401, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn list_observations(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<ObservationRecord>>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let all = st.store.observations(&plan.zone.code).await?;
    Ok(Json(all.into_iter().filter(|o| may_see_observation(&a.actor, &plan, o)).collect()))
}

fn may_see_observation(actor: &Actor, plan: &ecociv_core::model::Plan, o: &ObservationRecord) -> bool {
    match actor.role {
        Role::Admin | Role::TaskForce | Role::Viewer => true,
        _ => actor.can_enter_observation(plan, &o.indicator, Some(o.region.as_str()).filter(|r| !r.is_empty())),
    }
}

#[utoipa::path(post, path = "/api/v1/observations", request_body = ObservationInput,
    responses((status = 201, body = ObservationRecord), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_observation(st: axum::extract::State<AppState>, a: Authed, J(input): J<ObservationInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let rec = workflow::submit_observation(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(created(rec))
}

/// An entry with its history from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct WithHistoryObservation {
    entry: ObservationRecord,
    history: Vec<TrailEvent>,
}

/// A dispatch report with its history from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct WithHistoryDispatch {
    entry: DispatchRecord,
    history: Vec<TrailEvent>,
}

#[utoipa::path(get, path = "/api/v1/observations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryObservation), (status = 404, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_observation(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryObservation>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let o = st
        .store
        .observation(&plan.zone.code, id)
        .await?
        .filter(|o| may_see_observation(&a.actor, &plan, o))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "observation", &id.to_string()).await?;
    Ok(Json(WithHistoryObservation { entry: o, history }))
}

/// The reason of a decision: an empty body, or `{"reason": "…"}`.
fn reason_of(body: &[u8], l: ecociv_core::Locale) -> Result<String, WebError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    serde_json::from_slice::<ReasonInput>(body).map(|r| r.reason).map_err(|e| {
        let mut w = WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_json").in_locale(l);
        w.fields.insert("body".into(), e.to_string());
        w
    })
}

fn decision(d: &str, l: ecociv_core::Locale) -> Result<Decision, WebError> {
    Decision::parse(d).ok_or_else(|| WebError::not_found("not_found").field("decision", d).in_locale(l))
}

/// `approve`, `return` (with `reason`) or `unlock` (with `reason`): the task force only.
#[utoipa::path(post, path = "/api/v1/observations/{id}/{decision}", params(("id" = i64, Path), ("decision" = String, Path, description = "approve, return or unlock")),
    request_body = ReasonInput,
    responses((status = 200, body = ObservationRecord), (status = 403, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn decide_observation(
    st: axum::extract::State<AppState>,
    a: Authed,
    P((id, d)): P<(i64, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ObservationRecord>, WebError> {
    a.check_csrf(None)?;
    let d = decision(&d, a.locale)?;
    let reason = reason_of(&body, a.locale)?;
    Ok(Json(workflow::decide_observation(&st, &a.actor, id, d, &reason).await.map_err(|e| e.in_locale(a.locale))?))
}

#[utoipa::path(post, path = "/api/v1/projects/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = ProjectReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_project_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<ProjectReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(workflow::submit_project_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

#[utoipa::path(post, path = "/api/v1/tasks/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = TaskReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_task_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<TaskReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(workflow::submit_task_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

pub(crate) fn may_see_dispatch(actor: &Actor, plan: &ecociv_core::model::Plan, d: &DispatchRecord) -> bool {
    match (actor.role, d.kind.as_str()) {
        (Role::Admin | Role::TaskForce | Role::Viewer, _) => true,
        (_, "project") => plan.project(d.subject as u32).is_some_and(|p| actor.can_view_project(plan, p)),
        _ => d.org_unit == actor.org_unit,
    }
}

/// Dispatch reports the caller may see.
#[utoipa::path(get, path = "/api/v1/dispatch-reports", responses((status = 200, body = [DispatchRecord]), (status = 401, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn list_dispatch(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<DispatchRecord>>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let all = st.store.dispatch_reports(&plan.zone.code).await?;
    Ok(Json(all.into_iter().filter(|d| may_see_dispatch(&a.actor, &plan, d)).collect()))
}

#[utoipa::path(get, path = "/api/v1/dispatch-reports/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryDispatch), (status = 404, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_dispatch(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryDispatch>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let d = st
        .store
        .dispatch(&plan.zone.code, id)
        .await?
        .filter(|d| may_see_dispatch(&a.actor, &plan, d))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "dispatch_report", &id.to_string()).await?;
    Ok(Json(WithHistoryDispatch { entry: d, history }))
}

#[utoipa::path(post, path = "/api/v1/dispatch-reports/{id}/{decision}", params(("id" = i64, Path), ("decision" = String, Path, description = "approve, return or unlock")),
    request_body = ReasonInput,
    responses((status = 200, body = DispatchRecord), (status = 403, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn decide_dispatch(
    st: axum::extract::State<AppState>,
    a: Authed,
    P((id, d)): P<(i64, String)>,
    body: axum::body::Bytes,
) -> Result<Json<DispatchRecord>, WebError> {
    a.check_csrf(None)?;
    let d = decision(&d, a.locale)?;
    let reason = reason_of(&body, a.locale)?;
    Ok(Json(workflow::decide_dispatch(&st, &a.actor, id, d, &reason).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The targets assigned from above, by indicator and year.
#[utoipa::path(get, path = "/api/v1/upper-targets", responses((status = 200, body = [UpperTargetRecord])), security(("bearer" = []), ("cookie" = [])))]
async fn list_upper_targets(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<UpperTargetRecord>>, WebError> {
    Ok(Json(st.store.upper_targets(&a.actor.zone).await?))
}

/// The task force enters the target assigned from above (16, 18) for a year.
#[utoipa::path(post, path = "/api/v1/upper-targets", request_body = UpperTargetInput,
    responses((status = 201, body = UpperTargetRecord), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_upper_target(st: axum::extract::State<AppState>, a: Authed, J(input): J<UpperTargetInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(workflow::set_upper_target(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}
