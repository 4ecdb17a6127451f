//! Signing in and out, changing one's password, and `/api/v1/me` (who is asking, and the CSRF
//! token scripts send back). What an account may do is `ecociv_app::accounts`; the cookies are
//! [`crate::auth`]'s.

use crate::auth::{self, Authed, Via};
use crate::error::WebError;
use crate::extract::{F, Q};
use crate::i18n::{Lang, t, tf};
use crate::layout::{Layout, error_page, is_local_path, layout, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ecociv_app::accounts::{self, Login};
use ecociv_core::access::{Actor, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
struct BackQuery {
    back: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    back: String,
    name: String,
    error: String,
}

async fn login_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, Q(q): Q<BackQuery>) -> Response {
    let plan = st.plan(None).await.ok();
    let back = q.back.filter(|b| is_local_path(b)).unwrap_or_else(|| "/entry".into());
    render(&LoginPage { l: layout(&st, l, &uri, plan.as_deref(), None).await, back, name: String::new(), error: String::new() })
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    back: String,
}

async fn login_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, headers: HeaderMap, F(f): F<LoginForm>) -> Response {
    if !auth::same_site(&headers) {
        return error_page(&st, l, &uri, WebError::new(StatusCode::FORBIDDEN, "csrf"));
    }
    let plan = st.plan(None).await.ok();
    let back = Some(f.back.clone()).filter(|b| is_local_path(b)).unwrap_or_else(|| "/entry".into());
    let outcome = match accounts::login(&st, f.name.trim(), &f.password).await {
        Ok(o) => o,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let error = match outcome {
        Login::Ok(user) => {
            let id = match accounts::start_session(&st, &user).await {
                Ok(id) => id,
                Err(e) => return error_page(&st, l, &uri, e),
            };
            let mut r = Redirect::to(&back).into_response();
            let cookie = auth::session_cookie(&id, auth::is_tls(&headers, &st), st.idle_minutes);
            r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii cookie"));
            return r;
        }
        Login::Wrong => t(l, "login.wrong").to_string(),
        Login::Locked(until) => tf(l, "login.locked", &[("until", until.chars().take(16).collect::<String>().replace('T', " "))]),
    };
    let page = LoginPage { l: layout(&st, l, &uri, plan.as_deref(), None).await, back, name: f.name, error };
    (StatusCode::UNAUTHORIZED, render(&page)).into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(st): State<AppState>, a: Authed, headers: HeaderMap, F(f): F<CsrfForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return e.into_response();
    }
    if let Via::Session { id_hash } = &a.via {
        let _ = st.store.delete_session(id_hash).await;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&auth::clear_cookie(auth::is_tls(&headers, &st))).expect("ascii"));
    r
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    errors: Vec<String>,
    done: bool,
}

async fn password_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = st.plan(Some(&a.actor.zone)).await.ok();
    render(&PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors: vec![], done: false })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

async fn password_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, headers: HeaderMap, a: Authed, F(f): F<PasswordForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let plan = st.plan(Some(&a.actor.zone)).await.ok();
    let Ok(Some(user)) = st.store.user(&a.actor.name).await else {
        return error_page(&st, l, &uri, WebError::forbidden());
    };
    let mut errors = Vec::new();
    // a wrong current password counts as a failed sign-in (and locks the account the same way)
    if !accounts::verify_password(f.current.clone(), user.password_hash.clone()).await {
        errors.push(t(l, "password.wrong_current").to_string());
        let _ = accounts::login(&st, &user.name, &f.current).await;
    } else if f.new == f.current {
        errors.push(t(l, "password.same").to_string());
    }
    if let Err(e) = ecociv_core::entry::check_password_strength(&f.new) {
        errors.push(e.message(l).to_string());
    }
    if f.new != f.confirm {
        errors.push(t(l, "password.mismatch").to_string());
    }
    if !errors.is_empty() {
        let page = PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors, done: false };
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let result = async {
        let hash = accounts::hash_password(f.new.clone()).await?;
        let after = ecociv_core::record::UserRecord { password_hash: hash, ..user.clone() };
        st.store.update_user(&user, &after, "user.password_changed", &a.actor.name, "").await?;
        // every other session ends; this browser gets a new one
        st.store.delete_sessions_of(&a.actor.name).await?;
        accounts::start_session(&st, &after).await
    }
    .await;
    match result {
        Ok(id) => {
            let page = PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors: vec![], done: true };
            let mut r = render(&page);
            let cookie = auth::session_cookie(&id, auth::is_tls(&headers, &st), st.idle_minutes);
            r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii"));
            r
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// Who is asking, and the CSRF token scripts send back in `X-CSRF-Token` (cookie sessions).
#[derive(Serialize, ToSchema)]
pub struct Me {
    actor: Actor,
    csrf: String,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = []), ("cookie" = [])))]
async fn me(a: Authed) -> Json<Me> {
    Json(Me { actor: a.actor, csrf: a.csrf })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_post))
        .route("/logout", post(logout))
        .route("/account/password", get(password_page).post(password_post))
        .route("/api/v1/me", get(me))
}

/// The documented routes of accounts.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me), components(schemas(Me, Role, Actor)))]
pub struct Doc;
