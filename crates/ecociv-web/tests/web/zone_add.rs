//! `/zones/new`: an administrator of Hohhot creates a county under it from the county's plan
//! files and names its first task-force account; the city's roll-up lists the county; neither
//! zone's users read the other's unapproved data; only an administrator may create a zone, and
//! a zone is created once.

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;

use super::entries::{PASSWORD, cookie_of, csrf_in, login, send, setup};

fn form(csrf: &str, files: &[(&str, String)], user: &str, org: &str) -> (String, Vec<u8>) {
    let b = "ecociv-zone-boundary";
    let mut body = String::new();
    for (name, value) in [("csrf", csrf), ("user", user), ("org", org)] {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    for (name, text) in files {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.toml\"\r\n\r\n{text}\r\n"));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (format!("multipart/form-data; boundary={b}"), body.into_bytes())
}

/// The Hohhot plan's files made a county's: 新城区, under the city.
fn county_files() -> Vec<(&'static str, String)> {
    let src = ecociv_core::plan_data::hohhot();
    let plan = src.plan.1.replace(
        "[zone]\ncode = \"150100\"\nname = \"呼和浩特市\"\nname_en = \"Hohhot\"\nlevel = \"city\"",
        "[zone]\ncode = \"150102\"\nname = \"新城区\"\nname_en = \"Xincheng District\"\nlevel = \"county\"",
    );
    assert!(plan.contains("150102"));
    vec![("plan", plan), ("indicators", src.indicators.1), ("tasks", src.tasks.1), ("projects", src.projects.1)]
}

#[tokio::test]
async fn an_administrator_creates_a_county_under_the_city() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let admin = cookie_of(&login(&app, "admin", PASSWORD).await);
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/zones/new", &[("cookie", &admin)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_in(&page.body);
    assert_eq!(send(&app, "GET", "/zones/new", &[("cookie", &tf)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    let post = |cookie: &str, csrf: &str, files: Vec<(&str, String)>, user: &str, org: &str| {
        let (ct, body) = form(csrf, &files, user, org);
        let cookie = cookie.to_string();
        let app = &app;
        async move { send(app, "POST", "/zones/new", &[("cookie", &cookie), ("content-type", &ct)], Body::from(body)).await }
    };
    let tf_csrf = csrf_in(&send(&app, "GET", "/plans", &[("cookie", &tf)], Body::empty()).await.body);
    assert_eq!(post(&tf, &tf_csrf, county_files(), "xc-tf", "市生态环境局").await.status, StatusCode::FORBIDDEN, "the task force may not");
    // an org unit the county's plan lacks, a file left out, a name taken: refused, nothing made
    let r = post(&admin, &csrf, county_files(), "xc-tf", "不存在的局").await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("不存在的局"), "{}", r.body);
    let r = post(&admin, &csrf, county_files()[..3].to_vec(), "xc-tf", "市生态环境局").await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("projects.toml"), "{}", r.body);
    assert_eq!(post(&admin, &csrf, county_files(), "tf", "市生态环境局").await.status, StatusCode::CONFLICT);
    assert_eq!(app.db.store.zones().await.unwrap().len(), 1, "nothing was made");

    let r = post(&admin, &csrf, county_files(), "xc-tf", "市生态环境局").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let doc = scraper::Html::parse_document(&r.body);
    let password = doc.select(&scraper::Selector::parse("#temporary-password").unwrap()).next().unwrap().text().collect::<String>();
    assert!(r.body.contains("data-zone=\"150102\""));
    let zones = app.db.store.zones().await.unwrap();
    assert_eq!(zones.iter().find(|z| z.code == "150102").and_then(|z| z.parent.as_deref()), Some("150100"));
    assert_eq!(post(&admin, &csrf, county_files(), "xc-tf2", "市生态环境局").await.status, StatusCode::CONFLICT, "created once");

    // the city's task force sees the county rolled up
    let roll = send(&app, "GET", "/zones", &[("cookie", &tf)], Body::empty()).await;
    assert!(roll.body.contains("data-zone=\"150102\""), "{}", roll.body);
    // the county's task force signs in (its temporary password), enters a value; the city does not read it unapproved
    let county = login(&app, "xc-tf", &password).await;
    let xc = cookie_of(&county);
    let obs = send(&app, "GET", "/api/v1/observations", &[("cookie", &xc)], Body::empty()).await;
    assert!(obs.status == StatusCode::FORBIDDEN && obs.body.contains("password_change_required"), "the temporary password is changed first: {}", obs.body);
    let st = ecociv_app::App::new(app.db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
    // the county's 市委组织部 (its plan's lead of indicator 3) sends a value
    let xc_actor = ecociv_core::access::Actor {
        name: "xc-org".into(),
        zone: "150102".into(),
        org_unit: "市委组织部".into(),
        role: ecociv_core::access::Role::Department,
        parent: None,
    };
    let input = ecociv_core::entry::ObservationInput {
        indicator: "3".into(),
        year: 2023,
        region: None,
        value: serde_json::json!("23"),
        comment: String::new(),
        explanation: None,
    };
    ecociv_app::entries::submit_observation(&st, &xc_actor, &input).await.unwrap();
    let city = send(&app, "GET", "/api/v1/observations", &[("cookie", &tf)], Body::empty()).await;
    assert!(!city.body.contains("\"150102\""), "the city reads none of the county's entries: {}", city.body);
    let city_actor = ecociv_core::access::Actor {
        name: "tf".into(),
        zone: "150100".into(),
        org_unit: "市生态环境局".into(),
        role: ecociv_core::access::Role::TaskForce,
        parent: None,
    };
    let county_entries = app.db.store.observations("150102").await.unwrap();
    let e = ecociv_app::entries::decide_observation(&st, &city_actor, county_entries[0].id, ecociv_app::entries::Decision::Approve, "").await.unwrap_err();
    assert!(matches!(e.kind, ecociv_app::Kind::NotFound | ecociv_app::Kind::Forbidden), "the city may not decide the county's entry: {e:?}");

    // acting in the county (the X-Ecociv-Zone header): only as far as the county allows
    let id = county_entries[0].id;
    let as_city = |who: &'static str| [("authorization", format!("Bearer tok-{who}")), ("x-ecociv-zone", "150102".to_string())];
    let call = |who: &'static str, method: &'static str, uri: String| {
        let app = &app;
        async move {
            let h = as_city(who);
            let headers: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(app, method, &uri, &headers, Body::empty()).await
        }
    };
    let r = call("tf", "GET", "/api/v1/observations".into()).await;
    assert!(r.status == StatusCode::FORBIDDEN && r.body.contains("parent_not_allowed"), "nothing by default: {}", r.body);
    let county_tf = ecociv_core::access::Actor {
        name: "xc-tf".into(),
        zone: "150102".into(),
        org_unit: "市生态环境局".into(),
        role: ecociv_core::access::Role::TaskForce,
        parent: None,
    };
    let allow = |rights: &[&str]| ecociv_app::entries::SettingsInput {
        dispatch_due_day: 5,
        observation_due: "03-31".into(),
        jump_bound: serde_json::json!("0.5"),
        regional_indicators: vec![],
        parent_rights: Some(rights.iter().map(|r| r.to_string()).collect()),
    };
    let e = ecociv_app::entries::set_settings(&st, &county_tf, &allow(&["admin"])).await.unwrap_err();
    assert_eq!(e.checks[0].code, "unknown_right");
    ecociv_app::entries::set_settings(&st, &county_tf, &allow(&["read_entries"])).await.unwrap();
    let r = call("tf", "GET", "/api/v1/observations".into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json().as_array().unwrap().iter().any(|o| o["id"] == id && o["state"] == "submitted"), "reads the county's unapproved entry");
    assert_eq!(call("tf", "POST", format!("/api/v1/observations/{id}/approve")).await.status, StatusCode::FORBIDDEN, "reading is not deciding");
    assert_eq!(call("env", "GET", "/api/v1/observations".into()).await.status, StatusCode::FORBIDDEN, "a department of the city may not");
    ecociv_app::entries::set_settings(&st, &county_tf, &allow(&["decide"])).await.unwrap();
    assert_eq!(call("tf", "POST", format!("/api/v1/observations/{id}/unlock")).await.status, StatusCode::FORBIDDEN, "never unlocks");
    let r = call("tf", "POST", format!("/api/v1/observations/{id}/approve")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["state"].as_str(), r.json()["decided_by"].as_str()), (Some("approved"), Some("tf@150100")), "the trail says from where");
    // pages read with the header are the county's, never kept for the city's own
    let title = |body: &str| scraper::Html::parse_document(body).select(&scraper::Selector::parse("title").unwrap()).next().unwrap().text().collect::<String>();
    let page = call("tf", "GET", "/readiness".into()).await;
    assert!(page.status == StatusCode::OK && title(&page.body).contains("新城区"), "{}", title(&page.body));
    let own = send(&app, "GET", "/readiness", &[("authorization", "Bearer tok-tf")], Body::empty()).await;
    assert!(title(&own.body).contains("呼和浩特市"), "the city's own page stays the city's: {}", title(&own.body));
    let again = call("tf", "GET", "/readiness".into()).await;
    assert!(title(&again.body).contains("新城区"), "and the county's the county's: {}", title(&again.body));
    // nothing of the county's own, and not the zones below it
    assert_eq!(call("tf", "GET", "/api/v1/zones/children".into()).await.status, StatusCode::FORBIDDEN);
    let contact = send(
        &app,
        "PUT",
        "/api/v1/me/contact",
        &[("authorization", "Bearer tok-tf"), ("x-ecociv-zone", "150102"), ("content-type", "application/json")],
        Body::from(r#"{"email":"tf@example.com","mobile":"","channel":"email"}"#),
    )
    .await;
    assert_eq!(contact.status, StatusCode::FORBIDDEN, "{}", contact.body);
    // but it sets nothing of the county's own
    let r = send(
        &app,
        "PUT",
        "/api/v1/settings",
        &[("authorization", "Bearer tok-tf"), ("x-ecociv-zone", "150102"), ("content-type", "application/json")],
        Body::from(r#"{"dispatch_due_day":5,"observation_due":"03-31","jump_bound":"0.5","parent_rights":["read_entries","decide"]}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // the county takes its rights back: refused at once, pages too
    ecociv_app::entries::set_settings(&st, &county_tf, &allow(&[])).await.unwrap();
    assert_eq!(call("tf", "GET", "/readiness".into()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(call("tf", "GET", "/api/v1/observations".into()).await.status, StatusCode::FORBIDDEN);
    // the county acting in the city: not a zone under it
    let up = send(&app, "GET", "/api/v1/observations", &[("authorization", "Bearer tok-tf"), ("x-ecociv-zone", "999999")], Body::empty()).await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);
    app.db.cleanup().await;
}
