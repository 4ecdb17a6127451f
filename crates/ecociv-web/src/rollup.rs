//! `/zones`: the zones under the signed-in user's zone, rolled up — each one's indicators on
//! their approved values, its review readiness, how its units reported the latest month — with
//! a link to each zone's public pages; and `/api/v1/zones/children` for scripts. Who reads it
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
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let made = async {
        let plan = ecociv_app::entries::plan_of(&st, &a.actor).await?;
        let zones = ecociv_app::rollup::children(&st, &a.actor).await?;
        Ok::<_, ecociv_app::AppError>(Page { l: layout(&st, l, &uri, Some(&plan), Some(&a)).await, zones })
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

pub fn routes() -> Router<AppState> {
    Router::new().route("/zones", get(page)).route("/api/v1/zones/children", get(api_children))
}

/// The documented routes of the roll-up.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_children),
    components(schemas(ZoneSummary, ecociv_core::rollup::StatusCounts, ecociv_core::rollup::ReportingCounts, ecociv_core::readiness::Share))
)]
pub struct Doc;
