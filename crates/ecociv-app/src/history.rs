//! A zone's entries as they stood at the end of a day (see `ecociv_core::history`): what a
//! past month's bulletin, a past quarter's assessment and a past year's documents are judged
//! on. The trail is read only when some entry changed after the day.

use std::collections::HashSet;

use ecociv_core::history::{History, changed_after};
use ecociv_core::record::{DispatchRecord, ObservationRecord};

use crate::App;
use crate::error::AppError;

/// The entries of a zone on a day.
pub struct EntriesOn {
    pub observations: Vec<ObservationRecord>,
    pub reports: Vec<DispatchRecord>,
    /// `entity/id` of the entries returned by then.
    pub returned: HashSet<String>,
}

/// The entries of `zone` as they stood at the end of `day` (as they stand, from today on).
pub async fn entries_on(st: &App, zone: &str, day: chrono::NaiveDate) -> Result<EntriesOn, AppError> {
    let (observations, reports) = (st.store.observations(zone).await?, st.store.dispatch_reports(zone).await?);
    if day >= st.today() || !(changed_after(&observations, day) || changed_after(&reports, day)) {
        let returned = st.store.returned_entries(zone).await?.into_iter().collect();
        return Ok(EntriesOn { observations, reports, returned });
    }
    let versions = st.store.entry_versions(zone).await?;
    let events = || versions.iter().map(|(e, s)| (e.as_str(), s.as_str()));
    let (o, r) = (History::<ObservationRecord>::of(events()), History::<DispatchRecord>::of(events()));
    let mut returned = o.returned_by(day);
    returned.extend(r.returned_by(day));
    Ok(EntriesOn { observations: o.on(&observations, day), reports: r.on(&reports, day), returned })
}
