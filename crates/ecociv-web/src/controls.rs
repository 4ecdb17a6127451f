//! The task force's controls of the data loop: the page `/controls` (due dates, jump bound,
//! indicators asked by region; periods locked, unlocked or opened) and under `/api/v1` the
//! settings, the periods and the targets assigned from above.

use crate::auth::Authed;
use crate::error::created;
use crate::error::{InLocale, WebError};
use crate::extract::{F, J, P};
use crate::history::{ReasonInput, reason_of};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, layout, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::entries::{self, UpperTargetInput};
use ecociv_core::Locale;
use ecociv_core::access::ParentRight;
use ecociv_core::record::UpperTargetRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "controls.html")]
struct ControlsPage {
    l: Layout,
    dispatch_due_day: u32,
    observation_due: String,
    jump_bound: String,
    regional: String,
    /// What the zone above may do here; and whether there is a zone above.
    parent_read: bool,
    parent_decide: bool,
    has_parent: bool,
    periods: Vec<ecociv_core::record::PeriodRecord>,
    errors: Vec<(String, String)>,
}

async fn controls_of(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, errors: Vec<(String, String)>) -> Result<ControlsPage, WebError> {
    let plan = entries::plan_of(st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden());
    }
    let s = entries::settings_of(st, &plan.zone.code).await?;
    Ok(ControlsPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        dispatch_due_day: s.dispatch_due_day,
        observation_due: format!("{:02}-{:02}", s.observation_due.0, s.observation_due.1),
        jump_bound: s.jump_bound.normalize().to_string(),
        regional: s.regional_indicators.join(", "),
        parent_read: s.parent_rights.contains(&ParentRight::ReadEntries),
        parent_decide: s.parent_rights.contains(&ParentRight::Decide),
        has_parent: plan.zone.parent.is_some(),
        periods: st.store.periods(&plan.zone.code).await?,
        errors,
    })
}

async fn controls_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    match controls_of(&st, l, &uri, &a, vec![]).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    dispatch_due_day: String,
    observation_due: String,
    jump_bound: String,
    #[serde(default)]
    regional: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    parent_read: Option<String>,
    #[serde(default)]
    parent_decide: Option<String>,
}

async fn controls_settings(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<SettingsForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let input = entries::SettingsInput {
        dispatch_due_day: f.dispatch_due_day.trim().parse().unwrap_or(0),
        observation_due: f.observation_due,
        jump_bound: serde_json::Value::String(f.jump_bound),
        regional_indicators: f.regional.split([',', '，', ' ', '、']).map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
        parent_rights: Some(
            [(f.parent_read.is_some(), ParentRight::ReadEntries), (f.parent_decide.is_some(), ParentRight::Decide)]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, r)| r.code().to_string())
                .collect(),
        ),
    };
    controls_result(&st, l, &uri, &a, entries::set_settings(&st, &a.actor, &input).await.map(|_| ()).map_err(WebError::from)).await
}

#[derive(Deserialize)]
struct PeriodForm {
    #[serde(default)]
    csrf: String,
    period: String,
    action: String,
    #[serde(default)]
    reason: String,
}

async fn controls_period(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<PeriodForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let action = match f.action.as_str() {
        "lock" => entries::PeriodAction::Lock,
        "unlock" => entries::PeriodAction::Unlock,
        _ => entries::PeriodAction::Open,
    };
    controls_result(&st, l, &uri, &a, entries::set_period(&st, &a.actor, &f.period, action, &f.reason).await.map(|_| ()).map_err(WebError::from)).await
}

async fn controls_result(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, r: Result<(), WebError>) -> Response {
    match r {
        Ok(()) => Redirect::to("/controls").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect();
            match controls_of(st, l, uri, a, errors).await {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
                Err(e) => error_page(st, l, uri, e),
            }
        }
        Err(e) => error_page(st, l, uri, e),
    }
}

/// The targets assigned from above, by indicator and year.
#[utoipa::path(get, path = "/api/v1/upper-targets", responses((status = 200, body = [UpperTargetRecord])), security(("bearer" = []), ("cookie" = [])))]
async fn list_upper_targets(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<UpperTargetRecord>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    Ok(Json(ecociv_core::lineage::uppers_for(&plan, st.store.upper_targets(&plan.zone.code).await?)))
}

/// The task force enters the target assigned from above (16, 18) for a year.
#[utoipa::path(post, path = "/api/v1/upper-targets", request_body = UpperTargetInput,
    responses((status = 201, body = UpperTargetRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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
        parent_rights: s.parent_rights.iter().map(|r| r.code().to_string()).collect(),
        updated_by: stored.as_ref().map(|x| x.updated_by.clone()).unwrap_or_default(),
        updated_at: stored.map(|x| x.updated_at).unwrap_or_default(),
    }))
}

/// The task force sets the due day of dispatch reports, the due date of yearly values, the jump
/// bound and the indicators asked by region.
#[utoipa::path(put, path = "/api/v1/settings", request_body = entries::SettingsInput,
    responses((status = 200, body = ecociv_core::record::ZoneSettingsRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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
    responses((status = 200, body = ecociv_core::record::PeriodRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/controls", get(controls_page))
        .route("/controls/settings", post(controls_settings))
        .route("/controls/periods", post(controls_period))
        .route("/api/v1/upper-targets", get(list_upper_targets).post(post_upper_target))
        .route("/api/v1/settings", get(get_settings).put(put_settings))
        .route("/api/v1/periods", get(list_periods))
        .route("/api/v1/periods/{period}/{action}", post(post_period))
}

/// The documented routes of the task force's controls.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_upper_targets, post_upper_target, get_settings, put_settings, list_periods, post_period),
    components(schemas(
        UpperTargetInput,
        UpperTargetRecord,
        entries::SettingsInput,
        ecociv_core::record::ZoneSettingsRecord,
        ecociv_core::record::PeriodRecord
    ))
)]
pub struct Doc;
