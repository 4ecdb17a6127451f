//! Observations (yearly values of indicators): the form to enter one, its page with history,
//! evidence and the task force's decision, and under `/api/v1/observations` the same for
//! scripts. The rights and checks are `ecociv_app::entries`'.

use crate::auth::Authed;
use crate::error::created;
use crate::error::{InLocale, WebError};
use crate::evidence::page_upload;
use crate::extract::{F, J, P, Q};
use crate::history::{DecideForm, HistoryRow, ReasonInput, Refused, decision, history_rows, reason_of};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, layout, render, state_label};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::entries::{self, Decision};
use ecociv_core::Locale;
use ecociv_core::access::Role;
use ecociv_core::entry::ObservationInput;
use ecociv_core::model::Plan;
use ecociv_core::record::{EntryState, ObservationRecord};
use ecociv_core::trail::TrailEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
struct ObservationQuery {
    indicator: Option<String>,
    year: Option<String>,
    region: Option<String>,
}

#[derive(Template)]
#[template(path = "observation_form.html")]
struct ObservationFormPage {
    l: Layout,
    indicator: String,
    indicator_name: String,
    unit: String,
    target: String,
    year: String,
    region: String,
    value: String,
    comment: String,
    explanation: String,
    errors: Vec<(String, String)>,
    choices: Vec<String>,
}

fn leaf_info(plan: &Plan, code: &str, l: Locale) -> (String, String, String, Vec<String>) {
    match plan.leaf(code) {
        Some(leaf) => {
            let name = plan.leaf_name(code, l);
            let choices = match leaf.target.parse_rule().map(|r| r.value_kind()) {
                Ok(ecociv_core::rule::ValueKind::State(w)) => w.accepted_values(),
                _ => vec![],
            };
            // the target as printed, with the unit only where the printed text lacks it
            let printed = &leaf.target.printed;
            let target = if leaf.unit.is_empty() || printed.contains(leaf.unit) { printed.clone() } else { format!("{printed} {}", leaf.unit) };
            (name, leaf.unit.to_string(), target, choices)
        }
        None => Default::default(),
    }
}

async fn observation_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<ObservationQuery>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let indicator = q.indicator.unwrap_or_default();
    let (indicator_name, unit, target, choices) = leaf_info(&plan, &indicator, l);
    let page = ObservationFormPage {
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        indicator,
        indicator_name,
        unit,
        target,
        year: q.year.unwrap_or_default(),
        region: q.region.unwrap_or_default(),
        value: String::new(),
        comment: String::new(),
        explanation: String::new(),
        errors: vec![],
        choices,
    };
    render(&page)
}

#[derive(Deserialize)]
struct ObservationForm {
    #[serde(default)]
    csrf: String,
    indicator: String,
    year: String,
    #[serde(default)]
    region: String,
    value: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    explanation: String,
}

async fn observation_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<ObservationForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let year: Option<i32> = f.year.trim().parse().ok();
    let input = ObservationInput {
        indicator: f.indicator.trim().to_string(),
        year: year.unwrap_or(0),
        region: Some(f.region.clone()).filter(|r| !r.trim().is_empty()),
        value: serde_json::Value::String(f.value.clone()),
        comment: f.comment.clone(),
        explanation: Some(f.explanation.clone()).filter(|e| !e.trim().is_empty()),
    };
    let result = match year {
        Some(_) => entries::submit_observation(&st, &a.actor, &input).await,
        None => Err(ecociv_app::AppError::invalid(vec![ecociv_core::entry::FieldError::keyed("year", "bad_year", "field.observation.bad_year")])),
    };
    match result {
        Ok(o) => Redirect::to(&format!("/observations/{}", o.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            let e = e.in_locale(l);
            let errors: Vec<(String, String)> = if e.checks.is_empty() {
                vec![(String::new(), e.message())]
            } else {
                e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect()
            };
            let (indicator_name, unit, target, choices) = leaf_info(&plan, &f.indicator, l);
            let page = ObservationFormPage {
                l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
                indicator: f.indicator,
                indicator_name,
                unit,
                target,
                year: f.year,
                region: f.region,
                value: f.value,
                comment: f.comment,
                explanation: f.explanation,
                errors,
                choices,
            };
            (e.status, render(&page)).into_response()
        }
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Template)]
#[template(path = "observation.html")]
struct ObservationPage {
    l: Layout,
    o: ObservationRecord,
    state: &'static str,
    name: String,
    unit: String,
    target: String,
    history: Vec<HistoryRow>,
    can_decide: bool,
    can_fix: bool,
    choices: Vec<String>,
    decide_action: String,
    state_code: &'static str,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
    /// A decision the form sent back, with why.
    refused: Refused,
}

async fn observation_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>) -> Response {
    observation_view(&st, l, &uri, &a, id, Refused::default()).await
}

/// The entry's page, with a decision the form sent back (or none).
async fn observation_view(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, id: i64, refused: Refused) -> Response {
    let (st, uri) = (st.clone(), uri.clone());
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(a), e),
    };
    let o = match st.store.observation(&plan.zone.code, id).await.map(|o| o.and_then(|o| ecociv_core::lineage::observation_for(&plan, o))) {
        Ok(Some(o))
            if a.actor.can_approve(&plan)
                || a.actor.role == Role::Viewer
                || a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str)) =>
        {
            o
        }
        Ok(_) => return error_page_for(&st, l, &uri, Some(a), WebError::not_found("unknown_entry").field("id", &id.to_string())),
        Err(e) => return error_page_for(&st, l, &uri, Some(a), e),
    };
    let history = st.store.trail_for(&plan.zone.code, "observation", &id.to_string()).await.unwrap_or_default();
    let (name, unit, target, choices) = leaf_info(&plan, &o.indicator, l);
    let can_fix =
        o.state == EntryState::Returned && a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str));
    let page = ObservationPage {
        l: layout(&st, l, &uri, Some(&plan), Some(a)).await,
        state: state_label(o.state, l),
        name,
        unit,
        target,
        history: history_rows(&history, l),
        can_decide: a.actor.can_approve(&plan),
        can_fix,
        choices,
        decide_action: format!("/observations/{}/decide", o.id),
        state_code: o.state.code(),
        evidence: st.store.evidence_of(&plan.zone.code, "observation", o.id).await.unwrap_or_default(),
        upload_action: format!("/observations/{}/evidence", o.id),
        refused,
        can_upload: o.state != EntryState::Approved
            && a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str)),
        o,
    };
    render(&page)
}

async fn observation_decide(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, F(f): F<DecideForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let Some(d) = Decision::parse(&f.decision) else {
        return error_page_for(&st, l, &uri, Some(&a), WebError::bad_request("bad_query").field("decision", &f.decision));
    };
    let result = entries::decide_observation(&st, &a.actor, id, d, &f.reason).await.map(|x| format!("/observations/{}", x.id));
    crate::history::decision_answer(&st, l, &uri, &a, result, &f.reason, |refused| observation_view(&st, l, &uri, &a, id, refused)).await
}

async fn observation_upload(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, m: axum::extract::Multipart) -> Response {
    page_upload(&st, l, &uri, &a, "observation", id, &format!("/observations/{id}"), m).await
}

/// Observations the caller may see: the task force and viewers all of the zone; a department
/// those of the indicators it enters; a region its own.
#[utoipa::path(get, path = "/api/v1/observations", responses((status = 200, body = [ObservationRecord]), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn list_observations(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<ObservationRecord>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let all = ecociv_core::lineage::observations_for(&plan, st.store.observations(&plan.zone.code).await?);
    // entries only: a base-year value the plan gives (id 0) is no entry
    Ok(Json(all.into_iter().filter(|o| o.id != 0 && ecociv_app::entries::may_see_observation(&a.actor, &plan, o)).collect()))
}

#[utoipa::path(post, path = "/api/v1/observations", request_body = ObservationInput,
    responses((status = 201, body = ObservationRecord), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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

#[utoipa::path(get, path = "/api/v1/observations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryObservation), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_observation(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryObservation>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let o = st
        .store
        .observation(&plan.zone.code, id)
        .await?
        .and_then(|o| ecociv_core::lineage::observation_for(&plan, o))
        .filter(|o| ecociv_app::entries::may_see_observation(&a.actor, &plan, o))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "observation", &id.to_string()).await?;
    let evidence = st.store.evidence_of(&plan.zone.code, "observation", id).await?;
    Ok(Json(WithHistoryObservation { entry: o, history, evidence }))
}

/// `approve`, `return` (with `reason`) or `unlock` (with `reason`): the task force only.
#[utoipa::path(post, path = "/api/v1/observations/{id}/{decision}", params(("id" = i64, Path), ("decision" = String, Path, description = "approve, return or unlock")),
    request_body = ReasonInput,
    responses((status = 200, body = ObservationRecord), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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

/// Attaches an evidence file to an observation (multipart field `file`; PDF, images, Office
/// and OFD documents, checked by content).
#[utoipa::path(post, path = "/api/v1/observations/{id}/evidence", params(("id" = i64, Path)), request_body(content = crate::evidence::Upload, content_type = "multipart/form-data"),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_observation_evidence(
    st: axum::extract::State<AppState>,
    a: Authed,
    P(id): P<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    crate::evidence::api_attach(&st, &a, "observation", id, m).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/observations/new", get(observation_form))
        .route("/observations", post(observation_post))
        .route("/observations/{id}", get(observation_page))
        .route("/observations/{id}/decide", post(observation_decide))
        .route("/observations/{id}/evidence", post(observation_upload).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
        .route("/api/v1/observations", get(list_observations).post(post_observation))
        .route("/api/v1/observations/{id}", get(get_observation))
        .route("/api/v1/observations/{id}/{decision}", post(decide_observation))
        .route(
            "/api/v1/observations/{id}/evidence",
            post(post_observation_evidence).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)),
        )
}

/// The documented routes of observations.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_observations, post_observation, get_observation, decide_observation, post_observation_evidence),
    components(schemas(
        ObservationInput,
        ObservationRecord,
        ecociv_core::record::EntryState,
        WithHistoryObservation,
        TrailEvent,
        crate::history::ReasonInput
    ))
)]
pub struct Doc;
