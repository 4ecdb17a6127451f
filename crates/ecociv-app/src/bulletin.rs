//! The monthly dispatch bulletin (月调度通报) of a zone, judged by `ecociv_core::bulletin` from
//! the zone's reports and its due day.

use ecociv_core::bulletin::{Bulletin, build};
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;

use std::sync::Arc;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The bulletin of a month, as of the app's today.
pub async fn bulletin(st: &App, plan: &Plan, month: YearMonth) -> Result<Arc<Bulletin>, AppError> {
    let z = &plan.zone.code;
    let reads = Reads { observations: false, dispatch: true, controls: true };
    st.views
        .get(z, format!("bulletin/{month}/{}", st.today()), reads, st.versions(z).await?, || async {
            let reports = st.store.dispatch_reports(z).await?;
            let due_day = crate::entries::settings_of(st, z).await?.dispatch_due_day;
            Ok(build(plan, &reports, month, st.today(), due_day))
        })
        .await
}
