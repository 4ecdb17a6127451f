//! Reminders (提醒 / 催报) of a zone on the app's today: what each unit owes and at which
//! stage (`ecociv_core::reminder`), from the zone's reports, orders and rectification tasks as
//! they stand, and what was sent (the store's sent log).

use ecociv_core::access::{Actor, Role};
use ecociv_core::model::Plan;
use ecociv_core::reminder::{Reminder, ReminderSettings, owed, reminders};
use ecociv_store::ReminderLogRecord;

use crate::App;
use crate::error::AppError;

/// The reminders of the zone today (with the zone's settings: the default ones until it sets
/// its own), and those an actor may read: the task force, admins and viewers all; a unit its
/// own.
pub async fn today(st: &App, plan: &Plan, actor: &Actor) -> Result<Vec<Reminder>, AppError> {
    let z = &plan.zone.code;
    let (reports, orders, rects) = (st.store.dispatch_reports(z).await?, st.store.orders(z).await?, st.store.rectifications(z).await?);
    let due_day = crate::entries::settings_of(st, z).await?.dispatch_due_day;
    let all = reminders(&owed(plan, &reports, &orders, &rects, st.today(), due_day), st.today(), &ReminderSettings::default());
    Ok(all.into_iter().filter(|r| reads_all(actor) || r.unit == actor.org_unit).collect())
}

/// What was sent, to the units the actor may read of.
pub async fn sent(st: &App, plan: &Plan, actor: &Actor) -> Result<Vec<ReminderLogRecord>, AppError> {
    Ok(st.store.reminder_log(&plan.zone.code).await?.into_iter().filter(|r| reads_all(actor) || r.org_unit == actor.org_unit).collect())
}

fn reads_all(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::TaskForce | Role::Viewer)
}
