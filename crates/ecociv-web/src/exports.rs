//! Downloads of the tables (signed in): `/export/{annex1|annex2|observations|dispatch}.{xlsx|csv|json}`,
//! the dispatch history narrowed with `?project=N` or `?region=NAME`; and the templates an org
//! unit fills offline: `/templates/{observations|dispatch}.xlsx?period=2024|2024-05` for the
//! signed-in user's own org unit (the task force may ask for any with `?org=NAME`).

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
use ecociv_app::entries;

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
    let name = l.pick(&format!("{}-{year}年指标档案.zip", plan.zone.name), &format!("{}-archive-{year}.zip", plan.zone.code)).to_string();
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
    use ecociv_report::template::{dispatch_template, observation_template};
    let l = a.locale;
    let plan = entries::plan_of(st, &a.actor).await?;
    let z = &plan.zone.code;
    let org_name = match q.org.as_deref().filter(|o| !o.is_empty()) {
        Some(o) if a.actor.can_approve(&plan) => o.to_string(),
        Some(_) => return Err(WebError::forbidden().in_locale(l)),
        None => a.actor.org_unit.clone(),
    };
    let org = plan.org_unit(&org_name).ok_or_else(|| WebError::bad_request("unknown_org_unit").field("org", &org_name).in_locale(l))?.clone();
    let today = st.today();
    let made_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bad_period = |p: &str| WebError::bad_request("bad_period").field("period", p).in_locale(l);
    let bytes = match file.as_str() {
        "observations.xlsx" => {
            let year = match q.period.as_deref() {
                None | Some("") => chrono::Datelike::year(&today) - 1,
                Some(p) => ecociv_report::template::observation_year(&plan, p, ecociv_core::entry::YearMonth::of(today)).ok_or_else(|| bad_period(p))?,
            };
            let settings = entries::settings_of(st, z).await?;
            observation_template(&plan, &org, year, &settings.regional_indicators, &st.store.observations(z).await?, &made_at, l, None)
        }
        "dispatch.xlsx" => {
            let month = match q.period.as_deref() {
                // the month whose report is due next, as /entry lists it
                None | Some("") => ecociv_core::todo::report_month(today),
                Some(p) => ecociv_report::template::dispatch_month(p, ecociv_core::entry::YearMonth::of(today)).ok_or_else(|| bad_period(p))?,
            };
            dispatch_template(&plan, &org, month, &st.store.dispatch_reports(z).await?, &made_at, l, None)
        }
        _ => return Err(WebError::not_found("not_found").field("file", &file).in_locale(l)),
    };
    let bytes = bytes.map_err(|e| match e {
        ecociv_report::ReportError::NothingToFill { .. } => WebError::bad_request("nothing_to_fill").field("org", &org.name).in_locale(l),
        _ => WebError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    })?;
    Ok(attachment(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("{}-{file}", org.name), &file))
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
    let plan = entries::plan_of(st, &a.actor).await?;
    let z = &plan.zone.code;
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| WebError::not_found("not_found").field("file", &file).in_locale(l))?;
    let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(plan.region(r).ok_or_else(|| WebError::bad_request("unknown_region").field("region", r).in_locale(l))?.name.clone()),
        None => None,
    };
    let year = entries::settings_of(st, z).await?.projection_year(st.today());
    let table = match name {
        "annex1" => ecociv_report::annex1(&plan, &st.store.observations(z).await?, &st.store.upper_targets(z).await?, year, l),
        "annex2" => ecociv_report::annex2(&plan, &st.store.dispatch_reports(z).await?, l),
        "observations" => ecociv_report::observations(&plan, &st.store.observations(z).await?, l),
        "dispatch" => ecociv_report::dispatch(&plan, &st.store.dispatch_reports(z).await?, q.project, region.as_deref(), l),
        _ => return Err(WebError::not_found("not_found").field("file", &file).in_locale(l)),
    };
    let (bytes, media) = match ext {
        "xlsx" => (
            ecociv_report::xlsx(&[table]).map_err(|_| WebError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal"))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (ecociv_report::csv(&table), "text/csv; charset=utf-8"),
        "json" => (ecociv_report::json(&table), "application/json"),
        _ => return Err(WebError::not_found("not_found").field("file", &file).in_locale(l)),
    };
    Ok(attachment(bytes, media, &format!("{}-{name}.{ext}", plan.zone.name), &format!("{name}.{ext}")))
}
