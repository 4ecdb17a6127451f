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
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UpperTargetRecord};
use ecociv_core::trail::TrailEvent;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::{J, P};
use ecociv_app::entries::{self, Decision, UpperTargetInput};

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
        .route("/api/v1/settings", get(get_settings).put(put_settings))
        .route("/api/v1/periods", get(list_periods))
        .route("/api/v1/periods/{period}/{action}", post(post_period))
        .route("/api/v1/evidence/{id}", get(get_evidence))
        .route("/api/v1/observations/{id}/evidence", post(post_observation_evidence).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/api/v1/dispatch-reports/{id}/evidence", post(post_dispatch_evidence).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
}

/// The body limit of upload routes: a little above the largest accepted file, so that the
/// file's own check answers with its clear message.
pub const UPLOAD_BODY_LIMIT: usize = 21 * 1024 * 1024;

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
        post_upper_target,
        get_settings,
        put_settings,
        list_periods,
        post_period,
        post_observation_evidence,
        post_dispatch_evidence,
        get_evidence,
        crate::import::api_import
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
        Actor,
        entries::SettingsInput,
        ecociv_core::record::ZoneSettingsRecord,
        ecociv_core::record::PeriodRecord,
        ecociv_core::record::EvidenceRecord,
        crate::import::ImportSummary,
        crate::import::ProblemView
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
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
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
    let rec = entries::submit_observation(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(created(rec))
}

/// An entry with its history from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct WithHistoryObservation {
    entry: ObservationRecord,
    history: Vec<TrailEvent>,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
}

/// A dispatch report with its history from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct WithHistoryDispatch {
    entry: DispatchRecord,
    history: Vec<TrailEvent>,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
}

#[utoipa::path(get, path = "/api/v1/observations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryObservation), (status = 404, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_observation(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryObservation>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let o = st
        .store
        .observation(&plan.zone.code, id)
        .await?
        .filter(|o| may_see_observation(&a.actor, &plan, o))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "observation", &id.to_string()).await?;
    let evidence = st.store.evidence_of(&plan.zone.code, "observation", id).await?;
    Ok(Json(WithHistoryObservation { entry: o, history, evidence }))
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
    Ok(Json(entries::decide_observation(&st, &a.actor, id, d, &reason).await.map_err(|e| e.in_locale(a.locale))?))
}

#[utoipa::path(post, path = "/api/v1/projects/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = ProjectReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_project_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<ProjectReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(entries::submit_project_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

#[utoipa::path(post, path = "/api/v1/tasks/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = TaskReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_task_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<TaskReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(entries::submit_task_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
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
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let all = st.store.dispatch_reports(&plan.zone.code).await?;
    Ok(Json(all.into_iter().filter(|d| may_see_dispatch(&a.actor, &plan, d)).collect()))
}

#[utoipa::path(get, path = "/api/v1/dispatch-reports/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryDispatch), (status = 404, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_dispatch(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryDispatch>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let d = st
        .store
        .dispatch(&plan.zone.code, id)
        .await?
        .filter(|d| may_see_dispatch(&a.actor, &plan, d))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "dispatch_report", &id.to_string()).await?;
    let evidence = st.store.evidence_of(&plan.zone.code, "dispatch_report", id).await?;
    Ok(Json(WithHistoryDispatch { entry: d, history, evidence }))
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
    Ok(Json(entries::decide_dispatch(&st, &a.actor, id, d, &reason).await.map_err(|e| e.in_locale(a.locale))?))
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
    Ok(created(entries::set_upper_target(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The zone's settings of the data loop (the defaults until the task force sets its own).
#[utoipa::path(get, path = "/api/v1/settings", responses((status = 200, body = ecociv_core::record::ZoneSettingsRecord)), security(("bearer" = []), ("cookie" = [])))]
async fn get_settings(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<ecociv_core::record::ZoneSettingsRecord>, WebError> {
    let s = entries::settings_of(&st, &a.actor.zone).await?;
    let stored = st.store.zone_settings(&a.actor.zone).await?;
    Ok(Json(ecociv_core::record::ZoneSettingsRecord {
        zone: a.actor.zone.clone(),
        dispatch_due_day: i64::from(s.dispatch_due_day),
        observation_due: format!("{:02}-{:02}", s.observation_due.0, s.observation_due.1),
        jump_bound: s.jump_bound.normalize().to_string(),
        regional_indicators: s.regional_indicators,
        updated_by: stored.as_ref().map(|x| x.updated_by.clone()).unwrap_or_default(),
        updated_at: stored.map(|x| x.updated_at).unwrap_or_default(),
    }))
}

/// The task force sets the due day of dispatch reports, the due date of yearly values, the jump
/// bound and the indicators asked by region.
#[utoipa::path(put, path = "/api/v1/settings", request_body = entries::SettingsInput,
    responses((status = 200, body = ecociv_core::record::ZoneSettingsRecord), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn put_settings(
    st: axum::extract::State<AppState>,
    a: Authed,
    J(input): J<entries::SettingsInput>,
) -> Result<Json<ecociv_core::record::ZoneSettingsRecord>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(entries::set_settings(&st, &a.actor, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Periods the task force locked, unlocked or opened.
#[utoipa::path(get, path = "/api/v1/periods", responses((status = 200, body = [ecociv_core::record::PeriodRecord])), security(("bearer" = []), ("cookie" = [])))]
async fn list_periods(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<ecociv_core::record::PeriodRecord>>, WebError> {
    Ok(Json(st.store.periods(&a.actor.zone).await?))
}

/// `lock` or `unlock` (with `reason`) a year `YYYY` or a month `YYYY-MM`; `open` a year after the plan.
#[utoipa::path(post, path = "/api/v1/periods/{period}/{action}", params(("period" = String, Path), ("action" = String, Path, description = "lock, unlock or open")),
    request_body = ReasonInput,
    responses((status = 200, body = ecociv_core::record::PeriodRecord), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_period(
    st: axum::extract::State<AppState>,
    a: Authed,
    P((period, action)): P<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ecociv_core::record::PeriodRecord>, WebError> {
    a.check_csrf(None)?;
    let action = match action.as_str() {
        "lock" => entries::PeriodAction::Lock,
        "unlock" => entries::PeriodAction::Unlock,
        "open" => entries::PeriodAction::Open,
        other => return Err(WebError::not_found("not_found").field("action", other).in_locale(a.locale)),
    };
    let reason = reason_of(&body, a.locale)?;
    Ok(Json(entries::set_period(&st, &a.actor, &period, action, &reason).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Reads the one file of a multipart upload (field `file`).
async fn upload(mut m: axum::extract::Multipart, l: ecociv_core::Locale) -> Result<(String, Vec<u8>), WebError> {
    let too_large = || WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large").in_locale(l);
    loop {
        let field = m.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::bad_request("bad_query").field("file", &e.body_text()).in_locale(l)
            }
        })?;
        let Some(field) = field else {
            return Err(
                WebError::invalid(vec![ecociv_core::entry::FieldError::new("file", "required", "请选择要上传的文件", "choose a file to upload")]).in_locale(l)
            );
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::bad_request("bad_query").field("file", &e.body_text()).in_locale(l)
            }
        })?;
        return Ok((name, bytes.to_vec()));
    }
}

/// Attaches an evidence file to an observation (multipart field `file`; PDF, images, Office
/// and OFD documents, checked by content).
#[utoipa::path(post, path = "/api/v1/observations/{id}/evidence", params(("id" = i64, Path)),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_observation_evidence(
    st: axum::extract::State<AppState>,
    a: Authed,
    P(id): P<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let m = m.map_err(|e| WebError::bad_request("bad_query").field("body", &e.body_text()).in_locale(a.locale))?;
    let (name, bytes) = upload(m, a.locale).await?;
    Ok(created(entries::attach(&st, &a.actor, "observation", id, &name, &bytes).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Attaches a photo or file to a dispatch report.
#[utoipa::path(post, path = "/api/v1/dispatch-reports/{id}/evidence", params(("id" = i64, Path)),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_dispatch_evidence(
    st: axum::extract::State<AppState>,
    a: Authed,
    P(id): P<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let m = m.map_err(|e| WebError::bad_request("bad_query").field("body", &e.body_text()).in_locale(a.locale))?;
    let (name, bytes) = upload(m, a.locale).await?;
    Ok(created(entries::attach(&st, &a.actor, "dispatch_report", id, &name, &bytes).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Downloads an evidence file (for those who may see its entry).
#[utoipa::path(get, path = "/api/v1/evidence/{id}", params(("id" = i64, Path)), responses((status = 200, description = "the file"), (status = 404, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn get_evidence(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Response, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    let not_found = || WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale);
    let e = st.store.evidence(&plan.zone.code, id).await?.ok_or_else(not_found)?;
    let visible = match e.entity.as_str() {
        "observation" => st.store.observation(&plan.zone.code, e.entity_id).await?.is_some_and(|o| may_see_observation(&a.actor, &plan, &o)),
        _ => st.store.dispatch(&plan.zone.code, e.entity_id).await?.is_some_and(|d| may_see_dispatch(&a.actor, &plan, &d)),
    };
    if !visible {
        return Err(not_found());
    }
    let bytes = st.store.blob(&e.hash).await?.ok_or_else(not_found)?;
    let disposition = format!("attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}", e.id, crate::pages::encode(&e.file_name));
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_str(&e.media_type).unwrap_or(axum::http::HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_str(&disposition).unwrap_or(axum::http::HeaderValue::from_static("attachment")),
    );
    h.insert("x-content-type-options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(r)
}
