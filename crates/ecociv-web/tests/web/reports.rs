//! The documents of the review as the task force downloads them: the yearly indicator archive
//! with every evidence file as uploaded, and what is missing said.

use std::io::Read;

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::entries::{Loop, PASSWORD, Reply, api, cookie_of, csrf_in, enc, login, move_to, send, setup, setup_at, upload};

async fn get(app: &Loop, user: &str, uri: &str) -> Reply {
    let auth = format!("Bearer tok-{user}");
    send(app, "GET", uri, &[("authorization", &auth)], Body::empty()).await
}

#[tokio::test]
async fn the_archive_holds_every_evidence_file_as_uploaded() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let mut uploaded = Vec::new();
    for (indicator, value, files) in [("5", "100", vec![("信息公开目录.pdf", pdf.clone()), ("现场照片.png", png.clone())]), ("6", "98", vec![])] {
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": indicator, "year": 2023, "value": value})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        for (name, content) in files {
            let e = upload(&app, "env", &format!("/api/v1/observations/{id}/evidence"), name, &content).await;
            assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
            uploaded.push((indicator, e.json()["hash"].as_str().unwrap().to_string(), content));
        }
        let r = api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(get(&app, "env", "/archive/2023.zip").await.status, StatusCode::FORBIDDEN, "the task force's document");
    // a browser following the link gets a page, in its language; a script the JSON error
    let page =
        send(&app, "GET", "/archive/2023.zip?lang=en", &[("authorization", "Bearer tok-env"), ("accept", "text/html,application/xhtml+xml")], Body::empty())
            .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("<html") && page.body.contains("You may not do this"), "{}", page.body);
    assert_eq!(get(&app, "env", "/archive/2023.zip").await.json()["error"]["code"], "forbidden");
    assert_eq!(get(&app, "tf", "/archive/1999.zip").await.status, StatusCode::NOT_FOUND);
    let page = get(&app, "tf", "/readiness").await;
    assert!(page.body.contains("/archive/2023.zip"), "the download sits on the readiness page");
    assert!(!get(&app, "env", "/readiness").await.body.contains("/archive/2023.zip"));
    let r = get(&app, "tf", "/archive/2023.zip").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/zip");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(r.bytes)).unwrap();
    let names: Vec<String> = z.file_names().map(|n| n.unwrap().to_string()).collect();
    let folders: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.split_once('/').map(|x| x.0)).collect();
    assert_eq!(folders.len(), 36, "one folder per indicator");
    for (indicator, hash, content) in &uploaded {
        let file = names
            .iter()
            .find(|n| n.starts_with(&format!("{indicator}/佐证材料/")) && z.clone().by_name(n).map(|f| f.size()).ok() == Some(content.len() as u64))
            .expect("the file");
        let mut got = Vec::new();
        z.by_name(file).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(&ecociv_core::record::content_hash(&got), hash, "{file}: the same SM3 as uploaded");
    }
    // what is missing is said: 6 has no evidence, 7.1 no value
    let mut note = String::new();
    z.by_name("6/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
    assert!(note.contains("没有佐证材料"), "{note}");
    let mut note = String::new();
    z.by_name("7/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
    assert!(note.contains("7.1：2023 年没有数值"), "{note}");
    assert!(z.by_name("5/缺失说明.txt").is_err(), "nothing missing for 5");
    // the head of the trail the archive was made from
    let (seq, hash) = app.db.store.head_of("150100").await.unwrap().unwrap();
    let mut head = String::new();
    z.by_name("审计链.txt").unwrap().read_to_string(&mut head).unwrap();
    assert!(head.contains(&format!("第 {seq} 号事件")) && head.contains(&hash), "{head}");
    app.db.cleanup().await;
}

/// Runs a command on a file written to a fresh folder; `None` when the program is missing,
/// which fails under `CI=true`.
fn with_file(name: &str, bytes: &[u8], program: &str, args: &[&str]) -> Option<(std::path::PathBuf, std::process::Output)> {
    if std::process::Command::new(program).arg("--version").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true and {program} is missing (the test script installs it)");
        eprintln!("SKIPPED ({program}): not installed");
        return None;
    }
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("ecociv-doc-{}-{}", std::process::id(), CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    // `{dir}` in an argument stands for the folder (LibreOffice's profile goes there: one per run)
    let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", &dir.display().to_string())).collect();
    let out = std::process::Command::new(program).current_dir(&dir).args(&args).output().unwrap();
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    Some((dir, out))
}

/// The text of a `.docx` as LibreOffice converts it to PDF and pdftotext reads it back.
fn pdf_text(docx: &[u8]) -> Option<String> {
    let (dir, _) = with_file("doc.docx", docx, "soffice", &["-env:UserInstallation=file://{dir}/profile", "--headless", "--convert-to", "pdf", "doc.docx"])?;
    let pdf = std::fs::read(dir.join("doc.pdf")).expect("LibreOffice wrote a PDF");
    let _ = std::fs::remove_dir_all(&dir);
    pdftotext(&pdf)
}

/// The text of a PDF as pdftotext reads it.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    // in the order the text was written (cell by cell), so that wrapped cells read whole
    let (dir, out) = with_file("doc.pdf", pdf, "pdftotext", &["-raw", "doc.pdf", "-"])?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The fonts of a PDF as pdffonts lists them: (name, embedded).
fn pdffonts(pdf: &[u8]) -> Option<Vec<(String, bool)>> {
    let (dir, out) = with_file("doc.pdf", pdf, "pdffonts", &["doc.pdf"])?;
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(out.stdout).unwrap();
    // name type encoding emb sub uni object ID; the header and a rule first
    Some(
        text.lines()
            .skip(2)
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let emb = f.iter().rev().nth(4)?;
                Some((f.first()?.to_string(), *emb == "yes"))
            })
            .collect(),
    )
}

/// The tables of a `.docx` as python-docx reads them: tables → rows → cell texts.
fn docx_tables(docx: &[u8]) -> Option<Vec<Vec<Vec<String>>>> {
    if std::process::Command::new("python3").args(["-c", "import docx"]).status().map(|s| !s.success()).unwrap_or(true) {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true and python-docx is missing (the test script installs it)");
        eprintln!("SKIPPED (python-docx): not installed");
        return None;
    }
    let script = "import sys, json, docx\nd = docx.Document(sys.argv[1])\nprint(json.dumps([[[c.text for c in r.cells] for r in t.rows] for t in d.tables], ensure_ascii=False))";
    let (_, out) = with_file("doc.docx", docx, "python3", &["-c", script, "doc.docx"])?;
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn every_document_converts_to_pdf_and_holds_the_stores_data() {
    // 2023 values sent and decided before they were due (2024-03-31): the 2023 report holds
    // the year as it stood then
    let mut app = setup_at(TestDb::sqlite().await, 30, "2024-03-20").await;
    // 2023 values: approved ones count, a submitted one does not
    for (indicator, value, approve) in [("5", "100", true), ("6", "97.5", true), ("7.1", "85.2", true), ("7.2", "36", false)] {
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": indicator, "year": 2023, "value": value})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        if approve {
            let id = r.json()["id"].as_i64().unwrap();
            assert_eq!(api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await.status, StatusCode::OK);
        }
    }
    move_to(&mut app, "2024-06-10");
    for (i, month) in ["2024-03", "2024-04", "2024-05"].iter().enumerate() {
        let cum = if i == 0 { json!("1000") } else { serde_json::Value::Null };
        let body = json!({"period": month, "status": "under_way", "progress_percent": (i + 1) * 10, "investment_month_wan": "100", "investment_cumulative_wan": cum, "problems": "征地拆迁未完成"});
        let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let plan = app.db.store.plan("150100").await.unwrap().unwrap();
    let documents = [
        ("/reports/technical/2023.docx", vec!["技术报告", "一、总体情况", "指标完成情况", "生态环境信息公开率", "97.5", "85.2"]),
        ("/reports/work/2024.docx", vec!["工作报告", "重点项目建设情况", plan.project(12).unwrap().name.as_str(), "1200", "征地拆迁未完成"]),
        ("/reports/bulletin/2024-05.docx", vec!["调度通报", "报送情况", "进度滞后的项目"]),
        ("/reports/assessment/2024Q2.docx", vec!["考核情况通报", "旗县区", "市直部门", "市住建局"]),
    ];
    // every document ends with the head of the trail it was made from
    let (seq, hash) = app.db.store.head_of("150100").await.unwrap().expect("a head");
    let provenance = [format!("审计链150100第{seq}号事件"), hash];
    for (uri, says) in &documents {
        let says: Vec<&str> = says.iter().copied().chain(provenance.iter().map(String::as_str)).collect();
        let r = get(&app, "tf", uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        // the PDF ecociv writes itself, with its CJK font embedded
        let pdf_uri = uri.replace(".docx", ".pdf");
        let p = get(&app, "tf", &pdf_uri).await;
        assert_eq!((p.status, p.headers["content-type"].to_str().unwrap()), (StatusCode::OK, "application/pdf"), "{pdf_uri}");
        if let Some(fonts) = pdffonts(&p.bytes) {
            assert!(!fonts.is_empty() && fonts.iter().all(|(_, emb)| *emb), "{pdf_uri}: every font embedded: {fonts:?}");
            assert!(fonts.iter().any(|(n, _)| n.contains("WenQuanYi")), "{pdf_uri}: the shipped CJK font: {fonts:?}");
        }
        let texts = [("LibreOffice", pdf_text(&r.bytes)), ("ecociv", pdftotext(&p.bytes))];
        for (by, text) in texts {
            let Some(text) = text else { continue };
            let flat: String = text.split_whitespace().collect();
            for s in &says {
                let s: String = s.split_whitespace().collect();
                assert!(flat.contains(&s), "{uri} (PDF by {by}) lacks {s:?}:\n{text}");
            }
        }
    }
    // the technical report's table: every leaf, with the values and statuses the API gives
    let r = get(&app, "tf", "/reports/technical/2023.docx").await;
    if let Some(tables) = docx_tables(&r.bytes) {
        let rows = &tables[0][1..];
        assert_eq!(rows.len(), plan.leaves().len(), "every leaf of the 36 indicators");
        // the public portal's standings: approved values only, as every page shows them
        let standings = get(&app, "tf", "/api/v1/public/indicators").await.json();
        let labels = [("met", "达标"), ("not_met", "未达标"), ("no_data", "无数据"), ("target_not_set", "目标未下达"), ("not_applicable", "不适用")];
        for leaf in standings.as_array().expect("leaves") {
            let code = leaf["code"].as_str().unwrap();
            let row = rows.iter().find(|r| r[0] == code).unwrap_or_else(|| panic!("{code} in the table"));
            let y2023 = leaf["years"].as_array().unwrap().iter().find(|y| y["year"] == 2023);
            match y2023 {
                Some(y) => {
                    assert!(row[3].starts_with(y["value"].as_str().unwrap()), "{code}: {row:?} against {y}");
                    let label = labels.iter().find(|(c, _)| *c == y["status"].as_str().unwrap()).expect("a status").1;
                    assert_eq!(row[4], label, "{code}");
                }
                None => assert_eq!((row[3].as_str(), row[4].as_str()), ("", "无数据"), "{code}: no approved value"),
            }
        }
        let r72 = rows.iter().find(|r| r[0] == "7.2").unwrap();
        assert_eq!(r72[3], "", "a submitted value is not in the report");
    }
    // a period before the plan or not yet come; a CLI-only kind
    for uri in ["/reports/technical/2019.docx", "/reports/bulletin/2024-07.docx", "/reports/minutes/2024.docx", "/reports/assessment/2024Q4.docx"] {
        assert_eq!(get(&app, "tf", uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_task_force_writes_the_masthead_and_the_human_paragraphs() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let mongolian = "ᠬᠥᠬᠡᠬᠣᠲᠠ ᠶᠢᠨ ᠡᠺᠣᠯᠣᠭᠢ";
    let masthead = json!({
        "header_lines": ["呼和浩特市生态文明建设示范区创建工作领导小组办公室", mongolian],
        "number": "呼生态创发〔2024〕3号",
        "issuer": "呼和浩特市生态文明建设示范区创建工作领导小组办公室",
        "issued_on": "2024年3月31日",
        "texts": {"assessment": "2023年创建工作总体推进有序。\n重点项目按计划实施。"}
    });
    assert_eq!(api(&app, Some("env"), "PUT", "/api/v1/mastheads/technical/2023", masthead.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = json!({"texts": {"minutes": "x"}, "number": "a\u{7}b"});
    let r = api(&app, Some("tf"), "PUT", "/api/v1/mastheads/technical/2023", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"]["fields"]["texts"].is_string() && r.json()["error"]["fields"]["number"].is_string(), "{}", r.body);
    assert_eq!(api(&app, Some("tf"), "PUT", "/api/v1/mastheads/technical/1999x", masthead.clone()).await.status, StatusCode::NOT_FOUND);
    let r = api(&app, Some("tf"), "PUT", "/api/v1/mastheads/technical/2023", masthead).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(get(&app, "env", "/api/v1/mastheads").await.json()[0]["number"], "呼生态创发〔2024〕3号");
    let doc = get(&app, "tf", "/reports/technical/2023.docx").await;
    let mut xml = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(doc.bytes.clone())).unwrap().by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains(mongolian), "the Mongolian header line");
    if let Some(text) = pdf_text(&doc.bytes) {
        let flat: String = text.split_whitespace().collect();
        for s in ["呼生态创发〔2024〕3号", "2023年创建工作总体推进有序。", "重点项目按计划实施。", "2024年3月31日", "【待填写：下一年度工作措施】"]
        {
            assert!(flat.contains(s), "{s}:\n{text}");
        }
        assert!(!flat.contains("待填写：年度总体评价"), "the written paragraph replaces its placeholder");
    }
    // another document takes the zone's header lines and signing office, not the number
    let work = get(&app, "tf", "/reports/work/2024.docx").await;
    let mut xml = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(work.bytes)).unwrap().by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains("呼和浩特市生态文明建设示范区创建工作领导小组办公室") && !xml.contains("〔2024〕3号"));
    // through the page
    let cookie = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/reports?kind=bulletin&period=2024-05", &[("cookie", &cookie)], Body::empty()).await;
    assert!(page.body.contains("masthead-form") && page.body.contains("name=\"requirements\""), "a bulletin asks for requirements");
    let csrf = csrf_in(&page.body);
    let form = format!("csrf={csrf}&kind=bulletin&period=2024-05&number={}&requirements={}", enc("呼生态创办〔2024〕9号"), enc("请各单位按时报送。"));
    let r = send(&app, "POST", "/reports/masthead", &[("cookie", &cookie), ("content-type", "application/x-www-form-urlencoded")], Body::from(form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bulletin = get(&app, "tf", "/reports/bulletin/2024-05.docx").await;
    if let Some(text) = pdf_text(&bulletin.bytes) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("呼生态创办〔2024〕9号") && flat.contains("请各单位按时报送。"), "{text}");
    }
    let events = app.db.store.trail("150100").await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "masthead.updated").count(), 2);
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_year_without_data_or_with_a_lost_file_still_gives_its_documents_and_says_what_is_missing() {
    // before the 2023 values are due, so that the 2023 report stands as today
    let app = setup_at(TestDb::sqlite().await, 30, "2024-03-20").await;
    // nothing at all for 2020
    let r = get(&app, "tf", "/reports/technical/2020.pdf").await;
    assert_eq!(r.status, StatusCode::OK);
    if let Some(text) = pdftotext(&r.bytes) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("暂无已审核数据43项") && flat.contains("2020年度已审核的数值尚无佐证材料。"), "{text}");
    }
    // an approved value whose evidence file was damaged in the database after upload
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "5", "year": 2023, "value": "100"})).await;
    let id = r.json()["id"].as_i64().unwrap();
    let e = upload(&app, "env", &format!("/api/v1/observations/{id}/evidence"), "目录.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n").await;
    assert_eq!(e.status, StatusCode::CREATED);
    api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await;
    app.db.execute("UPDATE blobs SET content = content || 'x'").await;
    let r = get(&app, "tf", "/reports/technical/2023.pdf").await;
    assert_eq!(r.status, StatusCode::OK);
    if let Some(text) = pdftotext(&r.bytes) {
        let flat: String = text.split_whitespace().collect();
        assert!(flat.contains("目录.pdf（文件缺失）") && flat.contains("1份佐证材料的文件已缺失或与上传时不符"), "{text}");
    }
    let archive = get(&app, "tf", "/archive/2023.zip").await;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(archive.bytes)).unwrap();
    let mut note = String::new();
    z.by_name("5/缺失说明.txt").unwrap().read_to_string(&mut note).unwrap();
    assert!(note.contains("目录.pdf") && note.contains("SM3"), "{note}");
    app.db.cleanup().await;
}
