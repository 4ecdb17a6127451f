//! ecociv-web: the HTTP face of ecociv, nothing else. One module per resource holds its
//! pages (askama templates in `templates/`) and its JSON API under `/api/v1` side by side:
//! [`plan`], [`indicators`], [`tasks`], [`projects`], [`accounts`], [`users`], [`todo`],
//! [`observations`], [`dispatch`], [`evidence`], [`controls`], [`import`], [`exports`],
//! [`documents`], [`dashboard`], [`assessment`], [`readiness`], [`bulletin`], [`supervision`],
//! [`rectifications`], [`reminders`], [`public`].
//! Around them: the shared [`state`], the page [`layout`], who is asking ([`auth`]), the
//! request's language ([`i18n`]), the extractors ([`extract`]), errors in one shape
//! ([`error`]), the kept answers of the pages ([`kept`]), the security headers of every answer
//! ([`headers`]) and the OpenAPI document ([`openapi`]). What the handlers do is `ecociv-app`'s.

pub mod accounts;
pub mod assessment;
pub mod auth;
pub mod bulletin;
pub mod controls;
pub mod dashboard;
pub mod dispatch;
pub mod documents;
pub mod error;
pub mod evidence;
pub mod exports;
pub mod extract;
pub mod frameworks;
pub mod headers;
pub mod history;
pub mod i18n;
pub mod import;
pub mod indicators;
pub mod kept;
pub mod language;
pub mod layout;
pub mod observations;
pub mod openapi;
pub mod plan;
pub mod plans;
pub mod projects;
pub mod public;
pub mod readiness;
pub mod rectifications;
pub mod reminders;
pub mod rollup;
pub mod schedule;
pub mod state;
pub mod supervision;
pub mod survey;
pub mod tasks;
pub mod todo;
pub mod users;
pub mod zone_add;

pub use state::{AppState, ZoneQuery};

use crate::error::WebError;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The whole application: the pages and the API behind [`kept::layer`], and around them what
/// reads nothing (health, the style sheet, the icon); every answer but health's with the
/// [`headers`].
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(language::routes())
        .merge(plan::routes())
        .merge(plans::routes())
        .merge(indicators::routes())
        .merge(tasks::routes())
        .merge(schedule::routes())
        .merge(projects::routes())
        .merge(accounts::routes())
        .merge(users::routes())
        .merge(todo::routes())
        .merge(survey::routes())
        .merge(supervision::routes())
        .merge(rectifications::routes())
        .merge(reminders::routes())
        .merge(frameworks::routes())
        .merge(rollup::routes())
        .merge(zone_add::routes())
        .merge(observations::routes())
        .merge(dispatch::routes())
        .merge(evidence::routes())
        .merge(controls::routes())
        .merge(public::routes())
        .merge(assessment::routes())
        .merge(dashboard::routes())
        .merge(readiness::routes())
        .merge(bulletin::routes())
        .merge(exports::routes())
        .merge(import::routes())
        .merge(documents::routes())
        .merge(openapi::routes())
        .fallback(layout::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(kept::Layer { st: state.clone(), kept: Default::default() }, kept::layer));
    let with_headers = Router::new()
        .route("/assets/app.css", get(css))
        .route("/favicon.ico", get(favicon))
        .route("/assets/favicon.svg", get(favicon))
        .merge(pages)
        .layer(axum::middleware::from_fn(headers::secure));
    Router::new().route("/healthz", get(healthz)).merge(with_headers).with_state(state)
}

/// Health: the process answers. It reads no table, so that a load balancer's probes cost
/// nothing however many zones there are.
async fn healthz(State(st): State<AppState>) -> Response {
    let mut r = format!(r#"{{"status":"ok","today":"{}"}}"#, st.today()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

async fn method_not_allowed(crate::i18n::Lang(l): crate::i18n::Lang) -> Response {
    WebError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").in_locale(l).into_response()
}

async fn favicon() -> Response {
    let mut r = include_str!("../assets/favicon.svg").into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    r
}

async fn css() -> Response {
    let mut r = include_str!("../assets/app.css").into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}
