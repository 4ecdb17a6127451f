//! The quarterly assessment's page and API: the ranking and the explanation of every score,
//! the rules in their versions, and recording a computation (what they compute is
//! `ecociv_app::assessment`).

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ecociv_app::assessment::{assess, record_assessment, set_rules};
use ecociv_core::Locale;
use ecociv_core::assessment::Assessment;
use ecociv_core::record::{AssessmentRecord, ScoringRulesRecord};
use ecociv_core::scoring::{Quarter, ScoringRules, UnitScore};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::{J, P, Q};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, render};
use crate::state::AppState;
use ecociv_app::entries;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scoring-rules", get(get_rules).put(put_rules))
        .route("/api/v1/assessments/{quarter}", get(get_assessment).post(post_assessment))
        .route("/assessment", get(page))
}

fn quarter_of(s: &str, l: Locale) -> Result<Quarter, WebError> {
    s.parse().map_err(|_| WebError::bad_request("bad_quarter").field("quarter", s).in_locale(l))
}

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    rules: Option<i64>,
}

/// A quarter's assessment, computed from the rules and the data (`?rules=N` for another version).
#[utoipa::path(get, path = "/api/v1/assessments/{quarter}", params(("quarter" = String, Path, description = "2024Q2", pattern = "^[0-9]{4}[Qq][1-4]$"), ("rules" = Option<i64>, Query)),
    responses((status = 200, body = Assessment), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_assessment(
    State(st): State<AppState>,
    a: Authed,
    P(quarter): P<String>,
    Q(q): Q<RulesQuery>,
) -> Result<Json<std::sync::Arc<Assessment>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    let quarter = quarter_of(&quarter, a.locale)?;
    Ok(Json(assess(&st, &plan, quarter, q.rules).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The task force computes and records a quarter's assessment (also a past quarter with new rules).
#[utoipa::path(post, path = "/api/v1/assessments/{quarter}", params(("quarter" = String, Path, description = "2024Q2", pattern = "^[0-9]{4}[Qq][1-4]$"), ("rules" = Option<i64>, Query)),
    responses((status = 201, body = AssessmentRecord), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn post_assessment(State(st): State<AppState>, a: Authed, P(quarter): P<String>, Q(q): Q<RulesQuery>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let quarter = quarter_of(&quarter, a.locale)?;
    let stored = record_assessment(&st, &a.actor, quarter, q.rules).await.map_err(|e| e.in_locale(a.locale))?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// The zone's rules: every version, and the one in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesVersions {
    pub current: i64,
    pub default_text: String,
    pub versions: Vec<ScoringRulesRecord>,
}

#[utoipa::path(get, path = "/api/v1/scoring-rules", responses((status = 200, body = RulesVersions)), security(("bearer" = []), ("cookie" = [])))]
async fn get_rules(State(st): State<AppState>, a: Authed) -> Result<Json<RulesVersions>, WebError> {
    let versions = st.store.scoring_rules(&a.actor.zone).await?;
    Ok(Json(RulesVersions { current: versions.last().map(|v| v.version).unwrap_or(0), default_text: ScoringRules::default_text().into(), versions }))
}

/// A new version of the rules, as TOML text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RulesInput {
    pub text: String,
}

/// The task force writes a new version of the scoring rules.
#[utoipa::path(put, path = "/api/v1/scoring-rules", request_body = RulesInput,
    responses((status = 200, body = ScoringRulesRecord), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn put_rules(State(st): State<AppState>, a: Authed, J(input): J<RulesInput>) -> Result<Json<ScoringRulesRecord>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(set_rules(&st, &a.actor, &input.text).await.map_err(|e| e.in_locale(a.locale))?))
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    l: Layout,
    a: std::sync::Arc<Assessment>,
    tables: Vec<(&'static str, Vec<UnitScore>, &'static str)>,
    previous: String,
    next: String,
    /// The zone has supervision orders but the rules give them no points.
    orders_unscored: bool,
}

impl AssessmentPage {
    /// A score (or a change of score) with exactly 2 decimal places, as the rules define it.
    fn dp2(&self, d: &Decimal) -> String {
        format!("{:.2}", d.round_dp(2))
    }
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    quarter: Option<String>,
    rules: Option<i64>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<PageQuery>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let quarter = match q.quarter.as_deref().map(|s| quarter_of(s, l)).transpose() {
        Ok(Some(qq)) => qq,
        Ok(None) => ecociv_app::assessment::latest_quarter(&plan, st.today()),
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let vetoes = match st.store.vetoes(&plan.zone.code).await {
        Ok(v) => v,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    // rules written before supervision orders were scored leave them out: say so
    let orders_unscored = match (ecociv_app::assessment::rules_of(&st, &plan.zone.code, q.rules).await, st.store.orders(&plan.zone.code).await) {
        (Ok((_, rules)), Ok(orders)) => {
            !orders.is_empty() && !rules.components.iter().any(|c| c.kind == ecociv_core::scoring::ComponentKind::SupervisionOrders)
        }
        _ => false,
    };
    match assess(&st, &plan, quarter, q.rules).await {
        Ok(result) => {
            let mut lay = Layout::new(&st, l, &uri, Some(&plan), &crate::state::ZoneQuery::default()).with_vetoes(vetoes);
            lay.session = Some(crate::layout::Session::of(&a));
            let tables = vec![("assess.regions", result.regions.clone(), "regions"), ("assess.departments", result.departments.clone(), "departments")];
            render(&AssessmentPage {
                l: lay,
                a: result,
                tables,
                previous: quarter.previous().to_string(),
                next: next_quarter(quarter).to_string(),
                orders_unscored,
            })
        }
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

fn next_quarter(q: Quarter) -> Quarter {
    if q.q == 4 { Quarter { year: q.year + 1, q: 1 } } else { Quarter { year: q.year, q: q.q + 1 } }
}

/// The OpenAPI paths of the assessment.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_assessment, post_assessment, get_rules, put_rules),
    components(schemas(
        Assessment,
        RulesVersions,
        RulesInput,
        ScoringRulesRecord,
        AssessmentRecord,
        UnitScore,
        ecociv_core::scoring::ComponentScore,
        ecociv_core::scoring::ComponentKind,
        ecociv_core::scoring::Fact,
        ecociv_core::scoring::Arrival
    ))
)]
pub struct AssessmentDoc;
