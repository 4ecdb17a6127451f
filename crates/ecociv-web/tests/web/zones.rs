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
    assert_eq!(send(&app, "GET", "/zones?all=1", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    assert_eq!(send(&app, "GET", "/zones", &[("cookie", &zhujian)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    app.db.cleanup().await;
}
