//! The dashboards in a real browser: Debian's Chromium driven through chromedriver (W3C
//! WebDriver over plain HTTP). Every dashboard opens with no console error, and its charts are
//! drawn with the data of the store. Skipped with a message when Chromium is not installed,
//! except under `CI=true` (the test script installs it).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ecociv_app::accounts;
use ecociv_core::access::Role;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use serde_json::{Value, json};

/// One WebDriver call over HTTP/1.1.
pub(crate) fn wd(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("chromedriver answers");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let text = read_response(&mut s);
    let json = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(json).unwrap_or_else(|e| panic!("chromedriver said ({e}): {text}"))
}

/// Reads one response: the head, then as many bytes as its Content-Length says (the server may
/// keep the connection open).
fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    loop {
        let n = s.read(&mut byte).unwrap();
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&byte[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()));
            if len.is_some_and(|len| body.len() >= len) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
    pub(crate) session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = wd(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn start_browser() -> Option<Driver> {
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
    let Some(driver) = driver.filter(|_| std::path::Path::new("/usr/bin/chromium").exists()) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and Chromium or chromedriver is missing (Debian packages chromium, chromium-driver)");
        }
        eprintln!("SKIPPED (browser): Chromium or chromedriver is not installed");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = std::env::temp_dir().join(format!("ecociv-chromium-{port}"));
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1200",
            format!("--user-data-dir={}", profile.display())
        ]},
        "goog:loggingPrefs": {"browser": "ALL"}
    }}});
    let r = wd(port, "POST", "/session", Some(&caps));
    let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
    Some(Driver { child, port, session })
}

impl Driver {
    pub(crate) fn go(&self, url: &str) {
        wd(self.port, "POST", &format!("/session/{}/url", self.session), Some(&json!({"url": url})));
    }
    pub(crate) fn run(&self, script: &str) -> Value {
        wd(self.port, "POST", &format!("/session/{}/execute/sync", self.session), Some(&json!({"script": script, "args": []})))["value"].clone()
    }
    /// Signs the browser in at `base` with a session cookie's value.
    pub(crate) fn sign_in(&self, base: &str, cookie: &str) {
        self.go(&format!("{base}/login"));
        let host = base.trim_start_matches("http://").split(':').next().unwrap_or_default();
        let cookie = json!({"cookie": {"name": "ecociv_session", "value": cookie, "path": "/", "domain": host}});
        wd(self.port, "POST", &format!("/session/{}/cookie", self.session), Some(&cookie));
    }
    /// Saves what the window shows as a PNG file.
    pub(crate) fn screenshot(&self, file: &std::path::Path) {
        use base64::Engine;
        let shot = wd(self.port, "GET", &format!("/session/{}/screenshot", self.session), None);
        if let Some(png) = shot["value"].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()) {
            let _ = std::fs::create_dir_all(file.parent().unwrap_or(std::path::Path::new(".")));
            let _ = std::fs::write(file, png);
        }
    }
    pub(crate) fn severe_logs(&self) -> Vec<String> {
        let logs = wd(self.port, "POST", &format!("/session/{}/se/log", self.session), Some(&json!({"type": "browser"})));
        logs["value"].as_array().cloned().unwrap_or_default().into_iter().filter(|e| e["level"] == "SEVERE").map(|e| e["message"].to_string()).collect()
    }
}

async fn dashboards_in_chromium(db: TestDb) {
    let Some(browser) = tokio::task::spawn_blocking(start_browser).await.unwrap() else {
        db.cleanup().await;
        return;
    };
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let hash = accounts::hash_password("Correct-horse-9".into()).await.unwrap();
    super::add_users(
        &db.store,
        &[("tf", "市生态环境局", Role::TaskForce), ("env", "市生态环境局", Role::Department), ("zj", "市住建局", Role::Department)],
        &hash,
        false,
    )
    .await;
    let state = AppState::new(db.store.clone(), Some("2024-06-10".parse().unwrap()), "150100");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    // data through the API, as users send it
    let client = |user: &'static str| {
        let base = base.clone();
        move |method: &'static str, path: String, body: Value| {
            let base = base.clone();
            tokio::task::spawn_blocking(move || http(&base, method, &path, &body, Some(user)))
        }
    };
    let (tf, zj) = (client("tf"), client("zj"));
    // sessions for the three users
    let mut cookies = std::collections::HashMap::new();
    for u in ["tf", "env", "zj"] {
        let base = base.clone();
        let c = tokio::task::spawn_blocking(move || login(&base, u)).await.unwrap();
        cookies.insert(u, c);
    }
    let env_cookie = cookies["env"].clone();
    let env_csrf = {
        let (base, c) = (base.clone(), env_cookie.clone());
        tokio::task::spawn_blocking(move || http_cookie(&base, "GET", "/api/v1/me", &Value::Null, &c, "")).await.unwrap()["csrf"].as_str().unwrap().to_string()
    };
    for (year, v) in [(2021, "81"), (2022, "82.5"), (2023, "83.1")] {
        let (base, c, csrf) = (base.clone(), env_cookie.clone(), env_csrf.clone());
        let r = tokio::task::spawn_blocking(move || {
            http_cookie(&base, "POST", "/api/v1/observations", &json!({"indicator": "7.1", "year": year, "value": v}), &c, &csrf)
        })
        .await
        .unwrap();
        let id = r["id"].as_i64().unwrap();
        tf("POST", format!("/api/v1/observations/{id}/approve"), json!({})).await.unwrap();
    }
    let _ = zj;
    let tf_cookie = cookies["tf"].clone();
    // the browser, signed in as the task force
    let b = &browser;
    tokio::task::block_in_place(|| {
        b.sign_in(&base, &tf_cookie);
        for page in ["/dashboard", "/dashboard/projects", "/indicators/7", "/public", "/assessment?quarter=2024Q1", "/readiness", "/entry", "/bulletin"] {
            b.go(&format!("{base}{page}"));
            let charts = b.run("return document.querySelectorAll('div.chart').length").as_u64().unwrap_or(0);
            let drawn = b.run("return document.querySelectorAll('div.chart[data-rendered=true] svg').length").as_u64().unwrap_or(0);
            assert_eq!(drawn, charts, "{page}: every chart is drawn");
            let logs = b.severe_logs();
            assert!(logs.is_empty(), "{page}: console errors {logs:?}");
            let title = b.run("return document.title").as_str().unwrap_or_default().to_string();
            assert!(!title.contains("出错了"), "{page}: {title}");
        }
        // the charts show the store's data: the approved 2023 value is counted as not met in 生态安全
        b.go(&format!("{base}/dashboard"));
        let svg_text = b.run("return document.querySelector('#chart-by-domain svg').textContent").as_str().unwrap_or_default().to_string();
        assert!(svg_text.contains("生态安全"), "{svg_text}");
        let table = b
            .run("return Array.from(document.querySelectorAll('#block-by-domain table.chart-data tbody tr')).map(r => r.textContent).join('|')")
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(table.contains("生态安全"), "{table}");
        let not_met = b
            .run("return document.querySelector('#block-by-domain table.chart-data tbody tr:nth-child(2) td:nth-child(3)').textContent")
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(not_met, "1", "7.1 at 83.1 is below 84.9: one indicator of 生态安全 not met");
        let downloads = b.run("return document.querySelectorAll('button.download').length").as_u64().unwrap_or(0);
        assert!(downloads >= 3, "every chart has its download");
        // the indicator page draws its series, with the target and the projection
        b.go(&format!("{base}/indicators/7"));
        let drawn = b.run("return document.querySelectorAll('#chart-series-7-1[data-rendered=true] svg').length").as_u64().unwrap_or(0);
        assert_eq!(drawn, 1, "7.1 has a drawn series");
        let text = b.run("return document.querySelector('#chart-series-7-1 svg').textContent").as_str().unwrap_or_default().to_string();
        assert!(text.contains("2021") && text.contains("2025"), "the years and the deadline: {text}");
        assert!(b.severe_logs().is_empty());
    });
    drop(browser);
    db.cleanup().await;
}

fn request(base: &str, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> (u16, String, String) {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    write!(s, "{head}\r\n{body}").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (h, b) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h.split(' ').nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
    (status, h.to_string(), b.to_string())
}

fn login(base: &str, user: &str) -> String {
    login_with(base, user, "Correct-horse-9")
}

/// Signs in; the session cookie's value.
pub(crate) fn login_with(base: &str, user: &str, password: &str) -> String {
    let (status, head, _) =
        request(base, "POST", "/login", &[("Content-Type", "application/x-www-form-urlencoded".into())], &format!("name={user}&password={password}"));
    assert_eq!(status, 303, "{head}");
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l.split_once("ecociv_session=").unwrap().1.split(';').next().unwrap().to_string())
        })
        .unwrap()
}

fn http_cookie(base: &str, method: &str, path: &str, body: &Value, cookie: &str, csrf: &str) -> Value {
    let (_, _, b) = request(
        base,
        method,
        path,
        &[("Content-Type", "application/json".into()), ("Cookie", format!("ecociv_session={cookie}")), ("X-CSRF-Token", csrf.into())],
        &body.to_string(),
    );
    serde_json::from_str(b.trim()).unwrap_or(Value::Null)
}

fn http(base: &str, method: &str, path: &str, body: &Value, user: Option<&str>) -> Value {
    // the task force signs in for each call; simple and enough for a handful
    let cookie = login(base, user.unwrap_or("tf"));
    let me = http_cookie(base, "GET", "/api/v1/me", &Value::Null, &cookie, "");
    http_cookie(base, method, path, body, &cookie, me["csrf"].as_str().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_open_in_chromium_without_console_errors() {
    dashboards_in_chromium(TestDb::sqlite().await).await;
}
