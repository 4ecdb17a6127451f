//! Rectification tasks on both databases: the task force enters a list (all or none, every
//! problem named with its row), changes one; the owner reports its monthly progress (on its
//! to-do list, refused to anyone else, its percent never going back); where each task stands;
//! and the year's work report tells it.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_app::rectifications::{list, save};
use ecociv_core::access::{Actor, Role};
use ecociv_core::rectification::{RectificationInput, RectificationReportInput, Standing, Status};
use ecociv_core::todo::{Standing as Due, Subject};
use ecociv_report::official::Block;
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

fn on(db: &TestDb, today: &str) -> App {
    App::new(db.store.clone(), Some(today.parse::<NaiveDate>().unwrap()), ZONE)
}

fn actor(name: &str, org: &str, role: Role) -> Actor {
    Actor { name: name.into(), zone: ZONE.into(), org_unit: org.into(), role, parent: None }
}

fn task(number: u32, owner: &str, deadline: &str) -> RectificationInput {
    RectificationInput {
        number,
        source: Some("第二轮中央生态环境保护督察报告".into()),
        problem: format!("督察反馈问题 {number}"),
        owner: owner.into(),
        deadline: deadline.into(),
        measures: Some("制定方案，按月推进".into()),
        status: None,
        version: None,
    }
}

fn report(period: &str, percent: &str) -> RectificationReportInput {
    RectificationReportInput {
        period: period.into(), progress: format!("{period} 完成阶段任务"), progress_percent: percent.into(), problems: String::new()
    }
}

on_both!(a_list_kept_reported_and_told, a_list_imported_from_a_table);

async fn a_list_imported_from_a_table(db: &TestDb) {
    use ecociv_app::imports::import;
    let app = on(db, "2024-06-10");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    // a CSV as the task force keeps it, headers in Chinese, one row wrong in two places
    let csv = "序号,来源,整改任务,责任单位,完成时限,整改措施,整改状态\n\
               1,第二轮督察,大青山南坡违规开发,市林草局,2024年12月底前,拆除复绿,推进中\n\
               2,第二轮督察,入河排污口整治,市不存在局,尽快,,推进中\n\
               3,第二轮督察,城市黑臭水体治理,市水务局,长期坚持,,已完成\n";
    let r = import(&app, &tf, csv.as_bytes()).await.unwrap();
    let mut at: Vec<(Option<u32>, String)> = r.problems.iter().map(|p| (p.row, p.code.clone())).collect();
    at.sort();
    assert_eq!(at, vec![(Some(3), "bad_date".into()), (Some(3), "unknown_org_unit".into())], "{:?}", r.problems);
    assert!(r.problems.iter().all(|p| p.col.is_some()), "each at its column: {:?}", r.problems);
    assert!(list(&app, &tf).await.unwrap().is_empty(), "nothing stored");
    let fixed = csv.replace("市不存在局,尽快", "市水务局,2025-06");
    let r = import(&app, &tf, fixed.as_bytes()).await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!((r.rows, r.stored, r.unchanged), (3, 3, 0));
    let stored = list(&app, &tf).await.unwrap();
    assert_eq!(
        stored.iter().map(|r| (r.deadline.as_str(), r.status)).collect::<Vec<_>>(),
        [("2024-12-31", Status::UnderWay), ("2025-06-30", Status::UnderWay), ("long_term", Status::Completed)]
    );
    // the list as a workbook (in English too), imported back, changes nothing
    let plan = app.plan(Some(ZONE)).await.unwrap();
    for l in [ecociv_core::Locale::Zh, ecociv_core::Locale::En] {
        let book = ecociv_app::exports::template(&app, &plan, ecociv_report::sheet::TemplateKind::Rectifications, "市生态环境局", None, l).await.unwrap();
        let r = import(&app, &tf, &book.bytes).await.unwrap();
        assert!(r.ok(), "{l:?}: {:?}", r.problems);
        assert_eq!((r.rows, r.stored, r.unchanged), (3, 0, 3), "{l:?}");
    }
    // a hand-made list that would change stored tasks without their version is refused, each at
    // its number; the workbook downloaded before a change is refused where the row moved since
    let changed = fixed.replace("拆除复绿", "拆除复绿并验收");
    let r = import(&app, &tf, changed.as_bytes()).await.unwrap();
    assert_eq!(r.problems.iter().map(|p| (p.row, p.code.as_str())).collect::<Vec<_>>(), [(Some(2), "number_taken")]);
    let old_book =
        ecociv_app::exports::template(&app, &plan, ecociv_report::sheet::TemplateKind::Rectifications, "市生态环境局", None, ecociv_core::Locale::Zh)
            .await
            .unwrap();
    let mut first = list(&app, &tf).await.unwrap().remove(0);
    first.version = 1;
    save(
        &app,
        &tf,
        &[RectificationInput {
            status: Some("已完成".into()),
            version: Some(1),
            ..RectificationInput {
                number: 1,
                problem: first.problem.clone(),
                owner: first.owner.clone(),
                deadline: first.deadline.clone(),
                ..Default::default()
            }
        }],
    )
    .await
    .unwrap();
    let r = import(&app, &tf, &old_book.bytes).await.unwrap();
    assert_eq!(r.problems.iter().map(|p| (p.row, p.code.as_str())).collect::<Vec<_>>(), [(Some(2), "changed_since")], "{:?}", r.problems);
    // a unit may not import the list
    let forest = actor("lin", "市林草局", Role::Department);
    let r = import(&app, &forest, fixed.as_bytes()).await.unwrap();
    assert_eq!(r.problems[0].code, "forbidden");
    assert!(db.store.verify(ZONE).await.unwrap().ok());
}

async fn a_list_kept_reported_and_told(db: &TestDb) {
    let app = on(db, "2024-06-10");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let tf = actor("tf", "市生态环境局", Role::TaskForce);
    let forest = actor("lin", "市林草局", Role::Department);
    let water = actor("shui", "市水务局", Role::Department);
    // a list with problems in two rows: nothing stored, each problem at its row and field
    let bad = vec![task(1, "市林草局", "2024-05-31"), task(2, "市不存在局", "尽快"), task(1, "市水务局", "长期坚持")];
    let e = save(&app, &tf, &bad).await.unwrap_err();
    let mut at: Vec<(String, &str)> = e.checks.iter().map(|c| (c.field.clone(), c.code)).collect();
    at.sort();
    assert_eq!(at, vec![("rows[1].deadline".into(), "bad_date"), ("rows[1].owner".into(), "unknown_org_unit"), ("rows[2].number".into(), "duplicate_number")]);
    assert!(list(&app, &tf).await.unwrap().is_empty());
    // only the task force keeps the list
    assert_eq!(save(&app, &forest, &[task(1, "市林草局", "2024-05-31")]).await.unwrap_err().code, "forbidden");
    let good = vec![task(1, "市林草局", "2024-05-31"), task(2, "市水务局", "2025年6月底前"), task(3, "市林草局", "长期坚持")];
    let saved = save(&app, &tf, &good).await.unwrap();
    assert_eq!(saved.iter().map(|r| r.deadline.as_str()).collect::<Vec<_>>(), ["2024-05-31", "2025-06-30", "long_term"]);
    // saving the same list again changes nothing; a change moves one version
    assert!(save(&app, &tf, &good).await.unwrap().is_empty());
    let today = "2024-06-10".parse().unwrap();
    let stands: Vec<Standing> = list(&app, &tf).await.unwrap().iter().map(|r| r.standing(today)).collect();
    assert_eq!(stands, [Standing::Overdue, Standing::OnSchedule, Standing::LongTerm]);

    // in July the owner finds June's reports on its to-do list (the first month a task entered
    // in June reports); others do not
    let plan = app.plan(Some(ZONE)).await.unwrap();
    let july = on(db, "2024-07-03");
    let due = |who: &Actor| {
        let app = on(db, "2024-07-03");
        let plan = plan.clone();
        let who = who.clone();
        async move {
            ecociv_app::todo::todo(&app, &plan, &who)
                .await
                .unwrap()
                .reports
                .into_iter()
                .filter_map(|i| match i.subject {
                    Subject::Rectification { number, .. } => Some((number, i.standing)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        }
    };
    let mine = due(&forest).await;
    assert_eq!(mine.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3]);
    assert!(mine.iter().all(|(_, s)| *s == Due::Due));
    assert_eq!(due(&water).await.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2]);
    // the owner reports; another unit may not; the percent does not go back
    let sent = ecociv_app::entries::submit_rectification_report(&app, &forest, 1, &report("2024-04", "60")).await.unwrap();
    assert_eq!((sent.kind.as_str(), sent.subject, sent.progress_percent.as_str()), ("rectification", 1, "60"));
    assert!(sent.late, "April's report sent in June is late");
    assert_eq!(ecociv_app::entries::submit_rectification_report(&app, &water, 1, &report("2024-05", "70")).await.unwrap_err().code, "forbidden");
    let e = ecociv_app::entries::submit_rectification_report(&app, &forest, 1, &report("2024-05", "50")).await.unwrap_err();
    assert_eq!(e.checks[0].code, "progress_down");
    ecociv_app::entries::submit_rectification_report(&app, &forest, 1, &report("2024-05", "80")).await.unwrap();
    assert_eq!(ecociv_app::entries::submit_rectification_report(&app, &forest, 1, &report("2024-05", "90")).await.unwrap_err().code, "already_reported");
    assert_eq!(ecociv_app::entries::submit_rectification_report(&app, &forest, 9, &report("2024-05", "90")).await.unwrap_err().code, "unknown_rectification");
    assert!(matches!(due(&forest).await[0], (1, Due::Due)), "June's is not in yet");
    ecociv_app::entries::submit_rectification_report(&july, &forest, 1, &report("2024-06", "85")).await.unwrap();
    assert!(matches!(due(&forest).await[0], (1, Due::Sent { late: false, .. })), "June's report is in, on time");
    // a month filled in late says no more than the months after it did
    let e = ecociv_app::entries::submit_rectification_report(&july, &forest, 1, &report("2024-03", "90")).await.unwrap_err();
    assert_eq!(e.checks[0].code, "progress_above_later");
    // evidence: by the owner or the task force
    let r1 = list(&app, &tf).await.unwrap().into_iter().next().unwrap();
    ecociv_app::entries::attach(&app, &forest, "rectification", r1.id, "销号材料.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap();
    assert_eq!(ecociv_app::entries::attach(&app, &water, "rectification", r1.id, "x.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap_err().code, "forbidden");
    // a change of a stored task must say the version it was made from: none (a new task on a
    // number taken) or a stale one is refused
    let reworded = RectificationInput { measures: Some("拆除复绿，逐月销号".into()), ..task(1, "市林草局", "2024-05-31") };
    assert_eq!(save(&app, &tf, std::slice::from_ref(&reworded)).await.unwrap_err().code, "number_taken");
    let stale = RectificationInput { version: Some(r1.version + 7), ..reworded.clone() };
    assert_eq!(save(&app, &tf, &[stale]).await.unwrap_err().code, "changed_since");
    // an edit in July keeps when the task was entered: June is still asked of it
    let edited = save(&on(db, "2024-07-03"), &tf, &[RectificationInput { version: Some(r1.version), ..reworded }]).await.unwrap();
    assert_eq!((edited[0].entered_at.as_str(), edited[0].version), (r1.entered_at.as_str(), 2));
    // the task force closes task 1 (fields left out keep their values); no report asked any more
    let done = RectificationInput { status: Some("已完成".into()), source: None, measures: None, version: Some(2), ..task(1, "市林草局", "2024-05-31") };
    let changed = save(&app, &tf, &[done]).await.unwrap();
    assert_eq!((changed[0].status, changed[0].version, changed[0].measures.as_str()), (Status::Completed, 3, "拆除复绿，逐月销号"));
    assert_eq!(due(&forest).await.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3]);
    // a list without a status says nothing of it: a completed task stays completed
    let again =
        RectificationInput { status: None, version: Some(3), problem: "督察反馈问题 1（修订）".into(), ..task(1, "市林草局", "2024-05-31") };
    assert_eq!(save(&app, &tf, &[again]).await.unwrap()[0].status, Status::Completed);
    // a completed task is reported no more
    let e = ecociv_app::entries::submit_rectification_report(&july, &forest, 1, &report("2024-07", "100")).await.unwrap_err();
    assert_eq!(e.code, "wrong_state");
    assert!(db.store.verify(ZONE).await.unwrap().ok());

    // the year's work report tells them, with the latest progress of the year
    let doc =
        ecociv_app::documents::document(&on(db, "2025-02-01"), &plan, ecociv_app::documents::Document::Work(2024), ecociv_core::Locale::Zh).await.unwrap();
    let text: String = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) => p.clone(),
            Block::Table(_, rows, _) => rows.iter().map(|r| r.join("|")).collect::<Vec<_>>().join("\n"),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("整改任务共 3 项"), "{text}");
    assert!(text.contains("已完成 1 项") && text.contains("长期坚持 1 项"), "{text}");
    assert!(text.contains("1|督察反馈问题 1（修订）|市林草局|2024-05-31|已完成|85%：2024-06 完成阶段任务"), "{text}");
    assert!(text.contains("3|督察反馈问题 3|市林草局|长期坚持|长期坚持|未报送"), "{text}");
    // a change after the year's report was judged, and a task entered then, leave it as it was
    let march = on(db, "2025-03-01");
    save(
        &march,
        &tf,
        &[RectificationInput { status: Some("已完成".into()), version: Some(1), ..task(2, "市水务局", "2025年6月底前") }, task(4, "市水务局", "2025年底前")],
    )
    .await
    .unwrap();
    let again =
        ecociv_app::documents::document(&on(db, "2025-03-02"), &plan, ecociv_app::documents::Document::Work(2024), ecociv_core::Locale::Zh).await.unwrap();
    // the same, but for the last line, which names the head of the trail it was made from
    let body = |d: &ecociv_report::official::OfficialDoc| d.blocks.iter().filter(|b| !matches!(b, Block::Provenance(_))).cloned().collect::<Vec<_>>();
    assert!(body(&again) == body(&doc), "the 2024 report as it was");
}
