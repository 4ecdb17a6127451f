//! Indicator frameworks (指标体系), public: `/frameworks`, the revisions shipped with how much of
//! each is known; `/frameworks/{code}`, a revision's rows; `/frameworks/diff?old=…&new=…`, what
//! changed between two, row by row; and the same under `/api/v1/frameworks`. What they say is
//! `ecociv_core::framework`'s.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::framework::{Change, Diff, Framework};
use serde::Deserialize;

use crate::auth::MaybeAuthed;
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, render};
use crate::state::{AppState, ZoneQuery};

#[derive(Template)]
#[template(path = "frameworks.html")]
struct ListPage {
    l: Layout,
    revisions: &'static [Framework],
}

async fn list(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed) -> Response {
    render(&ListPage { l: Layout::new(&st, l, &uri, None, &ZoneQuery::default()).with(m), revisions: ecociv_app::frameworks::list() })
}

#[derive(Template)]
#[template(path = "framework.html")]
struct RevisionPage {
    l: Layout,
    r: &'static Framework,
}

async fn one(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, P(code): P<String>) -> Response {
    match ecociv_app::frameworks::revision(&code) {
        Ok(r) => render(&RevisionPage { l: Layout::new(&st, l, &uri, None, &ZoneQuery::default()).with(m), r }),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

#[derive(Deserialize)]
struct DiffQuery {
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
}

#[derive(Template)]
#[template(path = "framework_diff.html")]
struct DiffPage {
    l: Layout,
    d: Diff,
    /// Each change's line for people, in the order of `d.changes`.
    lines: Vec<String>,
    summary: String,
}

async fn diff_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(q): Q<DiffQuery>) -> Response {
    match ecociv_app::frameworks::compare(&q.old, &q.new) {
        Ok(d) => {
            let lines = d.changes.iter().map(|c| c.describe(l)).collect();
            let summary = d.summary(l);
            render(&DiffPage { l: Layout::new(&st, l, &uri, None, &ZoneQuery::default()).with(m), d, lines, summary })
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// The revisions shipped, with their rows, oldest first.
#[utoipa::path(get, path = "/api/v1/frameworks", responses((status = 200, body = [Framework])))]
async fn api_list() -> Json<&'static [Framework]> {
    Json(ecociv_app::frameworks::list())
}

/// A revision with its rows.
#[utoipa::path(get, path = "/api/v1/frameworks/{code}", params(("code" = String, Path, description = "2019, 2021-city, 2024-city, 2024-county")),
    responses((status = 200, body = Framework), (status = 404, body = crate::error::ErrorBody)))]
async fn api_one(Lang(l): Lang, P(code): P<String>) -> Result<Json<&'static Framework>, WebError> {
    Ok(Json(ecociv_app::frameworks::revision(&code).map_err(|e| e.in_locale(l))?))
}

/// What changed from one revision to another, row by row.
#[utoipa::path(get, path = "/api/v1/frameworks/{old}/diff/{new}", params(("old" = String, Path), ("new" = String, Path)),
    responses((status = 200, body = Diff), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_diff(Lang(l): Lang, P((old, new)): P<(String, String)>) -> Result<Json<Diff>, WebError> {
    Ok(Json(ecociv_app::frameworks::compare(&old, &new).map_err(|e| e.in_locale(l))?))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/frameworks", get(list))
        .route("/frameworks/diff", get(diff_page))
        .route("/frameworks/{code}", get(one))
        .route("/api/v1/frameworks", get(api_list))
        .route("/api/v1/frameworks/{code}", get(api_one))
        .route("/api/v1/frameworks/{old}/diff/{new}", get(api_diff))
}

/// The documented routes of frameworks.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_one, api_diff),
    components(schemas(
        Framework,
        ecociv_core::framework::Row,
        ecociv_core::framework::Variant,
        ecociv_core::framework::Level,
        Diff,
        Change,
        ecociv_core::framework::ChangeKind,
        ecociv_core::framework::RowRef,
        ecociv_core::framework::FieldChange
    ))
)]
pub struct Doc;
