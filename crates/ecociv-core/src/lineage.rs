//! What a plan reads of the plans before it (see `crate::model::Lineage`): the entries of its
//! own years as stored, and those of each earlier plan's years only through the leaves, tasks
//! and projects it continues, under its own codes and numbers; a new leaf's base-year value as
//! the plan gives it; and the lineage of a plan composed through the one before it when it is
//! issued, so that a third plan reads the first through the second. Pure.

use std::collections::BTreeMap;

use crate::model::*;
use crate::record::{DispatchRecord, ObservationRecord};

/// What a hop of a lineage maps, from this plan's codes and numbers: (leaves, tasks, projects).
type Maps<'a> = (&'a BTreeMap<String, String>, &'a BTreeMap<u32, u32>, &'a BTreeMap<u32, u32>);

/// The hop of the lineage whose years hold `year`; None for the plan's own years.
fn hop_for(l: &Lineage, year: i64) -> Option<Maps<'_>> {
    if year > i64::from(l.previous_end_year) {
        return None;
    }
    // the hop whose years hold `year`: the earlier plan's, down to the end of the one before it
    let mut maps: Maps<'_> = (&l.leaves, &l.tasks, &l.projects);
    for h in &l.older {
        if year > i64::from(h.end_year) {
            break;
        }
        maps = (&h.leaves, &h.tasks, &h.projects);
    }
    Some(maps)
}

/// The observations `plan` reads from all those of its zone: a zone's first plan reads them
/// all; a plan that follows another reads its own years as stored, and the years of the plans
/// before it only through the leaves it continues of each, under its own codes (a leaf split in
/// two gives each part the history; what it does not continue, and the earlier plans' values
/// under a code reused for another indicator, it does not read). A new leaf's base-year value
/// given in the plan (`baseline`) reads as an approved value of that year (id 0: no entry).
/// A plan kept after the next was issued reads nothing after its `superseded_after` year (as
/// [`reports_for`] and [`uppers_for`] do).
pub fn observations_for(plan: &Plan, mut all: Vec<ObservationRecord>) -> Vec<ObservationRecord> {
    if let Some(last) = plan.superseded_after {
        all.retain(|o| o.year <= i64::from(last));
    }
    let Some(l) = &plan.lineage else { return all };
    let mut out = Vec::with_capacity(all.len() + l.baselines.len());
    for o in all {
        let Some((leaves, ..)) = hop_for(l, o.year) else {
            out.push(o);
            continue;
        };
        for (new, _) in leaves.iter().filter(|(_, old)| **old == o.indicator) {
            out.push(ObservationRecord { indicator: new.clone(), ..o.clone() });
        }
    }
    for (code, value) in &l.baselines {
        out.push(ObservationRecord {
            id: 0,
            zone: plan.zone.code.clone(),
            indicator: code.clone(),
            year: i64::from(plan.base_year),
            region: String::new(),
            value: value.clone(),
            comment: crate::locale::t(crate::Locale::Zh, "plan_next.baseline_comment").to_string(),
            explanation: String::new(),
            state: crate::record::EntryState::Approved,
            late: false,
            submitted_by: String::new(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        });
    }
    out
}

/// Every code under which the leaf `code` of `plan` was entered: its own, and the earlier leaf
/// it continues in each plan before (what a check of one new value reads, no more).
pub fn codes_of(plan: &Plan, code: &str) -> Vec<String> {
    let mut out = vec![code.to_string()];
    if let Some(l) = &plan.lineage {
        for leaves in std::iter::once(&l.leaves).chain(l.older.iter().map(|h| &h.leaves)) {
            if let Some(old) = leaves.get(code).filter(|o| !out.contains(o)) {
                out.push(old.clone());
            }
        }
    }
    out
}

/// Every number under which the task or project `number` of `plan` was reported (`kind`
/// `task` or `project`; any other kind, a rectification task's, is the zone's and keeps its
/// number), as [`codes_of`].
pub fn numbers_of(plan: &Plan, kind: &str, number: u32) -> Vec<u32> {
    let mut out = vec![number];
    if let Some(l) = plan.lineage.as_ref().filter(|_| kind == "project" || kind == "task") {
        let hops = std::iter::once((&l.tasks, &l.projects)).chain(l.older.iter().map(|h| (&h.tasks, &h.projects)));
        for (tasks, projects) in hops {
            let map = if kind == "project" { projects } else { tasks };
            if let Some(old) = map.get(&number).filter(|o| !out.contains(o)) {
                out.push(*old);
            }
        }
    }
    out
}

/// One observation as `plan` reads it (see [`observations_for`]): under its own code, the first
/// leaf that continues it; None when the plan does not read it at all.
pub fn observation_for(plan: &Plan, o: ObservationRecord) -> Option<ObservationRecord> {
    let Some(l) = &plan.lineage else { return Some(o) };
    let Some((leaves, ..)) = hop_for(l, o.year) else { return Some(o) };
    let new = leaves.iter().find(|(_, old)| **old == o.indicator)?.0.clone();
    Some(ObservationRecord { indicator: new, ..o })
}

/// One report as `plan` reads it (see [`reports_for`]); None when the plan does not read it.
pub fn report_for(plan: &Plan, r: DispatchRecord) -> Option<DispatchRecord> {
    reports_for(plan, vec![r]).pop()
}

/// The monthly reports `plan` reads, as [`observations_for`]: its own months as stored, the
/// earlier plans' months only of the tasks and projects it continues, under its own numbers.
/// The reports of rectification tasks belong to the zone, not to a plan: read as they are.
pub fn reports_for(plan: &Plan, mut all: Vec<DispatchRecord>) -> Vec<DispatchRecord> {
    if let Some(last) = plan.superseded_after {
        // a period is a year's month (`2025-11`) or a year; anything else is not a plan's period
        all.retain(|r| r.period.get(..4).and_then(|y| y.parse::<i32>().ok()).is_some_and(|y| y <= last));
    }
    let Some(l) = &plan.lineage else { return all };
    let mut out = Vec::with_capacity(all.len());
    for r in all {
        let year = r.period.get(..4).and_then(|y| y.parse::<i64>().ok()).unwrap_or(i64::MAX);
        let maps = if r.kind == "project" || r.kind == "task" { hop_for(l, year) } else { None };
        let Some((_, tasks, projects)) = maps else {
            out.push(r);
            continue;
        };
        let map = if r.kind == "project" { projects } else { tasks };
        if let Some((new, _)) = map.iter().find(|(_, old)| i64::from(**old) == r.subject) {
            out.push(DispatchRecord { subject: i64::from(*new), ..r });
        }
    }
    out
}

/// `next`'s lineage composed through `earlier`'s, so that it reads every plan before it by its
/// own codes: what it continues of `earlier` is its direct hop; each older hop of `earlier`,
/// seen through what `next` continues of `earlier`, becomes one of its own.
pub fn compose(next: &mut Lineage, earlier: Option<&Lineage>) {
    let Some(e) = earlier else { return };
    let through = |mine: &BTreeMap<String, String>, theirs: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        mine.iter().filter_map(|(n, c)| Some((n.clone(), theirs.get(c)?.clone()))).collect()
    };
    let through_n = |mine: &BTreeMap<u32, u32>, theirs: &BTreeMap<u32, u32>| -> BTreeMap<u32, u32> {
        mine.iter().filter_map(|(n, c)| Some((*n, *theirs.get(c)?))).collect()
    };
    let mut older = vec![Hop {
        end_year: e.previous_end_year,
        leaves: through(&next.leaves, &e.leaves),
        tasks: through_n(&next.tasks, &e.tasks),
        projects: through_n(&next.projects, &e.projects),
    }];
    for h in &e.older {
        older.push(Hop {
            end_year: h.end_year,
            leaves: through(&next.leaves, &h.leaves),
            tasks: through_n(&next.tasks, &h.tasks),
            projects: through_n(&next.projects, &h.projects),
        });
    }
    next.older = older;
}

/// The targets assigned from above that `plan` reads, as [`observations_for`]: those of its own
/// years as stored, and those of the earlier plans' years through the leaves it continues.
pub fn uppers_for(plan: &Plan, mut all: Vec<crate::record::UpperTargetRecord>) -> Vec<crate::record::UpperTargetRecord> {
    if let Some(last) = plan.superseded_after {
        all.retain(|u| u.year <= i64::from(last));
    }
    let Some(l) = &plan.lineage else { return all };
    let mut out = Vec::with_capacity(all.len());
    for u in all {
        let Some((leaves, ..)) = hop_for(l, u.year) else {
            out.push(u);
            continue;
        };
        for (new, _) in leaves.iter().filter(|(_, old)| **old == u.indicator) {
            out.push(crate::record::UpperTargetRecord { indicator: new.clone(), ..u.clone() });
        }
    }
    out
}
