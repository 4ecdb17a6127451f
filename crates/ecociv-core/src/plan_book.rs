//! A plan's data files (`plan.toml`, `indicators.toml`, `tasks.toml`, `projects.toml`) as one
//! workbook, for those who edit in a spreadsheet: [`to_sheets`] lays the files out as sheets
//! (one row per indicator, task, project, …; a nested list such as an indicator's
//! sub-indicators on a sheet of its own whose first column names the row it belongs to), and
//! [`from_sheets`] reads the sheets back into the files, every cell it cannot read refused with
//! its sheet, row and column. The files then load as any plan's do, and [`Book::place`] says a
//! loading error's place in the workbook. The layout ([`SHEETS`]) is the one place that knows
//! the files' fields; a field it lacks is refused when written, so that nothing is lost on the
//! way through a spreadsheet. Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::framework_table::quoted;
use crate::plan_data::PlanDataError;

/// How a column's cells are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number.
    Int,
    /// A day, `2026-02-01` or a date cell.
    Date,
    /// 是/否, true/false.
    Bool,
    /// Names separated by `、` (or `，`, `,`, `；`, `;`, a line break).
    List,
}

/// Where a sheet's rows live in the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The plan's own fields, one per row: `field | value | about` (dotted keys: `zone.code`).
    Fields,
    /// A list of the file's top level (`indicators`).
    Top(&'static str),
    /// A list inside each row of a top-level list: `of` names the row by its `id` field.
    Child { parent: &'static str, id: &'static str, list: &'static str },
}

/// A sheet of the workbook: its key (the locale key `plan_book.sheet.<key>` names its tab), the
/// file its rows belong to, where, and its columns (key, kind).
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub key: &'static str,
    pub file: &'static str,
    pub path: Path,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::*;

const PLAN_CORRECTION: &[(&str, Kind)] = &[("field", Text), ("printed", Text), ("corrected", Text), ("note", Text), ("note_en", Text), ("reading", Bool)];
const CORRECTION: &[(&str, Kind)] =
    &[("of", Text), ("field", Text), ("printed", Text), ("corrected", Text), ("note", Text), ("note_en", Text), ("reading", Bool)];
const NUMBERED_CORRECTION: &[(&str, Kind)] =
    &[("of", Int), ("field", Text), ("printed", Text), ("corrected", Text), ("note", Text), ("note_en", Text), ("reading", Bool)];

/// The plan's own fields, in the order the sheet lists them.
pub const FIELDS: &[(&str, Kind)] = &[
    ("code", Text),
    ("title", Text),
    ("title_en", Text),
    ("document_number", Text),
    ("issued_on", Date),
    ("start_year", Int),
    ("end_year", Int),
    ("base_year", Int),
    ("review_date", Date),
    ("framework", Text),
    ("budget_column_unit", Text),
    ("zone.code", Text),
    ("zone.name", Text),
    ("zone.name_en", Text),
    ("zone.level", Text),
    ("zone.kind", Text),
    ("zone.parent", Text),
    ("previous.code", Text),
    ("previous.end_year", Int),
];

const fn top(key: &'static str, file: &'static str, list: &'static str, columns: &'static [(&'static str, Kind)]) -> Sheet {
    Sheet { key, file, path: Path::Top(list), columns }
}

const fn child(key: &'static str, file: &'static str, of: (&'static str, &'static str), list: &'static str, columns: &'static [(&'static str, Kind)]) -> Sheet {
    Sheet { key, file, path: Path::Child { parent: of.0, id: of.1, list }, columns }
}

const INDICATOR: (&str, &str) = ("indicators", "code");
const TASK: (&str, &str) = ("tasks", "number");
const PROJECT: (&str, &str) = ("projects", "number");

/// The workbook's sheets, in order.
pub const SHEETS: &[Sheet] = &[
    Sheet { key: "plan", file: "plan.toml", path: Path::Fields, columns: &[("field", Text), ("value", Text), ("about", Text)] },
    top("phases", "plan.toml", "phases", &[("number", Int), ("name", Text), ("name_en", Text), ("start", Date), ("end", Date)]),
    child("milestones", "plan.toml", ("phases", "number"), "milestones", &[("of", Int), ("text", Text), ("text_en", Text), ("due", Date)]),
    top("org_units", "plan.toml", "org_units", &[("name", Text), ("name_en", Text), ("kind", Text), ("aliases", List), ("region", Text)]),
    top("groups", "plan.toml", "groups", &[("name", Text), ("members", Text)]),
    top("plan_corrections", "plan.toml", "corrections", PLAN_CORRECTION),
    top(
        "indicators",
        "indicators.toml",
        "indicators",
        &[
            ("code", Text),
            ("name_printed", Text),
            ("unit_printed", Text),
            ("target_printed", Text),
            ("rule", Text),
            ("direction", Text),
            ("lead_departments", List),
            ("data_providers", List),
            ("applies_while_rate_at_most", Text),
            ("continues", Text),
            ("baseline", Text),
        ],
    ),
    child(
        "sub_indicators",
        "indicators.toml",
        INDICATOR,
        "sub_indicators",
        &[("of", Text), ("code", Text), ("target_printed", Text), ("rule", Text), ("direction", Text), ("continues", Text), ("baseline", Text)],
    ),
    child(
        "indicator_assumptions",
        "indicators.toml",
        INDICATOR,
        "assumptions",
        &[("of", Text), ("field", Text), ("printed", Text), ("suggested", Text), ("note", Text), ("note_en", Text)],
    ),
    child("indicator_corrections", "indicators.toml", INDICATOR, "corrections", CORRECTION),
    top(
        "tasks",
        "tasks.toml",
        "tasks",
        &[
            ("number", Int),
            ("section", Int),
            ("title", Text),
            ("text", Text),
            ("responsibility_printed", Text),
            ("lead_departments", List),
            ("responsible_departments", List),
            ("survey_departments", List),
            ("indicators", List),
            ("continues", Int),
        ],
    ),
    child(
        "task_quantities",
        "tasks.toml",
        TASK,
        "quantities",
        &[("of", Int), ("what", Text), ("amount", Text), ("unit", Text), ("deadline", Int), ("comparison", Text), ("printed", Text)],
    ),
    child("task_corrections", "tasks.toml", TASK, "corrections", NUMBERED_CORRECTION),
    top(
        "projects",
        "projects.toml",
        "projects",
        &[
            ("number", Int),
            ("domain_printed", Text),
            ("name", Text),
            ("assessed_indicators_printed", Text),
            ("assessed_indicators", List),
            ("scope", Text),
            ("period_printed", Text),
            ("budget_printed", Text),
            ("implementers_printed", Text),
            ("implementers", List),
            ("continues", Int),
            ("carried_investment_wan", Text),
        ],
    ),
    child("project_corrections", "projects.toml", PROJECT, "corrections", NUMBERED_CORRECTION),
];

/// The files of a plan, in the order they are written.
pub const FILES: [&str; 4] = ["plan.toml", "indicators.toml", "tasks.toml", "projects.toml"];

/// The main sheet of each file (its errors without a row are said there).
const MAIN: [&str; 4] = ["plan", "indicators", "tasks", "projects"];

/// The fields that may be left out (an empty cell leaves them out). An empty cell of any other
/// text column is an empty text, and of a list an empty list; an empty number or day is left
/// out, and loading says it is missing.
const OPTIONAL: &[&str] =
    &["direction", "applies_while_rate_at_most", "continues", "baseline", "region", "zone.parent", "note", "note_en", "carried_investment_wan", "reading"];

/// The most characters a spreadsheet's cell holds.
pub const MAX_CELL: usize = 32_767;

/// What separates the names of a list in a cell.
const SEPARATORS: [char; 6] = ['、', '，', ',', '；', ';', '\n'];

/// The separator lists are written with.
pub const LIST_SEPARATOR: &str = "、";

/// A sheet as read: its tab's name, and each row's number (as the spreadsheet numbers it) with
/// its cells as text.
pub type SheetRows = (String, Vec<(u32, Vec<String>)>);

/// A cell as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Bool(bool),
}

/// A sheet laid out from the files: its rows of cells, in its columns' order (for the plan's
/// fields: field, value, and an empty third cell for the label the writer adds).
#[derive(Debug, Clone)]
pub struct SheetOut {
    pub sheet: &'static Sheet,
    pub rows: Vec<Vec<Cell>>,
}

fn cell_of(v: &toml::Value, kind: Kind) -> Result<Cell, String> {
    Ok(match (v, kind) {
        // a spreadsheet's cell holds at most 32,767 characters
        (toml::Value::String(s), Text) if s.chars().count() > MAX_CELL => {
            return Err(format!("{} characters, more than a cell holds ({MAX_CELL})", s.chars().count()));
        }
        (toml::Value::String(s), Text) => Cell::Text(s.clone()),
        (toml::Value::Integer(i), Int) => Cell::Int(*i),
        (toml::Value::Boolean(b), Bool) => Cell::Bool(*b),
        (toml::Value::Datetime(d), Date) => {
            let day = d.date.ok_or_else(|| format!("{d} is not a day"))?;
            Cell::Date(
                NaiveDate::from_ymd_opt(i32::from(day.year), u32::from(day.month), u32::from(day.day)).ok_or_else(|| format!("{d} is not a calendar day"))?,
            )
        }
        (toml::Value::Array(items), List) => {
            let names: Option<Vec<&str>> = items.iter().map(|i| i.as_str()).collect();
            let names = names.ok_or("a list of names")?;
            // a name that holds a separator would come back as two
            if let Some(n) = names.iter().find(|n| n.contains(SEPARATORS) || n.trim() != **n || n.is_empty()) {
                return Err(format!("the name {n:?} holds a separator (、，,；; or a line break) or spaces around it, so a list of it cannot be a cell"));
            }
            Cell::Text(names.join(LIST_SEPARATOR))
        }
        (other, kind) => return Err(format!("{other:?} is not {kind:?}")),
    })
}

/// A table's fields as cells of `columns` (after `of`), refusing any field the layout lacks.
fn row_of(t: &toml::Table, columns: &[(&str, Kind)], place: &str) -> Result<Vec<Cell>, String> {
    // a list laid out on a sheet of its own is not a column
    let own_sheet = |k: &str| SHEETS.iter().any(|s| matches!(s.path, Path::Child { list, .. } if list == k));
    if let Some(k) = t.keys().find(|k| (k.as_str() == "of" || !columns.iter().any(|(c, _)| c == k)) && !own_sheet(k)) {
        return Err(format!("{place}: the field {k} has no column"));
    }
    columns
        .iter()
        .filter(|(k, _)| *k != "of")
        .map(|(k, kind)| t.get(*k).map_or(Ok(Cell::Empty), |v| cell_of(v, *kind)).map_err(|e| format!("{place}: {k}: {e}")))
        .collect()
}

fn tables<'a>(t: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    t.get(key).and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|v| v.as_table()).collect()).unwrap_or_default()
}

/// Lays out a plan's data files (file name → text) as the workbook's sheets. A field the layout
/// has no column for is refused (it would be lost), naming it.
pub fn to_sheets(files: &BTreeMap<String, String>) -> Result<Vec<SheetOut>, String> {
    let mut parsed = BTreeMap::new();
    for f in FILES {
        let text = files.get(f).ok_or_else(|| format!("{f} is missing"))?;
        parsed.insert(f, text.parse::<toml::Table>().map_err(|e| format!("{f}: {}", e.message()))?);
    }
    let mut out = Vec::new();
    for sheet in SHEETS {
        let file = parsed.get(sheet.file).expect("every file parsed");
        let mut rows = Vec::new();
        match sheet.path {
            Path::Fields => {
                for (key, value) in file {
                    let known = |k: &str| FIELDS.iter().any(|(f, _)| *f == k);
                    match value {
                        toml::Value::Table(t) => {
                            if let Some(k) = t.keys().map(|k| format!("{key}.{k}")).find(|k| !known(k)) {
                                return Err(format!("plan.toml: the field {k} has no row"));
                            }
                        }
                        toml::Value::Array(_) if SHEETS.iter().any(|s| matches!(s.path, Path::Top(l) if l == key)) => {}
                        _ if !known(key) => return Err(format!("plan.toml: the field {key} has no row")),
                        _ => {}
                    }
                }
                for (key, kind) in FIELDS {
                    let v = match key.split_once('.') {
                        Some((t, k)) => file.get(t).and_then(|t| t.get(k)),
                        None => file.get(*key),
                    };
                    let value = v.map_or(Ok(Cell::Empty), |v| cell_of(v, *kind)).map_err(|e| format!("plan.toml: {key}: {e}"))?;
                    rows.push(vec![Cell::Text(key.to_string()), value, Cell::Empty]);
                }
            }
            Path::Top(list) => {
                for (i, t) in tables(file, list).into_iter().enumerate() {
                    rows.push(row_of(t, sheet.columns, &format!("{} {list} {}", sheet.file, i + 1))?);
                }
            }
            Path::Child { parent, id, list } => {
                for p in tables(file, parent) {
                    let of =
                        p.get(id).map_or(Ok(Cell::Empty), |v| cell_of(v, sheet.columns[0].1)).map_err(|e| format!("{}: {parent} {id}: {e}", sheet.file))?;
                    for (i, t) in tables(p, list).into_iter().enumerate() {
                        let mut row = vec![of.clone()];
                        row.extend(row_of(t, sheet.columns, &format!("{} {parent} {list} {}", sheet.file, i + 1))?);
                        rows.push(row);
                    }
                }
            }
        }
        out.push(SheetOut { sheet, rows });
    }
    Ok(out)
}

/// A cell of the workbook that cannot be read: its sheet (the tab as found), row (as the
/// spreadsheet numbers it), 0-based column and the column's key, what was found, and a stable
/// code (`plan_book_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookProblem {
    pub sheet: String,
    pub row: u32,
    pub col: Option<usize>,
    pub key: String,
    pub found: String,
    pub code: &'static str,
}

/// The files read back from a workbook, and where each of their lines came from.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// File name → text, as [`FILES`] names them.
    pub files: BTreeMap<String, String>,
    /// File name → for each line (from 1), the sheet and row it was written from.
    lines: BTreeMap<String, Vec<Option<(String, u32)>>>,
    /// The rows that loading names (`indicator 5`, `sub-indicator 7.2`, `task 3`, `project 12`,
    /// `phase 1`, and the plan's fields as `field zone.code`): what, id, sheet as found, row.
    rows: Vec<(&'static str, String, String, u32)>,
    /// File name → the sheet (as found) of its main list, or of the plan's fields.
    tabs: BTreeMap<String, String>,
}

/// What loading calls the rows of a sheet, and the field that names each.
const NAMED: [(&str, &str, &str); 6] = [
    ("indicators", "indicator", "code"),
    ("sub_indicators", "sub-indicator", "code"),
    ("tasks", "task", "number"),
    ("projects", "project", "number"),
    ("phases", "phase", "number"),
    ("org_units", "org unit", "name"),
];

/// The value of `key` in a row's `key = value` lines, as text (quotes taken off).
fn value_of(fields: &[String], key: &str) -> Option<String> {
    fields.iter().find_map(|l| l.strip_prefix(&format!("{key} = "))).map(|v| v.trim_matches('"').to_string())
}

impl Book {
    /// A loading error of the files as a place in the workbook: the sheet and row of the line
    /// it names (`line 12`), or the sheet of its file.
    pub fn place(&self, mut e: PlanDataError) -> PlanDataError {
        let lines = self.lines.get(&e.file);
        let line = e.entry.strip_prefix("line ").and_then(|n| n.parse::<usize>().ok());
        let by_line = line.and_then(|n| lines?.iter().take(n).rev().find_map(|p| p.clone()));
        // a row named by what it is (`indicator 5`), or a field of the plan (`zone` + `code`)
        let field = match e.entry.as_str() {
            "plan" => Some(e.field.clone()),
            "zone" | "previous" => Some(format!("{}.{}", e.entry, e.field)),
            _ => None,
        };
        // loading names a row as `task 3`, or by its table as `tasks 3` (`org_units 市林草局`)
        let named = e.entry.split_once(' ').map(|(w, i)| (NAMED.iter().find(|(table, ..)| *table == w).map_or(w, |(_, what, _)| *what), i));
        let by_name = self.rows.iter().find(|(what, id, ..)| match &field {
            Some(f) => *what == "field" && id == f,
            None => named.is_some_and(|(w, i)| w == *what && i == id),
        });
        match (by_line, by_name) {
            (Some((sheet, row)), _) => {
                e.file = sheet;
                e.entry = format!("row {row}");
            }
            (None, Some((_, _, sheet, row))) => {
                e.file = sheet.clone();
                e.entry = match field {
                    Some(_) => format!("row {row}"),
                    None => format!("row {row} ({})", e.entry),
                };
            }
            (None, None) => {
                if let Some(t) = self.tabs.get(&e.file) {
                    e.file = t.clone();
                }
                // a line of a file the person never saw says nothing to them
                if e.entry.starts_with("line ") {
                    e.entry.clear();
                }
            }
        }
        e
    }
}

/// The text columns that name something (a code, an org unit, a kind): read without the spaces
/// around them, which nobody sees and which would make the name another. Other text is read as
/// typed.
const NAMES: &[&str] = &[
    "code",
    "of",
    "continues",
    "direction",
    "kind",
    "region",
    "members",
    "framework",
    "name",
    "zone.code",
    "zone.level",
    "zone.kind",
    "zone.parent",
    "previous.code",
];

/// The TOML text of one value of the column `key` read from a cell.
fn toml_of(key: &str, text: &str, kind: Kind) -> Result<String, &'static str> {
    let t = text.trim();
    Ok(match kind {
        Text if NAMES.contains(&key) => quoted(t),
        Text => quoted(text),
        Int => {
            // a whole number typed in a number cell reads as 12 or 12.0
            let n = t.strip_suffix(".0").unwrap_or(t);
            n.parse::<i64>().map_err(|_| "plan_book_not_int")?.to_string()
        }
        Date => {
            let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d")).map_err(|_| "plan_book_not_date")?;
            d.format("%Y-%m-%d").to_string()
        }
        Bool => match t.to_lowercase().as_str() {
            "true" | "是" | "yes" | "1" => "true".into(),
            "false" | "否" | "no" | "0" => "false".into(),
            _ => return Err("plan_book_not_bool"),
        },
        List => {
            let items: Vec<String> = t.split(SEPARATORS).map(str::trim).filter(|s| !s.is_empty()).map(quoted).collect();
            format!("[{}]", items.join(", "))
        }
    })
}

/// One file being written, each line with the place it came from.
#[derive(Default)]
struct Writer {
    text: String,
    lines: Vec<Option<(String, u32)>>,
}

impl Writer {
    fn line(&mut self, s: &str, from: Option<(&str, u32)>) {
        self.text.push_str(s);
        self.text.push('\n');
        self.lines.push(from.map(|(sh, r)| (sh.to_string(), r)));
    }
}

/// A data row read: its number and its fields as TOML (`key = value` lines), by column key.
struct ReadRow {
    row: u32,
    of: Option<String>,
    fields: Vec<String>,
}

/// Reads the workbook's sheets back into the plan's files. `sheets` are the workbook's sheets as
/// read (tab name, and each row's number with its cells as text); `tab` gives the tab names a
/// sheet key may have (one per language). A sheet is found by any of its tab names; row 1 holds
/// the columns' labels (not read) and row 2 their keys; every row below with a cell is a row of
/// the file. Unknown sheets are left alone. Every problem is returned, each placed.
pub fn from_sheets(sheets: &[SheetRows], tab: impl Fn(&str) -> Vec<String>) -> Result<Book, Vec<BookProblem>> {
    let mut problems = Vec::new();
    // each sheet found: its tab, its rows, the column of each key
    let mut read: BTreeMap<&str, (String, Vec<ReadRow>)> = BTreeMap::new();
    let mut key_columns: BTreeMap<&str, Vec<Option<(&'static str, Kind)>>> = BTreeMap::new();
    for sheet in SHEETS {
        let names = tab(sheet.key);
        let is_it = |n: &str| names.iter().any(|t| t == n.trim()) || n.trim() == sheet.key;
        // one sheet under two of its names (one per language): which one holds the plan?
        if let Some((second, _)) = sheets.iter().filter(|(n, _)| is_it(n)).nth(1) {
            problems.push(BookProblem { sheet: second.clone(), row: 0, col: None, key: String::new(), found: second.clone(), code: "plan_book_sheet_twice" });
            continue;
        }
        let Some((name, rows)) = sheets.iter().find(|(n, _)| is_it(n)) else {
            // every sheet is written, even empty: one missing was deleted or renamed (a copy
            // of a sheet is named "… (2)"), and its rows would be lost
            problems.push(BookProblem {
                sheet: names.first().cloned().unwrap_or_default(),
                row: 0,
                col: None,
                key: String::new(),
                found: sheets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                code: "plan_book_sheet_missing",
            });
            continue;
        };
        let problem = |row: u32, col: Option<usize>, key: &str, found: &str, code: &'static str| BookProblem {
            sheet: name.clone(),
            row,
            col,
            key: key.to_string(),
            found: found.to_string(),
            code,
        };
        // the keys' row: each column's key, every key once
        let keys = rows.iter().find(|(r, _)| *r == 2).map(|(_, c)| c.clone()).unwrap_or_default();
        let mut columns: Vec<Option<(&'static str, Kind)>> = Vec::new();
        for (c, k) in keys.iter().enumerate() {
            let k = k.trim();
            let col = sheet.columns.iter().find(|(key, _)| *key == k).copied();
            if !k.is_empty() && col.is_none() {
                problems.push(problem(2, Some(c), k, k, "plan_book_unknown_column"));
            } else if col.is_some() && columns.iter().flatten().any(|(key, _)| *key == k) {
                problems.push(problem(2, Some(c), k, k, "plan_book_column_twice"));
            }
            columns.push(col);
        }
        // a row 2 without one key of the sheet: the keys' row was deleted or moved
        if !columns.iter().any(Option::is_some) {
            problems.retain(|p| !(p.sheet == *name && p.row == 2));
            problems.push(problem(2, None, "", &keys.join(" | "), "plan_book_keys_missing"));
            continue;
        }
        let col = |key: &str| columns.iter().position(|c| c.is_some_and(|(k, _)| k == key));
        let required_keys: &[&str] = match sheet.path {
            Path::Fields => &["field", "value"],
            Path::Child { .. } => &["of"],
            Path::Top(_) => &[],
        };
        for k in required_keys {
            if col(k).is_none() {
                problems.push(problem(2, None, k, "", "plan_book_column_missing"));
            }
        }
        let mut out = Vec::new();
        let mut fields_seen = std::collections::BTreeSet::new();
        for (r, cells) in rows.iter().filter(|(r, _)| *r > 2) {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            // a value in a column without a key would be lost
            if let Some(c) = cells.iter().enumerate().position(|(c, v)| !v.trim().is_empty() && columns.get(c).copied().flatten().is_none()) {
                problems.push(problem(*r, Some(c), "", &cells[c], "plan_book_column_without_key"));
                continue;
            }
            let mut row = ReadRow { row: *r, of: None, fields: Vec::new() };
            if sheet.path == Path::Fields {
                let (fcol, vcol) = (col("field"), col("value"));
                let field = fcol.and_then(|i| cells.get(i)).map_or("", |s| s.trim());
                let value = vcol.and_then(|i| cells.get(i));
                let twice = !fields_seen.insert(field.to_string());
                match FIELDS.iter().find(|(f, _)| *f == field) {
                    Some(_) if twice => problems.push(problem(*r, fcol, "field", field, "plan_book_field_twice")),
                    None => problems.push(problem(*r, fcol, "field", field, "plan_book_unknown_field")),
                    Some((f, kind)) => match value.filter(|v| !v.trim().is_empty()) {
                        None if *kind == Text && !OPTIONAL.contains(f) && !f.starts_with("previous.") => row.fields.push(format!("{f} = \"\"")),
                        None => {}
                        Some(v) => match toml_of(f, v, *kind) {
                            Ok(t) => row.fields.push(format!("{f} = {t}")),
                            Err(code) => problems.push(problem(*r, vcol, f, v, code)),
                        },
                    },
                }
                out.push(row);
                continue;
            }
            for (c, v) in cells.iter().enumerate() {
                let Some((key, kind)) = columns.get(c).copied().flatten() else { continue };
                if v.trim().is_empty() {
                    match kind {
                        Text if key != "of" && !OPTIONAL.contains(&key) => row.fields.push(format!("{key} = \"\"")),
                        List => row.fields.push(format!("{key} = []")),
                        _ => {}
                    }
                    continue;
                }
                match toml_of(key, v, kind) {
                    // as the parent's id reads: 3 for "03" or "3.0", the text for a code
                    Ok(t) if key == "of" => row.of = Some(t.trim_matches('"').to_string()),
                    Ok(t) => row.fields.push(format!("{key} = {t}")),
                    Err(code) => problems.push(problem(*r, Some(c), key, v, code)),
                }
            }
            if matches!(sheet.path, Path::Child { .. }) && row.of.is_none() {
                problems.push(problem(*r, col("of"), "of", "", "plan_book_of_missing"));
                continue;
            }
            out.push(row);
        }
        read.insert(sheet.key, (name.clone(), out));
        key_columns.insert(sheet.key, columns);
    }
    let col_of = |sheet: &str, key: &str| key_columns.get(sheet).and_then(|cs| cs.iter().position(|c| c.is_some_and(|(k, _)| k == key)));
    // each row named once (an indicator's code, a task's number): a copied row would be lost
    let mut ids: BTreeMap<&str, BTreeMap<String, u32>> = BTreeMap::new();
    for (key, _, id) in NAMED {
        let Some((tab, rows)) = read.get(key) else { continue };
        let seen = ids.entry(key).or_default();
        for r in rows {
            let Some(v) = value_of(&r.fields, id) else { continue };
            match seen.entry(v) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(r.row);
                }
                std::collections::btree_map::Entry::Occupied(e) => {
                    let found = e.key().clone();
                    problems.push(BookProblem { sheet: tab.clone(), row: r.row, col: col_of(key, id), key: id.to_string(), found, code: "plan_book_id_twice" });
                }
            }
        }
    }
    // every row of a list inside another names a row that is there (else it would be lost)
    for c in SHEETS {
        let Path::Child { parent, .. } = c.path else { continue };
        let Some((cname, crows)) = read.get(c.key) else { continue };
        let known = ids.get(parent);
        for cr in crows.iter().filter(|cr| !cr.of.as_ref().is_some_and(|o| known.is_some_and(|k| k.contains_key(o)))) {
            let found = cr.of.clone().unwrap_or_default();
            problems.push(BookProblem { sheet: cname.clone(), row: cr.row, col: col_of(c.key, "of"), key: "of".into(), found, code: "plan_book_of_unknown" });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // the rows of each list inside another, by the row they are of
    let mut children: BTreeMap<(&str, String), Vec<&ReadRow>> = BTreeMap::new();
    for c in SHEETS.iter().filter(|c| matches!(c.path, Path::Child { .. })) {
        for cr in read.get(c.key).map(|(_, rows)| rows.as_slice()).unwrap_or_default() {
            children.entry((c.key, cr.of.clone().unwrap_or_default())).or_default().push(cr);
        }
    }
    let mut book = Book::default();
    for (key, (tab, rows)) in &read {
        let sheet = SHEETS.iter().find(|s| s.key == *key).expect("a sheet of the layout");
        if MAIN.contains(key) {
            book.tabs.insert(sheet.file.to_string(), tab.clone());
        }
        for r in rows {
            if sheet.path == Path::Fields {
                if let Some((f, _)) = r.fields.first().and_then(|l| l.split_once(" = ")) {
                    book.rows.push(("field", f.to_string(), tab.clone(), r.row));
                }
            } else if let Some((_, what, id)) = NAMED.iter().find(|(k, ..)| k == key)
                && let Some(v) = value_of(&r.fields, id)
            {
                book.rows.push((what, v, tab.clone(), r.row));
            }
        }
    }
    for file in FILES {
        let mut w = Writer::default();
        w.line("# Read from a workbook by ecociv: edit the workbook, or this file.", None);
        let in_file: Vec<&Sheet> = SHEETS.iter().filter(|s| s.file == file).collect();
        // the plan's own fields: the top level first, then the tables
        for s in in_file.iter().filter(|s| s.path == Path::Fields) {
            let Some((name, rows)) = read.get(s.key) else { continue };
            let line_of = |f: &str| rows.iter().find(|r| r.fields.iter().any(|l| l.starts_with(&format!("{f} = "))));
            for table in ["", "zone", "previous"] {
                let mut header = false;
                for (f, _) in FIELDS {
                    let (t, k) = f.split_once('.').unwrap_or(("", f));
                    if t != table {
                        continue;
                    }
                    let Some(r) = line_of(f) else { continue };
                    if !table.is_empty() && !header {
                        w.line(&format!("[{table}]"), Some((name, r.row)));
                        header = true;
                    }
                    let line = r.fields.iter().find(|l| l.starts_with(&format!("{f} = "))).expect("found");
                    w.line(&format!("{k}{}", &line[f.len()..]), Some((name, r.row)));
                }
            }
        }
        for s in in_file.iter().filter(|s| matches!(s.path, Path::Top(_))) {
            let Path::Top(list) = s.path else { continue };
            let Some((name, rows)) = read.get(s.key) else { continue };
            for r in rows {
                w.line(&format!("[[{list}]]"), Some((name, r.row)));
                for f in &r.fields {
                    w.line(f, Some((name, r.row)));
                }
                // this row's children, from each sheet of lists inside it
                let id_of = |id: &str| value_of(&r.fields, id);
                let lists: Vec<(&Sheet, &str, &[&ReadRow])> = in_file
                    .iter()
                    .filter_map(|c| match c.path {
                        Path::Child { parent, id, list: child } if parent == list => {
                            let idv = id_of(id).unwrap_or_default();
                            Some((*c, child, children.get(&(c.key, idv)).map(Vec::as_slice).unwrap_or_default()))
                        }
                        _ => None,
                    })
                    .collect();
                // a list without rows is an empty list (a phase without milestones is still a
                // phase), said before the tables of the others
                for (_, child, _) in lists.iter().filter(|(.., rows)| rows.is_empty()) {
                    w.line(&format!("{child} = []"), Some((name, r.row)));
                }
                for (c, child, rows) in lists {
                    let cname = read.get(c.key).map_or(c.key, |(n, _)| n.as_str());
                    for cr in rows {
                        w.line(&format!("[[{list}.{child}]]"), Some((cname, cr.row)));
                        for f in &cr.fields {
                            w.line(f, Some((cname, cr.row)));
                        }
                    }
                }
            }
        }
        book.files.insert(file.to_string(), w.text);
        book.lines.insert(file.to_string(), w.lines);
    }
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{PlanSource, build_plan, hohhot};

    fn hohhot_files() -> BTreeMap<String, String> {
        let s = hohhot();
        [s.plan, s.indicators, s.tasks, s.projects].into_iter().map(|(n, t)| (n.rsplit('/').next().unwrap().to_string(), t)).collect()
    }

    /// The sheets as a spreadsheet gives them back: every cell as text, the labels in row 1, the
    /// keys in row 2.
    fn as_read(out: &[SheetOut]) -> Vec<SheetRows> {
        out.iter()
            .map(|s| {
                let keys: Vec<String> = s.sheet.columns.iter().map(|(k, _)| k.to_string()).collect();
                let mut rows = vec![(1, keys.iter().map(|k| format!("label of {k}")).collect()), (2, keys)];
                for (i, r) in s.rows.iter().enumerate() {
                    let cells = r
                        .iter()
                        .map(|c| match c {
                            Cell::Empty => String::new(),
                            Cell::Text(t) => t.clone(),
                            Cell::Int(n) => format!("{n}"),
                            Cell::Date(d) => d.to_string(),
                            Cell::Bool(b) => b.to_string(),
                        })
                        .collect();
                    rows.push((i as u32 + 3, cells));
                }
                (s.sheet.key.to_string(), rows)
            })
            .collect()
    }

    /// The error of loading the files read from `sheets`, placed in the workbook.
    fn refusal(sheets: &[SheetRows]) -> PlanDataError {
        let book = from_sheets(sheets, |_| vec![]).unwrap();
        book.place(load(&book.files).unwrap_err())
    }

    fn load(files: &BTreeMap<String, String>) -> Result<crate::model::Plan, PlanDataError> {
        let f = |n: &str| (n.to_string(), files[n].clone());
        build_plan(&PlanSource {
            framework: hohhot().framework,
            plan: f("plan.toml"),
            indicators: f("indicators.toml"),
            tasks: f("tasks.toml"),
            projects: f("projects.toml"),
        })
    }

    fn plan_of(files: &BTreeMap<String, String>) -> crate::model::Plan {
        load(files).unwrap()
    }

    #[test]
    fn the_hohhot_plan_goes_through_a_workbook_unchanged() {
        let files = hohhot_files();
        let out = to_sheets(&files).unwrap();
        let indicators = out.iter().find(|s| s.sheet.key == "indicators").unwrap();
        assert_eq!(indicators.rows.len(), files["indicators.toml"].matches("[[indicators]]").count(), "a row per indicator");
        let book = from_sheets(&as_read(&out), |_| vec![]).unwrap();
        let (a, b) = (plan_of(&files), plan_of(&book.files));
        // the same plan; only the hash of the files' text differs
        let json = |p: &crate::model::Plan| {
            let mut v = serde_json::to_value(p).unwrap();
            v.as_object_mut().unwrap().remove("content_hash");
            v
        };
        let (ja, jb) = (json(&a), json(&b));
        if ja != jb {
            let (ta, tb) = (serde_json::to_string_pretty(&ja).unwrap(), serde_json::to_string_pretty(&jb).unwrap());
            let first = ta.lines().zip(tb.lines()).enumerate().find(|(_, (x, y))| x != y);
            panic!("the plan changed on its way through the workbook: {first:?}");
        }
        assert!(!a.findings.is_empty() && a.findings == b.findings, "its corrections and doubts too");
    }

    #[test]
    fn what_a_cell_cannot_hold_is_refused_when_written() {
        let mut files = hohhot_files();
        let p = files.get_mut("plan.toml").unwrap();
        *p = p.replacen("aliases = [", "aliases = [\"生态环境局,环保局\", ", 1);
        assert!(to_sheets(&files).unwrap_err().contains("生态环境局,环保局"));
        let mut files = hohhot_files();
        let t = files.get_mut("tasks.toml").unwrap();
        *t = t.replacen("title = \"", &format!("title = \"{}", "长".repeat(MAX_CELL)), 1);
        assert!(to_sheets(&files).unwrap_err().contains("more than a cell holds"));
    }

    #[test]
    fn rows_named_twice_and_fields_given_twice_are_refused() {
        let out = to_sheets(&hohhot_files()).unwrap();
        // a task copied: its number twice, and quantities under it
        let mut sheets = as_read(&out);
        let tasks = sheets.iter_mut().find(|(n, _)| n == "tasks").unwrap();
        let copy = tasks.1[2].1.clone();
        tasks.1.push((999, copy));
        let e = from_sheets(&sheets, |_| vec![]).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].row, e[0].col, e[0].code, e[0].found.as_str()), ("tasks", 999, Some(0), "plan_book_id_twice", "1"));
        // the plan's title given again below: which one?
        let mut sheets = as_read(&out);
        let plan = sheets.iter_mut().find(|(n, _)| n == "plan").unwrap();
        plan.1.push((999, vec!["title".into(), "另一个标题".into(), String::new()]));
        let e = from_sheets(&sheets, |_| vec![]).unwrap_err();
        assert_eq!((e[0].row, e[0].code), (999, "plan_book_field_twice"));
        // a sheet under two of its names
        let mut sheets = as_read(&out);
        let again = sheets.iter().find(|(n, _)| n == "groups").unwrap().clone();
        sheets.push(("单位组".into(), again.1));
        let e = from_sheets(&sheets, |k| if k == "groups" { vec!["单位组".into()] } else { vec![] }).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].code), ("单位组", "plan_book_sheet_twice"));
        // the keys' row deleted
        let mut sheets = as_read(&out);
        let tasks = sheets.iter_mut().find(|(n, _)| n == "tasks").unwrap();
        tasks.1.remove(1);
        let e = from_sheets(&sheets, |_| vec![]).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].row, e[0].code), ("tasks", 2, "plan_book_keys_missing"), "{e:?}");
        // a phase without milestones is a phase with none; a number typed 03 is 3
        let mut sheets = as_read(&out);
        let ms = sheets.iter_mut().find(|(n, _)| n == "milestones").unwrap();
        ms.1.retain(|(r, c)| *r <= 2 || c[0] != "3");
        let q = sheets.iter_mut().find(|(n, _)| n == "task_quantities").unwrap();
        q.1[2].1[0] = format!("0{}", q.1[2].1[0]);
        let plan = load(&from_sheets(&sheets, |_| vec![]).unwrap().files).unwrap();
        assert!(plan.phases[2].milestones.is_empty() && !plan.phases[1].milestones.is_empty());
        assert_eq!(plan.tasks.iter().map(|t| t.quantities.len()).sum::<usize>(), hohhot_files()["tasks.toml"].matches("what = ").count());
    }

    #[test]
    fn a_field_the_layout_lacks_is_refused_not_lost() {
        let mut files = hohhot_files();
        let p = files.get_mut("projects.toml").unwrap();
        *p = p.replacen("[[projects]]\n", "[[projects]]\nsecret = \"x\"\n", 1);
        assert!(to_sheets(&files).unwrap_err().contains("secret"));
    }

    #[test]
    fn every_bad_cell_is_placed() {
        let out = to_sheets(&hohhot_files()).unwrap();
        let mut sheets = as_read(&out);
        let tasks = sheets.iter_mut().find(|(n, _)| n == "tasks").unwrap();
        tasks.1[2].1[0] = "三".into(); // number of the first task
        tasks.1[1].1.push("colour".into()); // a column the plan has not
        let subs = sheets.iter_mut().find(|(n, _)| n == "sub_indicators").unwrap();
        subs.1[2].1[0] = "99".into(); // a sub-indicator of no indicator
        let e = from_sheets(&sheets, |_| vec![]).unwrap_err();
        assert!(e.iter().any(|p| p.sheet == "tasks" && p.row == 3 && p.col == Some(0) && p.code == "plan_book_not_int" && p.found == "三"), "{e:?}");
        assert!(e.iter().any(|p| p.sheet == "tasks" && p.row == 2 && p.code == "plan_book_unknown_column" && p.found == "colour"), "{e:?}");
        // the orphan is found once the cells read
        let mut sheets = as_read(&out);
        sheets.iter_mut().find(|(n, _)| n == "sub_indicators").unwrap().1[2].1[0] = "99".into();
        let e = from_sheets(&sheets, |_| vec![]).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].row, e[0].code, e[0].found.as_str()), ("sub_indicators", 3, "plan_book_of_unknown", "99"));
        // a missing sheet is said, any of them (its rows would be lost)
        let e = from_sheets(&as_read(&out)[1..], |k| vec![format!("tab {k}")]).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].code), ("tab plan", "plan_book_sheet_missing"));
        let mut renamed = as_read(&out);
        renamed.iter_mut().find(|(n, _)| n == "task_quantities").unwrap().0 = "task_quantities (2)".into();
        let e = from_sheets(&renamed, |k| vec![format!("tab {k}")]).unwrap_err();
        assert_eq!((e[0].sheet.as_str(), e[0].code), ("tab task_quantities", "plan_book_sheet_missing"));
    }

    #[test]
    fn a_loading_error_is_placed_in_the_workbook() {
        let out = to_sheets(&hohhot_files()).unwrap();
        let mut sheets = as_read(&out);
        // the second project's number left blank: a required field
        let projects = sheets.iter_mut().find(|(n, _)| n == "projects").unwrap();
        let name = projects.1[1].1.iter().position(|k| k == "number").unwrap();
        projects.1[4].1[name].clear();
        let e = refusal(&sheets);
        assert_eq!((e.file.as_str(), e.entry.as_str()), ("projects", "row 5"), "{e}");

        // a rule left blank: loading names the sub-indicator, the workbook its row
        let mut sheets = as_read(&out);
        let subs = sheets.iter_mut().find(|(n, _)| n == "sub_indicators").unwrap();
        let rule = subs.1[1].1.iter().position(|k| k == "rule").unwrap();
        let (row, code) = (subs.1[3].0, subs.1[3].1[1].clone());
        subs.1[3].1[rule].clear();
        let e = refusal(&sheets);
        assert_eq!((e.file.as_str(), e.entry.clone(), e.field.as_str()), ("sub_indicators", format!("row {row} (sub-indicator {code})"), "rule"), "{e}");
        // a name loading cannot resolve, said by its table (`tasks 3`): its row all the same
        let mut sheets = as_read(&out);
        let tasks = sheets.iter_mut().find(|(n, _)| n == "tasks").unwrap();
        let lead = tasks.1[1].1.iter().position(|k| k == "lead_departments").unwrap();
        tasks.1[4].1[lead] = "市不存在局".into();
        let e = refusal(&sheets);
        assert_eq!((e.file.as_str(), e.entry.as_str()), ("tasks", "row 5 (tasks 3)"), "{e}");
        // a field of the plan, by its row on the plan's sheet
        let mut sheets = as_read(&out);
        let plan = sheets.iter_mut().find(|(n, _)| n == "plan").unwrap();
        let level = plan.1.iter_mut().find(|(_, c)| c[0] == "zone.level").unwrap();
        level.1[1] = "galaxy".into();
        let row = level.0;
        let e = refusal(&sheets);
        assert_eq!(e.file, "plan", "{e}");
        assert_eq!(e.entry, format!("row {row}"), "{e}");
    }

    #[test]
    fn cells_read_as_people_type_them() {
        assert_eq!(toml_of("n", "12.0", Int).unwrap(), "12");
        assert_eq!(toml_of("d", "2026/2/1", Date).unwrap(), "2026-02-01");
        assert_eq!(toml_of("b", "是", Bool).unwrap(), "true");
        assert_eq!(toml_of("l", "市生态环境局、 市发展改革委，市林草局\n", List).unwrap(), r#"["市生态环境局", "市发展改革委", "市林草局"]"#);
        assert_eq!(toml_of("t", "a \"b\"", Text).unwrap(), r#""a \"b\"""#);
        assert_eq!(toml_of("n", "12.5", Int), Err("plan_book_not_int"));
        // a name without the spaces nobody sees; other text as typed
        assert_eq!(toml_of("code", " 5.1 ", Text).unwrap(), r#""5.1""#);
        assert_eq!(toml_of("title", " 标题 ", Text).unwrap(), r#"" 标题 ""#);
        assert_eq!(toml_of("d", "2026-02-30", Date), Err("plan_book_not_date"));
    }
}
