//! `/entry`, each user's to-do list (what is due, overdue, returned; for the task force what
//! waits for a decision and who has reported this month), rendered from `ecociv_core::todo`;
//! above them the supervision orders waiting on the user.

use crate::auth::Authed;
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page, kind_label, layout, render, state_label};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use ecociv_app::entries::{self};
use ecociv_core::Locale;
use ecociv_core::model::Plan;
use ecociv_core::todo::{Item, Standing, Subject};

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
    /// The month's reports, grouped: the projects, then the tasks shared (a region shares all
    /// 37, folded when they are many).
    project_reports: Vec<TodoRow>,
    task_reports: Vec<TodoRow>,
    /// The rectification tasks the unit owns.
    rectification_reports: Vec<TodoRow>,
    /// Of the tasks, how many are still to send.
    tasks_open: usize,
    pending: Vec<TodoRow>,
    month: String,
    completeness: Vec<Completeness>,
    reported: usize,
    /// The supervision orders waiting on the user (see `ecociv_core::supervision::waiting_on`).
    orders: Vec<crate::supervision::OrderRow>,
}

/// One to-do item as a row: what, where to go, due date, state, style class, note.
fn todo_row(plan: &Plan, item: &Item, l: Locale) -> TodoRow {
    // every item names what it is beside its code
    let project_name = |n: &u32| plan.project(*n).map(|p| p.name.as_str()).unwrap_or_default();
    let task_title = |n: &u32| plan.task(*n).map(|x| x.title.as_str()).unwrap_or_default();
    let (what, new_href) = match &item.subject {
        Subject::Observation { indicator, year, .. } if item.due.is_some() => {
            // what the year is asked as: the baseline, the archive, a year of the plan
            let why = ecociv_core::todo::year_asked(plan, *year).map(|w| format!("（{}）", t(l, w.key()))).unwrap_or_default();
            (format!("{indicator} {} · {year}{why}", plan.leaf_name(indicator, l)), format!("/observations/new?indicator={indicator}&year={year}"))
        }
        Subject::Observation { indicator, year, region } if region.is_empty() => {
            (format!("{indicator} {} · {year}", plan.leaf_name(indicator, l)), String::new())
        }
        Subject::Observation { indicator, year, region } => (format!("{indicator} {} · {year} {region}", plan.leaf_name(indicator, l)), String::new()),
        Subject::Project { number, period } if item.due.is_some() => {
            (format!("{number} {} · {period}", project_name(number)), format!("/projects/{number}/report?period={period}"))
        }
        Subject::Task { number, period } if item.due.is_some() => {
            (format!("{} {number} {} · {period}", t(l, "col.task"), task_title(number)), format!("/tasks/{number}/report?period={period}"))
        }
        Subject::Rectification { number, period } if item.due.is_some() => {
            (format!("{} {number} · {period}", t(l, "rectification.one")), format!("/rectifications/{number}/report?period={period}"))
        }
        Subject::Rectification { number, period } => (format!("{} {number} · {period}", t(l, "rectification.one")), String::new()),
        Subject::Project { number, period } => (format!("{} {number} {} · {period}", kind_label("project", l), project_name(number)), String::new()),
        Subject::Task { number, period } => (format!("{} {number} {} · {period}", kind_label("task", l), task_title(number)), String::new()),
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
    let orders = match st.store.orders(&plan.zone.code).await {
        Ok(x) => x,
        Err(e) => return error_page(&st, l, &uri, e),
    };
    let today = st.today();
    let orders =
        ecociv_core::supervision::waiting_on(&a.actor, &plan, &orders, today).into_iter().map(|o| crate::supervision::order_row(&plan, o, today, l)).collect();
    let page = TodoPage {
        orders,
        l: layout(&st, l, &uri, Some(&plan), Some(&a)).await,
        returned: rows(&todo.returned),
        observations: rows(&todo.observations),
        project_reports: rows(&todo.reports.iter().filter(|i| matches!(i.subject, Subject::Project { .. })).cloned().collect::<Vec<_>>()),
        task_reports: rows(&todo.reports.iter().filter(|i| matches!(i.subject, Subject::Task { .. })).cloned().collect::<Vec<_>>()),
        rectification_reports: rows(&todo.reports.iter().filter(|i| matches!(i.subject, Subject::Rectification { .. })).cloned().collect::<Vec<_>>()),
        tasks_open: todo.reports.iter().filter(|i| matches!(i.subject, Subject::Task { .. }) && !matches!(i.standing, Standing::Sent { .. })).count(),
        pending,
        month: todo.month.to_string(),
        completeness,
        reported: todo.reported,
    };
    render(&page)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/entry", get(todo))
}
