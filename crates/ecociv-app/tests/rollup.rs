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
    Actor { name: name.into(), zone: zone.into(), org_unit: org.into(), role, parent: None }
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

    // a county's report moves its line at once; the other county's summary is kept as it was
    let plan = app.plan(Some("SYN0001")).await.unwrap();
    let (number, unit) = plan
        .projects
        .iter()
        .filter(|p| p.number > 3 && p.period.overlaps(2025, 2025))
        .find_map(|p| Some((p.number, plan.org_unit(p.implementers.first()?)?)))
        .expect("a project of 2025 without synthetic reports");
    let implementer = actor("impl", "SYN0001", &unit.name, unit.kind.role());
    let input =
        serde_json::json!({"period": "2025-06", "status": "under_way", "progress_percent": 50, "investment_month_wan": 0, "investment_cumulative_wan": 0});
    ecociv_app::entries::submit_project_report(&app, &implementer, number, &serde_json::from_value(input).unwrap()).await.unwrap();
    let after = children(&app, &tf).await.unwrap();
    let (b, a) = (&before[0].reporting, &after[0].reporting);
    assert_eq!((a.missing + 1, a.on_time + a.late), (b.missing, b.on_time + b.late + 1), "{b:?} → {a:?}");
    assert_eq!(after[1], before[1]);
}

/// A copy of the Hohhot data files as another zone's (新城区, a county): what a newcomer writes
/// for a zone of their own.
pub fn county_folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ecociv_county_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/hohhot");
    for f in ["indicators.toml", "tasks.toml", "projects.toml"] {
        std::fs::copy(data.join(f), dir.join(f)).unwrap();
    }
    let plan = std::fs::read_to_string(data.join("plan.toml")).unwrap();
    let plan = plan.replace("code = \"hohhot-2023-2025\"", "code = \"xincheng-2023-2025\"").replace(
        "[zone]\ncode = \"150100\"\nname = \"呼和浩特市\"\nname_en = \"Hohhot\"\nlevel = \"city\"",
        "[zone]\ncode = \"150102\"\nname = \"新城区\"\nname_en = \"Xincheng District\"\nlevel = \"county\"",
    );
    assert!(plan.contains("150102"), "the zone block of plan.toml changed");
    std::fs::write(dir.join("plan.toml"), plan).unwrap();
    dir
}

on_both!(a_county_is_added_from_its_data_files_and_rolls_up_under_its_city);

async fn a_county_is_added_from_its_data_files_and_rolls_up_under_its_city(db: &TestDb) {
    let app = on(db);
    ecociv_app::zones::load_plan(app.store.as_ref(), &ecociv_app::zones::embedded_plan().unwrap(), "test").await.unwrap();
    let dir = county_folder(if db.url.starts_with("sqlite") { "sqlite" } else { "pg" });
    let e = ecociv_app::zones::add_zone(&app, &dir, Some("999999"), "test").await.unwrap_err();
    assert_eq!((e.code, e.fields.get("parent").map(String::as_str)), ("unknown_zone", Some("999999")));
    let (plan, outcome) = ecociv_app::zones::add_zone(&app, &dir, Some(CITY), "test").await.unwrap();
    assert_eq!((plan.zone.code.as_str(), plan.zone.parent.as_deref(), outcome), ("150102", Some(CITY), ecociv_app::zones::LoadOutcome::Loaded));
    assert_eq!(ecociv_app::zones::add_zone(&app, &dir, Some(CITY), "test").await.unwrap().1, ecociv_app::zones::LoadOutcome::Unchanged);
    let tf = actor("tf", CITY, "市生态环境局", Role::TaskForce);
    let zones = children(&app, &tf).await.unwrap();
    assert_eq!(zones.len(), 1);
    assert_eq!((zones[0].name.as_str(), zones[0].level, zones[0].example_data), ("新城区", ecociv_core::model::ZoneLevel::County, false));
    assert_eq!(zones[0].indicators.met, 0, "a new zone has no approved value yet");
    // its own users, in its own zone
    let new = ecociv_app::accounts::new_user_in(&app, Some("150102"), "xc-tf", "市生态环境局", Role::TaskForce).await.unwrap();
    assert_eq!(new.zone, "150102");
    // a folder that lacks a file, or names a framework not shipped, is refused naming it
    std::fs::remove_file(dir.join("tasks.toml")).unwrap();
    let e = ecociv_app::zones::add_zone(&app, &dir, None, "test").await.unwrap_err();
    assert!(e.code == "plan_file_missing" && e.fields["file"].ends_with("tasks.toml"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
