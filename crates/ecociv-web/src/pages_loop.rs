//! The pages of the data loop: sign in and out, change the password, the to-do list of each
//! user (what is due, overdue, returned; for the task force what waits for a decision and who
//! has reported this month), the forms to enter an observation or a monthly report, and the
//! page of each entry with its history and the task force's decisions. Every form carries the
//! session's CSRF token; every rule is the one the API applies (`ecociv_app::entries`).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ecociv_core::Locale;
use ecociv_core::access::Role;
use ecociv_core::entry::{ObservationInput, ProjectReportInput, QuantityDone, TaskReportInput};
use ecociv_core::model::Plan;
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord};
use ecociv_core::todo::{Item, Standing, Subject};
use ecociv_core::trail::TrailEvent;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{self, Authed, Via};
use crate::error::{InLocale, WebError};
use crate::extract::{F, P, Q};
use crate::i18n::{Lang, t, tf};
use crate::pages::{Layout, error_page, is_local_path, render};
use crate::{ZoneQuery, api_loop};
use ecociv_app::accounts::{self, Login};
use ecociv_app::entries::{self, Decision};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_post))
        .route("/logout", post(logout))
        .route("/account/password", get(password_page).post(password_post))
        .route("/entry", get(todo))
        .route("/observations/new", get(observation_form))
        .route("/observations", post(observation_post))
        .route("/observations/{id}", get(observation_page))
        .route("/observations/{id}/decide", post(observation_decide))
        .route("/projects/{number}/report", get(project_report_form).post(project_report_post))
        .route("/tasks/{number}/report", get(task_report_form).post(task_report_post))
        .route("/dispatch-reports/{id}", get(dispatch_page))
        .route("/dispatch-reports/{id}/decide", post(dispatch_decide))
        .route("/observations/{id}/evidence", post(observation_upload).layer(axum::extract::DefaultBodyLimit::max(crate::api_loop::UPLOAD_BODY_LIMIT)))
        .route("/dispatch-reports/{id}/evidence", post(dispatch_upload).layer(axum::extract::DefaultBodyLimit::max(crate::api_loop::UPLOAD_BODY_LIMIT)))
        .route("/controls", get(controls_page))
        .route("/controls/settings", post(controls_settings))
        .route("/controls/periods", post(controls_period))
}

fn kind_label(kind: &str, l: Locale) -> &'static str {
    if kind == "project" { t(l, "col.project") } else { t(l, "col.task") }
}

fn state_label(s: EntryState, l: Locale) -> &'static str {
    match s {
        EntryState::Submitted => t(l, "state.submitted"),
        EntryState::Returned => t(l, "state.returned"),
        EntryState::Approved => t(l, "state.approved"),
    }
}

/// Who is signed in, for the header of every page.
pub struct Session {
    pub name: String,
    pub role: &'static str,
    pub org: String,
    pub csrf: String,
    pub task_force: bool,
}

impl Session {
    pub fn of(a: &Authed) -> Session {
        Session {
            name: a.actor.name.clone(),
            role: a.actor.role.code(),
            org: a.actor.org_unit.clone(),
            csrf: a.csrf.clone(),
            task_force: matches!(a.actor.role, Role::TaskForce | Role::Admin),
        }
    }
}

pub(crate) async fn layout(st: &AppState, l: Locale, uri: &OriginalUri, plan: Option<&Plan>, a: Option<&Authed>) -> Layout {
    let mut lay = Layout::new(st, l, uri, plan, &ZoneQuery::default());
    lay.session = a.map(Session::of);
    lay
}

// ---------- sign in ----------

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
    render(&LoginPage { l: layout(&st, l, &uri, plan.as_ref(), None).await, back, name: String::new(), error: String::new() })
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
    let page = LoginPage { l: layout(&st, l, &uri, plan.as_ref(), None).await, back, name: f.name, error };
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
    render(&PasswordPage { l: layout(&st, l, &uri, plan.as_ref(), Some(&a)).await, errors: vec![], done: false })
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
        let page = PasswordPage { l: layout(&st, l, &uri, plan.as_ref(), Some(&a)).await, errors, done: false };
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
            let page = PasswordPage { l: layout(&st, l, &uri, plan.as_ref(), Some(&a)).await, errors: vec![], done: true };
            let mut r = render(&page);
            let cookie = auth::session_cookie(&id, auth::is_tls(&headers, &st), st.idle_minutes);
            r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ascii"));
            r
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

// ---------- the to-do list ----------

struct TodoRow {
    what: String,
    href: String,
    due: String,
    state: String,
    class: &'static str,
    note: String,
}

struct Completeness {
    project: u32,
    name: String,
    implementers: String,
    state: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    l: Layout,
    returned: Vec<TodoRow>,
    observations: Vec<TodoRow>,
    reports: Vec<TodoRow>,
    pending: Vec<TodoRow>,
    month: String,
    completeness: Vec<Completeness>,
    reported: usize,
}

/// One to-do item as a row: what, where to go, due date, state, style class, note.
fn todo_row(plan: &Plan, item: &Item, l: Locale) -> TodoRow {
    let (what, new_href) = match &item.subject {
        Subject::Observation { indicator, year, .. } if item.due.is_some() => {
            (format!("{indicator} {} · {year}", plan.leaf_name(indicator, l)), format!("/observations/new?indicator={indicator}&year={year}"))
        }
        Subject::Observation { indicator, year, region } if region.is_empty() => (format!("{indicator} · {year}"), String::new()),
        Subject::Observation { indicator, year, region } => (format!("{indicator} · {year} {region}"), String::new()),
        Subject::Project { number, period } if item.due.is_some() => {
            let name = plan.project(*number).map(|p| p.name.as_str()).unwrap_or_default();
            (format!("{number} {name} · {period}"), format!("/projects/{number}/report?period={period}"))
        }
        Subject::Task { number, period } if item.due.is_some() => {
            let title = plan.task(*number).map(|x| x.title.as_str()).unwrap_or_default();
            (format!("{} {number} {title} · {period}", t(l, "col.task")), format!("/tasks/{number}/report?period={period}"))
        }
        Subject::Project { number, period } => (format!("{} {number} · {period}", kind_label("project", l)), String::new()),
        Subject::Task { number, period } => (format!("{} {number} · {period}", kind_label("task", l)), String::new()),
    };
    let (state, class, href) = match item.standing {
        Standing::Sent { entity, id, state, .. } => {
            let path = if entity == "observation" { "observations" } else { "dispatch-reports" };
            (state_label(state, l).to_string(), state.code(), format!("/{path}/{id}"))
        }
        Standing::Overdue => (t(l, "todo.overdue").to_string(), "overdue", new_href),
        Standing::Due => (t(l, "todo.due").to_string(), "due", new_href),
    };
    TodoRow { what, href, due: item.due.map(|d| d.to_string()).unwrap_or_default(), state, class, note: item.note.clone() }
}

async fn todo(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let todo = match ecociv_app::todo::todo(&st, &plan, &a.actor).await {
        Ok(x) => x,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let rows = |items: &[Item]| items.iter().map(|i| todo_row(&plan, i, l)).collect::<Vec<_>>();
    let late = |i: &Item| matches!(i.standing, Standing::Sent { late: true, .. });
    let pending = todo
        .pending
        .iter()
        .map(|i| {
            let who = if i.org_unit.is_empty() { i.note.clone() } else { format!("{} · {}", i.org_unit, i.note) };
            let note = format!("{who}{}", if late(i) { format!(" · {}", t(l, "todo.late")) } else { String::new() });
            TodoRow { note, ..todo_row(&plan, i, l) }
        })
        .collect();
    let completeness = todo
        .completeness
        .iter()
        .filter_map(|i| {
            let Subject::Project { number, .. } = i.subject else { return None };
            let p = plan.project(number)?;
            let row = todo_row(&plan, i, l);
            let (state, class) = if late(i) { (format!("{} · {}", row.state, t(l, "todo.late")), "late") } else { (row.state, row.class) };
            Some(Completeness { project: number, name: p.name.clone(), implementers: p.implementers.join("、"), state, class })
        })
        .collect();
    let page = TodoPage {
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        returned: rows(&todo.returned),
        observations: rows(&todo.observations),
        reports: rows(&todo.reports),
        pending,
        month: todo.month.to_string(),
        completeness,
        reported: todo.reported,
    };
    render(&page)
}

// ---------- observations ----------

#[derive(Deserialize, Default)]
struct ObservationQuery {
    indicator: Option<String>,
    year: Option<String>,
    region: Option<String>,
}

#[derive(Template)]
#[template(path = "observation_form.html")]
struct ObservationFormPage {
    l: Layout,
    indicator: String,
    indicator_name: String,
    unit: String,
    target: String,
    year: String,
    region: String,
    value: String,
    comment: String,
    explanation: String,
    errors: Vec<(String, String)>,
    choices: Vec<String>,
}

fn leaf_info(plan: &Plan, code: &str, l: Locale) -> (String, String, String, Vec<String>) {
    match plan.leaf(code) {
        Some(leaf) => {
            let name = plan.leaf_name(code, l);
            let choices = match leaf.target.parse_rule().map(|r| r.value_kind()) {
                Ok(ecociv_core::rule::ValueKind::State(w)) => w.accepted_values(),
                _ => vec![],
            };
            (name, leaf.unit.to_string(), leaf.target.printed.clone(), choices)
        }
        None => Default::default(),
    }
}

async fn observation_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, Q(q): Q<ObservationQuery>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let indicator = q.indicator.unwrap_or_default();
    let (indicator_name, unit, target, choices) = leaf_info(&plan, &indicator, l);
    let page = ObservationFormPage {
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        indicator,
        indicator_name,
        unit,
        target,
        year: q.year.unwrap_or_default(),
        region: q.region.unwrap_or_default(),
        value: String::new(),
        comment: String::new(),
        explanation: String::new(),
        errors: vec![],
        choices,
    };
    render(&page)
}

#[derive(Deserialize)]
struct ObservationForm {
    #[serde(default)]
    csrf: String,
    indicator: String,
    year: String,
    #[serde(default)]
    region: String,
    value: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    explanation: String,
}

async fn observation_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<ObservationForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let year: Option<i32> = f.year.trim().parse().ok();
    let input = ObservationInput {
        indicator: f.indicator.trim().to_string(),
        year: year.unwrap_or(0),
        region: Some(f.region.clone()).filter(|r| !r.trim().is_empty()),
        value: serde_json::Value::String(f.value.clone()),
        comment: f.comment.clone(),
        explanation: Some(f.explanation.clone()).filter(|e| !e.trim().is_empty()),
    };
    let result = match year {
        Some(_) => entries::submit_observation(&st, &a.actor, &input).await,
        None => Err(ecociv_app::AppError::invalid(vec![ecociv_core::entry::FieldError::new(
            "year",
            "bad_year",
            "年份应为四位数字",
            "the year must have four digits",
        )])),
    };
    match result {
        Ok(o) => Redirect::to(&format!("/observations/{}", o.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            let e = e.in_locale(l);
            let errors: Vec<(String, String)> = if e.checks.is_empty() {
                vec![(String::new(), e.message())]
            } else {
                e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect()
            };
            let (indicator_name, unit, target, choices) = leaf_info(&plan, &f.indicator, l);
            let page = ObservationFormPage {
                l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
                indicator: f.indicator,
                indicator_name,
                unit,
                target,
                year: f.year,
                region: f.region,
                value: f.value,
                comment: f.comment,
                explanation: f.explanation,
                errors,
                choices,
            };
            (e.status, render(&page)).into_response()
        }
        Err(e) => error_page(&st, l, &uri, e),
    }
}

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
    reason: String,
    change: String,
}

/// The fields of an entry the history shows, with the label of each.
const HISTORY_FIELDS: [(&str, &str); 7] = [
    ("value", "obs.value"),
    ("state", "todo.state"),
    ("progress_percent", "report.progress_percent"),
    ("investment_month_wan", "report.month_wan"),
    ("investment_cumulative_wan", "report.cumulative_wan"),
    ("status", "report.status"),
    ("progress", "report.progress_text"),
];

/// A trail action (`dispatch_report.submitted`, …) in locale `l`; an unknown one as it is.
fn action_label(action: &str, l: Locale) -> String {
    crate::i18n::t_opt(l, &format!("history.{action}")).unwrap_or(action).to_string()
}

/// A field's value as the history shows it: entry states and project statuses by their labels.
fn history_value(key: &str, v: Option<&serde_json::Value>, l: Locale) -> String {
    let Some(v) = v else { return "—".into() };
    let raw = v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
    match key {
        "state" => EntryState::parse(&raw).map(|s| state_label(s, l).to_string()).unwrap_or(raw),
        "status" => ecociv_core::entry::ProjectStatus::parse(&raw).map(|s| s.label(l).to_string()).unwrap_or(raw),
        _ => raw,
    }
}

fn history_rows(events: &[TrailEvent], l: Locale) -> Vec<HistoryRow> {
    events
        .iter()
        .map(|e| {
            let fields = |s: &str| -> HashMap<String, serde_json::Value> { serde_json::from_str(s).unwrap_or_default() };
            let (before, after) = (fields(&e.before), fields(&e.after));
            let mut change: Vec<String> = Vec::new();
            for (key, label) in HISTORY_FIELDS {
                let (b, a) = (before.get(key), after.get(key));
                if a.is_some() && b != a {
                    change.push(format!("{}: {} → {}", t(l, label), history_value(key, b, l), history_value(key, a, l)));
                }
            }
            HistoryRow {
                at: e.at.chars().take(19).collect::<String>().replace('T', " "),
                actor: e.actor.clone(),
                action: action_label(&e.action, l),
                reason: e.reason.clone(),
                change: change.join(if l == Locale::En { "; " } else { "；" }),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "observation.html")]
struct ObservationPage {
    l: Layout,
    o: ObservationRecord,
    state: &'static str,
    name: String,
    unit: String,
    target: String,
    history: Vec<HistoryRow>,
    can_decide: bool,
    can_fix: bool,
    choices: Vec<String>,
    decide_action: String,
    state_code: &'static str,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
}

async fn observation_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let o = match st.store.observation(&plan.zone.code, id).await {
        Ok(Some(o))
            if a.actor.can_approve(&plan)
                || a.actor.role == Role::Viewer
                || a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str)) =>
        {
            o
        }
        Ok(_) => return error_page(&st, l, &uri, WebError::not_found("unknown_entry").field("id", &id.to_string())),
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let history = st.store.trail_for(&plan.zone.code, "observation", &id.to_string()).await.unwrap_or_default();
    let (name, unit, target, choices) = leaf_info(&plan, &o.indicator, l);
    let can_fix =
        o.state == EntryState::Returned && a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str));
    let page = ObservationPage {
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        state: state_label(o.state, l),
        name,
        unit,
        target,
        history: history_rows(&history, l),
        can_decide: a.actor.can_approve(&plan),
        can_fix,
        choices,
        decide_action: format!("/observations/{}/decide", o.id),
        state_code: o.state.code(),
        evidence: st.store.evidence_of(&plan.zone.code, "observation", o.id).await.unwrap_or_default(),
        upload_action: format!("/observations/{}/evidence", o.id),
        can_upload: o.state != EntryState::Approved
            && a.actor.can_enter_observation(&plan, &o.indicator, Some(&o.region).filter(|r| !r.is_empty()).map(String::as_str)),
        o,
    };
    render(&page)
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn observation_decide(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, F(f): F<DecideForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let Some(d) = Decision::parse(&f.decision) else {
        return error_page(&st, l, &uri, WebError::bad_request("bad_query").field("decision", &f.decision));
    };
    match entries::decide_observation(&st, &a.actor, id, d, &f.reason).await {
        Ok(o) => Redirect::to(&format!("/observations/{}", o.id)).into_response(),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

// ---------- dispatch reports ----------

#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    l: Layout,
    action: String,
    subject: String,
    is_task: bool,
    budget: String,
    last: String,
    period: String,
    status: String,
    progress_percent: String,
    investment_month_wan: String,
    investment_cumulative_wan: String,
    progress: String,
    quantities: Vec<(usize, String, String)>,
    benefits: String,
    problems: String,
    explanation: String,
    errors: Vec<(String, String)>,
}

fn last_report(reports: &[DispatchRecord], kind: &str, number: u32, org: &str) -> Option<DispatchRecord> {
    reports
        .iter()
        .filter(|r| r.kind == kind && r.subject == i64::from(number) && (kind == "project" || r.org_unit == org))
        .max_by(|a, b| a.period.cmp(&b.period))
        .cloned()
}

async fn report_form(
    st: &AppState,
    l: Locale,
    uri: &OriginalUri,
    a: &Authed,
    is_task: bool,
    number: u32,
    period: Option<String>,
) -> Result<ReportFormPage, WebError> {
    let plan = entries::plan_of(st, &a.actor).await?;
    let reports = st.store.dispatch_reports(&plan.zone.code).await?;
    let period = period.unwrap_or_else(|| ecociv_core::todo::report_month(st.today()).to_string());
    let (subject, budget, last, quantities) = if is_task {
        let task = plan.task(number).ok_or_else(|| WebError::not_found("unknown_task").field("number", &number.to_string()))?;
        let last = last_report(&reports, "task", number, &a.actor.org_unit);
        let done: Vec<(usize, String)> = last.as_ref().and_then(|r| serde_json::from_str(&r.quantities).ok()).unwrap_or_default();
        let quantities = task
            .quantities
            .iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    i,
                    format!("{} {} {} {}", q.what, q.comparison, q.amount, q.unit),
                    done.iter().find(|(j, _)| *j == i).map(|(_, d)| d.clone()).unwrap_or_default(),
                )
            })
            .collect();
        (
            format!("{} {}. {}", t(l, "col.task"), task.number, task.title),
            String::new(),
            last.map(|r| format!("{} · {}", r.period, state_label(r.state, l))).unwrap_or_default(),
            quantities,
        )
    } else {
        let p = plan.project(number).ok_or_else(|| WebError::not_found("unknown_project").field("number", &number.to_string()))?;
        let last = last_report(&reports, "project", number, "");
        let budget =
            p.budget.as_ref().map(|b| format!("{} 亿元 = {} 万元", b.yi, (b.yi * rust_decimal::Decimal::from(10_000)).normalize())).unwrap_or_default();
        let last = last
            .map(|r| format!("{} · {} · {}% · {} 万元 · {}", r.period, r.status, r.progress_percent, r.investment_cumulative_wan, state_label(r.state, l)))
            .unwrap_or_default();
        (format!("{} {}. {}", t(l, "col.project"), p.number, p.name), budget, last, vec![])
    };
    Ok(ReportFormPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        action: format!("/{}/{number}/report", if is_task { "tasks" } else { "projects" }),
        subject,
        is_task,
        budget,
        last,
        period,
        status: "under_way".into(),
        progress_percent: String::new(),
        investment_month_wan: String::new(),
        investment_cumulative_wan: String::new(),
        progress: String::new(),
        quantities,
        benefits: String::new(),
        problems: String::new(),
        explanation: String::new(),
        errors: vec![],
    })
}

async fn project_report_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, Q(q): Q<PeriodQuery>) -> Response {
    match report_form(&st, l, &uri, &a, false, number, q.period).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

async fn task_report_form(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, Q(q): Q<PeriodQuery>) -> Response {
    match report_form(&st, l, &uri, &a, true, number, q.period).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// The report form's fields; task quantities come as `q0`, `q1`, ….
#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    period: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress_percent: String,
    #[serde(default)]
    investment_month_wan: String,
    #[serde(default)]
    investment_cumulative_wan: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    benefits: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    explanation: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

async fn report_post(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, is_task: bool, number: u32, f: ReportForm) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(st, l, uri, e);
    }
    let result = if is_task {
        let quantities = f
            .rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix('q')?.parse::<usize>().ok()?, v)))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| QuantityDone { index: i, done: serde_json::Value::String(v.clone()) })
            .collect();
        let input = TaskReportInput { period: f.period.clone(), progress: f.progress.clone(), quantities, problems: f.problems.clone() };
        entries::submit_task_report(st, &a.actor, number, &input).await
    } else {
        let input = ProjectReportInput {
            period: f.period.clone(),
            status: f.status.clone(),
            progress_percent: serde_json::Value::String(f.progress_percent.clone()),
            investment_month_wan: serde_json::Value::String(f.investment_month_wan.clone()),
            investment_cumulative_wan: Some(f.investment_cumulative_wan.clone()).filter(|c| !c.trim().is_empty()).map(serde_json::Value::String),
            benefits: f.benefits.clone(),
            problems: f.problems.clone(),
            explanation: Some(f.explanation.clone()).filter(|e| !e.trim().is_empty()),
        };
        entries::submit_project_report(st, &a.actor, number, &input).await
    };
    match result {
        Ok(r) => Redirect::to(&format!("/dispatch-reports/{}", r.id)).into_response(),
        Err(e) if matches!(e.kind, ecociv_app::Kind::Invalid | ecociv_app::Kind::Conflict) => {
            let e = e.in_locale(l);
            let mut page = match report_form(st, l, uri, a, is_task, number, Some(f.period.clone())).await {
                Ok(p) => p,
                Err(e2) => return error_page(st, l, uri, e2),
            };
            page.errors = if e.checks.is_empty() {
                vec![(String::new(), e.message())]
            } else {
                e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect()
            };
            page.status = f.status;
            page.progress_percent = f.progress_percent;
            page.investment_month_wan = f.investment_month_wan;
            page.investment_cumulative_wan = f.investment_cumulative_wan;
            page.progress = f.progress;
            page.benefits = f.benefits;
            page.problems = f.problems;
            page.explanation = f.explanation;
            for q in page.quantities.iter_mut() {
                q.2 = f.rest.get(&format!("q{}", q.0)).cloned().unwrap_or_default();
            }
            (e.status, render(&page)).into_response()
        }
        Err(e) => error_page(st, l, uri, e),
    }
}

async fn project_report_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, F(f): F<ReportForm>) -> Response {
    report_post(&st, l, &uri, &a, false, number, f).await
}

async fn task_report_post(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(number): P<u32>, F(f): F<ReportForm>) -> Response {
    report_post(&st, l, &uri, &a, true, number, f).await
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    l: Layout,
    r: DispatchRecord,
    subject: String,
    state: &'static str,
    history: Vec<HistoryRow>,
    can_decide: bool,
    can_fix: bool,
    fix_href: String,
    status_label: String,
    decide_action: String,
    state_code: &'static str,
    evidence: Vec<ecociv_core::record::EvidenceRecord>,
    upload_action: String,
    can_upload: bool,
}

async fn dispatch_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>) -> Response {
    let plan = match entries::plan_of(&st, &a.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let r = match st.store.dispatch(&plan.zone.code, id).await {
        Ok(Some(r)) if api_loop::may_see_dispatch(&a.actor, &plan, &r) => r,
        Ok(_) => return error_page(&st, l, &uri, WebError::not_found("unknown_entry").field("id", &id.to_string())),
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let history = st.store.trail_for(&plan.zone.code, "dispatch_report", &id.to_string()).await.unwrap_or_default();
    let subject = if r.kind == "project" {
        plan.project(r.subject as u32).map(|p| format!("{} {}. {}", t(l, "col.project"), p.number, p.name)).unwrap_or_default()
    } else {
        plan.task(r.subject as u32).map(|x| format!("{} {}. {}", t(l, "col.task"), x.number, x.title)).unwrap_or_default()
    };
    let can_fix = r.state == EntryState::Returned && r.org_unit == a.actor.org_unit;
    let fix_href = format!("/{}/{}/report?period={}", if r.kind == "project" { "projects" } else { "tasks" }, r.subject, r.period);
    let page = DispatchPage {
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        subject,
        state: state_label(r.state, l),
        history: history_rows(&history, l),
        can_decide: a.actor.can_approve(&plan),
        can_fix,
        fix_href,
        status_label: ecociv_core::entry::ProjectStatus::parse(&r.status).map(|s| s.label(l).to_string()).unwrap_or_else(|| r.status.clone()),
        decide_action: format!("/dispatch-reports/{}/decide", r.id),
        state_code: r.state.code(),
        evidence: st.store.evidence_of(&plan.zone.code, "dispatch_report", r.id).await.unwrap_or_default(),
        upload_action: format!("/dispatch-reports/{}/evidence", r.id),
        can_upload: r.state != EntryState::Approved && r.org_unit == a.actor.org_unit,
        r,
    };
    render(&page)
}

async fn dispatch_decide(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, F(f): F<DecideForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let Some(d) = Decision::parse(&f.decision) else {
        return error_page(&st, l, &uri, WebError::bad_request("bad_query").field("decision", &f.decision));
    };
    match entries::decide_dispatch(&st, &a.actor, id, d, &f.reason).await {
        Ok(r) => Redirect::to(&format!("/dispatch-reports/{}", r.id)).into_response(),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

/// An upload from a page: the `csrf` field, then the `file`.
async fn page_upload(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, entity: &str, id: i64, mut m: axum::extract::Multipart) -> Response {
    let back = format!("/{}/{id}", if entity == "observation" { "observations" } else { "dispatch-reports" });
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match m.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                let file_name = f.file_name().unwrap_or_default().to_string();
                match f.bytes().await {
                    Ok(b) if name == "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                    Ok(b) if name == "file" => file = Some((file_name, b.to_vec())),
                    Ok(_) => {}
                    Err(_) => return error_page(st, l, uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(st, l, uri, WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
        }
    }
    if let Err(e) = a.check_csrf(Some(&csrf)) {
        return error_page(st, l, uri, e);
    }
    let Some((name, bytes)) = file else {
        return error_page(
            st,
            l,
            uri,
            WebError::invalid(vec![ecociv_core::entry::FieldError::new("file", "required", "请选择要上传的文件", "choose a file to upload")]),
        );
    };
    match entries::attach(st, &a.actor, entity, id, &name, &bytes).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(st, l, uri, e),
    }
}

async fn observation_upload(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, m: axum::extract::Multipart) -> Response {
    page_upload(&st, l, &uri, &a, "observation", id, m).await
}

async fn dispatch_upload(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, P(id): P<i64>, m: axum::extract::Multipart) -> Response {
    page_upload(&st, l, &uri, &a, "dispatch_report", id, m).await
}

// ---------- the task force's controls ----------

#[derive(Template)]
#[template(path = "controls.html")]
struct ControlsPage {
    l: Layout,
    dispatch_due_day: u32,
    observation_due: String,
    jump_bound: String,
    regional: String,
    periods: Vec<ecociv_core::record::PeriodRecord>,
    errors: Vec<(String, String)>,
}

async fn controls_of(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, errors: Vec<(String, String)>) -> Result<ControlsPage, WebError> {
    let plan = entries::plan_of(st, &a.actor).await?;
    if !a.actor.can_approve(&plan) {
        return Err(WebError::forbidden());
    }
    let s = entries::settings_of(st, &plan.zone.code).await?;
    Ok(ControlsPage {
        l: layout(st, l, uri, Some(&plan), Some(a)).await,
        dispatch_due_day: s.dispatch_due_day,
        observation_due: format!("{:02}-{:02}", s.observation_due.0, s.observation_due.1),
        jump_bound: s.jump_bound.normalize().to_string(),
        regional: s.regional_indicators.join(", "),
        periods: st.store.periods(&plan.zone.code).await?,
        errors,
    })
}

async fn controls_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    match controls_of(&st, l, &uri, &a, vec![]).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&st, l, &uri, e),
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    dispatch_due_day: String,
    observation_due: String,
    jump_bound: String,
    #[serde(default)]
    regional: String,
}

async fn controls_settings(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<SettingsForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let input = entries::SettingsInput {
        dispatch_due_day: f.dispatch_due_day.trim().parse().unwrap_or(0),
        observation_due: f.observation_due,
        jump_bound: serde_json::Value::String(f.jump_bound),
        regional_indicators: f.regional.split([',', '，', ' ', '、']).map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
    };
    controls_result(&st, l, &uri, &a, entries::set_settings(&st, &a.actor, &input).await.map(|_| ()).map_err(WebError::from)).await
}

#[derive(Deserialize)]
struct PeriodForm {
    #[serde(default)]
    csrf: String,
    period: String,
    action: String,
    #[serde(default)]
    reason: String,
}

async fn controls_period(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed, F(f): F<PeriodForm>) -> Response {
    if let Err(e) = a.check_csrf(Some(&f.csrf)) {
        return error_page(&st, l, &uri, e);
    }
    let action = match f.action.as_str() {
        "lock" => entries::PeriodAction::Lock,
        "unlock" => entries::PeriodAction::Unlock,
        _ => entries::PeriodAction::Open,
    };
    controls_result(&st, l, &uri, &a, entries::set_period(&st, &a.actor, &f.period, action, &f.reason).await.map(|_| ()).map_err(WebError::from)).await
}

async fn controls_result(st: &AppState, l: Locale, uri: &OriginalUri, a: &Authed, r: Result<(), WebError>) -> Response {
    match r {
        Ok(()) => Redirect::to("/controls").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = e.checks.iter().map(|c| (c.field.clone(), c.message(l).to_string())).collect();
            match controls_of(st, l, uri, a, errors).await {
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
                Err(e) => error_page(st, l, uri, e),
            }
        }
        Err(e) => error_page(st, l, uri, e),
    }
}
