//! The store conformance suite: every test runs on SQLite and on PostgreSQL.

use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_store::testdb::TestDb;
use ecociv_store::{Backend, LoadOutcome};

/// Runs `f` on a fresh SQLite database and a fresh PostgreSQL database.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let db = TestDb::sqlite().await;
                super::$name(&db).await;
                db.cleanup().await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = TestDb::postgres().await {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
        })*
    };
}

on_both!(plan_round_trips_exactly, loading_twice_changes_nothing, a_revised_plan_updates_in_place, foreign_keys_are_enforced);

async fn plan_round_trips_exactly(db: &TestDb) {
    let plan = build_plan(&hohhot()).unwrap();
    assert_eq!(db.store.load_plan(&plan, "test").await.unwrap(), LoadOutcome::Loaded);
    let back = db.store.plan("150100").await.unwrap().expect("stored");
    assert_eq!(back.indicators, plan.indicators);
    assert_eq!(back.tasks, plan.tasks);
    assert_eq!(back.projects, plan.projects);
    assert_eq!(back.org_units, plan.org_units);
    assert_eq!(back.findings, plan.findings);
    assert_eq!(back, plan);
    assert_eq!(db.store.zones().await.unwrap().len(), 1);
    assert!(db.store.plan("999999").await.unwrap().is_none());
}

async fn loading_twice_changes_nothing(db: &TestDb) {
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let before = db.store.row_counts("150100").await.unwrap();
    assert_eq!(before["indicators"], 36 + 12);
    assert_eq!(before["tasks"], 37);
    assert_eq!(before["projects"], 76);
    assert_eq!(before["audit_log"], 1);
    assert_eq!(db.store.load_plan(&plan, "test").await.unwrap(), LoadOutcome::Unchanged);
    assert_eq!(db.store.row_counts("150100").await.unwrap(), before);
}

async fn a_revised_plan_updates_in_place(db: &TestDb) {
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let mut revised = plan.clone();
    revised.tasks[8].title = "科学推进国土绿化（修订）".into();
    revised.projects.pop();
    revised.content_hash = "revised".into();
    assert_eq!(db.store.load_plan(&revised, "test").await.unwrap(), LoadOutcome::Updated);
    let back = db.store.plan("150100").await.unwrap().unwrap();
    assert_eq!(back, revised);
    let counts = db.store.row_counts("150100").await.unwrap();
    assert_eq!(counts["projects"], 75);
    assert_eq!(counts["audit_log"], 2);
}

async fn foreign_keys_are_enforced(db: &TestDb) {
    let mut plan = build_plan(&hohhot()).unwrap();
    plan.projects[0].implementers = vec!["不存在的单位".into()];
    assert!(db.store.load_plan(&plan, "test").await.is_err());
    // all or nothing: the failed load left no trace
    assert!(db.store.plan("150100").await.unwrap().is_none());
    let counts = db.store.row_counts("150100").await.unwrap();
    assert!(counts.values().all(|n| *n == 0), "{counts:?}");
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let db = TestDb::sqlite().await;
    assert_eq!(db.store.backend(), Backend::Sqlite);
    let store = ecociv_store::connect(&db.url).await.unwrap();
    drop(store);
    let opts: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
    assert_eq!(mode, "wal");
    pool.close().await;
    db.cleanup().await;
}
