//! A newcomer's first minute: the README's first command (`ecociv demo`) in a fresh folder
//! gives a try-out whose sign-in page shows the accounts, and every page has data for each of
//! them; `ecociv serve` on an empty folder prints a setup address that makes the first
//! administrator once.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecociv"));
    for v in ["ECOCIV_DATA_DIR", "ECOCIV_DATABASE_URL", "ECOCIV_CONFIG", "ECOCIV_TODAY", "ECOCIV_ADDR", "ECOCIV_PDF_FONT", "ECOCIV_TRAIL_KEY"] {
        c.env_remove(v);
    }
    c
}

fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecociv_first_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A server started in `dir` with `args`, and the lines it printed up to its address.
struct Server {
    child: Child,
    addr: String,
    printed: Vec<String>,
    /// Kept open: the server may still print.
    _out: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(dir: &PathBuf, args: &[&str]) -> Server {
        let mut child = bin().current_dir(dir).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut printed = Vec::new();
        let addr = loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "the server stopped: {printed:?}");
            printed.push(line.clone());
            if let Some(rest) = line.strip_prefix("ecociv: http://") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        Server { child, addr, printed, _out: out }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange over a plain socket: (status, head and body).
fn http(addr: &str, method: &str, path: &str, cookie: &str, form: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", form.len()));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    (text.split(' ').nth(1).unwrap().parse().unwrap(), text)
}

/// The session cookie a sign-in answer sets.
fn session_of(answer: &str) -> String {
    answer.lines().find_map(|l| l.strip_prefix("set-cookie: ")).and_then(|c| c.split(';').next()).unwrap_or_default().to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

fn enc(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The texts of the elements with `class` on a page.
fn texts_of(page: &str, class: &str) -> Vec<String> {
    page.split(&format!("class=\"{class}\">")).skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect()
}

#[test]
fn the_try_out_shows_its_accounts_and_every_page_has_data() {
    let dir = folder("demo");
    let server = Server::start(&dir, &["demo", "--addr", "127.0.0.1:0"]);
    let addr = server.addr.clone();
    assert!(dir.join("ecociv-demo").join("ecociv.db").is_file(), "the try-out has its own folder");
    // the sign-in page shows the accounts and their password
    let (status, login) = http(&addr, "GET", "/login", "", "");
    assert_eq!(status, 200);
    let names = texts_of(&login, "try-out-name");
    assert_eq!(names.len(), 6, "one account per role: {names:?}");
    let password = login.split("id=\"try-out-password\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(!password.is_empty());
    assert!(login.contains("id=\"example-banner\""), "the example mark on the sign-in page");
    for name in &names {
        let (status, answer) = http(&addr, "POST", "/login", "", &form(&[("name", name), ("password", &password), ("back", "/entry")]));
        assert_eq!(status, 303, "{name} signs in with the password shown: {answer}");
        let cookie = session_of(&answer);
        assert!(!cookie.is_empty(), "{answer}");
        for page in ["/", "/indicators", "/indicators/7.1", "/projects", "/dashboard", "/dashboard/projects", "/entry", "/public", "/bulletin", "/reports"] {
            let (status, body) = http(&addr, "GET", page, &cookie, "");
            assert_eq!(status, 200, "{name} {page}");
            assert!(body.contains("id=\"example-banner\""), "{name} {page}: every page says its data are examples");
            // the public portal is the same for everyone; every other page knows who is there
            assert!(page == "/public" || body.contains(&format!(">{name} ·")), "{name} {page}: signed in");
        }
    }
    // the task force sees every page with data
    let (_, answer) = http(&addr, "POST", "/login", "", &form(&[("name", "demo-taskforce"), ("password", &password)]));
    let tf = session_of(&answer);
    let page = |p: &str| {
        let (status, body) = http(&addr, "GET", p, &tf, "");
        assert_eq!(status, 200, "{p}");
        body
    };
    // the press figures of Hohhot beside made-up values (each entry's comment says which, see
    // ecociv_app::tryout's tests; the banner says it on every page)
    let air = page("/indicators/7.1");
    assert!(air.contains("2020: 80.3") && air.contains("2022: 90.1"), "the press-reported good-day ratios");
    // every example value marked as such beside it: the press figures, and the made-up ones
    assert!(air.contains("2020: 80.3<small class=\"example-mark\">（示例：公开报道的数字）</small>"), "the press figure marked");
    assert!(air.contains("（示例：虚构）"), "a made-up value marked");
    let dashboard = page("/dashboard");
    assert!(dashboard.contains("已达标"), "indicator status from approved values");
    let portfolio = page("/dashboard/projects");
    assert!(!portfolio.contains(">0.00<") || portfolio.contains("万元"), "investment reported");
    let bulletin = page("/bulletin");
    assert!(bulletin.contains("本月应报送项目") && bulletin.contains("未按时报送"), "the month before has reports and gaps");
    let assessment = page("/assessment");
    assert!(assessment.contains("按时报送"), "the quarter's scores have facts");
    let todo = page("/entry");
    assert!(todo.contains("待审核") || todo.contains("审核"), "the task force has decisions to make");
    let readiness = page("/readiness");
    assert!(readiness.contains("7.1"), "readiness by indicator");
    // a document says it was made from example data
    let (status, doc) = http(&addr, "GET", "/reports/bulletin/2025-05.docx", &tf, "");
    assert_eq!(status, 200, "{}", &doc[..doc.len().min(400)]);
    drop(server);

    // a second start changes nothing and shows the same accounts
    let server = Server::start(&dir, &["demo", "--addr", "127.0.0.1:0"]);
    assert!(server.printed.iter().any(|l| l.contains("(0 entries made now)")), "{:?}", server.printed);
    let (_, login) = http(&server.addr, "GET", "/login", "", "");
    assert_eq!(texts_of(&login, "try-out-name"), names);
    drop(server);

    // a real installation's folder is never filled with examples
    let real = folder("demo_real");
    let o = bin().current_dir(&real).args(["migrate"]).output().unwrap();
    assert!(o.status.success());
    let server = Server::start(&real, &["serve", "--addr", "127.0.0.1:0"]);
    drop(server);
    let o = bin().current_dir(&real).args(["demo", "--data-dir", "ecociv-data", "--addr", "127.0.0.1:0"]).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not_a_try_out") || err.contains("real data"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(real);
}

#[test]
fn serve_on_an_empty_folder_prints_a_setup_address_that_makes_the_first_admin_once() {
    let dir = folder("setup");
    let server = Server::start(&dir, &["serve", "--addr", "127.0.0.1:0", "--today", "2024-06-15"]);
    let addr = server.addr.clone();
    let line = server.printed.iter().find(|l| l.contains("/setup/")).unwrap_or_else(|| panic!("a setup address: {:?}", server.printed));
    let path = format!("/setup/{}", line.split("/setup/").nth(1).unwrap().split_whitespace().next().unwrap());
    // the sign-in page says there is no account and where the first one is made
    let (_, login) = http(&addr, "GET", "/login", "", "");
    assert!(login.contains("id=\"no-account\""), "{login}");
    assert!(!login.contains("try-out-accounts") && !login.contains("example-banner"), "a real installation is no try-out");
    // a wrong token is refused; the right one shows the form with the plan's departments
    assert_eq!(http(&addr, "GET", "/setup/0123456789abcdef", "", "").0, 404);
    let (status, page) = http(&addr, "GET", &path, "", "");
    assert_eq!(status, 200);
    assert!(page.contains("<option value=\"市生态环境局\""), "departments offered");
    // a guessable password or an org unit outside the plan is refused, and the address stays open
    let weak = form(&[("name", "zhang"), ("org", "市生态环境局"), ("password", "Password123"), ("confirm", "Password123")]);
    let (status, page) = http(&addr, "POST", &path, "", &weak);
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("value=\"zhang\""), "what was typed comes back");
    let unknown = form(&[("name", "zhang"), ("org", "专班"), ("password", "Lvse-Hohhot-9x7q"), ("confirm", "Lvse-Hohhot-9x7q")]);
    assert_eq!(http(&addr, "POST", &path, "", &unknown).0, 422);
    // the right form makes the administrator and signs in
    let good = form(&[("name", "zhang"), ("org", "市生态环境局"), ("password", "Lvse-Hohhot-9x7q"), ("confirm", "Lvse-Hohhot-9x7q")]);
    let (status, answer) = http(&addr, "POST", &path, "", &good);
    assert_eq!(status, 303, "{answer}");
    let cookie = session_of(&answer);
    let (status, me) = http(&addr, "GET", "/api/v1/me", &cookie, "");
    assert_eq!(status, 200);
    assert!(me.contains("\"role\":\"admin\"") && me.contains("\"name\":\"zhang\""), "{me}");
    // once used, the address is closed, and the sign-in page no longer says there is no account
    assert_eq!(http(&addr, "GET", &path, "", "").0, 404);
    let other = form(&[("name", "li"), ("org", "市生态环境局"), ("password", "Lvse-Hohhot-9x7q"), ("confirm", "Lvse-Hohhot-9x7q")]);
    assert_eq!(http(&addr, "POST", &path, "", &other).0, 404);
    assert!(!http(&addr, "GET", "/login", "", "").1.contains("id=\"no-account\""));
    drop(server);
    // a restart with an account prints no setup address
    let server = Server::start(&dir, &["serve", "--addr", "127.0.0.1:0"]);
    assert!(server.printed.iter().all(|l| !l.contains("/setup/")), "{:?}", server.printed);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// The CSRF token of a signed-in page (the hidden field of its forms).
fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

#[test]
fn accounts_are_managed_in_the_browser_and_a_temporary_password_is_changed_first() {
    let dir = folder("users");
    // the command line names the valid org units when one is not
    let add = |name: &str, org: &str, role: &str| {
        let mut c = bin()
            .current_dir(&dir)
            .args(["user", "add", name, "--org", org, "--role", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(b"Lvse-Hohhot-9x7q\n").unwrap();
        c.wait_with_output().unwrap()
    };
    let o = add("zhuanban", "专班", "task_force");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("市生态环境局"), "the valid org units are listed: {err}");
    assert!(add("zhuanban", "市生态环境局", "task_force").status.success());
    let server = Server::start(&dir, &["serve", "--addr", "127.0.0.1:0", "--today", "2024-06-15"]);
    let addr = server.addr.clone();
    let (_, answer) = http(&addr, "POST", "/login", "", &form(&[("name", "zhuanban"), ("password", "Lvse-Hohhot-9x7q")]));
    let tf = session_of(&answer);
    let (status, page) = http(&addr, "GET", "/users", &tf, "");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"users-link\"") && page.contains("<option value=\"和林格尔县\""), "org units offered from the plan");
    let csrf = csrf_of(&page);
    // an unknown org unit comes back with what was typed and the valid ones
    let (status, page) = http(&addr, "POST", "/users", &tf, &form(&[("csrf", &csrf), ("name", "wang/1"), ("org", "林草"), ("role", "department")]));
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("市林草局") && page.contains("value=\"wang/1\""), "{page}");
    // added: the temporary password is shown once
    let (status, page) = http(&addr, "POST", "/users", &tf, &form(&[("csrf", &csrf), ("name", "wang/1"), ("org", "市林草局"), ("role", "department")]));
    assert_eq!(status, 200, "{page}");
    let password = page.split("Tmp-").nth(1).map(|p| format!("Tmp-{}", &p[..19])).expect("a temporary password");
    assert!(page.contains("action=\"/users/wang%2F1\""), "the name as a path segment");
    // the new user must change it before anything else
    let (status, answer) = http(&addr, "POST", "/login", "", &form(&[("name", "wang/1"), ("password", &password), ("back", "/entry")]));
    assert_eq!(status, 303);
    let wang = session_of(&answer);
    let (status, answer) = http(&addr, "GET", "/entry", &wang, "");
    assert_eq!(status, 303);
    assert!(answer.contains("location: /account/password"), "{answer}");
    assert_eq!(http(&addr, "GET", "/api/v1/me", &wang, "").0, 403);
    let (_, page) = http(&addr, "GET", "/account/password", &wang, "");
    assert!(page.contains("id=\"must-change\""));
    // a guessable one is refused here as everywhere
    let guessable = form(&[("csrf", &csrf_of(&page)), ("current", &password), ("new", "Password123"), ("confirm", "Password123")]);
    assert_eq!(http(&addr, "POST", "/account/password", &wang, &guessable).0, 422);
    let change = form(&[("csrf", &csrf_of(&page)), ("current", &password), ("new", "Qing-Cheng-Hei-He-42"), ("confirm", "Qing-Cheng-Hei-He-42")]);
    let (status, answer) = http(&addr, "POST", "/account/password", &wang, &change);
    assert_eq!(status, 200, "{answer}");
    let wang = session_of(&answer);
    assert_eq!(http(&addr, "GET", "/entry", &wang, "").0, 200, "free to work once changed");
    // disabled by the task force: the session ends at once
    let (status, _) = http(&addr, "POST", "/users/wang%2F1", &tf, &form(&[("csrf", &csrf), ("action", "disable")]));
    assert_eq!(status, 200);
    assert_eq!(http(&addr, "GET", "/entry", &wang, "").0, 303, "signed out");
    let (status, page) = http(&addr, "POST", "/login", "", &form(&[("name", "wang/1"), ("password", "Qing-Cheng-Hei-He-42")]));
    assert_eq!(status, 401);
    assert!(page.contains("已被停用"), "{page}");
    // a department's user sees no accounts page
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
