//! The quarterly assessment over the store: gathering each region's and department's facts of a
//! quarter (reports due and how they came, indicators led, project progress and investment
//! against their periods, entries returned), scoring them with a version of the zone's rules,
//! recording a computation, and the page and API that show the ranking and its explanation.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use ecociv_core::Locale;
use ecociv_core::entry::YearMonth;
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::rule::{EvalInput, Status};
use ecociv_core::scoring::{Arrival, Fact, Quarter, ScoringRules, UnitFacts, UnitScore, score};
use ecociv_core::value::Value;
use ecociv_store::{AssessmentRecord, EntryState, ScoringRulesRecord};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::extract::{J, P, Q};
use crate::i18n::Lang;
use crate::pages::{Layout, error_page_for, render};
use crate::workflow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scoring-rules", get(get_rules).put(put_rules))
        .route("/api/v1/assessments/{quarter}", get(get_assessment).post(post_assessment))
        .route("/assessment", get(page))
}

/// The rules of a version (0 is ecociv's default), or the latest.
pub async fn rules_of(st: &AppState, zone: &str, version: Option<i64>) -> Result<(i64, ScoringRules), WebError> {
    let all = st.store.scoring_rules(zone).await?;
    let pick = match version {
        Some(0) => None,
        Some(v) => Some(all.into_iter().find(|r| r.version == v).ok_or_else(|| WebError::not_found("unknown_rules").field("rules", &v.to_string()))?),
        None => all.into_iter().next_back(),
    };
    match pick {
        None => Ok((0, ScoringRules::parse(ScoringRules::default_text()).map_err(|_| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal"))?)),
        Some(r) => Ok((r.version, ScoringRules::parse(&r.text).map_err(WebError::invalid)?)),
    }
}

/// Months elapsed of a period by the end of a month, as a share (0–1).
fn elapsed_share(start: i32, end: i32, by: YearMonth) -> Decimal {
    let total = (end - start + 1) * 12;
    let done = ((by.year - start) * 12 + by.month as i32).clamp(0, total);
    Decimal::from(done) / Decimal::from(total)
}

/// The facts of every region and department for a quarter.
pub async fn facts(st: &AppState, plan: &Plan, quarter: Quarter, today: NaiveDate) -> Result<Vec<UnitFacts>, WebError> {
    let zone = &plan.zone.code;
    let reports = st.store.dispatch_reports(zone).await?;
    let observations = st.store.observations(zone).await?;
    let users: BTreeMap<String, String> = st.store.users(zone).await?.into_iter().map(|u| (u.name, u.org_unit)).collect();
    // the entries ever returned, once (not per unit and entry)
    let returned_keys: std::collections::HashSet<String> = st.store.returned_entries(zone).await?.into_iter().collect();
    // reports by what they report on and when: (kind, subject, reporter for tasks, month)
    let mut by_key: std::collections::HashMap<(String, i64, String, String), &ecociv_store::DispatchRecord> = std::collections::HashMap::new();
    for r in &reports {
        let reporter = if r.kind == "project" { String::new() } else { r.org_unit.clone() };
        by_key.insert((r.kind.clone(), r.subject, reporter, r.period.clone()), r);
    }
    let settings = workflow::settings_of(st, zone).await?;
    let months: Vec<YearMonth> = quarter.months().into_iter().filter(|m| today > m.dispatch_due(settings.dispatch_due_day)).collect();
    let mut out = Vec::new();
    for unit in plan.org_units.iter().filter(|o| matches!(o.kind, OrgKind::Department | OrgKind::Region)) {
        let actor = ecociv_core::access::Actor { name: String::new(), zone: zone.clone(), org_unit: unit.name.clone(), role: role_of(unit.kind) };
        let mut f = Vec::new();
        for p in plan.projects.iter().filter(|p| p.implementers.contains(&unit.name)) {
            for m in &months {
                if !p.period.overlaps(m.year, m.year) {
                    continue;
                }
                let r = by_key.get(&("project".to_string(), i64::from(p.number), String::new(), m.to_string()));
                let arrival = match r {
                    None => Arrival::Missing,
                    Some(r) if r.late => Arrival::Late,
                    Some(_) => Arrival::OnTime,
                };
                f.push(Fact::Report { subject: format!("project {}", p.number), period: m.to_string(), arrival });
            }
            let last = reports
                .iter()
                .filter(|r| {
                    r.kind == "project" && r.subject == i64::from(p.number) && r.state != EntryState::Returned && r.period <= quarter.last_month().to_string()
                })
                .max_by(|a, b| a.period.cmp(&b.period));
            if let (Some(s), Some(e)) = (p.period.start, p.period.end) {
                let share = elapsed_share(s, e, quarter.last_month());
                if !share.is_zero() {
                    let reported = last.and_then(|r| r.progress_percent.parse::<Decimal>().ok()).unwrap_or_default();
                    f.push(Fact::Progress { project: p.number, reported, expected: (share * Decimal::ONE_HUNDRED).round_dp(2) });
                    if let Some(b) = &p.budget {
                        let cumulative_wan = last.and_then(|r| r.investment_cumulative_wan.parse::<Decimal>().ok()).unwrap_or_default();
                        f.push(Fact::Investment {
                            project: p.number,
                            cumulative_wan,
                            budget_wan: b.yi * Decimal::from(10_000),
                            expected_share: share.round_dp(4),
                        });
                    }
                }
            }
        }
        for t in plan.tasks.iter().filter(|t| actor.can_report_task(plan, t)) {
            for m in &months {
                let r = by_key.get(&("task".to_string(), i64::from(t.number), unit.name.clone(), m.to_string()));
                let arrival = match r {
                    None => Arrival::Missing,
                    Some(r) if r.late => Arrival::Late,
                    Some(_) => Arrival::OnTime,
                };
                f.push(Fact::Report { subject: format!("task {}", t.number), period: m.to_string(), arrival });
            }
        }
        if unit.kind == OrgKind::Department {
            for leaf in plan.leaves().into_iter().filter(|l| l.indicator.lead_departments.contains(&unit.name)) {
                let series: BTreeMap<i32, Value> = observations
                    .iter()
                    .filter(|o| o.indicator == leaf.code && o.region.is_empty() && o.state == EntryState::Approved && o.year <= i64::from(quarter.year))
                    .filter_map(|o| Some((i32::try_from(o.year).ok()?, Value::parse(&o.value).ok()?)))
                    .collect();
                let met = series.keys().next_back().and_then(|y| {
                    let rule = leaf.target.parse_rule().ok()?;
                    match rule.evaluate(&EvalInput { direction: leaf.direction, ..EvalInput::new(*y, &series) }).status {
                        Status::Met => Some(true),
                        Status::NotMet => Some(false),
                        _ => None,
                    }
                });
                f.push(Fact::Indicator { code: leaf.code.to_string(), met });
            }
        }
        // entries the unit sent for the quarter (its months' reports; in the first quarter, the
        // yearly values of the year before), and those the task force returned
        let months_q: Vec<String> = quarter.months().iter().map(|m| m.to_string()).collect();
        let mine_rep = reports.iter().filter(|r| r.org_unit == unit.name && months_q.contains(&r.period)).map(|r| format!("dispatch_report/{}", r.id));
        let mine_obs = observations
            .iter()
            .filter(|o| quarter.q == 1 && o.year == i64::from(quarter.year - 1) && users.get(&o.submitted_by) == Some(&unit.name))
            .map(|o| format!("observation/{}", o.id));
        let entries: Vec<String> = mine_rep.chain(mine_obs).collect();
        if !entries.is_empty() {
            let returned = entries.iter().filter(|key| returned_keys.contains(*key)).count();
            f.push(Fact::Returns { entries: entries.len() as u32, returned: returned as u32 });
        }
        out.push(UnitFacts { unit: unit.name.clone(), facts: f });
    }
    Ok(out)
}

fn role_of(kind: OrgKind) -> ecociv_core::access::Role {
    match kind {
        OrgKind::Department => ecociv_core::access::Role::Department,
        OrgKind::Region => ecociv_core::access::Role::Region,
        OrgKind::Unit => ecociv_core::access::Role::Unit,
    }
}

/// The assessment of a quarter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assessment {
    pub quarter: String,
    pub rules_version: i64,
    pub rules_title: String,
    pub regions: Vec<UnitScore>,
    pub departments: Vec<UnitScore>,
}

/// A quarter's assessment with a version of the rules (the latest by default), computed once
/// for the data as it stands.
pub async fn assess(st: &AppState, plan: &Plan, quarter: Quarter, version: Option<i64>) -> Result<Assessment, WebError> {
    let key = (plan.zone.code.clone(), quarter.to_string(), version, st.store.trail_head(&plan.zone.code).await?, st.today());
    if let Some(a) = st.assessments.read().expect("assessment cache").get(&key) {
        return Ok(a.clone());
    }
    let a = compute(st, plan, quarter, version).await?;
    let mut cache = st.assessments.write().expect("assessment cache");
    cache.retain(|k, _| k.0 != key.0 || k.3 == key.3);
    cache.insert(key, a.clone());
    Ok(a)
}

/// Computes a quarter's assessment from the rules and the data.
async fn compute(st: &AppState, plan: &Plan, quarter: Quarter, version: Option<i64>) -> Result<Assessment, WebError> {
    let (v, rules) = rules_of(st, &plan.zone.code, version).await?;
    let today = st.today();
    let now = facts(st, plan, quarter, today).await?;
    let before = facts(st, plan, quarter.previous(), today).await?;
    let previous: BTreeMap<String, Decimal> = score(&rules, &before, &BTreeMap::new()).into_iter().map(|s| (s.unit, s.score)).collect();
    let all = score(&rules, &now, &previous);
    let kind = |name: &str| plan.org_unit(name).map(|o| o.kind);
    let mut regions: Vec<UnitScore> = all.iter().filter(|s| kind(&s.unit) == Some(OrgKind::Region)).cloned().collect();
    let mut departments: Vec<UnitScore> = all.into_iter().filter(|s| kind(&s.unit) == Some(OrgKind::Department)).collect();
    ecociv_core::scoring::rank(&mut regions);
    ecociv_core::scoring::rank(&mut departments);
    Ok(Assessment { quarter: quarter.to_string(), rules_version: v, rules_title: rules.title, regions, departments })
}

fn quarter_of(s: &str, l: Locale) -> Result<Quarter, WebError> {
    s.parse().map_err(|_| WebError::bad_request("bad_quarter").field("quarter", s).in_locale(l))
}

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    rules: Option<i64>,
}

/// A quarter's assessment, computed from the rules and the data (`?rules=N` for another version).
#[utoipa::path(get, path = "/api/v1/assessments/{quarter}", params(("quarter" = String, Path, description = "2024Q2"), ("rules" = Option<i64>, Query)),
    responses((status = 200, body = Assessment), (status = 400, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_assessment(State(st): State<AppState>, a: Authed, P(quarter): P<String>, Q(q): Q<RulesQuery>) -> Result<Json<Assessment>, WebError> {
    let plan = workflow::plan_of(&st, &a.actor).await?;
    let quarter = quarter_of(&quarter, a.locale)?;
    Ok(Json(assess(&st, &plan, quarter, q.rules).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The task force computes and records a quarter's assessment (also a past quarter with new rules).
#[utoipa::path(post, path = "/api/v1/assessments/{quarter}", params(("quarter" = String, Path), ("rules" = Option<i64>, Query)),
    responses((status = 201, body = AssessmentRecord), (status = 403, body = crate::api::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn post_assessment(State(st): State<AppState>, a: Authed, P(quarter): P<String>, Q(q): Q<RulesQuery>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let plan = workflow::plan_of(&st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden().in_locale(a.locale));
    }
    let quarter = quarter_of(&quarter, a.locale)?;
    let result = assess(&st, &plan, quarter, q.rules).await.map_err(|e| e.in_locale(a.locale))?;
    let rec = AssessmentRecord {
        id: 0,
        zone: plan.zone.code.clone(),
        quarter: quarter.to_string(),
        rules_version: result.rules_version,
        result: serde_json::to_string(&result).expect("serializable"),
        computed_by: a.actor.name.clone(),
        computed_at: ecociv_store::trail::now(),
    };
    let stored = st.store.record_assessment(&rec, &a.actor.name).await?;
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
    responses((status = 200, body = ScoringRulesRecord), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn put_rules(State(st): State<AppState>, a: Authed, J(input): J<RulesInput>) -> Result<Json<ScoringRulesRecord>, WebError> {
    a.check_csrf(None)?;
    let plan = workflow::plan_of(&st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden().in_locale(a.locale));
    }
    ScoringRules::parse(&input.text).map_err(|e| WebError::invalid(e).in_locale(a.locale))?;
    Ok(Json(st.store.add_scoring_rules(&plan.zone.code, &input.text, &a.actor.name).await?))
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    l: Layout,
    a: Assessment,
    tables: Vec<(&'static str, Vec<UnitScore>, &'static str)>,
    previous: String,
    next: String,
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
    let plan = match workflow::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let quarter = match q.quarter.as_deref().map(|s| quarter_of(s, l)).transpose() {
        Ok(Some(qq)) => qq,
        Ok(None) => Quarter::of(YearMonth::of(st.today())).previous(),
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
    };
    let vetoes = match st.store.vetoes(&plan.zone.code).await {
        Ok(v) => v,
        Err(e) => return error_page_for(&st, l, &uri, Some(&a), e.into()),
    };
    match assess(&st, &plan, quarter, q.rules).await {
        Ok(result) => {
            let mut lay = Layout::new(&st, l, &uri, Some(&plan), &crate::ZoneQuery::default()).with_vetoes(vetoes);
            lay.session = Some(crate::pages_loop::Session::of(&a));
            let tables = vec![("assess.regions", result.regions.clone(), "regions"), ("assess.departments", result.departments.clone(), "departments")];
            render(&AssessmentPage { l: lay, a: result, tables, previous: quarter.previous().to_string(), next: next_quarter(quarter).to_string() })
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
        Fact,
        Arrival
    ))
)]
pub struct AssessmentDoc;
