//! `/zones`: the zones under the signed-in user's zone, rolled up — each one's indicators on
//! their approved values, its review readiness, how its units reported the latest month — with
//! a link to each zone's public pages; `/zones?all=1`, every zone of the platform for its
//! administrators (the national view); and `/api/v1/zones/children`, `/api/v1/zones/summaries` for
//! scripts. Who reads it
//! is `ecociv_app::rollup`'s.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::rollup::ZoneSummary;

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page_for, layout, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "zones.html")]
struct Page {
    l: Layout,
    zones: Vec<ZoneSummary>,
    /// The zones counted together, in words.
    totals: String,
    /// The national view (every zone), for an administrator.
    all: bool,
    /// The caller may ask for the national view.
    admin: bool,
}

/// `?all=1`: every zone (administrators).
#[derive(serde::Deserialize, Default)]
struct Scope {
    #[serde(default)]
    all: Option<String>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, crate::extract::Q(scope): crate::extract::Q<Scope>) -> Response {
    let all = scope.all.is_some_and(|v| v == "1" || v == "true");
    let made = async {
        let plan = ecociv_app::entries::plan_of(&st, &a.actor).await?;
        let zones = if all { ecociv_app::rollup::national(&st, &a.actor).await? } else { ecociv_app::rollup::children(&st, &a.actor).await? };
        let n = ecociv_core::rollup::totals(&zones);
        let args = [
            ("zones", n.zones.to_string()),
            ("not_met", n.with_not_met.to_string()),
            ("missing", n.with_missing_reports.to_string()),
            ("ready", n.ready.to_string()),
            ("cells", n.cells.to_string()),
        ];
        let totals = crate::i18n::tf(l, "rollup.totals", &args);
        let admin = a.actor.role == ecociv_core::access::Role::Admin;
        Ok::<_, ecociv_app::AppError>(Page { l: layout(&st, l, &uri, Some(&plan), Some(&a)).await, zones, totals, all, admin })
    };
    match made.await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

/// The zones under the caller's zone, each summed up.
#[utoipa::path(get, path = "/api/v1/zones/children", responses((status = 200, body = [ZoneSummary]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_children(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<ZoneSummary>>, WebError> {
    Ok(Json(ecociv_app::rollup::children(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Every zone of the platform, each summed up (administrators).
#[utoipa::path(get, path = "/api/v1/zones/summaries", responses((status = 200, body = [ZoneSummary]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_national(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<ZoneSummary>>, WebError> {
    Ok(Json(ecociv_app::rollup::national(&st, &a.actor).await.map_err(|e| e.in_locale(a.locale))?))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/zones", get(page)).route("/api/v1/zones/summaries", get(api_national)).route("/api/v1/zones/children", get(api_children))
}

/// The documented routes of the roll-up.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_children, api_national),
    components(schemas(ZoneSummary, ecociv_core::rollup::StatusCounts, ecociv_core::rollup::ReportingCounts, ecociv_core::readiness::Share))
)]
pub struct Doc;
