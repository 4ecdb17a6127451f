//! Templates: the workbook an org unit fills offline for one period. It holds exactly the rows
//! that unit answers for — its indicators for a year (unit, target, last year's value) or its
//! projects for a month (budget, last month's cumulative investment and progress) — prefilled
//! with what ecociv already knows. Key cells are locked (the sheet is protected without a
//! password: the lock guards against slips, not against intent); state words and statuses are
//! drop-down lists; an instructions sheet explains the rest; a very hidden sheet carries the
//! [`Signature`] of what was downloaded, so that a workbook for another unit or period can be
//! refused on import, and a hidden column the version of each row at download time, so that a
//! value changed in ecociv since then shows as a conflict.

use ecociv_core::Locale;
use ecociv_core::entry::{ProjectStatus, YearMonth};
use ecociv_core::locale::t;
use ecociv_core::model::{OrgKind, OrgUnit, Plan};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord};
use ecociv_core::rule::ValueKind;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, Note, Workbook, Worksheet};

use crate::import::{Filled, Problem};
use crate::sheet::{Column, DISPATCH_COLUMNS, OBSERVATION_COLUMNS, SIGNATURE_SHEET, Signature, TASK_COLUMNS, TemplateKind, data_sheet_name};

use crate::ReportError;

/// The year a yearly template may be made for: from the plan's base year to this year.
pub fn observation_year(plan: &Plan, text: &str, this_month: YearMonth) -> Option<i32> {
    text.trim().parse().ok().filter(|y| (plan.base_year..=this_month.year).contains(y))
}

/// The month a monthly template may be made for: any month up to this one.
pub fn dispatch_month(text: &str, this_month: YearMonth) -> Option<YearMonth> {
    text.parse::<YearMonth>().ok().filter(|m| *m <= this_month)
}

/// The leaves an org unit enters yearly values of: a department those of the indicators it
/// leads or provides data for; a region the indicators the task force asks by region.
pub fn observation_leaves<'a>(plan: &'a Plan, org: &OrgUnit, regional: &[String]) -> Vec<&'a str> {
    plan.leaves()
        .into_iter()
        .filter(|leaf| match org.kind {
            OrgKind::Department => leaf.indicator.lead_departments.contains(&org.name) || leaf.indicator.data_providers.contains(&org.name),
            OrgKind::Region => regional.iter().any(|c| c == leaf.code || *c == leaf.indicator.code),
            _ => false,
        })
        .map(|leaf| leaf.code)
        .collect()
}

fn sheet_layout(ws: &mut Worksheet, cols: &[Column], l: Locale) -> Result<(), ReportError> {
    let head = Format::new().set_bold().set_text_wrap().set_background_color("D9E1F2");
    let head_entry = Format::new().set_bold().set_text_wrap().set_background_color("FFF2CC");
    for (c, column) in cols.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, t(l, column.header), if column.entry { &head_entry } else { &head })?;
        ws.set_column_width(c, column.width)?;
        if column.key == "version" {
            ws.set_column_hidden(c)?;
        }
    }
    ws.set_row_height(0, 32)?;
    ws.set_freeze_panes(1, 2)?;
    Ok(())
}

fn write_cell(ws: &mut Worksheet, r: u32, c: u16, text: &str, entry: bool, unlocked: &Format) -> Result<(), ReportError> {
    match (text.parse::<Decimal>(), entry) {
        (Ok(d), _) if !text.is_empty() => {
            let v: f64 = d.to_string().parse().unwrap_or(0.0);
            if entry {
                ws.write_number_with_format(r, c, v, unlocked)?
            } else {
                ws.write_number(r, c, v)?
            };
        }
        (_, true) => {
            ws.write_string_with_format(r, c, text, unlocked)?;
        }
        _ if !text.is_empty() => {
            ws.write_string(r, c, text)?;
        }
        _ => {}
    }
    Ok(())
}

fn instructions(wb: &mut Workbook, lines: &[String], l: Locale) -> Result<(), ReportError> {
    let ws = wb.add_worksheet();
    ws.set_name(t(l, "template.instructions"))?;
    ws.set_column_width(0, 100)?;
    let wrap = Format::new().set_text_wrap();
    for (r, line) in lines.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, line, &wrap)?;
    }
    Ok(())
}

/// The lines of the instructions that hold for every template.
fn common_lines(l: Locale) -> [String; 2] {
    [t(l, "template.note.whole_workbook").into(), t(l, "template.note.approved_locked").into()]
}

fn signature_sheet(wb: &mut Workbook, sig: &Signature) -> Result<(), ReportError> {
    let ws = wb.add_worksheet();
    ws.set_name(SIGNATURE_SHEET)?;
    ws.write_string(0, 0, sig.encode())?;
    ws.set_very_hidden(true);
    Ok(())
}

/// What a refused import brings back into a fresh template: the values that were filled in and
/// the problems, so that the unit corrects them in a workbook that still has its drop-downs,
/// checks and locks.
pub struct Marks<'a> {
    pub filled: &'a Filled,
    pub problems: &'a [Problem],
}

/// A row of a refused import: its cells and its problems.
pub struct MarkedRow<'a> {
    cells: &'a std::collections::BTreeMap<&'static str, String>,
    problems: Vec<&'a Problem>,
    columns: &'a [Option<&'static str>],
}

impl<'a> Marks<'a> {
    /// The row whose `key` (indicator or project) is `subject`.
    fn row(&self, key: &str, subject: &str) -> Option<MarkedRow<'a>> {
        let row = self.filled.rows.iter().find(|r| r.cells.get(key).map(String::as_str) == Some(subject))?;
        let problems = self.problems.iter().filter(|p| p.row == Some(row.row)).collect();
        Some(MarkedRow { cells: &row.cells, problems, columns: &self.filled.columns })
    }
}

/// The values the unit filled in, over what ecociv knows (its entry columns and the version).
fn overlay<const N: usize>(cells: &mut [String; N], columns: &[Column], marked: Option<&MarkedRow>) {
    let Some(m) = marked else { return };
    for (cell, column) in cells.iter_mut().zip(columns) {
        if (column.entry || column.key == "version")
            && let Some(v) = m.cells.get(column.key)
        {
            *cell = v.clone();
        }
    }
}

/// Marks a row's problems: each bad cell red with a note (a problem of the whole row on its
/// first cell).
fn mark(ws: &mut Worksheet, r: u32, cells: &[String], columns: &[Column], marked: Option<&MarkedRow>, open: bool, l: Locale) -> Result<(), ReportError> {
    let Some(m) = marked else { return Ok(()) };
    let bad_entry = Format::new().set_unlocked().set_background_color("FFC7CE").set_font_color("9C0006");
    let bad = Format::new().set_background_color("FFC7CE").set_font_color("9C0006");
    for p in &m.problems {
        let key = p.col.and_then(|c| m.columns.get(c).copied().flatten());
        let c = key.and_then(|k| columns.iter().position(|col| col.key == k)).unwrap_or(0);
        let fmt = if columns[c].entry && open { &bad_entry } else { &bad };
        match cells[c].parse::<f64>() {
            // codes such as 7.2 stay text
            Ok(n) if columns[c].key != "indicator" && n.is_finite() => ws.write_number_with_format(r, c as u16, n, fmt)?,
            _ => ws.write_string_with_format(r, c as u16, &cells[c], fmt)?,
        };
        ws.insert_note(r, c as u16, &Note::new(format!("{}: {}", p.code, p.expected(l))).set_author("ecociv"))?;
    }
    Ok(())
}

/// The yearly template of an org unit: one row per leaf it answers for (and per region, for a
/// Writes a row of a template: ecociv's cells with what the unit filled in over them (codes
/// such as 7.2 as text, not the number 7.2), the entry cells unlocked unless the entry is
/// approved, and the row's problems marked.
fn write_row<const N: usize>(
    ws: &mut Worksheet,
    r: u32,
    mut cells: [String; N],
    columns: &[Column],
    marked: Option<&MarkedRow>,
    approved: bool,
    l: Locale,
) -> Result<(), ReportError> {
    let unlocked = Format::new().set_unlocked().set_background_color("FFF2CC");
    overlay(&mut cells, columns, marked);
    for (c, (text, column)) in cells.iter().zip(columns.iter()).enumerate() {
        if column.key == "indicator" {
            ws.write_string(r, c as u16, text)?;
        } else {
            write_cell(ws, r, c as u16, text, column.entry && !approved, &unlocked)?;
        }
    }
    mark(ws, r, &cells, columns, marked, !approved, l)
}

/// The data sheet of a template: named in the language, its columns laid out.
fn data_sheet(wb: &mut Workbook, kind: TemplateKind, l: Locale) -> Result<&mut Worksheet, ReportError> {
    let ws = wb.add_worksheet();
    ws.set_name(data_sheet_name(kind, l))?;
    sheet_layout(ws, crate::sheet::columns(kind), l)?;
    Ok(ws)
}

/// The end of every template: its instructions, the problems of a refused import where it
/// comes back marked, the signature; the workbook's bytes.
fn finish(mut wb: Workbook, lines: &[String], marks: Option<&Marks>, sig: &Signature, l: Locale) -> Result<Vec<u8>, ReportError> {
    instructions(&mut wb, lines, l)?;
    if let Some(m) = marks {
        crate::import::problems_sheet(&mut wb, m.problems, l)?;
    }
    signature_sheet(&mut wb, sig)?;
    Ok(wb.save_to_buffer()?)
}

/// region's regional values), prefilled with this year's value where one was entered.
pub fn observation_template(
    plan: &Plan,
    org: &OrgUnit,
    year: i32,
    regional: &[String],
    observations: &[ObservationRecord],
    made_at: &str,
    l: Locale,
    marks: Option<&Marks>,
) -> Result<Vec<u8>, ReportError> {
    let codes = observation_leaves(plan, org, regional);
    if codes.is_empty() {
        return Err(ReportError::NothingToFill { org_unit: org.name.clone(), kind: TemplateKind::Observations.code() });
    }
    let region = if org.kind == OrgKind::Region { org.name.as_str() } else { "" };
    let mut wb = Workbook::new();
    let ws = data_sheet(&mut wb, TemplateKind::Observations, l)?;
    // this year's entry as stored, a returned one too (the unit corrects it in place); last
    // year's only where it stands
    let find = |code: &str, y: i32| observations.iter().find(|o| o.indicator == code && o.year == i64::from(y) && o.region == region);
    for (i, code) in codes.iter().enumerate() {
        let r = (i + 1) as u32;
        let leaf = plan.leaf(code).expect("a leaf of the plan");
        let now = find(code, year);
        let before = find(code, year - 1).filter(|o| o.state != EntryState::Returned);
        let name = if leaf.code == leaf.indicator.code {
            plan.leaf_name(leaf.code, l)
        } else {
            format!("{} · {}", plan.leaf_name(&leaf.indicator.code, l), plan.leaf_name(leaf.code, l))
        };
        let cells = [
            leaf.code.to_string(),
            name,
            leaf.unit.to_string(),
            leaf.target.printed.clone(),
            region.to_string(),
            before.map(|o| o.value.clone()).unwrap_or_default(),
            now.map(|o| o.value.clone()).unwrap_or_default(),
            now.map(|o| o.comment.clone()).unwrap_or_default(),
            now.map(|o| o.explanation.clone()).unwrap_or_default(),
            now.map(|o| o.version.to_string()).unwrap_or_else(|| "0".into()),
        ];
        // an approved value is locked in ecociv: locked here too (the task force unlocks it)
        let approved = now.is_some_and(|o| o.state == EntryState::Approved);
        write_row(ws, r, cells, &OBSERVATION_COLUMNS, marks.and_then(|m| m.row("indicator", code)).as_ref(), approved, l)?;
        let rule = leaf.target.parse_rule().expect("plan rules parse");
        if approved {
            continue;
        }
        if leaf.unit == "%" {
            let dv =
                DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)).set_error_message(t(l, "template.invalid.percentage"))?;
            ws.add_data_validation(r, 6, r, 6, &dv)?;
        }
        if let ValueKind::State(w) = rule.value_kind() {
            let dv = DataValidation::new().allow_list_strings(&w.accepted_values())?.set_error_message(t(l, "template.invalid.choose"))?;
            ws.add_data_validation(r, 6, r, 6, &dv)?;
        }
    }
    ws.protect();
    let mut lines = vec![
        format!("{} · {} · {year}", plan.title, org.name),
        t(l, "template.note.observations_fill").into(),
        t(l, "template.note.observations_units").into(),
        t(l, "template.note.observations_keep").into(),
    ];
    lines.extend(common_lines(l));
    if org.kind == OrgKind::Region {
        lines.push(t(l, "template.note.region").into());
    }
    let sig = Signature {
        zone: plan.zone.code.clone(),
        org_unit: org.name.clone(),
        kind: TemplateKind::Observations,
        period: year.to_string(),
        made_at: made_at.into(),
    };
    finish(wb, &lines, marks, &sig, l)
}

/// The monthly template of an org unit: one row per project it implements, with last month's
/// cumulative investment and progress, prefilled with this month's report where one was sent.
pub fn dispatch_template(
    plan: &Plan,
    org: &OrgUnit,
    period: YearMonth,
    reports: &[DispatchRecord],
    made_at: &str,
    l: Locale,
    marks: Option<&Marks>,
) -> Result<Vec<u8>, ReportError> {
    let projects: Vec<_> = plan.projects.iter().filter(|p| p.implementers.contains(&org.name)).collect();
    if projects.is_empty() {
        return Err(ReportError::NothingToFill { org_unit: org.name.clone(), kind: TemplateKind::Dispatch.code() });
    }
    let month = period.to_string();
    let mut wb = Workbook::new();
    let ws = data_sheet(&mut wb, TemplateKind::Dispatch, l)?;
    let statuses: Vec<&str> =
        [ProjectStatus::NotStarted, ProjectStatus::UnderWay, ProjectStatus::Completed, ProjectStatus::Suspended].iter().map(|s| s.label(l)).collect();
    for (i, p) in projects.iter().enumerate() {
        let r = (i + 1) as u32;
        // a project has one report a month, whichever implementer sends it; this month's as
        // stored (a returned one too, to be corrected in place), earlier ones where they stand
        let of_project = reports.iter().filter(|d| d.kind == "project" && d.subject == i64::from(p.number));
        let now = of_project.clone().find(|d| d.period == month);
        let before = of_project.filter(|d| d.period < month && d.state != EntryState::Returned).max_by(|a, b| a.period.cmp(&b.period));
        let status = now.and_then(|d| ProjectStatus::parse(&d.status)).map(|s| s.label(l).to_string()).unwrap_or_default();
        let funding = now.and_then(|d| ecociv_core::entry::Funding::parse(&d.funding));
        let cells = [
            p.number.to_string(),
            p.name.clone(),
            p.budget.as_ref().map(|b| b.yi.normalize().to_string()).unwrap_or_default(),
            before.map(|d| d.investment_cumulative_wan.clone()).unwrap_or_default(),
            before.map(|d| d.progress_percent.clone()).unwrap_or_default(),
            status,
            now.map(|d| d.progress_percent.clone()).unwrap_or_default(),
            now.map(|d| d.investment_month_wan.clone()).unwrap_or_default(),
            now.map(|d| d.investment_cumulative_wan.clone()).unwrap_or_default(),
            funding.map(|f| f.funding_fiscal.normalize().to_string()).unwrap_or_default(),
            funding.map(|f| f.funding_financial.normalize().to_string()).unwrap_or_default(),
            funding.map(|f| f.funding_social.normalize().to_string()).unwrap_or_default(),
            now.map(|d| d.benefits.clone()).unwrap_or_default(),
            now.map(|d| d.problems.clone()).unwrap_or_default(),
            now.map(|d| d.explanation.clone()).unwrap_or_default(),
            now.map(|d| d.version.to_string()).unwrap_or_else(|| "0".into()),
        ];
        let approved = now.is_some_and(|d| d.state == EntryState::Approved);
        write_row(ws, r, cells, &DISPATCH_COLUMNS, marks.and_then(|m| m.row("project", &p.number.to_string())).as_ref(), approved, l)?;
    }
    let last = projects.len() as u32;
    let dv = DataValidation::new().allow_list_strings(&statuses)?.set_error_message(t(l, "template.invalid.choose"))?;
    ws.add_data_validation(1, 5, last, 5, &dv)?;
    // numbers where numbers belong: progress 0–100, amounts not negative
    let percent = DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)).set_error_message(t(l, "template.invalid.progress"))?;
    ws.add_data_validation(1, 6, last, 6, &percent)?;
    let amount =
        DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)).set_error_message(t(l, "template.invalid.amount"))?;
    ws.add_data_validation(1, 7, last, 11, &amount)?;
    ws.protect();
    let mut lines = vec![
        format!("{} · {} · {month}", plan.title, org.name),
        t(l, "template.note.dispatch_fill").into(),
        t(l, "template.note.dispatch_units").into(),
        t(l, "template.note.dispatch_keep").into(),
    ];
    lines.extend(common_lines(l));
    let sig = Signature { zone: plan.zone.code.clone(), org_unit: org.name.clone(), kind: TemplateKind::Dispatch, period: month, made_at: made_at.into() };
    finish(wb, &lines, marks, &sig, l)
}

/// The monthly template of the work tasks an org unit shares: one row per task, with what it
/// reported the month before, prefilled with this month's report where one was sent. The
/// amounts done toward a task's quantities are sent on its form.
pub fn task_template(
    plan: &Plan,
    org: &OrgUnit,
    period: YearMonth,
    reports: &[DispatchRecord],
    made_at: &str,
    l: Locale,
    marks: Option<&Marks>,
) -> Result<Vec<u8>, ReportError> {
    let tasks: Vec<_> = plan.tasks.iter().filter(|t| ecociv_core::dispatch::task_reporters(plan, t).contains(&org.name.as_str())).collect();
    if tasks.is_empty() {
        return Err(ReportError::NothingToFill { org_unit: org.name.clone(), kind: TemplateKind::Tasks.code() });
    }
    let month = period.to_string();
    let mut wb = Workbook::new();
    let ws = data_sheet(&mut wb, TemplateKind::Tasks, l)?;
    for (i, task) in tasks.iter().enumerate() {
        let r = (i + 1) as u32;
        // each org unit reports a task for itself
        let mine = reports.iter().filter(|d| d.kind == "task" && d.subject == i64::from(task.number) && d.org_unit == org.name);
        let now = mine.clone().find(|d| d.period == month);
        let before = mine.filter(|d| d.period < month && d.state != EntryState::Returned).max_by(|a, b| a.period.cmp(&b.period));
        let cells = [
            task.number.to_string(),
            task.title.clone(),
            before.map(|d| format!("{}：{}", d.period, d.progress)).unwrap_or_default(),
            now.map(|d| d.progress.clone()).unwrap_or_default(),
            now.map(|d| d.problems.clone()).unwrap_or_default(),
            now.map(|d| d.version.to_string()).unwrap_or_else(|| "0".into()),
        ];
        let approved = now.is_some_and(|d| d.state == EntryState::Approved);
        write_row(ws, r, cells, &TASK_COLUMNS, marks.and_then(|m| m.row("task", &task.number.to_string())).as_ref(), approved, l)?;
    }
    ws.protect();
    let mut lines =
        vec![format!("{} · {} · {month}", plan.title, org.name), t(l, "template.note.tasks_fill").into(), t(l, "template.note.dispatch_keep").into()];
    lines.extend(common_lines(l));
    let sig = Signature { zone: plan.zone.code.clone(), org_unit: org.name.clone(), kind: TemplateKind::Tasks, period: month, made_at: made_at.into() };
    finish(wb, &lines, marks, &sig, l)
}

/// The list of rectification tasks as a table to edit and import back (no signature, nothing
/// locked: rows are added as tasks come): its columns, and a row per stored task with the
/// version it was made from.
pub fn rectification_table(rects: &[ecociv_core::rectification::Rectification], l: Locale) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let ws = data_sheet(&mut wb, TemplateKind::Rectifications, l)?;
    for (i, r) in rects.iter().enumerate() {
        let status =
            t(l, if r.status == ecociv_core::rectification::Status::Completed { "rectification.status.completed" } else { "rectification.status.under_way" });
        let cells = [r.number.to_string(), r.source.clone(), r.problem.clone(), r.owner.clone(), r.deadline_label(l), r.measures.clone(), status.to_string()];
        let row = i as u32 + 1;
        ws.write_number(row, 0, f64::from(r.number))?;
        for (c, text) in cells.iter().enumerate().skip(1) {
            ws.write_string(row, c as u16, text)?;
        }
        // the version this copy was made from (hidden): a row changed since is not overwritten
        ws.write_number(row, cells.len() as u16, r.version as f64)?;
    }
    Ok(wb.save_to_buffer()?)
}
