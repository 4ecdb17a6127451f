//! Reading a filled template back: the first half of an import. The bytes must be an `.xlsx`
//! (not an old `.xls`, not encrypted — both are OLE containers — and not something else), carry
//! the [`Signature`] of a template, and hold its data sheet with the template's header in either
//! language. Every row comes back as text per column key, with its Excel row number, for the
//! checks of the data loop. Nothing here judges values; what it cannot read it reports as a
//! [`Problem`] that names the sheet, row and column.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use ecociv_core::Locale;

use crate::template::{SIGNATURE_SHEET, Signature, column_header, column_keys, data_sheet_name};

/// Larger files are refused before they are opened.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// One problem of a file, placed as precisely as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    /// The Excel row (1 = the header row).
    pub row: Option<u32>,
    /// The column letter and its header (`G 本年值`).
    pub column: Option<String>,
    pub found: String,
    /// A stable code (`not_a_workbook`, `encrypted_or_xls`, …).
    pub code: &'static str,
    pub expected_zh: String,
    pub expected_en: String,
}

impl Problem {
    fn file(code: &'static str, found: impl Into<String>, zh: &str, en: &str) -> Problem {
        Problem { sheet: String::new(), row: None, column: None, found: found.into(), code, expected_zh: zh.into(), expected_en: en.into() }
    }
    pub fn expected(&self, l: Locale) -> &str {
        l.pick(&self.expected_zh, &self.expected_en)
    }
}

/// A row of the data sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledRow {
    /// The Excel row number.
    pub row: u32,
    /// The text of each column, by key.
    pub cells: BTreeMap<&'static str, String>,
}

/// A template as it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub signature: Signature,
    pub sheet: String,
    pub rows: Vec<FilledRow>,
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

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // shortest text that reads back as the same number: 36.5, 34
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads a filled template.
pub fn read_template(bytes: &[u8]) -> Result<Filled, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::file(
            "too_large",
            format!("{} bytes", bytes.len()),
            &format!("不超过 {} MB 的 .xlsx 文件", MAX_BYTES / 1024 / 1024),
            &format!("an .xlsx file of at most {} MB", MAX_BYTES / 1024 / 1024),
        )]);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(vec![Problem::file(
            "encrypted_or_xls",
            "OLE",
            "未加密的 .xlsx 文件（这是加密的工作簿或旧版 .xls，请去掉密码后另存为 .xlsx）",
            "an unencrypted .xlsx (this is an encrypted workbook or an old .xls: remove the password and save as .xlsx)",
        )]);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(vec![Problem::file("not_a_workbook", "", "从本系统下载的 .xlsx 模板", "an .xlsx template downloaded from ecociv")]);
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        vec![Problem::file("corrupt_workbook", e.to_string(), "可以打开的 .xlsx 文件（文件已损坏）", "an .xlsx that opens (the file is damaged)")]
    })?;
    let not_template =
        || vec![Problem::file("not_a_template", "", "从本系统下载的模板（缺少模板标识）", "a template downloaded from ecociv (its mark is missing)")];
    let sig_range = wb.worksheet_range(SIGNATURE_SHEET).map_err(|_| not_template())?;
    let signature = sig_range.get_value((0, 0)).and_then(|d| Signature::decode(&text_of(d))).ok_or_else(not_template)?;
    let kind = signature.kind;
    let sheet = [Locale::Zh, Locale::En].iter().map(|l| data_sheet_name(kind, *l)).find(|n| wb.sheet_names().iter().any(|s| s == n));
    let Some(sheet) = sheet.map(str::to_string) else {
        return Err(vec![Problem::file(
            "sheet_missing",
            wb.sheet_names().join(", "),
            &format!("工作表“{}”", data_sheet_name(kind, Locale::Zh)),
            &format!("the sheet {:?}", data_sheet_name(kind, Locale::En)),
        )]);
    };
    let range = wb.worksheet_range(&sheet).map_err(|e| vec![Problem::file("corrupt_workbook", e.to_string(), "可以读取的工作表", "a readable sheet")])?;
    let keys = column_keys(kind);
    let mut problems = Vec::new();
    // the header, in either language, column by column
    for (c, key) in keys.iter().enumerate() {
        let found = range.get_value((0, c as u32)).map(text_of).unwrap_or_default();
        let zh = column_header(kind, key, Locale::Zh).unwrap_or_default();
        let en = column_header(kind, key, Locale::En).unwrap_or_default();
        if found != zh && found != en {
            problems.push(Problem {
                sheet: sheet.clone(),
                row: Some(1),
                column: Some(column_letter(c)),
                found,
                code: "header_changed",
                expected_zh: format!("表头“{zh}”（请勿增删或移动列）"),
                expected_en: format!("the header {en:?} (do not add, delete or move columns)"),
            });
        }
    }
    // formulas where a value belongs: the value would be whatever Excel last computed
    if let Ok(formulas) = wb.worksheet_formula(&sheet) {
        let (r0, c0) = formulas.start().unwrap_or((0, 0));
        for (r, row) in formulas.rows().enumerate() {
            for (c, f) in row.iter().enumerate() {
                if !f.is_empty() {
                    let (r, c) = (r0 as usize + r, c0 as usize + c);
                    problems.push(Problem {
                        sheet: sheet.clone(),
                        row: Some(r as u32 + 1),
                        column: Some(format!("{} {}", column_letter(c), keys.get(c).and_then(|k| column_header(kind, k, Locale::Zh)).unwrap_or_default())),
                        found: format!("={f}"),
                        code: "formula",
                        expected_zh: "数值本身（不是公式）".into(),
                        expected_en: "the value itself, not a formula".into(),
                    });
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    let height = range.end().map(|(r, _)| r + 1).unwrap_or(0);
    for r in 1..height {
        let cells: BTreeMap<&'static str, String> =
            keys.iter().enumerate().map(|(c, k)| (*k, range.get_value((r, c as u32)).map(text_of).unwrap_or_default())).collect();
        if cells.values().all(String::is_empty) {
            continue;
        }
        rows.push(FilledRow { row: r + 1, cells });
    }
    Ok(Filled { signature, sheet, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{TemplateKind, observation_template};
    use ecociv_core::plan_data::{build_plan, hohhot};

    fn codes(e: Result<Filled, Vec<Problem>>) -> Vec<&'static str> {
        e.expect_err("refused").iter().map(|p| p.code).collect()
    }

    #[test]
    fn an_unfilled_template_reads_back_with_its_signature_and_rows() {
        let plan = build_plan(&hohhot()).unwrap();
        let org = plan.org_unit("市统计局").unwrap().clone();
        let bytes = observation_template(&plan, &org, 2024, &[], &[], "2024-05-01T00:00:00Z", Locale::En).unwrap();
        let f = read_template(&bytes).unwrap();
        assert_eq!((f.signature.kind, f.signature.org_unit.as_str(), f.signature.period.as_str()), (TemplateKind::Observations, "市统计局", "2024"));
        let rows: Vec<(u32, &str)> = f.rows.iter().map(|r| (r.row, r.cells["indicator"].as_str())).collect();
        let want: Vec<&str> = crate::template::observation_leaves(&plan, &org, &[]);
        assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), want);
        assert_eq!(rows[0].0, 2, "Excel rows: the header is row 1");
        assert_eq!(f.rows[0].cells["value"], "");
        assert_eq!(f.rows[0].cells["version"], "0");
    }

    #[test]
    fn files_that_are_not_templates_are_refused_with_a_reason() {
        assert_eq!(codes(read_template(b"indicator,year,value\n7.1,2024,85\n")), vec!["not_a_workbook"]);
        assert_eq!(codes(read_template(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0])), vec!["encrypted_or_xls"]);
        assert_eq!(codes(read_template(b"PK\x03\x04 broken")), vec!["corrupt_workbook"]);
        assert_eq!(codes(read_template(&vec![b'P'; MAX_BYTES + 1])), vec!["too_large"]);
        // a workbook, but an export, not a template
        let plan = build_plan(&hohhot()).unwrap();
        let export = crate::xlsx(&[crate::annex2(&plan, &[], Locale::Zh)]).unwrap();
        assert_eq!(codes(read_template(&export)), vec!["not_a_template"]);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
