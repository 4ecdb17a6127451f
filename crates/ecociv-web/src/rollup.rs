//! `/zones`: the zones under the signed-in user's zone, rolled up — each one's indicators on
//! their approved values, its review readiness, how its units reported the latest month — with
//! a link to each zone's public pages; `/zones?all=1`, every zone of the platform for its
//! administrators (the national view), counted by province, and `&province=15` one province's
//! zones; and `/api/v1/zones/children`, `/api/v1/zones/summaries[?province=15]`,
//! `/api/v1/zones/provinces` for scripts. Who reads it
//! is `ecociv_app::rollup`'s.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::rollup::{ProvinceTotals, ZoneSummary};

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
    /// The national view's zones counted by province (empty elsewhere, and for one province).
    provinces: Vec<ProvinceTotals>,
    /// The province shown (its two digits), if one is, and its name in Chinese and English.
    province: String,
    province_name: (&'static str, &'static str),
}

/// `?all=1`: every zone (administrators).
#[derive(serde::Deserialize, Default)]
struct Scope {
    #[serde(default)]
    all: Option<String>,
    /// One province's zones, by the two digits their division codes begin with.
    #[serde(default)]
    province: Option<String>,
}

/// `?province=15`: one province's zones.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
struct Province {
    /// The two digits that begin the division codes of its zones (`15`).
    #[serde(default)]
    province: Option<String>,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, crate::extract::Q(scope): crate::extract::Q<Scope>) -> Response {
    let province = scope.province.as_deref().map(str::trim).unwrap_or_default().to_string();
    let all = scope.all.is_some_and(|v| v == "1" || v == "true") || !province.is_empty();
    let made = async {
        let plan = ecociv_app::entries::plan_of(&st, &a.actor).await?;
        let zones = if all { ecociv_app::rollup::national(&st, &a.actor, Some(&province)).await? } else { ecociv_app::rollup::children(&st, &a.actor).await? };
        let provinces = if all && province.is_empty() { ecociv_core::rollup::by_province(&zones) } else { Vec::new() };
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
        let province_name = ecociv_core::rollup::province(&province).map_or(("", ""), |p| (p.1, p.2));
        Ok::<_, ecociv_app::AppError>(Page {
            l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
            zones,
            totals,
            all,
            admin,
            provinces,
            province,
            province_name,
        })
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

/// Every zone of the platform, or one province's, each summed up (administrators).
#[utoipa::path(get, path = "/api/v1/zones/summaries", params(Province),
    responses((status = 200, body = [ZoneSummary]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_national(State(st): State<AppState>, a: Authed, crate::extract::Q(p): crate::extract::Q<Province>) -> Result<Json<Vec<ZoneSummary>>, WebError> {
    Ok(Json(ecociv_app::rollup::national(&st, &a.actor, p.province.as_deref()).await.map_err(|e| e.in_locale(a.locale))?))
}

/// Every zone of the platform counted by province (administrators).
#[utoipa::path(get, path = "/api/v1/zones/provinces", responses((status = 200, body = [ProvinceTotals]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn api_provinces(State(st): State<AppState>, a: Authed) -> Result<Json<Vec<ProvinceTotals>>, WebError> {
    let zones = ecociv_app::rollup::national(&st, &a.actor, None).await.map_err(|e| e.in_locale(a.locale))?;
    Ok(Json(ecociv_core::rollup::by_province(&zones)))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/zones", get(page))
        .route("/api/v1/zones/summaries", get(api_national))
        .route("/api/v1/zones/provinces", get(api_provinces))
        .route("/api/v1/zones/children", get(api_children))
}

/// The documented routes of the roll-up.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_children, api_national, api_provinces),
    components(schemas(
        ZoneSummary,
        ProvinceTotals,
        ecociv_core::rollup::Totals,
        ecociv_core::rollup::StatusCounts,
        ecociv_core::rollup::ReportingCounts,
        ecociv_core::readiness::Share
    ))
)]
pub struct Doc;
