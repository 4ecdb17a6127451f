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
/// changed (when it says something new), any other is entered. Inputs are checked together;
/// every problem of a list comes back with the input it is in, as `rows[N].field` (from 0).
/// `version`, when given for a single change, is the version the caller saw.
pub async fn save(st: &App, actor: &Actor, inputs: &[RectificationInput], version: Option<i64>) -> Result<Vec<Rectification>, AppError> {
    let plan = plan_of(st, actor).await?;
    if !actor.can_approve(&plan) {
        return Err(AppError::forbidden());
    }
    let stored = st.store.rectifications(&plan.zone.code).await?;
    let writes = match writes(&plan, &stored, inputs, &actor.name, &st.stamp()) {
        Ok(w) => w,
        Err(problems) if inputs.len() > 1 => return Err(AppError::invalid(problems.into_iter().map(|(i, e)| e.in_row(i)).collect())),
        Err(problems) => return Err(AppError::invalid(problems.into_iter().map(|(_, e)| e).collect())),
    };
    let before = inputs.first().and_then(|i| stored.iter().find(|r| r.number == i.number));
    if let (Some(b), Some(v), 1) = (before, version, inputs.len())
        && b.version != v
    {
        return Err(AppError::conflict("conflict").field("version", &b.version.to_string()));
    }
    Ok(st.store.save_rectifications(&plan.zone.code, &writes, &actor.name).await?)
}

/// What saving `inputs` over the `stored` tasks writes (nothing for a task that says what is
/// stored), by `by` at `at`; or every problem, with the index of the input it is in.
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
        let c = match check_rectification(plan, input) {
            Ok(c) => c,
            Err(e) => {
                problems.extend(e.into_iter().map(|e| (i, e)));
                continue;
            }
        };
        let before = stored.iter().find(|r| r.number == c.number).cloned();
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
            updated_by: by.into(),
            updated_at: at.into(),
            version: 0,
        };
        let same = before.as_ref().is_some_and(|b| {
            Rectification { id: b.id, updated_by: b.updated_by.clone(), updated_at: b.updated_at.clone(), version: b.version, ..after.clone() } == *b
        });
        if !same {
            writes.push(RectificationWrite { before, after });
        }
    }
    if problems.is_empty() { Ok(writes) } else { Err(problems) }
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
