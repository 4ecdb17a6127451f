//! Indicator frameworks (指标体系) and their revisions: those shipped with ecociv
//! (`ecociv_core::framework`), the comparison of two, and a revision read from the ministry's
//! table (`.xlsx`) or from a reviewed TOML file — checked, every row it cannot read located — to
//! be reviewed and shipped as a data file.

use ecociv_core::framework::{self, Diff, Framework, Level};
use ecociv_core::framework_table::{self, TableProblem};
use ecociv_core::locale::Text;
use ecociv_report::import::Problem;

use crate::error::AppError;

/// The revisions shipped, oldest first.
pub fn list() -> &'static [Framework] {
    framework::shipped()
}

/// A shipped revision by its code.
pub fn revision(code: &str) -> Result<&'static Framework, AppError> {
    framework::shipped_revision(code).ok_or_else(|| AppError::not_found("unknown_framework").field("framework", code))
}

/// The comparison of two shipped revisions, the older first (a revision that follows the other
/// given first is refused: its lineage reads one way).
pub fn compare(old: &str, new: &str) -> Result<Diff, AppError> {
    let (a, b) = (revision(old)?, revision(new)?);
    if a.previous.as_deref() == Some(b.code.as_str()) {
        return Err(AppError::bad_request("framework_order").field("old", old).field("new", new));
    }
    Ok(framework::diff(a, b))
}

/// What a revision read from a file is named.
#[derive(Debug, Clone)]
pub struct Naming<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: Level,
    /// The shipped revision it follows, which its `对应上版序号` column names rows of.
    pub previous: Option<&'a str>,
}

/// Reads a revision: a reviewed TOML file (`name.toml`, which names itself and the revision it
/// follows, whose rows its `from` must name) or the ministry's table in a workbook, named by
/// `naming`. Every problem comes back placed: sheet, row, column.
pub fn read(file_name: &str, bytes: &[u8], naming: &Naming) -> Result<Framework, Vec<Problem>> {
    let shipped = |p: &str| revision(p).map_err(|_| vec![Problem::file("unknown_framework", p, Text::new("framework.expected.shipped"))]);
    if file_name.to_lowercase().ends_with(".toml") {
        let text = std::str::from_utf8(bytes).map_err(|_| vec![Problem::file("not_utf8", "", Text::new("framework.expected.utf8"))])?;
        let rev = framework::read_toml(file_name, text).map_err(|e| {
            vec![Problem { sheet: e.place, ..Problem::file("bad_framework_file", "", Text::new("framework.expected.file").arg("why", &e.message)) }]
        })?;
        // every row it continues is a row of the revision it names as previous
        if let Some(p) = rev.previous.as_deref() {
            let before = shipped(p)?;
            let missing: Vec<Problem> = rev
                .rows
                .iter()
                .flat_map(|r| r.from.iter().filter(|f| !before.rows.iter().any(|b| &b.code == *f)).map(move |f| (r, f)))
                .map(|(r, f)| Problem {
                    sheet: format!("row {}", r.code),
                    ..Problem::file("unknown_previous_row", f, Text::new("field.framework.unknown_previous_row").arg("found", f).arg("previous", p))
                })
                .collect();
            if !missing.is_empty() {
                return Err(missing);
            }
        }
        return Ok(rev);
    }
    let previous = naming.previous.map(shipped).transpose()?;
    let (sheet, rows) = ecociv_report::import::sheet_rows(bytes)?;
    framework_table::read_table(naming.code, naming.name, naming.level, previous, &rows).map_err(|ps| ps.into_iter().map(|p| placed(&sheet, p)).collect())
}

/// A problem of the table as a problem of the file.
fn placed(sheet: &str, p: TableProblem) -> Problem {
    let header = match p.error.field.as_str() {
        "domain" => Some("framework.col.domain"),
        "task" => Some("framework.col.task"),
        "number" => Some("framework.col.number"),
        "name" => Some("framework.col.name"),
        "unit" => Some("framework.col.unit"),
        "target" => Some("framework.col.target"),
        "attribute" => Some("framework.col.attribute"),
        "scope" => Some("framework.col.scope"),
        "from" => Some("framework.col.from"),
        _ => None,
    };
    Problem {
        sheet: sheet.to_string(),
        row: Some(p.row),
        col: p.col,
        header,
        found: String::new(),
        code: p.error.code.to_string(),
        expects: p.error.text().clone(),
    }
}
