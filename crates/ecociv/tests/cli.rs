//! The `ecociv` command as a newcomer runs it: in a fresh folder, one command after another.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ecociv_store::testdb::TestDb;
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecociv"));
    for v in ["ECOCIV_DATA_DIR", "ECOCIV_DATABASE_URL", "ECOCIV_CONFIG", "ECOCIV_TODAY", "ECOCIV_ADDR", "ECOCIV_PDF_FONT"] {
        c.env_remove(v);
    }
    c
}

fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecociv_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn plan_export_holds_the_whole_plan() {
    let dir = folder("export");
    let o = run(&dir, &["plan", "export", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let inds = v["indicators"].as_array().unwrap();
    assert_eq!(inds.len(), 36);
    for i in inds {
        assert!(i["code"].is_string());
        assert!(i["lead_departments"].is_array());
        assert!(i["data_providers"].is_array());
        for k in ["printed", "rule", "deadline"] {
            assert!(!i["target"][k].is_null(), "{} target.{k}", i["code"]);
        }
        for s in i["sub_indicators"].as_array().unwrap() {
            assert!(s["code"].is_string() && s["target"]["rule"].is_string() && s["lead_departments"].is_array());
        }
    }
    let i7 = &inds[6];
    assert_eq!(i7["sub_indicators"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect::<Vec<_>>(), vec!["7.1", "7.2"]);
    assert_eq!(inds[35]["data_providers"][0], "市统计局");
    assert_eq!(v["tasks"].as_array().unwrap().len(), 37);
    assert_eq!(v["tasks"][26]["lead_departments"], serde_json::json!(["市林草局", "内蒙古自治区大青山管理局呼和浩特分局"]));
    assert!(v["tasks"][17]["lead_departments"].as_array().unwrap().is_empty());
    let projects = v["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 76);
    assert!(projects[0]["budget"].is_null(), "“-” is null");
    let b = &projects[3]["budget"];
    assert_eq!(
        (b["printed"].as_str(), b["unit"].as_str(), b["yi"].as_str(), b["doubtful"].as_bool()),
        (Some("1.052"), Some("亿元"), Some("1.052"), Some(false))
    );
    assert_eq!(projects[40]["budget"]["unit"], "万元");
    assert_eq!(projects[40]["budget"]["doubtful"], true);
    assert_eq!(projects[32]["implementers"], serde_json::json!(["市发改委", "市住建局"]));
    assert!(projects[7]["assessed_indicators"].is_array() && projects[7]["period"]["start"] == 2021);
    assert_eq!(v["phases"].as_array().unwrap().len(), 3);
    let f = &v["findings"][0];
    for k in ["code", "severity", "printed", "suggested"] {
        assert!(f[k].is_string(), "finding.{k}");
    }
    for k in ["table", "row", "field"] {
        assert!(f["place"][k].is_string(), "finding.place.{k}");
    }
    // the README states the total it gives
    let total: rust_decimal::Decimal = projects.iter().filter_map(|p| p["budget"]["yi"].as_str()).map(|s| s.parse::<rust_decimal::Decimal>().unwrap()).sum();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    assert!(readme.contains(&format!("**{total} 亿元**")), "README must state the total {total}");
    // a second command in the same folder shares the database and changes nothing
    assert!(dir.join("ecociv-data/ecociv.db").exists());
    let o2 = run(&dir, &["plan", "export", "--output", "plan.json"]);
    assert!(o2.status.success());
    assert_eq!(std::fs::read_to_string(dir.join("plan.json")).unwrap().trim(), stdout(&o).trim());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn plan_audit_lists_the_doubtful_points_with_their_place() {
    let dir = folder("audit");
    let o = run(&dir, &["plan", "audit"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("附件2 项目 41 · budget"), "{out}");
    assert!(out.contains("附件1 指标 20 · rule"));
    assert!(out.contains("主要工作任务 18 · lead_departments"));
    let o = run(&dir, &["plan", "audit", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = v.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    for c in ["budget_unit_doubtful", "period_missing", "name_variant", "correction", "domain_mismatch", "assumption", "lead_mismatch", "lead_missing"] {
        assert!(codes.contains(&c), "{c}");
    }
    assert!(!dir.join("ecociv-data").exists(), "audit touches no database");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_judges_a_valid_file_and_refuses_a_bad_one() {
    let dir = folder("check");
    std::fs::write(dir.join("ok.csv"), "\u{feff}indicator,year,value\n17,2020,0.50\n17,2025,0.44\n13,2025,未建立\n").unwrap();
    let o = run(&dir, &["check", "ok.csv", "--format", "json", "--lang", "en"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["errors"].as_array().unwrap().is_empty());
    let r = v["results"].as_array().unwrap();
    let find = |ind: &str, year: i64| r.iter().find(|x| x["indicator"] == ind && x["year"] == year).unwrap();
    assert_eq!(find("17", 2025)["status"], "met");
    assert_eq!(find("17", 2020)["status"], "not_applicable");
    assert_eq!(find("13", 2025)["status"], "not_met");
    assert!(find("13", 2025)["region"].is_null());
    assert_eq!(find("7.2", 2025)["status"], "no_data");
    assert!(r.iter().all(|x| x["indicator"].is_string() && x["reason_code"].is_string() && x["reason"].is_string()));
    assert!(!dir.join("ecociv-data").exists(), "check touches no database");

    std::fs::write(dir.join("bad.csv"), "indicator,year,value\n3,2024,二十\n").unwrap();
    let o = run(&dir, &["check", "bad.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.csv:2: 第2行 value"), "{}", stderr(&o));
    let o = run(&dir, &["check", "bad.csv", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["results"].as_array().unwrap().is_empty());
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["errors"][0]["column"], "value");
    assert_eq!(v["errors"][0]["value"], "二十");
    let o = run(&dir, &["check", "missing.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.csv"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn settings_follow_flag_environment_config_default() {
    let dir = folder("config");
    std::fs::write(dir.join("c.toml"), "today = \"2024-01-02\"\naddr = \"127.0.0.1:9000\"\n").unwrap();
    let show = |envs: &[(&str, &str)], args: &[&str]| {
        let mut c = bin();
        c.current_dir(&dir).arg("config").args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        stdout(&c.output().unwrap())
    };
    assert!(show(&[], &[]).contains("today = \"20"), "default is the real date");
    assert!(show(&[], &[]).contains("ecociv-data/ecociv.db"));
    assert!(show(&[], &["--config", "c.toml"]).contains("today = \"2024-01-02\""));
    assert!(show(&[("ECOCIV_CONFIG", "c.toml")], &[]).contains("addr = \"127.0.0.1:9000\""));
    assert!(show(&[("ECOCIV_TODAY", "2024-03-04")], &["--config", "c.toml"]).contains("today = \"2024-03-04\""));
    assert!(show(&[("ECOCIV_TODAY", "2024-03-04")], &["--config", "c.toml", "--today", "2025-05-06"]).contains("today = \"2025-05-06\""));
    assert!(show(&[], &["--data-dir", "elsewhere"]).contains("elsewhere/ecociv.db"));
    std::fs::write(dir.join("d.toml"), "today = 2024-02-01\n").unwrap();
    assert!(show(&[], &["--config", "d.toml"]).contains("today = \"2024-02-01\""), "a TOML date is a date");
    assert!(!dir.join("ecociv-data").exists(), "config creates nothing");
    let o = bin().current_dir(&dir).args(["config", "--today", "24-01-01"]).output().unwrap();
    assert!(!o.status.success());
    let o = bin().current_dir(&dir).args(["check", "x.csv", "--lang", "fr"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "a bad flag is a usage error");
    let o = bin().current_dir(&dir).args(["check", "x.csv", "--config", "/nonexistent.toml"]).output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nonexistent"));
    let o = bin().current_dir(&dir).args(["config", "--today", "2024-02-30"]).output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("2024-02-30"));
    std::fs::write(dir.join("bad.toml"), "colour = 1\n").unwrap();
    let o = bin().current_dir(&dir).args(["config", "--config", "bad.toml"]).output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("bad.toml"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Reads one HTTP/1.1 response over a plain socket.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    (status, text)
}

#[test]
fn serve_starts_with_the_plan_loaded() {
    let dir = folder("serve");
    let mut child =
        bin().current_dir(&dir).args(["serve", "--addr", "127.0.0.1:0", "--today", "2024-06-01"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    // the address is on the line `ecociv: http://…` (a first run prints its setup address before)
    let line = BufReader::new(child.stdout.take().unwrap()).lines().map(|l| l.unwrap()).find(|l| l.starts_with("ecociv: http://")).expect("the address");
    let addr = line.split("http://").nth(1).expect("the address").split_whitespace().next().unwrap().to_string();
    let (status, body) = http_get(&addr, "/healthz");
    assert_eq!(status, 200);
    assert!(body.contains("\"today\":\"2024-06-01\""), "{body}");
    let (status, body) = http_get(&addr, "/indicators");
    assert_eq!(status, 200);
    assert!(body.contains("生态文明建设规划"));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn commands_run_on_postgresql() {
    let Some(db) = tokio::runtime::Runtime::new().unwrap().block_on(TestDb::postgres()) else { return };
    let dir = folder("pg");
    let o = run(&dir, &["--database-url", &db.url, "migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&dir, &["--database-url", &db.url, "plan", "export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["projects"].as_array().unwrap().len(), 76);
    assert!(!dir.join("ecociv-data").exists(), "the database URL wins over the data folder");
    tokio::runtime::Runtime::new().unwrap().block_on(db.cleanup());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn users_tokens_and_audit_verify() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::sqlite());
    let dir = folder("audit_verify");
    let with_stdin = |args: &[&str], input: &str| {
        let mut c = bin()
            .current_dir(&dir)
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    let o = with_stdin(&["user", "add", "zhang", "--org", "和林", "--role", "region"], "Correct-horse-9\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("和林格尔县"), "an alias names the org unit");
    let o = with_stdin(&["user", "add", "weak", "--org", "市林草局", "--role", "department"], "short\n");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("10"));
    let o = with_stdin(&["user", "add", "wrongkind", "--org", "市林草局", "--role", "region"], "Correct-horse-9\n");
    assert!(!o.status.success(), "a region role needs a region");
    let o = with_stdin(&["user", "add", "nobody", "--org", "市不存在局", "--role", "department"], "Correct-horse-9\n");
    assert!(stderr(&o).contains("市不存在局"));
    let o = with_stdin(&["user", "add", "zhang", "--org", "和林", "--role", "region"], "Correct-horse-9\n");
    assert!(!o.status.success(), "the name is taken");
    let o = with_stdin(&["token", "create", "--user", "zhang"], "");
    let token = stdout(&o).split_whitespace().last().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert!(rt.block_on(db.store.token(&ecociv_app::accounts::fingerprint(&token))).unwrap().is_some());
    let o = with_stdin(&["token", "revoke", "--user", "zhang"], "");
    assert!(stdout(&o).contains("1 token"));
    assert!(rt.block_on(db.store.token(&ecociv_app::accounts::fingerprint(&token))).unwrap().is_none());
    let o = with_stdin(&["audit", "verify"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("chain intact"));
    // the heads were signed by each command that wrote, with the key beside the data folder
    assert!(stdout(&o).contains("signed up to event"), "{}", stdout(&o));
    let key = stdout(&with_stdin(&["audit", "key"], "")).trim().to_string();
    assert_eq!(key.len(), 130, "an SM2 public key, uncompressed SEC1 in hex: {key}");
    assert!(dir.join("ecociv-data.trail-key").exists() && dir.join("ecociv-data.trail-key.heads").exists());
    let o = with_stdin(&["audit", "verify", "--public-key", &key], "");
    assert_eq!(o.status.code(), Some(0), "the public half alone checks the signatures: {}", stdout(&o));
    let o = with_stdin(&["audit", "verify", "--public-key", &format!("04{}", &key[2..].replace('a', "b"))], "");
    assert_eq!(o.status.code(), Some(1), "another key: {}", stdout(&o));
    // someone raises a role in the database directly
    rt.block_on(db.execute("UPDATE users SET role = 'task_force' WHERE name = 'zhang'"));
    let o = with_stdin(&["audit", "verify"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("TAMPERED user zhang") && stdout(&o).contains("role"), "{}", stdout(&o));
    rt.block_on(db.execute("UPDATE users SET role = 'region' WHERE name = 'zhang'"));
    rt.block_on(db.execute("DELETE FROM trail WHERE seq = 2"));
    let o = with_stdin(&["audit", "verify"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("BROKEN at event 3"), "{}", stdout(&o));
    // the whole trail erased, its heads and signatures too: the log beside the key remembers
    for table in ["trail", "trail_heads", "trail_signatures"] {
        rt.block_on(db.execute(&format!("DELETE FROM {table}")));
    }
    let o = with_stdin(&["audit", "verify"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("cut or erased") && !stdout(&o).contains("no events yet"), "{}", stdout(&o));
    rt.block_on(db.cleanup());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn export_writes_the_annexes_and_refuses_bad_arguments() {
    let dir = folder("table_export");
    let o = run(&dir, &["export", "annex2", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 77, "a header and the 76 projects");
    let o = run(&dir, &["export", "annex1", "--output", "annex1.xlsx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(dir.join("annex1.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    let o = run(&dir, &["export", "annex1"]);
    assert!(!o.status.success() && stderr(&o).contains("--output"), "{}", stderr(&o));
    let o = run(&dir, &["export", "dispatch", "--format", "json", "--project", "77"]);
    assert!(!o.status.success() && stderr(&o).contains("1–76"), "{}", stderr(&o));
    let o = run(&dir, &["export", "annex1", "--format", "csv", "--project", "16"]);
    assert!(!o.status.success() && stderr(&o).contains("dispatch history only"), "{}", stderr(&o));
    let o = run(&dir, &["export", "dispatch", "--format", "csv", "--project", "16", "--region", "托县"]);
    assert!(!o.status.success() && stderr(&o).contains("one of them"), "{}", stderr(&o));
    let o = run(&dir, &["export", "dispatch", "--format", "json", "--region", "北京"]);
    assert!(!o.status.success() && stderr(&o).contains("北京"), "{}", stderr(&o));
    let o = run(&dir, &["export", "dispatch", "--format", "json", "--lang", "en"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(serde_json::from_str::<Value>(&stdout(&o)).unwrap(), serde_json::json!([]), "nothing reported yet");
}

#[test]
fn template_writes_a_workbook_for_an_org_unit_and_period() {
    let dir = folder("template");
    let o = run(&dir, &["template", "dispatch", "--org", "市住建局", "--period", "2024-05", "--output", "t.xlsx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(dir.join("t.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    let o = run(&dir, &["template", "observations", "--org", "市统计局", "--period", "2024", "--output", "o.xlsx", "--lang", "en"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (args, says) in [
        (vec!["template", "dispatch", "--org", "北京市", "--period", "2024-05", "--output", "x.xlsx"], "北京市"),
        (vec!["template", "dispatch", "--org", "市住建局", "--period", "2024", "--output", "x.xlsx"], "YYYY-MM"),
        (vec!["template", "observations", "--org", "市住建局", "--period", "2024-05", "--output", "x.xlsx"], "a year"),
        (vec!["template", "observations", "--org", "托克托县", "--period", "2024", "--output", "x.xlsx"], "nothing to fill"),
        (vec!["--today", "2024-06-10", "template", "observations", "--org", "市住建局", "--period", "2026", "--output", "x.xlsx"], "2020 to 2024"),
        (vec!["--today", "2024-06-10", "template", "dispatch", "--org", "市住建局", "--period", "2024-07", "--output", "x.xlsx"], "not after 2024-06"),
    ] {
        let o = run(&dir, &args);
        assert!(!o.status.success() && stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    assert!(!dir.join("x.xlsx").exists(), "no file written on error");
}

#[test]
fn import_acts_with_the_users_rights_and_stores_all_or_nothing() {
    let dir = folder("import");
    let mut add = bin().current_dir(&dir).args(["user", "add", "zj", "--org", "市住建局", "--role", "department"]).stdin(Stdio::piped()).spawn().unwrap();
    add.stdin.take().unwrap().write_all(b"Correct-horse-9\n").unwrap();
    assert!(add.wait().unwrap().success());
    let at = |args: &[&str]| {
        let mut a = vec!["--today", "2024-06-10"];
        a.extend_from_slice(args);
        run(&dir, &a)
    };
    let table = |rows: &str| format!("项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n{rows}");
    // one bad row keeps the good one out; every problem named; the marked workbook written
    std::fs::write(dir.join("bad.csv"), table("12,2024-04,在建,10,100,1000\n12,2024年5月,在建,20,100,1150\n")).unwrap();
    let o = at(&["import", "bad.csv", "--as", "zj", "--report", "marked.xlsx"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("CSV 第3行 F 累计投资（万元）") && stderr(&o).contains("cumulative_mismatch"), "{}", stderr(&o));
    assert!(std::fs::read(dir.join("marked.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    std::fs::write(dir.join("good.csv"), table("12,2024-04,在建,10,100,1000\n12,2024年5月,在建,20,100,\n")).unwrap();
    let o = at(&["import", "good.csv", "--as", "zj"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已保存 2 条"), "{}", stdout(&o));
    let o = at(&["import", "good.csv", "--as", "zj", "--lang", "en"]);
    assert!(stdout(&o).contains("stored 0, unchanged 2"), "{}", stdout(&o));
    let o = at(&["export", "dispatch", "--format", "csv", "--project", "12"]);
    assert!(stdout(&o).contains("1100"), "the cumulative of May is in the store: {}", stdout(&o));
    // another unit's project, an unknown user
    std::fs::write(dir.join("other.csv"), table("3,2024-05,在建,10,100,1000\n")).unwrap();
    let o = at(&["import", "other.csv", "--as", "zj", "--lang", "en"]);
    assert!(o.status.code() == Some(2) && stderr(&o).contains("forbidden"), "{}", stderr(&o));
    let o = at(&["import", "good.csv", "--as", "nobody"]);
    assert!(!o.status.success() && stderr(&o).contains("nobody"), "{}", stderr(&o));
}

#[test]
fn reports_and_the_archive_from_the_command_line() {
    let dir = folder("reports");
    let at = |args: &[&str]| {
        let mut a = vec!["--today", "2024-06-10"];
        a.extend_from_slice(args);
        run(&dir, &a)
    };
    for (args, magic) in [
        (vec!["report", "technical", "--year", "2023", "--output", "t.docx"], &b"PK\x03\x04"[..]),
        (vec!["report", "technical", "--year", "2023", "--format", "pdf", "--output", "t.pdf"], &b"%PDF-"[..]),
        (vec!["report", "bulletin", "--month", "2024-05", "--format", "pdf", "--output", "b.pdf"], &b"%PDF-"[..]),
        (vec!["report", "assessment", "--quarter", "2024Q2", "--output", "a.docx", "--lang", "en"], &b"PK\x03\x04"[..]),
        (vec!["report", "work", "--year", "2023", "--output", "w.docx"], &b"PK\x03\x04"[..]),
        (vec!["archive", "--year", "2023", "--output", "archive.zip"], &b"PK\x03\x04"[..]),
    ] {
        let o = at(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let out = args[args.iter().position(|a| *a == "--output").unwrap() + 1];
        assert!(std::fs::read(dir.join(out)).unwrap().starts_with(magic), "{args:?}");
    }
    for (args, says) in [
        (vec!["report", "technical", "--output", "x.pdf"], "needs --year"),
        (vec!["report", "bulletin", "--month", "May", "--output", "x.pdf"], "not a period"),
        (vec!["report", "bulletin", "--month", "2024-09", "--output", "x.pdf"], "no such period"),
        (vec!["archive", "--year", "2031", "--output", "x.zip"], "a year from"),
        (vec!["--pdf-font", "missing.ttf", "report", "technical", "--year", "2023", "--format", "pdf", "--output", "x.pdf"], "missing.ttf"),
    ] {
        let o = at(&args);
        assert!(!o.status.success() && stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    assert!(!dir.join("x.pdf").exists() && !dir.join("x.zip").exists(), "no file on error");
}

#[test]
fn a_mistyped_sqlite_path_makes_no_folders() {
    let dir = folder("bad_path");
    let target = dir.join("no").join("such").join("place");
    let url = format!("sqlite://{}/ecociv.db", target.display());
    for args in [vec!["--database-url", url.as_str(), "migrate"], vec!["--database-url", url.as_str(), "audit", "verify"]] {
        let o = run(&dir, &args);
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr(&o).contains("no_such_folder") && stderr(&o).contains("no/such/place"), "{}", stderr(&o));
    }
    assert!(!dir.join("no").exists(), "nothing made");
    // the data folder (no URL given) is made when missing
    let o = run(&dir, &["--data-dir", "data", "migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("data/ecociv.db").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_signed_trail_is_signed_on_with_its_own_key_only() {
    let dir = folder("key_guard");
    let run_in = |args: &[&str]| bin().current_dir(&dir).args(args).output().unwrap();
    let o = run_in(&["migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&["plan", "export"]);
    assert!(o.status.success(), "the first command that opens the database signs its head: {}", stderr(&o));
    let key = dir.join("ecociv-data.trail-key");
    assert!(key.exists());
    // the key file gone: no new key is made, the command says which key signed before
    std::fs::rename(&key, dir.join("elsewhere.key")).unwrap();
    let o = run_in(&["plan", "export"]);
    assert!(!o.status.success() && stderr(&o).contains("trail_key_missing") && stderr(&o).contains("ecociv-data.trail-key"), "{}", stderr(&o));
    assert!(!key.exists(), "no new key made");
    // another key file is refused too; the right one, named, works
    assert!(run_in(&["--trail-key", "other.key", "audit", "key"]).status.success(), "a key of its own");
    let o = run_in(&["--trail-key", "other.key", "plan", "export"]);
    assert!(!o.status.success() && stderr(&o).contains("trail_key_other"), "{}", stderr(&o));
    let o = run_in(&["--trail-key", "elsewhere.key", "plan", "export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&["--trail-key", "elsewhere.key", "audit", "verify"]);
    assert!(o.status.success() && stdout(&o).contains("signed up to event"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(dir);
}

/// `ecociv framework`: the 2021→2024 city diff as the shared notes list it (§1.2 rows, §7.1
/// differences), and the ministry's table read from a workbook — a bad row refused at its row
/// and column, a good one written as the reviewed TOML, which reads back.
#[test]
fn frameworks_are_compared_and_read_from_the_ministrys_table() {
    let dir = folder("framework");
    let o = run(&dir, &["framework", "list"]);
    assert!(o.status.success() && stdout(&o).contains("2024-county") && stdout(&o).contains("in part"), "{}", stdout(&o));
    let o = run(&dir, &["framework", "diff", "2021-city", "2024-city", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let of = |kind: &str| d["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == kind).cloned().collect::<Vec<_>>();
    let codes = |rows: &Value| rows.as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(codes(&of("kept")[0]["old"]), ["3"]);
    assert_eq!(codes(&of("split")[0]["new"]), ["8.1", "8.2"]);
    let sewage = of("changed").into_iter().find(|c| c["old"][0]["code"] == "24").unwrap();
    assert_eq!(sewage["new"][0]["name"], "城市生活污水集中收集率");
    assert!(sewage["fields"].as_array().unwrap().iter().any(|f| f["field"] == "target" && f["old"] == "≥95" && f["new"] == "≥70"));
    assert_eq!(of("added").len(), 10);
    assert!(of("dropped").is_empty() && of("not_seen").iter().any(|c| c["old"][0]["code"] == "1"));
    let text = stdout(&run(&dir, &["framework", "diff", "2021-city", "2024-city"]));
    assert!(text.contains("未见  1 生态文明建设规划") && text.contains("新增  → 2 （名称未知）"), "{text}");
    let o = run(&dir, &["framework", "diff", "2021-city", "2030-city"]);
    assert!(!o.status.success() && stderr(&o).contains("2030-city"), "{}", stderr(&o));

    // the ministry's table, with one bad row (an attribute no table has)
    let table = |attribute: &str| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let rows: [[&str; 9]; 4] = [
            ["领域", "任务", "序号", "指标名称", "单位", "指标值", "指标属性", "适用范围", "对应上版序号"],
            ["目标责任", "（一）目标责任落实", "1", "生态文明建设工作占党政实绩考核的比例", "%", "≥20", "约束性", "县", "1"],
            ["生态安全", "（二）环境质量改善", "2", "环境空气质量：优良天数比例", "%", "≥90", attribute, "县", "4.1"],
            ["", "", "", "环境空气质量：PM2.5浓度", "μg/m³", "≤25", "约束性", "县", "4.2"],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    std::fs::write(dir.join("bad.xlsx"), table("强制性")).unwrap();
    let args = ["--code", "2024-county", "--name", "生态文明建设示范区（县）建设指标", "--level", "county", "--previous", "2024-city"];
    let o = run(&dir, &[&["framework", "import", "bad.xlsx"][..], &args].concat());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("第3行") && err.contains("G 指标属性") && err.contains("强制性") && err.contains("[bad_attribute]"), "{err}");
    std::fs::write(dir.join("good.xlsx"), table("参考性")).unwrap();
    let o = run(&dir, &[&["framework", "import", "good.xlsx", "--output", "county.toml"][..], &args].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = std::fs::read_to_string(dir.join("county.toml")).unwrap();
    assert!(toml.contains("code = \"2.2\"") && toml.contains("from = [\"4.2\"]") && toml.contains("attribute = \"reference\""), "{toml}");
    // a previous row that the previous revision lacks
    std::fs::write(dir.join("bad_from.xlsx"), table("参考性")).unwrap();
    let o = run(&dir, &["framework", "import", "bad_from.xlsx", "--code", "x", "--name", "x", "--level", "county", "--previous", "2019"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[unknown_previous_row]") && stderr(&o).contains("2019 中没有序号 4.1"), "{}", stderr(&o));
    let o = run(&dir, &[&["framework", "import", "county.toml"][..], &args].concat());
    assert!(o.status.success(), "the reviewed file reads back: {}", stderr(&o));
    assert_eq!(stdout(&o).trim(), toml.trim());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ecociv zone add DIR --parent`, `zone list`, `user add --zone`: a county added from its own
/// data files under its city, its users in it; a parent that does not exist refused.
#[test]
fn a_zone_is_added_from_its_data_files() {
    let dir = folder("zone_add");
    let county = dir.join("xincheng");
    std::fs::create_dir_all(&county).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/hohhot");
    for f in ["indicators.toml", "tasks.toml", "projects.toml"] {
        std::fs::copy(data.join(f), county.join(f)).unwrap();
    }
    let plan = std::fs::read_to_string(data.join("plan.toml")).unwrap().replace("code = \"hohhot-2023-2025\"", "code = \"xincheng-2023-2025\"").replace(
        "code = \"150100\"\nname = \"呼和浩特市\"\nname_en = \"Hohhot\"\nlevel = \"city\"",
        "code = \"150102\"\nname = \"新城区\"\nname_en = \"Xincheng District\"\nlevel = \"county\"",
    );
    std::fs::write(county.join("plan.toml"), plan).unwrap();
    let o = run(&dir, &["zone", "add", "xincheng", "--parent", "999999"]);
    assert!(!o.status.success() && stderr(&o).contains("999999"), "{}", stderr(&o));
    let o = run(&dir, &["zone", "add", "xincheng", "--parent", "150100"]);
    assert!(o.status.success() && stdout(&o).contains("zone 150102 新城区"), "{}{}", stdout(&o), stderr(&o));
    let list = stdout(&run(&dir, &["zone", "list"]));
    assert!(list.lines().any(|l| l.starts_with("150102") && l.contains("county") && l.contains("150100") && l.contains("新城区")), "{list}");
    let mut c = bin()
        .current_dir(&dir)
        .args(["user", "add", "xc-tf", "--org", "市生态环境局", "--role", "task_force", "--zone", "150102"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(b"Tamper-proof-rivers-9\n").unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ecociv plan next`: the draft of the next plan written as a data folder, its notes on
/// standard output in the chosen language; bad years, an unknown revision and a folder that
/// holds a plan already are refused, and the folder is left as it was.
#[test]
fn the_next_plan_is_drafted_into_a_folder() {
    let dir = folder("plan_next");
    let next = |extra: &[&str]| {
        let mut args = vec!["--today", "2026-01-15", "plan", "next", "--framework", "2024-city", "--output", "next"];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let o = next(&["--years", "2026-2030", "--lang", "en"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("indicator 1: continues the earlier indicator 3"), "{}", stdout(&o));
    for f in ["plan.toml", "indicators.toml", "tasks.toml", "projects.toml", "notes.txt"] {
        assert!(dir.join("next").join(f).exists(), "{f}");
    }
    let plan = std::fs::read_to_string(dir.join("next/plan.toml")).unwrap();
    assert!(plan.contains("[previous]\ncode = \"hohhot-2023-2025\"") && plan.contains("framework = \"2024-city\""), "{plan}");
    let o = next(&["--years", "2026-2030"]);
    assert!(!o.status.success() && stderr(&o).contains("plan_next_folder_taken"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("next/plan.toml")).unwrap(), plan);
    let o = next(&["--years", "2030"]);
    assert!(!o.status.success() && stderr(&o).contains("2026-2030"), "{}", stderr(&o));
    let o = run(&dir, &["--today", "2026-01-15", "plan", "next", "--framework", "2030-city", "--years", "2026-2030", "--output", "other"]);
    assert!(!o.status.success() && stderr(&o).contains("unknown_framework") && !dir.join("other").exists(), "{}", stderr(&o));

    // as one workbook: written once; issued as drafted, its first blank is refused at its sheet and row
    let o = next(&["--years", "2026-2030"]);
    assert!(!o.status.success());
    let book = |extra: &[&str]| {
        let mut args = vec!["--today", "2026-01-15", "plan", "next", "--framework", "2024-city", "--years", "2026-2030", "--output", "下一期.xlsx"];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let o = book(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(dir.join("下一期.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    let o = book(&[]);
    assert!(!o.status.success() && stderr(&o).contains("plan_next_book_taken"), "{}", stderr(&o));
    let o = run(&dir, &["--today", "2026-01-15", "plan", "issue", "下一期.xlsx"]);
    assert!(!o.status.success() && stderr(&o).contains("子指标: row ") && stderr(&o).contains("rule"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}
