//! Dispatch reports (the monthly reports of projects and tasks): the report forms, a report's
//! page with history, evidence and the task force's decision, and under `/api/v1` the same for
//! scripts.

use crate::auth::Authed;
use crate::error::created;
use crate::error::{InLocale, WebError};
use crate::evidence::page_upload;
use crate::extract::{F, J, P, Q};
use crate::history::{DecideForm, HistoryRow, ReasonInput, Refused, decision, history_rows, reason_of};
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page_for, layout, render, state_label};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::entries::{self, Decision};
use ecociv_core::Locale;
use ecociv_core::entry::{ProjectReportInput, QuantityDone, TaskReportInput};
use ecociv_core::record::{DispatchRecord, EntryState};
use ecociv_core::trail::TrailEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    l: Layout,
    action: String,
    subject: String,
    is_task: bool,
    budget: String,
    last: String,
    period: String,
    status: String,
    progress_percent: String,
    investment_month_wan: String,
    investment_cumulative_wan: String,
    /// The month's investment by source: 财政, 金融, 社会.
    funding: [String; 3],
    progress: String,
    quantities: Vec<(usize, String, String)>,
    benefits: String,
    problems: String,
    explanation: String,
    errors: Vec<(String, String)>,
}

fn last_report(reports: &[DispatchRecord], kind: &str, number: u32, org: &str) -> Option<DispatchRecord> {
    reports
        .iter()
        .filter(|r| r.kind == kind && r.subject == i64::from(number) && (kind == "project" || r.org_unit == org))
        .max_by(|a, b| a.period.cmp(&b.period))
        .cloned()
}

async fn report_form(
    st: &AppState,
    l: Locale,
    uri: &OriginalUri,
    a: &Authed,
    is_task: bool,
    number: u32,
    period: Option<String>,
) -> Result<ReportFormPage, WebError> {
    let plan = entries::plan_of(st, &a.actor).await?;
    let reports = ecociv_core::lineage::reports_for(&plan, st.store.dispatch_reports(&plan.zone.code).await?);
    let period = period.unwrap_or_else(|| ecociv_core::dispatch::report_month(st.today()).to_string());
    let (subject, budget, last, quantities) = if is_task {
        let task = plan.task(number).ok_or_else(|| WebError::not_found("unknown_task").field("number", &number.to_string()))?;
        let last = last_report(&reports, "task", number, &a.actor.org_unit);
        let done: Vec<(usize, String)> = last.as_ref().and_then(|r| serde_json::from_str(&r.quantities).ok()).unwrap_or_default();
        let quantities = task
            .quantities
            .iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    i,
                    format!("{} {} {} {}", q.what, q.comparison, q.amount, q.unit),
                    done.iter().find(|(j, _)| *j == i).map(|(_, d)| d.clone()).unwrap_or_default(),
                )
            })
            .collect();
        (
            format!("{} {}. {}", t(l, "col.task"), task.number, task.title),
            String::new(),
            last.map(|r| format!("{} · {}", r.period, state_label(r.state, l))).unwrap_or_default(),
            quantities,
        )
    } else {
        let p = plan.project(number).ok_or_else(|| WebError::not_found("unknown_project").field("number", &number.to_string()))?;
        let last = last_report(&reports, "project", number, "");
        let budget =
            p.budget.as_ref().map(|b| format!("{} 亿元 = {} 万元", b.yi, (b.yi * rust_decimal::Decimal::from(10_000)).normalize())).unwrap_or_default();
        let last = last
            .map(|r| format!("{} · {} · {}% · {} 万元 · {}", r.period, r.status, r.progress_percent, r.investment_cumulative_wan, state_label(r.state, l)))
            .unwrap_or_default();
        (format!("{} {}. {}", t(l, "col.project"), p.number, p.name), budget, last, vec![])
    };
    Ok(ReportFormPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        action: format!("/{}/{number}/report", if is_task { "tasks" } else { "projects" }),
        subject,
        is_task,
        budget,
        last,
        period,
        status: "under_way".into(),
        progress_percent: String::new(),
        investment_month_wan: String::new(),
        investment_cumulative_wan: String::new(),
        funding: Default::default(),
        progress: String::new(),
        quantities,
        benefits: String::new(),
        problems: String::new(),
        explanation: String::new(),
        errors: vec![],
    })
}

async fn project_report_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, Q(q): Q<PeriodQuery>) -> Response {
    match report_form(&st, l, &uri, &a, false, number, q.period).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

async fn task_report_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, Q(q): Q<PeriodQuery>) -> Response {
    match report_form(&st, l, &uri, &a, true, number, q.period).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// The report form's fields; task quantities come as `q0`, `q1`, ….
#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    period: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress_percent: String,
    #[serde(default)]
    investment_month_wan: String,
    #[serde(default)]
    investment_cumulative_wan: String,
    #[serde(default)]
    funding_fiscal: String,
    #[serde(default)]
    funding_financial: String,
    #[serde(default)]
    funding_social: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    benefits: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    explanation: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

async fn report_post(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, is_task: bool, number: u32, f: ReportForm) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(st, l, uri, Some(a), e);
    }
    let result = if is_task {
        let quantities = f
            .rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix('q')?.parse::<usize>().ok()?, v)))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| QuantityDone { index: i, done: serde_json::Value::String(v.clone()) })
            .collect();
        let input = TaskReportInput { period: f.period.clone(), progress: f.progress.clone(), quantities, problems: f.problems.clone() };
        entries::submit_task_report(st, &a.actor, number, &input).await
    } else {
        let input = ProjectReportInput {
            period: f.period.clone(),
            status: f.status.clone(),
            progress_percent: serde_json::Value::String(f.progress_percent.clone()),
            investment_month_wan: serde_json::Value::String(f.investment_month_wan.clone()),
            investment_cumulative_wan: Some(f.investment_cumulative_wan.clone()).filter(|c| !c.trim().is_empty()).map(serde_json::Value::String),
            benefits: f.benefits.clone(),
            problems: f.problems.clone(),
            explanation: Some(f.explanation.clone()).filter(|e| !e.trim().is_empty()),
            funding: Some(ecociv_core::entry::FundingInput {
                funding_fiscal: Some(serde_json::Value::String(f.funding_fiscal.clone())),
                funding_financial: Some(serde_json::Value::String(f.funding_financial.clone())),
                funding_social: Some(serde_json::Value::String(f.funding_social.clone())),
            }),
        };
        entries::submit_project_report(st, &a.actor, number, &input).await
    };
    match result {
        Ok(r) => Redirect::to(&format!("/dispatch-reports/{}", r.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            let e = e.in_locale(l);
            let mut page = match report_form(st, l, uri, a, is_task, number, Some(f.period.clone())).await {
                Ok(p) => p,
                Err(e2) => return error_page_for(st, l, uri, Some(a), e2),
            };
            page.errors = crate::layout::form_errors(&e, l);
            page.status = f.status;
            page.progress_percent = f.progress_percent;
            page.investment_month_wan = f.investment_month_wan;
            page.investment_cumulative_wan = f.investment_cumulative_wan;
            page.funding = [f.funding_fiscal, f.funding_financial, f.funding_social];
            page.progress = f.progress;
            page.benefits = f.benefits;
            page.problems = f.problems;
            page.explanation = f.explanation;
            for q in page.quantities.iter_mut() {
                q.2 = f.rest.get(&format!("q{}", q.0)).cloned().unwrap_or_default();
            }
            (e.status, render(&page)).into_response()
        }
        Err(e) => error_page_for(st, l, uri, Some(a), e),
    }
}

async fn project_report_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, F(f): F<ReportForm>) -> Response {
    report_post(&st, l, &uri, &a, false, number, f).await
}

async fn task_report_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, F(f): F<ReportForm>) -> Response {
    report_post(&st, l, &uri, &a, true, number, f).await
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    l: Layout,
    r: DispatchRecord,
    subject: String,
    state: &'static str,
    history: Vec<HistoryRow>,
    can_decide: bool,
    can_fix: bool,
    fix_href: String,
    status_label: String,
    decide_action: String,
    state_code: &'static str,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
    /// A decision the form sent back, with why.
    refused: Refused,
}

async fn dispatch_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>) -> Response {
    dispatch_view(&st, l, &uri, &a, id, Refused::default()).await
}

/// The entry's page, with a decision the form sent back (or none).
async fn dispatch_view(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, id: i64, refused: Refused) -> Response {
    let (st, uri) = (st.clone(), uri.clone());
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page_for(&st, l, &uri, Some(a), e),
    };
    let r = match st.store.dispatch(&plan.zone.code, id).await.map(|r| r.and_then(|r| ecociv_core::lineage::report_for(&plan, r))) {
        Ok(Some(r)) if ecociv_app::entries::may_see_dispatch(&a.actor, &plan, &r) => r,
        Ok(_) => return error_page_for(&st, l, &uri, Some(a), WebError::not_found("unknown_entry").field("id", &id.to_string())),
        Err(e) => return error_page_for(&st, l, &uri, Some(a), e),
    };
    let history = st.store.trail_for(&plan.zone.code, "dispatch_report", &id.to_string()).await.unwrap_or_default();
    let subject = match r.kind.as_str() {
        "project" => plan.project(r.subject as u32).map(|p| format!("{} {}. {}", t(l, "col.project"), p.number, p.name)).unwrap_or_default(),
        ecociv_core::rectification::REPORT_KIND => format!("{} {}", t(l, "rectification.one"), r.subject),
        _ => plan.task(r.subject as u32).map(|x| format!("{} {}. {}", t(l, "col.task"), x.number, x.title)).unwrap_or_default(),
    };
    let can_fix = r.state == EntryState::Returned && r.org_unit == a.actor.org_unit;
    let path = match r.kind.as_str() {
        "project" => "projects",
        ecociv_core::rectification::REPORT_KIND => "rectifications",
        _ => "tasks",
    };
    let fix_href = format!("/{path}/{}/report?period={}", r.subject, r.period);
    let page = DispatchPage {
        l: layout(&st, l, &uri, Some(&plan), Some(a)).await,
        subject,
        state: state_label(r.state, l),
        history: history_rows(&history, l),
        can_decide: a.actor.can_approve(&plan),
        can_fix,
        fix_href,
        status_label: ecociv_core::entry::ProjectStatus::parse(&r.status).map(|s| s.label(l).to_string()).unwrap_or_else(|| r.status.clone()),
        decide_action: format!("/dispatch-reports/{}/decide", r.id),
        state_code: r.state.code(),
        evidence: st.store.evidence_of(&plan.zone.code, "dispatch_report", r.id).await.unwrap_or_default(),
        upload_action: format!("/dispatch-reports/{}/evidence", r.id),
        refused,
        can_upload: r.state != EntryState::Approved && r.org_unit == a.actor.org_unit,
        r,
    };
    render(&page)
}

async fn dispatch_decide(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, F(f): F<DecideForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let Some(d) = Decision::parse(&f.decision) else {
        return error_page_for(&st, l, &uri, Some(&a), WebError::bad_request("bad_query").field("decision", &f.decision));
    };
    let result = entries::decide_dispatch(&st, &a.actor, id, d, &f.reason).await.map(|x| format!("/dispatch-reports/{}", x.id));
    crate::history::decision_answer(&st, l, &uri, &a, result, &f.reason, |refused| dispatch_view(&st, l, &uri, &a, id, refused)).await
}

async fn dispatch_upload(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, m: axum::extract::Multipart) -> Response {
    page_upload(&st, l, &uri, &a, "dispatch_report", id, &format!("/dispatch-reports/{id}"), m).await
}

#[utoipa::path(post, path = "/api/v1/projects/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = ProjectReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_project_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<ProjectReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(entries::submit_project_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

#[utoipa::path(post, path = "/api/v1/tasks/{number}/dispatch-reports", params(("number" = u32, Path)), request_body = TaskReportInput,
    responses((status = 201, body = DispatchRecord), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_task_report(st: axum::extract::State<AppState>, a: Authed, P(number): P<u32>, J(input): J<TaskReportInput>) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(entries::submit_task_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Dispatch reports the caller may see.
#[utoipa::path(get, path = "/api/v1/dispatch-reports", responses((status = 200, body = [DispatchRecord]), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn list_dispatch(st: axum::extract::State<AppState>, a: Authed) -> Result<Json<Vec<DispatchRecord>>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let all = ecociv_core::lineage::reports_for(&plan, st.store.dispatch_reports(&plan.zone.code).await?);
    Ok(Json(all.into_iter().filter(|d| ecociv_app::entries::may_see_dispatch(&a.actor, &plan, d)).collect()))
}

/// A dispatch report with its history from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct WithHistoryDispatch {
    entry: DispatchRecord,
    history: Vec<TrailEvent>,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
}

#[utoipa::path(get, path = "/api/v1/dispatch-reports/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = WithHistoryDispatch), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn get_dispatch(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Json<WithHistoryDispatch>, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?;
    let d = st
        .store
        .dispatch(&plan.zone.code, id)
        .await?
        .and_then(|d| ecociv_core::lineage::report_for(&plan, d))
        .filter(|d| ecociv_app::entries::may_see_dispatch(&a.actor, &plan, d))
        .ok_or_else(|| WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale))?;
    let history = st.store.trail_for(&plan.zone.code, "dispatch_report", &id.to_string()).await?;
    let evidence = st.store.evidence_of(&plan.zone.code, "dispatch_report", id).await?;
    Ok(Json(WithHistoryDispatch { entry: d, history, evidence }))
}

#[utoipa::path(post, path = "/api/v1/dispatch-reports/{id}/{decision}", params(("id" = i64, Path), ("decision" = String, Path, description = "approve, return or unlock")),
    request_body = ReasonInput,
    responses((status = 200, body = DispatchRecord), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
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

/// Attaches a photo or file to a dispatch report.
#[utoipa::path(post, path = "/api/v1/dispatch-reports/{id}/evidence", params(("id" = i64, Path)), request_body(content = crate::evidence::Upload, content_type = "multipart/form-data"),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn post_dispatch_evidence(
    st: axum::extract::State<AppState>,
    a: Authed,
    P(id): P<i64>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    crate::evidence::api_attach(&st, &a, "dispatch_report", id, m).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{number}/report", get(project_report_form).post(project_report_post))
        .route("/tasks/{number}/report", get(task_report_form).post(task_report_post))
        .route("/dispatch-reports/{id}", get(dispatch_page))
        .route("/dispatch-reports/{id}/decide", post(dispatch_decide))
        .route("/dispatch-reports/{id}/evidence", post(dispatch_upload).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
        .route("/api/v1/projects/{number}/dispatch-reports", post(post_project_report))
        .route("/api/v1/tasks/{number}/dispatch-reports", post(post_task_report))
        .route("/api/v1/dispatch-reports", get(list_dispatch))
        .route("/api/v1/dispatch-reports/{id}", get(get_dispatch))
        .route("/api/v1/dispatch-reports/{id}/{decision}", post(decide_dispatch))
        .route(
            "/api/v1/dispatch-reports/{id}/evidence",
            post(post_dispatch_evidence).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)),
        )
}

/// The documented routes of dispatch reports.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(post_project_report, post_task_report, list_dispatch, get_dispatch, decide_dispatch, post_dispatch_evidence),
    components(schemas(ProjectReportInput, TaskReportInput, ecociv_core::entry::QuantityDone, DispatchRecord, WithHistoryDispatch))
)]
pub struct Doc;
