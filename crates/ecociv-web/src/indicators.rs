//! The indicators of a plan: the page `/indicators` (by domain and category, with target, rule,
//! leads and providers), one indicator's page with the tasks and projects that serve it and its
//! series, and the same under `/api/v1/indicators`.

use crate::auth::MaybeAuthed;
use crate::error::{ApiResult, ErrorBody};
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::{Lang, t};
use crate::layout::plan_or_page;
use crate::layout::{Layout, error_page, render};
use crate::state::{AppState, ZoneQuery};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::audit::Finding;
use ecociv_core::model::*;
use serde::Serialize;
use utoipa::ToSchema;

struct CategoryGroup {
    label: String,
    name: String,
    indicators: Vec<Indicator>,
}

struct DomainGroup {
    name: &'static str,
    categories: Vec<CategoryGroup>,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    l: Layout,
    groups: Vec<DomainGroup>,
    count: usize,
}

async fn indicators_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let groups = Domain::ALL
        .iter()
        .map(|d| DomainGroup {
            name: d.name(l),
            categories: plan
                .categories
                .iter()
                .filter(|c| c.domain == *d)
                .map(|c| CategoryGroup {
                    label: c.label.clone(),
                    name: l.pick(&c.name, &c.name_en).to_string(),
                    indicators: plan.indicators.iter().filter(|i| i.category == c.number).cloned().collect(),
                })
                .collect(),
        })
        .collect();
    render(&IndicatorsPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), groups, count: plan.indicators.len() })
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    l: Layout,
    ind: Indicator,
    category: String,
    charts: Vec<crate::dashboard::Chart>,
    standings: Vec<ecociv_core::indicator_status::LeafStanding>,
    /// The note on how the projections were made, naming the method in use (or, after the
    /// deadline, that the result replaces them).
    projection_note: &'static str,
    /// After the deadline: the result at the deadline, no projection.
    after_deadline: bool,
    tasks: Vec<Task>,
    projects: Vec<Project>,
    findings: Vec<Finding>,
    /// In a try-out: the mark of each example value, by (leaf, year).
    examples: std::collections::HashMap<(String, i32), &'static str>,
}

async fn indicator_page(
    State(st): State<AppState>,
    Lang(l): Lang,
    uri: OriginalUri,
    m: MaybeAuthed,
    P(code): P<String>,
    Q(sq): Q<crate::public::StandingQuery>,
) -> Response {
    let zq = ZoneQuery { zone: sq.zone.clone() };
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(ind) = plan.indicator_of(&code).filter(|i| i.code == code || i.sub_indicators.iter().any(|s| s.code == code)) else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_indicator").field("code", &code));
    };
    let category = plan.category(ind.category).map(|c| format!("{}{}", c.label, l.pick(&c.name, &c.name_en))).unwrap_or_default();
    // the approved values of its leaves (the page is public)
    let method = sq.method.unwrap_or_default();
    let projection_note = match method {
        ecociv_core::projection::Method::Cagr => t(l, "indicator.projection_note"),
        ecociv_core::projection::Method::Linear => t(l, "indicator.projection_note_linear"),
    };
    let standings: Vec<_> = match ecociv_app::standings::approved_standings(&st, &plan, l, method).await {
        Ok(all) => all.iter().filter(|s| s.indicator == ind.code).cloned().collect(),
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let after_deadline = standings.iter().any(|s| s.projection.final_status.is_some());
    let projection_note = if after_deadline { t(l, "indicator.final_note") } else { projection_note };
    let charts = standings
        .iter()
        .filter(|s| s.years.iter().any(|y| y.value.parse::<rust_decimal::Decimal>().is_ok()))
        .map(|s| crate::dashboard::series_chart(s, s.projection.target, l))
        .collect();
    // a try-out marks every example value as such beside it
    let examples = match plan.zone.example_data {
        true => match st.store.observations(&plan.zone.code).await {
            Ok(obs) => ecociv_core::lineage::observations_for(&plan, obs)
                .into_iter()
                .filter(|o| o.region.is_empty())
                .filter_map(|o| Some(((o.indicator.clone(), i32::try_from(o.year).ok()?), ecociv_app::tryout::example_mark(&o.comment)?)))
                .collect(),
            Err(e) => return error_page(&st, l, &uri, e),
        },
        false => Default::default(),
    };
    let page = IndicatorPage {
        examples,
        charts,
        standings,
        projection_note,
        after_deadline,
        l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m),
        category,
        tasks: plan.tasks_for(&ind.code).into_iter().cloned().collect(),
        projects: plan.projects_for(&ind.code).into_iter().cloned().collect(),
        findings: plan.findings.iter().filter(|f| f.place.table == "indicators" && f.place.row == ind.code).cloned().collect(),
        ind: ind.clone(),
    };
    render(&page)
}

/// The indicators with their sub-indicators, targets, leads and data providers.
#[utoipa::path(get, path = "/api/v1/indicators", params(ZoneQuery), responses((status = 200, body = [Indicator]), (status = 404, body = ErrorBody)))]
async fn indicators(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Indicator>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.indicators.clone()))
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(indicators_page))
        .route("/indicators/{code}", get(indicator_page))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/indicators/{code}", get(indicator))
}

/// The documented routes of indicators.
#[derive(utoipa::OpenApi)]
#[openapi(paths(indicators, indicator), components(schemas(Indicator, SubIndicator, Target, IndicatorDetail)))]
pub struct Doc;
