//! A large import, on both databases: its rows are stored in parts while the later ones are
//! still checked (`imports::Writer`), and still whole or not at all — a bad row near the end
//! leaves nothing of the parts already sent; two imports of one file at once store it once.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_core::access::{Actor, Role};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const ZONE: &str = "150100";

/// Every project of the plan reported month by month from 2023-01 to 2025-12 (2,736 rows, a
/// few parts), cumulative investment adding up; `bad` rows get a status no form takes.
fn table(bad: &[usize]) -> Vec<u8> {
    let mut s = String::from("项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n");
    let mut n = 0;
    for project in 1..=76 {
        for month in 0..36 {
            let status = if bad.contains(&n) { "快好了" } else { "在建" };
            s.push_str(&format!("{project},{}-{:02},{status},{},1,{}\n", 2023 + month / 12, month % 12 + 1, month + 1, month + 1));
            n += 1;
        }
    }
    s.into_bytes()
}

fn task_force() -> Actor {
    Actor { name: "tf".into(), zone: ZONE.into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None }
}

async fn app(db: &TestDb) -> App {
    let app = App::new(db.store.clone(), Some("2026-01-15".parse::<NaiveDate>().unwrap()), ZONE);
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    app
}

on_both!(a_large_import_is_stored_in_parts_whole_or_not_at_all, two_imports_of_one_file_at_once_store_it_once);

async fn a_large_import_is_stored_in_parts_whole_or_not_at_all(db: &TestDb) {
    let app = app(db).await;
    let events = db.store.trail(ZONE).await.unwrap().len();
    // a bad row near the end, after parts of the good ones went to the store: nothing is kept
    let r = ecociv_app::imports::import(&app, &task_force(), &table(&[2700])).await.unwrap();
    assert_eq!((r.stored, r.problems.len()), (0, 1), "{:?}", &r.problems[..r.problems.len().min(3)]);
    assert_eq!(r.problems[0].row, Some(2702), "the row in the file (after the header)");
    assert!(db.store.dispatch_reports(ZONE).await.unwrap().is_empty(), "nothing of the parts sent");
    assert_eq!(db.store.trail(ZONE).await.unwrap().len(), events, "nor an event");
    // the file corrected: every row, each with its event, the chain whole
    let r = ecociv_app::imports::import(&app, &task_force(), &table(&[])).await.unwrap();
    assert!(r.ok(), "{:?}", &r.problems[..r.problems.len().min(3)]);
    assert_eq!((r.rows, r.stored, r.unchanged), (2736, 2736, 0));
    assert_eq!(db.store.dispatch_reports(ZONE).await.unwrap().len(), 2736);
    assert_eq!(db.store.trail(ZONE).await.unwrap().len(), events + 2736);
    assert!(db.store.verify(ZONE).await.unwrap().ok());
    // the same file again changes nothing
    let r = ecociv_app::imports::import(&app, &task_force(), &table(&[])).await.unwrap();
    assert_eq!((r.stored, r.unchanged), (0, 2736));
}

async fn two_imports_of_one_file_at_once_store_it_once(db: &TestDb) {
    let app = app(db).await;
    let (file, tf) = (table(&[]), task_force());
    let (a, b) = tokio::join!(ecociv_app::imports::import(&app, &tf, &file), ecociv_app::imports::import(&app, &tf, &file));
    let (a, b) = (a.unwrap(), b.unwrap());
    // one stores every row; the other meets them (a conflict: both read the stored reports
    // before either wrote) or, had it read them after, finds them stored (unchanged)
    let mut stored = [a.stored, b.stored];
    stored.sort();
    assert_eq!(stored, [0, 2736], "{:?} {:?}", &a.problems[..a.problems.len().min(3)], &b.problems[..b.problems.len().min(3)]);
    let loser = if a.stored == 0 { &a } else { &b };
    assert!(loser.unchanged == 2736 || loser.problems.iter().any(|p| p.code == "conflict"), "{:?}", &loser.problems[..loser.problems.len().min(3)]);
    assert_eq!(db.store.dispatch_reports(ZONE).await.unwrap().len(), 2736);
    assert!(db.store.verify(ZONE).await.unwrap().ok());
}
