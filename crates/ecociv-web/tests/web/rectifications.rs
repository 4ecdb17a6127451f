//! Rectification tasks through the pages and the API: the task force enters one on its form (a
//! bad one comes back located, what was typed kept) and a list through the API (all or none);
//! the owner reports its month on the report form; the list, the task's page and the dashboard
//! say where each stands.

use axum::body::Body;
use axum::http::{StatusCode, header};
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::entries::{PASSWORD, api, cookie_of, csrf_in, enc, login, send, setup, upload};

async fn form(app: &super::entries::Loop, cookie: &str, uri: &str, body: &str) -> super::entries::Reply {
    send(app, "POST", uri, &[("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie)], Body::from(body.to_string())).await
}

#[tokio::test]
async fn a_task_through_the_pages_and_the_api() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let forest = cookie_of(&login(&app, "forest", PASSWORD).await);
    let page = send(&app, "GET", "/rectifications", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"rectification-form\""));
    let csrf = csrf_in(&page.body);
    // a bad one: located, in Chinese, typed text kept, nothing stored
    let typed = "大青山南坡违规开发问题整改";
    let bad =
        form(&app, &tf, "/rectifications", &format!("csrf={csrf}&number=1&problem={}&owner={}&deadline={}", enc(typed), enc("市林草局"), enc("尽快"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("完成时限应为日期") && bad.body.contains(typed), "{}", bad.body);
    assert!(app.db.store.rectifications("150100").await.unwrap().is_empty());
    let r =
        form(&app, &tf, "/rectifications", &format!("csrf={csrf}&number=1&problem={}&owner={}&deadline={}", enc(typed), enc("市林草局"), enc("2024年5月底前")))
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers[header::LOCATION], "/rectifications/1");
    // a list through the API: a bad row refuses all of it, named by its index
    let rows = json!([
        {"number": 2, "problem": "黄河流域入河排污口整治", "owner": "市水务局", "deadline": "2025-06-30"},
        {"number": 3, "problem": "x", "owner": "市林草局", "deadline": "2025-06-30", "status": "差不多"}
    ]);
    let r = api(&app, Some("tf"), "PUT", "/api/v1/rectifications", rows.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("rows[1].status"), "{}", r.body);
    assert_eq!(app.db.store.rectifications("150100").await.unwrap().len(), 1);
    let mut rows = rows;
    rows[1]["status"] = json!("推进中");
    assert_eq!(api(&app, Some("tf"), "PUT", "/api/v1/rectifications", rows.clone()).await.status, StatusCode::OK);
    assert_eq!(api(&app, Some("forest"), "PUT", "/api/v1/rectifications", rows).await.status, StatusCode::FORBIDDEN);
    // the owner's monthly report on its form; a report by another unit is refused
    let page = send(&app, "GET", "/rectifications/1/report", &[("cookie", &forest)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let fcsrf = csrf_in(&page.body);
    let r = form(&app, &forest, "/rectifications/1/report", &format!("csrf={fcsrf}&period=2024-05&progress={}&progress_percent=60", enc("完成违建拆除"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let report_at = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let report = send(&app, "GET", &report_at, &[("cookie", &forest)], Body::empty()).await;
    assert!(report.body.contains("整改任务 1") && report.body.contains("60%"), "{}", report.body);
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/rectifications/1/reports", json!({"period": "2024-05", "progress": "代报"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // April filled in late: not more done than May said
    let april = |pct: &str| json!({"period": "2024-04", "progress": "四月", "progress_percent": pct});
    let r = api(&app, Some("forest"), "POST", "/api/v1/rectifications/1/reports", april("70")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = api(&app, Some("forest"), "POST", "/api/v1/rectifications/1/reports", april("50")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(upload(&app, "forest", "/api/v1/rectifications/1/evidence", "销号.pdf", b"%PDF-1.7\n").await.status, StatusCode::CREATED);
    assert_eq!(upload(&app, "zhujian", "/api/v1/rectifications/1/evidence", "x.pdf", b"%PDF-1.7\n").await.status, StatusCode::FORBIDDEN);
    // where they stand: task 1 is past its deadline (May) on 2024-06-10
    let list = scraper::Html::parse_document(&send(&app, "GET", "/rectifications", &[("cookie", &forest)], Body::empty()).await.body);
    let overdue = scraper::Selector::parse("#rectifications tr.overdue td a").unwrap();
    assert_eq!(list.select(&overdue).map(|a| a.text().collect::<String>()).collect::<Vec<_>>(), ["1"]);
    let one = send(&app, "GET", "/rectifications/1", &[("cookie", &forest)], Body::empty()).await;
    assert!(one.body.contains("逾期未完成") && one.body.contains("销号.pdf") && one.body.contains("id=\"report-link\""), "{}", one.body);
    let dash = send(&app, "GET", "/dashboard", &[("cookie", &tf)], Body::empty()).await;
    assert!(dash.body.contains("id=\"rectifications-overdue\"") && dash.body.contains(typed), "{}", dash.body);
    // the list as a workbook, to edit and import back
    let book = send(&app, "GET", "/templates/rectifications.xlsx", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(book.status, StatusCode::OK);
    assert!(book.bytes.starts_with(b"PK"), "an xlsx");
    let r = send(
        &app,
        "POST",
        "/api/v1/imports",
        &[("authorization", "Bearer tok-tf"), ("content-type", "application/octet-stream")],
        Body::from(book.bytes.clone()),
    )
    .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    assert_eq!(app.db.store.rectifications("150100").await.unwrap().iter().map(|r| r.version).collect::<Vec<_>>(), [1, 1, 1], "nothing changed");
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}
