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

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    for part in [
        crate::plan::Doc::openapi(),
        crate::indicators::Doc::openapi(),
        crate::tasks::Doc::openapi(),
        crate::projects::Doc::openapi(),
        crate::accounts::Doc::openapi(),
        crate::observations::Doc::openapi(),
        crate::dispatch::Doc::openapi(),
        crate::evidence::Doc::openapi(),
        crate::controls::Doc::openapi(),
        crate::import::Doc::openapi(),
        crate::public::PublicDoc::openapi(),
        crate::assessment::AssessmentDoc::openapi(),
        crate::readiness::ReadinessDoc::openapi(),
    ] {
        doc.merge(part);
    }
    Json(doc).into_response()
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
