//! The store conformance suite: every test runs on SQLite and on PostgreSQL.

use ecociv_core::access::Role;
use ecociv_core::plan_data::{build_plan, hohhot};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UserRecord};
use ecociv_store::testdb::TestDb;
use ecociv_store::{Backend, EntryWrite, LoadOutcome, StoreError};

use ecociv_store::on_both;

on_both!(
    plan_round_trips_exactly,
    loading_twice_changes_nothing,
    a_revised_plan_updates_in_place,
    foreign_keys_are_enforced,
    users_and_tokens,
    entries_are_unique_and_versioned,
    supervision_orders_are_versioned_and_on_the_trail,
    rectifications_are_saved_whole_or_not_at_all,
    a_reminder_is_claimed_once_and_a_lease_held_by_one,
    contacts_are_kept_on_the_trail_without_their_secrets,
    marked_workbooks_are_kept_per_zone_for_their_user,
    a_commit_by_another_wakes_the_watcher_at_once,
    a_batch_is_stored_whole_or_not_at_all,
    mastheads_are_kept_per_document,
    verify_catches_tampering,
    verify_catches_a_row_edited_or_inserted_in_every_table,
    data_versions_move_with_their_writes_only,
    a_large_batch_goes_in_chunks_with_its_trail,
    many_writers_at_once_all_land_in_one_chain,
    a_session_and_a_token_are_read_with_their_user
);

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
    assert_eq!(before["trail"], 1);
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
    assert_eq!(counts["trail"], 2);
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

/// The server's runtime has many threads: there SQLite's batch binds its rows on a thread the
/// runtime lets block. What it stores reads back exactly as given, odd characters too, with a
/// chain that verifies, while other requests of the runtime go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_on_a_runtime_of_many_threads_reads_back_as_given() {
    let db = TestDb::sqlite().await;
    loaded(&db).await;
    let odd = ["", "引号\"和'撇号'", "tab\tnew\nline", "emoji 🌿 and U+FFFD \u{fffd}", "100%_like\\path", "零宽\u{200b}空格"];
    let writes: Vec<EntryWrite> = (0..3000)
        .map(|i| {
            let mut d = report(4 + i % 3, &format!("{:04}-{:02}", 1900 + i / 12, i % 12 + 1));
            d.problems = odd[i as usize % odd.len()].into();
            d.late = i % 2 == 0;
            EntryWrite::NewDispatch(d)
        })
        .collect();
    // a reader on the same runtime is answered while the batch is bound
    let store = db.store.clone();
    let reader = tokio::spawn(async move {
        let mut answered = 0;
        for _ in 0..20 {
            store.plan("150100").await.unwrap().expect("the plan");
            answered += 1;
        }
        answered
    });
    assert_eq!(db.store.write_entries("150100", &writes, "alice").await.unwrap(), 3000);
    assert_eq!(reader.await.unwrap(), 20);
    let stored = db.store.dispatch_reports("150100").await.unwrap();
    assert_eq!(stored.len(), 3000);
    let mut given: Vec<&DispatchRecord> = writes.iter().map(|w| if let EntryWrite::NewDispatch(d) = w { d } else { unreachable!() }).collect();
    given.sort_by_key(|d| (d.subject, d.period.clone()));
    for (s, g) in stored.iter().zip(&given) {
        assert_eq!(s, &DispatchRecord { id: s.id, version: 1, ..(*g).clone() });
    }
    assert!(db.store.verify("150100").await.unwrap().ok());
    // the same batch again: a conflict, and nothing more stored
    let events = db.store.trail("150100").await.unwrap().len();
    assert!(matches!(db.store.write_entries("150100", &writes[2999..], "alice").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.trail("150100").await.unwrap().len(), events);
    db.cleanup().await;
}

async fn loaded(db: &TestDb) {
    let plan = build_plan(&hohhot()).unwrap();
    db.store.load_plan(&plan, "test").await.unwrap();
}

fn user(name: &str, org: &str, role: Role) -> UserRecord {
    UserRecord {
        name: name.into(),
        zone: "150100".into(),
        org_unit: org.into(),
        role,
        password_hash: "$argon2id$fake".into(),
        failed_logins: 0,
        locked_until: String::new(),
        disabled: false,
        must_change_password: false,
        created_at: "2024-01-01T00:00:00Z".into(),
    }
}

fn obs(indicator: &str, year: i64, value: &str) -> ObservationRecord {
    ObservationRecord {
        id: 0,
        zone: "150100".into(),
        indicator: indicator.into(),
        year,
        region: String::new(),
        value: value.into(),
        comment: String::new(),
        explanation: String::new(),
        state: EntryState::Submitted,
        late: false,
        submitted_by: "alice".into(),
        submitted_at: "2024-02-01T00:00:00Z".into(),
        decided_by: String::new(),
        decided_at: String::new(),
        reason: String::new(),
        version: 0,
    }
}

fn report(subject: i64, period: &str) -> DispatchRecord {
    DispatchRecord {
        id: 0,
        zone: "150100".into(),
        kind: "project".into(),
        subject,
        org_unit: "玉泉区".into(),
        period: period.into(),
        status: "under_way".into(),
        progress_percent: "30".into(),
        investment_month_wan: "100".into(),
        investment_cumulative_wan: "300".into(),
        funding: String::new(),
        progress: String::new(),
        quantities: "[]".into(),
        benefits: String::new(),
        problems: String::new(),
        explanation: String::new(),
        state: EntryState::Submitted,
        late: false,
        submitted_by: "bob".into(),
        submitted_at: "2024-06-01T00:00:00Z".into(),
        decided_by: String::new(),
        decided_at: String::new(),
        reason: String::new(),
        version: 0,
    }
}

async fn users_and_tokens(db: &TestDb) {
    loaded(db).await;
    let alice = user("alice", "市生态环境局", Role::Department);
    db.store.create_user(&alice, "cli").await.unwrap();
    assert!(matches!(db.store.create_user(&alice, "cli").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.user("alice").await.unwrap().unwrap(), alice);
    let failed = UserRecord { failed_logins: 1, ..alice.clone() };
    db.store.update_user(&alice, &failed, "user.login_failed", "alice", "").await.unwrap();
    // a stale update is refused
    assert!(matches!(db.store.update_user(&alice, &failed, "user.login_failed", "alice", "").await, Err(StoreError::Conflict(_))));
    let id = db.store.create_token(&failed, "hash1", "cli").await.unwrap();
    assert_eq!(db.store.token("hash1").await.unwrap().unwrap().id, id);
    assert_eq!(db.store.revoke_tokens(&failed, None, "cli").await.unwrap(), 1);
    assert!(db.store.token("hash1").await.unwrap().is_none());
    let actions: Vec<String> = db.store.trail("150100").await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["plan.loaded", "user.created", "user.login_failed", "token.created", "token.revoked"]);
}

async fn entries_are_unique_and_versioned(db: &TestDb) {
    loaded(db).await;
    let o = db.store.insert_observation(&obs("7.1", 2023, "86.2"), "alice").await.unwrap();
    assert_eq!(o.version, 1);
    assert!(matches!(db.store.insert_observation(&obs("7.1", 2023, "80"), "alice").await, Err(StoreError::Conflict(_))));
    // the same indicator and year for a region is another entry
    db.store.insert_observation(&ObservationRecord { region: "托克托县".into(), ..obs("7.1", 2023, "80") }, "alice").await.unwrap();
    let approved = ObservationRecord { state: EntryState::Approved, decided_by: "tf".into(), ..o.clone() };
    let a = db.store.update_observation(&o, &approved, "observation.approved", "tf", "").await.unwrap();
    assert_eq!((a.version, a.state), (2, EntryState::Approved));
    assert!(matches!(db.store.update_observation(&o, &approved, "observation.approved", "tf", "").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.observation("150100", o.id).await.unwrap().unwrap(), a);
    assert!(db.store.observation("999999", o.id).await.unwrap().is_none(), "rows belong to their zone");
    let r = db.store.insert_dispatch(&report(4, "2024-05"), "bob").await.unwrap();
    assert!(matches!(db.store.insert_dispatch(&report(4, "2024-05"), "bob").await, Err(StoreError::Conflict(_))));
    db.store.insert_dispatch(&report(4, "2024-06"), "bob").await.unwrap();
    assert_eq!(db.store.dispatch_reports("150100").await.unwrap().len(), 2);
    assert_eq!(db.store.dispatch("150100", r.id).await.unwrap().unwrap(), r);
    // what a form reads: one series, one subject's reports
    assert_eq!(db.store.observation_series("150100", "7.1", "").await.unwrap(), vec![a.clone()]);
    assert_eq!(db.store.observation_series("150100", "7.1", "托克托县").await.unwrap().len(), 1);
    assert!(db.store.observation_series("150100", "7.2", "").await.unwrap().is_empty());
    assert!(db.store.observation_series("999999", "7.1", "").await.unwrap().is_empty(), "rows belong to their zone");
    let periods: Vec<String> = db.store.subject_reports("150100", "project", 4).await.unwrap().into_iter().map(|d| d.period).collect();
    assert_eq!(periods, vec!["2024-05", "2024-06"]);
    assert!(db.store.subject_reports("150100", "task", 4).await.unwrap().is_empty());
    assert_eq!(db.store.kind_reports("150100", "project").await.unwrap().len(), 2);
    assert!(db.store.kind_reports("150100", "rectification").await.unwrap().is_empty());
    assert!(db.store.kind_reports("999999", "project").await.unwrap().is_empty(), "rows belong to their zone");
    let history = db.store.trail_for("150100", "observation", &o.id.to_string()).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["observation.submitted", "observation.approved"]);
    assert_eq!(history[1].before, history[0].after);
}

fn order() -> ecociv_core::supervision::SupervisionOrder {
    use ecociv_core::supervision::{CheckedOrder, SubjectKind, SupervisionOrder};
    let c = CheckedOrder {
        org_unit: "市住建局".into(),
        subject_kind: SubjectKind::Project,
        subject: "12".into(),
        matter: "进度滞后".into(),
        required: "说明原因并提出措施".into(),
        deadline: "2024-05-20".parse().unwrap(),
    };
    SupervisionOrder::issued("150100", c, "tf", "t".into())
}

async fn supervision_orders_are_versioned_and_on_the_trail(db: &TestDb) {
    use ecociv_core::supervision::OrderState;
    loaded(db).await;
    let before = db.store.data_versions("150100").await.unwrap().controls;
    let o = db.store.issue_order(&order(), "tf").await.unwrap();
    assert_eq!(o.version, 1);
    assert!(db.store.data_versions("150100").await.unwrap().controls > before, "an order moves the views that read controls");
    let answered =
        ecociv_core::supervision::SupervisionOrder { state: OrderState::Answered, answer: "已整改".into(), answered_by: "bob".into(), ..o.clone() };
    let a = db.store.update_order(&o, &answered, "supervision_order.answered", "bob", "").await.unwrap();
    assert_eq!((a.version, a.state), (2, OrderState::Answered));
    // a second change from the version read first is someone else's change meanwhile
    assert!(matches!(db.store.update_order(&o, &answered, "supervision_order.answered", "bob", "").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.order("150100", o.id).await.unwrap().unwrap(), a);
    assert!(db.store.order("999999", o.id).await.unwrap().is_none(), "rows belong to their zone");
    // another zone's order cannot be changed through this zone
    let elsewhere = ecociv_core::supervision::SupervisionOrder { zone: "999999".into(), ..a.clone() };
    assert!(db.store.update_order(&elsewhere, &elsewhere, "supervision_order.closed", "x", "").await.is_err());
    let second = db.store.issue_order(&order(), "tf").await.unwrap();
    assert_eq!(db.store.orders("150100").await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![second.id, o.id], "the newest first");
    let history = db.store.trail_for("150100", "supervision_order", &o.id.to_string()).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["supervision_order.issued", "supervision_order.answered"]);
    assert_eq!(history[1].before, history[0].after);
    assert!(db.store.verify("150100").await.unwrap().ok());
}

fn rectification(number: u32) -> ecociv_core::rectification::Rectification {
    ecociv_core::rectification::Rectification {
        id: 0,
        zone: "150100".into(),
        number,
        source: "第二轮中央生态环境保护督察报告".into(),
        problem: format!("问题 {number}"),
        owner: "市生态环境局".into(),
        deadline: "2024-12-31".into(),
        measures: String::new(),
        status: ecociv_core::rectification::Status::UnderWay,
        entered_at: "t".into(),
        updated_by: "tf".into(),
        updated_at: "t".into(),
        version: 0,
    }
}

async fn rectifications_are_saved_whole_or_not_at_all(db: &TestDb) {
    use ecociv_store::RectificationWrite;
    loaded(db).await;
    let new = |n| RectificationWrite { before: None, after: rectification(n) };
    let saved = db.store.save_rectifications("150100", &[new(1), new(2)], "tf").await.unwrap();
    assert_eq!(saved.iter().map(|r| (r.number, r.version)).collect::<Vec<_>>(), vec![(1, 1), (2, 1)]);
    // a number taken anywhere in a batch: nothing of it is stored
    assert!(matches!(db.store.save_rectifications("150100", &[new(3), new(2)], "tf").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.rectifications("150100").await.unwrap().len(), 2);
    // a change from the version read; a second one from the same version is a conflict
    let done = ecociv_core::rectification::Rectification { status: ecociv_core::rectification::Status::Completed, ..saved[0].clone() };
    let change = RectificationWrite { before: Some(saved[0].clone()), after: done.clone() };
    let changed = db.store.save_rectifications("150100", std::slice::from_ref(&change), "tf").await.unwrap();
    assert_eq!(changed[0].version, 2);
    assert!(matches!(db.store.save_rectifications("150100", &[change], "tf").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.rectifications("150100").await.unwrap()[0], changed[0]);
    assert!(db.store.rectifications("999999").await.unwrap().is_empty(), "rows belong to their zone");
    let history = db.store.trail_for("150100", "rectification", &saved[0].id.to_string()).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["rectification.entered", "rectification.changed"]);
    assert!(db.store.verify("150100").await.unwrap().ok());
}

async fn a_reminder_is_claimed_once_and_a_lease_held_by_one(db: &TestDb) {
    use ecociv_store::ReminderLogRecord;
    loaded(db).await;
    let r = ReminderLogRecord {
        zone: "150100".into(),
        key: "市住建局|overdue|2024-06-05".into(),
        recipient: "zj@example.gov.cn".into(),
        org_unit: "市住建局".into(),
        channel: "mail".into(),
        stage: "overdue".into(),
        items: "project 12 2024-05".into(),
        body: "项目 12 2024-05".into(),
        status: String::new(),
        attempts: 1,
        detail: String::new(),
        claimed_at: "2024-06-06T01:00:00Z".into(),
        finished_at: String::new(),
    };
    // many claims at once, as from several instances: exactly one wins
    let claims = futures_claims(db, &r).await;
    assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
    // the same key to another recipient is another reminder
    assert!(db.store.claim_reminder(&ReminderLogRecord { recipient: "wecom:市住建局".into(), channel: "wecom".into(), ..r.clone() }).await.unwrap());
    db.store.finish_reminder("150100", &r.key, &r.recipient, "sent", "", "2024-06-06T01:00:01Z").await.unwrap();
    assert!(!db.store.claim_reminder(&r).await.unwrap(), "sent is sent, also after a restart");
    let log = db.store.reminder_log("150100").await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().any(|x| x.recipient == r.recipient && x.status == "sent" && x.finished_at == "2024-06-06T01:00:01Z"));
    // a failed one is claimed again, by one of many at once, up to the third attempt
    db.store.finish_reminder("150100", &r.key, "wecom:市住建局", "failed", "HTTP 502", "2024-06-06T01:00:02Z").await.unwrap();
    let again = ReminderLogRecord { recipient: "wecom:市住建局".into(), channel: "wecom".into(), ..r.clone() };
    assert_eq!(futures_claims(db, &again).await.iter().filter(|c| **c).count(), 1);
    db.store.finish_reminder("150100", &r.key, "wecom:市住建局", "failed", "HTTP 502", "2024-06-06T01:00:03Z").await.unwrap();
    assert!(db.store.claim_reminder(&again).await.unwrap());
    db.store.finish_reminder("150100", &r.key, "wecom:市住建局", "failed", "HTTP 502", "2024-06-06T01:00:04Z").await.unwrap();
    assert!(!db.store.claim_reminder(&again).await.unwrap(), "three attempts in all");
    let failed = db.store.reminder_log("150100").await.unwrap().into_iter().find(|x| x.recipient == "wecom:市住建局").unwrap();
    assert_eq!(failed.items, "project 12 2024-05", "what it named is kept");
    assert_eq!((failed.status.as_str(), failed.attempts, failed.detail.as_str()), ("failed", 3, "HTTP 502"));
    // a lease: held by one until it lapses, renewed by its holder, then taken over
    let (t0, t1, t2) = ("2024-06-06T01:00:00Z", "2024-06-06T01:01:00Z", "2024-06-06T01:02:00Z");
    assert!(db.store.take_lease("reminders", "a", t0, t1).await.unwrap());
    assert!(!db.store.take_lease("reminders", "b", t0, t1).await.unwrap(), "a holds it");
    assert!(db.store.take_lease("reminders", "a", "2024-06-06T01:00:30Z", t2).await.unwrap(), "a renews");
    assert!(!db.store.take_lease("reminders", "b", t1, "2024-06-06T01:03:00Z").await.unwrap(), "renewed: not lapsed at t1");
    assert!(db.store.take_lease("reminders", "b", "2024-06-06T01:02:01Z", "2024-06-06T01:03:00Z").await.unwrap(), "lapsed: b takes it over");
    assert!(!db.store.take_lease("reminders", "a", "2024-06-06T01:02:02Z", "2024-06-06T01:04:00Z").await.unwrap());
}

async fn contacts_are_kept_on_the_trail_without_their_secrets(db: &TestDb) {
    use ecociv_core::contact::{Channel, UnitContact, UserContact};
    use ecociv_core::reminder::{ReminderSettingsRecord, Robot};
    loaded(db).await;
    db.store.create_user(&user("zj", "市住建局", Role::Department), "cli").await.unwrap();
    let c = UserContact {
        zone: "150100".into(),
        user: "zj".into(),
        email: "zj@example.gov.cn".into(),
        mobile: "13800000000".into(),
        channel: Channel::Robot,
        updated_at: "t".into(),
    };
    db.store.set_user_contact(&c, "zj").await.unwrap();
    db.store.set_user_contact(&UserContact { channel: Channel::Mail, ..c.clone() }, "zj").await.unwrap();
    assert_eq!(db.store.user_contacts("150100").await.unwrap(), [UserContact { channel: Channel::Mail, ..c }]);
    let u = UnitContact {
        zone: "150100".into(),
        org_unit: "市住建局".into(),
        robot: Some(Robot::DingTalk),
        webhook: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123".into(),
        secret: "SECRET456".into(),
        head: "zj".into(),
        updated_by: "tf".into(),
        updated_at: "t".into(),
    };
    db.store.set_unit_contact(&u, "tf").await.unwrap();
    assert_eq!(db.store.unit_contacts("150100").await.unwrap(), std::slice::from_ref(&u));
    let s =
        ReminderSettingsRecord { zone: "150100".into(), days_before: 2, escalate_after: 7, digest_weekday: 5, updated_by: "tf".into(), updated_at: "t".into() };
    db.store.set_reminder_settings(&s, "tf").await.unwrap();
    assert_eq!(db.store.reminder_settings("150100").await.unwrap(), Some(s));
    assert!(db.store.reminder_settings("999999").await.unwrap().is_none());
    let trail = db.store.trail_for("150100", "unit_contact", "市住建局").await.unwrap();
    assert_eq!(trail.len(), 1);
    assert!(!trail[0].after.contains("TOKEN123") && !trail[0].after.contains("SECRET456"), "{}", trail[0].after);
    assert!(db.store.verify("150100").await.unwrap().ok());
    // a robot's address changed behind the program's back is found
    db.execute("UPDATE unit_contacts SET webhook = 'https://evil.example/hook' WHERE org_unit = '市住建局'").await;
    db.execute("UPDATE reminder_settings SET escalate_after = 90").await;
    let v = db.store.verify("150100").await.unwrap();
    let found: Vec<&str> = v.tampered.iter().map(|t| t.entity.as_str()).collect();
    assert!(found.contains(&"unit_contact") && found.contains(&"reminder_settings"), "{found:?}");
}

async fn marked_workbooks_are_kept_per_zone_for_their_user(db: &TestDb) {
    loaded(db).await;
    for (i, token) in ["t1", "t2", "t3"].iter().enumerate() {
        db.store.keep_marked("150100", token, "zj", format!("PK{i}").as_bytes(), &format!("2024-06-0{}T00:00:00Z", i + 1), 2).await.unwrap();
    }
    assert_eq!(db.store.marked("150100", "t1", "zj").await.unwrap(), None, "the oldest went");
    assert_eq!(db.store.marked("150100", "t3", "zj").await.unwrap().as_deref(), Some(&b"PK2"[..]));
    assert_eq!(db.store.marked("150100", "t3", "tf").await.unwrap(), None, "for its user only");
    assert_eq!(db.store.marked("999999", "t3", "zj").await.unwrap(), None, "in its zone only");
    assert!(db.store.verify("150100").await.unwrap().ok(), "not on the trail");
}

/// On PostgreSQL a commit by another process wakes a watcher at once (LISTEN/NOTIFY); SQLite
/// serves one process, whose watcher reads `PRAGMA data_version` at each look.
async fn a_commit_by_another_wakes_the_watcher_at_once(db: &TestDb) {
    use std::time::{Duration, Instant};
    loaded(db).await;
    if db.url.starts_with("sqlite:") {
        let t = Instant::now();
        db.store.wait_for_change(Duration::from_millis(50)).await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(50), "SQLite waits its time");
        return;
    }
    // the first wait starts listening; a quiet one lasts its time
    db.store.wait_for_change(Duration::from_millis(50)).await.unwrap();
    let t = Instant::now();
    db.store.wait_for_change(Duration::from_millis(300)).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(250), "woken with nothing committed: {:?}", t.elapsed());
    let other = ecociv_store::connect(&db.url).await.unwrap();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = ecociv_core::reminder::ReminderSettingsRecord {
            zone: "150100".into(),
            days_before: 2,
            escalate_after: 4,
            digest_weekday: 1,
            updated_by: "other".into(),
            updated_at: "t".into(),
        };
        other.set_reminder_settings(&s, "other").await.unwrap();
        Instant::now()
    });
    db.store.wait_for_change(Duration::from_secs(10)).await.unwrap();
    let woken = Instant::now();
    let committed = writer.await.unwrap();
    assert!(woken.saturating_duration_since(committed) < Duration::from_secs(1), "woken by the other's commit, not by the time");
}

/// Eight claims of one reminder sent at once.
async fn futures_claims(db: &TestDb, r: &ecociv_store::ReminderLogRecord) -> Vec<bool> {
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (store, r) = (db.store.clone(), r.clone());
            tokio::spawn(async move { store.claim_reminder(&r).await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn a_batch_is_stored_whole_or_not_at_all(db: &TestDb) {
    loaded(db).await;
    let o = db.store.insert_observation(&obs("7.1", 2023, "86.2"), "alice").await.unwrap();
    let trail_before = db.store.trail("150100").await.unwrap().len();
    let changed = ObservationRecord { value: "87".into(), ..o.clone() };
    // the last write conflicts (7.1/2023 exists): nothing of the batch is kept
    let bad = [
        EntryWrite::NewObservation(obs("7.2", 2023, "33")),
        EntryWrite::NewDispatch(report(4, "2024-05")),
        EntryWrite::Observation {
            before: Box::new(o.clone()),
            after: Box::new(changed.clone()),
            action: "observation.resubmitted".into(),
            reason: "import".into(),
        },
        EntryWrite::NewObservation(obs("7.1", 2023, "80")),
    ];
    assert!(matches!(db.store.write_entries("150100", &bad, "alice").await, Err(StoreError::Conflict(_))));
    assert_eq!(db.store.observations("150100").await.unwrap(), vec![o.clone()], "the batch left nothing");
    assert!(db.store.dispatch_reports("150100").await.unwrap().is_empty());
    assert_eq!(db.store.trail("150100").await.unwrap().len(), trail_before, "nor a trail record");
    // an entry of another zone is refused
    let foreign = [EntryWrite::NewObservation(ObservationRecord { zone: "999999".into(), ..obs("7.2", 2023, "33") })];
    assert!(db.store.write_entries("150100", &foreign, "alice").await.is_err());
    // the same batch without the conflict is stored whole, each write on the trail
    assert_eq!(db.store.write_entries("150100", &bad[..3], "alice").await.unwrap(), 3);
    let all = db.store.observations("150100").await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].value.as_str(), all[0].version), ("87", 2));
    assert_eq!(db.store.dispatch_reports("150100").await.unwrap().len(), 1);
    let actions: Vec<String> = db.store.trail("150100").await.unwrap().into_iter().skip(trail_before).map(|e| e.action).collect();
    assert_eq!(actions, vec!["observation.submitted", "dispatch_report.submitted", "observation.resubmitted"]);
    // the batch carries the chain's head through its writes and leaves the head row at its last event
    let trail = db.store.trail("150100").await.unwrap();
    assert_eq!(db.store.head_of("150100").await.unwrap().map(|h| h.0), Some(trail.last().unwrap().seq));
    assert!(db.store.verify("150100").await.unwrap().ok());
    // a stale `before` (the version moved) rolls back a batch too
    let stale = [EntryWrite::Observation { before: Box::new(o), after: Box::new(changed), action: "observation.resubmitted".into(), reason: String::new() }];
    assert!(matches!(db.store.write_entries("150100", &stale, "alice").await, Err(StoreError::Conflict(_))));
    assert!(db.store.verify("150100").await.unwrap().ok());
}

async fn verify_catches_tampering(db: &TestDb) {
    loaded(db).await;
    db.store.create_user(&user("alice", "市生态环境局", Role::Department), "cli").await.unwrap();
    let o = db.store.insert_observation(&obs("3", 2023, "25"), "alice").await.unwrap();
    db.store.insert_dispatch(&report(4, "2024-05"), "bob").await.unwrap();
    let v = db.store.verify("150100").await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.events, 4);
    // a value edited behind ecociv's back
    assert_eq!(db.execute(&format!("UPDATE observations SET value = '35' WHERE id = {}", o.id)).await, 1);
    let v = db.store.verify("150100").await.unwrap();
    assert!(v.broken.is_none());
    assert_eq!(v.tampered.len(), 1);
    assert_eq!((v.tampered[0].entity.as_str(), v.tampered[0].entity_id.clone()), ("observation", o.id.to_string()));
    db.execute(&format!("UPDATE observations SET value = '25' WHERE id = {}", o.id)).await;
    assert!(db.store.verify("150100").await.unwrap().ok());
    // a role raised behind ecociv's back
    db.execute("UPDATE users SET role = 'task_force' WHERE name = 'alice'").await;
    let v = db.store.verify("150100").await.unwrap();
    assert_eq!(v.tampered[0].entity_id, "alice");
    db.execute("UPDATE users SET role = 'department' WHERE name = 'alice'").await;
    // an event of the trail rewritten
    db.execute("UPDATE trail SET actor = 'mallory' WHERE seq = 3").await;
    let v = db.store.verify("150100").await.unwrap();
    assert_eq!(v.broken.unwrap().seq, 3);
    // a row added behind ecociv's back
    db.execute("UPDATE trail SET actor = 'alice' WHERE seq = 3").await;
    db.execute("INSERT INTO upper_targets (zone_code, indicator_code, year, value, set_by, set_at) VALUES ('150100', '16', 2023, '90', 'x', 'y')").await;
    let v = db.store.verify("150100").await.unwrap();
    assert!(v.broken.is_none());
    assert_eq!(v.tampered[0].entity_id, "16/2023");
    db.execute("DELETE FROM upper_targets").await;
    // a token moved to another user, and the stored plan changed
    let alice = db.store.user("alice").await.unwrap().unwrap();
    db.store.create_token(&alice, "h1", "cli").await.unwrap();
    assert!(db.store.verify("150100").await.unwrap().ok());
    db.store.create_user(&user("bob", "市林草局", Role::Department), "cli").await.unwrap();
    db.execute("UPDATE api_tokens SET user_name = 'bob'").await;
    assert_eq!(db.store.verify("150100").await.unwrap().tampered[0].entity, "api_token");
    db.execute("UPDATE api_tokens SET user_name = 'alice'").await;
    db.execute("UPDATE indicator_org_units SET org_unit = '市住建局' WHERE indicator_code = '1' AND role = 'lead'").await;
    assert_eq!(db.store.verify("150100").await.unwrap().tampered[0].entity, "plan");
    db.execute("UPDATE indicator_org_units SET org_unit = '市生态环境局' WHERE indicator_code = '1' AND role = 'lead'").await;
    assert!(db.store.verify("150100").await.unwrap().ok());
    // events cut off the end
    let last = db.store.trail("150100").await.unwrap().len();
    db.execute(&format!("DELETE FROM trail WHERE seq = {last}")).await;
    db.execute("DELETE FROM users WHERE name = 'bob'").await;
    let v = db.store.verify("150100").await.unwrap();
    assert!(v.broken.as_ref().is_some_and(|b| b.problem.contains("cut off")), "{v:?}");
}

async fn mastheads_are_kept_per_document(db: &TestDb) {
    loaded(db).await;
    let m = ecociv_core::record::MastheadRecord {
        zone: "150100".into(),
        kind: "technical".into(),
        period: "2024".into(),
        header_lines: vec!["呼和浩特市生态文明建设示范区创建工作领导小组办公室".into(), "ᠬᠥᠬᠡᠬᠣᠲᠠ".into()],
        number: "呼生态创发〔2025〕1号".into(),
        issuer: "呼和浩特市生态环境局".into(),
        issued_on: "2025年3月31日".into(),
        texts: [("assessment".to_string(), "全年工作扎实推进。\n第二段。".to_string())].into(),
        updated_by: "tf".into(),
        updated_at: "2025-03-30T00:00:00Z".into(),
    };
    let before = db.store.trail("150100").await.unwrap().len();
    db.store.set_masthead(&m, "tf").await.unwrap();
    assert_eq!(db.store.mastheads("150100").await.unwrap(), vec![m.clone()], "stored exactly, Mongolian script included");
    // a change replaces it, another document has its own
    let changed =
        ecociv_core::record::MastheadRecord { number: "呼生态创发〔2025〕2号".into(), updated_at: "2025-03-31T00:00:00Z".into(), ..m.clone() };
    db.store.set_masthead(&changed, "tf").await.unwrap();
    let other = ecociv_core::record::MastheadRecord { kind: "work".into(), updated_at: "2025-04-01T00:00:00Z".into(), ..m.clone() };
    db.store.set_masthead(&other, "tf").await.unwrap();
    let all = db.store.mastheads("150100").await.unwrap();
    assert_eq!(all, vec![other, changed], "the latest change first");
    let trail = db.store.trail("150100").await.unwrap();
    assert_eq!(trail.len(), before + 3);
    assert_eq!((trail[before + 1].action.as_str(), trail[before + 1].entity_id.as_str()), ("masthead.updated", "technical/2024"));
    assert!(trail[before + 1].before.contains("〔2025〕1号"), "the trail keeps what was replaced");
    assert!(db.store.verify("150100").await.unwrap().ok());
}

async fn data_versions_move_with_their_writes_only(db: &TestDb) {
    use ecociv_core::record::DataVersions;
    assert_eq!(db.store.data_versions("150100").await.unwrap(), DataVersions::default(), "nothing written yet");
    loaded(db).await;
    let v0 = db.store.data_versions("150100").await.unwrap();
    assert_eq!(v0, DataVersions { plan: 1, ..DataVersions::default() });
    // accounts and sign-ins move no version
    let alice = user("alice", "市生态环境局", Role::Department);
    db.store.create_user(&alice, "cli").await.unwrap();
    db.store.update_user(&alice, &UserRecord { failed_logins: 1, ..alice.clone() }, "user.login_failed", "alice", "").await.unwrap();
    db.store.record(ecociv_store::trail::event("150100", "alice", "user.login", "login", "alice", "", "", "")).await.unwrap();
    assert_eq!(db.store.data_versions("150100").await.unwrap(), v0);
    // an observation moves its kind only, and a refused write moves nothing
    let o = db.store.insert_observation(&obs("7.1", 2023, "86.2"), "alice").await.unwrap();
    let v1 = db.store.data_versions("150100").await.unwrap();
    assert_eq!(v1, DataVersions { observations: 1, ..v0 });
    assert!(db.store.insert_observation(&obs("7.1", 2023, "80"), "alice").await.is_err());
    assert_eq!(db.store.data_versions("150100").await.unwrap(), v1);
    // a batch moves each kind it writes once
    let batch = [
        EntryWrite::NewDispatch(report(4, "2024-05")),
        EntryWrite::NewDispatch(report(4, "2024-06")),
        EntryWrite::Observation {
            before: Box::new(o.clone()),
            after: Box::new(ObservationRecord { value: "87".into(), ..o }),
            action: "observation.resubmitted".into(),
            reason: String::new(),
        },
    ];
    db.store.write_entries("150100", &batch, "alice").await.unwrap();
    let v2 = db.store.data_versions("150100").await.unwrap();
    assert_eq!(v2, DataVersions { observations: 2, dispatch: 1, ..v1 });
    // the versions are the zone's own
    assert_eq!(db.store.data_versions("999999").await.unwrap(), DataVersions::default());
}

async fn a_large_batch_goes_in_chunks_with_its_trail(db: &TestDb) {
    loaded(db).await;
    let trail_before = db.store.trail("150100").await.unwrap().len();
    // 2,500 reports cross the chunk size; a duplicate at the end refuses the whole batch
    let months: Vec<String> = (0..2500).map(|i| format!("{:04}-{:02}", 2000 + i / 12, i % 12 + 1)).collect();
    let mut writes: Vec<EntryWrite> = months.iter().map(|m| EntryWrite::NewDispatch(report(4, m))).collect();
    writes.push(EntryWrite::NewDispatch(report(4, &months[1700])));
    assert!(matches!(db.store.write_entries("150100", &writes, "alice").await, Err(StoreError::Conflict(_))));
    assert!(db.store.dispatch_reports("150100").await.unwrap().is_empty(), "nothing of the refused batch");
    assert_eq!(db.store.trail("150100").await.unwrap().len(), trail_before);
    writes.pop();
    writes.push(EntryWrite::NewObservation(obs("7.1", 2023, "86.2")));
    assert_eq!(db.store.write_entries("150100", &writes, "alice").await.unwrap(), 2501);
    let stored = db.store.dispatch_reports("150100").await.unwrap();
    assert_eq!(stored.len(), 2500);
    let trail = db.store.trail("150100").await.unwrap();
    let new = &trail[trail_before..];
    assert_eq!(new.len(), 2501, "one event a write");
    // the events follow the writes, each naming its own entry
    let by_id: std::collections::HashMap<String, &DispatchRecord> = stored.iter().map(|d| (d.id.to_string(), d)).collect();
    for (ev, m) in new.iter().zip(&months) {
        assert_eq!(ev.action, "dispatch_report.submitted");
        assert_eq!(&by_id[&ev.entity_id].period, m);
    }
    assert_eq!(new[2500].action, "observation.submitted");
    assert_eq!(db.store.head_of("150100").await.unwrap().map(|h| h.0), Some(trail.last().unwrap().seq));
    assert!(db.store.verify("150100").await.unwrap().ok(), "the chain holds across chunks");
}

async fn many_writers_at_once_all_land_in_one_chain(db: &TestDb) {
    loaded(db).await;
    let before = db.store.trail("150100").await.unwrap().len();
    // 64 writers at the same moment, a batch among them: none fails, none is lost
    let mut tasks = Vec::new();
    for i in 0..64_i64 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let m = format!("{:04}-{:02}", 2010 + i / 12, i % 12 + 1);
            if i == 32 {
                let batch: Vec<EntryWrite> = (1..=12).map(|k| EntryWrite::NewDispatch(report(5, &format!("2030-{k:02}")))).collect();
                store.write_entries("150100", &batch, "alice").await.map(|_| ())
            } else {
                store.insert_dispatch(&report(4, &m), "bob").await.map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(db.store.dispatch_reports("150100").await.unwrap().len(), 63 + 12);
    let trail = db.store.trail("150100").await.unwrap();
    assert_eq!(trail.len(), before + 63 + 12);
    assert!(trail.windows(2).all(|w| w[1].seq == w[0].seq + 1), "one chain, no gap");
    assert!(db.store.verify("150100").await.unwrap().ok());
}

async fn a_session_and_a_token_are_read_with_their_user(db: &TestDb) {
    loaded(db).await;
    let alice = user("alice", "市生态环境局", Role::Department);
    db.store.create_user(&alice, "cli").await.unwrap();
    let s = ecociv_core::record::SessionRecord {
        id_hash: "sess1".into(),
        user: "alice".into(),
        csrf: "c1".into(),
        created_at: "2024-06-01T00:00:00Z".into(),
        last_seen: "2024-06-01T00:00:00Z".into(),
    };
    db.store.create_session(&s).await.unwrap();
    let (u, got) = db.store.session_user("sess1").await.unwrap().unwrap();
    assert_eq!((u, got), (alice.clone(), s));
    assert!(db.store.session_user("other").await.unwrap().is_none());
    db.store.create_token(&alice, "tok1", "cli").await.unwrap();
    assert_eq!(db.store.token_user("tok1").await.unwrap(), Some(alice.clone()));
    db.store.revoke_tokens(&alice, None, "cli").await.unwrap();
    assert_eq!(db.store.token_user("tok1").await.unwrap(), None, "a revoked token has no user");
    db.store.delete_session("sess1").await.unwrap();
    assert!(db.store.session_user("sess1").await.unwrap().is_none());
}

/// One row of each kind the trail records (entry, assigned target, account, token, session,
/// masthead, scoring rules, veto, period, settings, evidence), then for each table a row edited
/// and a row inserted behind ecociv's back: each is found, named by its entity.
async fn verify_catches_a_row_edited_or_inserted_in_every_table(db: &TestDb) {
    use ecociv_core::record::*;
    loaded(db).await;
    let s = &db.store;
    s.create_user(&user("alice", "市生态环境局", Role::Department), "cli").await.unwrap();
    let alice = s.user("alice").await.unwrap().unwrap();
    let o = s.insert_observation(&obs("3", 2023, "25"), "alice").await.unwrap();
    s.insert_dispatch(&report(4, "2024-05"), "bob").await.unwrap();
    s.set_upper_target(
        &UpperTargetRecord { zone: "150100".into(), indicator: "16".into(), year: 2023, value: "90".into(), set_by: "tf".into(), set_at: "t".into() },
        "tf",
    )
    .await
    .unwrap();
    s.create_token(&alice, "token-hash", "cli").await.unwrap();
    s.create_session(&SessionRecord { id_hash: "session-hash".into(), user: "alice".into(), csrf: "c".into(), created_at: "t".into(), last_seen: "t".into() })
        .await
        .unwrap();
    s.set_masthead(
        &MastheadRecord {
            zone: "150100".into(),
            kind: "bulletin".into(),
            period: "2024-05".into(),
            header_lines: vec!["办公室".into()],
            number: "呼生态创发〔2024〕5号".into(),
            issuer: "办公室".into(),
            issued_on: "2024年6月5日".into(),
            texts: Default::default(),
            updated_by: "tf".into(),
            updated_at: "t".into(),
        },
        "tf",
    )
    .await
    .unwrap();
    s.add_scoring_rules("150100", "version = 1", "tf").await.unwrap();
    s.add_veto(
        &VetoRecord {
            id: 0,
            zone: "150100".into(),
            kind: "incident".into(),
            description: "d".into(),
            occurred_on: "2024-01-01".into(),
            recorded_by: "tf".into(),
            recorded_at: "t".into(),
        },
        "tf",
    )
    .await
    .unwrap();
    s.set_period(
        &PeriodRecord { zone: "150100".into(), period: "2024-04".into(), state: "locked".into(), set_by: "tf".into(), set_at: "t".into() },
        "tf",
        "closed",
    )
    .await
    .unwrap();
    s.set_zone_settings(
        &ZoneSettingsRecord {
            zone: "150100".into(),
            dispatch_due_day: 5,
            observation_due: "03-31".into(),
            jump_bound: "0.5".into(),
            regional_indicators: vec![],
            parent_rights: vec!["read_entries".into()],
            updated_by: "tf".into(),
            updated_at: "t".into(),
        },
        "tf",
    )
    .await
    .unwrap();
    let e = EvidenceRecord {
        id: 0,
        zone: "150100".into(),
        entity: "observation".into(),
        entity_id: o.id,
        hash: String::new(),
        file_name: "a.pdf".into(),
        media_type: "application/pdf".into(),
        size: 0,
        uploaded_by: "alice".into(),
        uploaded_at: "t".into(),
    };
    s.add_evidence(&e, b"%PDF-1.7", "alice").await.unwrap();
    s.issue_order(&order(), "tf").await.unwrap();
    s.save_rectifications("150100", &[ecociv_store::RectificationWrite { before: None, after: rectification(1) }], "tf").await.unwrap();
    let v = s.verify("150100").await.unwrap();
    assert!(v.ok(), "{v:?}");
    // (entity, edit, undo, insert, delete the inserted)
    let obs_cols = "zone_code, indicator_code, year, region, value, comment, explanation, state, late, submitted_by, submitted_at, decided_by, decided_at, reason, version";
    let dis_cols = "zone_code, kind, subject, org_unit, status, progress_percent, investment_month_wan, investment_cumulative_wan, progress, quantities, benefits, problems, explanation, state, late, submitted_by, submitted_at, decided_by, decided_at, reason, version";
    let cases: Vec<(&str, String, String, String, String)> = vec![
        (
            "observation",
            "UPDATE observations SET value = '99'".into(),
            "UPDATE observations SET value = '25'".into(),
            format!("INSERT INTO observations ({obs_cols}) SELECT {} FROM observations", obs_cols.replace("year,", "year + 1,")),
            "DELETE FROM observations WHERE year = 2024".into(),
        ),
        (
            "dispatch_report",
            "UPDATE dispatch_reports SET investment_month_wan = '1'".into(),
            "UPDATE dispatch_reports SET investment_month_wan = '100'".into(),
            format!("INSERT INTO dispatch_reports ({dis_cols}, period) SELECT {dis_cols}, '2024-06' FROM dispatch_reports"),
            "DELETE FROM dispatch_reports WHERE period = '2024-06'".into(),
        ),
        (
            "upper_target",
            "UPDATE upper_targets SET value = '10'".into(),
            "UPDATE upper_targets SET value = '90'".into(),
            "INSERT INTO upper_targets (zone_code, indicator_code, year, value, set_by, set_at) SELECT zone_code, indicator_code, year + 1, value, set_by, set_at FROM upper_targets".into(),
            "DELETE FROM upper_targets WHERE year = 2024".into(),
        ),
        (
            "user",
            "UPDATE users SET role = 'admin'".into(),
            "UPDATE users SET role = 'department'".into(),
            "INSERT INTO users (name, zone_code, org_unit, role, password_hash, failed_logins, created_at) SELECT 'mallory', zone_code, org_unit, 'admin', password_hash, 0, created_at FROM users".into(),
            "DELETE FROM users WHERE name = 'mallory'".into(),
        ),
        (
            "api_token",
            "UPDATE api_tokens SET created_at = 'x'".into(),
            // put back below, with the token's own time
            String::new(),
            "INSERT INTO api_tokens (user_name, token_hash, created_at) SELECT user_name, 'forged-hash', created_at FROM api_tokens".into(),
            "DELETE FROM api_tokens WHERE token_hash = 'forged-hash'".into(),
        ),
        (
            "session",
            "UPDATE sessions SET created_at = 'x'".into(),
            "UPDATE sessions SET created_at = 't'".into(),
            "INSERT INTO sessions (id_hash, user_name, csrf, created_at, last_seen) SELECT 'forged', user_name, csrf, created_at, last_seen FROM sessions".into(),
            "DELETE FROM sessions WHERE id_hash = 'forged'".into(),
        ),
        (
            "masthead",
            "UPDATE mastheads SET number = '呼生态创发〔2024〕9号'".into(),
            "UPDATE mastheads SET number = '呼生态创发〔2024〕5号'".into(),
            "INSERT INTO mastheads (zone_code, kind, period, header_lines, number, issuer, issued_on, texts, updated_by, updated_at) SELECT zone_code, kind, '2024-06', header_lines, number, issuer, issued_on, texts, updated_by, updated_at FROM mastheads".into(),
            "DELETE FROM mastheads WHERE period = '2024-06'".into(),
        ),
        (
            "scoring_rules",
            "UPDATE scoring_rules SET text = 'version = 2'".into(),
            "UPDATE scoring_rules SET text = 'version = 1'".into(),
            "INSERT INTO scoring_rules (zone_code, version, text, created_by, created_at) SELECT zone_code, version + 1, text, created_by, created_at FROM scoring_rules".into(),
            "DELETE FROM scoring_rules WHERE version > 1".into(),
        ),
        (
            "veto",
            "UPDATE vetoes SET description = 'nothing happened'".into(),
            "UPDATE vetoes SET description = 'd'".into(),
            "INSERT INTO vetoes (zone_code, kind, description, occurred_on, recorded_by, recorded_at) SELECT zone_code, kind, 'forged', occurred_on, recorded_by, recorded_at FROM vetoes".into(),
            "DELETE FROM vetoes WHERE description = 'forged'".into(),
        ),
        (
            "supervision_order",
            "UPDATE supervision_orders SET deadline = '2099-12-31'".into(),
            "UPDATE supervision_orders SET deadline = '2024-05-20'".into(),
            "INSERT INTO supervision_orders (zone_code, org_unit, subject_kind, subject, matter, required, deadline, state, issued_by, issued_at, answer, answered_by, answered_at, decided_by, decided_at, reason, version) SELECT zone_code, org_unit, subject_kind, subject, 'forged', required, deadline, state, issued_by, issued_at, answer, answered_by, answered_at, decided_by, decided_at, reason, version FROM supervision_orders".into(),
            "DELETE FROM supervision_orders WHERE matter = 'forged'".into(),
        ),
        (
            "rectification",
            "UPDATE rectifications SET status = 'completed'".into(),
            "UPDATE rectifications SET status = 'under_way'".into(),
            "INSERT INTO rectifications (zone_code, number, source, problem, owner, deadline, measures, status, entered_at, updated_by, updated_at, version) SELECT zone_code, number + 100, source, problem, owner, deadline, measures, status, entered_at, updated_by, updated_at, version FROM rectifications".into(),
            "DELETE FROM rectifications WHERE number > 100".into(),
        ),
        (
            "period",
            "UPDATE periods SET state = 'open'".into(),
            "UPDATE periods SET state = 'locked'".into(),
            "INSERT INTO periods (zone_code, period, state, set_by, set_at) SELECT zone_code, '2024-03', state, set_by, set_at FROM periods".into(),
            "DELETE FROM periods WHERE period = '2024-03'".into(),
        ),
        (
            "zone_settings",
            "UPDATE zone_settings SET dispatch_due_day = 28".into(),
            "UPDATE zone_settings SET dispatch_due_day = 5".into(),
            // one row a zone: deleted and written again by hand is a row the trail did not make
            "UPDATE zone_settings SET updated_by = 'mallory'".into(),
            "UPDATE zone_settings SET updated_by = 'tf'".into(),
        ),
        (
            "evidence",
            "UPDATE evidence SET file_name = 'other.pdf'".into(),
            "UPDATE evidence SET file_name = 'a.pdf'".into(),
            "INSERT INTO evidence (zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at) SELECT zone_code, entity, entity_id, hash, 'forged.pdf', media_type, size, uploaded_by, uploaded_at FROM evidence".into(),
            "DELETE FROM evidence WHERE file_name = 'forged.pdf'".into(),
        ),
    ];
    let found = |v: &ecociv_store::Verification, entity: &str| v.tampered.iter().any(|t| t.entity == entity);
    for (entity, edit, undo, insert, delete) in &cases {
        let undo = if *entity == "api_token" {
            format!("UPDATE api_tokens SET created_at = '{}'", s.tokens_of("alice").await.unwrap()[0].created_at)
        } else {
            undo.clone()
        };
        let undo = undo.as_str();
        assert!(db.execute(edit).await >= 1, "{entity}: {edit}");
        let v = s.verify("150100").await.unwrap();
        assert!(found(&v, entity), "{entity} edited: {v:?}");
        db.execute(undo).await;
        assert!(s.verify("150100").await.unwrap().ok(), "{entity}: put back");
        assert_eq!(db.execute(insert).await, 1, "{entity}: {insert}");
        let v = s.verify("150100").await.unwrap();
        assert!(found(&v, entity), "{entity} inserted: {v:?}");
        db.execute(delete).await;
        assert!(s.verify("150100").await.unwrap().ok(), "{entity}: taken out");
    }
}
