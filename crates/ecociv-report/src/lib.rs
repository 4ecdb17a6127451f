//! ecociv-report: the plan's tables and the data as documents. A [`Table`] is built once from
//! the plan and the store's records (the layout of 附件1 and 附件2 with the latest values and
//! progress added, all observations, the dispatch history) and written as `.xlsx` (numbers as
//! numbers with their formats, Chinese sheet names and headers, frozen header row), CSV (UTF-8
//! with a BOM, so that Excel on Windows reads the Chinese) or JSON.
//!
//! Beside the tables: the templates an org unit fills offline ([`template`]) and the reading of
//! what comes back ([`import`]); the yearly indicator archive ([`archive`]); the official
//! documents of the review ([`official`] blocks written to Word, or to PDF by [`pdf`]; the
//! technical report in [`documents`]; charts in [`chart`]).

use std::collections::BTreeMap;

use ecociv_core::Locale;
use ecociv_core::indicator_status::{LeafStanding, SeriesValue, standings};
use ecociv_core::locale::t;
use ecociv_core::model::Plan;
use ecociv_core::projection::Method;
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UpperTargetRecord};
use ecociv_core::value::Value;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};

pub mod archive;
pub mod chart;
pub mod documents;
pub mod fonts;
pub mod import;
pub mod official;
pub mod pdf;
pub mod plan_book;
pub mod sheet;
pub mod template;
pub mod xml;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number and its Excel format (`0.0000`, `0.0`, `0`).
    Number(Decimal, &'static str),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() { Cell::Empty } else { Cell::Text(s) }
    }
    fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(d, _) => d.normalize().to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A table with a sheet name and a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    /// Machine names of the columns (JSON keys).
    pub keys: Vec<&'static str>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Errors of writing a document.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The org unit answers for no row of this kind (a unit has no indicators; a department
    /// may implement no project).
    #[error("{org_unit} has nothing to fill in the {kind} template")]
    NothingToFill { org_unit: String, kind: &'static str },
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing: {0}")]
    Io(#[from] std::io::Error),
    #[error("pdf: {0}")]
    Pdf(String),
}

fn yi(d: Decimal) -> Cell {
    Cell::Number(d.round_dp(6), "0.0000")
}

/// 附件1, the indicator responsibility table, with the latest approved value and its status.
pub fn annex1(plan: &Plan, observations: &[ObservationRecord], uppers: &[UpperTargetRecord], as_of_year: i32, l: Locale) -> Table {
    let st = approved_standings(plan, observations, uppers, as_of_year, Method::Cagr, l);
    let mut rows = Vec::new();
    for i in &plan.indicators {
        let cat = plan.category(i.category);
        let leaves: Vec<(&str, &str, &str)> = if i.sub_indicators.is_empty() {
            vec![(i.code.as_str(), i.unit.as_str(), i.target.printed.as_str())]
        } else {
            i.sub_indicators.iter().map(|s| (s.code.as_str(), s.unit.as_str(), s.target.printed.as_str())).collect()
        };
        for (code, unit, target) in leaves {
            let s = st.iter().find(|x| x.code == code);
            let latest = s.and_then(|s| s.years.last());
            rows.push(vec![
                Cell::text(i.domain.name(l)),
                Cell::text(cat.map(|c| format!("{}{}", c.label, l.pick(&c.name, &c.name_en))).unwrap_or_default()),
                Cell::text(code),
                Cell::text(if code == i.code { plan.leaf_name(code, l) } else { format!("{} · {}", plan.leaf_name(&i.code, l), plan.leaf_name(code, l)) }),
                Cell::text(unit),
                Cell::text(target),
                Cell::text(i.lead_departments.join("、")),
                Cell::text(i.data_providers.join("、")),
                latest.map(|y| Cell::Number(Decimal::from(y.year), "0")).unwrap_or(Cell::Empty),
                latest
                    .map(|y| y.value.parse::<Decimal>().map(|d| Cell::Number(d, "General")).unwrap_or_else(|_| Cell::text(y.value.clone())))
                    .unwrap_or(Cell::Empty),
                Cell::text(s.map(|s| s.latest.label(l)).unwrap_or_default()),
                Cell::text(s.map(|s| s.projection.label(l)).unwrap_or_default()),
            ]);
        }
    }
    Table {
        sheet: t(l, "sheet.annex1").into(),
        keys: vec![
            "domain",
            "category",
            "code",
            "indicator",
            "unit",
            "target",
            "lead_departments",
            "data_providers",
            "latest_year",
            "latest_value",
            "status",
            "projection",
        ],
        header: [
            "col.domain",
            "col.category_short",
            "col.code",
            "col.indicator_name_long",
            "col.unit",
            "col.target_printed",
            "col.lead",
            "col.providers",
            "col.latest_year",
            "col.latest_value",
            "col.attainment",
            "public.projection",
        ]
        .iter()
        .map(|k| t(l, k).to_string())
        .collect(),
        rows,
    }
}

/// Where each leaf stands on the zone's approved values (regional ones aside) and the
/// assigned targets, as of a year.
pub fn approved_standings(
    plan: &Plan,
    observations: &[ObservationRecord],
    uppers: &[UpperTargetRecord],
    as_of_year: i32,
    method: Method,
    l: Locale,
) -> Vec<LeafStanding> {
    let values: Vec<SeriesValue> = observations
        .iter()
        .filter(|o| o.state == EntryState::Approved && o.region.is_empty())
        .filter_map(|o| Some(SeriesValue { indicator: o.indicator.clone(), year: i32::try_from(o.year).ok()?, value: Value::parse(&o.value).ok()? }))
        .collect();
    let uppers: BTreeMap<(String, i32), Decimal> =
        uppers.iter().filter_map(|t| Some(((t.indicator.clone(), i32::try_from(t.year).ok()?), t.value.parse().ok()?))).collect();
    standings(plan, &values, &uppers, as_of_year, method, l)
}

/// 附件2, the project list, with the latest report's month, progress and investment to date.
pub fn annex2(plan: &Plan, reports: &[DispatchRecord], l: Locale) -> Table {
    let rows = plan
        .projects
        .iter()
        .map(|p| {
            let last = reports
                .iter()
                .filter(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.state != EntryState::Returned)
                .max_by(|a, b| a.period.cmp(&b.period));
            vec![
                Cell::text(p.domain.name(l)),
                Cell::Number(Decimal::from(p.number), "0"),
                Cell::text(p.name.clone()),
                Cell::text(p.assessed_indicators_printed.clone()),
                Cell::text(p.scope.clone()),
                Cell::text(if p.period.printed.is_empty() { t(l, "project.period_not_printed").to_string() } else { p.period.printed.clone() }),
                p.budget.as_ref().map(|b| yi(b.yi)).unwrap_or(Cell::Empty),
                Cell::text(p.budget.as_ref().map(|b| format!("{} {}", b.printed, b.unit)).unwrap_or_else(|| "-".into())),
                Cell::text(p.implementers.join("、")),
                Cell::text(last.map(|r| r.period.clone()).unwrap_or_default()),
                last.and_then(|r| r.progress_percent.parse::<Decimal>().ok()).map(|d| Cell::Number(d, "0.0")).unwrap_or(Cell::Empty),
                last.and_then(|r| r.investment_cumulative_wan.parse::<Decimal>().ok()).map(|w| yi(w / Decimal::from(10_000))).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    Table {
        sheet: t(l, "sheet.annex2").into(),
        keys: vec![
            "domain",
            "number",
            "name",
            "assessed_indicators",
            "scope",
            "period",
            "budget_yi",
            "budget_printed",
            "implementers",
            "latest_period",
            "progress_percent",
            "investment_yi",
        ],
        header: [
            "col.domain",
            "col.code",
            "col.project_name_long",
            "col.assessed",
            "col.scope",
            "col.period",
            "col.budget",
            "col.budget_as_printed",
            "col.implementers",
            "col.latest_report",
            "col.progress_shown",
            "col.invested_yi",
        ]
        .iter()
        .map(|k| t(l, k).to_string())
        .collect(),
        rows,
    }
}

fn state(s: EntryState, l: Locale) -> &'static str {
    match s {
        EntryState::Submitted => t(l, "state.submitted"),
        EntryState::Returned => t(l, "state.returned"),
        EntryState::Approved => t(l, "state.approved_short"),
    }
}

/// Every observation of the zone.
pub fn observations(plan: &Plan, obs: &[ObservationRecord], l: Locale) -> Table {
    // in the plan's order of leaves, then by year and region
    let order: Vec<&str> = plan.leaves().iter().map(|x| x.code).collect();
    let mut obs: Vec<&ObservationRecord> = obs.iter().collect();
    obs.sort_by_key(|o| (order.iter().position(|c| *c == o.indicator).unwrap_or(usize::MAX), o.year, o.region.clone()));
    let rows = obs
        .iter()
        .map(|o| {
            let leaf = plan.leaf(&o.indicator);
            let unit = leaf.map(|x| x.unit.to_string()).unwrap_or_default();
            let name = plan.leaf_name(&o.indicator, l);
            vec![
                Cell::text(o.indicator.clone()),
                Cell::text(name),
                Cell::Number(Decimal::from(o.year), "0"),
                Cell::text(o.region.clone()),
                o.value.parse::<Decimal>().map(|d| Cell::Number(d, "General")).unwrap_or_else(|_| Cell::text(o.value.clone())),
                Cell::text(unit),
                Cell::text(state(o.state, l)),
                Cell::text(if o.late { t(l, "entry.late") } else { "" }),
                Cell::text(o.submitted_by.clone()),
                Cell::text(o.decided_by.clone()),
                Cell::text(o.comment.clone()),
            ]
        })
        .collect();
    Table {
        sheet: t(l, "sheet.observations_all").into(),
        keys: vec!["indicator", "name", "year", "region", "value", "unit", "state", "late", "submitted_by", "decided_by", "comment"],
        header: [
            "col.indicator",
            "col.indicator_name",
            "obs.year",
            "obs.region",
            "col.value",
            "col.unit",
            "todo.state",
            "col.late",
            "col.submitted_by",
            "col.decided_by",
            "obs.comment",
        ]
        .iter()
        .map(|k| t(l, k).to_string())
        .collect(),
        rows,
    }
}

/// The dispatch history: of one project (`project`), of the projects in one region (`region`),
/// or of the whole zone.
pub fn dispatch(plan: &Plan, reports: &[DispatchRecord], project: Option<u32>, region: Option<&str>, l: Locale) -> Table {
    let rows = reports
        .iter()
        .filter(|r| r.kind == "project")
        .filter(|r| project.is_none_or(|n| r.subject == i64::from(n)))
        .filter(|r| region.is_none_or(|reg| plan.project(r.subject as u32).is_some_and(|p| ecociv_core::access::regions_of(plan, p).contains(&reg))))
        .map(|r| {
            let p = plan.project(r.subject as u32);
            let dec = |s: &str, f: &'static str| s.parse::<Decimal>().map(|d| Cell::Number(d, f)).unwrap_or(Cell::Empty);
            vec![
                Cell::Number(Decimal::from(r.subject), "0"),
                Cell::text(p.map(|p| p.name.clone()).unwrap_or_default()),
                Cell::text(r.period.clone()),
                Cell::text(ecociv_core::entry::ProjectStatus::parse(&r.status).map(|s| s.label(l).to_string()).unwrap_or_default()),
                dec(&r.progress_percent, "0.0"),
                dec(&r.investment_month_wan, "0.00"),
                dec(&r.investment_cumulative_wan, "0.00"),
                Cell::text(r.org_unit.clone()),
                Cell::text(state(r.state, l)),
                Cell::text(if r.late { t(l, "entry.late") } else { "" }),
                Cell::text(r.benefits.clone()),
                Cell::text(r.problems.clone()),
            ]
        })
        .collect();
    Table {
        sheet: t(l, "sheet.dispatch_history").into(),
        keys: vec![
            "project",
            "name",
            "period",
            "status",
            "progress_percent",
            "investment_month_wan",
            "investment_cumulative_wan",
            "org_unit",
            "state",
            "late",
            "benefits",
            "problems",
        ],
        header: [
            "col.project_number",
            "col.project_name",
            "report.period",
            "report.status",
            "col.progress_shown",
            "col.invested_month_wan",
            "col.invested_cumulative_wan",
            "report.reporter",
            "todo.state",
            "col.late",
            "col.benefits",
            "col.problems",
        ]
        .iter()
        .map(|k| t(l, k).to_string())
        .collect(),
        rows,
    }
}

/// A text cell of a CSV file that a spreadsheet would run as a formula (it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) made inert as OWASP advises: a `'` before it,
/// so that Excel and LibreOffice show the text as typed. Numbers are left as they are.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

/// CSV in UTF-8 with a BOM; numbers as plain decimals; text that starts like a formula made
/// inert ([`inert`]).
pub fn csv(t: &Table) -> Vec<u8> {
    let quote = |s: &str| if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut out = String::from("\u{feff}");
    out.push_str(&t.header.iter().map(|h| quote(&inert(h))).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in &t.rows {
        let cells = r.iter().map(|c| match c {
            Cell::Text(s) => quote(&inert(s)),
            other => quote(&other.as_text()),
        });
        out.push_str(&cells.collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// JSON: an array of objects keyed by the column names; numbers as strings (decimals travel as strings).
pub fn json(t: &Table) -> Vec<u8> {
    let rows: Vec<serde_json::Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (k, c) in t.keys.iter().zip(r) {
                m.insert((*k).to_string(), if *c == Cell::Empty { serde_json::Value::Null } else { serde_json::Value::String(c.as_text()) });
            }
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::to_vec_pretty(&rows).expect("serializable")
}

/// An `.xlsx` workbook with one sheet per table: bold frozen header, numbers as numbers.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    for t in tables {
        let ws = wb.add_worksheet();
        // sheet names: at most 31 characters, no []:*?/\
        let name: String = t.sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        ws.set_name(&name)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
            ws.set_column_width(c as u16, 14)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !t.rows.is_empty() && !t.header.is_empty() {
            ws.autofilter(0, 0, t.rows.len() as u32, (t.header.len() - 1) as u16)?;
        }
        let mut formats: BTreeMap<&'static str, Format> = BTreeMap::new();
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = ((r + 1) as u32, c as u16);
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, s)?;
                    }
                    Cell::Number(d, f) => {
                        let fmt = formats.entry(f).or_insert_with(|| Format::new().set_num_format(*f));
                        let v: f64 = d.to_string().parse().unwrap_or(0.0);
                        ws.write_number_with_format(r, c, v, fmt)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_core::plan_data::{build_plan, hohhot};

    #[test]
    fn the_annexes_hold_every_indicator_and_project() {
        let plan = build_plan(&hohhot()).unwrap();
        let a1 = annex1(&plan, &[], &[], 2024, Locale::Zh);
        assert_eq!(a1.rows.len(), plan.leaves().len());
        assert_eq!(a1.header[3], "指标名称");
        let a2 = annex2(&plan, &[], Locale::Zh);
        assert_eq!(a2.rows.len(), 76);
        assert_eq!(a2.rows[40][6], Cell::Number(Decimal::new(449152, 6), "0.0000"), "project 41 read as 万元");
        assert_eq!(a2.rows[0][6], Cell::Empty, "“-” is no amount");
        let c = String::from_utf8(csv(&a2)).unwrap();
        assert!(c.starts_with("\u{feff}领域,序号,项目名称"));
        assert_eq!(c.lines().count(), 77);
        let j: serde_json::Value = serde_json::from_slice(&json(&a2)).unwrap();
        assert_eq!(j[40]["budget_yi"], "0.449152");
        assert!(j[0]["budget_yi"].is_null());
        let x = xlsx(&[a1, a2]).unwrap();
        assert!(x.starts_with(b"PK"), "a zip container");
    }
}

#[cfg(test)]
mod openpyxl {
    use super::*;
    use ecociv_core::plan_data::{build_plan, hohhot};

    /// Runs a Python script on the workbook with openpyxl (PyPI), the reader most scripts use,
    /// and returns what it prints as JSON; `None` (skipped) where openpyxl is missing outside CI.
    fn openpyxl(bytes: &[u8], script: &str) -> Option<serde_json::Value> {
        let have = std::process::Command::new("python3").args(["-c", "import openpyxl"]).status().is_ok_and(|s| s.success());
        if !have {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true and python3 with openpyxl is missing (the test script installs it)");
            }
            eprintln!("SKIPPED (openpyxl): python3 with openpyxl is not installed");
            return None;
        }
        // one file per call: tests run in parallel, often on workbooks of the same size
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("ecociv-openpyxl-{}-{n}.xlsx", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let out = std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output().unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Some(serde_json::from_slice(&out.stdout).unwrap())
    }

    /// The workbook as another program reads it.
    #[test]
    fn openpyxl_reads_the_same_values() {
        let plan = build_plan(&hohhot()).unwrap();
        let a2 = annex2(&plan, &[], Locale::Zh);
        let bytes = xlsx(&[annex1(&plan, &[], &[], 2024, Locale::Zh), a2.clone()]).unwrap();
        let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["附件2 项目清单"]
rows = [[c.value for c in r] for r in ws.iter_rows()]
print(json.dumps({"sheets": wb.sheetnames, "rows": len(rows), "header": rows[0], "p41": rows[41][6], "p41_format": ws.cell(42, 7).number_format, "p1": rows[1][6], "p8_name": rows[8][2], "number_type": type(rows[41][6]).__name__}, ensure_ascii=False))
"#;
        let Some(v) = openpyxl(&bytes, script) else { return };
        assert_eq!(v["sheets"], serde_json::json!(["附件1 指标责任分工", "附件2 项目清单"]));
        assert_eq!(v["rows"], 77);
        assert_eq!(v["header"][6], "投资概算（亿元）");
        assert_eq!(v["number_type"], "float", "numbers are numbers, not text");
        assert_eq!(v["p41"], 0.449152);
        assert_eq!(v["p41_format"], "0.0000");
        assert!(v["p1"].is_null());
        assert_eq!(v["p8_name"], plan.project(8).unwrap().name);
    }

    const TEMPLATE_SCRIPT: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
rows = [[c.value for c in r] for r in ws.iter_rows()]
dv = [{"sqref": str(d.sqref), "formula": d.formula1} for d in ws.data_validations.dataValidation]
locked = {c.coordinate: c.protection.locked for r in ws.iter_rows(min_row=2) for c in r}
print(json.dumps({"sheets": wb.sheetnames, "states": [s.sheet_state for s in wb.worksheets], "protected": ws.protection.sheet,
  "rows": rows, "dv": dv, "locked": locked, "signature": wb["_ecociv"]["A1"].value,
  "hidden_cols": [k for k, d in ws.column_dimensions.items() if d.hidden]}, ensure_ascii=False))
"#;

    /// A template as Excel sees it: protected, the entry columns unlocked, lists on the state
    /// and status cells, the signature on a very hidden sheet, the version column hidden.
    #[test]
    fn templates_lock_key_cells_and_carry_their_signature() {
        use crate::sheet::{Signature, TemplateKind};
        use crate::template::*;
        use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord};
        let plan = build_plan(&hohhot()).unwrap();
        let env = plan.org_unit("市生态环境局").unwrap().clone();
        let mut o = ObservationRecord {
            id: 1,
            zone: plan.zone.code.clone(),
            indicator: "7.2".into(),
            year: 2023,
            region: String::new(),
            value: "36.5".into(),
            comment: String::new(),
            explanation: String::new(),
            state: EntryState::Approved,
            late: false,
            submitted_by: "a".into(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        };
        let mut o24 = o.clone();
        o24.year = 2024;
        o24.value = "34".into();
        o24.version = 3;
        o24.state = EntryState::Submitted;
        o.year = 2023;
        let records = [o, o24];
        let bytes = observation_template(&plan, &env, 2024, &[], &records, "2024-05-01T00:00:00Z", Locale::Zh, None).unwrap();
        let Some(v) = openpyxl(&bytes, TEMPLATE_SCRIPT) else { return };
        assert_eq!(v["sheets"], serde_json::json!(["指标数据", "填报说明", "_ecociv"]));
        assert_eq!(v["states"], serde_json::json!(["visible", "visible", "veryHidden"]));
        assert_eq!(v["protected"], true);
        let rows = v["rows"].as_array().unwrap();
        let codes: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(codes, observation_leaves(&plan, &env, &[]));
        assert!(codes.contains(&"7.2") && codes.len() < plan.leaves().len(), "{codes:?}");
        for c in &codes {
            let i = plan.indicator_of(c).unwrap();
            assert!(i.lead_departments.contains(&env.name) || i.data_providers.contains(&env.name), "{c}");
        }
        let r72 = rows.iter().find(|r| r[0] == "7.2").unwrap();
        assert_eq!((r72[5].as_f64(), r72[6].as_f64(), r72[9].as_f64()), (Some(36.5), Some(34.0), Some(3.0)), "{r72:?}");
        assert_eq!(v["hidden_cols"], serde_json::json!(["J"]));
        assert_eq!(
            (v["locked"]["A2"].as_bool(), v["locked"]["F2"].as_bool(), v["locked"]["G2"].as_bool(), v["locked"]["H2"].as_bool()),
            (Some(true), Some(true), Some(false), Some(false))
        );
        // state-valued leaves get a list of the state words
        let state_rows: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r[3].as_str().is_some_and(|t| t.contains("建立"))).map(|(i, _)| i + 1).collect();
        for r in &state_rows {
            assert!(v["dv"].as_array().unwrap().iter().any(|d| d["sqref"] == format!("G{r}")), "row {r}: {}", v["dv"]);
        }
        let sig = Signature::decode(v["signature"].as_str().unwrap()).unwrap();
        assert_eq!((sig.org_unit.as_str(), sig.kind, sig.period.as_str()), ("市生态环境局", TemplateKind::Observations, "2024"));
        let row72 = rows.iter().position(|r| r[0] == "7.2").unwrap() + 1;
        assert_eq!(v["locked"][format!("G{row72}")], false, "a submitted value stays editable");
        // 2023's value of 7.2 is approved: locked in the template, as in ecociv
        let bytes = observation_template(&plan, &env, 2023, &[], &records, "2024-05-01T00:00:00Z", Locale::Zh, None).unwrap();
        let Some(v23) = openpyxl(&bytes, TEMPLATE_SCRIPT) else { return };
        assert_eq!((v23["locked"][format!("G{row72}")].as_bool(), v23["locked"][format!("H{row72}")].as_bool()), (Some(true), Some(true)));
        assert_eq!(v23["locked"][format!("G{}", row72 - 1)], false, "7.1 has no value: open");

        let zhujian = plan.org_unit("市住建局").unwrap().clone();
        let d = DispatchRecord {
            id: 1,
            zone: plan.zone.code.clone(),
            kind: "project".into(),
            subject: 22,
            org_unit: "市住建局".into(),
            period: "2024-04".into(),
            status: "under_way".into(),
            progress_percent: "30".into(),
            investment_month_wan: "5".into(),
            investment_cumulative_wan: "120".into(),
            funding: String::new(),
            progress: String::new(),
            quantities: String::new(),
            benefits: String::new(),
            problems: String::new(),
            explanation: String::new(),
            state: EntryState::Approved,
            late: false,
            submitted_by: String::new(),
            submitted_at: String::new(),
            decided_by: String::new(),
            decided_at: String::new(),
            reason: String::new(),
            version: 1,
        };
        let bytes = dispatch_template(&plan, &zhujian, "2024-05".parse().unwrap(), &[d], "2024-05-01T00:00:00Z", Locale::Zh, None).unwrap();
        let Some(v) = openpyxl(&bytes, TEMPLATE_SCRIPT) else { return };
        let rows = v["rows"].as_array().unwrap();
        let mine: Vec<u32> = plan.projects.iter().filter(|p| p.implementers.contains(&zhujian.name)).map(|p| p.number).collect();
        assert_eq!(rows.len() - 1, mine.len());
        let r22 = rows.iter().find(|r| r[0].as_f64() == Some(22.0)).unwrap();
        assert_eq!((r22[3].as_f64(), r22[4].as_f64(), &r22[5]), (Some(120.0), Some(30.0), &serde_json::Value::Null), "{r22:?}");
        assert_eq!(v["dv"][0]["sqref"], format!("F2:F{}", mine.len() + 1));
        assert_eq!(v["dv"][1]["sqref"], format!("G2:G{}", mine.len() + 1), "progress 0–100");
        assert_eq!(v["dv"][2]["sqref"], format!("H2:L{}", mine.len() + 1), "amounts ≥ 0: the month, the cumulative, the three sources");
        assert!(v["dv"][0]["formula"].as_str().unwrap().contains("在建"));
        let sig = Signature::decode(v["signature"].as_str().unwrap()).unwrap();
        assert_eq!((sig.kind, sig.period.as_str()), (TemplateKind::Dispatch, "2024-05"));

        let unit =
            plan.org_units.iter().find(|o| o.kind == ecociv_core::model::OrgKind::Unit && !plan.projects.iter().any(|p| p.implementers.contains(&o.name)));
        if let Some(u) = unit {
            assert!(matches!(dispatch_template(&plan, u, "2024-05".parse().unwrap(), &[], "t", Locale::Zh, None), Err(ReportError::NothingToFill { .. })));
        }
        assert!(matches!(
            observation_template(&plan, &plan.org_unit("赛罕区").unwrap().clone(), 2024, &[], &[], "t", Locale::Zh, None),
            Err(ReportError::NothingToFill { .. })
        ));
        assert!(observation_template(&plan, &plan.org_unit("赛罕区").unwrap().clone(), 2024, &["24".into()], &[], "t", Locale::En, None).is_ok());
    }

    /// Filled in Excel (here openpyxl): a typed value, a date cell and a comment come back in
    /// their columns; a formula, merged cells, a hidden row with data, a moved column and a
    /// decompression bomb are refused with their place.
    #[test]
    fn a_filled_template_reads_back() {
        use crate::import::read;
        let plan = build_plan(&hohhot()).unwrap();
        let env = plan.org_unit("市生态环境局").unwrap().clone();
        let bytes = crate::template::observation_template(&plan, &env, 2024, &[], &[], "2024-05-01T00:00:00Z", Locale::Zh, None).unwrap();
        let fill = |cells: &str| {
            format!(
                "import sys, openpyxl, datetime\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb.worksheets[0]\n{cells}\nwb.save(sys.argv[1] + '.out')\nprint(open(sys.argv[1] + '.out', 'rb').read().hex().join(['\"', '\"']))\nimport os\nos.remove(sys.argv[1] + '.out')"
            )
        };
        // (code, row, column, found) of each problem
        type Placed = (String, Option<u32>, String, String);
        let refused = |cells: &str| -> Option<Vec<Placed>> {
            let v = openpyxl(&bytes, &fill(cells))?;
            let problems = read(&hex(v.as_str().unwrap())).unwrap_err();
            Some(problems.iter().map(|p| (p.code.clone(), p.row, p.column(Locale::Zh), p.found.clone())).collect())
        };
        let Some(v) = openpyxl(&bytes, &fill("ws['G2'] = 35.5\nws['H2'] = '见附件'\nws['I2'] = datetime.date(2024, 5, 1)")) else { return };
        let filled = hex(v.as_str().unwrap());
        let f = read(&filled).unwrap();
        let r = &f.rows[0];
        assert_eq!((r.row, r.cells["value"].as_str(), r.cells["comment"].as_str(), r.cells["explanation"].as_str()), (2, "35.5", "见附件", "2024-05-01"));
        // a percentage typed in Excel is stored as a fraction with a % format: read as shown
        let Some(v) = openpyxl(&bytes, &fill("ws['G2'] = 0.985\nws['G2'].number_format = '0.0%'\nws['G3'] = 0.985")) else { return };
        let f = read(&hex(v.as_str().unwrap())).unwrap();
        assert_eq!((f.rows[0].cells["value"].as_str(), f.rows[1].cells["value"].as_str()), ("98.5%", "0.985"));
        let s = |x: &str| x.to_string();
        assert_eq!(refused("ws['G3'] = '=1+1'").unwrap(), vec![(s("formula"), Some(3), s("G 本年值"), s("=1+1"))]);
        assert_eq!(refused("ws.merge_cells('H2:H3')").unwrap(), vec![(s("merged_cells"), Some(2), s("H 备注"), s("H2:H3"))]);
        assert_eq!(refused("ws.row_dimensions[3].hidden = True").unwrap(), vec![(s("hidden_row"), Some(3), s(""), s(""))]);
        // a cell far to the right is refused with its place before the grid grows to it (a
        // sheet as wide as Excel allows, 100,000 rows down, would have been a grid of 1.6 billion
        // cells)
        assert_eq!(refused("ws['JZ5'] = 'x'").unwrap(), vec![(s("too_many_columns"), Some(5), s("JZ"), s("JZ"))]);
        assert_eq!(refused("ws['XFD100000'] = 1").unwrap()[0].0, "too_many_columns");
        assert_eq!(refused("ws['A200002'] = 1").unwrap(), vec![(s("too_many_rows"), None, s(""), s("200002"))]);
        let moved = refused("ws.insert_cols(3)").unwrap();
        assert!(moved.iter().all(|p| p.0 == "header_changed") && moved[0].2 == "C 单位", "{moved:?}");
        // a part that unpacks to 300 MB from a few hundred KB
        let bomb = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'a', zipfile.ZIP_DEFLATED)\nz.writestr('xl/media/big.bin', bytes(300 * 1024 * 1024))\nz.close()\nprint(open(sys.argv[1], 'rb').read().hex().join(['\"', '\"']))";
        let Some(v) = openpyxl(&bytes, bomb) else { return };
        let big = hex(v.as_str().unwrap());
        assert!(big.len() < crate::import::MAX_BYTES, "the file itself is small: {}", big.len());
        assert_eq!(read(&big).unwrap_err()[0].code, "too_large_unpacked");
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }
}

#[cfg(test)]
mod libreoffice {
    use super::*;
    use ecociv_core::plan_data::{build_plan, hohhot};

    /// Each sheet of a workbook as LibreOffice reads it (its cells' values, not as shown), or
    /// `None` without LibreOffice, which fails under `CI=true`.
    fn sheets_as_libreoffice_reads_them(bytes: &[u8], names: &[&str]) -> Option<Vec<Vec<Vec<String>>>> {
        if std::process::Command::new("soffice").arg("--version").output().is_err() {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true and LibreOffice is missing (the test script installs it)");
            eprintln!("SKIPPED (LibreOffice): soffice is not installed");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("ecociv-lo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("book.xlsx"), bytes).unwrap();
        // UTF-8, a header line, values rather than as shown, every sheet to its own file
        let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1";
        let out = std::process::Command::new("soffice")
            .arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(&dir)
            .arg(dir.join("book.xlsx"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let sheets = names
            .iter()
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(format!("book-{n}.csv"))).unwrap_or_else(|e| panic!("sheet {n}: {e}"));
                let mut r = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
                r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect()
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        Some(sheets)
    }

    /// The exports open in LibreOffice with the values ecociv holds: every header, every row,
    /// numbers as numbers.
    #[test]
    fn libreoffice_reads_the_same_values() {
        let plan = build_plan(&hohhot()).unwrap();
        let tables = [annex1(&plan, &[], &[], 2024, Locale::Zh), annex2(&plan, &[], Locale::Zh)];
        let bytes = xlsx(&tables).unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.sheet.as_str()).collect();
        let Some(sheets) = sheets_as_libreoffice_reads_them(&bytes, &names) else { return };
        for (t, sheet) in tables.iter().zip(sheets) {
            assert_eq!(sheet[0], t.header, "{}", t.sheet);
            assert_eq!(sheet.len(), t.rows.len() + 1, "{}: every row", t.sheet);
            for (r, (want, got)) in t.rows.iter().zip(&sheet[1..]).enumerate() {
                for (c, cell) in want.iter().enumerate() {
                    let got = got.get(c).map(String::as_str).unwrap_or("");
                    match cell {
                        Cell::Number(d, _) => {
                            let g: f64 = got.parse().unwrap_or_else(|_| panic!("{} row {r} col {c}: {got:?} is not a number", t.sheet));
                            assert!((g - d.to_string().parse::<f64>().unwrap()).abs() < 1e-9, "{} row {r} col {c}: {got} ≠ {d}", t.sheet);
                        }
                        other => assert_eq!(got, other.as_text(), "{} row {r} col {c}", t.sheet),
                    }
                }
            }
        }
    }
}
