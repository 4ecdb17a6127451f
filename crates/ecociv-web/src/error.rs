//! Errors of the web layer, in one shape. The JSON API answers
//! `{"error": {"code", "message", "fields"}}` with the message in the request's language;
//! pages render the same error as an HTML page. Codes are stable; `locales/*.toml` hold
//! their text under `error.<code>`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecociv_app::{AppError, Kind};
use ecociv_core::Locale;
use ecociv_core::entry::FieldError;

use crate::i18n::t;

/// An error with its HTTP status, stable code and the fields it concerns.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub code: &'static str,
    /// field → the value found, shown in the message.
    pub fields: BTreeMap<String, String>,
    pub locale: Locale,
    pub detail: Option<String>,
    /// Field errors of a checked entry (422), with their own messages.
    pub checks: Vec<FieldError>,
}

impl WebError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        WebError { status, code, fields: BTreeMap::new(), locale: Locale::Zh, detail: None, checks: Vec::new() }
    }
    /// 422 with the field errors of a check.
    pub fn invalid(checks: Vec<FieldError>) -> Self {
        WebError { checks, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid") }
    }
    /// 403: outside the caller's rights.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }
    /// 409: a duplicate or conflicting entry.
    pub fn conflict(code: &'static str) -> Self {
        Self::new(StatusCode::CONFLICT, code)
    }
    pub fn not_found(code: &'static str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code)
    }
    pub fn bad_request(code: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code)
    }
    /// Names the field (query parameter, path segment) and the value found.
    pub fn field(mut self, name: &str, found: &str) -> Self {
        self.fields.insert(name.into(), found.into());
        self
    }
    /// Sets the language of the message.
    pub fn in_locale(mut self, l: Locale) -> Self {
        self.locale = l;
        self
    }
    /// The message in the error's language.
    pub fn message(&self) -> String {
        t(self.locale, &format!("error.{}", self.code)).to_string()
    }
    /// The field messages: "<message>: <value found>".
    pub fn field_messages(&self) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = self.fields.iter().map(|(k, v)| (k.clone(), format!("{}: {v:?}", self.message()))).collect();
        for c in &self.checks {
            let text = c.message(self.locale).to_string();
            m.entry(c.field.clone())
                .and_modify(|e| {
                    e.push_str("; ");
                    e.push_str(&text);
                })
                .or_insert(text);
        }
        m
    }
}

impl From<ecociv_store::StoreError> for WebError {
    fn from(e: ecociv_store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// The HTTP status of each kind of application error.
impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        let status = match e.kind {
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        WebError { status, code: e.code, fields: e.fields, locale: Locale::Zh, detail: e.detail, checks: e.checks }
    }
}

/// `in_locale` on an application error: the web error in that language.
pub trait InLocale {
    fn in_locale(self, l: Locale) -> WebError;
}

impl InLocale for AppError {
    fn in_locale(self, l: Locale) -> WebError {
        WebError::from(self).in_locale(l)
    }
}

/// The JSON shape of every API error.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.message(),
                "fields": self.field_messages(),
            }
        });
        let mut r = (self.status, Json(body)).into_response();
        retry_after(&mut r);
        r
    }
}

/// Seconds after which a write refused as busy (503) may be sent again.
pub const RETRY_AFTER_SECONDS: &str = "2";

/// A 503 answer says when to try again (`Retry-After`).
pub fn retry_after(r: &mut Response) {
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
}

/// The shape of every error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    /// A stable code such as `unknown_indicator`.
    code: String,
    /// The message in the request's language (zh-CN unless `?lang=TAG` or the `lang` cookie names
    /// another locale, such as `en`).
    message: String,
    /// Messages per field (query parameter or path segment).
    fields: std::collections::BTreeMap<String, String>,
}

pub(crate) fn created<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// The answer of a JSON read.
pub(crate) type ApiResult<T> = Result<Json<T>, WebError>;
