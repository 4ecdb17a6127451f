//! An administrator creates a zone under its own (`/zones/new`): the zone's plan from its data
//! files sent in the form, and its first task-force account, whose temporary password is shown
//! once. What it checks is `ecociv_app::zones::create_child`'s.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ecociv_core::access::Role;

use crate::auth::Authed;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::layout::{Layout, error_page, render};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/zones/new", get(form).post(create).layer(axum::extract::DefaultBodyLimit::max(crate::evidence::UPLOAD_BODY_LIMIT)))
}

#[derive(Template)]
#[template(path = "zone_new.html")]
struct NewZonePage {
    l: Layout,
    parent: String,
    /// Once made: the zone's code and name, the account and its temporary password.
    made: Option<(String, String, String, String)>,
}

async fn form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    if a.actor.role != Role::Admin {
        return error_page(&st, l, &uri, WebError::forbidden());
    }
    let plan = match ecociv_app::entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    render(&NewZonePage { l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await, parent: plan.zone.name.clone(), made: None })
}

async fn create(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, m: axum::extract::Multipart) -> Response {
    let mut form = match crate::plans::read_plan_form(m).await {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    if let Err(e) = a.check_csrf(Some(form.field("csrf"))) {
        return error_page(&st, l, &uri, e);
    }
    let files = match form.sent() {
        Ok(f) => f,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let made = match ecociv_app::zones::create_child(&st, &a.actor, files, form.field("user"), form.field("org")).await {
        Ok(z) => z,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let plan = match ecociv_app::entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let page = NewZonePage {
        l: crate::layout::layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        parent: plan.zone.name.clone(),
        made: Some((made.plan.zone.code.clone(), made.plan.zone.name.clone(), made.user.name.clone(), made.password)),
    };
    (StatusCode::CREATED, render(&page)).into_response()
}
