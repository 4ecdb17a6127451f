//! Reminders through the pages and the API: each user's own contact, the zone's settings and
//! the units' robots — who may set what, bad values refused and located, a robot's token never
//! shown back — and the sent log as a unit reads it, a failed message with why.

use axum::body::Body;
use axum::http::StatusCode;
use ecociv_store::testdb::TestDb;
use serde_json::json;

use super::entries::{PASSWORD, api, cookie_of, csrf_in, enc, login, send, setup};

async fn form(app: &super::entries::Loop, cookie: &str, uri: &str, body: &str) -> super::entries::Reply {
    send(app, "POST", uri, &[("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie)], Body::from(body.to_string())).await
}

#[tokio::test]
async fn contacts_settings_and_robots_through_the_pages_and_the_api() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/reminders", &[("cookie", &zhujian)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"contact-form\"") && !page.body.contains("id=\"settings-form\""), "a unit sets its contact, not the zone's settings");
    let csrf = csrf_in(&page.body);

    // the own contact: refused with every field named and what was typed kept, then kept
    let bad = form(&app, &zhujian, "/reminders/contact", &format!("csrf={csrf}&email=zj%40gov&mobile=12345&channel=mail")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-field=\"email\"") && bad.body.contains("data-field=\"mobile\"") && bad.body.contains("value=\"zj@gov\""), "{}", bad.body);
    let ok = form(&app, &zhujian, "/reminders/contact", &format!("csrf={csrf}&email=zj%40zhujian.example.gov.cn&mobile=138-0000-0000&channel=robot")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let mine = api(&app, Some("zhujian"), "GET", "/api/v1/me/contact", json!(null)).await.json();
    assert_eq!(
        (mine["email"].as_str(), mine["mobile"].as_str(), mine["channel"].as_str()),
        (Some("zj@zhujian.example.gov.cn"), Some("13800000000"), Some("robot"))
    );
    let r = api(&app, Some("forest"), "PUT", "/api/v1/me/contact", json!({"email": "", "mobile": "", "channel": "mail"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "mail needs an address: {}", r.body);
    assert!(r.body.contains("\"email\""), "{}", r.body);

    // the zone's settings: the task force's alone, in range
    let r = api(&app, Some("zhujian"), "PUT", "/api/v1/reminder-settings", json!({"days_before": 2, "escalate_after": 4, "digest_weekday": 5})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(&app, Some("tf"), "PUT", "/api/v1/reminder-settings", json!({"days_before": 40, "escalate_after": 0, "digest_weekday": 9})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["days_before", "escalate_after", "digest_weekday"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field}: {}", r.body);
    }
    let r = api(&app, Some("tf"), "PUT", "/api/v1/reminder-settings", json!({"days_before": 2, "escalate_after": 4, "digest_weekday": 5})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api(&app, Some("zhujian"), "GET", "/api/v1/reminder-settings", json!(null)).await.json()["escalate_after"], 4);
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/reminders", &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("到期前 2 天提醒") && page.body.contains("逾期 4 天") && page.body.contains("每周五"), "the note says the zone's own");
    let tf_csrf = csrf_in(&page.body);
    let bad = form(&app, &tf, "/reminders/settings", &format!("csrf={tf_csrf}&days_before=x&escalate_after=3&digest_weekday=1")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("data-field=\"days_before\""));

    // a unit's robot: set by the task force; its token and secret never shown back
    let unit = format!("/api/v1/unit-contacts/{}", enc("市住建局"));
    let robot =
        json!({"robot": "dingtalk", "webhook": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN0123456789", "secret": "SECsecret", "head": "zhujian"});
    assert_eq!(api(&app, Some("zhujian"), "PUT", &unit, robot.clone()).await.status, StatusCode::FORBIDDEN, "a unit does not set where the server posts");
    let r = api(&app, Some("tf"), "PUT", &unit, robot).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["webhook"], "https://oapi.dingtalk.com/…6789");
    assert_eq!(r.json()["has_secret"], true);
    let r = api(&app, Some("tf"), "PUT", &unit, json!({"robot": "wecom", "webhook": "ftp://x", "head": "nobody"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"webhook\"") && r.body.contains("\"head\""), "{}", r.body);
    let r = api(&app, Some("tf"), "PUT", &format!("/api/v1/unit-contacts/{}", enc("无此单位")), json!({"robot": ""})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let listed = api(&app, Some("zhujian"), "GET", "/api/v1/unit-contacts", json!(null)).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 1, "a unit reads its own: {}", listed.body);
    for reader in ["zhujian", "tf", "viewer"] {
        let body = api(&app, Some(reader), "GET", "/api/v1/unit-contacts", json!(null)).await.body;
        assert!(!body.contains("TOKEN0123456789") && !body.contains("SECsecret"), "{reader}: {body}");
    }
    let page = send(&app, "GET", "/reminders", &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("oapi.dingtalk.com/…6789") && !page.body.contains("TOKEN0123456789"));
    let edit = send(&app, "GET", &format!("/reminders/units/{}", enc("市住建局")), &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(!edit.body.contains("TOKEN0123456789") && !edit.body.contains("SECsecret"));
    assert_eq!(send(&app, "GET", &format!("/reminders/units/{}", enc("市住建局")), &[("cookie", &zhujian)], Body::empty()).await.status, StatusCode::FORBIDDEN);
    // a head from another unit is refused; the form left blank keeps the address and secret
    let other = form(&app, &tf, &format!("/reminders/units/{}", enc("市住建局")), &format!("csrf={tf_csrf}&robot=dingtalk&webhook=&secret=&head=env")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.body.contains("data-field=\"head\""));
    let kept = form(&app, &tf, &format!("/reminders/units/{}", enc("市住建局")), &format!("csrf={tf_csrf}&robot=dingtalk&webhook=&secret=&head=")).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let stored = app.db.store.unit_contacts("150100").await.unwrap();
    assert_eq!(
        (stored[0].webhook.as_str(), stored[0].secret.as_str(), stored[0].head.as_str()),
        ("https://oapi.dingtalk.com/robot/send?access_token=TOKEN0123456789", "SECsecret", "")
    );
    // the secret removed on the form
    let gone =
        form(&app, &tf, &format!("/reminders/units/{}", enc("市住建局")), &format!("csrf={tf_csrf}&robot=dingtalk&webhook=&secret=&no_secret=1&head=")).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
    assert_eq!(app.db.store.unit_contacts("150100").await.unwrap()[0].secret, "");
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

/// A round of the scheduler whose robot does not answer: the unit reads the failure and why.
#[tokio::test]
async fn a_unit_reads_what_was_sent_to_it_and_how_it_went() {
    let app = setup(TestDb::sqlite().await, 30).await;
    // a port that nobody listens on
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let r = api(
        &app,
        Some("tf"),
        "PUT",
        &format!("/api/v1/unit-contacts/{}", enc("市住建局")),
        json!({"robot": "wecom", "webhook": format!("http://127.0.0.1:{closed}/hook?key=k")}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let st = ecociv_app::App::new(app.db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
    let couriers = ecociv_app::delivery::Couriers::new(None, "", "http://127.0.0.1:8080").unwrap();
    let round = ecociv_app::reminders::deliver(&st, &couriers).await.unwrap();
    // April's and May's reports, both escalated on 10 June: one message each
    assert_eq!((round.sent, round.failed), (0, 2), "{round:?}");
    let zhujian = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/reminders", &[("cookie", &zhujian)], Body::empty()).await;
    let doc = scraper::Html::parse_document(&page.body);
    let rows: Vec<String> = doc.select(&scraper::Selector::parse("#reminders-sent tbody tr.failed").unwrap()).map(|r| r.text().collect()).collect();
    assert_eq!(rows.len(), 2, "{}", page.body);
    assert!(rows[0].contains("发送失败") && rows[0].contains("cannot connect") && rows[0].contains("wecom:市住建局"), "{}", rows[0]);
    let forest = api(&app, Some("forest"), "GET", "/api/v1/reminders/sent", json!(null)).await.json();
    assert_eq!(forest, json!([]), "another unit reads none of it");
    let all = api(&app, Some("tf"), "GET", "/api/v1/reminders/sent", json!(null)).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    // a viewer reads every unit's log, without people's addresses
    app.db
        .store
        .set_user_contact(
            &ecociv_core::contact::UserContact {
                zone: "150100".into(),
                user: "zhujian".into(),
                email: "zhujian@hhht.example.gov.cn".into(),
                mobile: String::new(),
                channel: ecociv_core::contact::Channel::Mail,
                updated_at: "t".into(),
            },
            "zhujian",
        )
        .await
        .unwrap();
    let mailed = ecociv_store::ReminderLogRecord {
        recipient: "mail:zhujian@hhht.example.gov.cn".into(),
        channel: "mail".into(),
        key: "k".into(),
        ..ecociv_store::ReminderLogRecord::clone(&app.db.store.reminder_log("150100").await.unwrap()[0])
    };
    assert!(app.db.store.claim_reminder(&mailed).await.unwrap());
    let seen = api(&app, Some("viewer"), "GET", "/api/v1/reminders/sent", json!(null)).await.body;
    assert!(seen.contains("mail:z…@hhht.example.gov.cn") && !seen.contains("zhujian@"), "{seen}");
    assert!(api(&app, Some("tf"), "GET", "/api/v1/reminders/sent", json!(null)).await.body.contains("mail:zhujian@hhht.example.gov.cn"));
    app.db.cleanup().await;
}
