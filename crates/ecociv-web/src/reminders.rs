//! `/reminders`: what each unit is reminded of today — a few days before a due date, the day
//! after it, and escalated after the zone's days — with what it still owes and where to do it;
//! and what was sent. A unit reads its own; the task force, admins and viewers all.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;

use crate::auth::Authed;
use crate::i18n::{Lang, t};
use crate::layout::{Layout, error_page_for, layout, render};
use crate::state::AppState;

struct Row {
    unit: String,
    stage: &'static str,
    label: String,
    due: String,
    items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "reminders.html")]
struct Page {
    l: Layout,
    rows: Vec<Row>,
    sent: Vec<ecociv_store::ReminderLogRecord>,
    /// When the zone reminds, in words.
    note: String,
}

async fn page(State(st): State<AppState>, Lang(l): Lang, uri: OriginalUri, a: Authed) -> Response {
    let made = async {
        let plan = ecociv_app::entries::plan_of(&st, &a.actor).await?;
        let rows = ecociv_app::reminders::today(&st, &plan, &a.actor)
            .await?
            .into_iter()
            .map(|r| Row {
                stage: r.stage.code(),
                label: t(l, &format!("reminder.stage.{}", r.stage.code())).to_string(),
                due: r.due.to_string(),
                items: r.owed.iter().map(|o| (ecociv_core::reminder::describe(o, &plan, l), o.link.clone())).collect(),
                unit: r.unit,
            })
            .collect();
        let sent = ecociv_app::reminders::sent(&st, &plan, &a.actor).await?;
        let s = ecociv_core::reminder::ReminderSettings::default();
        let note = crate::i18n::tf(l, "reminder.note", &[("before", s.days_before.to_string()), ("after", s.escalate_after.to_string())]);
        Ok::<_, ecociv_app::AppError>(Page { l: layout(&st, l, &uri, Some(&plan), Some(&a)).await, rows, sent, note })
    };
    match made.await {
        Ok(p) => render(&p),
        Err(e) => error_page_for(&st, l, &uri, Some(&a), e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/reminders", get(page))
}
