//! The data loop over HTTP: the rights of every role on every state-changing route (both
//! databases), sessions, CSRF and lock-out, bad input, and a full round through the pages.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ecociv_app::accounts;
use ecociv_core::access::Role;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

pub(super) const PASSWORD: &str = "Correct-horse-9";

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| tokio::runtime::Runtime::new().unwrap().block_on(accounts::hash_password(PASSWORD.into())).unwrap()).clone()
}

const USERS: [(&str, &str, Role); 11] = [
    ("tf", "市生态环境局", Role::TaskForce),
    ("admin", "市生态环境局", Role::Admin),
    ("env", "市生态环境局", Role::Department),
    ("forest", "市林草局", Role::Department),
    ("stats", "市统计局", Role::Department),
    ("zhujian", "市住建局", Role::Department),
    ("fagai", "市发改委", Role::Department),
    ("tuoxian", "托克托县", Role::Region),
    ("qingshui", "清水河县", Role::Region),
    ("chunhua", "春华水务", Role::Unit),
    ("viewer", "市生态环境局", Role::Viewer),
];

pub(super) struct Loop {
    pub(super) router: Router,
    pub(super) db: TestDb,
}

pub(super) async fn setup(db: TestDb, idle_minutes: i64) -> Loop {
    setup_at(db, idle_minutes, "2024-06-10").await
}

pub(super) async fn setup_at(db: TestDb, idle_minutes: i64, today: &str) -> Loop {
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let hash = tokio::task::spawn_blocking(password_hash).await.unwrap();
    super::add_users(&db.store, &USERS, &hash, true).await;
    let mut state = AppState::new(db.store.clone(), Some(today.parse().unwrap()), "150100");
    state.idle_minutes = idle_minutes;
    Loop { router: router(state), db }
}

/// The same data on another day: a new app on the store (sessions and tokens carry over).
pub(super) fn move_to(app: &mut Loop, today: &str) {
    app.router = router(AppState::new(app.db.store.clone(), Some(today.parse().unwrap()), "150100"));
}

pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: axum::http::HeaderMap,
    /// The body as text (lossy where it is binary, as an xlsx is); `bytes` keeps it whole.
    pub(super) body: String,
    pub(super) bytes: Vec<u8>,
}

impl Reply {
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub(super) async fn send(app: &Loop, method: &str, uri: &str, headers: &[(&str, &str)], body: Body) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Reply { status, headers, body, bytes }
}

pub(super) async fn api(app: &Loop, user: Option<&str>, method: &str, uri: &str, body: Value) -> Reply {
    let token = user.map(|u| format!("Bearer tok-{u}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(t) = &token {
        headers.push(("authorization", t.as_str()));
    }
    send(app, method, uri, &headers, Body::from(body.to_string())).await
}

pub(super) async fn trail_len(app: &Loop) -> usize {
    app.db.store.trail("150100").await.unwrap().len()
}

/// One state-changing route, the body for the k-th allowed caller, and who may call it.
struct Case {
    method: &'static str,
    uri: Box<dyn Fn(usize) -> String>,
    body: Box<dyn Fn(usize) -> Value>,
    allowed: &'static [&'static str],
}

async fn every_route_against_every_role(db: TestDb) {
    let app = setup(db, 30).await;
    let settings = json!({"dispatch_due_day": 5, "observation_due": "03-31", "jump_bound": "0.5", "regional_indicators": ["24"]});
    assert_eq!(api(&app, Some("tf"), "PUT", "/api/v1/settings", settings).await.status, StatusCode::OK);
    // entries the decisions act on
    for year in 2020..=2023 {
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "6", "year": year, "value": "100"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "5", "year": year, "value": "100"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    for (i, month) in ["2024-01", "2024-02", "2024-03"].iter().enumerate() {
        let cum = if i == 0 { json!("1000") } else { Value::Null };
        let r = api(
            &app,
            Some("zhujian"),
            "POST",
            "/api/v1/projects/12/dispatch-reports",
            json!({"period": month, "status": "under_way", "progress_percent": "10", "investment_month_wan": "100", "investment_cumulative_wan": cum}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let obs_ids = |indicator: &'static str| {
        let store = app.db.store.clone();
        async move { store.observations("150100").await.unwrap().into_iter().filter(|o| o.indicator == indicator).map(|o| o.id).collect::<Vec<_>>() }
    };
    // entries to unlock (approved), reports to return and to unlock, entries to attach files to
    for year in 2020..=2023 {
        let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "12", "year": year, "value": "100"})).await;
        assert_eq!(api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{}/approve", r.json()["id"]), json!({})).await.status, StatusCode::OK);
    }
    let mut return_reports = Vec::new();
    let mut unlock_reports = Vec::new();
    for (project, ids) in [(13, &mut return_reports), (14, &mut unlock_reports)] {
        for (i, month) in ["2024-01", "2024-02", "2024-03", "2024-04"].iter().enumerate() {
            let cum = if i == 0 { json!("1000") } else { Value::Null };
            let body =
                json!({"period": month, "status": "under_way", "progress_percent": "10", "investment_month_wan": "100", "investment_cumulative_wan": cum});
            let r = api(&app, Some("zhujian"), "POST", &format!("/api/v1/projects/{project}/dispatch-reports"), body).await;
            let id = r.json()["id"].as_i64().unwrap();
            if project == 14 {
                api(&app, Some("tf"), "POST", &format!("/api/v1/dispatch-reports/{id}/approve"), json!({})).await;
            }
            ids.push(id);
        }
    }
    let evidence_obs =
        api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "23", "year": 2023, "value": "100"})).await.json()["id"].as_i64().unwrap();
    let evidence_report = return_reports[0];
    let unlock_ids = obs_ids("12").await;
    let approve_ids = obs_ids("6").await;
    let return_ids = obs_ids("5").await;
    let report_ids: Vec<i64> = app.db.store.dispatch_reports("150100").await.unwrap().iter().map(|d| d.id).collect();
    let project_report = |project: u32| -> Box<dyn Fn(usize) -> Value> {
        let _ = project;
        Box::new(|k| {
            let cum = if k == 0 { json!("500") } else { Value::Null };
            json!({"period": format!("2024-0{}", k + 1), "status": "under_way", "progress_percent": "20", "investment_month_wan": "50", "investment_cumulative_wan": cum})
        })
    };
    let cases: Vec<(&str, Case)> = vec![
        (
            "observation 7.1",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/observations".into()),
                body: Box::new(|k| json!({"indicator": "7.1", "year": 2020 + k, "value": "85"})),
                allowed: &["env"],
            },
        ),
        (
            "observation 35",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/observations".into()),
                body: Box::new(|k| json!({"indicator": "35", "year": 2020 + k, "value": "90"})),
                allowed: &["env", "stats"],
            },
        ),
        (
            "observation 24 for 托县",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/observations".into()),
                body: Box::new(|k| json!({"indicator": "24", "year": 2020 + k, "region": "托县", "value": "96"})),
                allowed: &["zhujian", "tuoxian"],
            },
        ),
        (
            "report project 35",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/projects/35/dispatch-reports".into()),
                body: project_report(35),
                allowed: &["fagai", "qingshui"],
            },
        ),
        (
            "report project 63",
            Case { method: "POST", uri: Box::new(|_| "/api/v1/projects/63/dispatch-reports".into()), body: project_report(63), allowed: &["chunhua"] },
        ),
        (
            "report project 11",
            Case { method: "POST", uri: Box::new(|_| "/api/v1/projects/11/dispatch-reports".into()), body: project_report(11), allowed: &["zhujian"] },
        ),
        (
            "report task 9",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/tasks/9/dispatch-reports".into()),
                body: Box::new(|_| json!({"period": "2024-05", "progress": "造林 3 万亩", "quantities": [{"index": 0, "done": "3"}]})),
                allowed: &["forest", "tuoxian", "qingshui"],
            },
        ),
        (
            "upper target 16",
            Case {
                method: "POST",
                uri: Box::new(|_| "/api/v1/upper-targets".into()),
                body: Box::new(|k| json!({"indicator": "16", "year": 2020 + k, "value": "90"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "approve observation",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/observations/{}/approve", approve_ids[k])),
                body: Box::new(|_| json!({})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "return observation",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/observations/{}/return", return_ids[k])),
                body: Box::new(|_| json!({"reason": "数据来源不清"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "approve dispatch report",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/dispatch-reports/{}/approve", report_ids[k])),
                body: Box::new(|_| json!({})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "settings",
            Case {
                method: "PUT",
                uri: Box::new(|_| "/api/v1/settings".into()),
                body: Box::new(|_| json!({"dispatch_due_day": 5, "observation_due": "03-31", "jump_bound": "0.5", "regional_indicators": ["24"]})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "unlock observation",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/observations/{}/unlock", unlock_ids[k])),
                body: Box::new(|_| json!({"reason": "复核"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "return dispatch report",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/dispatch-reports/{}/return", return_reports[k + 1])),
                body: Box::new(|_| json!({"reason": "补充"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "unlock dispatch report",
            Case {
                method: "POST",
                uri: Box::new(move |k| format!("/api/v1/dispatch-reports/{}/unlock", unlock_reports[k])),
                body: Box::new(|_| json!({"reason": "复核"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "unlock a year",
            Case {
                method: "POST",
                uri: Box::new(|k| format!("/api/v1/periods/{}/unlock", 2020 + k)),
                body: Box::new(|_| json!({"reason": "x"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "open a year",
            Case { method: "POST", uri: Box::new(|k| format!("/api/v1/periods/{}/open", 2026 + k)), body: Box::new(|_| json!({})), allowed: &["tf", "admin"] },
        ),
        (
            "scoring rules",
            Case {
                method: "PUT",
                uri: Box::new(|_| "/api/v1/scoring-rules".into()),
                body: Box::new(|_| json!({"text": "title = \"t\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]"})),
                allowed: &["tf", "admin"],
            },
        ),
        (
            "record an assessment",
            Case { method: "POST", uri: Box::new(|_| "/api/v1/assessments/2024Q1".into()), body: Box::new(|_| json!(null)), allowed: &["tf", "admin"] },
        ),
        (
            "lock a month",
            Case {
                method: "POST",
                uri: Box::new(|k| format!("/api/v1/periods/2023-0{}/lock", k + 1)),
                body: Box::new(|_| json!({})),
                allowed: &["tf", "admin"],
            },
        ),
    ];
    for (what, case) in cases {
        // without credentials
        let before = trail_len(&app).await;
        let r = api(&app, None, case.method, &(case.uri)(0), (case.body)(0)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what} anonymous");
        assert_eq!(r.json()["error"]["code"], "unauthorized");
        let mut k = 0;
        for (user, _, _) in USERS {
            let allowed = case.allowed.contains(&user);
            let r = api(&app, Some(user), case.method, &(case.uri)(k), (case.body)(k)).await;
            if allowed {
                assert!(r.status.is_success(), "{what}: {user} may, got {} {}", r.status, r.body);
                k += 1;
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {user} may not, got {} {}", r.status, r.body);
                assert_eq!(r.json()["error"]["code"], "forbidden");
            }
        }
        assert_eq!(trail_len(&app).await, before + k, "{what}: only the allowed calls wrote");
    }
    // uploads: only who may enter the entry
    for (uri, allowed) in
        [(format!("/api/v1/observations/{evidence_obs}/evidence"), "env"), (format!("/api/v1/dispatch-reports/{evidence_report}/evidence"), "zhujian")]
    {
        let before = trail_len(&app).await;
        let (ct, body) = multipart("a.pdf", b"%PDF-1.7\n");
        let r = send(&app, "POST", &uri, &[("content-type", &ct)], Body::from(body)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri} anonymous");
        for (user, _, _) in USERS {
            let r = upload(&app, user, &uri, "a.pdf", b"%PDF-1.7\n").await;
            if user == allowed {
                assert_eq!(r.status, StatusCode::CREATED, "{uri}: {user} may: {}", r.body);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {user} may not: {}", r.body);
            }
        }
        assert_eq!(trail_len(&app).await, before + 1);
    }
    let v = app.db.store.verify("150100").await.unwrap();
    assert!(v.ok(), "{v:?}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn rights_matrix_sqlite() {
    every_route_against_every_role(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn rights_matrix_postgres() {
    if let Some(db) = TestDb::postgres().await {
        every_route_against_every_role(db).await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_in_the_callers_language_and_stores_nothing() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/11/dispatch-reports",
        json!({"period": "2024-04", "status": "under_way", "progress_percent": "10", "investment_month_wan": "100", "investment_cumulative_wan": "300"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let before = trail_len(&app).await;
    let cases = [
        ("env", "/api/v1/observations", json!({"indicator": "13", "year": 2023, "value": "45"}), "value", "expected a state word"),
        ("env", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "140"}), "value", "out of range"),
        ("env", "/api/v1/observations", json!({"indicator": "7.1", "year": 2025, "value": "85"}), "year", "has not come yet"),
        (
            "zhujian",
            "/api/v1/projects/11/dispatch-reports",
            json!({"period": "2024-07", "status": "under_way", "progress_percent": "10", "investment_month_wan": "1"}),
            "period",
            "has not come yet",
        ),
        (
            "zhujian",
            "/api/v1/projects/11/dispatch-reports",
            json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "-5"}),
            "investment_month_wan",
            "cannot be negative",
        ),
        (
            "zhujian",
            "/api/v1/projects/11/dispatch-reports",
            json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "5", "investment_cumulative_wan": "200"}),
            "investment_cumulative_wan",
            "last cumulative 300",
        ),
        (
            "zhujian",
            "/api/v1/projects/11/dispatch-reports",
            json!({"period": "2024-05", "status": "under_way", "progress_percent": "140", "investment_month_wan": "5"}),
            "progress_percent",
            "within 0–100",
        ),
    ];
    for (user, uri, body, field, words) in cases {
        let r = api(&app, Some(user), "POST", &format!("{uri}?lang=en"), body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        let e = r.json();
        assert_eq!(e["error"]["code"], "invalid");
        let msg = e["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("{body}: no field {field} in {e}"));
        assert!(msg.contains(words), "{body}: {msg}");
        // and in Chinese by default
        let r = api(&app, Some(user), "POST", uri, body).await;
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("填报内容有误"));
    }
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!("not an object")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["code"], "bad_json");
    // a body over the limit is too large (413), not malformed
    let big = json!({"indicator": "7.1", "year": 2023, "value": "85", "comment": "长".repeat(1_000_000)});
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", big).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")));
    assert_eq!(trail_len(&app).await, before, "nothing was stored");
    // an identical resend of a month is 409 and changes nothing
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/11/dispatch-reports",
        json!({"period": "2024-04", "status": "under_way", "progress_percent": "10", "investment_month_wan": "100", "investment_cumulative_wan": "300"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "already_reported");
    // decisions that do not fit the state
    let r = api(&app, Some("tf"), "POST", "/api/v1/dispatch-reports/1/unlock", json!({"reason": "x"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = api(&app, Some("tf"), "POST", "/api/v1/dispatch-reports/1/return", json!({"reason": "  "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // the same through the page: the report's page again, signed in, the typed reason kept
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/dispatch-reports/1", &[("cookie", &tf)], Body::empty()).await;
    let csrf = csrf_in(&page.body);
    let r = form(&app, &tf, "/dispatch-reports/1/decide", &format!("csrf={csrf}&decision=unlock&reason={}", enc("想解锁"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains(">想解锁</textarea>") && r.body.contains("id=\"decide-error\"") && r.body.contains("id=\"user\""), "{}", r.body);
    assert_eq!(trail_len(&app).await, before + 2, "a sign-in and its session, nothing else");
    app.db.cleanup().await;
}

pub(super) fn cookie_of(r: &Reply) -> String {
    let c = r.headers[header::SET_COOKIE].to_str().unwrap();
    c.split(';').next().unwrap().to_string()
}

pub(super) async fn login(app: &Loop, name: &str, password: &str) -> Reply {
    let body = format!("name={name}&password={}&back=%2Fentry", password.replace('-', "%2D"));
    send(app, "POST", "/login", &[("content-type", "application/x-www-form-urlencoded")], Body::from(body)).await
}

#[tokio::test]
async fn sessions_csrf_and_lock_out() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let r = login(&app, "env", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
    let cookie = cookie_of(&r);
    let again = cookie_of(&login(&app, "env", PASSWORD).await);
    assert_ne!(cookie, again, "a new session id at every login");
    let tls = send(
        &app,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded"), ("x-forwarded-proto", "https")],
        Body::from(format!("name=env&password={PASSWORD}")),
    )
    .await;
    assert!(tls.headers[header::SET_COOKIE].to_str().unwrap().contains("Secure"));
    // cookie without the CSRF token: refused, nothing stored
    let before = trail_len(&app).await;
    let body = json!({"indicator": "7.1", "year": 2023, "value": "85"}).to_string();
    let r = send(&app, "POST", "/api/v1/observations", &[("content-type", "application/json"), ("cookie", &cookie)], Body::from(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "csrf");
    // a forged form from the page: no token
    let r = send(
        &app,
        "POST",
        "/observations",
        &[("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookie)],
        Body::from("indicator=7.1&year=2023&value=85"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // from another site
    let me = send(&app, "GET", "/api/v1/me", &[("cookie", &cookie)], Body::empty()).await.json();
    let csrf = me["csrf"].as_str().unwrap().to_string();
    let r = send(
        &app,
        "POST",
        "/api/v1/observations",
        &[("content-type", "application/json"), ("cookie", &cookie), ("x-csrf-token", &csrf), ("origin", "http://evil.example"), ("host", "ecociv.local")],
        Body::from(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(trail_len(&app).await, before);
    let r = send(&app, "POST", "/api/v1/observations", &[("content-type", "application/json"), ("cookie", &cookie), ("x-csrf-token", &csrf)], Body::from(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // sign out: the session is gone
    let r =
        send(&app, "POST", "/logout", &[("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookie)], Body::from(format!("csrf={csrf}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(send(&app, "GET", "/api/v1/me", &[("cookie", &cookie)], Body::empty()).await.status, StatusCode::UNAUTHORIZED);
    // pages send a stranger to the login page
    let r = send(&app, "GET", "/entry", &[], Body::empty()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::LOCATION].to_str().unwrap().starts_with("/login?back="));
    // five failures lock the account, even against the right password
    for _ in 0..5 {
        assert_eq!(login(&app, "forest", "wrong-Password-1").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, "forest", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("锁定"), "{}", r.body);
    let actions: Vec<String> = app.db.store.trail("150100").await.unwrap().into_iter().filter(|e| e.entity_id == "forest").map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "user.login_failed").count(), 5);
    assert!(actions.contains(&"user.login_locked".to_string()));
    assert!(app.db.store.trail("150100").await.unwrap().iter().any(|e| e.action == "user.login" && e.entity_id == "env"));
    assert_eq!(login(&app, "nobody", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    app.db.cleanup().await;
}

#[tokio::test]
async fn idle_sessions_end() {
    let app = setup(TestDb::sqlite().await, 0).await;
    let cookie = cookie_of(&login(&app, "env", PASSWORD).await);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(send(&app, "GET", "/api/v1/me", &[("cookie", &cookie)], Body::empty()).await.status, StatusCode::UNAUTHORIZED);
    app.db.cleanup().await;
}

#[tokio::test]
async fn reading_pages_does_not_write_the_session() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let cookie = cookie_of(&login(&app, "env", PASSWORD).await);
    let id_hash = ecociv_app::accounts::fingerprint(cookie.split_once('=').unwrap().1);
    let seen = app.db.store.session(&id_hash).await.unwrap().expect("the session").last_seen;
    let head = app.db.store.head_of("150100").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    for uri in ["/entry", "/api/v1/me", "/dashboard", "/entry"] {
        assert_eq!(send(&app, "GET", uri, &[("cookie", &cookie)], Body::empty()).await.status, StatusCode::OK, "{uri}");
    }
    let after = app.db.store.session(&id_hash).await.unwrap().expect("the session").last_seen;
    assert_eq!(after, seen, "a page view within a minute of the last writes nothing");
    assert_eq!(app.db.store.head_of("150100").await.unwrap(), head, "nor does it touch the trail");
    app.db.cleanup().await;
}

pub(super) fn csrf_in(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("input[name=csrf]").unwrap();
    doc.select(&sel).next().expect("a csrf field").value().attr("value").unwrap().to_string()
}

async fn form(app: &Loop, cookie: &str, uri: &str, body: &str) -> Reply {
    send(app, "POST", uri, &[("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie)], Body::from(body.to_string())).await
}

pub(super) fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn a_full_round_through_the_pages() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let env = cookie_of(&login(&app, "env", PASSWORD).await);
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    // enter
    let page = send(&app, "GET", "/observations/new?indicator=7.1&year=2023", &[("cookie", &env)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("达到84.9%</p>"), "the target as printed, its unit once");
    let csrf = csrf_in(&page.body);
    let bad = form(&app, &env, "/observations", &format!("csrf={csrf}&indicator=7.1&year=2023&value=140")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("超出范围"), "the form shows the error in Chinese");
    let r = form(&app, &env, "/observations", &format!("csrf={csrf}&indicator=7.1&year=2023&value=86.2&comment=")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    // the task force's list names what waits for it beside its code
    let todo = send(&app, "GET", "/entry", &[("cookie", &tf)], Body::empty()).await;
    assert!(todo.body.contains("7.1 优良天数比率 · 2023"), "{}", todo.body);
    // submit → the task force returns it with a reason
    let page = send(&app, "GET", &at, &[("cookie", &tf)], Body::empty()).await;
    assert!(page.body.contains("id=\"approve\"") && page.body.contains("id=\"return\""));
    // times in Beijing time to the minute, never the stored UTC with seconds
    let raw = page.body.as_bytes().windows(11).any(|w| w[4] == b'-' && w[7] == b'-' && w[10] == b'T' && w[..4].iter().all(u8::is_ascii_digit));
    assert!(!raw, "a raw timestamp on the page");
    let tf_csrf = csrf_in(&page.body);
    let no_reason = form(&app, &tf, &format!("/observations/{id}/decide"), &format!("csrf={tf_csrf}&decision=return&reason=")).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    // a refused decision comes back as the entry's page, signed in, the message beside the form
    // (in words, not field codes), and what was typed kept
    assert!(no_reason.body.contains("id=\"decide-error\"") && no_reason.body.contains("id=\"user\"") && no_reason.body.contains("id=\"return\""));
    assert!(!no_reason.body.contains(">reason<") && !no_reason.body.contains("reason:"), "a label, not the field's code");
    let typed = "先解锁再说";
    let wrong = form(&app, &tf, &format!("/observations/{id}/decide"), &format!("csrf={tf_csrf}&decision=unlock&reason={}", enc(typed))).await;
    assert!(wrong.status.is_client_error(), "{}", wrong.status);
    assert!(wrong.body.contains(&format!(">{typed}</textarea>")) && wrong.body.contains("id=\"decide-error\""), "{}", wrong.body);
    // an error page names the field by its label, not its code
    let odd = form(&app, &tf, &format!("/observations/{id}/decide"), &format!("csrf={tf_csrf}&decision=maybe&reason=")).await;
    assert!(odd.body.contains("<li>审核意见:") && !odd.body.contains("decision</code>"), "{}", odd.body);
    let reason = "监测数据与环境质量公报不一致";
    let r = form(&app, &tf, &format!("/observations/{id}/decide"), &format!("csrf={tf_csrf}&decision=return&reason={}", enc(reason))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // the submitter sees it returned, with the reason, on the to-do list and the page
    let todo = send(&app, "GET", "/entry", &[("cookie", &env)], Body::empty()).await;
    assert!(todo.body.contains("id=\"returned\"") && todo.body.contains(reason), "{}", todo.body);
    let page = send(&app, "GET", &at, &[("cookie", &env)], Body::empty()).await;
    assert!(page.body.contains(reason) && page.body.contains("id=\"fix\""));
    // fix → the task force approves → locked
    let r = form(&app, &env, "/observations", &format!("csrf={}&indicator=7.1&year=2023&value=85.9", csrf_in(&page.body))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = form(&app, &tf, &format!("/observations/{id}/decide"), &format!("csrf={tf_csrf}&decision=approve")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&app, "GET", &at, &[("cookie", &env)], Body::empty()).await;
    assert!(page.body.contains("已审核（锁定）") && !page.body.contains("id=\"fix\""));
    let r = form(&app, &env, "/observations", &format!("csrf={csrf}&indicator=7.1&year=2023&value=90")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "approved data is locked");
    let stored = app.db.store.observation("150100", id).await.unwrap().unwrap();
    assert_eq!(stored.value, "85.9");
    let history = app.db.store.trail_for("150100", "observation", &id.to_string()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["observation.submitted", "observation.returned", "observation.resubmitted", "observation.approved"]);
    assert_eq!(history[1].reason, reason);
    // the same pages in English
    let en = format!("{env}; lang=en");
    let page = send(&app, "GET", &at, &[("cookie", &en)], Body::empty()).await;
    assert!(page.body.contains("approved (locked)") && page.body.contains("History"));
    let todo = send(&app, "GET", "/entry", &[("cookie", &format!("{tf}; lang=en"))], Body::empty()).await;
    assert!(todo.body.contains("Who has reported this month"), "the task force sees the completeness table");
    // a monthly report through its form
    let zj = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/projects/11/report", &[("cookie", &zj)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let zcsrf = csrf_in(&page.body);
    let r = form(
        &app,
        &zj,
        "/projects/11/report",
        &format!("csrf={zcsrf}&period=2024-05&status=under_way&progress_percent=30&investment_month_wan=200&investment_cumulative_wan=2000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = form(
        &app,
        &zj,
        "/projects/12/report",
        &format!("csrf={zcsrf}&period=2024-05&status=under_way&progress_percent=30&investment_month_wan=-1&investment_cumulative_wan=2000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // another department cannot report it through the form
    let forest = cookie_of(&login(&app, "forest", PASSWORD).await);
    let page = send(&app, "GET", "/entry", &[("cookie", &forest)], Body::empty()).await;
    let fcsrf = csrf_in(&page.body);
    let r = form(
        &app,
        &forest,
        "/projects/11/report",
        &format!("csrf={fcsrf}&period=2024-04&status=under_way&progress_percent=30&investment_month_wan=200&investment_cumulative_wan=2000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

fn multipart(name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "ecociv-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(super) async fn upload(app: &Loop, user: &str, uri: &str, name: &str, content: &[u8]) -> Reply {
    let (ct, body) = multipart(name, content);
    let auth = format!("Bearer tok-{user}");
    send(app, "POST", uri, &[("content-type", &ct), ("authorization", &auth)], Body::from(body)).await
}

async fn evidence_is_checked_stored_once_and_verified(db: TestDb) {
    let app = setup(db, 30).await;
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "86"})).await;
    let id = r.json()["id"].as_i64().unwrap();
    let uri = format!("/api/v1/observations/{id}/evidence");
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    let before = trail_len(&app).await;
    let mut big = pdf.clone();
    big.resize(22 * 1024 * 1024, b' ');
    for (user, name, content, status, code) in [
        ("forest", "监测报告.pdf", pdf.clone(), StatusCode::FORBIDDEN, "forbidden"),
        ("env", "report.pdf", b"MZ\x90\x00 a program".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        ("env", "../../etc/passwd.pdf", pdf.clone(), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        ("env", "tool.exe", b"MZ".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        ("env", "big.pdf", big, StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
    ] {
        let r = upload(&app, user, &uri, name, &content).await;
        assert_eq!(r.status, status, "{user} {name}: {}", &r.body[..r.body.len().min(300)]);
        assert_eq!(r.json()["error"]["code"], code, "{name}");
    }
    let r = upload(&app, "env", &format!("{uri}?lang=en"), "../x.pdf", &pdf).await;
    assert!(r.json()["error"]["fields"]["file"].as_str().unwrap().contains("contains a path"));
    assert_eq!(trail_len(&app).await, before, "nothing stored");
    let r = upload(&app, "env", &uri, "监测报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    // the same content again is one blob, two links
    let r2 = upload(&app, "env", &uri, "副本.pdf", &pdf).await;
    assert_eq!(r2.json()["hash"], e["hash"]);
    let r = send(&app, "GET", &format!("/api/v1/evidence/{}", e["id"]), &[("authorization", "Bearer tok-tf")], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_bytes(), pdf.as_slice(), "the file comes back intact");
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("UTF-8''%E7%9B%91"));
    assert_eq!(
        send(&app, "GET", &format!("/api/v1/evidence/{}", e["id"]), &[("authorization", "Bearer tok-forest")], Body::empty()).await.status,
        StatusCode::NOT_FOUND
    );
    let detail = api(&app, Some("env"), "GET", &format!("/api/v1/observations/{id}"), json!(null)).await.json();
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 2);
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    // approved entries take no more files
    assert_eq!(api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{id}/approve"), json!({})).await.status, StatusCode::OK);
    assert_eq!(upload(&app, "env", &uri, "late.pdf", &pdf).await.status, StatusCode::CONFLICT);
    // a stored file altered behind ecociv's back
    let hash = e["hash"].as_str().unwrap();
    if app.db.url.starts_with("sqlite") {
        app.db.execute(&format!("UPDATE blobs SET content = X'00' WHERE hash = '{hash}'")).await;
    } else {
        app.db.execute(&format!("UPDATE blobs SET content = '\\x00'::bytea WHERE hash = '{hash}'")).await;
    }
    let v = app.db.store.verify("150100").await.unwrap();
    assert!(v.tampered.iter().any(|t| t.entity == "evidence" && t.problem.contains("no longer has its hash")), "{v:?}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn evidence_sqlite() {
    evidence_is_checked_stored_once_and_verified(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn evidence_postgres() {
    if let Some(db) = TestDb::postgres().await {
        evidence_is_checked_stored_once_and_verified(db).await;
    }
}

#[tokio::test]
async fn periods_settings_and_regions() {
    let app = setup(TestDb::sqlite().await, 30).await;
    // the task force locks a year: nothing more for it, until unlocked with a reason
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2023/lock", json!({})).await.status, StatusCode::OK);
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "86"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "period_locked");
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2023/unlock", json!({})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2023/unlock", json!({"reason": "补报"})).await.status, StatusCode::OK);
    assert_eq!(
        api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "86"})).await.status,
        StatusCode::CREATED
    );
    // a month locked refuses its reports
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2024-05/lock", json!({})).await.status, StatusCode::OK);
    let report = json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "1", "investment_cumulative_wan": "1"});
    assert_eq!(api(&app, Some("zhujian"), "POST", "/api/v1/projects/11/dispatch-reports", report).await.status, StatusCode::CONFLICT);
    // only a year after the plan can be opened
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2024/open", json!({})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2026/open", json!({})).await.status, StatusCode::OK);
    // due dates are the zone's
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/12/dispatch-reports",
        json!({"period": "2024-04", "status": "under_way", "progress_percent": "10", "investment_month_wan": "1", "investment_cumulative_wan": "1"}),
    )
    .await;
    assert_eq!(r.json()["late"], true, "April was due on 5 May");
    let bad = api(
        &app,
        Some("tf"),
        "PUT",
        "/api/v1/settings",
        json!({"dispatch_due_day": 40, "observation_due": "13-40", "jump_bound": "x", "regional_indicators": ["99"]}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.json()["error"]["fields"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(fields, vec!["dispatch_due_day", "jump_bound", "observation_due", "regional_indicators"]);
    let ok = api(
        &app,
        Some("tf"),
        "PUT",
        "/api/v1/settings",
        json!({"dispatch_due_day": 28, "observation_due": "03-31", "jump_bound": "0.3", "regional_indicators": ["24", "25"]}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/12/dispatch-reports",
        json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "May is locked");
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2024-05/unlock", json!({"reason": "延期"})).await.status, StatusCode::OK);
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/12/dispatch-reports",
        json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "1"}),
    )
    .await;
    assert_eq!(r.json()["late"], false, "with the 28th, a May report sent on 10 June is on time: {}", r.body);
    // a region enters its own values only of the indicators asked by region
    assert_eq!(
        api(&app, Some("tuoxian"), "POST", "/api/v1/observations", json!({"indicator": "25", "year": 2023, "region": "托县", "value": "55"})).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        api(&app, Some("tuoxian"), "POST", "/api/v1/observations", json!({"indicator": "26", "year": 2023, "region": "托县", "value": "96"})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api(&app, Some("tuoxian"), "POST", "/api/v1/observations", json!({"indicator": "25", "year": 2023, "region": "武川县", "value": "55"})).await.status,
        StatusCode::FORBIDDEN
    );
    // the jump bound is the zone's: 30%
    let r = api(&app, Some("tuoxian"), "POST", "/api/v1/observations", json!({"indicator": "25", "year": 2024, "region": "托县", "value": "75"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"]["explanation"].as_str().map(|m| m.contains("30%")), Some(true));
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn changing_the_password() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let first = cookie_of(&login(&app, "env", PASSWORD).await);
    let second = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/account/password", &[("cookie", &second)], Body::empty()).await;
    let csrf = csrf_in(&page.body);
    let r = form(&app, &second, "/account/password", &format!("csrf={csrf}&current=wrong&new=short&confirm=other")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("当前密码不正确") && r.body.contains("至少 10 位") && r.body.contains("不一致"), "{}", r.body);
    let r = form(&app, &second, "/account/password", &format!("csrf={csrf}&current={PASSWORD}&new=Another-Good-7&confirm=Another-Good-7")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let renewed = cookie_of(&r);
    assert_eq!(send(&app, "GET", "/api/v1/me", &[("cookie", &first)], Body::empty()).await.status, StatusCode::UNAUTHORIZED, "other sessions end");
    assert_eq!(send(&app, "GET", "/api/v1/me", &[("cookie", &renewed)], Body::empty()).await.status, StatusCode::OK);
    assert_eq!(login(&app, "env", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app, "env", "Another-Good-7").await.status, StatusCode::SEE_OTHER);
    assert!(app.db.store.trail("150100").await.unwrap().iter().any(|e| e.action == "user.password_changed"));
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_public_portal_shows_only_approved_values() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let post = |user: &'static str, body: Value| {
        let app = &app;
        async move { api(app, Some(user), "POST", "/api/v1/observations", body).await.json() }
    };
    let approved = post("env", json!({"indicator": "7.1", "year": 2021, "value": "81.23"})).await;
    let _submitted = post("env", json!({"indicator": "7.1", "year": 2022, "value": "77.77"})).await;
    let returned = post("env", json!({"indicator": "7.2", "year": 2022, "value": "66.66"})).await;
    let unlocked = post("env", json!({"indicator": "8.1", "year": 2022, "value": "55.55"})).await;
    let settings = json!({"dispatch_due_day": 5, "observation_due": "03-31", "jump_bound": "0.5", "regional_indicators": ["24"]});
    api(&app, Some("tf"), "PUT", "/api/v1/settings", settings).await;
    let _regional =
        api(&app, Some("tuoxian"), "POST", "/api/v1/observations", json!({"indicator": "24", "year": 2022, "region": "托县", "value": "44.44"})).await;
    for (id, d, reason) in [(&approved, "approve", ""), (&returned, "return", "错误"), (&unlocked, "approve", "")] {
        let r = api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{}/{d}", id["id"]), json!({"reason": reason})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{}/unlock", unlocked["id"]), json!({"reason": "复核"})).await;
    // a project with an approved and a later submitted report
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/11/dispatch-reports",
        json!({"period": "2024-03", "status": "under_way", "progress_percent": "31", "investment_month_wan": "100", "investment_cumulative_wan": "12345"}),
    )
    .await;
    api(&app, Some("tf"), "POST", &format!("/api/v1/dispatch-reports/{}/approve", r.json()["id"]), json!({})).await;
    api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/11/dispatch-reports",
        json!({"period": "2024-04", "status": "under_way", "progress_percent": "97", "investment_month_wan": "100"}),
    )
    .await;
    for lang in ["", "?lang=en"] {
        let page = send(&app, "GET", &format!("/public{lang}"), &[], Body::empty()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("81.23"), "the approved value is public");
        for hidden in ["77.77", "66.66", "55.55", "44.44", "97%"] {
            assert!(!page.body.contains(hidden), "{hidden} is not approved, yet shown");
        }
        assert!(page.body.contains("31%") && page.body.contains("1.2345"), "approved progress and investment in 亿元");
    }
    let api_body = send(&app, "GET", "/api/v1/public/indicators", &[], Body::empty()).await.body;
    assert!(api_body.contains("81.23") && !api_body.contains("77.77") && !api_body.contains("55.55"));
    let linear = send(&app, "GET", "/api/v1/public/indicators?method=linear", &[], Body::empty()).await.json();
    assert!(linear.as_array().unwrap().iter().all(|x| x["projection"]["method"] == "linear"));
    let cagr = send(&app, "GET", "/api/v1/public/indicators", &[], Body::empty()).await.json();
    assert!(cagr.as_array().unwrap().iter().all(|x| x["projection"]["method"] == "cagr"), "CAGR is the default");
    assert_eq!(send(&app, "GET", "/api/v1/public/indicators?method=guess", &[], Body::empty()).await.status, StatusCode::BAD_REQUEST);
    let projects = send(&app, "GET", "/api/v1/public/projects", &[], Body::empty()).await.body;
    assert!(projects.contains("\"progress_percent\":\"31\"") && !projects.contains("\"97\""));
    app.db.cleanup().await;
}

async fn quarterly_assessment(db: TestDb) {
    // on 2024-07-03 the quarter is judged as it stands (June's reports are due on 07-05)
    let app = setup_at(db, 30, "2024-07-03").await;
    let report = |period: &str, cum: Option<&str>| json!({"period": period, "status": "under_way", "progress_percent": "40", "investment_month_wan": "100", "investment_cumulative_wan": cum});
    // 市住建局 reports project 12 (2022–2024) for April to June (April and May late, June on
    // time), 市发改委 nothing
    for (i, m) in ["2024-04", "2024-05", "2024-06"].iter().enumerate() {
        let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", report(m, if i == 0 { Some("5000") } else { None })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = api(&app, Some("tf"), "POST", "/api/v1/dispatch-reports/1/return", json!({"reason": "请补充照片"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let a = api(&app, Some("viewer"), "GET", "/api/v1/assessments/2024Q2", json!(null)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = a.json();
    assert_eq!(a["rules_version"], 0);
    let deps = a["departments"].as_array().unwrap();
    let zj = deps.iter().find(|d| d["unit"] == "市住建局").expect("市住建局 is scored");
    let fagai = deps.iter().find(|d| d["unit"] == "市发改委").expect("市发改委 is scored");
    let on_time = |u: &Value| {
        u["components"].as_array().unwrap().iter().find(|c| c["kind"] == "on_time_reporting").unwrap()["score"].as_str().unwrap().parse::<f64>().unwrap()
    };
    assert!(on_time(zj) > 0.0, "late reports count half");
    assert_eq!(on_time(fagai), 0.0, "missing reports count nothing");
    let facts: Vec<&Value> = zj["components"].as_array().unwrap().iter().flat_map(|c| c["facts"].as_array().unwrap().iter()).collect();
    assert!(facts.iter().any(|f| f["fact"] == "report" && f["subject"] == "project 12" && f["arrival"] == "late"));
    assert!(facts.iter().any(|f| f["fact"] == "returns" && f["returned"] == 1));
    // ranks are consistent with scores, ties shared
    for w in deps.windows(2) {
        let (a, b) = (w[0]["score"].as_str().unwrap().parse::<f64>().unwrap(), w[1]["score"].as_str().unwrap().parse::<f64>().unwrap());
        assert!(a >= b);
        if a == b {
            assert_eq!(w[0]["rank"], w[1]["rank"]);
        }
    }
    assert_eq!(a["regions"].as_array().unwrap().len(), 11, "every region is scored (each shares every task)");
    // new rules, a past quarter recomputed with them, and recorded
    let text = "title = \"只看按时报送\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"100\" }]\n";
    assert_eq!(api(&app, Some("env"), "PUT", "/api/v1/scoring-rules", json!({"text": text})).await.status, StatusCode::FORBIDDEN);
    let bad = api(
        &app,
        Some("tf"),
        "PUT",
        "/api/v1/scoring-rules",
        json!({"text": "title = \"x\"\ncomponents = [{ kind = \"on_time_reporting\", weight = \"50\" }]"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v1 = api(&app, Some("tf"), "PUT", "/api/v1/scoring-rules", json!({"text": text})).await;
    assert_eq!(v1.json()["version"], 1);
    let b = api(&app, Some("tf"), "GET", "/api/v1/assessments/2024Q2", json!(null)).await.json();
    assert_eq!(b["rules_version"], 1);
    let zj1 = b["departments"].as_array().unwrap().iter().find(|d| d["unit"] == "市住建局").unwrap().clone();
    assert_eq!(zj1["components"].as_array().unwrap().len(), 1);
    let old = api(&app, Some("tf"), "GET", "/api/v1/assessments/2024Q2?rules=0", json!(null)).await.json();
    assert_eq!(old["departments"], a["departments"], "the old rules give the old result: scores reproduce from rules and data");
    assert_eq!(api(&app, Some("env"), "POST", "/api/v1/assessments/2024Q2", json!(null)).await.status, StatusCode::FORBIDDEN);
    let rec = api(&app, Some("tf"), "POST", "/api/v1/assessments/2024Q1", json!(null)).await;
    assert_eq!(rec.status, StatusCode::CREATED, "{}", rec.body);
    assert!(app.db.store.trail("150100").await.unwrap().iter().any(|e| e.action == "assessment.recorded"));
    assert_eq!(api(&app, Some("tf"), "GET", "/api/v1/assessments/2024Q5", json!(null)).await.status, StatusCode::BAD_REQUEST);
    // the page, in both languages
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/assessment?quarter=2024Q2", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("季度考核") && page.body.contains("市住建局") && page.body.contains("逾期报送"));
    let page = send(&app, "GET", "/assessment?quarter=2024Q2", &[("cookie", &format!("{tf}; lang=en"))], Body::empty()).await;
    assert!(page.body.contains("Quarterly assessment"));
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn assessment_sqlite() {
    quarterly_assessment(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn assessment_postgres() {
    if let Some(db) = TestDb::postgres().await {
        quarterly_assessment(db).await;
    }
}

#[tokio::test]
async fn corrections_joint_reports_and_locked_periods() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let report = |period: &str, cum: Option<&str>| json!({"period": period, "status": "under_way", "progress_percent": "10", "investment_month_wan": "10", "investment_cumulative_wan": cum});
    // the other joint implementer sends a returned month again: the report is now its
    let r = api(&app, Some("fagai"), "POST", "/api/v1/projects/33/dispatch-reports", report("2024-03", Some("100"))).await;
    let id = r.json()["id"].as_i64().unwrap();
    api(&app, Some("tf"), "POST", &format!("/api/v1/dispatch-reports/{id}/return"), json!({"reason": "核实"})).await;
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/33/dispatch-reports", report("2024-03", Some("120"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["org_unit"], "市住建局");
    assert!(app.db.store.verify("150100").await.unwrap().ok(), "the stored row is what the trail says");
    // a returned month with later months already sent can be fixed in place
    for (m, c) in [("2024-04", None), ("2024-05", None)] {
        assert_eq!(api(&app, Some("zhujian"), "POST", "/api/v1/projects/33/dispatch-reports", report(m, c)).await.status, StatusCode::CREATED);
    }
    let april = app.db.store.dispatch_reports("150100").await.unwrap().into_iter().find(|d| d.period == "2024-04").unwrap();
    api(&app, Some("tf"), "POST", &format!("/api/v1/dispatch-reports/{}/return", april.id), json!({"reason": "金额有误"})).await;
    let r = api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/33/dispatch-reports",
        json!({"period": "2024-04", "status": "under_way", "progress_percent": "12", "investment_month_wan": "15"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["investment_cumulative_wan"], "135");
    // task quantities: a share above 100% and a quantity given twice
    let r = api(
        &app,
        Some("forest"),
        "POST",
        "/api/v1/tasks/9/dispatch-reports",
        json!({"period": "2024-05", "progress": "x", "quantities": [{"index": 3, "done": "140"}, {"index": 0, "done": "1"}, {"index": 0, "done": "2"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.json()["error"]["fields"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(fields, vec!["quantities[0]", "quantities[3]"]);
    // assigned targets: in range, not into a locked year
    assert_eq!(
        api(&app, Some("tf"), "POST", "/api/v1/upper-targets", json!({"indicator": "16", "year": 2023, "value": "140"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    api(&app, Some("tf"), "POST", "/api/v1/periods/2022/lock", json!({})).await;
    assert_eq!(
        api(&app, Some("tf"), "POST", "/api/v1/upper-targets", json!({"indicator": "16", "year": 2022, "value": "90"})).await.status,
        StatusCode::CONFLICT
    );
    // no evidence into a locked period either
    api(&app, Some("tf"), "POST", "/api/v1/periods/2022/unlock", json!({"reason": "补录"})).await;
    let o = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2022, "value": "85"})).await.json();
    api(&app, Some("tf"), "POST", "/api/v1/periods/2022/lock", json!({})).await;
    let r = upload(&app, "env", &format!("/api/v1/observations/{}/evidence", o["id"]), "a.pdf", b"%PDF-1.7\n").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "period_locked");
    // periods are written one way
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/periods/2024-4/lock", json!({})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api(&app, Some("tf"), "POST", "/api/v1/periods/2024-07/lock", json!({})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a month still to come"
    );
    // a department enters regional values only where the task force asks them
    assert_eq!(
        api(&app, Some("zhujian"), "POST", "/api/v1/observations", json!({"indicator": "24", "year": 2023, "region": "托县", "value": "96"})).await.status,
        StatusCode::FORBIDDEN
    );
    // a viewer is refused before anything is checked
    assert_eq!(
        api(&app, Some("viewer"), "POST", "/api/v1/observations", json!({"indicator": "7", "year": 2023, "value": "x"})).await.status,
        StatusCode::FORBIDDEN
    );
    // a JSON value of the wrong type names its field, in the caller's language
    let r = api(&app, Some("env"), "POST", "/api/v1/observations?lang=en", json!({"indicator": "7.1", "year": "2023", "value": "85"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["year"].as_str().unwrap().starts_with("wrong type"), "{}", r.body);
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023})).await;
    assert_eq!(r.json()["error"]["fields"]["value"], "缺少此项");
    // control characters are refused
    let r = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2021, "value": "85", "comment": "a\u{0}b"})).await;
    assert_eq!(r.json()["error"]["fields"]["comment"].as_str().map(|m| m.contains("控制字符")), Some(true));
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn review_readiness_and_vetoes() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let o = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2023, "value": "86"})).await.json();
    let uri = format!("/api/v1/observations/{}/evidence", o["id"]);
    assert_eq!(upload(&app, "env", &uri, "公报.pdf", b"%PDF-1.7\n").await.status, StatusCode::CREATED);
    api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{}/approve", o["id"]), json!({})).await;
    let o2 = api(&app, Some("env"), "POST", "/api/v1/observations", json!({"indicator": "7.1", "year": 2022, "value": "86"})).await.json();
    api(&app, Some("tf"), "POST", &format!("/api/v1/observations/{}/approve", o2["id"]), json!({})).await;
    let r = api(&app, Some("viewer"), "GET", "/api/v1/readiness", json!(null)).await.json();
    assert_eq!(r["years"], json!([2022, 2023, 2024, 2025]));
    let cell = |leaf: &str, year: i64| r["cells"].as_array().unwrap().iter().find(|c| c["leaf"] == leaf && c["year"] == year).unwrap().clone();
    assert_eq!(cell("7.1", 2023), json!({"leaf": "7.1", "year": 2023, "present": true, "approved": true, "evidence": true, "met": true}));
    assert_eq!(cell("7.1", 2022)["evidence"], false, "approved, but no evidence");
    assert_eq!(r["zone"]["ready"], 1);
    assert_eq!(r["zone"]["total"], 43 * 4);
    let env = r["departments"].as_array().unwrap().iter().find(|d| d[0] == "市生态环境局").unwrap().clone();
    assert_eq!(env[1]["ready"], 1);
    // vetoes: the task force records them; they stand above everything on the page
    let veto = json!({"kind": "major_incident", "description": "某化工园区发生较大突发环境事件", "occurred_on": "2024-03-02"});
    assert_eq!(api(&app, Some("env"), "POST", "/api/v1/vetoes", veto.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = api(&app, Some("tf"), "POST", "/api/v1/vetoes", json!({"kind": "x", "description": "", "occurred_on": "2099-01-01"})).await;
    assert_eq!(bad.json()["error"]["fields"].as_object().unwrap().len(), 3);
    assert_eq!(api(&app, Some("tf"), "POST", "/api/v1/vetoes", veto).await.status, StatusCode::CREATED);
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/readiness", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let veto_at = page.body.find("某化工园区").unwrap();
    assert!(veto_at < page.body.find("复核准备情况</h1>").unwrap(), "the veto stands above everything");
    assert!(page.body.contains("id=\"zone-readiness\">0.6%"), "1 of 172");
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_monthly_bulletin() {
    // 市住建局 reports project 12 for May on time (06-04), and project 14 late (06-10); the
    // bulletin is judged on the due date, 06-05: 14 was not in
    let mut app = setup_at(TestDb::sqlite().await, 30, "2024-06-04").await;
    let may = |progress: &str| json!({"period": "2024-05", "status": "under_way", "progress_percent": progress, "investment_month_wan": "10", "investment_cumulative_wan": "10"});
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/12/dispatch-reports", may("10")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    move_to(&mut app, "2024-06-10");
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/14/dispatch-reports", may("30")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["late"], true);
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/bulletin", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let plan = build_plan(&hohhot()).unwrap();
    let due = plan.projects.iter().filter(|p| p.period.overlaps(2024, 2024)).count();
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let summary: String = doc.select(&sel("#summary")).next().unwrap().text().collect();
    let num = |id: &str| doc.select(&sel(id)).next().map(|e| e.text().collect::<String>());
    assert!(summary.contains(&due.to_string()), "{summary}");
    assert_eq!((num("#on-time"), num("#missing"), num("#pending")), (Some("1".into()), Some((due - 1).to_string()), None), "{summary}");
    let late: Vec<String> = doc.select(&sel("#late tbody tr")).map(|r| r.text().collect::<String>()).collect();
    assert_eq!(late.len(), due - 1, "one reported on time, the others not in by the due date");
    assert!(late.iter().any(|r| r.starts_with("14") && r.contains("未按时报送")), "the late one was not in by the due date");
    assert!(!late.iter().any(|r| r.starts_with("12")));
    let behind: Vec<String> = doc.select(&sel("#behind tbody tr")).map(|r| r.text().collect::<String>()).collect();
    assert!(behind.iter().any(|r| r.starts_with("12") && r.contains("10%") && r.contains("80.6%")), "{behind:?}");
    // a project whose period ended before the month, never reported, is behind at 100%
    let ended = plan.projects.iter().find(|p| p.period.end.is_some_and(|e| e < 2024) && p.period.start.is_some()).unwrap();
    assert!(behind.iter().any(|r| r.starts_with(&ended.number.to_string()) && r.contains("100%")), "{} {behind:?}", ended.number);
    // 市住建局 reported one on time; every other unit missed everything (0%): the worst list
    // names all the units tied at 0%, not three of them
    let top: Vec<String> = doc.select(&sel("#top tbody tr")).map(|r| r.text().collect::<String>()).collect();
    assert!(top[0].contains("市住建局"), "{top:?}");
    let bottom = doc.select(&sel("#bottom tbody tr")).count();
    assert!(top.len() + bottom > 4, "ties are listed: {} + {bottom}", top.len());
    let r = send(&app, "GET", "/bulletin?month=2030-01", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_bulletin_calls_nobody_missing_before_the_due_date() {
    // 2024-06-03: May's reports are due on 06-05
    let app = setup_at(TestDb::sqlite().await, 30, "2024-06-03").await;
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/bulletin?month=2024-05", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    assert!(doc.select(&sel("#missing")).next().is_none(), "nothing is missing yet");
    let rows: Vec<String> = doc.select(&sel("#late tbody tr")).map(|r| r.text().collect::<String>()).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.contains("待报送") && !r.contains("未报送")), "{rows:?}");
    assert!(doc.select(&sel("#top tbody tr")).all(|r| r.text().collect::<String>().contains("无")), "nobody ranked before the due date");
    app.db.cleanup().await;
}

#[tokio::test]
async fn forms_answer_in_the_users_language() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let env = cookie_of(&login(&app, "env", PASSWORD).await);
    let page = send(&app, "GET", "/observations/new?indicator=7.1&year=2023", &[("cookie", &env)], Body::empty()).await;
    let csrf = csrf_in(&page.body);
    // a form without the value field
    let r = form(&app, &env, "/observations", &format!("csrf={csrf}&indicator=7.1&year=2023")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("缺少此项") && r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{}", r.body);
    // signing in from another site is refused
    let r = send(
        &app,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded"), ("origin", "http://evil.example"), ("host", "ecociv.local")],
        Body::from(format!("name=env&password={PASSWORD}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.db.cleanup().await;
}

#[tokio::test]
async fn tables_download_as_xlsx_csv_and_json() {
    let app = setup(TestDb::sqlite().await, 30).await;
    api(
        &app,
        Some("zhujian"),
        "POST",
        "/api/v1/projects/12/dispatch-reports",
        json!({"period": "2024-05", "status": "under_way", "progress_percent": "40", "investment_month_wan": "10", "investment_cumulative_wan": "25000"}),
    )
    .await;
    assert_eq!(send(&app, "GET", "/export/annex2.csv", &[], Body::empty()).await.status, StatusCode::SEE_OTHER);
    let auth = ("authorization", "Bearer tok-viewer");
    let csv = send(&app, "GET", "/export/annex2.csv", &[auth], Body::empty()).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with('\u{feff}'), "a BOM for Excel");
    assert_eq!(csv.body.lines().count(), 77);
    let row12 = csv.body.lines().nth(12).unwrap();
    assert!(row12.contains("2024-05") && row12.contains(",40,") && row12.contains("2.5"), "{row12}");
    let xlsx = send(&app, "GET", "/export/annex1.xlsx", &[auth], Body::empty()).await;
    assert_eq!(xlsx.headers[header::CONTENT_TYPE], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"), "an xlsx is a zip archive");
    let j = send(&app, "GET", "/export/dispatch.json?region=%E8%B5%9B%E7%BD%95%E5%8C%BA", &[auth], Body::empty()).await.json();
    assert!(j.as_array().unwrap().is_empty(), "project 12 does not lie in 赛罕区");
    let j = send(&app, "GET", "/export/dispatch.json?project=12", &[auth], Body::empty()).await.json();
    assert_eq!(j[0]["investment_cumulative_wan"], "25000");
    assert_eq!(send(&app, "GET", "/export/annex3.csv", &[auth], Body::empty()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&app, "GET", "/export/dispatch.csv?region=%E5%8C%97%E4%BA%AC", &[auth], Body::empty()).await.status, StatusCode::BAD_REQUEST);
    app.db.cleanup().await;
}

#[tokio::test]
async fn templates_download_for_the_users_own_org_unit() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let get = |user: &'static str, uri: &'static str| {
        let app = &app;
        async move {
            let auth = format!("Bearer tok-{user}");
            send(app, "GET", uri, &[("authorization", auth.as_str())], Body::empty()).await
        }
    };
    let r = get("zhujian", "/templates/dispatch.xlsx?period=2024-05").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK\x03\x04"));
    let cd = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(cd.contains("dispatch.xlsx") && cd.contains(&ecociv_web::layout::encode("市住建局")), "{cd}");
    assert_eq!(get("env", "/templates/observations.xlsx?period=2023").await.status, StatusCode::OK);
    // a region without regional indicators, a unit without indicators: nothing to fill, said so
    let r = get("tuoxian", "/templates/observations.xlsx").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "nothing_to_fill");
    // only the task force chooses another org unit
    assert_eq!(get("env", "/templates/dispatch.xlsx?org=%E5%B8%82%E4%BD%8F%E5%BB%BA%E5%B1%80").await.status, StatusCode::FORBIDDEN);
    assert_eq!(get("tf", "/templates/dispatch.xlsx?org=%E5%B8%82%E4%BD%8F%E5%BB%BA%E5%B1%80").await.status, StatusCode::OK);
    assert_eq!(get("tf", "/templates/dispatch.xlsx?org=%E5%8C%97%E4%BA%AC").await.json()["error"]["code"], "unknown_org_unit");
    for bad in ["/templates/dispatch.xlsx?period=2024-13", "/templates/dispatch.xlsx?period=2024-07", "/templates/observations.xlsx?period=2019"] {
        let r = get("zhujian", bad).await;
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_period")), "{bad}");
    }
    assert_eq!(get("zhujian", "/templates/tasks.xlsx").await.status, StatusCode::OK, "the tasks it shares");
    assert_eq!(get("chunhua", "/templates/tasks.xlsx").await.json()["error"]["code"], "nothing_to_fill", "a company shares no task");
    assert_eq!(get("zhujian", "/templates/nothing.xlsx").await.status, StatusCode::NOT_FOUND);
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_result_replaces_the_projection_once_the_deadline_values_are_due() {
    for (today, after) in [("2026-02-01", false), ("2026-03-31", false), ("2026-04-01", true)] {
        let app = setup_at(TestDb::sqlite().await, 30, today).await;
        let j = send(&app, "GET", "/api/v1/public/indicators", &[], Body::empty()).await.json();
        let s = j.as_array().unwrap().iter().find(|s| s["code"] == "7.1").unwrap();
        assert_eq!(s["projection"]["reason"] == "after_deadline", after, "{today}: {}", s["projection"]);
        let page = send(&app, "GET", "/public", &[], Body::empty()).await;
        assert_eq!(page.body.contains("截止年度无数据"), after, "{today}");
        let ind = send(&app, "GET", "/indicators/7", &[], Body::empty()).await;
        let doc = scraper::Html::parse_document(&ind.body);
        let heads: String = doc.select(&scraper::Selector::parse("table.standings th").unwrap()).map(|h| h.text().collect::<String>()).collect();
        assert_eq!((heads.contains("最终结果"), heads.contains("趋势研判")), (after, !after), "{today}: {heads}");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_regions_to_do_groups_its_projects_and_folds_the_tasks_it_shares() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let plan = build_plan(&hohhot()).unwrap();
    let cookie = cookie_of(&login(&app, "tuoxian", PASSWORD).await);
    let page = send(&app, "GET", "/entry", &[("cookie", &cookie)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let mine: Vec<u32> =
        plan.projects.iter().filter(|p| p.implementers.iter().any(|i| i == "托克托县") && p.period.overlaps(2024, 2024)).map(|p| p.number).collect();
    let projects = doc.select(&sel("#project-reports + table tbody tr")).count();
    assert_eq!(projects, mine.len(), "its projects of the month, apart");
    let tasks = doc.select(&sel("details#task-reports tbody tr")).count();
    assert_eq!(tasks, plan.tasks.len(), "every task it shares, in their own group");
    let details = doc.select(&sel("details#task-reports")).next().unwrap();
    assert!(details.value().attr("open").is_none(), "37 tasks are folded under their count");
    let summary: String = details.select(&sel("summary")).next().unwrap().text().collect();
    assert!(summary.contains(&format!("({} · 待报送 {})", plan.tasks.len(), plan.tasks.len())), "{summary}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_months_investment_is_split_by_source_checked_on_the_form_the_api_and_the_import_and_shown_on_the_portfolio() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let zj = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let page = send(&app, "GET", "/projects/12/report", &[("cookie", &zj)], Body::empty()).await;
    assert!(page.body.contains("name=\"funding_fiscal\"") && page.body.contains("社会资金"), "the form asks for the split: {} {}", page.status, page.body);
    let csrf = csrf_in(&page.body);
    let base = format!("csrf={csrf}&period=2024-05&status=under_way&progress_percent=30&investment_month_wan=100&investment_cumulative_wan=1000");
    // a split that does not add up: the form comes back with what was typed and the sum named
    let r = form(&app, &zj, "/projects/12/report", &format!("{base}&funding_fiscal=60&funding_financial=20&funding_social=10")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("合计 90 万元") && r.body.contains("本月投资 100 万元") && r.body.contains("value=\"60\""), "{}", r.body);
    let r = form(&app, &zj, "/projects/12/report", &format!("{base}&funding_fiscal=60&funding_financial=30&funding_social=10")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = app.db.store.dispatch_reports("150100").await.unwrap();
    assert_eq!(stored.iter().find(|d| d.subject == 12).unwrap().funding, "60|30|10");
    // the API: a negative amount refused at its field; a report without a split keeps none
    let body = |f: Value| json!({"period": "2024-05", "status": "under_way", "progress_percent": "10", "investment_month_wan": "50", "investment_cumulative_wan": "500", "funding": f});
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/14/dispatch-reports", body(json!({"funding_fiscal": "70", "funding_social": "-20"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["funding_social"].as_str().is_some_and(|m| m.contains("不能为负数")), "{}", r.body);
    let r = api(&app, Some("zhujian"), "POST", "/api/v1/projects/14/dispatch-reports", body(Value::Null)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json().get("funding").is_none(), "no split, nothing in the record: {}", r.body);
    // a table import with a bad sum: refused at its row and the fiscal column
    let csv = "项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）,其中：财政资金（万元）,金融资金（万元）,社会资金（万元）\n15,2024-05,在建,10,100,1000,50,50,50\n";
    let r =
        send(&app, "POST", "/api/v1/imports", &[("authorization", "Bearer tok-zhujian"), ("content-type", "application/octet-stream")], Body::from(csv)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = &r.json()["problems"][0];
    assert_eq!((p["code"].as_str(), p["row"].as_u64()), (Some("funding_sum"), Some(2)), "{}", r.body);
    assert!(p["column"].as_str().unwrap().contains("财政资金"), "{}", r.body);
    // the portfolio: project 12's split under its domain, and what no report split
    let tf = cookie_of(&login(&app, "tf", PASSWORD).await);
    let page = send(&app, "GET", "/dashboard/projects", &[("cookie", &tf)], Body::empty()).await;
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let plan = build_plan(&hohhot()).unwrap();
    let domain = plan.project(12).unwrap().domain.name(ecociv_core::Locale::Zh);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table.funding"))
        .next()
        .unwrap()
        .select(&sel("tbody tr"))
        .map(|r| r.select(&sel("td")).map(|c| c.text().collect::<String>()).collect())
        .collect();
    let row = rows.iter().find(|r| r[0] == domain).unwrap_or_else(|| panic!("{rows:?}"));
    // the domain holds projects 12 (1000, split 60/30/10) and 14 (500, not split) at least
    assert_eq!(&row[1..4], ["60", "30", "10"], "{row:?}");
    let unsplit: f64 = row[4].parse().unwrap();
    assert!(unsplit >= 1400.0, "the opening cumulative and project 14 are not split: {row:?}");
    // the work report of the year: the split by domain
    let work = send(&app, "GET", "/reports/work/2024.docx", &[("cookie", &tf)], Body::empty()).await;
    assert_eq!(work.status, StatusCode::OK);
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip::ZipArchive::new(std::io::Cursor::new(work.bytes)).unwrap().by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let text: String = xml.split('<').filter_map(|part| part.split_once('>').map(|(_, t)| t)).collect();
    assert!(text.contains("2024年度重点项目投资资金来源") && text.contains(&format!("{domain}603010")), "the work report's split");
    assert!(app.db.store.verify("150100").await.unwrap().ok(), "the trail holds the split");
    app.db.cleanup().await;
}

/// A multipart form: text fields, then a file (when there is one).
fn multipart_form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "ecociv-survey-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((name, content)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_surveyed_value_goes_in_with_its_sample_method_and_report() {
    let app = setup(TestDb::sqlite().await, 30).await;
    let stats = cookie_of(&login(&app, "stats", PASSWORD).await);
    let page = send(&app, "GET", "/observations/survey?indicator=35&year=2023", &[("cookie", &stats)], Body::empty()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("公众对生态文明建设的满意度") && page.body.contains("name=\"sample_size\""));
    let csrf = csrf_in(&page.body);
    let post = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, &'static [u8])>| {
        let (ct, body) = multipart_form(&fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(), file);
        let stats = stats.clone();
        let app = &app;
        async move { send(app, "POST", "/observations/survey", &[("cookie", &stats), ("content-type", &ct)], Body::from(body)).await }
    };
    let base = |sample: &str, method: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("indicator", "35".into()),
            ("year", "2023".into()),
            ("result", "86.5".into()),
            ("sample_size", sample.into()),
            ("method", method.into()),
        ]
    };
    let before = app.db.store.observations("150100").await.unwrap().len();
    // no sample, no method, no report: each said beside its field, what was typed kept
    let r = post(base("很多", " "), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("样本量应为正整数") && r.body.contains("请写明调查方法") && r.body.contains("value=\"86.5\"") && r.body.contains("value=\"很多\""),
        "{}",
        r.body
    );
    // a file that is not a report: refused before anything is stored
    let r = post(base("1200", "入户问卷"), Some(("report.exe", b"MZ\x90\x00"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(app.db.store.observations("150100").await.unwrap().len(), before, "nothing stored");
    // the survey: the value, its summary as the comment, its report as evidence
    let r = post(base("1200", "入户问卷，分层随机抽样"), Some(("满意度调查报告.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let o = app.db.store.observations("150100").await.unwrap().into_iter().find(|o| o.indicator == "35" && o.year == 2023).unwrap();
    assert_eq!(o.value, "86.5");
    assert!(o.comment.contains("样本量 1200") && o.comment.contains("入户问卷，分层随机抽样"), "{}", o.comment);
    let evidence = app.db.store.all_evidence("150100").await.unwrap();
    assert!(evidence.iter().any(|e| e.entity == "observation" && e.entity_id == o.id && e.file_name == "满意度调查报告.pdf"));
    let page = send(&app, "GET", &format!("/observations/{}", o.id), &[("cookie", &stats)], Body::empty()).await;
    assert!(page.body.contains("满意度调查报告.pdf") && page.body.contains("样本量 1200"), "the value's page shows its survey");
    // a unit that does not provide the indicator's data cannot
    let zj = cookie_of(&login(&app, "zhujian", PASSWORD).await);
    let zcsrf = csrf_in(&send(&app, "GET", "/observations/survey?indicator=35", &[("cookie", &zj)], Body::empty()).await.body);
    let fields = [("csrf", zcsrf.as_str()), ("indicator", "36"), ("year", "2023"), ("result", "80"), ("sample_size", "10"), ("method", "问卷")];
    let (ct, body) = multipart_form(&fields, Some(("r.pdf", b"%PDF-1.7\n%%EOF\n")));
    let r = send(&app, "POST", "/observations/survey", &[("cookie", &zj), ("content-type", &ct)], Body::from(body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.db.store.verify("150100").await.unwrap().ok());
    app.db.cleanup().await;
}
