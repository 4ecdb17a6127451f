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
use axum::extract::{OriginalUri, Path, State};
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
    /// No account exists yet: the page says where the first one is made.
    no_account: bool,
    /// The try-out's accounts (name, role, org unit) and their password; none elsewhere.
    try_out: Vec<(String, &'static str, String)>,
    password: &'static str,
}

impl LoginPage {
    async fn of(st: &AppState, l: ecociv_core::Locale, uri: &OriginalUri, back: String, name: String, error: String) -> LoginPage {
        let plan = st.plan(None).await.ok();
        let try_out: Vec<_> = ecociv_app::tryout::shown_accounts(st)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let org = plan.as_deref().and_then(|p| p.org_unit(&a.org_unit)).map(|o| l.pick(&o.name, &o.name_en).to_string()).unwrap_or(a.org_unit);
                (a.name, t(l, &format!("role.{}", a.role.code())), org)
            })
            .collect();
        let no_account = !st.store.any_user().await.unwrap_or(true);
        LoginPage { l: layout(st, l, uri, plan.as_deref(), None).await, back, name, error, no_account, try_out, password: ecociv_app::tryout::PASSWORD }
    }
}

async fn login_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, Q(q): Q<BackQuery>) -> Response {
    let back = q.back.filter(|b| is_local_path(b)).unwrap_or_else(|| "/entry".into());
    render(&LoginPage::of(&st, l, &uri, back, String::new(), String::new()).await)
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
            return with_session(Redirect::to(&back).into_response(), &st, &headers, &id);
        }
        Login::Wrong => t(l, "login.wrong").to_string(),
        Login::Disabled => t(l, "login.disabled").to_string(),
        Login::Locked(until) => tf(l, "login.locked", &[("until", ecociv_core::clock::beijing_minute(&until))]),
    };
    (StatusCode::UNAUTHORIZED, render(&LoginPage::of(&st, l, &uri, back, f.name, error).await)).into_response()
}

/// The answer with the cookie of the session `id` set.
fn with_session(mut r: Response, st: &AppState, headers: &HeaderMap, id: &str) -> Response {
    let cookie = auth::session_cookie(id, auth::is_tls(headers, st), st.idle_minutes);
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii cookie"));
    r
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
    /// The password was set by someone else and must be changed now.
    must_change: bool,
}

async fn password_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = st.plan(Some(&a.actor.zone)).await.ok();
    render(&PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors: vec![], done: false, must_change: a.must_change_password })
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
    if let Some(e) = accounts::weak_password(&f.new, &[&user.name, &user.org_unit]) {
        errors.push(e.message(l).to_string());
    }
    if f.new != f.confirm {
        errors.push(t(l, "password.mismatch").to_string());
    }
    if !errors.is_empty() {
        let page = PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors, done: false, must_change: a.must_change_password };
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let result = async {
        // every other session and token ends; this browser gets a new session
        let after = accounts::change_own_password(&st, &user, f.new.clone()).await?;
        accounts::start_session(&st, &after).await
    }
    .await;
    match result {
        Ok(id) => {
            let page = PasswordPage { l: layout(&st, l, &uri, plan.as_deref(), Some(&a)).await, errors: vec![], done: true, must_change: false };
            with_session(render(&page), &st, &headers, &id)
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    l: Layout,
    token: String,
    name: String,
    org: String,
    /// The departments of the plan (name, shown name): where an administrator sits.
    departments: Vec<(String, String)>,
    errors: Vec<String>,
}

impl SetupPage {
    async fn of(st: &AppState, l: ecociv_core::Locale, uri: &OriginalUri, token: String, name: String, org: String, errors: Vec<String>) -> SetupPage {
        let plan = st.plan(None).await.ok();
        let departments = plan
            .as_deref()
            .map(|p| {
                p.org_units
                    .iter()
                    .filter(|o| o.kind == ecociv_core::model::OrgKind::Department)
                    .map(|o| (o.name.clone(), l.pick(&o.name, &o.name_en).to_string()))
                    .collect()
            })
            .unwrap_or_default();
        SetupPage { l: layout(st, l, uri, plan.as_deref(), None).await, token, name, org, departments, errors }
    }
}

/// The first run's setup page: the form that makes the first administrator (404 once closed).
async fn setup_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, Path(token): Path<String>) -> Response {
    if !st.setup.admits(&token) {
        return error_page(&st, l, &uri, WebError::new(StatusCode::NOT_FOUND, "setup_closed"));
    }
    render(&SetupPage::of(&st, l, &uri, token, String::new(), String::new(), Vec::new()).await)
}

#[derive(Deserialize)]
struct SetupForm {
    name: String,
    org: String,
    password: String,
    confirm: String,
}

async fn setup_post(
    State(st): State<AppState>,
    Lang(l): Lang,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(token): Path<String>,
    F(f): F<SetupForm>,
) -> Response {
    if !auth::same_site(&headers) {
        return error_page(&st, l, &uri, WebError::new(StatusCode::FORBIDDEN, "csrf"));
    }
    if !st.setup.admits(&token) {
        return error_page(&st, l, &uri, WebError::new(StatusCode::NOT_FOUND, "setup_closed"));
    }
    let refused = |errors: Vec<String>| async {
        let page = SetupPage::of(&st, l, &uri, token.clone(), f.name.clone(), f.org.clone(), errors).await;
        (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
    };
    if f.password != f.confirm {
        return refused(vec![t(l, "password.mismatch").to_string()]).await;
    }
    match st.setup.first_admin(&st, &token, &f.name, &f.org, f.password.clone()).await {
        Ok(user) => match accounts::start_session(&st, &user).await {
            Ok(id) => {
                tracing::info!("the first administrator {} was made on the setup page", user.name);
                with_session(Redirect::to("/entry").into_response(), &st, &headers, &id)
            }
            Err(e) => error_page(&st, l, &uri, e),
        },
        Err(e) if e.code == "setup_closed" => error_page(&st, l, &uri, e),
        Err(e) => {
            let mut errors: Vec<String> = e.checks.iter().map(|c| c.message(l).to_string()).collect();
            if errors.is_empty() {
                errors.push(e.describe(l));
            }
            refused(errors).await
        }
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
        .route("/setup/{token}", get(setup_page).post(setup_post))
        .route("/logout", post(logout))
        .route(auth::PASSWORD_PAGE, get(password_page).post(password_post))
        .route("/api/v1/me", get(me))
}

/// The documented routes of accounts.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me), components(schemas(Me, Role, Actor)))]
pub struct Doc;
