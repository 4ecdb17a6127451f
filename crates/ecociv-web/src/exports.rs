//! Downloads of the tables (signed in): `/export/{annex1|annex2|observations|dispatch}.{xlsx|csv|json}`,
//! the dispatch history narrowed with `?project=N` or `?region=NAME`; the templates an org
//! unit fills offline: `/templates/{observations|dispatch}.xlsx?period=2024|2024-05` for the
//! signed-in user's own org unit (the task force may ask for any with `?org=NAME`); and the
//! task force's yearly archive `/archive/2024.zip`. What is in each file is made by
//! `ecociv_app::exports` and `ecociv_app::archive`; here are only the routes, the rights and
//! the download headers.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::state::AppState;
use ecociv_app::{entries, exports};
use ecociv_core::locale::tf;

pub fn routes() -> Router<AppState> {
    Router::new().route("/export/{file}", get(download)).route("/templates/{file}", get(template)).route("/archive/{file}", get(archive_download))
}

/// `/archive/2024.zip`: the task force's download of a year's archive (from the base year to this year).
async fn archive_download(
    State(st): State<AppState>,
    uri: axum::extract::OriginalUri,
    headers: axum::http::HeaderMap,
    a: Authed,
    P(file): P<String>,
) -> Response {
    match archive_download_of(&st, &a, file).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

async fn archive_download_of(st: &AppState, a: &Authed, file: String) -> Result<Response, WebError> {
    let l = a.locale;
    let plan = entries::plan_of(st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden().in_locale(l));
    }
    let this_year = chrono::Datelike::year(&st.today());
    let year = file
        .strip_suffix(".zip")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (plan.base_year..=this_year).contains(y))
        .ok_or_else(|| WebError::not_found("not_found").field("file", &file).in_locale(l))?;
    let bytes = ecociv_app::archive::archive(st.store.as_ref(), &plan, year, l).await.map_err(|e| e.in_locale(l))?;
    let name = tf(l, "archive.zip_file", &[("zone", plan.zone.name.clone()), ("zone_code", plan.zone.code.clone()), ("year", year.to_string())]);
    Ok(attachment(bytes, "application/zip", &name, &format!("archive-{year}.zip")))
}

#[derive(Deserialize, Default)]
struct TemplateQuery {
    period: Option<String>,
    org: Option<String>,
}

async fn template(
    State(st): State<AppState>,
    uri: axum::extract::OriginalUri,
    headers: axum::http::HeaderMap,
    a: Authed,
    P(file): P<String>,
    Q(q): Q<TemplateQuery>,
) -> Response {
    match template_of(&st, &a, file, q).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

async fn template_of(st: &AppState, a: &Authed, file: String, q: TemplateQuery) -> Result<Response, WebError> {
    let l = a.locale;
    let kind =
        file.strip_suffix(".xlsx").and_then(exports::TemplateKind::parse).ok_or_else(|| WebError::not_found("not_found").field("file", &file).in_locale(l))?;
    let plan = entries::plan_of(st, &a.actor).await?;
    let org = match q.org.as_deref().filter(|o| !o.is_empty()) {
        Some(o) if a.actor.can_approve(&plan) => o.to_string(),
        Some(_) => return Err(WebError::forbidden().in_locale(l)),
        None => a.actor.org_unit.clone(),
    };
    let t = exports::template(st, &plan, kind, &org, q.period.as_deref(), l).await.map_err(|e| e.in_locale(l))?;
    Ok(attachment(t.bytes, exports::XLSX, &format!("{}-{file}", t.org_unit), &file))
}

/// A download: its media type and a file name (ASCII fallback, UTF-8 name).
pub(crate) fn attachment(bytes: Vec<u8>, media: &'static str, name: &str, ascii: &str) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::layout::encode(name));
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")));
    r
}

#[derive(Deserialize, Default)]
struct ExportQuery {
    project: Option<u32>,
    region: Option<String>,
}

async fn download(
    State(st): State<AppState>,
    uri: axum::extract::OriginalUri,
    headers: axum::http::HeaderMap,
    a: Authed,
    P(file): P<String>,
    Q(q): Q<ExportQuery>,
) -> Response {
    match download_of(&st, &a, file, q).await {
        Ok(r) => r,
        Err(e) => crate::layout::download_error(&st, &uri, &headers, &a, e),
    }
}

async fn download_of(st: &AppState, a: &Authed, file: String, q: ExportQuery) -> Result<Response, WebError> {
    let l = a.locale;
    let not_found = || WebError::not_found("not_found").field("file", &file).in_locale(l);
    let (name, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let (table, format) = exports::Table::parse(name).zip(exports::TableFormat::parse(ext)).ok_or_else(not_found)?;
    let plan = entries::plan_of(st, &a.actor).await?;
    let narrow = exports::Narrow { project: q.project, region: q.region };
    let bytes = exports::table(st, &plan, Some(&a.actor), table, format, &narrow, l).await.map_err(|e| e.in_locale(l))?;
    Ok(attachment(bytes, format.media(), &format!("{}-{name}.{ext}", plan.zone.name), &format!("{name}.{ext}")))
}
