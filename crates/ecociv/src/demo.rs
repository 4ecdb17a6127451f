//! `ecociv demo generate`: synthetic zones for benchmarks and trials. Each zone is a copy of
//! the embedded plan under a code `SYN0001`… and a name and title marked 合成数据 (synthetic),
//! with its own users, yearly values (approved, with some evidence), and a monthly dispatch
//! history of its first projects. Nothing is written into a real zone. Values come from a
//! seeded generator, so two runs give the same data.

use anyhow::Context;
use ecociv_core::access::Role;
use ecociv_core::model::{OrgKind, Plan};
use ecociv_core::record::{DispatchRecord, EntryState, ObservationRecord, UserRecord};
use ecociv_core::rule::ValueKind;
use ecociv_store::Store;
use rust_decimal::Decimal;

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

/// The embedded plan as a synthetic zone.
fn synthetic_plan(base: &Plan, n: usize) -> Plan {
    let mut p = base.clone();
    p.zone.code = zone_code(n);
    p.zone.name = format!("合成数据示范区{n:03}");
    p.zone.name_en = format!("Synthetic zone {n:03}");
    p.zone.parent = None;
    p.code = format!("synthetic-{n:04}");
    p.title = format!("【合成数据】{}", base.title);
    p.title_en = format!("[Synthetic] {}", base.title_en);
    p.content_hash = format!("synthetic-{}", base.content_hash);
    p
}

/// Generates `zones` synthetic zones with `projects` reporting projects and `years` years of data.
pub async fn generate(store: &dyn Store, base: &Plan, zones: usize, projects: usize, years: i32, password_hash: &str) -> anyhow::Result<()> {
    let now = ecociv_store::trail::now();
    for n in 1..=zones {
        let plan = synthetic_plan(base, n);
        let z = plan.zone.code.clone();
        store.load_plan(&plan, "demo").await.with_context(|| format!("loading {z}"))?;
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
                password_hash: password_hash.into(),
                failed_logins: 0,
                locked_until: String::new(),
                created_at: now.clone(),
            };
            store.create_user(&u, "demo").await?;
        }
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
                let o = ObservationRecord {
                    id: 0,
                    zone: z.clone(),
                    indicator: leaf.code.to_string(),
                    year: i64::from(year),
                    region: String::new(),
                    value,
                    comment: "合成数据".into(),
                    explanation: String::new(),
                    state: EntryState::Submitted,
                    late: false,
                    submitted_by: submitter.clone(),
                    submitted_at: now.clone(),
                    decided_by: String::new(),
                    decided_at: String::new(),
                    reason: String::new(),
                    version: 0,
                };
                let stored = store.insert_observation(&o, &submitter).await?;
                let approved = ObservationRecord { state: EntryState::Approved, decided_by: tf.clone(), decided_at: now.clone(), ..stored.clone() };
                store.update_observation(&stored, &approved, "observation.approved", &tf, "").await?;
            }
        }
        let reports = store.dispatch_reports(&z).await?;
        for p in plan.projects.iter().take(projects) {
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
                    let d = DispatchRecord {
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
                    };
                    store.insert_dispatch(&d, &user).await?;
                }
            }
        }
        println!(
            "zone {z}: {} users, {} yearly values, {} projects reporting",
            users.len(),
            plan.leaves().len() * years as usize,
            projects.min(plan.projects.len())
        );
    }
    Ok(())
}
