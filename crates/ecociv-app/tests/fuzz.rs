//! Property-based fuzzing (proptest, bounded) of the import, through the forms' checks into a
//! real SQLite database: whatever rows a task force's table holds — unknown projects, bad
//! months, words for numbers, sums that do not continue, duplicates — the import either stores
//! every row or none (and then lists problems with their places), and the trail verifies.

use ecociv_app::{App, audit, imports};
use ecociv_core::access::{Actor, Role};
use ecociv_store::testdb::TestDb;
use proptest::prelude::*;

fn row() -> impl Strategy<Value = String> {
    let project = prop_oneof![1u32..=76, Just(0), Just(77), Just(999)].prop_map(|p| p.to_string());
    let month = prop_oneof![
        (2023u32..=2025, 1u32..=12).prop_map(|(y, m)| format!("{y}-{m:02}")),
        prop::sample::select(vec!["2024年5月", "2026-01", "2022-12", "13月", "", "2024-00"]).prop_map(String::from),
    ];
    let status = prop::sample::select(vec!["在建", "已完工", "未开工", "停工", "under_way", "进行中", ""]);
    let number =
        prop_oneof![(0u32..200).prop_map(|n| n.to_string()), prop::sample::select(vec!["", "-5", "1万", "abc", "1e9", "50%", "１０"]).prop_map(String::from),];
    (project, month, status, number.clone(), number.clone(), number)
        .prop_map(|(p, m, s, progress, month_wan, cumulative)| format!("{p},{m},{s},{progress},{month_wan},{cumulative}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_import_stores_every_row_or_none(rows in prop::collection::vec(row(), 1..25)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = TestDb::sqlite().await;
            let app = App::new(db.store.clone(), Some("2025-12-20".parse().unwrap()), "150100");
            ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
            let tf = Actor { name: "tf".into(), zone: "150100".into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
            let table = format!("项目序号,月份,状态,进度（%）,本月投资（万元）,累计投资（万元）\n{}\n", rows.join("\n"));
            let r = imports::import(&app, &tf, table.as_bytes()).await.expect("an import answers");
            let stored = db.store.dispatch_reports("150100").await.unwrap().len();
            if r.ok() {
                assert_eq!(r.stored + r.unchanged, r.rows, "{table}");
                assert_eq!(stored, r.stored, "{table}");
            } else {
                assert_eq!((r.stored, stored), (0, 0), "refused, nothing stored: {table}");
                // the header is right: every problem is a row's, placed
                assert!(r.problems.iter().all(|p| p.row.is_some_and(|n| n >= 2) && !p.code.is_empty()), "{:?}", r.problems);
            }
            assert!(audit::verify(&app, &[], None).await.unwrap().iter().all(audit::ZoneAudit::ok));
            db.cleanup().await;
        });
    }
}
