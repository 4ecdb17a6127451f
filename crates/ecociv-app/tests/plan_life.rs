//! The end of a plan, on both databases: its last entries are taken until the day it closes
//! (the spring after its last year); after it, every entry of its periods is refused (the
//! to-do asks for none) unless the task force reopens the period with a reason; a period the
//! task force locked stays locked; a year opened after the plan stays open.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_app::entries::{PeriodAction, set_period, submit_observation, submit_project_report};
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{ObservationInput, ProjectReportInput};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

fn on(db: &TestDb, today: &str) -> App {
    App::new(db.store.clone(), Some(today.parse::<NaiveDate>().unwrap()), ZONE)
}

fn value(indicator: &str, year: i32, v: &str) -> ObservationInput {
    ObservationInput { indicator: indicator.into(), year, region: None, value: serde_json::json!(v), comment: String::new(), explanation: None }
}

fn report(period: &str) -> ProjectReportInput {
    ProjectReportInput {
        period: period.into(),
        status: "under_way".into(),
        progress_percent: serde_json::json!(50),
        investment_month_wan: serde_json::json!(0),
        investment_cumulative_wan: Some(serde_json::json!(0)),
        benefits: String::new(),
        problems: String::new(),
        explanation: None,
        funding: None,
    }
}

on_both!(a_plan_closes_the_spring_after_its_last_year);

async fn a_plan_closes_the_spring_after_its_last_year(db: &TestDb) {
    let start = on(db, "2024-01-01");
    ecociv_app::zones::load_plan(start.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    // 市委组织部 leads indicator 3; 市住建局 implements project 12
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department, parent: None };
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };

    // a month locked and unlocked while the plan runs
    let during = on(db, "2025-06-01");
    set_period(&during, &tf, "2025-05", PeriodAction::Lock, "").await.unwrap();
    set_period(&during, &tf, "2025-05", PeriodAction::Unlock, "补报5月调度").await.unwrap();

    // ended but not closed: the last year's values and the last month's report are taken
    let spring = on(db, "2026-03-31");
    submit_observation(&spring, &org, &value("3", 2025, "21")).await.unwrap();
    submit_project_report(&spring, &zj, 12, &report("2025-11")).await.unwrap();
    let todo = ecociv_app::todo::todo(&spring, &spring.plan(None).await.unwrap(), &org).await.unwrap();
    assert!(todo.observations.iter().any(|i| i.subject.period() == "2025"), "the last year's values are still asked for");

    // closed: refused, with the day it closed; the to-do asks for nothing of the plan
    let after = on(db, "2026-04-01");
    let e = submit_project_report(&after, &zj, 12, &report("2025-12")).await.unwrap_err();
    assert_eq!((e.kind, e.code, e.fields.get("closed_on").map(String::as_str)), (ecociv_app::Kind::Conflict, "plan_closed", Some("2026-03-31")));
    let e = submit_observation(&after, &org, &value("3", 2024, "20")).await.unwrap_err();
    assert_eq!(e.code, "plan_closed");
    let e = submit_project_report(&after, &zj, 12, &report("2025-05")).await.unwrap_err();
    assert_eq!(e.code, "plan_closed", "an unlock from before the close reopens nothing after it");
    let plan = after.plan(None).await.unwrap();
    let todo = ecociv_app::todo::todo(&after, &plan, &zj).await.unwrap();
    assert!(todo.reports.is_empty() && todo.observations.is_empty() && todo.returned.is_empty(), "{:?}", todo.reports);

    // the task force reopens a period, with a reason: that period alone is taken again
    let e = set_period(&after, &tf, "2025-12", PeriodAction::Unlock, "  ").await.unwrap_err();
    assert_eq!(e.kind, ecociv_app::Kind::Invalid, "a reason is required");
    set_period(&after, &tf, "2025-12", PeriodAction::Unlock, "审计要求补报12月调度").await.unwrap();
    submit_project_report(&after, &zj, 12, &report("2025-12")).await.unwrap();
    assert_eq!(submit_observation(&after, &org, &value("3", 2024, "20")).await.unwrap_err().code, "plan_closed", "2024 was not reopened");
    let todo = ecociv_app::todo::todo(&after, &plan, &org).await.unwrap();
    assert!(todo.observations.is_empty(), "only the reopened month is asked for");
    // a lock of the task force is a lock, before or after the close
    set_period(&after, &tf, "2025-12", PeriodAction::Lock, "").await.unwrap();
    assert_eq!(submit_project_report(&after, &zj, 12, &report("2025-12")).await.unwrap_err().code, "period_locked");
    // a year opened after the plan is open
    set_period(&after, &tf, "2026", PeriodAction::Open, "").await.unwrap();
    let later = on(db, "2027-04-01");
    submit_observation(&later, &org, &value("3", 2026, "22")).await.unwrap();
}

on_both!(the_closing_report_gives_each_final_result);

/// The closing report exists once the plan has ended, for those who read every entry: each
/// leaf's result on its deadline-year value (met, not met, or none), and where each project
/// stood on its latest approved report.
async fn the_closing_report_gives_each_final_result(db: &TestDb) {
    use ecociv_app::documents::{Document, document};
    use ecociv_app::entries::{Decision, decide_dispatch, decide_observation};
    use ecociv_report::official::Block;
    let start = on(db, "2025-06-01");
    ecociv_app::zones::load_plan(start.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department, parent: None };
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    let plan = start.plan(None).await.unwrap();
    assert!(!Document::Closing(2025).admissible(&plan, start.today()), "not before the plan has ended");

    let spring = on(db, "2026-01-20");
    // indicator 3 (≥20) met with 21 in 2025; indicator 3's 2024 value alone would not count
    let o = submit_observation(&spring, &org, &value("3", 2025, "21")).await.unwrap();
    decide_observation(&spring, &tf, o.id, Decision::Approve, "").await.unwrap();
    let r = submit_project_report(&spring, &zj, 12, &report("2025-12")).await.unwrap();
    decide_dispatch(&spring, &tf, r.id, Decision::Approve, "").await.unwrap();
    assert!(Document::Closing(2025).admissible(&plan, spring.today()) && !Document::Closing(2024).admissible(&plan, spring.today()));
    let dept = Actor { role: Role::Department, ..org.clone() };
    assert!(!Document::Closing(2025).may_read(&dept) && Document::Closing(2025).may_read(&tf));

    let d = document(&spring, &plan, Document::Closing(2025), ecociv_core::Locale::Zh).await.unwrap();
    let tables: Vec<&Vec<Vec<String>>> = d.blocks.iter().filter_map(|b| if let Block::Table(_, rows, _) = b { Some(rows) } else { None }).collect();
    let results = tables[0];
    assert_eq!(results.len(), plan.leaves().len(), "a line per leaf");
    let three = results.iter().find(|r| r[0] == "3").unwrap();
    assert_eq!((three[3].as_str(), three[4].as_str()), ("21", "达标"));
    let one = results.iter().find(|r| r[0] == "1").unwrap();
    assert_eq!(one[3], "—", "no value for the deadline year");
    let paras: String = d.blocks.iter().filter_map(|b| if let Block::Para(p) = b { Some(p.as_str()) } else { None }).collect();
    assert!(paras.contains("达标1项") && paras.contains("在建1个"), "{paras}");
    let open = tables[1];
    assert!(open.iter().any(|r| r[0] == "12" && r[3] == "在建"), "project 12 under way");
    assert_eq!(open.len(), plan.projects.len(), "no project completed");
    assert!(d.title.contains("实施总结报告") && d.title.contains("2023-2025"), "{}", d.title);
    // Word and PDF are made from it
    let docx =
        ecociv_app::documents::render(&spring, &plan, Document::Closing(2025), ecociv_app::documents::Format::Docx, ecociv_core::Locale::En).await.unwrap();
    assert!(docx.starts_with(b"PK\x03\x04"));
}

on_both!(the_hohhot_plan_lives_to_the_next);

/// The life of the Hohhot plan: running on 2024-06-15; ended on 2026-01-15 (no month of 2026
/// asked, its closing report, the assessment stops at 2025Q4); its next plan drafted under the
/// 2024 city set, filled in and issued; on 2026-06-15 the to-do asks for the new plan's reports,
/// a carried project goes on from its cumulative investment, a kept indicator has its history
/// under its new code, and the earlier plan reads as it stood.
async fn the_hohhot_plan_lives_to_the_next(db: &TestDb) {
    use ecociv_app::documents::Document;
    use ecociv_app::entries::{Decision, decide_dispatch, decide_observation};
    use ecociv_core::clock::Standing;
    use ecociv_core::todo::Subject;
    let running = on(db, "2024-06-15");
    ecociv_app::zones::load_plan(running.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department, parent: None };
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    let old = running.plan(None).await.unwrap();
    assert!(matches!(old.standing(running.today()), Standing::InPhase { .. }));
    let asks = |t: &ecociv_core::todo::Todo, n: u32, period: &str| {
        t.reports.iter().any(|i| matches!(&i.subject, Subject::Project { number, period: p } if *number == n && p.to_string() == period))
    };
    assert!(asks(&ecociv_app::todo::todo(&running, &old, &zj).await.unwrap(), 12, "2024-05"));

    // project 12 under way with 1,234.5 万元; indicator 3 at 21 in 2025; project 1 completed
    // (so the next plan numbers the projects anew: 12 becomes 11)
    let autumn = on(db, "2025-11-03");
    let mut r = report("2025-10");
    r.investment_cumulative_wan = Some(serde_json::json!("1234.5"));
    let r = submit_project_report(&autumn, &zj, 12, &r).await.unwrap();
    decide_dispatch(&autumn, &tf, r.id, Decision::Approve, "").await.unwrap();
    let mut done = report("2025-10");
    done.status = "completed".into();
    done.progress_percent = serde_json::json!(100);
    let done = submit_project_report(&autumn, &org, 1, &done).await.unwrap();
    decide_dispatch(&autumn, &tf, done.id, Decision::Approve, "").await.unwrap();

    let ended = on(db, "2026-01-15");
    assert!(matches!(old.standing(ended.today()), Standing::Ended { .. }));
    let t = ecociv_app::todo::todo(&ended, &old, &zj).await.unwrap();
    assert!(!t.reports.iter().any(|i| i.subject.period().starts_with("2026")), "no month of 2026 is asked");
    assert_eq!(ecociv_app::assessment::last_quarter(&old).to_string(), "2025Q4");
    assert!(Document::Closing(2025).admissible(&old, ended.today()));
    let o = submit_observation(&ended, &org, &value("3", 2025, "21")).await.unwrap();
    decide_observation(&ended, &tf, o.id, Decision::Approve, "").await.unwrap();
    // the last year's self-assessment as it reads before the next plan
    let table = |d: &ecociv_report::official::OfficialDoc| {
        d.blocks.iter().find_map(|b| if let ecociv_report::official::Block::Table(_, rows, _) = b { Some(rows.clone()) } else { None }).unwrap()
    };
    let self_2025 = table(&ecociv_app::documents::document(&ended, &old, Document::SelfAssessment(2025), ecociv_core::Locale::Zh).await.unwrap());
    assert!(self_2025.iter().any(|r| r[0] == "3" && r[4] == "21"), "{:?}", self_2025.iter().find(|r| r[0] == "3"));

    // the next plan, drafted under the 2024 city set and filled in
    let fw = ecociv_app::frameworks::revision("2024-city").unwrap();
    let d = ecociv_app::plan_next::draft(&ended, ZONE, fw, 2026, 2030).await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("ecociv_life_{}_{}", std::process::id(), db.url.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    let _ = std::fs::remove_dir_all(&dir);
    ecociv_app::plan_next::write(&dir, &d, "").unwrap();
    let edit = |name: &str, pairs: &[(&str, &str)]| {
        let mut text = std::fs::read_to_string(dir.join(name)).unwrap();
        for (a, b) in pairs {
            text = text.replace(a, b);
        }
        std::fs::write(dir.join(name), text).unwrap();
    };
    edit(
        "indicators.toml",
        &[
            ("target_printed = \"\"", "target_printed = \"有效开展\""),
            ("rule = \"\"", "rule = \"state 有效开展\""),
            ("baseline = \"\"", "baseline = \"0\""),
            ("lead_departments = []", "lead_departments = [\"市生态环境局\"]"),
        ],
    );
    edit("plan.toml", &[("issued_on = 2026-01-15", "issued_on = 2026-02-01")]);
    let issuing = on(db, "2026-02-01");
    let unnumbered = ecociv_app::zones::plan_from_folder(&dir).unwrap();
    assert_eq!(ecociv_app::plan_next::issue(&issuing, &unnumbered, "tf").await.unwrap_err().code, "plan_next_document_number");
    // the zone is not the plan's to move
    let mut elsewhere = unnumbered.clone();
    elsewhere.document_number = "x".into();
    elsewhere.zone.parent = Some("150000".into());
    assert_eq!(ecociv_app::plan_next::issue(&issuing, &elsewhere, "tf").await.unwrap_err().code, "plan_next_zone_changed");
    // a month after the plan is not taken (it would be read by the next plan's numbers)
    let mut january = report("2026-01");
    january.investment_cumulative_wan = Some(serde_json::json!("1234.5"));
    assert_eq!(submit_project_report(&issuing, &zj, 12, &january).await.unwrap_err().code, "after_plan");
    edit("plan.toml", &[("document_number = \"\"", "document_number = \"呼生态创发〔2026〕1号\"")]);
    let next = ecociv_app::zones::plan_from_folder(&dir).unwrap();
    let q4 = "2025Q4".parse().unwrap();
    let before = ecociv_app::assessment::assess(&issuing, &old, q4, None).await.unwrap();
    let bulletin_before = ecociv_app::bulletin::bulletin(&issuing, &old, "2025-10".parse().unwrap()).await.unwrap();
    ecociv_app::plan_next::issue(&issuing, &next, "tf").await.unwrap();
    // the earlier plan's quarter and month are judged as before, by its own units and projects,
    // though asked through the plan in force
    let in_force = issuing.plan(None).await.unwrap();
    let after = ecociv_app::assessment::assess(&issuing, &in_force, q4, None).await.unwrap();
    assert_eq!(serde_json::to_value(&*after).unwrap(), serde_json::to_value(&*before).unwrap());
    let bulletin_after = ecociv_app::bulletin::bulletin(&issuing, &in_force, "2025-10".parse().unwrap()).await.unwrap();
    let seen = |b: &ecociv_core::bulletin::Bulletin| (b.due, b.on_time, b.missing, b.pending, b.late.iter().map(|l| l.0).collect::<Vec<_>>());
    assert_eq!(seen(&bulletin_after), seen(&bulletin_before));
    assert!(bulletin_before.due > 0 && !before.departments.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(ecociv_app::plan_next::issue(&issuing, &next, "tf").await.unwrap_err().code, "plan_next_not_following", "issued once");
    // the embedded plan is history now: never loaded over the next
    let again = ecociv_app::zones::load_plan(issuing.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "system").await.unwrap_err();
    assert_eq!(again.code, "plan_superseded");

    let june = on(db, "2026-06-15");
    let plan = june.plan(None).await.unwrap();
    assert_eq!((plan.code.as_str(), plan.document_number.as_str()), ("hohhot-2026-2030", "呼生态创发〔2026〕1号"));
    let l = plan.lineage.clone().unwrap();
    let carried = *l.projects.iter().find(|(_, old)| **old == 12).unwrap().0;
    assert_eq!(carried, 11, "numbered anew");
    let t = ecociv_app::todo::todo(&june, &plan, &zj).await.unwrap();
    assert!(
        asks(&t, carried, "2026-05"),
        "the new plan report is asked: {carried} {:?}",
        t.reports.iter().map(|i| format!("{:?}", i.subject)).collect::<Vec<_>>()
    );
    assert!(!t.reports.iter().chain(&t.observations).any(|i| i.subject.period().starts_with("2025")), "nothing of the earlier plan is asked");
    // it goes on from the investment the earlier plan reached
    let mut r = report("2026-05");
    r.investment_month_wan = serde_json::json!("100");
    r.investment_cumulative_wan = Some(serde_json::json!("1334.5"));
    let r = submit_project_report(&june, &zj, carried, &r).await.unwrap();
    decide_dispatch(&june, &tf, r.id, Decision::Approve, "").await.unwrap();
    // the earlier plan's closing report is made again from its own years, never the next plan's
    // months: its project 11 (another project than the next plan's 11) has no approved report,
    // its project 12 stood at 2025-10
    let closing = Document::Closing(2025);
    let kept = ecociv_app::document_plan::plan_for_document(&june, ZONE, closing).await.unwrap().unwrap();
    assert_eq!((kept.code.as_str(), kept.superseded_after), ("hohhot-2023-2025", Some(2025)));
    let d = ecociv_app::documents::document(&june, &kept, closing, ecociv_core::Locale::Zh).await.unwrap();
    let open = d.blocks.iter().filter_map(|b| if let ecociv_report::official::Block::Table(_, rows, _) = b { Some(rows) } else { None }).nth(1).unwrap();
    let row = |n: &str| open.iter().find(|r| r[0] == n).unwrap().clone();
    assert_eq!((row("11")[3].as_str(), row("12")[3].as_str(), row("12")[5].as_str()), ("无审核通过的调度", "在建", "0.12345"), "{:?}", (row("11"), row("12")));
    assert!(ecociv_app::document_plan::plan_for_document(&june, ZONE, Document::Closing(2024)).await.unwrap().is_none());
    // its self-assessment reads as it did before the next plan: the next plan's row 1 continues
    // its row 3, and that changes nothing of its own rows
    let p = ecociv_app::document_plan::plan_for_document(&june, ZONE, Document::SelfAssessment(2025)).await.unwrap().unwrap();
    assert_eq!(table(&ecociv_app::documents::document(&june, &p, Document::SelfAssessment(2025), ecociv_core::Locale::Zh).await.unwrap()), self_2025);
    // the years it owned are its own for every document; the next plan's are the next plan's
    for doc in [Document::SelfAssessment(2024), Document::Work(2025), Document::Technical(2025), Document::Technical(2020)] {
        let p = ecociv_app::document_plan::plan_for_document(&june, ZONE, doc).await.unwrap();
        assert_eq!(p.map(|p| p.code.clone()).as_deref(), Some("hohhot-2023-2025"), "{doc:?}");
    }
    let p = ecociv_app::document_plan::plan_for_document(&june, ZONE, Document::Work(2026)).await.unwrap();
    assert_eq!(p.map(|p| p.code.clone()).as_deref(), Some("hohhot-2026-2030"));
    // the earlier plan's years are its own: no entry, no decision through the new plan
    assert_eq!(submit_observation(&june, &org, &value("1", 2025, "22")).await.unwrap_err().code, "earlier_plan_period");
    assert_eq!(decide_observation(&june, &tf, o.id, Decision::Unlock, "重新核实").await.unwrap_err().code, "earlier_plan_period");
    // 2024's row 1 is 2021's 3: its history follows it
    let standings = ecociv_app::standings::approved_standings(&june, &plan, ecociv_core::Locale::Zh, Default::default()).await.unwrap();
    let one = standings.iter().find(|s| s.code == "1").unwrap();
    assert!(one.years.iter().any(|y| y.year == 2025 && y.value == "21"), "{:?}", one.years);
    assert!(!standings.iter().any(|s| s.code == "5.1" && s.years.iter().any(|y| y.year <= 2025 && y.value == "21")));

    // the earlier plan reads as it stood, with its history
    let earlier = ecociv_app::plan_next::earlier_plans(&june, ZONE).await.unwrap();
    assert_eq!(earlier.len(), 1);
    assert_eq!((earlier[0].0.code.as_str(), earlier[0].1.to_string(), earlier[0].2.as_str()), ("hohhot-2023-2025", "2026-02-01".into(), "hohhot-2026-2030"));
    let e = ecociv_app::plan_next::earlier_plan(&june, ZONE, "hohhot-2023-2025", ecociv_core::Locale::Zh).await.unwrap();
    assert_eq!(e.standings.len(), old.leaves().len());
    let three = e.standings.iter().find(|s| s.code == "3").unwrap();
    assert!(three.years.iter().any(|y| y.year == 2025 && y.value == "21"));
    assert!(e.standings.iter().all(|s| s.years.iter().all(|y| y.year <= 2025)), "never the later plan's years");
    assert_eq!(ecociv_app::plan_next::earlier_plan(&june, ZONE, "hohhot-2026-2030", ecociv_core::Locale::Zh).await.unwrap_err().code, "unknown_plan");

    // the trail holds both plans: the one in force and the one kept; an edit of the kept one is found
    let v = db.store.verify(ZONE).await.unwrap();
    assert!(v.ok(), "{:?}", v.tampered);
    db.execute("UPDATE plan_archive SET plan = REPLACE(plan, '呼生态创发〔2023〕1号', '呼生态创发〔2023〕9号')").await;
    let v = db.store.verify(ZONE).await.unwrap();
    assert!(v.tampered.iter().any(|t| t.entity == "plan" && t.entity_id == "hohhot-2023-2025"), "{:?}", v.tampered);
}

on_both!(the_self_assessment_says_what_fell_back);

/// The yearly self-assessment report: each leaf against its target and the year before (a
/// target met and then missed is worse), the year's vetoes, for those who read every entry, once
/// the year is over.
async fn the_self_assessment_says_what_fell_back(db: &TestDb) {
    use ecociv_app::documents::{Document, document};
    use ecociv_app::entries::{Decision, decide_observation};
    use ecociv_report::official::Block;
    let st = on(db, "2025-03-20");
    ecociv_app::zones::load_plan(st.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    for (year, v) in [(2023, "21"), (2024, "18")] {
        let o = submit_observation(&st, &org, &value("3", year, v)).await.unwrap();
        decide_observation(&st, &tf, o.id, Decision::Approve, "").await.unwrap();
    }
    let veto = ecociv_app::readiness::VetoInput { kind: "major_incident".into(), description: "某化工厂泄漏".into(), occurred_on: "2024-08-02".into() };
    ecociv_app::readiness::record_veto(&st, &tf, &veto).await.unwrap();
    let plan = st.plan(None).await.unwrap();
    assert!(Document::SelfAssessment(2024).admissible(&plan, st.today()) && !Document::SelfAssessment(2025).admissible(&plan, st.today()));
    assert!(!Document::SelfAssessment(2024).may_read(&org) && Document::SelfAssessment(2024).may_read(&tf));

    let d = document(&on(db, "2025-04-01"), &plan, Document::SelfAssessment(2024), ecociv_core::Locale::Zh).await.unwrap();
    let rows = d.blocks.iter().find_map(|b| if let Block::Table(_, rows, _) = b { Some(rows) } else { None }).unwrap();
    assert_eq!(rows.len(), plan.leaves().len());
    let three = rows.iter().find(|r| r[0] == "3").unwrap();
    assert_eq!(&three[3..], ["21", "18", "变差", "未达标"]);
    let paras: String = d.blocks.iter().filter_map(|b| if let Block::Para(p) = b { Some(p.as_str()) } else { None }).collect();
    assert!(paras.contains("1项指标较上年变差") && paras.contains("某化工厂泄漏") && paras.contains("未达标1项"), "{paras}");
    assert!(d.title.contains("2024年度") && d.title.contains("自评估报告"), "{}", d.title);
    let en = document(&on(db, "2025-04-01"), &plan, Document::SelfAssessment(2024), ecociv_core::Locale::En).await.unwrap();
    assert!(en.title.contains("self-assessment"), "{}", en.title);
}
