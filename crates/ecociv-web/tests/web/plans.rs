//! `/plans`: the plans of the zone and their states; the task force downloads the next plan's
//! draft as a `.zip`, sends back the edited files and issues it; a department may do neither;
//! the earlier plan then reads as it stood at `/plans/{code}`, and the API says the same.

use std::io::Read;

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;

use super::entries::{PASSWORD, api, cookie_of, csrf_in, login, move_to, send, setup_at};

/// A multipart form with the CSRF token and the plan's files.
fn files_form(csrf: &str, files: &[(&str, &str)]) -> (String, Vec<u8>) {
    let b = "ecociv-plan-boundary";
    let mut body = format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    for (name, text) in files {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.toml\"\r\nContent-Type: application/toml\r\n\r\n{text}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn the_task_force_drafts_and_issues_the_next_plan() {
    let mut app = setup_at(TestDb::sqlite().await, 30, "2026-01-15").await;
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let env = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/plans", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("hohhot-2023-2025") && page.body.contains("已结束"), "the plan has ended");
    assert!(page.body.contains("id=\"draft-form\"") && page.body.contains("value=\"2026-2030\""), "the next plan's years offered");
    let dept = send(&app, "GET", "/plans", &[("cookie", &env)], Body::empty()).await;
    assert!(dept.status == StatusCode::OK && !dept.body.contains("id=\"issue-form\""), "a department reads the list only");
    let r = send(&app, "GET", "/plans/next.zip?framework=2024-city&years=2026-2030", &[("cookie", &env)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for bad in
        ["framework=2024-city&years=2025-2030", "framework=2024-city&years=abc", "framework=2030-city&years=2026-2030", "framework=2024-county&years=2026-2030"]
    {
        let r = send(&app, "GET", &format!("/plans/next.zip?{bad}"), &[("cookie", &tf)], Body::empty()).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }

    // the draft, filled in as a person would
    let r = send(&app, "GET", "/plans/next.zip?framework=2024-city&years=2026-2030", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes)).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        files.insert(f.name().unwrap().trim_end_matches(".toml").to_string(), text);
    }
    assert_eq!(files.keys().map(String::as_str).collect::<Vec<_>>(), ["indicators", "notes.txt", "plan", "projects", "tasks"]);
    assert!(files["notes.txt"].contains("延续上一期指标 3"), "the notes in Chinese");
    let filled = |files: &std::collections::BTreeMap<String, String>, number: bool| -> Vec<(String, String)> {
        let mut out = Vec::new();
        for name in ["plan", "indicators", "tasks", "projects"] {
            let mut t = files[name]
                .replace("target_printed = \"\"", "target_printed = \"有效开展\"")
                .replace("rule = \"\"", "rule = \"state 有效开展\"")
                .replace("baseline = \"\"", "baseline = \"0\"")
                .replace("lead_departments = []", "lead_departments = [\"市生态环境局\"]");
            if number {
                t = t.replace("document_number = \"\"", "document_number = \"呼生态创发〔2026〕1号\"");
            }
            out.push((name.to_string(), t));
        }
        out
    };
    let csrf = csrf_in(&page.body);
    let post = |files: Vec<(String, String)>, cookie: String, csrf: String| {
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
            let (ct, body) = files_form(&csrf, &refs);
            send(app, "POST", "/plans/issue", &[("cookie", &cookie), ("content-type", &ct)], Body::from(body)).await
        }
    };
    // without its document number: refused, nothing changes
    let r = post(filled(&files, false), tf.clone(), csrf.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("文号"), "the reason is said");
    // a file with a blank left: refused with its place
    let mut blank = filled(&files, true);
    blank[1].1 = files["indicators"].clone();
    let r = post(blank, tf.clone(), csrf.clone()).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("indicators.toml"), "{}", r.body);
    // a department may not issue; a wrong token is refused
    let env_csrf = csrf_in(&send(&app, "GET", "/plans", &[("cookie", &env)], Body::empty()).await.body);
    assert_eq!(post(filled(&files, true), env.clone(), env_csrf).await.status, StatusCode::FORBIDDEN);
    assert_eq!(post(filled(&files, true), tf.clone(), "forged".into()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, "GET", "/api/v1/plans", &[("cookie", &tf)], Body::empty()).await.json().as_array().unwrap().len(), 1);

    let r = post(filled(&files, true), tf.clone(), csrf.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?} {}", r.headers, r.body);
    assert_eq!(r.headers["location"], "/plans?issued=hohhot-2026-2030");
    // sent twice: the second is refused
    assert_eq!(post(filled(&files, true), tf.clone(), csrf.clone()).await.status, StatusCode::CONFLICT);

    move_to(&mut app, "2026-06-15");
    // months later: signed in again
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let env = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/plans?issued=hohhot-2026-2030", &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("id=\"plan-issued\"") && page.body.contains("已被下一期方案接续") && page.body.contains("实施中"), "{}", page.body);
    assert_eq!(
        send(&app, "GET", "/plans/hohhot-2023-2025", &[("cookie", &env)], Body::empty()).await.status,
        StatusCode::FORBIDDEN,
        "every value: not for a department"
    );
    let earlier = send(&app, "GET", "/plans/hohhot-2023-2025", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(earlier.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&earlier.body);
    let rows = doc.select(&scraper::Selector::parse("#final-results tbody tr").unwrap()).count();
    assert_eq!(rows, 43, "every leaf of the earlier plan");
    // its closing report and self-assessments are still made, from its own years
    assert!(earlier.body.contains("href=\"/reports/closing/2025.docx\"") && earlier.body.contains("href=\"/reports/self_assessment/2024.pdf\""));
    let closing = send(&app, "GET", "/reports/closing/2025.docx", &[("cookie", &tf)], Body::empty()).await;
    assert!(closing.status == StatusCode::OK && closing.bytes.starts_with(b"PK\x03\x04"), "{}", closing.status);
    assert_eq!(send(&app, "GET", "/reports/closing/2030.docx", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::NOT_FOUND, "not yet");
    assert_eq!(send(&app, "GET", "/plans/nope", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::NOT_FOUND);
    let list = api(&app, Some("tf"), "GET", "/api/v1/plans", serde_json::Value::Null).await.json();
    let states: Vec<(&str, &str)> = list.as_array().unwrap().iter().map(|p| (p["code"].as_str().unwrap(), p["state"].as_str().unwrap())).collect();
    assert_eq!(states, [("hohhot-2026-2030", "running"), ("hohhot-2023-2025", "superseded")]);
    assert_eq!(api(&app, Some("env"), "GET", "/api/v1/plans/hohhot-2023-2025", serde_json::Value::Null).await.status, StatusCode::FORBIDDEN);
    let one = api(&app, Some("viewer"), "GET", "/api/v1/plans/hohhot-2023-2025", serde_json::Value::Null).await.json();
    assert_eq!((one["superseded_on"].as_str(), one["superseded_by"].as_str()), (Some("2026-01-15"), Some("hohhot-2026-2030")));
    app.db.cleanup().await;
}

/// A multipart form with the CSRF token and the plan's workbook (and, when given, a file too).
fn book_form(csrf: &str, book: &[u8], also: Option<(&str, &str)>) -> (String, Vec<u8>) {
    let b = "ecociv-book-boundary";
    let mut body = format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"book\"; filename=\"方案.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(book);
    body.extend_from_slice(b"\r\n");
    if let Some((name, text)) = also {
        body.extend_from_slice(format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.toml\"\r\n\r\n{text}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test]
async fn the_next_plan_goes_through_a_workbook() {
    use ecociv_core::plan_book::{from_sheets, to_sheets};
    let app = setup_at(TestDb::sqlite().await, 30, "2026-01-15").await;
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let env = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/plans", &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("formaction=\"/plans/next.xlsx\"") && page.body.contains("name=\"book\""), "offered on the page");
    let url = "/plans/next.xlsx?framework=2024-city&years=2026-2030";
    assert_eq!(send(&app, "GET", url, &[("cookie", &env)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    let r = send(&app, "GET", url, &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().contains("spreadsheetml") && r.bytes.starts_with(b"PK\x03\x04"));
    let sheets = ecociv_report::import::sheets(&r.bytes).unwrap();
    let tabs: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!((tabs[0], tabs[tabs.len() - 1]), ("方案", "待定事项"), "the tabs in Chinese, the points to settle last");
    let notes = &sheets.last().unwrap().1;
    assert!(notes.iter().any(|(_, c)| c.iter().any(|t| t.contains("延续上一期指标 3"))), "the notes in Chinese");

    // filled in as a person would in the sheets, then written again
    let fill = |number: bool| {
        let mut sheets = sheets.clone();
        let parents: Vec<String> = sheets.iter().find(|(n, _)| n == "子指标").unwrap().1.iter().skip(2).map(|(_, c)| c[0].clone()).collect();
        for (name, rows) in sheets.iter_mut() {
            let keys = rows[1].1.clone();
            let col = |k: &str| keys.iter().position(|x| x == k);
            for (_, cells) in rows.iter_mut().skip(2) {
                cells.resize(keys.len(), String::new());
                let blank = |cells: &Vec<String>, k: &str| col(k).filter(|c| cells[*c].is_empty());
                match name.as_str() {
                    "方案" if number && cells[0] == "document_number" => cells[1] = "呼生态创发〔2026〕1号".into(),
                    "指标" | "子指标" if !parents.contains(&cells[col("code").unwrap()]) => {
                        let new = blank(cells, "continues").is_some();
                        for (k, v) in [("target_printed", "有效开展"), ("rule", "state 有效开展"), ("lead_departments", "市生态环境局"), ("baseline", "0")]
                        {
                            if let Some(c) = blank(cells, k).filter(|_| k != "baseline" || new) {
                                cells[c] = v.to_string();
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let files = from_sheets(&sheets, ecociv_report::plan_book::tabs).unwrap().files;
        ecociv_report::plan_book::xlsx(&to_sheets(&files).unwrap(), &[], ecociv_core::Locale::Zh).unwrap()
    };
    let csrf = csrf_in(&page.body);
    let post = |book: Vec<u8>, also: Option<(&'static str, &'static str)>| {
        let (app, tf, csrf) = (&app, tf.clone(), csrf.clone());
        async move {
            let (ct, body) = book_form(&csrf, &book, also);
            send(app, "POST", "/plans/issue", &[("cookie", &tf), ("content-type", &ct)], Body::from(body)).await
        }
    };
    let r = post(fill(false), None).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("文号"), "{}", r.body);
    let r = post(b"not a workbook".to_vec(), None).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("无法读取该工作簿"), "{}", r.body);
    let r = post(fill(true), Some(("plan", "code = \"x\""))).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("只上传工作簿或方案数据文件中的一种"), "{}", r.body);
    let r = post(fill(true), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers["location"], "/plans?issued=hohhot-2026-2030");
    app.db.cleanup().await;
}
