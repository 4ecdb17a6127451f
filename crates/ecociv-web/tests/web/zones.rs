//! `/zones`: the city's task force reads its counties side by side, each linked to its public
//! pages; a department of the city may not.

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;

use super::entries::{PASSWORD, cookie_of, login, send, setup};

#[tokio::test]
async fn the_city_reads_its_counties_rolled_up() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let st = ecociv_app::App::new(app.db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
    let request = ecociv_app::demo::Request::new(2, 2, 2).unwrap().under("150100");
    ecociv_app::demo::generate(&st, &request, "Demo-Password-1".into(), |_| {}).await.unwrap();
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/zones", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page.body);
    let rows: Vec<String> =
        doc.select(&scraper::Selector::parse("#zones tbody tr").unwrap()).map(|r| r.value().attr("data-zone").unwrap().to_string()).collect();
    assert_eq!(rows, ["SYN0001", "SYN0002"]);
    assert!(page.body.contains("href=\"/public?zone=SYN0001\""));
    let public = send(&app, "GET", "/public?zone=SYN0001", &[], Body::empty()).await;
    assert_eq!(public.status, StatusCode::OK, "the county's public pages open");
    assert!(page.body.contains("共 2 个示范区"), "the totals");
    // the national view: every zone, for an administrator; not for the task force
    let admin = cookie_of(&login(&app, "admin", PASSWORD).await);
    let national = send(&app, "GET", "/zones?all=1", &[("cookie", &admin)], Body::empty()).await;
    assert_eq!(national.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&national.body);
    let all: Vec<String> =
        doc.select(&scraper::Selector::parse("#zones tbody tr").unwrap()).map(|r| r.value().attr("data-zone").unwrap().to_string()).collect();
    assert_eq!(all, ["150100", "SYN0001", "SYN0002"]);
    // counted by province: Hohhot's code begins with 15 (Inner Mongolia); synthetic codes name none
    let provinces: Vec<(String, String)> = doc
        .select(&scraper::Selector::parse("#provinces tbody tr").unwrap())
        .map(|r| (r.value().attr("data-province").unwrap().to_string(), r.text().collect::<String>()))
        .collect();
    assert_eq!(provinces.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["15", ""]);
    assert!(provinces[0].1.contains("内蒙古自治区") && provinces[1].1.contains("无省份"), "{provinces:?}");
    assert!(national.body.contains("href=\"/zones?all=1&amp;province=15\""));
    let one = send(&app, "GET", "/zones?all=1&province=15", &[("cookie", &admin)], Body::empty()).await;
    assert_eq!(one.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&one.body);
    let in_15: Vec<&str> = doc.select(&scraper::Selector::parse("#zones tbody tr").unwrap()).map(|r| r.value().attr("data-zone").unwrap()).collect();
    assert_eq!(in_15, ["150100"]);
    assert!(one.body.contains("id=\"province\" data-code=\"15\">内蒙古自治区"), "the province named");
    for (bad, status) in [("99", StatusCode::NOT_FOUND), ("1", StatusCode::NOT_FOUND), ("%3Cb%3E", StatusCode::NOT_FOUND)] {
        let r = send(&app, "GET", &format!("/zones?all=1&province={bad}"), &[("cookie", &admin)], Body::empty()).await;
        assert_eq!(r.status, status, "{bad}");
        assert!(!r.body.contains("<b>"), "{bad}: nothing given is echoed as markup");
    }
    let api = send(&app, "GET", "/api/v1/zones/provinces", &[("cookie", &admin)], Body::empty()).await;
    assert_eq!(api.status, StatusCode::OK);
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!((api[0]["code"].as_str(), api[0]["totals"]["zones"].as_u64()), (Some("15"), Some(1)));
    assert_eq!((api[1]["code"].as_str(), api[1]["totals"]["zones"].as_u64()), (Some(""), Some(2)));
    let api = send(&app, "GET", "/api/v1/zones/summaries?province=15", &[("cookie", &admin)], Body::empty()).await;
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(api.as_array().map(|a| a.len()), Some(1));
    let r = send(&app, "GET", "/api/v1/zones/summaries?province=99", &[("cookie", &admin)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("unknown_province"), "{}", r.body);
    assert_eq!(send(&app, "GET", "/api/v1/zones/provinces", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, "GET", "/zones?all=1", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    assert_eq!(send(&app, "GET", "/zones", &[("cookie", &zhujian)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    app.db.cleanup().await;
}
