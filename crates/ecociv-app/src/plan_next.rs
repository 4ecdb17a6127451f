//! The next plan of a zone from the last: its draft ([`draft`], `ecociv plan next`) under a
//! chosen framework revision, from the zone's stored plan and where its projects stood when it
//! ended (`ecociv_core::plan_next` does the drafting), written as a plan's data folder
//! ([`write`]) or as one workbook ([`book`], [`write_book`]) for the task force to edit and check
//! (loading it refuses every blank with its place); its issue ([`issue`]); and the plans before
//! it ([`earlier_plans`], [`earlier_plan`]), each reading only its own years, with the plan a
//! past period's page or document is made from ([`earlier_owner`]).

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

/// A draft as one workbook of its files (`ecociv_core::plan_book`), the points to settle on its
/// last sheet, labelled in `l`: to edit in a spreadsheet and send back as it is.
pub fn book(d: &Draft, l: ecociv_core::Locale) -> Result<Vec<u8>> {
    let files = d.files.iter().cloned().collect();
    let sheets = ecociv_core::plan_book::to_sheets(&files).map_err(|why| AppError::bad_request("plan_book_not_written").field("why", &why))?;
    let notes: Vec<(String, String)> = d.notes.iter().map(|n| (n.place.clone(), n.text(l))).collect();
    ecociv_report::plan_book::xlsx(&sheets, &notes, l).map_err(AppError::internal)
}

/// Writes a draft's workbook ([`book`]) to `file`; a file that is there is refused, so that no
/// edit is overwritten.
pub fn write_book(file: &Path, d: &Draft, l: ecociv_core::Locale) -> Result<()> {
    if file.exists() {
        return Err(AppError::conflict("plan_next_book_taken").field("file", &file.display().to_string()));
    }
    let bytes = book(d, l)?;
    std::fs::write(file, bytes)
        .map_err(|e| AppError::bad_request("plan_next_not_written").field("folder", &file.display().to_string()).field("why", &e.to_string()))
}

/// Issues `next`, a plan drafted from its zone's plan and filled in, as the zone's plan: the plan
/// it follows is superseded on `next`'s day of issue, kept whole and readable with its history.
/// Refused, with the place, when `next` does not follow the zone's plan as it stands, has no
/// document number, continues what the earlier plan does not have, or leaves an indicator without
/// a lead department or a new one without its base-year value.
pub async fn issue(st: &App, next: &ecociv_core::model::Plan, actor: &str) -> Result<()> {
    let l = next.lineage.as_ref().ok_or_else(|| AppError::bad_request("plan_next_no_previous").field("plan", &next.code))?;
    let current = st.plan(Some(&next.zone.code)).await?;
    if current.code != l.previous || current.end_year != l.previous_end_year {
        return Err(AppError::conflict("plan_next_not_following").field("previous", &l.previous).field("current", &current.code));
    }
    // the zone stays what it is: where it stands, its level and kind are not the plan's to change
    let (a, b) = (&current.zone, &next.zone);
    if (a.level, a.kind, &a.parent) != (b.level, b.kind, &b.parent) {
        return Err(AppError::bad_request("plan_next_zone_changed").field("zone", &a.code));
    }
    // a year after the earlier plan that the task force opened and that holds entries is the
    // earlier plan's (its codes and numbers): the next plan starts after the last such year and
    // reads them through what it continues
    let after = i64::from(current.end_year);
    let mut years: Vec<i64> = st.store.observations(&a.code).await?.into_iter().map(|o| o.year).filter(|y| *y > after).collect();
    years.extend(
        st.store
            .dispatch_reports(&a.code)
            .await?
            .into_iter()
            .filter(|r| r.kind == "project" || r.kind == "task")
            .filter_map(|r| r.period.get(..4).and_then(|y| y.parse::<i64>().ok()))
            .filter(|y| *y > after),
    );
    let owned_until = years.iter().copied().max().map_or(current.end_year, |y| y as i32);
    if next.start_year <= owned_until {
        return Err(AppError::conflict("plan_next_entries_after").field("year", &(owned_until + 1).to_string()).field("count", &years.len().to_string()));
    }
    if next.document_number.trim().is_empty() {
        return Err(AppError::bad_request("plan_next_document_number").field("plan", &next.code));
    }
    let unknown = |what: &str, here: &str, old: &str| AppError::bad_request("plan_next_unknown_earlier").field(what, here).field("continues", old);
    for (new, old) in &l.leaves {
        if current.leaf(old).is_none() {
            return Err(unknown("indicator", new, old));
        }
    }
    for (new, old) in &l.projects {
        if current.project(*old).is_none() {
            return Err(unknown("project", &new.to_string(), &old.to_string()));
        }
    }
    for (new, old) in &l.tasks {
        if current.task(*old).is_none() {
            return Err(unknown("task", &new.to_string(), &old.to_string()));
        }
    }
    for leaf in next.leaves() {
        if leaf.indicator.lead_departments.is_empty() {
            return Err(AppError::bad_request("plan_next_lead").field("indicator", leaf.code));
        }
        if !l.leaves.contains_key(leaf.code) && !l.baselines.contains_key(leaf.code) {
            return Err(AppError::bad_request("plan_next_baseline").field("indicator", leaf.code).field("year", &l.previous_end_year.to_string()));
        }
        // a number where the leaf is judged on numbers
        if let Some(b) = l.baselines.get(leaf.code)
            && leaf.target.parse_rule().is_ok_and(|r| r.value_kind() == ecociv_core::rule::ValueKind::Number)
            && ecociv_core::value::parse_number(b).is_none()
        {
            return Err(AppError::bad_request("plan_next_baseline_number").field("indicator", leaf.code).field("baseline", b));
        }
    }
    // read through the plans before: what it continues of the earlier plan's own lineage
    let mut next = next.clone();
    if let Some(l) = next.lineage.as_mut() {
        l.previous_end_year = owned_until;
        ecociv_core::lineage::compose(l, current.lineage.as_ref());
    }
    let next = &next;
    st.store.issue_plan(next, &current, next.issued_on, actor).await.map_err(|e| match e {
        ecociv_store::StoreError::Conflict(why) => AppError::conflict("plan_next_conflict").field("zone", &next.zone.code).field("why", &why),
        e => e.into(),
    })?;
    tracing::info!("issued the plan {} of zone {}, superseding {}", next.code, next.zone.code, current.code);
    Ok(())
}

/// The plans a zone had before its plan in force, as they stood, each with the day it was
/// superseded and the plan that did, oldest first. Each reads only the entries of its own years
/// (`superseded_after`: up to the last year the plan that superseded it left to it, its
/// `previous_end_year`: the plan's last year, or a later one it opened and filled).
pub async fn earlier_plans(st: &App, zone: &str) -> Result<Vec<(ecociv_core::model::Plan, chrono::NaiveDate, String)>> {
    let mut kept = st.store.archived_plans(zone).await?;
    let current = st.plan(Some(zone)).await?;
    let owned: Vec<(String, i32)> =
        kept.iter().map(|(p, ..)| p).chain([&*current]).filter_map(|p| Some((p.code.clone(), p.lineage.as_ref()?.previous_end_year))).collect();
    for (p, _, by) in &mut kept {
        // the plan that superseded it says up to which year the entries were this plan's
        p.superseded_after = Some(owned.iter().find(|(code, _)| code == by).map_or(p.end_year, |(_, y)| *y));
    }
    Ok(kept)
}

/// The earlier plan of `plan`'s zone that owns `year`, when `plan` follows others and the year
/// is up to the last the plan before it owned: the oldest plan whose years reach it (a base
/// year's is the first plan's). None when the year is `plan`'s own. What a page or a document
/// of a past period (a month's bulletin, a quarter's assessment) is made from.
pub async fn earlier_owner(st: &App, plan: &ecociv_core::model::Plan, year: i32) -> Result<Option<ecociv_core::model::Plan>> {
    if plan.lineage.as_ref().is_none_or(|l| year > l.previous_end_year) {
        return Ok(None);
    }
    Ok(earlier_plans(st, &plan.zone.code).await?.into_iter().map(|(p, ..)| p).find(|p| p.superseded_after.is_some_and(|last| year <= last)))
}

/// Whether `actor` reads an earlier plan's figures: every value of every leaf, as the closing
/// report holds them, is for those who read every entry (the task force, administrators,
/// viewers).
pub fn may_read_earlier(actor: &ecociv_core::access::Actor) -> bool {
    use ecociv_core::access::Role;
    matches!(actor.role, Role::Admin | Role::TaskForce | Role::Viewer)
}

/// An earlier plan of a zone, read with its history.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Earlier {
    pub plan: ecociv_core::model::Plan,
    pub superseded_on: chrono::NaiveDate,
    /// The code of the plan that superseded it.
    pub superseded_by: String,
    /// Where each of its leaves stood at its end, on the approved values of its own years under
    /// its own codes (never the later plan's): its final results.
    pub standings: Vec<ecociv_core::indicator_status::LeafStanding>,
}

/// The earlier plan `code` of `zone` (see [`Earlier`]); `unknown_plan` when the zone had none
/// of that code.
pub async fn earlier_plan(st: &App, zone: &str, code: &str, l: ecociv_core::Locale) -> Result<Earlier> {
    let (plan, superseded_on, superseded_by) = earlier_plans(st, zone)
        .await?
        .into_iter()
        .find(|(p, ..)| p.code == code)
        .ok_or_else(|| AppError::not_found("unknown_plan").field("zone", zone).field("plan", code))?;
    let observations = ecociv_core::lineage::observations_for(&plan, st.store.observations(zone).await?);
    let uppers = ecociv_core::lineage::uppers_for(&plan, st.store.upper_targets(zone).await?);
    let standings = ecociv_report::approved_standings(&plan, &observations, &uppers, plan.end_year, ecociv_core::projection::Method::Cagr, l);
    Ok(Earlier { plan, superseded_on, superseded_by, standings })
}

/// One plan of a zone as its list shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PlanEntry {
    pub code: String,
    pub title: String,
    pub document_number: String,
    pub start_year: i32,
    pub end_year: i32,
    pub framework: String,
    pub state: ecociv_core::clock::PlanState,
    /// For an earlier plan: the day it was superseded, and by which plan.
    pub superseded_on: Option<chrono::NaiveDate>,
    pub superseded_by: Option<String>,
}

impl PlanEntry {
    fn of(p: &ecociv_core::model::Plan, today: chrono::NaiveDate, superseded: Option<(chrono::NaiveDate, String)>) -> PlanEntry {
        PlanEntry {
            code: p.code.clone(),
            title: p.title.clone(),
            document_number: p.document_number.clone(),
            start_year: p.start_year,
            end_year: p.end_year,
            framework: p.framework.code.clone(),
            state: p.state(today, superseded.as_ref().map(|s| s.0)),
            superseded_on: superseded.as_ref().map(|s| s.0),
            superseded_by: superseded.map(|s| s.1),
        }
    }
}

/// The plans of a zone, the plan in force first, then the earlier ones from the latest.
pub async fn plans(st: &App, zone: &str) -> Result<Vec<PlanEntry>> {
    let current = st.plan(Some(zone)).await?;
    let today = st.today();
    let mut out = vec![PlanEntry::of(&current, today, None)];
    for (p, on, by) in earlier_plans(st, zone).await?.into_iter().rev() {
        out.push(PlanEntry::of(&p, today, Some((on, by))));
    }
    Ok(out)
}
