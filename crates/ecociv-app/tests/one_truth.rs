//! One truth for every number, on both databases: a month of reports sent on time, late, sent
//! and returned, and not at all, and then the to-do of the task force and of each implementer,
//! the bulletin and its document, the portfolio's list and the quarter's assessment all say the
//! same of every report; and a past month, quarter and year stay as they were judged when
//! entries and decisions come after their end.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_app::documents::{Document, document};
use ecociv_app::entries::{self, Decision};
use ecociv_core::Locale;
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{ObservationInput, ProjectReportInput, YearMonth};
use ecociv_core::model::Plan;
use ecociv_core::scoring::{Arrival, Fact, Quarter};
use ecociv_core::todo::{Standing, Subject};
use ecociv_report::official::{Block, OfficialDoc};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The app as it is on `today` (the clock the entries are stamped with too).
fn on(db: &TestDb, today: &str) -> App {
    App::new(db.store.clone(), Some(day(today)), ZONE)
}

fn actor(org: &str, role: Role) -> Actor {
    Actor { name: format!("u-{org}"), zone: ZONE.into(), org_unit: org.into(), role, parent: None }
}

fn task_force() -> Actor {
    actor("市生态环境局", Role::TaskForce)
}

/// The role an org unit reports with, by its kind in the plan.
fn reporter_of(plan: &Plan, org: &str) -> Actor {
    actor(org, plan.org_unit(org).unwrap().kind.role())
}

fn report(period: &str, progress: u32, cumulative: Option<u32>) -> ProjectReportInput {
    ProjectReportInput {
        period: period.into(),
        status: "under_way".into(),
        progress_percent: progress.to_string().into(),
        investment_month_wan: "10".into(),
        investment_cumulative_wan: cumulative.map(|c| c.to_string().into()),
        benefits: String::new(),
        problems: String::new(),
        explanation: None,
        funding: None,
    }
}

async fn plan(db: &TestDb) -> std::sync::Arc<Plan> {
    let app = on(db, "2024-01-01");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    app.plan(Some(ZONE)).await.unwrap()
}

/// Sends project `number`'s report for `period` on `when`, by its first implementer.
async fn send(db: &TestDb, plan: &Plan, when: &str, number: u32, period: &str, cumulative: Option<u32>) -> i64 {
    let p = plan.project(number).unwrap();
    let who = reporter_of(plan, &p.implementers[0]);
    entries::submit_project_report(&on(db, when), &who, number, &report(period, 20, cumulative)).await.unwrap().id
}

/// The projects whose period covers `year` (or that go on without end), counted from the
/// plan's own data.
fn projects_of(plan: &Plan, year: i32) -> Vec<u32> {
    let covers = |p: &ecociv_core::model::Project| p.period.ongoing || (p.period.start.is_some_and(|s| s <= year) && p.period.end.is_some_and(|e| e >= year));
    plan.projects.iter().filter(|p| covers(p)).map(|p| p.number).collect()
}

fn without_provenance(d: OfficialDoc) -> Vec<Block> {
    d.blocks.into_iter().filter(|b| !matches!(b, Block::Provenance(_))).collect()
}

on_both!(every_page_and_document_counts_a_month_alike);

async fn every_page_and_document_counts_a_month_alike(db: &TestDb) {
    let plan = plan(db).await;
    let may = YearMonth { year: 2024, month: 5 };
    let asked = projects_of(&plan, 2024);
    assert!(asked.len() < plan.projects.len(), "some projects are outside 2024: the month asks for {} of {}", asked.len(), plan.projects.len());
    // before anything is sent: nobody is best, and the worst list is numbered （一）, not （二）
    let empty = document(&on(db, "2024-06-20"), &plan, Document::Bulletin(may), Locale::Zh).await.unwrap();
    let headings: Vec<&String> = empty.blocks.iter().filter_map(|b| if let Block::Heading(2, t) = b { Some(t) } else { None }).collect();
    assert_eq!(headings, ["（一）报送较差的单位"], "the numbering never skips");
    let (on_time, late, returned) = (vec![asked[0], asked[1], asked[2]], vec![asked[3], asked[4]], asked[5]);
    for n in &on_time {
        send(db, &plan, "2024-06-03", *n, "2024-05", Some(100)).await;
    }
    for n in &late {
        send(db, &plan, "2024-06-10", *n, "2024-05", Some(100)).await;
    }
    let id = send(db, &plan, "2024-06-04", returned, "2024-05", Some(100)).await;
    entries::decide_dispatch(&on(db, "2024-06-12"), &task_force(), id, Decision::Return, "请补充佐证").await.unwrap();
    // a project outside 2024 reports anyway: not asked, so counted nowhere
    if let Some(outside) = plan.projects.iter().map(|p| p.number).find(|n| !asked.contains(n)) {
        let _ = entries::submit_project_report(
            &on(db, "2024-06-03"),
            &reporter_of(&plan, &plan.project(outside).unwrap().implementers[0]),
            outside,
            &report("2024-05", 5, Some(1)),
        )
        .await;
    }
    let sent_by_due: BTreeSet<u32> = on_time.iter().copied().chain([returned]).collect();
    let sent_now: BTreeSet<u32> = sent_by_due.iter().copied().chain(late.iter().copied()).collect();

    let app = on(db, "2024-06-20");
    // the bulletin: judged on its due date, 2024-06-05
    let b = ecociv_app::bulletin::bulletin(&app, &plan, may).await.unwrap();
    assert_eq!((b.due, b.on_time, b.missing, b.pending), (asked.len(), sent_by_due.len(), asked.len() - sent_by_due.len(), 0));
    let listed: BTreeSet<u32> = b.late.iter().map(|x| x.0).collect();
    assert_eq!(listed, asked.iter().copied().filter(|n| !sent_by_due.contains(n)).collect::<BTreeSet<u32>>());
    for u in &b.units {
        let mine: Vec<u32> = asked.iter().copied().filter(|n| plan.project(*n).unwrap().implementers.contains(&u.unit)).collect();
        assert_eq!(u.due, mine.len(), "{}", u.unit);
        assert_eq!(u.missing, mine.iter().filter(|n| !sent_by_due.contains(n)).count(), "{}", u.unit);
    }
    // its document says the same
    let doc = document(&app, &plan, Document::Bulletin(may), Locale::Zh).await.unwrap();
    let judged = ecociv_core::locale::tf(
        Locale::Zh,
        "doc.bulletin.judged",
        &[
            ("month", "2024-05".into()),
            ("due", asked.len().to_string()),
            ("on_time", sent_by_due.len().to_string()),
            ("missing", (asked.len() - sent_by_due.len()).to_string()),
            ("due_date", "2024-06-05".into()),
        ],
    );
    assert!(doc.blocks.contains(&Block::Para(judged.clone())), "{judged}");
    // its title names the work as the plan does: consolidating the title of a demonstration city
    assert!(doc.title.contains("国家生态文明建设示范市巩固提升") && !doc.title.contains("示范区创建"), "{}", doc.title);

    // the task force's to-do: the projects the month asks for, and who has sent by today
    let tf = ecociv_app::todo::todo(&app, &plan, &task_force()).await.unwrap();
    assert_eq!(tf.month, may);
    let listed: Vec<u32> = tf.completeness.iter().map(|i| if let Subject::Project { number, .. } = i.subject { number } else { 0 }).collect();
    assert_eq!(listed, asked, "the same projects as the bulletin");
    assert_eq!(tf.reported, sent_now.len());
    // each implementer's to-do
    for unit in plan.projects.iter().flat_map(|p| p.implementers.clone()).collect::<BTreeSet<String>>() {
        let who = reporter_of(&plan, &unit);
        let todo = ecociv_app::todo::todo(&app, &plan, &who).await.unwrap();
        for item in &todo.reports {
            let Subject::Project { number, period } = item.subject else { continue };
            assert_eq!(period, may);
            assert!(asked.contains(&number), "{unit} is asked only for projects of the month: {number}");
            match item.standing {
                Standing::Sent { late: l, .. } => {
                    assert!(sent_now.contains(&number));
                    assert_eq!(l, late.contains(&number), "{unit}: project {number}");
                }
                Standing::Overdue => assert!(!sent_now.contains(&number), "{unit}: project {number}"),
                Standing::Due => panic!("{unit}: project {number} is past its due date"),
            }
        }
        let mine = asked.iter().filter(|n| plan.project(**n).unwrap().implementers.contains(&unit)).count();
        assert_eq!(todo.reports.iter().filter(|i| matches!(i.subject, Subject::Project { .. })).count(), mine, "{unit}");
    }
    // the quarter's assessment, judged today (its last month is not due yet): May's late
    // reports count as late there
    let q2 = ecociv_app::assessment::facts(&app, &plan, &[Quarter { year: 2024, q: 2 }], app.today()).await.unwrap().remove(0);
    for unit in &q2 {
        for f in &unit.facts {
            let Fact::Report { subject, period, arrival } = f else { continue };
            if period != "2024-05" {
                continue;
            }
            let Some(n) = subject.strip_prefix("project ").map(|n| n.parse::<u32>().unwrap()) else {
                assert_eq!(*arrival, Arrival::Missing, "no task report was sent");
                continue;
            };
            assert!(asked.contains(&n));
            let expected = if late.contains(&n) {
                Arrival::Late
            } else if sent_by_due.contains(&n) {
                Arrival::OnTime
            } else {
                Arrival::Missing
            };
            assert_eq!(*arrival, expected, "{}: project {n}", unit.unit);
        }
    }
    let counted: BTreeSet<u32> = q2
        .iter()
        .flat_map(|u| u.facts.iter())
        .filter_map(|f| match f {
            Fact::Report { subject, period, .. } if period == "2024-05" => subject.strip_prefix("project ").map(|n| n.parse().unwrap()),
            _ => None,
        })
        .collect();
    // the assessment ranks regions and departments: it counts every project of the bulletin
    // that one of them implements (those of other units only, a water company say, are not scored)
    let ranked = |n: &u32| plan.project(*n).unwrap().implementers.iter().any(|i| plan.org_unit(i).is_some_and(|o| o.kind != ecociv_core::model::OrgKind::Unit));
    assert_eq!(counted, asked.iter().copied().filter(ranked).collect(), "the assessment counts the projects the bulletin counts");
    assert!(counted.len() + 8 > asked.len(), "nearly all: {} of {}", counted.len(), asked.len());
}

on_both!(a_past_period_is_judged_on_what_had_happened_by_its_end);

async fn a_past_period_is_judged_on_what_had_happened_by_its_end(db: &TestDb) {
    let plan = plan(db).await;
    let asked = projects_of(&plan, 2024);
    let tf = task_force();
    // the first quarter of 2024: reports of January to March, some on time, one late
    let mut ids = Vec::new();
    for (k, n) in asked.iter().take(6).enumerate() {
        ids.push(send(db, &plan, "2024-02-03", *n, "2024-01", Some(100)).await);
        if k < 4 {
            send(db, &plan, "2024-03-04", *n, "2024-02", None).await;
        }
        if k < 3 {
            send(db, &plan, if k == 0 { "2024-04-09" } else { "2024-04-03" }, *n, "2024-03", None).await;
        }
    }
    entries::decide_dispatch(&on(db, "2024-02-20"), &tf, ids[0], Decision::Approve, "").await.unwrap();
    // a value of 2023, sent and approved before its due date
    let leaf = plan.leaves().into_iter().find(|l| !l.indicator.lead_departments.is_empty() && l.indicator.unit == "%").unwrap();
    let dept = reporter_of(&plan, &leaf.indicator.lead_departments[0]);
    let value = |v: &str, y: i32| ObservationInput {
        indicator: leaf.code.to_string(),
        year: y,
        region: None,
        value: v.into(),
        comment: String::new(),
        explanation: None,
    };
    let o = entries::submit_observation(&on(db, "2024-03-10"), &dept, &value("40", 2023)).await.unwrap();
    entries::decide_observation(&on(db, "2024-03-20"), &tf, o.id, Decision::Approve, "").await.unwrap();
    // May: two reports in by the due date
    send(db, &plan, "2024-06-02", asked[0], "2024-05", None).await;
    send(db, &plan, "2024-06-05", asked[1], "2024-05", None).await;

    // as the task force saw them on 2024-06-14
    let before = on(db, "2024-06-14");
    let q1 = Quarter { year: 2024, q: 1 };
    let may = YearMonth { year: 2024, month: 5 };
    let scores = |app: App| async move { ecociv_app::assessment::assess(&app, &*plan_of(&app).await, q1, None).await.unwrap() };
    let q1_before = scores(before.clone()).await;
    let may_before = document(&before, &plan, Document::Bulletin(may), Locale::Zh).await.unwrap();
    let work_before = document(&before, &plan, Document::Work(2023), Locale::Zh).await.unwrap();
    let technical_before = document(&before, &plan, Document::Technical(2023), Locale::Zh).await.unwrap();
    let bulletin_before = ecociv_app::bulletin::bulletin(&before, &plan, may).await.unwrap();
    assert_eq!(bulletin_before.on_time, 2);
    assert!(q1_before.departments.iter().chain(&q1_before.regions).any(|u| u.score > rust_decimal::Decimal::ZERO));

    // June 15: May's reports come late, a first-quarter report is returned, another approved,
    // a 2023 value is corrected and a late 2023 value comes in
    let june = on(db, "2024-06-15");
    for n in &asked[2..5] {
        send(db, &plan, "2024-06-15", *n, "2024-05", None).await;
    }
    entries::decide_dispatch(&june, &tf, ids[1], Decision::Return, "请核实投资").await.unwrap();
    entries::decide_dispatch(&june, &tf, ids[2], Decision::Approve, "").await.unwrap();
    entries::decide_observation(&june, &tf, o.id, Decision::Unlock, "数据更正").await.unwrap();
    entries::submit_observation(&june, &dept, &value("45", 2023)).await.unwrap();
    let other = plan.leaves().into_iter().find(|l| l.code != leaf.code && l.indicator.lead_departments.contains(&dept.org_unit));
    if let Some(other) = other {
        let input =
            ObservationInput { indicator: other.code.to_string(), year: 2023, region: None, value: "1".into(), comment: String::new(), explanation: None };
        let _ = entries::submit_observation(&june, &dept, &input).await;
    }

    // judged again on the same app (its views must not hold the old data) and on a later day
    for app in [june.clone(), on(db, "2024-06-20")] {
        let q1_after = scores(app.clone()).await;
        assert_eq!(q1_after.regions, q1_before.regions, "Q1's scores are as they were");
        assert_eq!(q1_after.departments, q1_before.departments);
        let b = ecociv_app::bulletin::bulletin(&app, &plan, may).await.unwrap();
        assert_eq!((b.on_time, b.missing), (bulletin_before.on_time, bulletin_before.missing), "the May bulletin is as it was");
        let same = |a: OfficialDoc, b: OfficialDoc| assert_eq!(without_provenance(a), without_provenance(b));
        same(document(&app, &plan, Document::Bulletin(may), Locale::Zh).await.unwrap(), may_before.clone());
        same(document(&app, &plan, Document::Work(2023), Locale::Zh).await.unwrap(), work_before.clone());
        same(document(&app, &plan, Document::Technical(2023), Locale::Zh).await.unwrap(), technical_before.clone());
    }
    // while the current quarter sees what came: May's late reports count as late in Q2
    let q2 = ecociv_app::assessment::facts(&june, &plan, &[Quarter { year: 2024, q: 2 }], june.today()).await.unwrap().remove(0);
    let late =
        q2.iter().flat_map(|u| u.facts.iter()).filter(|f| matches!(f, Fact::Report { period, arrival: Arrival::Late, .. } if period == "2024-05")).count();
    assert!(late >= 3, "the late May reports count as late in the quarter: {late}");
}

async fn plan_of(app: &App) -> std::sync::Arc<Plan> {
    app.plan(Some(ZONE)).await.unwrap()
}

on_both!(every_stamp_reads_the_one_clock);

/// An entry sent, a decision and a lock-out on a day set with `--today` are stamped on that
/// day (at the real time of day), not on the machine's date.
async fn every_stamp_reads_the_one_clock(db: &TestDb) {
    let plan = plan(db).await;
    let app = on(db, "2024-06-15");
    let beijing_day = |ts: &str| ecociv_core::clock::beijing_day(ts).unwrap();
    let number = projects_of(&plan, 2024)[0];
    let id = send(db, &plan, "2024-06-15", number, "2024-05", Some(100)).await;
    let r = entries::decide_dispatch(&app, &task_force(), id, Decision::Approve, "").await.unwrap();
    assert_eq!((beijing_day(&r.submitted_at), beijing_day(&r.decided_at)), (day("2024-06-15"), day("2024-06-15")));
    let new = ecociv_app::accounts::new_user(&app, "clock", "市林草局", Role::Department).await.unwrap();
    let u = ecociv_app::accounts::add_user(&app, &new, "Tamper-proof-rivers-9".into(), "test").await.unwrap();
    assert_eq!(beijing_day(&u.created_at), day("2024-06-15"));
    let mut locked = None;
    for _ in 0..ecociv_app::accounts::MAX_FAILURES {
        if let ecociv_app::accounts::Login::Locked(until) = ecociv_app::accounts::login(&app, "clock", "wrong-password").await.unwrap() {
            locked = Some(until);
        }
    }
    let until: chrono::DateTime<chrono::Utc> = locked.expect("locked after the last failure").parse().unwrap();
    let ahead = until - app.now();
    assert!(
        ahead > chrono::Duration::zero() && ahead <= chrono::Duration::minutes(ecociv_app::accounts::LOCK_MINUTES),
        "locked until {until}, now {}",
        app.now()
    );
}

on_both!(milestones_stand_as_the_data_say);

/// The first phase's milestones on the data: the plan issued; the 2022 and 2023 archive
/// complete once every leaf has an approved value of both years (late here); the 2023 reports
/// issued once the task force numbers both; a county's title, which ecociv does not hold, to be
/// confirmed.
async fn milestones_stand_as_the_data_say(db: &TestDb) {
    use ecociv_core::clock::MilestoneState;
    use ecociv_core::record::{EntryState, ObservationRecord};
    use ecociv_store::EntryWrite;
    let plan = plan(db).await;
    let first = |app: App| async move { ecociv_app::milestones::states(&app, &*plan_of(&app).await).await.unwrap()[0].clone() };
    let before = first(on(db, "2024-05-20")).await;
    assert_eq!(before[0], MilestoneState::Met { on: plan.issued_on, late: false });
    assert_eq!(&before[1..], [MilestoneState::Missed, MilestoneState::Missed, MilestoneState::ToConfirm]);
    assert_eq!(first(on(db, "2024-04-01")).await[1], MilestoneState::Pending);
    // every leaf approved for 2022 and 2023 on 2024-05-10, one of 2023 left waiting
    let leaves = plan.leaves();
    let writes: Vec<EntryWrite> = [2022, 2023]
        .into_iter()
        .flat_map(|year| leaves.iter().enumerate().map(move |(k, l)| (year, k, l.code.to_string())))
        .map(|(year, k, indicator)| {
            let waiting = year == 2023 && k == 0;
            EntryWrite::NewObservation(ObservationRecord {
                id: 0,
                zone: ZONE.into(),
                indicator,
                year,
                region: String::new(),
                value: "1".into(),
                comment: String::new(),
                explanation: String::new(),
                state: if waiting { EntryState::Submitted } else { EntryState::Approved },
                late: true,
                submitted_by: "u".into(),
                submitted_at: "2024-05-09T02:00:00Z".into(),
                decided_by: if waiting { String::new() } else { "tf".into() },
                decided_at: if waiting { String::new() } else { "2024-05-10T02:00:00Z".into() },
                reason: String::new(),
                version: 0,
            })
        })
        .collect();
    db.store.write_entries(ZONE, &writes, "test").await.unwrap();
    assert_eq!(first(on(db, "2024-05-20")).await[1], MilestoneState::Missed, "one leaf of 2023 is not approved");
    let waiting = db.store.observations(ZONE).await.unwrap().into_iter().find(|o| o.state == EntryState::Submitted).unwrap();
    entries::decide_observation(&on(db, "2024-05-12"), &task_force(), waiting.id, Decision::Approve, "").await.unwrap();
    assert_eq!(first(on(db, "2024-05-20")).await[1], MilestoneState::Met { on: day("2024-05-12"), late: true });
    // the reports of 2023: numbered by the task force
    let app = on(db, "2024-05-15");
    for kind in ["work", "technical"] {
        let input = ecociv_app::documents::MastheadInput { number: format!("呼生态创发〔2024〕{}号", kind.len()), ..Default::default() };
        ecociv_app::documents::set_masthead(&app, &task_force(), kind, "2023", &input).await.unwrap();
    }
    assert_eq!(first(on(db, "2024-05-20")).await[2], MilestoneState::Met { on: day("2024-05-15"), late: true });
}
