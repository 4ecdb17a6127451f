//! Where the plan's milestones stand by the data (`ecociv_core::clock::MilestoneState`): the
//! day each year's indicator archive was complete (every leaf with an approved zone value) and
//! the day each year's work and technical reports were issued (both numbered by the task force).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use ecociv_core::clock::{MilestoneFacts, MilestoneState, beijing_day};
use ecociv_core::model::Plan;
use ecociv_core::record::EntryState;

use crate::App;
use crate::error::AppError;
use crate::views::Reads;

/// The state of every milestone, phase by phase, on the app's today.
pub async fn states(st: &App, plan: &Plan) -> Result<Arc<Vec<Vec<MilestoneState>>>, AppError> {
    let z = &plan.zone.code;
    let reads = Reads { observations: true, dispatch: false, controls: true };
    st.view(z, format!("milestones/{}", st.today()), reads, |store| async move {
        let leaves: HashSet<&str> = plan.leaves().iter().map(|l| l.code).collect();
        // by year: the leaves with an approved zone value, and the last day one was approved
        let mut years: BTreeMap<i64, (HashSet<String>, Option<NaiveDate>)> = BTreeMap::new();
        for o in ecociv_core::lineage::observations_for(plan, store.observations(z).await?)
            .into_iter()
            .filter(|o| o.state == EntryState::Approved && o.region.is_empty())
        {
            let y = years.entry(o.year).or_default();
            y.1 = y.1.max(beijing_day(&o.decided_at));
            y.0.insert(o.indicator);
        }
        let archived = |year: i32| {
            let (done, on) = years.get(&i64::from(year))?;
            leaves.iter().all(|l| done.contains(*l)).then_some(*on).flatten()
        };
        let mastheads = store.mastheads(z).await?;
        let issued = |kind: &str, year: i32| {
            mastheads.iter().find(|m| m.kind == kind && m.period == year.to_string() && !m.number.trim().is_empty()).and_then(|m| beijing_day(&m.updated_at))
        };
        let reported = |year: i32| Some(issued("work", year)?.max(issued("technical", year)?));
        let facts = MilestoneFacts { archived: &archived, reported: &reported };
        let today = st.today();
        Ok(plan.phases.iter().map(|p| p.milestones.iter().map(|m| m.state(plan, &facts, today)).collect()).collect())
    })
    .await
}
