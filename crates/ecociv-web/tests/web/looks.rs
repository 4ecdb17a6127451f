//! Every page as each role sees it, in Chromium at a desktop size (1400×900) and a phone's
//! (390×844), on the try-out's data: no console error, no control whose text is invisible
//! against its background (contrast under 3:1, as WCAG asks of large text and controls), and
//! nothing that wraps one character per line. Skipped like the dashboards' browser test when
//! Chromium is missing, except under `CI=true`. A failure saves a screenshot beside the report.

use ecociv_app::App;
use ecociv_app::tryout;
use ecociv_store::testdb::TestDb;
use ecociv_web::{AppState, router};
use serde_json::json;

use super::browser::{Driver, start_browser, wd};

/// The script that names what looks wrong on the page: controls without contrast, and text
/// squeezed to one character per line.
const INSPECT: &str = r#"
const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
const bad = [];
for (const el of document.querySelectorAll('a, button, label, select, input[type=submit], th, h1, h2, nav a, header span')) {
  const text = (el.innerText || el.value || '').trim();
  if (!text || !visible(el)) continue;
  const fg = parse(getComputedStyle(el).color); const bg = background(el);
  if (fg) { const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x); const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 3) bad.push('contrast ' + ratio.toFixed(2) + ': <' + el.tagName.toLowerCase() + '> ' + text.slice(0, 30)); }
  const r = el.getBoundingClientRect(); const size = parseFloat(getComputedStyle(el).fontSize);
  if (text.length >= 2 && !/\s/.test(text.slice(0, 2)) && r.width < size * 1.6 && r.height > size * 2.6) bad.push('one character per line: <' + el.tagName.toLowerCase() + '> ' + text.slice(0, 30));
}
return bad;
"#;

/// The script that checks the schedule's bars stand across their projects' years.
const BARS: &str = r#"
const bad = [];
const years = [...document.querySelectorAll('table.schedule .scale span')].map(s => +s.innerText);
const first = years[0], span = years.length;
const bars = document.querySelectorAll('table.schedule .bar');
if (!bars.length) bad.push('no bars');
for (const bar of bars) {
  const track = bar.ownerSVGElement.getBoundingClientRect(); const r = bar.getBoundingClientRect();
  const [a, b] = bar.dataset.years ? bar.dataset.years.split('–').map(Number) : [first, first + span - 1];
  const at = (r.left - track.left) / track.width, wide = r.width / track.width;
  if (Math.abs(at - (a - first) / span) > 0.01 || Math.abs(wide - (b - a + 1) / span) > 0.01) bad.push('bar of ' + bar.closest('tr').id + ' at ' + at.toFixed(3) + ', ' + wide.toFixed(3) + ' wide, for ' + a + '–' + b);
}
return bad;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_for_every_role_looks_right_on_a_desktop_and_a_phone() {
    let db = TestDb::sqlite().await;
    let Some(browser) = tokio::task::spawn_blocking(start_browser).await.unwrap() else {
        db.cleanup().await;
        return;
    };
    let plan = ecociv_app::zones::embedded_plan().unwrap();
    let today = tryout::default_today(&plan);
    let app = App::new(db.store.clone(), Some(today), &plan.zone.code);
    let made = tryout::prepare(&app, today).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(AppState::of(app))).await.unwrap() });
    let shots = std::env::temp_dir().join("ecociv-looks");
    let mut problems = Vec::new();
    for account in &made.accounts {
        let cookie = {
            let (base, name) = (base.clone(), account.name.clone());
            tokio::task::spawn_blocking(move || super::browser::login_with(&base, &name, tryout::PASSWORD)).await.unwrap()
        };
        let mut pages =
            vec!["/", "/indicators", "/indicators/7", "/tasks", "/projects", "/projects/schedule", "/findings", "/public", "/dashboard", "/dashboard/projects"];
        pages.extend([
            "/entry",
            "/import",
            "/reports",
            "/assessment",
            "/readiness",
            "/bulletin",
            "/supervision",
            "/rectifications",
            "/reminders",
            "/account/password",
            "/observations/survey?indicator=35&year=2024",
        ]);
        if account.role.code() == "admin" || account.role.code() == "task_force" {
            pages.push("/users");
        }
        let b: &Driver = &browser;
        tokio::task::block_in_place(|| {
            b.sign_in(&base, &cookie);
            for (w, h) in [(1400, 900), (390, 844)] {
                wd(b.port, "POST", &format!("/session/{}/window/rect", b.session), Some(&json!({"width": w, "height": h})));
                for page in &pages {
                    b.go(&format!("{base}{page}"));
                    let mut found: Vec<String> =
                        b.run(INSPECT).as_array().cloned().unwrap_or_default().into_iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect();
                    found.extend(b.severe_logs().into_iter().map(|l| format!("console: {l}")));
                    // the schedule's bars across their projects' years, at either size
                    if *page == "/projects/schedule" {
                        found.extend(b.run(BARS).as_array().cloned().unwrap_or_default().into_iter().map(|v| v.as_str().unwrap_or_default().to_string()));
                    }
                    let signed_in = b.run("return document.getElementById('user') !== null").as_bool().unwrap_or(false);
                    if !signed_in && *page != "/public" {
                        found.push("not signed in".into());
                    }
                    // every signed-in page reaches the readiness and the bulletin from its menu
                    let menu = b.run("return ['readiness-link', 'bulletin-link'].every(id => document.getElementById(id) !== null)").as_bool().unwrap_or(false);
                    if signed_in && !menu {
                        found.push("no menu entry for /readiness or /bulletin".into());
                    }
                    if !found.is_empty() {
                        let name = format!("{}-{w}x{h}-{}.png", account.name, page.trim_start_matches('/').replace('/', "_"));
                        b.screenshot(&shots.join(&name));
                        problems.push(format!("{} {page} at {w}×{h} ({}): {found:?}", account.name, shots.join(&name).display()));
                    }
                }
            }
        });
    }
    drop(browser);
    db.cleanup().await;
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
