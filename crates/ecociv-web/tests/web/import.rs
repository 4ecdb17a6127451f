//! Import as its users meet it: a template downloaded, filled (by openpyxl, as Excel would, or
//! by rewriting its rows) and sent back through the API, the page and the checks of the forms;
//! conflicts, rights, bad files and tables typed the way people type them. Every refusal is
//! shown with its place and leaves the store and the trail as they were.

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_core::Locale;
use ecociv_report::import::{marked_workbook, read};
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::entries::{Loop, PASSWORD, Reply, api, cookie_of, csrf_in, login, send, setup, trail_len};

async fn download(app: &Loop, user: &str, uri: &str) -> Vec<u8> {
    let auth = format!("Bearer tok-{user}");
    let r = send(app, "GET", uri, &[("authorization", &auth)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    r.bytes
}

async fn import(app: &Loop, user: &str, bytes: &[u8]) -> Reply {
    let auth = format!("Bearer tok-{user}");
    send(app, "POST", "/api/v1/imports", &[("authorization", &auth), ("content-type", "application/octet-stream")], Body::from(bytes.to_vec())).await
}

/// The problems of a refused import: (code, row, column).
fn problems(r: &Reply) -> Vec<(String, Option<u64>, String)> {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap().to_string(), p["row"].as_u64(), p["column"].as_str().unwrap().to_string()))
        .collect()
}

/// A template with some cells changed, written back as ecociv writes workbooks (the rows by
/// their subject: an indicator code or a project number).
fn fill(template: &[u8], edits: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut f = read(template).unwrap();
    for (subject, key, text) in edits {
        let row = f.rows.iter_mut().find(|r| r.cells.get("indicator").or(r.cells.get("project")).map(String::as_str) == Some(*subject)).expect("a row");
        let key = *f.columns.iter().flatten().find(|k| *k == key).expect("a column");
        row.cells.insert(key, text.to_string());
    }
    marked_workbook(&f, &[], Locale::Zh).unwrap()
}

/// Runs a Python script on a workbook (`sys.argv[1]` in, `sys.argv[2]` out) and returns what
/// it wrote; `None` without python3 and openpyxl, which fails under `CI=true`.
fn python(bytes: &[u8], script: &str) -> Option<Vec<u8>> {
    let have = std::process::Command::new("python3").args(["-c", "import openpyxl"]).status().is_ok_and(|s| s.success());
    if !have {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true and python3 with openpyxl is missing (the test script installs it)");
        eprintln!("SKIPPED (openpyxl): python3 with openpyxl is not installed");
        return None;
    }
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("ecociv-import-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (inp, out) = (dir.join("in.xlsx"), dir.join("out.xlsx"));
    std::fs::write(&inp, bytes).unwrap();
    let o = std::process::Command::new("python3").arg("-c").arg(script).arg(&inp).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(written)
}

/// openpyxl fills the value cells of the rows whose first cell is a given code.
fn openpyxl_fill(cells: &str) -> String {
    format!(
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb.worksheets[0]\nrow = {{str(r[0].value): r[0].row for r in ws.iter_rows(min_row=2)}}\n{cells}\nwb.save(sys.argv[2])\n"
    )
}

/// What the store holds: every observation and report, and the trail's length.
async fn snapshot(app: &Loop) -> (Vec<ecociv_core::record::ObservationRecord>, Vec<ecociv_core::record::DispatchRecord>, usize) {
    (app.db.store.observations("150100").await.unwrap(), app.db.store.dispatch_reports("150100").await.unwrap(), trail_len(app).await)
}

async fn a_filled_template_is_stored_as_typed(db: TestDb) {
    let app = setup(db, 30).await;
    let template = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    let script = openpyxl_fill(
        "ws.cell(row['5'], 7).value = '１００'\nws.cell(row['6'], 7).value = 98.5\nws.cell(row['7.1'], 7).value = '85.2%'\nws.cell(row['7.1'], 8).value = '见附件'",
    );
    let Some(filled) = python(&template, &script) else { return app.db.cleanup().await };
    let before = trail_len(&app).await;
    let r = import(&app, "env", &filled).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["stored"].as_u64(), r.json()["unchanged"].as_u64()), (Some(3), Some(0)));
    let stored: Vec<(String, String, String, String)> = app
        .db
        .store
        .observations("150100")
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.year == 2023)
        .map(|o| (o.indicator, o.value, o.comment, o.submitted_by))
        .collect();
    let want = [("5", "100", ""), ("6", "98.5", ""), ("7.1", "85.2", "见附件")];
    assert_eq!(stored, want.iter().map(|(i, v, c)| (i.to_string(), v.to_string(), c.to_string(), "env".to_string())).collect::<Vec<_>>());
    // on the trail, one write each, by the importing user
    let trail = app.db.store.trail("150100").await.unwrap();
    let new: Vec<(&str, &str)> = trail[before..].iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(new, vec![("observation.submitted", "env"); 3]);
    // on the pages
    let id = app.db.store.observations("150100").await.unwrap().into_iter().find(|o| o.indicator == "6").unwrap().id;
    let page = send(&app, "GET", &format!("/observations/{id}"), &[("authorization", "Bearer tok-env")], Body::empty()).await;
    assert!(page.body.contains("98.5"), "{}", page.body);
    // the same workbook again: nothing changes
    let again = import(&app, "env", &filled).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!((again.json()["stored"].as_u64(), again.json()["unchanged"].as_u64()), (Some(0), Some(3)));
    assert_eq!(trail_len(&app).await, before + 3);
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_filled_template_is_stored_as_typed_sqlite() {
    a_filled_template_is_stored_as_typed(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn a_filled_template_is_stored_as_typed_postgres() {
    if let Some(db) = TestDb::postgres().await {
        a_filled_template_is_stored_as_typed(db).await;
    }
}

#[tokio::test]
async fn a_value_changed_since_download_is_a_conflict_and_nothing_is_stored() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let template = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    // meanwhile the same value comes in through the form
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "5", "year": 2023, "value": "100"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = snapshot(&app).await;
    let filled = fill(&template, &[("5", "value", "99"), ("6", "value", "97")]);
    let p = problems(&import(&app, "env", &filled).await);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].2, "G 本年值", "a conflict points at the value to look at");
    assert_eq!(
        (p[0].0.as_str(), p[0].1),
        ("changed_since_download", Some(read(&filled).unwrap().rows.iter().find(|r| r.cells["indicator"] == "5").unwrap().row as u64))
    );
    assert_eq!(snapshot(&app).await, before, "nothing stored, not even the good row");
    // the same value as stored is no conflict: it changes nothing, the other row is stored
    let filled = fill(&template, &[("5", "value", "100"), ("6", "value", "97")]);
    let r = import(&app, "env", &filled).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["stored"].as_u64(), r.json()["unchanged"].as_u64()), (Some(1), Some(1)));
    // a fresh template carries the new versions: the task force returns 5, the unit corrects it
    let id = app.db.store.observations("150100").await.unwrap().into_iter().find(|o| o.indicator == "5").unwrap().id;
    let r = api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/return"), json!({"reason": "请核实"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    let r = import(&app, "env", &fill(&fresh, &[("5", "value", "99.5")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = app.db.store.observation("150100", id).await.unwrap().unwrap();
    assert_eq!((o.value.as_str(), o.state.code()), ("99.5", "submitted"));
    // the old workbook is now behind on row 5
    let p = problems(&import(&app, "env", &fill(&template, &[("5", "value", "98")])).await);
    assert_eq!(p[0].0, "changed_since_download");
    app.db.cleanup().await;
}

#[tokio::test]
async fn rows_go_through_the_rights_and_checks_of_the_forms() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let before = snapshot(&app).await;
    let env_template = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    let filled = fill(&env_template, &[("6", "value", "97")]);
    // another unit's template
    assert_eq!(problems(&import(&app, "forest", &filled).await)[0].0, "wrong_org_unit");
    // checks of the form, each at its cell: a state word where a number belongs, out of range,
    // a value in a unit of another measure; one bad row keeps the good ones out too
    let bad = fill(&env_template, &[("5", "value", "建立"), ("6", "value", "101"), ("7.2", "value", "12 吨"), ("7.1", "value", "85")]);
    let p = problems(&import(&app, "env", &bad).await);
    let codes: Vec<(&str, &str)> = p.iter().map(|(c, _, col)| (c.as_str(), col.as_str())).collect();
    assert_eq!(codes, vec![("not_a_number", "G 本年值"), ("out_of_range", "G 本年值"), ("not_a_number", "G 本年值")]);
    // a table naming a project of another unit: refused at the row, in English when asked
    let table = "项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n12,2024-05,在建,10,100,1000\n";
    let auth = "Bearer tok-env";
    let r = send(&app, "POST", "/api/v1/imports?lang=en", &[("authorization", auth)], Body::from(table)).await;
    let p = &r.json()["problems"][0];
    assert_eq!((p["code"].as_str(), p["row"].as_u64(), p["column"].as_str()), (Some("forbidden"), Some(2), Some("A Project")));
    assert_eq!(p["expected"].as_str(), Some("a row your unit may enter (this one is 市住建局's)"), "it says whose row it is");
    // a viewer can enter nothing
    assert_eq!(problems(&import(&app, "viewer", &filled).await)[0].0, "forbidden");
    assert_eq!(problems(&import(&app, "viewer", table.as_bytes()).await)[0].0, "forbidden");
    // two rows for one entry
    let twice = "指标序号,年度,本年值\n6,2023,97\n6,2023,98\n";
    assert_eq!(problems(&import(&app, "env", twice.as_bytes()).await), vec![("duplicate_row".into(), Some(3), "A 指标序号".into())]);
    // nothing filled in
    assert_eq!(problems(&import(&app, "env", &env_template).await)[0].0, "nothing_filled");
    // signed out
    let r = send(&app, "POST", "/api/v1/imports", &[], Body::from(table)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(&app).await, before);
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_task_force_imports_a_table_typed_the_way_people_type() {
    let app = setup(TestDb::sqlite().await, 30).await;
    // months as dates and words, amounts with separators, full-width digits and 亿; the
    // cumulative left out after the first month; GB18030 as Excel saves a CSV on Chinese Windows
    let table = "项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）,存在问题\n\
                 12,2024年1月,在建,10,\"1,000\",0.1亿,\n\
                 12,2024/2/1,在建,２０,５００,,无\n\
                 12,2024.3,在建,30,0.05亿元,,\n\
                 13,2024-01,未开工,0,0,0,\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(table);
    let before = trail_len(&app).await;
    let r = import(&app, "tf", &gb).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stored"].as_u64(), Some(4));
    let mut got: Vec<(i64, String, String, String, String, String, String)> = app
        .db
        .store
        .dispatch_reports("150100")
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.subject, d.period, d.progress_percent, d.investment_month_wan, d.investment_cumulative_wan, d.org_unit, d.submitted_by))
        .collect();
    got.sort();
    let row = |s: i64, p: &str, pr: &str, m: &str, c: &str, org: &str| {
        (s, p.to_string(), pr.to_string(), m.to_string(), c.to_string(), org.to_string(), "tf".to_string())
    };
    let org12 = app.db.store.plan("150100").await.unwrap().unwrap().project(12).unwrap().implementers[0].clone();
    let org13 = app.db.store.plan("150100").await.unwrap().unwrap().project(13).unwrap().implementers[0].clone();
    assert_eq!(
        got,
        vec![
            row(12, "2024-01", "10", "1000", "1000", &org12),
            row(12, "2024-02", "20", "500", "1500", &org12),
            row(12, "2024-03", "30", "500", "2000", &org12),
            row(13, "2024-01", "0", "0", "0", &org13),
        ]
    );
    assert_eq!(trail_len(&app).await, before + 4);
    // a cumulative that does not add up, a month that is not one: both shown, nothing stored
    let bad =
        "项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n14,2024-01,在建,10,100,1000\n14,2024-02,在建,20,100,1300\n14,二月,在建,20,100,\n";
    let p = problems(&import(&app, "tf", bad.as_bytes()).await);
    assert_eq!(p, vec![("cumulative_mismatch".into(), Some(3), "F 累计投资（万元）".into()), ("bad_period".into(), Some(4), "B 月份".into())]);
    assert_eq!(trail_len(&app).await, before + 4);
    // a project the plan does not have is said as such (it was once reported as a missing org unit)
    let r = import(&app, "tf", "项目序号,月份,状态,进度（%）,本月投资（万元）\n999,2024-01,在建,10,100\n".as_bytes()).await;
    assert_eq!(problems(&r), vec![("unknown_project".into(), Some(2), "A 项目序号".into())]);
    assert!(r.body.contains("1–76"), "the valid numbers: {}", r.body);
    assert_eq!(trail_len(&app).await, before + 4);
    app.db.cleanup().await;
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason_and_change_nothing() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let before = snapshot(&app).await;
    let template = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a picture", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "not_a_workbook"),
        ("an encrypted workbook or .xls", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0].to_vec(), "encrypted_or_xls"),
        ("a cut-off workbook", template[..template.len() / 2].to_vec(), "corrupt_workbook"),
        ("an oversize file", vec![b'x'; ecociv_report::import::MAX_BYTES + 1], "too_large"),
    ];
    // the cases that take a spreadsheet program to make
    let edits = [
        ("a formula", "ws.cell(row['6'], 7).value = '=50+47'", "formula"),
        (
            "merged cells",
            "ws.cell(row['6'], 7).value = 97\nws.merge_cells(start_row=row['6'], start_column=7, end_row=row['6'] + 1, end_column=7)",
            "merged_cells",
        ),
        ("a hidden row", "ws.cell(row['6'], 7).value = 97\nws.row_dimensions[row['6']].hidden = True", "hidden_row"),
        ("a moved column", "ws.insert_cols(2)", "header_changed"),
    ];
    for (what, script, code) in edits {
        let Some(bytes) = python(&template, &openpyxl_fill(script)) else { break };
        cases.push((what, bytes, code));
    }
    let bomb = "import sys, zipfile, shutil\nshutil.copy(sys.argv[1], sys.argv[2])\nz = zipfile.ZipFile(sys.argv[2], 'a', zipfile.ZIP_DEFLATED)\nz.writestr('xl/media/big.bin', bytes(300 * 1024 * 1024))\nz.close()\n";
    if let Some(bytes) = python(&template, bomb) {
        cases.push(("a decompression bomb", bytes, "too_large_unpacked"));
    }
    for (what, bytes, code) in &cases {
        let r = import(&app, "env", bytes).await;
        let p = problems(&r);
        assert_eq!(p[0].0, *code, "{what}: {}", r.body);
        assert!(!r.json()["problems"][0]["expected"].as_str().unwrap().is_empty(), "{what}: a reason is given");
    }
    assert_eq!(snapshot(&app).await, before);
    app.db.cleanup().await;
}

/// A multipart form with the CSRF token and one file.
fn form_with_file(csrf: &str, name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let b = "ecociv-import-boundary";
    let mut body = format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn the_page_lists_every_problem_and_offers_the_marked_workbook() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let cookie = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/import", &[("cookie", &cookie)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("导入填报表"), "Chinese by default");
    assert!(page.body.contains("name=\"period\" value=\"2024-05\""), "the dispatch template is offered for the month due next (today 2024-06-10)");
    assert!(page.body.contains("name=\"period\" value=\"2023\""), "and the yearly one for last year");
    let csrf = csrf_in(&page.body);
    let template = download(&app, "env", "/templates/observations.xlsx?period=2023").await;
    let bad = fill(&template, &[("5", "value", "abc"), ("6", "value", "97"), ("7.1", "comment", "无值的备注")]);
    let (ct, body) = form_with_file(&csrf, "指标.xlsx", &bad);
    let before = snapshot(&app).await;
    let r = send(&app, "POST", "/import", &[("cookie", &cookie), ("content-type", &ct)], Body::from(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = scraper::Html::parse_document(&r.body);
    let rows: Vec<String> =
        doc.select(&scraper::Selector::parse("table.problems tbody tr").unwrap()).map(|e| e.value().attr("data-code").unwrap().to_string()).collect();
    assert_eq!(rows, vec!["not_a_number", "not_a_number"], "{}", r.body);
    assert!(r.body.contains("abc") && r.body.contains("G 本年值"));
    assert_eq!(snapshot(&app).await, before);
    // the workbook back, the bad cells marked and listed: for the user who imported only
    let href = doc.select(&scraper::Selector::parse("#import-report").unwrap()).next().unwrap().value().attr("href").unwrap().to_string();
    let other = cookie_of(&login(&app, "forest", PASSWORD).await);
    assert_eq!(send(&app, "GET", &href, &[("cookie", &other)], Body::empty()).await.status, StatusCode::NOT_FOUND);
    let marked = send(&app, "GET", &href, &[("cookie", &cookie)], Body::empty()).await;
    assert_eq!(marked.status, StatusCode::OK);
    let back = read(&marked.bytes).unwrap();
    assert_eq!(back.rows, read(&bad).unwrap().rows, "the rows as they were sent");
    assert!(back.signature.is_some(), "the corrected workbook imports again");
    // it is the template again: locked, with its drop-downs and checks, the bad cells marked
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(marked.bytes.clone())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
    assert!(sheet.contains("<sheetProtection") && sheet.contains("<dataValidations"), "protection and validations kept");
    let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.iter().any(|n| n.starts_with("xl/comments")), "a note on each bad cell: {names:?}");
    // corrected, it goes in
    let fixed = fill(&marked.bytes, &[("5", "value", "100"), ("7.1", "value", "85")]);
    let (ct, body) = form_with_file(&csrf, "指标.xlsx", &fixed);
    let r = send(&app, "POST", "/import?lang=en", &[("cookie", &cookie), ("content-type", &ct)], Body::from(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("stored 3"), "{}", r.body);
    // without the CSRF token nothing happens
    let (ct, body) = form_with_file("wrong", "x.csv", b"indicator,year,value\n6,2022,90\n");
    assert_eq!(send(&app, "POST", "/import", &[("cookie", &cookie), ("content-type", &ct)], Body::from(body)).await.status, StatusCode::FORBIDDEN);
    app.db.cleanup().await;
}

async fn a_filled_task_template_is_stored_for_its_unit(db: TestDb) {
    let app = setup(db, 30).await;
    let template = download(&app, "tuoxian", "/templates/tasks.xlsx?period=2024-05").await;
    let f = read(&template).unwrap();
    assert_eq!(f.rows.len(), 37, "a region shares every task");
    // task 3 with a problem but no progress: refused at its progress cell, nothing stored
    let script = openpyxl_fill(
        "ws.cell(row['1'], 4).value = '完成禁燃区划定'\nws.cell(row['2'], 4).value = '开展专项检查3次'\nws.cell(row['2'], 5).value = '人手不足'\nws.cell(row['3'], 5).value = '资金未到位'",
    );
    let Some(bad) = python(&template, &script) else { return app.db.cleanup().await };
    let before = snapshot(&app).await;
    let r = import(&app, "tuoxian", &bad).await;
    let p = problems(&r);
    assert!(p.iter().any(|(code, row, column)| code == "progress_required" || (row == &Some(4) && column.contains("本月进展"))), "{p:?}");
    assert_eq!(snapshot(&app).await, before, "nothing stored");
    // corrected: tasks 1 and 2 stored as the region's reports
    let script =
        openpyxl_fill("ws.cell(row['1'], 4).value = '完成禁燃区划定'\nws.cell(row['2'], 4).value = '开展专项检查3次'\nws.cell(row['2'], 5).value = '人手不足'");
    let Some(good) = python(&template, &script) else { return app.db.cleanup().await };
    let r = import(&app, "tuoxian", &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stored"].as_u64(), Some(2));
    let stored: Vec<(i64, String, String, String)> = app
        .db
        .store
        .dispatch_reports("150100")
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == "task")
        .map(|d| (d.subject, d.org_unit, d.progress, d.problems))
        .collect();
    assert_eq!(
        stored,
        vec![(1, "托克托县".into(), "完成禁燃区划定".into(), String::new()), (2, "托克托县".into(), "开展专项检查3次".into(), "人手不足".into())]
    );
    // the same workbook again changes nothing; the fresh template carries what was sent
    let again = import(&app, "tuoxian", &good).await;
    assert_eq!((again.status, again.json()["unchanged"].as_u64()), (StatusCode::OK, Some(2)), "{}", again.body);
    let fresh = read(&download(&app, "tuoxian", "/templates/tasks.xlsx?period=2024-05").await).unwrap();
    assert_eq!(fresh.rows[1].cells["progress"], "开展专项检查3次");
    // a plain table naming a task the plan does not have
    let r = import(&app, "tuoxian", "task,period,progress\n99,2024-05,x\n".as_bytes()).await;
    let p = problems(&r);
    assert!(p.iter().any(|(code, row, _)| code == "unknown_task" && *row == Some(2)), "{p:?}");
    assert!(r.body.contains("1–37"), "{}", r.body);
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_filled_task_template_is_stored_for_its_unit_sqlite() {
    a_filled_task_template_is_stored_for_its_unit(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn a_filled_task_template_is_stored_for_its_unit_postgres() {
    let Some(db) = TestDb::postgres().await else { return };
    a_filled_task_template_is_stored_for_its_unit(db).await;
}
