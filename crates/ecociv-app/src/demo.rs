//! Synthetic data for benchmarks and trials (`ecociv demo generate`). Each zone is a copy of the
//! embedded plan under a code `SYN0001`… (or, as a national tree of provinces, cities and
//! counties, `SYN` and a six-digit division code: [`place`]) and a name and title marked
//! 合成数据 (synthetic), with
//! its own users, yearly values (approved) and a monthly dispatch history of its first
//! projects. Nothing is written into a real zone. Values come from a seeded generator, so two
//! runs give the same data. A zone's plan is loaded and its users are made first; then all its
//! yearly values and dispatch reports are stored in one transaction, each on the trail
//! (`EntryStore::write_entries`), the yearly values as approved by the zone's task force.

use ecociv_core::access::Role;
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UserRecord};
use ecociv_core::rule::ValueKind;
use ecociv_store::EntryWrite;
use rust_decimal::Decimal;

use crate::App;
use crate::error::{AppError, Result};

/// The most years of data a synthetic zone may have.
pub const MAX_YEARS: i32 = 20;

/// A small deterministic generator (64-bit LCG).
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    /// A decimal in [lo, hi) with one decimal place.
    fn between(&mut self, lo: i64, hi: i64) -> Decimal {
        let span = ((hi - lo) * 10).max(1) as u64;
        Decimal::new(lo * 10 + (self.next() % span) as i64, 1)
    }
}

/// The code of the n-th synthetic zone (flat, see [`place`]).
pub fn zone_code(n: usize) -> String {
    format!("SYN{n:04}")
}

/// How many zones a city of a national tree stands for: itself and its counties (about four
/// in five zones that hold the title are counties).
pub const TREE_GROUP: usize = 5;

/// The most zones a national tree holds: 99 cities in each province, each with its counties.
pub const TREE_MOST: usize = 31 * 99 * TREE_GROUP;

/// Where the n-th synthetic zone stands: its code, names, level and parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: ecociv_core::model::ZoneLevel,
    pub parent: Option<String>,
}

/// The n-th (from 1) synthetic zone's place. Flat: `SYN0001`…, cities, or counties of `parent`.
/// In a national tree: cities and their counties spread over the provinces in turn, each coded
/// `SYN` and six digits as a division code is — the province, the city within it, the county
/// within the city (`00`: the city itself) — so that the national view counts it in its
/// province (see `ecociv_core::rollup::province_of`).
pub fn place(n: usize, parent: Option<&str>, tree: bool) -> Place {
    use ecociv_core::model::ZoneLevel;
    if !tree {
        let level = if parent.is_some() { ZoneLevel::County } else { ZoneLevel::City };
        return Place {
            code: zone_code(n),
            name: format!("合成数据示范区{n:03}"),
            name_en: format!("Synthetic zone {n:03}"),
            level,
            parent: parent.map(String::from),
        };
    }
    let provinces = ecociv_core::rollup::PROVINCES;
    let (group, k) = ((n - 1) / TREE_GROUP, (n - 1) % TREE_GROUP);
    let (prov, prov_zh, prov_en) = provinces[group % provinces.len()];
    let city = group / provinces.len() + 1;
    let city_code = format!("SYN{prov}{city:02}00");
    if k == 0 {
        return Place {
            code: city_code,
            name: format!("合成数据{prov_zh}第{city:02}市"),
            name_en: format!("Synthetic city {city:02}, {prov_en}"),
            level: ZoneLevel::City,
            parent: None,
        };
    }
    Place {
        code: format!("SYN{prov}{city:02}{k:02}"),
        name: format!("合成数据{prov_zh}第{city:02}市第{k:02}县"),
        name_en: format!("Synthetic county {k:02} of city {city:02}, {prov_en}"),
        level: ZoneLevel::County,
        parent: Some(city_code),
    }
}

/// The embedded plan as the synthetic zone of `place`.
fn synthetic_plan(base: &Plan, n: usize, place: &Place) -> Plan {
    let mut p = base.clone();
    p.zone.code = place.code.clone();
    p.zone.name = place.name.clone();
    p.zone.name_en = place.name_en.clone();
    p.zone.parent = place.parent.clone();
    p.zone.level = place.level;
    p.zone.example_data = true;
    p.code = format!("synthetic-{n:04}");
    p.title = format!("【合成数据】{}", base.title);
    p.title_en = format!("[Synthetic] {}", base.title_en);
    p.content_hash = format!("synthetic-{}", base.content_hash);
    p
}

/// What to generate: `zones` zones, each with `projects` reporting projects and `years` years
/// of data up to the plan's last year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    zones: usize,
    projects: usize,
    years: i32,
    /// The zone the synthetic zones stand under (counties of a city), if any.
    parent: Option<String>,
    /// A national tree ([`place`]) instead of zones side by side.
    tree: bool,
}

impl Request {
    /// A request, its years within 1–[`MAX_YEARS`] (else `demo_years`).
    pub fn new(zones: usize, projects: usize, years: i32) -> Result<Request> {
        if !(1..=MAX_YEARS).contains(&years) {
            return Err(AppError::bad_request("demo_years").field("years", &years.to_string()));
        }
        Ok(Request { zones, projects, years, parent: None, tree: false })
    }

    /// The same as a national tree (at most [`TREE_MOST`] zones, else `demo_zones`).
    pub fn tree(self) -> Result<Request> {
        if self.zones > TREE_MOST {
            return Err(AppError::bad_request("demo_zones").field("zones", &self.zones.to_string()).field("most", &TREE_MOST.to_string()));
        }
        Ok(Request { tree: true, parent: None, ..self })
    }

    /// The same, the zones standing under `parent` (a zone that exists).
    pub fn under(self, parent: &str) -> Request {
        Request { parent: Some(parent.trim().to_string()), tree: false, ..self }
    }
}

/// What was made in one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub zone: String,
    pub users: usize,
    pub yearly_values: usize,
    pub projects: usize,
}

/// Generates the synthetic zones; every user's password is `password` (strong enough, else
/// `invalid`). `done` hears of each zone once it is stored. Zones, users and entries already
/// there are kept as they are.
pub async fn generate(st: &App, r: &Request, password: String, mut done: impl FnMut(&Generated) + Send) -> Result<()> {
    if let Some(parent) = &r.parent
        && !st.store.zones().await?.iter().any(|z| &z.code == parent)
    {
        return Err(AppError::not_found("unknown_zone").field("parent", parent));
    }
    let password_hash = crate::accounts::strong_password_hash_for(password, &[]).await?;
    let base = crate::zones::embedded_plan()?;
    let store = st.store.as_ref();
    let now = ecociv_store::trail::now();
    let years = r.years;
    for n in 1..=r.zones {
        let plan = synthetic_plan(&base, n, &place(n, r.parent.as_deref(), r.tree));
        let z = plan.zone.code.clone();
        store.load_plan(&plan, "demo").await?;
        let mut rng = Seeded(n as u64 * 7919);
        // users: the task force, and one per department and region
        let tf = format!("{}-tf", z.to_lowercase());
        let mut users = vec![(tf.clone(), "市生态环境局".to_string(), Role::TaskForce)];
        for (i, o) in plan.org_units.iter().enumerate() {
            let role = match o.kind {
                OrgKind::Department => Role::Department,
                OrgKind::Region => Role::Region,
                OrgKind::Unit => Role::Unit,
            };
            users.push((format!("{}-u{i:02}", z.to_lowercase()), o.name.clone(), role));
        }
        for (name, org, role) in &users {
            if store.user(name).await?.is_some() {
                continue;
            }
            let u = UserRecord {
                name: name.clone(),
                zone: z.clone(),
                org_unit: org.clone(),
                role: *role,
                password_hash: password_hash.clone(),
                failed_logins: 0,
                locked_until: String::new(),
                disabled: false,
                must_change_password: false,
                created_at: now.clone(),
            };
            store.create_user(&u, "demo").await?;
        }
        let mut writes = Vec::new();
        let existing = store.observations(&z).await?;
        let first_year = plan.end_year - years + 1;
        for leaf in plan.leaves() {
            let kind = leaf.target.parse_rule().map(|r| r.value_kind()).unwrap_or(ValueKind::Number);
            let lead = plan.indicator_of(leaf.code).and_then(|i| i.lead_departments.first().cloned()).unwrap_or_default();
            let submitter = users.iter().find(|u| u.1 == lead).map(|u| u.0.clone()).unwrap_or(tf.clone());
            for year in first_year..=plan.end_year {
                if existing.iter().any(|o| o.indicator == leaf.code && o.year == i64::from(year)) {
                    continue;
                }
                let value = match &kind {
                    ValueKind::State(w) => {
                        if rng.next() % 10 < 8 {
                            w.word.clone()
                        } else {
                            w.display_negative()
                        }
                    }
                    _ => rng.between(10, 100).to_string(),
                };
                writes.push(EntryWrite::NewObservation(ObservationRecord {
                    id: 0,
                    zone: z.clone(),
                    indicator: leaf.code.to_string(),
                    year: i64::from(year),
                    region: String::new(),
                    value,
                    comment: "合成数据".into(),
                    explanation: String::new(),
                    state: EntryState::Approved,
                    late: false,
                    submitted_by: submitter.clone(),
                    submitted_at: now.clone(),
                    decided_by: tf.clone(),
                    decided_at: now.clone(),
                    reason: String::new(),
                    version: 0,
                }));
            }
        }
        let reports = store.dispatch_reports(&z).await?;
        for p in plan.projects.iter().take(r.projects) {
            let reporter = p.implementers.first().cloned().unwrap_or_default();
            let user = users.iter().find(|u| u.1 == reporter).map(|u| u.0.clone()).unwrap_or(tf.clone());
            let mut cumulative = Decimal::ZERO;
            for year in first_year..=plan.end_year {
                for month in 1..=12u32 {
                    let period = format!("{year:04}-{month:02}");
                    let monthly = rng.between(0, 50);
                    cumulative += monthly;
                    if reports.iter().any(|r| r.kind == "project" && r.subject == i64::from(p.number) && r.period == period) {
                        continue;
                    }
                    writes.push(EntryWrite::NewDispatch(DispatchRecord {
                        id: 0,
                        zone: z.clone(),
                        kind: "project".into(),
                        subject: i64::from(p.number),
                        org_unit: reporter.clone(),
                        period,
                        status: "under_way".into(),
                        progress_percent: rng.between(0, 100).to_string(),
                        investment_month_wan: monthly.to_string(),
                        investment_cumulative_wan: cumulative.to_string(),
                        funding: String::new(),
                        progress: String::new(),
                        quantities: "[]".into(),
                        benefits: "合成数据".into(),
                        problems: String::new(),
                        explanation: String::new(),
                        state: EntryState::Submitted,
                        late: rng.next().is_multiple_of(5),
                        submitted_by: user.clone(),
                        submitted_at: now.clone(),
                        decided_by: String::new(),
                        decided_at: String::new(),
                        reason: String::new(),
                        version: 0,
                    }));
                }
            }
        }
        if !writes.is_empty() {
            store.write_entries(&z, &writes, "demo").await?;
        }
        done(&Generated { zone: z, users: users.len(), yearly_values: plan.leaves().len() * years as usize, projects: r.projects.min(plan.projects.len()) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_core::access::Actor;
    use ecociv_store::testdb::TestDb;

    async fn run(app: &App) -> Vec<Generated> {
        let mut seen = Vec::new();
        generate(app, &Request::new(2, 3, 2).unwrap(), "Demo-Password-1".into(), |g| seen.push(g.clone())).await.unwrap();
        seen
    }

    #[tokio::test]
    async fn each_zone_is_stored_in_one_write_and_a_second_run_changes_nothing() {
        assert!(Request::new(1, 1, 0).is_err() && Request::new(1, 1, MAX_YEARS + 1).is_err());
        let db = TestDb::sqlite().await;
        let app = App::new(db.store.clone(), None, "150100");
        let seen = run(&app).await;
        assert_eq!(seen.iter().map(|g| g.zone.as_str()).collect::<Vec<_>>(), ["SYN0001", "SYN0002"]);
        let leaves = crate::zones::embedded_plan().unwrap().leaves().len();
        assert_eq!((seen[0].yearly_values, seen[0].projects), (leaves * 2, 3));
        let obs = db.store.observations("SYN0001").await.unwrap();
        assert_eq!(obs.len(), leaves * 2);
        assert!(obs.iter().all(|o| o.state == EntryState::Approved && o.decided_by == "syn0001-tf" && o.year >= 2024), "approved, the last two years");
        assert_eq!(db.store.dispatch_reports("SYN0001").await.unwrap().len(), 3 * 24);
        assert_eq!(db.store.users("SYN0001").await.unwrap().len(), seen[0].users);
        // the entries moved each version once: one batch, one transaction
        let v = db.store.data_versions("SYN0001").await.unwrap();
        assert_eq!((v.observations, v.dispatch), (1, 1));
        assert!(db.store.verify("SYN0001").await.unwrap().ok());
        // seeded: the zones differ from each other, and a second run adds nothing
        let obs2 = db.store.observations("SYN0002").await.unwrap();
        assert_ne!(obs.iter().map(|o| &o.value).collect::<Vec<_>>(), obs2.iter().map(|o| &o.value).collect::<Vec<_>>());
        let head = db.store.head_of("SYN0001").await.unwrap();
        run(&app).await;
        assert_eq!(db.store.head_of("SYN0001").await.unwrap(), head);
        assert_eq!(db.store.observations("SYN0001").await.unwrap(), obs);
        db.cleanup().await;
    }

    #[tokio::test]
    async fn a_national_tree_puts_cities_and_their_counties_in_the_provinces_in_turn() {
        let codes: Vec<String> = (1..=7).map(|n| place(n, None, true).code).collect();
        assert_eq!(codes, ["SYN110100", "SYN110101", "SYN110102", "SYN110103", "SYN110104", "SYN120100", "SYN120101"]);
        let county = place(2, None, true);
        assert_eq!((county.parent.as_deref(), county.level), (Some("SYN110100"), ecociv_core::model::ZoneLevel::County));
        assert_eq!(place(6, None, true).parent, None);
        // after a city in every province, Beijing's second city
        assert_eq!(place(31 * TREE_GROUP + 1, None, true).code, "SYN110200");
        assert_eq!(place(TREE_MOST, None, true).code, "SYN659904");
        assert_eq!(Request::new(TREE_MOST + 1, 1, 1).unwrap().tree().unwrap_err().code, "demo_zones");
        // flat zones stay as they were
        assert_eq!(
            place(3, Some("150100"), false),
            Place {
                code: "SYN0003".into(),
                name: "合成数据示范区003".into(),
                name_en: "Synthetic zone 003".into(),
                level: ecociv_core::model::ZoneLevel::County,
                parent: Some("150100".into()),
            }
        );

        // stored: the national view counts them in their provinces, and a city's task force
        // sees its own counties
        let db = TestDb::sqlite().await;
        let app = App::new(db.store.clone(), None, "SYN110100");
        generate(&app, &Request::new(7, 1, 1).unwrap().tree().unwrap(), "Demo-Password-1".into(), |_| {}).await.unwrap();
        let admin = Actor { name: "a".into(), zone: "SYN110100".into(), org_unit: "市生态环境局".into(), role: Role::Admin, parent: None };
        let all = crate::rollup::national(&app, &admin, None).await.unwrap();
        let by = ecociv_core::rollup::by_province(&all);
        assert_eq!(by.iter().map(|p| (p.code.as_str(), p.totals.zones)).collect::<Vec<_>>(), [("11", 5), ("12", 2)]);
        assert_eq!(crate::rollup::national(&app, &admin, Some("12")).await.unwrap().len(), 2);
        let tf = Actor { name: "syn110100-tf".into(), zone: "SYN110100".into(), org_unit: "市生态环境局".into(), role: Role::TaskForce, parent: None };
        let counties = crate::rollup::children(&app, &tf).await.unwrap();
        assert_eq!(counties.iter().map(|z| z.code.as_str()).collect::<Vec<_>>(), ["SYN110101", "SYN110102", "SYN110103", "SYN110104"]);
        db.cleanup().await;
    }

    #[tokio::test]
    async fn a_weak_password_makes_nothing() {
        let db = TestDb::sqlite().await;
        let app = App::new(db.store.clone(), None, "150100");
        let e = generate(&app, &Request::new(1, 1, 1).unwrap(), "short".into(), |_| {}).await.unwrap_err();
        assert_eq!((e.code, e.checks[0].code), ("invalid", "weak_password"));
        assert!(db.store.plan_hash("SYN0001").await.unwrap().is_none());
        db.cleanup().await;
    }
}
