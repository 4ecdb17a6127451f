//! The zones under a zone, rolled up (a city's task force over its counties and districts):
//! each one's indicators on their approved values, its review readiness and how its units
//! reported the latest month, side by side, from each zone's own views. The zone above reads
//! them; it drills into a zone through its public pages (approved data only), and acts in none.
//! The platform's administrators read every zone so (the national view), counted by province
//! (the first two digits of a zone's division code) and narrowed to one.
//!
//! Each zone's summary is kept ([`crate::views::Summaries`]) with the versions of its data and the day it is
//! for: at national scale a roll-up reads one row of versions per zone and computes again only
//! the zones whose data moved, where a thousand zones' plans and views would not all stay in
//! memory together.

use chrono::NaiveDate;
use ecociv_core::access::{Actor, Role};
use ecociv_core::rollup::{ZoneSummary, summarize};

use crate::App;
use crate::error::AppError;

/// The zones whose parent is the actor's zone, each summed up: for the task force, the
/// administrators and the viewers of that zone.
pub async fn children(st: &App, actor: &Actor) -> Result<Vec<ZoneSummary>, AppError> {
    let plan = crate::entries::plan_of(st, actor).await?;
    // the zone's own task force and viewers; not the zone above acting in it (each zone below
    // says for itself what the zone above it may read)
    let reads = actor.can_approve(&plan) || (actor.role == Role::Viewer && actor.zone == plan.zone.code && actor.parent.is_none());
    if !reads {
        return Err(AppError::forbidden());
    }
    let code = plan.zone.code.clone();
    summaries(st, |z| z.parent.as_deref() == Some(code.as_str())).await
}

/// Every zone of the platform, each summed up: the national view, for its administrators; with
/// `province` (the two digits that begin its zones' division codes, `15`), one province's
/// zones (`unknown_province` for two digits that name none).
pub async fn national(st: &App, actor: &Actor, province: Option<&str>) -> Result<Vec<ZoneSummary>, AppError> {
    if actor.role != Role::Admin {
        return Err(AppError::forbidden());
    }
    match province.map(str::trim) {
        None | Some("") => summaries(st, |_| true).await,
        Some(p) => {
            if ecociv_core::rollup::province(p).is_none() {
                return Err(AppError::not_found("unknown_province").field("province", p));
            }
            summaries(st, |z| ecociv_core::rollup::province_of(&z.code).is_some_and(|(code, _, _)| *code == p)).await
        }
    }
}

/// The zones that `pick` chooses, each summed up.
async fn summaries(st: &App, pick: impl Fn(&ecociv_core::model::Zone) -> bool) -> Result<Vec<ZoneSummary>, AppError> {
    let today = st.today();
    let mut out = Vec::new();
    for zone in st.zones().await?.iter().filter(|z| pick(z)) {
        out.push(summary(st, &zone.code, today).await?);
    }
    Ok(out)
}

/// One zone summed up from its own views: the kept summary while the zone's data stays.
async fn summary(st: &App, code: &str, today: NaiveDate) -> Result<ZoneSummary, AppError> {
    let versions = st.versions(code).await?;
    if let Some(s) = st.summaries.get(code, versions, today) {
        return Ok(s);
    }
    let child = st.plan(Some(code)).await?;
    let standings = crate::standings::approved_standings(st, &child, ecociv_core::Locale::Zh, Default::default()).await?;
    let readiness = crate::readiness::readiness(st, &child).await?;
    let month = ecociv_core::dispatch::latest_month(&child, today);
    // kept with the zone's views: read again only once its reports or settings change
    let reads = crate::views::Reads { observations: false, dispatch: true, controls: true };
    let plan = &*child;
    let reporting = st
        .view(code, format!("reporting/{month}/{today}"), reads, |store| async move {
            let reports = ecociv_core::lineage::reports_for(plan, store.dispatch_reports(code).await?);
            let due_day = crate::entries::settings_of(st, code).await?.dispatch_due_day;
            Ok(ecociv_core::rollup::reporting(&month.to_string(), &ecociv_core::dispatch::month(plan, &reports, month, today, due_day)))
        })
        .await?;
    let s = summarize(&child.zone, &standings, readiness.zone.clone(), (*reporting).clone());
    st.summaries.put(code, versions, today, s.clone());
    Ok(s)
}
