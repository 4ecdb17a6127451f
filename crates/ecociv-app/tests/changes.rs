//! What the application knows of the database without asking it never outlives a write:
//! through its own store (at once) or by another process (at the watcher's next look); and what
//! entries never change is not read again for every report.

use ecociv_app::App;
use ecociv_app::changes::Scope;
use ecociv_app::entries::{PeriodAction, set_period, submit_project_report};
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::ProjectReportInput;
use ecociv_store::testdb::TestDb;

async fn a_write_anywhere_moves_the_stamp(db: &TestDb) {
    let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
    let app = App::new(db.store.clone(), None, "150100");
    // no watcher: nothing is kept
    assert_eq!(app.changes.stamp(&*app.store), None);
    let mut last = None;
    app.changes.look(&*app.store, &mut last).await.unwrap();
    let s0 = app.changes.stamp(&*app.store).expect("a watcher looked");
    let v0 = app.versions("150100").await.unwrap();
    assert_eq!(app.changes.versions.get("150100", s0), Some(v0), "kept at the stamp it was read at");
    // a write through this store moves the stamp at once: the next read asks the store
    let u = ecociv_core::record::UserRecord {
        name: "alice".into(),
        zone: "150100".into(),
        org_unit: "市生态环境局".into(),
        role: ecociv_core::access::Role::Department,
        password_hash: "x".into(),
        failed_logins: 0,
        locked_until: String::new(),
        disabled: false,
        must_change_password: false,
        created_at: "2024-01-01T00:00:00Z".into(),
    };
    db.store.create_user(&u, "test").await.unwrap();
    let s1 = app.changes.stamp(&*app.store).unwrap();
    assert_ne!(s1, s0);
    assert_eq!(app.changes.versions.get("150100", s1), None);
    // a write by another process (here another store on the same database) moves the signal,
    // and the stamp at the watcher's next look
    let other = ecociv_store::connect(&db.url).await.unwrap();
    app.changes.look(&*app.store, &mut last).await.unwrap();
    let s2 = app.changes.stamp(&*app.store).unwrap();
    other.create_token(&u, "hash-of-another-token", "test").await.unwrap();
    app.changes.look(&*app.store, &mut last).await.unwrap();
    assert_ne!(app.changes.stamp(&*app.store).unwrap(), s2, "another's commit was seen");
    // a token made elsewhere is found once the watcher looked, and stops working at once when
    // revoked here
    assert_eq!(ecociv_app::accounts::token_user(&app, "tok").await.unwrap(), None);
    other.create_token(&u, &ecociv_app::accounts::fingerprint("tok"), "test").await.unwrap();
    app.changes.look(&*app.store, &mut last).await.unwrap();
    assert_eq!(ecociv_app::accounts::token_user(&app, "tok").await.unwrap().map(|u| u.name), Some("alice".into()));
    assert!(ecociv_app::accounts::token_user(&app, "tok").await.unwrap().is_some(), "kept");
    db.store.revoke_tokens(&u, None, "test").await.unwrap();
    assert_eq!(ecociv_app::accounts::token_user(&app, "tok").await.unwrap(), None, "revoked here: at once");

    // a report moves the stamp of every commit but not that of what entries never change: the
    // plan, the settings and the periods read for it stay kept while units send their reports;
    // a period locked moves both, and the next report reads the periods afresh
    let app = App::new(db.store.clone(), Some("2025-06-15".parse().unwrap()), "150100");
    app.changes.look(&*app.store, &mut last).await.unwrap();
    let stamps = || (app.changes.stamp_of(&*app.store, Scope::Every).unwrap(), app.changes.stamp_of(&*app.store, Scope::BesideEntries).unwrap());
    let zj = Actor { name: "zj".into(), zone: "150100".into(), org_unit: "市住建局".into(), role: Role::Department, parent: None };
    let tf = Actor { name: "tf".into(), zone: "150100".into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    let (every, beside) = stamps();
    assert_eq!(app.zones().await.unwrap().len(), 1);
    submit_project_report(&app, &zj, 12, &report("2025-02")).await.unwrap();
    let (every2, beside2) = stamps();
    assert_ne!(every2, every, "a report is a commit");
    assert_eq!(beside2, beside, "and changes nothing but entries");
    assert!(app.changes.periods.get("150100", beside).is_some(), "the periods read for the report are kept");
    assert!(app.changes.plan_hashes.get("150100", beside).is_some());
    assert!(app.changes.zones.get("", beside).is_some(), "the list of zones too");
    submit_project_report(&app, &zj, 12, &report("2025-03")).await.unwrap();
    set_period(&app, &tf, "2025-04", PeriodAction::Lock, "").await.unwrap();
    let (_, beside3) = stamps();
    assert_ne!(beside3, beside, "a period locked is more than an entry");
    assert!(app.changes.periods.get("150100", beside3).is_none());
    let refused = submit_project_report(&app, &zj, 12, &report("2025-04")).await.unwrap_err();
    assert_eq!(refused.code, "period_locked", "the lock is seen by the next report: {refused:?}");
}

fn report(period: &str) -> ProjectReportInput {
    serde_json::from_value(
        serde_json::json!({"period": period, "status": "under_way", "progress_percent": 50, "investment_month_wan": 0, "investment_cumulative_wan": 0}),
    )
    .unwrap()
}

#[tokio::test]
async fn on_sqlite() {
    let db = TestDb::sqlite().await;
    a_write_anywhere_moves_the_stamp(&db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        a_write_anywhere_moves_the_stamp(&db).await;
        db.cleanup().await;
    }
}
