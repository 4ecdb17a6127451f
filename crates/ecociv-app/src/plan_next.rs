//! The next plan of a zone from the last: its draft ([`draft`], `ecociv plan next`) under a
//! chosen framework revision, from the zone's stored plan and where its projects stood when it
//! ended (`ecociv_core::plan_next` does the drafting), written as a plan's data folder
//! ([`write`]) for the task force to edit and check (`ecociv check`-like: loading it refuses
//! every blank with its place).

use std::collections::BTreeMap;
use std::path::Path;

use ecociv_core::framework::Framework;
use ecociv_core::plan_next::{self, Draft, DraftError, ProjectsAtEnd, Request};
use ecociv_core::record::EntryState;
use rust_decimal::Decimal;

use crate::app::App;
use crate::error::{AppError, Result};

/// Where each project of `zone`'s plan stood at the end of `last_year`: its latest approved
/// report up to then (completed or not, its cumulative investment).
pub async fn projects_at_end(st: &App, zone: &str, last_year: i32) -> Result<ProjectsAtEnd> {
    let last = format!("{last_year}-12");
    let mut latest: BTreeMap<u32, (String, bool, Option<Decimal>)> = BTreeMap::new();
    for r in st.store.dispatch_reports(zone).await? {
        if r.kind != "project" || r.state != EntryState::Approved || r.period > last {
            continue;
        }
        let Ok(n) = u32::try_from(r.subject) else { continue };
        if latest.get(&n).is_some_and(|(p, ..)| *p >= r.period) {
            continue;
        }
        let invested = r.investment_cumulative_wan.parse::<Decimal>().ok();
        latest.insert(n, (r.period.clone(), r.status == "completed", invested));
    }
    Ok(ProjectsAtEnd { projects: latest.into_iter().map(|(n, (_, done, inv))| (n, (done, inv))).collect() })
}

/// The draft of `zone`'s next plan of the years `start`–`end` under `framework` (a shipped
/// revision, or one read from a reviewed file), on the app's day.
pub async fn draft(st: &App, zone: &str, framework: &Framework, start: i32, end: i32) -> Result<Draft> {
    let old = st.plan(Some(zone)).await?;
    let old_framework = crate::frameworks::revision(&old.framework.code)?;
    let at_end = projects_at_end(st, zone, old.end_year).await?;
    let r = Request { old: &old, old_framework, framework, start_year: start, end_year: end, today: st.today(), at_end: &at_end };
    plan_next::draft(&r).map_err(|e| match e {
        DraftError::Years(s, e, last) => {
            AppError::bad_request("plan_next_years").field("start", &s.to_string()).field("end", &e.to_string()).field("previous_end", &last.to_string())
        }
        DraftError::Level(code, level) => AppError::bad_request("plan_next_level").field("framework", &code).field("zone_level", &level),
    })
}

/// Writes a draft's files into `dir` (made if missing), with its notes in `notes.txt`; a folder
/// that already holds a plan's files is refused, so that no edit is overwritten.
pub fn write(dir: &Path, d: &Draft, notes: &str) -> Result<()> {
    let taken: Vec<&str> = d.files.iter().map(|(n, _)| n.as_str()).chain(["notes.txt"]).filter(|n| dir.join(n).exists()).collect();
    if let Some(n) = taken.first() {
        return Err(AppError::conflict("plan_next_folder_taken").field("file", &dir.join(n).display().to_string()));
    }
    let failed = |e: std::io::Error| AppError::bad_request("plan_next_not_written").field("folder", &dir.display().to_string()).field("why", &e.to_string());
    std::fs::create_dir_all(dir).map_err(failed)?;
    for (name, text) in d.files.iter().map(|(n, t)| (n.as_str(), t.as_str())).chain([("notes.txt", notes)]) {
        std::fs::write(dir.join(name), text).map_err(failed)?;
    }
    Ok(())
}
