//! Two `ecociv serve` processes on one PostgreSQL database: a write on one is read on the other
//! within a fraction of a second, and a refused import's marked workbook made on one is handed
//! out by the other; both send reminders every second to a mail server that this
//! test runs on loopback, and every reminder reaches its recipient once; a third server started
//! after them (their lease lapsed) sends nothing again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecociv_store::testdb::TestDb;
use serde_json::Value;

mod support;
use support::{bin, cli};

fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecociv_instances_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One HTTP request on its own connection: the status and the body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

fn serve(dir: &Path, url: &str, smtp: &str) -> (Child, String) {
    let mut child = bin()
        .current_dir(dir)
        .args([
            "--database-url",
            url,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--smtp-url",
            smtp,
            "--remind-every",
            "1",
            "--base-url",
            "https://ecociv.example.gov.cn",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().map(|l| l.unwrap()).find(|l| l.starts_with("ecociv: http://")).expect("the address");
    let addr = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    (child, addr)
}

/// The mails received: (recipient, subject) each.
type Mails = Arc<Mutex<Vec<(String, String)>>>;

/// A mail server that takes every mail: the recipient and the subject of each.
fn smtp_sink() -> (u16, Mails) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept: Mails = Arc::default();
    let k = kept.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            let k = k.clone();
            std::thread::spawn(move || {
                let mut write = socket.try_clone().unwrap();
                let mut read = BufReader::new(socket);
                write.write_all(b"220 sink ESMTP\r\n").unwrap();
                let mut to = String::new();
                let mut line = String::new();
                while read.read_line(&mut line).unwrap_or(0) > 0 {
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to = line[8..].trim().trim_matches(['<', '>']).to_string();
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").unwrap();
                        let (mut subject, mut in_subject) = (String::new(), false);
                        loop {
                            let mut l = String::new();
                            read.read_line(&mut l).unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            // the subject, with its folded lines
                            if in_subject && l.starts_with([' ', '\t']) {
                                subject.push_str(l.trim());
                            } else {
                                in_subject = l.starts_with("Subject: ");
                                if in_subject {
                                    subject = l["Subject: ".len()..].trim().to_string();
                                }
                            }
                        }
                        k.lock().unwrap().push((to.clone(), subject));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(answer).unwrap();
                    line.clear();
                }
            });
        }
    });
    (port, kept)
}

#[test]
fn two_servers_on_one_database_send_each_reminder_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else { return };
    let url = db.url.clone();
    let dir = folder("two");
    for (name, org, role) in [("zj", "市住建局", "department"), ("tf", "市生态环境局", "task_force")] {
        cli(&dir, &["--database-url", &url, "user", "add", name, "--org", org, "--role", role], "Tamper-proof-rivers-9\n");
    }
    let token = |u: &str| cli(&dir, &["--database-url", &url, "token", "create", "--user", u], "").split_whitespace().last().unwrap().to_string();
    let (zj, tf) = (token("zj"), token("tf"));
    let (port, mails) = smtp_sink();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let (mut a, addr) = serve(&dir, &url, &smtp);
    let (mut b, addr_b) = serve(&dir, &url, &smtp);
    // a write on one is read on the other: B has read the reports (and keeps what it read), A
    // stores one, and B answers with it within its watcher's look (every 0.1 s)
    let list = |addr: &str| serde_json::from_str::<Value>(&http(addr, "GET", "/api/v1/dispatch-reports", &tf, "").1).unwrap().as_array().unwrap().len();
    assert_eq!(list(&addr_b), 0);
    let report = r#"{"period":"2025-11","status":"under_way","progress_percent":"10","investment_month_wan":"0","investment_cumulative_wan":"0"}"#;
    let (status, body) = http(&addr, "POST", "/api/v1/projects/12/dispatch-reports", &zj, report);
    assert_eq!(status, 201, "{body}");
    let written = Instant::now();
    while list(&addr_b) == 0 {
        assert!(written.elapsed() < Duration::from_secs(2), "the other server still answers without the write");
        std::thread::sleep(Duration::from_millis(10));
    }
    let seen = written.elapsed();
    eprintln!("a write on one server read on the other after {seen:?}");
    assert!(seen < Duration::from_millis(500), "seen on the other server after {seen:?}");
    // a refused import's marked workbook, made on one, is handed out by the other
    let csv = "项目序号,月份,状态,进度（%）,本月投资（万元）\n12,2025-10,推进中,abc,0\n";
    let (status, body) = http(&addr, "POST", "/api/v1/imports", &zj, csv);
    assert_eq!(status, 422, "{body}");
    let link = serde_json::from_str::<Value>(&body).unwrap()["report"].as_str().expect("a marked workbook").to_string();
    let (status, workbook) = http(&addr_b, "GET", &link, &zj, "");
    assert!(status == 200 && workbook.starts_with("PK"), "{status}");
    assert_eq!(http(&addr_b, "GET", &link, &tf, "").0, 404, "for the user who imported only");
    // the contacts and the digest, while both servers already run their rounds
    assert_eq!(http(&addr, "PUT", "/api/v1/me/contact", &zj, r#"{"email":"zj@zhujian.example.gov.cn","channel":"mail"}"#).0, 200);
    assert_eq!(http(&addr, "PUT", "/api/v1/me/contact", &tf, r#"{"email":"tf@sthjj.example.gov.cn","channel":"mail"}"#).0, 200);
    assert_eq!(http(&addr, "PUT", "/api/v1/reminder-settings", &tf, r#"{"days_before":3,"escalate_after":5,"digest_weekday":1}"#).0, 200);
    let owed: Value = serde_json::from_str(&http(&addr, "GET", "/api/v1/reminders", &zj, "").1).unwrap();
    let expected = owed.as_array().unwrap().len();
    assert!(expected >= 1, "{owed}");
    // until every reminder came, and a few rounds more
    let start = Instant::now();
    while mails.lock().unwrap().len() < expected + 1 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(4));
    let got = mails.lock().unwrap().clone();
    let to = |who: &str| got.iter().filter(|(t, _)| t == who).map(|(_, s)| s.clone()).collect::<Vec<_>>();
    let to_zj = to("zj@zhujian.example.gov.cn");
    assert_eq!(to_zj.len(), expected, "each reminder once: {got:?}");
    let distinct: std::collections::BTreeSet<&String> = to_zj.iter().collect();
    assert_eq!(distinct.len(), expected, "no reminder twice: {to_zj:?}");
    assert_eq!(to("tf@sthjj.example.gov.cn").len(), 1, "one digest this week: {got:?}");
    // the sent log says the same
    let sent: Value = serde_json::from_str(&http(&addr, "GET", "/api/v1/reminders/sent", &tf, "").1).unwrap();
    let sent = sent.as_array().unwrap();
    assert_eq!(sent.len(), expected + 1, "{sent:?}");
    assert!(sent.iter().all(|r| r["status"] == "sent" && r["attempts"] == 1), "{sent:?}");
    for c in [&mut a, &mut b] {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    // a server started after them, once their lease has lapsed (here: removed): nothing again
    assert_eq!(rt.block_on(db.execute("DELETE FROM scheduler_leases WHERE name = 'reminders'")), 1);
    let (mut c, _) = serve(&dir, &url, &smtp);
    std::thread::sleep(Duration::from_secs(3));
    c.kill().unwrap();
    c.wait().unwrap();
    assert_eq!(mails.lock().unwrap().len(), got.len(), "nothing twice after a restart");
    let _ = std::fs::remove_dir_all(&dir);
    rt.block_on(db.cleanup());
}
