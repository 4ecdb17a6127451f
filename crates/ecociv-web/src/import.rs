//! The import's page `/import` (upload, then every problem listed, and the marked workbook at
//! `/import/reports/{token}.xlsx`) and `POST /api/v1/imports` (the file as the body). What an
//! import does is `ecociv_app::imports`.

use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ecociv_app::entries::plan_of;
use ecociv_app::imports::{self, ImportResult};
use ecociv_core::Locale;
use ecociv_core::access::Actor;
use ecociv_core::locale::t;
use ecociv_report::import::Problem;
use serde::Serialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::i18n::Lang;
use crate::layout::render;
use crate::state::AppState;

// ---------- the page, the API and the marked workbook ----------

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/import", get(import_page).post(import_post).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
        .route("/import/reports/{file}", get(marked_download))
        .route("/api/v1/imports", axum::routing::post(api_import).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
}

/// Keeps a refused import's marked workbook for its user; returns the download path.
async fn keep_marked(st: &AppState, actor: &Actor, result: &ImportResult, l: Locale) -> Option<String> {
    imports::keep_marked(st, actor, result, l).await.map(|token| format!("/import/reports/{token}.xlsx"))
}

/// A problem as the page and the API show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub sheet: String,
    pub row: Option<u32>,
    pub column: String,
    pub found: String,
    pub code: String,
    pub expected: String,
}

fn views(problems: &[Problem], l: Locale) -> Vec<ProblemView> {
    problems
        .iter()
        .map(|p| ProblemView { sheet: p.sheet.clone(), row: p.row, column: p.column(l), found: p.found.clone(), code: p.code.clone(), expected: p.expected(l) })
        .collect()
}

/// What the API answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub stored: usize,
    pub unchanged: usize,
    pub rows: usize,
    pub problems: Vec<ProblemView>,
    /// The marked workbook of a refused import.
    pub report: Option<String>,
}

/// Imports a template or table sent as the request body (`.xlsx` or CSV); 200 with what was
/// stored, or 422 with every problem and nothing stored.
#[utoipa::path(post, path = "/api/v1/imports", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportSummary), (status = 422, body = ImportSummary), (status = 413, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub(crate) async fn api_import(State(st): State<AppState>, a: Authed, body: axum::body::Bytes) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let l = a.locale;
    let r = imports::import(&st, &a.actor, &body).await.map_err(|e| e.in_locale(l))?;
    let report = if r.ok() { None } else { keep_marked(&st, &a.actor, &r, l).await };
    let status = if r.ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let summary = ImportSummary { stored: r.stored, unchanged: r.unchanged, rows: r.rows, problems: views(&r.problems, l), report };
    Ok((status, axum::Json(summary)).into_response())
}

#[derive(askama::Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: crate::layout::Layout,
    task_force: bool,
    /// The periods the template forms offer first: the month whose report is due next, last year.
    month: String,
    year: i32,
    done: Option<ImportSummary>,
    file_name: String,
}

async fn import_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return crate::layout::error_page(&st, l, &uri, e),
    };
    let page = ImportPage {
        l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        task_force: a.actor.can_approve(&plan),
        month: ecociv_core::dispatch::report_month(st.today()).to_string(),
        year: chrono::Datelike::year(&st.today()) - 1,
        done: None,
        file_name: String::new(),
    };
    render(&page)
}

async fn import_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, mut m: axum::extract::Multipart) -> Response {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match m.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) if name == "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                    Ok(b) if name == "file" => file = Some((file_name, b.to_vec())),
                    Ok(_) => {}
                    Err(_) => return crate::layout::error_page(&st, l, &uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
                }
            }
            Ok(None) => break,
            Err(_) => return crate::layout::error_page(&st, l, &uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
        }
    }
    if let Err(e) = a.check_csrf(Some(&csrf)) {
        return crate::layout::error_page(&st, l, &uri, e);
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return crate::layout::error_page(
            &st,
            l,
            &uri,
            WebError::invalid(vec![ecociv_core::entry::FieldError::keyed("file", "required", "field.import.required")]),
        );
    };
    let (plan, r) = match (plan_of(&st, &a.actor).await, imports::import(&st, &a.actor, &bytes).await) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => return crate::layout::error_page(&st, l, &uri, e),
    };
    let report = if r.ok() { None } else { keep_marked(&st, &a.actor, &r, l).await };
    let status = if r.ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ImportPage {
        l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        task_force: a.actor.can_approve(&plan),
        month: ecociv_core::dispatch::report_month(st.today()).to_string(),
        year: chrono::Datelike::year(&st.today()) - 1,
        done: Some(ImportSummary { stored: r.stored, unchanged: r.unchanged, rows: r.rows, problems: views(&r.problems, l), report }),
        file_name,
    };
    (status, render(&page)).into_response()
}

async fn marked_download(
    State(st): State<AppState>,
    uri: OriginalUri,
    headers: axum::http::HeaderMap,
    a: Authed,
    crate::extract::P(file): crate::extract::P<String>,
) -> Response {
    match marked_of(&st, &a, &file).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

async fn marked_of(st: &AppState, a: &Authed, file: &str) -> Result<Response, WebError> {
    let token = file.strip_suffix(".xlsx").unwrap_or_default();
    let Some(bytes) = imports::marked(st, &a.actor, token).await.map_err(|e| e.in_locale(a.locale))? else {
        return Err(WebError::not_found("not_found").field("file", file).in_locale(a.locale));
    };
    Ok(crate::exports::attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        t(a.locale, "import.problems_file"),
        "import-problems.xlsx",
    ))
}

/// The documented route of imports.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_import), components(schemas(ImportSummary, ProblemView)))]
pub struct Doc;
