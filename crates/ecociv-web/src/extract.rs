//! Query and path extractors whose rejections keep the one error shape: JSON under `/api`,
//! an error page in the request's language elsewhere.

use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Query, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::WebError;
use crate::i18n::locale_of;
use crate::state::AppState;

/// `Query<T>` with the error shape of ecociv.
pub struct Q<T>(pub T);

/// `Path<T>` with the error shape of ecociv.
pub struct P<T>(pub T);

fn reject(parts: &Parts, st: &AppState, e: WebError) -> Response {
    let l = locale_of(parts);
    if parts.uri.path().starts_with("/api/") { e.in_locale(l).into_response() } else { crate::layout::error_page(st, l, &OriginalUri(parts.uri.clone()), e) }
}

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Q<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(v)) => Ok(Q(v)),
            Err(e) => Err(reject(parts, st, WebError::bad_request("bad_query").field("query", &e.body_text()))),
        }
    }
}

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for P<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, st).await {
            Ok(Path(v)) => Ok(P(v)),
            Err(_) => Err(reject(parts, st, WebError::not_found("not_found").field("path", parts.uri.path()))),
        }
    }
}

/// `Json<T>` with the error shape of ecociv (422 for a body that is not the expected JSON).
pub struct J<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for J<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let l = locale_of(&parts);
        let req = Request::from_parts(parts, body);
        match axum::Json::<T>::from_request(req, st).await {
            Ok(axum::Json(v)) => Ok(J(v)),
            // over the body limit (2 MB by default): too large, not malformed
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(WebError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").in_locale(l).into_response())
            }
            Err(e) => Err(json_error(&e.body_text()).in_locale(l).into_response()),
        }
    }
}

/// Turns serde's words about a JSON body into a field error: which field, in the user's language.
pub fn json_error(text: &str) -> WebError {
    use ecociv_core::entry::FieldError;
    let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(text);
    let mut w = WebError::invalid(vec![]);
    w.code = "bad_json";
    if let Some(field) = detail.split("missing field `").nth(1).and_then(|r| r.split('`').next()) {
        w.checks.push(FieldError::keyed(field, "missing_field", "field.json.missing"));
    } else if let Some((path, why)) = detail.split_once(": ").filter(|(p, _)| !p.contains(' ')) {
        let why = why.split(" at line").next().unwrap_or(why);
        w.checks.push(FieldError::keyed(path, "bad_type", "field.json.bad_type").arg("why", &why));
    } else {
        w.checks.push(FieldError::keyed("body", "bad_json", "field.json.not_json").arg("detail", &detail));
    }
    w
}

/// `Form<T>` with the error shape of ecociv: a form that lacks a field or has a wrong one is
/// answered with a page in the request's language (422).
pub struct F<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for F<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let l = locale_of(&parts);
        let uri = OriginalUri(parts.uri.clone());
        let req = Request::from_parts(parts, body);
        match axum::Form::<T>::from_request(req, st).await {
            Ok(axum::Form(v)) => Ok(F(v)),
            Err(e) => Err(crate::layout::error_page(st, l, &uri, json_error(&e.body_text()))),
        }
    }
}
