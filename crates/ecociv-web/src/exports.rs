//! Downloads of the tables (signed in): `/export/{annex1|annex2|observations|dispatch}.{xlsx|csv|json}`,
//! the dispatch history narrowed with `?project=N` or `?region=NAME`.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::extract::{P, Q};
use crate::workflow;

pub fn routes() -> Router<AppState> {
    Router::new().route("/export/{file}", get(download))
}

#[derive(Deserialize, Default)]
struct ExportQuery {
    project: Option<u32>,
    region: Option<String>,
}

async fn download(State(st): State<AppState>, a: Authed, P(file): P<String>, Q(q): Q<ExportQuery>) -> Result<Response, WebError> {
    let l = a.locale;
    let plan = workflow::plan_of(&st, &a.actor).await?;
    let z = &plan.zone.code;
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| WebError::not_found("not_found").field("file", &file).in_locale(l))?;
    let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(
            plan.org_unit(r)
                .filter(|o| o.kind == ecociv_core::model::OrgKind::Region)
                .ok_or_else(|| WebError::bad_request("unknown_region").field("region", r).in_locale(l))?
                .name
                .clone(),
        ),
        None => None,
    };
    let year = chrono::Datelike::year(&st.today());
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
    let mut r = bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    let disposition = format!("attachment; filename=\"{name}.{ext}\"; filename*=UTF-8''{}-{name}.{ext}", crate::pages::encode(&plan.zone.name));
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")));
    Ok(r)
}
