//! The one error of the application, with a stable code (the key of its text under
//! `error.<code>` in the locale files), the kind that the web maps to an HTTP status and the
//! CLI to an exit code, the fields it concerns and, for a refused entry, the field errors of
//! its checks.

use std::collections::BTreeMap;

use ecociv_core::Locale;
use ecociv_core::entry::FieldError;
use ecociv_core::locale::t;

/// What kind of refusal an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The input fails its checks (field errors in `checks`).
    Invalid,
    /// Outside the caller's rights.
    Forbidden,
    /// What was asked for does not exist.
    NotFound,
    /// A duplicate, a decision that does not fit the entry's state, a locked period, a change
    /// by someone else.
    Conflict,
    /// A request that cannot be read.
    BadRequest,
    /// The database could not take a write in time: nothing was written; send it again shortly.
    Unavailable,
    /// Something broke on our side.
    Internal,
}

/// An error of the application.
#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: Kind,
    pub code: &'static str,
    /// field → the value found, shown in the message.
    pub fields: BTreeMap<String, String>,
    /// What broke, for the log (never shown to users).
    pub detail: Option<String>,
    /// Field errors of a checked entry, with their own messages.
    pub checks: Vec<FieldError>,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    pub fn new(kind: Kind, code: &'static str) -> Self {
        AppError { kind, code, fields: BTreeMap::new(), detail: None, checks: Vec::new() }
    }
    /// The field errors of a check.
    pub fn invalid(checks: Vec<FieldError>) -> Self {
        AppError { checks, ..Self::new(Kind::Invalid, "invalid") }
    }
    pub fn forbidden() -> Self {
        Self::new(Kind::Forbidden, "forbidden")
    }
    pub fn conflict(code: &'static str) -> Self {
        Self::new(Kind::Conflict, code)
    }
    pub fn not_found(code: &'static str) -> Self {
        Self::new(Kind::NotFound, code)
    }
    pub fn bad_request(code: &'static str) -> Self {
        Self::new(Kind::BadRequest, code)
    }
    /// Something broke; `what` goes to the log.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {what}");
        AppError { detail: Some(what.to_string()), ..Self::new(Kind::Internal, "internal") }
    }
    /// Names the field (query parameter, path segment) and the value found.
    pub fn field(mut self, name: &str, found: &str) -> Self {
        self.fields.insert(name.into(), found.into());
        self
    }
    /// The message in a language.
    pub fn message(&self, l: Locale) -> String {
        t(l, &format!("error.{}", self.code)).to_string()
    }
    /// The message with the fields and checks, on one line (for the command line and logs).
    pub fn describe(&self, l: Locale) -> String {
        let mut s = self.message(l);
        for (k, v) in &self.fields {
            s.push_str(&format!(" ({k}: {v})"));
        }
        for c in &self.checks {
            s.push_str(&format!("; {}: {}", c.field, c.message(l)));
        }
        s
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.describe(Locale::En))
    }
}

impl std::error::Error for AppError {}

impl From<ecociv_store::StoreError> for AppError {
    fn from(e: ecociv_store::StoreError) -> Self {
        if let ecociv_store::StoreError::Conflict(m) = &e {
            return AppError { detail: Some(m.clone()), ..AppError::conflict("conflict") };
        }
        if let ecociv_store::StoreError::Busy(m) = &e {
            tracing::warn!("store busy: {m}");
            return AppError { detail: Some(m.clone()), ..AppError::new(Kind::Unavailable, "busy") };
        }
        tracing::error!(code = e.code(), "store error: {e}");
        AppError { detail: Some(e.code().to_string()), ..AppError::new(Kind::Internal, "internal") }
    }
}
