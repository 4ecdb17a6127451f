//! The work tasks of a plan: the pages `/tasks` and `/tasks/{n}`, and `/api/v1/tasks`.

use crate::auth::MaybeAuthed;
use crate::error::{ApiResult, ErrorBody};
use crate::error::{InLocale, WebError};
use crate::extract::{P, Q};
use crate::i18n::{Lang, t};
use crate::layout::plan_or_page;
use crate::layout::{Layout, error_page, render};
use crate::state::{AppState, ZoneQuery};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ecociv_core::audit::Finding;
use ecociv_core::model::*;

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    l: Layout,
    sections: Vec<(&'static str, Vec<Task>)>,
}

async fn tasks_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let sections = [(1, "tasks.section1"), (2, "tasks.section2")]
        .into_iter()
        .map(|(n, key)| (t(l, key), plan.tasks.iter().filter(|t| t.section == n).cloned().collect()))
        .collect();
    render(&TasksPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), sections })
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    l: Layout,
    task: Task,
    indicators: Vec<(String, String)>,
    findings: Vec<Finding>,
}

async fn task_page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, m: MaybeAuthed, P(number): P<String>, Q(zq): Q<ZoneQuery>) -> Response {
    let plan = plan_or_page!(st, l, uri, zq);
    let Some(task) = number.parse().ok().and_then(|n| plan.task(n)).cloned() else {
        return error_page(&st, l, &uri, WebError::not_found("unknown_task").field("number", &number));
    };
    let indicators = task.indicators.iter().map(|c| (c.clone(), plan.leaf_name(c, l))).collect();
    let findings = plan.findings.iter().filter(|f| f.place.table == "tasks" && f.place.row == task.number.to_string()).cloned().collect();
    render(&TaskPage { l: Layout::new(&st, l, &uri, Some(&plan), &zq).with(m), task, indicators, findings })
}

/// The name of an indicator or sub-indicator code in locale `l` (English where the plan has it).

#[utoipa::path(get, path = "/api/v1/tasks", params(ZoneQuery), responses((status = 200, body = [Task]), (status = 404, body = ErrorBody)))]
async fn tasks(State(st): State<AppState>, Lang(l): Lang, Q(q): Q<ZoneQuery>) -> ApiResult<Vec<Task>> {
    Ok(Json(st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?.tasks.clone()))
}

#[utoipa::path(get, path = "/api/v1/tasks/{number}", params(("number" = String, Path), ZoneQuery),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
async fn task(State(st): State<AppState>, Lang(l): Lang, P(number): P<String>, Q(q): Q<ZoneQuery>) -> ApiResult<Task> {
    let p = st.plan(q.zone.as_deref()).await.map_err(|e| e.in_locale(l))?;
    let t = number.parse().ok().and_then(|n| p.task(n)).ok_or_else(|| WebError::not_found("unknown_task").field("number", &number).in_locale(l))?;
    Ok(Json(t.clone()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks_page))
        .route("/tasks/{number}", get(task_page))
        .route("/api/v1/tasks", get(tasks))
        .route("/api/v1/tasks/{number}", get(task))
}

/// The documented routes of tasks.
#[derive(utoipa::OpenApi)]
#[openapi(paths(tasks, task), components(schemas(Task, Quantity)))]
pub struct Doc;
