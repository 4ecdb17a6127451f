//! A user's to-do list (see `ecociv_core::todo`), from the zone's entries and settings, with
//! the month's reports of the rectification tasks the user's unit owns; once the plan has
//! closed, without what can no longer be sent.

use ecociv_core::access::Actor;
use ecociv_core::model::Plan;
use ecociv_core::todo::Todo;

use crate::App;
use crate::error::AppError;

/// The to-do list of `actor`, as of the app's today.
pub async fn todo(st: &App, plan: &Plan, actor: &Actor) -> Result<Todo, AppError> {
    let z = &plan.zone.code;
    let (observations, reports) = (
        ecociv_core::lineage::observations_for(plan, st.store.observations(z).await?),
        ecociv_core::lineage::reports_for(plan, st.store.dispatch_reports(z).await?),
    );
    let settings = crate::entries::settings_of(st, z).await?;
    let mut t = ecociv_core::todo::todo(plan, actor, &observations, &reports, &settings, st.today());
    let rects = st.store.rectifications(z).await?;
    t.reports.extend(ecociv_core::todo::rectification_reports(plan, actor, &rects, &reports, &settings, st.today()));
    // once the plan has closed, nothing of its periods is asked for but what the task force
    // reopened; a plan that follows another asks nothing of that plan's periods
    let periods = crate::entries::periods_of(st, plan, &settings).await?;
    if periods.closed.is_some() || periods.earlier.is_some() {
        for items in [&mut t.returned, &mut t.observations, &mut t.reports] {
            items.retain(|i| periods.refusal(&i.subject.period()).is_none());
        }
    }
    Ok(t)
}
