//! Evidence files of entries: reading an upload (from a page's form or a script's multipart
//! body), and `/api/v1/evidence/{id}` to download one as uploaded.

use crate::auth::Authed;
use crate::error::{InLocale, WebError};
use crate::extract::P;
use crate::layout::error_page;
use crate::state::AppState;
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ecociv_app::entries::{self};
use ecociv_core::Locale;

/// The body limit of upload routes: a little above the largest accepted file, so that the
/// file's own check answers with its clear message.
pub const UPLOAD_BODY_LIMIT: usize = 21 * 1024 * 1024;

/// The body of an upload: one file, in the multipart field `file`, and nothing else.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct Upload {
    /// The file (PDF, an image, an office document; at most the zone's upload limit).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads the one file of a multipart upload (field `file`).
pub(crate) async fn upload(mut m: axum::extract::Multipart, l: ecociv_core::Locale) -> Result<(String, Vec<u8>), WebError> {
    let too_large = || WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large").in_locale(l);
    loop {
        let field = m.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::bad_request("bad_query").field("file", &e.body_text()).in_locale(l)
            }
        })?;
        let Some(field) = field else {
            return Err(WebError::invalid(vec![ecociv_core::entry::FieldError::keyed("file", "required", "field.upload.required")]).in_locale(l));
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::bad_request("bad_query").field("file", &e.body_text()).in_locale(l)
            }
        })?;
        return Ok((name, bytes.to_vec()));
    }
}

/// Downloads an evidence file (for those who may see its entry).
#[utoipa::path(get, path = "/api/v1/evidence/{id}", params(("id" = i64, Path)), responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub(crate) async fn get_evidence(st: axum::extract::State<AppState>, a: Authed, P(id): P<i64>) -> Result<Response, WebError> {
    let plan = entries::plan_of(&st, &a.actor).await?;
    let not_found = || WebError::not_found("unknown_entry").field("id", &id.to_string()).in_locale(a.locale);
    let e = st.store.evidence(&plan.zone.code, id).await?.ok_or_else(not_found)?;
    let visible = match e.entity.as_str() {
        "observation" => st
            .store
            .observation(&plan.zone.code, e.entity_id)
            .await?
            .and_then(|o| ecociv_core::lineage::observation_for(&plan, o))
            .is_some_and(|o| ecociv_app::entries::may_see_observation(&a.actor, &plan, &o)),
        "supervision_order" => st.store.order(&plan.zone.code, e.entity_id).await?.is_some_and(|o| ecociv_app::supervision::may_see(&a.actor, &o)),
        // the list of rectification tasks is read by every user of the zone
        "rectification" => true,
        _ => st
            .store
            .dispatch(&plan.zone.code, e.entity_id)
            .await?
            .and_then(|d| ecociv_core::lineage::report_for(&plan, d))
            .is_some_and(|d| ecociv_app::entries::may_see_dispatch(&a.actor, &plan, &d)),
    };
    if !visible {
        return Err(not_found());
    }
    let bytes = st.store.blob(&e.zone, &e.hash).await?.ok_or_else(not_found)?;
    let disposition = format!("attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}", e.id, crate::layout::encode(&e.file_name));
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_str(&e.media_type).unwrap_or(axum::http::HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_str(&disposition).unwrap_or(axum::http::HeaderValue::from_static("attachment")),
    );
    h.insert("x-content-type-options", axum::http::HeaderValue::from_static("nosniff"));
    Ok(r)
}

/// The text fields of a page's multipart form, and its `file` (name and bytes) when one was
/// chosen; a body over the limit is refused as too large.
pub(crate) async fn form_fields(mut m: axum::extract::Multipart) -> Result<(std::collections::HashMap<String, String>, Option<(String, Vec<u8>)>), WebError> {
    let too_large = || WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let (mut fields, mut file) = (std::collections::HashMap::new(), None);
    while let Some(f) = m.next_field().await.map_err(|_| too_large())? {
        let name = f.name().unwrap_or_default().to_string();
        let file_name = f.file_name().unwrap_or_default().to_string();
        let b = f.bytes().await.map_err(|_| too_large())?;
        if name == "file" {
            file = Some((file_name, b.to_vec())).filter(|(n, b)| !n.is_empty() || !b.is_empty());
        } else {
            fields.insert(name, String::from_utf8_lossy(&b).into_owned());
        }
    }
    Ok((fields, file))
}

/// An upload from a page: the `csrf` field, then the `file`.
pub(crate) async fn page_upload(
    st: &AppState,
    l: Locale,
    uri: &OriginalUri,
    a: &Authed,
    entity: &str,
    id: i64,
    back: &str,
    m: axum::extract::Multipart,
) -> Response {
    let (fields, file) = match form_fields(m).await {
        Ok(x) => x,
        Err(e) => return error_page(st, l, uri, e),
    };
    let csrf = fields.get("csrf").cloned().unwrap_or_default();
    if let Err(e) = a.check_csrf(Some(&csrf)) {
        return error_page(st, l, uri, e);
    }
    let Some((name, bytes)) = file else {
        return error_page(st, l, uri, WebError::invalid(vec![ecociv_core::entry::FieldError::keyed("file", "required", "field.upload.required")]));
    };
    match entries::attach(st, &a.actor, entity, id, &name, &bytes).await {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => error_page(st, l, uri, e),
    }
}

/// An evidence file attached through the API to `entity` `id`: the multipart body's `file`,
/// checked and stored by `ecociv_app::entries::attach` (201 with the record).
pub(crate) async fn api_attach(
    st: &AppState,
    a: &Authed,
    entity: &str,
    id: i64,
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    a.check_csrf(None)?;
    let m = m.map_err(|e| WebError::bad_request("bad_query").field("body", &e.body_text()).in_locale(a.locale))?;
    let (name, bytes) = upload(m, a.locale).await?;
    Ok(crate::error::created(entries::attach(st, &a.actor, entity, id, &name, &bytes).await.map_err(|e| e.in_locale(a.locale))?))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/evidence/{id}", get(get_evidence))
}

/// The documented routes of evidence.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_evidence), components(schemas(ecociv_core::record::EvidenceRecord, Upload)))]
pub struct Doc;
