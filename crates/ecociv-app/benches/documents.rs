//! Benchmark: how long each document of the review takes (Word and PDF) for a zone with five
//! years of data — yearly values of every indicator 2020–2024 (approved, each with an evidence
//! file) and a monthly dispatch report of all 76 projects from 2023-01 to 2025-06 — against the
//! 附件1 workbook export of the same data, measured in the same run. Run with
//! `cargo bench -p ecociv-app --bench documents` (see `bench/README.md`).

use std::time::Instant;

use ecociv_app::App;
use ecociv_app::documents::{Document, Format, render};
use ecociv_core::Locale;
use ecociv_core::entry::YearMonth;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_core::record::{DispatchRecord, EntryState, EvidenceRecord, ObservationRecord};
use ecociv_core::rule::ValueKind;
use ecociv_store::EntryWrite;
use ecociv_store::testdb::TestDb;

const TODAY: &str = "2025-07-20";

fn observation(zone: &str, indicator: &str, year: i64, value: String) -> ObservationRecord {
    ObservationRecord {
        id: 0,
        zone: zone.into(),
        indicator: indicator.into(),
        year,
        region: String::new(),
        value,
        comment: "合成数据".into(),
        explanation: String::new(),
        state: EntryState::Approved,
        late: false,
        submitted_by: "bench".into(),
        submitted_at: format!("{}-02-01T00:00:00Z", year + 1),
        decided_by: "bench-tf".into(),
        decided_at: format!("{}-02-02T00:00:00Z", year + 1),
        reason: String::new(),
        version: 0,
    }
}

/// Five years of data for the embedded plan's zone.
async fn fill(db: &TestDb) -> ecociv_core::model::Plan {
    let plan = build_plan(&hohhot()).expect("plan");
    db.store.load_plan(&plan, "bench").await.expect("load");
    let z = plan.zone.code.clone();
    let mut writes = Vec::new();
    for (i, leaf) in plan.leaves().iter().enumerate() {
        for year in 2020..=2024 {
            let value = match leaf.target.parse_rule().expect("rule").value_kind() {
                ValueKind::State(w) => w.word.clone(),
                _ => format!("{}", 50 + (i as i64 * 7 + year) % 40),
            };
            writes.push(EntryWrite::NewObservation(observation(&z, leaf.code, year, value)));
        }
    }
    let mut month = YearMonth { year: 2023, month: 1 };
    let mut k = 0;
    while month <= (YearMonth { year: 2025, month: 6 }) {
        for p in &plan.projects {
            writes.push(EntryWrite::NewDispatch(DispatchRecord {
                id: 0,
                zone: z.clone(),
                kind: "project".into(),
                subject: i64::from(p.number),
                org_unit: p.implementers[0].clone(),
                period: month.to_string(),
                status: "under_way".into(),
                progress_percent: (k % 30 + 1).to_string(),
                investment_month_wan: "10".into(),
                investment_cumulative_wan: (100 + 10 * k).to_string(),
                funding: String::new(),
                progress: String::new(),
                quantities: "[]".into(),
                benefits: String::new(),
                problems: "合成数据：征地进度偏慢".into(),
                explanation: String::new(),
                state: EntryState::Approved,
                late: p.number % 5 == 0,
                submitted_by: "bench".into(),
                submitted_at: "2025-01-01T00:00:00Z".into(),
                decided_by: String::new(),
                decided_at: String::new(),
                reason: String::new(),
                version: 0,
            }));
        }
        month = month.next();
        k += 1;
    }
    db.store.write_entries(&z, &writes, "bench").await.expect("data");
    for o in db.store.observations(&z).await.expect("observations") {
        let pdf = format!("%PDF-1.7\n% 合成数据 {} {}\n%%EOF\n", o.indicator, o.year);
        let e = EvidenceRecord {
            id: 0,
            zone: z.clone(),
            entity: "observation".into(),
            entity_id: o.id,
            hash: String::new(),
            file_name: format!("{}-{}.pdf", o.indicator, o.year),
            media_type: "application/pdf".into(),
            size: 0,
            uploaded_by: "bench".into(),
            uploaded_at: "2025-02-01T00:00:00Z".into(),
        };
        db.store.add_evidence(&e, pdf.as_bytes(), "bench").await.expect("evidence");
    }
    plan
}

/// The median of `runs` timings of `f`, in milliseconds.
async fn median<F, Fut>(runs: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let bytes = f().await;
        assert!(bytes > 0);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("ECOCIV_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = TestDb::sqlite().await;
        let plan = fill(&db).await;
        let st = App::new(db.store.clone(), Some(TODAY.parse().expect("date")), &plan.zone.code);
        let z = plan.zone.code.clone();
        let baseline = median(runs, || async {
            let obs = st.store.observations(&z).await.expect("read");
            let uppers = st.store.upper_targets(&z).await.expect("read");
            ecociv_report::xlsx(&[ecociv_report::annex1(&plan, &obs, &uppers, 2024, Locale::Zh)]).expect("xlsx").len()
        })
        .await;
        println!("five years of data; median of {runs} runs each, SQLite, {TODAY}");
        println!("{:<34} {:>10} {:>8}", "document", "ms", "ratio");
        println!("{:<34} {:>10.1} {:>8.2}", "baseline: 附件1 export (.xlsx)", baseline, 1.0);
        let docs = [
            Document::Bulletin(YearMonth { year: 2025, month: 6 }),
            Document::Assessment("2025Q2".parse().expect("quarter")),
            Document::Work(2024),
            Document::Technical(2024),
        ];
        for doc in docs {
            for format in [Format::Docx, Format::Pdf] {
                let ms = median(runs, || async { render(&st, &plan, doc, format, Locale::Zh).await.expect("document").len() }).await;
                println!("{:<34} {:>10.1} {:>8.2}", format!("{} {} (.{})", doc.kind(), doc.period(), format.ext()), ms, ms / baseline);
            }
        }
        let ms = median(runs, || async { ecociv_app::archive::archive(st.store.as_ref(), &plan, 2024, Locale::Zh).await.expect("archive").len() }).await;
        println!("{:<34} {:>10.1} {:>8.2}", "archive 2024 (.zip)", ms, ms / baseline);
        db.cleanup().await;
    });
}
