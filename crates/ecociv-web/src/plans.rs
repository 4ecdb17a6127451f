//! The life of a zone's plans on the web (what they do is `ecociv_app::plan_next`): `/plans`, the
//! plan in force and the earlier ones with their states; for the task force, the next plan's
//! draft as a `.zip` of its data files (`/plans/next.zip?framework=…&years=…`) or as one workbook
//! of them to edit in a spreadsheet (`/plans/next.xlsx?…`), and the edited files or workbook sent
//! back to issue it (`POST /plans/issue`); `/plans/{code}`, an earlier plan read as it
//! stood, with the final result of each indicator. The API: `/api/v1/plans[/{code}]`.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::entries::plan_of;
use ecociv_app::plan_next::{Earlier, PlanEntry};
use ecociv_core::framework::Framework;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, render};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list))
        .route("/plans/next.zip", get(draft))
        .route("/plans/next.xlsx", get(draft_book))
        // a plan's workbook or files: as large as an import may be
        .route("/plans/issue", post(issue).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
        .route("/plans/{code}", get(earlier))
        .route("/api/v1/plans", get(api_list))
        .route("/api/v1/plans/{code}", get(api_earlier))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    issued: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    l: Layout,
    plans: Vec<PlanEntry>,
    task_force: bool,
    revisions: &'static [Framework],
    /// The years the next plan would take by default: the five after the plan in force.
    years: String,
    issued: String,
}

async fn list(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<ListQuery>) -> Response {
    let plan = match plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let plans = match ecociv_app::plan_next::plans(&st, &plan.zone.code).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let issued = plans.iter().find(|p| p.code == q.issued).map(|p| p.code.clone()).unwrap_or_default();
    render(&ListPage {
        l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        task_force: a.actor.can_approve(&plan),
        revisions: ecociv_app::frameworks::list(),
        years: format!("{}-{}", plan.end_year + 1, plan.end_year + 5),
        plans,
        issued,
    })
}

#[derive(Deserialize)]
struct DraftQuery {
    #[serde(default)]
    framework: String,
    #[serde(default)]
    years: String,
}

/// The next plan's draft, for the task force: its data files and notes in one `.zip`.
async fn draft(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, headers: axum::http::HeaderMap, a: Authed, Q(q): Q<DraftQuery>) -> Response {
    match draft_zip(&st, &a, &q, l).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

/// The next plan's draft, for the task force: one workbook of its data files, the points to
/// settle on its last sheet.
async fn draft_book(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, headers: axum::http::HeaderMap, a: Authed, Q(q): Q<DraftQuery>) -> Response {
    let made = async {
        let (zone, start, end, d) = drafted(&st, &a, &q, l).await?;
        let bytes = ecociv_app::plan_next::book(&d, l).map_err(|e| e.in_locale(l))?;
        let name = format!("{zone}-{start}-{end}.xlsx");
        Ok::<_, WebError>(crate::exports::attachment(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name, &name))
    };
    match made.await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

/// The draft asked for by the task force: the zone, its years, and the draft.
async fn drafted(st: &AppState, a: &Authed, q: &DraftQuery, l: ecociv_core::Locale) -> Result<(String, i32, i32, ecociv_core::plan_next::Draft), WebError> {
    let plan = plan_of(st, &a.actor).await.map_err(|e| e.in_locale(l))?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden().in_locale(l));
    }
    let revision = ecociv_app::frameworks::revision(&q.framework).map_err(|e| e.in_locale(l))?;
    let (start, end) = q
        .years
        .split_once('-')
        .and_then(|(s, e)| Some((s.trim().parse::<i32>().ok()?, e.trim().parse::<i32>().ok()?)))
        .ok_or_else(|| WebError::bad_request("plan_next_years").field("years", &q.years).in_locale(l))?;
    let d = ecociv_app::plan_next::draft(st, &plan.zone.code, revision, start, end).await.map_err(|e| e.in_locale(l))?;
    Ok((plan.zone.code.clone(), start, end, d))
}

async fn draft_zip(st: &AppState, a: &Authed, q: &DraftQuery, l: ecociv_core::Locale) -> Result<Response, WebError> {
    let (zone, start, end, d) = drafted(st, a, q, l).await?;
    let notes: String = d.notes.iter().map(|n| n.text(l) + "\n").collect();
    let files: Vec<(String, Vec<u8>)> =
        d.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).chain([("notes.txt".to_string(), notes.into_bytes())]).collect();
    let zip = ecociv_report::archive::zip_files(&files).map_err(|e| WebError::from(ecociv_app::AppError::internal(e)).in_locale(l))?;
    let name = format!("{zone}-{start}-{end}.zip");
    Ok(crate::exports::attachment(zip, "application/zip", &name, &name))
}

/// The task force sends the edited files of the next plan; it is issued, or refused with the
/// file, row and field of what is wrong.
/// A form that sends a plan's data files (`plan`, `indicators`, `tasks`, `projects`, and
/// `framework` if any) beside its other fields: the files by their names (`plan.toml`), the rest
/// as text. Shared by the issue of a next plan and the creation of a zone.
pub(crate) struct PlanForm {
    pub(crate) files: std::collections::BTreeMap<String, String>,
    /// The workbook of the files (`book`), sent instead of them.
    pub(crate) book: Option<Vec<u8>>,
    pub(crate) fields: std::collections::BTreeMap<String, String>,
}

impl PlanForm {
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(|v| v.trim()).unwrap_or_default()
    }

    /// The plan's data as sent, taken out of the form: the workbook or the files, never both.
    pub(crate) fn sent(&mut self) -> Result<ecociv_app::zones::PlanFiles, WebError> {
        use ecociv_app::zones::PlanFiles;
        match self.book.take() {
            Some(_) if !self.files.is_empty() => Err(WebError::bad_request("plan_sent_twice")),
            Some(b) => Ok(PlanFiles::Book(b)),
            None => Ok(PlanFiles::Files(std::mem::take(&mut self.files))),
        }
    }
}

/// Reads a [`PlanForm`]: text in UTF-8, or refused with the field; an empty file is left out.
pub(crate) async fn read_plan_form(mut m: axum::extract::Multipart) -> Result<PlanForm, WebError> {
    let mut form = PlanForm { files: Default::default(), book: None, fields: Default::default() };
    let too_large = || WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    while let Some(field) = m.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| too_large())?;
        if name == "book" {
            form.book = Some(bytes.to_vec()).filter(|b| !b.is_empty());
            continue;
        }
        let is_file = ["plan", "indicators", "tasks", "projects", "framework"].contains(&name.as_str());
        let shown = if is_file { format!("{name}.toml") } else { name.clone() };
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| WebError::bad_request("plan_file_not_utf8").field("file", &shown))?;
        match is_file {
            true if !text.is_empty() => {
                form.files.insert(shown, text);
            }
            true => {}
            false => {
                form.fields.insert(name, text);
            }
        }
    }
    Ok(form)
}

async fn issue(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, m: axum::extract::Multipart) -> Response {
    let mut form = match read_plan_form(m).await {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    if let Err(e) = a.check_csrf(Some(form.field("csrf"))) {
        return error_page(&st, l, &uri, e);
    }
    let plan = match plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    if !a.actor.can_approve(&plan) {
        return error_page(&st, l, &uri, WebError::forbidden());
    }
    let sent = match form.sent() {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let next = match sent.read().await {
        Ok(n) if n.zone.code == plan.zone.code => n,
        Ok(n) => return error_page(&st, l, &uri, WebError::bad_request("plan_next_other_zone").field("zone", &n.zone.code)),
        Err(e) => return error_page(&st, l, &uri, e),
    };
    match ecociv_app::plan_next::issue(&st, &next, &a.actor.name).await {
        Ok(()) => Redirect::to(&format!("/plans?issued={}", crate::layout::encode(&next.code))).into_response(),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

#[derive(Template)]
#[template(path = "plan_earlier.html")]
struct EarlierPage {
    l: Layout,
    e: Earlier,
    rows: Vec<FinalRow>,
}

/// A leaf of an earlier plan: its values by year, its deadline-year value and its result.
struct FinalRow {
    code: String,
    name: String,
    target: String,
    history: String,
    value: String,
    result: String,
}

async fn earlier(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(code): P<String>) -> Response {
    let plan = match plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    if !ecociv_app::plan_next::may_read_earlier(&a.actor) {
        return error_page(&st, l, &uri, WebError::forbidden());
    }
    match ecociv_app::plan_next::earlier_plan(&st, &plan.zone.code, &code, l).await {
        Ok(e) => {
            let end = e.plan.end_year;
            let rows = e
                .standings
                .iter()
                .map(|s| {
                    let (value, result) = match s.years.iter().find(|y| y.year == end) {
                        Some(y) => (y.value.clone(), y.status.label(l).to_string()),
                        None => ("—".into(), ecociv_core::rule::Status::NoData.label(l).to_string()),
                    };
                    let history = s.years.iter().map(|y| format!("{}: {}", y.year, y.value)).collect::<Vec<_>>().join("；");
                    FinalRow { code: s.code.clone(), name: s.name.clone(), target: s.target.clone(), history, value, result }
                })
                .collect();
            render(&EarlierPage { l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await, e, rows })
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// The zone's plans: the plan in force first, then the earlier ones, each with its state.
#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = [PlanEntry])), security(("bearer" = []), ("cookie" = [])))]
async fn api_list(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<PlanEntry>>, WebError> {
    let plan = plan_of(&st, &a.actor).await?;
    Ok(Json(ecociv_app::plan_next::plans(&st, &plan.zone.code).await?))
}

/// An earlier plan of the zone as it stood, with where each of its leaves stood at its end.
#[utoipa::path(get, path = "/api/v1/plans/{code}", params(("code" = String, Path, description = "an earlier plan's code")),
    responses((status = 200, body = Earlier), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn api_earlier(State(st): State<AppState>, Lang(l): Lang, a: Authed, P(code): P<String>) -> Result<Json<Earlier>, WebError> {
    let plan = plan_of(&st, &a.actor).await?;
    if !ecociv_app::plan_next::may_read_earlier(&a.actor) {
        return Err(WebError::forbidden().in_locale(l));
    }
    Ok(Json(ecociv_app::plan_next::earlier_plan(&st, &plan.zone.code, &code, l).await.map_err(|e| e.in_locale(l))?))
}

/// The documented routes of the plans.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_earlier), components(schemas(PlanEntry, Earlier)))]
pub(crate) struct Doc;
