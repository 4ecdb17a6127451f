//! Accounts managed by an administrator and the task force (`ecociv_app::users`), on both
//! databases: who may do what, the temporary password that must be changed, disabling and
//! resetting that end sessions and tokens, and every change on the trail.

use ecociv_app::accounts::{self, Login};
use ecociv_app::users::{self, Change};
use ecociv_app::{App, accounts::actor_of};
use ecociv_core::access::Role;
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

on_both!(accounts_are_managed_within_rights_and_on_the_trail);

async fn accounts_are_managed_within_rights_and_on_the_trail(db: &TestDb) {
    let app = App::new(db.store.clone(), None, "150100");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let make = |name: &'static str, org: &'static str, role: Role| {
        let app = app.clone();
        async move {
            let new = accounts::new_user(&app, name, org, role).await.unwrap();
            accounts::add_user(&app, &new, "Tamper-proof-rivers-9".into(), "test").await.unwrap()
        }
    };
    let admin = actor_of(&make("root", "市生态环境局", Role::Admin).await);
    let tf = actor_of(&make("tf", "市生态环境局", Role::TaskForce).await);
    let dept = actor_of(&make("dept", "市林草局", Role::Department).await);

    // only the administrator and the task force see and change accounts
    assert_eq!(users::list(&app, &dept).await.unwrap_err().code, "forbidden");
    assert_eq!(users::list(&app, &tf).await.unwrap().len(), 3);
    assert_eq!(users::add(&app, &dept, "x1", "市林草局", Role::Department).await.unwrap_err().code, "forbidden");
    // the task force makes no administrator and touches none
    assert_eq!(users::add(&app, &tf, "x2", "市生态环境局", Role::Admin).await.unwrap_err().code, "forbidden");
    assert_eq!(users::apply(&app, &tf, "root", &Change::Disable).await.unwrap_err().code, "forbidden");
    assert_eq!(users::apply(&app, &tf, "dept", &Change::Role(Role::Admin)).await.unwrap_err().code, "forbidden");
    // nobody disables or demotes themselves
    assert_eq!(users::apply(&app, &admin, "root", &Change::Disable).await.unwrap_err().code, "own_account");
    assert_eq!(users::apply(&app, &tf, "tf", &Change::Role(Role::Viewer)).await.unwrap_err().code, "own_account");
    // an org unit not in the plan is refused with the valid ones
    let e = users::add(&app, &tf, "li", "专班", Role::TaskForce).await.unwrap_err();
    assert_eq!(e.code, "unknown_org_unit");
    assert!(e.fields["valid"].contains("市生态环境局"), "{:?}", e.fields);
    let e = users::add(&app, &tf, "li", "林草", Role::Department).await.unwrap_err();
    assert_eq!(e.fields["valid"], "市林草局", "the nearest name");
    // a name with a control character (invisible, and no XML can carry it) is refused
    assert_eq!(users::add(&app, &tf, "nul\u{1}x", "市林草局", Role::Department).await.unwrap_err().code, "bad_user_name");
    // a role whose org unit is of another kind is refused
    assert_eq!(users::apply(&app, &tf, "dept", &Change::Role(Role::Region)).await.unwrap_err().code, "org_kind_mismatch");

    // a new account: a temporary password that signs in and must be changed
    let (li, password) = users::add(&app, &tf, "li", "和林", Role::Region).await.unwrap();
    assert!(li.must_change_password && li.org_unit == "和林格尔县");
    let Login::Ok(signed) = accounts::login(&app, "li", &password).await.unwrap() else { panic!("the temporary password signs in") };
    assert!(signed.must_change_password);
    let session = accounts::start_session(&app, &signed).await.unwrap();
    let token = accounts::create_token(&app, "li", "tf").await.unwrap().1;
    assert!(accounts::session_user(&app, &session).await.unwrap().is_some());

    // disabled: its session and token end, and the right password says so
    users::apply(&app, &tf, "li", &Change::Disable).await.unwrap();
    assert!(accounts::session_user(&app, &session).await.unwrap().is_none());
    assert!(accounts::token_user(&app, &token).await.unwrap().is_none());
    assert!(matches!(accounts::login(&app, "li", &password).await.unwrap(), Login::Disabled));
    assert!(matches!(accounts::login(&app, "li", "wrong-Password-1").await.unwrap(), Login::Wrong), "a wrong password learns nothing");
    users::apply(&app, &tf, "li", &Change::Enable).await.unwrap();
    assert!(matches!(accounts::login(&app, "li", &password).await.unwrap(), Login::Ok(_)));

    // locked out after failures, and unlocked
    for _ in 0..5 {
        accounts::login(&app, "dept", "wrong-Password-1").await.unwrap();
    }
    assert!(matches!(accounts::login(&app, "dept", "Tamper-proof-rivers-9").await.unwrap(), Login::Locked(_)));
    users::apply(&app, &tf, "dept", &Change::Unlock).await.unwrap();
    assert!(matches!(accounts::login(&app, "dept", "Tamper-proof-rivers-9").await.unwrap(), Login::Ok(_)));

    // a reset: a new temporary password, the old one ends, and so do sessions
    let dept_session = accounts::start_session(&app, &db.store.user("dept").await.unwrap().unwrap()).await.unwrap();
    let (after, temporary) = users::apply(&app, &tf, "dept", &Change::ResetPassword).await.unwrap();
    let temporary = temporary.unwrap();
    assert!(after.must_change_password);
    assert!(accounts::session_user(&app, &dept_session).await.unwrap().is_none());
    assert!(matches!(accounts::login(&app, "dept", "Tamper-proof-rivers-9").await.unwrap(), Login::Wrong));
    assert!(matches!(accounts::login(&app, "dept", &temporary).await.unwrap(), Login::Ok(_)));

    // a role changed within the org unit's kind
    let (viewer, _) = users::apply(&app, &admin, "dept", &Change::Role(Role::Viewer)).await.unwrap();
    assert_eq!(viewer.role, Role::Viewer);

    // every change on the trail, with who made it, and the trail verifies
    let actions: Vec<(String, String)> =
        db.store.trail("150100").await.unwrap().into_iter().filter(|e| e.entity == "user").map(|e| (e.action, e.actor)).collect();
    for (action, actor) in [
        ("user.created", "tf"),
        ("user.disabled", "tf"),
        ("user.enabled", "tf"),
        ("user.unlocked", "tf"),
        ("user.password_reset", "tf"),
        ("user.role_changed", "root"),
    ] {
        assert!(actions.iter().any(|(a, by)| a == action && by == actor), "{action} by {actor}: {actions:?}");
    }
    assert!(db.store.verify("150100").await.unwrap().ok());
}
