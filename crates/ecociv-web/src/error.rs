//! Errors of the web layer, in one shape. The JSON API answers
//! `{"error": {"code", "message", "fields"}}` with the message in the request's language;
//! pages render the same error as an HTML page. Codes are stable; `locales/*.toml` hold
//! their text under `error.<code>`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecociv_core::Locale;

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
}

impl WebError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        WebError { status, code, fields: BTreeMap::new(), locale: Locale::Zh, detail: None }
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
        self.fields.iter().map(|(k, v)| (k.clone(), format!("{}: {v:?}", self.message()))).collect()
    }
}

impl From<ecociv_store::StoreError> for WebError {
    fn from(e: ecociv_store::StoreError) -> Self {
        tracing::error!(code = e.code(), "store error: {e}");
        let mut w = WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal");
        w.detail = Some(e.code().to_string());
        w
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
        (self.status, Json(body)).into_response()
    }
}
