//! Names and codes in the page's language: indicator and sub-indicator names in English on the
//! English pages (the printed target stays as printed), org unit names in joined lists, veto
//! kinds and the change history of an entry by their labels, and the projection note naming
//! the method in use.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ecociv_app::accounts;
use ecociv_core::access::Role;
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use http_body_util::BodyExt;
use scraper::Html;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{App, app, get, sel, texts};

/// The name of a leaf code in the plan: (zh, en).
fn names(app: &App, code: &str) -> (String, String) {
    let ind = app.plan.indicator_of(code).unwrap();
    if ind.code == code {
        return (ind.name.clone(), ind.name_en.clone());
    }
    let s = ind.sub_indicators.iter().find(|s| s.code == code).unwrap();
    (s.name.clone(), s.name_en.clone())
}

/// The text of the name cell of the row of `code` on the portal.
fn portal_name(doc: &Html, code: &str) -> String {
    texts(doc, &format!("tr[id=\"public-{code}\"] td:nth-child(2)")).join("")
}

#[tokio::test]
async fn the_english_portal_names_indicators_in_english() {
    let app = app(None).await;
    let (zh72, en72) = names(&app, "7.2");
    let (zh1, en1) = names(&app, "1");
    assert_ne!(zh72, en72);
    let doc = get(&app, "/public?lang=en").await.html();
    assert_eq!(portal_name(&doc, "7.2"), en72);
    assert_eq!(portal_name(&doc, "1"), en1);
    // the printed target stays as printed
    let target = texts(&doc, "tr[id=\"public-7.2\"] td:nth-child(3)").join("");
    assert_eq!(target, app.plan.leaf("7.2").unwrap().target.printed);
    // and Chinese stays Chinese
    let doc = get(&app, "/public").await.html();
    assert_eq!(portal_name(&doc, "7.2"), zh72);
    assert_eq!(portal_name(&doc, "1"), zh1);
    // the API too
    let all = get(&app, "/api/v1/public/indicators?lang=en").await.json();
    let row = |v: &Value, code: &str| v.as_array().unwrap().iter().find(|s| s["code"] == code).unwrap().clone();
    assert_eq!(row(&all, "7.2")["name"], en72.as_str());
    assert_eq!(row(&all, "1")["name"], en1.as_str());
    let all = get(&app, "/api/v1/public/indicators").await.json();
    assert_eq!(row(&all, "7.2")["name"], zh72.as_str());
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_indicator_page_is_english_in_english() {
    let app = app(None).await;
    let (zh7, en7) = names(&app, "7");
    let (_, en72) = names(&app, "7.2");
    let r = get(&app, "/indicators/7?lang=en").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.html();
    let title = texts(&doc, "title").join("");
    assert!(title.contains(&en7) && !title.contains(&zh7), "{title}");
    assert!(texts(&doc, "h1").join("").contains(&en7));
    assert!(r.body.contains(&en72));
    assert!(r.body.contains("every sub-indicator met") && r.body.contains("at least 84.9"), "the rules in words");
    app.db.cleanup().await;
}

#[tokio::test]
async fn rules_are_shown_in_words_with_their_code_on_a_details_line() {
    let app = app(None).await;
    let r = get(&app, "/indicators/7").await;
    assert!(r.body.contains("各分项指标均达标") && r.body.contains("不低于84.9") && r.body.contains("不高于34"), "{}", r.body);
    // the code only inside a closed details element
    let outside: String = r.body.split("<details").map(|part| part.split_once("</details>").map(|(_, rest)| rest).unwrap_or(part)).collect();
    assert!(!outside.contains("all_parts") && !outside.contains("&gt;= 84.9"), "a rule code outside its details line");
    let r = get(&app, "/indicators").await;
    assert!(r.body.contains("较2020年下降不低于12%"), "a decline in words");
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_projection_note_names_the_method_in_use() {
    // during the plan: a projection, with its method named
    let app = app(Some("2024-06-10")).await;
    for (uri, has, lacks) in [
        ("/indicators/7", "CAGR", "线性"),
        ("/indicators/7?method=cagr", "CAGR", "线性"),
        ("/indicators/7?method=linear", "线性", "CAGR"),
        ("/indicators/7?method=linear&lang=en", "linear", "CAGR"),
        ("/indicators/7?lang=en", "CAGR", "linear"),
    ] {
        let doc = get(&app, uri).await.html();
        let note = texts(&doc, "#projection-note").join("");
        assert!(note.contains(has) && !note.contains(lacks), "{uri}: {note}");
    }
    app.db.cleanup().await;
}

// ---------- signed-in pages ----------

const PASSWORD: &str = "Correct-horse-9";

struct Signed {
    router: axum::Router,
    db: TestDb,
}

async fn signed() -> Signed {
    let db = TestDb::sqlite().await;
    let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let hash = accounts::hash_password(PASSWORD.into()).await.unwrap();
    super::add_users(
        &db.store,
        &[("tf", "市生态环境局", Role::TaskForce), ("env", "市生态环境局", Role::Department), ("zhujian", "市住建局", Role::Department)],
        &hash,
        true,
    )
    .await;
    let state = AppState::new(db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
    Signed { router: router(state), db }
}

/// Sends as `user` (by token); the body is JSON when there is one.
async fn send(app: &Signed, user: &str, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer tok-{user}"))
        .header("content-type", "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    (status, String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

fn id_of(body: &str) -> i64 {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn veto_kinds_and_readiness_names_are_translated() {
    let app = signed().await;
    let veto = json!({"kind": "major_incident", "description": "某化工园区发生较大突发环境事件", "occurred_on": "2024-03-02"});
    assert_eq!(send(&app, "tf", "POST", "/api/v1/vetoes", Some(veto)).await.0, StatusCode::CREATED);
    let (status, body) = send(&app, "tf", "GET", "/readiness", None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&body);
    let vetoes = texts(&doc, "#vetoes li").join("");
    assert!(vetoes.contains("重大、特大突发环境事件"), "{vetoes}");
    assert!(!body.contains("major_incident"));
    let (_, body) = send(&app, "tf", "GET", "/readiness?lang=en", None).await;
    let doc = Html::parse_document(&body);
    let vetoes = texts(&doc, "#vetoes li").join("");
    assert!(vetoes.contains("Major or especially major environmental emergency"), "{vetoes}");
    assert!(!body.contains("major_incident"));
    // the matrix names the leaves in English
    let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
    let s72 = plan.indicator("7").unwrap().sub_indicators.iter().find(|s| s.code == "7.2").unwrap().clone();
    let rows: Vec<String> = doc.select(&sel("table.readiness tbody tr")).map(|r| r.text().collect::<String>()).collect();
    let row = rows.iter().find(|r| r.starts_with("7.2")).unwrap();
    assert!(row.contains(&s72.name_en) && !row.contains(&s72.name), "{row}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_change_history_shows_labels_not_codes() {
    let app = signed().await;
    // an observation, returned
    let (status, body) = send(&app, "env", "POST", "/api/v1/observations", Some(json!({"indicator": "7.1", "year": 2023, "value": "86"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let o = id_of(&body);
    let (status, _) = send(&app, "tf", "POST", &format!("/api/v1/observations/{o}/return"), Some(json!({"reason": "数据来源不清"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = send(&app, "env", "GET", &format!("/observations/{o}"), None).await;
    let doc = Html::parse_document(&body);
    let history = texts(&doc, "table.history tbody tr").join("\n");
    assert!(history.contains("报送") && history.contains("退回"), "{history}");
    assert!(history.contains("状态: 已报送 → 已退回"), "{history}");
    for raw in ["observation.", "submitted", "returned", "state:"] {
        assert!(!history.contains(raw), "{raw} in {history}");
    }
    let (_, body) = send(&app, "env", "GET", &format!("/observations/{o}?lang=en"), None).await;
    let history = texts(&Html::parse_document(&body), "table.history tbody tr").join("\n");
    assert!(history.contains("Returned") && !history.contains("observation."), "{history}");
    // a project's monthly report, returned
    let report =
        json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "100", "investment_cumulative_wan": "300"});
    let (status, body) = send(&app, "zhujian", "POST", "/api/v1/projects/11/dispatch-reports", Some(report)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let r = id_of(&body);
    let (status, _) = send(&app, "tf", "POST", &format!("/api/v1/dispatch-reports/{r}/return"), Some(json!({"reason": "投资数据有误"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = send(&app, "zhujian", "GET", &format!("/dispatch-reports/{r}"), None).await;
    let history = texts(&Html::parse_document(&body), "table.history tbody tr").join("\n");
    assert!(history.contains("建设状态: — → 在建"), "{history}");
    assert!(history.contains("形象进度") && history.contains("累计完成投资"), "{history}");
    for raw in ["dispatch_report.", "progress_percent", "investment_cumulative_wan", "under_way", "submitted", "returned"] {
        assert!(!history.contains(raw), "{raw} in {history}");
    }
    app.db.cleanup().await;
}

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn joined_implementer_lists_are_translated_name_by_name() {
    let app = signed().await;
    let (status, body) = send(&app, "tf", "GET", "/dashboard/projects?lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&body);
    let who = texts(&doc, "table.late tbody td:nth-child(3)");
    assert!(!who.is_empty(), "projects are late on 2024-06-10");
    assert!(who.iter().any(|w| w.contains("; ")), "some project has more than one implementer: {who:?}");
    for w in &who {
        assert!(!has_han(w), "{w}");
    }
    let (_, body) = send(&app, "tf", "GET", "/dashboard/projects", None).await;
    let who = texts(&Html::parse_document(&body), "table.late tbody td:nth-child(3)");
    assert!(who.iter().all(|w| has_han(w)) && who.iter().any(|w| w.contains('、')), "{who:?}");
    app.db.cleanup().await;
}
