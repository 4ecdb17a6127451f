//! Supervision orders on both databases: an order's whole life (issued, answered, returned,
//! answered again, closed), one missed and escalated, one answered late; who may do what; bad
//! input refused and located; and how the orders count in the quarter's assessment, explained
//! fact by fact, and stand in the month's bulletin.

use chrono::NaiveDate;
use ecociv_app::App;
use ecociv_app::supervision::{act, issue, order_for, orders_for};
use ecociv_core::Locale;
use ecociv_core::access::{Actor, Role};
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::scoring::{ComponentKind, Fact, Quarter};
use ecociv_core::supervision::{Move, OrderInput, OrderOutcome, OrderState, Standing, waiting_on};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;
use rust_decimal::Decimal;

const ZONE: &str = "150100";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn on(db: &TestDb, today: &str) -> App {
    App::new(db.store.clone(), Some(day(today)), ZONE)
}

fn actor(name: &str, org: &str, role: Role) -> Actor {
    Actor { name: name.into(), zone: ZONE.into(), org_unit: org.into(), role, parent: None }
}

fn task_force() -> Actor {
    actor("tf", "市生态环境局", Role::TaskForce)
}

/// A department that implements a project (not the task force's own), and that project.
fn unit_and_project(plan: &Plan) -> (String, u32) {
    plan.projects
        .iter()
        .find_map(|p| {
            let u = p.implementers.iter().find(|u| plan.org_unit(u).is_some_and(|o| o.kind == OrgKind::Department) && *u != "市生态环境局")?;
            Some((u.clone(), p.number))
        })
        .expect("a department implements a project")
}

fn order(unit: &str, kind: &str, subject: &str, deadline: &str) -> OrderInput {
    OrderInput {
        org_unit: unit.into(),
        subject_kind: kind.into(),
        subject: subject.into(),
        matter: "月度调度进度滞后".into(),
        required: "说明原因，提出整改措施并附佐证".into(),
        deadline: deadline.into(),
    }
}

async fn loaded(db: &TestDb) -> std::sync::Arc<Plan> {
    let app = on(db, "2024-01-01");
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    app.plan(Some(ZONE)).await.unwrap()
}

on_both!(an_order_lives_escalates_and_counts_in_the_assessment, bad_orders_and_wrong_hands_are_refused);

async fn an_order_lives_escalates_and_counts_in_the_assessment(db: &TestDb) {
    let plan = loaded(db).await;
    let (unit, project) = unit_and_project(&plan);
    let me = actor("dept", &unit, Role::Department);
    let tf = task_force();
    let p = project.to_string();
    // A: answered, returned, answered again by its deadline, closed; B: never answered;
    // C: answered after its deadline, then closed
    let a = issue(&on(db, "2024-04-01"), &tf, &order(&unit, "project", &p, "2024-05-20")).await.unwrap();
    let b = issue(&on(db, "2024-04-01"), &tf, &order(&unit, "project", &p, "2024-05-10")).await.unwrap();
    let c = issue(&on(db, "2024-05-01"), &tf, &order(&unit, "task", "3", "2024-06-10")).await.unwrap();
    assert_eq!((a.state, a.version, a.issued_by.as_str()), (OrderState::Issued, 1, "tf"));

    // the evidence goes with the answer: uploaded while the order waits for it, not after
    ecociv_app::entries::attach(&on(db, "2024-04-10"), &me, "supervision_order", a.id, "推进会纪要.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap();
    let answered = act(&on(db, "2024-04-10"), &me, a.id, Move::Answer, "已召开推进会，正在整改", None).await.unwrap();
    let e = ecociv_app::entries::attach(&on(db, "2024-04-10"), &me, "supervision_order", a.id, "补充.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap_err();
    assert_eq!(e.code, "wrong_state", "not while the task force reviews the answer");
    assert_eq!(answered.state, OrderState::Answered);
    // the task force sees it waiting for its decision; the unit no longer has it to answer
    let today = day("2024-04-11");
    let all = db.store.orders(ZONE).await.unwrap();
    assert!(waiting_on(&tf, &plan, &all, today).iter().any(|o| o.id == a.id));
    assert!(!waiting_on(&me, &plan, &all, today).iter().any(|o| o.id == a.id));
    // a return needs a reason
    let e = act(&on(db, "2024-04-12"), &tf, a.id, Move::Return, "  ", None).await.unwrap_err();
    assert_eq!((e.code, e.checks[0].field.as_str()), ("invalid", "reason"));
    let returned = act(&on(db, "2024-04-12"), &tf, a.id, Move::Return, "缺少整改时限", Some(answered.version)).await.unwrap();
    assert_eq!((returned.state, returned.reason.as_str()), (OrderState::Returned, "缺少整改时限"));
    assert!(waiting_on(&me, &plan, &db.store.orders(ZONE).await.unwrap(), day("2024-04-12")).iter().any(|o| o.id == a.id));
    let again = act(&on(db, "2024-05-15"), &me, a.id, Move::Answer, "整改措施及时限见附件，5月底前完成", Some(returned.version)).await.unwrap();
    // a decision on a version that has moved is refused: someone else acted meanwhile
    assert_eq!(act(&on(db, "2024-05-16"), &tf, a.id, Move::Close, "", Some(returned.version)).await.unwrap_err().code, "conflict");
    let closed = act(&on(db, "2024-05-16"), &tf, a.id, Move::Close, "", Some(again.version)).await.unwrap();
    assert_eq!((closed.state, closed.version), (OrderState::Closed, 5));
    // closed is closed: no answer, decision or evidence more
    assert_eq!(act(&on(db, "2024-05-17"), &me, a.id, Move::Answer, "补充", None).await.unwrap_err().code, "wrong_state");
    assert_eq!(act(&on(db, "2024-05-17"), &tf, a.id, Move::Return, "再改", None).await.unwrap_err().code, "wrong_state");
    let e = ecociv_app::entries::attach(&on(db, "2024-05-17"), &me, "supervision_order", a.id, "晚到.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap_err();
    assert_eq!(e.code, "wrong_state");

    // B passes its deadline unanswered: overdue, escalated to the task force, still the unit's to answer
    let all = db.store.orders(ZONE).await.unwrap();
    let b_now = all.iter().find(|o| o.id == b.id).unwrap();
    assert!(!b_now.overdue(day("2024-05-10")) && b_now.overdue(day("2024-05-11")));
    assert_eq!(b_now.standing_on(day("2024-05-11")), Some(Standing::Overdue));
    let tf_waits: Vec<i64> = waiting_on(&tf, &plan, &all, day("2024-05-11")).iter().map(|o| o.id).collect();
    assert!(tf_waits.contains(&b.id) && !tf_waits.contains(&c.id), "the overdue one escalates; one in time does not: {tf_waits:?}");
    assert_eq!(waiting_on(&me, &plan, &all, day("2024-05-11"))[0].id, b.id, "the overdue first");

    // C is answered two days late and closed
    act(&on(db, "2024-06-12"), &me, c.id, Move::Answer, "已完成", None).await.unwrap();
    act(&on(db, "2024-06-13"), &tf, c.id, Move::Close, "同意办结", None).await.unwrap();

    // every step on the trail, and the trail still verifies
    let history = db.store.trail_for(ZONE, "supervision_order", &a.id.to_string()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["supervision_order.issued", "supervision_order.answered", "supervision_order.returned", "supervision_order.answered", "supervision_order.closed"]
    );
    assert_eq!(history[2].reason, "缺少整改时限");
    assert!(db.store.verify(ZONE).await.unwrap().ok());

    // the assessment of 2024Q2, judged after the quarter: A on time, B overdue, C late
    let app = on(db, "2024-08-01");
    let q2: Quarter = "2024Q2".parse().unwrap();
    let assessed = ecociv_app::assessment::assess(&app, &plan, q2, None).await.unwrap();
    let mine = assessed.departments.iter().find(|u| u.unit == unit).expect("the unit is scored");
    let comp = mine.components.iter().find(|c| c.kind == ComponentKind::SupervisionOrders).expect("the default rules score orders");
    let outcomes: Vec<(i64, OrderOutcome)> = comp
        .facts
        .iter()
        .map(|f| match f {
            Fact::Order { id, outcome, .. } => (*id, *outcome),
            other => panic!("not an order: {other:?}"),
        })
        .collect();
    assert_eq!(outcomes, vec![(c.id, OrderOutcome::Late), (b.id, OrderOutcome::Overdue), (a.id, OrderOutcome::OnTime)]);
    // (1 + 0 + the late credit 0.5) / 3 = 0.5, and each fact says why
    assert_eq!(comp.score, Some(Decimal::new(5, 1)));
    let told: Vec<String> = comp.facts.iter().map(|f| f.describe(Locale::Zh)).collect();
    assert!(told.iter().any(|t| t.contains("逾期未办结") && t.contains("2024-05-10")), "{told:?}");
    assert!(told.iter().any(|t| t.contains("按期办结")), "{told:?}");
    // the unit's score is the weighted mean of its components: the orders weigh in it
    let applicable: Decimal = mine.components.iter().filter(|c| c.score.is_some()).map(|c| c.weight).sum();
    let total: Decimal = mine.components.iter().filter_map(|c| c.score.map(|s| s * c.weight)).sum();
    assert_eq!(mine.score, (total * Decimal::ONE_HUNDRED / applicable).round_dp(2));
    // with rules that score only the orders, the unit has exactly their share
    let only = "title = \"只考督办\"\ncomponents = [{ kind = \"supervision_orders\", weight = \"100\" }]\n";
    let v = ecociv_app::assessment::set_rules(&app, &tf, only).await.unwrap().version;
    let by_orders = ecociv_app::assessment::assess(&app, &plan, q2, Some(v)).await.unwrap();
    assert_eq!(by_orders.departments.iter().find(|u| u.unit == unit).unwrap().score, Decimal::from(50));
    // no other quarter counts them
    let q1 = ecociv_app::assessment::assess(&app, &plan, "2024Q1".parse().unwrap(), Some(v)).await.unwrap();
    assert!(q1.departments.iter().all(|u| u.unit != unit), "no order was due in Q1");
    // judged on the day of Q2 before B's deadline and C's answer (a live quarter): A is not yet
    // closed and not yet due, so nothing counts but B... which is not due either
    let early = ecociv_app::assessment::assess(&on(db, "2024-05-05"), &plan, q2, Some(v)).await.unwrap();
    assert!(early.departments.iter().all(|u| u.unit != unit), "{:?}", early.departments);

    // the May bulletin: B overdue first, then A (closed in May), C open
    let may = ecociv_app::bulletin::bulletin(&app, &plan, "2024-05".parse().unwrap()).await.unwrap();
    let standings: Vec<(i64, Standing)> = may.orders.iter().map(|(o, s)| (o.id, *s)).collect();
    assert_eq!(standings, vec![(b.id, Standing::Overdue), (a.id, Standing::Closed), (c.id, Standing::Open)]);
    // March's bulletin, judged in April, lists no order issued after March; April's lists the
    // two issued in April, open on its due date, and not C, issued in May; July no longer lists
    // A, closed in May
    assert!(ecociv_app::bulletin::bulletin(&app, &plan, "2024-03".parse().unwrap()).await.unwrap().orders.is_empty());
    let april = ecociv_app::bulletin::bulletin(&app, &plan, "2024-04".parse().unwrap()).await.unwrap();
    assert_eq!(april.orders.iter().map(|(o, s)| (o.id, *s)).collect::<Vec<_>>(), vec![(b.id, Standing::Open), (a.id, Standing::Open)]);
    let july = ecociv_app::bulletin::bulletin(&app, &plan, "2024-07".parse().unwrap()).await.unwrap();
    assert!(july.orders.iter().all(|(o, _)| o.id != a.id) && july.orders.iter().any(|(o, s)| o.id == b.id && *s == Standing::Overdue));
}

async fn bad_orders_and_wrong_hands_are_refused(db: &TestDb) {
    let plan = loaded(db).await;
    let (unit, project) = unit_and_project(&plan);
    let app = on(db, "2024-04-01");
    let tf = task_force();
    let me = actor("dept", &unit, Role::Department);
    // every problem at once, each at its field
    let bad = OrderInput {
        org_unit: "市不存在局".into(),
        subject_kind: "project".into(),
        subject: "999".into(),
        matter: " ".into(),
        required: "要求\u{0007}".into(),
        deadline: "2024-03-31".into(),
    };
    let e = issue(&app, &tf, &bad).await.unwrap_err();
    let mut fields: Vec<(&str, &str)> = e.checks.iter().map(|c| (c.field.as_str(), c.code)).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![("deadline", "deadline_past"), ("matter", "required"), ("org_unit", "unknown_org_unit"), ("required", "bad_text"), ("subject", "unknown_subject")]
    );
    assert!(e.checks.iter().find(|c| c.field == "org_unit").unwrap().message(Locale::Zh).contains("市不存在局"));
    let e = issue(&app, &tf, &OrderInput { subject_kind: "person".into(), deadline: "五月".into(), ..order(&unit, "", "1", "") }).await.unwrap_err();
    assert!(e.checks.iter().any(|c| c.code == "bad_subject_kind") && e.checks.iter().any(|c| c.code == "bad_date"));
    // an indicator by its code, a unit by an alias or with spaces: stored canonical
    let o = issue(&app, &tf, &order(&format!(" {unit} "), "indicator", " 7.2 ", "2024-04-01")).await.unwrap();
    assert_eq!((o.org_unit.as_str(), o.subject.as_str(), o.deadline.as_str()), (unit.as_str(), "7.2", "2024-04-01"));
    // only the task force issues, closes and returns; only the unit answers
    assert_eq!(issue(&app, &me, &order(&unit, "project", &project.to_string(), "2024-05-01")).await.unwrap_err().code, "forbidden");
    let viewer = actor("v", &unit, Role::Viewer);
    assert_eq!(act(&app, &viewer, o.id, Move::Answer, "我来答", None).await.unwrap_err().code, "forbidden");
    assert_eq!(act(&app, &tf, o.id, Move::Answer, "代答", None).await.unwrap_err().code, "forbidden");
    assert_eq!(act(&app, &me, o.id, Move::Close, "", None).await.unwrap_err().code, "forbidden");
    let e = ecociv_app::entries::attach(&app, &viewer, "supervision_order", o.id, "x.pdf", b"%PDF-1.7\n%%EOF\n").await.unwrap_err();
    assert_eq!(e.code, "forbidden");
    // another unit of the zone reads it (the bulletin names it) but cannot answer it
    let other_unit = plan.org_units.iter().find(|x| x.kind == OrgKind::Department && x.name != unit && x.name != "市生态环境局").unwrap();
    let other = actor("other", &other_unit.name, Role::Department);
    assert_eq!(order_for(&app, &other, o.id).await.unwrap().1.id, o.id);
    assert_eq!(orders_for(&app, &other).await.unwrap().len(), 1);
    assert_eq!(act(&app, &other, o.id, Move::Answer, "x", None).await.unwrap_err().code, "forbidden");
    assert_eq!(orders_for(&app, &viewer).await.unwrap().len(), 1, "a viewer reads every order");
    // an answer is required text; closing an order not answered does not fit its state
    assert_eq!(act(&app, &me, o.id, Move::Answer, "", None).await.unwrap_err().checks[0].field, "answer");
    assert_eq!(act(&app, &tf, o.id, Move::Close, "", None).await.unwrap_err().code, "wrong_state");
    // two answers at once: one lands, the other is refused, nothing is lost or doubled
    let (x, y) = tokio::join!(act(&app, &me, o.id, Move::Answer, "答复一", Some(1)), act(&app, &me, o.id, Move::Answer, "答复二", Some(1)));
    assert_eq!([x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count(), 1, "{x:?} {y:?}");
    let stored = db.store.order(ZONE, o.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(db.store.trail_for(ZONE, "supervision_order", &o.id.to_string()).await.unwrap().len(), 2);
    // nothing refused above left a row behind
    assert_eq!(db.store.orders(ZONE).await.unwrap().len(), 1);
    // an order issued by mistake is withdrawn, with a reason, by the task force only: it then
    // counts nowhere and waits on nobody
    let wrong = issue(&app, &tf, &order(&unit, "task", "5", "2024-04-02")).await.unwrap();
    assert_eq!(act(&app, &me, wrong.id, Move::Withdraw, "不是我们的", None).await.unwrap_err().code, "forbidden");
    assert_eq!(act(&app, &tf, wrong.id, Move::Withdraw, " ", None).await.unwrap_err().checks[0].field, "reason");
    let gone = act(&app, &tf, wrong.id, Move::Withdraw, "下达对象有误", None).await.unwrap();
    assert_eq!(gone.state, OrderState::Withdrawn);
    let later = day("2024-06-01");
    assert!(!gone.overdue(later) && gone.outcome(later).is_none() && gone.standing_on(later).is_none());
    assert!(waiting_on(&me, &plan, &db.store.orders(ZONE).await.unwrap(), later).iter().all(|o| o.id != wrong.id));
    assert_eq!(act(&app, &me, wrong.id, Move::Answer, "晚了", None).await.unwrap_err().code, "wrong_state");
}
