//! Reading a filled workbook or CSV back: the first half of an import. Two shapes are read:
//! a **template** (an `.xlsx` carrying the [`Signature`] of what was downloaded; its data sheet
//! must keep the template's columns in place, in any language), and a **table** without a
//! signature (the first sheet of an `.xlsx`, or a CSV in UTF-8 or GB18030) whose header names
//! its columns in any order — the same headers as the template's, plus the period (月份 or
//! 年度) and optionally the org unit (填报单位). Every row comes back as text per column key,
//! with its row number, for the checks of the data loop. Nothing here judges values.
//!
//! What cannot be read safely is refused before any value is looked at, as a [`Problem`] that
//! names the sheet, row and column: not a workbook, an encrypted workbook or an old `.xls`, a
//! damaged file, one over [`MAX_BYTES`] or unpacking to over [`MAX_UNPACKED`] (a
//! decompression bomb), a cell right of [`MAX_COLUMNS`] or below [`MAX_ROWS`], formulas, merged
//! cells, hidden rows that hold data, a changed header. A sheet's values are read in one pass
//! and what they do not show (hidden rows, formulas, merged cells) in a light pass beside it.
//! [`marked_workbook`] gives the rows back with every bad cell marked and the problems listed.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Xlsx};
use ecociv_core::Locale;
use ecociv_core::locale::{Text, t, tf};
use rust_xlsxwriter::{Format, Note, Workbook};

use crate::ReportError;
use crate::sheet::{SIGNATURE_SHEET, Signature, TemplateKind, column_header, column_header_key, column_keys, data_sheet_key, data_sheet_name};

/// Larger files are refused before they are opened.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// A workbook whose parts unpack to more is refused (a 10 MB file of repeated bytes can
/// unpack to gigabytes).
pub const MAX_UNPACKED: u128 = 200 * 1024 * 1024;
/// More rows than this are refused.
pub const MAX_ROWS: usize = 200_000;

/// One problem of a file, placed as precisely as it can be; its texts are written in the
/// language asked for when it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    /// The row in the file (1 = the header row).
    pub row: Option<u32>,
    /// The 0-based column.
    pub col: Option<usize>,
    /// The locale key of the column's header (`col.value`), when it has one.
    pub header: Option<&'static str>,
    pub found: String,
    /// A stable code (`not_a_workbook`, `encrypted_or_xls`, a check's code, …).
    pub code: String,
    /// What is expected.
    pub expects: Text,
}

impl Problem {
    /// A problem of the whole file.
    pub fn file(code: &str, found: impl Into<String>, expects: Text) -> Problem {
        Problem { sheet: String::new(), row: None, col: None, header: None, found: found.into(), code: code.into(), expects }
    }
    /// A problem of a cell (or a row, without a column) of a read file.
    pub fn cell(f: &Filled, row: u32, key: Option<&str>, code: &str, expects: Text) -> Problem {
        let found = key.and_then(|k| f.rows.binary_search_by_key(&row, |r| r.row).ok().and_then(|i| f.rows[i].cells.get(k))).cloned().unwrap_or_default();
        // a long text is quoted by its beginning
        let found = if found.chars().count() > 200 { format!("{}…", found.chars().take(200).collect::<String>()) } else { found };
        Problem {
            sheet: f.sheet.clone(),
            row: Some(row),
            col: key.and_then(|k| f.col(k)),
            header: key.and_then(|k| header_key(f.kind, k)),
            found,
            code: code.into(),
            expects,
        }
    }
    /// What is expected, in a language.
    pub fn expected(&self, l: Locale) -> String {
        self.expects.render(l)
    }
    /// The column letter and header (`G 本年值`), or empty.
    pub fn column(&self, l: Locale) -> String {
        self.col.map(|c| format!("{} {}", column_letter(c), self.header.map(|h| t(l, h)).unwrap_or_default()).trim().to_string()).unwrap_or_default()
    }
    /// Sheet, row and column in one phrase: `指标数据 第5行 G 本年值`.
    pub fn place(&self, l: Locale) -> String {
        let mut parts = vec![self.sheet.clone()];
        if let Some(r) = self.row {
            parts.push(tf(l, "import.place.row", &[("row", r.to_string())]));
        }
        parts.push(self.column(l));
        parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
    }
}

/// A row of the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledRow {
    /// The row number in the file (the header is row 1).
    pub row: u32,
    /// The text of each column, by key.
    pub cells: BTreeMap<&'static str, String>,
}

/// A workbook or table as it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// A template's; `None` for a table.
    pub signature: Option<Signature>,
    pub kind: TemplateKind,
    /// The sheet read (`CSV` for a CSV file).
    pub sheet: String,
    /// The key of each column, in the file's order (`None` for a column without a header).
    pub columns: Vec<Option<&'static str>>,
    pub rows: Vec<FilledRow>,
}

impl Filled {
    /// The 0-based column of a key.
    pub fn col(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(key))
    }
}

/// Columns a table has besides a template's: its period, and the org unit reporting.
const TABLE_COLUMNS: [(&str, &str); 3] = [("period", "import.month"), ("year", "import.year"), ("org_unit", "col.org_unit")];

/// The locale key of the header of a column of a kind (a template's or a table's).
pub fn header_key(kind: TemplateKind, key: &str) -> Option<&'static str> {
    column_header_key(kind, key).or_else(|| TABLE_COLUMNS.iter().find(|c| c.0 == key).map(|c| c.1))
}

/// The header of a column of a kind in a language (a template's or a table's).
pub fn header(kind: TemplateKind, key: &str, l: Locale) -> Option<&'static str> {
    header_key(kind, key).map(|h| t(l, h))
}

/// `text` with its placeholder `name` filled by the header of a column (the key itself when
/// the column has none).
fn with_header(text: Text, name: &'static str, kind: TemplateKind, key: &str) -> Text {
    match header_key(kind, key) {
        Some(h) => text.text(name, Text::new(h)),
        None => text.arg(name, key),
    }
}

/// The keys a table of a kind may have, and those it must have.
fn table_keys(kind: TemplateKind) -> (Vec<&'static str>, &'static [&'static str]) {
    let mut keys = column_keys(kind);
    if kind != TemplateKind::Rectifications {
        keys.extend([if kind.monthly() { "period" } else { "year" }, "org_unit"]);
    }
    let required: &[&str] = match kind {
        TemplateKind::Observations => &["indicator", "year", "value"],
        TemplateKind::Dispatch => &["project", "period", "status", "progress_percent", "investment_month_wan"],
        TemplateKind::Tasks => &["task", "period", "progress"],
        TemplateKind::Rectifications => &["number", "problem", "owner", "deadline"],
    };
    (keys, required)
}

/// The key a header names: its text in any language (any case), or the key itself.
fn key_of(kind: TemplateKind, text: &str) -> Option<&'static str> {
    let t = text.trim();
    table_keys(kind).0.into_iter().find(|k| *k == t || Locale::all().any(|l| header(kind, k, l).is_some_and(|h| h.eq_ignore_ascii_case(t))))
}

/// `A`, `B`, … `Z`, `AA` for a 0-based column.
pub fn column_letter(c: usize) -> String {
    let mut n = c + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

fn text_of_ref(d: &DataRef) -> String {
    match d {
        DataRef::SharedString(s) => s.trim().to_string(),
        other => text_of(&Data::from(other.clone())),
    }
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // shortest text that reads back as the same number: 36.5, 34
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        // a date cell (a month typed as 2024/5/1): its day, which the checks read as a month
        Data::DateTime(d) => {
            let serial = d.as_f64();
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|base| base.checked_add_signed(chrono::Duration::days(serial.floor() as i64)))
                .map(|day| day.to_string())
                .unwrap_or_else(|| serial.to_string())
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads a filled template, a table workbook or a CSV.
pub fn read(bytes: &[u8]) -> Result<Filled, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::file("too_large", format!("{} bytes", bytes.len()), Text::new("import.expected.size").arg("mb", MAX_BYTES / 1024 / 1024))]);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(vec![Problem::file("encrypted_or_xls", "OLE", Text::new("import.expected.unencrypted"))]);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_workbook(bytes);
    }
    let text = ecociv_core::check::decode(bytes).filter(|t| !t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
    if text.as_deref().is_some_and(|t| t.trim_start_matches('\u{feff}').trim().is_empty()) {
        return Err(vec![Problem::file("empty_file", "", Text::new("import.expected.not_empty"))]);
    }
    match text {
        Some(t) if !t.trim().is_empty() => read_csv(&t),
        _ => Err(vec![Problem::file("not_a_workbook", "", Text::new("import.expected.template_or_csv"))]),
    }
}

fn corrupt(e: impl std::fmt::Display) -> Vec<Problem> {
    vec![Problem::file("corrupt_workbook", e.to_string(), Text::new("import.expected.opens"))]
}

/// The sheets of a table: its kind, from the header; the key of each column; the problems of
/// the header.
fn table_header(sheet: &str, header_row: &[String]) -> Result<(TemplateKind, Vec<Option<&'static str>>), Vec<Problem>> {
    let kinds = [TemplateKind::Dispatch, TemplateKind::Observations, TemplateKind::Tasks, TemplateKind::Rectifications];
    let named = |key: &str| header_row.iter().any(|h| kinds.iter().any(|k| key_of(*k, h) == Some(key)));
    // the list of rectification tasks names its owner (责任单位) and deadline (完成时限)
    let kind = if named("owner") && named("deadline") {
        TemplateKind::Rectifications
    } else if named("project") {
        TemplateKind::Dispatch
    } else if named("task") {
        TemplateKind::Tasks
    } else if named("indicator") {
        TemplateKind::Observations
    } else {
        return Err(vec![Problem {
            sheet: sheet.into(),
            row: Some(1),
            ..Problem::file("kind_unknown", header_row.join(", "), Text::new("import.expected.kind_header"))
        }]);
    };
    let (keys, required) = table_keys(kind);
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    let at =
        |c: usize, found: &str, code: &str, expects: Text| Problem { sheet: sheet.into(), row: Some(1), col: Some(c), ..Problem::file(code, found, expects) };
    for (c, h) in header_row.iter().enumerate() {
        let key = key_of(kind, h);
        match key {
            None if !h.trim().is_empty() => {
                let known = keys.iter().filter_map(|k| header_key(kind, k)).map(Text::new);
                problems.push(at(c, h, "unknown_column", Text::new("import.expected.one_of").texts("columns", known)));
            }
            Some(k) if columns.contains(&Some(k)) => {
                problems.push(at(c, h, "duplicate_column", Text::new("expected.column_once")));
            }
            _ => {}
        }
        columns.push(key);
    }
    for k in required {
        if !columns.contains(&Some(*k)) {
            problems.push(Problem {
                sheet: sheet.into(),
                row: Some(1),
                ..Problem::file("column_missing", "", with_header(Text::new("import.expected.column"), "column", kind, k))
            });
        }
    }
    if problems.is_empty() { Ok((kind, columns)) } else { Err(problems) }
}

/// The rows of a grid under its header; cells in a column without a header are a problem.
fn rows_of(sheet: &str, columns: &[Option<&'static str>], grid: impl Iterator<Item = (u32, Vec<String>)>) -> Result<Vec<FilledRow>, Vec<Problem>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (row, cells) in grid {
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(vec![Problem::file("too_many_rows", format!("> {MAX_ROWS}"), Text::new("import.expected.max_rows").arg("rows", MAX_ROWS))]);
        }
        for (c, text) in cells.iter().enumerate() {
            if columns.get(c).copied().flatten().is_none() && !text.is_empty() {
                problems.push(Problem {
                    sheet: sheet.into(),
                    row: Some(row),
                    col: Some(c),
                    ..Problem::file("unnamed_column", text.clone(), Text::new("import.expected.under_header"))
                });
            }
        }
        let cells = columns.iter().zip(cells).filter_map(|(k, t)| k.map(|k| (k, t))).collect();
        rows.push(FilledRow { row, cells });
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

fn read_csv(text: &str) -> Result<Filled, Vec<Problem>> {
    let sheet = "CSV";
    // the line a record starts on, counted on from the last one (records come in order)
    let (mut counted_to, mut line) = (0usize, 1u32);
    let mut line_at = |byte: u64| {
        // a record's position is where the reader resumed: skip the blank lines it passed over
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        line += bytes[counted_to.min(at)..at].iter().filter(|b| **b == b'\n').count() as u32;
        counted_to = counted_to.max(at);
        line
    };
    // the separator the header uses: a comma, or a semicolon or a tab (Excel's CSV in some
    // locales, text pasted from a sheet)
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut records = Vec::new();
    for r in reader.records() {
        match r {
            // the line a record starts on, counted from its byte offset (blank lines included)
            Ok(rec) => records.push((line_at(rec.position().map(|p| p.byte()).unwrap_or(0)), rec.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())),
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte()));
                return Err(vec![Problem {
                    sheet: sheet.into(),
                    row: line,
                    ..Problem::file("bad_csv", e.to_string(), Text::new("import.expected.well_formed_csv"))
                }]);
            }
        }
    }
    let Some((_, head)) = records.first() else {
        return Err(vec![Problem::file("not_a_workbook", "", Text::new("import.expected.csv_with_header"))]);
    };
    let (kind, columns) = table_header(sheet, head)?;
    let rows = rows_of(sheet, &columns, records.into_iter().skip(1))?;
    Ok(Filled { signature: None, kind, sheet: sheet.into(), columns, rows })
}

/// The path of a sheet's XML inside the workbook, from `workbook.xml` and its relationships.
fn sheet_path(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, sheet: &str) -> Option<String> {
    use quick_xml::events::Event;
    let read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Option<String> {
        let mut s = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut s).ok()?;
        Some(s)
    };
    // the value as it reads (a name may be written with character references: &#20219;)
    let attr = |e: &quick_xml::events::BytesStart, name: &str| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name || a.key.local_name().as_ref() == name)
            .and_then(|a| quick_xml::escape::unescape(&a.value).ok().map(|v| v.into_owned()))
    };
    let workbook = read(zip, "xl/workbook.xml")?;
    let mut r = quick_xml::Reader::from_str(&workbook);
    let mut rid = None;
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" && attr(&e, "name").as_deref() == Some(sheet) => {
                rid = attr(&e, "r:id").or_else(|| attr(&e, "id"));
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let rid = rid?;
    let rels = read(zip, "xl/_rels/workbook.xml.rels")?;
    let mut r = quick_xml::Reader::from_str(&rels);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" && attr(&e, "Id").as_deref() == Some(rid.as_str()) => {
                let target = attr(&e, "Target")?;
                return Some(match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    None
}

/// What the values do not show of a sheet, read from its XML in a light pass (tags and their
/// attributes, no value decoded): the rows (1-based) it hides, and whether it holds any formula
/// or merged cell, which are then read in full for their places.
struct Marks {
    /// Rows hidden, or of no height.
    hidden: Vec<u32>,
    /// Columns (from 1, inclusive ranges) hidden, or of no width.
    hidden_columns: Vec<(u32, u32)>,
    formulas: bool,
    /// The cells that hold a formula (the first [`MAX_FORMULAS_LISTED`]), each as its reference
    /// (`B5`) and the formula's text (empty for a cell that shares another's).
    formula_cells: Vec<(String, String)>,
    /// How many formulas there were past those listed.
    more_formulas: usize,
    merged: bool,
}

/// The most formulas of a sheet said one by one (the rest are counted in a refusal of the sheet).
const MAX_FORMULAS_LISTED: usize = 1000;

/// A cell reference (`B5`, or `b5`) as its row (from 1) and column (from 0).
fn cell_at(reference: &str) -> Option<(u32, usize)> {
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    let col = letters.to_ascii_uppercase().bytes().try_fold(0usize, |n, b| b.is_ascii_uppercase().then(|| n * 26 + usize::from(b - b'A') + 1))?;
    Some((digits.parse().ok()?, col.checked_sub(1)?))
}

fn marks(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str) -> Option<Marks> {
    use quick_xml::events::Event;
    let file = zip.by_name(path).ok()?;
    let mut r = quick_xml::Reader::from_reader(std::io::BufReader::with_capacity(64 * 1024, file));
    let mut m = Marks { hidden: Vec::new(), hidden_columns: Vec::new(), formulas: false, formula_cells: Vec::new(), more_formulas: 0, merged: false };
    let mut cell = String::new();
    // inside a cell (a formula is a cell's: a list's source in a data validation is not), and
    // inside a formula's element (its text is the formula)
    let (mut in_cell, mut in_formula) = (false, false);
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        let event = r.read_event_into(&mut buf);
        let opens = matches!(event, Ok(Event::Start(_)));
        match event {
            Ok(Event::Text(t)) if in_formula => {
                if let Some((_, f)) = m.formula_cells.last_mut() {
                    f.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(e)) if in_formula => {
                let c = match e.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => e.resolve_char_ref().ok().flatten(),
                };
                if let (Some((_, f)), Some(c)) = (m.formula_cells.last_mut(), c) {
                    f.push(c);
                }
            }
            Ok(Event::CData(t)) if in_formula => {
                if let Some((_, f)) = m.formula_cells.last_mut() {
                    f.push_str(t.as_ref());
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "f" => in_formula = false,
            Ok(Event::End(e)) if e.local_name().as_ref() == "c" => in_cell = false,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                "row" => {
                    let mut hidden = false;
                    let mut row = None;
                    for a in e.attributes().flatten() {
                        match a.key.as_ref() {
                            "hidden" => hidden |= matches!(a.value.as_ref(), "1" | "true"),
                            // a row of no height shows nothing either
                            "ht" => hidden |= a.value.parse::<f64>().is_ok_and(|h| h <= 0.0),
                            "r" => row = a.value.parse().ok(),
                            _ => {}
                        }
                    }
                    if let (true, Some(row)) = (hidden, row) {
                        m.hidden.push(row);
                    }
                }
                "col" => {
                    let (mut hidden, mut min, mut max) = (false, None, None);
                    for a in e.attributes().flatten() {
                        match a.key.as_ref() {
                            "hidden" => hidden |= matches!(a.value.as_ref(), "1" | "true"),
                            "width" => hidden |= a.value.parse::<f64>().is_ok_and(|w| w <= 0.0),
                            "min" => min = a.value.parse::<u32>().ok(),
                            "max" => max = a.value.parse::<u32>().ok(),
                            _ => {}
                        }
                    }
                    if let (true, Some(min), Some(max)) = (hidden, min, max) {
                        m.hidden_columns.push((min, max));
                    }
                }
                "c" => {
                    cell = e.attributes().flatten().find(|a| a.key.as_ref() == "r").map(|a| a.value.to_string()).unwrap_or_default();
                    in_cell = opens;
                }
                "f" if in_cell => {
                    m.formulas = true;
                    if m.formula_cells.len() < MAX_FORMULAS_LISTED {
                        m.formula_cells.push((cell.clone(), String::new()));
                        in_formula = opens;
                    } else {
                        m.more_formulas += 1;
                    }
                }
                "mergeCell" => m.merged = true,
                _ => {}
            },
            Ok(Event::Eof) => return Some(m),
            // XML calamine will refuse as damaged; the marks are not needed then
            Err(_) => return None,
            _ => {}
        }
    }
}

/// The widest a sheet may be read: a template has about twenty columns, and a cell further
/// right is refused before the grid grows to it.
pub const MAX_COLUMNS: u32 = 256;

/// A sheet's cells as text, read in one pass of its XML: each row kept as the cells it has
/// (a sparse row costs what it holds), filled out to the sheet's width when it is read. A
/// number shown as a percentage (Excel stores 45.5% as 0.455) is read as it is shown.
struct Grid {
    rows: Vec<Vec<(u32, String)>>,
    width: usize,
}

impl Grid {
    /// The number of rows up to the last that has a cell.
    fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    /// Row `r` (0-based), as wide as the sheet.
    fn row(&self, r: u32) -> Vec<String> {
        filled_out(self.width, self.rows.get(r as usize).into_iter().flatten().cloned())
    }

    /// Every row from `first` (0-based), each with its number as the spreadsheet shows it.
    fn into_rows(self, first: u32) -> impl Iterator<Item = (u32, Vec<String>)> {
        let width = self.width;
        self.rows.into_iter().enumerate().skip(first as usize).map(move |(r, cells)| (r as u32 + 1, filled_out(width, cells)))
    }
}

/// A row's cells, each in its column, the others empty, `width` in all.
fn filled_out(width: usize, cells: impl IntoIterator<Item = (u32, String)>) -> Vec<String> {
    let mut out = vec![String::new(); width];
    for (c, text) in cells {
        out[c as usize] = text;
    }
    out
}

/// The grid of `sheet`; a text as typed when `spaces` (else without the spaces around it).
fn grid(wb: &mut Xlsx<Cursor<&[u8]>>, sheet: &str, spaces: bool) -> Result<Grid, Vec<Problem>> {
    let mut reader = match wb.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        // a chart sheet: no cells
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Grid { rows: Vec::new(), width: 0 }),
        Err(e) => return Err(corrupt(e)),
    };
    let percent: Vec<bool> =
        reader.styles().iter().map(|st| st.number_format.as_ref().is_some_and(|f| f.format_code.split('"').step_by(2).any(|p| p.contains('%')))).collect();
    let mut g = Grid { rows: Vec::new(), width: 0 };
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(corrupt)? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        if r as usize > MAX_ROWS {
            return Err(vec![Problem::file("too_many_rows", (r + 1).to_string(), Text::new("import.expected.max_rows").arg("rows", MAX_ROWS))]);
        }
        if c >= MAX_COLUMNS {
            return Err(vec![Problem {
                sheet: sheet.into(),
                row: Some(r + 1),
                col: Some(c as usize),
                ..Problem::file("too_many_columns", column_letter(c as usize), Text::new("import.expected.max_columns").arg("columns", MAX_COLUMNS))
            }]);
        }
        let text = match value {
            DataRef::Float(_) | DataRef::Int(_) if percent.get(style).copied().unwrap_or(false) => {
                let shown = text_of_ref(value);
                match shown.parse::<rust_decimal::Decimal>() {
                    Ok(v) => format!("{}%", (v * rust_decimal::Decimal::ONE_HUNDRED).normalize()),
                    Err(_) => shown,
                }
            }
            DataRef::SharedString(t) if spaces => t.to_string(),
            DataRef::String(t) if spaces => t.clone(),
            _ => text_of_ref(value),
        };
        if g.rows.len() <= r as usize {
            g.rows.resize_with(r as usize + 1, Vec::new);
        }
        let row = &mut g.rows[r as usize];
        // cells come left to right; one out of order or written twice (a damaged or hand-made
        // file) is put in its place, the last written kept
        match row.last() {
            Some((last, _)) if *last >= c => match row.iter().position(|(col, _)| *col >= c) {
                Some(i) if row[i].0 == c => row[i].1 = text,
                Some(i) => row.insert(i, (c, text)),
                None => row.push((c, text)),
            },
            _ => row.push((c, text)),
        }
        g.width = g.width.max(c as usize + 1);
    }
    Ok(g)
}

/// A workbook opened, with its zip (for what calamine does not read: hidden rows).
type Opened<'a> = (Xlsx<Cursor<&'a [u8]>>, zip::ZipArchive<Cursor<&'a [u8]>>);

/// A sheet's name and its rows of text, each with its number.
pub use ecociv_core::plan_book::SheetRows;

/// Opens a workbook, refusing a decompression bomb by the sizes its parts declare, before
/// anything unpacks; also the zip itself (for the hidden rows).
fn open_workbook(bytes: &[u8]) -> Result<Opened<'_>, Vec<Problem>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let unpacked: u128 = (0..zip.len()).map(|i| zip.by_index_raw(i).map(|f| u128::from(f.size())).unwrap_or(u128::MAX)).fold(0, u128::saturating_add);
    if unpacked > MAX_UNPACKED {
        return Err(vec![Problem::file(
            "too_large_unpacked",
            format!("{unpacked} bytes unpacked"),
            Text::new("import.expected.unpacked_size").arg("mb", MAX_UNPACKED / 1024 / 1024),
        )]);
    }
    Ok((Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?, zip))
}

/// A workbook of tables (not a template) opened with the limits of an import: its size, that it
/// is an `.xlsx` at all, and its unpacked size.
fn open_table_workbook(bytes: &[u8]) -> Result<Opened<'_>, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::file("too_large", format!("{} bytes", bytes.len()), Text::new("import.expected.size").arg("mb", MAX_BYTES / 1024 / 1024))]);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(vec![Problem::file("not_a_workbook", "", Text::new("import.expected.workbook_with_table"))]);
    }
    open_workbook(bytes)
}

/// The first visible sheet of a workbook (`.xlsx`) as rows of text, each with its number as the
/// spreadsheet shows it: for a table of another shape than the data loop's (an indicator
/// framework). The same limits as an import: size, unpacked size, rows.
pub fn sheet_rows(bytes: &[u8]) -> Result<SheetRows, Vec<Problem>> {
    let (mut wb, _) = open_table_workbook(bytes)?;
    let sheet = wb
        .sheets_metadata()
        .iter()
        .find(|s| s.visible == calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .ok_or_else(|| vec![Problem::file("not_a_workbook", "", Text::new("import.expected.workbook_with_table"))])?;
    let grid = grid(&mut wb, &sheet, false)?;
    Ok((sheet, grid.into_rows(0).collect()))
}

/// Every sheet of a workbook (`.xlsx`) as rows of text, as [`sheet_rows`] reads one, each text
/// as typed (spaces kept): for a workbook of several tables (a plan's data files). The same
/// limits as an import; what a person looking at the sheets would not see is refused, with its
/// sheet and cell: a hidden sheet, a hidden row that holds data, a formula, merged cells.
pub fn sheets(bytes: &[u8]) -> Result<Vec<SheetRows>, Vec<Problem>> {
    let (mut wb, mut zip) = open_table_workbook(bytes)?;
    let meta: Vec<(String, bool)> = wb.sheets_metadata().iter().map(|s| (s.name.clone(), s.visible == calamine::SheetVisible::Visible)).collect();
    let mut out = Vec::with_capacity(meta.len());
    let mut cells = 0u64;
    let at = |sheet: &str, row: u32, col: Option<usize>, code: &str, expects: Text| Problem {
        sheet: sheet.into(),
        row: Some(row),
        col,
        ..Problem::file(code, "", expects)
    };
    for (name, visible) in meta {
        let grid = grid(&mut wb, &name, true)?;
        if !visible && grid.height() > 0 {
            return Err(vec![Problem { sheet: name, ..Problem::file("hidden_sheet", "", Text::new("import.expected.visible_sheet")) }]);
        }
        // a sheet whose XML cannot be found cannot be checked for what it hides
        let Some(marks) = sheet_path(&mut zip, &name).and_then(|p| marks(&mut zip, &p)) else {
            return Err(vec![Problem { sheet: name, ..Problem::file("damaged", "", Text::new("import.expected.workbook_with_table")) }]);
        };
        // placed by the light pass: the formulas themselves are never laid out
        if marks.formulas {
            let (row, col) = marks.formula_cells.first().and_then(|(r, _)| cell_at(r)).map_or((0, None), |(r, c)| (r, Some(c)));
            return Err(vec![at(&name, row, col, "formula", Text::new("import.expected.no_formula"))]);
        }
        if let Some(Ok(merged)) = marks.merged.then(|| wb.merge_cells_by_sheet_name(&name))
            && let Some(m) = merged.first()
        {
            return Err(vec![at(&name, m.start.0 + 1, Some(m.start.1 as usize), "merged_cells", Text::new("import.expected.no_merged_cells"))]);
        }
        if let Some(row) = marks.hidden.iter().copied().find(|r| *r >= 1 && grid.rows.get(*r as usize - 1).is_some_and(|cells| !cells.is_empty())) {
            return Err(vec![at(&name, row, None, "hidden_row", Text::new("import.expected.visible_row"))]);
        }
        // the columns hidden, as far as a cell may be (one further right was refused)
        let mut hidden = vec![false; MAX_COLUMNS as usize];
        for (min, max) in &marks.hidden_columns {
            for c in (*min).max(1)..=(*max).min(MAX_COLUMNS) {
                hidden[c as usize - 1] = true;
            }
        }
        let hidden_column = |c: u32| hidden.get(c as usize).copied().unwrap_or(false);
        let in_hidden = grid.rows.iter().enumerate().find_map(|(r, cells)| cells.iter().find(|(c, _)| hidden_column(*c)).map(|(c, _)| (r as u32 + 1, *c)));
        if let Some((row, col)) = in_hidden {
            return Err(vec![at(&name, row, Some(col as usize), "hidden_column", Text::new("import.expected.visible_column"))]);
        }
        // each row is laid out as wide as the sheet: a few cells far apart must not make millions
        cells += u64::from(grid.height()) * grid.width as u64;
        if cells > MAX_BOOK_CELLS {
            return Err(vec![Problem {
                sheet: name,
                ..Problem::file("too_large", format!("{cells} cells"), Text::new("import.expected.cells").arg("cells", MAX_BOOK_CELLS))
            }]);
        }
        out.push((name, grid.into_rows(0).collect()));
    }
    Ok(out)
}

/// The most cells [`sheets`] lays out in all (rows × width of each sheet): far more than any
/// plan's workbook holds.
pub const MAX_BOOK_CELLS: u64 = 4_000_000;

fn read_workbook(bytes: &[u8]) -> Result<Filled, Vec<Problem>> {
    let (mut wb, mut zip) = open_workbook(bytes)?;
    let signature = match wb.worksheet_range(SIGNATURE_SHEET) {
        Ok(range) => Some(
            range
                .get_value((0, 0))
                .and_then(|d| Signature::decode(&text_of(d)))
                .ok_or_else(|| vec![Problem::file("not_a_template", "", Text::new("import.expected.template_mark"))])?,
        ),
        Err(_) => None,
    };
    let sheet = match &signature {
        Some(sig) => {
            let name = Locale::all().map(|l| data_sheet_name(sig.kind, l)).find(|n| wb.sheet_names().iter().any(|s| s == n));
            name.map(str::to_string).ok_or_else(|| {
                let expects = Text::new("import.expected.sheet").text("sheet", Text::new(data_sheet_key(sig.kind)));
                vec![Problem::file("sheet_missing", wb.sheet_names().join(", "), expects)]
            })?
        }
        None => wb
            .sheets_metadata()
            .iter()
            .find(|s| s.visible == calamine::SheetVisible::Visible)
            .map(|s| s.name.clone())
            .ok_or_else(|| vec![Problem::file("not_a_workbook", "", Text::new("import.expected.workbook_with_table"))])?,
    };
    // the values in one pass; what they do not show (hidden rows, formulas, merged cells) in a
    // light pass of the same XML beside it
    let (grid, marks) = std::thread::scope(|s| {
        let marks = s.spawn(|| sheet_path(&mut zip, &sheet).and_then(|p| marks(&mut zip, &p)));
        let grid = grid(&mut wb, &sheet, false);
        (grid, marks.join().ok().flatten())
    });
    // a sheet whose XML the light pass cannot find (its parts moved where the workbook's own
    // part does not point) cannot be checked for what it hides: refused, as damaged
    let marks = marks.ok_or_else(|| corrupt(format!("the XML of the sheet {sheet} is not where xl/workbook.xml points")))?;
    let grid = grid?;
    let height = grid.height();
    let head = grid.row(0);
    let (kind, columns) = match &signature {
        // a template's columns stay in place: the header is checked column by column
        Some(sig) => {
            let keys = column_keys(sig.kind);
            let mut problems = Vec::new();
            for (c, key) in keys.iter().enumerate() {
                let found = head.get(c).cloned().unwrap_or_default();
                // a header as a template of any language writes it
                if Locale::all().all(|l| found != column_header(sig.kind, key, l).unwrap_or_default()) {
                    problems.push(Problem {
                        sheet: sheet.clone(),
                        row: Some(1),
                        col: Some(c),
                        header: column_header_key(sig.kind, key),
                        ..Problem::file("header_changed", found, with_header(Text::new("import.expected.header_unchanged"), "header", sig.kind, key))
                    });
                }
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            (sig.kind, keys.into_iter().map(Some).collect::<Vec<_>>())
        }
        None => table_header(&sheet, &head)?,
    };
    let filled = Filled { signature, kind, sheet: sheet.clone(), columns, rows: Vec::new() };
    let mut problems = Vec::new();
    // formulas where a value belongs: the value would be whatever Excel last computed
    // placed by the light pass (the formulas are never laid out: two far apart would make a
    // range of millions of cells); a sheet whose XML was not found has its formulas laid out
    for (reference, f) in &marks.formula_cells {
        let Some((r, c)) = cell_at(reference) else { continue };
        problems.push(Problem {
            found: format!("={f}"),
            col: Some(c),
            ..Problem::cell(&filled, r, filled.columns.get(c).copied().flatten(), "formula", Text::new("import.expected.no_formula"))
        });
    }
    // a formula whose cell the pass cannot place (a cell written without its reference) is
    // refused all the same, for the sheet; so are those past the ones listed
    let unplaced = marks.formula_cells.iter().filter(|(reference, _)| cell_at(reference).is_none()).count() + marks.more_formulas;
    if unplaced > 0 {
        problems.push(Problem { sheet: sheet.clone(), ..Problem::file("formula", format!("{unplaced}"), Text::new("import.expected.no_formula")) });
    }
    // merged cells: one value would stand for several rows
    if let Some(Ok(merged)) = marks.merged.then(|| wb.merge_cells_by_sheet_name(&sheet)) {
        for m in merged.iter().filter(|m| m.end.0 >= 1) {
            let cells = format!("{}{}:{}{}", column_letter(m.start.1 as usize), m.start.0 + 1, column_letter(m.end.1 as usize), m.end.0 + 1);
            problems.push(Problem {
                found: cells,
                col: Some(m.start.1 as usize),
                ..Problem::cell(
                    &filled,
                    m.start.0 + 1,
                    filled.columns.get(m.start.1 as usize).copied().flatten(),
                    "merged_cells",
                    Text::new("import.expected.no_merged_cells"),
                )
            });
        }
    }
    // hidden rows that hold data: nobody would have checked what they say
    for row in marks.hidden.iter().copied().filter(|r| *r >= 2 && *r <= height) {
        if grid.row(row - 1).iter().any(|t| !t.is_empty()) {
            problems.push(Problem::cell(&filled, row, None, "hidden_row", Text::new("import.expected.visible_row")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let rows = rows_of(&sheet, &filled.columns, grid.into_rows(1))?;
    Ok(Filled { rows, ..filled })
}

/// The rows as read, each bad cell marked red with its problem as a note, and every problem
/// listed on a second sheet; a template keeps its signature, so the corrected workbook imports.
pub fn marked_workbook(f: &Filled, problems: &[Problem], l: Locale) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("D9E1F2");
    let bad = Format::new().set_background_color("FFC7CE").set_font_color("9C0006");
    let ws = wb.add_worksheet();
    ws.set_name(f.sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect::<String>())?;
    for (c, key) in f.columns.iter().enumerate() {
        let text = key.and_then(|k| header(f.kind, k, l)).unwrap_or_default();
        ws.write_string_with_format(0, c as u16, text, &head)?;
        ws.set_column_width(c as u16, 14)?;
    }
    let by_row: BTreeMap<u32, &FilledRow> = f.rows.iter().map(|r| (r.row, r)).collect();
    for r in f.rows.iter() {
        for (c, key) in f.columns.iter().enumerate() {
            let Some((key, text)) = key.and_then(|k| r.cells.get(k).map(|t| (k, t))).filter(|(_, t)| !t.is_empty()) else { continue };
            // numbers stay numbers, except codes such as 7.2
            match text.parse::<f64>() {
                Ok(n) if key != "indicator" && n.is_finite() => ws.write_number(r.row - 1, c as u16, n)?,
                _ => ws.write_string(r.row - 1, c as u16, text)?,
            };
        }
    }
    if let Some(c) = f.col("version") {
        ws.set_column_hidden(c as u16)?;
    }
    for p in problems {
        let (Some(row), true) = (p.row, p.sheet == f.sheet) else { continue };
        let note = Note::new(format!("{}: {}", p.code, p.expected(l))).set_author("ecociv");
        let cols: Vec<usize> = match p.col {
            Some(c) => vec![c],
            None => (0..f.columns.len()).collect(),
        };
        for c in cols {
            let text =
                by_row.get(&row).and_then(|r| f.columns.get(c).copied().flatten().and_then(|k| r.cells.get(k))).cloned().unwrap_or_else(|| p.found.clone());
            ws.write_string_with_format(row - 1, c as u16, &text, &bad)?;
        }
        ws.insert_note(row - 1, p.col.unwrap_or(0) as u16, &note)?;
    }
    ws.set_freeze_panes(1, 0)?;
    problems_sheet(&mut wb, problems, l)?;
    if let Some(sig) = &f.signature {
        let s = wb.add_worksheet();
        s.set_name(SIGNATURE_SHEET)?;
        s.write_string(0, 0, sig.encode())?;
        s.set_very_hidden(true);
    }
    Ok(wb.save_to_buffer()?)
}

/// The sheet that lists the problems of a refused import.
pub fn problems_sheet(wb: &mut Workbook, problems: &[Problem], l: Locale) -> Result<(), ReportError> {
    let head = Format::new().set_bold().set_background_color("D9E1F2");
    let list = wb.add_worksheet();
    list.set_name(t(l, "import.problems_sheet"))?;
    let cols = [t(l, "import.sheet"), t(l, "import.row"), t(l, "import.column"), t(l, "import.found"), t(l, "import.expected"), t(l, "col.problem_code")];
    for (c, h) in cols.iter().enumerate() {
        list.write_string_with_format(0, c as u16, *h, &head)?;
        list.set_column_width(c as u16, if c == 4 { 60 } else { 14 })?;
    }
    for (i, p) in problems.iter().enumerate() {
        let r = i as u32 + 1;
        list.write_string(r, 0, &p.sheet)?;
        if let Some(row) = p.row {
            list.write_number(r, 1, row)?;
        }
        list.write_string(r, 2, p.column(l))?;
        list.write_string(r, 3, &p.found)?;
        list.write_string(r, 4, p.expected(l))?;
        list.write_string(r, 5, &p.code)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::observation_template;
    use ecociv_core::plan_data::{build_plan, hohhot};

    fn codes(e: Result<Filled, Vec<Problem>>) -> Vec<String> {
        e.expect_err("refused").iter().map(|p| p.code.clone()).collect()
    }

    #[test]
    fn an_unfilled_template_reads_back_with_its_signature_and_rows() {
        let plan = build_plan(&hohhot()).unwrap();
        let org = plan.org_unit("市统计局").unwrap().clone();
        let bytes = observation_template(&plan, &org, 2024, &[], &[], "2024-05-01T00:00:00Z", Locale::En, None).unwrap();
        let f = read(&bytes).unwrap();
        let sig = f.signature.clone().unwrap();
        assert_eq!((sig.kind, sig.org_unit.as_str(), sig.period.as_str()), (TemplateKind::Observations, "市统计局", "2024"));
        let rows: Vec<(u32, &str)> = f.rows.iter().map(|r| (r.row, r.cells["indicator"].as_str())).collect();
        let want: Vec<&str> = crate::template::observation_leaves(&plan, &org, &[]);
        assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), want);
        assert_eq!(rows[0].0, 2, "Excel rows: the header is row 1");
        assert_eq!(f.rows[0].cells["value"], "");
        assert_eq!(f.rows[0].cells["version"], "0");
    }

    #[test]
    fn a_table_names_its_columns_in_any_order_and_language() {
        let f = read("\u{feff}月份,项目序号,status,Progress (%),本月投资（万元）\n2024年5月,3,在建,40,12\n\n2024/6,3,在建,45,1.2亿\n".as_bytes()).unwrap();
        assert_eq!(f.kind, TemplateKind::Dispatch);
        assert!(f.signature.is_none());
        assert_eq!(f.rows.len(), 2);
        assert_eq!((f.rows[1].row, f.rows[1].cells["period"].as_str(), f.rows[1].cells["investment_month_wan"].as_str()), (4, "2024/6", "1.2亿"));
        let p = read("项目序号,月份,状态,进度（%）,本月投资（万元）,备注栏\n3,2024-05,在建,40,12,x\n".as_bytes()).unwrap_err();
        assert_eq!((p[0].code.as_str(), p[0].row, p[0].col, p[0].found.as_str()), ("unknown_column", Some(1), Some(5), "备注栏"));
        assert_eq!(codes(read("项目序号,状态\n3,在建\n".as_bytes())), vec!["column_missing"; 3]);
        assert_eq!(codes(read("名称,值\nx,1\n".as_bytes())), vec!["kind_unknown"]);
        // semicolons and tabs as separators
        for sep in [";", "\t"] {
            let f = read(format!("指标序号{sep}年度{sep}本年值\n7.1{sep}2024{sep}85,2\n").as_bytes()).unwrap();
            assert_eq!(f.rows[0].cells["value"], "85,2", "{sep:?}");
        }
        // GB18030, as Excel on Chinese Windows saves a CSV
        let (gb, _, _) = encoding_rs::GB18030.encode("指标序号,年度,本年值\n13,2024,未建立\n");
        let f = read(&gb).unwrap();
        assert_eq!((f.kind, f.rows[0].cells["value"].as_str()), (TemplateKind::Observations, "未建立"));
    }

    #[test]
    fn files_that_cannot_be_read_are_refused_with_a_reason() {
        assert_eq!(codes(read(&[0x00, 0x01, 0xFF, 0xFE, 0x00])), vec!["not_a_workbook"]);
        assert_eq!(codes(read(b"\xEF\xBB\xBF \r\n")), vec!["empty_file"]);
        assert_eq!(codes(read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0])), vec!["encrypted_or_xls"]);
        assert_eq!(codes(read(b"PK\x03\x04 broken")), vec!["corrupt_workbook"]);
        assert_eq!(codes(read(&vec![b'P'; MAX_BYTES + 1])), vec!["too_large"]);
        // a workbook, but an export: a table whose columns are not an import's
        let plan = build_plan(&hohhot()).unwrap();
        let export = crate::xlsx(&[crate::annex2(&plan, &[], Locale::Zh)]).unwrap();
        assert_eq!(codes(read(&export)), vec!["kind_unknown"]);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }

    #[test]
    fn the_marked_workbook_reads_back_with_the_same_rows_and_lists_the_problems() {
        let f = read("指标序号,年度,本年值\n13,2024,好\n3,2024,85\n".as_bytes()).unwrap();
        let p = Problem::cell(&f, 2, Some("value"), "not_a_state", Text::new("reason.kind.state"));
        assert_eq!((p.found.as_str(), p.place(Locale::Zh).as_str()), ("好", "CSV 第2行 C 本年值"));
        let bytes = marked_workbook(&f, &[p], Locale::Zh).unwrap();
        let back = read(&bytes).unwrap();
        assert_eq!(back.rows, f.rows.iter().map(|r| FilledRow { row: r.row, cells: r.cells.clone() }).collect::<Vec<_>>());
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
        let list = wb.worksheet_range("问题清单").unwrap();
        assert_eq!(list.get_value((1, 4)).map(text_of).as_deref(), Some("状态词"));
        assert_eq!(list.get_value((1, 1)).map(text_of).as_deref(), Some("2"));
    }
}
