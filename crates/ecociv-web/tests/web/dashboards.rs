//! Dashboards: a recorded veto stands as a banner above the signed-in dashboard and the
//! assessment (never on the public side); the portfolio says that a shared project counts in full
//! under each region and implementer and shows the zone total counted once; assessment scores
//! have exactly 2 decimal places; an error page for a signed-in user knows the user and the zone;
//! kept pages are gzipped, kept per viewer, and outlive neither a write nor a session.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ecociv_app::accounts;
use ecociv_core::access::Role;
use ecociv_core::model::Plan;
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use http_body_util::BodyExt;
use rust_decimal::Decimal;
use scraper::Html;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{sel, texts};

const PASSWORD: &str = "Correct-horse-9";

struct Signed {
    router: axum::Router,
    plan: Plan,
    db: TestDb,
}

async fn signed() -> Signed {
    signed_at("2024-06-10").await
}

async fn signed_at(today: &str) -> Signed {
    let db = TestDb::sqlite().await;
    let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let hash = accounts::hash_password(PASSWORD.into()).await.unwrap();
    super::add_users(&db.store, &[("tf", "市生态环境局", Role::TaskForce), ("env", "市生态环境局", Role::Department)], &hash, true).await;
    let state = AppState::new(db.store.clone(), Some(today.parse().unwrap()), "150100");
    Signed { router: router(state), plan, db }
}

/// Sends as `user` (by token, or nobody); the body is JSON when there is one.
async fn send(app: &Signed, user: Option<&str>, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(u) = user {
        req = req.header("authorization", format!("Bearer tok-{u}"));
    }
    let req = req.body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty)).unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    (status, String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

async fn page(app: &Signed, user: Option<&str>, uri: &str) -> (String, Html) {
    let (status, body) = send(app, user, "GET", uri, None).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    let doc = Html::parse_document(&body);
    (body, doc)
}

#[tokio::test]
async fn a_recorded_veto_stands_above_the_dashboard_and_the_assessment() {
    let app = signed().await;
    // none recorded: no banner
    let (_, doc) = page(&app, Some("tf"), "/dashboard").await;
    assert!(doc.select(&sel("#veto-banner")).next().is_none());
    let veto = json!({"kind": "major_incident", "description": "某化工园区发生较大突发环境事件", "occurred_on": "2024-03-02"});
    assert_eq!(send(&app, Some("tf"), "POST", "/api/v1/vetoes", Some(veto)).await.0, StatusCode::CREATED);
    for (uri, kind, h1) in [
        ("/dashboard", "重大、特大突发环境事件", "<h1>"),
        ("/dashboard?lang=en", "Major or especially major environmental emergency", "<h1>"),
        ("/assessment", "重大、特大突发环境事件", "<h1>"),
        ("/assessment?lang=en", "Major or especially major environmental emergency", "<h1>"),
        ("/dashboard/projects", "重大、特大突发环境事件", "<h1>"),
    ] {
        for user in ["tf", "env"] {
            let (body, doc) = page(&app, Some(user), uri).await;
            let banner = texts(&doc, "#veto-banner").join("");
            assert!(banner.contains(kind) && banner.contains("某化工园区"), "{uri} as {user}: {banner}");
            assert!(!banner.contains("major_incident"), "{banner}");
            let at = body.find("id=\"veto-banner\"").unwrap();
            assert!(at < body.find(h1).unwrap(), "{uri}: the veto stands above everything");
        }
    }
    // the public side shows no veto
    for uri in ["/public", "/public?lang=en", "/", "/indicators"] {
        let (body, doc) = page(&app, None, uri).await;
        assert!(doc.select(&sel("#veto-banner")).next().is_none(), "{uri}");
        assert!(!body.contains("某化工园区"), "{uri}");
    }
    app.db.cleanup().await;
}

fn dec(s: &str) -> Decimal {
    s.trim().parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

#[tokio::test]
async fn the_portfolio_says_shared_projects_count_in_full_and_shows_the_zone_total() {
    let app = signed().await;
    let zone_budget: Decimal = app.plan.projects.iter().filter_map(|p| p.budget.as_ref().map(|b| b.yi)).sum();
    // project 8 is shared by two regions: the region rows add up to more than the zone
    assert!(app.plan.project(8).unwrap().budget.is_some());
    for (uri, note) in [("/dashboard/projects", "每个项目只计一次"), ("/dashboard/projects?lang=en", "counts in full for each")] {
        let (_, doc) = page(&app, Some("tf"), uri).await;
        for id in ["by-region", "by-implementer"] {
            let text = texts(&doc, &format!("#shared-note-{id}")).join("");
            assert!(text.contains(note), "{uri} {id}: {text}");
            let shown = texts(&doc, &format!("#zone-total-{id} .zone-budget")).join("");
            assert_eq!(dec(&shown), zone_budget, "{uri} {id}");
            let rows: Decimal = texts(&doc, &format!("#block-{id} table.chart-data tbody td:nth-child(2)")).iter().map(|s| dec(s)).sum();
            assert!(rows > zone_budget, "{uri} {id}: {rows} against {zone_budget}");
        }
    }
    app.db.cleanup().await;
}

/// Exactly 2 decimal places, optionally signed.
fn two_places(s: &str) -> bool {
    let s = s.trim().trim_start_matches(['-', '+']);
    match s.split_once('.') {
        Some((i, f)) => !i.is_empty() && i.chars().all(|c| c.is_ascii_digit()) && f.len() == 2 && f.chars().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

#[tokio::test]
async fn after_the_plan_the_pages_stand_on_its_last_period_and_name_what_has_no_result() {
    let app = signed_at("2026-12-07").await;
    // every indicator without a value for its deadline year needs attention
    let (_, public) = send(&app, None, "GET", "/api/v1/public/indicators", None).await;
    let public: Value = serde_json::from_str(&public).unwrap();
    let no_result = public.as_array().unwrap().iter().filter(|s| s["projection"]["final_status"] == "no_data").count();
    assert!(no_result > 30, "with no data, nearly every leaf has no result: {no_result}");
    let (_, glance) = page(&app, Some("tf"), "/dashboard").await;
    assert_eq!(texts(&glance, "table.watch tbody tr").len(), no_result, "needs attention lists them all");
    // the assessment opens on the plan's last quarter and refuses one after it
    let (body, _) = page(&app, Some("tf"), "/assessment").await;
    assert!(body.contains("2025Q4") && !body.contains("2026Q3"), "the plan's last quarter");
    let (status, body) = send(&app, Some("tf"), "GET", "/assessment?quarter=2026Q3", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("方案不再要求考核"), "{body}");
    let (status, _) = send(&app, Some("tf"), "GET", "/api/v1/assessments/2026Q1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // the bulletin and the portfolio open on the plan's last month; no report is asked for now
    let (body, _) = page(&app, Some("tf"), "/bulletin").await;
    assert!(body.contains("2025-12") && !body.contains("2026-11"), "the plan's last month");
    let (body, _) = page(&app, Some("tf"), "/dashboard/projects").await;
    assert!(body.contains("2025-12") && !body.contains("2026-11"));
    // the milestones as the data say: the plan issued, the archives and reports missed (no
    // data here), the county titles and the review to be confirmed
    let (overview, _) = page(&app, None, "/").await;
    assert!(overview.contains("已完成（2023-06-02）") && overview.contains("未按期完成") && overview.contains("待确认"), "milestones from the data");
    assert!(!overview.contains(">已到期<"), "no longer only the clock");
    let (_, todo) = page(&app, Some("env"), "/entry").await;
    assert!(!texts(&todo, "body").join("").contains("2026-11"), "no monthly report of 2026-11 is asked for");
    app.db.cleanup().await;
}

#[tokio::test]
async fn assessment_scores_have_two_decimal_places() {
    let app = signed().await;
    for uri in ["/assessment", "/assessment?quarter=2024Q1", "/assessment?quarter=2024Q2&lang=en"] {
        let (_, doc) = page(&app, Some("tf"), uri).await;
        let scores = texts(&doc, "table.ranking td.score");
        assert!(!scores.is_empty(), "{uri}");
        for s in &scores {
            assert!(two_places(s), "{uri}: {s:?}");
        }
        let changes = texts(&doc, "table.ranking tr.unit td:nth-child(4)");
        for c in changes.iter().filter(|c| c.trim() != "—") {
            assert!(two_places(c), "{uri}: change {c:?}");
        }
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn an_error_page_for_a_signed_in_user_knows_the_user_and_the_zone() {
    let app = signed().await;
    for (uri, zone, login) in [
        ("/bulletin?month=2025-13", app.plan.zone.name.clone(), "登录"),
        ("/bulletin?month=2099-01&lang=en", app.plan.zone.name_en.clone(), "Sign in"),
        ("/assessment?quarter=2024Q9", app.plan.zone.name.clone(), "登录"),
    ] {
        let (status, body) = send(&app, Some("tf"), "GET", uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let doc = Html::parse_document(&body);
        let title = texts(&doc, "title").join("");
        assert!(title.contains(&zone), "{uri}: {title}");
        assert!(!title.contains(" ·  · "), "{uri}: {title}");
        assert!(doc.select(&sel("#login-link")).next().is_none(), "{uri}");
        assert!(!texts(&doc, "header").join("").contains(login), "{uri}");
        assert!(texts(&doc, "#user").join("").contains("tf"), "{uri}");
    }
    // signed out, the error page still offers to sign in
    let (status, body) = send(&app, None, "GET", "/no-such-page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(Html::parse_document(&body).select(&sel("#login-link")).next().is_some());
    app.db.cleanup().await;
}

#[tokio::test]
async fn kept_views_show_a_write_to_the_very_next_request() {
    let app = signed().await;
    let value_of = |body: &str| -> Option<String> {
        let all: Value = serde_json::from_str(body).unwrap();
        let leaf = all.as_array().unwrap().iter().find(|s| s["code"] == "7.1").cloned().unwrap();
        leaf["years"].as_array().unwrap().iter().find(|y| y["year"] == 2023).map(|y| y["value"].as_str().unwrap_or_default().to_string())
    };
    let ready = |body: &str| -> bool {
        let r: Value = serde_json::from_str(body).unwrap();
        r["cells"].as_array().unwrap().iter().any(|c| c["leaf"] == "7.1" && c["year"] == 2023 && c["approved"] == true)
    };
    // the views are computed and kept
    let (_, before) = send(&app, None, "GET", "/api/v1/public/indicators", None).await;
    assert_eq!(value_of(&before), None);
    let (_, r) = send(&app, Some("tf"), "GET", "/api/v1/readiness", None).await;
    assert!(!ready(&r));
    let body = json!({"indicator": "7.1", "year": 2023, "value": "88.5", "comment": "监测站年报"});
    let (status, created) = send(&app, Some("env"), "POST", "/api/v1/observations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"].as_i64().unwrap();
    // a submitted value is not public yet
    assert_eq!(value_of(&send(&app, None, "GET", "/api/v1/public/indicators", None).await.1), None);
    let (status, _) = send(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), Some(json!({"reason": ""}))).await;
    assert_eq!(status, StatusCode::OK);
    // the next request after the approval sees it, on every view that reads observations
    assert_eq!(value_of(&send(&app, None, "GET", "/api/v1/public/indicators", None).await.1).as_deref(), Some("88.5"));
    assert!(ready(&send(&app, Some("tf"), "GET", "/api/v1/readiness", None).await.1));
    app.db.cleanup().await;
}

/// Sends with headers; the answer's status, headers and raw body.
async fn raw(app: &Signed, method: &str, uri: &str, headers: &[(&str, &str)], body: String) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app.router.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn gunzip(b: &[u8]) -> String {
    use std::io::Read;
    let mut s = String::new();
    flate2::read::GzDecoder::new(b).read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn kept_pages_are_gzipped_for_who_takes_it_kept_per_viewer_and_never_outlive_a_write_or_a_session() {
    kept_pages(false).await;
    // and with the watcher running, as the server runs: sessions, tokens and versions are
    // then known without asking the store, and still never outlive a write
    kept_pages(true).await;
}

async fn kept_pages(watched: bool) {
    let mut app = signed().await;
    if watched {
        let state = AppState::new(app.db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
        tokio::spawn(ecociv_app::changes::watch(state.app.store.clone(), state.app.changes.clone()));
        while state.app.changes.stamp(&*state.app.store).is_none() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        app.router = router(state);
    }
    let tf = [("authorization", "Bearer tok-tf"), ("accept-encoding", "gzip, br")];
    // the same page twice: the second comes from the kept answer, gzipped like the first
    let (s1, h1, b1) = raw(&app, "GET", "/indicators/7.1", &tf, String::new()).await;
    let (s2, h2, b2) = raw(&app, "GET", "/indicators/7.1", &tf, String::new()).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(h1["content-encoding"], "gzip");
    assert_eq!(h2["content-encoding"], "gzip");
    assert_eq!(h2["content-type"], h1["content-type"]);
    assert_eq!(b1, b2);
    let page = gunzip(&b2);
    assert!(page.contains("tf"), "the header names the user");
    // a client that does not take gzip gets the same page plain
    let (_, h, plain) = raw(&app, "GET", "/indicators/7.1", &[("authorization", "Bearer tok-tf"), ("accept-encoding", "gzip;q=0")], String::new()).await;
    assert!(h.get("content-encoding").is_none());
    assert_eq!(String::from_utf8(plain).unwrap(), page);
    // another user is never given tf's page
    let (_, _, b) = raw(&app, "GET", "/indicators/7.1", &[("authorization", "Bearer tok-env")], String::new()).await;
    let env_page = String::from_utf8(b).unwrap();
    assert_ne!(env_page, page);
    assert!(Html::parse_document(&env_page).root_element().text().any(|t| t.contains("env")));
    // nor is a stranger
    let (_, _, b) = raw(&app, "GET", "/indicators/7.1", &[], String::new()).await;
    assert!(Html::parse_document(&String::from_utf8(b).unwrap()).select(&sel("#login-link")).next().is_some());
    // a write: the very next request renders the page again and shows the value
    let body = json!({"indicator": "7.1", "year": 2023, "value": "88.5", "comment": "监测站年报"});
    let (status, created) = send(&app, Some("env"), "POST", "/api/v1/observations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"].as_i64().unwrap();
    let (status, _) = send(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), Some(json!({"reason": ""}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, b) = raw(&app, "GET", "/indicators/7.1", &tf, String::new()).await;
    assert!(gunzip(&b).contains("2023: 88.5"), "the kept page did not outlive the write");
    // a signed-out session does not keep its pages
    let form = format!("name=tf&password={}&back=%2F", PASSWORD.replace('-', "%2D"));
    let (s, h, _) = raw(&app, "POST", "/login", &[("content-type", "application/x-www-form-urlencoded")], form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookie = h["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let (s, _, _) = raw(&app, "GET", "/dashboard", &[("cookie", &cookie)], String::new()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = raw(&app, "GET", "/dashboard", &[("cookie", &cookie)], String::new()).await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, me) = raw(&app, "GET", "/api/v1/me", &[("cookie", &cookie)], String::new()).await;
    let csrf = serde_json::from_slice::<Value>(&me).unwrap()["csrf"].as_str().unwrap_or_default().to_string();
    let (s, _, _) = raw(&app, "POST", "/logout", &[("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookie)], format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, h, _) = raw(&app, "GET", "/dashboard", &[("cookie", &cookie)], String::new()).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "signed out: to the login page, not the kept dashboard");
    assert!(h["location"].to_str().unwrap().starts_with("/login"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_schedule_draws_each_project_across_its_period_and_marks_the_late() {
    let app = signed().await;
    let (status, body) = send(
        &app,
        Some("env"),
        "POST",
        "/api/v1/projects/3/dispatch-reports",
        Some(json!({"period": "2024-05", "status": "under_way", "progress_percent": "95", "investment_month_wan": "10", "investment_cumulative_wan": "10"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, doc) = page(&app, Some("tf"), "/projects/schedule").await;
    let years: Vec<i32> = texts(&doc, "table.schedule .scale span").iter().map(|y| y.parse().unwrap()).collect();
    let (first, span) = (years[0], years.len() as f64);
    assert_eq!(years, (first..first + years.len() as i32).collect::<Vec<_>>(), "one column a year");
    let rows: Vec<scraper::ElementRef> = doc.select(&sel("table.schedule tbody tr")).collect();
    assert_eq!(rows.len(), app.plan.projects.len());
    for (row, p) in rows.iter().zip(&app.plan.projects) {
        let bar = row.select(&sel(".bar")).next();
        match (p.period.start, p.period.end, p.period.ongoing, bar) {
            (Some(a), Some(b), _, Some(bar)) => {
                let num = |key: &str| bar.value().attr(key).unwrap().trim_end_matches('%').parse::<f64>().unwrap();
                assert!((num("x") - f64::from(a - first) * 100.0 / span).abs() < 0.01, "{}: x", p.number);
                assert!((num("width") - f64::from(b - a + 1) * 100.0 / span).abs() < 0.01, "{}: width", p.number);
            }
            (_, _, true, Some(bar)) => assert_eq!((bar.value().attr("x"), bar.value().attr("width")), (Some("0%"), Some("100%")), "ongoing across the span"),
            (None, _, false, None) => {}
            other => panic!("project {}: {:?}", p.number, (other.0, other.1, other.2, other.3.is_some())),
        }
    }
    // project 3 reported 95%: not behind; a project never reported whose period is half gone is
    let three = doc.select(&sel("#schedule-3")).next().unwrap();
    let (bar, done) = (three.select(&sel(".bar")).next().unwrap(), three.select(&sel(".done")).next().unwrap());
    let width = |e: scraper::ElementRef| e.value().attr("width").unwrap().trim_end_matches('%').parse::<f64>().unwrap();
    assert!(three.value().attr("class").is_none() && (width(done) - width(bar) * 0.95).abs() < 0.01, "95% of its bar done");
    assert!(doc.select(&sel("tr.behind")).count() > 10);
    // filtered by a region: only its projects
    let (_, doc) = page(&app, Some("tf"), "/projects/schedule?region=%E6%89%98%E5%8E%BF").await;
    let shown = doc.select(&sel("table.schedule tbody tr")).count();
    let tuoxian = app.plan.projects.iter().filter(|p| ecociv_core::access::regions_of(&app.plan, p).contains(&"托克托县")).count();
    assert_eq!(shown, tuoxian);
    assert!(shown > 0 && shown < app.plan.projects.len());
    let (status, _) = send(&app, Some("tf"), "GET", "/projects/schedule?region=%E5%8C%97%E4%BA%AC", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown region is named as such");
    let (status, _) = send(&app, None, "GET", "/projects/schedule", None).await;
    assert_ne!(status, StatusCode::OK, "a working page: signed in only");
    app.db.cleanup().await;
}
