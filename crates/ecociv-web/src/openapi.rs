//! The OpenAPI document of the whole API (`/api/openapi.json`), merged from the documents of
//! each resource's module, and the JSON answer to an unknown `/api/v1` path.

use crate::error::WebError;
use crate::i18n::Lang;
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecociv API",
        description = "National eco-civilization demonstration zone: the plan, its indicators, tasks and projects, the data loop, the assessment. Decimals are strings."
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The documented parts of the API, one per resource module.
fn parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        crate::plan::Doc::openapi(),
        crate::plans::Doc::openapi(),
        crate::indicators::Doc::openapi(),
        crate::tasks::Doc::openapi(),
        crate::projects::Doc::openapi(),
        crate::accounts::Doc::openapi(),
        crate::observations::Doc::openapi(),
        crate::dispatch::Doc::openapi(),
        crate::supervision::Doc::openapi(),
        crate::rectifications::Doc::openapi(),
        crate::reminders::Doc::openapi(),
        crate::frameworks::Doc::openapi(),
        crate::rollup::Doc::openapi(),
        crate::evidence::Doc::openapi(),
        crate::controls::Doc::openapi(),
        crate::import::Doc::openapi(),
        crate::public::PublicDoc::openapi(),
        crate::assessment::AssessmentDoc::openapi(),
        crate::readiness::ReadinessDoc::openapi(),
        crate::documents::Doc::openapi(),
    ]
}

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    for part in parts() {
        doc.merge(part);
    }
    with_error_answers(&mut doc);
    Json(doc).into_response()
}

/// The answers every route of the API may give besides its own, each in the error shape
/// ([`crate::error::ErrorBody`]): 400 for a request it cannot read (a path segment or query
/// value of the wrong type), 404 for what does not exist (an id, a number, a zone), 422 for
/// input its checks refuse, 503 when the database could not take a write in time, and 401 on
/// the routes that need a user. Added to each operation that does not document them itself.
fn with_error_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let answer = |what: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(what)
                .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in operations.into_iter().flatten() {
            let signed_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut codes = vec![
                ("400", "the request cannot be read"),
                ("404", "not found"),
                ("422", "refused by the checks, each field with its message"),
                ("503", "busy: nothing was written; send it again after Retry-After"),
            ];
            if signed_in {
                codes.push(("401", "no valid credentials"));
            }
            for (code, what) in codes {
                op.responses.responses.entry(code.to_string()).or_insert_with(|| answer(what));
            }
        }
    }
}

async fn api_not_found(Lang(l): Lang) -> WebError {
    WebError::not_found("not_found").in_locale(l)
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(utoipa::openapi::security::ApiKeyValue::new("ecociv_session"))),
        );
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi)).route("/api/v1/{*rest}", get(api_not_found))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two types documented under one name: merging keeps one of them, and the other's
    /// answers are described wrongly (a rectification task's `Status` once replaced the
    /// indicators' `Status`).
    #[test]
    fn no_two_schemas_share_a_name() {
        let mut seen: std::collections::BTreeMap<String, serde_json::Value> = std::collections::BTreeMap::new();
        for part in std::iter::once(ApiDoc::openapi()).chain(parts()) {
            for (name, schema) in part.components.map(|c| c.schemas).unwrap_or_default() {
                let schema = serde_json::to_value(&schema).unwrap();
                if let Some(before) = seen.insert(name.clone(), schema.clone()) {
                    assert_eq!(before, schema, "two schemas named {name}");
                }
            }
        }
    }
}
