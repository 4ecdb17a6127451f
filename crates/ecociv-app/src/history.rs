//! A zone's entries as they stood at the end of a day (see `ecociv_core::history`): what a
//! past month's bulletin, a past quarter's assessment and a past year's documents are judged
//! on. The trail is read only when some entry changed after the day.

use std::collections::HashSet;

use ecociv_core::history::{History, Versioned, changed_after};
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

/// A zone's entries as they stand, read once, to be taken as of several days (the quarters of
/// an assessment); the trail's versions are read the first time a day needs them.
pub struct Entries {
    zone: String,
    observations: Vec<ObservationRecord>,
    reports: Vec<DispatchRecord>,
    returned_ever: HashSet<String>,
    versions: tokio::sync::OnceCell<Vec<(String, String, String)>>,
}

impl Entries {
    /// The zone's entries as stored (under the codes and numbers they were sent with).
    pub async fn load(st: &App, zone: &str) -> Result<Entries, AppError> {
        Ok(Entries {
            zone: zone.into(),
            observations: st.store.observations(zone).await?,
            reports: st.store.dispatch_reports(zone).await?,
            returned_ever: st.store.returned_entries(zone).await?.into_iter().collect(),
            versions: Default::default(),
        })
    }

    /// The entries as they stood at the end of `day` (as they stand, from today on), as `plan`
    /// reads them: a plan that follows another through what it continues, an earlier plan only
    /// its own years (`ecociv_core::lineage`). Only the entries changed since the day, and
    /// changed after they were first sent (version over 1), need their history: one first sent
    /// after the day did not exist yet, one unchanged since stands as it is. The trail is read
    /// only then, and only their versions parsed; the versions are taken before the entries are
    /// mapped, as they were sent.
    pub async fn on(&self, st: &App, plan: &ecociv_core::model::Plan, day: chrono::NaiveDate) -> Result<EntriesOn, AppError> {
        let read = |on: EntriesOn| EntriesOn {
            observations: ecociv_core::lineage::observations_for(plan, on.observations),
            reports: ecociv_core::lineage::reports_for(plan, on.reports),
            returned: on.returned,
        };
        let (observations, reports) = (&self.observations, &self.reports);
        if day >= st.today() || !(changed_after(observations, day) || changed_after(reports, day)) {
            return Ok(read(EntriesOn { observations: observations.clone(), reports: reports.clone(), returned: self.returned_ever.clone() }));
        }
        let needed: HashSet<String> = needing_history(observations, day).chain(needing_history(reports, day)).collect();
        // an entry not changed since the day was returned, if ever, by then
        let dated_by: HashSet<String> = dated_by_day(observations, day).chain(dated_by_day(reports, day)).collect();
        let mut returned: HashSet<String> = self.returned_ever.intersection(&dated_by).cloned().collect();
        let empty = Vec::new();
        let versions = if needed.is_empty() { &empty } else { self.versions.get_or_try_init(|| st.store.entry_versions(&self.zone)).await? };
        let events = || versions.iter().filter(|(e, id, _)| needed.contains(&format!("{e}/{id}"))).map(|(e, _, s)| (e.as_str(), s.as_str()));
        let (o, r) = (History::<ObservationRecord>::of(events()), History::<DispatchRecord>::of(events()));
        returned.extend(o.returned_by(day));
        returned.extend(r.returned_by(day));
        Ok(read(EntriesOn { observations: o.on(observations, day), reports: r.on(reports, day), returned }))
    }
}

/// The entries of `plan`'s zone as they stood at the end of `day`, as `plan` reads them (see
/// [`Entries::on`]).
pub async fn entries_on(st: &App, plan: &ecociv_core::model::Plan, day: chrono::NaiveDate) -> Result<EntriesOn, AppError> {
    Entries::load(st, &plan.zone.code).await?.on(st, plan, day).await
}

/// `entity/id` of the entries changed after `day` that had a version before (version over 1).
fn needing_history<T: Versioned>(current: &[T], day: chrono::NaiveDate) -> impl Iterator<Item = String> + '_ {
    current.iter().filter(move |e| e.version() > 1 && e.dated().is_none_or(|d| d > day)).map(|e| format!("{}/{}", T::ENTITY, e.id()))
}

/// `entity/id` of the entries that stand, as they are now, dated on or before `day`.
fn dated_by_day<T: Versioned>(current: &[T], day: chrono::NaiveDate) -> impl Iterator<Item = String> + '_ {
    current.iter().filter(move |e| e.dated().is_some_and(|d| d <= day)).map(|e| format!("{}/{}", T::ENTITY, e.id()))
}
