//! ecociv-web: the HTTP face of ecociv. HTML pages (askama) in [`pages`], the JSON API
//! under `/api/v1` with its OpenAPI document in [`api`], the language of a request in
//! [`i18n`], errors in one shape in [`error`]. Handlers are thin: what they do is
//! `ecociv-app`'s, what they show is rendered here.

pub mod api;
pub mod api_loop;
pub mod assessment;
pub mod auth;
pub mod bulletin;
pub mod dashboard;
pub mod documents;
pub mod error;
pub mod exports;
pub mod extract;
pub mod i18n;
pub mod import;
pub mod pages;
pub mod pages_loop;
pub mod public;
pub mod readiness;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_store::Store;
use serde::Deserialize;

use crate::error::WebError;

/// What every handler shares: the application, and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Mark cookies Secure even without a proxy saying so (served over TLS).
    pub secure_cookies: bool,
}

impl AppState {
    /// A state with the default settings.
    pub fn new(store: Arc<dyn Store>, today: Option<NaiveDate>, default_zone: &str) -> AppState {
        AppState::of(App::new(store, today, default_zone))
    }

    /// The state of an application.
    pub fn of(app: App) -> AppState {
        AppState { app, secure_cookies: false }
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// `?zone=CODE`, accepted by every page and API route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ZoneQuery {
    /// The zone's code (e.g. 150100); the default zone when absent.
    pub zone: Option<String>,
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/app.css", get(css))
        .route("/favicon.ico", get(favicon))
        .route("/assets/favicon.svg", get(favicon))
        .merge(pages::routes())
        .merge(pages_loop::routes())
        .merge(public::routes())
        .merge(assessment::routes())
        .merge(dashboard::routes())
        .merge(readiness::routes())
        .merge(bulletin::routes())
        .merge(exports::routes())
        .merge(import::routes())
        .merge(documents::routes())
        .merge(api::routes())
        .merge(api_loop::routes())
        .fallback(pages::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Health: the process answers. It reads no table, so that a load balancer's probes cost
/// nothing however many zones there are.
async fn healthz(State(st): State<AppState>) -> Response {
    axum::Json(serde_json::json!({"status": "ok", "today": st.today().to_string()})).into_response()
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
