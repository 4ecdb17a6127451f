//! Rectification tasks (整改任务): `/rectifications`, the list with where each stands and its
//! latest report, and the task force's form to enter or change one; `/rectifications/{number}`,
//! a task with its monthly reports and evidence; `/rectifications/{number}/report`, its
//! owner's monthly report form; and under `/api/v1/rectifications` the same for scripts (a
//! whole list at once, all or none).

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::rectifications::{list, one, save};
use ecociv_core::Locale;
use ecociv_core::record::DispatchRecord;
use ecociv_core::rectification::{REPORT_KIND, Rectification, RectificationInput, RectificationReportInput, Standing, counts, latest};
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError, created};
use crate::evidence::page_upload;
use crate::extract::{F, J, P, Q};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, layout, refused_form, render};
use crate::state::AppState;

/// A task as a row: where it stands and what its owner reported last.
struct Row {
    r: Rectification,
    deadline: String,
    standing: Standing,
    last: String,
}

fn rows(rects: Vec<Rectification>, reports: &[DispatchRecord], today: chrono::NaiveDate, l: Locale) -> Vec<Row> {
    rects
        .into_iter()
        .map(|r| {
            let last = latest(reports, r.number)
                .map(|d| {
                    let pct = if d.progress_percent.is_empty() { String::new() } else { format!(" · {}%", d.progress_percent) };
                    format!("{}{pct} · {}", d.period, d.progress)
                })
                .unwrap_or_default();
            Row { deadline: r.deadline_label(l), standing: r.standing(today), last, r }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    counts: Vec<(Standing, usize)>,
    can_edit: bool,
    units: Vec<String>,
    typed: Typed,
    errors: Vec<(String, String)>,
}

/// The task force's form as typed.
#[derive(Deserialize, Default)]
struct Typed {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    status: String,
    /// The version of the task being changed (empty or 0: a new task).
    #[serde(default)]
    version: String,
}

async fn list_page(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, typed: Typed) -> Result<ListPage, WebError> {
    let plan = ecociv_app::entries::plan_of(st, &a.actor).await?;
    let rects = list(st, &a.actor).await?;
    // the rectification tasks' reports only (not the zone's every monthly report)
    let reports = st.store.kind_reports(&plan.zone.code, REPORT_KIND).await?;
    let today = st.today();
    Ok(ListPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        counts: counts(&rects, today).to_vec(),
        rows: rows(rects, &reports, today, l),
        can_edit: a.actor.can_approve(&plan),
        units: plan.org_units.iter().map(|o| o.name.clone()).collect(),
        typed,
        errors: vec![],
    })
}

async fn list_get(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<EditQuery>) -> Response {
    // `?edit=N` fills the form with task N, to change it
    let typed = match q.edit {
        Some(n) => match one(&st, &a.actor, n).await {
            Ok(r) => Typed {
                number: r.number.to_string(),
                source: r.source,
                problem: r.problem,
                owner: r.owner,
                deadline: if r.deadline == ecociv_core::rectification::LONG_TERM { "长期坚持".into() } else { r.deadline },
                measures: r.measures,
                status: r.status.code().into(),
                version: r.version.to_string(),
                csrf: String::new(),
            },
            Err(e) => return error_page_for(&st, l, &uri, Some(&a), e),
        },
        None => Typed::default(),
    };
    match list_page(&st, l, &uri, &a, typed).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Deserialize, Default)]
struct EditQuery {
    edit: Option<u32>,
}

async fn list_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<Typed>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let input = RectificationInput {
        number: f.number.trim().parse().unwrap_or(0),
        source: Some(f.source.clone()),
        problem: f.problem.clone(),
        owner: f.owner.clone(),
        deadline: f.deadline.clone(),
        measures: Some(f.measures.clone()),
        status: Some(f.status.clone()),
        version: f.version.trim().parse().ok(),
    };
    match save(&st, &a.actor, std::slice::from_ref(&input)).await {
        Ok(_) => Redirect::to(&format!("/rectifications/{}", input.number)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            refused_form(&st, l, &uri, &a, e, list_page(&st, l, &uri, &a, f), |p| &mut p.errors).await
        }
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Template)]
#[template(path = "rectification.html")]
struct OnePage {
    l: Layout,
    row: Row,
    reports: Vec<DispatchRecord>,
    can_report: bool,
    can_edit: bool,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
}

async fn one_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>) -> Response {
    let page = async {
        let plan = ecociv_app::entries::plan_of(&st, &a.actor).await?;
        let r = one(&st, &a.actor, number).await?;
        let mut reports = st.store.subject_reports(&plan.zone.code, REPORT_KIND, i64::from(number)).await?;
        reports.sort_by(|x, y| y.period.cmp(&x.period));
        let can_report = a.actor.can_act_for(&plan, &r.owner) && r.status != ecociv_core::rectification::Status::Completed;
        let evidence = st.store.evidence_of(&plan.zone.code, "rectification", r.id).await?;
        let upload_action = format!("/rectifications/{number}/evidence");
        let row = rows(vec![r], &reports, st.today(), l).pop().expect("one");
        Ok::<_, WebError>(OnePage {
            l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
            can_upload: (can_report || a.actor.can_approve(&plan)) && row.r.status != ecociv_core::rectification::Status::Completed,
            can_edit: a.actor.can_approve(&plan),
            row,
            reports,
            can_report,
            evidence,
            upload_action,
        })
    };
    match page.await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

async fn upload_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, m: axum::extract::Multipart) -> Response {
    match one(&st, &a.actor, number).await {
        Ok(r) => page_upload(&st, l, &uri, &a, "rectification", r.id, &format!("/rectifications/{number}"), m).await,
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

#[derive(Template)]
#[template(path = "rectification_report.html")]
struct ReportPage {
    l: Layout,
    number: u32,
    problem: String,
    last: String,
    typed: TypedReport,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
struct TypedReport {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    progress_percent: String,
    #[serde(default)]
    problems: String,
}

#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

async fn report_page(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, number: u32, typed: TypedReport) -> Result<ReportPage, WebError> {
    let plan = ecociv_app::entries::plan_of(st, &a.actor).await?;
    let r = one(st, &a.actor, number).await?;
    let reports = st.store.subject_reports(&plan.zone.code, REPORT_KIND, i64::from(number)).await?;
    let last = rows(vec![r.clone()], &reports, st.today(), l).pop().map(|x| x.last).unwrap_or_default();
    Ok(ReportPage { l: layout(st, l, uri, Some(&plan), Some(a)).await, number, problem: r.problem, last, typed, errors: vec![] })
}

async fn report_get(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, Q(q): Q<PeriodQuery>) -> Response {
    let period = q.period.unwrap_or_else(|| ecociv_core::dispatch::report_month(st.today()).to_string());
    match report_page(&st, l, &uri, &a, number, TypedReport { period, ..Default::default() }).await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

async fn report_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, F(f): F<TypedReport>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page_for(&st, l, &uri, Some(&a), e);
    }
    let input = RectificationReportInput {
        period: f.period.clone(),
        progress: f.progress.clone(),
        progress_percent: f.progress_percent.clone(),
        problems: f.problems.clone(),
    };
    match ecociv_app::entries::submit_rectification_report(&st, &a.actor, number, &input).await {
        Ok(d) => Redirect::to(&format!("/dispatch-reports/{}", d.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            refused_form(&st, l, &uri, &a, e, report_page(&st, l, &uri, &a, number, f), |p| &mut p.errors).await
        }
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// The zone's rectification tasks, by number.
#[utoipa::path(get, path = "/api/v1/rectifications", responses((status = 200, body = [Rectification]), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_list(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<Rectification>>, WebError> {
    Ok(Json(list(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The task force enters or changes tasks, all or none (a stored number is changed from the
/// `version` given, 409 otherwise; a field left out keeps its stored value); a problem names
/// its input as `rows[N].field`.
#[utoipa::path(put, path = "/api/v1/rectifications", request_body = [RectificationInput],
    responses((status = 200, body = [Rectification]), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_save(State(st): State<AppState>, a: Authed, J(inputs): J<Vec<RectificationInput>>) -> Result<Json<Vec<Rectification>>, WebError> {
    a.check_csrf(None)?;
    Ok(Json(save(&st, &a.actor, &inputs).await.map_err(|e| e.in_locale(a.locale))?))
}

/// The owner sends a task's monthly progress.
#[utoipa::path(post, path = "/api/v1/rectifications/{number}/reports", params(("number" = u32, Path)), request_body = RectificationReportInput,
    responses((status = 201, body = DispatchRecord), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_report(
    State(st): State<AppState>,
    a: Authed,
    P(number): P<u32>,
    J(input): J<RectificationReportInput>,
) -> Result<axum::response::Response, WebError> {
    a.check_csrf(None)?;
    Ok(created(ecociv_app::entries::submit_rectification_report(&st, &a.actor, number, &input).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Attaches a file to a task: by its owner or the task force.
#[utoipa::path(post, path = "/api/v1/rectifications/{number}/evidence", params(("number" = u32, Path)), request_body(content = crate::evidence::Upload, content_type = "multipart/form-data"),
    responses((status = 201, body = ecociv_core::record::EvidenceRecord), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_evidence(
    State(st): State<AppState>,
    a: Authed,
    P(number): P<u32>,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<axum::response::Response, WebError> {
    let r = one(&st, &a.actor, number).await.map_err(|e| e.in_locale(a.locale))?;
    crate::evidence::api_attach(&st, &a, "rectification", r.id, m).await
}

pub fn routes() -> Router<AppState> {
    let limit = || axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/rectifications", get(list_get).post(list_post))
        .route("/rectifications/{number}", get(one_page))
        .route("/rectifications/{number}/report", get(report_get).post(report_post))
        .route("/rectifications/{number}/evidence", post(upload_post).layer(limit()))
        .route("/api/v1/rectifications", get(api_list).put(api_save))
        .route("/api/v1/rectifications/{number}/reports", post(api_report))
        .route("/api/v1/rectifications/{number}/evidence", post(api_evidence).layer(limit()))
}

/// The documented routes of rectification tasks.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_save, api_report, api_evidence),
    components(schemas(Rectification, RectificationInput, RectificationReportInput, ecociv_core::rectification::Status))
)]
pub struct Doc;
