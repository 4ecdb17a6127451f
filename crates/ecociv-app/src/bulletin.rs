//! The monthly dispatch bulletin (月调度通报) of a zone, judged by `ecociv_core::bulletin` from
//! the zone's reports and its due day.

use ecociv_core::bulletin::{Bulletin, build};
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;

use crate::App;
use crate::error::AppError;

/// The bulletin of a month, as of the app's today.
pub async fn bulletin(st: &App, plan: &Plan, month: YearMonth) -> Result<Bulletin, AppError> {
    let reports = st.store.dispatch_reports(&plan.zone.code).await?;
    let due_day = crate::entries::settings_of(st, &plan.zone.code).await?.dispatch_due_day;
    Ok(build(plan, &reports, month, st.today(), due_day))
}
