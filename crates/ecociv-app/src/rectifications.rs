//! Rectification tasks (整改任务, the inspection's tasks that plan task 24 carries out): the
//! list the task force keeps — entered one by one or many at once, all or none — and where
//! each stands with its latest monthly report. The checks are `ecociv_core::rectification`'s;
//! the monthly reports go through `entries::submit_rectification_report` like any report.

use ecociv_core::access::Actor;
use ecociv_core::entry::FieldError;
use ecociv_core::rectification::{Rectification, RectificationInput, check_rectification};
use ecociv_store::RectificationWrite;

use crate::App;
use crate::entries::plan_of;
use crate::error::AppError;

/// The zone's tasks, by number (every signed-in user of the zone reads them).
pub async fn list(st: &App, actor: &Actor) -> Result<Vec<Rectification>, AppError> {
    let plan = plan_of(st, actor).await?;
    Ok(st.store.rectifications(&plan.zone.code).await?)
}

/// One task by its number.
pub async fn one(st: &App, actor: &Actor, number: u32) -> Result<Rectification, AppError> {
    list(st, actor)
        .await?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or_else(|| AppError::not_found("unknown_rectification").field("number", &number.to_string()))
}

/// The task force enters tasks or changes them, all or none: a task whose number is stored is
/// changed (when it says something new, and only from the version the sender saw), any other
/// is entered. Inputs are checked together; every problem of a list comes back with the input
/// it is in, as `rows[N].field` (from 0). A change from a version that has moved, or a new task
/// on a number taken, is a conflict (409).
pub async fn save(st: &App, actor: &Actor, inputs: &[RectificationInput]) -> Result<Vec<Rectification>, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let stored = st.store.rectifications(&plan.zone.code).await?;
    let writes = match writes(&plan, &stored, inputs, &actor.name, &st.stamp()) {
        Ok(w) => w,
        Err(problems) => {
            if let Some((_, e)) = problems.iter().find(|(_, e)| CONFLICTS.contains(&e.code)) {
                return Err(AppError::conflict(e.code));
            }
            let many = inputs.len() > 1;
            return Err(AppError::invalid(problems.into_iter().map(|(i, e)| if many { e.in_row(i) } else { e }).collect()));
        }
    };
    Ok(st.store.save_rectifications(&plan.zone.code, &writes, &actor.name).await?)
}

/// The codes of a change that would overwrite what the sender did not see.
const CONFLICTS: [&str; 2] = ["number_taken", "changed_since"];

/// What saving `inputs` over the `stored` tasks writes (nothing for a task that says what is
/// stored), by `by` at `at`; or every problem, with the index of the input it is in. A field
/// left out keeps the stored task's; a change must carry the version it was made from.
pub(crate) fn writes(
    plan: &ecociv_core::model::Plan,
    stored: &[Rectification],
    inputs: &[RectificationInput],
    by: &str,
    at: &str,
) -> Result<Vec<RectificationWrite>, Vec<(usize, FieldError)>> {
    let mut problems = Vec::new();
    let mut writes = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if inputs[..i].iter().any(|p| p.number == input.number) {
            problems.push((i, FieldError::keyed("number", "duplicate_number", "field.rectification.duplicate_number").arg("number", &input.number)));
            continue;
        }
        let before = stored.iter().find(|r| r.number == input.number).cloned();
        let kept = |typed: &Option<String>, stored: Option<String>| typed.clone().or(stored);
        let resolved = RectificationInput {
            source: kept(&input.source, before.as_ref().map(|b| b.source.clone())),
            measures: kept(&input.measures, before.as_ref().map(|b| b.measures.clone())),
            status: input.status.clone().filter(|s| !s.trim().is_empty()).or_else(|| before.as_ref().map(|b| b.status.code().to_string())),
            ..input.clone()
        };
        let c = match check_rectification(plan, &resolved) {
            Ok(c) => c,
            Err(e) => {
                problems.extend(e.into_iter().map(|e| (i, e)));
                continue;
            }
        };
        let after = Rectification {
            id: 0,
            zone: plan.zone.code.clone(),
            number: c.number,
            source: c.source,
            problem: c.problem,
            owner: c.owner,
            deadline: c.deadline,
            measures: c.measures,
            status: c.status,
            entered_at: before.as_ref().map(|b| b.entered_at.clone()).unwrap_or_else(|| at.into()),
            updated_by: by.into(),
            updated_at: at.into(),
            version: 0,
        };
        let Some(b) = before else {
            if input.version.is_some_and(|v| v != 0) {
                problems.push((i, FieldError::keyed("version", "changed_since", "field.rectification.changed_since").arg("stored", &0)));
            } else {
                writes.push(RectificationWrite { before: None, after });
            }
            continue;
        };
        let unchanged =
            Rectification { id: b.id, updated_by: b.updated_by.clone(), updated_at: b.updated_at.clone(), version: b.version, ..after.clone() } == b;
        match input.version {
            _ if unchanged => {}
            None | Some(0) => problems.push((i, FieldError::keyed("number", "number_taken", "field.rectification.number_taken").arg("number", &b.number))),
            Some(v) if v != b.version => {
                problems.push((i, FieldError::keyed("version", "changed_since", "field.rectification.changed_since").arg("stored", &b.version)))
            }
            Some(_) => writes.push(RectificationWrite { before: Some(b), after }),
        }
    }
    if problems.is_empty() { Ok(writes) } else { Err(problems) }
}

/// The zone's tasks as they stood at the end of `day` (what a past year's report tells): a
/// task entered after it is left out; one changed since stands as its last version dated by
/// then, read from the audit trail (only for the tasks changed since).
pub(crate) async fn as_of(st: &App, zone: &str, day: chrono::NaiveDate) -> Result<Vec<Rectification>, AppError> {
    use ecociv_core::clock::beijing_day;
    let mut out = Vec::new();
    for r in st.store.rectifications(zone).await? {
        if beijing_day(&r.entered_at).is_none_or(|d| d > day) {
            continue;
        }
        if beijing_day(&r.updated_at).is_some_and(|d| d <= day) {
            out.push(r);
            continue;
        }
        let events = st.store.trail_for(zone, "rectification", &r.id.to_string()).await?;
        let then = events
            .iter()
            .rev()
            .filter_map(|e| serde_json::from_str::<Rectification>(&e.after).ok())
            .find(|v| beijing_day(&v.updated_at).is_some_and(|d| d <= day));
        out.extend(then);
    }
    Ok(out)
}

/// The work report's section on the rectification tasks: how many stand each way on `as_of`,
/// and each task with its latest progress reported in `year`.
pub(crate) fn work_section(
    d: &mut ecociv_report::official::OfficialDoc,
    rects: &[Rectification],
    reports: &[ecociv_core::record::DispatchRecord],
    year: i32,
    as_of: chrono::NaiveDate,
    l: ecociv_core::Locale,
) {
    use ecociv_core::locale::{t, tf};
    d.heading(1, t(l, "doc.work.rectifications_heading"));
    if rects.is_empty() {
        d.para(t(l, "doc.work.no_rectifications"));
        return;
    }
    let counts = ecociv_core::rectification::counts(rects, as_of);
    let n = |s| counts.iter().find(|(x, _)| *x == s).map(|(_, n)| n.to_string()).unwrap_or_default();
    use ecociv_core::rectification::Standing;
    d.para(&tf(
        l,
        "doc.work.rectifications",
        &[
            ("total", rects.len().to_string()),
            ("completed", n(Standing::Completed)),
            ("on_schedule", n(Standing::OnSchedule)),
            ("long_term", n(Standing::LongTerm)),
            ("overdue", n(Standing::Overdue)),
            ("date", as_of.to_string()),
        ],
    ));
    d.caption(&tf(l, "doc.work.table_rectifications", &[("year", year.to_string())]));
    let header = [
        t(l, "col.code"),
        t(l, "rectification.problem"),
        t(l, "rectification.owner"),
        t(l, "rectification.deadline"),
        t(l, "todo.state"),
        t(l, "rectification.last"),
    ]
    .map(String::from)
    .to_vec();
    let of_year: Vec<ecociv_core::record::DispatchRecord> = reports.iter().filter(|r| r.period.starts_with(&format!("{year}-"))).cloned().collect();
    let rows: Vec<Vec<String>> = rects
        .iter()
        .map(|r| {
            let last = ecociv_core::rectification::latest(&of_year, r.number);
            let progress = last
                .map(|x| if x.progress_percent.is_empty() { x.progress.clone() } else { format!("{}%：{}", x.progress_percent, x.progress) })
                .unwrap_or_else(|| t(l, "doc.work.not_reported").into());
            vec![r.number.to_string(), r.problem.clone(), r.owner.clone(), r.deadline_label(l), r.standing(as_of).label(l).to_string(), progress]
        })
        .collect();
    d.table(&header, &rows, &[520, 2800, 1300, 1100, 1000, 2125]);
}
