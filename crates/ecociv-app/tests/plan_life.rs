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
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department };
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce };

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
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department };
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce };
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
