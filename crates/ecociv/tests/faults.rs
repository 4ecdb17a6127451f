//! Faults, as they happen to a running server: killed with SIGKILL in the middle of an import,
//! of a document being written, or of many writers (10 trials each, SQLite), after which the
//! database is whole, the trail verifies, every acknowledged write is there and nothing is
//! there in part; and PostgreSQL connections cut under it (`pg_terminate_backend`), after
//! which it answers cleanly and recovers by itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecociv_store::testdb::TestDb;
use serde_json::Value;

mod support;
use support::{bin, cli};

fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecociv_faults_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One HTTP request on its own connection: the status (0 when the connection broke) and body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    let Ok(mut s) = std::net::TcpStream::connect(addr) else { return (0, String::new()) };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).and_then(|_| s.write_all(body)).is_err() {
        return (0, String::new());
    }
    let mut buf = Vec::new();
    if s.read_to_end(&mut buf).is_err() {
        return (0, String::new());
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

fn serve(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = bin().current_dir(dir).args(extra).args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    // the address is on the line `ecociv: http://…` (a first run prints its setup address before)
    let line = BufReader::new(child.stdout.take().unwrap()).lines().map(|l| l.unwrap()).find(|l| l.starts_with("ecociv: http://")).expect("the address");
    let addr = line.split("http://").nth(1).expect("the address").split_whitespace().next().unwrap().to_string();
    (child, addr)
}

/// A monthly report for month `k` (0 = 2023-01); nothing invested, so every month continues
/// the last.
fn report(k: usize) -> Vec<u8> {
    let month = format!("{}-{:02}", 2023 + k / 12, k % 12 + 1);
    format!(r#"{{"period":"{month}","status":"under_way","progress_percent":"10","investment_month_wan":"0","investment_cumulative_wan":"0"}}"#).into_bytes()
}

/// The prepared folder: a database with the plan, the task force and 市住建局's reporter (each
/// with a token), and the trail key; the projects 市住建局 implements (the form writers'), and
/// the others (the import's).
struct Template {
    dir: PathBuf,
    tf: String,
    zj: String,
    projects: Vec<u64>,
    others: Vec<u64>,
}

fn template() -> Template {
    let dir = folder("template");
    cli(&dir, &["user", "add", "tf", "--org", "市生态环境局", "--role", "task_force"], "Tamper-proof-rivers-9\n");
    cli(&dir, &["user", "add", "zj", "--org", "市住建局", "--role", "department"], "Tamper-proof-rivers-9\n");
    let token = |u: &str| cli(&dir, &["token", "create", "--user", u], "").split_whitespace().last().unwrap().to_string();
    let (tf, zj) = (token("tf"), token("zj"));
    let plan: Value = serde_json::from_str(&cli(&dir, &["plan", "export"], "")).unwrap();
    let all = plan["projects"].as_array().unwrap();
    let of = |zj: bool| {
        all.iter().filter(|p| p["implementers"].as_array().unwrap().iter().any(|i| i == "市住建局") == zj).map(|p| p["number"].as_u64().unwrap()).collect()
    };
    Template { dir, tf, zj, projects: of(true), others: of(false) }
}

/// What a trial sent and what was acknowledged.
#[derive(Default)]
struct Acked {
    /// (project, month index) answered 201
    reports: Vec<(u64, usize)>,
    /// the import was answered 200
    import: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Load {
    Import,
    Report,
    Writers,
}

/// One trial: a copy of the template, the server, the load, SIGKILL after `after`; then the
/// checks.
fn trial(t: &Template, load: Load, n: usize, after: Duration) {
    let dir = folder(&format!("{load:?}_{n}"));
    for f in ["ecociv-data.trail-key", "ecociv-data.trail-key.heads"] {
        std::fs::copy(t.dir.join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("ecociv-data")).unwrap();
    for f in ["ecociv.db", "ecociv.db-wal"] {
        if t.dir.join("ecociv-data").join(f).exists() {
            std::fs::copy(t.dir.join("ecociv-data").join(f), dir.join("ecociv-data").join(f)).unwrap();
        }
    }
    let (mut child, addr) = serve(&dir, &[]);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    // form writers: 市住建局's projects, month by month
    let writers = if load == Load::Writers { t.projects.len() } else { 2 };
    for &p in t.projects.iter().take(writers) {
        let (addr, token, acked, stop) = (addr.clone(), t.zj.clone(), acked.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            for k in 0..36 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let (status, _) = http(&addr, "POST", &format!("/api/v1/projects/{p}/dispatch-reports"), &token, &report(k));
                match status {
                    201 => acked.lock().unwrap().reports.push((p, k)),
                    0 => break,
                    s => assert!(s == 503 || s == 409, "project {p} month {k}: {s}"),
                }
            }
        }));
    }
    if load == Load::Import {
        // the other projects' 36 months in one table
        let mut table = String::from("项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n");
        for p in &t.others {
            for k in 0..36 {
                table.push_str(&format!("{p},{}-{:02},在建,10,0,{}\n", 2023 + k / 12, k % 12 + 1, if k == 0 { "0" } else { "" }));
            }
        }
        let (addr, token, acked) = (addr.clone(), t.tf.clone(), acked.clone());
        threads.push(std::thread::spawn(move || {
            let (status, body) = http(&addr, "POST", "/api/v1/imports", &token, table.as_bytes());
            match status {
                200 => acked.lock().unwrap().import = true,
                0 | 503 => {}
                s => panic!("the import answered {s}: {body}"),
            }
        }));
    }
    if load == Load::Report {
        let (addr, token, stop) = (addr.clone(), t.tf.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            for doc in ["/reports/work/2024.docx", "/reports/work/2024.pdf", "/archive/2024.zip", "/reports/bulletin/2025-06.pdf"].iter().cycle().take(8) {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let (status, _) = http(&addr, "GET", doc, &token, b"");
                assert!(status == 200 || status == 0, "{doc}: {status}");
            }
        }));
    }
    std::thread::sleep(after);
    child.kill().unwrap();
    child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for th in threads {
        th.join().unwrap();
    }
    // whole, verified, every acknowledged write there and nothing in part
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", dir.join("ecociv-data/ecociv.db").display());
    let (integrity, stored) = rt.block_on(async {
        let store = ecociv_store::connect(&url).await.unwrap();
        let r = (store.integrity_check().await.unwrap(), store.dispatch_reports("150100").await.unwrap());
        store.close().await;
        r
    });
    assert_eq!(integrity, ["ok"], "{load:?} trial {n}");
    let o = bin().current_dir(&dir).args(["audit", "verify"]).output().unwrap();
    assert!(o.status.success(), "{load:?} trial {n}: audit verify\n{}", String::from_utf8_lossy(&o.stdout));
    let acked = acked.lock().unwrap();
    let month = |k: usize| format!("{}-{:02}", 2023 + k / 12, k % 12 + 1);
    for (p, k) in &acked.reports {
        assert!(stored.iter().any(|d| d.subject == *p as i64 && d.period == month(*k)), "{load:?} trial {n}: acknowledged report {p} {} lost", month(*k));
    }
    let rows = 36 * t.others.len();
    let imported = stored.iter().filter(|d| t.others.contains(&(d.subject as u64))).count();
    assert!(imported == 0 || imported == rows, "{load:?} trial {n}: the import stored {imported} of {rows} rows");
    if acked.import {
        assert_eq!(imported, rows, "{load:?} trial {n}: an acknowledged import is there whole");
    }
    eprintln!(
        "{load:?} trial {n}: killed after {after:?}; {} reports acknowledged, {} stored; import acknowledged {}, stored {imported}",
        acked.reports.len(),
        stored.len(),
        acked.import
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_server_killed_mid_write_loses_nothing_it_acknowledged() {
    let t = template();
    assert!(t.projects.len() >= 4, "市住建局 implements several projects: {:?}", t.projects);
    // the kill from just after the start to past the end of the load: most of the import's
    // trials fall while it is read, checked or stored, and most of the writers' while they write
    for (load, first, step) in [(Load::Import, 60, 35), (Load::Report, 60, 90), (Load::Writers, 150, 80)] {
        for n in 0..10 {
            trial(&t, load, n, Duration::from_millis(first + step * n as u64));
        }
    }
    let _ = std::fs::remove_dir_all(&t.dir);
}

#[test]
fn postgresql_connections_cut_under_the_server_answer_cleanly_and_recover() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else { return };
    let dir = folder("pg_cut");
    let url = db.url.clone();
    cli(&dir, &["--database-url", &url, "user", "add", "zj", "--org", "市住建局", "--role", "department"], "Tamper-proof-rivers-9\n");
    let token = cli(&dir, &["--database-url", &url, "token", "create", "--user", "zj"], "").split_whitespace().last().unwrap().to_string();
    let (mut child, addr) = serve(&dir, &["--database-url", &url]);
    assert_eq!(http(&addr, "GET", "/api/v1/dispatch-reports", &token, b"").0, 200);
    let database = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let cut = || {
        rt.block_on(db.execute(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()")));
    };
    let mut k = 0;
    for round in 0..3 {
        cut();
        // every answer comes, clean (the error shape) or not, and the server gets well by itself
        let start = Instant::now();
        let mut recovered = false;
        for _ in 0..20 {
            let (status, body) = http(&addr, "POST", "/api/v1/projects/12/dispatch-reports", &token, &report(k));
            match status {
                201 => {
                    recovered = true;
                    k += 1;
                    break;
                }
                500 | 503 => assert!(body.contains("\"error\""), "round {round}: {status} {body}"),
                s => panic!("round {round}: {s} {body}"),
            }
        }
        assert!(recovered, "round {round}: the server writes again after its connections were cut");
        assert!(start.elapsed() < Duration::from_secs(15), "round {round}: no request hung");
        assert_eq!(http(&addr, "GET", "/api/v1/dispatch-reports", &token, b"").0, 200);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let o = bin().current_dir(&dir).args(["--database-url", &url, "audit", "verify"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    rt.block_on(db.cleanup());
    let _ = std::fs::remove_dir_all(dir);
}
