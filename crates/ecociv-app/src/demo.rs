//! Synthetic data for benchmarks and trials (`ecociv demo generate`). Each zone is a copy of the
//! embedded plan under a code `SYN0001`… and a name and title marked 合成数据 (synthetic), with
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

/// The code of the n-th synthetic zone.
pub fn zone_code(n: usize) -> String {
    format!("SYN{n:04}")
}

/// The embedded plan as a synthetic zone: a county under `parent` when one is given.
fn synthetic_plan(base: &Plan, n: usize, parent: Option<&str>) -> Plan {
    let mut p = base.clone();
    p.zone.code = zone_code(n);
    p.zone.name = format!("合成数据示范区{n:03}");
    p.zone.name_en = format!("Synthetic zone {n:03}");
    p.zone.parent = parent.map(String::from);
    if parent.is_some() {
        p.zone.level = ecociv_core::model::ZoneLevel::County;
    }
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
}

impl Request {
    /// A request, its years within 1–[`MAX_YEARS`] (else `demo_years`).
    pub fn new(zones: usize, projects: usize, years: i32) -> Result<Request> {
        if !(1..=MAX_YEARS).contains(&years) {
            return Err(AppError::bad_request("demo_years").field("years", &years.to_string()));
        }
        Ok(Request { zones, projects, years, parent: None })
    }

    /// The same, the zones standing under `parent` (a zone that exists).
    pub fn under(self, parent: &str) -> Request {
        Request { parent: Some(parent.trim().to_string()), ..self }
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
        let plan = synthetic_plan(&base, n, r.parent.as_deref());
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
    async fn a_weak_password_makes_nothing() {
        let db = TestDb::sqlite().await;
        let app = App::new(db.store.clone(), None, "150100");
        let e = generate(&app, &Request::new(1, 1, 1).unwrap(), "short".into(), |_| {}).await.unwrap_err();
        assert_eq!((e.code, e.checks[0].code), ("invalid", "weak_password"));
        assert!(db.store.plan_hash("SYN0001").await.unwrap().is_none());
        db.cleanup().await;
    }
}
