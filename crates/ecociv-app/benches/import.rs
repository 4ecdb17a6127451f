//! Benchmark: a task force's bulk import of 100,000 monthly dispatch rows (a table without a
//! template signature) into a synthetic zone of 3,000 projects, as CSV and as `.xlsx`, against
//! the physical limit of the database for the same rows — one prepared INSERT per row in one
//! transaction on SQLite, COPY on PostgreSQL, no trail — each on a fresh database. Between
//! them, the store's own batch (`write_entries`, with the trail). Prints rows per second and
//! each as a ratio to the limit. Run with `cargo bench -p ecociv-app --bench import` (see `bench/README.md`).
//!
//!   ECOCIV_BENCH_ROWS=100000 ECOCIV_BENCH_PROJECTS=3000 (defaults)

use std::time::Instant;

use ecociv_app::App;
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::YearMonth;
use ecociv_core::model::Plan;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_core::record::{DispatchRecord, EntryState};
use ecociv_core::trail::TrailEvent;
use ecociv_store::testdb::TestDb;
use ecociv_store::{EntryWrite, trail};

const ZONE: &str = "SYN9001";
const FIRST_MONTH: YearMonth = YearMonth { year: 2023, month: 1 };
const TODAY: &str = "2025-12-20";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The embedded plan as a synthetic zone with `n` projects (the plan's 76 repeated, renumbered
/// and renamed 合成项目).
fn synthetic_plan(n: usize) -> Plan {
    let mut p = build_plan(&hohhot()).expect("the embedded plan");
    let base = p.projects.clone();
    p.projects = (0..n)
        .map(|i| {
            let mut project = base[i % base.len()].clone();
            project.number = i as u32 + 1;
            project.name = format!("合成项目{:05}（{}）", i + 1, project.name);
            project
        })
        .collect();
    p.zone.code = ZONE.into();
    p.zone.name = "合成数据示范区（导入基准）".into();
    p.zone.name_en = "Synthetic zone (import benchmark)".into();
    p.zone.parent = None;
    p.code = "synthetic-import-bench".into();
    p.title = format!("【合成数据】{}", p.title);
    p.content_hash = format!("synthetic-import-bench-{n}");
    p
}

/// One row: project, month, progress, this month's investment, the cumulative (first month only).
struct Row {
    project: u32,
    month: YearMonth,
    progress: u32,
    month_wan: u32,
    cumulative_wan: Option<u32>,
}

/// Rows project by project, month by month, until `count`.
fn rows(projects: usize, count: usize) -> Vec<Row> {
    let months = count.div_ceil(projects).max(1);
    let mut out = Vec::with_capacity(count);
    'all: for p in 1..=projects as u32 {
        let mut m = FIRST_MONTH;
        for k in 0..months as u32 {
            if out.len() == count {
                break 'all;
            }
            out.push(Row { project: p, month: m, progress: (k + 1).min(99), month_wan: 10 + p % 7, cumulative_wan: (k == 0).then_some(100) });
            m = m.next();
        }
    }
    out
}

const HEADER: [&str; 7] = ["项目序号", "月份", "状态", "进度（%）", "本月投资（万元）", "累计投资（万元）", "超预算说明"];

fn cells(r: &Row) -> [String; 7] {
    [
        r.project.to_string(),
        r.month.to_string(),
        "在建".into(),
        r.progress.to_string(),
        r.month_wan.to_string(),
        r.cumulative_wan.map(|c| c.to_string()).unwrap_or_default(),
        "合成数据".into(),
    ]
}

fn csv(rows: &[Row]) -> Vec<u8> {
    let mut s = HEADER.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&cells(r).join(","));
        s.push('\n');
    }
    s.into_bytes()
}

fn xlsx(rows: &[Row]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, text) in cells(r).iter().enumerate() {
            let row = i as u32 + 1;
            match text.parse::<f64>() {
                Ok(n) if c != 1 => ws.write_number(row, c as u16, n).map(|_| ()),
                _ if text.is_empty() => Ok(()),
                _ => ws.write_string(row, c as u16, text).map(|_| ()),
            }
            .expect("cell");
        }
    }
    wb.save_to_buffer().expect("workbook")
}

/// The records the import makes of the rows, built by hand.
fn records(plan: &Plan, rows: &[Row]) -> Vec<EntryWrite> {
    let mut cumulative = 0u32;
    rows.iter()
        .map(|r| {
            cumulative = r.cumulative_wan.unwrap_or(cumulative + r.month_wan);
            EntryWrite::NewDispatch(DispatchRecord {
                id: 0,
                zone: ZONE.into(),
                kind: "project".into(),
                subject: i64::from(r.project),
                org_unit: plan.project(r.project).expect("project").implementers[0].clone(),
                period: r.month.to_string(),
                status: "under_way".into(),
                progress_percent: r.progress.to_string(),
                investment_month_wan: r.month_wan.to_string(),
                investment_cumulative_wan: cumulative.to_string(),
                funding: String::new(),
                progress: String::new(),
                quantities: "[]".into(),
                benefits: String::new(),
                problems: String::new(),
                explanation: "合成数据".into(),
                state: EntryState::Submitted,
                late: true,
                submitted_by: "bench-tf".into(),
                submitted_at: ecociv_store::trail::now(),
                decided_by: String::new(),
                decided_at: String::new(),
                reason: String::new(),
                version: 0,
            })
        })
        .collect()
}

const COLUMNS: &str = "zone_code, kind, subject, period, status, progress_percent, investment_month_wan, investment_cumulative_wan, progress, \
     quantities, benefits, problems, explanation, state, late, submitted_by, submitted_at, decided_by, decided_at, reason, org_unit, version";

/// SQLite's limit: the bare SQLite library (the same build that sqlx links), one prepared
/// INSERT per row bound and stepped in one transaction, opened as the store opens SQLite (WAL,
/// synchronous NORMAL); no async runtime and no worker thread between the rows and SQLite.
/// With `trail`, each row's audit event too (the bytes an import must store besides the row),
/// from `events`.
fn prepared_inserts(url: &str, reports: &[&DispatchRecord], events: Option<&[TrailEvent]>) {
    use libsqlite3_sys as ffi;
    use std::ffi::CString;
    let file = ecociv_app::zones::sqlite_file(url).expect("a SQLite URL");
    let path = CString::new(file.to_str().expect("a UTF-8 path")).expect("path");
    // SAFETY: plain calls of the SQLite C API on a connection and statements owned here; every
    // pointer handed to SQLite lives until the call returns (bind_text copies: SQLITE_TRANSIENT).
    unsafe {
        let mut db = std::ptr::null_mut();
        assert_eq!(ffi::sqlite3_open_v2(path.as_ptr(), &mut db, ffi::SQLITE_OPEN_READWRITE, std::ptr::null()), ffi::SQLITE_OK, "open");
        let exec = |sql: &str| {
            let sql = CString::new(sql).expect("sql");
            assert_eq!(ffi::sqlite3_exec(db, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()), ffi::SQLITE_OK, "{sql:?}");
        };
        exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; BEGIN IMMEDIATE");
        let prepare = |sql: String| {
            let sql = CString::new(sql).expect("sql");
            let mut stmt = std::ptr::null_mut();
            assert_eq!(ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()), ffi::SQLITE_OK, "prepare {sql:?}");
            stmt
        };
        let text = |stmt, i: i32, s: &str| {
            assert_eq!(ffi::sqlite3_bind_text(stmt, i, s.as_ptr().cast(), s.len() as i32, ffi::SQLITE_TRANSIENT()), ffi::SQLITE_OK);
        };
        let int = |stmt, i: i32, v: i64| assert_eq!(ffi::sqlite3_bind_int64(stmt, i, v), ffi::SQLITE_OK);
        let step = |stmt| {
            assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_DONE, "insert");
            ffi::sqlite3_reset(stmt);
        };
        let insert = prepare(format!("INSERT INTO dispatch_reports ({COLUMNS}) VALUES ({})", (1..=22).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")));
        for d in reports {
            for (i, s) in [&d.zone, &d.kind].into_iter().enumerate() {
                text(insert, i as i32 + 1, s);
            }
            int(insert, 3, d.subject);
            let strings = [
                &d.period,
                &d.status,
                &d.progress_percent,
                &d.investment_month_wan,
                &d.investment_cumulative_wan,
                &d.progress,
                &d.quantities,
                &d.benefits,
                &d.problems,
                &d.explanation,
            ];
            for (i, s) in strings.into_iter().enumerate() {
                text(insert, i as i32 + 4, s);
            }
            text(insert, 14, d.state.code());
            int(insert, 15, i64::from(d.late));
            for (i, s) in [&d.submitted_by, &d.submitted_at, &d.decided_by, &d.decided_at, &d.reason, &d.org_unit].into_iter().enumerate() {
                text(insert, i as i32 + 16, s);
            }
            int(insert, 22, 1);
            step(insert);
        }
        ffi::sqlite3_finalize(insert);
        if let Some(events) = events {
            let insert = prepare(
                "INSERT INTO trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    .into(),
            );
            for e in events {
                text(insert, 1, &e.zone);
                int(insert, 2, e.seq);
                let strings = [&e.at, &e.actor, &e.action, &e.entity, &e.entity_id, &e.before, &e.after, &e.reason, &e.prev_hash, &e.hash];
                for (i, s) in strings.into_iter().enumerate() {
                    text(insert, i as i32 + 3, s);
                }
                step(insert);
            }
            ffi::sqlite3_finalize(insert);
        }
        exec("COMMIT");
        assert_eq!(ffi::sqlite3_close(db), ffi::SQLITE_OK, "close");
    }
}

/// CSV fields quoted for COPY.
fn csv_line(fields: &[&str]) -> String {
    let mut line = fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

/// PostgreSQL's limit: COPY of the same rows as CSV (and with `events`, of their audit events).
async fn copy_in(url: &str, reports: &[&DispatchRecord], events: Option<&[TrailEvent]>) {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let mut conn = pool.acquire().await.expect("a connection");
    let mut csv = String::with_capacity(reports.len() * 200);
    for d in reports {
        let (subject, late) = (d.subject.to_string(), if d.late { "true" } else { "false" });
        csv.push_str(&csv_line(&[
            &d.zone,
            &d.kind,
            &subject,
            &d.period,
            &d.status,
            &d.progress_percent,
            &d.investment_month_wan,
            &d.investment_cumulative_wan,
            &d.progress,
            &d.quantities,
            &d.benefits,
            &d.problems,
            &d.explanation,
            d.state.code(),
            late,
            &d.submitted_by,
            &d.submitted_at,
            &d.decided_by,
            &d.decided_at,
            &d.reason,
            &d.org_unit,
            "1",
        ]));
    }
    let mut copy = conn.copy_in_raw(&format!("COPY dispatch_reports ({COLUMNS}) FROM STDIN WITH (FORMAT csv)")).await.expect("copy");
    copy.send(csv.as_bytes()).await.expect("send");
    copy.finish().await.expect("finish");
    if let Some(events) = events {
        let mut csv = String::with_capacity(events.len() * 600);
        for e in events {
            let seq = e.seq.to_string();
            csv.push_str(&csv_line(&[
                &e.zone,
                &seq,
                &e.at,
                &e.actor,
                &e.action,
                &e.entity,
                &e.entity_id,
                &e.before,
                &e.after,
                &e.reason,
                &e.prev_hash,
                &e.hash,
            ]));
        }
        let mut copy = conn
            .copy_in_raw("COPY trail (zone_code, seq, at, actor, action, entity, entity_id, before_state, after_state, reason, prev_hash, hash) FROM STDIN WITH (FORMAT csv)")
            .await
            .expect("copy");
        copy.send(csv.as_bytes()).await.expect("send");
        copy.finish().await.expect("finish");
    }
    drop(conn);
    pool.close().await;
}

async fn fresh(postgres: bool, plan: &Plan) -> Option<TestDb> {
    let db = if postgres { TestDb::postgres().await? } else { TestDb::sqlite().await };
    db.store.load_plan(plan, "bench").await.expect("load the synthetic plan");
    Some(db)
}

/// The audit events the store writes for the rows (stored with ids 1, 2, … in a fresh
/// database), chained after the zone's head `last`.
fn events_of(reports: &[&DispatchRecord], mut last: Option<(i64, String)>) -> Vec<TrailEvent> {
    reports
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let id = i as i64 + 1;
            let stored = DispatchRecord { id, version: 1, ..(*d).clone() };
            let ev = trail::event(&d.zone, "bench-tf", "dispatch_report.submitted", "dispatch_report", &id.to_string(), "", &stored.state_json(), "");
            let ev = trail::chain(ev, last.take());
            last = Some((ev.seq, ev.hash.clone()));
            ev
        })
        .collect()
}

/// The database alone storing the rows (and with `trail`, their audit events too); seconds.
async fn limit(postgres: bool, plan: &Plan, reports: &[&DispatchRecord], trail: bool) -> Option<f64> {
    let db = fresh(postgres, plan).await?;
    let before = db.store.trail(ZONE).await.expect("trail");
    let events = trail.then(|| events_of(reports, before.last().map(|e| (e.seq, e.hash.clone()))));
    let start = Instant::now();
    if postgres {
        copy_in(&db.url, reports, events.as_deref()).await
    } else {
        prepared_inserts(&db.url, reports, events.as_deref())
    }
    let took = start.elapsed().as_secs_f64();
    assert_eq!(db.store.dispatch_reports(ZONE).await.expect("read back").len(), reports.len());
    let stored_events = db.store.trail(ZONE).await.expect("trail").len() - before.len();
    assert_eq!(stored_events, events.as_ref().map_or(0, Vec::len));
    db.cleanup().await;
    Some(took)
}

async fn run(postgres: bool, plan: &Plan, rows: &[Row], files: &[(&str, Vec<u8>)]) {
    let name = if postgres { "postgres" } else { "sqlite" };
    let n = rows.len() as f64;
    let writes = records(plan, rows);
    let reports: Vec<&DispatchRecord> = writes.iter().filter_map(|w| if let EntryWrite::NewDispatch(d) = w { Some(d) } else { None }).collect();
    // the limits: the same rows stored by the database alone, without and with their trail
    let Some(rows_only) = limit(postgres, plan, &reports, false).await else { return };
    let Some(with_trail) = limit(postgres, plan, &reports, true).await else { return };
    let line = |input: &str, took: f64| {
        println!("{name:<9} {input:<13} {:>8} {:>9.2} {:>9.0} {:>10.3} {:>10.3}", rows.len(), took, n / took, rows_only / took, with_trail / took);
    };
    let raw = if postgres { "copy" } else { "insert" };
    line(raw, rows_only);
    line(&format!("{raw}+trail"), with_trail);
    // the store's batch: the same rows as records, each with its trail event
    let Some(db) = fresh(postgres, plan).await else { return };
    let start = Instant::now();
    let stored = db.store.write_entries(ZONE, &writes, "bench-tf").await.expect("store batch");
    let took = start.elapsed().as_secs_f64();
    assert_eq!(stored, rows.len());
    db.cleanup().await;
    line("batch", took);
    for (format, bytes) in files {
        // of which reading the file into rows of text, before any row is checked
        let start = Instant::now();
        let filled = ecociv_report::import::read(bytes).expect("read");
        let read = start.elapsed().as_secs_f64();
        assert_eq!(filled.rows.len(), rows.len());
        drop(filled);
        let Some(db) = fresh(postgres, plan).await else { return };
        let state = App::new(db.store.clone(), Some(TODAY.parse().expect("date")), ZONE);
        let actor = Actor { name: "bench-tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
        let start = Instant::now();
        let r = ecociv_app::imports::import(&state, &actor, bytes).await.expect("import");
        let took = start.elapsed().as_secs_f64();
        assert!(r.ok(), "the import refused the rows: {:?}", &r.problems[..r.problems.len().min(5)]);
        assert_eq!(r.stored, rows.len());
        assert_eq!(db.store.dispatch_reports(ZONE).await.expect("read back").len(), rows.len());
        db.cleanup().await;
        line(format, took);
        line(" of it: read", read);
    }
}

fn main() {
    let count = env_or("ECOCIV_BENCH_ROWS", 100_000);
    let projects = env_or("ECOCIV_BENCH_PROJECTS", 3_000);
    let plan = synthetic_plan(projects);
    let rows = rows(projects, count);
    let files = [("csv", csv(&rows)), ("xlsx", xlsx(&rows))];
    println!("{count} dispatch rows of {projects} projects; files: csv {} KB, xlsx {} KB", files[0].1.len() / 1024, files[1].1.len() / 1024);
    println!("{:<9} {:<13} {:>8} {:>9} {:>9} {:>10} {:>10}", "database", "input", "rows", "seconds", "rows/s", "vs rows", "vs +trail");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        run(false, &plan, &rows, &files).await;
        run(true, &plan, &rows, &files).await;
    });
}
