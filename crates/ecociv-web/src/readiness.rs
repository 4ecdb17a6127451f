//! Review readiness over the store (signed in): for every leaf indicator and archive year (the
//! year before the plan to its end: 2022–2025 for Hohhot), whether its zone value is present,
//! approved, backed by evidence and meets the target; the readiness of the zone and of each
//! lead department; and the veto conditions the task force records, shown above everything.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::entry::FieldError;
use ecociv_core::model::Plan;
use ecociv_core::readiness::{Cell, Share, share};
use ecociv_core::rule::{EvalInput, Status};
use ecociv_core::value::Value;
use ecociv_store::{EntryState, VetoRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Authed, MaybeAuthed};
use crate::error::WebError;
use crate::extract::J;
use crate::i18n::Lang;
use crate::pages::{Layout, error_page, render};
use crate::workflow;

pub fn routes() -> Router<AppState> {
    Router::new().route("/readiness", get(page)).route("/api/v1/readiness", get(api_readiness)).route("/api/v1/vetoes", get(list_vetoes).post(post_veto))
}

/// The readiness of a zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    pub years: Vec<i32>,
    pub zone: Share,
    pub departments: Vec<(String, Share)>,
    pub cells: Vec<Cell>,
    pub vetoes: Vec<VetoRecord>,
}

/// Computes the readiness from the store.
pub async fn readiness(st: &AppState, plan: &Plan) -> Result<Readiness, WebError> {
    let zone = &plan.zone.code;
    let observations = st.store.observations(zone).await?;
    let evidence = st.store.all_evidence(zone).await?;
    let uppers: BTreeMap<(String, i64), rust_decimal::Decimal> =
        st.store.upper_targets(zone).await?.into_iter().filter_map(|t| Some(((t.indicator, t.year), t.value.parse().ok()?))).collect();
    let years: Vec<i32> = (plan.start_year - 1..=plan.end_year).collect();
    let mut cells = Vec::new();
    for leaf in plan.leaves() {
        let Ok(rule) = leaf.target.parse_rule() else { continue };
        let approved_series: BTreeMap<i32, Value> = observations
            .iter()
            .filter(|o| o.indicator == leaf.code && o.region.is_empty() && o.state == EntryState::Approved)
            .filter_map(|o| Some((i32::try_from(o.year).ok()?, Value::parse(&o.value).ok()?)))
            .collect();
        for &year in &years {
            let o = observations.iter().find(|o| o.indicator == leaf.code && o.region.is_empty() && o.year == i64::from(year));
            let met = approved_series.get(&year).and_then(|_| {
                let input = EvalInput {
                    upper_target: uppers.get(&(leaf.code.to_string(), i64::from(year))).copied(),
                    direction: leaf.direction,
                    ..EvalInput::new(year, &approved_series)
                };
                match rule.evaluate(&input).status {
                    Status::Met | Status::NotApplicable => Some(true),
                    Status::NotMet => Some(false),
                    _ => None,
                }
            });
            cells.push(Cell {
                leaf: leaf.code.to_string(),
                year,
                present: o.is_some(),
                approved: o.is_some_and(|o| o.state == EntryState::Approved),
                evidence: o.is_some_and(|o| evidence.iter().any(|e| e.entity == "observation" && e.entity_id == o.id)),
                met,
            });
        }
    }
    let mut leads: Vec<String> = plan.indicators.iter().flat_map(|i| i.lead_departments.clone()).collect();
    leads.sort();
    leads.dedup();
    let departments = leads
        .into_iter()
        .map(|d| {
            let theirs: Vec<&Cell> = cells.iter().filter(|c| plan.indicator_of(&c.leaf).is_some_and(|i| i.lead_departments.contains(&d))).collect();
            let s = share(theirs);
            (d, s)
        })
        .collect();
    Ok(Readiness { years, zone: share(&cells), departments, cells, vetoes: st.store.vetoes(zone).await? })
}

#[utoipa::path(get, path = "/api/v1/readiness", responses((status = 200, body = Readiness)), security(("bearer" = []), ("cookie" = [])))]
async fn api_readiness(State(st): State<AppState>, a: Authed) -> Result<Json<Readiness>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await?;
    Ok(Json(readiness(&st, &plan).await?))
}

#[utoipa::path(get, path = "/api/v1/vetoes", responses((status = 200, body = [VetoRecord])), security(("bearer" = []), ("cookie" = [])))]
async fn list_vetoes(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<VetoRecord>>, WebError> {
    Ok(Json(st.store.vetoes(&a.actor.zone).await?))
}

/// A veto condition as the task force records it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VetoInput {
    /// `major_incident` (重大、特大突发环境事件), `falsified_data` (监测数据造假), or `other`.
    pub kind: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: String,
}

/// The task force records a veto condition.
#[utoipa::path(post, path = "/api/v1/vetoes", request_body = VetoInput,
    responses((status = 201, body = VetoRecord), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_veto(State(st): State<AppState>, a: Authed, J(input): J<VetoInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let plan = workflow::plan_of(&st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden().in_locale(a.locale));
    }
    let mut errs = Vec::new();
    if !["major_incident", "falsified_data", "other"].contains(&input.kind.as_str()) {
        errs.push(FieldError::new(
            "kind",
            "bad_kind",
            "类型应为 major_incident、falsified_data 或 other",
            "the kind must be major_incident, falsified_data or other",
        ));
    }
    if input.description.trim().is_empty() {
        errs.push(FieldError::new("description", "required", "请填写情况说明", "a description is required"));
    }
    ecociv_core::entry::check_text(&mut errs, "description", &input.description);
    if ecociv_core::clock::parse_today(&input.occurred_on).map(|d| d > st.today()).unwrap_or(true) {
        errs.push(FieldError::new("occurred_on", "bad_date", "日期应为 YYYY-MM-DD，且不晚于今天", "the date must be YYYY-MM-DD and not after today"));
    }
    if !errs.is_empty() {
        return Err(WebError::invalid(errs).in_locale(a.locale));
    }
    let rec = VetoRecord {
        id: 0,
        zone: plan.zone.code.clone(),
        kind: input.kind.clone(),
        description: input.description.trim().into(),
        occurred_on: input.occurred_on.trim().into(),
        recorded_by: a.actor.name.clone(),
        recorded_at: ecociv_store::trail::now(),
    };
    Ok((StatusCode::CREATED, Json(st.store.add_veto(&rec, &a.actor.name).await?)).into_response())
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
    r: Readiness,
    rows: Vec<(String, String, Vec<Cell>)>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match workflow::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let r = match readiness(&st, &plan).await {
        Ok(r) => r,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let rows = plan
        .leaves()
        .iter()
        .map(|leaf| (leaf.code.to_string(), plan.leaf_name(leaf.code, l), r.cells.iter().filter(|c| c.leaf == leaf.code).cloned().collect()))
        .collect();
    let task_force = a.actor.can_approve(&plan);
    let lay = Layout::new(&st, l, &uri, Some(&plan), &crate::ZoneQuery::default()).with(MaybeAuthed(Some(a)));
    let this_year = chrono::Datelike::year(&st.today());
    let doc_years: Vec<i32> = r.years.iter().copied().filter(|y| (plan.base_year..=this_year).contains(y)).collect();
    let work_years = doc_years.iter().copied().filter(|y| *y >= plan.start_year).collect();
    render(&ReadinessPage { l: lay, task_force, doc_years, work_years, r, rows })
}

/// The OpenAPI paths of readiness and vetoes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_readiness, list_vetoes, post_veto), components(schemas(Readiness, VetoInput, VetoRecord, Cell, Share)))]
pub struct ReadinessDoc;
