//! The next plan drafted from the last, on both databases: the draft carries over the projects
//! whose latest approved report is not completed, each with its cumulative investment; its
//! folder is never written over; and a draft is not loaded as a revision of the zone's plan.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_app::entries::{Decision, decide_dispatch, submit_project_report};
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::ProjectReportInput;
use ecociv_core::locale::Locale;
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

fn on(db: &TestDb, today: &str) -> App {
    App::new(db.store.clone(), Some(today.parse::<NaiveDate>().unwrap()), ZONE)
}

fn report(period: &str, status: &str, month: &str, cumulative: &str) -> ProjectReportInput {
    ProjectReportInput {
        period: period.into(),
        status: status.into(),
        progress_percent: serde_json::json!(if status == "completed" { 100 } else { 60 }),
        investment_month_wan: serde_json::json!(month),
        investment_cumulative_wan: Some(serde_json::json!(cumulative)),
        benefits: String::new(),
        problems: String::new(),
        explanation: None,
        funding: None,
    }
}

on_both!(the_next_plan_carries_what_is_unfinished);

async fn the_next_plan_carries_what_is_unfinished(db: &TestDb) {
    let st = on(db, "2025-12-10");
    ecociv_app::zones::load_plan(st.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    // 市住建局 implements project 12, 市委组织部 project 1
    let zj = Actor { name: "zj".into(), zone: ZONE.into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let org = Actor { name: "org".into(), zone: ZONE.into(), org_unit: "市委组织部".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    let a = submit_project_report(&st, &zj, 12, &report("2025-10", "under_way", "0", "1234.5")).await.unwrap();
    decide_dispatch(&st, &tf, a.id, Decision::Approve, "").await.unwrap();
    // a later report not approved yet does not count
    submit_project_report(&st, &zj, 12, &report("2025-11", "completed", "765.5", "2000")).await.unwrap();
    let b = submit_project_report(&st, &org, 1, &report("2025-11", "completed", "0", "80")).await.unwrap();
    decide_dispatch(&st, &tf, b.id, Decision::Approve, "").await.unwrap();

    let after = on(db, "2026-01-15");
    let fw = ecociv_app::frameworks::revision("2024-city").unwrap();
    let d = ecociv_app::plan_next::draft(&after, ZONE, fw, 2026, 2030).await.unwrap();
    let projects = &d.files.iter().find(|(n, _)| n == "projects.toml").unwrap().1;
    assert!(!projects.contains("continues = 1\n"), "project 1 was completed");
    assert!(projects.contains("continues = 12\ncarried_investment_wan = \"1234.5\""), "project 12, with its approved investment");
    assert_eq!(projects.matches("[[projects]]").count(), 75);

    // the years must follow the plan; a county set is not for a city
    let e = ecociv_app::plan_next::draft(&after, ZONE, fw, 2025, 2030).await.unwrap_err();
    assert_eq!((e.code, e.fields.get("previous_end").map(String::as_str)), ("plan_next_years", Some("2025")));
    let county = ecociv_app::frameworks::revision("2024-county").unwrap();
    assert_eq!(ecociv_app::plan_next::draft(&after, ZONE, county, 2026, 2030).await.unwrap_err().code, "plan_next_level");
    assert_eq!(ecociv_app::plan_next::draft(&after, "999999", fw, 2026, 2030).await.unwrap_err().code, "unknown_zone");

    // written once; a second draft into the same folder is refused and the edit kept
    // a folder of its own per database, gone at the end
    let dir =
        std::env::temp_dir().join(format!("ecociv_next_{}_{}", std::process::id(), db.url.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("下一期 方案");
    let notes: String = d.notes.iter().map(|n| n.text(Locale::Zh) + "\n").collect();
    ecociv_app::plan_next::write(&out, &d, &notes).unwrap();
    std::fs::write(out.join("plan.toml"), "edited").unwrap();
    let e = ecociv_app::plan_next::write(&out, &d, &notes).unwrap_err();
    assert_eq!(e.code, "plan_next_folder_taken");
    assert_eq!(std::fs::read_to_string(out.join("plan.toml")).unwrap(), "edited");

    // the draft, filled in, reads as a plan that follows the last; it is not loaded in its place
    let out2 = dir.join("filled");
    ecociv_app::plan_next::write(&out2, &d, &notes).unwrap();
    let fill = |name: &str, pairs: &[(&str, &str)]| {
        let mut text = std::fs::read_to_string(out2.join(name)).unwrap();
        for (a, b) in pairs {
            text = text.replace(a, b);
        }
        std::fs::write(out2.join(name), text).unwrap();
    };
    let blank = ecociv_app::zones::plan_from_folder(&out2).unwrap_err();
    assert_eq!(blank.code, "bad_plan_data");
    assert!(blank.fields["where"].contains("indicators.toml") && blank.fields["where"].contains("rule"), "{:?}", blank.fields);
    fill(
        "indicators.toml",
        &[
            ("target_printed = \"\"", "target_printed = \"有效开展\""),
            ("rule = \"\"", "rule = \"state 有效开展\""),
            ("baseline = \"\"", "baseline = \"0\""),
            ("lead_departments = []", "lead_departments = [\"市生态环境局\"]"),
        ],
    );
    let next = ecociv_app::zones::plan_from_folder(&out2).unwrap();
    assert_eq!(next.lineage.as_ref().map(|l| l.previous.as_str()), Some("hohhot-2023-2025"));
    let e = ecociv_app::zones::load_plan(after.store.as_ref(), &next, "test").await.unwrap_err();
    assert_eq!(e.code, "plan_next_not_issuable");
    assert_eq!(after.plan(None).await.unwrap().code, "hohhot-2023-2025", "the zone's plan is as it was");
    // a value of a year after the plan, taken once the task force opened the year, is in the way
    // of the next plan (its codes would read it): the issue waits until it is settled
    ecociv_app::entries::set_period(&after, &tf, "2026", ecociv_app::entries::PeriodAction::Open, "").await.unwrap();
    let v = ecociv_core::entry::ObservationInput {
        indicator: "3".into(),
        year: 2026,
        region: None,
        value: serde_json::json!("22"),
        comment: String::new(),
        explanation: None,
    };
    ecociv_app::entries::submit_observation(&after, &org, &v).await.unwrap();
    let e = ecociv_app::plan_next::issue(&after, &next, "tf").await.unwrap_err();
    assert_eq!((e.code, e.fields.get("year").map(String::as_str)), ("plan_next_entries_after", Some("2027")));
    // a next plan that starts after that year takes it as the earlier plan's, read through its lineage
    let mut later = next.clone();
    (later.start_year, later.document_number) = (2027, "呼生态创发〔2027〕1号".into());
    ecociv_app::plan_next::issue(&after, &later, "tf").await.unwrap();
    let issued = after.plan(None).await.unwrap();
    assert_eq!(issued.lineage.as_ref().unwrap().previous_end_year, 2026);
    let read = ecociv_core::lineage::observations_for(&issued, after.store.observations(ZONE).await.unwrap());
    assert!(read.iter().any(|o| o.indicator == "1" && o.year == 2026 && o.value == "22"), "2021's 3 of 2026 is 2024's 1");
    std::fs::remove_dir_all(&dir).unwrap();
}
