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
use ecociv_store::EntryWrite;
use ecociv_store::testdb::TestDb;

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

/// SQLite's limit: one prepared INSERT per row, in one transaction, as the store opens SQLite.
async fn prepared_inserts(url: &str, reports: &[&DispatchRecord]) {
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .expect("url")
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("connect");
    let mut tx = pool.begin().await.expect("begin");
    let sql = format!("INSERT INTO dispatch_reports ({COLUMNS}) VALUES ({})", (1..=22).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "));
    for d in reports {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&d.zone)
            .bind(&d.kind)
            .bind(d.subject)
            .bind(&d.period)
            .bind(&d.status)
            .bind(&d.progress_percent)
            .bind(&d.investment_month_wan)
            .bind(&d.investment_cumulative_wan)
            .bind(&d.progress)
            .bind(&d.quantities)
            .bind(&d.benefits)
            .bind(&d.problems)
            .bind(&d.explanation)
            .bind(d.state.code())
            .bind(d.late)
            .bind(&d.submitted_by)
            .bind(&d.submitted_at)
            .bind(&d.decided_by)
            .bind(&d.decided_at)
            .bind(&d.reason)
            .bind(&d.org_unit)
            .bind(1_i64)
            .execute(&mut *tx)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    pool.close().await;
}

/// PostgreSQL's limit: COPY of the same rows as CSV.
async fn copy_in(url: &str, reports: &[&DispatchRecord]) {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let mut conn = pool.acquire().await.expect("a connection");
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = String::with_capacity(reports.len() * 200);
    for d in reports {
        let subject = d.subject.to_string();
        let late = if d.late { "true" } else { "false" };
        let fields = [
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
        ];
        let rest = [d.state.code(), late, &d.submitted_by, &d.submitted_at, &d.decided_by, &d.decided_at, &d.reason, &d.org_unit, "1"];
        let line: Vec<String> = fields.iter().map(|f| q(f)).chain(rest.iter().map(|f| q(f))).collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let mut copy = conn.copy_in_raw(&format!("COPY dispatch_reports ({COLUMNS}) FROM STDIN WITH (FORMAT csv)")).await.expect("copy");
    copy.send(csv.as_bytes()).await.expect("send");
    copy.finish().await.expect("finish");
    drop(conn);
    pool.close().await;
}

async fn fresh(postgres: bool, plan: &Plan) -> Option<TestDb> {
    let db = if postgres { TestDb::postgres().await? } else { TestDb::sqlite().await };
    db.store.load_plan(plan, "bench").await.expect("load the synthetic plan");
    Some(db)
}

async fn run(postgres: bool, plan: &Plan, rows: &[Row], files: &[(&str, Vec<u8>)]) {
    let name = if postgres { "postgres" } else { "sqlite" };
    let n = rows.len() as f64;
    let writes = records(plan, rows);
    // the limit: the same rows stored by the database alone
    let Some(db) = fresh(postgres, plan).await else { return };
    let reports: Vec<&DispatchRecord> = writes.iter().filter_map(|w| if let EntryWrite::NewDispatch(d) = w { Some(d) } else { None }).collect();
    let start = Instant::now();
    if postgres {
        copy_in(&db.url, &reports).await
    } else {
        prepared_inserts(&db.url, &reports).await
    }
    let raw = start.elapsed().as_secs_f64();
    assert_eq!(db.store.dispatch_reports(ZONE).await.expect("read back").len(), rows.len());
    db.cleanup().await;
    let limit = if postgres { "copy" } else { "insert" };
    println!("{name:<9} {limit:<6} {:>8} {:>10.2} {:>10.0} {:>8}", rows.len(), raw, n / raw, "1.000");
    // the store's batch: the same rows as records, each with its trail event
    let Some(db) = fresh(postgres, plan).await else { return };
    let start = Instant::now();
    let stored = db.store.write_entries(ZONE, &writes, "bench-tf").await.expect("store batch");
    let took = start.elapsed().as_secs_f64();
    assert_eq!(stored, rows.len());
    db.cleanup().await;
    println!("{name:<9} {:<6} {:>8} {:>10.2} {:>10.0} {:>8.3}", "batch", rows.len(), took, n / took, raw / took);
    for (format, bytes) in files {
        let Some(db) = fresh(postgres, plan).await else { return };
        let state = App::new(db.store.clone(), Some(TODAY.parse().expect("date")), ZONE);
        let actor = Actor { name: "bench-tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce };
        let start = Instant::now();
        let r = ecociv_app::imports::import(&state, &actor, bytes).await.expect("import");
        let took = start.elapsed().as_secs_f64();
        assert!(r.ok(), "the import refused the rows: {:?}", &r.problems[..r.problems.len().min(5)]);
        assert_eq!(r.stored, rows.len());
        assert_eq!(db.store.dispatch_reports(ZONE).await.expect("read back").len(), rows.len());
        db.cleanup().await;
        println!("{name:<9} {format:<6} {:>8} {:>10.2} {:>10.0} {:>8.3}", rows.len(), took, n / took, raw / took);
    }
}

fn main() {
    let count = env_or("ECOCIV_BENCH_ROWS", 100_000);
    let projects = env_or("ECOCIV_BENCH_PROJECTS", 3_000);
    let plan = synthetic_plan(projects);
    let rows = rows(projects, count);
    let files = [("csv", csv(&rows)), ("xlsx", xlsx(&rows))];
    println!("{count} dispatch rows of {projects} projects; files: csv {} KB, xlsx {} KB", files[0].1.len() / 1024, files[1].1.len() / 1024);
    println!("{:<9} {:<6} {:>8} {:>10} {:>10} {:>8}", "database", "input", "rows", "seconds", "rows/s", "ratio");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        run(false, &plan, &rows, &files).await;
        run(true, &plan, &rows, &files).await;
    });
}
