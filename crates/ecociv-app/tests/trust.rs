//! Trust, as an attacker and a crowd would test it, on SQLite and on PostgreSQL: a trail erased
//! or cut is found by `audit verify`; two implementers sending the same project-month at the
//! same moment store one report; sign-ins failing in parallel each count and lock the account;
//! tokens end with a password change and stop during a lock-out; guessable passwords are
//! refused.

use std::sync::Arc;

use ecociv_app::accounts::{self, Login};
use ecociv_app::{App, Kind, audit, entries};
use ecociv_core::access::{Actor, Role};
use ecociv_core::entry::{ProjectReportInput, YearMonth};
use ecociv_core::model::OrgKind;
use ecociv_store::testdb::TestDb;

use ecociv_store::on_both;

on_both!(
    a_region_corrects_its_own_value_that_a_department_sent_first,
    a_backup_restores_every_record_and_its_trail,
    an_erased_or_cut_trail_is_found,
    a_forged_session_or_an_edited_masthead_is_found,
    a_trail_chained_again_is_found_by_its_signed_head,
    one_report_per_project_month_when_two_implementers_race,
    failed_sign_ins_in_parallel_lock_the_account,
    tokens_end_with_the_password_and_stop_during_a_lock_out,
);

async fn app(db: &TestDb, today: &str) -> App {
    let app = App::new(db.store.clone(), Some(today.parse().unwrap()), "150100");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    app
}

async fn user(app: &App, name: &str, org: &str, role: Role) -> ecociv_core::record::UserRecord {
    let new = accounts::new_user(app, name, org, role).await.unwrap();
    accounts::add_user(app, &new, "Tamper-proof-rivers-9".into(), "test").await.unwrap()
}

async fn an_erased_or_cut_trail_is_found(db: &TestDb) {
    let app = app(db, "2024-06-15").await;
    user(&app, "zhang", "和林", Role::Region).await;
    let found = audit::verify(&app, &[], None).await.unwrap();
    assert!(found.iter().all(audit::ZoneAudit::ok), "intact at first");
    let (seq, hash) = found[0].head.clone().unwrap();
    let anchor = audit::Anchor { zone: "150100".into(), seq, hash };
    // the last event cut off, with the head row moved back to the one before
    db.execute(&format!("DELETE FROM trail WHERE zone_code = '150100' AND seq = {seq}")).await;
    let before: (i64, String) = {
        let events = db.store.trail("150100").await.unwrap();
        let last = events.last().unwrap();
        (last.seq, last.hash.clone())
    };
    db.execute(&format!("UPDATE trail_heads SET seq = {}, hash = '{}' WHERE zone_code = '150100'", before.0, before.1)).await;
    let found = audit::verify(&app, std::slice::from_ref(&anchor), None).await.unwrap();
    assert_eq!(found[0].missing, std::slice::from_ref(&anchor), "the anchor names the cut event");
    assert!(found[0].verification.tampered.iter().any(|t| t.entity == "user" && t.entity_id == "zhang"), "{:?}", found[0].verification);
    // the whole trail deleted, with its head and without
    db.execute("DELETE FROM trail").await;
    let found = audit::verify(&app, &[], None).await.unwrap();
    assert_eq!(found.len(), 1, "the zone is verified although its trail is gone");
    assert!(!found[0].ok());
    assert!(found[0].verification.broken.is_some(), "a head without events");
    db.execute("DELETE FROM trail_heads").await;
    let found = audit::verify(&app, std::slice::from_ref(&anchor), None).await.unwrap();
    assert!(!found[0].ok(), "{:?}", found[0].verification);
    let things: Vec<&str> = found[0].verification.tampered.iter().map(|t| t.entity.as_str()).collect();
    assert!(things.contains(&"plan") && things.contains(&"user"), "the plan and the user exist without the events that made them: {things:?}");
    assert_eq!(found[0].missing, [anchor], "the anchor of an erased trail is missing");
}

async fn a_trail_chained_again_is_found_by_its_signed_head(db: &TestDb) {
    use ecociv_app::signing::{self, TrailKey};
    let app = app(db, "2024-06-15").await;
    user(&app, "zhang", "和林", Role::Region).await;
    let dir = std::env::temp_dir().join(format!("ecociv_trail_key_{}", db.url.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("ecociv-data.trail-key");
    let key = TrailKey::open_or_create(&key_path).unwrap();
    let signed = || audit::Signed { public_key: key.public_key().to_string(), logged: signing::logged(&key_path) };
    assert_eq!(signing::sign_heads(&app, &key).await.unwrap(), 1);
    assert_eq!(signing::sign_heads(&app, &key).await.unwrap(), 0, "a head is signed once");
    let found = audit::verify(&app, &[], Some(&signed())).await.unwrap();
    assert!(found[0].ok(), "{:?}", found[0].verification);
    assert_eq!(found[0].signed.as_ref().map(|s| s.0), found[0].head.as_ref().map(|h| h.0));
    // whoever can write to the database raises a role, records it as if it had been made so,
    // and chains the trail again from there: the chain and every state check out…
    db.execute("UPDATE users SET role = 'task_force' WHERE name = 'zhang'").await;
    let forged_state = db.store.user("zhang").await.unwrap().unwrap().state_json();
    let mut events = db.store.trail("150100").await.unwrap();
    let k = events.iter().rposition(|e| e.entity == "user" && e.entity_id == "zhang").unwrap();
    events[k].after = forged_state;
    for i in k..events.len() {
        let last = (i > 0).then(|| (events[i - 1].seq, events[i - 1].hash.clone()));
        let unchained = ecociv_core::trail::TrailEvent { hash: String::new(), prev_hash: String::new(), ..events[i].clone() };
        events[i] = ecociv_store::trail::chain(unchained, last);
        let e = &events[i];
        db.execute(&format!(
            "UPDATE trail SET after_state = '{}', prev_hash = '{}', hash = '{}' WHERE zone_code = '150100' AND seq = {}",
            e.after.replace('\'', "''"),
            e.prev_hash,
            e.hash,
            e.seq
        ))
        .await;
    }
    let last = events.last().unwrap();
    db.execute(&format!("UPDATE trail_heads SET hash = '{}' WHERE zone_code = '150100'", last.hash)).await;
    assert!(db.store.verify("150100").await.unwrap().ok(), "without the signature the rewrite is not seen");
    // …but not the signed head
    let found = audit::verify(&app, &[], Some(&signed())).await.unwrap();
    let broken = found[0].verification.broken.as_ref().expect("the signed head no longer matches");
    assert!(broken.problem.contains("rewritten"), "{broken:?}");
    // nor the signature of the new head made with another key in place of the real one
    let other = TrailKey::open_or_create(&dir.join("other.trail-key")).unwrap();
    let forged = other.sign("150100", last.seq, &last.hash);
    db.execute(&format!(
        "UPDATE trail_signatures SET hash = '{}', signed_at = '{}', public_key = '{}', signature = '{}' WHERE zone_code = '150100' AND seq = {}",
        forged.hash, forged.signed_at, forged.public_key, forged.signature, forged.seq
    ))
    .await;
    let found = audit::verify(&app, &[], Some(&signed())).await.unwrap();
    assert!(found[0].verification.tampered.iter().any(|t| t.entity == "trail_signature"), "{:?}", found[0].verification);
    // the trail, its heads and its signatures erased from the database: the log beside the key remembers
    for table in ["trail", "trail_heads", "trail_signatures"] {
        db.execute(&format!("DELETE FROM {table}")).await;
    }
    let found = audit::verify(&app, &[], Some(&signed())).await.unwrap();
    assert!(found[0].verification.broken.as_ref().is_some_and(|b| b.problem.contains("cut or erased")), "{:?}", found[0].verification);
    // and without the log either, data with no signed trail
    std::fs::remove_file(signing::log_path(&key_path)).unwrap();
    let found = audit::verify(&app, &[], Some(&signed())).await.unwrap();
    assert!(!found[0].ok());
    let _ = std::fs::remove_dir_all(dir);
}

async fn a_forged_session_or_an_edited_masthead_is_found(db: &TestDb) {
    let app = app(db, "2024-06-15").await;
    let u = user(&app, "zhang", "和林", Role::Region).await;
    let session = accounts::start_session(&app, &u).await.unwrap();
    db.store
        .set_masthead(
            &ecociv_core::record::MastheadRecord {
                zone: "150100".into(),
                kind: "bulletin".into(),
                period: "2024-05".into(),
                header_lines: vec!["呼和浩特市生态文明建设示范市创建工作领导小组办公室".into()],
                number: "呼生态创发〔2024〕5号".into(),
                issuer: "领导小组办公室".into(),
                issued_on: "2024年6月5日".into(),
                texts: Default::default(),
                updated_by: "tf".into(),
                updated_at: "2024-06-05T08:00:00Z".into(),
            },
            "tf",
        )
        .await
        .unwrap();
    let ok = |found: &[audit::ZoneAudit]| found.iter().all(audit::ZoneAudit::ok);
    assert!(ok(&audit::verify(&app, &[], None).await.unwrap()), "a session started and a masthead set are on the trail");
    // a session row written into the database signs in as zhang without a password
    db.execute("INSERT INTO sessions (id_hash, user_name, csrf, created_at, last_seen) VALUES ('forged', 'zhang', 'x', '2024-06-15T00:00:00Z', '2024-06-15T00:00:00Z')")
        .await;
    // and an issued document's number is changed
    db.execute("UPDATE mastheads SET number = '呼生态创发〔2024〕9号'").await;
    let found = audit::verify(&app, &[], None).await.unwrap();
    let tampered: Vec<(&str, &str)> = found[0].verification.tampered.iter().map(|t| (t.entity.as_str(), t.entity_id.as_str())).collect();
    assert!(tampered.contains(&("session", "forged")), "{tampered:?}");
    assert!(tampered.contains(&("masthead", "bulletin/2024-05")), "{tampered:?}");
    assert_eq!(tampered.len(), 2, "the real session is fine: {tampered:?}");
    db.execute("DELETE FROM sessions WHERE id_hash = 'forged'").await;
    db.execute("UPDATE mastheads SET number = '呼生态创发〔2024〕5号'").await;
    // a session that ends is recorded as ended
    db.store.delete_session(&accounts::fingerprint(&session)).await.unwrap();
    assert!(ok(&audit::verify(&app, &[], None).await.unwrap()));
}

async fn a_region_corrects_its_own_value_that_a_department_sent_first(db: &TestDb) {
    let app = app(db, "2024-06-15").await;
    let plan = app.plan(None).await.unwrap();
    let lead = plan.indicator_of("24").unwrap().lead_departments[0].clone();
    let tf = Actor { name: "tf".into(), zone: "150100".into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
    entries::set_settings(
        &app,
        &tf,
        &entries::SettingsInput {
            dispatch_due_day: 5,
            observation_due: "03-31".into(),
            jump_bound: serde_json::json!("0.5"),
            regional_indicators: vec!["24".into()],
            parent_rights: None,
        },
    )
    .await
    .unwrap();
    let dept = accounts::actor_of(&user(&app, "dept", &lead, Role::Department).await);
    let region = accounts::actor_of(&user(&app, "tuo", "托县", Role::Region).await);
    let value = |v: &str| ecociv_core::entry::ObservationInput {
        indicator: "24".into(),
        year: 2023,
        region: Some("托克托县".into()),
        value: serde_json::json!(v),
        comment: String::new(),
        explanation: None,
    };
    let sent = entries::submit_observation(&app, &dept, &value("96")).await.unwrap();
    // the region is not shut out of its own value: it corrects it, and the trail says so
    let corrected = entries::submit_observation(&app, &region, &value("91.5")).await.unwrap();
    assert_eq!((corrected.id, corrected.value.as_str(), corrected.submitted_by.as_str()), (sent.id, "91.5", "tuo"));
    let events = db.store.trail_for("150100", "observation", &sent.id.to_string()).await.unwrap();
    assert_eq!(events.last().unwrap().action, "observation.corrected_by_region");
    // but a second value of its own is a second report, and the department cannot take it back
    assert_eq!(entries::submit_observation(&app, &region, &value("90")).await.unwrap_err().code, "already_reported");
    assert_eq!(entries::submit_observation(&app, &dept, &value("96")).await.unwrap_err().code, "already_reported");
    // once the task force decided, nobody changes it but by the task force's unlock
    entries::decide_observation(&app, &tf, sent.id, entries::Decision::Approve, "").await.unwrap();
    assert_eq!(entries::submit_observation(&app, &region, &value("80")).await.unwrap_err().kind, Kind::Conflict);
    assert!(audit::verify(&app, &[], None).await.unwrap().iter().all(audit::ZoneAudit::ok));
}

/// Everything a zone holds, as the store reads it back.
async fn snapshot(store: &dyn ecociv_store::Store) -> String {
    let z = "150100";
    let evidence = store.all_evidence(z).await.unwrap();
    let mut blobs = Vec::new();
    for e in &evidence {
        blobs.push(store.blob(&e.zone, &e.hash).await.unwrap().expect("the file"));
    }
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        store.trail(z).await.unwrap(),
        store.observations(z).await.unwrap(),
        store.dispatch_reports(z).await.unwrap(),
        store.users(z).await.unwrap(),
        store.zone_tokens(z).await.unwrap(),
        evidence,
        blobs,
        store.plan(z).await.unwrap()
    )
}

async fn a_backup_restores_every_record_and_its_trail(db: &TestDb) {
    let app = app(db, "2024-06-15").await;
    let u = user(&app, "zhang", "市生态环境局", Role::Department).await;
    accounts::create_token(&app, "zhang", "test").await.unwrap();
    let actor = accounts::actor_of(&u);
    let o = entries::submit_observation(
        &app,
        &actor,
        &ecociv_core::entry::ObservationInput {
            indicator: "7.1".into(),
            year: 2023,
            region: None,
            value: serde_json::json!("85.2"),
            comment: "监测报告".into(),
            explanation: None,
        },
    )
    .await
    .unwrap();
    entries::attach(&app, &actor, "observation", o.id, "监测报告.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap();
    let before = snapshot(app.store.as_ref()).await;
    let dir = std::env::temp_dir().join(format!("ecociv_backup_{}", db.url.chars().filter(char::is_ascii_alphanumeric).collect::<String>()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ecociv.backup");
    let _ = std::fs::remove_file(&file);
    ecociv_app::backup::backup(&db.url, &file).await.unwrap();
    assert_eq!(ecociv_app::backup::backup(&db.url, &file).await.unwrap_err().code, "file_exists", "never overwritten");
    // the data changes after the backup, and some is lost
    user(&app, "li", "市住建局", Role::Department).await;
    db.execute("DELETE FROM evidence").await;
    assert_ne!(snapshot(app.store.as_ref()).await, before);
    // what is not a whole backup changes nothing
    let bad = dir.join("bad.backup");
    std::fs::write(&bad, b"SQLite format 3\0 but nothing more of a database").unwrap();
    assert_eq!(ecociv_app::backup::restore(&db.url, &bad).await.unwrap_err().code, "not_a_backup");
    std::fs::write(&bad, b"PGDMP and nothing more").unwrap();
    assert_eq!(ecociv_app::backup::restore(&db.url, &bad).await.unwrap_err().code, if db.url.starts_with("sqlite") { "not_a_backup" } else { "backup_failed" });
    app.store.close().await;
    ecociv_app::backup::restore(&db.url, &file).await.unwrap();
    // the restored database: every record as it was, the trail whole
    let restored = ecociv_app::zones::open_as_is(&db.url, Some("2024-06-15".parse().unwrap())).await.unwrap();
    assert_eq!(snapshot(restored.store.as_ref()).await, before);
    assert!(restored.store.user("li").await.unwrap().is_none(), "what came after the backup is gone");
    let found = audit::verify(&restored, &[], None).await.unwrap();
    assert!(found.iter().all(audit::ZoneAudit::ok), "{:?}", found.iter().map(|f| &f.verification).collect::<Vec<_>>());
    restored.store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The first project implemented by two org units, and an actor of each.
fn two_implementers(plan: &ecociv_core::model::Plan) -> (u32, [Actor; 2]) {
    let p = plan.projects.iter().find(|p| p.implementers.len() >= 2).expect("a project with two implementers");
    let actor = |org: &str| {
        let role = match plan.org_unit(org).unwrap().kind {
            OrgKind::Department => Role::Department,
            OrgKind::Region => Role::Region,
            _ => Role::Unit,
        };
        Actor { name: format!("{org}-reporter"), zone: plan.zone.code.clone(), org_unit: org.into(), role, parent: None }
    };
    (p.number, [actor(&p.implementers[0]), actor(&p.implementers[1])])
}

async fn one_report_per_project_month_when_two_implementers_race(db: &TestDb) {
    // before the plan closes (2026-03-31): every month of the plan, 2023-01 to 2025-12, may be sent
    let app = Arc::new(app(db, "2026-03-15").await);
    let plan = app.plan(None).await.unwrap();
    let (number, actors) = two_implementers(&plan);
    let mut month = YearMonth { year: 2023, month: 1 };
    for round in 0..36 {
        let input = ProjectReportInput {
            period: month.to_string(),
            status: "under_way".into(),
            progress_percent: serde_json::json!(round + 1),
            investment_month_wan: serde_json::json!(10),
            investment_cumulative_wan: Some(serde_json::json!(10 * (round + 1))),
            benefits: String::new(),
            problems: String::new(),
            explanation: None,
            funding: None,
        };
        let mut writers = Vec::new();
        for w in 0..32 {
            let (app, actor, input) = (app.clone(), actors[w % 2].clone(), input.clone());
            writers.push(tokio::spawn(async move { entries::submit_project_report(&app, &actor, number, &input).await }));
        }
        let mut stored = 0;
        for w in writers {
            match w.await.unwrap() {
                Ok(_) => stored += 1,
                Err(e) => assert_eq!(e.kind, Kind::Conflict, "round {round}: {} {:?}", e.code, e.detail),
            }
        }
        assert_eq!(stored, 1, "round {round} ({month}): one report stored");
        month = month.next();
    }
    let reports = db.store.subject_reports("150100", "project", i64::from(number)).await.unwrap();
    assert_eq!(reports.len(), 36, "one report a month");
    assert!(audit::verify(&app, &[], None).await.unwrap().iter().all(audit::ZoneAudit::ok));
}

async fn failed_sign_ins_in_parallel_lock_the_account(db: &TestDb) {
    let app = Arc::new(app(db, "2024-06-15").await);
    user(&app, "li", "市林草局", Role::Department).await;
    let mut tries = Vec::new();
    for _ in 0..40 {
        let app = app.clone();
        tries.push(tokio::spawn(async move { accounts::login(&app, "li", "Wrong-password-1").await }));
    }
    let (mut wrong, mut locked) = (0, 0);
    for t in tries {
        match t.await.unwrap().expect("every attempt is answered, none refused as a conflict") {
            Login::Wrong => wrong += 1,
            Login::Locked(_) => locked += 1,
            Login::Ok(_) | Login::Disabled => panic!("a wrong password signed in"),
        }
    }
    assert_eq!(wrong + locked, 40);
    assert!(wrong < accounts::MAX_FAILURES as usize, "at most {} failures before the lock, saw {wrong}", accounts::MAX_FAILURES);
    assert!(matches!(accounts::login(&app, "li", "Tamper-proof-rivers-9").await.unwrap(), Login::Locked(_)), "locked even for the right password");
    let events = db.store.trail("150100").await.unwrap();
    let recorded = events.iter().filter(|e| e.entity_id == "li" && e.action.starts_with("user.login")).count();
    assert!(recorded >= 40, "every attempt is on the trail ({recorded})");
    assert!(audit::verify(&app, &[], None).await.unwrap().iter().all(audit::ZoneAudit::ok));
}

async fn tokens_end_with_the_password_and_stop_during_a_lock_out(db: &TestDb) {
    let app = app(db, "2024-06-15").await;
    let u = user(&app, "wang", "市林草局", Role::Department).await;
    let (_, token) = accounts::create_token(&app, "wang", "test").await.unwrap();
    assert!(accounts::token_user(&app, &token).await.unwrap().is_some());
    // locked out: the token stops too
    for _ in 0..accounts::MAX_FAILURES {
        accounts::login(&app, "wang", "Wrong-password-1").await.unwrap();
    }
    assert!(matches!(accounts::login(&app, "wang", "Tamper-proof-rivers-9").await.unwrap(), Login::Locked(_)));
    assert!(accounts::token_user(&app, &token).await.unwrap().is_none(), "refused during the lock-out");
    // a new password ends the lock-out, the sessions and the tokens
    let u = accounts::user(&app, &u.name).await.unwrap();
    accounts::set_password(&app, &u, "Another-river-flows-10".into(), "test").await.unwrap();
    assert!(accounts::token_user(&app, &token).await.unwrap().is_none(), "a token made before the password change ends with it");
    let (_, fresh) = accounts::create_token(&app, "wang", "test").await.unwrap();
    assert!(accounts::token_user(&app, &fresh).await.unwrap().is_some());
    // guessable passwords are refused, with the reason
    for weak in ["Password123", "Qwertyuiop1!", "Password-2024"] {
        let e = accounts::set_password(&app, &u, weak.into(), "test").await.unwrap_err();
        assert_eq!(e.kind, Kind::Invalid, "{weak}");
        assert!(e.checks.iter().any(|c| c.code == "guessable_password" || c.code == "weak_password"), "{weak}: {:?}", e.checks);
    }
    assert!(audit::verify(&app, &[], None).await.unwrap().iter().all(audit::ZoneAudit::ok));
}
