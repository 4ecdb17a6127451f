//! ecociv-web: the HTTP face of ecociv. HTML pages (askama) in [`pages`], the JSON API
//! under `/api/v1` with its OpenAPI document in [`api`], the language of a request in
//! [`i18n`], errors in one shape in [`error`]. Handlers are thin: they read the store and
//! hand the plan to `ecociv-core`.

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
pub mod workflow;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use ecociv_core::entry::LoopSettings;
use ecociv_core::model::Plan;
use ecociv_store::Store;
use serde::Deserialize;

use crate::error::WebError;

/// (zone, quarter, rules version, trail head, today): what a computed assessment depends on.
pub type AssessmentKey = (String, String, Option<i64>, i64, NaiveDate);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The date set by `--today` / `ECOCIV_TODAY`; `None` reads the real date.
    pub today: Option<NaiveDate>,
    /// The zone of requests that name none.
    pub default_zone: String,
    /// Mark cookies Secure even without a proxy saying so (served over TLS).
    pub secure_cookies: bool,
    /// Sessions end after this many minutes without a request.
    pub idle_minutes: i64,
    /// Due dates and checks of the data loop, until the task force sets its own.
    pub settings: LoopSettings,
    /// The largest evidence file accepted.
    pub max_upload_bytes: usize,
    /// Plans by zone, as read from the store (checked against the stored hash on every use).
    pub plans: Arc<std::sync::RwLock<std::collections::HashMap<String, Plan>>>,
    /// Computed assessments by (zone, quarter, rules version, trail head, today): any write moves
    /// the trail head, so a cached result is always the one the data gives.
    pub assessments: Arc<std::sync::RwLock<std::collections::HashMap<AssessmentKey, assessment::Assessment>>>,
    /// The marked workbooks of the latest refused imports.
    pub marked_workbooks: import::MarkedWorkbooks,
    /// The CJK font the PDF documents embed (`--pdf-font`); `None` takes the shipped one.
    pub pdf_font: Option<Arc<Vec<u8>>>,
}

impl AppState {
    /// A state with the default settings.
    pub fn new(store: Arc<dyn Store>, today: Option<NaiveDate>, default_zone: &str) -> AppState {
        AppState {
            store,
            today,
            default_zone: default_zone.into(),
            secure_cookies: false,
            idle_minutes: 30,
            settings: LoopSettings::default(),
            max_upload_bytes: 20 * 1024 * 1024,
            plans: Default::default(),
            assessments: Default::default(),
            marked_workbooks: Default::default(),
            pdf_font: None,
        }
    }

    /// The one clock: every deadline and countdown reads this.
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// The plan of the request's zone (`?zone=CODE`, else the default zone).
    pub async fn plan(&self, zone: Option<&str>) -> Result<Plan, WebError> {
        let code = zone.filter(|z| !z.is_empty()).unwrap_or(&self.default_zone);
        // a plan changes only when it is loaded again: keep it while its hash is the stored one
        let Some(hash) = self.store.plan_hash(code).await? else {
            return Err(if zone.is_some() { WebError::not_found("unknown_zone").field("zone", code) } else { WebError::not_found("no_plan") });
        };
        if let Some(p) = self.plans.read().expect("plan cache").get(code).filter(|p| p.content_hash == hash) {
            return Ok(p.clone());
        }
        match self.store.plan(code).await? {
            Some(p) => {
                self.plans.write().expect("plan cache").insert(code.to_string(), p.clone());
                Ok(p)
            }
            None => Err(WebError::not_found("no_plan")),
        }
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

async fn healthz(State(st): State<AppState>) -> Response {
    match st.store.zones().await {
        Ok(z) => axum::Json(serde_json::json!({"status": "ok", "zones": z.len(), "today": st.today().to_string()})).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
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
