//! Reminders delivered, on both databases, to a mail server and a group robot that this test
//! runs on loopback (a small SMTP sink and a small HTTP receiver, no real service): the clock
//! passes a due date and each stage's reminder goes once by mail and once to the unit's
//! DingTalk robot (signed), to the unit's users and then, escalated, to its head; the task
//! force's digest once a week; nothing twice after a restart or with two instances running; a
//! robot's refusal logged, tried again and then left; each unit reads what was sent to it.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{Datelike, NaiveDate};
use ecociv_app::App;
use ecociv_app::delivery::Couriers;
use ecociv_app::reminders::{Round, deliver, set_my_contact, set_settings, set_unit_contact};
use ecociv_core::access::{Actor, Role};
use ecociv_core::contact::{UnitContactInput, UserContactInput};
use ecociv_core::dispatch::months_asked;
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::reminder::{ReminderSettings, dingtalk_sign};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const ZONE: &str = "150100";
const SECRET: &str = "SEC0123456789abcdef";
/// The robot receiver takes the message and never answers.
const SILENT: u32 = u32::MAX;

/// A mail as the sink received it.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    /// The decoded text of its body.
    text: String,
    subject_raw: String,
}

/// A tiny SMTP server that accepts every mail and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let k = kept.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let k = k.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            lines.read_line(&mut l).await.unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        k.lock().unwrap().push(parse_mail(std::mem::take(&mut to), &data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, kept)
}

fn parse_mail(to: Vec<String>, data: &str) -> Mail {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let subject_raw = head.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or_default().to_string();
    let text = if head.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
    } else if head.contains("quoted-printable") {
        let soft = body.replace("=\r\n", "");
        let mut bytes = Vec::new();
        let mut it = soft.bytes();
        while let Some(b) = it.next() {
            if b == b'=' {
                let hex: String = [it.next().unwrap(), it.next().unwrap()].iter().map(|&c| c as char).collect();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
            } else {
                bytes.push(b);
            }
        }
        String::from_utf8(bytes).unwrap()
    } else {
        body.to_string()
    };
    Mail { to, text, subject_raw }
}

/// A robot's call as the receiver got it.
#[derive(Debug, Clone)]
struct Call {
    target: String,
    body: serde_json::Value,
}

/// A tiny HTTP server standing for the robots: keeps each POST and answers errcode 0, or a
/// refusal while `refuse` counts down, or — `refuse` at [`SILENT`] — nothing at all.
async fn robot_receiver(refuse: Arc<Mutex<u32>>) -> (u16, Arc<Mutex<Vec<Call>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept: Arc<Mutex<Vec<Call>>> = Arc::default();
    let k = kept.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (k, refuse) = (k.clone(), refuse.clone());
            tokio::spawn(async move {
                let mut r = BufReader::new(socket);
                let mut first = String::new();
                r.read_line(&mut first).await.unwrap();
                let target = first.split(' ').nth(1).unwrap_or_default().to_string();
                let mut length = 0;
                loop {
                    let mut l = String::new();
                    r.read_line(&mut l).await.unwrap();
                    if l == "\r\n" {
                        break;
                    }
                    if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                r.read_exact(&mut body).await.unwrap();
                if *refuse.lock().unwrap() == SILENT {
                    k.lock().unwrap().push(Call { target, body: serde_json::from_slice(&body).unwrap() });
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    return;
                }
                let refused = {
                    let mut n = refuse.lock().unwrap();
                    let now = *n > 0;
                    *n = n.saturating_sub(1);
                    now
                };
                let answer = if refused { r#"{"errcode":310000,"errmsg":"sign not match"}"# } else { r#"{"errcode":0,"errmsg":"ok"}"# };
                k.lock().unwrap().push(Call { target, body: serde_json::from_slice(&body).unwrap() });
                let reply =
                    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len());
                r.get_mut().write_all(reply.as_bytes()).await.unwrap();
            });
        }
    });
    (port, kept)
}

/// A round of the scheduler as the instance named `instance` (one name, one running server).
async fn round(mut app: App, couriers: &Couriers, instance: &str) -> Result<Round, ecociv_app::AppError> {
    app.instance = instance.into();
    deliver(&app, couriers).await
}

/// The scheduler's lease lapses (leases run on the real clock; the test's days do not pass it).
async fn lapse(db: &TestDb) {
    db.execute("UPDATE scheduler_leases SET until_at = '2000-01-01T00:00:00Z'").await;
}

fn on(store: &Arc<dyn ecociv_store::Store>, today: NaiveDate) -> App {
    App::new(store.clone(), Some(today), ZONE)
}

fn actor(name: &str, org: &str, role: Role) -> Actor {
    Actor { name: name.into(), zone: ZONE.into(), org_unit: org.into(), role, parent: None }
}

/// A department that implements a project (not the task force's own unit).
fn unit_of(plan: &Plan) -> String {
    plan.projects
        .iter()
        .flat_map(|p| p.implementers.iter())
        .find(|u| plan.org_unit(u).is_some_and(|o| o.kind == OrgKind::Department) && *u != "市生态环境局")
        .expect("a department implements a project")
        .clone()
}

on_both!(the_clock_passes_a_due_date_and_each_reminder_goes_once, a_refused_message_is_tried_again_then_left);

/// The zone with its plan, the unit's users and contacts, the task force: returns the plan, the
/// unit and the first due date of the plan (of its first month's reports).
async fn zone_with_contacts(db: &TestDb, robot_port: u16) -> (Arc<Plan>, String, NaiveDate) {
    let start = on(&db.store, "2020-01-01".parse().unwrap());
    ecociv_app::zones::load_plan(start.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let plan = start.plan(Some(ZONE)).await.unwrap();
    let unit = unit_of(&plan);
    let due = months_asked(&plan).0.dispatch_due(5);
    let admin = actor("admin", "", Role::Admin);
    for (name, org, role) in [
        ("dept_mail", unit.as_str(), Role::Department),
        ("dept_robot", &unit, Role::Department),
        ("dept_head", &unit, Role::Department),
        ("tf", "市生态环境局", Role::TaskForce),
    ] {
        ecociv_app::users::add(&start, &admin, name, org, role).await.unwrap();
    }
    let contact = |email: &str, mobile: &str, channel: &str| UserContactInput { email: email.into(), mobile: mobile.into(), channel: channel.into() };
    set_my_contact(&start, &actor("dept_mail", &unit, Role::Department), &contact("mail@unit.example.cn", "", "mail")).await.unwrap();
    set_my_contact(&start, &actor("dept_robot", &unit, Role::Department), &contact("", "13800000001", "robot")).await.unwrap();
    set_my_contact(&start, &actor("dept_head", &unit, Role::Department), &contact("head@unit.example.cn", "13800000009", "mail")).await.unwrap();
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    set_my_contact(&start, &tf, &contact("tf@sthjj.example.cn", "", "mail")).await.unwrap();
    let robot = |kind: &str, path: &str, secret: Option<&str>, head: &str| UnitContactInput {
        robot: kind.into(),
        webhook: Some(format!("http://127.0.0.1:{robot_port}{path}")),
        secret: secret.map(String::from),
        head: head.into(),
    };
    // the task force sets the robots (a unit may not: the server posts where it is told) and
    // names the unit's head, keeping the robot's address and secret
    let refused = set_unit_contact(&start, &actor("dept_robot", &unit, Role::Department), &unit, &robot("wecom", "/elsewhere", None, "")).await.unwrap_err();
    assert_eq!(refused.kind, ecociv_app::Kind::Forbidden);
    set_unit_contact(&start, &tf, &unit, &robot("dingtalk", "/robot/send?access_token=unit", Some(SECRET), "")).await.unwrap();
    set_unit_contact(&start, &tf, &unit, &UnitContactInput { robot: "dingtalk".into(), webhook: None, secret: None, head: "dept_head".into() }).await.unwrap();
    set_unit_contact(&start, &tf, "市生态环境局", &robot("wecom", "/cgi-bin/webhook/send?key=tf", None, "")).await.unwrap();
    // the digest on the weekday of the first reminder
    let weekday = (due - chrono::Duration::days(3)).weekday().number_from_monday();
    set_settings(&start, &tf, &ReminderSettings { days_before: 3, escalate_after: 5, digest_weekday: weekday }).await.unwrap();
    (plan, unit, due)
}

async fn the_clock_passes_a_due_date_and_each_reminder_goes_once(db: &TestDb) {
    let (robot_port, calls) = robot_receiver(Arc::default()).await;
    let (smtp_port, mails) = smtp_sink().await;
    let (plan, unit, due) = zone_with_contacts(db, robot_port).await;
    let couriers =
        || Couriers::new(Some(&format!("smtp://127.0.0.1:{smtp_port}")), "生态文明示范区 <ecociv@example.gov.cn>", "https://ecociv.example.gov.cn/").unwrap();
    let day = |offset: i64| due + chrono::Duration::days(offset);
    let mails_to = |addr: &str| mails.lock().unwrap().iter().filter(|m| m.to == [addr]).cloned().collect::<Vec<_>>();
    let calls_to = |part: &str| calls.lock().unwrap().iter().filter(|c| c.target.contains(part)).cloned().collect::<Vec<_>>();

    // four days before: nothing yet
    let r = round(on(&db.store, day(-4)), &couriers(), "a").await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "{r:?}");

    // three days before: the unit's users, by mail and in the robot; the task force's digest
    let r = round(on(&db.store, day(-3)), &couriers(), "a").await.unwrap();
    assert_eq!((r.elsewhere, r.failed), (false, 0));
    let to_user = mails_to("mail@unit.example.cn");
    assert_eq!(to_user.len(), 1, "{to_user:?}");
    let project = plan.projects.iter().find(|p| p.implementers.contains(&unit)).unwrap();
    let first = months_asked(&plan).0;
    assert!(to_user[0].text.contains(&format!("https://ecociv.example.gov.cn/projects/{}/report?period={first}", project.number)), "{}", to_user[0].text);
    assert!(to_user[0].text.contains(&due.to_string()) && to_user[0].text.contains(&unit));
    assert!(to_user[0].subject_raw.starts_with("=?utf-8?"), "a Chinese subject, encoded: {}", to_user[0].subject_raw);
    assert!(mails_to("head@unit.example.cn").is_empty(), "the head is not told before the due date");
    let unit_calls = calls_to("access_token=unit");
    assert_eq!(unit_calls.len(), 1);
    let call = &unit_calls[0];
    assert_eq!(call.body["msgtype"], "text");
    assert_eq!(call.body["at"]["atMobiles"], serde_json::json!(["13800000001"]), "the user who chose the robot is named");
    // DingTalk's signature: the receiver recomputes it from the timestamp sent
    let ts: i64 = call.target.split("timestamp=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
    assert!(call.target.ends_with(&dingtalk_sign(SECRET, ts)), "{}", call.target);
    let digests = mails_to("tf@sthjj.example.cn");
    assert_eq!(digests.len(), 1, "the digest");
    assert!(digests[0].text.contains(&unit) && digests[0].text.ends_with("https://ecociv.example.gov.cn/reminders"), "{}", digests[0].text);
    let digest_calls = |calls: Vec<Call>| calls.into_iter().filter(|c| c.body["text"]["content"].as_str().unwrap().starts_with("【周报】")).count();
    assert_eq!(digest_calls(calls_to("key=tf")), 1, "the digest in the task force's robot too");
    let (all_mails, all_calls) = (mails.lock().unwrap().len(), calls.lock().unwrap().len());

    // the same day again, then after a restart (a new app on the same database): nothing more
    assert_eq!(round(on(&db.store, day(-3)), &couriers(), "a").await.unwrap().sent, 0);
    let restarted = ecociv_store::connect(&db.url).await.unwrap();
    lapse(db).await;
    let again = round(on(&restarted, day(-1)), &couriers(), "b").await.unwrap();
    assert!(!again.elsewhere, "the first instance's lease lapsed");
    assert_eq!((again.sent, mails.lock().unwrap().len(), calls.lock().unwrap().len()), (0, all_mails, all_calls), "nothing twice after a restart");

    // an order owed by the same day, issued after that stage's reminder went: a new reminder
    // names it (with the rest), once
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    let order = ecociv_core::supervision::OrderInput {
        org_unit: unit.clone(),
        subject_kind: "project".into(),
        subject: project.number.to_string(),
        matter: "月度调度滞后".into(),
        required: "说明原因".into(),
        deadline: due.to_string(),
    };
    let o = ecociv_app::supervision::issue(&on(&db.store, day(-1)), &tf, &order).await.unwrap();
    round(on(&restarted, day(-1)), &couriers(), "b").await.unwrap();
    let to_user = mails_to("mail@unit.example.cn");
    assert_eq!(to_user.len(), 2, "a new item, a new reminder");
    assert!(
        to_user[1].text.contains(&format!("/supervision/{}", o.id)) && to_user[1].text.contains(&format!("/projects/{}/report", project.number)),
        "{}",
        to_user[1].text
    );
    assert_eq!(calls_to("access_token=unit").len(), 2);
    assert_eq!(round(on(&restarted, day(-1)), &couriers(), "b").await.unwrap().sent, 0, "and once");

    // the day after the due date: overdue, once, to the same people
    lapse(db).await;
    round(on(&db.store, day(1)), &couriers(), "a").await.unwrap();
    assert_eq!(mails_to("mail@unit.example.cn").len(), 3);
    assert_eq!(calls_to("access_token=unit").len(), 3);
    assert!(mails_to("head@unit.example.cn").is_empty());

    // five days after: escalated to the head alone. Two instances run at once: one holds the
    // lease and sends, the other sends nothing
    let other = ecociv_store::connect(&db.url).await.unwrap();
    lapse(db).await;
    let (app_a, app_c, couriers_a, couriers_c) = (on(&db.store, day(5)), on(&other, day(5)), couriers(), couriers());
    let (one, two) = tokio::join!(round(app_a.clone(), &couriers_a, "a"), round(app_c.clone(), &couriers_c, "c"));
    let (one, two) = (one.unwrap(), two.unwrap());
    assert!(one.elsewhere != two.elsewhere, "one instance at a time: {one:?} {two:?}");
    let head = mails_to("head@unit.example.cn");
    assert_eq!(head.len(), 1, "{head:?}");
    assert!(head[0].text.contains("逾期 5 天"), "{}", head[0].text);
    assert_eq!(mails_to("mail@unit.example.cn").len(), 3, "the unit's users are not told again when it escalates");
    let escalated = calls_to("access_token=unit");
    assert_eq!(escalated.len(), 4);
    assert_eq!(escalated[3].body["at"]["atMobiles"], serde_json::json!([]), "the head chose mail");
    // the lapsed lease is taken over, and still nothing goes twice
    lapse(db).await;
    let later = round(on(&other, day(6)), &couriers(), "c").await.unwrap();
    assert!(!later.elsewhere);
    assert_eq!(mails_to("head@unit.example.cn").len(), 1);
    assert_eq!(calls_to("access_token=unit").len(), 4);

    // the unit reads what was sent to it, and only that; the task force everything
    let me = actor("dept_mail", &unit, Role::Department);
    let mine = ecociv_app::reminders::sent(&on(&db.store, day(6)), &plan, &me).await.unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|r| r.org_unit == unit && r.status == "sent"), "{mine:?}");
    let stages: std::collections::BTreeSet<&str> = mine.iter().map(|r| r.stage.as_str()).collect();
    assert_eq!(stages, ["before", "escalated", "overdue"].into_iter().collect());
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    let everything = ecociv_app::reminders::sent(&on(&db.store, day(6)), &plan, &tf).await.unwrap();
    assert!(everything.iter().any(|r| r.stage == "digest") && everything.len() > mine.len());
    // and none of it is a trail record: the trail still verifies
    assert!(db.store.verify(ZONE).await.unwrap().ok());
    restarted.close().await;
    other.close().await;
}

async fn a_refused_message_is_tried_again_then_left(db: &TestDb) {
    let refuse = Arc::new(Mutex::new(2));
    let (robot_port, calls) = robot_receiver(refuse.clone()).await;
    let (_plan, unit, due) = zone_with_contacts(db, robot_port).await;
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    set_settings(&on(&db.store, due), &tf, &ReminderSettings { digest_weekday: 0, ..ReminderSettings::default() }).await.unwrap();
    // the task force's own unit without its robot: the unit's robot alone is called
    set_unit_contact(&on(&db.store, due), &tf, "市生态环境局", &UnitContactInput::default()).await.unwrap();
    // no mail server: mail is neither sent nor logged
    let couriers = Couriers::new(None, "", "http://127.0.0.1").unwrap();
    let day = |offset: i64| due + chrono::Duration::days(offset);
    let plan = on(&db.store, day(1)).plan(Some(ZONE)).await.unwrap();
    let log = |d: i64| {
        let store = db.store.clone();
        let (plan, tf, unit) = (plan.clone(), tf.clone(), unit.clone());
        async move {
            let all = ecociv_app::reminders::sent(&on(&store, day(d)), &plan, &tf).await.unwrap();
            all.into_iter().filter(|r| r.org_unit == unit).collect::<Vec<_>>()
        }
    };
    let r = round(on(&db.store, day(1)), &couriers, "a").await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 1), "the unit's robot refused; the digest is not due: {r:?}");
    let first = log(1).await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].status.as_str(), first[0].detail.as_str(), first[0].attempts), ("failed", "errcode 310000: sign not match", 1));
    assert!(first[0].recipient.starts_with("dingtalk:") && first[0].channel == "dingtalk");
    // tried again next round, refused again; the third time it goes
    round(on(&db.store, day(1)), &couriers, "a").await.unwrap();
    assert_eq!(log(1).await[0].attempts, 2);
    let r = round(on(&db.store, day(1)), &couriers, "a").await.unwrap();
    assert_eq!(r.sent, 1);
    let done = log(1).await;
    assert_eq!((done[0].status.as_str(), done[0].attempts, done[0].detail.as_str()), ("sent", 3, ""));
    assert_eq!(round(on(&db.store, day(2)), &couriers, "a").await.unwrap().sent, 0);
    // a message refused every time is left after the third attempt
    *refuse.lock().unwrap() = 100;
    for _ in 0..5 {
        round(on(&db.store, day(5)), &couriers, "a").await.unwrap();
    }
    let escalated: Vec<_> = log(5).await.into_iter().filter(|r| r.stage == "escalated").collect();
    assert_eq!((escalated.len(), escalated[0].status.as_str(), escalated[0].attempts), (1, "failed", 3));
    let tries = calls.lock().unwrap().len();
    assert_eq!(tries, 3 + 3, "three for the overdue reminder, three for the escalated one");
    // a robot that takes the message and never answers: perhaps it arrived, so it goes no more
    *refuse.lock().unwrap() = SILENT;
    let patient = Couriers::new(None, "", "http://127.0.0.1").unwrap().with_timeout(std::time::Duration::from_millis(300));
    let r = round(on(&db.store, day(40)), &patient, "a").await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 1), "{r:?}");
    let unknown: Vec<_> = log(40).await.into_iter().filter(|r| r.status == "unknown").collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].detail.starts_with("no answer within"), "{}", unknown[0].detail);
    let before = calls.lock().unwrap().len();
    round(on(&db.store, day(40)), &patient, "a").await.unwrap();
    assert_eq!(calls.lock().unwrap().len(), before, "an outcome not known is not sent again");
    assert!(
        !ecociv_app::reminders::sent(&on(&db.store, day(5)), &plan, &tf).await.unwrap().iter().any(|r| r.channel == "mail"),
        "no mail server: no mail logged"
    );
}
