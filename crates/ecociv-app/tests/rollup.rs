//! The zones under a zone, rolled up, on both databases: two synthetic counties under Hohhot,
//! each summed up as its own dashboard says it stands; who may read the roll-up; a county's
//! task force sees neither its city's nor its neighbour's.

use ecociv_app::App;
use ecociv_app::demo::{Request, generate};
use ecociv_app::rollup::children;
use ecociv_core::access::{Actor, Role};
use ecociv_store::on_both;
use ecociv_store::testdb::TestDb;

const CITY: &str = "150100";

fn on(db: &TestDb) -> App {
    App::new(db.store.clone(), Some("2025-07-20".parse().unwrap()), CITY)
}

fn actor(name: &str, zone: &str, org: &str, role: Role) -> Actor {
    Actor { name: name.into(), zone: zone.into(), org_unit: org.into(), role }
}

on_both!(a_citys_task_force_sees_its_counties_side_by_side);

async fn a_citys_task_force_sees_its_counties_side_by_side(db: &TestDb) {
    let app = on(db);
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let tf = actor("tf", CITY, "市生态环境局", Role::TaskForce);
    assert!(children(&app, &tf).await.unwrap().is_empty(), "no county yet");
    let e = generate(&app, &Request::new(1, 2, 2).unwrap().under("999999"), "Demo-Password-1".into(), |_| {}).await.unwrap_err();
    assert_eq!(e.code, "unknown_zone");
    generate(&app, &Request::new(2, 3, 2).unwrap().under(CITY), "Demo-Password-1".into(), |_| {}).await.unwrap();

    let zones = children(&app, &tf).await.unwrap();
    assert_eq!(zones.iter().map(|z| z.code.as_str()).collect::<Vec<_>>(), ["SYN0001", "SYN0002"]);
    for z in &zones {
        assert_eq!(z.level, ecociv_core::model::ZoneLevel::County);
        assert!(z.example_data);
        // what the county's own dashboard says
        let plan = app.plan(Some(&z.code)).await.unwrap();
        let own = ecociv_app::standings::approved_standings(&app, &plan, ecociv_core::Locale::Zh, Default::default()).await.unwrap();
        let met = own.iter().filter(|s| s.latest == ecociv_core::rule::Status::Met).count();
        assert_eq!(z.indicators.met, met, "{}", z.code);
        let i = &z.indicators;
        assert_eq!(i.met + i.not_met + i.no_data + i.target_not_set + i.not_applicable, own.len());
        assert!(i.met > 0, "the synthetic years have values");
        let r = &z.reporting;
        assert_eq!(r.month, "2025-06");
        assert!(r.asked > 0 && r.on_time + r.late + r.missing + r.not_yet_due == r.asked, "{r:?}");
        let own_readiness = ecociv_app::readiness::readiness(&app, &plan).await.unwrap();
        assert_eq!(z.readiness, own_readiness.zone);
    }
    let before = zones.clone();
    let county_tf = actor("syn0001-tf", "SYN0001", "市生态环境局", Role::TaskForce);
    let viewer = actor("v", CITY, "市生态环境局", Role::Viewer);
    assert_eq!(children(&app, &viewer).await.unwrap(), before, "the city's viewers read it too");
    for refused in [actor("zj", CITY, "市住建局", Role::Department), actor("tuoxian", CITY, "托克托县", Role::Region)] {
        assert_eq!(children(&app, &refused).await.unwrap_err().kind, ecociv_app::Kind::Forbidden, "{}", refused.name);
    }
    assert!(children(&app, &county_tf).await.unwrap().is_empty(), "a county's task force reads no zone of its city");
}
