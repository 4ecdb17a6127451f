//! Supervision orders through the pages and the API: the task force issues one on its form
//! (a bad one comes back located, what was typed kept), the unit finds it in its to-do list and
//! answers, the task force returns and closes it; the API does the same with a version that
//! guards against a stale move; other units see nothing of it; an overdue order is marked on
//! the to-do list and in the bulletin.

use axum::body::Body;
use axum::http::{StatusCode, header};
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::entries::{PASSWORD, api, cookie_of, csrf_in, enc, login, move_to, send, setup, upload};

async fn form(app: &super::entries::Loop, cookie: &str, uri: &str, body: &str) -> super::entries::Reply {
    send(app, "POST", uri, &[("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie)], Body::from(body.to_string())).await
}

#[tokio::test]
async fn an_order_through_the_pages_and_the_api() {
    let mut app = setup(TestDb::sqlite().await, 30).await;
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/supervision", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"issue-form\""));
    let csrf = csrf_in(&page.body);
    // a bad order: every problem named, in Chinese, what was typed kept, nothing stored
    let typed = "第12号项目进度滞后于计划";
    let bad = form(
        &app,
        &tf,
        "/supervision",
        &format!("csrf={csrf}&org_unit={}&subject_kind=project&subject=999&matter={}&required=&deadline=2024-06-01", enc("市住建局"), enc(typed)),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for said in ["方案中没有项目“999”", "期限不能早于今天（2024-06-10）", "必填"] {
        assert!(bad.body.contains(said), "{said}: {}", bad.body);
    }
    assert!(bad.body.contains(typed), "the matter as typed");
    assert!(app.db.store.orders("150100").await.unwrap().is_empty());
    // a good one
    let r = form(
        &app,
        &tf,
        "/supervision",
        &format!(
            "csrf={csrf}&org_unit={}&subject_kind=project&subject=12&matter={}&required={}&deadline=2024-06-20",
            enc("市住建局"),
            enc(typed),
            enc("说明原因并附佐证")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    // the unit finds it on its to-do list and answers on its page
    let todo = send(&app, "GET", "/entry", &[("cookie", &zhujian)], Body::empty()).await;
    assert!(todo.body.contains("id=\"orders\"") && todo.body.contains(&format!("href=\"/supervision/{id}\"")), "{}", todo.body);
    let page = send(&app, "GET", &at, &[("cookie", &zhujian)], Body::empty()).await;
    assert!(page.body.contains("id=\"answer-submit\"") && !page.body.contains("id=\"close\""));
    let zcsrf = csrf_in(&page.body);
    assert_eq!(upload(&app, "zhujian", &format!("/api/v1/supervision-orders/{id}/evidence"), "会议纪要.pdf", b"%PDF-1.7\n").await.status, StatusCode::CREATED);
    assert_eq!(upload(&app, "forest", &format!("/api/v1/supervision-orders/{id}/evidence"), "x.pdf", b"%PDF-1.7\n").await.status, StatusCode::FORBIDDEN);
    let r = form(&app, &zhujian, &at, &format!("csrf={zcsrf}&move=answer&version=1&text={}", enc("已召开专题会"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // the task force: waiting on its list; a return without a reason comes back beside the form
    let todo = send(&app, "GET", "/entry", &[("cookie", &tf)], Body::empty()).await;
    assert!(todo.body.contains(&format!("href=\"/supervision/{id}\"")));
    let page = send(&app, "GET", &at, &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("id=\"close\"") && page.body.contains("id=\"return\"") && page.body.contains("已召开专题会"));
    let r = form(&app, &tf, &at, &format!("csrf={csrf}&move=return&version=2&text=")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"move-error\""), "{}", r.body);
    let r = form(&app, &tf, &at, &format!("csrf={csrf}&move=return&version=2&text={}", enc("请补充整改时限"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // the API: the answer again, a stale close refused, the close
    let r = api(&app, Some("zhujian"), "POST", &format!("/api/v1/supervision-orders/{id}/answer"), json!({"text": "6月底前完成", "version": 3})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "answered");
    let r = api(&app, Some("tf"), "POST", &format!("/api/v1/supervision-orders/{id}/close"), json!({"version": 3})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api(&app, Some("tf"), "POST", &format!("/api/v1/supervision-orders/{id}/close"), json!({"version": 4})).await;
    assert_eq!((r.status, r.json()["state"].clone()), (StatusCode::OK, json!("closed")));
    let r = api(&app, Some("tf"), "POST", &format!("/api/v1/supervision-orders/{id}/undo"), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // who sees it: the viewer with its history and evidence; another unit reads it, cannot answer
    let r = api(&app, Some("viewer"), "GET", &format!("/api/v1/supervision-orders/{id}"), json!(null)).await;
    let got = r.json();
    assert_eq!(got["history"].as_array().unwrap().len(), 5);
    assert_eq!(got["evidence"].as_array().unwrap().len(), 1);
    let evidence = got["evidence"][0]["id"].as_i64().unwrap();
    assert_eq!(api(&app, Some("forest"), "GET", &format!("/api/v1/supervision-orders/{id}"), json!(null)).await.status, StatusCode::OK);
    assert_eq!(api(&app, Some("forest"), "GET", "/api/v1/supervision-orders", json!(null)).await.json().as_array().unwrap().len(), 1);
    assert_eq!(api(&app, Some("forest"), "GET", &format!("/api/v1/evidence/{evidence}"), json!(null)).await.status, StatusCode::OK);
    let r = api(&app, Some("forest"), "POST", &format!("/api/v1/supervision-orders/{id}/answer"), json!({"text": "代答"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = send(&app, "GET", &at, &[("cookie", &cookie_of(&login(&app, "forest", PASSWORD).await))], Body::empty()).await;
    assert!(page.status == StatusCode::OK && !page.body.contains("id=\"answer-submit\""));
    // only the task force issues
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/supervision-orders",
        json!({"org_unit": "市林草局", "subject_kind": "indicator", "subject": "7.2", "matter": "m", "required": "r", "deadline": "2024-07-01"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // one due tomorrow and left: overdue the day after, on the lists and in the bulletin
    let r = api(
        &app,
        Some("tf"),
        "POST",
        "/api/v1/supervision-orders",
        json!({"org_unit": "托克托县", "subject_kind": "task", "subject": "3", "matter": "任务推进缓慢", "required": "报送推进计划", "deadline": "2024-06-11"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let late_id = r.json()["id"].as_i64().unwrap();
    move_to(&mut app, "2024-06-12");
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let todo = scraper::Html::parse_document(&send(&app, "GET", "/entry", &[("cookie", &tf)], Body::empty()).await.body);
    let row = scraper::Selector::parse("#orders ~ table.orders tr.overdue a").unwrap();
    assert_eq!(todo.select(&row).map(|a| a.value().attr("href").unwrap().to_string()).collect::<Vec<_>>(), vec![format!("/supervision/{late_id}")]);
    let bulletin = send(&app, "GET", "/bulletin?month=2024-06", &[("cookie", &tf)], Body::empty()).await;
    assert!(bulletin.body.contains("任务推进缓慢") && bulletin.body.contains("已逾期"), "{}", bulletin.body);
    let r = api(&app, Some("tf"), "GET", &format!("/api/v1/supervision-orders/{late_id}"), json!(null)).await;
    assert_eq!(r.json()["overdue"], true);
    // the default rules score the orders; rules without the component say they do not
    let page = send(&app, "GET", "/assessment", &[("cookie", &tf)], Body::empty()).await;
    assert!(!page.body.contains("id=\"orders-unscored\""));
    let rules = json!({"text": "title = \"只看按时报送\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]\n"});
    assert_eq!(api(&app, Some("tf"), "PUT", "/api/v1/scoring-rules", rules).await.status, StatusCode::OK);
    let page = send(&app, "GET", "/assessment", &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("id=\"orders-unscored\""), "{}", page.body);
    // in English too
    let en = send(&app, "GET", "/supervision?lang=en", &[("cookie", &tf)], Body::empty()).await;
    assert!(en.body.contains("Supervision orders") && en.body.contains("Overdue"), "{}", en.body);
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

/// `/reminders` on 2024-06-10 (May's reports were due on 5 June, 5 days before: escalated to
/// the unit's head): a unit reads what it owes, each item named and linked; another unit reads
/// only its own; the task force all.
#[tokio::test]
async fn each_unit_reads_what_it_is_reminded_of() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/reminders", &[("cookie", &zhujian)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page.body);
    let rows = scraper::Selector::parse("#reminders tbody tr").unwrap();
    let units: Vec<String> = doc.select(&rows).map(|r| r.select(&scraper::Selector::parse("td").unwrap()).next().unwrap().text().collect()).collect();
    assert!(!units.is_empty() && units.iter().all(|u| u == "市住建局"), "{units:?}");
    assert!(page.body.contains("督促负责人") && page.body.contains("/projects/12/report?period=2024-05"), "{}", page.body);
    assert!(page.body.contains("2024-05 月报"));
    // once sent, May's report of project 12 is no longer owed
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/12/dispatch-reports",
        json!({"period": "2024-05", "status": "under_way", "progress_percent": "30", "investment_month_wan": "10", "investment_cumulative_wan": "100"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = send(&app, "GET", "/reminders", &[("cookie", &zhujian)], Body::empty()).await;
    assert!(!page.body.contains("/projects/12/report?period=2024-05"));
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let all = send(&app, "GET", "/reminders", &[("cookie", &tf)], Body::empty()).await;
    assert!(all.body.contains("市林草局") && all.body.contains("市住建局"));
    app.db.cleanup().await;
}
