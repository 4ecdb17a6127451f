//! The next plan's draft edited in a spreadsheet, on both databases: written as one workbook,
//! filled in by another program (openpyxl, as a person's spreadsheet saves it), read back and
//! issued; a cell typed wrong is refused with its sheet, row and column, and nothing is issued.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_core::Locale;
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

/// Runs `script` with openpyxl on the workbook at `path` (the script saves it); false (skipped)
/// where openpyxl is missing outside CI.
fn edit_with_openpyxl(path: &std::path::Path, script: &str) -> bool {
    let have = std::process::Command::new("python3").args(["-c", "import openpyxl"]).status().is_ok_and(|s| s.success());
    if !have {
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true and python3 with openpyxl is missing (the test script installs it)");
        eprintln!("SKIPPED (openpyxl): python3 with openpyxl is not installed");
        return false;
    }
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    true
}

/// Fills in what the draft leaves blank, as a person would in the sheets: the document number and
/// day of issue, each new indicator's target, rule, lead and base-year value; renames a project.
const FILL: &str = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
plan = wb["方案"]
for r in range(3, plan.max_row + 1):
    f = plan.cell(r, 1).value
    if f == "document_number": plan.cell(r, 2).value = "呼生态创发〔2026〕1号"
    if f == "issued_on": plan.cell(r, 2).value = "2026-02-01"
for name in ["指标", "子指标"]:
    ind = wb[name]
    keys = [c.value for c in ind[2]]
    col = lambda k: keys.index(k) + 1
    subs = {c.value for c in wb["子指标"]["A"][2:]}
    for r in range(3, ind.max_row + 1):
        code = ind.cell(r, col("code")).value
        if code is None: continue
        blanks = [("target_printed", "有效开展"), ("rule", "state 有效开展")]
        if "lead_departments" in keys: blanks.append(("lead_departments", "市生态环境局、市发改委"))
        for k, v in blanks:
            if not ind.cell(r, col(k)).value and code not in subs: ind.cell(r, col(k)).value = v
        if not ind.cell(r, col("continues")).value and not ind.cell(r, col("baseline")).value and code not in subs:
            ind.cell(r, col("baseline")).value = "0"
pro = wb["重点项目"]
keys = [c.value for c in pro[2]]
pro.cell(3, keys.index("name") + 1).value = "改名后的项目"
wb.save(sys.argv[1])
"#;

on_both!(the_next_plan_is_edited_in_a_spreadsheet);

async fn the_next_plan_is_edited_in_a_spreadsheet(db: &TestDb) {
    let ended = App::new(db.store.clone(), Some(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()), ZONE);
    ecociv_app::zones::load_plan(ended.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let fw = ecociv_app::frameworks::revision("2024-city").unwrap();
    let d = ecociv_app::plan_next::draft(&ended, ZONE, fw, 2026, 2030).await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("ecociv_book_{}_{}", std::process::id(), db.url.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let book = dir.join("下一期 方案.xlsx");
    ecociv_app::plan_next::write_book(&book, &d, Locale::Zh).unwrap();
    assert_eq!(ecociv_app::plan_next::write_book(&book, &d, Locale::Zh).unwrap_err().code, "plan_next_book_taken", "never overwritten");

    // as drafted, the blanks are refused at their place in the workbook
    let blank = ecociv_app::zones::plan_from_folder(&book).unwrap_err();
    assert_eq!(blank.code, "bad_plan_data");
    let place = &blank.fields["where"];
    assert!(place.starts_with("子指标: row ") || place.starts_with("指标: row "), "the sheet as the person sees it: {place}");

    if !edit_with_openpyxl(&book, FILL) {
        return std::fs::remove_dir_all(&dir).unwrap();
    }
    let next = ecociv_app::zones::plan_from_folder(&book).unwrap();
    assert_eq!(next.document_number, "呼生态创发〔2026〕1号");
    assert_eq!(next.projects[0].name, "改名后的项目");
    assert!(next.leaves().iter().all(|l| !l.indicator.lead_departments.is_empty()));
    assert_eq!(next.tasks.len(), 37, "every task carried over");
    ecociv_app::plan_next::issue(&ended, &next, "tf").await.unwrap();
    let plan = ended.plan(None).await.unwrap();
    assert_eq!((plan.code.as_str(), plan.projects[0].name.as_str()), ("hohhot-2026-2030", "改名后的项目"));
    assert!(plan.lineage.is_some(), "it follows the plan before");

    // a number typed as a word, in the tasks: refused with its sheet, row and column
    let bad = dir.join("bad.xlsx");
    std::fs::copy(&book, &bad).unwrap();
    let typo = "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb['工作任务'].cell(4, 1).value = '三'\nwb.save(sys.argv[1])\n";
    assert!(edit_with_openpyxl(&bad, typo));
    let e = ecociv_app::zones::plan_from_folder(&bad).unwrap_err();
    let at = |k: &str| e.fields.get(k).map(String::as_str);
    assert_eq!((e.code, at("sheet"), at("row"), at("column"), at("found")), ("plan_book_not_int", Some("工作任务"), Some("4"), Some("A"), Some("三")));
    // a task's row copied below: its number twice, refused at the copy
    std::fs::copy(&book, &bad).unwrap();
    let copy =
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb['工作任务']\nws.append([c.value for c in ws[3]])\nwb.save(sys.argv[1])\n";
    assert!(edit_with_openpyxl(&bad, copy));
    let e = ecociv_app::zones::plan_from_folder(&bad).unwrap_err();
    let at = |k: &str| e.fields.get(k).map(String::as_str);
    assert_eq!((e.code, at("sheet"), at("row"), at("column"), at("found")), ("plan_book_id_twice", Some("工作任务"), Some("40"), Some("A"), Some("1")));
    // a sheet hidden: what nobody sees is not read as the plan
    std::fs::copy(&book, &bad).unwrap();
    let hide = "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nwb['任务量化目标'].sheet_state = 'hidden'\nwb.save(sys.argv[1])\n";
    assert!(edit_with_openpyxl(&bad, hide));
    let e = ecociv_app::zones::plan_from_folder(&bad).unwrap_err();
    assert_eq!((e.code, e.fields.get("sheet").map(String::as_str)), ("plan_book_hidden_sheet", Some("任务量化目标")));
    // not a workbook at all
    std::fs::write(&bad, "plan").unwrap();
    assert_eq!(ecociv_app::zones::plan_from_folder(&bad).unwrap_err().code, "plan_book_unreadable");
    std::fs::remove_dir_all(&dir).unwrap();
}
