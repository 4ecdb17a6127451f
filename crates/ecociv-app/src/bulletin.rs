//! The monthly dispatch bulletin (月调度通报) of a zone, judged by `ecociv_core::bulletin` from
//! the zone's reports as they stood on its due date (once passed) and its due day.

use ecociv_core::bulletin::{Bulletin, build};
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;

use std::sync::Arc;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The bulletin of a month on the app's today, from the reports as they stood on the day the
/// month is judged on (`ecociv_core::dispatch::judged_on`).
pub async fn bulletin(st: &App, plan: &Plan, month: YearMonth) -> Result<Arc<Bulletin>, AppError> {
    // a month of an earlier plan is judged by that plan's projects and units
    let earlier = crate::plan_next::earlier_owner(st, plan, month.year).await?;
    let plan = earlier.as_ref().unwrap_or(plan);
    let z = &plan.zone.code;
    let reads = Reads { observations: true, dispatch: true, controls: true };
    st.views
        .get(z, format!("bulletin/{}/{month}/{}", plan.code, st.today()), reads, st.versions(z).await?, || async {
            let due_day = crate::entries::settings_of(st, z).await?.dispatch_due_day;
            let on = crate::history::entries_on(st, plan, ecociv_core::dispatch::judged_on(month, st.today(), due_day)).await?;
            let orders = st.store.orders(z).await?;
            Ok(build(plan, &on.reports, &orders, month, st.today(), due_day))
        })
        .await
}
