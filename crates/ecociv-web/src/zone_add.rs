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
    Router::new().route("/zones/new", get(form).post(create))
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

async fn create(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, mut m: axum::extract::Multipart) -> Response {
    let (mut csrf, mut user, mut org) = (String::new(), String::new(), String::new());
    let mut files = std::collections::BTreeMap::new();
    loop {
        match m.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let Ok(bytes) = field.bytes().await else {
                    return error_page(&st, l, &uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
                };
                let Ok(text) = String::from_utf8(bytes.to_vec()) else {
                    return error_page(&st, l, &uri, WebError::bad_request("plan_file_not_utf8").field("file", &name));
                };
                match name.as_str() {
                    "csrf" => csrf = text,
                    "user" => user = text.trim().to_string(),
                    "org" => org = text.trim().to_string(),
                    "plan" | "indicators" | "tasks" | "projects" | "framework" if !text.is_empty() => {
                        files.insert(format!("{name}.toml"), text);
                    }
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(&st, l, &uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
        }
    }
    if let Err(e) = a.check_csrf(Some(&csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let made = match ecociv_app::zones::create_child(&st, &a.actor, &files, &user, &org).await {
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
