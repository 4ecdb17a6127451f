//! The plan of a zone, for everyone: the overview page `/` (where the plan stands by the
//! clock, its phases, counts and budget by domain), the data-quality findings `/findings`, and
//! under `/api/v1` the zones, the whole plan, its standing, phases and findings.

use crate::auth::MaybeAuthed;
use crate::error::InLocale;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Q;
use crate::i18n::{Lang, t, tf};
use crate::layout::plan_or_page;
use crate::layout::{Layout, render};
use crate::state::{AppState, ZoneQuery};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use ecociv_core::Locale;
use ecociv_core::audit::{Finding, Place, Severity};
use ecociv_core::clock::{MilestoneState, Standing};
use ecociv_core::model::{Plan, *};
use serde::Serialize;
use utoipa::ToSchema;

struct PhaseView {
    name: String,
    start: NaiveDate,
    end: NaiveDate,
    state: &'static str,
    class: &'static str,
    milestones: Vec<(String, NaiveDate, String, &'static str)>,
}

struct DomainRow {
    name: &'static str,
    indicators: usize,
    tasks: usize,
    projects: usize,
    total: BudgetTotal,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    l: Layout,
    plan: std::sync::Arc<Plan>,
    standing: String,
    ended: bool,
    phases: Vec<PhaseView>,
    domains: Vec<DomainRow>,
    total: BudgetTotal,
    leaves: String,
    warnings: usize,
}

/// Where the plan stands on `today`, in words; once it has ended, whether it is still open for
/// its last entries or has closed on `closes_on`.
pub(crate) fn standing_text(plan: &Plan, today: NaiveDate, closes_on: NaiveDate, l: Locale) -> String {
    let text = standing_words(plan, today, l);
    match plan.standing(today) {
        Standing::Ended { .. } if today > closes_on => format!("{text} · {}", tf(l, "standing.closed", &[("date", closes_on.to_string())])),
        Standing::Ended { .. } => format!("{text} · {}", tf(l, "standing.closing", &[("date", closes_on.to_string())])),
        _ => text,
    }
}

fn standing_words(plan: &Plan, today: NaiveDate, l: Locale) -> String {
    match plan.standing(today) {
        Standing::NotStarted { days_to_start, days_to_review } => {
            tf(l, "standing.not_started", &[("days", days_to_start.to_string()), ("review", days_to_review.to_string())])
        }
        Standing::InPhase { phase, day_of_phase, days_in_phase, days_to_review } => {
            let name = plan.phases.iter().find(|p| p.number == phase).map(|p| l.pick(&p.name, &p.name_en).to_string()).unwrap_or_default();
            let mut s = tf(
                l,
                "standing.in_phase",
                &[
                    ("phase", phase.to_string()),
                    ("name", name),
                    ("day", day_of_phase.to_string()),
                    ("total", days_in_phase.to_string()),
                    ("review", days_to_review.max(0).to_string()),
                ],
            );
            if days_to_review == 0 {
                s = format!("{s} · {}", t(l, "standing.review_day"));
            } else if days_to_review < 0 {
                s = format!("{s} · {}", tf(l, "standing.review_passed_days", &[("days", (-days_to_review).to_string())]));
            }
            s
        }
        Standing::BetweenPhases { days_to_review, .. } => tf(l, "standing.between", &[("review", days_to_review.to_string())]),
        Standing::Ended { days_since_end } => tf(l, "standing.ended", &[("end", plan.end_date().to_string()), ("days", days_since_end.to_string())]),
    }
}

/// The day the plan closes, by the zone's settings.
pub(crate) async fn closes_on(st: &AppState, plan: &Plan) -> NaiveDate {
    // the database unreadable: the app's settings, as the checks would take without the zone's
    ecociv_app::entries::settings_of(st, &plan.zone.code).await.unwrap_or_else(|_| st.settings.clone()).plan_closes_on(plan)
}

async fn overview(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let today = st.today();
    let states = match ecociv_app::milestones::states(&st, &plan).await {
        Ok(s) => s,
        Err(e) => return crate::layout::error_page(&st, l, &uri, e),
    };
    let phases = plan
        .phases
        .iter()
        .zip(states.iter())
        .map(|(p, states)| {
            let (state, class) = if today > p.end {
                (t(l, "phase.done"), "done")
            } else if today >= p.start {
                (t(l, "phase.current"), "current")
            } else {
                (t(l, "phase.ahead"), "ahead")
            };
            PhaseView {
                name: l.pick(&p.name, &p.name_en).to_string(),
                start: p.start,
                end: p.end,
                state,
                class,
                milestones: p
                    .milestones
                    .iter()
                    .zip(states)
                    .map(|(m, s)| {
                        let label = match s {
                            MilestoneState::Met { on, .. } => format!("{}（{on}）", t(l, s.key())),
                            _ => t(l, s.key()).to_string(),
                        };
                        (l.pick(&m.text, &m.text_en).to_string(), m.due, label, s.class())
                    })
                    .collect(),
            }
        })
        .collect();
    let domains = Domain::ALL
        .iter()
        .map(|d| DomainRow {
            name: d.name(l),
            indicators: plan.indicators.iter().filter(|i| i.domain == *d).count(),
            tasks: plan.tasks.iter().filter(|t| t.indicators.iter().any(|c| plan.indicator_of(c).is_some_and(|i| i.domain == *d))).count(),
            projects: plan.projects.iter().filter(|p| p.domain == *d).count(),
            total: Plan::budget_total(plan.projects.iter().filter(|p| p.domain == *d)),
        })
        .collect();
    let page = OverviewPage {
        l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m),
        standing: standing_text(&plan, today, closes_on(&st, &plan).await, l),
        ended: matches!(plan.standing(today), Standing::Ended { .. }),
        phases,
        domains,
        total: Plan::budget_total(&plan.projects),
        leaves: tf(l, "overview.leaves", &[("n", plan.leaves().len().to_string())]),
        warnings: plan.findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        plan,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    l: Layout,
    findings: Vec<Finding>,
    count: String,
}

async fn findings_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let count = tf(l, "findings.count", &[("n", plan.findings.len().to_string())]);
    render(&FindingsPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), findings: plan.findings.clone(), count })
}

/// The zones that have a plan.
#[utoipa::path(get, path = "/api/v1/zones", responses((status = 200, body = [Zone])))]
async fn zones(State(st): State<AppState>) -> ApiResult<Vec<Zone>> {
    Ok(Json(st.store.zones().await?))
}

/// The whole plan of the zone, as loaded (the same document as `ecociv plan export --format json`).
#[utoipa::path(get, path = "/api/v1/plan", params(ZoneQuery), responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
async fn plan(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<std::sync::Arc<Plan>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?))
}

/// Where the plan stands by the clock of the server (`--today`).
#[derive(Serialize, ToSchema)]
pub struct StandingBody {
    today: NaiveDate,
    review_date: NaiveDate,
    end_date: NaiveDate,
    current_phase: Option<u32>,
    /// `not_started`, `in_phase`, `between_phases` or `ended`, with the day counts.
    #[schema(value_type = Object)]
    standing: Standing,
}

#[utoipa::path(get, path = "/api/v1/standing", params(ZoneQuery), responses((status = 200, body = StandingBody), (status = 404, body = ErrorBody)))]
async fn standing(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<StandingBody> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let today = st.today();
    Ok(Json(StandingBody {
        today,
        review_date: p.review_date,
        end_date: p.end_date(),
        current_phase: p.phase_on(today).map(|ph| ph.number),
        standing: p.standing(today),
    }))
}

/// The phases of the plan with their milestones.
#[utoipa::path(get, path = "/api/v1/phases", params(ZoneQuery), responses((status = 200, body = [Phase]), (status = 404, body = ErrorBody)))]
async fn phases(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Phase>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.phases.clone()))
}

/// The findings of the plan data-quality audit.
#[utoipa::path(get, path = "/api/v1/findings", params(ZoneQuery), responses((status = 200, body = [Finding]), (status = 404, body = ErrorBody)))]
async fn findings(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Finding>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.findings.clone()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/findings", get(findings_page))
        .route("/api/v1/zones", get(zones))
        .route("/api/v1/plan", get(plan))
        .route("/api/v1/standing", get(standing))
        .route("/api/v1/phases", get(phases))
        .route("/api/v1/findings", get(findings))
}

/// The documented routes of the plan.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(zones, plan, standing, phases, findings),
    components(schemas(Zone, Plan, Phase, Milestone, Finding, Place, Severity, StandingBody, Period, Budget))
)]
pub struct Doc;
