//! `/users`: the zone's accounts for its administrator and task force — the list with each
//! account's state, a user added (org units offered from the plan), and per account: another
//! role, disable or enable, reset the password, lift a lock-out. What may be done is
//! `ecociv_app::users`; a temporary password is shown once, on the answer that made it.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecociv_app::users::{self, Change};
use ecociv_core::Locale;
use ecociv_core::access::Role;
use ecociv_core::record::UserRecord;
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{F, P};
use crate::i18n::{Lang, t, tf};
use crate::layout::{Layout, error_page, layout, render};
use crate::state::AppState;

/// One account as the list shows it.
struct Row {
    name: String,
    /// Where its changes are sent (the name encoded as a path segment).
    href: String,
    org: String,
    role: Role,
    role_label: &'static str,
    state: String,
    disabled: bool,
    locked: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    rows: Vec<Row>,
    /// The org units of the plan (name, shown name).
    orgs: Vec<(String, String)>,
    /// The roles the signed-in user may give (code, label).
    roles: Vec<(&'static str, &'static str)>,
    /// What was done, or what was refused and why.
    notice: String,
    error: String,
    /// The add form as typed.
    name: String,
    org: String,
    role: String,
}

fn row(u: &UserRecord, l: Locale, now: chrono::DateTime<chrono::Utc>, plan: Option<&ecociv_core::model::Plan>) -> Row {
    let locked = ecociv_app::accounts::locked_at(u, now).is_some();
    let state = if u.disabled {
        t(l, "users.state.disabled").to_string()
    } else if locked {
        tf(l, "users.state.locked", &[("until", ecociv_core::clock::beijing_minute(&u.locked_until))])
    } else if u.must_change_password {
        t(l, "users.state.must_change").to_string()
    } else {
        t(l, "users.state.active").to_string()
    };
    let org = plan.and_then(|p| p.org_unit(&u.org_unit)).map(|o| l.pick(&o.name, &o.name_en).to_string()).unwrap_or_else(|| u.org_unit.clone());
    Row {
        name: u.name.clone(),
        href: format!("/users/{}", crate::layout::encode(&u.name).replace('/', "%2F")),
        org,
        role: u.role,
        role_label: t(l, &format!("role.{}", u.role.code())),
        state,
        disabled: u.disabled,
        locked,
    }
}

impl UsersPage {
    async fn of(
        st: &AppState,
        l: Locale,
        uri: &OriginalUri,
        a: &Authed,
        notice: String,
        error: String,
        typed: (String, String, String),
    ) -> Result<UsersPage, crate::error::WebError> {
        let list = users::list(st, &a.actor).await?;
        let plan = st.plan(Some(&a.actor.zone)).await.ok();
        let now = st.now();
        let rows = list.iter().map(|u| row(u, l, now, plan.as_deref())).collect();
        let orgs = plan.as_deref().map(|p| p.org_units.iter().map(|o| (o.name.clone(), l.pick(&o.name, &o.name_en).to_string())).collect()).unwrap_or_default();
        let roles = Role::ALL
            .into_iter()
            .filter(|r| a.actor.role == Role::Admin || *r != Role::Admin)
            .map(|r| (r.code(), t(l, &format!("role.{}", r.code()))))
            .collect();
        Ok(UsersPage { l: layout(st, l, uri, plan.as_deref(), Some(a)).await, rows, orgs, roles, notice, error, name: typed.0, org: typed.1, role: typed.2 })
    }
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    match UsersPage::of(&st, l, &uri, &a, String::new(), String::new(), Default::default()).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// The page again after a change: `notice` when done; else the refusal, with what was typed.
async fn answer(
    st: &AppState,
    l: Locale,
    uri: &OriginalUri,
    a: &Authed,
    done: Result<String, ecociv_app::AppError>,
    typed: (String, String, String),
) -> Response {
    let (status, notice, error, typed) = match done {
        Ok(n) => (StatusCode::OK, n, String::new(), Default::default()),
        Err(e) if e.code == "forbidden" => return error_page(st, l, uri, e),
        Err(e) => {
            let status = crate::error::WebError::from(e.clone()).status;
            let mut msg = e.describe(l);
            if let Some(valid) = e.fields.get("valid") {
                msg = format!("{}（{}：{valid}）", e.message(l), t(l, "users.valid_orgs"));
            }
            (status, String::new(), msg, typed)
        }
    };
    match UsersPage::of(st, l, uri, a, notice, error, typed).await {
        Ok(p) => (status, render(&p)).into_response(),
        Err(e) => error_page(st, l, uri, e),
    }
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    name: String,
    org: String,
    role: String,
}

async fn add(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<AddForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let typed = (f.name.clone(), f.org.clone(), f.role.clone());
    let done = match Role::parse(&f.role) {
        None => Err(ecociv_app::AppError::bad_request("unknown_role").field("role", &f.role)),
        Some(role) => {
            users::add(&st, &a.actor, &f.name, &f.org, role).await.map(|(u, password)| tf(l, "users.added", &[("name", u.name), ("password", password)]))
        }
    };
    answer(&st, l, &uri, &a, done, typed).await
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    role: String,
}

async fn change(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(name): P<String>, F(f): F<ChangeForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let what = match (f.action.as_str(), Role::parse(&f.role)) {
        ("role", Some(r)) => Ok(Change::Role(r)),
        ("disable", _) => Ok(Change::Disable),
        ("enable", _) => Ok(Change::Enable),
        ("reset", _) => Ok(Change::ResetPassword),
        ("unlock", _) => Ok(Change::Unlock),
        _ => Err(ecociv_app::AppError::bad_request("unknown_action").field("action", &f.action)),
    };
    let done = match what {
        Ok(w) => users::apply(&st, &a.actor, &name, &w).await.map(|(u, password)| match password {
            Some(p) => tf(l, "users.reset", &[("name", u.name), ("password", p)]),
            None => tf(l, "users.changed", &[("name", u.name)]),
        }),
        Err(e) => Err(e),
    };
    answer(&st, l, &uri, &a, done, Default::default()).await
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/users", get(page).post(add)).route("/users/{name}", post(change))
}
