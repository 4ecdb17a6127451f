//! The web layer as its users see it: pages and API over a real store (SQLite; one pass on
//! PostgreSQL), read with CSS selectors.

#[path = "web/browser.rs"]
mod browser;
#[path = "web/dashboards.rs"]
mod dashboards;
#[path = "web/entries.rs"]
mod entries;
#[path = "web/frameworks.rs"]
mod frameworks;
#[path = "web/i18n_names.rs"]
mod i18n_names;
#[path = "web/import.rs"]
mod import;
#[path = "web/looks.rs"]
mod looks;
#[path = "web/plans.rs"]
mod plans;
#[path = "web/rectifications.rs"]
mod rectifications;
#[path = "web/reminders.rs"]
mod reminders;
#[path = "web/reports.rs"]
mod reports;
#[path = "web/supervision.rs"]
mod supervision;
#[path = "web/trust.rs"]
mod trust;
#[path = "web/zone_add.rs"]
mod zone_add;
#[path = "web/zones.rs"]
mod zones;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use ecociv_core::model::{Plan, ProjectFilter};
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use tower::ServiceExt;

/// Makes users of zone 150100 with a password hash, each with the API token `tok-NAME` when
/// `tokens` (shared by the test modules).
async fn add_users(store: &std::sync::Arc<dyn ecociv_store::Store>, users: &[(&str, &str, ecociv_core::access::Role)], hash: &str, tokens: bool) {
    for (name, org, role) in users {
        let u = ecociv_core::record::UserRecord {
            name: (*name).into(),
            zone: "150100".into(),
            org_unit: (*org).into(),
            role: *role,
            password_hash: hash.into(),
            failed_logins: 0,
            locked_until: String::new(),
            disabled: false,
            must_change_password: false,
            created_at: "2024-01-01T00:00:00Z".into(),
        };
        store.create_user(&u, "test").await.unwrap();
        if tokens {
            store.create_token(&u, &ecociv_app::accounts::fingerprint(&format!("tok-{name}")), "test").await.unwrap();
        }
    }
}

struct App {
    router: Router,
    plan: Plan,
    db: TestDb,
}

async fn app_on(db: TestDb, today: Option<&str>) -> App {
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let state = AppState::new(db.store.clone(), today.map(|t| t.parse::<NaiveDate>().unwrap()), &plan.zone.code);
    App { router: router(state), plan, db }
}

async fn app(today: Option<&str>) -> App {
    app_on(TestDb::sqlite().await, today).await
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn get_with(app: &App, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Reply { status, headers, body }
}

async fn get(app: &App, uri: &str) -> Reply {
    get_with(app, uri, &[]).await
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn texts(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s)).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

#[tokio::test]
async fn chinese_by_default_whatever_the_browser_asks() {
    let app = app(None).await;
    let r = get_with(&app, "/", &[("accept-language", "en-US,en;q=0.9")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.html();
    assert_eq!(doc.select(&sel("html")).next().unwrap().value().attr("lang"), Some("zh-CN"));
    assert!(texts(&doc, "nav a").contains(&"指标".to_string()));
    assert_eq!(texts(&doc, "#count-indicators"), vec!["36"]);
    assert_eq!(texts(&doc, "#count-tasks"), vec!["37"]);
    assert_eq!(texts(&doc, "#count-projects"), vec!["76"]);
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_english_switch_sticks() {
    let app = app(None).await;
    let r = get(&app, "/lang/en?back=/indicators").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/indicators");
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    let pair = cookie.split(';').next().unwrap();
    let r = get_with(&app, "/indicators", &[("cookie", pair)]).await;
    let doc = r.html();
    assert_eq!(doc.select(&sel("html")).next().unwrap().value().attr("lang"), Some("en"));
    assert!(texts(&doc, "nav a").contains(&"Indicators".to_string()));
    assert!(r.body.contains("Municipal Ecology and Environment Bureau"));
    // and back
    let r = get_with(&app, "/lang/zh-CN?back=/", &[("cookie", pair)]).await;
    assert!(r.headers[header::SET_COOKIE].to_str().unwrap().starts_with("lang=zh-CN;"));
    // no open redirect, no broken header
    for back in ["//evil.example", "/%5Cevil.com", "/%09/evil.com", "/indicators%0d%0aX", "http://evil.example/"] {
        let r = get(&app, &format!("/lang/en?back={back}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(r.headers[header::LOCATION], "/", "{back}");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_switch_links_every_other_language_under_its_own_name() {
    use ecociv_core::Locale;
    let app = app(None).await;
    for l in Locale::all() {
        let doc = get(&app, &format!("/indicators?lang={}", l.tag())).await.html();
        let links: Vec<(String, String, String)> = doc
            .select(&sel("header a.lang"))
            .map(|a| (a.value().attr("hreflang").unwrap_or("").into(), a.text().collect(), a.value().attr("href").unwrap_or("").into()))
            .collect();
        let others: Vec<(String, String, String)> = Locale::all()
            .filter(|o| *o != l)
            .map(|o| (o.tag().into(), o.native_name().into(), format!("/lang/{}?back=/indicators%3Flang%3D{}", o.tag(), l.tag())))
            .collect();
        assert_eq!(links, others, "on the {} page", l.tag());
    }
    let doc = get(&app, "/").await.html();
    assert_eq!(texts(&doc, "#lang-switch"), vec!["English"]);
    let doc = get(&app, "/?lang=en-GB").await.html();
    assert_eq!(texts(&doc, "#lang-switch"), vec!["中文"]);
    app.db.cleanup().await;
}

#[tokio::test]
async fn indicators_grouped_with_targets_and_leads() {
    let app = app(None).await;
    let doc = get(&app, "/indicators").await.html();
    assert_eq!(doc.select(&sel("tr.indicator")).count(), 36);
    assert_eq!(doc.select(&sel("tr.sub-indicator")).count(), 12);
    assert_eq!(doc.select(&sel("tr.domain-row")).count(), 6);
    assert_eq!(doc.select(&sel("tr.category-row")).count(), 10);
    for ind in &app.plan.indicators {
        let row = doc.select(&sel(&format!("tr#indicator-{}", ind.code))).next().unwrap_or_else(|| panic!("row {}", ind.code));
        let lead: String = row.select(&sel("td.lead")).next().unwrap().text().collect();
        assert_eq!(lead, ind.lead_departments.join("、"), "lead of {}", ind.code);
        let text: String = row.text().collect();
        assert!(text.contains(&ind.target.printed), "target of {}", ind.code);
    }
    let row35: String = doc.select(&sel("tr#indicator-35")).next().unwrap().text().collect();
    assert!(row35.contains("市统计局"));
    // category (七) holds only indicator 22, in domain 生态经济
    let body = doc.html();
    let pos = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("生态经济") < pos("（七）产业循环发展") && pos("（七）产业循环发展") < pos("indicator-22"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn every_page_of_the_plan_answers() {
    let app = app(None).await;
    for i in &app.plan.indicators {
        let r = get(&app, &format!("/indicators/{}", i.code)).await;
        assert_eq!(r.status, StatusCode::OK, "indicator {}", i.code);
        assert_eq!(texts(&r.html(), "#lead"), vec![i.lead_departments.join("、")]);
    }
    for t in &app.plan.tasks {
        let r = get(&app, &format!("/tasks/{}", t.number)).await;
        assert_eq!(r.status, StatusCode::OK, "task {}", t.number);
        assert!(r.body.contains(&t.title));
    }
    for p in &app.plan.projects {
        let r = get(&app, &format!("/projects/{}", p.number)).await;
        assert_eq!(r.status, StatusCode::OK, "project {}", p.number);
        assert_eq!(texts(&r.html(), "#implementers")[0].split(" （").next().unwrap(), p.implementers.join("、"));
    }
    for (uri, code) in [("/indicators/99", 404), ("/tasks/0", 404), ("/tasks/x", 404), ("/projects/77", 404), ("/nowhere", 404), ("/?zone=999999", 404)] {
        let r = get(&app, uri).await;
        assert_eq!(r.status.as_u16(), code, "{uri}");
        assert!(r.body.contains("出错了"), "{uri}: a page in Chinese");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn an_indicator_page_shows_what_serves_it() {
    let app = app(None).await;
    let doc = get(&app, "/indicators/7").await.html();
    let tasks = texts(&doc, "ul.tasks li");
    assert!(tasks.iter().any(|t| t.starts_with("25.")), "{tasks:?}");
    let projects = texts(&doc, "ul.projects li");
    assert_eq!(projects.len(), app.plan.projects_for("7").len());
    assert!(projects.len() >= 30);
    let doc = get(&app, "/indicators/9").await.html();
    assert!(texts(&doc, "table.findings td.suggested").iter().any(|s| s.contains("指数")));
    app.db.cleanup().await;
}

#[tokio::test]
async fn project_filters_and_budget_totals() {
    let app = app(None).await;
    let doc = get(&app, "/projects").await.html();
    assert_eq!(doc.select(&sel("tr.project")).count(), 76);
    let total = Plan::budget_total(&app.plan.projects);
    assert_eq!(texts(&doc, "#budget-total"), vec![total.yi.to_string()]);
    let doc = get(&app, "/projects?implementer=%E5%B8%82%E4%BD%8F%E5%BB%BA%E5%B1%80").await.html(); // 市住建局
    assert_eq!(texts(&doc, "#project-count"), vec!["23"]);
    // an alias selects the same org unit
    let doc = get(&app, "/projects?implementer=%E5%92%8C%E6%9E%97").await.html(); // 和林
    let f = ProjectFilter { implementer: Some("和林格尔县".into()), ..Default::default() };
    assert_eq!(doc.select(&sel("tr.project")).count(), app.plan.filter_projects(&f).len());
    let doc = get(&app, "/projects?domain=culture&year=2024&indicator=35").await.html();
    let rows: Vec<String> = doc.select(&sel("tr.project")).map(|e| e.value().attr("id").unwrap().to_string()).collect();
    assert_eq!(rows, vec!["project-74", "project-76"]);
    let r = get(&app, "/projects?year=20x4").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("年份应为四位数字"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn findings_show_printed_beside_the_reading() {
    let app = app(None).await;
    let doc = get(&app, "/findings").await.html();
    assert_eq!(doc.select(&sel("tr.finding")).count(), app.plan.findings.len());
    let budget: Vec<String> = texts(&doc, "tr.budget_unit_doubtful td.printed");
    assert!(budget.contains(&"4491.52 亿元".to_string()), "{budget:?}");
    let p41 = get(&app, "/projects/41").await;
    assert!(texts(&p41.html(), "#budget")[0].contains("4491.52"));
    assert!(texts(&p41.html(), "#budget")[0].starts_with("0.449152"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn pages_make_sense_before_during_and_after_the_plan() {
    for (today, expect) in
        [("2022-12-01", "距启动"), ("2024-06-01", "当前处于第 2 阶段"), ("2025-12-31", "今天是计划的复核日期"), ("2026-11-29", "方案已于 2025-12-31 结束")]
    {
        let app = app(Some(today)).await;
        let r = get(&app, "/").await;
        assert_eq!(r.status, StatusCode::OK);
        let standing = texts(&r.html(), "#standing p").join("");
        assert!(standing.contains(expect), "{today}: {standing}");
        let s = get(&app, "/api/v1/standing").await.json();
        assert_eq!(s["today"], today);
        app.db.cleanup().await;
    }
    // no date breaks a page
    let mut day = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    let db = TestDb::sqlite().await;
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    while day < end {
        let router = router(AppState::new(db.store.clone(), Some(day), "150100"));
        let a = App { router, plan: plan.clone(), db: TestDb::sqlite().await };
        for uri in ["/", "/projects?year=2024", "/api/v1/standing"] {
            assert_eq!(get(&a, uri).await.status, StatusCode::OK, "{day} {uri}");
        }
        a.db.cleanup().await;
        day = day.checked_add_days(chrono::Days::new(53)).unwrap();
    }
    db.cleanup().await;
}

#[tokio::test]
async fn the_api_serves_the_same_data_as_json() {
    let app = app(None).await;
    let plan: Plan = serde_json::from_str(&get(&app, "/api/v1/plan").await.body).unwrap();
    assert_eq!(plan, app.plan);
    let v = get(&app, "/api/v1/projects?implementer=%E5%B8%82%E4%BD%8F%E5%BB%BA%E5%B1%80").await.json();
    assert_eq!(v["projects"].as_array().unwrap().len(), 23);
    assert!(v["total"]["yi"].is_string(), "decimals travel as strings");
    let v = get(&app, "/api/v1/projects/41").await.json();
    assert_eq!(v["budget"]["doubtful"], true);
    assert_eq!(v["budget"]["yi"], "0.449152");
    let v = get(&app, "/api/v1/projects/1").await.json();
    assert!(v["budget"].is_null());
    let v = get(&app, "/api/v1/indicators/35").await.json();
    assert_eq!(v["indicator"]["data_providers"][0], "市统计局");
    assert!(v["tasks"].as_array().unwrap().contains(&serde_json::json!(21)));
    // one error shape, in the request's language
    let r = get(&app, "/api/v1/indicators/99?lang=en").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let e = r.json();
    assert_eq!(e["error"]["code"], "unknown_indicator");
    assert_eq!(e["error"]["message"], "Unknown indicator");
    assert!(e["error"]["fields"]["code"].as_str().unwrap().contains("99"));
    let e = get(&app, "/api/v1/projects?indicator=7.9").await.json();
    assert_eq!(e["error"]["message"], "未知的指标");
    let e = get(&app, "/api/v1/nothing").await.json();
    assert_eq!(e["error"]["code"], "not_found");
    let e = get(&app, "/api/v1/plan?zone=000000").await;
    assert_eq!(e.status, StatusCode::NOT_FOUND);
    assert_eq!(e.json()["error"]["code"], "unknown_zone");
    let h = get(&app, "/healthz").await.json();
    assert_eq!(h["status"], "ok");
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = app(None).await;
    let doc = get(&app, "/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/api/v1/plan", "/api/v1/indicators", "/api/v1/indicators/{code}", "/api/v1/tasks", "/api/v1/projects", "/api/v1/findings", "/api/v1/standing"] {
        assert!(paths.contains_key(p), "{p}");
    }
    // every documented GET path answers: public ones, and the others with 401 without credentials
    for (p, item) in paths {
        let Some(op) = item.get("get") else { continue };
        // a framework's code, else an indicator's
        let code = if p.starts_with("/api/v1/frameworks") { "2021-city" } else { "7" };
        let uri = p.replace("{code}", code).replace("{old}", "2021-city").replace("{new}", "2024-city").replace("{number}", "1").replace("{id}", "1");
        let expected = if op.get("security").is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(get(&app, &uri).await.status, expected, "{uri}");
    }
    for p in ["/api/v1/observations", "/api/v1/projects/{number}/dispatch-reports", "/api/v1/observations/{id}/{decision}"] {
        assert!(paths[p].get("post").is_some(), "{p}");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn pages_on_postgresql() {
    let Some(db) = TestDb::postgres().await else { return };
    let app = app_on(db, Some("2024-06-01")).await;
    for uri in ["/", "/indicators", "/indicators/32", "/tasks", "/tasks/22", "/projects", "/projects/8", "/findings"] {
        assert_eq!(get(&app, uri).await.status, StatusCode::OK, "{uri}");
    }
    let plan: Plan = serde_json::from_str(&get(&app, "/api/v1/plan").await.body).unwrap();
    assert_eq!(plan, app.plan);
    app.db.cleanup().await;
}

#[tokio::test]
async fn every_api_error_keeps_the_shape() {
    let app = app(None).await;
    for (uri, status, code) in [
        ("/api/v1/projects?year=2024&year=2025", 400, "bad_query"),
        ("/api/v1/tasks/%FF", 404, "not_found"),
        ("/api/v1/indicators/%FF", 404, "not_found"),
        ("/api/v1/indicators?zone=bogus", 404, "unknown_zone"),
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status.as_u16(), status, "{uri}");
        assert_eq!(r.json()["error"]["code"], code, "{uri}");
    }
    let res = app.router.clone().oneshot(Request::builder().method("DELETE").uri("/api/v1/plan").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "method_not_allowed");
    // pages answer a bad query with a page
    let r = get(&app, "/projects?year=2024&year=2025").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("查询参数有误"));
    app.db.cleanup().await;
}

#[tokio::test]
async fn sub_indicators_and_unprinted_periods() {
    let app = app(None).await;
    let v = get(&app, "/api/v1/indicators/7.1").await.json();
    assert_eq!(v["indicator"]["code"], "7");
    assert!(!v["projects"].as_array().unwrap().is_empty());
    // projects whose period the plan does not print are read as the plan's span, as their finding says
    let v = get(&app, "/api/v1/projects?year=2024").await.json();
    let numbers: Vec<i64> = v["projects"].as_array().unwrap().iter().map(|p| p["number"].as_i64().unwrap()).collect();
    for n in [41, 42, 43, 66] {
        assert!(numbers.contains(&n), "{n}");
    }
    let doc = get(&app, "/projects/41").await.html();
    let period = texts(&doc, "dl.facts dd")[3].clone();
    assert!(period.contains("未注明") && period.contains("2023–2025"), "{period}");
    app.db.cleanup().await;
}
