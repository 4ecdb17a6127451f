//! The indicator frameworks' pages and API, public: the revisions and how much of each is
//! known, a revision's rows with its unknowns said, and the comparison of two.

use axum::http::StatusCode;

#[tokio::test]
async fn frameworks_are_listed_shown_and_compared_without_signing_in() {
    let app = super::app(Some("2024-06-15")).await;
    let list = super::get(&app, "/frameworks").await;
    assert_eq!(list.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&list.body);
    let rows: Vec<String> = doc.select(&scraper::Selector::parse("#frameworks tbody tr").unwrap()).map(|r| r.text().collect()).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[2].contains("2024-city") && rows[2].contains("第14项以后未知"), "{rows:?}");
    let one = super::get(&app, "/frameworks/2024-city").await;
    assert_eq!(one.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&one.body);
    assert_eq!(doc.select(&scraper::Selector::parse("#framework-rows tbody tr").unwrap()).count(), 26);
    assert!(one.body.contains("（名称未知）") && one.body.contains("id=\"in-part\""));
    let diff = super::get(&app, "/frameworks/diff?old=2021-city&new=2024-city").await;
    assert_eq!(diff.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&diff.body);
    let split: Vec<String> = doc.select(&scraper::Selector::parse("#changes li.split").unwrap()).map(|r| r.text().collect()).collect();
    assert_eq!(split, ["拆分  10 林草覆盖率 → 8.1 森林覆盖率*, 8.2 草原综合植被盖度*"]);
    assert_eq!(doc.select(&scraper::Selector::parse("#changes li.dropped").unwrap()).count(), 0);
    assert!(doc.select(&scraper::Selector::parse("#changes li.not_seen").unwrap()).count() > 20);
    assert_eq!(super::get(&app, "/frameworks/2030-city").await.status, StatusCode::NOT_FOUND);
    assert_eq!(super::get(&app, "/frameworks/diff?old=2021-city&new=").await.status, StatusCode::NOT_FOUND);
    let api = super::get(&app, "/api/v1/frameworks/2021-city/diff/2024-city").await;
    assert_eq!(api.status, StatusCode::OK);
    let d: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(d["by_lineage"], true);
    assert!(d["changes"].as_array().unwrap().iter().any(|c| c["kind"] == "merged" && c["new"][0]["code"] == "7.4"));
    let en = super::get(&app, "/api/v1/frameworks/nope?lang=en").await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(en.body.contains("No such framework"), "{}", en.body);
    app.db.cleanup().await;
}
